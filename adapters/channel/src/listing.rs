//! Listings as the core sees them, whatever the marketplace calls them.
//!
//! Every marketplace has a two-level model: a product/item that buyers see, and variants (Shopee "models",
//! TikTok/Lazada "SKUs") that carry stock and price. [`RemoteId`] names a variant; an item without variants
//! is addressed with `variant_id: None`. Ids are strings because marketplaces disagree on width and some
//! (TikTok) exceed what JSON numbers carry safely.

use serde::{Deserialize, Serialize};

/// Where a sellable unit lives on a marketplace.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RemoteId {
    /// The product/item id.
    pub item_id: String,
    /// The variant (model/SKU) id; `None` for an item without variants.
    pub variant_id: Option<String>,
}

impl RemoteId {
    pub fn item(item_id: impl Into<String>) -> Self {
        Self {
            item_id: item_id.into(),
            variant_id: None,
        }
    }

    pub fn variant(item_id: impl Into<String>, variant_id: impl Into<String>) -> Self {
        Self {
            item_id: item_id.into(),
            variant_id: Some(variant_id.into()),
        }
    }
}

impl AsRef<RemoteId> for RemoteId {
    fn as_ref(&self) -> &RemoteId {
        self
    }
}

impl std::fmt::Display for RemoteId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.variant_id {
            Some(v) => write!(f, "{}/{}", self.item_id, v),
            None => f.write_str(&self.item_id),
        }
    }
}

/// Whether buyers can see and buy a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListingStatus {
    /// Visible and buyable.
    Active,
    /// Unlisted by the seller (can be re-listed).
    Inactive,
    /// Waiting for the marketplace's review.
    UnderReview,
    /// Blocked by the marketplace.
    Banned,
    /// Deleted (by the seller or the marketplace); cannot be changed any more.
    Deleted,
}

/// One sellable unit as it currently is on the marketplace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteListing {
    pub id: RemoteId,
    /// The seller SKU the shop typed in; the key the core links listings by. Empty when the seller left it blank.
    pub seller_sku: String,
    /// Item title, plus the variant name when there is one (for humans linking by hand).
    pub title: String,
    /// Stock the seller controls (what we push), not marketplace-held warehouse stock.
    pub stock: i64,
    /// Price in whole đồng (VND has no minor unit).
    pub price_vnd: i64,
    pub status: ListingStatus,
    /// Units the marketplace holds out of what the seller set (promotion or
    /// campaign reservations, unpaid and unshipped orders), where it reports
    /// them; reconciliation names them as the cause of a stock difference.
    #[serde(default)]
    pub held_stock: Option<i64>,
}

/// Set a variant's sellable stock to an absolute value (absolute, so repeating a push is harmless).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockUpdate {
    pub id: RemoteId,
    pub stock: i64,
}

/// Set a variant's (undiscounted) price, in whole đồng.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceUpdate {
    pub id: RemoteId,
    pub price_vnd: i64,
}

/// List or unlist a whole item. Marketplaces unlist items, not single variants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub item_id: String,
    pub active: bool,
}

/// An image to attach to a new listing. Some marketplaces (Shopee) accept only uploaded files, so a URL is
/// downloaded by the adapter first.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DraftImage {
    Url(String),
    Bytes {
        file_name: String,
        content_type: String,
        data: Vec<u8>,
    },
}

impl std::fmt::Debug for DraftImage {
    // Image bytes would flood logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Url(u) => f.debug_tuple("Url").field(u).finish(),
            Self::Bytes {
                file_name, data, ..
            } => write!(f, "Bytes({file_name}, {} bytes)", data.len()),
        }
    }
}

/// One variant of a listing to publish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantDraft {
    pub seller_sku: String,
    /// Shown to buyers as the variant option ("500 g", "Hộp 1 kg").
    pub name: String,
    pub price_vnd: i64,
    pub stock: i64,
}

/// A new listing. `category` is kho's own category name; each adapter maps it to the marketplace's
/// category (and attributes, logistics) through its per-account mapping config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingDraft {
    pub name: String,
    pub description: String,
    pub category: String,
    pub images: Vec<DraftImage>,
    /// Package weight in grams.
    pub weight_g: u32,
    /// One entry for a product without variants; the adapter then creates a plain item.
    pub variants: Vec<VariantDraft>,
}

/// What publishing created: the ids to link each SKU to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedListing {
    pub item_id: String,
    /// `(seller_sku, remote id)` for every variant of the draft.
    pub variants: Vec<(String, RemoteId)>,
}

/// Adds up quantities a marketplace reports (per warehouse, per component),
/// saturating: the numbers come from the network, and a crafted or corrupt
/// answer must not overflow (a panic with overflow checks, a wrapped and
/// negative stock without).
pub fn sum_quantities(quantities: impl IntoIterator<Item = i64>) -> i64 {
    quantities.into_iter().fold(0, i64::saturating_add)
}

#[cfg(test)]
mod sum_tests {
    use super::sum_quantities;

    #[test]
    fn quantities_add_up_and_saturate_instead_of_overflowing() {
        assert_eq!(sum_quantities([3, 4, 5]), 12);
        assert_eq!(sum_quantities([]), 0);
        assert_eq!(sum_quantities([i64::MAX, 1]), i64::MAX);
        assert_eq!(sum_quantities([i64::MIN, -1]), i64::MIN);
    }
}
