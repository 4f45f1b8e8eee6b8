//! The plain words of validation errors: places (`items[2].due`), kinds of value (`a string`),
//! values shown short, and lists joined with "or".
use serde_json::Value;

use super::PathSegment;
use super::value::is_integer;

/// Values and names longer than this many characters are cut with `…` in messages.
const SHOWN_CHARS: usize = 60;
/// At most this many allowed values are listed in an `enum` message.
const LISTED: usize = 8;

/// `the value`, `address.city`, `items[2]`, `["two words"].x`.
pub(super) fn place(path: &[PathSegment]) -> String {
    if path.is_empty() {
        return "the value".to_owned();
    }
    let mut out = String::new();
    for seg in path {
        match seg {
            PathSegment::Index(i) => out.push_str(&format!("[{i}]")),
            PathSegment::Key(k) if is_plain_name(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            PathSegment::Key(k) => out.push_str(&format!("[{}]", quote(k))),
        }
    }
    out
}

fn is_plain_name(k: &str) -> bool {
    k.starts_with(|c: char| c.is_alphabetic() || c == '_' || c == '$')
        && k.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '$'))
}

/// The kind of a value with its article: `a string`, `an integer`, `null`.
pub(super) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if is_integer(n) => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A JSON Schema type name with its article: `"string"` → `a string`.
pub(super) fn type_phrase(name: &str) -> String {
    match name {
        "null" => "null".to_owned(),
        "integer" | "object" | "array" => format!("an {name}"),
        "string" | "number" | "boolean" => format!("a {name}"),
        other => format!("of type {}", quote(other)),
    }
}

/// Items joined as `a`, `a or b`, `a, b or c`.
pub(super) fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// A value as compact JSON, cut to [`SHOWN_CHARS`] characters.
pub(super) fn show(v: &Value) -> String {
    cut(&v.to_string())
}

/// A name in double quotes, JSON-escaped and cut.
pub(super) fn quote(name: &str) -> String {
    cut(&Value::String(name.to_owned()).to_string())
}

/// The allowed values of an `enum`, at most [`LISTED`] of them: `"a", "b" or "c"`.
pub(super) fn value_list(values: &[Value]) -> String {
    let mut shown: Vec<String> = values.iter().take(LISTED).map(show).collect();
    if values.len() > LISTED {
        shown.push(format!("{} more", values.len() - LISTED));
    }
    or_list(&shown)
}

fn cut(text: &str) -> String {
    if text.chars().count() <= SHOWN_CHARS {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(SHOWN_CHARS - 1).collect();
    out.push('…');
    out
}

/// `1 item`, `3 items`.
pub(super) fn count_of(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// What a small schema asks for, as a noun phrase, when it says it in one keyword:
/// `{"type": "string"}` → `a string`, `{"const": 3}` → `3`, `{"enum": [..]}` → `"a" or "b"`.
pub(super) fn describe(schema: &Value) -> Option<String> {
    let obj = schema.as_object()?;
    let mut keys = obj
        .keys()
        .filter(|k| !matches!(k.as_str(), "$comment" | "description" | "title"));
    let key = keys.next()?;
    if keys.next().is_some() {
        return None;
    }
    let v = &obj[key];
    match key.as_str() {
        "type" => Some(types_phrase(v)),
        "const" => Some(show(v)),
        "enum" => v.as_array().map(|a| value_list(a)),
        _ => None,
    }
}

/// The phrase for a `type` keyword value: `a string`, `a string or null`.
pub(super) fn types_phrase(t: &Value) -> String {
    match t {
        Value::String(one) => type_phrase(one),
        Value::Array(many) => {
            let names: Vec<String> = many
                .iter()
                .filter_map(Value::as_str)
                .map(type_phrase)
                .collect();
            or_list(&names)
        }
        other => show(other),
    }
}
