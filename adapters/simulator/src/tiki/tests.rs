//! The Tiki simulator over HTTP, as a client sees it.

use serde_json::{Value, json};

use super::*;

async fn sim() -> (SimHandle, reqwest::Client, TokenPair) {
    let config = SimConfig {
        sellers: vec![SellerConfig {
            products: vec![SeedProduct {
                original_sku: "MAT-ONG-500".into(),
                name: "Mật ong".into(),
                price: 150_000,
                qty: 12,
            }],
            ..SellerConfig::default()
        }],
        ..SimConfig::default()
    };
    let sim = Simulator::start(config).await.unwrap();
    let tokens = sim.tokens(270_001).unwrap();
    (sim, reqwest::Client::new(), tokens)
}

async fn send(c: &reqwest::Client, r: reqwest::RequestBuilder) -> (u16, Value) {
    let _ = c;
    let res = r.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn form_token(
    sim: &SimHandle,
    c: &reqwest::Client,
    form: &[(&str, &str)],
) -> reqwest::RequestBuilder {
    c.post(format!("{}/sc/oauth2/token", sim.base_url()))
        .basic_auth(sim.client_id(), Some(sim.client_secret()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(encode(form))
}

fn encode(form: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish()
}

#[tokio::test]
async fn refresh_rotates_both_tokens_and_burns_the_old_refresh_token() {
    let (sim, c, t) = sim().await;
    let (status, body) = send(
        &c,
        form_token(
            &sim,
            &c,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &t.refresh_token),
            ],
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (access, refresh) = (
        body["access_token"].as_str().unwrap(),
        body["refresh_token"].as_str().unwrap(),
    );
    assert_ne!(access, t.access_token);
    assert_ne!(refresh, t.refresh_token);
    assert_eq!(body["expires_in"], ACCESS_TTL_SECS);
    // The old pair is spent: its access token stops, its refresh token is refused.
    let (status, _) = send(
        &c,
        c.get(format!("{}/integration/v2/products", sim.base_url()))
            .bearer_auth(&t.access_token),
    )
    .await;
    assert_eq!(status, 401);
    let (status, body) = send(
        &c,
        form_token(
            &sim,
            &c,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &t.refresh_token),
            ],
        ),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, _) = send(
        &c,
        c.get(format!("{}/integration/v2/products", sim.base_url()))
            .bearer_auth(access),
    )
    .await;
    assert_eq!(status, 200);
    // Wrong client secret, in the body this time.
    let bad = c
        .post(format!("{}/sc/oauth2/token", sim.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(encode(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("client_id", "kho-tiki-app"),
            ("client_secret", "nope"),
        ]));
    let (status, body) = send(&c, bad).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
}

#[tokio::test]
async fn consent_needs_a_state_of_eight_and_hands_back_a_single_use_code() {
    let (sim, _, _) = sim().await;
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let url = |state: &str| {
        format!(
            "{}/sc/oauth2/auth?response_type=code&client_id=kho-tiki-app&redirect_uri=http://kho.test/oauth/tiki/callback&scope=offline&state={state}",
            sim.base_url()
        )
    };
    assert_eq!(
        c.get(url("short")).send().await.unwrap().status().as_u16(),
        400
    );
    let res = c.get(url("state-1234")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 302);
    let location = url::Url::parse(res.headers()["location"].to_str().unwrap()).unwrap();
    let q: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(q["state"], "state-1234");
    let exchange = || {
        form_token(
            &sim,
            &c,
            &[
                ("grant_type", "authorization_code"),
                ("code", &q["code"]),
                ("redirect_uri", "http://kho.test/oauth/tiki/callback"),
            ],
        )
    };
    let (status, body) = send(&c, exchange()).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["refresh_token"].as_str().is_some());
    let (status, _) = send(&c, exchange()).await;
    assert_eq!(status, 400, "a code works once");
}

#[tokio::test]
async fn stock_is_absolute_per_warehouse_and_batches_answer_per_entry() {
    let (sim, c, t) = sim().await;
    let pid = sim.products(270_001)[0].product_id;
    let put = |path: &str, body: Value| {
        c.put(format!("{}{path}", sim.base_url()))
            .bearer_auth(&t.access_token)
            .json(&body)
    };
    let (status, _) = send(
        &c,
        put(
            "/integration/v2/products/updateSku",
            json!({"original_sku": "MAT-ONG-500",
        "warehouse_quantities": [{"warehouse_id": 1034, "qty_available": 7}], "price": 155_000}),
        ),
    )
    .await;
    assert_eq!(status, 200);
    let p = &sim.products(270_001)[0];
    assert_eq!((p.warehouse_quantities[&1034], p.price), (7, 155_000));
    let (status, body) = send(&c, put("/integration/v2.1/products/updateSkus", json!({"data": [
        {"product_id": pid, "warehouse_quantities": [{"warehouse_id": 1034, "qty_available": 3}]},
        {"product_id": 1, "price": 1000},
        {"product_id": pid, "warehouse_quantities": [{"warehouse_id": 9, "qty_available": 3}]},
    ]}))).await;
    assert_eq!(status, 200);
    let ok: Vec<bool> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["success"].as_bool().unwrap())
        .collect();
    assert_eq!(ok, [true, false, false]);
    assert!(
        body["data"][2]["errors"][0]
            .as_str()
            .unwrap()
            .contains("warehouse")
    );
    assert_eq!(sim.products(270_001)[0].warehouse_quantities[&1034], 3);
    let (status, body) = send(
        &c,
        put(
            "/integration/v2/products/updateSku",
            json!({"product_id": 42}),
        ),
    )
    .await;
    assert_eq!(
        (status, body["errors"][0].as_str()),
        (404, Some("Product not found"))
    );
}

