//! Reading and writing test cases as CSV, JSONL, JSON and promptfoo YAML files. Imports are read
//! row by row: a bad row is reported with its line number and why, and the good rows still come in.
use std::collections::{HashMap, HashSet};

use saphyr_parser::{Event, Parser, ScalarStyle};
use serde_json::{Map, Value};

use crate::domain::eval::{Assertion, Split, TestCase};
use crate::domain::wire::{AssertionV1, CaseV1};

/// A row (or test, or line) that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    /// 1-based line in the file where the row starts.
    pub line: usize,
    /// Why, in plain words, starting in lower case (shown after "Line N: ").
    pub why: String,
}

/// What a file held: the cases that could be read (ids 0: the suite gives them), the assertions
/// that apply to every case (promptfoo's `defaultTest`), and the rows that could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub cases: Vec<TestCase>,
    pub global: Vec<Assertion>,
    pub bad: Vec<BadRow>,
    /// "CSV", "TSV", "JSONL", "JSON" or "YAML".
    pub format: &'static str,
}

impl Imported {
    fn new(format: &'static str) -> Self {
        Self {
            cases: Vec::new(),
            global: Vec::new(),
            bad: Vec::new(),
            format,
        }
    }

    fn bad(&mut self, line: usize, why: impl Into<String>) {
        self.bad.push(BadRow {
            line,
            why: why.into(),
        });
    }

    fn take(&mut self, line: usize, case: Result<TestCase, String>) {
        match case {
            Ok(c) => self.cases.push(c),
            Err(why) => self.bad(line, why),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// With its delimiter.
    Csv(u8),
    Jsonl,
    Json,
    Yaml,
}

/// Reads test cases from a file. The format comes from the name's extension (`.csv`, `.tsv`,
/// `.jsonl`/`.ndjson`, `.json`, `.yaml`/`.yml`), else from the content. `Err` means the whole file
/// could not be read, said in plain words; single bad rows are in [`Imported::bad`].
pub fn import(file_name: &str, text: &str) -> Result<Imported, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err("The file is empty.".into());
    }
    let out = match detect(file_name, text) {
        Format::Csv(delimiter) => read_csv(text, delimiter)?,
        Format::Jsonl => read_jsonl(text),
        Format::Json => read_json(text)?,
        Format::Yaml => read_yaml(text)?,
    };
    if out.cases.is_empty() && out.global.is_empty() && out.bad.is_empty() {
        return Err("The file holds no test cases.".into());
    }
    Ok(out)
}

fn detect(file_name: &str, text: &str) -> Format {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.trim().to_ascii_lowercase());
    match ext.as_deref() {
        Some("csv") => Format::Csv(b','),
        Some("tsv" | "tab") => Format::Csv(b'\t'),
        Some("jsonl" | "ndjson") => Format::Jsonl,
        Some("json") => Format::Json,
        Some("yaml" | "yml") => Format::Yaml,
        _ => sniff(text),
    }
}

/// Guesses the format from the first line that says something.
fn sniff(text: &str) -> Format {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#') && *l != "---")
        .unwrap_or("");
    if first.starts_with('[') || first.starts_with('{') {
        // A `.json` read falls back to JSONL when the whole is not one JSON value.
        return Format::Json;
    }
    if first == "-" || first.starts_with("- ") || looks_like_yaml_key(first) {
        return Format::Yaml;
    }
    if first.contains('\t') && !first.contains(',') {
        return Format::Csv(b'\t');
    }
    Format::Csv(b',')
}

/// `name:` or `name: value`, as a YAML mapping's first line starts.
fn looks_like_yaml_key(line: &str) -> bool {
    let Some((key, rest)) = line.split_once(':') else {
        return false;
    };
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | ' '))
        && (rest.is_empty() || rest.starts_with(' '))
}

// ---------------------------------------------------------------------------------------------
// One case from a JSON value (JSONL lines, JSON arrays, YAML tests)
// ---------------------------------------------------------------------------------------------

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a true/false value",
        Value::Number(_) => "a number",
        Value::String(_) => "a piece of text",
        Value::Array(_) => "a list",
        Value::Object(_) => "a set of fields",
    }
}

