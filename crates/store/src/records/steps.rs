//! The steps of a contract (合同) and of an expense claim (销售费用), taken one at a time by the
//! person whose role it is. The order and the comment-on-return rules are the domain's
//! ([`kaohe_domain::rules::contract`], [`kaohe_domain::rules::expense`]); here the step is
//! refused unless the actor's role may take it and the record is within the actor's data scope,
//! then the step row, the record's new stage and an audit entry are written in one transaction.

use super::filter;
use crate::audit::AuditEntry;
use crate::sql::Sql;
use crate::{Result, Store, StoreError, Tx, Viewer};
use chrono::{DateTime, Utc};
use kaohe_domain::Cents;
use kaohe_domain::import::spec::{CONTRACTS, EXPENSES};
use kaohe_domain::import::{KindSpec, LocalZone};
use kaohe_domain::roles::Role;
use kaohe_domain::rules::contract::{ContractAction, ContractStage};
use kaohe_domain::rules::expense::{self, ExpenseAction};
use serde_json::json;
use std::collections::BTreeSet;

/// Who may take each contract step: the legal / manager review is a manager's; filing in the
/// archive is the sales clerk's (销售内勤 keeps the contracts) or a manager's; signing is
/// done by anyone who may see the contract (its owner, the clerk, the manager).
fn may_take_contract_step(role: Role, action: &ContractAction) -> bool {
    match action {
        ContractAction::Review { .. } => matches!(role, Role::Manager | Role::Admin),
        ContractAction::Archive => matches!(role, Role::Clerk | Role::Manager | Role::Admin),
        ContractAction::Sign => true,
    }
}

/// Who may take each expense step: the first review is the manager's (SPEC §1: 销售主管 /
/// 经理 / 总监), the final review and the payout finance's, a resubmission the claimant's.
fn may_take_expense_step(role: Role, action: &ExpenseAction) -> bool {
    match action {
        ExpenseAction::ManagerReview { .. } => matches!(role, Role::Manager | Role::Admin),
        ExpenseAction::FinanceReview { .. } | ExpenseAction::Pay => {
            matches!(role, Role::Finance | Role::Admin)
        }
        ExpenseAction::Resubmit => true,
    }
}

fn forbidden(what: &str, role: Role) -> StoreError {
    StoreError::Forbidden(format!(
        "{what} is not a step for the role {}",
        role.as_str()
    ))
}

fn refused(field: &str, message: impl ToString) -> StoreError {
    StoreError::Invalid {
        field: field.into(),
        message: message.to_string(),
    }
}

/// A contract's stage after one step.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StepOutcome {
    /// The stored status before the step.
    pub before: String,
    /// The stored status after it.
    pub after: String,
}

impl Store {
    /// Takes one step on contract `contract_id` at `at` (see [`Tx::contract_step`]).
    pub async fn contract_step(
        &self,
        viewer: &Viewer,
        contract_id: i64,
        action: &ContractAction,
        at: DateTime<Utc>,
        zone: &dyn LocalZone,
    ) -> Result<StepOutcome> {
        let mut tx = self.begin().await?;
        let done = tx
            .contract_step(viewer, contract_id, action, at, zone)
            .await?;
        tx.commit().await?;
        Ok(done)
    }

    /// Takes one step on expense claim `expense_id` at `at` (see [`Tx::expense_step`]).
    pub async fn expense_step(
        &self,
        viewer: &Viewer,
        expense_id: i64,
        action: &ExpenseAction,
        at: DateTime<Utc>,
    ) -> Result<StepOutcome> {
        let mut tx = self.begin().await?;
        let done = tx.expense_step(viewer, expense_id, action, at).await?;
        tx.commit().await?;
        Ok(done)
    }
}

