//! The checks every marketplace makes on a listing draft before any call: the category must be mapped for
//! the account, and the variant and image counts must be within the marketplace's limits. Refusing early
//! keeps a half-created listing (images uploaded, no product) from ever happening.

use std::collections::BTreeMap;

use crate::error::{ChannelError, ErrorKind};
use crate::listing::ListingDraft;
use crate::transport::AccountClient;

/// Errors of a refused draft name this endpoint.
pub const PUBLISH: &str = "publish";

/// A marketplace's limits on one listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DraftRules {
    /// `Shopee`, `TikTok` … as named in refusals.
    pub marketplace: &'static str,
    pub max_images: usize,
    /// `None` when the marketplace documents no cap.
    pub max_variants: Option<usize>,
}

impl DraftRules {
    /// A marketplace's rules with no cap on variants (add one with [`Self::max_variants`]); `const`, so an
    /// adapter states its limits once as a constant.
    pub const fn new(marketplace: &'static str, max_images: usize) -> Self {
        Self {
            marketplace,
            max_images,
            max_variants: None,
        }
    }

    /// The same rules with at most `max` variants per listing.
    pub const fn max_variants(self, max: usize) -> Self {
        Self {
            max_variants: Some(max),
            ..self
        }
    }

    /// The draft's category mapping, once the draft is within the limits.
    pub fn check<'m, C>(
        &self,
        http: &AccountClient,
        draft: &ListingDraft,
        categories: &'m BTreeMap<String, C>,
    ) -> Result<&'m C, ChannelError> {
        let marketplace = self.marketplace;
        let category = categories.get(&draft.category).ok_or_else(|| {
            refuse(
                http,
                "unmapped_category",
                format!(
                    "category {:?} has no {marketplace} mapping for this account",
                    draft.category
                ),
            )
        })?;
        let count = |what: &str, n: usize, max: Option<usize>| {
            let range = max.map_or("at least 1".to_owned(), |max| format!("1 to {max}"));
            refuse(
                http,
                &format!("{what}_count"),
                format!("{n} {what}s; {marketplace} takes {range}"),
            )
        };
        let variants = draft.variants.len();
        if variants == 0 || self.max_variants.is_some_and(|max| variants > max) {
            return Err(count("variant", variants, self.max_variants));
        }
        let images = draft.images.len();
        if images == 0 || images > self.max_images {
            return Err(count("image", images, Some(self.max_images)));
        }
        Ok(category)
    }
}

/// A draft refused before any call (classified as a permanent `kho.<code>` error).
pub fn refuse(http: &AccountClient, code: &str, message: String) -> ChannelError {
    http.error(PUBLISH, ErrorKind::invalid_request(code, message))
}
