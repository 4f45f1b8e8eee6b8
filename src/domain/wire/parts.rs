//! A draft kept in this browser in parts, so a save writes what changed: the draft's small fields
//! stay in its head record, and each long list goes to part records of its own — versions, test
//! cases and checks in blocks of [`BLOCK`] items, each run (on the execution model and on each
//! comparison model) as a part with its results in blocks of [`BLOCK`], and the optimizer's
//! snapshot. During a run only the run's head and the blocks whose results changed are written
//! again. The head lists its parts in order ([`PARTS`]); a part it does not list is not read
//! (a head that lost its list reads every part stored for it).
//! Pure: the IndexedDB side is `net::store`.
use serde_json::{Map, Value};

use super::DraftV1;
use super::salvage::{Lost, RecordRead, Unusable, record_from};
use crate::domain::optimize::SnapshotError;

/// Items per part for the long lists: a result in a block of 50 that changes rewrites its block
/// (tens of KB at most), never the run.
pub const BLOCK: usize = 50;

/// The head record's field that lists its parts' keys, in order. A head without it is a record
/// of the first layout (the whole draft inline, written before schema 2), read as it is, with
/// any parts stored for it all the same ([`read_stored`]).
pub const PARTS: &str = "parts";

/// Lists split in blocks of items: the field and what the page calls its items.
const BLOCKED: [(&str, &str); 3] = [
    ("versions", "versions"),
    ("cases", "test cases"),
    ("checks", "checks for every case"),
];

/// Lists of runs, each run a part with its results in blocks.
const RUNS: [&str; 2] = ["runs", "compared"];

/// A draft cut into its head and its parts.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// The draft's fields that are not in a part (name, idea, style, current version, settings).
    pub head: Map<String, Value>,
    /// Each part's key (`cases/0`, `runs/1`, `runs/1/cases/3`, `optimizer`) and value, in the
    /// order the head lists them.
    pub parts: Vec<(String, Value)>,
}

/// Cuts a wire draft into its head and parts (see the module's text for the layout).
pub fn split(d: &DraftV1) -> Split {
    // Through text, not `to_value`: the draft's serializer to text is in the build already
    // (exports, links), and one to `Value` would add its own copy of every wire type's (17 KB
    // gzip of wasm, measured).
    let text = serde_json::to_string(d).unwrap_or_default();
    let mut head = match serde_json::from_str(&text) {
        Ok(Value::Object(m)) => m,
        // A wire draft always serializes to an object; an empty head would read as nothing.
        _ => Map::new(),
    };
    let mut parts = Vec::new();
    for (field, _) in BLOCKED {
        if let Some(Value::Array(items)) = head.remove(field) {
            blocks(field, items, &mut parts);
        }
    }
    for field in RUNS {
        if let Some(Value::Array(runs)) = head.remove(field) {
            for (i, run) in runs.into_iter().enumerate() {
                let key = format!("{field}/{i}");
                let mut run = run;
                let results = match run.as_object_mut().and_then(|o| o.remove("cases")) {
                    Some(Value::Array(r)) => r,
                    _ => Vec::new(),
                };
                parts.push((key.clone(), run));
                blocks(&format!("{key}/cases"), results, &mut parts);
            }
        }
    }
    if let Some(o) = head.remove("optimizer") {
        parts.push(("optimizer".to_owned(), o));
    }
    Split { head, parts }
}

/// Pushes `items` as parts `{prefix}/0`, `{prefix}/1`, … of [`BLOCK`] items each.
fn blocks(prefix: &str, items: Vec<Value>, parts: &mut Vec<(String, Value)>) {
    let mut items = items.into_iter().peekable();
    let mut b = 0;
    while items.peek().is_some() {
        let block: Vec<Value> = items.by_ref().take(BLOCK).collect();
        parts.push((format!("{prefix}/{b}"), Value::Array(block)));
        b += 1;
    }
}

/// The head record as stored: `{"id", "rev", "updated_ms", "draft": head, "parts": [keys]}`.
pub fn head_json(
    id: &str,
    rev: u64,
    updated_ms: f64,
    head: &Map<String, Value>,
    keys: &[&str],
) -> String {
    let mut o = Map::new();
    o.insert("id".into(), Value::from(id));
    o.insert("rev".into(), Value::from(rev));
    o.insert("updated_ms".into(), Value::from(updated_ms));
    o.insert("draft".into(), Value::Object(head.clone()));
    o.insert(
        PARTS.into(),
        Value::Array(keys.iter().map(|k| Value::from(*k)).collect()),
    );
    Value::Object(o).to_string()
}

/// What a save needs from the stored head: its revision and the parts it lists (`None` for a
/// record of the first layout, the whole draft inline). `Err` when the text is not a JSON object
/// (such a record is never written over).
pub fn read_head(text: &str) -> Result<(u64, Option<Vec<String>>), Unusable> {
    let v: Value =
        serde_json::from_str(text).map_err(|e| Unusable::new(format!("not JSON: {e}")))?;
    let Value::Object(o) = v else {
        return Err(Unusable::new("not a JSON object"));
    };
    let rev = o.get("rev").and_then(Value::as_u64).unwrap_or(0);
    Ok((rev, o.get(PARTS).map(keys_of)))
}

