//! A whole month of the demo company driven through the assessment cycle on SQLite and
//! PostgreSQL, ending locked, with awards, bonuses and ladder decisions checked against values
//! worked out here from the raw records and the SPEC's rules (not by calling kaohe's code);
//! and the cycle, inbox, awards, bonus and ladder commands of the CLI.

mod support;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use kaohe_domain::period::Period;
use kaohe_gen::{GenConfig, Generator};
use kaohe_store::{Sql, Store, Viewer};
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

const OCT: &str = "2026-10";

async fn rows<T: kaohe_store::sql::FromAnyRow>(store: &Store, sql: &str) -> Vec<T> {
    store.fetch_all(&Sql::new(sql)).await.unwrap()
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// SPEC §5: ≥90 → 1.5, 80–89 → 1.2, 70–79 → 1.0, 60–69 → 0.8, <60 → 0.5 (after rounding).
fn coefficient(score: f64) -> f64 {
    match round2(score) {
        s if s >= 90.0 => 1.5,
        s if s >= 80.0 => 1.2,
        s if s >= 70.0 => 1.0,
        s if s >= 60.0 => 0.8,
        _ => 0.5,
    }
}

/// Employee numbers compare as numbers when both are digits, else as text.
fn by_no(a: &str, b: &str) -> std::cmp::Ordering {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    if digits(a) && digits(b) {
        a.parse::<u64>().unwrap().cmp(&b.parse::<u64>().unwrap())
    } else {
        a.cmp(b)
    }
}

struct Person {
    code: String,
    team: Option<i64>,
    score: Option<f64>,
    previous: Option<f64>,
    target_met: bool,
    signed: i64,
    signed_last: Option<DateTime<Utc>>,
    first_deal: Option<DateTime<Utc>>,
    invited: i64,
    invited_last: Option<DateTime<Utc>>,
}

/// Everybody assessed in October with their facts, from raw rows.
async fn people(store: &Store) -> BTreeMap<i64, Person> {
    let mut out = BTreeMap::new();
    let base: Vec<(i64, String, Option<i64>)> = rows(
        store,
        "SELECT e.id, e.code, e.team_id FROM cycles c JOIN employees e ON e.id = c.employee_id WHERE c.period = '2026-10'",
    )
    .await;
    let totals: BTreeMap<(String, i64), Option<f64>> = rows::<(String, i64, Option<f64>)>(
        store,
        "SELECT period, employee_id, total FROM scorecards WHERE current = TRUE",
    )
    .await
    .into_iter()
    .map(|(p, e, t)| ((p, e), t))
    .collect();
    let sales = sales_by_hand(store).await;
    let contracts: Vec<(i64, i64, DateTime<Utc>, NaiveDate)> = rows(
        store,
        "SELECT employee_id, amount_cents, signed_at, signed_day FROM contracts WHERE signed_day IS NOT NULL",
    )
    .await;
    let visits: Vec<(i64, DateTime<Utc>, NaiveDate)> = rows(
        store,
        "SELECT employee_id, visited_at, day FROM visits WHERE invited = TRUE",
    )
    .await;
    let in_oct = |d: NaiveDate| d.year() == 2026 && d.month() == 10;
    for (id, code, team) in base {
        let mine: Vec<_> = contracts
            .iter()
            .filter(|c| c.0 == id && in_oct(c.3))
            .collect();
        let inv: Vec<_> = visits.iter().filter(|v| v.0 == id && in_oct(v.2)).collect();
        out.insert(
            id,
            Person {
                code,
                team,
                score: totals.get(&(OCT.to_string(), id)).copied().flatten(),
                previous: totals.get(&("2026-09".to_string(), id)).copied().flatten(),
                target_met: sales.get(&id).is_some_and(|(v, t)| v >= t),
                signed: mine.iter().map(|c| c.1).sum(),
                signed_last: mine.iter().map(|c| c.2).max(),
                first_deal: mine.iter().map(|c| c.2).min(),
                invited: inv.len() as i64,
                invited_last: inv.iter().map(|v| v.1).max(),
            },
        );
    }
    out
}

/// The single winner: the smallest key, then the lower employee number.
fn winner<K: Ord>(
    people: &BTreeMap<i64, Person>,
    key: impl Fn(&Person) -> Option<K>,
) -> Option<i64> {
    let mut c: Vec<(K, &str, i64)> = people
        .iter()
        .filter_map(|(id, p)| key(p).map(|k| (k, p.code.as_str(), *id)))
        .collect();
    c.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| by_no(a.1, b.1)));
    c.first().map(|x| x.2)
}

