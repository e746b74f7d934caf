//! How batch writes are cut into calls, and what happens to the rest of a batch when one call fails.
//!
//! The cutting follows the channel's [`BatchScope`], so the number of calls `kho sync --dry-run` announces
//! ([`BatchScope::calls_for`]) is by construction the number the adapter makes.

use std::collections::HashMap;
use std::future::Future;

use crate::batch::BatchOutcome;
use crate::capabilities::BatchScope;
use crate::error::{ChannelError, ErrorKind};
use crate::listing::RemoteId;

/// One call's worth of a batch: indices into the caller's slice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// The item all indices belong to ([`BatchScope::PerItem`]); `None` across items.
    pub item_id: Option<String>,
    pub indices: Vec<usize>,
}

impl BatchScope {
    /// Cut `ids` into calls. Per item: grouped by item in order of first appearance, at most `max_variants`
    /// per call. Across items: packed in input order, at most `max_variants` per call. Per parent: variants
    /// grouped by item as per item, then the ids without a variant packed across items. Every way a variant
    /// appears at most once per call, so a repeat starts a new call and the later value lands last.
    pub fn chunks<I: AsRef<RemoteId>>(&self, ids: &[I]) -> Vec<Chunk> {
        match *self {
            BatchScope::AcrossItems { max_variants } => {
                pack(ids, None, (0..ids.len()).collect(), Some(max_variants))
            }
            BatchScope::PerItem { max_variants } => per_item(ids, |_| true, max_variants),
            BatchScope::PerParent { max_variants } => {
                let mut chunks = per_item(ids, |id| id.variant_id.is_some(), Some(max_variants));
                let plain = (0..ids.len())
                    .filter(|&i| ids[i].as_ref().variant_id.is_none())
                    .collect();
                chunks.extend(pack(ids, None, plain, Some(max_variants)));
                chunks
            }
        }
    }

    /// How many calls updating `ids` will take: exactly the number of [`Self::chunks`].
    pub fn calls_for<I: AsRef<RemoteId>>(&self, ids: &[I]) -> usize {
        self.chunks(ids).len()
    }
}

/// The ids `grouped` selects, grouped by item in order of first appearance, `max` per call.
fn per_item<I: AsRef<RemoteId>>(
    ids: &[I],
    grouped: impl Fn(&RemoteId) -> bool,
    max: Option<usize>,
) -> Vec<Chunk> {
    let mut order: Vec<&str> = Vec::new();
    let mut per_item: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, id) in ids.iter().enumerate() {
        if !grouped(id.as_ref()) {
            continue;
        }
        let item = id.as_ref().item_id.as_str();
        per_item
            .entry(item)
            .or_insert_with(|| {
                order.push(item);
                Vec::new()
            })
            .push(i);
    }
    order
        .into_iter()
        .flat_map(|item| {
            let indices = per_item.remove(item).unwrap_or_default();
            pack(ids, Some(item), indices, max)
        })
        .collect()
}

/// Split `indices` (in order) into chunks of at most `max`, never the same id twice in one chunk.
fn pack<I: AsRef<RemoteId>>(
    ids: &[I],
    item_id: Option<&str>,
    indices: Vec<usize>,
    max: Option<usize>,
) -> Vec<Chunk> {
    let max = max.map_or(usize::MAX, |m| m.max(1));
    let chunk = |indices| Chunk {
        item_id: item_id.map(str::to_owned),
        indices,
    };
    let mut chunks = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    for i in indices {
        let repeated = current.iter().any(|&j| ids[j].as_ref() == ids[i].as_ref());
        if current.len() >= max || repeated {
            chunks.push(chunk(std::mem::take(&mut current)));
        }
        current.push(i);
    }
    if !current.is_empty() {
        chunks.push(chunk(current));
    }
    chunks
}

/// The per-index results one call produced.
pub type CallResults = Vec<(usize, Result<(), ChannelError>)>;

