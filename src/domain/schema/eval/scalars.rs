//! The keywords that never recurse: the kind of value (`type`, `const`, `enum`, Validation
//! §6.1), numbers (§6.2) and strings (§6.3). Lengths count Unicode code points; `pattern` is an
//! ECMA-262 regular expression found anywhere in the string (2020-12 Core §6.4).
use std::cmp::Ordering::{Greater, Less};

use serde_json::{Map, Number, Value};

use super::{Problem, Seg, Sink, problem};
use crate::domain::pattern;
use crate::domain::schema::value::{self, count, equal};
use crate::domain::schema::words::{count_of, kind as kind_of, show, types_phrase, value_list};

/// What the kind keywords found.
pub(super) enum Kind {
    /// `type` failed: nothing else about this value is worth saying.
    WrongType,
    /// `type` passed or was absent; whether `const` and `enum` passed too.
    Fits(bool),
}

/// `is not allowed here`: the `false` schema (2020-12 Core §4.3.2).
#[inline(never)]
pub(super) fn not_allowed(path: &[Seg<'_>]) -> Problem {
    problem(path, "is not allowed here".into())
}

/// `must be {wanted}, is {is}`, marked so a failed choice can merge what its options wanted.
pub(super) fn wrong_kind(
    path: &[Seg<'_>],
    wanted: String,
    is: String,
    quotes_value: bool,
) -> Problem {
    let mut p = problem(path, format!("must be {wanted}, is {is}"));
    p.wanted = Some(wanted);
    p.quotes_value = quotes_value;
    p
}

/// The value as the end of a message: quoted JSON when `quotes`, else its kind.
pub(super) fn shown_value(v: &Value, quotes: bool) -> String {
    if quotes {
        show(v)
    } else {
        kind_of(v).to_owned()
    }
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

/// `type` (Validation §6.1.1; an integer is any number with a zero fractional part, Core
/// §4.2.1), `const` (§6.1.3) and `enum` (§6.1.2), both by JSON equality (Core §4.2.2).
#[inline(never)]
pub(super) fn kind(o: &Map<String, Value>, v: &Value, path: &[Seg<'_>], sink: &mut Sink) -> Kind {
    if let Some(t) = o.get("type") {
        let ok = match t {
            Value::String(name) => type_matches(name, v),
            Value::Array(names) => names
                .iter()
                .any(|n| n.as_str().is_some_and(|n| type_matches(n, v))),
            _ => true,
        };
        if !ok {
            sink.push(wrong_kind(
                path,
                types_phrase(t),
                kind_of(v).to_owned(),
                false,
            ));
            return Kind::WrongType;
        }
    }
    let mut ok = true;
    if let Some(c) = o.get("const")
        && !equal(c, v)
    {
        let quotes = !matches!(c, Value::Object(_) | Value::Array(_));
        sink.push(wrong_kind(path, show(c), shown_value(v, quotes), true));
        ok = false;
    }
    if let Some(Value::Array(options)) = o.get("enum")
        && !options.iter().any(|opt| equal(opt, v))
    {
        let wanted = match options.len() {
            0 => "nothing (the enum is empty)".to_owned(),
            1 => show(&options[0]),
            _ => format!("one of {}", value_list(options)),
        };
        sink.push(wrong_kind(path, wanted, shown_value(v, true), true));
        ok = false;
    }
    Kind::Fits(ok)
}

/// Validation §6.2; draft-04's boolean `exclusiveMinimum`/`exclusiveMaximum` (which make
/// `minimum`/`maximum` exclusive) are read too.
#[inline(never)]
pub(super) fn number(
    o: &Map<String, Value>,
    n: &Number,
    path: &[Seg<'_>],
    sink: &mut Sink,
) -> bool {
    let mut ok = true;
    let mut fail = |msg: String| {
        sink.push(problem(path, msg));
        ok = false;
    };
    if let Some(m) = o.get("multipleOf").and_then(Value::as_number)
        && !value::is_multiple(n, m)
    {
        fail(format!("must be a multiple of {m}, is {n}"));
    }
    let flag = |k: &str| o.get(k).and_then(Value::as_bool).unwrap_or(false);
    if let Some(min) = o.get("minimum").and_then(Value::as_number) {
        let below = value::cmp(n, min);
        if flag("exclusiveMinimum") && below != Greater {
            fail(format!("must be more than {min}, is {n}"));
        } else if below == Less {
            fail(format!("must be at least {min}, is {n}"));
        }
    }
    if let Some(max) = o.get("maximum").and_then(Value::as_number) {
        let above = value::cmp(n, max);
        if flag("exclusiveMaximum") && above != Less {
            fail(format!("must be less than {max}, is {n}"));
        } else if above == Greater {
            fail(format!("must be at most {max}, is {n}"));
        }
    }
    if let Some(min) = o.get("exclusiveMinimum").and_then(Value::as_number)
        && value::cmp(n, min) != Greater
    {
        fail(format!("must be more than {min}, is {n}"));
    }
    if let Some(max) = o.get("exclusiveMaximum").and_then(Value::as_number)
        && value::cmp(n, max) != Less
    {
        fail(format!("must be less than {max}, is {n}"));
    }
    ok
}

/// Validation §6.3.
#[inline(never)]
pub(super) fn string(o: &Map<String, Value>, s: &str, path: &[Seg<'_>], sink: &mut Sink) -> bool {
    let mut ok = true;
    let len = s.chars().count() as u64;
    if let Some(min) = o.get("minLength").and_then(count)
        && len < min
    {
        let want = count_of(min, "character", "characters");
        sink.push(problem(
            path,
            format!("must have at least {want}, has {len}"),
        ));
        ok = false;
    }
    if let Some(max) = o.get("maxLength").and_then(count)
        && len > max
    {
        let want = count_of(max, "character", "characters");
        sink.push(problem(
            path,
            format!("must have at most {want}, has {len}"),
        ));
        ok = false;
    }
    if let Some(p) = o.get("pattern").and_then(Value::as_str) {
        match pattern::is_match(p, s) {
            Ok(true) => {}
            Ok(false) => {
                sink.push(problem(path, format!("must match the pattern {p}")));
                ok = false;
            }
            Err(e) => {
                sink.push(unusable_pattern(path, p, &e));
                ok = false;
            }
        }
    }
    ok
}

/// `must match the format "email"` (asserted formats only, `formats.rs`).
#[inline(never)]
pub(super) fn wrong_format(path: &[Seg<'_>], name: &str) -> Problem {
    problem(
        path,
        format!("must match the format \u{201c}{name}\u{201d}"),
    )
}

/// A pattern the engine refused while checking (normally caught before, by `Index::build`).
#[inline(never)]
pub(super) fn unusable_pattern(path: &[Seg<'_>], p: &str, e: &pattern::PatternError) -> Problem {
    problem(
        path,
        format!("cannot be checked: the pattern {p} cannot be used: {e}"),
    )
}
