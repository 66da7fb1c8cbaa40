//! The career ladder (职级晋升与淘汰, SPEC §7; seed 004): levels, what months without a deal
//! lead to, promotion standards — all data (`crates/domain/defaults/ladder.toml`) — and the
//! monthly evaluation that turns signed contracts into recommendations a manager confirms or
//! rejects with a reason. The level history is kept per person.
//!
//! **A month without a deal** (未出单) is a whole calendar month, up to and including the
//! evaluated month, that lies entirely after the person's last signed contract (the month of a
//! deal never counts) and entirely at the current level (a level taken on the 1st counts that
//! month; taken on the 15th, counting starts the next month). So the count starts from the
//! later of the last deal and the day the level was taken, and a demotion or promotion
//! restarts it. Contracts signed after the evaluated month are ignored.
//!
//! The consequence applies when the count **reaches** the level's threshold (trainee and
//! consultant 6, senior 3, principal 1) and is recommended again each month while it stays
//! there and nobody confirmed it.
//!
//! **Grace** (达标期): instead of confirming a trainee's dismissal the supervisor may grant one
//! grace period (15 days) per stint at the level. While it runs nothing is recommended; a deal
//! within it resets the count; when it ends without a deal dismissal is recommended again,
//! without a second grace.

#![warn(missing_docs)]
use crate::awards::{read_doc, read_item};
use crate::cycle::{Actor, Refusal, RefusalKind};
use crate::library::{LibraryError, LibraryProblem};
use crate::money::Cents;
use crate::org::EmployeeId;
use crate::period::Period;
use crate::problem::Problem;
use crate::records::Contract;
use crate::roles::Role;
use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The shipped default ladder.
pub const LADDER_TOML: &str = include_str!("../defaults/ladder.toml");

// ---- the ladder as data ------------------------------------------------------------------------

/// What months without a deal lead to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum NoDeal {
    /// Demotion to the level `to`.
    Demote {
        /// The lower level's code.
        to: String,
    },
    /// Dismissal recommended (劝退), with an optional one-time grace period.
    Dismiss {
        /// Days of grace the supervisor may grant once instead (15).
        #[serde(default)]
        grace_days: Option<u32>,
    },
}

/// A promotion standard (晋升标准).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Promotion {
    /// The higher level's code.
    pub to: String,
    /// Over how many whole months (ending with the evaluated month, all at the level).
    pub months: u32,
    /// Signed amount needed over those months, whole yuan.
    pub min_signed_yuan: i64,
    /// Signed contracts needed over those months.
    #[serde(default)]
    pub min_deals: Option<u32>,
}

/// A level of the ladder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelDef {
    /// Stable code.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Position on the ladder, 1 = lowest.
    pub rank: u32,
    /// Base salary (底薪), whole yuan, when set.
    #[serde(default)]
    pub base_salary_yuan: Option<i64>,
    /// Months without a deal that trigger `on_no_deal`.
    #[serde(default)]
    pub months_without_deal: Option<u32>,
    /// What they trigger.
    #[serde(default)]
    pub on_no_deal: Option<NoDeal>,
    /// How to move up.
    #[serde(default)]
    pub promotion: Option<Promotion>,
}

impl LevelDef {
    /// The base salary in cents.
    pub fn base_salary(&self) -> Option<Cents> {
        self.base_salary_yuan.map(Cents::yuan)
    }
}

/// A validated career ladder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ladder {
    /// Stable code.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// The levels, lowest first.
    pub levels: Vec<LevelDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LadderDoc {
    code: String,
    name_zh: String,
    name_en: String,
    #[serde(default)]
    levels: Vec<toml::Spanned<toml::Value>>,
}

