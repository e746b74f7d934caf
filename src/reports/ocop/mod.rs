//! The province's OCOP register. The department keeps it in its own
//! information system; kho imports the certificate list it exports
//! ([`file`]), keeps the latest one only, lists every difference with the
//! catalog ([`compare`]) and exports sales for that system to load
//! ([`sales`]).

pub mod compare;
pub mod file;
pub mod sales;

pub use compare::{Difference, DifferenceKind, compare};
pub use file::read_register;
