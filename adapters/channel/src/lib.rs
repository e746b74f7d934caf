//! # kho-channel — the marketplace contract
//!
//! What the core needs from a marketplace, and nothing marketplace-specific:
//!
//! * [`Channel`] — the object-safe trait each adapter implements (`Arc<dyn Channel>` per account);
//! * wire-neutral types: [`RemoteListing`], [`StockUpdate`], [`PriceUpdate`], [`StatusChange`],
//!   [`ListingDraft`], [`RemoteOrder`], [`WebhookEvent`], paging ([`PageToken`], [`TimeWindow`]);
//! * [`Capabilities`] — batch limits, webhook support and token model, so the core can plan calls;
//! * error classes ([`ErrorKind`], [`ChannelError`]) and per-item results ([`BatchOutcome`]);
//! * tokens: [`TokenSet`] and the [`TokenStore`] the core implements (adapters never touch the database);
//! * [`transport`] — the one HTTP transport every adapter uses (rate limit, retry, tracing, metrics);
//! * [`kit`] — what every adapter needs around it: token manager, batch chunker, image download;
//! * `test_support` (feature `test-support`) — a recording token store and the token-rotation contract.
//!
//! Secrets are [`secrecy::SecretString`] everywhere, so no `Debug`, log line or error can print them.

pub mod batch;
pub mod capabilities;
pub mod channel;
pub mod error;
pub mod kit;
pub mod listing;
pub mod order;
pub mod paging;
#[cfg(feature = "test-support")]
pub mod test_support;
pub mod token;
pub mod transport;
pub mod webhook;

pub use batch::{BatchOutcome, ItemResult};
pub use capabilities::{BatchScope, Capabilities, TokenModel};
pub use channel::Channel;
pub use error::{ChannelError, ErrorKind, WebhookError};
pub use listing::{
    DraftImage, ListingDraft, ListingStatus, PriceUpdate, PublishedListing, RemoteId,
    RemoteListing, StatusChange, StockUpdate, VariantDraft, sum_quantities,
};
pub use order::{OrderLine, OrderRef, OrderStatus, RemoteOrder};
pub use paging::{OrderQuery, OrderTimeField, Page, PageToken, TimeWindow};
pub use token::{MemoryTokenStore, TokenSet, TokenStore, TokenStoreError};
pub use transport::{
    AccountClient, Classified, DEFAULT_MARGIN, Exchange, RateLimit, RawResponse, RetryPolicy,
    Transport, TransportConfig,
};
pub use webhook::{EventBatch, WebhookEvent, WebhookRequest};

/// Re-exported so adapters and the core use the same version.
pub use secrecy;

/// Re-exported for [`kit_channel!`].
pub use async_trait;
