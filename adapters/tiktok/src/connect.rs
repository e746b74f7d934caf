//! The seller's side of an authorisation: the link a seller opens to authorise kho
//! (docs/src/channels/tiktok.md §2). Exchanging the code that comes back is [`crate::TikTokChannel::authorize`].
//!
//! TikTok's current consent page (`services.tiktokshop.com/open/authorize?service_id=…`) needs the app's
//! service id, which kho's configuration does not carry; the older form on the auth host
//! (`/oauth/authorize?app_key=…&state=…`) needs only the app key, so that is the one built. Either way the
//! redirect is the one registered for the app in Partner Center, not a parameter of the link.

use kho_channel::{ChannelError, ErrorKind};

use crate::client::TikTokChannel;

/// Path of the authorisation page on the auth host.
pub const AUTHORIZE_PATH: &str = "/oauth/authorize";

impl TikTokChannel {
    /// The link a seller opens to authorise this app; TikTok sends `code` and the same `state` back to the
    /// redirect URL registered in Partner Center.
    pub fn authorization_url(&self, state: &str) -> Result<url::Url, ChannelError> {
        let mut url = self.creds.auth_url.clone();
        if url.cannot_be_a_base() {
            return Err(self.kit.error(
                AUTHORIZE_PATH,
                ErrorKind::invalid_request("bad_auth_url", "auth_url cannot hold a path"),
            ));
        }
        url.set_path(AUTHORIZE_PATH);
        url.set_query(None);
        url.query_pairs_mut()
            .append_pair("app_key", &self.creds.app_key)
            .append_pair("state", state);
        Ok(url)
    }
}
