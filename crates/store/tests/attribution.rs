//! Who did the work (SPEC §5a): a sales clerk is scored on the records they handled, not on
//! the ones they own — imported through the real import path with the 经办内勤工号 column, on a
//! real SQLite file and a real PostgreSQL database, checked against values computed by hand.

use kaohe_domain::import::spec;
use kaohe_domain::library::Library;
use kaohe_domain::period::Period;
use kaohe_store::evaluate::{EvalRequest, Evaluation};
use kaohe_store::{Store, Viewer};
use kaohe_testkit::every_backend;
use kaohe_testkit::fixtures::{employee, import_csv, organisation};

const LIBRARY: &str = r#"
[[indicators]]
code = "archive_completeness"
name_zh = "客户档案完整率"
name_en = "Customer archive completeness"
category = "customer_information"
definition_zh = "经办的新建档案中完整的百分比"
definition_en = "Complete archives among the new ones handled"
source = "sales"
period = "month"
direction = "higher"
unit = "percent"
target = 100
formula = "count(customers handled where complete) / count(customers handled) * 100"
scoring = { rule = "ratio" }

[[indicators]]
code = "order_receipt_timeliness"
name_zh = "订单接收及时率"
name_en = "Order receipt timeliness"
category = "order_processing"
definition_zh = "经办的订单中按时录入的百分比"
definition_en = "Orders handled that were entered on time"
source = "sales"
period = "month"
direction = "higher"
unit = "percent"
target = 100
formula = "count(orders handled where entered_at <= entry_due_at) / count(orders handled) * 100"
scoring = { rule = "ratio" }

[[schemes]]
code = "clerk"
version = 1
name_zh = "内勤"
name_en = "Clerk"
period = "month"
positions = ["tele"]

[[schemes.groups]]
code = "g"
name_zh = "全部"
name_en = "All"
weight = 100
items = [
  { indicator = "archive_completeness", weight = 50 },
  { indicator = "order_receipt_timeliness", weight = 50 },
]
"#;

/// Rep E001 owns every customer and order; clerk E002 handled KH-1, KH-2 (needs missing) and
/// orders DD-1 to DD-3 (DD-2 entered late); DD-4 names no handler; clerk E003 handled nothing.
const CUSTOMERS: &str = "\
客户档案编号,客户名称,联系人,电话,地址,行业,需求,客户分类,负责人工号,经办内勤工号,建档时间
KH-1,甲公司,张三,13800000001,北京路1号,制造,采购设备,general,E001,E002,2026-10-05 10:00
KH-2,乙公司,李四,13800000002,上海路2号,零售,,general,E001,E002,2026-10-06 10:00
";

const ORDERS: &str = "\
订单编号,客户档案编号,工号,经办内勤工号,接单时间,录入时间,录入截止时间,金额(元),承诺交期,状态
DD-1,KH-1,E001,E002,2026-10-08 09:00,2026-10-08 10:00,2026-10-08 12:00,1000,2026-10-20,open
DD-2,KH-1,E001,E002,2026-10-09 09:00,2026-10-09 15:00,2026-10-09 12:00,1000,2026-10-20,open
DD-3,KH-2,E001,E002,2026-10-12 09:00,2026-10-12 11:00,2026-10-12 12:00,1000,2026-10-20,open
DD-4,KH-2,E001,,2026-10-13 09:00,2026-10-13 15:00,2026-10-13 12:00,1000,2026-10-20,open
";

async fn october(store: &Store) -> Evaluation {
    let req = EvalRequest {
        period: Period::parse("2026-10").unwrap(),
        scheme: None,
        employee: None,
    };
    store.evaluate(&Viewer::system("test"), &req).await.unwrap()
}

#[tokio::test]
async fn a_clerk_is_scored_on_the_records_they_handled_not_on_the_ones_they_own() {
    for db in every_backend().await {
        let store = db.open().await;
        let b = db.backend;
        let lib = Library::from_toml(LIBRARY).expect("the test library is valid");
        store
            .save_library(&Viewer::system("test"), &lib)
            .await
            .unwrap();
        let people = [
            employee(1, "王伟"),
            employee(2, "赵敏"),
            employee(3, "钱多"),
        ];
        organisation(&store, "clerk", &people).await;
        import_csv(&store, &spec::CUSTOMERS, CUSTOMERS).await;
        import_csv(&store, &spec::ORDERS, ORDERS).await;

        let e = october(&store).await;
        let card = |id: i64| {
            &e.results
                .iter()
                .find(|r| r.employee_id == id)
                .unwrap()
                .scorecard
        };
        let line = |id: i64, code: &str| {
            let l = card(id).lines.iter().find(|l| l.indicator == code).unwrap();
            (l.numerator, l.denominator, l.value)
        };
        // The clerk: 2 of the 3 orders they handled entered on time; 1 of their 2 archives
        // complete (KH-2 has no business needs, 业务需求).
        assert_eq!(
            line(2, "order_receipt_timeliness"),
            (Some(2.0), Some(3.0), Some(2.0 / 3.0 * 100.0)),
            "{b}"
        );
        assert_eq!(
            line(2, "archive_completeness"),
            (Some(1.0), Some(2.0), Some(50.0)),
            "{b}"
        );
        let total = 0.5 * (2.0 / 3.0 * 100.0) + 0.5 * 50.0;
        assert!(
            (card(2).total.unwrap() - total).abs() < 1e-9,
            "{b}: {:?}",
            card(2).total
        );
        // The owner handled nothing: his clerk indicators are not applicable, though all the
        // records are his; the other clerk handled nothing either.
        for id in [1, 3] {
            assert_eq!(card(id).total, None, "{b}: employee {id}");
            assert_eq!(line(id, "order_receipt_timeliness").1, Some(0.0), "{b}");
        }
    }
}
