//! End-to-end tests: the library and the real `kho` binary against a fresh
//! database per test, on SQLite and on PostgreSQL. One test binary keeps
//! linking cheap. The modules share only `support`: databases, the API in
//! process, the `kho serve` child process and the marketplace worlds.

mod support;

mod alerts;
mod api;
mod attention;
mod backup;
mod benches;
mod browser;
mod browser_forms;
mod browser_pages;
mod catalog_import;
mod config_cli;
mod connect;
mod deploy_kit;
mod engine;
mod fleet;
mod forms;
mod hostile;
mod hostile_text;
mod lazada_sync;
mod ledger_props;
mod lots;
mod marketplace_orders;
mod ocop_register;
mod orders;
mod reconcile;
mod reports;
mod reports_browser;
mod secrets;
mod shopee_sync;
mod signin;
mod signin_browser;
mod stock_cli;
mod stock_truth;
mod store_contract;
mod tiki_sync;
mod tiktok_sync;
mod webhook_routing;
mod woocommerce_sync;
