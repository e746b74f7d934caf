//! The report on screen as files: CSV (UTF-8 with a byte-order mark, so
//! Excel on Windows reads Vietnamese as written) and XLSX (numbers as
//! numbers, so a spreadsheet sums them).

use std::io::Write;

use rust_xlsxwriter::{Format, Workbook, Worksheet};

use super::ReportError;
use super::sales::{CompareRow, SalesReport};
use crate::catalog::file::{UTF8_BOM, WriteError};
pub use crate::cli::output::spreadsheet_text;

/// The CSV header: the grouping's name, then fixed column names scripts
/// can rely on.
pub fn csv_header(report: &SalesReport) -> Vec<String> {
    let mut h = vec![report.by.as_str().to_owned(), "name".to_owned()];
    h.extend(NUMBER_COLUMNS.iter().map(|c| (*c).to_owned()));
    h
}

const NUMBER_COLUMNS: [&str; 12] = [
    "orders",
    "units",
    "revenue_vnd",
    "previous_orders",
    "previous_units",
    "previous_revenue_vnd",
    "change_vnd",
    "change_pct",
    "written_off_units",
    "written_off_value_vnd",
    "previous_written_off_units",
    "previous_written_off_value_vnd",
];

/// Column titles of the XLSX sheet, for people.
fn titles(vi: bool, by: &str) -> [String; 14] {
    let t = |v: &str, e: &str| if vi { v.to_owned() } else { e.to_owned() };
    [
        by.to_owned(),
        t("Tên", "Name"),
        t("Đơn hàng", "Orders"),
        t("Số lượng", "Units"),
        t("Doanh thu (đồng)", "Revenue (VND)"),
        t("Đơn kỳ trước", "Orders, previous period"),
        t("Số lượng kỳ trước", "Units, previous period"),
        t(
            "Doanh thu kỳ trước (đồng)",
            "Revenue, previous period (VND)",
        ),
        t("Chênh lệch (đồng)", "Change (VND)"),
        t("Chênh lệch (%)", "Change (%)"),
        t("Hủy do hết hạn (số lượng)", "Written off, expired (units)"),
        t("Giá trị hủy (đồng)", "Written off (VND)"),
        t(
            "Hủy kỳ trước (số lượng)",
            "Written off, previous period (units)",
        ),
        t(
            "Giá trị hủy kỳ trước (đồng)",
            "Written off, previous period (VND)",
        ),
    ]
}

fn numbers(r: &CompareRow) -> [Option<f64>; 12] {
    [
        Some(r.orders as f64),
        Some(r.units as f64),
        Some(r.revenue_vnd as f64),
        Some(r.previous_orders as f64),
        Some(r.previous_units as f64),
        Some(r.previous_revenue_vnd as f64),
        Some(r.change_vnd as f64),
        r.change_pct,
        Some(r.written_off.units as f64),
        Some(r.written_off.value_vnd as f64),
        Some(r.written_off.previous_units as f64),
        Some(r.written_off.previous_value_vnd as f64),
    ]
}

pub fn write_csv<W: Write>(mut out: W, report: &SalesReport) -> Result<(), ReportError> {
    out.write_all(UTF8_BOM).map_err(WriteError::from)?;
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    let mut write = || -> Result<(), csv::Error> {
        w.write_record(csv_header(report))?;
        for r in &report.rows {
            let mut rec = vec![
                spreadsheet_text(&r.key).into_owned(),
                spreadsheet_text(&r.label).into_owned(),
            ];
            rec.extend(
                numbers(r)
                    .iter()
                    .map(|n| n.map(|n| n.to_string()).unwrap_or_default()),
            );
            w.write_record(rec)?;
        }
        w.flush()?;
        Ok(())
    };
    write().map_err(WriteError::from)?;
    Ok(())
}

fn xlsx(e: rust_xlsxwriter::XlsxError) -> ReportError {
    ReportError::Write(WriteError::from(e))
}

