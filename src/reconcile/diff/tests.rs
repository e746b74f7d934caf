use super::*;
use kho_channel::{OrderLine, RemoteId};

fn remote(item: &str, sku: &str, stock: i64, price: i64) -> RemoteListing {
    RemoteListing {
        id: RemoteId::item(item),
        seller_sku: sku.into(),
        title: format!("title {sku}"),
        stock,
        price_vnd: price,
        status: ListingStatus::Active,
        held_stock: None,
    }
}

fn linked(id: i64, item: &str, sku: &str, stock: i64, price: i64) -> Canonical {
    Canonical {
        listing_id: id,
        variant_id: id,
        sku: sku.into(),
        remote_item_id: item.into(),
        remote_variant_id: String::new(),
        desired_stock: Some(stock),
        desired_price: Some(price),
        desired_active: Some(true),
        remote_stock: Some(stock),
        remote_price: Some(price),
        remote_status: Some("active".into()),
        acked_stock: Some(stock),
        acked_price: Some(price),
        acked_at: None,
    }
}

fn order(id: &str, item: &str, sku: &str, qty: i64) -> RemoteOrder {
    RemoteOrder {
        order_id: id.into(),
        status: OrderStatus::Ready,
        raw_status: "READY_TO_SHIP".into(),
        created_at: None,
        updated_at: None,
        currency: "VND".into(),
        lines: vec![OrderLine {
            remote: RemoteId::item(item),
            seller_sku: sku.into(),
            quantity: qty,
            unit_price_vnd: 1000,
        }],
    }
}

struct Case {
    remote: Vec<RemoteListing>,
    canonical: Vec<Canonical>,
    jobs: Vec<JobState>,
    orders: Vec<RemoteOrder>,
    skus: HashSet<String>,
    awaiting: HashSet<AwaitKey>,
    stale: BTreeMap<String, String>,
}

impl Case {
    fn new(remote: Vec<RemoteListing>, canonical: Vec<Canonical>) -> Self {
        let skus = canonical.iter().map(|c| c.sku.clone()).collect();
        Case {
            remote,
            canonical,
            jobs: Vec::new(),
            orders: Vec::new(),
            skus,
            awaiting: HashSet::new(),
            stale: BTreeMap::new(),
        }
    }

    fn run(&self) -> Diff {
        diff(&Input {
            remote: &self.remote,
            canonical: &self.canonical,
            jobs: &self.jobs,
            missed_orders: &self.orders,
            stale_orders: &self.stale,
            producer_skus: &self.skus,
            awaiting: &self.awaiting,
        })
    }
}

fn kinds_causes(d: &Diff) -> Vec<(String, String)> {
    d.items
        .iter()
        .map(|i| (i.kind.clone(), i.cause.clone()))
        .collect()
}

#[test]
fn a_seller_sku_changed_on_a_linked_listing_awaits_a_person() {
    // Renamed to an unknown SKU, swapped to a sibling's, and cleared.
    let mut case = Case::new(
        vec![
            remote("1", "NA-1KG-NEW", 5, 100),
            remote("2", "NA-1KG", 7, 200),
            remote("3", "", 9, 300),
            remote("4", "HONG-1KG", 2, 400),
        ],
        vec![
            linked(1, "1", "NA-1KG", 5, 100),
            linked(2, "2", "NA-2KG", 7, 200),
            linked(3, "3", "NA-5KG", 9, 300),
            linked(4, "4", "HONG-1KG", 2, 400),
        ],
    );
    let d = case.run();
    let changed: Vec<_> = d
        .items
        .iter()
        .filter(|i| i.kind == kind::SELLER_SKU)
        .collect();
    assert_eq!(changed.len(), 3, "{:?}", d.items);
    assert!(
        changed
            .iter()
            .all(|i| i.cause == cause::EDITED_ON_MARKETPLACE)
    );
    let by_sku = |sku: &str| {
        changed
            .iter()
            .find(|i| i.kho_value.as_deref() == Some(sku))
            .and_then(|i| i.detail.clone())
            .unwrap_or_default()
    };
    assert!(
        by_sku("NA-1KG").contains("not one of the producer's SKUs"),
        "{}",
        by_sku("NA-1KG")
    );
    assert!(
        by_sku("NA-2KG").contains("counted against NA-1KG"),
        "{}",
        by_sku("NA-2KG")
    );
    assert!(
        by_sku("NA-5KG").contains("carry no SKU"),
        "{}",
        by_sku("NA-5KG")
    );
    assert_eq!(d.to_file.len(), 3);
    // Stock and price still match: nothing else is drift.
    assert_eq!(d.items.len(), 3);

    // Filed by `--fix`, unchanged: no longer drift; changed again: drift.
    case.awaiting = d.to_file.iter().map(|(k, _)| k.clone()).collect();
    let again = case.run();
    assert!(again.items.is_empty(), "{:?}", again.items);
    assert_eq!(again.still_awaiting.len(), 3);
    case.remote[0].seller_sku = "NA-1KG-NEWER".into();
    let changed_again = case.run();
    assert_eq!(
        kinds_causes(&changed_again),
        [(
            kind::SELLER_SKU.to_owned(),
            cause::EDITED_ON_MARKETPLACE.to_owned()
        )]
    );
}

