//! Schemes (考核方案, SPEC §5): which indicators count for a position, with which weights
//! (权重), rated by whom, and how the parts combine into the period's score.
//!
//! A scheme is data (a TOML table); [`Scheme::problems`] lists everything wrong with one at
//! once. The arithmetic lives in [`crate::composition`].

use crate::period::PeriodKind;
use crate::problem::Problem;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeSet;
use std::fmt;

// ---- Weight ------------------------------------------------------------------------------------

/// A weight in hundredths of a percent (`10000` = 100 %), so "the weights sum to exactly
/// 100 %" is an integer comparison, never a float one. Written in files as a percentage
/// (`10`, `12.5` or `"12.5%"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Weight(u32);

/// Why a percentage is not a weight.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "invalid weight {text}: must be a percentage from 0 to 100 with at most two decimals / 权重 {text} 无效：须为 0 到 100 之间、最多两位小数的百分数"
)]
pub struct WeightError {
    /// The value as given.
    pub text: String,
}

impl Weight {
    /// 0 %.
    pub const ZERO: Weight = Weight(0);
    /// 100 %.
    pub const FULL: Weight = Weight(10_000);

    /// From hundredths of a percent; `None` above 100 %.
    pub const fn from_hundredths(h: u32) -> Option<Weight> {
        if h <= 10_000 { Some(Weight(h)) } else { None }
    }

    /// A whole percentage; `None` above 100.
    pub const fn percent(p: u32) -> Option<Weight> {
        if p <= 100 {
            Some(Weight(p * 100))
        } else {
            None
        }
    }

    /// A percentage such as `12.5`: 0 to 100, at most two decimals.
    pub fn from_percent(p: f64) -> Result<Weight, WeightError> {
        let err = || WeightError {
            text: p.to_string(),
        };
        if !p.is_finite() || !(0.0..=100.0).contains(&p) {
            return Err(err());
        }
        let h = (p * 100.0).round();
        // Allow for binary noise (12.34 × 100 = 1233.9999…), but not a third decimal.
        if (p * 100.0 - h).abs() > 1e-6 {
            return Err(err());
        }
        Ok(Weight(h as u32))
    }

    /// Hundredths of a percent.
    pub const fn hundredths(self) -> u32 {
        self.0
    }

    /// As a percentage (`12.5`).
    pub fn as_percent(self) -> f64 {
        f64::from(self.0) / 100.0
    }

    /// As a fraction of one (`0.125`).
    pub fn as_fraction(self) -> f64 {
        f64::from(self.0) / 10_000.0
    }

    /// The exact sum of weights, in hundredths of a percent.
    pub fn sum<'a>(weights: impl IntoIterator<Item = &'a Weight>) -> u64 {
        weights.into_iter().map(|w| u64::from(w.0)).sum()
    }
}

/// Prints hundredths of a percent as a percentage: `105%`, `12.5%`, `0.25%`.
pub fn fmt_hundredths(h: u64) -> String {
    let (whole, frac) = (h / 100, h % 100);
    match frac {
        0 => format!("{whole}%"),
        f if f % 10 == 0 => format!("{whole}.{}%", f / 10),
        f => format!("{whole}.{f:02}%"),
    }
}

impl fmt::Display for Weight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&fmt_hundredths(u64::from(self.0)))
    }
}

impl Serialize for Weight {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.is_multiple_of(100) {
            s.serialize_u32(self.0 / 100)
        } else {
            s.serialize_f64(self.as_percent())
        }
    }
}

