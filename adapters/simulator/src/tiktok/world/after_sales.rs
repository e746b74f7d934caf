//! Cancellation and return requests (§8.3, §8.4): opening them on an order and moving them through their
//! statuses, with the webhooks each change sends.
//!
//! Section numbers (§) refer to `docs/src/channels/tiktok.md`.

use super::super::state::{
    CancelStatus, Cancellation, LineItem, OrderStatus, Return, ReturnStatus, now_unix,
};
use super::super::webhook::WebhookMsg;

use super::{ControlError, NewCancellation, NewReturn, World};

impl World {
    /// Opens a cancellation request for an order (optionally completing it at once).
    pub fn create_cancellation(
        &mut self,
        order_id: &str,
        req: NewCancellation,
    ) -> Result<(Cancellation, Vec<WebhookMsg>), ControlError> {
        let order = self
            .orders
            .get(order_id)
            .ok_or_else(|| ControlError::UnknownOrder(order_id.to_owned()))?;
        if order.status == OrderStatus::Cancelled {
            return Err(ControlError::Invalid(format!(
                "order {order_id} is already cancelled"
            )));
        }
        let shop_id = order.shop_id.clone();
        let cancel_id = self.new_id(4_035_219_800_000_000_000);
        let now = now_unix();
        let c = Cancellation {
            cancel_id: cancel_id.clone(),
            order_id: order_id.to_owned(),
            shop_id,
            status: CancelStatus::CancellationRequestPending,
            cancel_type: if req.role == "SELLER" {
                "SELLER_CANCEL".into()
            } else {
                "BUYER_CANCEL".into()
            },
            role: req.role,
            reason: req.reason,
            create_time: now,
            update_time: now,
            should_replenish_stock: true,
        };
        self.cancellations.insert(cancel_id.clone(), c.clone());
        let mut msgs = Vec::new();
        if self.webhooks_wanted(false) {
            msgs.push(self.webhooks.cancellation(&c));
        }
        if req.complete {
            let (c, more) = self
                .set_cancellation_status(&cancel_id, CancelStatus::CancellationRequestComplete)?;
            msgs.extend(more);
            return Ok((c, msgs));
        }
        Ok((c, msgs))
    }

    /// Moves a cancellation; completing it cancels the order and restores its stock.
    pub fn set_cancellation_status(
        &mut self,
        cancel_id: &str,
        status: CancelStatus,
    ) -> Result<(Cancellation, Vec<WebhookMsg>), ControlError> {
        let c = self
            .cancellations
            .get_mut(cancel_id)
            .ok_or_else(|| ControlError::UnknownCancellation(cancel_id.to_owned()))?;
        c.status = status;
        c.update_time = now_unix();
        let c = c.clone();
        let mut msgs = Vec::new();
        if self.webhooks_wanted(false) {
            msgs.push(self.webhooks.cancellation(&c));
        }
        if status == CancelStatus::CancellationRequestComplete {
            if let Some(o) = self.orders.get_mut(&c.order_id) {
                o.cancellation_initiator = c.role.clone();
                o.cancel_reason = c.reason.clone();
            }
            let already = self
                .orders
                .get(&c.order_id)
                .is_some_and(|o| o.status == OrderStatus::Cancelled);
            if !already {
                let (_, more) =
                    self.set_order_status(&c.order_id, OrderStatus::Cancelled, false)?;
                msgs.extend(more);
            }
        }
        Ok((c, msgs))
    }

    /// Opens a return/refund request for some (or all) of an order's line items.
    pub fn create_return(
        &mut self,
        order_id: &str,
        req: NewReturn,
    ) -> Result<(Return, Vec<WebhookMsg>), ControlError> {
        let order = self
            .orders
            .get(order_id)
            .ok_or_else(|| ControlError::UnknownOrder(order_id.to_owned()))?;
        let line_item_ids = if req.line_item_ids.is_empty() {
            order.line_items.iter().map(|l| l.id.clone()).collect()
        } else {
            for id in &req.line_item_ids {
                if !order.line_items.iter().any(|l| &l.id == id) {
                    return Err(ControlError::Invalid(format!(
                        "line item {id} is not in order {order_id}"
                    )));
                }
            }
            req.line_item_ids
        };
        let shop_id = order.shop_id.clone();
        let return_id = self.new_id(4_036_219_800_000_000_000);
        let now = now_unix();
        let r = Return {
            return_id: return_id.clone(),
            order_id: order_id.to_owned(),
            shop_id,
            status: ReturnStatus::ReturnOrRefundRequestPending,
            return_type: req.return_type,
            role: req.role,
            reason: req.reason,
            create_time: now,
            update_time: now,
            line_item_ids,
            restocked: false,
        };
        self.returns.insert(return_id, r.clone());
        let mut msgs = Vec::new();
        if self.webhooks_wanted(false) {
            msgs.push(self.webhooks.return_status(&r));
        }
        Ok((r, msgs))
    }

    /// Moves a return. With `restock`, completing it puts the returned units back into stock (once).
    pub fn set_return_status(
        &mut self,
        return_id: &str,
        status: ReturnStatus,
        restock: bool,
    ) -> Result<(Return, Vec<WebhookMsg>), ControlError> {
        let r = self
            .returns
            .get(return_id)
            .ok_or_else(|| ControlError::UnknownReturn(return_id.to_owned()))?
            .clone();
        let mut restocked = r.restocked;
        if status == ReturnStatus::ReturnOrRefundRequestComplete && restock && !r.restocked {
            let items: Vec<LineItem> = self
                .orders
                .get(&r.order_id)
                .map(|o| {
                    o.line_items
                        .iter()
                        .filter(|l| r.line_item_ids.contains(&l.id))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            let shop = self.shop_mut(&r.shop_id)?;
            for l in items {
                if let Some(p) = shop.products.get_mut(&l.product_id)
                    && let Some(s) = p.sku_mut(&l.sku_id)
                {
                    let _ = s.adjust(&l.warehouse_id, 1);
                }
            }
            restocked = true;
        }
        let r = self
            .returns
            .get_mut(return_id)
            .ok_or_else(|| ControlError::UnknownReturn(return_id.to_owned()))?;
        r.status = status;
        r.restocked = restocked;
        r.update_time = now_unix();
        let r = r.clone();
        let mut msgs = Vec::new();
        if self.webhooks_wanted(false) {
            msgs.push(self.webhooks.return_status(&r));
        }
        Ok((r, msgs))
    }
}
