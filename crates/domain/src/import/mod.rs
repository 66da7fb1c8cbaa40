//! Record files: the column set of every record kind (headers in Chinese and English), parsing
//! of office-style values (dates such as `2026年10月8日`, Excel serial dates, 是/否), a file
//! row → a domain record, and the error report of an import. Also the CSV / xlsx readers and
//! writers, generic over `Read` / `Write`: the caller opens files, this module does no I/O.
//!
//! The store resolves business keys (工号, 客户档案编号, 订单编号, …) to ids, checks
//! references and duplicates against the database, and writes (`kaohe_store::records`).

pub mod cell;
pub mod files;
pub mod record;
pub mod report;
pub mod row;
pub mod spec;
pub mod zh;

pub use cell::{Cell, LocalZone};
pub use record::ImportRecord;
pub use report::{ErrorReport, ImportError};
pub use row::HeaderMap;
pub use spec::{Absent, Column, KindSpec, RefKind, Ty};
