//! One Lazada API call as the kit's [`kit::Call`]: system parameters, signing with a fresh millisecond
//! timestamp on every attempt (docs/src/channels/lazada.md §3), where the parameters go (§3.3) and classification (§4).
//!
//! GET sends every parameter, `sign` included, in the query string. POST sends them as a urlencoded form body
//! — which keeps the access token, refresh token and payload out of URLs — or as multipart when a file is
//! attached (the file part is not signed). Empty parameters are never sent: SDKs disagree on whether they are
//! signed (§3.1).

use kho_channel::ErrorKind;
use kho_channel::kit::url::endpoint_url;
use kho_channel::kit::{self, Body, Built, Signing};
use reqwest::Method;
use secrecy::ExposeSecret;
use url::Url;

use crate::auth::LazadaGrant;
use crate::classify::Shape;
use crate::sign::sign;

/// What every call needs to be signed and addressed: the app's key and secret, the API gateway and the
/// auth gateway.
pub(crate) use kho_channel::kit::AppCredentials as Credentials;

/// One Lazada call: the kit's [`kit::Call`] with Lazada's signing.
pub(crate) type Call<'a, T> = kit::Call<'a, LazadaGrant, T>;

/// A token call on the auth gateway: POST, no access token, flat answer carrying secrets.
pub(crate) fn auth_call<'a, T>(creds: &'a Credentials, path: &'static str) -> Call<'a, T> {
    Call::without_token(
        creds,
        Method::POST,
        path,
        Shape::TopLevel { sensitive: true },
    )
}

/// Every parameter to send at `timestamp_ms`, `sign` last. Empty business parameters are left out, signed
/// or sent (§3.1).
pub(crate) fn signed_params<T>(
    call: &Call<'_, T>,
    timestamp_ms: i64,
) -> Vec<(&'static str, String)> {
    let mut params: Vec<(&'static str, String)> = vec![
        ("app_key", call.creds.app_key.clone()),
        ("timestamp", timestamp_ms.to_string()),
        ("sign_method", "sha256".to_owned()),
    ];
    if let Some(token) = &call.access_token {
        params.push(("access_token", token.expose_secret().to_owned()));
    }
    params.extend(call.params.iter().filter(|(_, v)| !v.is_empty()).cloned());
    let signature = sign(&call.creds.app_secret, call.path(), &params);
    params.push(("sign", signature));
    params
}

/// Gateway + API path: a call with the seller's token goes to the venture's API gateway, a token call
/// (without one) to the shared auth gateway. Appended rather than `join`ed, so the gateway's `/rest` prefix
/// (or a simulator's mount point) is kept; the signature covers the API path only.
pub(crate) fn url<T>(call: &Call<'_, T>) -> Result<Url, ErrorKind> {
    let base = match call.access_token {
        Some(_) => &call.creds.base_url,
        None => &call.creds.auth_url,
    };
    endpoint_url(base, call.path())
}

fn request<T>(
    call: &Call<'_, T>,
    client: &reqwest::Client,
    timestamp_ms: i64,
) -> Result<reqwest::RequestBuilder, ErrorKind> {
    let mut url = url(call)?;
    let params = signed_params(call, timestamp_ms);
    let file = match &call.body {
        Body::File { field, file, .. } => Some((*field, file)),
        Body::None | Body::Json(_) | Body::JsonBytes(_) => None,
    };
    if call.method == Method::GET && file.is_none() {
        url.query_pairs_mut().extend_pairs(params.iter());
        return Ok(client.get(url));
    }
    let request = client.request(call.method.clone(), url);
    match file {
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
        Some((field, file)) => {
            let part = file.part()?;
            let mut form = reqwest::multipart::Form::new();
            for (k, v) in params {
                form = form.text(k, v);
            }
            Ok(request.multipart(form.part(field, part)))
        }
    }
}

impl Signing for LazadaGrant {
    type Credentials = Credentials;
    type Shape = Shape;

    fn build<T>(call: &Call<'_, T>, client: &reqwest::Client) -> Built {
        request(call, client, chrono::Utc::now().timestamp_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kho_channel::test_support::app_credentials;
    use secrecy::SecretString;
    use serde_json::Value;

    /// The app key and secret of Lazada's published signing examples, on the production hosts they name.
    fn creds() -> Credentials {
        let hosts = crate::config::PRODUCTION;
        app_credentials("123456", "helloworld", [hosts.base_url, hosts.auth_url])
    }

    #[test]
    fn reproduces_the_published_order_get_request() {
        let creds = creds();
        let call: Call<'_, Value> = Call::with_token(
            &creds,
            Method::GET,
            "/order/get",
            SecretString::from("test"),
        )
        .param("order_id", 1234);
        let params = signed_params(&call, 1517820392000);
        let sign = params
            .iter()
            .find(|(k, _)| *k == "sign")
            .map(|(_, v)| v.as_str());
        // docs/src/channels/lazada.md §3.4 L1.
        assert_eq!(
            sign,
            Some("4190D32361CFB9581350222F345CB77F3B19F0E31D162316848A2C1FFD5FAB4A")
        );
        let request = request(&call, &reqwest::Client::new(), 1517820392000)
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
            auth_call(&creds, "/auth/token/create").param("code", "0_TryzT8Vd9T1pwS7VWZ2qlMOS5");
        let request = request(&call, &reqwest::Client::new(), 1517820392000)
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
        let call: Call<'_, Value> = Call::with_token(
            &creds,
            Method::POST,
            "/product/stock/sellable/update",
            SecretString::from("test"),
        )
        .param("payload", payload)
        .param("empty", "");
        let request = request(&call, &reqwest::Client::new(), 1517820392000)
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
