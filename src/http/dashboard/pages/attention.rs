//! "Cần xử lý / Needs attention", first on the overview: the list
//! `crate::attention` builds for `kho status` and the API too, in the
//! viewer's language, each item with what to do.

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::attention::{Health, Item, Kind, ListingOutcome};
use crate::http::dashboard::i18n::code;

fn kind_label(kind: Kind) -> Msg {
    match kind {
        Kind::FailedPush => Msg::KindFailedPush,
        Kind::FailingPush => Msg::KindFailingPush,
        Kind::Drift => Msg::KindDrift,
        Kind::AwaitingPerson => Msg::KindAwaitingPerson,
        Kind::ReconcileFailed => Msg::KindReconcileFailed,
        Kind::NeedsReauth => Msg::KindNeedsReauth,
        Kind::CertificateExpired => Msg::KindCertificateExpired,
        Kind::CertificateExpiring => Msg::KindCertificateExpiring,
        Kind::OutOfStock => Msg::KindOutOfStock,
    }
}

/// How bad an item is, for its badge colour.
fn class(kind: Kind) -> &'static str {
    match kind {
        Kind::CertificateExpiring | Kind::FailingPush | Kind::AwaitingPerson => "warn",
        _ => "bad",
    }
}

/// A drift value as people read it: prices in đồng, counts with dots,
/// statuses and codes in words.
fn value(ctx: &Ctx, field: Option<&str>, v: &serde_json::Value) -> String {
    match (field, v.as_i64(), v.as_str()) {
        (Some("price"), Some(n), _) => format::vnd(n),
        (_, Some(n), _) => format::int(n),
        (_, _, Some(s)) => code(ctx.lang, s).to_owned(),
        _ => v.to_string(),
    }
}

fn item(ctx: &Ctx, i: &Item, names: &super::names::Names) -> Markup {
    let (what, todo) = match ctx.lang {
        Lang::Vi => (i.advice.what_vi, i.advice.do_vi),
        Lang::En => (i.advice.what_en, i.advice.do_en),
    };
    let listings = i.listings.map(|l| match (l, i.kind) {
        (ListingOutcome::Delisted, Kind::CertificateExpiring) => Msg::ListingsWillBeDelisted,
        (ListingOutcome::Delisted, _) => Msg::ListingsDelisted,
        (ListingOutcome::Warned, _) => Msg::ListingsWarned,
        (ListingOutcome::NotListed, _) => Msg::ListingsNotListed,
    });
    html! {
        li data-kind=(i.kind.as_str()) data-sku=[i.sku.as_deref()] data-account=[i.account.as_deref()] data-product=[i.product_code.as_deref()] {
            p class="what" {
                span class={"badge " (class(i.kind))} { (ctx.t(kind_label(i.kind))) }
                " "
                @if let Some(name) = &i.product_name {
                    @if let Some(p) = &i.product_code { a href={"/products/" (p)} { (name) } } @else { (name) }
                    " "
                }
                @if let Some(sku) = &i.sku { code { (sku) } " " }
                @if let Some(a) = &i.account { "· " (a) " " }
                @if ctx.viewer.producer.is_none() {
                    @if let Some(p) = &i.producer { small { "· " (names.producer(p)) } }
                }
            }
            @if let Some(field) = &i.field {
                p class="detail" {
                    (code(ctx.lang, field))
                    @if let (Some(k), Some(r)) = (&i.kho_value, &i.remote_value) {
                        ": " (ctx.t(Msg::KhoValue)) " " strong { (value(ctx, Some(field), k)) }
                        " · " (ctx.t(Msg::Marketplace)) " " strong { (value(ctx, Some(field), r)) }
                    }
                    @if let Some(c) = &i.cause { " · " (code(ctx.lang, c)) }
                }
            }
            @if let Some(d) = i.cert_expires {
                p class="detail" {
                    @if let Some(s) = i.ocop_stars { (s) "★ · " }
                    @if let Some(n) = &i.cert_no { (n) " · " }
                    (ctx.t(Msg::CertExpires)) " " (format::date(d))
                    @if let Some(l) = listings { " · " strong { (ctx.t(l)) } }
                }
            }
            @if let Some(n) = i.available {
                p class="detail" { (ctx.t(Msg::Available)) " " strong { (format::int(n)) } }
            }
            @if let Some(m) = i.message.as_deref().filter(|m| !m.is_empty() && i.kind != Kind::Drift) {
                p class="detail" { (ctx.t(Msg::MarketplaceSays)) ": " span class="error" { (m) } }
            }
            p class="explain" { (what) }
            p class="todo" { strong { (ctx.t(Msg::WhatToDo)) ": " } (todo) }
        }
    }
}

/// The section, first on the overview.
pub fn section(ctx: &Ctx, items: &[Item], names: &super::names::Names) -> Markup {
    html! {
        section class="card" id="attention" {
            h2 { (ctx.t(Msg::NeedsAttention)) }
            @if items.is_empty() {
                p class="good" { (ctx.t(Msg::NothingNeedsAttention)) }
            } @else {
                p class="alert" { (items.len()) " " (ctx.t(Msg::ItemsNeedAttention)) }
                ul class="attention" {
                    @for i in items { (item(ctx, i, names)) }
                }
            }
        }
    }
}

/// An account's badge from its health, not only its stored state: failing
/// pushes are not "Ổn".
pub fn health_label(ctx: &Ctx, h: Health) -> Markup {
    let (class, msg) = match h {
        Health::Ok => ("ok", Msg::StateOk),
        Health::Paused => ("warn", Msg::StatePaused),
        Health::FailingPushes => ("bad", Msg::StateFailing),
        Health::NeedsReauth => ("bad", Msg::StateNeedsReauth),
    };
    html! { span class={"badge " (class)} { (ctx.t(msg)) } }
}

/// Each account's health: its state and its dead or failing pushes.
pub async fn healths(
    store: &Store,
    accounts: &[crate::store::accounts::AccountRow],
) -> Result<HashMap<String, Health>, PageError> {
    let queues: HashMap<String, i64> = store
        .queue_stats()
        .await?
        .into_iter()
        .map(|q| (q.account, q.dead))
        .collect();
    let mut failing: HashMap<String, i64> = HashMap::new();
    for f in store.failing_pushes().await? {
        *failing.entry(f.account).or_default() += 1;
    }
    Ok(accounts
        .iter()
        .map(|a| {
            let dead = queues.get(&a.name).copied().unwrap_or(0);
            let fails = failing.get(&a.name).copied().unwrap_or(0);
            (
                a.name.clone(),
                crate::attention::health(a.state, dead, fails),
            )
        })
        .collect())
}

/// A stored marketplace error explained in the viewer's language by its
/// class, with what to do (the accounts page's failed changes).
pub fn explained(ctx: &Ctx, message: Option<&str>) -> Markup {
    let class = crate::attention::ErrorClass::of_message(message.unwrap_or_default());
    let advice = crate::attention::advice::for_error(class);
    let (what, todo) = match ctx.lang {
        Lang::Vi => (advice.what_vi, advice.do_vi),
        Lang::En => (advice.what_en, advice.do_en),
    };
    html! {
        p class="explain" { (what) }
        p class="todo" { strong { (ctx.t(Msg::WhatToDo)) ": " } (todo) }
    }
}
