//! Orders: idempotent ingestion with stock reservations and sales in the
//! same transaction as the desired-state recomputation of every affected
//! listing (so a sale on one marketplace is queued for all the others before
//! the ingestion commits), webhook events, polling cursors, and the figures
//! read back for listings and reports.

pub mod state;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use kho_channel::OrderStatus;
use serde::Serialize;

use super::inventory::{Entry, MovementKind, move_stock};
use super::{Result, Store, StoreError, in_tx, now, with_pool};
use crate::outbox::desired::refresh_desired;
use state::LineState;

/// How far a marketplace's event time may be from kho's clock (truncation
/// to whole seconds plus clock skew).
const EVENT_TIME_UNCERTAINTY: chrono::Duration = chrono::Duration::seconds(2);

/// One line of an order to ingest.
#[derive(Debug, Clone)]
pub struct IngestLine {
    /// Stable across fetches of the same order (item, variant and SKU).
    pub key: String,
    pub seller_sku: String,
    pub quantity: i64,
    pub unit_price_vnd: i64,
}

#[derive(Debug, Clone)]
pub struct IngestOrder {
    pub remote_order_id: String,
    pub status: OrderStatus,
    pub raw_status: String,
    pub ordered_at: DateTime<Utc>,
    pub remote_updated_at: Option<DateTime<Utc>>,
    pub lines: Vec<IngestLine>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestOutcome {
    pub order_id: i64,
    pub created: bool,
    /// Nothing changed: a duplicate, or an out-of-date event.
    pub unchanged: bool,
    pub status: String,
    /// Seller SKUs of lines kho does not know for this account's producer.
    pub unknown_skus: Vec<String>,
    /// Listing jobs queued by the ingestion.
    pub jobs_queued: usize,
}

#[derive(sqlx::FromRow)]
struct LineRow {
    id: i64,
    line_key: String,
    variant_id: Option<i64>,
    quantity: i64,
    reserved: i64,
    sold: i64,
    restocked: i64,
}

/// An ingested order, for `kho orders list` and the API.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct OrderRow {
    pub id: i64,
    pub account: String,
    pub channel: String,
    pub remote_order_id: String,
    pub status: String,
    pub raw_status: String,
    pub total_vnd: i64,
    pub ordered_at: DateTime<Utc>,
    pub units: i64,
    pub unknown_lines: i64,
}

/// One sold line, for sales reports.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SaleLine {
    pub order_id: i64,
    pub ordered_at: DateTime<Utc>,
    pub channel: String,
    pub account: String,
    pub producer: String,
    /// The producer's name, for reports people read (empty like `producer`).
    pub producer_name: String,
    /// The producer's district (empty for an SKU kho does not know).
    pub district: String,
    pub product: String,
    /// The product's OCOP stars in the catalog now (not at the sale).
    pub ocop_stars: Option<i64>,
    pub sku: String,
    pub quantity: i64,
    pub unit_price_vnd: i64,
}

/// Order figures for `kho status`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OrderStats {
    /// Orders first seen since the given time, by canonical status.
    pub by_status: Vec<(String, i64)>,
    /// Order lines whose SKU kho does not know (to link or import).
    pub unknown_sku_lines: i64,
    /// Webhook deliveries stored but not processed yet.
    pub webhook_backlog: i64,
}

