//! Customer credit in the database (信用评估, SPEC §3): the check the order and contract
//! funnels make before a write, managers' approvals of flagged orders and contracts, and the
//! ageing of receivables per customer and per rep.
//!
//! Decisions:
//! - The check reads the customer's **latest** assessment (by assessment date, then id) and
//!   the receivables not yet paid (amount minus payments received against them).
//! - An order is checked when it is new or its amount grows; a contract when it is written
//!   signed (or archived) for the first time or signed through [`Tx::contract_step`]. A
//!   contract that belongs to an order was checked as that order and is not checked again.
//! - A flagged write is refused ([`StoreError::Refused`]) unless a manager approved its number
//!   for at least its amount beforehand ([`Store::approve_credit`]): the approval names the
//!   order or contract, so an import of many orders can be approved one by one ahead of it.
//!   The approval, with what the check saw, is audited.

use crate::audit::AuditEntry;
use crate::cycle::require_role;
use crate::sql::Sql;
use crate::{Result, Store, StoreError, Tx, Viewer};
use chrono::{NaiveDate, Utc};
use kaohe_domain::Cents;
use kaohe_domain::credit::{self, AgeBucket, Ageing, CreditCheck, CreditLine};
use kaohe_domain::cycle::{Refusal, RefusalKind};
use kaohe_domain::records::{Contract, Order};
use kaohe_domain::roles::Role;
use serde::Serialize;

/// What an approval is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalKind {
    /// An order (by order number).
    Order,
    /// A contract (by contract number).
    Contract,
}

impl ApprovalKind {
    /// The kind's code.
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalKind::Order => "order",
            ApprovalKind::Contract => "contract",
        }
    }

    /// Parses `order` / `contract` (or 订单 / 合同).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "order" | "订单" => Some(ApprovalKind::Order),
            "contract" | "合同" => Some(ApprovalKind::Contract),
            _ => None,
        }
    }
}

/// A manager's approval as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ApprovalRow {
    pub id: i64,
    pub customer_id: i64,
    pub kind: String,
    pub ref_no: String,
    pub amount_cents: i64,
    pub outstanding_cents: i64,
    pub limit_cents: Option<i64>,
    /// Comma-separated [`kaohe_domain::credit::CreditFlag`] codes.
    pub flags: String,
    pub reason: String,
    pub approver: String,
    pub approved_at: chrono::DateTime<Utc>,
}

/// One customer's credit as listed: the latest assessment and what they owe.
#[derive(Debug, Clone, Serialize)]
pub struct CreditStatus {
    pub customer_id: i64,
    pub archive_no: String,
    pub name: String,
    pub owner_id: i64,
    pub rating: Option<String>,
    pub limit: Option<Cents>,
    pub watch: bool,
    pub review_on: Option<NaiveDate>,
    pub outstanding: Cents,
    /// Outstanding beyond the limit.
    pub over_limit: bool,
    /// The assessment is past its review date.
    pub review_overdue: bool,
}

/// Whom an ageing report groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgeingBy {
    /// Per customer.
    Customer,
    /// Per responsible rep.
    Rep,
}

/// One line of an ageing report.
#[derive(Debug, Clone, Serialize)]
pub struct AgeingRow {
    /// The customer's or rep's id.
    pub id: i64,
    /// 客户档案编号 or 工号.
    pub code: String,
    pub name: String,
    pub ageing: Ageing,
}

impl Tx {
    /// The customer's latest credit assessment, if any.
    pub(crate) async fn credit_line(&mut self, customer_id: i64) -> Result<Option<CreditLine>> {
        let mut sql = Sql::new(
            "SELECT limit_cents, watch, review_on FROM credit_assessments WHERE customer_id = ",
        );
        sql.bind(customer_id)
            .push(" ORDER BY assessed_on DESC, id DESC LIMIT 1");
        let rows: Vec<(i64, bool, NaiveDate)> = self.fetch_all(&sql).await?;
        Ok(rows.first().map(|r| CreditLine {
            limit: Cents(r.0),
            watch: r.1,
            review_on: r.2,
        }))
    }

