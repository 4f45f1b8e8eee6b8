//! Tests for reading kept drafts part by part: a damaged part is left out and named while the
//! rest opens; an invalid optimizer snapshot is dropped with its message; a record with nothing
//! usable is refused by name; and a fuzz run over 10^5+ damaged records (wrong types in every
//! field, huge numbers, deep nesting, byte flips, truncations) with no panic, valid parts intact.
use std::time::Instant;

use serde_json::{Value, json};

use super::tests::sample_draft;
use super::*;
use crate::domain::optimize::{Phase, sample_loop};

/// A draft with every part filled: versions, cases with checks, checks for all, runs, and an
/// optimizer in the middle of a round (calls in flight).
fn rich_draft() -> Draft {
    let mut d = sample_draft();
    let (suite, o) = sample_loop();
    let first = d.suite.cases[0].clone();
    d.suite = suite;
    d.suite.add(first);
    d.suite.global.push(Assertion::new(Check::Length {
        unit: LengthUnit::Words,
        min: Some(1),
        max: Some(80),
    }));
    let mut run = d.runs[0].clone();
    run.version = 1;
    d.put_run(run);
    d.optimizer = Some(o);
    d
}

fn record_of(d: &Draft) -> Value {
    json!({"id": "d1", "rev": 3, "updated_ms": 5.0, "draft": DraftV1::from_draft(d, Include::ALL)})
}

/// What a record holds after a save and a load (calls in flight are kept: a reload charges them).
fn read_back(d: &Draft) -> Draft {
    let r = read_record(&record_of(d).to_string()).expect("a whole record reads");
    assert_eq!(r.draft.lost, vec![], "nothing lost from a whole record");
    r.draft.draft
}

#[test]
fn a_whole_record_reads_exactly() {
    let d = rich_draft();
    let back = read_back(&d);
    assert!(
        !d.optimizer.as_ref().unwrap().in_flight.is_empty(),
        "the sample has calls in flight"
    );
    assert_eq!(back, d);
    let r = read_record(&record_of(&d).to_string()).unwrap();
    assert_eq!((r.id.as_deref(), r.rev, r.updated_ms), (Some("d1"), 3, 5.0));
}

#[test]
fn a_damaged_part_is_left_out_and_named_and_the_rest_opens() {
    // Regression: one unreadable field anywhere made the whole IndexedDB record unreadable, and
    // the store skipped it without a word.
    let d = rich_draft();
    let want = read_back(&d);
    let mut v = record_of(&d);
    v["draft"]["cases"][3] = json!("not a case");
    v["draft"]["cases"][1]["tags"] = json!(7);
    v["draft"]["cases"][0]["assert"][0] = json!({"type": "is-sarcastic"});
    v["draft"]["versions"][0]["spec"]["steps"] = json!({"one": 1});
    v["draft"]["checks"][1] = json!([1, 2]);
    v["draft"]["runs"][0]["cases"] = json!("?");
    v["draft"]["idea"]["tone"] = json!(["warm"]);
    let r = read_record(&v.to_string()).unwrap();
    let got = r.draft.draft;
    let words: Vec<String> = r.draft.lost.iter().map(ToString::to_string).collect();
    assert_eq!(
        words,
        [
            "The idea's tone could not be read and was left out.",
            "Part of version 1 (its Steps) could not be read and was left out.",
            "Part of test case 2 (its tags) could not be read and was left out.",
            "Test case 4 could not be read and was left out.",
            "Check 2 for every case could not be read and was left out.",
            "The run results of version 1 could not be read and were left out.",
            "Check 1 of test case 1 could not be read and was left out (is-sarcastic check left out: \u{201c}is-sarcastic\u{201d} is not a check type Promptwright knows).",
        ]
    );
    // Everything else is as it was.
    assert_eq!(got.name, want.name);
    assert_eq!(got.idea.idea, want.idea.idea);
    assert_eq!(got.idea.tone, "");
    assert_eq!(got.versions[1], want.versions[1]);
    assert_eq!(got.versions[0].spec.persona, want.versions[0].spec.persona);
    assert!(got.versions[0].spec.steps.is_empty());
    assert_eq!(got.current, want.current);
    assert_eq!(got.suite.cases.len(), want.suite.cases.len() - 1);
    assert_eq!(got.suite.cases[2], want.suite.cases[2]);
    assert!(got.suite.cases[0].assertions.is_empty());
    assert_eq!(got.suite.cases[0].input, want.suite.cases[0].input);
    assert_eq!(got.suite.global, want.suite.global[..1]);
    assert_eq!(got.runs, want.runs[1..]);
    assert_eq!(got.optimizer, want.optimizer);
}

