//! Hostile import files, on every backend, through the real HTTP server and the real `kaohe`
//! binary: a 5 KB workbook whose cells reach XFD1048576 (read whole, it asked for 512 GB and
//! aborted the process), a zip bomb, uploads larger than the role may send, a CSV row with
//! cells beyond its header, the same rows imported again with other line endings, and CSV
//! exports of text that a spreadsheet would run as a formula. Every hostile file is built here.

mod support;

use kaohe_store::Viewer;
use serde_json::Value;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{TestApp, spawn_demo};

/// The parts of a minimal workbook around `sheet` (the XML of its only sheet).
fn workbook(sheet: &str) -> Vec<u8> {
    const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
    const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
    const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
    const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    for (name, text) in [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", RELS),
        ("xl/workbook.xml", WORKBOOK),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        ("xl/worksheets/sheet1.xml", sheet),
    ] {
        zip.start_file(name, opts).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// A workbook with a header cell at A1 and one value at XFD1048576, the last cell a sheet
/// has; `declared` adds the `<dimension>` Excel writes for it.
fn far_cell_workbook(declared: bool) -> Vec<u8> {
    let dimension = if declared {
        r#"<dimension ref="A1:XFD1048576"/>"#
    } else {
        ""
    };
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dimension}<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>部门编码</t></is></c></row><row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>"#
    );
    workbook(&sheet)
}

