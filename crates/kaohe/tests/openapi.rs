//! The OpenAPI document (`GET /api/openapi.json`) against the router itself: every `/api`
//! route registered in `crates/web/src/lib.rs` (read from the source text, so a new route
//! without documentation fails here) is documented with each of its methods and path
//! parameters, nothing undocumented is claimed, both ways of signing in are declared, and a
//! few documented answers have the documented top-level shape, on every backend.

mod support;

use reqwest::StatusCode;
use serde_json::Value;
use std::collections::BTreeSet;
use support::spawn_demo;

/// A route of the router: its path and the HTTP methods registered on it.
#[derive(Debug)]
struct Route {
    path: String,
    methods: BTreeSet<String>,
}

/// The routes of `router()` in `crates/web/src/lib.rs`, by scanning its text: each
/// `.route("PATH", …)` and, inside its parentheses, every `get(`, `post(`, `put(`, `delete(`
/// or `patch(` call (also as `axum::routing::delete(`).
fn registered_routes() -> Vec<Route> {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/../web/src/lib.rs");
    let text = std::fs::read_to_string(file).expect("reading crates/web/src/lib.rs");
    let bytes = text.as_bytes();
    let mut routes = Vec::new();
    let mut at = 0;
    while let Some(found) = text[at..].find(".route(") {
        let open = at + found + ".route(".len();
        // The matching closing parenthesis of `.route(`, skipping string literals.
        let (mut depth, mut i, mut in_str) = (1, open, false);
        while depth > 0 {
            match bytes[i] {
                b'"' => in_str = !in_str,
                b'\\' if in_str => i += 1,
                b'(' if !in_str => depth += 1,
                b')' if !in_str => depth -= 1,
                _ => {}
            }
            i += 1;
        }
        let args = &text[open..i - 1];
        at = i;
        let quote = args.find('"').expect("a route's path is a string literal");
        let end = args[quote + 1..].find('"').unwrap() + quote + 1;
        let path = args[quote + 1..end].to_string();
        let rest = &args[end + 1..];
        let mut methods = BTreeSet::new();
        for m in ["get", "post", "put", "delete", "patch"] {
            let mut from = 0;
            while let Some(k) = rest[from..].find(&format!("{m}(")) {
                let start = from + k;
                let before = rest[..start].chars().next_back();
                // `get(` but not `forget(` or `api_get(`.
                if before.is_none_or(|c| !(c.is_alphanumeric() || c == '_')) {
                    methods.insert(m.to_string());
                }
                from = start + m.len();
            }
        }
        assert!(!methods.is_empty(), "no method found for route {path}");
        routes.push(Route { path, methods });
    }
    routes
}

/// The `{name}`s of a path.
fn path_params(path: &str) -> Vec<String> {
    path.split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(p, _)| p.to_string()))
        .collect()
}

/// A `$ref` resolved against the document's schemas.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap();
            let found = &doc["components"]["schemas"][name];
            assert!(found.is_object(), "{r} is not in components.schemas");
            found
        }
        None => schema,
    }
}

/// The documented JSON schema of `method path`'s answer `status`.
fn response_schema<'a>(doc: &'a Value, method: &str, path: &str, status: &str) -> &'a Value {
    let s =
        &doc["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"];
    assert!(
        s.is_object(),
        "{method} {path} documents no {status} JSON body"
    );
    resolve(doc, s)
}

/// Checks a body against a schema's top-level type and, for objects, its required properties.
fn assert_fits(doc: &Value, schema: &Value, body: &Value, what: &str) {
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => panic!("{what}: the schema has no type: {schema}"),
    };
    let actual = match body {
        Value::Object(_) => "object",
        Value::Array(_) => "array",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "boolean",
        Value::Null => "null",
    };
    assert!(
        types.contains(&actual) || (actual == "number" && types.contains(&"integer")),
        "{what}: documented {types:?}, answered {actual}: {body}"
    );
    if let (Value::Object(o), Some(required)) = (body, schema["required"].as_array()) {
        for r in required {
            let r = r.as_str().unwrap();
            assert!(
                o.contains_key(r),
                "{what}: required `{r}` missing in {body}"
            );
        }
        for (k, p) in schema["properties"].as_object().into_iter().flatten() {
            let p = resolve(doc, p);
            if let (Some(v), Some(_)) = (o.get(k), p.get("type")) {
                assert_fits(doc, p, v, &format!("{what}.{k}"));
            }
        }
    }
}

#[test]
fn the_router_scan_finds_the_api_routes() {
    let routes = registered_routes();
    let api: Vec<_> = routes
        .iter()
        .filter(|r| r.path.starts_with("/api/"))
        .collect();
    // Guards the scan itself: an empty or truncated scan must not pass the real test.
    assert!(api.len() >= 25, "only {} /api routes found", api.len());
    let tokens = api
        .iter()
        .find(|r| r.path == "/api/account/tokens")
        .unwrap();
    assert_eq!(
        tokens.methods,
        BTreeSet::from(["get".to_string(), "post".to_string()])
    );
    let revoke = api
        .iter()
        .find(|r| r.path == "/api/account/tokens/{name}")
        .unwrap();
    assert_eq!(revoke.methods, BTreeSet::from(["delete".to_string()]));
    assert_eq!(path_params("/api/records/{kind}/{id}"), ["kind", "id"]);
}

