//! Import of the details and histories of records (order lines, progress events, split credit,
//! contract and expense steps, budgets, meetings, training) on SQLite and PostgreSQL: valid
//! rows land, bad rows are reported by row and column with nothing written, parents outside
//! the importer's scope are unknown, and a second import is refused.

use chrono::{FixedOffset, TimeZone, Utc};
use kaohe_domain::import::ErrorReport;
use kaohe_domain::import::files::CsvRows;
use kaohe_domain::import::spec::{self, KindSpec};
use kaohe_domain::records::{Contract, Customer, Expense, Order};
use kaohe_domain::roles::Role;
use kaohe_store::records::{ImportFailure, ImportOptions, ImportOutcome};
use kaohe_store::{Store, StoreError, Viewer};
use kaohe_testkit::every_backend;
use kaohe_testkit::fixtures::{employee, organisation};

fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap()
}

fn rep(id: i64) -> Viewer {
    Viewer {
        user_id: None,
        username: format!("rep{id}"),
        role: Role::Rep,
        employee_id: Some(id),
        team_id: None,
        department_ids: vec![1],
    }
}

/// Reps E001 and E002; customer KH-1; orders DD-1 (E001) and DD-2 (E002); contract HT-1 and
/// expense claim 1 of E001.
async fn seed(store: &Store) {
    organisation(
        store,
        "telesales",
        &[employee(1, "王伟"), employee(2, "李娜")],
    )
    .await;
    let sys = Viewer::system("t");
    let at = Utc.with_ymd_and_hms(2026, 10, 8, 2, 0, 0).unwrap();
    let customer = Customer {
        handled_by: None,
        id: 0,
        archive_no: "KH-1".into(),
        name: "华东建材".into(),
        company: String::new(),
        contact: String::new(),
        phone: String::new(),
        address: String::new(),
        industry: String::new(),
        needs: String::new(),
        source: String::new(),
        class: "general".into(),
        owner_id: 1,
        valid: true,
        special_archive: false,
        complete: false,
        created_at: at,
        updated_at: at,
        update_due_at: None,
        verified_at: None,
    };
    store.create(&sys, &customer).await.unwrap();
    for (no, who) in [("DD-1", 1), ("DD-2", 2)] {
        let order = Order {
            handled_by: None,
            id: 0,
            order_no: no.into(),
            customer_id: 1,
            employee_id: who,
            day: at.date_naive(),
            received_at: at,
            entered_at: at,
            entry_due_at: at,
            amount_cents: 10_000,
            entry_errors: 0,
            promised_delivery_on: at.date_naive(),
            status: "open".into(),
            price_ratio_bp: 10_000,
        };
        store.create(&sys, &order).await.unwrap();
    }
    let contract = Contract {
        handled_by: None,
        id: 0,
        contract_no: "HT-1".into(),
        customer_id: 1,
        order_id: None,
        employee_id: 1,
        amount_cents: 10_000,
        // A new contract starts drafted: only its steps (or a step history) move it on.
        status: "drafted".into(),
        drafted_at: at,
        sign_due_at: at,
        signed_at: None,
        signed_day: None,
        archived_at: None,
        review_passed_first: true,
    };
    store.create(&sys, &contract).await.unwrap();
    let claim = Expense {
        id: 0,
        employee_id: 1,
        department_id: 1,
        day: at.date_naive(),
        category: "travel".into(),
        amount_cents: 10_000,
        receipts: 1,
        description: String::new(),
        status: "submitted".into(),
        submitted_at: at,
        over_budget: false,
    };
    store.create(&sys, &claim).await.unwrap();
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
        sha256: Some(format!(
            "{}-{}",
            csv.len(),
            csv.chars().map(u32::from).sum::<u32>()
        )),
        dry_run: false,
        zone: &zone,
        progress: &|_| {},
    };
    store
        .import(viewer, spec, &mut CsvRows::new(csv.as_bytes()), &opts)
        .await
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

const LINES: &str = "订单编号,产品,产品组,数量,单价(元),金额(元)
DD-1,水泥,建材,10,35.5,355
DD-1,钢筋,建材,2,1200,2400
";

