//! Closing a period in bulk (SPEC §6, issue 22): HR consolidates everybody whose ratings are
//! in, the committee approves (which publishes) every consolidated result, HR locks every
//! published cycle. The web's close page, its JSON API and `kaohe cycle … --all` all call these.
//!
//! Decisions:
//! - One transaction per person, through the same single-person step ([`Store::consolidate`],
//!   [`Store::act`]): the same rules, the same audit entries and inbox updates, and a refusal of
//!   one person leaves everybody else's step standing.
//! - Restartable: a person already past the step is skipped, so running a step again finishes
//!   what a first run left (or the refusals once fixed) and changes nothing else.
//! - A refusal of one person (the domain's or the store's: ratings missing, no total, no
//!   interview yet) is listed with its reason in both languages; a database fault stops the
//!   run (the people done so far stay done).
//! - The role is checked once, before anyone is touched: a wrong role is refused as a whole.

use super::{CycleRow, require_role};
use crate::evaluate::StoredScorecard;
use crate::{Result, Store, StoreError, Viewer};
use chrono::NaiveDate;
use kaohe_domain::cycle::{Action, AssessmentResult, CycleState, Stage, apply};
use kaohe_domain::period::Period;
use kaohe_domain::roles::Role;
use serde::Serialize;
use std::collections::BTreeMap;

/// A step HR or the committee takes for a whole period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BulkStep {
    /// HR consolidates (汇总) and so sends the result to the committee.
    Consolidate,
    /// The committee approves; approval publishes the result (公布).
    Approve,
    /// HR locks (锁定) after the feedback interview.
    Lock,
}

impl BulkStep {
    /// Every bulk step, in cycle order.
    pub const ALL: [BulkStep; 3] = [BulkStep::Consolidate, BulkStep::Approve, BulkStep::Lock];

    /// Stable text form (`consolidate`, `approve`, `lock`).
    pub fn as_str(self) -> &'static str {
        match self {
            BulkStep::Consolidate => "consolidate",
            BulkStep::Approve => "approve",
            BulkStep::Lock => "lock",
        }
    }

    /// Parses [`BulkStep::as_str`].
    pub fn parse(text: &str) -> Option<BulkStep> {
        BulkStep::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The stage a cycle must be in for this step.
    pub fn from_stage(self) -> Stage {
        match self {
            BulkStep::Consolidate => Stage::Rating,
            BulkStep::Approve => Stage::Consolidated,
            BulkStep::Lock => Stage::Published,
        }
    }

    /// Who takes the step (the domain lets only these roles take it for somebody else).
    pub fn role(self) -> Role {
        match self {
            BulkStep::Approve => Role::Committee,
            BulkStep::Consolidate | BulkStep::Lock => Role::Hr,
        }
    }

    fn what(self) -> &'static str {
        match self {
            BulkStep::Consolidate => "consolidate results in bulk",
            BulkStep::Approve => "approve results in bulk",
            BulkStep::Lock => "lock results in bulk",
        }
    }
}

/// Somebody a bulk step concerns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BulkPerson {
    pub employee_id: i64,
    pub employee_code: String,
    pub name: String,
    /// The cycle's stage when the person was looked at ([`Stage::as_str`]).
    pub stage: String,
}

/// Somebody the step was refused for, and why in both languages.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BulkRefusal {
    #[serde(flatten)]
    pub person: BulkPerson,
    pub zh: String,
    pub en: String,
}

/// What a bulk step did, person by person.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BulkOutcome {
    pub step: BulkStep,
    /// Taken now (one transaction each).
    pub done: Vec<BulkPerson>,
    /// Past the step already (an earlier run, or one at a time): left as they are.
    pub skipped: Vec<BulkPerson>,
    /// Not yet at the step's stage: nothing to do for them yet.
    pub waiting: Vec<BulkPerson>,
    /// At the step's stage but refused: who and why.
    pub refused: Vec<BulkRefusal>,
}