impl<'de> Deserialize<'de> for Weight {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Weight;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a percentage from 0 to 100, e.g. 10, 12.5 or \"12.5%\"")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Weight, E> {
                Weight::from_percent(v as f64).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Weight, E> {
                Weight::from_percent(v as f64).map_err(E::custom)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Weight, E> {
                Weight::from_percent(v).map_err(E::custom)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Weight, E> {
                let t = v.trim().trim_end_matches(['%', '％']).trim();
                let p: f64 = t.parse().map_err(|_| {
                    E::custom(WeightError {
                        text: v.to_string(),
                    })
                })?;
                Weight::from_percent(p).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

// ---- raters ------------------------------------------------------------------------------------

/// Who rates (考核主体).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RaterGroup {
    /// 直接上级
    Superior,
    /// 同事互评
    Peers,
    /// 客户评分
    Customers,
    /// 相关部门（生产、物流、财务…）
    RelatedDepartments,
    /// 自评
    #[serde(rename = "self")]
    SelfReview,
    /// 组长
    TeamLeader,
}

impl RaterGroup {
    /// Every group.
    pub const ALL: [RaterGroup; 6] = [
        RaterGroup::Superior,
        RaterGroup::Peers,
        RaterGroup::Customers,
        RaterGroup::RelatedDepartments,
        RaterGroup::SelfReview,
        RaterGroup::TeamLeader,
    ];

    /// Stable text form.
    pub fn as_str(self) -> &'static str {
        match self {
            RaterGroup::Superior => "superior",
            RaterGroup::Peers => "peers",
            RaterGroup::Customers => "customers",
            RaterGroup::RelatedDepartments => "related_departments",
            RaterGroup::SelfReview => "self",
            RaterGroup::TeamLeader => "team_leader",
        }
    }

    /// Chinese name.
    pub fn name_zh(self) -> &'static str {
        match self {
            RaterGroup::Superior => "直接上级",
            RaterGroup::Peers => "同事",
            RaterGroup::Customers => "客户",
            RaterGroup::RelatedDepartments => "相关部门",
            RaterGroup::SelfReview => "自评",
            RaterGroup::TeamLeader => "组长",
        }
    }

    /// Whether ratings by this group are anonymous to the person rated (SPEC §7a: peers and
    /// customers; HR still sees who).
    pub fn anonymous(self) -> bool {
        matches!(self, RaterGroup::Peers | RaterGroup::Customers)
    }
}

/// A rater group's weight. Weight 0 makes a group a reference (参考): its ratings are shown,
/// not counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RaterWeight {
    /// The group.
    pub group: RaterGroup,
    /// Its weight.
    pub weight: Weight,
}

// ---- scheme ------------------------------------------------------------------------------------

/// One indicator on a scorecard, with its share of the whole scorecard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemeItem {
    /// Indicator code.
    pub indicator: String,
    /// Share of the whole scorecard (the items of a group add up to the group's weight).
    pub weight: Weight,
}

/// A group of indicators (考核大项), e.g. "order processing 30 %".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorGroup {
    /// Group code, unique in the scheme.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Share of the whole scorecard.
    pub weight: Weight,
    /// The indicators.
    pub items: Vec<SchemeItem>,
}

/// What the rater groups' weights combine (SPEC §5a).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RaterMix {
    /// Each rated indicator is the weighted mean of its groups' ratings; computed indicators
    /// are not touched.
    #[default]
    RatedIndicators,
    /// Whole period scores (the telesales rule, 当月考核得分 = 上级评估 × 70% + 同事互评平均分 ×
    /// 20% + 客户评分平均分 × 10%): the superior's part is the whole scorecard, its rated
    /// indicators as the superior rates them; every other group's part is the mean of its
    /// ratings.
    WholePeriod,
}

/// What a not-applicable indicator (zero denominator) does to the scorecard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotApplicable {
    /// Its weight is spread over the other indicators in proportion to their weights.
    #[default]
    Redistribute,
    /// It scores full marks (100) with its own weight.
    Full,
    /// It scores 0 with its own weight.
    Zero,
}

