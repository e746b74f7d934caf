//! Marketplace units ↔ kho's: drafts carry grams and whole đồng; marketplaces want kilograms as text and
//! send prices as JSON numbers that may carry a fraction.

/// Grams → kilograms as decimal text without trailing zeros (`500` → `"0.5"`, `1000` → `"1"`), computed
/// in integers so no float rounding shows up in the text.
pub fn kilograms(grams: u32) -> String {
    let whole = grams / 1000;
    let frac = grams % 1000;
    if frac == 0 {
        whole.to_string()
    } else {
        let text = format!("{whole}.{frac:03}");
        text.trim_end_matches('0').to_owned()
    }
}

/// A VND price as received (no minor unit, sometimes with a fraction) → whole đồng; a non-finite value
/// (never a real price) → 0.
pub fn whole_vnd(price: f64) -> i64 {
    if price.is_finite() {
        price.round() as i64
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_in_kilograms() {
        assert_eq!(kilograms(500), "0.5");
        assert_eq!(kilograms(1000), "1");
        assert_eq!(kilograms(1250), "1.25");
        assert_eq!(kilograms(5), "0.005");
        assert_eq!(kilograms(0), "0");
    }

    #[test]
    fn prices_round_to_whole_dong() {
        assert_eq!(whole_vnd(110000.0), 110000);
        assert_eq!(whole_vnd(72000.5), 72001);
        assert_eq!(whole_vnd(f64::NAN), 0);
        assert_eq!(whole_vnd(f64::INFINITY), 0);
    }
}
