//! The initialize model read as the service's MVC binds it, for both of its actions (Altinn/altinn-broker @161ba12,
//! `src/Altinn.Broker.API/Controllers/FileTransferController.cs`):
//!
//! - `InitializeFileTransfer(FileTransferInitalizeExt initializeExt)`: the JSON body through System.Text.Json, then
//!   the model validation. The whole verdict is `altinn_broker_core::validate::initialize_json` (the same code the
//!   client runs), so the emulator and the client cannot drift apart on it.
//! - `InitializeAndUpload([FromForm] FileTransferInitializeAndUploadExt form)`: the `Metadata.*` form fields bound by
//!   MVC's form binders into the same model ([`MetadataForm`]), then `validate::initialize_bound`, the keys prefixed
//!   `Metadata.`.

use altinn_broker_core::binding::BoundInitialize;
use altinn_broker_core::model::InitializeRequest;
use altinn_broker_core::problem::ValidationErrors;
use altinn_broker_core::validate::{self, InitializeRejection};
use axum::http::{header, HeaderMap, StatusCode};

use crate::error::AppError;

fn rejection(r: InitializeRejection) -> AppError {
    match r {
        InitializeRejection::Invalid(errors) => AppError::Validation(errors),
        // The service throws (a `NullReferenceException`): `UseExceptionHandler` answers 500.
        InitializeRejection::Unhandled(why) => AppError::Internal(format!("the service throws here: {why}")),
    }
}

/// Whether ASP.NET's `SystemTextJsonInputFormatter` reads a body of this content type: its supported media types
/// are `application/json`, `text/json` and `application/*+json` (parameters aside, case-insensitive).
fn json_formatter_reads(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else { return false };
    let media = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    match media.split_once('/') {
        Some(("application", "json")) | Some(("text", "json")) => true,
        Some(("application", sub)) => sub.len() > "+json".len() && sub.ends_with("+json"),
        _ => false,
    }
}

/// The JSON body of initialize: the action has no `[Consumes]`, so a content type the JSON input formatter does not
/// read (or none) is 415 after authentication; else exactly the service's verdict on the bytes.
pub fn json_body(headers: &HeaderMap, body: &[u8]) -> Result<InitializeRequest, AppError> {
    if !json_formatter_reads(headers) {
        return Err(AppError::Client(StatusCode::UNSUPPORTED_MEDIA_TYPE));
    }
    validate::initialize_json(body).map_err(rejection)
}

const PREFIX: &str = "Metadata.";
/// The model's name in the form: `FileTransferInitializeAndUploadExt.Metadata`.
const MODEL: &str = "Metadata";

/// The `Metadata.*` values of an initialize+upload form, bound as MVC binds `[FromForm]` (ASP.NET Core
/// `FormValueProvider`, `ComplexObjectModelBinder`, `SimpleTypeModelBinder`, `CollectionModelBinder`,
/// `DictionaryModelBinder`):
///
/// - keys match case-insensitively; a repeated simple field binds its first value;
/// - a string value that is empty or white space binds `null` (`ConvertEmptyStringToNull`, on by default), which
///   replaces the model's `""` default; so does a recipient or property value (each element is bound as a string);
/// - `Recipients` binds every value of `Metadata.Recipients` if there is one, else `Metadata.Recipients[0]`,
///   `[1]`, ... up to the first missing index; `PropertyList` binds `Metadata.PropertyList[key]`;
/// - `DisableVirusScan` (`bool?`): white space binds `null`, else `bool.Parse` of the trimmed text, a failure being
///   the model error "The value '...' is not valid for DisableVirusScan.";
/// - a member without any field keeps the model's default (`FileTransferInitializeExt.cs`), and without any
///   `Metadata` field at all the model is not created: `Metadata` is `null`, and its implicit `[Required]` (a
///   non-nullable `required` member) is the only error about it.
#[derive(Debug, Default)]
pub struct MetadataForm {
    any: bool,
    file_name: Option<Option<String>>,
    resource_id: Option<Option<String>>,
    senders_file_transfer_reference: Option<Option<String>>,
    sender: Option<Option<String>>,
    checksum: Option<Option<String>>,
    disable_virus_scan: Option<String>,
    recipients: Vec<String>,
    indexed_recipients: Vec<(String, String)>,
    property_list: Vec<(String, String)>,
}

/// `SimpleTypeModelBinder` for a `string`.
fn form_string(value: String) -> Option<String> {
    if value.trim().is_empty() {
        None
    } else {
        Some(value)
    }
}

/// `first` keeps the first value of a repeated key (`ValueProviderResult.FirstValue`).
fn first(slot: &mut Option<Option<String>>, value: String) {
    if slot.is_none() {
        *slot = Some(form_string(value));
    }
}