/// How the period's score is made from the scorecard.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Composition {
    /// The weighted scorecard total.
    #[default]
    Weighted,
    /// 业务员: work (the scorecard) × `work` + attendance × `attendance`, attendance = 100 −
    /// `per_absent_day` per absent day (a half day counts as a day), floor 0.
    WorkAttendance {
        /// Weight of the work score (70 %).
        work: Weight,
        /// Weight of attendance (30 %).
        attendance: Weight,
        /// Points off per absent day (4).
        per_absent_day: f64,
    },
    /// 销售人员方案: performance (the scorecard) × behaviour factor (0 to `max_factor`); a
    /// serious violation sets the factor to 0.
    Behaviour {
        /// The highest factor (1.2 for outstanding acts).
        max_factor: f64,
    },
}

/// How the year's score is made.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum AnnualRule {
    /// The mean of the monthly scores (with fewer than 12, the mean of those present).
    #[default]
    MeanOfMonths,
    /// 电话销售专员: performance (mean of the monthly scores) × `performance` + attitude ×
    /// `attitude` + ability × `ability`; attitude and ability are the means of the listed
    /// (rated) indicators' annual scores.
    Parts {
        /// Weight of performance (70 %).
        performance: Weight,
        /// Weight of attitude (20 %).
        attitude: Weight,
        /// Weight of ability (10 %).
        ability: Weight,
        /// Indicators making up attitude.
        attitude_indicators: Vec<String>,
        /// Indicators making up ability.
        ability_indicators: Vec<String>,
    },
}

/// A grade band (等级): scores at or above `min` (after rounding to 2 decimals).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeBand {
    /// Lower bound, inclusive.
    pub min: f64,
    /// Stable code (`excellent`).
    pub code: String,
    /// Chinese name (优秀).
    pub name_zh: String,
    /// English name.
    pub name_en: String,
}

/// A bonus band (绩效奖金系数): scores at or above `min` get `coefficient`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BonusBand {
    /// Lower bound, inclusive.
    pub min: f64,
    /// Performance bonus = bonus base × coefficient.
    pub coefficient: f64,
}

/// The default grades of SPEC §5: 90 优秀, 80 良好, 60 合格, below 不合格.
pub fn default_grades() -> Vec<GradeBand> {
    let g = |min: f64, code: &str, zh: &str, en: &str| GradeBand {
        min,
        code: code.into(),
        name_zh: zh.into(),
        name_en: en.into(),
    };
    vec![
        g(90.0, "excellent", "优秀", "Excellent"),
        g(80.0, "good", "良好", "Good"),
        g(60.0, "pass", "合格", "Pass"),
        g(0.0, "fail", "不合格", "Fail"),
    ]
}

/// The default bonus coefficients of SPEC §5: ≥90 1.5, ≥80 1.2, ≥70 1.0, ≥60 0.8, else 0.5.
pub fn default_bonus() -> Vec<BonusBand> {
    [
        (90.0, 1.5),
        (80.0, 1.2),
        (70.0, 1.0),
        (60.0, 0.8),
        (0.0, 0.5),
    ]
    .into_iter()
    .map(|(min, coefficient)| BonusBand { min, coefficient })
    .collect()
}

fn is_default_grades(g: &[GradeBand]) -> bool {
    g == default_grades().as_slice()
}

