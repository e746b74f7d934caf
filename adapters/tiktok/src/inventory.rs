//! Stock, price and activate/deactivate writes (docs/src/channels/tiktok.md §6.3, §7).
//!
//! Inventory and price updates take **one product per call** (`product_id` in the path) with all its
//! changed SKUs; TikTok documents no SKU cap. A SKU repeated within one batch starts a new call, so the later
//! value is written last. Both set absolute values, so the transport may repeat them. A call that answers
//! `code 0` can still have failed for some SKUs: `data.errors[]` names them (`detail.sku_id`), and each
//! becomes that SKU's result; an error entry that names no SKU fails every SKU of its call.

use std::collections::HashMap;

use kho_channel::{
    BatchOutcome, ChannelError, ErrorKind, PriceUpdate, RemoteId, StatusChange, StockUpdate,
};
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

/// One call's worth: a product and the indices (into the caller's slice) of its SKUs.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ProductChunk {
    pub product_id: String,
    pub indices: Vec<usize>,
}

/// Group by product in order of first appearance, no SKU twice in a chunk.
pub(crate) fn chunk_by_product(ids: &[&RemoteId]) -> Vec<ProductChunk> {
    let mut order: Vec<&str> = Vec::new();
    let mut per_product: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, id) in ids.iter().enumerate() {
        per_product
            .entry(id.item_id.as_str())
            .or_insert_with(|| {
                order.push(id.item_id.as_str());
                Vec::new()
            })
            .push(i);
    }
    let mut chunks = Vec::new();
    for product_id in order {
        let Some(indices) = per_product.get(product_id) else {
            continue;
        };
        let mut current: Vec<usize> = Vec::new();
        for &i in indices {
            if current
                .iter()
                .any(|&j| ids[j].variant_id == ids[i].variant_id)
            {
                chunks.push(ProductChunk {
                    product_id: product_id.to_owned(),
                    indices: std::mem::take(&mut current),
                });
            }
            current.push(i);
        }
        if !current.is_empty() {
            chunks.push(ProductChunk {
                product_id: product_id.to_owned(),
                indices: current,
            });
        }
    }
    chunks
}

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

/// After a whole-call error, later calls are pointless for these classes (and would only burn quota or
/// refresh attempts).
fn stops_batch(kind: &ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::AuthExpired { .. }
            | ErrorKind::ReauthRequired { .. }
            | ErrorKind::RateLimited { .. }
    )
}

/// TikTok ids are decimal digits; anything else would only be rejected remotely (or escape the path).
fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())
}

#[derive(Clone, Copy)]
enum Write {
    Stock,
    Price,
}

impl TikTokChannel {
    pub(crate) async fn write_stock(
        &self,
        updates: &[StockUpdate],
    ) -> Result<BatchOutcome<RemoteId>, ChannelError> {
        let ids: Vec<&RemoteId> = updates.iter().map(|u| &u.id).collect();
        let values: Vec<i64> = updates.iter().map(|u| u.stock).collect();
        Ok(self.write_skus(Write::Stock, &ids, &values).await)
    }

    pub(crate) async fn write_price(
        &self,
        updates: &[PriceUpdate],
    ) -> Result<BatchOutcome<RemoteId>, ChannelError> {
        let ids: Vec<&RemoteId> = updates.iter().map(|u| &u.id).collect();
        let values: Vec<i64> = updates.iter().map(|u| u.price_vnd).collect();
        Ok(self.write_skus(Write::Price, &ids, &values).await)
    }

