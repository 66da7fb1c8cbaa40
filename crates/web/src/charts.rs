//! Charts drawn on the server as inline SVG: no JavaScript library, nothing fetched from the
//! network (kaohe works offline). Each chart has a fixed `viewBox` and `width: 100%`, so it
//! scales to a phone's width; labels are passed in already formatted for the user's locale.
//! Values that are not finite (NaN, ∞) or negative are drawn as zero, never as broken SVG.

use std::fmt::Write;

/// One bar, slice or step: its label, its value and the value as shown.
#[derive(Debug, Clone)]
pub struct Datum {
    pub label: String,
    pub value: f64,
    pub text: String,
}

impl Datum {
    /// A datum whose shown text is the value as is.
    pub fn new(label: impl Into<String>, value: f64, text: impl Into<String>) -> Self {
        Datum {
            label: label.into(),
            value,
            text: text.into(),
        }
    }
}

/// A target against an actual value (horizontal bars).
#[derive(Debug, Clone)]
pub struct Progress {
    pub label: String,
    pub actual: f64,
    pub target: Option<f64>,
    /// "¥1,234 / ¥2,000" as shown.
    pub text: String,
}

/// A point of a trend; `None` is a gap (no scorecard that period).
#[derive(Debug, Clone)]
pub struct Point {
    pub label: String,
    pub value: Option<f64>,
    pub text: String,
}

/// Escapes text for HTML and SVG (labels are people's and indicators' names).
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A drawable magnitude: finite and not negative, else zero.
fn clean(v: f64) -> f64 {
    if v.is_finite() && v > 0.0 { v } else { 0.0 }
}

/// Two decimals at most, so the SVG stays small and never says `NaN`.
fn n(v: f64) -> String {
    let v = if v.is_finite() { v } else { 0.0 };
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn open(w: f64, h: f64, title: &str, class: &str) -> String {
    format!(
        r#"<svg class="chart {class}" viewBox="0 0 {} {}" width="100%" role="img" aria-label="{t}" preserveAspectRatio="xMidYMid meet"><title>{t}</title>"#,
        n(w),
        n(h),
        t = esc(title)
    )
}

/// An empty chart: a box with a message, same size as the chart it stands for.
fn empty(w: f64, h: f64, title: &str, class: &str, message: &str) -> String {
    let mut s = open(w, h, title, class);
    let _ = write!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle" class="empty">{}</text></svg>"#,
        n(w / 2.0),
        n(h / 2.0),
        esc(message)
    );
    s
}

/// Vertical bars, heights proportional to the values (the tallest fills the plot).
pub fn bars(title: &str, data: &[Datum], empty_message: &str) -> String {
    const W: f64 = 320.0;
    const H: f64 = 180.0;
    const TOP: f64 = 18.0;
    const BOTTOM: f64 = 24.0;
    if data.is_empty() {
        return empty(W, H, title, "bars", empty_message);
    }
    let max = data.iter().map(|d| clean(d.value)).fold(0.0, f64::max);
    let plot = H - TOP - BOTTOM;
    let slot = W / data.len() as f64;
    let bar = slot * 0.6;
    let mut s = open(W, H, title, "bars");
    for (i, d) in data.iter().enumerate() {
        let h = if max > 0.0 {
            clean(d.value) / max * plot
        } else {
            0.0
        };
        let x = slot * i as f64 + (slot - bar) / 2.0;
        let y = TOP + plot - h;
        let cx = slot * i as f64 + slot / 2.0;
        let _ = write!(
            s,
            r#"<rect class="bar b{i}" x="{}" y="{}" width="{}" height="{}"><title>{}: {}</title></rect><text x="{}" y="{}" text-anchor="middle" class="v">{}</text><text x="{}" y="{}" text-anchor="middle" class="l">{}</text>"#,
            n(x),
            n(y),
            n(bar),
            n(h),
            esc(&d.label),
            esc(&d.text),
            n(cx),
            n(y - 4.0),
            esc(&d.text),
            n(cx),
            n(H - 8.0),
            esc(&d.label)
        );
    }
    s.push_str("</svg>");
    s
}

