//! The behaviour factor (行为系数) of the performance × behaviour scheme (SPEC §5): given by the
//! person's superior (or HR) while the cycle is open or in rating, read by evaluation.
//!
//! Rules, shared by the web form, the JSON API, the CLI, the import and the demo because they
//! all come through [`Store::record_behaviour`]:
//! - only for a person whose scheme composes performance × behaviour; 0 to the scheme's
//!   `max_factor` (1.2);
//! - above 1.0 only with the outstanding acts (突出表现) that justify it;
//! - a serious violation (违法、严重违纪、工作事故、严重工作失误) makes the month's factor 0:
//!   it is stored with factor 0, and a violation together with a factor above 0 is refused
//!   rather than silently zeroed, so nobody believes they gave 1.1 when the month counts 0.
//!   Acts beside a violation are refused too (they cannot count that month).
//!
//! Storage: `behaviour_assessments.note` holds the acts, or the violation when
//! `serious_violation` is set (the two never go together, see above).

use super::refuse;
use crate::audit::AuditEntry;
use crate::sql::Sql;
use crate::{Result, Store, StoreError, Tx, Viewer};
use chrono::{DateTime, Utc};
use kaohe_domain::cycle::{Refusal, RefusalKind, Stage};
use kaohe_domain::period::Period;
use kaohe_domain::roles::Role;
use kaohe_domain::rules::limits::NOTE_CHARS;
use kaohe_domain::scheme::Composition;
use serde::Serialize;

/// What the superior or HR enters for a person's month.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BehaviourInput {
    /// The factor, 0 to the scheme's maximum.
    pub factor: f64,
    /// The outstanding acts (突出表现) that justify a factor above 1.0.
    pub acts: String,
    /// A serious violation (违法、严重违纪、工作事故或严重工作失误); empty when none.
    pub violation: String,
}

/// A person's stored behaviour factor of a month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BehaviourRecord {
    /// `2026-10`.
    pub period: String,
    /// The person's database id.
    pub employee_id: i64,
    /// The factor counted (0 after a serious violation).
    pub factor: f64,
    /// Whether a serious violation set the month to 0.
    pub serious_violation: bool,
    /// The outstanding acts given.
    pub acts: String,
    /// The serious violation given.
    pub violation: String,
    /// Who gave it (employee id).
    pub assessor_id: Option<i64>,
    /// When.
    pub assessed_at: DateTime<Utc>,
}

/// Checks `input` against a scheme whose highest factor is `max_factor` (pure: the rule every
/// interface shares); a refusal names the field it concerns (`factor`, `acts`, `violation`).
/// Texts are trimmed by the caller.
pub fn check_behaviour(
    input: &BehaviourInput,
    max_factor: f64,
) -> std::result::Result<(), (&'static str, Refusal)> {
    let f = input.factor;
    let bad = |field: &'static str, zh: String, en: String| {
        Err((field, Refusal::new(RefusalKind::Invalid, zh, en)))
    };
    if !f.is_finite() {
        return bad(
            "factor",
            "行为系数须为数字".into(),
            "the behaviour factor must be a number".into(),
        );
    }
    if !(0.0..=max_factor).contains(&f) {
        return bad(
            "factor",
            format!("行为系数 {f} 超出允许范围 0–{max_factor}"),
            format!("the behaviour factor {f} is outside the allowed range 0–{max_factor}"),
        );
    }
    for (text, field, zh) in [
        (&input.acts, "acts", "突出表现"),
        (&input.violation, "violation", "严重违规"),
    ] {
        let n = text.chars().count();
        if n > NOTE_CHARS {
            return bad(
                field,
                format!("{zh}过长：{n} 个字符，最多 {NOTE_CHARS} 个"),
                format!("{field} is too long: {n} characters, at most {NOTE_CHARS}"),
            );
        }
    }
    if !input.violation.is_empty() {
        if f > 0.0 {
            return bad(
                "factor",
                format!(
                    "有严重违规（违法、严重违纪、工作事故或严重工作失误）时本月行为系数为 0，不能评定为 {f}"
                ),
                format!(
                    "with a serious violation (breaking the law, a serious breach of rules, a work accident or a serious work error) the month's behaviour factor is 0, not {f}"
                ),
            );
        }
        if !input.acts.is_empty() {
            return bad(
                "acts",
                "有严重违规的月份不计突出表现：请清空突出表现".into(),
                "in a month with a serious violation no outstanding acts count: leave acts empty"
                    .into(),
            );
        }
    }
    if f > 1.0 && input.acts.is_empty() {
        return bad(
            "acts",
            format!("行为系数 {f} 高于 1.0，须填写支持该系数的突出表现"),
            format!(
                "a behaviour factor above 1.0 ({f}) needs the outstanding acts that justify it (acts)"
            ),
        );
    }
    Ok(())
}

/// A stored row: factor, serious violation, note, assessor, when.
type StoredRow = (f64, bool, String, Option<i64>, DateTime<Utc>);

