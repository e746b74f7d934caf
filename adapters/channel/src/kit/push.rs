//! Checking a push's signature header against the value the adapter computed over the raw body.

use subtle::ConstantTimeEq;

use crate::error::WebhookError;

/// Compare a signature header with `expected` byte for byte, in constant time — right for base64
/// (WooCommerce), where case carries information. Surrounding whitespace is ignored. An empty `expected`
/// (the signature could not be computed) never matches.
pub fn check_signature(expected: &str, header: Option<&str>) -> Result<(), WebhookError> {
    compare(expected, given(header)?)
}

/// [`check_signature`] for a lower-case hex `expected`: upper-case hex in the header is tolerated, since
/// normalising the case of hex does not weaken the comparison (Shopee, TikTok, Lazada).
pub fn check_hex_signature(expected: &str, header: Option<&str>) -> Result<(), WebhookError> {
    compare(expected, &given(header)?.to_ascii_lowercase())
}

fn given(header: Option<&str>) -> Result<&str, WebhookError> {
    header
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or(WebhookError::MissingSignature)
}

fn compare(expected: &str, given: &str) -> Result<(), WebhookError> {
    if expected.is_empty() {
        return Err(WebhookError::BadSignature);
    }
    if bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
        Ok(())
    } else {
        Err(WebhookError::BadSignature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_signatures_compare_exactly() {
        assert_eq!(check_signature("aB+/=", Some(" aB+/= ")), Ok(()));
        assert_eq!(
            check_signature("aB+/=", Some("ab+/=")),
            Err(WebhookError::BadSignature)
        );
    }

    #[test]
    fn hex_signatures_compare_case_insensitively_and_never_empty() {
        assert_eq!(check_hex_signature("ab12", Some(" AB12 ")), Ok(()));
        assert_eq!(
            check_signature("ab12", Some("ab13")),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            check_signature("ab12", None),
            Err(WebhookError::MissingSignature)
        );
        assert_eq!(
            check_signature("", Some("")),
            Err(WebhookError::MissingSignature)
        );
        assert_eq!(
            check_signature("", Some("x")),
            Err(WebhookError::BadSignature)
        );
    }
}
