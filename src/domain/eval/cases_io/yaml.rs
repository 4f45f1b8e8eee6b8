//! promptfoo YAML (and JSON configs) as a tree of nodes that know their line: a YAML event
//! parser (`saphyr-parser`) with anchors, aliases (bounded against "alias bombs") and `<<` merge
//! keys, and the YAML 1.2 core-schema reading of plain scalars.
use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle};
use serde_json::{Map, Value};

/// A YAML node with the line it starts on.
#[derive(Debug, Clone)]
pub(super) struct Node {
    pub(super) line: usize,
    pub(super) kind: Kind,
}

#[derive(Debug, Clone)]
pub(super) enum Kind {
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

/// How deep lists and maps may nest. promptfoo files need a handful of levels; the tree is walked
/// recursively after parsing, so an unbounded depth could overflow the stack.
pub(super) const MAX_DEPTH: usize = 64;

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
    /// A flow collection's bracket (`[` or `{`) and the line it stands on; `None` for a block
    /// collection.
    flow: Option<(char, usize)>,
}

/// Where a file that could not be read was inside a list or map written in brackets that opened
/// on an earlier line: ", inside the list that opens with “[” on line 3 (is its “]” missing?)".
/// An unclosed bracket is found only where the reader stumbles on what follows it, a line or more
/// later (tryout 102: the message named the line after the `[`). Empty otherwise.
fn inside_flow(stack: &[Open], error_line: usize) -> String {
    match stack.iter().rev().find_map(|o| o.flow) {
        Some((open, line)) if line < error_line => {
            let (what, close) = if open == '[' {
                ("list", ']')
            } else {
                ("map", '}')
            };
            format!(
                ", inside the {what} that opens with \u{201c}{open}\u{201d} on line {line} (is its \u{201c}{close}\u{201d} missing?)"
            )
        }
        _ => String::new(),
    }
}