#[tokio::test]
async fn a_request_is_reviewed_and_approved_products_start_inactive() {
    let (sim, c, t) = sim().await;
    let create = |sku: &str| {
        c.post(format!("{}/integration/v2.1/requests", sim.base_url()))
            .bearer_auth(&t.access_token)
            .json(
                &json!({"category_id": 1, "name": "Trà", "variants": [{"sku": sku, "price": 90_000,
            "warehouse_quantities": [{"warehouse_id": 1034, "qty_available": 4}]}]}),
            )
    };
    let (status, body) = send(&c, create("TRA-100")).await;
    assert_eq!((status, body["state"].as_str()), (200, Some("queuing")));
    let track = body["track_id"].as_str().unwrap().to_owned();
    let tracking = |id: &str| {
        c.get(format!("{}/integration/v2/tracking/{id}", sim.base_url()))
            .bearer_auth(&t.access_token)
    };
    let (_, body) = send(&c, tracking(&track)).await;
    assert_eq!(body["state"], "approved");
    let tea = sim
        .products(270_001)
        .into_iter()
        .find(|p| p.original_sku == "TRA-100")
        .unwrap();
    assert_eq!((tea.active, tea.warehouse_quantities[&1034]), (0, 4));
    sim.set_review(Review::Reject {
        reason: "Hình ảnh không rõ".into(),
    });
    let (_, body) = send(&c, create("TRA-200")).await;
    let (_, body) = send(&c, tracking(body["track_id"].as_str().unwrap())).await;
    assert_eq!(
        (body["state"].as_str(), body["reason"].as_str()),
        (Some("rejected"), Some("Hình ảnh không rõ"))
    );
}

