//! The person's ratings: a thumbs-down is one failed check in the one scoring rule (runs,
//! Reflexion and the optimizer agree), the suite's switch turns that off, and ratings are kept
//! with the draft, in exports and in links, older records open and a damaged rating is named.
use crate::domain::sorted::SortedMap;

use super::rating::{Rating, Thumb};
use super::run::{CaseRun, Reflection, Run, Status};
use super::*;
use crate::domain::wire::{DraftV1, Include, Lost};

/// A suite of one case with one check ("Bob") and its id.
fn one_case() -> (Suite, u32) {
    let mut suite = Suite::default();
    let id = suite.add(TestCase {
        input: "Notes".into(),
        assertions: vec![Assertion::new(Check::ContainsAll(vec!["Bob".into()]))],
        ..Default::default()
    });
    (suite, id)
}

fn rated(thumb: Thumb, note: &str) -> Observed {
    Observed {
        rating: Some(Rating::new(thumb, note)),
        ..Observed::default()
    }
}

fn score(suite: &Suite, id: u32, output: &str, observed: &Observed) -> CaseScore {
    let case = suite.case(id).unwrap();
    score_case(suite, case, output, observed, None, &SortedMap::new())
}

#[test]
fn a_thumbs_down_counts_as_one_failed_check_with_its_note_as_the_reason() {
    let (mut suite, id) = one_case();
    assert!(suite.thumbs_down_fails, "on by default");
    let plain = score(&suite, id, "Bob sends the deck", &Observed::default());
    assert_eq!((plain.pass, plain.score), (true, Some(1.0)));
    let down = score(
        &suite,
        id,
        "Bob sends the deck",
        &rated(Thumb::Down, "  Too curt, no date.  "),
    );
    // One passed check and one failed (the rating): half, and the case fails.
    assert_eq!((down.pass, down.score), (false, Some(0.5)));
    assert_eq!(
        down.rated_down.as_deref(),
        Some("You rated this answer down: Too curt, no date.")
    );
    // The check's own verdict is unchanged.
    assert!(down.verdicts[0].passed());
    // Without a note the reason still says it.
    let bare = score(&suite, id, "Bob", &rated(Thumb::Down, ""));
    assert_eq!(
        bare.rated_down.as_deref(),
        Some("You rated this answer down.")
    );
    // A thumbs-up adds no check.
    let up = score(&suite, id, "Bob", &rated(Thumb::Up, "great"));
    assert_eq!((up.pass, up.score, up.rated_down), (true, Some(1.0), None));
    // The switch off: the thumbs-down is not counted.
    suite.thumbs_down_fails = false;
    let off = score(&suite, id, "Bob", &rated(Thumb::Down, "Too curt"));
    assert_eq!(
        (off.pass, off.score, off.rated_down),
        (true, Some(1.0), None)
    );
}

#[test]
fn a_thumbs_down_on_a_case_with_no_check_scores_it_zero() {
    let mut suite = Suite::default();
    let id = suite.add(TestCase {
        input: "Notes".into(),
        ..Default::default()
    });
    let none = score(&suite, id, "anything", &Observed::default());
    assert_eq!(none.score, None, "nothing to check");
    let down = score(&suite, id, "anything", &rated(Thumb::Down, "wrong"));
    assert_eq!((down.pass, down.score), (false, Some(0.0)));
    assert_eq!(down.counted(), Some(0.0));
    // A case threshold reads the score with the rating in it.
    let (mut suite, id) = one_case();
    suite.cases[0].threshold = Some(0.5);
    let down = score(&suite, id, "Bob", &rated(Thumb::Down, "meh"));
    assert!(down.pass, "0.5 reaches the threshold 0.5");
}