impl Ladder {
    /// Reads a ladder from TOML, reporting every problem with the file and line.
    pub fn from_toml(file: &str, text: &str) -> Result<Ladder, LibraryError> {
        let mut problems = Vec::new();
        let Some(doc) = read_doc::<LadderDoc>(file, text, &mut problems) else {
            return Err(LibraryError { problems });
        };
        let levels: Vec<(LevelDef, usize)> = doc
            .levels
            .into_iter()
            .filter_map(|i| read_item(file, text, "levels", i, &mut problems))
            .collect();
        let ladder = Ladder {
            code: doc.code,
            name_zh: doc.name_zh,
            name_en: doc.name_en,
            levels: levels.iter().map(|(l, _)| l.clone()).collect(),
        };
        let lines: Vec<usize> = levels.iter().map(|(_, l)| *l).collect();
        for (i, p) in ladder.problems() {
            problems.push(LibraryProblem {
                file: file.to_string(),
                line: Some(i.map_or(1, |i| lines[i])),
                column: None,
                problem: p,
            });
        }
        if problems.is_empty() {
            let mut ladder = ladder;
            ladder.levels.sort_by_key(|l| l.rank);
            Ok(ladder)
        } else {
            Err(LibraryError { problems })
        }
    }

    /// The shipped default (`defaults/ladder.toml`); the tests guarantee it loads.
    pub fn defaults() -> Ladder {
        Self::from_toml("ladder.toml", LADDER_TOML)
            .unwrap_or_else(|e| panic!("the shipped ladder is invalid:\n{e}"))
    }

    /// A level by code.
    pub fn level(&self, code: &str) -> Option<&LevelDef> {
        self.levels.iter().find(|l| l.code == code)
    }

    /// Every problem, with the index of the level it concerns.
    fn problems(&self) -> Vec<(Option<usize>, Problem)> {
        let mut out = Vec::new();
        let mut codes = BTreeSet::new();
        let mut ranks = BTreeSet::new();
        for (i, l) in self.levels.iter().enumerate() {
            let at = format!("levels[{}]", l.code);
            let mut push = |zh: String, en: String| out.push((Some(i), Problem::new(&at, zh, en)));
            if !codes.insert(l.code.as_str()) {
                push("职级代码重复".into(), "the level code is used twice".into());
            }
            if !ranks.insert(l.rank) {
                push("职级序号重复".into(), "the rank is used twice".into());
            }
            if l.months_without_deal.is_some() != l.on_no_deal.is_some() {
                push(
                    "months_without_deal 与 on_no_deal 须同时设定".into(),
                    "`months_without_deal` and `on_no_deal` go together".into(),
                );
            }
            if l.months_without_deal == Some(0)
                || l.promotion.as_ref().is_some_and(|p| p.months == 0)
            {
                push(
                    "月数至少为 1".into(),
                    "a number of months is at least 1".into(),
                );
            }
            let rank_of = |code: &str| self.levels.iter().find(|x| x.code == code).map(|x| x.rank);
            if let Some(NoDeal::Demote { to }) = &l.on_no_deal {
                match rank_of(to) {
                    None => push(format!("未知职级「{to}」"), format!("unknown level `{to}`")),
                    Some(r) if r >= l.rank => push(
                        format!("降级目标「{to}」不低于本职级"),
                        format!("demotion target `{to}` is not lower"),
                    ),
                    _ => {}
                }
            }
            if let Some(p) = &l.promotion {
                match rank_of(&p.to) {
                    None => push(
                        format!("未知职级「{}」", p.to),
                        format!("unknown level `{}`", p.to),
                    ),
                    Some(r) if r <= l.rank => push(
                        format!("晋升目标「{}」不高于本职级", p.to),
                        format!("promotion target `{}` is not higher", p.to),
                    ),
                    _ => {}
                }
            }
        }
        if self.levels.is_empty() {
            out.push((
                None,
                Problem::new("levels", "职级为空", "the ladder has no levels"),
            ));
        }
        out
    }

