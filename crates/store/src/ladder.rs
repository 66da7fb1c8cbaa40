//! The career ladder (职级, SPEC §7) in the database: a monthly evaluation from signed contracts
//! per [`kaohe_domain::ladder`], recommendations a manager confirms or rejects with a reason (or,
//! for a dismissal, grants the one-time 15-day grace period), and each person's level history.
//!
//! A person's history is the `level_history` table. The first evaluation of a person seeds it
//! from their assignments (each change of level, reason `placed`); confirmed promotions and
//! demotions add rows and move `employees.level_id`. Grace periods and dismissals are the
//! decided `ladder_decisions` rows.

use crate::audit::AuditEntry;
use crate::cycle::{refuse_now, require_role};
use crate::sql::Sql;
use crate::{Result, Store, StoreError, Tx, Viewer};
use chrono::{NaiveDate, Utc};
use kaohe_domain::ladder::{
    ChangeReason, Deal, Decision, DecisionOutcome, Grace, Ladder, LevelEntry, LevelHistory,
    Recommendation, RecommendationKind,
};
use kaohe_domain::money::Cents;
use kaohe_domain::period::Period;
use kaohe_domain::roles::Role;
use serde::Serialize;
use std::collections::BTreeMap;

/// A recommendation or decision as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct LadderRow {
    pub id: i64,
    pub period: String,
    pub employee_id: i64,
    /// `promote`, `demote`, `dismiss`.
    pub kind: String,
    pub basis: String,
    /// `recommended`, `confirmed`, `rejected`, `grace_granted`.
    pub status: String,
    pub reason: String,
    pub decided_on: Option<NaiveDate>,
    pub grace_until: Option<NaiveDate>,
    /// The domain recommendation as JSON.
    pub recommendation: String,
}

impl LadderRow {
    /// The domain recommendation.
    pub fn recommendation(&self) -> Result<Recommendation> {
        serde_json::from_str(&self.recommendation).map_err(|e| StoreError::Invalid {
            field: format!("ladder recommendation {}", self.id),
            message: e.to_string(),
        })
    }
}

/// One level held, as listed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct LevelHistoryRow {
    pub level: String,
    pub valid_from: NaiveDate,
    /// `placed`, `promoted`, `demoted`.
    pub reason: String,
    pub note: String,
}

/// One person on the ladder in a month, as the ladder page lists them: the live evaluation
/// (level, months without a deal, what the rules recommend now) and the stored
/// recommendation with its decision, if the month was evaluated.
#[derive(Debug, Clone, Serialize)]
pub struct LadderLine {
    pub employee_id: i64,
    pub code: String,
    pub name: String,
    /// The level held at the month's end (its code).
    pub level: Option<String>,
    /// Whole months without a deal up to the month's end.
    pub months_without_deal: u32,
    /// The last signing day up to the month's end.
    pub last_deal: Option<NaiveDate>,
    /// A grace period running at the month's end.
    pub grace_running_until: Option<NaiveDate>,
    /// What the rules recommend for the month now (`None`: the person stays).
    pub live: Option<Recommendation>,
    /// The stored recommendation and its decision (`kaohe ladder evaluate`).
    pub stored: Option<LadderRow>,
}

const LADDER_COLUMNS: &str =
    "id, period, employee_id, kind, basis, status, reason, decided_on, grace_until, recommendation";

fn reason_text(r: &ChangeReason) -> &'static str {
    match r {
        ChangeReason::Placed => "placed",
        ChangeReason::Promoted => "promoted",
        ChangeReason::Demoted => "demoted",
    }
}

impl Store {
    /// The ladder: the `ladder` setting (TOML) or the shipped default.
    pub async fn ladder(&self) -> Result<Ladder> {
        match self.setting("ladder").await? {
            Some(t) => Ladder::from_toml("ladder", &t).map_err(|e| StoreError::Invalid {
                field: "ladder".into(),
                message: e.to_string(),
            }),
            None => Ok(Ladder::defaults()),
        }
    }

