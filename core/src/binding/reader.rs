//! A JSON tokenizer that fails exactly where, and with exactly the words, System.Text.Json's `Utf8JsonReader` does.
//!
//! Why not a crate: the service's 400 bodies quote the reader's own error text with its 0-based `LineNumber` and
//! `BytePositionInLine` (bytes since the last LF, not characters), and which error wins depends on the reader's
//! order of checks (e.g. `{/` is "invalid after a value", a broken literal quotes the whole rest of the input).
//! serde_json reports 1-based columns at other places with other texts, and no Rust JSON crate reproduces .NET's
//! messages, so this small reader follows `Utf8JsonReader.cs` (dotnet/runtime, System.Text.Json/Reader) for the
//! one configuration the service uses: the whole body as one final block, comments disallowed, no trailing commas,
//! `MaxDepth` 32 (ASP.NET Core's `JsonOptions` sets it to `MvcOptions.DefaultMaxModelBindingRecursionDepth`).

/// Token types, as `JsonTokenType` names them (the names appear in one message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token {
    None,
    StartObject,
    EndObject,
    StartArray,
    EndArray,
    PropertyName,
    String,
    Number,
    True,
    False,
    Null,
}

impl Token {
    fn name(self) -> &'static str {
        match self {
            Token::None => "None",
            Token::StartObject => "StartObject",
            Token::EndObject => "EndObject",
            Token::StartArray => "StartArray",
            Token::EndArray => "EndArray",
            Token::PropertyName => "PropertyName",
            Token::String => "String",
            Token::Number => "Number",
            Token::True => "True",
            Token::False => "False",
            Token::Null => "Null",
        }
    }
}

/// A `JsonReaderException`: the resource text plus where the reader stood when it threw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderError {
    pub message: String,
    pub line: u64,
    pub byte_in_line: u64,
}

/// ASP.NET Core's `JsonOptions.JsonSerializerOptions.MaxDepth`.
pub const MAX_DEPTH: usize = 32;

/// `JsonConstants.Delimiters`: what may follow a number inside an object or array.
const DELIMITERS: &[u8] = b",}] \n\r\t/";
/// `JsonConstants.EscapableChars`.
const ESCAPABLE: &[u8] = b"\"nrt/ubf\\";

/// `ThrowHelper.GetPrintableString`: printable ASCII as itself, anything else as `0xNN`.
fn printable(b: u8) -> String {
    if (0x20..0x7f).contains(&b) {
        char::from(b).to_string()
    } else {
        format!("0x{b:02X}")
    }
}

pub struct Reader<'a> {
    buf: &'a [u8],
    consumed: usize,
    line: u64,
    pos: u64,
    token: Token,
    in_object: bool,
    is_not_primitive: bool,
    /// The container stack (`BitStack`): `true` for an object.
    stack: Vec<bool>,
    value: (usize, usize),
    escaped: bool,
}

