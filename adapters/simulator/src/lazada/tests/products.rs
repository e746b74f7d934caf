//! Products (§6): `/products/get` paging and filters, `/product/item/get`, `/product/create` in XML and JSON,
//! and `/image/migrate`.
//!
//! Section numbers (§) refer to `docs/src/channels/lazada.md`.

use serde_json::{Value, json};

use super::super::{
    ProductEdit, ProductStatus, Rejection, SeedProduct, SeedSku, SellerConfig, SkuEdit,
};
use super::{Client, SELLER, assert_error, assert_ok, assert_shape, config, start};

fn ids(v: &Value) -> Vec<i64> {
    v["data"]["products"]
        .as_array()
        .map(|a| a.iter().filter_map(|p| p["item_id"].as_i64()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn products_get_shape_and_stock_fields() {
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
    let (_, v) = c
        .get("/products/get", &[("filter", "all"), ("options", "1")])
        .await;
    assert_ok(&v);
    assert_shape("products_get.json", &v);
    let sku = &v["data"]["products"][0]["skus"][0];
    assert_eq!(sku["SellerSku"], "ST25-5KG");
    assert_eq!(sku["quantity"], 100);
    assert_eq!(sku["Available"], 100);
    assert_eq!(sku["multiWarehouseInventories"][0]["sellableQuantity"], 100);
    assert_eq!(sku["channelInventories"][0]["sellableQuantity"], 10);
    // Without options=1 the stock breakdown is absent.
    let (_, v) = c.get("/products/get", &[("filter", "all")]).await;
    assert!(
        v["data"]["products"][0]["skus"][0]
            .get("multiWarehouseInventories")
            .is_none()
    );
}

#[tokio::test]
async fn paging_limits_and_filters() {
    let cfg = config();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    for i in 0..60 {
        sim.seed_product(
            SELLER,
            SeedProduct {
                skus: vec![SeedSku {
                    seller_sku: format!("P{i}"),
                    quantity: 1,
                    ..Default::default()
                }],
                ..Default::default()
            },
        )
        .unwrap();
    }
    let (_, first) = c
        .get("/products/get", &[("filter", "all"), ("limit", "50")])
        .await;
    assert_eq!(first["data"]["total_products"], 62);
    assert_eq!(ids(&first).len(), 50);
    let (_, second) = c
        .get(
            "/products/get",
            &[("filter", "all"), ("limit", "50"), ("offset", "50")],
        )
        .await;
    assert_eq!(ids(&second).len(), 12);
    assert!(ids(&first).iter().all(|id| !ids(&second).contains(id)));
    let (_, v) = c.get("/products/get", &[("filter", "all")]).await;
    assert_eq!(ids(&v).len(), 20, "default limit");

    let (_, v) = c
        .get("/products/get", &[("filter", "all"), ("limit", "51")])
        .await;
    assert_error(&v, "19");
    assert!(v["message"].as_str().unwrap().contains("maximum of 50"));
    assert_error(
        &c.get("/products/get", &[("filter", "all"), ("limit", "x")])
            .await
            .1,
        "19",
    );
    assert_error(
        &c.get("/products/get", &[("filter", "all"), ("offset", "10001")])
            .await
            .1,
        "14",
    );
    assert_error(
        &c.get("/products/get", &[("filter", "everything")]).await.1,
        "36",
    );
    assert_error(
        &c.get(
            "/products/get",
            &[("filter", "all"), ("update_after", "2024-01-01")],
        )
        .await
        .1,
        "17",
    );
    assert_error(
        &c.get(
            "/products/get",
            &[("filter", "all"), ("sku_seller_list", "ST25-5KG")],
        )
        .await
        .1,
        "70",
    );
    assert_eq!(sim.request_log().rejections(Rejection::BadParam), 6);

    let (_, v) = c
        .get(
            "/products/get",
            &[
                ("filter", "all"),
                ("sku_seller_list", r#"["ST25-5KG","P7"]"#),
            ],
        )
        .await;
    assert_eq!(v["data"]["total_products"], 2);
    let (_, v) = c
        .get(
            "/products/get",
            &[
                ("filter", "all"),
                ("update_after", "2099-01-01T00:00:00+0700"),
            ],
        )
        .await;
    assert_eq!(v["data"]["total_products"], 0);

    // Deactivate, delete, sell out.
    let a = ids(&first)[0];
    let b = ids(&first)[1];
    sim.edit_product(
        SELLER,
        a,
        ProductEdit {
            status: Some(ProductStatus::InActive),
            ..Default::default()
        },
    )
    .unwrap();
    sim.delete_product(SELLER, b).unwrap();
    sim.edit_sku(
        SELLER,
        "P5",
        SkuEdit {
            sellable: Some(0),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        ids(&c.get("/products/get", &[("filter", "inactive")]).await.1),
        vec![a]
    );
    assert_eq!(
        ids(&c.get("/products/get", &[("filter", "deleted")]).await.1),
        vec![b]
    );
    let (_, v) = c.get("/products/get", &[("filter", "sold-out")]).await;
    assert_eq!(v["data"]["total_products"], 1);
    assert_eq!(
        c.get("/products/get", &[("filter", "all")]).await.1["data"]["total_products"],
        61
    );
    assert_eq!(
        c.get("/products/get", &[("filter", "live")]).await.1["data"]["total_products"],
        60
    );
}

#[tokio::test]
async fn product_item_get() {
    let cfg = config();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let id = sim.state().sku(SELLER, "ST25-5KG").unwrap().0.item_id;
    let (_, v) = c
        .get("/product/item/get", &[("item_id", &id.to_string())])
        .await;
    assert_ok(&v);
    assert_eq!(v["data"]["skus"][0]["SellerSku"], "ST25-5KG");
    assert_error(
        &c.get("/product/item/get", &[("item_id", "1")]).await.1,
        "208",
    );
    assert_error(
        &c.get("/product/item/get", &[("seller_sku", "ST25-5KG")])
            .await
            .1,
        "MissingParameter",
    );
    // Another seller's item.
    let other = sim
        .add_seller(SellerConfig {
            seller_id: 7,
            ..Default::default()
        })
        .unwrap();
    let mut c7 = c.clone();
    c7.token = other.access_token;
    let (_, v) = c7
        .get("/product/item/get", &[("item_id", &id.to_string())])
        .await;
    assert_error(&v, "EDIT_ITEM_NOT_BELONG_SELLER");
}

#[tokio::test]
async fn create_in_xml_and_json() {
    let cfg = config();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    // Images must be Lazada-hosted: migrate first.
    let (_, v) = c
        .post("/image/migrate", &[("payload", "<Request><Image><Url><![CDATA[https://example.vn/a.jpg?x=1&y=2]]></Url></Image></Request>")])
        .await;
    assert_ok(&v);
    let image = v["data"]["image"]["url"].as_str().unwrap().to_owned();
    assert!(image.starts_with("https://vn-live-01.slatic.net/"));

    let xml = format!(
        "<Request><Product><PrimaryCategory>10002019</PrimaryCategory><Images><Image>{image}</Image></Images>\
         <Attributes><name>Cà phê rang xay</name><brand>No Brand</brand></Attributes><Skus><Sku>\
         <SellerSku>CAFE-RANG-500G</SellerSku><quantity>30</quantity><price>95000</price></Sku></Skus></Product></Request>"
    );
    let (_, v) = c.post("/product/create", &[("payload", &xml)]).await;
    assert_ok(&v);
    assert_shape("product_create.json", &v);
    assert_eq!(v["data"]["sku_list"][0]["seller_sku"], "CAFE-RANG-500G");
    assert_eq!(sim.state().sellable_of(SELLER, "CAFE-RANG-500G"), Some(30));

    let json_payload = json!({"Request": {"Product": {
        "PrimaryCategory": 10002019,
        "Images": {"Image": [image]},
        "Attributes": {"name": "Mật ong rừng", "brand": "No Brand"},
        "Skus": {"Sku": [{"SellerSku": "MAT-ONG-1L", "quantity": 5, "price": 250000, "special_price": 199000}]}
    }}});
    let (_, v) = c
        .post("/product/create", &[("payload", &json_payload.to_string())])
        .await;
    assert_ok(&v);
    assert_eq!(sim.state().price_of(SELLER, "MAT-ONG-1L"), Some(250000.0));

    // JSON lists must be arrays (1001).
    let mut bad = json_payload.clone();
    bad["Request"]["Product"]["Skus"]["Sku"] =
        json!({"SellerSku": "X", "quantity": 1, "price": 1000});
    assert_error(
        &c.post("/product/create", &[("payload", &bad.to_string())])
            .await
            .1,
        "1001",
    );
    // Repeated SellerSku, foreign image host, missing price.
    let dup = xml.replace("Cà phê rang xay", "Khác");
    let (_, v) = c.post("/product/create", &[("payload", &dup)]).await;
    assert_error(&v, "500");
    assert_eq!(v["detail"][0]["code"], "4105");
    let foreign = xml
        .replace(&image, "https://example.vn/a.jpg")
        .replace("CAFE-RANG-500G", "NEW-1");
    let (_, v) = c.post("/product/create", &[("payload", &foreign)]).await;
    assert_error(&v, "500");
    assert_eq!(v["detail"][0]["field"], "Images");
    let no_price = xml
        .replace("<price>95000</price>", "")
        .replace("CAFE-RANG-500G", "NEW-2");
    assert_error(
        &c.post("/product/create", &[("payload", &no_price)]).await.1,
        "500",
    );
    assert_error(
        &c.post("/product/create", &[("payload", "<Request><Product>")])
            .await
            .1,
        "5",
    );
    assert!(sim.state().sku(SELLER, "NEW-1").is_none());
    assert!(sim.state().sku(SELLER, "NEW-2").is_none());
}
