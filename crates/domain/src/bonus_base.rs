//! Bonus bases (绩效奖金基数, seed 002: "根据公司业绩情况和薪酬政策确定"): HR sets them for the
//! whole company, a position, a level or one person, each from a month on. A change is a new
//! rule from a later month, so the base of every past month stays as it was paid.
//!
//! **The base in force** for a person in a month: their own rule, else their level's, else
//! their position's, else the company's; of each, the rule with the latest month on or before
//! the month asked for. A quarter's or a year's bonus uses the base in force in its last month.

#![warn(missing_docs)]
use crate::money::Cents;
use crate::period::Period;
use serde::{Deserialize, Serialize};

/// The highest base a rule may set: 10,000,000 yuan (a typo guard; no seed names an amount).
pub const MAX_BASE: Cents = Cents(1_000_000_000);

/// Whom a bonus base applies to, most general first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaseScope {
    /// Everyone without a more particular rule.
    Company,
    /// The people holding a position (岗位), by its code.
    Position,
    /// The people at a career level (职级), by its code.
    Level,
    /// One person, by their employee number (工号).
    Person,
}

impl BaseScope {
    /// Every scope, most general first.
    pub const ALL: [BaseScope; 4] = [
        BaseScope::Company,
        BaseScope::Position,
        BaseScope::Level,
        BaseScope::Person,
    ];

    /// The stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            BaseScope::Company => "company",
            BaseScope::Position => "position",
            BaseScope::Level => "level",
            BaseScope::Person => "person",
        }
    }

    /// The Chinese name (as in an import file).
    pub fn zh(self) -> &'static str {
        match self {
            BaseScope::Company => "公司",
            BaseScope::Position => "岗位",
            BaseScope::Level => "职级",
            BaseScope::Person => "个人",
        }
    }

    /// A scope from its code or its Chinese name.
    pub fn parse(text: &str) -> Result<BaseScope, String> {
        let t = text.trim();
        BaseScope::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(t) || s.zh() == t)
            .ok_or_else(|| {
                format!(
                    "`{t}` is not a scope: company (公司), position (岗位), level (职级) or person (个人)"
                )
            })
    }
}

/// A bonus base HR set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaseRule {
    /// Whom it applies to.
    pub scope: BaseScope,
    /// The position or level code or the employee number; empty for the company.
    pub subject: String,
    /// The first month it applies to.
    pub from: Period,
    /// The base.
    pub base: Cents,
}

impl BaseRule {
    /// What is wrong with the rule, each with the field it concerns (`from`, `base` or
    /// `subject`); `known` says whether a position, level or person code exists. Empty when it
    /// is valid.
    pub fn problems(&self, known: &dyn Fn(BaseScope, &str) -> bool) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if !matches!(self.from, Period::Month { .. }) {
            out.push((
                "from",
                format!(
                    "from `{}` is not a month such as 2026-10 (生效月份须为月份)",
                    self.from
                ),
            ));
        }
        if self.base.0 < 0 || self.base > MAX_BASE {
            out.push((
                "base",
                format!(
                    "the base {} is outside 0 to {MAX_BASE} yuan (基数超出范围)",
                    self.base
                ),
            ));
        }
        match (self.scope, self.subject.trim()) {
            (BaseScope::Company, "") => {}
            (BaseScope::Company, s) => out.push((
                "subject",
                format!("a company-wide base names nobody, not `{s}` (公司基数不填对象)"),
            )),
            (scope, "") => out.push((
                "subject",
                format!(
                    "a {} base needs the {} it applies to (缺少{}代码)",
                    scope.as_str(),
                    subject_name(scope),
                    scope.zh()
                ),
            )),
            (scope, s) if !known(scope, s) => out.push((
                "subject",
                format!("unknown {} `{s}` (未知{})", subject_name(scope), scope.zh()),
            )),
            _ => {}
        }
        out
    }
}

fn subject_name(scope: BaseScope) -> &'static str {
    match scope {
        BaseScope::Company => "company",
        BaseScope::Position => "position code",
        BaseScope::Level => "level code",
        BaseScope::Person => "employee number",
    }
}

/// What a person is, for finding their base.
#[derive(Debug, Clone, Copy)]
pub struct BaseKeys<'a> {
    /// Employee number (工号).
    pub employee: &'a str,
    /// Position code.
    pub position: Option<&'a str>,
    /// Level code.
    pub level: Option<&'a str>,
}