impl Tx {
    /// Takes one step on a contract: a review (passed, or returned with a comment), signing
    /// (only after a passed review) or archiving (only once signed), never earlier than the
    /// previous step. Writes the step to `contract_steps`, moves the contract to its new stage
    /// (signing time and local signing day, archiving time; a return means the review did not
    /// pass at the first attempt) and audits the change. A manager does not review their own
    /// contract.
    pub async fn contract_step(
        &mut self,
        viewer: &Viewer,
        contract_id: i64,
        action: &ContractAction,
        at: DateTime<Utc>,
        zone: &dyn LocalZone,
    ) -> Result<StepOutcome> {
        let (step, outcome) = ContractStage::step_row(action);
        if !may_take_contract_step(viewer.role, action) {
            return Err(forbidden(&format!("contract {step}"), viewer.role));
        }
        let (status, drafted_at, owner) = self.contract_in_scope(viewer, contract_id).await?;
        if matches!(action, ContractAction::Review { .. }) && viewer.employee_id == Some(owner) {
            return Err(StoreError::Forbidden(
                "a contract is reviewed by someone other than its owner".into(),
            ));
        }
        let stage = ContractStage::from_status(&status)
            .ok_or_else(|| refused("status", format!("unknown contract status `{status}`")))?;
        let previous = self
            .latest_step_time("contract_steps", "contract_id", contract_id)
            .await?
            .map_or(drafted_at, |p| p.max(drafted_at));
        let next = stage
            .apply(action, at, previous)
            .map_err(|e| refused(step, e))?;
        if matches!(action, ContractAction::Sign) {
            self.check_contract_signing(contract_id).await?;
        }
        let comment = match action {
            ContractAction::Review { comment, .. } => comment.trim(),
            _ => "",
        };
        let mut sql = Sql::new(
            "INSERT INTO contract_steps (contract_id, step, outcome, actor_id, at, comment) VALUES (",
        );
        sql.bind(contract_id).push(", ").bind(step).push(", ");
        sql.bind(outcome).push(", ").bind(viewer.employee_id);
        sql.push(", ").bind(at).push(", ").bind(comment).push(")");
        self.run(&sql).await?;
        self.touch_stored_id(&CONTRACTS, contract_id).await?;
        let mut sql = Sql::new("UPDATE contracts SET status = ");
        sql.bind(next.status());
        match action {
            ContractAction::Sign => {
                sql.push(", signed_at = ").bind(at).push(", signed_day = ");
                sql.bind(zone.to_local(at).date());
            }
            ContractAction::Archive => {
                sql.push(", archived_at = ").bind(at);
            }
            ContractAction::Review { passed: false, .. } => {
                sql.push(", review_passed_first = ").bind(false);
            }
            ContractAction::Review { passed: true, .. } => {}
        }
        sql.push(" WHERE id = ").bind(contract_id);
        self.run(&sql).await?;
        self.touch_stored_id(&CONTRACTS, contract_id).await?;
        let done = StepOutcome {
            before: status,
            after: next.status().to_string(),
        };
        self.audit_step(
            viewer,
            CONTRACTS.table,
            contract_id,
            step,
            outcome,
            comment,
            &done,
        )
        .await?;
        Ok(done)
    }

