//! Importing a record file from the browser: the file is uploaded as the request body
//! (`POST /api/import?kind=calls&name=calls.csv`, CSRF token in `X-CSRF-Token`). A role that
//! does not import the kind is refused (403) before the body is read, and a body larger than
//! the role may upload ([`UploadLimits`]) is refused (413) as soon as its `Content-Length` or
//! its bytes pass the limit. The body is spooled to a temporary file (a workbook is opened
//! there, within [`ReadLimits`]), and imported by a background task through the same all-or-nothing store
//! import as `kaohe import`; the page polls `GET /api/import/{id}` for the rows read so far,
//! then the outcome or the error report (row, column, value, reason). Each job's state and
//! outcome are also in the database (`kaohe_store::import_jobs`): a reloaded page
//! (`/import?job=ID`) finds it, and after a server restart a job that was running reads as
//! interrupted. The rows read so far are known to the running process only.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::extract::{Path, Query};
use crate::openapi::ErrorBody;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Html;
use futures_util::TryStreamExt;
use kaohe_domain::import::ErrorReport;
use kaohe_domain::import::files::{CsvRows, ReadLimits, RowSource, XlsxRows};
use kaohe_domain::import::spec::KindSpec;
use kaohe_domain::roles::Role;
use kaohe_store::records::{ImportFailure, ImportOptions, ImportOutcome};
use kaohe_store::{Store, Viewer};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{BufReader, Seek, Write};

use std::sync::Mutex;

/// The largest file the browser may upload (a CSV of a few million rows), for the roles that
/// import in bulk (see [`UploadLimits`]).
pub const MAX_UPLOAD_BYTES: u64 = 2 << 30;
/// The largest file the other roles may upload: a person's own calls or visits of a month
/// are a few hundred KB.
pub const MAX_PERSONAL_UPLOAD_BYTES: u64 = 8 << 20;

/// The largest upload by role: administrators, HR, finance and sales clerks import the
/// company's files in bulk; reps, team leaders, managers, customer service and the committee
/// import their own records. Which kinds a role may import at all is the store's
/// ([`Store::may_import`]), checked before this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadLimits {
    /// Bytes for the roles that import in bulk.
    pub bulk: u64,
    /// Bytes for everyone else.
    pub personal: u64,
    /// Bytes by record kind (`calls`, `departments`, …), below the role's limit: a company's
    /// departments or positions never fill more than a few KB.
    pub by_kind: std::sync::Arc<BTreeMap<String, u64>>,
}

impl Default for UploadLimits {
    fn default() -> Self {
        UploadLimits {
            bulk: MAX_UPLOAD_BYTES,
            personal: MAX_PERSONAL_UPLOAD_BYTES,
            by_kind: std::sync::Arc::default(),
        }
    }
}

impl UploadLimits {
    /// The largest upload `role` may send.
    pub fn for_role(&self, role: Role) -> u64 {
        match role {
            Role::Admin | Role::Hr | Role::Finance | Role::Clerk => self.bulk,
            _ => self.personal,
        }
    }

    /// The largest upload `role` may send of records of `kind`.
    pub fn for_upload(&self, role: Role, kind: &str) -> u64 {
        let by_role = self.for_role(role);
        self.by_kind.get(kind).map_or(by_role, |&k| by_role.min(k))
    }
}
/// How many imports this process remembers in memory (the database keeps them all).
const KEPT_JOBS: usize = 200;

/// Where an import stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Running,
    /// Every row landed.
    Done,
    /// The file had errors; nothing was written.
    Rejected,
    /// The import could not run (a database failure, a refused role).
    Failed,
    /// The server stopped while it ran; nothing was written.
    Interrupted,
}

impl JobState {
    fn as_str(self) -> &'static str {
        match self {
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Rejected => "rejected",
            JobState::Failed => "failed",
            JobState::Interrupted => "interrupted",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "running" => JobState::Running,
            "done" => JobState::Done,
            "rejected" => JobState::Rejected,
            "interrupted" => JobState::Interrupted,
            _ => JobState::Failed,
        }
    }
}

/// One import started from the web.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Job {
    pub id: i64,
    #[serde(skip)]
    pub user_id: i64,
    pub kind: String,
    pub file: String,
    pub state: JobState,
    /// Rows read so far.
    pub rows_read: u64,
    /// Rows in the file, estimated from its lines (for the progress bar).
    pub rows_estimate: u64,
    /// Rows imported, once done.
    pub rows: Option<u64>,
    /// The error report of a rejected file: every bad cell (row, column, value, reason).
    #[schema(value_type = Option<Object>)]
    pub report: Option<ErrorReport>,
    pub error: Option<String>,
}

