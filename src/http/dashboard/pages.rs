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

mod attention;
mod freshness;
pub mod names;
pub mod product_page;
pub mod reports;
mod watch;
pub use freshness::freshness;
pub use product_page::product;
pub use watch::{certificates, drift};

/// Who is looking, as far as the pages care.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub name: String,
    /// The one producer a cooperative is bound to; `None` sees every producer.
    pub producer: Option<String>,
    /// Admin or cooperative: may change things (e.g. connect its shops); department may not.
    pub writer: bool,
}

impl Viewer {
    pub fn sees(&self, producer: &str) -> bool {
        self.producer.as_deref().is_none_or(|p| p == producer)
    }

    /// Who is acting, for the ledger and other audit fields: the person
    /// signed in to the dashboard, by name (`web:Nguyễn Văn A`).
    pub fn actor(&self) -> String {
        format!("web:{}", self.name)
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
    /// What the last form did (POST-redirect-GET), shown once.
    pub flash: Option<String>,
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
        ("/freshness", Msg::Freshness),
        ("/reports", Msg::Reports),
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
                    @if let Some(f) = &ctx.flash { p class="flash" role="status" { (f) } }
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

    let queues: HashMap<String, crate::outbox::QueueStats> = store
        .queue_stats()
        .await?
        .into_iter()
        .map(|q| (q.account.clone(), q))
        .collect();
    let health = attention::healths(store, &accounts).await?;
    let unwell = health
        .values()
        .filter(|h| **h != crate::attention::Health::Ok)
        .count();
    let items = crate::attention::build(store, scope.as_deref(), today).await?;
    let filter = producer_filter(ctx, store, scope.as_deref()).await?;

    let body = html! {
        (filter)
        (attention::section(ctx, &items, &names::Names::load(store).await?))
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
                                    td { span class={"swatch " (chart::channel_class(&r.key))} {} (names::channel(&r.key)) }
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
                @if unwell == 0 {
                    p class="good" { (ctx.t(Msg::AllAccountsOk)) }
                } @else {
                    p class="alert" { (unwell) " " (ctx.t(Msg::NeedAttention)) }
                }
                ul class="health" {
                    @for a in &accounts {
                        @let q = queues.get(&a.name);
                        li {
                            @if let Some(h) = health.get(&a.name) { (attention::health_label(ctx, *h)) " " }
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
    let producers = names::Names::load(store).await?;
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
            @if ctx.viewer.writer { a class="upload" href="/catalog/import" { (ctx.t(Msg::ImportCatalog)) } }
        }
        @if rows.is_empty() {
            p class="empty" { (ctx.t(Msg::NoProducts)) }
        } @else {
            div class="scroll" {
                table class="stock cards" {
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
                                @if scope.is_none() { td data-label=(ctx.t(Msg::Cooperative)) { (producers.producer(&r.producer_code)) } }
                                td class="name" {
                                    a href={"/products/" (r.product_code)} { (r.product_name) }
                                    br; small { (r.variant_name) }
                                }
                                td data-label=(ctx.t(Msg::Sku)) { code { (r.sku) } }
                                td class="num" data-label=(ctx.t(Msg::Price)) { (format::vnd(r.price_vnd)) }
                                td class="num" data-label=(ctx.t(Msg::OnHand)) { (format::int(r.on_hand)) }
                                td class="num" data-label=(ctx.t(Msg::Reserved)) { (format::int(r.reserved)) }
                                td class="num avail" data-label=(ctx.t(Msg::Available)) {
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

pub async fn accounts(ctx: &Ctx, store: &Store) -> PageResult {
    let scope = ctx.scope(store).await?;
    let producers = names::Names::load(store).await?;
    let accounts: Vec<_> = store
        .accounts(None)
        .await?
        .into_iter()
        .filter(|a| scope.is_none() || a.producer.as_deref() == scope.as_deref())
        .collect();
    let queues: HashMap<String, crate::outbox::QueueStats> = store
        .queue_stats()
        .await?
        .into_iter()
        .map(|q| (q.account.clone(), q))
        .collect();
    let mut dead: BTreeMap<String, Vec<crate::outbox::DeadLetter>> = BTreeMap::new();
    for d in store.dead_letters(None).await? {
        if own_account(&accounts, &d.account) {
            dead.entry(d.account.clone()).or_default().push(d);
        }
    }
    let health = attention::healths(store, &accounts).await?;
    let filter = producer_filter(ctx, store, scope.as_deref()).await?;
    let never = ctx.t(Msg::Never);
    let body = html! {
        (filter)
        @if accounts.is_empty() {
            p class="empty" { (ctx.t(Msg::NoAccounts)) }
        } @else {
            div class="scroll" {
                table class="accounts cards" {
                    thead { tr {
                        th { (ctx.t(Msg::Account)) }
                        th { (ctx.t(Msg::State)) }
                        th class="num" { (ctx.t(Msg::QueueDepth)) }
                        th { (ctx.t(Msg::OldestPending)) }
                        th { (ctx.t(Msg::LastPush)) br; small { (ctx.tz.name()) } }
                        th class="num" { (ctx.t(Msg::DeadLetters)) }
                        th { (ctx.t(Msg::LastError)) }
                        th { (ctx.t(Msg::TokenExpires)) br; small { (ctx.tz.name()) } }
                    } }
                    tbody {
                        @for a in &accounts {
                            @let q = queues.get(&a.name);
                            @let class = match a.state { AccountState::NeedsReauth => "zero", AccountState::Paused => "low", AccountState::Ok => "" };
                            tr class=(class) data-account=(a.name) {
                                td class="name" {
                                    span class={"swatch " (chart::channel_class(&a.channel))} {}
                                    strong { (a.name) } br;
                                    small { (names::channel(&a.channel)) " · " (a.producer.as_deref().map_or("—", |p| producers.producer(p))) " · " (format::int(a.listings)) " " (ctx.t(Msg::Listings)) }
                                }
                                td { @if let Some(h) = health.get(&a.name) { (attention::health_label(ctx, *h)) }
                                    @if a.state == AccountState::NeedsReauth && ctx.viewer.writer {
                                        form method="post" action={"/accounts/" (a.name) "/connect"} { button type="submit" { (ctx.t(Msg::ConnectShop)) } }
                                    }
                                    (super::forms::sync::account_actions(ctx, &a.name, q.map_or(0, |q| q.dead))) }
                                td class="num queue" data-label=(ctx.t(Msg::QueueDepth)) { (format::int(q.map_or(0, |q| q.pending))) }
                                td data-label=(ctx.t(Msg::OldestPending)) {
                                    @match q.and_then(|q| q.oldest_pending) {
                                        Some(t) => { (format::age(t, ctx.now, ctx.lang)) }
                                        None => { "—" }
                                    }
                                }
                                td data-label=(ctx.t(Msg::LastPush)) {
                                    @match a.last_push_at {
                                        Some(t) => { (format::datetime(t, ctx.tz)) br; small { (format::age(t, ctx.now, ctx.lang)) } }
                                        None => { (never) }
                                    }
                                }
                                td class="num dead" data-label=(ctx.t(Msg::DeadLetters)) { (format::int(q.map_or(0, |q| q.dead))) }
                                td class="error" data-label=(ctx.t(Msg::LastError)) { (a.last_error.as_deref().unwrap_or("—")) }
                                td data-label=(ctx.t(Msg::TokenExpires)) {
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
                        table class="cards" {
                            thead { tr { th { (ctx.t(Msg::Sku)) } th { (ctx.t(Msg::Kind)) } th { (ctx.t(Msg::Errors)) } } }
                            tbody {
                                @for d in letters {
                                    tr data-job=(d.id) { td data-label=(ctx.t(Msg::Sku)) { code { (d.sku) } } td data-label=(ctx.t(Msg::Kind)) { (super::i18n::code(ctx.lang, &d.kind)) } td { span class="error" { (d.last_error.as_deref().unwrap_or("—")) } (attention::explained(ctx, d.last_error.as_deref())) (super::forms::sync::retry_button(ctx, account, d.id)) } }
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

#[cfg(test)]
pub(crate) mod tests;