/// A zip whose one part, `xl/worksheets/sheet1.xml`, inflates to `mib` MiB of spaces from a
/// few KB a GiB: one deflated MiB (ending in a sync flush, so it stands alone) repeated, the
/// zip's headers written by hand. Nothing here holds more than a MiB.
fn zip_bomb(mib: u32) -> Vec<u8> {
    let spaces = vec![b' '; 1 << 20];
    let mut deflate = flate2::Compress::new(flate2::Compression::best(), false);
    let mut block = Vec::with_capacity(1 << 16);
    deflate
        .compress_vec(&spaces, &mut block, flate2::FlushCompress::Sync)
        .unwrap();
    assert!(deflate.total_in() == 1 << 20, "one call deflates the MiB");
    let mut end = Vec::with_capacity(64);
    flate2::Compress::new(flate2::Compression::best(), false)
        .compress_vec(&[], &mut end, flate2::FlushCompress::Finish)
        .unwrap();
    let mut crc = crc32fast::Hasher::new();
    for _ in 0..mib {
        crc.update(&spaces);
    }
    let crc = crc.finalize();
    let compressed = (block.len() * mib as usize + end.len()) as u32;
    let size = ((mib as u64) << 20) as u32;
    let name = b"xl/worksheets/sheet1.xml";
    let mut out = Vec::new();
    // Local file header.
    out.extend(0x0403_4b50u32.to_le_bytes());
    out.extend([20, 0, 0, 0, 8, 0, 0, 0, 0, 0]);
    out.extend(crc.to_le_bytes());
    out.extend(compressed.to_le_bytes());
    out.extend(size.to_le_bytes());
    out.extend((name.len() as u16).to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out.extend(name);
    for _ in 0..mib {
        out.extend(&block);
    }
    out.extend(&end);
    // Central directory.
    let cd_at = out.len() as u32;
    out.extend(0x0201_4b50u32.to_le_bytes());
    out.extend([20, 0, 20, 0, 0, 0, 8, 0, 0, 0, 0, 0]);
    out.extend(crc.to_le_bytes());
    out.extend(compressed.to_le_bytes());
    out.extend(size.to_le_bytes());
    out.extend((name.len() as u16).to_le_bytes());
    out.extend([0u8; 12]);
    out.extend(0u32.to_le_bytes());
    out.extend(name);
    let cd_len = out.len() as u32 - cd_at;
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0, 0, 0, 0, 1, 0, 1, 0]);
    out.extend(cd_len.to_le_bytes());
    out.extend(cd_at.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// The signed-in client of `user` and its CSRF token.
async fn sign_in(app: &TestApp, user: &str) -> (reqwest::Client, String) {
    let client = app.sign_in(user, "kaohe-demo").await;
    let me = app.me(&client).await;
    let csrf = me["csrf_token"].as_str().unwrap().to_string();
    (client, csrf)
}

/// Uploads `body` as `name` of `kind`; the status and the answer.
async fn upload(
    app: &TestApp,
    (client, csrf): &(reqwest::Client, String),
    kind: &str,
    name: &str,
    body: impl Into<reqwest::Body>,
) -> (u16, Value) {
    let resp = client
        .post(app.url(&format!("/api/import?kind={kind}&name={name}")))
        .header("x-csrf-token", csrf)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// The finished job `id`.
async fn finished(app: &TestApp, (client, _): &(reqwest::Client, String), id: i64) -> Value {
    for _ in 0..400 {
        let job: Value = client
            .get(app.url(&format!("/api/import/{id}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if job["state"] != "running" {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("import {id} did not finish");
}

/// Uploads and waits for the job; the finished job.
async fn import(
    app: &TestApp,
    who: &(reqwest::Client, String),
    kind: &str,
    name: &str,
    body: impl Into<reqwest::Body>,
) -> Value {
    let (status, started) = upload(app, who, kind, name, body).await;
    assert_eq!(status, 200, "{started}");
    finished(app, who, started["job"].as_i64().unwrap()).await
}

async fn still_serving(app: &TestApp) {
    let resp = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn a_sheet_reaching_xfd1048576_is_refused_by_role_before_its_body_and_by_its_limits_after() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        let hr = sign_in(&app, "hr").await;

        // A rep does not import departments: refused before a byte of the body is read (the
        // body declared is never sent in full; a server waiting for it would not answer).
        let token = token_of(&app, "rep").await;
        let started = Instant::now();
        let status = raw_post(
            &app,
            &token,
            "/api/import?kind=departments&name=big.xlsx",
            "Content-Length: 1000000\r\n",
            &[&far_cell_workbook(true)],
        )
        .await;
        assert!(status.contains(" 403 "), "{backend}: {status}");
        assert!(started.elapsed() < Duration::from_secs(5), "{backend}");

        // HR does: the declared size names the cell and the limit (422, no job).
        let (status, body) = upload(
            &app,
            &hr,
            "departments",
            "big.xlsx",
            far_cell_workbook(true),
        )
        .await;
        assert_eq!(status, 422, "{backend}: {body}");
        let message = body.to_string();
        assert!(
            message.contains("XFD1048576") && message.contains("256 columns"),
            "{backend}: {message}"
        );

        // Without a declared size, the cell itself is refused as the sheet streams by.
        let job = import(
            &app,
            &hr,
            "departments",
            "big.xlsx",
            far_cell_workbook(false),
        )
        .await;
        assert_eq!(job["state"], "rejected", "{backend}: {job}");
        let reason = job["report"].to_string();
        assert!(
            reason.contains("XFD1048576") && reason.contains("256"),
            "{backend}: {reason}"
        );
        still_serving(&app).await;
    }
}

#[tokio::test]
async fn a_zip_bomb_is_refused_quickly_without_inflating_it_into_memory() {
    // 2 GiB of spaces from about 2 MB.
    let bomb = zip_bomb(2048);
    assert!(bomb.len() < 8 << 20, "{} bytes", bomb.len());
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        let hr = sign_in(&app, "hr").await;
        let started = Instant::now();
        let (status, body) = upload(&app, &hr, "departments", "bomb.xlsx", bomb.clone()).await;
        assert_eq!(status, 422, "{backend}: {body}");
        let message = body.to_string();
        assert!(
            message.contains("xl/worksheets/sheet1.xml") && message.contains("1024 MB"),
            "{backend}: {message}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{backend}: {:?}",
            started.elapsed()
        );
        still_serving(&app).await;
    }
}

/// An API token of the demo's `user`.
async fn token_of(app: &TestApp, user: &str) -> String {
    let user = app.store.user_by_name(user).await.unwrap().unwrap();
    app.store
        .create_api_token(&Viewer::system("test"), user.id, "hostile")
        .await
        .unwrap()
}

/// POSTs to `path` over a plain socket with `head` (more header lines) and the `parts` of a
/// body, which need not be all the head announces; the status line of the answer.
async fn raw_post(app: &TestApp, token: &str, path: &str, head: &str, parts: &[&[u8]]) -> String {
    let (addr, token, path, head) = (
        app.addr,
        token.to_string(),
        path.to_string(),
        head.to_string(),
    );
    let parts: Vec<Vec<u8>> = parts.iter().map(|p| p.to_vec()).collect();
    tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n{head}\r\n"
        );
        s.write_all(request.as_bytes()).unwrap();
        for p in parts {
            // The server may answer and stop reading before the body ends.
            if s.write_all(&p).is_err() {
                break;
            }
        }
        let mut answer = Vec::new();
        let mut buf = [0u8; 4096];
        while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = s.read(&mut buf).expect("an answer");
            assert!(n > 0, "the server closed without answering");
            answer.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&answer)
            .lines()
            .next()
            .unwrap_or_default()
            .to_string()
    })
    .await
    .unwrap()
}

