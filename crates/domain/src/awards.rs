//! Awards as rules in data (月度奖励, SPEC §7): the shipped rules are
//! `crates/domain/defaults/awards.toml`; a company edits them.
//!
//! The storage layer fills [`AwardFacts`] for a month (plain per-person and per-team facts);
//! [`AwardBook::candidates`] answers with award candidates, each with its basis in words and,
//! when it was a tie, how the tie was broken. A manager confirms or rejects each candidate
//! ([`AwardCandidate::confirm`], [`AwardCandidate::reject`]) before finance pays.
//!
//! Single-winner awards (名额 1 名) and their deterministic tie-breaks:
//! - **most invited visits**: more invited visits; then whoever reached that count first
//!   (the instant of their last counted visit); then the lower employee number.
//! - **first deal**: the earliest first signed contract; then the lower employee number.
//! - **sales champion**: the higher signed amount; then whoever reached it first (the instant
//!   of their last counted contract); then the lower employee number.
//! - **most improved**: the larger improvement of the month's score over the previous month's
//!   (both rounded to 2 decimals); then the higher score; then the lower employee number.
//!
//! "Lower employee number" compares numbers numerically when both are all digits, else as
//! text. A missing instant counts as later than any instant.

#![warn(missing_docs)]
use crate::composition::to_hundredths;
use crate::library::{LibraryError, LibraryProblem};
use crate::money::Cents;
use crate::org::EmployeeId;
use crate::period::Period;
use crate::problem::Problem;
use crate::roles::Role;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::BTreeSet;

/// The shipped default awards.
pub const AWARDS_TOML: &str = include_str!("../defaults/awards.toml");

// ---- rules -----------------------------------------------------------------------------------

/// One tier of a tiered award.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// Stable code.
    pub code: String,
    /// Chinese name (表现突出).
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// The lowest month's score (after rounding to 2 decimals) that reaches it.
    pub min_score: f64,
    /// Whole yuan.
    pub amount_yuan: i64,
}

/// How an award is decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum AwardRule {
    /// The most invited visits (邀约到访), at least `min_groups`.
    MostInvitedVisits {
        /// The least count that qualifies (12).
        min_groups: u32,
        /// Whole yuan.
        amount_yuan: i64,
    },
    /// The first contract signed in the month (头炮奖).
    FirstDeal {
        /// Whole yuan.
        amount_yuan: i64,
    },
    /// The highest signed amount, at least `min_signed_yuan`, plus a prize from
    /// `prize_min_signed_yuan`.
    SalesChampion {
        /// The least signed amount that qualifies (5,000,000).
        min_signed_yuan: i64,
        /// Whole yuan.
        amount_yuan: i64,
        /// The signed amount that adds the prize (8,000,000).
        #[serde(default)]
        prize_min_signed_yuan: Option<i64>,
        /// The prize.
        #[serde(default)]
        prize: Option<String>,
    },
    /// The biggest score improvement among those who met the sales target (激流永进).
    MostImproved {
        /// Whole yuan; unset → the confirming manager sets it.
        #[serde(default)]
        amount_yuan: Option<i64>,
    },
    /// Everyone who met the sales target, by the month's score (best tier first).
    Tiers {
        /// The tiers, highest `min_score` first.
        tiers: Vec<Tier>,
    },
    /// Every member of a team that met its target.
    TeamTarget {
        /// Whole yuan per member.
        per_member_yuan: i64,
    },
    /// Judged by people: candidates come from nominations.
    Nominated {
        /// Whole yuan; unset → set per nomination or at confirmation.
        #[serde(default)]
        amount_yuan: Option<i64>,
    },
}

/// An award definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Award {
    /// Stable code.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// How it is decided.
    pub rule: AwardRule,
}

