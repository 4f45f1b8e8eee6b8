//! Tests for drafts kept in parts: a split draft reads back as the whole record does; a changed
//! result changes one block and nothing else; a missing or damaged part is left out and named
//! while the rest opens; a record of the first layout still reads; and no garbled part panics.
use std::collections::HashMap;

use serde_json::{Value, json};

use super::parts::{BLOCK, PARTS, Split, head_json, read_head, read_stored, split};
use super::tests::sample_draft;
use super::*;
use crate::domain::eval::grid::ModelRun;
use crate::domain::optimize::sample_loop;

/// A draft with 120 cases, results for all of them on version 2 and on a comparison model,
/// two versions, checks for every case and an optimizer.
fn big_draft() -> Draft {
    let mut d = sample_draft();
    let template = d.runs[0].cases.values().next().cloned().expect("a result");
    for i in 0..119 {
        d.suite.add(TestCase {
            input: format!("case {i}: where is order {i}?"),
            ..Default::default()
        });
    }
    let mut run = d.runs[0].clone();
    for c in &d.suite.cases {
        let mut r = template.clone();
        r.output = format!("answer to {}", c.id);
        run.cases.insert(c.id, r);
    }
    d.put_run(run.clone());
    d.compared.push(ModelRun {
        key: "custom|http://127.0.0.1:8092/v1|gpt-4o".into(),
        run,
    });
    d.optimizer = Some(sample_loop().1);
    d
}

/// The stored texts of `d` as `net::store` writes them: the head and each part by key.
fn stored(d: &Draft) -> (String, HashMap<String, String>) {
    let Split { head, parts } = split(&DraftV1::from_draft(d, Include::ALL));
    let keys: Vec<&str> = parts.iter().map(|(k, _)| k.as_str()).collect();
    let text = head_json("d1", 4, 7.0, &head, &keys);
    let parts = parts
        .iter()
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect();
    (text, parts)
}

/// The parts as the store hands them over: a list of (key, text), in any order.
fn listed(parts: &HashMap<String, String>) -> Vec<(String, String)> {
    parts.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn whole(d: &Draft) -> Draft {
    let v = json!({"id": "d1", "rev": 4, "updated_ms": 7.0, "draft": DraftV1::from_draft(d, Include::ALL)});
    read_record(&v.to_string()).expect("reads").draft.draft
}

#[test]
fn a_draft_in_parts_reads_back_as_the_whole_record_does() {
    let d = big_draft();
    let (head, parts) = stored(&d);
    let r = read_stored(&head, &listed(&parts)).expect("reads");
    assert_eq!(r.draft.lost, vec![]);
    assert_eq!((r.id.as_deref(), r.rev, r.updated_ms), (Some("d1"), 4, 7.0));
    assert_eq!(r.draft.draft, whole(&d));
    assert_eq!(r.draft.draft.suite.cases.len(), 120);
    assert_eq!(r.draft.draft.runs[0].cases.len(), 120);
    // The layout: the lists in blocks of 50, each run a part with its results in blocks.
    let mut keys: Vec<&str> = parts.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "cases/0",
            "cases/1",
            "cases/2",
            "checks/0",
            "compared/0",
            "compared/0/cases/0",
            "compared/0/cases/1",
            "compared/0/cases/2",
            "optimizer",
            "runs/0",
            "runs/0/cases/0",
            "runs/0/cases/1",
            "runs/0/cases/2",
            "versions/0",
        ]
    );
    // The head holds none of the lists.
    let h: Value = serde_json::from_str(&head).unwrap();
    for field in [
        "versions",
        "cases",
        "checks",
        "runs",
        "compared",
        "optimizer",
    ] {
        assert!(h["draft"].get(field).is_none(), "{field} in the head");
    }
    assert!(
        head.len() < 1_000,
        "the head is small: {} bytes",
        head.len()
    );
    assert_eq!(
        read_head(&head).unwrap(),
        (
            4,
            Some(
                h[PARTS]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|k| k.as_str().unwrap().to_owned())
                    .collect()
            )
        )
    );
}

#[test]
fn one_changed_result_changes_one_block_and_nothing_else() {
    let d = big_draft();
    let before = split(&DraftV1::from_draft(&d, Include::ALL));
    let mut after = d.clone();
    let id = after.suite.cases[BLOCK + 3].id;
    after.runs[0].cases.get_mut(&id).unwrap().output = "a new answer".into();
    let after = split(&DraftV1::from_draft(&after, Include::ALL));
    assert_eq!(before.head, after.head);
    let changed: Vec<&str> = after
        .parts
        .iter()
        .filter(|(k, v)| {
            before
                .parts
                .iter()
                .find(|(bk, _)| bk == k)
                .map(|(_, bv)| bv)
                != Some(v)
        })
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(changed, ["runs/0/cases/1"]);
    // A typed name changes the head alone.
    let mut renamed = d.clone();
    renamed.name = "Orders".into();
    let renamed = split(&DraftV1::from_draft(&renamed, Include::ALL));
    assert_ne!(before.head, renamed.head);
    assert_eq!(before.parts, renamed.parts);
}

