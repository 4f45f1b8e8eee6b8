//! Messages about whole subschemas: a failed `anyOf`/`oneOf` told as one readable account, a
//! matched `not`, a reference that leads nowhere.
use serde_json::Value;

use super::scalars::{shown_value, wrong_kind};
use super::{Problem, Seg, Sink, problem};
use crate::domain::schema::words::{describe, or_list, quote};

/// Options whose first error is quoted in a failed choice's account.
const OPTIONS_SHOWN: usize = 3;

/// `oneOf` with more than one passing option (Core §10.2.1.3).
#[inline(never)]
pub(super) fn several_match(path: &[Seg<'_>], total: usize, passed: &[usize]) -> Problem {
    let which: Vec<String> = passed.iter().map(|i| (i + 1).to_string()).collect();
    let which = or_list(&which).replace(" or ", " and ");
    problem(
        path,
        format!("must match exactly one of the {total} options, matches options {which}"),
    )
}

/// A choice where no option fits: the errors of the one option that wants this kind of value;
/// else, when every option wanted another kind, what kinds were wanted; else each option's
/// first error.
#[inline(never)]
pub(super) fn none_match(
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
        for p in misses.iter().filter_map(|(_, ps)| ps.first()) {
            quotes |= p.quotes_value;
            if let Some(w) = p.wanted.as_ref().filter(|w| !wanted.contains(w)) {
                wanted.push(w.clone());
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

/// A value that matches its `not` schema (Core §10.2.1.4), said as plainly as the schema allows.
#[inline(never)]
pub(super) fn not_message(not: &Value, path: &[Seg<'_>]) -> Problem {
    let only_required = not.as_object().is_some_and(|o| o.len() == 1);
    let message = match (describe(not), not.get("required").and_then(Value::as_array)) {
        (Some(what), _) => format!("must not be {what}"),
        (None, Some(req)) if only_required => {
            let names: Vec<String> = req.iter().filter_map(Value::as_str).map(quote).collect();
            format!("must not have {}", or_list(&names).replace(" or ", " and "))
        }
        _ => "must not match the schema under \"not\"".to_owned(),
    };
    problem(path, message)
}

/// A reference with no target while checking (normally refused before, by `Index::build`).
#[inline(never)]
pub(super) fn unresolved(path: &[Seg<'_>], raw: &str) -> Problem {
    problem(
        path,
        format!("cannot be checked: the reference {raw} leads outside the schema or nowhere"),
    )
}
