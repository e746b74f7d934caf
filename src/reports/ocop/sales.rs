//! Sales of one month per product, producer and district, in the shape
//! the department's OCOP information system loads: one row per product,
//! with its certificate and stars as kho's catalog has them.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;

use chrono_tz::Tz;
use serde::Serialize;

use crate::catalog::file::{UTF8_BOM, WriteError};
use crate::reports::export::spreadsheet_text;
use crate::reports::{Period, ReportError};
use crate::store::Store;
use crate::store::ocop_register::CatalogOcop;
use crate::store::orders::SaleLine;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OcopSalesRow {
    /// `YYYY-MM`.
    pub month: String,
    pub district: String,
    pub producer: String,
    pub producer_name: String,
    pub product: String,
    pub cert_no: String,
    pub stars: Option<i64>,
    pub orders: usize,
    pub units: i64,
    pub revenue_vnd: i64,
}

const COLUMNS: [&str; 10] = [
    "month",
    "district",
    "producer",
    "producer_name",
    "product",
    "certificate",
    "stars",
    "orders",
    "units",
    "revenue_vnd",
];

/// The month's rows, for every producer or one (`producer`).
pub async fn month_sales(
    store: &Store,
    tz: Tz,
    month: &str,
    producer: Option<&str>,
) -> Result<Vec<OcopSalesRow>, ReportError> {
    let period = Period::month(month)?;
    let (start, end) = period.instants(tz)?;
    let mut lines = store.sale_lines(start, end).await?;
    if let Some(p) = producer {
        lines.retain(|l| l.producer == p);
    }
    let catalog = store.catalog_ocop().await?;
    Ok(rows(
        &period.from.format("%Y-%m").to_string(),
        &lines,
        &catalog,
    ))
}

/// Pure grouping, for tests.
pub fn rows(month: &str, lines: &[SaleLine], catalog: &[CatalogOcop]) -> Vec<OcopSalesRow> {
    let certs: HashMap<(&str, &str), &CatalogOcop> = catalog
        .iter()
        .map(|p| ((p.producer_code.as_str(), p.product_name.as_str()), p))
        .collect();
    let mut groups: BTreeMap<(String, String, String), (BTreeSet<i64>, OcopSalesRow)> =
        BTreeMap::new();
    for l in lines {
        let key = (
            l.district.clone(),
            l.producer_name.clone(),
            l.product.clone(),
        );
        let (orders, row) = groups.entry(key).or_insert_with(|| {
            let p = certs.get(&(l.producer.as_str(), l.product.as_str()));
            (
                BTreeSet::new(),
                OcopSalesRow {
                    month: month.to_owned(),
                    district: l.district.clone(),
                    producer: l.producer.clone(),
                    producer_name: l.producer_name.clone(),
                    product: l.product.clone(),
                    cert_no: p.and_then(|p| p.ocop_cert_no.clone()).unwrap_or_default(),
                    stars: l.ocop_stars,
                    orders: 0,
                    units: 0,
                    revenue_vnd: 0,
                },
            )
        });
        orders.insert(l.order_id);
        row.orders = orders.len();
        row.units += l.quantity;
        row.revenue_vnd = row
            .revenue_vnd
            .saturating_add(l.quantity.saturating_mul(l.unit_price_vnd));
    }
    groups.into_values().map(|(_, r)| r).collect()
}

fn cells(r: &OcopSalesRow) -> [String; 10] {
    [
        r.month.clone(),
        spreadsheet_text(&r.district).into_owned(),
        spreadsheet_text(&r.producer).into_owned(),
        spreadsheet_text(&r.producer_name).into_owned(),
        spreadsheet_text(&r.product).into_owned(),
        spreadsheet_text(&r.cert_no).into_owned(),
        r.stars.map(|s| s.to_string()).unwrap_or_default(),
        r.orders.to_string(),
        r.units.to_string(),
        r.revenue_vnd.to_string(),
    ]
}

pub fn write_csv<W: Write>(mut out: W, rows: &[OcopSalesRow]) -> Result<(), ReportError> {
    out.write_all(UTF8_BOM).map_err(WriteError::from)?;
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    let mut write = || -> Result<(), csv::Error> {
        w.write_record(COLUMNS)?;
        for r in rows {
            w.write_record(cells(r))?;
        }
        w.flush()?;
        Ok(())
    };
    write().map_err(WriteError::from)?;
    Ok(())
}

pub fn write_xlsx(rows: &[OcopSalesRow]) -> Result<Vec<u8>, ReportError> {
    let x = |e| ReportError::Write(WriteError::Xlsx(e));
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("ocop-sales").map_err(x)?;
    for (c, name) in COLUMNS.iter().enumerate() {
        sheet.write_string(0, c as u16, *name).map_err(x)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        for (c, cell) in cells(r).iter().enumerate() {
            match cell.parse::<i64>() {
                Ok(n) if c >= 6 => sheet.write_number(row, c as u16, n as f64).map_err(x)?,
                _ if cell.is_empty() => continue,
                _ => sheet.write_string(row, c as u16, cell).map_err(x)?,
            };
        }
    }
    book.save_to_buffer().map_err(x)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn one_row_per_product_with_its_certificate() {
        let line = |order_id, product: &str, qty| SaleLine {
            order_id,
            ordered_at: chrono::Utc.with_ymd_and_hms(2026, 11, 3, 2, 0, 0).unwrap(),
            channel: "shopee".into(),
            account: "a".into(),
            producer: "htx-chi-lang".into(),
            producer_name: "HTX Na Chi Lăng".into(),
            district: "Chi Lăng".into(),
            product: product.into(),
            ocop_stars: Some(4),
            sku: "S".into(),
            quantity: qty,
            unit_price_vnd: 10_000,
        };
        let catalog = [CatalogOcop {
            producer_code: "htx-chi-lang".into(),
            producer_name: "HTX Na Chi Lăng".into(),
            district: "Chi Lăng".into(),
            product_code: "na".into(),
            product_name: "Na dai".into(),
            ocop_stars: Some(4),
            ocop_cert_no: Some("12/QĐ".into()),
            ocop_cert_expires: None,
            active: true,
            listings: 1,
        }];
        let r = rows(
            "2026-11",
            &[
                line(1, "Na dai", 2),
                line(2, "Na dai", 1),
                line(2, "Mận", 1),
            ],
            &catalog,
        );
        assert_eq!(r.len(), 2);
        assert_eq!(
            (
                r[1].product.as_str(),
                r[1].cert_no.as_str(),
                r[1].orders,
                r[1].units
            ),
            ("Na dai", "12/QĐ", 2, 3)
        );
        assert_eq!(r[0].cert_no, "");
        let mut csv = Vec::new();
        write_csv(&mut csv, &r).unwrap();
        let text = String::from_utf8(csv).unwrap();
        assert!(text.starts_with("\u{feff}month,district,producer"));
        assert!(
            text.contains("2026-11,Chi Lăng,htx-chi-lang,HTX Na Chi Lăng,Na dai,12/QĐ,4,2,3,30000"),
            "{text}"
        );
        assert!(!write_xlsx(&r).unwrap().is_empty());
    }
}
