//! # kho-lazada — Lazada Open Platform (LazOP) for kho
//!
//! [`LazadaChannel`] implements [`kho_channel::Channel`] for one Lazada seller (Vietnam gateway
//! `https://api.lazada.vn/rest`): request signing over the path and sorted parameters, UPPER-case hex
//! ([`mod@sign`]); tokens created and refreshed on the separate auth gateway, refreshes serialised per account
//! and persisted before use, with a warning as the refresh token — which refreshing never extends — nears its
//! end ([`auth`]); listings one per SKU; sellable-stock and price writes batched across products with per-SKU
//! results from `detail`; activate/deactivate; publishing; orders folded from one item per unit; and push
//! verification/parsing. All HTTP goes through the shared [`kho_channel::transport`], so rate limits, retries,
//! tracing and metrics are the same as for every marketplace. Reference: `docs/src/channels/lazada.md`.
//!
//! ```no_run
//! # use std::sync::Arc;
//! # async fn demo(config: kho_lazada::LazadaAccountConfig, store: Arc<dyn kho_channel::TokenStore>)
//! # -> Result<(), Box<dyn std::error::Error>> {
//! use kho_channel::kit::Setup;
//! use kho_channel::{Channel, Transport, TransportConfig};
//! let transport = Transport::new(TransportConfig::default())?;
//! let seller: Arc<dyn Channel> = Arc::new(kho_lazada::LazadaChannel::new(config, Setup::new(&transport, store))?);
//! let first_page = seller.list_listings(None).await?;
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
pub mod reauth;
mod seller;
pub mod sign;
pub mod wire;

pub use auth::Authorized;
pub use classify::error_kind;
pub use client::{CHANNEL, LazadaChannel, capabilities};
pub use config::{BatchSize, CategoryMapping, LazadaAccountConfig, LazadaMapping};
/// Lazada signs pushes with the scheme TikTok shares, kept in the kit.
pub use kho_channel::kit::hmac::{
    app_key_body_signature as push_authorization, verify_app_key_body as verify_push,
};
pub use orders::{item_status, order_status, to_remote_order};
pub use push::parse_push;
pub use reauth::{REAUTH_WARNING_DAYS, RefreshTokenStatus};
pub use sign::{sign, string_to_sign};
