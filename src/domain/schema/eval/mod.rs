//! Evaluating a value against an indexed schema: every keyword of 2020-12 Core §10–11 and
//! Validation §6, and of draft-07 Validation §6, with the annotations `unevaluatedItems` and
//! `unevaluatedProperties` need (Core §7.7, §11), and errors in plain words.
//!
//! Each evaluation writes its errors into a [`Sink`]. A sink holds one more error than its
//! capacity and then reports itself full: the evaluation that owns it is already invalid, so
//! everything below returns at once. Branches whose failure is expected (`anyOf`, `oneOf`, `not`,
//! `if`, `contains`, `propertyNames`) get a sink of their own.
//!
//! Evaluation recurses once per subschema entered, so the functions on that path keep small
//! stack frames: checks that do not recurse, and every message, live in functions of their own
//! (`scalars`, `words`), called and returned from before the next level starts.
use std::sync::Arc;

use serde_json::{Map, Value};

use super::index::{Index, Target};
use super::{Dialect, Invalid, MAX_DEPTH, MAX_STEPS, PathSegment, SchemaError};

mod arrays;
mod objects;
mod scalars;
mod summary;

/// Errors kept per `anyOf`/`oneOf` option, for the summary of a failed choice.
const OPTION_ERRORS: usize = 4;

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

/// A problem at `path` with `message`.
#[inline(never)]
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
    props: std::collections::HashSet<&'v str>,
    all_items: bool,
    items: std::collections::HashSet<usize>,
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
pub(super) fn validate(
    index: &Index,
    formats: bool,
    value: &Value,
    cap: usize,
) -> Result<(), Invalid> {
    let mut run = Run {
        idx: index,
        formats,
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
    let keep = cap.max(1);
    let truncated = errors.len() > keep;
    errors.truncate(keep);
    Err(Invalid { errors, truncated })
}

struct Run<'a> {
    idx: &'a Index,
    /// Whether `format` is asserted (`formats.rs`).
    formats: bool,
    /// The dynamic scope: base URIs of the schema resources entered, outermost first
    /// (Core §7.1, used by `$dynamicRef`, §8.2.3.2).
    scope: Vec<Arc<str>>,
    /// (schema, value) addresses being evaluated, innermost last: meeting one again is a loop.
    active: Vec<(usize, usize)>,
    steps: u64,
    halt: Option<Halt>,
}

impl<'a> Run<'a> {
    fn dialect(&self) -> Dialect {
        self.idx.dialect
    }

    /// Counts `n` units of work (an evaluation, a comparison, a pattern match) against
    /// [`MAX_STEPS`]; false, with the run halted, once the budget is spent.
    fn spend(&mut self, n: u64) -> bool {
        self.steps = self.steps.saturating_add(n);
        if self.steps > MAX_STEPS {
            self.halt = Some(Halt::Steps);
        }
        self.halt.is_none()
    }

    /// Whether the evaluation owning `sink` can stop: it already failed, or everything stopped.
    fn stop(&self, sink: &Sink) -> bool {
        sink.full() || self.halt.is_some()
    }

