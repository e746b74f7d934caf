//! Reading the department's certificate list: CSV or the first sheet of an
//! XLSX workbook, columns in any order, named in Vietnamese or English
//! (with or without diacritics). Every problem is reported with its line
//! and column; one problem refuses the whole file, as a catalog import does.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use crate::catalog::file::RawTable;
use crate::catalog::{Problems, RowError};
use crate::store::ocop_register::RegisterEntry;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Column {
    Product,
    Producer,
    Stars,
    CertNo,
    Expires,
    District,
}

impl Column {
    /// The name problems use.
    fn name(self) -> &'static str {
        match self {
            Column::Product => "product",
            Column::Producer => "producer",
            Column::Stars => "stars",
            Column::CertNo => "certificate",
            Column::Expires => "expires",
            Column::District => "district",
        }
    }
}

/// Header names (folded: lower case, no diacritics, single spaces) the
/// department's exports and people's own sheets use.
const ALIASES: &[(&str, Column)] = &[
    ("ten san pham", Column::Product),
    ("san pham", Column::Product),
    ("san pham ocop", Column::Product),
    ("product", Column::Product),
    ("product name", Column::Product),
    ("chu the", Column::Producer),
    ("ten chu the", Column::Producer),
    ("chu the ocop", Column::Producer),
    ("chu the san xuat", Column::Producer),
    ("co so san xuat", Column::Producer),
    ("hop tac xa", Column::Producer),
    ("htx", Column::Producer),
    ("producer", Column::Producer),
    ("producer name", Column::Producer),
    ("cooperative", Column::Producer),
    ("owner", Column::Producer),
    ("so sao", Column::Stars),
    ("hang sao", Column::Stars),
    ("sao", Column::Stars),
    ("xep hang", Column::Stars),
    ("stars", Column::Stars),
    ("star rating", Column::Stars),
    ("rating", Column::Stars),
    ("so chung nhan", Column::CertNo),
    ("so giay chung nhan", Column::CertNo),
    ("ma chung nhan", Column::CertNo),
    ("so quyet dinh", Column::CertNo),
    ("certificate", Column::CertNo),
    ("certificate no", Column::CertNo),
    ("certificate number", Column::CertNo),
    ("cert no", Column::CertNo),
    ("ngay het han", Column::Expires),
    ("het han", Column::Expires),
    ("hieu luc den", Column::Expires),
    ("co hieu luc den", Column::Expires),
    ("thoi han", Column::Expires),
    ("expires", Column::Expires),
    ("expiry", Column::Expires),
    ("expiry date", Column::Expires),
    ("valid until", Column::Expires),
    ("huyen", Column::District),
    ("huyen thanh pho", Column::District),
    ("dia ban", Column::District),
    ("district", Column::District),
];

const REQUIRED: [Column; 5] = [
    Column::Product,
    Column::Producer,
    Column::Stars,
    Column::CertNo,
    Column::Expires,
];

/// Lower case, Vietnamese letters without their marks, punctuation as
/// spaces, spaces single: "Số giấy chứng nhận" → "so giay chung nhan".
pub fn fold(s: &str) -> String {
    const GROUPS: [(&str, char); 7] = [
        ("àáạảãâầấậẩẫăằắặẳẵ", 'a'),
        ("èéẹẻẽêềếệểễ", 'e'),
        ("ìíịỉĩ", 'i'),
        ("òóọỏõôồốộổỗơờớợởỡ", 'o'),
        ("ùúụủũưừứựửữ", 'u'),
        ("ỳýỵỷỹ", 'y'),
        ("đ", 'd'),
    ];
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        let c = GROUPS
            .iter()
            .find(|(g, _)| g.contains(c))
            .map_or(c, |(_, base)| *base);
        out.push(if c.is_alphanumeric() { c } else { ' ' });
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Stars as people write them: `4`, `4 sao`, `4★`, `★★★★`.
fn stars(text: &str) -> Option<i64> {
    let t = text.trim();
    let n = if !t.is_empty() && t.chars().all(|c| c == '★') {
        t.chars().count() as i64
    } else {
        let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
        let rest = fold(&t[digits.len()..]);
        if !matches!(rest.as_str(), "" | "sao" | "stars" | "star") && !t.ends_with('★') {
            return None;
        }
        digits.parse().ok()?
    };
    (3..=5).contains(&n).then_some(n)
}

/// A date as the department's exports and spreadsheets write it.
fn date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    [
        "%Y-%m-%d",
        "%d/%m/%Y",
        "%d-%m-%Y",
        "%d.%m.%Y",
        "%Y-%m-%d %H:%M:%S",
    ]
    .iter()
    .find_map(|f| {
        NaiveDate::parse_from_str(t, f).ok().or_else(|| {
            chrono::NaiveDateTime::parse_from_str(t, f)
                .ok()
                .map(|d| d.date())
        })
    })
}

