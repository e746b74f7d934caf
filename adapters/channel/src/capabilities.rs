//! What a marketplace can do and how it batches, so the core can plan calls (and show their cost in
//! `kho sync --dry-run`) without knowing which marketplace it talks to.

use std::time::Duration;

/// How stock/price writes may be grouped into one API call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchScope {
    /// All variants of one item per call (Shopee: ≤ 50 models; TikTok: one product, SKUs uncapped).
    PerItem {
        /// Cap on variants in one call; `None` when the marketplace documents none.
        max_variants: Option<usize>,
    },
    /// Variants of any items in one call (Lazada: ≤ 50 SKUs across products).
    AcrossItems { max_variants: usize },
    /// Variants of one item per call, and items that have no variants packed together across items, at
    /// most `max_variants` either way (WooCommerce: `products/{id}/variations/batch` and `products/batch`,
    /// ≤ 100 each).
    PerParent { max_variants: usize },
}

/// How the marketplace's OAuth tokens behave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenModel {
    /// Each refresh returns a new refresh token and burns the old one (Shopee). Refreshes must then be
    /// serialised and the new pair persisted before use, or the shop must be re-authorised.
    pub refresh_rotates: bool,
    /// Whether a refresh extends the refresh token's own lifetime (Lazada's does not).
    pub refresh_extends_refresh_lifetime: bool,
    /// Typical access-token lifetime.
    pub access_ttl: Duration,
    /// Refresh this long before the access token expires.
    pub refresh_ahead: Duration,
}

impl TokenModel {
    /// Tokens whose every refresh returns a new refresh token (burning the old one) and restarts its
    /// lifetime — what Shopee and TikTok document, and the safe assumption where a marketplace is silent.
    pub const fn rotating(access_ttl: Duration, refresh_ahead: Duration) -> Self {
        Self {
            refresh_rotates: true,
            refresh_extends_refresh_lifetime: true,
            access_ttl,
            refresh_ahead,
        }
    }

    /// No tokens at all: every call carries a long-lived API key (WooCommerce's consumer key and secret).
    /// There is no grant to obtain and nothing to refresh, so the account never waits in `needs_reauth`
    /// for tokens and the refresh loop has nothing to do.
    pub const fn none() -> Self {
        Self {
            refresh_rotates: false,
            refresh_extends_refresh_lifetime: false,
            access_ttl: Duration::ZERO,
            refresh_ahead: Duration::ZERO,
        }
    }

    /// Whether the marketplace issues tokens at all (see [`Self::none`]).
    pub fn has_tokens(&self) -> bool {
        self.access_ttl > Duration::ZERO
    }

    /// The same, but a refresh leaves the refresh token's own expiry where it was (Lazada), so the seller
    /// must re-authorise when it ends.
    pub const fn refresh_lifetime_fixed(self) -> Self {
        Self {
            refresh_extends_refresh_lifetime: false,
            ..self
        }
    }
}

/// Static facts about a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    /// `shopee`, `tiktok`, `lazada` …
    pub channel: &'static str,
    pub stock_batch: BatchScope,
    pub price_batch: BatchScope,
    /// Items per list/unlist call.
    pub max_status_items: usize,
    /// Orders per detail call.
    pub max_order_details: usize,
    /// Longest order-list window the marketplace accepts in one query.
    pub max_order_window: Option<chrono::Duration>,
    /// Pushes order changes to us (otherwise: polling only).
    pub webhooks: bool,
    pub tokens: TokenModel,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listing::RemoteId;

    #[test]
    fn calls_per_item_and_across_items() {
        let ids: Vec<RemoteId> = (0..120)
            .map(|i| RemoteId::variant(format!("item{}", i % 2), i.to_string()))
            .collect();
        // 60 variants per item, 50 per call → 2 calls per item.
        assert_eq!(
            BatchScope::PerItem {
                max_variants: Some(50)
            }
            .calls_for(&ids),
            4
        );
        assert_eq!(
            BatchScope::PerItem { max_variants: None }.calls_for(&ids),
            2
        );
        assert_eq!(
            BatchScope::AcrossItems { max_variants: 50 }.calls_for(&ids),
            3
        );
    }

    #[test]
    fn rotating_token_models() {
        let (ttl, ahead) = (Duration::from_secs(3600), Duration::from_secs(60));
        let rotating = TokenModel::rotating(ttl, ahead);
        assert!(rotating.refresh_rotates && rotating.refresh_extends_refresh_lifetime);
        assert_eq!((rotating.access_ttl, rotating.refresh_ahead), (ttl, ahead));
        let fixed = rotating.refresh_lifetime_fixed();
        assert!(fixed.refresh_rotates && !fixed.refresh_extends_refresh_lifetime);
        assert_eq!((fixed.access_ttl, fixed.refresh_ahead), (ttl, ahead));
        assert!(fixed.has_tokens());
        let none = TokenModel::none();
        assert!(!none.has_tokens() && !none.refresh_rotates);
    }
}