    async fn write_skus(
        &self,
        write: Write,
        ids: &[&RemoteId],
        values: &[i64],
    ) -> BatchOutcome<RemoteId> {
        let endpoint = match write {
            Write::Stock => UPDATE_INVENTORY,
            Write::Price => UPDATE_PRICE,
        };
        let mut results: Vec<Option<Result<(), ChannelError>>> = vec![None; ids.len()];
        let mut stop: Option<ChannelError> = None;
        for chunk in chunk_by_product(ids) {
            if let Some(err) = &stop {
                for &i in &chunk.indices {
                    results[i] = Some(Err(err.clone()));
                }
                continue;
            }
            match self.write_chunk(write, endpoint, &chunk, ids, values).await {
                Ok(per_index) => {
                    for (i, r) in per_index {
                        results[i] = Some(r);
                    }
                }
                Err(err) => {
                    for &i in &chunk.indices {
                        results[i] = Some(Err(err.clone()));
                    }
                    if stops_batch(&err.kind) {
                        stop = Some(err);
                    }
                }
            }
        }
        let mut outcome = BatchOutcome::default();
        for (i, r) in results.into_iter().enumerate() {
            let key = ids[i].clone();
            match r {
                Some(Ok(())) => outcome.push_ok(key),
                Some(Err(e)) => outcome.push_err(key, e),
                // Every index belongs to exactly one chunk; kept total rather than panicking.
                None => outcome.push_err(
                    key,
                    self.error(
                        endpoint,
                        ErrorKind::invalid_request("not_sent", "update was not sent"),
                    ),
                ),
            }
        }
        outcome
    }

    /// One call for one product; returns a result per index of the chunk.
    async fn write_chunk(
        &self,
        write: Write,
        endpoint: &'static str,
        chunk: &ProductChunk,
        ids: &[&RemoteId],
        values: &[i64],
    ) -> Result<Vec<(usize, Result<(), ChannelError>)>, ChannelError> {
        let mut out = Vec::new();
        if !valid_id(&chunk.product_id) {
            let kind = ErrorKind::invalid_request(
                "bad_remote_id",
                format!("product id {:?}", chunk.product_id),
            );
            return Ok(chunk
                .indices
                .iter()
                .map(|&i| (i, Err(self.error(endpoint, kind.clone()))))
                .collect());
        }
        // (index, sku id) of the SKUs that go on the wire.
        let mut skus: Vec<(usize, &str)> = Vec::with_capacity(chunk.indices.len());
        for &i in &chunk.indices {
            let problem = match (&ids[i].variant_id, write) {
                (None, _) => Some((
                    "bad_remote_id",
                    "a TikTok listing is addressed by its SKU id".to_owned(),
                )),
                (Some(v), _) if !valid_id(v) => Some(("bad_remote_id", format!("SKU id {v:?}"))),
                (Some(_), Write::Stock) if values[i] < 0 => Some((
                    "stock_out_of_range",
                    format!("stock {} is negative", values[i]),
                )),
                (Some(_), Write::Price) if values[i] < 1 => Some((
                    "price_out_of_range",
                    format!("price {} VND is below 1 VND", values[i]),
                )),
                (Some(v), _) => {
                    skus.push((i, v.as_str()));
                    None
                }
            };
            if let Some((code, msg)) = problem {
                out.push((
                    i,
                    Err(self.error(endpoint, ErrorKind::invalid_request(code, msg))),
                ));
            }
        }
        if skus.is_empty() {
            return Ok(out);
        }
        let path = match write {
            Write::Stock => format!(
                "/product/202309/products/{}/inventory/update",
                chunk.product_id
            ),
            Write::Price => format!(
                "/product/202309/products/{}/prices/update",
                chunk.product_id
            ),
        };
        let request = Request::new(Method::POST, endpoint).path(path);
        let request = match write {
            Write::Stock => request.json(&InventoryUpdate {
                skus: skus
                    .iter()
                    .map(|&(i, id)| InventorySku {
                        id,
                        inventory: vec![InventoryEntry {
                            warehouse_id: self.warehouse_id.as_deref(),
                            quantity: values[i],
                        }],
                    })
                    .collect(),
            }),
            Write::Price => request.json(&PriceUpdateBody {
                skus: skus
                    .iter()
                    .map(|&(i, id)| PriceSku {
                        id,
                        price: Money::vnd(values[i]),
                    })
                    .collect(),
            }),
        }
        .map_err(|k| self.error(endpoint, k))?;
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
        for (i, sku) in skus {
            let result = match by_sku.get(sku).copied().or(unattributed) {
                Some(e) => Err(self.error(endpoint, write_error_kind(e))),
                None => Ok(()),
            };
            out.push((i, result));
        }
        Ok(out)
    }

