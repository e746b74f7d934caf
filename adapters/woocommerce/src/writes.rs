//! Stock and price updates keyed by [`RemoteId`], as the `Channel` contract gives them, grouped into
//! WooCommerce's batch calls: items without a variant into `products/batch`, variations into their parent's
//! `variations/batch` (in order of first appearance). Results come back in input order; an id that is not a
//! WooCommerce number is refused before any call.

use kho_channel::transport::AccountClient;
use kho_channel::{BatchOutcome, ChannelError, ErrorKind, RemoteId};

use crate::client::BATCH_SCOPE;
use crate::inventory::{Write, write_batch};
use crate::sign::Credentials;

/// `(product, variation)` as numbers, or why not.
fn numeric(id: &RemoteId) -> Result<(i64, Option<i64>), ErrorKind> {
    let bad =
        || ErrorKind::invalid_request("kho.bad_remote_id", format!("{id} is not a WooCommerce id"));
    let item = id.item_id.parse().map_err(|_| bad())?;
    let variant = match &id.variant_id {
        None => None,
        Some(v) => Some(v.parse().map_err(|_| bad())?),
    };
    Ok((item, variant))
}

/// Sends `writes` cut into calls by [`crate::client::BATCH_SCOPE`] (so the dry-run's estimate is the number
/// sent); one result per write, in input order.
pub async fn write_by_id(
    http: &AccountClient,
    creds: &Credentials,
    endpoint: &str,
    writes: Vec<(RemoteId, Write)>,
) -> BatchOutcome<RemoteId> {
    let mut results: Vec<Option<Result<(), ChannelError>>> = vec![None; writes.len()];
    let ids: Vec<&RemoteId> = writes.iter().map(|(id, _)| id).collect();
    for chunk in BATCH_SCOPE.chunks(&ids) {
        let mut sendable: Vec<(usize, i64, Write)> = Vec::new();
        let mut parent = None;
        for &index in &chunk.indices {
            let (id, write) = &writes[index];
            match numeric(id) {
                Err(kind) => results[index] = Some(Err(http.error(endpoint, kind))),
                Ok((item, Some(variation))) => {
                    parent = Some(item);
                    sendable.push((index, variation, write.clone()));
                }
                Ok((item, None)) => sendable.push((index, item, write.clone())),
            }
        }
        if sendable.is_empty() {
            continue;
        }
        let batch: Vec<(i64, Write)> = sendable.iter().map(|(_, t, w)| (*t, w.clone())).collect();
        let answers = write_batch(http, creds, parent, &batch).await;
        for ((index, _, _), answer) in sendable.iter().zip(answers) {
            results[*index] = Some(answer);
        }
    }
    let mut outcome = BatchOutcome::default();
    for ((id, _), result) in writes.into_iter().zip(results) {
        match result {
            Some(Ok(())) => outcome.push_ok(id),
            Some(Err(e)) => outcome.push_err(id, e),
            None => outcome.push_err(
                id,
                http.error(
                    endpoint,
                    ErrorKind::Permanent {
                        code: "kho.not_sent".into(),
                        message: "no answer for this item".into(),
                    },
                ),
            ),
        }
    }
    outcome
}

/// List (`publish`) or unlist (`private`) products, keyed by product id as the contract's `set_status` is.
pub async fn set_listed(
    http: &AccountClient,
    creds: &Credentials,
    changes: &[kho_channel::StatusChange],
) -> BatchOutcome<String> {
    let writes = changes
        .iter()
        .map(|c| (RemoteId::item(c.item_id.clone()), Write::Listed(c.active)))
        .collect();
    let by_id = write_by_id(http, creds, "/products/batch", writes).await;
    let mut outcome = BatchOutcome::default();
    for r in by_id.results {
        match r.outcome {
            Ok(()) => outcome.push_ok(r.key.item_id),
            Err(e) => outcome.push_err(r.key.item_id, e),
        }
    }
    outcome
}