/// `body` in chunks of the chunked transfer coding, its last chunk included.
fn chunked(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for c in body.chunks(64 << 10) {
        out.extend(format!("{:x}\r\n", c.len()).as_bytes());
        out.extend(c);
        out.extend(b"\r\n");
    }
    out.extend(b"0\r\n\r\n");
    out
}

#[tokio::test]
async fn an_upload_over_the_roles_limit_is_refused_with_413_as_soon_as_it_passes_it() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        let rep = sign_in(&app, "rep").await;
        let jobs = app.store.count_rows("import_jobs").await.unwrap();

        // One byte over the rep's limit, streamed (no Content-Length): refused once passed.
        let token = token_of(&app, "rep").await;
        let limit = kaohe_web::import::MAX_PERSONAL_UPLOAD_BYTES as usize;
        let mut file = String::from("工号,开始时间,方向,通话时长(秒),结果\n");
        file.push_str(&"\n".repeat(limit + 1 - file.len()));
        let status = raw_post(
            &app,
            &token,
            "/api/import?kind=calls&name=big.csv",
            "Transfer-Encoding: chunked\r\n",
            &[&chunked(file.as_bytes())],
        )
        .await;
        assert!(status.contains(" 413 "), "{backend}: {status}");
        // With its Content-Length, the message names the limit.
        let (status, answer) = upload(&app, &rep, "calls", "big.csv", file).await;
        assert_eq!(status, 413, "{backend}: {answer}");
        assert!(
            answer.to_string().contains("8192 KB"),
            "{backend}: {answer}"
        );

        // The same limit exactly is accepted (and imported or rejected as a file).
        let mut file = String::from("工号,开始时间,方向,通话时长(秒),结果\n");
        file.push_str(&"\n".repeat(limit - file.len()));
        let (status, answer) = upload(&app, &rep, "calls", "full.csv", file).await;
        assert_eq!(status, 200, "{backend}: {answer}");
        finished(&app, &rep, answer["job"].as_i64().unwrap()).await;

        // A Content-Length of 2 GiB is refused before anything is read.
        let started = Instant::now();
        let status = raw_post(
            &app,
            &token,
            "/api/import?kind=calls&name=big.csv",
            &format!("Content-Length: {}\r\n", 2u64 << 30),
            &["工号,开始时间\n".as_bytes()],
        )
        .await;
        assert!(status.contains(" 413 "), "{backend}: {status}");
        assert!(started.elapsed() < Duration::from_secs(5), "{backend}");
        assert_eq!(
            app.store.count_rows("import_jobs").await.unwrap(),
            jobs + 1,
            "{backend}: only the upload within the limit started a job"
        );
        still_serving(&app).await;
    }
}

