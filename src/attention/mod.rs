//! "Needs attention": everything that waits for a person, built once here
//! for the dashboard's overview, `kho status` and `GET /api/v1/attention`,
//! so the three can never disagree.
//!
//! The list holds failed pushes (dead letters, and changes still retried
//! after a failure), drift found by the last reconciliation that was not
//! repaired, listings awaiting a person, failed reconciliations, shops that
//! need re-authorisation, expired and expiring OCOP certificates (with what
//! happened to their listings) and out-of-stock SKUs — each with what it
//! means and what to do ([`advice`]).

pub mod advice;

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

pub use advice::{Advice, ErrorClass};

use crate::store::accounts::{AccountRow, AccountState};
use crate::store::{Store, StoreError};

/// Certificates expiring within this many days are listed.
pub const CERTIFICATE_WINDOW_DAYS: i64 = 60;
/// Drift items listed per account; the rest are counted in the last one.
const DRIFT_ITEMS_PER_ACCOUNT: usize = 20;
/// Out-of-stock SKUs listed; a province's catalogue may have thousands.
const OUT_OF_STOCK_LISTED: i64 = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A change the marketplace refused for good (a dead letter).
    FailedPush,
    /// A change whose last attempt failed and which is still retried.
    FailingPush,
    /// A value on the marketplace differs from kho's.
    Drift,
    /// A remote listing with an unknown or duplicated seller SKU.
    AwaitingPerson,
    /// The last reconciliation of an account could not read it.
    ReconcileFailed,
    /// The shop must be authorised again.
    NeedsReauth,
    CertificateExpired,
    CertificateExpiring,
    OutOfStock,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::FailedPush => "failed_push",
            Kind::FailingPush => "failing_push",
            Kind::Drift => "drift",
            Kind::AwaitingPerson => "awaiting_person",
            Kind::ReconcileFailed => "reconcile_failed",
            Kind::NeedsReauth => "needs_reauth",
            Kind::CertificateExpired => "certificate_expired",
            Kind::CertificateExpiring => "certificate_expiring",
            Kind::OutOfStock => "out_of_stock",
        }
    }
}

/// What happened to a product's listings because of its certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListingOutcome {
    /// Taken off (or, while it is still valid, to be taken off) the marketplaces.
    Delisted,
    /// Left on sale with a warning (`on_certificate_expiry = "warn"`).
    Warned,
    /// The producer has no marketplace account.
    NotListed,
}

/// One thing that needs a person.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Item {
    pub kind: Kind,
    /// The producer it concerns (tenancy: a cooperative sees only its own).
    pub producer: Option<String>,
    pub account: Option<String>,
    pub sku: Option<String>,
    pub product_code: Option<String>,
    pub product_name: Option<String>,
    /// `stock`, `price` or `status` for a push; the drifted field for drift.
    pub field: Option<String>,
    /// kho's value and the marketplace's, for drift (numbers for stock and price).
    #[schema(value_type = Option<Object>)]
    pub kho_value: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub remote_value: Option<serde_json::Value>,
    /// Drift's likely cause (`edited_on_marketplace`, …).
    pub cause: Option<String>,
    /// The marketplace's own message, verbatim.
    pub message: Option<String>,
    /// The class of the marketplace's error.
    pub error_class: Option<ErrorClass>,
    /// Failed attempts so far, for a push.
    pub attempts: Option<i64>,
    pub ocop_stars: Option<i64>,
    pub cert_no: Option<String>,
    pub cert_expires: Option<NaiveDate>,
    pub listings: Option<ListingOutcome>,
    pub available: Option<i64>,
    pub advice: Advice,
}

impl Item {
    pub(crate) fn new(kind: Kind, producer: Option<String>, advice: Advice) -> Item {
        Item {
            kind,
            producer,
            account: None,
            sku: None,
            product_code: None,
            product_name: None,
            field: None,
            kho_value: None,
            remote_value: None,
            cause: None,
            message: None,
            error_class: None,
            attempts: None,
            ocop_stars: None,
            cert_no: None,
            cert_expires: None,
            listings: None,
            available: None,
            advice,
        }
    }
}

