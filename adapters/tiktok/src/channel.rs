//! How TikTok's webhooks are checked and read, for the [`kho_channel::Channel`] implementation the kit gives
//! [`TikTokChannel`] (see `client.rs`).

use kho_channel::kit::hmac::verify_app_key_body_push;
use kho_channel::kit::pushes::Pushes;
use kho_channel::{WebhookError, WebhookEvent, WebhookRequest};

use crate::client::TikTokChannel;
use crate::push::{notification_id, parse_webhook};

impl Pushes for TikTokChannel {
    fn verify_push(&self, request: &WebhookRequest<'_>) -> Result<(), WebhookError> {
        verify_app_key_body_push(&self.kit.creds.app_secret, &self.kit.creds.app_key, request)
    }

    fn parse_push(&self, body: &[u8]) -> Result<Vec<WebhookEvent>, WebhookError> {
        parse_webhook(body)
    }

    /// `tts_notification_id`, so the core drops repeats of at-least-once deliveries.
    fn push_id(&self, body: &[u8]) -> Option<String> {
        notification_id(body)
    }
}
