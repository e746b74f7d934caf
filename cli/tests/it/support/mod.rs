//! What the end-to-end tests share, and the only module they import from
//! one another: throw-away databases on both backends (`db`), the HTTP API
//! in process through the production serve path (`app`), `kho serve` as a
//! child process (`daemon`), headless Chromium (`browser`) and the simulated marketplaces with a kho
//! configuration in front of them (`worlds`).

pub mod app;
pub mod browser;
pub mod daemon;
pub mod db;
pub mod receivers;
pub mod worlds;

pub use app::spawn_app;
pub use daemon::Daemon;
pub use db::{Backend, TEST_SECRET_KEY, TestDb, keyed, ok, sample_catalog, stderr, stdout};
