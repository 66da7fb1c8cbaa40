//! A formula's value for one person and period before it is saved: the formula editor's
//! preview. The same path as a live scorecard line — the person's measures, targets, last
//! period's values and working days — but for a formula that is not (yet) in the library, so
//! its measures are read from the person's records (a preview registers no roll-up).

use super::measures::{self, Source, Wanted};
use super::{EvalRequest, base_context, fill_prev_values_of, person_values};
use crate::{Result, Store, StoreError, Viewer};
use kaohe_domain::formula::{CompiledFormula, PeriodOffset};
use kaohe_domain::period::Period;
use serde::Serialize;

/// A formula evaluated for one person and period.
#[derive(Debug, Clone, Serialize)]
pub struct FormulaPreview {
    pub period: String,
    pub employee_id: i64,
    pub employee_code: String,
    pub name: String,
    /// `None`: not applicable (a zero denominator, a missing target).
    pub value: Option<f64>,
    /// The parts of `a / b` (or `a / b * k`), when the formula has that form.
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    /// The target `target()` reads: the person's own for the indicator, else the library's.
    pub target: Option<f64>,
    /// Working days of the period in the company calendar (`working_days()`).
    pub working_days: u32,
}

impl Store {
    /// Evaluates `formula` for `employee` over `period`, as the scorecard line of indicator
    /// `indicator` (whose target `target()` reads) would. HR and administrators only; a
    /// person outside the viewer's scope is not found.
    pub async fn preview_formula(
        &self,
        viewer: &Viewer,
        formula: &CompiledFormula,
        indicator: Option<&str>,
        period: Period,
        employee: i64,
    ) -> Result<FormulaPreview> {
        crate::admin::require_admin(viewer, "the formula preview")?;
        let person = self.employee(viewer, employee).await?;
        let lib = self.library().await?.library;
        let ind = match indicator.filter(|c| !c.is_empty()) {
            None => None,
            Some(code) => Some(lib.indicator(code).ok_or_else(|| StoreError::Invalid {
                field: "indicator".into(),
                message: format!("no indicator has the code `{code}`"),
            })?),
        };
        let cal = self.calendar(period.start()).await?;
        let mut wanted: Vec<Wanted> = Vec::new();
        let mut add = |w: Wanted| {
            let seen = wanted
                .iter()
                .any(|x| x.offset == w.offset && x.measure.key() == w.measure.key());
            if !seen {
                wanted.push(w);
            }
        };
        for r in formula.requests() {
            add(Wanted {
                measure: r.measure.clone(),
                offset: r.offset,
            });
        }
        // prev(indicator): that indicator's measures over the previous period.
        let referenced = formula.prev_indicator_refs();
        for code in &referenced {
            if let Some(f) = lib.indicator(code).and_then(|i| i.formula()) {
                for r in f.requests() {
                    if r.offset == PeriodOffset::Current {
                        add(Wanted {
                            measure: r.measure.clone(),
                            offset: PeriodOffset::Previous,
                        });
                    }
                }
            }
        }
        let computed = measures::compute(
            self,
            viewer,
            &wanted,
            period,
            Some(employee),
            &cal,
            Source::Records,
        )
        .await?;
        let prev_codes = referenced.iter().cloned().collect();
        let mut inputs = self
            .period_inputs(period, Some(employee), &prev_codes)
            .await?;
        let group_refs = formula.group_target_refs().into_iter().collect();
        inputs.group_targets = self
            .group_targets(period, Some(employee), &group_refs)
            .await?;
        let wd = cal.working_days_between(period.start(), period.end_exclusive());
        let pwd = cal.working_days_between(period.prev().start(), period.prev().end_exclusive());
        let values = person_values(&wanted, &computed, employee);
        let mut ctx = base_context(&inputs, employee, wd, pwd);
        let scopes = formula.member_result_scopes();
        if !scopes.is_empty() {
            // As on the leader's own card: the stored results of the people led, or everyone's
            // live ones when one of them has none.
            let led = self.led().await?;
            let req = EvalRequest {
                period,
                scheme: None,
                employee: Some(employee),
            };
            let totals = self
                .member_totals(viewer, &req, Source::Rollups, &led, &[(employee, scopes)])
                .await?;
            ctx.member_results = led
                .member_results(&totals)
                .remove(&employee)
                .unwrap_or_default();
        }
        // As on a scorecard: a value of last period's stored scorecard first, else the
        // referenced indicator's formula over last period's records.
        fill_prev_values_of(&lib, referenced, &values, &mut ctx);
        let personal = ind.and_then(|i| ctx.targets.get(&i.code).copied());
        ctx.target = personal.or(ind.and_then(|i| i.target));
        let eval = formula.evaluate(&values, &ctx);
        Ok(FormulaPreview {
            period: period.to_string(),
            employee_id: employee,
            employee_code: person.code,
            name: person.name,
            value: eval.value,
            numerator: eval.numerator,
            denominator: eval.denominator,
            target: ctx.target,
            working_days: wd,
        })
    }
}
