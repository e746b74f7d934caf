//! Webhook intake: verify the signature over the raw body before anything
//! reads it, find the account from the payload's shop id among the accounts
//! whose key verified it (a push naming another account's shop is refused:
//! one tenant's key must not file events under another), store the event
//! durably, answer at once; a processor then fetches the order and ingests
//! it. Deliveries are at-least-once and may come twice, late or out of
//! order: storage deduplicates, ingestion is idempotent.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use kho_channel::{Channel, WebhookEvent, WebhookRequest};
use sha2::{Digest, Sha256};
use tokio::sync::{Notify, watch};
use url::Url;

use crate::config::{AccountConfig, ChannelKind, Credentials};
use crate::store::Store;
use crate::store::accounts::AccountState;

/// A stored event naming orders: (event id, attempts so far, orders named).
type OrderEvent = (i64, i64, Vec<String>);

/// A configured account with its adapter.
#[derive(Clone)]
pub struct AccountHandle {
    pub config: AccountConfig,
    pub id: i64,
    pub channel: Arc<dyn Channel>,
}

/// The shop id a marketplace names in its pushes, for this account.
fn shop_key(config: &AccountConfig) -> Option<String> {
    match &config.credentials {
        Credentials::Shopee(c) => Some(c.shop_id.to_string()),
        Credentials::Tiktok(c) => c.shop_id.clone(),
        Credentials::Lazada(c) => c.seller_id.clone(),
        // The adapter names the site by its root, as configured.
        Credentials::WooCommerce(_) => Some(config.base_url.as_str().to_owned()),
        // Tiki pushes nothing; its events are pulled per account.
        Credentials::Tiki(_) => None,
    }
}

/// The header a WooCommerce delivery names its site in (`home_url('/')`).
const WOO_SOURCE: &str = "X-WC-Webhook-Source";

/// Whether a site's own URL is the configured `base_url`: the same host,
/// port and path, whatever the scheme (a site behind a TLS proxy may think
/// it is served over http).
fn same_site(base_url: &Url, source: &Url) -> bool {
    base_url.host_str() == source.host_str()
        && base_url.port() == source.port()
        && base_url.path().trim_end_matches('/') == source.path().trim_end_matches('/')
}

fn event_shop(event: &WebhookEvent) -> Option<&str> {
    match event {
        WebhookEvent::OrderStatusChanged { shop_id, .. } => Some(shop_id),
        WebhookEvent::Deauthorized { shop_id, .. }
        | WebhookEvent::AuthorizationExpiring { shop_id, .. }
        | WebhookEvent::ListingStatusChanged { shop_id, .. }
        | WebhookEvent::Other { shop_id, .. } => shop_id.as_deref(),
        WebhookEvent::Verification => None,
    }
}

pub struct Intake {
    pub store: Store,
    pub accounts: Vec<AccountHandle>,
    /// `server.public_url`: Shopee signs pushes over the callback URL.
    pub public_url: String,
    pub restock_on_return: bool,
    pub wake: Notify,
}

impl Intake {
    /// The account a push is for, among the accounts whose key verified it:
    /// by shop id, or the only account of the channel when the marketplace's
    /// pushes carry none kho can match.
    fn account_for<'a>(
        of_channel: &[&'a AccountHandle],
        verifiers: &[&'a AccountHandle],
        shop: Option<&str>,
    ) -> Option<&'a AccountHandle> {
        if let Some(shop) = shop
            && let Some(a) = verifiers
                .iter()
                .find(|a| shop_key(&a.config).as_deref() == Some(shop))
        {
            return Some(a);
        }
        match of_channel {
            // The channel's only account: the one whose key verified it.
            [only] if shop_key(&only.config).is_none() => Some(only),
            _ => None,
        }
    }

