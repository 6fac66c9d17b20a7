//! Reports as plain data, computed from the ledger; rendering is `render.rs`'s job.

pub mod acceptance;
pub mod check;
pub mod entitlements;
pub mod reconcile;
pub mod review;
pub mod statement;
