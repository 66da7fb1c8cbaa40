//! Storage behaviour on a real SQLite file and a real PostgreSQL database, side by side.

use chrono::{NaiveDate, TimeZone, Utc};
use kaohe_domain::records::Customer;
use kaohe_domain::records::Order;
use kaohe_domain::roles::Role;
use kaohe_store::audit::AuditEntry;
use kaohe_store::users::{LoginError, MAX_FAILED_LOGINS, NewUser};
use kaohe_store::{Sql, Store, StoreError, Viewer};
use kaohe_testkit::every_backend;
use kaohe_testkit::fixtures::{employee, organisation};

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 10, d).unwrap()
}

/// A tiny organisation: one department, one position, two reps (ids 1 and 2), one customer.
async fn seed(store: &Store) {
    organisation(
        store,
        "telesales",
        &[employee(1, "王伟"), employee(2, "李娜")],
    )
    .await;
    let mut tx = store.begin().await.unwrap();
    let at = Utc.with_ymd_and_hms(2026, 10, 1, 2, 0, 0).unwrap();
    let customer = Customer {
        handled_by: None,
        id: 1,
        archive_no: "KH-1".into(),
        name: "华东建材".into(),
        company: "华东建材有限公司".into(),
        contact: "张".into(),
        phone: "021-1".into(),
        address: String::new(),
        industry: "建材".into(),
        needs: String::new(),
        source: "电话".into(),
        class: "key".into(),
        owner_id: 1,
        valid: true,
        special_archive: true,
        complete: true,
        created_at: at,
        updated_at: at,
        update_due_at: None,
        verified_at: None,
    };
    tx.insert_rows(&[customer]).await.unwrap();
    tx.sync_id_sequences(&["customers"]).await.unwrap();
    tx.commit().await.unwrap();
}

fn order(id: i64, no: &str, employee: i64) -> Order {
    let at = Utc.with_ymd_and_hms(2026, 10, 8, 2, 30, 0).unwrap();
    Order {
        handled_by: None,
        id,
        order_no: no.into(),
        customer_id: 1,
        employee_id: employee,
        day: day(8),
        received_at: at,
        entered_at: at,
        entry_due_at: at,
        amount_cents: 123_456,
        entry_errors: 0,
        promised_delivery_on: day(20),
        status: "open".into(),
        price_ratio_bp: 10_000,
    }
}

fn rep(employee_id: i64) -> Viewer {
    Viewer {
        user_id: None,
        username: format!("rep{employee_id}"),
        role: Role::Rep,
        employee_id: Some(employee_id),
        team_id: None,
        department_ids: vec![1],
    }
}

#[tokio::test]
async fn migrations_apply_and_reapply_cleanly_on_every_backend() {
    for db in every_backend().await {
        let store = db.open().await;
        store.ping().await.unwrap();
        drop(store);
        // A second open finds every migration applied and changes nothing.
        let again = db.open().await;
        assert_eq!(
            again.count_rows("employees").await.unwrap(),
            0,
            "{}",
            db.backend
        );
    }
}

#[tokio::test]
async fn a_duplicate_order_number_is_a_field_error_and_the_transaction_leaves_nothing() {
    for db in every_backend().await {
        let store = db.open().await;
        seed(&store).await;
        let mut tx = store.begin().await.unwrap();
        tx.insert_rows(&[order(1, "SO1", 1)]).await.unwrap();
        let err = tx.insert_rows(&[order(2, "SO1", 1)]).await.unwrap_err();
        match err {
            StoreError::Conflict { field, message } => {
                assert_eq!(field, "order_no", "{}", db.backend);
                assert_eq!(message, "order number already exists");
            }
            other => panic!("{}: expected a conflict, got {other:?}", db.backend),
        }
        drop(tx);
        assert_eq!(
            store.count_rows("orders").await.unwrap(),
            0,
            "{}: rolled back",
            db.backend
        );
    }
}

