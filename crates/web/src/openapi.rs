//! The OpenAPI 3.1 document of the JSON API, served at `GET /api/openapi.json` (no sign-in).
//!
//! Each operation is described by `#[utoipa::path]` on its handler, where it lives; this module
//! assembles them, declares the error bodies of [`crate::error`], and adds what every
//! operation shares so that no handler can forget it: the two ways to sign in (the session
//! cookie, which state-changing requests must pair with the CSRF header, and `Authorization:
//! Bearer kh_…` API tokens, which need none), and the error answers of a request that is not
//! signed in (401), whose query, path or body cannot be read (400, 413, 415) or, for a
//! state-changing session request, lacks its CSRF token (403). A test
//! (`crates/kaohe/tests/openapi.rs`) checks the document against the router's `/api` routes.

use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use kaohe_domain::import::spec::KINDS;
use serde::Serialize;
use std::sync::OnceLock;
use utoipa::openapi::path::ParameterIn;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToSchema};

/// The error body of every refusal: what is wrong and, when one is to blame, the field, query
/// parameter or path segment (`"field": "period"`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What is wrong, for a person to read (`period: \`2026-13\` is not a month`).
    pub error: String,
    /// The field, query parameter or path segment at fault (`query`, `body` or `path` when
    /// the request could not be read as a whole).
    pub field: Option<String>,
}

/// A cycle step the rules refused (409, 403 or 422): why, in the caller's language and in
/// both, and the steps allowed now.
#[derive(Debug, Serialize, ToSchema)]
pub struct RefusalBody {
    /// Why, in the caller's language, followed by what is allowed now.
    pub error: String,
    /// `WrongState`, `WrongRole`, `PastDeadline`, `TooEarly`, `Duplicate` or `Invalid`.
    pub kind: String,
    /// Why, in Chinese.
    pub zh: String,
    /// Why, in English.
    pub en: String,
    /// The steps the caller may take now.
    #[schema(value_type = Vec<Object>)]
    pub allowed_now: Vec<serde_json::Value>,
}

/// One field of a record that was refused.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldError {
    /// The field (column) at fault.
    pub field: String,
    /// The value given.
    pub value: String,
    /// What is wrong with it.
    pub reason: String,
}

/// A record refused (422): the first error as `error`/`field`, and every error.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordErrors {
    /// The first error, `field: reason`.
    pub error: String,
    /// The first field at fault.
    pub field: Option<String>,
    /// Every error.
    pub errors: Vec<FieldError>,
}

/// The assembled document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "kaohe JSON API",
        description = "The JSON API of kaohe, a sales performance management system. Every \
            request is answered within the caller's role and data scope: a record outside it is \
            404, never 403. Errors are JSON: `{\"error\": \"…\", \"field\": \"…\"}`."
    ),
    paths(
        document,
        crate::api::me,
        crate::account::tokens_api,
        crate::account::create_token_api,
        crate::account::revoke_token_api,
        crate::api::departments,
        crate::api::teams,
        crate::api::employees,
        crate::api::employee,
        crate::api::stats,
        crate::scorecard::api,
        crate::scorecard::explain,
        crate::forms::api_create,
        crate::forms::api_update,
        crate::audit::api,
        crate::import::start,
        crate::import::progress,
        crate::cycle::inbox_api,
        crate::cycle::api_state,
        crate::cycle::api_act,
        crate::periods::overview_api,
        crate::periods::evaluate_api,
        crate::periods::evaluation_api,
        crate::periods::preview_api,
        crate::periods::consolidate_api,
        crate::periods::approve_api,
        crate::periods::lock_api,
        crate::finance::api,
        crate::finance::paid_api,
        crate::behaviour::api_get,
        crate::behaviour::api_post,
        crate::bonus_bases::list_api,
        crate::bonus_bases::set_api,
        crate::links::list_api,
        crate::links::issue_api,
        crate::links::revoke_api,
        crate::steps::contract,
        crate::steps::expense,
        crate::training::report_api,
        crate::training::weeks_api,
        crate::training::decisions_api,
        crate::training::check_api,
        crate::training::ageing_api,
        crate::training::approvals_api,
        crate::training::approve_api,
        crate::admin::check_api,
        crate::admin::rollups_api,
        crate::admin::calendar_api,
        crate::admin::add_day_api,
        crate::admin::remove_day_api,
        crate::admin::preview_api,
        crate::awards::awards_api,
        crate::awards::compute_api,
        crate::awards::award_decision_api,
        crate::awards::paid_api,
        crate::ladder::ladder_api,
        crate::ladder::evaluate_api,
        crate::ladder::decision_api,
        crate::ladder::history_api,
    ),
    components(schemas(ErrorBody, RefusalBody, RecordErrors, FieldError)),
    modifiers(&Shared),
    tags(
        (name = "account", description = "The caller and their API tokens"),
        (name = "organisation", description = "Departments, teams, people, record counts"),
        (name = "scorecards", description = "Live scorecards and one indicator explained"),
        (name = "records", description = "Writing records, importing files, contract and expense steps"),
        (name = "audit", description = "The audit log (HR and administrators)"),
        (name = "cycle", description = "The assessment cycle and the inbox"),
        (name = "training", description = "Training, meetings and customer credit"),
        (name = "library", description = "The indicator library: formulas checked and previewed (HR and administrators)"),
        (name = "calendar", description = "The working-day calendar: public holidays and make-up working days (HR and administrators)"),
        (name = "awards", description = "Monthly awards and career-ladder decisions"),
        (name = "bonus", description = "Bonus bases (HR sets, finance reads)"),
        (name = "meta", description = "This document"),
    )
)]
pub struct ApiDoc;

