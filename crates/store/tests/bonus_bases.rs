//! Bonus bases set by HR (issue 21), on a real SQLite file and a real PostgreSQL database: the
//! most particular rule in force wins from its month on, a bad set is refused with every
//! problem named and changes nothing, an import is all or nothing, every change is audited,
//! and a person no rule reaches is named instead of paid a default.

use chrono::Utc;
use kaohe_domain::bonus_base::{BaseRule, BaseScope};
use kaohe_domain::import::files::CsvRows;
use kaohe_domain::import::spec::BONUS_BASES;
use kaohe_domain::money::Cents;
use kaohe_domain::period::Period;
use kaohe_store::records::{ImportFailure, ImportOptions};
use kaohe_store::{Sql, Store, Viewer};
use kaohe_testkit::every_backend;
use kaohe_testkit::fixtures::{employee, organisation};

fn p(text: &str) -> Period {
    Period::parse(text).unwrap()
}

fn rule(scope: BaseScope, subject: &str, from: &str, yuan: i64) -> BaseRule {
    BaseRule {
        scope,
        subject: subject.into(),
        from: p(from),
        base: Cents::yuan(yuan),
    }
}

/// E001 and E002 hold position `tele`; E002 is at level L2.
async fn company(store: &Store) {
    organisation(store, "t", &[employee(1, "甲"), employee(2, "乙")]).await;
    let mut tx = store.begin().await.unwrap();
    tx.run(&Sql::new(
        "INSERT INTO levels (id, ladder, code, name, name_en, rank, base_salary_cents) VALUES (1, 'sales', 'L2', '二级', 'Level 2', 2, 0)",
    ))
    .await
    .unwrap();
    tx.run(&Sql::new("UPDATE employees SET level_id = 1 WHERE id = 2"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn count(store: &Store, sql: &str) -> i64 {
    store.fetch_i64(&Sql::new(sql)).await.unwrap()
}

async fn import(store: &Store, csv: &str) -> Result<u64, ImportFailure> {
    let zone = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let opts = ImportOptions {
        file_name: "bases.csv",
        sha256: None,
        dry_run: false,
        zone: &zone,
        progress: &|_| {},
    };
    let mut rows = CsvRows::new(csv.as_bytes());
    store
        .import(&Viewer::system("hr"), &BONUS_BASES, &mut rows, &opts)
        .await
        .map(|o| o.rows)
}

#[tokio::test]
async fn the_most_particular_base_in_force_is_used_and_a_bad_set_changes_nothing() {
    for db in every_backend().await {
        let store = db.open().await;
        let b = db.backend;
        company(&store).await;
        let hr = Viewer::system("hr");
        // Nobody has a base yet: both are named, never paid a default.
        let e = store
            .bonus_bases_in_force(&hr, p("2026-10"), &[1, 2])
            .await
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("甲（E001）") && e.contains("乙（E002）"),
            "{b}: {e}"
        );

        let rules = [
            rule(BaseScope::Company, "", "2026-01", 2000),
            rule(BaseScope::Position, "tele", "2026-06", 2500),
            rule(BaseScope::Level, "L2", "2026-09", 2800),
            rule(BaseScope::Person, "E001", "2026-11", 3500),
        ];
        store
            .set_bonus_bases(&hr, &rules, "2026 年薪酬政策")
            .await
            .unwrap();
        let base = |month: &'static str| {
            let store = store.clone();
            let hr = hr.clone();
            async move {
                let m = store
                    .bonus_bases_in_force(&hr, p(month), &[1, 2])
                    .await
                    .unwrap();
                (m[&1].0 / 100, m[&2].0 / 100)
            }
        };
        assert_eq!(base("2026-05").await, (2000, 2000), "{b}: the company's");
        assert_eq!(
            base("2026-06").await,
            (2500, 2500),
            "{b}: the position's from June"
        );
        assert_eq!(
            base("2026-09").await,
            (2500, 2800),
            "{b}: E002's level from September"
        );
        assert_eq!(
            base("2026-11").await,
            (3500, 2800),
            "{b}: E001's own from November"
        );
        assert_eq!(
            base("2026").await,
            (3500, 2800),
            "{b}: a year takes December's"
        );
        assert_eq!(
            count(
                &store,
                "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE entity = 'bonus_base'"
            )
            .await,
            4,
            "{b}"
        );

        // A bad set: every problem named by rule, nothing written.
        let bad = [
            rule(BaseScope::Position, "nobody", "2026-10", 3000),
            rule(BaseScope::Company, "", "2026-10", -5),
            rule(BaseScope::Person, "E002", "2026-Q4", 3000),
            rule(BaseScope::Company, "", "2026-12", 2100),
            rule(BaseScope::Company, "", "2026-12", 2200),
        ];
        let e = store
            .set_bonus_bases(&hr, &bad, "x")
            .await
            .unwrap_err()
            .to_string();
        for part in [
            "rule 1: unknown position code `nobody`",
            "rule 2: the base -5.00",
            "rule 3: from `2026-Q4`",
            "rule 5: the same scope, subject and month as rule 4",
        ] {
            assert!(e.contains(part), "{b}: {part} in {e}");
        }
        assert_eq!(
            count(
                &store,
                "SELECT CAST(COUNT(*) AS BIGINT) FROM bonus_base_rules"
            )
            .await,
            4,
            "{b}"
        );
        // A rep may not set one.
        let rep = store
            .create_user(&kaohe_store::users::NewUser {
                username: "rep",
                password: "password-1",
                role: kaohe_domain::roles::Role::Rep,
                employee_id: Some(1),
                display_name: "rep",
            })
            .await
            .unwrap();
        let rep = store.user_by_id(rep).await.unwrap().unwrap();
        let rep = store.viewer_for(&rep).await.unwrap();
        assert!(store.set_bonus_bases(&rep, &rules[..1], "").await.is_err());
        assert!(store.bonus_base_rules(&rep).await.is_err());

        // An import is all or nothing: one bad row (an unknown level) and nothing is set.
        let file = "适用范围,对象,生效月份,基数(元),备注\n\
                    岗位,tele,2027-01,2600,调薪\n\
                    职级,L9,2027-01,2900,\n";
        let Err(ImportFailure::Rejected(report)) = import(&store, file).await else {
            panic!("{b}: a file with an unknown level is refused");
        };
        let text = report.to_string();
        assert!(
            text.contains("unknown level code `L9`") && text.contains('3'),
            "{b}: {text}"
        );
        assert_eq!(
            count(
                &store,
                "SELECT CAST(COUNT(*) AS BIGINT) FROM bonus_base_rules"
            )
            .await,
            4,
            "{b}"
        );
        let good = "适用范围,对象,生效月份,基数(元),备注\n岗位,tele,2027-01,2600.50,调薪\n公司,,2027-01,2100,\n";
        assert_eq!(import(&store, good).await.ok(), Some(2), "{b}");
        let m = store
            .bonus_bases_in_force(&hr, p("2027-01"), &[1, 2])
            .await
            .unwrap();
        assert_eq!(
            (m[&1].0, m[&2].0),
            (350_000, 280_000),
            "{b}: own and level still win"
        );
        let listed = store.bonus_base_rules(&hr).await.unwrap();
        let tele = listed
            .iter()
            .find(|r| r.rule.subject == "tele" && r.rule.from == p("2027-01"))
            .unwrap();
        assert_eq!(
            (tele.rule.base.0, tele.note.as_str()),
            (260_050, "调薪"),
            "{b}"
        );
        assert!(tele.set_at <= Utc::now());
    }
}
