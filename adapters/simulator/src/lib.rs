//! Local marketplace simulators for testing kho's channel clients.
//!
//! Each simulator is a *measuring instrument*: it speaks the marketplace's real wire protocol as our reference notes
//! (`docs/src/channels/*.md`) describe it, rejects what the marketplace rejects, and records every call so tests can
//! assert on how a client behaved (rate-limit violations, retries, token refreshes). It is written from the docs only
//! and shares no code with the clients, so a misunderstanding of the protocol cannot hide in both.
//!
//! One sibling module per marketplace: [`shopee`], [`tiktok`] (TikTok Shop Open API 202309), [`lazada`]
//! and [`woocommerce`] (REST API v3 of a cooperative's own site).

mod common;
pub mod lazada;
pub mod shopee;
pub mod tiki;
pub mod tiktok;
pub mod woocommerce;
