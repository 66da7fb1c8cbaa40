//! Business rules over the operational records (SPEC §3): what a valid record is, in which
//! order contract and expense steps may happen, how customers are classed, how attendance
//! counts, and which customers are duplicates. Pure functions; the store and the importer
//! call them before anything is written.

pub mod attendance;
pub mod contract;
pub mod customer;
pub mod enums;
pub mod expense;
pub mod limits;
pub mod validate;
pub mod workflow;

pub use validate::{Validate, Violation};
