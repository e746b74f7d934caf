//! Reading and writing catalog files: CSV (UTF-8, with a header) or the first
//! sheet of an XLSX workbook. Reading yields raw text cells; meaning is given
//! to them by `validate`, so both formats share every rule.

use std::collections::BTreeMap;
use std::io::{Cursor, Write};
use std::path::Path;

use calamine::{Data, Reader, Xlsx};

pub use super::validate::RawTable;
use super::validate::Validator;
use super::{COLUMNS, CatalogEntry, CatalogRow, Problems, RowError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// By the file's extension; CSV unless it says xlsx.
    pub fn of(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("xlsx") => Format::Xlsx,
            _ => Format::Csv,
        }
    }

    /// By content: XLSX files are ZIP archives.
    pub fn sniff(bytes: &[u8]) -> Format {
        if bytes.starts_with(b"PK\x03\x04") {
            Format::Xlsx
        } else {
            Format::Csv
        }
    }
}

/// Reads a catalog from bytes, choosing the format from the content.
pub fn read(bytes: &[u8]) -> Result<RawTable, Problems> {
    match Format::sniff(bytes) {
        Format::Csv => read_csv(bytes),
        Format::Xlsx => read_xlsx(bytes),
    }
}

/// Reads and validates a catalog: what an import uses. CSV lines are
/// validated as they are read, never held as raw cells, and reading stops
/// once [`super::MAX_PROBLEMS`] problems are found, so a file of millions
/// of bad lines costs as much as its first hundred.
pub fn read_rows(bytes: &[u8]) -> Result<Vec<CatalogRow>, Problems> {
    let mut stream = Stream::default();
    match Format::sniff(bytes) {
        Format::Csv => {
            let stopped = csv_records(bytes, |line, cells, problem| match problem {
                Some(e) => stream.problem(e),
                None => stream.row(line, &cells),
            })?;
            stream.finish(stopped, "the file is empty: expected a header line")
        }
        Format::Xlsx => {
            let stopped = xlsx_rows(bytes, |line, cells| stream.row(line, &cells))?;
            stream.finish(stopped, "the first sheet is empty: expected a header row")
        }
    }
}

/// Validation fed one record at a time: the first is the header.
#[derive(Default)]
struct Stream {
    validator: Option<Validator>,
    header_problems: Option<Problems>,
}

impl Stream {
    fn row(&mut self, line: usize, cells: &[String]) -> Visit {
        match self.validator.as_mut() {
            None => match Validator::new(cells) {
                Ok(v) => {
                    self.validator = Some(v);
                    Visit::Next
                }
                Err(p) => {
                    self.header_problems = Some(p);
                    Visit::Stop
                }
            },
            Some(v) => {
                v.row(line, cells);
                if v.is_full() {
                    Visit::Enough
                } else {
                    Visit::Next
                }
            }
        }
    }

    fn problem(&mut self, e: RowError) -> Visit {
        match self.validator.as_mut() {
            Some(v) => {
                v.problem(e);
                if v.is_full() {
                    Visit::Enough
                } else {
                    Visit::Next
                }
            }
            None => {
                self.header_problems = Some(Problems::from(e));
                Visit::Stop
            }
        }
    }

    fn finish(self, stopped: Option<usize>, empty: &str) -> Result<Vec<CatalogRow>, Problems> {
        if let Some(p) = self.header_problems {
            return Err(p);
        }
        match self.validator {
            Some(mut v) => {
                if let Some(line) = stopped {
                    v.stop_after(line);
                }
                v.finish()
            }
            None => Err(file_error(empty)),
        }
    }
}

/// Whether a reader goes on after a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Visit {
    Next,
    /// Enough problems: stop, noting whether input was left unread.
    Enough,
    /// Stop: the file cannot be read further (a bad header).
    Stop,
}

fn file_error(message: impl Into<String>) -> Problems {
    Problems::from(RowError::new(0, "", message))
}

