//! JSON Schema validation, draft 2020-12 and draft-07, complete for what the official test suite
//! requires, with errors worded for people (`items[2].due: must match the pattern ...`).
//!
//! # Dialects
//! The root's `$schema` picks the rules: a draft-07 URI (or draft-06/-04, read as draft-07) gives
//! [`Dialect::Draft07`]; anything else, or no `$schema`, gives [`Dialect::Draft2020_12`] (or the
//! caller's default, [`Validator::with_default`]). [`check_schema`] is stricter and refuses a
//! `$schema` it does not know, since those rules are then only guessed.
//!
//! Where the other draft's keyword has one plain meaning it is honoured rather than silently
//! ignored, because model-written schemas mix drafts: in 2020-12, an array-valued `items` (with
//! `additionalItems`) and `dependencies` work as in draft-07, and `definitions` is indexed like
//! `$defs`. Keywords of 2020-12 (`prefixItems`, `$anchor`, `$dynamicRef`, `unevaluated*`,
//! `dependentRequired`, `dependentSchemas`, `minContains`, `maxContains`) are ignored in draft-07.
//!
//! # References
//! `$ref`, `$dynamicRef`, `$id`, `$anchor` and `$dynamicAnchor` are resolved within the one schema
//! document (2020-12 Core §8.2, §9; draft-07 Core §8). Nothing is ever fetched: a reference to
//! another document is a [`SchemaProblem::Remote`], found before any value is checked. The
//! metaschemas (`https://json-schema.org/draft/2020-12/schema`, ...) are not bundled either, so a
//! `$ref` to one is refused the same way ([`SchemaProblem::Metaschema`]); bundling them would
//! cost bytes in every page load for a use no prompt schema needs. `format` is an annotation only
//! (2020-12 Validation §7.2.1): it never fails, except through [`Validator::asserting_formats`],
//! which asserts it as promptfoo's JSON checks do (`formats.rs`). `content*` keywords are
//! annotations too.
//!
//! # Limits
//! Errors stop at [`MAX_ERRORS`]. Evaluation stops (with one error saying why) when a schema
//! loops back on itself without moving into the value (2020-12 Core §9.4.1), nests deeper than
//! [`MAX_DEPTH`], or takes more than [`MAX_STEPS`] schema evaluations. No input panics. One level
//! of evaluation takes about 2 KiB of stack in a native release build (4.5 KiB in debug; a test
//! keeps it under 6 KiB), so the deepest evaluation stays near 512 KiB, inside wasm's 1 MiB.
//!
//! # Why our own code, not a crate
//! Checked for `wasm32-unknown-unknown` with scratch crates (`cargo tree -e normal,no-proc-macro`,
//! and release cdylibs built with this app's profile: `opt-level = "z"`, LTO, stripped):
//! - `boon` 0.6.1 pulls 44 crates: `regex` (with `regex-automata`, `aho-corasick`), `url` and
//!   `idna` with the ICU4X crates of Unicode data (`icu_*`, `zerovec`, ...), `fluent-uri`, `ahash` and `getrandom`,
//!   which does not even build for this target until its JavaScript backend is enabled (pulling
//!   `wasm-bindgen` in). A one-function cdylib around it: 1.31 MB, 444 KB gzip, against 34 KB /
//!   15 KB for the same function with `serde_json` alone: about +430 KB gzip.
//! - `jsonschema` 0.61.2 pulls 90 crates by default (`reqwest` and its HTTP stack) and 55
//!   without default features (`fancy-regex`, `regex`, `num-*`, `fraction`, `email_address`,
//!   `uuid-simd`, `parking_lot`, ...).
//! - This module and [`crate::domain::pattern`], in the same kind of build: +129 KB, +53 KB gzip
//!   over `serde_json` with `regex-lite` (which the app links already), part of it standard-library
//!   code (formatting, hashing, sorting) the app links anyway.
//!
//! The app's bundle is ~700 KB gzip and must shrink, so the validator is written here.
use serde_json::Value;