    /// Evaluates one person for one month.
    pub fn evaluate(&self, history: &LevelHistory, deals: &[Deal], month: Period) -> Evaluation {
        let end = month.end();
        let deals: Vec<&Deal> = deals.iter().filter(|d| d.signed_on <= end).collect();
        let mut eval = Evaluation {
            employee_id: history.employee_id,
            month,
            level: None,
            months_without_deal: 0,
            grace_running_until: None,
            recommendation: None,
        };
        let Some(entry) = history.entry_on(end) else {
            return eval;
        };
        eval.level = Some(entry.level.clone());
        let Some(level) = self.level(&entry.level) else {
            return eval;
        };
        let last_deal = deals.iter().map(|d| d.signed_on).max();
        eval.months_without_deal = months_without_deal(month, entry.since, last_deal);
        let recommend = |kind: RecommendationKind, zh: String, en: String| Recommendation {
            employee_id: history.employee_id,
            month,
            from_level: level.code.clone(),
            kind,
            basis_zh: zh,
            basis_en: en,
        };

        // A grace period granted in this stint decides first.
        if let Some(g) = history.grace_in_stint(entry) {
            let met = last_deal.is_some_and(|d| d >= g.granted_on);
            if !met {
                if end < g.until {
                    eval.grace_running_until = Some(g.until);
                    return eval;
                }
                eval.recommendation = Some(recommend(
                    RecommendationKind::Dismiss { grace_days: None },
                    format!(
                        "{} 达标期已于 {} 结束，仍未出单，建议劝退",
                        level.name_zh, g.until
                    ),
                    format!(
                        "the grace period ended on {} without a deal: dismissal recommended",
                        g.until
                    ),
                ));
                return eval;
            }
        }

        if let (Some(n), Some(action)) = (level.months_without_deal, &level.on_no_deal)
            && eval.months_without_deal >= n
        {
            let m = eval.months_without_deal;
            let (kind, zh, en) = match action {
                NoDeal::Demote { to } => {
                    let to_name = self.level(to).map_or(to.as_str(), |l| l.name_zh.as_str());
                    (
                        RecommendationKind::Demote { to: to.clone() },
                        format!(
                            "{} 连续 {m} 个月未出单（标准 {n} 个月），建议降级为{to_name}",
                            level.name_zh
                        ),
                        format!(
                            "{m} months without a deal (threshold {n}): demotion to `{to}` recommended"
                        ),
                    )
                }
                NoDeal::Dismiss { grace_days } => (
                    RecommendationKind::Dismiss {
                        grace_days: *grace_days,
                    },
                    format!(
                        "{} 连续 {m} 个月未出单（标准 {n} 个月），建议劝退",
                        level.name_zh
                    ),
                    format!("{m} months without a deal (threshold {n}): dismissal recommended"),
                ),
            };
            eval.recommendation = Some(recommend(kind, zh, en));
            return eval;
        }

        if let Some(p) = &level.promotion {
            let first = (1..p.months).fold(month, |m, _| m.prev());
            if entry.since <= first.start() {
                let window: Vec<&&Deal> = deals
                    .iter()
                    .filter(|d| d.signed_on >= first.start())
                    .collect();
                let signed = Cents(window.iter().map(|d| d.amount.0).sum());
                let count = window.len() as u32;
                if signed >= Cents::yuan(p.min_signed_yuan) && count >= p.min_deals.unwrap_or(0) {
                    eval.recommendation = Some(recommend(
                        RecommendationKind::Promote { to: p.to.clone() },
                        format!(
                            "{first} 至 {month} 签约 {count} 单共 {signed} 元，达到晋升标准（{} 个月 {} 元）",
                            p.months,
                            Cents::yuan(p.min_signed_yuan)
                        ),
                        format!(
                            "{first} to {month}: {count} contracts, {signed} yuan signed; meets the standard ({} months, {} yuan)",
                            p.months,
                            Cents::yuan(p.min_signed_yuan)
                        ),
                    ));
                }
            }
        }
        eval
    }

