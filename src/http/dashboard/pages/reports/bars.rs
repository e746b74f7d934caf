//! The report's chart: a horizontal bar per group, this period over the
//! previous one, drawn on the server as SVG. The canvas is phone-sized
//! (360 units wide) and the stylesheet caps its width, so a 13-unit label
//! stays about 13 px on a phone and never shrinks to unreadable.

use maud::{Markup, html};

use super::{row_name, tr};
use crate::http::dashboard::format;
use crate::http::dashboard::i18n::Lang;
use crate::orders::report::GroupBy;
use crate::reports::SalesReport;

pub const WIDTH: f64 = 360.0;
const ROW: f64 = 44.0;
const FONT: f64 = 13.0;
/// Groups drawn: the biggest by revenue (days: the whole period, in order).
const MAX_BARS: usize = 12;
const NOW_FILL: &str = "#0b6e4f";
const BEFORE_FILL: &str = "#8a96a3";

pub fn render(lang: Lang, by: GroupBy, r: &SalesReport) -> Markup {
    let mut rows: Vec<_> = r.rows.iter().collect();
    if by != GroupBy::Day {
        rows.sort_by(|a, b| b.revenue_vnd.cmp(&a.revenue_vnd).then(a.key.cmp(&b.key)));
        rows.truncate(MAX_BARS);
    }
    let max = rows
        .iter()
        .map(|r| r.revenue_vnd.max(r.previous_revenue_vnd))
        .max()
        .unwrap_or(0)
        .max(1);
    let height = ROW * rows.len() as f64 + 4.0;
    let span = WIDTH - 4.0;
    let w = |v: i64| {
        format!(
            "{:.1}",
            (span * v as f64 / max as f64).max(if v > 0 { 1.0 } else { 0.0 })
        )
    };
    let title = tr(
        lang,
        "Doanh thu kỳ này và kỳ trước",
        "Revenue, this period and the previous one",
    );
    html! {
        figure class="bars" {
            svg class="bars" viewBox={"0 0 " (WIDTH) " " (height)} width="100%" role="img"
                aria-label=(title) xmlns="http://www.w3.org/2000/svg" {
                title { (title) }
                @for (i, row) in rows.iter().enumerate() {
                    @let y = ROW * i as f64;
                    g data-key=(row.key) {
                        text x="0" y=(format!("{:.1}", y + FONT)) font-size=(FONT) fill="#1d2733" {
                            (row_name(lang, by, row)) " · " (format::vnd(row.revenue_vnd))
                        }
                        rect class="now" x="0" y=(format!("{:.1}", y + FONT + 5.0)) height="11" width=(w(row.revenue_vnd)) fill=(NOW_FILL) {
                            title { (format::vnd(row.revenue_vnd)) }
                        }
                        rect class="before" x="0" y=(format!("{:.1}", y + FONT + 18.0)) height="6" width=(w(row.previous_revenue_vnd)) fill=(BEFORE_FILL) {
                            title { (tr(lang, "Kỳ trước: ", "Previous period: ")) (format::vnd(row.previous_revenue_vnd)) }
                        }
                    }
                }
            }
            figcaption class="legend" {
                svg width="14" height="10" aria-hidden="true" { rect width="14" height="10" fill=(NOW_FILL) {} }
                " " (tr(lang, "Kỳ này", "This period")) " "
                svg width="14" height="10" aria-hidden="true" { rect y="2" width="14" height="6" fill=(BEFORE_FILL) {} }
                " " (tr(lang, "Kỳ trước", "Previous period"))
            }
        }
    }
}
