//! The record types that files hold, each tied to its column set.

use super::spec::{self, KindSpec};
use crate::org::{Assignment, Department, Employee, Level, Position, Team};
use crate::records::*;
use crate::rules::{Validate, customer};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A record kind with files: its column set, its rules, and what kaohe computes on import.
pub trait ImportRecord: Serialize + DeserializeOwned + Validate + Send + Sync + 'static {
    /// The column set.
    const SPEC: &'static KindSpec;
    /// Fills the values kaohe computes rather than reads (e.g. a customer archive's
    /// completeness).
    fn complete_computed_fields(&mut self) {}
    /// The responsible employee (data scopes narrow on it); `None` when nobody is.
    fn owner(&self) -> Option<i64>;
    /// The record's id; 0 for a new record (and for kinds keyed otherwise, e.g. split credit).
    fn record_id(&self) -> i64;
    /// The id of the record this one belongs to (see [`spec::Parent`]), whose owner is this
    /// record's owner.
    fn parent_id(&self) -> Option<i64> {
        None
    }
}

macro_rules! import_record {
    ($ty:ty, $spec:expr, |$r:ident| $owner:expr, $id:expr) => {
        impl ImportRecord for $ty {
            const SPEC: &'static KindSpec = &$spec;
            #[allow(unused_variables)]
            fn owner(&self) -> Option<i64> {
                let $r = self;
                $owner
            }
            #[allow(unused_variables)]
            fn record_id(&self) -> i64 {
                let $r = self;
                $id
            }
        }
    };
}

impl ImportRecord for Customer {
    const SPEC: &'static KindSpec = &spec::CUSTOMERS;
    fn complete_computed_fields(&mut self) {
        self.complete = customer::is_complete(self);
    }
    fn owner(&self) -> Option<i64> {
        Some(self.owner_id)
    }
    fn record_id(&self) -> i64 {
        self.id
    }
}

import_record!(Call, spec::CALLS, |r| Some(r.employee_id), r.id);
import_record!(Visit, spec::VISITS, |r| Some(r.employee_id), r.id);
import_record!(Order, spec::ORDERS, |r| Some(r.employee_id), r.id);
import_record!(Shipment, spec::SHIPMENTS, |r| Some(r.employee_id), r.id);
import_record!(Contract, spec::CONTRACTS, |r| Some(r.employee_id), r.id);
import_record!(Receivable, spec::RECEIVABLES, |r| Some(r.employee_id), r.id);
import_record!(Payment, spec::PAYMENTS, |r| Some(r.employee_id), r.id);
import_record!(Complaint, spec::COMPLAINTS, |r| Some(r.employee_id), r.id);
import_record!(Expense, spec::EXPENSES, |r| Some(r.employee_id), r.id);
import_record!(Attendance, spec::ATTENDANCE, |r| Some(r.employee_id), r.id);
import_record!(Report, spec::REPORTS, |r| Some(r.employee_id), r.id);
import_record!(Document, spec::DOCUMENTS, |r| Some(r.employee_id), r.id);
import_record!(
    CreditAssessment,
    spec::CREDIT,
    |r| Some(r.assessor_id),
    r.id
);
import_record!(
    Employee,
    spec::EMPLOYEES,
    |r| (r.id != 0).then_some(r.id),
    r.id
);
import_record!(Team, spec::TEAMS, |r| r.leader_id, r.id);
import_record!(Department, spec::DEPARTMENTS, |r| None, r.id);
import_record!(Position, spec::POSITIONS, |r| None, r.id);
import_record!(Level, spec::LEVELS, |r| None, r.id);
import_record!(Assignment, spec::ASSIGNMENTS, |r| Some(r.employee_id), 0);
import_record!(
    OrderEvent,
    spec::ORDER_EVENTS,
    |r| Some(r.employee_id),
    r.id
);
import_record!(OrderCredit, spec::ORDER_CREDITS, |r| Some(r.employee_id), 0);
import_record!(Budget, spec::BUDGETS, |r| None, 0);
import_record!(
    MeetingAttendee,
    spec::MEETING_ATTENDANCE,
    |r| Some(r.employee_id),
    0
);
import_record!(TrainingCourse, spec::TRAINING_COURSES, |r| None, r.id);
import_record!(TrainingSession, spec::TRAINING_SESSIONS, |r| None, r.id);
import_record!(
    TrainingResult,
    spec::TRAINING_RESULTS,
    |r| Some(r.employee_id),
    0
);
import_record!(
    MeetingDecision,
    spec::MEETING_DECISIONS,
    |r| Some(r.owner_id),
    r.id
);
import_record!(
    TrainingNeed,
    spec::TRAINING_NEEDS,
    |r| Some(r.employee_id),
    r.id
);

/// A kind whose records belong to a parent record (see [`spec::Parent`]).
macro_rules! child_record {
    ($ty:ty, $spec:expr, |$r:ident| $parent:expr) => {
        impl ImportRecord for $ty {
            const SPEC: &'static KindSpec = &$spec;
            fn owner(&self) -> Option<i64> {
                None
            }
            fn record_id(&self) -> i64 {
                self.id
            }
            fn parent_id(&self) -> Option<i64> {
                let $r = self;
                Some($parent)
            }
        }
    };
}

child_record!(OrderLine, spec::ORDER_LINES, |r| r.order_id);
child_record!(ContractStep, spec::CONTRACT_STEPS, |r| r.contract_id);
child_record!(ExpenseStep, spec::EXPENSE_STEPS, |r| r.expense_id);
child_record!(Meeting, spec::MEETINGS, |r| r.team_id);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::row::{to_cells, to_record};

    fn round_trip<T: ImportRecord + PartialEq + std::fmt::Debug>(r: T) {
        let cells = to_cells(T::SPEC, &r);
        let back: T = to_record(T::SPEC, &cells).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn every_column_set_names_every_field_of_its_record() {
        use chrono::{NaiveDate, TimeZone, Utc};
        let at = Utc.with_ymd_and_hms(2026, 10, 8, 2, 0, 0).unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 10, 8).unwrap();
        round_trip(Attendance {
            id: 0,
            employee_id: 1,
            day,
            status: "present".into(),
        });
        round_trip(Payment {
            id: 3,
            receivable_id: 2,
            employee_id: 1,
            received_on: day,
            amount_cents: 5,
        });
        round_trip(Report {
            id: 1,
            employee_id: 1,
            kind: "daily".into(),
            day,
            due_at: at,
            submitted_at: None,
            effective: Some(true),
            accurate: None,
        });
        round_trip(Team {
            id: 1,
            department_id: 2,
            code: "T1".into(),
            name: "一组".into(),
            leader_id: None,
        });
    }
}
