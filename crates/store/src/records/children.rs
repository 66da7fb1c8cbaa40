//! Data scopes for records that have no responsible person of their own: a record that
//! belongs to a parent (an order line to its order, a contract step to its contract) may be
//! written by whoever may see the parent; a record that belongs to nobody (budgets, the
//! training plan) only by the company-wide roles (HR, finance, the committee, administrators).

use super::filter;
use super::write::StoredRecord;
use crate::sql::Sql;
use crate::{Result, StoreError, Tx, Viewer};
use kaohe_domain::roles::Scope;
use std::collections::BTreeSet;

impl Tx {
    /// Fails unless the viewer may see every parent of `records` (an unseen parent is "not
    /// found", as on reads), or, for kinds that belong to nobody, has a company-wide role.
    pub(super) async fn check_parents_in_scope<T: StoredRecord>(
        &mut self,
        viewer: &Viewer,
        records: &[T],
    ) -> Result<()> {
        let spec = T::SPEC;
        if viewer.scope() == Scope::All {
            return Ok(());
        }
        let Some(parent) = &spec.parent else {
            if spec.owner.is_empty() {
                return Err(StoreError::Forbidden(format!(
                    "only company-wide roles (HR, finance, administrators) change {}",
                    spec.kind
                )));
            }
            return Ok(());
        };
        let wanted: BTreeSet<i64> = records.iter().filter_map(|r| r.parent_id()).collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let mut sql = Sql::new(&format!(
            "SELECT t.id FROM {} t WHERE t.id IN ",
            parent.spec.table
        ));
        sql.bind_list(wanted.iter().copied());
        filter::scope(parent.spec, viewer, &mut sql);
        let seen: BTreeSet<i64> = self
            .fetch_all::<(i64,)>(&sql)
            .await?
            .into_iter()
            .map(|r| r.0)
            .collect();
        match wanted.difference(&seen).next() {
            Some(id) => Err(StoreError::NotFound {
                entity: parent.spec.table,
                key: id.to_string(),
            }),
            None => Ok(()),
        }
    }
}
