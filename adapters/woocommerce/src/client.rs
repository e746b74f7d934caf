//! The channel for one WooCommerce site: the contract's operations over the modules that speak the wire.
//! WooCommerce has no tokens, so there is nothing to refresh and no token store; every call goes through the
//! account's [`AccountClient`] (rate limiter, retries) signed as [`crate::sign`] says.

use std::sync::Arc;

use async_trait::async_trait;
use kho_channel::kit::paging::offset;
use kho_channel::kit::units::whole_vnd;
use kho_channel::transport::{AccountClient, Transport, TransportError};
use kho_channel::{
    BatchOutcome, BatchScope, Capabilities, Channel, ChannelError, ErrorKind, ListingDraft,
    ListingStatus, OrderQuery, OrderRef, OrderTimeField, Page, PageToken, PriceUpdate,
    PublishedListing, RemoteId, RemoteListing, RemoteOrder, StatusChange, StockUpdate, TokenModel,
    WebhookError, WebhookEvent, WebhookRequest,
};
use reqwest::Method;
use secrecy::SecretString;

use crate::classify::Shape;
use crate::inventory::{BATCH_LIMIT, Write};
use crate::listings::{PER_PAGE, Page as WooPage, WooItem};
use crate::orders::{WooOrder, canonical_status, to_remote_order};
use crate::sign::{Call, Credentials};
use crate::{CHANNEL, WooCommerceAccountConfig, publish, push, writes};

/// What the core plans with. Writes go 100 to a batch call: variations per parent product, products without
/// variations together — the writes are cut by this very scope, so `kho sync --dry-run` counts true calls.
pub fn capabilities() -> Capabilities {
    Capabilities {
        channel: CHANNEL,
        stock_batch: BATCH_SCOPE,
        price_batch: BATCH_SCOPE,
        max_status_items: BATCH_LIMIT,
        max_order_details: 1,
        max_order_window: None,
        webhooks: true,
        tokens: TokenModel::none(),
    }
}

/// How stock, price and status writes are grouped into `products/batch` and `variations/batch` calls.
pub const BATCH_SCOPE: BatchScope = BatchScope::PerParent {
    max_variants: BATCH_LIMIT,
};

/// One cooperative's WooCommerce site.
pub struct WooCommerceChannel {
    pub(crate) http: AccountClient,
    pub(crate) creds: Credentials,
    webhook_secret: SecretString,
    capabilities: Capabilities,
}

impl std::fmt::Debug for WooCommerceChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WooCommerceChannel")
            .field("account", &self.http.account())
            .field("base_url", &self.creds.base_url.as_str())
            .finish_non_exhaustive()
    }
}

impl WooCommerceChannel {
    pub fn new(
        config: WooCommerceAccountConfig,
        transport: &Arc<Transport>,
    ) -> Result<Self, TransportError> {
        let http = transport.account(CHANNEL, config.name, config.rate_limit)?;
        Ok(Self {
            http,
            creds: Credentials {
                base_url: config.base_url,
                consumer_key: config.consumer_key,
                consumer_secret: config.consumer_secret,
                credentials_in_query: config.credentials_in_query,
            },
            webhook_secret: config.webhook_secret,
            capabilities: capabilities(),
        })
    }

    async fn page_of<T: serde::de::DeserializeOwned + Send>(
        &self,
        endpoint: &'static str,
        path: String,
        params: Vec<(&'static str, String)>,
    ) -> Result<WooPage<T>, ChannelError> {
        let mut call: Call<'_, WooPage<T>> =
            Call::without_token(&self.creds, Method::GET, endpoint, Shape::Page).at(path);
        for (k, v) in params {
            call = call.param(k, v);
        }
        self.http.execute(&call).await
    }

    fn bad_token(&self, endpoint: &str, kind: ErrorKind) -> ChannelError {
        self.http.error(endpoint, kind)
    }
}

fn listing(id: RemoteId, item: &WooItem, title: &str) -> RemoteListing {
    RemoteListing {
        id,
        seller_sku: item.sku.clone(),
        title: title.to_owned(),
        stock: item.stock_quantity.unwrap_or(0),
        price_vnd: item.regular_price.trim().parse().map_or(0, whole_vnd),
        status: match item.status.as_str() {
            "publish" => ListingStatus::Active,
            "pending" => ListingStatus::UnderReview,
            _ => ListingStatus::Inactive,
        },
        held_stock: None,
    }
}

#[async_trait]
impl Channel for WooCommerceChannel {
    fn account(&self) -> &str {
        self.http.account()
    }

    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    /// A page of products; a variable product stands for its variations, read in full.
    async fn list_listings(
        &self,
        page: Option<&PageToken>,
    ) -> Result<Page<RemoteListing>, ChannelError> {
        let at = offset(page).map_err(|k| self.bad_token("/products", k))?;
        let number = at + 1;
        let products: WooPage<WooItem> = self
            .page_of(
                "/products",
                "/products".into(),
                vec![
                    ("per_page", PER_PAGE.to_string()),
                    ("page", number.to_string()),
                ],
            )
            .await?;
        let mut items = Vec::new();
        for product in &products.items {
            if product.kind != "variable" {
                items.push(listing(
                    RemoteId::item(product.id.to_string()),
                    product,
                    &product.name,
                ));
                continue;
            }
            let mut vpage = 1u64;
            loop {
                let variations: WooPage<WooItem> = self
                    .page_of(
                        "/products/{id}/variations",
                        format!("/products/{}/variations", product.id),
                        vec![
                            ("per_page", PER_PAGE.to_string()),
                            ("page", vpage.to_string()),
                        ],
                    )
                    .await?;
                for v in &variations.items {
                    let id = RemoteId::variant(product.id.to_string(), v.id.to_string());
                    items.push(listing(id, v, &product.name));
                }
                if vpage >= variations.total_pages {
                    break;
                }
                vpage += 1;
            }
        }
        let more = u64::try_from(number).is_ok_and(|n| n < products.total_pages);
        Ok(Page {
            items,
            next: more.then(|| PageToken(number.to_string())),
        })
    }

