//! Stock, price and list/unlist writes (docs/src/channels/shopee.md §6.6, §7).
//!
//! `update_stock` and `update_price` take **one item per call** with up to 50 models, so updates are grouped
//! by item (all changed models of an item in one call) and split at 50. A model may appear once per call
//! ("Repeat model_id."), so a repeated model starts a new call, keeping the later value last. Partial
//! failures come back in `failure_list` and become per-item results with Shopee's `failed_reason`.

use std::collections::HashMap;

use kho_channel::async_trait::async_trait;
use kho_channel::kit::ops::{ChunkedStatus, ChunkedWrites, StatusItem};
use kho_channel::kit::{CallResults, WriteCall, WriteKind};
use kho_channel::{ChannelError, ErrorKind, RemoteId};
use reqwest::Method;
use serde_json::json;

use crate::classify::Shape;
use crate::client::ShopeeChannel;
use crate::wire::{BatchReply, PriceListEntry, SellerStockWrite, StockListEntry};

pub const UPDATE_STOCK: &str = "/api/v2/product/update_stock";
pub const UPDATE_PRICE: &str = "/api/v2/product/update_price";
pub const UNLIST_ITEM: &str = "/api/v2/product/unlist_item";

/// `model_id` on the wire: 0 for an item without models.
fn model_id(id: &RemoteId) -> Result<i64, ErrorKind> {
    match &id.variant_id {
        None => Ok(0),
        Some(v) => v
            .parse()
            .map_err(|_| ErrorKind::invalid_request("bad_remote_id", format!("model id {v:?}"))),
    }
}

fn item_id(id: &str) -> Result<i64, ErrorKind> {
    id.parse()
        .map_err(|_| ErrorKind::invalid_request("bad_remote_id", format!("item id {id:?}")))
}

/// Shopee's `failed_reason` sometimes starts with an error code (`error_price_exceed_max_limitt: …`).
pub fn failure_kind(reason: &str) -> ErrorKind {
    let code = reason
        .split(':')
        .next()
        .map(str::trim)
        .filter(|c| c.starts_with("error_") && !c.contains(' '))
        .unwrap_or("failure_list");
    let lower = reason.to_ascii_lowercase();
    if code.contains("not_found") || lower.contains("not found") {
        ErrorKind::NotFound {
            code: code.to_owned(),
            message: reason.to_owned(),
        }
    } else {
        ErrorKind::Permanent {
            code: code.to_owned(),
            message: reason.to_owned(),
        }
    }
}

/// Stock or prices: all changed models of an item per call, at most 50.
#[async_trait]
impl ChunkedWrites for ShopeeChannel {
    const WRITE_ENDPOINTS: (&'static str, &'static str) = (UPDATE_STOCK, UPDATE_PRICE);

    /// One call; returns a result per entry of the call.
    async fn write_chunk(&self, call: WriteCall<'_>) -> Result<CallResults, ChannelError> {
        let item = item_id(call.item_id()).map_err(|k| self.kit.error(call.endpoint, k))?;
        // (index, model id, value) of the models that go on the wire.
        let mut models = Vec::with_capacity(call.len());
        let mut out = Vec::new();
        for (i, id, value) in call.entries() {
            match model_id(id) {
                Ok(m) => models.push((i, m, value)),
                Err(k) => out.push((i, Err(self.kit.error(call.endpoint, k)))),
            }
        }
        if models.is_empty() {
            return Ok(out);
        }
        let body = match call.kind {
            WriteKind::Stock => json!({
                "item_id": item,
                "stock_list": models.iter().map(|&(_, m, stock)| StockListEntry {
                    model_id: m,
                    seller_stock: vec![SellerStockWrite {
                        location_id: self.location_id.clone(),
                        stock,
                    }],
                }).collect::<Vec<_>>(),
            }),
            WriteKind::Price => json!({
                "item_id": item,
                "price_list": models.iter().map(|&(_, m, original_price)| PriceListEntry {
                    model_id: m,
                    original_price,
                }).collect::<Vec<_>>(),
            }),
        };
        let reply: BatchReply = self
            .kit
            .send(Method::POST, call.endpoint, |call| {
                call.json(body.clone()).shape(Shape::Batch)
            })
            .await?;
        let failed: HashMap<i64, &str> = reply
            .failure_list
            .iter()
            .map(|f| (f.model_id.unwrap_or(0), f.failed_reason.as_str()))
            .collect();
        let succeeded: Vec<i64> = reply
            .success_list
            .iter()
            .map(|s| s.model_id.unwrap_or(0))
            .collect();
        for (i, m, _) in models {
            let result = if let Some(reason) = failed.get(&m) {
                Err(self.kit.error(call.endpoint, failure_kind(reason)))
            } else if !reply.error.is_empty() && !succeeded.contains(&m) {
                // The call as a whole failed and this model is in neither list.
                Err(self.kit.error(
                    call.endpoint,
                    ErrorKind::Permanent {
                        code: reply.error.clone(),
                        message: reply.message.clone(),
                    },
                ))
            } else {
                Ok(())
            };
            out.push((i, result));
        }
        Ok(out)
    }
}

/// List/unlist: one `unlist_item` call carries either for up to 50 items.
#[async_trait]
impl ChunkedStatus for ShopeeChannel {
    type Id = i64;

    const STATUS_ENDPOINTS: (&'static str, &'static str) = (UNLIST_ITEM, UNLIST_ITEM);

    fn status_id(id: &str) -> Result<i64, ErrorKind> {
        item_id(id)
    }

    /// One `unlist_item` call; a result per change it carried.
    async fn status_call(
        &self,
        _endpoint: &'static str,
        items: &[StatusItem<'_, i64>],
    ) -> Result<CallResults, ChannelError> {
        let list: Vec<_> = items
            .iter()
            .map(|it| json!({"item_id": it.id, "unlist": !it.change.active}))
            .collect();
        let body = json!({ "item_list": list });
        let reply: BatchReply = self
            .kit
            .send(Method::POST, UNLIST_ITEM, |call| {
                call.json(body.clone()).shape(Shape::Batch)
            })
            .await?;
        let failed: HashMap<i64, &str> = reply
            .failure_list
            .iter()
            .filter_map(|f| f.item_id.map(|id| (id, f.failed_reason.as_str())))
            .collect();
        let succeeded: Vec<i64> = reply
            .success_list
            .iter()
            .filter_map(|s| s.item_id)
            .collect();
        Ok(items
            .iter()
            .map(|&StatusItem { index: i, id, .. }| {
                let result = if let Some(reason) = failed.get(&id) {
                    Err(self.kit.error(UNLIST_ITEM, failure_kind(reason)))
                } else if !reply.error.is_empty() && !succeeded.contains(&id) {
                    Err(self.kit.error(
                        UNLIST_ITEM,
                        ErrorKind::Permanent {
                            code: reply.error.clone(),
                            message: reply.message.clone(),
                        },
                    ))
                } else {
                    Ok(())
                };
                (i, result)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_reason_codes() {
        assert_eq!(
            failure_kind("error_price_exceed_max_limitt: price 900000000 is higher than max_limit 120000000"),
            ErrorKind::Permanent {
                code: "error_price_exceed_max_limitt".into(),
                message: "error_price_exceed_max_limitt: price 900000000 is higher than max_limit 120000000".into()
            }
        );
        assert_eq!(
            failure_kind("Can not update item with stock less than reserved stock"),
            ErrorKind::Permanent {
                code: "failure_list".into(),
                message: "Can not update item with stock less than reserved stock".into()
            }
        );
    }
}
