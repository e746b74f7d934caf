//! Printing results: one JSON document with `--json`, text for people
//! otherwise, and progress indicators only when stdout is a terminal.
//!
//! Names, reasons, buyer notes and marketplace messages are stored exactly
//! as given, but a terminal obeys the control characters in them (clear the
//! screen, retitle the window, move the cursor back over a line), so every
//! text a command prints passes through here: [`Output::doc`] escapes every
//! control character but the line breaks of the layout, table cells escape
//! line breaks too (a cell cannot add a row), and [`esc`] does the same for a
//! value printed inside a free-text line. README: "Text output and hostile
//! text".

use std::borrow::Cow;
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

pub use crate::terminal::{esc, for_terminal, json_for_terminal};

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

    /// Prints `value` as JSON, or the text `human` renders, escaped for a
    /// terminal (the one place every command's text goes through).
    pub fn doc<T: Serialize + ?Sized>(&self, value: &T, human: impl FnOnce() -> String) {
        if self.json {
            match serde_json::to_string_pretty(value) {
                Ok(s) => println!("{}", json_for_terminal(&s)),
                Err(e) => eprintln!("kho: cannot render JSON: {e}"),
            }
        } else {
            let human = human();
            let text = for_terminal(&human);
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

/// A text cell of a CSV report meant for spreadsheets: a cell starting with
/// `=`, `+`, `-`, `@`, a tab or a CR is a formula to Excel and LibreOffice
/// (`=HYPERLINK(…)` in a product name would run when the report is opened),
/// so it gets a leading `'`, which spreadsheets read as "this is text".
pub fn spreadsheet_text(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// A table whose cells are escaped with [`esc`] as they are added: a line
/// break in a value cannot draw a row of its own.
pub struct Table(comfy_table::Table);

impl Table {
    pub fn add_row<I, S>(&mut self, cells: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.0
            .add_row(cells.into_iter().map(|c| esc(c.as_ref()).into_owned()));
        self
    }
}

impl std::fmt::Display for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

pub fn table(header: &[&str]) -> Table {
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::NOTHING)
        .set_content_arrangement(comfy_table::ContentArrangement::Disabled)
        .set_header(header.iter().copied());
    Table(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terminal::is_unsafe;

    #[test]
    fn vietnamese_text_passes_unchanged() {
        for text in [
            "Na Chi Lăng – Hồng Bảo Lâm",
            "Quýt Bắc Sơn, Thạch đen Tràng Định: 1.250.000 ₫ ★★★★",
            "HTX Nông sản Đồng Đăng \\ \"quoted\" 'single' 🍊",
        ] {
            assert!(matches!(esc(text), Cow::Borrowed(_)), "{text}");
            assert!(matches!(for_terminal(text), Cow::Borrowed(_)), "{text}");
            assert!(
                matches!(json_for_terminal(text), Cow::Borrowed(_)),
                "{text}"
            );
        }
    }

    #[test]
    fn control_characters_are_shown_escaped() {
        let hostile = "Na\u{1b}[2J\u{1b}]0;pwned\u{7}ok\r\nNA-1KG  999\tx\u{7f}\u{9b}31m\u{0}";
        let shown = esc(hostile);
        assert_eq!(
            shown,
            "Na\\u{1b}[2J\\u{1b}]0;pwned\\u{7}ok\\r\\nNA-1KG  999\\tx\\u{7f}\\u{9b}31m\\u{0}"
        );
        assert!(!shown.chars().any(char::is_control), "{shown}");
    }

    #[test]
    fn bidirectional_controls_and_line_separators_are_escaped() {
        assert_eq!(
            esc("abc\u{202e}fed\u{2066}x\u{2069}\u{2028}"),
            "abc\\u{202e}fed\\u{2066}x\\u{2069}\\u{2028}"
        );
    }

    #[test]
    fn a_rendered_text_keeps_its_line_breaks_only() {
        assert_eq!(
            for_terminal("line one\nline \u{1b}[2Jtwo\r\n"),
            "line one\nline \\u{1b}[2Jtwo\\r\n"
        );
    }

    #[test]
    fn a_table_cell_cannot_add_a_row() {
        let mut t = table(&["SKU", "REASON"]);
        t.add_row(["NA-1KG", "count\nNA-2KG  fake row"]);
        let text = t.to_string();
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(text.contains("count\\nNA-2KG  fake row"), "{text}");
    }

    #[test]
    fn json_stays_json_with_the_same_value() {
        let value = serde_json::json!({
            "reason": "a\u{1b}[2J\u{7}\r\n\u{9b}\u{202e}\u{7f}",
            "name": "Na Chi Lăng – Hồng Bảo Lâm",
        });
        let text = serde_json::to_string_pretty(&value).unwrap();
        let shown = json_for_terminal(&text);
        assert!(!shown.chars().any(|c| is_unsafe(c) && c != '\n'), "{shown}");
        let back: serde_json::Value = serde_json::from_str(&shown).unwrap();
        assert_eq!(back, value);
        assert!(shown.contains("Na Chi Lăng – Hồng Bảo Lâm"), "{shown}");
    }

    #[test]
    fn spreadsheet_formulas_become_text() {
        assert_eq!(spreadsheet_text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_text("+1"), "'+1");
        assert_eq!(spreadsheet_text("-2+3"), "'-2+3");
        assert_eq!(spreadsheet_text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_text("Na Chi Lăng"), "Na Chi Lăng");
        assert_eq!(spreadsheet_text(""), "");
    }

    #[test]
    fn vnd_groups_thousands_with_dots() {
        assert_eq!(super::vnd(1_250_000), "1.250.000 ₫");
        assert_eq!(super::vnd(85_000), "85.000 ₫");
        assert_eq!(super::vnd(0), "0 ₫");
        assert_eq!(super::vnd(-1000), "-1.000 ₫");
    }
}
