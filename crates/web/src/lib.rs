//! kaohe's web application: routes, sessions, pages and the JSON API over [`kaohe_store`].

pub mod account;
pub mod admin;
pub mod api;
pub mod appeals;
pub mod audit;
pub mod auth;
pub mod awards;
pub mod behaviour;
pub mod boards;
pub mod bonus_bases;
pub mod cache;
pub mod charts;
pub mod cycle;
pub(crate) mod cycle_forms;
pub mod error;
pub mod extract;
pub mod finance;
pub mod forms;
pub mod heavy;
pub mod i18n;
pub mod import;
pub mod ladder;
pub mod links;
pub mod openapi;
pub mod pages;
pub mod periods;
pub mod rate;
pub mod records;
pub mod scorecard;
pub mod scoretable;
pub mod server;
pub mod steps;
pub mod training;

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use kaohe_store::Store;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// A kept dashboard's key: the account, its session's CSRF token (the page embeds it) and the
/// language.
pub type DashboardKey = (i64, String, i18n::Lang);

/// A kept page's key: the account, the language, the page and its parameters.
pub type ViewKey = (i64, i18n::Lang, &'static str, String);

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub templates: Arc<minijinja::Environment<'static>>,
    pub company_name: Arc<str>,
    /// Mark cookies `Secure` (set when kaohe runs behind TLS).
    pub secure_cookies: bool,
    /// The company's default language (users may choose their own).
    pub default_lang: i18n::Lang,
    /// Shown on the sign-in page of a demo database: the demo logins.
    pub demo_hint: Option<Arc<str>>,
    /// The company time zone of local times in lists, files and forms.
    pub zone: kaohe_store::records::CompanyZone,
    /// Imports running in the background and their outcomes.
    pub imports: Arc<import::Jobs>,
    /// The company-local day of cycle steps.
    pub clock: Clock,
    /// The largest import upload accepted from each role, in bytes.
    pub upload_limits: import::UploadLimits,
    /// What an imported file may hold (rows, columns, cells, unpacked size).
    pub read_limits: kaohe_domain::import::files::ReadLimits,
    /// Signed-in identities by session or token, while nothing they depend on changed.
    pub identities: Arc<cache::Cache<String, auth::Identity>>,
    /// Rendered dashboards by account, session and language, while their data is unchanged.
    pub dashboards: Arc<cache::Cache<DashboardKey, axum::body::Bytes>>,
    /// The server's connection limits ([`server::serve`]).
    pub server_limits: server::ServerLimits,
    /// Expensive requests running now, by account ([`heavy`]).
    pub heavy: Arc<heavy::HeavyWork>,
    /// What the pages that sum a company's records show, by account, language, page and
    /// parameters, while no commit changed anything ([`pages::kept_view`]).
    pub views: Arc<cache::Cache<ViewKey, minijinja::Value>>,
    /// Sign-in tries per address and minute ([`auth::SignInLimit`]).
    pub sign_in_limit: Arc<auth::SignInLimit>,
    /// Evaluations of a period started from the close page, and their progress.
    pub evaluations: Arc<periods::EvalJobs>,
}

/// The company-local "today" of cycle steps: the wall clock in the company time zone, or a
/// fixed day (tests and demonstrations set one).
#[derive(Clone, Default)]
pub struct Clock(Arc<std::sync::RwLock<Option<chrono::NaiveDate>>>);

impl Clock {
    /// Fixes today to `day` (`None` follows the wall clock again).
    pub fn set(&self, day: Option<chrono::NaiveDate>) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = day;
    }

    /// Today in `zone`, or the fixed day.
    pub fn today(&self, zone: chrono_tz::Tz) -> chrono::NaiveDate {
        let fixed = *self.0.read().unwrap_or_else(|e| e.into_inner());
        fixed.unwrap_or_else(|| chrono::Utc::now().with_timezone(&zone).date_naive())
    }
}

impl AppState {
    /// State over an open store.
    pub fn new(store: Store, company_name: &str, secure_cookies: bool) -> Self {
        AppState {
            store,
            templates: Arc::new(pages::environment()),
            company_name: company_name.into(),
            secure_cookies,
            default_lang: i18n::Lang::Zh,
            demo_hint: None,
            zone: kaohe_store::records::CompanyZone(chrono_tz::Asia::Shanghai),
            imports: Arc::default(),
            clock: Clock::default(),
            upload_limits: import::UploadLimits::default(),
            read_limits: Default::default(),
            identities: Arc::new(cache::Cache::new(cache::IDENTITY_MAX_AGE)),
            dashboards: Arc::new(cache::Cache::new(cache::DASHBOARD_MAX_AGE)),
            views: Arc::new(cache::Cache::new(cache::DASHBOARD_MAX_AGE)),
            server_limits: server::ServerLimits::default(),
            heavy: Arc::default(),
            sign_in_limit: Arc::new(auth::SignInLimit::new(auth::SIGN_INS_PER_MINUTE)),
            evaluations: Arc::default(),
        }
    }