#[tokio::test]
async fn a_reference_to_a_missing_employee_is_refused() {
    for db in every_backend().await {
        let store = db.open().await;
        seed(&store).await;
        let mut tx = store.begin().await.unwrap();
        let err = tx.insert_rows(&[order(1, "SO9", 99)]).await.unwrap_err();
        assert!(
            matches!(err, StoreError::Invalid { .. }),
            "{}: {err:?}",
            db.backend
        );
    }
}

#[tokio::test]
async fn the_audit_log_refuses_update_and_delete() {
    for db in every_backend().await {
        let store = db.open().await;
        let who = Viewer::system("test");
        let entry = AuditEntry {
            action: "create",
            entity: "order",
            entity_id: "1".into(),
            before: None,
            after: Some(serde_json::json!({"n": 1})),
        };
        store.audit(&who, entry).await.unwrap();
        for sql in [
            "UPDATE audit_log SET actor = 'mallory'",
            "DELETE FROM audit_log",
        ] {
            let err = store.execute(&Sql::new(sql)).await.unwrap_err().to_string();
            assert!(err.contains("append-only"), "{}: {sql}: {err}", db.backend);
        }
        let rows = store.audit_entries(Some("order"), 10).await.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].actor, "test");
    }
}

#[tokio::test]
async fn a_rep_sees_only_their_own_records_and_not_a_colleague() {
    for db in every_backend().await {
        let store = db.open().await;
        seed(&store).await;
        let mut tx = store.begin().await.unwrap();
        tx.insert_rows(&[order(1, "SO1", 1), order(2, "SO2", 2), order(3, "SO3", 2)])
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let orders = |v: Viewer| {
            let store = store.clone();
            async move {
                store
                    .record_counts(&v)
                    .await
                    .unwrap()
                    .into_iter()
                    .find(|c| c.kind == "orders")
                    .unwrap()
                    .count
            }
        };
        assert_eq!(orders(rep(1)).await, 1, "{}", db.backend);
        assert_eq!(orders(rep(2)).await, 2, "{}", db.backend);
        assert_eq!(orders(Viewer::system("hr")).await, 3, "{}", db.backend);
        assert!(store.employee(&rep(1), 1).await.is_ok());
        let hidden = store.employee(&rep(1), 2).await.unwrap_err();
        assert!(
            matches!(hidden, StoreError::NotFound { .. }),
            "{}: {hidden:?}",
            db.backend
        );
    }
}

#[tokio::test]
async fn sign_in_locks_after_repeated_failures_and_sessions_round_trip() {
    for db in every_backend().await {
        let store = db.open().await;
        let new = NewUser {
            username: "hr",
            password: "correct horse",
            role: Role::Hr,
            employee_id: None,
            display_name: "HR",
        };
        store.create_user(&new).await.unwrap();
        assert!(matches!(
            store.create_user(&new).await.unwrap_err(),
            StoreError::Conflict { .. }
        ));
        assert!(
            store
                .authenticate("hr", "correct horse")
                .await
                .unwrap()
                .is_ok()
        );
        assert_eq!(
            store
                .authenticate("nobody", "x")
                .await
                .unwrap()
                .unwrap_err(),
            LoginError::BadCredentials
        );
        for _ in 1..MAX_FAILED_LOGINS {
            assert_eq!(
                store
                    .authenticate("hr", "wrong")
                    .await
                    .unwrap()
                    .unwrap_err(),
                LoginError::BadCredentials
            );
        }
        assert!(matches!(
            store
                .authenticate("hr", "wrong")
                .await
                .unwrap()
                .unwrap_err(),
            LoginError::Locked(_)
        ));
        // Locked: even the right password is refused until the lock expires.
        assert!(matches!(
            store
                .authenticate("hr", "correct horse")
                .await
                .unwrap()
                .unwrap_err(),
            LoginError::Locked(_)
        ));
        let user = store.user_by_name("hr").await.unwrap().unwrap();
        let s = store.create_session(user.id).await.unwrap();
        let (found, csrf) = store.session(&s.token).await.unwrap().unwrap();
        assert_eq!(found.id, user.id);
        assert_eq!(csrf, s.csrf_token);
        store.delete_session(&s.token).await.unwrap();
        assert!(
            store.session(&s.token).await.unwrap().is_none(),
            "{}",
            db.backend
        );
    }
}

