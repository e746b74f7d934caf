//! What every simulator does the same way, whatever the marketplace: sliding-window rate limits, seeded faults,
//! the request log, push delivery, the token store, the common control routes, the accept loop and the running
//! handle. Marketplace specifics (paths, JSON shapes, signing, error codes, token formats and lifetimes) stay in
//! each marketplace's module and are passed in; nothing here is shared with the clients.

pub(crate) mod authorize;
pub(crate) mod control;
pub(crate) mod faults;
pub mod handle;
pub(crate) mod log;
pub(crate) mod push;
pub(crate) mod server;
pub(crate) mod tokens;
pub(crate) mod window;