    /// Sets the server's connection limits (default [`server::ServerLimits::default`]).
    pub fn with_server_limits(mut self, limits: server::ServerLimits) -> Self {
        self.server_limits = limits;
        self
    }

    /// Sets how many expensive requests one account may have running at once (default
    /// [`heavy::PER_USER`]).
    pub fn with_heavy_per_user(mut self, per_user: usize) -> Self {
        self.heavy = Arc::new(heavy::HeavyWork::new(per_user));
        self
    }

    /// Sets the sign-in tries allowed per address and minute (default
    /// [`auth::SIGN_INS_PER_MINUTE`]; 0: no limit, e.g. behind a proxy that limits itself).
    pub fn with_sign_in_limit(mut self, per_minute: u32) -> Self {
        self.sign_in_limit = Arc::new(auth::SignInLimit::new(per_minute));
        self
    }

    /// Sets the largest import upload accepted from the roles that import in bulk (default
    /// [`import::MAX_UPLOAD_BYTES`]); no role may then upload more.
    pub fn with_max_upload_bytes(mut self, bytes: u64) -> Self {
        self.upload_limits.bulk = bytes;
        self.upload_limits.personal = self.upload_limits.personal.min(bytes);
        self
    }

    /// Sets the largest import upload accepted from each role.
    pub fn with_upload_limits(mut self, limits: import::UploadLimits) -> Self {
        self.upload_limits = limits;
        self
    }

    /// Sets what an imported file may hold.
    pub fn with_read_limits(mut self, limits: kaohe_domain::import::files::ReadLimits) -> Self {
        self.read_limits = limits;
        self
    }

    /// The company-local day of a cycle step taken now.
    pub fn today(&self) -> chrono::NaiveDate {
        self.clock.today(self.zone.0)
    }

    /// Sets the company time zone (default Asia/Shanghai).
    pub fn with_time_zone(mut self, tz: chrono_tz::Tz) -> Self {
        self.zone = kaohe_store::records::CompanyZone(tz);
        self
    }

    /// Sets the company's default language (`zh-CN` or `en`).
    pub fn with_language(mut self, tag: &str) -> Self {
        self.default_lang = i18n::Lang::from_tag(tag);
        self
    }

    /// Shows the demo logins on the sign-in page.
    pub fn with_demo_hint(mut self, hint: Option<String>) -> Self {
        self.demo_hint = hint.map(Into::into);
        self
    }
}

/// How long `/healthz` waits for its test write: longer means the writer is busy with a long
/// write (a large import), which is not a fault.
const HEALTH_WRITE_WAIT: Duration = Duration::from_secs(3);

/// `GET /healthz`: 200 when the database answers a read and takes a write; 503 naming the
/// fault (a full disk, a read-only database, a broken connection) otherwise.
async fn healthz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> (StatusCode, Json<serde_json::Value>) {
    let backend = state.store.backend_name();
    let unavailable = |e: kaohe_store::StoreError| {
        tracing::error!(error = %e, "health check failed");
        let reason = e
            .write_fault()
            .map_or("the database does not answer", |f| f.describe());
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "backend": backend, "reason": reason })),
        )
    };
    if let Err(e) = state.store.ping().await {
        return unavailable(e);
    }
    let write = match tokio::time::timeout(HEALTH_WRITE_WAIT, state.store.check_writable()).await {
        Ok(Ok(())) => "ok",
        Ok(Err(e)) if e.is_busy() => "busy",
        Ok(Err(e)) => return unavailable(e),
        Err(_) => "busy",
    };
    (
        StatusCode::OK,
        Json(json!({ "status": "ok", "backend": backend, "write": write })),
    )
}

