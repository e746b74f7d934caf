//! The bounds every quantity, price, weight and text kho accepts must keep,
//! in one place for the catalog file, the admin API and `kho stock`.
//!
//! Numbers are bounded by what the marketplaces accept (see the README's
//! "Limits" paragraph for the sources), so a value kho takes is one it can
//! push: an unbounded count once became a desired stock Shopee refused and a
//! dead letter, and `i64::MAX` overflowed the ledger's arithmetic.

/// Units of one SKU at one location. TikTok Shop documents its inventory
/// quantity as "less than 99999" (the smallest bound of the three
/// marketplaces; Shopee refuses more than 999,999, Lazada documents none),
/// so any on-hand count within this bound can be shown on every shop.
pub const MAX_STOCK: i64 = 99_998;

/// Dong. TikTok Shop's bound for a local Vietnamese seller is 180,000,000
/// VND; Shopee reads its bound per shop (`get_item_limit`) and Lazada
/// documents none, so TikTok's published bound is the one kho keeps.
pub const MAX_PRICE_VND: i64 = 180_000_000;

/// Grams. No marketplace document gives a weight bound (Shopee's is per shop
/// in `get_item_limit`); 100 kg is beyond any parcel a marketplace courier
/// carries and keeps the kilogram conversions of the adapters exact.
pub const MAX_WEIGHT_G: i64 = 100_000;

/// What is wrong with a number outside its bound, naming the bound; the
/// caller names the field.
pub fn out_of_range(value: i64, min: i64, max: i64) -> Option<String> {
    if value < min {
        Some(if min == 0 {
            format!("{value} must not be negative")
        } else {
            format!("{value} is below the minimum of {min}")
        })
    } else if value > max {
        Some(format!("{value} is above the maximum of {max}"))
    } else {
        None
    }
}

/// [`out_of_range`] as `field: problem`.
pub fn check_range(field: &str, value: i64, min: i64, max: i64) -> Result<i64, String> {
    match out_of_range(value, min, max) {
        None => Ok(value),
        Some(why) => Err(format!("{field}: {why}")),
    }
}

/// Whether a text may hold line breaks (a description) or is a name, shown
/// on one line on every marketplace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    One,
    Many,
}

/// Refuses control characters: a NUL cuts a name short in C-string code on
/// the way to a marketplace (SQLite stores it as is), and other controls make
/// names that look alike but differ. Only a multi-line text keeps line breaks
/// and tabs. The caller names the field.
pub fn control_character(value: &str, lines: Lines) -> Option<String> {
    let allowed = |c: char| lines == Lines::Many && matches!(c, '\n' | '\r' | '\t');
    let c = value.chars().find(|&c| c.is_control() && !allowed(c))?;
    Some(format!(
        "contains the control character U+{:04X}; {}",
        u32::from(c),
        match lines {
            Lines::One => "a name is one line of printable text",
            Lines::Many => "only line breaks and tabs are allowed",
        }
    ))
}

/// [`control_character`] as `field: problem`.
pub fn check_text(field: &str, value: &str, lines: Lines) -> Result<(), String> {
    match control_character(value, lines) {
        None => Ok(()),
        Some(why) => Err(format!("{field}: {why}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_name_the_field_and_the_limit() {
        assert_eq!(check_range("stock", MAX_STOCK, 0, MAX_STOCK), Ok(MAX_STOCK));
        assert_eq!(
            check_range("stock", MAX_STOCK + 1, 0, MAX_STOCK).unwrap_err(),
            "stock: 99999 is above the maximum of 99998"
        );
        assert_eq!(
            check_range("price_vnd", -1, 0, MAX_PRICE_VND).unwrap_err(),
            "price_vnd: -1 must not be negative"
        );
        assert!(check_range("weight_g", i64::MAX, 0, MAX_WEIGHT_G).is_err());
    }

    #[test]
    fn control_characters_are_refused_and_named() {
        assert_eq!(check_text("name", "Na Chi Lăng", Lines::One), Ok(()));
        let err = check_text("name", "Na\0", Lines::One).unwrap_err();
        assert!(
            err.starts_with("name: contains the control character U+0000"),
            "{err}"
        );
        assert!(check_text("name", "a\nb", Lines::One).is_err());
        assert!(check_text("name", "a\u{1b}[31m", Lines::One).is_err());
        assert_eq!(check_text("description", "a\r\nb\tc", Lines::Many), Ok(()));
        assert!(check_text("description", "a\u{7f}", Lines::Many).is_err());
        assert!(check_text("description", "a\u{85}", Lines::Many).is_err());
    }
}
