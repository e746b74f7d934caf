//! Checks on an XLSX workbook made before the XLSX reader sees it.
//!
//! calamine reserves room for as many shared strings as the workbook's
//! `sharedStrings.xml` declares in `<sst uniqueCount="…">`, before reading a
//! single one (tafia/calamine#684, open in 0.38). A failed allocation aborts
//! the process — no panic to catch — so a 400-byte upload with an enormous
//! count would take the import, or the daemon serving the admin API, down.
//! kho reads that count first and refuses a workbook whose count its
//! shared-strings part could not hold.
//!
//! A worksheet compresses extremely well: a 0.5 MB upload unpacked to a
//! 118 MiB sheet of 1.2 million rows. kho unpacks each worksheet part
//! (counting bytes, keeping none) before the reader does, and refuses a
//! workbook whose worksheets unpack to more than [`MAX_SHEET_BYTES`]; the
//! reader then also stops at a number of cells (`file::MAX_XLSX_CELLS`).

use std::io::{BufReader, Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::Event;

/// Each shared string takes at least `<si/>` (5 bytes) of the part.
const MIN_BYTES_PER_STRING: u64 = 5;

/// However large the part claims to be: 5 million strings (120 MB of
/// reservation at most) is far beyond a catalog of 100,000 rows.
const MAX_SHARED_STRINGS: u64 = 5_000_000;

/// Unpacked bytes of all worksheet parts together: a catalog sheet at the
/// reader's cell limit (a million cells of about 40 bytes of XML each) fits,
/// and the time to parse it stays well under a second or two.
pub const MAX_SHEET_BYTES: u64 = 64 << 20;

/// What is wrong with the workbook, in words for the person who sent it.
pub fn check(bytes: &[u8]) -> Result<(), String> {
    check_within(bytes, MAX_SHEET_BYTES)
}

fn check_within(bytes: &[u8], max_sheet_bytes: u64) -> Result<(), String> {
    // Not a ZIP archive: the reader reports it.
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    let mut sheet_bytes = 0u64;
    for i in 0..zip.len() {
        let Ok(entry) = zip.by_index(i) else {
            continue;
        };
        let Ok(name) = entry.name().map(|n| n.to_ascii_lowercase()) else {
            continue;
        };
        if !(name.contains("worksheets/") && name.ends_with(".xml")) {
            continue;
        }
        // The declared size may lie; what the part unpacks to is counted,
        // stopping one byte past the bound.
        let left = max_sheet_bytes - sheet_bytes;
        let mut part = entry.take(left + 1);
        let unpacked = std::io::copy(&mut part, &mut std::io::sink()).unwrap_or(0);
        sheet_bytes += unpacked.min(left + 1);
        if sheet_bytes > max_sheet_bytes {
            return Err(format!(
                "its worksheets unpack to more than {} MiB (the limit for a catalog workbook); \
                 split the catalog into several files",
                max_sheet_bytes >> 20
            ));
        }
    }
    for i in 0..zip.len() {
        let Ok(entry) = zip.by_index(i) else {
            continue;
        };
        let Ok(name) = entry.name().map(|n| n.to_ascii_lowercase()) else {
            continue;
        };
        if !name.ends_with("sharedstrings.xml") {
            continue;
        }
        let declared_size = entry.size();
        let Some(count) = declared_count(entry) else {
            continue;
        };
        let bound = (declared_size / MIN_BYTES_PER_STRING).min(MAX_SHARED_STRINGS);
        if count > bound {
            return Err(format!(
                "its shared-strings part declares {count} strings, more than it can hold ({bound}); \
                 open the file in a spreadsheet program and save it again"
            ));
        }
    }
    Ok(())
}

/// The `uniqueCount` of the part's `sst` element, read without reading the
/// strings, with the reader set up as calamine sets it up. `None` when there
/// is none, or no number the reader would act on.
fn declared_count(part: impl Read) -> Option<u64> {
    let mut reader = Reader::from_reader(BufReader::new(part));
    let config = reader.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) if e.local_name().as_ref() == "sst" => {
                return largest_count(e.attributes_raw());
            }
            Ok(Event::Eof) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

/// The largest `uniqueCount` in a tag's raw attributes. calamine reads
/// attributes leniently (a malformed neighbour does not stop it), so this
/// looks at every `uniqueCount = "…"` in the text rather than parsing the
/// attributes strictly, which missed a count behind a malformed attribute.
fn largest_count(raw: &str) -> Option<u64> {
    const NAME: &str = "uniqueCount";
    let mut best = None;
    let mut rest = raw;
    while let Some(i) = rest.find(NAME) {
        rest = &rest[i + NAME.len()..];
        let Some(after) = rest.trim_start().strip_prefix('=') else {
            continue;
        };
        let after = after.trim_start();
        let Some(quote) = after.chars().next().filter(|&c| c == '"' || c == '\'') else {
            continue;
        };
        let value = after[1..].split(quote).next().unwrap_or_default();
        let digits = value.trim();
        let digits = digits.strip_prefix('+').unwrap_or(digits);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            // Too long for a u64 is certainly too many.
            let n = digits.parse::<u64>().unwrap_or(u64::MAX);
            best = best.max(Some(n));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn workbook(shared: &str) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("xl/sharedStrings.xml", options).unwrap();
        zip.write_all(shared.as_bytes()).unwrap();
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn an_honest_count_passes() {
        let part = r#"<?xml version="1.0"?><sst xmlns="x" count="2" uniqueCount="2"><si><t>a</t></si><si><t>b</t></si></sst>"#;
        assert_eq!(check(&workbook(part)), Ok(()));
    }

    #[test]
    fn a_count_the_part_cannot_hold_is_refused() {
        // The input the fuzzer found, reduced: a count of 3.3e16 strings.
        let part = r#"<sst uniqueCount="33333333333333193"><si><t>producer_code</t></si></sst>"#;
        let err = check(&workbook(part)).unwrap_err();
        assert!(err.contains("declares 33333333333333193 strings"), "{err}");
        let prefixed =
            r#"<x:sst xmlns:x="x" uniqueCount="+900000"><x:si><x:t>a</x:t></x:si></x:sst>"#;
        assert!(check(&workbook(prefixed)).is_err());
        let huge = r#"<sst uniqueCount="999999999999999999999999"/>"#;
        assert!(check(&workbook(huge)).is_err());
        // Found next: a count behind a malformed attribute, which a strict
        // attribute parser gave up on.
        let messy = "<sst xmlns=\"x\" c\u{1}\u{2}=\"340\" uniqueCount=\"333333333333\"><si><t>a</t></si></sst>";
        assert!(check(&workbook(messy)).is_err());
        let nested = r#"<root><sst uniqueCount = '900000'><si><t>a</t></si></sst></root>"#;
        assert!(check(&workbook(nested)).is_err());
    }

    #[test]
    fn a_worksheet_unpacking_beyond_the_bound_is_refused() {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
        let row = b"<row><c><v>1</v></c></row>".repeat(100_000);
        zip.write_all(&row).unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        assert!(bytes.len() < row.len() / 50, "the part compresses well");
        let err = check_within(&bytes, 2 << 20).unwrap_err();
        assert!(err.contains("unpack to more than 2 MiB"), "{err}");
        assert_eq!(check_within(&bytes, 4 << 20), Ok(()));
    }

    #[test]
    fn what_the_reader_ignores_is_left_to_it() {
        for part in [
            r#"<sst uniqueCount="many"><si><t>a</t></si></sst>"#,
            r#"<sst><si><t>a</t></si></sst>"#,
            "not xml at all",
        ] {
            assert_eq!(check(&workbook(part)), Ok(()), "{part}");
        }
        assert_eq!(check(b"not a zip"), Ok(()));
    }
}