impl MetadataForm {
    /// Adds one non-file form field.
    pub fn add(&mut self, name: &str, value: String) {
        if name.get(..MODEL.len()).is_none_or(|h| !h.eq_ignore_ascii_case(MODEL)) {
            return;
        }
        let rest = &name[MODEL.len()..];
        // `PrefixContainer.ContainsPrefix("Metadata")`: the name itself, or followed by `.` or `[`.
        if rest.is_empty() || rest.starts_with('.') || rest.starts_with('[') {
            self.any = true;
        }
        let Some(member) =
            name.get(..PREFIX.len()).filter(|p| p.eq_ignore_ascii_case(PREFIX)).map(|_| &name[PREFIX.len()..])
        else {
            return;
        };
        let lower = member.to_ascii_lowercase();
        match lower.as_str() {
            "filename" => first(&mut self.file_name, value),
            "resourceid" => first(&mut self.resource_id, value),
            "sendersfiletransferreference" => first(&mut self.senders_file_transfer_reference, value),
            "sender" => first(&mut self.sender, value),
            "checksum" => first(&mut self.checksum, value),
            "disablevirusscan" if self.disable_virus_scan.is_none() => self.disable_virus_scan = Some(value),
            "recipients" => self.recipients.push(value),
            l if l.starts_with("recipients[") && l.ends_with(']') => {
                let index = &member["recipients[".len()..member.len() - 1];
                self.indexed_recipients.push((index.to_owned(), value));
            }
            l if l.starts_with("propertylist[") && l.ends_with(']') => {
                let key = &member["propertylist[".len()..member.len() - 1];
                self.property_list.push((key.to_owned(), value));
            }
            _ => {}
        }
    }

    /// The bound model and the binding errors (keyed as MVC keys them), or `None` when no `Metadata` field came.
    fn bind(self) -> (Option<BoundInitialize>, ValidationErrors) {
        let mut errors = ValidationErrors::new();
        if !self.any {
            return (None, errors);
        }
        let mut m = BoundInitialize::default();
        let set = |slot: &mut Option<String>, v: Option<Option<String>>| {
            if let Some(v) = v {
                *slot = v;
            }
        };
        set(&mut m.file_name, self.file_name);
        set(&mut m.resource_id, self.resource_id);
        set(&mut m.senders_file_transfer_reference, self.senders_file_transfer_reference);
        set(&mut m.sender, self.sender);
        set(&mut m.checksum, self.checksum);
        if let Some(v) = self.disable_virus_scan {
            let t = v.trim();
            if t.is_empty() {
                m.disable_virus_scan = None;
            } else if t.eq_ignore_ascii_case("true") {
                m.disable_virus_scan = Some(true);
            } else if t.eq_ignore_ascii_case("false") {
                m.disable_virus_scan = Some(false);
            } else {
                errors
                    .entry(format!("{PREFIX}DisableVirusScan"))
                    .or_default()
                    .push(format!("The value '{v}' is not valid for DisableVirusScan."));
            }
        }
        if !self.recipients.is_empty() {
            m.recipients = Some(self.recipients.into_iter().map(form_string).collect());
        } else if !self.indexed_recipients.is_empty() {
            let mut list = Vec::new();
            while let Some((_, v)) = self.indexed_recipients.iter().find(|(i, _)| *i == list.len().to_string()) {
                list.push(form_string(v.clone()));
            }
            m.recipients = Some(list);
        }
        if !self.property_list.is_empty() {
            let mut entries: Vec<(String, Option<String>)> = Vec::new();
            for (k, v) in self.property_list {
                // The form's keys are unique case-insensitively; the first spelling and value are bound.
                if !entries.iter().any(|(e, _)| e.eq_ignore_ascii_case(&k)) {
                    entries.push((k, form_string(v)));
                }
            }
            m.property_list = Some(entries);
        }
        (Some(m), errors)
    }

    /// The first value bound for `Metadata.FileName`, if any.
    pub fn file_name(&self) -> Option<&str> {
        self.file_name.as_ref().and_then(|v| v.as_deref())
    }

    /// The binding errors and the model validation, keyed `Metadata.<member>`: the bound model when both are clean.
    /// A throwing validation attribute is a 500 (MVC validates before the action runs).
    pub fn validate(self) -> Result<BoundInitialize, AppError> {
        let (bound, mut errors) = self.bind();
        let Some(bound) = bound else {
            errors.insert(MODEL.to_owned(), vec![validate::required_message(MODEL)]);
            return Err(AppError::Validation(errors));
        };
        for (k, v) in validate::initialize_bound(&bound).map_err(rejection)? {
            errors.entry(format!("{PREFIX}{k}")).or_default().extend(v);
        }
        if errors.is_empty() {
            Ok(bound)
        } else {
            Err(AppError::Validation(errors))
        }
    }
}