/// Every raw record of a CSV file, in file order, held in memory (for tools
/// and tests; an import goes through [`read_rows`], which holds none).
pub fn read_csv(bytes: &[u8]) -> Result<RawTable, Problems> {
    let mut table = RawTable::default();
    let mut errors = Problems::new();
    let mut first = true;
    csv_records(bytes, |line, cells, problem| {
        if let Some(e) = problem {
            errors.push(e);
            return if errors.is_full() {
                Visit::Enough
            } else {
                Visit::Next
            };
        }
        if std::mem::take(&mut first) {
            table.header = cells;
        } else {
            table.rows.push((line, cells));
        }
        Visit::Next
    })
    .and_then(|stopped| {
        if let Some(line) = stopped {
            errors.stop_after(line);
        }
        if errors.is_empty() {
            Ok(table)
        } else {
            Err(errors)
        }
    })
}

/// Streams the records of a CSV file to `visit` with their line numbers
/// (blank lines skipped; a record the CSV reader refuses comes as a
/// problem). Yields the line reading stopped after, when `visit` stopped it
/// before the end.
fn csv_records(
    bytes: &[u8],
    mut visit: impl FnMut(usize, Vec<String>, Option<RowError>) -> Visit,
) -> Result<Option<usize>, Problems> {
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(file_error("the file is empty: expected a header line"));
    }
    if let Err(e) = std::str::from_utf8(bytes) {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        return Err(Problems::from(RowError::new(
            line,
            "",
            "the file is not UTF-8 text; save it as \"CSV UTF-8\"",
        )));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut lines = LineCounter::new(bytes);
    let mut record = csv::StringRecord::new();
    let mut i = 0usize;
    let mut stopped: Option<usize> = None;
    loop {
        let read = reader.read_record(&mut record);
        let visited = match read {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(i + 1, |p| lines.line_at(p.byte()));
                let first = i == 0;
                i += 1;
                if !first && record.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                (
                    line,
                    visit(line, record.iter().map(str::to_owned).collect(), None),
                )
            }
            Err(e) => {
                let line = e.position().map_or(i + 1, |p| lines.line_at(p.byte()));
                i += 1;
                let problem = RowError::new(line, "", format!("cannot read CSV: {e}"));
                (line, visit(line, Vec::new(), Some(problem)))
            }
        };
        match visited {
            (_, Visit::Next) => {}
            (_, Visit::Stop) => return Ok(None),
            (line, Visit::Enough) => {
                // Only input left unread makes the report incomplete.
                if !matches!(reader.read_record(&mut record), Ok(false)) {
                    stopped = Some(line);
                }
                break;
            }
        }
    }
    Ok(stopped)
}

/// Line numbers as the user's editor shows them. The csv crate's own count
/// lags one behind on CRLF files (Excel's "CSV UTF-8" on Windows): a record
/// starts before the LF of the previous line's CRLF. Counting from byte
/// offsets, forwards only, keeps a large file linear.
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        LineCounter {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    /// The line of the record starting at `byte` (line breaks before it skipped).
    fn line_at(&mut self, byte: u64) -> usize {
        let len = self.bytes.len();
        let mut start = usize::try_from(byte).map_or(len, |b| b.min(len));
        while matches!(self.bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if start < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        // A line ends in LF, CRLF or (classic Mac files) CR alone: the csv
        // crate ends records at each, so each counts once.
        let seg = &self.bytes[self.offset..start];
        self.line += seg
            .iter()
            .enumerate()
            .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && seg.get(i + 1) != Some(&b'\n')))
            .count();
        self.offset = start;
        self.line
    }
}

/// Every non-empty row of the first sheet, laid out in columns.
pub fn read_xlsx(bytes: &[u8]) -> Result<RawTable, Problems> {
    let mut table = RawTable::default();
    let mut first = true;
    xlsx_rows(bytes, |line, cells| {
        if std::mem::take(&mut first) {
            table.header = cells;
        } else {
            table.rows.push((line, cells));
        }
        Visit::Next
    })?;
    Ok(table)
}

