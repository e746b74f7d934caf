//! The sync outbox: what each linked listing should show and when kho may
//! push it (`policy`), the recomputation every writer runs in its
//! transaction (`desired`), the durable queue of jobs (`queue`), the
//! account leases that decide which instance works an account (`lease`)
//! and how workers are woken (`wake`).
//!
//! Layering: this module sits on [`crate::db`] only; `store`'s writers call
//! into it, never the other way.

pub mod desired;
pub mod instances;
pub mod lease;
pub mod policy;
pub mod queue;
pub(crate) mod shelf;
pub mod wake;

pub use desired::certificate_today;
pub use policy::JobKind;
pub use queue::{Claimant, ClaimedJob, DeadLetter, QueueStats};
