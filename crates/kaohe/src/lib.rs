//! The `kaohe` command: configuration, the CLI, and loading generated data into a store.

pub mod assess;
pub mod calendar;
pub mod cli;
pub mod config;
pub mod cycle;
pub mod demo_cycle;
pub mod load;
pub mod records;
pub mod scoretable;
pub mod training;
