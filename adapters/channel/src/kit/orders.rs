//! Fetching orders' details in batches. Marketplaces may fail a whole detail call for one order they do not
//! know (deleted, another shop's); the contract says unknown orders are left out, so such a call is
//! repeated one order at a time, skipping the unknown ones.

use std::future::Future;

use chrono::{DateTime, Utc};

use crate::error::{ChannelError, ErrorKind};
use crate::order::{OrderLine, OrderStatus, RemoteOrder};

impl RemoteOrder {
    /// An order from fields its adapter already mapped, times unknown until [`Self::at`] or
    /// [`Self::at_unix`] sets them: the adapter maps, the kit assembles.
    pub fn new(
        order_id: impl Into<String>,
        status: OrderStatus,
        raw_status: impl Into<String>,
        currency: impl Into<String>,
        lines: Vec<OrderLine>,
    ) -> Self {
        Self {
            order_id: order_id.into(),
            status,
            raw_status: raw_status.into(),
            created_at: None,
            updated_at: None,
            currency: currency.into(),
            lines,
        }
    }

    /// When the order was created and last updated.
    pub fn at(mut self, created: Option<DateTime<Utc>>, updated: Option<DateTime<Utc>>) -> Self {
        self.created_at = created;
        self.updated_at = updated;
        self
    }

    /// Times a marketplace gives in Unix seconds; one out of range stays unknown rather than failing the
    /// order.
    pub fn at_unix(self, created: Option<i64>, updated: Option<i64>) -> Self {
        let time = |t: Option<i64>| t.and_then(|t| DateTime::from_timestamp(t, 0));
        self.at(time(created), time(updated))
    }
}

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

    fn order(id: &str) -> RemoteOrder {
        RemoteOrder::new(id, OrderStatus::Ready, "READY", "VND", vec![])
    }

    #[test]
    fn unix_times_out_of_range_stay_unknown() {
        let o = order("1").at_unix(Some(1_700_000_000), Some(i64::MAX));
        assert_eq!(o.created_at.map(|t| t.timestamp()), Some(1_700_000_000));
        assert_eq!(o.updated_at, None);
        assert_eq!(
            (
                o.order_id.as_str(),
                o.raw_status.as_str(),
                o.currency.as_str()
            ),
            ("1", "READY", "VND")
        );
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