/// The imports of this server process.
#[derive(Debug, Default)]
pub struct Jobs {
    jobs: Mutex<BTreeMap<i64, Job>>,
}

impl Jobs {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<i64, Job>> {
        // A panic while holding the lock leaves plain data behind; keep serving it.
        self.jobs.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn add(&self, job: Job) {
        let mut jobs = self.lock();
        jobs.insert(job.id, job);
        while jobs.len() > KEPT_JOBS {
            jobs.pop_first();
        }
    }

    fn update(&self, id: i64, f: impl FnOnce(&mut Job)) {
        if let Some(j) = self.lock().get_mut(&id) {
            f(j);
        }
    }

    /// The job `id` if `user_id` started it.
    pub fn get(&self, id: i64, user_id: i64) -> Option<Job> {
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
        kinds => crate::records::import_kind_links(me.lang),
        chosen => q.kind,
    };
    crate::pages::render_page(&state, &me, "import.html", ctx)
}

/// `?kind=calls&name=calls.csv`
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StartQuery {
    /// The record kind (`calls`, `orders`, …) or `behaviour` (behaviour factors).
    pub kind: String,
    /// The file's name, ending in `.csv` or `.xlsx`.
    pub name: String,
}

/// `{"job": id}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Started {
    /// The import job, to poll at `GET /api/import/{id}`.
    pub job: i64,
}

/// `POST /api/import`: spools the body and starts the import; answers `{"job": id}`.
#[utoipa::path(post, path = "/api/import", tag = "records", params(StartQuery),
    request_body(content = Vec<u8>, description = "The file, as CSV or xlsx bytes",
        content_type = "application/octet-stream"),
    responses(
        (status = 200, description = "The import started", body = Started),
        (status = 403, description = "The role does not import this kind (the body is not read)", body = ErrorBody),
        (status = 404, description = "No such record kind", body = ErrorBody),
        (status = 413, description = "Larger than the role may upload", body = ErrorBody),
        (status = 422, description = "Not a .csv or .xlsx name, a broken upload, or a workbook beyond the limits", body = ErrorBody),
    ))]
pub async fn start(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<StartQuery>,
    body: Body,
) -> Result<Json<serde_json::Value>, WebError> {
    me.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))?;
    let spec = kaohe_domain::import::spec::import_kind(&q.kind).map_err(WebError::NotFound)?;
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
    // Who may import what is settled before a byte of the body is read.
    Store::may_import(&me.viewer, spec)?;
    let limit = state.upload_limits.for_upload(me.viewer.role, spec.kind);
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large(&q.name, limit));
    }
    let upload = spool(body, limit, &q.name).await?;
    let source = open_source(&upload, xlsx, &q.name, state.read_limits).await?;
    let rows_estimate = upload.lines.saturating_sub(1);
    let id = state
        .store
        .start_import_job(me.user.id, spec.kind, &q.name, rows_estimate as i64)
        .await?;
    let job = Job {
        id,
        user_id: me.user.id,
        kind: spec.kind.to_string(),
        file: q.name.clone(),
        state: JobState::Running,
        rows_read: 0,
        rows_estimate,
        rows: None,
        report: None,
        error: None,
    };
    state.imports.add(job);
    let run = Run {
        store: state.store.clone(),
        viewer: me.viewer.clone(),
        spec,
        zone: state.zone,
        jobs: state.imports.clone(),
        id,
        name: q.name,
        zh: me.lang == crate::i18n::Lang::Zh,
    };
    run_apart(run.go(upload, source));
    Ok(Json(serde_json::json!({ "job": id })))
}

/// Runs an import on the imports' own threads (a runtime of two workers, so that parsing and
/// writing still overlap): a file of millions of rows keeps its threads busy for minutes, and on
/// the server's workers it would hold up every request queued behind it. The runtime lives as
/// long as the process: a database connection opened on it stays usable by the server after the
/// import ends.
fn run_apart(import: impl std::future::Future<Output = ()> + Send + 'static) {
    static IMPORTS: std::sync::OnceLock<Option<tokio::runtime::Runtime>> =
        std::sync::OnceLock::new();
    let runtime = IMPORTS.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("kaohe-import")
            .enable_all()
            .build()
            .inspect_err(|e| tracing::warn!(error = %e, "no runtime of its own for imports"))
            .ok()
    });
    match runtime {
        Some(r) => drop(r.spawn(import)),
        None => drop(tokio::spawn(import)),
    }
}

