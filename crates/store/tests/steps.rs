//! Contract steps, the expense flow and customer classes through the store, on SQLite and
//! PostgreSQL: illegal steps are refused with a clear message, roles and scopes are checked,
//! every step is written with its audit entry.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use kaohe_domain::records::{Budget, Contract, Customer, Expense, Order};
use kaohe_domain::roles::Role;
use kaohe_domain::rules::contract::ContractAction;
use kaohe_domain::rules::expense::ExpenseAction;
use kaohe_store::{Store, StoreError, Viewer};
use kaohe_testkit::every_backend;
use kaohe_testkit::fixtures::{employee, organisation};

fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap()
}

fn at(h: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 8, 0, 0, 0).unwrap() + Duration::hours(h)
}

fn viewer(employee_id: i64, role: Role) -> Viewer {
    Viewer {
        user_id: None,
        username: format!("{}{employee_id}", role.as_str()),
        role,
        employee_id: Some(employee_id),
        team_id: None,
        department_ids: vec![1],
    }
}

/// Rep 1, manager 2, clerk 3, finance 4 in department 1; customer 1 owned by the rep.
async fn seed(store: &Store) {
    let people: Vec<_> = (1..=4).map(|i| employee(i, &format!("员工{i}"))).collect();
    organisation(store, "telesales", &people).await;
    store
        .create(&Viewer::system("t"), &customer("KH-1", "general"))
        .await
        .unwrap();
}

fn customer(no: &str, class: &str) -> Customer {
    Customer {
        handled_by: None,
        id: 0,
        archive_no: no.into(),
        name: format!("客户{no}"),
        company: String::new(),
        contact: String::new(),
        phone: String::new(),
        address: String::new(),
        industry: String::new(),
        needs: String::new(),
        source: String::new(),
        class: class.into(),
        owner_id: 1,
        valid: true,
        special_archive: false,
        complete: false,
        created_at: at(0),
        updated_at: at(0),
        update_due_at: None,
        verified_at: None,
    }
}

fn contract() -> Contract {
    Contract {
        handled_by: None,
        id: 0,
        contract_no: "HT-1".into(),
        customer_id: 1,
        order_id: None,
        employee_id: 1,
        amount_cents: 100_000,
        status: "drafted".into(),
        drafted_at: at(0),
        sign_due_at: at(100),
        signed_at: None,
        signed_day: None,
        archived_at: None,
        review_passed_first: true,
    }
}

fn expense(yuan: i64) -> Expense {
    Expense {
        id: 0,
        employee_id: 1,
        department_id: 1,
        day: NaiveDate::from_ymd_opt(2026, 10, 8).unwrap(),
        category: "travel".into(),
        amount_cents: yuan * 100,
        receipts: 1,
        description: String::new(),
        status: "submitted".into(),
        submitted_at: at(0),
        over_budget: false,
    }
}

fn review(passed: bool, comment: &str) -> ContractAction {
    ContractAction::Review {
        passed,
        comment: comment.into(),
    }
}

fn invalid(e: StoreError) -> String {
    match e {
        StoreError::Invalid { message, .. } => message,
        other => panic!("expected a refused step, got {other:?}"),
    }
}

