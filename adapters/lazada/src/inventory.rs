//! Stock, price and activate/deactivate writes (docs/src/channels/lazada.md §6.3, §7).
//!
//! * Stock goes to `/product/stock/sellable/update`, an **absolute** overwrite of the *sellable* stock — what
//!   kho means by stock. `/product/price_quantity/update`'s `Quantity` would set the *total* warehouse stock
//!   instead (sellable = total − withhold − occupy), so it is never sent.
//! * Prices go to `/product/price_quantity/update` with `Price` only.
//! * Both take up to 50 SKUs per call **from any products**, so updates are packed in input order into calls of
//!   the configured batch size (default 20, Lazada's advice), regardless of which product they belong to. A SKU
//!   may appear once per call, so a repeated SKU starts a new call (the later value lands last).
//! * A partly failed call answers a roll-up error (`501`) with per-SKU entries in `detail`; those become
//!   per-item results. Entries name the SKU, or sometimes only the product: an entry naming only the product
//!   fails every SKU of that product in the call, and an entry naming nothing fails the whole call. Writes are
//!   absolute, so reporting a SKU that in fact succeeded as failed only costs a harmless repeat.
//! * Payloads are XML, the only form documented for the sellable APIs (§7.2).

use kho_channel::async_trait::async_trait;
use kho_channel::kit::ops::{BatchWrites, StatusWrites};
use kho_channel::kit::{BatchRun, CallResults, WriteKind, Writes};
use kho_channel::{BatchOutcome, ChannelError, ErrorKind, RemoteId, StatusChange};
use reqwest::Method;
use serde_json::json;

use crate::classify::{Shape, error_kind};
use crate::client::LazadaChannel;
use crate::wire::{BatchReply, Detail, Ignored, Product};

pub const SELLABLE_UPDATE: &str = "/product/stock/sellable/update";
pub const PRICE_QUANTITY_UPDATE: &str = "/product/price_quantity/update";
pub const PRODUCT_DEACTIVATE: &str = "/product/deactivate";
pub const PRODUCT_UPDATE: &str = "/product/update";
pub const PRODUCT_ITEM_GET: &str = "/product/item/get";

/// Escape text for an XML element.
pub(crate) fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Lazada ids are decimal numbers; anything else is refused before it reaches a payload.
pub(crate) fn numeric_id(kind: &str, id: &str) -> Result<String, ErrorKind> {
    let id = id.trim();
    if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(id.to_owned())
    } else {
        Err(ErrorKind::invalid_request(
            "bad_remote_id",
            format!("{kind} id {id:?} is not a Lazada id"),
        ))
    }
}

/// One SKU ready for a payload.
struct Line {
    index: usize,
    item_id: String,
    sku_id: String,
    value: i64,
}

/// Stock or prices: SKUs of any products packed in input order, at the configured batch size.
#[async_trait]
impl BatchWrites for LazadaChannel {
    async fn write_batch(&self, mut writes: Writes<'_>) -> BatchOutcome<RemoteId> {
        let (endpoint, write) = match writes.kind {
            WriteKind::Stock => {
                // Sellable stock cannot go below zero (error 212); an oversold SKU simply has nothing to sell.
                writes.values.iter_mut().for_each(|v| *v = (*v).max(0));
                (SELLABLE_UPDATE, WriteKind::Stock)
            }
            WriteKind::Price => (PRICE_QUANTITY_UPDATE, WriteKind::Price),
        };
        let scope = writes.scope(&self.kit.capabilities);
        let (ids, values) = (&writes.ids, &writes.values);
        let mut run = BatchRun::new(ids.len());
        let mut lines = Vec::with_capacity(ids.len());
        for (index, id) in ids.iter().enumerate() {
            let parsed = numeric_id("item", &id.item_id).and_then(|item_id| {
                let sku = id.variant_id.as_deref().ok_or_else(|| {
                    ErrorKind::invalid_request(
                        "bad_remote_id",
                        format!("item {item_id}: Lazada writes need a SKU id"),
                    )
                })?;
                Ok((item_id, numeric_id("SKU", sku)?))
            });
            match parsed {
                Ok((item_id, sku_id)) => lines.push(Line {
                    index,
                    item_id,
                    sku_id,
                    value: values[index],
                }),
                Err(kind) => run.set(index, Err(self.kit.error(endpoint, kind))),
            }
        }
        let keys: Vec<RemoteId> = lines
            .iter()
            .map(|l| RemoteId::variant(l.item_id.clone(), l.sku_id.clone()))
            .collect();
        for chunk in scope.chunks(&keys) {
            let chunk: Vec<&Line> = chunk.indices.iter().map(|&i| &lines[i]).collect();
            let indices: Vec<usize> = chunk.iter().map(|l| l.index).collect();
            run.send(&indices, self.write_chunk(write, endpoint, &chunk))
                .await;
        }
        writes.finish(run, &self.kit.http, endpoint)
    }
}

