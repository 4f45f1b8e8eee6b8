//! promptfoo's test semantics on read: one assertion from a file (`$ref` to `assertionTemplates`,
//! `transform`, `file://` values) becomes a check or a reason it is left out; a CSV `__expected`
//! cell in promptfoo's compact syntax; `defaultTest` merged into each test; array variables
//! expanded into one case per value (several arrays: their cartesian product); metadata as tags.
//! Sources: promptfoo's docs ("Test case configuration", "CSV format", "Assertions & metrics").
use serde_json::{Map, Value};

use crate::domain::eval::{Assertion, Message, TestCase};
use crate::domain::wire::{AssertionV1, PROMPTFOO_TYPES, text_of};

/// Something from a file that is left out, in plain words: what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Omitted {
    /// One check, by its promptfoo type as written (empty when it has none).
    Check(String),
    /// A transform of the answer before its checks (`options.transform`).
    Transform,
    /// A CSV column (`__prefix`…).
    Column(String),
    /// A part of a config that holds no cases Promptwright can use (`scenarios`).
    Part(String),
    /// Another file a reference points to (`file://tests.csv`).
    File(String),
    /// A field of a check that is kept without it: (field, the check's promptfoo type), e.g. the
    /// `weight` of a `contains` check.
    Field(String, String),
}

impl std::fmt::Display for Omitted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Check(k) if k.is_empty() => write!(f, "a check"),
            Self::Check(k) => write!(f, "{k} check"),
            Self::Transform => write!(f, "the transform"),
            Self::Column(c) => write!(f, "column {c}"),
            Self::Part(p) => write!(f, "{p}"),
            Self::File(p) => write!(f, "{p}"),
            Self::Field(field, k) if k.is_empty() => write!(f, "the {field} of a check"),
            Self::Field(field, k) => write!(f, "the {field} of the {k} check"),
        }
    }
}

/// How a reference to another file is answered: its name and text, or `None` when it was not
/// among the files chosen.
pub(super) type Lookup<'a> = &'a dyn Fn(&str) -> Option<(String, String)>;

/// A check read, and the fields of it left out with why (its `weight` and `metric`).
pub(super) type ReadCheck = (Assertion, Vec<(Omitted, String)>);

/// Reads one assertion of a test (a JSON object as promptfoo writes it) into a check, with the
/// fields of it that are left out (tryout 51: a `weight` and a `metric` went without a word),
/// or says what is left out and why. `templates` are the config's `assertionTemplates`.
pub(super) fn read_assertion(
    v: &Value,
    templates: &Map<String, Value>,
    lookup: Lookup,
) -> Result<ReadCheck, (Omitted, String)> {
    let Value::Object(m) = v else {
        return Err((
            Omitted::Check(String::new()),
            format!(
                "it is not a set of fields such as type and value (found {})",
                super::kind_of(v)
            ),
        ));
    };
    let mut m = m.clone();
    if let Some(r) = m.remove("$ref") {
        let r = text_of(&r);
        let name = r.trim().strip_prefix("#/assertionTemplates/");
        let Some(Value::Object(t)) = name.and_then(|n| templates.get(n)) else {
            return Err((
                Omitted::Check(String::new()),
                format!(
                    "its $ref points to \u{201c}{}\u{201d}, which this file's assertionTemplates do not define",
                    r.trim()
                ),
            ));
        };
        let mut merged = t.clone();
        merged.extend(m);
        m = merged;
    }
    let kind = m.get("type").map(text_of).unwrap_or_default();
    let kind = kind.trim().to_owned();
    let omitted = || Omitted::Check(kind.clone());
    if let Some(t) = m
        .get("transform")
        .map(text_of)
        .filter(|t| !t.trim().is_empty())
    {
        return Err((
            omitted(),
            format!(
                "it checks a transformed answer (\u{201c}{}\u{201d}), and a transform would run code",
                t.trim()
            ),
        ));
    }
    // A value kept in another file: read it when that file was chosen too.
    if let Some(path) = m
        .get("value")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|p| p.starts_with("file://"))
        .map(str::to_owned)
    {
        let base = kind.strip_prefix("not-").unwrap_or(&kind);
        if matches!(base, "javascript" | "python" | "ruby") {
            return Err((omitted(), "it would run code".into()));
        }
        match lookup(&path) {
            Some((_, text)) => {
                let value = if base.contains("json") {
                    serde_json::from_str(&text)
                        .or_else(|_| {
                            super::yaml::parse_yaml(&text).map(|n| super::yaml::to_json(&n))
                        })
                        .unwrap_or(Value::String(text))
                } else {
                    Value::String(text.trim_end_matches(['\n', '\r']).to_owned())
                };
                m.insert("value".into(), value);
            }
            None => {
                return Err((
                    omitted(),
                    format!(
                        "its value is in another file ({path}), which was not among the files chosen"
                    ),
                ));
            }
        }
    }
    let fields = fields_left_out(&m, &kind);
    // A weight that is not a number (`weight: "2"`) is left out with the line's note: the
    // check weighs 1 rather than going with it (helper-51: "expected f64" dropped the check).
    if m.get("weight")
        .is_some_and(|w| !w.is_number() && !w.is_null())
    {
        m.remove("weight");
    }
    let wire: AssertionV1 = crate::domain::wire::from_value(Value::Object(m))
        .map_err(|e| (omitted(), format!("it could not be read ({})", e)))?;
    let check = Assertion::from_promptfoo(&wire).map_err(|e| (omitted(), e.why))?;
    Ok((check, fields))
}

