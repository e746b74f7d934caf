//! One TikTok API call as the kit's [`kit::Call`]: where things go (docs/src/channels/tiktok.md §3.2), signing with a fresh
//! timestamp on every attempt (§3.3), and classification (§4).
//!
//! A `Request` is built once per operation, with its JSON body **serialised once** into bytes; every
//! attempt (transport retries, the repeat after a token refresh) signs and sends that same buffer.

use std::borrow::Cow;

use kho_channel::ErrorKind;
use kho_channel::kit::url::endpoint_url;
use kho_channel::kit::{self, Built, ImageFile, Signing};
use reqwest::Method;
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use url::Url;

use crate::auth::TikTokGrant;
use crate::classify::Shape;
use crate::sign::sign;

/// The access-token header (the token is never in the query and never signed).
pub const ACCESS_TOKEN_HEADER: &str = "x-tts-access-token";

/// What every call needs to be addressed and signed: the app's key and secret, the Open API host and the
/// auth host.
pub(crate) use kho_channel::kit::AppCredentials as Credentials;

/// Whether `shop_cipher` goes on this path: required on shop endpoints, rejected (36009004) on the
/// others — `/authorization/*`, `/seller/*`, `/product/{v}/global_products*`, `/product/{v}/images/upload`,
/// `/product/{v}/files/upload`, `/product/{v}/compliance*` and `POST /product/{v}/brands` (docs/src/channels/tiktok.md §3.2,
/// ECOMPHP's list). Decided here, from the path, so no call site can get it wrong.
pub fn is_shop_scoped(method: &Method, path: &str) -> bool {
    let mut parts = path.trim_start_matches('/').split('/');
    let (module, _version, rest) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    match module {
        "authorization" | "seller" => false,
        "product" => {
            let resource_exact = parts.next().is_none();
            !(rest.starts_with("global_products")
                || rest.starts_with("compliance")
                || ((rest == "images" || rest == "files") && !resource_exact)
                || (rest == "brands" && resource_exact && method == Method::POST))
        }
        _ => true,
    }
}

/// A request body.
#[derive(Clone)]
pub(crate) enum Body {
    None,
    /// JSON, already serialised: these exact bytes are signed and sent.
    Json(Vec<u8>),
    /// Image upload: multipart `data` (file) + `use_case`; not signed.
    Image {
        file: ImageFile,
        use_case: &'static str,
    },
}

/// One API operation, independent of the token and timestamp of any attempt.
#[derive(Clone)]
pub(crate) struct Request {
    pub method: Method,
    /// Low-cardinality name for logs and metrics (the path with `{placeholders}`).
    pub endpoint: &'static str,
    /// The concrete path.
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub body: Body,
}

impl Request {
    pub fn new(method: Method, endpoint: &'static str) -> Self {
        Self {
            method,
            endpoint,
            path: endpoint.to_owned(),
            query: Vec::new(),
            body: Body::None,
        }
    }

    /// The concrete path when it differs from the endpoint template (ids inside).
    pub fn path(mut self, path: String) -> Self {
        self.path = path;
        self
    }

    pub fn query(mut self, key: &'static str, value: impl ToString) -> Self {
        self.query.push((key, value.to_string()));
        self
    }

    /// Serialise the body once. Fails only for types that cannot be JSON (never for ours).
    pub fn json(mut self, body: &impl Serialize) -> Result<Self, ErrorKind> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| ErrorKind::invalid_request("unserialisable_body", e.to_string()))?;
        self.body = Body::Json(bytes);
        Ok(self)
    }

    pub fn body(mut self, body: Body) -> Self {
        self.body = body;
        self
    }
}

/// One TikTok call: the kit's [`kit::Call`] with TikTok's signing. With the shop's token it is an Open API
/// call: signed, token header, `shop_cipher` on shop endpoints. Without, it goes to the auth host: unsigned,
/// `app_secret` in the query (docs/src/channels/tiktok.md §2), so its answer is treated as sensitive and no
/// URL is ever formatted into an error (the transport guarantees that).
pub(crate) type Call<'a, T> = kit::Call<'a, TikTokGrant, T>;

