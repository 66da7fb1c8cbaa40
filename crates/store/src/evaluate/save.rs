//! Storing scorecards and reading them back.

use super::{Evaluation, PersonResult};
use crate::audit::AuditEntry;
use crate::rows::Row;
use crate::sql::Sql;
use crate::val::Val;
use crate::{Result, Store, Viewer};
use chrono::{DateTime, Utc};
use kaohe_domain::composition::Scorecard;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};

/// A stored scorecard with its lines.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct StoredScorecard {
    pub id: i64,
    pub period: String,
    pub employee_id: i64,
    pub employee_code: String,
    pub name: String,
    pub scheme_code: String,
    pub scheme_version: i32,
    pub version: i32,
    /// Full precision.
    pub total: Option<f64>,
    pub grade: Option<String>,
    pub bonus_coefficient: Option<f64>,
    /// JSON: rounded total, notes, composition, library version, working days.
    pub detail: String,
    pub created_at: DateTime<Utc>,
    #[sqlx(skip)]
    pub lines: Vec<StoredLine>,
}

/// One indicator line of a stored scorecard.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StoredLine {
    pub scorecard_id: i64,
    pub indicator_code: String,
    pub value: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub score: Option<f64>,
    /// Weight as configured (percent).
    pub weight: f64,
    /// Weight after redistribution (percent).
    pub effective_weight: f64,
    pub applicable: bool,
    /// The indicator's group in the scheme. Cards stored before migration 5 keep it in
    /// their `detail`, as they keep the two below.
    pub group: Option<String>,
    /// The score the evaluation gave the indicator itself (`score` is the one counted: full
    /// or zero marks for a not-applicable indicator under those policies, or an upheld
    /// appeal's correction).
    pub own_score: Option<f64>,
    /// Why the indicator was not applicable.
    pub na_reason: Option<String>,
}

pub(super) struct CardRow<'a> {
    period: String,
    /// The result version: 1 for an evaluation, the next one for a re-derivation.
    version: i64,
    employee_id: i64,
    card: &'a Scorecard,
    detail: String,
    lines: String,
    fingerprint: String,
    created_at: DateTime<Utc>,
}

impl<'a> CardRow<'a> {
    pub(super) fn new(
        period: &str,
        r: &'a PersonResult,
        e: &Evaluation,
        now: DateTime<Utc>,
    ) -> Self {
        let detail = detail_json(&r.scorecard, e);
        let lines = super::lines::pack(&r.scorecard.lines);
        let fingerprint = fingerprint(&r.scorecard, &detail, &lines);
        CardRow {
            period: period.to_string(),
            version: 1,
            employee_id: r.employee_id,
            card: &r.scorecard,
            detail,
            lines,
            fingerprint,
            created_at: now,
        }
    }

    /// The same card as the version after `previous`.
    pub(super) fn after(self, previous: i32) -> Self {
        CardRow {
            version: i64::from(previous) + 1,
            ..self
        }
    }
}

/// SHA-256 over every stored column of a card, its lines included: strings with a
/// terminator, floats by their exact bits, absent values by a marker of their own.
fn fingerprint(card: &Scorecard, detail: &str, lines: &str) -> String {
    fn text(h: &mut Sha256, s: &str) {
        h.update(s.as_bytes());
        h.update([0xff]);
    }
    fn num(h: &mut Sha256, x: Option<f64>) {
        match x {
            Some(v) => {
                h.update([1]);
                h.update(v.to_bits().to_le_bytes());
            }
            None => h.update([0]),
        }
    }
    let mut h = Sha256::new();
    text(&mut h, &card.scheme);
    h.update(card.version.to_le_bytes());
    num(&mut h, card.total);
    text(&mut h, card.grade.as_ref().map_or("", |g| g.code.as_str()));
    h.update([u8::from(card.grade.is_some())]);
    num(&mut h, card.bonus_coefficient);
    text(&mut h, detail);
    // The packed lines write every number in its round-trip form: equal text, equal lines.
    text(&mut h, lines);
    hex::encode(h.finalize())
}

impl Row for CardRow<'_> {
    const TABLE: &'static str = "scorecards";
    const COLUMNS: &'static [&'static str] = &[
        "period",
        "employee_id",
        "scheme_code",
        "scheme_version",
        "version",
        "total",
        "grade",
        "bonus_coefficient",
        "detail",
        "lines",
        "fingerprint",
        "created_at",
        "current",
    ];
    fn values(&self, out: &mut Vec<Val>) {
        out.extend([
            Val::from(self.period.as_str()),
            self.employee_id.into(),
            self.card.scheme.as_str().into(),
            i64::from(self.card.version).into(),
            self.version.into(),
            self.card.total.into(),
            self.card.grade.as_ref().map(|g| g.code.clone()).into(),
            self.card.bonus_coefficient.into(),
            self.detail.as_str().into(),
            self.lines.as_str().into(),
            self.fingerprint.as_str().into(),
            self.created_at.into(),
            true.into(),
        ]);
    }
}