/// Whether `t` is one of YAML 1.2's core-schema special floats (`.nan`, `.inf`, `-.inf`, `+.inf`
/// in the spellings the YAML 1.2.2 spec's core schema lists: all lower, all upper or
/// capitalised).
fn is_yaml_special_float(t: &str) -> bool {
    let t = t.trim();
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    let nan = !t.starts_with(['-', '+']) && matches!(t, ".nan" | ".NaN" | ".NAN");
    nan || matches!(body, ".inf" | ".Inf" | ".INF")
}

/// What grades model-graded checks here, said where a file names its own grader.
pub(super) const GRADER_HERE: &str =
    "model-graded checks are graded by the Scoring model chosen in Settings";

/// What grades with which prompt here, said where a file sets its own (`rubricPrompt`).
pub(super) const GRADING_PROMPT_HERE: &str =
    "the judge grades with Promptwright's own grading prompt";

/// The grader a promptfoo `provider` value names, in quotes: its text, or an object's `id`
/// ("a provider" when it has none); `None` for an empty value.
pub(super) fn grader_name(v: &Value) -> Option<String> {
    let name = match v {
        Value::Null => return None,
        Value::String(s) => s.trim().to_owned(),
        Value::Object(o) => o
            .get("id")
            .map(text_of)
            .unwrap_or_default()
            .trim()
            .to_owned(),
        _ => String::new(),
    };
    Some(if name.is_empty() {
        "a provider".to_owned()
    } else {
        format!("\u{201c}{name}\u{201d}")
    })
}