#[test]
fn an_invalid_optimizer_snapshot_is_dropped_with_a_message() {
    // Regression: a snapshot whose best candidate did not exist loaded, then panicked in
    // `propose_request` at the next proposal, on every reload; an unreadable one vanished silently.
    let d = rich_draft();
    let want = read_back(&d);
    for (damage, why) in [
        (json!({"best": 99}), "Best(99)"),
        (json!({"phase": {"Proposing": 0}}), "Phase(Proposing(0))"),
        (json!({"version": 2}), "Version(2)"),
        (json!({"candidates": "many"}), "Shape"),
    ] {
        let mut v = record_of(&d);
        for (k, x) in damage.as_object().unwrap() {
            v["draft"]["optimizer"][k] = x.clone();
        }
        let r = read_record(&v.to_string()).unwrap().draft;
        assert_eq!(r.draft.optimizer, None, "{damage}");
        assert_eq!(r.lost.len(), 1, "{damage}");
        assert_eq!(
            r.lost[0].to_string(),
            "The optimizer's saved state could not be read and was left out."
        );
        assert!(format!("{:?}", r.lost[0]).contains(why), "{:?}", r.lost[0]);
        let mut rest = r.draft.clone();
        rest.optimizer = want.optimizer.clone();
        assert_eq!(rest, want, "the rest of the draft opens");
    }
}