#[test]
fn units_a_shop_does_not_show_are_hidden_units() {
    // kho pushed 8, a cancellation raised its belief to 10 (its
    // allocation), the shop still shows 8: two units not on sale.
    let mut c = linked(1, "1", "A", 10, 100);
    c.acked_stock = Some(8);
    let case = Case::new(vec![remote("1", "A", 8, 100)], vec![c.clone()]);
    let d = case.run();
    assert_eq!(
        kinds_causes(&d),
        [(kind::STOCK.to_owned(), cause::HIDDEN_UNITS.to_owned())]
    );
    assert!(
        d.items[0]
            .detail
            .as_deref()
            .is_some_and(|t| t.contains("2 unit(s)")),
        "{:?}",
        d.items[0].detail
    );
    // `--fix` takes the observed 8 as kho's belief, so the allocation
    // is queued.
    assert_eq!(d.observed.len(), 1);
    assert_eq!(d.observed[0].value, 8);
    // Shown below what kho itself pushed last: an edit, not hidden units.
    let edited = Case::new(
        vec![remote("1", "A", 6, 100)],
        vec![linked(1, "1", "A", 10, 100)],
    );
    assert_eq!(
        kinds_causes(&edited.run()),
        [(
            kind::STOCK.to_owned(),
            cause::EDITED_ON_MARKETPLACE.to_owned()
        )]
    );
}

#[test]
fn equal_sides_are_clean() {
    let c = Case::new(
        vec![remote("1", "A", 5, 100)],
        vec![linked(1, "1", "A", 5, 100)],
    );
    assert!(c.run().items.is_empty());
}

#[test]
fn a_hand_edit_after_the_last_push_is_named() {
    let c = Case::new(
        vec![remote("1", "A", 2, 100), remote("2", "B", 5, 120)],
        vec![linked(1, "1", "A", 5, 100), linked(2, "2", "B", 5, 100)],
    );
    let d = c.run();
    assert_eq!(
        kinds_causes(&d),
        vec![
            ("stock".into(), "edited_on_marketplace".into()),
            ("price".into(), "edited_on_marketplace".into())
        ]
    );
    let stock = &d.items[0];
    assert_eq!(stock.kho_value.as_deref(), Some("5"));
    assert_eq!(stock.pushed_value.as_deref(), Some("5"));
    assert_eq!(stock.remote_value.as_deref(), Some("2"));
    assert_eq!(d.observed.len(), 2);
}

#[test]
fn pending_and_dead_pushes_come_first() {
    let mut c = Case::new(
        vec![remote("1", "A", 2, 100), remote("2", "B", 2, 100)],
        vec![linked(1, "1", "A", 5, 100), linked(2, "2", "B", 5, 100)],
    );
    c.jobs = vec![
        JobState {
            listing_id: 1,
            kind: "stock".into(),
            state: "pending".into(),
            last_error: None,
        },
        JobState {
            listing_id: 2,
            kind: "stock".into(),
            state: "dead".into(),
            last_error: Some("item is locked by a promotion".into()),
        },
    ];
    let d = c.run();
    assert_eq!(d.items[0].cause, "push_pending");
    assert_eq!(d.items[1].cause, "push_failed");
    assert!(
        d.items[1]
            .detail
            .as_deref()
            .is_some_and(|m| m.contains("locked by a promotion"))
    );
}

#[test]
fn stock_the_marketplace_holds_is_named() {
    let mut r = remote("1", "A", 3, 100);
    r.held_stock = Some(2);
    let c = Case::new(vec![r], vec![linked(1, "1", "A", 5, 100)]);
    assert_eq!(
        kinds_causes(&c.run()),
        vec![("stock".into(), "held_by_marketplace".into())]
    );
}