/// The fields of a read assertion `m` of type `kind` that the check is kept without: a `weight`
/// that is not a number from 0 to `MAX_WEIGHT` (text, a list, below 0, 1e308; the check weighs
/// 1, while one in that range is kept, [`Assertion::weight`]), a `provider` and a `rubricPrompt`
/// (promptfoo's grader and grading prompt for a model-graded check) and a `metric` name
/// (promptfoo's named scores).
fn fields_left_out(m: &Map<String, Value>, kind: &str) -> Vec<(Omitted, String)> {
    let mut out = Vec::new();
    if let Some(w) = m.get("weight").filter(|w| {
        !w.is_null()
            && w.as_f64().is_none_or(|w| {
                !(w.is_finite() && (0.0..=crate::domain::eval::MAX_WEIGHT).contains(&w))
            })
    }) {
        let given = match w {
            Value::Number(_) => text_of(w),
            // YAML 1.2's special floats reach here as their text (JSON has no NaN or
            // infinity): they are numbers, just not finite ones (helper-58: ".nan, as text").
            Value::String(t) if is_yaml_special_float(t) => {
                format!("{}, which is not a finite number", t.trim())
            }
            Value::String(t) => format!("\u{201c}{t}\u{201d}, as text"),
            _ => format!("{w}"),
        };
        out.push((
            Omitted::Field("weight".into(), kind.to_owned()),
            format!(
                "a weight is a number from 0 to {} (the file gives it {given}); the check weighs 1",
                crate::domain::figures::grouped(crate::domain::eval::MAX_WEIGHT as u64),
            ),
        ));
    }
    // The grader promptfoo would ask for a model-graded check, and its grading prompt: here
    // the Scoring model in Settings grades with Promptwright's own prompt (tryout 107: a
    // config's grader went without a word).
    if let Some(p) = m.get("provider").and_then(grader_name) {
        out.push((
            Omitted::Field("provider".into(), kind.to_owned()),
            format!("{GRADER_HERE} (the file names {p}); the check is kept"),
        ));
    }
    if m.get("rubricPrompt").is_some_and(|p| !p.is_null()) {
        out.push((
            Omitted::Field("rubricPrompt".into(), kind.to_owned()),
            format!("{GRADING_PROMPT_HERE}; the check is kept"),
        ));
    }
    if let Some(name) = m
        .get("metric")
        .map(text_of)
        .filter(|n| !n.trim().is_empty())
    {
        out.push((
            Omitted::Field("metric".into(), kind.to_owned()),
            format!(
                "named scores (\u{201c}{}\u{201d}) are not kept here; the check is kept",
                name.trim()
            ),
        ));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// CSV `__expected` cells
// ---------------------------------------------------------------------------------------------

/// promptfoo's types whose compact form takes a `(threshold)`, with its default when none is
/// written (promptfoo's CSV reader: 0.75, `similar` 0.8).
pub(super) const THRESHOLD_TYPES: &[&str] = &[
    "answer-relevance",
    "classifier",
    "context-faithfulness",
    "context-recall",
    "context-relevance",
    "cost",
    "latency",
    "levenshtein",
    "perplexity-score",
    "perplexity",
    "rouge-n",
    "similar",
    "starts-with",
];

/// One `__expected` cell in promptfoo's CSV syntax, as an assertion in the wire form:
/// `type:value`, `type(threshold):value`, `not-type:value`, the legacy prefixes (`fn:`,
/// `eval:`, `javascript:`, `grade:`, `python:`, `file://….py/.js/.ts`), `is-json` without a
/// colon; anything else is `equals` the whole text. The cell is trimmed first, and so is a value
/// after its colon (`contains: Bob` means "Bob"). List types (`contains-any`…) split their value
/// at commas outside double quotes. A threshold in parentheses is kept for every type (promptfoo
/// keeps it only for the types listed in `THRESHOLD_TYPES`, which also get 0.75 when none is
/// written). Whether the type can run is for [`Assertion::try_from`] to say.
pub(super) fn expected_cell(cell: &str) -> AssertionV1 {
    let cell = cell.trim();
    let text = |s: &str| Some(Value::String(s.to_owned()));
    let of = |kind: &str, value: Option<Value>| AssertionV1 {
        kind: kind.into(),
        value,
        ..AssertionV1::default()
    };
    for (prefix, kind) in [
        ("javascript:", "javascript"),
        ("fn:", "javascript"),
        ("eval:", "javascript"),
        ("grade:", "llm-rubric"),
        ("llm-rubric:", "llm-rubric"),
        ("python:", "python"),
    ] {
        if let Some(rest) = cell.strip_prefix(prefix) {
            return of(kind, text(rest.trim()));
        }
    }
    if let Some(path) = cell.strip_prefix("file://") {
        for (ext, kind) in [
            (".py", "python"),
            (".js", "javascript"),
            (".ts", "javascript"),
            (".mjs", "javascript"),
            (".cjs", "javascript"),
        ] {
            if path.ends_with(ext) || path.contains(&format!("{ext}:")) {
                return of(kind, text(path.trim()));
            }
        }
    }
    let (negated, rest) = match cell.strip_prefix("not-") {
        Some(r) => (true, r),
        None => (false, cell),
    };
    // The longest known type followed by the end, `(` or `:`.
    let found = PROMPTFOO_TYPES
        .split_whitespace()
        .filter(|t| {
            rest.strip_prefix(*t)
                .is_some_and(|after| after.is_empty() || after.starts_with([':', '(']))
        })
        .max_by_key(|t| t.len());
    let Some(kind) = found else {
        return of("equals", text(cell));
    };
    let mut after = &rest[kind.len()..];
    let mut threshold = None;
    if let Some(inner) = after.strip_prefix('(') {
        let Some((number, tail)) = inner.split_once(')') else {
            return of("equals", text(cell));
        };
        let is_number = !number.is_empty()
            && number.split_once('.').map_or(
                number.bytes().all(|b| b.is_ascii_digit()),
                |(a, b)| {
                    !a.is_empty()
                        && !b.is_empty()
                        && a.bytes().all(|b| b.is_ascii_digit())
                        && b.bytes().all(|b| b.is_ascii_digit())
                },
            );
        if !is_number || !(tail.is_empty() || tail.starts_with(':')) {
            return of("equals", text(cell));
        }
        threshold = number.parse::<f64>().ok();
        after = tail;
    }
    if threshold.is_none() && THRESHOLD_TYPES.contains(&kind) {
        threshold = Some(if kind == "similar" { 0.8 } else { 0.75 });
    }
    let value = after.strip_prefix(':');
    let full = if negated {
        format!("not-{kind}")
    } else {
        kind.to_owned()
    };
    let value = match kind {
        // A text value: `Assertion::try_from` splits it at commas outside quotes.
        "contains-all" | "contains-any" | "icontains-all" | "icontains-any" => {
            value.map(|v| Value::String(v.trim().to_owned()))
        }
        "is-json" | "contains-json" => value.filter(|v| !v.trim().is_empty()).and_then(text),
        _ => Some(Value::String(value.unwrap_or("").trim().to_owned())),
    };
    AssertionV1 {
        kind: full,
        value,
        threshold,
        ..AssertionV1::default()
    }
}

/// A `__metadata:name[]` cell: values split at commas not escaped as `\,`, trimmed, empties
/// dropped (promptfoo's CSV rule for array metadata).
pub(super) fn metadata_list(cell: &str) -> Vec<String> {
    crate::domain::eval::split_escaped(cell, &[','])
}

// ---------------------------------------------------------------------------------------------
// Defaults and variable expansion
// ---------------------------------------------------------------------------------------------

/// What `defaultTest` gives every test.
#[derive(Debug, Clone, Default)]
pub(super) struct Defaults {
    /// Scalars as text; lists and maps as read (lists may expand).
    pub vars: Vec<(String, Value)>,
    /// promptfoo's test threshold, 0..=1.
    pub threshold: Option<f64>,
    /// Become tags (see `metadata_tags`).
    pub metadata: Vec<(String, Value)>,
    /// `options.disableVarExpansion` was set.
    pub no_expansion: bool,
    /// The config's prompt (`prompts:`, its first), the message of each test with no input of
    /// its own, filled with its variables (`cases_io::config_prompt`).
    pub prompt: Option<String>,
}

/// One test as read, before `defaultTest` is merged and its array variables expanded.
#[derive(Debug, Clone)]
pub(super) struct RawTest {
    /// The referenced file it is in (`None`: the file imported).
    pub file: Option<String>,
    /// 1-based line where it starts.
    pub line: usize,
    /// As [`super::BadRow::item`].
    pub item: Option<usize>,
    /// Everything but the variables.
    pub case: TestCase,
    /// The 1-based line of each of `case.assertions` where the file gives one (a YAML or JSON
    /// test's `assert` items); empty or short: the test's `line`.
    pub assert_lines: Vec<usize>,
    /// Scalars as text; lists and maps as read.
    pub vars: Vec<(String, Value)>,
    /// Become tags (see `metadata_tags`).
    pub metadata: Vec<(String, Value)>,
    /// `options.disableVarExpansion`: lists stay one value.
    pub no_expansion: bool,
    /// The test names its input (an `input` field, a CSV input column, a chat log's messages):
    /// then `_conversation` is only its earlier turns (see [`expand`]).
    pub input_given: bool,
    /// Its fields that no reader here knows (`prompt`, `completion`…), named when nothing else
    /// of the test can be used.
    pub unread: Vec<String>,
    /// What was left out of it: reported with its cases, or in its bad row when nothing of it
    /// can be used.
    pub left_out: Vec<super::LeftOut>,
}

/// promptfoo's variable holding a conversation's earlier turns.
pub(super) const CONVERSATION_VAR: &str = "_conversation";

/// One `{input, output}` pair of promptfoo's `_conversation`; a missing side is `None` (a
/// conversation that starts with the assistant, or two user messages in a row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Pair {
    pub input: Option<String>,
    pub output: Option<String>,
}

/// Reads `_conversation`: a list of `{input, output}` objects (a CSV cell: that list as a JSON
/// text; an empty cell: no turns). `Err` says why it is not one, in plain words.
pub(super) fn conversation_pairs(v: &Value) -> Result<Vec<Pair>, String> {
    let list = match v {
        Value::Null => return Ok(Vec::new()),
        Value::String(s) if s.trim().is_empty() => return Ok(Vec::new()),
        Value::String(s) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Array(items)) => items,
            _ => {
                return Err(
                    "its _conversation is not a JSON list of {\"input\", \"output\"} pairs"
                        .to_owned(),
                );
            }
        },
        Value::Array(items) => items.clone(),
        other => {
            return Err(format!(
                "its _conversation is not a list of input/output pairs (found {})",
                super::kind_of(other)
            ));
        }
    };
    let mut out = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let Value::Object(m) = item else {
            return Err(format!(
                "turn {} of its _conversation is not an input/output pair (found {})",
                i + 1,
                super::kind_of(item)
            ));
        };
        let side = |k: &str| -> Result<Option<String>, String> {
            match m.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(v @ (Value::Number(_) | Value::Bool(_))) => Ok(Some(v.to_string())),
                Some(other) => Err(format!(
                    "the {k} of pair {} of its _conversation is not text (found {})",
                    i + 1,
                    super::kind_of(other)
                )),
            }
        };
        let pair = Pair {
            input: side("input")?,
            output: side("output")?,
        };
        if pair.input.is_none() && pair.output.is_none() {
            return Err(format!(
                "pair {} of its _conversation has neither an input nor an output",
                i + 1
            ));
        }
        out.push(pair);
    }
    Ok(out)
}

