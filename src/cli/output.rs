//! Printing results: one JSON document with `--json`, text for people
//! otherwise, and progress indicators only when stdout is a terminal.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

pub struct Output {
    json: bool,
    terminal: bool,
}

impl Output {
    pub fn new(json: bool) -> Self {
        Output {
            json,
            terminal: std::io::stdout().is_terminal(),
        }
    }

    pub fn json(&self) -> bool {
        self.json
    }

    /// Prints `value` as JSON, or the text `human` renders.
    pub fn doc<T: Serialize + ?Sized>(&self, value: &T, human: impl FnOnce() -> String) {
        if self.json {
            match serde_json::to_string_pretty(value) {
                Ok(s) => println!("{s}"),
                Err(e) => eprintln!("kho: cannot render JSON: {e}"),
            }
        } else {
            let text = human();
            if text.ends_with('\n') {
                print!("{text}");
            } else {
                println!("{text}");
            }
        }
    }

    /// A spinner for long work, hidden unless a person is watching.
    pub fn spinner(&self, message: &str) -> ProgressBar {
        if !self.terminal || self.json {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new_spinner().with_message(message.to_owned());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(100));
        bar
    }
}

/// Whole đồng the Vietnamese way: `1.250.000 ₫`.
pub fn vnd(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    let sign = if amount < 0 { "-" } else { "" };
    format!("{sign}{out} ₫")
}

pub fn table(header: &[&str]) -> comfy_table::Table {
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::NOTHING)
        .set_content_arrangement(comfy_table::ContentArrangement::Disabled)
        .set_header(header.iter().copied());
    t
}

#[cfg(test)]
mod tests {
    #[test]
    fn vnd_groups_thousands_with_dots() {
        assert_eq!(super::vnd(1_250_000), "1.250.000 ₫");
        assert_eq!(super::vnd(85_000), "85.000 ₫");
        assert_eq!(super::vnd(0), "0 ₫");
        assert_eq!(super::vnd(-1000), "-1.000 ₫");
    }
}
