//! A scorecard's lines, kept in the card's own row (`scorecards.lines`, migration 5).
//!
//! The text is a JSON array with one array per indicator:
//! `[indicator, value, numerator, denominator, score, weight, effective weight, applicable]`.
//! An evaluation of ten thousand people wrote some ninety thousand line rows, each one checked
//! by its own lock trigger; as part of the card they are one write, and the card's lock
//! triggers guard them with the rest of the result. Numbers are written so that they read back
//! as the same doubles (serde_json's shortest round-trip form, parsed with `float_roundtrip`).

use super::StoredLine;
use crate::{Result, StoreError};
use kaohe_domain::composition::ScorecardLine;

/// One packed line, in column order.
type Packed<S> = (
    S,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    f64,
    f64,
    bool,
);

/// The stored text of a freshly computed card's lines. The score stored is the one counted
/// in the total (full or zero marks for a not-applicable indicator under those policies).
pub(crate) fn pack(lines: &[ScorecardLine]) -> String {
    text(lines.iter().map(|l| {
        (
            l.indicator.as_str(),
            l.value,
            l.numerator,
            l.denominator,
            l.counted_score.or(l.score),
            l.weight.as_percent(),
            l.effective_weight,
            l.applicable,
        )
    }))
}

/// The stored text of lines read back (an appeal's corrected copy of a card).
pub fn pack_stored(lines: &[StoredLine]) -> String {
    text(lines.iter().map(|l| {
        (
            l.indicator_code.as_str(),
            l.value,
            l.numerator,
            l.denominator,
            l.score,
            l.weight,
            l.effective_weight,
            l.applicable,
        )
    }))
}

fn text<'a>(lines: impl Iterator<Item = Packed<&'a str>>) -> String {
    let packed: Vec<Packed<&str>> = lines.collect();
    serde_json::to_string(&packed).expect("strings, numbers and booleans serialise")
}

/// The lines of card `card_id` from their stored text; text that is not such an array is an
/// error naming the card and where the text breaks off.
pub fn unpack(card_id: i64, text: &str) -> Result<Vec<StoredLine>> {
    let packed: Vec<Packed<String>> =
        serde_json::from_str(text).map_err(|e| StoreError::Invalid {
            field: format!("scorecards.lines (card {card_id})"),
            message: format!("not a list of scorecard lines: {e}"),
        })?;
    Ok(packed
        .into_iter()
        .map(
            |(
                indicator_code,
                value,
                numerator,
                denominator,
                score,
                weight,
                effective_weight,
                applicable,
            )| {
                StoredLine {
                    scorecard_id: card_id,
                    indicator_code,
                    value,
                    numerator,
                    denominator,
                    score,
                    weight,
                    effective_weight,
                    applicable,
                }
            },
        )
        .collect())
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
        }
        assert!(unpack(1, "[]").unwrap().is_empty());
    }

    #[test]
    fn text_that_is_not_lines_names_the_card() {
        for bad in [
            "",
            "{}",
            "[[\"x\", 1]]",
            "[[\"x\",null,null,null,null,\"w\",1,true]]",
        ] {
            let err = unpack(42, bad).unwrap_err().to_string();
            assert!(err.contains("card 42"), "{bad}: {err}");
        }
    }
}
