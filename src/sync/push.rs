//! Pushing planned changes to a marketplace and recording what it
//! acknowledged. One account at a time; the adapter batches as its
//! capabilities allow and reports one result per listing.

use std::collections::HashMap;

use kho_channel::{Channel, ChannelError, ErrorKind, PriceUpdate, RemoteId, StockUpdate};
use serde::Serialize;

use super::plan::{Change, Field};
use crate::store::accounts::AccountState;
use crate::store::{Store, StoreError};

/// A change the marketplace refused, with its own words.
#[derive(Debug, Clone, Serialize)]
pub struct Failed {
    pub sku: String,
    pub field: Field,
    pub to: i64,
    pub error: String,
}

#[derive(Debug, Default, Serialize)]
pub struct PushReport {
    pub applied: usize,
    pub failed: Vec<Failed>,
}

#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// Nothing could be attempted (authorisation, network).
    #[error(transparent)]
    Channel(#[from] ChannelError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn remote_id(c: &Change) -> RemoteId {
    if c.remote_variant_id.is_empty() {
        RemoteId::item(c.remote_item_id.clone())
    } else {
        RemoteId::variant(c.remote_item_id.clone(), c.remote_variant_id.clone())
    }
}

/// Pushes `changes` (stock first: it is what prevents overselling) and
/// records each acknowledged value. An account whose authorisation is gone
/// is marked `needs_reauth`.
pub async fn push(
    store: &Store,
    channel: &dyn Channel,
    changes: &[Change],
) -> Result<PushReport, PushError> {
    let mut report = PushReport::default();
    for field in [Field::Stock, Field::Price] {
        let batch: Vec<&Change> = changes.iter().filter(|c| c.field == field).collect();
        if batch.is_empty() {
            continue;
        }
        let by_id: HashMap<RemoteId, &Change> = batch.iter().map(|c| (remote_id(c), *c)).collect();
        let outcome = match field {
            Field::Stock => {
                let updates: Vec<StockUpdate> = batch
                    .iter()
                    .map(|c| StockUpdate {
                        id: remote_id(c),
                        stock: c.to,
                    })
                    .collect();
                channel.update_stock(&updates).await
            }
            Field::Price => {
                let updates: Vec<PriceUpdate> = batch
                    .iter()
                    .map(|c| PriceUpdate {
                        id: remote_id(c),
                        price_vnd: c.to,
                    })
                    .collect();
                channel.update_price(&updates).await
            }
        };
        let outcome = match outcome {
            Ok(o) => o,
            Err(e) => {
                mark_account(store, channel.account(), &e).await?;
                return Err(e.into());
            }
        };
        for result in outcome.results {
            let Some(change) = by_id.get(&result.key) else {
                continue;
            };
            match result.outcome {
                Ok(()) => {
                    let (stock, price) = match field {
                        Field::Stock => (Some(change.to), None),
                        Field::Price => (None, Some(change.to)),
                    };
                    store.record_ack(change.listing_id, stock, price).await?;
                    report.applied += 1;
                }
                Err(e) => report.failed.push(Failed {
                    sku: change.sku.clone(),
                    field,
                    to: change.to,
                    error: e.to_string(),
                }),
            }
        }
    }
    Ok(report)
}

/// Records an account-wide failure where people will look for it.
pub async fn mark_account(
    store: &Store,
    account: &str,
    e: &ChannelError,
) -> Result<(), StoreError> {
    let state = match e.kind {
        ErrorKind::ReauthRequired { .. } => AccountState::NeedsReauth,
        _ => AccountState::Ok,
    };
    store
        .set_account_state(account, state, Some(&e.to_string()))
        .await
}