fn is_default_bonus(b: &[BonusBand]) -> bool {
    b == default_bonus().as_slice()
}

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// An assessment scheme (考核方案).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scheme {
    /// Stable code.
    pub code: String,
    /// Version: a changed scheme is a new version; closed periods keep the one they used.
    pub version: u32,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// How often it is assessed.
    pub period: PeriodKind,
    /// Position codes it applies to.
    #[serde(default)]
    pub positions: Vec<String>,
    /// Who rates the rated indicators, with weights (empty when nothing is rated).
    #[serde(default)]
    pub raters: Vec<RaterWeight>,
    /// What the rater weights combine.
    #[serde(default, skip_serializing_if = "is_default")]
    pub rater_mix: RaterMix,
    /// What a not-applicable indicator does.
    #[serde(default, skip_serializing_if = "is_default")]
    pub not_applicable: NotApplicable,
    /// How the period's score is made from the scorecard.
    #[serde(default, skip_serializing_if = "is_default")]
    pub composition: Composition,
    /// How the year's score is made.
    #[serde(default, skip_serializing_if = "is_default")]
    pub annual: AnnualRule,
    /// The period whose result pays the performance bonus: each assessed period when absent,
    /// else the quarter's result (the supervisor's quarterly reward) or the year's (the
    /// manager's year-end bonus, seed 003).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bonus_period: Option<PeriodKind>,
    /// Grade bands, best first.
    #[serde(default = "default_grades", skip_serializing_if = "is_default_grades")]
    pub grades: Vec<GradeBand>,
    /// Bonus coefficient bands, best first.
    #[serde(default = "default_bonus", skip_serializing_if = "is_default_bonus")]
    pub bonus: Vec<BonusBand>,
    /// The indicator groups.
    pub groups: Vec<IndicatorGroup>,
}

fn sum_problem(at: &str, what_zh: &str, what_en: &str, sum: u64) -> Option<Problem> {
    (sum != 10_000).then(|| {
        let s = fmt_hundredths(sum);
        Problem::new(
            at,
            format!("{what_zh}之和为 {s}，必须恰好为 100%"),
            format!("{what_en} sum to {s}; they must sum to exactly 100%"),
        )
    })
}