type R<T> = Result<T, ReaderError>;

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader {
            buf,
            consumed: 0,
            line: 0,
            pos: 0,
            token: Token::None,
            in_object: false,
            is_not_primitive: false,
            stack: Vec::new(),
            value: (0, 0),
            escaped: false,
        }
    }

    pub fn token(&self) -> Token {
        self.token
    }

    /// Where the reader stands now (after the last token), as `JsonException` reports it for conversion errors.
    pub fn position(&self) -> (u64, u64) {
        (self.line, self.pos)
    }

    /// `CurrentDepth`: a start token counts at its parent's depth.
    fn current_depth(&self) -> usize {
        let d = self.stack.len();
        if matches!(self.token, Token::StartObject | Token::StartArray) {
            d.saturating_sub(1)
        } else {
            d
        }
    }

    fn fail<T>(&self, message: impl Into<String>) -> R<T> {
        Err(ReaderError { message: message.into(), line: self.line, byte_in_line: self.pos })
    }

    /// `Read()`: the next token, `false` at the end of a complete value.
    pub fn read(&mut self) -> R<bool> {
        let ok = self.read_single_segment()?;
        if !ok && self.token == Token::None {
            return self.fail(
                "The input does not contain any JSON tokens. Expected the input to start with a valid JSON token, \
                 when isFinalBlock is true.",
            );
        }
        Ok(ok)
    }

    /// `Skip()` on a final block: moves past the current value and its children.
    pub fn skip(&mut self) -> R<()> {
        if self.token == Token::PropertyName {
            self.read()?;
        }
        if matches!(self.token, Token::StartObject | Token::StartArray) {
            let depth = self.current_depth();
            loop {
                if !self.read()? {
                    return self.fail("Expected depth to be zero at the end of the JSON payload. There is an open JSON object or array that should be closed.");
                }
                if depth >= self.current_depth() {
                    break;
                }
            }
        }
        Ok(())
    }

    /// The raw bytes of the current string or property name (between the quotes, escapes not applied).
    pub fn raw_value(&self) -> &'a [u8] {
        &self.buf[self.value.0..self.value.1]
    }

    /// `GetString()`: the unescaped value; `None` where .NET throws (a lone surrogate escape, invalid UTF-8).
    pub fn get_string(&self) -> Option<String> {
        let raw = self.raw_value();
        if !self.escaped {
            return std::str::from_utf8(raw).ok().map(str::to_owned);
        }
        unescape(raw)
    }

    fn has_more_data(&self) -> R<bool> {
        if self.consumed >= self.buf.len() {
            if self.is_not_primitive {
                if !self.stack.is_empty() {
                    return self.fail("Expected depth to be zero at the end of the JSON payload. There is an open JSON object or array that should be closed.");
                }
                if self.token != Token::EndArray && self.token != Token::EndObject {
                    return self.fail(format!(
                        "'{}' is an invalid token type for the end of the JSON payload. Expected either 'EndArray' or 'EndObject'.",
                        self.token.name()
                    ));
                }
            }
            return Ok(false);
        }
        Ok(true)
    }

    /// `HasMoreData(resource)`: running out here is always an error on a final block.
    fn has_more_data_or(&self, message: &str) -> R<()> {
        if self.consumed >= self.buf.len() {
            return self.fail(message);
        }
        Ok(())
    }

    fn skip_whitespace(&mut self) {
        while let Some(&b) = self.buf.get(self.consumed) {
            match b {
                b'\n' => {
                    self.line += 1;
                    self.pos = 0;
                }
                b' ' | b'\r' | b'\t' => self.pos += 1,
                _ => break,
            }
            self.consumed += 1;
        }
    }

    fn read_single_segment(&mut self) -> R<bool> {
        if !self.has_more_data()? {
            return Ok(false);
        }
        let mut first = self.buf[self.consumed];
        if first <= b' ' {
            self.skip_whitespace();
            if !self.has_more_data()? {
                return Ok(false);
            }
            first = self.buf[self.consumed];
        }
        if self.token == Token::None {
            return self.read_first_token(first);
        }
        if first == b'/' {
            return self.consume_next_token(first);
        }
        match self.token {
            Token::StartObject => {
                if first == b'}' {
                    self.end_object()?;
                } else {
                    if first != b'"' {
                        return self.fail(format!(
                            "'{}' is an invalid start of a property name. Expected a '\"'.",
                            printable(first)
                        ));
                    }
                    self.consume_property_name()?;
                }
            }
            Token::StartArray => {
                if first == b']' {
                    self.end_array()?;
                } else {
                    self.consume_value(first)?;
                }
            }
            Token::PropertyName => self.consume_value(first)?,
            _ => return self.consume_next_token(first),
        }
        Ok(true)
    }

    fn read_first_token(&mut self, first: u8) -> R<bool> {
        match first {
            b'{' => {
                self.stack.push(true);
                self.token = Token::StartObject;
                self.consumed += 1;
                self.pos += 1;
                self.in_object = true;
                self.is_not_primitive = true;
            }
            b'[' => {
                self.stack.push(false);
                self.token = Token::StartArray;
                self.consumed += 1;
                self.pos += 1;
                self.is_not_primitive = true;
            }
            b'0'..=b'9' | b'-' => {
                let n = self.try_get_number(self.consumed)?;
                self.token = Token::Number;
                self.consumed += n;
                self.pos += n as u64;
            }
            _ => self.consume_value(first)?,
        }
        Ok(true)
    }

    fn consume_value(&mut self, marker: u8) -> R<()> {
        match marker {
            b'"' => self.consume_string(),
            b'{' => self.start_object(),
            b'[' => self.start_array(),
            b'0'..=b'9' | b'-' => self.consume_number(),
            b'f' => self.consume_literal(b"false", Token::False),
            b't' => self.consume_literal(b"true", Token::True),
            b'n' => self.consume_literal(b"null", Token::Null),
            _ => self.fail(format!("'{}' is an invalid start of a value.", printable(marker))),
        }
    }

    fn start_object(&mut self) -> R<()> {
        if self.stack.len() >= MAX_DEPTH {
            return self.fail(format!(
                "The maximum configured depth of {MAX_DEPTH} has been exceeded. Cannot read next JSON object."
            ));
        }
        self.stack.push(true);
        self.consumed += 1;
        self.pos += 1;
        self.token = Token::StartObject;
        self.in_object = true;
        Ok(())
    }

    fn start_array(&mut self) -> R<()> {
        if self.stack.len() >= MAX_DEPTH {
            return self.fail(format!(
                "The maximum configured depth of {MAX_DEPTH} has been exceeded. Cannot read next JSON array."
            ));
        }
        self.stack.push(false);
        self.consumed += 1;
        self.pos += 1;
        self.token = Token::StartArray;
        self.in_object = false;
        Ok(())
    }

    fn end_container(&mut self, token: Token) {
        self.token = token;
        self.consumed += 1;
        self.pos += 1;
        self.stack.pop();
        self.in_object = self.stack.last().copied().unwrap_or(false);
    }

    fn end_object(&mut self) -> R<()> {
        if !self.in_object || self.stack.is_empty() {
            return self.fail("'}' is invalid without a matching open.");
        }
        self.end_container(Token::EndObject);
        Ok(())
    }

    fn end_array(&mut self) -> R<()> {
        if self.in_object || self.stack.is_empty() {
            return self.fail("']' is invalid without a matching open.");
        }
        self.end_container(Token::EndArray);
        Ok(())
    }

    fn consume_literal(&mut self, literal: &[u8], token: Token) -> R<()> {
        let span = &self.buf[self.consumed..];
        if span.starts_with(literal) {
            self.value = (self.consumed, self.consumed + literal.len());
            self.token = token;
            self.consumed += literal.len();
            self.pos += literal.len() as u64;
            return Ok(());
        }
        // `CheckLiteral`: the position moves to the first mismatch (or the end), and the message quotes the whole
        // rest of the input, as `ThrowInvalidLiteral` passes it.
        let mut advance = span.len();
        for i in 1..literal.len() {
            if span.len() > i {
                if span[i] != literal[i] {
                    advance = i;
                    break;
                }
            } else {
                advance = i;
                break;
            }
        }
        self.pos += advance as u64;
        let expected = match literal[0] {
            b't' => "true",
            b'f' => "false",
            _ => "null",
        };
        self.fail(format!(
            "'{}' is an invalid JSON literal. Expected the literal '{expected}'.",
            String::from_utf8_lossy(span)
        ))
    }

    fn consume_number(&mut self) -> R<()> {
        let n = self.try_get_number(self.consumed)?;
        self.token = Token::Number;
        self.consumed += n;
        self.pos += n as u64;
        if self.consumed >= self.buf.len() && self.is_not_primitive {
            let last = self.buf[self.consumed - 1];
            return self.fail(format!("'{}' is an invalid end of a number. Expected a delimiter.", printable(last)));
        }
        Ok(())
    }

    /// `TryGetNumber` on a final block; returns the number's length. Errors move the position to the bad byte.
    fn try_get_number(&mut self, start: usize) -> R<usize> {
        let data = &self.buf[start..];
        let at = |i: usize| data.get(i).copied();
        let is_digit = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_digit());
        let is_delim = |b: Option<u8>| b.is_some_and(|b| DELIMITERS.contains(&b));
        let mut i = 0;
        let err = |s: &mut Self, i: usize, msg: String| -> R<usize> {
            s.pos += i as u64;
            s.fail(msg)
        };
        const END_OF_DATA: &str = "Expected a digit ('0'-'9'), but instead reached end of data.";
        let after_sign = |b: u8| {
            format!(
                "'{}' is invalid within a number, immediately after a sign character ('+' or '-'). Expected a digit ('0'-'9').",
                printable(b)
            )
        };
        let end_of_digit = |b: u8| format!("'{}' is an invalid end of a number. Expected a delimiter.", printable(b));

        if at(0) == Some(b'-') {
            i = 1;
            match at(1) {
                None => return err(self, i, END_OF_DATA.into()),
                Some(b) if !b.is_ascii_digit() => return err(self, i, after_sign(b)),
                _ => {}
            }
        }
        // Integer part.
        if at(i) == Some(b'0') {
            i += 1;
            match at(i) {
                None => return Ok(i),
                Some(b) if is_delim(Some(b)) => return Ok(i),
                Some(b) if b != b'.' && b != b'e' && b != b'E' => {
                    let msg = if b.is_ascii_digit() {
                        format!("Invalid leading zero before '{}'.", printable(b))
                    } else {
                        end_of_digit(b)
                    };
                    return err(self, i, msg);
                }
                _ => {}
            }
        } else {
            i += 1;
            while is_digit(at(i)) {
                i += 1;
            }
            match at(i) {
                None => return Ok(i),
                b if is_delim(b) => return Ok(i),
                Some(b) if b != b'.' && b != b'e' && b != b'E' => return err(self, i, end_of_digit(b)),
                _ => {}
            }
        }
        // Fraction.
        if at(i) == Some(b'.') {
            i += 1;
            match at(i) {
                None => return err(self, i, END_OF_DATA.into()),
                Some(b) if !b.is_ascii_digit() => {
                    let msg = format!(
                        "'{}' is invalid within a number, immediately after a decimal point ('.'). Expected a digit ('0'-'9').",
                        printable(b)
                    );
                    return err(self, i, msg);
                }
                _ => {}
            }
            i += 1;
            while is_digit(at(i)) {
                i += 1;
            }
            match at(i) {
                None => return Ok(i),
                b if is_delim(b) => return Ok(i),
                Some(b) if b != b'e' && b != b'E' => {
                    let msg = format!("'{}' is an invalid end of a number. Expected 'E' or 'e'.", printable(b));
                    return err(self, i, msg);
                }
                _ => {}
            }
        }
        // Exponent.
        i += 1;
        match at(i) {
            None => return err(self, i, END_OF_DATA.into()),
            Some(b'+') | Some(b'-') => {
                i += 1;
                match at(i) {
                    None => return err(self, i, END_OF_DATA.into()),
                    Some(b) if !b.is_ascii_digit() => return err(self, i, after_sign(b)),
                    _ => {}
                }
            }
            Some(b) if !b.is_ascii_digit() => return err(self, i, after_sign(b)),
            _ => {}
        }
        i += 1;
        while is_digit(at(i)) {
            i += 1;
        }
        match at(i) {
            None => Ok(i),
            b if is_delim(b) => Ok(i),
            Some(b) => err(self, i, end_of_digit(b)),
        }
    }

    fn consume_property_name(&mut self) -> R<()> {
        self.consume_string()?;
        const NO_VALUE: &str = "Expected a value, but instead reached end of data.";
        self.has_more_data_or(NO_VALUE)?;
        let mut first = self.buf[self.consumed];
        if first <= b' ' {
            self.skip_whitespace();
            self.has_more_data_or(NO_VALUE)?;
            first = self.buf[self.consumed];
        }
        if first != b':' {
            return self.fail(format!("'{}' is invalid after a property name. Expected a ':'.", printable(first)));
        }
        self.consumed += 1;
        self.pos += 1;
        self.token = Token::PropertyName;
        Ok(())
    }

    fn consume_string(&mut self) -> R<()> {
        let start = self.consumed + 1;
        let data = &self.buf[start..];
        let found = data.iter().position(|&b| b == b'"' || b == b'\\' || b < b' ');
        match found {
            Some(idx) if data[idx] == b'"' => {
                self.pos += idx as u64 + 2;
                self.value = (start, start + idx);
                self.escaped = false;
                self.token = Token::String;
                self.consumed += idx + 2;
                Ok(())
            }
            Some(idx) => self.consume_string_and_validate(start, idx),
            None => {
                self.pos += data.len() as u64 + 1;
                self.fail("Expected end of string, but instead reached end of data.")
            }
        }
    }

    fn consume_string_and_validate(&mut self, start: usize, mut idx: usize) -> R<()> {
        let data = &self.buf[start..];
        self.pos += idx as u64 + 1;
        let mut escaped = false;
        let mut closed = false;
        while idx < data.len() {
            let b = data[idx];
            if b == b'"' {
                if !escaped {
                    closed = true;
                    break;
                }
                escaped = false;
            } else if b == b'\\' {
                escaped = !escaped;
            } else if escaped {
                if !ESCAPABLE.contains(&b) {
                    return self.fail(format!(
                        "'{}' is an invalid escapable character within a JSON string. The string should be correctly escaped.",
                        printable(b)
                    ));
                }
                if b == b'u' {
                    self.pos += 1;
                    // `ValidateHexDigits`: four hex digits, the position moving over the first three.
                    let mut complete = false;
                    for (n, &h) in data[idx + 1..].iter().enumerate() {
                        if !h.is_ascii_hexdigit() {
                            return self.fail(format!(
                                "'{}' is not a hex digit following '\\u' within a JSON string. The string should be correctly escaped.",
                                printable(h)
                            ));
                        }
                        if n >= 3 {
                            complete = true;
                            break;
                        }
                        self.pos += 1;
                    }
                    if !complete {
                        idx = data.len();
                        break;
                    }
                    idx += 4;
                }
                escaped = false;
            } else if b < b' ' {
                return self.fail(format!(
                    "'{}' is invalid within a JSON string. The string should be correctly escaped.",
                    printable(b)
                ));
            }
            self.pos += 1;
            idx += 1;
        }
        if !closed || idx >= data.len() {
            return self.fail("Expected end of string, but instead reached end of data.");
        }
        self.pos += 1;
        self.value = (start, start + idx);
        self.escaped = true;
        self.token = Token::String;
        self.consumed += idx + 2;
        Ok(())
    }

    /// `ConsumeNextToken` with comments disallowed: what may follow a value or an end token.
    fn consume_next_token(&mut self, marker: u8) -> R<bool> {
        if self.stack.is_empty() {
            return self
                .fail(format!("'{}' is invalid after a single JSON value. Expected end of data.", printable(marker)));
        }
        match marker {
            b',' => {
                self.consumed += 1;
                self.pos += 1;
                const NOTHING: &str = "Expected start of a property name or value, but instead reached end of data.";
                if self.consumed >= self.buf.len() {
                    self.consumed -= 1;
                    self.pos -= 1;
                    return self.fail(NOTHING);
                }
                let mut first = self.buf[self.consumed];
                if first <= b' ' {
                    self.skip_whitespace();
                    self.has_more_data_or(NOTHING)?;
                    first = self.buf[self.consumed];
                }
                if self.in_object {
                    if first != b'"' {
                        if first == b'}' {
                            return self.fail("The JSON object contains a trailing comma at the end which is not supported in this mode. Change the reader options.");
                        }
                        return self.fail(format!(
                            "'{}' is an invalid start of a property name. Expected a '\"'.",
                            printable(first)
                        ));
                    }
                    self.consume_property_name()?;
                } else {
                    if first == b']' {
                        return self.fail("The JSON array contains a trailing comma at the end which is not supported in this mode. Change the reader options.");
                    }
                    self.consume_value(first)?;
                }
            }
            b'}' => self.end_object()?,
            b']' => self.end_array()?,
            _ => {
                return self.fail(format!(
                    "'{}' is invalid after a value. Expected either ',', '}}', or ']'.",
                    printable(marker)
                ))
            }
        }
        Ok(true)
    }
}

