//! Workflow state only through steps: a contract's status and signing and archiving times, an
//! expense claim's status ([`Column::by_steps`]) are set by the kind's steps
//! ([`super::contract`], [`super::expense`]) and by nothing else. A new record starts in the
//! kind's start state; an edit leaves the state as stored; a record past review (a contract
//! whose review passed, signed or archived; a claim approved or paid) is not edited at all
//! ([`KindSpec::open_states`]). Forms, the JSON API, imports and direct store writes all check
//! here, so a rep cannot type `finance_approved` into his own claim.

use crate::import::cell::Cell;
use crate::import::spec::{Absent, Column, KindSpec};

/// The steps that move records of `spec`, for messages.
fn steps_of(spec: &KindSpec) -> &'static str {
    match spec.kind {
        "contracts" => "review, sign, archive (审核、签约、归档)",
        "expenses" => {
            "manager review, finance review, payout, resubmission (初审、复审、付款、重新提交)"
        }
        _ => "its steps",
    }
}

/// The value step column `col` has in a new record.
pub fn start_cell(col: &Column) -> Cell {
    match col.absent {
        Absent::Text(t) => Cell::Text(t.to_string()),
        Absent::Bool(b) => Cell::Bool(b),
        Absent::Int(v) => Cell::Int(v),
        // A day derived from a step's time is empty while that time is.
        Absent::Null | Absent::DayOf(_) | Absent::Required | Absent::Now => Cell::Null,
    }
}

fn shown(c: &Cell) -> String {
    match c {
        Cell::Null => "(empty)".into(),
        Cell::Text(t) => t.clone(),
        Cell::Int(v) => v.to_string(),
        Cell::Float(v) => v.to_string(),
        Cell::Bool(b) => b.to_string(),
        Cell::Date(d) => d.to_string(),
        Cell::Time(t) => t.to_rfc3339(),
    }
}

/// What a new record of `spec` (its `cells`) sets that only steps may: every step column not
/// at its start value, with the reason.
pub fn start_violations<'a>(spec: &'a KindSpec, cells: &[Cell]) -> Vec<(&'a Column, String)> {
    spec.step_columns()
        .filter_map(|(i, col)| {
            let start = start_cell(col);
            let given = cells.get(i).unwrap_or(&Cell::Null);
            (*given != start).then(|| {
                (
                    col,
                    format!(
                        "is set only by the steps of a {} ({}), not typed: a new record starts at {} (由流程步骤决定，不能直接填写), not {}",
                        spec.kind.trim_end_matches('s'),
                        steps_of(spec),
                        shown(&start),
                        shown(given)
                    ),
                )
            })
        })
        .collect()
}

/// What an edit of a stored record of `spec` (`stored` → `cells`) does that only steps may:
/// any edit of a record past review (reported on the state column), or a change of a step
/// column.
pub fn edit_violations<'a>(
    spec: &'a KindSpec,
    stored: &[Cell],
    cells: &[Cell],
) -> Vec<(&'a Column, String)> {
    if let Some((field, open)) = spec.open_states()
        && let Some((i, col)) = spec.column(field)
        && let Some(Cell::Text(state)) = stored.get(i)
        && !open.contains(&state.as_str())
    {
        return vec![(
            col,
            format!(
                "the record is `{state}`: past review it changes only through its steps ({}), not by editing (已过审核，只能通过流程步骤变更)",
                steps_of(spec)
            ),
        )];
    }
    spec.step_columns()
        .filter_map(|(i, col)| {
            let before = stored.get(i).unwrap_or(&Cell::Null);
            let after = cells.get(i).unwrap_or(&Cell::Null);
            (before != after).then(|| {
                (
                    col,
                    format!(
                        "changes only through the steps ({}): it is {} and cannot be set to {} (由流程步骤决定，不能直接修改)",
                        steps_of(spec),
                        shown(before),
                        shown(after)
                    ),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::spec::{CONTRACTS, EXPENSES, KINDS, Ty};

    #[test]
    fn a_claim_typed_as_finance_approved_is_refused_and_submitted_is_taken() {
        let (i, _) = EXPENSES.column("status").unwrap();
        let mut cells = vec![Cell::Null; EXPENSES.columns.len()];
        cells[i] = Cell::Text("submitted".into());
        assert!(start_violations(&EXPENSES, &cells).is_empty());
        cells[i] = Cell::Text("finance_approved".into());
        let v = start_violations(&EXPENSES, &cells);
        assert_eq!(v[0].0.field, "status");
        assert!(v[0].1.contains("finance_approved"), "{}", v[0].1);
    }

    #[test]
    fn a_signed_contract_is_not_edited_and_a_drafted_one_keeps_its_state() {
        let (i, _) = CONTRACTS.column("status").unwrap();
        let (a, _) = CONTRACTS.column("amount_cents").unwrap();
        let mut stored = vec![Cell::Null; CONTRACTS.columns.len()];
        for (j, c) in CONTRACTS.step_columns() {
            stored[j] = start_cell(c);
        }
        stored[a] = Cell::Int(100);
        let mut edited = stored.clone();
        edited[a] = Cell::Int(1_000);
        assert!(edit_violations(&CONTRACTS, &stored, &edited).is_empty());
        edited[i] = Cell::Text("signed".into());
        assert_eq!(
            edit_violations(&CONTRACTS, &stored, &edited)[0].0.field,
            "status"
        );
        stored[i] = Cell::Text("archived".into());
        let mut same = stored.clone();
        same[a] = Cell::Int(1_000);
        let v = edit_violations(&CONTRACTS, &stored, &same);
        assert!(v[0].1.contains("archived"), "{}", v[0].1);
    }

    /// A column named like a workflow state is either set by steps or listed here as plain
    /// data of its kind, so a new state column cannot slip past the rule unnoticed.
    #[test]
    fn every_state_like_column_is_set_by_steps_or_is_known_plain_data() {
        // An order's fulfilment, a day's attendance, a person's employment: recorded facts
        // with no review behind them.
        const PLAIN: &[(&str, &str)] = &[
            ("orders", "status"),
            ("attendance", "status"),
            ("employees", "status"),
        ];
        let state_like = |f: &str| {
            [
                "status", "state", "approved", "signed", "archived", "paid", "passed",
            ]
            .iter()
            .any(|w| f.contains(w))
        };
        for spec in KINDS {
            for c in spec.columns.iter().filter(|c| state_like(c.field)) {
                let plain = PLAIN.contains(&(spec.kind, c.field));
                assert!(
                    c.by_steps || c.export_only || plain,
                    "{}.{} looks like workflow state: mark it `stepped` or list it as plain data",
                    spec.kind,
                    c.field
                );
                assert!(!(c.by_steps && plain), "{}.{}", spec.kind, c.field);
            }
            if spec.step_columns().next().is_some() {
                let (field, _) = spec
                    .open_states()
                    .expect("a kind with steps names its states");
                assert!(matches!(
                    spec.column(field).map(|(_, c)| c.ty),
                    Some(Ty::Choice(_))
                ));
            }
        }
    }
}
