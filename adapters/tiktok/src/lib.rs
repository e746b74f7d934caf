//! # kho-tiktok — TikTok Shop Open API (202309+) for kho
//!
//! [`TikTokChannel`] implements [`kho_channel::Channel`] for one shop (VN local shops included): request
//! signing over the exact body bytes ([`mod@sign`]), the `x-tts-access-token` header and `shop_cipher` on shop
//! endpoints only ([`api::is_shop_scoped`]), tokens with absolute-epoch expiries refreshed through the auth
//! host and serialised per account ([`auth`]), shop and warehouse discovery, listings, stock/price/status
//! writes with per-SKU results from `data.errors`, publishing, orders folded from per-unit line items, and
//! webhook verification/parsing. All HTTP goes through the shared [`kho_channel::transport`], so rate limits,
//! retries, tracing and metrics are the same as for every marketplace. Reference: `docs/src/channels/tiktok.md`.
//!
//! ```no_run
//! # use std::sync::Arc;
//! # async fn demo(config: kho_tiktok::TikTokAccountConfig, store: Arc<dyn kho_channel::TokenStore>)
//! # -> Result<(), Box<dyn std::error::Error>> {
//! use kho_channel::kit::Setup;
//! use kho_channel::{Channel, Transport, TransportConfig};
//! let transport = Transport::new(TransportConfig::default())?;
//! let shop: Arc<dyn Channel> = Arc::new(kho_tiktok::TikTokChannel::new(config, Setup::new(&transport, store))?);
//! let first_page = shop.list_listings(None).await?;
//! # let _ = first_page; Ok(()) }
//! ```

pub mod api;
pub mod auth;
mod channel;
pub mod classify;
mod client;
pub mod config;
pub mod connect;
pub mod inventory;
pub mod listings;
pub mod orders;
pub mod publish;
pub mod push;
pub mod sign;
pub mod wire;

pub use classify::{InvalidParameter, error_kind};
pub use client::{CHANNEL, SHOPS_PATH, TikTokChannel, WAREHOUSES_PATH, capabilities};
pub use config::{
    AttributeMapping, AttributeValueMapping, CategoryMapping, TikTokAccountConfig, TikTokMapping,
};
/// TikTok signs webhooks with the scheme Lazada shares, kept in the kit.
pub use kho_channel::kit::hmac::{
    app_key_body_signature as webhook_authorization, verify_app_key_body as verify_webhook,
};
pub use orders::{canonical_status, to_remote_order};
pub use push::{notification_id, parse_webhook};
pub use sign::sign;
pub use wire::{Cancellation, ReturnRecord, Shop, Warehouse};
