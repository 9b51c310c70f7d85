//! Altinn's token exchange and refresh (events-auth contract §3.1, §3.3): a Maskinporten token for an Altinn token,
//! and a fresh Altinn token for a valid one. The work is `crate::auth::exchange`'s; this module reads the request
//! and writes the answer as ASP.NET writes an action's `Ok(string)`.

use altinn_broker_core::platform::{EXCHANGE, REFRESH};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::exchange::{self, ExchangeError, ExchangeRequest, ENTERPRISE_USER_HEADER};
use crate::error::AppError;
use crate::routes::openapi;
use crate::routes::platform::negotiate::string_result;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(exchange_token)).routes(routes!(refresh))
}

/// The 410 the exchange answers `X-Altinn-EnterpriseUser-Authentication` with (a `ProblemDetails` object result).
fn enterprise_user_gone() -> Response {
    let body = json!({
        "type": "https://docs.altinn.studio",
        "title": "Virksomhetsbruker is no longer available",
        "status": 410,
        "detail": "Enterprise user (virksomhetsbruker) authentication was discontinued: use a system user \
                   (systembruker) or ID-porten instead.",
    });
    let mut res = (StatusCode::GONE, body.to_string()).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json; charset=utf-8"));
    res
}

fn header_text(headers: &HeaderMap, name: impl header::AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ExchangeQuery {
    /// With the `altinn:serviceowner` scope and consumer digdir: `urn:altinn:org` becomes `ttd`.
    test: Option<String>,
}

/// `[FromQuery] bool test`: `true`/`false` in any case; another value is a model-binding 400.
fn parse_test(value: Option<&str>) -> Result<bool, AppError> {
    match value.map(str::trim) {
        None | Some("") => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        Some(v) => Err(AppError::validation("test", format!("The value '{v}' is not valid."))),
    }
}

#[utoipa::path(get, path = EXCHANGE, tag = openapi::TAG_AUTH,
    summary = "Exchange a Maskinporten token for an Altinn token (events-auth contract §3.1)",
    params(("tokenProvider" = String, Path, description = "`maskinporten` (case-insensitive)"), ExchangeQuery),
    responses(
        (status = 200, description = "The Altinn JWT: raw text, or a JSON string with `Accept: application/json`",
            content((String = "text/plain"), (String = "application/json"))),
        (status = 400, description = "Unknown token provider (text, or a JSON string with `Accept: application/json`), \
            or `test` is not a bool (ValidationProblemDetails)",
            content((String = "text/plain"), (String = "application/json"),
                (openapi::ValidationProblemDetails = "application/problem+json"))),
        (status = 401, description = "No, an unreadable or an invalid Maskinporten token (ASP.NET client-error ProblemDetails)",
            body = openapi::ProblemDetails, content_type = "application/problem+json"),
        (status = 410, description = "`X-Altinn-EnterpriseUser-Authentication` sent: enterprise users are gone",
            body = openapi::ProblemDetails, content_type = "application/problem+json"),
    ))]
async fn exchange_token(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    Query(q): Query<ExchangeQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let req = ExchangeRequest {
        provider: &provider,
        authorization: header_text(&headers, header::AUTHORIZATION),
        test: parse_test(q.test.as_deref())?,
        enterprise_user: header_text(&headers, ENTERPRISE_USER_HEADER).is_some_and(|v| !v.is_empty()),
    };
    let world = &state.world.config().org_codes;
    Ok(match exchange::exchange(req, &state.maskinporten, &state.auth, world, state.clock.now()) {
        Ok(jwt) => string_result(StatusCode::OK, &jwt, &headers),
        Err(e @ ExchangeError::UnknownProvider(_)) => string_result(StatusCode::BAD_REQUEST, &e.to_string(), &headers),
        Err(ExchangeError::EnterpriseUserGone) => enterprise_user_gone(),
        // `Unauthorized()` under [ApiController]: the client-error ProblemDetails.
        Err(ExchangeError::Unauthorized) => AppError::Client(StatusCode::UNAUTHORIZED).into_response(),
    })
}

#[utoipa::path(get, path = REFRESH, tag = openapi::TAG_AUTH,
    extensions(("x-altinn-scopes" = json!([]))),
    summary = "A fresh Altinn token for a valid one (events-auth contract §3.3)",
    responses(
        (status = 200, description = "The Altinn JWT: raw text, or a JSON string with `Accept: application/json`",
            content((String = "text/plain"), (String = "application/json"))),
        (status = 401, description = "No valid Altinn token (Bearer or the AltinnStudioRuntime cookie); empty body"),
    ))]
async fn refresh(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let authorization = header_text(&headers, header::AUTHORIZATION);
    let cookie = header_text(&headers, header::COOKIE);
    match exchange::refresh(authorization, cookie, &state.auth, state.clock.now()) {
        Ok(jwt) => string_result(StatusCode::OK, &jwt, &headers),
        // `[Authorize]` fails in the authentication middleware: an empty 401.
        Err(_) => StatusCode::UNAUTHORIZED.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_flag_binds_as_a_bool() {
        assert!(!parse_test(None).unwrap());
        assert!(parse_test(Some("True")).unwrap());
        assert!(!parse_test(Some("false")).unwrap());
        assert!(parse_test(Some("yes")).is_err());
    }
}
