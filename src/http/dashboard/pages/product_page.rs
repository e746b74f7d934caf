//! One product: its variants, the stock per location, the forms that change
//! it, the state of each variant on every shop of the producer, and the
//! recent movements with who made them. A product of another producer
//! answers 404, exactly like one that does not exist, so a cooperative
//! learns nothing about others' catalogues.

use std::collections::{BTreeSet, HashMap};

use maud::{Markup, html};

use super::super::forms::{self, stock::Failed};
use super::super::i18n::{self, Msg};
use super::super::{chart, format};
use super::{Ctx, PageError, PageResult, layout};
use crate::store::Store;
use crate::store::accounts::AccountRow;
use crate::store::dashboard::StockRow;

/// Movements shown per variant on a product page.
const MOVEMENTS_SHOWN: i64 = 10;

/// A variant on one shop, as a person asks about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnShop {
    /// Linked and on sale with what kho last sent.
    Selling,
    /// Linked, but unlisted (by kho, the seller or the marketplace).
    Delisted,
    /// A push failed for good, or the last reconciliation found drift.
    OutOfSync,
    NotLinked,
}

impl OnShop {
    fn label(self) -> (Msg, &'static str) {
        match self {
            OnShop::Selling => (Msg::StateSelling, "ok"),
            OnShop::Delisted => (Msg::StateDelisted, "warn"),
            OnShop::OutOfSync => (Msg::StateOutOfSync, "bad"),
            OnShop::NotLinked => (Msg::StateNotLinked, "none"),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            OnShop::Selling => "selling",
            OnShop::Delisted => "delisted",
            OnShop::OutOfSync => "out_of_sync",
            OnShop::NotLinked => "not_linked",
        }
    }
}

/// What a listing's facts mean for a person.
pub fn on_shop(
    listing: Option<&crate::store::listings::ListingRow>,
    failing: bool,
    drifting: bool,
) -> OnShop {
    let Some(l) = listing else {
        return OnShop::NotLinked;
    };
    if failing || drifting {
        return OnShop::OutOfSync;
    }
    let unlisted = l.desired_active == Some(false)
        || !l.product_active
        || !l.variant_active
        || l.remote_status
            .as_deref()
            .is_some_and(|s| s != "active" && !s.is_empty());
    if unlisted {
        OnShop::Delisted
    } else {
        OnShop::Selling
    }
}

/// Each shop of the producer and the state of every variant on it.
async fn shops(
    store: &Store,
    producer: &str,
    rows: &[StockRow],
) -> Result<Vec<(AccountRow, HashMap<i64, OnShop>)>, PageError> {
    let accounts: Vec<AccountRow> = store
        .accounts(None)
        .await?
        .into_iter()
        .filter(|a| a.producer.as_deref() == Some(producer))
        .collect();
    let latest = store.latest_reconcile_runs().await?;
    let mut out = Vec::with_capacity(accounts.len());
    for a in accounts {
        let listings = store.listings(a.id).await?;
        let failing: BTreeSet<String> = store
            .dead_letters(Some(&a.name))
            .await?
            .into_iter()
            .map(|d| d.sku)
            .collect();
        let mut drifting = BTreeSet::new();
        if let Some(run) = latest
            .iter()
            .find(|r| r.account == a.name && r.outcome == "drift")
        {
            drifting.extend(
                store
                    .reconcile_items(run.id)
                    .await?
                    .into_iter()
                    .filter_map(|i| i.sku),
            );
        }
        let states = rows
            .iter()
            .map(|r| {
                let l = listings.iter().find(|l| l.variant_id == r.variant_id);
                (
                    r.variant_id,
                    on_shop(l, failing.contains(&r.sku), drifting.contains(&r.sku)),
                )
            })
            .collect();
        out.push((a, states));
    }
    Ok(out)
}

pub async fn product(ctx: &Ctx, store: &Store, code: &str) -> PageResult {
    page(ctx, store, code, None).await
}