    pub(crate) async fn write_status(
        &self,
        changes: &[StatusChange],
    ) -> Result<BatchOutcome<String>, ChannelError> {
        let mut results: Vec<Option<Result<(), ChannelError>>> = vec![None; changes.len()];
        let mut stop: Option<ChannelError> = None;
        for (active, endpoint) in [(true, ACTIVATE), (false, DEACTIVATE)] {
            let mut wanted: Vec<usize> = Vec::new();
            for (i, c) in changes
                .iter()
                .enumerate()
                .filter(|(_, c)| c.active == active)
            {
                if valid_id(&c.item_id) {
                    wanted.push(i);
                } else {
                    results[i] = Some(Err(self.error(
                        endpoint,
                        ErrorKind::invalid_request(
                            "bad_remote_id",
                            format!("product id {:?}", c.item_id),
                        ),
                    )));
                }
            }
            for chunk in wanted.chunks(MAX_STATUS_ITEMS) {
                if let Some(err) = &stop {
                    for &i in chunk {
                        results[i] = Some(Err(err.clone()));
                    }
                    continue;
                }
                let body = ProductIds {
                    product_ids: chunk.iter().map(|&i| changes[i].item_id.as_str()).collect(),
                };
                let reply: Result<WriteErrors, ChannelError> =
                    match Request::new(Method::POST, endpoint).json(&body) {
                        Ok(request) => self.api(&request).await,
                        Err(k) => Err(self.error(endpoint, k)),
                    };
                match reply {
                    Ok(reply) => {
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
                        for &i in chunk {
                            results[i] = Some(
                                match by_product
                                    .get(changes[i].item_id.as_str())
                                    .copied()
                                    .or(unattributed)
                                {
                                    Some(e) => Err(self.error(endpoint, write_error_kind(e))),
                                    None => Ok(()),
                                },
                            );
                        }
                    }
                    Err(err) => {
                        for &i in chunk {
                            results[i] = Some(Err(err.clone()));
                        }
                        if stops_batch(&err.kind) {
                            stop = Some(err);
                        }
                    }
                }
            }
        }
        let mut outcome = BatchOutcome::default();
        for (c, r) in changes.iter().zip(results) {
            match r {
                Some(Ok(())) => outcome.push_ok(c.item_id.clone()),
                Some(Err(e)) => outcome.push_err(c.item_id.clone(), e),
                None => outcome.push_err(
                    c.item_id.clone(),
                    self.error(
                        ACTIVATE,
                        ErrorKind::invalid_request("not_sent", "change was not sent"),
                    ),
                ),
            }
        }
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_group_by_product_and_split_on_repeats() {
        let ids: Vec<RemoteId> = vec![
            RemoteId::variant("1", "10"),
            RemoteId::variant("2", "20"),
            RemoteId::variant("1", "11"),
            RemoteId::variant("1", "10"), // repeat → new call
        ];
        let refs: Vec<&RemoteId> = ids.iter().collect();
        assert_eq!(
            chunk_by_product(&refs),
            vec![
                ProductChunk {
                    product_id: "1".into(),
                    indices: vec![0, 2]
                },
                ProductChunk {
                    product_id: "1".into(),
                    indices: vec![3]
                },
                ProductChunk {
                    product_id: "2".into(),
                    indices: vec![1]
                },
            ]
        );
        // No SKU cap: 150 SKUs of one product are one call.
        let many: Vec<RemoteId> = (0..150)
            .map(|s| RemoteId::variant("9", s.to_string()))
            .collect();
        let refs: Vec<&RemoteId> = many.iter().collect();
        assert_eq!(chunk_by_product(&refs).len(), 1);
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
