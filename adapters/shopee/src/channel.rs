//! How Shopee's pushes are checked and read, for the [`kho_channel::Channel`] implementation the kit gives
//! [`ShopeeChannel`] (see `client.rs`).

use kho_channel::kit::pushes::Pushes;
use kho_channel::{WebhookError, WebhookEvent, WebhookRequest};

use crate::client::ShopeeChannel;
use crate::push::parse_push;
use crate::sign::verify_push;

/// Shopee gives no delivery id: the core dedupes on the events.
impl Pushes for ShopeeChannel {
    /// Signed with the push key when one is configured, else with the partner key.
    fn verify_push(&self, request: &WebhookRequest<'_>) -> Result<(), WebhookError> {
        let key = self
            .push_key
            .as_ref()
            .unwrap_or(&self.kit.creds.partner_key);
        verify_push(key, request.url, request.body, request.authorization())
    }

    fn parse_push(&self, body: &[u8]) -> Result<Vec<WebhookEvent>, WebhookError> {
        parse_push(body)
    }
}
