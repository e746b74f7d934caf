//! One marketplace call as a transport [`Exchange`], for marketplaces whose calls are "method, API path,
//! access token (or none), parameters, maybe a body" — Shopee and Lazada, and the kind a new channel
//! usually is. The call's parts and the builder are the kit's; the marketplace supplies only its
//! [`Signing`]: how one attempt is addressed and signed (fresh timestamp on every attempt), and how its
//! answer's envelope is classified.
//!
//! [`crate::kit::Account::send`] runs such a call with the account's token (refresh once and repeat once),
//! so an operation states only the endpoint and its parameters.

use std::marker::PhantomData;

use reqwest::Method;
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ErrorKind;
use crate::kit::image::ImageFile;
use crate::transport::{Classified, Exchange, RawResponse};

/// A call's body beyond its parameters.
pub enum Body {
    None,
    Json(Value),
    /// JSON already serialised: the marketplace signs these exact bytes, so they are what is sent.
    JsonBytes(Vec<u8>),
    /// A multipart file part named `field`, with the form's text `fields`; where the call's parameters go is
    /// the marketplace's signing.
    File {
        field: &'static str,
        file: ImageFile,
        fields: Vec<(&'static str, String)>,
    },
}

/// How a marketplace envelopes its answers: implemented by the adapter's own "where is the payload" type,
/// whose value each call carries.
pub trait Envelope: Copy + Send + Sync {
    /// The answer through this envelope: the payload, or the error class.
    fn classify<T: DeserializeOwned>(self, response: &RawResponse) -> Classified<T>;
}

/// One attempt of a call, ready to send, or why it cannot be built.
pub type Built = Result<reqwest::RequestBuilder, ErrorKind>;

/// What a marketplace adds to the kit's [`Call`]. Implemented by the adapter's grant (the account's
/// marketplace-side type), so an [`crate::kit::Account`] knows how its calls are signed.
pub trait Signing: Send + Sync + Sized {
    /// What calls are signed and addressed with.
    type Credentials: Send + Sync;
    /// How an answer is enveloped, for classification; the default is that of the calls made with the
    /// account's access token.
    type Shape: Envelope + Default;

    /// One attempt, signed now.
    fn build<T>(call: &Call<'_, Self, T>, client: &reqwest::Client) -> Built;
}

/// One call, generic over the marketplace's signing `M` and the decoded payload `T`.
pub struct Call<'a, M: Signing, T> {
    pub creds: &'a M::Credentials,
    pub method: Method,
    /// The API path, also the call's endpoint in logs, metrics and errors; see [`Self::path`].
    pub endpoint: &'static str,
    /// The concrete path when it differs from `endpoint` (ids inside a path template).
    at: Option<String>,
    /// With it, a call of the account's API; without, of the marketplace's public or token side (Shopee's
    /// Public API, Lazada's auth gateway) — the signing tells them apart by it.
    pub access_token: Option<SecretString>,
    /// Business parameters, in the order they were added.
    pub params: Vec<(&'static str, String)>,
    pub body: Body,
    pub shape: M::Shape,
    _out: PhantomData<fn() -> T>,
}

impl<'a, M: Signing, T> Call<'a, M, T> {
    /// A call of the account's API, made with its access token and answered in the default shape.
    pub fn with_token(
        creds: &'a M::Credentials,
        method: Method,
        endpoint: &'static str,
        access_token: SecretString,
    ) -> Self {
        Self {
            access_token: Some(access_token),
            ..Self::without_token(creds, method, endpoint, M::Shape::default())
        }
    }

    /// A call without a token (token requests, public APIs), answered as `shape`.
    pub fn without_token(
        creds: &'a M::Credentials,
        method: Method,
        endpoint: &'static str,
        shape: M::Shape,
    ) -> Self {
        Self {
            creds,
            method,
            endpoint,
            at: None,
            access_token: None,
            params: Vec::new(),
            body: Body::None,
            shape,
            _out: PhantomData,
        }
    }

    /// The path the call goes to: the concrete one given with [`Self::at`], else the endpoint.
    pub fn path(&self) -> &str {
        self.at.as_deref().unwrap_or(self.endpoint)
    }

    /// Send the call to `path`, a concrete instance of the endpoint's template; logs and metrics keep the
    /// endpoint.
    pub fn at(mut self, path: String) -> Self {
        self.at = Some(path);
        self
    }

    /// The attempt's request to `url` (signed by the marketplace), with this call's method.
    pub fn request_to(&self, client: &reqwest::Client, url: url::Url) -> reqwest::RequestBuilder {
        client.request(self.method.clone(), url)
    }

