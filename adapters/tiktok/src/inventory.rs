//! Stock, price and activate/deactivate writes (docs/src/channels/tiktok.md §6.3, §7).
//!
//! Inventory and price updates take **one product per call** (`product_id` in the path) with all its
//! changed SKUs; TikTok documents no SKU cap. A SKU repeated within one batch starts a new call, so the later
//! value is written last. Both set absolute values, so the transport may repeat them. A call that answers
//! `code 0` can still have failed for some SKUs: `data.errors[]` names them (`detail.sku_id`), and each
//! becomes that SKU's result; an error entry that names no SKU fails every SKU of its call.

use std::collections::HashMap;

use kho_channel::async_trait::async_trait;
use kho_channel::kit::ops::{ChunkedStatus, ChunkedWrites, StatusItem};
use kho_channel::kit::{CallResults, WriteCall, WriteKind};
use kho_channel::{ChannelError, ErrorKind};
use reqwest::Method;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::api::Request;
use crate::classify::error_kind;
use crate::client::TikTokChannel;
use crate::wire::{
    InventoryEntry, InventorySku, InventoryUpdate, Money, PriceSku, PriceUpdateBody, ProductIds,
    WriteError, WriteErrors,
};

pub const UPDATE_INVENTORY: &str = "/product/202309/products/{product_id}/inventory/update";
pub const UPDATE_PRICE: &str = "/product/202309/products/{product_id}/prices/update";
pub const ACTIVATE: &str = "/product/202309/products/activate";
pub const DEACTIVATE: &str = "/product/202309/products/deactivate";

/// Products per activate/deactivate call: a limit exists (12019120), 20 is the only figure seen.
pub const MAX_STATUS_ITEMS: usize = 20;

/// The error class of one `data.errors[]` entry; its message, or the first warehouse-level message when the
/// entry's own is empty.
pub fn write_error_kind(e: &WriteError) -> ErrorKind {
    let extra = e.detail.as_ref().and_then(|d| d.extra_errors.first());
    let message = if e.message.is_empty() {
        extra.map(|x| x.message.clone()).unwrap_or_default()
    } else {
        e.message.clone()
    };
    let code = e.code.or_else(|| extra.and_then(|x| x.code)).unwrap_or(-1);
    error_kind(code, &message, StatusCode::OK, &HeaderMap::new())
}

/// TikTok ids are decimal digits; anything else would only be rejected remotely (or escape the path).
fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())
}

/// Stock or prices: one product per call, with all its changed SKUs.
#[async_trait]
impl ChunkedWrites for TikTokChannel {
    const WRITE_ENDPOINTS: (&'static str, &'static str) = (UPDATE_INVENTORY, UPDATE_PRICE);

    /// One call for one product; returns a result per entry of the call.
    async fn write_chunk(&self, call: WriteCall<'_>) -> Result<CallResults, ChannelError> {
        let (write, endpoint, product_id) = (call.kind, call.endpoint, call.item_id());
        let mut out = Vec::new();
        if !valid_id(product_id) {
            let kind =
                ErrorKind::invalid_request("bad_remote_id", format!("product id {:?}", product_id));
            return Ok(call
                .entries()
                .map(|(i, _, _)| (i, Err(self.kit.error(endpoint, kind.clone()))))
                .collect());
        }
        // (index, sku id, value) of the SKUs that go on the wire.
        let mut skus: Vec<(usize, &str, i64)> = Vec::with_capacity(call.len());
        for (i, id, value) in call.entries() {
            let problem = match (&id.variant_id, write) {
                (None, _) => Some((
                    "bad_remote_id",
                    "a TikTok listing is addressed by its SKU id".to_owned(),
                )),
                (Some(v), _) if !valid_id(v) => Some(("bad_remote_id", format!("SKU id {v:?}"))),
                (Some(_), WriteKind::Stock) if value < 0 => {
                    Some(("stock_out_of_range", format!("stock {value} is negative")))
                }
                (Some(_), WriteKind::Price) if value < 1 => Some((
                    "price_out_of_range",
                    format!("price {value} VND is below 1 VND"),
                )),
                (Some(v), _) => {
                    skus.push((i, v.as_str(), value));
                    None
                }
            };
            if let Some((code, msg)) = problem {
                out.push((
                    i,
                    Err(self
                        .kit
                        .error(endpoint, ErrorKind::invalid_request(code, msg))),
                ));
            }
        }
        if skus.is_empty() {
            return Ok(out);
        }
        let path = match write {
            WriteKind::Stock => format!("/product/202309/products/{}/inventory/update", product_id),
            WriteKind::Price => format!("/product/202309/products/{}/prices/update", product_id),
        };
        let request = Request::new(Method::POST, endpoint).path(path);
        let request = match write {
            WriteKind::Stock => request.json(&InventoryUpdate {
                skus: skus
                    .iter()
                    .map(|&(_, id, quantity)| InventorySku {
                        id,
                        inventory: vec![InventoryEntry {
                            warehouse_id: self.warehouse_id.as_deref(),
                            quantity,
                        }],
                    })
                    .collect(),
            }),
            WriteKind::Price => request.json(&PriceUpdateBody {
                skus: skus
                    .iter()
                    .map(|&(_, id, price)| PriceSku {
                        id,
                        price: Money::vnd(price),
                    })
                    .collect(),
            }),
        }
        .map_err(|k| self.kit.error(endpoint, k))?;
        let reply: WriteErrors = self.api(&request).await?;
        let mut by_sku: HashMap<&str, &WriteError> = HashMap::new();
        let mut unattributed: Option<&WriteError> = None;
        for e in &reply.errors {
            match e
                .detail
                .as_ref()
                .map(|d| d.sku_id.as_str())
                .filter(|s| !s.is_empty())
            {
                Some(sku) => {
                    by_sku.insert(sku, e);
                }
                None => unattributed = unattributed.or(Some(e)),
            }
        }
        for (i, sku, _) in skus {
            let result = match by_sku.get(sku).copied().or(unattributed) {
                Some(e) => Err(self.kit.error(endpoint, write_error_kind(e))),
                None => Ok(()),
            };
            out.push((i, result));
        }
        Ok(out)
    }
}