/// What the action's handler receives from a validated model; it throws (500) on a null recipient.
pub fn request(bound: BoundInitialize) -> Result<InitializeRequest, AppError> {
    validate::bound_to_request(bound).map_err(rejection)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/json"));
        h
    }

    /// `FileTransferController.cs` binds `FileTransferInitalizeExt` with System.Text.Json (core's binder).
    #[test]
    fn json_body_is_core_s_verdict() {
        let ok = json_body(
            &json(),
            br#"{"FileName":"a.txt","RESOURCEID":"altinn-broker-test-resource-1","sendersFileTransferReference":"r",
                "sender":"0192:991825827","recipients":["0192:986252932"],"disableVirusScan":false}"#,
        )
        .unwrap();
        assert_eq!(ok.file_name.as_deref(), Some("a.txt"));
        assert_eq!(ok.disable_virus_scan, Some(false));
        let Err(AppError::Validation(e)) = json_body(&json(), br#"{"disableVirusScan":"false"}"#) else {
            panic!("a JSON string is not a bool?")
        };
        assert!(e.contains_key("$.disableVirusScan") && e.contains_key("initializeExt"), "{e:?}");
        assert!(matches!(json_body(&HeaderMap::new(), b"{}"), Err(AppError::Client(_))));
        let typed = |t: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::CONTENT_TYPE, axum::http::HeaderValue::from_static(t));
            json_formatter_reads(&h)
        };
        for t in ["application/json", "Application/JSON; charset=utf-8", "text/json", "application/problem+json"] {
            assert!(typed(t), "{t}");
        }
        for t in ["text/plain", "application/+json", "application/jsonx", "text/x+json", "json"] {
            assert!(!typed(t), "{t}");
        }
    }

    fn form(fields: &[(&str, &str)]) -> Result<InitializeRequest, AppError> {
        let mut m = MetadataForm::default();
        for (k, v) in fields {
            m.add(k, (*v).to_owned());
        }
        m.validate().and_then(request)
    }

    fn errors(r: Result<InitializeRequest, AppError>) -> ValidationErrors {
        match r {
            Err(AppError::Validation(e)) => e,
            other => panic!("{other:?}"),
        }
    }

    const VALID: &[(&str, &str)] = &[
        ("metadata.filename", "a.txt"),
        ("Metadata.ResourceId", "altinn-broker-test-resource-1"),
        ("Metadata.SendersFileTransferReference", "r"),
        ("Metadata.Sender", "0192:991825827"),
    ];

    /// `FileTransferInitializeAndUploadExt.cs`: MVC form binding of `Metadata`.
    #[test]
    fn form_binding_of_file_transfer_initialize_and_upload_ext() {
        let mut f = VALID.to_vec();
        f.extend([
            ("Metadata.Recipients", "0192:986252932"),
            ("Metadata.Recipients", "0192:312195771"),
            ("Metadata.Recipients[0]", "ignored: a plain Recipients value wins"),
            ("Metadata.PropertyList[Case]", "1"),
            ("Metadata.DisableVirusScan", " False "),
            ("Other", "ignored"),
        ]);
        let req = form(&f).unwrap();
        assert_eq!(req.recipients.unwrap(), ["0192:986252932", "0192:312195771"]);
        assert_eq!(req.property_list.unwrap()["Case"], "1");
        assert_eq!(req.disable_virus_scan, Some(false));

        // Indexed recipients stop at the first gap.
        let mut f = VALID.to_vec();
        f.extend([("Metadata.Recipients[1]", "0192:312195771"), ("Metadata.Recipients[0]", "0192:986252932")]);
        f.push(("Metadata.Recipients[3]", "0192:311764837"));
        assert_eq!(form(&f).unwrap().recipients.unwrap().len(), 2);

        // An absent member keeps the model's default: no recipients is the MinLength message, an absent
        // ResourceId is `""` (required and length, plus the format rule).
        let e = errors(form(&[("Metadata.FileName", "a.txt")]));
        assert_eq!(e["Metadata.Recipients"], ["One or more recipients are required"]);
        assert!(e["Metadata.ResourceId"].contains(&"The ResourceId field is required.".to_owned()), "{e:?}");
        assert!(!e.contains_key("Metadata.FileName"));

        // White space binds null (ConvertEmptyStringToNull): the field is then only required.
        let e = errors(form(&[("Metadata.FileName", "  ")]));
        assert_eq!(e["Metadata.FileName"], ["The FileName field is required."]);

        // No Metadata field at all: the model is not created.
        let e = errors(form(&[("Other", "x")]));
        assert_eq!(e.len(), 1);
        assert_eq!(e["Metadata"], ["The Metadata field is required."]);

        let mut f = VALID.to_vec();
        f.extend([("Metadata.Recipients", "0192:986252932"), ("Metadata.DisableVirusScan", "maybe")]);
        let e = errors(form(&f));
        assert_eq!(e["Metadata.DisableVirusScan"], ["The value 'maybe' is not valid for DisableVirusScan."]);
        assert_eq!(e.len(), 1);
        // MVC validates the members that did bind beside the one that did not convert: a bad value with nothing
        // else reports both.
        let e = errors(form(&[("Metadata.DisableVirusScan", "maybe")]));
        assert_eq!(e["Metadata.DisableVirusScan"], ["The value 'maybe' is not valid for DisableVirusScan."]);
        assert!(e.contains_key("Metadata.FileName"), "{e:?}");

        // An empty recipient element binds null: it passes validation and the handler throws (500).
        let mut f = VALID.to_vec();
        f.push(("Metadata.Recipients", ""));
        assert!(matches!(form(&f), Err(AppError::Internal(_))));
    }
}
