//! What an adapter on the kit supplies for pushes (webhooks): how one is checked and how it is read. The
//! [`crate::Channel`] implementation from [`crate::kit_channel!`] serves its webhook methods from this.

use async_trait::async_trait;

use crate::error::{ChannelError, WebhookError};
use crate::webhook::{EventBatch, WebhookEvent, WebhookRequest};

/// A marketplace's pushes, for [`crate::kit_channel!`]; or, for one that queues its events for kho to pull
/// (Tiki), its queue.
#[async_trait]
pub trait Pushes: Sync {
    /// Check the push's signature over its raw bytes, before anything parses them.
    fn verify_push(&self, request: &WebhookRequest<'_>) -> Result<(), WebhookError>;

    /// Read a verified push body.
    fn parse_push(&self, body: &[u8]) -> Result<Vec<WebhookEvent>, WebhookError>;

    /// The delivery id, so the core drops repeats of at-least-once deliveries. Most marketplaces give none
    /// and the core then dedupes on the events.
    fn push_id(&self, _body: &[u8]) -> Option<String> {
        None
    }

    /// See [`crate::Channel::pull_events`]; marketplaces that push have no queue.
    async fn pull_queue(&self, _ack: Option<&str>) -> Result<Option<EventBatch>, ChannelError> {
        Ok(None)
    }
}