/// `GET /api/import/{id}`: the job's progress or outcome (only to whoever started it): live
/// from this process while it runs here, otherwise as the database has it.
#[utoipa::path(get, path = "/api/import/{id}", tag = "records",
    params(("id" = i64, Path, description = "The import job")),
    responses(
        (status = 200, description = "The job's progress or outcome", body = Job),
        (status = 404, description = "No such job started by the caller", body = ErrorBody),
    ))]
pub async fn progress(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Job>, WebError> {
    if let Some(job) = state.imports.get(id, me.user.id) {
        return Ok(Json(job));
    }
    let row = state
        .store
        .import_job(id, me.user.id)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("import {id} not found")))?;
    let job_state = JobState::parse(&row.state);
    let rows = row.rows_done.map(|r| r.max(0) as u64);
    Ok(Json(Job {
        id: row.id,
        user_id: row.user_id,
        kind: row.kind,
        file: row.file_name,
        state: job_state,
        rows_read: rows.unwrap_or(0),
        rows_estimate: row.rows_estimate.max(0) as u64,
        rows,
        report: row.report.and_then(|r| serde_json::from_str(&r).ok()),
        error: row.error,
    }))
}

/// An uploaded file on disk with its fingerprint.
struct Upload {
    file: tempfile::NamedTempFile,
    sha256: String,
    lines: u64,
}

/// 413: the upload is larger than `limit`.
fn too_large(name: &str, limit: u64) -> WebError {
    WebError::Malformed {
        status: axum::http::StatusCode::PAYLOAD_TOO_LARGE,
        field: "file".into(),
        message: format!(
            "{name}: the file is larger than {} KB, the most your role may upload of this kind of record; nothing was imported",
            limit >> 10
        ),
    }
}

/// The rows of the spooled file. A workbook is opened here, so that one beyond the limits
/// (a zip bomb, a sheet declaring millions of columns) is refused with 422 before a job starts;
/// its cells are read as the import asks for rows.
async fn open_source(
    upload: &Upload,
    xlsx: bool,
    name: &str,
    limits: ReadLimits,
) -> Result<Box<dyn RowSource + Send>, WebError> {
    let reopen = upload
        .file
        .reopen()
        .map_err(|e| WebError::Internal(format!("reopening an upload: {e}")))?;
    if !xlsx {
        let csv = CsvRows::with_limits(BufReader::with_capacity(1 << 20, reopen), &limits);
        return Ok(Box::new(csv));
    }
    let opened =
        tokio::task::spawn_blocking(move || XlsxRows::with_limits(BufReader::new(reopen), &limits))
            .await
            .map_err(|e| WebError::Internal(format!("opening a workbook: {e}")))?;
    match opened {
        Ok(rows) => Ok(Box::new(rows)),
        Err(e) => Err(WebError::Invalid {
            field: "file".into(),
            message: format!("{name}: {e}; nothing was imported"),
        }),
    }
}

/// Writes the request body to a temporary file, hashing it and counting its lines on the way.
async fn spool(body: Body, limit: u64, name: &str) -> Result<Upload, WebError> {
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
        if bytes > limit {
            return Err(too_large(name, limit));
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
    id: i64,
    name: String,
    /// The uploader's language: the report's reasons are kept in it.
    zh: bool,
}

impl Run {
    /// Runs the import; its outcome is stored before pollers see it, so a finished job reads
    /// as finished only once a restarted server would read it the same way.
    async fn go(self, upload: Upload, mut source: Box<dyn RowSource + Send>) {
        let outcome = self.import(&upload, source.as_mut()).await;
        drop(source);
        let (id, jobs) = (self.id, &self.jobs);
        let Some(mut j) = jobs.lock().get(&id).cloned() else {
            return;
        };
        match outcome {
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
        }
        let report = j
            .report
            .as_ref()
            .and_then(|r| serde_json::to_string(r).ok());
        let rows = j.rows.map(|r| r as i64);
        let saved = self
            .store
            .finish_import_job(id, j.state.as_str(), rows, report, j.error.clone())
            .await;
        if let Err(e) = saved {
            tracing::error!(error = %e, job = id, "could not record an import's outcome");
        }
        jobs.update(id, |cur| *cur = j);
    }

    async fn import(
        &self,
        upload: &Upload,
        source: &mut (dyn RowSource + Send),
    ) -> Result<ImportOutcome, ImportFailure> {
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
            .import(&self.viewer, self.spec, source, &opts)
            .await
    }
}
