//! Reading the page tokens adapters hand out. A token is opaque to the core, but two kinds recur: a plain
//! offset (Shopee and Lazada product lists) and the marketplace's own cursor passed back verbatim (TikTok).

use crate::error::ErrorKind;
use crate::paging::PageToken;

/// The offset an offset-paged list resumes from: 0 for the first page. A token that is not a non-negative
/// whole number did not come from this adapter and is refused.
pub fn offset(page: Option<&PageToken>) -> Result<i64, ErrorKind> {
    match page {
        None => Ok(0),
        Some(PageToken(t)) => t.parse().ok().filter(|o: &i64| *o >= 0).ok_or_else(|| {
            ErrorKind::invalid_request("bad_page_token", format!("not an offset: {t:?}"))
        }),
    }
}

/// The marketplace cursor a page token carries; `""` (no cursor) for the first page.
pub fn cursor(page: Option<&PageToken>) -> &str {
    page.map_or("", |p| p.0.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_cursors() {
        assert_eq!(offset(None), Ok(0));
        assert_eq!(offset(Some(&PageToken("100".into()))), Ok(100));
        for bad in ["-5", "x", ""] {
            assert!(
                matches!(offset(Some(&PageToken(bad.into()))), Err(ErrorKind::Permanent { ref code, .. }) if code == "kho.bad_page_token"),
                "{bad}"
            );
        }
        assert_eq!(cursor(None), "");
        assert_eq!(cursor(Some(&PageToken("abc".into()))), "abc");
    }
}
