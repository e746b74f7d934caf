//! The sync outbox: what each linked listing should show and when kho may
//! push it (`policy`). The queue itself (claims, completions, leases) lives
//! in `store::outbox` for now.

pub mod policy;