fn keys_of(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|k| k.as_str().map(str::to_owned))
        .collect()
}

/// Reads a stored record from its head's text and the draft's parts as stored (each part's key
/// within the draft and its text), part by part: a part that is missing or not JSON is left
/// out and named, the rest opens. A head of the first layout (no list of parts) is read as it
/// is; when parts are stored for it all the same (its list was lost), they are read too, in the
/// order of their keys, so the next save does not delete them. `Err` as [`super::read_record`].
pub fn read_stored(head: &str, parts: &[(String, String)]) -> Result<RecordRead, Unusable> {
    let v: Value =
        serde_json::from_str(head).map_err(|e| Unusable::new(format!("not JSON: {e}")))?;
    let Value::Object(obj) = v else {
        return Err(Unusable::new("not a JSON object"));
    };
    read_joined(obj, parts, Vec::new())
}

/// A draft put together from its parts alone, its head record (name, idea, settings, the
/// list of parts) being unreadable: each part that reads comes in, in the order of its key, and
/// the head is named as left out. What Import… reads from a download of a draft that did not
/// read at all (tryout 115: its prompt, 15 cases and results were in the file, and the import
/// said "nothing in it could be read"). `Err` when no part reads either.
pub fn read_parts_alone(parts: &[(String, String)]) -> Result<RecordRead, Unusable> {
    let mut obj = Map::new();
    obj.insert("draft".into(), Value::Object(Map::new()));
    read_joined(
        obj,
        parts,
        vec![Lost::Field(
            "The draft's own record (its name, idea and settings)",
        )],
    )
}

/// [`read_stored`] of a head that read as the object `obj`, with `lost` noted before the rest.
fn read_joined(
    mut obj: Map<String, Value>,
    parts: &[(String, String)],
    mut lost: Vec<Lost>,
) -> Result<RecordRead, Unusable> {
    let all_keys = || {
        let mut keys: Vec<String> = parts.iter().map(|(k, _)| k.clone()).collect();
        crate::domain::order::sort_by(&mut keys, |a, b| key_order(a).cmp(&key_order(b)));
        keys
    };
    let keys = match obj.remove(PARTS) {
        Some(k @ Value::Array(_))
            if k.as_array().is_some_and(|a| a.iter().all(Value::is_string)) =>
        {
            Some(keys_of(&k))
        }
        // A list of parts that is not one (damaged, or edited by hand): the parts there are
        // read all the same, in the order of their keys, and the list named (tryout 116: a
        // download's `"parts": "oops"` imported as an empty draft, nothing said).
        Some(_) => {
            lost.push(Lost::Field("The list of the draft's parts"));
            Some(all_keys())
        }
        None if !parts.is_empty() => Some(all_keys()),
        None => None,
    };
    if let Some(keys) = keys
        && let Some(Value::Object(draft)) = obj.get_mut("draft")
    {
        let part = |k: &str| {
            parts
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, t)| t.clone())
        };
        join(draft, &keys, &part, &mut lost);
    }
    record_from(obj, lost)
}

/// A part key's order among its draft's: segment by segment, numbers by value ("cases/2"
/// before "cases/10").
fn key_order(key: &str) -> Vec<(u64, &str)> {
    key.split('/')
        .map(|seg| match seg.parse::<u64>() {
            Ok(n) => (n, ""),
            Err(_) => (u64::MAX, seg),
        })
        .collect()
}

/// A run being put back together: its list (0 `runs`, 1 `compared`), its place in the list, its
/// head part (`None` when it did not read) and its results.
struct RunParts {
    list: usize,
    at: usize,
    /// Its blocks of results that read: (block number, items in it).
    blocks: Vec<(usize, usize)>,
    head: Option<Map<String, Value>>,
    results: Vec<Value>,
}

