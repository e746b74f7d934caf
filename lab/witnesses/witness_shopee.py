"""Shopee Open Platform v2 through pyshopee's `pyshopee2` client."""

import sys
import time
import types

from common import SIM, SECRET, check, done

# pyshopee2 imports selenium for its interactive authorisation helper
# (`get_code`, which opens a browser); the API calls never use it.
selenium = types.ModuleType("selenium")
selenium.webdriver = types.ModuleType("selenium.webdriver")
sys.modules.setdefault("selenium", selenium)
sys.modules.setdefault("selenium.webdriver", selenium.webdriver)

import pyshopee2  # noqa: E402
import pyshopee2.client  # noqa: E402
from requests import Session  # noqa: E402

# The client prints every signed URL (tokens included); keep the log to the checks.
pyshopee2.client.print = lambda *args, **kwargs: None


def client(access_token=SIM["access_token"], partner_key=SECRET):
    c = pyshopee2.Client(
        SIM["shop_id"], SIM["partner_id"], partner_key, "https://kho.example.org/connect",
        access_token=access_token, refresh_token=SIM["refresh_token"],
    )
    c.host = SIM["base_url"]
    return c


def ok(resp):
    return isinstance(resp, dict) and not resp.get("error")


shop = client()
items = shop.product.get_item_list(offset=0, page_size=50, item_status="NORMAL")
listed = (items.get("response") or {}).get("item") or []
check("product/get_item_list answers the seeded items",
      ok(items) and len(listed) == SIM["items_seeded"], items)

item_id = listed[0]["item_id"] if listed else 0
models = shop.product.get_model_list(item_id=item_id)
model_list = (models.get("response") or {}).get("model") or []
check("product/get_model_list answers the item's models", ok(models) and model_list, models)

if model_list:
    model_id = model_list[0]["model_id"]
    updated = shop.product.update_stock(
        item_id=item_id, stock_list=[{"model_id": model_id, "seller_stock": [{"stock": 7}]}])
    check("product/update_stock (a JSON body) is accepted", ok(updated), updated)
    again = shop.product.get_model_list(item_id=item_id)
    stock = [m for m in (again.get("response") or {}).get("model", []) if m["model_id"] == model_id]
    shown = stock and stock[0].get("stock_info_v2", {}).get("seller_stock", [{}])[0].get("stock")
    check("the new stock shows on the next read", shown == 7, again)

now = int(time.time())
orders = shop.order.get_order_list(
    time_range_field="create_time", time_from=now - 86400, time_to=now, page_size=20)
check("order/get_order_list is accepted", ok(orders), orders)

# The refresh rotates both tokens; the new access token works, the old
# refresh token is spent.
access, _, refresh = shop.get_access_token(SIM["shop_id"], SIM["partner_id"], SECRET, SIM["refresh_token"])
check("auth/access_token/get gives a new pair", access and access != SIM["access_token"], access)
fresh = client(access_token=access)
check("the new access token is accepted",
      ok(fresh.product.get_item_list(offset=0, page_size=10, item_status="NORMAL")))

# What Shopee rejects, the simulator rejects with Shopee's error. pyshopee2
# turns any answer that is not 2xx into {"error": <status>} and drops the
# body, so these requests are built and signed by the SDK and sent as it
# sends them, and the body is read here.
def raw(c, uri, body):
    resp = Session().send(c._build_request(uri, "GET", dict(body)).prepare(), timeout=10)
    try:
        return resp.status_code, resp.json()
    except ValueError:
        return resp.status_code, {}


listing = ("product/get_item_list", {"offset": 0, "page_size": 10, "item_status": "NORMAL"})
status, bad = raw(client(access_token=access, partner_key="0" * 64), *listing)
check("a request signed with another key is refused with error_sign",
      bad.get("error") == "error_sign", (status, bad))

stale = client(access_token=access)
stale._make_timestamp = lambda: int(time.time()) - 3600
status, old = raw(stale, *listing)
check("a timestamp an hour old is refused with error_param (Timestamp is expired)",
      old.get("error") == "error_param" and "expired" in str(old.get("message", "")).lower(), (status, old))

status, unknown = raw(client(access_token="0" * 32), *listing)
check("an access token Shopee never issued is refused with error_auth",
      unknown.get("error") in ("error_auth", "invalid_acceess_token", "invalid_access_token"), (status, unknown))

try:
    shop.get_access_token(SIM["shop_id"], SIM["partner_id"], SECRET, SIM["refresh_token"])
    reused = None
except KeyError:
    reused = "refused"
check("the refresh token spent by the refresh is refused the second time", reused == "refused")

done("shopee", "pyshopee2 1.4.0")
