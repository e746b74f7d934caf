//! Catalog import from CSV: reading and validation exactly as `kho import` runs them before touching the
//! store, so every bad file must end in row errors, never a panic.
#![no_main]

use kho::catalog::{file, read_entries, validate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match file::read_csv(data) {
        Ok(table) => match validate::validate(&table) {
            Ok(rows) => {
                for row in &rows {
                    assert!(row.line >= 2, "a data row numbered as the header: {row:?}");
                }
            }
            Err(errors) => {
                assert!(!errors.is_empty(), "validation failed without saying why");
                for e in &errors {
                    let _ = e.to_string();
                }
            }
        },
        Err(errors) => assert!(!errors.is_empty(), "reading failed without saying why"),
    }
    // The entry point that sniffs the format (seeding simulators, `kho import`).
    let _ = read_entries(data);
});
