//! The initialize body read exactly as the service's ASP.NET Core MVC binds it: `[FromBody]` on an `[ApiController]`,
//! System.Text.Json with the web defaults, then (in [`crate::validate`]) the DataAnnotations of the model.
//!
//! Facts from the upstream code (Altinn/altinn-broker @161ba12) and from .NET that this module follows:
//! - `Controllers/FileTransferController.cs`: the action's parameter is `FileTransferInitalizeExt initializeExt`; with
//!   `<Nullable>enable</Nullable>` it is implicitly required, so every binding failure adds
//!   `"initializeExt": ["The initializeExt field is required."]` beside the binder's own entry ([`PARAMETER`]).
//! - ASP.NET Core `SystemTextJsonInputFormatter` + `BodyModelBinder`: an empty body (Content-Length 0) and a body that
//!   deserializes to `null` are both keyed `""` with "A non-empty request body is required."; a `JsonException` is
//!   keyed by its `Path` with its `Message`, and deserialization stops at that first exception.
//! - `Program.cs`: `AddJsonOptions` only adds `JsonStringEnumConverter`, so the web defaults stand: property names
//!   match case-insensitively, unknown members are skipped, a repeated member is read again (last one wins),
//!   `NumberHandling.AllowReadingFromString` concerns numbers only (a JSON string never becomes a `bool?`), and
//!   comments and trailing commas are syntax errors. `MaxDepth` is 32 (ASP.NET Core's `JsonOptions`).
//! - `Models/FileTransferInitializeExt.cs`: strings default to `""`, `Recipients` to an empty list, `PropertyList` to
//!   an empty dictionary, `Checksum` to `""`, `DisableVirusScan` to `false`; an explicit JSON `null` binds `null` to
//!   any of them (`RespectNullableAnnotations` is off by default), which the model validation then judges.
//! - System.Text.Json's `ReadStack.JsonPath()`: the error path names the member as the JSON wrote it (case kept),
//!   a list element by the count read so far (`$.recipients[0]`), a dictionary entry by its key
//!   (`$.propertyList.key`, or `$.propertyList['a b']` when the key holds one of `. '/"[]()` or a control
//!   separator); `AddJsonExceptionInformation` gives a conversion failure the default
//!   text "The JSON value could not be converted to <declared .NET type>." and the reader's position after the
//!   offending token; a reader error keeps its own text, the path inserted before `LineNumber`.
//! - The request body is read from the stream in one 16 KiB-or-larger first buffer; for bodies that fit it, which
//!   covers every body the model accepts but the largest property lists, the reader sees the whole body as its final
//!   block, which is what [`reader`] implements. A UTF-8 BOM at the start is skipped (`ReadBufferState`).

mod reader;

use crate::model::InitializeRequest;
use crate::problem::ValidationErrors;
use reader::{Reader, ReaderError, Token};

/// The action parameter's name (`InitializeFileTransfer(FileTransferInitalizeExt initializeExt, ...)`).
pub const PARAMETER: &str = "initializeExt";
/// The model's .NET type, as conversion errors at the root name it.
pub const MODEL_TYPE: &str = "Altinn.Broker.Models.FileTransferInitalizeExt";
pub const MSG_EMPTY_BODY: &str = "A non-empty request body is required.";

const STRING: &str = "System.String";
const NULLABLE_BOOL: &str = "System.Nullable`1[System.Boolean]";
const LIST_OF_STRING: &str = "System.Collections.Generic.List`1[System.String]";
const DICTIONARY: &str = "System.Collections.Generic.Dictionary`2[System.String,System.String]";

/// A bound `Dictionary<string,string>` in insertion order; `None` for a JSON `null` value.
pub type Properties = Vec<(String, Option<String>)>;

/// `FileTransferInitalizeExt` as the service holds it after binding: model defaults applied, `None` where the JSON
/// said `null`. This is what the model validation sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundInitialize {
    pub file_name: Option<String>,
    pub resource_id: Option<String>,
    pub senders_file_transfer_reference: Option<String>,
    pub sender: Option<String>,
    /// A `null` element binds as a null string.
    pub recipients: Option<Vec<Option<String>>>,
    /// A `Dictionary<string,string>` in insertion order (a repeated key keeps its first place, takes the last
    /// value), which is the order the `PropertyList` rule walks it in.
    pub property_list: Option<Properties>,
    pub checksum: Option<String>,
    pub disable_virus_scan: Option<bool>,
}

