//! Prometheus metrics: one process-wide recorder, rendered by `/metrics`.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Bucket bounds, in seconds, of every histogram kho records (call
/// durations, rate-limiter waits, change-to-push delays). Fixed buckets
/// rather than the exporter's default summaries: a summary keeps a sketch per
/// label set whose arrays widen with every new extreme value, so memory
/// creeps for hours, and quantiles of several daemon instances sharing one
/// database cannot be added up, while buckets can.
pub const BUCKETS_SECONDS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
    120.0, 300.0, 900.0,
];

/// Installs the recorder once; later calls return the same handle. `None`
/// when another recorder was installed first (tests).
pub fn handle() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| builder()?.install_recorder().ok())
        .clone()
}

fn builder() -> Option<PrometheusBuilder> {
    PrometheusBuilder::new().set_buckets(BUCKETS_SECONDS).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_rendered_as_buckets() {
        let recorder = builder().expect("valid buckets").build_recorder();
        let h = recorder.handle();
        metrics::with_local_recorder(&recorder, || {
            metrics::histogram!("kho_test_histogram_seconds").record(0.3);
        });
        let text = h.render();
        assert!(
            text.contains("kho_test_histogram_seconds_bucket{le=\"0.5\"} 1"),
            "{text}"
        );
        assert!(!text.contains("quantile="), "{text}");
    }
}
