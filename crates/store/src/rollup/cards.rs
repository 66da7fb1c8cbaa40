//! Cards (`rollup_cards`): every bucket of one person and month packed in one row.
//!
//! An evaluation of everybody needs some twenty buckets per person; read from `rollups` that
//! is a couple of hundred thousand rows a month, and decoding them one by one was most of an
//! evaluation's time. A card holds the same buckets as one binary value, so the read is one
//! row per person. Cards are derived from `rollups` and rewritten in the same transaction as
//! the buckets they copy ([`Tx::repack_cards`]), so the two never disagree; a database made
//! before cards existed lists its months in `rollup_cards_todo` and packs them when opened.

use super::Bucket;
use crate::sql::Sql;
use crate::val::Val;
use crate::{Result, Store, StoreError, Tx, Viewer};
use kaohe_domain::period::Period;
use std::collections::{BTreeMap, BTreeSet};

/// Bytes of one packed bucket's fixed part: measure id, count, flags.
const HEAD: usize = 8 + 8 + 1;

/// Packs the buckets of one person and month, as (measure id, bucket).
pub(crate) fn pack(buckets: &[(i64, Bucket)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(buckets.len() * (HEAD + 24));
    for (id, b) in buckets {
        out.extend_from_slice(&id.to_le_bytes());
        out.extend_from_slice(&b.n.to_le_bytes());
        let parts = [b.total, b.lo, b.hi];
        let flags = parts
            .iter()
            .enumerate()
            .fold(0u8, |f, (i, x)| if x.is_some() { f | 1 << i } else { f });
        out.push(flags);
        for x in parts.into_iter().flatten() {
            out.extend_from_slice(&x.to_le_bytes());
        }
    }
    out
}

/// Unpacks a card; an ill-formed card (never written by [`pack`]) is an error naming where
/// it breaks off.
pub(crate) fn unpack(body: &[u8]) -> std::result::Result<Vec<(i64, Bucket)>, String> {
    let mut out = Vec::with_capacity(body.len() / HEAD);
    let mut at = 0;
    let word = |at: usize| -> std::result::Result<[u8; 8], String> {
        body.get(at..at + 8)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| format!("card cut short at byte {at} of {}", body.len()))
    };
    while at < body.len() {
        let id = i64::from_le_bytes(word(at)?);
        let n = i64::from_le_bytes(word(at + 8)?);
        let flags = *body
            .get(at + 16)
            .ok_or_else(|| format!("card cut short at byte {} of {}", at + 16, body.len()))?;
        at += HEAD;
        let mut parts = [None; 3];
        for (i, part) in parts.iter_mut().enumerate() {
            if flags & (1 << i) != 0 {
                *part = Some(f64::from_le_bytes(word(at)?));
                at += 8;
            }
        }
        let [total, lo, hi] = parts;
        out.push((id, Bucket { n, total, lo, hi }));
    }
    Ok(out)
}

/// One card row as stored.
struct CardRow {
    month: String,
    employee_id: i64,
    body: Vec<u8>,
}

impl crate::rows::Row for CardRow {
    const TABLE: &'static str = "rollup_cards";
    const COLUMNS: &'static [&'static str] = &["month", "employee_id", "body"];
    fn values(&self, out: &mut Vec<Val>) {
        out.push(self.month.as_str().into());
        out.push(self.employee_id.into());
        out.push(Val::Bytes(Some(self.body.clone())));
    }
}

impl Tx {
    /// Rewrites the cards of `month` — of `people`, or of everybody (`None`) — from the
    /// buckets this transaction sees.
    pub(crate) async fn repack_cards(
        &mut self,
        month: Period,
        people: Option<&BTreeSet<i64>>,
    ) -> Result<()> {
        let lists: Vec<Option<Vec<i64>>> = match people {
            None => vec![None],
            Some(p) => {
                let p: Vec<i64> = p.iter().copied().collect();
                p.chunks(500).map(|c| Some(c.to_vec())).collect()
            }
        };
        for list in lists {
            let mut del = Sql::new("DELETE FROM rollup_cards WHERE month = ");
            del.bind(month.to_string());
            let mut sql = Sql::new(
                "SELECT measure_id, employee_id, n, total, lo, hi FROM rollups WHERE month = ",
            );
            sql.bind(month.to_string());
            if let Some(list) = &list {
                del.push(" AND employee_id IN ")
                    .bind_list(list.iter().copied());
                sql.push(" AND employee_id IN ")
                    .bind_list(list.iter().copied());
            }
            sql.push(" ORDER BY employee_id, measure_id");
            self.run(&del).await?;
            let rows: Vec<super::StoredBucket> = self.fetch_all(&sql).await?;
            let mut cards = Cards::default();
            let month = month.to_string();
            for (id, emp, n, total, lo, hi) in rows {
                cards.add(&month, emp, id, Bucket { n, total, lo, hi });
            }
            cards.write(self).await?;
        }
        Ok(())
    }

    /// Packs the months listed in `rollup_cards_todo` and empties the list.
    async fn pack_pending_months(&mut self) -> Result<usize> {
        if let Tx::Postgres(_) = self {
            // Two processes opening the same database at once: the second waits, then finds
            // the list empty. (SQLite's write transactions are serial already.)
            self.execute("LOCK TABLE rollup_cards_todo IN EXCLUSIVE MODE", vec![])
                .await?;
        }
        let months: Vec<(String,)> = self
            .fetch_all(&Sql::new("SELECT month FROM rollup_cards_todo"))
            .await?;
        for (month,) in &months {
            let Ok(period) = month.parse::<Period>() else {
                continue;
            };
            self.repack_cards(period, None).await?;
        }
        self.execute("DELETE FROM rollup_cards_todo", vec![])
            .await?;
        Ok(months.len())
    }
}