#[tokio::test]
async fn order_lines_land_once_and_bad_ones_are_reported_by_row_and_column() {
    for db in every_backend().await {
        let store = db.open().await;
        seed(&store).await;
        let sys = Viewer::system("t");
        let bad = "订单编号,产品,数量,单价(元),金额(元)
DD-9,水泥,10,35.5,355
DD-1,,1,1,1
DD-1,水泥,0,1,1
";
        let report = rejected(import(&store, &sys, &spec::ORDER_LINES, bad).await);
        assert_eq!(
            errors(&report),
            [(2, "订单编号", "DD-9"), (3, "产品", ""), (4, "数量", "0")],
            "{}: {report}",
            db.backend
        );
        assert_eq!(store.count_rows("order_lines").await.unwrap(), 0);
        assert_eq!(
            import(&store, &sys, &spec::ORDER_LINES, LINES)
                .await
                .unwrap()
                .rows,
            2
        );
        assert_eq!(store.count_rows("order_lines").await.unwrap(), 2);
        let again = rejected(import(&store, &sys, &spec::ORDER_LINES, LINES).await);
        assert!(
            again.errors[0].reason.contains("already imported"),
            "{again}"
        );
        assert_eq!(
            store.count_rows("order_lines").await.unwrap(),
            2,
            "{}",
            db.backend
        );
    }
}

#[tokio::test]
async fn a_rep_cannot_add_lines_or_events_to_someone_elses_order() {
    for db in every_backend().await {
        let store = db.open().await;
        seed(&store).await;
        let theirs = "订单编号,产品,数量,单价(元),金额(元)\nDD-2,水泥,1,1,1\n";
        let report = rejected(import(&store, &rep(1), &spec::ORDER_LINES, theirs).await);
        assert_eq!(errors(&report), [(2, "订单编号", "DD-2")], "{}", db.backend);
        assert!(report.errors[0].reason.contains("outside your data scope"));
        let mine = "订单编号,产品,数量,单价(元),金额(元)\nDD-1,水泥,1,1,1\n";
        import(&store, &rep(1), &spec::ORDER_LINES, mine)
            .await
            .unwrap();
        let events = "订单编号,工号,类型,截止时间,完成时间
DD-1,E001,进度反馈,2026-10-09 10:00,2026-10-09 09:00
DD-1,E001,问题,2026-10-10 10:00,
";
        import(&store, &rep(1), &spec::ORDER_EVENTS, events)
            .await
            .unwrap();
        assert_eq!(store.count_rows("order_events").await.unwrap(), 2);
        // The rep sees lines of their own orders only.
        let seen: Vec<kaohe_domain::records::OrderLine> = store
            .list(&rep(2), &Default::default(), &shanghai())
            .await
            .unwrap();
        assert!(seen.is_empty(), "{}", db.backend);
    }
}

#[tokio::test]
async fn contract_and_expense_histories_need_a_comment_on_every_return() {
    for db in every_backend().await {
        let store = db.open().await;
        seed(&store).await;
        let sys = Viewer::system("t");
        let bad = "合同编号,环节,结果,经办人工号,时间,意见
HT-1,审核,退回,E002,2026-10-08 10:00,
HT-1,签约,通过,E002,2026-10-09 10:00,
";
        let report = rejected(import(&store, &sys, &spec::CONTRACT_STEPS, bad).await);
        assert_eq!(
            errors(&report),
            [(2, "意见", ""), (3, "结果", "通过")],
            "{}: {report}",
            db.backend
        );
        let good = "合同编号,环节,结果,经办人工号,时间,意见
HT-1,草拟,,E001,2026-10-08 09:00,
HT-1,审核,退回,E002,2026-10-08 10:00,金额有误
HT-1,审核,通过,E002,2026-10-08 11:00,
HT-1,签约,完成,E001,2026-10-09 10:00,
";
        import(&store, &sys, &spec::CONTRACT_STEPS, good)
            .await
            .unwrap();
        assert_eq!(store.count_rows("contract_steps").await.unwrap(), 4);
        let steps = "费用ID,环节,结果,审批人工号,时间,意见
1,经理初审,批准,E002,2026-10-08 10:00,
1,财务复审,退回,E002,2026-10-08 11:00,
99,付款,已付款,E002,2026-10-08 12:00,
";
        let report = rejected(import(&store, &sys, &spec::EXPENSE_STEPS, steps).await);
        assert_eq!(
            errors(&report),
            [(3, "意见", ""), (4, "费用ID", "99")],
            "{}: {report}",
            db.backend
        );
        assert_eq!(store.count_rows("expense_steps").await.unwrap(), 0);
    }
}