/// Reads one test case (our `CaseV1` or a promptfoo test) from a JSON value. Text fields given as
/// numbers or true/false are taken as their text; `tags` may be one comma-separated text.
fn case_from_value(v: Value) -> Result<TestCase, String> {
    let Value::Object(mut m) = v else {
        return Err(format!(
            "this is not a test case: expected a set of fields such as vars and assert, found {}",
            kind_of(&v)
        ));
    };
    match m.get("vars") {
        None | Some(Value::Object(_)) => {}
        Some(Value::Null) => {
            m.remove("vars");
        }
        Some(other) => {
            return Err(format!(
                "its vars are not a set of name: value pairs (found {})",
                kind_of(other)
            ));
        }
    }
    match m.get("assert") {
        None => {}
        Some(Value::Null) => {
            m.remove("assert");
        }
        Some(Value::Array(items)) => {
            if let Some((n, item)) = items.iter().enumerate().find(|(_, a)| !a.is_object()) {
                return Err(format!(
                    "its assertion {} is not a set of fields such as type and value (found {})",
                    n + 1,
                    kind_of(item)
                ));
            }
        }
        Some(other) => {
            return Err(format!(
                "its assert field is not a list of assertions (found {})",
                kind_of(other)
            ));
        }
    }
    for key in ["description", "input", "expected", "split"] {
        match m.get(key) {
            None | Some(Value::String(_)) => {}
            Some(Value::Null) => {
                m.remove(key);
            }
            Some(v @ (Value::Number(_) | Value::Bool(_))) => {
                let text = v.to_string();
                m.insert(key.into(), Value::String(text));
            }
            Some(other) => {
                return Err(format!("its {key} is not text (found {})", kind_of(other)));
            }
        }
    }
    match m.get("tags") {
        None | Some(Value::Array(_)) => {}
        Some(Value::Null) => {
            m.remove("tags");
        }
        Some(Value::String(s)) => {
            let tags = split_tags(s).into_iter().map(Value::String).collect();
            m.insert("tags".into(), Value::Array(tags));
        }
        Some(other) => {
            return Err(format!(
                "its tags are not a list of words (found {})",
                kind_of(other)
            ));
        }
    }
    if let Some(Value::Array(tags)) = m.get_mut("tags") {
        for t in tags.iter_mut() {
            if !t.is_string() {
                *t = Value::String(t.to_string());
            }
        }
    }
    let wire: CaseV1 = serde_json::from_value(Value::Object(m))
        .map_err(|e| format!("it could not be read as a test case: {e}"))?;
    TestCase::try_from(wire)
}

/// Tags from one cell: split on `,` or `;`, trimmed, empties dropped.
fn split_tags(cell: &str) -> Vec<String> {
    cell.split([',', ';'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// serde_json's message without its " at line 1 column 5" tail (the caller gives the place).
fn json_message(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(at) => s[..at].to_owned(),
        None => s,
    }
}

/// Why `what` (a line, a cell) is not JSON, in plain words; for one line, where (in characters).
fn not_json(what: &str, one_line: Option<&str>, e: &serde_json::Error) -> String {
    if e.is_eof() {
        return format!("{what} is not valid JSON: it ends before the JSON is complete");
    }
    match one_line {
        Some(line) => {
            // serde_json counts bytes; people count characters.
            let byte = e.column().saturating_sub(1);
            let at = line.get(..byte).map_or(byte, |p| p.chars().count()) + 1;
            format!("{what} is not valid JSON (near character {at})")
        }
        None => format!("{what} is not valid JSON"),
    }
}

// ---------------------------------------------------------------------------------------------
// JSONL and JSON
// ---------------------------------------------------------------------------------------------

fn read_jsonl(text: &str) -> Imported {
    let mut out = Imported::new("JSONL");
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(v) => out.take(i + 1, case_from_value(v)),
            Err(e) => out.bad(i + 1, not_json("this line", Some(line), &e)),
        }
    }
    out
}

