//! Sales figures: units and revenue (whole VND) of orders that were not
//! cancelled or returned, grouped by day (in the configured time zone),
//! channel (marketplace), producer, product, the producer's district or the
//! product's OCOP stars. `crate::reports::sales` builds the department's
//! report (with the previous period) on top of this one grouping.

use std::collections::{BTreeMap, BTreeSet};

use chrono_tz::Tz;
use serde::Serialize;

use crate::store::orders::SaleLine;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    Day,
    Channel,
    Producer,
    Product,
    /// The producer's district, as the catalog names it (unknown SKUs:
    /// an empty key, like their producer).
    District,
    /// The product's OCOP stars as the catalog has them now: `3`, `4`, `5`,
    /// or `none`.
    Stars,
}

impl GroupBy {
    pub const ALL: [GroupBy; 6] = [
        GroupBy::Day,
        GroupBy::Channel,
        GroupBy::Producer,
        GroupBy::Product,
        GroupBy::District,
        GroupBy::Stars,
    ];

    /// The name `--by` and `?by=` take.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Day => "day",
            GroupBy::Channel => "channel",
            GroupBy::Producer => "producer",
            GroupBy::Product => "product",
            GroupBy::District => "district",
            GroupBy::Stars => "stars",
        }
    }

    pub fn parse(s: &str) -> Option<GroupBy> {
        GroupBy::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

/// The key of lines without OCOP stars when grouping by stars.
pub const NO_STARS: &str = "none";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportRow {
    pub key: String,
    /// What people read for the key: the producer's name for a producer
    /// (codes are for machines), else the key itself.
    pub label: String,
    pub orders: usize,
    pub units: i64,
    pub revenue_vnd: i64,
}

pub fn aggregate(lines: &[SaleLine], by: GroupBy, tz: Tz) -> Vec<ReportRow> {
    let mut groups: BTreeMap<String, (BTreeSet<i64>, i64, i64, String)> = BTreeMap::new();
    for l in lines {
        let key = match by {
            GroupBy::Day => l.ordered_at.with_timezone(&tz).date_naive().to_string(),
            GroupBy::Channel => l.channel.clone(),
            GroupBy::Producer => l.producer.clone(),
            GroupBy::Product => l.product.clone(),
            GroupBy::District => l.district.clone(),
            GroupBy::Stars => l
                .ocop_stars
                .map_or_else(|| NO_STARS.to_owned(), |s| s.to_string()),
        };
        let g = groups.entry(key).or_insert_with_key(|key| {
            let label = match by {
                GroupBy::Producer if !l.producer_name.is_empty() => l.producer_name.clone(),
                _ => key.clone(),
            };
            (BTreeSet::new(), 0, 0, label)
        });
        g.0.insert(l.order_id);
        g.1 += l.quantity;
        g.2 =
            g.2.saturating_add(l.quantity.saturating_mul(l.unit_price_vnd));
    }
    groups
        .into_iter()
        .map(|(key, (orders, units, revenue, label))| ReportRow {
            key,
            label,
            orders: orders.len(),
            units,
            revenue_vnd: revenue,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn line(order_id: i64, hour: u32, channel: &str, qty: i64, price: i64) -> SaleLine {
        SaleLine {
            order_id,
            ordered_at: chrono::Utc
                .with_ymd_and_hms(2026, 11, 28, hour, 0, 0)
                .unwrap(),
            channel: channel.into(),
            account: "a".into(),
            producer: "htx".into(),
            producer_name: "HTX Na Chi Lăng".into(),
            district: "Chi Lăng".into(),
            product: "Na".into(),
            ocop_stars: (qty > 1).then_some(4),
            sku: "NA-1".into(),
            quantity: qty,
            unit_price_vnd: price,
        }
    }

    #[test]
    fn days_follow_the_time_zone() {
        // 18:00 UTC on the 28th is already the 29th in Lạng Sơn (UTC+7).
        let lines = [
            line(1, 10, "shopee", 2, 85_000),
            line(2, 18, "tiktok", 1, 165_000),
        ];
        let rows = aggregate(&lines, GroupBy::Day, chrono_tz::Asia::Ho_Chi_Minh);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].key, "2026-11-28");
        assert_eq!(rows[0].revenue_vnd, 170_000);
        assert_eq!(rows[1].key, "2026-11-29");
    }

    #[test]
    fn orders_are_counted_once_per_group() {
        let lines = [
            line(1, 10, "shopee", 2, 1000),
            line(1, 10, "shopee", 1, 500),
            line(2, 11, "shopee", 1, 1000),
        ];
        let rows = aggregate(&lines, GroupBy::Channel, chrono_tz::Asia::Ho_Chi_Minh);
        assert_eq!(
            rows,
            vec![ReportRow {
                key: "shopee".into(),
                label: "shopee".into(),
                orders: 2,
                units: 4,
                revenue_vnd: 3500
            }]
        );
    }

    #[test]
    fn producers_are_named_and_stars_grouped() {
        let lines = [
            line(1, 10, "shopee", 2, 1000),
            line(2, 11, "lazada", 1, 500),
        ];
        let tz = chrono_tz::Asia::Ho_Chi_Minh;
        let rows = aggregate(&lines, GroupBy::Producer, tz);
        assert_eq!(
            (rows[0].key.as_str(), rows[0].label.as_str()),
            ("htx", "HTX Na Chi Lăng")
        );
        let rows = aggregate(&lines, GroupBy::Stars, tz);
        let keys: Vec<_> = rows
            .iter()
            .map(|r| (r.key.as_str(), r.revenue_vnd))
            .collect();
        assert_eq!(keys, [("4", 2000), (NO_STARS, 500)]);
        for g in GroupBy::ALL {
            assert_eq!(GroupBy::parse(g.as_str()), Some(g));
        }
    }
}