#[tokio::test]
async fn a_short_password_is_refused() {
    let db = kaohe_testkit::sqlite();
    let store = db.open().await;
    let new = NewUser {
        username: "x",
        password: "short",
        role: Role::Rep,
        employee_id: None,
        display_name: "",
    };
    let err = store.create_user(&new).await.unwrap_err().to_string();
    assert!(err.contains("password") && err.contains("8"), "{err}");
}

#[tokio::test]
async fn sqlite_binds_numbered_placeholders_by_number_not_by_position() {
    let db = kaohe_testkit::sqlite();
    let store = db.open().await;
    let (a, b): (i64, String) = store
        .fetch_optional(&Sql::new("SELECT 1, 'x'"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((a, b.as_str()), (1, "x"));
    store.set_setting("k", "v1").await.unwrap();
    store.set_setting("k", "v2").await.unwrap();
    assert_eq!(store.setting("k").await.unwrap().as_deref(), Some("v2"));
}

/// A write transaction on SQLite holds the write lock from its start. Begun deferred, one that
/// read first and wrote after another connection (another process) had committed would fail at
/// once with "database is locked", without waiting: the server answered 503 to a plain write.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_transaction_that_reads_first_survives_a_commit_by_another_connection() {
    let db = kaohe_testkit::sqlite();
    let ours = db.open().await;
    let theirs = db.open().await;
    ours.set_setting("first", "1").await.unwrap();
    let mut tx = ours.begin().await.unwrap();
    tx.execute("SELECT value FROM settings", vec![])
        .await
        .unwrap();
    let other = tokio::spawn(async move { theirs.set_setting("theirs", "1").await });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    tx.execute(
        "INSERT INTO settings (key, value) VALUES ('ours', '1')",
        vec![],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    other.await.unwrap().unwrap();
    for key in ["first", "ours", "theirs"] {
        assert_eq!(
            ours.setting(key).await.unwrap().as_deref(),
            Some("1"),
            "{key}"
        );
    }
}

#[tokio::test]
async fn a_live_sqlite_database_backs_up_to_a_consistent_copy() {
    let db = kaohe_testkit::sqlite();
    let store = db.open().await;
    seed(&store).await;
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("copy.db");
    // Writers keep going while the copy is taken.
    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            for i in 0..200 {
                let mut tx = store.begin().await.unwrap();
                tx.insert_rows(&[order(100 + i, &format!("SO-{i}"), 1)])
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            }
        })
    };
    store.backup_to(&dest).await.unwrap();
    writer.await.unwrap();
    let copy = Store::open_str(dest.to_str().unwrap()).await.unwrap();
    let n = copy.count_rows("orders").await.unwrap();
    assert!((0..=200).contains(&n));
    let check: (String,) = copy
        .fetch_optional(&Sql::new("PRAGMA integrity_check"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(check.0, "ok");
    assert!(
        store
            .backup_to(&dest)
            .await
            .unwrap_err()
            .to_string()
            .contains("already exists")
    );
}

#[tokio::test]
async fn a_corrupt_file_gives_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.db");
    std::fs::write(&path, vec![0x42u8; 8192]).unwrap();
    let err = Store::open_str(path.to_str().unwrap())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a SQLite database or is corrupt"), "{err}");
    let missing_dir = dir.path().join("nope/x.db");
    let err = Store::open_str(missing_dir.to_str().unwrap())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("does not exist"), "{err}");
}

/// Numbers a scorecard line may hold that a lossy copy would change: SQLite writes some with
/// 15 significant digits and needs 21 for others.
const AWKWARD: [f64; 6] = [
    0.1 + 0.2,
    1.0 / 3.0,
    200.0 / 3.0,
    123_456_789.123_456_79,
    1e-300,
    f64::MAX,
];

