//! Linking a shop's remote listings to the producer's variants by seller SKU.

use std::collections::{BTreeMap, HashMap};

use kho_channel::{Channel, ChannelError, ListingStatus, PageToken, RemoteListing};
use serde::Serialize;

use crate::store::listings::LinkRow;
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error(transparent)]
    Channel(#[from] ChannelError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A remote listing as the report shows it.
#[derive(Debug, Clone, Serialize)]
pub struct RemoteRef {
    pub item_id: String,
    pub variant_id: String,
    pub seller_sku: String,
    pub title: String,
}

impl From<&RemoteListing> for RemoteRef {
    fn from(l: &RemoteListing) -> Self {
        RemoteRef {
            item_id: l.id.item_id.clone(),
            variant_id: l.id.variant_id.clone().unwrap_or_default(),
            seller_sku: l.seller_sku.clone(),
            title: l.title.clone(),
        }
    }
}

#[derive(Debug, Default, Serialize)]
pub struct LinkReport {
    pub account: String,
    pub remote_listings: usize,
    /// SKU → remote listing, for every listing linked.
    pub linked: BTreeMap<String, RemoteRef>,
    /// How many of those were not linked before.
    pub new_links: usize,
    /// Remote listings whose seller SKU is not one of the producer's SKUs.
    pub unmatched: Vec<RemoteRef>,
    /// Remote listings without a seller SKU.
    pub blank_sku: Vec<RemoteRef>,
    /// A seller SKU on several remote listings: none of them is linked.
    pub duplicates: BTreeMap<String, Vec<RemoteRef>>,
    /// The producer's SKUs with no remote listing (candidates for `kho publish`).
    pub not_listed: Vec<String>,
    pub dry_run: bool,
}

impl LinkReport {
    pub fn has_problems(&self) -> bool {
        !self.unmatched.is_empty() || !self.blank_sku.is_empty() || !self.duplicates.is_empty()
    }
}

/// Reads every remote listing of the account (page by page, through the
/// account's rate limiter) and links those whose seller SKU matches one of
/// the producer's SKUs. Deleted listings are ignored.
pub async fn link(
    store: &Store,
    channel: &dyn Channel,
    account_id: i64,
    producer: &str,
    dry_run: bool,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<LinkReport, LinkError> {
    let mut remote = Vec::new();
    let mut page: Option<PageToken> = None;
    loop {
        let got = channel.list_listings(page.as_ref()).await?;
        remote.extend(
            got.items
                .into_iter()
                .filter(|l| l.status != ListingStatus::Deleted),
        );
        progress(remote.len());
        match got.next {
            Some(next) => page = Some(next),
            None => break,
        }
    }
    let skus: HashMap<String, i64> = store
        .producer_skus(producer)
        .await?
        .into_iter()
        .map(|(id, sku)| (sku, id))
        .collect();

    let mut report = LinkReport {
        account: channel.account().to_owned(),
        remote_listings: remote.len(),
        dry_run,
        ..LinkReport::default()
    };
    let mut by_sku: BTreeMap<&str, Vec<&RemoteListing>> = BTreeMap::new();
    for l in &remote {
        if l.seller_sku.trim().is_empty() {
            report.blank_sku.push(l.into());
        } else {
            by_sku.entry(l.seller_sku.trim()).or_default().push(l);
        }
    }
    let mut rows = Vec::new();
    for (sku, listings) in by_sku {
        match (skus.get(sku), listings.as_slice()) {
            (_, [_, _, ..]) => {
                report.duplicates.insert(
                    sku.to_owned(),
                    listings.iter().map(|l| RemoteRef::from(*l)).collect(),
                );
            }
            (None, [l]) => report.unmatched.push(RemoteRef::from(*l)),
            (Some(&variant_id), [l]) => {
                report.linked.insert(sku.to_owned(), RemoteRef::from(*l));
                rows.push(LinkRow {
                    variant_id,
                    remote_item_id: l.id.item_id.clone(),
                    remote_variant_id: l.id.variant_id.clone().unwrap_or_default(),
                    seller_sku: l.seller_sku.clone(),
                    stock: l.stock,
                    price_vnd: l.price_vnd,
                    status: format!("{:?}", l.status).to_lowercase(),
                });
            }
            (_, []) => {}
        }
    }
    let mut not_listed: Vec<String> = skus
        .keys()
        .filter(|s| !report.linked.contains_key(*s) && !report.duplicates.contains_key(*s))
        .cloned()
        .collect();
    not_listed.sort();
    report.not_listed = not_listed;
    if dry_run {
        let existing: std::collections::HashSet<i64> = store
            .listings(account_id)
            .await?
            .into_iter()
            .map(|l| l.variant_id)
            .collect();
        report.new_links = rows
            .iter()
            .filter(|r| !existing.contains(&r.variant_id))
            .count();
    } else {
        report.new_links = store.link_listings(account_id, &rows).await?;
    }
    Ok(report)
}
