//! One Shopee API call as the kit's [`kit::Call`]: where the parameters go (docs/src/channels/shopee.md §3.3), signing with a
//! fresh timestamp on every attempt (§3.4), and classification (§4).

use kho_channel::ErrorKind;
use kho_channel::kit::url::endpoint_url;
use kho_channel::kit::{self, Built, Signing};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::classify::Shape;
use crate::sign::{public_base_string, shop_base_string, sign};

/// What every call needs to be signed and addressed.
#[derive(Debug, Clone)]
pub(crate) struct Credentials {
    pub base_url: Url,
    pub partner_id: u64,
    pub partner_key: SecretString,
    pub shop_id: u64,
}

/// One Shopee call: the kit's [`kit::Call`] with Shopee's signing.
pub(crate) type Call<'a, T> = kit::Call<'a, Credentials, T>;

/// The full URL with the common parameters, signed at `timestamp`.
pub(crate) fn url<T>(call: &Call<'_, T>, timestamp: i64) -> Result<Url, ErrorKind> {
    let creds = call.creds;
    let token = call.access_token.as_ref().map(|t| t.expose_secret());
    // A call with the shop's token is a Shop API call; one without, a Public API call (§3.4).
    let base = match token {
        None => public_base_string(creds.partner_id, call.path(), timestamp),
        Some(token) => shop_base_string(
            creds.partner_id,
            call.path(),
            timestamp,
            token,
            creds.shop_id,
        ),
    };
    let signature = sign(&creds.partner_key, &base);
    let mut url = endpoint_url(&creds.base_url, call.path())?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("partner_id", &creds.partner_id.to_string());
        q.append_pair("timestamp", &timestamp.to_string());
        q.append_pair("sign", &signature);
        if let Some(token) = token {
            q.append_pair("access_token", token);
            q.append_pair("shop_id", &creds.shop_id.to_string());
        }
        for (k, v) in &call.params {
            q.append_pair(k, v);
        }
    }
    Ok(url)
}

/// Shopee's signing (§3.3, §3.4): every parameter in the query, signed with a fresh timestamp; a body is
/// JSON, or multipart for `upload_image` (with `scene`). Shop API calls carry the token and shop id.
impl Signing for Credentials {
    type Credentials = Credentials;
    type Shape = Shape;

    fn build<T>(call: &Call<'_, T>, client: &reqwest::Client) -> Built {
        call.body_onto(call.request_to(client, url(call, chrono::Utc::now().timestamp())?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::Method;
    use serde_json::Value;

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
        let call: Call<'_, Value> = Call::with_token(
            &creds,
            Method::POST,
            "/api/v2/product/update_stock",
            SecretString::from("59777174636562737266615546704c6d"),
        );
        let url = url(&call, 1655714431).unwrap();
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

        let public: Call<'_, Value> = Call::without_token(
            &creds,
            Method::POST,
            "/api/v2/auth/token/get",
            Shape::TopLevel { sensitive: true },
        );
        let url = super::url(&public, 1655714431).unwrap();
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert!(!q.contains_key("access_token") && !q.contains_key("shop_id"));
        assert_eq!(
            q["sign"],
            "cbb23b64b4928204e705d6959b7e5d8f55db746d81f0572e04a789f1f1aeb5a0"
        );
    }
}
