//! One TikTok API call as a transport [`Exchange`]: where things go (docs/src/channels/tiktok.md §3.2), signing with a fresh
//! timestamp on every attempt (§3.3), and classification (§4).
//!
//! A `Request` is built once per operation, with its JSON body **serialised once** into bytes; every
//! attempt (transport retries, the repeat after a token refresh) signs and sends that same buffer.

use std::borrow::Cow;
use std::marker::PhantomData;

use kho_channel::kit::ImageFile;
use kho_channel::kit::url::endpoint_url;
use kho_channel::{Classified, ErrorKind, Exchange, RawResponse};
use reqwest::Method;
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use crate::classify::classify;
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

/// Which host and which rules.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Host {
    /// Open API: signed, token header, `shop_cipher` on shop endpoints.
    Api,
    /// Auth host: unsigned; `app_secret` travels in the query (docs/src/channels/tiktok.md §2), so the response is
    /// treated as sensitive and no URL is ever formatted into an error (the transport guarantees that).
    Auth,
}

/// One attempt's worth of context around a [`Request`].
pub(crate) struct Call<'a, T> {
    creds: &'a Credentials,
    /// Borrowed from the operation, which may repeat it; a token call owns its own.
    request: Cow<'a, Request>,
    host: Host,
    shop_cipher: Option<&'a str>,
    access_token: Option<SecretString>,
    _out: PhantomData<fn() -> T>,
}

impl<'a, T> Call<'a, T> {
    /// An Open API call. `shop_cipher` is sent only when given (the caller passes it exactly for
    /// [`is_shop_scoped`] paths).
    pub fn api(
        creds: &'a Credentials,
        request: &'a Request,
        shop_cipher: Option<&'a str>,
        access_token: SecretString,
    ) -> Self {
        Self {
            creds,
            request: Cow::Borrowed(request),
            host: Host::Api,
            shop_cipher,
            access_token: Some(access_token),
            _out: PhantomData,
        }
    }

    /// A token call on the auth host.
    pub fn auth(creds: &'a Credentials, request: Request) -> Self {
        Self {
            creds,
            request: Cow::Owned(request),
            host: Host::Auth,
            shop_cipher: None,
            access_token: None,
            _out: PhantomData,
        }
    }

    /// The full URL, signed at `timestamp` (Open API) or with the auth parameters (auth host).
    pub(crate) fn url(&self, timestamp: i64) -> Result<Url, ErrorKind> {
        let creds = self.creds;
        let req = &*self.request;
        let mut params: Vec<(&str, String)> = Vec::with_capacity(req.query.len() + 4);
        let base = match self.host {
            Host::Api => {
                params.push(("app_key", creds.app_key.clone()));
                params.push(("timestamp", timestamp.to_string()));
                if let Some(cipher) = self.shop_cipher {
                    params.push(("shop_cipher", cipher.to_owned()));
                }
                &creds.base_url
            }
            Host::Auth => {
                params.push(("app_key", creds.app_key.clone()));
                params.push(("app_secret", creds.app_secret.expose_secret().to_owned()));
                &creds.auth_url
            }
        };
        params.extend(req.query.iter().map(|(k, v)| (*k, v.clone())));
        // Empty values are neither sent nor signed (SKIT's interceptor; trap 11).
        params.retain(|(_, v)| !v.is_empty());
        // An auth URL given as `…/api/v2` (SKIT's sandbox host) already holds the paths' prefix.
        let path = match self.host {
            Host::Auth if base.as_str().trim_end_matches('/').ends_with("/api/v2") => {
                req.path.trim_start_matches("/api/v2")
            }
            _ => req.path.as_str(),
        };
        let mut url = endpoint_url(base, path)?;
        let signature = match (self.host, &req.body) {
            (Host::Auth, _) => None,
            (Host::Api, Body::Json(bytes)) => Some(sign(
                &creds.app_secret,
                &req.path,
                params.iter().map(|(k, v)| (*k, v.as_str())),
                Some(bytes),
            )),
            (Host::Api, Body::None | Body::Image { .. }) => Some(sign(
                &creds.app_secret,
                &req.path,
                params.iter().map(|(k, v)| (*k, v.as_str())),
                None,
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
}

impl<T: DeserializeOwned + Send> Exchange for Call<'_, T> {
    type Output = T;

    fn endpoint(&self) -> &str {
        self.request.endpoint
    }

    fn build(&self, client: &reqwest::Client) -> Result<reqwest::RequestBuilder, ErrorKind> {
        let url = self.url(chrono::Utc::now().timestamp())?;
        let mut request = client.request(self.request.method.clone(), url);
        if let Some(token) = &self.access_token {
            let mut value = HeaderValue::from_str(token.expose_secret()).map_err(|_| {
                ErrorKind::ReauthRequired {
                    code: "kho.bad_access_token".into(),
                    message: "the stored access token is not a valid header value".into(),
                }
            })?;
            value.set_sensitive(true);
            request = request.header(ACCESS_TOKEN_HEADER, value);
        }
        Ok(match &self.request.body {
            // SKIT sets the JSON content type on GET too ("GET requests also need the Content-Type header").
            Body::None => request.header(CONTENT_TYPE, "application/json"),
            Body::Json(bytes) => request
                .header(CONTENT_TYPE, "application/json")
                .body(bytes.clone()),
            Body::Image { file, use_case } => {
                let part = file.part()?;
                let form = reqwest::multipart::Form::new()
                    .part("data", part)
                    .text("use_case", *use_case);
                request.multipart(form)
            }
        })
    }

    fn classify(&self, response: RawResponse) -> Classified<T> {
        classify(&response, self.host == Host::Auth)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kho_channel::test_support::app_credentials;
    use std::collections::HashMap;

    fn creds() -> Credentials {
        let hosts = [
            "https://open-api.tiktokglobalshop.com",
            "https://auth.tiktok-shops.com",
        ];
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
        let call: Call<'_, serde_json::Value> = Call::api(
            &creds,
            &request,
            Some("ROW_xkMbgAAAeVAQra0eZWebFQq5aIK"),
            SecretString::from("TTP_token"),
        );
        let url = call.url(1696909648).unwrap();
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
            Call::api(&creds, &shops, None, SecretString::from("t"));
        let q = query(&call.url(1623812664).unwrap());
        assert!(!q.contains_key("shop_cipher"));
        assert_eq!(q.len(), 3);
    }

    #[test]
    fn auth_url_is_unsigned_and_accepts_an_api_v2_base() {
        let mut creds = creds();
        let request = Request::new(Method::GET, "/api/v2/token/refresh")
            .query("refresh_token", "R")
            .query("grant_type", "refresh_token");
        let url = Call::<serde_json::Value>::auth(&creds, request.clone())
            .url(1)
            .unwrap();
        assert_eq!(
            url.as_str().split('?').next().unwrap(),
            "https://auth.tiktok-shops.com/api/v2/token/refresh"
        );
        let q = query(&url);
        assert_eq!(q["app_secret"], "e59af819cc");
        assert_eq!(q["grant_type"], "refresh_token");
        assert!(!q.contains_key("sign") && !q.contains_key("timestamp"));

        creds.auth_url = Url::parse("https://auth-sandbox.tiktok-shops.com/api/v2").unwrap();
        let url = Call::<serde_json::Value>::auth(&creds, request.clone())
            .url(1)
            .unwrap();
        assert_eq!(
            url.as_str().split('?').next().unwrap(),
            "https://auth-sandbox.tiktok-shops.com/api/v2/token/refresh"
        );
    }
}