    /// What the customer owes now: receivables minus the payments against them.
    pub(crate) async fn outstanding(&mut self, customer_id: i64) -> Result<Cents> {
        let mut sql = Sql::new(
            "SELECT CAST(COALESCE(SUM(r.amount_cents - COALESCE((SELECT SUM(p.amount_cents) FROM payments p \
             WHERE p.receivable_id = r.id), 0)), 0) AS BIGINT) FROM receivables r WHERE r.customer_id = ",
        );
        sql.bind(customer_id);
        let rows: Vec<(i64,)> = self.fetch_all(&sql).await?;
        Ok(Cents(rows.first().map_or(0, |r| r.0.max(0))))
    }

    /// The credit check of `amount` more for the customer.
    pub(crate) async fn credit_check(
        &mut self,
        customer_id: i64,
        amount: Cents,
        today: NaiveDate,
    ) -> Result<CreditCheck> {
        let line = self.credit_line(customer_id).await?;
        let outstanding = if line.is_some() {
            self.outstanding(customer_id).await?
        } else {
            Cents(0)
        };
        Ok(credit::check(line, outstanding, amount, today))
    }

    /// Refuses a flagged order or contract unless a manager approved its number for at least
    /// `amount`; `added` is what the write adds to the customer's exposure (the whole amount
    /// of a new order, the increase of a changed one) and `earlier` what this batch already
    /// added for the same customer.
    pub(crate) async fn require_credit(
        &mut self,
        kind: ApprovalKind,
        customer_id: i64,
        ref_no: &str,
        amount: Cents,
        added: Cents,
        earlier: Cents,
    ) -> Result<()> {
        let today = Utc::now().date_naive();
        let Some(line) = self.credit_line(customer_id).await? else {
            return Ok(());
        };
        let outstanding = self.outstanding(customer_id).await?;
        let check = credit::check(Some(line), Cents(outstanding.0 + earlier.0), added, today);
        if !check.needs_approval() {
            return Ok(());
        }
        let mut sql = Sql::new("SELECT id FROM credit_approvals WHERE kind = ");
        sql.bind(kind.as_str())
            .push(" AND ref_no = ")
            .bind(ref_no)
            .push(" AND customer_id = ")
            .bind(customer_id)
            .push(" AND amount_cents >= ")
            .bind(amount.0);
        let approved: Vec<(i64,)> = self.fetch_all(&sql).await?;
        if !approved.is_empty() {
            return Ok(());
        }
        let (zh, en) = check.explain();
        let (kzh, ken) = match kind {
            ApprovalKind::Order => ("订单", "order"),
            ApprovalKind::Contract => ("合同", "contract"),
        };
        Err(StoreError::Refused(Box::new(Refusal::new(
            RefusalKind::Invalid,
            format!("{kzh} {ref_no} 须经理审批并填写理由后方可签订：{zh}"),
            format!("{ken} {ref_no} needs a manager's approval with a reason before signing: {en}"),
        ))))
    }
}

/// What a manager approves.
#[derive(Debug, Clone)]
pub struct ApprovalInput {
    pub kind: ApprovalKind,
    /// The customer's id.
    pub customer_id: i64,
    /// The order or contract number.
    pub ref_no: String,
    /// The amount approved (the order or contract may not exceed it).
    pub amount: Cents,
    /// Why (required).
    pub reason: String,
}

impl Tx {
    /// Checks the orders of a batch before the order funnel writes them (see the module
    /// documentation).
    pub(crate) async fn check_order_credit(&mut self, records: &[Order]) -> Result<()> {
        let mut batch: Vec<(i64, Cents)> = Vec::new();
        for o in records.iter().filter(|o| o.status != "cancelled") {
            let stored = if o.id == 0 {
                0
            } else {
                let mut sql = Sql::new("SELECT amount_cents FROM orders WHERE id = ");
                sql.bind(o.id);
                let rows: Vec<(i64,)> = self.fetch_all(&sql).await?;
                rows.first().map_or(0, |r| r.0)
            };
            let added = Cents(o.amount_cents - stored);
            if added.0 <= 0 {
                continue;
            }
            let earlier = batch_sum(&batch, o.customer_id);
            self.require_credit(
                ApprovalKind::Order,
                o.customer_id,
                &o.order_no,
                Cents(o.amount_cents),
                added,
                earlier,
            )
            .await?;
            batch.push((o.customer_id, added));
        }
        Ok(())
    }

