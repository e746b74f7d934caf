//! Per-item results of batch calls.
//!
//! Marketplaces answer a batch with HTTP 200 even when some elements were rejected (Shopee `failure_list`,
//! TikTok `data.errors`, Lazada `detail`). The core must know *which* items failed and why, so it can ack
//! the rest and keep the marketplace's message on the failed jobs. A whole call that fails (timeout, auth)
//! fails every item it carried, with the same error.

use crate::error::ChannelError;

/// The result for one element of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemResult<K> {
    pub key: K,
    pub outcome: Result<(), ChannelError>,
}

/// The results of a batch operation, one per input element, in input order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchOutcome<K> {
    pub results: Vec<ItemResult<K>>,
}

impl<K> Default for BatchOutcome<K> {
    fn default() -> Self {
        Self {
            results: Vec::new(),
        }
    }
}

impl<K> BatchOutcome<K> {
    pub fn push_ok(&mut self, key: K) {
        self.results.push(ItemResult {
            key,
            outcome: Ok(()),
        });
    }

    pub fn push_err(&mut self, key: K, err: ChannelError) {
        self.results.push(ItemResult {
            key,
            outcome: Err(err),
        });
    }

    pub fn all_ok(&self) -> bool {
        self.results.iter().all(|r| r.outcome.is_ok())
    }

    pub fn failures(&self) -> impl Iterator<Item = (&K, &ChannelError)> {
        self.results
            .iter()
            .filter_map(|r| r.outcome.as_ref().err().map(|e| (&r.key, e)))
    }

    pub fn successes(&self) -> impl Iterator<Item = &K> {
        self.results
            .iter()
            .filter(|r| r.outcome.is_ok())
            .map(|r| &r.key)
    }

    pub fn extend(&mut self, other: BatchOutcome<K>) {
        self.results.extend(other.results);
    }
}
