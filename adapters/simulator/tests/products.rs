//! Product endpoints: listing reads (all item_id_list forms), stock and price batch writes with per-model
//! failures, strict JSON types, the retired `normal_stock` shape, unlist, add_item with uploaded images.
//!
//! Section numbers (§) refer to `docs/src/channels/shopee.md`.

mod common;

use common::{Client, SHOP, assert_shape, start};
use kho_simulator::shopee::{
    ItemStatus, PriceLimit, SeedItem, SeedModel, ShopConfig, SimConfig, SimHandle,
};
use serde_json::json;

async fn setup(cfg: SimConfig) -> (SimHandle, Client, String, i64, Vec<i64>) {
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let token = sim.tokens(SHOP).unwrap().access_token;
    let item = sim
        .seed_item(
            SHOP,
            SeedItem {
                item_name: "Mật ong bạc hà".into(),
                item_sku: "HTX-MAT-ONG".into(),
                models: vec![
                    SeedModel {
                        model_sku: "MO-250".into(),
                        name: "250ml".into(),
                        price: 150_000.0,
                        stock: 10,
                        ..Default::default()
                    },
                    SeedModel {
                        model_sku: "MO-500".into(),
                        name: "500ml".into(),
                        price: 280_000.0,
                        stock: 5,
                        reserved_stock: 3,
                        ..Default::default()
                    },
                ],
                ..Default::default()
            },
        )
        .unwrap();
    let models = item.models.iter().map(|m| m.model_id).collect();
    (sim, c, token, item.item_id, models)
}

#[tokio::test]
async fn update_stock_partial_failure_applies_the_rest() {
    let (sim, c, token, item, m) = setup(SimConfig::default()).await;
    let body = json!({"item_id": item, "stock_list": [
        {"model_id": m[0], "seller_stock": [{"stock": 100}]},
        {"model_id": m[1], "seller_stock": [{"stock": 1}]},
    ]});
    let (status, v) = c
        .shop_post("/api/v2/product/update_stock", &token, &body)
        .await;
    assert_eq!(status, 200);
    assert_shape("update_stock_partial_failure.json", &v);
    assert_eq!(v["error"], "");
    assert_eq!(v["response"]["failure_list"][0]["model_id"], m[1]);
    assert_eq!(
        v["response"]["failure_list"][0]["failed_reason"],
        "Can not update item with stock less than reserved stock"
    );
    let state = sim.state();
    assert_eq!(state.stock_of(SHOP, "MO-250"), Some(100));
    assert_eq!(state.stock_of(SHOP, "MO-500"), Some(5));

    // All entries failing is a call-level business error that still carries the lists.
    let body = json!({"item_id": item, "stock_list": [{"model_id": m[1], "seller_stock": [{"stock": 0}]}]});
    let (_, v) = c
        .shop_post("/api/v2/product/update_stock", &token, &body)
        .await;
    assert_eq!(v["error"], "error_busi_update_stock_failed");
    assert_eq!(
        v["message"],
        "Update stock failed, please check failure_list"
    );
}

#[tokio::test]
async fn update_stock_rejects_bad_requests() {
    let (sim, c, token, item, m) = setup(SimConfig::default()).await;
    let cases = [
        // The retired normal_stock shape (§11): seller_stock is missing.
        (
            json!({"item_id": item, "stock_list": [{"model_id": m[0], "normal_stock": 100}]}),
            "product.error_param",
            "invalid field SellerStock: value must  Not Null",
        ),
        // Wrong JSON type.
        (
            json!({"item_id": item.to_string(), "stock_list": [{"model_id": m[0], "seller_stock": [{"stock": 1}]}]}),
            "product.error_param",
            "",
        ),
        (
            json!({"stock_list": [{"model_id": m[0], "seller_stock": [{"stock": 1}]}]}),
            "product.error_param",
            "invalid field ItemId: value must  Not Null",
        ),
        (
            json!({"item_id": item, "stock_list": []}),
            "error_param",
            "",
        ),
        (
            json!({"item_id": item, "stock_list": [{"model_id": m[0], "seller_stock": [{"stock": 1}]}, {"model_id": m[0], "seller_stock": [{"stock": 2}]}]}),
            "error_param",
            "Repeat model_id.",
        ),
        (
            json!({"item_id": item, "stock_list": [{"model_id": 0, "seller_stock": [{"stock": 1}]}]}),
            "error_edit_item_stock_for_item_has_model",
            "",
        ),
        (
            json!({"item_id": 1, "stock_list": [{"model_id": 0, "seller_stock": [{"stock": 1}]}]}),
            "error_item_not_found",
            "",
        ),
    ];
    let too_many: Vec<_> = (0..51)
        .map(|i| json!({"model_id": i, "seller_stock": [{"stock": 1}]}))
        .collect();
    let mut cases = cases.to_vec();
    cases.push((
        json!({"item_id": item, "stock_list": too_many}),
        "error_param",
        "",
    ));
    for (body, error, message) in cases {
        let (_, v) = c
            .shop_post("/api/v2/product/update_stock", &token, &body)
            .await;
        assert_eq!(v["error"], error, "{body} -> {v}");
        if !message.is_empty() {
            assert_eq!(v["message"], message, "{body}");
        }
    }
    assert_eq!(
        sim.state().stock_of(SHOP, "MO-250"),
        Some(10),
        "nothing applied"
    );
}

