//! JSON request bodies of the admin endpoints, read as ASP.NET reads `[FromBody]` on an `[ApiController]`:
//! `[Consumes("application/json")]` (415), an empty body, malformed JSON or a wrongly typed member answered with a
//! ValidationProblemDetails keyed the way MVC keys them (`""`, `$`, `$.member`, plus the parameter name).

use altinn_broker_core::problem::ValidationErrors;
use axum::extract::Request;
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::error::AppError;

/// The content type of the request: absent, JSON (`application/json`, any parameters), or something else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyType {
    Missing,
    Json,
    Other,
}

pub fn body_type(headers: &HeaderMap) -> BodyType {
    match headers.get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap_or_default()) {
        None => BodyType::Missing,
        Some(v) => {
            let media = v.split(';').next().unwrap_or_default().trim();
            if media.eq_ignore_ascii_case("application/json") {
                BodyType::Json
            } else {
                BodyType::Other
            }
        }
    }
}

/// Route layer for `[Consumes("application/json")]` actions: a request that names another content type matches
/// no action and gets 415 during routing, before authentication. A missing content type passes here and is refused
/// by [`parse`] (after authentication, as the body binder does).
pub async fn consumes_json(req: Request, next: Next) -> Response {
    if body_type(req.headers()) == BodyType::Other {
        return AppError::Client(StatusCode::UNSUPPORTED_MEDIA_TYPE).into_response();
    }
    next.run(req).await
}

/// What to call things in error messages: the action's parameter name and the .NET types of its members.
pub struct BodyModel {
    /// The parameter name, e.g. `resourceExt`.
    pub parameter: &'static str,
    /// The model's .NET type name, e.g. `Altinn.Broker.Models.ResourceExt`.
    pub type_name: &'static str,
    /// JSON member names with the .NET type MVC names when a value does not convert.
    pub members: &'static [(&'static str, &'static str)],
    /// Members declared C# `required`: leaving one out fails deserialization of the whole body.
    pub required: &'static [&'static str],
}

fn required(model: &BodyModel, errors: &mut ValidationErrors) {
    errors.entry(model.parameter.to_owned()).or_default().push(format!("The {} field is required.", model.parameter));
}

/// System.Text.Json's text for a value that does not convert, at the reader's position after the offending token.
fn conversion(path: &str, type_name: &str, (line, byte): (usize, usize)) -> String {
    format!(
        "The JSON value could not be converted to {type_name}. Path: {path} | LineNumber: {line} | \
         BytePositionInLine: {byte}."
    )
}

/// `Utf8JsonReader`'s `(LineNumber, BytePositionInLine)` at byte `at` of `body`: only LF starts a line.
fn position(body: &[u8], at: usize) -> (usize, usize) {
    let before = &body[..at.min(body.len())];
    let line = before.iter().filter(|b| **b == b'\n').count();
    let byte = before.len() - before.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    (line, byte)
}

/// Where the reader stands after the first token of `raw` (a value borrowed from `body`): after the whole value
/// for a scalar, after the `{` or `[` that opens a container.
fn after_first_token(body: &[u8], raw: &RawValue) -> (usize, usize) {
    let text = raw.get();
    let start = (text.as_ptr() as usize).saturating_sub(body.as_ptr() as usize);
    let len = if text.starts_with('{') || text.starts_with('[') { 1 } else { text.len() };
    position(body, start + len)
}

/// The root object's members in document order, as written, each value still raw (repeated names kept: the
/// reader reads each one).
struct Members<'a>(Vec<(String, &'a RawValue)>);

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
                    out.push(entry);
                }
                Ok(Members(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// Reads a JSON body into `T`: property names case-insensitive, unknown members ignored, numbers as strings
/// accepted (through `T`'s own lenient deserializers; `JsonNumberHandling.AllowReadingFromString` of the web
/// defaults). As System.Text.Json, it stops at the first member (in document order) that does not convert, names
/// it as the JSON wrote it, and gives the reader's real position; a JSON string is never a boolean, so a string
/// for a `Boolean` member is refused before `T`'s lenient reading could take it. Required members are checked
/// after the whole object was read, as the reader does at its end.
pub fn parse<T: DeserializeOwned>(headers: &HeaderMap, body: &[u8], model: &BodyModel) -> Result<T, AppError> {
    if body_type(headers) != BodyType::Json {
        return Err(AppError::Client(StatusCode::UNSUPPORTED_MEDIA_TYPE));
    }
    let mut errors = ValidationErrors::new();
    let fail = |mut errors: ValidationErrors, key: &str, msg: String| {
        errors.insert(key.to_owned(), vec![msg]);
        required(model, &mut errors);
        Err(AppError::Validation(errors))
    };
    if body.is_empty() {
        return fail(errors, "", "A non-empty request body is required.".to_owned());
    }
    if body.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')) {
        // White space only is not an empty body: `Utf8JsonReader` finds no token, at its position after the white
        // space, as `altinn_broker_core::binding` reports it for initialize.
        let (line, byte) = position(body, body.len());
        return fail(
            errors,
            "$",
            format!(
                "The input does not contain any JSON tokens. Expected the input to start with a valid JSON token, \
                 when isFinalBlock is true. Path: $ | LineNumber: {line} | BytePositionInLine: {byte}."
            ),
        );
    }
    let root: &RawValue = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            // serde_json's text, not the reader's: only the initialize body has the exact reader (core's binding).
            let msg = format!(
                "{} Path: $ | LineNumber: {} | BytePositionInLine: {}.",
                e.to_string().split(" at line").next().unwrap_or_default(),
                e.line().saturating_sub(1),
                e.column()
            );
            return fail(errors, "$", msg);
        }
    };
    let members = match serde_json::from_str::<Members>(root.get()) {
        Ok(m) => m.0,
        Err(_) if root.get() == "null" => {
            required(model, &mut errors);
            return Err(AppError::Validation(errors));
        }
        Err(_) => return fail(errors, "$", conversion("$", model.type_name, after_first_token(body, root))),
    };
    let mut object = serde_json::Map::new();
    for (written, raw) in &members {
        let Some((name, type_name)) = model.members.iter().find(|(n, _)| n.eq_ignore_ascii_case(written)) else {
            continue;
        };
        let value: Value = serde_json::from_str(raw.get()).map_err(AppError::internal)?;
        let single = Value::Object([((*name).to_owned(), value.clone())].into_iter().collect());
        let wrong_bool = type_name.contains("System.Boolean") && value.is_string();
        if wrong_bool || serde_json::from_value::<T>(single).is_err() {
            let path = format!("$.{written}");
            return fail(errors, &path, conversion(&path, type_name, after_first_token(body, raw)));
        }
        object.insert((*name).to_owned(), value);
    }
    let missing: Vec<&str> = model.required.iter().copied().filter(|m| object.get(*m).is_none()).collect();
    if !missing.is_empty() {
        let list = missing.iter().map(|m| format!("'{m}'")).collect::<Vec<_>>().join(", ");
        let msg = format!(
            "JSON deserialization for type '{}' was missing required properties including: {list}.",
            model.type_name
        );
        return fail(errors, "$", msg);
    }
    serde_json::from_value::<T>(Value::Object(object)).or_else(|_| {
        let at = position(body, body.len());
        fail(ValidationErrors::new(), "$", conversion("$", model.type_name, at))
    })
}