    /// Takes one step on an expense claim: the manager's first review, finance's final review
    /// (approve, or return with a comment), the payout, or the claimant's resubmission of a
    /// returned claim — in that order only. Writes the step to `expense_steps` (a resubmission
    /// is no review step, only a status change), moves the claim on and audits the change.
    /// Nobody reviews their own claim; a resubmission re-checks the budget, since the
    /// department may have spent more since the first submission.
    pub async fn expense_step(
        &mut self,
        viewer: &Viewer,
        expense_id: i64,
        action: &ExpenseAction,
        at: DateTime<Utc>,
    ) -> Result<StepOutcome> {
        let name = action.step_row().map_or("resubmission", |(s, _)| s);
        if !may_take_expense_step(viewer.role, action) {
            return Err(forbidden(&format!("expense {name}"), viewer.role));
        }
        let claim = self.expense_in_scope(viewer, expense_id).await?;
        let own = viewer.employee_id == Some(claim.employee_id);
        match action {
            ExpenseAction::Resubmit if !own && viewer.role != Role::Admin => {
                return Err(StoreError::Forbidden(
                    "only the claimant resubmits a returned claim".into(),
                ));
            }
            ExpenseAction::ManagerReview { .. } | ExpenseAction::FinanceReview { .. } if own => {
                return Err(StoreError::Forbidden(
                    "nobody reviews their own expense claim".into(),
                ));
            }
            _ => {}
        }
        let next = expense::next_status(&claim.status, action).map_err(|e| refused(name, e))?;
        let previous = self
            .latest_step_time("expense_steps", "expense_id", expense_id)
            .await?
            .map_or(claim.submitted_at, |p| p.max(claim.submitted_at));
        if at < previous {
            return Err(refused(
                name,
                format!("a step cannot be earlier than the previous step ({previous})"),
            ));
        }
        let mut comment = "";
        if let Some((step, outcome)) = action.step_row() {
            let actor = viewer.employee_id.ok_or_else(|| {
                StoreError::Forbidden("an expense step is taken by a person (工号)".into())
            })?;
            comment = match action {
                ExpenseAction::ManagerReview { comment, .. }
                | ExpenseAction::FinanceReview { comment, .. } => comment.trim(),
                _ => "",
            };
            let mut sql = Sql::new(
                "INSERT INTO expense_steps (expense_id, step, outcome, actor_id, at, comment) VALUES (",
            );
            sql.bind(expense_id).push(", ").bind(step).push(", ");
            sql.bind(outcome).push(", ").bind(actor).push(", ");
            sql.bind(at).push(", ").bind(comment).push(")");
            self.run(&sql).await?;
        }
        self.touch_stored_id(&EXPENSES, expense_id).await?;
        let mut sql = Sql::new("UPDATE expenses SET status = ");
        sql.bind(next);
        if matches!(action, ExpenseAction::Resubmit) {
            let over = self.claim_over_budget(expense_id).await?;
            sql.push(", over_budget = ").bind(over);
        }
        sql.push(" WHERE id = ").bind(expense_id);
        self.run(&sql).await?;
        self.touch_stored_id(&EXPENSES, expense_id).await?;
        let done = StepOutcome {
            before: claim.status,
            after: next.to_string(),
        };
        let outcome = action.step_row().map_or("submitted", |(_, o)| o);
        self.audit_step(
            viewer,
            EXPENSES.table,
            expense_id,
            name,
            outcome,
            comment,
            &done,
        )
        .await?;
        Ok(done)
    }

    /// A contract's status, drafting time and owner, if the viewer may see it.
    async fn contract_in_scope(
        &mut self,
        viewer: &Viewer,
        id: i64,
    ) -> Result<(String, DateTime<Utc>, i64)> {
        let mut sql =
            Sql::new("SELECT t.status, t.drafted_at, t.employee_id FROM contracts t WHERE t.id = ");
        sql.bind(id);
        filter::scope(&CONTRACTS, viewer, &mut sql);
        let rows: Vec<(String, DateTime<Utc>, i64)> = self.fetch_all(&sql).await?;
        rows.into_iter().next().ok_or(StoreError::NotFound {
            entity: "contract",
            key: id.to_string(),
        })
    }

    /// An expense claim's state, if the viewer may see it.
    async fn expense_in_scope(&mut self, viewer: &Viewer, id: i64) -> Result<ClaimState> {
        let mut sql = Sql::new(
            "SELECT t.status, t.submitted_at, t.employee_id FROM expenses t WHERE t.id = ",
        );
        sql.bind(id);
        filter::scope(&EXPENSES, viewer, &mut sql);
        let rows: Vec<(String, DateTime<Utc>, i64)> = self.fetch_all(&sql).await?;
        let (status, submitted_at, employee_id) =
            rows.into_iter().next().ok_or(StoreError::NotFound {
                entity: "expense",
                key: id.to_string(),
            })?;
        Ok(ClaimState {
            status,
            submitted_at,
            employee_id,
        })
    }

