use chrono::TimeZone;

use super::*;

const TZ: Tz = chrono_tz::Asia::Ho_Chi_Minh;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn line(
    order_id: i64,
    day: NaiveDate,
    producer: &str,
    product: &str,
    qty: i64,
    price: i64,
) -> SaleLine {
    SaleLine {
        order_id,
        ordered_at: TZ
            .from_local_datetime(&day.and_hms_opt(9, 0, 0).unwrap())
            .unwrap()
            .with_timezone(&Utc),
        channel: "shopee".into(),
        account: "a".into(),
        producer: producer.into(),
        producer_name: format!("HTX {producer}"),
        district: "Chi Lăng".into(),
        product: product.into(),
        ocop_stars: Some(4),
        sku: "S".into(),
        quantity: qty,
        unit_price_vnd: price,
    }
}

#[test]
fn presets_and_the_previous_period() {
    let today = d(2026, 3, 15);
    assert_eq!(
        Period::preset("this-month", today),
        Some(Period {
            from: d(2026, 3, 1),
            to: today
        })
    );
    assert_eq!(
        Period::preset("last-month", today),
        Some(Period {
            from: d(2026, 2, 1),
            to: d(2026, 2, 28)
        })
    );
    assert_eq!(Period::preset("last-30-days", today).unwrap().days(), 30);
    assert_eq!(
        Period::preset("this-year", today).unwrap().from,
        d(2026, 1, 1)
    );
    assert_eq!(Period::preset("yesterday", today), None);
    for p in PRESETS {
        assert!(Period::preset(p, today).is_some(), "{p}");
    }
    // Equal length, ending the day before.
    let p = Period::new(d(2026, 3, 1), d(2026, 3, 10)).unwrap();
    assert_eq!(
        p.previous(),
        Period {
            from: d(2026, 2, 19),
            to: d(2026, 2, 28)
        }
    );
    assert_eq!(
        Period::month("2026-02").unwrap(),
        Period {
            from: d(2026, 2, 1),
            to: d(2026, 2, 28)
        }
    );
    assert!(Period::month("2026-13").is_err());
    assert!(Period::new(d(2026, 3, 2), d(2026, 3, 1)).is_err());
    assert!(Period::new(d(2000, 1, 1), d(2026, 1, 1)).is_err());
}

#[test]
fn rows_sit_beside_the_previous_period_with_the_change() {
    let q = SalesQuery {
        period: Period::new(d(2026, 3, 1), d(2026, 3, 10)).unwrap(),
        by: GroupBy::Producer,
        producer: None,
        top: 1,
    };
    let now = [
        line(1, d(2026, 3, 2), "a", "Na", 2, 100_000),
        line(2, d(2026, 3, 3), "b", "Mận", 1, 50_000),
    ];
    let before = [
        line(3, d(2026, 2, 20), "a", "Na", 1, 80_000),
        line(4, d(2026, 2, 21), "c", "Hồi", 1, 10_000),
    ];
    let r = build(&q, TZ, &now, &before);
    let a = &r.rows[0];
    assert_eq!((a.key.as_str(), a.label.as_str()), ("a", "HTX a"));
    assert_eq!(
        (a.revenue_vnd, a.previous_revenue_vnd, a.change_vnd),
        (200_000, 80_000, 120_000)
    );
    assert_eq!(a.change_pct, Some(150.0));
    assert_eq!(r.rows[1].change_pct, None, "nothing before: no percentage");
    // A producer that sold only before shows with nothing now.
    assert_eq!(
        (
            r.rows[2].key.as_str(),
            r.rows[2].revenue_vnd,
            r.rows[2].change_vnd
        ),
        ("c", 0, -10_000)
    );
    assert_eq!(
        (
            r.revenue_vnd,
            r.previous_revenue_vnd,
            r.orders,
            r.previous_orders
        ),
        (250_000, 90_000, 2, 2)
    );
    assert_eq!(r.best_sellers.len(), 1);
    assert_eq!(
        (
            r.best_sellers[0].product.as_str(),
            r.best_sellers[0].revenue_vnd
        ),
        ("Na", 200_000)
    );
}

#[test]
fn days_are_compared_with_the_same_day_of_the_previous_period() {
    let q = SalesQuery {
        period: Period::new(d(2026, 3, 1), d(2026, 3, 2)).unwrap(),
        by: GroupBy::Day,
        producer: None,
        top: 5,
    };
    let now = [line(1, d(2026, 3, 1), "a", "Na", 1, 100)];
    let before = [line(2, d(2026, 2, 27), "a", "Na", 1, 50)];
    let r = build(&q, TZ, &now, &before);
    assert_eq!(r.rows.len(), 1, "{:?}", r.rows);
    assert_eq!(
        (r.rows[0].key.as_str(), r.rows[0].previous_revenue_vnd),
        ("2026-03-01", 50)
    );
}

#[test]
fn write_offs_sit_beside_the_sales_of_their_group() {
    let q = SalesQuery {
        period: Period::new(d(2026, 3, 1), d(2026, 3, 10)).unwrap(),
        by: GroupBy::Producer,
        producer: None,
        top: 1,
    };
    let now = [line(1, d(2026, 3, 2), "a", "Na", 2, 100_000)];
    let mut r = build(&q, TZ, &now, &[]);
    // Write-offs: 3 of a's (now), 1 of c's, which sold nothing (before).
    let expired_now = [line(0, d(2026, 3, 4), "a", "Na", 3, 100_000)];
    let expired_before = [line(0, d(2026, 2, 25), "c", "Hồi", 1, 10_000)];
    add_write_offs(&mut r, &q, TZ, &expired_now, &expired_before);
    assert_eq!(
        r.written_off,
        WrittenOff {
            units: 3,
            value_vnd: 300_000,
            previous_units: 1,
            previous_value_vnd: 10_000
        }
    );
    let keys: Vec<&str> = r.rows.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys, ["a", "c"], "a group with write-offs only gets a row");
    assert_eq!(
        (r.rows[0].written_off.units, r.rows[0].revenue_vnd),
        (3, 200_000)
    );
    assert_eq!(
        (
            r.rows[1].written_off.previous_value_vnd,
            r.rows[1].revenue_vnd
        ),
        (10_000, 0)
    );
    // Sales totals are untouched by write-offs.
    assert_eq!((r.units, r.revenue_vnd), (2, 200_000));

    // By channel only the total: a write-off belongs to no shop.
    let by_channel = SalesQuery {
        by: GroupBy::Channel,
        ..q
    };
    let mut r = build(&by_channel, TZ, &now, &[]);
    add_write_offs(&mut r, &by_channel, TZ, &expired_now, &expired_before);
    assert_eq!(r.written_off.units, 3);
    assert_eq!(r.rows.len(), 1);
    assert_eq!(r.rows[0].written_off, WrittenOff::default());
}