fn read_json(text: &str) -> Result<Imported, String> {
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            // Several JSON objects, one a line: JSONL under another name.
            let first = text.lines().map(str::trim).find(|l| !l.is_empty());
            if first.is_some_and(|l| matches!(serde_json::from_str(l), Ok(Value::Object(_)))) {
                return Ok(read_jsonl(text));
            }
            return Err(format!(
                "This JSON file could not be read: {} (line {}, column {}).",
                json_message(&e),
                e.line(),
                e.column()
            ));
        }
    };
    match value {
        Value::Array(items) => {
            let lines = json_element_lines(text);
            let mut out = Imported::new("JSON");
            for (n, item) in items.into_iter().enumerate() {
                let line = lines.get(n).copied().unwrap_or(1);
                out.take(line, case_from_value(item));
            }
            Ok(out)
        }
        Value::Object(ref m) if m.contains_key("tests") || m.contains_key("defaultTest") => {
            // A promptfoo config written as JSON. JSON is YAML, and the YAML reader knows lines;
            // the rare JSON it cannot take (escaped surrogate pairs) is read without them.
            let root = parse_yaml(text).unwrap_or_else(|_| node_from_json(&value, 1));
            read_config(&root, "JSON")
        }
        v @ Value::Object(_) => {
            let line = text.lines().position(|l| !l.trim().is_empty()).unwrap_or(0) + 1;
            let mut out = Imported::new("JSON");
            out.take(line, case_from_value(v));
            Ok(out)
        }
        other => Err(format!(
            "This JSON file holds {}, not a list of test cases.",
            kind_of(&other)
        )),
    }
}

