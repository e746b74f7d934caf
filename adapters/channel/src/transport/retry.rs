//! The in-process retry policy: a few quick, jittered exponential retries for transient failures and
//! rate-limit answers. Anything longer belongs in the core's durable outbox, so it survives restarts and does
//! not hold the account's worker; a `Retry-After` beyond [`RetryPolicy::max_wait`] is therefore handed back to
//! the caller rather than slept on. Auth and permanent errors are never retried here.

use std::time::Duration;

use backon::ExponentialBuilder;
use reqwest::header::{HeaderMap, RETRY_AFTER};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: usize,
    pub min_delay: Duration,
    pub max_delay: Duration,
    /// The longest marketplace wait hint we sleep on in-process.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            min_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            max_wait: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// No retries at all (useful for callers that retry themselves).
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    pub(crate) fn backoff(&self) -> ExponentialBuilder {
        ExponentialBuilder::default()
            .with_jitter()
            .with_factor(2.0)
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.max_retries)
    }

    /// The delay before the next attempt: the backoff's proposal, stretched to the marketplace's hint. `None`
    /// stops retrying (attempts used up, or the hint is too long to wait for here).
    pub fn next_delay(
        &self,
        retry_after: Option<Duration>,
        proposed: Option<Duration>,
    ) -> Option<Duration> {
        let proposed = proposed?;
        match retry_after {
            Some(hint) if hint > self.max_wait => None,
            Some(hint) => Some(hint.max(proposed)),
            None => Some(proposed),
        }
    }
}

/// Parse `Retry-After` (delta seconds or an HTTP date).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>()
        && secs.is_finite()
        && secs >= 0.0
    {
        // Too large for a Duration ("1e300"): as good as forever, so the caller gives up retrying.
        return Some(Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    /// Found by the `response_*` fuzz targets: `Duration::from_secs_f64` panicked on a huge value.
    #[test]
    fn huge_fractional_retry_after_is_a_very_long_wait_not_a_panic() {
        for value in ["1e300", "18446744073709551616.5", "1e20"] {
            let mut h = HeaderMap::new();
            h.insert(RETRY_AFTER, HeaderValue::from_static(value));
            assert_eq!(retry_after(&h), Some(Duration::MAX), "{value}");
            assert_eq!(
                RetryPolicy::default()
                    .next_delay(retry_after(&h), Some(Duration::from_millis(300))),
                None
            );
        }
    }

    #[test]
    fn hint_stretches_delay_and_long_hints_stop_retrying() {
        let p = RetryPolicy::default();
        let ms = Duration::from_millis;
        assert_eq!(p.next_delay(None, Some(ms(300))), Some(ms(300)));
        assert_eq!(p.next_delay(Some(ms(2000)), Some(ms(300))), Some(ms(2000)));
        assert_eq!(p.next_delay(Some(ms(100)), Some(ms(300))), Some(ms(300)));
        assert_eq!(
            p.next_delay(Some(Duration::from_secs(3600)), Some(ms(300))),
            None
        );
        assert_eq!(p.next_delay(Some(ms(100)), None), None);
    }

    #[test]
    fn parses_retry_after_forms() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("2"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }
}
