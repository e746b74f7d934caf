//! Orders (docs/src/channels/shopee.md §8): `get_order_list` in windows of at most 15 days with a cursor, and
//! `get_order_detail` for up to 50 orders per call with `item_list` requested explicitly (it is not returned
//! otherwise). Order lines carry `model_quantity_purchased` units each.

use kho_channel::async_trait::async_trait;
use kho_channel::kit::ops::{OrderPage, Orders};
use kho_channel::kit::orders::details_in_batches;
use kho_channel::kit::units::whole_vnd;
use kho_channel::{
    ChannelError, ErrorKind, OrderLine, OrderQuery, OrderRef, OrderStatus, OrderTimeField, Page,
    PageToken, RemoteId, RemoteOrder,
};
use reqwest::Method;

use crate::client::{MAX_ORDER_WINDOW_SECS, ShopeeChannel};
use crate::wire::{OrderDetail, OrderDetailResponse, OrderListResponse};

pub const ORDER_LIST: &str = "/api/v2/order/get_order_list";
pub const ORDER_DETAIL: &str = "/api/v2/order/get_order_detail";

const PAGE_SIZE: u32 = 100;
const MAX_DETAILS: usize = 50;
const DETAIL_FIELDS: &str = "item_list,pay_time,total_amount";

/// Shopee's order status → the canonical one (§8.2). `None` for a status kho does not know.
pub fn canonical_status(status: &str) -> Option<OrderStatus> {
    Some(match status {
        "UNPAID" | "PENDING" | "INVOICE_PENDING" => OrderStatus::Unpaid,
        // A cancellation request can be refused: keep the order (and its reservation) until CANCELLED.
        "READY_TO_SHIP" | "PROCESSED" | "RETRY_SHIP" | "IN_CANCEL" => OrderStatus::Ready,
        "SHIPPED" | "TO_CONFIRM_RECEIVE" => OrderStatus::Shipped,
        "COMPLETED" => OrderStatus::Delivered,
        "CANCELLED" => OrderStatus::Cancelled,
        "TO_RETURN" => OrderStatus::Returned,
        _ => return None,
    })
}

/// A detail → the contract's order. An unknown status is treated as `Ready` (stock stays reserved, nothing
/// is given back) and logged.
pub fn to_remote_order(o: &OrderDetail) -> RemoteOrder {
    let status = canonical_status(&o.order_status).unwrap_or_else(|| {
        tracing::warn!(order = %o.order_sn, status = %o.order_status, "unknown Shopee order status; treating as Ready");
        OrderStatus::Ready
    });
    let lines = o
        .item_list
        .iter()
        .map(|i| {
            let remote = if i.model_id == 0 {
                RemoteId::item(i.item_id.to_string())
            } else {
                RemoteId::variant(i.item_id.to_string(), i.model_id.to_string())
            };
            let sku = if i.model_sku.trim().is_empty() {
                &i.item_sku
            } else {
                &i.model_sku
            };
            // Discounted price is 0 for bundle-deal items (§8.3): fall back to the original price.
            let unit = if i.model_discounted_price > 0.0 {
                i.model_discounted_price
            } else {
                i.model_original_price
            };
            OrderLine {
                remote,
                seller_sku: sku.trim().to_owned(),
                quantity: i.model_quantity_purchased,
                unit_price_vnd: whole_vnd(unit),
            }
        })
        .collect();
    RemoteOrder::new(&o.order_sn, status, &o.order_status, &o.currency, lines)
        .at_unix(o.create_time, o.update_time)
}

/// Page token `"<window index>:<cursor>"`.
fn parse_token(token: Option<&PageToken>) -> Option<(usize, String)> {
    match token {
        None => Some((0, String::new())),
        Some(PageToken(t)) => {
            let (idx, cursor) = t.split_once(':')?;
            Some((idx.parse().ok()?, cursor.to_owned()))
        }
    }
}

#[async_trait]
impl Orders for ShopeeChannel {
    async fn orders_page(&self, query: &OrderQuery, page: Option<&PageToken>) -> OrderPage {
        let windows = query
            .window
            .split(chrono::Duration::seconds(MAX_ORDER_WINDOW_SECS));
        let (idx, cursor) = parse_token(page).ok_or_else(|| {
            self.kit.error(
                ORDER_LIST,
                ErrorKind::invalid_request("bad_page_token", "not an order page token"),
            )
        })?;
        let Some(window) = windows.get(idx) else {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        };
        let field = match query.field {
            OrderTimeField::Created => "create_time",
            OrderTimeField::Updated => "update_time",
        };
        let list: OrderListResponse = self
            .kit
            .send(Method::GET, ORDER_LIST, |call| {
                call.param("time_range_field", field)
                    .param("time_from", window.from.timestamp())
                    .param("time_to", window.to.timestamp())
                    .param("page_size", PAGE_SIZE)
                    .param("cursor", &cursor)
                    .param("response_optional_fields", "order_status")
            })
            .await?;
        let items = list
            .order_list
            .iter()
            .map(|o| {
                let status = o.order_status.as_deref().and_then(canonical_status);
                OrderRef::new(&o.order_sn, status)
            })
            .collect();
        // A cursor that does not move would loop forever: treat it as the end of the window.
        let next = if list.more && !list.next_cursor.is_empty() && list.next_cursor != cursor {
            Some(PageToken(format!("{idx}:{}", list.next_cursor)))
        } else if idx + 1 < windows.len() {
            Some(PageToken(format!("{}:", idx + 1)))
        } else {
            None
        };
        Ok(Page { items, next })
    }

    async fn order_details(&self, ids: &[String]) -> Result<Vec<RemoteOrder>, ChannelError> {
        details_in_batches(ids, MAX_DETAILS, |chunk| async move {
            self.detail_call(&chunk).await
        })
        .await
    }
}

impl ShopeeChannel {
    async fn detail_call(&self, ids: &[String]) -> Result<Vec<RemoteOrder>, ChannelError> {
        let joined = ids.join(",");
        let detail: OrderDetailResponse = self
            .kit
            .send(Method::GET, ORDER_DETAIL, |call| {
                call.param("order_sn_list", &joined)
                    .param("response_optional_fields", DETAIL_FIELDS)
            })
            .await?;
        Ok(detail.order_list.iter().map(to_remote_order).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kho_channel::test_support::assert_order_statuses;

    #[test]
    fn status_mapping_covers_documented_statuses() {
        let documented: [(OrderStatus, &[&str]); 6] = [
            (
                OrderStatus::Unpaid,
                &["UNPAID", "PENDING", "INVOICE_PENDING"],
            ),
            (
                OrderStatus::Ready,
                &["READY_TO_SHIP", "PROCESSED", "RETRY_SHIP", "IN_CANCEL"],
            ),
            (OrderStatus::Shipped, &["SHIPPED", "TO_CONFIRM_RECEIVE"]),
            (OrderStatus::Delivered, &["COMPLETED"]),
            (OrderStatus::Cancelled, &["CANCELLED"]),
            (OrderStatus::Returned, &["TO_RETURN"]),
        ];
        assert_order_statuses(canonical_status, &documented, "SOMETHING_NEW");
    }

    #[test]
    fn page_tokens_round_trip() {
        assert_eq!(parse_token(None), Some((0, String::new())));
        assert_eq!(
            parse_token(Some(&PageToken("2:abc".into()))),
            Some((2, "abc".into()))
        );
        assert_eq!(
            parse_token(Some(&PageToken("1:".into()))),
            Some((1, String::new()))
        );
        assert_eq!(parse_token(Some(&PageToken("junk".into()))), None);
    }
}
