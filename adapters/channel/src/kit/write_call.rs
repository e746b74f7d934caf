//! One call's share of a stock or price batch, as the adapter's per-call function receives it: which
//! endpoint, which item (for per-item batching), and the `(index, id, value)` entries to put on the wire.
//! Handing the adapter this instead of the whole batch plus a list of indices keeps index bookkeeping in
//! the kit; the adapter only maps entries to its marketplace's body and its answer back to indices.

use crate::kit::chunks::Chunk;
use crate::kit::writes::{WriteKind, Writes};
use crate::listing::RemoteId;

/// One call of a [`Writes`] batch.
#[derive(Debug, Clone)]
pub struct WriteCall<'w> {
    pub kind: WriteKind,
    /// The endpoint of this kind of write (errors name it).
    pub endpoint: &'static str,
    writes: &'w Writes<'w>,
    chunk: Chunk,
}

impl<'w> Writes<'w> {
    /// The call that sends `chunk` of this batch to `endpoint`.
    pub fn call(&'w self, endpoint: &'static str, chunk: Chunk) -> WriteCall<'w> {
        WriteCall {
            kind: self.kind,
            endpoint,
            writes: self,
            chunk,
        }
    }
}

impl<'w> WriteCall<'w> {
    /// The item every entry belongs to under per-item batching; `""` for a call across items.
    pub fn item_id(&self) -> &str {
        self.chunk.item_id.as_deref().unwrap_or_default()
    }

    /// How many entries the call carries.
    pub fn len(&self) -> usize {
        self.chunk.indices.len()
    }

    pub fn is_empty(&self) -> bool {
        self.chunk.indices.is_empty()
    }

    /// `(index in the batch, remote id, value)` for each entry, in batch order.
    pub fn entries(&self) -> impl Iterator<Item = (usize, &'w RemoteId, i64)> + '_ {
        self.chunk
            .indices
            .iter()
            .map(|&i| (i, self.writes.ids[i], self.writes.values[i]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listing::StockUpdate;

    #[test]
    fn a_call_carries_its_entries_with_batch_indices() {
        let updates = [
            StockUpdate {
                id: RemoteId::variant("1", "10"),
                stock: 3,
            },
            StockUpdate {
                id: RemoteId::variant("2", "20"),
                stock: 4,
            },
            StockUpdate {
                id: RemoteId::variant("1", "11"),
                stock: 5,
            },
        ];
        let writes = Writes::stock(&updates);
        let chunk = Chunk {
            item_id: Some("1".into()),
            indices: vec![0, 2],
        };
        let call = writes.call("/stock", chunk);
        assert_eq!(
            (call.kind, call.endpoint, call.item_id()),
            (WriteKind::Stock, "/stock", "1")
        );
        let got: Vec<(usize, &str, i64)> = call
            .entries()
            .map(|(i, id, v)| (i, id.variant_id.as_deref().unwrap_or(""), v))
            .collect();
        assert_eq!(got, vec![(0, "10", 3), (2, "11", 5)]);
        assert_eq!(call.len(), 2);
        let across = writes.call(
            "/stock",
            Chunk {
                item_id: None,
                indices: vec![],
            },
        );
        assert!(across.is_empty() && across.item_id().is_empty());
    }
}
