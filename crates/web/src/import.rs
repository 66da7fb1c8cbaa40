//! Importing a record file from the browser: the file is uploaded as the request body
//! (`POST /api/import?kind=calls&name=calls.csv`, CSRF token in `X-CSRF-Token`), spooled to a
//! temporary file, and imported by a background task through the same all-or-nothing store
//! import as `kaohe import`; the page polls `GET /api/import/{id}` for the rows read so far,
//! then the outcome or the error report (row, column, value, reason).

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Html;
use futures_util::TryStreamExt;
use kaohe_domain::import::ErrorReport;
use kaohe_domain::import::files::{CsvRows, RowSource, XlsxRows};
use kaohe_domain::import::spec::KindSpec;
use kaohe_store::records::{ImportFailure, ImportOptions, ImportOutcome};
use kaohe_store::{Store, Viewer};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{BufReader, Seek, Write};
use std::sync::Mutex;

/// The largest file the browser may upload (a CSV of a few million rows).
pub const MAX_UPLOAD_BYTES: u64 = 2 << 30;
/// How many finished imports are remembered for their pages.
const KEPT_JOBS: usize = 200;

/// Where an import stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Running,
    /// Every row landed.
    Done,
    /// The file had errors; nothing was written.
    Rejected,
    /// The import could not run (a database failure, a refused role).
    Failed,
}

/// One import started from the web.
#[derive(Debug, Clone, Serialize)]
pub struct Job {
    pub id: u64,
    #[serde(skip)]
    pub user_id: i64,
    pub kind: &'static str,
    pub file: String,
    pub state: JobState,
    /// Rows read so far.
    pub rows_read: u64,
    /// Rows in the file, estimated from its lines (for the progress bar).
    pub rows_estimate: u64,
    /// Rows imported, once done.
    pub rows: Option<u64>,
    pub report: Option<ErrorReport>,
    pub error: Option<String>,
}

/// The imports of this server process.
#[derive(Debug, Default)]
pub struct Jobs {
    jobs: Mutex<BTreeMap<u64, Job>>,
}

impl Jobs {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Job>> {
        // A panic while holding the lock leaves plain data behind; keep serving it.
        self.jobs.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn add(&self, mut job: Job) -> u64 {
        let mut jobs = self.lock();
        job.id = jobs.keys().next_back().map_or(1, |k| k + 1);
        let id = job.id;
        jobs.insert(id, job);
        while jobs.len() > KEPT_JOBS {
            jobs.pop_first();
        }
        id
    }

    fn update(&self, id: u64, f: impl FnOnce(&mut Job)) {
        if let Some(j) = self.lock().get_mut(&id) {
            f(j);
        }
    }

    /// The job `id` if `user_id` started it.
    pub fn get(&self, id: u64, user_id: i64) -> Option<Job> {
        self.lock()
            .get(&id)
            .filter(|j| j.user_id == user_id)
            .cloned()
    }
}

/// `?kind=calls`: the kind chosen at first (the list page links its own kind).
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    pub kind: Option<String>,
}

/// `GET /import`: the upload form.
pub async fn page(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<PageQuery>,
) -> Result<Html<String>, WebError> {
    let ctx = minijinja::context! {
        kinds => crate::records::kind_links(me.lang),
        chosen => q.kind,
    };
    crate::pages::render_page(&state, &me, "import.html", ctx)
}

/// `?kind=calls&name=calls.csv`
#[derive(Debug, Deserialize)]
pub struct StartQuery {
    pub kind: String,
    pub name: String,
}

/// `POST /api/import`: spools the body and starts the import; answers `{"job": id}`.
pub async fn start(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<StartQuery>,
    body: Body,
) -> Result<Json<serde_json::Value>, WebError> {
    me.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let spec = crate::records::kind_spec(&q.kind)?;
    let xlsx = match q
        .name
        .rsplit('.')
        .next()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("csv") => false,
        Some("xlsx") => true,
        _ => {
            return Err(WebError::Invalid {
                field: "file".into(),
                message: format!("{}: the file name must end in .csv or .xlsx", q.name),
            });
        }
    };
    let upload = spool(body).await?;
    let job = Job {
        id: 0,
        user_id: me.user.id,
        kind: spec.kind,
        file: q.name.clone(),
        state: JobState::Running,
        rows_read: 0,
        rows_estimate: upload.lines.saturating_sub(1),
        rows: None,
        report: None,
        error: None,
    };
    let id = state.imports.add(job);
    let run = Run {
        store: state.store.clone(),
        viewer: me.viewer.clone(),
        spec,
        zone: state.zone,
        jobs: state.imports.clone(),
        id,
        name: q.name,
        xlsx,
        zh: me.lang == crate::i18n::Lang::Zh,
    };
    tokio::spawn(run.go(upload));
    Ok(Json(serde_json::json!({ "job": id })))
}

