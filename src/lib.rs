//! confaudit: desired-configuration compliance auditing of server fleets from offline exports.
//!
//! Data flows `baseline` → `collect` → `audit` → `report`; `cli` is the only layer that
//! prints or knows about command-line arguments.
#![forbid(unsafe_code)]

pub mod atomic;
pub mod audit;
pub mod baseline;
pub mod change;
pub mod cli;
pub mod collect;
pub mod commands;
pub mod exit;
pub mod history;
pub mod inventory;
pub mod report;
pub mod schedule;
#[cfg(test)]
pub(crate) mod testutil;
pub mod value;
