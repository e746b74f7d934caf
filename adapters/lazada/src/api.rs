//! One Lazada API call as a transport [`Exchange`]: system parameters, signing with a fresh millisecond
//! timestamp on every attempt (docs/src/channels/lazada.md §3), where the parameters go (§3.3) and classification (§4).
//!
//! GET sends every parameter, `sign` included, in the query string. POST sends them as a urlencoded form body
//! — which keeps the access token, refresh token and payload out of URLs — or as multipart when a file is
//! attached (the file part is not signed). Empty parameters are never sent: SDKs disagree on whether they are
//! signed (§3.1).

use std::marker::PhantomData;

use kho_channel::kit::ImageFile;
use kho_channel::kit::url::endpoint_url;
use kho_channel::{Classified, ErrorKind, Exchange, RawResponse};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use url::Url;

use crate::classify::{Shape, classify};
use crate::sign::sign;

/// What every call needs to be signed and addressed: the app's key and secret, the API gateway and the
/// auth gateway.
pub(crate) use kho_channel::kit::AppCredentials as Credentials;

/// Which gateway a call goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Host {
    /// The venture's API gateway (`https://api.lazada.vn/rest`).
    Api,
    /// The shared auth gateway (`https://auth.lazada.com/rest`): token create and refresh.
    Auth,
}

/// A file parameter (multipart, never signed).
pub(crate) struct FilePart {
    pub field: &'static str,
    pub file: ImageFile,
}

/// One call, generic over the decoded payload type.
pub(crate) struct Call<'a, T> {
    creds: &'a Credentials,
    host: Host,
    method: Method,
    path: &'static str,
    access_token: Option<SecretString>,
    params: Vec<(&'static str, String)>,
    file: Option<FilePart>,
    shape: Shape,
    _out: PhantomData<fn() -> T>,
}

impl<'a, T> Call<'a, T> {
    /// A seller-scoped call on the API gateway, signed with the access token.
    pub fn seller(
        creds: &'a Credentials,
        method: Method,
        path: &'static str,
        access_token: SecretString,
    ) -> Self {
        Self {
            creds,
            host: Host::Api,
            method,
            path,
            access_token: Some(access_token),
            params: Vec::new(),
            file: None,
            shape: Shape::Data,
            _out: PhantomData,
        }
    }

    /// A token call on the auth gateway: POST, no access token, flat answer carrying secrets.
    pub fn auth(creds: &'a Credentials, path: &'static str) -> Self {
        Self {
            creds,
            host: Host::Auth,
            method: Method::POST,
            path,
            access_token: None,
            params: Vec::new(),
            file: None,
            shape: Shape::TopLevel { sensitive: true },
            _out: PhantomData,
        }
    }

    /// Add a business parameter; an empty value is left out (never send empty parameters, §3.1).
    pub fn param(mut self, key: &'static str, value: impl ToString) -> Self {
        let value = value.to_string();
        if !value.is_empty() {
            self.params.push((key, value));
        }
        self
    }

    pub fn file(mut self, file: FilePart) -> Self {
        self.file = Some(file);
        self
    }

    pub fn shape(mut self, shape: Shape) -> Self {
        self.shape = shape;
        self
    }

    /// Every parameter to send at `timestamp_ms`, `sign` last.
    pub(crate) fn signed_params(&self, timestamp_ms: i64) -> Vec<(&'static str, String)> {
        let mut params: Vec<(&'static str, String)> = vec![
            ("app_key", self.creds.app_key.clone()),
            ("timestamp", timestamp_ms.to_string()),
            ("sign_method", "sha256".to_owned()),
        ];
        if let Some(token) = &self.access_token {
            params.push(("access_token", token.expose_secret().to_owned()));
        }
        params.extend(self.params.iter().cloned());
        let signature = sign(&self.creds.app_secret, self.path, &params);
        params.push(("sign", signature));
        params
    }

    /// Gateway + API path. Appended rather than `join`ed, so the gateway's `/rest` prefix (or a simulator's
    /// mount point) is kept; the signature covers the API path only.
    pub(crate) fn url(&self) -> Result<Url, ErrorKind> {
        let base = match self.host {
            Host::Api => &self.creds.base_url,
            Host::Auth => &self.creds.auth_url,
        };
        endpoint_url(base, self.path)
    }

