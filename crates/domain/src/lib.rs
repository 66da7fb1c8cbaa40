//! The pure domain of kaohe (考核, "assessment").
//!
//! Everything here is plain data and rules: no I/O, no async, no database types. The storage,
//! web and CLI crates depend on this crate, never the other way round.
//!
//! - [`org`]: departments, teams (小组), positions, career levels, people and their assignments.
//! - [`records`]: the operational records of SPEC §3 that KPIs are computed from.
//! - [`period`]: assessment periods (月度 / 季度 / 年度).
//! - [`calendar`]: working days, weekends, holidays and make-up days (调休).
//! - [`money`]: money in integer cents.
//! - [`roles`]: user roles and data scopes (own < team < department < all).

pub mod calendar;
pub mod money;
pub mod org;
pub mod period;
pub mod records;
pub mod roles;

pub use money::Cents;
pub use period::{Period, PeriodError};
pub mod import;
pub mod rules;
