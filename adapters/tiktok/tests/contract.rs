//! The kit's token-rotation contract, against the TikTok simulator (refresh on the auth host, absolute
//! expiry epochs).

use std::num::NonZeroU32;
use std::sync::Arc;

use chrono::DateTime;
use kho_channel::kit::Setup;
use kho_channel::test_support::token_rotation_contract;
use kho_channel::{Channel, RateLimit, TokenSet, TokenStore, Transport, TransportConfig};
use kho_simulator::tiktok::{SimConfig, Simulator};
use kho_tiktok::{TikTokAccountConfig, TikTokChannel, TikTokMapping};
use secrecy::SecretString;

#[tokio::test]
async fn refresh_tokens_rotate_and_are_persisted_before_use() {
    let config = SimConfig::default();
    let shop = config.shops[0].clone();
    let sim = Simulator::start(config.clone()).await.unwrap();
    let transport = Transport::new(TransportConfig::default()).unwrap();
    token_rotation_contract(|store: Arc<dyn TokenStore>| {
        let (sim, config, transport, shop) = (&sim, &config, &transport, &shop);
        async move {
            let account = TikTokAccountConfig {
                name: "tiktok-contract".into(),
                base_url: sim.base_url().parse().unwrap(),
                auth_url: sim.base_url().parse().unwrap(),
                app_key: config.app_key.clone(),
                app_secret: SecretString::from(config.app_secret.clone()),
                service_id: None,
                consent_url: None,
                shop_cipher: Some(shop.cipher.clone()),
                shop_id: None,
                rate_limit: RateLimit::per_second(NonZeroU32::new(100).unwrap()),
                warehouse_id: None,
                mapping: TikTokMapping {
                    categories: Default::default(),
                    brand_id: None,
                    sales_attribute_name: "Dung tích".into(),
                    is_cod_allowed: None,
                },
            };
            let channel = TikTokChannel::new(account, Setup::new(transport, store)).unwrap();
            let pair = sim.tokens(&shop.shop_id).unwrap();
            let tokens = TokenSet {
                access_token: SecretString::from(pair.access_token),
                refresh_token: SecretString::from(pair.refresh_token),
                access_expires_at: DateTime::from_timestamp(pair.access_token_expire_in, 0)
                    .unwrap(),
                refresh_expires_at: DateTime::from_timestamp(pair.refresh_token_expire_in, 0),
            };
            (Arc::new(channel) as Arc<dyn Channel>, tokens)
        }
    })
    .await;
}
