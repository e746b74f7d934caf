//! Lenient readers for marketplace fields that arrive as a number in one response and a string in another
//! (64-bit ids, counts, prices, timestamps). Every adapter meets the same inconsistency, so it reads such
//! fields with these (`#[serde(deserialize_with = "kho_channel::kit::serde_ids::string")]`) instead of its own.
//! Ids stay text: their width is not always documented, and a JSON number is rendered digit for digit.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

fn text_of(v: Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A number or a string, as text (`""` when null or absent).
pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(text_of(Value::deserialize(d)?).unwrap_or_default())
}

/// A number or a string, as text; `None` when null, absent or empty.
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(text_of(Value::deserialize(d)?).filter(|s| !s.is_empty()))
}

/// A number or a numeric string; `None` when null, absent, not a number or not finite.
pub fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|f: &f64| f.is_finite()))
}

/// A whole number given as a number or a string (decimals truncated); `None` when null, absent or not a
/// number.
pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<i64>().ok().or_else(|| {
                s.parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .map(|f| f as i64)
            })
        }
        _ => None,
    })
}

/// As [`opt_i64`], 0 when there is no number.
pub fn i64_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(opt_i64(d)?.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    struct Sample {
        #[serde(deserialize_with = "super::string")]
        id: String,
        #[serde(deserialize_with = "super::opt_string")]
        name: Option<String>,
        #[serde(deserialize_with = "super::opt_i64")]
        count: Option<i64>,
        #[serde(deserialize_with = "super::opt_f64")]
        price: Option<f64>,
        #[serde(deserialize_with = "super::i64_or_zero")]
        total: i64,
    }

    fn read(json: &str) -> Sample {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn numbers_and_strings_read_alike() {
        let s = read(
            r#"{"id":7495274531001436791,"name":12,"count":"5","price":"110000.00","total":4.7}"#,
        );
        assert_eq!(s.id, "7495274531001436791");
        assert_eq!(s.name.as_deref(), Some("12"));
        assert_eq!(s.count, Some(5));
        assert_eq!(s.price, Some(110000.0));
        assert_eq!(s.total, 4);
        let s = read(r#"{"id":" 9 ","name":"","count":"12.9","price":"x"}"#);
        assert_eq!(s.id, "9");
        assert_eq!(s.name, None);
        assert_eq!(s.count, Some(12));
        assert_eq!(s.price, None);
        assert_eq!(s.total, 0);
    }

    #[test]
    fn null_and_absent_are_empty() {
        let s = read(r#"{"id":null,"name":null,"count":null,"price":null,"total":null}"#);
        assert_eq!(
            (s.id.as_str(), s.name, s.count, s.price, s.total),
            ("", None, None, None, 0)
        );
        let s = read("{}");
        assert_eq!((s.id.as_str(), s.name, s.count), ("", None, None));
    }
}