#[tokio::test]
async fn an_older_database_upgrades_its_scorecard_lines_into_the_cards_exactly_and_still_locked() {
    for db in every_backend().await {
        let b = db.backend;
        let location = kaohe_store::DbLocation::parse(&db.url).unwrap();
        // The database kaohe left before migration 5: lines in a table of their own.
        let old = Store::open_until(&location, 4).await.unwrap();
        organisation(&old, "t", &[employee(1, "甲"), employee(2, "乙")]).await;
        old.execute(&Sql::new(
            "INSERT INTO periods (code, kind, starts_on, ends_on) VALUES ('2026-10', 'month', '2026-10-01', '2026-10-31')",
        ))
        .await
        .unwrap();
        for emp in [1, 2] {
            let mut sql = Sql::new(
                "INSERT INTO scorecards (period, employee_id, scheme_code, scheme_version, total, created_at) VALUES ('2026-10', ",
            );
            sql.bind(emp)
                .push(", 't', 1, 88.5, ")
                .bind(Utc::now())
                .push(")");
            old.execute(&sql).await.unwrap();
        }
        let card = old
            .fetch_i64(&Sql::new("SELECT id FROM scorecards WHERE employee_id = 1"))
            .await
            .unwrap();
        // Codes out of alphabetical order: the copy orders them by code.
        for (i, x) in AWKWARD.iter().enumerate() {
            let mut sql = Sql::new(
                "INSERT INTO scorecard_lines (scorecard_id, indicator_code, value, numerator, denominator, score, weight, effective_weight, applicable) VALUES (",
            );
            sql.bind(card)
                .push(", ")
                .bind(format!("k{}", 5 - i))
                .push(", ")
                .bind(*x)
                .push(", ")
                .bind(-x)
                .push(", NULL, ")
                .bind(if i == 0 { None } else { Some(x / 7.0) })
                .push(", ")
                .bind(x.min(100.0))
                .push(", ")
                .bind(100.0 / 6.0)
                .push(", ")
                .bind(i % 2 == 0)
                .push(")");
            old.execute(&sql).await.unwrap();
        }
        old.execute(&Sql::new(
            "UPDATE periods SET status = 'locked' WHERE code = '2026-10'",
        ))
        .await
        .unwrap();
        // A measure an older kaohe registered had its roll-ups built when it was registered.
        let mut sql = Sql::new(
            "INSERT INTO rollup_measures (measure_key, kind, built_at) VALUES ('count(calls)', 'calls', ",
        );
        sql.bind(Utc::now()).push(")");
        old.execute(&sql).await.unwrap();
        old.close().await;

        let store = Store::open(&location).await.unwrap();
        assert_eq!(
            store.pending_rollups().await.unwrap(),
            0,
            "{b}: an older registered measure is ready (migration 6)"
        );
        let cards = store
            .scorecards(&Viewer::system("test"), "2026-10", None)
            .await
            .unwrap();
        assert_eq!(cards.len(), 2, "{b}");
        assert!(cards[1].lines.is_empty(), "{b}: a card without lines");
        let lines = &cards[0].lines;
        let codes: Vec<&str> = lines.iter().map(|l| l.indicator_code.as_str()).collect();
        assert_eq!(codes, ["k0", "k1", "k2", "k3", "k4", "k5"], "{b}");
        for (i, x) in AWKWARD.iter().enumerate() {
            let l = &lines[5 - i];
            let bits = |v: Option<f64>| v.map(f64::to_bits);
            assert_eq!(bits(l.value), bits(Some(*x)), "{b}: value of {x}");
            assert_eq!(bits(l.numerator), bits(Some(-x)), "{b}: numerator of {x}");
            assert_eq!(l.denominator, None, "{b}");
            let score = if i == 0 { None } else { Some(x / 7.0) };
            assert_eq!(bits(l.score), bits(score), "{b}: score of {x}");
            assert_eq!(l.weight.to_bits(), x.min(100.0).to_bits(), "{b}");
            assert_eq!(
                l.effective_weight.to_bits(),
                (100.0_f64 / 6.0).to_bits(),
                "{b}"
            );
            assert_eq!(l.applicable, i % 2 == 0, "{b}");
        }
        // The locked cards' lines are guarded with the rest of the card; the old table is gone.
        for sql in [
            "UPDATE scorecards SET lines = '[]'",
            "UPDATE scorecards SET lines = '[]', current = FALSE",
            "DELETE FROM scorecards",
        ] {
            let r = store.execute(&Sql::new(sql)).await;
            assert!(r.is_err(), "{b}: `{sql}` was accepted");
        }
        let gone = store
            .execute(&Sql::new("DELETE FROM scorecard_lines"))
            .await;
        assert!(gone.is_err(), "{b}: scorecard_lines is still there");
    }
}

