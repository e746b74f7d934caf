//! Gives meaning to raw cells: every rule of the catalog format, each failure
//! reported at its line and column, and all of them reported together so a
//! cooperative can fix a spreadsheet in one pass.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::limits::{self, Lines, MAX_PRICE_VND, MAX_STOCK, MAX_WEIGHT_G};
use super::{COLUMNS, CatalogRow, MAX_SHELF_LIFE_DAYS, OPTIONAL_COLUMNS, Problems, RowError};

/// Raw cells of a catalog file, in file order.
#[derive(Debug, Default)]
pub struct RawTable {
    pub header: Vec<String>,
    /// (line, cells) for every non-blank data line.
    pub rows: Vec<(usize, Vec<String>)>,
}

/// Checks the header and every row; `Ok` only when there is no error at all.
/// Stops at [`super::MAX_PROBLEMS`] problems.
pub fn validate(table: &RawTable) -> Result<Vec<CatalogRow>, Problems> {
    let mut v = Validator::new(&table.header)?;
    let mut rows = table.rows.iter().peekable();
    while let Some((line, cells)) = rows.next() {
        v.row(*line, cells);
        if v.is_full() && rows.peek().is_some() {
            v.problems.stop_after(*line);
            break;
        }
    }
    v.finish()
}

/// Validates rows one at a time as a reader yields them, so a file is never
/// held as raw cells and a reader can stop once enough problems are found.
pub struct Validator {
    index: HashMap<&'static str, usize>,
    width: usize,
    rows: Vec<CatalogRow>,
    seen: usize,
    problems: Problems,
}

impl Validator {
    pub fn new(header: &[String]) -> Result<Validator, Problems> {
        let index = header_index(header).map_err(Problems::from)?;
        Ok(Validator {
            index,
            width: header.len(),
            rows: Vec::new(),
            seen: 0,
            problems: Problems::new(),
        })
    }

    /// Checks one data line.
    pub fn row(&mut self, line: usize, cells: &[String]) {
        self.seen += 1;
        if cells.len() != self.width {
            self.problems.push(RowError::new(
                line,
                "",
                format!("has {} fields, the header has {}", cells.len(), self.width),
            ));
            return;
        }
        let cells = Cells {
            index: &self.index,
            cells,
        };
        let mut errors = Vec::new();
        match validate_row(line, &cells, &mut errors) {
            Some(row) => self.rows.push(row),
            None => {
                for e in errors {
                    self.problems.push(e);
                }
            }
        }
    }

    /// Records a problem found by the reader itself.
    pub fn problem(&mut self, e: RowError) {
        self.problems.push(e);
    }

    /// As many problems as can be listed: reading further is wasted work.
    pub fn is_full(&self) -> bool {
        self.problems.is_full()
    }

    /// Notes that the reader stopped after `line` with input left.
    pub fn stop_after(&mut self, line: usize) {
        self.problems.stop_after(line);
    }

    pub fn finish(mut self) -> Result<Vec<CatalogRow>, Problems> {
        check_consistency(&self.rows, &mut self.problems);
        if self.seen == 0 && self.problems.is_empty() {
            self.problems
                .push(RowError::new(0, "", "the file has a header but no rows"));
        }
        if self.problems.is_empty() {
            Ok(self.rows)
        } else {
            self.problems.sort_by_line();
            Err(self.problems)
        }
    }
}

fn header_index(header: &[String]) -> Result<HashMap<&'static str, usize>, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut index = HashMap::new();
    for (i, name) in header.iter().enumerate() {
        let name = name.trim();
        match COLUMNS
            .iter()
            .chain(OPTIONAL_COLUMNS.iter())
            .find(|c| **c == name)
        {
            Some(c) => {
                if index.insert(*c, i).is_some() {
                    errors.push(RowError::new(1, name, "column appears twice"));
                }
            }
            None => errors.push(RowError::new(
                1,
                name,
                format!("unknown column (the columns are: {})", COLUMNS.join(", ")),
            )),
        }
    }
    for c in COLUMNS {
        if !index.contains_key(c) {
            errors.push(RowError::new(1, c, "missing column"));
        }
    }
    if errors.is_empty() {
        Ok(index)
    } else {
        Err(errors)
    }
}

