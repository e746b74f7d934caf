//! Orders (docs/src/channels/tiki-woocommerce.md §A8): listed with `status=nin|processing,waiting_payment` — orders Tiki has not
//! accepted are no sale yet — and read one at a time with `include=items.fees`. Times are read as UTC
//! `YYYY-MM-DD HH:MM:SS` (Tiki does not publish the format; the simulator follows this choice).

use chrono::{DateTime, NaiveDateTime, Utc};
use kho_channel::async_trait::async_trait;
use kho_channel::kit::ops::{OrderPage, Orders};
use kho_channel::kit::orders::details_in_batches;
use kho_channel::kit::paging;
use kho_channel::{
    ChannelError, OrderLine, OrderQuery, OrderRef, OrderStatus, Page, PageToken, RemoteId,
    RemoteOrder,
};
use reqwest::Method;
use serde::Deserialize;

use crate::client::TikiChannel;

pub const ORDERS: &str = "/integration/v2/orders";
pub const ORDER: &str = "/integration/v2/orders/{code}";
const PER_PAGE: i64 = 50;
/// Orders Tiki has not accepted (§A8, §A11).
pub const UNACCEPTED: [&str; 2] = ["processing", "waiting_payment"];
const TIME: &str = "%Y-%m-%d %H:%M:%S";

#[derive(Deserialize)]
struct OrderList {
    data: Vec<Order>,
    paging: crate::listings::Paging,
}

#[derive(Deserialize)]
pub(crate) struct Order {
    code: String,
    status: String,
    #[serde(default)]
    created_at: String,
    #[serde(default)]
    updated_at: String,
    #[serde(default)]
    items: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    product: ItemProduct,
    invoice: Invoice,
}

#[derive(Deserialize)]
struct ItemProduct {
    id: i64,
    #[serde(default)]
    seller_product_code: String,
}

#[derive(Deserialize)]
struct Invoice {
    price: i64,
    quantity: i64,
}

/// Tiki's order statuses (order-status-v2) in kho's terms.
pub fn order_status(raw: &str) -> OrderStatus {
    match raw {
        "waiting_payment" | "processing" => OrderStatus::Unpaid,
        "handover_to_partner" | "shipping" => OrderStatus::Shipped,
        "successful_delivery" | "delivered" | "complete" => OrderStatus::Delivered,
        "canceled" | "closed" => OrderStatus::Cancelled,
        "returned" => OrderStatus::Returned,
        _ => OrderStatus::Ready,
    }
}

fn time(raw: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(raw, TIME)
        .ok()
        .map(|t| t.and_utc())
}

impl Order {
    fn remote(&self) -> RemoteOrder {
        let lines = self
            .items
            .iter()
            .map(|i| OrderLine {
                remote: RemoteId::item(i.product.id.to_string()),
                seller_sku: i.product.seller_product_code.clone(),
                quantity: i.invoice.quantity,
                unit_price_vnd: i.invoice.price,
            })
            .collect();
        RemoteOrder::new(
            &self.code,
            order_status(&self.status),
            &self.status,
            "VND",
            lines,
        )
        .at(time(&self.created_at), time(&self.updated_at))
    }
}

#[async_trait]
impl Orders for TikiChannel {
    async fn orders_page(&self, query: &OrderQuery, page: Option<&PageToken>) -> OrderPage {
        let offset = paging::offset(page).map_err(|k| self.kit.error(ORDERS, k))?;
        let w = query.window;
        let got: OrderList = self
            .kit
            .send(Method::GET, ORDERS, |c| {
                c.param("page", offset / PER_PAGE + 1)
                    .param("limit", PER_PAGE)
                    .param("status", format!("nin|{}", UNACCEPTED.join(",")))
                    .param("updated_from_date", w.from.format(TIME))
                    .param("updated_to_date", w.to.format(TIME))
            })
            .await?;
        let next = (got.paging.current_page < got.paging.last_page)
            .then(|| PageToken((offset + PER_PAGE).to_string()));
        let items = got
            .data
            .into_iter()
            .filter(|o| !UNACCEPTED.contains(&o.status.as_str()))
            .map(|o| OrderRef::new(o.code, Some(order_status(&o.status))))
            .collect();
        Ok(Page { items, next })
    }

    async fn order_details(&self, ids: &[String]) -> Result<Vec<RemoteOrder>, ChannelError> {
        details_in_batches(ids, 1, |chunk| async move {
            let mut found = Vec::new();
            for code in chunk {
                let order: Order = self
                    .kit
                    .send(Method::GET, ORDER, |c| {
                        c.at(format!("{ORDERS}/{code}"))
                            .param("include", "items.fees")
                    })
                    .await?;
                if !UNACCEPTED.contains(&order.status.as_str()) {
                    found.push(order.remote());
                }
            }
            Ok(found)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_times() {
        assert_eq!(order_status("queueing"), OrderStatus::Ready);
        assert_eq!(order_status("ready_to_ship"), OrderStatus::Ready);
        assert_eq!(order_status("shipping"), OrderStatus::Shipped);
        assert_eq!(order_status("complete"), OrderStatus::Delivered);
        assert_eq!(order_status("canceled"), OrderStatus::Cancelled);
        assert_eq!(order_status("returned"), OrderStatus::Returned);
        assert_eq!(order_status("waiting_payment"), OrderStatus::Unpaid);
        assert_eq!(
            time("2026-12-06 10:00:00").map(|t| t.timestamp()),
            Some(1_796_551_200)
        );
        assert_eq!(time("yesterday"), None);
    }
}