/// Every route of the application.
pub fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .route("/", get(boards::dashboard))
        .route("/board", get(boards::board))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/healthz", get(healthz))
        .route("/assets/{*path}", get(pages::asset))
        .route("/api/me", get(api::me))
        .route("/account", get(account::page))
        .route("/account/language", post(account::language))
        .route("/account/password", post(account::password))
        .route("/account/tokens", post(account::create_token))
        .route("/account/tokens/revoke", post(account::revoke_token))
        .route(
            "/api/account/tokens",
            get(account::tokens_api).post(account::create_token_api),
        )
        .route(
            "/api/account/tokens/{name}",
            axum::routing::delete(account::revoke_token_api),
        )
        .route("/api/departments", get(api::departments))
        .route("/api/teams", get(api::teams))
        .route("/api/employees", get(api::employees))
        .route("/api/employees/{id}", get(api::employee))
        .route("/api/stats", get(api::stats))
        .route("/api/scorecard", get(scorecard::api))
        .route("/scorecard", get(scorecard::page))
        .route("/api/explain", get(scorecard::explain))
        .route("/records", get(records::index))
        .route("/records/{kind}", get(records::page))
        .route("/records/{kind}/export", get(records::export))
        .route("/records/{kind}/new", get(forms::new_page).post(forms::create))
        .route("/records/{kind}/{id}/edit", get(forms::edit_page).post(forms::update))
        .route("/records/{kind}/{id}/step", post(forms::step))
        .route("/api/records/{kind}", post(forms::api_create))
        .route("/api/records/{kind}/{id}", axum::routing::put(forms::api_update))
        .route("/audit", get(audit::page))
        .route("/api/audit", get(audit::api))
        .route("/import", get(import::page))
        .route("/api/import", post(import::start))
        .route("/api/import/{id}", get(import::progress))
        .route("/scoretable", get(scoretable::page))
        .route("/scoretable.xlsx", get(scoretable::download))
        .route("/periods", get(periods::list))
        .route("/periods/{period}", get(periods::page))
        .route("/periods/{period}/evaluate", post(periods::evaluate_form))
        .route(
            "/periods/{period}/consolidate",
            get(periods::preview_page).post(periods::consolidate_form),
        )
        .route("/periods/{period}/approve", post(periods::approve_form))
        .route("/periods/{period}/lock", post(periods::lock_form))
        .route("/api/periods/{period}", get(periods::overview_api))
        .route("/api/periods/{period}/evaluate", post(periods::evaluate_api))
        .route("/api/evaluations/{id}", get(periods::evaluation_api))
        .route(
            "/api/periods/{period}/consolidate/preview",
            get(periods::preview_api),
        )
        .route("/api/periods/{period}/consolidate", post(periods::consolidate_api))
        .route("/api/periods/{period}/approve", post(periods::approve_api))
        .route("/api/periods/{period}/lock", post(periods::lock_api))
        .route("/finance", get(finance::index))
        .route("/finance/{period}", get(finance::page))
        .route("/finance/{period}/paid", post(finance::paid_form))
        .route("/finance/{period}/{file}", get(finance::payroll))
        .route("/api/finance/{period}", get(finance::api))
        .route("/api/finance/{period}/paid", post(finance::paid_api))
        .route("/inbox", get(cycle::inbox_page))
        .route("/api/inbox", get(cycle::inbox_api))
        .route("/cycle", get(cycle::find))
        .route("/cycle/open", post(cycle::open))
        .route("/cycle/{period}/{employee}", get(cycle::page).post(cycle::form))
        .route("/api/cycle", get(cycle::api_state))
        .route("/api/cycle/act", post(cycle::api_act))
        .route(
            "/cycle/{period}/{employee}/behaviour",
            post(behaviour::form),
        )
        .route(
            "/api/cycle/behaviour",
            get(behaviour::api_get).post(behaviour::api_post),
        )
        .route("/cycle/{period}/{employee}/links", post(links::issue_form))
        .route(
            "/cycle/{period}/{employee}/links/{id}/revoke",
            post(links::revoke_form),
        )
        .route(
            "/api/cycle/links",
            get(links::list_api).post(links::issue_api),
        )
        .route("/api/cycle/links/{id}/revoke", post(links::revoke_api))
        .route("/appeals", get(appeals::list))
        .route("/appeals/{id}", get(appeals::page).post(appeals::form))
        .route("/rate/{token}", get(rate::page).post(rate::submit))
        .route("/api/contracts/{id}/steps", post(steps::contract))
        .route("/api/expenses/{id}/steps", post(steps::expense))
        .route("/awards", get(awards::page))
        .route("/awards/compute", post(awards::compute_form))
        .route("/awards/decide", post(awards::decide_form))
        .route("/api/awards", get(awards::awards_api))
        .route("/api/awards/compute", post(awards::compute_api))
        .route("/api/awards/{id}/decision", post(awards::award_decision_api))
        .route("/api/awards/{id}/paid", post(awards::paid_api))
        .route("/ladder", get(ladder::page))
        .route("/ladder/evaluate", post(ladder::evaluate_form))
        .route("/ladder/decide", post(ladder::decide_form))
        .route("/ladder/{employee}", get(ladder::person_page))
        .route("/api/ladder", get(ladder::ladder_api))
        .route("/api/ladder/evaluate", post(ladder::evaluate_api))
        .route("/api/ladder/history/{employee}", get(ladder::history_api))
        .route("/api/ladder/{id}/decision", post(ladder::decision_api))
        .route("/training", get(training::page))
        .route("/training/probation", post(training::probation_form))
        .route("/api/training/report", get(training::report_api))
        .route("/meetings", get(training::meetings_page))
        .route("/api/meetings/weeks", get(training::weeks_api))
        .route("/api/meetings/decisions", get(training::decisions_api))
        .route("/credit", get(training::credit_page))
        .route("/credit/approve", post(training::approve_form))
        .route("/api/credit/check", get(training::check_api))
        .route("/api/credit/ageing", get(training::ageing_api))
        .route(
            "/api/credit/approvals",
            get(training::approvals_api).post(training::approve_api),
        )
        .route("/admin", get(admin::index))
        .route("/admin/org", get(admin::org_page))
        .route("/admin/users", get(admin::users_page).post(admin::create_user))
        .route("/admin/users/password", post(admin::reset_password))
        .route("/admin/users/active", post(admin::set_active))
        .route("/admin/users/{username}/tokens", get(admin::tokens_page))
        .route("/admin/users/tokens/revoke", post(admin::revoke_token))
        .route("/admin/calendar", get(admin::calendar_page).post(admin::add_day))
        .route("/admin/calendar/remove", post(admin::remove_day))
        .route(
            "/admin/bonus-bases",
            get(bonus_bases::page).post(bonus_bases::set_form),
        )
        .route(
            "/api/bonus-bases",
            get(bonus_bases::list_api).post(bonus_bases::set_api),
        )
        .route("/admin/calendar/export", get(admin::export_calendar))
        .route("/api/calendar", get(admin::calendar_api).post(admin::add_day_api))
        .route("/api/calendar/{day}", delete(admin::remove_day_api))
        .route("/admin/library", get(admin::library_page))
        .route("/admin/library/{code}", get(admin::formula_page).post(admin::save_formula))
        .route("/admin/library/schemes/{code}", post(admin::save_weights))
        .route("/api/formula/check", post(admin::check_api))
        .route("/api/rollups", get(admin::rollups_api))
        .route("/api/formula/preview", post(admin::preview_api))
        .route("/api/openapi.json", get(openapi::document))
        // After every route: a wrong method or path answers the JSON error body too.
        .method_not_allowed_fallback(error::method_not_allowed)
        .fallback(error::no_route)
        .with_state(state)
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(error::panic_response))
        // Security headers on every response (OWASP ASVS 14.4): no framing (clickjacking), no
        // MIME sniffing, no referrer to other sites (rating links carry their token in the path).
        .layer(always(header::X_FRAME_OPTIONS, "DENY"))
        .layer(always(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(always(header::REFERRER_POLICY, "no-referrer"))
        .layer(always(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(60)))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), uri = %req.uri(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

/// The policy of every page: scripts and styles from kaohe only (the pages' scripts are
/// files under `/assets`; inline styles are allowed for the server-drawn charts), no framing by
/// other sites, forms that post only to kaohe.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; \
    base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// A header set on every response that has none of its own.
fn always(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// Binds `addr`, with a clear message when the port is taken.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, String> {
    TcpListener::bind(addr).await.map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => format!(
            "port {} on {} is already in use (choose another with --port)",
            addr.port(),
            addr.ip()
        ),
        std::io::ErrorKind::PermissionDenied => {
            format!("not allowed to listen on {addr} (ports below 1024 need privileges)")
        }
        _ => format!("cannot listen on {addr}: {e}"),
    })
}