    /// Evaluates everybody on the ladder for `month` (HR, a manager or an administrator) and
    /// stores the recommendations; a recommendation already decided is kept as decided.
    pub async fn evaluate_ladder(&self, viewer: &Viewer, month: Period) -> Result<Vec<LadderRow>> {
        require_role(
            viewer,
            &[Role::Hr, Role::Manager, Role::Admin],
            "evaluate the career ladder",
        )?;
        let ladder = self.ladder().await?;
        let mut sql = Sql::new(
            "SELECT e.id FROM employees e JOIN levels l ON l.id = e.level_id WHERE l.ladder = ",
        );
        sql.bind(ladder.code.as_str())
            .push(" AND e.hired_on <= ")
            .bind(month.end())
            .push(" AND (e.left_on IS NULL OR e.left_on > ")
            .bind(month.end())
            .push(") ORDER BY e.id");
        let people: Vec<(i64,)> = self.fetch_all(&sql).await?;
        let mut tx = self.begin().await?;
        let mut recommended = 0;
        for (id,) in people {
            let history = history_in(&mut tx, id).await?;
            let deals = deals_in(&mut tx, id).await?;
            let eval = ladder.evaluate(&history, &deals, month);
            if let Some(mut rec) = eval.recommendation {
                // Passed and failed training is an input the decider sees with the basis.
                if let Some((zh, en)) =
                    crate::training::training_summary(&mut tx, id, month.end()).await?
                {
                    rec.basis_zh = format!("{}；{zh}", rec.basis_zh);
                    rec.basis_en = format!("{}; {en}", rec.basis_en);
                }
                upsert(&mut tx, &rec).await?;
                recommended += 1;
            }
        }
        tx.audit(
            viewer,
            AuditEntry {
                action: "create",
                entity: "ladder",
                entity_id: month.to_string(),
                before: None,
                after: Some(serde_json::json!({ "recommendations": recommended })),
            },
        )
        .await?;
        tx.commit().await?;
        self.ladder_decisions(month).await
    }

    /// The recommendations and decisions of a month.
    pub async fn ladder_decisions(&self, month: Period) -> Result<Vec<LadderRow>> {
        let mut sql = Sql::new(&format!(
            "SELECT {LADDER_COLUMNS} FROM ladder_decisions WHERE period = "
        ));
        sql.bind(month.to_string()).push(" ORDER BY employee_id");
        self.fetch_all(&sql).await
    }

    /// The recommendations and decisions of a month about people in the viewer's scope.
    pub async fn ladder_in_scope(&self, viewer: &Viewer, month: Period) -> Result<Vec<LadderRow>> {
        let mut sql = Sql::new(&format!(
            "SELECT {LADDER_COLUMNS} FROM ladder_decisions WHERE period = "
        ));
        sql.bind(month.to_string());
        viewer.restrict(&mut sql, "employee_id");
        sql.push(" ORDER BY employee_id");
        self.fetch_all(&sql).await
    }