#[tokio::test]
async fn contract_steps_go_in_order_by_the_right_roles_and_are_audited() {
    for db in every_backend().await {
        let store = db.open().await;
        seed(&store).await;
        let id = store
            .create(&Viewer::system("t"), &contract())
            .await
            .unwrap();
        let (rep, manager, clerk) = (
            viewer(1, Role::Rep),
            viewer(2, Role::Manager),
            viewer(3, Role::Clerk),
        );
        let z = shanghai();
        let step = |v: &Viewer, a: ContractAction, h: i64| {
            let (store, v, z) = (store.clone(), v.clone(), z);
            async move { store.contract_step(&v, id, &a, at(h), &z).await }
        };
        let e = invalid(step(&rep, ContractAction::Sign, 1).await.unwrap_err());
        assert!(e.contains("only after a passed review"), "{e}");
        assert!(matches!(
            step(&rep, review(true, ""), 1).await,
            Err(StoreError::Forbidden(_))
        ));
        let e = invalid(step(&manager, review(false, " "), 1).await.unwrap_err());
        assert!(e.contains("needs a comment"), "{e}");
        let done = step(&manager, review(false, "金额有误"), 2).await;
        assert_eq!(done.unwrap().after, "returned", "{}", db.backend);
        let e = invalid(step(&manager, review(true, ""), 1).await.unwrap_err());
        assert!(e.contains("earlier than the previous step"), "{e}");
        step(&manager, review(true, ""), 3).await.unwrap();
        assert!(matches!(
            step(&rep, ContractAction::Archive, 4).await,
            Err(StoreError::Forbidden(_))
        ));
        step(&rep, ContractAction::Sign, 20).await.unwrap();
        let done = step(&clerk, ContractAction::Archive, 21).await.unwrap();
        assert_eq!(
            (done.before.as_str(), done.after.as_str()),
            ("signed", "archived")
        );
        let stored: Vec<Contract> = store.list(&rep, &Default::default(), &z).await.unwrap();
        let k = &stored[0];
        assert_eq!(k.status, "archived");
        assert_eq!(k.signed_at, Some(at(20)));
        // 20:00 UTC is the next morning in Shanghai.
        assert_eq!(k.signed_day.unwrap().to_string(), "2026-10-09");
        assert!(!k.review_passed_first);
        assert_eq!(store.count_rows("contract_steps").await.unwrap(), 4);
        let audit = store.audit_entries(Some("contracts"), 10).await.unwrap();
        assert_eq!(
            audit.iter().filter(|a| a.action == "decide").count(),
            4,
            "{}",
            db.backend
        );
    }
}

#[tokio::test]
async fn a_contract_outside_the_managers_department_is_not_found() {
    for db in every_backend().await {
        let store = db.open().await;
        seed(&store).await;
        let id = store
            .create(&Viewer::system("t"), &contract())
            .await
            .unwrap();
        let elsewhere = Viewer {
            department_ids: vec![9],
            ..viewer(99, Role::Manager)
        };
        let r = store
            .contract_step(&elsewhere, id, &review(true, ""), at(1), &shanghai())
            .await;
        assert!(matches!(r, Err(StoreError::NotFound { .. })), "{r:?}");
        let own = store
            .contract_step(
                &viewer(1, Role::Manager),
                id,
                &review(true, ""),
                at(1),
                &shanghai(),
            )
            .await;
        assert!(matches!(own, Err(StoreError::Forbidden(_))), "{own:?}");
    }
}