/// After a whole-call error of these classes, later calls of the batch are pointless (and would only burn
/// quota or refresh attempts): they are not sent and carry the same error.
pub fn stops_batch(kind: &ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::AuthExpired { .. }
            | ErrorKind::ReauthRequired { .. }
            | ErrorKind::RateLimited { .. }
    )
}

/// The results of a batch being sent call by call: one slot per input element.
#[derive(Debug)]
pub struct BatchRun {
    slots: Vec<Option<Result<(), ChannelError>>>,
    stop: Option<ChannelError>,
}

impl BatchRun {
    pub fn new(len: usize) -> Self {
        Self {
            slots: vec![None; len],
            stop: None,
        }
    }

    /// Record a result for one element (e.g. refused before any call).
    pub fn set(&mut self, index: usize, result: Result<(), ChannelError>) {
        if let Some(slot) = self.slots.get_mut(index) {
            *slot = Some(result);
        }
    }

    /// Send one call for `indices` — unless an earlier call stopped the batch, in which case `call` is
    /// dropped unsent and the elements carry that call's error. A whole-call error fails every element of
    /// the call.
    pub async fn send(
        &mut self,
        indices: &[usize],
        call: impl Future<Output = Result<CallResults, ChannelError>>,
    ) {
        if let Some(err) = self.stop.clone() {
            for &i in indices {
                self.set(i, Err(err.clone()));
            }
            return;
        }
        match call.await {
            Ok(per_index) => {
                for (i, r) in per_index {
                    self.set(i, r);
                }
            }
            Err(err) => {
                for &i in indices {
                    self.set(i, Err(err.clone()));
                }
                if stops_batch(&err.kind) {
                    self.stop = Some(err);
                }
            }
        }
    }

