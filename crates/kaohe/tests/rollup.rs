//! The per-month KPI roll-ups agree with the records they summarise — after the demo load,
//! after single writes through the store API (a new call, a call moved to another month, an
//! order that turns later orders into repeat purchases, a payment) — on SQLite and PostgreSQL.
//! "Agree" means: every indicator value of every scorecard computed from the roll-ups equals
//! the one computed by streaming the records through the domain's own filter code.

mod support;

use chrono::{NaiveDate, TimeZone, Utc};
use kaohe_domain::Period;
use kaohe_domain::records::{Call, Order, Payment};
use kaohe_gen::{GenConfig, Generator};
use kaohe_store::evaluate::{EvalRequest, Source};
use kaohe_store::{Sql, Store, Viewer};

async fn demo(db: &kaohe_testkit::TestDb) -> Store {
    let store = db.open().await;
    let mut generator = Generator::new(GenConfig::demo(1, support::test_today()));
    kaohe::load::load(
        &store,
        &mut generator,
        &indicatif::ProgressBar::hidden(),
        false,
    )
    .await
    .unwrap();
    store
}

fn req(period: &str, employee: Option<i64>) -> EvalRequest {
    EvalRequest {
        period: Period::parse(period).unwrap(),
        scheme: None,
        employee,
    }
}

/// Every indicator value from the roll-ups equals the value from the records.
async fn assert_agree(store: &Store, period: &str, when: &str) {
    let viewer = Viewer::system("test");
    let rolled = store
        .preview_whole_period(&viewer, &req(period, None), Source::Rollups)
        .await
        .unwrap();
    let scanned = store
        .preview_whole_period(&viewer, &req(period, None), Source::Records)
        .await
        .unwrap();
    assert_eq!(rolled.results.len(), scanned.results.len(), "{when}");
    let mut compared = 0;
    for (a, b) in rolled.results.iter().zip(&scanned.results) {
        assert_eq!(a.employee_id, b.employee_id, "{when}");
        for (x, y) in a.scorecard.lines.iter().zip(&b.scorecard.lines) {
            let same = match (x.value, y.value) {
                (Some(p), Some(q)) => (p - q).abs() <= 1e-9 * p.abs().max(q.abs()).max(1.0),
                (p, q) => p == q,
            };
            assert!(
                same,
                "{when}: {period} employee {} {}: roll-ups {:?}, records {:?}",
                a.employee_id, x.indicator, x.value, y.value
            );
            compared += 1;
        }
    }
    assert!(compared > 100, "{when}: only {compared} values compared");
}

/// One person's value of one indicator, live.
async fn value(store: &Store, period: &str, employee: i64, indicator: &str) -> Option<f64> {
    let e = store
        .preview(&Viewer::system("test"), &req(period, Some(employee)))
        .await
        .unwrap();
    e.results[0]
        .scorecard
        .lines
        .iter()
        .find(|l| l.indicator == indicator)
        .and_then(|l| l.value)
}

