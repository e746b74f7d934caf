//! Publishing a new listing (docs/src/channels/tiktok.md §6.1, §6.5): upload each image (multipart, body not signed, no
//! `shop_cipher`), then one `POST /product/202309/products` with every SKU, its price, stock and sales
//! attribute. The response maps `seller_sku` to SKU ids. Category, attributes and brand come from the
//! account's [`crate::config::TikTokMapping`].
//!
//! Create is repeated safely only with an `idempotency_key` (§4.2): the key is derived from the account and
//! the draft (not from the uploaded image URIs, which change when a publish is retried), so a transport retry
//! or a re-run of the same job cannot create the product twice.

use std::collections::HashMap;

use kho_channel::async_trait::async_trait;
use kho_channel::kit::draft::refuse;
use kho_channel::kit::ops::{Published, Publishing};
use kho_channel::kit::units::kilograms;
use kho_channel::kit::{DraftRules, ImageLimits};
use kho_channel::{ChannelError, DraftImage, ErrorKind, ListingDraft, PublishedListing, RemoteId};
use reqwest::Method;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::api::{Body, Request};
use crate::client::TikTokChannel;
use crate::wire::{CreateProductData, Money, UploadImageData, Warehouse};

pub const UPLOAD_IMAGE: &str = "/product/202309/images/upload";
pub const CREATE_PRODUCT: &str = "/product/202309/products";

/// Up to 9 images; more than 100 SKUs is refused with 12052050.
const DRAFT_RULES: DraftRules = DraftRules::new("TikTok", 9).max_variants(100);
/// JPG/JPEG/PNG up to 5 MB (§6.5).
const IMAGE_LIMITS: ImageLimits = ImageLimits::new(5 * 1024 * 1024, UPLOAD_IMAGE);

#[derive(Serialize)]
struct CreateProduct<'a> {
    title: &'a str,
    description: String,
    category_id: &'a str,
    category_version: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    brand_id: Option<&'a str>,
    main_images: Vec<ImageUri>,
    skus: Vec<NewSku<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    product_attributes: Vec<ProductAttribute<'a>>,
    package_weight: PackageWeight,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_cod_allowed: Option<bool>,
    idempotency_key: String,
}

#[derive(Serialize)]
struct ImageUri {
    uri: String,
}

#[derive(Serialize)]
struct NewSku<'a> {
    seller_sku: &'a str,
    price: Money,
    inventory: Vec<NewInventory<'a>>,
    sales_attributes: Vec<NewSalesAttribute<'a>>,
}

#[derive(Serialize)]
struct NewInventory<'a> {
    warehouse_id: &'a str,
    quantity: i64,
}

#[derive(Serialize)]
struct NewSalesAttribute<'a> {
    name: &'a str,
    value_name: &'a str,
}

#[derive(Serialize)]
struct ProductAttribute<'a> {
    id: &'a str,
    values: Vec<AttributeValue<'a>>,
}

#[derive(Serialize)]
struct AttributeValue<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
}

#[derive(Serialize)]
struct PackageWeight {
    value: String,
    unit: &'static str,
}

/// TikTok wants HTML; kho descriptions are plain text. Escape it and keep its line structure.
pub fn description_html(text: &str) -> String {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    escaped
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", p.replace('\n', "<br>")))
        .collect()
}

/// A stable key for one account's draft (first 32 hex chars of SHA-256 over account + draft JSON).
pub fn idempotency_key(account: &str, draft: &ListingDraft) -> String {
    let mut h = Sha256::new();
    h.update(account.as_bytes());
    h.update([0]);
    h.update(serde_json::to_vec(draft).unwrap_or_default());
    let digest = hex::encode(h.finalize());
    format!("kho-{}", digest.get(..32).unwrap_or(&digest))
}

/// The warehouse for a new product when none is configured: the default enabled sales warehouse, else the
/// only enabled sales warehouse.
pub(crate) fn default_warehouse(warehouses: &[Warehouse]) -> Option<&Warehouse> {
    let sales: Vec<&Warehouse> = warehouses
        .iter()
        .filter(|w| {
            w.kind == "SALES_WAREHOUSE"
                && (w.effect_status.is_empty() || w.effect_status == "ENABLED")
        })
        .collect();
    sales
        .iter()
        .find(|w| w.is_default)
        .or_else(|| {
            if sales.len() == 1 {
                sales.first()
            } else {
                None
            }
        })
        .copied()
}