/// How an account is doing, for its badge: its stored state, made worse by
/// pushes that fail. An account whose changes are refused is not "ok".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    Ok,
    Paused,
    FailingPushes,
    NeedsReauth,
}

pub fn health(state: AccountState, dead_letters: i64, failing: i64) -> Health {
    match state {
        AccountState::NeedsReauth => Health::NeedsReauth,
        _ if dead_letters > 0 || failing > 0 => Health::FailingPushes,
        AccountState::Paused => Health::Paused,
        AccountState::Ok => Health::Ok,
    }
}

/// Everything needing a person, of one producer (`scope`) or of all, with
/// certificates judged on `today`. Ordered by kind (pushes first, then
/// authorisation, drift, certificates, stock), then as the store lists them.
pub async fn build(
    store: &Store,
    scope: Option<&str>,
    today: NaiveDate,
) -> Result<Vec<Item>, StoreError> {
    let accounts: Vec<AccountRow> = store
        .accounts(None)
        .await?
        .into_iter()
        .filter(|a| scope.is_none() || a.producer.as_deref() == scope)
        .collect();
    let producer_of: HashMap<&str, Option<String>> = accounts
        .iter()
        .map(|a| (a.name.as_str(), a.producer.clone()))
        .collect();
    let mut items = Vec::new();

    let dead = store.dead_letters(None).await?;
    let failing = store.failing_pushes().await?;
    for (kind, letters) in [(Kind::FailedPush, dead), (Kind::FailingPush, failing)] {
        for d in letters {
            let Some(producer) = producer_of.get(d.account.as_str()) else {
                continue;
            };
            let message = d.last_error.unwrap_or_default();
            let class = ErrorClass::of_message(&message);
            let mut item = Item::new(kind, producer.clone(), advice::for_error(class));
            item.account = Some(d.account);
            item.sku = Some(d.sku);
            item.field = Some(d.kind);
            item.message = Some(message);
            item.error_class = Some(class);
            item.attempts = Some(d.attempts);
            items.push(item);
        }
    }

    for a in accounts
        .iter()
        .filter(|a| a.state == AccountState::NeedsReauth)
    {
        let mut item = Item::new(
            Kind::NeedsReauth,
            a.producer.clone(),
            advice::for_error(ErrorClass::NeedsReauth),
        );
        item.account = Some(a.name.clone());
        item.message = a.last_error.clone();
        item.error_class = Some(ErrorClass::NeedsReauth);
        items.push(item);
    }

    drift(store, &producer_of, &mut items).await?;
    certificates(store, scope, today, &mut items).await?;

    let short = store
        .stock_page(scope, Some(0), OUT_OF_STOCK_LISTED, 0)
        .await?;
    for r in short.into_iter().filter(|r| r.active) {
        let mut item = Item::new(
            Kind::OutOfStock,
            Some(r.producer_code.clone()),
            advice::OUT_OF_STOCK,
        );
        item.available = Some(r.available());
        item.sku = Some(r.sku);
        item.product_code = Some(r.product_code);
        item.product_name = Some(format!("{} — {}", r.product_name, r.variant_name));
        items.push(item);
    }
    Ok(items)
}