/// The turns of `_conversation` pairs, in order: each pair's input as a user turn and its output
/// as an assistant turn.
pub(super) fn pairs_to_turns(pairs: Vec<Pair>) -> Vec<Message> {
    let mut out = Vec::new();
    for p in pairs {
        out.extend(p.input.map(Message::user));
        out.extend(p.output.map(Message::assistant));
    }
    out
}

/// `_conversation` pairs for turns, the inverse of [`pairs_to_turns`]: a user turn opens a pair,
/// the assistant turn right after it closes it; an assistant turn with no user turn before it
/// is a pair with no input, a user turn followed by another is a pair with no output.
pub(crate) fn turns_to_pairs(turns: &[Message]) -> Value {
    use crate::domain::eval::Speaker;
    let mut out: Vec<Value> = Vec::new();
    let mut open: Option<Map<String, Value>> = None;
    for t in turns {
        match t.speaker {
            Speaker::User => {
                if let Some(p) = open.take() {
                    out.push(Value::Object(p));
                }
                let mut p = Map::new();
                p.insert("input".into(), Value::String(t.text.clone()));
                open = Some(p);
            }
            Speaker::Assistant => {
                let mut p = open.take().unwrap_or_default();
                p.insert("output".into(), Value::String(t.text.clone()));
                out.push(Value::Object(p));
            }
        }
    }
    if let Some(p) = open {
        out.push(Value::Object(p));
    }
    Value::Array(out)
}

