//! Team and department indicators (SPEC §5a, §7a): a leader's measure is the sum over the
//! members of the teams they lead, a manager's over their department and the departments
//! below it, against the sum of the members' targets — imported through the real import
//! path, on a real SQLite file and a real PostgreSQL database, checked by hand.

use chrono::Utc;
use kaohe_domain::import::spec;
use kaohe_domain::library::Library;
use kaohe_domain::org::{Department, Employee, Position, Team};
use kaohe_domain::period::Period;
use kaohe_store::evaluate::{EvalRequest, Evaluation};
use kaohe_store::{Sql, Store, Viewer};
use kaohe_testkit::every_backend;
use kaohe_testkit::fixtures::{employee, import_csv};

const LIBRARY: &str = r#"
[[indicators]]
code = "team_sales_completion"
name_zh = "团队月度目标完成率"
name_en = "Team monthly target completion"
category = "team"
definition_zh = "团队销售额之和 ÷ 成员目标之和"
definition_en = "Team sales ÷ the members' targets"
source = "sales"
period = "month"
direction = "higher"
unit = "percent"
target = 100
formula = "credited_sum(orders.amount_cents team where status != \"cancelled\") / team_target(\"sales_amount\") * 100"
scoring = { rule = "ratio", cap = 120 }

[[indicators]]
code = "department_sales_completion"
name_zh = "部门销售完成率"
name_en = "Department sales completion"
category = "team"
definition_zh = "部门销售额之和 ÷ 全体目标之和"
definition_en = "Department sales ÷ everyone's targets"
source = "sales"
period = "month"
direction = "higher"
unit = "percent"
target = 100
formula = "credited_sum(orders.amount_cents department where status != \"cancelled\") / department_target(\"sales_amount\") * 100"
scoring = { rule = "ratio", cap = 120 }

[[indicators]]
code = "subordinates_results"
name_zh = "下属业绩"
name_en = "Subordinates' results"
category = "team"
definition_zh = "团队成员得分平均"
definition_en = "The members' mean score"
source = "hr"
period = "month"
direction = "higher"
unit = "points"
target = 100
formula = "team_score()"
scoring = { rule = "ratio" }

[[schemes]]
code = "lead"
version = 1
name_zh = "带队"
name_en = "Leading"
period = "month"
positions = ["lead"]

[[schemes.groups]]
code = "g"
name_zh = "全部"
name_en = "All"
weight = 100
items = [
  { indicator = "team_sales_completion", weight = 40 },
  { indicator = "department_sales_completion", weight = 40 },
  { indicator = "subordinates_results", weight = 20 },
]
"#;