    /// A manager decides on a recommendation. Confirmed promotions and demotions take effect
    /// on `today`; a confirmed dismissal is recorded for HR; a grace period starts `today`.
    pub fn decide(
        &self,
        rec: &Recommendation,
        history: &LevelHistory,
        decision: Decision,
        actor: &Actor,
        today: NaiveDate,
    ) -> Result<(LevelHistory, DecisionOutcome), Refusal> {
        if actor.is_subject || !(actor.role == Role::Manager || actor.is_superior_of_subject) {
            return Err(Refusal::new(
                RefusalKind::WrongRole,
                "只有销售主管/经理可以确认职级建议",
                "only the sales supervisor or manager decides on ladder recommendations",
            ));
        }
        let Some(entry) = history
            .entry_on(today)
            .filter(|e| e.level == rec.from_level)
        else {
            return Err(Refusal::new(
                RefusalKind::WrongState,
                "此建议针对的职级已不是当前职级",
                "the recommendation concerns a level the person no longer holds",
            ));
        };
        if history.dismissed_on.is_some() {
            return Err(Refusal::new(
                RefusalKind::WrongState,
                "此人已被劝退",
                "the person has been dismissed",
            ));
        }
        let mut next = history.clone();
        let outcome = match (decision, &rec.kind) {
            (Decision::Reject { reason }, _) => {
                if reason.trim().is_empty() {
                    return Err(Refusal::empty("不采纳的理由", "the reason for rejecting"));
                }
                DecisionOutcome::Rejected { reason }
            }
            (
                Decision::Confirm,
                RecommendationKind::Promote { to } | RecommendationKind::Demote { to },
            ) => {
                let promoted = matches!(rec.kind, RecommendationKind::Promote { .. });
                let e = LevelEntry {
                    level: to.clone(),
                    since: today,
                    reason: if promoted {
                        ChangeReason::Promoted
                    } else {
                        ChangeReason::Demoted
                    },
                };
                next.entries.push(e.clone());
                DecisionOutcome::LevelChanged(e)
            }
            (Decision::Confirm, RecommendationKind::Dismiss { .. }) => {
                next.dismissed_on = Some(today);
                DecisionOutcome::Dismissed { on: today }
            }
            (
                Decision::GrantGrace,
                RecommendationKind::Dismiss {
                    grace_days: Some(days),
                },
            ) => {
                if history.grace_in_stint(entry).is_some() {
                    return Err(Refusal::new(
                        RefusalKind::Duplicate,
                        "达标期只能给予一次",
                        "the grace period is granted once only",
                    ));
                }
                let g = Grace {
                    level: entry.level.clone(),
                    granted_on: today,
                    until: today + Duration::days(i64::from(*days)),
                };
                next.graces.push(g.clone());
                DecisionOutcome::GraceGranted(g)
            }
            (Decision::GrantGrace, _) => {
                return Err(Refusal::new(
                    RefusalKind::Invalid,
                    "此建议不能给予达标期",
                    "no grace period can be granted on this recommendation",
                ));
            }
        };
        Ok((next, outcome))
    }
}

/// Whole calendar months without a deal, ending with `month`: those entirely on or after
/// `level_since` and entirely after `last_deal` (see the module documentation).
pub fn months_without_deal(
    month: Period,
    level_since: NaiveDate,
    last_deal: Option<NaiveDate>,
) -> u32 {
    let index = |d: NaiveDate| d.year() * 12 + d.month0() as i32;
    let from_level = if level_since.day() == 1 {
        index(level_since)
    } else {
        index(level_since) + 1
    };
    let from_deal = last_deal.map_or(i32::MIN, |d| index(d) + 1);
    let first = from_level.max(from_deal);
    let last = index(month.start());
    u32::try_from(last - first + 1).unwrap_or(0)
}

// ---- people ----------------------------------------------------------------------------------