#[async_trait]
impl Publishing for TikTokChannel {
    async fn publish_listing(&self, draft: &ListingDraft) -> Published {
        let category = DRAFT_RULES.check(&self.kit.http, draft, &self.mapping.categories)?;
        let invalid = |code: &str, msg: String| refuse(&self.kit.http, code, msg);
        if let Some(v) = draft
            .variants
            .iter()
            .find(|v| v.price_vnd < 1 || v.stock < 0)
        {
            return Err(invalid(
                "variant_values",
                format!(
                    "variant {:?}: price must be ≥ 1 VND and stock ≥ 0",
                    v.seller_sku
                ),
            ));
        }
        let warehouse_id = match &self.warehouse_id {
            Some(w) => w.clone(),
            None => {
                let warehouses = self.warehouses().await?;
                default_warehouse(&warehouses)
                    .map(|w| w.id.clone())
                    .ok_or_else(|| {
                        invalid(
                            "no_warehouse",
                            "no default sales warehouse; set warehouse_id for this account".into(),
                        )
                    })?
            }
        };

        let mut uris = Vec::with_capacity(draft.images.len());
        for image in &draft.images {
            uris.push(self.upload_image(image).await?);
        }

        let multi = draft.variants.len() > 1;
        let body = CreateProduct {
            title: &draft.name,
            description: description_html(&draft.description),
            category_id: &category.category_id,
            category_version: &category.category_version,
            brand_id: category
                .brand_id
                .as_deref()
                .or(self.mapping.brand_id.as_deref()),
            main_images: uris.into_iter().map(|uri| ImageUri { uri }).collect(),
            skus: draft
                .variants
                .iter()
                .map(|v| NewSku {
                    seller_sku: &v.seller_sku,
                    price: Money::vnd(v.price_vnd),
                    inventory: vec![NewInventory {
                        warehouse_id: &warehouse_id,
                        quantity: v.stock,
                    }],
                    sales_attributes: if multi {
                        vec![NewSalesAttribute {
                            name: &self.mapping.sales_attribute_name,
                            value_name: &v.name,
                        }]
                    } else {
                        Vec::new()
                    },
                })
                .collect(),
            product_attributes: category
                .attributes
                .iter()
                .map(|a| ProductAttribute {
                    id: &a.id,
                    values: a
                        .values
                        .iter()
                        .map(|v| AttributeValue {
                            id: v.id.as_deref(),
                            name: v.name.as_deref(),
                        })
                        .collect(),
                })
                .collect(),
            package_weight: PackageWeight {
                value: kilograms(draft.weight_g),
                unit: "KILOGRAM",
            },
            is_cod_allowed: self.mapping.is_cod_allowed,
            idempotency_key: idempotency_key(&self.kit.name, draft),
        };
        let request = Request::new(Method::POST, CREATE_PRODUCT)
            .json(&body)
            .map_err(|k| self.kit.error(CREATE_PRODUCT, k))?;
        let created: CreateProductData = self.api(&request).await?;
        for w in &created.warnings {
            tracing::warn!(account = %self.kit.name, product_id = %created.product_id, warning = %w.message,
                "TikTok accepted the product with a warning");
        }
        let by_sku: HashMap<&str, &str> = created
            .skus
            .iter()
            .map(|s| (s.seller_sku.as_str(), s.id.as_str()))
            .collect();
        let mut variants = Vec::with_capacity(draft.variants.len());
        for v in &draft.variants {
            // With one SKU the answer may omit seller_sku; the only SKU is then ours.
            let only = match (draft.variants.len(), created.skus.as_slice()) {
                (1, [only]) => Some(only.id.as_str()),
                _ => None,
            };
            let sku_id = by_sku.get(v.seller_sku.as_str()).copied().or(only);
            let Some(sku_id) = sku_id else {
                return Err(self.kit.error(
                    CREATE_PRODUCT,
                    ErrorKind::Permanent {
                        code: "kho.sku_missing".into(),
                        message: format!(
                            "product {} was created without a SKU for {:?}",
                            created.product_id, v.seller_sku
                        ),
                    },
                ));
            };
            variants.push((
                v.seller_sku.clone(),
                RemoteId::variant(created.product_id.clone(), sku_id),
            ));
        }
        Ok(PublishedListing {
            item_id: created.product_id,
            variants,
        })
    }
}

impl TikTokChannel {
    async fn upload_image(&self, image: &DraftImage) -> Result<String, ChannelError> {
        let file = IMAGE_LIMITS.file(&self.kit.http, image).await?;
        let request = Request::new(Method::POST, UPLOAD_IMAGE).body(Body::Image {
            file,
            use_case: "MAIN_IMAGE",
        });
        let uploaded: UploadImageData = self.api(&request).await?;
        if uploaded.uri.is_empty() {
            return Err(self.kit.error(
                UPLOAD_IMAGE,
                ErrorKind::Permanent {
                    code: "kho.unexpected_response".into(),
                    message: "image upload returned no uri".into(),
                },
            ));
        }
        Ok(uploaded.uri)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_become_escaped_paragraphs() {
        assert_eq!(
            description_html("Mật ong <nguyên chất>\nĐồng Văn\n\n500 g & 1 kg"),
            "<p>Mật ong &lt;nguyên chất&gt;<br>Đồng Văn</p><p>500 g &amp; 1 kg</p>"
        );
    }

    #[test]
    fn idempotency_key_is_stable_per_draft_and_account() {
        let draft = ListingDraft {
            name: "Trà".into(),
            description: "x".into(),
            category: "tea".into(),
            images: vec![],
            weight_g: 100,
            variants: vec![],
        };
        let k = idempotency_key("a", &draft);
        assert_eq!(k, idempotency_key("a", &draft));
        assert_ne!(k, idempotency_key("b", &draft));
        assert_eq!(k.len(), 36);
    }

    #[test]
    fn default_sales_warehouse() {
        let w = |id: &str, kind: &str, default: bool| Warehouse {
            id: id.into(),
            name: String::new(),
            effect_status: "ENABLED".into(),
            kind: kind.into(),
            sub_type: String::new(),
            is_default: default,
        };
        let list = [
            w("R", "RETURN_WAREHOUSE", true),
            w("A", "SALES_WAREHOUSE", false),
            w("B", "SALES_WAREHOUSE", true),
        ];
        assert_eq!(default_warehouse(&list).map(|w| w.id.as_str()), Some("B"));
        let single = [w("A", "SALES_WAREHOUSE", false)];
        assert_eq!(default_warehouse(&single).map(|w| w.id.as_str()), Some("A"));
        assert!(default_warehouse(&list[..2]).is_some());
        assert!(
            default_warehouse(&[
                w("A", "SALES_WAREHOUSE", false),
                w("C", "SALES_WAREHOUSE", false)
            ])
            .is_none()
        );
    }
}