mod eval;
mod formats;
mod index;
mod uri;
mod value;
mod words;

#[cfg(test)]
mod suite_tests;
#[cfg(test)]
mod tests;

use crate::domain::pattern::PatternError;

/// At most this many errors are reported for one value.
pub const MAX_ERRORS: usize = 20;
/// Schema evaluations nested deeper than this stop the check (one evaluation per subschema
/// entered: a property, an item, a `$ref`, an `allOf` branch...).
pub const MAX_DEPTH: usize = 256;
/// Schema evaluations allowed for one value before the check gives up.
pub const MAX_STEPS: u64 = 1_000_000;

/// Which rules a schema follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    /// Draft-07 (`http://json-schema.org/draft-07/schema#`); draft-06 and draft-04 URIs too.
    Draft07,
    /// Draft 2020-12 (`https://json-schema.org/draft/2020-12/schema`): the default.
    #[default]
    Draft2020_12,
}

impl Dialect {
    /// The dialect a `$schema` URI names, `None` when it names neither (trailing `#` and the
    /// `http`/`https` difference ignored).
    pub fn from_uri(uri: &str) -> Option<Self> {
        let u = uri.trim().trim_end_matches('#');
        let u = u
            .strip_prefix("https://")
            .or_else(|| u.strip_prefix("http://"))
            .unwrap_or(u);
        match u {
            "json-schema.org/draft/2020-12/schema" => Some(Self::Draft2020_12),
            "json-schema.org/draft-07/schema"
            | "json-schema.org/draft-06/schema"
            | "json-schema.org/draft-04/schema" => Some(Self::Draft07),
            _ => None,
        }
    }

    /// `"draft 2020-12"` or `"draft-07"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft07 => "draft-07",
            Self::Draft2020_12 => "draft 2020-12",
        }
    }

    /// Where definitions belong in this dialect: `$defs` or `definitions`.
    pub fn defs_keyword(self) -> &'static str {
        match self {
            Self::Draft07 => "definitions",
            Self::Draft2020_12 => "$defs",
        }
    }
}

/// Why a schema cannot be used to check anything.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaProblem {
    /// The schema is not an object or a boolean (2020-12 Core §4.3.1).
    #[error("the schema must be a JSON object (or true or false), not {0}")]
    NotASchema(&'static str),
    /// `$schema` names a dialect this validator does not implement (only [`check_schema`]).
    #[error(
        "$schema names {0}, which is neither draft 2020-12 nor draft-07; use \
         https://json-schema.org/draft/2020-12/schema or http://json-schema.org/draft-07/schema#, \
         or leave $schema out"
    )]
    UnknownDialect(String),
    /// A reference to another document (2020-12 Core §8.2.3.1); `shown` is the reference as
    /// written, with what it resolved to when that differs.
    #[error("the schema refers to {shown}, which is not fetched; put the definition in {defs}")]
    Remote { shown: String, defs: &'static str },
    /// A reference to a JSON Schema metaschema, which is not bundled.
    #[error(
        "the schema refers to the JSON Schema metaschema {0}, which is not available offline; \
         describe the value with ordinary keywords instead"
    )]
    Metaschema(String),
    /// A `$ref` or `$dynamicRef` whose target is not in the document.
    #[error("the reference {reference} (at {at}) points to nothing in the schema")]
    Unresolved { reference: String, at: String },
    /// A `pattern` or `patternProperties` key the regular-expression engine refuses
    /// (2020-12 Core §6.4: ECMA-262 syntax).
    #[error("the pattern {pattern} (at {at}) cannot be used: {reason}")]
    Pattern {
        pattern: String,
        at: String,
        reason: PatternError,
    },
    /// Subschemas nested deeper than [`MAX_DEPTH`].
    #[error("the schema is nested more than {MAX_DEPTH} levels deep")]
    TooDeep,
    /// A `format` outside the ones asserted, when formats are asserted
    /// ([`Validator::asserting_formats`]): Ajv refuses such a schema ("unknown format").
    #[error(
        "the format \"{format}\" (at {at}) is not one promptfoo's checker knows (ajv-formats); \
         use pattern for it, or leave it out"
    )]
    UnknownFormat { format: String, at: String },
    /// A keyword whose value its metaschema does not allow (`"type": "strnig"`, `"required":
    /// "name"`): the schema would fail, or pass, every answer for a reason no one wrote.
    #[error("{keyword} at {at} is {found}, but must be {expected}")]
    Keyword {
        keyword: String,
        at: String,
        found: String,
        expected: &'static str,
    },
}

