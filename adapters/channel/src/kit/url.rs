//! Addressing a marketplace call: the endpoint path is appended to the configured base URL rather than
//! resolved against it (`Url::join`), so a base with a path prefix keeps it — Lazada's `/rest` gateway, a
//! simulator mounted under a prefix, TikTok's auth host given as `…/api/v2`.

use url::Url;

use crate::error::ErrorKind;

/// `base` followed by `path` (which starts with `/`), with no doubled slash. A result that is not a URL
/// is a configuration mistake, refused before any call (`bad_base_url`).
pub fn endpoint_url(base: &Url, path: &str) -> Result<Url, ErrorKind> {
    let joined = format!("{}{}", base.as_str().trim_end_matches('/'), path);
    Url::parse(&joined).map_err(|e| ErrorKind::invalid_request("bad_base_url", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_is_appended_keeping_the_base_prefix() {
        let url = |base: &str, path| endpoint_url(&Url::parse(base).unwrap(), path).unwrap();
        assert_eq!(
            url("https://api.lazada.vn/rest", "/order/get").as_str(),
            "https://api.lazada.vn/rest/order/get"
        );
        assert_eq!(
            url("https://auth.lazada.com/rest/", "/auth/token/create").as_str(),
            "https://auth.lazada.com/rest/auth/token/create"
        );
        assert_eq!(
            url("http://127.0.0.1:9001", "/api/v2/shop/get").as_str(),
            "http://127.0.0.1:9001/api/v2/shop/get"
        );
    }

    #[test]
    fn a_path_that_breaks_the_url_is_a_bad_base_url() {
        let base = Url::parse("http://127.0.0.1:9001").unwrap();
        match endpoint_url(&base, ":x") {
            Err(ErrorKind::Permanent { code, .. }) => assert_eq!(code, "kho.bad_base_url"),
            other => panic!("{other:?}"),
        }
    }
}