#[tokio::test]
async fn the_event_queue_redelivers_until_acknowledged_and_orders_filter_unaccepted() {
    let (sim, c, t) = sim().await;
    let (_, app) = send(
        &c,
        form_token(&sim, &c, &[("grant_type", "client_credentials")]),
    )
    .await;
    let app = app["access_token"].as_str().unwrap().to_owned();
    let api = |m: reqwest::Method, path: String, token: &str| {
        c.request(m, format!("{}{path}", sim.base_url()))
            .bearer_auth(token)
    };
    let (status, _) = send(
        &c,
        api(
            reqwest::Method::POST,
            "/integration/v1/queues".into(),
            &t.access_token,
        )
        .json(&json!({"name": "x"})),
    )
    .await;
    assert_eq!(status, 403, "queues belong to the app");
    let (_, q) = send(
        &c,
        api(reqwest::Method::POST, "/integration/v1/queues".into(), &app)
            .json(&json!({"name": "kho"})),
    )
    .await;
    let code = q["code"].as_str().unwrap().to_owned();
    for kind in ["ORDER_CREATED_SUCCESSFULLY", "ORDER_STATUS_UPDATED"] {
        let (status, _) = send(
            &c,
            api(
                reqwest::Method::POST,
                format!("/integration/v1/queues/{code}/subscriptions"),
                &t.access_token,
            )
            .json(&json!({"event_type": kind})),
        )
        .await;
        assert_eq!(status, 200);
    }
    let waiting = sim
        .place_order(270_001, &[("MAT-ONG-500", 2)], Some("waiting_payment"))
        .unwrap();
    let accepted = sim
        .place_order(270_001, &[("MAT-ONG-500", 1)], None)
        .unwrap();
    let orders_before = sim.orders().len();
    assert!(
        sim.place_order(270_001, &[("MAT-ONG-500", 1), ("MAT-ONG-500", 1_000)], None)
            .is_none(),
        "a buyer cannot order more than the warehouse holds"
    );
    assert_eq!(sim.orders().len(), orders_before, "nor half an order");
    let pull = |ack: Value| {
        api(
            reqwest::Method::POST,
            format!("/integration/v1/queues/{code}/events/pull"),
            &app,
        )
        .json(&json!({"ack_id": ack}))
    };
    let (_, first) = send(&c, pull(Value::Null)).await;
    assert_eq!(
        first["events"].as_array().unwrap().len(),
        1,
        "only accepted orders make events: {first}"
    );
    assert_eq!(first["events"][0]["payload"]["order_code"], accepted.code);
    let (_, again) = send(&c, pull(Value::Null)).await;
    assert_eq!(
        again["events"], first["events"],
        "unacknowledged events come again"
    );
    sim.set_order_status(&accepted.code, "canceled");
    let (_, next) = send(&c, pull(first["ack_id"].clone())).await;
    assert_eq!(next["events"].as_array().unwrap().len(), 1);
    assert_eq!(next["events"][0]["type"], "ORDER_STATUS_UPDATED");
    let (_, done) = send(&c, pull(next["ack_id"].clone())).await;
    assert!(done["events"].as_array().unwrap().is_empty());
    let list = |filter: &str| {
        api(
            reqwest::Method::GET,
            format!("/integration/v2/orders?status={filter}"),
            &t.access_token,
        )
    };
    let (_, all) = send(&c, list("")).await;
    assert_eq!(all["paging"]["total"], 2);
    let (_, accepted_only) = send(&c, list("nin%7Cprocessing,waiting_payment")).await;
    assert_eq!(accepted_only["paging"]["total"], 1);
    assert_ne!(accepted_only["data"][0]["code"], waiting.code);
    assert_eq!(
        sim.products(270_001)[0].warehouse_quantities[&1034],
        10,
        "the cancelled unit came back"
    );
}

#[tokio::test]
async fn over_the_rate_limit_a_seller_gets_429_and_the_log_counts_it() {
    let (sim, c, t) = sim().await;
    sim.set_rate_limit(270_001, 2);
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let r = c
            .get(format!("{}/integration/v2/products", sim.base_url()))
            .bearer_auth(&t.access_token);
        statuses.push(send(&c, r).await.0);
    }
    assert_eq!(statuses, [200, 200, 429]);
    let log = sim.request_log();
    assert_eq!((log.total_calls, log.rate_limit_violations), (3, 1));
    sim.token_action(270_001, TokenAction::ExpireAccessToken);
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    let r = c
        .get(format!("{}/integration/v2/products", sim.base_url()))
        .bearer_auth(&t.access_token);
    let (status, body) = send(&c, r).await;
    assert_eq!(
        (status, body["errors"][0].as_str()),
        (401, Some("Token expired"))
    );
}