/// One person's line of the consolidation preview: what would be consolidated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PreviewLine {
    #[serde(flatten)]
    pub person: BulkPerson,
    /// The stored total that would become the result.
    pub total: f64,
    pub grade: String,
    pub coefficient: f64,
}

/// What a bulk consolidation would do now, without doing it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsolidationPreview {
    /// Would be consolidated, with their total and grade.
    pub ready: Vec<PreviewLine>,
    /// Consolidated or beyond already.
    pub skipped: Vec<BulkPerson>,
    /// Not rating yet.
    pub waiting: Vec<BulkPerson>,
    /// Would be refused: who and why.
    pub refused: Vec<BulkRefusal>,
}

/// Where a period's cycles stand: how many per stage (in cycle order).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageCount {
    pub stage: Stage,
    pub count: usize,
}

/// Somebody employed in the period without a usable scorecard, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MissingCard {
    pub employee_id: i64,
    pub employee_code: String,
    pub name: String,
    /// `no_scheme`, `no_cycle`, `not_evaluated` or `no_total`.
    pub reason: &'static str,
    pub zh: String,
    pub en: String,
}

/// A cycle of the period with its person, as the bulk steps read it.
struct Listed {
    row: CycleRow,
    person: BulkPerson,
    state: CycleState,
}

/// Sorts a refused step into the outcome, or passes a fault (the database) up.
fn refusal_of(e: StoreError) -> Result<(String, String)> {
    match e {
        StoreError::Refused(r) => Ok((r.zh, r.en)),
        StoreError::Invalid { field, message } => {
            Ok((format!("{field}：{message}"), format!("{field}: {message}")))
        }
        StoreError::Forbidden(m) => Ok((m.clone(), m)),
        StoreError::Conflict { field, message } => {
            Ok((format!("{field}：{message}"), format!("{field}: {message}")))
        }
        StoreError::NotFound { entity, key } => Ok((
            format!("找不到 {entity} {key}"),
            format!("{entity} {key} not found"),
        )),
        other => Err(other),
    }
}

impl Store {
    /// The period's cycles within the viewer's scope, in employee order (one read).
    async fn listed(&self, viewer: &Viewer, period: Period) -> Result<Vec<Listed>> {
        let mut sql = crate::sql::Sql::new(
            "SELECT c.id, c.employee_id, c.scheme_code, c.snapshot, e.code, e.name \
             FROM cycles c JOIN employees e ON e.id = c.employee_id WHERE c.period = ",
        );
        sql.bind(period.to_string());
        viewer.restrict(&mut sql, "c.employee_id");
        sql.push(" ORDER BY c.employee_id");
        let rows: Vec<(i64, i64, String, String, String, String)> = self.fetch_all(&sql).await?;
        rows.into_iter()
            .map(|(id, employee_id, scheme_code, snapshot, code, name)| {
                let row = CycleRow {
                    id,
                    employee_id,
                    scheme_code,
                    snapshot,
                };
                let state = row.state()?;
                Ok(Listed {
                    person: BulkPerson {
                        employee_id,
                        employee_code: code,
                        name,
                        stage: state.stage().as_str().to_string(),
                    },
                    row,
                    state,
                })
            })
            .collect()
    }

    /// Takes `step` for everybody in the viewer's scope whose cycle of `period` is at the
    /// step's stage, one transaction per person (see the module documentation).
    pub async fn bulk_step(
        &self,
        viewer: &Viewer,
        period: Period,
        step: BulkStep,
        today: NaiveDate,
    ) -> Result<BulkOutcome> {
        require_role(viewer, &[step.role()], step.what())?;
        let mut out = BulkOutcome {
            step,
            done: Vec::new(),
            skipped: Vec::new(),
            waiting: Vec::new(),
            refused: Vec::new(),
        };
        for l in self.listed(viewer, period).await? {
            let stage = l.state.stage();
            if stage > step.from_stage() {
                out.skipped.push(l.person);
                continue;
            }
            if stage < step.from_stage() {
                out.waiting.push(l.person);
                continue;
            }
            let e = l.person.employee_id;
            let taken = match step {
                BulkStep::Consolidate => self.consolidate(viewer, period, e, today).await,
                BulkStep::Approve => {
                    self.act(viewer, period, e, Action::ApproveResult, today)
                        .await
                }
                BulkStep::Lock => self.act(viewer, period, e, Action::Lock, today).await,
            };
            match taken {
                Ok(_) => out.done.push(l.person),
                Err(err) => {
                    let (zh, en) = refusal_of(err)?;
                    out.refused.push(BulkRefusal {
                        person: l.person,
                        zh,
                        en,
                    });
                }
            }
        }
        Ok(out)
    }

