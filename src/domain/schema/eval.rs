//! Evaluating a value against an indexed schema: every keyword of 2020-12 Core §10–11 and
//! Validation §6, and of draft-07 Validation §6, with the annotations `unevaluatedItems` and
//! `unevaluatedProperties` need (Core §7.7, §11), and errors in plain words.
//!
//! Each evaluation writes its errors into a [`Sink`]. A sink holds a few more errors than its
//! capacity and then reports itself full: the evaluation that owns it is already invalid, so
//! everything below returns at once. Branches whose failure is expected (`anyOf`, `oneOf`, `not`,
//! `if`, `contains`, `propertyNames`) get a sink of their own.
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_json::{Map, Value};

use super::index::{Index, Target};
use super::value::{self, count, equal};
use super::words::{count_of, describe, kind, or_list, quote, show, types_phrase, value_list};
use super::{Dialect, Invalid, MAX_DEPTH, MAX_STEPS, PathSegment, SchemaError};
use crate::domain::pattern;

/// Errors kept per `anyOf`/`oneOf` option, for the summary of a failed choice.
const OPTION_ERRORS: usize = 4;
/// Options whose first error is quoted in a failed choice's summary.
const OPTIONS_SHOWN: usize = 3;

/// One step into the value being checked, borrowed from it.
#[derive(Debug, Clone, Copy)]
enum Seg<'v> {
    Key(&'v str),
    Index(usize),
}

/// An error while evaluating. `wanted` is set when the value is the wrong kind altogether
/// (`type`, `const`, `enum`): it names what was wanted (`a string`, `"draft"`), so a failed
/// `anyOf` can say `must be a string or null`. `quotes_value`: the message shows the value.
struct Problem {
    path: Vec<PathSegment>,
    message: String,
    wanted: Option<String>,
    quotes_value: bool,
}

impl Problem {
    fn to_error(&self) -> SchemaError {
        SchemaError {
            path: self.path.clone(),
            message: self.message.clone(),
        }
    }
}

struct Sink {
    list: Vec<Problem>,
    cap: usize,
}

impl Sink {
    fn new(cap: usize) -> Self {
        Self {
            list: Vec::new(),
            cap,
        }
    }
    fn push(&mut self, p: Problem) {
        if self.list.len() <= self.cap {
            self.list.push(p);
        }
    }
    fn full(&self) -> bool {
        self.list.len() > self.cap
    }
}

/// Which properties and items of the value at hand some keyword evaluated (Core §11.2, §11.3).
#[derive(Default)]
struct Seen<'v> {
    all_props: bool,
    props: HashSet<&'v str>,
    all_items: bool,
    items: HashSet<usize>,
}

impl<'v> Seen<'v> {
    fn merge(&mut self, other: Seen<'v>) {
        self.all_props |= other.all_props;
        self.all_items |= other.all_items;
        self.props.extend(other.props);
        self.items.extend(other.items);
    }
}

/// Why evaluation stopped before it could decide.
#[derive(Debug, Clone, Copy)]
enum Halt {
    Loop,
    Depth,
    Steps,
}

impl Halt {
    fn message(self) -> String {
        match self {
            Self::Loop => "cannot be checked: the schema refers back to itself without moving \
                           into the value (a $ref loop)"
                .into(),
            Self::Depth => {
                format!("cannot be checked: the value and schema nest more than {MAX_DEPTH} levels")
            }
            Self::Steps => format!(
                "cannot be checked: the schema takes more than {MAX_STEPS} steps for this value"
            ),
        }
    }
}

/// Validates `value`, keeping up to `cap` errors (0: stop at the first).
pub(super) fn validate(index: &Index, value: &Value, cap: usize) -> Result<(), Invalid> {
    let mut run = Run {
        idx: index,
        scope: Vec::new(),
        active: Vec::new(),
        steps: 0,
        halt: None,
    };
    let mut sink = Sink::new(cap);
    let ok = run
        .eval(
            &index.root,
            &index.root_base,
            value,
            &mut Vec::new(),
            &mut sink,
        )
        .is_some();
    if let Some(halt) = run.halt {
        let errors = vec![SchemaError {
            path: Vec::new(),
            message: halt.message(),
        }];
        return Err(Invalid {
            errors,
            truncated: false,
        });
    }
    if ok {
        return Ok(());
    }
    let mut errors: Vec<SchemaError> = Vec::new();
    for p in &sink.list {
        let e = p.to_error();
        if !errors.contains(&e) {
            errors.push(e);
        }
    }
    if errors.is_empty() {
        errors.push(SchemaError {
            path: Vec::new(),
            message: "does not match the schema".into(),
        });
    }
    let truncated = errors.len() > cap.max(1);
    errors.truncate(cap.max(1));
    Err(Invalid { errors, truncated })
}

