//! Sales over a period with the previous period of equal length beside
//! each row, and the best sellers: one function every surface calls.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::ReportError;
use crate::orders::report::{self, GroupBy, ReportRow};
use crate::store::Store;
use crate::store::orders::SaleLine;

/// A report covers at most this many days (ten years), so a typo in a year
/// cannot make the server read every order twice over.
pub const MAX_DAYS: i64 = 3660;
/// Best sellers listed unless asked otherwise.
pub const DEFAULT_TOP: usize = 10;

/// Calendar days `from` to `to`, both included, in the configured zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// Named periods the page offers, relative to today.
pub const PRESETS: [&str; 5] = [
    "this-month",
    "last-month",
    "last-7-days",
    "last-30-days",
    "this-year",
];

impl Period {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Period, ReportError> {
        if from > to {
            return Err(ReportError::Invalid(format!(
                "from {from} is after to {to}"
            )));
        }
        if (to - from).num_days() >= MAX_DAYS {
            return Err(ReportError::Invalid(
                "a report covers at most ten years".into(),
            ));
        }
        Ok(Period { from, to })
    }

    /// `from`/`to` as given, each defaulting as `kho report sales` always
    /// did: to today, from 29 days before `to`.
    pub fn or_default(
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<Period, ReportError> {
        let to = to.unwrap_or(today);
        Period::new(from.unwrap_or(to - Duration::days(29)), to)
    }

    /// One of [`PRESETS`]; "this" periods end today, not at their end.
    pub fn preset(name: &str, today: NaiveDate) -> Option<Period> {
        let first_of_month = today.with_day(1)?;
        let p = match name {
            "this-month" => Period {
                from: first_of_month,
                to: today,
            },
            "last-month" => {
                let to = first_of_month.pred_opt()?;
                Period {
                    from: to.with_day(1)?,
                    to,
                }
            }
            "last-7-days" => Period {
                from: today - Duration::days(6),
                to: today,
            },
            "last-30-days" => Period {
                from: today - Duration::days(29),
                to: today,
            },
            "this-year" => Period {
                from: today.with_ordinal(1)?,
                to: today,
            },
            _ => return None,
        };
        Some(p)
    }

    /// A calendar month, `YYYY-MM`.
    pub fn month(text: &str) -> Result<Period, ReportError> {
        let bad = || ReportError::Invalid(format!("month {text:?} is not like 2026-11"));
        let from =
            NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d").map_err(|_| bad())?;
        let next = from
            .checked_add_months(chrono::Months::new(1))
            .ok_or_else(bad)?;
        Period::new(from, next.pred_opt().ok_or_else(bad)?)
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// The period of equal length that ends the day before this one starts.
    pub fn previous(&self) -> Period {
        let to = self.from - Duration::days(1);
        Period {
            from: to - Duration::days(self.days() - 1),
            to,
        }
    }

    /// `[start, end)` in UTC: midnight of `from` to midnight after `to` in
    /// `tz` (the first midnight, should a transition repeat it).
    pub fn instants(&self, tz: Tz) -> Result<(DateTime<Utc>, DateTime<Utc>), ReportError> {
        let start = |d: NaiveDate| {
            tz.from_local_datetime(&d.and_time(NaiveTime::MIN))
                .earliest()
                .map(|t| t.with_timezone(&Utc))
                .ok_or_else(|| ReportError::Invalid(format!("{d} does not exist in {tz}")))
        };
        let end = self
            .to
            .succ_opt()
            .ok_or_else(|| ReportError::Invalid(format!("{} is out of range", self.to)))?;
        Ok((start(self.from)?, start(end)?))
    }
}

/// What to report.
#[derive(Debug, Clone)]
pub struct SalesQuery {
    pub period: Period,
    pub by: GroupBy,
    /// Only this producer's sales (a cooperative's own; `None`: all).
    pub producer: Option<String>,
    /// How many best sellers to list.
    pub top: usize,
}

/// One group, this period and the previous one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompareRow {
    pub key: String,
    pub label: String,
    pub orders: usize,
    pub units: i64,
    pub revenue_vnd: i64,
    pub previous_orders: usize,
    pub previous_units: i64,
    pub previous_revenue_vnd: i64,
    /// Revenue now minus revenue before.
    pub change_vnd: i64,
    /// `change_vnd` in per cent of the previous revenue, one decimal; none
    /// when there was no revenue before.
    pub change_pct: Option<f64>,
    /// Expired units of this group written off in both periods (always
    /// zero by channel: a write-off belongs to no shop).
    pub written_off: WrittenOff,
}

/// A product among the best sellers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BestSeller {
    pub product: String,
    pub producer: String,
    pub producer_name: String,
    pub orders: usize,
    pub units: i64,
    pub revenue_vnd: i64,
}