impl Request {
    /// The Open API call for one attempt. `shop_cipher` is sent only when given (the caller passes it
    /// exactly for [`is_shop_scoped`] paths).
    pub fn api_call<'a, T>(
        &self,
        creds: &'a Credentials,
        shop_cipher: Option<&str>,
        access_token: SecretString,
    ) -> Call<'a, T> {
        let call = Call::with_token(creds, self.method.clone(), self.endpoint, access_token);
        self.onto(match shop_cipher {
            Some(cipher) => call.param("shop_cipher", cipher),
            None => call,
        })
    }

    /// The token call on the auth host.
    pub fn auth_call<'a, T>(&self, creds: &'a Credentials) -> Call<'a, T> {
        self.onto(Call::without_token(
            creds,
            self.method.clone(),
            self.endpoint,
            Shape::Token,
        ))
    }

    /// This request's path, query and body on `call`; the body's bytes are the ones serialised once.
    fn onto<'a, T>(&self, call: Call<'a, T>) -> Call<'a, T> {
        let call = self
            .query
            .iter()
            .fold(call.at(self.path.clone()), |call, (k, v)| call.param(k, v));
        match &self.body {
            Body::None => call,
            Body::Json(bytes) => call.json_bytes(bytes.clone()),
            Body::Image { file, use_case } => call.file(
                "data",
                file.clone(),
                vec![("use_case", (*use_case).to_owned())],
            ),
        }
    }
}

/// The JSON bytes a call signs and sends.
fn json_body(body: &kit::Body) -> Result<Option<Cow<'_, [u8]>>, ErrorKind> {
    match body {
        kit::Body::JsonBytes(bytes) => Ok(Some(Cow::Borrowed(bytes))),
        kit::Body::Json(value) => serde_json::to_vec(value)
            .map(|bytes| Some(Cow::Owned(bytes)))
            .map_err(|e| ErrorKind::invalid_request("unserialisable_body", e.to_string())),
        kit::Body::None | kit::Body::File { .. } => Ok(None),
    }
}

/// The full URL, signed at `timestamp` (Open API) or with the auth parameters (auth host).
pub(crate) fn signed_url<T>(call: &Call<'_, T>, timestamp: i64) -> Result<Url, ErrorKind> {
    let creds = call.creds;
    let auth = call.access_token.is_none();
    let mut params: Vec<(&str, String)> = Vec::with_capacity(call.params.len() + 3);
    params.push(("app_key", creds.app_key.clone()));
    let base = if auth {
        params.push(("app_secret", creds.app_secret.expose_secret().to_owned()));
        &creds.auth_url
    } else {
        params.push(("timestamp", timestamp.to_string()));
        &creds.base_url
    };
    params.extend(call.params.iter().map(|(k, v)| (*k, v.clone())));
    // Empty values are neither sent nor signed (SKIT's interceptor; trap 11).
    params.retain(|(_, v)| !v.is_empty());
    // An auth URL given as `…/api/v2` (SKIT's sandbox host) already holds the paths' prefix.
    let path = if auth && base.as_str().trim_end_matches('/').ends_with("/api/v2") {
        call.path().trim_start_matches("/api/v2")
    } else {
        call.path()
    };
    let mut url = endpoint_url(base, path)?;
    let signature = match auth {
        true => None,
        false => Some(sign(
            &creds.app_secret,
            call.path(),
            params.iter().map(|(k, v)| (*k, v.as_str())),
            json_body(&call.body)?.as_deref(),
        )),
    };
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in &params {
            q.append_pair(k, v);
        }
        if let Some(s) = &signature {
            q.append_pair("sign", s);
        }
    }
    Ok(url)
}

impl Signing for TikTokGrant {
    type Credentials = Credentials;
    type Shape = Shape;

