//! Customer rules (客户档案): the class key / general / potential (重点 / 一般 / 潜在) from
//! purchase amount, purchase frequency and potential, with thresholds that are data; whether an
//! archive is complete; and duplicate customers (same phone, or same name and company).

use crate::money::Cents;
use crate::records::Customer;
use serde::{Deserialize, Serialize};

/// The thresholds of the customer classes, per trailing 12 months. A company edits them;
/// [`ClassThresholds::default`] is a sensible start for a small B2B sales team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassThresholds {
    /// Purchases at or above this make a key customer (default 500,000 yuan).
    pub key_amount: Cents,
    /// This many orders or more make a key customer (default 12, about monthly).
    pub key_orders: u32,
    /// A rated potential at or above this (0–100) makes a buying customer key (default 80).
    pub key_potential: u8,
    /// Any purchase at or above this makes a general customer (default 1 cent: any purchase).
    pub general_amount: Cents,
}

impl Default for ClassThresholds {
    fn default() -> Self {
        ClassThresholds {
            key_amount: Cents::yuan(500_000),
            key_orders: 12,
            key_potential: 80,
            general_amount: Cents(1),
        }
    }
}

/// What a customer bought in the trailing 12 months and how promising they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PurchaseHistory {
    pub amount: Cents,
    pub orders: u32,
    /// The sales team's rating of the customer's potential, 0–100.
    pub potential: u8,
}

impl ClassThresholds {
    /// The class (`key`, `general` or `potential`) of a customer with `history`:
    /// key by amount, by frequency, or by high potential once they buy; general once they buy;
    /// potential until then.
    pub fn classify(&self, h: PurchaseHistory) -> &'static str {
        let buys = h.amount >= self.general_amount && h.orders > 0;
        if h.amount >= self.key_amount
            || h.orders >= self.key_orders
            || (buys && h.potential >= self.key_potential)
        {
            "key"
        } else if buys {
            "general"
        } else {
            "potential"
        }
    }
}

/// Whether every field an archive needs is filled (完整): name, contact, phone, address,
/// industry and business needs (业务需求, seed 000 and the indicator's own definition); a key
/// customer also needs its special archive (专档).
pub fn is_complete(c: &Customer) -> bool {
    let filled = [
        &c.name,
        &c.contact,
        &c.phone,
        &c.address,
        &c.industry,
        &c.needs,
    ]
    .iter()
    .all(|s| !s.trim().is_empty());
    filled && (c.class != "key" || c.special_archive)
}

/// The fields that identify a customer for duplicate detection.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CustomerIdentity {
    /// Digits of the phone number only (empty when none).
    pub phone: String,
    /// Name and company, trimmed, ASCII-lower-cased, inner spaces removed.
    pub name_company: (String, String),
}

impl CustomerIdentity {
    /// The identity of a customer with these fields.
    pub fn of(name: &str, company: &str, phone: &str) -> Self {
        let norm = |s: &str| {
            s.chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_ascii_lowercase()
        };
        CustomerIdentity {
            phone: phone.chars().filter(char::is_ascii_digit).collect(),
            name_company: (norm(name), norm(company)),
        }
    }

    /// Why `self` and `other` are the same customer, if they are: the same phone (when it
    /// has digits), or the same name and the same company.
    pub fn duplicate_of(&self, other: &CustomerIdentity) -> Option<&'static str> {
        if !self.phone.is_empty() && self.phone == other.phone {
            Some("same phone")
        } else if !self.name_company.0.is_empty() && self.name_company == other.name_company {
            Some("same name and company")
        } else {
            None
        }
    }
}

/// A pair of duplicates among a list: indexes into it and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    pub first: usize,
    pub second: usize,
    pub reason: &'static str,
}