/// Units written off as expired beside the sales: what the period lost to
/// spoilage (units × the current price), now and in the previous period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct WrittenOff {
    pub units: i64,
    pub value_vnd: i64,
    pub previous_units: i64,
    pub previous_value_vnd: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SalesReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub previous_from: NaiveDate,
    pub previous_to: NaiveDate,
    /// The zone days are counted in (`sync.timezone`).
    pub timezone: String,
    pub by: GroupBy,
    pub producer: Option<String>,
    pub rows: Vec<CompareRow>,
    pub orders: usize,
    pub units: i64,
    pub revenue_vnd: i64,
    pub previous_orders: usize,
    pub previous_units: i64,
    pub previous_revenue_vnd: i64,
    pub change_vnd: i64,
    pub change_pct: Option<f64>,
    pub best_sellers: Vec<BestSeller>,
    /// Expired units written off in the same periods.
    pub written_off: WrittenOff,
}

/// Sales of `q.period` and of the period before it, grouped by `q.by`.
pub async fn sales_report(
    store: &Store,
    tz: Tz,
    q: &SalesQuery,
) -> Result<SalesReport, ReportError> {
    let previous = q.period.previous();
    let now = lines(store, tz, &q.period, q.producer.as_deref()).await?;
    let before = lines(store, tz, &previous, q.producer.as_deref()).await?;
    let mut report = build(q, tz, &now, &before);
    let expired_now = expiry_lines(store, tz, &q.period, q.producer.as_deref()).await?;
    let expired_before = expiry_lines(store, tz, &previous, q.producer.as_deref()).await?;
    add_write_offs(&mut report, q, tz, &expired_now, &expired_before);
    Ok(report)
}

async fn expiry_lines(
    store: &Store,
    tz: Tz,
    period: &Period,
    producer: Option<&str>,
) -> Result<Vec<SaleLine>, ReportError> {
    let (start, end) = period.instants(tz)?;
    let mut lines = store.expiry_lines(start, end).await?;
    if let Some(p) = producer {
        lines.retain(|l| l.producer == p);
    }
    Ok(lines)
}

/// Puts the write-offs of both periods beside the sales: in total, and per
/// row grouped as the sales are (a group with write-offs and no sales gets
/// a row of its own). By channel only the total: a write-off belongs to no
/// shop. Pure, for tests.
pub fn add_write_offs(
    report: &mut SalesReport,
    q: &SalesQuery,
    tz: Tz,
    now: &[SaleLine],
    before: &[SaleLine],
) {
    let total = |lines: &[SaleLine]| {
        lines.iter().fold((0i64, 0i64), |(u, v), l| {
            (
                u.saturating_add(l.quantity),
                v.saturating_add(l.quantity.saturating_mul(l.unit_price_vnd)),
            )
        })
    };
    let (units, value_vnd) = total(now);
    let (previous_units, previous_value_vnd) = total(before);
    report.written_off = WrittenOff {
        units,
        value_vnd,
        previous_units,
        previous_value_vnd,
    };
    if q.by == GroupBy::Channel {
        return;
    }
    let current = report::aggregate(now, q.by, tz);
    let mut earlier = report::aggregate(before, q.by, tz);
    if q.by == GroupBy::Day {
        shift_days(&mut earlier, q.period.days());
    }
    for (r, previous) in current
        .into_iter()
        .map(|r| (r, false))
        .chain(earlier.into_iter().map(|r| (r, true)))
    {
        let row = match report.rows.iter().position(|row| row.key == r.key) {
            Some(i) => &mut report.rows[i],
            None => {
                report.rows.push(CompareRow {
                    key: r.key.clone(),
                    label: r.label.clone(),
                    orders: 0,
                    units: 0,
                    revenue_vnd: 0,
                    previous_orders: 0,
                    previous_units: 0,
                    previous_revenue_vnd: 0,
                    change_vnd: 0,
                    change_pct: None,
                    written_off: WrittenOff::default(),
                });
                let last = report.rows.len() - 1;
                &mut report.rows[last]
            }
        };
        if previous {
            row.written_off.previous_units = r.units;
            row.written_off.previous_value_vnd = r.revenue_vnd;
        } else {
            row.written_off.units = r.units;
            row.written_off.value_vnd = r.revenue_vnd;
        }
    }
    report.rows.sort_by(|a, b| a.key.cmp(&b.key));
}

/// Day n of the previous period sits beside day n of this one.
fn shift_days(rows: &mut [ReportRow], days: i64) {
    for r in rows {
        if let Ok(d) = r.key.parse::<NaiveDate>() {
            r.key = (d + Duration::days(days)).to_string();
            r.label = r.key.clone();
        }
    }
}