#[tokio::test]
async fn update_price_rejects_over_limit_model_and_applies_others() {
    let mut cfg = SimConfig::default();
    cfg.shops[0].price_limit = PriceLimit {
        min_limit: 1000.0,
        max_limit: 500_000.0,
    };
    let (sim, c, token, item, m) = setup(cfg).await;
    let body = json!({"item_id": item, "price_list": [
        {"model_id": m[0], "original_price": 155000},
        {"model_id": m[1], "original_price": 900000},
    ]});
    let (_, v) = c
        .shop_post("/api/v2/product/update_price", &token, &body)
        .await;
    assert_shape("update_price_partial_failure.json", &v);
    assert_eq!(v["error"], "");
    assert!(
        v["response"]["failure_list"][0]["failed_reason"]
            .as_str()
            .unwrap()
            .starts_with("error_price_exceed_max_limitt")
    );
    assert_eq!(v["response"]["success_list"][0]["original_price"], 155000);
    let s = sim.state();
    assert_eq!(s.price_of(SHOP, "MO-250"), Some(155_000.0));
    assert_eq!(s.price_of(SHOP, "MO-500"), Some(280_000.0));

    // VN: whole đồng only; and the 5x variation spread.
    let body = json!({"item_id": item, "price_list": [
        {"model_id": m[0], "original_price": 155000.5},
        {"model_id": m[1], "original_price": 10000},
    ]});
    let (_, v) = c
        .shop_post("/api/v2/product/update_price", &token, &body)
        .await;
    assert_eq!(
        v["response"]["failure_list"].as_array().unwrap().len(),
        2,
        "{v}"
    );
    let (_, v) = c
        .shop_post(
            "/api/v2/product/update_price",
            &token,
            &json!({"item_id": item, "price_list": [{"model_id": 42, "original_price": 1000}]}),
        )
        .await;
    assert_eq!(
        (v["error"].as_str(), v["message"].as_str()),
        (Some("error_param"), Some("Wrong model_id."))
    );
}

#[tokio::test]
async fn reads_match_fixture_shapes_and_accept_all_list_forms() {
    let (sim, c, token, item, m) = setup(SimConfig::default()).await;
    let plain = sim
        .seed_item(
            SHOP,
            SeedItem {
                item_sku: "TRA-100".into(),
                price: 120_000.0,
                stock: 40,
                ..Default::default()
            },
        )
        .unwrap();

    let (_, v) = c
        .shop_get(
            "/api/v2/product/get_item_list",
            &token,
            "&offset=0&page_size=1&item_status=NORMAL&item_status=UNLIST",
        )
        .await;
    assert_shape("get_item_list.json", &v);
    assert_eq!(v["response"]["total_count"], 2);
    assert_eq!(v["response"]["has_next_page"], true);
    assert_eq!(v["response"]["next_offset"], 1);
    let (_, v) = c
        .shop_get(
            "/api/v2/product/get_item_list",
            &token,
            "&offset=0&page_size=101&item_status=NORMAL",
        )
        .await;
    assert_eq!(v["error"], "error_param");
    let (_, v) = c
        .shop_get(
            "/api/v2/product/get_item_list",
            &token,
            "&offset=0&page_size=10",
        )
        .await;
    assert_eq!(v["error"], "error_param", "item_status is required");

    for form in [
        format!("&item_id_list={item},{}", plain.item_id),
        format!("&item_id_list=%5B{item},{}%5D", plain.item_id),
        format!("&item_id_list={item}&item_id_list={}", plain.item_id),
    ] {
        let (_, v) = c
            .shop_get("/api/v2/product/get_item_base_info", &token, &form)
            .await;
        assert_shape("get_item_base_info.json", &v);
        let list = v["response"]["item_list"].as_array().unwrap();
        assert_eq!(list.len(), 2, "{form}");
        assert!(
            list[0].get("price_info").is_none(),
            "no price_info for an item with models"
        );
        assert_eq!(list[1]["price_info"][0]["original_price"], 120000);
    }
    let (_, v) = c
        .shop_get(
            "/api/v2/product/get_model_list",
            &token,
            &format!("&item_id={item}"),
        )
        .await;
    assert_shape("get_model_list.json", &v);
    assert_eq!(v["response"]["model"][1]["model_id"], m[1]);
    assert_eq!(
        v["response"]["model"][1]["stock_info_v2"]["seller_stock"][0]["stock"],
        5
    );
    let (_, v) = c
        .shop_get("/api/v2/product/get_model_list", &token, "&item_id=abc")
        .await;
    assert_eq!(v["error"], "error_param");
}

