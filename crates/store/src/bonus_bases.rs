//! Bonus bases HR sets (`bonus_base_rules`, migration 10; the rules are in
//! [`kaohe_domain::bonus_base`]): written all or nothing with every problem named, audited,
//! listed for HR and finance, and looked up for the bonus computation — a person no rule
//! reaches is an error that names them, never a silent default.

use crate::audit::AuditEntry;
use crate::cycle::require_role;
use crate::records::import_only;
use crate::records::{ImportFailure, ImportOptions, ImportOutcome};
use crate::sql::Sql;
use crate::{Result, Store, StoreError, Viewer};
use chrono::{DateTime, Utc};
use kaohe_domain::bonus_base::{BaseKeys, BaseRule, BaseScope, base_in_force};
use kaohe_domain::import::files::RowSource;
use kaohe_domain::import::spec::BONUS_BASES;
use kaohe_domain::import::{Cell, ErrorReport, HeaderMap};
use kaohe_domain::money::Cents;
use kaohe_domain::period::Period;
use kaohe_domain::roles::Role;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// A stored rule, as listed.
#[derive(Debug, Clone, Serialize)]
pub struct StoredBaseRule {
    /// The rule.
    #[serde(flatten)]
    pub rule: BaseRule,
    /// Why it was set.
    pub note: String,
    /// Who set it last.
    pub set_by: String,
    /// When.
    pub set_at: DateTime<Utc>,
}

impl Store {
    /// Imports a bonus base file (kind `bonus_bases`): every row is parsed and checked as
    /// [`Store::set_bonus_bases`] checks a rule; a file with a bad row writes nothing and the
    /// report names each row, column and reason.
    pub(crate) async fn import_bonus_bases(
        &self,
        viewer: &Viewer,
        source: &mut (dyn RowSource + Send),
        opts: &ImportOptions<'_>,
    ) -> std::result::Result<ImportOutcome, ImportFailure> {
        Store::may_import(viewer, &BONUS_BASES)?;
        let mut report = ErrorReport::new(opts.file_name);
        let (rows, map) = import_only::read_rows(&BONUS_BASES, source, opts, &mut report, to_row);
        let known = self.base_subjects().await?;
        let is_known = |scope: BaseScope, s: &str| known.contains(&(scope, s.to_string()));
        let mut seen = HashMap::new();
        for (no, rule, _) in &rows {
            for (field, p) in rule.problems(&is_known) {
                let (column, value) = match field {
                    "from" => ("effective_from", rule.from.to_string()),
                    "base" => ("base_cents", rule.base.to_string()),
                    _ => ("subject", rule.subject.clone()),
                };
                report.push(
                    *no,
                    &import_only::header(&BONUS_BASES, &map, column),
                    &value,
                    p,
                );
            }
            let key = (rule.scope, rule.subject.clone(), rule.from);
            if let Some(first) = seen.insert(key, *no) {
                let reason = format!("the same scope, subject and month as row {first}");
                report.push(
                    *no,
                    &import_only::header(&BONUS_BASES, &map, "subject"),
                    &rule.subject,
                    reason,
                );
            }
        }
        (opts.progress)(rows.len() as u64);
        if !report.is_empty() {
            return Err(ImportFailure::Rejected(report));
        }
        if !opts.dry_run {
            let noted: Vec<(BaseRule, &str)> = rows
                .iter()
                .map(|(_, rule, note)| (rule.clone(), note.as_str()))
                .collect();
            self.set_noted_bases(viewer, &noted).await?;
        }
        Ok(ImportOutcome {
            rows: rows.len() as u64,
            dry_run: opts.dry_run,
        })
    }

    /// Sets `rules` (HR or an administrator): every rule is checked first and the whole set is
    /// refused, naming each problem by its rule's number (1-based), when one is wrong; else all
    /// are written in one transaction, a rule with the same scope, subject and month replacing
    /// that one's amount, each audited with its amount before and after.
    pub async fn set_bonus_bases(
        &self,
        viewer: &Viewer,
        rules: &[BaseRule],
        note: &str,
    ) -> Result<usize> {
        let noted: Vec<(BaseRule, &str)> = rules.iter().map(|r| (r.clone(), note)).collect();
        self.set_noted_bases(viewer, &noted).await
    }

