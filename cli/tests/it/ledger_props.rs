//! Property: for any sequence of movements and reservations, on hand equals
//! the ledger sum, and no user command drives `available` below zero.

use std::sync::OnceLock;

use kho::inventory::{self, MoveOptions, StockError};
use kho::store::Store;
use proptest::prelude::*;

use crate::support::{Backend, TestDb, sample_catalog};

#[derive(Debug, Clone)]
enum Op {
    Add(i64),
    Set(i64),
    Reserve(i64),
    Release(i64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (-60i64..60).prop_map(Op::Add),
        (-5i64..80).prop_map(Op::Set),
        (0i64..30).prop_map(Op::Reserve),
        (0i64..30).prop_map(Op::Release),
    ]
}

const SKU: &str = "VIT-QUAY-NGUYEN-CON";

struct Fixture {
    rt: tokio::runtime::Runtime,
    store: Store,
    variant_id: i64,
    location_id: i64,
    _db: TestDb,
}

async fn available(store: &Store, id: i64) -> (i64, i64) {
    let l = store.stock_levels(id).await.unwrap();
    (l[0].on_hand, l[0].reserved)
}

fn run(fx: &Fixture, ops: &[Op]) -> Result<(), TestCaseError> {
    fx.rt.block_on(async {
        let opts = MoveOptions {
            lot: None,
            reason: "prop",
            location: None,
            reference: None,
            actor: "test",
        };
        for op in ops {
            let (on_hand, reserved) = available(&fx.store, fx.variant_id).await;
            let result = match op {
                Op::Add(d) => Some(inventory::add(&fx.store, SKU, *d, &opts).await),
                Op::Set(q) => Some(inventory::set(&fx.store, SKU, *q, &opts).await),
                Op::Reserve(r) => {
                    fx.store
                        .adjust_reserved(fx.variant_id, fx.location_id, *r)
                        .await
                        .unwrap();
                    None
                }
                Op::Release(r) => {
                    fx.store
                        .adjust_reserved(fx.variant_id, fx.location_id, -r)
                        .await
                        .unwrap();
                    None
                }
            };
            let (after_on_hand, after_reserved) = available(&fx.store, fx.variant_id).await;
            if let Some(result) = result {
                let before = on_hand - reserved;
                let after = after_on_hand - after_reserved;
                match result {
                    Ok(_) => prop_assert!(
                        after >= 0 || after >= before,
                        "{op:?} drove available from {before} to {after}"
                    ),
                    Err(StockError::WouldGoNegative { .. } | StockError::Invalid(_)) => {
                        prop_assert_eq!((after_on_hand, after_reserved), (on_hand, reserved));
                    }
                    Err(e) => return Err(TestCaseError::fail(e.to_string())),
                }
            }
            let ledger = fx
                .store
                .ledger_sum(fx.variant_id, fx.location_id)
                .await
                .unwrap();
            prop_assert_eq!(
                ledger,
                after_on_hand,
                "cached balance left the ledger after {:?}",
                op
            );
        }
        Ok(())
    })
}

fn fixture(backend: Backend) -> Option<Fixture> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (db, store, variant_id, location_id) = rt.block_on(async {
        let db = TestDb::new(backend).await?;
        let store = db.store().await;
        let bytes = std::fs::read(sample_catalog()).unwrap();
        kho::store::catalog::import::import_bytes(&store, &bytes, "s.csv", false, "test")
            .await
            .unwrap();
        let sku = store.find_sku(SKU).await.unwrap().unwrap();
        let loc = store
            .location_id(sku.producer_id, None)
            .await
            .unwrap()
            .unwrap();
        Some((db, store, sku.variant_id, loc))
    })?;
    Some(Fixture {
        rt,
        store,
        variant_id,
        location_id,
        _db: db,
    })
}

static SQLITE: OnceLock<Option<Fixture>> = OnceLock::new();
static POSTGRES: OnceLock<Option<Fixture>> = OnceLock::new();

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn ledger_and_available_sqlite(ops in prop::collection::vec(op(), 1..25)) {
        if let Some(fx) = SQLITE.get_or_init(|| fixture(Backend::Sqlite)) {
            run(fx, &ops)?;
        }
    }

    #[test]
    fn ledger_and_available_postgres(ops in prop::collection::vec(op(), 1..25)) {
        if let Some(fx) = POSTGRES.get_or_init(|| fixture(Backend::Postgres)) {
            run(fx, &ops)?;
        }
    }
}
