//! The seller's authorisation step every marketplace has: its page, after a
//! test seller "agrees", sends the browser back to the app's redirect URL
//! with a single-use code. The page itself is the marketplace's; only the
//! redirect and the refusal are shared.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A `302 Found` to `redirect` with `params` appended to whatever query it
/// already has (an app may carry its own parameters there), or a refusal
/// when `redirect` is not an absolute http(s) URL.
pub(crate) fn redirect_with(redirect: &str, params: &[(&str, &str)]) -> Response {
    let mut url = match url::Url::parse(redirect) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => u,
        _ => return refuse("the redirect URL is not an absolute http(s) URL"),
    };
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in params {
            q.append_pair(k, v);
        }
    }
    (
        StatusCode::FOUND,
        [(header::LOCATION, url.as_str().to_owned())],
    )
        .into_response()
}

/// The authorisation page refusing the request, as a plain page: a seller
/// sees it in a browser, so there is no JSON envelope.
pub(crate) fn refuse(why: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("authorisation refused: {why}\n"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_redirects_own_query_and_refuses_relative_urls() {
        let r = redirect_with(
            "http://kho.test/cb?state=s1",
            &[("code", "c"), ("shop_id", "7")],
        );
        assert_eq!(r.status(), StatusCode::FOUND);
        let to = r.headers()[header::LOCATION].to_str().unwrap().to_owned();
        assert_eq!(to, "http://kho.test/cb?state=s1&code=c&shop_id=7");
        assert_eq!(redirect_with("/cb", &[]).status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            redirect_with("javascript:alert(1)", &[]).status(),
            StatusCode::BAD_REQUEST
        );
    }
}
