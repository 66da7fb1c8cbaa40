//! Dashboards (SPEC §8): what the personal and the team / department dashboards read.
//!
//! Every query here is bounded: stored scorecards of one period (indexed on `period`), one
//! person's scorecards of a list of periods (the `(period, employee_id, version)` key), the
//! month's roll-up buckets, or the stored award rows of a period. None scans the raw record
//! tables, so a dashboard costs a handful of indexed reads whatever the company's size.
//! Every query is narrowed by the [`Viewer`]'s scope, except the rank, which returns only
//! two numbers (a rep sees their place, not their peers' details; SPEC §1).

use crate::evaluate::measures::{self, Source, Wanted};
use crate::sql::Sql;
use crate::{Result, Store, Viewer};
use kaohe_domain::formula::{Formula, PeriodOffset};
use kaohe_domain::period::Period;
use kaohe_domain::roles::Scope;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// One row of a period's leaderboard (stored current scorecards).
#[derive(Debug, Clone, Serialize)]
pub struct LeaderRow {
    /// 1-based; people with the same total share a rank.
    pub rank: i64,
    pub employee_id: i64,
    pub employee_code: String,
    pub name: String,
    pub team: Option<String>,
    pub total: Option<f64>,
    pub grade: Option<String>,
}

/// A leaderboard: its first rows and how many people it has in all.
#[derive(Debug, Clone, Serialize)]
pub struct Leaderboard {
    pub rows: Vec<LeaderRow>,
    pub people: i64,
}

/// A person's place among the scorecards of a period: `rank` of `of`.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Place {
    pub rank: i64,
    pub of: i64,
}

/// A person's rank in their team and their department for a period.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Ranks {
    pub period: String,
    pub team: Option<Place>,
    pub department: Option<Place>,
}

/// Target against actual of one indicator, summed over the people in scope.
#[derive(Debug, Clone, Serialize)]
pub struct TargetActual {
    pub indicator: String,
    pub actual: f64,
    /// Individual targets where set, the library's target for the others; `None`: neither.
    pub target: Option<f64>,
    /// How many scorecards had the indicator.
    pub people: i64,
}

/// The call funnel of a period: outbound calls → connected → call-backs → deals (contracts
/// signed), summed over the people in scope, from the roll-ups.
#[derive(Debug, Clone, Copy, Serialize, Default, PartialEq)]
pub struct Funnel {
    pub calls: f64,
    pub connected: f64,
    pub callbacks: f64,
    pub deals: f64,
}

/// The indicators of "target against actual": the main sales counts and amounts.
pub const SALES_INDICATORS: &[&str] = &[
    "sales_amount",
    "signed_amount",
    "collected_amount",
    "new_customers",
    "callback_count",
    "invited_visits",
];

/// The funnel's steps as formulas of the indicator library, so that their measures are the
/// library's own, already kept in the roll-ups (no first-use build on a dashboard request).
const FUNNEL_FORMULAS: [&str; 4] = [
    "count(calls where direction = \"outbound\")",
    "count(calls where direction = \"outbound\" and outcome != \"no_answer\")",
    "count(calls where is_callback)",
    "count(contracts dated signed_day)",
];

/// The measures of the call funnel.
pub(crate) fn funnel_measures() -> Result<Vec<Wanted>> {
    let mut wanted = Vec::with_capacity(FUNNEL_FORMULAS.len());
    for f in FUNNEL_FORMULAS {
        let formula = Formula::parse(f).map_err(|e| crate::StoreError::Invalid {
            field: "funnel".into(),
            message: e.to_string(),
        })?;
        wanted.extend(formula.measures().iter().map(|m| Wanted {
            measure: m.clone(),
            offset: PeriodOffset::Current,
        }));
    }
    Ok(wanted)
}

/// How many leaderboard rows a page shows at most (the grade distribution counts everybody).
pub const LEADERBOARD_ROWS: i64 = 100;

impl Store {
    /// `employee`'s current stored totals over `periods` (absent: no stored scorecard),
    /// within the viewer's scope.
    pub async fn score_history(
        &self,
        viewer: &Viewer,
        employee: i64,
        periods: &[Period],
    ) -> Result<BTreeMap<String, Option<f64>>> {
        let mut sql = Sql::new(
            "SELECT period, total FROM scorecards WHERE current = TRUE AND employee_id = ",
        );
        sql.bind(employee)
            .push(" AND period IN ")
            .bind_list(periods.iter().map(|p| p.to_string()));
        viewer.restrict(&mut sql, "employee_id");
        Ok(self
            .fetch_all::<(String, Option<f64>)>(&sql)
            .await?
            .into_iter()
            .collect())
    }

