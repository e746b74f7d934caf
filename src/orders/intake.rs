//! From a marketplace's order to an ingestion, and polling as the safety
//! net for lost webhooks: list the orders updated in a window (overlapping
//! the previous one), fetch their details and ingest each. A marketplace
//! that queues its events for kho to pull (Tiki) is drained first.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use kho_channel::{
    Channel, ChannelError, OrderQuery, OrderTimeField, PageToken, RemoteOrder, TimeWindow,
};
use serde::Serialize;

use crate::store::orders::{IngestLine, IngestOrder, IngestOutcome};
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error(transparent)]
    Channel(#[from] ChannelError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The marketplace's order as kho ingests it. Lines of the same listing are
/// merged (marketplaces that send one line per unit are already counted by
/// their adapter).
pub fn to_ingest(order: &RemoteOrder) -> IngestOrder {
    let mut lines: BTreeMap<String, IngestLine> = BTreeMap::new();
    for l in &order.lines {
        let key = format!(
            "{}/{}/{}",
            l.remote.item_id,
            l.remote.variant_id.clone().unwrap_or_default(),
            l.seller_sku
        );
        lines
            .entry(key.clone())
            .and_modify(|x| x.quantity += l.quantity)
            .or_insert(IngestLine {
                key,
                seller_sku: l.seller_sku.clone(),
                quantity: l.quantity,
                unit_price_vnd: l.unit_price_vnd,
            });
    }
    IngestOrder {
        remote_order_id: order.order_id.clone(),
        status: order.status,
        raw_status: order.raw_status.clone(),
        ordered_at: order
            .created_at
            .or(order.updated_at)
            .unwrap_or_else(Utc::now),
        remote_updated_at: order.updated_at,
        lines: lines.into_values().collect(),
    }
}

/// Ingests one order and counts it.
pub async fn ingest(
    store: &Store,
    account_id: i64,
    account: &str,
    order: &RemoteOrder,
    restock_on_return: bool,
) -> Result<IngestOutcome, StoreError> {
    let outcome = store
        .ingest_order(
            account_id,
            &to_ingest(order),
            restock_on_return,
            &format!("order:{account}"),
        )
        .await?;
    let result = if outcome.created {
        "created"
    } else if outcome.unchanged {
        "duplicate"
    } else {
        "updated"
    };
    metrics::counter!("kho_orders_ingested_total", "account" => account.to_owned(), "result" => result)
        .increment(1);
    if !outcome.unknown_skus.is_empty() {
        tracing::warn!(account, order = %order.order_id, unknown = ?outcome.unknown_skus, "order lines with unknown SKUs kept");
    }
    Ok(outcome)
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct PullReport {
    pub account: String,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub orders: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub unknown_skus: Vec<String>,
}

/// Drains the channel's event queue, if it has one, then fetches and
/// ingests every order updated in `window`.
pub async fn pull(
    store: &Store,
    channel: &dyn Channel,
    account_id: i64,
    window: TimeWindow,
    restock_on_return: bool,
) -> Result<PullReport, IntakeError> {
    let mut report = PullReport {
        account: channel.account().to_owned(),
        from: Some(window.from),
        to: Some(window.to),
        ..PullReport::default()
    };
    drain_events(store, channel, account_id, restock_on_return, &mut report).await?;
    // Marketplaces filter in whole seconds and exclude the window's end: an
    // order updated in the last second would wait for the next window.
    let query = OrderQuery {
        window: TimeWindow::new(window.from, window.to + chrono::Duration::seconds(1)),
        field: OrderTimeField::Updated,
    };
    let mut ids = Vec::new();
    let mut page: Option<PageToken> = None;
    loop {
        let got = channel.list_orders(&query, page.as_ref()).await?;
        ids.extend(got.items.into_iter().map(|r| r.order_id));
        match got.next {
            Some(next) => page = Some(next),
            None => break,
        }
    }
    ids.sort();
    ids.dedup();
    ingest_ids(
        store,
        channel,
        account_id,
        &ids,
        restock_on_return,
        &mut report,
    )
    .await?;
    Ok(report)
}

/// Most pulls of an event queue in one round; what is left waits for the
/// next round (unacknowledged, so nothing is lost).
const MAX_EVENT_PULLS: usize = 50;

/// Drains a marketplace's event queue (Tiki pulls instead of pushes): the
/// orders each batch names are fetched and ingested, and only then is the
/// batch acknowledged — with the next pull — so a crash in between makes the
/// marketplace deliver it again, which idempotent ingestion absorbs. Does
/// nothing for a channel without a queue.
pub async fn drain_events(
    store: &Store,
    channel: &dyn Channel,
    account_id: i64,
    restock_on_return: bool,
    report: &mut PullReport,
) -> Result<(), IntakeError> {
    let mut ack: Option<String> = None;
    for _ in 0..MAX_EVENT_PULLS {
        let Some(batch) = channel.pull_events(ack.as_deref()).await? else {
            return Ok(());
        };
        let mut ids: Vec<String> = batch
            .events
            .iter()
            .filter_map(|e| match e {
                kho_channel::WebhookEvent::OrderStatusChanged { order_id, .. } => {
                    Some(order_id.clone())
                }
                _ => None,
            })
            .collect();
        ids.sort();
        ids.dedup();
        ingest_ids(store, channel, account_id, &ids, restock_on_return, report).await?;
        match batch.ack {
            Some(next) if !batch.events.is_empty() => ack = Some(next),
            _ => return Ok(()),
        }
    }
    Ok(())
}

/// Fetches the orders `ids` in the channel's detail batches and ingests each.
async fn ingest_ids(
    store: &Store,
    channel: &dyn Channel,
    account_id: i64,
    ids: &[String],
    restock_on_return: bool,
    report: &mut PullReport,
) -> Result<(), IntakeError> {
    let chunk = channel.capabilities().max_order_details.max(1);
    for part in ids.chunks(chunk) {
        for order in channel.get_orders(part).await? {
            let outcome = ingest(
                store,
                account_id,
                channel.account(),
                &order,
                restock_on_return,
            )
            .await?;
            report.orders += 1;
            if outcome.created {
                report.created += 1;
            } else if outcome.unchanged {
                report.unchanged += 1;
            } else {
                report.updated += 1;
            }
            report.unknown_skus.extend(outcome.unknown_skus);
        }
    }
    Ok(())
}

/// One polling round: from the stored cursor (less an overlap, so an order
/// updated while the previous window closed is not missed) to now; the
/// cursor moves only after success.
pub async fn poll_once(
    store: &Store,
    channel: &dyn Channel,
    account_id: i64,
    overlap: chrono::Duration,
    first_window: chrono::Duration,
    restock_on_return: bool,
) -> Result<PullReport, IntakeError> {
    let to = Utc::now();
    let from = match store.order_cursor(account_id).await? {
        Some(c) => c - overlap,
        None => to - first_window,
    };
    let report = pull(
        store,
        channel,
        account_id,
        TimeWindow::new(from, to),
        restock_on_return,
    )
    .await?;
    store.set_order_cursor(account_id, to).await?;
    Ok(report)
}