    /// Evaluates `v` against the subschema `s`, whose base URI is `base`. `Some` (with the
    /// annotations about `v`) when valid; `None` after writing at least one error to `sink`
    /// (or after a halt, which replaces all errors).
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
        if !self.spend(1) {
            return None;
        }
        let obj = match s {
            Value::Object(o) => o,
            Value::Bool(false) => {
                sink.push(scalars::not_allowed(path));
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
        #[cfg(test)]
        stack_probe::record(self.active.len());
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

    /// A subschema `sub` applied to the part of the value one `step` down.
    fn child<'v>(
        &mut self,
        sub: &'a Value,
        base: &Arc<str>,
        v: &'v Value,
        step: Seg<'v>,
        path: &mut Vec<Seg<'v>>,
        sink: &mut Sink,
    ) -> bool {
        let b = self.idx.child_base(base, sub);
        path.push(step);
        let ok = self.eval(sub, &b, v, path, sink).is_some();
        path.pop();
        ok
    }

    /// Every keyword of one schema object, in an order where annotations are complete before
    /// `unevaluated*` reads them.
    fn keywords<'v>(
        &mut self,
        o: &'a Map<String, Value>,
        base: &Arc<str>,
        v: &'v Value,
        path: &mut Vec<Seg<'v>>,
        sink: &mut Sink,
    ) -> Option<Seen<'v>> {
        if self.dialect() == Dialect::Draft07 {
            // Draft-07 Core §8.3: all other properties of a `$ref` object are ignored.
            if let Some(r) = o.get("$ref") {
                return self.reference(r, base, v, path, sink, false);
            }
        }
        // A value of the wrong type fails alone: the other keywords would only repeat it.
        let mut ok = match scalars::kind(o, v, path, sink) {
            scalars::Kind::WrongType => return None,
            scalars::Kind::Fits(ok) => ok,
        };
        if !ok && self.stop(sink) {
            return None;
        }
        let mut seen = Seen::default();
        ok &= self.applicators(o, base, v, path, sink, &mut seen);
        if !ok && self.stop(sink) {
            return None;
        }
        if self.formats
            && let Some(name) = o.get("format").and_then(Value::as_str)
            && !super::formats::meets(name, v)
        {
            sink.push(scalars::wrong_format(path, name));
            ok = false;
            if self.stop(sink) {
                return None;
            }
        }
        ok &= match v {
            Value::Number(n) => scalars::number(o, n, path, sink),
            Value::String(s) => scalars::string(o, s, path, sink),
            Value::Array(a) => self.array(o, base, a, path, sink, &mut seen),
            Value::Object(m) => self.object(o, base, v, m, path, sink, &mut seen),
            _ => true,
        };
        // Core §11: after every other keyword, and only when they passed (the annotations of
        // failed keywords are dropped, so "unevaluated" would repeat errors already reported).
        if ok && self.dialect() == Dialect::Draft2020_12 {
            ok &= match v {
                Value::Array(a) => self.unevaluated_items(o, base, a, path, sink, &mut seen),
                Value::Object(m) => self.unevaluated_props(o, base, m, path, sink, &mut seen),
                _ => true,
            };
        }
        ok.then_some(seen)
    }

    /// The in-place applicators: `$ref`, `$dynamicRef`, `allOf`, `anyOf`, `oneOf`, `not`,
    /// `if`/`then`/`else` (Core §8.2.3, §10.2). Their annotations join `seen`.
    fn applicators<'v>(
        &mut self,
        o: &'a Map<String, Value>,
        base: &Arc<str>,
        v: &'v Value,
        path: &mut Vec<Seg<'v>>,
        sink: &mut Sink,
        seen: &mut Seen<'v>,
    ) -> bool {
        let mut ok = true;
        let d7 = self.dialect() == Dialect::Draft07;
        for (key, dynamic) in [("$ref", false), ("$dynamicRef", true)] {
            if let Some(r) = o.get(key).filter(|_| !(d7 && dynamic)) {
                match self.reference(r, base, v, path, sink, dynamic) {
                    Some(s) => seen.merge(s),
                    None if self.stop(sink) => return false,
                    None => ok = false,
                }
            }
        }
        if let Some(Value::Array(all)) = o.get("allOf") {
            for sub in all {
                match self.sub(sub, base, v, path, sink) {
                    Some(s) => seen.merge(s),
                    None if self.stop(sink) => return false,
                    None => ok = false,
                }
            }
        }
        for (key, exactly_one) in [("anyOf", false), ("oneOf", true)] {
            if let Some(Value::Array(options)) = o.get(key) {
                match self.choice(options, base, v, path, sink, exactly_one) {
                    Some(s) => seen.merge(s),
                    None if self.stop(sink) => return false,
                    None => ok = false,
                }
            }
        }
        if let Some(not) = o.get("not") {
            let mut quiet = Sink::new(0);
            if self.sub(not, base, v, path, &mut quiet).is_some() {
                sink.push(summary::not_message(not, path));
                ok = false;
            }
            if self.stop(sink) {
                return false;
            }
        }
        if let Some(cond) = o.get("if") {
            let mut quiet = Sink::new(0);
            let branch = match self.sub(cond, base, v, path, &mut quiet) {
                Some(s) => {
                    seen.merge(s);
                    o.get("then")
                }
                None if self.halt.is_some() => return false,
                None => o.get("else"),
            };
            if let Some(branch) = branch {
                match self.sub(branch, base, v, path, sink) {
                    Some(s) => seen.merge(s),
                    None => ok = false,
                }
            }
        }
        ok
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
        let Target::Found(mut node, mut node_base) = target else {
            // Found before validation starts (Index::build); kept as an error, never a panic.
            sink.push(summary::unresolved(path, raw));
            return None;
        };
        // The bookend: only a reference that lands on a `$dynamicAnchor` of that name is
        // dynamic; then the outermost resource in the dynamic scope with that anchor wins.
        if dynamic
            && !fragment.is_empty()
            && !fragment.starts_with('/')
            && node.get("$dynamicAnchor").and_then(Value::as_str) == Some(fragment.as_str())
            && let Some((n, b)) = self
                .scope
                .iter()
                .find_map(|res| idx.dynamic_anchor(res, &fragment))
        {
            node = n;
            node_base = b;
        }
        self.eval(node, &node_base, v, path, sink)
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
            sink.push(summary::several_match(path, options.len(), &passed));
            return None;
        }
        if !passed.is_empty() {
            return Some(seen);
        }
        summary::none_match(options.len(), failures, v, path, sink);
        None
    }
}

/// How deep evaluation went on this thread, and the lowest stack address it reached, so a test
/// can measure the stack one level of evaluation takes.
#[cfg(test)]
pub(super) mod stack_probe {
    use std::cell::Cell;

    thread_local! {
        static LOW: Cell<usize> = const { Cell::new(usize::MAX) };
        static DEPTH: Cell<usize> = const { Cell::new(0) };
    }

    pub(super) fn record(depth: usize) {
        let marker = 0u8;
        let at = std::ptr::addr_of!(marker) as usize;
        LOW.with(|c| c.set(c.get().min(at)));
        DEPTH.with(|c| c.set(c.get().max(depth)));
    }

    /// `(lowest stack address, deepest level)` since the thread started.
    pub(in crate::domain::schema) fn read() -> (usize, usize) {
        (LOW.with(Cell::get), DEPTH.with(Cell::get))
    }
}