/// Three sheets: the rows with a total line, the best sellers, and what the
/// report covers (period, previous period, time zone).
pub fn write_xlsx(report: &SalesReport, vi: bool) -> Result<Vec<u8>, ReportError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0");
    {
        let sheet = book.add_worksheet();
        sheet
            .set_name(if vi { "Doanh số" } else { "Sales" })
            .map_err(xlsx)?;
        for (c, t) in titles(vi, report.by.as_str()).iter().enumerate() {
            sheet
                .write_string_with_format(0, c as u16, t, &bold)
                .map_err(xlsx)?;
        }
        let mut row = 1u32;
        for r in &report.rows {
            sheet
                .write_string(row, 0, spreadsheet_text(&r.key))
                .map_err(xlsx)?;
            sheet
                .write_string(row, 1, spreadsheet_text(&r.label))
                .map_err(xlsx)?;
            numbers_row(sheet, row, &numbers(r), &money)?;
            row += 1;
        }
        let total = CompareRow {
            key: String::new(),
            label: String::new(),
            orders: report.orders,
            units: report.units,
            revenue_vnd: report.revenue_vnd,
            previous_orders: report.previous_orders,
            previous_units: report.previous_units,
            previous_revenue_vnd: report.previous_revenue_vnd,
            change_vnd: report.change_vnd,
            change_pct: report.change_pct,
            written_off: report.written_off,
        };
        sheet
            .write_string_with_format(row, 0, if vi { "Tổng" } else { "Total" }, &bold)
            .map_err(xlsx)?;
        numbers_row(sheet, row, &numbers(&total), &money)?;
        sheet.set_column_width(1, 36).map_err(xlsx)?;
    }
    {
        let sheet = book.add_worksheet();
        sheet
            .set_name(if vi { "Bán chạy" } else { "Best sellers" })
            .map_err(xlsx)?;
        let heads = if vi {
            [
                "Sản phẩm",
                "Hợp tác xã",
                "Đơn hàng",
                "Số lượng",
                "Doanh thu (đồng)",
            ]
        } else {
            ["Product", "Cooperative", "Orders", "Units", "Revenue (VND)"]
        };
        for (c, t) in heads.iter().enumerate() {
            sheet
                .write_string_with_format(0, c as u16, *t, &bold)
                .map_err(xlsx)?;
        }
        for (i, b) in report.best_sellers.iter().enumerate() {
            let row = i as u32 + 1;
            sheet
                .write_string(row, 0, spreadsheet_text(&b.product))
                .map_err(xlsx)?;
            sheet
                .write_string(row, 1, spreadsheet_text(&b.producer_name))
                .map_err(xlsx)?;
            sheet.write_number(row, 2, b.orders as f64).map_err(xlsx)?;
            sheet.write_number(row, 3, b.units as f64).map_err(xlsx)?;
            sheet
                .write_number_with_format(row, 4, b.revenue_vnd as f64, &money)
                .map_err(xlsx)?;
        }
        sheet.set_column_width(0, 36).map_err(xlsx)?;
    }
    {
        let sheet = book.add_worksheet();
        sheet
            .set_name(if vi { "Thông tin" } else { "About" })
            .map_err(xlsx)?;
        let info: [(&str, &str, String); 5] = [
            ("Từ ngày", "From", report.from.to_string()),
            ("Đến ngày", "To", report.to.to_string()),
            (
                "Kỳ trước",
                "Previous period",
                format!("{} – {}", report.previous_from, report.previous_to),
            ),
            ("Múi giờ", "Time zone", report.timezone.clone()),
            ("Nhóm theo", "Grouped by", report.by.as_str().to_owned()),
        ];
        for (i, (v, e, value)) in info.iter().enumerate() {
            sheet
                .write_string_with_format(i as u32, 0, if vi { *v } else { *e }, &bold)
                .map_err(xlsx)?;
            sheet.write_string(i as u32, 1, value).map_err(xlsx)?;
        }
    }
    book.save_to_buffer().map_err(xlsx)
}

