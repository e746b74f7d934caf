//! Fetching orders' details in batches. Marketplaces may fail a whole detail call for one order they do not
//! know (deleted, another shop's); the contract says unknown orders are left out, so such a call is
//! repeated one order at a time, skipping the unknown ones.

use std::future::Future;

use crate::error::{ChannelError, ErrorKind};
use crate::order::RemoteOrder;

/// Details of `ids` in calls of at most `max` ids; `fetch` makes one call.
pub async fn details_in_batches<F, Fut>(
    ids: &[String],
    max: usize,
    fetch: F,
) -> Result<Vec<RemoteOrder>, ChannelError>
where
    F: Fn(Vec<String>) -> Fut,
    Fut: Future<Output = Result<Vec<RemoteOrder>, ChannelError>>,
{
    let unknown = |e: &ChannelError| matches!(e.kind, ErrorKind::NotFound { .. });
    let mut orders = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(max.max(1)) {
        match fetch(chunk.to_vec()).await {
            Ok(found) => orders.extend(found),
            Err(e) if unknown(&e) && chunk.len() > 1 => {
                for id in chunk {
                    match fetch(vec![id.clone()]).await {
                        Ok(found) => orders.extend(found),
                        Err(e) if unknown(&e) => {}
                        Err(e) => return Err(e),
                    }
                }
            }
            Err(e) if unknown(&e) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(orders)
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::order::OrderStatus;

    fn order(id: &str) -> RemoteOrder {
        RemoteOrder {
            order_id: id.into(),
            status: OrderStatus::Ready,
            raw_status: "READY".into(),
            created_at: None,
            updated_at: None,
            currency: "VND".into(),
            lines: vec![],
        }
    }

    #[tokio::test]
    async fn an_unknown_order_is_skipped_one_at_a_time() {
        let calls = Mutex::new(Vec::new());
        let ids: Vec<String> = ["1", "x", "2", "3"].map(String::from).to_vec();
        let got = details_in_batches(&ids, 3, |chunk| {
            calls.lock().unwrap().push(chunk.len());
            async move {
                if chunk.iter().any(|id| id == "x") {
                    Err(ErrorKind::NotFound {
                        code: "c".into(),
                        message: "m".into(),
                    }
                    .at("a", "/e"))
                } else {
                    Ok(chunk.iter().map(|id| order(id)).collect())
                }
            }
        })
        .await
        .unwrap();
        let found: Vec<&str> = got.iter().map(|o| o.order_id.as_str()).collect();
        assert_eq!(found, vec!["1", "2", "3"]);
        assert_eq!(*calls.lock().unwrap(), vec![3, 1, 1, 1, 1]);
    }
}