#[tokio::test]
async fn the_expense_flow_needs_each_review_in_turn_a_comment_on_return_and_flags_over_budget() {
    for db in every_backend().await {
        let store = db.open().await;
        seed(&store).await;
        let mut tx = store.begin().await.unwrap();
        tx.insert_rows(&[Budget {
            department_id: 1,
            period: "2026-10".into(),
            category: "travel".into(),
            amount_cents: 100_000,
        }])
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let sys = Viewer::system("t");
        let first = store.create(&sys, &expense(600)).await.unwrap();
        let second = store.create(&sys, &expense(500)).await.unwrap();
        let claims: Vec<Expense> = store
            .list(&sys, &Default::default(), &shanghai())
            .await
            .unwrap();
        assert_eq!(
            claims.iter().map(|c| c.over_budget).collect::<Vec<_>>(),
            [false, true],
            "{}",
            db.backend
        );
        let (rep, manager, finance) = (
            viewer(1, Role::Rep),
            viewer(2, Role::Manager),
            viewer(4, Role::Finance),
        );
        let mgr = |approved: bool, comment: &str| ExpenseAction::ManagerReview {
            approved,
            comment: comment.into(),
        };
        let fin = |approved: bool| ExpenseAction::FinanceReview {
            approved,
            comment: String::new(),
        };
        let e = invalid(
            store
                .expense_step(&finance, first, &fin(true), at(1))
                .await
                .unwrap_err(),
        );
        assert!(e.contains("not allowed when the claim is submitted"), "{e}");
        assert!(matches!(
            store.expense_step(&rep, first, &mgr(true, ""), at(1)).await,
            Err(StoreError::Forbidden(_))
        ));
        let e = invalid(
            store
                .expense_step(&manager, first, &mgr(false, ""), at(1))
                .await
                .unwrap_err(),
        );
        assert!(e.contains("needs a comment"), "{e}");
        let done = store
            .expense_step(&manager, first, &mgr(false, "缺少发票"), at(1))
            .await
            .unwrap();
        assert_eq!(done.after, "manager_returned");
        assert!(matches!(
            store
                .expense_step(&manager, first, &ExpenseAction::Resubmit, at(2))
                .await,
            Err(StoreError::Forbidden(_))
        ));
        store
            .expense_step(&rep, first, &ExpenseAction::Resubmit, at(2))
            .await
            .unwrap();
        store
            .expense_step(&manager, first, &mgr(true, ""), at(3))
            .await
            .unwrap();
        assert!(matches!(
            store
                .expense_step(&manager, first, &ExpenseAction::Pay, at(4))
                .await,
            Err(StoreError::Forbidden(_))
        ));
        store
            .expense_step(&finance, first, &fin(true), at(4))
            .await
            .unwrap();
        let paid = store
            .expense_step(&finance, first, &ExpenseAction::Pay, at(5))
            .await
            .unwrap();
        assert_eq!(paid.after, "paid", "{}", db.backend);
        assert_eq!(store.count_rows("expense_steps").await.unwrap(), 4);
        // The second claim was flagged; a return and resubmission re-checks the budget.
        store
            .expense_step(&manager, second, &mgr(false, "超预算"), at(6))
            .await
            .unwrap();
        let audit = store.audit_entries(Some("expenses"), 20).await.unwrap();
        assert!(
            audit
                .iter()
                .any(|a| a.action == "decide"
                    && a.after.as_deref().unwrap_or("").contains("缺少发票")),
            "{}",
            db.backend
        );
    }
}

#[tokio::test]
async fn customer_classes_follow_purchases_when_customers_and_orders_are_written() {
    for db in every_backend().await {
        let store = db.open().await;
        seed(&store).await;
        let sys = Viewer::system("t");
        let class = |no: &'static str| {
            let store = store.clone();
            async move {
                let mut sql =
                    kaohe_store::Sql::new("SELECT class FROM customers WHERE archive_no = ");
                sql.bind(no);
                store.fetch_all::<(String,)>(&sql).await.unwrap()[0]
                    .0
                    .clone()
            }
        };
        // Marked general but never bought: potential (潜在).
        assert_eq!(class("KH-1").await, "potential", "{}", db.backend);
        let today = Utc::now();
        let order = |no: &str, yuan: i64| Order {
            handled_by: None,
            id: 0,
            order_no: no.into(),
            customer_id: 1,
            employee_id: 1,
            day: today.date_naive(),
            received_at: today,
            entered_at: today,
            entry_due_at: today,
            amount_cents: yuan * 100,
            entry_errors: 0,
            promised_delivery_on: today.date_naive(),
            status: "open".into(),
            price_ratio_bp: 10_000,
        };
        store.create(&sys, &order("DD-1", 1_000)).await.unwrap();
        assert_eq!(class("KH-1").await, "general", "{}", db.backend);
        store.create(&sys, &order("DD-2", 600_000)).await.unwrap();
        assert_eq!(class("KH-1").await, "key", "{}", db.backend);
        // A customer marked key with no purchases is potential until it buys.
        store.create(&sys, &customer("KH-2", "key")).await.unwrap();
        assert_eq!(class("KH-2").await, "potential", "{}", db.backend);
    }
}
