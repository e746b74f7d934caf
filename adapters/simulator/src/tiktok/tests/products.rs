//! Products (§6, §7): search paging, detail, create with SKUs / sales attributes / idempotency_key after a
//! multipart image upload, inventory update with partial `data.errors`, price update rules, status batches.
//!
//! Section numbers (§) refer to `docs/src/channels/tiktok.md`.

use serde_json::{Value, json};

use super::super::error::{
    INVALID_PARAM, MULTIPLE_WAREHOUSES, PRICE_FORMAT, PRODUCT_NOT_FOUND, PRODUCT_STATUS_INVALID,
    SKU_ID_NECESSARY, STOCK_INVALID, TOO_MANY_SELLER_SKUS, TOO_MANY_SKUS,
};
use super::super::{
    InventoryEntry, ProductStatus, SeedProduct, SeedSku, ShopConfig, SimConfig, WarehouseConfig,
};
use super::{Client, Req, SHOP, WAREHOUSE, assert_error, assert_shape, png, start};

const SEARCH: &str = "/product/202309/products/search";

fn seed(sku: &str, qty: i64) -> SeedProduct {
    SeedProduct {
        skus: vec![SeedSku {
            seller_sku: sku.into(),
            quantity: qty,
            sales_attributes: vec![("Trọng lượng".into(), "500g".into())],
            ..Default::default()
        }],
        ..Default::default()
    }
}

