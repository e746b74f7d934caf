//! The store's contract: the same assertions on both backends.

use kho::store::Store;
use kho::store::catalog::import::{ImportFileError, import_bytes};
use kho::store::inventory::{MovementKind, MovementOutcome, MovementRequest, Quantity};

use crate::both_backends;
use crate::support::sample_catalog;

async fn seeded(db: &crate::support::TestDb) -> Store {
    let store = db.store().await;
    let bytes = std::fs::read(sample_catalog()).unwrap();
    import_bytes(&store, &bytes, "sample.csv", false, "test")
        .await
        .unwrap();
    store
}

fn req(
    variant_id: i64,
    location_id: i64,
    kind: MovementKind,
    q: Quantity,
    guard: bool,
) -> MovementRequest<'static> {
    MovementRequest {
        lot: None,
        variant_id,
        location_id,
        kind,
        quantity: q,
        reason: "contract",
        reference: Some("ref-1"),
        actor: "test",
        guard_available: guard,
    }
}

both_backends!(movements_keep_the_balance_equal_to_the_ledger, |db| {
    let store = seeded(&db).await;
    assert_eq!(
        store.migrate().await.unwrap(),
        0,
        "migrations are idempotent"
    );
    let sku = store
        .find_sku("QUYT-BACSON-1KG")
        .await
        .unwrap()
        .expect("sample SKU");
    let loc = store
        .location_id(sku.producer_id, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store
            .location_id(sku.producer_id, Some("main"))
            .await
            .unwrap(),
        Some(loc)
    );
    assert_eq!(
        store
            .location_id(sku.producer_id, Some("attic"))
            .await
            .unwrap(),
        None
    );
    let start = store.ledger_sum(sku.variant_id, loc).await.unwrap();

    let r = store
        .record_movement(&req(
            sku.variant_id,
            loc,
            MovementKind::Receipt,
            Quantity::By(5),
            true,
        ))
        .await
        .unwrap();
    assert!(
        matches!(r, MovementOutcome::Applied { delta: 5, .. }),
        "{r:?}"
    );
    store.adjust_reserved(sku.variant_id, loc, 3).await.unwrap();
    // A user decrease below what is available is refused...
    let on_hand = start + 5;
    let r = store
        .record_movement(&req(
            sku.variant_id,
            loc,
            MovementKind::Adjustment,
            Quantity::By(-(on_hand - 2)),
            true,
        ))
        .await
        .unwrap();
    assert_eq!(
        r,
        MovementOutcome::WouldGoNegative {
            on_hand,
            reserved: 3,
            delta: -(on_hand - 2)
        }
    );
    // ...and a count to exactly what is reserved is allowed.
    let r = store
        .record_movement(&req(
            sku.variant_id,
            loc,
            MovementKind::Count,
            Quantity::To(3),
            true,
        ))
        .await
        .unwrap();
    assert!(
        matches!(
            r,
            MovementOutcome::Applied {
                on_hand: 3,
                reserved: 3,
                ..
            }
        ),
        "{r:?}"
    );
    // A sale is not refused: it already happened on the marketplace.
    let r = store
        .record_movement(&req(
            sku.variant_id,
            loc,
            MovementKind::Sale,
            Quantity::By(-4),
            false,
        ))
        .await
        .unwrap();
    assert!(
        matches!(r, MovementOutcome::Applied { on_hand: -1, .. }),
        "{r:?}"
    );
    assert_eq!(store.ledger_sum(sku.variant_id, loc).await.unwrap(), -1);
    assert!(store.ledger_mismatches().await.unwrap().is_empty());

    let h = store.stock_history(sku.variant_id, 2).await.unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(h[0].kind, "sale");
    assert_eq!(h[1].kind, "count");
    assert_eq!(h[0].reference.as_deref(), Some("ref-1"));
    assert!(h[0].id > h[1].id);
    assert_eq!(
        store
            .adjust_reserved(sku.variant_id, loc, -10)
            .await
            .unwrap(),
        0,
        "reserved floors at 0"
    );
});