/// Department 1 with department 2 below it. Team 1 (department 1) is led by E001 and has
/// E001, E002, E003; team 2 (department 2) is led by E004 and has E004, E005. E006 manages
/// department 1 and is in no team.
async fn organisation(store: &Store) {
    let dept = |id: i64, parent: Option<i64>| Department {
        id,
        code: format!("D{id}"),
        name: format!("部门{id}"),
        name_en: format!("Department {id}"),
        kind: "sales".into(),
        parent_id: parent,
    };
    let team = |id: i64, department_id: i64| Team {
        id,
        department_id,
        code: format!("T{id}"),
        name: format!("组{id}"),
        leader_id: None,
    };
    let person = |id: i64, team: Option<i64>, dept: i64| Employee {
        team_id: team,
        department_id: dept,
        ..employee(id, &format!("员工{id}"))
    };
    let mut tx = store.begin().await.unwrap();
    tx.insert_rows(&[dept(1, None), dept(2, Some(1))])
        .await
        .unwrap();
    tx.insert_rows(&[Position {
        id: 1,
        code: "lead".into(),
        name: "主管".into(),
        name_en: "Lead".into(),
        scheme_code: Some("lead".into()),
    }])
    .await
    .unwrap();
    tx.insert_rows(&[team(1, 1), team(2, 2)]).await.unwrap();
    tx.insert_rows(&[
        person(1, Some(1), 1),
        person(2, Some(1), 1),
        person(3, Some(1), 1),
        person(4, Some(2), 2),
        person(5, Some(2), 2),
        person(6, None, 1),
    ])
    .await
    .unwrap();
    for (team, leader) in [(1_i64, 1_i64), (2, 4)] {
        let mut sql = Sql::new("UPDATE teams SET leader_id = ");
        sql.bind(leader).push(" WHERE id = ").bind(team);
        tx.run(&sql).await.unwrap();
    }
    // Sales targets (元 → cents): E001 200, E002 400, E003 400, E004 300, E005 300.
    for (emp, yuan) in [(1_i64, 200_i64), (2, 400), (3, 400), (4, 300), (5, 300)] {
        let mut sql = Sql::new(
            "INSERT INTO targets (period, employee_id, indicator_code, value, status, updated_at) VALUES ('2026-10', ",
        );
        sql.bind(emp)
            .push(", 'sales_amount', ")
            .bind((yuan * 100) as f64)
            .push(", 'approved', ")
            .bind(Utc::now())
            .push(")");
        tx.run(&sql).await.unwrap();
    }
    tx.sync_id_sequences(&["departments", "positions", "employees", "teams"])
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

const CUSTOMERS: &str = "客户档案编号,客户名称,客户分类,负责人工号\nKH-1,甲公司,general,E002\n";

/// October sales: E002 300, E003 100, E004 100, E005 500 (E001 sells nothing; a cancelled
/// order of E002 does not count).
const ORDERS: &str = "\
订单编号,客户档案编号,工号,接单时间,录入时间,录入截止时间,金额(元),承诺交期,状态
DD-1,KH-1,E002,2026-10-08 09:00,2026-10-08 10:00,2026-10-08 12:00,300,2026-10-20,open
DD-2,KH-1,E003,2026-10-09 09:00,2026-10-09 10:00,2026-10-09 12:00,100,2026-10-20,open
DD-3,KH-1,E004,2026-10-12 09:00,2026-10-12 10:00,2026-10-12 12:00,100,2026-10-20,completed
DD-4,KH-1,E005,2026-10-13 09:00,2026-10-13 10:00,2026-10-13 12:00,500,2026-10-20,open
DD-5,KH-1,E002,2026-10-14 09:00,2026-10-14 10:00,2026-10-14 12:00,9000,2026-10-20,cancelled
";

async fn october(store: &Store, employee: Option<i64>) -> Evaluation {
    let req = EvalRequest {
        period: Period::parse("2026-10").unwrap(),
        scheme: None,
        employee,
    };
    store.preview(&Viewer::system("test"), &req).await.unwrap()
}

fn value(e: &Evaluation, id: i64, code: &str) -> Option<f64> {
    let card = &e.results.iter().find(|r| r.employee_id == id)?.scorecard;
    card.lines.iter().find(|l| l.indicator == code)?.value
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

#[tokio::test]
async fn a_leaders_and_a_managers_measures_sum_the_people_they_lead_on_every_backend() {
    for db in every_backend().await {
        let store = db.open().await;
        let b = db.backend;
        let lib = Library::from_toml(LIBRARY).expect("the test library is valid");
        store
            .save_library(&Viewer::system("test"), &lib)
            .await
            .unwrap();
        organisation(&store).await;
        import_csv(&store, &spec::CUSTOMERS, CUSTOMERS).await;
        import_csv(&store, &spec::ORDERS, ORDERS).await;

        let e = october(&store, None).await;
        let team = "team_sales_completion";
        let dept = "department_sales_completion";
        // Team 1: (0 + 300 + 100) ÷ (200 + 400 + 400) = 40 %; team 2: 600 ÷ 600.
        assert!(
            close(value(&e, 1, team), 40.0),
            "{b}: {:?}",
            value(&e, 1, team)
        );
        assert!(close(value(&e, 4, team), 100.0), "{b}");
        // Department 1 with department 2 below it: 1,000 ÷ 1,600; department 2: 600 ÷ 600.
        for id in [1, 2, 6] {
            assert!(
                close(value(&e, id, dept), 62.5),
                "{b}: {id}: {:?}",
                value(&e, id, dept)
            );
        }
        assert!(close(value(&e, 5, dept), 100.0), "{b}");
        // Someone who leads no team has no team target: not applicable, not 0.
        assert_eq!(value(&e, 6, team), None, "{b}");
        let card = |id: i64| {
            &e.results
                .iter()
                .find(|r| r.employee_id == id)
                .unwrap()
                .scorecard
        };
        // The members lead nobody: their month is the department's 62.5 (the team and
        // subordinates' indicators not applicable). A leader's subordinates' results are their
        // members' mean, the leader left out: team 1 (62.5 + 62.5) / 2, team 2 E005's 100.
        for id in [2, 3, 6] {
            assert!(
                close(card(id).total, 62.5),
                "{b}: {id}: {:?}",
                card(id).total
            );
        }
        let subs = "subordinates_results";
        assert!(
            close(value(&e, 1, subs), 62.5),
            "{b}: {:?}",
            value(&e, 1, subs)
        );
        assert!(
            close(value(&e, 4, subs), 100.0),
            "{b}: {:?}",
            value(&e, 4, subs)
        );
        assert_eq!(value(&e, 6, subs), None, "{b}");
        let want = 0.4 * 40.0 + 0.4 * 62.5 + 0.2 * 62.5;
        assert!(close(card(1).total, want), "{b}: {:?}", card(1).total);

        // One person's live card (the leader's own scorecard page) sums the same members, and
        // reads their stored results.
        let req = EvalRequest {
            period: Period::parse("2026-10").unwrap(),
            scheme: None,
            employee: None,
        };
        store.evaluate(&Viewer::system("test"), &req).await.unwrap();
        let one = october(&store, Some(1)).await;
        assert!(
            close(value(&one, 1, subs), 62.5),
            "{b}: {:?}",
            value(&one, 1, subs)
        );
        assert_eq!(one.results.len(), 1);
        assert!(
            close(value(&one, 1, team), 40.0),
            "{b}: {:?}",
            value(&one, 1, team)
        );
        assert!(close(value(&one, 1, dept), 62.5), "{b}");

        // The formula editor's preview reads the same: the team's targets summed, the
        // members' stored results.
        let admin = Viewer::system("test");
        let oct = Period::parse("2026-10").unwrap();
        for (text, want) in [
            ("team_target(\"sales_amount\")", 100_000.0),
            ("department_target(\"sales_amount\")", 160_000.0),
            ("team_score()", 62.5),
            ("team_pass_share()", 100.0),
        ] {
            let f = kaohe_domain::formula::compile(text).unwrap();
            let p = store
                .preview_formula(&admin, &f, None, oct, 1)
                .await
                .unwrap();
            assert!(close(p.value, want), "{b}: {text}: {:?}", p.value);
        }
    }
}