/// A validated set of award rules.
#[derive(Debug, Clone, PartialEq)]
pub struct AwardBook {
    awards: Vec<Award>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AwardsDoc {
    #[serde(default)]
    awards: Vec<toml::Spanned<toml::Value>>,
}

/// 1-based line of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Parses a whole TOML document into `D`, reporting malformed TOML (and fields `D` does not
/// know) as a library problem with the file and line.
pub(crate) fn read_doc<D: serde::de::DeserializeOwned>(
    file: &str,
    text: &str,
    problems: &mut Vec<LibraryProblem>,
) -> Option<D> {
    match toml::from_str::<D>(text) {
        Ok(d) => Some(d),
        Err(e) => {
            let msg = e.message().trim().to_string();
            problems.push(LibraryProblem {
                file: file.to_string(),
                line: e.span().map(|s| line_of(text, s.start)),
                column: None,
                problem: Problem::new(
                    "",
                    format!("TOML 格式错误：{msg}"),
                    format!("malformed TOML: {msg}"),
                ),
            });
            None
        }
    }
}

/// Reads one `[[key]]` item into `T` with its line, or reports why it does not fit.
pub(crate) fn read_item<T: serde::de::DeserializeOwned>(
    file: &str,
    text: &str,
    key: &str,
    item: toml::Spanned<toml::Value>,
    problems: &mut Vec<LibraryProblem>,
) -> Option<(T, usize)> {
    let line = line_of(text, item.span().start);
    let value = item.into_inner();
    let code = value
        .get("code")
        .and_then(toml::Value::as_str)
        .unwrap_or("?")
        .to_string();
    match value.try_into::<T>() {
        Ok(t) => Some((t, line)),
        Err(e) => {
            let msg = e.message().trim().to_string();
            problems.push(LibraryProblem {
                file: file.to_string(),
                line: Some(line),
                column: None,
                problem: Problem::new(format!("{key}[{code}]"), msg.clone(), msg),
            });
            None
        }
    }
}

fn valid_code(code: &str) -> bool {
    !code.is_empty()
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl Award {
    /// Every problem with the definition.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        if !valid_code(&self.code) {
            out.push(Problem::new(
                "code",
                "代码只能由小写字母、数字和下划线组成",
                "a code is lowercase letters, digits and underscores",
            ));
        }
        if self.name_zh.trim().is_empty() || self.name_en.trim().is_empty() {
            out.push(Problem::new(
                "name",
                "名称（中文和英文）不能为空",
                "the names (zh and en) must not be empty",
            ));
        }
        let mut money = |at: &str, v: Option<i64>| {
            if v.is_some_and(|v| v < 0) {
                out.push(Problem::new(
                    at,
                    "金额不能为负",
                    "an amount cannot be negative",
                ));
            }
        };
        match &self.rule {
            AwardRule::MostInvitedVisits { amount_yuan, .. }
            | AwardRule::FirstDeal { amount_yuan } => money("rule.amount_yuan", Some(*amount_yuan)),
            AwardRule::SalesChampion {
                min_signed_yuan,
                amount_yuan,
                prize_min_signed_yuan,
                prize,
            } => {
                money("rule.amount_yuan", Some(*amount_yuan));
                money("rule.min_signed_yuan", Some(*min_signed_yuan));
                if prize_min_signed_yuan.is_some() != prize.is_some() {
                    out.push(Problem::new(
                        "rule.prize",
                        "prize 与 prize_min_signed_yuan 须同时设定",
                        "`prize` and `prize_min_signed_yuan` go together",
                    ));
                }
            }
            AwardRule::MostImproved { amount_yuan } | AwardRule::Nominated { amount_yuan } => {
                money("rule.amount_yuan", *amount_yuan)
            }
            AwardRule::TeamTarget { per_member_yuan } => {
                money("rule.per_member_yuan", Some(*per_member_yuan))
            }
            AwardRule::Tiers { tiers } => {
                if tiers.is_empty() {
                    out.push(Problem::new(
                        "rule.tiers",
                        "至少需要一个等级",
                        "at least one tier is needed",
                    ));
                }
                for (i, t) in tiers.iter().enumerate() {
                    let at = format!("rule.tiers[{}]", t.code);
                    if t.amount_yuan < 0 {
                        out.push(Problem::new(
                            at.clone(),
                            "金额不能为负",
                            "an amount cannot be negative",
                        ));
                    }
                    if !t.min_score.is_finite() || !(0.0..=200.0).contains(&t.min_score) {
                        out.push(Problem::new(
                            at.clone(),
                            "min_score 须在 0 到 200 之间",
                            "min_score must be between 0 and 200",
                        ));
                    }
                    if i > 0 && t.min_score >= tiers[i - 1].min_score {
                        out.push(Problem::new(
                            at,
                            "等级须按 min_score 从高到低排列",
                            "tiers must be listed highest min_score first",
                        ));
                    }
                }
            }
        }
        out
    }
}

impl AwardBook {
    /// A book from checked definitions; refused with every problem.
    pub fn new(awards: Vec<Award>) -> Result<AwardBook, LibraryError> {
        Self::checked(
            awards.into_iter().map(|a| (a, None)).collect(),
            "awards",
            Vec::new(),
        )
    }

    /// Reads award rules from a TOML file (`[[awards]]` tables), reporting every problem with
    /// the file and line.
    pub fn from_toml(file: &str, text: &str) -> Result<AwardBook, LibraryError> {
        let mut problems = Vec::new();
        let doc = read_doc::<AwardsDoc>(file, text, &mut problems);
        let items: Vec<(Award, usize)> = doc
            .map(|d| d.awards)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|i| read_item(file, text, "awards", i, &mut problems))
            .collect();
        Self::checked(
            items.into_iter().map(|(a, l)| (a, Some(l))).collect(),
            file,
            problems,
        )
    }

    /// The shipped defaults (`defaults/awards.toml`); the tests guarantee they load.
    pub fn defaults() -> AwardBook {
        Self::from_toml("awards.toml", AWARDS_TOML)
            .unwrap_or_else(|e| panic!("the shipped awards are invalid:\n{e}"))
    }

    fn checked(
        items: Vec<(Award, Option<usize>)>,
        file: &str,
        mut problems: Vec<LibraryProblem>,
    ) -> Result<AwardBook, LibraryError> {
        let mut seen = BTreeSet::new();
        for (a, line) in &items {
            let path = format!("awards[{}]", a.code);
            let mut ps = a.problems();
            if !seen.insert(a.code.clone()) {
                ps.push(Problem::new(
                    "code",
                    "奖项代码重复",
                    "the award code is used twice",
                ));
            }
            problems.extend(ps.into_iter().map(|p| LibraryProblem {
                file: file.to_string(),
                line: *line,
                column: None,
                problem: p.under(&path),
            }));
        }
        if problems.is_empty() {
            Ok(AwardBook {
                awards: items.into_iter().map(|(a, _)| a).collect(),
            })
        } else {
            Err(LibraryError { problems })
        }
    }

    /// The awards, in file order.
    pub fn awards(&self) -> &[Award] {
        &self.awards
    }

    /// Every award candidate for the month, in book order; within an award, in rank order.
    pub fn candidates(&self, facts: &AwardFacts) -> Vec<AwardCandidate> {
        self.awards
            .iter()
            .flat_map(|a| candidates_for(a, facts))
            .collect()
    }
}