    /// Whether a stored claim takes its department past the budget of its month and category
    /// (the other claims there, returned ones excluded, count as spent before it).
    async fn claim_over_budget(&mut self, id: i64) -> Result<bool> {
        let mut sql = Sql::new(
            "SELECT t.id, t.employee_id, t.department_id, t.day, t.category, t.amount_cents \
             FROM expenses t WHERE t.id = ",
        );
        sql.bind(id);
        let rows: Vec<(i64, i64, i64, chrono::NaiveDate, String, i64)> =
            self.fetch_all(&sql).await?;
        let Some((id, employee_id, department_id, day, category, amount_cents)) =
            rows.into_iter().next()
        else {
            return Ok(false);
        };
        let claim = kaohe_domain::records::Expense {
            id,
            employee_id,
            department_id,
            day,
            category,
            amount_cents,
            receipts: 0,
            description: String::new(),
            status: "submitted".into(),
            submitted_at: Utc::now(),
            over_budget: false,
        };
        let (budget, spent) = self.budget_and_spent(&claim).await?;
        Ok(expense::over_budget(
            budget,
            Cents(spent),
            Cents(amount_cents),
        ))
    }

    /// The time of the latest step of a contract or claim, if it has any.
    async fn latest_step_time(
        &mut self,
        table: &str,
        parent: &str,
        id: i64,
    ) -> Result<Option<DateTime<Utc>>> {
        let mut sql = Sql::new(&format!("SELECT at FROM {table} WHERE {parent} = "));
        sql.bind(id).push(" ORDER BY at DESC LIMIT 1");
        let rows: Vec<(DateTime<Utc>,)> = self.fetch_all(&sql).await?;
        Ok(rows.first().map(|r| r.0))
    }

    #[allow(clippy::too_many_arguments)]
    async fn audit_step(
        &mut self,
        viewer: &Viewer,
        table: &'static str,
        id: i64,
        step: &str,
        outcome: &str,
        comment: &str,
        done: &StepOutcome,
    ) -> Result<()> {
        self.audit(
            viewer,
            AuditEntry {
                action: "decide",
                entity: table,
                entity_id: id.to_string(),
                before: Some(json!({ "status": done.before })),
                after: Some(json!({
                    "status": done.after,
                    "step": step,
                    "outcome": outcome,
                    "comment": comment,
                })),
            },
        )
        .await
    }
}

impl Tx {
    /// Sets the state of the contracts or claims (`ids`) whose step history `spec`
    /// (`contract_steps`, `expense_steps`) was just written, by replaying every stored step in
    /// time order through the same flow rules as a step taken now. A history that breaks them
    /// (signing before a passed review, paying an unapproved claim) is refused, naming the
    /// record. Audited per record, before and after.
    pub(super) async fn replay_histories(
        &mut self,
        viewer: &Viewer,
        spec: &KindSpec,
        ids: &BTreeSet<i64>,
        zone: &dyn LocalZone,
    ) -> Result<()> {
        for &id in ids {
            match spec.kind {
                "contract_steps" => self.replay_contract(viewer, id, zone).await?,
                "expense_steps" => self.replay_expense(viewer, id).await?,
                _ => {}
            }
        }
        Ok(())
    }

