//! [`kho_channel::Channel`] for [`TikTokChannel`] comes from the kit; what is TikTok's here is how its
//! webhooks are checked and read.

use kho_channel::{WebhookError, WebhookEvent, WebhookRequest};

use crate::client::TikTokChannel;
use crate::push::{notification_id, parse_webhook};
use crate::verify_webhook;

kho_channel::kit_channel!(TikTokChannel);

impl TikTokChannel {
    fn verify_push_request(&self, request: &WebhookRequest<'_>) -> Result<(), WebhookError> {
        let (secret, key) = (&self.creds.app_secret, &self.creds.app_key);
        verify_webhook(secret, key, request.body, request.authorization())
    }

    fn parse_push_body(&self, body: &[u8]) -> Result<Vec<WebhookEvent>, WebhookError> {
        parse_webhook(body)
    }

    /// `tts_notification_id`, so the core drops repeats of at-least-once deliveries.
    fn push_notification_id(&self, body: &[u8]) -> Option<String> {
        notification_id(body)
    }
}
