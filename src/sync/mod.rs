//! Keeping marketplaces in line with the canonical store: what each linked
//! listing should show (`allocation`, `plan`), linking remote listings to
//! variants (`link`), and pushing the difference (`push`).

pub mod allocation;
pub mod engine;
pub mod link;
pub mod plan;
pub mod push;