impl Default for BoundInitialize {
    /// The model's initialisers (`FileTransferInitializeExt.cs`): what an omitted member keeps.
    fn default() -> Self {
        BoundInitialize {
            file_name: Some(String::new()),
            resource_id: Some(String::new()),
            senders_file_transfer_reference: Some(String::new()),
            sender: Some(String::new()),
            recipients: Some(Vec::new()),
            property_list: Some(Vec::new()),
            checksum: Some(String::new()),
            disable_virus_scan: Some(false),
        }
    }
}

impl BoundInitialize {
    /// What the service binds from the JSON that serde writes for `req`: members serialized as `null` bind `null`,
    /// members serde leaves out (`propertyList`, `checksum`, `disableVirusScan` when `None`) keep the model's
    /// defaults.
    pub fn from_request(req: &InitializeRequest) -> Self {
        let d = BoundInitialize::default();
        BoundInitialize {
            file_name: req.file_name.clone(),
            resource_id: req.resource_id.clone(),
            senders_file_transfer_reference: req.senders_file_transfer_reference.clone(),
            sender: req.sender.clone(),
            recipients: req.recipients.as_ref().map(|r| r.iter().cloned().map(Some).collect()),
            property_list: match &req.property_list {
                None => d.property_list,
                Some(m) => Some(m.iter().map(|(k, v)| (k.clone(), Some(v.clone()))).collect()),
            },
            checksum: req.checksum.clone().or(d.checksum),
            disable_virus_scan: req.disable_virus_scan.or(d.disable_virus_scan),
        }
    }
}

/// The members of `FileTransferInitalizeExt` by their `[JsonPropertyName]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Member {
    FileName,
    ResourceId,
    SendersFileTransferReference,
    Sender,
    Recipients,
    PropertyList,
    Checksum,
    DisableVirusScan,
}

const MEMBERS: &[(&str, Member)] = &[
    ("fileName", Member::FileName),
    ("resourceId", Member::ResourceId),
    ("sendersFileTransferReference", Member::SendersFileTransferReference),
    ("sender", Member::Sender),
    ("recipients", Member::Recipients),
    ("propertyList", Member::PropertyList),
    ("checksum", Member::Checksum),
    ("disableVirusScan", Member::DisableVirusScan),
];

/// `StringComparer.OrdinalIgnoreCase` of a member name (ASCII) with a name from the document: each character
/// compared by its simple upper-case mapping. .NET keeps U+0131 (dotless ı) upper-casing to itself, as Windows does
/// (dotnet/runtime `pal_casing.c`, `ChangeCaseInvariant`), so `fıleName` is not `fileName`; other mappings follow
/// Unicode (`ſ` is `S`). With one side ASCII no case table is needed: the only non-ASCII characters whose simple
/// upper case is ASCII are U+0131 and U+017F (`ſ`) — a test checks every code point against `char::to_uppercase`,
/// whose tables (~12 KB) would otherwise be in the client's wasm for this comparison alone.
fn ordinal_ignore_case(member: &str, name: &str) -> bool {
    debug_assert!(member.is_ascii());
    member.len() == name.chars().count() && member.chars().zip(name.chars()).all(|(x, y)| same_ignoring_case(x, y))
}

/// One character of [`ordinal_ignore_case`]: `ascii` (of the member name) against `c`.
fn same_ignoring_case(ascii: char, c: char) -> bool {
    let upper = |c: char| if c == '\u{17F}' { 'S' } else { c.to_ascii_uppercase() };
    ascii == c || upper(ascii) == upper(c)
}

fn member(name: &str) -> Option<Member> {
    MEMBERS.iter().find(|(n, _)| ordinal_ignore_case(n, name)).map(|(_, m)| *m)
}

/// `ReadStack.JsonPath()`'s `AppendPropertyName` as .NET 10 ships it: a name holding one of `. '/"[]()`, `\t \n \r
/// \f \b \\`, U+0085, U+2028 or U+2029 is bracketed, written as is (dotnet/runtime#129794, "Tested on .NET 10":
/// quotes are not escaped; the escaping, and `$` as a special character, came to `main` after .NET 10).
fn push_name(path: &mut String, name: &str) {
    const SPECIAL: &[char] = &[
        '.', ' ', '\'', '/', '"', '[', ']', '(', ')', '\t', '\n', '\r', '\u{c}', '\u{8}', '\\', '\u{85}', '\u{2028}',
        '\u{2029}',
    ];
    if name.contains(SPECIAL) {
        path.push_str("['");
        path.push_str(name);
        path.push_str("']");
    } else {
        path.push('.');
        path.push_str(name);
    }
}

/// A `JsonException` as MVC reports it: its path (the ModelState key) and its message.
struct JsonError {
    path: String,
    message: String,
}

