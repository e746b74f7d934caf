//! The trait every marketplace adapter implements.

use async_trait::async_trait;

use crate::batch::BatchOutcome;
use crate::capabilities::Capabilities;
use crate::error::{ChannelError, WebhookError};
use crate::listing::{
    ListingDraft, PriceUpdate, PublishedListing, RemoteId, RemoteListing, StatusChange, StockUpdate,
};
use crate::order::{OrderRef, RemoteOrder};
use crate::paging::{OrderQuery, Page, PageToken};
use crate::webhook::{EventBatch, WebhookEvent, WebhookRequest};

/// One marketplace account (one shop), as the core drives it. Object-safe so the core can hold
/// `Arc<dyn Channel>` per account.
///
/// Batch methods accept any number of elements: the adapter splits them into calls as its
/// [`Capabilities`] describe and reports one result per element. They return `Err` only when nothing could
/// be attempted. Every HTTP attempt goes through the account's rate limiter, token refreshes included.
#[async_trait]
pub trait Channel: Send + Sync {
    /// The account's configured name (used in errors, logs and metrics).
    fn account(&self) -> &str;

    fn capabilities(&self) -> &Capabilities;

    /// One page of the shop's listings, one entry per sellable unit (variant, or item without variants).
    async fn list_listings(
        &self,
        page: Option<&PageToken>,
    ) -> Result<Page<RemoteListing>, ChannelError>;

    /// Set absolute stock levels.
    async fn update_stock(
        &self,
        updates: &[StockUpdate],
    ) -> Result<BatchOutcome<RemoteId>, ChannelError>;

    /// Set prices (whole đồng).
    async fn update_price(
        &self,
        updates: &[PriceUpdate],
    ) -> Result<BatchOutcome<RemoteId>, ChannelError>;

    /// List (activate) or unlist (deactivate) items; the key is the item id.
    async fn set_status(
        &self,
        changes: &[StatusChange],
    ) -> Result<BatchOutcome<String>, ChannelError>;

    /// Create a listing with all its variants.
    async fn publish(&self, draft: &ListingDraft) -> Result<PublishedListing, ChannelError>;

    /// One page of orders created/updated in the window (the adapter splits windows the marketplace
    /// finds too long; the page token remembers where it is).
    async fn list_orders(
        &self,
        query: &OrderQuery,
        page: Option<&PageToken>,
    ) -> Result<Page<OrderRef>, ChannelError>;

    /// Orders with their lines. Orders the marketplace does not know are left out.
    async fn get_orders(&self, order_ids: &[String]) -> Result<Vec<RemoteOrder>, ChannelError>;

    /// Refresh the access token now if it expires within the channel's refresh-ahead margin (for the
    /// core's token-refresh scheduler; calls also refresh on demand).
    async fn refresh_tokens_if_due(&self) -> Result<(), ChannelError>;

    /// Check a push's signature, before anything else reads the body.
    fn verify_webhook(&self, _request: &WebhookRequest<'_>) -> Result<(), WebhookError> {
        Err(WebhookError::Unsupported)
    }

    /// Parse a verified push.
    fn parse_webhook(&self, _body: &[u8]) -> Result<Vec<WebhookEvent>, WebhookError> {
        Err(WebhookError::Unsupported)
    }

    /// The marketplace's id for this delivery (TikTok `tts_notification_id`), so the core can drop
    /// repeats of at-least-once pushes. Call after [`Self::verify_webhook`]; `None` when the marketplace
    /// gives no such id (then dedupe on the events themselves).
    fn webhook_notification_id(&self, _body: &[u8]) -> Option<String> {
        None
    }

    /// The next events of a marketplace that queues them for kho to pull instead of pushing them (Tiki),
    /// acknowledging everything up to `ack` — the previous batch's [`EventBatch::ack`], passed only after
    /// the core stored what that batch named, so delivery stays at-least-once. `None`: no event queue.
    async fn pull_events(&self, _ack: Option<&str>) -> Result<Option<EventBatch>, ChannelError> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::Channel;
    use crate::token::TokenStore;

    // The core holds `Arc<dyn Channel>` and `Arc<dyn TokenStore>`: both must stay object-safe.
    #[allow(dead_code)]
    fn object_safe(_: Arc<dyn Channel>, _: Arc<dyn TokenStore>) {}
}