// ---- facts -----------------------------------------------------------------------------------

/// One person's facts for the month, filled by storage from records and scorecards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonFacts {
    /// The person.
    pub employee_id: EmployeeId,
    /// Employee number (工号), the last tie-break.
    pub employee_no: String,
    /// Name, for the basis text.
    pub name: String,
    /// Team in force at the end of the month.
    pub team_id: Option<i64>,
    /// Signed contract amount in the month (签约金额).
    pub signed_amount: Cents,
    /// When the month's signed amount was reached (the last counted contract's signing).
    pub signed_amount_reached_at: Option<DateTime<Utc>>,
    /// The month's first signed contract (转定).
    pub first_deal_at: Option<DateTime<Utc>>,
    /// Invited visits (邀约到访) in the month.
    pub invited_visits: u32,
    /// When that count was reached (the last counted visit).
    pub invited_visits_reached_at: Option<DateTime<Utc>>,
    /// The month's score.
    pub score: Option<f64>,
    /// The previous month's score.
    pub previous_score: Option<f64>,
    /// The monthly sales target was met.
    pub sales_target_met: bool,
}

/// A team's facts for the month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamFacts {
    /// The team.
    pub team_id: i64,
    /// Name, for the basis text.
    pub name: String,
    /// Members at the end of the month.
    pub members: Vec<EmployeeId>,
    /// The team target was met.
    pub target_met: bool,
}

/// Who receives an award.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Recipient {
    /// A person.
    Person(EmployeeId),
    /// A team.
    Team(i64),
}

/// A nomination for a judged award (collaboration, innovation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Nomination {
    /// The award's code.
    pub award: String,
    /// Who.
    pub recipient: Recipient,
    /// Why.
    pub basis: String,
    /// An amount for this nomination (innovation "as set").
    pub amount: Option<Cents>,
}

/// Everything the awards are computed from, for one month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AwardFacts {
    /// The month.
    pub period: Period,
    /// Everyone eligible.
    pub people: Vec<PersonFacts>,
    /// Every team.
    pub teams: Vec<TeamFacts>,
    /// Nominations for judged awards.
    pub nominations: Vec<Nomination>,
}

// ---- candidates ------------------------------------------------------------------------------

/// How a tie was broken, shown with the candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TieBreak {
    /// The others who tied on the award's value.
    pub tied_with: Vec<EmployeeId>,
    /// In Chinese.
    pub zh: String,
    /// In English.
    pub en: String,
}

/// A computed award candidate, awaiting a manager's confirmation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AwardCandidate {
    /// The award's code.
    pub award: String,
    /// The award's Chinese name.
    pub name_zh: String,
    /// The award's English name.
    pub name_en: String,
    /// Who.
    pub recipient: Recipient,
    /// The tier (tiered awards).
    pub tier: Option<String>,
    /// Money; `None` when the confirming manager sets it.
    pub amount: Option<Cents>,
    /// A prize besides money.
    pub prize: Option<String>,
    /// Why, in Chinese.
    pub basis_zh: String,
    /// Why, in English.
    pub basis_en: String,
    /// How a tie was broken, if there was one.
    pub tie_break: Option<TieBreak>,
}

/// A confirmed award, ready for payout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfirmedAward {
    /// The candidate as confirmed.
    pub candidate: AwardCandidate,
    /// The amount paid.
    pub amount: Cents,
    /// Who confirmed.
    pub confirmed_by: EmployeeId,
    /// When.
    pub confirmed_on: NaiveDate,
}

/// A rejected candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RejectedAward {
    /// The candidate.
    pub candidate: AwardCandidate,
    /// Why.
    pub reason: String,
    /// Who rejected it.
    pub rejected_by: EmployeeId,
    /// When.
    pub rejected_on: NaiveDate,
}