    /// Everybody on the ladder in the viewer's scope for `month`, with the live evaluation
    /// and the stored recommendation. Read-only: a person whose history was never seeded is
    /// evaluated from their assignments in memory.
    pub async fn ladder_overview(&self, viewer: &Viewer, month: Period) -> Result<Vec<LadderLine>> {
        let ladder = self.ladder().await?;
        let end = month.end();
        let mut sql = Sql::new(
            "SELECT e.id, e.code, e.name, l.code, e.hired_on FROM employees e JOIN levels l ON l.id = e.level_id WHERE l.ladder = ",
        );
        sql.bind(ladder.code.as_str())
            .push(" AND e.hired_on <= ")
            .bind(end)
            .push(" AND (e.left_on IS NULL OR e.left_on > ")
            .bind(end)
            .push(")");
        viewer.restrict(&mut sql, "e.id");
        sql.push(" ORDER BY e.id");
        type Person = (i64, String, String, String, NaiveDate);
        let people: Vec<Person> = self.fetch_all(&sql).await?;
        if people.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = people.iter().map(|p| p.0).collect();
        let in_ids = |text: &str, col: &str| {
            let mut sql = Sql::new(text);
            sql.push(col).push(" IN ").bind_list(ids.iter().copied());
            sql
        };
        // Level histories; assignments for those never seeded.
        let mut sql = in_ids(
            "SELECT h.employee_id, l.code, h.valid_from, h.reason FROM level_history h JOIN levels l ON l.id = h.level_id WHERE ",
            "h.employee_id",
        );
        sql.push(" ORDER BY h.employee_id, h.valid_from, h.id");
        let mut histories: BTreeMap<i64, Vec<LevelEntry>> = BTreeMap::new();
        for (e, level, since, reason) in self
            .fetch_all::<(i64, String, NaiveDate, String)>(&sql)
            .await?
        {
            let reason = match reason.as_str() {
                "promoted" => ChangeReason::Promoted,
                "demoted" => ChangeReason::Demoted,
                _ => ChangeReason::Placed,
            };
            histories.entry(e).or_default().push(LevelEntry {
                level,
                since,
                reason,
            });
        }
        let mut sql = in_ids(
            "SELECT a.employee_id, l.code, a.valid_from FROM assignments a JOIN levels l ON l.id = a.level_id WHERE ",
            "a.employee_id",
        );
        sql.push(" ORDER BY a.employee_id, a.valid_from");
        let mut assigned: BTreeMap<i64, Vec<LevelEntry>> = BTreeMap::new();
        for (e, level, since) in self.fetch_all::<(i64, String, NaiveDate)>(&sql).await? {
            let rows = assigned.entry(e).or_default();
            if rows.last().is_none_or(|r| r.level != level) {
                rows.push(LevelEntry {
                    level,
                    since,
                    reason: ChangeReason::Placed,
                });
            }
        }
        let mut sql = in_ids(
            "SELECT d.employee_id, d.kind, d.status, d.decided_on, d.grace_until, l.code FROM ladder_decisions d \
             LEFT JOIN levels l ON l.id = d.from_level_id WHERE d.status IN ('confirmed', 'grace_granted') AND ",
            "d.employee_id",
        );
        sql.push(" ORDER BY d.id");
        type Decided = (
            i64,
            String,
            String,
            Option<NaiveDate>,
            Option<NaiveDate>,
            Option<String>,
        );
        let decided: Vec<Decided> = self.fetch_all(&sql).await?;
        let mut sql = in_ids(
            "SELECT employee_id, signed_day, amount_cents FROM contracts WHERE signed_day IS NOT NULL AND ",
            "employee_id",
        );
        sql.push(" AND signed_day <= ").bind(end);
        let mut deals: BTreeMap<i64, Vec<Deal>> = BTreeMap::new();
        for (e, signed_on, amount) in self.fetch_all::<(i64, NaiveDate, i64)>(&sql).await? {
            deals.entry(e).or_default().push(Deal {
                signed_on,
                amount: Cents(amount),
            });
        }
        let mut stored: BTreeMap<i64, LadderRow> = self
            .ladder_in_scope(viewer, month)
            .await?
            .into_iter()
            .map(|r| (r.employee_id, r))
            .collect();
        let mut out = Vec::with_capacity(people.len());
        for (id, code, name, level, hired_on) in people {
            let entries = histories
                .remove(&id)
                .or_else(|| assigned.remove(&id))
                .unwrap_or_else(|| {
                    vec![LevelEntry {
                        level,
                        since: hired_on,
                        reason: ChangeReason::Placed,
                    }]
                });
            let mut history = LevelHistory {
                employee_id: id,
                entries,
                graces: Vec::new(),
                dismissed_on: None,
            };
            for (_, kind, status, on, until, level) in decided.iter().filter(|d| d.0 == id) {
                match (kind.as_str(), status.as_str(), on) {
                    ("dismiss", "grace_granted", Some(on)) => history.graces.push(Grace {
                        level: level.clone().unwrap_or_default(),
                        granted_on: *on,
                        until: until.unwrap_or(*on),
                    }),
                    ("dismiss", "confirmed", Some(on)) => history.dismissed_on = Some(*on),
                    _ => {}
                }
            }
            let person_deals = deals.remove(&id).unwrap_or_default();
            let last_deal = person_deals.iter().map(|d| d.signed_on).max();
            let eval = ladder.evaluate(&history, &person_deals, month);
            out.push(LadderLine {
                employee_id: id,
                code,
                name,
                level: eval.level,
                months_without_deal: eval.months_without_deal,
                last_deal,
                grace_running_until: eval.grace_running_until,
                live: eval.recommendation,
                stored: stored.remove(&id),
            });
        }
        Ok(out)
    }

