//! The OpenAPI document against the implementation: every route the router mounts is documented, every documented
//! operation is served (no routing 404 or 405), no path serves a method the document does not list, and every
//! query parameter a handler reads is documented on its operation.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::fixture::*;
use altinn_broker_core::seed::RESOURCE;
use axum::body::Body;
use axum::http::{Method, Request};
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

/// The constants a route in `src` can name: its own file's first (several files have a `PATH`), then the crate's.
fn consts_for(src: &str, crate_consts: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut consts = crate_consts.clone();
    consts.extend(string_consts(&[src.to_owned()]));
    consts
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
        let consts = consts_for(src, &consts);
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
        .replace("{resourceId}", RESOURCE)
}

/// A routing miss: 404 with ASP.NET's client-error body (no Broker `code`), or 405.
fn routing_miss(r: &Resp) -> bool {
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
    let app = Broker::in_process();
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
            let r = app.send(req).await;
            assert!(!routing_miss(&r), "{method} {template} is documented but not served: {} {}", r.status, r.text());
        }
        for m in &probe {
            if ops.contains_key(&m.as_str().to_lowercase()) {
                continue;
            }
            let req = Request::builder().method(m.clone()).uri(&path).body(Body::empty()).unwrap();
            let r = app.send(req).await;
            assert_eq!(r.status, 405, "{m} {template} is served but not documented: {}", r.text());
        }
    }
}

/// `snake_case` → `camelCase`, serde's `rename_all = "camelCase"`.
fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        match c {
            '_' => upper = true,
            _ if upper => {
                out.extend(c.to_uppercase());
                upper = false;
            }
            _ => out.push(c),
        }
    }
    out
}

/// The query names a `#[derive(Deserialize)] struct NAME { .. }` binds (its fields, `rename_all = "camelCase"`
/// and `#[serde(rename = "..")]` applied).
fn struct_query_names(src: &str, name: &str) -> BTreeSet<String> {
    let start = src.find(&format!("struct {name} {{")).unwrap_or_else(|| panic!("struct {name} not found"));
    let camel_case = src[..start].rsplit("#[derive(").next().is_some_and(|attrs| attrs.contains("camelCase"));
    let body = &src[start..start + src[start..].find("\n}").unwrap()];
    let mut names = BTreeSet::new();
    let mut rename = None;
    for line in body.lines().skip(1).map(str::trim) {
        if let Some(r) = line.strip_prefix("#[serde(rename = \"").and_then(|r| r.split('"').next()) {
            rename = Some(r.to_owned());
        } else if let Some((field, _)) = line.split_once(':').filter(|_| !line.starts_with("//")) {
            let field = field.trim_start_matches("pub ").trim();
            names.insert(rename.take().unwrap_or_else(|| if camel_case { camel(field) } else { field.to_owned() }));
        }
    }
    names
}

/// The names a handler that binds `Query<Vec<(String, String)>>` looks up in its file: the string literals given
/// to its lookup helpers (`get("..")`, `opt("..")`, `int("..")`, `boolean("..")`).
fn pair_query_names(src: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for helper in ["get(\"", "opt(\"", "int(\"", "boolean(\""] {
        for (i, _) in src.match_indices(helper) {
            if src[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
                continue; // `target("..")`, not `get("..")`
            }
            let rest = &src[i + helper.len()..];
            names.insert(rest[..rest.find('"').unwrap()].to_owned());
        }
    }
    names
}

