//! The people a person leads (SPEC §5a, §7a: team targets roll up): the members of the teams
//! they lead (`team`), and everyone in their department and the departments below it
//! (`department`). Team and department measures and targets are sums of the members' own
//! values, made once per team and department — never by evaluating the members again per
//! leader.

use crate::sql::Sql;
use crate::{Result, Store};
use kaohe_domain::composition::round2;
use kaohe_domain::formula::{MemberStat, Over};
use std::collections::BTreeMap;
use std::collections::HashMap;

/// Who belongs where, read once per evaluation.
#[derive(Debug, Default)]
pub(crate) struct Led {
    /// Each employee's team and department.
    people: Vec<(i64, Option<i64>, i64)>,
    /// The leader of each team that has one.
    team_leader: HashMap<i64, i64>,
    /// Each department's parent.
    parent: HashMap<i64, Option<i64>>,
}

impl Store {
    /// The organisation as [`Led`] needs it.
    pub(crate) async fn led(&self) -> Result<Led> {
        let people: Vec<(i64, Option<i64>, i64)> = self
            .fetch_all(&Sql::new(
                "SELECT id, team_id, department_id FROM employees",
            ))
            .await?;
        let teams: Vec<(i64, i64)> = self
            .fetch_all(&Sql::new(
                "SELECT id, leader_id FROM teams WHERE leader_id IS NOT NULL",
            ))
            .await?;
        let parent: Vec<(i64, Option<i64>)> = self
            .fetch_all(&Sql::new("SELECT id, parent_id FROM departments"))
            .await?;
        Ok(Led {
            people,
            team_leader: teams.into_iter().collect(),
            parent: parent.into_iter().collect(),
        })
    }
}

impl Led {
    /// For every person, the mean of the `totals` of the people they lead and the percentage
    /// of those whose total reaches 60 (rounded to 2 decimals), by team and by department —
    /// the person themself left out. People without a total do not count; a person leading
    /// nobody with one has no value.
    pub(crate) fn member_results(
        &self,
        totals: &HashMap<i64, f64>,
    ) -> HashMap<i64, BTreeMap<(Over, MemberStat), f64>> {
        let total = |m: i64| totals.get(&m).copied();
        let team_of: HashMap<i64, Option<i64>> = self.people.iter().map(|p| (p.0, p.1)).collect();
        let mut out: HashMap<i64, BTreeMap<(Over, MemberStat), f64>> = HashMap::new();
        for over in [Over::Team, Over::Department] {
            let sum = self.sums(over, |m| total(m).unwrap_or(0.0));
            let count = self.sums(over, |m| if total(m).is_some() { 1.0 } else { 0.0 });
            let passing = self.sums(over, |m| match total(m) {
                Some(t) if round2(t) >= 60.0 => 1.0,
                _ => 0.0,
            });
            for (person, n) in &count {
                let mine = if self.in_own(over, *person, &team_of) {
                    total(*person)
                } else {
                    None
                };
                let (n, s, p) = match mine {
                    Some(t) => (
                        n - 1.0,
                        sum[person] - t,
                        passing[person] - if round2(t) >= 60.0 { 1.0 } else { 0.0 },
                    ),
                    None => (*n, sum[person], passing[person]),
                };
                if n >= 1.0 {
                    let stats = out.entry(*person).or_default();
                    stats.insert((over, MemberStat::Mean), s / n);
                    stats.insert((over, MemberStat::PassShare), p / n * 100.0);
                }
            }
        }
        out
    }

    /// Everyone `person` leads by the `scopes` given (the members of the teams they lead,
    /// everyone in their department and below), themself left out.
    pub(crate) fn people_led(&self, person: i64, scopes: &[Over]) -> Vec<i64> {
        let by_team = scopes.contains(&Over::Team);
        let by_department = scopes.contains(&Over::Department);
        let teams: Vec<i64> = self
            .team_leader
            .iter()
            .filter(|(_, l)| **l == person)
            .map(|(t, _)| *t)
            .collect();
        let Some(dept) = self.people.iter().find(|p| p.0 == person).map(|p| p.2) else {
            return Vec::new();
        };
        self.people
            .iter()
            .filter(|(id, team, d)| {
                *id != person
                    && ((by_team && team.is_some_and(|t| teams.contains(&t)))
                        || (by_department && self.below(*d, dept)))
            })
            .map(|p| p.0)
            .collect()
    }

    /// Whether department `d` is `top` or below it.
    fn below(&self, d: i64, top: i64) -> bool {
        let mut at = Some(d);
        for _ in 0..=self.parent.len() {
            match at {
                Some(x) if x == top => return true,
                Some(x) => at = self.parent.get(&x).copied().flatten(),
                None => return false,
            }
        }
        false
    }

    /// Whether `person` is among the people they lead by `over` (a leader in their own team;
    /// everyone in their own department).
    fn in_own(&self, over: Over, person: i64, team_of: &HashMap<i64, Option<i64>>) -> bool {
        match over {
            Over::Own | Over::Department => true,
            Over::Team => team_of
                .get(&person)
                .copied()
                .flatten()
                .is_some_and(|team| self.team_leader.get(&team) == Some(&person)),
        }
    }

    /// For every person, the sum of `value` over the people they lead by `over` (people who
    /// lead nobody are absent from a team sum). `value` of a member without one is 0.
    pub(crate) fn sums(&self, over: Over, value: impl Fn(i64) -> f64) -> HashMap<i64, f64> {
        match over {
            Over::Own => self.people.iter().map(|p| (p.0, value(p.0))).collect(),
            Over::Team => {
                let mut by_team: HashMap<i64, f64> = HashMap::new();
                for (id, team, _) in &self.people {
                    if let Some(t) = team {
                        *by_team.entry(*t).or_default() += value(*id);
                    }
                }
                let mut out: HashMap<i64, f64> = HashMap::new();
                for (team, leader) in &self.team_leader {
                    *out.entry(*leader).or_default() += by_team.get(team).copied().unwrap_or(0.0);
                }
                out
            }
            Over::Department => {
                let mut direct: HashMap<i64, f64> = HashMap::new();
                for (id, _, dept) in &self.people {
                    *direct.entry(*dept).or_default() += value(*id);
                }
                // Each department's sum reaches every department above it.
                let mut subtree: HashMap<i64, f64> = HashMap::new();
                for (dept, v) in direct {
                    let mut at = Some(dept);
                    let mut guard = 0;
                    while let Some(d) = at
                        && guard <= self.parent.len()
                    {
                        *subtree.entry(d).or_default() += v;
                        at = self.parent.get(&d).copied().flatten();
                        guard += 1;
                    }
                }
                self.people
                    .iter()
                    .map(|(id, _, dept)| (*id, subtree.get(dept).copied().unwrap_or(0.0)))
                    .collect()
            }
        }
    }
}