#[test]
fn runs_and_reflexion_finals_score_their_own_rating() {
    let (suite, id) = one_case();
    let mut cr = CaseRun {
        status: Status::Done,
        output: "Bob sends the deck".into(),
        rating: Some(Rating::new(Thumb::Down, "Missing the date")),
        reflection: Some(Reflection {
            final_output: "Bob sends the deck by Friday".into(),
            done: true,
            ..Default::default()
        }),
        ..Default::default()
    };
    let mut run = Run {
        version: 1,
        cases: [(id, cr.clone())].into(),
        ..Default::default()
    };
    let s = &run.scores(&suite, None)[&id];
    assert_eq!((s.pass, s.score), (false, Some(0.5)));
    assert_eq!(run.aggregate(&suite, None).passed, 0);
    // The final answer is a new output: unrated, it passes; rated down, it fails the same way.
    let case = suite.case(id).unwrap();
    let r = cr.reflection.as_mut().unwrap();
    let fin = score_case(
        &suite,
        case,
        &r.final_output,
        &r.final_observed(),
        None,
        &SortedMap::new(),
    );
    assert_eq!((fin.pass, fin.score), (true, Some(1.0)));
    r.rating = Some(Rating::new(Thumb::Down, "still no owner"));
    let fin = score_case(
        &suite,
        case,
        &r.final_output,
        &r.final_observed(),
        None,
        &SortedMap::new(),
    );
    assert_eq!(
        (fin.pass, fin.rated_down.as_deref()),
        (false, Some("You rated this answer down: still no owner"))
    );
    // Up on the run's result: passes again.
    cr.rating = Some(Rating::new(Thumb::Up, ""));
    run.cases.insert(id, cr);
    assert!(run.scores(&suite, None)[&id].pass);
}

/// A draft with one run of its current version whose result and Reflexion final are rated.
fn rated_draft() -> crate::domain::draft::Draft {
    // The reference draft with a prompt: a run belongs to a version (one of a version the draft
    // does not have is left out when read).
    let (_, mut d) = crate::domain::share::reference_drafts().remove(1);
    assert!(d.current_version().is_some());
    let (suite, id) = one_case();
    d.suite = suite;
    let run = Run {
        unsent: Vec::new(),
        stopped_by: String::new(),
        judge_stopped_by: String::new(),
        replaced: Vec::new(),
        version: d.current,
        model: "m".into(),
        started_ms: 5.0,
        cases: [(
            id,
            CaseRun {
                status: Status::Done,
                output: "Bob".into(),
                run_ms: 5.0,
                rating: Some(Rating::new(Thumb::Down, "No date for Bob")),
                reflection: Some(Reflection {
                    critique: "c".into(),
                    final_output: "Bob, Friday".into(),
                    done: true,
                    rating: Some(Rating::new(Thumb::Up, "")),
                    ..Default::default()
                }),
                ..Default::default()
            },
        )]
        .into(),
    };
    d.put_run(run);
    d
}

#[test]
fn ratings_and_the_switch_are_kept_exported_and_shared_with_results() {
    let mut d = rated_draft();
    d.suite.thumbs_down_fails = false;
    // Storage and exports (the part-by-part reader).
    let json = serde_json::to_string(&DraftV1::from_draft(&d, Include::ALL)).unwrap();
    assert!(json.contains("\"thumbs_down_fails\":false"), "{json}");
    assert!(json.contains("\"note\":\"No date for Bob\""), "{json}");
    let kept = crate::domain::wire::read_draft(serde_json::from_str(&json).unwrap()).unwrap();
    assert!(kept.lost.is_empty(), "{:?}", kept.lost);
    assert_eq!(kept.draft.runs, d.runs);
    assert!(!kept.draft.suite.thumbs_down_fails);
    // A link with the results carries them; the switch goes with the cases.
    let link = crate::domain::share::encode(&d, Include::ALL).unwrap();
    let back = crate::domain::share::decode_salvaged(&link).unwrap();
    // (As the sender's ratings: `a_links_ratings_stay_the_senders`.)
    let mut sent = d.clone();
    assert_eq!(sent.ratings_by_sender(), 2);
    sent.results_received();
    assert_eq!(back.draft.runs, sent.runs);
    assert!(!back.draft.suite.thumbs_down_fails);
    assert!(
        back.draft.suite.cut_off_fails,
        "the cut-off switch keeps its default"
    );
    // Without the results, no rating goes.
    let bare = Include {
        results: false,
        ..Include::ALL
    };
    let json = serde_json::to_string(&DraftV1::from_draft(&d, bare)).unwrap();
    assert!(!json.contains("rating"), "{json}");
    // The default is not written.
    d.suite.thumbs_down_fails = true;
    let json = serde_json::to_string(&DraftV1::from_draft(&d, Include::ALL)).unwrap();
    assert!(!json.contains("thumbs_down"), "{json}");
    let link = crate::domain::share::encode(&d, Include::ALL).unwrap();
    assert!(
        crate::domain::share::decode_salvaged(&link)
            .unwrap()
            .draft
            .suite
            .thumbs_down_fails
    );
}