/// The rule in force for `who` in `month` (see the module documentation); `None` when no rule
/// reaches them.
pub fn base_in_force<'r>(
    rules: &'r [BaseRule],
    who: BaseKeys,
    month: Period,
) -> Option<&'r BaseRule> {
    let month = Period::month_of(month.end());
    let subject = |scope: BaseScope| match scope {
        BaseScope::Company => Some(""),
        BaseScope::Position => who.position,
        BaseScope::Level => who.level,
        BaseScope::Person => Some(who.employee),
    };
    BaseScope::ALL.into_iter().rev().find_map(|scope| {
        let wanted = subject(scope)?;
        rules
            .iter()
            .filter(|r| r.scope == scope && r.subject == wanted && r.from <= month)
            .max_by_key(|r| r.from)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Period {
        Period::parse(text).unwrap()
    }

    fn rule(scope: BaseScope, subject: &str, from: &str, yuan: i64) -> BaseRule {
        BaseRule {
            scope,
            subject: subject.into(),
            from: p(from),
            base: Cents::yuan(yuan),
        }
    }

    const REP: BaseKeys<'static> = BaseKeys {
        employee: "E001",
        position: Some("sales_rep"),
        level: Some("L2"),
    };

    #[test]
    fn the_most_particular_rule_in_force_wins_from_its_month_on() {
        let rules = [
            rule(BaseScope::Company, "", "2026-01", 2000),
            rule(BaseScope::Position, "sales_rep", "2026-06", 2500),
            rule(BaseScope::Level, "L2", "2026-09", 2800),
            rule(BaseScope::Person, "E001", "2026-11", 3500),
            rule(BaseScope::Person, "E002", "2026-01", 9000),
        ];
        let base = |month: &str| base_in_force(&rules, REP, p(month)).map(|r| r.base);
        assert_eq!(base("2025-12"), None, "before any rule");
        assert_eq!(base("2026-05"), Some(Cents::yuan(2000)));
        assert_eq!(base("2026-06"), Some(Cents::yuan(2500)), "from its month");
        assert_eq!(base("2026-08"), Some(Cents::yuan(2500)));
        assert_eq!(
            base("2026-09"),
            Some(Cents::yuan(2800)),
            "the level over the position"
        );
        assert_eq!(base("2026-10"), Some(Cents::yuan(2800)));
        assert_eq!(
            base("2026-11"),
            Some(Cents::yuan(3500)),
            "the person over all"
        );
        // A quarter or a year: the base in force in its last month.
        assert_eq!(base("2026-Q3"), Some(Cents::yuan(2800)));
        assert_eq!(base("2026"), Some(Cents::yuan(3500)));
    }

    #[test]
    fn a_later_rule_of_the_same_scope_replaces_the_earlier_from_its_month() {
        let rules = [
            rule(BaseScope::Company, "", "2026-01", 2000),
            rule(BaseScope::Company, "", "2026-07", 2200),
        ];
        let nobody = BaseKeys {
            employee: "E9",
            position: None,
            level: None,
        };
        let base = |month: &str| base_in_force(&rules, nobody, p(month)).map(|r| r.base.0);
        assert_eq!(base("2026-06"), Some(200_000));
        assert_eq!(base("2026-07"), Some(220_000));
    }

    #[test]
    fn a_bad_rule_names_every_problem() {
        let known = |scope: BaseScope, s: &str| scope == BaseScope::Position && s == "sales_rep";
        assert!(
            rule(BaseScope::Position, "sales_rep", "2026-10", 3000)
                .problems(&known)
                .is_empty()
        );
        let bad = BaseRule {
            scope: BaseScope::Position,
            subject: "nobody".into(),
            from: p("2026-Q4"),
            base: Cents(-1),
        };
        let problems = bad.problems(&known);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert_eq!(problems[0].0, "from");
        assert!(problems[0].1.contains("2026-Q4"));
        assert_eq!(problems[1].0, "base");
        assert!(problems[1].1.contains("-0.01"));
        assert_eq!(problems[2].0, "subject");
        assert!(problems[2].1.contains("unknown position code `nobody`"));
        let company = rule(BaseScope::Company, "E001", "2026-10", 1);
        assert!(company.problems(&known)[0].1.contains("names nobody"));
        let person = rule(BaseScope::Person, "", "2026-10", 1);
        assert!(
            person.problems(&known)[0]
                .1
                .contains("needs the employee number")
        );
        let huge = rule(BaseScope::Company, "", "2026-10", 10_000_001);
        assert_eq!(huge.problems(&known).len(), 1);
        assert_eq!(BaseScope::parse("岗位"), Ok(BaseScope::Position));
        assert_eq!(BaseScope::parse(" Person "), Ok(BaseScope::Person));
        assert!(BaseScope::parse("team").unwrap_err().contains("`team`"));
    }
}