    async fn update_stock(
        &self,
        updates: &[StockUpdate],
    ) -> Result<BatchOutcome<RemoteId>, ChannelError> {
        let w = updates
            .iter()
            .map(|u| (u.id.clone(), Write::Stock(u.stock)))
            .collect();
        Ok(writes::write_by_id(&self.http, &self.creds, "update_stock", w).await)
    }

    async fn update_price(
        &self,
        updates: &[PriceUpdate],
    ) -> Result<BatchOutcome<RemoteId>, ChannelError> {
        let w = updates
            .iter()
            .map(|u| (u.id.clone(), Write::Price(u.price_vnd)))
            .collect();
        Ok(writes::write_by_id(&self.http, &self.creds, "update_price", w).await)
    }

    async fn set_status(
        &self,
        changes: &[StatusChange],
    ) -> Result<BatchOutcome<String>, ChannelError> {
        Ok(writes::set_listed(&self.http, &self.creds, changes).await)
    }

    async fn publish(&self, draft: &ListingDraft) -> Result<PublishedListing, ChannelError> {
        publish::publish(&self.http, &self.creds, draft).await
    }

    /// Orders changed (or created) in the window, newest first, 100 to a page.
    async fn list_orders(
        &self,
        query: &OrderQuery,
        page: Option<&PageToken>,
    ) -> Result<Page<OrderRef>, ChannelError> {
        let at = offset(page).map_err(|k| self.bad_token("/orders", k))?;
        let number = at + 1;
        let stamp = |t: chrono::DateTime<chrono::Utc>| {
            t.naive_utc().format("%Y-%m-%dT%H:%M:%S").to_string()
        };
        let (after, before) = match query.field {
            OrderTimeField::Updated => ("modified_after", "modified_before"),
            OrderTimeField::Created => ("after", "before"),
        };
        let orders: WooPage<WooOrder> = self
            .page_of(
                "/orders",
                "/orders".into(),
                vec![
                    (after, stamp(query.window.from)),
                    (before, stamp(query.window.to)),
                    ("dates_are_gmt", "true".into()),
                    ("per_page", PER_PAGE.to_string()),
                    ("page", number.to_string()),
                ],
            )
            .await?;
        let items = orders
            .items
            .iter()
            .map(|o| OrderRef::new(o.id.to_string(), canonical_status(&o.status)))
            .collect();
        let more = u64::try_from(number).is_ok_and(|n| n < orders.total_pages);
        Ok(Page {
            items,
            next: more.then(|| PageToken(number.to_string())),
        })
    }

    /// One call per order; an order the site does not know (or whose status kho does not know) is left out.
    async fn get_orders(&self, order_ids: &[String]) -> Result<Vec<RemoteOrder>, ChannelError> {
        let mut out = Vec::new();
        for id in order_ids {
            let call: Call<'_, WooOrder> =
                Call::without_token(&self.creds, Method::GET, "/orders/{id}", Shape::Json)
                    .at(format!("/orders/{id}"));
            match self.http.execute(&call).await {
                Ok(order) => out.extend(to_remote_order(&order)),
                Err(e) if matches!(e.kind, ErrorKind::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// WooCommerce authenticates every call with the API key: there is no token to refresh.
    async fn refresh_tokens_if_due(&self) -> Result<(), ChannelError> {
        Ok(())
    }

    fn verify_webhook(&self, request: &WebhookRequest<'_>) -> Result<(), WebhookError> {
        push::verify_request(&self.webhook_secret, request)
    }

    fn parse_webhook(&self, body: &[u8]) -> Result<Vec<WebhookEvent>, WebhookError> {
        push::parse_webhook(self.creds.base_url.as_str(), body)
    }
}
