//! Checking a push's signature header against the value the adapter computed over the raw body.

use subtle::ConstantTimeEq;

use crate::error::WebhookError;

/// Compare the `Authorization` header with `expected` (lower-case hex) in constant time. Upper-case hex in
/// the header is tolerated: normalising the case does not weaken the comparison. An empty `expected` (the
/// signature could not be computed) never matches.
pub fn check_signature(expected: &str, authorization: Option<&str>) -> Result<(), WebhookError> {
    let given = authorization
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or(WebhookError::MissingSignature)?;
    if expected.is_empty() {
        return Err(WebhookError::BadSignature);
    }
    let given = given.to_ascii_lowercase();
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
    fn signatures_compare_case_insensitively_and_never_empty() {
        assert_eq!(check_signature("ab12", Some(" AB12 ")), Ok(()));
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
