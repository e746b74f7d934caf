//! The operations whose entry points every adapter shares. [`crate::kit_channel!`] routes the
//! [`crate::Channel`] methods here; an adapter implements only the marketplace-specific step: one chunk of a
//! write, one page of listings from an already-decoded position. Decoding page tokens (and refusing foreign
//! ones) and cutting a write batch into chunks are the kit's, written once.

use async_trait::async_trait;

use crate::batch::BatchOutcome;
use crate::capabilities::Capabilities;
use crate::error::{ChannelError, ErrorKind};
use crate::kit::chunks::{BatchRun, CallResults};
use crate::kit::paging;
use crate::kit::write_call::WriteCall;
use crate::kit::writes::Writes;
use crate::listing::{ListingDraft, PublishedListing, RemoteId, RemoteListing, StatusChange};
use crate::order::{OrderRef, RemoteOrder};
use crate::paging::{OrderQuery, Page, PageToken};
use crate::transport::AccountClient;

/// What the kit's shared operation bodies need of an adapter's account. [`crate::kit_channel!`] implements it
/// from the adapter's `kit` field, so adapters never write it.
pub trait KitAccount {
    fn kit_http(&self) -> &AccountClient;
    fn kit_capabilities(&self) -> &Capabilities;
}

/// A stock or price batch write: what [`crate::kit_channel!`] calls for `update_stock`/`update_price`.
/// Adapters whose calls each carry one chunk of the account's [`crate::BatchScope`] get it from
/// [`ChunkedWrites`]; one that packs its calls itself (Lazada) implements it directly.
#[async_trait]
pub trait BatchWrites {
    async fn write_batch(&self, writes: Writes<'_>) -> BatchOutcome<RemoteId>;
}

/// Writes sent one chunk per call, chunked by the kit (see [`Writes::send`]).
#[async_trait]
pub trait ChunkedWrites: KitAccount + Sync {
    /// The `(stock, price)` endpoints, named in the errors of updates no call reported on.
    const WRITE_ENDPOINTS: (&'static str, &'static str);

    /// Make one call for one chunk; returns a result per entry of the call.
    async fn write_chunk(&self, call: WriteCall<'_>) -> Result<CallResults, ChannelError>;
}

#[async_trait]
impl<T: ChunkedWrites> BatchWrites for T {
    async fn write_batch(&self, writes: Writes<'_>) -> BatchOutcome<RemoteId> {
        let send = |endpoint, chunk| self.write_chunk(writes.call(endpoint, chunk));
        writes
            .send(
                self.kit_capabilities(),
                self.kit_http(),
                T::WRITE_ENDPOINTS,
                send,
            )
            .await
    }
}

/// Listing status changes: what [`crate::kit_channel!`] calls for `set_status`. Adapters whose calls carry
/// several items of one endpoint get it from [`ChunkedStatus`]; one that sends each change its own way
/// (Lazada: one product per call, in input order) implements it directly.
#[async_trait]
pub trait StatusWrites {
    async fn write_status(
        &self,
        changes: &[StatusChange],
    ) -> Result<BatchOutcome<String>, ChannelError>;
}

/// One status change bound for a call: its index in the batch, the change, and its item id as the
/// marketplace's calls carry it.
pub struct StatusItem<'a, I> {
    pub index: usize,
    pub change: &'a StatusChange,
    pub id: I,
}

/// Status changes grouped by endpoint, their ids checked before anything is sent, and sent at most
/// `max_status_items` per call, activations first.
#[async_trait]
pub trait ChunkedStatus: KitAccount + Sync {
    /// An item id as the marketplace's calls carry it.
    type Id: Send + Sync;

    /// The endpoints that make an item active and inactive, in that order; the same one twice where one
    /// call carries either (Shopee, Tiki). Unsent changes are reported against the activation endpoint.
    const STATUS_ENDPOINTS: (&'static str, &'static str);

    /// The endpoint for a change to `active`.
    fn status_endpoint(active: bool) -> &'static str {
        if active {
            Self::STATUS_ENDPOINTS.0
        } else {
            Self::STATUS_ENDPOINTS.1
        }
    }

    /// The id of `item_id`, or why it cannot be one (the change then fails without a call).
    fn status_id(item_id: &str) -> Result<Self::Id, ErrorKind>;

    /// One call for `items` (all bound for `endpoint`); a result per item.
    async fn status_call(
        &self,
        endpoint: &'static str,
        items: &[StatusItem<'_, Self::Id>],
    ) -> Result<CallResults, ChannelError>;
}

#[async_trait]
impl<T: ChunkedStatus> StatusWrites for T {
    async fn write_status(
        &self,
        changes: &[StatusChange],
    ) -> Result<BatchOutcome<String>, ChannelError> {
        let mut run = BatchRun::new(changes.len());
        let per_call = self.kit_capabilities().max_status_items.max(1);
        let (on, off) = (T::status_endpoint(true), T::status_endpoint(false));
        let endpoints = if on == off { vec![on] } else { vec![on, off] };
        for endpoint in endpoints {
            let mut items = Vec::new();
            for (index, change) in changes.iter().enumerate() {
                if T::status_endpoint(change.active) != endpoint {
                    continue;
                }
                match T::status_id(&change.item_id) {
                    Ok(id) => items.push(StatusItem { index, change, id }),
                    Err(kind) => run.set(index, Err(self.kit_http().error(endpoint, kind))),
                }
            }
            for chunk in items.chunks(per_call) {
                let indices: Vec<usize> = chunk.iter().map(|item| item.index).collect();
                run.send(&indices, self.status_call(endpoint, chunk)).await;
            }
        }
        Ok(run.finish_changes(changes, self.kit_http(), on))
    }
}

/// One page of listings.
pub type ListingPage = Result<Page<RemoteListing>, ChannelError>;

/// The product list, one page at a time: what [`crate::kit_channel!`] calls for `list_listings`. Offset-paged
/// lists get it from [`OffsetListings`]; one paged by the marketplace's own cursor (TikTok) implements it
/// directly, passing the token back with [`paging::cursor`].
#[async_trait]
pub trait ListingPages {
    async fn listings_page(&self, page: Option<&PageToken>) -> ListingPage;
}

/// A product list paged by offset (Shopee, Lazada): the kit decodes the page token and refuses a foreign one.
#[async_trait]
pub trait OffsetListings: KitAccount + Sync {
    /// The endpoint a refused page token is reported against.
    const LISTINGS_ENDPOINT: &'static str;

