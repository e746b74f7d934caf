//! [`kho_channel::Channel`] for [`ShopeeChannel`] comes from the kit; what is Shopee's here is how its pushes
//! are checked and read.

use kho_channel::{WebhookError, WebhookEvent, WebhookRequest};

use crate::client::ShopeeChannel;
use crate::push::parse_push;
use crate::sign::verify_push;

kho_channel::kit_channel!(ShopeeChannel);

impl ShopeeChannel {
    /// Signed with the push key when one is configured, else with the partner key.
    fn verify_push_request(&self, request: &WebhookRequest<'_>) -> Result<(), WebhookError> {
        let key = self.push_key.as_ref().unwrap_or(&self.creds.partner_key);
        verify_push(key, request.url, request.body, request.authorization())
    }

    fn parse_push_body(&self, body: &[u8]) -> Result<Vec<WebhookEvent>, WebhookError> {
        parse_push(body)
    }

    /// Shopee gives no delivery id: the core dedupes on the events.
    fn push_notification_id(&self, _body: &[u8]) -> Option<String> {
        None
    }
}
