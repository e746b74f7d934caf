use super::*;
use proptest::prelude::*;

fn shared(buffer: i64, percent: u32, maximum: Option<i64>, threshold: i64) -> Allocation {
    Allocation::Shared {
        buffer,
        percent,
        maximum,
        threshold,
    }
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 6).unwrap_or_default()
}

/// A linked, listed shared listing that kho last saw at stock 100 and price
/// 50,000, wanting the same, with no job pending.
fn settled() -> ListingInputs {
    ListingInputs {
        listing_id: 1,
        account_id: 1,
        variant_id: 1,
        sku: "NA-CHILANG-1KG".into(),
        remote_item_id: "1001".into(),
        remote_variant_id: String::new(),
        allocation: r#"{"mode":"shared"}"#.into(),
        delist_on_expiry: true,
        min_shelf_life_days: 0,
        fresh: None,
        desired_stock: Some(100),
        desired_price: Some(50_000),
        desired_active: Some(true),
        remote_stock: Some(100),
        remote_price: Some(50_000),
        remote_status: Some("active".into()),
        available: 100,
        price_vnd: 50_000,
        product_active: true,
        variant_active: true,
        ocop_cert_expires: None,
        quota: None,
        consumed: 0,
        queued_stock: false,
        queued_price: false,
        queued_status: false,
        burst_active: false,
        window_units: 0,
        window_orders: 0,
        window_start: None,
    }
}

fn view(burst: bool, shared_peers: i64) -> VariantView {
    VariantView {
        burst,
        shared_peers,
        partition_over: false,
        margin: 0,
    }
}

fn want(stock: i64, price: i64, active: bool) -> Decision {
    Decision {
        stock,
        price,
        active,
        quota: QuotaWrite::Keep,
    }
}

#[test]
fn shared_rules() {
    assert_eq!(desired_stock(10, &shared(0, 100, None, 0)), 10);
    assert_eq!(desired_stock(10, &shared(3, 100, None, 0)), 7);
    assert_eq!(desired_stock(10, &shared(0, 50, None, 0)), 5);
    assert_eq!(desired_stock(10, &shared(0, 100, Some(4), 0)), 4);
    assert_eq!(desired_stock(3, &shared(0, 100, None, 5)), 0);
    assert_eq!(desired_stock(-4, &shared(0, 100, None, 0)), 0);
}

#[test]
fn partition_rounds_down() {
    let p = |share| Allocation::Partition { share, buffer: 0 };
    assert_eq!(desired_stock(10, &p(33)), 3);
    assert_eq!(desired_stock(10, &p(34)), 3);
    assert_eq!(desired_stock(10, &p(33)) * 2 + desired_stock(10, &p(34)), 9);
}

#[test]
fn job_kinds_round_trip_and_unknown_ones_are_refused() {
    for kind in JobKind::ALL {
        assert_eq!(JobKind::try_from(kind.as_str().to_owned()).ok(), Some(kind));
    }
    assert!(JobKind::try_from("stocks".to_owned()).is_err());
}

#[test]
fn a_cancellation_raises_every_shared_shop() {
    // 8 shown after a sale elsewhere; the buyer cancels and 10 are available
    // again: the order must raise the listing (it used to stay at 8).
    let input = ListingInputs {
        desired_stock: Some(8),
        remote_stock: Some(8),
        available: 10,
        ..settled()
    };
    let d = decide(
        &input,
        today(),
        Cause::Order { account_id: 2 },
        view(false, 3),
    );
    assert_eq!(d.stock, 10);
    assert_eq!(changed_kinds(&input, &d, false), vec![JobKind::Stock]);
}

#[test]
fn a_burst_splits_shared_shops_into_quotas_and_its_end_gives_the_pool_back() {
    let input = ListingInputs {
        available: 100,
        ..settled()
    };
    // Entering: a third each.
    let d = decide(
        &input,
        today(),
        Cause::Order { account_id: 1 },
        view(true, 3),
    );
    assert_eq!((d.stock, d.quota), (33, QuotaWrite::Set(33)));
    // In the burst the shop shows its quota less its own sales, whatever
    // the other shops sell.
    let during = ListingInputs {
        quota: Some(33),
        consumed: 5,
        available: 60,
        ..settled()
    };
    let d = decide(
        &during,
        today(),
        Cause::Order { account_id: 2 },
        view(true, 3),
    );
    assert_eq!((d.stock, d.quota), (28, QuotaWrite::Keep));
    // A receipt during the burst re-splits what is there.
    let d = decide(&during, today(), Cause::Stock, view(true, 3));
    assert_eq!((d.stock, d.quota), (20, QuotaWrite::Set(20)));
    // Quiet: the whole allocation again, quota cleared, pushed whatever kho
    // believes is shown.
    let d = decide(
        &during,
        today(),
        Cause::Settle { force: true },
        view(false, 3),
    );
    assert_eq!((d.stock, d.quota), (60, QuotaWrite::Clear));
    let believed = ListingInputs {
        desired_stock: Some(60),
        remote_stock: Some(60),
        ..during
    };
    assert_eq!(changed_kinds(&believed, &d, true), vec![JobKind::Stock]);
    assert!(changed_kinds(&believed, &d, false).is_empty());
}

