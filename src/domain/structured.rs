//! Reading a model's reply as a typed value: the JSON is found (the whole reply, a code fence, or
//! the first balanced object inside prose), checked against a JSON schema, and deserialized; a
//! failure says exactly what is wrong, so it can be shown, or sent back once for repair.
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::domain::schema;

/// Why a reply could not be read as the expected structure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StructuredError {
    #[error("the reply contains no JSON")]
    NoJson,
    #[error("the reply's JSON is not valid: {0}")]
    Invalid(String),
    #[error("the reply's JSON does not follow the expected structure: {}", .0.join("; "))]
    Schema(Vec<String>),
}

/// Finds the JSON value in a reply: the whole text, else a ```json fence, else the first balanced
/// `{...}` or `[...]` in the text.
pub fn extract_json(text: &str) -> Result<Value, StructuredError> {
    let t = text.trim();
    if let Ok(v) = serde_json::from_str::<Value>(t) {
        return Ok(v);
    }
    let mut first_err = None;
    for candidate in fenced_blocks(t).into_iter().chain(balanced_spans(t)) {
        match serde_json::from_str::<Value>(candidate.trim()) {
            Ok(v) if v.is_object() || v.is_array() => return Ok(v),
            Ok(_) => {}
            Err(e) => {
                first_err.get_or_insert_with(|| e.to_string());
            }
        }
    }
    Err(first_err.map_or(StructuredError::NoJson, StructuredError::Invalid))
}

/// The contents of Markdown code fences, in order.
fn fenced_blocks(t: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = t;
    while let Some(start) = rest.find("```") {
        let after = &rest[start + 3..];
        let body_start = after.find('\n').map_or(after.len(), |i| i + 1);
        let body = &after[body_start..];
        match body.find("```") {
            Some(end) => {
                out.push(&body[..end]);
                rest = &body[end + 3..];
            }
            None => {
                out.push(body);
                break;
            }
        }
    }
    out
}

/// Spans from each `{` or `[` to its matching close, skipping brackets inside strings.
fn balanced_spans(t: &str) -> Vec<&str> {
    let bytes = t.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() && out.len() < 8 {
        if bytes[i] == b'{' || bytes[i] == b'[' {
            if let Some(end) = matching_close(bytes, i) {
                out.push(&t[i..=end]);
                i = end + 1;
                continue;
            }
        }
        i += 1;
    }
    out
}

fn matching_close(bytes: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_str = false;
    let mut escaped = false;
    for (j, &b) in bytes.iter().enumerate().skip(start) {
        if in_str {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(j);
                }
            }
            _ => {}
        }
    }
    None
}

/// Checks `value` against a JSON schema (draft 2020-12 or draft-07, see [`schema`]): every
/// problem in words with its place, e.g. `steps[0]: must be a string, is an integer`; empty when
/// the value matches. A schema that cannot be used gives one problem saying why.
pub fn validate(value: &Value, schema: &Value) -> Vec<String> {
    schema::validate(value, schema)
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// Extracts, validates and deserializes a reply.
pub fn parse_reply<T: DeserializeOwned>(text: &str, schema: &Value) -> Result<T, StructuredError> {
    let v = extract_json(text)?;
    let errs = validate(&v, schema);
    if !errs.is_empty() {
        return Err(StructuredError::Schema(errs));
    }
    serde_json::from_value(v).map_err(|e| StructuredError::Invalid(e.to_string()))
}

/// The follow-up message for the one automatic repair attempt.
pub fn repair_message(err: &StructuredError, schema: &Value) -> String {
    format!(
        "Your previous reply could not be used: {err}. Reply again with only the corrected JSON, \
         following this JSON schema exactly:\n{schema}"
    )
}

#[cfg(test)]
mod tests;
