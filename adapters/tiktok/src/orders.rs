//! Orders (docs/src/channels/tiktok.md §8): `POST /order/202309/orders/search` over an update- (or create-) time window with
//! `page_token`, and `GET /order/202309/orders?ids=…` for up to 50 orders per call.
//!
//! Line items have **no quantity**: each element is one unit (§8.5). Lines are folded per `sku_id`, counting
//! them; a combined-listing line counts `sku_count` units of each component SKU instead of itself. Returns
//! live outside the order (§8.7): for orders past shipping, `returns/search` tells whether goods are coming
//! back, which is what the canonical `Returned` means. Cancellation requests (§8.6) do not change the order
//! status until TikTok cancels the order, so a pending request keeps the order `Ready`, as with Shopee's
//! `IN_CANCEL`.

use std::collections::{HashMap, HashSet};

use kho_channel::async_trait::async_trait;
use kho_channel::kit::ops::{OrderPage, Orders};
use kho_channel::kit::paging;
use kho_channel::{
    ChannelError, ErrorKind, OrderLine, OrderQuery, OrderRef, OrderStatus, OrderTimeField, Page,
    PageToken, RemoteId, RemoteOrder,
};
use reqwest::Method;
use serde::Serialize;

use crate::api::Request;
use crate::client::TikTokChannel;
use crate::listings::whole_vnd;
use crate::wire::{
    Cancellation, CancellationSearchData, Order, OrderDetailData, OrderSearchData, ReturnRecord,
    ReturnSearchData,
};

pub const ORDER_SEARCH: &str = "/order/202309/orders/search";
pub const ORDER_DETAIL: &str = "/order/202309/orders";
pub const CANCELLATION_SEARCH: &str = "/return_refund/202309/cancellations/search";
pub const RETURN_SEARCH: &str = "/return_refund/202309/returns/search";

const PAGE_SIZE: u32 = 100;
/// Order ids per detail call (docs/src/channels/tiktok.md §8.2).
pub const MAX_DETAILS: usize = 50;
/// Order ids per cancellation/return search (no documented cap; kept to the detail batch size).
const MAX_ORDER_IDS_PER_SEARCH: usize = 50;

/// TikTok's order status → the canonical one (docs/src/channels/tiktok.md §8.3). `None` for a status kho does not know.
pub fn canonical_status(status: &str) -> Option<OrderStatus> {
    Some(match status {
        "UNPAID" => OrderStatus::Unpaid,
        // ON_HOLD: paid, inside the buyer's free-cancellation period (UK only); stock stays reserved.
        "ON_HOLD" | "AWAITING_SHIPMENT" | "PARTIALLY_SHIPPING" | "AWAITING_COLLECTION" => {
            OrderStatus::Ready
        }
        "IN_TRANSIT" => OrderStatus::Shipped,
        "DELIVERED" | "COMPLETED" => OrderStatus::Delivered,
        "CANCELLED" => OrderStatus::Cancelled,
        _ => return None,
    })
}

/// Whether a return means goods come back: a `RETURN_AND_REFUND` that was not cancelled or rejected. A
/// `REFUND` alone gives money back, not stock.
pub fn return_brings_goods_back(r: &ReturnRecord) -> bool {
    let status = r.return_status.to_ascii_uppercase();
    r.return_type == "RETURN_AND_REFUND" && !status.contains("CANCEL") && !status.contains("REJECT")
}

/// Accumulates one SKU's units and what they cost.
struct Folded {
    remote: RemoteId,
    seller_sku: String,
    units: i64,
    paid: f64,
}

