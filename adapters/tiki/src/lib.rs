//! # kho-tiki — Tiki Open Platform for kho
//!
//! [`TikiChannel`] implements [`kho_channel::Channel`] for one Tiki seller on the adapter kit: OAuth 2.0
//! (authorization code; a refresh rotates both tokens, persisted before use by the kit's token manager),
//! Bearer calls to the integration API, products one per variant linked by `original_sku`, absolute
//! `qty_available` per seller warehouse and prices through `updateSkus`, activation through `updateSku`,
//! reviewed product requests, orders without the ones Tiki has not accepted, and the event queue kho pulls
//! and acknowledges instead of receiving pushes. Reference: `docs/src/channels/tiki-woocommerce.md`.

mod api;
mod auth;
mod client;
pub mod config;
mod inventory;
mod listings;
pub mod orders;
mod publish;
mod queue;

pub use client::{CHANNEL, TikiChannel, capabilities};
pub use config::{TikiAccountConfig, TikiMapping};
pub use orders::order_status;
