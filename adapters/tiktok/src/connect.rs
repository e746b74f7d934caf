//! The seller's side of an authorisation: the link a seller opens to authorise kho
//! (docs/src/channels/tiktok.md §2). Exchanging the code that comes back is [`crate::TikTokChannel::authorize`].
//!
//! TikTok's current consent page (`services.tiktokshop.com/open/authorize?service_id=…`) needs the app's
//! service id, which Partner Center gives apps registered there now; with it configured that is the link
//! built. Without it, the older form on the auth host (`/oauth/authorize?app_key=…&state=…`) needs only the
//! app key. Either way the redirect is the one registered for the app in Partner Center, not a parameter of
//! the link.

use kho_channel::{ChannelError, ErrorKind};
use url::Url;

use crate::client::TikTokChannel;

/// Path of the older authorisation page on the auth host.
pub const AUTHORIZE_PATH: &str = "/oauth/authorize";
/// Path of the current consent page on the consent host.
pub const CONSENT_PATH: &str = "/open/authorize";
/// The consent host for shops outside the US (VN included); US shops use `https://services.us.tiktokshop.com`.
pub const DEFAULT_CONSENT_URL: &str = "https://services.tiktokshop.com";

/// What the current consent link needs: the app's service id and, unless the default, its host.
#[derive(Debug, Clone)]
pub(crate) struct ServiceConsent {
    service_id: String,
    host: Option<Url>,
}

impl ServiceConsent {
    /// `None` without a service id (a blank one counts as none, like a blank `shop_cipher`): the older link
    /// is built then, whatever `consent_url` says.
    pub(crate) fn new(service_id: Option<String>, host: Option<Url>) -> Option<Self> {
        let service_id = service_id.filter(|s| !s.trim().is_empty())?;
        Some(Self { service_id, host })
    }
}

impl TikTokChannel {
    /// The link a seller opens to authorise this app; TikTok sends `code` and the same `state` back to the
    /// redirect URL registered in Partner Center.
    pub fn authorization_url(&self, state: &str) -> Result<Url, ChannelError> {
        match &self.consent {
            Some(c) => {
                let host = match &c.host {
                    Some(u) => u.clone(),
                    None => Url::parse(DEFAULT_CONSENT_URL).map_err(|e| {
                        self.bad_host(CONSENT_PATH, "bad_consent_url", &e.to_string())
                    })?,
                };
                self.link(
                    host,
                    CONSENT_PATH,
                    "consent_url",
                    ("service_id", &c.service_id),
                    state,
                )
            }
            None => self.link(
                self.kit.creds.auth_url.clone(),
                AUTHORIZE_PATH,
                "auth_url",
                ("app_key", &self.kit.creds.app_key),
                state,
            ),
        }
    }

    /// `host` with `path` and the query `{app}&state=…`; the host's own path and query are replaced.
    fn link(
        &self,
        mut host: Url,
        path: &str,
        key: &str,
        app: (&str, &str),
        state: &str,
    ) -> Result<Url, ChannelError> {
        if host.cannot_be_a_base() {
            return Err(self.bad_host(
                path,
                &format!("bad_{key}"),
                &format!("{key} cannot hold a path"),
            ));
        }
        host.set_path(path);
        host.set_query(None);
        host.query_pairs_mut()
            .append_pair(app.0, app.1)
            .append_pair("state", state);
        Ok(host)
    }

    fn bad_host(&self, path: &str, code: &str, why: &str) -> ChannelError {
        self.kit.error(path, ErrorKind::invalid_request(code, why))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use kho_channel::{MemoryTokenStore, Transport, TransportConfig};

    use super::*;

    fn channel(extra: serde_json::Value) -> TikTokChannel {
        let mut cfg = serde_json::json!({
            "name": "tiktok-connect", "base_url": "https://open-api.tiktokglobalshop.com",
            "auth_url": "https://auth.tiktok-shops.com", "app_key": "68xu9ks5p4i8", "app_secret": "s"
        });
        for (k, v) in extra.as_object().into_iter().flatten() {
            cfg[k] = v.clone();
        }
        let transport = Transport::new(TransportConfig::default()).unwrap();
        TikTokChannel::new(
            serde_json::from_value(cfg).unwrap(),
            kho_channel::kit::Setup::new(&transport, Arc::new(MemoryTokenStore::default())),
        )
        .unwrap()
    }

    fn query(url: &Url) -> HashMap<String, String> {
        url.query_pairs().into_owned().collect()
    }

    #[test]
    fn with_a_service_id_the_current_consent_page_is_linked() {
        let url = channel(serde_json::json!({"service_id": "7310000000000000001"}))
            .authorization_url("st 1")
            .unwrap();
        assert_eq!(
            url.as_str(),
            "https://services.tiktokshop.com/open/authorize?service_id=7310000000000000001&state=st+1"
        );

        let us = channel(serde_json::json!({
            "service_id": "7310000000000000001",
            "consent_url": "https://services.us.tiktokshop.com/ignored?x=1"
        }))
        .authorization_url("st2")
        .unwrap();
        assert_eq!(us.host_str(), Some("services.us.tiktokshop.com"));
        assert_eq!(us.path(), CONSENT_PATH);
        let q = query(&us);
        assert_eq!(q.len(), 2, "{us}");
        assert_eq!(
            (q["service_id"].as_str(), q["state"].as_str()),
            ("7310000000000000001", "st2")
        );
    }

    #[test]
    fn without_a_service_id_the_older_page_on_the_auth_host_is_linked() {
        for extra in [
            serde_json::json!({}),
            serde_json::json!({"service_id": " ", "consent_url": "http://127.0.0.1:9"}),
        ] {
            let url = channel(extra).authorization_url("st3").unwrap();
            assert_eq!(
                url.as_str(),
                "https://auth.tiktok-shops.com/oauth/authorize?app_key=68xu9ks5p4i8&state=st3"
            );
        }
    }
}
