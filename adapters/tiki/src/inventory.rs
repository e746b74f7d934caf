//! Stock and price (docs/src/channels/tiki-woocommerce.md §A7): `PUT /integration/v2.1/products/updateSkus` with
//! `{"data":[{product_id, warehouse_quantities:[{warehouse_id, qty_available}]} | {product_id, price}]}`
//! — stock is absolute per seller warehouse — answered per entry; activation through
//! `PUT /integration/v2/products/updateSku` with the documented `active: 1|0` (the batch's `status: 1|2`
//! is not documented, so kho does not rely on it).

use kho_channel::async_trait::async_trait;
use kho_channel::kit::ops::{ChunkedStatus, ChunkedWrites, StatusItem};
use kho_channel::kit::{CallResults, WriteCall, WriteKind};
use kho_channel::{ChannelError, ErrorKind};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::client::TikiChannel;

pub const UPDATE_SKUS: &str = "/integration/v2.1/products/updateSkus";
pub const UPDATE_SKU: &str = "/integration/v2/products/updateSku";

#[derive(Deserialize)]
struct Results {
    data: Vec<EntryResult>,
}

#[derive(Deserialize)]
struct EntryResult {
    #[serde(default)]
    success: bool,
    #[serde(default)]
    errors: Vec<String>,
}

pub(crate) fn product_id(id: &str) -> Result<i64, ErrorKind> {
    id.trim().parse().map_err(|_| {
        ErrorKind::invalid_request("bad_remote_id", format!("{id:?} is not a Tiki product id"))
    })
}

/// An entry Tiki refused: not found when it says so, otherwise a permanent refusal with its words.
fn refused(errors: &[String]) -> ErrorKind {
    let message = errors.join("; ");
    if message.to_lowercase().contains("not found") {
        ErrorKind::NotFound {
            code: "tiki.not_found".into(),
            message,
        }
    } else {
        ErrorKind::Permanent {
            code: "tiki.refused".into(),
            message,
        }
    }
}

#[async_trait]
impl ChunkedWrites for TikiChannel {
    const WRITE_ENDPOINTS: (&'static str, &'static str) = (UPDATE_SKUS, UPDATE_SKUS);

    async fn write_chunk(&self, call: WriteCall<'_>) -> Result<CallResults, ChannelError> {
        let warehouse = match call.kind {
            WriteKind::Stock => Some(self.warehouse().await?),
            WriteKind::Price => None,
        };
        let mut results = Vec::new();
        let mut sent = Vec::new();
        let mut data = Vec::new();
        for (index, id, value) in call.entries() {
            match product_id(&id.item_id) {
                Err(kind) => results.push((index, Err(self.kit.error(call.endpoint, kind)))),
                Ok(pid) => {
                    sent.push(index);
                    data.push(match warehouse {
                        Some(w) => json!({"product_id": pid,
                            "warehouse_quantities": [{"warehouse_id": w, "qty_available": value.max(0)}]}),
                        None => json!({"product_id": pid, "price": value}),
                    });
                }
            }
        }
        if data.is_empty() {
            return Ok(results);
        }
        let body = json!({ "data": data });
        let reply: Results = self
            .kit
            .send(Method::PUT, UPDATE_SKUS, |c| c.json(body.clone()))
            .await?;
        for (n, index) in sent.into_iter().enumerate() {
            let outcome = match reply.data.get(n) {
                Some(r) if r.success => Ok(()),
                Some(r) => Err(self.kit.error(call.endpoint, refused(&r.errors))),
                None => Err(self.kit.error(
                    call.endpoint,
                    ErrorKind::Transient {
                        message: "Tiki answered without a result for this entry".into(),
                    },
                )),
            };
            results.push((index, outcome));
        }
        Ok(results)
    }
}

#[async_trait]
impl ChunkedStatus for TikiChannel {
    type Id = i64;

    const STATUS_ENDPOINTS: (&'static str, &'static str) = (UPDATE_SKU, UPDATE_SKU);

    fn status_id(item_id: &str) -> Result<i64, ErrorKind> {
        product_id(item_id)
    }

    async fn status_call(
        &self,
        _endpoint: &'static str,
        items: &[StatusItem<'_, i64>],
    ) -> Result<CallResults, ChannelError> {
        let mut results = Vec::new();
        for item in items {
            self.set_active(item.id, item.change.active).await?;
            results.push((item.index, Ok(())));
        }
        Ok(results)
    }
}

impl TikiChannel {
    pub(crate) async fn set_active(
        &self,
        product_id: i64,
        active: bool,
    ) -> Result<(), ChannelError> {
        let body = json!({"product_id": product_id, "active": i64::from(active)});
        let _: Value = self
            .kit
            .send(Method::PUT, UPDATE_SKU, |c| c.json(body.clone()))
            .await?;
        Ok(())
    }
}
