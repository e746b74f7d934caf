//! The stylesheet's text colours against their backgrounds: every pair a
//! page uses keeps a contrast ratio of at least 4.5:1 (WCAG AA for normal
//! text), so a colour change that makes a badge or a hint hard to read on a
//! phone in the sun fails here.

use std::collections::HashMap;

/// The custom properties of `:root` (`--name: #rrggbb`).
fn palette(css: &str) -> HashMap<String, String> {
    let root = css
        .split_once(":root {")
        .and_then(|(_, rest)| rest.split_once('}'))
        .map_or("", |(body, _)| body);
    root.split(';')
        .filter_map(|decl| decl.trim().split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

fn luminance(hex: &str) -> f64 {
    let short = hex.trim_start_matches('#');
    // `#fff` is `#ffffff`.
    let hex: String = if short.len() == 3 {
        short.chars().flat_map(|c| [c, c]).collect()
    } else {
        short.to_owned()
    };
    let channel = |i: usize| {
        let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0)) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)
}

fn ratio(a: &str, b: &str) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[test]
fn text_keeps_a_contrast_of_four_and_a_half_to_one() {
    let p = palette(super::STYLESHEET);
    let c = |name: &str| -> String {
        match name.strip_prefix("--") {
            Some(_) => p.get(name).cloned().unwrap_or_else(|| panic!("no {name}")),
            None => name.to_owned(),
        }
    };
    for (fg, bg) in [
        ("--ink", "--bg"),
        ("--ink", "--card"),
        ("--muted", "--card"),
        ("--muted", "--bg"),
        ("--brand", "--card"),
        ("#ffffff", "--brand"),
        ("--ok", "--ok-bg"),
        ("--warn", "--warn-bg"),
        ("--bad", "--bad-bg"),
        ("--bad", "--card"),
        ("--ink", "--warn-bg"),
        ("--ink", "--bad-bg"),
        ("--muted", "#eef1ef"),
    ] {
        let r = ratio(&c(fg), &c(bg));
        assert!(r >= 4.5, "{fg} on {bg}: {r:.2}:1");
    }
    assert!((ratio("#000000", "#ffffff") - 21.0).abs() < 1e-9);
}
