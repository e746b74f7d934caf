//! The fleet bench's measurements, each taken from outside the daemons.

use std::collections::BTreeMap;

use kho::cli::Failure;
use kho_simulator::shopee::WriteCall;

/// Rows inserted, updated and deleted so far in the lease tables
/// (`instances`, `account_leases`): every lease statement that wrote.
pub async fn lease_writes(pg: &sqlx::PgPool) -> Result<i64, Failure> {
    sqlx::query_scalar(
        "SELECT COALESCE(SUM(n_tup_ins + n_tup_upd + n_tup_del), 0)::bigint \
         FROM pg_stat_user_tables WHERE relname IN ('instances', 'account_leases')",
    )
    .fetch_one(pg)
    .await
    .map_err(|e| Failure::runtime(e.to_string()))
}

/// The process id in an instance's name (`host-PID-nonce`).
pub fn pid_of(instance: &str) -> Option<u32> {
    let mut parts = instance.rsplitn(3, '-');
    parts.next()?;
    parts.next()?.parse().ok()
}

/// Writes to a shop by two instances at overlapping times: per shop, each
/// instance's writes span from its first arrival to its last answer; where
/// two spans overlap, every write of either inside the overlap counts.
/// One owner at a time gives disjoint spans, and 0.
pub fn double_owned(writes: &[WriteCall]) -> usize {
    let mut by_shop: BTreeMap<i64, BTreeMap<&str, (u64, u64)>> = BTreeMap::new();
    for w in writes {
        let span = by_shop
            .entry(w.shop_id)
            .or_default()
            .entry(w.client.as_str())
            .or_insert((w.start_ms, w.end_ms));
        span.0 = span.0.min(w.start_ms);
        span.1 = span.1.max(w.end_ms);
    }
    let mut count = 0;
    for (shop, spans) in &by_shop {
        let spans: Vec<(&str, (u64, u64))> = spans.iter().map(|(c, s)| (*c, *s)).collect();
        for (i, (a, sa)) in spans.iter().enumerate() {
            for (b, sb) in &spans[i + 1..] {
                let (from, to) = (sa.0.max(sb.0), sa.1.min(sb.1));
                if from >= to {
                    continue;
                }
                count += writes
                    .iter()
                    .filter(|w| {
                        w.shop_id == *shop
                            && (w.client == *a || w.client == *b)
                            && w.end_ms >= from
                            && w.start_ms <= to
                    })
                    .count();
            }
        }
    }
    count
}

/// The `q` quantile (0..=1) of `values`, nearest rank; 0 when empty.
pub fn percentile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

/// Connections and memory, sampled while the bench runs.
pub struct Sampler {
    pids: Vec<u32>,
    pub connections_max: i64,
    pub rss_max_kib: u64,
}

impl Sampler {
    pub fn new(pids: Vec<u32>) -> Self {
        Sampler {
            pids,
            connections_max: 0,
            rss_max_kib: 0,
        }
    }

    /// One reading: the database's client connections less the bench's own
    /// (`own`), and each live daemon's peak RSS (VmHWM).
    pub async fn sample(&mut self, pg: &sqlx::PgPool, own: u32) {
        let total: Result<i64, _> = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND backend_type = 'client backend'",
        )
        .fetch_one(pg)
        .await;
        if let Ok(total) = total {
            self.connections_max = self.connections_max.max(total - i64::from(own));
        }
        for pid in &self.pids {
            if let Some(kib) = vm_hwm_kib(*pid) {
                self.rss_max_kib = self.rss_max_kib.max(kib);
            }
        }
    }
}

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(shop: i64, client: &str, start: u64, end: u64) -> WriteCall {
        WriteCall {
            shop_id: shop,
            path: "/api/v2/product/update_stock".into(),
            client: client.into(),
            start_ms: start,
            end_ms: end,
        }
    }

    #[test]
    fn handed_over_shops_are_not_double_owned_and_interleaved_ones_are() {
        let handover = [w(1, "a", 0, 5), w(1, "a", 10, 12), w(1, "b", 20, 22)];
        assert_eq!(double_owned(&handover), 0);
        let interleaved = [w(1, "a", 0, 5), w(1, "b", 8, 9), w(1, "a", 10, 12)];
        assert_eq!(double_owned(&interleaved), 1);
        assert_eq!(pid_of("host-name-4242-00ab12cd"), Some(4242));
        assert_eq!(percentile(&[3.0, 1.0, 2.0, 4.0], 0.5), 2.0);
    }
}