#[test]
fn a_missing_or_damaged_part_is_left_out_and_named() {
    let d = big_draft();
    let (head, parts) = stored(&d);
    let read = |gone: &str, with: Option<&str>| {
        let mut p = parts.clone();
        match with {
            Some(t) => p.insert(gone.to_owned(), t.to_owned()),
            None => p.remove(gone),
        };
        read_stored(&head, &listed(&p)).expect("the rest reads")
    };
    let r = read("cases/1", None);
    assert_eq!(
        r.draft.lost[0].to_string(),
        "Up to 50 test cases (places 51 to 100) could not be read from the draft as it was stored and were left out."
    );
    assert_eq!(r.draft.draft.suite.cases.len(), 70);
    let r = read("runs/0/cases/2", Some("[{\"id\": 1, \"status\""));
    assert_eq!(
        r.draft.lost[0].to_string(),
        "Up to 50 results (places 101 to 150) of the run of version 2 could not be read from the draft as it was stored and were left out."
    );
    assert_eq!(r.draft.draft.runs[0].cases.len(), 100);
    assert_eq!(r.draft.draft.compared[0].run.cases.len(), 120);
    let r = read("runs/0", Some("7"));
    assert_eq!(
        r.draft.lost,
        vec![Lost::Run {
            version: None,
            at: 1
        }]
    );
    assert!(r.draft.draft.runs.is_empty());
    assert_eq!(r.draft.draft.suite.cases.len(), 120);
    // Valid JSON that holds fewer items than its block did (tryout 73: `[]` said nothing).
    let r = read("runs/0/cases/1", Some("[]"));
    assert_eq!(
        r.draft.lost[0].to_string(),
        "Some results (places 51 to 100) of the run in place 1 of the list could not be read from the draft as it was stored and were left out."
    );
    assert_eq!(r.draft.draft.runs[0].cases.len(), 70);
    let r = read(
        "cases/0",
        Some(&json!([{"id": 1, "input": "one left"}]).to_string()),
    );
    assert_eq!(
        r.draft.lost[0].to_string(),
        "Some test cases (places 1 to 50) could not be read from the draft as it was stored and were left out."
    );
    // The last block holds what is left: never named.
    assert_eq!(read("cases/2", None).draft.lost.len(), 1);
    let r = read("optimizer", None);
    assert!(matches!(r.draft.lost[..], [Lost::Optimizer(_)]));
    assert!(r.draft.draft.optimizer.is_none());
    // A part the head does not list is not read (left by a save that did not finish).
    let mut p = parts.clone();
    p.insert(
        "cases/9".into(),
        json!([{"id": 999, "input": "orphan"}]).to_string(),
    );
    let r = read_stored(&head, &listed(&p)).unwrap();
    assert_eq!(r.draft.draft, whole(&d));
    // Every part missing: the head's idea and name are still there.
    let r = read_stored(&head, &[]).unwrap();
    assert_eq!(r.draft.draft.idea.idea, "summarise support emails");
    assert!(r.draft.lost.len() >= 10);
}

