//! Performance bonus (绩效奖金, SPEC §5): bonus base × the coefficient of the person's score,
//! per person and period, and the rows finance pays from (payroll export).
//!
//! **Rounding**: the coefficient is taken to 4 decimals (1.5 → 15000 ten-thousandths; every
//! configured coefficient has at most 2), the product with the base in cents is computed
//! exactly in integers, and the result is rounded half away from zero to the cent. Floats never
//! hold money.

#![warn(missing_docs)]
use crate::awards::{ConfirmedAward, Recipient};
use crate::composition::{bonus_coefficient, to_hundredths};
use crate::cycle::ResultVersion;
use crate::money::Cents;
use crate::org::EmployeeId;
use crate::period::Period;
use crate::scheme::Scheme;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `base × coefficient` in cents, rounded half away from zero; `None` for a negative base or
/// a coefficient that is negative or not a number.
pub fn performance_bonus(base: Cents, coefficient: f64) -> Option<Cents> {
    if base.0 < 0 || !coefficient.is_finite() || coefficient < 0.0 {
        return None;
    }
    let ten_thousandths = (coefficient * 10_000.0).round() as i128;
    let product = i128::from(base.0) * ten_thousandths;
    let cents = (product + 5_000) / 10_000;
    i64::try_from(cents).ok().map(Cents)
}

/// Who is paid, as payroll knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payee {
    /// The person.
    pub employee_id: EmployeeId,
    /// Employee number (工号).
    pub employee_no: String,
    /// Name.
    pub name: String,
}

/// One person's performance bonus for a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BonusLine {
    /// Who.
    pub payee: Payee,
    /// The period.
    pub period: Period,
    /// The result version it is computed from (a corrected result gives a new line).
    pub result_version: u32,
    /// The score, rounded to 2 decimals as shown.
    pub score: f64,
    /// The grade code.
    pub grade: String,
    /// The coefficient.
    pub coefficient: f64,
    /// The bonus base (绩效奖金基数).
    pub base: Cents,
    /// base × coefficient.
    pub bonus: Cents,
}

impl BonusLine {
    /// The bonus from a published result: its coefficient times the base.
    pub fn from_result(
        payee: Payee,
        period: Period,
        result: &ResultVersion,
        base: Cents,
    ) -> Option<BonusLine> {
        let r = &result.result;
        Some(BonusLine {
            payee,
            period,
            result_version: result.version,
            score: to_hundredths(r.score)? as f64 / 100.0,
            grade: r.grade.clone(),
            coefficient: r.coefficient,
            base,
            bonus: performance_bonus(base, r.coefficient)?,
        })
    }
}

/// The coefficient a scheme gives a score (its bonus bands, after rounding to 2 decimals).
pub fn coefficient_for(scheme: &Scheme, score: f64) -> Option<f64> {
    bonus_coefficient(&scheme.bonus, score)
}

/// One payroll row (工资表明细): one amount for one person and one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayrollRow {
    /// Employee number, or `team:<id>` for an award to a team (split before payout).
    pub employee_no: String,
    /// Name.
    pub name: String,
    /// The period, `2026-10`.
    pub period: String,
    /// `performance_bonus` or the award's code.
    pub item: String,
    /// The item's Chinese name.
    pub item_zh: String,
    /// The amount.
    pub amount: Cents,
    /// Why (score and coefficient, or the award's basis).
    pub basis: String,
}

/// The column names of a payroll export, in order.
pub const PAYROLL_HEADER: [&str; 7] = [
    "employee_no",
    "name",
    "period",
    "item",
    "item_zh",
    "amount",
    "basis",
];

impl PayrollRow {
    /// The row's fields in [`PAYROLL_HEADER`] order; the amount in yuan with 2 decimals.
    pub fn fields(&self) -> [String; 7] {
        [
            self.employee_no.clone(),
            self.name.clone(),
            self.period.clone(),
            self.item.clone(),
            self.item_zh.clone(),
            self.amount.to_string(),
            self.basis.clone(),
        ]
    }
}