/// A signed contract as the ladder sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deal {
    /// The signing day (company-local).
    pub signed_on: NaiveDate,
    /// The signed amount.
    pub amount: Cents,
}

impl Deal {
    /// A deal from a contract: only contracts with a signing day count (成交以合同签约为准).
    pub fn from_contract(c: &Contract) -> Option<Deal> {
        Some(Deal {
            signed_on: c.signed_day?,
            amount: Cents(c.amount_cents),
        })
    }
}

/// Why a level was taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeReason {
    /// On hiring or first placement.
    Placed,
    /// A confirmed promotion.
    Promoted,
    /// A confirmed demotion.
    Demoted,
}

/// One level held from `since`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelEntry {
    /// Level code.
    pub level: String,
    /// From this day.
    pub since: NaiveDate,
    /// Why.
    pub reason: ChangeReason,
}

/// A grace period (达标期).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grace {
    /// The level it was granted at.
    pub level: String,
    /// Granted on.
    pub granted_on: NaiveDate,
    /// Runs until (inclusive).
    pub until: NaiveDate,
}

/// A person's level history, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelHistory {
    /// The person.
    pub employee_id: EmployeeId,
    /// Levels held.
    pub entries: Vec<LevelEntry>,
    /// Grace periods granted.
    pub graces: Vec<Grace>,
    /// When a dismissal was confirmed.
    pub dismissed_on: Option<NaiveDate>,
}

impl LevelHistory {
    /// A history starting at `level` on `since`.
    pub fn placed(employee_id: EmployeeId, level: impl Into<String>, since: NaiveDate) -> Self {
        LevelHistory {
            employee_id,
            entries: vec![LevelEntry {
                level: level.into(),
                since,
                reason: ChangeReason::Placed,
            }],
            graces: Vec::new(),
            dismissed_on: None,
        }
    }

    /// The level held on `day`.
    pub fn entry_on(&self, day: NaiveDate) -> Option<&LevelEntry> {
        self.entries
            .iter()
            .filter(|e| e.since <= day)
            .max_by_key(|e| e.since)
    }

    /// The grace granted during the stint that began with `entry`, if any.
    fn grace_in_stint(&self, entry: &LevelEntry) -> Option<&Grace> {
        let next_since = self
            .entries
            .iter()
            .map(|e| e.since)
            .filter(|s| *s > entry.since)
            .min();
        self.graces.iter().find(|g| {
            g.level == entry.level
                && g.granted_on >= entry.since
                && next_since.is_none_or(|n| g.granted_on < n)
        })
    }
}

// ---- recommendations -------------------------------------------------------------------------

/// What is recommended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RecommendationKind {
    /// Promote to `to`.
    Promote {
        /// Level code.
        to: String,
    },
    /// Demote to `to`.
    Demote {
        /// Level code.
        to: String,
    },
    /// Dismiss (劝退); `grace_days` when the supervisor may still grant a grace period instead.
    Dismiss {
        /// Days of grace available.
        grace_days: Option<u32>,
    },
}

/// A recommendation a manager confirms or rejects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recommendation {
    /// The person.
    pub employee_id: EmployeeId,
    /// The month evaluated.
    pub month: Period,
    /// The level it concerns.
    pub from_level: String,
    /// What.
    pub kind: RecommendationKind,
    /// Why, in Chinese.
    pub basis_zh: String,
    /// Why, in English.
    pub basis_en: String,
}

/// One person's monthly evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    /// The person.
    pub employee_id: EmployeeId,
    /// The month.
    pub month: Period,
    /// The level held at the month's end.
    pub level: Option<String>,
    /// Whole months without a deal.
    pub months_without_deal: u32,
    /// A grace period is running until this day.
    pub grace_running_until: Option<NaiveDate>,
    /// The recommendation, if any.
    pub recommendation: Option<Recommendation>,
}

