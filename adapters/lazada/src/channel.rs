//! How Lazada's pushes are checked and read, for the [`kho_channel::Channel`] implementation the kit gives
//! [`LazadaChannel`] (see `client.rs`).

use kho_channel::kit::hmac::verify_app_key_body_push;
use kho_channel::kit::pushes::Pushes;
use kho_channel::{WebhookError, WebhookEvent, WebhookRequest};

use crate::client::LazadaChannel;
use crate::push::parse_push;

/// Signed with the app secret over the app key and the body; Lazada gives no delivery id, so the core
/// dedupes on the events.
impl Pushes for LazadaChannel {
    fn verify_push(&self, request: &WebhookRequest<'_>) -> Result<(), WebhookError> {
        verify_app_key_body_push(&self.kit.creds.app_secret, &self.kit.creds.app_key, request)
    }

    fn parse_push(&self, body: &[u8]) -> Result<Vec<WebhookEvent>, WebhookError> {
        parse_push(body)
    }
}