/// The line where each element of a top-level JSON array starts (the text is valid JSON).
fn json_element_lines(text: &str) -> Vec<usize> {
    let mut lines = Vec::new();
    let (mut line, mut depth) = (1usize, 0usize);
    let (mut in_string, mut escaped, mut expect) = (false, false, false);
    for b in text.bytes() {
        if b == b'\n' {
            line += 1;
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        if b.is_ascii_whitespace() {
            continue;
        }
        if depth == 1 && expect && !matches!(b, b']' | b',') {
            lines.push(line);
            expect = false;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                expect = depth == 1;
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b',' if depth == 1 => expect = true,
            _ => {}
        }
    }
    lines
}

// ---------------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------------

/// What a CSV column holds.
#[derive(Debug, Clone, PartialEq)]
enum Col {
    Input,
    Expected,
    Description,
    Tags,
    Split,
    /// Ours: a JSON list of assertions.
    Assert,
    /// promptfoo's `__expected…`: one assertion in its CSV syntax; holds the header.
    PromptfooExpected(String),
    Ignored,
    Var(String),
}

fn columns(header: &csv::StringRecord) -> Vec<Col> {
    let names: Vec<&str> = header.iter().map(str::trim).collect();
    let has = |n: &str| names.contains(&n);
    // `x` means the same as `__x` unless the file has both: then `x` is a variable.
    let special = |name: &str, bare: &str| {
        name == format!("__{bare}") || (name == bare && !has(&format!("__{bare}")))
    };
    names
        .iter()
        .map(|&name| {
            if special(name, "input") {
                Col::Input
            } else if special(name, "reference") || special(name, "expected_output") {
                Col::Expected
            } else if special(name, "description") {
                Col::Description
            } else if special(name, "tags") {
                Col::Tags
            } else if special(name, "split") {
                Col::Split
            } else if name == "__assert" {
                Col::Assert
            } else if name.starts_with("__expected") {
                Col::PromptfooExpected(name.to_owned())
            } else if name.starts_with("__") || name.is_empty() {
                Col::Ignored
            } else {
                Col::Var(name.to_owned())
            }
        })
        .collect()
}

fn is_blank(record: &csv::StringRecord) -> bool {
    record.iter().all(|f| f.trim().is_empty())
}

fn read_csv(text: &str, delimiter: u8) -> Result<Imported, String> {
    let mut out = Imported::new(if delimiter == b'\t' { "TSV" } else { "CSV" });
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let unreadable = |e: csv::Error| format!("This file could not be read as CSV: {e}.");
    let mut record = csv::StringRecord::new();
    let cols = loop {
        if !reader.read_record(&mut record).map_err(unreadable)? {
            return Err("The file has no header row.".into());
        }
        if !is_blank(&record) {
            break columns(&record);
        }
    };
    while reader.read_record(&mut record).map_err(unreadable)? {
        let line = record.position().map_or(0, |p| p.line() as usize);
        if is_blank(&record) {
            continue;
        }
        if record.len() != cols.len() {
            out.bad(
                line,
                format!(
                    "this row has {} but the header has {} columns",
                    match record.len() {
                        1 => "1 cell".to_owned(),
                        n => format!("{n} cells"),
                    },
                    cols.len()
                ),
            );
            continue;
        }
        out.take(line, case_from_row(&cols, &record));
    }
    Ok(out)
}

fn case_from_row(cols: &[Col], record: &csv::StringRecord) -> Result<TestCase, String> {
    let mut c = TestCase::default();
    for (col, cell) in cols.iter().zip(record.iter()) {
        match col {
            Col::Input => c.input = cell.to_owned(),
            Col::Expected => c.expected = cell.to_owned(),
            Col::Description => c.description = cell.to_owned(),
            Col::Tags => c.tags = split_tags(cell),
            Col::Split => c.split = Split::parse(cell),
            Col::Assert if cell.trim().is_empty() => {}
            Col::Assert => {
                let value: Value = serde_json::from_str(cell)
                    .map_err(|e| not_json("the cell in column __assert", None, &e))?;
                let wire: Vec<AssertionV1> = match value {
                    v @ Value::Object(_) => serde_json::from_value(v).map(|a| vec![a]),
                    v => serde_json::from_value(v),
                }
                .map_err(|e| {
                    format!(
                        "the cell in column __assert is not a JSON list of assertions ({})",
                        json_message(&e)
                    )
                })?;
                for w in &wire {
                    c.assertions
                        .push(Assertion::try_from(w).map_err(|e| format!("column __assert: {e}"))?);
                }
            }
            Col::PromptfooExpected(_) if cell.trim().is_empty() => {}
            Col::PromptfooExpected(name) => {
                let w = promptfoo_assertion(cell);
                c.assertions
                    .push(Assertion::try_from(&w).map_err(|e| format!("column {name}: {e}"))?);
            }
            Col::Ignored => {}
            Col::Var(name) => c.vars.push((name.clone(), cell.to_owned())),
        }
    }
    Ok(c)
}

/// promptfoo's assertion types (as of 2025), to tell `type:value` from a plain expected text.
const PROMPTFOO_TYPES: &str = "\
answer-relevance bleu classifier contains contains-all contains-any contains-html \
contains-json contains-sql contains-xml context-faithfulness context-recall \
context-relevance conversation-relevance cost equals factuality finish-reason g-eval gleu \
guardrails human icontains icontains-all icontains-any is-html is-json is-refusal is-sql \
is-valid-function-call is-valid-openai-function-call is-valid-openai-tools-call is-xml \
javascript latency levenshtein llm-rubric meteor model-graded-closedqa \
model-graded-factuality moderation perplexity perplexity-score pi python regex rouge-l \
rouge-n rouge-s ruby select-best similar similar:cosine similar:dot similar:euclidean \
starts-with tool-call-f1 trace-error-spans trace-span-count trace-span-duration webhook";

/// One `__expected` cell in promptfoo's CSV syntax: `type:value`, `type(threshold):value`,
/// `not-type:value`, a few legacy prefixes (`fn:`, `grade:`, `python:`…), else `equals` the whole
/// text. Whether the type is supported is for [`Assertion::try_from`] to say.
fn promptfoo_assertion(cell: &str) -> AssertionV1 {
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
    let value = after.strip_prefix(':');
    let full = if negated {
        format!("not-{kind}")
    } else {
        kind.to_owned()
    };
    let value = match kind {
        "contains-all" | "contains-any" | "icontains-all" | "icontains-any" => value.map(|v| {
            Value::Array(
                v.split(',')
                    .map(|s| Value::String(s.trim().to_owned()))
                    .collect(),
            )
        }),
        "is-json" | "contains-json" => value.filter(|v| !v.trim().is_empty()).and_then(text),
        // Like promptfoo, `contains: Bob` means "Bob": the text after the colon is trimmed.
        _ => Some(Value::String(value.unwrap_or("").trim().to_owned())),
    };
    AssertionV1 {
        kind: full,
        value,
        threshold,
        ..AssertionV1::default()
    }
}

// ---------------------------------------------------------------------------------------------
// YAML
// ---------------------------------------------------------------------------------------------

/// A YAML node with the line it starts on.
#[derive(Debug, Clone)]
struct Node {
    line: usize,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    /// `plain` is false for quoted and block scalars and `!!str`: those are always text.
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// How many nodes aliases may copy in all: past it, a file is an "alias bomb".
const ALIAS_BUDGET: usize = 1_000_000;

fn size(n: &Node) -> usize {
    1 + match &n.kind {
        Kind::Scalar { .. } => 0,
        Kind::Seq(items) => items.iter().map(size).sum(),
        Kind::Map(entries) => entries.iter().map(|(k, v)| size(k) + size(v)).sum(),
    }
}

struct Open {
    node: Node,
    anchor: usize,
    key: Option<Node>,
}

/// Parses the file's one YAML document into a tree of nodes with lines.
fn parse_yaml(text: &str) -> Result<Node, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Open> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut docs: Vec<Node> = Vec::new();
    let mut budget = ALIAS_BUDGET;
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| {
            format!(
                "This YAML file could not be read: line {}: {}.",
                e.marker().line(),
                e.info()
            )
        })?;
        let line = item_line(
            &lines,
            span.start.line(),
            span.start.col(),
            !stack.is_empty(),
        );
        let done = match event {
            Event::Scalar(value, style, anchor, tag) => {
                let is_str = tag.as_ref().is_some_and(|t| t.suffix == "str");
                let plain = style == ScalarStyle::Plain && !is_str;
                let text = value.into_owned();
                Some((line, Kind::Scalar { text, plain }, anchor))
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                let kind = if matches!(event, Event::SequenceStart(..)) {
                    Kind::Seq(Vec::new())
                } else {
                    Kind::Map(Vec::new())
                };
                stack.push(Open {
                    node: Node { line, kind },
                    anchor,
                    key: None,
                });
                None
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let open = stack.pop().ok_or("This YAML file could not be read.")?;
                Some((open.node.line, open.node.kind, open.anchor))
            }
            Event::Alias(id) => {
                let node = anchors.get(&id).ok_or_else(|| {
                    format!(
                        "This YAML file could not be read: line {line}: an alias names no anchor."
                    )
                })?;
                budget = budget.checked_sub(size(node)).ok_or(
                    "This YAML file repeats its anchors too many times to be read.".to_owned(),
                )?;
                // The copy starts where the alias stands.
                Some((line, node.kind.clone(), 0))
            }
            _ => None,
        };
        let Some((line, kind, anchor)) = done else {
            continue;
        };
        let node = Node { line, kind };
        if anchor > 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => docs.push(node),
            Some(open) => match &mut open.node.kind {
                Kind::Seq(items) => items.push(node),
                Kind::Map(entries) => match open.key.take() {
                    None => open.key = Some(node),
                    Some(key) => entries.push((key, node)),
                },
                Kind::Scalar { .. } => unreachable!("only collections are open"),
            },
        }
    }
    let mut docs = docs.into_iter().filter(|d| !is_null(d));
    let doc = docs.next().ok_or("The file holds no test cases.")?;
    if let Some(second) = docs.next() {
        return Err(format!(
            "This YAML file holds several documents (the second starts on line {}); put the tests in one.",
            second.line
        ));
    }
    Ok(doc)
}

