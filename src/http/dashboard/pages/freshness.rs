//! "Hạn sử dụng và hao hụt / Shelf life and food loss": the lots each
//! cooperative must sell (or give away) within 48 hours, and what was
//! written off as expired per month — the department's food-loss figure.

#[allow(clippy::wildcard_imports)]
use super::*;

/// Lots whose best-before ends within this many hours are listed.
pub const EXPIRING_HOURS: i64 = 48;
/// Months of write-offs shown.
const WRITE_OFF_MONTHS: i64 = 12;

pub async fn freshness(ctx: &Ctx, store: &Store) -> PageResult {
    let scope = ctx.scope(store).await?;
    let producers = names::Names::load(store).await?;
    let mine = |p: &str| scope.as_deref().is_none_or(|s| s == p);
    let expiring: Vec<_> = store
        .expiring(ctx.now, EXPIRING_HOURS)
        .await?
        .into_iter()
        .filter(|e| mine(&e.producer))
        .collect();
    let since = ctx.now - chrono::Duration::days(WRITE_OFF_MONTHS * 31);
    let write_offs: Vec<_> = store
        .write_offs(since)
        .await?
        .into_iter()
        .filter(|w| mine(&w.producer))
        .collect();
    let filter = producer_filter(ctx, store, scope.as_deref()).await?;
    let today = ctx.today();
    let mut by_producer: BTreeMap<&str, Vec<&crate::store::lots::Expiring>> = BTreeMap::new();
    for e in &expiring {
        by_producer.entry(e.producer.as_str()).or_default().push(e);
    }
    let body = html! {
        (filter)
        section class="card" id="expiring-lots" {
            h2 { (ctx.t(Msg::LotsExpiringSoon)) " " (format::int(expiring.iter().map(|e| e.units).sum())) }
            @if expiring.is_empty() { p class="empty" { (ctx.t(Msg::NothingExpiring)) } }
            @for (producer, lots) in &by_producer {
                h3 { (producers.producer(producer)) }
                div class="scroll" {
                    table class="expiring" {
                        thead { tr {
                            th { (ctx.t(Msg::Sku)) }
                            th { (ctx.t(Msg::Location)) }
                            th { (ctx.t(Msg::LotCode)) }
                            th { (ctx.t(Msg::BestBefore)) }
                            th class="num" { (ctx.t(Msg::Units)) }
                        } }
                        tbody {
                            @for e in lots {
                                tr data-sku=(e.sku) data-lot=(e.lot) {
                                    td data-label=(ctx.t(Msg::Sku)) { code { (e.sku) } " " small { (e.name) } }
                                    td data-label=(ctx.t(Msg::Location)) { (crate::http::dashboard::i18n::code(ctx.lang, &e.location)) }
                                    td data-label=(ctx.t(Msg::LotCode)) { (e.lot) }
                                    td data-label=(ctx.t(Msg::BestBefore)) {
                                        (format::date(e.best_before))
                                        @if e.best_before < today { " " span class="badge bad" { (ctx.t(Msg::Expired)) } }
                                    }
                                    td class="num" data-label=(ctx.t(Msg::Units)) { (format::int(e.units)) }
                                }
                            }
                        }
                    }
                }
            }
        }
        section class="card" id="write-offs" {
            h2 { (ctx.t(Msg::WriteOffsMonthly)) }
            @if write_offs.is_empty() { p class="empty" { (ctx.t(Msg::NoWriteOffs)) } }
            @else {
                div class="scroll" {
                    table class="write-offs" {
                        thead { tr {
                            th { (ctx.t(Msg::Month)) }
                            th { (ctx.t(Msg::Cooperative)) }
                            th class="num" { (ctx.t(Msg::Units)) }
                            th class="num" { (ctx.t(Msg::ValueVnd)) }
                        } }
                        tbody {
                            @for w in &write_offs {
                                tr data-month=(w.month) data-producer=(w.producer) {
                                    td data-label=(ctx.t(Msg::Month)) { (w.month) }
                                    td data-label=(ctx.t(Msg::Cooperative)) { (producers.producer(&w.producer)) }
                                    td class="num" data-label=(ctx.t(Msg::Units)) { (format::int(w.units)) }
                                    td class="num" data-label=(ctx.t(Msg::ValueVnd)) { (format::vnd(w.value_vnd)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(layout(ctx, Msg::Freshness, body))
}
