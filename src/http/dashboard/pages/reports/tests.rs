use super::*;

fn q(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect()
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

#[test]
fn the_query_names_period_grouping_and_what_is_wrong() {
    let today = d(2026, 12, 6);
    let a = ask(&q(&[]), today).unwrap();
    assert_eq!(
        (a.period.from, a.period.to, a.by, a.top),
        (d(2026, 11, 7), today, GroupBy::Producer, 10)
    );
    let a = ask(
        &q(&[
            ("preset", "last-month"),
            ("from", "2020-01-01"),
            ("by", "stars"),
        ]),
        today,
    )
    .unwrap();
    assert_eq!(
        (a.period.from, a.period.to, a.by),
        (d(2026, 11, 1), d(2026, 11, 30), GroupBy::Stars)
    );
    let a = ask(
        &q(&[
            ("from", "2026-10-01"),
            ("to", "2026-10-31"),
            ("by", "district"),
        ]),
        today,
    )
    .unwrap();
    assert_eq!(a.period.days(), 31);
    for (k, v, needle) in [
        ("by", "colour", "by=\"colour\""),
        ("preset", "someday", "preset=\"someday\""),
        ("from", "1/10/2026", "from=\"1/10/2026\""),
        ("top", "0", "top=\"0\""),
    ] {
        match ask(&q(&[(k, v)]), today) {
            Err(PageError::BadRequest(m)) => assert!(m.contains(needle), "{m}"),
            other => panic!("{k}={v}: {other:?}"),
        }
    }
}

#[test]
fn changes_are_written_as_each_language_writes_them() {
    assert_eq!(
        change(Lang::Vi, 120_000, Some(150.0)),
        "+120.000 ₫ (+150,0 %)"
    );
    assert_eq!(change(Lang::En, -5_000, Some(-12.5)), "-5.000 ₫ (-12.5%)");
    assert_eq!(change(Lang::Vi, 0, None), "0 ₫");
}

#[test]
fn row_names_are_words_not_codes() {
    let row = |key: &str, label: &str| CompareRow {
        key: key.into(),
        label: label.into(),
        orders: 0,
        units: 0,
        revenue_vnd: 0,
        previous_orders: 0,
        previous_units: 0,
        previous_revenue_vnd: 0,
        change_vnd: 0,
        change_pct: None,
        written_off: Default::default(),
    };
    assert_eq!(
        row_name(
            Lang::Vi,
            GroupBy::Producer,
            &row("htx-chi-lang", "HTX Na Chi Lăng")
        ),
        "HTX Na Chi Lăng"
    );
    assert_eq!(
        row_name(Lang::Vi, GroupBy::Stars, &row("none", "none")),
        "Chưa có sao OCOP"
    );
    assert_eq!(
        row_name(Lang::En, GroupBy::Stars, &row("4", "4")),
        "4 stars"
    );
    assert_eq!(
        row_name(Lang::Vi, GroupBy::Channel, &row("tiktok", "tiktok")),
        "TikTok Shop"
    );
    assert_eq!(
        row_name(Lang::Vi, GroupBy::Day, &row("2026-11-30", "2026-11-30")),
        "30/11/2026"
    );
    assert_eq!(
        row_name(Lang::En, GroupBy::District, &row("", "")),
        "(unknown)"
    );
}