/// For each `.route(PATH, method(handler)...)`: (path, method, the query names the handler reads).
fn routed_queries() -> Vec<(String, String, BTreeSet<String>)> {
    let mut files = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    let sources: Vec<String> = files.iter().map(|f| std::fs::read_to_string(f).unwrap()).collect();
    let consts = string_consts(&sources);
    // Handler name → the query names it reads, for every `fn` that takes a `Query<..>`.
    let mut handlers: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for src in &sources {
        for (i, _) in src.match_indices("async fn ") {
            let rest = &src[i + "async fn ".len()..];
            let name = &rest[..rest.find('(').unwrap()];
            let signature = &rest[..rest.find('{').unwrap()];
            let Some(q) = signature.find("Query<") else { continue };
            let ty = &signature[q + "Query<".len()..];
            let names = if ty.starts_with("Vec<") {
                // The handler's own lookups; a handler that hands the pairs to a parser: its file's.
                let body = &rest[signature.len()..];
                let body = &body[..body.find("\nasync fn ").or_else(|| body.find("\nfn ")).unwrap_or(body.len())];
                Some(pair_query_names(body)).filter(|n| !n.is_empty()).unwrap_or_else(|| pair_query_names(src))
            } else {
                struct_query_names(src, &ty[..ty.find('>').unwrap()])
            };
            assert!(!names.is_empty(), "{name} reads a query but the scan found no names");
            handlers.insert(name.to_owned(), names);
        }
    }
    let mut out = Vec::new();
    for src in &sources {
        let consts = consts_for(src, &consts);
        for (i, _) in src.match_indices(".route(") {
            // The arguments of this `.route(` call, up to its closing parenthesis.
            let args = &src[i + ".route(".len()..];
            let mut depth = 0;
            let end = args
                .char_indices()
                .find(|&(_, c)| {
                    depth += match c {
                        '(' => 1,
                        ')' => -1,
                        _ => 0,
                    };
                    depth < 0
                })
                .map_or(args.len(), |(j, _)| j);
            let Some((path_expr, methods)) = args[..end].split_once(',') else { continue };
            let Some(path) = resolve(path_expr, &consts) else { continue };
            for method in ["get", "post", "put", "delete", "patch"] {
                for (j, _) in methods.match_indices(&format!("{method}(")) {
                    if methods[..j].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
                        continue;
                    }
                    let handler = &methods[j + method.len() + 1..];
                    let handler = &handler[..handler.find(')').unwrap()];
                    let handler = handler.rsplit("::").next().unwrap();
                    if let Some(names) = handlers.get(handler) {
                        out.push((path.clone(), method.to_owned(), names.clone()));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn every_query_parameter_read_is_documented() {
    let doc = documented();
    let paths = doc["paths"].as_object().unwrap();
    let routed = routed_queries();
    let covered: BTreeSet<&str> = routed.iter().map(|(p, _, _)| p.as_str()).collect();
    for expected in ["/broker/api/v1/filetransfer", "/broker/api/v1/statistics/monthly", "/emulator/api/events"] {
        assert!(covered.contains(expected), "the scan missed the query of {expected}: {covered:?}");
    }
    for (path, method, names) in routed {
        let (_, ops) = paths.iter().find(|(p, _)| shape(p) == shape(&path)).unwrap();
        let documented: BTreeSet<&str> = ops[&method]["parameters"]
            .as_array()
            .map(|ps| ps.iter().filter(|p| p["in"] == "query").filter_map(|p| p["name"].as_str()).collect())
            .unwrap_or_default();
        for name in &names {
            assert!(documented.contains(name.as_str()), "{method} {path} reads ?{name}, which is not documented");
        }
    }
}

#[test]
fn query_scan_reads_the_forms_in_use() {
    let src = "#[derive(Deserialize)]\n#[serde(rename_all = \"camelCase\")]\nstruct Q {\n    /// doc: x\n    file_transfer_id: Option<String>,\n    #[serde(rename = \"type\")]\n    event_type: Option<String>,\n}\n";
    assert_eq!(struct_query_names(src, "Q"), BTreeSet::from(["fileTransferId".to_owned(), "type".to_owned()]));
    let src = "let a = get(\"resourceId\"); opt(\"role\"); q.get(\"ttl\"); target(\"no\"); int(\"year\", \"Year\")";
    let names: Vec<String> = pair_query_names(src).into_iter().collect();
    assert_eq!(names, ["resourceId", "role", "ttl", "year"]);
    assert_eq!(camel("a_b_c"), "aBC");
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
