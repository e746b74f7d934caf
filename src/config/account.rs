//! Channel accounts: one marketplace shop each, with its limits, allocation
//! rule and credentials.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use url::Url;

use super::{Problem, Secret};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    Shopee,
    Tiktok,
    Lazada,
    /// A cooperative's own WordPress site with WooCommerce.
    WooCommerce,
    Tiki,
}

impl ChannelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Shopee => "shopee",
            ChannelKind::Tiktok => "tiktok",
            ChannelKind::Lazada => "lazada",
            ChannelKind::WooCommerce => "woocommerce",
            ChannelKind::Tiki => "tiki",
        }
    }

    /// Whether the channel issues OAuth tokens (WooCommerce signs every call
    /// with its API key instead: there is nothing to connect or refresh).
    pub fn has_tokens(self) -> bool {
        !matches!(self, ChannelKind::WooCommerce)
    }
}

/// A promise to the marketplace: at most `per_second` requests in any sliding
/// one-second window, at most `burst` of them back to back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    pub per_second: u32,
    #[serde(default = "one")]
    pub burst: u32,
    /// Extra spacing per second so that requests the network delays unevenly
    /// still arrive within the promise (costs `margin_ms / 1000` of the rate).
    #[serde(default = "default_margin_ms")]
    pub margin_ms: u64,
}

fn one() -> u32 {
    1
}

fn default_margin_ms() -> u64 {
    u64::try_from(kho_channel::DEFAULT_MARGIN.as_millis()).unwrap_or(20)
}

/// The largest margin accepted: beyond it the account would run at under
/// half its limit.
pub const MAX_MARGIN_MS: u64 = 1000;

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            per_second: 10,
            burst: 1,
            margin_ms: default_margin_ms(),
        }
    }
}

/// How much of a SKU's available stock an account advertises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "lowercase", deny_unknown_fields)]
pub enum Allocation {
    /// Every shared account shows the same pool, minus a safety buffer.
    Shared {
        #[serde(default)]
        buffer: i64,
        #[serde(default = "hundred")]
        percent: u32,
        #[serde(default)]
        maximum: Option<i64>,
        /// Below this many units the account shows 0.
        #[serde(default)]
        threshold: i64,
    },
    /// The account owns `share` percent of what is available; the shares of one
    /// producer's accounts never add up to more than 100, so overselling is
    /// impossible by construction.
    Partition {
        share: u32,
        #[serde(default)]
        buffer: i64,
    },
}

fn hundred() -> u32 {
    100
}