/// Streams the first sheet's rows (the header first) to `visit`; yields the
/// line reading stopped after, when `visit` stopped it with rows left.
fn xlsx_rows(
    bytes: &[u8],
    visit: impl FnMut(usize, Vec<String>) -> Visit,
) -> Result<Option<usize>, Problems> {
    // The XLSX reader (calamine) panics on some crafted cell references (an
    // arithmetic overflow, found by fuzzing); a bad upload must be a clear
    // error, never a crashed import or API worker.
    let sheet = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_xlsx_sheet(bytes, MAX_XLSX_CELLS, MAX_XLSX_TEXT_BYTES)
    }))
        .unwrap_or_else(|_| {
            Err(file_error(
                "cannot read the XLSX workbook: its first sheet is malformed (a cell reference the reader cannot handle)",
            ))
        })?;
    Ok(sheet.rows(visit))
}

/// Widest used area of a sheet kho reads: the catalog has 16 columns, so
/// this leaves room for notes beside them while a sheet claiming cells out
/// to column XFD is refused instead of being laid out in memory.
const MAX_XLSX_COLUMNS: u32 = 256;

/// Cells of the first sheet kho reads, empty ones included: 62,500 rows of
/// the catalog's 16 columns. A small workbook can unpack to a sheet of
/// millions of cells; reading stops here with an error instead of holding
/// them all.
pub const MAX_XLSX_CELLS: u64 = 1_000_000;

/// Bytes of cell text kho keeps from the first sheet. Shared strings let
/// every cell repeat one long string, so text can grow far beyond the size
/// of the sheet itself.
pub const MAX_XLSX_TEXT_BYTES: usize = 64 << 20;

/// The first sheet, kept sparse: non-empty cells only, by row.
struct SparseSheet {
    rows: BTreeMap<u32, Vec<(u32, String)>>,
    col_start: u32,
    width: usize,
}

impl SparseSheet {
    /// Lays out one row at a time, so a sheet of many narrow rows never
    /// exists densely in memory.
    fn rows(self, mut visit: impl FnMut(usize, Vec<String>) -> Visit) -> Option<usize> {
        let mut rows = self
            .rows
            .into_iter()
            .filter(|(_, cells)| !cells.iter().all(|(_, c)| c.trim().is_empty()));
        while let Some((row, cells)) = rows.next() {
            let mut dense = vec![String::new(); self.width];
            for (col, text) in cells {
                if let Some(slot) = dense.get_mut((col - self.col_start) as usize) {
                    *slot = text;
                }
            }
            // Rows are numbered as a spreadsheet shows them.
            let line = row as usize + 1;
            match visit(line, dense) {
                Visit::Next => {}
                Visit::Stop => return None,
                Visit::Enough => return rows.next().map(|_| line),
            }
        }
        None
    }
}

