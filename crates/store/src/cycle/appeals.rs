//! Appeals (申诉, SPEC §6) in the database: filed by the person within the window after
//! publication, answered by HR within 3 working days (a rejection needs a reason),
//! investigated, ruled on by the committee. An upheld appeal is the only way a published or
//! locked result changes: a new scorecard version is written (the old one kept, no longer
//! current), the cycle's result gets the new version and the compensation is recorded, all
//! in one audited transaction.

use super::reminders::{close_link, notify, people_in_role};
use super::{lock_cycle, refuse, save_state, to_json};
use crate::audit::AuditEntry;
use crate::sql::Sql;
use crate::{Result, Store, StoreError, Tx, Viewer};
use chrono::{DateTime, NaiveDate, Utc};
use kaohe_domain::appeal::{Appeal, AppealRules, AppealStage, Compensation, Ruling};
use kaohe_domain::composition::{bonus_coefficient, grade_of};
use kaohe_domain::cycle::{AssessmentResult, RefusalKind, ResultLine};
use kaohe_domain::money::Cents;
use kaohe_domain::period::Period;
use serde::Serialize;

/// An appeal as listed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AppealRow {
    pub id: i64,
    pub employee_id: i64,
    pub scorecard_id: i64,
    pub filed_at: DateTime<Utc>,
    pub reason: String,
    /// Attachments (file names or paths), one per line.
    pub evidence: String,
    /// `filed`, `accepted`, `rejected`, `investigated`, `upheld`, `dismissed`.
    pub status: String,
    pub hr_due_on: NaiveDate,
    pub hr_reason: String,
    pub investigation: String,
    pub ruling: String,
    pub compensation_cents: i64,
    pub compensation_note: String,
    pub corrected_scorecard_id: Option<i64>,
}

/// The committee's correction when it upholds an appeal.
#[derive(Debug, Clone, PartialEq)]
pub struct Correction {
    /// The corrected score; its grade and bonus coefficient follow from the scheme's bands.
    pub score: f64,
    /// Indicator scores that change (the others are kept from the appealed version).
    pub lines: Vec<(String, Option<f64>)>,
    /// Compensation for the loss, if any.
    pub compensation: Option<Compensation>,
}

fn status_of(stage: AppealStage) -> &'static str {
    match stage {
        AppealStage::Filed => "filed",
        AppealStage::Rejected => "rejected",
        AppealStage::Accepted => "accepted",
        AppealStage::Proposed => "investigated",
        AppealStage::Upheld => "upheld",
        AppealStage::Dismissed => "dismissed",
    }
}

fn link(id: i64) -> String {
    format!("/appeals/{id}")
}

impl Store {
    /// The appeal rules: the `appeal_rules` setting (JSON) or the defaults (7 days, 3 working
    /// days for HR).
    pub async fn appeal_rules(&self) -> Result<AppealRules> {
        match self.setting("appeal_rules").await? {
            Some(t) => serde_json::from_str(&t).map_err(|e| StoreError::Invalid {
                field: "appeal_rules".into(),
                message: e.to_string(),
            }),
            None => Ok(AppealRules::default()),
        }
    }