    /// Handles one delivery; the status and body to answer with.
    pub async fn receive(
        &self,
        channel: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> (StatusCode, &'static str) {
        if channel == ChannelKind::WooCommerce.as_str() && body.starts_with(b"webhook_id=") {
            // The ping a site sends, unsigned, when a webhook is saved: it
            // wants a 200 or it will not activate the webhook.
            metrics::counter!("kho_webhooks_total", "channel" => channel.to_owned(), "result" => "ping").increment(1);
            return (StatusCode::OK, "");
        }
        let source = headers
            .get(WOO_SOURCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| Url::parse(v.trim()).ok());
        let candidates: Vec<&AccountHandle> = self
            .accounts
            .iter()
            .filter(|a| a.config.channel.as_str() == channel)
            .filter(|a| match &source {
                // A WooCommerce delivery names its site: only that account
                // is asked to verify it.
                Some(site) if a.config.channel == ChannelKind::WooCommerce => {
                    same_site(&a.config.base_url, site)
                }
                _ => true,
            })
            .collect();
        if candidates.is_empty() {
            metrics::counter!("kho_webhooks_total", "channel" => channel.to_owned(), "result" => "no_account").increment(1);
            return (StatusCode::NOT_FOUND, "no account for this channel\n");
        }
        let url = format!(
            "{}/webhooks/{channel}",
            self.public_url.trim_end_matches('/')
        );
        let request = WebhookRequest {
            url: &url,
            headers,
            body,
        };
        // Every account whose key verifies the signature: one, or several
        // when shops share an app (TikTok Shop and Lazada sign with the app
        // secret, Shopee with the partner key of the app).
        let verifiers: Vec<&AccountHandle> = candidates
            .iter()
            .copied()
            .filter(|a| a.channel.verify_webhook(&request).is_ok())
            .collect();
        let Some(verifier) = verifiers.first() else {
            metrics::counter!("kho_webhooks_total", "channel" => channel.to_owned(), "result" => "bad_signature").increment(1);
            tracing::warn!(channel, "webhook with a bad or missing signature refused");
            return (StatusCode::UNAUTHORIZED, "bad signature\n");
        };
        let events = match verifier.channel.parse_webhook(body) {
            Ok(e) => e,
            Err(e) => {
                metrics::counter!("kho_webhooks_total", "channel" => channel.to_owned(), "result" => "malformed").increment(1);
                tracing::warn!(channel, error = %e, "malformed webhook refused");
                return (StatusCode::BAD_REQUEST, "malformed payload\n");
            }
        };
        // A signature proves who sent the push, not which shop it is about:
        // a shop named in the payload that belongs to an account whose key
        // did not verify it is another tenant's, and the push is refused
        // rather than filed under that account.
        if let Some((shop, owner)) = events.iter().filter_map(event_shop).find_map(|shop| {
            let signed = verifiers
                .iter()
                .any(|a| shop_key(&a.config).as_deref() == Some(shop));
            let owner = candidates
                .iter()
                .find(|a| shop_key(&a.config).as_deref() == Some(shop));
            match owner {
                Some(owner) if !signed => Some((shop, owner)),
                _ => None,
            }
        }) {
            let signed_by: Vec<&str> = verifiers.iter().map(|a| a.config.name.as_str()).collect();
            metrics::counter!("kho_webhooks_total", "channel" => channel.to_owned(), "result" => "wrong_account").increment(1);
            tracing::warn!(
                channel,
                shop,
                shop_account = owner.config.name.as_str(),
                signed_by = ?signed_by,
                "webhook signed with another account's key names this shop; refused"
            );
            return (
                StatusCode::FORBIDDEN,
                "signature does not cover this shop\n",
            );
        }
        let shop = events.iter().find_map(event_shop);
        let Some(account) = Self::account_for(&candidates, &verifiers, shop) else {
            metrics::counter!("kho_webhooks_total", "channel" => channel.to_owned(), "result" => "unknown_shop").increment(1);
            tracing::warn!(channel, shop = ?shop, "webhook for a shop kho does not manage acknowledged and ignored");
            return (StatusCode::OK, "");
        };
        let key = verifier
            .channel
            .webhook_notification_id(body)
            .unwrap_or_else(|| hex::encode(Sha256::digest(body)));
        let text = String::from_utf8_lossy(body);
        match self
            .store
            .store_webhook(channel, Some(account.id), &key, &text)
            .await
        {
            Ok(stored) => {
                let result = if stored { "stored" } else { "duplicate" };
                metrics::counter!("kho_webhooks_total", "channel" => channel.to_owned(), "result" => result).increment(1);
                self.wake.notify_one();
                (StatusCode::OK, "")
            }
            Err(e) => {
                tracing::error!(channel, error = %e, "cannot store a webhook; the marketplace will retry");
                (StatusCode::SERVICE_UNAVAILABLE, "")
            }
        }
    }

    /// Processes stored events until `stop`: fetch the orders named, ingest
    /// them. The orders named by a batch of one account's events are fetched
    /// in one call (the adapter splits it as the marketplace allows): during
    /// a flash sale one call per event made the ingestion lag behind the
    /// sales, and every sale kho has not ingested yet is one a push can hand
    /// out again.
    pub async fn process(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        loop {
            let events = self.store.pending_webhooks(100).await.unwrap_or_default();
            let mut retry_soon = false;
            // Per account (index into `accounts`), its events.
            let mut batches: Vec<(usize, Vec<OrderEvent>)> = Vec::new();
            for (id, _channel, account_id, body, attempts) in events {
                let Some(at) = self.accounts.iter().position(|a| Some(a.id) == account_id) else {
                    let _ = self
                        .store
                        .finish_webhook(id, Some("account no longer configured"))
                        .await;
                    continue;
                };
                match self.handle(&self.accounts[at], body.as_bytes()).await {
                    Ok(orders) if orders.is_empty() => {
                        let _ = self.store.finish_webhook(id, None).await;
                    }
                    Ok(orders) => match batches.iter_mut().find(|(a, _)| *a == at) {
                        Some((_, events)) => events.push((id, attempts, orders)),
                        None => batches.push((at, vec![(id, attempts, orders)])),
                    },
                    Err(e) => retry_soon |= self.failed(id, attempts, &e).await,
                }
            }
            for (at, events) in batches {
                retry_soon |= self.ingest_batch(&self.accounts[at], &events).await;
            }
            let wait = if retry_soon {
                Duration::from_secs(1)
            } else {
                Duration::from_secs(5)
            };
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
                _ = stop.changed() => return,
            }
            if *stop.borrow() {
                return;
            }
        }
    }

