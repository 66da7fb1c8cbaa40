//! Finance's page and the score table's workbook (issue 22), on every backend, over the demo's
//! October driven to locked (bonuses computed, awards confirmed): the page's totals are the
//! store's bonus and award figures in yuan; the payroll CSV and xlsx downloads read back equal
//! the page; ticked rows are marked paid, one audit entry each, and marking again changes
//! nothing; other roles are refused (403); a team leader's score table workbook has one sheet
//! per member in scope and a person or team outside the scope is not found.

mod support;

use calamine::{Reader, Xlsx, open_workbook_from_rs};
use kaohe_domain::period::Period;
use kaohe_store::{Sql, Store, Viewer};
use kaohe_web::finance::yuan;
use support::{TestApp, hidden_csrf, spawn_small_demo};

const OCT: &str = "2026-10";

fn oct() -> Period {
    Period::parse(OCT).unwrap()
}

async fn get(client: &reqwest::Client, url: String) -> (u16, Vec<u8>) {
    let resp = client.get(url).send().await.unwrap();
    (resp.status().as_u16(), resp.bytes().await.unwrap().to_vec())
}

async fn page(client: &reqwest::Client, url: String) -> (u16, String) {
    let (s, b) = get(client, url).await;
    (s, String::from_utf8(b).unwrap())
}

/// The text of the element with `id` of a page.
fn by_id(html: &str, id: &str) -> String {
    let mark = format!("id=\"{id}\">");
    let at = html.find(&mark).unwrap_or_else(|| panic!("no {id}")) + mark.len();
    html[at..].split('<').next().unwrap().to_string()
}

async fn count(store: &Store, sql: &str, bind: &str) -> i64 {
    let mut q = Sql::new(sql);
    q.bind(bind);
    store.fetch_i64(&q).await.unwrap()
}

