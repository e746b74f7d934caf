"""WooCommerce REST API v3 through WooCommerce's own Python client, `woocommerce`.

Over plain http (the simulator's loopback) the client signs every request
with OAuth 1.0a, one-legged, HMAC-SHA256: the path a site reached without
TLS takes.
"""

from common import SIM, check, done
import woocommerce.api
from woocommerce import API

site = API(url=SIM["base_url"], consumer_key=SIM["consumer_key"],
           consumer_secret=SIM["consumer_secret"], version="wc/v3", timeout=10)

products = site.get("products", params={"per_page": 50})
listed = products.json() if products.ok else []
check("GET products (OAuth 1.0a in the query) lists the seeded products",
      products.status_code == 200 and len(listed) == SIM["products_seeded"], products.text[:300])

product = listed[0] if listed else {"id": 0, "variations": []}
if product.get("variations"):
    variation_id = product["variations"][0]
    path = f"products/{product['id']}/variations/{variation_id}"
    updated = site.put(path, {"manage_stock": True, "stock_quantity": 8})
    check("PUT a variation's stock (a signed JSON body) is accepted",
          updated.status_code == 200 and updated.json().get("stock_quantity") == 8, updated.text[:300])
    batch = site.post(f"products/{product['id']}/variations/batch",
                      {"update": [{"id": variation_id, "stock_quantity": 4}]})
    check("POST …/variations/batch is accepted",
          batch.status_code == 200 and batch.json().get("update", [{}])[0].get("stock_quantity") == 4,
          batch.text[:300])
else:
    updated = site.put(f"products/{product['id']}", {"manage_stock": True, "stock_quantity": 8})
    check("PUT a product's stock (a signed JSON body) is accepted",
          updated.status_code == 200 and updated.json().get("stock_quantity") == 8, updated.text[:300])

orders = site.get("orders", params={"per_page": 20, "modified_after": "2026-01-01T00:00:00"})
check("GET orders is accepted", orders.status_code == 200 and isinstance(orders.json(), list), orders.text[:300])

# What a WooCommerce site rejects, the simulator rejects with WooCommerce's code.
forged = API(url=SIM["base_url"], consumer_key=SIM["consumer_key"],
             consumer_secret="cs_not_the_secret", version="wc/v3", timeout=10).get("products")
check("a request signed with another secret is refused (401 woocommerce_rest_authentication_error)",
      forged.status_code == 401 and forged.json().get("code") == "woocommerce_rest_authentication_error",
      forged.text[:300])

# The client takes its OAuth timestamp from `time()` (its `oauth_timestamp`
# argument is also handed on to `requests`, which refuses it).
real_time = woocommerce.api.time
woocommerce.api.time = lambda: real_time() - 3600
try:
    stale = site.get("products")
finally:
    woocommerce.api.time = real_time
check("a timestamp an hour old (outside ±15 minutes) is refused with 401",
      stale.status_code == 401 and "timestamp" in stale.text.lower(), stale.text[:300])

unknown = API(url=SIM["base_url"], consumer_key="ck_" + "0" * 40,
              consumer_secret=SIM["consumer_secret"], version="wc/v3", timeout=10).get("products")
check("an unknown consumer key is refused with 401", unknown.status_code == 401, unknown.text[:300])

done("woocommerce", "woocommerce 3.0.0")