async fn lines(
    store: &Store,
    tz: Tz,
    period: &Period,
    producer: Option<&str>,
) -> Result<Vec<SaleLine>, ReportError> {
    let (start, end) = period.instants(tz)?;
    let mut lines = store.sale_lines(start, end).await?;
    if let Some(p) = producer {
        lines.retain(|l| l.producer == p);
    }
    Ok(lines)
}

/// The report from the lines of both periods (pure, for tests).
pub fn build(q: &SalesQuery, tz: Tz, now: &[SaleLine], before: &[SaleLine]) -> SalesReport {
    let previous = q.period.previous();
    let current = report::aggregate(now, q.by, tz);
    let mut earlier = report::aggregate(before, q.by, tz);
    if q.by == GroupBy::Day {
        shift_days(&mut earlier, q.period.days());
    }
    let mut merged: BTreeMap<String, (Option<ReportRow>, Option<ReportRow>)> = BTreeMap::new();
    for r in current {
        let key = r.key.clone();
        merged.entry(key).or_default().0 = Some(r);
    }
    for r in earlier {
        let key = r.key.clone();
        merged.entry(key).or_default().1 = Some(r);
    }
    let rows: Vec<CompareRow> = merged
        .into_iter()
        .map(|(key, (now, before))| {
            let label = now
                .as_ref()
                .or(before.as_ref())
                .map_or_else(|| key.clone(), |r| r.label.clone());
            let (orders, units, revenue) =
                now.map_or((0, 0, 0), |r| (r.orders, r.units, r.revenue_vnd));
            let (p_orders, p_units, p_revenue) =
                before.map_or((0, 0, 0), |r| (r.orders, r.units, r.revenue_vnd));
            CompareRow {
                key,
                label,
                orders,
                units,
                revenue_vnd: revenue,
                previous_orders: p_orders,
                previous_units: p_units,
                previous_revenue_vnd: p_revenue,
                change_vnd: revenue - p_revenue,
                change_pct: change_pct(revenue, p_revenue),
                written_off: WrittenOff::default(),
            }
        })
        .collect();
    let distinct = |lines: &[SaleLine]| {
        lines
            .iter()
            .map(|l| l.order_id)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    };
    let revenue_vnd: i64 = rows.iter().map(|r| r.revenue_vnd).sum();
    let previous_revenue_vnd: i64 = rows.iter().map(|r| r.previous_revenue_vnd).sum();
    SalesReport {
        from: q.period.from,
        to: q.period.to,
        previous_from: previous.from,
        previous_to: previous.to,
        timezone: tz.name().to_owned(),
        by: q.by,
        producer: q.producer.clone(),
        orders: distinct(now),
        units: rows.iter().map(|r| r.units).sum(),
        previous_orders: distinct(before),
        previous_units: rows.iter().map(|r| r.previous_units).sum(),
        change_vnd: revenue_vnd - previous_revenue_vnd,
        change_pct: change_pct(revenue_vnd, previous_revenue_vnd),
        revenue_vnd,
        previous_revenue_vnd,
        rows,
        best_sellers: best_sellers(now, q.top),
        written_off: WrittenOff::default(),
    }
}

fn change_pct(now: i64, before: i64) -> Option<f64> {
    (before != 0).then(|| ((now - before) as f64 * 1000.0 / before as f64).round() / 10.0)
}

/// The `top` products by revenue (then units, then name), each with its producer.
fn best_sellers(lines: &[SaleLine], top: usize) -> Vec<BestSeller> {
    let mut by_product: BTreeMap<(String, String), (std::collections::BTreeSet<i64>, BestSeller)> =
        BTreeMap::new();
    for l in lines {
        let (orders, b) = by_product
            .entry((l.producer.clone(), l.product.clone()))
            .or_insert_with(|| {
                (
                    Default::default(),
                    BestSeller {
                        product: l.product.clone(),
                        producer: l.producer.clone(),
                        producer_name: l.producer_name.clone(),
                        orders: 0,
                        units: 0,
                        revenue_vnd: 0,
                    },
                )
            });
        orders.insert(l.order_id);
        b.orders = orders.len();
        b.units += l.quantity;
        b.revenue_vnd = b
            .revenue_vnd
            .saturating_add(l.quantity.saturating_mul(l.unit_price_vnd));
    }
    let mut all: Vec<BestSeller> = by_product.into_values().map(|(_, b)| b).collect();
    all.sort_by(|a, b| {
        b.revenue_vnd
            .cmp(&a.revenue_vnd)
            .then(b.units.cmp(&a.units))
            .then(a.product.cmp(&b.product))
    });
    all.truncate(top);
    all
}

#[cfg(test)]
mod tests;