    /// `request` with this call's body: JSON, the serialised JSON bytes, or a multipart form of the file
    /// and its text fields. A marketplace that sends its parameters in the body (Lazada) attaches them
    /// itself.
    pub fn body_onto(&self, request: reqwest::RequestBuilder) -> Built {
        Ok(match &self.body {
            Body::None => request,
            Body::Json(body) => request.json(body),
            Body::JsonBytes(bytes) => request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(bytes.clone()),
            Body::File {
                field,
                file,
                fields,
            } => {
                let mut form = reqwest::multipart::Form::new().part(*field, file.part()?);
                for (k, v) in fields {
                    form = form.text(*k, v.clone());
                }
                request.multipart(form)
            }
        })
    }

    pub fn param(mut self, key: &'static str, value: impl ToString) -> Self {
        self.params.push((key, value.to_string()));
        self
    }

    pub fn json(mut self, body: Value) -> Self {
        self.body = Body::Json(body);
        self
    }

    /// JSON the caller serialised once, for a marketplace that signs the body's bytes.
    pub fn json_bytes(mut self, bytes: Vec<u8>) -> Self {
        self.body = Body::JsonBytes(bytes);
        self
    }

    /// A file upload; `fields` are the form's text fields.
    pub fn file(
        mut self,
        field: &'static str,
        file: ImageFile,
        fields: Vec<(&'static str, String)>,
    ) -> Self {
        self.body = Body::File {
            field,
            file,
            fields,
        };
        self
    }

    pub fn shape(mut self, shape: M::Shape) -> Self {
        self.shape = shape;
        self
    }
}

impl<M: Signing, T: DeserializeOwned + Send> Exchange for Call<'_, M, T> {
    type Output = T;

    fn endpoint(&self) -> &str {
        self.endpoint
    }

    fn build(&self, client: &reqwest::Client) -> Result<reqwest::RequestBuilder, ErrorKind> {
        M::build(self, client)
    }

    fn classify(&self, response: RawResponse) -> Classified<T> {
        self.shape.classify(&response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Signs by putting the parameters in the query; answers are the bare payload.
    struct Plain;

    #[derive(Clone, Copy, Default)]
    struct Bare;

    impl Envelope for Bare {
        fn classify<T: DeserializeOwned>(self, response: &RawResponse) -> Classified<T> {
            Classified {
                request_id: None,
                result: serde_json::from_slice(&response.body)
                    .map_err(|e| ErrorKind::invalid_request("decode", e.to_string())),
            }
        }
    }

    impl Signing for Plain {
        type Credentials = url::Url;
        type Shape = Bare;

        fn build<T>(call: &Call<'_, Self, T>, client: &reqwest::Client) -> Built {
            let mut url = call
                .creds
                .join(call.path())
                .map_err(|e| ErrorKind::invalid_request("url", e.to_string()))?;
            url.query_pairs_mut().extend_pairs(call.params.iter());
            call.body_onto(call.request_to(client, url))
        }
    }

    #[test]
    fn a_token_call_takes_the_token_scope_and_its_parameters_in_order() {
        let base = url::Url::parse("https://api.example/").unwrap();
        let call: Call<'_, Plain, u32> =
            Call::with_token(&base, Method::GET, "/items", SecretString::from("t"))
                .param("offset", 20)
                .param("status", "NORMAL");
        assert!(call.access_token.is_some());
        assert_eq!(call.endpoint(), "/items");
        let one = Call::<'_, Plain, u32>::with_token(
            &base,
            Method::GET,
            "/items/{id}",
            SecretString::from("t"),
        )
        .at("/items/7".to_owned());
        assert_eq!((one.endpoint(), one.path()), ("/items/{id}", "/items/7"));
        let request = call
            .build(&reqwest::Client::new())
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(request.url().query(), Some("offset=20&status=NORMAL"));
        let answer = RawResponse {
            status: reqwest::StatusCode::OK,
            headers: Default::default(),
            body: b"7".to_vec(),
        };
        assert_eq!(call.classify(answer).result.unwrap(), 7);
        let public: Call<'_, Plain, u32> = Call::without_token(&base, Method::POST, "/auth", Bare)
            .json(serde_json::json!({"code": "c"}));
        assert!(public.access_token.is_none());
        let request = public
            .build(&reqwest::Client::new())
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(request.method(), Method::POST);
        assert_eq!(
            request.body().and_then(|b| b.as_bytes()),
            Some(&br#"{"code":"c"}"#[..])
        );
    }
}