/// The security schemes and the error answers every operation shares.
struct Shared;

fn error_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
        .into()
}

impl Modify for Shared {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::SESSION_COOKIE,
                "The session cookie set by signing in at /login. A state-changing request \
                 (POST, PUT, DELETE) must also carry the session's CSRF token (`csrf_token` of \
                 GET /api/me) in the X-CSRF-Token header.",
            ))),
        );
        components.add_security_scheme(
            "csrf",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-CSRF-Token",
                "The session's CSRF token, required with the session cookie on every \
                 state-changing request (not with an API token).",
            ))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("kh_…")
                    .description(Some(
                        "An API token (`kh_…`) made on /account, by POST /api/account/tokens or \
                         `kaohe user token`: it acts as its account, role and data scope \
                         included, and needs no CSRF token.",
                    ))
                    .build(),
            ),
        );
        let read = vec![
            SecurityRequirement::new("session", Vec::<String>::new()),
            SecurityRequirement::new("bearer", Vec::<String>::new()),
        ];
        let write = vec![
            SecurityRequirement::new("session", Vec::<String>::new())
                .add("csrf", Vec::<String>::new()),
            SecurityRequirement::new("bearer", Vec::<String>::new()),
        ];
        for item in doc.paths.paths.values_mut() {
            let ops = [
                (&mut item.get, false),
                (&mut item.post, true),
                (&mut item.put, true),
                (&mut item.delete, true),
                (&mut item.patch, true),
            ];
            for (op, writes) in ops {
                let Some(op) = op.as_mut() else { continue };
                // An operation that declared its own (the document itself: none) keeps it.
                if op.security.is_some() {
                    continue;
                }
                // The record kinds are data of the domain: list them, so that a client (and a
                // fuzzer) knows the valid values.
                for p in op.parameters.iter_mut().flatten() {
                    if p.name == "kind" && p.parameter_in == ParameterIn::Path {
                        let kinds: Vec<&str> = KINDS.iter().map(|k| k.kind).collect();
                        p.schema = Some(
                            ObjectBuilder::new()
                                .schema_type(Type::String)
                                .enum_values(Some(kinds))
                                .into(),
                        );
                    }
                }
                op.security = Some(if writes { write.clone() } else { read.clone() });
                let r = &mut op.responses.responses;
                r.entry("400".into()).or_insert_with(|| {
                    error_response("A query parameter, path segment or body that cannot be read; `field` names it")
                });
                r.entry("401".into()).or_insert_with(|| {
                    error_response(
                        "Not signed in: no session cookie or API token, or an invalid one",
                    )
                });
                if writes {
                    r.entry("403".into()).or_insert_with(|| {
                        error_response(
                            "The role may not do this, or a session request lacks its CSRF token",
                        )
                    });
                    r.entry("413".into())
                        .or_insert_with(|| error_response("The body is too large"));
                    r.entry("415".into()).or_insert_with(|| {
                        error_response("The body is not `Content-Type: application/json`")
                    });
                }
            }
        }
    }
}

/// The document as served (built once).
pub fn document_json() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        ApiDoc::openapi()
            .to_pretty_json()
            .unwrap_or_else(|e| format!("{{\"error\": \"openapi: {e}\"}}"))
    })
}

/// `GET /api/openapi.json`: this document (no sign-in).
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "meta",
    security(()),
    responses((status = 200, description = "The OpenAPI document", body = Object))
)]
pub async fn document() -> Response {
    ([(CONTENT_TYPE, "application/json")], document_json()).into_response()
}
