//! Metric names and recording, in one place so dashboards and alerts have one source of truth.
//! Labels are bounded: channel, account (configured name), endpoint (API path), outcome (error class).

use std::time::Duration;

use super::AccountInner;

pub const REQUESTS_TOTAL: &str = "kho_channel_requests_total";
pub const REQUEST_DURATION: &str = "kho_channel_request_duration_seconds";
pub const RATE_LIMIT_WAIT: &str = "kho_channel_rate_limit_wait_seconds";
pub const RETRIES_TOTAL: &str = "kho_channel_retries_total";

pub(super) fn request(acc: &AccountInner, endpoint: &str, outcome: &'static str, took: Duration) {
    metrics::counter!(
        REQUESTS_TOTAL,
        "channel" => acc.channel,
        "account" => acc.account.to_string(),
        "endpoint" => endpoint.to_owned(),
        "outcome" => outcome,
    )
    .increment(1);
    metrics::histogram!(
        REQUEST_DURATION,
        "channel" => acc.channel,
        "account" => acc.account.to_string(),
        "endpoint" => endpoint.to_owned(),
    )
    .record(took.as_secs_f64());
}

pub(super) fn limiter_wait(acc: &AccountInner, waited: Duration) {
    metrics::histogram!(
        RATE_LIMIT_WAIT,
        "channel" => acc.channel,
        "account" => acc.account.to_string(),
    )
    .record(waited.as_secs_f64());
}

pub(super) fn retry(acc: &AccountInner, endpoint: &str, reason: &'static str) {
    metrics::counter!(
        RETRIES_TOTAL,
        "channel" => acc.channel,
        "account" => acc.account.to_string(),
        "endpoint" => endpoint.to_owned(),
        "reason" => reason,
    )
    .increment(1);
}
