//! Arrays: `prefixItems`, `items`, `contains` (2020-12 Core §10.3.1), `minItems`, `maxItems`,
//! `uniqueItems`, `minContains`, `maxContains` (Validation §6.4), `unevaluatedItems` (Core
//! §11.2); draft-07's array-valued `items` with `additionalItems` (draft-07 Validation §6.4.1–2).
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::{Problem, Run, Seen, Seg, Sink, problem};
use crate::domain::schema::Dialect;
use crate::domain::schema::value::{self, count};
use crate::domain::schema::words::{count_of, describe};

impl<'a> Run<'a> {
    pub(super) fn array<'v>(
        &mut self,
        o: &'a Map<String, Value>,
        base: &Arc<str>,
        a: &'v [Value],
        path: &mut Vec<Seg<'v>>,
        sink: &mut Sink,
        seen: &mut Seen<'v>,
    ) -> bool {
        let d7 = self.dialect() == Dialect::Draft07;
        if o.contains_key("uniqueItems") && !self.spend(a.len() as u64) {
            return false;
        }
        let mut ok = bounds(o, a, path, sink);
        if !ok && self.stop(sink) {
            return false;
        }
        let (prefix, rest) = match (o.get("prefixItems"), o.get("items")) {
            (Some(Value::Array(p)), items) if !d7 => (Some(p), items.filter(|i| !i.is_array())),
            (_, Some(Value::Array(list))) => (Some(list), o.get("additionalItems")),
            (_, items) => (None, items),
        };
        let start = prefix.map_or(0, |p| p.len().min(a.len()));
        for (i, (sub, item)) in prefix.into_iter().flatten().zip(a).enumerate() {
            seen.items.insert(i);
            if !self.child(sub, base, item, Seg::Index(i), path, sink) {
                ok = false;
                if self.stop(sink) {
                    return false;
                }
            }
        }
        if let Some(rest) = rest.filter(|_| start < a.len()) {
            seen.all_items = true;
            if rest == &Value::Bool(false) {
                sink.push(beyond(path, start, a.len()));
                ok = false;
            } else {
                for (i, item) in a.iter().enumerate().skip(start) {
                    if !self.child(rest, base, item, Seg::Index(i), path, sink) {
                        ok = false;
                        if self.stop(sink) {
                            return false;
                        }
                    }
                }
            }
        }
        if let Some(c) = o.get("contains")
            && self.halt.is_none()
        {
            ok &= self.contains(o, c, base, a, path, sink, seen, d7);
        }
        ok
    }

    /// `contains` with `minContains`/`maxContains` (2020-12) or at least one match (draft-07).
    /// In 2020-12 the matching positions count as evaluated (Core §10.3.1.3).
    #[allow(clippy::too_many_arguments)]
    fn contains<'v>(
        &mut self,
        o: &'a Map<String, Value>,
        c: &'a Value,
        base: &Arc<str>,
        a: &'v [Value],
        path: &mut Vec<Seg<'v>>,
        sink: &mut Sink,
        seen: &mut Seen<'v>,
        d7: bool,
    ) -> bool {
        let mut matched = Vec::new();
        for (i, item) in a.iter().enumerate() {
            let mut quiet = Sink::new(0);
            if self.child(c, base, item, Seg::Index(i), path, &mut quiet) {
                matched.push(i);
            }
            if self.halt.is_some() {
                return false;
            }
        }
        let (min, max) = if d7 {
            (1, None)
        } else {
            let min = o.get("minContains").and_then(count).unwrap_or(1);
            (min, o.get("maxContains").and_then(count))
        };
        let n = matched.len() as u64;
        if !d7 {
            seen.items.extend(matched);
        }
        if n < min || max.is_some_and(|m| n > m) {
            sink.push(contains_count(path, c, n, min, max));
            return false;
        }
        true
    }

    /// `unevaluatedItems` (Core §11.2): items no adjacent or in-place keyword evaluated.
    pub(super) fn unevaluated_items<'v>(
        &mut self,
        o: &'a Map<String, Value>,
        base: &Arc<str>,
        a: &'v [Value],
        path: &mut Vec<Seg<'v>>,
        sink: &mut Sink,
        seen: &mut Seen<'v>,
    ) -> bool {
        let Some(sub) = o.get("unevaluatedItems").filter(|_| !seen.all_items) else {
            return true;
        };
        let mut ok = true;
        for (i, item) in a.iter().enumerate() {
            if !seen.items.contains(&i) && !self.child(sub, base, item, Seg::Index(i), path, sink) {
                ok = false;
                if self.stop(sink) {
                    return false;
                }
            }
        }
        seen.all_items = true;
        ok
    }
}

/// `minItems`, `maxItems`, `uniqueItems` (Validation §6.4.1–3).
#[inline(never)]
fn bounds(o: &Map<String, Value>, a: &[Value], path: &[Seg<'_>], sink: &mut Sink) -> bool {
    let mut ok = true;
    let len = a.len() as u64;
    if let Some(min) = o.get("minItems").and_then(count).filter(|&m| len < m) {
        let want = count_of(min, "item", "items");
        sink.push(problem(
            path,
            format!("must have at least {want}, has {len}"),
        ));
        ok = false;
    }
    if let Some(max) = o.get("maxItems").and_then(count).filter(|&m| len > m) {
        let want = count_of(max, "item", "items");
        sink.push(problem(
            path,
            format!("must have at most {want}, has {len}"),
        ));
        ok = false;
    }
    if o.get("uniqueItems").and_then(Value::as_bool) == Some(true)
        && let Some((i, j)) = first_repeat(a)
    {
        let msg = format!("must not repeat items, but items {i} and {j} are equal");
        sink.push(problem(path, msg));
        ok = false;
    }
    ok
}

/// Items past the described ones where `items` (or `additionalItems`) is `false`.
#[inline(never)]
fn beyond(path: &[Seg<'_>], allowed: usize, len: usize) -> Problem {
    let msg = if allowed == 0 {
        format!("must have no items, has {len}")
    } else {
        let want = count_of(allowed as u64, "item", "items");
        format!("must have at most {want}, has {len}")
    };
    problem(path, msg)
}

#[inline(never)]
fn contains_count(path: &[Seg<'_>], c: &Value, n: u64, min: u64, max: Option<u64>) -> Problem {
    let msg = match max.filter(|&m| n > m) {
        Some(max) => format!(
            "must contain at most {} matching the \"contains\" schema, has {n}",
            count_of(max, "item", "items")
        ),
        None => match describe(c) {
            Some(what) if min == 1 => format!("must contain {what}"),
            _ => format!(
                "must contain at least {} matching the \"contains\" schema, has {n}",
                count_of(min, "item", "items")
            ),
        },
    };
    problem(path, msg)
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
