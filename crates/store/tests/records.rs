//! The records API on a real SQLite file and a real PostgreSQL database: imports land or are
//! refused whole with row-and-column errors, data scopes hold on writes and exports, and every
//! write is audited.

use chrono::{FixedOffset, NaiveDate};
use kaohe_domain::import::files::CsvRows;
use kaohe_domain::import::spec::{self, KindSpec};
use kaohe_domain::import::{Cell, ErrorReport};
use kaohe_domain::org::{Department, Employee, EmploymentStatus, Position};
use kaohe_domain::records::Call;
use kaohe_domain::roles::Role;
use kaohe_store::records::{Filter, ImportFailure, ImportOptions, ImportOutcome, Op, Query};
use kaohe_store::{Store, StoreError, Viewer};
use kaohe_testkit::every_backend;

fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap()
}

/// One department, one position, two reps: E001 (id 1) and E002 (id 2).
async fn seed(store: &Store) {
    let mut tx = store.begin().await.unwrap();
    tx.insert_rows(&[Department {
        id: 1,
        code: "TS".into(),
        name: "电话销售部".into(),
        name_en: "Telesales".into(),
        kind: "telesales".into(),
        parent_id: None,
    }])
    .await
    .unwrap();
    tx.insert_rows(&[Position {
        id: 1,
        code: "telesales".into(),
        name: "电话销售专员".into(),
        name_en: "Telesales specialist".into(),
        scheme_code: None,
    }])
    .await
    .unwrap();
    let person = |id: i64| Employee {
        id,
        code: format!("E{id:03}"),
        name: format!("员工{id}"),
        phone: String::new(),
        email: String::new(),
        department_id: 1,
        team_id: None,
        position_id: 1,
        level_id: None,
        supervisor_id: None,
        status: EmploymentStatus::Regular,
        hired_on: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        regular_on: None,
        left_on: None,
    };
    tx.insert_rows(&[person(1), person(2)]).await.unwrap();
    tx.sync_id_sequences(&["departments", "positions", "employees"])
        .await
        .unwrap();
    tx.commit().await.unwrap();
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

async fn import(
    store: &Store,
    viewer: &Viewer,
    spec: &'static KindSpec,
    csv: &str,
) -> Result<ImportOutcome, ImportFailure> {
    let zone = shanghai();
    let opts = ImportOptions {
        file_name: "test.csv",
        sha256: Some(format!("{:x}", md5ish(csv))),
        dry_run: false,
        zone: &zone,
        progress: &|_| {},
    };
    let mut rows = CsvRows::new(csv.as_bytes());
    store.import(viewer, spec, &mut rows, &opts).await
}

/// A stand-in fingerprint of the text (the CLI uses SHA-256 of the file's bytes).
fn md5ish(s: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

fn rejected(r: Result<ImportOutcome, ImportFailure>) -> ErrorReport {
    match r {
        Err(ImportFailure::Rejected(report)) => report,
        other => panic!("expected a rejected import, got {other:?}"),
    }
}

fn errors(report: &ErrorReport) -> Vec<(u64, &str, &str)> {
    report
        .errors
        .iter()
        .map(|e| (e.row, e.column.as_str(), e.value.as_str()))
        .collect()
}

const CALLS_OK: &str = "工号,开始时间,方向,通话时长(秒),结果,是否回访,回访截止时间
E001,2026-10-08 09:30,呼出,65,接通,否,
E002,2026/10/9 14:00:05,outbound,0,no_answer,是,2026年10月10日 10:00
E001,46304.5,呼入,30,成交,N,
";

#[tokio::test]
async fn valid_call_rows_land_with_their_local_day_and_an_import_audit_entry() {
    for db in every_backend().await {
        let store = db.open().await;
        seed(&store).await;
        let done = import(&store, &Viewer::system("t"), &spec::CALLS, CALLS_OK)
            .await
            .unwrap();
        assert_eq!(done.rows, 3, "{}", db.backend);
        let calls: Vec<Call> = store
            .list(&Viewer::system("t"), &Query::default(), &shanghai())
            .await
            .unwrap();
        assert_eq!(calls.len(), 3);
        assert_eq!(calls[2].day.to_string(), "2026-10-09");
        assert_eq!(
            calls[2].started_at.to_rfc3339(),
            "2026-10-09T04:00:00+00:00"
        );
        assert!(calls[1].is_callback && calls[1].callback_due_at.is_some());
        let audit = store.audit_entries(Some("calls"), 5).await.unwrap();
        assert_eq!(audit[0].action, "import", "{}", db.backend);
    }
}

#[tokio::test]
async fn each_kind_of_bad_row_is_reported_with_row_and_column_and_nothing_is_written() {
    for db in every_backend().await {
        let store = db.open().await;
        seed(&store).await;
        let bad = "工号,开始时间,方向,通话时长(秒),结果,是否回访
E001,2026-10-08 09:30,呼出,65,接通,否
E001,2026-10-08 09:40,呼出,long,接通,否
E999,2026-10-08 09:50,呼出,10,接通,否
E002,2026-10-08 10:00,呼出,10,接通,是
E002,2026-02-30 10:00,sideways,10,接通,否
";
        let report = rejected(import(&store, &Viewer::system("t"), &spec::CALLS, bad).await);
        assert_eq!(
            errors(&report),
            [
                (3, "通话时长(秒)", "long"),
                (4, "工号", "E999"),
                (5, "回访截止时间", ""),
                (6, "开始时间", "2026-02-30 10:00"),
                (6, "方向", "sideways"),
            ],
            "{}: {report}",
            db.backend
        );
        assert!(report.errors[1].reason.contains("unknown employee"));
        assert!(report.errors[2].reason.contains("call-back"));
        assert_eq!(
            store.count_rows("calls").await.unwrap(),
            0,
            "{}",
            db.backend
        );
    }
}

#[tokio::test]
async fn the_same_call_file_twice_is_refused_the_second_time() {
    for db in every_backend().await {
        let store = db.open().await;
        seed(&store).await;
        import(&store, &Viewer::system("t"), &spec::CALLS, CALLS_OK)
            .await
            .unwrap();
        let report = rejected(import(&store, &Viewer::system("t"), &spec::CALLS, CALLS_OK).await);
        assert!(
            report.errors[0].reason.contains("already imported"),
            "{report}"
        );
        assert_eq!(store.count_rows("calls").await.unwrap(), 3);
    }
}

const CUSTOMERS: &str = "客户档案编号,客户名称,公司,联系人,电话,地址,行业,客户分类,负责人工号,专档
KH-1,华东建材,华东建材有限公司,张三,021-55551234,上海,建材,重点,E001,是
KH-2,北方机电,北方机电公司,李四,010-66661234,北京,机电,一般,E002,否
";

const ORDERS: &str =
    "订单编号,客户档案编号,工号,接单时间,录入时间,录入截止时间,金额(元),承诺交期,状态
DD-1,KH-1,E001,2026-10-08 09:00,2026-10-08 10:00,2026-10-08 12:00,\"1,234.56\",2026-10-20,进行中
DD-2,KH-2,E002,2026-10-09 09:00,2026-10-09 10:00,2026-10-09 12:00,99,2026-10-21,open
";

#[tokio::test]
async fn duplicate_order_numbers_in_the_file_or_the_database_are_refused_naming_the_row() {
    for db in every_backend().await {
        let store = db.open().await;
        seed(&store).await;
        let sys = Viewer::system("t");
        import(&store, &sys, &spec::CUSTOMERS, CUSTOMERS)
            .await
            .unwrap();
        import(&store, &sys, &spec::ORDERS, ORDERS).await.unwrap();
        let again = format!(
            "{ORDERS}DD-3,KH-9,E001,2026-10-09 09:00,2026-10-09 10:00,2026-10-09 12:00,1.5,2026-10-21,open\nDD-3,KH-1,E001,2026-10-09 09:00,2026-10-09 10:00,2026-10-09 12:00,1.555,2026-10-21,open\n"
        );
        let report = rejected(import(&store, &sys, &spec::ORDERS, &again).await);
        assert_eq!(
            errors(&report),
            [
                (4, "客户档案编号", "KH-9"),
                (5, "金额(元)", "1.555"),
                (2, "订单编号", "DD-1"),
                (3, "订单编号", "DD-2"),
            ],
            "{}: {report}",
            db.backend
        );
        assert!(report.errors[2].reason.contains("duplicate order_no"));
        assert_eq!(store.count_rows("orders").await.unwrap(), 2);
        let orders: Vec<kaohe_domain::records::Order> = store
            .list(&sys, &Query::default(), &shanghai())
            .await
            .unwrap();
        assert_eq!(orders[0].amount_cents, 123_456);
    }
}

#[tokio::test]
async fn duplicate_customers_by_phone_or_name_and_company_are_reported() {
    for db in every_backend().await {
        let store = db.open().await;
        seed(&store).await;
        let sys = Viewer::system("t");
        import(&store, &sys, &spec::CUSTOMERS, CUSTOMERS)
            .await
            .unwrap();
        let dup = "客户档案编号,客户名称,公司,电话,客户分类,负责人工号
KH-3,新客户,新公司,02155551234,潜在,E001
KH-4,甲,甲公司,,潜在,E001
KH-5, 甲 ,甲公司,,潜在,E002
";
        let report = rejected(import(&store, &sys, &spec::CUSTOMERS, dup).await);
        let reasons: Vec<_> = report
            .errors
            .iter()
            .map(|e| (e.row, e.reason.as_str()))
            .collect();
        assert_eq!(
            reasons,
            [
                (4, "duplicate customer: same name and company as row 3"),
                (2, "duplicate customer: same phone as archive KH-1")
            ],
            "{report}"
        );
        assert_eq!(store.count_rows("customers").await.unwrap(), 2);
    }
}

#[tokio::test]
async fn an_attendance_day_already_recorded_is_refused() {
    for db in every_backend().await {
        let store = db.open().await;
        seed(&store).await;
        let sys = Viewer::system("t");
        let day = "工号,日期,考勤状态\nE001,2026-10-08,半天缺勤\n";
        import(&store, &sys, &spec::ATTENDANCE, day).await.unwrap();
        let twice = "工号,日期,考勤状态\nE002,2026-10-08,出勤\nE001,2026/10/8,出勤\nE002,2026-10-08,present\n";
        let report = rejected(import(&store, &sys, &spec::ATTENDANCE, twice).await);
        let rows: Vec<_> = report.errors.iter().map(|e| e.row).collect();
        assert_eq!(rows, [4, 3], "{report}");
        assert_eq!(store.count_rows("attendance").await.unwrap(), 1);
    }
}

#[tokio::test]
async fn a_rep_cannot_import_or_create_records_of_another_person() {
    for db in every_backend().await {
        let store = db.open().await;
        seed(&store).await;
        let report = rejected(import(&store, &rep(1), &spec::CALLS, CALLS_OK).await);
        assert_eq!(errors(&report), [(3, "工号", "E002")], "{report}");
        assert!(report.errors[0].reason.contains("outside your data scope"));
        import(&store, &Viewer::system("t"), &spec::CALLS, CALLS_OK)
            .await
            .unwrap();
        let mut call: Call = store
            .list(&rep(1), &Query::default(), &shanghai())
            .await
            .unwrap()
            .remove(0);
        call.id = 0;
        call.employee_id = 2;
        let e = store.create(&rep(1), &call).await.unwrap_err();
        assert!(matches!(e, StoreError::NotFound { .. }), "{e}");
        call.employee_id = 1;
        let id = store.create(&rep(1), &call).await.unwrap();
        assert!(id > 3, "{id}");
        assert_eq!(store.count_rows("calls").await.unwrap(), 4);
    }
}

#[tokio::test]
async fn an_update_is_scoped_validated_and_audited_with_before_and_after() {
    for db in every_backend().await {
        let store = db.open().await;
        seed(&store).await;
        import(&store, &Viewer::system("t"), &spec::CALLS, CALLS_OK)
            .await
            .unwrap();
        let mut call: Call = store
            .list(&rep(1), &Query::default(), &shanghai())
            .await
            .unwrap()
            .remove(0);
        call.duration_s = 120;
        store.update(&rep(1), &call).await.unwrap();
        assert!(matches!(
            store.update(&rep(2), &call).await.unwrap_err(),
            StoreError::NotFound { .. }
        ));
        call.duration_s = -5;
        assert!(matches!(
            store.update(&rep(1), &call).await.unwrap_err(),
            StoreError::Invalid { .. }
        ));
        let audit = store.audit_entries(Some("calls"), 1).await.unwrap();
        assert_eq!(audit[0].action, "update");
        assert!(
            audit[0]
                .before
                .as_deref()
                .unwrap_or("")
                .contains("\"duration_s\":\"65\""),
            "{:?}",
            audit[0].before
        );
        assert!(
            audit[0]
                .after
                .as_deref()
                .unwrap_or("")
                .contains("\"duration_s\":120")
        );
    }
}

#[tokio::test]
async fn a_reps_export_holds_only_their_rows_and_is_audited() {
    for db in every_backend().await {
        let store = db.open().await;
        seed(&store).await;
        import(&store, &Viewer::system("t"), &spec::CALLS, CALLS_OK)
            .await
            .unwrap();
        let mut rows = Vec::new();
        let mut sink = |cells: &[Cell]| {
            rows.push(cells.to_vec());
            Ok(())
        };
        let n = store
            .export(
                &rep(2),
                &spec::CALLS,
                &Query::default(),
                &shanghai(),
                "x.csv",
                &mut sink,
            )
            .await
            .unwrap();
        assert_eq!(n, 1);
        assert_eq!(rows[0][1], Cell::Text("E002".into()), "{}", db.backend);
        let audit = store.audit_entries(Some("calls"), 1).await.unwrap();
        assert_eq!(
            (audit[0].action.as_str(), audit[0].actor.as_str()),
            ("export", "rep2")
        );
        assert!(audit[0].after.as_deref().unwrap().contains("\"rows\":1"));
    }
}

#[tokio::test]
async fn list_filters_are_typed_and_checked_against_the_columns() {
    for db in every_backend().await {
        let store = db.open().await;
        seed(&store).await;
        let sys = Viewer::system("t");
        import(&store, &sys, &spec::CALLS, CALLS_OK).await.unwrap();
        let q = |field: &str, op, value: &str| Query {
            filters: vec![Filter {
                field: field.into(),
                op,
                value: value.into(),
            }],
            ..Query::default()
        };
        let by_person: Vec<Call> = store
            .list(&sys, &q("工号", Op::Eq, "E001"), &shanghai())
            .await
            .unwrap();
        assert_eq!(by_person.len(), 2);
        let long: Vec<Call> = store
            .list(&sys, &q("duration_s", Op::Gt, "20"), &shanghai())
            .await
            .unwrap();
        assert_eq!(long.len(), 2);
        let deals: Vec<Call> = store
            .list(&sys, &q("结果", Op::Eq, "成交"), &shanghai())
            .await
            .unwrap();
        assert_eq!(deals.len(), 1);
        let bad = store
            .list::<Call>(&sys, &q("password", Op::Eq, "x"), &shanghai())
            .await;
        assert!(bad.is_err());
    }
}