/// One step from a value to a part of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathSegment {
    /// A field of an object.
    Key(String),
    /// A position in an array, from 0.
    Index(usize),
}

/// One way a value breaks a schema: where (empty `path` = the whole value) and which rule, in
/// plain words. Displays as `items[2].due: must match the pattern ^\d{4}$`, or, for the whole
/// value, `the value must be an object, is an array` (no colon: it reads as a sentence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// From the whole value down to the part that breaks the rule.
    pub path: Vec<PathSegment>,
    /// The rule in words, starting with what the part must be or do: `must be a string, is an
    /// integer`, `is missing "city"`, `has an unexpected field "x"`.
    pub message: String,
}

impl SchemaError {
    /// The place in words: `the value`, `address.city`, `items[2]`, `tags["two words"]`.
    pub fn place(&self) -> String {
        words::place(&self.path)
    }
}

impl std::fmt::Display for SchemaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            write!(f, "{} {}", self.place(), self.message)
        } else {
            write!(f, "{}: {}", self.place(), self.message)
        }
    }
}

/// The errors of a value that does not match: the first [`MAX_ERRORS`], and whether there were
/// more. Displays as the errors joined by `; `.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// In schema order, duplicates removed; never empty.
    pub errors: Vec<SchemaError>,
    /// Whether errors past [`MAX_ERRORS`] were left out.
    pub truncated: bool,
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        if self.truncated {
            f.write_str("; and more")?;
        }
        Ok(())
    }
}

/// A schema checked once (dialect chosen, references indexed and resolved, patterns compiled)
/// and ready to validate any number of values.
#[derive(Debug)]
pub struct Validator {
    index: index::Index,
    /// Whether `format` fails values that do not meet it ([`Validator::asserting_formats`]).
    formats: bool,
}

impl Validator {
    /// Prepares `schema`; the dialect comes from its `$schema`, else draft 2020-12.
    /// Errors: every [`SchemaProblem`] except `UnknownDialect`.
    pub fn new(schema: &Value) -> Result<Self, SchemaProblem> {
        Self::with_default(schema, Dialect::Draft2020_12)
    }

    /// As [`Validator::new`], with `default` when the root has no `$schema` this module knows.
    pub fn with_default(schema: &Value, default: Dialect) -> Result<Self, SchemaProblem> {
        let dialect = schema
            .get("$schema")
            .and_then(Value::as_str)
            .and_then(Dialect::from_uri)
            .unwrap_or(default);
        Ok(Self {
            index: index::Index::build(schema.clone(), dialect)?,
            formats: false,
        })
    }

    /// As [`Validator::new`], with `format` asserted as promptfoo's JSON checks assert it (Ajv
    /// with ajv-formats, "full" mode; see `formats.rs`): `{"format": "email"}` fails
    /// `"not-an-email"`. Errors: those of [`Validator::new`], and
    /// [`SchemaProblem::UnknownFormat`] for a format ajv-formats does not define.
    pub fn asserting_formats(schema: &Value) -> Result<Self, SchemaProblem> {
        let mut v = Self::new(schema)?;
        if let Some((format, at)) = v.index.formats.iter().find(|(f, _)| !formats::known(f)) {
            return Err(SchemaProblem::UnknownFormat {
                format: format.clone(),
                at: at.clone(),
            });
        }
        v.formats = true;
        Ok(v)
    }

