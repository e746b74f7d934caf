//! Stock and price writes (§7): sellable update/adjust, price_quantity update (total stock), per-SKU `detail`
//! partial failures, and the 50-SKU batch limit across products.
//!
//! Section numbers (§) refer to `docs/src/channels/lazada.md`.

use serde_json::json;

use super::super::{NewOrder, NewOrderLine, Rejection, SeedProduct, SeedSku, SkuEdit};
use super::{Client, SELLER, assert_error, assert_ok, assert_shape, config, sku_payload, start};

fn by_sku(sku: &str, inner: &str) -> String {
    format!("<SellerSku>{sku}</SellerSku>{inner}")
}

#[tokio::test]
async fn sellable_update_overwrites_sellable_not_total() {
    let cfg = config();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    sim.create_order(NewOrder {
        seller_id: SELLER,
        lines: vec![NewOrderLine {
            seller_sku: "ST25-5KG".into(),
            units: 4,
            paid_price: None,
        }],
        ..Default::default()
    })
    .unwrap();
    let p = sku_payload(&[by_sku(
        "ST25-5KG",
        "<SellableQuantity>20</SellableQuantity>",
    )]);
    let (_, v) = c
        .post("/product/stock/sellable/update", &[("payload", &p)])
        .await;
    assert_ok(&v);
    assert_shape("write_success.json", &v);
    let s = sim.state();
    assert_eq!(s.sellable_of(SELLER, "ST25-5KG"), Some(20));
    assert_eq!(
        s.quantity_of(SELLER, "ST25-5KG"),
        Some(24),
        "total = sellable + occupied"
    );
    // GET works too for UpdateSellableQuantity; addressed by ItemId + SkuId this time.
    let (item_id, sku_id) = s
        .sku(SELLER, "ST25-5KG")
        .map(|(p, k)| (p.item_id, k.sku_id))
        .unwrap();
    let p = sku_payload(&[format!(
        "<ItemId>{item_id}</ItemId><SkuId>{sku_id}</SkuId><SellableQuantity>15</SellableQuantity>"
    )]);
    assert_ok(
        &c.get("/product/stock/sellable/update", &[("payload", &p)])
            .await
            .1,
    );
    assert_eq!(sim.state().sellable_of(SELLER, "ST25-5KG"), Some(15));
    // JSON is not a documented payload format for the sellable APIs.
    let j = json!({"Request": {"Product": {"Skus": {"Sku": [{"SellerSku": "ST25-5KG", "SellableQuantity": 1}]}}}});
    assert_error(
        &c.post(
            "/product/stock/sellable/update",
            &[("payload", &j.to_string())],
        )
        .await
        .1,
        "5",
    );
    assert_error(
        &c.post("/product/stock/sellable/update", &[]).await.1,
        "MissingParameter",
    );
}

#[tokio::test]
async fn partial_failure_reports_detail_and_applies_the_rest() {
    let cfg = config();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    sim.edit_sku(
        SELLER,
        "ST25-5KG",
        SkuEdit {
            channel_locked: Some(10),
            ..Default::default()
        },
    )
    .unwrap();
    let p = sku_payload(&[
        by_sku("ST25-5KG", "<SellableQuantity>3</SellableQuantity>"),
        by_sku("CAFE-500G", "<SellableQuantity>42</SellableQuantity>"),
        by_sku("NO-SUCH", "<SellableQuantity>1</SellableQuantity>"),
    ]);
    let (status, v) = c
        .post("/product/stock/sellable/update", &[("payload", &p)])
        .await;
    assert_eq!(status, 200);
    assert_error(&v, "501");
    assert_shape("sellable_update_partial_failure.json", &v);
    assert_eq!(v["type"], "ISP");
    let detail = v["detail"].as_array().unwrap();
    assert_eq!(detail.len(), 2);
    assert_eq!(detail[0]["code"], "E0501");
    assert_eq!(detail[0]["seller_sku"], "ST25-5KG");
    assert!(
        detail[0]["message"]
            .as_str()
            .unwrap()
            .contains("negative sellable on channel inventory")
    );
    assert_eq!(detail[1]["seller_sku"], "NO-SUCH");
    let s = sim.state();
    assert_eq!(
        s.sellable_of(SELLER, "ST25-5KG"),
        Some(100),
        "failed SKU unchanged"
    );
    assert_eq!(
        s.sellable_of(SELLER, "CAFE-500G"),
        Some(42),
        "other SKU applied"
    );
    assert_eq!(sim.request_log().rejections(Rejection::PartialFailure), 1);
}

#[tokio::test]
async fn adjust_is_a_delta_that_may_not_go_negative() {
    let cfg = config();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let p = sku_payload(&[by_sku(
        "CAFE-500G",
        "<SellableQuantity>-4</SellableQuantity>",
    )]);
    assert_ok(
        &c.post("/product/stock/sellable/adjust", &[("payload", &p)])
            .await
            .1,
    );
    assert_eq!(sim.state().sellable_of(SELLER, "CAFE-500G"), Some(6));
    let p = sku_payload(&[by_sku(
        "CAFE-500G",
        "<SellableQuantity>-7</SellableQuantity>",
    )]);
    let (_, v) = c
        .post("/product/stock/sellable/adjust", &[("payload", &p)])
        .await;
    assert_error(&v, "501");
    assert_eq!(v["detail"][0]["code"], "212");
    assert_eq!(sim.state().sellable_of(SELLER, "CAFE-500G"), Some(6));
    assert_eq!(sim.request_log().rejections(Rejection::Business), 1);
    // adjust is POST only.
    assert_error(
        &c.get("/product/stock/sellable/adjust", &[("payload", &p)])
            .await
            .1,
        "InvalidApiPath",
    );
}