/// SPEC §7's default awards worked out from the facts: (award, employee, cents).
fn expected_awards(p: &BTreeMap<i64, Person>) -> BTreeSet<(String, i64, i64)> {
    let far = DateTime::<Utc>::MAX_UTC;
    let mut out = BTreeSet::new();
    let mut add = |code: &str, who: Option<i64>, yuan: i64| {
        if let Some(w) = who {
            out.insert((code.to_string(), w, yuan * 100));
        }
    };
    add(
        "most_invited_visits",
        winner(p, |x| {
            (x.invited >= 12).then(|| (-x.invited, x.invited_last.unwrap_or(far)))
        }),
        100,
    );
    add("first_deal", winner(p, |x| x.first_deal), 100);
    add(
        "sales_champion",
        winner(p, |x| {
            (x.signed >= 500_000_000).then(|| (-x.signed, x.signed_last.unwrap_or(far)))
        }),
        1_000,
    );
    // Most improved: target met, improvement of the rounded scores > 0, the largest; then
    // the higher score. The rule names no amount: the demo's manager sets 500.
    add(
        "most_improved",
        winner(p, |x| {
            let (s, b) = (round2(x.score?), round2(x.previous?));
            (x.target_met && s > b).then(|| {
                let gain = ((s - b) * 100.0).round() as i64;
                (-gain, -((s * 100.0).round() as i64))
            })
        }),
        500,
    );
    for (id, x) in p {
        let Some(s) = x.score.map(round2).filter(|_| x.target_met) else {
            continue;
        };
        let tier = if s >= 95.0 {
            Some(5_000)
        } else if s >= 90.0 {
            Some(3_000)
        } else if s >= 80.0 {
            Some(1_000)
        } else {
            None
        };
        add("target_tiers", tier.map(|_| *id), tier.unwrap_or(0));
    }
    out
}

/// October's sales by hand: every order of October not cancelled, split by its credit shares
/// (all to the order's seller when it has none), against the agreed `sales_amount` target;
/// for the people whose scheme scores sales (a `sales_amount` or `sales_plan_completion` line).
async fn sales_by_hand(store: &Store) -> BTreeMap<i64, (f64, f64)> {
    let orders: Vec<(i64, i64, i64, NaiveDate, String)> = rows(
        store,
        "SELECT id, employee_id, amount_cents, day, status FROM orders",
    )
    .await;
    let credits: Vec<(i64, i64, f64)> = rows(
        store,
        "SELECT order_id, employee_id, share_pct FROM order_credits",
    )
    .await;
    let targets: Vec<(i64, f64)> = rows(
        store,
        "SELECT employee_id, value FROM targets WHERE period = '2026-10' AND indicator_code = 'sales_amount' \
         AND status <> 'disputed' AND value > 0",
    )
    .await;
    let scored: BTreeSet<i64> = store
        .scorecards(&Viewer::system("test"), "2026-10", None)
        .await
        .unwrap()
        .into_iter()
        .filter(|c| {
            c.lines.iter().any(|l| {
                l.value.is_some()
                    && ["sales_amount", "sales_plan_completion"]
                        .contains(&l.indicator_code.as_str())
            })
        })
        .map(|c| c.employee_id)
        .collect();
    let mut sold: BTreeMap<i64, f64> = BTreeMap::new();
    for (id, seller, cents, d, status) in orders {
        if status == "cancelled" || !(d.year() == 2026 && d.month() == 10) {
            continue;
        }
        let shares: Vec<_> = credits.iter().filter(|c| c.0 == id).collect();
        if shares.is_empty() {
            *sold.entry(seller).or_default() += cents as f64;
        }
        for (_, who, pct) in shares {
            *sold.entry(*who).or_default() += cents as f64 * pct / 100.0;
        }
    }
    targets
        .into_iter()
        .filter(|(e, _)| scored.contains(e))
        .map(|(e, t)| (e, (sold.get(&e).copied().unwrap_or(0.0), t)))
        .collect()
}

