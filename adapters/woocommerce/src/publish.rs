//! Publishing (`docs/src/channels/tiki-woocommerce.md` B6, B7): a variable product with one attribute whose
//! options are the variants' names, then its variations in one `variations/batch` `create` (≤ 100), each with
//! its SKU, `regular_price` in whole đồng and managed stock. A site takes images by URL (`images[].src`); bytes
//! would need the WordPress media API, so such a draft is refused before any call.

use kho_channel::kit::draft::refuse;
use kho_channel::transport::AccountClient;
use kho_channel::{ChannelError, DraftImage, ListingDraft, PublishedListing, RemoteId};
use reqwest::Method;
use serde_json::{Value, json};

use crate::classify::{Shape, error_kind};
use crate::inventory::BATCH_LIMIT;
use crate::sign::{Call, Credentials};

/// The attribute the variants are told apart by.
pub const VARIANT_ATTRIBUTE: &str = "Phân loại";

pub async fn publish(
    http: &AccountClient,
    creds: &Credentials,
    draft: &ListingDraft,
) -> Result<PublishedListing, ChannelError> {
    if draft.variants.is_empty() || draft.variants.len() > BATCH_LIMIT {
        return Err(refuse(
            http,
            "kho.variant_count",
            format!("WooCommerce takes 1 to {BATCH_LIMIT} variants in one publish"),
        ));
    }
    let mut images = Vec::new();
    for image in &draft.images {
        match image {
            DraftImage::Url(src) => images.push(json!({ "src": src })),
            DraftImage::Bytes { file_name, .. } => {
                return Err(refuse(
                    http,
                    "kho.image_by_url_only",
                    format!("{file_name}: a WooCommerce site takes images by URL"),
                ));
            }
        }
    }
    let options: Vec<&str> = draft.variants.iter().map(|v| v.name.as_str()).collect();
    let product = json!({
        "name": draft.name, "type": "variable", "status": "publish", "description": draft.description,
        "weight": format!("{}", f64::from(draft.weight_g) / 1000.0),
        "images": images,
        "attributes": [{"name": VARIANT_ATTRIBUTE, "variation": true, "visible": true, "options": options}],
    });
    let call: Call<'_, Value> =
        Call::without_token(creds, Method::POST, "/products", Shape::Json).json(product);
    let created = http.execute(&call).await?;
    let Some(product_id) = created.get("id").and_then(Value::as_i64) else {
        return Err(refuse(
            http,
            "kho.unexpected_response",
            "the new product has no id".into(),
        ));
    };
    let variations: Vec<Value> = draft
        .variants
        .iter()
        .map(|v| {
            json!({
                "sku": v.seller_sku, "regular_price": v.price_vnd.to_string(),
                "manage_stock": true, "stock_quantity": v.stock,
                "attributes": [{"name": VARIANT_ATTRIBUTE, "option": v.name}],
            })
        })
        .collect();
    let endpoint = "/products/{id}/variations/batch";
    let call: Call<'_, Value> = Call::without_token(creds, Method::POST, endpoint, Shape::Json)
        .at(format!("/products/{product_id}/variations/batch"))
        .json(json!({ "create": variations }));
    let answer = http.execute(&call).await?;
    let entries = answer.get("create").and_then(Value::as_array);
    let mut published = Vec::new();
    for (n, variant) in draft.variants.iter().enumerate() {
        let entry = entries.and_then(|e| e.get(n));
        if let Some(error) = entry.and_then(|e| e.get("error")) {
            let status = error
                .pointer("/data/status")
                .and_then(Value::as_u64)
                .unwrap_or(400);
            let status = u16::try_from(status).unwrap_or(400);
            return Err(http.error(endpoint, error_kind(status, error)));
        }
        let Some(id) = entry.and_then(|e| e.get("id")).and_then(Value::as_i64) else {
            return Err(refuse(
                http,
                "kho.unexpected_response",
                format!("no variation created for {}", variant.seller_sku),
            ));
        };
        published.push((
            variant.seller_sku.clone(),
            RemoteId::variant(product_id.to_string(), id.to_string()),
        ));
    }
    Ok(PublishedListing {
        item_id: product_id.to_string(),
        variants: published,
    })
}