#[test]
fn older_records_open_unrated_and_a_damaged_rating_is_named_and_left_out() {
    let old = serde_json::json!({"name": "d", "versions": [{"n": 1, "spec": {"persona": "p"}}], "current": 1,
        "cases": [{"id": 1, "input": "Notes"}],
        "runs": [{"version": 1, "at": 5.0, "cases": [{"id": 1, "status": "done", "output": "Bob"}]}]});
    let s = crate::domain::wire::read_draft(old).unwrap();
    assert!(s.lost.is_empty(), "{:?}", s.lost);
    assert!(s.draft.suite.thumbs_down_fails);
    assert_eq!(s.draft.runs[0].cases[&1].rating, None);
    let damaged = serde_json::json!({"name": "d", "versions": [{"n": 1, "spec": {"persona": "p"}}], "current": 1,
        "cases": [{"id": 1, "input": "Notes"}],
        "runs": [{"version": 1, "at": 5.0, "cases": [
            {"id": 1, "status": "done", "output": "Bob", "rating": {"thumb": "sideways"},
             "replaced_rating": {"output": "Bo", "rating": {"thumb": "down", "note": 3}},
             "reflection": {"critique": "c", "final_output": "f", "judgements": {}, "done": true, "rating": 7}}]}]});
    let s = crate::domain::wire::read_draft(damaged).unwrap();
    assert_eq!(
        s.lost,
        vec![
            Lost::Rating {
                version: 1,
                case: 1,
                final_answer: false
            },
            Lost::ReplacedRating {
                version: 1,
                case: 1
            },
            Lost::Rating {
                version: 1,
                case: 1,
                final_answer: true
            },
        ]
    );
    assert_eq!(
        s.lost[0].to_string(),
        "Your rating of the result of case #1 (version 1) could not be read and was left out."
    );
    assert_eq!(
        s.lost[1].to_string(),
        "Your rating of an earlier answer to case #1 (version 1), which a re-run replaced, could not be read and was left out."
    );
    assert_eq!(
        s.lost[2].to_string(),
        "Your rating of the Reflexion final answer of case #1 (version 1) could not be read and was left out."
    );
    // The result and its final are kept.
    let cr = &s.draft.runs[0].cases[&1];
    assert_eq!(cr.output, "Bob");
    assert_eq!(cr.reflection.as_ref().unwrap().final_output, "f");
    assert_eq!(cr.rating, None);
    assert_eq!(cr.replaced_rating, None);
}