/// Where the deserializer stands, for the path of an error raised now.
#[derive(Default)]
struct Path {
    /// The root member being read, as the JSON spelled it.
    member: Option<String>,
    /// Inside `recipients`: the number of elements read so far.
    index: Option<usize>,
    /// Inside `propertyList`: `Some(None)` between entries, `Some(Some(key))` while reading an entry's value.
    key: Option<Option<String>>,
}

impl Path {
    fn render(&self) -> String {
        let mut p = String::from("$");
        if let Some(m) = &self.member {
            push_name(&mut p, m);
            if let Some(i) = self.index {
                p.push_str(&format!("[{i}]"));
            }
            if let Some(Some(k)) = &self.key {
                push_name(&mut p, k);
            }
        }
        p
    }
}

struct Binder<'a> {
    r: Reader<'a>,
    path: Path,
}

impl<'a> Binder<'a> {
    fn reader_error(&self, e: ReaderError) -> JsonError {
        let path = self.path.render();
        JsonError {
            message: format!(
                "{} Path: {path} | LineNumber: {} | BytePositionInLine: {}.",
                e.message, e.line, e.byte_in_line
            ),
            path,
        }
    }

    fn conversion(&self, type_name: &str) -> JsonError {
        let path = self.path.render();
        let (line, byte) = self.r.position();
        JsonError {
            message: format!(
                "The JSON value could not be converted to {type_name}. Path: {path} | LineNumber: {line} | BytePositionInLine: {byte}."
            ),
            path,
        }
    }

    fn read(&mut self) -> Result<Token, JsonError> {
        match self.r.read() {
            Ok(true) => Ok(self.r.token()),
            // Only a complete root value ends the input; anything else is unreachable for a final block, but is
            // answered as the reader answers a truncated document.
            Ok(false) => Ok(Token::None),
            Err(e) => Err(self.reader_error(e)),
        }
    }

    fn string(&self) -> Result<String, JsonError> {
        self.r.get_string().ok_or_else(|| self.conversion(STRING))
    }

    /// `StringConverter`: a string or `null`; anything else does not convert.
    fn nullable_string(&mut self) -> Result<Option<String>, JsonError> {
        match self.read()? {
            Token::String => self.string().map(Some),
            Token::Null => Ok(None),
            _ => Err(self.conversion(STRING)),
        }
    }

    fn bind(mut self) -> Result<Option<BoundInitialize>, JsonError> {
        match self.read()? {
            Token::StartObject => {}
            // A root `null` deserializes to a null model (then "A non-empty request body is required.").
            Token::Null => {
                self.trailing()?;
                return Ok(None);
            }
            _ => return Err(self.conversion(MODEL_TYPE)),
        }
        let mut model = BoundInitialize::default();
        loop {
            match self.read()? {
                Token::EndObject => break,
                Token::PropertyName => {}
                _ => return Err(self.conversion(MODEL_TYPE)),
            }
            // The name is unescaped before the look-up; a lone surrogate escape throws there.
            let name = if self.r.raw_value().contains(&b'\\') {
                self.r.get_string().ok_or_else(|| self.conversion(MODEL_TYPE))?
            } else {
                String::from_utf8_lossy(self.r.raw_value()).into_owned()
            };
            let found = member(&name);
            self.path.member = Some(name);
            match found {
                None => self.r.skip().map_err(|e| self.reader_error(e))?,
                Some(Member::FileName) => model.file_name = self.nullable_string()?,
                Some(Member::ResourceId) => model.resource_id = self.nullable_string()?,
                Some(Member::SendersFileTransferReference) => {
                    model.senders_file_transfer_reference = self.nullable_string()?
                }
                Some(Member::Sender) => model.sender = self.nullable_string()?,
                Some(Member::Checksum) => model.checksum = self.nullable_string()?,
                Some(Member::DisableVirusScan) => {
                    model.disable_virus_scan = match self.read()? {
                        Token::True => Some(true),
                        Token::False => Some(false),
                        Token::Null => None,
                        _ => return Err(self.conversion(NULLABLE_BOOL)),
                    }
                }
                Some(Member::Recipients) => model.recipients = self.recipients()?,
                Some(Member::PropertyList) => model.property_list = self.property_list()?,
            }
            self.path = Path::default();
        }
        self.trailing()?;
        Ok(Some(model))
    }

    /// After the root value only whitespace may follow (`ReadCore` reads once more).
    fn trailing(&mut self) -> Result<(), JsonError> {
        self.path = Path::default();
        self.r.read().map(|_| ()).map_err(|e| self.reader_error(e))
    }