/// A detail → the contract's order, lines folded per SKU. An unknown status is treated as `Ready` (stock
/// stays reserved, nothing is given back) and logged.
pub fn to_remote_order(o: &Order) -> RemoteOrder {
    let status = canonical_status(&o.status).unwrap_or_else(|| {
        tracing::warn!(order = %o.id, status = %o.status, "unknown TikTok order status; treating as Ready");
        OrderStatus::Ready
    });
    // Line items cancelled on their own (partial cancellation) do not ship; keep them only when the whole
    // order is cancelled, so a cancelled order still says what it held.
    let live = |l: &&crate::wire::LineItem| l.display_status != "CANCELLED";
    let all_cancelled = !o.line_items.iter().any(|l| live(&l));
    let mut order: Vec<String> = Vec::new();
    let mut folded: HashMap<String, Folded> = HashMap::new();
    let mut add = |sku_id: &str, product_id: &str, seller_sku: &str, units: i64, paid: f64| {
        let entry = folded.entry(sku_id.to_owned()).or_insert_with(|| {
            order.push(sku_id.to_owned());
            Folded {
                remote: RemoteId::variant(product_id, sku_id),
                seller_sku: seller_sku.trim().to_owned(),
                units: 0,
                paid: 0.0,
            }
        });
        entry.units += units;
        entry.paid += paid;
    };
    for line in o.line_items.iter().filter(|l| all_cancelled || live(l)) {
        let price = whole_vnd(&line.sale_price)
            .or_else(|| whole_vnd(&line.original_price))
            .unwrap_or(0) as f64;
        let components: Vec<_> = line
            .combined_listing_skus
            .iter()
            .filter(|c| !c.sku_id.is_empty())
            .collect();
        if components.is_empty() {
            add(&line.sku_id, &line.product_id, &line.seller_sku, 1, price);
        } else {
            // The line's price covers all component units; spread it evenly (TikTok gives no split).
            let total: i64 = kho_channel::sum_quantities(
                components.iter().map(|c| c.sku_count.unwrap_or(1).max(1)),
            );
            for c in components {
                let units = c.sku_count.unwrap_or(1).max(1);
                let share = price * units as f64 / total.max(1) as f64;
                add(&c.sku_id, &c.product_id, &c.seller_sku, units, share);
            }
        }
    }
    let lines = order
        .iter()
        .filter_map(|sku| folded.remove(sku))
        .map(|f| OrderLine {
            remote: f.remote,
            seller_sku: f.seller_sku,
            quantity: f.units,
            unit_price_vnd: if f.units > 0 {
                (f.paid / f.units as f64).round() as i64
            } else {
                0
            },
        })
        .collect();
    let currency = o
        .payment
        .as_ref()
        .map(|p| p.currency.clone())
        .filter(|c| !c.is_empty())
        .or_else(|| {
            o.line_items
                .iter()
                .map(|l| l.currency.clone())
                .find(|c| !c.is_empty())
        })
        .unwrap_or_else(|| "VND".to_owned());
    RemoteOrder::new(&o.id, status, &o.status, currency, lines)
        .at_unix(o.create_time, o.update_time)
}

/// The order search body, in the documented field order (Unix seconds, `[ge, lt)`).
#[derive(Serialize)]
struct OrderSearchBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    create_time_ge: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    create_time_lt: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    update_time_ge: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    update_time_lt: Option<i64>,
}

#[derive(Serialize)]
struct ByOrderIds<'a> {
    order_ids: &'a [String],
}

#[async_trait]
impl Orders for TikTokChannel {
    async fn orders_page(&self, query: &OrderQuery, page: Option<&PageToken>) -> OrderPage {
        let (from, to) = (query.window.from.timestamp(), query.window.to.timestamp());
        if from >= to {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        }
        let (field, body) = match query.field {
            OrderTimeField::Created => (
                "create_time",
                OrderSearchBody {
                    create_time_ge: Some(from),
                    create_time_lt: Some(to),
                    update_time_ge: None,
                    update_time_lt: None,
                },
            ),
            OrderTimeField::Updated => (
                "update_time",
                OrderSearchBody {
                    create_time_ge: None,
                    create_time_lt: None,
                    update_time_ge: Some(from),
                    update_time_lt: Some(to),
                },
            ),
        };
        let token = paging::cursor(page);
        let request = Request::new(Method::POST, ORDER_SEARCH)
            .query("page_size", PAGE_SIZE)
            .query("page_token", token)
            .query("sort_field", field)
            .query("sort_order", "ASC")
            .json(&body)
            .map_err(|k| self.kit.error(ORDER_SEARCH, k))?;
        let found: OrderSearchData = self.api(&request).await?;
        let items = found
            .orders
            .iter()
            .map(|o| OrderRef::new(&o.id, canonical_status(&o.status)))
            .collect();
        // Empty ⇒ no more; a token that does not move would loop forever.
        let next = (!found.next_page_token.is_empty() && found.next_page_token != token)
            .then_some(PageToken(found.next_page_token));
        Ok(Page { items, next })
    }

