//! A scorecard's lines, kept in the card's own row (`scorecards.lines`, migration 5).
//!
//! The text is a JSON array with one array per indicator: `[indicator, value, numerator,
//! denominator, score, weight, effective weight, applicable, group, own score, reason not
//! applicable]`; cards stored before migration 5 have the first eight only (their `detail`
//! holds the rest). An evaluation of ten thousand people wrote some ninety thousand line
//! rows, each one checked by its own lock trigger; as part of the card they are one write, and
//! the card's lock triggers guard them with the rest of the result. Numbers are written so
//! that they read back as the same doubles (serde_json's shortest round-trip form, parsed with
//! `float_roundtrip`).

use super::StoredLine;
use crate::{Result, StoreError};
use kaohe_domain::composition::ScorecardLine;
use serde::de::{self, IgnoredAny, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

/// One line as written, in column order.
#[derive(Serialize)]
struct Out<'a>(
    &'a str,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    f64,
    f64,
    bool,
    Option<&'a str>,
    Option<f64>,
    Option<String>,
);

/// The stored text of a freshly computed card's lines. The score stored is the one counted
/// in the total (full or zero marks for a not-applicable indicator under those policies).
pub(crate) fn pack(lines: &[ScorecardLine]) -> String {
    text(lines.iter().map(|l| {
        Out(
            &l.indicator,
            l.value,
            l.numerator,
            l.denominator,
            l.counted_score.or(l.score),
            l.weight.as_percent(),
            l.effective_weight,
            l.applicable,
            Some(&l.group),
            l.score,
            l.na_reason.map(|r| format!("{r:?}")),
        )
    }))
}

/// The stored text of lines read back (an appeal's corrected copy of a card).
pub fn pack_stored(lines: &[StoredLine]) -> String {
    text(lines.iter().map(|l| {
        Out(
            &l.indicator_code,
            l.value,
            l.numerator,
            l.denominator,
            l.score,
            l.weight,
            l.effective_weight,
            l.applicable,
            l.group.as_deref(),
            l.own_score,
            l.na_reason.clone(),
        )
    }))
}

fn text<'a>(lines: impl Iterator<Item = Out<'a>>) -> String {
    let lines: Vec<Out> = lines.collect();
    serde_json::to_string(&lines).expect("strings, numbers and booleans serialise")
}

/// The lines of card `card_id` from their stored text; text that is not such an array is an
/// error naming the card and where the text breaks off.
pub fn unpack(card_id: i64, text: &str) -> Result<Vec<StoredLine>> {
    let lines: Vec<In> = serde_json::from_str(text).map_err(|e| StoreError::Invalid {
        field: format!("scorecards.lines (card {card_id})"),
        message: format!("not a list of scorecard lines: {e}"),
    })?;
    Ok(lines
        .into_iter()
        .map(|In(mut line)| {
            line.scorecard_id = card_id;
            line
        })
        .collect())
}

/// The (indicator, value) of each line of card `card_id`, the rest of each line skipped
/// unread: last period's values for `prev()` read every card of the period, and decoding
/// whole lines was most of that read. Errors as [`unpack`].
pub(crate) fn values(card_id: i64, text: &str) -> Result<Vec<(String, Option<f64>)>> {
    let lines: Vec<Value> = serde_json::from_str(text).map_err(|e| StoreError::Invalid {
        field: format!("scorecards.lines (card {card_id})"),
        message: format!("not a list of scorecard lines: {e}"),
    })?;
    Ok(lines.into_iter().map(|Value(code, v)| (code, v)).collect())
}

/// A line's indicator and value.
struct Value(String, Option<f64>);

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_seq(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        LineVisitor.expecting(f)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Value, A::Error> {
        let code = required(&mut seq, 0)?;
        let value = required(&mut seq, 1)?;
        let mut len = 2;
        while seq.next_element::<IgnoredAny>()?.is_some() {
            len += 1;
        }
        if !(8..=11).contains(&len) {
            return Err(de::Error::invalid_length(len, &LineVisitor));
        }
        Ok(Value(code, value))
    }
}

/// One line as read: eight columns, or eleven.
struct In(StoredLine);

impl<'de> Deserialize<'de> for In {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_seq(LineVisitor)
    }
}

struct LineVisitor;

impl<'de> Visitor<'de> for LineVisitor {
    type Value = In;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("[indicator, value, numerator, denominator, score, weight, effective weight, applicable, group, own score, reason]")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<In, A::Error> {
        let line = StoredLine {
            scorecard_id: 0,
            indicator_code: required(&mut seq, 0)?,
            value: required(&mut seq, 1)?,
            numerator: required(&mut seq, 2)?,
            denominator: required(&mut seq, 3)?,
            score: required(&mut seq, 4)?,
            weight: required(&mut seq, 5)?,
            effective_weight: required(&mut seq, 6)?,
            applicable: required(&mut seq, 7)?,
            group: seq.next_element::<Option<String>>()?.flatten(),
            own_score: seq.next_element::<Option<f64>>()?.flatten(),
            na_reason: seq.next_element::<Option<String>>()?.flatten(),
        };
        if seq.next_element::<IgnoredAny>()?.is_some() {
            return Err(de::Error::invalid_length(12, &LineVisitor));
        }
        Ok(In(line))
    }
}