#[tokio::test]
async fn budgets_are_monthly_company_wide_and_a_repeated_key_is_refused() {
    for db in every_backend().await {
        let store = db.open().await;
        seed(&store).await;
        let sys = Viewer::system("t");
        let file = "部门编码,期间,费用类别,预算金额(元)\nTS,2026-10,差旅费,5000\n";
        let by_rep = import(&store, &rep(1), &spec::BUDGETS, file).await;
        assert!(
            matches!(by_rep, Err(ImportFailure::Store(StoreError::Forbidden(_)))),
            "{by_rep:?}"
        );
        let bad = "部门编码,期间,费用类别,预算金额(元)\nTS,2026-Q4,差旅费,5000\n";
        let report = rejected(import(&store, &sys, &spec::BUDGETS, bad).await);
        assert_eq!(errors(&report), [(2, "期间", "2026-Q4")], "{}", db.backend);
        import(&store, &sys, &spec::BUDGETS, file).await.unwrap();
        // The same department, month and category again: in the database, or twice in a file.
        let repeated = "部门编码,期间,费用类别,预算金额(元)
TS,2026-10,travel,6000
TS,2026-11,差旅费,1
TS,2026-11,travel,2
";
        let report = rejected(import(&store, &sys, &spec::BUDGETS, repeated).await);
        assert_eq!(
            errors(&report),
            [(4, "部门编码", "TS"), (2, "部门编码", "")],
            "{}: {report}",
            db.backend
        );
        assert!(report.errors[0].reason.contains("as row 3"), "{report}");
        assert!(
            report.errors[1].reason.contains("stored already"),
            "{report}"
        );
        assert_eq!(store.count_rows("budgets").await.unwrap(), 1);
    }
}

#[tokio::test]
async fn split_credit_of_an_order_cannot_pass_100_percent() {
    for db in every_backend().await {
        let store = db.open().await;
        seed(&store).await;
        let sys = Viewer::system("t");
        let over = "订单编号,工号,分成比例(%)\nDD-1,E001,60\nDD-1,E002,50\n";
        let report = rejected(import(&store, &sys, &spec::ORDER_CREDITS, over).await);
        assert_eq!(
            errors(&report),
            [(3, "分成比例(%)", "50")],
            "{}: {report}",
            db.backend
        );
        let split = "订单编号,工号,分成比例(%)\nDD-1,E001,60\nDD-1,E002,40\n";
        import(&store, &sys, &spec::ORDER_CREDITS, split)
            .await
            .unwrap();
        assert_eq!(
            store.count_rows("order_credits").await.unwrap(),
            2,
            "{}",
            db.backend
        );
    }
}

#[tokio::test]
async fn meetings_and_training_import_with_their_attendance() {
    for db in every_backend().await {
        let store = db.open().await;
        seed(&store).await;
        let sys = Viewer::system("t");
        let mut tx = store.begin().await.unwrap();
        tx.insert_rows(&[kaohe_domain::org::Team {
            id: 1,
            department_id: 1,
            code: "T1".into(),
            name: "一组".into(),
            leader_id: Some(1),
        }])
        .await
        .unwrap();
        tx.sync_id_sequences(&["teams"]).await.unwrap();
        tx.commit().await.unwrap();
        let meetings = "小组编码,会议类型,召开时间,会议纪要\nT1,周例会,2026-10-12 09:00,本周目标\n";
        import(&store, &sys, &spec::MEETINGS, meetings)
            .await
            .unwrap();
        let present = "会议ID,工号\n1,E001\n1,E002\n";
        import(&store, &sys, &spec::MEETING_ATTENDANCE, present)
            .await
            .unwrap();
        assert_eq!(store.count_rows("meeting_attendance").await.unwrap(), 2);
        let courses = "年度,课程名称,培训方式,计划日期\n2026,产品知识,内部培训,2026-10-15\n";
        import(&store, &sys, &spec::TRAINING_COURSES, courses)
            .await
            .unwrap();
        let sessions = "课程ID,培训日期\n1,2026-10-15\n";
        import(&store, &sys, &spec::TRAINING_SESSIONS, sessions)
            .await
            .unwrap();
        let bad = "培训场次ID,工号,出席,考核成绩\n1,E001,是,101\n1,E002,否,80\n";
        let report = rejected(import(&store, &sys, &spec::TRAINING_RESULTS, bad).await);
        assert_eq!(
            errors(&report),
            [(2, "考核成绩", "101"), (3, "考核成绩", "80")],
            "{}",
            db.backend
        );
        let results = "培训场次ID,工号,出席,考核成绩\n1,E001,是,88\n1,E002,否,\n";
        import(&store, &sys, &spec::TRAINING_RESULTS, results)
            .await
            .unwrap();
        assert_eq!(
            store.count_rows("training_results").await.unwrap(),
            2,
            "{}",
            db.backend
        );
    }
}

