//! The OpenAPI document against the implementation: every route the router mounts is documented, every documented
//! operation is served (no routing 404 or 405), and no path serves a method the document does not list.

mod inproc;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use axum::body::Body;
use axum::http::{Method, Request};
use inproc::*;
use serde_json::Value;

/// `{anything}` → `{}`, so `{id}` in the router matches `{fileTransferId}` in the document.
fn shape(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push('{');
            }
            '}' => {
                in_param = false;
                out.push('}');
            }
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// `const NAME: &str = "value";` anywhere in the crate.
fn string_consts(sources: &[String]) -> BTreeMap<String, String> {
    let mut consts = BTreeMap::new();
    for src in sources {
        for line in src.lines() {
            let line = line.trim().trim_start_matches("pub ").trim_start_matches("pub(crate) ");
            if let Some(rest) = line.strip_prefix("const ") {
                if let Some((name, value)) = rest.split_once(": &str = \"") {
                    if let Some(value) = value.strip_suffix("\";") {
                        consts.insert(name.trim().to_owned(), value.to_owned());
                    }
                }
            }
        }
    }
    consts
}

/// Resolves the first argument of a `.route(` call: a literal, a constant, or `&format!("{CONST}/...")`.
fn resolve(expr: &str, consts: &BTreeMap<String, String>) -> Option<String> {
    let expr = expr.trim();
    if let Some(lit) = expr.strip_prefix('"').and_then(|e| e.strip_suffix('"')) {
        return Some(lit.to_owned());
    }
    if let Some(fmt) = expr.strip_prefix("&format!(\"").and_then(|e| e.strip_suffix("\")")) {
        let mut out = String::new();
        let mut rest = fmt;
        while let Some(i) = rest.find('{') {
            out.push_str(&rest[..i]);
            if rest[i..].starts_with("{{") {
                let end = rest[i..].find("}}")? + i;
                out.push('{');
                out.push_str(&rest[i + 2..end]);
                out.push('}');
                rest = &rest[end + 2..];
            } else {
                let end = rest[i..].find('}')? + i;
                out.push_str(consts.get(&rest[i + 1..end])?);
                rest = &rest[end + 1..];
            }
        }
        out.push_str(rest);
        return Some(out);
    }
    let name = expr.rsplit("::").next().unwrap_or(expr);
    consts.get(name).cloned()
}

/// Every path the router mounts, read from the `.route(...)` calls in `src/`.
fn routed_paths() -> BTreeSet<String> {
    let mut files = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    let sources: Vec<String> = files.iter().map(|f| std::fs::read_to_string(f).unwrap()).collect();
    let consts = string_consts(&sources);
    let mut paths = BTreeSet::new();
    for (file, src) in files.iter().zip(&sources) {
        for (i, _) in src.match_indices(".route(") {
            let args = &src[i + ".route(".len()..];
            // The first argument ends at the first top-level comma.
            let mut depth = 0;
            let mut end = None;
            for (j, c) in args.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' if depth == 0 => break,
                    ')' => depth -= 1,
                    ',' if depth == 0 => {
                        end = Some(j);
                        break;
                    }
                    _ => {}
                }
            }
            let Some(end) = end else { continue };
            let expr = &args[..end];
            let path = resolve(expr, &consts).unwrap_or_else(|| {
                panic!("{}: cannot resolve the route path {expr:?}; use a literal, a const or &format!", file.display())
            });
            paths.insert(path);
        }
    }
    paths
}

fn documented() -> Value {
    altinn_broker_emulator::routes::openapi::document()
}

/// A concrete path for a template: GUIDs for ids, 32 hex digits for partial ids, `x` for the rest.
fn concrete(template: &str) -> String {
    template
        .replace("{fileTransferId}", "8a1d1e4e-3b3b-4a4a-9c9c-0123456789ab")
        .replace("{partialUploadId}", "0123456789abcdef0123456789abcdef")
        .replace("{resourceId}", "altinn-broker-test-resource-1")
}

/// A routing miss: 404 with ASP.NET's client-error body (no Broker `code`), or 405.
fn routing_miss(r: &Reply) -> bool {
    r.status == 405
        || (r.status == 404
            && serde_json::from_slice::<Value>(&r.body)
                .is_ok_and(|b| b.get("title").is_some() && b.get("code").is_none()))
}

#[test]
fn every_route_is_documented() {
    let doc = documented();
    let doc_paths: BTreeSet<String> = doc["paths"].as_object().unwrap().keys().map(|p| shape(p)).collect();
    let routed = routed_paths();
    assert!(routed.len() >= 15, "the scan found too few routes: {routed:?}");
    for path in &routed {
        assert!(doc_paths.contains(&shape(path)), "{path} is served but not in /swagger/v1/swagger.json");
    }
}

#[tokio::test]
async fn every_documented_operation_is_served_and_nothing_else() {
    let app = App::new();
    let served = app.get("/swagger/v1/swagger.json", None).await;
    assert_eq!(served.status, 200);
    let doc = served.json();
    assert_eq!(doc, documented());
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let probe = [Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE];
    for (template, ops) in doc["paths"].as_object().unwrap() {
        let path = concrete(template);
        let ops = ops.as_object().unwrap();
        for (method, op) in ops {
            assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {template}: no responses");
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let req =
                Request::builder().method(m).uri(&path).header("Tus-Resumable", "1.0.0").body(Body::empty()).unwrap();
            let r = app.call(req).await;
            assert!(!routing_miss(&r), "{method} {template} is documented but not served: {} {}", r.status, r.text());
        }
        for m in &probe {
            if ops.contains_key(&m.as_str().to_lowercase()) {
                continue;
            }
            let req = Request::builder().method(m.clone()).uri(&path).body(Body::empty()).unwrap();
            let r = app.call(req).await;
            assert_eq!(r.status, 405, "{m} {template} is served but not documented: {}", r.text());
        }
    }
}

#[test]
fn path_scan_resolves_the_forms_in_use() {
    let consts = BTreeMap::from([("TUS_PATH".to_owned(), "/tus".to_owned())]);
    assert_eq!(resolve("\"/a/{id}\"", &consts).as_deref(), Some("/a/{id}"));
    assert_eq!(resolve("TUS_PATH", &consts).as_deref(), Some("/tus"));
    assert_eq!(resolve("crate::x::TUS_PATH", &consts).as_deref(), Some("/tus"));
    assert_eq!(
        resolve("&format!(\"{TUS_PATH}/{{id}}/partial/{{pid}}\")", &consts).as_deref(),
        Some("/tus/{id}/partial/{pid}")
    );
    assert_eq!(resolve("UNKNOWN", &consts), None);
    assert_eq!(shape("/a/{id}/b/{pid}"), "/a/{}/b/{}");
}
