//! `/reports`: the department's sales report over a chosen period beside
//! the previous one, with a chart, best sellers, downloads, and the OCOP
//! register (import, differences, sales export). Every figure comes from
//! `crate::reports`, the code `kho report sales` runs, so page and CLI agree
//! for the same period and grouping. A cooperative sees its own producer.

mod bars;
mod ocop;
mod routes;

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::reports::sales::{CompareRow, DEFAULT_TOP, PRESETS};
use crate::reports::{Period, SalesQuery, SalesReport};

pub use routes::router;

/// A text in both languages, for this page's own words.
pub(super) fn tr(lang: Lang, vi: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Vi => vi,
        Lang::En => en,
    }
}

/// The report asked for by the query string.
#[derive(Debug, Clone, PartialEq)]
pub struct Ask {
    pub period: Period,
    pub by: GroupBy,
    /// The preset chosen, when one was.
    pub preset: Option<String>,
    pub top: usize,
}

/// Reads `preset`, `from`, `to`, `by` and `top`; a preset wins over dates.
/// Without any, the last 30 days by producer.
pub fn ask(q: &HashMap<String, String>, today: NaiveDate) -> Result<Ask, PageError> {
    let bad = |m: String| PageError::BadRequest(m);
    let by = match q.get("by").map(String::as_str).filter(|s| !s.is_empty()) {
        None => GroupBy::Producer,
        Some(b) => GroupBy::parse(b).ok_or_else(|| {
            bad(format!(
                "by={b:?}: use day, channel, producer, product, district or stars"
            ))
        })?,
    };
    let top = match q.get("top").filter(|s| !s.is_empty()) {
        None => DEFAULT_TOP,
        Some(t) => t
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| bad(format!("top={t:?} is not a number from 1 to 100")))?,
    };
    let date = |k: &str| -> Result<Option<NaiveDate>, PageError> {
        match q.get(k).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| bad(format!("{k}={v:?} is not a date like 2026-11-30"))),
        }
    };
    let preset = q.get("preset").filter(|s| !s.is_empty()).cloned();
    let period = match preset.as_deref() {
        Some(p) => Period::preset(p, today)
            .ok_or_else(|| bad(format!("preset={p:?}: use one of {}", PRESETS.join(", "))))?,
        None => {
            let (from, to) = (date("from")?, date("to")?);
            Period::or_default(from, to, today).map_err(|e| bad(e.to_string()))?
        }
    };
    Ok(Ask {
        period,
        by,
        preset,
        top,
    })
}

/// The query string of a report (for downloads and links).
fn query(ask: &Ask, scope: Option<&str>, extra: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.append_pair("from", &ask.period.from.to_string());
    s.append_pair("to", &ask.period.to.to_string());
    s.append_pair("by", ask.by.as_str());
    s.append_pair("top", &ask.top.to_string());
    if let Some(p) = scope {
        s.append_pair("producer", p);
    }
    for (k, v) in extra {
        s.append_pair(k, v);
    }
    s.finish()
}

/// A preset's link, keeping the grouping and the cooperative.
fn preset_href(preset: &str, by: GroupBy, scope: Option<&str>) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("preset", preset);
    q.append_pair("by", by.as_str());
    if let Some(p) = scope {
        q.append_pair("producer", p);
    }
    format!("/reports?{}", q.finish())
}

fn by_label(lang: Lang, by: GroupBy) -> &'static str {
    match by {
        GroupBy::Day => tr(lang, "Ngày", "Day"),
        GroupBy::Channel => tr(lang, "Sàn", "Marketplace"),
        GroupBy::Producer => tr(lang, "Hợp tác xã", "Cooperative"),
        GroupBy::Product => tr(lang, "Sản phẩm", "Product"),
        GroupBy::District => tr(lang, "Huyện", "District"),
        GroupBy::Stars => tr(lang, "Sao OCOP", "OCOP stars"),
    }
}

fn preset_label(lang: Lang, p: &str) -> &'static str {
    match p {
        "this-month" => tr(lang, "Tháng này", "This month"),
        "last-month" => tr(lang, "Tháng trước", "Last month"),
        "last-7-days" => tr(lang, "7 ngày qua", "Last 7 days"),
        "last-30-days" => tr(lang, "30 ngày qua", "Last 30 days"),
        _ => tr(lang, "Năm nay", "This year"),
    }
}

