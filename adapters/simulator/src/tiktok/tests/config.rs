//! Configuration: an empty document is a working default, unknown fields are refused, secrets never reach
//! `{:?}`, seeded products exist at start, and invalid shops are refused.

use super::super::{SeedProduct, ShopConfig, SimConfig, SimControl, SimError, WarehouseConfig};
use super::SHOP;

#[test]
fn empty_document_is_the_default_and_unknown_fields_are_refused() {
    let cfg: SimConfig = serde_json::from_str("{}").unwrap();
    assert_eq!(cfg.app_key, SimConfig::default().app_key);
    assert_eq!(cfg.access_token_ttl_secs, 7 * 24 * 3600);
    assert_eq!(
        (cfg.timestamp_max_age_secs, cfg.timestamp_max_future_secs),
        (300, 30)
    );
    assert!(serde_json::from_str::<SimConfig>(r#"{"app_sekret": "x"}"#).is_err());
}

#[test]
fn debug_output_redacts_secrets() {
    let cfg = SimConfig {
        shops: vec![ShopConfig {
            access_token: "ROW_secret_access".into(),
            refresh_token: "ROW_secret_refresh".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let text = format!("{cfg:?}");
    assert!(!text.contains(&cfg.app_secret), "{text}");
    assert!(!text.contains("ROW_secret"), "{text}");
}

#[tokio::test]
async fn seeded_products_and_fixed_tokens() {
    let cfg = SimConfig {
        shops: vec![ShopConfig {
            access_token: "ROW_fixed_access".into(),
            products: vec![SeedProduct::default()],
            ..Default::default()
        }],
        ..Default::default()
    };
    let ctl = SimControl::new(cfg).unwrap();
    assert_eq!(ctl.tokens(SHOP).unwrap().access_token, "ROW_fixed_access");
    assert_eq!(ctl.state().shop(SHOP).unwrap().products.len(), 1);

    let no_sales_warehouse = SimConfig {
        shops: vec![ShopConfig {
            warehouses: vec![WarehouseConfig {
                r#type: "RETURN_WAREHOUSE".into(),
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    assert!(matches!(
        SimControl::new(no_sales_warehouse),
        Err(SimError::Config(_))
    ));
    let duplicate = SimConfig {
        shops: vec![ShopConfig::default(), ShopConfig::default()],
        ..Default::default()
    };
    assert!(SimControl::new(duplicate).is_err());
}