both_backends!(import_refuses_rows_that_contradict_the_store, |db| {
    let store = seeded(&db).await;
    let sample = std::fs::read_to_string(sample_catalog()).unwrap();
    let header = sample.lines().next().unwrap();
    let moved_product = format!(
        "{header}\nhtx-other,HTX Khác,Lộc Bình,NA-CHILANG,Na Chi Lăng,NA-NEW-1,Hộp,1000,1,100,,,,,,\n"
    );
    let moved_sku = format!(
        "{header}\nhtx-chi-lang,HTX Nông nghiệp Chi Lăng,Chi Lăng,NEW-P,Mới,NA-CHILANG-1KG,Hộp,1000,1,100,,,,,,\n"
    );
    let before = store.catalog_entries(None).await.unwrap();
    for (body, column) in [(moved_product, "product_code"), (moved_sku, "variant_sku")] {
        match import_bytes(&store, body.as_bytes(), "x.csv", false, "test").await {
            Err(ImportFileError::Invalid(errors)) => {
                assert_eq!(errors.len(), 1, "{errors:?}");
                assert_eq!(errors[0].column, column);
                assert_eq!(errors[0].line, 2);
            }
            other => panic!("expected a rejection, got {other:?}"),
        }
    }
    // A count below what open orders hold is refused too.
    let sku = store.find_sku("NA-CHILANG-1KG").await.unwrap().unwrap();
    let loc = store
        .location_id(sku.producer_id, None)
        .await
        .unwrap()
        .unwrap();
    store
        .adjust_reserved(sku.variant_id, loc, 100)
        .await
        .unwrap();
    let low = sample.replacen(",250,1100,", ",99,1100,", 1);
    match import_bytes(&store, low.as_bytes(), "x.csv", false, "test").await {
        Err(ImportFileError::Invalid(errors)) => {
            assert_eq!(errors[0].column, "stock");
            assert!(errors[0].message.contains("100 units held by open orders"));
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
    let after = store.catalog_entries(None).await.unwrap();
    assert_eq!(before.len(), after.len());
    assert_eq!(
        before
            .iter()
            .map(|e| (&e.variant_sku, e.stock))
            .collect::<Vec<_>>(),
        after
            .iter()
            .map(|e| (&e.variant_sku, e.stock))
            .collect::<Vec<_>>()
    );
});

// A shop's own sale lowers its listing by itself, so kho does not push it
// back — unless kho's last acknowledged push came after the sale: that
// absolute value overwrote the marketplace's own decrement, and the new
// value must be pushed.
/// The sample catalog, one Shopee account and one of its SKUs linked to a
/// listing that kho last saw showing exactly the desired stock and price.
struct Linked {
    store: Store,
    account: i64,
    variant_id: i64,
    sku: String,
    listing: kho::store::listings::ListingRow,
    shown: i64,
}

/// The sample catalog with one Shopee account of `htx-chi-lang`, nothing
/// linked yet.
async fn with_account(db: &crate::support::TestDb) -> (Store, i64) {
    let store = seeded(db).await;
    let toml = db.path("kho.toml");
    std::fs::write(
        &toml,
        "[[accounts]]\nname = \"shopee-a\"\nchannel = \"shopee\"\nproducer = \"htx-chi-lang\"\n\
         base_url = \"http://127.0.0.1:9\"\n\
         credentials = { partner_id = 1, partner_key = \"k\", shop_id = 1 }\n",
    )
    .unwrap();
    let config = kho::config::Config::load(kho::config::Sources {
        file: Some(&toml),
        env: Some(crate::support::keyed(Default::default())),
    })
    .unwrap();
    store.sync_accounts(&config.accounts, true).await.unwrap();
    let account = store.accounts(None).await.unwrap()[0].id;
    (store, account)
}

async fn linked(db: &crate::support::TestDb) -> Linked {
    use kho::store::listings::LinkRow;
    let (store, account) = with_account(db).await;
    let (variant_id, sku) = store
        .producer_skus("htx-chi-lang")
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    store
        .link_listings(
            account,
            &[LinkRow {
                variant_id,
                remote_item_id: "1".into(),
                remote_variant_id: String::new(),
                seller_sku: sku.clone(),
                stock: 0,
                price_vnd: 0,
                status: "active".into(),
            }],
        )
        .await
        .unwrap();
    let listing = store.listings(account).await.unwrap().remove(0);
    let shown = store.desired_states(account).await.unwrap()[0]
        .stock
        .unwrap();
    store
        .record_ack(listing.id, Some(shown), Some(listing.price_vnd))
        .await
        .unwrap();
    Linked {
        store,
        account,
        variant_id,
        sku,
        listing,
        shown,
    }
}

/// How many stock jobs are queued, whatever their state.
async fn stock_jobs(store: &Store) -> i64 {
    count(store, "SELECT COUNT(*) FROM sync_jobs WHERE kind = 'stock'").await
}

async fn clear_jobs(store: &Store) {
    exec(store, "DELETE FROM sync_jobs").await;
}

async fn exec(store: &Store, sql: &'static str) {
    match store.pool() {
        kho::store::Pool::Sqlite(p) => {
            sqlx::query(sql).execute(p).await.unwrap();
        }
        kho::store::Pool::Postgres(p) => {
            sqlx::query(sql).execute(p).await.unwrap();
        }
    }
}

async fn count(store: &Store, sql: &'static str) -> i64 {
    match store.pool() {
        kho::store::Pool::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
        kho::store::Pool::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
    }
}

/// An order of one unit of `sku`, placed (and last updated) at `at`.
fn one_unit_order(
    id: &str,
    sku: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> kho::store::orders::IngestOrder {
    use kho::orders::state::as_str;
    use kho_channel::OrderStatus;
    kho::store::orders::IngestOrder {
        remote_order_id: id.into(),
        status: OrderStatus::Ready,
        raw_status: as_str(OrderStatus::Ready).into(),
        ordered_at: at,
        remote_updated_at: Some(at),
        lines: vec![kho::store::orders::IngestLine {
            key: format!("1//{sku}"),
            seller_sku: sku.into(),
            quantity: 1,
            unit_price_vnd: 1000,
        }],
    }
}

both_backends!(an_order_older_than_the_last_push_is_pushed_again, |db| {
    let Linked {
        store,
        account,
        sku,
        listing,
        shown,
        ..
    } = linked(&db).await;
    clear_jobs(&store).await;
    let order = |id: &str, at| one_unit_order(id, &sku, at);
    let now = chrono::Utc::now();

    // Placed after the push: the shop shows one less by itself; nothing to push.
    store
        .ingest_order(
            account,
            &order("after", now + chrono::Duration::seconds(60)),
            true,
            "test",
        )
        .await
        .unwrap();
    let after = store.listings(account).await.unwrap().remove(0);
    assert_eq!(after.remote_stock, Some(shown - 1));
    assert_eq!(stock_jobs(&store).await, 0);

    // Acknowledged after this sale: the push erased the shop's decrement.
    store
        .record_ack(listing.id, Some(shown - 1), None)
        .await
        .unwrap();
    store
        .ingest_order(
            account,
            &order("before", now - chrono::Duration::seconds(60)),
            true,
            "test",
        )
        .await
        .unwrap();
    let before = store.listings(account).await.unwrap().remove(0);
    assert_eq!(before.remote_stock, Some(shown - 1), "belief unchanged");
    assert_eq!(
        store.desired_states(account).await.unwrap()[0].stock,
        Some(shown - 2)
    );
    assert_eq!(stock_jobs(&store).await, 1, "the new value is queued");
});

// A push of an older value is in flight when the desired value returns to
// what kho last saw on the marketplace: completing that push must not end
// the job, or the marketplace would keep the older value (found by the
// kill -9 test under load).
both_backends!(a_change_back_during_a_push_is_pushed_again, |db| {
    use kho::outbox::Claimant;
    use std::time::Duration;

    let Linked {
        store,
        account,
        variant_id,
        listing,
        shown,
        ..
    } = linked(&db).await;
    let producer = store
        .find_sku(&listing.sku)
        .await
        .unwrap()
        .unwrap()
        .producer_id;
    let location = store.location_id(producer, None).await.unwrap().unwrap();
    let adjust = |by: i64| {
        req(
            variant_id,
            location,
            MovementKind::Adjustment,
            Quantity::By(by),
            false,
        )
    };
    store.record_movement(&adjust(-13)).await.unwrap();

    let epoch = store
        .acquire_lease(account, "worker", Duration::from_secs(15))
        .await
        .unwrap()
        .unwrap();
    tokio::time::sleep(store.debounce() + Duration::from_millis(50)).await;
    let claimed = store
        .claim_jobs(account, "worker", Duration::from_secs(60), 10)
        .await
        .unwrap();
    let push = claimed
        .iter()
        .find(|j| j.kind == kho::outbox::policy::JobKind::Stock)
        .unwrap();
    assert_eq!(push.desired_stock, Some(shown - 13));

    // While the marketplace takes the push, the units come back.
    store.record_movement(&adjust(13)).await.unwrap();
    assert_eq!(
        store.desired_states(account).await.unwrap()[0].stock,
        Some(shown)
    );
    let claimant = Claimant {
        owner: "worker",
        account_id: account,
        epoch,
    };
    let done = store.complete_jobs(&[push], &claimant, None).await.unwrap();
    assert_eq!(done, Some(0), "the job's version moved during the push");
    let after = store.listings(account).await.unwrap().remove(0);
    assert_eq!(after.remote_stock, Some(shown - 13), "what was pushed");

    tokio::time::sleep(store.debounce() + Duration::from_millis(50)).await;
    let again = store
        .claim_jobs(account, "worker", Duration::from_secs(60), 10)
        .await
        .unwrap();
    let push = again
        .iter()
        .find(|j| j.kind == kho::outbox::policy::JobKind::Stock)
        .unwrap();
    assert_eq!(push.desired_stock, Some(shown), "the newer value goes out");
});

// A sale right after kho's push may or may not have been overwritten by it,
// so kho corrects the selling shop's listing with an absolute value. Pushed
// while the shop is still selling, that value would put back units sold but
// not reported yet (a flash sale oversold that way): the correction waits
// until the listing's orders go quiet. Any other change keeps the ordinary
// pace, and a failed job keeps its retry deadline.
both_backends!(a_correction_of_the_selling_shop_waits_for_quiet, |db| {
    use chrono::Utc;
    use std::time::Duration;

    let Linked {
        store,
        account,
        variant_id,
        sku,
        listing,
        shown,
    } = linked(&db).await;
    clear_jobs(&store).await;
    store
        .record_ack(listing.id, Some(shown), None)
        .await
        .unwrap();
    let quiet = chrono::Duration::milliseconds(1900);
    let ordinary =
        chrono::Duration::from_std(store.debounce()).unwrap() + chrono::Duration::milliseconds(500);
    let claim_stock = |store: Store| async move {
        store
            .claim_jobs(account, "worker", Duration::from_secs(60), 10)
            .await
            .unwrap()
            .into_iter()
            .find(|j| j.kind == kho::outbox::policy::JobKind::Stock)
    };

    let t = Utc::now();
    store
        .ingest_order(account, &one_unit_order("o1", &sku, t), true, "test")
        .await
        .unwrap();
    assert_eq!(stock_jobs(&store).await, 1, "a correction is queued");
    let first = store.next_due(account).await.unwrap().unwrap();
    assert!(first >= t + quiet, "due {first}, ordered {t}");
    tokio::time::sleep(store.debounce() + Duration::from_millis(50)).await;
    assert!(claim_stock(store.clone()).await.is_none(), "not pushed yet");

    // Another sale of the same shop moves the deadline out.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let t = Utc::now();
    store
        .ingest_order(account, &one_unit_order("o2", &sku, t), true, "test")
        .await
        .unwrap();
    let second = store.next_due(account).await.unwrap().unwrap();
    assert!(
        second > first && second >= t + quiet,
        "{first} then {second}"
    );

    // Stock moved for another reason: pushed at the ordinary pace.
    let producer = store.find_sku(&sku).await.unwrap().unwrap().producer_id;
    let location = store.location_id(producer, None).await.unwrap().unwrap();
    let t = Utc::now();
    store
        .record_movement(&req(
            variant_id,
            location,
            MovementKind::Adjustment,
            Quantity::By(-1),
            false,
        ))
        .await
        .unwrap();
    let third = store.next_due(account).await.unwrap().unwrap();
    assert!(third < t + ordinary, "due {third}, changed {t}");
    tokio::time::sleep(store.debounce() + Duration::from_millis(50)).await;
    let job = claim_stock(store.clone())
        .await
        .expect("the change is pushed without waiting");
    assert_eq!(job.desired_stock, Some(shown - 3));

    // The marketplace refused it: later sales and changes leave its retry
    // deadline alone.
    let retry = Utc::now() + chrono::Duration::seconds(60);
    store
        .retry_job(job.id, "worker", retry, "503 from the marketplace", true)
        .await
        .unwrap();
    store
        .ingest_order(
            account,
            &one_unit_order("o3", &sku, Utc::now()),
            true,
            "test",
        )
        .await
        .unwrap();
    store
        .record_movement(&req(
            variant_id,
            location,
            MovementKind::Adjustment,
            Quantity::By(-1),
            false,
        ))
        .await
        .unwrap();
    let kept = store.next_due(account).await.unwrap().unwrap();
    assert!(
        (kept - retry).num_milliseconds().abs() <= 1,
        "retry at {retry}, now due {kept}"
    );
});

// Linking writes a whole batch at once; the result must be what a person
// expects from relinking after sellers moved SKUs between remote listings: a
// remote listing linked to another variant before moves to the new one, a
// variant keeps its link row (and its history) when it moves to another
// remote listing, of two rows for one variant the later wins, and the link a
// remote listing is taken from goes away with its pending jobs while its
// push history stays with that remote listing.
both_backends!(linking_moves_remote_listings_and_counts_new_links, |db| {
    use kho::store::listings::LinkRow;

    let (store, account) = with_account(&db).await;
    let skus = store.producer_skus("htx-chi-lang").await.unwrap();
    assert!(
        skus.len() >= 3,
        "the sample producer has {} SKUs",
        skus.len()
    );
    let row = |i: usize, item: &str| LinkRow {
        variant_id: skus[i].0,
        remote_item_id: item.into(),
        remote_variant_id: String::new(),
        seller_sku: skus[i].1.clone(),
        stock: 5,
        price_vnd: 1000,
        status: "active".into(),
    };
    let links = |store: Store| async move {
        store
            .listings(account)
            .await
            .unwrap()
            .into_iter()
            .map(|l| (l.id, l.variant_id, l.remote_item_id))
            .collect::<Vec<_>>()
    };
    let link_of =
        |links: &[(i64, i64, String)], i: usize| links.iter().find(|l| l.1 == skus[i].0).cloned();

    let new = store
        .link_listings(account, &[row(0, "X"), row(1, "Y")])
        .await
        .unwrap();
    assert_eq!(new, 2);
    let first = links(store.clone()).await;

    // The first variant takes the second's remote listing, the second moves
    // to a new one, the third is linked twice in one call.
    let new = store
        .link_listings(
            account,
            &[row(0, "Y"), row(1, "Z"), row(2, "P"), row(2, "Q")],
        )
        .await
        .unwrap();
    assert_eq!(new, 1, "only the third variant is new");
    let after = links(store.clone()).await;
    let (a, b, c) = (
        link_of(&after, 0).unwrap(),
        link_of(&after, 1).unwrap(),
        link_of(&after, 2).unwrap(),
    );
    assert_eq!((a.2.as_str(), b.2.as_str(), c.2.as_str()), ("Y", "Z", "Q"));
    assert_eq!(
        a.0,
        link_of(&first, 0).unwrap().0,
        "the first keeps its row"
    );
    assert_eq!(
        b.0,
        link_of(&first, 1).unwrap().0,
        "the second keeps its row"
    );
    assert_eq!(after.len(), 3, "{after:?}");

    // The second variant's remote listing goes to the third, whose own link
    // moves there; the second's link had a push history and a pending job.
    exec(
        &store,
        "INSERT INTO push_audit (account_id, listing_id, kind, before, after, instance, pushed_at) \
         SELECT account_id, id, 'stock', '4', '5', 'test', '2026-01-01T00:00:00+00:00' \
         FROM listings WHERE remote_item_id = 'Z'",
    )
    .await;
    assert!(
        count(&store, "SELECT COUNT(*) FROM sync_jobs j JOIN listings l ON l.id = j.listing_id WHERE l.remote_item_id = 'Z'").await > 0,
        "linking queued the second variant's values"
    );
    let new = store.link_listings(account, &[row(2, "Z")]).await.unwrap();
    assert_eq!(new, 0);
    let last = links(store.clone()).await;
    assert_eq!(link_of(&last, 1), None, "the second variant is unlinked");
    let c = link_of(&last, 2).unwrap();
    assert_eq!((c.0, c.2.as_str()), (link_of(&after, 2).unwrap().0, "Z"));
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM push_audit a JOIN listings l ON l.id = a.listing_id WHERE l.remote_item_id = 'Z'").await,
        1,
        "the history stays with the remote listing"
    );
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM sync_jobs j LEFT JOIN listings l ON l.id = j.listing_id WHERE l.id IS NULL").await,
        0
    );
});
