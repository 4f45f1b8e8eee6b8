//! Reading a model's reply as a typed value: the JSON is found (the whole reply, a code fence, or
//! the first balanced object inside prose; near-JSON through `lenient_json`), checked against a
//! JSON schema, and deserialized; a failure says exactly what is wrong, so it can be shown, or sent
//! back once for repair.
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::domain::{lenient_json, schema};

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

/// Finds the JSON value in a reply: the whole text, else each ```json fence, else the first few
/// `{...}` or `[...]` spans in the text. Each place is read as JSON first and then, if that fails,
/// by the tolerant reader [`lenient_json`] (comments, raw line breaks in strings, trailing commas,
/// single or smart quotes, unquoted keys, Python literals, a missing final brace), so a reply whose
/// meaning is plain is read before anyone asks the model again.
///
/// The whole text may be any JSON value; fences and spans count only as an object or an array, and
/// a tolerant reading only as an object or an array. Errors: [`StructuredError::NoJson`] when no
/// place looks like JSON, else [`StructuredError::Invalid`] with `serde_json`'s first complaint.
pub fn extract_json(text: &str) -> Result<Value, StructuredError> {
    extract_json_mended(text).map(|(v, _)| v)
}

/// [`extract_json`], saying also whether the value was mended: `true` when it came from the
/// tolerant reader (its JSON has a mistake somewhere), `false` when some place read as JSON as
/// it is. Errors as [`extract_json`].
pub fn extract_json_mended(text: &str) -> Result<(Value, bool), StructuredError> {
    let t = text.trim();
    if let Ok(v) = serde_json::from_str::<Value>(t) {
        return Ok((v, false));
    }
    if let Some(v) = lenient_json::parse(t).ok().filter(is_container) {
        return Ok((v, true));
    }
    let mut first_err = None;
    let mut strict = |candidate: &str| match serde_json::from_str::<Value>(candidate.trim()) {
        Ok(v) => Some(v).filter(is_container),
        Err(e) => {
            first_err.get_or_insert_with(|| e.to_string());
            None
        }
    };
    for block in fenced_blocks(t) {
        if let Some(v) = strict(block) {
            return Ok((v, false));
        }
        if let Some(v) = lenient_json::parse(block.trim()).ok().filter(is_container) {
            return Ok((v, true));
        }
    }
    for (start, end) in span_starts(t) {
        if let Some(v) = end.and_then(|end| strict(&t[start..=end])) {
            return Ok((v, false));
        }
        if let Ok((v, _)) = lenient_json::parse_prefix(&t[start..]) {
            return Ok((v, true));
        }
    }
    Err(first_err.map_or(StructuredError::NoJson, StructuredError::Invalid))
}

fn is_container(v: &Value) -> bool {
    v.is_object() || v.is_array()
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

/// Where the first few candidate values start (each `{` or `[`), with the end of their balanced
/// span when there is one; the search goes on after a balanced span, else after its opening bracket.
fn span_starts(t: &str) -> Vec<(usize, Option<usize>)> {
    let bytes = t.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() && out.len() < 8 {
        if bytes[i] == b'{' || bytes[i] == b'[' {
            let end = matching_close(bytes, i);
            out.push((i, end));
            i = end.map_or(i + 1, |end| end + 1);
            continue;
        }
        i += 1;
    }
    out
}

fn matching_close(bytes: &[u8], start: usize) -> Option<usize> {
    bracket_span(bytes, start).ok()
}

/// From the `{` or `[` at `start`: `Ok(index of its matching close)`, or, when the text ends
/// first, `Err((brackets still open, whether it ends inside a string))`. Strings and their
/// escapes are skipped; bracket kinds are not matched against each other.
pub(crate) fn bracket_span(bytes: &[u8], start: usize) -> Result<usize, (usize, bool)> {
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
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Ok(j);
                }
            }
            _ => {}
        }
    }
    Err((depth, in_str))
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
    crate::domain::wire::from_value(v).map_err(|e| StructuredError::Invalid(e.to_string()))
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
