"""TikTok Shop Partner API (202309) through the `tiktok-shop-api` client."""

import http.server
import threading
import time

import httpx

from common import SIM, SECRET, check, done
import tiktok_shop_api
from tiktok_shop_api import TikTokShop, TikTokShopAuth, TikTokShopError, Webhooks
from tiktok_shop_api.generated.models import (
    GetOrderListRequest,
    InventorySearchRequest,
    UpdateInventoryRequest,
    UpdateShopWebhookRequest,
)

shop = TikTokShop(SIM["app_key"], SECRET, SIM["access_token"], SIM["shop_cipher"], base_url=SIM["base_url"])


def code_of(call):
    """The TikTok error code a call raised, or 0 when it succeeded."""
    try:
        call()
        return 0
    except TikTokShopError as e:
        return e.code


shops = shop.authorization.get_authorized_shops()
listed_shops = shops.to_dict().get("data", {}).get("shops", []) if shops else []
check("GET /authorization/202309/shops (no shop_cipher) lists the shop and its cipher",
      any(s.get("cipher") == SIM["shop_cipher"] for s in listed_shops), shops)

# The SDK types only the 202502 product search, which does not exist in the
# 202309 API kho speaks; the product ids come from the simulator's control
# plane, and the SDK finds them with its typed 202309 inventory search.
state = httpx.get(SIM["base_url"] + "/_sim/state").json()
seeded = [p["id"] for s in state["shops"] if s["cipher"] == SIM["shop_cipher"] for p in s["products"]]
found = shop.products.inventory_search(body=InventorySearchRequest(product_ids=seeded)).to_dict()
products = [{"id": p["product_id"]} for p in found.get("data", {}).get("inventory", [])]
check("POST /product/202309/inventory/search (signed JSON body) finds the seeded products",
      len(products) == SIM["products_seeded"], found)

product_id = products[0]["id"] if products else "0"
product = shop.products.get_product(product_id).to_dict()
skus = product.get("data", {}).get("skus", [])
check("GET /product/202309/products/{id} answers the product", skus, product)

if skus:
    sku_id = skus[0]["id"]
    body = UpdateInventoryRequest.from_dict(
        {"skus": [{"id": sku_id, "inventory": [{"warehouse_id": SIM["warehouse_id"], "quantity": 6}]}]})
    check("POST /product/202309/products/{id}/inventory/update is accepted",
          code_of(lambda: shop.products.update_inventory(product_id, body=body)) == 0)
    again = shop.products.get_product(product_id).to_dict()
    inventory = [s for s in again.get("data", {}).get("skus", []) if s["id"] == sku_id][0].get("inventory", [])
    check("the new quantity shows on the next read", inventory and inventory[0].get("quantity") == 6, inventory)

check("POST /order/202309/orders/search is accepted",
      code_of(lambda: shop.orders.get_order_list(
          page_size=20, body=GetOrderListRequest(create_time_ge=int(time.time()) - 86400))) == 0)

auth = TikTokShopAuth(SIM["app_key"], SECRET, base_url=SIM["auth_url"])
tokens = auth.refresh(SIM["refresh_token"])
check("GET /api/v2/token/refresh on the auth host gives a new access token",
      tokens.access_token and tokens.access_token != SIM["access_token"], tokens)
fresh = shop.with_shop(access_token=tokens.access_token)
check("the new access token is accepted",
      code_of(lambda: fresh.products.get_product(product_id)) == 0)

# What TikTok rejects, the simulator rejects with TikTok's code.
forged = TikTokShop(SIM["app_key"], "not-the-secret", tokens.access_token, SIM["shop_cipher"],
                    base_url=SIM["base_url"])
check("a request signed with another secret is refused with 106001",
      code_of(lambda: forged.products.get_product(product_id)) == 106001)

real_time = time.time
time.time = lambda: real_time() - 3600
try:
    stale = code_of(lambda: fresh.products.get_product(product_id))
finally:
    time.time = real_time
check("a timestamp an hour old is refused with 36009004", stale == 36009004, stale)

no_cipher = TikTokShop(SIM["app_key"], SECRET, tokens.access_token, None, base_url=SIM["base_url"])
check("a shop call without shop_cipher is refused with 106013",
      code_of(lambda: no_cipher.products.get_product(product_id)) == 106013)

# Webhooks: the address is registered through the SDK; an order placed on
# the simulator is announced there, and the SDK verifies the signature over
# the raw body and parses it strictly (every required field present).
received = []


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (the standard library's name)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        received.append((self.headers.get("Authorization", ""), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()
address = f"http://127.0.0.1:{server.server_address[1]}/webhooks/tiktok"
check("PUT /event/202309/webhooks registers the address",
      code_of(lambda: fresh.event.update_shop_webhook(body=UpdateShopWebhookRequest.from_dict(
          {"event_type": "ORDER_STATUS_CHANGE", "address": address}))) == 0)
if skus:
    httpx.post(SIM["base_url"] + "/_sim/orders",
               json={"shop_id": SIM["shop_id"], "lines": [{"sku_id": sku_id, "quantity": 1}]}).raise_for_status()
for _ in range(50):
    if received:
        break
    time.sleep(0.1)
check("an order's ORDER_STATUS_CHANGE webhook arrives", received, "nothing arrived in 5 s")
for signature, body in received[:1]:
    check("the SDK verifies its signature (HMAC of app key + raw body)",
          Webhooks.verify(app_key=SIM["app_key"], app_secret=SECRET, raw_body=body, signature=signature),
          (signature, body[:200]))
    check("a webhook signed with another secret fails the SDK's check",
          not Webhooks.verify(app_key=SIM["app_key"], app_secret="not-the-secret", raw_body=body,
                              signature=signature))
    try:
        event = Webhooks.parse(body)
        parsed = type(event).__name__
    except ValueError as e:
        parsed = f"refused: {e}"
    check("the SDK parses it strictly as an order status change", parsed == "OrderStatusChangeWebhook", parsed)
server.shutdown()

done("tiktok", "tiktok-shop-api " + tiktok_shop_api.__version__)