    /// The rules this schema is checked with.
    pub fn dialect(&self) -> Dialect {
        self.index.dialect
    }

    /// Checks `value`: `Ok` when it matches, else its errors (at most [`MAX_ERRORS`]).
    pub fn validate(&self, value: &Value) -> Result<(), Invalid> {
        eval::validate(&self.index, self.formats, value, MAX_ERRORS)
    }

    /// Whether `value` matches (stops at the first error).
    pub fn is_valid(&self, value: &Value) -> bool {
        eval::validate(&self.index, self.formats, value, 0).is_ok()
    }
}

/// Checks `value` against `schema` in one call: no errors when it matches. A schema that cannot
/// be used gives one error for the whole value, e.g. `the value cannot be checked: the schema
/// refers to https://example.com/a.json, which is not fetched; put the definition in $defs`.
pub fn validate(value: &Value, schema: &Value) -> Vec<SchemaError> {
    match Validator::new(schema) {
        Ok(v) => v.validate(value).err().map_or_else(Vec::new, |e| e.errors),
        Err(problem) => vec![SchemaError {
            path: Vec::new(),
            message: format!("cannot be checked: {problem}"),
        }],
    }
}

/// Whether `schema` can be used as written: a known dialect (or none named), every reference
/// inside the document, every pattern valid. Returns the dialect it will be checked with.
pub fn check_schema(schema: &Value) -> Result<Dialect, SchemaProblem> {
    checked(schema, Validator::new)
}

/// As [`check_schema`], with `format` asserted ([`Validator::asserting_formats`]): what a JSON
/// schema check needs of its schema, an unknown format included.
pub fn check_schema_asserting_formats(schema: &Value) -> Result<Dialect, SchemaProblem> {
    checked(schema, Validator::asserting_formats)
}

/// The dialect named, the keyword values, then `build`, the one index build.
fn checked(
    schema: &Value,
    build: fn(&Value) -> Result<Validator, SchemaProblem>,
) -> Result<Dialect, SchemaProblem> {
    if let Some(named) = schema.get("$schema") {
        let text = named
            .as_str()
            .map_or_else(|| named.to_string(), str::to_owned);
        if Dialect::from_uri(&text).is_none() {
            return Err(SchemaProblem::UnknownDialect(text));
        }
    }
    lint(schema, "the top", 0)?;
    build(schema).map(|v| v.dialect())
}

/// The seven names `type` takes (2020-12 Validation §6.1.1; draft-07 §6.1.1).
const TYPE_NAMES: [&str; 7] = [
    "null", "boolean", "object", "array", "number", "string", "integer",
];

