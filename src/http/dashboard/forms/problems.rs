//! A rejected catalog's problems in the reader's language. The catalog
//! reader words its problems in English for the command line and the API;
//! the dashboard's Vietnamese page recognises each of those forms and says
//! it in Vietnamese, keeping the values the person typed. A form it does
//! not know is shown after a Vietnamese lead-in rather than hidden.

use crate::catalog::{Problems, RowError};
use crate::http::dashboard::format;
use crate::http::dashboard::i18n::Lang;

/// How many problems there are, and whether the list is cut short.
pub(super) fn count(lang: Lang, problems: &Problems) -> String {
    if lang == Lang::En {
        return problems.count_text();
    }
    let listed = problems.iter().count();
    let more = problems.more();
    match problems.stopped_after() {
        Some(line) => format!(
            "Hơn {} lỗi (kho ngừng đọc sau dòng {line}, phần còn lại của tệp chưa được kiểm tra; dưới đây là {listed} lỗi đầu tiên)",
            format::int((listed + more) as i64)
        ),
        None if more == 0 => format!("{listed} lỗi"),
        None => format!(
            "{} lỗi (dưới đây là {listed} lỗi đầu tiên … và {} lỗi khác)",
            format::int((listed + more) as i64),
            format::int(more as i64)
        ),
    }
}

/// One problem's message.
pub(super) fn message(lang: Lang, e: &RowError) -> String {
    match lang {
        Lang::En => e.message.clone(),
        Lang::Vi => vietnamese(&e.message)
            .unwrap_or_else(|| format!("Giá trị không hợp lệ ({})", e.message)),
    }
}

/// A number in a message (`1200`) as people write it (`1.200`).
fn number(s: &str) -> String {
    s.parse::<i64>().map_or_else(|_| s.to_owned(), format::int)
}

fn vietnamese(m: &str) -> Option<String> {
    let fixed = [
        ("is required", "Bắt buộc phải điền"),
        (
            "is required for an OCOP-rated product",
            "Bắt buộc với sản phẩm có sao OCOP",
        ),
        (
            "is required when a certificate is given",
            "Bắt buộc khi đã ghi giấy chứng nhận OCOP",
        ),
        ("missing column", "Thiếu cột này"),
        ("column appears twice", "Cột này xuất hiện hai lần"),
        (
            "the file has a header but no rows",
            "Tệp chỉ có dòng tiêu đề, không có dòng dữ liệu nào",
        ),
        (
            "the file is empty: expected a header line",
            "Tệp trống: cần có dòng tiêu đề",
        ),
        (
            "the workbook has no sheet",
            "Tệp Excel không có trang tính nào",
        ),
    ];
    if let Some((_, vi)) = fixed.iter().find(|(en, _)| *en == m) {
        return Some((*vi).to_owned());
    }
    if let Some(v) = m.strip_suffix(" is not 3, 4 or 5 (leave it empty for no rating)") {
        return Some(format!(
            "{v} không phải 3, 4 hoặc 5 (để trống nếu chưa có sao)"
        ));
    }
    if let Some(v) = m.strip_suffix(" is not a date written YYYY-MM-DD") {
        return Some(format!(
            "{v} không phải ngày viết dạng NNNN-TT-NN (ví dụ 2027-03-31)"
        ));
    }
    if let Some(v) = m.strip_suffix(" is not an http(s) URL") {
        return Some(format!("{v} không phải địa chỉ http(s)"));
    }
    if let Some(v) = m.strip_suffix(" must not be negative") {
        return Some(format!("{v} không được là số âm"));
    }
    if let Some((v, _)) = m.split_once(" is not a whole number of ") {
        return Some(format!("{v} không phải là số nguyên"));
    }
    if let Some((v, rest)) = m.split_once(" is above the maximum of ") {
        let max = rest.split(' ').next().unwrap_or(rest);
        return Some(format!("{} vượt quá mức tối đa {}", number(v), number(max)));
    }
    if let Some((v, _)) = m.split_once(" must be 1-64 characters of ") {
        return Some(format!(
            "{v} phải gồm 1–64 ký tự A-Z, a-z, 0-9, '-', '_', '.', '/'"
        ));
    }
    if let Some((v, line)) = m.split_once(" already appears on line ") {
        return Some(format!("{v} đã có ở dòng {line}"));
    }
    if let Some((v, rest)) = m.split_once(" belongs to producer ") {
        let (owner, not) = rest.split_once(", not ")?;
        return Some(format!("{v} thuộc cơ sở {owner}, không phải {not}"));
    }
    if let Some((v, rest)) = m.split_once(" belongs to product ") {
        let (owner, not) = rest.split_once(", not ")?;
        return Some(format!("{v} thuộc sản phẩm {owner}, không phải {not}"));
    }
    if let Some((v, rest)) = m.split_once(" is below the ") {
        let held = rest.strip_suffix(" units held by open orders")?;
        return Some(format!(
            "{} thấp hơn {} đơn vị đang giữ cho các đơn hàng chưa xong",
            number(v),
            number(held)
        ));
    }
    if let Some(rest) = m.strip_prefix("contains the control character ") {
        let (ch, why) = rest.split_once("; ")?;
        let why = match why {
            "a name is one line of printable text" => "tên chỉ là một dòng chữ in được",
            "only line breaks and tabs are allowed" => "chỉ được phép xuống dòng và tab",
            _ => return None,
        };
        return Some(format!("Có ký tự điều khiển {ch}; {why}"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_readers_problems_read_in_vietnamese() {
        for (en, vi) in [
            ("is required", "Bắt buộc phải điền"),
            (
                "\"tám mươi\" is not a whole number of đồng",
                "\"tám mươi\" không phải là số nguyên",
            ),
            (
                "100000001 is above the maximum of 100000000 đồng",
                "100.000.001 vượt quá mức tối đa 100.000.000",
            ),
            (
                "\"6\" is not 3, 4 or 5 (leave it empty for no rating)",
                "\"6\" không phải 3, 4 hoặc 5 (để trống nếu chưa có sao)",
            ),
            (
                "\"A-1\" already appears on line 3",
                "\"A-1\" đã có ở dòng 3",
            ),
            (
                "contains the control character U+001B; a name is one line of printable text",
                "Có ký tự điều khiển U+001B; tên chỉ là một dòng chữ in được",
            ),
        ] {
            let e = RowError::new(2, "price_vnd", en);
            assert_eq!(message(Lang::Vi, &e), vi, "{en}");
            assert_eq!(message(Lang::En, &e), en);
        }
        let odd = RowError::new(2, "", "cannot read CSV: bad quote");
        assert_eq!(
            message(Lang::Vi, &odd),
            "Giá trị không hợp lệ (cannot read CSV: bad quote)"
        );
    }
}