/// A row's name as people read it: a marketplace's name, stars in words,
/// a date day first, and a word for what kho does not know.
pub fn row_name(lang: Lang, by: GroupBy, r: &CompareRow) -> String {
    match by {
        _ if r.key.is_empty() => tr(lang, "(không rõ)", "(unknown)").to_owned(),
        GroupBy::Stars if r.key == crate::orders::report::NO_STARS => {
            tr(lang, "Chưa có sao OCOP", "No OCOP stars").to_owned()
        }
        GroupBy::Stars => format!("{} {}", r.key, tr(lang, "sao", "stars")),
        GroupBy::Channel => match r.key.as_str() {
            "shopee" => "Shopee".into(),
            "tiktok" => "TikTok Shop".into(),
            "lazada" => "Lazada".into(),
            "woocommerce" => "WooCommerce".into(),
            other => other.to_owned(),
        },
        GroupBy::Day => r
            .key
            .parse::<NaiveDate>()
            .map_or_else(|_| r.key.clone(), format::date),
        _ => r.label.clone(),
    }
}

/// `+120.000 ₫ (+150,0 %)`, the sign always shown.
pub fn change(lang: Lang, vnd: i64, pct: Option<f64>) -> String {
    let sign = if vnd > 0 { "+" } else { "" };
    let money = format!("{sign}{}", format::vnd(vnd));
    match pct {
        None => money,
        Some(p) => {
            let p = format!("{p:+.1}");
            match lang {
                Lang::Vi => format!("{money} ({} %)", p.replace('.', ",")),
                Lang::En => format!("{money} ({p}%)"),
            }
        }
    }
}

fn change_class(vnd: i64) -> &'static str {
    match vnd.signum() {
        1 => "good",
        -1 => "alert",
        _ => "hint",
    }
}

/// The page's report: the same call as `kho report sales`.
pub async fn load(
    ctx: &Ctx,
    store: &Store,
    ask: &Ask,
    scope: Option<&str>,
) -> Result<SalesReport, PageError> {
    let q = SalesQuery {
        period: ask.period,
        by: ask.by,
        producer: scope.map(str::to_owned),
        top: ask.top,
    };
    crate::reports::sales_report(store, ctx.tz, &q)
        .await
        .map_err(|e| match e {
            crate::reports::ReportError::Invalid(m) => PageError::BadRequest(m),
            crate::reports::ReportError::Store(e) => PageError::Store(e),
            crate::reports::ReportError::Write(e) => PageError::Bug(e.to_string()),
        })
}

pub async fn page(
    ctx: &Ctx,
    store: &Store,
    ask: Result<Ask, PageError>,
    notice: Markup,
) -> PageResult {
    let ask = ask?;
    let scope = ctx.scope(store).await?;
    let report = load(ctx, store, &ask, scope.as_deref()).await?;
    let lang = ctx.lang;
    let body = html! {
        (notice)
        (form(ctx, store, &ask, scope.as_deref()).await?)
        (summary(ctx, &report))
        (figures(ctx, &ask, &report, scope.as_deref()))
        (best_sellers(lang, &report))
        (ocop::section(ctx, store, scope.as_deref()).await?)
    };
    Ok(layout(ctx, Msg::Reports, body))
}

async fn form(
    ctx: &Ctx,
    store: &Store,
    ask: &Ask,
    scope: Option<&str>,
) -> Result<Markup, PageError> {
    let lang = ctx.lang;
    let producers = if ctx.viewer.producer.is_none() {
        store.producers().await?
    } else {
        Vec::new()
    };
    Ok(html! {
        section class="card" id="period" {
            nav class="tabs" aria-label=(tr(lang, "Kỳ báo cáo", "Report period")) {
                @for p in PRESETS {
                    @let href = preset_href(p, ask.by, scope);
                    a href=(href) aria-current=[(ask.preset.as_deref() == Some(p)).then_some("page")] { (preset_label(lang, p)) }
                }
            }
            form class="filter" method="get" action="/reports" {
                label { (tr(lang, "Từ ngày", "From")) " "
                    input type="date" name="from" value=(ask.period.from.to_string()) required; }
                label { (tr(lang, "Đến ngày", "To")) " "
                    input type="date" name="to" value=(ask.period.to.to_string()) required; }
                label { (tr(lang, "Nhóm theo", "Group by")) " "
                    select name="by" {
                        @for g in GroupBy::ALL {
                            option value=(g.as_str()) selected[g == ask.by] { (by_label(lang, g)) }
                        }
                    }
                }
                @if !producers.is_empty() {
                    label { (ctx.t(Msg::Cooperative)) " "
                        select name="producer" {
                            option value="" selected[scope.is_none()] { (ctx.t(Msg::AllCooperatives)) }
                            @for p in &producers {
                                option value=(p.code) selected[scope == Some(p.code.as_str())] { (p.name) }
                            }
                        }
                    }
                }
                input type="hidden" name="top" value=(ask.top);
                button type="submit" { (tr(lang, "Xem báo cáo", "Show report")) }
            }
        }
    })
}

