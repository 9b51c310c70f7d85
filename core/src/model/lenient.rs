//! ASP.NET's input leniency: property names match case-insensitively, and numbers or booleans may arrive as
//! JSON strings (the service's own Postman collection sends `"maxFileTransferSize": "1112391230"`).

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Renames the top-level members of `value` that match one of `names` case-insensitively to that exact name.
/// Nested objects (such as `propertyList`, whose keys are data) are left alone.
pub fn canonicalize_keys(value: Value, names: &[&str]) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let canonical = names.iter().find(|n| n.eq_ignore_ascii_case(&k)).map(|n| (*n).to_owned());
                    (canonical.unwrap_or(k), v)
                })
                .collect(),
        ),
        other => other,
    }
}

fn opt_from_value<T: std::str::FromStr>(v: Value, what: &str) -> Result<Option<T>, String> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => s.trim().parse().map(Some).map_err(|_| format!("{s:?} is not a valid {what}")),
        Value::Number(n) => n.to_string().parse().map(Some).map_err(|_| format!("{n} is not a valid {what}")),
        Value::Bool(b) => b.to_string().parse().map(Some).map_err(|_| format!("{b} is not a valid {what}")),
        other => Err(format!("{other} is not a valid {what}")),
    }
}

/// An optional integer given as a number or a string.
pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    opt_from_value(Value::deserialize(d)?, "integer").map_err(serde::de::Error::custom)
}

/// An optional 32-bit integer given as a number or a string.
pub fn opt_i32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i32>, D::Error> {
    opt_from_value(Value::deserialize(d)?, "32-bit integer").map_err(serde::de::Error::custom)
}

/// An optional boolean given as a boolean or a string (`"true"`, `"False"`).
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(Some(true)),
            "false" => Ok(Some(false)),
            _ => Err(serde::de::Error::custom(format!("{s:?} is not a valid boolean"))),
        },
        Value::Bool(b) => Ok(Some(b)),
        Value::Null => Ok(None),
        other => Err(serde::de::Error::custom(format!("{other} is not a valid boolean"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_canonicalized_at_the_top_only() {
        let v = serde_json::json!({"FileName": "a", "propertylist": {"Case": "x"}});
        let v = canonicalize_keys(v, &["fileName", "propertyList"]);
        assert_eq!(v, serde_json::json!({"fileName": "a", "propertyList": {"Case": "x"}}));
    }
}
