//! The gauges `/metrics` shows about the store: queues, accounts and OCOP
//! certificates. Read from the database every few seconds rather than kept
//! up to date by each writer, so that several daemons on one PostgreSQL
//! database all report the same, whole picture and an alert rule needs no
//! `sum` across instances to be right.
//!
//! Collecting is split from recording so that the figures can be checked
//! without a process-wide recorder.

use chrono::{DateTime, NaiveDate, Utc};

use crate::store::Store;
use crate::store::accounts::{AccountRow, AccountState};
use crate::store::catalog::CertificateWatch;

/// How far ahead a certificate counts as expiring: the window `kho status`
/// shows, long enough to renew one with the provincial OCOP council.
pub const CERTIFICATE_WINDOW_DAYS: i64 = 60;

/// One gauge value with its labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: &'static str,
    pub account: Option<String>,
    pub value: f64,
}

impl Sample {
    fn account(name: &'static str, account: &str, value: f64) -> Sample {
        Sample {
            name,
            account: Some(account.to_owned()),
            value,
        }
    }

    fn global(name: &'static str, value: f64) -> Sample {
        Sample {
            name,
            account: None,
            value,
        }
    }
}

/// Everything the store can tell now. A part whose query fails is left out
/// (its gauges keep their last value) and logged at debug level: the next
/// round, two seconds later, tries again.
pub async fn collect(store: &Store, now: DateTime<Utc>, today: NaiveDate) -> Vec<Sample> {
    let mut out = Vec::new();
    match store.queue_stats().await {
        Ok(stats) => {
            for s in stats {
                out.push(Sample::account(
                    "kho_queue_depth",
                    &s.account,
                    s.pending as f64,
                ));
                out.push(Sample::account(
                    "kho_dead_letters",
                    &s.account,
                    s.dead as f64,
                ));
                let age = s
                    .oldest_pending
                    .map(|t| (now - t).num_milliseconds() as f64 / 1000.0)
                    .unwrap_or(0.0);
                out.push(Sample::account(
                    "kho_oldest_pending_seconds",
                    &s.account,
                    age,
                ));
            }
        }
        Err(e) => tracing::debug!(error = %e, "queue gauges skipped"),
    }
    match store.accounts(None).await {
        Ok(accounts) => out.extend(account_samples(&accounts, now)),
        Err(e) => tracing::debug!(error = %e, "account gauges skipped"),
    }
    let until = today + chrono::Duration::days(CERTIFICATE_WINDOW_DAYS);
    match store.certificates_expiring(until).await {
        Ok(certificates) => out.extend(certificate_samples(&certificates, today)),
        Err(e) => tracing::debug!(error = %e, "certificate gauges skipped"),
    }
    out
}

/// Per account: whether it waits for a seller to authorise kho again, or is
/// paused, and the time left on its access token.
pub fn account_samples(accounts: &[AccountRow], now: DateTime<Utc>) -> Vec<Sample> {
    let mut out = Vec::new();
    for a in accounts {
        let flag = |state| if a.state == state { 1.0 } else { 0.0 };
        out.push(Sample::account(
            "kho_account_needs_reauth",
            &a.name,
            flag(AccountState::NeedsReauth),
        ));
        out.push(Sample::account(
            "kho_account_paused",
            &a.name,
            flag(AccountState::Paused),
        ));
        if let Some(exp) = a.access_expires_at {
            let left = (exp - now).num_seconds() as f64;
            out.push(Sample::account(
                "kho_token_expires_in_seconds",
                &a.name,
                left,
            ));
        }
    }
    out
}

/// How many products' OCOP certificates have expired, and how many expire
/// within [`CERTIFICATE_WINDOW_DAYS`] (`watch` holds both kinds).
pub fn certificate_samples(watch: &[CertificateWatch], today: NaiveDate) -> Vec<Sample> {
    let expired = watch.iter().filter(|c| c.ocop_cert_expires < today).count();
    let expiring = watch.len() - expired;
    vec![
        Sample::global("kho_ocop_certificates_expired", expired as f64),
        Sample::global("kho_ocop_certificates_expiring", expiring as f64),
    ]
}