    /// Every recommendation and decision about one person in the viewer's scope, oldest
    /// month first.
    pub async fn ladder_of_person(&self, viewer: &Viewer, employee: i64) -> Result<Vec<LadderRow>> {
        let mut sql = Sql::new(&format!(
            "SELECT {LADDER_COLUMNS} FROM ladder_decisions WHERE employee_id = "
        ));
        sql.bind(employee);
        viewer.restrict(&mut sql, "employee_id");
        sql.push(" ORDER BY period, id");
        self.fetch_all(&sql).await
    }

    /// A manager decides on a recommendation: confirm, reject (reason required) or, for a
    /// dismissal, grant the one-time grace period. Only people within the viewer's data scope
    /// (SPEC §1) can be decided on; anyone else's recommendation is not found.
    pub async fn decide_ladder(
        &self,
        viewer: &Viewer,
        id: i64,
        decision: Decision,
        today: NaiveDate,
    ) -> Result<()> {
        let mut sql = Sql::new(
            "SELECT employee_id, status, recommendation FROM ladder_decisions WHERE id = ",
        );
        sql.bind(id);
        // Someone outside the viewer's data scope is "not found", as on reads, so ids cannot
        // be probed and no manager decides on another department's people.
        viewer.restrict(&mut sql, "employee_id");
        let (employee, status, text): (i64, String, String) = self
            .fetch_optional(&sql)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                entity: "ladder recommendation",
                key: id.to_string(),
            })?;
        if status != "recommended" {
            return Err(refuse_now(
                format!("此建议已{status}"),
                format!("this recommendation is {status} already"),
            ));
        }
        let rec: Recommendation = serde_json::from_str(&text).map_err(|e| StoreError::Invalid {
            field: format!("ladder recommendation {id}"),
            message: e.to_string(),
        })?;
        let actor = self.actor_for(viewer, employee).await?;
        let ladder = self.ladder().await?;
        let mut tx = self.begin().await?;
        let history = history_in(&mut tx, employee).await?;
        let (_, outcome) = ladder.decide(&rec, &history, decision, &actor, today)?;
        let (new_status, reason, grace_until) = match &outcome {
            DecisionOutcome::LevelChanged(entry) => {
                add_level(
                    &mut tx,
                    employee,
                    entry,
                    &format!("{} / {}", rec.basis_zh, rec.basis_en),
                )
                .await?;
                ("confirmed", String::new(), None)
            }
            DecisionOutcome::Dismissed { .. } => ("confirmed", String::new(), None),
            DecisionOutcome::GraceGranted(g) => ("grace_granted", String::new(), Some(g.until)),
            DecisionOutcome::Rejected { reason } => ("rejected", reason.clone(), None),
        };
        let mut up = Sql::new("UPDATE ladder_decisions SET status = ");
        up.bind(new_status)
            .push(", reason = ")
            .bind(reason.as_str())
            .push(", decided_by = ")
            .bind(viewer.user_id);
        up.push(", decided_on = ")
            .bind(today)
            .push(", grace_until = ")
            .bind(grace_until)
            .push(" WHERE id = ")
            .bind(id);
        tx.run(&up).await?;
        tx.audit(
            viewer,
            AuditEntry {
                action: "decide",
                entity: "ladder_decision",
                entity_id: id.to_string(),
                before: Some(serde_json::json!({ "status": "recommended" })),
                after: Some(serde_json::to_value(&outcome).expect("an outcome serialises")),
            },
        )
        .await?;
        tx.commit().await
    }

    /// A person's level history, oldest first.
    pub async fn level_history(
        &self,
        viewer: &Viewer,
        employee: i64,
    ) -> Result<Vec<LevelHistoryRow>> {
        let mut sql = Sql::new(
            "SELECT l.code AS level, h.valid_from, h.reason, h.note FROM level_history h JOIN levels l ON l.id = h.level_id \
             WHERE h.employee_id = ",
        );
        sql.bind(employee);
        viewer.restrict(&mut sql, "h.employee_id");
        sql.push(" ORDER BY h.valid_from, h.id");
        self.fetch_all(&sql).await
    }
}