#[tokio::test]
async fn unlist_delete_and_add_item() {
    let cfg = SimConfig {
        shops: vec![ShopConfig {
            items: vec![SeedItem {
                item_id: Some(34003),
                in_promotion: true,
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    let (sim, c, token, item, _) = setup(cfg).await;
    let body = json!({"item_list": [{"item_id": item, "unlist": true}, {"item_id": 34003, "unlist": true}]});
    let (_, v) = c
        .shop_post("/api/v2/product/unlist_item", &token, &body)
        .await;
    assert_shape("unlist_item.json", &v);
    assert_eq!(
        v["response"]["failure_list"][0]["failed_reason"],
        "Can't unlist item when item is under promotion"
    );
    assert_eq!(
        sim.state().item(SHOP, item).unwrap().status,
        ItemStatus::Unlist
    );

    // add_item needs an uploaded image id.
    let add = |image: &str| {
        json!({
            "original_price": 120000.0, "description": "Trà shan tuyết", "weight": 0.15, "item_name": "Trà shan tuyết 100g",
            "category_id": 100644, "image": {"image_id_list": [image]}, "logistic_info": [{"logistic_id": 50018, "enabled": true}],
            "item_sku": "TRA-100", "seller_stock": [{"stock": 40}],
        })
    };
    let (_, v) = c
        .shop_post("/api/v2/product/add_item", &token, &add("nope"))
        .await;
    assert_eq!(v["error"], "product.error_param", "{v}");
    let path = "/api/v2/media_space/upload_image";
    let q = c.public_query(path, common::now());
    let form = reqwest::multipart::Form::new().part(
        "image",
        reqwest::multipart::Part::bytes(vec![0xFF, 0xD8, 0xFF, 0xE0]).file_name("a.jpg"),
    );
    let (_, up) = c
        .send(c.http.post(format!("{}{path}?{q}", c.base)).multipart(form))
        .await;
    let image = up["response"]["image_info"]["image_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, v) = c
        .shop_post("/api/v2/product/add_item", &token, &add(&image))
        .await;
    assert_shape("add_item.json", &v);
    let new_id = v["response"]["item_id"].as_i64().unwrap();
    assert_eq!(sim.state().stock_of(SHOP, "TRA-100"), Some(40));

    // Variations: init_tier_variation, then add_model.
    let body = json!({"item_id": new_id, "tier_variation": [{"name": "Khối lượng", "option_list": [{"option": "100g"}, {"option": "200g"}]}],
        "model": [{"tier_index": [0], "original_price": 120000, "model_sku": "TRA-100G", "seller_stock": [{"stock": 4}]}]});
    let (_, v) = c
        .shop_post("/api/v2/product/init_tier_variation", &token, &body)
        .await;
    assert_eq!(v["error"], "", "{v}");
    let body = json!({"item_id": new_id, "model_list": [{"tier_index": [1], "original_price": 200000, "model_sku": "TRA-200G", "seller_stock": [{"stock": 2}]}]});
    let (_, v) = c
        .shop_post("/api/v2/product/add_model", &token, &body)
        .await;
    assert_eq!(v["error"], "", "{v}");
    assert_eq!(sim.state().stock_of(SHOP, "TRA-200G"), Some(2));

    let (_, v) = c
        .shop_post(
            "/api/v2/product/delete_item",
            &token,
            &json!({"item_id": new_id}),
        )
        .await;
    assert_eq!(v["error"], "", "{v}");
    assert!(v.get("response").is_none());
    assert_eq!(
        sim.state().item(SHOP, new_id).unwrap().status,
        ItemStatus::SellerDelete
    );
    let (_, v) = c
        .shop_post(
            "/api/v2/product/update_price",
            &token,
            &json!({"item_id": new_id, "price_list": [{"original_price": 1000}]}),
        )
        .await;
    assert_eq!(
        v["error"], "error_item_not_found",
        "deleted items cannot be updated"
    );
}