impl LazadaChannel {
    fn payload(&self, write: WriteKind, chunk: &[&Line]) -> String {
        let mut xml = String::from("<Request><Product><Skus>");
        for l in chunk {
            xml.push_str("<Sku><ItemId>");
            xml.push_str(&l.item_id);
            xml.push_str("</ItemId><SkuId>");
            xml.push_str(&l.sku_id);
            xml.push_str("</SkuId>");
            match (write, &self.warehouse_code) {
                (WriteKind::Stock, None) => {
                    xml.push_str(&format!("<SellableQuantity>{}</SellableQuantity>", l.value));
                }
                (WriteKind::Stock, Some(code)) => {
                    xml.push_str(&format!(
                        "<MultiWarehouseInventories><MultiWarehouseInventory><WarehouseCode>{}</WarehouseCode><SellableQuantity>{}</SellableQuantity></MultiWarehouseInventory></MultiWarehouseInventories>",
                        xml_escape(code),
                        l.value
                    ));
                }
                (WriteKind::Price, _) => xml.push_str(&format!("<Price>{}</Price>", l.value)),
            }
            xml.push_str("</Sku>");
        }
        xml.push_str("</Skus></Product></Request>");
        xml
    }

    /// One call; returns a result per line of the chunk.
    async fn write_chunk(
        &self,
        write: WriteKind,
        endpoint: &'static str,
        chunk: &[&Line],
    ) -> Result<CallResults, ChannelError> {
        let payload = self.payload(write, chunk);
        let reply: BatchReply = self
            .kit
            .send(Method::POST, endpoint, |call| {
                call.param("payload", &payload).shape(Shape::Batch)
            })
            .await?;
        Ok(self.read_detail(endpoint, chunk, &reply))
    }

    /// Spread `detail` over the chunk's lines (see the module docs for the attribution rules).
    fn read_detail(
        &self,
        endpoint: &str,
        chunk: &[&Line],
        reply: &BatchReply,
    ) -> Vec<(usize, Result<(), ChannelError>)> {
        let mut failed: Vec<Option<ChannelError>> = vec![None; chunk.len()];
        let mut unattributed: Vec<&Detail> = Vec::new();
        for d in &reply.detail {
            let kind = detail_kind(d, reply);
            let hits: Vec<usize> = if let Some(sku) = &d.sku_id {
                chunk
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| &l.sku_id == sku)
                    .map(|(i, _)| i)
                    .collect()
            } else if let Some(item) = &d.item_id {
                chunk
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| &l.item_id == item)
                    .map(|(i, _)| i)
                    .collect()
            } else {
                Vec::new()
            };
            if hits.is_empty() {
                unattributed.push(d);
            }
            for i in hits {
                failed[i].get_or_insert_with(|| self.kit.error(endpoint, kind.clone()));
            }
        }
        let whole_call_failed = reply.code != "0";
        if !unattributed.is_empty() || (whole_call_failed && reply.detail.is_empty()) {
            if whole_call_failed {
                // Some failure cannot be pinned on a SKU: fail every SKU not already failed.
                let kind = error_kind(&reply.code, "", &unattributed_message(reply, &unattributed));
                for f in failed.iter_mut() {
                    f.get_or_insert_with(|| self.kit.error(endpoint, kind.clone()));
                }
            } else {
                tracing::warn!(account = %self.kit.name, endpoint, entries = unattributed.len(),
                    "Lazada reported success with detail entries that name no SKU of the call");
            }
        }
        chunk
            .iter()
            .zip(failed)
            .map(|(l, f)| (l.index, f.map_or(Ok(()), Err)))
            .collect()
    }
}

/// Activate/deactivate: one product per call, each change in input order.
#[async_trait]
impl StatusWrites for LazadaChannel {
    async fn write_status(
        &self,
        changes: &[StatusChange],
    ) -> Result<BatchOutcome<String>, ChannelError> {
        // One product per call (`max_status_items` is 1).
        let mut run = BatchRun::new(changes.len());
        for (i, change) in changes.iter().enumerate() {
            let call = async move {
                if change.active {
                    self.activate(&change.item_id).await?;
                } else {
                    self.deactivate(&change.item_id).await?;
                }
                Ok(vec![(i, Ok(()))])
            };
            run.send(&[i], call).await;
        }
        Ok(run.finish_changes(changes, &self.kit.http, PRODUCT_DEACTIVATE))
    }
}