/// A block list item written as `-` alone on its line, its content below: the dash's line.
fn item_line(lines: &[&str], line: usize, col: usize, nested: bool) -> usize {
    let before_is_blank = lines
        .get(line.wrapping_sub(1))
        .is_some_and(|l| l.chars().take(col).all(char::is_whitespace));
    if !nested || col == 0 || !before_is_blank {
        return line;
    }
    let mut at = line.saturating_sub(1);
    while at >= 1 {
        let raw = lines[at - 1];
        let l = raw.trim();
        let indent = raw.chars().take_while(|c| c.is_whitespace()).count();
        if (l == "-" || l.starts_with("- #")) && indent < col {
            return at;
        }
        if !l.is_empty() && !l.starts_with('#') {
            break;
        }
        at -= 1;
    }
    line
}

fn is_null(n: &Node) -> bool {
    matches!(&n.kind, Kind::Scalar { text, plain: true } if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
}

fn scalar_text(n: &Node) -> Option<&str> {
    match &n.kind {
        Kind::Scalar { text, .. } => Some(text),
        _ => None,
    }
}

/// A map's entries with keys as text, `<<` merge keys expanded (explicit keys win).
fn entries(n: &Node) -> Vec<(String, &Node)> {
    let Kind::Map(pairs) = &n.kind else {
        return Vec::new();
    };
    let mut own: Vec<(String, &Node)> = Vec::new();
    let mut merged: Vec<(String, &Node)> = Vec::new();
    for (k, v) in pairs {
        let key = match &k.kind {
            Kind::Scalar { text, .. } => text.clone(),
            _ => to_json(k).to_string(),
        };
        if key == "<<" && matches!(&k.kind, Kind::Scalar { plain: true, .. }) {
            match &v.kind {
                Kind::Map(_) => merged.extend(entries(v)),
                Kind::Seq(items) => items.iter().for_each(|i| merged.extend(entries(i))),
                Kind::Scalar { .. } => {}
            }
        } else {
            own.push((key, v));
        }
    }
    for (k, v) in merged {
        if !own.iter().any(|(o, _)| *o == k) {
            own.push((k, v));
        }
    }
    own
}

fn get<'a>(n: &'a Node, key: &str) -> Option<&'a Node> {
    entries(n)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