impl Default for Allocation {
    fn default() -> Self {
        Allocation::Shared {
            buffer: 0,
            percent: 100,
            maximum: None,
            threshold: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShopeeCredentials {
    pub partner_id: u64,
    pub partner_key: Secret,
    pub shop_id: u64,
    pub access_token: Option<Secret>,
    pub refresh_token: Option<Secret>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TikTokCredentials {
    pub app_key: String,
    pub app_secret: Secret,
    pub shop_cipher: String,
    /// The shop id TikTok names in webhooks (to route them to this account).
    pub shop_id: Option<String>,
    /// The app's Partner Center service id: with it the seller is sent to
    /// TikTok's current consent page, without it to the older one.
    pub service_id: Option<String>,
    pub access_token: Option<Secret>,
    pub refresh_token: Option<Secret>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LazadaCredentials {
    pub app_key: String,
    pub app_secret: Secret,
    /// The seller id Lazada names in pushes (to route them to this account).
    pub seller_id: Option<String>,
    pub access_token: Option<Secret>,
    pub refresh_token: Option<Secret>,
}

/// A WooCommerce site's REST API key and webhook secret: no tokens.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WooCommerceCredentials {
    pub consumer_key: String,
    pub consumer_secret: Secret,
    /// The secret the site's webhooks are signed with (`X-WC-Webhook-Signature`).
    pub webhook_secret: Secret,
    pub auth: WooAuth,
}

/// How calls to a WooCommerce site authenticate (credential key `auth`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WooAuth {
    /// By the site's scheme: HTTP Basic over https, OAuth 1.0a one-legged
    /// signing over plain http (where WooCommerce ignores Basic).
    #[default]
    Auto,
    /// The key and secret as query parameters, for a server that strips the
    /// `Authorization` header ("Consumer key is missing"); https only.
    Query,
}

/// A Tiki public app's credentials; the seller's tokens come from the
/// authorization code flow and rotate on every refresh.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TikiCredentials {
    pub client_id: String,
    pub client_secret: Secret,
    pub access_token: Option<Secret>,
    pub refresh_token: Option<Secret>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Credentials {
    Shopee(ShopeeCredentials),
    Tiktok(TikTokCredentials),
    Lazada(LazadaCredentials),
    WooCommerce(WooCommerceCredentials),
    Tiki(TikiCredentials),
}

#[derive(Debug, Clone, Serialize)]
pub struct AccountConfig {
    pub name: String,
    pub channel: ChannelKind,
    pub producer: String,
    pub base_url: Url,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_url: Option<Url>,
    /// TikTok only: the host of the current seller consent page (default
    /// `https://services.tiktokshop.com`; US shops use
    /// `https://services.us.tiktokshop.com`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consent_url: Option<Url>,
    pub rate_limit: RateLimit,
    pub allocation: Allocation,
    pub credentials: Credentials,
    /// The shop's warehouse (Shopee `location_id`, TikTok `warehouse_id`,
    /// Lazada `warehouse_code`) when it has several.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warehouse: Option<String>,
    /// How the catalog maps onto the marketplace's ids for publishing
    /// (categories, attributes, logistics); its shape is the channel's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mapping: Option<serde_json::Value>,
    /// SKUs per stock or price call, for marketplaces that batch across
    /// products (Lazada: 1..=50, default 20). Bigger batches cost fewer
    /// calls; Lazada asks for 20 or fewer when it is under load (error 513).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<usize>,
    /// Days of shelf life a unit must still have for this shop to show it:
    /// a marketplace whose deliveries take days must not sell fruit that
    /// spoils on the way. 0 (the default) shows every unit not past its
    /// best-before.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub min_shelf_life_days: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Lazada's cap on SKUs in one stock or price call (error 4171 above it).
pub const MAX_BATCH_SIZE: usize = 50;

#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum CredValue {
    Int(i64),
    Str(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAccount {
    name: String,
    channel: ChannelKind,
    producer: String,
    base_url: Url,
    #[serde(default)]
    auth_url: Option<Url>,
    #[serde(default)]
    consent_url: Option<Url>,
    #[serde(default)]
    rate_limit: RateLimit,
    #[serde(default)]
    allocation: Allocation,
    credentials: BTreeMap<String, CredValue>,
    #[serde(default)]
    warehouse: Option<String>,
    #[serde(default)]
    mapping: Option<serde_json::Value>,
    #[serde(default)]
    batch_size: Option<u64>,
    #[serde(default)]
    min_shelf_life_days: u32,
}

/// Resolves and checks every account, adding what is wrong to `problems`.
pub(super) fn resolve_all(
    raw: Vec<RawAccount>,
    env: &HashMap<String, String>,
    problems: &mut Vec<Problem>,
) -> Vec<AccountConfig> {
    let mut names = HashSet::new();
    let mut shares: BTreeMap<String, (u32, Vec<String>)> = BTreeMap::new();
    let mut out = Vec::new();
    for (i, acc) in raw.into_iter().enumerate() {
        let at = |key: &str| format!("accounts[{i}].{key}");
        let mut push = |key: &str, message: String| {
            problems.push(Problem {
                path: at(key),
                message,
            })
        };
        if !valid_name(&acc.name) {
            push(
                "name",
                format!(
                    "{:?} must be 1-64 characters of a-z, 0-9, '-' and '_'",
                    acc.name
                ),
            );
        } else if !names.insert(acc.name.clone()) {
            push("name", format!("{:?} is used by another account", acc.name));
        }
        if acc.producer.trim().is_empty() {
            push("producer", "must name a producer code".into());
        }
        for (key, url) in [
            ("base_url", Some(&acc.base_url)),
            ("auth_url", acc.auth_url.as_ref()),
            ("consent_url", acc.consent_url.as_ref()),
        ] {
            if let Some(url) = url
                && !matches!(url.scheme(), "http" | "https")
            {
                push(key, format!("{url} is not an http(s) URL"));
            }
        }
        if acc.auth_url.is_some() && acc.channel == ChannelKind::Shopee {
            push(
                "auth_url",
                "shopee accounts take their tokens from base_url; remove auth_url".into(),
            );
        }
        if acc.auth_url.is_some() && !acc.channel.has_tokens() {
            push(
                "auth_url",
                format!(
                    "{} accounts have no tokens (every call is signed with the API key); remove auth_url",
                    acc.channel.as_str()
                ),
            );
        }
        if acc.consent_url.is_some() && acc.channel != ChannelKind::Tiktok {
            push(
                "consent_url",
                format!(
                    "only tiktok accounts have a consent host; remove consent_url from this {} account",
                    acc.channel.as_str()
                ),
            );
        }
        // Never defaulted to the production token host: a test or demo
        // configuration must not refresh against it by omission. Shopee and
        // Tiki serve their token endpoints from the API host (Tiki unless
        // told otherwise); WooCommerce has no tokens.
        let token_host = match acc.channel {
            ChannelKind::Tiktok => Some(kho_tiktok::config::PRODUCTION),
            ChannelKind::Lazada => Some(kho_lazada::config::PRODUCTION),
            ChannelKind::Shopee | ChannelKind::Tiki | ChannelKind::WooCommerce => None,
        };
        if let (None, Some(production)) = (&acc.auth_url, token_host) {
            push(
                "auth_url",
                format!(
                    "missing key: {} accounts need their token host (e.g. {})",
                    acc.channel.as_str(),
                    production.auth_url
                ),
            );
        }
        let batch_size = match acc.batch_size {
            None => None,
            Some(_) if !matches!(acc.channel, ChannelKind::Lazada | ChannelKind::Tiki) => {
                push(
                    "batch_size",
                    format!(
                        "only lazada and tiki accounts batch across products; {} batches per item",
                        acc.channel.as_str()
                    ),
                );
                None
            }
            Some(n) => match usize::try_from(n) {
                Ok(n) if (1..=MAX_BATCH_SIZE).contains(&n) => Some(n),
                _ => {
                    push(
                        "batch_size",
                        format!("{n} is not between 1 and {MAX_BATCH_SIZE} SKUs per call"),
                    );
                    None
                }
            },
        };
        let rl = acc.rate_limit;
        if rl.per_second == 0 {
            push("rate_limit.per_second", "must be at least 1".into());
        }
        if rl.burst == 0 || rl.burst > rl.per_second {
            push(
                "rate_limit.burst",
                format!("must be between 1 and per_second ({})", rl.per_second),
            );
        }
        if rl.margin_ms > MAX_MARGIN_MS {
            push(
                "rate_limit.margin_ms",
                format!("must be at most {MAX_MARGIN_MS} (milliseconds)"),
            );
        }
        match acc.allocation {
            Allocation::Shared {
                buffer,
                percent,
                maximum,
                threshold,
            } => {
                if buffer < 0 {
                    push("allocation.buffer", "must not be negative".into());
                }
                if percent > 100 {
                    push("allocation.percent", "must be between 0 and 100".into());
                }
                if maximum.is_some_and(|m| m < 0) {
                    push("allocation.maximum", "must not be negative".into());
                }
                if threshold < 0 {
                    push("allocation.threshold", "must not be negative".into());
                }
            }
            Allocation::Partition { share, buffer } => {
                if share == 0 || share > 100 {
                    push(
                        "allocation.share",
                        "must be between 1 and 100 (percent)".into(),
                    );
                }
                if buffer < 0 {
                    push("allocation.buffer", "must not be negative".into());
                }
                let entry = shares.entry(acc.producer.clone()).or_default();
                entry.0 += share;
                entry.1.push(acc.name.clone());
            }
        }
        let mut creds = CredReader {
            map: acc.credentials,
            env,
            index: i,
            problems: Vec::new(),
        };
        let credentials = match acc.channel {
            ChannelKind::Shopee => Credentials::Shopee(ShopeeCredentials {
                partner_id: creds.number("partner_id"),
                partner_key: creds.secret("partner_key"),
                shop_id: creds.number("shop_id"),
                access_token: creds.optional_secret("access_token"),
                refresh_token: creds.optional_secret("refresh_token"),
            }),
            ChannelKind::Tiktok => Credentials::Tiktok(TikTokCredentials {
                app_key: creds.text("app_key"),
                app_secret: creds.secret("app_secret"),
                shop_cipher: creds.text("shop_cipher"),
                shop_id: creds.optional_text("shop_id"),
                service_id: creds.optional_text("service_id"),
                access_token: creds.optional_secret("access_token"),
                refresh_token: creds.optional_secret("refresh_token"),
            }),
            ChannelKind::Lazada => Credentials::Lazada(LazadaCredentials {
                app_key: creds.text("app_key"),
                app_secret: creds.secret("app_secret"),
                seller_id: creds.optional_text("seller_id"),
                access_token: creds.optional_secret("access_token"),
                refresh_token: creds.optional_secret("refresh_token"),
            }),
            ChannelKind::WooCommerce => Credentials::WooCommerce(WooCommerceCredentials {
                consumer_key: creds.text("consumer_key"),
                consumer_secret: creds.secret("consumer_secret"),
                webhook_secret: creds.secret("webhook_secret"),
                auth: creds.woo_auth(&acc.base_url),
            }),
            ChannelKind::Tiki => Credentials::Tiki(TikiCredentials {
                client_id: creds.text("client_id"),
                client_secret: creds.secret("client_secret"),
                access_token: creds.optional_secret("access_token"),
                refresh_token: creds.optional_secret("refresh_token"),
            }),
        };
        for key in creds.map.keys() {
            creds.problems.push(Problem {
                path: format!("accounts[{i}].credentials.{key}"),
                message: format!("unknown key for a {} account", acc.channel.as_str()),
            });
        }
        problems.append(&mut creds.problems);
        if let Some(mapping) = &acc.mapping
            && let Err(message) = check_mapping(acc.channel, mapping)
        {
            problems.push(Problem {
                path: format!("accounts[{i}].mapping"),
                message,
            });
        }
        out.push(AccountConfig {
            name: acc.name,
            channel: acc.channel,
            producer: acc.producer,
            base_url: acc.base_url,
            auth_url: acc.auth_url,
            consent_url: acc.consent_url,
            rate_limit: acc.rate_limit,
            allocation: acc.allocation,
            credentials,
            warehouse: acc.warehouse,
            mapping: acc.mapping,
            batch_size,
            min_shelf_life_days: acc.min_shelf_life_days,
        });
    }
    for (producer, (total, names)) in shares {
        if total > 100 {
            problems.push(Problem {
                path: "accounts".into(),
                message: format!(
                    "partition shares of producer {producer:?} add up to {total}% ({}); they must not exceed 100%",
                    names.join(", ")
                ),
            });
        }
    }
    out
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Takes credential keys out of the table one by one, so that whatever is
/// left at the end is an unknown key.
struct CredReader<'a> {
    map: BTreeMap<String, CredValue>,
    env: &'a HashMap<String, String>,
    index: usize,
    problems: Vec<Problem>,
}

impl CredReader<'_> {
    fn problem(&mut self, key: &str, message: String) {
        self.problems.push(Problem {
            path: format!("accounts[{}].credentials.{key}", self.index),
            message,
        });
    }

    /// The value as text, with `env:NAME` read from the environment.
    fn take(&mut self, key: &str) -> Option<String> {
        let raw = match self.map.remove(key)? {
            CredValue::Int(n) => return Some(n.to_string()),
            CredValue::Str(s) => s,
        };
        match raw.strip_prefix("env:") {
            Some(var) => match self.env.get(var) {
                Some(v) if !v.is_empty() => Some(v.clone()),
                _ => {
                    self.problem(key, format!("environment variable {var} is not set"));
                    None
                }
            },
            None => Some(raw),
        }
    }

    fn required(&mut self, key: &str) -> Option<String> {
        let present = self.map.contains_key(key);
        let value = self.take(key);
        if !present {
            self.problem(key, "missing key".into());
        }
        match value {
            Some(v) if v.trim().is_empty() => {
                self.problem(key, "must not be empty".into());
                None
            }
            other => other,
        }
    }

    fn number(&mut self, key: &str) -> u64 {
        match self.required(key) {
            Some(text) => match text.parse::<u64>() {
                Ok(n) if n > 0 => n,
                _ => {
                    self.problem(key, format!("{text:?} is not a positive whole number"));
                    0
                }
            },
            None => 0,
        }
    }

    fn text(&mut self, key: &str) -> String {
        self.required(key).unwrap_or_default()
    }

    fn secret(&mut self, key: &str) -> Secret {
        // Never echo the value in a message: it is a secret.
        Secret::new(self.required(key).unwrap_or_default())
    }

    fn optional_text(&mut self, key: &str) -> Option<String> {
        self.take(key).filter(|v| !v.trim().is_empty())
    }

    fn optional_secret(&mut self, key: &str) -> Option<Secret> {
        self.take(key).filter(|v| !v.is_empty()).map(Secret::new)
    }

    /// WooCommerce's optional `auth`: `auto` or `query` (which only works
    /// over https: over http WooCommerce ignores query credentials).
    fn woo_auth(&mut self, base_url: &Url) -> WooAuth {
        match self.optional_text("auth").as_deref() {
            None | Some("auto") => WooAuth::Auto,
            Some("query") if base_url.scheme() == "https" => WooAuth::Query,
            Some("query") => {
                self.problem(
                    "auth",
                    "\"query\" needs an https base_url (WooCommerce ignores query credentials over http)".into(),
                );
                WooAuth::Auto
            }
            Some(other) => {
                self.problem("auth", format!("{other:?} is not \"auto\" or \"query\""));
                WooAuth::Auto
            }
        }
    }
}

/// Checks a `mapping` table against the channel's shape at configuration
/// load, so a typo stops kho at start rather than at the first publish.
pub fn check_mapping(channel: ChannelKind, mapping: &serde_json::Value) -> Result<(), String> {
    match channel {
        ChannelKind::Shopee => serde_json::from_value::<kho_shopee::ShopeeMapping>(mapping.clone())
            .map(|_| ())
            .map_err(|e| e.to_string()),
        ChannelKind::Tiktok => serde_json::from_value::<kho_tiktok::TikTokMapping>(mapping.clone())
            .map(|_| ())
            .map_err(|e| e.to_string()),
        ChannelKind::Lazada => serde_json::from_value::<kho_lazada::LazadaMapping>(mapping.clone())
            .map(|_| ())
            .map_err(|e| e.to_string()),
        ChannelKind::WooCommerce => {
            Err("woocommerce accounts publish without a mapping (the site's own categories are left to the shop); remove it".into())
        }
        ChannelKind::Tiki => serde_json::from_value::<kho_tiki::TikiMapping>(mapping.clone())
            .map(|_| ())
            .map_err(|e| e.to_string()),
    }
}