#[test]
fn partition_quotas_a_shop_sold_past_are_rebalanced() {
    let p = |quota, consumed| ListingInputs {
        allocation: r#"{"mode":"partition","share":33}"#.into(),
        quota: Some(quota),
        consumed,
        available: 8,
        ..settled()
    };
    // Quotas of 5: one shop sold 7 (a push overwrote two of its sales).
    let listings = [p(5, 7), p(5, 0), p(5, 0)];
    let refs: Vec<&ListingInputs> = listings.iter().collect();
    let v = VariantView::of(&refs);
    assert!(v.partition_over, "0 + 5 + 5 shown of 8");
    let d = decide(&listings[1], today(), Cause::Settle { force: false }, v);
    assert_eq!((d.stock, d.quota), (2, QuotaWrite::Set(2)));
    // An order that reveals it rebalances at once too.
    let d = decide(&listings[1], today(), Cause::Order { account_id: 1 }, v);
    assert_eq!((d.stock, d.quota), (2, QuotaWrite::Set(2)));
    // An edit (a price) leaves quotas alone.
    let d = decide(&listings[1], today(), Cause::Edit, v);
    assert_eq!((d.stock, d.quota), (5, QuotaWrite::Keep));
    // Shares within what is available are left alone at rest.
    let fine = [p(2, 1), p(2, 0), p(2, 0)];
    let refs: Vec<&ListingInputs> = fine.iter().collect();
    assert!(!VariantView::of(&refs).partition_over);
}

#[test]
fn a_lone_shared_shop_needs_no_burst_quota() {
    let d = decide(
        &settled(),
        today(),
        Cause::Order { account_id: 1 },
        view(true, 1),
    );
    assert_eq!((d.stock, d.quota), (100, QuotaWrite::Keep));
}

#[test]
fn bursts_start_when_orders_take_a_share_of_what_is_left() {
    assert!(!burst_starts(9, 9, 191, 5), "9 of 200 is under 5 %");
    assert!(burst_starts(10, 10, 190, 5));
    assert!(!burst_starts(10, 10, 190, 0), "0 turns the guard off");
    assert!(!burst_starts(0, 0, 0, 5));
    assert!(burst_starts(3, 3, 37, 5));
    assert!(!burst_starts(500, 500, 90_000, 5));
    // One order of 2 of 10 units is a sale, not a burst: the other shops go
    // to 8 at once.
    assert!(!burst_starts(1, 2, 8, 5));
    assert!(!burst_starts(2, 4, 6, 5));
}

#[test]
fn a_burst_holds_back_the_sales_in_flight() {
    // 10 units in 20 ms is 500 a second; 200 ms of that is 100 units, but
    // never more than what is left.
    let ms = chrono::Duration::milliseconds;
    assert_eq!(in_flight(10, ms(20), ms(200), 190, 0), 100);
    assert_eq!(in_flight(10, ms(20), ms(400), 190, 0), 190);
    assert_eq!(in_flight(10, ms(20), ms(400), -3, 0), 0);
    assert_eq!(in_flight(10, ms(1000), ms(200), 190, 0), 2);
    assert_eq!(in_flight(0, ms(1000), ms(200), 190, 0), 0);
    // Reported but not ingested yet: held back too.
    // (10 + 30 units in 1 s, over 200 ms: 8, and the 30 themselves.)
    assert_eq!(in_flight(10, ms(1000), ms(200), 190, 30), 38);
    let v = VariantView {
        margin: 30,
        ..view(true, 3)
    };
    let d = decide(&settled(), today(), Cause::Order { account_id: 1 }, v);
    assert_eq!((d.stock, d.quota), (23, QuotaWrite::Set(23)));
}