    async fn replay_contract(
        &mut self,
        viewer: &Viewer,
        id: i64,
        zone: &dyn LocalZone,
    ) -> Result<()> {
        let mut sql = Sql::new("SELECT status, drafted_at FROM contracts WHERE id = ");
        sql.bind(id);
        let rows: Vec<(String, DateTime<Utc>)> = self.fetch_all(&sql).await?;
        let Some((before, drafted_at)) = rows.into_iter().next() else {
            return Ok(());
        };
        let mut sql =
            Sql::new("SELECT step, outcome, at, comment FROM contract_steps WHERE contract_id = ");
        sql.bind(id).push(" ORDER BY at, id");
        let steps: Vec<(String, String, DateTime<Utc>, String)> = self.fetch_all(&sql).await?;
        let bad = |m: String| refused("contract_steps", format!("contract {id}: {m}"));
        let (mut stage, mut previous) = (ContractStage::Drafted, drafted_at);
        let (mut signed_at, mut archived_at, mut first) = (None, None, true);
        for (step, outcome, at, comment) in steps {
            let action = match (step.as_str(), outcome.as_str()) {
                ("drafted", _) => continue,
                ("review", o) => ContractAction::Review {
                    passed: o == "passed",
                    comment,
                },
                ("signed", _) => ContractAction::Sign,
                ("archived", _) => ContractAction::Archive,
                (s, o) => return Err(bad(format!("unknown step {s} / {o}"))),
            };
            stage = stage
                .apply(&action, at, previous)
                .map_err(|e| bad(e.to_string()))?;
            match action {
                ContractAction::Sign => signed_at = Some(at),
                ContractAction::Archive => archived_at = Some(at),
                ContractAction::Review { passed: false, .. } => first = false,
                ContractAction::Review { .. } => {}
            }
            previous = at;
        }
        self.touch_stored_id(&CONTRACTS, id).await?;
        let mut sql = Sql::new("UPDATE contracts SET status = ");
        sql.bind(stage.status())
            .push(", signed_at = ")
            .bind(signed_at)
            .push(", signed_day = ")
            .bind(signed_at.map(|t| zone.to_local(t).date()));
        sql.push(", archived_at = ")
            .bind(archived_at)
            .push(", review_passed_first = ")
            .bind(first)
            .push(" WHERE id = ")
            .bind(id);
        self.run(&sql).await?;
        self.touch_stored_id(&CONTRACTS, id).await?;
        self.audit_replay(viewer, CONTRACTS.table, id, &before, stage.status())
            .await
    }

    async fn replay_expense(&mut self, viewer: &Viewer, id: i64) -> Result<()> {
        let mut sql = Sql::new("SELECT status, submitted_at FROM expenses WHERE id = ");
        sql.bind(id);
        let rows: Vec<(String, DateTime<Utc>)> = self.fetch_all(&sql).await?;
        let Some((before, submitted_at)) = rows.into_iter().next() else {
            return Ok(());
        };
        let mut sql =
            Sql::new("SELECT step, outcome, at, comment FROM expense_steps WHERE expense_id = ");
        sql.bind(id).push(" ORDER BY at, id");
        let steps: Vec<(String, String, DateTime<Utc>, String)> = self.fetch_all(&sql).await?;
        let bad = |m: String| refused("expense_steps", format!("expense claim {id}: {m}"));
        let mut status: &'static str = "submitted";
        let mut previous = submitted_at;
        for (step, outcome, at, comment) in steps {
            let approved = outcome == "approved";
            let action = match step.as_str() {
                "manager_review" => ExpenseAction::ManagerReview { approved, comment },
                "finance_review" => ExpenseAction::FinanceReview { approved, comment },
                "payout" => ExpenseAction::Pay,
                s => return Err(bad(format!("unknown step {s}"))),
            };
            if at < previous {
                return Err(bad(format!(
                    "a step cannot be earlier than the previous step ({previous})"
                )));
            }
            // A review after a return means the claimant resubmitted it (no step row of its own).
            if status.ends_with("_returned") && !matches!(action, ExpenseAction::Pay) {
                status = expense::next_status(status, &ExpenseAction::Resubmit)
                    .map_err(|e| bad(e.to_string()))?;
            }
            status = expense::next_status(status, &action).map_err(|e| bad(e.to_string()))?;
            previous = at;
        }
        self.touch_stored_id(&EXPENSES, id).await?;
        let mut sql = Sql::new("UPDATE expenses SET status = ");
        sql.bind(status).push(" WHERE id = ").bind(id);
        self.run(&sql).await?;
        self.touch_stored_id(&EXPENSES, id).await?;
        self.audit_replay(viewer, EXPENSES.table, id, &before, status)
            .await
    }

    async fn audit_replay(
        &mut self,
        viewer: &Viewer,
        table: &'static str,
        id: i64,
        before: &str,
        after: &str,
    ) -> Result<()> {
        self.audit(
            viewer,
            AuditEntry {
                action: "update",
                entity: table,
                entity_id: id.to_string(),
                before: Some(json!({ "status": before })),
                after: Some(json!({ "status": after, "from": "step history" })),
            },
        )
        .await
    }
}

/// What a step needs to know about a stored claim.
struct ClaimState {
    status: String,
    submitted_at: DateTime<Utc>,
    employee_id: i64,
}