    /// What [`Store::bulk_step`] with [`BulkStep::Consolidate`] would do now: per person
    /// the stored total and grade it would consolidate, and who would be refused and why.
    /// Nothing is written. The consolidation itself evaluates each person once more, so a
    /// record entered meanwhile can still move a total.
    pub async fn consolidation_preview(
        &self,
        viewer: &Viewer,
        period: Period,
        today: NaiveDate,
    ) -> Result<ConsolidationPreview> {
        require_role(viewer, &[Role::Hr], BulkStep::Consolidate.what())?;
        let cards: BTreeMap<i64, StoredScorecard> = self
            .scorecards(viewer, &period.to_string(), None)
            .await?
            .into_iter()
            .map(|c| (c.employee_id, c))
            .collect();
        let cal = self.calendar(today).await?;
        let mut out = ConsolidationPreview {
            ready: Vec::new(),
            skipped: Vec::new(),
            waiting: Vec::new(),
            refused: Vec::new(),
        };
        for l in self.listed(viewer, period).await? {
            let stage = l.state.stage();
            if stage > Stage::Rating {
                out.skipped.push(l.person);
                continue;
            }
            if stage < Stage::Rating {
                out.waiting.push(l.person);
                continue;
            }
            let judged = self
                .judge_consolidation(viewer, &l, cards.get(&l.person.employee_id), today, &cal)
                .await;
            match judged {
                Ok(r) => out.ready.push(PreviewLine {
                    person: l.person,
                    total: r.score,
                    grade: r.grade,
                    coefficient: r.coefficient,
                }),
                Err(err) => {
                    let (zh, en) = refusal_of(err)?;
                    out.refused.push(BulkRefusal {
                        person: l.person,
                        zh,
                        en,
                    });
                }
            }
        }
        Ok(out)
    }

    /// The result a consolidation of `l` would take from its stored card, or the refusal the
    /// domain would give (a dry run of the step: nothing is written).
    async fn judge_consolidation(
        &self,
        viewer: &Viewer,
        l: &Listed,
        card: Option<&StoredScorecard>,
        today: NaiveDate,
        cal: &kaohe_domain::calendar::Calendar,
    ) -> Result<AssessmentResult> {
        // The domain first (ratings still due, the wrong stage or role): its reason is what HR
        // can act on; a card stored or not comes after.
        let probe = match card.map(super::result_of) {
            Some(Ok(r)) => r,
            _ => AssessmentResult {
                score: 0.0,
                grade: "pending".into(),
                coefficient: 0.0,
                lines: Vec::new(),
            },
        };
        let actor = self.actor_for(viewer, l.row.employee_id).await?;
        let deadlines = self.deadlines(&l.row.scheme_code).await?;
        let action = Action::Consolidate {
            result: probe.clone(),
        };
        apply(&l.state, action, &actor, today, &deadlines, cal)?;
        let Some(card) = card else {
            return Err(super::refuse(
                kaohe_domain::cycle::RefusalKind::Invalid,
                "尚未计算本期考核结果：请先计算本期",
                "not evaluated yet: evaluate the period first",
            ));
        };
        let result = super::result_of(card)?;
        Ok(result)
    }