impl Store {
    pub async fn order_stats(&self, since: DateTime<Utc>) -> Result<OrderStats> {
        let (by_status, unknown, backlog): (Vec<(String, i64)>, i64, i64) = with_pool!(
            self,
            |pool| {
                let by_status = sqlx::query_as(
                "SELECT status, COUNT(*) FROM orders WHERE ordered_at >= $1 GROUP BY status ORDER BY status",
            )
            .bind(since)
            .fetch_all(pool)
            .await?;
                let unknown = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM order_lines WHERE variant_id IS NULL AND quantity > 0",
                )
                .fetch_one(pool)
                .await?;
                let backlog = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM webhook_events WHERE processed_at IS NULL",
                )
                .fetch_one(pool)
                .await?;
                (by_status, unknown, backlog)
            }
        );
        Ok(OrderStats {
            by_status,
            unknown_sku_lines: unknown,
            webhook_backlog: backlog,
        })
    }

    /// Ingests one order as the marketplace shows it now. Seeing the same
    /// order again changes nothing; a later status moves stock by the
    /// difference only; an older status than the one recorded is ignored.
    pub async fn ingest_order(
        &self,
        account_id: i64,
        order: &IngestOrder,
        restock_on_return: bool,
        actor: &str,
    ) -> Result<IngestOutcome> {
        let at = now();
        let q = self.order_context(account_id);
        let burst_window = self.stock_policy().burst_window;
        let total: i64 = order
            .lines
            .iter()
            .map(|l| l.quantity.saturating_mul(l.unit_price_vnd))
            .sum();
        let reference = format!("order:{}", order.remote_order_id);
        let outcome = in_tx!(self, replayable, |tx| {
            let existed: Option<String> = sqlx::query_scalar(
                "SELECT status FROM orders WHERE account_id = $1 AND remote_order_id = $2",
            )
            .bind(account_id)
            .bind(&order.remote_order_id)
            .fetch_optional(&mut *tx)
            .await?;
            // Inserting, or touching the row, locks it (PostgreSQL) so that
            // concurrent ingestions of one order take turns.
            let (order_id, current): (i64, String) = sqlx::query_as(
                "INSERT INTO orders (account_id, remote_order_id, status, raw_status, total_vnd, \
                 ordered_at, remote_updated_at, first_seen_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
                 ON CONFLICT (account_id, remote_order_id) DO UPDATE SET first_seen_at = orders.first_seen_at \
                 RETURNING id, status",
            )
            .bind(account_id)
            .bind(&order.remote_order_id)
            .bind(state::as_str(order.status))
            .bind(&order.raw_status)
            .bind(total)
            .bind(order.ordered_at)
            .bind(order.remote_updated_at)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            let current = state::parse(&current)
                .ok_or_else(|| StoreError::Corrupt(format!("order status {current:?}")))?;
            let mut effective = state::effective(current, order.status);
            let applies = effective == order.status;
            // A cancellation after the parcel left (a refused cash-on-delivery
            // parcel, a return to sender) is a return on its way back: the
            // units stay off the shelf until the return is received.
            let after_pickup = effective == OrderStatus::Cancelled
                && matches!(current, OrderStatus::Shipped | OrderStatus::Delivered);
            if after_pickup {
                effective = OrderStatus::Returned;
            }
            let mut outcome = IngestOutcome {
                order_id,
                created: existed.is_none(),
                status: state::as_str(effective).to_owned(),
                ..IngestOutcome::default()
            };
            if applies {
                let (awaiting, received): (bool, bool) = sqlx::query_as(
                    "SELECT awaiting_return, return_received FROM orders WHERE id = $1",
                )
                .bind(order_id)
                .fetch_one(&mut *tx)
                .await?;
                // The marketplace's return-completed status confirms the
                // return; until then (or a person's confirmation) units of a
                // cancellation after pickup are on the road.
                let awaiting = if after_pickup {
                    true
                } else if order.status == OrderStatus::Returned {
                    false
                } else {
                    awaiting
                };
                let restock = received || (!awaiting && restock_on_return);
                sqlx::query(
                    "UPDATE orders SET status = $2, raw_status = $3, total_vnd = $4, \
                     remote_updated_at = $5, updated_at = $6, awaiting_return = $7 WHERE id = $1",
                )
                .bind(order_id)
                .bind(state::as_str(effective))
                .bind(&order.raw_status)
                .bind(total)
                .bind(order.remote_updated_at)
                .bind(at)
                .bind(awaiting)
                .execute(&mut *tx)
                .await?;
                let producer_id: Option<i64> =
                    sqlx::query_scalar("SELECT producer_id FROM channel_accounts WHERE id = $1")
                        .bind(account_id)
                        .fetch_one(&mut *tx)
                        .await?;
                let existing: Vec<LineRow> = sqlx::query_as(
                    "SELECT id, line_key, variant_id, quantity, reserved, sold, restocked \
                     FROM order_lines WHERE order_id = $1",
                )
                .bind(order_id)
                .fetch_all(&mut *tx)
                .await?;
                let mut by_key: HashMap<String, LineRow> = existing
                    .into_iter()
                    .map(|l| (l.line_key.clone(), l))
                    .collect();
                // Lines no longer on the order (cancelled units) hold nothing.
                let mut lines: Vec<(LineRow, i64)> = Vec::new();
                for l in &order.lines {
                    match by_key.remove(&l.key) {
                        Some(row) => lines.push((row, l.quantity)),
                        None => {
                            let variant_id: Option<i64> = sqlx::query_scalar(
                                "SELECT v.id FROM variants v JOIN products p ON p.id = v.product_id \
                                 WHERE v.sku = $1 AND p.producer_id = $2",
                            )
                            .bind(&l.seller_sku)
                            .bind(producer_id)
                            .fetch_optional(&mut *tx)
                            .await?;
                            let id: i64 = sqlx::query_scalar(
                                "INSERT INTO order_lines (order_id, line_key, seller_sku, variant_id, \
                                 quantity, unit_price_vnd) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                            )
                            .bind(order_id)
                            .bind(&l.key)
                            .bind(&l.seller_sku)
                            .bind(variant_id)
                            .bind(l.quantity)
                            .bind(l.unit_price_vnd)
                            .fetch_one(&mut *tx)
                            .await?;
                            lines.push((
                                LineRow {
                                    id,
                                    line_key: l.key.clone(),
                                    variant_id,
                                    quantity: l.quantity,
                                    reserved: 0,
                                    sold: 0,
                                    restocked: 0,
                                },
                                l.quantity,
                            ));
                        }
                    }
                }
                lines.extend(by_key.into_values().map(|row| (row, 0)));
                let mut touched = Vec::new();
                // Listings of this shop to correct once its orders go quiet:
                // (variant, pushed at or after) — `None` whatever kho pushed.
                let mut corrections: Vec<(i64, Option<DateTime<Utc>>)> = Vec::new();
                let mut changed = current != order.status || outcome.created;
                for (row, quantity) in &lines {
                    let Some(variant_id) = row.variant_id else {
                        outcome.unknown_skus.push(row.line_key.clone());
                        continue;
                    };
                    let have = LineState {
                        reserved: row.reserved,
                        sold: row.sold,
                        restocked: row.restocked,
                    };
                    let want = state::target(effective, *quantity, restock);
                    if after_pickup {
                        // Marketplaces may put a refused parcel's units back
                        // on the listing by themselves; kho counts them only
                        // when the return is received, so the shop is
                        // brought to its allocation once its orders go quiet.
                        corrections.push((variant_id, None));
                    }
                    if have == want && row.quantity == *quantity {
                        continue;
                    }
                    changed = true;
                    let location: i64 = sqlx::query_scalar(
                        "SELECT l.id FROM locations l JOIN products p ON p.producer_id = l.producer_id \
                         JOIN variants v ON v.product_id = p.id WHERE v.id = $1 AND l.is_default",
                    )
                    .bind(variant_id)
                    .fetch_one(&mut *tx)
                    .await?;
                    let d_reserved = want.reserved - have.reserved;
                    if d_reserved != 0 {
                        sqlx::query(
                            "INSERT INTO stock_levels (variant_id, location_id, on_hand, reserved) \
                             VALUES ($1, $2, 0, 0) ON CONFLICT (variant_id, location_id) DO NOTHING",
                        )
                        .bind(variant_id)
                        .bind(location)
                        .execute(&mut *tx)
                        .await?;
                        sqlx::query(
                            "UPDATE stock_levels SET reserved = CASE WHEN reserved + $3 < 0 THEN 0 \
                             ELSE reserved + $3 END WHERE variant_id = $1 AND location_id = $2",
                        )
                        .bind(variant_id)
                        .bind(location)
                        .bind(d_reserved)
                        .execute(&mut *tx)
                        .await?;
                    }
                    let d_sold = want.sold - have.sold;
                    if d_sold > 0 {
                        move_stock(
                            &mut tx,
                            &Entry {
                                variant_id,
                                location_id: location,
                                kind: MovementKind::Sale,
                                delta: -d_sold,
                                lot: None,
                                reason: "marketplace sale",
                                reference: Some(&reference),
                                actor,
                                at,
                            },
                        )
                        .await?;
                    } else if d_sold < 0 {
                        move_stock(
                            &mut tx,
                            &Entry {
                                variant_id,
                                location_id: location,
                                kind: MovementKind::Cancellation,
                                delta: -d_sold,
                                lot: None,
                                reason: "sale cancelled",
                                reference: Some(&reference),
                                actor,
                                at,
                            },
                        )
                        .await?;
                    }
                    let d_restocked = want.restocked - have.restocked;
                    if d_restocked != 0 {
                        move_stock(
                            &mut tx,
                            &Entry {
                                variant_id,
                                location_id: location,
                                kind: MovementKind::Return,
                                delta: d_restocked,
                                lot: None,
                                reason: "return completed",
                                reference: Some(&reference),
                                actor,
                                at,
                            },
                        )
                        .await?;
                    }
                    // The marketplace took (or, on cancellation, gave back)
                    // these units on its own: its listing shows that already,
                    // and they count against this account's partition quota.
                    // Unless kho's last acknowledged push came after the
                    // event: that absolute value overwrote the marketplace's
                    // own change, so the listing shows the pushed value and
                    // the new one must be pushed (never assumed shown).
                    // Marketplace times are whole seconds on clocks that are
                    // not kho's, so near the push kho cannot tell; it then
                    // assumes whichever order of events makes it push: a
                    // sale as overwritten, a cancellation as applied: a
                    // missed push leaves the shop showing units that are
                    // gone. The extra push of an absolute value is not
                    // harmless while the shop is still selling (it would
                    // put back units sold but not reported yet), so it
                    // waits until this listing's orders go quiet (see
                    // `QueueContext::order_account`).
                    let held = (want.reserved + want.sold) - (have.reserved + have.sold);
                    if held != 0 {
                        // The burst guard's window: units ordered, and when
                        // the SKU's orders last moved (quiet is measured
                        // from there).
                        let window_start =
                            at - chrono::Duration::from_std(burst_window).unwrap_or_default();
                        sqlx::query(
                            "INSERT INTO variant_bursts (variant_id, window_start, window_units, \
                             window_orders, last_order_at, active, unsettled) \
                             VALUES ($1, $2, $3, $5, $2, FALSE, TRUE) \
                             ON CONFLICT (variant_id) DO UPDATE SET \
                             window_units = CASE WHEN variant_bursts.window_start < $4 \
                               THEN excluded.window_units \
                               ELSE variant_bursts.window_units + excluded.window_units END, \
                             window_orders = CASE WHEN variant_bursts.window_start < $4 \
                               THEN excluded.window_orders \
                               ELSE variant_bursts.window_orders + excluded.window_orders END, \
                             window_start = CASE WHEN variant_bursts.window_start < $4 \
                               THEN excluded.window_start ELSE variant_bursts.window_start END, \
                             last_order_at = excluded.last_order_at, unsettled = TRUE",
                        )
                        .bind(variant_id)
                        .bind(at)
                        .bind(held.max(0))
                        .bind(window_start)
                        .bind(i64::from(held > 0))
                        .execute(&mut *tx)
                        .await?;
                        let event_at = if held > 0 {
                            order.ordered_at - EVENT_TIME_UNCERTAINTY
                        } else {
                            order.remote_updated_at.unwrap_or(at) + EVENT_TIME_UNCERTAINTY
                        };
                        sqlx::query(
                            "UPDATE listings SET consumed = consumed + $3, \
                             remote_stock = CASE WHEN remote_stock IS NULL THEN NULL \
                               WHEN acked_at IS NOT NULL AND acked_at >= $4 THEN remote_stock \
                               WHEN remote_stock - $3 < 0 THEN 0 ELSE remote_stock - $3 END \
                             WHERE account_id = $1 AND variant_id = $2",
                        )
                        .bind(account_id)
                        .bind(variant_id)
                        .bind(held)
                        .bind(event_at)
                        .execute(&mut *tx)
                        .await?;
                        {
                            // An event kho cannot place before or after its
                            // push leaves a belief that may be wrong either
                            // way, and when what kho wants equals that belief
                            // nothing would be queued: a sale the shop did
                            // apply, or a cancellation the push overwrote,
                            // would leave the shop one unit off. Such a
                            // listing is always corrected, once its orders go
                            // quiet.
                            let uncertain_from = if held > 0 {
                                order.ordered_at
                            } else {
                                order.remote_updated_at.unwrap_or(at)
                            } - EVENT_TIME_UNCERTAINTY;
                            corrections.push((variant_id, Some(uncertain_from)));
                        }
                    }
                    sqlx::query(
                        "UPDATE order_lines SET quantity = $2, reserved = $3, sold = $4, restocked = $5 \
                         WHERE id = $1",
                    )
                    .bind(row.id)
                    .bind(*quantity)
                    .bind(want.reserved)
                    .bind(want.sold)
                    .bind(want.restocked)
                    .execute(&mut *tx)
                    .await?;
                    touched.push(variant_id);
                }
                for (variant_id, pushed_since) in corrections {
                    let mut qb = sqlx::QueryBuilder::new(
                        crate::outbox::desired::INSERT_JOBS.to_owned()
                            + "SELECT account_id, id, 'stock', 1, 'pending', ",
                    );
                    qb.push_bind(q.at + q.quiet)
                        .push(", ")
                        .push_bind(q.at)
                        .push(", 0 FROM listings WHERE account_id = ")
                        .push_bind(account_id)
                        .push(" AND variant_id = ")
                        .push_bind(variant_id)
                        .push(" AND remote_stock IS NOT NULL");
                    if let Some(since) = pushed_since {
                        qb.push(" AND acked_at IS NOT NULL AND acked_at >= ")
                            .push_bind(since);
                    }
                    qb.push(crate::outbox::desired::ON_CONFLICT_QUIET[0])
                        .push_bind(q.due)
                        .push(crate::outbox::desired::ON_CONFLICT_QUIET[1]);
                    outcome.jobs_queued +=
                        qb.build().execute(&mut *tx).await?.rows_affected() as usize;
                }
                outcome.unchanged = !changed;
                outcome.jobs_queued += refresh_desired(&mut tx, &touched, &q).await?;
            } else {
                outcome.unchanged = true;
            }
            Ok::<_, StoreError>(outcome)
        })?;
        if outcome.jobs_queued > 0 {
            self.wake();
        }
        Ok(outcome)
    }

    /// Records that a returned order's parcel is back on the shelf (a
    /// person's confirmation): its sold units come back as `return`
    /// movements, once, and every shop is offered them again. Returns the
    /// units put back (0 when the return was recorded already).
    pub async fn receive_return(
        &self,
        account_id: i64,
        remote_order_id: &str,
        actor: &str,
    ) -> Result<i64> {
        let at = now();
        let q = self.rebalancing_context();
        let reference = format!("order:{remote_order_id}");
        let (units, queued) = in_tx!(self, |tx| {
            let found: Option<(i64, String, bool)> = sqlx::query_as(
                "SELECT id, status, return_received FROM orders \
                 WHERE account_id = $1 AND remote_order_id = $2",
            )
            .bind(account_id)
            .bind(remote_order_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((order_id, status, received)) = found else {
                return Err(StoreError::NotFound(format!("order {remote_order_id}")));
            };
            if status != "returned" {
                return Err(StoreError::Refused(format!(
                    "order {remote_order_id} is {status}, not a return: only a returned order \
                     (or one cancelled after its parcel left) can be received back"
                )));
            }
            // An already received return takes the empty path below (no
            // lines left to put back) rather than failing.
            sqlx::query(
                "UPDATE orders SET return_received = TRUE, awaiting_return = FALSE, updated_at = $2 \
                 WHERE id = $1",
            )
            .bind(order_id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            let lines: Vec<(i64, i64, i64, i64)> = sqlx::query_as(
                "SELECT id, variant_id, sold, restocked FROM order_lines \
                 WHERE order_id = $1 AND variant_id IS NOT NULL AND sold > restocked AND $2",
            )
            .bind(order_id)
            .bind(!received)
            .fetch_all(&mut *tx)
            .await?;
            let mut units = 0i64;
            let mut touched = Vec::new();
            for (line_id, variant_id, sold, restocked) in lines {
                let location: i64 = sqlx::query_scalar(
                    "SELECT l.id FROM locations l JOIN products p ON p.producer_id = l.producer_id \
                     JOIN variants v ON v.product_id = p.id WHERE v.id = $1 AND l.is_default",
                )
                .bind(variant_id)
                .fetch_one(&mut *tx)
                .await?;
                move_stock(
                    &mut tx,
                    &Entry {
                        variant_id,
                        location_id: location,
                        kind: MovementKind::Return,
                        delta: sold - restocked,
                        lot: None,
                        reason: "return received",
                        reference: Some(&reference),
                        actor,
                        at,
                    },
                )
                .await?;
                sqlx::query("UPDATE order_lines SET restocked = sold WHERE id = $1")
                    .bind(line_id)
                    .execute(&mut *tx)
                    .await?;
                units += sold - restocked;
                touched.push(variant_id);
            }
            let queued = refresh_desired(&mut tx, &touched, &q).await?;
            Ok::<_, StoreError>((units, queued))
        })?;
        if queued > 0 {
            self.wake();
        }
        Ok(units)
    }

    pub async fn orders(
        &self,
        account: Option<&str>,
        status: Option<&str>,
        limit: i64,
    ) -> Result<Vec<OrderRow>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT o.id, a.name AS account, a.channel, o.remote_order_id, o.status, o.raw_status, \
                 o.total_vnd, o.ordered_at, \
                 CAST(COALESCE((SELECT SUM(l.quantity) FROM order_lines l WHERE l.order_id = o.id), 0) AS BIGINT) AS units, \
                 (SELECT COUNT(*) FROM order_lines l WHERE l.order_id = o.id AND l.variant_id IS NULL) AS unknown_lines \
                 FROM orders o JOIN channel_accounts a ON a.id = o.account_id \
                 WHERE (CAST($1 AS TEXT) IS NULL OR a.name = $1) AND (CAST($2 AS TEXT) IS NULL OR o.status = $2) \
                 ORDER BY o.ordered_at DESC, o.id DESC LIMIT $3",
            )
            .bind(account)
            .bind(status)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Lines of orders that count as sales (not cancelled or returned),
    /// ordered in `[from, to)`.
    pub async fn sale_lines(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<SaleLine>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT o.id AS order_id, o.ordered_at, a.channel, a.name AS account, COALESCE(pr.code, '') AS producer, \
                 COALESCE(pr.name, '') AS producer_name, COALESCE(pr.district, '') AS district, \
                 COALESCE(p.name, l.seller_sku) AS product, p.ocop_stars, l.seller_sku AS sku, l.quantity, l.unit_price_vnd \
                 FROM order_lines l JOIN orders o ON o.id = l.order_id \
                 JOIN channel_accounts a ON a.id = o.account_id \
                 LEFT JOIN variants v ON v.id = l.variant_id LEFT JOIN products p ON p.id = v.product_id \
                 LEFT JOIN producers pr ON pr.id = p.producer_id \
                 WHERE o.status NOT IN ('cancelled', 'returned') AND o.ordered_at >= $1 AND o.ordered_at < $2 \
                 AND l.quantity > 0 ORDER BY o.ordered_at",
            )
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Stores a verified webhook delivery before it is acknowledged. Returns
    /// false for a delivery already stored (same channel and key).
    ///
    /// On PostgreSQL this commit, the order ingestion and the event's
    /// completion do not wait for the WAL to reach the disk
    /// (`synchronous_commit = off` for those transactions only): a
    /// marketplace delivers its webhooks one after another, so a flush per
    /// delivery (≈ 3 ms here) capped a flash sale at ≈ 300 sales a second
    /// and the rest waited at the marketplace, unseen, while every shop
    /// kept selling them. It is the guarantee SQLite's WAL with
    /// `synchronous = NORMAL` gives every write: a crash of the database
    /// host may lose the last fraction of a second of these commits, never
    /// corrupt or half-apply one. What is lost the marketplace still has:
    /// order polling re-reads every order updated in its window and
    /// ingestion is idempotent. Stock movements people make (receipts,
    /// counts, imports) keep waiting for the flush.
    pub async fn store_webhook(
        &self,
        channel: &str,
        account_id: Option<i64>,
        dedupe_key: &str,
        body: &str,
    ) -> Result<bool> {
        let at = now();
        let done: Result<u64> = in_tx!(self, replayable, |tx| {
            Ok(sqlx::query(
                "INSERT INTO webhook_events (channel, account_id, dedupe_key, body, received_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (channel, dedupe_key) DO NOTHING",
            )
            .bind(channel)
            .bind(account_id)
            .bind(dedupe_key)
            .bind(body)
            .bind(at)
            .execute(&mut *tx)
            .await?
            .rows_affected())
        });
        Ok(done? == 1)
    }

    /// Webhook events not processed yet, oldest first.
    pub async fn pending_webhooks(
        &self,
        limit: i64,
    ) -> Result<Vec<(i64, String, Option<i64>, String, i64)>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT id, channel, account_id, body, attempts FROM webhook_events \
                 WHERE processed_at IS NULL ORDER BY id LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }

    pub async fn finish_webhook(&self, id: i64, error: Option<&str>) -> Result<()> {
        let at = now();
        in_tx!(self, replayable, |tx| {
            sqlx::query(
                "UPDATE webhook_events SET processed_at = $2, last_error = $3, attempts = attempts + 1 WHERE id = $1",
            )
            .bind(id)
            .bind(at)
            .bind(error)
            .execute(&mut *tx)
            .await?;
            Ok::<(), StoreError>(())
        })
    }

    pub async fn fail_webhook(&self, id: i64, error: &str) -> Result<()> {
        with_pool!(self, |pool| {
            sqlx::query(
                "UPDATE webhook_events SET attempts = attempts + 1, last_error = $2 WHERE id = $1",
            )
            .bind(id)
            .bind(error)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    pub async fn order_cursor(&self, account_id: i64) -> Result<Option<DateTime<Utc>>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_scalar("SELECT polled_to FROM order_cursors WHERE account_id = $1")
                .bind(account_id)
                .fetch_optional(pool)
                .await?
        }))
    }

    pub async fn set_order_cursor(&self, account_id: i64, to: DateTime<Utc>) -> Result<()> {
        with_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO order_cursors (account_id, polled_to) VALUES ($1, $2) \
                 ON CONFLICT (account_id) DO UPDATE SET polled_to = excluded.polled_to",
            )
            .bind(account_id)
            .bind(to)
            .execute(pool)
            .await?;
        });
        Ok(())
    }
}