async fn upload(c: &Client) -> String {
    let form = reqwest::multipart::Form::new()
        .part(
            "data",
            reqwest::multipart::Part::bytes(png(800, 800))
                .file_name("ca-phe.png")
                .mime_str("image/png")
                .unwrap(),
        )
        .text("use_case", "MAIN_IMAGE");
    let mut r = Req::new(reqwest::Method::POST, "/product/202309/images/upload").no_cipher();
    r.multipart = Some(form);
    let (_, v) = c.send(r).await;
    assert_shape("image_upload.json", &v);
    assert_eq!(v["data"]["width"], 800);
    v["data"]["uri"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn search_pages_with_page_token_and_detail_shapes() {
    let cfg = SimConfig::default();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let ids: Vec<String> = (0..3)
        .map(|n| {
            sim.seed_product(SHOP, seed(&format!("SKU-{n}"), 5))
                .unwrap()
                .id
        })
        .collect();
    sim.seed_product(
        SHOP,
        SeedProduct {
            status: ProductStatus::Deleted,
            ..seed("GONE", 0)
        },
    )
    .unwrap();

    let (_, first) = c
        .send(Req::post(SEARCH, &json!({"status": "ALL"})).q("page_size", "2"))
        .await;
    assert_shape("products_search.json", &first);
    assert_eq!(first["data"]["total_count"], 3);
    let token = first["data"]["next_page_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!token.is_empty());
    let second = c
        .ok(Req::post(SEARCH, &json!({"status": "ALL"}))
            .q("page_size", "2")
            .q("page_token", &token))
        .await;
    assert_eq!(second["next_page_token"], "");
    let seen: Vec<Value> = first["data"]["products"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["products"].as_array().unwrap())
        .map(|p| p["id"].clone())
        .collect();
    assert_eq!(seen, ids.iter().map(|i| json!(i)).collect::<Vec<_>>());
    // A forged token is refused.
    let (_, v) = c
        .send(
            Req::post(SEARCH, &json!({}))
                .q("page_size", "2")
                .q("page_token", "2"),
        )
        .await;
    assert_eq!(v["code"], INVALID_PARAM);
    // Filters: seller_skus (≤10), status.
    let d = c
        .ok(Req::post(SEARCH, &json!({"seller_skus": ["SKU-1"]})).q("page_size", "10"))
        .await;
    assert_eq!(d["total_count"], 1);
    let d = c
        .ok(Req::post(SEARCH, &json!({"status": "DELETED"})).q("page_size", "10"))
        .await;
    assert_eq!(d["products"][0]["skus"][0]["seller_sku"], "GONE");
    let many: Vec<String> = (0..11).map(|n| n.to_string()).collect();
    let (_, v) = c
        .send(Req::post(SEARCH, &json!({"seller_skus": many})).q("page_size", "10"))
        .await;
    assert_error(
        &v,
        "error_invalid_sign.json",
        TOO_MANY_SELLER_SKUS,
        "seller_skus",
    );

    let (_, v) = c
        .send(Req::get(&format!("/product/202309/products/{}", ids[0])))
        .await;
    assert_shape("product_detail.json", &v);
    let sku = &v["data"]["skus"][0];
    assert_eq!(sku["price"]["sale_price"], "72000");
    assert_eq!(sku["inventory"][0]["quantity"], 5);
    assert_eq!(sku["inventory"][0]["warehouse_id"], WAREHOUSE);
    let (_, v) = c.send(Req::get("/product/202309/products/42")).await;
    assert_error(&v, "error_invalid_sign.json", PRODUCT_NOT_FOUND, "42");
}

fn create_body(uri: &str, key: &str) -> Value {
    json!({
        "title": "Cà phê Arabica Cầu Đất",
        "description": "<p>Cà phê hạt rang mộc – hợp tác xã Cầu Đất</p>",
        "category_id": "600001",
        "category_version": "v2",
        "main_images": [{"uri": uri}],
        "package_weight": {"value": "0.5", "unit": "KILOGRAM"},
        "idempotency_key": key,
        "skus": [
            {"seller_sku": "CF-ARA-250", "price": {"amount": "72000", "currency": "VND"},
             "inventory": [{"warehouse_id": WAREHOUSE, "quantity": 10}],
             "sales_attributes": [{"name": "Trọng lượng", "value_name": "250g"}]},
            {"seller_sku": "CF-ARA-500", "price": {"amount": "135000", "currency": "VND"},
             "inventory": [{"warehouse_id": WAREHOUSE, "quantity": 4}],
             "sales_attributes": [{"name": "Trọng lượng", "value_name": "500g"}]}
        ]
    })
}

#[tokio::test]
async fn create_with_skus_sales_attributes_and_idempotency_key() {
    let cfg = SimConfig::default();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let uri = upload(&c).await;
    let (_, v) = c
        .send(Req::post(
            "/product/202309/products",
            &create_body(&uri, "k-1"),
        ))
        .await;
    assert_shape("product_create.json", &v);
    let d = &v["data"];
    let pid = d["product_id"].as_str().unwrap().to_owned();
    let a0 = &d["skus"][0]["sales_attributes"][0];
    let a1 = &d["skus"][1]["sales_attributes"][0];
    assert_eq!(a0["id"], a1["id"], "same attribute");
    assert_ne!(a0["value_id"], a1["value_id"], "different values");
    let state = sim.state();
    let p = state.product(SHOP, &pid).unwrap();
    assert_eq!(p.status, ProductStatus::Pending, "products go to audit");
    assert_eq!(state.quantity_of(SHOP, "CF-ARA-500"), Some(4));
    assert_eq!(state.price_of(SHOP, "CF-ARA-250"), Some("72000"));

    // Same idempotency_key: same answer, nothing new.
    let again = c
        .ok(Req::post(
            "/product/202309/products",
            &create_body(&uri, "k-1"),
        ))
        .await;
    assert_eq!(again["product_id"], json!(pid));
    assert_eq!(sim.state().shop(SHOP).unwrap().products.len(), 1);
    c.ok(Req::post(
        "/product/202309/products",
        &create_body(&uri, "k-2"),
    ))
    .await;
    assert_eq!(sim.state().shop(SHOP).unwrap().products.len(), 2);

    // Unknown image, bad price, too many SKUs, duplicate variations.
    let (_, v) = c
        .send(Req::post(
            "/product/202309/products",
            &create_body("tos/unknown", "k-3"),
        ))
        .await;
    assert_eq!(v["code"], INVALID_PARAM);
    let mut bad = create_body(&uri, "k-4");
    bad["skus"][0]["price"]["amount"] = json!("72000.50");
    let (_, v) = c.send(Req::post("/product/202309/products", &bad)).await;
    assert_error(&v, "error_invalid_sign.json", PRICE_FORMAT, "price");
    let mut bad = create_body(&uri, "k-5");
    let sku = bad["skus"][0].clone();
    bad["skus"] = Value::Array(
        (0..101)
            .map(|n| {
                let mut s = sku.clone();
                s["seller_sku"] = json!(format!("S{n}"));
                s["sales_attributes"][0]["value_name"] = json!(format!("v{n}"));
                s
            })
            .collect(),
    );
    let (_, v) = c.send(Req::post("/product/202309/products", &bad)).await;
    assert_eq!(v["code"], TOO_MANY_SKUS);
    let mut bad = create_body(&uri, "k-6");
    bad["skus"][1]["sales_attributes"][0]["value_name"] = json!("250g");
    let (_, v) = c.send(Req::post("/product/202309/products", &bad)).await;
    assert_eq!(v["code"], INVALID_PARAM);
    // Ids must be strings (§4): a numeric warehouse_id is a type error.
    let mut bad = create_body(&uri, "k-7");
    bad["skus"][0]["inventory"][0]["warehouse_id"] = json!(7068517275539719942u64);
    let (_, v) = c.send(Req::post("/product/202309/products", &bad)).await;
    assert_eq!(v["code"], INVALID_PARAM);
    assert_eq!(sim.state().shop(SHOP).unwrap().products.len(), 2);
}

#[tokio::test]
async fn inventory_update_partial_failure_inside_code_zero() {
    let cfg = SimConfig::default();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let p = sim
        .seed_product(
            SHOP,
            SeedProduct {
                skus: vec![
                    SeedSku {
                        seller_sku: "A".into(),
                        quantity: 1,
                        sales_attributes: vec![("Loại".into(), "A".into())],
                        ..Default::default()
                    },
                    SeedSku {
                        seller_sku: "B".into(),
                        quantity: 1,
                        sales_attributes: vec![("Loại".into(), "B".into())],
                        ..Default::default()
                    },
                ],
                ..Default::default()
            },
        )
        .unwrap();
    let path = format!("/product/202309/products/{}/inventory/update", p.id);
    let (a, b) = (p.skus[0].id.clone(), p.skus[1].id.clone());

    let (_, v) = c
        .send(Req::post(&path, &json!({"skus": [{"id": a, "inventory": [{"warehouse_id": WAREHOUSE, "quantity": 999}]}]})))
        .await;
    assert_shape("inventory_update_success.json", &v);
    // warehouse_id may be omitted with a single warehouse (§7.1).
    c.ok(Req::post(
        &path,
        &json!({"skus": [{"id": b, "inventory": [{"quantity": 8}]}]}),
    ))
    .await;

    let body = json!({"skus": [
        {"id": a, "inventory": [{"warehouse_id": WAREHOUSE, "quantity": 30}]},
        {"id": b, "inventory": [{"warehouse_id": WAREHOUSE, "quantity": 99999}]},
    ]});
    let (status, v) = c.send(Req::post(&path, &body)).await;
    assert_eq!((status, &v["code"]), (200, &json!(0)));
    assert_shape("inventory_update_partial_failure.json", &v);
    let errors = v["data"]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["code"], STOCK_INVALID);
    assert_eq!(errors[0]["detail"]["sku_id"], json!(b));
    let state = sim.state();
    assert_eq!(
        state.quantity_of(SHOP, "A"),
        Some(30),
        "the good SKU applied"
    );
    assert_eq!(
        state.quantity_of(SHOP, "B"),
        Some(8),
        "the bad SKU not applied"
    );

    // A missing SKU id refuses the call (12052036).
    let (_, v) = c
        .send(Req::post(
            &path,
            &json!({"skus": [{"inventory": [{"quantity": 1}]}]}),
        ))
        .await;
    assert_error(&v, "error_invalid_sign.json", SKU_ID_NECESSARY, "SKU ID");
    // Unknown product.
    let (_, v) = c
        .send(Req::post(
            "/product/202309/products/1/inventory/update",
            &json!({"skus": [{"id": a, "inventory": [{"quantity": 1}]}]}),
        ))
        .await;
    assert_eq!(v["code"], PRODUCT_NOT_FOUND);
}

#[tokio::test]
async fn multiple_warehouses_need_warehouse_ids() {
    let second = "7068517275539719950";
    let cfg = SimConfig {
        shops: vec![ShopConfig {
            warehouses: vec![
                WarehouseConfig::default(),
                WarehouseConfig {
                    id: second.into(),
                    name: "Kho Sài Gòn".into(),
                    is_default: false,
                    ..Default::default()
                },
            ],
            ..Default::default()
        }],
        ..Default::default()
    };
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let p = sim
        .seed_product(
            SHOP,
            SeedProduct {
                skus: vec![SeedSku {
                    seller_sku: "M".into(),
                    inventory: vec![
                        InventoryEntry {
                            warehouse_id: WAREHOUSE.into(),
                            quantity: 3,
                        },
                        InventoryEntry {
                            warehouse_id: second.into(),
                            quantity: 4,
                        },
                    ],
                    ..Default::default()
                }],
                ..Default::default()
            },
        )
        .unwrap();
    let path = format!("/product/202309/products/{}/inventory/update", p.id);
    let sku = p.skus[0].id.clone();
    let d = c
        .ok(Req::post(
            &path,
            &json!({"skus": [{"id": sku, "inventory": [{"quantity": 9}]}]}),
        ))
        .await;
    assert_eq!(d["errors"][0]["code"], MULTIPLE_WAREHOUSES);
    c.ok(Req::post(
        &path,
        &json!({"skus": [{"id": sku, "inventory": [
        {"warehouse_id": WAREHOUSE, "quantity": 9}, {"warehouse_id": second, "quantity": 1}]}]}),
    ))
    .await;
    assert_eq!(sim.state().quantity_of(SHOP, "M"), Some(10));
}

#[tokio::test]
async fn price_update_rules() {
    let cfg = SimConfig::default();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let p = sim.seed_product(SHOP, seed("P", 1)).unwrap();
    let path = format!("/product/202309/products/{}/prices/update", p.id);
    let body = |amount: &str, currency: &str| json!({"skus": [{"id": p.skus[0].id, "price": {"amount": amount, "currency": currency}}]});
    let (_, v) = c.send(Req::post(&path, &body("72000", "VND"))).await;
    assert_shape("price_update.json", &v);
    assert_eq!(sim.state().price_of(SHOP, "P"), Some("72000"));
    c.ok(Req::post(&path, &body("95000", "VND"))).await;
    assert_eq!(sim.state().price_of(SHOP, "P"), Some("95000"));
    for (amount, currency) in [
        ("95000.5", "VND"),
        ("0", "VND"),
        ("180000001", "VND"),
        ("72,000", "VND"),
        ("72000", "USD"),
    ] {
        let (_, v) = c.send(Req::post(&path, &body(amount, currency))).await;
        assert_error(&v, "error_invalid_sign.json", PRICE_FORMAT, "price");
    }
    assert_eq!(sim.state().price_of(SHOP, "P"), Some("95000"));
    // Only live products (§7.2).
    sim.edit_listing(
        SHOP,
        &p.id,
        super::super::ListingEdit {
            status: Some(ProductStatus::SellerDeactivated),
            ..Default::default()
        },
    )
    .unwrap();
    let (_, v) = c.send(Req::post(&path, &body("72000", "VND"))).await;
    assert_eq!(v["code"], PRODUCT_STATUS_INVALID);
    // A locked price (§7.2, 12019045).
    sim.edit_listing(
        SHOP,
        &p.id,
        super::super::ListingEdit {
            status: Some(ProductStatus::Activate),
            price_locked: Some(true),
            ..Default::default()
        },
    )
    .unwrap();
    let (_, v) = c.send(Req::post(&path, &body("72000", "VND"))).await;
    assert_eq!(v["code"], super::super::error::PRICE_LOCKED);
    assert_eq!(sim.state().price_of(SHOP, "P"), Some("95000"));
}

#[tokio::test]
async fn status_batches_report_per_product_errors() {
    let cfg = SimConfig::default();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let live = sim.seed_product(SHOP, seed("L", 1)).unwrap();
    let gone = sim
        .seed_product(
            SHOP,
            SeedProduct {
                status: ProductStatus::Deleted,
                ..seed("G", 1)
            },
        )
        .unwrap();
    let ids = json!({"product_ids": [live.id, gone.id]});
    let (_, v) = c
        .send(Req::post("/product/202309/products/deactivate", &ids))
        .await;
    assert_shape("products_deactivate_partial_failure.json", &v);
    assert_eq!(
        v["data"]["errors"][0]["detail"]["product_id"],
        json!(gone.id)
    );
    let state = sim.state();
    assert_eq!(
        state.product(SHOP, &live.id).unwrap().status,
        ProductStatus::SellerDeactivated
    );
    c.ok(Req::post(
        "/product/202309/products/activate",
        &json!({"product_ids": [live.id]}),
    ))
    .await;
    let mut del = Req::new(reqwest::Method::DELETE, "/product/202309/products")
        .json(&json!({"product_ids": [live.id]}));
    del.cipher = true;
    c.ok(del).await;
    assert_eq!(
        sim.state().product(SHOP, &live.id).unwrap().status,
        ProductStatus::Deleted
    );
    c.ok(Req::post(
        "/product/202309/products/recover",
        &json!({"product_ids": [live.id]}),
    ))
    .await;
    let many: Vec<String> = (0..21).map(|n| n.to_string()).collect();
    let (_, v) = c
        .send(Req::post(
            "/product/202309/products/activate",
            &json!({"product_ids": many}),
        ))
        .await;
    assert_eq!(v["code"], super::super::error::TOO_MANY_PRODUCT_IDS);
}

#[tokio::test]
async fn inventory_search_reads_stock_back() {
    let cfg = SimConfig::default();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let p = sim.seed_product(SHOP, seed("R", 100)).unwrap();
    sim.create_order(super::super::NewOrder {
        lines: vec![super::super::NewOrderLine {
            sku_id: p.skus[0].id.clone(),
            quantity: 3,
            sale_price: None,
        }],
        ..Default::default()
    })
    .unwrap();
    let (_, v) = c
        .send(Req::post(
            "/product/202309/inventory/search",
            &json!({"product_ids": [p.id]}),
        ))
        .await;
    assert_shape("inventory_search.json", &v);
    let s = &v["data"]["inventory"][0]["skus"][0];
    assert_eq!(
        (
            s["total_available_quantity"].as_i64(),
            s["total_committed_quantity"].as_i64()
        ),
        (Some(97), Some(3))
    );
}
