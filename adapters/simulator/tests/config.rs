//! Configuration: every field has a default, unknown keys are refused, and secrets stay out of debug output.

use kho_simulator::shopee::{SimConfig, Simulator};

#[test]
fn empty_document_gives_documented_defaults() {
    let cfg: SimConfig = serde_json::from_str("{}").unwrap();
    assert_eq!(cfg.access_token_ttl_secs, 4 * 3600);
    assert_eq!(cfg.refresh_token_ttl_secs, 30 * 24 * 3600);
    assert_eq!(cfg.timestamp_tolerance_secs, 300);
    assert_eq!(cfg.old_access_token_grace_secs, 300);
    assert_eq!(cfg.shops.len(), 1);
    assert_eq!(cfg.push.timeout_ms, 3000);
}

#[test]
fn partial_config_and_unknown_keys() {
    let cfg: SimConfig = serde_json::from_str(
        r#"{"partner_id": 1, "partner_key": "k", "rate_limit_per_second": 10,
            "shops": [{"shop_id": 5, "price_limit": {"min_limit": 1000, "max_limit": 2000000},
                       "items": [{"item_sku": "A", "price": 50000, "stock": 3}]}],
            "faults": {"seed": 9, "server_error": 0.1}}"#,
    )
    .unwrap();
    assert_eq!(cfg.shops[0].shop_id, 5);
    assert_eq!(cfg.shops[0].region, "VN");
    assert_eq!(cfg.faults.seed, 9);
    assert!(serde_json::from_str::<SimConfig>(r#"{"partner_kye": "typo"}"#).is_err());
}

#[test]
fn secrets_are_not_in_debug_output() {
    let cfg = SimConfig::default();
    let shown = format!("{cfg:?}");
    assert!(!shown.contains(&cfg.partner_key));
    assert!(!shown.contains(&cfg.shops[0].access_token));
    assert!(!shown.contains(&cfg.shops[0].refresh_token));
}

#[tokio::test]
async fn seeded_items_from_config_are_served() {
    let cfg: SimConfig = serde_json::from_str(
        r#"{"shops": [{"items": [{"item_sku": "A", "price": 50000, "stock": 3}]}]}"#,
    )
    .unwrap();
    let sim = Simulator::start(cfg).await.unwrap();
    assert_eq!(sim.state().stock_of(14701711, "A"), Some(3));
    let shown = format!("{:?}", sim.control());
    assert!(
        !shown.contains("59777174636562737266615546704c6d"),
        "{shown}"
    );
    sim.shutdown().await;
}