/// Cards being gathered from buckets, to be written whole (their months' old cards deleted
/// first by the caller).
#[derive(Default)]
pub(crate) struct Cards {
    buckets: BTreeMap<(String, i64), Vec<(i64, Bucket)>>,
}

impl Cards {
    /// Adds the bucket of measure `id` of `employee` in `month`.
    pub(crate) fn add(&mut self, month: &str, employee: i64, id: i64, bucket: Bucket) {
        self.buckets
            .entry((month.to_string(), employee))
            .or_default()
            .push((id, bucket));
    }

    /// Inserts the cards.
    pub(crate) async fn write(self, tx: &mut Tx) -> Result<()> {
        let rows: Vec<CardRow> = self
            .buckets
            .into_iter()
            .map(|((month, employee_id), mut buckets)| {
                buckets.sort_by_key(|(id, _)| *id);
                CardRow {
                    month,
                    employee_id,
                    body: pack(&buckets),
                }
            })
            .collect();
        tx.insert_rows(&rows).await?;
        Ok(())
    }
}

impl Store {
    /// Packs the cards of months that have none yet (a database made before cards existed).
    pub(crate) async fn pack_pending_cards(&self) -> Result<()> {
        let pending: Vec<(String,)> = self
            .fetch_all(&Sql::new("SELECT month FROM rollup_cards_todo"))
            .await?;
        if pending.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        let months = tx.pack_pending_months().await?;
        tx.commit().await?;
        tracing::info!(months, "roll-up cards packed");
        Ok(())
    }

    /// The buckets of the measures `ids` of the months of `period`, merged per person and
    /// measure, read from the cards: everybody in the viewer's scope, or one employee.
    pub(crate) async fn read_cards(
        &self,
        viewer: &Viewer,
        ids: &BTreeSet<i64>,
        period: Period,
        employee: Option<i64>,
    ) -> Result<Vec<((i64, i64), Bucket)>> {
        let months = period.months();
        let mut sql =
            Sql::new("SELECT r.employee_id, r.body FROM rollup_cards r WHERE r.month IN ");
        sql.bind_list(months.iter().map(ToString::to_string));
        if let Some(e) = employee {
            sql.push(" AND r.employee_id = ").bind(e);
        }
        viewer.restrict(&mut sql, "r.employee_id");
        let rows: Vec<(i64, Vec<u8>)> = self.fetch_all(&sql).await?;
        let wanted = |emp: i64, body: &[u8]| {
            let buckets = unpack(body).map_err(|message| StoreError::Invalid {
                field: format!("rollup_cards (employee {emp})"),
                message,
            })?;
            Ok::<_, StoreError>(buckets.into_iter().filter(|(id, _)| ids.contains(id)))
        };
        if months.len() == 1 {
            // One card per person (the key is month and person): nothing to merge.
            let mut out = Vec::with_capacity(rows.len() * ids.len());
            for (emp, body) in rows {
                out.extend(wanted(emp, &body)?.map(|(id, b)| ((emp, id), b)));
            }
            return Ok(out);
        }
        let mut merged: std::collections::HashMap<(i64, i64), Bucket> =
            std::collections::HashMap::with_capacity(rows.len() * ids.len() / months.len());
        for (emp, body) in rows {
            for (id, b) in wanted(emp, &body)? {
                merged
                    .entry((emp, id))
                    .and_modify(|m| m.merge(&b))
                    .or_insert(b);
            }
        }
        Ok(merged.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn opt() -> impl Strategy<Value = Option<f64>> {
        prop_oneof![Just(None), any::<f64>().prop_map(Some)]
    }

    proptest! {
        /// Whatever buckets a card holds come back bit for bit.
        #[test]
        fn a_card_gives_back_its_buckets(
            buckets in proptest::collection::vec(
                (any::<i64>(), any::<i64>(), opt(), opt(), opt()), 0..40)
        ) {
            let buckets: Vec<(i64, Bucket)> = buckets
                .into_iter()
                .map(|(id, n, total, lo, hi)| (id, Bucket { n, total, lo, hi }))
                .collect();
            let back = unpack(&pack(&buckets)).unwrap();
            prop_assert_eq!(back.len(), buckets.len());
            for ((a, x), (b, y)) in back.iter().zip(&buckets) {
                prop_assert_eq!(a, b);
                prop_assert_eq!(x.n, y.n);
                prop_assert_eq!(x.total.map(f64::to_bits), y.total.map(f64::to_bits));
                prop_assert_eq!(x.lo.map(f64::to_bits), y.lo.map(f64::to_bits));
                prop_assert_eq!(x.hi.map(f64::to_bits), y.hi.map(f64::to_bits));
            }
        }
    }

    #[test]
    fn a_cut_card_is_an_error_naming_the_byte() {
        let body = pack(&[(
            7,
            Bucket {
                n: 3,
                total: Some(1.5),
                lo: None,
                hi: Some(2.0),
            },
        )]);
        for cut in 1..body.len() {
            let err = unpack(&body[..cut]).unwrap_err();
            assert!(err.contains("cut short at byte"), "{err}");
        }
        assert!(unpack(&[]).unwrap().is_empty());
    }
}