    fn build<T>(call: &Call<'_, T>, client: &reqwest::Client) -> Built {
        let mut request =
            call.request_to(client, signed_url(call, chrono::Utc::now().timestamp())?);
        if let Some(token) = &call.access_token {
            let mut value = HeaderValue::from_str(token.expose_secret()).map_err(|_| {
                ErrorKind::ReauthRequired {
                    code: "kho.bad_access_token".into(),
                    message: "the stored access token is not a valid header value".into(),
                }
            })?;
            value.set_sensitive(true);
            request = request.header(ACCESS_TOKEN_HEADER, value);
        }
        // SKIT sets the JSON content type on GET too ("GET requests also need the Content-Type header").
        if let kit::Body::None = call.body {
            request = request.header(CONTENT_TYPE, "application/json");
        }
        call.body_onto(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PRODUCTION;
    use kho_channel::test_support::app_credentials;
    use std::collections::HashMap;

    /// The app key and secret of TikTok's published signing examples, on the production hosts.
    fn creds() -> Credentials {
        let hosts = [PRODUCTION.base_url, PRODUCTION.auth_url];
        app_credentials("68xu9ks5p4i8", "e59af819cc", hosts)
    }

    fn query(url: &Url) -> HashMap<String, String> {
        url.query_pairs().into_owned().collect()
    }

    #[test]
    fn shop_cipher_scope_follows_the_documented_exclusions() {
        let get = Method::GET;
        let post = Method::POST;
        for (m, p) in [
            (&get, "/authorization/202309/shops"),
            (&get, "/seller/202309/shops"),
            (&post, "/product/202309/images/upload"),
            (&post, "/product/202309/files/upload"),
            (&get, "/product/202309/global_products/123"),
            (&post, "/product/202309/global_products/search"),
            (&get, "/product/202309/compliance/manufacturers"),
            (&post, "/product/202309/brands"),
        ] {
            assert!(!is_shop_scoped(m, p), "{m} {p}");
        }
        for (m, p) in [
            (&get, "/product/202309/brands"),
            (&post, "/product/202309/products"),
            (&post, "/product/202309/products/search"),
            (&get, "/product/202309/products/1729592969712207008"),
            (&post, "/product/202309/products/1/inventory/update"),
            (&post, "/product/202309/products/1/prices/update"),
            (&post, "/product/202309/products/activate"),
            (&get, "/product/202309/categories"),
            (&get, "/logistics/202309/warehouses"),
            (&post, "/order/202309/orders/search"),
            (&get, "/order/202309/orders"),
            (&post, "/return_refund/202309/returns/search"),
            (&get, "/event/202309/webhooks"),
        ] {
            assert!(is_shop_scoped(m, p), "{m} {p}");
        }
    }

    #[test]
    fn api_url_is_signed_and_carries_no_token() {
        let creds = creds();
        // Vector C4 (docs/src/channels/tiktok.md §3.4), assembled through the request path.
        let request = Request::new(Method::POST, "/order/202309/orders/search")
            .query("page_size", 100)
            .query("sort_field", "update_time")
            .query("sort_order", "ASC")
            .query("page_token", "")
            .body(Body::Json(
                br#"{"update_time_ge":1696900000,"update_time_lt":1696909648}"#.to_vec(),
            ));
        let call: Call<'_, serde_json::Value> = request.api_call(
            &creds,
            Some("ROW_xkMbgAAAeVAQra0eZWebFQq5aIK"),
            SecretString::from("TTP_token"),
        );
        let url = signed_url(&call, 1696909648).unwrap();
        let q = query(&url);
        assert_eq!(url.path(), "/order/202309/orders/search");
        assert_eq!(q["app_key"], "68xu9ks5p4i8");
        assert_eq!(q["timestamp"], "1696909648");
        assert_eq!(q["shop_cipher"], "ROW_xkMbgAAAeVAQra0eZWebFQq5aIK");
        assert!(!q.contains_key("access_token"));
        assert!(!q.contains_key("page_token"), "empty values are dropped");
        assert_eq!(
            q["sign"],
            "db5d774d61c674fcf968bb9f9053812d9de42b2396f2fd0475d82b8d6b7207ff"
        );

        // Vector V1 shape: no shop_cipher on /authorization.
        let shops = Request::new(Method::GET, "/authorization/202309/shops");
        let call: Call<'_, serde_json::Value> =
            shops.api_call(&creds, None, SecretString::from("t"));
        let q = query(&signed_url(&call, 1623812664).unwrap());
        assert!(!q.contains_key("shop_cipher"));
        assert_eq!(q.len(), 3);
    }

    #[test]
    fn auth_url_is_unsigned_and_accepts_an_api_v2_base() {
        let mut creds = creds();
        let request = Request::new(Method::GET, "/api/v2/token/refresh")
            .query("refresh_token", "R")
            .query("grant_type", "refresh_token");
        let url = signed_url(&request.auth_call::<serde_json::Value>(&creds), 1).unwrap();
        assert_eq!(
            url.as_str().split('?').next().unwrap(),
            "https://auth.tiktok-shops.com/api/v2/token/refresh"
        );
        let q = query(&url);
        assert_eq!(q["app_secret"], "e59af819cc");
        assert_eq!(q["grant_type"], "refresh_token");
        assert!(!q.contains_key("sign") && !q.contains_key("timestamp"));

        creds.auth_url = Url::parse("https://auth-sandbox.tiktok-shops.com/api/v2").unwrap();
        let url = signed_url(&request.auth_call::<serde_json::Value>(&creds), 1).unwrap();
        assert_eq!(
            url.as_str().split('?').next().unwrap(),
            "https://auth-sandbox.tiktok-shops.com/api/v2/token/refresh"
        );
    }
}
