//! The kit's token-rotation contract, against the Lazada simulator (refresh on the auth gateway; refreshing
//! never extends the refresh token's life).

use std::num::NonZeroU32;
use std::sync::Arc;

use chrono::DateTime;
use kho_channel::kit::Setup;
use kho_channel::test_support::token_rotation_contract;
use kho_channel::{Channel, RateLimit, TokenSet, TokenStore, Transport, TransportConfig};
use kho_lazada::{BatchSize, LazadaAccountConfig, LazadaChannel, LazadaMapping};
use kho_simulator::lazada::{SimConfig, Simulator};
use secrecy::SecretString;

#[tokio::test]
async fn refresh_tokens_rotate_and_are_persisted_before_use() {
    let config = SimConfig::default();
    let seller = config.sellers[0].seller_id;
    let sim = Simulator::start(config.clone()).await.unwrap();
    let transport = Transport::new(TransportConfig::default()).unwrap();
    token_rotation_contract(|store: Arc<dyn TokenStore>| {
        let (sim, config, transport) = (&sim, &config, &transport);
        async move {
            let account = LazadaAccountConfig {
                name: "lazada-contract".into(),
                base_url: sim.base_url().parse().unwrap(),
                auth_url: sim.auth_url().parse().unwrap(),
                app_key: config.app_key.clone(),
                app_secret: SecretString::from(config.app_secret.clone()),
                seller_id: Some(seller.to_string()),
                rate_limit: RateLimit::per_second(NonZeroU32::new(100).unwrap()),
                stock_batch_size: BatchSize::new(20).unwrap(),
                price_batch_size: BatchSize::new(20).unwrap(),
                warehouse_code: None,
                mapping: LazadaMapping::default(),
            };
            let channel = LazadaChannel::new(account, Setup::new(transport, store)).unwrap();
            let pair = sim.tokens(seller).unwrap();
            let tokens = TokenSet {
                access_token: SecretString::from(pair.access_token),
                refresh_token: SecretString::from(pair.refresh_token),
                access_expires_at: DateTime::from_timestamp(pair.access_expires_at, 0).unwrap(),
                refresh_expires_at: DateTime::from_timestamp(pair.refresh_expires_at, 0),
            };
            (Arc::new(channel) as Arc<dyn Channel>, tokens)
        }
    })
    .await;
}
