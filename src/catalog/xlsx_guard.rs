//! Checks on an XLSX workbook made before the XLSX reader sees it.
//!
//! calamine reserves room for as many shared strings as the workbook's
//! `sharedStrings.xml` declares in `<sst uniqueCount="…">`, before reading a
//! single one (tafia/calamine#684, open in 0.38). A failed allocation aborts
//! the process — no panic to catch — so a 400-byte upload with an enormous
//! count would take the import, or the daemon serving the admin API, down.
//! kho reads that count first and refuses a workbook whose count its
//! shared-strings part could not hold.

use std::io::{BufReader, Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::Event;

/// Each shared string takes at least `<si/>` (5 bytes) of the part.
const MIN_BYTES_PER_STRING: u64 = 5;

/// However large the part claims to be: 5 million strings (120 MB of
/// reservation at most) is far beyond a catalog of 100,000 rows.
const MAX_SHARED_STRINGS: u64 = 5_000_000;

/// What is wrong with the workbook, in words for the person who sent it.
pub fn check(bytes: &[u8]) -> Result<(), String> {
    // Not a ZIP archive, or no shared strings: the reader reports the rest.
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
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