/// The stored `detail` of a card: how its total was composed and its notes (its lines are in
/// the `lines` column; cards stored before migration 5 also list them here).
#[derive(Serialize)]
struct Detail {
    composition: String,
    indicators_total: Option<f64>,
    library_version: i64,
    notes: Vec<DetailNote>,
    /// The whole-period rater mix, when the scheme has one (absent otherwise, so that the
    /// cards of other schemes keep their fingerprints).
    #[serde(skip_serializing_if = "Option::is_none")]
    rater_mix: Option<String>,
    total_rounded: Option<f64>,
    working_days: u32,
}

#[derive(Serialize)]
struct DetailNote {
    en: String,
    zh: String,
}

fn detail_json(card: &Scorecard, e: &Evaluation) -> String {
    let detail = Detail {
        composition: format!("{:?}", card.composition),
        indicators_total: card.indicators_total,
        library_version: e.library_version,
        notes: card
            .notes
            .iter()
            .map(|n| DetailNote {
                en: n.en(),
                zh: n.zh(),
            })
            .collect(),
        rater_mix: card.rater_mix.as_ref().map(|m| format!("{m:?}")),
        total_rounded: card.total_rounded,
        working_days: e.working_days,
    };
    serde_json::to_string(&detail).expect("a detail of strings and numbers serializes")
}

impl Store {
    /// Replaces the open period's current scorecards of the evaluated people, in one
    /// transaction. A card whose fingerprint equals the stored one is left as it is, so a
    /// re-evaluation writes only what changed.
    pub(super) async fn save_scorecards(&self, viewer: &Viewer, e: &Evaluation) -> Result<()> {
        let period = e.period.to_string();
        let now = Utc::now();
        let mut tx = self.begin().await?;
        let mut q =
            Sql::new("SELECT employee_id, fingerprint, current FROM scorecards WHERE period = ");
        q.bind(period.as_str());
        let rows = tx.fetch_all::<(i64, String, bool)>(&q).await?;
        // Only people with a card of the period (of any version) have one to replace.
        let had_card: HashSet<i64> = rows.iter().map(|r| r.0).collect();
        let stored: HashMap<i64, String> = rows
            .into_iter()
            .filter(|r| r.2)
            .map(|(emp, fingerprint, _)| (emp, fingerprint))
            .collect();
        // The detail and fingerprint of ten thousand cards take a couple of hundred ms: on
        // every core.
        let cards: Vec<CardRow> =
            super::on_every_core(&e.results, |r| CardRow::new(&period, r, e, now))
                .into_iter()
                .filter(|c| stored.get(&c.employee_id) != Some(&c.fingerprint))
                .collect();
        let replaced: Vec<i64> = cards
            .iter()
            .map(|c| c.employee_id)
            .filter(|id| had_card.contains(id))
            .collect();
        for chunk in replaced.chunks(500) {
            let mut del = Sql::new("DELETE FROM scorecards WHERE period = ");
            del.bind(period.as_str())
                .push(" AND employee_id IN ")
                .bind_list(chunk.iter().copied());
            tx.run(&del).await?;
        }
        tx.insert_rows(&cards).await?;
        let entry = AuditEntry {
            action: "update",
            entity: "scorecards",
            entity_id: period.clone(),
            before: None,
            after: Some(serde_json::json!({
                "evaluated": e.results.len(),
                "changed": cards.len(),
                "library_version": e.library_version,
            })),
        };
        tx.audit(viewer, entry).await?;
        tx.commit().await
    }

    /// The current scorecards of a period within the viewer's scope, with their lines.
    pub async fn scorecards(
        &self,
        viewer: &Viewer,
        period: &str,
        employee: Option<i64>,
    ) -> Result<Vec<StoredScorecard>> {
        let mut sql = Sql::new(
            "SELECT s.id, s.period, s.employee_id, e.code AS employee_code, e.name, s.scheme_code, s.scheme_version, \
             s.version, s.total, s.grade, s.bonus_coefficient, s.detail, s.created_at, s.lines FROM scorecards s \
             JOIN employees e ON e.id = s.employee_id WHERE s.current = TRUE AND s.period = ",
        );
        sql.bind(period);
        if let Some(id) = employee {
            sql.push(" AND s.employee_id = ").bind(id);
        }
        viewer.restrict(&mut sql, "s.employee_id");
        sql.push(" ORDER BY s.employee_id");
        let rows: Vec<CardWithLines> = self.fetch_all(&sql).await?;
        rows.into_iter()
            .map(|r| {
                let mut card = r.card;
                card.lines = super::lines::unpack(card.id, &r.lines)?;
                Ok(card)
            })
            .collect()
    }
}

/// A stored card as read, its lines still packed.
#[derive(sqlx::FromRow)]
struct CardWithLines {
    #[sqlx(flatten)]
    card: StoredScorecard,
    lines: String,
}