/// Parses the file's one YAML document into a tree of nodes with lines.
pub(super) fn parse_yaml(text: &str) -> Result<Node, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Open> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut docs: Vec<Node> = Vec::new();
    let mut budget = ALIAS_BUDGET;
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| {
            if e.info().contains("recursion limit") {
                // The parser's own bound on flow nesting ([[[…]]]): the same message as ours.
                format!(
                    "This YAML file nests lists and maps more than {MAX_DEPTH} levels deep \
                     (line {}); a test file needs far fewer.",
                    e.marker().line()
                )
            } else if e.info().contains("end of stream") {
                // The file stops inside a quoted text: cut off, or a quote never closed.
                format!(
                    "This YAML file ends inside a quoted text that starts on line {} and is never \
                     closed. Close the quote; if the file was cut off while it was being saved or \
                     downloaded, save or download it again.",
                    e.marker().line()
                )
            } else {
                format!(
                    "This YAML file could not be read: line {}: {}{}.",
                    e.marker().line(),
                    e.info(),
                    inside_flow(&stack, e.marker().line())
                )
            }
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
                if stack.len() >= MAX_DEPTH {
                    return Err(format!(
                        "This YAML file nests lists and maps more than {MAX_DEPTH} levels deep \
                         (line {line}); a test file needs far fewer."
                    ));
                }
                let kind = if matches!(event, Event::SequenceStart(..)) {
                    Kind::Seq(Vec::new())
                } else {
                    Kind::Map(Vec::new())
                };
                let flow = lines
                    .get(span.start.line().wrapping_sub(1))
                    .and_then(|l| l.chars().nth(span.start.col()))
                    .filter(|c| matches!(c, '[' | '{'))
                    .map(|c| (c, span.start.line()));
                stack.push(Open {
                    node: Node { line, kind },
                    anchor,
                    key: None,
                    flow,
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
                    Some(key) => {
                        // Tryout 51: a key written twice kept its last value without a word;
                        // js-yaml (promptfoo's reader) refuses the file.
                        if let Kind::Scalar { text, .. } = &key.kind
                            && text != "<<"
                            && let Some((first, _)) = entries.iter().find(|(k, _)| {
                                matches!(&k.kind, Kind::Scalar { text: t, .. } if t == text)
                            })
                        {
                            return Err(format!(
                                "This YAML file gives the key \u{201c}{text}\u{201d} twice in one place (lines {} and {}); YAML allows a key once, and promptfoo refuses the file. Keep one of them.",
                                first.line, key.line
                            ));
                        }
                        entries.push((key, node))
                    }
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

pub(super) fn is_null(n: &Node) -> bool {
    matches!(&n.kind, Kind::Scalar { text, plain: true } if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
}

pub(super) fn scalar_text(n: &Node) -> Option<&str> {
    match &n.kind {
        Kind::Scalar { text, .. } => Some(text),
        _ => None,
    }
}

/// A map's entries with keys as text, `<<` merge keys expanded (explicit keys win).
pub(super) fn entries(n: &Node) -> Vec<(String, &Node)> {
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

pub(super) fn get<'a>(n: &'a Node, key: &str) -> Option<&'a Node> {
    entries(n)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

/// A plain scalar's value under YAML 1.2's core schema: null, true/false, integer, float, text.
pub(super) fn resolve(text: &str) -> Value {
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

pub(super) fn to_json(n: &Node) -> Value {
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
pub(super) fn to_json_as_written(n: &Node) -> Value {
    match &n.kind {
        Kind::Scalar { .. } if is_null(n) => Value::Null,
        Kind::Scalar { text, .. } => Value::String(text.clone()),
        _ => to_json(n),
    }
}

/// One test as JSON: variables and text fields keep scalars as written; the rest (assertions'
/// thresholds, schemas…) is typed.
pub(super) fn test_to_json(n: &Node) -> Value {
    if !matches!(n.kind, Kind::Map(_)) {
        return to_json(n);
    }
    let mut m = Map::new();
    for (k, v) in entries(n) {
        let value = match k.as_str() {
            "vars" | "metadata" => vars_to_json(v),
            "description" | "input" | "expected" | "split" => to_json_as_written(v),
            "assert" => match &v.kind {
                Kind::Seq(items) => Value::Array(items.iter().map(assertion_to_json).collect()),
                _ => to_json(v),
            },
            _ => to_json(v),
        };
        m.insert(k, value);
    }
    Value::Object(m)
}

/// A value's scalar as the text promptfoo compares: a plain number as JavaScript writes it once
/// js-yaml has read it (`1.50` is "1.5", `1e3` "1000", `0x10` "16"; tryout 51: they stayed as
/// written), any other scalar as written (`24.01` is "24.01").
fn value_text(n: &Node) -> Value {
    match (&n.kind, to_json_as_written(n)) {
        (Kind::Scalar { text, plain: true }, Value::String(_)) => match resolve(text) {
            Value::Number(num) => Value::String(crate::domain::wire::js_number_text(&num)),
            _ => Value::String(text.clone()),
        },
        (_, v) => v,
    }
}

/// One assertion as JSON: a `value` that is a scalar or a list of scalars is text, numbers as
/// promptfoo compares them ([`value_text`]), save an `equals` list (JSON, typed); a map (a JSON
/// schema, an `equals` object) and every other field (`threshold`…) are typed.
pub(super) fn assertion_to_json(n: &Node) -> Value {
    if !matches!(n.kind, Kind::Map(_)) {
        return to_json(n);
    }
    let mut m = Map::new();
    let entries = entries(n);
    // An `equals` list is JSON compared as JSON, its numbers numbers (promptfoo's
    // `isDeepStrictEqual(value, JSON.parse(output))` for an object value; tryout 101).
    let equals = entries.iter().any(|(k, v)| {
        k == "type"
            && scalar_text(v).is_some_and(|t| {
                let t = t.trim().to_ascii_lowercase();
                t.strip_prefix("not-").unwrap_or(&t) == "equals"
            })
    });
    for (k, v) in entries {
        let value = match (&v.kind, k.as_str()) {
            (Kind::Scalar { .. }, "value") => value_text(v),
            (Kind::Seq(_), "value") if equals => to_json(v),
            (Kind::Seq(items), "value")
                if items.iter().all(|i| matches!(i.kind, Kind::Scalar { .. })) =>
            {
                Value::Array(items.iter().map(value_text).collect())
            }
            (Kind::Seq(items), "assert") => {
                Value::Array(items.iter().map(assertion_to_json).collect())
            }
            _ => to_json(v),
        };
        m.insert(k, value);
    }
    Value::Object(m)
}

/// Variables as JSON, their scalar values as written.
pub(super) fn vars_to_json(v: &Node) -> Value {
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

pub(super) fn file_reference(n: &Node) -> Option<&str> {
    scalar_text(n).filter(|t| t.trim_start().starts_with("file://"))
}

/// A JSON value as a node tree, every line `line` (for JSON the YAML reader cannot take).
pub(super) fn node_from_json(v: &Value, line: usize) -> Node {
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
