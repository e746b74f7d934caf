//! The kit's token-rotation contract, against the Shopee simulator (single-use refresh tokens that rotate on
//! every refresh).

use std::num::NonZeroU32;
use std::sync::Arc;

use chrono::DateTime;
use kho_channel::kit::Setup;
use kho_channel::test_support::token_rotation_contract;
use kho_channel::{Channel, RateLimit, TokenSet, TokenStore, Transport, TransportConfig};
use kho_shopee::{ShopeeAccountConfig, ShopeeChannel, ShopeeMapping};
use kho_simulator::shopee::{SimConfig, Simulator};
use secrecy::SecretString;

#[tokio::test]
async fn refresh_tokens_rotate_and_are_persisted_before_use() {
    let config = SimConfig::default();
    let shop = config.shops[0].shop_id;
    let sim = Simulator::start(config.clone()).await.unwrap();
    let transport = Transport::new(TransportConfig::default()).unwrap();
    token_rotation_contract(|store: Arc<dyn TokenStore>| {
        let (sim, config, transport) = (&sim, &config, &transport);
        async move {
            let account = ShopeeAccountConfig {
                name: "shopee-contract".into(),
                base_url: sim.base_url().parse().unwrap(),
                partner_id: config.partner_id as u64,
                partner_key: SecretString::from(config.partner_key.clone()),
                shop_id: shop as u64,
                push_key: None,
                rate_limit: RateLimit::per_second(NonZeroU32::new(100).unwrap()),
                location_id: None,
                mapping: ShopeeMapping::default(),
            };
            let channel = ShopeeChannel::new(account, Setup::new(transport, store)).unwrap();
            let pair = sim.tokens(shop).unwrap();
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