#[tokio::test]
async fn the_openapi_document_covers_every_api_route_on_every_backend() {
    for db in kaohe_testkit::every_backend().await {
        let backend = db.backend;
        let app = spawn_demo(db).await;
        // No sign-in needed for the document.
        let resp = reqwest::get(app.url("/api/openapi.json")).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{backend}");
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        let doc: Value = resp.json().await.expect("the document is JSON");
        // (a) OpenAPI 3.x.
        let version = doc["openapi"].as_str().expect("an `openapi` version");
        assert!(version.starts_with("3."), "{backend}: openapi {version}");
        let paths = doc["paths"].as_object().expect("paths");

        // (b) every /api route with every method; (c) every path parameter declared.
        let routes = registered_routes();
        let mut registered = BTreeSet::new();
        for route in routes.iter().filter(|r| r.path.starts_with("/api/")) {
            let item = paths
                .get(&route.path)
                .unwrap_or_else(|| panic!("{backend}: {} is not documented", route.path));
            for method in &route.methods {
                registered.insert((route.path.clone(), method.clone()));
                let op = &item[method.as_str()];
                assert!(
                    op.is_object(),
                    "{backend}: {} {} is not documented",
                    method.to_uppercase(),
                    route.path
                );
                let declared: Vec<&Value> = item["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .chain(op["parameters"].as_array().into_iter().flatten())
                    .collect();
                for name in path_params(&route.path) {
                    let p = declared
                        .iter()
                        .find(|p| p["name"] == name.as_str() && p["in"] == "path")
                        .unwrap_or_else(|| {
                            panic!("{backend}: {method} {}: `{name}` undeclared", route.path)
                        });
                    assert_eq!(p["required"], true, "{backend}: {} {name}", route.path);
                }
                // Every operation answers 200-something and documents its errors as JSON.
                let responses = op["responses"].as_object().unwrap();
                assert!(
                    responses.keys().any(|s| s.starts_with('2')),
                    "{backend}: {method} {}: no success answer",
                    route.path
                );
                if route.path != "/api/openapi.json" {
                    for status in ["400", "401"] {
                        let s = response_schema(&doc, method, &route.path, status);
                        assert!(s["properties"]["error"].is_object(), "{backend}: {status}");
                    }
                    assert!(op["security"].as_array().is_some_and(|s| s.len() == 2));
                }
            }
        }
        // Nothing documented that the router does not serve.
        for (path, item) in paths {
            for method in item.as_object().unwrap().keys() {
                if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                    assert!(
                        registered.contains(&(path.clone(), method.clone())),
                        "{backend}: {method} {path} is documented but not routed"
                    );
                }
            }
        }

        // (d) the session cookie (with the CSRF header for writes) and bearer API tokens.
        let schemes = &doc["components"]["securitySchemes"];
        assert_eq!(schemes["session"]["type"], "apiKey", "{backend}");
        assert_eq!(schemes["session"]["in"], "cookie");
        assert_eq!(schemes["session"]["name"], "kaohe_session");
        assert_eq!(schemes["csrf"]["in"], "header");
        assert_eq!(schemes["csrf"]["name"], "X-CSRF-Token");
        assert_eq!(schemes["bearer"]["type"], "http");
        assert_eq!(schemes["bearer"]["scheme"], "bearer");
        let post_security = &doc["paths"]["/api/records/{kind}"]["post"]["security"];
        assert!(
            post_security
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r.get("session").is_some() && r.get("csrf").is_some()),
            "{backend}: a write by session needs the CSRF header: {post_security}"
        );

        // Documented answers have the documented shape: by session, then by an API token.
        let hr = app.sign_in("hr", "kaohe-demo").await;
        let me: Value = hr
            .get(app.url("/api/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let schema = response_schema(&doc, "get", "/api/me", "200");
        assert_fits(&doc, schema, &me, "GET /api/me");
        let csrf = me["csrf_token"].as_str().unwrap();
        let created = hr
            .post(app.url("/api/account/tokens"))
            .header("x-csrf-token", csrf)
            .json(&serde_json::json!({ "name": "openapi-test" }))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), StatusCode::CREATED, "{backend}");
        let created: Value = created.json().await.unwrap();
        let schema = response_schema(&doc, "post", "/api/account/tokens", "201");
        assert_fits(&doc, schema, &created, "POST /api/account/tokens");
        let token = created["token"].as_str().unwrap();
        let client = reqwest::Client::new();
        for path in ["/api/account/tokens", "/api/audit", "/api/employees"] {
            let resp = client
                .get(app.url(path))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::OK, "{backend}: {path}");
            let body: Value = resp.json().await.unwrap();
            let schema = response_schema(&doc, "get", path, "200");
            assert_fits(&doc, schema, &body, &format!("GET {path}"));
        }

        // A malformed path segment or query value answers the documented error body, naming
        // what is wrong.
        for (path, field) in [
            ("/api/employees/abc", "path"),
            ("/api/scorecard?employee=x1", "employee"),
        ] {
            let resp = client
                .get(app.url(path))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{backend}: {path}");
            let body: Value = resp.json().await.unwrap();
            let bare = path.split('?').next().unwrap().replace("abc", "{id}");
            let schema = response_schema(&doc, "get", &bare, "400");
            assert_fits(&doc, schema, &body, &format!("GET {path}"));
            assert_eq!(body["field"], field, "{backend}: {body}");
        }
        // So does a method the path does not take (with the methods it does in `Allow`).
        let resp = client
            .delete(app.url("/api/me"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED, "{backend}");
        assert!(resp.headers().contains_key("allow"), "{backend}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["field"], "method", "{backend}: {body}");
    }
}