fn numbers_row(
    sheet: &mut Worksheet,
    row: u32,
    values: &[Option<f64>; 12],
    money: &Format,
) -> Result<(), ReportError> {
    for (i, v) in values.iter().enumerate() {
        let col = i as u16 + 2;
        if let Some(v) = v {
            if matches!(i, 2 | 5 | 6 | 9 | 11) {
                sheet
                    .write_number_with_format(row, col, *v, money)
                    .map_err(xlsx)?;
            } else {
                sheet.write_number(row, col, *v).map_err(xlsx)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use calamine::{DataType, Reader, Xlsx};

    use super::*;
    use crate::orders::report::GroupBy;
    use crate::reports::sales::{BestSeller, Period, WrittenOff};

    fn report() -> SalesReport {
        let d = |m, day| chrono::NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let p = Period::new(d(3, 1), d(3, 31)).unwrap();
        SalesReport {
            from: p.from,
            to: p.to,
            previous_from: p.previous().from,
            previous_to: p.previous().to,
            timezone: "Asia/Ho_Chi_Minh".into(),
            by: GroupBy::Producer,
            producer: None,
            rows: vec![CompareRow {
                key: "htx-chi-lang".into(),
                label: "HTX Na Chi Lăng — Lạng Sơn".into(),
                orders: 2,
                units: 3,
                revenue_vnd: 255_000,
                previous_orders: 0,
                previous_units: 0,
                previous_revenue_vnd: 0,
                change_vnd: 255_000,
                change_pct: None,
                written_off: WrittenOff {
                    units: 4,
                    value_vnd: 340_000,
                    previous_units: 0,
                    previous_value_vnd: 0,
                },
            }],
            orders: 2,
            units: 3,
            revenue_vnd: 255_000,
            previous_orders: 0,
            previous_units: 0,
            previous_revenue_vnd: 0,
            change_vnd: 255_000,
            change_pct: None,
            best_sellers: vec![BestSeller {
                product: "=Na dai Chi Lăng".into(),
                producer: "htx-chi-lang".into(),
                producer_name: "HTX Na Chi Lăng".into(),
                orders: 2,
                units: 3,
                revenue_vnd: 255_000,
            }],
            written_off: WrittenOff {
                units: 4,
                value_vnd: 340_000,
                previous_units: 0,
                previous_value_vnd: 0,
            },
        }
    }

    #[test]
    fn the_csv_starts_with_a_byte_order_mark_and_keeps_vietnamese() {
        let mut out = Vec::new();
        write_csv(&mut out, &report()).unwrap();
        let text = String::from_utf8(out).unwrap();
        let body = text.strip_prefix('\u{feff}').expect("BOM");
        let mut lines = body.lines();
        assert_eq!(
            lines.next(),
            Some(
                "producer,name,orders,units,revenue_vnd,previous_orders,previous_units,previous_revenue_vnd,change_vnd,change_pct,\
                 written_off_units,written_off_value_vnd,previous_written_off_units,previous_written_off_value_vnd"
            )
        );
        assert_eq!(
            lines.next(),
            Some("htx-chi-lang,HTX Na Chi Lăng — Lạng Sơn,2,3,255000,0,0,0,255000,,4,340000,0,0")
        );
    }

    #[test]
    fn the_workbook_reads_back_with_every_vietnamese_letter() {
        let bytes = write_xlsx(&report(), true).unwrap();
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let sales = book.worksheet_range("Doanh số").unwrap();
        assert_eq!(
            sales.get_value((0, 4)).unwrap().to_string(),
            "Doanh thu (đồng)"
        );
        assert_eq!(
            sales.get_value((1, 1)).unwrap().to_string(),
            "HTX Na Chi Lăng — Lạng Sơn"
        );
        assert_eq!(sales.get_value((1, 4)).unwrap().as_f64(), Some(255_000.0));
        assert_eq!(sales.get_value((2, 0)).unwrap().to_string(), "Tổng");
        // The write-offs beside the sales, per row and in the total.
        assert_eq!(
            sales.get_value((0, 10)).unwrap().to_string(),
            "Hủy do hết hạn (số lượng)"
        );
        assert_eq!(sales.get_value((1, 10)).unwrap().as_f64(), Some(4.0));
        assert_eq!(sales.get_value((1, 11)).unwrap().as_f64(), Some(340_000.0));
        assert_eq!(sales.get_value((2, 11)).unwrap().as_f64(), Some(340_000.0));
        let best = book.worksheet_range("Bán chạy").unwrap();
        // A name a spreadsheet would run as a formula stays text.
        assert_eq!(
            best.get_value((1, 0)).unwrap().to_string(),
            "'=Na dai Chi Lăng"
        );
    }
}
