//! `GET /swagger/v1/swagger.json`: an OpenAPI 3 document of everything the emulator serves, where the real service
//! has its Swashbuckle document. Each operation names its authorization policy in `x-altinn-policy` (and its
//! scopes in `security`), which `tests/authz_matrix.rs` holds the implementation to; `tests/openapi.rs` checks that
//! every route is documented and every documented operation is served.
//!
//! Written as data rather than derived from handler annotations: the contract, not the Rust types, is what the
//! document describes (PascalCase form fields, `TimeSpan` strings, duplicated `traceId`, ...).

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use crate::auth::Policy;
use crate::state::AppState;

pub const PATH: &str = "/swagger/v1/swagger.json";

pub fn router() -> Router<AppState> {
    Router::new().route(PATH, get(|| async { Json(document()) }))
}

const TAG_TRANSFER: &str = "FileTransfer";
const TAG_RESOURCE: &str = "Resource";
const TAG_SERVICE_OWNER: &str = "ServiceOwner";
const TAG_AUTH: &str = "Authentication (emulated)";
const TAG_HOOKS: &str = "Emulator test hooks";

fn policy_name(p: Policy) -> &'static str {
    match p {
        Policy::Sender => "Sender",
        Policy::Recipient => "Recipient",
        Policy::SenderOrRecipient => "SenderOrRecipient",
        Policy::ServiceOwner => "ServiceOwner",
    }
}