fn read_xlsx_sheet(
    bytes: &[u8],
    max_cells: u64,
    max_text_bytes: usize,
) -> Result<SparseSheet, Problems> {
    super::xlsx_guard::check(bytes)
        .map_err(|why| file_error(format!("cannot read the XLSX workbook: {why}")))?;
    let mut workbook = Xlsx::new(Cursor::new(bytes))
        .map_err(|e| file_error(format!("cannot read the XLSX workbook: {e}")))?;
    let Some(name) = workbook.sheet_names().first().cloned() else {
        return Err(file_error("the workbook has no sheet"));
    };
    // Cells are streamed and kept sparse (non-empty cells only, by row):
    // laying the used range out densely, as calamine's `worksheet_range`
    // does, lets two cells at A1 and XFD1048576 of a tiny file demand
    // billions of slots and abort the process (found by fuzzing).
    let mut rows: BTreeMap<u32, Vec<(u32, String)>> = BTreeMap::new();
    let (mut col_start, mut col_end) = (u32::MAX, 0u32);
    let (mut cells, mut text_bytes) = (0u64, 0usize);
    {
        let mut reader = workbook
            .worksheet_cells_reader(&name)
            .map_err(|e| file_error(format!("cannot read the first sheet: {e}")))?;
        loop {
            let cell = match reader.next_cell() {
                Ok(Some(cell)) => cell,
                Ok(None) => break,
                Err(e) => return Err(file_error(format!("cannot read the first sheet: {e}"))),
            };
            cells += 1;
            if cells > max_cells {
                return Err(file_error(format!(
                    "the first sheet has more than {max_cells} cells (empty ones included); \
                     split the catalog into several files"
                )));
            }
            let (row, col) = cell.get_position();
            let text = cell_text(&Data::from(cell.get_value().clone()));
            if text.is_empty() {
                continue;
            }
            text_bytes = text_bytes.saturating_add(text.len());
            if text_bytes > max_text_bytes {
                return Err(file_error(format!(
                    "the first sheet's cells hold more than {} of text (at cell {}{}); \
                     split the catalog into several files",
                    if max_text_bytes.is_multiple_of(1 << 20) {
                        format!("{} MiB", max_text_bytes >> 20)
                    } else {
                        format!("{} KiB", max_text_bytes >> 10)
                    },
                    column_name(col),
                    u64::from(row) + 1,
                )));
            }
            col_start = col_start.min(col);
            col_end = col_end.max(col);
            if col_end - col_start >= MAX_XLSX_COLUMNS {
                return Err(file_error(format!(
                    "the first sheet uses columns {} to {} ({} columns, cell {}{}); a catalog sheet may span at most {MAX_XLSX_COLUMNS}",
                    column_name(col_start),
                    column_name(col_end),
                    u64::from(col_end - col_start) + 1,
                    column_name(col),
                    u64::from(row) + 1,
                )));
            }
            rows.entry(row).or_default().push((col, text));
        }
    }
    if !rows
        .values()
        .any(|cells| cells.iter().any(|(_, c)| !c.trim().is_empty()))
    {
        return Err(file_error(
            "the first sheet is empty: expected a header row",
        ));
    }
    let width = (col_end - col_start) as usize + 1;
    Ok(SparseSheet {
        rows,
        col_start,
        width,
    })
}

/// A column as a spreadsheet names it: 0 → A, 25 → Z, 26 → AA.
fn column_name(col: u32) -> String {
    let mut n = u64::from(col) + 1;
    let mut name = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        name.push(b'A' + rem);
        n = (n - 1) / 26;
    }
    name.reverse();
    String::from_utf8_lossy(&name).into_owned()
}

