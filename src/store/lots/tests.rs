use chrono::{NaiveDate, TimeZone, Utc};
use proptest::prelude::*;

use super::*;
use crate::config::Allocation;
use crate::outbox::policy::{Cause, ListingInputs, VariantView, decide};

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, d).unwrap_or_default()
}

#[test]
fn the_province_day_turns_at_its_midnight_not_utcs() {
    let before = Utc.with_ymd_and_hms(2026, 12, 6, 16, 59, 0).unwrap();
    let after = Utc.with_ymd_and_hms(2026, 12, 6, 17, 0, 0).unwrap();
    assert_eq!(local_day(before), day(6));
    assert_eq!(local_day(after), day(7));
}

#[test]
fn expired_and_short_lived_units_are_counted_apart() {
    let lots = [
        (1, Some(day(5)), 4),  // expired on the 6th
        (1, Some(day(6)), 3),  // last day of sale
        (1, Some(day(9)), 10), // three days left
        (1, None, 7),          // no date
        (2, Some(day(1)), 50), // another variant
    ];
    let life = ShelfLife::of(1, &lots, day(6), 3);
    assert_eq!(
        life,
        ShelfLife {
            on_hand: 24,
            expired: 4,
            short: 3
        }
    );
    // 24 on hand, 5 reserved: 19 available, 15 not expired; the shop that
    // wants three days may show the 17 fresh units less what the
    // reservations take beyond the 7 older ones: 15.
    assert_eq!(life.unexpired(19), 15);
    assert_eq!(life.fresh(19), 15);
    // With 12 reserved, FEFO takes the 7 old units and 5 fresh ones.
    assert_eq!(life.fresh(12), 8);
    assert_eq!(ShelfLife::of(1, &lots, day(6), 0).short, 0);
}

fn listing(available: i64, min_days: i64, allocation: &Allocation) -> ListingInputs {
    ListingInputs {
        listing_id: 1,
        account_id: 1,
        variant_id: 1,
        sku: "NA-1".into(),
        remote_item_id: "1".into(),
        remote_variant_id: String::new(),
        allocation: serde_json::to_string(allocation).unwrap_or_default(),
        delist_on_expiry: true,
        min_shelf_life_days: min_days,
        desired_stock: None,
        desired_price: None,
        desired_active: None,
        remote_stock: None,
        remote_price: None,
        remote_status: None,
        available,
        price_vnd: 1,
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
        fresh: None,
    }
}

fn allocation() -> impl Strategy<Value = Allocation> {
    prop_oneof![
        (0i64..5, 1u32..=100).prop_map(|(buffer, percent)| Allocation::Shared {
            buffer,
            percent,
            maximum: None,
            threshold: 0
        }),
        (1u32..=100, 0i64..5).prop_map(|(share, buffer)| Allocation::Partition { share, buffer }),
    ]
}

proptest! {
    /// Whatever the lots, reservations, rule and minimum: a shop never shows
    /// an expired unit, nor more units than keep its minimum shelf life.
    #[test]
    fn a_shop_shows_neither_expired_nor_short_lived_units(
        lots in prop::collection::vec((prop::option::of(0u64..20), 0i64..40), 0..8),
        reserved in 0i64..60,
        min_days in 0i64..8,
        rule in allocation(),
    ) {
        let today = day(10);
        let lots: Vec<LotUnits> = lots
            .into_iter()
            .map(|(d, n)| (1, d.map(|d| day(1) + chrono::Days::new(d)), n))
            .collect();
        let on_hand: i64 = lots.iter().map(|l| l.2).sum();
        let reserved = reserved.min(on_hand);
        let mut inputs = vec![listing(on_hand - reserved, min_days, &rule)];
        crate::outbox::shelf::apply(&mut inputs, &lots, today);
        let input = &inputs[0];
        let shown = decide(input, today, Cause::Stock, VariantView::of(&[input])).stock;
        let expired: i64 = lots.iter().filter(|l| l.1.is_some_and(|d| d < today)).map(|l| l.2).sum();
        let cutoff = today + chrono::Days::new(min_days.unsigned_abs());
        let keeping: i64 = lots.iter().filter(|l| l.1.is_none_or(|d| d >= cutoff)).map(|l| l.2).sum();
        prop_assert!(shown >= 0);
        prop_assert!(shown <= (on_hand - reserved - expired).max(0), "{shown} shown, {expired} expired");
        prop_assert!(shown <= keeping, "{shown} shown, {keeping} keep {min_days} days");
        prop_assert!(input.at_rest() <= keeping, "at rest {} but {keeping} keep {min_days} days", input.at_rest());
    }
}
