//! Stock, price and list/unlist writes (docs/src/channels/shopee.md §6.6, §7).
//!
//! `update_stock` and `update_price` take **one item per call** with up to 50 models, so updates are grouped
//! by item (all changed models of an item in one call) and split at 50. A model may appear once per call
//! ("Repeat model_id."), so a repeated model starts a new call, keeping the later value last. Partial
//! failures come back in `failure_list` and become per-item results with Shopee's `failed_reason`.

use std::collections::HashMap;

use kho_channel::{
    BatchOutcome, ChannelError, ErrorKind, PriceUpdate, RemoteId, StatusChange, StockUpdate,
};
use reqwest::Method;
use serde_json::json;

use crate::api::Call;
use crate::classify::Shape;
use crate::client::ShopeeChannel;
use crate::wire::{BatchReply, PriceListEntry, SellerStockWrite, StockListEntry};

pub const UPDATE_STOCK: &str = "/api/v2/product/update_stock";
pub const UPDATE_PRICE: &str = "/api/v2/product/update_price";
pub const UNLIST_ITEM: &str = "/api/v2/product/unlist_item";

const MAX_MODELS_PER_CALL: usize = 50;
const MAX_ITEMS_PER_UNLIST: usize = 50;

/// One call's worth: an item and the indices (into the caller's slice) of its models.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ItemChunk {
    pub item_id: String,
    pub indices: Vec<usize>,
}

/// Group by item in order of first appearance, at most `max` models per chunk, no model twice in a chunk.
pub(crate) fn chunk_by_item(ids: &[&RemoteId], max: usize) -> Vec<ItemChunk> {
    let mut order: Vec<String> = Vec::new();
    let mut per_item: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, id) in ids.iter().enumerate() {
        per_item
            .entry(id.item_id.as_str())
            .or_insert_with(|| {
                order.push(id.item_id.clone());
                Vec::new()
            })
            .push(i);
    }
    let mut chunks = Vec::new();
    for item_id in order {
        let Some(indices) = per_item.get(item_id.as_str()) else {
            continue;
        };
        let mut current: Vec<usize> = Vec::new();
        for &i in indices {
            let repeated = current
                .iter()
                .any(|&j| ids[j].variant_id == ids[i].variant_id);
            if current.len() >= max || repeated {
                chunks.push(ItemChunk {
                    item_id: item_id.clone(),
                    indices: std::mem::take(&mut current),
                });
            }
            current.push(i);
        }
        if !current.is_empty() {
            chunks.push(ItemChunk {
                item_id: item_id.clone(),
                indices: current,
            });
        }
    }
    chunks
}

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

/// Which write.
#[derive(Clone, Copy)]
enum Write {
    Stock,
    Price,
}

impl ShopeeChannel {
    pub(crate) async fn write_stock(
        &self,
        updates: &[StockUpdate],
    ) -> Result<BatchOutcome<RemoteId>, ChannelError> {
        let ids: Vec<&RemoteId> = updates.iter().map(|u| &u.id).collect();
        let values: Vec<i64> = updates.iter().map(|u| u.stock).collect();
        Ok(self.write_models(Write::Stock, &ids, &values).await)
    }

    pub(crate) async fn write_price(
        &self,
        updates: &[PriceUpdate],
    ) -> Result<BatchOutcome<RemoteId>, ChannelError> {
        let ids: Vec<&RemoteId> = updates.iter().map(|u| &u.id).collect();
        let values: Vec<i64> = updates.iter().map(|u| u.price_vnd).collect();
        Ok(self.write_models(Write::Price, &ids, &values).await)
    }