#[tokio::test]
async fn organisation_tables_import_all_or_nothing_by_hr_only_with_reasons_in_chinese() {
    for db in every_backend().await {
        let store = db.open().await;
        seed(&store).await;
        let hr = Viewer::system("hr");

        // Positions and levels: a bad row refuses the whole file.
        let bad = "岗位编码,岗位名称\nKA,大客户经理\nKA,重复\nDS,\n";
        let report = rejected(import(&store, &hr, &spec::POSITIONS, bad).await);
        assert_eq!(
            errors(&report),
            [(3, "岗位编码", "KA"), (4, "岗位名称", "")],
            "{}",
            db.backend
        );
        assert_eq!(report.to_zh().errors[1].reason, "必填");
        assert_eq!(store.count_rows("positions").await.unwrap(), 1);
        let good = "code,name,name_en,scheme\nKA,大客户经理,Key account manager,\n";
        import(&store, &hr, &spec::POSITIONS, good).await.unwrap();
        assert_eq!(store.count_rows("positions").await.unwrap(), 2);

        let levels = "职级序列,职级编码,职级名称,级别(1为最低),底薪(元),无成交月数上限\n\
                      置业顾问,L0,见习置业顾问,0,3000,6\n";
        let report = rejected(import(&store, &hr, &spec::LEVELS, levels).await);
        assert_eq!(errors(&report), [(2, "级别(1为最低)", "0")]);
        let levels = levels.replace(",0,3000", ",1,3000");
        import(&store, &hr, &spec::LEVELS, &levels).await.unwrap();
        assert_eq!(store.count_rows("levels").await.unwrap(), 1);

        // Assignments name people, departments, positions and levels by their codes.
        let before = store.count_rows("assignments").await.unwrap();
        let bad = "工号,生效日期,部门编码,岗位编码,职级编码,失效日期\n\
                   E001,2026-11-01,TS,KA,L0,2026-10-01\n\
                   E999,2026-11-01,TS,KA,,\n";
        let report = rejected(import(&store, &hr, &spec::ASSIGNMENTS, bad).await);
        assert_eq!(
            errors(&report),
            [(2, "失效日期", "2026-10-01"), (3, "工号", "E999")],
            "{}",
            db.backend
        );
        assert_eq!(store.count_rows("assignments").await.unwrap(), before);
        let good = "employee,valid_from,department,position,level\nE001,2026-11-01,TS,KA,L0\n";
        import(&store, &hr, &spec::ASSIGNMENTS, good).await.unwrap();
        assert_eq!(store.count_rows("assignments").await.unwrap(), before + 1);

        // Departments: a kind from the closed list, a parent that exists, a unique code.
        let depts = store.count_rows("departments").await.unwrap();
        let bad = "部门编码,部门名称,部门类型,上级部门编码\n\
                   KA,大客户部,大客户部,TS\n\
                   TS,重复,sales,\n\
                   ON,网络销售部,网店,\n\
                   RG,区域销售部,regional,NOPE\n";
        let report = rejected(import(&store, &hr, &spec::DEPARTMENTS, bad).await);
        assert_eq!(
            errors(&report),
            // Stored duplicates are found when the batch is checked, after the row checks.
            [
                (4, "部门类型", "网店"),
                (5, "上级部门编码", "NOPE"),
                (3, "部门编码", "TS")
            ],
            "{}",
            db.backend
        );
        assert_eq!(store.count_rows("departments").await.unwrap(), depts);
        let good = "code,name,name_en,kind,parent\nKA,大客户部,Key accounts,key_account,TS\n";
        import(&store, &hr, &spec::DEPARTMENTS, good).await.unwrap();
        assert_eq!(store.count_rows("departments").await.unwrap(), depts + 1);
        let teams = "部门编码,小组编码,小组名称\nKA,KA1,大客户一组\n";
        import(&store, &hr, &spec::TEAMS, teams).await.unwrap();

        // Only HR and administrators change the organisation.
        let r = import(
            &store,
            &rep(1),
            &spec::DEPARTMENTS,
            "部门编码,部门名称,部门类型\nX1,某部,sales\n",
        )
        .await;
        assert!(
            matches!(r, Err(ImportFailure::Store(StoreError::Forbidden(_)))),
            "{r:?}"
        );
        let r = import(
            &store,
            &rep(1),
            &spec::POSITIONS,
            "岗位编码,岗位名称\nX1,某岗位\n",
        )
        .await;
        assert!(
            matches!(r, Err(ImportFailure::Store(StoreError::Forbidden(_)))),
            "{r:?}"
        );
        assert_eq!(store.count_rows("positions").await.unwrap(), 2);
    }
}
