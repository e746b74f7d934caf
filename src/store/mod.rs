//! The database behind one API: what kho stores and how each writer keeps
//! the ledger, the catalog and the outbox consistent. The connection itself
//! (pool, transactions, errors) is [`crate::db`]; the outbox's queue and
//! desired-state recomputation are [`crate::outbox`], which every writer
//! here calls inside its transaction.

pub mod accounts;
pub mod admin;
pub mod alerts;
pub mod attention;
pub mod catalog;
pub mod dashboard;
pub mod inventory;
pub mod listings;
pub mod lots;
pub mod oauth;
pub mod ocop_register;
pub mod orders;
pub mod reconcile;
pub mod sessions;
pub mod tokens;

pub use crate::db::{Pool, Result, StockPolicy, Store, StoreError, now};
pub(crate) use crate::db::{in_tx, with_pool};
