//! Publishing a new listing (docs/src/channels/shopee.md §6.4, §6.8): upload each image (Public sign, multipart), `add_item`,
//! then for a multi-variant product `init_tier_variation` (one tier, one option per variant) and
//! `add_model` (≤ 50 models), and finally `get_model_list` to learn the model ids by `model_sku`.
//! Category, attributes, brand and logistics come from the account's [`crate::config::ShopeeMapping`].

use std::collections::HashMap;

use kho_channel::async_trait::async_trait;
use kho_channel::kit::draft::refuse;
use kho_channel::kit::ops::{Published, Publishing};
use kho_channel::kit::{DraftRules, ImageLimits};
use kho_channel::{ChannelError, DraftImage, ErrorKind, ListingDraft, PublishedListing, RemoteId};
use reqwest::Method;
use serde_json::{Value, json};

use crate::api::Call;
use crate::classify::Shape;
use crate::client::ShopeeChannel;
use crate::listings::MODEL_LIST;
use crate::wire::{AddItemResponse, Ignored, ModelListResponse, UploadImageResponse};

pub const UPLOAD_IMAGE: &str = "/api/v2/media_space/upload_image";
pub const ADD_ITEM: &str = "/api/v2/product/add_item";
pub const INIT_TIER_VARIATION: &str = "/api/v2/product/init_tier_variation";
pub const ADD_MODEL: &str = "/api/v2/product/add_model";

/// One tier of options: a tier holds at most 20 options (and `add_model` at most 50 models).
const DRAFT_RULES: DraftRules = DraftRules::new("Shopee", 9).max_variants(20);
const IMAGE_LIMITS: ImageLimits = ImageLimits::new(10 * 1024 * 1024, UPLOAD_IMAGE);

#[async_trait]
impl Publishing for ShopeeChannel {
    async fn publish_listing(&self, draft: &ListingDraft) -> Published {
        let category = DRAFT_RULES.check(&self.kit.http, draft, &self.mapping.categories)?;
        let invalid = |code: &str, msg: String| refuse(&self.kit.http, code, msg);
        if self.mapping.logistics.is_empty() {
            return Err(invalid(
                "no_logistics",
                "no logistics channel configured for this account".into(),
            ));
        }

        let mut image_ids = Vec::with_capacity(draft.images.len());
        for image in &draft.images {
            image_ids.push(self.upload_image(image).await?);
        }

        let single = draft.variants.len() == 1;
        let price = draft
            .variants
            .iter()
            .map(|v| v.price_vnd)
            .min()
            .unwrap_or(0);
        let stock: i64 = draft.variants.iter().map(|v| v.stock).sum();
        let mut body = json!({
            "item_name": draft.name,
            "description": draft.description,
            "original_price": price,
            "weight": f64::from(draft.weight_g) / 1000.0,
            "category_id": category.category_id,
            "image": { "image_id_list": image_ids },
            "logistic_info": self.mapping.logistics.iter().map(|l| {
                let mut v = json!({ "logistic_id": l.logistic_id, "enabled": l.enabled });
                if let Some(fee) = l.shipping_fee { v["shipping_fee"] = json!(fee); }
                if let Some(size) = l.size_id { v["size_id"] = json!(size); }
                if let Some(free) = l.is_free { v["is_free"] = json!(free); }
                v
            }).collect::<Vec<_>>(),
            "item_status": if self.mapping.publish_unlisted { "UNLIST" } else { "NORMAL" },
            "condition": "NEW",
            "seller_stock": [self.seller_stock(stock)],
        });
        if !category.attributes.is_empty() {
            body["attribute_list"] = json!(category.attributes.iter().map(|a| json!({
                "attribute_id": a.attribute_id,
                "attribute_value_list": a.values.iter().map(|v| {
                    let mut value = json!({ "value_id": v.value_id });
                    if let Some(name) = &v.original_value_name { value["original_value_name"] = json!(name); }
                    if let Some(unit) = &v.value_unit { value["value_unit"] = json!(unit); }
                    value
                }).collect::<Vec<_>>(),
            })).collect::<Vec<_>>());
        }
        if let Some(brand) = &self.mapping.brand {
            body["brand"] = json!({ "brand_id": brand.brand_id, "original_brand_name": brand.original_brand_name });
        }
        if single {
            body["item_sku"] = json!(draft.variants[0].seller_sku);
        }
        let added: AddItemResponse = self
            .kit
            .send(Method::POST, ADD_ITEM, |call| call.json(body.clone()))
            .await?;
        let item_id = added.item_id;
        if single {
            return Ok(PublishedListing {
                item_id: item_id.to_string(),
                variants: vec![(
                    draft.variants[0].seller_sku.clone(),
                    RemoteId::item(item_id.to_string()),
                )],
            });
        }
        self.add_variants(item_id, draft).await.inspect_err(|e| {
            tracing::warn!(account = %self.kit.name, item_id, error = %e,
                "item created but its variants could not be added; fix or delete it on Shopee");
        })
    }
}