impl LazadaChannel {
    /// `/product/deactivate` takes the product in `apiRequestBody`; without `Skus` the whole product goes
    /// offline. (Not covered by docs/src/channels/lazada.md beyond its JSON-support note; shape from Lazada's API reference.)
    async fn deactivate(&self, item_id: &str) -> Result<(), ChannelError> {
        let item =
            numeric_id("item", item_id).map_err(|k| self.kit.error(PRODUCT_DEACTIVATE, k))?;
        let body = format!("<Request><Product><ItemId>{item}</ItemId></Product></Request>");
        let _: Ignored = self
            .seller_call(Method::POST, PRODUCT_DEACTIVATE, ("apiRequestBody", &body))
            .await?;
        Ok(())
    }

    /// Lazada has no "activate" API: `/product/update` sets every SKU's `Status` to `active`. Update needs each
    /// `SkuId`, so the product is read first (`/product/item/get`, docs/src/channels/lazada.md §6.2–§6.3).
    async fn activate(&self, item_id: &str) -> Result<(), ChannelError> {
        let item = numeric_id("item", item_id).map_err(|k| self.kit.error(PRODUCT_UPDATE, k))?;
        let product: Product = self
            .seller_call(Method::GET, PRODUCT_ITEM_GET, ("item_id", &item))
            .await?;
        if product.skus.is_empty() {
            return Err(self.kit.error(
                PRODUCT_ITEM_GET,
                ErrorKind::NotFound {
                    code: "kho.no_skus".into(),
                    message: format!("product {item} has no SKUs to activate"),
                },
            ));
        }
        let skus: Vec<_> = product
            .skus
            .iter()
            .map(|s| json!({"SkuId": s.sku_id, "SellerSku": s.seller_sku, "Status": "active"}))
            .collect();
        let payload =
            json!({"Request": {"Product": {"ItemId": item, "Skus": {"Sku": skus}}}}).to_string();
        let _: Ignored = self
            .seller_call(Method::POST, PRODUCT_UPDATE, ("payload", &payload))
            .await?;
        Ok(())
    }
}

/// A detail entry's class: its own code when it has one (`E0501`, `E212` …), else the envelope's.
pub fn detail_kind(d: &Detail, reply: &BatchReply) -> ErrorKind {
    let code = if d.code.is_empty() {
        reply.code.as_str()
    } else {
        d.code.as_str()
    };
    let message = if d.message.is_empty() {
        reply.message.as_str()
    } else {
        d.message.as_str()
    };
    error_kind(code, "", message)
}

fn unattributed_message(reply: &BatchReply, unattributed: &[&Detail]) -> String {
    let details: Vec<&str> = unattributed
        .iter()
        .map(|d| d.message.as_str())
        .filter(|m| !m.is_empty())
        .collect();
    if details.is_empty() {
        reply.message.clone()
    } else {
        format!("{} ({})", reply.message, details.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_pack_skus_of_any_products_at_the_configured_batch_size() {
        let caps = crate::capabilities(50, 20);
        let ids: Vec<RemoteId> = (0..120)
            .map(|i| RemoteId::variant((i / 3).to_string(), i.to_string()))
            .collect();
        let sizes = |scope: kho_channel::BatchScope| -> Vec<usize> {
            scope.chunks(&ids).iter().map(|c| c.indices.len()).collect()
        };
        assert_eq!(sizes(caps.stock_batch), vec![50, 50, 20]);
        assert_eq!(sizes(caps.price_batch), vec![20; 6]);
        let repeat = [
            RemoteId::variant("1", "1"),
            RemoteId::variant("1", "2"),
            RemoteId::variant("1", "1"),
        ];
        assert_eq!(caps.stock_batch.calls_for(&repeat), 2);
    }

    #[test]
    fn ids_must_be_numeric_and_text_is_escaped() {
        assert_eq!(numeric_id("item", " 123 ").unwrap(), "123");
        assert!(numeric_id("item", "12<a>").is_err());
        assert!(numeric_id("item", "").is_err());
        assert_eq!(xml_escape("a&b<c>\"'"), "a&amp;b&lt;c&gt;&quot;&apos;");
    }
}
