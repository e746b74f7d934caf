//! # kho-woocommerce — WooCommerce REST API v3 for kho
//!
//! A cooperative's own WordPress shop. No tokens: every call carries the REST API key — HTTP Basic over https,
//! OAuth 1.0a one-legged signing over plain http, or query credentials when the site's server strips the
//! `Authorization` header ([`mod@sign`]). Answers and errors (`{code, message, data:{status}}`) are classified in
//! [`classify`]; webhooks are verified in [`push`]. All HTTP goes through the shared [`kho_channel::transport`].
//! Reference: `docs/src/channels/tiki-woocommerce.md`, Part B.

pub mod classify;
mod client;
pub mod config;
pub mod inventory;
pub mod listings;
pub mod orders;
pub mod publish;
pub mod push;
pub mod sign;
pub mod writes;

pub use client::{WooCommerceChannel, capabilities};
pub use config::WooCommerceAccountConfig;
pub use sign::Credentials;

/// The channel's name in configuration, logs and metrics.
pub const CHANNEL: &str = "woocommerce";

/// Where the REST API lives under the site root (`base_url`).
pub const API_PREFIX: &str = "/wp-json/wc/v3";