#[test]
fn a_missed_order_is_one_item_and_explains_its_stock() {
    let mut c = Case::new(
        vec![remote("1", "A", 3, 100)],
        vec![linked(1, "1", "A", 5, 100)],
    );
    c.orders = vec![order("O1", "1", "A", 2)];
    let d = c.run();
    assert_eq!(
        kinds_causes(&d),
        vec![("order_missing".into(), "order_not_ingested".into())]
    );
    let detail = d.items[0].detail.clone().unwrap_or_default();
    assert!(detail.contains("A stock kho 5, marketplace 3"), "{detail}");
    assert_eq!(d.items[0].remote_value.as_deref(), Some("O1"));
}

#[test]
fn a_missed_order_that_does_not_explain_the_stock_leaves_a_stock_item() {
    let mut c = Case::new(
        vec![remote("1", "A", 1, 100)],
        vec![linked(1, "1", "A", 5, 100)],
    );
    c.orders = vec![order("O1", "1", "A", 2)];
    let d = c.run();
    assert_eq!(
        kinds_causes(&d),
        vec![
            ("stock".into(), "edited_on_marketplace".into()),
            ("order_missing".into(), "order_not_ingested".into())
        ]
    );
}

#[test]
fn a_lost_cancellation_is_one_order_item_and_explains_its_stock() {
    let mut c = Case::new(
        vec![remote("1", "A", 7, 100)],
        vec![linked(1, "1", "A", 5, 100)],
    );
    let mut cancelled = order("O1", "1", "A", 2);
    cancelled.status = OrderStatus::Cancelled;
    cancelled.raw_status = "CANCELLED".into();
    c.orders = vec![cancelled];
    c.stale.insert("O1".into(), "ready".into());
    let d = c.run();
    assert_eq!(
        kinds_causes(&d),
        vec![("order_missing".into(), "order_not_ingested".into())]
    );
    assert_eq!(d.items[0].kho_value.as_deref(), Some("ready"));
    let detail = d.items[0].detail.clone().unwrap_or_default();
    assert!(detail.contains("A stock kho 5, marketplace 7"), "{detail}");
}

#[test]
fn deleted_unknown_and_duplicated_listings() {
    let mut gone = remote("3", "C", 5, 100);
    gone.status = ListingStatus::Deleted;
    let c = Case::new(
        vec![
            remote("1", "A", 5, 100),
            remote("9", "A", 1, 100),
            gone,
            remote("7", "ZZZ", 1, 100),
        ],
        vec![linked(1, "1", "A", 5, 100), linked(3, "3", "C", 5, 100)],
    );
    let d = c.run();
    assert_eq!(
        kinds_causes(&d),
        vec![
            ("missing_remote".into(), "deleted_on_marketplace".into()),
            ("unknown_sku".into(), "not_linked".into()),
            ("duplicate_sku".into(), "not_linked".into()),
        ]
    );
    assert_eq!(d.missing.len(), 1);
    assert_eq!(d.items[2].remote_value.as_deref(), Some("1,9"));
    assert_eq!(d.to_file.len(), 2);
}

#[test]
fn filed_items_are_not_drift_until_they_change() {
    let mut c = Case::new(
        vec![remote("1", "A", 5, 100), remote("7", "ZZZ", 1, 100)],
        vec![linked(1, "1", "A", 5, 100)],
    );
    c.awaiting.insert(AwaitKey {
        kind: "unknown_sku".into(),
        seller_sku: "ZZZ".into(),
        remote_ids: "7".into(),
    });
    let d = c.run();
    assert!(d.items.is_empty());
    assert_eq!(d.still_awaiting.len(), 1);
    // The same SKU on a second listing is a new problem.
    c.remote.push(remote("8", "ZZZ", 1, 100));
    let d = c.run();
    assert_eq!(
        kinds_causes(&d),
        vec![("duplicate_sku".into(), "not_linked".into())]
    );
    assert!(d.still_awaiting.is_empty());
}

#[test]
fn a_listing_unlisted_by_hand_is_a_status_drift_and_values_wait() {
    let mut r = remote("1", "A", 0, 1);
    r.status = ListingStatus::Inactive;
    let c = Case::new(vec![r], vec![linked(1, "1", "A", 5, 100)]);
    let d = c.run();
    assert_eq!(
        kinds_causes(&d),
        vec![
            ("stock".into(), "edited_on_marketplace".into()),
            ("price".into(), "edited_on_marketplace".into()),
            ("status".into(), "edited_on_marketplace".into()),
        ]
    );
    let mut unlisted = linked(1, "1", "A", 5, 100);
    unlisted.desired_active = Some(false);
    unlisted.remote_status = Some("inactive".into());
    let mut r = remote("1", "A", 0, 1);
    r.status = ListingStatus::Inactive;
    assert!(Case::new(vec![r], vec![unlisted]).run().items.is_empty());
}
