//! One Shopee API call as a transport [`Exchange`]: where the parameters go (docs/src/channels/shopee.md §3.3), signing with a
//! fresh timestamp on every attempt (§3.4), and classification (§4).

use std::marker::PhantomData;

use kho_channel::kit::ImageFile;
use kho_channel::kit::url::endpoint_url;
use kho_channel::{Classified, ErrorKind, Exchange, RawResponse};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use crate::classify::{Shape, classify};
use crate::sign::{ApiType, public_base_string, shop_base_string, sign};

/// What every call needs to be signed and addressed.
#[derive(Debug, Clone)]
pub(crate) struct Credentials {
    pub base_url: Url,
    pub partner_id: u64,
    pub partner_key: SecretString,
    pub shop_id: u64,
}

/// A request body.
pub(crate) enum Payload {
    None,
    Json(Value),
    /// `upload_image`: multipart field `image` plus `scene`.
    Image(ImageFile),
}

/// One call. Generic over the decoded payload type.
pub(crate) struct Call<'a, T> {
    creds: &'a Credentials,
    method: Method,
    path: &'static str,
    api: ApiType,
    access_token: Option<SecretString>,
    query: Vec<(&'static str, String)>,
    payload: Payload,
    shape: Shape,
    _out: PhantomData<fn() -> T>,
}

impl<'a, T> Call<'a, T> {
    /// A Shop API call (signed with the access token and shop id).
    pub fn shop(
        creds: &'a Credentials,
        method: Method,
        path: &'static str,
        access_token: SecretString,
    ) -> Self {
        Self {
            creds,
            method,
            path,
            api: ApiType::Shop,
            access_token: Some(access_token),
            query: Vec::new(),
            payload: Payload::None,
            shape: Shape::Wrapped,
            _out: PhantomData,
        }
    }

    /// A Public API call (auth, media upload, push config).
    pub fn public(
        creds: &'a Credentials,
        method: Method,
        path: &'static str,
        shape: Shape,
    ) -> Self {
        Self {
            creds,
            method,
            path,
            api: ApiType::Public,
            access_token: None,
            query: Vec::new(),
            payload: Payload::None,
            shape,
            _out: PhantomData,
        }
    }

    pub fn query(mut self, key: &'static str, value: impl ToString) -> Self {
        self.query.push((key, value.to_string()));
        self
    }

    pub fn json(mut self, body: Value) -> Self {
        self.payload = Payload::Json(body);
        self
    }

    pub fn payload(mut self, payload: Payload) -> Self {
        self.payload = payload;
        self
    }

    pub fn shape(mut self, shape: Shape) -> Self {
        self.shape = shape;
        self
    }

    /// The full URL with the common parameters, signed at `timestamp`.
    pub(crate) fn url(&self, timestamp: i64) -> Result<Url, ErrorKind> {
        let creds = self.creds;
        let token = self.access_token.as_ref().map(|t| t.expose_secret());
        let base = match (self.api, token) {
            (ApiType::Public, _) => public_base_string(creds.partner_id, self.path, timestamp),
            (ApiType::Shop, Some(token)) => {
                shop_base_string(creds.partner_id, self.path, timestamp, token, creds.shop_id)
            }
            (ApiType::Shop, None) => {
                return Err(ErrorKind::invalid_request(
                    "missing_token",
                    "shop API call without an access token",
                ));
            }
        };
        let signature = sign(&creds.partner_key, &base);
        let mut url = endpoint_url(&creds.base_url, self.path)?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("partner_id", &creds.partner_id.to_string());
            q.append_pair("timestamp", &timestamp.to_string());
            q.append_pair("sign", &signature);
            if let (ApiType::Shop, Some(token)) = (self.api, token) {
                q.append_pair("access_token", token);
                q.append_pair("shop_id", &creds.shop_id.to_string());
            }
            for (k, v) in &self.query {
                q.append_pair(k, v);
            }
        }
        Ok(url)
    }
}

impl<T: DeserializeOwned + Send> Exchange for Call<'_, T> {
    type Output = T;

    fn endpoint(&self) -> &str {
        self.path
    }

    fn build(&self, client: &reqwest::Client) -> Result<reqwest::RequestBuilder, ErrorKind> {
        let url = self.url(chrono::Utc::now().timestamp())?;
        let request = client.request(self.method.clone(), url);
        Ok(match &self.payload {
            Payload::None => request,
            Payload::Json(body) => request.json(body),
            Payload::Image(file) => {
                let part = file.part()?;
                let form = reqwest::multipart::Form::new()
                    .part("image", part)
                    .text("scene", "normal");
                request.multipart(form)
            }
        })
    }

    fn classify(&self, response: RawResponse) -> Classified<T> {
        classify(&response, self.shape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_carries_common_params_and_signs_the_documented_base_string() {
        let creds = Credentials {
            base_url: Url::parse("https://partner.shopeemobile.com").unwrap(),
            partner_id: 2001887,
            partner_key: SecretString::from(
                "1391fd986fe8ec7569bebed75b0c33ee35eb5a305bed7038657a5cd5f75b1c88",
            ),
            shop_id: 14701711,
        };
        let call: Call<'_, Value> = Call::shop(
            &creds,
            Method::POST,
            "/api/v2/product/update_stock",
            SecretString::from("59777174636562737266615546704c6d"),
        );
        let url = call.url(1655714431).unwrap();
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(url.path(), "/api/v2/product/update_stock");
        assert_eq!(q["partner_id"], "2001887");
        assert_eq!(q["timestamp"], "1655714431");
        assert_eq!(q["shop_id"], "14701711");
        assert_eq!(q["access_token"], "59777174636562737266615546704c6d");
        // docs/src/channels/shopee.md §3.6 update_stock vector.
        assert_eq!(
            q["sign"],
            "5ddf42c3b82694bb7a6404e557d9ce2a33cdaeb900e26c5d6ba134c5aeec5141"
        );

        let public: Call<'_, Value> = Call::public(
            &creds,
            Method::POST,
            "/api/v2/auth/token/get",
            Shape::TopLevel { sensitive: true },
        );
        let url = public.url(1655714431).unwrap();
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert!(!q.contains_key("access_token") && !q.contains_key("shop_id"));
        assert_eq!(
            q["sign"],
            "cbb23b64b4928204e705d6959b7e5d8f55db746d81f0572e04a789f1f1aeb5a0"
        );
    }
}