/// The person's history; seeded from their assignments the first time.
async fn history_in(tx: &mut Tx, employee: i64) -> Result<LevelHistory> {
    let mut sql = Sql::new(
        "SELECT l.code, h.valid_from, h.reason FROM level_history h JOIN levels l ON l.id = h.level_id WHERE h.employee_id = ",
    );
    sql.bind(employee).push(" ORDER BY h.valid_from, h.id");
    let mut rows: Vec<(String, NaiveDate, String)> = tx.fetch_all(&sql).await?;
    if rows.is_empty() {
        rows = seed_history(tx, employee).await?;
    }
    let mut history = LevelHistory {
        employee_id: employee,
        entries: Vec::new(),
        graces: Vec::new(),
        dismissed_on: None,
    };
    for (level, since, reason) in rows {
        let reason = match reason.as_str() {
            "promoted" => ChangeReason::Promoted,
            "demoted" => ChangeReason::Demoted,
            _ => ChangeReason::Placed,
        };
        history.entries.push(LevelEntry {
            level,
            since,
            reason,
        });
    }
    let mut sql = Sql::new(
        "SELECT d.kind, d.status, d.decided_on, d.grace_until, l.code FROM ladder_decisions d \
         LEFT JOIN levels l ON l.id = d.from_level_id WHERE d.status IN ('confirmed', 'grace_granted') AND d.employee_id = ",
    );
    sql.bind(employee).push(" ORDER BY d.id");
    type Decided = (
        String,
        String,
        Option<NaiveDate>,
        Option<NaiveDate>,
        Option<String>,
    );
    for (kind, status, on, until, level) in tx.fetch_all::<Decided>(&sql).await? {
        match (kind.as_str(), status.as_str(), on) {
            ("dismiss", "grace_granted", Some(on)) => history.graces.push(Grace {
                level: level.unwrap_or_default(),
                granted_on: on,
                until: until.unwrap_or(on),
            }),
            ("dismiss", "confirmed", Some(on)) => history.dismissed_on = Some(on),
            _ => {}
        }
    }
    Ok(history)
}

/// Writes the level history implied by the person's assignments (or their current level
/// from their hiring day) and returns it.
async fn seed_history(tx: &mut Tx, employee: i64) -> Result<Vec<(String, NaiveDate, String)>> {
    let mut sql = Sql::new(
        "SELECT l.id, l.code, a.valid_from FROM assignments a JOIN levels l ON l.id = a.level_id WHERE a.employee_id = ",
    );
    sql.bind(employee).push(" ORDER BY a.valid_from");
    let mut rows: Vec<(i64, String, NaiveDate)> = tx.fetch_all(&sql).await?;
    if rows.is_empty() {
        let mut sql = Sql::new(
            "SELECT l.id, l.code, e.hired_on FROM employees e JOIN levels l ON l.id = e.level_id WHERE e.id = ",
        );
        sql.bind(employee);
        rows = tx.fetch_all(&sql).await?;
    }
    rows.dedup_by(|later, earlier| later.0 == earlier.0);
    let mut out = Vec::new();
    for (level_id, code, since) in rows {
        let mut ins = Sql::new(
            "INSERT INTO level_history (employee_id, level_id, valid_from, reason, note) VALUES (",
        );
        ins.bind(employee)
            .push(", ")
            .bind(level_id)
            .push(", ")
            .bind(since)
            .push(", 'placed', 'from assignments')");
        tx.run(&ins).await?;
        out.push((code, since, "placed".to_string()));
    }
    Ok(out)
}

