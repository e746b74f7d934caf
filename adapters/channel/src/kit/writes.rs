//! Stock and price writes, the batch every adapter sends most: absolute values keyed by remote id, cut into
//! calls by the channel's [`BatchScope`] and sent with the shared stop/continue logic ([`BatchRun`]).

use std::future::Future;

use crate::batch::BatchOutcome;
use crate::capabilities::{BatchScope, Capabilities};
use crate::error::{ChannelError, ErrorKind};
use crate::kit::chunks::{BatchRun, CallResults, Chunk};
use crate::listing::{PriceUpdate, RemoteId, StockUpdate};
use crate::transport::AccountClient;

/// Which value a batch writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteKind {
    Stock,
    /// Whole đồng.
    Price,
}

/// A batch of absolute values to write, in the caller's order.
#[derive(Debug, Clone)]
pub struct Writes<'a> {
    pub kind: WriteKind,
    pub ids: Vec<&'a RemoteId>,
    pub values: Vec<i64>,
}

impl<'a> Writes<'a> {
    pub fn stock(updates: &'a [StockUpdate]) -> Self {
        Self {
            kind: WriteKind::Stock,
            ids: updates.iter().map(|u| &u.id).collect(),
            values: updates.iter().map(|u| u.stock).collect(),
        }
    }

    pub fn price(updates: &'a [PriceUpdate]) -> Self {
        Self {
            kind: WriteKind::Price,
            ids: updates.iter().map(|u| &u.id).collect(),
            values: updates.iter().map(|u| u.price_vnd).collect(),
        }
    }

    /// How the channel batches this kind of write.
    pub fn scope(&self, capabilities: &Capabilities) -> BatchScope {
        match self.kind {
            WriteKind::Stock => capabilities.stock_batch,
            WriteKind::Price => capabilities.price_batch,
        }
    }

    /// The endpoint of this kind of write, of the `(stock, price)` pair.
    pub fn endpoint(&self, (stock, price): (&'static str, &'static str)) -> &'static str {
        match self.kind {
            WriteKind::Stock => stock,
            WriteKind::Price => price,
        }
    }

    /// Send the batch in the chunks the channel's scope produces, one `send(endpoint, chunk)` call per
    /// chunk, and report one result per update (in input order). `endpoints` are the `(stock, price)` ones.
    pub async fn send<F, Fut>(
        &self,
        capabilities: &Capabilities,
        http: &AccountClient,
        endpoints: (&'static str, &'static str),
        send: F,
    ) -> BatchOutcome<RemoteId>
    where
        F: Fn(&'static str, Chunk) -> Fut,
        Fut: Future<Output = Result<CallResults, ChannelError>>,
    {
        let endpoint = self.endpoint(endpoints);
        let mut run = BatchRun::new(self.ids.len());
        for chunk in self.scope(capabilities).chunks(&self.ids) {
            let indices = chunk.indices.clone();
            run.send(&indices, send(endpoint, chunk)).await;
        }
        self.finish(run, http, endpoint)
    }

    /// One result per update from a finished run.
    pub fn finish(
        &self,
        run: BatchRun,
        http: &AccountClient,
        endpoint: &'static str,
    ) -> BatchOutcome<RemoteId> {
        run.finish(self.ids.iter().map(|id| (*id).clone()), || {
            http.error(
                endpoint,
                ErrorKind::invalid_request("not_sent", "update was not sent"),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn updates_become_ids_and_values_in_order() {
        let stock = [
            StockUpdate {
                id: RemoteId::item("1"),
                stock: 5,
            },
            StockUpdate {
                id: RemoteId::variant("2", "20"),
                stock: -1,
            },
        ];
        let w = Writes::stock(&stock);
        assert_eq!(w.kind, WriteKind::Stock);
        assert_eq!(w.ids, vec![&stock[0].id, &stock[1].id]);
        assert_eq!(w.values, vec![5, -1]);
        let price = [PriceUpdate {
            id: RemoteId::item("3"),
            price_vnd: 125_000,
        }];
        let w = Writes::price(&price);
        assert_eq!((w.kind, w.values), (WriteKind::Price, vec![125_000]));
    }
}