/// Every later customer that duplicates an earlier one in `list`, each reported once against
/// the first it repeats. Hash lookups, so a list of 100,000 archives is checked at once.
pub fn find_duplicates(list: &[CustomerIdentity]) -> Vec<Duplicate> {
    use std::collections::HashMap;
    let mut by_phone: HashMap<&str, usize> = HashMap::new();
    let mut by_name: HashMap<&(String, String), usize> = HashMap::new();
    let mut out = Vec::new();
    for (i, c) in list.iter().enumerate() {
        let phone_hit = (!c.phone.is_empty())
            .then(|| by_phone.get(c.phone.as_str()).copied())
            .flatten();
        let name_hit = (!c.name_company.0.is_empty())
            .then(|| by_name.get(&c.name_company).copied())
            .flatten();
        if let Some(first) = phone_hit {
            out.push(Duplicate {
                first,
                second: i,
                reason: "same phone",
            });
        } else if let Some(first) = name_hit {
            out.push(Duplicate {
                first,
                second: i,
                reason: "same name and company",
            });
        }
        if !c.phone.is_empty() {
            by_phone.entry(c.phone.as_str()).or_insert(i);
        }
        if !c.name_company.0.is_empty() {
            by_name.entry(&c.name_company).or_insert(i);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(yuan: i64, orders: u32, potential: u8) -> PurchaseHistory {
        PurchaseHistory {
            amount: Cents::yuan(yuan),
            orders,
            potential,
        }
    }

    #[test]
    fn a_customer_at_the_key_amount_is_key_and_one_cent_below_is_general() {
        let t = ClassThresholds::default();
        assert_eq!(t.classify(h(500_000, 1, 0)), "key");
        let below = PurchaseHistory {
            amount: Cents(50_000_000 - 1),
            orders: 1,
            potential: 0,
        };
        assert_eq!(t.classify(below), "general");
    }

    #[test]
    fn twelve_orders_make_a_key_customer_and_eleven_do_not() {
        let t = ClassThresholds::default();
        assert_eq!(t.classify(h(1_000, 12, 0)), "key");
        assert_eq!(t.classify(h(1_000, 11, 0)), "general");
    }

    #[test]
    fn high_potential_makes_a_buying_customer_key_but_not_one_who_never_bought() {
        let t = ClassThresholds::default();
        assert_eq!(t.classify(h(1_000, 1, 80)), "key");
        assert_eq!(t.classify(h(1_000, 1, 79)), "general");
        assert_eq!(t.classify(h(0, 0, 100)), "potential");
    }

    #[test]
    fn thresholds_are_data_a_company_can_change() {
        let t = ClassThresholds {
            key_amount: Cents::yuan(1_000),
            ..ClassThresholds::default()
        };
        assert_eq!(t.classify(h(1_000, 1, 0)), "key");
    }

    #[test]
    fn the_same_phone_written_differently_is_a_duplicate() {
        let a = CustomerIdentity::of("华东建材", "华东建材有限公司", "021-5555 1234");
        let b = CustomerIdentity::of("另一家", "别的公司", "02155551234");
        assert_eq!(a.duplicate_of(&b), Some("same phone"));
    }

    #[test]
    fn the_same_name_and_company_is_a_duplicate_but_the_same_name_alone_is_not() {
        let a = CustomerIdentity::of("张三", "Acme Ltd", "");
        let b = CustomerIdentity::of(" 张三 ", "acme ltd", "138");
        let c = CustomerIdentity::of("张三", "Other Co", "");
        assert_eq!(a.duplicate_of(&b), Some("same name and company"));
        assert_eq!(a.duplicate_of(&c), None);
        let d = find_duplicates(&[a, c, b]);
        assert_eq!(
            d,
            vec![Duplicate {
                first: 0,
                second: 2,
                reason: "same name and company"
            }]
        );
    }

    #[test]
    fn empty_phones_never_match_each_other() {
        let a = CustomerIdentity::of("甲", "甲公司", "");
        let b = CustomerIdentity::of("乙", "乙公司", "");
        assert!(find_duplicates(&[a, b]).is_empty());
    }
}