/// `GET /api/import/{id}`: the job's progress or outcome (only to whoever started it).
pub async fn progress(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<u64>,
) -> Result<Json<Job>, WebError> {
    state
        .imports
        .get(id, me.user.id)
        .map(Json)
        .ok_or_else(|| WebError::NotFound(format!("import {id} not found")))
}

/// An uploaded file on disk with its fingerprint.
struct Upload {
    file: tempfile::NamedTempFile,
    sha256: String,
    lines: u64,
}

/// Writes the request body to a temporary file, hashing it and counting its lines on the way.
async fn spool(body: Body) -> Result<Upload, WebError> {
    let io = |e: std::io::Error| WebError::Internal(format!("spooling an upload: {e}"));
    let mut file = tempfile::NamedTempFile::new().map_err(io)?;
    let mut hasher = Sha256::new();
    let (mut bytes, mut lines) = (0u64, 0u64);
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.try_next().await.map_err(|e| WebError::Invalid {
        field: "file".into(),
        message: format!("the upload broke off: {e}"),
    })? {
        bytes += chunk.len() as u64;
        if bytes > MAX_UPLOAD_BYTES {
            return Err(WebError::Invalid {
                field: "file".into(),
                message: format!("the file is larger than {} MB", MAX_UPLOAD_BYTES >> 20),
            });
        }
        hasher.update(&chunk);
        lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
        file.write_all(&chunk).map_err(io)?;
    }
    file.flush().map_err(io)?;
    file.rewind().map_err(io)?;
    Ok(Upload {
        file,
        sha256: hex::encode(hasher.finalize()),
        lines,
    })
}

/// One import running in the background.
struct Run {
    store: Store,
    viewer: Viewer,
    spec: &'static KindSpec,
    zone: kaohe_store::records::CompanyZone,
    jobs: std::sync::Arc<Jobs>,
    id: u64,
    name: String,
    xlsx: bool,
    /// The uploader's language: the report's reasons are kept in it.
    zh: bool,
}

impl Run {
    async fn go(self, upload: Upload) {
        let outcome = self.import(&upload).await;
        let (id, jobs) = (self.id, &self.jobs);
        jobs.update(id, |j| match outcome {
            Ok(o) => {
                j.state = JobState::Done;
                j.rows = Some(o.rows);
                j.rows_read = o.rows;
            }
            Err(ImportFailure::Rejected(report)) => {
                j.state = JobState::Rejected;
                j.report = Some(if self.zh { report.to_zh() } else { report });
            }
            Err(ImportFailure::Store(e)) => {
                tracing::warn!(error = %e, file = %self.name, "web import failed");
                j.state = JobState::Failed;
                j.error = Some(match e {
                    kaohe_store::StoreError::Database(_) => "internal error".into(),
                    other => other.to_string(),
                });
            }
        });
    }

    async fn import(&self, upload: &Upload) -> Result<ImportOutcome, ImportFailure> {
        let reopen = upload
            .file
            .reopen()
            .map_err(|e| invalid_file(&self.name, e))?;
        let mut source: Box<dyn RowSource + Send> = if self.xlsx {
            Box::new(
                XlsxRows::new(BufReader::new(reopen)).map_err(|e| invalid_file(&self.name, e))?,
            )
        } else {
            Box::new(CsvRows::new(BufReader::with_capacity(1 << 20, reopen)))
        };
        let (jobs, id) = (self.jobs.clone(), self.id);
        let progress = move |rows: u64| jobs.update(id, |j| j.rows_read = rows);
        let opts = ImportOptions {
            file_name: &self.name,
            sha256: Some(upload.sha256.clone()),
            dry_run: false,
            zone: &self.zone,
            progress: &progress,
        };
        self.store
            .import(&self.viewer, self.spec, source.as_mut(), &opts)
            .await
    }
}

/// A file that cannot be read at all is reported like a bad row: row 1, no column.
fn invalid_file(name: &str, e: impl std::fmt::Display) -> ImportFailure {
    let mut report = ErrorReport::new(name);
    report.push(1, "", "", e.to_string());
    ImportFailure::Rejected(report)
}
