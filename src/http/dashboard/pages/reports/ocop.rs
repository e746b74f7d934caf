//! The OCOP register on the reports page: where the stored register came
//! from, the department's upload form, every difference with the catalog,
//! and the month's sales for the department's own system.

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::catalog::Problems;
use crate::reports::ocop::{Difference, DifferenceKind};

fn kind_label(lang: Lang, k: DifferenceKind) -> &'static str {
    match k {
        DifferenceKind::UnknownToRegister => tr(
            lang,
            "Gắn sao OCOP nhưng sổ OCOP không có chứng nhận",
            "Claims OCOP stars the register has no certificate for",
        ),
        DifferenceKind::Lapsed => tr(
            lang,
            "Gắn sao OCOP nhưng chứng nhận đã hết hạn",
            "Claims OCOP stars but the certificate has lapsed",
        ),
        DifferenceKind::StarsDiffer => tr(
            lang,
            "Số sao khác sổ OCOP",
            "Stars differ from the register",
        ),
        DifferenceKind::ExpiryDiffers => tr(
            lang,
            "Ngày hết hạn khác sổ OCOP",
            "Expiry differs from the register",
        ),
        DifferenceKind::NotSoldOnline => tr(
            lang,
            "Sản phẩm OCOP chưa bán trên sàn nào",
            "OCOP product not sold on any marketplace",
        ),
        DifferenceKind::NotInKho => tr(
            lang,
            "Sản phẩm OCOP chưa có trong kho",
            "OCOP product not in kho",
        ),
    }
}

fn kind_class(k: DifferenceKind) -> &'static str {
    match k {
        DifferenceKind::UnknownToRegister | DifferenceKind::Lapsed => "bad",
        _ => "warn",
    }
}

fn side(lang: Lang, stars: Option<i64>, expires: Option<NaiveDate>) -> String {
    let stars = match stars {
        Some(s) => format!("{s} {}", tr(lang, "sao", "stars")),
        None => tr(lang, "không sao", "no stars").to_owned(),
    };
    match expires {
        Some(d) => format!(
            "{stars}, {} {}",
            tr(lang, "hết hạn", "expires"),
            format::date(d)
        ),
        None => stars,
    }
}

fn difference(lang: Lang, d: &Difference) -> Markup {
    html! {
        li data-kind=(d.kind.as_str()) data-product=[d.product_code.as_deref()] {
            span class={"badge " (kind_class(d.kind))} { (kind_label(lang, d.kind)) }
            br;
            strong { (d.product_name) } " · " (d.producer_name)
            @if let Some(c) = &d.cert_no { " · " (tr(lang, "số chứng nhận", "certificate")) " " (c) }
            br;
            small class="hint" {
                (tr(lang, "Sổ OCOP", "Register")) ": "
                @if d.register_line.is_some() { (side(lang, d.register_stars, d.register_expires)) } @else { "—" }
                " · kho: "
                @if d.product_code.is_some() {
                    (side(lang, d.kho_stars, d.kho_expires)) ", "
                    (format::int(d.listings)) " " (tr(lang, "tin đăng", "listing(s)"))
                } @else { "—" }
            }
        }
    }
}

/// The result of an upload, shown above the report.
pub fn notice(lang: Lang, file: &str, outcome: &Result<(usize, bool), Problems>) -> Markup {
    html! {
        section class="card" id="import-result" {
            @match outcome {
                Ok((n, true)) => p class="good" {
                    (file) ": " (format::int(*n as i64)) " " (tr(lang, "chứng nhận hợp lệ; chưa lưu (chạy thử).", "valid certificate(s); nothing stored (dry run)."))
                },
                Ok((n, false)) => p class="good" {
                    (file) ": " (tr(lang, "đã thay sổ OCOP bằng", "replaced the OCOP register with")) " " (format::int(*n as i64)) " " (tr(lang, "chứng nhận.", "certificate(s)."))
                },
                Err(p) => {
                    p class="alert" { (file) ": " (p.count_text()) "; " (tr(lang, "sổ OCOP không thay đổi.", "the register was not changed.")) }
                    ul class="problems" {
                        @for e in p { li { (e.to_string()) } }
                    }
                },
            }
        }
    }
}

pub async fn section(ctx: &Ctx, store: &Store, scope: Option<&str>) -> Result<Markup, PageError> {
    let lang = ctx.lang;
    let register = store.ocop_register().await?;
    let diffs = match &register {
        None => Vec::new(),
        Some((_, entries)) => {
            let all =
                crate::reports::ocop::compare(entries, &store.catalog_ocop().await?, ctx.today());
            match scope {
                None => all,
                Some(code) => {
                    let name = store
                        .producers()
                        .await?
                        .into_iter()
                        .find(|p| p.code == code)
                        .map(|p| p.name)
                        .unwrap_or_default();
                    crate::reports::ocop::compare::of_producer(all, code, &name)
                }
            }
        }
    };
    let month = ctx.today().format("%Y-%m").to_string();
    Ok(html! {
        section class="card" id="ocop" {
            h2 { (tr(lang, "Sổ OCOP của tỉnh", "The province's OCOP register")) }
            @match &register {
                None => p class="empty" { (tr(lang, "Chưa nhập sổ OCOP nào.", "No OCOP register imported yet.")) },
                Some((source, _)) => p class="source" {
                    (source.file_name) " · " (format::int(source.entries)) " " (tr(lang, "chứng nhận", "certificate(s)"))
                    " · " (tr(lang, "nhập lúc", "imported")) " " (format::datetime(source.imported_at, ctx.tz)) " (" (ctx.tz.name()) ")"
                    " · " (source.imported_by)
                },
            }
            @if ctx.viewer.producer.is_none() {
                form class="filter" method="post" action="/reports/ocop-register" enctype="multipart/form-data" {
                    label { (tr(lang, "Tệp danh sách chứng nhận (CSV hoặc XLSX)", "Certificate list (CSV or XLSX)")) " "
                        input type="file" name="file" accept=".csv,.xlsx" required; }
                    label { input type="checkbox" name="dry_run" value="1"; " " (tr(lang, "Chỉ kiểm tra", "Check only")) }
                    button type="submit" { (tr(lang, "Nhập sổ OCOP", "Import register")) }
                }
            }
            @if register.is_some() {
                h3 { (tr(lang, "Khác biệt với danh mục của kho", "Differences with kho's catalog")) " (" (diffs.len()) ")" }
                @if diffs.is_empty() {
                    p class="good" { (tr(lang, "Không có khác biệt.", "No differences.")) }
                } @else {
                    ul class="attention differences" {
                        @for d in &diffs { (difference(lang, d)) }
                    }
                }
            }
            h3 { (tr(lang, "Doanh số tháng cho hệ thống OCOP", "Monthly sales for the OCOP system")) }
            form class="filter" method="get" action="/reports/ocop-sales" {
                label { (tr(lang, "Tháng", "Month")) " " input type="month" name="month" value=(month) required; }
                button type="submit" name="format" value="xlsx" { "XLSX" }
                button type="submit" name="format" value="csv" { "CSV" }
            }
        }
    })
}