    /// How many of the period's cycles (within the viewer's scope) are in each stage, every
    /// stage listed in cycle order.
    pub async fn stage_counts(&self, viewer: &Viewer, period: Period) -> Result<Vec<StageCount>> {
        let cycles = self.cycles(viewer, period).await?;
        Ok(Stage::ALL
            .into_iter()
            .map(|stage| StageCount {
                stage,
                count: cycles.iter().filter(|c| c.state == stage.as_str()).count(),
            })
            .collect())
    }

    /// The people employed in `period` (within the viewer's scope) who have no scorecard with
    /// a total, and why: their position names no scheme, their cycle is not opened, the period
    /// is not evaluated for them yet, or their card has no total (ratings or the behaviour
    /// factor missing).
    pub async fn missing_scorecards(
        &self,
        viewer: &Viewer,
        period: Period,
    ) -> Result<Vec<MissingCard>> {
        let lib = self.library().await?;
        let assessed: BTreeMap<i64, String> = self
            .people_with_schemes(period, &lib.library)
            .await?
            .into_iter()
            .collect();
        let cycles: std::collections::BTreeSet<i64> = self
            .cycles(viewer, period)
            .await?
            .into_iter()
            .map(|c| c.employee_id)
            .collect();
        let cards: BTreeMap<i64, StoredScorecard> = self
            .scorecards(viewer, &period.to_string(), None)
            .await?
            .into_iter()
            .map(|c| (c.employee_id, c))
            .collect();
        let mut out = Vec::new();
        for p in self.employed_in(viewer, period).await? {
            let (reason, zh, en) = if !assessed.contains_key(&p.0) {
                (
                    "no_scheme",
                    format!("岗位「{}」没有考核方案", p.3),
                    format!("the position {} has no scheme", p.3),
                )
            } else if !cycles.contains(&p.0) {
                (
                    "no_cycle",
                    "本期考核尚未开启".to_string(),
                    "no cycle opened for the period".to_string(),
                )
            } else {
                match cards.get(&p.0) {
                    None => (
                        "not_evaluated",
                        "没有已保存的考核结果（本期尚未计算）".to_string(),
                        "no stored result (the period is not evaluated yet)".to_string(),
                    ),
                    Some(c) if c.total.is_none() => no_total(c),
                    Some(_) => continue,
                }
            };
            out.push(MissingCard {
                employee_id: p.0,
                employee_code: p.1,
                name: p.2,
                reason,
                zh,
                en,
            });
        }
        Ok(out)
    }

    /// People employed in `period` within the viewer's scope: id, number, name, position name.
    async fn employed_in(
        &self,
        viewer: &Viewer,
        period: Period,
    ) -> Result<Vec<(i64, String, String, String)>> {
        let mut sql = crate::sql::Sql::new(
            "SELECT e.id, e.code, e.name, p.name FROM employees e JOIN positions p ON p.id = e.position_id \
             WHERE e.hired_on < ",
        );
        sql.bind(period.end_exclusive())
            .push(" AND (e.left_on IS NULL OR e.left_on >= ")
            .bind(period.start())
            .push(")");
        viewer.restrict(&mut sql, "e.id");
        sql.push(" ORDER BY e.id");
        self.fetch_all(&sql).await
    }
}

/// Why a stored card has no total: the rated lines without a score, or else the behaviour
/// factor (the other input a total waits for).
fn no_total(card: &StoredScorecard) -> (&'static str, String, String) {
    let missing: Vec<&str> = card
        .lines
        .iter()
        .filter(|l| l.applicable && l.score.is_none())
        .map(|l| l.indicator_code.as_str())
        .collect();
    if missing.is_empty() {
        (
            "no_total",
            "没有总分：缺少行为系数或评分".to_string(),
            "no total: the behaviour factor or ratings are missing".to_string(),
        )
    } else {
        let list = missing.join(", ");
        (
            "no_total",
            format!("没有总分：缺少评分（{list}）"),
            format!("no total: ratings missing ({list})"),
        )
    }
}
