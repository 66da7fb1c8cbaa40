//! Server-rendered pages. Templates and assets are embedded in the binary: kaohe works offline.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::i18n::{self, Lang};
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use kaohe_domain::roles::Scope;
use minijinja::{Environment, context};
use rust_embed::Embed;

#[derive(Embed)]
#[folder = "templates/"]
struct Templates;

#[derive(Embed)]
#[folder = "assets/"]
struct Assets;

/// Builds the template environment from the embedded templates.
pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    for name in Templates::iter() {
        let file = Templates::get(&name).expect("listed templates exist");
        let text = String::from_utf8(file.data.into_owned()).expect("templates are UTF-8");
        env.add_template_owned(name.to_string(), text)
            .expect("embedded templates parse");
    }
    env
}

fn render(state: &AppState, name: &str, ctx: minijinja::Value) -> Result<Html<String>, WebError> {
    let tmpl = state
        .templates
        .get_template(name)
        .map_err(|e| WebError::Internal(e.to_string()))?;
    tmpl.render(ctx)
        .map(Html)
        .map_err(|e| WebError::Internal(format!("template {name}: {e:#}")))
}

/// The sign-in page.
pub fn render_login(
    state: &AppState,
    lang: Lang,
    csrf: &str,
    error: Option<&str>,
) -> Result<Html<String>, WebError> {
    let demo = state.demo_hint.as_deref();
    let ctx = context! { tr => i18n::table(lang), lang => lang.tag(), csrf, error, company => &*state.company_name, demo };
    render(state, "login.html", ctx)
}

fn scope_key(scope: Scope) -> &'static str {
    match scope {
        Scope::Own => "scope_own",
        Scope::Team => "scope_team",
        Scope::Department => "scope_department",
        Scope::All => "scope_all",
    }
}

/// The header's board link for the roles that look after others: the board's name.
fn board_nav(me: &CurrentUser) -> Option<&'static str> {
    match me.viewer.scope() {
        Scope::Own => None,
        Scope::Team => Some(i18n::t(me.lang, "team_board")),
        Scope::Department => Some(i18n::t(me.lang, "department_board")),
        Scope::All => Some(i18n::t(me.lang, "company_board")),
    }
}

/// Renders a signed-in page: the common header context merged with the page's own.
pub fn render_page(
    state: &AppState,
    me: &CurrentUser,
    name: &str,
    page: minijinja::Value,
) -> Result<Html<String>, WebError> {
    let role_name = if me.lang == Lang::Zh {
        me.viewer.role.name_zh()
    } else {
        me.viewer.role.as_str()
    };
    let ctx = context! {
        tr => i18n::table(me.lang),
        lang => me.lang.tag(),
        csrf => me.csrf.as_str(),
        company => &*state.company_name,
        user => &me.user,
        inbox_count => me.inbox_count,
        role_name,
        scope => i18n::t(me.lang, scope_key(me.viewer.scope())),
        board_nav => board_nav(me),
        ..page
    };
    render(state, name, ctx)
}

/// What a page shows `me`, kept between requests while no commit changed anything (the
/// store's stamp of everyone) on the same company-local day, for at most
/// [`crate::cache::DASHBOARD_MAX_AGE`] (writes by another process): for the pages that sum the
/// company's records on every view (the credit ageing, the training report), which fifty
/// people reading at once would otherwise recompute fifty times. `build` runs only when
/// nothing usable is kept.
pub(crate) async fn kept_view(
    state: &AppState,
    me: &CurrentUser,
    page: &'static str,
    params: String,
    build: impl std::future::Future<Output = Result<minijinja::Value, WebError>>,
) -> Result<minijinja::Value, WebError> {
    // Taken before anything is read: a write committed meanwhile leaves the entry stale.
    let stamp = kaohe_store::generation::stamp_of_everyone();
    let day = state.today();
    let key = (me.user.id, me.lang, page, params);
    if let Some(view) = state.views.get(&key, stamp, day) {
        return Ok(view);
    }
    let view = build.await?;
    state.views.put(key, stamp, day, view.clone());
    Ok(view)
}

/// The overdue cycle steps in the viewer's scope (this month and last), for the roles that
/// look after others; `None` for a rep.
pub(crate) async fn overdue_steps(
    state: &AppState,
    me: &CurrentUser,
) -> Result<Option<Vec<serde_json::Value>>, WebError> {
    if me.viewer.scope() == Scope::Own {
        return Ok(None);
    }
    let today = state.today();
    let this = kaohe_domain::period::Period::Month {
        year: chrono::Datelike::year(&today),
        month: chrono::Datelike::month(&today),
    };
    let mut out = Vec::new();
    for period in [this.prev(), this] {
        for o in state.store.overdue(&me.viewer, period, today).await? {
            let (stage, pending) = if me.lang == Lang::Zh {
                (o.stage.name_zh(), o.pending.name_zh())
            } else {
                (o.stage.name_en(), o.pending.name_en())
            };
            out.push(serde_json::json!({
                "link": format!("/cycle/{period}/{}", o.employee_id),
                "period": period.to_string(), "code": o.employee_code, "name": o.name,
                "stage": stage, "pending": pending, "due_on": i18n::date(me.lang, o.due_on), "days": o.days,
            }));
        }
    }
    Ok(Some(out))
}

/// `GET /assets/{*path}`: embedded static files.
pub async fn asset(Path(path): Path<String>) -> Response {
    match Assets::get(&path) {
        Some(file) => {
            let mime = match path.rsplit('.').next() {
                Some("css") => "text/css; charset=utf-8",
                Some("js") => "text/javascript; charset=utf-8",
                Some("svg") => "image/svg+xml",
                _ => "application/octet-stream",
            };
            (
                [
                    (header::CONTENT_TYPE, mime),
                    (header::CACHE_CONTROL, "public, max-age=3600"),
                ],
                file.data,
            )
                .into_response()
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}
