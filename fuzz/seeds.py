#!/usr/bin/env python3
"""Write the committed seed corpora in fuzz/corpus/<target>/ from the
project's golden fixtures, the channel docs' sample payloads, the sample
catalog and the config files, framed as each target reads its input (see
fuzz/src/lib.rs). Re-run after fixtures change:

    python3 fuzz/seeds.py [CHANNEL_DOCS_DIR]

The XLSX seeds are written from the CSV by `kho export` (needs a built kho
at target/debug/kho or KHO_BIN)."""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "adapters", "simulator", "fixtures")
OUT = os.path.join(ROOT, "fuzz", "corpus")
DOCS = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "docs", "src", "channels")


def put(target, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def fixture(channel, name):
    with open(os.path.join(FIX, channel, name), "rb") as f:
        return f.read()


def doc_json_blocks(channel):
    """JSON objects in the channel doc's fenced code blocks."""
    path = os.path.join(DOCS, channel + ".md")
    if not os.path.exists(path):
        return []
    text = open(path, encoding="utf-8").read()
    out = []
    for block in re.findall(r"```(?:json|jsonc)?\n(.*?)```", text, re.S):
        block = block.strip()
        if not block.startswith("{"):
            continue
        try:
            json.loads(block)
        except ValueError:
            continue
        out.append(block.encode())
    return out


# Response targets: [endpoint selector][status index][header flags][body].
# Status indexes (lib.rs STATUSES): 0 = 200, 4 = 400, 5 = 401, 8 = 429, 9 = 500.
def response(target, selector, body, status=0, retry_after=None):
    flags = 1 if retry_after is not None else 0
    head = bytes([selector, status, flags])
    if retry_after is not None:
        head += retry_after.encode() + b"\n"
    put(target, head + body)


RESPONSES = {
    "shopee": {
        0: ["get_item_list.json"],
        1: ["get_item_base_info.json"],
        2: ["get_model_list.json"],
        3: ["get_order_list.json"],
        4: ["get_order_detail.json"],
        5: ["update_stock_partial_failure.json", "update_price_partial_failure.json", "unlist_item.json"],
        6: ["token_get.json", "token_refresh.json"],
        7: ["upload_image.json"],
        8: ["add_item.json"],
        9: ["error_envelope.json", "get_lost_push_message.json"],
    },
    "tiktok": {
        0: ["products_search.json"],
        1: ["product_detail.json"],
        2: ["orders_search.json"],
        3: ["order_detail.json"],
        4: ["inventory_update_success.json", "inventory_update_partial_failure.json",
            "price_update.json", "products_deactivate_partial_failure.json"],
        5: ["token_get.json", "token_refresh.json"],
        6: ["authorized_shops.json"],
        7: ["warehouses.json"],
        8: ["returns_search.json"],
        9: ["cancellations_search.json"],
        10: ["product_create.json"],
        11: ["image_upload.json"],
    },
    "lazada": {
        0: ["products_get.json"],
        2: ["orders_get.json"],
        3: ["orders_items_get.json"],
        4: ["write_success.json", "sellable_update_partial_failure.json",
            "price_quantity_too_many_skus.json"],
        5: ["token_create.json", "token_refresh.json"],
        6: ["product_create.json"],
    },
}

ERRORS = {
    "shopee": (9, ["error_envelope.json", "error_rate_limit.json"]),
    "tiktok": (3, ["error_expired_token.json", "error_unexpected_shop_cipher.json",
                   "error_missing_shop_cipher.json", "error_invalid_auth_code.json",
                   "error_rate_limit.json", "error_invalid_sign.json"]),
    "lazada": (2, ["error_api_call_limit.json", "error_illegal_access_token.json",
                   "error_incomplete_signature.json"]),
}

WEBHOOKS = {
    "shopee": ["push_order_status.json"],
    "tiktok": [n for n in sorted(os.listdir(os.path.join(FIX, "tiktok"))) if n.startswith("webhook_")],
    "lazada": ["push_order_status.json"],
}


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    for channel, by_selector in RESPONSES.items():
        target = "response_" + channel
        for selector, names in by_selector.items():
            for name in names:
                response(target, selector, fixture(channel, name))
        selector, names = ERRORS[channel]
        for name in names:
            body = fixture(channel, name)
            response(target, selector, body)
            response(target, selector, body, status=8, retry_after="7")
            response(target, selector, body, status=9)
        response(target, 0, b"<html>502 Bad Gateway</html>", status=10)
        response(target, 0, b"", status=8, retry_after="Wed, 21 Oct 2026 07:28:00 GMT")
        for i, block in enumerate(doc_json_blocks(channel)):
            response(target, i % 12, block)

    for channel, names in WEBHOOKS.items():
        target = "webhook_" + channel
        bodies = [fixture(channel, n) for n in names]
        bodies += [b for b in doc_json_blocks(channel)
                   if re.search(rb'"(tts_notification_id|shop_id|seller_id|message_type|code)"', b)]
        for body in bodies:
            put(target, b"\x01" + body)
            put(target, b"\x03" + body)
            put(target, b"\x00" + b"0" * 64 + b"\n" + body)
        put(target, b"\x00\n")

    with open(os.path.join(ROOT, "data", "ocop-catalog.csv"), "rb") as f:
        csv = f.read()
    put("catalog_csv", csv)
    lines = csv.splitlines(keepends=True)
    put("catalog_csv", b"".join(lines[:3]))
    put("catalog_csv", b"\xef\xbb\xbf" + b"".join(lines[:2]))
    put("catalog_csv", lines[0])
    # catalog_import: the sample; a row of htx-chi-lang with htx-bao-lam's SKU
    # (the snapshot of fuzz_targets/catalog_import.rs); a flood of bad lines.
    put("catalog_import", csv)
    put("catalog_import", lines[0] + b"htx-chi-lang,HTX,Chi Lang,HONG,Hong,HONG-3KG,Hop,5000,0,1000,,,,,,\n")
    put("catalog_import", lines[0] + b"x,y\n" * 300)

    xlsx = export_xlsx(csv)
    if xlsx is not None:
        put("catalog_xlsx", b"\x00" + xlsx)
        with zipfile.ZipFile(os.path.join(tempfile.gettempdir(), "kho-seed.xlsx")) as z:
            names = z.namelist()
            sheet = next(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))
            shared = z.read("xl/sharedStrings.xml") if "xl/sharedStrings.xml" in names else b""
            put("catalog_xlsx", b"\x01" + z.read(sheet) + b"\x00" + shared)
    put("catalog_xlsx", b"\x01" + SMALL_SHEET + b"\x00" + SMALL_SHARED)

    # api_json: [selector][content-type flags][body or query string]; selectors as in
    # fuzz_targets/api_json.rs, flags 0 = application/json.
    api = [
        (0, b'{"code":"HTX-CHI-LANG","name":"HTX Na Chi L\xc4\x83ng","district":"Chi L\xc4\x83ng"}'),
        (1, b'{"name":"HTX Na Chi L\xc4\x83ng","district":null}'),
        (2, b'{"producer":"HTX-CHI-LANG","code":"NA-CHI-LANG","name":"Na Chi L\xc4\x83ng","category":"fruit",'
            b'"description":"Custard apples","ocop_stars":4,"ocop_cert_no":"OCOP-LS-0042",'
            b'"ocop_cert_expires":"2027-06-30","variants":[{"sku":"NA-1KG","name":"1 kg","price_vnd":85000,'
            b'"weight_g":1000,"stock":40,"image_urls":["https://img.example/na.jpg"]},'
            b'{"sku":"NA-2KG","name":"2 kg","price_vnd":160000,"weight_g":2000}]}'),
        (3, b'{"name":"Na","ocop_stars":null,"ocop_cert_expires":"2028-01-01","active":false}'),
        (4, b'{"account":"shopee-chi-lang"}'),
        (4, b'{}'),
        (5, b'{"quantity":12,"reason":"count","location":"KHO-1"}'),
        (6, b'{"delta":-3,"reason":"damaged"}'),
        (7, b'producer=HTX-CHI-LANG&limit=50&cursor=100'),
        (8, b'account=shopee-chi-lang&status=ready&limit=10'),
        (9, b'from=2026-01-01&to=2026-02-01&by=sku&tz=Asia/Ho_Chi_Minh'),
        (10, b'account=shopee-chi-lang&latest=true&limit=5'),
        (11, b'account=lazada-1&cursor=abc'),
    ]
    for selector, payload in api:
        put("api_json", bytes([selector, 0]) + payload)
    put("api_json", bytes([5, 2]) + b'{"quantity":1}')
    put("api_json", bytes([5, 3]) + b"text/plain\n" + b'{"quantity":1}')

    for name in sorted(os.listdir(os.path.join(ROOT, "config"))):
        if name.endswith(".toml"):
            with open(os.path.join(ROOT, "config", name), "rb") as f:
                put("config_toml", f.read())
    put("config_toml", b"")