/// The 工号 of the demo's rep.
async fn rep_code(app: &TestApp) -> String {
    let user = app.store.user_by_name("rep").await.unwrap().unwrap();
    let id = user.employee_id.expect("the demo rep is a person");
    app.store
        .employee(&Viewer::system("test"), id)
        .await
        .unwrap()
        .code
}

#[tokio::test]
async fn a_csv_row_with_more_cells_than_headers_is_an_error_naming_the_row() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        let rep = sign_in(&app, "rep").await;
        let code = rep_code(&app).await;
        let calls = app.store.count_rows("calls").await.unwrap();
        let file = format!(
            "工号,开始时间,方向,通话时长(秒),结果\n\
             {code},2026-11-20 09:00,呼出,60,接通\n\
             {code},2026-11-20 10:00,呼出,60,接通,多余\n"
        );
        let job = import(&app, &rep, "calls", "extra.csv", file).await;
        assert_eq!(job["state"], "rejected", "{backend}: {job}");
        let errors = &job["report"]["errors"];
        assert_eq!(job["report"]["total"], 1, "{backend}: {job}");
        assert_eq!(errors[0]["row"], 3, "{backend}: {job}");
        assert_eq!(errors[0]["value"], "多余", "{backend}: {job}");
        assert!(
            errors[0]["reason"].as_str().unwrap().contains('F'),
            "{backend}: the reason names column F: {job}"
        );
        assert_eq!(app.store.count_rows("calls").await.unwrap(), calls);
    }
}

#[tokio::test]
async fn the_same_rows_again_with_other_line_endings_are_not_imported_twice() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        let rep = sign_in(&app, "rep").await;
        let code = rep_code(&app).await;
        let calls = app.store.count_rows("calls").await.unwrap();
        let rows = [
            format!("{code},2026-11-20 09:00,呼出,61,接通"),
            format!("{code},2026-11-20 10:00,呼出,62,未接"),
        ];
        let header = "工号,开始时间,方向,通话时长(秒),结果";
        let first = format!("{header}\n{}", rows.join("\n"));
        let job = import(&app, &rep, "calls", "a.csv", first).await;
        assert_eq!(job["state"], "done", "{backend}: {job}");
        assert_eq!(app.store.count_rows("calls").await.unwrap(), calls + 2);

        // A trailing newline, CRLF, trailing blank lines and cells: the same rows.
        for again in [
            format!("{header}\n{}\n", rows.join("\n")),
            format!("{header}\r\n{}\r\n", rows.join("\r\n")),
            format!("\u{feff}{header}\n{}\n\n,,\n\n", rows.join("\n")),
        ] {
            let job = import(&app, &rep, "calls", "b.csv", again).await;
            assert_eq!(job["state"], "rejected", "{backend}: {job}");
            // The reason (in the rep's language) names the file imported before.
            assert!(
                job["report"]["errors"][0]["reason"]
                    .as_str()
                    .unwrap()
                    .contains("a.csv"),
                "{backend}: {job}"
            );
        }
        assert_eq!(app.store.count_rows("calls").await.unwrap(), calls + 2);

        // One row more is another file: imported (the boundary of the rule).
        let more = format!(
            "{header}\n{}\n{code},2026-11-20 11:00,呼出,63,接通\n",
            rows.join("\n")
        );
        let job = import(&app, &rep, "calls", "c.csv", more).await;
        assert_eq!(job["state"], "done", "{backend}: {job}");
        assert_eq!(app.store.count_rows("calls").await.unwrap(), calls + 5);
    }
}

