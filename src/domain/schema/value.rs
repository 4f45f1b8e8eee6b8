//! JSON values as JSON Schema sees them: numbers compared by value (1 equals 1.0, 2020-12 Core
//! §4.2.2), integers recognised by a zero fractional part (Core §4.2.1), and counts read from
//! keyword values like `"maxLength": 2.0`.
use std::cmp::Ordering;

use serde_json::{Number, Value};

/// Beyond this nesting, equality falls back to `serde_json`'s own (exact-representation) test.
const EQ_DEPTH: usize = 256;

/// The number as an exact integer, when it is one (`3`, `3.0`, `1e20`).
pub(super) fn as_int(n: &Number) -> Option<i128> {
    if let Some(i) = n.as_i64() {
        return Some(i128::from(i));
    }
    if let Some(u) = n.as_u64() {
        return Some(i128::from(u));
    }
    let f = n.as_f64()?;
    (f.is_finite() && f.fract() == 0.0 && f.abs() < 1e38).then_some(f as i128)
}

/// Whether the number is an integer in the JSON Schema sense (any zero fractional part).
pub(super) fn is_integer(n: &Number) -> bool {
    as_int(n).is_some()
        || n.as_f64()
            .is_some_and(|f| f.is_finite() && f.fract() == 0.0)
}

/// Numeric order, exact between integers.
pub(super) fn cmp(a: &Number, b: &Number) -> Ordering {
    match (as_int(a), as_int(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => {
            let (x, y) = (a.as_f64().unwrap_or(0.0), b.as_f64().unwrap_or(0.0));
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
    }
}

/// Whether `x` is a whole multiple of `m` (2020-12 Validation §6.2.1). `m` must be above 0;
/// other divisors are ignored (true). Floats use a relative tolerance of 1e-9, so 0.0075 is a
/// multiple of 0.0001; a quotient that overflows is not a multiple.
pub(super) fn is_multiple(x: &Number, m: &Number) -> bool {
    if let (Some(a), Some(b)) = (as_int(x), as_int(m)) {
        return b <= 0 || a % b == 0;
    }
    let (a, b) = (x.as_f64().unwrap_or(0.0), m.as_f64().unwrap_or(0.0));
    if b <= 0.0 || !b.is_finite() {
        return true;
    }
    let q = a / b;
    q.is_finite() && (q - q.round()).abs() <= 1e-9 * q.abs().max(1.0)
}

/// A count from a keyword value: a non-negative integer, also written as `2.0`.
pub(super) fn count(v: &Value) -> Option<u64> {
    let n = v.as_number()?;
    if let Some(u) = n.as_u64() {
        return Some(u);
    }
    let f = n.as_f64()?;
    (f >= 0.0 && f.fract() == 0.0 && f < 1.8e19).then_some(f as u64)
}

/// JSON equality (2020-12 Core §4.2.2): numbers by value, objects regardless of key order.
pub(super) fn equal(a: &Value, b: &Value) -> bool {
    equal_at(a, b, 0)
}

fn equal_at(a: &Value, b: &Value, depth: usize) -> bool {
    if depth > EQ_DEPTH {
        return a == b;
    }
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => cmp(x, y) == Ordering::Equal,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal_at(p, q, depth + 1))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, p)| y.get(k).is_some_and(|q| equal_at(p, q, depth + 1)))
        }
        _ => a == b,
    }
}

/// A text equal for equal values in the sense of [`equal`]: numbers written by value (`1.0` as
/// `1`), object keys sorted. Past [`EQ_DEPTH`] levels the value is written as it is.
pub(super) fn canonical(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out, 0);
    out
}

fn write_canonical(v: &Value, out: &mut String, depth: usize) {
    if depth > EQ_DEPTH {
        out.push_str(&v.to_string());
        return;
    }
    match v {
        Value::Number(n) => match as_int(n) {
            Some(i) => out.push_str(&i.to_string()),
            None => out.push_str(&format!("{:?}", n.as_f64().unwrap_or(0.0))),
        },
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out, depth + 1);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            crate::domain::order::sort(&mut keys);
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&map[k], out, depth + 1);
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}
