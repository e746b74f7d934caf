//! Orders: creating one lowers stock, cancelling restores it once; get_order_list windows and cursors;
//! get_order_detail returns item_list only when asked.

mod common;

use common::{Client, SHOP, assert_error, assert_shape, now, start};
use kho_simulator::shopee::{NewOrder, NewOrderLine, OrderStatus, SeedItem, SeedModel, SimConfig};

#[tokio::test]
async fn order_lowers_stock_and_cancel_restores_it_once() {
    let sim = start(SimConfig::default()).await;
    let item = sim
        .seed_item(
            SHOP,
            SeedItem {
                models: vec![SeedModel {
                    model_sku: "A".into(),
                    stock: 10,
                    ..Default::default()
                }],
                ..Default::default()
            },
        )
        .unwrap();
    let plain = sim
        .seed_item(
            SHOP,
            SeedItem {
                item_sku: "B".into(),
                stock: 3,
                ..Default::default()
            },
        )
        .unwrap();
    let order = sim
        .create_order(NewOrder {
            shop_id: SHOP,
            lines: vec![
                NewOrderLine {
                    item_id: item.item_id,
                    model_id: item.models[0].model_id,
                    quantity: 4,
                    discounted_price: None,
                },
                NewOrderLine {
                    item_id: plain.item_id,
                    model_id: 0,
                    quantity: 1,
                    discounted_price: None,
                },
            ],
            ..Default::default()
        })
        .unwrap();
    assert_eq!(order.order_sn.len(), 14);
    assert_eq!(sim.state().stock_of(SHOP, "A"), Some(6));
    assert_eq!(sim.state().stock_of(SHOP, "B"), Some(2));

    // Not enough stock: nothing changes.
    let too_much = NewOrder {
        shop_id: SHOP,
        lines: vec![
            NewOrderLine {
                item_id: plain.item_id,
                model_id: 0,
                quantity: 1,
                discounted_price: None,
            },
            NewOrderLine {
                item_id: item.item_id,
                model_id: item.models[0].model_id,
                quantity: 7,
                discounted_price: None,
            },
        ],
        ..Default::default()
    };
    assert!(sim.create_order(too_much).is_err());
    assert_eq!(sim.state().stock_of(SHOP, "B"), Some(2));

    sim.set_order_status(&order.order_sn, OrderStatus::Cancelled)
        .unwrap();
    sim.set_order_status(&order.order_sn, OrderStatus::Cancelled)
        .unwrap();
    assert_eq!(sim.state().stock_of(SHOP, "A"), Some(10));
    assert_eq!(sim.state().stock_of(SHOP, "B"), Some(3));
    assert_eq!(
        sim.state().order(&order.order_sn).unwrap().status,
        OrderStatus::Cancelled
    );
}

#[tokio::test]
async fn order_list_and_detail() {
    let cfg = SimConfig::default();
    let sim = start(cfg.clone()).await;
    let c = Client::new(&sim, &cfg);
    let token = sim.tokens(SHOP).unwrap().access_token;
    let item = sim
        .seed_item(
            SHOP,
            SeedItem {
                item_sku: "MO".into(),
                models: vec![SeedModel {
                    model_sku: "MO-250".into(),
                    name: "250ml".into(),
                    stock: 50,
                    price: 300000.0,
                    ..Default::default()
                }],
                ..Default::default()
            },
        )
        .unwrap();
    let t = now();
    let mut sns = Vec::new();
    for i in 0..5 {
        let o = sim
            .create_order(NewOrder {
                shop_id: SHOP,
                create_time: Some(t - 100 + i),
                lines: vec![NewOrderLine {
                    item_id: item.item_id,
                    model_id: item.models[0].model_id,
                    quantity: 1,
                    discounted_price: Some(48000.0),
                }],
                estimated_shipping_fee: 5000.0,
                ..Default::default()
            })
            .unwrap();
        sns.push(o.order_sn);
    }
    let path = "/api/v2/order/get_order_list";
    let base = format!(
        "&time_range_field=create_time&time_from={}&time_to={}&page_size=2&response_optional_fields=order_status",
        t - 1000,
        t + 10
    );
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let (_, v) = c
            .shop_get(path, &token, &format!("{base}&cursor={cursor}"))
            .await;
        assert_shape("get_order_list.json", &v);
        for o in v["response"]["order_list"].as_array().unwrap() {
            seen.push(o["order_sn"].as_str().unwrap().to_owned());
        }
        if v["response"]["more"] == false {
            assert_eq!(v["response"]["next_cursor"], "");
            break;
        }
        cursor = v["response"]["next_cursor"].as_str().unwrap().to_owned();
    }
    assert_eq!(seen, sns);

    let (_, v) = c
        .shop_get(
            path,
            &token,
            &format!(
                "&time_range_field=create_time&time_from={}&time_to={t}&page_size=10",
                t - 16 * 86400
            ),
        )
        .await;
    assert_error(
        &v,
        "order.order_list_invalid_time",
        "Start time must be earlier than end time and diff in 15days.",
    );
    let (_, v) = c
        .shop_get(
            path,
            &token,
            &format!("&time_range_field=create_time&time_from={t}&time_to={t}&page_size=101"),
        )
        .await;
    assert_eq!(v["error"], "error_param");

    let detail = "/api/v2/order/get_order_detail";
    let (_, v) = c
        .shop_get(detail, &token, &format!("&order_sn_list={}", sns[0]))
        .await;
    assert_eq!(v["error"], "", "{v}");
    assert!(
        v["response"]["order_list"][0].get("item_list").is_none(),
        "item_list only when requested"
    );
    let fields = "item_list,pay_time,total_amount,payment_method,shipping_carrier,estimated_shipping_fee,cancel_by,cancel_reason,buyer_cancel_reason";
    sim.set_order_status(&sns[0], OrderStatus::Completed)
        .unwrap();
    let (_, v) = c
        .shop_get(
            detail,
            &token,
            &format!(
                "&order_sn_list={},{}&response_optional_fields={fields}",
                sns[0], sns[1]
            ),
        )
        .await;
    let o = &v["response"]["order_list"][0];
    assert_eq!(o["item_list"][0]["model_quantity_purchased"], 1);
    assert_eq!(o["item_list"][0]["model_sku"], "MO-250");
    assert_eq!(o["item_list"][0]["model_original_price"], 300000);
    assert_eq!(o["order_status"], "COMPLETED");
    assert_eq!(o["total_amount"], 53000);
    // COD orders have no pay_time yet; the fixture has one, so compare an order that carries every key.
    let mut with_pay = o.clone();
    with_pay["pay_time"] = serde_json::json!(1);
    let wrapped = serde_json::json!({"request_id": v["request_id"], "error": "", "message": "", "response": {"order_list": [with_pay]}});
    assert_shape("get_order_detail.json", &wrapped);
    let (_, v) = c.shop_get(detail, &token, "&order_sn_list=NOPE").await;
    assert_error(
        &v,
        "error_not_found",
        "Wrong parameters, detail: the order is not found.",
    );
    let many: Vec<String> = (0..51).map(|i| format!("X{i}")).collect();
    let (_, v) = c
        .shop_get(
            detail,
            &token,
            &format!("&order_sn_list={}", many.join(",")),
        )
        .await;
    assert_eq!(v["error"], "error_param");
}