fn valid_code(code: &str) -> bool {
    !code.is_empty()
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl Scheme {
    /// Whether the performance bonus is paid from this scheme's result for `period`: the
    /// bonus period's results only (each assessed period when the scheme names none).
    pub fn pays_bonus_for(&self, period: crate::period::Period) -> bool {
        period.kind() == self.bonus_period.unwrap_or(self.period)
    }

    /// Every indicator code on the scorecard, in order.
    pub fn indicator_codes(&self) -> impl Iterator<Item = &str> {
        self.groups
            .iter()
            .flat_map(|g| g.items.iter().map(|i| i.indicator.as_str()))
    }

    /// Every problem with the scheme; `known` says whether an indicator code exists and
    /// `suggest` proposes a close one. Empty when the scheme is valid.
    pub fn problems(
        &self,
        known: &dyn Fn(&str) -> bool,
        suggest: &dyn Fn(&str) -> Option<String>,
    ) -> Vec<Problem> {
        let mut out = Vec::new();
        self.identity_problems(&mut out);
        self.group_problems(known, suggest, &mut out);
        self.rater_problems(&mut out);
        self.composition_problems(known, &mut out);
        grade_problems(&self.grades, &mut out);
        bonus_problems(&self.bonus, &mut out);
        out
    }

    fn identity_problems(&self, out: &mut Vec<Problem>) {
        if !valid_code(&self.code) {
            out.push(Problem::new(
                "code",
                format!("方案代码 `{}` 须由小写字母、数字和下划线组成", self.code),
                format!(
                    "scheme code `{}` must be lowercase letters, digits and underscores",
                    self.code
                ),
            ));
        }
        if self.version == 0 {
            out.push(Problem::new(
                "version",
                "版本号从 1 开始",
                "the version starts at 1",
            ));
        }
        if self.name_zh.trim().is_empty() || self.name_en.trim().is_empty() {
            out.push(Problem::new(
                "name",
                "方案需要中文名和英文名",
                "a scheme needs a Chinese and an English name",
            ));
        }
    }

    fn group_problems(
        &self,
        known: &dyn Fn(&str) -> bool,
        suggest: &dyn Fn(&str) -> Option<String>,
        out: &mut Vec<Problem>,
    ) {
        if self.groups.is_empty() {
            out.push(Problem::new(
                "groups",
                "方案至少需要一个指标组",
                "a scheme needs at least one indicator group",
            ));
            return;
        }
        out.extend(sum_problem(
            "groups",
            "指标组权重",
            "indicator group weights",
            Weight::sum(self.groups.iter().map(|g| &g.weight)),
        ));
        let mut group_codes = BTreeSet::new();
        let mut seen = BTreeSet::new();
        for g in &self.groups {
            let at = format!("groups[{}]", g.code);
            if !group_codes.insert(g.code.as_str()) {
                out.push(Problem::new(
                    &at,
                    format!("指标组代码 `{}` 重复", g.code),
                    format!("duplicate group code `{}`", g.code),
                ));
            }
            if g.items.is_empty() {
                out.push(Problem::new(
                    &at,
                    "指标组中没有指标",
                    "the group has no indicators",
                ));
                continue;
            }
            let sum = Weight::sum(g.items.iter().map(|i| &i.weight));
            if sum != u64::from(g.weight.hundredths()) {
                let (s, w) = (fmt_hundredths(sum), g.weight);
                out.push(Problem::new(
                    &at,
                    format!("组内指标权重之和为 {s}，应等于该组权重 {w}"),
                    format!("the group's indicator weights sum to {s} but the group weighs {w}"),
                ));
            }
            for item in &g.items {
                let at = format!("{at}.items[{}]", item.indicator);
                if !known(&item.indicator) {
                    let hint = suggest(&item.indicator);
                    let (hz, he) = hint.map_or((String::new(), String::new()), |h| {
                        (
                            format!("；是否想用 `{h}`？"),
                            format!("; did you mean `{h}`?"),
                        )
                    });
                    out.push(Problem::new(
                        &at,
                        format!("未知指标 `{}`{hz}", item.indicator),
                        format!("unknown indicator `{}`{he}", item.indicator),
                    ));
                }
                if !seen.insert(item.indicator.as_str()) {
                    out.push(Problem::new(
                        &at,
                        format!("指标 `{}` 在方案中出现多次", item.indicator),
                        format!("indicator `{}` appears more than once", item.indicator),
                    ));
                }
            }
        }
    }

    fn rater_problems(&self, out: &mut Vec<Problem>) {
        if self.raters.is_empty() {
            return;
        }
        out.extend(sum_problem(
            "raters",
            "评分主体权重",
            "rater group weights",
            Weight::sum(self.raters.iter().map(|r| &r.weight)),
        ));
        if self.rater_mix == RaterMix::WholePeriod
            && !self.raters.iter().any(|r| r.group == RaterGroup::Superior)
        {
            out.push(Problem::new(
                "rater_mix",
                "按整期得分合成（whole_period）时，上级评估即评分表本身，评分主体中须有 superior",
                "a whole-period rater mix takes the scorecard as the superior's part: the raters must include superior",
            ));
        }
        let mut seen = BTreeSet::new();
        for r in &self.raters {
            if !seen.insert(r.group) {
                out.push(Problem::new(
                    format!("raters[{}]", r.group.as_str()),
                    format!("评分主体 `{}` 重复", r.group.as_str()),
                    format!("rater group `{}` is listed twice", r.group.as_str()),
                ));
            }
        }
    }

    fn composition_problems(&self, known: &dyn Fn(&str) -> bool, out: &mut Vec<Problem>) {
        match &self.composition {
            Composition::Weighted => {}
            Composition::WorkAttendance {
                work,
                attendance,
                per_absent_day,
            } => {
                out.extend(sum_problem(
                    "composition",
                    "工作与出勤权重",
                    "work and attendance weights",
                    Weight::sum([work, attendance]),
                ));
                if !(per_absent_day.is_finite()
                    && *per_absent_day > 0.0
                    && *per_absent_day <= 100.0)
                {
                    out.push(Problem::new(
                        "composition.per_absent_day",
                        format!("每缺勤一天扣分 {per_absent_day} 须在 0 到 100 之间"),
                        format!("points off per absent day ({per_absent_day}) must be above 0 and at most 100"),
                    ));
                }
            }
            Composition::Behaviour { max_factor } => {
                if !(max_factor.is_finite() && (1.0..=2.0).contains(max_factor)) {
                    out.push(Problem::new(
                        "composition.max_factor",
                        format!("行为系数上限 {max_factor} 须在 1 到 2 之间"),
                        format!(
                            "the highest behaviour factor ({max_factor}) must be between 1 and 2"
                        ),
                    ));
                }
            }
        }
        if let Some(kind) = self.bonus_period.filter(|k| *k < self.period) {
            out.push(Problem::new(
                "bonus_period",
                format!(
                    "奖金周期 `{}` 短于考核周期 `{}`",
                    kind.as_str(),
                    self.period.as_str()
                ),
                format!(
                    "the bonus period `{}` is shorter than the assessed period `{}`",
                    kind.as_str(),
                    self.period.as_str()
                ),
            ));
        }
        if let AnnualRule::Parts {
            performance,
            attitude,
            ability,
            attitude_indicators,
            ability_indicators,
        } = &self.annual
        {
            out.extend(sum_problem(
                "annual",
                "年度业绩、态度、能力权重",
                "annual performance, attitude and ability weights",
                Weight::sum([performance, attitude, ability]),
            ));
            for (name, w, list) in [
                ("attitude", attitude, attitude_indicators),
                ("ability", ability, ability_indicators),
            ] {
                if *w != Weight::ZERO && list.is_empty() {
                    out.push(Problem::new(
                        format!("annual.{name}_indicators"),
                        format!("`{name}` 有权重但没有指标"),
                        format!("`{name}` has a weight but no indicators"),
                    ));
                }
                for code in list.iter().filter(|c| !known(c)) {
                    out.push(Problem::new(
                        format!("annual.{name}_indicators"),
                        format!("未知指标 `{code}`"),
                        format!("unknown indicator `{code}`"),
                    ));
                }
            }
        }
    }
}

/// Bands must be listed best first with strictly falling bounds, the last reaching 0 so
/// every score has one.
fn band_order_problems(at: &str, mins: &[f64], out: &mut Vec<Problem>) {
    if mins.is_empty() {
        out.push(Problem::new(
            at,
            "至少需要一档",
            "at least one band is needed",
        ));
        return;
    }
    if mins.iter().any(|m| !m.is_finite()) || mins.windows(2).any(|w| w[0] <= w[1]) {
        out.push(Problem::new(
            at,
            "各档下限须从高到低严格排列",
            "band lower bounds must fall strictly from the best band down",
        ));
    }
    if mins.last().is_some_and(|m| *m > 0.0) {
        out.push(Problem::new(
            at,
            "最低一档的下限须为 0，使每个分数都有归属",
            "the last band must start at 0 so that every score has one",
        ));
    }
}

fn grade_problems(grades: &[GradeBand], out: &mut Vec<Problem>) {
    let mins: Vec<f64> = grades.iter().map(|g| g.min).collect();
    band_order_problems("grades", &mins, out);
    let mut seen = BTreeSet::new();
    for g in grades {
        if !valid_code(&g.code) || !seen.insert(g.code.as_str()) {
            out.push(Problem::new(
                format!("grades[{}]", g.code),
                "等级代码须唯一且由小写字母、数字和下划线组成",
                "grade codes must be unique lowercase letters, digits and underscores",
            ));
        }
    }
}

fn bonus_problems(bonus: &[BonusBand], out: &mut Vec<Problem>) {
    let mins: Vec<f64> = bonus.iter().map(|b| b.min).collect();
    band_order_problems("bonus", &mins, out);
    if bonus
        .iter()
        .any(|b| !(b.coefficient.is_finite() && b.coefficient >= 0.0))
    {
        out.push(Problem::new(
            "bonus",
            "奖金系数不能为负",
            "bonus coefficients cannot be negative",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(p: u32) -> Weight {
        Weight::percent(p).unwrap()
    }

    fn item(code: &str, p: u32) -> SchemeItem {
        SchemeItem {
            indicator: code.into(),
            weight: w(p),
        }
    }

    fn group(code: &str, p: u32, items: Vec<SchemeItem>) -> IndicatorGroup {
        IndicatorGroup {
            code: code.into(),
            name_zh: code.into(),
            name_en: code.into(),
            weight: w(p),
            items,
        }
    }

    fn scheme(groups: Vec<IndicatorGroup>) -> Scheme {
        Scheme {
            code: "s".into(),
            version: 1,
            name_zh: "方案".into(),
            name_en: "Scheme".into(),
            period: PeriodKind::Month,
            positions: vec![],
            raters: vec![],
            rater_mix: RaterMix::RatedIndicators,
            not_applicable: NotApplicable::Redistribute,
            composition: Composition::Weighted,
            annual: AnnualRule::MeanOfMonths,
            bonus_period: None,
            grades: default_grades(),
            bonus: default_bonus(),
            groups,
        }
    }

    fn problems(s: &Scheme) -> Vec<Problem> {
        let known = |c: &str| ["a", "b", "c", "d"].contains(&c);
        s.problems(&known, &|c: &str| {
            crate::formula::closest(c, ["a", "b", "c", "d"])
        })
    }

    #[test]
    fn weights_are_exact_hundredths_of_a_percent() {
        assert_eq!(Weight::from_percent(12.34).unwrap().hundredths(), 1234);
        assert_eq!(Weight::from_percent(0.1 + 0.2).unwrap().hundredths(), 30);
        assert!(Weight::from_percent(12.345).is_err());
        assert!(Weight::from_percent(100.01).is_err());
        assert!(Weight::from_percent(-1.0).is_err());
        assert_eq!(Weight::from_percent(12.5).unwrap().to_string(), "12.5%");
        assert_eq!(w(10).to_string(), "10%");
        assert_eq!(fmt_hundredths(10_500), "105%");
        assert_eq!(fmt_hundredths(9_925), "99.25%");
    }

    #[test]
    fn weights_read_as_numbers_or_percent_text_and_write_as_numbers() {
        #[derive(Serialize, Deserialize, Debug, PartialEq)]
        struct T {
            a: Weight,
            b: Weight,
            c: Weight,
        }
        let t: T = toml::from_str("a = 10\nb = 12.5\nc = \"7.25%\"").unwrap();
        assert_eq!(
            (t.a.hundredths(), t.b.hundredths(), t.c.hundredths()),
            (1000, 1250, 725)
        );
        assert_eq!(toml::to_string(&t).unwrap(), "a = 10\nb = 12.5\nc = 7.25\n");
        let e = toml::from_str::<T>("a = 10\nb = 120\nc = 1")
            .unwrap_err()
            .to_string();
        assert!(e.contains("invalid weight 120"), "{e}");
    }

    #[test]
    fn a_weight_sum_of_105_is_refused_with_the_actual_sum() {
        let s = scheme(vec![
            group("g1", 55, vec![item("a", 55)]),
            group("g2", 50, vec![item("b", 50)]),
        ]);
        let p = problems(&s);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].at, "groups");
        assert!(p[0].en.contains("sum to 105%"), "{}", p[0]);
        assert!(p[0].zh.contains("之和为 105%"), "{}", p[0]);
    }

    #[test]
    fn weights_summing_to_exactly_100_pass() {
        let s = scheme(vec![
            group("g1", 60, vec![item("a", 30), item("b", 30)]),
            group("g2", 40, vec![item("c", 40)]),
        ]);
        assert!(problems(&s).is_empty());
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut s = scheme(vec![
            group("g1", 60, vec![item("a", 30), item("zz", 20), item("a", 5)]),
            group("g1", 30, vec![]),
        ]);
        s.raters = vec![
            RaterWeight {
                group: RaterGroup::Superior,
                weight: w(70),
            },
            RaterWeight {
                group: RaterGroup::Peers,
                weight: w(20),
            },
        ];
        let p = problems(&s);
        let text: Vec<String> = p.iter().map(|p| p.to_string()).collect();
        let has = |needle: &str| text.iter().any(|t| t.contains(needle));
        assert!(has("groups: 指标组权重之和为 90%"), "{text:#?}");
        assert!(has("groups[g1]: 指标组代码 `g1` 重复"), "{text:#?}");
        assert!(has("the group has no indicators"), "{text:#?}");
        assert!(
            has("indicator weights sum to 55% but the group weighs 60%"),
            "{text:#?}"
        );
        assert!(has("groups[g1].items[zz]: 未知指标 `zz`"), "{text:#?}");
        assert!(has("indicator `a` appears more than once"), "{text:#?}");
        assert!(has("rater group weights sum to 90%"), "{text:#?}");
        assert_eq!(p.len(), 7, "{text:#?}");
    }

    #[test]
    fn an_unknown_indicator_suggests_a_close_code() {
        let known = |c: &str| c == "order_entry_error_rate";
        let suggest = |c: &str| crate::formula::closest(c, ["order_entry_error_rate"]);
        let s = scheme(vec![group(
            "g",
            100,
            vec![item("order_entry_eror_rate", 100)],
        )]);
        let p = s.problems(&known, &suggest);
        assert!(
            p[0].en.ends_with("did you mean `order_entry_error_rate`?"),
            "{}",
            p[0]
        );
    }

    #[test]
    fn composition_and_annual_weights_must_sum_to_100() {
        let mut s = scheme(vec![group("g", 100, vec![item("a", 100)])]);
        s.composition = Composition::WorkAttendance {
            work: w(70),
            attendance: w(40),
            per_absent_day: 4.0,
        };
        s.annual = AnnualRule::Parts {
            performance: w(70),
            attitude: w(20),
            ability: w(5),
            attitude_indicators: vec!["a".into()],
            ability_indicators: vec![],
        };
        let text: Vec<String> = problems(&s).iter().map(ToString::to_string).collect();
        assert!(
            text.iter()
                .any(|t| t.contains("work and attendance weights sum to 110%")),
            "{text:#?}"
        );
        assert!(
            text.iter()
                .any(|t| t.contains("ability weights sum to 95%")),
            "{text:#?}"
        );
        assert!(
            text.iter()
                .any(|t| t.contains("`ability` has a weight but no indicators")),
            "{text:#?}"
        );
    }

    #[test]
    fn grade_bands_must_fall_and_reach_zero() {
        let mut s = scheme(vec![group("g", 100, vec![item("a", 100)])]);
        s.grades.swap(0, 1);
        s.bonus.pop();
        let text: Vec<String> = problems(&s).iter().map(ToString::to_string).collect();
        assert!(
            text.iter()
                .any(|t| t.starts_with("grades: ") && t.contains("fall strictly")),
            "{text:#?}"
        );
        assert!(
            text.iter()
                .any(|t| t.starts_with("bonus: ") && t.contains("must start at 0")),
            "{text:#?}"
        );
    }

    #[test]
    fn a_scheme_round_trips_through_toml() {
        let mut s = scheme(vec![group(
            "g",
            100,
            vec![
                item("a", 62),
                SchemeItem {
                    indicator: "b".into(),
                    weight: Weight::from_percent(37.5).unwrap(),
                },
                item("c", 0),
            ],
        )]);
        s.groups[0].items[2].weight = Weight::from_percent(0.5).unwrap();
        s.raters = vec![RaterWeight {
            group: RaterGroup::SelfReview,
            weight: w(100),
        }];
        s.composition = Composition::Behaviour { max_factor: 1.2 };
        let text = toml::to_string(&s).unwrap();
        assert!(text.contains("group = \"self\""), "{text}");
        let back: Scheme = toml::from_str(&text).unwrap();
        assert_eq!(back, s);
    }
}
