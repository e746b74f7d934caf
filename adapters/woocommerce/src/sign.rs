//! Authentication of every call, by the site's scheme (`docs/src/channels/tiki-woocommerce.md` B2 and
//! "Corrections"): over https HTTP Basic with the consumer key and secret (or the same as query parameters when
//! the server strips `Authorization`); over plain http — where WooCommerce ignores both — OAuth 1.0a one-legged:
//! the query carries `oauth_consumer_key`, a fresh `oauth_nonce` and `oauth_timestamp` on every attempt (the site
//! refuses a nonce twice and a timestamp 15 minutes off), and `oauth_signature` over the base string with the key
//! `consumer_secret&`. There is no token to refresh.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use kho_channel::ErrorKind;
use kho_channel::kit::url::endpoint_url;
use kho_channel::kit::{self, Built, Signing};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::API_PREFIX;
use crate::classify::Shape;

/// What every call is addressed and signed with.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub base_url: Url,
    pub consumer_key: String,
    pub consumer_secret: SecretString,
    pub credentials_in_query: bool,
}

/// One WooCommerce call: the kit's [`kit::Call`] with WooCommerce's authentication.
pub type Call<'a, T> = kit::Call<'a, Credentials, T>;

/// The OAuth signature methods WooCommerce accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureMethod {
    HmacSha1,
    HmacSha256,
}

impl SignatureMethod {
    fn name(self) -> &'static str {
        match self {
            Self::HmacSha1 => "HMAC-SHA1",
            Self::HmacSha256 => "HMAC-SHA256",
        }
    }
}

/// RFC 3986 percent-encoding, as OAuth 1.0a (and PHP's `rawurlencode`) use it.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The OAuth 1.0a signature base string: `METHOD&enc(url)&enc(sorted k=v pairs joined by &)`. WooCommerce decodes
/// each value once more before encoding it; the values kho sends never contain `%`, so the two agree.
pub fn base_string(method: &str, url: &str, params: &[(String, String)]) -> String {
    let mut pairs: Vec<(String, String)> =
        params.iter().map(|(k, v)| (encode(k), encode(v))).collect();
    pairs.sort();
    let joined: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        encode(url),
        encode(&joined.join("&"))
    )
}

/// base64 HMAC of the base string; WooCommerce's key is the consumer secret and `&` (no token secret).
pub fn signature(method: SignatureMethod, key: &str, base: &str) -> String {
    let mac = match method {
        SignatureMethod::HmacSha1 => {
            Hmac::<sha1::Sha1>::new_from_slice(key.as_bytes()).map(|mut m| {
                m.update(base.as_bytes());
                m.finalize().into_bytes().to_vec()
            })
        }
        SignatureMethod::HmacSha256 => Ok(kho_channel::kit::hmac::hmac_sha256(
            key.as_bytes(),
            &[base.as_bytes()],
        )),
    };
    mac.map(|m| B64.encode(m)).unwrap_or_default()
}

/// The URL of one attempt: the API path under the site root, the call's parameters, and — over http — the
/// OAuth parameters signed at `timestamp` with `nonce`.
pub fn signed_url<T>(call: &Call<'_, T>, timestamp: i64, nonce: &str) -> Result<Url, ErrorKind> {
    let creds = call.creds;
    let mut url = endpoint_url(&creds.base_url, &format!("{API_PREFIX}{}", call.path()))?;
    let mut params: Vec<(String, String)> = call
        .params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    if url.scheme() == "https" {
        if creds.credentials_in_query {
            params.push(("consumer_key".into(), creds.consumer_key.clone()));
            params.push((
                "consumer_secret".into(),
                creds.consumer_secret.expose_secret().to_owned(),
            ));
        }
    } else {
        let method = SignatureMethod::HmacSha256;
        params.extend([
            ("oauth_consumer_key".to_owned(), creds.consumer_key.clone()),
            ("oauth_nonce".to_owned(), nonce.to_owned()),
            (
                "oauth_signature_method".to_owned(),
                method.name().to_owned(),
            ),
            ("oauth_timestamp".to_owned(), timestamp.to_string()),
        ]);
        let key = format!("{}&", creds.consumer_secret.expose_secret());
        let base = base_string(call.method.as_str(), url.as_str(), &params);
        params.push(("oauth_signature".into(), signature(method, &key, &base)));
    }
    if !params.is_empty() {
        url.query_pairs_mut().extend_pairs(params.iter());
    }
    Ok(url)
}