/// Payroll rows for a period: every performance bonus, then every confirmed award, each
/// sorted by employee number so exports are stable. Awards to people missing from `people`
/// keep the employee id as the number so nothing is dropped silently.
pub fn payroll_rows(
    period: Period,
    bonuses: &[BonusLine],
    awards: &[ConfirmedAward],
    people: &BTreeMap<EmployeeId, Payee>,
) -> Vec<PayrollRow> {
    let mut rows: Vec<PayrollRow> = bonuses
        .iter()
        .filter(|b| b.period == period)
        .map(|b| PayrollRow {
            employee_no: b.payee.employee_no.clone(),
            name: b.payee.name.clone(),
            period: period.to_string(),
            item: "performance_bonus".into(),
            item_zh: "绩效奖金".into(),
            amount: b.bonus,
            basis: format!(
                "{:.2} 分 {} × {} = {}（v{}）",
                b.score, b.base, b.coefficient, b.bonus, b.result_version
            ),
        })
        .collect();
    rows.sort_by(|a, b| a.employee_no.cmp(&b.employee_no));
    let mut award_rows: Vec<PayrollRow> = awards
        .iter()
        .map(|a| {
            let (no, name) = match a.candidate.recipient {
                Recipient::Person(id) => people.get(&id).map_or_else(
                    || (id.to_string(), String::new()),
                    |p| (p.employee_no.clone(), p.name.clone()),
                ),
                Recipient::Team(id) => (format!("team:{id}"), String::new()),
            };
            PayrollRow {
                employee_no: no,
                name,
                period: period.to_string(),
                item: a.candidate.award.clone(),
                item_zh: a.candidate.name_zh.clone(),
                amount: a.amount,
                basis: a.candidate.basis_zh.clone(),
            }
        })
        .collect();
    award_rows.sort_by(|a, b| (&a.employee_no, &a.item).cmp(&(&b.employee_no, &b.item)));
    rows.extend(award_rows);
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cycle::{AssessmentResult, VersionSource};
    use chrono::NaiveDate;

    #[test]
    fn the_bonus_is_base_times_coefficient_in_cents() {
        assert_eq!(
            performance_bonus(Cents::yuan(2000), 1.5),
            Some(Cents::yuan(3000))
        );
        assert_eq!(
            performance_bonus(Cents::yuan(2000), 0.8),
            Some(Cents::yuan(1600))
        );
        assert_eq!(performance_bonus(Cents(333_333), 1.2), Some(Cents(400_000)));
    }

    #[test]
    fn half_a_cent_rounds_away_from_zero() {
        // 0.05 yuan × 1.5 = 7.5 cents → 8; 0.03 × 0.5 = 1.5 → 2; 0.01 × 1.2 = 1.2 → 1.
        assert_eq!(performance_bonus(Cents(5), 1.5), Some(Cents(8)));
        assert_eq!(performance_bonus(Cents(3), 0.5), Some(Cents(2)));
        assert_eq!(performance_bonus(Cents(1), 1.2), Some(Cents(1)));
    }

    #[test]
    fn a_negative_base_or_coefficient_has_no_bonus() {
        assert_eq!(performance_bonus(Cents(-1), 1.0), None);
        assert_eq!(performance_bonus(Cents(1), -0.5), None);
        assert_eq!(performance_bonus(Cents(1), f64::NAN), None);
    }

    #[test]
    fn the_schemes_bands_give_the_coefficient_after_rounding() {
        let lib = crate::defaults::library();
        let scheme = lib.schemes().first().unwrap();
        assert_eq!(coefficient_for(scheme, 89.995), Some(1.5));
        assert_eq!(coefficient_for(scheme, 89.994), Some(1.2));
        assert_eq!(coefficient_for(scheme, 59.99), Some(0.5));
    }

    #[test]
    fn payroll_rows_list_bonuses_then_awards_sorted_by_employee_number() {
        let period = Period::parse("2026-10").unwrap();
        let payee = |id: EmployeeId, no: &str| Payee {
            employee_id: id,
            employee_no: no.into(),
            name: format!("P{id}"),
        };
        let version = |score: f64, coefficient: f64| ResultVersion {
            version: 2,
            result: AssessmentResult {
                score,
                grade: "good".into(),
                coefficient,
                lines: vec![],
            },
            made_on: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            source: VersionSource::Appeal { appeal_id: 1 },
        };
        let b1 = BonusLine::from_result(
            payee(1, "E2"),
            period,
            &version(85.004, 1.2),
            Cents::yuan(1000),
        )
        .unwrap();
        let b2 = BonusLine::from_result(
            payee(2, "E1"),
            period,
            &version(91.0, 1.5),
            Cents::yuan(1000),
        )
        .unwrap();
        assert_eq!((b1.score, b1.bonus), (85.0, Cents::yuan(1200)));
        let award = crate::awards::AwardCandidate {
            award: "first_deal".into(),
            name_zh: "头炮奖".into(),
            name_en: "First deal".into(),
            recipient: Recipient::Person(1),
            tier: None,
            amount: Some(Cents::yuan(100)),
            prize: None,
            basis_zh: "首单".into(),
            basis_en: "first".into(),
            tie_break: None,
        }
        .confirm(
            crate::roles::Role::Manager,
            9,
            None,
            NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
        )
        .unwrap();
        let people = BTreeMap::from([(1, payee(1, "E2"))]);
        let rows = payroll_rows(period, &[b1, b2], &[award], &people);
        let got: Vec<_> = rows
            .iter()
            .map(|r| (r.employee_no.as_str(), r.item.as_str(), r.amount))
            .collect();
        assert_eq!(
            got,
            vec![
                ("E1", "performance_bonus", Cents::yuan(1500)),
                ("E2", "performance_bonus", Cents::yuan(1200)),
                ("E2", "first_deal", Cents::yuan(100)),
            ]
        );
        assert_eq!(rows[0].fields()[5], "1500.00");
        assert_eq!(PAYROLL_HEADER.len(), rows[0].fields().len());
    }
}