/// A factor that passed every rule, ready to write.
pub(crate) struct Checked {
    pub period: Period,
    pub employee: i64,
    assessor: i64,
    input: BehaviourInput,
}

/// Why a factor was refused: the field it concerns (`employee_id`, `factor`, `acts`,
/// `violation`) and the error.
pub(crate) type FieldRefusal = (&'static str, StoreError);

impl Store {
    /// Records a person's behaviour factor for `period` (see the module documentation for the
    /// rules). Only the superior or HR, only while the cycle is open or in rating (so a
    /// consolidated or published result cannot change this way), and only for a person whose
    /// scheme is performance × behaviour. Audited with the values before and after.
    pub async fn record_behaviour(
        &self,
        viewer: &Viewer,
        period: Period,
        employee: i64,
        input: &BehaviourInput,
    ) -> Result<()> {
        let checked = self
            .check_behaviour_of(viewer, period, employee, input)
            .await
            .map_err(|(_, e)| e)?;
        let mut tx = self.begin().await?;
        write_behaviour(&mut tx, viewer, &checked).await?;
        tx.commit().await
    }

    /// Every rule of [`Store::record_behaviour`], without writing.
    pub(crate) async fn check_behaviour_of(
        &self,
        viewer: &Viewer,
        period: Period,
        employee: i64,
        input: &BehaviourInput,
    ) -> std::result::Result<Checked, FieldRefusal> {
        let on_person = |e: StoreError| ("employee_id", e);
        let actor = self.actor_for(viewer, employee).await.map_err(on_person)?;
        if actor.is_subject || !(actor.is_superior_of_subject || actor.role == Role::Hr) {
            return Err(on_person(refuse(
                RefusalKind::WrongRole,
                "行为系数由被考核者的上级或人力资源部评定",
                "the behaviour factor is given by the subject's superior or HR",
            )));
        }
        let row = self.cycle_row(period, employee).await.map_err(on_person)?;
        let max_factor = self
            .behaviour_max(&row.scheme_code)
            .await
            .map_err(on_person)?;
        stage_allows(&row).map_err(on_person)?;
        let input = BehaviourInput {
            factor: input.factor,
            acts: input.acts.trim().to_string(),
            violation: input.violation.trim().to_string(),
        };
        check_behaviour(&input, max_factor)
            .map_err(|(field, r)| (field, StoreError::Refused(Box::new(r))))?;
        Ok(Checked {
            period,
            employee,
            assessor: actor.employee_id,
            input,
        })
    }

    /// The highest behaviour factor of scheme `code`; refused when the scheme has no
    /// behaviour factor.
    async fn behaviour_max(&self, code: &str) -> Result<f64> {
        let lib = self.library().await?;
        let scheme = lib.library.scheme(code);
        match scheme.map(|s| &s.composition) {
            Some(Composition::Behaviour { max_factor }) => Ok(*max_factor),
            _ => {
                let (zh, en) = scheme.map_or((code, code), |s| (&s.name_zh, &s.name_en));
                Err(refuse(
                    RefusalKind::Invalid,
                    format!("考核方案「{zh}」不使用行为系数（只有绩效 × 行为系数的方案才评定）"),
                    format!(
                        "the scheme {en} has no behaviour factor (only performance × behaviour schemes have one)"
                    ),
                ))
            }
        }
    }

    /// The highest behaviour factor of the person's scheme in `period`, or `None` when their
    /// scheme has no behaviour factor (or they have no cycle): whether the cycle page shows
    /// the behaviour form.
    pub async fn behaviour_max_factor(&self, period: Period, employee: i64) -> Result<Option<f64>> {
        let row = match self.cycle_row(period, employee).await {
            Ok(r) => r,
            Err(StoreError::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let lib = self.library().await?;
        Ok(
            match lib.library.scheme(&row.scheme_code).map(|s| &s.composition) {
                Some(Composition::Behaviour { max_factor }) => Some(*max_factor),
                _ => None,
            },
        )
    }

    /// The stored behaviour factor of a person's month, if given. Visible to whoever sees the
    /// person's cycle (their data scope, themselves) and to their superiors.
    pub async fn behaviour(
        &self,
        viewer: &Viewer,
        period: Period,
        employee: i64,
    ) -> Result<Option<BehaviourRecord>> {
        if let Err(e) = self.cycle(viewer, period, employee).await {
            let superior = match viewer.employee_id {
                Some(me) => self.supervisor_chain(employee).await?.contains(&me),
                None => false,
            };
            if !superior {
                return Err(e);
            }
        }
        let mut sql = Sql::new(
            "SELECT factor, serious_violation, note, assessor_id, assessed_at FROM behaviour_assessments WHERE period = ",
        );
        sql.bind(period.to_string())
            .push(" AND employee_id = ")
            .bind(employee);
        let row: Option<StoredRow> = self.fetch_optional(&sql).await?;
        Ok(
            row.map(|(factor, serious, note, assessor_id, assessed_at)| {
                let (acts, violation) = if serious {
                    (String::new(), note)
                } else {
                    (note, String::new())
                };
                BehaviourRecord {
                    period: period.to_string(),
                    employee_id: employee,
                    factor,
                    serious_violation: serious,
                    acts,
                    violation,
                    assessor_id,
                    assessed_at,
                }
            }),
        )
    }
}

/// Refused unless the cycle is open or in rating: from consolidation on, the result is HR's
/// and the committee's, and a factor given then would change nothing or a published score.
fn stage_allows(row: &super::CycleRow) -> Result<()> {
    let stage = row.state()?.stage();
    if matches!(stage, Stage::Open | Stage::Rating) {
        return Ok(());
    }
    Err(refuse(
        RefusalKind::WrongState,
        format!("当前阶段为「{}」，不能评定行为系数", stage.name_zh()),
        format!(
            "the cycle is {}; the behaviour factor cannot change now",
            stage.name_en()
        ),
    ))
}

/// Writes a checked factor and its audit entry (the values before and after) in `tx`. The
/// cycle is locked and its stage checked again, so a consolidation that committed since the
/// check is not followed by a factor it did not count.
pub(crate) async fn write_behaviour(tx: &mut Tx, viewer: &Viewer, c: &Checked) -> Result<()> {
    let (period, employee, input) = (c.period, c.employee, &c.input);
    stage_allows(&super::lock_cycle(tx, period, employee).await?)?;
    let serious = !input.violation.is_empty();
    let note = if serious {
        &input.violation
    } else {
        &input.acts
    };
    let mut old = Sql::new(
        "SELECT factor, serious_violation, note FROM behaviour_assessments WHERE period = ",
    );
    old.bind(period.to_string())
        .push(" AND employee_id = ")
        .bind(employee);
    let before: Vec<(f64, bool, String)> = tx.fetch_all(&old).await?;
    let mut sql = Sql::new(
        "INSERT INTO behaviour_assessments (period, employee_id, factor, serious_violation, note, assessor_id, assessed_at) VALUES (",
    );
    sql.bind(period.to_string())
        .push(", ")
        .bind(employee)
        .push(", ")
        .bind(input.factor)
        .push(", ")
        .bind(serious);
    sql.push(", ")
        .bind(note.as_str())
        .push(", ")
        .bind(c.assessor)
        .push(", ")
        .bind(Utc::now());
    sql.push(
        ") ON CONFLICT (period, employee_id) DO UPDATE SET factor = excluded.factor, \
         serious_violation = excluded.serious_violation, note = excluded.note, \
         assessor_id = excluded.assessor_id, assessed_at = excluded.assessed_at",
    );
    tx.run(&sql).await?;
    let json = |factor: f64, serious: bool, note: &str| serde_json::json!({ "factor": factor, "serious_violation": serious, "note": note });
    tx.audit(
        viewer,
        AuditEntry {
            action: if before.is_empty() {
                "create"
            } else {
                "update"
            },
            entity: "behaviour",
            entity_id: format!("{period}/{employee}"),
            before: before.first().map(|(f, s, n)| json(*f, *s, n)),
            after: Some(json(input.factor, serious, note)),
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(factor: f64, acts: &str, violation: &str) -> BehaviourInput {
        BehaviourInput {
            factor,
            acts: acts.into(),
            violation: violation.into(),
        }
    }

    #[test]
    fn the_range_is_0_to_the_schemes_maximum_and_the_message_names_both() {
        assert!(check_behaviour(&input(0.0, "", ""), 1.2).is_ok());
        assert!(check_behaviour(&input(1.0, "", ""), 1.2).is_ok());
        assert!(check_behaviour(&input(1.2, "签下大单", ""), 1.2).is_ok());
        let (field, r) = check_behaviour(&input(1.3, "签下大单", ""), 1.2).unwrap_err();
        assert_eq!(field, "factor");
        assert_eq!(r.zh, "行为系数 1.3 超出允许范围 0–1.2");
        assert!(r.en.contains("1.3") && r.en.contains("0–1.2"), "{}", r.en);
        let (_, r) = check_behaviour(&input(-0.1, "", ""), 1.2).unwrap_err();
        assert_eq!(r.zh, "行为系数 -0.1 超出允许范围 0–1.2");
        assert!(check_behaviour(&input(f64::NAN, "", ""), 1.2).is_err());
    }

    #[test]
    fn above_one_needs_acts_and_a_violation_needs_zero_without_acts() {
        assert_eq!(
            check_behaviour(&input(1.1, "", ""), 1.2).unwrap_err().0,
            "acts"
        );
        assert!(check_behaviour(&input(0.0, "", "醉驾"), 1.2).is_ok());
        assert!(check_behaviour(&input(0.8, "", "醉驾"), 1.2).is_err());
        assert!(check_behaviour(&input(0.0, "签下大单", "醉驾"), 1.2).is_err());
        let long = "长".repeat(NOTE_CHARS + 1);
        assert!(check_behaviour(&input(1.1, &long, ""), 1.2).is_err());
    }
}