/// A fresh nonce per attempt: 32 hex digits.
fn nonce() -> String {
    format!("{:032x}", rand::random::<u128>())
}

impl Signing for Credentials {
    type Credentials = Credentials;
    type Shape = Shape;

    fn build<T>(call: &Call<'_, T>, client: &reqwest::Client) -> Built {
        let url = signed_url(call, chrono::Utc::now().timestamp(), &nonce())?;
        let creds = call.creds;
        let mut request = call.request_to(client, url.clone());
        if url.scheme() == "https" && !creds.credentials_in_query {
            request = request.basic_auth(
                &creds.consumer_key,
                Some(creds.consumer_secret.expose_secret()),
            );
        }
        call.body_onto(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::Method;
    use serde_json::Value;

    /// Published vectors: the OAuth Core 1.0 test cases (wiki.oauth.net/TestCases, HMAC-SHA1) — the one-legged
    /// key `cs&` — and the specification's Appendix A request, base string and signature.
    #[test]
    fn oauth_published_vectors() {
        assert_eq!(
            signature(SignatureMethod::HmacSha1, "cs&", "bs"),
            "egQqG5AJep5sJ7anhXju1unge2I="
        );
        let params: Vec<(String, String)> = [
            ("file", "vacation.jpg"),
            ("size", "original"),
            ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
            ("oauth_token", "nnch734d00sl2jdk"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "1191242096"),
            ("oauth_nonce", "kllo9940pd9333jh"),
            ("oauth_version", "1.0"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let base = base_string("GET", "http://photos.example.net/photos", &params);
        assert_eq!(
            base,
            "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3Dkllo9940pd9333jh%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1191242096%26oauth_token%3Dnnch734d00sl2jdk%26oauth_version%3D1.0%26size%3Doriginal"
        );
        assert_eq!(
            signature(
                SignatureMethod::HmacSha1,
                "kd94hf93k423kf44&pfkkdhi9sl3r4s00",
                &base
            ),
            "tR3+Ty81lMeYAr/Fid0kMTYa/WM="
        );
    }

    fn creds(base: &str, in_query: bool) -> Credentials {
        Credentials {
            base_url: Url::parse(base).expect("url"),
            consumer_key: "ck_k".into(),
            consumer_secret: SecretString::from("cs_s"),
            credentials_in_query: in_query,
        }
    }

    #[test]
    fn the_scheme_decides_how_a_call_is_authenticated() {
        let http = creds("http://shop.local/site", false);
        let call: Call<'_, Value> =
            Call::without_token(&http, Method::GET, "/products", Shape::Json).param("sku", "A,B");
        let url = signed_url(&call, 1_700_000_000, "n0").expect("url");
        assert_eq!(url.path(), "/site/wp-json/wc/v3/products");
        let q: std::collections::BTreeMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(q["oauth_timestamp"], "1700000000");
        assert_eq!(q["oauth_signature_method"], "HMAC-SHA256");
        assert!(
            !q.contains_key("consumer_secret"),
            "no secret over plain http"
        );
        let https = creds("https://shop.example.vn", false);
        let call: Call<'_, Value> =
            Call::without_token(&https, Method::GET, "/products", Shape::Json);
        let request = Signing::build(&call, &reqwest::Client::new())
            .and_then(|b| {
                b.build()
                    .map_err(|e| ErrorKind::invalid_request("build", e.to_string()))
            })
            .expect("request");
        assert!(request.url().query().is_none());
        assert!(request.headers().contains_key("authorization"));
        let stripped = creds("https://shop.example.vn", true);
        let call: Call<'_, Value> =
            Call::without_token(&stripped, Method::GET, "/products", Shape::Json);
        let url = signed_url(&call, 0, "n").expect("url");
        assert_eq!(url.query(), Some("consumer_key=ck_k&consumer_secret=cs_s"));
    }
}
