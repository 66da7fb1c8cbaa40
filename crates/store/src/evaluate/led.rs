//! The people a person leads (SPEC §5a, §7a: team targets roll up): the members of the teams
//! they lead (`team`), and everyone in their department and the departments below it
//! (`department`). Team and department measures and targets are sums of the members' own
//! values, made once per team and department — never by evaluating the members again per
//! leader.

use crate::sql::Sql;
use crate::{Result, Store};
use kaohe_domain::formula::Over;
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
