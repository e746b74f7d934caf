//! Alerts that reach people: what needs attention ([`crate::attention`]) is
//! sent by e-mail and by a signed webhook to each cooperative (its own
//! items) and to the department (every item), at most once per item,
//! recipient and day — the items sent are recorded in the store, so the
//! daemon's scheduler and `kho alerts send` from cron can both run as often
//! as they like.

pub mod email;
pub mod message;
pub mod webhook;

use std::time::Duration;

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use tokio::sync::watch;

use crate::attention::{self, Item};
use crate::config::{Config, Recipient};
use crate::store::{Store, StoreError};

/// One message to one recipient by one way.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    /// `department` or the producer's code.
    pub recipient: String,
    /// `email` or `webhook`.
    pub via: &'static str,
    /// The addresses, or the webhook's host (never its path or query,
    /// which may carry a token).
    pub to: String,
    /// New items in it (those not yet sent today).
    pub items: usize,
    pub sent: bool,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub day: NaiveDate,
    pub dry_run: bool,
    pub deliveries: Vec<Delivery>,
}

impl Report {
    pub fn failed(&self) -> usize {
        self.deliveries.iter().filter(|d| d.error.is_some()).count()
    }
}

/// The key under which a recipient's deliveries of one way are recorded.
fn record_name(r: &Recipient, via: &str) -> String {
    format!("{via}:{}", r.name())
}

fn webhook_body(r: &Recipient, day: NaiveDate, items: &[&Item], dashboard: &str) -> Vec<u8> {
    let doc = json!({
        "recipient": { "kind": if r.producer.is_some() { "cooperative" } else { "department" },
                       "producer": r.producer },
        "day": day,
        "dashboard": dashboard,
        "text_vi": items.iter().map(|i| message::line_vi(i)).collect::<Vec<_>>().join("\n"),
        "text_en": items.iter().map(|i| message::line_en(i)).collect::<Vec<_>>().join("\n"),
        "items": items.iter().map(|i| json!({
            "key": message::item_key(i),
            "text_vi": message::line_vi(i),
            "text_en": message::line_en(i),
            "item": i,
        })).collect::<Vec<_>>(),
    });
    serde_json::to_vec(&doc).unwrap_or_default()
}

/// Sends what is new today to every configured recipient (or, dry, only
/// says what it would send). A failed delivery is reported and tried again
/// at the next run; the others go ahead.
pub async fn send(store: &Store, config: &Config, dry_run: bool) -> Result<Report, StoreError> {
    let alerts = &config.alerts;
    let today = crate::store::now()
        .with_timezone(&config.sync.tz())
        .date_naive();
    let dashboard = config.server.public_url.to_string();
    let mailer = match &alerts.smtp {
        Some(smtp) if !dry_run => Some(email::transport(smtp)),
        _ => None,
    };
    let client = reqwest::Client::new();
    let mut deliveries = Vec::new();
    for r in &alerts.recipients {
        let items = attention::build(store, r.producer.as_deref(), today).await?;
        let keys: Vec<String> = items.iter().map(message::item_key).collect();
        let ways: [(&'static str, bool); 2] = [
            ("email", !r.emails.is_empty()),
            ("webhook", r.webhook_url.is_some()),
        ];
        for (via, configured) in ways {
            if !configured {
                continue;
            }
            let name = record_name(r, via);
            // A dry run only looks; a real one claims what it will send.
            let fresh_keys = if dry_run {
                let sent = store.alerts_sent(&name, today, &keys).await?;
                keys.iter().filter(|k| !sent.contains(k)).cloned().collect()
            } else {
                store.claim_alerts(&name, today, &keys).await?
            };
            let fresh: Vec<(&Item, &String)> = items
                .iter()
                .zip(&keys)
                .filter(|(_, k)| fresh_keys.contains(k))
                .collect();
            let to = match via {
                "email" => r.emails.join(", "),
                _ => r
                    .webhook_url
                    .as_ref()
                    .and_then(|u| u.host_str())
                    .unwrap_or_default()
                    .to_owned(),
            };
            let mut delivery = Delivery {
                recipient: r.name().to_owned(),
                via,
                to,
                items: fresh.len(),
                sent: false,
                error: None,
            };
            if fresh.is_empty() || dry_run {
                deliveries.push(delivery);
                continue;
            }
            let list: Vec<&Item> = fresh.iter().map(|(i, _)| *i).collect();
            let outcome = match via {
                "email" => match (&mailer, &alerts.smtp) {
                    (Some(Ok(m)), Some(smtp)) => email::send(
                        m,
                        &smtp.from,
                        &r.emails,
                        &message::title(r.name(), list.len()),
                        message::body(r.name(), &list, &dashboard),
                    )
                    .await
                    .map_err(|e| e.to_string()),
                    (Some(Err(e)), _) => Err(e.to_string()),
                    _ => Err("no [alerts.smtp] server".to_owned()),
                },
                _ => match (&r.webhook_url, &alerts.webhook_secret) {
                    (Some(url), Some(secret)) => webhook::post(
                        &client,
                        url,
                        secret,
                        webhook_body(r, today, &list, &dashboard),
                    )
                    .await
                    .map_err(|e| e.to_string()),
                    _ => Err("no webhook secret".to_owned()),
                },
            };
            match outcome {
                Ok(()) => {
                    delivery.sent = true;
                    tracing::info!(
                        recipient = r.name(),
                        via,
                        items = fresh_keys.len(),
                        "alert sent"
                    );
                }
                Err(e) => {
                    store.release_alerts(&name, today, &fresh_keys).await?;
                    tracing::warn!(recipient = r.name(), via, error = %e, "alert not sent; retried at the next run");
                    delivery.error = Some(e);
                }
            }
            deliveries.push(delivery);
        }
    }
    Ok(Report {
        day: today,
        dry_run,
        deliveries,
    })
}

/// The daemon's scheduler: a run at start and then every `alerts.interval`,
/// until `stop`.
pub async fn run_scheduled(config: Config, store: Store, mut stop: watch::Receiver<bool>) {
    let mut every = tokio::time::interval(config.alerts.interval.max(Duration::from_secs(1)));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = stop.changed() => return,
        }
        match send(&store, &config, false).await {
            Ok(report) if report.failed() > 0 => {
                tracing::warn!(failed = report.failed(), "some alerts were not sent");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "cannot send alerts"),
        }
    }
}
