//! Publishing a new listing (docs/src/channels/lazada.md §6.3, §6.4): product payloads accept only Lazada-hosted image URLs,
//! so each image is first migrated (`/image/migrate`, for a URL) or uploaded (`/image/upload`, multipart,
//! for bytes); then one `/product/create` with a JSON `payload`
//! `{"Request":{"Product":{"PrimaryCategory","Images":{"Image":[…]},"Attributes":{…},"Skus":{"Sku":[…]}}}}`
//! where `Image` and `Sku` are always arrays (error 1001 otherwise). The answer's `sku_list` links each
//! `SellerSku` to its `SkuId`. Category, attributes, brand and package dimensions come from the account's
//! [`crate::config::LazadaMapping`].

use kho_channel::async_trait::async_trait;
use kho_channel::kit::draft::refuse;
use kho_channel::kit::ops::{Published, Publishing};
use kho_channel::kit::units::kilograms;
use kho_channel::kit::{DraftRules, ImageLimits};
use kho_channel::{ChannelError, DraftImage, ErrorKind, ListingDraft, PublishedListing, RemoteId};
use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::client::LazadaChannel;
use crate::config::CategoryMapping;
use crate::inventory::xml_escape;
use crate::wire::{CreateProductResponse, ImageResponse};

pub const PRODUCT_CREATE: &str = "/product/create";
pub const IMAGE_MIGRATE: &str = "/image/migrate";
pub const IMAGE_UPLOAD: &str = "/image/upload";

/// At most 8 images per `Image` list (§6.3).
/// No documented cap on SKUs.
const DRAFT_RULES: DraftRules = DraftRules::new("Lazada", 8);
/// The documented upload cap (3 145 728 B in the newer error text; the older docs say 1 MB).
const IMAGE_LIMITS: ImageLimits = ImageLimits::new(3_145_728, IMAGE_UPLOAD);

/// Already on Lazada's CDN: no migration needed.
fn is_lazada_hosted(url: &str) -> bool {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .is_some_and(|h| h.ends_with("slatic.net") || h.ends_with("lazcdn.com"))
}

/// `<Request><Image><Url>…</Url></Image></Request>`; a URL with `&` goes in CDATA as Lazada asks.
pub(crate) fn migrate_payload(url: &str) -> String {
    let inner = if url.contains('&') && !url.contains("]]>") {
        format!("<![CDATA[{url}]]>")
    } else {
        xml_escape(url)
    };
    format!("<Request><Image><Url>{inner}</Url></Image></Request>")
}

#[async_trait]
impl Publishing for LazadaChannel {
    async fn publish_listing(&self, draft: &ListingDraft) -> Published {
        // A bad draft fails before any image is migrated.
        self.validate_draft(draft)?;
        let mut images = Vec::with_capacity(draft.images.len());
        for image in &draft.images {
            images.push(self.lazada_image(image).await?);
        }
        let payload = self.create_payload(draft, &images)?;
        let created: CreateProductResponse = self
            .seller_call(Method::POST, PRODUCT_CREATE, ("payload", &payload))
            .await?;
        let mut variants = Vec::with_capacity(draft.variants.len());
        for v in &draft.variants {
            let sku = created
                .sku_list
                .iter()
                .find(|s| s.seller_sku.trim() == v.seller_sku.trim() && !s.sku_id.is_empty())
                .ok_or_else(|| {
                    tracing::warn!(account = %self.kit.name, item_id = %created.item_id,
                        "product created but a SKU id is missing from the answer; link it by listing the shop");
                    self.kit.error(
                        PRODUCT_CREATE,
                        ErrorKind::Permanent {
                            code: "kho.sku_missing".into(),
                            message: format!(
                                "product {} was created but the answer has no SKU id for {:?}",
                                created.item_id, v.seller_sku
                            ),
                        },
                    )
                })?;
            variants.push((
                v.seller_sku.clone(),
                RemoteId::variant(created.item_id.clone(), sku.sku_id.clone()),
            ));
        }
        if let Some(status) = &created.item_status {
            tracing::info!(account = %self.kit.name, item_id = %created.item_id, status = %status, "Lazada product created");
        }
        Ok(PublishedListing {
            item_id: created.item_id,
            variants,
        })
    }
}