    /// `List<string>`: `null`, or an array of strings and nulls.
    fn recipients(&mut self) -> Result<Option<Vec<Option<String>>>, JsonError> {
        match self.read()? {
            Token::Null => return Ok(None),
            Token::StartArray => {}
            _ => return Err(self.conversion(LIST_OF_STRING)),
        }
        let mut list = Vec::new();
        loop {
            self.path.index = Some(list.len());
            match self.read()? {
                Token::EndArray => break,
                Token::String => list.push(Some(self.string()?)),
                Token::Null => list.push(None),
                _ => return Err(self.conversion(STRING)),
            }
        }
        self.path.index = None;
        Ok(Some(list))
    }

    /// `Dictionary<string,string>`: `null`, or an object whose values are strings or nulls.
    fn property_list(&mut self) -> Result<Option<Properties>, JsonError> {
        match self.read()? {
            Token::Null => return Ok(None),
            Token::StartObject => {}
            _ => return Err(self.conversion(DICTIONARY)),
        }
        let mut entries = Properties::new();
        // Where each key sits in `entries`, so a large object costs what a `Dictionary` costs.
        let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        loop {
            self.path.key = Some(None);
            match self.read()? {
                Token::EndObject => break,
                Token::PropertyName => {}
                _ => return Err(self.conversion(STRING)),
            }
            let key = self.string()?;
            self.path.key = Some(Some(key.clone()));
            let value = self.nullable_string()?;
            match index.get(&key) {
                Some(&at) => entries[at].1 = value,
                None => {
                    index.insert(key.clone(), entries.len());
                    entries.push((key, value));
                }
            }
        }
        self.path.key = None;
        Ok(Some(entries))
    }
}

fn parameter_required(errors: &mut ValidationErrors) {
    errors.insert(PARAMETER.to_owned(), vec![crate::validate::required_message(PARAMETER)]);
}

/// Binds an initialize body as the service does. `Err` holds the binding errors exactly as the service's 400 lists
/// them (the first JSON error or the empty-body entry, plus the parameter entry); the model validation is
/// [`crate::validate::initialize_bound`].
pub fn bind_initialize(body: &[u8]) -> Result<BoundInitialize, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if body.is_empty() {
        errors.insert(String::new(), vec![MSG_EMPTY_BODY.to_owned()]);
        parameter_required(&mut errors);
        return Err(errors);
    }
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let binder = Binder { r: Reader::new(body), path: Path::default() };
    match binder.bind() {
        Ok(Some(model)) => Ok(model),
        Ok(None) => {
            errors.insert(String::new(), vec![MSG_EMPTY_BODY.to_owned()]);
            parameter_required(&mut errors);
            Err(errors)
        }
        Err(e) => {
            errors.insert(e.path, vec![e.message]);
            parameter_required(&mut errors);
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinal_ignore_case_matches_the_unicode_mapping_for_every_character() {
        // .NET's comparison: the simple upper-case mapping (one character), U+0131 kept as itself.
        fn dotnet_upper(c: char) -> char {
            if c == '\u{131}' {
                return c;
            }
            let mut u = c.to_uppercase();
            match (u.next(), u.next()) {
                (Some(x), None) => x,
                _ => c,
            }
        }
        // What same_ignoring_case relies on: outside ASCII, only U+0131 and U+017F upper-case to ASCII.
        let to_ascii: Vec<char> = (0x80..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|c| c.to_uppercase().count() == 1 && c.to_uppercase().all(|u| u.is_ascii()))
            .collect();
        assert_eq!(to_ascii, ['\u{131}', '\u{17F}']);
        let probe = ['\u{131}', '\u{17F}', '\u{212A}', '\u{DF}', '\u{C5}', '\u{E5}', '\u{1C5}', '\u{FF21}'];
        for c in (' '..='~').chain(probe) {
            for ascii in ' '..='~' {
                let expected = ascii == c || dotnet_upper(ascii) == dotnet_upper(c);
                assert_eq!(same_ignoring_case(ascii, c), expected, "{ascii:?} vs U+{:04X}", c as u32);
            }
        }
    }

    #[test]
    fn ordinal_ignore_case_matches_dotnet() {
        assert!(ordinal_ignore_case("fileName", "FILENAME"));
        assert!(!ordinal_ignore_case("fileName", "f\u{131}leName"));
        assert!(ordinal_ignore_case("sender", "\u{17F}ender"));
        assert!(!ordinal_ignore_case("fileName", "fileNam"));
        assert!(!ordinal_ignore_case("sender", "\u{212A}ender"));
    }

    #[test]
    fn paths() {
        let mut p = String::from("$");
        push_name(&mut p, "a b");
        push_name(&mut p, "it's");
        push_name(&mut p, "$ok");
        assert_eq!(p, "$['a b']['it's'].$ok");
    }
}