#[tokio::test]
async fn csv_exports_neutralise_formulas_and_keep_negative_numbers() {
    // (A leading tab or carriage return is trimmed from a stored name; the domain's
    // `csv_text_cells_that_look_like_formulas_get_a_quote_and_read_back_without_it` covers them.)
    let hostile = ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-x", "@SUM(1)"];
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        let admin = sign_in(&app, "admin").await;
        let code = rep_code(&app).await;
        let mut file = String::from("客户档案编号,客户名称,客户分类,负责人工号\n");
        for (i, name) in hostile.iter().enumerate() {
            let quoted = name.replace('"', "\"\"");
            file.push_str(&format!("HOSTILE-{i},\"{quoted}\",一般,{code}\n"));
        }
        let job = import(&app, &admin, "customers", "hostile.csv", file).await;
        assert_eq!(job["state"], "done", "{backend}: {job}");

        let csv = admin
            .0
            .get(app.url("/records/customers/export?format=csv"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let mut rows = kaohe_domain::import::files::CsvRows::new(csv.as_bytes());
        let mut raw = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(csv.as_bytes());
        let names: Vec<String> = raw
            .records()
            .map(|r| r.unwrap()[2].to_string())
            .filter(|n| n.contains('x') || n.contains('1'))
            .collect();
        for name in hostile {
            let written = format!("'{name}");
            assert!(
                names.contains(&written),
                "{backend}: {name:?} is written as {written:?}: {names:?}"
            );
        }
        // Our own import reads them back as they were.
        let mut buf = Vec::new();
        let mut read = Vec::new();
        while kaohe_domain::import::files::RowSource::next_row(&mut rows, &mut buf).unwrap() {
            read.push(buf[2].clone());
        }
        for name in hostile {
            assert!(read.iter().any(|r| r == name), "{backend}: {name:?}");
        }
    }
}

/// Runs the real binary against `db`.
fn kaohe(db: &kaohe_testkit::TestDb, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kaohe"))
        .env_remove("KAOHE_DATABASE_URL")
        .env_remove("KAOHE_CONFIG")
        .env("KAOHE_LOG", "error")
        .arg("--db")
        .arg(&db.url)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[tokio::test]
async fn kaohe_import_refuses_the_far_cell_workbook_with_a_clear_error_and_does_not_abort() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        db.open().await.close().await;
        let dir = tempfile::tempdir().unwrap();
        for declared in [true, false] {
            let path = dir.path().join("big.xlsx");
            std::fs::write(&path, far_cell_workbook(declared)).unwrap();
            let out = kaohe(&db, &["import", "departments", path.to_str().unwrap()]);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{backend}: {stderr}");
            assert!(
                stderr.contains("XFD1048576") && stderr.contains("256"),
                "{backend}: {stderr}"
            );
            assert!(!stderr.contains("memory allocation"), "{backend}: {stderr}");
        }
        let bomb = dir.path().join("bomb.xlsx");
        std::fs::write(&bomb, zip_bomb(2048)).unwrap();
        let out = kaohe(&db, &["import", "departments", bomb.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{backend}: {stderr}");
        assert!(stderr.contains("zip bomb"), "{backend}: {stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kinds_own_upload_limit_applies_below_the_roles() {
    let limits = kaohe_web::import::UploadLimits {
        by_kind: std::sync::Arc::new([("departments".to_string(), 1024)].into()),
        ..Default::default()
    };
    let app = support::spawn_demo_with(kaohe_testkit::sqlite(), move |s| {
        s.with_upload_limits(limits)
    })
    .await;
    let admin = sign_in(&app, "admin").await;
    let mut file = String::from("编码,名称\n");
    file.push_str(&"\n".repeat(1025 - file.len()));
    let (status, answer) = upload(&app, &admin, "departments", "d.csv", file.clone()).await;
    assert_eq!(status, 413, "{answer}");
    assert!(answer.to_string().contains("1 KB"), "{answer}");
    // The same bytes of another kind are within the administrator's limit.
    let (status, answer) = upload(&app, &admin, "calls", "c.csv", file).await;
    assert_eq!(status, 200, "{answer}");
}
