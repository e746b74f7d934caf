//! The 30-day sales chart, drawn on the server as SVG: one line per
//! marketplace, a point with a tooltip (`<title>`) for each day with sales.
//! Colours come from the stylesheet by class, so the page needs neither
//! inline styles nor scripts (the Content-Security-Policy allows neither).

use chrono::NaiveDate;
use maud::{Markup, html};

use super::format;
use super::i18n::{Lang, Msg};

/// Revenue per day of one marketplace, one value per entry of the chart's
/// `days`.
pub struct Series {
    pub channel: String,
    pub revenue: Vec<i64>,
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 240.0;
/// Room for the amounts, also at the larger size phones get.
const LEFT: f64 = 80.0;
const RIGHT: f64 = 10.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 32.0;
const GRID_LINES: i64 = 4;

/// The CSS class that colours a marketplace (unknown ones share one colour).
pub fn channel_class(channel: &str) -> &'static str {
    match channel {
        "shopee" => "ch-shopee",
        "tiktok" => "ch-tiktok",
        "lazada" => "ch-lazada",
        "woocommerce" => "ch-woocommerce",
        _ => "ch-other",
    }
}

/// The smallest 1, 2 or 5 × 10ⁿ at or above `max`, so grid lines fall on
/// round amounts.
pub fn nice_ceiling(max: i64) -> i64 {
    if max <= 0 {
        return 1_000;
    }
    let mut step: i64 = 1;
    loop {
        for m in [1, 2, 5] {
            let candidate = step.saturating_mul(m);
            if candidate >= max {
                return candidate;
            }
        }
        if step > i64::MAX / 10 {
            return i64::MAX;
        }
        step *= 10;
    }
}

fn x_of(i: usize, n: usize) -> f64 {
    let span = WIDTH - LEFT - RIGHT;
    if n <= 1 {
        LEFT + span / 2.0
    } else {
        LEFT + span * i as f64 / (n - 1) as f64
    }
}

fn y_of(v: i64, top: i64) -> f64 {
    let span = HEIGHT - TOP - BOTTOM;
    HEIGHT - BOTTOM - span * (v as f64 / top as f64)
}

pub fn render(days: &[NaiveDate], series: &[Series], lang: Lang) -> Markup {
    let max = series
        .iter()
        .flat_map(|s| s.revenue.iter().copied())
        .max()
        .unwrap_or(0);
    let top = nice_ceiling(max);
    let n = days.len();
    html! {
        svg class="chart" viewBox={"0 0 " (WIDTH) " " (HEIGHT)} role="img"
            aria-label=(lang.t(Msg::ChartLabel)) xmlns="http://www.w3.org/2000/svg" {
            title { (lang.t(Msg::ChartLabel)) }
            @for g in 0..=GRID_LINES {
                @let value = top / GRID_LINES * g;
                @let y = y_of(value, top);
                line class="grid" x1=(LEFT) x2=(WIDTH - RIGHT) y1=(fmt1(y)) y2=(fmt1(y)) {}
                text class="axis" x=(LEFT - 6.0) y=(fmt1(y + 4.0)) text-anchor="end" {
                    (format::vnd_short(value, lang))
                }
            }
            @for (i, d) in days.iter().enumerate() {
                @if i % 7 == (n.saturating_sub(1)) % 7 {
                    // The last label ends at the last day, or it would
                    // run off the canvas.
                    text class="axis" x=(fmt1(x_of(i, n))) y=(HEIGHT - 8.0)
                        text-anchor=(if i + 1 == n { "end" } else { "middle" }) {
                        (format::day_month(*d))
                    }
                }
            }
            @for s in series {
                @let class = channel_class(&s.channel);
                polyline class={"line " (class)} fill="none" points=(points(&s.revenue, top)) {}
                @for (i, v) in s.revenue.iter().enumerate() {
                    @if *v > 0 {
                        circle class={"dot " (class)} cx=(fmt1(x_of(i, n))) cy=(fmt1(y_of(*v, top))) r="3" {
                            title {
                                (s.channel) " · " (days.get(i).map(|d| format::date(*d)).unwrap_or_default())
                                " · " (format::vnd(*v))
                            }
                        }
                    }
                }
            }
        }
        ul class="legend" {
            @for s in series {
                li {
                    span class={"swatch " (channel_class(&s.channel))} {}
                    (super::pages::names::channel(&s.channel)) ": " (format::vnd(s.revenue.iter().sum()))
                }
            }
        }
    }
}

fn points(values: &[i64], top: i64) -> String {
    let n = values.len();
    values
        .iter()
        .enumerate()
        .map(|(i, v)| format!("{},{}", fmt1(x_of(i, n)), fmt1(y_of(*v, top))))
        .collect::<Vec<_>>()
        .join(" ")
}

/// One decimal: enough for a 640-unit canvas, and keeps the markup small.
fn fmt1(v: f64) -> String {
    format!("{v:.1}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_are_round() {
        assert_eq!(nice_ceiling(0), 1_000);
        assert_eq!(nice_ceiling(1), 1);
        assert_eq!(nice_ceiling(3), 5);
        assert_eq!(nice_ceiling(170_000), 200_000);
        assert_eq!(nice_ceiling(500_000), 500_000);
        assert_eq!(nice_ceiling(501_000), 1_000_000);
        assert_eq!(nice_ceiling(i64::MAX), i64::MAX);
    }

    #[test]
    fn the_chart_draws_one_line_per_marketplace_within_its_box() {
        let days: Vec<NaiveDate> = (0..30)
            .map(|i| NaiveDate::from_ymd_opt(2026, 11, 1).unwrap() + chrono::Duration::days(i))
            .collect();
        let mut shopee = vec![0; 30];
        shopee[29] = 170_000;
        shopee[3] = 85_000;
        let series = [
            Series {
                channel: "shopee".into(),
                revenue: shopee,
            },
            Series {
                channel: "lazada".into(),
                revenue: vec![0; 30],
            },
        ];
        let svg = render(&days, &series, Lang::Vi).into_string();
        assert_eq!(svg.matches("<polyline").count(), 2);
        // A point per day with sales, with its figure in the tooltip.
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains("170.000 ₫"), "{svg}");
        assert!(svg.contains("30/11"));
        assert!(svg.contains("200 N"), "top grid line: {svg}");
        // Nothing is drawn outside the view box.
        for p in points(&series[0].revenue, 200_000).split(' ') {
            let (x, y) = p.split_once(',').unwrap();
            let (x, y): (f64, f64) = (x.parse().unwrap(), y.parse().unwrap());
            assert!((0.0..=WIDTH).contains(&x) && (0.0..=HEIGHT).contains(&y));
        }
        assert!(!svg.contains("style="), "the CSP forbids inline styles");
    }
}