#[test]
fn a_record_with_nothing_usable_is_refused_by_name() {
    assert!(read_record("{\"id\": \"d1\", \"draft\": ").is_err());
    assert!(read_record("[1, 2]").is_err());
    assert!(read_record(r#"{"id": "d1", "draft": 5}"#).is_err());
    let e = read_record(r#"{"id": "d1", "draft": {"name": "Menus", "versions": 3, "cases": {}}}"#);
    // A name alone is something: the draft opens with what was lost named.
    let r = e.unwrap().draft;
    assert_eq!(r.draft.name, "Menus");
    assert_eq!(r.lost.len(), 2);
    let e = read_record(r#"{"id": "d1", "draft": {"name": 5, "versions": 3}}"#).unwrap_err();
    assert_eq!(e.name, None);
    assert!(
        e.why.contains("The versions could not be read"),
        "{}",
        e.why
    );
    // An empty draft (a new one) is a draft, not damage.
    let empty = read_record(&record_of(&Draft::default()).to_string()).unwrap();
    assert_eq!(empty.draft.draft, Draft::default());
}

#[test]
fn imports_and_old_links_bring_a_running_loop_paused() {
    // Regression: an imported draft (or one opened from a format-1 link) brought its running
    // optimization loop along, and opening it resumed the loop on the remembered key: each copy
    // spent the whole budget again.
    let d = rich_draft();
    assert!(d.loop_running());
    let file = serde_json::to_string(&ExportV1::new(&[&d])).unwrap();
    let imported = parse_import(&file).unwrap();
    let o = imported.drafts[0].draft.optimizer.as_ref().unwrap();
    assert!(
        o.paused && o.stop.is_none(),
        "arrives paused, Resume in reach"
    );
    let link = crate::domain::share::encode_v1(&d, Include::ALL);
    let received = crate::domain::share::decode(&link).unwrap();
    assert!(received.optimizer.as_ref().unwrap().paused);
    // A finished loop stays as it was.
    let mut done = d.clone();
    done.optimizer.as_mut().unwrap().stop = Some(crate::domain::optimize::Stop::Completed);
    done.optimizer.as_mut().unwrap().phase = Phase::Finished;
    assert!(!done.clone().pause_loop());
}

#[test]
fn an_import_keeps_the_drafts_that_read_and_names_the_others() {
    let d = rich_draft();
    let mut v = serde_json::to_value(ExportV1::new(&[&d, &d, &d])).unwrap();
    v["drafts"][1] = json!("gone");
    v["drafts"][2]["cases"][0] = json!(null);
    let i = parse_import(&v.to_string()).unwrap();
    assert_eq!(i.drafts.len(), 2);
    assert_eq!(i.unreadable.len(), 1);
    assert_eq!(i.unreadable[0].0, 2);
    assert_eq!(
        i.drafts[1].lost[0].to_string(),
        "Test case 1 could not be read and was left out."
    );
    v["drafts"] = json!(["x", 1]);
    assert_eq!(
        parse_import(&v.to_string()).unwrap_err(),
        "This export is damaged: none of its 2 drafts could be read."
    );
}

/// A small deterministic generator, so failures reproduce.
struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Key(String),
    At(usize),
}

/// Every path in a JSON tree (the root excluded).
fn paths(v: &Value, here: &mut Vec<Seg>, out: &mut Vec<Vec<Seg>>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                here.push(Seg::Key(k.clone()));
                out.push(here.clone());
                paths(x, here, out);
                here.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                here.push(Seg::At(i));
                out.push(here.clone());
                paths(x, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

fn at_mut<'a>(v: &'a mut Value, path: &[Seg]) -> &'a mut Value {
    path.iter().fold(v, |v, s| match s {
        Seg::Key(k) => &mut v[k.as_str()],
        Seg::At(i) => &mut v[*i],
    })
}

fn nested(depth: usize) -> Value {
    (0..depth).fold(json!("core"), |v, i| {
        if i % 2 == 0 {
            json!([v])
        } else {
            json!({ "n": v })
        }
    })
}

/// Values of every type, and numbers no field holds.
fn wrong_value(rng: &mut XorShift) -> Value {
    match rng.below(16) {
        0 => Value::Null,
        1 => json!(true),
        2 => json!(-1),
        3 => json!(4_294_967_296u64),
        4 => json!(u64::MAX),
        5 => json!(-9_223_372_036_854_775_808i64),
        6 => json!(1e300),
        7 => json!(1.5),
        8 => json!(""),
        9 => json!("x"),
        10 => json!([]),
        11 => json!([1, "a", null]),
        12 => json!({}),
        13 => json!({"n": 1, "spec": [], "type": 5}),
        14 => nested(60 + rng.below(40)),
        _ => json!("\u{0}\u{FFFF}\u{1F600}".repeat(1 + rng.below(500))),
    }
}

/// Items of a list the same, but for the item at `damaged` (kept changed, or left out).
fn same_but<T: std::fmt::Debug>(
    want: &[T],
    got: &[T],
    damaged: usize,
    eq: impl Fn(&T, &T) -> bool,
) -> bool {
    if got.len() + 1 == want.len() {
        let rest = want[..damaged].iter().chain(&want[damaged + 1..]);
        rest.zip(got).all(|(w, g)| eq(w, g))
    } else {
        got.len() == want.len()
            && want
                .iter()
                .zip(got)
                .enumerate()
                .all(|(i, (w, g))| i == damaged || eq(w, g))
    }
}

/// Every part of `got` outside the one `path` points into is as in `want`. Cases are compared
/// without their ids: a damaged id can take another case's, which then gets a fresh one.
fn rest_intact(want: &Draft, got: &Draft, path: &[Seg]) -> bool {
    let part = match (path.first(), path.get(1)) {
        (Some(Seg::Key(d)), Some(Seg::Key(k))) if d == "draft" => k.as_str(),
        _ => "",
    };
    let item = match path.get(2) {
        Some(Seg::At(i)) => Some(*i),
        _ => None,
    };
    let list = |name: &str| if part == name { Some(item) } else { None };
    fn check<T: PartialEq + std::fmt::Debug>(
        want: &[T],
        got: &[T],
        which: Option<Option<usize>>,
        eq: impl Fn(&T, &T) -> bool,
    ) -> bool {
        match which {
            None => want.len() == got.len() && want.iter().zip(got).all(|(w, g)| eq(w, g)),
            Some(None) => true,
            Some(Some(i)) => same_but(want, got, i, eq),
        }
    }
    let case_eq = |a: &crate::domain::eval::TestCase, b: &crate::domain::eval::TestCase| {
        (
            &a.description,
            &a.input,
            &a.vars,
            &a.expected,
            &a.assertions,
            &a.tags,
            a.split,
        ) == (
            &b.description,
            &b.input,
            &b.vars,
            &b.expected,
            &b.assertions,
            &b.tags,
            b.split,
        )
    };
    (part == "name" || got.name == want.name)
        && (part == "idea" || got.idea == want.idea)
        && (part == "style" || got.style == want.style)
        && (matches!(part, "current" | "versions") || got.current == want.current)
        && check(
            &want.versions,
            &got.versions,
            list("versions"),
            PartialEq::eq,
        )
        && check(&want.suite.cases, &got.suite.cases, list("cases"), case_eq)
        && check(
            &want.suite.global,
            &got.suite.global,
            list("checks"),
            PartialEq::eq,
        )
        && if part == "versions" {
            // A run of a version left out goes with it (named): the others stay.
            let kept: Vec<Run> = want
                .runs
                .iter()
                .filter(|r| got.versions.iter().any(|v| v.number == r.version))
                .cloned()
                .collect();
            got.runs == kept
        } else {
            check(&want.runs, &got.runs, list("runs"), PartialEq::eq)
        }
        && (part == "optimizer" || got.optimizer == want.optimizer)
}

/// What one part of the damaged-records fuzz saw.
#[derive(Default)]
struct Fuzzed {
    records: u32,
    refused: u32,
    with_losses: u32,
}

/// The record of a rich draft, what reads back from it, its text and every path in it.
fn fuzz_base() -> (Draft, Value, String, Vec<Vec<Seg>>) {
    let d = rich_draft();
    let want = read_back(&d);
    let base = record_of(&d);
    let text = base.to_string();
    let mut all = Vec::new();
    paths(&base, &mut Vec::new(), &mut all);
    assert!(all.len() > 300, "{} paths", all.len());
    (want, base, text, all)
}

/// Rounds `rounds` of the structured fuzz, a record per path each round: wrong values in every
/// field (each path in turn, then again with other values), removed fields and items; the rest
/// of the draft must survive untouched, and whatever is left out is named.
fn wrong_fields(rounds: std::ops::Range<usize>, seed: u64) -> Fuzzed {
    let (want, base, _, all) = fuzz_base();
    let mut rng = XorShift(seed);
    let mut n = Fuzzed::default();
    for i in rounds.start * all.len()..rounds.end * all.len() {
        let path = &all[i % all.len()];
        let mut v = base.clone();
        let mut removed = rng.below(5) == 0;
        if removed {
            let (last, parent) = path.split_last().unwrap();
            match (at_mut(&mut v, parent), last) {
                (Value::Object(m), Seg::Key(k)) => {
                    m.remove(k);
                }
                (Value::Array(a), Seg::At(i)) => {
                    a.remove(*i);
                }
                _ => unreachable!(),
            }
        } else {
            let x = wrong_value(&mut rng);
            // Null reads as "absent", like a removed field; an empty list is a valid list.
            removed = x.is_null() || x == json!([]);
            *at_mut(&mut v, path) = x;
        }
        n.records += 1;
        let r = read_record(&v.to_string());
        if path.len() < 2 {
            // The envelope or the whole draft.
            if r.is_err() {
                n.refused += 1;
            }
            continue;
        }
        let r = r.unwrap_or_else(|e| panic!("{path:?}: refused: {e}"));
        let got = r.draft.draft;
        if !r.draft.lost.is_empty() {
            n.with_losses += 1;
        }
        if removed && matches!(path.last(), Some(Seg::At(_))) && path.len() == 3 {
            // A removed item: the list is one shorter, with no loss to report.
            continue;
        }
        assert!(
            rest_intact(&want, &got, path),
            "{path:?} changed another part: {got:#?}"
        );
        let shorter = got.versions.len() < want.versions.len()
            || got.suite.cases.len() < want.suite.cases.len()
            || got.suite.global.len() < want.suite.global.len()
            || got.runs.len() < want.runs.len()
            || (got.optimizer.is_none() && !removed);
        // A list replaced by another valid list is not damage.
        let new_list = path.len() == 2 && at_mut(&mut v, path).is_array();
        if shorter && !removed && !new_list {
            assert!(
                !r.draft.lost.is_empty(),
                "{path:?}: a part left out silently: {}",
                at_mut(&mut v, path)
            );
        }
        if let Some(o) = &got.optimizer {
            // Whatever loaded passed validation: the machine may run it.
            assert_eq!(o.validate(), Ok(()));
            assert!(o.phase != Phase::Proposing(0));
        }
    }
    n
}

/// `count` records of byte-level damage (flips, truncations, insertions, huge numbers, deep
/// nesting): never a panic, and an optimizer that loads passes validation.
fn damaged_bytes(count: usize, seed: u64) -> Fuzzed {
    let (_, _, text, _) = fuzz_base();
    let raw = text.as_bytes();
    let mut rng = XorShift(seed);
    let mut n = Fuzzed::default();
    for i in 0..count {
        let mut b = raw.to_vec();
        match i % 6 {
            0 => {
                for _ in 0..=rng.below(3) {
                    let at = rng.below(b.len());
                    b[at] ^= 1 << rng.below(8);
                }
            }
            1 => b.truncate(rng.below(b.len())),
            2 => {
                let at = rng.below(b.len());
                b.splice(at..at, *b"1e999");
            }
            3 => {
                let at = rng.below(b.len());
                let n = rng.below(300);
                let deep: Vec<u8> = std::iter::repeat_n(b'[', n)
                    .chain(std::iter::repeat_n(b']', n))
                    .collect();
                b.splice(at..at, deep);
            }
            4 => {
                let at = rng.below(b.len());
                let end = (at + rng.below(40)).min(b.len());
                b.drain(at..end);
            }
            _ => {
                let at = rng.below(b.len());
                b.splice(at..at, *b"184467440737095516150");
            }
        }
        n.records += 1;
        let Ok(s) = String::from_utf8(b) else {
            n.refused += 1;
            continue;
        };
        match read_record(&s) {
            Ok(r) => {
                if let Some(o) = &r.draft.draft.optimizer {
                    assert_eq!(o.validate(), Ok(()));
                }
            }
            Err(_) => n.refused += 1,
        }
    }
    n
}

/// Rounds of the structured fuzz per test: each test damages every path this many times.
fn wrong_field_rounds() -> usize {
    crate::domain::fuzz::scaled(20)
}

fn path_count() -> usize {
    fuzz_base().3.len()
}

// The structured fuzz in two parts of the same size in time (a structured record costs about
// twice a byte-level one), so the two test threads share them.
#[test]
fn fuzz_records_with_wrong_fields_first_half_keep_the_rest() {
    let start = Instant::now();
    let rounds = wrong_field_rounds();
    let n = wrong_fields(0..rounds, 0x2545_f491_4f6c_dd1d);
    eprintln!(
        "fuzz: {} records, {} refused whole, {} opened with parts left out, in {:.1?}",
        n.records,
        n.refused,
        n.with_losses,
        start.elapsed()
    );
    assert_eq!(n.records as usize, rounds * path_count());
}

#[test]
fn fuzz_records_with_wrong_fields_second_half_keep_the_rest() {
    let rounds = wrong_field_rounds();
    let n = wrong_fields(rounds..2 * rounds, 0x9e37_79b9_7f4a_7c15);
    assert_eq!(n.records as usize, rounds * path_count());
    assert!(n.with_losses > 0, "no record opened with a part left out");
}

#[test]
fn fuzz_records_with_damaged_bytes_never_panic() {
    let count = crate::domain::fuzz::scaled(8_000);
    let n = damaged_bytes(count, 0x2545_f491_4f6c_dd1d);
    assert_eq!(n.records as usize, count);
    assert!(
        n.refused > 0 && (n.refused as usize) < count,
        "{} refused",
        n.refused
    );
}

#[test]
fn fuzz_more_records_with_damaged_bytes_never_panic() {
    let count = crate::domain::fuzz::scaled(8_000);
    let n = damaged_bytes(count, 0xd1b5_4a32_d192_ed03);
    assert_eq!(n.records as usize, count);
}

// Tryout: a drafts export cut off while saving said "not a Promptwright export (not valid JSON:
// EOF while parsing an object at line 293 column 14)". It says the file ends early, the likely
// cause and what to do, in plain words; a file that is not JSON at all keeps its own message.
#[test]
fn a_cut_off_export_is_said_to_end_early() {
    let d = rich_draft();
    let file = serde_json::to_string_pretty(&ExportV1::new(&[&d, &d])).unwrap();
    let lines = file.lines().count();
    for keep in [file.len() / 3, file.len() / 2, file.len() - 2] {
        let at = (0..=keep)
            .rev()
            .find(|&i| file.is_char_boundary(i))
            .unwrap();
        let e = parse_import(&file[..at]).unwrap_err();
        assert!(e.starts_with("This file ends early (line "), "{e}");
        assert!(
            e.ends_with(
                "it was probably cut off while it was being saved or downloaded. Save or download it again."
            ),
            "{e}"
        );
        for jargon in ["EOF", "parsing", "not a Promptwright export"] {
            assert!(!e.contains(jargon), "{e}");
        }
        let line: usize = e["This file ends early (line ".len()..]
            .split(')')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(line <= lines, "{line} of {lines}");
    }
    let e = parse_import("name,idea\nx,y").unwrap_err();
    assert_eq!(
        e,
        "This file is not a Promptwright export: it is not valid JSON (the first mistake is on line 1, column 2). Test cases (CSV, JSONL, chat logs, promptfoo files) are read by Import\u{2026} under Test cases."
    );
    assert!(!e.contains("cut off"), "{e}");
}

// Tryout 79: drafts under another "format" name read "it has no drafts in it".
#[test]
fn drafts_under_another_format_name_are_said_as_that() {
    let d = rich_draft();
    let mut v = serde_json::to_value(ExportV1::new(&[&d])).unwrap();
    v["format"] = serde_json::json!("promptwright-draft");
    assert_eq!(
        parse_import(&v.to_string()).unwrap_err(),
        "This file is not a Promptwright export: it holds drafts, but its \u{201c}format\u{201d} is \u{201c}promptwright-draft\u{201d}, not \u{201c}promptwright-drafts\u{201d}, so they were not read. A file made by Promptwright's Export says \u{201c}promptwright-drafts\u{201d}."
    );
    v["format"] = serde_json::json!(7);
    assert!(
        parse_import(&v.to_string())
            .unwrap_err()
            .contains("is not a name")
    );
}

// Tryout: a draft entry holding only {"name": "junk"} came in as an empty draft ("Imported 2
// drafts."). A draft with nothing to work on is reported by name, not imported.
#[test]
fn an_imported_draft_with_nothing_to_work_on_is_reported_not_imported() {
    let d = rich_draft();
    let mut v = serde_json::to_value(ExportV1::new(&[&d])).unwrap();
    v["drafts"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "junk"}));
    let i = parse_import(&v.to_string()).unwrap();
    assert_eq!(i.drafts.len(), 1);
    assert_eq!(i.unreadable.len(), 1);
    let (at, u) = &i.unreadable[0];
    assert_eq!(*at, 2);
    assert!(u.empty);
    assert_eq!(
        u.import_message(*at),
        "The draft \u{201c}junk\u{201d} (draft 2 in the file) holds nothing to work on: no idea, prompt, test cases or results. It was not imported."
    );
    // Alone in a file: nothing is imported, and that is why.
    let e =
        parse_import(r#"{"format":"promptwright-drafts","version":1,"drafts":[{"name":"junk"}]}"#)
            .unwrap_err();
    assert!(e.starts_with("This draft holds nothing to work on"), "{e}");
    // A draft with only an idea is something to work on; an unreadable one is still said so.
    let idea = json!({"name": "x", "idea": {"idea": "a haiku bot"}});
    v["drafts"] = json!([idea, "gone"]);
    let i = parse_import(&v.to_string()).unwrap();
    assert_eq!(i.drafts.len(), 1);
    assert!(!i.unreadable[0].1.empty);
    assert_eq!(
        i.unreadable[0].1.import_message(2),
        "Draft 2 in the file could not be read at all and was not imported."
    );
    // A new empty draft kept in this browser still opens (it is not an import).
    assert!(holds_nothing(&Draft::default()));
    let r = read_record(&record_of(&Draft::default()).to_string()).unwrap();
    assert_eq!(r.draft.draft, Draft::default());
}

#[test]
fn a_damaged_turn_list_keeps_the_turns_that_read_and_names_the_rest() {
    use crate::domain::eval::{Message, TestCase};
    let mut d = sample_draft();
    d.suite.cases.clear();
    d.suite.add(TestCase {
        input: "In July?".into(),
        turns: vec![
            Message::user("Italy."),
            Message::assistant("When?"),
            Message::user("Cheap, please."),
        ],
        ..Default::default()
    });
    // A whole record reads exactly, turns and all.
    assert_eq!(read_back(&d), d);
    // One turn with an unknown role and one that is not an object: both named, the rest kept.
    let mut v = record_of(&d);
    v["draft"]["cases"][0]["turns"][1] = json!({"role": "narrator", "content": "When?"});
    v["draft"]["cases"][0]["turns"][2] = json!(7);
    let r = read_record(&v.to_string()).expect("it reads");
    assert_eq!(
        r.draft
            .lost
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        [
            "Turn 2 of test case 1's conversation could not be read and was left out.",
            "Turn 3 of test case 1's conversation could not be read and was left out."
        ]
    );
    assert_eq!(
        r.draft.draft.suite.cases[0].turns,
        vec![Message::user("Italy.")]
    );
    assert_eq!(r.draft.draft.suite.cases[0].input, "In July?");
    // A turn list that is not a list: the case keeps everything else.
    let mut v = record_of(&d);
    v["draft"]["cases"][0]["turns"] = json!("Italy.");
    let r = read_record(&v.to_string()).expect("it reads");
    assert_eq!(
        r.draft
            .lost
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["Part of test case 1 (its conversation) could not be read and was left out."]
    );
    assert_eq!(r.draft.draft.suite.cases[0].input, "In July?");
    // An older record (no turns field) opens with one-message cases.
    let mut v = record_of(&d);
    v["draft"]["cases"][0]
        .as_object_mut()
        .unwrap()
        .remove("turns");
    let r = read_record(&v.to_string()).expect("it reads");
    assert!(r.draft.lost.is_empty());
    assert!(r.draft.draft.suite.cases[0].turns.is_empty());
}

#[test]
fn a_case_wire_form_skips_empty_turns_and_round_trips_them() {
    use crate::domain::eval::{Message, TestCase};
    let one = TestCase {
        input: "hi".into(),
        ..Default::default()
    };
    let v = serde_json::to_value(CaseV1::from(&one)).unwrap();
    assert!(v.get("turns").is_none(), "{v}");
    let conv = TestCase {
        input: "and now?".into(),
        turns: vec![Message::assistant("Hello!"), Message::user("hi")],
        ..Default::default()
    };
    let v = serde_json::to_value(CaseV1::from(&conv)).unwrap();
    assert_eq!(
        v["turns"],
        json!([{"role": "assistant", "content": "Hello!"}, {"role": "user", "content": "hi"}])
    );
    let back: CaseV1 = serde_json::from_value(v).unwrap();
    assert_eq!(back.into_case().0, conv);
}

#[test]
fn cases_with_a_clashing_id_are_numbered_past_the_others_and_results_stay_with_their_case() {
    // Bug: a case whose stored id another case already had took the next free number, which
    // could be a later case's own id; that case was then renumbered and its results were shown
    // under the wrong case.
    let mut d = sample_draft();
    let first = d.suite.cases[0].id;
    d.suite.cases[0].input = "first".into();
    let mut copy = d.suite.cases[0].clone();
    copy.input = "same id".into();
    let mut later = d.suite.cases[0].clone();
    later.id = first + 1;
    later.input = "later".into();
    d.suite.cases.push(copy);
    d.suite.cases.push(later);
    let mut run = d.runs[0].clone();
    let mut answer = run.cases[&first].clone();
    answer.output = "for later".into();
    run.cases.insert(first + 1, answer);
    d.put_run(run);
    let back = read_record(&record_of(&d).to_string()).unwrap().draft.draft;
    let got: Vec<(u32, &str)> = back
        .suite
        .cases
        .iter()
        .map(|c| (c.id, c.input.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (first, "first"),
            (first + 2, "same id"),
            (first + 1, "later")
        ]
    );
    let run = back
        .runs
        .iter()
        .find(|r| r.version == d.runs[0].version)
        .unwrap();
    assert_eq!(run.cases[&(first + 1)].output, "for later");
}

#[test]
fn results_of_a_version_that_did_not_read_are_never_shown_under_a_new_prompt() {
    // Bug: an import whose versions could not be read kept the run of version 1; the first new
    // prompt became version 1 again and showed that old run as its own results.
    let mut d = rich_draft();
    assert!(d.run_of(1).is_some() && d.run_of(2).is_some());
    // Its results on a comparison model (the model grid) too.
    let on_other = d.run_of(1).unwrap().clone();
    d.put_run_on("custom|http://127.0.0.1:8092/openai/v1|gpt-4o", on_other);
    let mut v = record_of(&d);
    v["draft"]["versions"] = json!("not a list");
    let r = read_record(&v.to_string()).unwrap();
    let words: Vec<String> = r.draft.lost.iter().map(ToString::to_string).collect();
    assert!(
        words.contains(&"The versions could not be read and were left out.".to_owned()),
        "{words:?}"
    );
    assert!(
        words.contains(
            &"The run results of version 1 were left out: the version they ran could not be read."
                .to_owned()
        ),
        "{words:?}"
    );
    assert!(
        words.contains(
            // Named as the page names the model, not by its key (tryout 64).
            &"The run results of version 1 on comparison model \u{201c}OpenAI-compatible server gpt-4o at 127.0.0.1:8092\u{201d} were left out: the version they ran could not be read."
                .to_owned()
        ),
        "{words:?}"
    );
    let mut got = r.draft.draft;
    assert!(got.versions.is_empty() && got.runs.is_empty() && got.compared.is_empty());
    assert_eq!(got.suite.cases.len(), d.suite.cases.len(), "the cases stay");
    let n = got.commit(d.versions[0].spec.clone(), Origin::Pasted, 9.0);
    assert!(got.run_of(n).is_none(), "version {n} has no results yet");

    // One version lost of two: the other keeps its results.
    let mut v = record_of(&d);
    v["draft"]["versions"][0] = json!(7);
    let got = read_record(&v.to_string()).unwrap().draft.draft;
    assert_eq!(got.versions.len(), 1);
    assert_eq!(got.runs.len(), 1);
    assert_eq!(got.run_of(2), d.run_of(2));

    // A draft still holding a run (or a loop) of a version it has lost: a new version is
    // numbered past it.
    let mut orphan = Draft {
        runs: vec![d.runs[0].clone()],
        ..Draft::default()
    };
    let was = orphan.runs[0].version;
    let n = orphan.commit(d.versions[0].spec.clone(), Origin::Pasted, 9.0);
    assert!(n > was && orphan.run_of(n).is_none());
    let mut compared_only = Draft {
        compared: d.compared.clone(),
        ..Draft::default()
    };
    let n = compared_only.commit(d.versions[0].spec.clone(), Origin::Pasted, 9.0);
    assert!(n > 1 && compared_only.run_on(n, "openai:gpt-4o").is_none());
    let mut looped = Draft {
        optimizer: d.optimizer.clone(),
        ..Draft::default()
    };
    let from = looped.optimizer.as_ref().unwrap().from_version;
    assert!(looped.commit(d.versions[0].spec.clone(), Origin::Pasted, 9.0) > from);
}

// Tryout 65: a case deleted after its run, then a new case: the new one took the deleted one's
// id and showed its answer. Read back from storage, ids that results still name are not given.
#[test]
fn a_new_case_after_a_reload_never_takes_the_id_of_a_deleted_case_with_results() {
    let mut d = rich_draft();
    let last = *d.run_of(1).unwrap().cases.keys().max().unwrap();
    // The case with the highest result, and every case after it, deleted.
    let after: Vec<u32> = d
        .suite
        .cases
        .iter()
        .map(|c| c.id)
        .filter(|id| *id >= last)
        .collect();
    assert!(after.contains(&last), "{after:?}");
    for id in after {
        d.suite.remove(id).unwrap();
    }
    let r = read_record(&record_of(&d).to_string()).unwrap();
    let mut got = r.draft.draft;
    assert!(got.run_of(1).unwrap().cases.contains_key(&last));
    let new = got.suite.add(crate::domain::eval::TestCase::default());
    assert!(new > last, "{new} took the id of deleted case {last}");
    // A case the loop holds out (no result yet) keeps its id too once deleted.
    let mut d = rich_draft();
    let o = d.optimizer.as_mut().expect("a loop");
    let top = d.suite.next_id() + 40;
    o.held_out.push(top);
    let r = read_record(&record_of(&d).to_string()).unwrap();
    let mut got = r.draft.draft;
    assert!(got.optimizer.is_some(), "{:?}", r.draft.lost);
    let new = got.suite.add(crate::domain::eval::TestCase::default());
    assert!(
        new > top,
        "{new} could join the loop as its held-out case {top}"
    );
}