    /// One result per key, in input order. An element no call reported on gets `not_sent()` (every element
    /// belongs to exactly one call; kept total rather than panicking).
    pub fn finish<K>(
        self,
        keys: impl IntoIterator<Item = K>,
        not_sent: impl Fn() -> ChannelError,
    ) -> BatchOutcome<K> {
        let mut outcome = BatchOutcome::default();
        for (key, slot) in keys.into_iter().zip(self.slots) {
            match slot {
                Some(Ok(())) => outcome.push_ok(key),
                Some(Err(e)) => outcome.push_err(key, e),
                None => outcome.push_err(key, not_sent()),
            }
        }
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_item_chunks_group_by_item_split_at_max_and_on_repeats() {
        let ids = vec![
            RemoteId::variant("1", "10"),
            RemoteId::variant("2", "20"),
            RemoteId::variant("1", "11"),
            RemoteId::variant("1", "10"), // repeat → new chunk
            RemoteId::item("3"),
        ];
        let chunk = |item: &str, indices: Vec<usize>| Chunk {
            item_id: Some(item.into()),
            indices,
        };
        let scope = BatchScope::PerItem {
            max_variants: Some(50),
        };
        assert_eq!(
            scope.chunks(&ids),
            vec![
                chunk("1", vec![0, 2]),
                chunk("1", vec![3]),
                chunk("2", vec![1]),
                chunk("3", vec![4]),
            ]
        );
        let many: Vec<RemoteId> = (0..120)
            .map(|m| RemoteId::variant("9", m.to_string()))
            .collect();
        let sizes: Vec<usize> = scope
            .chunks(&many)
            .iter()
            .map(|c| c.indices.len())
            .collect();
        assert_eq!(sizes, vec![50, 50, 20]);
        let uncapped = BatchScope::PerItem { max_variants: None };
        assert_eq!(uncapped.chunks(&many).len(), 1);
    }

    #[test]
    fn across_items_chunks_pack_in_order_and_split_on_repeats() {
        let scope = |max| BatchScope::AcrossItems { max_variants: max };
        let ids: Vec<RemoteId> = (0..120)
            .map(|i| RemoteId::variant(format!("p{}", i / 3), i.to_string()))
            .collect();
        let sizes: Vec<usize> = scope(50)
            .chunks(&ids)
            .iter()
            .map(|c| c.indices.len())
            .collect();
        assert_eq!(sizes, vec![50, 50, 20]);
        let repeat = vec![
            RemoteId::variant("1", "a"),
            RemoteId::variant("2", "b"),
            RemoteId::variant("1", "a"),
            RemoteId::variant("3", "c"),
        ];
        let got: Vec<Vec<usize>> = scope(50)
            .chunks(&repeat)
            .into_iter()
            .map(|c| c.indices)
            .collect();
        assert_eq!(got, vec![vec![0, 1], vec![2, 3]]);
        assert!(scope(50).chunks::<RemoteId>(&[]).is_empty());
        assert_eq!(scope(0).chunks(&repeat[..2]).len(), 2);
    }

    #[test]
    fn per_parent_groups_variants_by_item_and_packs_plain_items_together() {
        let ids = vec![
            RemoteId::item("10"),
            RemoteId::variant("7", "71"),
            RemoteId::item("11"),
            RemoteId::variant("8", "81"),
            RemoteId::variant("7", "72"),
            RemoteId::item("12"),
        ];
        let got: Vec<(Option<String>, Vec<usize>)> = BatchScope::PerParent { max_variants: 2 }
            .chunks(&ids)
            .into_iter()
            .map(|c| (c.item_id, c.indices))
            .collect();
        assert_eq!(
            got,
            vec![
                (Some("7".into()), vec![1, 4]),
                (Some("8".into()), vec![3]),
                (None, vec![0, 2]),
                (None, vec![5]),
            ]
        );
    }

    #[test]
    fn the_call_estimate_is_the_number_of_chunks() {
        let ids = vec![
            RemoteId::variant("1", "a"),
            RemoteId::variant("1", "a"),
            RemoteId::variant("2", "b"),
        ];
        for scope in [
            BatchScope::PerItem { max_variants: None },
            BatchScope::PerItem {
                max_variants: Some(1),
            },
            BatchScope::AcrossItems { max_variants: 50 },
            BatchScope::PerParent { max_variants: 1 },
        ] {
            assert_eq!(scope.calls_for(&ids), scope.chunks(&ids).len());
        }
        // A repeated variant costs a call of its own.
        assert_eq!(
            BatchScope::AcrossItems { max_variants: 50 }.calls_for(&ids),
            2
        );
    }

    fn err(kind: ErrorKind) -> ChannelError {
        kind.at("acct", "/x")
    }

    #[tokio::test]
    async fn a_stopping_error_fails_the_rest_unsent() {
        let mut run = BatchRun::new(4);
        run.set(0, Err(err(ErrorKind::invalid_request("bad", "refused"))));
        run.send(&[1], async { Ok(vec![(1, Ok(()))]) }).await;
        let auth = err(ErrorKind::AuthExpired {
            code: "c".into(),
            message: "m".into(),
        });
        let failing = auth.clone();
        run.send(&[2], async move { Err(failing) }).await;
        let mut sent = false;
        run.send(&[3], async {
            sent = true;
            Ok(vec![])
        })
        .await;
        assert!(!sent, "a call after a stopping error was sent");
        let keys = ["a", "b", "c", "d"];
        let outcome = run.finish(keys, || err(ErrorKind::invalid_request("not_sent", "x")));
        let failed: Vec<&&str> = outcome.failures().map(|(k, _)| k).collect();
        assert_eq!(failed, vec![&"a", &"c", &"d"]);
        assert_eq!(outcome.results[3].outcome, Err(auth));
    }

    #[tokio::test]
    async fn a_transient_error_fails_its_call_only_and_unreported_elements_are_not_sent() {
        let mut run = BatchRun::new(3);
        run.send(&[0], async {
            Err(err(ErrorKind::Transient {
                message: "t".into(),
            }))
        })
        .await;
        run.send(&[1], async { Ok(vec![(1, Ok(()))]) }).await;
        let outcome = run.finish([0, 1, 2], || {
            err(ErrorKind::invalid_request("not_sent", "x"))
        });
        assert!(outcome.results[0].outcome.is_err());
        assert!(outcome.results[1].outcome.is_ok());
        assert!(outcome.results[2].outcome.is_err());
    }
}