/// Team target: the members' sales sum to their targets' sum → 1,000 yuan per member.
async fn expected_team_awards(
    store: &Store,
    p: &BTreeMap<i64, Person>,
) -> BTreeSet<(String, i64, i64)> {
    let sales = sales_by_hand(store).await;
    let mut teams: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (id, x) in p {
        if let Some(t) = x.team {
            teams.entry(t).or_default().push(*id);
        }
    }
    let mut out = BTreeSet::new();
    for members in teams.values() {
        let with: Vec<&(f64, f64)> = members.iter().filter_map(|m| sales.get(m)).collect();
        let value: f64 = with.iter().map(|x| x.0).sum();
        let target: f64 = with.iter().map(|x| x.1).sum();
        if !with.is_empty() && value >= target {
            for m in members {
                out.insert(("team_target".to_string(), *m, 100_000));
            }
        }
    }
    out
}

/// Ladder thresholds of SPEC §7 (months without a deal): trainee 6 → dismissal (grace
/// possible), consultant 6 → trainee, senior 3 → consultant, principal 1 → senior.
/// Promotions per defaults/ladder.toml: trainee 3 months ≥ 3,000,000 and ≥ 1 deal; consultant
/// 3 months ≥ 10,000,000 and ≥ 3; senior 6 months ≥ 30,000,000 and ≥ 6.
async fn expected_ladder(store: &Store) -> BTreeMap<i64, String> {
    let levels: Vec<(i64, String, NaiveDate)> = rows(
        store,
        "SELECT a.employee_id, l.code, a.valid_from FROM assignments a JOIN levels l ON l.id = a.level_id ORDER BY a.employee_id, a.valid_from",
    )
    .await;
    let on_ladder: Vec<(i64,)> = rows(
        store,
        "SELECT e.id FROM employees e WHERE e.level_id IS NOT NULL AND e.hired_on <= '2026-10-31' \
         AND (e.left_on IS NULL OR e.left_on > '2026-10-31')",
    )
    .await;
    let contracts: Vec<(i64, i64, NaiveDate)> = rows(
        store,
        "SELECT employee_id, amount_cents, signed_day FROM contracts WHERE signed_day IS NOT NULL AND signed_day <= '2026-10-31'",
    )
    .await;
    let month = |d: NaiveDate| d.year() * 12 + d.month0() as i32;
    let oct = 2026 * 12 + 9;
    let mut out = BTreeMap::new();
    for (id,) in on_ladder {
        // The level held at the end of October and the day it was taken: the last change
        // of level among the person's assignments.
        let mine: Vec<&(i64, String, NaiveDate)> = levels.iter().filter(|l| l.0 == id).collect();
        let mut since = None;
        let mut level = None;
        for l in &mine {
            if level.as_ref() != Some(&l.1) {
                level = Some(l.1.clone());
                since = Some(l.2);
            }
        }
        let (Some(level), Some(since)) = (level, since) else {
            continue;
        };
        let deals: Vec<&(i64, i64, NaiveDate)> = contracts.iter().filter(|c| c.0 == id).collect();
        let from_level = if since.day() == 1 {
            month(since)
        } else {
            month(since) + 1
        };
        let from_deal = deals
            .iter()
            .map(|d| month(d.2) + 1)
            .max()
            .unwrap_or(i32::MIN);
        let without = oct - from_level.max(from_deal) + 1;
        let threshold = match level.as_str() {
            "trainee" | "consultant" => 6,
            "senior" => 3,
            _ => 1,
        };
        if without >= threshold {
            out.insert(
                id,
                if level == "trainee" {
                    "dismiss"
                } else {
                    "demote"
                }
                .to_string(),
            );
            continue;
        }
        let promotion = match level.as_str() {
            "trainee" => Some((3, 3_000_000_i64, 1)),
            "consultant" => Some((3, 10_000_000, 3)),
            "senior" => Some((6, 30_000_000, 6)),
            _ => None,
        };
        if let Some((months, yuan, n)) = promotion {
            let first = oct - months + 1;
            if from_level <= first {
                let window: Vec<_> = deals.iter().filter(|d| month(d.2) >= first).collect();
                let sum: i64 = window.iter().map(|d| d.1).sum();
                if sum >= yuan * 100 && window.len() >= n {
                    out.insert(id, "promote".to_string());
                }
            }
        }
    }
    out
}