/// A manager's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    /// Confirm the recommendation.
    Confirm,
    /// Reject it; the reason is required.
    Reject {
        /// Why.
        reason: String,
    },
    /// Instead of dismissal, grant the one-time grace period.
    GrantGrace,
}

/// What a decision did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DecisionOutcome {
    /// A new level from a day.
    LevelChanged(LevelEntry),
    /// Dismissal confirmed (HR carries it out).
    Dismissed {
        /// On.
        on: NaiveDate,
    },
    /// Grace granted.
    GraceGranted(Grace),
    /// Rejected.
    Rejected {
        /// Why.
        reason: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }
    fn month(s: &str) -> Period {
        Period::parse(s).unwrap()
    }
    fn deal(y: i32, m: u32, day: u32, yuan: i64) -> Deal {
        Deal {
            signed_on: d(y, m, day),
            amount: Cents::yuan(yuan),
        }
    }
    fn manager() -> Actor {
        Actor {
            role: Role::Manager,
            employee_id: 2,
            is_subject: false,
            is_superior_of_subject: true,
        }
    }
    fn kind(l: &Ladder, h: &LevelHistory, deals: &[Deal], m: &str) -> Option<RecommendationKind> {
        l.evaluate(h, deals, month(m))
            .recommendation
            .map(|r| r.kind)
    }

    #[test]
    fn the_shipped_ladder_loads_with_the_seeds_thresholds() {
        let l = Ladder::defaults();
        let n: Vec<_> = l
            .levels
            .iter()
            .map(|x| (x.code.as_str(), x.months_without_deal))
            .collect();
        assert_eq!(
            n,
            vec![
                ("trainee", Some(6)),
                ("consultant", Some(6)),
                ("senior", Some(3)),
                ("principal", Some(1))
            ]
        );
        assert_eq!(
            l.level("trainee").unwrap().base_salary(),
            Some(Cents::yuan(1200))
        );
    }

    #[test]
    fn a_bad_ladder_names_the_file_line_and_level() {
        let text = "code = \"x\"\nname_zh = \"x\"\nname_en = \"x\"\n\n[[levels]]\ncode = \"a\"\nname_zh = \"a\"\nname_en = \"a\"\nrank = 1\nmonths_without_deal = 3\non_no_deal = { action = \"demote\", to = \"zz\" }\n";
        let err = Ladder::from_toml("ladder.toml", text).unwrap_err();
        assert!(
            err.to_string()
                .contains("ladder.toml:5: levels[a]: 未知职级「zz」"),
            "{err}"
        );
    }

    #[test]
    fn months_without_deal_start_from_the_later_of_the_last_deal_and_the_level_date() {
        // Level taken on the 1st: that month counts.
        assert_eq!(
            months_without_deal(month("2026-03"), d(2026, 3, 1), None),
            1
        );
        // Taken mid-month: counting starts the next month.
        assert_eq!(
            months_without_deal(month("2026-03"), d(2026, 3, 15), None),
            0
        );
        assert_eq!(
            months_without_deal(month("2026-04"), d(2026, 3, 15), None),
            1
        );
        // A deal's month never counts; a later deal wins over an earlier level date.
        assert_eq!(
            months_without_deal(month("2026-05"), d(2026, 1, 1), Some(d(2026, 3, 31))),
            2
        );
        assert_eq!(
            months_without_deal(month("2026-03"), d(2026, 1, 1), Some(d(2026, 3, 1))),
            0
        );
        // Across a year end.
        assert_eq!(
            months_without_deal(month("2027-02"), d(2026, 11, 1), None),
            4
        );
    }

    #[test]
    fn a_trainee_is_recommended_for_dismissal_at_6_months_not_5() {
        let l = Ladder::defaults();
        let h = LevelHistory::placed(1, "trainee", d(2026, 1, 1));
        assert_eq!(kind(&l, &h, &[], "2026-05"), None);
        assert_eq!(
            kind(&l, &h, &[], "2026-06"),
            Some(RecommendationKind::Dismiss {
                grace_days: Some(15)
            })
        );
    }

    #[test]
    fn a_consultant_is_demoted_to_trainee_at_6_months_not_5() {
        let l = Ladder::defaults();
        let h = LevelHistory::placed(1, "consultant", d(2026, 1, 10));
        // Taken on the 10th: February is the first whole month.
        assert_eq!(kind(&l, &h, &[], "2026-06"), None);
        assert_eq!(
            kind(&l, &h, &[], "2026-07"),
            Some(RecommendationKind::Demote {
                to: "trainee".into()
            })
        );
    }

    #[test]
    fn a_senior_is_demoted_at_3_months_not_2() {
        let l = Ladder::defaults();
        let h = LevelHistory::placed(1, "senior", d(2025, 6, 1));
        let deals = [deal(2026, 3, 10, 900_000)];
        assert_eq!(kind(&l, &h, &deals, "2026-05"), None);
        assert_eq!(
            kind(&l, &h, &deals, "2026-06"),
            Some(RecommendationKind::Demote {
                to: "consultant".into()
            })
        );
    }

    #[test]
    fn a_principal_is_demoted_after_1_month_not_0() {
        let l = Ladder::defaults();
        let h = LevelHistory::placed(1, "principal", d(2025, 6, 1));
        let deals = [deal(2026, 5, 31, 900_000)];
        assert_eq!(kind(&l, &h, &deals, "2026-05"), None);
        assert_eq!(
            kind(&l, &h, &deals, "2026-06"),
            Some(RecommendationKind::Demote {
                to: "senior".into()
            })
        );
        // A deal after the evaluated month does not rescue it.
        let later = [deal(2026, 5, 31, 900_000), deal(2026, 7, 1, 1)];
        assert!(kind(&l, &h, &later, "2026-06").is_some());
    }

    #[test]
    fn a_confirmed_demotion_restarts_the_count_and_is_kept_in_the_history() {
        let l = Ladder::defaults();
        let h = LevelHistory::placed(1, "principal", d(2026, 1, 1));
        let rec = l
            .evaluate(&h, &[], month("2026-01"))
            .recommendation
            .unwrap();
        let (h2, out) = l
            .decide(&rec, &h, Decision::Confirm, &manager(), d(2026, 2, 2))
            .unwrap();
        assert!(matches!(out, DecisionOutcome::LevelChanged(ref e) if e.level == "senior"));
        assert_eq!(h2.entries.len(), 2);
        assert_eq!(h2.entry_on(d(2026, 1, 15)).unwrap().level, "principal");
        assert_eq!(
            l.evaluate(&h2, &[], month("2026-04")).months_without_deal,
            2
        );
        // The old recommendation no longer applies.
        assert!(
            l.decide(&rec, &h2, Decision::Confirm, &manager(), d(2026, 2, 3))
                .is_err()
        );
    }

    #[test]
    fn a_rejection_needs_a_reason_and_only_a_manager_decides() {
        let l = Ladder::defaults();
        let h = LevelHistory::placed(1, "principal", d(2026, 1, 1));
        let rec = l
            .evaluate(&h, &[], month("2026-01"))
            .recommendation
            .unwrap();
        let day = d(2026, 2, 2);
        let e = l
            .decide(
                &rec,
                &h,
                Decision::Reject { reason: " ".into() },
                &manager(),
                day,
            )
            .unwrap_err();
        assert_eq!(e.kind, RefusalKind::Invalid);
        let (h2, out) = l
            .decide(
                &rec,
                &h,
                Decision::Reject {
                    reason: "市场淡季".into(),
                },
                &manager(),
                day,
            )
            .unwrap();
        assert_eq!(h2, h);
        assert!(matches!(out, DecisionOutcome::Rejected { .. }));
        let rep = Actor {
            role: Role::Rep,
            employee_id: 1,
            is_subject: true,
            is_superior_of_subject: false,
        };
        assert_eq!(
            l.decide(&rec, &h, Decision::Confirm, &rep, day)
                .unwrap_err()
                .kind,
            RefusalKind::WrongRole
        );
    }

    #[test]
    fn the_trainees_grace_period_is_granted_once_only() {
        let l = Ladder::defaults();
        let h = LevelHistory::placed(1, "trainee", d(2026, 1, 1));
        let rec = l
            .evaluate(&h, &[], month("2026-06"))
            .recommendation
            .unwrap();
        let (h, out) = l
            .decide(&rec, &h, Decision::GrantGrace, &manager(), d(2026, 7, 20))
            .unwrap();
        let DecisionOutcome::GraceGranted(g) = out else {
            panic!("{out:?}")
        };
        assert_eq!(g.until, d(2026, 8, 4));
        // Running at the end of July: nothing recommended.
        let e = l.evaluate(&h, &[], month("2026-07"));
        assert_eq!(
            (e.recommendation, e.grace_running_until),
            (None, Some(d(2026, 8, 4)))
        );
        // Ended without a deal: dismissal, and no second grace.
        let rec2 = l
            .evaluate(&h, &[], month("2026-08"))
            .recommendation
            .unwrap();
        assert_eq!(rec2.kind, RecommendationKind::Dismiss { grace_days: None });
        let again = l
            .decide(&rec2, &h, Decision::GrantGrace, &manager(), d(2026, 9, 1))
            .unwrap_err();
        assert_eq!(again.kind, RefusalKind::Invalid);
        let twice = l
            .decide(&rec, &h, Decision::GrantGrace, &manager(), d(2026, 9, 1))
            .unwrap_err();
        assert_eq!(twice.kind, RefusalKind::Duplicate);
        let (h, out) = l
            .decide(&rec2, &h, Decision::Confirm, &manager(), d(2026, 9, 1))
            .unwrap();
        assert_eq!(out, DecisionOutcome::Dismissed { on: d(2026, 9, 1) });
        assert_eq!(h.dismissed_on, Some(d(2026, 9, 1)));
    }

    #[test]
    fn a_deal_within_the_grace_period_ends_the_dismissal() {
        let l = Ladder::defaults();
        let h = LevelHistory::placed(1, "trainee", d(2026, 1, 1));
        let rec = l
            .evaluate(&h, &[], month("2026-06"))
            .recommendation
            .unwrap();
        let (h, _) = l
            .decide(&rec, &h, Decision::GrantGrace, &manager(), d(2026, 7, 20))
            .unwrap();
        let deals = [deal(2026, 8, 3, 500_000)];
        assert_eq!(kind(&l, &h, &deals, "2026-08"), None);
        assert_eq!(kind(&l, &h, &deals, "2026-12"), None);
    }

    #[test]
    fn a_promotion_is_recommended_when_the_standard_is_met_over_whole_months_at_the_level() {
        let l = Ladder::defaults();
        // Trainee → consultant: 3,000,000 over 3 months, at least 1 deal.
        let h = LevelHistory::placed(1, "trainee", d(2026, 1, 1));
        let deals = [deal(2026, 2, 10, 1_000_000), deal(2026, 3, 5, 2_000_000)];
        assert_eq!(
            kind(&l, &h, &deals, "2026-03"),
            Some(RecommendationKind::Promote {
                to: "consultant".into()
            })
        );
        let short = [deal(2026, 2, 10, 1_000_000), deal(2026, 3, 5, 1_999_999)];
        assert_eq!(kind(&l, &h, &short, "2026-03"), None);
        // Not three whole months at the level yet.
        let h = LevelHistory::placed(1, "trainee", d(2026, 1, 2));
        assert_eq!(kind(&l, &h, &deals, "2026-03"), None);
    }
}
