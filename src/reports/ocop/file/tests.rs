use super::*;

fn table(header: &[&str], rows: &[&[&str]]) -> RawTable {
    RawTable {
        header: header.iter().map(|s| (*s).to_owned()).collect(),
        rows: rows
            .iter()
            .enumerate()
            .map(|(i, r)| (i + 2, r.iter().map(|s| (*s).to_owned()).collect()))
            .collect(),
    }
}

#[test]
fn vietnamese_headers_in_any_order() {
    let t = table(
        &[
            "STT",
            "Số giấy chứng nhận",
            "Chủ thể",
            "Tên sản phẩm",
            "Hạng sao",
            "Ngày hết hạn",
            "Huyện",
        ],
        &[&[
            "1",
            "12/QĐ-UBND",
            "HTX Na Chi Lăng",
            "Na dai Chi Lăng",
            "4 sao",
            "31/12/2027",
            "Chi Lăng",
        ]],
    );
    let e = entries(&t).unwrap();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].cert_no, "12/QĐ-UBND");
    assert_eq!(e[0].producer_name, "HTX Na Chi Lăng");
    assert_eq!(e[0].stars, 4);
    assert_eq!(e[0].expires, NaiveDate::from_ymd_opt(2027, 12, 31).unwrap());
    assert_eq!((e[0].line, e[0].district.as_str()), (2, "Chi Lăng"));
}

#[test]
fn english_headers_and_other_ways_of_writing() {
    let t = table(
        &[
            "Expiry date",
            "Stars",
            "Product",
            "Certificate No.",
            "Producer",
        ],
        &[
            &["2027-05-01", "★★★", "Hồi", "C-1", "HTX Hồi"],
            &["01.06.2026", "5★", "Mận", "C-2", "HTX Mận"],
        ],
    );
    let e = entries(&t).unwrap();
    assert_eq!((e[0].stars, e[1].stars), (3, 5));
    assert_eq!(e[1].expires, NaiveDate::from_ymd_opt(2026, 6, 1).unwrap());
}

#[test]
fn every_problem_names_its_line_and_column() {
    let t = table(
        &["product", "producer", "stars", "certificate", "expires"],
        &[
            &["Na", "HTX", "6", "C-1", "2027-01-01"],
            &["", "HTX", "4", "C-2", "mai"],
            &["Mận", "HTX", "3", "c-1", "2027-01-01"],
        ],
    );
    let p = entries(&t).unwrap_err();
    let found: Vec<(usize, &str)> = p.iter().map(|e| (e.line, e.column.as_str())).collect();
    assert_eq!(
        found,
        [
            (2, "stars"),
            (3, "product"),
            (3, "expires"),
            (4, "certificate")
        ],
        "{p:?}"
    );
}

#[test]
fn a_missing_column_is_named() {
    let t = table(&["Tên sản phẩm", "Chủ thể", "Số sao"], &[]);
    let p = entries(&t).unwrap_err();
    let cols: Vec<&str> = p.iter().map(|e| e.column.as_str()).collect();
    assert_eq!(cols, ["certificate", "expires"]);
}

#[test]
fn folding_drops_marks_and_punctuation() {
    assert_eq!(fold("  Số giấy chứng nhận "), "so giay chung nhan");
    assert_eq!(fold("Huyện/Thành phố"), "huyen thanh pho");
    assert_eq!(fold("ĐỊA BÀN"), "dia ban");
}