SMALL_SHARED = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2">'
                b'<si><t>producer_code</t></si><si><t>HTX-01</t></si></sst>')
SMALL_SHEET = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
               b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
               b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>price_vnd</t></is></c></row>'
               b'<row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2"><v>125000</v></c>'
               b'<c r="C2" s="1"><v>45292</v></c><c r="D2" t="b"><v>1</v></c></row>'
               b'</sheetData></worksheet>')


def export_xlsx(csv):
    """The sample catalog as `kho export` writes XLSX."""
    kho = os.environ.get("KHO_BIN", os.path.join(ROOT, "target", "debug", "kho"))
    if not os.path.exists(kho):
        print("no kho binary: XLSX seeds from the sample catalog skipped", file=sys.stderr)
        return None
    tmp = tempfile.mkdtemp()
    try:
        src = os.path.join(tmp, "catalog.csv")
        with open(src, "wb") as f:
            f.write(csv)
        env = dict(os.environ, KHO__DATABASE__URL="sqlite://" + os.path.join(tmp, "kho.db"))
        subprocess.run([kho, "import", src], check=True, env=env, cwd=tmp, capture_output=True)
        dst = os.path.join(tempfile.gettempdir(), "kho-seed.xlsx")
        subprocess.run([kho, "export", dst], check=True, env=env, cwd=tmp, capture_output=True)
        with open(dst, "rb") as f:
            return f.read()
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