/// Element `at` of a line, which every stored line has.
fn required<'de, T: Deserialize<'de>, A: SeqAccess<'de>>(
    seq: &mut A,
    at: usize,
) -> std::result::Result<T, A::Error> {
    seq.next_element()?
        .ok_or_else(|| de::Error::invalid_length(at, &LineVisitor))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(code: &str, value: Option<f64>) -> StoredLine {
        StoredLine {
            scorecard_id: 7,
            indicator_code: code.into(),
            value,
            numerator: value.map(|v| v * 3.0),
            denominator: Some(3.0),
            score: Some(0.1 + 0.2),
            weight: 12.5,
            effective_weight: 100.0 / 3.0,
            applicable: value.is_some(),
            group: value.map(|_| "sales".into()),
            own_score: value.map(|v| v / 7.0),
            na_reason: value.map_or(Some("ZeroDenominator".into()), |_| None),
        }
    }

    #[test]
    fn lines_read_back_bit_for_bit() {
        let lines = vec![
            line("sales_amount", Some(1.0 / 3.0)),
            line("a \"quoted\" 代码", None),
            line("tiny", Some(5e-324)),
            line("huge", Some(f64::MAX / 4.0)),
            line("negative", Some(-0.000_123_456_789_012_345_67)),
        ];
        let back = unpack(7, &pack_stored(&lines)).unwrap();
        assert_eq!(back.len(), lines.len());
        for (a, b) in lines.iter().zip(&back) {
            assert_eq!(a.indicator_code, b.indicator_code);
            for (x, y) in [
                (a.value, b.value),
                (a.numerator, b.numerator),
                (a.denominator, b.denominator),
                (a.score, b.score),
                (Some(a.weight), Some(b.weight)),
                (Some(a.effective_weight), Some(b.effective_weight)),
            ] {
                assert_eq!(
                    x.map(f64::to_bits),
                    y.map(f64::to_bits),
                    "{}",
                    a.indicator_code
                );
            }
            assert_eq!(a.applicable, b.applicable);
            assert_eq!(a.own_score.map(f64::to_bits), b.own_score.map(f64::to_bits));
            assert_eq!((&a.group, &a.na_reason), (&b.group, &b.na_reason));
        }
        assert!(unpack(1, "[]").unwrap().is_empty());
        // A line stored before migration 5: eight columns, the rest in the card's detail.
        let old = unpack(3, r#"[["k",1.5,null,null,90.0,20.0,25.0,true]]"#).unwrap();
        assert_eq!(
            (old[0].scorecard_id, old[0].score, old[0].group.as_deref()),
            (3, Some(90.0), None)
        );
    }

    #[test]
    fn values_are_the_indicators_and_values_of_the_whole_lines() {
        let lines = vec![
            line("sales_amount", Some(1.0 / 3.0)),
            line("a \"quoted\" 代码", None),
            line("tiny", Some(5e-324)),
        ];
        let text = pack_stored(&lines);
        let whole: Vec<(String, Option<u64>)> = unpack(7, &text)
            .unwrap()
            .into_iter()
            .map(|l| (l.indicator_code, l.value.map(f64::to_bits)))
            .collect();
        let read: Vec<(String, Option<u64>)> = values(7, &text)
            .unwrap()
            .into_iter()
            .map(|(c, v)| (c, v.map(f64::to_bits)))
            .collect();
        assert_eq!(read, whole);
        let old = values(3, r#"[["k",1.5,null,null,90.0,20.0,25.0,true]]"#).unwrap();
        assert_eq!(old, vec![("k".to_string(), Some(1.5))]);
        for bad in ["", "{}", "[[\"x\", 1]]", "[[1, 1, 1, 1, 1, 1, 1, 1]]"] {
            let err = values(42, bad).unwrap_err().to_string();
            assert!(err.contains("card 42"), "{bad}: {err}");
        }
    }

    #[test]
    fn text_that_is_not_lines_names_the_card() {
        for bad in [
            "",
            "{}",
            "[[\"x\", 1]]",
            "[[\"x\",null,null,null,null,\"w\",1,true]]",
            "[[\"x\",null,null,null,null,1,1,true,null,null,null,0]]",
        ] {
            let err = unpack(42, bad).unwrap_err().to_string();
            assert!(err.contains("card 42"), "{bad}: {err}");
        }
    }
}