/// A plain scalar's value under YAML 1.2's core schema: null, true/false, integer, float, text.
fn resolve(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let digits = |s: &str, radix: u32| !s.is_empty() && s.chars().all(|c| c.is_digit(radix));
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits(unsigned, 10)
        && let Ok(i) = text.parse::<i64>()
    {
        return Value::from(i);
    }
    for (prefix, radix) in [("0x", 16), ("0o", 8)] {
        if let Some(d) = text.strip_prefix(prefix).filter(|d| digits(d, radix))
            && let Ok(i) = i64::from_str_radix(d, radix)
        {
            return Value::from(i);
        }
    }
    if is_float(unsigned)
        && let Some(n) = text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
    {
        return Value::Number(n);
    }
    Value::String(text.to_owned())
}

/// `(\.[0-9]+ | [0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
fn is_float(s: &str) -> bool {
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(at) => (&s[..at], Some(&s[at + 1..])),
        None => (s, None),
    };
    let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((a, b)) => all_digits(a) && all_digits(b) && !(a.is_empty() && b.is_empty()),
        None => !mantissa.is_empty() && all_digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && all_digits(e)
    });
    mantissa_ok && exponent_ok
}

fn to_json(n: &Node) -> Value {
    match &n.kind {
        Kind::Scalar { text, plain: true } => resolve(text),
        Kind::Scalar { text, plain: false } => Value::String(text.clone()),
        Kind::Seq(items) => Value::Array(items.iter().map(to_json).collect()),
        Kind::Map(_) => Value::Object(
            entries(n)
                .into_iter()
                .map(|(k, v)| (k, to_json(v)))
                .collect(),
        ),
    }
}