/// Drift of every account's last reconciliation that was not repaired, what
/// awaits a person, and reconciliations that failed.
async fn drift(
    store: &Store,
    producer_of: &HashMap<&str, Option<String>>,
    items: &mut Vec<Item>,
) -> Result<(), StoreError> {
    for run in store.latest_reconcile_runs().await? {
        let Some(producer) = producer_of.get(run.account.as_str()) else {
            continue;
        };
        match run.outcome.as_str() {
            "failed" => {
                let message = run.error.clone().unwrap_or_default();
                let class = ErrorClass::of_message(&message);
                let mut item = Item::new(
                    Kind::ReconcileFailed,
                    producer.clone(),
                    advice::for_error(class),
                );
                item.account = Some(run.account.clone());
                item.message = Some(message);
                item.error_class = Some(class);
                items.push(item);
            }
            "drift" if !run.fixed => {
                for i in store
                    .reconcile_items(run.id)
                    .await?
                    .into_iter()
                    .take(DRIFT_ITEMS_PER_ACCOUNT)
                {
                    let field = i.field.as_deref();
                    let mut item = Item::new(Kind::Drift, producer.clone(), advice::DRIFT);
                    item.kho_value =
                        crate::store::reconcile::value_json(field, i.kho_value.as_deref());
                    item.remote_value =
                        crate::store::reconcile::value_json(field, i.remote_value.as_deref());
                    item.account = Some(run.account.clone());
                    item.sku = i.sku;
                    item.field = i.field;
                    item.cause = Some(i.cause);
                    item.message = i.detail;
                    items.push(item);
                }
            }
            _ => {}
        }
    }
    for a in store.awaiting_items(None).await? {
        let Some(producer) = producer_of.get(a.account.as_str()) else {
            continue;
        };
        let mut item = Item::new(Kind::AwaitingPerson, producer.clone(), advice::AWAITING);
        item.account = Some(a.account);
        item.sku = Some(a.seller_sku);
        item.cause = Some(a.kind);
        item.message = a.detail.or(Some(a.remote_ids));
        items.push(item);
    }
    Ok(())
}

/// Expired certificates and those expiring within
/// [`CERTIFICATE_WINDOW_DAYS`], with what their listings do about it.
async fn certificates(
    store: &Store,
    scope: Option<&str>,
    today: NaiveDate,
    items: &mut Vec<Item>,
) -> Result<(), StoreError> {
    let policies: HashMap<String, (i64, i64)> = store
        .expiry_policies()
        .await?
        .into_iter()
        .map(|p| (p.producer, (p.delisting, p.warning)))
        .collect();
    let until = today + chrono::Duration::days(CERTIFICATE_WINDOW_DAYS + 1);
    for c in store.certificates_expiring(until).await? {
        if scope.is_some_and(|s| s != c.producer_code) {
            continue;
        }
        let expired = c.ocop_cert_expires < today;
        let listings = match policies.get(&c.producer_code) {
            None => ListingOutcome::NotListed,
            Some((delisting, _)) if *delisting > 0 => ListingOutcome::Delisted,
            Some(_) => ListingOutcome::Warned,
        };
        let (kind, advice) = match (expired, listings) {
            (true, ListingOutcome::Delisted) => {
                (Kind::CertificateExpired, advice::EXPIRED_DELISTED)
            }
            (true, ListingOutcome::Warned) => (Kind::CertificateExpired, advice::EXPIRED_WARNED),
            (true, ListingOutcome::NotListed) => {
                (Kind::CertificateExpired, advice::EXPIRED_UNLISTED)
            }
            (false, ListingOutcome::Delisted) => {
                (Kind::CertificateExpiring, advice::EXPIRING_DELIST)
            }
            (false, ListingOutcome::Warned) => (Kind::CertificateExpiring, advice::EXPIRING_WARN),
            (false, ListingOutcome::NotListed) => {
                (Kind::CertificateExpiring, advice::EXPIRING_UNLISTED)
            }
        };
        let mut item = Item::new(kind, Some(c.producer_code), advice);
        item.product_code = Some(c.product_code);
        item.product_name = Some(c.product_name);
        item.ocop_stars = c.ocop_stars;
        item.cert_no = c.ocop_cert_no;
        item.cert_expires = Some(c.ocop_cert_expires);
        item.listings = Some(listings);
        items.push(item);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_with_failing_pushes_is_not_ok() {
        assert_eq!(health(AccountState::Ok, 0, 0), Health::Ok);
        assert_eq!(health(AccountState::Ok, 1, 0), Health::FailingPushes);
        assert_eq!(health(AccountState::Ok, 0, 2), Health::FailingPushes);
        assert_eq!(health(AccountState::Paused, 0, 0), Health::Paused);
        assert_eq!(health(AccountState::Paused, 0, 1), Health::FailingPushes);
        assert_eq!(health(AccountState::NeedsReauth, 3, 0), Health::NeedsReauth);
    }
}