#[tokio::test]
async fn a_demo_month_runs_through_the_cycle_to_locked_with_hand_checked_awards_bonuses_and_ladder()
{
    for db in kaohe_testkit::every_backend().await {
        let store = db.open().await;
        let mut generator = Generator::new(GenConfig::demo(1, support::test_today()));
        kaohe::load::load(
            &store,
            &mut generator,
            &indicatif::ProgressBar::hidden(),
            true,
        )
        .await
        .unwrap();
        let oct = Period::parse(OCT).unwrap();
        let r = kaohe::demo_cycle::drive(&store, oct).await.unwrap();
        let b = db.backend;
        assert!(r.cycles >= 50, "{b}: {} cycles", r.cycles);
        assert_eq!(r.locked, r.cycles, "{b}: every cycle locked");
        assert_eq!(r.period_status.as_deref(), Some("locked"), "{b}");
        assert!(r.ratings > 0);

        // Ratings and behaviour factors gave every scorecard a total.
        let missing: Vec<(i64,)> = rows(
            &store,
            "SELECT employee_id FROM scorecards WHERE current = TRUE AND period = '2026-10' AND total IS NULL",
        )
        .await;
        assert!(missing.is_empty(), "{b}: no total for {missing:?}");
        demo_month_assesses_every_sales_role(&store, b).await;
        let factors: Vec<(i64, f64)> = rows(
            &store,
            "SELECT employee_id, factor FROM behaviour_assessments WHERE period = '2026-10'",
        )
        .await;
        assert!(!factors.is_empty());
        for (id, f) in factors {
            assert_eq!(
                f,
                [0.8, 0.9, 1.0, 1.1][(id % 4) as usize],
                "{b}: factor of {id}"
            );
        }

        // Bonuses: 2,000 yuan × the coefficient of the locked score, for everyone paid
        // monthly; managers and supervisors are paid from the year's and the quarter's result.
        let bonus: Vec<(i64, f64, i64)> = rows(
            &store,
            "SELECT s.employee_id, s.total, b.amount_cents FROM scorecards s JOIN bonuses b \
             ON b.employee_id = s.employee_id AND b.period = s.period WHERE s.current = TRUE AND s.period = '2026-10'",
        )
        .await;
        let longer: Vec<(i64,)> = rows(
            &store,
            "SELECT employee_id FROM cycles WHERE period = '2026-10' AND scheme_code IN ('sales_manager', 'sales_supervisor')",
        )
        .await;
        assert!(
            !longer.is_empty(),
            "{b}: the demo has managers and supervisors"
        );
        assert_eq!(bonus.len(), r.cycles - longer.len(), "{b}");
        for (id,) in &longer {
            assert!(
                bonus.iter().all(|x| x.0 != *id),
                "{b}: {id} is paid from the quarter or the year, not the month"
            );
        }
        for (id, total, cents) in &bonus {
            let want = (200_000.0 * coefficient(*total)).round() as i64;
            assert_eq!(*cents, want, "{b}: bonus of {id} (score {total})");
        }
        assert_eq!(r.bonus_total_cents, bonus.iter().map(|x| x.2).sum::<i64>());

        // Awards: computed here from the records and confirmed amounts compared.
        let p = people(&store).await;
        let mut want = expected_awards(&p);
        want.extend(expected_team_awards(&store, &p).await);
        let got: BTreeSet<(String, i64, i64)> = rows::<(String, i64, i64)>(
            &store,
            "SELECT rule_code, employee_id, amount_cents FROM awards WHERE status = 'confirmed' AND period = '2026-10'",
        )
        .await
        .into_iter()
        .collect();
        assert_eq!(got, want, "{b}: awards");
        assert!(!got.is_empty(), "{b}: the demo month has awards");

        // Ladder: the recommendations of October as worked out from contracts and levels.
        let want = expected_ladder(&store).await;
        let got: BTreeMap<i64, String> = rows::<(i64, String)>(
            &store,
            "SELECT employee_id, kind FROM ladder_decisions WHERE period = '2026-10'",
        )
        .await
        .into_iter()
        .collect();
        assert_eq!(got, want, "{b}: ladder");
        // Every recommendation was decided: dismissals given their grace, the rest confirmed.
        let undecided: Vec<(i64,)> = rows(
            &store,
            "SELECT id FROM ladder_decisions WHERE status = 'recommended' AND period = '2026-10'",
        )
        .await;
        assert!(undecided.is_empty(), "{b}");

        // Driving the month again changes nothing.
        let again = kaohe::demo_cycle::drive(&store, oct).await.unwrap();
        assert_eq!(
            (again.locked, again.bonus_total_cents),
            (r.locked, r.bonus_total_cents)
        );
    }
}

