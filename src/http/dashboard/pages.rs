//! The pages: each loads what its viewer may see through the store and
//! renders it. Tenancy (invariant 7) is applied here once, in
//! [`Ctx::scope`]: a cooperative's pages are always narrowed to its own
//! producer, whatever the query string says.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use maud::{DOCTYPE, Markup, html};

use super::chart::{self, Series};
use super::format;
use super::i18n::{Lang, Msg};
use crate::orders::report::{self, GroupBy};
use crate::store::accounts::AccountState;
use crate::store::orders::SaleLine;
use crate::store::{Store, StoreError};

/// Days the overview's chart covers, today included.
pub const CHART_DAYS: i64 = 30;
/// Certificates expiring within this many days are listed.
pub const CERTIFICATE_WINDOW_DAYS: i64 = 60;
/// Default "low stock" bound: at most this many units available.
pub const DEFAULT_LOW_STOCK: i64 = 20;
/// Movements shown per variant on a product page.
const MOVEMENTS_SHOWN: i64 = 10;

/// Who is looking, as far as the pages care.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub name: String,
    /// The one producer a cooperative is bound to; `None` sees every producer.
    pub producer: Option<String>,
}

impl Viewer {
    pub fn sees(&self, producer: &str) -> bool {
        self.producer.as_deref().is_none_or(|p| p == producer)
    }
}

/// Everything a page needs besides its data.
pub struct Ctx {
    pub lang: Lang,
    pub viewer: Viewer,
    pub tz: Tz,
    pub now: DateTime<Utc>,
    /// The request path, for the navigation and the language switch.
    pub path: String,
    /// The producer filter asked for (`?producer=`), before tenancy applies.
    pub filter: Option<String>,
    /// The page's other query parameters (paging, views), kept by the
    /// language switch.
    pub keep: Vec<(String, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("not found")]
    NotFound(Msg, Option<String>),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A page panicked (a bug): logged, never shown.
    #[error("page failed: {0}")]
    Bug(String),
}

pub type PageResult = Result<Markup, PageError>;

impl Ctx {
    pub fn t(&self, m: Msg) -> &'static str {
        self.lang.t(m)
    }

    /// The producer whose data the page shows (`None`: all of them). A
    /// cooperative always gets its own; another's code in the filter is
    /// ignored rather than confirmed or denied.
    pub async fn scope(&self, store: &Store) -> Result<Option<String>, PageError> {
        if let Some(own) = &self.viewer.producer {
            return Ok(Some(own.clone()));
        }
        let Some(code) = self.filter.as_deref().filter(|c| !c.is_empty()) else {
            return Ok(None);
        };
        if store.producers().await?.iter().any(|p| p.code == code) {
            Ok(Some(code.to_owned()))
        } else {
            Err(PageError::NotFound(
                Msg::UnknownCooperative,
                Some(code.to_owned()),
            ))
        }
    }

    pub fn today(&self) -> NaiveDate {
        self.now.with_timezone(&self.tz).date_naive()
    }

    /// This page in the other language (keeping the producer filter).
    fn switch_href(&self) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("lang", self.lang.other().code());
        if let Some(f) = self
            .filter
            .as_ref()
            .filter(|_| self.viewer.producer.is_none())
        {
            q.append_pair("producer", f);
        }
        for (k, v) in &self.keep {
            q.append_pair(k, v);
        }
        format!("{}?{}", self.path, q.finish())
    }
}

/// The instant a calendar day starts in `tz` (the first one, should a
/// transition repeat midnight), as `kho report sales` computes it.
pub fn day_start(tz: Tz, d: NaiveDate) -> Result<DateTime<Utc>, PageError> {
    tz.from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| PageError::BadRequest(format!("{d} does not exist in {tz}")))
}

/// The page frame: header, navigation, language switch, sign-out.
pub fn layout(ctx: &Ctx, title: Msg, body: Markup) -> Markup {
    let nav = [
        ("/", Msg::Overview),
        ("/products", Msg::ProductsShort),
        ("/accounts", Msg::AccountsShort),
        ("/drift", Msg::Drift),
        ("/certificates", Msg::CertificatesShort),
    ];
    html! {
        (DOCTYPE)
        html lang=(ctx.lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (ctx.t(title)) " · kho" }
                link rel="stylesheet" href=(super::STYLESHEET_PATH);
            }
            body {
                header class="top" {
                    a class="brand" href="/" { "kho" }
                    nav {
                        @for (href, label) in nav {
                            @let current = ctx.path == href || (href != "/" && ctx.path.starts_with(&format!("{href}/")));
                            a href=(href) aria-current=[current.then_some("page")] { (ctx.t(label)) }
                        }
                    }
                    div class="who" {
                        a class="lang" href=(ctx.switch_href()) hreflang=(ctx.lang.other().code()) {
                            (ctx.t(Msg::SwitchLanguage))
                        }
                        span class="name" title=(ctx.t(Msg::SignedInAs)) { (ctx.viewer.name) }
                        form method="post" action="/signout" {
                            button type="submit" { (ctx.t(Msg::SignOut)) }
                        }
                    }
                }
                main {
                    h1 { (ctx.t(title)) }
                    (body)
                    p class="asof" { (ctx.t(Msg::UpdatedAt)) " " (format::datetime(ctx.now, ctx.tz)) " (" (ctx.tz.name()) ")" }
                }
            }
        }
    }
}

/// The department's cooperative filter: a plain GET form, no script.
async fn producer_filter(
    ctx: &Ctx,
    store: &Store,
    scope: Option<&str>,
) -> Result<Markup, PageError> {
    if ctx.viewer.producer.is_some() {
        return Ok(html! {});
    }
    let producers = store.producers().await?;
    Ok(html! {
        form class="filter" method="get" action=(ctx.path) {
            label for="producer" { (ctx.t(Msg::Cooperative)) }
            select id="producer" name="producer" {
                option value="" selected[scope.is_none()] { (ctx.t(Msg::AllCooperatives)) }
                @for p in &producers {
                    option value=(p.code) selected[scope == Some(p.code.as_str())] { (p.name) " (" (p.code) ")" }
                }
            }
            button type="submit" { (ctx.t(Msg::Filter)) }
        }
    })
}

