//! Objects: `properties`, `patternProperties`, `additionalProperties`, `propertyNames` (2020-12
//! Core §10.3.2), `dependentSchemas` (§10.2.2.4), `required`, `minProperties`, `maxProperties`,
//! `dependentRequired` (Validation §6.5), `unevaluatedProperties` (Core §11.3); draft-07's
//! `dependencies` (draft-07 Validation §6.5.7).
use std::collections::HashSet;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::scalars::unusable_pattern;
use super::{Problem, Run, Seen, Seg, Sink, problem};
use crate::domain::pattern;
use crate::domain::schema::Dialect;
use crate::domain::schema::value::count;
use crate::domain::schema::words::{count_of, quote};

impl<'a> Run<'a> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn object<'v>(
        &mut self,
        o: &'a Map<String, Value>,
        base: &Arc<str>,
        v: &'v Value,
        m: &'v Map<String, Value>,
        path: &mut Vec<Seg<'v>>,
        sink: &mut Sink,
        seen: &mut Seen<'v>,
    ) -> bool {
        let mut ok = counts(o, m, self.dialect(), path, sink);
        macro_rules! step {
            ($ok:expr) => {
                if !$ok {
                    ok = false;
                    if self.stop(sink) {
                        return false;
                    }
                }
            };
        }
        step!(ok);
        let props = o.get("properties").and_then(Value::as_object);
        for (name, sub) in props.into_iter().flatten() {
            if let Some((key, item)) = m.get_key_value(name) {
                seen.props.insert(key);
                step!(self.field(sub, base, key, item, path, sink, false));
            }
        }
        let mut by_pattern: HashSet<&'v str> = HashSet::new();
        let patterns = o.get("patternProperties").and_then(Value::as_object);
        let matches = patterns.map_or(0, |p| p.len() * m.len()) as u64;
        if !self.spend(matches) {
            return false;
        }
        for (p, sub) in patterns.into_iter().flatten() {
            for (key, item) in m {
                match pattern::is_match(p, key) {
                    Ok(false) => {}
                    Ok(true) => {
                        by_pattern.insert(key);
                        seen.props.insert(key);
                        step!(self.field(sub, base, key, item, path, sink, false));
                    }
                    Err(e) => {
                        sink.push(unusable_pattern(path, p, &e));
                        step!(false);
                    }
                }
            }
        }
        if let Some(extra) = o.get("additionalProperties") {
            for (key, item) in m {
                let named = props.is_some_and(|p| p.contains_key(key));
                if !named && !by_pattern.contains(key.as_str()) {
                    seen.props.insert(key);
                    step!(self.field(extra, base, key, item, path, sink, true));
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
                    sink.push(bad_name(path, key, own.list.first()));
                    step!(false);
                }
            }
        }
        // `dependentSchemas` (2020-12) and the schema form of `dependencies`: in place.
        let d7 = self.dialect() == Dialect::Draft07;
        let schemas = [
            o.get("dependentSchemas").filter(|_| !d7),
            o.get("dependencies"),
        ];
        for (name, sub) in schemas
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
            .flatten()
        {
            if m.contains_key(name) && !sub.is_array() {
                match self.sub(sub, base, v, path, sink) {
                    Some(s) => seen.merge(s),
                    None => step!(false),
                }
            }
        }
        ok
    }

    /// One field's value against its subschema; a `false` subschema forbids the field itself
    /// (`extra`: it was not named by `properties` or `patternProperties`).
    #[allow(clippy::too_many_arguments)]
    fn field<'v>(
        &mut self,
        sub: &'a Value,
        base: &Arc<str>,
        key: &'v str,
        item: &'v Value,
        path: &mut Vec<Seg<'v>>,
        sink: &mut Sink,
        extra: bool,
    ) -> bool {
        if sub == &Value::Bool(false) {
            sink.push(forbidden_field(path, key, extra));
            return false;
        }
        self.child(sub, base, item, Seg::Key(key), path, sink)
    }

    /// `unevaluatedProperties` (Core §11.3): fields no adjacent or in-place keyword evaluated.
    pub(super) fn unevaluated_props<'v>(
        &mut self,
        o: &'a Map<String, Value>,
        base: &Arc<str>,
        m: &'v Map<String, Value>,
        path: &mut Vec<Seg<'v>>,
        sink: &mut Sink,
        seen: &mut Seen<'v>,
    ) -> bool {
        let Some(sub) = o.get("unevaluatedProperties").filter(|_| !seen.all_props) else {
            return true;
        };
        let mut ok = true;
        for (key, item) in m {
            if !seen.props.contains(key.as_str())
                && !self.field(sub, base, key, item, path, sink, true)
            {
                ok = false;
                if self.stop(sink) {
                    return false;
                }
            }
        }
        seen.all_props = true;
        ok
    }
}

/// `required`, `minProperties`, `maxProperties` (Validation §6.5.1–3), `dependentRequired`
/// (§6.5.4) and the list form of draft-07's `dependencies`.
#[inline(never)]
fn counts(
    o: &Map<String, Value>,
    m: &Map<String, Value>,
    dialect: Dialect,
    path: &[Seg<'_>],
    sink: &mut Sink,
) -> bool {
    let mut ok = true;
    if let Some(Value::Array(required)) = o.get("required") {
        for name in required.iter().filter_map(Value::as_str) {
            if !m.contains_key(name) {
                sink.push(problem(path, format!("is missing {}", quote(name))));
                ok = false;
            }
        }
    }
    let len = m.len() as u64;
    if let Some(min) = o.get("minProperties").and_then(count).filter(|&n| len < n) {
        let want = count_of(min, "field", "fields");
        sink.push(problem(
            path,
            format!("must have at least {want}, has {len}"),
        ));
        ok = false;
    }
    if let Some(max) = o.get("maxProperties").and_then(count).filter(|&n| len > n) {
        let want = count_of(max, "field", "fields");
        sink.push(problem(
            path,
            format!("must have at most {want}, has {len}"),
        ));
        ok = false;
    }
    let lists = [
        o.get("dependentRequired")
            .filter(|_| dialect == Dialect::Draft2020_12),
        o.get("dependencies"),
    ];
    for (name, also) in lists
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flatten()
    {
        let Some(also) = also.as_array().filter(|_| m.contains_key(name)) else {
            continue;
        };
        for other in also.iter().filter_map(Value::as_str) {
            if !m.contains_key(other) {
                let (n, o) = (quote(name), quote(other));
                sink.push(problem(path, format!("has {n}, so it must also have {o}")));
                ok = false;
            }
        }
    }
    ok
}

#[inline(never)]
fn forbidden_field(path: &[Seg<'_>], key: &str, extra: bool) -> Problem {
    let msg = if extra {
        format!("has an unexpected field {}", quote(key))
    } else {
        format!("must not have the field {}", quote(key))
    };
    problem(path, msg)
}

/// A field name that breaks `propertyNames`, with the first reason the name failed.
#[inline(never)]
fn bad_name(path: &[Seg<'_>], key: &str, why: Option<&Problem>) -> Problem {
    let why = why.map_or("is not allowed", |p| p.message.as_str());
    // "has a field name … that …" reads as a sentence at the top ("the value has a field
    // name…") and below it ("address: has a field name…").
    problem(path, format!("has a field name {} that {why}", quote(key)))
}
