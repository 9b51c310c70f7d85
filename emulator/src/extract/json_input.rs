//! JSON request bodies of the admin endpoints, read as ASP.NET reads `[FromBody]` on an `[ApiController]`:
//! `[Consumes("application/json")]` (415), an empty body, malformed JSON or a wrongly typed member answered with a
//! ValidationProblemDetails keyed the way MVC keys them (`""`, `$`, `$.member`, plus the parameter name).

use altinn_broker_core::model::lenient::canonicalize_keys;
use altinn_broker_core::problem::ValidationErrors;
use axum::extract::Request;
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
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

fn conversion(path: &str, type_name: &str) -> String {
    format!(
        "The JSON value could not be converted to {type_name}. Path: {path} | LineNumber: 0 | BytePositionInLine: 0."
    )
}

/// Reads a JSON body into `T`: property names case-insensitive, unknown members ignored, numbers as strings
/// accepted (through `T`'s own lenient deserializers; `JsonNumberHandling.AllowReadingFromString` of the web
/// defaults). A JSON string is never a boolean in System.Text.Json, so a string for a `Boolean` member is refused
/// here before `T`'s lenient reading could take it.
pub fn parse<T: DeserializeOwned>(headers: &HeaderMap, body: &[u8], model: &BodyModel) -> Result<T, AppError> {
    if body_type(headers) != BodyType::Json {
        return Err(AppError::Client(StatusCode::UNSUPPORTED_MEDIA_TYPE));
    }
    let mut errors = ValidationErrors::new();
    if body.is_empty() {
        errors.insert(String::new(), vec!["A non-empty request body is required.".to_owned()]);
        required(model, &mut errors);
        return Err(AppError::Validation(errors));
    }
    if body.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')) {
        // White space only is not an empty body: `Utf8JsonReader` finds no token, at its position after the white
        // space (only LF starts a line), as `altinn_broker_core::binding` reports it for initialize.
        let line = body.iter().filter(|b| **b == b'\n').count();
        let byte = body.len() - body.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let msg = format!(
            "The input does not contain any JSON tokens. Expected the input to start with a valid JSON token, when \
             isFinalBlock is true. Path: $ | LineNumber: {line} | BytePositionInLine: {byte}."
        );
        errors.insert("$".to_owned(), vec![msg]);
        required(model, &mut errors);
        return Err(AppError::Validation(errors));
    }
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            let msg = format!(
                "{} Path: $ | LineNumber: {} | BytePositionInLine: {}.",
                e.to_string().split(" at line").next().unwrap_or_default(),
                e.line().saturating_sub(1),
                e.column()
            );
            errors.insert("$".to_owned(), vec![msg]);
            required(model, &mut errors);
            return Err(AppError::Validation(errors));
        }
    };
    let object = match value {
        Value::Object(_) => value,
        Value::Null => {
            required(model, &mut errors);
            return Err(AppError::Validation(errors));
        }
        _ => {
            errors.insert("$".to_owned(), vec![conversion("$", model.type_name)]);
            required(model, &mut errors);
            return Err(AppError::Validation(errors));
        }
    };
    let names: Vec<&str> = model.members.iter().map(|(n, _)| *n).collect();
    let object = canonicalize_keys(object, &names);
    let missing: Vec<&str> = model.required.iter().copied().filter(|m| object.get(*m).is_none()).collect();
    if !missing.is_empty() {
        let list = missing.iter().map(|m| format!("'{m}'")).collect::<Vec<_>>().join(", ");
        let msg = format!(
            "JSON deserialization for type '{}' was missing required properties including: {list}.",
            model.type_name
        );
        errors.insert("$".to_owned(), vec![msg]);
        required(model, &mut errors);
        return Err(AppError::Validation(errors));
    }
    if let Some((name, type_name)) = model.members.iter().find(|(name, type_name)| {
        type_name.contains("System.Boolean") && matches!(object.get(*name), Some(Value::String(_)))
    }) {
        let path = format!("$.{name}");
        errors.insert(path.clone(), vec![conversion(&path, type_name)]);
        required(model, &mut errors);
        return Err(AppError::Validation(errors));
    }
    match serde_json::from_value::<T>(object.clone()) {
        Ok(t) => Ok(t),
        Err(_) => {
            // Name the member that did not convert, as System.Text.Json does.
            for (name, type_name) in model.members {
                if let Some(v) = object.get(*name) {
                    let single = Value::Object([((*name).to_owned(), v.clone())].into_iter().collect());
                    if serde_json::from_value::<T>(single).is_err() {
                        let path = format!("$.{name}");
                        errors.insert(path.clone(), vec![conversion(&path, type_name)]);
                    }
                }
            }
            if errors.is_empty() {
                errors.insert("$".to_owned(), vec![conversion("$", model.type_name)]);
            }
            required(model, &mut errors);
            Err(AppError::Validation(errors))
        }
    }
}
