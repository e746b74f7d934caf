//! Paging and time windows.
//!
//! Page tokens are opaque strings: Shopee uses offsets and cursors, TikTok page tokens, Lazada offsets. An
//! adapter may pack more into its token (e.g. which 15-day sub-window a cursor belongs to); the core only
//! stores it and hands it back.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An opaque continuation token produced by an adapter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PageToken(pub String);

/// One page of results; `next` is `None` on the last page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<PageToken>,
}

/// A half-open time range `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeWindow {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl TimeWindow {
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        Self { from, to }
    }

    /// Split into consecutive windows no longer than `max` (marketplaces cap order-list windows, e.g. Shopee
    /// at 15 days). An empty or inverted window yields nothing.
    pub fn split(&self, max: chrono::Duration) -> Vec<TimeWindow> {
        let mut out = Vec::new();
        if max <= chrono::Duration::zero() {
            return out;
        }
        let mut from = self.from;
        while from < self.to {
            let to = std::cmp::min(from + max, self.to);
            out.push(TimeWindow { from, to });
            from = to;
        }
        out
    }
}

/// Which timestamp an order query filters on. Polling uses `Updated` so status changes are seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderTimeField {
    Created,
    #[default]
    Updated,
}

/// An order listing query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderQuery {
    pub window: TimeWindow,
    pub field: OrderTimeField,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn split_covers_window_without_gaps() {
        let from = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let to = Utc.with_ymd_and_hms(2026, 2, 10, 12, 0, 0).unwrap();
        let parts = TimeWindow::new(from, to).split(chrono::Duration::days(15));
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0].from, from);
        assert_eq!(parts[2].to, to);
        for w in parts.windows(2) {
            assert_eq!(w[0].to, w[1].from);
        }
        assert!(
            parts
                .iter()
                .all(|w| w.to - w.from <= chrono::Duration::days(15))
        );
        assert!(
            TimeWindow::new(to, from)
                .split(chrono::Duration::days(15))
                .is_empty()
        );
    }
}