/// Reads the policy an operation declares in `x-altinn-policy`.
pub fn policy_of(operation: &Value) -> Option<Policy> {
    match operation.get("x-altinn-policy")?.as_str()? {
        "Sender" => Some(Policy::Sender),
        "Recipient" => Some(Policy::Recipient),
        "SenderOrRecipient" => Some(Policy::SenderOrRecipient),
        "ServiceOwner" => Some(Policy::ServiceOwner),
        _ => None,
    }
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn json_content(schema: Value) -> Value {
    json!({ "application/json": { "schema": schema } })
}

/// Responses every authorised operation can give, plus its own.
fn responses(policy: Option<Policy>, own: Value) -> Value {
    let mut out = own.as_object().cloned().unwrap_or_default();
    if policy.is_some() {
        out.entry("401").or_insert(json!({
            "description": "No, a malformed or an expired bearer token (empty body, `WWW-Authenticate: Bearer ...`); or, with a ProblemDetails body, BRO-00006 when the PDP denies access",
        }));
        out.entry("403").or_insert(json!({ "description": "The token lacks the policy's scope (empty body)" }));
    }
    Value::Object(out)
}

fn problem(description: &str) -> Value {
    json!({ "description": description, "content": {
        "application/json": { "schema": schema_ref("ProblemDetails") },
        "application/problem+json": { "schema": schema_ref("ProblemDetails") },
    }})
}

fn validation(description: &str) -> Value {
    json!({ "description": description, "content": {
        "application/problem+json": { "schema": schema_ref("ValidationProblemDetails") },
    }})
}

struct Op {
    tag: &'static str,
    summary: &'static str,
    policy: Option<Policy>,
    parameters: Vec<Value>,
    request_body: Option<Value>,
    responses: Value,
}

impl Op {
    fn into_json(self, operation_id: String) -> Value {
        let mut op = Map::new();
        op.insert("tags".into(), json!([self.tag]));
        op.insert("summary".into(), self.summary.into());
        op.insert("operationId".into(), operation_id.into());
        if !self.parameters.is_empty() {
            op.insert("parameters".into(), Value::Array(self.parameters));
        }
        if let Some(body) = self.request_body {
            op.insert("requestBody".into(), body);
        }
        op.insert("responses".into(), responses(self.policy, self.responses));
        match self.policy {
            Some(p) => {
                op.insert("security".into(), json!([{ "bearer": p.scopes() }]));
                op.insert("x-altinn-policy".into(), policy_name(p).into());
            }
            None => {
                op.insert("security".into(), json!([]));
            }
        }
        Value::Object(op)
    }
}

fn path_param(name: &str, description: &str, format: Option<&str>) -> Value {
    let mut schema = json!({ "type": "string" });
    if let Some(f) = format {
        schema["format"] = f.into();
    }
    json!({ "name": name, "in": "path", "required": true, "description": description, "schema": schema })
}

fn query(name: &str, required: bool, schema: Value, description: &str) -> Value {
    json!({ "name": name, "in": "query", "required": required, "description": description, "schema": schema })
}

fn transfer_id() -> Value {
    path_param("fileTransferId", "The file transfer's id", Some("uuid"))
}

fn string() -> Value {
    json!({ "type": "string" })
}

/// The operations, by path and method.
fn operations() -> Vec<(&'static str, &'static str, Op)> {
    use Policy::*;
    let ft_response = || json!({ "200": { "description": "OK", "content": json_content(schema_ref("FileTransferInitializeResponseExt")) } });
    vec![
        (
            "/broker/api/v1/filetransfer",
            "post",
            Op {
                tag: TAG_TRANSFER,
                summary: "Initialize a file transfer",
                policy: Some(Sender),
                parameters: vec![],
                request_body: Some(
                    json!({ "required": true, "content": json_content(schema_ref("FileTransferInitalizeExt")) }),
                ),
                responses: {
                    let mut r = ft_response();
                    r["400"] = validation("Validation failure, or BRO-00002/20/25/26/27/28 as ProblemDetails");
                    r["503"] = problem("BRO-00021 storage provider not ready");
                    r
                },
            },
        ),
        (
            "/broker/api/v1/filetransfer",
            "get",
            Op {
                tag: TAG_TRANSFER,
                summary: "Search the caller's file transfers (at most 100 ids)",
                policy: Some(SenderOrRecipient),
                parameters: vec![
                    query("resourceId", true, string(), "Used verbatim (no URN prefix stripping)"),
                    query("status", false, schema_ref("FileTransferStatusExt"), "The transfer's latest status"),
                    query(
                        "recipientStatus",
                        false,
                        schema_ref("RecipientFileTransferStatusExt"),
                        "The caller's latest recipient status; ignores role",
                    ),
                    query(
                        "from",
                        false,
                        json!({ "type": "string", "format": "date-time" }),
                        "Lower bound (exclusive unless `to` is given)",
                    ),
                    query("to", false, json!({ "type": "string", "format": "date-time" }), "Upper bound"),
                    query("orderAscending", false, json!({ "type": "boolean" }), "Default descending"),
                    query("role", false, json!({ "type": "string", "enum": ["Sender", "Recipient"] }), "Omitted: both"),
                ],
                request_body: None,
                responses: json!({
                    "200": { "description": "Ids", "content": json_content(json!({ "type": "array", "items": { "type": "string", "format": "uuid" } })) },
                    "400": validation("resourceId missing or a parameter unreadable"),
                    "403": problem("BRO-00005 resource not configured, or (empty body) missing scope"),
                }),
            },
        ),
        (
            "/broker/api/v1/filetransfer/upload",
            "post",
            Op {
                tag: TAG_TRANSFER,
                summary: "Initialize and upload in one multipart request",
                policy: Some(Sender),
                parameters: vec![],
                request_body: Some(
                    json!({ "required": true, "content": { "multipart/form-data": { "schema": schema_ref("FileTransferInitializeAndUploadExt") } } }),
                ),
                responses: {
                    let mut r = ft_response();
                    r["400"] = validation("Validation failure or any initialize/upload error");
                    r["503"] = problem("BRO-00021");
                    r
                },
            },
        ),
        (
            "/broker/api/v1/filetransfer/{fileTransferId}",
            "get",
            Op {
                tag: TAG_TRANSFER,
                summary: "File transfer overview",
                policy: Some(SenderOrRecipient),
                parameters: vec![transfer_id()],
                request_body: None,
                responses: json!({
                    "200": { "description": "OK", "content": json_content(schema_ref("FileTransferOverviewExt")) },
                    "400": validation("Malformed id"),
                    "404": problem("BRO-00001"),
                }),
            },
        ),
        (
            "/broker/api/v1/filetransfer/{fileTransferId}/details",
            "get",
            Op {
                tag: TAG_TRANSFER,
                summary: "File transfer details with status histories",
                policy: Some(SenderOrRecipient),
                parameters: vec![transfer_id()],
                request_body: None,
                responses: json!({
                    "200": { "description": "OK", "content": json_content(schema_ref("FileTransferStatusDetailsExt")) },
                    "400": validation("Malformed id"),
                    "404": problem("BRO-00001"),
                }),
            },
        ),
        (
            "/broker/api/v1/filetransfer/{fileTransferId}/upload",
            "post",
            Op {
                tag: TAG_TRANSFER,
                summary: "Upload the file (streamed body)",
                policy: Some(Sender),
                parameters: vec![transfer_id()],
                request_body: Some(
                    json!({ "required": true, "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } }),
                ),
                responses: {
                    let mut r = ft_response();
                    r["400"] = problem("BRO-00002/09/16");
                    r["404"] = problem("BRO-00001");
                    r["409"] = problem("BRO-00004");
                    r["415"] = json!({ "description": "Content-Type other than application/octet-stream" });
                    r["500"] = problem("BRO-00008");
                    r["503"] = problem("BRO-00021");
                    r
                },
            },
        ),
        (
            "/broker/api/v1/filetransfer/{fileTransferId}/download",
            "get",
            Op {
                tag: TAG_TRANSFER,
                summary: "Download the file (single byte range supported)",
                policy: Some(Recipient),
                parameters: vec![
                    transfer_id(),
                    json!({ "name": "Range", "in": "header", "required": false, "schema": string(), "description": "bytes=a-b, bytes=a- or bytes=-n" }),
                ],
                request_body: None,
                responses: json!({
                    "200": { "description": "The file", "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } },
                    "206": { "description": "The requested range", "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } },
                    "400": problem("BRO-00002/03"),
                    "403": problem("BRO-00005/07, or (empty body) missing scope"),
                    "404": problem("BRO-00001"),
                    "416": problem("BRO-00029"),
                }),
            },
        ),
        (
            "/broker/api/v1/filetransfer/{fileTransferId}/confirmdownload",
            "post",
            Op {
                tag: TAG_TRANSFER,
                summary: "Confirm the download",
                policy: Some(Recipient),
                parameters: vec![transfer_id()],
                request_body: None,
                responses: json!({
                    "204": { "description": "Confirmed" },
                    "400": problem("BRO-00003/10/19"),
                    "404": problem("BRO-00001"),
                }),
            },
        ),
        (
            "/broker/api/v1/resource/{resourceId}",
            "put",
            Op {
                tag: TAG_RESOURCE,
                summary: "Configure a resource for Broker (partial update)",
                policy: Some(ServiceOwner),
                parameters: vec![path_param("resourceId", "The bare resource id", None)],
                request_body: Some(json!({ "required": true, "content": json_content(schema_ref("ResourceExt")) })),
                responses: json!({
                    "204": { "description": "Configured" },
                    "400": validation("Model validation (key \"\" for the manifest shim rule) or BRO-00011..18/22/24"),
                    "403": problem("BRO-00005, or (empty body) missing scope"),
                    "415": { "description": "Content-Type is not application/json" },
                }),
            },
        ),
        (
            "/broker/api/v1/resource/{resourceId}",
            "get",
            Op {
                tag: TAG_RESOURCE,
                summary: "A resource's Broker configuration (durations as .NET TimeSpan strings)",
                policy: Some(ServiceOwner),
                parameters: vec![path_param("resourceId", "The bare resource id", None)],
                request_body: None,
                responses: json!({
                    "200": { "description": "OK", "content": json_content(schema_ref("ResourceExt")) },
                    "400": problem("BRO-00025"),
                }),
            },
        ),
        (
            "/broker/api/v1/serviceowner",
            "post",
            Op {
                tag: TAG_SERVICE_OWNER,
                summary: "Register the caller's organisation as a Broker service owner",
                policy: Some(ServiceOwner),
                parameters: vec![],
                request_body: Some(
                    json!({ "required": true, "content": json_content(schema_ref("ServiceOwnerInitializeExt")) }),
                ),
                responses: json!({
                    "200": { "description": "Registered (empty body)" },
                    "400": problem("BRO-07001, or a validation failure"),
                    "409": problem("BRO-07002"),
                    "415": { "description": "Content-Type is not application/json" },
                }),
            },
        ),
        (
            "/broker/api/v1/serviceowner",
            "get",
            Op {
                tag: TAG_SERVICE_OWNER,
                summary: "The caller's service owner and storage providers",
                policy: Some(ServiceOwner),
                parameters: vec![],
                request_body: None,
                responses: json!({
                    "200": { "description": "OK", "content": json_content(schema_ref("ServiceOwnerOverviewExt")) },
                    "400": problem("BRO-07001"),
                    "404": problem("BRO-07004"),
                }),
            },
        ),
        (
            "/broker/api/v1/statistics/monthly",
            "get",
            Op {
                tag: TAG_SERVICE_OWNER,
                summary: "Monthly statistics of the caller's resources as CSV",
                policy: Some(ServiceOwner),
                parameters: vec![
                    query("year", true, json!({ "type": "integer", "format": "int32" }), "1-9999"),
                    query("month", true, json!({ "type": "integer", "format": "int32" }), "1-12"),
                    query("resourceId", false, string(), "One resource only"),
                    query(
                        "includeEndUser",
                        false,
                        json!({ "type": "boolean", "default": true }),
                        "Sender and recipient columns",
                    ),
                    query("includeVendor", false, json!({ "type": "boolean", "default": false }), "Vendor columns"),
                ],
                request_body: None,
                responses: json!({
                    "200": { "description": "CSV attachment `monthly_statistics_<resource or all-resources>_<yyyy-MM>.csv`", "content": { "text/csv": { "schema": string() } } },
                    "400": problem("BRO-06003/06005/00025"),
                }),
            },
        ),
        (
            "/broker/api/v1/filetransfer/upload/tus/{fileTransferId}",
            "options",
            tus(
                "tus discovery: Tus-Version, Tus-Extension, Tus-Checksum-Algorithm (needs a token)",
                vec![transfer_id()],
                json!({ "204": { "description": "Capabilities in headers" } }),
            ),
        ),
        (
            "/broker/api/v1/filetransfer/upload/tus/{fileTransferId}",
            "post",
            tus(
                "tus creation (Upload-Length; Upload-Concat: partial or final;...)",
                vec![
                    transfer_id(),
                    tus_header("Upload-Length"),
                    tus_header("Upload-Concat"),
                    tus_header("Upload-Metadata"),
                ],
                json!({ "201": { "description": "Created; root-relative Location, Upload-Expires" }, "400": { "description": "Plain text, e.g. File size exceeds maximum" }, "404": { "description": "Missing file transfer id (plain text)" }, "409": { "description": "BRO-00004 text (plain text)" } }),
            ),
        ),
        (
            "/broker/api/v1/filetransfer/upload/tus/{fileTransferId}",
            "head",
            tus(
                "tus offset of the upload",
                vec![transfer_id()],
                json!({ "200": { "description": "Upload-Offset, Upload-Length" }, "404": { "description": "Unknown upload" } }),
            ),
        ),
        (
            "/broker/api/v1/filetransfer/upload/tus/{fileTransferId}",
            "patch",
            tus(
                "tus data (application/offset+octet-stream at Upload-Offset)",
                vec![transfer_id(), tus_header("Upload-Offset")],
                json!({ "204": { "description": "New Upload-Offset" }, "409": { "description": "Offset mismatch (plain text)" }, "415": { "description": "Wrong content type" }, "460": { "description": "Any Upload-Checksum (the service never verifies one)" } }),
            ),
        ),
        (
            "/broker/api/v1/filetransfer/upload/tus/{fileTransferId}",
            "delete",
            tus(
                "tus termination (the transfer stays UploadStarted)",
                vec![transfer_id()],
                json!({ "204": { "description": "Terminated" }, "409": { "description": "Upload already completed" } }),
            ),
        ),
        (
            "/broker/api/v1/filetransfer/upload/tus/{fileTransferId}/partial/{partialUploadId}",
            "head",
            tus(
                "tus offset of a partial upload",
                vec![transfer_id(), partial_id()],
                json!({ "200": { "description": "Upload-Offset, Upload-Length" } }),
            ),
        ),
        (
            "/broker/api/v1/filetransfer/upload/tus/{fileTransferId}/partial/{partialUploadId}",
            "patch",
            tus(
                "tus data of a partial upload",
                vec![transfer_id(), partial_id(), tus_header("Upload-Offset")],
                json!({ "204": { "description": "New Upload-Offset" } }),
            ),
        ),
        (
            "/broker/api/v1/filetransfer/upload/tus/{fileTransferId}/partial/{partialUploadId}",
            "delete",
            tus(
                "tus termination of a partial upload",
                vec![transfer_id(), partial_id()],
                json!({ "204": { "description": "Terminated" } }),
            ),
        ),
        (
            "/broker/api/v1/filetransfer/upload/tus/{fileTransferId}/{partialUploadId}",
            "head",
            tus(
                "Legacy partial URL (rewritten to /partial/)",
                vec![transfer_id(), partial_id()],
                json!({ "200": { "description": "As /partial/" } }),
            ),
        ),
        (
            "/broker/api/v1/filetransfer/upload/tus/{fileTransferId}/{partialUploadId}",
            "patch",
            tus(
                "Legacy partial URL (rewritten to /partial/)",
                vec![transfer_id(), partial_id()],
                json!({ "204": { "description": "As /partial/" } }),
            ),
        ),
        (
            "/broker/api/v1/filetransfer/upload/tus/{fileTransferId}/{partialUploadId}",
            "delete",
            tus(
                "Legacy partial URL (rewritten to /partial/)",
                vec![transfer_id(), partial_id()],
                json!({ "204": { "description": "As /partial/" } }),
            ),
        ),
        (
            "/swagger/v1/swagger.json",
            "get",
            Op {
                tag: TAG_HOOKS,
                summary: "This document",
                policy: None,
                parameters: vec![],
                request_body: None,
                responses: json!({ "200": { "description": "OpenAPI 3 document", "content": json_content(json!({ "type": "object" })) } }),
            },
        ),
        (
            "/api/GetEnterpriseToken",
            "get",
            Op {
                tag: TAG_AUTH,
                summary: "A test enterprise token (shape of Altinn's test token generator)",
                policy: None,
                parameters: vec![
                    query("orgNo", true, string(), "9-digit organisation number"),
                    query("scopes", true, string(), "Space or comma separated"),
                    query("ttl", false, json!({ "type": "integer" }), "Lifetime in seconds (default 1800)"),
                    query("env", false, string(), "Accepted and ignored"),
                    query("org", false, string(), "Accepted and ignored"),
                ],
                request_body: None,
                responses: json!({
                    "200": { "description": "The JWT", "content": { "text/plain": { "schema": string() } } },
                    "400": { "description": "A parameter is missing or invalid (plain text reason)", "content": { "text/plain": { "schema": string() } } },
                }),
            },
        ),
        (
            "/api/GetSystemUserToken",
            "get",
            Op {
                tag: TAG_AUTH,
                summary: "A test system user token carrying authorization_details",
                policy: None,
                parameters: vec![
                    query("systemUserOrg", true, string(), "The org the system user acts for"),
                    query("scopes", true, string(), "Space or comma separated"),
                    query("ttl", false, json!({ "type": "integer" }), "Lifetime in seconds (default 1800)"),
                    query("supplierOrgNo", false, string(), "The system's vendor (`consumer`); default systemUserOrg"),
                    query("systemUserId", false, string(), "Default: a new GUID"),
                    query("systemId", false, string(), "Default: <vendor>_emulator"),
                    query("clientId", false, string(), "Default: a new GUID"),
                ],
                request_body: None,
                responses: json!({
                    "200": { "description": "The JWT", "content": { "text/plain": { "schema": string() } } },
                    "400": { "description": "A parameter is missing or invalid (plain text reason)", "content": { "text/plain": { "schema": string() } } },
                }),
            },
        ),
        (
            "/authentication/api/v1/openid/.well-known/openid-configuration",
            "get",
            Op {
                tag: TAG_AUTH,
                summary: "OpenID configuration of the emulator's issuer",
                policy: None,
                parameters: vec![],
                request_body: None,
                responses: json!({ "200": { "description": "OK", "content": json_content(json!({ "type": "object" })) } }),
            },
        ),
        (
            "/authentication/api/v1/openid/.well-known/openid-configuration/jwks",
            "get",
            Op {
                tag: TAG_AUTH,
                summary: "The issuer's signing keys",
                policy: None,
                parameters: vec![],
                request_body: None,
                responses: json!({ "200": { "description": "JWKS", "content": json_content(json!({ "type": "object" })) } }),
            },
        ),
        ("/emulator/api/clock", "get", hook("The emulator clock", vec![], None)),
        (
            "/emulator/api/clock/advance",
            "post",
            hook(
                "Move the clock and run what fell due",
                vec![query("by", true, string(), "ISO 8601 duration, e.g. PT30S, P31D")],
                None,
            ),
        ),
        (
            "/emulator/api/scan",
            "post",
            hook(
                "Hold or automate malware scans",
                vec![query("mode", true, json!({ "type": "string", "enum": ["hold", "auto"] }), "")],
                None,
            ),
        ),
        (
            "/emulator/api/scan/release",
            "post",
            hook(
                "Finish a held scan",
                vec![
                    query("fileTransferId", true, json!({ "type": "string", "format": "uuid" }), ""),
                    query(
                        "result",
                        false,
                        json!({ "type": "string", "enum": ["clean", "malware"] }),
                        "Default: by content (EICAR)",
                    ),
                ],
                None,
            ),
        ),
        (
            "/emulator/api/faults",
            "post",
            hook(
                "Arm a fault rule",
                vec![],
                Some(json!({ "required": true, "content": json_content(schema_ref("FaultRule")) })),
            ),
        ),
        ("/emulator/api/faults", "delete", hook("Remove every fault rule", vec![], None)),
        (
            "/emulator/api/events",
            "get",
            hook(
                "The recorded CloudEvents, oldest first",
                vec![
                    query(
                        "fileTransferId",
                        false,
                        json!({ "type": "string", "format": "uuid" }),
                        "Only this transfer's events (`resourceinstance`)",
                    ),
                    query("type", false, string(), "Only this type: `published` or `no.altinn.broker.published`"),
                ],
                None,
            ),
        ),
    ]
}

const TAG_TUS: &str = "FileTransfer (tus)";

/// A tus 1.0.0 operation: `Tus-Resumable: 1.0.0` on every request but OPTIONS; errors are plain text.
fn tus(summary: &'static str, mut parameters: Vec<Value>, own: Value) -> Op {
    parameters.push(tus_header("Tus-Resumable"));
    Op { tag: TAG_TUS, summary, policy: Some(Policy::Sender), parameters, request_body: None, responses: own }
}

fn tus_header(name: &str) -> Value {
    json!({ "name": name, "in": "header", "required": false, "schema": string() })
}

fn partial_id() -> Value {
    path_param("partialUploadId", "A partial upload's id (32 hex digits)", None)
}

fn hook(summary: &'static str, parameters: Vec<Value>, request_body: Option<Value>) -> Op {
    Op {
        tag: TAG_HOOKS,
        summary,
        policy: None,
        parameters,
        request_body,
        responses: json!({ "2XX": { "description": "Done" }, "400": { "description": "Bad parameters" } }),
    }
}

fn nullable(mut schema: Value) -> Value {
    schema["nullable"] = true.into();
    schema
}

fn object(properties: Value, required: &[&str]) -> Value {
    json!({ "type": "object", "properties": properties, "required": required })
}

fn schemas() -> Value {
    let datetime = || json!({ "type": "string", "format": "date-time" });
    let summary = json!({
        "fileTransferId": { "type": "string", "format": "uuid" },
        "resourceId": string(),
        "fileName": string(),
        "sendersFileTransferReference": nullable(string()),
        "checksum": nullable(string()),
        "useVirusScan": { "type": "boolean" },
        "fileTransferSize": { "type": "integer", "format": "int64" },
        "fileTransferStatus": schema_ref("FileTransferStatusExt"),
        "fileTransferStatusText": string(),
        "fileTransferStatusChanged": datetime(),
        "created": datetime(),
        "expirationTime": datetime(),
        "sender": string(),
        "recipients": { "type": "array", "items": schema_ref("RecipientFileTransferStatusDetailsExt") },
        "propertyList": { "type": "object", "additionalProperties": string() },
    });
    let mut overview = summary.clone();
    overview["published"] = nullable(datetime());
    let mut details = summary;
    details["fileTransferStatusHistory"] =
        json!({ "type": "array", "items": schema_ref("FileTransferStatusEventExt") });
    details["recipientFileTransferStatusHistory"] =
        json!({ "type": "array", "items": schema_ref("RecipientFileTransferStatusEventExt") });
    let org =
        json!({ "type": "string", "pattern": "^(?:\\d{4}:\\d{9}|urn:altinn:organization:identifier-no:\\d{9})$" });
    json!({
        "FileTransferStatusExt": { "type": "string", "enum": altinn_broker_core::FileTransferStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>() },
        "RecipientFileTransferStatusExt": { "type": "string", "enum": altinn_broker_core::RecipientStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>() },
        "StorageProviderTypeExt": { "type": "string", "enum": ["AltinnAzure", "AltinnAzureWithoutVirusScan"] },
        "DeploymentStatusExt": { "type": "string", "enum": ["NotStarted", "DeployingResources", "Ready"] },
        "FileTransferInitalizeExt": object(json!({
            "fileName": { "type": "string", "minLength": 1, "maxLength": 255 },
            "resourceId": { "type": "string", "minLength": 1, "maxLength": 255, "pattern": "^(?:urn:altinn:resource:)?[^:]{1,255}$" },
            "sendersFileTransferReference": { "type": "string", "minLength": 1, "maxLength": 4096 },
            "sender": org,
            "recipients": { "type": "array", "minItems": 1, "items": org },
            "propertyList": { "type": "object", "maxProperties": 10, "additionalProperties": { "type": "string", "maxLength": 3000 } },
            "checksum": nullable(json!({ "type": "string", "minLength": 32, "maxLength": 32, "description": "Lower-case MD5 hex" })),
            "disableVirusScan": nullable(json!({ "type": "boolean" })),
        }), &["fileName", "resourceId", "sendersFileTransferReference", "sender", "recipients"]),
        "FileTransferInitializeAndUploadExt": object(json!({
            "Metadata.FileName": string(),
            "Metadata.ResourceId": string(),
            "Metadata.SendersFileTransferReference": string(),
            "Metadata.Sender": string(),
            "Metadata.Recipients": { "type": "array", "items": string() },
            "Metadata.PropertyList[key]": string(),
            "Metadata.Checksum": string(),
            "Metadata.DisableVirusScan": { "type": "boolean" },
            "FileTransfer": { "type": "string", "format": "binary" },
        }), &["Metadata.FileName", "Metadata.ResourceId", "Metadata.Sender", "Metadata.Recipients", "FileTransfer"]),
        "FileTransferInitializeResponseExt": object(json!({ "fileTransferId": { "type": "string", "format": "uuid" } }), &["fileTransferId"]),
        "RecipientFileTransferStatusDetailsExt": object(json!({
            "recipient": string(),
            "currentRecipientFileTransferStatusCode": schema_ref("RecipientFileTransferStatusExt"),
            "currentRecipientFileTransferStatusText": string(),
            "currentRecipientFileTransferStatusChanged": datetime(),
        }), &[]),
        "FileTransferStatusEventExt": object(json!({
            "fileTransferStatus": schema_ref("FileTransferStatusExt"),
            "fileTransferStatusText": string(),
            "fileTransferStatusChanged": datetime(),
        }), &[]),
        "RecipientFileTransferStatusEventExt": object(json!({
            "recipient": string(),
            "recipientFileTransferStatusCode": schema_ref("RecipientFileTransferStatusExt"),
            "recipientFileTransferStatusText": string(),
            "recipientFileTransferStatusChanged": datetime(),
        }), &[]),
        "FileTransferOverviewExt": object(overview, &[]),
        "FileTransferStatusDetailsExt": object(details, &[]),
        "ResourceExt": object(json!({
            "maxFileTransferSize": nullable(json!({ "type": "integer", "format": "int64" })),
            "fileTransferTimeToLive": nullable(json!({ "type": "string", "description": "PUT: ISO 8601 duration (P30D). GET: .NET TimeSpan (30.00:00:00)" })),
            "purgeFileTransferAfterAllRecipientsConfirmed": nullable(json!({ "type": "boolean" })),
            "purgeFileTransferGracePeriod": nullable(json!({ "type": "string", "description": "PUT: ISO 8601 duration (PT2H). GET: .NET TimeSpan (02:00:00)" })),
            "useManifestFileShim": nullable(json!({ "type": "boolean" })),
            "externalServiceCodeLegacy": nullable(string()),
            "externalServiceEditionCodeLegacy": nullable(json!({ "type": "integer", "format": "int32" })),
            "requiredParty": nullable(string()),
        }), &[]),
        "ServiceOwnerInitializeExt": object(json!({ "name": string() }), &["name"]),
        "StorageProviderExt": object(json!({
            "type": schema_ref("StorageProviderTypeExt"),
            "deploymentStatus": schema_ref("DeploymentStatusExt"),
            "deploymentEnvironment": string(),
        }), &[]),
        "ServiceOwnerOverviewExt": object(json!({
            "name": string(),
            "storageProviders": { "type": "array", "items": schema_ref("StorageProviderExt") },
        }), &[]),
        "ProblemDetails": object(json!({
            "type": string(), "title": string(), "status": { "type": "integer" }, "detail": string(),
            "code": { "type": "string", "description": "BRO-000NN" }, "traceId": string(), "statusDescription": string(),
        }), &[]),
        "ValidationProblemDetails": object(json!({
            "type": string(), "title": string(), "status": { "type": "integer" }, "traceId": string(),
            "errors": { "type": "object", "additionalProperties": { "type": "array", "items": string() } },
        }), &[]),
        "FaultRule": object(json!({
            "method": string(), "path": string(), "count": { "type": "integer" }, "status": { "type": "integer" },
            "retryAfter": { "type": "integer" }, "delayMs": { "type": "integer" }, "dropAfterBytes": { "type": "integer" },
        }), &["path", "count"]),
    })
}

/// The whole document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for (path, method, op) in operations() {
        let operation_id = format!("{method}_{}", path.trim_matches('/').replace(['/', '.', '{', '}'], "_"));
        let entry = paths.entry(path.to_owned()).or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(m) = entry {
            m.insert(method.to_owned(), op.into_json(operation_id));
        }
    }
    json!({
        "openapi": "3.0.1",
        "info": {
            "title": "Altinn 3 Broker (emulator)",
            "version": "v1",
            "description": "The Altinn 3 Broker API as served by altinn-broker-emulator (Production profile), plus the emulator's token issuer and test hooks.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" } },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reference_resolves() {
        let doc = document();
        let text = doc.to_string();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for part in text.split("#/components/schemas/").skip(1) {
            let name: String = part.chars().take_while(|c| *c != '"').collect();
            assert!(schemas.contains_key(&name), "unresolved $ref {name}");
        }
    }

    #[test]
    fn policies_round_trip() {
        let doc = document();
        let op = &doc["paths"]["/broker/api/v1/filetransfer/{fileTransferId}/download"]["get"];
        assert_eq!(policy_of(op), Some(Policy::Recipient));
        assert_eq!(op["security"][0]["bearer"][0], "altinn:broker.read");
    }
}