    fn request(
        &self,
        client: &reqwest::Client,
        timestamp_ms: i64,
    ) -> Result<reqwest::RequestBuilder, ErrorKind> {
        let mut url = self.url()?;
        let params = self.signed_params(timestamp_ms);
        if self.method == Method::GET && self.file.is_none() {
            url.query_pairs_mut().extend_pairs(params.iter());
            return Ok(client.get(url));
        }
        let request = client.request(self.method.clone(), url);
        match &self.file {
            None => {
                let body = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(params.iter())
                    .finish();
                Ok(request
                    .header(
                        reqwest::header::CONTENT_TYPE,
                        "application/x-www-form-urlencoded;charset=utf-8",
                    )
                    .body(body))
            }
            Some(file) => {
                let part = file.file.part()?;
                let mut form = reqwest::multipart::Form::new();
                for (k, v) in params {
                    form = form.text(k, v);
                }
                Ok(request.multipart(form.part(file.field, part)))
            }
        }
    }
}

impl<T: DeserializeOwned + Send> Exchange for Call<'_, T> {
    type Output = T;

    fn endpoint(&self) -> &str {
        self.path
    }

    fn build(&self, client: &reqwest::Client) -> Result<reqwest::RequestBuilder, ErrorKind> {
        self.request(client, chrono::Utc::now().timestamp_millis())
    }

    fn classify(&self, response: RawResponse) -> Classified<T> {
        classify(&response, self.shape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn creds() -> Credentials {
        Credentials {
            base_url: Url::parse("https://api.lazada.vn/rest").unwrap(),
            auth_url: Url::parse("https://auth.lazada.com/rest/").unwrap(),
            app_key: "123456".into(),
            app_secret: SecretString::from("helloworld"),
        }
    }

    #[test]
    fn reproduces_the_published_order_get_request() {
        let creds = creds();
        let call: Call<'_, Value> = Call::seller(
            &creds,
            Method::GET,
            "/order/get",
            SecretString::from("test"),
        )
        .param("order_id", 1234);
        let params = call.signed_params(1517820392000);
        let sign = params
            .iter()
            .find(|(k, _)| *k == "sign")
            .map(|(_, v)| v.as_str());
        // docs/src/channels/lazada.md §3.4 L1.
        assert_eq!(
            sign,
            Some("4190D32361CFB9581350222F345CB77F3B19F0E31D162316848A2C1FFD5FAB4A")
        );
        let request = call
            .request(&reqwest::Client::new(), 1517820392000)
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(request.url().host_str(), Some("api.lazada.vn"));
        assert_eq!(request.url().path(), "/rest/order/get");
        let q: std::collections::HashMap<_, _> = request.url().query_pairs().into_owned().collect();
        assert_eq!(q["timestamp"], "1517820392000");
        assert_eq!(q["sign_method"], "sha256");
        assert_eq!(q["access_token"], "test");
        assert_eq!(q["order_id"], "1234");
    }

    #[test]
    fn token_calls_go_to_the_auth_host_as_a_signed_form_without_access_token() {
        let creds = creds();
        let call: Call<'_, Value> =
            Call::auth(&creds, "/auth/token/create").param("code", "0_TryzT8Vd9T1pwS7VWZ2qlMOS5");
        let request = call
            .request(&reqwest::Client::new(), 1517820392000)
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(request.method(), Method::POST);
        assert_eq!(
            request.url().as_str(),
            "https://auth.lazada.com/rest/auth/token/create"
        );
        let body = request.body().and_then(|b| b.as_bytes()).unwrap();
        let form: std::collections::HashMap<_, _> =
            url::form_urlencoded::parse(body).into_owned().collect();
        assert!(!form.contains_key("access_token"));
        // docs/src/channels/lazada.md §3.4 L4.
        assert_eq!(
            form["sign"],
            "42613DA347AD5303FDBFBC324DD0BE1E5CE0A47903A4F0315BB40CC479AD10B5"
        );
    }

    #[test]
    fn post_payload_is_form_encoded_and_signed_raw() {
        let creds = creds();
        let payload = "<Request><Product><Skus><Sku><ItemId>234234234</ItemId><SkuId>234</SkuId><SellableQuantity>20</SellableQuantity></Sku></Skus></Product></Request>";
        let call: Call<'_, Value> = Call::seller(
            &creds,
            Method::POST,
            "/product/stock/sellable/update",
            SecretString::from("test"),
        )
        .param("payload", payload)
        .param("empty", "");
        let request = call
            .request(&reqwest::Client::new(), 1517820392000)
            .unwrap()
            .build()
            .unwrap();
        assert!(request.url().query().is_none(), "no token in the URL");
        let body = request.body().and_then(|b| b.as_bytes()).unwrap();
        let form: std::collections::HashMap<_, _> =
            url::form_urlencoded::parse(body).into_owned().collect();
        assert_eq!(form["payload"], payload);
        assert!(!form.contains_key("empty"));
        // docs/src/channels/lazada.md §3.4 L3.
        assert_eq!(
            form["sign"],
            "0D7B6906784B9492ACFB5A3582775CDB854DF8C977038E452E05A5C233A86368"
        );
    }
}