    /// Checks the contracts of a batch that are written signed for the first time (or with a
    /// larger amount) and belong to no order.
    pub(crate) async fn check_contract_credit(&mut self, records: &[Contract]) -> Result<()> {
        let mut batch: Vec<(i64, Cents)> = Vec::new();
        for c in records {
            if c.order_id.is_some() || !matches!(c.status.as_str(), "signed" | "archived") {
                continue;
            }
            let (was_signed, stored) = if c.id == 0 {
                (false, 0)
            } else {
                let mut sql = Sql::new("SELECT status, amount_cents FROM contracts WHERE id = ");
                sql.bind(c.id);
                let rows: Vec<(String, i64)> = self.fetch_all(&sql).await?;
                rows.first().map_or((false, 0), |r| {
                    (matches!(r.0.as_str(), "signed" | "archived"), r.1)
                })
            };
            let added = if was_signed {
                c.amount_cents - stored
            } else {
                c.amount_cents
            };
            if added <= 0 && was_signed {
                continue;
            }
            let earlier = batch_sum(&batch, c.customer_id);
            self.require_credit(
                ApprovalKind::Contract,
                c.customer_id,
                &c.contract_no,
                Cents(c.amount_cents),
                Cents(added.max(0)),
                earlier,
            )
            .await?;
            batch.push((c.customer_id, Cents(added.max(0))));
        }
        Ok(())
    }

    /// Checks contract `id` as it is signed through a step.
    pub(crate) async fn check_contract_signing(&mut self, id: i64) -> Result<()> {
        let mut sql = Sql::new(
            "SELECT customer_id, contract_no, amount_cents, order_id FROM contracts WHERE id = ",
        );
        sql.bind(id);
        let rows: Vec<(i64, String, i64, Option<i64>)> = self.fetch_all(&sql).await?;
        match rows.first() {
            Some((customer, no, amount, None)) => {
                self.require_credit(
                    ApprovalKind::Contract,
                    *customer,
                    no,
                    Cents(*amount),
                    Cents(*amount),
                    Cents(0),
                )
                .await
            }
            _ => Ok(()),
        }
    }
}

fn batch_sum(batch: &[(i64, Cents)], customer: i64) -> Cents {
    Cents(
        batch
            .iter()
            .filter(|b| b.0 == customer)
            .map(|b| b.1.0)
            .sum(),
    )
}

impl Store {
    /// The credit check of `amount` more for a customer the viewer can see ("flagged before
    /// signing": a form shows it before the order is saved).
    pub async fn credit_check(
        &self,
        viewer: &Viewer,
        customer_id: i64,
        amount: Cents,
        today: NaiveDate,
    ) -> Result<CreditCheck> {
        let mut tx = self.begin().await?;
        customer_in_scope(&mut tx, viewer, customer_id).await?;
        tx.credit_check(customer_id, amount, today).await
    }