/// Reads a certificate list (CSV or XLSX, told apart by content).
pub fn read_register(bytes: &[u8]) -> Result<Vec<RegisterEntry>, Problems> {
    let table = crate::catalog::file::read(bytes)?;
    entries(&table)
}

/// The entries of a read table, or every problem in it.
pub fn entries(table: &RawTable) -> Result<Vec<RegisterEntry>, Problems> {
    let mut problems = Problems::new();
    let mut columns: BTreeMap<Column, usize> = BTreeMap::new();
    for (i, h) in table.header.iter().enumerate() {
        let folded = fold(h);
        if folded.is_empty() {
            continue;
        }
        if let Some((_, col)) = ALIASES.iter().find(|(a, _)| *a == folded)
            && columns.insert(*col, i).is_some()
        {
            problems.push(RowError::new(
                1,
                h,
                format!("a second {} column", col.name()),
            ));
        }
    }
    for c in REQUIRED {
        if !columns.contains_key(&c) {
            problems.push(RowError::new(
                1,
                c.name(),
                format!(
                    "no {} column (the header needs product, producer, stars, certificate and expires, \
                     in Vietnamese or English, e.g. \"Tên sản phẩm\", \"Chủ thể\", \"Số sao\", \
                     \"Số giấy chứng nhận\", \"Ngày hết hạn\")",
                    c.name()
                ),
            ));
        }
    }
    if table.header.is_empty() {
        return Err(Problems::from(RowError::new(
            0,
            "",
            "the file is empty: expected a header line",
        )));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut out = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (line, cells) in &table.rows {
        let cell = |c: Column| {
            columns
                .get(&c)
                .and_then(|i| cells.get(*i))
                .map_or("", |s| s.trim())
        };
        let mut bad = |c: Column, msg: String| problems.push(RowError::new(*line, c.name(), msg));
        let mut text = |c: Column| {
            let v = cell(c);
            if v.is_empty() && c != Column::District {
                bad(c, "must not be empty".into());
            }
            v.to_owned()
        };
        let (product, producer, cert_no) = (
            text(Column::Product),
            text(Column::Producer),
            text(Column::CertNo),
        );
        let star_text = cell(Column::Stars);
        let stars = stars(star_text);
        if stars.is_none() {
            bad(
                Column::Stars,
                format!("{star_text:?} is not 3, 4 or 5 stars"),
            );
        }
        let expires_text = cell(Column::Expires);
        let expires = date(expires_text);
        if expires.is_none() {
            bad(
                Column::Expires,
                format!("{expires_text:?} is not a date like 31/12/2027 or 2027-12-31"),
            );
        }
        if !cert_no.is_empty()
            && let Some(first) = seen.insert(fold(&cert_no), *line)
        {
            bad(
                Column::CertNo,
                format!("certificate {cert_no:?} is listed again (first on line {first})"),
            );
        }
        if let (Some(stars), Some(expires)) = (stars, expires) {
            out.push(RegisterEntry {
                line: *line as i64,
                cert_no,
                product_name: product,
                producer_name: producer,
                stars,
                expires,
                district: cell(Column::District).to_owned(),
            });
        }
        if problems.is_full() {
            break;
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests;