/// One row's cells, looked up by column name.
struct Cells<'a> {
    index: &'a HashMap<&'static str, usize>,
    cells: &'a [String],
}

impl<'a> Cells<'a> {
    fn has(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    fn get(&self, name: &str) -> &'a str {
        self.index
            .get(name)
            .and_then(|&i| self.cells.get(i))
            .map_or("", String::as_str)
    }
}

fn validate_row(line: usize, cells: &Cells<'_>, errors: &mut Vec<RowError>) -> Option<CatalogRow> {
    let cell = |name: &str| cells.get(name);
    let before = errors.len();
    let mut err = |column: &str, message: String| errors.push(RowError::new(line, column, message));

    let mut code = |column: &str| -> String {
        let v = cell(column).trim();
        if v.is_empty() {
            err(column, "is required".into());
        } else if v.len() > 64
            || !v
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_./".contains(&b))
        {
            err(
                column,
                format!("{v:?} must be 1-64 characters of A-Z, a-z, 0-9, '-', '_', '.', '/'"),
            );
        }
        v.to_owned()
    };
    let producer_code = code("producer_code");
    let product_code = code("product_code");
    let variant_sku = code("variant_sku");

    let mut text = |column: &str, required: bool, lines: Lines| -> String {
        let v = cell(column);
        if required && v.trim().is_empty() {
            err(column, "is required".into());
        } else if let Some(why) = limits::control_character(v, lines) {
            err(column, why);
        }
        v.to_owned()
    };
    let producer_name = text("producer_name", true, Lines::One);
    let district = text("district", false, Lines::One);
    let product_name = text("product_name", true, Lines::One);
    let variant_name = text("variant_name", true, Lines::One);
    let category = text("category", false, Lines::One);
    let description = text("description", false, Lines::Many);

    let mut whole = |column: &str, what: &str, max: i64| -> i64 {
        let v = cell(column).trim();
        if v.is_empty() {
            err(column, "is required".into());
            return 0;
        }
        let digits = v.strip_prefix(['-', '+']).unwrap_or(v);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            err(column, format!("{v:?} is not a whole number of {what}"));
            return 0;
        }
        // Too many digits for an i64 is certainly above the bound.
        let n = v.parse::<i64>().unwrap_or(if v.starts_with('-') {
            i64::MIN
        } else {
            i64::MAX
        });
        match limits::out_of_range(n, 0, max) {
            None => n,
            Some(_) if n < 0 => {
                err(column, format!("{v:?} must not be negative"));
                0
            }
            Some(_) => {
                err(column, format!("{v} is above the maximum of {max} {what}"));
                0
            }
        }
    };
    let price_vnd = whole("price_vnd", "đồng", MAX_PRICE_VND);
    let stock = whole("stock", "units", MAX_STOCK);
    let weight_g = whole("weight_g", "grams", MAX_WEIGHT_G);

    let stars_text = cell("ocop_stars").trim();
    let ocop_stars = match stars_text {
        "" => None,
        "3" | "4" | "5" => stars_text.parse().ok(),
        other => {
            err(
                "ocop_stars",
                format!("{other:?} is not 3, 4 or 5 (leave it empty for no rating)"),
            );
            None
        }
    };
    let cert_no = cell("ocop_cert_no").trim();
    if let Some(why) = limits::control_character(cert_no, Lines::One) {
        err("ocop_cert_no", why);
    }
    let ocop_cert_no = (!cert_no.is_empty()).then(|| cert_no.to_owned());
    let expires_text = cell("ocop_cert_expires").trim();
    let ocop_cert_expires = if expires_text.is_empty() {
        None
    } else {
        match NaiveDate::parse_from_str(expires_text, "%Y-%m-%d") {
            Ok(d) if expires_text.len() == 10 => Some(d),
            _ => {
                err(
                    "ocop_cert_expires",
                    format!("{expires_text:?} is not a date written YYYY-MM-DD"),
                );
                None
            }
        }
    };
    if !stars_text.is_empty() && ocop_stars.is_some() {
        if ocop_cert_no.is_none() {
            err(
                "ocop_cert_no",
                "is required for an OCOP-rated product".into(),
            );
        }
        if expires_text.is_empty() {
            err(
                "ocop_cert_expires",
                "is required for an OCOP-rated product".into(),
            );
        }
    } else if stars_text.is_empty() && (ocop_cert_no.is_some() || !expires_text.is_empty()) {
        err(
            "ocop_stars",
            "is required when a certificate is given".into(),
        );
    }

    let images = cell("image_urls").trim();
    // The URL parser drops tabs and line breaks silently; kho stores the
    // text, so it must be what the parser checked.
    if let Some(why) = limits::control_character(images, Lines::One) {
        err("image_urls", why);
    }
    for url in images.split('|').filter(|u| !u.is_empty()) {
        match url::Url::parse(url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => {}
            _ => err("image_urls", format!("{url:?} is not an http(s) URL")),
        }
    }

    let shelf_life_days = if cells.has("shelf_life_days") {
        let v = cell("shelf_life_days").trim();
        if v.is_empty() {
            Some(None)
        } else {
            match v.parse::<i64>() {
                Ok(d) if (1..=MAX_SHELF_LIFE_DAYS).contains(&d) => Some(Some(d)),
                _ => {
                    err(
                        "shelf_life_days",
                        format!("{v:?} must be a whole number of days, 1-{MAX_SHELF_LIFE_DAYS}"),
                    );
                    None
                }
            }
        }
    } else {
        None
    };

    (errors.len() == before).then(|| CatalogRow {
        line,
        producer_code,
        producer_name,
        district,
        product_code,
        product_name,
        variant_sku,
        variant_name,
        price_vnd,
        stock,
        weight_g,
        ocop_stars,
        ocop_cert_no,
        ocop_cert_expires,
        category,
        description,
        image_urls: images.to_owned(),
        shelf_life_days,
    })
}