    async fn write_models(
        &self,
        write: Write,
        ids: &[&RemoteId],
        values: &[i64],
    ) -> BatchOutcome<RemoteId> {
        let endpoint = match write {
            Write::Stock => UPDATE_STOCK,
            Write::Price => UPDATE_PRICE,
        };
        let mut results: Vec<Option<Result<(), ChannelError>>> = vec![None; ids.len()];
        let mut stop: Option<ChannelError> = None;
        for chunk in chunk_by_item(ids, MAX_MODELS_PER_CALL) {
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

    /// One call; returns a result per index of the chunk.
    async fn write_chunk(
        &self,
        write: Write,
        endpoint: &'static str,
        chunk: &ItemChunk,
        ids: &[&RemoteId],
        values: &[i64],
    ) -> Result<Vec<(usize, Result<(), ChannelError>)>, ChannelError> {
        let item = item_id(&chunk.item_id).map_err(|k| self.error(endpoint, k))?;
        let mut models = Vec::with_capacity(chunk.indices.len());
        let mut out = Vec::new();
        for &i in &chunk.indices {
            match model_id(ids[i]) {
                Ok(m) => models.push((i, m)),
                Err(k) => out.push((i, Err(self.error(endpoint, k)))),
            }
        }
        if models.is_empty() {
            return Ok(out);
        }
        let body = match write {
            Write::Stock => json!({
                "item_id": item,
                "stock_list": models.iter().map(|&(i, m)| StockListEntry {
                    model_id: m,
                    seller_stock: vec![SellerStockWrite {
                        location_id: self.location_id.clone(),
                        stock: values[i],
                    }],
                }).collect::<Vec<_>>(),
            }),
            Write::Price => json!({
                "item_id": item,
                "price_list": models.iter().map(|&(i, m)| PriceListEntry {
                    model_id: m,
                    original_price: values[i],
                }).collect::<Vec<_>>(),
            }),
        };
        let reply: BatchReply = self
            .shop_call(|token| {
                Call::shop(&self.creds, Method::POST, endpoint, token)
                    .json(body.clone())
                    .shape(Shape::Batch)
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
        for (i, m) in models {
            let result = if let Some(reason) = failed.get(&m) {
                Err(self.error(endpoint, failure_kind(reason)))
            } else if !reply.error.is_empty() && !succeeded.contains(&m) {
                // The call as a whole failed and this model is in neither list.
                Err(self.error(
                    endpoint,
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

    pub(crate) async fn write_status(
        &self,
        changes: &[StatusChange],
    ) -> Result<BatchOutcome<String>, ChannelError> {
        let mut outcome = BatchOutcome::default();
        let mut stop: Option<ChannelError> = None;
        for chunk in changes.chunks(MAX_ITEMS_PER_UNLIST) {
            if let Some(err) = &stop {
                for c in chunk {
                    outcome.push_err(c.item_id.clone(), err.clone());
                }
                continue;
            }
            let mut list = Vec::new();
            let mut parsed = Vec::new();
            for c in chunk {
                match item_id(&c.item_id) {
                    Ok(id) => {
                        list.push(json!({"item_id": id, "unlist": !c.active}));
                        parsed.push((c, id));
                    }
                    Err(k) => outcome.push_err(c.item_id.clone(), self.error(UNLIST_ITEM, k)),
                }
            }
            if list.is_empty() {
                continue;
            }
            let body = json!({ "item_list": list });
            let reply: Result<BatchReply, ChannelError> = self
                .shop_call(|token| {
                    Call::shop(&self.creds, Method::POST, UNLIST_ITEM, token)
                        .json(body.clone())
                        .shape(Shape::Batch)
                })
                .await;
            match reply {
                Ok(reply) => {
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
                    for (c, id) in parsed {
                        if let Some(reason) = failed.get(&id) {
                            outcome.push_err(
                                c.item_id.clone(),
                                self.error(UNLIST_ITEM, failure_kind(reason)),
                            );
                        } else if !reply.error.is_empty() && !succeeded.contains(&id) {
                            outcome.push_err(
                                c.item_id.clone(),
                                self.error(
                                    UNLIST_ITEM,
                                    ErrorKind::Permanent {
                                        code: reply.error.clone(),
                                        message: reply.message.clone(),
                                    },
                                ),
                            );
                        } else {
                            outcome.push_ok(c.item_id.clone());
                        }
                    }
                }
                Err(err) => {
                    for (c, _) in parsed {
                        outcome.push_err(c.item_id.clone(), err.clone());
                    }
                    if stops_batch(&err.kind) {
                        stop = Some(err);
                    }
                }
            }
        }
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_group_by_item_split_at_max_and_on_repeats() {
        let ids: Vec<RemoteId> = vec![
            RemoteId::variant("1", "10"),
            RemoteId::variant("2", "20"),
            RemoteId::variant("1", "11"),
            RemoteId::variant("1", "10"), // repeat → new chunk
            RemoteId::item("3"),
        ];
        let refs: Vec<&RemoteId> = ids.iter().collect();
        let chunks = chunk_by_item(&refs, 50);
        assert_eq!(
            chunks,
            vec![
                ItemChunk {
                    item_id: "1".into(),
                    indices: vec![0, 2]
                },
                ItemChunk {
                    item_id: "1".into(),
                    indices: vec![3]
                },
                ItemChunk {
                    item_id: "2".into(),
                    indices: vec![1]
                },
                ItemChunk {
                    item_id: "3".into(),
                    indices: vec![4]
                },
            ]
        );
        let many: Vec<RemoteId> = (0..120)
            .map(|m| RemoteId::variant("9", m.to_string()))
            .collect();
        let refs: Vec<&RemoteId> = many.iter().collect();
        let sizes: Vec<usize> = chunk_by_item(&refs, 50)
            .iter()
            .map(|c| c.indices.len())
            .collect();
        assert_eq!(sizes, vec![50, 50, 20]);
    }

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