#[tokio::test]
async fn price_quantity_sets_price_and_total_stock() {
    let cfg = config();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    sim.create_order(NewOrder {
        seller_id: SELLER,
        lines: vec![NewOrderLine {
            seller_sku: "ST25-5KG".into(),
            units: 2,
            paid_price: None,
        }],
        ..Default::default()
    })
    .unwrap();
    let p = sku_payload(&[by_sku(
        "ST25-5KG",
        "<Price>190000</Price><SalePrice>175000</SalePrice><SaleStartDate>2026-12-01 00:00:00</SaleStartDate><SaleEndDate>2026-12-31 23:59:59</SaleEndDate><Quantity>50</Quantity>",
    )]);
    let (_, v) = c
        .post("/product/price_quantity/update", &[("payload", &p)])
        .await;
    assert_ok(&v);
    assert_shape("write_success.json", &v);
    let s = sim.state();
    let sku = s.sku(SELLER, "ST25-5KG").unwrap().1;
    assert_eq!((sku.price, sku.special_price), (190000.0, 175000.0));
    assert_eq!(
        (sku.quantity, sku.sellable()),
        (50, 48),
        "Quantity is total stock, not sellable"
    );
    // Below what orders hold, or a sale price above the price: per-SKU failures.
    let p = sku_payload(&[by_sku("ST25-5KG", "<Quantity>1</Quantity>")]);
    assert_error(
        &c.post("/product/price_quantity/update", &[("payload", &p)])
            .await
            .1,
        "501",
    );
    let p = sku_payload(&[by_sku("ST25-5KG", "<SalePrice>200000</SalePrice>")]);
    assert_error(
        &c.post("/product/price_quantity/update", &[("payload", &p)])
            .await
            .1,
        "501",
    );
    let p = sku_payload(&[by_sku(
        "ST25-5KG",
        "<MultiWarehouseInventories><MultiWarehouseInventory><WarehouseCode>dropshipping</WarehouseCode><Quantity>5</Quantity></MultiWarehouseInventory></MultiWarehouseInventories>",
    )]);
    assert_error(
        &c.post("/product/price_quantity/update", &[("payload", &p)])
            .await
            .1,
        "501",
    );
    // JSON: one Sku may be an object.
    let j = json!({"Request": {"Product": {"Skus": {"Sku": {"SellerSku": "CAFE-500G", "Price": "130000"}}}}});
    assert_ok(
        &c.post(
            "/product/price_quantity/update",
            &[("payload", &j.to_string())],
        )
        .await
        .1,
    );
    assert_eq!(sim.state().price_of(SELLER, "CAFE-500G"), Some(130000.0));
}

#[tokio::test]
async fn fifty_skus_across_products_apply_and_fifty_one_are_refused() {
    let cfg = config();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    // 26 products × 2 SKUs = 52 SKUs.
    for p in 0..26 {
        sim.seed_product(
            SELLER,
            SeedProduct {
                skus: (0..2)
                    .map(|k| SeedSku {
                        seller_sku: format!("B{p}-{k}"),
                        quantity: 5,
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            },
        )
        .unwrap();
    }
    let all: Vec<String> = (0..26)
        .flat_map(|p| (0..2).map(move |k| format!("B{p}-{k}")))
        .collect();
    let entries = |n: usize, q: i64| -> Vec<String> {
        all.iter()
            .take(n)
            .map(|s| by_sku(s, &format!("<Price>150000</Price><Quantity>{q}</Quantity>")))
            .collect()
    };
    let (_, v) = c
        .post(
            "/product/price_quantity/update",
            &[("payload", &sku_payload(&entries(51, 9)))],
        )
        .await;
    assert_error(&v, "4171");
    assert_shape("price_quantity_too_many_skus.json", &v);
    assert!(
        all.iter()
            .all(|s| sim.state().quantity_of(SELLER, s) == Some(5)),
        "nothing applied"
    );

    let (_, v) = c
        .post(
            "/product/price_quantity/update",
            &[("payload", &sku_payload(&entries(50, 9)))],
        )
        .await;
    assert_ok(&v);
    let s = sim.state();
    assert!(all.iter().take(50).all(|k| s.quantity_of(SELLER, k) == Some(9) && s.price_of(SELLER, k) == Some(150000.0)));
    assert_eq!(s.quantity_of(SELLER, &all[50]), Some(5));
    // The same limit for the sellable API.
    let many: Vec<String> = all
        .iter()
        .take(51)
        .map(|s| by_sku(s, "<SellableQuantity>1</SellableQuantity>"))
        .collect();
    assert_error(
        &c.post(
            "/product/stock/sellable/update",
            &[("payload", &sku_payload(&many))],
        )
        .await
        .1,
        "4171",
    );
}
