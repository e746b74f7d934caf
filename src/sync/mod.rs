//! Keeping marketplaces in line with the canonical store: what each linked
//! listing should show (`plan`, from `outbox::policy`), linking remote listings to
//! variants (`link`), the per-account workers that push the difference
//! (`engine`), which accounts this instance works (`ownership`), and
//! account-wide failures (`push`).

pub mod engine;
pub mod link;
pub mod ownership;
pub mod plan;
pub mod push;