/// Sales lines a scope may see: the producer's own SKUs, plus lines of its
/// own shops whose SKU kho does not know (they are still its sales).
fn in_scope(
    lines: Vec<SaleLine>,
    scope: Option<&str>,
    own_accounts: &BTreeSet<String>,
) -> Vec<SaleLine> {
    match scope {
        None => lines,
        Some(code) => lines
            .into_iter()
            .filter(|l| {
                l.producer == code || (l.producer.is_empty() && own_accounts.contains(&l.account))
            })
            .collect(),
    }
}

fn state_label(ctx: &Ctx, s: AccountState) -> Markup {
    let (class, msg) = match s {
        AccountState::Ok => ("ok", Msg::StateOk),
        AccountState::Paused => ("warn", Msg::StatePaused),
        AccountState::NeedsReauth => ("bad", Msg::StateNeedsReauth),
    };
    html! { span class={"badge " (class)} { (ctx.t(msg)) } }
}

pub async fn overview(ctx: &Ctx, store: &Store) -> PageResult {
    let scope = ctx.scope(store).await?;
    let today = ctx.today();
    let first_day = today - chrono::Duration::days(CHART_DAYS - 1);
    let from = day_start(ctx.tz, first_day)?;
    let today_from = day_start(ctx.tz, today)?;
    let to = day_start(ctx.tz, today + chrono::Duration::days(1))?;

    let accounts: Vec<_> = store
        .accounts(None)
        .await?
        .into_iter()
        .filter(|a| scope.is_none() || a.producer.as_deref() == scope.as_deref())
        .collect();
    let own: BTreeSet<String> = accounts.iter().map(|a| a.name.clone()).collect();
    let lines = in_scope(store.sale_lines(from, to).await?, scope.as_deref(), &own);
    let (today_lines, _): (Vec<SaleLine>, Vec<SaleLine>) = lines
        .iter()
        .cloned()
        .partition(|l| l.ordered_at >= today_from);
    let by_channel = report::aggregate(&today_lines, GroupBy::Channel, ctx.tz);
    let total_orders: usize = by_channel.iter().map(|r| r.orders).sum();
    let total_units: i64 = by_channel.iter().map(|r| r.units).sum();
    let total_revenue: i64 = by_channel.iter().map(|r| r.revenue_vnd).sum();

    // The chart: every marketplace with an account or a sale in the window.
    let days: Vec<NaiveDate> = (0..CHART_DAYS)
        .map(|i| first_day + chrono::Duration::days(i))
        .collect();
    let channels: BTreeSet<String> = accounts
        .iter()
        .map(|a| a.channel.clone())
        .chain(lines.iter().map(|l| l.channel.clone()))
        .collect();
    let series: Vec<Series> = channels
        .into_iter()
        .map(|channel| {
            let mine: Vec<SaleLine> = lines
                .iter()
                .filter(|l| l.channel == channel)
                .cloned()
                .collect();
            let per_day: HashMap<String, i64> = report::aggregate(&mine, GroupBy::Day, ctx.tz)
                .into_iter()
                .map(|r| (r.key, r.revenue_vnd))
                .collect();
            Series {
                revenue: days
                    .iter()
                    .map(|d| per_day.get(&d.to_string()).copied().unwrap_or(0))
                    .collect(),
                channel,
            }
        })
        .collect();

    let queues: HashMap<String, crate::store::outbox::QueueStats> = store
        .queue_stats()
        .await?
        .into_iter()
        .map(|q| (q.account.clone(), q))
        .collect();
    let attention = accounts
        .iter()
        .filter(|a| a.state != AccountState::Ok || queues.get(&a.name).is_some_and(|q| q.dead > 0))
        .count();
    let filter = producer_filter(ctx, store, scope.as_deref()).await?;

    let body = html! {
        (filter)
        section class="card" id="today" {
            h2 { (ctx.t(Msg::TodayOrders)) " — " (format::date(today)) }
            @if by_channel.is_empty() {
                p class="empty" { (ctx.t(Msg::NoSalesToday)) }
            } @else {
                div class="scroll" {
                    table class="figures" {
                        thead { tr {
                            th { (ctx.t(Msg::Marketplace)) }
                            th class="num" { (ctx.t(Msg::Orders)) }
                            th class="num" { (ctx.t(Msg::Units)) }
                            th class="num" { (ctx.t(Msg::Revenue)) }
                        } }
                        tbody {
                            @for r in &by_channel {
                                tr data-channel=(r.key) {
                                    td { span class={"swatch " (chart::channel_class(&r.key))} {} (r.key) }
                                    td class="num orders" { (format::int(r.orders as i64)) }
                                    td class="num units" { (format::int(r.units)) }
                                    td class="num revenue" { (format::vnd(r.revenue_vnd)) }
                                }
                            }
                        }
                        tfoot { tr data-channel="total" {
                            th { (ctx.t(Msg::Total)) }
                            td class="num orders" { (format::int(total_orders as i64)) }
                            td class="num units" { (format::int(total_units)) }
                            td class="num revenue" { (format::vnd(total_revenue)) }
                        } }
                    }
                }
            }
        }
        section class="card" id="chart" {
            h2 { (ctx.t(Msg::Sales30Days)) }
            (chart::render(&days, &series, ctx.lang))
        }
        section class="card" id="health" {
            h2 { (ctx.t(Msg::SyncHealth)) }
            @if accounts.is_empty() {
                p class="empty" { (ctx.t(Msg::NoAccounts)) }
            } @else {
                @if attention == 0 {
                    p class="good" { (ctx.t(Msg::AllAccountsOk)) }
                } @else {
                    p class="alert" { (attention) " " (ctx.t(Msg::NeedAttention)) }
                }
                ul class="health" {
                    @for a in &accounts {
                        @let q = queues.get(&a.name);
                        li {
                            (state_label(ctx, a.state)) " "
                            a href="/accounts" { (a.name) }
                            " · " (ctx.t(Msg::QueueDepth)) " " (format::int(q.map_or(0, |q| q.pending)))
                            @if let Some(q) = q.filter(|q| q.dead > 0) {
                                " · " span class="bad-text" { (ctx.t(Msg::DeadLetters)) " " (format::int(q.dead)) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(layout(ctx, Msg::Overview, body))
}

/// What the products page lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StockView {
    /// At most this many available counts as low stock.
    pub low: i64,
    /// Only the low and out-of-stock variants.
    pub only_short: bool,
    /// 1-based.
    pub page: i64,
}

impl Default for StockView {
    fn default() -> Self {
        StockView {
            low: DEFAULT_LOW_STOCK,
            only_short: false,
            page: 1,
        }
    }
}

/// Rows per products page: a province's catalogue runs to thousands of SKUs.
pub const PRODUCTS_PER_PAGE: i64 = 100;

impl Ctx {
    /// A link to the products page with `view` (and the current filter).
    fn products_href(&self, view: StockView) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        if let Some(f) = self
            .filter
            .as_ref()
            .filter(|_| self.viewer.producer.is_none())
        {
            q.append_pair("producer", f);
        }
        if view.low != DEFAULT_LOW_STOCK {
            q.append_pair("low", &view.low.to_string());
        }
        if view.only_short {
            q.append_pair("show", "short");
        }
        if view.page > 1 {
            q.append_pair("page", &view.page.to_string());
        }
        let q = q.finish();
        if q.is_empty() {
            "/products".into()
        } else {
            format!("/products?{q}")
        }
    }
}

pub async fn products(ctx: &Ctx, store: &Store, view: StockView) -> PageResult {
    let scope = ctx.scope(store).await?;
    let low = view.low;
    let summary = store.stock_summary(scope.as_deref(), low).await?;
    let listed = if view.only_short {
        summary.out_of_stock + summary.low
    } else {
        summary.skus
    };
    let pages = ((listed + PRODUCTS_PER_PAGE - 1) / PRODUCTS_PER_PAGE).max(1);
    if view.page > pages {
        return Err(PageError::NotFound(
            Msg::NotFound,
            Some(format!("page {}", view.page)),
        ));
    }
    let rows = store
        .stock_page(
            scope.as_deref(),
            view.only_short.then_some(low),
            PRODUCTS_PER_PAGE,
            (view.page - 1) * PRODUCTS_PER_PAGE,
        )
        .await?;
    let filter = producer_filter(ctx, store, scope.as_deref()).await?;
    let all_href = ctx.products_href(StockView {
        only_short: false,
        page: 1,
        ..view
    });
    let short_href = ctx.products_href(StockView {
        only_short: true,
        page: 1,
        ..view
    });
    let body = html! {
        (filter)
        p class="summary" {
            span class="badge bad" { (ctx.t(Msg::OutOfStock)) ": " (format::int(summary.out_of_stock)) }
            " "
            span class="badge warn" { (ctx.t(Msg::LowStock)) ": " (format::int(summary.low)) }
            " "
            span class="hint" { (ctx.t(Msg::LowStockHelp)) " " (low) " " (ctx.t(Msg::UnitsLeft)) }
        }
        p class="tabs" {
            a href=(all_href) aria-current=[(!view.only_short).then_some("page")] {
                (ctx.t(Msg::AllProducts)) " (" (format::int(summary.skus)) ")"
            }
            a href=(short_href) aria-current=[view.only_short.then_some("page")] {
                (ctx.t(Msg::OnlyShort)) " (" (format::int(summary.out_of_stock + summary.low)) ")"
            }
        }
        @if rows.is_empty() {
            p class="empty" { (ctx.t(Msg::NoProducts)) }
        } @else {
            div class="scroll" {
                table class="stock" {
                    thead { tr {
                        @if scope.is_none() { th { (ctx.t(Msg::Cooperative)) } }
                        th { (ctx.t(Msg::Product)) }
                        th { (ctx.t(Msg::Sku)) }
                        th class="num" { (ctx.t(Msg::Price)) }
                        th class="num" { (ctx.t(Msg::OnHand)) }
                        th class="num" { (ctx.t(Msg::Reserved)) }
                        th class="num" { (ctx.t(Msg::Available)) }
                    } }
                    tbody {
                        @for r in &rows {
                            @let avail = r.available();
                            @let class = if avail <= 0 { "zero" } else if avail <= low { "low" } else { "" };
                            tr class=(class) data-sku=(r.sku) {
                                @if scope.is_none() { td { (r.producer_code) } }
                                td {
                                    a href={"/products/" (r.product_code)} { (r.product_name) }
                                    br; small { (r.variant_name) }
                                }
                                td { code { (r.sku) } }
                                td class="num" { (format::vnd(r.price_vnd)) }
                                td class="num" { (format::int(r.on_hand)) }
                                td class="num" { (format::int(r.reserved)) }
                                td class="num avail" {
                                    (format::int(avail))
                                    @if avail <= 0 { " " span class="badge bad" { (ctx.t(Msg::OutOfStock)) } }
                                    @else if avail <= low { " " span class="badge warn" { (ctx.t(Msg::LowStock)) } }
                                }
                            }
                        }
                    }
                }
            }
            @if pages > 1 {
                nav class="pager" aria-label=(ctx.t(Msg::Pages)) {
                    @if view.page > 1 {
                        a rel="prev" href=(ctx.products_href(StockView { page: view.page - 1, ..view })) { "← " (ctx.t(Msg::Previous)) }
                    }
                    span { (ctx.t(Msg::Page)) " " (view.page) "/" (pages) }
                    @if view.page < pages {
                        a rel="next" href=(ctx.products_href(StockView { page: view.page + 1, ..view })) { (ctx.t(Msg::Next)) " →" }
                    }
                }
            }
        }
    };
    Ok(layout(ctx, Msg::Products, body))
}

/// One product: its variants, stock per location and recent movements. A
/// product of another producer answers 404, exactly like one that does not
/// exist, so a cooperative learns nothing about others' catalogues.
pub async fn product(ctx: &Ctx, store: &Store, code: &str) -> PageResult {
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
        sections.push((r, levels, moves));
    }
    let body = html! {
        section class="card" {
            h2 { (first.product_name) }
            dl class="facts" {
                dt { (ctx.t(Msg::Cooperative)) } dd { (first.producer_name) " (" (first.producer_code) ")" }
                dt { (ctx.t(Msg::Category)) } dd { (first.category) }
                dt { (ctx.t(Msg::Ocop)) }
                dd {
                    @if let Some(stars) = first.ocop_stars { (stars) " " (ctx.t(Msg::Stars)) } @else { "—" }
                    @if let Some(d) = first.ocop_cert_expires { " · " (ctx.t(Msg::CertExpires)) " " (format::date(d)) }
                }
            }
        }
        @for (r, levels, moves) in &sections {
            section class="card" data-sku=(r.sku) {
                h2 { (r.variant_name) " " code { (r.sku) } " · " (format::vnd(r.price_vnd)) }
                h3 { (ctx.t(Msg::StockByLocation)) }
                div class="scroll" {
                    table {
                        thead { tr {
                            th { (ctx.t(Msg::Location)) }
                            th class="num" { (ctx.t(Msg::OnHand)) }
                            th class="num" { (ctx.t(Msg::Reserved)) }
                            th class="num" { (ctx.t(Msg::Available)) }
                        } }
                        tbody {
                            @for l in levels {
                                tr {
                                    td { (l.location) }
                                    td class="num" { (format::int(l.on_hand)) }
                                    td class="num" { (format::int(l.reserved)) }
                                    td class="num" { (format::int(l.on_hand - l.reserved)) }
                                }
                            }
                        }
                    }
                }
                h3 { (ctx.t(Msg::RecentMovements)) }
                div class="scroll" {
                    table {
                        thead { tr {
                            th { (ctx.t(Msg::When)) }
                            th { (ctx.t(Msg::Kind)) }
                            th class="num" { (ctx.t(Msg::Quantity)) }
                            th class="num" { (ctx.t(Msg::Balance)) }
                            th { (ctx.t(Msg::Reason)) }
                        } }
                        tbody {
                            @for m in moves {
                                tr {
                                    td { (format::datetime(m.created_at, ctx.tz)) }
                                    td { (m.kind) }
                                    td class="num" { (format::int(m.quantity)) }
                                    td class="num" { (format::int(m.balance_after)) }
                                    td { (m.reason) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(layout(ctx, Msg::Products, body))
}

pub async fn accounts(ctx: &Ctx, store: &Store) -> PageResult {
    let scope = ctx.scope(store).await?;
    let accounts: Vec<_> = store
        .accounts(None)
        .await?
        .into_iter()
        .filter(|a| scope.is_none() || a.producer.as_deref() == scope.as_deref())
        .collect();
    let queues: HashMap<String, crate::store::outbox::QueueStats> = store
        .queue_stats()
        .await?
        .into_iter()
        .map(|q| (q.account.clone(), q))
        .collect();
    let mut dead: BTreeMap<String, Vec<crate::store::outbox::DeadLetter>> = BTreeMap::new();
    for d in store.dead_letters(None).await? {
        if own_account(&accounts, &d.account) {
            dead.entry(d.account.clone()).or_default().push(d);
        }
    }
    let filter = producer_filter(ctx, store, scope.as_deref()).await?;
    let never = ctx.t(Msg::Never);
    let body = html! {
        (filter)
        @if accounts.is_empty() {
            p class="empty" { (ctx.t(Msg::NoAccounts)) }
        } @else {
            div class="scroll" {
                table class="accounts" {
                    thead { tr {
                        th { (ctx.t(Msg::Account)) }
                        th { (ctx.t(Msg::State)) }
                        th class="num" { (ctx.t(Msg::QueueDepth)) }
                        th { (ctx.t(Msg::OldestPending)) }
                        th { (ctx.t(Msg::LastPush)) }
                        th class="num" { (ctx.t(Msg::DeadLetters)) }
                        th { (ctx.t(Msg::LastError)) }
                        th { (ctx.t(Msg::TokenExpires)) }
                    } }
                    tbody {
                        @for a in &accounts {
                            @let q = queues.get(&a.name);
                            @let class = match a.state { AccountState::NeedsReauth => "zero", AccountState::Paused => "low", AccountState::Ok => "" };
                            tr class=(class) data-account=(a.name) {
                                td {
                                    span class={"swatch " (chart::channel_class(&a.channel))} {}
                                    strong { (a.name) } br;
                                    small { (a.channel) " · " (a.producer.as_deref().unwrap_or("—")) " · " (format::int(a.listings)) " " (ctx.t(Msg::Listings)) }
                                }
                                td { (state_label(ctx, a.state)) }
                                td class="num queue" { (format::int(q.map_or(0, |q| q.pending))) }
                                td {
                                    @match q.and_then(|q| q.oldest_pending) {
                                        Some(t) => { (format::age(t, ctx.now, ctx.lang)) }
                                        None => { "—" }
                                    }
                                }
                                td {
                                    @match a.last_push_at {
                                        Some(t) => { (format::datetime(t, ctx.tz)) br; small { (format::age(t, ctx.now, ctx.lang)) } }
                                        None => { (never) }
                                    }
                                }
                                td class="num dead" { (format::int(q.map_or(0, |q| q.dead))) }
                                td class="error" { (a.last_error.as_deref().unwrap_or("—")) }
                                td {
                                    @match a.refresh_expires_at.or(a.access_expires_at) {
                                        Some(t) => { (format::datetime(t, ctx.tz)) }
                                        None => { "—" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @for (account, letters) in &dead {
                section class="card" {
                    h2 { (ctx.t(Msg::DeadLetters)) " — " (account) }
                    div class="scroll" {
                        table {
                            thead { tr { th { (ctx.t(Msg::Sku)) } th { (ctx.t(Msg::Kind)) } th { (ctx.t(Msg::Errors)) } } }
                            tbody {
                                @for d in letters {
                                    tr { td { code { (d.sku) } } td { (d.kind) } td class="error" { (d.last_error.as_deref().unwrap_or("—")) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(layout(ctx, Msg::Accounts, body))
}

fn own_account(accounts: &[crate::store::accounts::AccountRow], name: &str) -> bool {
    accounts.iter().any(|a| a.name == name)
}

pub async fn certificates(ctx: &Ctx, store: &Store) -> PageResult {
    let scope = ctx.scope(store).await?;
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
                                td { (c.producer_code) }
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

/// A page for an error, inside the frame when the viewer is known. Store
/// failures show a reference to the log line, never the error itself.
pub fn error_page(ctx: Option<&Ctx>, lang: Lang, err: &PageError) -> (u16, Markup) {
    let (status, message, detail) = match err {
        PageError::NotFound(m, d) => (404, lang.t(*m).to_owned(), d.clone()),
        PageError::BadRequest(why) => (400, lang.t(Msg::BadRequest).to_owned(), Some(why.clone())),
        PageError::Store(_) | PageError::Bug(_) => {
            let reference = format!("{:08x}", rand::random::<u32>());
            tracing::error!(error = %err, reference, "dashboard page failed");
            (
                500,
                lang.t(Msg::ServerError).to_owned(),
                Some(format!("{} {reference}", lang.t(Msg::ErrorReference))),
            )
        }
    };
    let body = html! {
        section class="card error-page" {
            p class="alert" { (message) }
            @if let Some(d) = detail { p { code { (d) } } }
            p { a href="/" { (lang.t(Msg::BackToOverview)) } }
        }
    };
    let markup = match ctx {
        Some(ctx) => layout(ctx, Msg::AppName, body),
        None => bare(lang, Msg::AppName, body),
    };
    (status, markup)
}

/// A page outside the frame (sign-in, errors before sign-in).
pub fn bare(lang: Lang, title: Msg, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (lang.t(title)) " · kho" }
                link rel="stylesheet" href=(super::STYLESHEET_PATH);
            }
            body class="bare" {
                main { (body) }
            }
        }
    }
}

/// The sign-in form; `next` is where to go afterwards (already checked to
/// be a path on this site).
pub fn signin(lang: Lang, error: Option<Msg>, next: Option<&str>) -> Markup {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("lang", lang.other().code());
    if let Some(n) = next {
        q.append_pair("next", n);
    }
    let switch = format!("/signin?{}", q.finish());
    bare(
        lang,
        Msg::SignIn,
        html! {
            section class="card signin" {
                h1 { "kho" }
                p { (lang.t(Msg::AppName)) }
                @if let Some(e) = error { p class="alert" role="alert" { (lang.t(e)) } }
                form method="post" action="/signin" {
                    label for="token" { (lang.t(Msg::Token)) }
                    input id="token" name="token" type="password" autocomplete="current-password" required;
                    small { (lang.t(Msg::TokenHelp)) }
                    @if let Some(n) = next { input type="hidden" name="next" value=(n); }
                    button type="submit" { (lang.t(Msg::SignIn)) }
                }
                p { a class="lang" href=(switch) hreflang=(lang.other().code()) { (lang.t(Msg::SwitchLanguage)) } }
            }
        },
    )
}

/// Drift items listed per account (the rest are counted).
const DRIFT_ITEMS_SHOWN: usize = 20;

pub async fn drift(ctx: &Ctx, store: &Store) -> PageResult {
    let scope = ctx.scope(store).await?;
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
                        th { (ctx.t(Msg::LastReconciliation)) }
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
                                    strong { (a.name) } br; small { (a.channel) " · " (a.producer.as_deref().unwrap_or("—")) }
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
                                            @for (kind, n) in &r.counts { code { (kind) } " " (format::int(*n)) br; }
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
                                            td { code { (i.kind) } }
                                            td { (i.sku.as_deref().unwrap_or("—")) }
                                            td { (i.field.as_deref().unwrap_or("—")) }
                                            td class="num" { (i.kho_value.as_deref().unwrap_or("—")) }
                                            td class="num" { (i.remote_value.as_deref().unwrap_or("—")) }
                                            td { (i.cause) }
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::config::{Config, DatabaseUrl, Sources};
    use crate::store::orders::{IngestLine, IngestOrder};
    use kho_channel::OrderStatus;

    const TOML: &str = r#"
[[accounts]]
name = "shopee-chi-lang"
channel = "shopee"
producer = "htx-chi-lang"
base_url = "http://127.0.0.1:9"
credentials = { partner_id = 1, partner_key = "k", shop_id = 11, access_token = "a", refresh_token = "r" }

[[accounts]]
name = "tiktok-chi-lang"
channel = "tiktok"
producer = "htx-chi-lang"
base_url = "http://127.0.0.1:9"
auth_url = "http://127.0.0.1:9"
credentials = { app_key = "k", app_secret = "s", shop_cipher = "c", access_token = "a", refresh_token = "r" }

[[accounts]]
name = "lazada-bao-lam"
channel = "lazada"
producer = "htx-bao-lam"
base_url = "http://127.0.0.1:9/rest"
auth_url = "http://127.0.0.1:9/rest"
credentials = { app_key = "k", app_secret = "s", access_token = "a", refresh_token = "r" }
"#;

    pub struct Seeded {
        pub store: Store,
        pub tz: Tz,
        _dir: tempfile::TempDir,
    }

    async fn ingest(
        store: &Store,
        account: i64,
        id: &str,
        at: DateTime<Utc>,
        status: OrderStatus,
        lines: &[(&str, i64, i64)],
    ) {
        let order = IngestOrder {
            remote_order_id: id.into(),
            status,
            raw_status: format!("{status:?}"),
            ordered_at: at,
            remote_updated_at: Some(at),
            lines: lines
                .iter()
                .enumerate()
                .map(|(i, (sku, qty, price))| IngestLine {
                    key: format!("{id}-{i}"),
                    seller_sku: (*sku).into(),
                    quantity: *qty,
                    unit_price_vnd: *price,
                })
                .collect(),
        };
        store
            .ingest_order(account, &order, true, "test")
            .await
            .unwrap();
    }

    /// The sample catalog, three shops of two cooperatives, orders today
    /// (one cancelled) and on earlier days.
    pub async fn seeded() -> Seeded {
        let dir = tempfile::tempdir().unwrap();
        let url =
            DatabaseUrl::parse(&format!("sqlite://{}", dir.path().join("k.db").display())).unwrap();
        let store = Store::open(&url, 2).await.unwrap();
        let csv = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/data/ocop-catalog.csv"
        ))
        .unwrap();
        crate::catalog::import::import_bytes(&store, &csv, "ocop-catalog.csv", false, "test")
            .await
            .unwrap();
        let file = dir.path().join("kho.toml");
        std::fs::write(&file, TOML).unwrap();
        let config = Config::load(Sources {
            file: Some(&file),
            env: Some(crate::secrets::ephemeral_env()),
        })
        .unwrap();
        store.set_keyring(config.secrets.keyring());
        store.sync_accounts(&config.accounts, true).await.unwrap();
        let ids: HashMap<String, i64> = store
            .accounts(None)
            .await
            .unwrap()
            .into_iter()
            .map(|a| (a.name, a.id))
            .collect();
        let tz = chrono_tz::Asia::Ho_Chi_Minh;
        let today = crate::store::now().with_timezone(&tz).date_naive();
        let at = |days_ago: i64, hour: i64| {
            day_start(tz, today - chrono::Duration::days(days_ago)).unwrap()
                + chrono::Duration::hours(hour)
        };
        let shopee = ids["shopee-chi-lang"];
        let tiktok = ids["tiktok-chi-lang"];
        let lazada = ids["lazada-bao-lam"];
        ingest(
            &store,
            shopee,
            "S1",
            at(0, 1),
            OrderStatus::Ready,
            &[("NA-CHILANG-1KG", 2, 85_000)],
        )
        .await;
        ingest(
            &store,
            shopee,
            "S2",
            at(0, 2),
            OrderStatus::Shipped,
            &[("NA-CHILANG-2KG", 1, 165_000), ("NA-SAY-200G", 3, 65_000)],
        )
        .await;
        ingest(
            &store,
            shopee,
            "S3",
            at(0, 3),
            OrderStatus::Cancelled,
            &[("NA-CHILANG-5KG", 1, 390_000)],
        )
        .await;
        ingest(
            &store,
            tiktok,
            "T1",
            at(0, 4),
            OrderStatus::Ready,
            &[("NA-CHILANG-5KG", 1, 390_000)],
        )
        .await;
        ingest(
            &store,
            lazada,
            "L1",
            at(0, 5),
            OrderStatus::Ready,
            &[("HONG-KHONGHAT-1KG", 4, 120_000)],
        )
        .await;
        ingest(
            &store,
            shopee,
            "S0",
            at(3, 10),
            OrderStatus::Delivered,
            &[("NA-CHILANG-1KG", 10, 85_000)],
        )
        .await;
        ingest(
            &store,
            lazada,
            "L0",
            at(12, 10),
            OrderStatus::Delivered,
            &[("HONG-KHONGHAT-3KG", 1, 300_000)],
        )
        .await;
        Seeded {
            store,
            tz,
            _dir: dir,
        }
    }

    pub fn ctx(seed: &Seeded, lang: Lang, producer: Option<&str>, path: &str) -> Ctx {
        Ctx {
            lang,
            viewer: Viewer {
                name: "test".into(),
                producer: producer.map(str::to_owned),
            },
            tz: seed.tz,
            now: crate::store::now(),
            path: path.into(),
            filter: None,
            keep: Vec::new(),
        }
    }

    #[tokio::test]
    async fn overview_shows_today_per_marketplace_as_the_sales_report_does() {
        let seed = seeded().await;
        let c = ctx(&seed, Lang::Vi, None, "/");
        let html = overview(&c, &seed.store).await.unwrap().into_string();
        // Shopee today: S1 (2 × 85.000) + S2 (165.000 + 3 × 65.000); the
        // cancelled S3 does not count.
        assert!(html.contains(r#"<tr data-channel="shopee"><td><span class="swatch ch-shopee"></span>shopee</td><td class="num orders">2</td><td class="num units">6</td><td class="num revenue">530.000 ₫</td></tr>"#), "{html}");
        assert!(html.contains(r#"<td class="num revenue">390.000 ₫</td>"#));
        assert!(html.contains(r#"<td class="num revenue">480.000 ₫</td>"#));
        assert!(html.contains(r#"<tr data-channel="total"><th>Tổng</th><td class="num orders">4</td><td class="num units">11</td><td class="num revenue">1.400.000 ₫</td></tr>"#), "{html}");
        // The chart: one line per marketplace, totals over 30 days in the legend.
        assert_eq!(html.matches("<polyline").count(), 3);
        assert!(html.contains("shopee: 1.380.000 ₫"), "{html}");
        assert!(html.contains("lazada: 780.000 ₫"));
        assert!(html.contains("Tình trạng đồng bộ"));
        assert!(html.contains("Mọi tài khoản đều ổn."));

        // The same figures from the report's own code path.
        let today = c.today();
        let lines = seed
            .store
            .sale_lines(
                day_start(seed.tz, today).unwrap(),
                day_start(seed.tz, today + chrono::Duration::days(1)).unwrap(),
            )
            .await
            .unwrap();
        let rows = report::aggregate(&lines, GroupBy::Channel, seed.tz);
        for r in rows {
            assert!(html.contains(&format!(
                r#"<td class="num orders">{}</td><td class="num units">{}</td><td class="num revenue">{}</td>"#,
                r.orders,
                format::int(r.units),
                format::vnd(r.revenue_vnd)
            )));
        }
    }

    #[tokio::test]
    async fn a_cooperative_sees_only_its_own_sales_and_accounts() {
        let seed = seeded().await;
        let mut c = ctx(&seed, Lang::En, Some("htx-bao-lam"), "/");
        // Asking for another producer changes nothing.
        c.filter = Some("htx-chi-lang".into());
        let html = overview(&c, &seed.store).await.unwrap().into_string();
        assert!(html.contains(r#"data-channel="lazada""#));
        assert!(!html.contains(r#"data-channel="shopee""#));
        assert!(!html.contains("chi-lang"), "{html}");
        assert!(
            html.contains("Today&#39;s orders and revenue")
                || html.contains("Today's orders and revenue")
        );
        assert!(html.contains(r#"<td class="num revenue">480.000 ₫</td>"#));
        assert!(
            !html.contains(r#"name="producer""#),
            "no filter for a cooperative"
        );

        let accounts_html = accounts(&c, &seed.store).await.unwrap().into_string();
        assert!(accounts_html.contains("lazada-bao-lam"));
        assert!(!accounts_html.contains("shopee-chi-lang"));

        let products_html = products(&c, &seed.store, StockView::default())
            .await
            .unwrap()
            .into_string();
        assert!(products_html.contains("HONG-KHONGHAT-1KG"));
        assert!(!products_html.contains("NA-CHILANG-1KG"));

        let other = product(&c, &seed.store, "NA-CHILANG").await;
        assert!(matches!(other, Err(PageError::NotFound(..))));
        let own = product(&c, &seed.store, "HONG-KHONGHAT")
            .await
            .unwrap()
            .into_string();
        assert!(own.contains("HONG-KHONGHAT-1KG"));
    }

    #[tokio::test]
    async fn products_highlight_low_and_zero_stock_and_filter_by_cooperative() {
        let seed = seeded().await;
        let mut c = ctx(&seed, Lang::Vi, None, "/products");
        let html = products(&c, &seed.store, StockView::default())
            .await
            .unwrap()
            .into_string();
        // LAP-SUON-1KG has 0 in the catalog; QUYT-BACSON-1KG has 3.
        assert!(
            html.contains(r#"<tr class="zero" data-sku="LAP-SUON-1KG">"#),
            "{html}"
        );
        assert!(html.contains(r#"<tr class="low" data-sku="QUYT-BACSON-1KG">"#));
        assert!(html.contains(r#"<tr class="" data-sku="NA-CHILANG-2KG">"#));
        // NA-CHILANG-1KG: 250 received, 10 sold by S0 (delivered), 2
        // reserved by S1.
        assert!(html.contains("<td class=\"num\">85.000 ₫</td><td class=\"num\">240</td><td class=\"num\">2</td><td class=\"num avail\">238</td>"), "{html}");
        assert!(html.contains("Hết hàng"));
        assert!(
            html.contains(r#"name="producer""#),
            "the department gets a filter"
        );

        c.filter = Some("htx-bac-son".into());
        let html = products(&c, &seed.store, StockView::default())
            .await
            .unwrap()
            .into_string();
        assert!(html.contains("QUYT-BACSON-5KG"));
        assert!(!html.contains("NA-CHILANG-1KG"));
        assert!(
            html.contains(r#"<option value="htx-bac-son" selected>"#),
            "{html}"
        );

        c.filter = Some("htx-nowhere".into());
        match products(&c, &seed.store, StockView::default()).await {
            Err(PageError::NotFound(Msg::UnknownCooperative, Some(code))) => {
                assert_eq!(code, "htx-nowhere")
            }
            other => panic!("expected 404, got {:?}", other.map(|m| m.into_string())),
        }
    }

    /// `skus` SKUs of one producer, four to a product, shaped like the
    /// sample catalog's first row.
    fn large_catalogue(skus: usize) -> Vec<u8> {
        let template =
            crate::catalog::read_entries(include_bytes!("../../../data/ocop-catalog.csv"))
                .unwrap()
                .remove(0);
        let entries: Vec<_> = (0..skus)
            .map(|i| crate::catalog::CatalogEntry {
                producer_code: "htx-t".into(),
                producer_name: "HTX t".into(),
                product_code: format!("P-t-{}", i / 4),
                product_name: format!("Đặc sản số {}", i / 4),
                variant_sku: format!("SKU-t-{i}"),
                variant_name: format!("Hộp {i}"),
                ..template.clone()
            })
            .collect();
        let mut csv = Vec::new();
        crate::catalog::file::write_csv(&mut csv, &entries).unwrap();
        csv
    }

    #[tokio::test]
    async fn products_page_through_a_large_catalogue() {
        let seed = seeded().await;
        let csv = large_catalogue(250);
        crate::catalog::import::import_bytes(&seed.store, &csv, "big.csv", false, "test")
            .await
            .unwrap();
        let total = seed
            .store
            .stock_summary(None, DEFAULT_LOW_STOCK)
            .await
            .unwrap()
            .skus;
        assert_eq!(total, 277);
        let c = ctx(&seed, Lang::En, None, "/products");
        let html = products(&c, &seed.store, StockView::default())
            .await
            .unwrap()
            .into_string();
        assert_eq!(html.matches("<tr class=").count() as i64, PRODUCTS_PER_PAGE);
        assert!(html.contains("Page 1/3"), "{html}");
        assert!(html.contains(r#"<a rel="next" href="/products?page=2">"#));
        let view = StockView {
            page: 3,
            ..StockView::default()
        };
        let html = products(&c, &seed.store, view).await.unwrap().into_string();
        assert_eq!(
            html.matches("<tr class=").count() as i64,
            total - 2 * PRODUCTS_PER_PAGE
        );
        assert!(html.contains(r#"<a rel="prev" href="/products?page=2">"#));
        // The language switch keeps the page.
        let mut on_page_3 = ctx(&seed, Lang::En, None, "/products");
        on_page_3.keep = vec![("page".into(), "3".into())];
        let html = products(&on_page_3, &seed.store, view)
            .await
            .unwrap()
            .into_string();
        assert!(
            html.contains(r#"href="/products?lang=vi&amp;page=3""#),
            "{html}"
        );
        let view = StockView {
            page: 4,
            ..StockView::default()
        };
        assert!(matches!(
            products(&c, &seed.store, view).await,
            Err(PageError::NotFound(..))
        ));

        // Only what is short, with the bound and filter kept in the links.
        let mut c = ctx(&seed, Lang::En, None, "/products");
        c.filter = Some("htx-mau-son".into());
        let view = StockView {
            only_short: true,
            low: 5,
            page: 1,
        };
        let html = products(&c, &seed.store, view).await.unwrap().into_string();
        assert!(html.contains(r#"href="/products?producer=htx-mau-son&amp;low=5&amp;show=short" aria-current="page""#), "{html}");
        // CHE-MAUSON-100G (3), CHE-MAUSON-250G (0), RUOU-MAUSON-500ML (0).
        assert_eq!(html.matches("<tr class=").count(), 3, "{html}");
        assert!(!html.contains("DAO-MAUSON-1KG"));
    }

    #[tokio::test]
    async fn product_page_shows_locations_and_movements() {
        let seed = seeded().await;
        let c = ctx(&seed, Lang::En, None, "/products/NA-CHILANG");
        let html = product(&c, &seed.store, "NA-CHILANG")
            .await
            .unwrap()
            .into_string();
        assert!(html.contains("Stock by location"));
        assert!(html.contains("NA-CHILANG-1KG"));
        assert!(html.contains("receipt"));
        assert!(html.contains("4 stars"));
        assert!(matches!(
            product(&c, &seed.store, "NO-SUCH").await,
            Err(PageError::NotFound(Msg::NotFoundProduct, _))
        ));
    }

    #[tokio::test]
    async fn accounts_show_queue_and_state() {
        let seed = seeded().await;
        seed.store
            .set_account_state(
                "lazada-bao-lam",
                AccountState::NeedsReauth,
                Some("token revoked by seller"),
            )
            .await
            .unwrap();
        let c = ctx(&seed, Lang::En, None, "/accounts");
        let html = accounts(&c, &seed.store).await.unwrap().into_string();
        assert!(
            html.contains(r#"<tr class="zero" data-account="lazada-bao-lam">"#),
            "{html}"
        );
        assert!(html.contains("Needs re-authorisation"));
        assert!(html.contains("token revoked by seller"));
        assert!(html.contains("shopee-chi-lang"));
        let over = overview(&c, &seed.store).await.unwrap().into_string();
        assert!(over.contains("1 account(s) need attention"), "{over}");
    }

    #[tokio::test]
    async fn certificates_split_expired_and_expiring() {
        let seed = seeded().await;
        let mut c = ctx(&seed, Lang::Vi, None, "/certificates");
        // Judge the sample catalog from a fixed day: NA-SAY expires on
        // 2026-06-30.
        c.now = Utc.with_ymd_and_hms(2026, 6, 1, 3, 0, 0).unwrap();
        let html = certificates(&c, &seed.store).await.unwrap().into_string();
        assert!(html.contains(r#"<tr data-product="NA-SAY">"#), "{html}");
        assert!(html.contains("29 ngày còn lại"));
        c.now = Utc.with_ymd_and_hms(2026, 7, 3, 3, 0, 0).unwrap();
        let html = certificates(&c, &seed.store).await.unwrap().into_string();
        assert!(html.contains("id=\"expired\""));
        assert!(html.contains("3 ngày trước"), "{html}");
    }

    #[tokio::test]
    async fn drift_shows_the_last_reconciliation_per_account() {
        let seed = seeded().await;
        let ids: HashMap<String, i64> = seed
            .store
            .accounts(None)
            .await
            .unwrap()
            .into_iter()
            .map(|a| (a.name, a.id))
            .collect();
        let run = seed
            .store
            .begin_reconcile_run(ids["shopee-chi-lang"], false)
            .await
            .unwrap();
        let item = crate::store::reconcile::ReconcileItem {
            id: 0,
            run_id: 0,
            kind: "stock_mismatch".into(),
            sku: Some("NA-CHILANG-1KG".into()),
            remote_item_id: Some("1001".into()),
            remote_variant_id: None,
            field: Some("stock".into()),
            kho_value: Some("238".into()),
            pushed_value: Some("238".into()),
            remote_value: Some("230".into()),
            cause: "edited on the marketplace".into(),
            detail: None,
        };
        seed.store
            .finish_reconcile_run(run, &[item], None)
            .await
            .unwrap();
        let run = seed
            .store
            .begin_reconcile_run(ids["lazada-bao-lam"], false)
            .await
            .unwrap();
        seed.store
            .finish_reconcile_run(run, &[], None)
            .await
            .unwrap();

        let c = ctx(&seed, Lang::En, None, "/drift");
        let html = drift(&c, &seed.store).await.unwrap().into_string();
        assert!(
            html.contains(r#"<tr class="low" data-account="shopee-chi-lang">"#),
            "{html}"
        );
        assert!(html.contains("<code>stock_mismatch</code> 1"));
        assert!(html.contains("edited on the marketplace"));
        assert!(html.contains(r#"<td class="num">230</td>"#));
        assert!(html.contains("Clean"));
        // The TikTok shop never ran one.
        assert!(html.contains("Never reconciled"));

        let coop = ctx(&seed, Lang::En, Some("htx-bao-lam"), "/drift");
        let html = drift(&coop, &seed.store).await.unwrap().into_string();
        assert!(!html.contains("shopee-chi-lang"));
        assert!(html.contains("lazada-bao-lam"));
    }

    #[test]
    fn error_pages_show_no_internals() {
        let err = PageError::Store(StoreError::Corrupt(
            "secret detail at src/store.rs:12".into(),
        ));
        let (status, html) = error_page(None, Lang::En, &err);
        assert_eq!(status, 500);
        let html = html.into_string();
        assert!(!html.contains("secret detail"));
        assert!(html.contains("Something went wrong"));
        assert!(html.contains("Reference"));
        let (status, html) = error_page(
            None,
            Lang::Vi,
            &PageError::Bug("index out of bounds".into()),
        );
        assert_eq!(status, 500);
        assert!(!html.into_string().contains("index out of bounds"));
    }
}