/// Sets each sample's gauge on the installed recorder.
pub fn record(samples: Vec<Sample>) {
    for s in samples {
        match s.account {
            Some(account) => metrics::gauge!(s.name, "account" => account).set(s.value),
            None => metrics::gauge!(s.name).set(s.value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(name: &str, state: AccountState, expires: Option<DateTime<Utc>>) -> AccountRow {
        AccountRow {
            id: 1,
            name: name.into(),
            channel: "shopee".into(),
            producer: Some("htx-chi-lang".into()),
            state,
            last_error: None,
            last_push_at: None,
            access_expires_at: expires,
            refresh_expires_at: None,
            listings: 0,
        }
    }

    fn certificate(expires: NaiveDate) -> CertificateWatch {
        CertificateWatch {
            producer_code: "htx-chi-lang".into(),
            product_code: "NA-CHILANG".into(),
            product_name: "Na Chi Lăng".into(),
            ocop_stars: Some(4),
            ocop_cert_no: Some("OCOP-1".into()),
            ocop_cert_expires: expires,
        }
    }

    fn value(samples: &[Sample], name: &str, account: Option<&str>) -> Option<f64> {
        samples
            .iter()
            .find(|s| s.name == name && s.account.as_deref() == account)
            .map(|s| s.value)
    }

    #[test]
    fn an_account_waiting_for_authorisation_is_flagged_and_others_are_not() {
        let now = Utc::now();
        let samples = account_samples(
            &[
                account("shopee-a", AccountState::NeedsReauth, None),
                account(
                    "shopee-b",
                    AccountState::Ok,
                    Some(now + chrono::Duration::seconds(3600)),
                ),
                account("shopee-c", AccountState::Paused, None),
            ],
            now,
        );
        let reauth = |a| value(&samples, "kho_account_needs_reauth", Some(a));
        assert_eq!(reauth("shopee-a"), Some(1.0));
        assert_eq!(reauth("shopee-b"), Some(0.0));
        assert_eq!(reauth("shopee-c"), Some(0.0));
        assert_eq!(
            value(&samples, "kho_account_paused", Some("shopee-c")),
            Some(1.0)
        );
        assert_eq!(
            value(&samples, "kho_token_expires_in_seconds", Some("shopee-b")),
            Some(3600.0)
        );
        // No token, no expiry to report (rather than a misleading zero).
        assert_eq!(
            value(&samples, "kho_token_expires_in_seconds", Some("shopee-a")),
            None
        );
    }

    #[test]
    fn certificates_are_counted_as_expired_or_expiring() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let samples = certificate_samples(
            &[
                certificate(today - chrono::Duration::days(1)),
                certificate(today),
                certificate(today + chrono::Duration::days(30)),
            ],
            today,
        );
        assert_eq!(
            value(&samples, "kho_ocop_certificates_expired", None),
            Some(1.0)
        );
        assert_eq!(
            value(&samples, "kho_ocop_certificates_expiring", None),
            Some(2.0)
        );
        let none = certificate_samples(&[], today);
        assert_eq!(
            value(&none, "kho_ocop_certificates_expired", None),
            Some(0.0)
        );
    }

    #[test]
    fn recorded_samples_render_under_their_names() {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        metrics::with_local_recorder(&recorder, || {
            record(vec![
                Sample::account("kho_account_needs_reauth", "tiktok-x", 1.0),
                Sample::global("kho_ocop_certificates_expired", 3.0),
            ]);
        });
        let text = handle.render();
        assert!(
            text.contains("kho_account_needs_reauth{account=\"tiktok-x\"} 1"),
            "{text}"
        );
        assert!(text.contains("kho_ocop_certificates_expired 3"), "{text}");
    }
}
