//! Creating listings on a marketplace for SKUs the account does not list
//! (`kho publish`, and `kho reconcile --fix` for listings deleted on the
//! marketplace), then linking them. Nothing is ever deleted remotely.

use std::collections::{BTreeMap, HashMap, HashSet};

use kho_channel::{Channel, ChannelError, DraftImage, ListingDraft, RemoteId, VariantDraft};
use serde::Serialize;

use crate::catalog::CatalogEntry;
use crate::config::AccountConfig;
use crate::outbox::policy::desired_stock;
use crate::store::listings::LinkRow;
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("SKU(s) not in producer {producer}'s catalog: {}", skus.join(", "))]
    UnknownSkus { producer: String, skus: Vec<String> },
}

/// One product's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Published {
    pub product_code: String,
    pub skus: Vec<String>,
    /// The new remote item, when the marketplace created it.
    pub item_id: Option<String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PublishReport {
    pub account: String,
    pub products: Vec<Published>,
    /// Requested SKUs that are linked already (nothing to publish).
    pub already_listed: Vec<String>,
}

impl PublishReport {
    pub fn failed(&self) -> usize {
        self.products.iter().filter(|p| p.error.is_some()).count()
    }
}

/// The draft of one product with the given variants, at the values the
/// account should show.
fn draft(entries: &[&CatalogEntry], account: &AccountConfig) -> Option<ListingDraft> {
    let first = entries.first()?;
    let images = first
        .image_urls
        .split('|')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(|u| DraftImage::Url(u.to_owned()))
        .collect();
    Some(ListingDraft {
        name: first.product_name.clone(),
        description: first.description.clone(),
        category: first.category.clone(),
        images,
        weight_g: u32::try_from(first.weight_g.max(0)).unwrap_or(u32::MAX),
        variants: entries
            .iter()
            .map(|e| VariantDraft {
                seller_sku: e.variant_sku.clone(),
                name: e.variant_name.clone(),
                price_vnd: e.price_vnd,
                stock: desired_stock(e.stock - e.reserved, &account.allocation),
            })
            .collect(),
    })
}

/// Publishes the producer's active SKUs that the account does not list
/// (only `skus` when not empty), one listing per product, and links what the
/// marketplace created. A product the marketplace refuses is reported with
/// its message; the others go on. With `relink`, the given SKUs are
/// published even though linked: their listing is gone from the marketplace.
pub async fn publish(
    store: &Store,
    channel: &dyn Channel,
    account: &AccountConfig,
    account_id: i64,
    skus: &[String],
    relink: bool,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<PublishReport, PublishError> {
    let entries = store.catalog_entries(Some(&account.producer)).await?;
    let known: HashSet<&str> = entries.iter().map(|e| e.variant_sku.as_str()).collect();
    let unknown: Vec<String> = skus
        .iter()
        .filter(|s| !known.contains(s.as_str()))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(PublishError::UnknownSkus {
            producer: account.producer.clone(),
            skus: unknown,
        });
    }
    let listed: HashSet<String> = store
        .listings(account_id)
        .await?
        .into_iter()
        .map(|l| l.sku)
        .collect();
    let mut report = PublishReport {
        account: account.name.clone(),
        ..PublishReport::default()
    };
    let wanted: HashSet<&str> = skus.iter().map(String::as_str).collect();
    let mut products: BTreeMap<&str, Vec<&CatalogEntry>> = BTreeMap::new();
    for e in &entries {
        if !wanted.is_empty() && !wanted.contains(e.variant_sku.as_str()) {
            continue;
        }
        if listed.contains(&e.variant_sku) && !relink {
            if !wanted.is_empty() {
                report.already_listed.push(e.variant_sku.clone());
            }
            continue;
        }
        if !(e.product_active && e.variant_active) && wanted.is_empty() {
            continue;
        }
        products.entry(&e.product_code).or_default().push(e);
    }
    let total = products.len();
    let ids: HashMap<String, i64> = store
        .producer_skus(&account.producer)
        .await?
        .into_iter()
        .map(|(id, sku)| (sku, id))
        .collect();
    for (n, (code, variants)) in products.into_iter().enumerate() {
        progress(n, total);
        let skus: Vec<String> = variants.iter().map(|e| e.variant_sku.clone()).collect();
        let Some(d) = draft(&variants, account) else {
            continue;
        };
        let outcome: Result<kho_channel::PublishedListing, ChannelError> =
            channel.publish(&d).await;
        match outcome {
            Ok(p) => {
                let rows: Vec<LinkRow> = p
                    .variants
                    .iter()
                    .filter_map(|(sku, id): &(String, RemoteId)| {
                        let v = d.variants.iter().find(|v| &v.seller_sku == sku)?;
                        Some(LinkRow {
                            variant_id: *ids.get(sku)?,
                            remote_item_id: id.item_id.clone(),
                            remote_variant_id: id.variant_id.clone().unwrap_or_default(),
                            seller_sku: sku.clone(),
                            stock: v.stock,
                            price_vnd: v.price_vnd,
                            status: "active".into(),
                        })
                    })
                    .collect();
                store.link_listings(account_id, &rows).await?;
                report.products.push(Published {
                    product_code: code.to_owned(),
                    skus,
                    item_id: Some(p.item_id),
                    error: None,
                });
            }
            Err(e) => report.products.push(Published {
                product_code: code.to_owned(),
                skus,
                item_id: None,
                error: Some(e.to_string()),
            }),
        }
    }
    progress(total, total);
    Ok(report)
}
