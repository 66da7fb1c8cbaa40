//! Customer classes (重点 / 一般 / 潜在) kept up to date by the write funnels: a customer's class
//! is never typed by hand but derived by the domain's class rules
//! ([`ClassThresholds::classify`]) from what the customer bought in the trailing 12 months —
//! whenever the customer itself is written and whenever one of its orders is.
//!
//! The archive has no separate potential rating: the class a person gives the customer (in a
//! form or a file) is read as the sales team's view of its potential — `key` (重点) rates it
//! at the threshold of a key customer, anything else rates it zero. So a customer marked key
//! stays key while it buys, one that buys enough becomes key whatever it was marked, and one
//! that has not bought yet is potential (潜在).

use crate::sql::Sql;
use crate::{Result, Tx};
use chrono::{Duration, NaiveDate, Utc};
use kaohe_domain::Cents;
use kaohe_domain::import::spec::CUSTOMERS;
use kaohe_domain::records::Customer;
use kaohe_domain::rules::customer::{ClassThresholds, PurchaseHistory};
use kaohe_domain::rules::enums;
use std::collections::{BTreeSet, HashMap};

/// The settings key holding the company's thresholds as JSON (defaults when absent).
pub const CLASS_THRESHOLDS_SETTING: &str = "customer_class_thresholds";

/// What each customer bought: (amount, orders) over the trailing window.
type Purchases = HashMap<i64, (i64, i64)>;

impl Tx {
    /// Sets the class of each customer about to be written from its purchases.
    pub(super) async fn assign_customer_classes(
        &mut self,
        customers: &mut [Customer],
    ) -> Result<()> {
        let thresholds = self.class_thresholds().await?;
        let stored: BTreeSet<i64> = customers
            .iter()
            .map(|c| c.id)
            .filter(|id| *id != 0)
            .collect();
        let bought = self.purchases(&stored).await?;
        // A class outside the list is left for the funnel's rules to report.
        for c in customers
            .iter_mut()
            .filter(|c| enums::is_code(enums::CUSTOMER_CLASSES, &c.class))
        {
            let (amount, orders) = bought.get(&c.id).copied().unwrap_or_default();
            c.class = classify(&thresholds, amount, orders, &c.class).to_string();
        }
        Ok(())
    }

    /// Re-derives the class of customers whose orders were just written, storing the ones
    /// that changed (the order is what changed them, so no separate audit entry).
    pub(super) async fn reclassify_customers(&mut self, ids: BTreeSet<i64>) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let thresholds = self.class_thresholds().await?;
        let bought = self.purchases(&ids).await?;
        let mut sql = Sql::new("SELECT id, class FROM customers WHERE id IN ");
        sql.bind_list(ids.iter().copied());
        let stored: Vec<(i64, String)> = self.fetch_all(&sql).await?;
        for (id, class) in stored {
            let (amount, orders) = bought.get(&id).copied().unwrap_or_default();
            let next = classify(&thresholds, amount, orders, &class);
            if next != class {
                let mut sql = Sql::new("UPDATE customers SET class = ");
                sql.bind(next).push(" WHERE id = ").bind(id);
                self.run(&sql).await?;
                self.touch_stored_id(&CUSTOMERS, id).await?;
            }
        }
        Ok(())
    }

    /// Amount and number of orders per customer in the 12 months up to today; cancelled
    /// orders do not count.
    async fn purchases(&mut self, ids: &BTreeSet<i64>) -> Result<Purchases> {
        if ids.is_empty() {
            return Ok(Purchases::new());
        }
        let since: NaiveDate = (Utc::now() - Duration::days(365)).date_naive();
        let mut sql = Sql::new(
            "SELECT customer_id, CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT), COUNT(*) FROM orders \
             WHERE status <> 'cancelled' AND day >= ",
        );
        sql.bind(since).push(" AND customer_id IN ");
        sql.bind_list(ids.iter().copied());
        sql.push(" GROUP BY customer_id");
        let rows: Vec<(i64, i64, i64)> = self.fetch_all(&sql).await?;
        Ok(rows.into_iter().map(|(c, a, n)| (c, (a, n))).collect())
    }

    /// The company's class thresholds (the defaults until someone stores their own).
    async fn class_thresholds(&mut self) -> Result<ClassThresholds> {
        let mut sql = Sql::new("SELECT value FROM settings WHERE key = ");
        sql.bind(CLASS_THRESHOLDS_SETTING);
        let rows: Vec<(String,)> = self.fetch_all(&sql).await?;
        Ok(rows
            .first()
            .and_then(|r| serde_json::from_str(&r.0).ok())
            .unwrap_or_default())
    }
}

/// The class of a customer who bought `amount` cents in `orders` orders and was marked
/// `marked` (whose potential that mark stands for).
fn classify(t: &ClassThresholds, amount: i64, orders: i64, marked: &str) -> &'static str {
    let potential = if marked == "key" { t.key_potential } else { 0 };
    t.classify(PurchaseHistory {
        amount: Cents(amount),
        orders: u32::try_from(orders).unwrap_or(u32::MAX),
        potential,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marked_key_customer_is_potential_until_it_buys_and_key_once_it_does() {
        let t = ClassThresholds::default();
        assert_eq!(classify(&t, 0, 0, "key"), "potential");
        assert_eq!(classify(&t, 100, 1, "key"), "key");
        assert_eq!(classify(&t, 100, 1, "general"), "general");
        assert_eq!(classify(&t, Cents::yuan(500_000).0, 1, "potential"), "key");
    }
}