    /// Records a failed event: retried soon (true), or given up after ten
    /// attempts (polling will catch the order).
    async fn failed(&self, id: i64, attempts: i64, error: &str) -> bool {
        if attempts >= 10 {
            tracing::warn!(error = %error, "giving up on a webhook event; polling will catch the order");
            let _ = self.store.finish_webhook(id, Some(error)).await;
            false
        } else {
            let _ = self.store.fail_webhook(id, error).await;
            true
        }
    }

    /// Fetches the orders named by one account's events in one call and
    /// ingests each once; an event is done when all its orders are. Returns
    /// whether an event must be retried.
    async fn ingest_batch(
        &self,
        account: &AccountHandle,
        events: &[(i64, i64, Vec<String>)],
    ) -> bool {
        let mut ids: Vec<String> = Vec::new();
        for (_, _, orders) in events {
            for o in orders {
                if !ids.contains(o) {
                    ids.push(o.clone());
                }
            }
        }
        let fetched = match account.channel.get_orders(&ids).await {
            Ok(fetched) => fetched,
            Err(e) => {
                let mut retry = false;
                for (id, attempts, _) in events {
                    retry |= self.failed(*id, *attempts, &e.to_string()).await;
                }
                return retry;
            }
        };
        let mut failures: std::collections::HashMap<&str, String> = Default::default();
        for order in &fetched {
            if let Err(e) = super::intake::ingest(
                &self.store,
                account.id,
                &account.config.name,
                order,
                self.restock_on_return,
            )
            .await
            {
                failures.insert(order.order_id.as_str(), e.to_string());
            }
        }
        let mut retry = false;
        for (id, attempts, orders) in events {
            match orders.iter().find_map(|o| failures.get(o.as_str())) {
                None => {
                    let _ = self.store.finish_webhook(*id, None).await;
                }
                Some(e) => retry |= self.failed(*id, *attempts, e).await,
            }
        }
        retry
    }

    /// Acts on an event's account notices and returns the orders it names
    /// (fetched and ingested with the rest of the batch).
    async fn handle(&self, account: &AccountHandle, body: &[u8]) -> Result<Vec<String>, String> {
        let events = account
            .channel
            .parse_webhook(body)
            .map_err(|e| e.to_string())?;
        let mut orders = Vec::new();
        for event in events {
            match event {
                WebhookEvent::OrderStatusChanged { order_id, .. } => orders.push(order_id),
                WebhookEvent::Deauthorized { message, .. } => {
                    self.store
                        .set_account_state(
                            &account.config.name,
                            AccountState::NeedsReauth,
                            Some(&format!("seller deauthorised kho: {message}")),
                        )
                        .await
                        .map_err(|e| e.to_string())?;
                }
                WebhookEvent::AuthorizationExpiring {
                    message,
                    expires_at,
                    ..
                } => {
                    let when = expires_at
                        .map(|t| t.to_rfc3339())
                        .unwrap_or_else(|| "soon".into());
                    self.store
                        .set_account_state(
                            &account.config.name,
                            AccountState::Ok,
                            Some(&format!(
                                "authorisation expires {when}: re-authorise the shop ({message})"
                            )),
                        )
                        .await
                        .map_err(|e| e.to_string())?;
                }
                WebhookEvent::ListingStatusChanged { .. }
                | WebhookEvent::Verification
                | WebhookEvent::Other { .. } => {}
            }
        }
        Ok(orders)
    }
}
