//! What an alert says: each item's one line, Vietnamese first with English,
//! and the key that tells one item from another for the once-a-day rule.

use crate::attention::{Item, Kind};

/// What identifies an item across runs: the same failed push, drift or
/// certificate is the same item tomorrow (and alerts again then).
pub fn item_key(item: &Item) -> String {
    [
        Some(item.kind.as_str()),
        item.producer.as_deref(),
        item.account.as_deref(),
        item.sku.as_deref(),
        item.product_code.as_deref(),
        item.field.as_deref(),
        item.cert_no.as_deref(),
    ]
    .map(|p| p.unwrap_or("-"))
    .join("|")
}

fn kind_text(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::FailedPush => ("Sàn từ chối thay đổi", "Change refused"),
        Kind::FailingPush => ("Thay đổi đang lỗi", "Change failing"),
        Kind::Drift => ("Lệch so với sàn", "Drift"),
        Kind::AwaitingPerson => ("Tin đăng chờ xử lý", "Listing awaiting a person"),
        Kind::ReconcileFailed => ("Đối soát thất bại", "Reconciliation failed"),
        Kind::NeedsReauth => ("Cần ủy quyền lại gian hàng", "Shop needs re-authorisation"),
        Kind::CertificateExpired => ("Chứng nhận OCOP đã hết hạn", "OCOP certificate expired"),
        Kind::CertificateExpiring => ("Chứng nhận OCOP sắp hết hạn", "OCOP certificate expiring"),
        Kind::OutOfStock => ("Hết hàng", "Out of stock"),
    }
}

/// What the item is about: product, SKU, shop, certificate.
fn subject(item: &Item) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(p) = item
        .product_name
        .as_deref()
        .or(item.product_code.as_deref())
    {
        parts.push(p.to_owned());
    }
    if let Some(s) = &item.sku {
        parts.push(s.clone());
    }
    if let Some(a) = &item.account {
        parts.push(a.clone());
    }
    if let Some(c) = &item.cert_no {
        parts.push(c.clone());
    }
    if let Some(d) = item.cert_expires {
        parts.push(d.format("%d/%m/%Y").to_string());
    }
    parts.join(" · ")
}

/// One item in Vietnamese: what, about what, what to do.
pub fn line_vi(item: &Item) -> String {
    format!(
        "{} — {}: {} Việc cần làm: {}",
        kind_text(item.kind).0,
        subject(item),
        item.advice.what_vi,
        item.advice.do_vi
    )
}

/// One item in English.
pub fn line_en(item: &Item) -> String {
    format!(
        "{} — {}: {} To do: {}",
        kind_text(item.kind).1,
        subject(item),
        item.advice.what_en,
        item.advice.do_en
    )
}

/// The subject of an e-mail to `who` about `n` items.
pub fn title(who: &str, n: usize) -> String {
    format!("kho: {n} việc cần xử lý / {n} items need attention — {who}")
}

/// The whole text: every item in Vietnamese, then every item in English.
pub fn body(who: &str, items: &[&Item], dashboard: &str) -> String {
    let mut s = format!("Cần xử lý ({who}) — {} việc mới hôm nay:\n\n", items.len());
    for item in items {
        s.push_str("• ");
        s.push_str(&line_vi(item));
        s.push('\n');
    }
    s.push_str(&format!(
        "\nXem và xử lý trên bảng điều khiển: {dashboard}\n"
    ));
    s.push_str(&format!(
        "\n---\nNeeds attention ({who}) — {} new today:\n\n",
        items.len()
    ));
    for item in items {
        s.push_str("• ");
        s.push_str(&line_en(item));
        s.push('\n');
    }
    s.push_str(&format!("\nSee and act on the dashboard: {dashboard}\n"));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attention::advice;

    fn item(kind: Kind, sku: &str) -> Item {
        let mut i = Item::new(
            kind,
            Some("htx-a".into()),
            advice::for_error(crate::attention::ErrorClass::Unknown),
        );
        i.sku = Some(sku.into());
        i
    }

    #[test]
    fn keys_tell_items_apart_and_stay_stable() {
        let a = item(Kind::OutOfStock, "SKU-1");
        let b = item(Kind::OutOfStock, "SKU-2");
        assert_eq!(item_key(&a), item_key(&a.clone()));
        assert_ne!(item_key(&a), item_key(&b));
        assert_eq!(item_key(&a), "out_of_stock|htx-a|-|SKU-1|-|-|-");
    }

    #[test]
    fn vietnamese_comes_first_then_english() {
        let a = item(Kind::OutOfStock, "SKU-1");
        let text = body("htx-a", &[&a], "https://kho.example.org/");
        let vi = text.find("Hết hàng — SKU-1").expect("Vietnamese line");
        let en = text.find("Out of stock — SKU-1").expect("English line");
        assert!(vi < en, "{text}");
        assert!(title("htx-a", 3).starts_with("kho: 3 việc cần xử lý / 3 items"));
    }
}