    async fn order_details(&self, ids: &[String]) -> Result<Vec<RemoteOrder>, ChannelError> {
        let mut orders = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(MAX_DETAILS) {
            let request = Request::new(Method::GET, ORDER_DETAIL).query("ids", chunk.join(","));
            let detail: OrderDetailData = match self.api(&request).await {
                Ok(d) => d,
                // Unknown orders are left out (the contract); TikTok may refuse the whole call for one.
                Err(e) if matches!(e.kind, ErrorKind::NotFound { .. }) && chunk.len() > 1 => {
                    let mut found = OrderDetailData::default();
                    for id in chunk {
                        let one = Request::new(Method::GET, ORDER_DETAIL).query("ids", id);
                        match self.api::<OrderDetailData>(&one).await {
                            Ok(d) => found.orders.extend(d.orders),
                            Err(e) if matches!(e.kind, ErrorKind::NotFound { .. }) => {}
                            Err(e) => return Err(e),
                        }
                    }
                    found
                }
                Err(e) if matches!(e.kind, ErrorKind::NotFound { .. }) => continue,
                Err(e) => return Err(e),
            };
            let mut mapped: Vec<RemoteOrder> = detail.orders.iter().map(to_remote_order).collect();
            self.apply_returns(&mut mapped).await?;
            orders.extend(mapped);
        }
        Ok(orders)
    }
}

