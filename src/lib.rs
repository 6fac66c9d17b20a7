//! fundledger: a strict ledger for the integrated funds of comprehensive land-consolidation
//! projects (Jiaxing's 土地综合整治“一块地”集成改革).
//!
//! # Data model
//!
//! The **catalogue** (`catalog`) holds the policy's departments, sub-project types with their
//! Annex-1 mode ticks, and fund channels with the types Annex 3 designates them for. The
//! **register** holds projects (with their integration mode), sub-projects (with their Annex-2
//! confirmation status) and appropriation lines (one channel, one level, one county, one
//! document number). The **ledger** holds entries — allocate, disburse, pay, withdraw, return,
//! reverse — each moving money of one appropriation line for one sub-project, so an amount
//! can never cross channels (R1). Amounts are integer fen (`money::Fen`). **Acceptances**
//! record each stage of policy 四（四） in order (item, overall, county, city).
//!
//! # Pipeline
//!
//! read (`import`: CSV in any encoding clerks use) → validate (`model` parsers, then the
//! rules in `rules` applied by the writers in `ledger`, collecting every problem) → write in
//! one transaction (`db`, where SQLite checks the same invariants again) → report: `report`
//! computes figures as plain data (entitlements, shrinkage flags, the department statement,
//! reconciliation, the annual review) from balances maintained at write time (per line, per
//! line and year, with each line's last movements), and `render` prints them as a table, CSV,
//! JSON or an Excel workbook, with the ledger's fingerprint.
//!
//! # Trust
//!
//! Every recorded row is a link of an audit chain (`audit`): its hash covers the previous
//! link and the row, so `verify` can name a row changed behind fundledger's back; the chain's
//! head is the fingerprint reports print. Each write is journaled with its operator and time
//! (`log`). `verify` also replays every entry through the rules and compares the result with
//! the maintained balances. Writers take SQLite's write lock for their whole transaction, so
//! several clerks can write one file at once.
//!
//! # Layout
//!
//! Modules are layered, lowest first; each uses only those before it (`tests/layout.rs`
//! checks it, README's Layout section describes each):
//!
//! ```text
//! lang error money progress → model → subsidy allocate → catalog → audit → rules → import → db
//!   → pipeline → ledger → users → verify → report → render → args → web → dev → commands → cli → main
//! ```
//!
//! # Scale
//!
//! Imports stream the file (`progress` shows a bar on a terminal). Developer tooling lives in
//! `dev`, apart from the product's path: `gen` writes a valid city-scale dataset and `bench`
//! times imports, reports and `verify` on it.

#![forbid(unsafe_code)]

pub mod allocate;
pub mod args;
pub mod audit;
pub mod catalog;
pub mod cli;
pub mod commands;
pub mod db;
#[cfg(feature = "dev")]
pub mod dev;
pub mod error;
pub mod import;
pub mod lang;
pub mod ledger;
pub mod model;
pub mod money;
pub mod pipeline;
pub mod progress;
pub mod render;
pub mod report;
pub mod rules;
pub mod subsidy;
pub mod users;
pub mod verify;
pub mod web;
