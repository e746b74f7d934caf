//! What a person calls a cooperative and a marketplace. The store keys
//! them by code (`htx-chi-lang`, `tiktok`); a page shows the name the
//! catalog gives, and the code only when there is no name.

use std::collections::HashMap;

use crate::store::{Store, StoreError};

/// Producers' names by code.
pub struct Names(HashMap<String, String>);

impl Names {
    pub async fn load(store: &Store) -> Result<Names, StoreError> {
        Ok(Names(
            store
                .producers()
                .await?
                .into_iter()
                .filter(|p| !p.name.trim().is_empty())
                .map(|p| (p.code, p.name))
                .collect(),
        ))
    }

    pub fn producer<'a>(&'a self, code: &'a str) -> &'a str {
        self.0.get(code).map_or(code, String::as_str)
    }
}

/// A marketplace's own name for its channel code.
pub fn channel(code: &str) -> &str {
    match code {
        "shopee" => "Shopee",
        "tiktok" => "TikTok Shop",
        "lazada" => "Lazada",
        "woocommerce" => "WooCommerce",
        "tiki" => "Tiki",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn channels_read_as_the_marketplaces_name_themselves() {
        assert_eq!(super::channel("tiktok"), "TikTok Shop");
        assert_eq!(super::channel("shopee"), "Shopee");
        assert_eq!(super::channel("other"), "other");
    }
}