/// Activate/deactivate: separate endpoints, several products per call.
#[async_trait]
impl ChunkedStatus for TikTokChannel {
    type Id = ();

    const STATUS_ENDPOINTS: (&'static str, &'static str) = (ACTIVATE, DEACTIVATE);

    fn status_id(id: &str) -> Result<(), ErrorKind> {
        if valid_id(id) {
            Ok(())
        } else {
            let message = format!("product id {id:?}");
            Err(ErrorKind::invalid_request("bad_remote_id", message))
        }
    }

    /// One activate/deactivate call for `items`.
    async fn status_call(
        &self,
        endpoint: &'static str,
        items: &[StatusItem<'_, ()>],
    ) -> Result<CallResults, ChannelError> {
        let body = ProductIds {
            product_ids: items.iter().map(|it| it.change.item_id.as_str()).collect(),
        };
        let request = Request::new(Method::POST, endpoint)
            .json(&body)
            .map_err(|k| self.kit.error(endpoint, k))?;
        let reply: WriteErrors = self.api(&request).await?;
        let mut by_product: HashMap<&str, &WriteError> = HashMap::new();
        let mut unattributed: Option<&WriteError> = None;
        for e in &reply.errors {
            match e
                .detail
                .as_ref()
                .map(|d| d.product_id.as_str())
                .filter(|s| !s.is_empty())
            {
                Some(p) => {
                    by_product.insert(p, e);
                }
                None => unattributed = unattributed.or(Some(e)),
            }
        }
        Ok(items
            .iter()
            .map(|it| {
                let found = by_product
                    .get(it.change.item_id.as_str())
                    .copied()
                    .or(unattributed);
                let result = match found {
                    Some(e) => Err(self.kit.error(endpoint, write_error_kind(e))),
                    None => Ok(()),
                };
                (it.index, result)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kho_channel::RemoteId;

    #[test]
    fn tiktok_writes_one_product_per_call_without_a_sku_cap() {
        use kho_channel::kit::Chunk;
        let ids: Vec<RemoteId> = vec![
            RemoteId::variant("1", "10"),
            RemoteId::variant("2", "20"),
            RemoteId::variant("1", "11"),
            RemoteId::variant("1", "10"), // repeat → new call
        ];
        let chunk = |p: &str, indices: Vec<usize>| Chunk {
            item_id: Some(p.into()),
            indices,
        };
        let scope = crate::capabilities().stock_batch;
        assert_eq!(
            scope.chunks(&ids),
            vec![
                chunk("1", vec![0, 2]),
                chunk("1", vec![3]),
                chunk("2", vec![1])
            ]
        );
        // No SKU cap: 150 SKUs of one product are one call.
        let many: Vec<RemoteId> = (0..150)
            .map(|s| RemoteId::variant("9", s.to_string()))
            .collect();
        assert_eq!(scope.chunks(&many).len(), 1);
        assert_eq!(crate::capabilities().price_batch, scope);
    }

    #[test]
    fn write_error_entries() {
        let e: WriteError = serde_json::from_value(serde_json::json!({
            "code": 12019024, "message": "",
            "detail": {"sku_id": "1", "extra_errors": [{"warehouse_id": "W", "code": 12019024, "message": "stock count invalid"}]}
        }))
        .unwrap();
        assert_eq!(
            write_error_kind(&e),
            ErrorKind::Permanent {
                code: "12019024".into(),
                message: "stock count invalid".into()
            }
        );
        let limited: WriteError = serde_json::from_value(
            serde_json::json!({"code": 36009002, "message": "Too many requests"}),
        )
        .unwrap();
        assert!(matches!(
            write_error_kind(&limited),
            ErrorKind::RateLimited { .. }
        ));
    }
}