    /// The signed-in person appeals against their published result of `period`.
    pub async fn file_appeal(
        &self,
        viewer: &Viewer,
        period: Period,
        reason: &str,
        attachments: &[String],
        today: NaiveDate,
    ) -> Result<i64> {
        let Some(me) = viewer.employee_id else {
            return Err(StoreError::Forbidden(
                "only the person assessed may appeal".into(),
            ));
        };
        let actor = self.actor_for(viewer, me).await?;
        let rules = self.appeal_rules().await?;
        let cal = self.calendar(today).await?;
        let mut tx = self.begin().await?;
        let row = lock_cycle(&mut tx, period, me).await?;
        let state = row.state()?;
        let mut appeal = Appeal::file(
            0,
            &state,
            &actor,
            reason.to_string(),
            attachments.to_vec(),
            today,
            &rules,
            &cal,
        )?;
        let mut open = Sql::new(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM appeals WHERE status IN ('filed', 'accepted', 'investigated') AND cycle_id = ",
        );
        open.bind(row.id);
        let n: Vec<(i64,)> = tx.fetch_all(&open).await?;
        if n.first().map_or(0, |r| r.0) > 0 {
            return Err(refuse(
                RefusalKind::Duplicate,
                "此考核已有一项申诉在处理中",
                "an appeal against this result is already under way",
            ));
        }
        let mut card = Sql::new("SELECT id FROM scorecards WHERE current = TRUE AND period = ");
        card.bind(period.to_string())
            .push(" AND employee_id = ")
            .bind(me);
        let cards: Vec<(i64,)> = tx.fetch_all(&card).await?;
        let Some((scorecard_id,)) = cards.first().copied() else {
            return Err(refuse(
                RefusalKind::WrongState,
                "没有可申诉的考核结果",
                "there is no stored result to appeal against",
            ));
        };
        let mut ins = Sql::new(
            "INSERT INTO appeals (scorecard_id, employee_id, filed_at, reason, evidence, status, hr_due_on, cycle_id) VALUES (",
        );
        ins.bind(scorecard_id)
            .push(", ")
            .bind(me)
            .push(", ")
            .bind(Utc::now())
            .push(", ")
            .bind(reason);
        ins.push(", ")
            .bind(attachments.join("\n"))
            .push(", 'filed', ")
            .bind(appeal.hr_due)
            .push(", ")
            .bind(row.id)
            .push(") RETURNING id");
        let ids: Vec<(i64,)> = tx.fetch_all(&ins).await?;
        let id = ids.first().map(|r| r.0).unwrap_or_default();
        appeal.id = id;
        save_appeal(&mut tx, &appeal).await?;
        audit(&mut tx, viewer, &appeal, "create").await?;
        for hr in people_in_role(&mut tx, "hr").await? {
            let subject = format!("受理或驳回申诉 #{id} / accept or reject appeal #{id}");
            notify(
                &mut tx,
                hr,
                "appeal_answer",
                &subject,
                &link(id),
                Some(appeal.hr_due),
                None,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// HR accepts an appeal.
    pub async fn accept_appeal(&self, viewer: &Viewer, id: i64, today: NaiveDate) -> Result<()> {
        self.appeal_step(viewer, id, |a, actor| a.accept(actor, today))
            .await
    }

    /// HR rejects an appeal; the reason is required.
    pub async fn reject_appeal(
        &self,
        viewer: &Viewer,
        id: i64,
        reason: &str,
        today: NaiveDate,
    ) -> Result<()> {
        self.appeal_step(viewer, id, |a, actor| {
            a.reject(actor, reason.to_string(), today)
        })
        .await
    }

    /// HR records the investigation notes and proposal; the committee rules next.
    pub async fn investigate_appeal(
        &self,
        viewer: &Viewer,
        id: i64,
        notes: &str,
        proposal: &str,
        today: NaiveDate,
    ) -> Result<()> {
        self.appeal_step(viewer, id, |a, actor| {
            a.investigate(actor, notes.to_string(), proposal.to_string(), today)
        })
        .await
    }

    /// Loads an appeal, applies one HR step and saves it.
    async fn appeal_step<F>(&self, viewer: &Viewer, id: i64, f: F) -> Result<()>
    where
        F: FnOnce(
            &Appeal,
            &kaohe_domain::cycle::Actor,
        ) -> Result<Appeal, kaohe_domain::cycle::Refusal>,
    {
        let appeal = self.appeal(id).await?;
        let actor = self.actor_for(viewer, appeal.subject_id).await?;
        let next = f(&appeal, &actor)?;
        let mut tx = self.begin().await?;
        save_appeal(&mut tx, &next).await?;
        audit(&mut tx, viewer, &next, "decide").await?;
        close_link(&mut tx, &link(id)).await?;
        if next.stage == AppealStage::Proposed {
            for c in people_in_role(&mut tx, "committee").await? {
                let subject = format!("裁决申诉 #{id} / rule on appeal #{id}");
                notify(&mut tx, c, "appeal_ruling", &subject, &link(id), None, None).await?;
            }
        }
        tx.commit().await
    }

    /// The domain appeal stored under `id`.
    pub async fn appeal(&self, id: i64) -> Result<Appeal> {
        let mut sql = Sql::new("SELECT snapshot FROM appeals WHERE id = ");
        sql.bind(id);
        let (text,): (String,) =
            self.fetch_optional(&sql)
                .await?
                .ok_or_else(|| StoreError::NotFound {
                    entity: "appeal",
                    key: id.to_string(),
                })?;
        serde_json::from_str(&text).map_err(|e| StoreError::Invalid {
            field: format!("appeal {id}"),
            message: e.to_string(),
        })
    }

    /// The committee rules on an appeal: `Some(correction)` upholds it (a new result version
    /// and the compensation), `None` dismisses it. `reason` is the basis of the ruling.
    pub async fn rule_appeal(
        &self,
        viewer: &Viewer,
        id: i64,
        correction: Option<Correction>,
        reason: &str,
        today: NaiveDate,
    ) -> Result<()> {
        let appeal = self.appeal(id).await?;
        let actor = self.actor_for(viewer, appeal.subject_id).await?;
        let lib = self.library().await?;
        let mut tx = self.begin().await?;
        let row = lock_cycle(&mut tx, appeal.period, appeal.subject_id).await?;
        let state = row.state()?;
        let ruling = match &correction {
            None => Ruling::Dismissed {
                reason: reason.to_string(),
            },
            Some(c) => {
                let scheme = lib.library.scheme(&row.scheme_code);
                let current = state.current_result().map(|r| r.result.clone());
                Ruling::Upheld {
                    result: corrected(c, current, scheme),
                    compensation: c.compensation.clone(),
                    reason: reason.to_string(),
                }
            }
        };
        let (next, fix) = appeal.rule(&actor, ruling, &state, today)?;
        save_appeal(&mut tx, &next).await?;
        if let Some(fix) = fix {
            let new_state = state.apply_correction(&fix)?;
            let deadlines = self.deadlines(&row.scheme_code).await?;
            let cal = self.calendar(today).await?;
            save_state(&mut tx, row.id, &new_state, &deadlines, &cal).await?;
            let card = new_version(&mut tx, &appeal, fix.result(), reason).await?;
            let mut up = Sql::new("UPDATE appeals SET corrected_scorecard_id = ");
            up.bind(card).push(" WHERE id = ").bind(id);
            tx.run(&up).await?;
            let mut up = Sql::new("UPDATE cycles SET scorecard_id = ");
            up.bind(card).push(" WHERE id = ").bind(row.id);
            tx.run(&up).await?;
            let mut ev = Sql::new(
                "INSERT INTO cycle_events (cycle_id, from_state, to_state, action, actor_user_id, actor, day, at, note, data) VALUES (",
            );
            ev.bind(row.id)
                .push(", ")
                .bind(state.stage().as_str())
                .push(", ")
                .bind(state.stage().as_str());
            ev.push(", 'appeal_correction', ")
                .bind(viewer.user_id)
                .push(", ")
                .bind(viewer.username.as_str())
                .push(", ")
                .bind(today);
            ev.push(", ")
                .bind(Utc::now())
                .push(", ")
                .bind(reason)
                .push(", ")
                .bind(to_json(&fix))
                .push(")");
            tx.run(&ev).await?;
        }
        audit(&mut tx, viewer, &next, "decide").await?;
        close_link(&mut tx, &link(id)).await?;
        tx.commit().await?;
        if correction.is_some() {
            // The quarter and year made from this month follow its corrected result. After the
            // ruling's commit: they read the month's new version.
            let why = format!("appeal {id} on {}: {reason}", appeal.period);
            // The ruling stands whatever happens here; a failure leaves the longer result as it
            // was until the next `kaohe evaluate --period` of it, and says so.
            if let Err(e) = self
                .rederive_enclosing(viewer, appeal.subject_id, appeal.period, &why)
                .await
            {
                tracing::warn!(error = %e, appeal = id, "the quarter and year results were not made again");
            }
        }
        Ok(())
    }

    /// Appeals of a period within the viewer's scope.
    pub async fn appeals(&self, viewer: &Viewer, period: Period) -> Result<Vec<AppealRow>> {
        let mut sql = Sql::new(
            "SELECT a.id, a.employee_id, a.scorecard_id, a.filed_at, a.reason, a.evidence, a.status, a.hr_due_on, \
             a.hr_reason, a.investigation, a.ruling, a.compensation_cents, a.compensation_note, a.corrected_scorecard_id \
             FROM appeals a JOIN cycles c ON c.id = a.cycle_id WHERE c.period = ",
        );
        sql.bind(period.to_string());
        viewer.restrict(&mut sql, "a.employee_id");
        sql.push(" ORDER BY a.id");
        self.fetch_all(&sql).await
    }

    /// Every stored version of a person's scorecard for a period, oldest first, as
    /// `(version, total, grade, current, reason)`: the history an upheld appeal leaves.
    pub async fn scorecard_versions(
        &self,
        viewer: &Viewer,
        period: Period,
        employee: i64,
    ) -> Result<Vec<(i32, Option<f64>, Option<String>, bool, String)>> {
        let mut sql = Sql::new(
            "SELECT version, total, grade, current, reason FROM scorecards WHERE period = ",
        );
        sql.bind(period.to_string())
            .push(" AND employee_id = ")
            .bind(employee);
        viewer.restrict(&mut sql, "employee_id");
        sql.push(" ORDER BY version");
        self.fetch_all(&sql).await
    }
}

/// The corrected result: the appealed lines with the committee's changes, the new score, and
/// the grade and coefficient the scheme gives it.
fn corrected(
    c: &Correction,
    current: Option<AssessmentResult>,
    scheme: Option<&kaohe_domain::scheme::Scheme>,
) -> AssessmentResult {
    let mut lines = current
        .as_ref()
        .map(|r| r.lines.clone())
        .unwrap_or_default();
    for (code, score) in &c.lines {
        match lines.iter_mut().find(|l| &l.indicator == code) {
            Some(l) => l.score = *score,
            None => lines.push(ResultLine {
                indicator: code.clone(),
                score: *score,
            }),
        }
    }
    let grades = scheme.map_or_else(kaohe_domain::scheme::default_grades, |s| s.grades.clone());
    let bands = scheme.map_or_else(kaohe_domain::scheme::default_bonus, |s| s.bonus.clone());
    AssessmentResult {
        score: c.score,
        grade: grade_of(&grades, c.score).map_or_else(String::new, |g| g.code.clone()),
        coefficient: bonus_coefficient(&bands, c.score).unwrap_or(0.0),
        lines,
    }
}

/// Writes the corrected scorecard as a new version: the old one keeps its values and then
/// loses its `current` mark (the only change the locked-period guard allows, and only once
/// the newer appeal version exists).
async fn new_version(
    tx: &mut Tx,
    appeal: &Appeal,
    result: &AssessmentResult,
    reason: &str,
) -> Result<i64> {
    let mut q = Sql::new(
        "SELECT id, scheme_code, scheme_version, version, detail, lines FROM scorecards WHERE current = TRUE AND period = ",
    );
    q.bind(appeal.period.to_string())
        .push(" AND employee_id = ")
        .bind(appeal.subject_id);
    let rows: Vec<(i64, String, i32, i32, String, String)> = tx.fetch_all(&q).await?;
    let Some((old_id, scheme, scheme_version, version, detail, lines)) = rows.into_iter().next()
    else {
        return Err(refuse(
            RefusalKind::WrongState,
            "没有当前考核结果",
            "there is no current result",
        ));
    };
    let mut detail: serde_json::Value =
        serde_json::from_str(&detail).unwrap_or_else(|_| serde_json::json!({}));
    detail["appeal_id"] = appeal.id.into();
    detail["corrects_version"] = version.into();
    // The corrected score where the committee changed it, else the appealed one.
    let mut lines = crate::evaluate::lines::unpack(old_id, &lines)?;
    for line in &mut lines {
        if let Some(corrected) = result
            .lines
            .iter()
            .find(|l| l.indicator == line.indicator_code)
        {
            line.score = corrected.score;
        }
    }
    let mut ins = Sql::new(
        "INSERT INTO scorecards (period, employee_id, scheme_code, scheme_version, version, total, grade, bonus_coefficient, detail, lines, reason, created_at, current) VALUES (",
    );
    ins.bind(appeal.period.to_string())
        .push(", ")
        .bind(appeal.subject_id)
        .push(", ")
        .bind(scheme)
        .push(", ")
        .bind(scheme_version);
    ins.push(", ")
        .bind(version + 1)
        .push(", ")
        .bind(result.score)
        .push(", ")
        .bind(result.grade.as_str())
        .push(", ")
        .bind(result.coefficient);
    ins.push(", ")
        .bind(detail.to_string())
        .push(", ")
        .bind(crate::evaluate::lines::pack_stored(&lines))
        .push(", ")
        .bind(format!("appeal {}: {reason}", appeal.id))
        .push(", ")
        .bind(Utc::now())
        .push(", TRUE) RETURNING id");
    let ids: Vec<(i64,)> = tx.fetch_all(&ins).await?;
    let new_id = ids.first().map(|r| r.0).unwrap_or_default();
    // After the new version exists: the guard lets the old one lose `current` only then.
    let mut off = Sql::new("UPDATE scorecards SET current = FALSE WHERE id = ");
    off.bind(old_id);
    tx.run(&off).await?;
    Ok(new_id)
}

async fn save_appeal(tx: &mut Tx, a: &Appeal) -> Result<()> {
    let ruling = a.ruling.as_ref().map_or(String::new(), |(r, _)| match r {
        Ruling::Upheld { reason, .. } | Ruling::Dismissed { reason } => reason.clone(),
    });
    let compensation = a.ruling.as_ref().and_then(|(r, _)| match r {
        Ruling::Upheld { compensation, .. } => compensation.clone(),
        Ruling::Dismissed { .. } => None,
    });
    let investigation = a.investigation.as_ref().map_or(String::new(), |i| {
        format!("{}\n建议 / proposal: {}", i.notes, i.proposal)
    });
    let mut sql = Sql::new("UPDATE appeals SET status = ");
    sql.bind(status_of(a.stage))
        .push(", snapshot = ")
        .bind(to_json(a))
        .push(", hr_decided_at = ");
    sql.bind(
        a.hr_answered_on
            .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc()),
    )
    .push(", hr_reason = ")
    .bind(a.rejection_reason.clone().unwrap_or_default());
    sql.push(", investigation = ")
        .bind(investigation)
        .push(", ruling = ")
        .bind(ruling);
    sql.push(", compensation_cents = ")
        .bind(compensation.as_ref().map_or(0, |c| c.amount.0))
        .push(", compensation_note = ")
        .bind(compensation.map_or(String::new(), |c| c.description));
    sql.push(" WHERE id = ").bind(a.id);
    tx.run(&sql).await?;
    Ok(())
}

async fn audit(tx: &mut Tx, viewer: &Viewer, a: &Appeal, action: &str) -> Result<()> {
    tx.audit(
        viewer,
        AuditEntry {
            action,
            entity: "appeal",
            entity_id: a.id.to_string(),
            before: None,
            after: Some(serde_json::to_value(a).expect("an appeal serialises")),
        },
    )
    .await
}

/// Compensation in the domain's money type, for callers that have yuan.
pub fn compensation(yuan: i64, description: &str) -> Compensation {
    Compensation {
        amount: Cents::yuan(yuan),
        description: description.to_string(),
    }
}