/// A line over the points (gaps where a value is missing), on a 0..`y_max` scale (the
/// largest value when bigger); the last point is marked (today's live value).
pub fn trend(title: &str, points: &[Point], y_max: f64, empty_message: &str) -> String {
    const W: f64 = 360.0;
    const H: f64 = 180.0;
    const LEFT: f64 = 28.0;
    const RIGHT: f64 = 12.0;
    const TOP: f64 = 16.0;
    const BOTTOM: f64 = 24.0;
    if points.iter().all(|p| p.value.is_none()) {
        return empty(W, H, title, "trend", empty_message);
    }
    let max = points
        .iter()
        .filter_map(|p| p.value)
        .map(clean)
        .fold(clean(y_max), f64::max)
        .max(1.0);
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let step = if points.len() > 1 {
        plot_w / (points.len() - 1) as f64
    } else {
        0.0
    };
    let x_of =
        |i: usize| LEFT + step * i as f64 + if points.len() == 1 { plot_w / 2.0 } else { 0.0 };
    let y_of = |v: f64| TOP + plot_h - clean(v) / max * plot_h;
    let mut s = open(W, H, title, "trend");
    // Grid lines at 0, half and the top of the scale.
    for f in [0.0, 0.5, 1.0] {
        let y = y_of(max * f);
        let _ = write!(
            s,
            r#"<line class="grid" x1="{}" x2="{}" y1="{y}" y2="{y}"/><text class="axis" x="{}" y="{}" text-anchor="end">{}</text>"#,
            n(LEFT),
            n(W - RIGHT),
            n(LEFT - 4.0),
            n(y + 3.0),
            n((max * f).round()),
            y = n(y)
        );
    }
    // One path segment per run of present values.
    let mut d = String::new();
    let mut pen_down = false;
    for (i, p) in points.iter().enumerate() {
        match p.value {
            Some(v) => {
                let _ = write!(
                    d,
                    "{}{} {} ",
                    if pen_down { "L" } else { "M" },
                    n(x_of(i)),
                    n(y_of(v))
                );
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    let _ = write!(
        s,
        r#"<path class="line" d="{}" fill="none"/>"#,
        d.trim_end()
    );
    let last = points.len() - 1;
    for (i, p) in points.iter().enumerate() {
        if let Some(v) = p.value {
            let _ = write!(
                s,
                r#"<circle class="{}" cx="{}" cy="{}" r="{}"><title>{}: {}</title></circle>"#,
                if i == last { "dot now" } else { "dot" },
                n(x_of(i)),
                n(y_of(v)),
                if i == last { "4" } else { "3" },
                esc(&p.label),
                esc(&p.text)
            );
        }
        // Every other label on the axis, and always the last, so twelve fit a phone.
        if i % 2 == last % 2 {
            let _ = write!(
                s,
                r#"<text class="l" x="{}" y="{}" text-anchor="middle">{}</text>"#,
                n(x_of(i)),
                n(H - 8.0),
                esc(&p.label)
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// Horizontal bars of actual against target: the bar is the actual, the tick the target,
/// both on the scale of the larger of the two per row.
pub fn progress(title: &str, rows: &[Progress], empty_message: &str) -> String {
    const W: f64 = 360.0;
    const ROW: f64 = 34.0;
    const LABEL: f64 = 16.0;
    if rows.is_empty() {
        return empty(W, 60.0, title, "progress", empty_message);
    }
    let h = ROW * rows.len() as f64 + 4.0;
    let mut s = open(W, h, title, "progress");
    for (i, r) in rows.iter().enumerate() {
        let top = ROW * i as f64;
        let actual = clean(r.actual);
        let target = r.target.map(clean).unwrap_or(0.0);
        let scale = actual.max(target);
        let width = |v: f64| if scale > 0.0 { v / scale * W } else { 0.0 };
        let met = r.target.is_some() && actual >= target;
        let _ = write!(
            s,
            r#"<text class="l" x="0" y="{}">{}</text><text class="v" x="{}" y="{}" text-anchor="end">{}</text><rect class="track" x="0" y="{}" width="{}" height="10"/><rect class="bar{}" x="0" y="{}" width="{}" height="10"/>"#,
            n(top + 12.0),
            esc(&r.label),
            n(W),
            n(top + 12.0),
            esc(&r.text),
            n(top + LABEL),
            n(W),
            if met { " met" } else { "" },
            n(top + LABEL),
            n(width(actual))
        );
        if r.target.is_some() {
            let x = width(target).min(W - 1.0);
            let _ = write!(
                s,
                r#"<rect class="target" x="{}" y="{}" width="2" height="14"/>"#,
                n(x),
                n(top + LABEL - 2.0)
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// A funnel: centred bars whose widths are proportional to the first step's value, with each
/// step's share of the one before it.
pub fn funnel(title: &str, steps: &[Datum], empty_message: &str) -> String {
    const W: f64 = 360.0;
    const ROW: f64 = 36.0;
    if steps.is_empty() || steps.iter().all(|d| clean(d.value) == 0.0) {
        return empty(W, 60.0, title, "funnel", empty_message);
    }
    let max = steps.iter().map(|d| clean(d.value)).fold(0.0, f64::max);
    let h = ROW * steps.len() as f64;
    let mut s = open(W, h, title, "funnel");
    let mut before: Option<f64> = None;
    for (i, d) in steps.iter().enumerate() {
        let v = clean(d.value);
        // At least a sliver, so a zero step is still visibly a step.
        let w = (v / max * W).max(2.0);
        let x = (W - w) / 2.0;
        let y = ROW * i as f64 + 2.0;
        let share = match before {
            Some(b) if b > 0.0 => format!(" ({}%)", n((v / b * 100.0).round())),
            _ => String::new(),
        };
        let _ = write!(
            s,
            r#"<rect class="step s{i}" x="{}" y="{}" width="{}" height="{}"/><text class="l" x="{}" y="{}" text-anchor="middle">{}: {}{}</text>"#,
            n(x),
            n(y),
            n(w),
            n(ROW - 6.0),
            n(W / 2.0),
            n(y + ROW / 2.0 + 2.0),
            esc(&d.label),
            esc(&d.text),
            share
        );
        before = Some(v);
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `height` attributes of the bars, in order.
    fn heights(svg: &str) -> Vec<f64> {
        svg.split("<rect class=\"bar")
            .skip(1)
            .map(|r| {
                let h = r.split("height=\"").nth(1).unwrap();
                h[..h.find('"').unwrap()].parse().unwrap()
            })
            .collect()
    }

    #[test]
    fn bar_heights_are_proportional_to_the_values() {
        let svg = bars(
            "t",
            &[
                Datum::new("a", 10.0, "10"),
                Datum::new("b", 5.0, "5"),
                Datum::new("c", 0.0, "0"),
            ],
            "none",
        );
        let h = heights(&svg);
        assert_eq!(h.len(), 3);
        assert!((h[0] - 2.0 * h[1]).abs() < 0.02, "{h:?}");
        assert_eq!(h[2], 0.0);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("viewBox=\"0 0 320 180\""));
    }

    #[test]
    fn empty_and_broken_data_draw_no_nan() {
        for svg in [
            bars("t", &[], "no data"),
            bars(
                "t",
                &[Datum::new("x", f64::NAN, "?"), Datum::new("y", -3.0, "-3")],
                "none",
            ),
            trend("t", &[], 100.0, "no data"),
            trend(
                "t",
                &[Point {
                    label: "1".into(),
                    value: None,
                    text: String::new(),
                }],
                100.0,
                "none",
            ),
            trend(
                "t",
                &[Point {
                    label: "1".into(),
                    value: Some(f64::INFINITY),
                    text: String::new(),
                }],
                0.0,
                "none",
            ),
            progress("t", &[], "no data"),
            progress(
                "t",
                &[Progress {
                    label: "a".into(),
                    actual: 0.0,
                    target: Some(0.0),
                    text: String::new(),
                }],
                "none",
            ),
            funnel("t", &[], "no data"),
            funnel("t", &[Datum::new("a", 0.0, "0")], "no data"),
        ] {
            assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
            assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"), "{svg}");
        }
        assert!(bars("t", &[], "no data").contains(">no data<"));
    }

    #[test]
    fn labels_are_escaped() {
        let svg = bars("<t>", &[Datum::new("A&B <x>", 1.0, "\"1\"")], "none");
        assert!(svg.contains("A&amp;B &lt;x&gt;"));
        assert!(svg.contains("&quot;1&quot;"));
        assert!(!svg.contains("<x>"));
    }

    #[test]
    fn a_trend_breaks_at_gaps_and_marks_the_last_point() {
        let p = |v: Option<f64>| Point {
            label: "m".into(),
            value: v,
            text: String::new(),
        };
        let svg = trend(
            "t",
            &[p(Some(50.0)), p(None), p(Some(80.0)), p(Some(90.0))],
            100.0,
            "none",
        );
        let d = svg.split("d=\"").nth(1).unwrap();
        let d = &d[..d.find('"').unwrap()];
        assert_eq!(d.matches('M').count(), 2, "{d}");
        assert_eq!(d.matches('L').count(), 1, "{d}");
        assert_eq!(svg.matches("class=\"dot now\"").count(), 1);
        // 100 on a 0..100 scale sits at the top of the plot, 0 at the bottom.
        let top = trend("t", &[p(Some(100.0)), p(Some(0.0))], 100.0, "none");
        assert!(top.contains("M28 16 L348 156"), "{top}");
    }

    #[test]
    fn progress_marks_a_met_target_and_the_funnel_shows_shares() {
        let svg = progress(
            "t",
            &[
                Progress {
                    label: "a".into(),
                    actual: 120.0,
                    target: Some(100.0),
                    text: "120 / 100".into(),
                },
                Progress {
                    label: "b".into(),
                    actual: 50.0,
                    target: Some(100.0),
                    text: "50 / 100".into(),
                },
            ],
            "none",
        );
        assert_eq!(svg.matches("class=\"bar met\"").count(), 1);
        assert!(svg.contains(
            "width=\"360\" height=\"10\"/><rect class=\"bar met\" x=\"0\" y=\"16\" width=\"360\""
        ));
        let f = funnel(
            "t",
            &[
                Datum::new("calls", 200.0, "200"),
                Datum::new("connected", 100.0, "100"),
                Datum::new("deals", 5.0, "5"),
            ],
            "none",
        );
        assert!(f.contains("connected: 100 (50%)"), "{f}");
        assert!(f.contains("deals: 5 (5%)"), "{f}");
        assert!(f.contains("width=\"360\""));
    }
}