/// Posts the paid form with `fields` and the page's CSRF token.
async fn mark_paid(
    app: &TestApp,
    client: &reqwest::Client,
    fields: &[(&str, String)],
) -> (u16, String) {
    let (_, html) = page(client, app.url(&format!("/finance/{OCT}"))).await;
    let mut form = vec![("csrf", hidden_csrf(&html))];
    form.extend(fields.iter().cloned());
    let resp = client
        .post(app.url(&format!("/finance/{OCT}/paid")))
        .form(&form)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// The confirmed and paid award amounts of October, in cents.
async fn award_cents(store: &Store) -> i64 {
    store
        .awards(oct())
        .await
        .unwrap()
        .iter()
        .filter(|a| matches!(a.status.as_str(), "confirmed" | "paid"))
        .map(|a| a.amount_cents)
        .sum()
}

#[tokio::test]
async fn finance_reads_the_month_downloads_payroll_and_marks_rows_paid() {
    for db in kaohe_testkit::every_backend().await {
        let b = db.backend;
        let app = spawn_small_demo(db).await;
        let store = app.store.clone();
        kaohe::demo_cycle::drive(&store, oct()).await.unwrap();
        let system = Viewer::system("test");
        let bonuses = store.bonuses(&system, oct()).await.unwrap();
        assert!(!bonuses.is_empty(), "{b}");
        let bonus_cents: i64 = bonuses.iter().map(|l| l.bonus.0).sum();
        let awards = award_cents(&store).await;
        let finance = app.sign_in("finance", "kaohe-demo").await;

        // The page's totals are the store's figures, in yuan with 2 decimals.
        let (status, html) = page(&finance, app.url(&format!("/finance/{OCT}"))).await;
        assert_eq!(status, 200, "{b}: {html}");
        assert_eq!(by_id(&html, "bonus-total"), yuan(bonus_cents), "{b}");
        assert_eq!(by_id(&html, "award-total"), yuan(awards), "{b}");
        assert_eq!(
            by_id(&html, "grand-total"),
            yuan(bonus_cents + awards),
            "{b}"
        );
        assert!(
            by_id(&html, "grand-total").ends_with(&format!(".{:02}", (bonus_cents + awards) % 100))
        );
        assert_eq!(
            html.matches("name=\"bonus\"").count(),
            bonuses.len(),
            "{b}: a box per bonus"
        );

        // The CSV and the xlsx read back: the same rows, summing to the page's total.
        let (status, csv) = get(&finance, app.url(&format!("/finance/{OCT}/payroll.csv"))).await;
        assert_eq!(status, 200, "{b}");
        let mut reader = csv::Reader::from_reader(csv.as_slice());
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(header, kaohe_domain::bonus::PAYROLL_HEADER, "{b}");
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let cents = |s: &str| (s.parse::<f64>().unwrap() * 100.0).round() as i64;
        let csv_total: i64 = rows.iter().map(|r| cents(&r[5])).sum();
        assert_eq!(
            yuan(csv_total),
            by_id(&html, "grand-total"),
            "{b}: CSV = page"
        );
        let (status, xlsx) = get(&finance, app.url(&format!("/finance/{OCT}/payroll.xlsx"))).await;
        assert_eq!(status, 200, "{b}");
        let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
        let range = book.worksheet_range("payroll").unwrap();
        assert_eq!(range.height(), rows.len() + 1, "{b}: the same rows");
        let mut xlsx_total = 0;
        for (i, r) in rows.iter().enumerate() {
            assert_eq!(
                range.get((i + 1, 0)).unwrap().to_string(),
                r[0].to_string(),
                "{b}"
            );
            xlsx_total += cents(&range.get((i + 1, 5)).unwrap().to_string());
        }
        assert_eq!(xlsx_total, csv_total, "{b}: xlsx = CSV = page");
        assert!(
            count(&store, "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE action = 'export' AND entity = ", "payroll").await >= 2,
            "{b}: downloads are audited"
        );

        // Marking paid: two bonuses and an award, one audit entry each.
        let (a, c) = (bonuses[0].payee.employee_id, bonuses[1].payee.employee_id);
        let award = store
            .awards(oct())
            .await
            .unwrap()
            .into_iter()
            .find(|x| x.status == "confirmed")
            .map(|x| x.id);
        let mut fields = vec![("bonus", a.to_string()), ("bonus", c.to_string())];
        fields.extend(award.map(|id| ("award", id.to_string())));
        let (status, html) = mark_paid(&app, &finance, &fields).await;
        assert_eq!(status, 200, "{b}: {html}");
        let n = 2 + usize::from(award.is_some());
        assert!(
            html.contains(&format!("已标记 {n} 行为已发放")),
            "{b}: {html}"
        );
        let paid =
            "SELECT CAST(COUNT(*) AS BIGINT) FROM bonuses WHERE status = 'paid' AND period = ";
        assert_eq!(count(&store, paid, OCT).await, 2, "{b}");
        let audit = "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE after LIKE '%paid%' AND entity = ";
        assert_eq!(count(&store, audit, "bonus").await, 2, "{b}");
        assert_eq!(
            count(&store, audit, "award").await,
            i64::from(award.is_some()),
            "{b}"
        );
        assert_eq!(
            html.matches("name=\"bonus\"").count(),
            bonuses.len() - 2,
            "{b}"
        );
        // Again: nothing changes, and the page says why.
        let (status, html) = mark_paid(&app, &finance, &[("bonus", a.to_string())]).await;
        assert_eq!(status, 200, "{b}");
        assert!(html.contains("paid already"), "{b}");
        assert_eq!(count(&store, audit, "bonus").await, 2, "{b}");
        // Nothing ticked names the field.
        assert_eq!(mark_paid(&app, &finance, &[]).await.0, 422, "{b}");

        // Roles: HR reads without boxes and may not mark; a rep sees nothing.
        let hr = app.sign_in("hr", "kaohe-demo").await;
        let (status, html) = page(&hr, app.url(&format!("/finance/{OCT}"))).await;
        assert_eq!(status, 200, "{b}");
        assert!(!html.contains("name=\"bonus\""), "{b}");
        assert_eq!(
            mark_paid(&app, &hr, &[("bonus", c.to_string())]).await.0,
            403,
            "{b}"
        );
        let rep = app.sign_in("rep", "kaohe-demo").await;
        assert_eq!(
            page(&rep, app.url(&format!("/finance/{OCT}"))).await.0,
            403,
            "{b}"
        );
        assert_eq!(
            get(&rep, app.url(&format!("/finance/{OCT}/payroll.csv")))
                .await
                .0,
            403,
            "{b}"
        );
        assert_eq!(
            get(&rep, app.url(&format!("/api/finance/{OCT}"))).await.0,
            403,
            "{b}"
        );

        // The score table: a team leader's team, one sheet per member in scope.
        let leader = app.sign_in("leader", "kaohe-demo").await;
        let me = kaohe::cycle::viewer(&store, "leader").await.unwrap();
        let team = me.team_id.expect("the demo leader leads a team");
        let cards = store.scorecards(&me, OCT, None).await.unwrap();
        let members: Vec<String> = store
            .employees(&me)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.team_id == Some(team) && cards.iter().any(|c| c.employee_id == e.id))
            .map(|e| format!("{} {}", e.code, e.name))
            .collect();
        assert!(members.len() > 1, "{b}: {members:?}");
        let url = app.url(&format!("/scoretable.xlsx?period={OCT}&team={team}"));
        let (status, bytes) = get(&leader, url).await;
        assert_eq!(status, 200, "{b}: {}", String::from_utf8_lossy(&bytes));
        let book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), members, "{b}: one sheet per member");
        // Outside the scope: a person of another team, and another team.
        let everyone = store.employees(&system).await.unwrap();
        let stranger = everyone
            .iter()
            .find(|e| e.team_id.is_some() && e.team_id != Some(team))
            .unwrap();
        let url = app.url(&format!(
            "/scoretable.xlsx?period={OCT}&employee={}",
            stranger.id
        ));
        assert_eq!(get(&leader, url).await.0, 404, "{b}");
        let url = app.url(&format!(
            "/scoretable.xlsx?period={OCT}&team={}",
            stranger.team_id.unwrap()
        ));
        assert_eq!(get(&leader, url).await.0, 404, "{b}");
        // One person's own table downloads too.
        let url = app.url(&format!(
            "/scoretable.xlsx?period={OCT}&employee={}",
            me.employee_id.unwrap()
        ));
        assert_eq!(get(&leader, url).await.0, 200, "{b}");
    }
}
