"""Lazada Open Platform through Lazada's own Python SDK, `lazop-sdk`."""

import os
import tempfile
import time

# The SDK writes an error log under $HOME/logs at import: keep it out of the
# runner's home.
os.environ["HOME"] = tempfile.mkdtemp(prefix="lazop-home-")

from common import SIM, SECRET, check, done  # noqa: E402
import lazop_sdk  # noqa: E402
from lazop_sdk import LazopClient, LazopRequest  # noqa: E402

client = LazopClient(SIM["base_url"], SIM["app_key"], SECRET)
token = SIM["access_token"]


def ok(resp):
    return str(resp.code) == "0"


products = LazopRequest("/products/get", "GET")
products.add_api_param("filter", "all")
products.add_api_param("offset", "0")
products.add_api_param("limit", "50")
got = client.execute(products, token)
listed = ((got.body or {}).get("data") or {}).get("products") or []
check("GET /products/get answers the seeded products",
      ok(got) and len(listed) == SIM["products_seeded"], got.body)

sku = (listed[0].get("skus") or [{}])[0] if listed else {}
item_id, sku_id, seller_sku = listed[0].get("item_id") if listed else 0, sku.get("SkuId"), sku.get("SellerSku")
update = LazopRequest("/product/stock/sellable/update")  # POST: a form body, as the SDK sends it
update.add_api_param(
    "payload",
    f"<Request><Product><Skus><Sku><ItemId>{item_id}</ItemId><SkuId>{sku_id}</SkuId>"
    f"<SellerSku>{seller_sku}</SellerSku><SellableQuantity>9</SellableQuantity></Sku></Skus></Product></Request>",
)
updated = client.execute(update, token)
check("POST /product/stock/sellable/update (XML payload, form body) is accepted", ok(updated), updated.body)

orders = LazopRequest("/orders/get", "GET")
orders.add_api_param("created_after", time.strftime("%Y-%m-%dT%H:%M:%S+07:00", time.localtime(time.time() - 86400)))
orders.add_api_param("limit", "20")
listed_orders = client.execute(orders, token)
check("GET /orders/get is accepted", ok(listed_orders), listed_orders.body)

refresh = LazopRequest("/auth/token/refresh")
refresh.add_api_param("refresh_token", SIM["refresh_token"])
auth = LazopClient(SIM["auth_url"], SIM["app_key"], SECRET)
refreshed = auth.execute(refresh)
new_token = (refreshed.body or {}).get("access_token")
check("POST /auth/token/refresh (no access token, on the auth host) gives a new token",
      ok(refreshed) and new_token, refreshed.body)
check("the new access token is accepted", ok(client.execute(products, new_token)))

# What Lazada rejects, the simulator rejects with Lazada's error.
forged = LazopClient(SIM["base_url"], SIM["app_key"], "not-the-secret").execute(products, new_token)
check("a request signed with another secret is refused with IncompleteSignature",
      forged.code == "IncompleteSignature", forged.body)

unknown = client.execute(products, "50000" + "0" * 50)
check("an access token Lazada never issued is refused with IllegalAccessToken",
      unknown.code == "IllegalAccessToken", unknown.body)

real_time = time.time
time.time = lambda: real_time() - 3 * 3600
try:
    stale = client.execute(products, new_token)
finally:
    time.time = real_time
check("a timestamp three hours old (outside the 7,200 s window) is refused",
      not ok(stale) and stale.code, stale.body)

done("lazada", "lazop-sdk 1.0.3")
