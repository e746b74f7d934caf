//! Text from outside (marketplaces, catalog files, users) made safe to
//! print on a terminal: used by the CLI and by every report that renders
//! text, so it sits below both.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Characters a terminal acts on or that change how the rest of the line
/// reads: C0 and C1 controls and DEL (`char::is_control`), the bidirectional
/// embedding, override, isolate and mark characters (they can reorder what
/// is shown after them) and the Unicode line and paragraph separators.
pub(crate) fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// Whether to colour a stream: only a terminal, and never when `NO_COLOR`
/// is set to anything but the empty string (<https://no-color.org>). Logs
/// piped to a file or a log shipper must not carry escape codes.
pub fn colour(is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    is_terminal && no_color.is_none_or(|v| v.is_empty())
}

/// `keep_newlines` leaves LF alone: the line breaks of a rendered layout.
fn escape(text: &str, keep_newlines: bool) -> Cow<'_, str> {
    let escaped = |c: char| is_unsafe(c) && !(keep_newlines && c == '\n');
    if !text.chars().any(escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if !escaped(c) {
            out.push(c);
            continue;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            _ => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
        }
    }
    Cow::Owned(out)
}

/// One value (a cell, or a name or message inside a line) for a terminal:
/// every control character shown escaped as Rust writes it (`\n`, `\r`,
/// `\t`, `\u{1b}`), so it can neither act on the terminal nor start a line
/// that looks like kho's own. Everything else, Vietnamese included, passes
/// unchanged.
pub fn esc(text: &str) -> Cow<'_, str> {
    escape(text, false)
}

/// A whole rendered text for a terminal: like [`esc`] but keeping the line
/// breaks, which at this point are the layout's.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    escape(text, true)
}

/// A JSON document for a terminal. serde_json escapes C0 controls but writes
/// DEL, C1 controls (U+009B is a CSI to some terminals) and bidirectional
/// controls as they are; those can only occur inside strings, where `\uXXXX`
/// means the same character, so the document keeps its value.
pub fn json_for_terminal(json: &str) -> Cow<'_, str> {
    let escaped = |c: char| is_unsafe(c) && !c.is_ascii_whitespace();
    if !json.chars().any(escaped) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if escaped(c) {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{u:04x}");
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::colour;
    use std::ffi::OsStr;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(colour(true, None));
        assert!(colour(true, Some(OsStr::new(""))));
        assert!(!colour(true, Some(OsStr::new("1"))));
        assert!(!colour(false, None));
        assert!(!colour(false, Some(OsStr::new(""))));
    }
}