/// Like [`to_json`], but a scalar stays the text as written (`1.50` stays "1.50"); null stays null.
fn to_json_as_written(n: &Node) -> Value {
    match &n.kind {
        Kind::Scalar { .. } if is_null(n) => Value::Null,
        Kind::Scalar { text, .. } => Value::String(text.clone()),
        _ => to_json(n),
    }
}

/// One test as JSON: variables and text fields keep scalars as written; the rest (assertions'
/// thresholds, schemas…) is typed.
fn test_to_json(n: &Node) -> Value {
    if !matches!(n.kind, Kind::Map(_)) {
        return to_json(n);
    }
    let mut m = Map::new();
    for (k, v) in entries(n) {
        let value = match k.as_str() {
            "vars" => vars_to_json(v),
            "description" | "input" | "expected" | "split" => to_json_as_written(v),
            _ => to_json(v),
        };
        m.insert(k, value);
    }
    Value::Object(m)
}

/// Variables as JSON, their scalar values as written.
fn vars_to_json(v: &Node) -> Value {
    match &v.kind {
        Kind::Map(_) => Value::Object(
            entries(v)
                .into_iter()
                .map(|(name, value)| (name, to_json_as_written(value)))
                .collect(),
        ),
        _ => to_json(v),
    }
}

fn file_reference(n: &Node) -> Option<&str> {
    scalar_text(n).filter(|t| t.trim_start().starts_with("file://"))
}

fn read_yaml(text: &str) -> Result<Imported, String> {
    read_config(&parse_yaml(text)?, "YAML")
}

/// A JSON value as a node tree, every line `line` (for JSON the YAML reader cannot take).
fn node_from_json(v: &Value, line: usize) -> Node {
    let scalar = |text: String, plain: bool| Kind::Scalar { text, plain };
    let kind = match v {
        Value::Null => scalar("null".into(), true),
        Value::Bool(_) | Value::Number(_) => scalar(v.to_string(), true),
        Value::String(s) => scalar(s.clone(), false),
        Value::Array(items) => Kind::Seq(items.iter().map(|i| node_from_json(i, line)).collect()),
        Value::Object(m) => Kind::Map(
            m.iter()
                .map(|(k, v)| {
                    let key = Node {
                        line,
                        kind: scalar(k.clone(), false),
                    };
                    (key, node_from_json(v, line))
                })
                .collect(),
        ),
    };
    Node { line, kind }
}

/// A list of tests, a promptfoo config (`tests:` and `defaultTest:`), or one test.
fn read_config(root: &Node, format: &'static str) -> Result<Imported, String> {
    let mut out = Imported::new(format);
    let (tests, default) = match &root.kind {
        Kind::Seq(_) => (Some(root), None),
        Kind::Map(_) => {
            let tests = get(root, "tests");
            let default = get(root, "defaultTest");
            if tests.is_none() && default.is_none() {
                if ["vars", "assert", "description", "input"]
                    .iter()
                    .any(|k| get(root, k).is_some())
                {
                    out.take(root.line, case_from_value(test_to_json(root)));
                    return Ok(out);
                }
                return Err(format!(
                    "This {format} file is neither a list of tests nor a promptfoo config with tests."
                ));
            }
            (tests, default)
        }
        Kind::Scalar { .. } => {
            return Err(format!(
                "This {format} file holds a single value, not a list of tests."
            ));
        }
    };
    let mut default_vars: Vec<(String, String)> = Vec::new();
    if let Some(d) = default {
        read_default_test(d, &mut out, &mut default_vars);
    }
    if let Some(t) = tests {
        match &t.kind {
            Kind::Seq(items) => {
                for item in items {
                    if let Some(path) = file_reference(item) {
                        out.bad(
                            item.line,
                            format!(
                                "this entry points to another file ({}); import that file on its own",
                                path.trim()
                            ),
                        );
                        continue;
                    }
                    let case = case_from_value(test_to_json(item)).map(|mut c| {
                        for (k, v) in &default_vars {
                            if !c.vars.iter().any(|(name, _)| name == k) {
                                c.vars.push((k.clone(), v.clone()));
                            }
                        }
                        c
                    });
                    out.take(item.line, case);
                }
            }
            Kind::Scalar { .. } if is_null(t) => {}
            Kind::Scalar { text, .. } => {
                return Err(format!(
                    "The tests of this promptfoo config live in another file ({}): import that file instead.",
                    text.trim()
                ));
            }
            Kind::Map(_) => {
                return Err(format!(
                    "The tests: of this promptfoo config (line {}) are not a list.",
                    t.line
                ));
            }
        }
    }
    Ok(out)
}