#[tokio::test]
async fn customer_links_made_before_migration_8_keep_working_and_get_an_id() {
    for db in every_backend().await {
        let b = db.backend;
        let location = kaohe_store::DbLocation::parse(&db.url).unwrap();
        let old = Store::open_until(&location, 7).await.unwrap();
        organisation(&old, "t", &[employee(1, "甲")]).await;
        let now = Utc::now();
        let mut sql = Sql::new(
            "INSERT INTO cycles (period, employee_id, scheme_code, state, updated_at) VALUES ('2026-10', 1, 't', 'rating', ",
        );
        sql.bind(now).push(")");
        old.execute(&sql).await.unwrap();
        let mut sql = Sql::new(
            "INSERT INTO customers (archive_no, name, class, owner_id, created_at, updated_at) VALUES ('C1', 'ACME', 'key', 1, ",
        );
        sql.bind(now).push(", ").bind(now).push(")");
        old.execute(&sql).await.unwrap();
        let mut sql = Sql::new(
            "INSERT INTO customer_tokens (secret_hash, cycle_id, customer_id, issued_at, expires_at) \
             SELECT 'old-hash', c.id, cu.id, ",
        );
        sql.bind(now)
            .push(", ")
            .bind(now + chrono::Duration::days(14))
            .push(" FROM cycles c, customers cu");
        old.execute(&sql).await.unwrap();
        old.close().await;

        let store = Store::open(&location).await.unwrap();
        let hr = Viewer {
            user_id: None,
            username: "test:hr".into(),
            role: Role::Hr,
            employee_id: Some(99),
            team_id: None,
            department_ids: Vec::new(),
        };
        let period = kaohe_domain::period::Period::parse("2026-10").unwrap();
        let links = store.rating_links(&hr, period, None, now).await.unwrap();
        assert_eq!(links.len(), 1, "{b}");
        assert_eq!(
            (links[0].state, links[0].customer_archive_no.as_str()),
            ("unused", "C1")
        );
        assert!(links[0].id > 0, "{b}: the old link has an id");
        // A second link gets another id; a secret's hash stays unique.
        let dup = Sql::new(
            "INSERT INTO customer_tokens (secret_hash, cycle_id, customer_id, issued_at, expires_at) \
             SELECT secret_hash, cycle_id, customer_id, issued_at, expires_at FROM customer_tokens",
        );
        assert!(store.execute(&dup).await.is_err(), "{b}: hashes are unique");
        let mut sql = Sql::new(
            "INSERT INTO customer_tokens (secret_hash, cycle_id, customer_id, issued_at, expires_at) \
             SELECT 'new-hash', cycle_id, customer_id, issued_at, expires_at FROM customer_tokens",
        );
        sql.push("");
        store.execute(&sql).await.unwrap();
        let links = store.rating_links(&hr, period, None, now).await.unwrap();
        assert_eq!(links.len(), 2, "{b}");
        assert_ne!(links[0].id, links[1].id, "{b}");
    }
}