/// Rows describing the same producer or product must agree, and a SKU may
/// appear once.
fn check_consistency(rows: &[CatalogRow], errors: &mut Problems) {
    let mut skus: HashMap<&str, usize> = HashMap::new();
    let mut producers: HashMap<&str, &CatalogRow> = HashMap::new();
    let mut products: HashMap<&str, &CatalogRow> = HashMap::new();
    for row in rows {
        if let Some(first) = skus.insert(&row.variant_sku, row.line) {
            errors.push(RowError::new(
                row.line,
                "variant_sku",
                format!("{:?} already appears on line {first}", row.variant_sku),
            ));
            skus.insert(&row.variant_sku, first);
        }
        let p = *producers.entry(&row.producer_code).or_insert(row);
        for (column, a, b) in [
            ("producer_name", &p.producer_name, &row.producer_name),
            ("district", &p.district, &row.district),
        ] {
            if a != b {
                errors.push(RowError::new(
                    row.line,
                    column,
                    format!(
                        "{b:?} differs from {a:?} given for producer {} on line {}",
                        row.producer_code, p.line
                    ),
                ));
            }
        }
        let q = *products.entry(&row.product_code).or_insert(row);
        let differs = |column: &'static str, a: String, b: String| {
            (a != b).then(|| {
                RowError::new(
                    row.line,
                    column,
                    format!(
                        "{b:?} differs from {a:?} given for product {} on line {}",
                        row.product_code, q.line
                    ),
                )
            })
        };
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        let date = |v: &Option<NaiveDate>| v.map(|d| d.to_string()).unwrap_or_default();
        let stars = |v: &Option<i64>| v.map(|d| d.to_string()).unwrap_or_default();
        for e in [
            differs(
                "producer_code",
                q.producer_code.clone(),
                row.producer_code.clone(),
            ),
            differs(
                "product_name",
                q.product_name.clone(),
                row.product_name.clone(),
            ),
            differs("category", q.category.clone(), row.category.clone()),
            differs(
                "description",
                q.description.clone(),
                row.description.clone(),
            ),
            differs("ocop_stars", stars(&q.ocop_stars), stars(&row.ocop_stars)),
            differs("ocop_cert_no", opt(&q.ocop_cert_no), opt(&row.ocop_cert_no)),
            differs(
                "ocop_cert_expires",
                date(&q.ocop_cert_expires),
                date(&row.ocop_cert_expires),
            ),
            differs(
                "shelf_life_days",
                format!("{:?}", q.shelf_life_days.flatten()),
                format!("{:?}", row.shelf_life_days.flatten()),
            ),
        ]
        .into_iter()
        .flatten()
        {
            errors.push(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::file::read_csv;

    const HEADER: &str = "producer_code,producer_name,district,product_code,product_name,variant_sku,variant_name,price_vnd,stock,weight_g,ocop_stars,ocop_cert_no,ocop_cert_expires,category,description,image_urls\n";
    const GOOD: &str = "htx-a,HTX A,Chi Lăng,NA,Na,NA-1KG,Hộp 1kg,85000,10,1100,4,OCOP-1,2028-03-31,Trái cây,Na dai,https://example.org/a.jpg|https://example.org/b.jpg\n";

    fn check(body: &str) -> Result<Vec<CatalogRow>, Problems> {
        validate(&read_csv(format!("{HEADER}{body}").as_bytes())?)
    }

    #[test]
    fn a_good_row_is_typed() {
        let rows = check(GOOD).unwrap();
        assert_eq!(rows[0].price_vnd, 85000);
        assert_eq!(rows[0].ocop_stars, Some(4));
        assert_eq!(rows[0].line, 2);
    }

    #[test]
    fn every_bad_cell_is_named() {
        let bad = GOOD
            .replace("85000", "12.5k")
            .replace(",4,", ",2,")
            .replace("2028-03-31", "31/12/2026");
        let errors = check(&bad).unwrap_err();
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert!(
            shown
                .contains(&"line 2, price_vnd: \"12.5k\" is not a whole number of đồng".to_owned()),
            "{shown:?}"
        );
        assert!(
            shown.iter().any(|s| s.starts_with("line 2, ocop_stars:")),
            "{shown:?}"
        );
        assert!(
            shown
                .iter()
                .any(|s| s.starts_with("line 2, ocop_cert_expires:")),
            "{shown:?}"
        );
    }

    #[test]
    fn duplicate_sku_names_both_lines() {
        let errors = check(&format!("{GOOD}{GOOD}")).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].to_string(),
            "line 3, variant_sku: \"NA-1KG\" already appears on line 2"
        );
    }

    #[test]
    fn unknown_and_missing_columns() {
        let table = read_csv(b"producer_code,colour\nx,y\n").unwrap();
        let errors = validate(&table).unwrap_err();
        assert!(
            errors
                .iter()
                .any(|e| e.column == "colour" && e.message.starts_with("unknown column"))
        );
        assert!(
            errors
                .iter()
                .any(|e| e.column == "variant_sku" && e.message == "missing column")
        );
    }

    #[test]
    fn product_fields_must_agree() {
        let second = GOOD
            .replace("NA-1KG", "NA-2KG")
            .replace(",Na,", ",Na khác,");
        let errors = check(&format!("{GOOD}{second}")).unwrap_err();
        assert_eq!(errors[0].column, "product_name");
        assert_eq!(errors[0].line, 3);
    }
}