/// Tryout 95: one block of results replaced with `[{"id":"fifty-one","status":"exploded",
/// "output":17}]` left out the whole run ("The run results of version 1 could not be read"):
/// all 165 rows read "not run". Each result reads on its own: the other results open, the
/// damaged one and the short block are named. A result whose status is none this app writes
/// ("exploded") is named and left out, not shown as cancelled.
#[test]
fn one_damaged_result_leaves_the_rest_of_its_run() {
    let d = big_draft();
    let (head, parts) = stored(&d);
    let mut p = parts.clone();
    p.insert(
        "runs/0/cases/1".into(),
        json!([{"id": "fifty-one", "status": "exploded", "output": 17}]).to_string(),
    );
    let r = read_stored(&head, &listed(&p)).expect("the rest reads");
    let words: Vec<String> = r.draft.lost.iter().map(ToString::to_string).collect();
    assert_eq!(
        words,
        [
            "Some results (places 51 to 100) of the run in place 1 of the list could not be read from the draft as it was stored and were left out.",
            "The result of the case in place 51 of the run (version 2) could not be read and was left out.",
        ]
    );
    assert_eq!(r.draft.draft.runs[0].cases.len(), 70);
    let want = whole(&d);
    for (id, result) in &r.draft.draft.runs[0].cases {
        assert_eq!(Some(result), want.runs[0].cases.get(id), "case #{id}");
    }
    // A status this app does not write, in a block that is whole otherwise; and one on the
    // comparison model, named with it.
    let mut block: Value = serde_json::from_str(&parts["runs/0/cases/1"]).unwrap();
    let id = block[0]["id"].as_u64().unwrap();
    block[0]["status"] = json!("exploded");
    let mut compared: Value = serde_json::from_str(&parts["compared/0/cases/0"]).unwrap();
    compared[2]["status"] = json!(7);
    let mut p = parts.clone();
    p.insert("runs/0/cases/1".into(), block.to_string());
    p.insert("compared/0/cases/0".into(), compared.to_string());
    let r = read_stored(&head, &listed(&p)).expect("the rest reads");
    let words: Vec<String> = r.draft.lost.iter().map(ToString::to_string).collect();
    assert_eq!(
        words,
        [
            format!("The result of case #{id} (version 2) could not be read and was left out."),
            format!(
                "The result of case #{} (version 2 on comparison model \u{201c}OpenAI-compatible server gpt-4o at 127.0.0.1:8092\u{201d}) could not be read and was left out.",
                compared[2]["id"]
            ),
        ]
    );
    let id = u32::try_from(id).unwrap();
    assert!(!r.draft.draft.runs[0].cases.contains_key(&id));
    assert_eq!(r.draft.draft.runs[0].cases.len(), 119);
    assert_eq!(r.draft.draft.compared[0].run.cases.len(), 119);
}

#[test]
fn a_record_of_the_first_layout_reads_as_it_is() {
    let d = big_draft();
    let v = json!({"id": "d1", "rev": 2, "updated_ms": 1.0, "draft": DraftV1::from_draft(&d, Include::ALL)});
    let text = v.to_string();
    assert_eq!(read_head(&text).unwrap(), (2, None));
    let r = read_stored(&text, &[]).unwrap();
    assert_eq!(r.draft.draft, whole(&d));
    assert!(read_head("{ not json").is_err());
    assert!(read_stored("[1]", &[]).is_err());
}

#[test]
fn garbled_parts_never_panic_and_the_rest_reads() {
    let d = big_draft();
    let (head, parts) = stored(&d);
    let garbage = [
        "",
        "null",
        "{}",
        "[]",
        "[null, 1, \"x\"]",
        "{\"version\": \"two\"}",
        "1e999",
        "[[[[[[",
        "\"text\"",
    ];
    let mut n = 0;
    for key in parts.keys() {
        for g in garbage {
            let mut p = parts.clone();
            p.insert(key.clone(), g.to_owned());
            let r = read_stored(&head, &listed(&p)).expect("the head reads");
            assert_eq!(r.draft.draft.idea.idea, "summarise support emails");
            n += 1;
        }
    }
    // Heads with a damaged parts list.
    for list in [
        json!(null),
        json!(7),
        json!([1, null, "runs/x", "runs/0/cases/-1", "../x"]),
    ] {
        let mut h: Value = serde_json::from_str(&head).unwrap();
        h[PARTS] = list;
        let r = read_stored(&h.to_string(), &listed(&parts));
        assert!(r.is_ok());
        n += 1;
    }
    assert!(n > 100);
}

// Tryout 73: a head whose list of parts was lost read as an empty draft, and its next save
// deleted every part.
#[test]
fn a_head_without_its_list_reads_the_parts_stored_for_it() {
    let d = big_draft();
    let (head, parts) = stored(&d);
    let mut h: Value = serde_json::from_str(&head).unwrap();
    h.as_object_mut().unwrap().remove(PARTS);
    let r = read_stored(&h.to_string(), &listed(&parts)).expect("reads");
    assert_eq!(r.draft.lost, vec![]);
    assert_eq!(r.draft.draft, whole(&d));
    // The results in order: block 10 after block 2 (keys compared by their numbers).
    let mut many = big_draft();
    let template = many.runs[0].cases.values().next().cloned().unwrap();
    for i in 0..500 {
        let id = many.suite.add(TestCase {
            input: format!("more {i}"),
            ..Default::default()
        });
        many.runs[0].cases.insert(id, template.clone());
    }
    let (head, parts) = stored(&many);
    assert!(parts.contains_key("runs/0/cases/12"));
    let mut h: Value = serde_json::from_str(&head).unwrap();
    h.as_object_mut().unwrap().remove(PARTS);
    let r = read_stored(&h.to_string(), &listed(&parts)).expect("reads");
    assert_eq!(r.draft.draft, whole(&many));
}

