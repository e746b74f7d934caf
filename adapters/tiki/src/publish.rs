//! Publishing (docs/src/channels/tiki-woocommerce.md §A6): a product request (`POST /integration/v2.1/requests`) is reviewed by Tiki;
//! kho follows its tracking for `review_wait_secs`. Approved, each variant is a new **inactive** product,
//! found by its `original_sku` and activated; rejected, the reason is reported (a rejected request cannot
//! be updated — a new one must be made); still in review, kho says so, and `kho link` links the products
//! once Tiki approves them.

use std::time::{Duration, Instant};

use kho_channel::async_trait::async_trait;
use kho_channel::kit::DraftRules;
use kho_channel::kit::ops::{Published, Publishing};
use kho_channel::{DraftImage, ErrorKind, ListingDraft, PublishedListing, RemoteId};
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

use crate::client::TikiChannel;
use crate::listings::Product;

pub const REQUESTS: &str = "/integration/v2.1/requests";
pub const TRACKING: &str = "/integration/v2/tracking/{track_id}";
pub const FIND_BY: &str = "/integration/v2/products/findBy";

/// Images a request carries (`image` and `images`); Tiki names no cap, this keeps requests modest.
const RULES: DraftRules = DraftRules::new("Tiki", 9);

#[derive(Deserialize)]
struct Created {
    track_id: String,
}

#[derive(Deserialize)]
struct Tracking {
    state: String,
    #[serde(default)]
    reason: Option<String>,
}

#[async_trait]
impl Publishing for TikiChannel {
    async fn publish_listing(&self, draft: &ListingDraft) -> Published {
        let http = &self.kit.http;
        let category = *RULES.check(http, draft, &self.mapping.categories)?;
        let urls: Vec<&str> = draft
            .images
            .iter()
            .filter_map(|i| match i {
                DraftImage::Url(u) => Some(u.as_str()),
                DraftImage::Bytes { .. } => None,
            })
            .collect();
        let Some((image, more)) = urls.split_first() else {
            return Err(kho_channel::kit::draft::refuse(
                http,
                "image_url",
                "Tiki takes images by URL; the draft has none".into(),
            ));
        };
        let warehouse = self.warehouse().await?;
        let several = draft.variants.len() > 1;
        let variants: Vec<_> = draft
            .variants
            .iter()
            .map(|v| {
                let mut variant = json!({"sku": v.seller_sku, "price": v.price_vnd,
                    "seller_warehouse": warehouse.to_string(),
                    "warehouse_quantities": [{"warehouse_id": warehouse, "qty_available": v.stock.max(0)}]});
                if several {
                    variant["option1"] = json!(v.name);
                }
                variant
            })
            .collect();
        let mut body = json!({"category_id": category, "name": draft.name, "description": draft.description,
            "image": image, "images": more, "attributes": {"product_weight_kg": f64::from(draft.weight_g) / 1000.0},
            "variants": variants});
        if several {
            body["option_attributes"] = json!(["option1"]);
        }
        let created: Created = self
            .kit
            .send(Method::POST, REQUESTS, |c| c.json(body.clone()))
            .await?;
        let state = self.follow(&created.track_id).await?;
        match state.state.as_str() {
            "approved" => {}
            "rejected" | "deleted" => {
                return Err(self.kit.error(
                    REQUESTS,
                    ErrorKind::Permanent {
                        code: "tiki.request_rejected".into(),
                        message: format!(
                            "Tiki {} product request {}: {}",
                            state.state,
                            created.track_id,
                            state.reason.unwrap_or_else(|| "no reason given".into())
                        ),
                    },
                ));
            }
            other => {
                return Err(self.kit.error(REQUESTS, ErrorKind::Permanent {
                    code: "tiki.review_pending".into(),
                    message: format!(
                        "product request {} is still in review ({other}); once Tiki approves it, `kho link` links its products",
                        created.track_id
                    ),
                }));
            }
        }
        let mut linked = Vec::new();
        for v in &draft.variants {
            let product: Product = self
                .kit
                .send(Method::GET, FIND_BY, |c| {
                    c.param("original_sku", &v.seller_sku)
                })
                .await?;
            // Approved products start inactive.
            self.set_active(product.product_id, true).await?;
            linked.push((
                v.seller_sku.clone(),
                RemoteId::item(product.product_id.to_string()),
            ));
        }
        let item_id = linked
            .first()
            .map(|(_, id)| id.item_id.clone())
            .unwrap_or_default();
        Ok(PublishedListing {
            item_id,
            variants: linked,
        })
    }
}

impl TikiChannel {
    /// The request's tracking until it is decided or the wait is over.
    async fn follow(&self, track_id: &str) -> Result<Tracking, kho_channel::ChannelError> {
        let deadline = Instant::now() + Duration::from_secs(self.mapping.review_wait_secs);
        loop {
            let t: Tracking = self
                .kit
                .send(Method::GET, TRACKING, |c| {
                    c.at(format!("/integration/v2/tracking/{track_id}"))
                })
                .await?;
            let decided = matches!(t.state.as_str(), "approved" | "rejected" | "deleted");
            if decided || Instant::now() >= deadline {
                return Ok(t);
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}
