//! What every adapter's account config shares. The configs themselves stay per marketplace: they deny
//! unknown keys, which rules out flattening a shared struct into them, so shared parts are functions.

use std::num::NonZeroU32;

use crate::transport::RateLimit;

/// The request rate an account gets when its config sets none: 10 per second. No marketplace publishes a
/// limit that covers all of its APIs for one shop (Shopee publishes none, TikTok's figures are unconfirmed,
/// Lazada's covers only its inventory APIs), so one conservative figure serves them all.
pub fn default_rate_limit() -> RateLimit {
    RateLimit::per_second(NonZeroU32::new(10).unwrap_or(NonZeroU32::MIN))
}

/// A marketplace's production hosts, named in error hints, examples and signing vectors but never used as
/// defaults: a test or demo configuration must not reach the real marketplace (or refresh a token
/// against it) by leaving a key out.
#[derive(Debug, Clone, Copy)]
pub struct ProductionHosts {
    pub base_url: &'static str,
    pub auth_url: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_ten_per_second() {
        assert_eq!(default_rate_limit().per_second.get(), 10);
    }
}