/// Serves until `shutdown` completes; in-flight requests are finished first.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // No import of an earlier server process runs any more: say so instead of "running".
    match state.store.interrupt_running_import_jobs().await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(jobs = n, "imports interrupted by the last stop"),
        Err(e) => tracing::error!(error = %e, "could not mark interrupted imports"),
    }
    let builder = tokio::spawn(build_rollups(state.store.clone()));
    let limits = state.server_limits;
    let served = server::serve(listener, router(state), limits, shutdown).await;
    // A build cut short leaves its measures not ready; the next start builds them again.
    builder.abort();
    served
}

/// Builds the roll-ups of measures a library change registered, in the background, for as
/// long as the server runs: at start (a database upgraded from an earlier kaohe may lack the
/// boards' or the library's measures), then whenever the library changes. Until a measure is
/// built, readers compute it from the records, so no request waits for this.
async fn build_rollups(store: kaohe_store::Store) {
    match store.queue_library_rollups().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            measures = n,
            "roll-ups to build for measures new to this database"
        ),
        Err(e) => tracing::error!(error = %e, "could not list the measures to build"),
    }
    loop {
        let retry = match store.build_pending_rollups(&|_, _| {}).await {
            Ok(_) => None,
            Err(e) => {
                tracing::error!(error = %e, "building the roll-ups of new measures failed");
                Some(std::time::Duration::from_secs(60))
            }
        };
        match retry {
            Some(after) => {
                tokio::select! {
                    () = store.rollup_work_waiting() => {}
                    () = tokio::time::sleep(after) => {}
                }
            }
            None => store.rollup_work_waiting().await,
        }
    }
}
