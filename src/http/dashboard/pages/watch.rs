//! The watch lists: certificates about to expire and listings that drifted
//! from what kho wants.

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::http::dashboard::i18n::code;

/// A drift value as people read it: a price in đồng, a count with dots, a
/// status or code in words.
fn shown(ctx: &Ctx, field: Option<&str>, value: Option<&str>) -> String {
    let Some(v) = value else {
        return "—".to_owned();
    };
    match (field, v.parse::<i64>()) {
        (Some("price"), Ok(n)) => format::vnd(n),
        (Some("stock"), Ok(n)) => format::int(n),
        _ => code(ctx.lang, v).to_owned(),
    }
}

pub async fn certificates(ctx: &Ctx, store: &Store) -> PageResult {
    let scope = ctx.scope(store).await?;
    let producers = names::Names::load(store).await?;
    let today = ctx.today();
    let watch: Vec<_> = store
        .certificates_expiring(today + chrono::Duration::days(CERTIFICATE_WINDOW_DAYS + 1))
        .await?
        .into_iter()
        .filter(|c| scope.as_deref().is_none_or(|s| s == c.producer_code))
        .collect();
    let (expired, expiring): (Vec<_>, Vec<_>) =
        watch.into_iter().partition(|c| c.ocop_cert_expires < today);
    let filter = producer_filter(ctx, store, scope.as_deref()).await?;
    let table = |rows: &[crate::store::catalog::CertificateWatch], class: &str| {
        html! {
            div class="scroll" {
                table class=(class) {
                    thead { tr {
                        th { (ctx.t(Msg::Cooperative)) }
                        th { (ctx.t(Msg::Product)) }
                        th { (ctx.t(Msg::Ocop)) }
                        th { (ctx.t(Msg::CertNo)) }
                        th { (ctx.t(Msg::CertExpires)) }
                    } }
                    tbody {
                        @for c in rows {
                            @let days = (c.ocop_cert_expires - today).num_days();
                            tr data-product=(c.product_code) {
                                td { (producers.producer(&c.producer_code)) }
                                td { a href={"/products/" (c.product_code)} { (c.product_name) } }
                                td { @if let Some(s) = c.ocop_stars { (s) "★" } @else { "—" } }
                                td { (c.ocop_cert_no.as_deref().unwrap_or("—")) }
                                td {
                                    (format::date(c.ocop_cert_expires)) br;
                                    small {
                                        @if days < 0 { (-days) " " (ctx.t(Msg::DaysAgo)) }
                                        @else { (days) " " (ctx.t(Msg::DaysLeft)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let body = html! {
        (filter)
        @if expired.is_empty() && expiring.is_empty() {
            p class="empty" { (ctx.t(Msg::NoCertificates)) }
        }
        @if !expired.is_empty() {
            section class="card" id="expired" {
                h2 { span class="badge bad" { (ctx.t(Msg::Expired)) } " " (expired.len()) }
                (table(&expired, "expired"))
            }
        }
        @if !expiring.is_empty() {
            section class="card" id="expiring" {
                h2 { span class="badge warn" { (ctx.t(Msg::ExpiringSoon)) } " " (expiring.len()) }
                (table(&expiring, "expiring"))
            }
        }
    };
    Ok(layout(ctx, Msg::Certificates, body))
}

/// Drift items listed per account (the rest are counted).
const DRIFT_ITEMS_SHOWN: usize = 20;

pub async fn drift(ctx: &Ctx, store: &Store) -> PageResult {
    let scope = ctx.scope(store).await?;
    let producers = names::Names::load(store).await?;
    let accounts: Vec<_> = store
        .accounts(None)
        .await?
        .into_iter()
        .filter(|a| scope.is_none() || a.producer.as_deref() == scope.as_deref())
        .collect();
    let runs: HashMap<String, crate::store::reconcile::ReconcileRun> = store
        .latest_reconcile_runs()
        .await?
        .into_iter()
        .filter(|r| own_account(&accounts, &r.account))
        .map(|r| (r.account.clone(), r))
        .collect();
    let mut items = HashMap::new();
    for r in runs.values().filter(|r| r.outcome == "drift") {
        items.insert(r.account.clone(), store.reconcile_items(r.id).await?);
    }
    let filter = producer_filter(ctx, store, scope.as_deref()).await?;
    let outcome = |o: &str| {
        let (class, msg) = match o {
            "clean" => ("ok", Msg::OutcomeClean),
            "drift" => ("warn", Msg::OutcomeDrift),
            "failed" => ("bad", Msg::OutcomeFailed),
            _ => ("warn", Msg::Running),
        };
        html! { span class={"badge " (class)} { (ctx.t(msg)) } }
    };
    let body = html! {
        (filter)
        @if accounts.is_empty() {
            p class="empty" { (ctx.t(Msg::NoAccounts)) }
        } @else {
            div class="scroll" {
                table class="drift" {
                    thead { tr {
                        th { (ctx.t(Msg::Account)) }
                        th { (ctx.t(Msg::LastReconciliation)) br; small { (ctx.tz.name()) } }
                        th { (ctx.t(Msg::Outcome)) }
                        th { (ctx.t(Msg::Differences)) }
                        th { (ctx.t(Msg::Errors)) }
                    } }
                    tbody {
                        @for a in &accounts {
                            @let run = runs.get(&a.name);
                            @let class = match run.map(|r| r.outcome.as_str()) { Some("failed") => "zero", Some("drift") => "low", _ => "" };
                            tr class=(class) data-account=(a.name) {
                                td {
                                    span class={"swatch " (chart::channel_class(&a.channel))} {}
                                    strong { (a.name) } br; small { (names::channel(&a.channel)) " · " (a.producer.as_deref().map_or("—", |p| producers.producer(p))) }
                                }
                                @match run {
                                    None => { td colspan="4" class="empty" { (ctx.t(Msg::NotReconciled)) } }
                                    Some(r) => {
                                        td {
                                            (format::datetime(r.finished_at.unwrap_or(r.started_at), ctx.tz)) br;
                                            small { (format::age(r.finished_at.unwrap_or(r.started_at), ctx.now, ctx.lang)) }
                                        }
                                        td {
                                            (outcome(&r.outcome))
                                            @if r.fixed { " " span class="badge ok" { (ctx.t(Msg::Fixed)) } }
                                        }
                                        td class="counts" {
                                            @if r.counts.is_empty() { "0" }
                                            @for (kind, n) in &r.counts { (code(ctx.lang, kind)) " " (format::int(*n)) br; }
                                        }
                                        td class="error" { (r.error.as_deref().unwrap_or("—")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @for a in &accounts {
                @if let Some(list) = items.get(&a.name).filter(|l| !l.is_empty()) {
                    section class="card" data-drift=(a.name) {
                        h2 { (ctx.t(Msg::Differences)) " — " (a.name) " (" (list.len()) ")" }
                        div class="scroll" {
                            table {
                                thead { tr {
                                    th { (ctx.t(Msg::Kind)) }
                                    th { (ctx.t(Msg::Sku)) }
                                    th { (ctx.t(Msg::Field)) }
                                    th class="num" { "kho" }
                                    th class="num" { (ctx.t(Msg::Marketplace)) }
                                    th { (ctx.t(Msg::Cause)) }
                                } }
                                tbody {
                                    @for i in list.iter().take(DRIFT_ITEMS_SHOWN) {
                                        tr {
                                            td { (code(ctx.lang, &i.kind)) }
                                            td { (i.sku.as_deref().unwrap_or("—")) }
                                            td { (i.field.as_deref().map_or("—", |f| code(ctx.lang, f))) }
                                            td class="num" { (shown(ctx, i.field.as_deref(), i.kho_value.as_deref())) }
                                            td class="num" { (shown(ctx, i.field.as_deref(), i.remote_value.as_deref())) }
                                            td { (code(ctx.lang, &i.cause)) }
                                        }
                                    }
                                }
                            }
                        }
                        @if list.len() > DRIFT_ITEMS_SHOWN {
                            p class="hint" { "+" (list.len() - DRIFT_ITEMS_SHOWN) " · kho reconcile" }
                        }
                    }
                }
            }
        }
    };
    Ok(layout(ctx, Msg::Drift, body))
}