fn may_decide(role: Role, by: EmployeeId, c: &AwardCandidate) -> Result<(), crate::cycle::Refusal> {
    use crate::cycle::{Refusal, RefusalKind};
    if !matches!(role, Role::Manager | Role::Hr) {
        return Err(Refusal::new(
            RefusalKind::WrongRole,
            "只有销售主管/经理或人力资源部可以确认奖励",
            "only a sales manager or HR confirms awards",
        ));
    }
    if c.recipient == Recipient::Person(by) {
        return Err(Refusal::new(
            RefusalKind::WrongRole,
            "不能确认给自己的奖励",
            "nobody confirms their own award",
        ));
    }
    Ok(())
}

impl AwardCandidate {
    /// A manager confirms the candidate; `amount` overrides or sets the amount (required when
    /// the rule sets none).
    pub fn confirm(
        &self,
        role: Role,
        by: EmployeeId,
        amount: Option<Cents>,
        on: NaiveDate,
    ) -> Result<ConfirmedAward, crate::cycle::Refusal> {
        use crate::cycle::{Refusal, RefusalKind};
        may_decide(role, by, self)?;
        let Some(amount) = amount.or(self.amount) else {
            return Err(Refusal::new(
                RefusalKind::Invalid,
                "此奖项金额须在确认时设定",
                "this award's amount is set at confirmation",
            ));
        };
        if amount.0 < 0 {
            return Err(Refusal::new(
                RefusalKind::Invalid,
                "金额不能为负",
                "an amount cannot be negative",
            ));
        }
        // An award is paid out with payroll: nothing beyond the bound of every typed amount.
        if amount.0 > crate::rules::limits::MAX_CENTS {
            let max = Cents(crate::rules::limits::MAX_CENTS);
            return Err(Refusal::new(
                RefusalKind::Invalid,
                format!("奖励金额最多{max}元，不是{amount}元"),
                format!("an award's amount is at most ¥{max}, not ¥{amount}"),
            ));
        }
        Ok(ConfirmedAward {
            candidate: self.clone(),
            amount,
            confirmed_by: by,
            confirmed_on: on,
        })
    }

    /// A manager rejects the candidate; the reason is required.
    pub fn reject(
        &self,
        role: Role,
        by: EmployeeId,
        reason: String,
        on: NaiveDate,
    ) -> Result<RejectedAward, crate::cycle::Refusal> {
        may_decide(role, by, self)?;
        if reason.trim().is_empty() {
            return Err(crate::cycle::Refusal::empty("不予发放的理由", "the reason"));
        }
        let max = crate::rules::limits::NOTE_CHARS;
        if reason.chars().count() > max {
            return Err(crate::cycle::Refusal::new(
                crate::cycle::RefusalKind::Invalid,
                format!("不予发放的理由最多{max}个字符"),
                format!("the reason is at most {max} characters"),
            ));
        }
        Ok(RejectedAward {
            candidate: self.clone(),
            reason,
            rejected_by: by,
            rejected_on: on,
        })
    }
}

/// Orders employee numbers: numerically when both are all digits, else as text.
fn cmp_employee_no(a: &str, b: &str) -> Ordering {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    if digits(a) && digits(b) {
        let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
        a.len().cmp(&b.len()).then_with(|| a.cmp(b))
    } else {
        a.cmp(b)
    }
}

/// A person ranked for a single-winner award: primary key (lower wins), secondary (lower
/// wins), then employee number.
struct Ranked<'a> {
    person: &'a PersonFacts,
    primary: i64,
    secondary: i64,
}

/// Picks the winner; when others tie on the primary key, says which key decided.
fn pick<'a>(
    mut ranked: Vec<Ranked<'a>>,
    secondary_zh: &str,
    secondary_en: &str,
) -> Option<(&'a PersonFacts, Option<TieBreak>)> {
    ranked.sort_by(|a, b| {
        a.primary
            .cmp(&b.primary)
            .then(a.secondary.cmp(&b.secondary))
            .then_with(|| cmp_employee_no(&a.person.employee_no, &b.person.employee_no))
    });
    let first = ranked.first()?;
    let tied: Vec<&Ranked> = ranked[1..]
        .iter()
        .filter(|r| r.primary == first.primary)
        .collect();
    let tie = (!tied.is_empty()).then(|| {
        let by_secondary = tied.iter().all(|r| r.secondary > first.secondary);
        let names: Vec<_> = tied
            .iter()
            .map(|r| format!("{}（{}）", r.person.name, r.person.employee_no))
            .collect();
        let (zh, en) = if by_secondary {
            (secondary_zh.to_string(), secondary_en.to_string())
        } else {
            (
                "工号较小者优先".to_string(),
                "lower employee number".to_string(),
            )
        };
        TieBreak {
            tied_with: tied.iter().map(|r| r.person.employee_id).collect(),
            zh: format!("与{}并列，按「{zh}」决出", names.join("、")),
            en: format!("tied with {}; decided by {en}", names.join(", ")),
        }
    });
    Some((first.person, tie))
}

fn instant(t: Option<DateTime<Utc>>) -> i64 {
    t.map_or(i64::MAX, |t| t.timestamp_millis())
}