/// Puts the parts named by `keys` back into `draft`, noting in `lost` what did not read.
/// (Plain vectors, no maps: a draft has a few dozen parts, and the wasm stays smaller.)
fn join(
    draft: &mut Map<String, Value>,
    keys: &[String],
    part: &impl Fn(&str) -> Option<String>,
    lost: &mut Vec<Lost>,
) {
    let parsed = |key: &str| part(key).and_then(|t| serde_json::from_str::<Value>(&t).ok());
    // The blocked lists, in `BLOCKED` order; `None` until a part of the list is named.
    let mut lists: [Option<Vec<Value>>; 3] = [None, None, None];
    // The blocks of each list that read: (block number, items in it).
    let mut blocks: [Vec<(usize, usize)>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    let mut runs: Vec<RunParts> = Vec::new();
    for key in keys {
        let segs: Vec<&str> = key.split('/').collect();
        let number = |s: &str| s.parse::<usize>().ok();
        let field = segs.first().copied().unwrap_or_default();
        let blocked = BLOCKED.iter().position(|(f, _)| *f == field);
        let run_list = RUNS.iter().position(|f| *f == field);
        match (segs.as_slice(), blocked, run_list) {
            ([_, b], Some(l), _) => {
                let list = lists[l].get_or_insert_with(Vec::new);
                match parsed(key) {
                    Some(Value::Array(items)) => {
                        if let Some(b) = number(b) {
                            blocks[l].push((b, items.len()));
                        }
                        list.extend(items);
                    }
                    _ => lost.push(Lost::StoredPart(places(BLOCKED[l].1, number(b)))),
                }
            }
            ([_, i, rest @ ..], _, Some(list)) => {
                let Some(at) = number(i) else { continue };
                let run = match runs.iter().position(|r| r.list == list && r.at == at) {
                    Some(n) => &mut runs[n],
                    None => {
                        runs.push(RunParts {
                            list,
                            at,
                            blocks: Vec::new(),
                            head: None,
                            results: Vec::new(),
                        });
                        runs.last_mut().expect("just pushed")
                    }
                };
                match rest {
                    [] => match parsed(key) {
                        Some(Value::Object(o)) => run.head = Some(o),
                        _ => lost.push(if list == 0 {
                            Lost::Run {
                                version: None,
                                at: at + 1,
                            }
                        } else {
                            Lost::ComparedRun {
                                model: None,
                                at: at + 1,
                            }
                        }),
                    },
                    ["cases", b] => match parsed(key) {
                        Some(Value::Array(items)) => {
                            if let Some(b) = number(b) {
                                run.blocks.push((b, items.len()));
                            }
                            run.results.extend(items);
                        }
                        _ => {
                            let version = run
                                .head
                                .as_ref()
                                .and_then(|h| h.get("version"))
                                .and_then(Value::as_u64);
                            let of = match version {
                                Some(v) if list == 0 => format!(" of the run of version {v}"),
                                Some(v) => format!(" of version {v} on a comparison model"),
                                None => format!(" of the run in place {} of the list", at + 1),
                            };
                            lost.push(Lost::StoredPart(format!(
                                "{}{of}",
                                places("results", number(b))
                            )));
                        }
                    },
                    // A key this app does not write: not read.
                    _ => {}
                }
            }
            (["optimizer"], _, _) => match parsed(key) {
                Some(v) => {
                    draft.insert("optimizer".into(), v);
                }
                None => lost.push(Lost::Optimizer(SnapshotError::Shape(
                    "its part in storage is missing or not JSON".into(),
                ))),
            },
            // A key this app does not write: not read.
            _ => {}
        }
    }
    // Every block but a list's last holds BLOCK items: one with fewer read as JSON and lost some
    // (tryout 73: `[]` in place of 50 results said nothing).
    for (l, seen) in blocks.iter().enumerate() {
        for b in short_blocks(seen) {
            lost.push(Lost::StoredPart(format!(
                "Some {} (places {} to {})",
                BLOCKED[l].1,
                b * BLOCK + 1,
                (b + 1) * BLOCK
            )));
        }
    }
    for run in &runs {
        for b in short_blocks(&run.blocks) {
            lost.push(Lost::StoredPart(format!(
                "Some results (places {} to {}) of the run in place {} of the list{}",
                b * BLOCK + 1,
                (b + 1) * BLOCK,
                run.at + 1,
                if run.list == 0 {
                    ""
                } else {
                    " of a comparison model"
                }
            )));
        }
    }
    for (l, items) in lists.into_iter().enumerate() {
        if let Some(items) = items {
            draft.insert(BLOCKED[l].0.into(), Value::Array(items));
        }
    }
    // In the order of their places; the results of a run whose own part did not read go with
    // it (named above).
    crate::domain::order::sort_by_key(&mut runs, |r| (r.list, r.at));
    let mut by_list: [Option<Vec<Value>>; 2] = [None, None];
    for run in runs {
        if let Some(mut head) = run.head {
            head.insert("cases".into(), Value::Array(run.results));
            by_list[run.list]
                .get_or_insert_with(Vec::new)
                .push(Value::Object(head));
        }
    }
    for (l, runs) in by_list.into_iter().enumerate() {
        if let Some(runs) = runs {
            draft.insert(RUNS[l].into(), Value::Array(runs));
        }
    }
}

/// The blocks of `seen` ((block number, items)) that hold fewer than [`BLOCK`] items and are not
/// the last block of their list.
fn short_blocks(seen: &[(usize, usize)]) -> Vec<usize> {
    let last = seen.iter().map(|(b, _)| *b).max().unwrap_or(0);
    seen.iter()
        .filter(|(b, n)| *b < last && *n < BLOCK)
        .map(|(b, _)| *b)
        .collect()
}

/// "Up to 50 test cases (places 51 to 100)" for block 1 (how many the block held is not
/// known once it is lost; tryout 106: "from place 1 on" read as everything after it; `None`:
/// the block's number did not read).
fn places(what: &str, block: Option<usize>) -> String {
    let what = what.to_lowercase();
    match block {
        Some(b) => format!(
            "Up to {BLOCK} {what} (places {} to {})",
            b * BLOCK + 1,
            (b + 1) * BLOCK
        ),
        None => format!("Some {what}"),
    }
}