impl ShopeeChannel {
    fn seller_stock(&self, stock: i64) -> Value {
        match &self.location_id {
            Some(loc) => json!({ "location_id": loc, "stock": stock }),
            None => json!({ "stock": stock }),
        }
    }

    async fn add_variants(
        &self,
        item_id: i64,
        draft: &ListingDraft,
    ) -> Result<PublishedListing, ChannelError> {
        let tiers = json!({
            "item_id": item_id,
            "tier_variation": [{
                "name": self.mapping.variation_name,
                "option_list": draft.variants.iter().map(|v| json!({ "option": v.name })).collect::<Vec<_>>(),
            }],
        });
        let _: Ignored = self
            .kit
            .send(Method::POST, INIT_TIER_VARIATION, |call| {
                call.json(tiers.clone())
            })
            .await?;
        let models = json!({
            "item_id": item_id,
            "model_list": draft.variants.iter().enumerate().map(|(i, v)| json!({
                "tier_index": [i],
                "original_price": v.price_vnd,
                "model_sku": v.seller_sku,
                "seller_stock": [self.seller_stock(v.stock)],
            })).collect::<Vec<_>>(),
        });
        let _: Ignored = self
            .kit
            .send(Method::POST, ADD_MODEL, |call| call.json(models.clone()))
            .await?;
        let list: ModelListResponse = self
            .kit
            .send(Method::GET, MODEL_LIST, |call| {
                call.param("item_id", item_id)
            })
            .await?;
        let by_sku: HashMap<&str, i64> = list
            .model
            .iter()
            .map(|m| (m.model_sku.as_str(), m.model_id))
            .collect();
        let mut variants = Vec::with_capacity(draft.variants.len());
        for v in &draft.variants {
            let model_id = by_sku.get(v.seller_sku.as_str()).ok_or_else(|| {
                self.kit.error(
                    MODEL_LIST,
                    ErrorKind::Permanent {
                        code: "kho.model_missing".into(),
                        message: format!(
                            "item {item_id} has no model with SKU {:?} after add_model",
                            v.seller_sku
                        ),
                    },
                )
            })?;
            variants.push((
                v.seller_sku.clone(),
                RemoteId::variant(item_id.to_string(), model_id.to_string()),
            ));
        }
        Ok(PublishedListing {
            item_id: item_id.to_string(),
            variants,
        })
    }

    async fn upload_image(&self, image: &DraftImage) -> Result<String, ChannelError> {
        let file = IMAGE_LIMITS.file(&self.kit.http, image).await?;
        let call: Call<'_, UploadImageResponse> =
            Call::without_token(&self.kit.creds, Method::POST, UPLOAD_IMAGE, Shape::Wrapped).file(
                "image",
                file,
                vec![("scene", "normal".to_owned())],
            );
        let uploaded = self.kit.http.execute(&call).await?;
        uploaded.image_info.map(|i| i.image_id).ok_or_else(|| {
            self.kit.error(
                UPLOAD_IMAGE,
                ErrorKind::Permanent {
                    code: "kho.unexpected_response".into(),
                    message: "upload_image returned no image_info".into(),
                },
            )
        })
    }
}
