//! kho keeps one source of truth for a cooperative's catalog and stock and
//! keeps every marketplace shop in line with it.
//!
//! Layout: `config` (layered, validated settings), `store` (the database,
//! SQLite or PostgreSQL, behind one API), `catalog` (producers, products,
//! variants and the catalog file format), `inventory` (the append-only stock
//! ledger), `cli` (the `kho` command).

pub mod alerts;
pub mod attention;
pub mod auth;
pub mod catalog;
pub mod channels;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod db;
pub mod http;
pub mod inventory;
pub mod metrics;
pub mod orders;
pub mod outbox;
pub mod reconcile;
pub mod reports;
pub mod secrets;
pub mod store;
pub mod sync;
pub mod telemetry;
pub mod terminal;