#[test]
fn a_rating_belongs_to_an_output_that_exists() {
    let mut d = rated_draft();
    let v = d.current;
    let id = d.suite.cases[0].id;
    // Taken back, then given again, on the result and on its final.
    assert!(d.rate(v, id, false, None));
    assert_eq!(d.run_of(v).unwrap().cases[&id].rating, None);
    assert!(d.rate(v, id, true, Some(Rating::new(Thumb::Down, "worse"))));
    let fin = d.run_of(v).unwrap().cases[&id].reflection.clone().unwrap();
    assert_eq!(fin.rating, Some(Rating::new(Thumb::Down, "worse")));
    // No such output: nothing is kept.
    assert!(!d.rate(v, 999, false, Some(Rating::new(Thumb::Up, ""))));
    assert!(!d.rate(v + 7, id, false, Some(Rating::new(Thumb::Up, ""))));
    d.run_of_mut(v)
        .unwrap()
        .cases
        .get_mut(&id)
        .unwrap()
        .reflection = None;
    assert!(!d.rate(v, id, true, Some(Rating::new(Thumb::Up, ""))));
}

// Tryout 74: a note ending in "?" read "Why list salt?." in a shared result.
#[test]
fn the_senders_reason_ends_with_one_mark() {
    let reason = |note: &str| Rating::new(Thumb::Down, note).sender_reason();
    assert_eq!(
        reason("Why list salt?").as_deref(),
        Some("The sender rated this answer down: Why list salt?")
    );
    assert_eq!(
        reason("Leeks are not an aisle.").as_deref(),
        Some("The sender rated this answer down: Leeks are not an aisle.")
    );
    assert_eq!(
        reason("No aisle").as_deref(),
        Some("The sender rated this answer down: No aisle.")
    );
    assert_eq!(
        reason("").as_deref(),
        Some("The sender rated this answer down.")
    );
    assert_eq!(Rating::new(Thumb::Up, "good").sender_reason(), None);
}

// Tryout 101: a received draft saved as the person's own said "You rated this answer down" of
// the sender's thumbs-down. A link's ratings stay the sender's (kept so when stored), in the
// score's reason, the label and the judge's agreement; a thumb given here is the person's.
#[test]
fn a_links_ratings_stay_the_senders() {
    let mut d = rated_draft();
    let id = d.suite.cases[0].id;
    // (And the rated answer a re-run replaced: tryout 102 read "You rated the answer this one
    // replaced down" in the saved copy.)
    d.runs[0].cases.get_mut(&id).unwrap().replaced_rating =
        Some(crate::domain::eval::rating::RatedAnswer {
            output: "Bo".into(),
            rating: Rating::new(Thumb::Down, "Too short"),
        });
    let link = crate::domain::share::encode(&d, Include::ALL).unwrap();
    let got = crate::domain::share::decode_salvaged(&link).unwrap().draft;
    let r = got.runs[0].cases[&id].rating.clone().unwrap();
    assert!(r.by_sender);
    let replaced = got.runs[0].cases[&id].replaced_rating.clone().unwrap();
    assert!(replaced.rating.by_sender);
    assert_eq!(r.whose(), "The sender's rating");
    assert_eq!(
        r.down_reason().as_deref(),
        Some("The sender rated this answer down: No date for Bob.")
    );
    let observed = Observed {
        rating: Some(r.clone()),
        ..Observed::none().clone()
    };
    let s = score(&got.suite, id, "Bob", &observed);
    assert_eq!(
        s.rated_down.as_deref(),
        Some("The sender rated this answer down: No date for Bob.")
    );
    // Stored as the sender's, and read back so.
    let json = serde_json::to_string(&DraftV1::from_draft(&got, Include::ALL)).unwrap();
    assert!(json.contains("\"sender\":true"), "{json}");
    let kept = crate::domain::wire::read_draft(serde_json::from_str(&json).unwrap()).unwrap();
    assert_eq!(kept.draft.runs, got.runs);
    // The person's own rating, and one of a draft of their own, say "You".
    let own = Rating::new(Thumb::Down, "No date for Bob");
    assert_eq!(own.whose(), "Your rating");
    assert_eq!(
        own.down_reason().as_deref(),
        Some("You rated this answer down: No date for Bob")
    );
    assert!(!serde_json::to_string(&own).unwrap().contains("sender"));
}