    /// `employee`'s rank by stored total in their team and their department for `period`
    /// (`None` where they have no scored card or no team). The viewer must see the person;
    /// only the two numbers come back, never the peers' scores.
    pub async fn ranks(&self, viewer: &Viewer, employee: i64, period: Period) -> Result<Ranks> {
        let me = self.employee(viewer, employee).await?;
        let code = period.to_string();
        let mut sql = Sql::new(
            "SELECT s.total, e.team_id, e.department_id FROM scorecards s JOIN employees e ON e.id = s.employee_id \
             WHERE s.current = TRUE AND s.total IS NOT NULL AND s.period = ",
        );
        sql.bind(code.as_str())
            .push(" AND s.employee_id = ")
            .bind(me.id);
        let Some((total, team, dept)) =
            self.fetch_optional::<(f64, Option<i64>, i64)>(&sql).await?
        else {
            return Ok(Ranks {
                period: code,
                team: None,
                department: None,
            });
        };
        let place = |column: &'static str, group: i64| {
            let mut sql =
                Sql::new("SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(CASE WHEN s.total > ");
            sql.bind(total)
                .push(" THEN 1 ELSE 0 END), 0) AS BIGINT) FROM scorecards s JOIN employees e ON e.id = s.employee_id \
                       WHERE s.current = TRUE AND s.total IS NOT NULL AND s.period = ")
                .bind(code.as_str())
                .push(" AND e.")
                .push(column)
                .push(" = ")
                .bind(group);
            sql
        };
        let team = match team {
            Some(t) => {
                let (of, above) = self
                    .fetch_optional::<(i64, i64)>(&place("team_id", t))
                    .await?
                    .unwrap_or((0, 0));
                Some(Place {
                    rank: above + 1,
                    of,
                })
            }
            None => None,
        };
        let (of, above) = self
            .fetch_optional::<(i64, i64)>(&place("department_id", dept))
            .await?
            .unwrap_or((0, 0));
        Ok(Ranks {
            period: code,
            team,
            department: Some(Place {
                rank: above + 1,
                of,
            }),
        })
    }

    /// The leaderboard of `period` within the viewer's scope: stored current scorecards by
    /// total, best first (ties by employee number), at most [`LEADERBOARD_ROWS`] rows.
    pub async fn leaderboard(&self, viewer: &Viewer, period: Period) -> Result<Leaderboard> {
        let code = period.to_string();
        let mut count = Sql::new(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM scorecards s WHERE s.current = TRUE AND s.period = ",
        );
        count.bind(code.as_str());
        viewer.restrict(&mut count, "s.employee_id");
        let people = self.fetch_i64(&count).await?;
        let mut sql = Sql::new(
            "SELECT s.employee_id, e.code, e.name, t.name, s.total, s.grade FROM scorecards s \
             JOIN employees e ON e.id = s.employee_id LEFT JOIN teams t ON t.id = e.team_id \
             WHERE s.current = TRUE AND s.period = ",
        );
        sql.bind(code.as_str());
        viewer.restrict(&mut sql, "s.employee_id");
        sql.push(
            " ORDER BY CASE WHEN s.total IS NULL THEN 1 ELSE 0 END, s.total DESC, e.code LIMIT ",
        )
        .bind(LEADERBOARD_ROWS);
        type Row = (
            i64,
            String,
            String,
            Option<String>,
            Option<f64>,
            Option<String>,
        );
        let fetched: Vec<Row> = self.fetch_all(&sql).await?;
        let mut rows = Vec::with_capacity(fetched.len());
        let mut rank = 0;
        let mut last: Option<Option<f64>> = None;
        for (i, (id, no, name, team, total, grade)) in fetched.into_iter().enumerate() {
            // Equal totals share the rank of the first of them (1, 2, 2, 4).
            if last != Some(total) {
                rank = i64::try_from(i).unwrap_or(i64::MAX) + 1;
                last = Some(total);
            }
            rows.push(LeaderRow {
                rank,
                employee_id: id,
                employee_code: no,
                name,
                team,
                total,
                grade,
            });
        }
        Ok(Leaderboard { rows, people })
    }

    /// How many current scorecards of `period` in the viewer's scope have each grade
    /// (`None`: no grade, e.g. no total).
    pub async fn grade_counts(
        &self,
        viewer: &Viewer,
        period: Period,
    ) -> Result<Vec<(Option<String>, i64)>> {
        let mut sql = Sql::new(
            "SELECT s.grade, CAST(COUNT(*) AS BIGINT) FROM scorecards s WHERE s.current = TRUE AND s.period = ",
        );
        sql.bind(period.to_string());
        viewer.restrict(&mut sql, "s.employee_id");
        sql.push(" GROUP BY s.grade");
        self.fetch_all(&sql).await
    }

    /// Target against actual of [`SALES_INDICATORS`] over the stored scorecards of `period`
    /// in the viewer's scope; indicators nobody has are left out.
    pub async fn targets_against_actuals(
        &self,
        viewer: &Viewer,
        period: Period,
    ) -> Result<Vec<TargetActual>> {
        let mut sql = Sql::new(
            "SELECT s.id, s.employee_id, s.lines FROM scorecards s WHERE s.current = TRUE AND s.period = ",
        );
        sql.bind(period.to_string());
        viewer.restrict(&mut sql, "s.employee_id");
        let cards: Vec<(i64, i64, String)> = self.fetch_all(&sql).await?;
        let mut sql = Sql::new(
            "SELECT employee_id, indicator_code, value FROM targets WHERE status <> 'disputed' AND period = ",
        );
        sql.bind(period.to_string())
            .push(" AND indicator_code IN ")
            .bind_list(SALES_INDICATORS.iter().copied());
        viewer.restrict(&mut sql, "employee_id");
        let targets: HashMap<(i64, String), f64> = self
            .fetch_all::<(i64, String, f64)>(&sql)
            .await?
            .into_iter()
            .map(|(e, code, v)| ((e, code), v))
            .collect();
        // Per indicator: the sum of the actuals, of the individual targets, the people with a
        // value and those of them with an individual target.
        let mut rows: BTreeMap<String, (f64, Option<f64>, i64, i64)> = BTreeMap::new();
        for (card, employee, text) in cards {
            for line in crate::evaluate::lines::unpack(card, &text)? {
                let Some(value) = line
                    .value
                    .filter(|_| SALES_INDICATORS.contains(&line.indicator_code.as_str()))
                else {
                    continue;
                };
                let target = targets
                    .get(&(employee, line.indicator_code.clone()))
                    .copied();
                let row = rows.entry(line.indicator_code).or_default();
                row.0 += value;
                if let Some(t) = target {
                    row.1 = Some(row.1.unwrap_or(0.0) + t);
                    row.3 += 1;
                }
                row.2 += 1;
            }
        }
        let lib = self.library().await?.library;
        let mut out = Vec::new();
        for code in SALES_INDICATORS {
            let Some((actual, set, people, with_target)) = rows.get(*code) else {
                continue;
            };
            // People without an individual target are held to the library's target.
            let default = lib.indicator(code).and_then(|i| i.target);
            let rest = (people - with_target) as f64;
            let target = match (set, default) {
                (Some(s), Some(d)) => Some(s + d * rest),
                (Some(s), None) => Some(*s),
                (None, Some(d)) => Some(d * rest),
                (None, None) => None,
            };
            out.push(TargetActual {
                indicator: code.to_string(),
                actual: *actual,
                target,
                people: *people,
            });
        }
        Ok(out)
    }

    /// The call funnel of `period` over everybody in the viewer's scope, read from the
    /// month's roll-up buckets (registered with the library's by [`Store::prepare_rollups`]).
    pub async fn call_funnel(&self, viewer: &Viewer, period: Period) -> Result<Funnel> {
        let wanted = funnel_measures()?;
        let cal = self.calendar(period.start()).await?;
        let computed =
            measures::compute(self, viewer, &wanted, period, None, &cal, Source::Rollups).await?;
        let sums: Vec<f64> = (0..wanted.len()).map(|i| computed.sum(i)).collect();
        Ok(Funnel {
            calls: sums.first().copied().unwrap_or(0.0),
            connected: sums.get(1).copied().unwrap_or(0.0),
            callbacks: sums.get(2).copied().unwrap_or(0.0),
            deals: sums.get(3).copied().unwrap_or(0.0),
        })
    }

    /// The stored award rows of `period` (candidates computed by `kaohe awards compute`, and
    /// their decisions) whose person or team is in the viewer's scope.
    pub async fn awards_in_scope(
        &self,
        viewer: &Viewer,
        period: Period,
    ) -> Result<Vec<(crate::awards::AwardRow, Option<String>)>> {
        let awards = self.awards(period).await?;
        if awards.is_empty() {
            return Ok(Vec::new());
        }
        // Whom the viewer sees among the award's people (a handful of rows), and team names.
        let people: Vec<i64> = awards.iter().filter_map(|a| a.employee_id).collect();
        let mut sql = Sql::new("SELECT id, name, team_id FROM employees WHERE id IN ");
        sql.bind_list(people.iter().copied());
        viewer.restrict(&mut sql, "id");
        let seen: BTreeMap<i64, (String, Option<i64>)> = self
            .fetch_all::<(i64, String, Option<i64>)>(&sql)
            .await?
            .into_iter()
            .map(|(id, name, team)| (id, (name, team)))
            .collect();
        let teams: BTreeMap<i64, (String, i64)> = self
            .teams()
            .await?
            .into_iter()
            .map(|t| (t.id, (t.name, t.department_id)))
            .collect();
        // A team award is the team's: the viewer sees it as they see the team.
        let see_team = |team: i64| match viewer.scope() {
            Scope::All => true,
            Scope::Department => teams
                .get(&team)
                .is_some_and(|t| viewer.department_ids.contains(&t.1)),
            Scope::Team => viewer.team_id == Some(team),
            Scope::Own => false,
        };
        Ok(awards
            .into_iter()
            .filter_map(|a| match (a.employee_id, a.team_id) {
                (Some(e), _) => seen.get(&e).map(|(n, _)| n.clone()).map(|n| (a, Some(n))),
                (None, Some(t)) if see_team(t) => {
                    let name = teams.get(&t).map(|t| t.0.clone());
                    Some((a, name))
                }
                _ => None,
            })
            .collect())
    }
}