fn summary(ctx: &Ctx, r: &SalesReport) -> Markup {
    let lang = ctx.lang;
    html! {
        section class="card" id="summary" {
            h2 { (tr(lang, "Tổng doanh số", "Total sales")) }
            p class="period" {
                (format::date(r.from)) " – " (format::date(r.to))
                " · " (tr(lang, "kỳ trước", "previous period")) " "
                (format::date(r.previous_from)) " – " (format::date(r.previous_to))
                " · " (tr(lang, "ngày tính theo giờ", "days in time zone")) " " (r.timezone)
            }
            dl class="facts" {
                dt { (tr(lang, "Doanh thu", "Revenue")) }
                dd class="revenue" data-vnd=(r.revenue_vnd) { (format::vnd(r.revenue_vnd)) }
                dt { (tr(lang, "Kỳ trước", "Previous period")) }
                dd class="previous" { (format::vnd(r.previous_revenue_vnd)) }
                dt { (tr(lang, "Thay đổi", "Change")) }
                dd class=(format!("change {}", change_class(r.change_vnd))) { (change(lang, r.change_vnd, r.change_pct)) }
                dt { (tr(lang, "Đơn hàng", "Orders")) }
                dd class="orders" { (format::int(r.orders as i64)) " (" (tr(lang, "kỳ trước", "before")) " " (format::int(r.previous_orders as i64)) ")" }
                dt { (tr(lang, "Số lượng bán", "Units sold")) }
                dd class="units" { (format::int(r.units)) " (" (tr(lang, "kỳ trước", "before")) " " (format::int(r.previous_units)) ")" }
                dt { (tr(lang, "Hủy do hết hạn", "Written off (expired)")) }
                dd class="written-off" data-units=(r.written_off.units) {
                    (format::int(r.written_off.units)) " · " (format::vnd(r.written_off.value_vnd))
                    " (" (tr(lang, "kỳ trước", "before")) " " (format::int(r.written_off.previous_units)) ")"
                }
            }
        }
    }
}

fn figures(ctx: &Ctx, ask: &Ask, r: &SalesReport, scope: Option<&str>) -> Markup {
    let lang = ctx.lang;
    let csv = format!("/reports/sales.csv?{}", query(ask, scope, &[]));
    let xlsx = format!(
        "/reports/sales.xlsx?{}",
        query(ask, scope, &[("lang", lang.code())])
    );
    html! {
        section class="card" id="figures" {
            h2 { (tr(lang, "Doanh số theo", "Sales by")) " " (by_label(lang, ask.by).to_lowercase()) }
            @if r.rows.is_empty() {
                p class="empty" { (tr(lang, "Không có đơn hàng nào trong hai kỳ.", "No orders in either period.")) }
            } @else {
                (bars::render(lang, ask.by, r))
                table class="report" {
                    thead { tr {
                        th { (by_label(lang, ask.by)) }
                        th class="num" { (tr(lang, "Doanh thu", "Revenue")) }
                        th class="num" { (tr(lang, "Kỳ trước", "Previous")) }
                    } }
                    tbody {
                        @for row in &r.rows {
                            tr data-key=(row.key) {
                                td class="name" {
                                    (row_name(lang, ask.by, row))
                                    br;
                                    small class="hint" {
                                        span class="orders" { (format::int(row.orders as i64)) } " " (tr(lang, "đơn", "orders")) " · "
                                        span class="units" { (format::int(row.units)) } " " (tr(lang, "sản phẩm", "units"))
                                    }
                                }
                                td class="num" {
                                    span class="revenue" { (format::vnd(row.revenue_vnd)) }
                                    br;
                                    small class=(format!("change {}", change_class(row.change_vnd))) { (change(lang, row.change_vnd, row.change_pct)) }
                                }
                                td class="num previous" { (format::vnd(row.previous_revenue_vnd)) }
                            }
                        }
                    }
                    tfoot { tr {
                        th { (tr(lang, "Tổng", "Total")) }
                        td class="num total" { (format::vnd(r.revenue_vnd)) }
                        td class="num" { (format::vnd(r.previous_revenue_vnd)) }
                    } }
                }
            }
            p class="downloads" {
                (tr(lang, "Tải về:", "Download:")) " "
                a href=(xlsx) download { "Excel (XLSX)" } " · "
                a href=(csv) download { "CSV (UTF-8)" }
            }
        }
    }
}

fn best_sellers(lang: Lang, r: &SalesReport) -> Markup {
    html! {
        section class="card" id="best-sellers" {
            h2 { (tr(lang, "Sản phẩm bán chạy", "Best sellers")) }
            @if r.best_sellers.is_empty() {
                p class="empty" { (tr(lang, "Chưa bán được sản phẩm nào trong kỳ.", "Nothing sold in the period.")) }
            } @else {
                ol class="best" {
                    @for b in &r.best_sellers {
                        li {
                            strong class="product" { (b.product) }
                            @if !b.producer_name.is_empty() { " · " span class="hint" { (b.producer_name) } }
                            br;
                            span class="revenue" { (format::vnd(b.revenue_vnd)) } " · "
                            (format::int(b.units)) " " (tr(lang, "sản phẩm", "units"))
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
