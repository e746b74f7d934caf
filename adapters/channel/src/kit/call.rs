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
    /// A multipart file part named `field`; where the other parameters go is the marketplace's signing.
    File {
        field: &'static str,
        file: ImageFile,
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
    /// How an answer is enveloped, for classification.
    type Shape: Envelope;

    /// The envelope of the answers to calls made with the account's access token.
    const TOKEN_SHAPE: Self::Shape;

    /// One attempt, signed now.
    fn build<T>(call: &Call<'_, Self, T>, client: &reqwest::Client) -> Built;
}

/// One call, generic over the marketplace's signing `M` and the decoded payload `T`.
pub struct Call<'a, M: Signing, T> {
    pub creds: &'a M::Credentials,
    pub method: Method,
    /// The API path, also the call's endpoint in logs, metrics and errors.
    pub path: &'static str,
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
    /// A call of the account's API, made with its access token and answered as [`Signing::TOKEN_SHAPE`].
    pub fn with_token(
        creds: &'a M::Credentials,
        method: Method,
        path: &'static str,
        access_token: SecretString,
    ) -> Self {
        Self {
            access_token: Some(access_token),
            ..Self::without_token(creds, method, path, M::TOKEN_SHAPE)
        }
    }

    /// A call without a token (token requests, public APIs), answered as `shape`.
    pub fn without_token(
        creds: &'a M::Credentials,
        method: Method,
        path: &'static str,
        shape: M::Shape,
    ) -> Self {
        Self {
            creds,
            method,
            path,
            access_token: None,
            params: Vec::new(),
            body: Body::None,
            shape,
            _out: PhantomData,
        }
    }

    pub fn param(mut self, key: &'static str, value: impl ToString) -> Self {
        self.params.push((key, value.to_string()));
        self
    }

    pub fn json(mut self, body: Value) -> Self {
        self.body = Body::Json(body);
        self
    }

    pub fn file(mut self, field: &'static str, file: ImageFile) -> Self {
        self.body = Body::File { field, file };
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
        self.path
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

    #[derive(Clone, Copy)]
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
        const TOKEN_SHAPE: Bare = Bare;

        fn build<T>(call: &Call<'_, Self, T>, client: &reqwest::Client) -> Built {
            let mut url = call
                .creds
                .join(call.path)
                .map_err(|e| ErrorKind::invalid_request("url", e.to_string()))?;
            url.query_pairs_mut().extend_pairs(call.params.iter());
            Ok(client.request(call.method.clone(), url))
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
        let public: Call<'_, Plain, u32> = Call::without_token(&base, Method::POST, "/auth", Bare);
        assert!(public.access_token.is_none());
    }
}