/// Tryout 96: the files offered as "as it was stored" (a record of the first layout, one in
/// parts, several copies in one file) were refused by Import ("not a Promptwright export"),
/// beside a message saying to download them to repair them. Import reads them as the browser
/// does: what reads opens, what does not is named.
#[test]
fn drafts_as_stored_import_as_the_browser_reads_them() {
    let d = big_draft();
    // One in parts, with a damaged result.
    let (head, mut parts) = stored(&d);
    parts.insert(
        "runs/0/cases/1".into(),
        json!([{"id": "fifty-one", "status": "exploded"}]).to_string(),
    );
    let in_parts = json!({"record": head, "parts": parts}).to_string();
    let im = parse_import(&in_parts).expect("the draft in parts imports");
    assert_eq!(im.drafts.len(), 1);
    assert_eq!(im.drafts[0].draft.suite.cases.len(), 120);
    assert_eq!(im.drafts[0].draft.runs[0].cases.len(), 70);
    assert!(
        im.drafts[0].lost.iter().any(|l| l
            .to_string()
            .starts_with("The result of the case in place 51")),
        "{:?}",
        im.drafts[0].lost
    );
    // A record of the first layout.
    let first = json!({"id": "d1", "rev": 2, "updated_ms": 5.0, "draft": DraftV1::from_draft(&d, Include::ALL)})
        .to_string();
    let im = parse_import(&first).expect("the record imports");
    assert_eq!(im.drafts[0].draft.runs[0].cases.len(), 120);
    // Several copies in one file.
    let both = json!({"7": first, "as stored now": in_parts}).to_string();
    let im = parse_import(&both).expect("both copies import");
    assert_eq!(im.drafts.len(), 2);
    // A record with nothing usable is named, not imported.
    let junk = json!({"record": "{ not json", "parts": {}}).to_string();
    assert!(parse_import(&junk).is_err());
}

/// Tryout 115: a draft whose head record was cut to 60 characters, its parts whole, did not read
/// at all; its download as stored was refused by Import ("nothing in it could be read"), though
/// its prompt, cases and results were in it. Import puts it together from its parts, and says
/// the head was left out.
#[test]
fn a_download_whose_head_does_not_read_imports_from_its_parts() {
    let d = big_draft();
    let (head, parts) = stored(&d);
    let cut: String = head.chars().take(60).collect();
    let file = json!({"record": cut, "parts": parts}).to_string();
    let im = parse_import(&file).expect("the parts import");
    assert_eq!(im.drafts.len(), 1);
    let got = &im.drafts[0];
    assert_eq!(got.draft.suite.cases.len(), 120);
    assert_eq!(got.draft.versions.len(), d.versions.len());
    assert_eq!(got.draft.runs[0].cases.len(), 120);
    assert_eq!(
        got.lost[0].to_string(),
        "The draft's own record (its name, idea and settings) could not be read and was left out."
    );
    // Parts that do not read either: nothing to import, said as before.
    let none = json!({"record": cut, "parts": {"cases/0": "{ broken"}}).to_string();
    assert!(parse_import(&none).is_err());
}

/// Tryout 116: a download whose record reads but whose list of parts is not a list
/// (`"parts": "oops"`) imported as an empty draft with nothing said; one whose part texts were
/// pretty-printed into JSON by hand was refused as unreadable. The parts read all the same,
/// the list named as left out; JSON in a part's place reads as its text.
#[test]
fn a_download_with_a_damaged_list_or_parts_written_as_json_imports_what_reads() {
    let d = big_draft();
    let (head, parts) = stored(&d);
    let mut h: serde_json::Value = serde_json::from_str(&head).unwrap();
    h["parts"] = json!("oops");
    let file = json!({"record": h.to_string(), "parts": parts}).to_string();
    let im = parse_import(&file).expect("imports");
    assert_eq!(im.drafts[0].draft.suite.cases.len(), 120);
    assert_eq!(im.drafts[0].draft.runs[0].cases.len(), 120);
    assert_eq!(
        im.drafts[0].lost[0].to_string(),
        "The list of the draft's parts could not be read and was left out."
    );
    // Parts (and the record) written as JSON, not as text.
    let as_json: serde_json::Map<String, serde_json::Value> = parts
        .iter()
        .map(|(k, t)| (k.clone(), serde_json::from_str(t).unwrap()))
        .collect();
    let record: serde_json::Value = serde_json::from_str(&head).unwrap();
    let file = serde_json::to_string_pretty(&json!({"record": record, "parts": as_json})).unwrap();
    let im = parse_import(&file).expect("imports");
    assert_eq!(im.drafts[0].draft.suite.cases.len(), 120);
    assert!(im.drafts[0].lost.is_empty(), "{:?}", im.drafts[0].lost);
}