    /// Records a manager's approval of a flagged order or contract (managers and
    /// administrators; the customer must be in the approver's scope), with a reason, audited.
    /// Approving the same number again replaces the earlier approval (both stay in the audit
    /// log).
    pub async fn approve_credit(&self, viewer: &Viewer, input: &ApprovalInput) -> Result<i64> {
        require_role(
            viewer,
            &[Role::Manager, Role::Admin],
            "approve an order or contract beyond the credit limit",
        )?;
        let reason = credit::check_reason(&input.reason).map_err(|m| StoreError::Invalid {
            field: "reason".into(),
            message: m,
        })?;
        if input.ref_no.trim().is_empty() {
            return Err(StoreError::Invalid {
                field: "ref_no".into(),
                message: "the order or contract number is required".into(),
            });
        }
        if input.amount.0 < 0 {
            return Err(StoreError::Invalid {
                field: "amount".into(),
                message: format!("must not be negative, not {}", input.amount),
            });
        }
        let mut tx = self.begin().await?;
        customer_in_scope(&mut tx, viewer, input.customer_id).await?;
        let today = Utc::now().date_naive();
        let check = tx
            .credit_check(input.customer_id, input.amount, today)
            .await?;
        let mut old = Sql::new(
            "SELECT id, customer_id, kind, ref_no, amount_cents, outstanding_cents, limit_cents, flags, reason, approver, approved_at FROM credit_approvals WHERE kind = ",
        );
        old.bind(input.kind.as_str())
            .push(" AND ref_no = ")
            .bind(input.ref_no.trim());
        let before: Vec<ApprovalRow> = tx.fetch_all(&old).await?;
        let mut del = Sql::new("DELETE FROM credit_approvals WHERE kind = ");
        del.bind(input.kind.as_str())
            .push(" AND ref_no = ")
            .bind(input.ref_no.trim());
        tx.run(&del).await?;
        let flags: Vec<&str> = check.flags.iter().map(|f| f.as_str()).collect();
        let mut sql = Sql::new(
            "INSERT INTO credit_approvals (customer_id, kind, ref_no, amount_cents, outstanding_cents, limit_cents, flags, reason, approved_by, approver, approved_at) VALUES (",
        );
        sql.bind(input.customer_id)
            .push(", ")
            .bind(input.kind.as_str())
            .push(", ")
            .bind(input.ref_no.trim())
            .push(", ")
            .bind(input.amount.0);
        sql.push(", ")
            .bind(check.outstanding.0)
            .push(", ")
            .bind(check.limit.map(|l| l.0))
            .push(", ")
            .bind(flags.join(","))
            .push(", ")
            .bind(reason);
        sql.push(", ")
            .bind(viewer.employee_id)
            .push(", ")
            .bind(viewer.username.as_str())
            .push(", ")
            .bind(Utc::now())
            .push(")");
        tx.run(&sql).await?;
        let id = tx.last_insert_id().await?;
        tx.audit(
            viewer,
            AuditEntry {
                action: "decide",
                entity: "credit_approvals",
                entity_id: id.to_string(),
                before: before.first().and_then(|b| serde_json::to_value(b).ok()),
                after: Some(serde_json::json!({
                    "kind": input.kind.as_str(),
                    "customer_id": input.customer_id,
                    "ref_no": input.ref_no.trim(),
                    "amount_cents": input.amount.0,
                    "check": check,
                    "reason": reason,
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The approvals of customers the viewer can see, newest first.
    pub async fn credit_approvals(&self, viewer: &Viewer) -> Result<Vec<ApprovalRow>> {
        let mut sql = Sql::new(
            "SELECT a.id, a.customer_id, a.kind, a.ref_no, a.amount_cents, a.outstanding_cents, a.limit_cents, a.flags, a.reason, a.approver, a.approved_at \
             FROM credit_approvals a JOIN customers c ON c.id = a.customer_id WHERE 1 = 1",
        );
        viewer.restrict(&mut sql, "c.owner_id");
        sql.push(" ORDER BY a.approved_at DESC, a.id DESC");
        self.fetch_all(&sql).await
    }

    /// Every assessed customer the viewer can see, with the latest assessment and what they
    /// owe, on `today`.
    pub async fn credit_statuses(
        &self,
        viewer: &Viewer,
        today: NaiveDate,
    ) -> Result<Vec<CreditStatus>> {
        let mut sql = Sql::new(
            "SELECT c.id, c.archive_no, c.name, c.owner_id, a.rating, a.limit_cents, a.watch, a.review_on, \
             CAST(COALESCE((SELECT SUM(r.amount_cents - COALESCE((SELECT SUM(p.amount_cents) FROM payments p WHERE p.receivable_id = r.id), 0)) \
             FROM receivables r WHERE r.customer_id = c.id), 0) AS BIGINT) \
             FROM customers c JOIN credit_assessments a ON a.customer_id = c.id \
             WHERE a.id = (SELECT x.id FROM credit_assessments x WHERE x.customer_id = c.id ORDER BY x.assessed_on DESC, x.id DESC LIMIT 1)",
        );
        viewer.restrict(&mut sql, "c.owner_id");
        sql.push(" ORDER BY c.archive_no");
        type R = (i64, String, String, i64, String, i64, bool, NaiveDate, i64);
        let rows: Vec<R> = self.fetch_all(&sql).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let outstanding = Cents(r.8.max(0));
                CreditStatus {
                    customer_id: r.0,
                    archive_no: r.1,
                    name: r.2,
                    owner_id: r.3,
                    rating: Some(r.4),
                    limit: Some(Cents(r.5)),
                    watch: r.6,
                    review_on: Some(r.7),
                    outstanding,
                    over_limit: outstanding > Cents(r.5),
                    review_overdue: r.7 < today,
                }
            })
            .collect())
    }

    /// Receivables ageing on `as_of` (payments received after it do not count), per customer
    /// or per rep, within the viewer's scope; rows owing nothing are left out.
    pub async fn ageing(
        &self,
        viewer: &Viewer,
        as_of: NaiveDate,
        by: AgeingBy,
    ) -> Result<Vec<AgeingRow>> {
        let (key, join, code, name) = match by {
            AgeingBy::Customer => (
                "r.customer_id",
                "JOIN customers g ON g.id = r.customer_id",
                "g.archive_no",
                "g.name",
            ),
            AgeingBy::Rep => (
                "r.employee_id",
                "JOIN employees g ON g.id = r.employee_id",
                "g.code",
                "g.name",
            ),
        };
        // Summed per bucket in the database: a company's receivables are thousands of rows,
        // its debtors a few hundred.
        let bounds = AgeBucket::earliest_due(as_of);
        let mut sql = Sql::new("SELECT x.k, ");
        sql.push(&format!("{code}, {name}"));
        for i in 0..AgeBucket::ALL.len() {
            sql.push(", CAST(SUM(CASE WHEN ");
            match i {
                0 => sql.push("x.due_on >= ").bind(bounds[0]),
                4 => sql.push("x.due_on < ").bind(bounds[3]),
                _ => sql
                    .push("x.due_on >= ")
                    .bind(bounds[i])
                    .push(" AND x.due_on < ")
                    .bind(bounds[i - 1]),
            };
            sql.push(" THEN x.owed ELSE 0 END) AS BIGINT)");
        }
        sql.push(&format!(
            " FROM (SELECT {key} AS k, r.due_on, r.amount_cents - COALESCE((SELECT SUM(p.amount_cents) FROM payments p \
             WHERE p.receivable_id = r.id AND p.received_on <= "
        ));
        sql.bind(as_of);
        sql.push("), 0) AS owed FROM receivables r WHERE 1 = 1");
        viewer.restrict(&mut sql, "r.employee_id");
        sql.push(&format!(
            ") x {} WHERE x.owed > 0 GROUP BY x.k, {code}, {name} ORDER BY {code}",
            join.replace(key, "x.k")
        ));
        type R = (i64, String, String, i64, i64, i64, i64, i64);
        let rows: Vec<R> = self.fetch_all(&sql).await?;
        Ok(rows
            .into_iter()
            .map(|(id, code, name, a, b, c, d, e)| AgeingRow {
                id,
                code,
                name,
                ageing: Ageing {
                    buckets: [a, b, c, d, e].map(Cents),
                },
            })
            .collect())
    }
}

/// Fails with "not found" unless the viewer can see the customer.
async fn customer_in_scope(tx: &mut Tx, viewer: &Viewer, customer_id: i64) -> Result<()> {
    let mut sql = Sql::new("SELECT c.id FROM customers c WHERE c.id = ");
    sql.bind(customer_id);
    viewer.restrict(&mut sql, "c.owner_id");
    let found: Vec<(i64,)> = tx.fetch_all(&sql).await?;
    if found.is_empty() {
        return Err(StoreError::NotFound {
            entity: "customer",
            key: customer_id.to_string(),
        });
    }
    Ok(())
}