/// Checks the values of the keywords both dialects share against what their metaschemas allow
/// (2020-12 Validation §6, Core §10; draft-07 Validation §6): tryout 80, `{"type": "strnig"}`
/// and `{"required": "oops"}` were taken as schemas, and then failed (or passed) every answer.
/// Keywords it does not know are left alone, as a validator leaves them. `at` names the place.
fn lint(schema: &Value, at: &str, depth: usize) -> Result<(), SchemaProblem> {
    let Value::Object(map) = schema else {
        return Ok(());
    };
    if depth > MAX_DEPTH {
        return Err(SchemaProblem::TooDeep);
    }
    let bad = |keyword: &str, v: &Value, expected: &'static str| SchemaProblem::Keyword {
        keyword: format!("\u{201c}{keyword}\u{201d}"),
        at: at.to_owned(),
        found: match v {
            Value::String(t) => format!("\u{201c}{}\u{201d}", crate::domain::eval::clip(t, 40)),
            other => words::kind(other).to_owned(),
        },
        expected,
    };
    let is_schema = |v: &Value| matches!(v, Value::Object(_) | Value::Bool(_));
    let count = |v: &Value| {
        v.as_u64().is_some() || v.as_f64().is_some_and(|f| f >= 0.0 && f.fract() == 0.0)
    };
    let sub = |key: &str, v: &Value| lint(v, &format!("{at} \u{2192} {key}"), depth + 1);
    for (k, v) in map {
        match k.as_str() {
            "type" => {
                let names_ok = |t: &Value| t.as_str().is_some_and(|n| TYPE_NAMES.contains(&n));
                let ok = match v {
                    Value::Array(list) => !list.is_empty() && list.iter().all(names_ok),
                    one => names_ok(one),
                };
                if !ok {
                    return Err(bad(
                        k,
                        v,
                        "one of null, boolean, object, array, number, string, integer (or a list of them)",
                    ));
                }
            }
            "required" => {
                if !v.as_array().is_some_and(|l| l.iter().all(Value::is_string)) {
                    return Err(bad(k, v, "a list of field names"));
                }
            }
            "enum" => {
                if !v.is_array() {
                    return Err(bad(k, v, "a list of values"));
                }
            }
            "minLength" | "maxLength" | "minItems" | "maxItems" | "minProperties"
            | "maxProperties" | "minContains" | "maxContains" => {
                if !count(v) {
                    return Err(bad(k, v, "a whole number, 0 or more"));
                }
            }
            "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" => {
                if !v.is_number() {
                    return Err(bad(k, v, "a number"));
                }
            }
            "multipleOf" => {
                if !v.as_f64().is_some_and(|f| f > 0.0) {
                    return Err(bad(k, v, "a number above 0"));
                }
            }
            "uniqueItems" => {
                if !v.is_boolean() {
                    return Err(bad(k, v, "true or false"));
                }
            }
            "pattern" | "format" => {
                if !v.is_string() {
                    return Err(bad(k, v, "a piece of text"));
                }
            }
            "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas" => {
                let Value::Object(m) = v else {
                    return Err(bad(k, v, "a set of named schemas"));
                };
                for (name, s) in m {
                    if !is_schema(s) {
                        return Err(bad(
                            &format!("{k} \u{2192} {name}"),
                            s,
                            "a schema (an object, or true or false)",
                        ));
                    }
                    sub(&format!("{k} \u{2192} {name}"), s)?;
                }
            }
            "allOf" | "anyOf" | "oneOf" | "prefixItems" => {
                let Some(list) = v.as_array().filter(|l| !l.is_empty()) else {
                    return Err(bad(k, v, "a list of schemas, not empty"));
                };
                for (i, s) in list.iter().enumerate() {
                    if !is_schema(s) {
                        return Err(bad(
                            &format!("{k} \u{2192} {}", i + 1),
                            s,
                            "a schema (an object, or true or false)",
                        ));
                    }
                    sub(&format!("{k} \u{2192} {}", i + 1), s)?;
                }
            }
            // draft-07 also takes a list of schemas for `items`.
            "items" if v.is_array() => {
                for (i, s) in v.as_array().into_iter().flatten().enumerate() {
                    if !is_schema(s) {
                        return Err(bad(
                            &format!("{k} \u{2192} {}", i + 1),
                            s,
                            "a schema (an object, or true or false)",
                        ));
                    }
                    sub(&format!("{k} \u{2192} {}", i + 1), s)?;
                }
            }
            "items"
            | "additionalProperties"
            | "additionalItems"
            | "not"
            | "if"
            | "then"
            | "else"
            | "contains"
            | "propertyNames"
            | "unevaluatedProperties"
            | "unevaluatedItems" => {
                if !is_schema(v) {
                    return Err(bad(k, v, "a schema (an object, or true or false)"));
                }
                sub(k, v)?;
            }
            _ => {}
        }
    }
    Ok(())
}