    /// One page of listings from `offset`, with the token of the next page if there is one.
    async fn listings_at(&self, offset: i64) -> ListingPage;
}

#[async_trait]
impl<T: OffsetListings> ListingPages for T {
    async fn listings_page(&self, page: Option<&PageToken>) -> ListingPage {
        let offset = paging::offset(page)
            .map_err(|kind| self.kit_http().error(T::LISTINGS_ENDPOINT, kind))?;
        self.listings_at(offset).await
    }
}

/// A published listing, or why publishing failed.
pub type Published = Result<PublishedListing, ChannelError>;

/// One page of order references.
pub type OrderPage = Result<Page<OrderRef>, ChannelError>;

/// Publishing a new listing: what [`crate::kit_channel!`] calls for `publish`. Drafts are checked against
/// the marketplace's [`crate::kit::DraftRules`] before any image is uploaded.
#[async_trait]
pub trait Publishing {
    async fn publish_listing(&self, draft: &ListingDraft) -> Published;
}

/// Orders: what [`crate::kit_channel!`] calls for `list_orders` and `get_orders` (same contracts).
#[async_trait]
pub trait Orders {
    async fn orders_page(&self, query: &OrderQuery, page: Option<&PageToken>) -> OrderPage;

    async fn order_details(&self, ids: &[String]) -> Result<Vec<RemoteOrder>, ChannelError>;
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroU32;
    use std::sync::Mutex;
    use std::time::Duration;

    use super::*;
    use crate::capabilities::{BatchScope, TokenModel};
    use crate::transport::{RateLimit, Transport, TransportConfig};

    /// A marketplace with separate activate/deactivate endpoints, two items per call and numeric ids.
    struct Fake {
        http: AccountClient,
        capabilities: Capabilities,
        calls: Mutex<Vec<(&'static str, Vec<u32>)>>,
    }

    impl KitAccount for Fake {
        fn kit_http(&self) -> &AccountClient {
            &self.http
        }

        fn kit_capabilities(&self) -> &Capabilities {
            &self.capabilities
        }
    }

    #[async_trait]
    impl ChunkedStatus for Fake {
        type Id = u32;

        const STATUS_ENDPOINTS: (&'static str, &'static str) = ("/on", "/off");

        fn status_id(item_id: &str) -> Result<u32, ErrorKind> {
            item_id
                .parse()
                .map_err(|_| ErrorKind::invalid_request("bad_remote_id", item_id.to_owned()))
        }

        async fn status_call(
            &self,
            endpoint: &'static str,
            items: &[StatusItem<'_, u32>],
        ) -> Result<CallResults, ChannelError> {
            let ids = items.iter().map(|item| item.id).collect();
            self.calls.lock().unwrap().push((endpoint, ids));
            Ok(items.iter().map(|item| (item.index, Ok(()))).collect())
        }
    }

    fn fake() -> Fake {
        let transport = Transport::new(TransportConfig::default()).unwrap();
        let rate = RateLimit::per_second(NonZeroU32::new(100).unwrap());
        let capabilities = Capabilities {
            channel: "fake",
            stock_batch: BatchScope::PerItem { max_variants: None },
            price_batch: BatchScope::PerItem { max_variants: None },
            max_status_items: 2,
            max_order_details: 1,
            max_order_window: None,
            webhooks: false,
            tokens: TokenModel::rotating(Duration::from_secs(60), Duration::from_secs(1)),
        };
        Fake {
            http: transport.account("fake", "acct".to_owned(), rate).unwrap(),
            capabilities,
            calls: Mutex::new(Vec::new()),
        }
    }

    #[tokio::test]
    async fn status_changes_go_per_endpoint_in_chunks_and_bad_ids_fail_unsent() {
        let fake = fake();
        let changes: Vec<StatusChange> = [("1", true), ("2", false), ("x", true), ("3", true)]
            .into_iter()
            .chain([("4", false), ("5", true)])
            .map(|(id, active)| StatusChange {
                item_id: id.into(),
                active,
            })
            .collect();
        let outcome = fake.write_status(&changes).await.unwrap();
        assert_eq!(
            *fake.calls.lock().unwrap(),
            vec![("/on", vec![1, 3]), ("/on", vec![5]), ("/off", vec![2, 4])]
        );
        let keys: Vec<&str> = outcome.results.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["1", "2", "x", "3", "4", "5"]);
        let failed: Vec<&String> = outcome.failures().map(|(k, _)| k).collect();
        assert_eq!(failed, [&"x".to_owned()]);
        let err = outcome.results[2].outcome.as_ref().unwrap_err();
        assert!(format!("{err:?}").contains("/on"), "{err:?}");
    }
}