/// A cell as the text a person sees, so validation is the same as for CSV.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(n) => n.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(d) if d.time() == chrono::NaiveTime::MIN => d.date().to_string(),
            Some(d) => d.to_string(),
            None => dt.as_f64().to_string(),
        },
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// The cells of one entry, in [`COLUMNS`] order.
pub fn entry_cells(e: &CatalogEntry) -> [String; 16] {
    [
        e.producer_code.clone(),
        e.producer_name.clone(),
        e.district.clone(),
        e.product_code.clone(),
        e.product_name.clone(),
        e.variant_sku.clone(),
        e.variant_name.clone(),
        e.price_vnd.to_string(),
        e.stock.to_string(),
        e.weight_g.to_string(),
        e.ocop_stars.map(|s| s.to_string()).unwrap_or_default(),
        e.ocop_cert_no.clone().unwrap_or_default(),
        e.ocop_cert_expires
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        e.category.clone(),
        e.description.clone(),
        e.image_urls.clone(),
    ]
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot write CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("cannot write XLSX: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("cannot write: {0}")]
    Io(#[from] std::io::Error),
}

/// The UTF-8 byte-order mark. Excel on Windows reads a CSV without it in
/// the machine's legacy code page and garbles every Vietnamese letter; with
/// it, as UTF-8. Readers strip it ([`read_csv`]).
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

pub fn write_csv<W: Write>(mut out: W, entries: &[CatalogEntry]) -> Result<(), WriteError> {
    out.write_all(UTF8_BOM)?;
    // CRLF line ends, as RFC 4180 and spreadsheet programs write them.
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    w.write_record(COLUMNS)?;
    for e in entries {
        w.write_record(entry_cells(e))?;
    }
    w.flush()?;
    Ok(())
}

/// An XLSX workbook with one sheet; numbers are written as numbers so a
/// spreadsheet can sum them, everything else as text.
pub fn write_xlsx(entries: &[CatalogEntry]) -> Result<Vec<u8>, WriteError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("catalog")?;
    for (c, name) in COLUMNS.iter().enumerate() {
        sheet.write_string(0, c as u16, *name)?;
    }
    const NUMERIC: [usize; 4] = [7, 8, 9, 10];
    for (r, e) in entries.iter().enumerate() {
        let row = (r + 1) as u32;
        for (c, cell) in entry_cells(e).iter().enumerate() {
            if cell.is_empty() {
                continue;
            }
            match cell.parse::<i64>() {
                Ok(n) if NUMERIC.contains(&c) => {
                    sheet.write_number(row, c as u16, n as f64)?;
                }
                _ => {
                    sheet.write_string(row, c as u16, cell)?;
                }
            }
        }
    }
    Ok(book.save_to_buffer()?)
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_cell_reference_the_xlsx_reader_cannot_handle_is_an_error_not_a_panic() {
        // Found by the catalog_xlsx fuzz target: calamine overflows (and, with
        // overflow checks, panics) on this sheet's cell reference.
        let bytes = include_bytes!("testdata/overflowing-cell-reference.xlsx");
        let errors = read_xlsx(bytes).expect_err("the sheet must be refused");
        assert!(errors[0].to_string().contains("first sheet"), "{errors:?}");
    }

    use super::*;

    /// Found by the `catalog_xlsx` fuzz target: a 20 KB sheet whose cells
    /// reach far columns made the dense layout ask for more memory than
    /// exists, which aborts the process (no panic to catch).
    #[test]
    fn a_sheet_spanning_absurd_columns_is_refused_with_the_cell_named() {
        let bytes = include_bytes!("testdata/huge-used-range.xlsx");
        let errors = read_xlsx(bytes).expect_err("the sheet must be refused");
        let text = errors[0].to_string();
        assert!(
            text.contains("a catalog sheet may span at most 256"),
            "{text}"
        );
    }

    /// Found by the `catalog_xlsx` fuzz target: calamine reserves room for
    /// the declared count of shared strings before reading them, and a count
    /// of 3.3e16 aborted the process (see `xlsx_guard`).
    #[test]
    fn a_shared_string_count_the_file_cannot_hold_is_refused() {
        let bytes = include_bytes!("testdata/huge-shared-string-count.xlsx");
        let errors = read_xlsx(bytes).expect_err("the workbook must be refused");
        let text = errors[0].to_string();
        assert!(
            text.contains("declares 33333333333333193 strings"),
            "{text}"
        );
    }

    /// Found next by the same target: the count behind a malformed
    /// attribute and a tag left open to the end of the part.
    #[test]
    fn a_shared_string_count_behind_a_bad_attribute_is_refused() {
        let bytes = include_bytes!("testdata/shared-string-count-behind-a-bad-attribute.xlsx");
        let errors = read_xlsx(bytes).expect_err("the workbook must be refused");
        let text = errors[0].to_string();
        assert!(text.contains("declares 333333333333 strings"), "{text}");
    }

    #[test]
    fn columns_are_named_as_a_spreadsheet_names_them() {
        let names: Vec<String> = [0, 25, 26, 51, 52, 701, 702, 16383]
            .into_iter()
            .map(column_name)
            .collect();
        assert_eq!(names, ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA", "XFD"]);
    }

    #[test]
    fn a_written_sheet_reads_back_with_its_columns_and_line_numbers() {
        let csv = include_bytes!("../../data/ocop-catalog.csv");
        let entries = crate::catalog::read_entries(csv).expect("the sample catalog reads");
        let xlsx = write_xlsx(&entries).expect("written");
        let table = read_xlsx(&xlsx).expect("read back");
        assert_eq!(table.header, COLUMNS);
        assert_eq!(table.rows.len(), entries.len());
        assert_eq!(table.rows[0].0, 2, "the first data row is line 2");
        assert!(
            table
                .rows
                .iter()
                .all(|(_, cells)| cells.len() == COLUMNS.len())
        );
        assert_eq!(
            crate::catalog::read_entries(&xlsx).expect("read back"),
            entries
        );
    }

    #[test]
    fn a_written_csv_starts_with_a_byte_order_mark_and_reads_back() {
        let csv = include_bytes!("../../data/ocop-catalog.csv");
        let entries = crate::catalog::read_entries(csv).expect("the sample catalog reads");
        let mut written = Vec::new();
        write_csv(&mut written, &entries).expect("written");
        assert!(written.starts_with(UTF8_BOM));
        assert_eq!(&written[UTF8_BOM.len()..], csv.as_slice());
        assert_eq!(
            crate::catalog::read_entries(&written).expect("read back"),
            entries
        );
        assert_eq!(read_rows(&written).expect("rows").len(), entries.len());
    }

    #[test]
    fn a_flood_of_bad_lines_stops_at_the_hundredth_problem() {
        let header = format!("{}\n", COLUMNS.join(","));
        let flood = format!("{header}{}", "x,y\n".repeat(200_000));
        let problems = read_rows(flood.as_bytes()).unwrap_err();
        assert_eq!(problems.len(), crate::catalog::MAX_PROBLEMS);
        assert_eq!(problems.stopped_after(), Some(101));
        assert_eq!(problems[99].line, 101);
        assert!(
            problems
                .count_text()
                .starts_with("more than 100 problems (reading stopped after line 101"),
            "{}",
            problems.count_text()
        );
        // Exactly a hundred: every one listed, and nothing said to be left.
        let exact = format!("{header}{}", "x,y\n".repeat(100));
        let problems = read_rows(exact.as_bytes()).unwrap_err();
        assert_eq!(problems.len(), 100);
        assert_eq!(problems.stopped_after(), None);
        assert_eq!(problems.count_text(), "100 problem(s)");
    }

    #[test]
    fn a_sheet_beyond_the_cell_or_text_bound_is_refused() {
        let csv = include_bytes!("../../data/ocop-catalog.csv");
        let entries = crate::catalog::read_entries(csv).expect("the sample catalog reads");
        let xlsx = write_xlsx(&entries).expect("written");
        let cells = ((entries.len() + 1) * COLUMNS.len()) as u64;
        assert!(read_xlsx_sheet(&xlsx, cells, 1 << 20).is_ok());
        let Err(errors) = read_xlsx_sheet(&xlsx, 100, 1 << 20) else {
            panic!("a sheet beyond the cell bound was read");
        };
        assert!(
            errors[0].message.contains("more than 100 cells"),
            "{errors:?}"
        );
        let Err(errors) = read_xlsx_sheet(&xlsx, cells, 1024) else {
            panic!("a sheet beyond the text bound was read");
        };
        assert!(
            errors[0].message.contains("more than 1 KiB of text"),
            "{errors:?}"
        );
    }

    /// Found by the `catalog_csv` fuzz target: on a CRLF file the first data
    /// row was numbered 1, the header's line, so every error named the line
    /// above the wrong one; later, on a file whose lines end in CR alone,
    /// every row was numbered 1.
    #[test]
    fn cr_and_crlf_lines_are_numbered_like_lf_lines() {
        for eol in ["\n", "\r\n", "\r"] {
            let text = ["a,b", "1,2", "", "3,\"x", "y\"", "5,6"].join(eol);
            let table = read_csv(text.as_bytes()).unwrap();
            let lines: Vec<usize> = table.rows.iter().map(|(l, _)| *l).collect();
            assert_eq!(lines, [2, 4, 6], "{eol:?}");
        }
        let bom = "\u{feff}h1,h2\r\nx,y\r\n";
        assert_eq!(read_csv(bom.as_bytes()).unwrap().rows[0].0, 2);
    }
}
