//! Stock, price and status writes (`docs/src/channels/tiki-woocommerce.md` B6, B7): batch updates of at most 100
//! items per call — `POST /products/batch` for products, `POST /products/{id}/variations/batch` for the
//! variations of one product — each item succeeding or failing on its own inside the HTTP 200. Stock is
//! `stock_quantity` sent with `manage_stock: true` (WooCommerce blanks the quantity of an unmanaged item); the
//! price is `regular_price`, a string of whole đồng.

use kho_channel::kit::stops_batch;
use kho_channel::transport::AccountClient;
use kho_channel::{ChannelError, ErrorKind};
use reqwest::Method;
use serde_json::{Value, json};

use crate::classify::{Shape, error_kind};
use crate::sign::{Call, Credentials};

/// WooCommerce's limit across `create`, `update` and `delete` of one batch.
pub const BATCH_LIMIT: usize = 100;

/// One field write for one product or variation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// Absolute stock; turns stock management on, without which WooCommerce ignores the quantity.
    Stock(i64),
    /// Whole đồng.
    Price(i64),
    /// Listed (`publish`) or not (`private`: kept, but not shown to buyers).
    Listed(bool),
}

impl Write {
    /// The `update` entry for item `id`.
    pub fn body(&self, id: i64) -> Value {
        match self {
            Write::Stock(q) => json!({"id": id, "manage_stock": true, "stock_quantity": q}),
            Write::Price(p) => json!({"id": id, "regular_price": p.to_string()}),
            Write::Listed(on) => {
                json!({"id": id, "status": if *on { "publish" } else { "private" }})
            }
        }
    }
}

/// Reads one `update` entry of a batch answer: the item, or its `{id, error}`.
fn item_result(entry: Option<&Value>) -> Result<(), ErrorKind> {
    match entry {
        None => Err(ErrorKind::Permanent {
            code: "kho.unexpected_response".into(),
            message: "the batch answer has fewer entries than the request".into(),
        }),
        Some(v) => match v.get("error") {
            None => Ok(()),
            Some(e) => {
                let status = e
                    .pointer("/data/status")
                    .and_then(Value::as_u64)
                    .and_then(|s| u16::try_from(s).ok())
                    .unwrap_or(400);
                Err(error_kind(status, e))
            }
        },
    }
}

/// Writes `writes` (`(item id, write)`) to the products (`parent` `None`) or to the variations of product
/// `parent`, `BATCH_LIMIT` per call. One result per write, in order; a call that fails fails its items, and
/// an authentication or rate-limit failure stops the calls after it.
pub async fn write_batch(
    http: &AccountClient,
    creds: &Credentials,
    parent: Option<i64>,
    writes: &[(i64, Write)],
) -> Vec<Result<(), ChannelError>> {
    let (endpoint, path) = match parent {
        None => ("/products/batch", "/products/batch".to_owned()),
        Some(p) => (
            "/products/{id}/variations/batch",
            format!("/products/{p}/variations/batch"),
        ),
    };
    let mut results = Vec::with_capacity(writes.len());
    let mut stop: Option<ChannelError> = None;
    for chunk in writes.chunks(BATCH_LIMIT) {
        if let Some(err) = &stop {
            results.extend(chunk.iter().map(|_| Err(err.clone())));
            continue;
        }
        let update: Vec<Value> = chunk.iter().map(|(id, w)| w.body(*id)).collect();
        let call: Call<'_, Value> = Call::without_token(creds, Method::POST, endpoint, Shape::Json)
            .at(path.clone())
            .json(json!({ "update": update }));
        match http.execute(&call).await {
            Ok(answer) => {
                let entries = answer.get("update").and_then(Value::as_array);
                for i in 0..chunk.len() {
                    let entry = entries.and_then(|e| e.get(i));
                    results.push(item_result(entry).map_err(|k| http.error(endpoint, k)));
                }
            }
            Err(err) => {
                if stops_batch(&err.kind) {
                    stop = Some(err.clone());
                }
                results.extend(chunk.iter().map(|_| Err(err.clone())));
            }
        }
    }
    results
}
