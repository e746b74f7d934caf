//! # kho-shopee — Shopee Open Platform v2 for kho
//!
//! [`ShopeeChannel`] implements [`kho_channel::Channel`] for one VN local shop: Shop and Public API signing
//! ([`mod@sign`]), rotating-token refresh serialised per shop ([`auth`]), listings, stock/price/status writes with
//! per-item results, publishing, orders, and push verification/parsing. All HTTP goes through the shared
//! [`kho_channel::transport`], so rate limits, retries, tracing and metrics are the same as for every
//! marketplace. Reference: `docs/src/channels/shopee.md`.
//!
//! ```no_run
//! # use std::sync::Arc;
//! # async fn demo(config: kho_shopee::ShopeeAccountConfig, store: Arc<dyn kho_channel::TokenStore>)
//! # -> Result<(), Box<dyn std::error::Error>> {
//! use kho_channel::kit::Setup;
//! use kho_channel::{Channel, Transport, TransportConfig};
//! let transport = Transport::new(TransportConfig::default())?;
//! let shop: Arc<dyn Channel> = Arc::new(kho_shopee::ShopeeChannel::new(config, Setup::new(&transport, store))?);
//! let first_page = shop.list_listings(None).await?;
//! # let _ = first_page; Ok(()) }
//! ```

mod api;
pub mod auth;
mod channel;
pub mod classify;
mod client;
pub mod config;
pub mod inventory;
pub mod listings;
pub mod orders;
pub mod publish;
pub mod push;
pub mod sign;
pub mod wire;

pub use classify::error_kind;
pub use client::{CHANNEL, ShopeeChannel, capabilities};
pub use config::{
    AttributeMapping, AttributeValueMapping, BrandMapping, CategoryMapping, LogisticMapping,
    ShopeeAccountConfig, ShopeeMapping,
};
pub use orders::{canonical_status, to_remote_order};
pub use push::parse_push;
pub use sign::{push_authorization, sign, verify_push};