/// JSON unescaping as `JsonReaderHelper.TryUnescape` does it; `None` for a lone or reversed surrogate escape
/// (.NET throws "Cannot read invalid UTF-16 JSON text") or invalid UTF-8 in the raw bytes (.NET's transcoding throws).
fn unescape(raw: &[u8]) -> Option<String> {
    let mut out: Vec<u8> = Vec::with_capacity(raw.len());
    let mut i = 0;
    let hex4 = |i: usize| -> Option<u32> {
        let s = raw.get(i..i + 4)?;
        u32::from_str_radix(std::str::from_utf8(s).ok()?, 16).ok()
    };
    while i < raw.len() {
        let b = raw[i];
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let e = *raw.get(i + 1)?;
        i += 2;
        let c = match e {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = hex4(i)?;
                i += 4;
                if (0xD800..=0xDBFF).contains(&hi) {
                    if raw.get(i) != Some(&b'\\') || raw.get(i + 1) != Some(&b'u') {
                        return None;
                    }
                    let lo = hex4(i + 2)?;
                    if !(0xDC00..=0xDFFF).contains(&lo) {
                        return None;
                    }
                    i += 6;
                    char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))?
                } else {
                    char::from_u32(hi)?
                }
            }
            _ => return None,
        };
        let mut tmp = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads to the end or the first error; the error as `(message, line, byte)`.
    fn first_error(json: &str) -> Option<(String, u64, u64)> {
        let mut r = Reader::new(json.as_bytes());
        loop {
            match r.read() {
                Ok(true) => {}
                Ok(false) => return None,
                Err(e) => return Some((e.message, e.line, e.byte_in_line)),
            }
        }
    }

    #[test]
    fn valid_documents_read_to_the_end() {
        for ok in
            ["{}", "[]", "{\"a\":[1,-2.5e+3,true,false,null,\"x\\u00e9\\n\"]}", " 12 ", "\"s\"", "0", "{\"a\":{}}\n"]
        {
            assert_eq!(first_error(ok), None, "{ok}");
        }
    }

    #[test]
    fn errors_and_positions_follow_utf8_json_reader() {
        let cases: &[(&str, &str, u64, u64)] = &[
            ("", "The input does not contain any JSON tokens. Expected the input to start with a valid JSON token, when isFinalBlock is true.", 0, 0),
            ("  \n ", "The input does not contain any JSON tokens. Expected the input to start with a valid JSON token, when isFinalBlock is true.", 1, 1),
            ("{\"a\":x}", "'x' is an invalid start of a value.", 0, 5),
            ("{\"a\":tru", "'tru' is an invalid JSON literal. Expected the literal 'true'.", 0, 8),
            ("{\"a\":nil}", "'nil}' is an invalid JSON literal. Expected the literal 'null'.", 0, 6),
            ("{\"a\":1,}", "The JSON object contains a trailing comma at the end which is not supported in this mode. Change the reader options.", 0, 7),
            ("[1,]", "The JSON array contains a trailing comma at the end which is not supported in this mode. Change the reader options.", 0, 3),
            ("{\"a\" 1}", "'1' is invalid after a property name. Expected a ':'.", 0, 5),
            ("{a:1}", "'a' is an invalid start of a property name. Expected a '\"'.", 0, 1),
            ("{\"a\":1 \"b\":2}", "'\"' is invalid after a value. Expected either ',', '}', or ']'.", 0, 7),
            ("{} x", "'x' is invalid after a single JSON value. Expected end of data.", 0, 3),
            ("{\"a\":1]", "']' is invalid without a matching open.", 0, 6),
            ("{\"a\":", "Expected depth to be zero at the end of the JSON payload. There is an open JSON object or array that should be closed.", 0, 5),
            ("{\"a\"", "Expected a value, but instead reached end of data.", 0, 4),
            ("{\"a\":\"x", "Expected end of string, but instead reached end of data.", 0, 7),
            ("{\"a\":\"x\ty\"}", "'0x09' is invalid within a JSON string. The string should be correctly escaped.", 0, 7),
            ("{\"a\":\"\\x\"}", "'x' is an invalid escapable character within a JSON string. The string should be correctly escaped.", 0, 7),
            ("{\"a\":\"\\u12G4\"}", "'G' is not a hex digit following '\\u' within a JSON string. The string should be correctly escaped.", 0, 10),
            ("{\"a\":01}", "Invalid leading zero before '1'.", 0, 6),
            ("{\"a\":1.}", "'}' is invalid within a number, immediately after a decimal point ('.'). Expected a digit ('0'-'9').", 0, 7),
            ("{\"a\":-}", "'}' is invalid within a number, immediately after a sign character ('+' or '-'). Expected a digit ('0'-'9').", 0, 6),
            ("{\"a\":1x}", "'x' is an invalid end of a number. Expected a delimiter.", 0, 6),
            ("{\"a\":12", "'2' is an invalid end of a number. Expected a delimiter.", 0, 7),
            ("{\"a\":1.5x}", "'x' is an invalid end of a number. Expected 'E' or 'e'.", 0, 8),
            ("{/", "'/' is invalid after a value. Expected either ',', '}', or ']'.", 0, 1),
            ("[1,", "Expected start of a property name or value, but instead reached end of data.", 0, 2),
            ("\u{e9}", "'0xC3' is an invalid start of a value.", 0, 0),
            ("{\n  \"a\": two}", "'two}' is an invalid JSON literal. Expected the literal 'true'.", 1, 8),
            // CR is a byte like any other; only LF starts a new line.
            ("{\r\n\"a\":x}", "'x' is an invalid start of a value.", 1, 4),
            ("{\"a\":1e}", "'}' is invalid within a number, immediately after a sign character ('+' or '-'). Expected a digit ('0'-'9').", 0, 7),
            ("{\"a\":1e+}", "'}' is invalid within a number, immediately after a sign character ('+' or '-'). Expected a digit ('0'-'9').", 0, 8),
            ("{\"a\":-01}", "Invalid leading zero before '1'.", 0, 7),
            ("{\"a\":0x}", "'x' is an invalid end of a number. Expected a delimiter.", 0, 6),
            ("{\"a\":}", "'}' is an invalid start of a value.", 0, 5),
            ("[}", "'}' is an invalid start of a value.", 0, 1),
            ("{]", "']' is an invalid start of a property name. Expected a '\"'.", 0, 1),
            ("[1}", "'}' is invalid without a matching open.", 0, 2),
            ("12x", "'x' is an invalid end of a number. Expected a delimiter.", 0, 2),
            ("{\"a\":t}", "'t}' is an invalid JSON literal. Expected the literal 'true'.", 0, 6),
        ];
        for (json, msg, line, byte) in cases {
            assert_eq!(first_error(json), Some(((*msg).to_owned(), *line, *byte)), "{json:?}");
        }
    }

    #[test]
    fn depth_is_limited_to_32() {
        let ok = format!("{}{}", "[".repeat(32), "]".repeat(32));
        assert_eq!(first_error(&ok), None);
        let deep = format!("{}{}", "[".repeat(33), "]".repeat(33));
        let (msg, _, byte) = first_error(&deep).unwrap();
        assert_eq!(msg, "The maximum configured depth of 32 has been exceeded. Cannot read next JSON array.");
        assert_eq!(byte, 32);
    }

    #[test]
    fn unescaping() {
        assert_eq!(unescape(br"a\u00e9\n\ud83d\ude00").as_deref(), Some("a\u{e9}\n\u{1F600}"));
        assert_eq!(unescape(br"\ud83d"), None);
        assert_eq!(unescape(br"\ude00"), None);
    }
}