fn candidates_for(award: &Award, facts: &AwardFacts) -> Vec<AwardCandidate> {
    let base =
        |recipient: Recipient, amount: Option<Cents>, zh: String, en: String| AwardCandidate {
            award: award.code.clone(),
            name_zh: award.name_zh.clone(),
            name_en: award.name_en.clone(),
            recipient,
            tier: None,
            amount,
            prize: None,
            basis_zh: zh,
            basis_en: en,
            tie_break: None,
        };
    let single = |picked: Option<(&PersonFacts, Option<TieBreak>)>,
                  amount: Option<Cents>,
                  zh: &dyn Fn(&PersonFacts) -> String,
                  en: &dyn Fn(&PersonFacts) -> String| {
        picked
            .map(|(p, tie)| AwardCandidate {
                tie_break: tie,
                ..base(Recipient::Person(p.employee_id), amount, zh(p), en(p))
            })
            .into_iter()
            .collect::<Vec<_>>()
    };
    let people = &facts.people;
    match &award.rule {
        AwardRule::MostInvitedVisits {
            min_groups,
            amount_yuan,
        } => {
            let ranked = people
                .iter()
                .filter(|p| p.invited_visits >= *min_groups)
                .map(|p| Ranked {
                    person: p,
                    primary: -i64::from(p.invited_visits),
                    secondary: instant(p.invited_visits_reached_at),
                })
                .collect();
            single(
                pick(ranked, "先达到者优先", "reaching the count first"),
                Some(Cents::yuan(*amount_yuan)),
                &|p| {
                    format!(
                        "{} 本月邀约到访 {} 组，为最多（不少于 {min_groups} 组）",
                        p.name, p.invited_visits
                    )
                },
                &|p| {
                    format!(
                        "{}: {} invited visits this month, the most (at least {min_groups})",
                        p.name, p.invited_visits
                    )
                },
            )
        }
        AwardRule::FirstDeal { amount_yuan } => {
            let ranked = people
                .iter()
                .filter(|p| p.first_deal_at.is_some())
                .map(|p| Ranked {
                    person: p,
                    primary: instant(p.first_deal_at),
                    secondary: 0,
                })
                .collect();
            // Read by people: to the minute, in UTC (the domain has no time zone).
            let when = |p: &PersonFacts| {
                p.first_deal_at
                    .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_default()
            };
            single(
                pick(ranked, "", ""),
                Some(Cents::yuan(*amount_yuan)),
                &|p| format!("{} 于 {} 签下本月第一单", p.name, when(p)),
                &|p| {
                    format!(
                        "{} signed the month's first contract at {}",
                        p.name,
                        when(p)
                    )
                },
            )
        }
        AwardRule::SalesChampion {
            min_signed_yuan,
            amount_yuan,
            prize_min_signed_yuan,
            prize,
        } => {
            let min = Cents::yuan(*min_signed_yuan);
            let ranked = people
                .iter()
                .filter(|p| p.signed_amount >= min)
                .map(|p| Ranked {
                    person: p,
                    primary: -p.signed_amount.0,
                    secondary: instant(p.signed_amount_reached_at),
                })
                .collect();
            let mut out = single(
                pick(ranked, "先达到者优先", "reaching the amount first"),
                Some(Cents::yuan(*amount_yuan)),
                &|p| {
                    format!(
                        "{} 本月签约金额 {} 元，为最高（不少于 {} 元）",
                        p.name, p.signed_amount, min
                    )
                },
                &|p| {
                    format!(
                        "{}: signed {} yuan this month, the highest (at least {})",
                        p.name, p.signed_amount, min
                    )
                },
            );
            if let (Some(c), Some(pmin), Some(prize)) =
                (out.first_mut(), prize_min_signed_yuan, prize)
            {
                let winner = people
                    .iter()
                    .find(|p| Recipient::Person(p.employee_id) == c.recipient);
                if winner.is_some_and(|p| p.signed_amount >= Cents::yuan(*pmin)) {
                    c.prize = Some(prize.clone());
                    c.basis_zh
                        .push_str(&format!("；达到 {} 元，另奖 {prize}", Cents::yuan(*pmin)));
                    c.basis_en.push_str(&format!(
                        "; reached {} yuan: plus {prize}",
                        Cents::yuan(*pmin)
                    ));
                }
            }
            out
        }
        AwardRule::MostImproved { amount_yuan } => {
            let ranked = people
                .iter()
                .filter(|p| p.sales_target_met)
                .filter_map(|p| {
                    let now = to_hundredths(p.score?)?;
                    let before = to_hundredths(p.previous_score?)?;
                    (now > before).then_some(Ranked {
                        person: p,
                        primary: -(now - before),
                        secondary: -now,
                    })
                })
                .collect();
            let gain = |p: &PersonFacts| {
                let h = |x: Option<f64>| x.and_then(to_hundredths).unwrap_or(0);
                let g = h(p.score) - h(p.previous_score);
                format!("{}.{:02}", g / 100, g % 100)
            };
            single(
                pick(ranked, "本月得分较高者优先", "the higher score this month"),
                amount_yuan.map(Cents::yuan),
                &|p| {
                    format!(
                        "{} 完成销售目标，得分比上月提高 {}，进步最大",
                        p.name,
                        gain(p)
                    )
                },
                &|p| {
                    format!(
                        "{} met the sales target and improved the score by {}, the most",
                        p.name,
                        gain(p)
                    )
                },
            )
        }
        AwardRule::Tiers { tiers } => {
            let mut out = Vec::new();
            for (ti, t) in tiers.iter().enumerate() {
                let Some(min) = to_hundredths(t.min_score) else {
                    continue;
                };
                let upper = ti
                    .checked_sub(1)
                    .and_then(|u| to_hundredths(tiers[u].min_score));
                let mut here: Vec<&PersonFacts> = people
                    .iter()
                    .filter(|p| p.sales_target_met)
                    .filter(|p| {
                        p.score
                            .and_then(to_hundredths)
                            .is_some_and(|s| s >= min && upper.is_none_or(|u| s < u))
                    })
                    .collect();
                here.sort_by(|a, b| cmp_employee_no(&a.employee_no, &b.employee_no));
                for p in here {
                    let s = p.score.and_then(to_hundredths).unwrap_or(0);
                    let shown = format!("{}.{:02}", s / 100, s % 100);
                    let mut c = base(
                        Recipient::Person(p.employee_id),
                        Some(Cents::yuan(t.amount_yuan)),
                        format!(
                            "{} 完成月度销售目标，本月得分 {shown}（不低于 {}），{}",
                            p.name, t.min_score, t.name_zh
                        ),
                        format!(
                            "{} met the monthly sales target with a score of {shown} (at least {}): {}",
                            p.name, t.min_score, t.name_en
                        ),
                    );
                    c.tier = Some(t.code.clone());
                    out.push(c);
                }
            }
            out
        }
        AwardRule::TeamTarget { per_member_yuan } => {
            let mut teams: Vec<&TeamFacts> = facts.teams.iter().filter(|t| t.target_met).collect();
            teams.sort_by_key(|t| t.team_id);
            let mut out = Vec::new();
            for t in teams {
                let mut members: Vec<(&str, EmployeeId)> = t
                    .members
                    .iter()
                    .map(|id| {
                        let no = people
                            .iter()
                            .find(|p| p.employee_id == *id)
                            .map_or("", |p| p.employee_no.as_str());
                        (no, *id)
                    })
                    .collect();
                members.sort_by(|a, b| cmp_employee_no(a.0, b.0).then(a.1.cmp(&b.1)));
                for (_, id) in members {
                    out.push(base(
                        Recipient::Person(id),
                        Some(Cents::yuan(*per_member_yuan)),
                        format!("所在团队「{}」完成本月团队目标", t.name),
                        format!("their team {} met the month's target", t.name),
                    ));
                }
            }
            out
        }
        AwardRule::Nominated { amount_yuan } => facts
            .nominations
            .iter()
            .filter(|n| n.award == award.code)
            .map(|n| {
                base(
                    n.recipient,
                    n.amount.or(amount_yuan.map(Cents::yuan)),
                    n.basis.clone(),
                    n.basis.clone(),
                )
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32, h: u32) -> Option<DateTime<Utc>> {
        Some(
            NaiveDate::from_ymd_opt(2026, 10, day)
                .unwrap()
                .and_hms_opt(h, 0, 0)
                .unwrap()
                .and_utc(),
        )
    }

    fn person(id: EmployeeId, no: &str) -> PersonFacts {
        PersonFacts {
            employee_id: id,
            employee_no: no.into(),
            name: format!("P{id}"),
            team_id: Some(1),
            signed_amount: Cents(0),
            signed_amount_reached_at: None,
            first_deal_at: None,
            invited_visits: 0,
            invited_visits_reached_at: None,
            score: None,
            previous_score: None,
            sales_target_met: false,
        }
    }

    fn facts(people: Vec<PersonFacts>) -> AwardFacts {
        AwardFacts {
            period: Period::parse("2026-10").unwrap(),
            people,
            teams: vec![],
            nominations: vec![],
        }
    }

    fn only(code: &str, f: &AwardFacts) -> Vec<AwardCandidate> {
        AwardBook::defaults()
            .candidates(f)
            .into_iter()
            .filter(|c| c.award == code)
            .collect()
    }

    #[test]
    fn the_shipped_awards_load() {
        let book = AwardBook::defaults();
        assert_eq!(book.awards().len(), 8);
    }

    #[test]
    fn a_bad_awards_file_names_the_file_line_and_award() {
        let text = "[[awards]]\ncode = \"a\"\nname_zh = \"甲\"\nname_en = \"A\"\n[awards.rule]\nkind = \"first_deal\"\namount_yuan = -5\n\n[[awards]]\ncode = \"a\"\nname_zh = \"乙\"\nname_en = \"B\"\n[awards.rule]\nkind = \"no_such_rule\"\n";
        let err = AwardBook::from_toml("awards.toml", text).unwrap_err();
        let shown = err.to_string();
        assert!(
            shown.contains("awards.toml:1: awards[a].rule.amount_yuan"),
            "{shown}"
        );
        assert!(shown.contains("awards.toml:9: awards[a]"), "{shown}");
        assert_eq!(err.problems.len(), 2, "{shown}");
        let bad = AwardBook::from_toml("x.toml", "[[awards]\n").unwrap_err();
        assert!(bad.to_string().contains("TOML"), "{bad}");
    }

    #[test]
    fn tiers_must_run_from_high_to_low() {
        let text = "[[awards]]\ncode = \"t\"\nname_zh = \"t\"\nname_en = \"t\"\n[awards.rule]\nkind = \"tiers\"\ntiers = [ { code = \"a\", name_zh = \"a\", name_en = \"a\", min_score = 80, amount_yuan = 1 }, { code = \"b\", name_zh = \"b\", name_en = \"b\", min_score = 90, amount_yuan = 1 } ]\n";
        let err = AwardBook::from_toml("t.toml", text).unwrap_err();
        assert!(err.to_string().contains("rule.tiers[b]"), "{err}");
    }

    #[test]
    fn the_champion_needs_at_least_5_000_000_exactly() {
        let mut a = person(1, "001");
        a.signed_amount = Cents::yuan(5_000_000);
        let mut b = person(2, "002");
        b.signed_amount = Cents(499_999_999);
        let c = only("sales_champion", &facts(vec![a.clone(), b.clone()]));
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].recipient, Recipient::Person(1));
        assert_eq!(c[0].amount, Some(Cents::yuan(1000)));
        assert_eq!(c[0].prize, None);
        assert!(only("sales_champion", &facts(vec![b])).is_empty());
    }

    #[test]
    fn the_champion_gets_the_prize_from_8_000_000() {
        let mut a = person(1, "001");
        a.signed_amount = Cents::yuan(8_000_000);
        let c = only("sales_champion", &facts(vec![a.clone()]));
        assert!(c[0].prize.is_some() && c[0].basis_zh.contains("另奖"));
        a.signed_amount = Cents(799_999_999);
        assert_eq!(only("sales_champion", &facts(vec![a]))[0].prize, None);
    }

    #[test]
    fn a_champion_tie_goes_to_whoever_reached_the_amount_first_then_the_lower_number() {
        let mut a = person(1, "010");
        a.signed_amount = Cents::yuan(6_000_000);
        a.signed_amount_reached_at = at(20, 10);
        let mut b = person(2, "002");
        b.signed_amount = Cents::yuan(6_000_000);
        b.signed_amount_reached_at = at(12, 10);
        let c = only("sales_champion", &facts(vec![a.clone(), b.clone()]));
        assert_eq!(c[0].recipient, Recipient::Person(2));
        let tie = c[0].tie_break.as_ref().unwrap();
        assert_eq!(tie.tied_with, vec![1]);
        assert!(tie.zh.contains("先达到者优先"), "{}", tie.zh);
        // Same instant: the lower employee number (2 < 10 numerically, not as text).
        b.signed_amount_reached_at = at(20, 10);
        b.employee_no = "9".into();
        let c = only("sales_champion", &facts(vec![a, b]));
        assert_eq!(c[0].recipient, Recipient::Person(2));
        assert!(
            c[0].tie_break
                .as_ref()
                .unwrap()
                .en
                .contains("lower employee number")
        );
    }

    #[test]
    fn invited_visits_need_12_groups_and_ties_go_to_the_earlier() {
        let mut a = person(1, "001");
        a.invited_visits = 11;
        assert!(only("most_invited_visits", &facts(vec![a.clone()])).is_empty());
        a.invited_visits = 12;
        a.invited_visits_reached_at = at(25, 9);
        let mut b = person(2, "002");
        b.invited_visits = 12;
        b.invited_visits_reached_at = at(24, 9);
        let c = only("most_invited_visits", &facts(vec![a, b]));
        assert_eq!(c[0].recipient, Recipient::Person(2));
        assert_eq!(c[0].amount, Some(Cents::yuan(100)));
    }

    #[test]
    fn the_first_deal_is_the_earliest_and_a_same_instant_tie_goes_to_the_lower_number() {
        let mut a = person(1, "B7");
        a.first_deal_at = at(3, 9);
        let mut b = person(2, "A9");
        b.first_deal_at = at(3, 9);
        let mut c = person(3, "A1");
        c.first_deal_at = at(4, 9);
        let got = only("first_deal", &facts(vec![a, b, c]));
        assert_eq!(got[0].recipient, Recipient::Person(2));
        assert_eq!(got[0].tie_break.as_ref().unwrap().tied_with, vec![1]);
    }

    #[test]
    fn tiers_are_decided_at_exactly_95_90_80_after_rounding() {
        let mk = |id, score: f64| {
            let mut p = person(id, &format!("{id}"));
            p.score = Some(score);
            p.sales_target_met = true;
            p
        };
        let mut missed = mk(9, 99.0);
        missed.sales_target_met = false;
        let people = vec![
            mk(1, 95.0),
            mk(2, 94.995),
            mk(3, 94.994),
            mk(4, 90.0),
            mk(5, 89.995),
            mk(6, 80.0),
            mk(7, 79.994),
            missed,
        ];
        let got: Vec<_> = only("target_tiers", &facts(people))
            .into_iter()
            .map(|c| (c.recipient, c.tier.unwrap(), c.amount.unwrap()))
            .collect();
        let p = Recipient::Person;
        assert_eq!(
            got,
            vec![
                (p(1), "outstanding".to_string(), Cents::yuan(5000)),
                (p(2), "outstanding".to_string(), Cents::yuan(5000)),
                (p(3), "excellent".to_string(), Cents::yuan(3000)),
                (p(4), "excellent".to_string(), Cents::yuan(3000)),
                (p(5), "excellent".to_string(), Cents::yuan(3000)),
                (p(6), "good".to_string(), Cents::yuan(1000)),
            ]
        );
    }

    #[test]
    fn most_improved_needs_the_target_met_and_breaks_ties_by_score() {
        let mk = |id, no: &str, prev: f64, now: f64, met: bool| {
            let mut p = person(id, no);
            p.previous_score = Some(prev);
            p.score = Some(now);
            p.sales_target_met = met;
            p
        };
        let people = vec![
            mk(1, "1", 60.0, 90.0, false),
            mk(2, "2", 70.0, 80.0, true),
            mk(3, "3", 80.0, 90.0, true),
        ];
        let c = only("most_improved", &facts(people));
        assert_eq!(c[0].recipient, Recipient::Person(3));
        assert_eq!(c[0].amount, None);
        assert!(c[0].tie_break.as_ref().unwrap().zh.contains("得分较高"));
        assert!(c[0].basis_zh.contains("10.00"), "{}", c[0].basis_zh);
        // The manager sets the amount when confirming.
        let day = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        assert!(c[0].confirm(Role::Manager, 50, None, day).is_err());
        let ok = c[0]
            .confirm(Role::Manager, 50, Some(Cents::yuan(500)), day)
            .unwrap();
        assert_eq!(ok.amount, Cents::yuan(500));
        assert!(
            c[0].confirm(Role::Rep, 50, Some(Cents::yuan(500)), day)
                .is_err()
        );
        assert!(
            c[0].confirm(Role::Manager, 3, Some(Cents::yuan(500)), day)
                .is_err()
        );
        assert!(c[0].reject(Role::Manager, 50, " ".into(), day).is_err());
        assert!(c[0].reject(Role::Manager, 50, "未达标".into(), day).is_ok());
    }

    #[test]
    fn a_team_that_met_its_target_gives_every_member_1000() {
        let mut f = facts(vec![person(1, "2"), person(2, "1")]);
        f.teams = vec![
            TeamFacts {
                team_id: 1,
                name: "一组".into(),
                members: vec![1, 2],
                target_met: true,
            },
            TeamFacts {
                team_id: 2,
                name: "二组".into(),
                members: vec![3],
                target_met: false,
            },
        ];
        let c = only("team_target", &f);
        let who: Vec<_> = c.iter().map(|c| c.recipient).collect();
        assert_eq!(who, vec![Recipient::Person(2), Recipient::Person(1)]);
        assert!(c.iter().all(|c| c.amount == Some(Cents::yuan(1000))));
    }

    #[test]
    fn collaboration_and_innovation_come_from_nominations() {
        let mut f = facts(vec![]);
        f.nominations = vec![
            Nomination {
                award: "collaboration".into(),
                recipient: Recipient::Team(1),
                basis: "跨组协作".into(),
                amount: None,
            },
            Nomination {
                award: "innovation".into(),
                recipient: Recipient::Person(4),
                basis: "新话术".into(),
                amount: Some(Cents::yuan(800)),
            },
        ];
        assert_eq!(only("collaboration", &f)[0].amount, Some(Cents::yuan(2000)));
        assert_eq!(only("innovation", &f)[0].amount, Some(Cents::yuan(800)));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

        /// Whatever order storage lists people in, the candidates are the same.
        #[test]
        fn candidates_do_not_depend_on_the_order_of_the_facts(
            raw in proptest::collection::vec((0u32..4, 0i64..3, 0u32..3, 90u32..100, proptest::bool::ANY), 1..8),
            seed in 0usize..1000,
        ) {
            let people: Vec<PersonFacts> = raw
                .iter()
                .enumerate()
                .map(|(i, (visits, millions, hour, score, met))| {
                    let mut p = person(i as i64 + 1, &format!("{}", 10 - i));
                    p.invited_visits = 12 + visits;
                    p.invited_visits_reached_at = at(20, *hour);
                    p.signed_amount = Cents::yuan(5_000_000 + millions * 1_000_000);
                    p.signed_amount_reached_at = at(21, *hour);
                    p.first_deal_at = at(2, *hour);
                    p.score = Some(f64::from(*score));
                    p.previous_score = Some(80.0);
                    p.sales_target_met = *met;
                    p
                })
                .collect();
            let mut shuffled = people.clone();
            let n = shuffled.len();
            shuffled.rotate_left(seed % n);
            if seed % 2 == 1 {
                shuffled.reverse();
            }
            let book = AwardBook::defaults();
            proptest::prop_assert_eq!(book.candidates(&facts(people)), book.candidates(&facts(shuffled)));
        }
    }
}