/// The person's signed contracts as deals.
async fn deals_in(tx: &mut Tx, employee: i64) -> Result<Vec<Deal>> {
    let mut sql = Sql::new(
        "SELECT signed_day, amount_cents FROM contracts WHERE signed_day IS NOT NULL AND employee_id = ",
    );
    sql.bind(employee);
    let rows: Vec<(NaiveDate, i64)> = tx.fetch_all(&sql).await?;
    Ok(rows
        .into_iter()
        .map(|(signed_on, amount)| Deal {
            signed_on,
            amount: Cents(amount),
        })
        .collect())
}

fn kind_text(k: &RecommendationKind) -> (&'static str, Option<&str>) {
    match k {
        RecommendationKind::Promote { to } => ("promote", Some(to)),
        RecommendationKind::Demote { to } => ("demote", Some(to)),
        RecommendationKind::Dismiss { .. } => ("dismiss", None),
    }
}

async fn level_id(tx: &mut Tx, code: &str) -> Result<Option<i64>> {
    let mut sql = Sql::new("SELECT id FROM levels WHERE code = ");
    sql.bind(code);
    let rows: Vec<(i64,)> = tx.fetch_all(&sql).await?;
    Ok(rows.first().map(|r| r.0))
}

async fn upsert(tx: &mut Tx, rec: &Recommendation) -> Result<()> {
    let (kind, to) = kind_text(&rec.kind);
    let from = level_id(tx, &rec.from_level).await?;
    let to = match to {
        Some(c) => level_id(tx, c).await?,
        None => None,
    };
    let mut sql = Sql::new(
        "INSERT INTO ladder_decisions (period, employee_id, from_level_id, to_level_id, kind, basis, status, created_at, recommendation) VALUES (",
    );
    sql.bind(rec.month.to_string())
        .push(", ")
        .bind(rec.employee_id)
        .push(", ")
        .bind(from)
        .push(", ")
        .bind(to);
    sql.push(", ")
        .bind(kind)
        .push(", ")
        .bind(format!("{} / {}", rec.basis_zh, rec.basis_en))
        .push(", 'recommended', ")
        .bind(Utc::now());
    sql.push(", ")
        .bind(serde_json::to_string(rec).expect("a recommendation serialises"))
        .push(
            ") ON CONFLICT (period, employee_id) DO UPDATE SET from_level_id = excluded.from_level_id, \
             to_level_id = excluded.to_level_id, kind = excluded.kind, basis = excluded.basis, \
             recommendation = excluded.recommendation WHERE ladder_decisions.status = 'recommended'",
        );
    tx.run(&sql).await?;
    Ok(())
}

/// A confirmed promotion or demotion: a history row and the person's current level.
async fn add_level(tx: &mut Tx, employee: i64, entry: &LevelEntry, note: &str) -> Result<()> {
    let Some(level) = level_id(tx, &entry.level).await? else {
        return Err(StoreError::Invalid {
            field: "level".into(),
            message: format!("unknown level `{}`", entry.level),
        });
    };
    let mut ins = Sql::new(
        "INSERT INTO level_history (employee_id, level_id, valid_from, reason, note) VALUES (",
    );
    ins.bind(employee)
        .push(", ")
        .bind(level)
        .push(", ")
        .bind(entry.since)
        .push(", ")
        .bind(reason_text(&entry.reason))
        .push(", ")
        .bind(note)
        .push(")");
    tx.run(&ins).await?;
    let mut up = Sql::new("UPDATE employees SET level_id = ");
    up.bind(level)
        .push(", updated_at = ")
        .bind(Utc::now())
        .push(" WHERE id = ")
        .bind(employee);
    tx.run(&up).await?;
    Ok(())
}