/// At most this many cases from one test's array variables.
pub(super) const MAX_EXPANDED: usize = 10_000;

/// `{...defaults, ...own}` as JavaScript spreads objects: the defaults' keys first in their
/// order, a key in both taking the test's value where the default stood.
fn merged(defaults: &[(String, Value)], own: &[(String, Value)]) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = defaults.to_vec();
    for (k, v) in own {
        match out.iter_mut().find(|(name, _)| name == k) {
            Some(slot) => slot.1 = v.clone(),
            None => out.push((k.clone(), v.clone())),
        }
    }
    out
}

/// Tags from promptfoo metadata: `tags` gives its values as they are; any other key `k` gives
/// `k=value` (one tag per value of a list).
fn metadata_tags(meta: &[(String, Value)]) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in meta {
        let values: Vec<String> = match v {
            Value::Array(items) => items.iter().map(text_of).collect(),
            Value::Null => Vec::new(),
            v => vec![text_of(v)],
        };
        for value in values.into_iter().filter(|s| !s.trim().is_empty()) {
            out.push(if k == "tags" {
                value
            } else {
                format!("{k}={value}")
            });
        }
    }
    out
}

/// The cases of one test: `defaultTest` merged in (variables, threshold, metadata), then one case
/// per combination of its array variables, as promptfoo's `generateVarCombinations` does: a
/// variable whose value is a list starting with a text takes each value in turn (several such
/// variables: every combination, the first varying slowest); any other list (numbers, objects
/// such as `_conversation`) stays one value. `Err` when the combinations exceed
/// [`MAX_EXPANDED`].
pub(super) fn expand(raw: RawTest, defaults: &Defaults) -> Result<Vec<TestCase>, String> {
    let mut vars = merged(&defaults.vars, &raw.vars);
    let meta = merged(&defaults.metadata, &raw.metadata);
    let mut base = raw.case;
    if let Some(at) = vars.iter().position(|(k, _)| k == CONVERSATION_VAR) {
        let (_, v) = vars.remove(at);
        let mut pairs = conversation_pairs(&v)?;
        // A test with no message of its own (promptfoo's conversation checks grade the whole
        // `_conversation`): its last pair is the tested turn, its output the expected answer.
        if !raw.input_given && base.input.is_empty() && vars.is_empty() && !pairs.is_empty() {
            if let Some(Pair {
                input: Some(input),
                output,
            }) = pairs.pop()
            {
                base.input = input;
                if base.expected.is_empty() {
                    base.expected = output.unwrap_or_default();
                }
            } else {
                return Err(
                    "its _conversation ends with no user message to test, and the test has no input of its own"
                        .to_owned(),
                );
            }
        }
        base.turns.extend(pairs_to_turns(pairs));
    }
    base.threshold = base.threshold.or(defaults.threshold);
    for t in metadata_tags(&meta) {
        if !base.tags.contains(&t) {
            base.tags.push(t);
        }
    }
    let expand = !(raw.no_expansion || defaults.no_expansion);
    let mut columns: Vec<(String, Vec<String>)> = Vec::new();
    let mut total: usize = 1;
    for (k, v) in vars {
        let values = match v {
            Value::Array(items) if expand && matches!(items.first(), Some(Value::String(_))) => {
                items.iter().map(text_of).collect()
            }
            v => vec![text_of(&v)],
        };
        total = total.saturating_mul(values.len());
        columns.push((k, values));
    }
    if total > MAX_EXPANDED {
        return Err(format!(
            "its list variables would make {} cases (at most {} are imported from one test)",
            crate::domain::figures::grouped(total as u64),
            crate::domain::figures::grouped(MAX_EXPANDED as u64)
        ));
    }
    let mut cases = vec![base];
    for (k, values) in columns {
        let mut next = Vec::with_capacity(cases.len() * values.len());
        for c in &cases {
            for v in &values {
                let mut c = c.clone();
                c.vars.push((k.clone(), v.clone()));
                next.push(c);
            }
        }
        cases = next;
    }
    // The config's prompt is the message, as promptfoo renders it: a variable only its checks
    // read (an expected answer) is not sent.
    if let Some(prompt) = &defaults.prompt
        && !raw.input_given
    {
        for c in cases.iter_mut().filter(|c| c.input.is_empty()) {
            // A variable the test does not give is empty, as promptfoo's templates render it
            // (tryout 88: a test with only checks sent "… from: {{notes}}" as written).
            let mut vars = c.vars.clone();
            for name in crate::domain::spec::placeholders(prompt) {
                if !vars.iter().any(|(k, _)| *k == name) {
                    vars.push((name, String::new()));
                }
            }
            c.input = super::super::fill_variables(prompt, &vars);
        }
    }
    Ok(cases)
}
