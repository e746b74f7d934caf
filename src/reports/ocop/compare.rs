//! Every difference between the imported register and kho's catalog. The
//! register is the authority on certificates; kho's catalog is what the
//! marketplaces are told. A product is matched by certificate number, else
//! by product and producer name (folded: case and diacritics ignored).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde::Serialize;

use super::file::fold;
use crate::store::ocop_register::{CatalogOcop, RegisterEntry};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DifferenceKind {
    /// kho claims OCOP stars for a product whose certificate the register
    /// does not know.
    UnknownToRegister,
    /// kho claims OCOP stars; the register's certificate has lapsed.
    Lapsed,
    /// Both know the certificate; the stars differ.
    StarsDiffer,
    /// Both know the certificate; the expiry dates differ.
    ExpiryDiffers,
    /// A valid certificate of the register whose product kho sells on no
    /// marketplace.
    NotSoldOnline,
    /// A certificate of the register for a product kho does not have.
    NotInKho,
}

impl DifferenceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DifferenceKind::UnknownToRegister => "unknown_to_register",
            DifferenceKind::Lapsed => "lapsed",
            DifferenceKind::StarsDiffer => "stars_differ",
            DifferenceKind::ExpiryDiffers => "expiry_differs",
            DifferenceKind::NotSoldOnline => "not_sold_online",
            DifferenceKind::NotInKho => "not_in_kho",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub kind: DifferenceKind,
    /// kho's product, when kho has it.
    pub product_code: Option<String>,
    pub product_name: String,
    pub producer_code: Option<String>,
    pub producer_name: String,
    pub cert_no: Option<String>,
    pub register_stars: Option<i64>,
    pub kho_stars: Option<i64>,
    pub register_expires: Option<NaiveDate>,
    pub kho_expires: Option<NaiveDate>,
    /// Marketplace listings of the product in kho.
    pub listings: i64,
    /// The register file's line, when the register has it.
    pub register_line: Option<i64>,
}

/// The differences, most pressing first (lapsed or unknown claims), then
/// by producer and product.
pub fn compare(
    register: &[RegisterEntry],
    catalog: &[CatalogOcop],
    today: NaiveDate,
) -> Vec<Difference> {
    let by_cert: HashMap<String, usize> = register
        .iter()
        .enumerate()
        .map(|(i, e)| (fold(&e.cert_no), i))
        .collect();
    let by_name: HashMap<(String, String), usize> = register
        .iter()
        .enumerate()
        .map(|(i, e)| ((fold(&e.product_name), fold(&e.producer_name)), i))
        .collect();
    let mut matched: HashSet<usize> = HashSet::new();
    let mut out = Vec::new();
    for p in catalog {
        let found = p
            .ocop_cert_no
            .as_deref()
            .and_then(|c| by_cert.get(&fold(c)))
            .or_else(|| by_name.get(&(fold(&p.product_name), fold(&p.producer_name))))
            .copied();
        let diff = |kind, entry: Option<&RegisterEntry>| Difference {
            kind,
            product_code: Some(p.product_code.clone()),
            product_name: p.product_name.clone(),
            producer_code: Some(p.producer_code.clone()),
            producer_name: p.producer_name.clone(),
            cert_no: entry
                .map(|e| e.cert_no.clone())
                .or_else(|| p.ocop_cert_no.clone()),
            register_stars: entry.map(|e| e.stars),
            kho_stars: p.ocop_stars,
            register_expires: entry.map(|e| e.expires),
            kho_expires: p.ocop_cert_expires,
            listings: p.listings,
            register_line: entry.map(|e| e.line),
        };
        let Some(i) = found else {
            if p.ocop_stars.is_some() {
                out.push(diff(DifferenceKind::UnknownToRegister, None));
            }
            continue;
        };
        matched.insert(i);
        let e = &register[i];
        let lapsed = e.expires < today;
        if lapsed && p.ocop_stars.is_some() {
            out.push(diff(DifferenceKind::Lapsed, Some(e)));
        }
        if p.ocop_stars.is_some_and(|s| s != e.stars) || (p.ocop_stars.is_none() && !lapsed) {
            out.push(diff(DifferenceKind::StarsDiffer, Some(e)));
        }
        if p.ocop_cert_expires.is_some_and(|d| d != e.expires) {
            out.push(diff(DifferenceKind::ExpiryDiffers, Some(e)));
        }
        if !lapsed && (p.listings == 0 || !p.active) {
            out.push(diff(DifferenceKind::NotSoldOnline, Some(e)));
        }
    }
    for (i, e) in register.iter().enumerate() {
        if !matched.contains(&i) && e.expires >= today {
            out.push(Difference {
                kind: DifferenceKind::NotInKho,
                product_code: None,
                product_name: e.product_name.clone(),
                producer_code: None,
                producer_name: e.producer_name.clone(),
                cert_no: Some(e.cert_no.clone()),
                register_stars: Some(e.stars),
                kho_stars: None,
                register_expires: Some(e.expires),
                kho_expires: None,
                listings: 0,
                register_line: Some(e.line),
            });
        }
    }
    out.sort_by(|a, b| {
        (a.kind, &a.producer_name, &a.product_name).cmp(&(
            b.kind,
            &b.producer_name,
            &b.product_name,
        ))
    });
    out
}