fn kaohe() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kaohe"));
    cmd.env_remove("KAOHE_DATABASE_URL")
        .env("KAOHE_LOG", "error");
    cmd
}

fn run(db: &str, args: &[&str]) -> (bool, String, String) {
    let out = kaohe().arg("--db").arg(db).args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_cycle_commands_take_steps_refuse_clearly_and_export_payroll_that_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let db = db.to_str().unwrap();
    let (ok, _, err) = run(
        db,
        &["gen", "--months", "2", "--end", "2026-11-20", "--accounts"],
    );
    assert!(ok, "{err}");
    for cmd in ["cycle", "inbox", "appeal", "awards", "bonus", "ladder"] {
        let (ok, out, _) = run(db, &[cmd, "--help"]);
        assert!(ok && out.contains("Usage"), "{cmd} --help");
    }
    let (ok, out, err) = run(db, &["cycle", "open", "--period", OCT, "--as", "hr"]);
    assert!(ok, "{err}");
    assert!(out.contains("cycles opened"), "{out}");
    let (ok, out, _) = run(db, &["cycle", "status", "--period", OCT]);
    assert!(ok && out.contains("drafting"), "{out}");
    // The rep's own cycle: the rep cannot approve targets; the refusal says what is allowed.
    let (ok, _, err) = run(
        db,
        &[
            "cycle",
            "act",
            "--period",
            OCT,
            "--employee",
            "1",
            "--as",
            "rep",
            "approve_targets_hr",
        ],
    );
    assert!(!ok);
    assert!(err.contains("error:"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let (ok, _, err) = run(
        db,
        &[
            "cycle",
            "act",
            "--period",
            OCT,
            "--employee",
            "1",
            "--as",
            "rep",
            "fly_away",
        ],
    );
    assert!(!ok && err.contains("not a valid step"), "{err}");
    let (ok, _, err) = run(db, &["inbox", "--as", "nobody"]);
    assert!(!ok && err.contains("no user `nobody`"), "{err}");
    let (ok, out, err) = run(db, &["inbox", "--as", "manager"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("propose_targets") || out.contains("nothing to do"),
        "{out}"
    );
    // The whole month, then payroll as CSV and xlsx.
    let (ok, out, err) = run(db, &["cycle", "demo", "--period", OCT]);
    assert!(ok, "{err}");
    assert!(out.contains("\"period_status\": \"locked\""), "{out}");
    let csv_path = dir.path().join("payroll.csv");
    let xlsx_path = dir.path().join("payroll.xlsx");
    for path in [&csv_path, &xlsx_path] {
        let (ok, out, err) = run(
            db,
            &[
                "bonus",
                "export",
                "--period",
                OCT,
                "-o",
                path.to_str().unwrap(),
                "--as",
                "finance",
            ],
        );
        assert!(ok, "{err}");
        assert!(out.contains("payroll rows"), "{out}");
    }
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, kaohe_domain::bonus::PAYROLL_HEADER);
    let csv_rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert!(csv_rows.iter().any(|r| &r[3] == "performance_bonus"));
    use calamine::{Reader, Xlsx, open_workbook};
    let mut book: Xlsx<_> = open_workbook(&xlsx_path).unwrap();
    let range = book.worksheet_range("payroll").unwrap();
    assert_eq!(
        range.height(),
        csv_rows.len() + 1,
        "the same rows in both files"
    );
    for (i, r) in csv_rows.iter().enumerate() {
        let cell = range.get((i + 1, 5)).unwrap().to_string();
        let a: f64 = cell.parse().unwrap();
        let b: f64 = r[5].parse().unwrap();
        assert!((a - b).abs() < 0.005, "row {i}: {a} vs {b}");
        assert_eq!(range.get((i + 1, 0)).unwrap().to_string(), r[0].to_string());
    }
    // A locked month refuses evaluation through the CLI too.
    let (ok, _, err) = run(db, &["evaluate", "--period", OCT]);
    assert!(!ok && err.contains("locked"), "{err}");
    let (ok, _, err) = run(db, &["bonus", "export", "--period", OCT, "-o", "x.pdf"]);
    assert!(!ok && err.contains(".csv or .xlsx"), "{err}");
}

/// The positions the seeds do not assess (management, HR, finance): everyone else has a
/// scheme and a card.
const NOT_ASSESSED: [&str; 7] = [
    "gm",
    "assistant",
    "hr_manager",
    "hr_specialist",
    "finance_manager",
    "accountant",
    "cashier",
];

/// SPEC §5a on the demo's locked month: every position the seeds assess has a scheme, every
/// person in one has a card, and no indicator is not applicable for a whole position (a card
/// with half its weight N/A because of how the demo was generated).
async fn demo_month_assesses_every_sales_role(store: &Store, b: &str) {
    let positions: Vec<(String, Option<String>)> =
        rows(store, "SELECT code, scheme_code FROM positions").await;
    for (code, scheme) in &positions {
        assert_eq!(
            scheme.is_some(),
            !NOT_ASSESSED.contains(&code.as_str()),
            "{b}: position {code} has scheme {scheme:?}"
        );
    }
    let people: Vec<(i64, String)> = rows(
        store,
        "SELECT e.id, p.code FROM employees e JOIN positions p ON p.id = e.position_id \
         WHERE p.scheme_code IS NOT NULL AND e.hired_on <= '2026-10-01' \
         AND (e.left_on IS NULL OR e.left_on > '2026-10-31')",
    )
    .await;
    let cards = store
        .scorecards(&Viewer::system("test"), "2026-10", None)
        .await
        .unwrap();
    let position_of: BTreeMap<i64, &str> = people.iter().map(|(id, p)| (*id, p.as_str())).collect();
    let carded: BTreeSet<i64> = cards.iter().map(|c| c.employee_id).collect();
    let without: Vec<_> = position_of
        .iter()
        .filter(|(id, _)| !carded.contains(id))
        .collect();
    assert!(without.is_empty(), "{b}: no card for {without:?}");
    // For each position, the indicators no holder has a value of.
    let mut seen: BTreeMap<(&str, &str), bool> = BTreeMap::new();
    for c in &cards {
        let Some(position) = position_of.get(&c.employee_id) else {
            continue;
        };
        for l in &c.lines {
            *seen
                .entry((position, l.indicator_code.as_str()))
                .or_default() |= l.applicable;
        }
    }
    let never: Vec<_> = seen
        .iter()
        .filter(|(_, any)| !**any)
        .map(|(k, _)| k)
        .collect();
    assert!(
        never.is_empty(),
        "{b}: not applicable for a whole position: {never:?}"
    );
}
