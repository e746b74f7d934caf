//! What an adapter on the kit supplies for pushes (webhooks): how one is checked and how it is read. The
//! [`crate::Channel`] implementation from [`crate::kit_channel!`] serves its webhook methods from this.

use crate::error::WebhookError;
use crate::webhook::{WebhookEvent, WebhookRequest};

/// A marketplace's pushes, for [`crate::kit_channel!`].
pub trait Pushes {
    /// Check the push's signature over its raw bytes, before anything parses them.
    fn verify_push(&self, request: &WebhookRequest<'_>) -> Result<(), WebhookError>;

    /// Read a verified push body.
    fn parse_push(&self, body: &[u8]) -> Result<Vec<WebhookEvent>, WebhookError>;

    /// The delivery id, so the core drops repeats of at-least-once deliveries. Most marketplaces give none
    /// and the core then dedupes on the events.
    fn push_id(&self, _body: &[u8]) -> Option<String> {
        None
    }
}
