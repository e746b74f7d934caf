//! [`kho_channel::Channel`] for [`LazadaChannel`] comes from the kit; what is Lazada's here is how its pushes
//! are checked and read.

use kho_channel::{WebhookError, WebhookEvent, WebhookRequest};

use crate::client::LazadaChannel;
use crate::push::parse_push;
use crate::verify_push;

kho_channel::kit_channel!(LazadaChannel);

impl LazadaChannel {
    /// Signed with the app secret over the app key and the body.
    fn verify_push_request(&self, request: &WebhookRequest<'_>) -> Result<(), WebhookError> {
        let (secret, key) = (&self.creds.app_secret, &self.creds.app_key);
        verify_push(secret, key, request.body, request.authorization())
    }

    fn parse_push_body(&self, body: &[u8]) -> Result<Vec<WebhookEvent>, WebhookError> {
        parse_push(body)
    }

    /// Lazada gives no delivery id: the core dedupes on the events.
    fn push_notification_id(&self, _body: &[u8]) -> Option<String> {
        None
    }
}