/// The page, with a stock form shown again when `failed` says so.
pub async fn page(ctx: &Ctx, store: &Store, code: &str, failed: Option<&Failed>) -> PageResult {
    let rows = store.stock_rows(None, Some(code)).await?;
    let Some(first) = rows.first().filter(|r| ctx.viewer.sees(&r.producer_code)) else {
        return Err(PageError::NotFound(
            Msg::NotFoundProduct,
            Some(code.to_owned()),
        ));
    };
    let mut sections = Vec::with_capacity(rows.len());
    for r in &rows {
        let levels = store.stock_levels(r.variant_id).await?;
        let moves = store.stock_history(r.variant_id, MOVEMENTS_SHOWN).await?;
        let lots = store.lot_levels(r.variant_id).await?;
        sections.push((r, levels, lots, moves));
    }
    let today = chrono::Utc::now().with_timezone(&ctx.tz).date_naive();
    let shops = shops(store, &first.producer_code, &rows).await?;
    let body = html! {
        section class="card" {
            h2 { (first.product_name) }
            dl class="facts" {
                dt { (ctx.t(Msg::Cooperative)) } dd { (first.producer_name) }
                dt { (ctx.t(Msg::Category)) } dd { (first.category) }
                dt { (ctx.t(Msg::Ocop)) }
                dd {
                    @if let Some(stars) = first.ocop_stars { (stars) " " (ctx.t(Msg::Stars)) } @else { "—" }
                    @if let Some(d) = first.ocop_cert_expires { " · " (ctx.t(Msg::CertExpires)) " " (format::date(d)) }
                }
            }
        }
        (marketplaces(ctx, &rows, &shops))
        @for (r, levels, lots, moves) in &sections {
            section class="card" data-sku=(r.sku) {
                h2 { (r.variant_name) " " code { (r.sku) } " · " (format::vnd(r.price_vnd)) }
                p class="avail-now" {
                    (ctx.t(Msg::Available)) " " strong class="avail" { (format::int(r.available())) }
                    " · " (ctx.t(Msg::OnHand)) " " (format::int(r.on_hand))
                    " · " (ctx.t(Msg::Reserved)) " " (format::int(r.reserved))
                }
                (forms::stock::forms(ctx, &r.product_code, &r.sku, failed))
                h3 { (ctx.t(Msg::StockByLocation)) }
                table class="cards" {
                    thead { tr {
                        th { (ctx.t(Msg::Location)) }
                        th class="num" { (ctx.t(Msg::OnHand)) }
                        th class="num" { (ctx.t(Msg::Reserved)) }
                        th class="num" { (ctx.t(Msg::Available)) }
                    } }
                    tbody {
                        @for l in levels {
                            tr {
                                td data-label=(ctx.t(Msg::Location)) { (i18n::code(ctx.lang, &l.location)) }
                                td class="num" data-label=(ctx.t(Msg::OnHand)) { (format::int(l.on_hand)) }
                                td class="num" data-label=(ctx.t(Msg::Reserved)) { (format::int(l.reserved)) }
                                td class="num avail" data-label=(ctx.t(Msg::Available)) { (format::int(l.on_hand - l.reserved)) }
                            }
                        }
                    }
                }
                (lot_table(ctx, lots, today))
                h3 { (ctx.t(Msg::RecentMovements)) }
                table class="cards movements" {
                    thead { tr {
                        th { (ctx.t(Msg::When)) br; small { (ctx.tz.name()) } }
                        th { (ctx.t(Msg::Kind)) }
                        th class="num" { (ctx.t(Msg::Quantity)) }
                        th class="num" { (ctx.t(Msg::Balance)) }
                        th { (ctx.t(Msg::Reason)) }
                        th { (ctx.t(Msg::Who)) }
                    } }
                    tbody {
                        @for m in moves {
                            tr data-kind=(m.kind) {
                                td data-label=(ctx.t(Msg::When)) { (format::datetime(m.created_at, ctx.tz)) }
                                td data-label=(ctx.t(Msg::Kind)) { (i18n::code(ctx.lang, &m.kind)) }
                                td class="num" data-label=(ctx.t(Msg::Quantity)) { (format::int(m.quantity)) }
                                td class="num" data-label=(ctx.t(Msg::Balance)) { (format::int(m.balance_after)) }
                                td data-label=(ctx.t(Msg::Reason)) { (i18n::code(ctx.lang, &m.reason)) }
                                td class="who" data-label=(ctx.t(Msg::Who)) { (who(ctx.lang, &m.actor)) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(layout(ctx, Msg::Products, body))
}

/// A variant's lots, earliest best-before first, when it keeps any (stock
/// never received into a lot shows as one line "not in a lot"). A lot that
/// expires within two days is marked, one past its day more so: no shop is
/// shown its units.
fn lot_table(ctx: &Ctx, lots: &[crate::store::lots::LotLevel], today: chrono::NaiveDate) -> Markup {
    let dated = lots
        .iter()
        .any(|l| !l.code.is_empty() || l.best_before.is_some() || l.harvested_on.is_some());
    html! {
        @if dated {
            h3 { (ctx.t(Msg::StockByLot)) }
            table class="cards lots" {
                thead { tr {
                    th { (ctx.t(Msg::Location)) }
                    th { (ctx.t(Msg::LotCode)) }
                    th { (ctx.t(Msg::HarvestedOn)) }
                    th { (ctx.t(Msg::BestBefore)) }
                    th class="num" { (ctx.t(Msg::OnHand)) }
                } }
                tbody {
                    @for l in lots {
                        @let state = match l.best_before {
                            Some(d) if d <= today => "bad",
                            Some(d) if d <= today + chrono::Days::new(2) => "warn",
                            _ => "",
                        };
                        tr data-lot=(l.code) class=[(!state.is_empty()).then_some(state)] {
                            td data-label=(ctx.t(Msg::Location)) { (i18n::code(ctx.lang, &l.location)) }
                            td data-label=(ctx.t(Msg::LotCode)) {
                                @if l.code.is_empty() { (ctx.t(Msg::NotInALot)) } @else { code { (l.code) } }
                            }
                            td data-label=(ctx.t(Msg::HarvestedOn)) { @if let Some(d) = l.harvested_on { (format::date(d)) } @else { "—" } }
                            td data-label=(ctx.t(Msg::BestBefore)) { @if let Some(d) = l.best_before { (format::date(d)) } @else { "—" } }
                            td class="num" data-label=(ctx.t(Msg::OnHand)) { (format::int(l.on_hand)) }
                        }
                    }
                }
            }
        }
    }
}

/// Every variant on every shop of the producer.
fn marketplaces(
    ctx: &Ctx,
    rows: &[StockRow],
    shops: &[(AccountRow, HashMap<i64, OnShop>)],
) -> Markup {
    html! {
        section class="card" id="marketplaces" {
            h2 { (ctx.t(Msg::OnMarketplaces)) }
            @if shops.is_empty() {
                p class="empty" { (ctx.t(Msg::NoShops)) }
            } @else {
                table class="cards" {
                    thead { tr {
                        th { (ctx.t(Msg::Sku)) }
                        @for (a, _) in shops { th { (a.name) } }
                    } }
                    tbody {
                        @for r in rows {
                            tr data-sku=(r.sku) {
                                td data-label=(ctx.t(Msg::Sku)) { code { (r.sku) } }
                                @for (a, states) in shops {
                                    @let s = states.get(&r.variant_id).copied().unwrap_or(OnShop::NotLinked);
                                    @let (label, class) = s.label();
                                    td data-label=(a.name) data-account=(a.name) data-state=(s.code()) {
                                        span class={"swatch " (chart::channel_class(&a.channel))} {}
                                        span class={"badge " (class)} { (ctx.t(label)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Who made a movement: a person by name; a change from the command line
/// says so (with the system user when known) rather than `cli:…`.
fn who(lang: i18n::Lang, actor: &str) -> String {
    let cli = match lang {
        i18n::Lang::Vi => "dòng lệnh",
        i18n::Lang::En => "command line",
    };
    match actor.strip_prefix("cli:") {
        Some("unknown") | Some("") => {
            let mut c = cli.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        }
        Some(user) => format!("{user} ({cli})"),
        None => forms::person(actor).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::listings::ListingRow;

    fn listing() -> ListingRow {
        ListingRow {
            id: 1,
            variant_id: 7,
            sku: "NA-1".into(),
            remote_item_id: "100".into(),
            remote_variant_id: String::new(),
            remote_stock: Some(5),
            remote_price: Some(85_000),
            remote_status: Some("active".into()),
            acked_stock: Some(5),
            acked_price: Some(85_000),
            acked_at: None,
            price_vnd: 85_000,
            on_hand: 5,
            reserved: 0,
            product_active: true,
            variant_active: true,
            ocop_cert_expires: None,
            desired_active: None,
        }
    }

    #[test]
    fn a_listing_reads_as_selling_delisted_out_of_sync_or_not_linked() {
        let l = listing();
        assert_eq!(on_shop(None, true, true), OnShop::NotLinked);
        assert_eq!(on_shop(Some(&l), false, false), OnShop::Selling);
        assert_eq!(on_shop(Some(&l), true, false), OnShop::OutOfSync);
        assert_eq!(on_shop(Some(&l), false, true), OnShop::OutOfSync);
        let kept_off = ListingRow {
            desired_active: Some(false),
            ..listing()
        };
        assert_eq!(on_shop(Some(&kept_off), false, false), OnShop::Delisted);
        let banned = ListingRow {
            remote_status: Some("banned".into()),
            ..listing()
        };
        assert_eq!(on_shop(Some(&banned), false, false), OnShop::Delisted);
    }
}
