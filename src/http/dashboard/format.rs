//! Numbers and dates as Vietnamese readers write them: `1.250.000 ₫`, dots
//! between thousands, day before month, times in the configured zone
//! (Asia/Ho_Chi_Minh unless `sync.timezone` says otherwise).

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

/// A whole number with dots between groups of three digits.
pub fn int(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// An amount of đồng: `1.250.000 ₫`.
pub fn vnd(n: i64) -> String {
    format!("{} ₫", int(n))
}

/// A short form for chart axes: `1,2 tr`, `850 N` (Vietnamese) or `1.2M`,
/// `850K` (English), so that labels fit on a phone.
pub fn vnd_short(n: i64, lang: super::i18n::Lang) -> String {
    use super::i18n::Lang;
    let abs = n.unsigned_abs();
    let (value, unit_vi, unit_en) = if abs >= 1_000_000_000 {
        (abs as f64 / 1e9, " tỷ", "B")
    } else if abs >= 1_000_000 {
        (abs as f64 / 1e6, " tr", "M")
    } else if abs >= 1_000 {
        (abs as f64 / 1e3, " N", "K")
    } else {
        return int(n);
    };
    let sign = if n < 0 { "-" } else { "" };
    let mut text = format!("{value:.1}");
    if text.ends_with(".0") {
        text.truncate(text.len() - 2);
    }
    match lang {
        Lang::Vi => format!("{sign}{}{unit_vi}", text.replace('.', ",")),
        Lang::En => format!("{sign}{text}{unit_en}"),
    }
}

/// A moment in the dashboard's time zone: `29/11/2026 14:05`.
pub fn datetime(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%d/%m/%Y %H:%M").to_string()
}

/// A calendar date: `29/11/2026`.
pub fn date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// Day and month only, for chart labels: `29/11`.
pub fn day_month(d: NaiveDate) -> String {
    d.format("%d/%m").to_string()
}

/// How long ago, in whole minutes, hours or days.
pub fn age(since: DateTime<Utc>, now: DateTime<Utc>, lang: super::i18n::Lang) -> String {
    use super::i18n::Lang;
    let secs = (now - since).num_seconds().max(0);
    let (n, vi, en) = if secs < 60 {
        (secs, "giây", "s")
    } else if secs < 3600 {
        (secs / 60, "phút", "min")
    } else if secs < 86_400 {
        (secs / 3600, "giờ", "h")
    } else {
        (secs / 86_400, "ngày", "d")
    };
    match lang {
        Lang::Vi => format!("{n} {vi} trước"),
        Lang::En => format!("{n} {en} ago"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::i18n::Lang;
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn thousands_are_separated_by_dots() {
        assert_eq!(int(0), "0");
        assert_eq!(int(999), "999");
        assert_eq!(int(1_000), "1.000");
        assert_eq!(int(85_000), "85.000");
        assert_eq!(int(1_250_000), "1.250.000");
        assert_eq!(int(-1_250_000), "-1.250.000");
        assert_eq!(int(i64::MIN), "-9.223.372.036.854.775.808");
    }

    #[test]
    fn dong_amounts_carry_the_sign_after_a_space() {
        assert_eq!(vnd(1_250_000), "1.250.000 ₫");
        assert_eq!(vnd(0), "0 ₫");
    }

    #[test]
    fn short_amounts_use_the_language_decimal_mark() {
        assert_eq!(vnd_short(1_250_000, Lang::Vi), "1,2 tr");
        assert_eq!(vnd_short(1_250_000, Lang::En), "1.2M");
        assert_eq!(vnd_short(2_000_000, Lang::Vi), "2 tr");
        assert_eq!(vnd_short(850_000, Lang::En), "850K");
        assert_eq!(vnd_short(500, Lang::Vi), "500");
        assert_eq!(vnd_short(3_000_000_000, Lang::Vi), "3 tỷ");
    }

    #[test]
    fn times_are_shown_in_ho_chi_minh_city() {
        // 18:30 UTC on the 28th is 01:30 on the 29th in Vietnam (UTC+7).
        let t = Utc.with_ymd_and_hms(2026, 11, 28, 18, 30, 0).unwrap();
        assert_eq!(
            datetime(t, chrono_tz::Asia::Ho_Chi_Minh),
            "29/11/2026 01:30"
        );
        assert_eq!(
            date(NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()),
            "05/01/2026"
        );
        assert_eq!(
            day_month(NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()),
            "05/01"
        );
    }

    #[test]
    fn ages_are_rounded_down() {
        let now = Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap();
        assert_eq!(
            age(now - chrono::Duration::seconds(5), now, Lang::En),
            "5 s ago"
        );
        assert_eq!(
            age(now - chrono::Duration::minutes(90), now, Lang::Vi),
            "1 giờ trước"
        );
        assert_eq!(
            age(now - chrono::Duration::days(3), now, Lang::En),
            "3 d ago"
        );
        assert_eq!(
            age(now + chrono::Duration::seconds(5), now, Lang::En),
            "0 s ago"
        );
    }
}
