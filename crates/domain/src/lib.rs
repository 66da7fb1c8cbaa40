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
//! - [`catalogue`]: the record kinds and fields a formula may aggregate.
//! - [`formula`]: the formula language of computed indicators (指标公式).
//! - [`scoring`]: scoring rules, indicator value → score (评分标准).
//! - [`scheme`]: schemes, weights and rater groups (考核方案, 权重, 考核主体).
//! - [`composition`]: how scores combine into scorecards, grades and bonus coefficients.
//! - [`indicator`]: indicators, computed (formula + scoring rule) or rated (anchors).
//! - [`library`]: indicators and schemes as one validated whole, read from and written to TOML.
//! - [`defaults`]: the seeds' indicators and schemes, shipped as data.
//! - [`problem`]: validation problems, in Chinese and English.
//! - [`cycle`]: the assessment cycle (考核流程) as a state machine: targets, self-review,
//!   rating, consolidation, approval, feedback, improvement plans, locking; deadlines.
//! - [`appeal`]: appeals (申诉): the filing window, HR's 3 working days, rulings, corrections.
//! - [`awards`]: monthly awards (奖励) as rules in data, with deterministic, shown tie-breaks.
//! - [`ladder`]: the career ladder (职级晋降): months without a deal, demotions, grace period.
//! - [`bonus`]: performance bonus = base × coefficient, payroll rows.

pub mod appeal;
pub mod awards;
pub mod bonus;
pub mod bonus_base;
pub mod calendar;
pub mod catalogue;
pub mod composition;
pub mod credit;
pub mod cycle;
pub mod defaults;
pub mod formula;
pub mod indicator;
pub mod ladder;
pub mod library;
pub mod meeting;
pub mod money;
pub mod org;
pub mod period;
pub mod probation;
pub mod problem;
pub mod records;
pub mod roles;
pub mod scheme;
pub mod scoring;
pub mod training;

pub use money::Cents;
pub use period::{Period, PeriodError};
pub mod import;
pub mod rules;
