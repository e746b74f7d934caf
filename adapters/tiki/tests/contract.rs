//! The kit's token-rotation contract, against the Tiki simulator (refresh rotates both tokens and burns
//! the old refresh token).

use std::num::NonZeroU32;
use std::sync::Arc;

use chrono::DateTime;
use kho_channel::kit::Setup;
use kho_channel::test_support::token_rotation_contract;
use kho_channel::{Channel, RateLimit, TokenSet, TokenStore, Transport, TransportConfig};
use kho_simulator::tiki::{SimConfig, Simulator};
use kho_tiki::{TikiAccountConfig, TikiChannel};
use secrecy::SecretString;

#[tokio::test]
async fn refresh_tokens_rotate_and_are_persisted_before_use() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let seller = sim.seller_ids()[0];
    let transport = Transport::new(TransportConfig::default()).unwrap();
    token_rotation_contract(|store: Arc<dyn TokenStore>| {
        let (sim, transport) = (&sim, &transport);
        async move {
            let account = TikiAccountConfig {
                name: "tiki-contract".into(),
                base_url: sim.base_url().parse().unwrap(),
                auth_url: sim.base_url().parse().unwrap(),
                client_id: sim.client_id(),
                client_secret: SecretString::from(sim.client_secret()),
                rate_limit: RateLimit::per_second(NonZeroU32::new(100).unwrap()),
                warehouse_id: None,
                batch_size: 50,
                mapping: Default::default(),
            };
            let channel = TikiChannel::new(account, Setup::new(transport, store)).unwrap();
            let pair = sim.tokens(seller).unwrap();
            let tokens = TokenSet {
                access_token: SecretString::from(pair.access_token),
                refresh_token: SecretString::from(pair.refresh_token),
                access_expires_at: DateTime::from_timestamp(pair.access_expires_at, 0).unwrap(),
                refresh_expires_at: None,
            };
            (Arc::new(channel) as Arc<dyn Channel>, tokens)
        }
    })
    .await;
}