#[test]
fn at_rest_is_the_allocation() {
    assert_eq!(settled().at_rest(), 100);
    let p = ListingInputs {
        allocation: r#"{"mode":"partition","share":50}"#.into(),
        quota: Some(40),
        consumed: 3,
        ..settled()
    };
    assert_eq!(p.at_rest(), 37);
}

#[test]
fn a_change_is_queued_and_no_change_is_not() {
    let input = settled();
    assert!(changed_kinds(&input, &want(100, 50_000, true), false).is_empty());
    assert_eq!(
        changed_kinds(&input, &want(87, 50_000, true), false),
        vec![JobKind::Stock]
    );
    assert_eq!(
        changed_kinds(&input, &want(100, 51_000, true), false),
        vec![JobKind::Price]
    );
    assert_eq!(
        changed_kinds(&input, &want(100, 50_000, false), false),
        vec![JobKind::Status]
    );
}

#[test]
fn a_value_the_marketplace_already_shows_is_not_queued() {
    // Desired moved from 87 back to 100 before any push: the marketplace
    // still shows 100, so nothing needs to go out.
    let input = ListingInputs {
        desired_stock: Some(87),
        ..settled()
    };
    assert!(changed_kinds(&input, &want(100, 50_000, true), false).is_empty());
}

#[test]
fn a_change_back_during_a_pending_push_is_queued_again() {
    // A job to push 87 is pending (perhaps in flight); desired returns to
    // 100, what kho last saw on the marketplace. The job's version must
    // move, or completing the push of 87 would end it and leave 87 shown.
    let stock = ListingInputs {
        desired_stock: Some(87),
        queued_stock: true,
        ..settled()
    };
    assert_eq!(
        changed_kinds(&stock, &want(100, 50_000, true), false),
        vec![JobKind::Stock]
    );
    let price = ListingInputs {
        desired_price: Some(49_000),
        queued_price: true,
        ..settled()
    };
    assert_eq!(
        changed_kinds(&price, &want(100, 50_000, true), false),
        vec![JobKind::Price]
    );
    // A relisting push is pending (desired active, the marketplace
    // unlisted) when the product is deactivated again.
    let status = ListingInputs {
        remote_status: Some("inactive".into()),
        queued_status: true,
        ..settled()
    };
    assert_eq!(
        changed_kinds(&status, &want(100, 50_000, false), false),
        vec![JobKind::Status]
    );
    // An unlisting push is pending when the product is activated again.
    let status = ListingInputs {
        desired_active: Some(false),
        queued_status: true,
        ..settled()
    };
    assert_eq!(
        changed_kinds(&status, &want(100, 50_000, true), false),
        vec![JobKind::Status]
    );
}

#[test]
fn an_unchanged_value_leaves_a_pending_job_alone() {
    let input = ListingInputs {
        desired_stock: Some(87),
        queued_stock: true,
        ..settled()
    };
    assert!(changed_kinds(&input, &want(87, 50_000, true), false).is_empty());
}

proptest! {
    #[test]
    fn never_above_available(available in -50i64..10_000, buffer in 0i64..50, percent in 0u32..=100,
                             maximum in proptest::option::of(0i64..500), threshold in 0i64..20) {
        let s = desired_stock(available, &shared(buffer, percent, maximum, threshold));
        prop_assert!(s >= 0);
        prop_assert!(s <= available.max(0));
    }

    #[test]
    fn partition_shares_never_oversell(available in 0i64..10_000, shares in proptest::collection::vec(1u32..=100, 1..5)) {
        let total: u32 = shares.iter().sum();
        prop_assume!(total <= 100);
        let sum: i64 = shares.iter().map(|&share| desired_stock(available, &Allocation::Partition { share, buffer: 0 })).sum();
        prop_assert!(sum <= available);
    }

    /// The quotas a burst hands the shared shops of a SKU never add up to
    /// more than is available, and no shop ever shows more than available.
    #[test]
    fn burst_quotas_never_oversell(available in 0i64..10_000, shops in 2i64..6, consumed in proptest::collection::vec(0i64..50, 6)) {
        let input = ListingInputs { available, ..settled() };
        let d = decide(&input, today(), Cause::Order { account_id: 1 }, view(true, shops));
        prop_assert!(d.stock * shops <= available);
        for c in consumed.iter().take(shops as usize) {
            let during = ListingInputs { quota: Some(d.stock), consumed: *c, available: available - c, ..settled() };
            let shown = decide(&during, today(), Cause::Order { account_id: 2 }, view(true, shops)).stock;
            prop_assert!(shown >= 0 && shown <= d.stock);
        }
    }
}