impl LazadaChannel {
    /// Check the draft against Lazada's limits and the account's mapping; returns the category mapping.
    fn validate_draft(&self, draft: &ListingDraft) -> Result<&CategoryMapping, ChannelError> {
        let category = DRAFT_RULES.check(&self.kit.http, draft, &self.mapping.categories)?;
        let invalid = |code: &str, msg: String| refuse(&self.kit.http, code, msg);
        if draft.variants.len() > 1 && category.variation_attribute.is_none() {
            return Err(invalid(
                "no_variation_attribute",
                format!(
                    "category {:?} needs `variation_attribute` to publish {} variants",
                    draft.category,
                    draft.variants.len()
                ),
            ));
        }
        Ok(category)
    }

    /// The `/product/create` payload (after [`Self::validate_draft`]).
    pub(crate) fn create_payload(
        &self,
        draft: &ListingDraft,
        images: &[String],
    ) -> Result<String, ChannelError> {
        let category = self.validate_draft(draft)?;
        let several = draft.variants.len() > 1;
        let variation = category.variation_attribute.as_deref();
        let mut attributes = Map::new();
        attributes.insert("name".into(), json!(draft.name));
        attributes.insert("description".into(), json!(draft.description));
        attributes.insert("brand".into(), json!(self.mapping.brand));
        for (k, v) in &category.attributes {
            attributes.insert(k.clone(), json!(v));
        }
        let skus: Vec<Value> = draft
            .variants
            .iter()
            .map(|v| {
                let mut sku = Map::new();
                sku.insert("SellerSku".into(), json!(v.seller_sku));
                // At creation nothing is withheld or occupied, so total stock is the sellable stock.
                sku.insert("quantity".into(), json!(v.stock.max(0).to_string()));
                sku.insert("price".into(), json!(v.price_vnd.to_string()));
                sku.insert("package_weight".into(), json!(kilograms(draft.weight_g)));
                sku.insert(
                    "package_length".into(),
                    json!(self.mapping.package_length_cm.to_string()),
                );
                sku.insert(
                    "package_width".into(),
                    json!(self.mapping.package_width_cm.to_string()),
                );
                sku.insert(
                    "package_height".into(),
                    json!(self.mapping.package_height_cm.to_string()),
                );
                for (k, val) in &category.sku_attributes {
                    sku.insert(k.clone(), json!(val));
                }
                if let (true, Some(attr)) = (several, variation) {
                    sku.insert(attr.to_owned(), json!(v.name));
                }
                Value::Object(sku)
            })
            .collect();
        let mut product = Map::new();
        product.insert(
            "PrimaryCategory".into(),
            json!(category.primary_category.to_string()),
        );
        product.insert("Images".into(), json!({ "Image": images }));
        product.insert("Attributes".into(), Value::Object(attributes));
        product.insert("Skus".into(), json!({ "Sku": skus }));
        Ok(json!({ "Request": { "Product": product } }).to_string())
    }

    /// A Lazada-hosted URL for one image.
    async fn lazada_image(&self, image: &DraftImage) -> Result<String, ChannelError> {
        let response: ImageResponse = match image {
            DraftImage::Url(url) if is_lazada_hosted(url) => return Ok(url.clone()),
            DraftImage::Url(url) => {
                let payload = migrate_payload(url);
                self.seller_call(Method::POST, IMAGE_MIGRATE, ("payload", &payload))
                    .await?
            }
            DraftImage::Bytes { .. } => {
                let file = IMAGE_LIMITS.file(&self.kit.http, image).await?;
                self.kit
                    .send(Method::POST, IMAGE_UPLOAD, |call| {
                        call.file("image", file.clone(), Vec::new())
                    })
                    .await?
            }
        };
        Ok(response.image.url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(
            migrate_payload("https://x.vn/a.jpg?w=1&h=2"),
            "<Request><Image><Url><![CDATA[https://x.vn/a.jpg?w=1&h=2]]></Url></Image></Request>"
        );
        assert_eq!(
            migrate_payload("https://x.vn/a.jpg"),
            "<Request><Image><Url>https://x.vn/a.jpg</Url></Image></Request>"
        );
        assert!(is_lazada_hosted("https://vn-live-01.slatic.net/p/abc.jpg"));
        assert!(!is_lazada_hosted("https://example.com/slatic.net.jpg"));
    }
}