/// The differences a cooperative may see: its own products, and register
/// entries naming its producer.
pub fn of_producer(diffs: Vec<Difference>, code: &str, name: &str) -> Vec<Difference> {
    let name = fold(name);
    diffs
        .into_iter()
        .filter(|d| match &d.producer_code {
            Some(c) => c == code,
            None => fold(&d.producer_name) == name,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn entry(
        line: i64,
        cert: &str,
        product: &str,
        stars: i64,
        expires: NaiveDate,
    ) -> RegisterEntry {
        RegisterEntry {
            line,
            cert_no: cert.into(),
            product_name: product.into(),
            producer_name: "HTX Na Chi Lăng".into(),
            stars,
            expires,
            district: String::new(),
        }
    }

    fn product(
        code: &str,
        name: &str,
        stars: Option<i64>,
        cert: Option<&str>,
        listings: i64,
    ) -> CatalogOcop {
        CatalogOcop {
            producer_code: "htx-chi-lang".into(),
            producer_name: "HTX Na Chi Lăng".into(),
            district: "Chi Lăng".into(),
            product_code: code.into(),
            product_name: name.into(),
            ocop_stars: stars,
            ocop_cert_no: cert.map(str::to_owned),
            ocop_cert_expires: None,
            active: true,
            listings,
        }
    }

    #[test]
    fn every_kind_of_difference_is_found() {
        let today = d(2026, 12, 6);
        let register = [
            entry(2, "C-LAPSED", "Mật ong", 4, d(2026, 1, 1)),
            entry(3, "C-STARS", "Na dai", 3, d(2028, 1, 1)),
            entry(4, "C-IDLE", "Trà", 4, d(2028, 1, 1)),
            entry(5, "C-ELSEWHERE", "Hồi khô", 5, d(2028, 1, 1)),
            entry(6, "C-OLD", "Gà đồi", 3, d(2020, 1, 1)),
        ];
        let catalog = [
            product("mat-ong", "Mật ong", Some(4), Some("c-lapsed"), 2),
            product("na", "Na dai", Some(4), Some("C-STARS"), 1),
            product("tra", "TRÀ", Some(4), None, 0),
            product("mien", "Miến dong", Some(3), Some("C-NONE"), 3),
            product("rau", "Rau", None, None, 1),
        ];
        let diffs = compare(&register, &catalog, today);
        let found: Vec<(DifferenceKind, &str)> = diffs
            .iter()
            .map(|d| (d.kind, d.product_name.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (DifferenceKind::UnknownToRegister, "Miến dong"),
                (DifferenceKind::Lapsed, "Mật ong"),
                (DifferenceKind::StarsDiffer, "Na dai"),
                (DifferenceKind::NotSoldOnline, "TRÀ"),
                (DifferenceKind::NotInKho, "Hồi khô"),
            ]
        );
        assert_eq!(diffs[2].register_stars, Some(3));
        assert_eq!(diffs[2].kho_stars, Some(4));
        assert_eq!(
            of_producer(diffs.clone(), "htx-chi-lang", "htx na chi lang").len(),
            5
        );
        assert!(of_producer(diffs, "htx-bao-lam", "HTX Bảo Lâm").is_empty());
    }
}