    /// [`Store::set_bonus_bases`] with a note per rule (an import's rows).
    async fn set_noted_bases(&self, viewer: &Viewer, rules: &[(BaseRule, &str)]) -> Result<usize> {
        require_role(viewer, &[Role::Hr, Role::Admin], "set bonus bases")?;
        let plain: Vec<BaseRule> = rules.iter().map(|(r, _)| r.clone()).collect();
        let problems: Vec<String> = self
            .bonus_base_problems(&plain)
            .await?
            .into_iter()
            .map(|(i, p)| format!("rule {}: {p}", i + 1))
            .collect();
        if !problems.is_empty() {
            return Err(StoreError::Invalid {
                field: "bonus_bases".into(),
                message: problems.join("; "),
            });
        }
        let before = self.base_amounts().await?;
        let mut tx = self.begin().await?;
        let now = Utc::now();
        for (r, note) in rules {
            let note = *note;
            let subject = r.subject.trim();
            let mut sql = Sql::new(
                "INSERT INTO bonus_base_rules (scope, subject, effective_from, base_cents, note, set_by, set_at) VALUES (",
            );
            sql.bind(r.scope.as_str())
                .push(", ")
                .bind(subject)
                .push(", ")
                .bind(r.from.to_string())
                .push(", ")
                .bind(r.base.0);
            sql.push(", ")
                .bind(note)
                .push(", ")
                .bind(viewer.username.as_str())
                .push(", ")
                .bind(now);
            sql.push(
                ") ON CONFLICT (scope, subject, effective_from) DO UPDATE SET base_cents = excluded.base_cents, \
                 note = excluded.note, set_by = excluded.set_by, set_at = excluded.set_at",
            );
            tx.run(&sql).await?;
            let id = format!("{}:{subject}:{}", r.scope.as_str(), r.from);
            let old = before.get(&(r.scope, subject.to_string(), r.from.to_string()));
            tx.audit(
                viewer,
                AuditEntry {
                    action: if old.is_some() { "update" } else { "create" },
                    entity: "bonus_base",
                    entity_id: id,
                    before: old.map(|c| serde_json::json!({ "base_cents": c })),
                    after: Some(serde_json::json!({ "base_cents": r.base.0, "note": note })),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(rules.len())
    }

    /// Every problem of `rules`, each with the index of its rule: unknown subjects, bad months
    /// or amounts, and the same scope, subject and month twice.
    pub async fn bonus_base_problems(&self, rules: &[BaseRule]) -> Result<Vec<(usize, String)>> {
        let known = self.base_subjects().await?;
        let is_known = |scope: BaseScope, s: &str| known.contains(&(scope, s.to_string()));
        let mut problems = Vec::new();
        let mut seen = HashMap::new();
        for (i, r) in rules.iter().enumerate() {
            problems.extend(r.problems(&is_known).into_iter().map(|(_, p)| (i, p)));
            let key = (r.scope, r.subject.trim().to_string(), r.from);
            if let Some(first) = seen.insert(key, i + 1) {
                let p = format!("the same scope, subject and month as rule {first} (重复)");
                problems.push((i, p));
            }
        }
        Ok(problems)
    }

    /// Every rule (HR, finance or an administrator), by scope, subject and month.
    pub async fn bonus_base_rules(&self, viewer: &Viewer) -> Result<Vec<StoredBaseRule>> {
        require_role(
            viewer,
            &[Role::Hr, Role::Finance, Role::Admin],
            "read bonus bases",
        )?;
        self.all_base_rules().await
    }

    async fn all_base_rules(&self) -> Result<Vec<StoredBaseRule>> {
        let sql = Sql::new(
            "SELECT scope, subject, effective_from, base_cents, note, set_by, set_at FROM bonus_base_rules \
             ORDER BY CASE scope WHEN 'company' THEN 0 WHEN 'position' THEN 1 WHEN 'level' THEN 2 ELSE 3 END, subject, effective_from",
        );
        type Row = (String, String, String, i64, String, String, DateTime<Utc>);
        let rows: Vec<Row> = self.fetch_all(&sql).await?;
        rows.into_iter()
            .map(|(scope, subject, from, cents, note, set_by, set_at)| {
                let bad = |e: String| StoreError::Invalid {
                    field: "bonus_base_rules".into(),
                    message: e,
                };
                Ok(StoredBaseRule {
                    rule: BaseRule {
                        scope: BaseScope::parse(&scope).map_err(bad)?,
                        subject,
                        from: Period::parse(&from).map_err(|e| bad(e.to_string()))?,
                        base: Cents(cents),
                    },
                    note,
                    set_by,
                    set_at,
                })
            })
            .collect()
    }

    /// [`Store::bases_in_force`] for HR, finance or an administrator (the finance page, a
    /// check before computing).
    pub async fn bonus_bases_in_force(
        &self,
        viewer: &Viewer,
        period: Period,
        people: &[i64],
    ) -> Result<HashMap<i64, Cents>> {
        require_role(
            viewer,
            &[Role::Hr, Role::Finance, Role::Admin],
            "read bonus bases",
        )?;
        self.bases_in_force(period, people).await
    }

    /// The base in force in `period` for each of `people`; a person no rule reaches is an
    /// error naming them (with their 工号), up to ten and how many more.
    pub(crate) async fn bases_in_force(
        &self,
        period: Period,
        people: &[i64],
    ) -> Result<HashMap<i64, Cents>> {
        if people.is_empty() {
            return Ok(HashMap::new());
        }
        let rules: Vec<BaseRule> = self
            .all_base_rules()
            .await?
            .into_iter()
            .map(|r| r.rule)
            .collect();
        let mut sql = Sql::new(
            "SELECT e.id, e.code, e.name, p.code, l.code FROM employees e \
             LEFT JOIN positions p ON p.id = e.position_id LEFT JOIN levels l ON l.id = e.level_id \
             WHERE e.id IN ",
        );
        sql.bind_list(people.iter().copied())
            .push(" ORDER BY e.code");
        type Row = (i64, String, String, Option<String>, Option<String>);
        let rows: Vec<Row> = self.fetch_all(&sql).await?;
        let mut out = HashMap::new();
        let mut missing = Vec::new();
        for (id, code, name, position, level) in &rows {
            let keys = BaseKeys {
                employee: code,
                position: position.as_deref(),
                level: level.as_deref(),
            };
            match base_in_force(&rules, keys, period) {
                Some(r) => {
                    out.insert(*id, r.base);
                }
                None => missing.push(format!("{name}（{code}）")),
            }
        }
        if missing.is_empty() {
            return Ok(out);
        }
        let more = missing.len().saturating_sub(10);
        missing.truncate(10);
        let more = if more > 0 {
            format!(" (+{more})")
        } else {
            String::new()
        };
        Err(StoreError::Invalid {
            field: "bonus_base".into(),
            message: format!(
                "no bonus base is set for {period} for {}{more}: HR sets one for the company, their position, level or themselves \
                 (未设置绩效奖金基数)",
                missing.join("、")
            ),
        })
    }

    /// The codes a rule may name, by scope.
    async fn base_subjects(&self) -> Result<BTreeSet<(BaseScope, String)>> {
        let mut out = BTreeSet::new();
        for (scope, table) in [
            (BaseScope::Position, "positions"),
            (BaseScope::Level, "levels"),
            (BaseScope::Person, "employees"),
        ] {
            let rows: Vec<(String,)> = self
                .fetch_all(&Sql::new(&format!("SELECT code FROM {table}")))
                .await?;
            out.extend(rows.into_iter().map(|(c,)| (scope, c)));
        }
        Ok(out)
    }

    /// The stored amounts by scope, subject and month, for the audit's before.
    async fn base_amounts(&self) -> Result<HashMap<(BaseScope, String, String), i64>> {
        Ok(self
            .all_base_rules()
            .await?
            .into_iter()
            .map(|r| {
                (
                    (r.rule.scope, r.rule.subject, r.rule.from.to_string()),
                    r.rule.base.0,
                )
            })
            .collect())
    }
}

/// A parsed row of a bonus base file: its number, the rule and its note.
fn to_row(
    m: &HeaderMap,
    no: u64,
    cells: &[Cell],
    report: &mut ErrorReport,
) -> Option<(u64, BaseRule, String)> {
    let text = |i: usize| import_only::text(cells, i);
    let scope = match BaseScope::parse(&text(0)) {
        Ok(s) => s,
        Err(e) => {
            report.push(no, m.header(0), &text(0), e);
            return None;
        }
    };
    let from = match Period::parse(&text(2)) {
        Ok(p) => p,
        Err(e) => {
            report.push(no, m.header(2), &text(2), e.to_string());
            return None;
        }
    };
    let base = match cells[3] {
        Cell::Int(c) => Cents(c),
        _ => Cents(-1),
    };
    let rule = BaseRule {
        scope,
        subject: text(1),
        from,
        base,
    };
    Some((no, rule, text(4)))
}