struct Run<'a> {
    idx: &'a Index,
    /// The dynamic scope: base URIs of the schema resources entered, outermost first
    /// (Core §7.1, used by `$dynamicRef`, §8.2.3.2).
    scope: Vec<Arc<str>>,
    /// (schema, value) addresses being evaluated, innermost last: meeting one again is a loop.
    active: Vec<(usize, usize)>,
    steps: u64,
    halt: Option<Halt>,
}

fn problem(path: &[Seg<'_>], message: String) -> Problem {
    Problem {
        path: path
            .iter()
            .map(|s| match *s {
                Seg::Key(k) => PathSegment::Key(k.to_owned()),
                Seg::Index(i) => PathSegment::Index(i),
            })
            .collect(),
        message,
        wanted: None,
        quotes_value: false,
    }
}

fn wrong_kind(path: &[Seg<'_>], wanted: String, is: String, quotes_value: bool) -> Problem {
    let mut p = problem(path, format!("must be {wanted}, is {is}"));
    p.wanted = Some(wanted);
    p.quotes_value = quotes_value;
    p
}

fn type_matches(name: &str, v: &Value) -> bool {
    match (name, v) {
        ("null", Value::Null)
        | ("boolean", Value::Bool(_))
        | ("number", Value::Number(_))
        | ("string", Value::String(_))
        | ("array", Value::Array(_))
        | ("object", Value::Object(_)) => true,
        ("integer", Value::Number(n)) => value::is_integer(n),
        _ => false,
    }
}

impl<'a> Run<'a> {
    /// Evaluates `v` against the subschema `s`, whose base URI is `base`. `Some` (with the
    /// annotations about `v`) when valid; `None` after writing at least one error to `sink`.
    fn eval<'v>(
        &mut self,
        s: &'a Value,
        base: &Arc<str>,
        v: &'v Value,
        path: &mut Vec<Seg<'v>>,
        sink: &mut Sink,
    ) -> Option<Seen<'v>> {
        if self.halt.is_some() {
            return None;
        }
        self.steps += 1;
        if self.steps > MAX_STEPS {
            self.halt = Some(Halt::Steps);
            return None;
        }
        let obj = match s {
            Value::Object(o) => o,
            Value::Bool(false) => {
                sink.push(problem(path, "is not allowed here".into()));
                return None;
            }
            // `true`, and anything that is not a schema at all, accept every value.
            _ => return Some(Seen::default()),
        };
        let key = (s as *const Value as usize, v as *const Value as usize);
        if self.active.contains(&key) {
            self.halt = Some(Halt::Loop);
            return None;
        }
        if self.active.len() >= MAX_DEPTH {
            self.halt = Some(Halt::Depth);
            return None;
        }
        self.active.push(key);
        let entered = self.scope.last().is_none_or(|b| **b != **base);
        if entered {
            self.scope.push(base.clone());
        }
        let result = self.keywords(obj, base, v, path, sink);
        if entered {
            self.scope.pop();
        }
        self.active.pop();
        if result.is_none() && sink.list.is_empty() && self.halt.is_none() {
            sink.push(problem(path, "does not match the schema".into()));
        }
        result
    }

    /// A subschema `sub` of the schema at `base`, evaluated at the same place in the value.
    fn sub<'v>(
        &mut self,
        sub: &'a Value,
        base: &Arc<str>,
        v: &'v Value,
        path: &mut Vec<Seg<'v>>,
        sink: &mut Sink,
    ) -> Option<Seen<'v>> {
        let b = self.idx.child_base(base, sub);
        self.eval(sub, &b, v, path, sink)
    }

    /// A subschema `sub` applied to the part of the value one step down.
    fn child<'v>(
        &mut self,
        sub: &'a Value,
        base: &Arc<str>,
        v: &'v Value,
        step: Seg<'v>,
        path: &mut Vec<Seg<'v>>,
        sink: &mut Sink,
    ) -> bool {
        path.push(step);
        let ok = self.sub(sub, base, v, path, sink).is_some();
        path.pop();
        ok
    }

    fn keywords<'v>(
        &mut self,
        o: &'a Map<String, Value>,
        base: &Arc<str>,
        v: &'v Value,
        path: &mut Vec<Seg<'v>>,
        sink: &mut Sink,
    ) -> Option<Seen<'v>> {
        let d7 = self.idx.dialect == Dialect::Draft07;
        if d7 {
            // Draft-07 Core §8.3: all other properties of a `$ref` object are ignored.
            if let Some(r) = o.get("$ref") {
                return self.reference(r, base, v, path, sink, false);
            }
        }
        if let Some(t) = o.get("type") {
            if !self.type_keyword(t, v, path, sink) {
                return None;
            }
        }
        let mut seen = Seen::default();
        let mut ok = true;
        macro_rules! step {
            ($ok:expr) => {
                if !$ok {
                    ok = false;
                    if sink.full() || self.halt.is_some() {
                        return None;
                    }
                }
            };
        }
        if let Some(c) = o.get("const") {
            if !equal(c, v) {
                let quotes = !matches!(c, Value::Object(_) | Value::Array(_));
                sink.push(wrong_kind(path, show(c), shown_value(v, quotes), true));
                step!(false);
            }
        }
        if let Some(Value::Array(options)) = o.get("enum") {
            if !options.iter().any(|opt| equal(opt, v)) {
                let wanted = match options.len() {
                    0 => "nothing (the enum is empty)".to_owned(),
                    1 => show(&options[0]),
                    _ => format!("one of {}", value_list(options)),
                };
                sink.push(wrong_kind(path, wanted, shown_value(v, true), true));
                step!(false);
            }
        }
        for (key, dynamic) in [("$ref", false), ("$dynamicRef", true)] {
            if let Some(r) = o.get(key).filter(|_| !(d7 && dynamic)) {
                let r = self.reference(r, base, v, path, sink, dynamic);
                step!(r.is_some());
                seen.merge(r.unwrap_or_default());
            }
        }
        if let Some(Value::Array(all)) = o.get("allOf") {
            for sub in all {
                let r = self.sub(sub, base, v, path, sink);
                step!(r.is_some());
                seen.merge(r.unwrap_or_default());
            }
        }
        for (key, exactly_one) in [("anyOf", false), ("oneOf", true)] {
            if let Some(Value::Array(options)) = o.get(key) {
                let r = self.choice(options, base, v, path, sink, exactly_one);
                step!(r.is_some());
                seen.merge(r.unwrap_or_default());
            }
        }
        if let Some(not) = o.get("not") {
            step!(self.not(not, base, v, path, sink));
        }
        if let Some(cond) = o.get("if") {
            let mut quiet = Sink::new(0);
            let branch = match self.sub(cond, base, v, path, &mut quiet) {
                Some(s) => {
                    seen.merge(s);
                    o.get("then")
                }
                None if self.halt.is_some() => return None,
                None => o.get("else"),
            };
            if let Some(branch) = branch {
                let r = self.sub(branch, base, v, path, sink);
                step!(r.is_some());
                seen.merge(r.unwrap_or_default());
            }
        }
        match v {
            Value::Number(n) => step!(self.number(o, n, path, sink)),
            Value::String(s) => step!(self.string(o, s, path, sink)),
            Value::Array(a) => {
                let r = self.array(o, base, a, path, sink, &mut seen);
                step!(r);
            }
            Value::Object(m) => {
                let r = self.object(o, base, v, m, path, sink, &mut seen);
                step!(r);
            }
            _ => {}
        }
        // Core §11: after every other keyword, and only when they passed (the annotations of
        // failed keywords are dropped, so "unevaluated" would repeat errors already reported).
        if !d7 && ok {
            step!(self.unevaluated(o, base, v, path, sink, &mut seen));
        }
        ok.then_some(seen)
    }

    /// `$ref` (Core §8.2.3.1) or `$dynamicRef` (Core §8.2.3.2).
    fn reference<'v>(
        &mut self,
        r: &'a Value,
        base: &Arc<str>,
        v: &'v Value,
        path: &mut Vec<Seg<'v>>,
        sink: &mut Sink,
        dynamic: bool,
    ) -> Option<Seen<'v>> {
        let Some(raw) = r.as_str() else {
            return Some(Seen::default());
        };
        let idx = self.idx;
        let (target, fragment) = idx.resolve(base, raw);
        let (mut node, mut node_base) = match target {
            Target::Found(node, b) => (node, b),
            // Found before validation starts (Index::build); kept as an error, never a panic.
            Target::Remote(uri) => {
                sink.push(problem(
                    path,
                    format!("cannot be checked: the schema refers to {uri}, which is not fetched"),
                ));
                return None;
            }
            Target::Missing => {
                sink.push(problem(
                    path,
                    format!("cannot be checked: the reference {raw} points to nothing"),
                ));
                return None;
            }
        };
        // The bookend: only a reference that lands on a `$dynamicAnchor` of that name is dynamic;
        // then the outermost resource in the dynamic scope with that anchor wins.
        let bookend = node.get("$dynamicAnchor").and_then(Value::as_str) == Some(fragment.as_str());
        if dynamic && !fragment.is_empty() && !fragment.starts_with('/') && bookend {
            if let Some((n, b)) = self
                .scope
                .iter()
                .find_map(|res| idx.dynamic_anchor(res, &fragment))
            {
                node = n;
                node_base = b;
            }
        }
        self.eval(node, &node_base, v, path, sink)
    }

    /// Validation §6.1.1 `type`; also false when the keyword's value names no type.
    fn type_keyword(&mut self, t: &Value, v: &Value, path: &[Seg<'_>], sink: &mut Sink) -> bool {
        let ok = match t {
            Value::String(name) => type_matches(name, v),
            Value::Array(names) => names
                .iter()
                .any(|n| n.as_str().is_some_and(|n| type_matches(n, v))),
            _ => true,
        };
        if !ok {
            sink.push(wrong_kind(path, types_phrase(t), kind(v).to_owned(), false));
        }
        ok
    }

    /// `anyOf` (Core §10.2.1.2) or `oneOf` (§10.2.1.3). Every option is evaluated, since the
    /// annotations of all passing options count.
    fn choice<'v>(
        &mut self,
        options: &'a [Value],
        base: &Arc<str>,
        v: &'v Value,
        path: &mut Vec<Seg<'v>>,
        sink: &mut Sink,
        exactly_one: bool,
    ) -> Option<Seen<'v>> {
        let mut passed = Vec::new();
        let mut seen = Seen::default();
        let mut failures: Vec<(usize, Vec<Problem>)> = Vec::new();
        for (i, option) in options.iter().enumerate() {
            let mut own = Sink::new(OPTION_ERRORS);
            match self.sub(option, base, v, path, &mut own) {
                Some(s) => {
                    passed.push(i);
                    seen.merge(s);
                }
                None if self.halt.is_some() => return None,
                None => failures.push((i, own.list)),
            }
        }
        if passed.len() > 1 && exactly_one {
            let which: Vec<String> = passed.iter().map(|i| (i + 1).to_string()).collect();
            sink.push(problem(
                path,
                format!(
                    "must match exactly one of the {} options, matches options {}",
                    options.len(),
                    or_list(&which).replace(" or ", " and ")
                ),
            ));
            return None;
        }
        if !passed.is_empty() {
            return Some(seen);
        }
        self.summarize(options.len(), failures, v, path, sink);
        None
    }

    /// One readable account of a choice where no option fits: the errors of the one option that
    /// wants this kind of value; else what kinds were wanted; else each option's first error.
    fn summarize(
        &self,
        total: usize,
        failures: Vec<(usize, Vec<Problem>)>,
        v: &Value,
        path: &[Seg<'_>],
        sink: &mut Sink,
    ) {
        let here = path.len();
        let wrong_kind_here = |ps: &[Problem]| {
            ps.first()
                .is_some_and(|p| p.wanted.is_some() && p.path.len() == here)
        };
        let (misses, near): (Vec<_>, Vec<_>) = failures
            .into_iter()
            .partition(|(_, ps)| wrong_kind_here(ps));
        if near.len() == 1 {
            for p in near.into_iter().flat_map(|(_, ps)| ps) {
                sink.push(p);
            }
            return;
        }
        if near.is_empty() {
            let mut wanted: Vec<String> = Vec::new();
            let mut quotes = false;
            for (_, ps) in &misses {
                let p = &ps[0];
                quotes |= p.quotes_value;
                if let Some(w) = &p.wanted {
                    if !wanted.contains(w) {
                        wanted.push(w.clone());
                    }
                }
            }
            if wanted.is_empty() {
                sink.push(problem(
                    path,
                    format!("matches none of the {total} options"),
                ));
            } else {
                sink.push(wrong_kind(
                    path,
                    or_list(&wanted),
                    shown_value(v, quotes),
                    quotes,
                ));
            }
            return;
        }
        let shown: Vec<String> = near
            .iter()
            .take(OPTIONS_SHOWN)
            .map(|(i, ps)| match ps.first() {
                Some(p) => format!("option {}: {}", i + 1, p.to_error()),
                None => format!("option {} does not fit", i + 1),
            })
            .collect();
        sink.push(problem(
            path,
            format!("matches none of the {total} options ({})", shown.join("; ")),
        ));
    }

    /// `not` (Core §10.2.1.4).
    fn not<'v>(
        &mut self,
        not: &'a Value,
        base: &Arc<str>,
        v: &'v Value,
        path: &mut Vec<Seg<'v>>,
        sink: &mut Sink,
    ) -> bool {
        let mut quiet = Sink::new(0);
        if self.sub(not, base, v, path, &mut quiet).is_none() {
            return true;
        }
        let message = match (describe(not), not.get("required").and_then(Value::as_array)) {
            (Some(what), _) => format!("must not be {what}"),
            (None, Some(req)) if not.as_object().is_some_and(|o| o.len() == 1) => {
                let names: Vec<String> = req.iter().filter_map(Value::as_str).map(quote).collect();
                format!("must not have {}", or_list(&names).replace(" or ", " and "))
            }
            _ => "must not match the schema under \"not\"".to_owned(),
        };
        sink.push(problem(path, message));
        false
    }

    /// Validation §6.2.
    fn number(
        &mut self,
        o: &Map<String, Value>,
        n: &serde_json::Number,
        path: &[Seg<'_>],
        sink: &mut Sink,
    ) -> bool {
        use std::cmp::Ordering::{Greater, Less};
        let mut ok = true;
        let mut fail = |msg: String| {
            sink.push(problem(path, msg));
            ok = false;
        };
        if let Some(m) = o.get("multipleOf").and_then(Value::as_number) {
            if !value::is_multiple(n, m) {
                fail(format!("must be a multiple of {m}, is {n}"));
            }
        }
        // Draft-04's boolean form: `"exclusiveMinimum": true` makes `minimum` exclusive.
        let flag = |k: &str| o.get(k).and_then(Value::as_bool).unwrap_or(false);
        if let Some(min) = o.get("minimum").and_then(Value::as_number) {
            if flag("exclusiveMinimum") && value::cmp(n, min) != Greater {
                fail(format!("must be more than {min}, is {n}"));
            } else if value::cmp(n, min) == Less {
                fail(format!("must be at least {min}, is {n}"));
            }
        }
        if let Some(max) = o.get("maximum").and_then(Value::as_number) {
            if flag("exclusiveMaximum") && value::cmp(n, max) != Less {
                fail(format!("must be less than {max}, is {n}"));
            } else if value::cmp(n, max) == Greater {
                fail(format!("must be at most {max}, is {n}"));
            }
        }
        if let Some(min) = o.get("exclusiveMinimum").and_then(Value::as_number) {
            if value::cmp(n, min) != Greater {
                fail(format!("must be more than {min}, is {n}"));
            }
        }
        if let Some(max) = o.get("exclusiveMaximum").and_then(Value::as_number) {
            if value::cmp(n, max) != Less {
                fail(format!("must be less than {max}, is {n}"));
            }
        }
        ok
    }

    /// Validation §6.3: lengths in Unicode code points, `pattern` as ECMA-262 found anywhere.
    fn string(
        &mut self,
        o: &Map<String, Value>,
        s: &str,
        path: &[Seg<'_>],
        sink: &mut Sink,
    ) -> bool {
        let mut ok = true;
        let len = s.chars().count() as u64;
        if let Some(min) = o.get("minLength").and_then(count) {
            if len < min {
                let want = count_of(min, "character", "characters");
                sink.push(problem(
                    path,
                    format!("must have at least {want}, has {len}"),
                ));
                ok = false;
            }
        }
        if let Some(max) = o.get("maxLength").and_then(count) {
            if len > max {
                let want = count_of(max, "character", "characters");
                sink.push(problem(
                    path,
                    format!("must have at most {want}, has {len}"),
                ));
                ok = false;
            }
        }
        if let Some(p) = o.get("pattern").and_then(Value::as_str) {
            match pattern::is_match(p, s) {
                Ok(true) => {}
                Ok(false) => {
                    sink.push(problem(path, format!("must match the pattern {p}")));
                    ok = false;
                }
                Err(e) => {
                    let msg = format!("cannot be checked: the pattern {p} cannot be used: {e}");
                    sink.push(problem(path, msg));
                    ok = false;
                }
            }
        }
        ok
    }

    /// Core §10.3.1 (`prefixItems`, `items`, `contains`) and Validation §6.4; draft-07's array
    /// `items` with `additionalItems` (draft-07 Validation §6.4.1–2).
    #[allow(clippy::too_many_arguments)]
    fn array<'v>(
        &mut self,
        o: &'a Map<String, Value>,
        base: &Arc<str>,
        a: &'v [Value],
        path: &mut Vec<Seg<'v>>,
        sink: &mut Sink,
        seen: &mut Seen<'v>,
    ) -> bool {
        let d7 = self.idx.dialect == Dialect::Draft07;
        let mut ok = true;
        macro_rules! step {
            ($ok:expr) => {
                if !$ok {
                    ok = false;
                    if sink.full() || self.halt.is_some() {
                        return false;
                    }
                }
            };
        }
        let len = a.len() as u64;
        if let Some(min) = o.get("minItems").and_then(count) {
            if len < min {
                let want = count_of(min, "item", "items");
                sink.push(problem(
                    path,
                    format!("must have at least {want}, has {len}"),
                ));
                step!(false);
            }
        }
        if let Some(max) = o.get("maxItems").and_then(count) {
            if len > max {
                let want = count_of(max, "item", "items");
                sink.push(problem(
                    path,
                    format!("must have at most {want}, has {len}"),
                ));
                step!(false);
            }
        }
        if o.get("uniqueItems").and_then(Value::as_bool) == Some(true) {
            self.steps += len;
            if let Some((i, j)) = first_repeat(a) {
                let msg = format!("must not repeat items, but items {i} and {j} are equal");
                sink.push(problem(path, msg));
                step!(false);
            }
        }
        let (prefix, rest) = match (o.get("prefixItems"), o.get("items")) {
            (Some(Value::Array(p)), items) if !d7 => (Some(p), items.filter(|i| !i.is_array())),
            (_, Some(Value::Array(list))) => (Some(list), o.get("additionalItems")),
            (_, items) => (None, items),
        };
        let start = prefix.map_or(0, |p| p.len().min(a.len()));
        if let Some(prefix) = prefix {
            for (i, (sub, item)) in prefix.iter().zip(a).enumerate() {
                step!(self.child(sub, base, item, Seg::Index(i), path, sink));
                seen.items.insert(i);
            }
        }
        if let Some(rest) = rest.filter(|_| start < a.len()) {
            if rest == &Value::Bool(false) {
                let want = count_of(start as u64, "item", "items");
                let msg = if start == 0 {
                    format!("must have no items, has {len}")
                } else {
                    format!("must have at most {want}, has {len}")
                };
                sink.push(problem(path, msg));
                step!(false);
            } else {
                for (i, item) in a.iter().enumerate().skip(start) {
                    step!(self.child(rest, base, item, Seg::Index(i), path, sink));
                }
            }
            seen.all_items = true;
        }
        if let Some(c) = o.get("contains") {
            let (min, max) = if d7 {
                (1, None)
            } else {
                let min = o.get("minContains").and_then(count).unwrap_or(1);
                (min, o.get("maxContains").and_then(count))
            };
            let mut matched = Vec::new();
            for (i, item) in a.iter().enumerate() {
                let mut quiet = Sink::new(0);
                path.push(Seg::Index(i));
                let hit = self.sub(c, base, item, path, &mut quiet).is_some();
                path.pop();
                if self.halt.is_some() {
                    return false;
                }
                if hit {
                    matched.push(i);
                }
            }
            let n = matched.len() as u64;
            if n < min {
                let msg = match describe(c) {
                    Some(what) if min == 1 => format!("must contain {what}"),
                    _ => format!(
                        "must contain at least {} matching the \"contains\" schema, has {n}",
                        count_of(min, "item", "items")
                    ),
                };
                sink.push(problem(path, msg));
                step!(false);
            }
            if let Some(max) = max.filter(|&m| n > m) {
                let msg = format!(
                    "must contain at most {} matching the \"contains\" schema, has {n}",
                    count_of(max, "item", "items")
                );
                sink.push(problem(path, msg));
                step!(false);
            }
            if !d7 {
                seen.items.extend(matched);
            }
        }
        ok
    }

    /// Core §10.3.2 (`properties`, `patternProperties`, `additionalProperties`,
    /// `propertyNames`), §10.2.2.4 (`dependentSchemas`) and Validation §6.5; draft-07's
    /// `dependencies` (draft-07 Validation §6.5.7).
    #[allow(clippy::too_many_arguments)]
    fn object<'v>(
        &mut self,
        o: &'a Map<String, Value>,
        base: &Arc<str>,
        v: &'v Value,
        m: &'v Map<String, Value>,
        path: &mut Vec<Seg<'v>>,
        sink: &mut Sink,
        seen: &mut Seen<'v>,
    ) -> bool {
        let d7 = self.idx.dialect == Dialect::Draft07;
        let mut ok = true;
        macro_rules! step {
            ($ok:expr) => {
                if !$ok {
                    ok = false;
                    if sink.full() || self.halt.is_some() {
                        return false;
                    }
                }
            };
        }
        if let Some(Value::Array(required)) = o.get("required") {
            for name in required.iter().filter_map(Value::as_str) {
                if !m.contains_key(name) {
                    sink.push(problem(path, format!("is missing {}", quote(name))));
                    step!(false);
                }
            }
        }
        let len = m.len() as u64;
        if let Some(min) = o.get("minProperties").and_then(count) {
            if len < min {
                let want = count_of(min, "field", "fields");
                sink.push(problem(
                    path,
                    format!("must have at least {want}, has {len}"),
                ));
                step!(false);
            }
        }
        if let Some(max) = o.get("maxProperties").and_then(count) {
            if len > max {
                let want = count_of(max, "field", "fields");
                sink.push(problem(
                    path,
                    format!("must have at most {want}, has {len}"),
                ));
                step!(false);
            }
        }
        let props = o.get("properties").and_then(Value::as_object);
        if let Some(props) = props {
            for (name, sub) in props {
                if let Some((key, item)) = m.get_key_value(name) {
                    seen.props.insert(key);
                    if sub == &Value::Bool(false) {
                        sink.push(problem(
                            path,
                            format!("must not have the field {}", quote(key)),
                        ));
                        step!(false);
                    } else {
                        step!(self.child(sub, base, item, Seg::Key(key), path, sink));
                    }
                }
            }
        }
        let patterns = o.get("patternProperties").and_then(Value::as_object);
        let mut by_pattern: HashSet<&'v str> = HashSet::new();
        for (p, sub) in patterns.into_iter().flatten() {
            for (key, item) in m {
                match pattern::is_match(p, key) {
                    Ok(false) => continue,
                    Ok(true) => {}
                    Err(e) => {
                        let msg = format!("cannot be checked: the pattern {p} cannot be used: {e}");
                        sink.push(problem(path, msg));
                        step!(false);
                        continue;
                    }
                }
                by_pattern.insert(key);
                seen.props.insert(key);
                if sub == &Value::Bool(false) {
                    sink.push(problem(
                        path,
                        format!("must not have the field {}", quote(key)),
                    ));
                    step!(false);
                } else {
                    step!(self.child(sub, base, item, Seg::Key(key), path, sink));
                }
            }
        }
        if let Some(extra) = o.get("additionalProperties") {
            for (key, item) in m {
                if props.is_some_and(|p| p.contains_key(key)) || by_pattern.contains(key.as_str()) {
                    continue;
                }
                seen.props.insert(key);
                if extra == &Value::Bool(false) {
                    sink.push(problem(
                        path,
                        format!("has an unexpected field {}", quote(key)),
                    ));
                    step!(false);
                } else {
                    step!(self.child(extra, base, item, Seg::Key(key), path, sink));
                }
            }
        }
        if let Some(names) = o.get("propertyNames") {
            for key in m.keys() {
                let name = Value::String(key.clone());
                let mut own = Sink::new(0);
                if self
                    .sub(names, base, &name, &mut Vec::new(), &mut own)
                    .is_none()
                {
                    if self.halt.is_some() {
                        return false;
                    }
                    let why = own
                        .list
                        .first()
                        .map_or("is not allowed".to_owned(), |p| p.message.clone());
                    sink.push(problem(
                        path,
                        format!("the field name {} {why}", quote(key)),
                    ));
                    step!(false);
                }
            }
        }
        let dependent_required = o.get("dependentRequired").filter(|_| !d7);
        let dependent_schemas = o.get("dependentSchemas").filter(|_| !d7);
        let maps = [dependent_required, dependent_schemas, o.get("dependencies")];
        for (name, dep) in maps
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
            .flatten()
        {
            if !m.contains_key(name) {
                continue;
            }
            match dep {
                Value::Array(also) => {
                    for other in also.iter().filter_map(Value::as_str) {
                        if !m.contains_key(other) {
                            let msg = format!(
                                "has {}, so it must also have {}",
                                quote(name),
                                quote(other)
                            );
                            sink.push(problem(path, msg));
                            step!(false);
                        }
                    }
                }
                sub => {
                    let r = self.sub(sub, base, v, path, sink);
                    step!(r.is_some());
                    seen.merge(r.unwrap_or_default());
                }
            }
        }
        ok
    }

    /// `unevaluatedItems` and `unevaluatedProperties` (Core §11.2, §11.3).
    fn unevaluated<'v>(
        &mut self,
        o: &'a Map<String, Value>,
        base: &Arc<str>,
        v: &'v Value,
        path: &mut Vec<Seg<'v>>,
        sink: &mut Sink,
        seen: &mut Seen<'v>,
    ) -> bool {
        let mut ok = true;
        match v {
            Value::Array(a) if !seen.all_items => {
                if let Some(sub) = o.get("unevaluatedItems") {
                    for (i, item) in a.iter().enumerate() {
                        if seen.items.contains(&i) {
                            continue;
                        }
                        if !self.child(sub, base, item, Seg::Index(i), path, sink) {
                            ok = false;
                            if sink.full() || self.halt.is_some() {
                                return false;
                            }
                        }
                    }
                    seen.all_items = true;
                }
            }
            Value::Object(m) if !seen.all_props => {
                if let Some(sub) = o.get("unevaluatedProperties") {
                    for (key, item) in m {
                        if seen.props.contains(key.as_str()) {
                            continue;
                        }
                        let fine = if sub == &Value::Bool(false) {
                            sink.push(problem(
                                path,
                                format!("has an unexpected field {}", quote(key)),
                            ));
                            false
                        } else {
                            self.child(sub, base, item, Seg::Key(key), path, sink)
                        };
                        if !fine {
                            ok = false;
                            if sink.full() || self.halt.is_some() {
                                return false;
                            }
                        }
                    }
                    seen.all_props = true;
                }
            }
            _ => {}
        }
        ok
    }
}

/// The value as the end of a message: quoted JSON when `quotes`, else its kind.
fn shown_value(v: &Value, quotes: bool) -> String {
    if quotes { show(v) } else { kind(v).to_owned() }
}

/// The first pair of equal items (Validation §6.4.3): `(earlier, later)` positions. Items are
/// compared through a canonical text (numbers by value, keys sorted), so this is linear.
fn first_repeat(a: &[Value]) -> Option<(usize, usize)> {
    let mut first_at: HashMap<String, usize> = HashMap::with_capacity(a.len());
    for (j, item) in a.iter().enumerate() {
        match first_at.entry(value::canonical(item)) {
            Entry::Occupied(seen) => return Some((*seen.get(), j)),
            Entry::Vacant(slot) => {
                slot.insert(j);
            }
        }
    }
    None
}
