//! What every simulator measures and injects the same way, whatever the
//! marketplace: sliding-window rate limits, seeded faults and issued tokens. Marketplace
//! specifics (error envelopes, ids, default settings) stay in each
//! marketplace's module; nothing here is shared with the clients.

pub(crate) mod authorize;
pub(crate) mod control;
pub(crate) mod faults;
pub mod handle;
pub(crate) mod server;
pub(crate) mod tokens;
pub(crate) mod window;