async fn one_i64(store: &Store, text: &str) -> i64 {
    store.fetch_i64(&Sql::new(text)).await.unwrap()
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[tokio::test]
async fn roll_ups_follow_every_write_and_agree_with_the_records() {
    for db in kaohe_testkit::every_backend().await {
        let store = demo(&db).await;
        let system = Viewer::system("test");
        for period in ["2026-09", "2026-10", "2026-11"] {
            assert_agree(&store, period, &format!("{} after the load", db.backend)).await;
        }

        // prev(sales_amount): sales_amount is on no scheme, so last month's value comes from its
        // formula over last month's records, not from a stored scorecard.
        let october = store.preview(&system, &req("2026-10", None)).await.unwrap();
        let growth = october
            .results
            .iter()
            .flat_map(|r| &r.scorecard.lines)
            .filter(|l| l.indicator == "sales_growth" && l.value.is_some())
            .count();
        assert!(growth > 5, "{}: {growth} sales_growth values", db.backend);

        // A telesales specialist's call-back, entered through the store API, counts at once.
        let tele = one_i64(
            &store,
            "SELECT CAST(MIN(e.id) AS BIGINT) FROM employees e JOIN positions p ON p.id = e.position_id \
             WHERE p.scheme_code = 'telesales_specialist' AND e.left_on IS NULL",
        )
        .await;
        let before = value(&store, "2026-11", tele, "callback_count")
            .await
            .unwrap();
        let at = Utc.with_ymd_and_hms(2026, 11, 20, 2, 0, 0).unwrap();
        let call = Call {
            id: 0,
            employee_id: tele,
            customer_id: None,
            day: day("2026-11-20"),
            started_at: at,
            direction: "outbound".into(),
            duration_s: 120,
            outcome: "connected".into(),
            is_callback: true,
            callback_due_at: Some(at),
            rings: None,
        };
        let id = store.create(&system, &call).await.unwrap();
        assert_eq!(
            value(&store, "2026-11", tele, "callback_count").await,
            Some(before + 1.0),
            "{}: the new call-back counts",
            db.backend
        );

        // Moving the call to October takes it out of November and into October.
        let october_before = value(&store, "2026-10", tele, "callback_count")
            .await
            .unwrap();
        let at = Utc.with_ymd_and_hms(2026, 10, 20, 2, 0, 0).unwrap();
        let moved = Call {
            id,
            day: day("2026-10-20"),
            started_at: at,
            callback_due_at: Some(at),
            ..call
        };
        store.update(&system, &moved).await.unwrap();
        assert_eq!(
            value(&store, "2026-11", tele, "callback_count").await,
            Some(before)
        );
        assert_eq!(
            value(&store, "2026-10", tele, "callback_count").await,
            Some(october_before + 1.0)
        );

        // An early order for a customer who ordered later makes those later orders repeat
        // purchases: their sellers' retention changes, not only the writer's.
        let (customer, seller): (i64, i64) = store
            .fetch_optional(&Sql::new(
                "SELECT CAST(customer_id AS BIGINT), CAST(employee_id AS BIGINT) FROM orders \
                 WHERE day >= '2026-10-01' AND day < '2026-11-01' AND status <> 'cancelled' \
                 ORDER BY id LIMIT 1",
            ))
            .await
            .unwrap()
            .unwrap();
        let order = Order {
            handled_by: None,
            id: 0,
            order_no: "RT-0001".into(),
            customer_id: customer,
            employee_id: seller,
            day: day("2026-08-03"),
            received_at: Utc.with_ymd_and_hms(2026, 8, 3, 2, 0, 0).unwrap(),
            entered_at: Utc.with_ymd_and_hms(2026, 8, 3, 3, 0, 0).unwrap(),
            entry_due_at: Utc.with_ymd_and_hms(2026, 8, 3, 9, 0, 0).unwrap(),
            amount_cents: 1_234_500,
            entry_errors: 0,
            promised_delivery_on: day("2026-08-10"),
            status: "completed".into(),
            price_ratio_bp: 9_800,
        };
        store.create(&system, &order).await.unwrap();

        // A payment on an open receivable.
        let (receivable, owner, amount): (i64, i64, i64) = store
            .fetch_optional(&Sql::new(
                "SELECT CAST(id AS BIGINT), CAST(employee_id AS BIGINT), CAST(amount_cents AS BIGINT) \
                 FROM receivables WHERE due_on >= '2026-10-01' AND due_on < '2026-11-01' ORDER BY id LIMIT 1",
            ))
            .await
            .unwrap()
            .unwrap();
        let payment = Payment {
            id: 0,
            receivable_id: receivable,
            employee_id: owner,
            received_on: day("2026-10-02"),
            amount_cents: amount,
        };
        store.create(&system, &payment).await.unwrap();

        for period in ["2026-08", "2026-09", "2026-10", "2026-11"] {
            assert_agree(&store, period, &format!("{} after the writes", db.backend)).await;
        }
        // The same holds for a full rebuild, and it changes nothing.
        store.rebuild_rollups(&|_, _| {}).await.unwrap();
        assert_agree(
            &store,
            "2026-10",
            &format!("{} after a rebuild", db.backend),
        )
        .await;
        // A rebuild of one month (`kaohe rollup rebuild --period`) writes that month's
        // buckets and cards anew and leaves the other months as they were.
        store
            .prepare_rollups(Some(Period::parse("2026-10").unwrap()), &|_, _| {})
            .await
            .unwrap();
        for period in ["2026-09", "2026-10", "2026-11"] {
            assert_agree(
                &store,
                period,
                &format!("{} after rebuilding 2026-10", db.backend),
            )
            .await;
        }
        // Quarters merge the months' buckets.
        assert_agree(&store, "2026-Q3", &format!("{} for a quarter", db.backend)).await;
        assert_eq!(
            one_i64(&store, "SELECT CAST(COUNT(*) AS BIGINT) FROM rollup_dirty").await,
            0,
            "no marks are left behind"
        );

        // A database made before the packed cards existed: buckets, no cards, its months
        // listed as pending. Opening it packs them, and the values are the same.
        let mut tx = store.begin().await.unwrap();
        tx.execute("DELETE FROM rollup_cards", vec![])
            .await
            .unwrap();
        tx.execute(
            "INSERT INTO rollup_cards_todo (month) SELECT DISTINCT month FROM rollups",
            vec![],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        drop(store);
        let store = db.open().await;
        assert_eq!(
            one_i64(
                &store,
                "SELECT CAST(COUNT(*) AS BIGINT) FROM rollup_cards_todo"
            )
            .await,
            0,
            "{}: pending months are packed on open",
            db.backend
        );
        assert!(one_i64(&store, "SELECT CAST(COUNT(*) AS BIGINT) FROM rollup_cards").await > 0);
        for period in ["2026-09", "2026-10", "2026-Q3"] {
            assert_agree(
                &store,
                period,
                &format!("{} after packing on open", db.backend),
            )
            .await;
        }
    }
}

/// The boards' call funnel is registered with the library's measures when the roll-ups are
/// prepared (as `kaohe gen` and the demo load do): the first board view reads buckets instead
/// of building them from every record inside the request (some 40 s at 10,000 staff).
#[tokio::test]
async fn the_call_funnels_measures_are_built_with_the_librarys_and_not_by_the_first_board_view() {
    for db in kaohe_testkit::every_backend().await {
        let store = demo(&db).await;
        let count = "SELECT CAST(COUNT(*) AS BIGINT) FROM rollup_measures";
        let registered = one_i64(&store, count).await;
        let funnel = store
            .call_funnel(&Viewer::system("test"), Period::parse("2026-10").unwrap())
            .await
            .unwrap();
        assert!(funnel.calls > 0.0, "{}: {funnel:?}", db.backend);
        assert_eq!(
            one_i64(&store, count).await,
            registered,
            "{}: the funnel built measures of its own",
            db.backend
        );
    }
}

/// A changed formula's new measure is registered as not ready with the library version; until
/// its roll-ups are built it is computed from the records (the same values at once), writes
/// meanwhile are noted for the build, and the build — with writes going on beside it — leaves
/// roll-ups that agree with the records, ready.
#[tokio::test]
async fn a_changed_formula_is_computed_from_the_records_until_its_roll_ups_are_built_beside_writes()
{
    for db in kaohe_testkit::every_backend().await {
        let store = demo(&db).await;
        let system = Viewer::system("test");
        assert_eq!(store.pending_rollups().await.unwrap(), 0, "{}", db.backend);
        store
            .set_indicator_formula(
                &system,
                "callback_count",
                "count(calls where is_callback and duration_s >= 60)",
            )
            .await
            .unwrap();
        assert_eq!(
            store.pending_rollups().await.unwrap(),
            1,
            "{}: the new measure waits for its build",
            db.backend
        );
        for period in ["2026-10", "2026-11"] {
            assert_agree(&store, period, &format!("{} before the build", db.backend)).await;
        }

        // A call-back written before the build counts at once, and its month is noted for a
        // build that may be reading it.
        let tele = one_i64(
            &store,
            "SELECT CAST(MIN(e.id) AS BIGINT) FROM employees e JOIN positions p ON p.id = e.position_id \
             WHERE p.scheme_code = 'telesales_specialist' AND e.left_on IS NULL",
        )
        .await;
        let before = value(&store, "2026-11", tele, "callback_count")
            .await
            .unwrap();
        let call = |n: u32, d: &str| {
            let at = Utc.with_ymd_and_hms(2026, 11, 3 + n % 20, 2, 0, 0).unwrap();
            Call {
                id: 0,
                employee_id: tele,
                customer_id: None,
                day: day(d),
                started_at: at,
                direction: "outbound".into(),
                duration_s: 61,
                outcome: "connected".into(),
                is_callback: true,
                callback_due_at: Some(at),
                rings: None,
            }
        };
        store.create(&system, &call(0, "2026-11-03")).await.unwrap();
        assert_eq!(
            value(&store, "2026-11", tele, "callback_count").await,
            Some(before + 1.0),
            "{}",
            db.backend
        );
        assert!(
            one_i64(
                &store,
                "SELECT CAST(COUNT(*) AS BIGINT) FROM rollup_build_touched WHERE kind = 'calls' AND month = '2026-11'"
            )
            .await
                == 1,
            "{}: the write is noted for the build",
            db.backend
        );

        // The build runs while calls are written: one in November right after the build read
        // November (that person is read again inside the write lock); one in October noted
        // as a write that reached everybody, as an import's is (the whole month is read again
        // inside the lock); and others at any time.
        let progress = std::sync::Mutex::new(Vec::new());
        let note = |done, total| progress.lock().unwrap().push((done, total));
        let reads = std::sync::Mutex::new(Vec::new());
        let (store2, system2) = (store.clone(), system.clone());
        let after_read = |month: Period| -> std::pin::Pin<
            Box<dyn std::future::Future<Output = ()> + Send + '_>,
        > {
            reads.lock().unwrap().push(month.to_string());
            let (store, system) = (store2.clone(), system2.clone());
            let month = month.to_string();
            Box::pin(async move {
                match month.as_str() {
                    "2026-11" => {
                        store
                            .create(&system, &call(40, "2026-11-05"))
                            .await
                            .unwrap();
                    }
                    "2026-10" => {
                        store
                            .create(&system, &call(41, "2026-10-05"))
                            .await
                            .unwrap();
                        let mut tx = store.begin().await.unwrap();
                        tx.execute(
                            "DELETE FROM rollup_build_touched WHERE month = '2026-10'",
                            vec![],
                        )
                        .await
                        .unwrap();
                        tx.execute(
                            "INSERT INTO rollup_build_touched (kind, month, employee_id) VALUES ('calls', '2026-10', -1)",
                            vec![],
                        )
                        .await
                        .unwrap();
                        tx.commit().await.unwrap();
                    }
                    _ => {}
                }
            })
        };
        let writer = async {
            for n in 1..=6u32 {
                let d = format!(
                    "2026-{}-{:02}",
                    if n % 2 == 0 { 10 } else { 11 },
                    3 + n % 20
                );
                store.create(&system, &call(n, &d)).await.unwrap();
                tokio::task::yield_now().await;
            }
        };
        let (report, ()) = tokio::join!(
            store.build_pending_rollups_pausing(&note, &after_read),
            writer
        );
        let reads = reads.into_inner().unwrap();
        for month in ["2026-10", "2026-11"] {
            assert_eq!(
                reads.iter().filter(|m| *m == month).count(),
                1,
                "{}: {month} read once outside the lock: {reads:?}",
                db.backend
            );
        }
        let report = report.unwrap();
        assert_eq!(report.measures, 1, "{}", db.backend);
        let progress = progress.into_inner().unwrap();
        assert!(
            !progress.is_empty() && progress.last().map(|(d, t)| d == t) == Some(true),
            "{}: progress {progress:?}",
            db.backend
        );
        assert_eq!(store.pending_rollups().await.unwrap(), 0, "{}", db.backend);
        let status = store.rollup_build_status();
        assert!(!status.running && status.error.is_none() && status.done == status.total);
        for period in ["2026-09", "2026-10", "2026-11"] {
            assert_agree(&store, period, &format!("{} after the build", db.backend)).await;
        }
        assert_eq!(
            value(&store, "2026-11", tele, "callback_count").await,
            Some(before + 5.0),
            "{}: the call-backs written during the build count",
            db.backend
        );
        assert_eq!(
            one_i64(
                &store,
                "SELECT CAST(COUNT(*) AS BIGINT) FROM rollup_build_touched"
            )
            .await,
            0,
            "{}: no notes are left behind",
            db.backend
        );
    }
}

/// A database from an earlier kaohe may lack registered measures (the boards' call funnel
/// came later): a server started on it registers them and builds them in the background,
/// and what the boards and scorecards show is the same before, during and after.
#[tokio::test]
async fn a_server_started_on_an_older_database_builds_the_measures_it_lacks_in_the_background() {
    for db in kaohe_testkit::every_backend().await {
        let store = demo(&db).await;
        let viewer = Viewer::system("test");
        let october = Period::parse("2026-10").unwrap();
        let funnel = format!("{:?}", store.call_funnel(&viewer, october).await.unwrap());
        let mut tx = store.begin().await.unwrap();
        for table in ["rollup_cards", "rollups", "rollup_measures"] {
            tx.execute(&format!("DELETE FROM {table}"), vec![])
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        assert_eq!(
            format!("{:?}", store.call_funnel(&viewer, october).await.unwrap()),
            funnel,
            "{}: computed from the records meanwhile",
            db.backend
        );
        let generator = Generator::new(GenConfig::demo(1, support::test_today()));
        let app = support::spawn(db, store.clone(), generator, |s| s).await;
        let count = "SELECT CAST(COUNT(*) AS BIGINT) FROM rollup_measures WHERE ready";
        let mut ready = 0;
        for _ in 0..600 {
            ready = one_i64(&store, count).await;
            if ready > 0 && store.pending_rollups().await.unwrap() == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let backend = app.db.backend;
        assert!(ready > 30, "{backend}: {ready} measures built");
        assert_eq!(store.pending_rollups().await.unwrap(), 0, "{backend}");
        assert_eq!(
            format!("{:?}", store.call_funnel(&viewer, october).await.unwrap()),
            funnel,
            "{backend}: from the roll-ups"
        );
        assert_agree(&store, "2026-10", &format!("{backend} after the build")).await;
    }
}