impl TikTokChannel {
    /// Mark delivered/shipped orders whose goods are coming back as `Returned`. Without the return scope
    /// (a permanent answer) orders keep their status and a warning is logged: order sync must not depend
    /// on an optional permission.
    async fn apply_returns(&self, orders: &mut [RemoteOrder]) -> Result<(), ChannelError> {
        let candidates: Vec<String> = orders
            .iter()
            .filter(|o| matches!(o.status, OrderStatus::Shipped | OrderStatus::Delivered))
            .map(|o| o.order_id.clone())
            .collect();
        if candidates.is_empty() {
            return Ok(());
        }
        let returns = match self.search_returns(&candidates).await {
            Ok(r) => r,
            Err(e)
                if matches!(
                    e.kind,
                    ErrorKind::Permanent { .. } | ErrorKind::NotFound { .. }
                ) =>
            {
                tracing::warn!(account = %self.kit.name, error = %e, "cannot read returns; order statuses ignore them");
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        let returned: HashSet<&str> = returns
            .iter()
            .filter(|r| return_brings_goods_back(r))
            .map(|r| r.order_id.as_str())
            .collect();
        for o in orders.iter_mut() {
            if returned.contains(o.order_id.as_str())
                && matches!(o.status, OrderStatus::Shipped | OrderStatus::Delivered)
            {
                o.status = OrderStatus::Returned;
            }
        }
        Ok(())
    }

    /// Returns and refunds of these orders (`POST /return_refund/202309/returns/search`), all pages.
    pub async fn search_returns(
        &self,
        order_ids: &[String],
    ) -> Result<Vec<ReturnRecord>, ChannelError> {
        let mut out = Vec::new();
        for chunk in order_ids.chunks(MAX_ORDER_IDS_PER_SEARCH) {
            let mut token = String::new();
            loop {
                let request = Request::new(Method::POST, RETURN_SEARCH)
                    .query("page_size", PAGE_SIZE)
                    .query("page_token", &token)
                    .json(&ByOrderIds { order_ids: chunk })
                    .map_err(|k| self.kit.error(RETURN_SEARCH, k))?;
                let page: ReturnSearchData = self.api(&request).await?;
                out.extend(page.returns);
                if page.next_page_token.is_empty() || page.next_page_token == token {
                    break;
                }
                token = page.next_page_token;
            }
        }
        Ok(out)
    }

    /// Cancellation requests of these orders (`POST /return_refund/202309/cancellations/search`), all
    /// pages — e.g. to show an operator which pending requests await the seller's decision.
    pub async fn search_cancellations(
        &self,
        order_ids: &[String],
    ) -> Result<Vec<Cancellation>, ChannelError> {
        let mut out = Vec::new();
        for chunk in order_ids.chunks(MAX_ORDER_IDS_PER_SEARCH) {
            let mut token = String::new();
            loop {
                let request = Request::new(Method::POST, CANCELLATION_SEARCH)
                    .query("page_size", PAGE_SIZE)
                    .query("page_token", &token)
                    .json(&ByOrderIds { order_ids: chunk })
                    .map_err(|k| self.kit.error(CANCELLATION_SEARCH, k))?;
                let page: CancellationSearchData = self.api(&request).await?;
                out.extend(page.cancellations);
                if page.next_page_token.is_empty() || page.next_page_token == token {
                    break;
                }
                token = page.next_page_token;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kho_channel::test_support::assert_order_statuses;

    #[test]
    fn status_mapping_covers_documented_statuses() {
        let documented: [(OrderStatus, &[&str]); 5] = [
            (OrderStatus::Unpaid, &["UNPAID"]),
            (
                OrderStatus::Ready,
                &[
                    "ON_HOLD",
                    "AWAITING_SHIPMENT",
                    "PARTIALLY_SHIPPING",
                    "AWAITING_COLLECTION",
                ],
            ),
            (OrderStatus::Shipped, &["IN_TRANSIT"]),
            (OrderStatus::Delivered, &["DELIVERED", "COMPLETED"]),
            (OrderStatus::Cancelled, &["CANCELLED"]),
        ];
        assert_order_statuses(canonical_status, &documented, "SOMETHING_NEW");
    }

    fn order(value: serde_json::Value) -> Order {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn three_identical_line_items_are_quantity_three() {
        // VN-CAPTURE §6/§7: three line items of one SKU at 168000 each.
        let line = serde_json::json!({"id": "L", "sku_id": "1729700293904534135", "product_id": "1729700293904534000",
            "seller_sku": "SKU-A", "sale_price": "168000", "original_price": "168000", "currency": "VND"});
        let o = order(serde_json::json!({
            "id": "577087614418520000", "status": "AWAITING_SHIPMENT", "create_time": 1700000000, "update_time": 1700000100,
            "payment": {"currency": "VND", "total_amount": "504000"},
            "line_items": [line.clone(), line.clone(), line]
        }));
        let r = to_remote_order(&o);
        assert_eq!(r.status, OrderStatus::Ready);
        assert_eq!(r.currency, "VND");
        assert_eq!(
            r.lines,
            vec![OrderLine {
                remote: RemoteId::variant("1729700293904534000", "1729700293904534135"),
                seller_sku: "SKU-A".into(),
                quantity: 3,
                unit_price_vnd: 168000,
            }]
        );
    }

    #[test]
    fn combined_listings_count_components_by_sku_count() {
        let o = order(serde_json::json!({
            "id": "1", "status": "IN_TRANSIT",
            "line_items": [
                {"sku_id": "COMBO", "product_id": "P0", "seller_sku": "COMBO", "sale_price": "300000",
                 "combined_listing_skus": [
                    {"sku_id": "S1", "sku_count": 2, "product_id": "P1", "seller_sku": "MO-250"},
                    {"sku_id": "S2", "sku_count": 1, "product_id": "P2", "seller_sku": "TRA-100"}]},
                {"sku_id": "S1", "product_id": "P1", "seller_sku": "MO-250", "sale_price": "100000"},
                {"sku_id": "S3", "product_id": "P3", "seller_sku": "X", "sale_price": "5", "display_status": "CANCELLED"}
            ]
        }));
        let r = to_remote_order(&o);
        let q: Vec<(&str, i64, i64)> = r
            .lines
            .iter()
            .map(|l| (l.seller_sku.as_str(), l.quantity, l.unit_price_vnd))
            .collect();
        // The cancelled line is left out of a live order.
        assert_eq!(q, vec![("MO-250", 3, 100000), ("TRA-100", 1, 100000)]);
        assert_eq!(r.status, OrderStatus::Shipped);
    }

    #[test]
    fn a_cancelled_order_keeps_its_lines() {
        let o = order(
            serde_json::json!({"id": "1", "status": "CANCELLED", "line_items": [
            {"sku_id": "S", "product_id": "P", "seller_sku": "A", "sale_price": "1000", "display_status": "CANCELLED"},
            {"sku_id": "S", "product_id": "P", "seller_sku": "A", "sale_price": "1000", "display_status": "CANCELLED"}]}),
        );
        let r = to_remote_order(&o);
        assert_eq!(r.status, OrderStatus::Cancelled);
        assert_eq!(r.lines[0].quantity, 2);
    }

    #[test]
    fn returns_that_bring_goods_back() {
        let r = |t: &str, s: &str| ReturnRecord {
            return_id: "R".into(),
            order_id: "O".into(),
            return_status: s.into(),
            return_type: t.into(),
            return_line_items: vec![],
        };
        assert!(return_brings_goods_back(&r(
            "RETURN_AND_REFUND",
            "RETURN_OR_REFUND_REQUEST_PENDING"
        )));
        assert!(return_brings_goods_back(&r(
            "RETURN_AND_REFUND",
            "RETURN_OR_REFUND_REQUEST_COMPLETE"
        )));
        assert!(!return_brings_goods_back(&r(
            "RETURN_AND_REFUND",
            "RETURN_OR_REFUND_REQUEST_CANCEL"
        )));
        assert!(!return_brings_goods_back(&r(
            "REFUND",
            "RETURN_OR_REFUND_REQUEST_COMPLETE"
        )));
    }
}