/// promptfoo's `defaultTest`: its assertions become the global ones, its variables fill in those a
/// test lacks.
fn read_default_test(d: &Node, out: &mut Imported, default_vars: &mut Vec<(String, String)>) {
    if let Some(path) = file_reference(d) {
        out.bad(
            d.line,
            format!(
                "defaultTest lives in another file ({}); its assertions were not imported",
                path.trim()
            ),
        );
        return;
    }
    if !matches!(d.kind, Kind::Map(_)) {
        if !is_null(d) {
            out.bad(
                d.line,
                "defaultTest is not a set of fields such as vars and assert",
            );
        }
        return;
    }
    if let Some(vars) = get(d, "vars") {
        let only_vars = Value::Object(Map::from_iter([("vars".to_owned(), vars_to_json(vars))]));
        match case_from_value(only_vars) {
            Ok(c) => *default_vars = c.vars,
            Err(why) => out.bad(vars.line, format!("defaultTest: {why}")),
        }
    }
    let Some(assert) = get(d, "assert") else {
        return;
    };
    match &assert.kind {
        Kind::Seq(items) => {
            for item in items {
                let read = serde_json::from_value::<AssertionV1>(to_json(item))
                    .map_err(|e| format!("it could not be read as an assertion ({e})"))
                    .and_then(|w| Assertion::try_from(&w));
                match read {
                    Ok(a) => out.global.push(a),
                    Err(why) => out.bad(item.line, format!("defaultTest assertion: {why}")),
                }
            }
        }
        _ if is_null(assert) => {}
        _ => out.bad(
            assert.line,
            "defaultTest's assert is not a list of assertions",
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------------------

/// One `CaseV1` JSON object per line (ids are not written).
pub fn to_jsonl(cases: &[TestCase]) -> String {
    let mut out = String::new();
    for c in cases {
        let line = serde_json::to_string(&CaseV1::from(c)).expect("a case always serializes");
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// A CSV with columns `__description, __input, <variables>, __reference, __tags, __split,
/// __assert`; variables in first-seen order, a case without one gets an empty cell. [`import`]
/// reads it back to the same cases when they share their variables (a missing one comes back
/// empty) and their tags hold no `,` or `;`.
pub fn to_csv(cases: &[TestCase]) -> String {
    let mut names: Vec<&str> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for c in cases {
        for (k, _) in &c.vars {
            if seen.insert(k) {
                names.push(k);
            }
        }
    }
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let mut header = vec!["__description", "__input"];
    header.extend(&names);
    // `__reference`, not `__expected_output`: promptfoo reads every `__expected…` column as a check.
    header.extend(["__reference", "__tags", "__split", "__assert"]);
    w.write_record(&header).expect("writing to memory");
    for c in cases {
        let mut row: Vec<String> = vec![c.description.clone(), c.input.clone()];
        for name in &names {
            let value = c
                .vars
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone());
            row.push(value.unwrap_or_default());
        }
        row.push(c.expected.clone());
        row.push(c.tags.join(", "));
        row.push(c.split.as_str().to_owned());
        row.push(if c.assertions.is_empty() {
            String::new()
        } else {
            let wire: Vec<AssertionV1> = c.assertions.iter().map(AssertionV1::from).collect();
            serde_json::to_string(&wire).expect("assertions always serialize")
        });
        w.write_record(&row).expect("writing to memory");
    }
    let bytes = w.into_inner().expect("writing to memory");
    String::from_utf8(bytes).expect("the CSV writer keeps UTF-8")
}

#[cfg(test)]
#[path = "cases_io_tests.rs"]
mod tests;
