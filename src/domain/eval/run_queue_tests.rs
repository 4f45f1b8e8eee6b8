//! A run through its queue (`run_queue`) and its calls (`case_call`), as `state::runner` drives
//! them on two models: a failure every call to a model would meet stops that model's waiting
//! cases, a Cancel takes back the rest, a retry completes the run, and the run ends when its
//! last call is over.
use super::case_call::{self, Sent};
use super::run::{self, CaseRun, Status};
use super::run_queue::{self, Call, RunQueue};
use super::*;
use crate::domain::draft::{Draft, Origin};
use crate::domain::provider::{
    Completion, Failure, ProviderConfig, ProviderKind, Role, Usage, classify_http_error,
};
use crate::domain::spec::PromptSpec;

const RUN_MS: f64 = 1_000.0;

fn draft(n: usize) -> (Draft, Vec<u32>) {
    let mut d = Draft::default();
    d.commit(
        PromptSpec {
            persona: "You list action items.".into(),
            ..Default::default()
        },
        Origin::Pasted,
        1.0,
    );
    let ids = (0..n)
        .map(|i| {
            d.suite.add(TestCase {
                input: format!("Notes {i}: Ana sends item {i}."),
                ..Default::default()
            })
        })
        .collect();
    (d, ids)
}

fn answered(text: &str) -> Result<Completion, Failure> {
    Ok(Completion {
        text: text.into(),
        usage: Usage {
            input_tokens: 100,
            output_tokens: 10,
        },
        stop: Some(crate::domain::provider::StopReason::End),
        refusal: None,
        attempt_ms: 100.0,
        went_out_before: 0,
        cut_past_cap: false,
    })
}

fn refused_key() -> Result<Completion, Failure> {
    Err(Failure {
        error: classify_http_error(
            ProviderKind::OpenAi,
            "api.openai.com",
            401,
            r#"{"error":{"message":"Incorrect API key provided"}}"#,
            None,
        ),
        partial: String::new(),
    })
}

/// What the shell does when a call's turn comes: send it if it still waits, settle what came
/// back into its record, stop the model's waiting calls if every call to it would fail, and
/// report it over. Returns whether the run is over.
fn turn(
    q: &mut RunQueue,
    d: &mut Draft,
    call: &Call,
    cfg: &ProviderConfig,
    result: Result<Completion, Failure>,
) -> bool {
    if q.take(call) {
        let case = d.suite.case(call.1).unwrap().clone();
        let sent = Sent {
            cfg,
            read: 100,
            fingerprint: Some(run::fingerprint(&case)),
            run_ms: RUN_MS,
        };
        let out = case_call::settle(result, false, &sent, 100.0, Some(10.0));
        let stops = out.stops_sending().map(str::to_owned);
        out.apply(
            d.run_on_mut(1, &call.0)
                .unwrap()
                .cases
                .get_mut(&call.1)
                .unwrap(),
        );
        if let Some(why) = stops {
            q.stop_model(&mut d.runs_mut(), 1, &call.0, why);
        }
    }
    q.over(1)
}

#[test]
fn a_run_on_two_models_with_a_failure_a_cancel_and_a_retry() {
    let (mut d, ids) = draft(4);
    let exec = ProviderConfig::preset(ProviderKind::OpenAi, Role::Execution);
    let other = ProviderConfig::preset(ProviderKind::OpenAi, Role::Execution);
    let keys = vec![String::new(), "other".to_owned()];
    for key in &keys {
        run_queue::join(
            &mut d.runs_mut(),
            1,
            key,
            format!("model {key}"),
            RUN_MS,
            false,
        );
    }
    let mut q = RunQueue::default();
    let calls = q.enqueue(&mut d.runs_mut(), 1, RUN_MS, &keys, &ids);
    assert_eq!(calls.len(), 8, "4 cases on 2 models");
    assert_eq!(calls[0], (String::new(), ids[0]));
    assert_eq!(
        calls[4],
        ("other".to_owned(), ids[0]),
        "model by model, case order"
    );
    // Asked again while they wait: nothing is queued twice.
    assert!(
        q.enqueue(&mut d.runs_mut(), 1, RUN_MS, &keys, &ids)
            .is_empty()
    );
    assert!(
        d.run_on(1, "")
            .unwrap()
            .cases
            .values()
            .all(|c| c.status == Status::Queued)
    );

    // The execution model answers its first case.
    assert!(!turn(
        &mut q,
        &mut d,
        &calls[0],
        &exec,
        answered("- Ana: item 0")
    ));
    // The other model's key is refused: its three waiting cases are not sent, with why.
    assert!(!turn(&mut q, &mut d, &calls[4], &other, refused_key()));
    let o = d.run_on(1, "other").unwrap();
    assert_eq!(
        o.unsent,
        ids[1..].to_vec(),
        "the other model's waiting cases"
    );
    assert!(!o.stopped_by.is_empty());
    assert!(matches!(o.cases[&ids[0]].status, Status::Failed(_)));
    // Their turns pass unsent, each over.
    for call in &calls[5..] {
        assert!(!q.waits(call));
        assert!(!turn(&mut q, &mut d, call, &other, answered("never sent")));
    }
    assert!(
        d.run_on(1, "other").unwrap().cases.len() == 1,
        "nothing recorded for unsent cases"
    );

    // The second execution case is sent (taken from the queue) and still answering when the
    // person cancels: the two waiting ones are taken back and read cancelled.
    assert!(q.take(&calls[1]));
    let dropped = q.cancel(Some(&mut d.runs_mut()), 1);
    assert_eq!(dropped, vec![calls[2].clone(), calls[3].clone()]);
    let e = d.run_on(1, "").unwrap();
    assert_eq!(e.cases[&ids[2]].status, Status::Cancelled);
    assert_eq!(e.cases[&ids[3]].status, Status::Cancelled);
    assert!(!q.idle(), "the call under way is not over yet");
    // Their turns pass unsent and are not counted again; the call under way ends.
    assert!(!q.take(&calls[2]));
    assert!(q.over(1), "the run is over when its last call is");
    let p = d.run_on(1, "").unwrap().progress();
    assert_eq!((p.done, p.cancelled), (1, 2));

    // Retry of a cancelled case completes the same run (same start): it is queued again and
    // answered; the run's record keeps its start and the earlier answer of case 0.
    run_queue::join(&mut d.runs_mut(), 1, "", "model ".into(), RUN_MS, false);
    let again = q.enqueue(&mut d.runs_mut(), 1, RUN_MS, &[String::new()], &[ids[2]]);
    assert_eq!(again, vec![(String::new(), ids[2])]);
    assert!(turn(
        &mut q,
        &mut d,
        &again[0],
        &exec,
        answered("- Ana: item 2")
    ));
    let e = d.run_on(1, "").unwrap();
    assert_eq!(e.cases[&ids[2]].status, Status::Done);
    assert_eq!(e.cases[&ids[0]].output, "- Ana: item 0");
    assert!(e.is_latest(&e.cases[&ids[0]]) && e.is_latest(&e.cases[&ids[2]]));
}

// A case still answering is not queued again; a new run (another start) of a model's record
// begins with none unsent, a resumed one keeps them, and cases gone from the suite leave it.
#[test]
fn joining_a_run_keeps_what_a_resumed_run_needs() {
    let (mut d, ids) = draft(3);
    run_queue::join(&mut d.runs_mut(), 1, "", "m".into(), RUN_MS, false);
    let mut q = RunQueue::default();
    q.enqueue(&mut d.runs_mut(), 1, RUN_MS, &[String::new()], &ids);
    assert!(q.take(&(String::new(), ids[0])));
    d.run_on_mut(1, "")
        .unwrap()
        .cases
        .get_mut(&ids[0])
        .unwrap()
        .status = Status::Running;
    assert!(
        q.enqueue(&mut d.runs_mut(), 1, RUN_MS, &[String::new()], &ids[..1])
            .is_empty()
    );
    // The page goes away: the waiting cases are unsent, with no reason.
    d.run_on_mut(1, "").unwrap().mark_unsent();
    assert_eq!(d.run_on(1, "").unwrap().unsent, ids[1..].to_vec());
    // Resumed (same start): still unsent until queued again.
    run_queue::join(&mut d.runs_mut(), 1, "", "m".into(), RUN_MS, false);
    assert_eq!(d.run_on(1, "").unwrap().unsent, ids[1..].to_vec());
    // A case deleted meanwhile leaves the record; queuing the other (on the reloaded page's
    // queue) takes it out of unsent.
    d.suite.remove(ids[2]);
    run_queue::join(&mut d.runs_mut(), 1, "", "m".into(), RUN_MS, false);
    assert_eq!(d.run_on(1, "").unwrap().unsent, vec![ids[1]]);
    let mut q = RunQueue::default();
    assert_eq!(
        q.enqueue(&mut d.runs_mut(), 1, RUN_MS, &[String::new()], &[ids[1]])
            .len(),
        1
    );
    assert!(d.run_on(1, "").unwrap().unsent.is_empty());
    // A new run: nothing unsent is carried over, and the judge's stop reason goes unless kept.
    d.run_on_mut(1, "").unwrap().unsent = vec![ids[1]];
    // (How the runner records a judge that refused every call: each model's record says why.)
    d.runs_mut()
        .judge_stopped(1, &[String::new(), "other".into()], "the key was refused");
    run_queue::join(&mut d.runs_mut(), 1, "", "m".into(), 5_000.0, true);
    let r = d.run_on(1, "").unwrap();
    assert!(r.unsent.is_empty());
    assert_eq!(r.judge_stopped_by, "the key was refused");
    run_queue::join(&mut d.runs_mut(), 1, "", "m".into(), 6_000.0, false);
    assert!(d.run_on(1, "").unwrap().judge_stopped_by.is_empty());
}

/// The page goes away mid-run (a reload, a closed tab) and then stays after all (back from the
/// back-forward cache): the kept draft reads true at each step (tryout 12, minor 3; tryout 13,
/// M3), as `state::runner`'s leave and return hooks write it.
#[test]
fn a_run_the_page_leaves_reads_true_when_kept_and_when_the_page_comes_back() {
    let (mut d, ids) = draft(4);
    let v = d.current;
    let keys = vec![String::new()];
    run_queue::join(&mut d.runs_mut(), v, "", "m".into(), RUN_MS, false);
    let mut q = RunQueue::default();
    assert_eq!(
        q.enqueue(&mut d.runs_mut(), v, RUN_MS, &keys, &ids).len(),
        4
    );
    // Case 1 is answering, case 2 has its answer, cases 3 and 4 wait for a place.
    assert!(q.take(&(String::new(), ids[0])));
    assert!(q.take(&(String::new(), ids[1])));
    d.run_on_mut(v, "")
        .unwrap()
        .cases
        .get_mut(&ids[1])
        .unwrap()
        .status = Status::Done;
    let arrived = (String::new(), ids[0], "- **Ana**: send".to_owned(), None);
    run_queue::page_leaving(&mut d, v, &keys, vec![arrived]);
    let run = d.run_on(v, "").unwrap();
    assert_eq!(run.cases[&ids[0]].status, Status::Running);
    assert_eq!(run.cases[&ids[0]].output, "- **Ana**: send");
    assert_eq!(run.cases[&ids[1]].status, Status::Done);
    // Kept and read back by the next load: the answering case is stopped by the reload, not
    // cancelled by the person, and says that the provider may bill it (tryout 68: it read
    // "cancelled" with no such word).
    let json = serde_json::to_string(&crate::domain::wire::DraftV1::from_draft(
        &d,
        crate::domain::wire::Include::ALL,
    ))
    .unwrap();
    assert!(json.contains(r#""stopped":"reload""#), "{json}");
    let next_load = serde_json::from_str::<crate::domain::wire::DraftV1>(&json)
        .unwrap()
        .into_salvaged()
        .draft;
    let kept = &next_load.run_on(v, "").unwrap().cases[&ids[0]];
    assert_eq!(kept.status, Status::Cancelled);
    assert_eq!(kept.cut_by, Some(crate::domain::draft::Leaving::Reload));
    assert_eq!(
        kept.cut_note().as_deref(),
        Some(
            "Stopped when the page was reloaded or closed, while the model was answering: the provider may still bill the call. Retry asks again."
        )
    );
    let done = &next_load.run_on(v, "").unwrap().cases[&ids[1]];
    assert_eq!((done.cut_by, done.cut_note()), (None, None));
    // The score line ("1 of 1 case passed") says what became of the other three.
    assert_eq!(
        next_load
            .run_on(v, "")
            .unwrap()
            .failed_note(&next_load.suite),
        " · 3 cases have no answer: 1 stopped while answering, 2 not sent"
    );
    assert_eq!(
        run.unsent,
        vec![ids[2], ids[3]],
        "the waiting cases, as never sent"
    );

    // Back: case 3 still waits for its place (it is under way again); case 4's place came
    // while the page was leaving and it was not sent (it stays unsent, with no answer).
    let still = (String::new(), ids[2]);
    assert!(run_queue::page_returned(&mut d, |c| *c == still));
    let run = d.run_on(v, "").unwrap();
    assert_eq!(run.unsent, vec![ids[3]]);
    assert_eq!(run.cases[&ids[2]].status, Status::Queued);
    assert!(!run.cases.contains_key(&ids[3]));
    // Case 1's call was aborted as the page went away: it is marked running with no call.
    assert_eq!(
        run_queue::running_with_no_call(&d, v, &keys, |_, _| false),
        vec![(String::new(), ids[0])]
    );
    assert!(run_queue::running_with_no_call(&d, v, &keys, |_, id| id == ids[0]).is_empty());
    // Nothing queued: a return changes nothing.
    let (mut idle, _) = draft(1);
    assert!(!run_queue::page_returned(&mut idle, |_| true));
}

// Tryout 69: a re-run cut by a reload over an earlier answer read "cancelled" with no word of the
// bill. Kept and read back, the earlier answer is put back and says the re-run was stopped by
// the reload, while the model answered, and may be billed; the progress counts it as stopped.
#[test]
fn a_rerun_the_page_cuts_is_said_stopped_with_its_bill_after_the_next_load() {
    let (mut d, ids) = draft(1);
    let v = d.current;
    run_queue::join(&mut d.runs_mut(), v, "", "m".into(), 2.0 * RUN_MS, false);
    let earlier = CaseRun {
        status: Status::Done,
        output: "- **Ana**: send the deck".into(),
        run_ms: RUN_MS,
        ..CaseRun::default()
    };
    d.run_on_mut(v, "")
        .unwrap()
        .cases
        .insert(ids[0], CaseRun::queued(2.0 * RUN_MS, Some(earlier)));
    let arrived = (String::new(), ids[0], "- **Ana**: se".to_owned(), None);
    run_queue::page_leaving(&mut d, v, &[String::new()], vec![arrived]);
    let json = serde_json::to_string(&crate::domain::wire::DraftV1::from_draft(
        &d,
        crate::domain::wire::Include::ALL,
    ))
    .unwrap();
    let next_load = serde_json::from_str::<crate::domain::wire::DraftV1>(&json)
        .unwrap()
        .into_salvaged()
        .draft;
    let run = next_load.run_on(v, "").unwrap();
    let kept = &run.cases[&ids[0]];
    assert_eq!(
        kept.output, "- **Ana**: send the deck",
        "the earlier answer, put back"
    );
    assert_eq!(
        kept.rerun_stopped_note().as_deref(),
        Some(
            "This case's re-run was stopped when the page was reloaded or closed, while the model was answering: the provider may still bill that call."
        )
    );
    let p = run.progress_where(|_| true);
    assert_eq!((p.cancelled, p.stopped), (1, 1));
    // Cancel's put-back says Cancel, as before.
    let mut cancelled = CaseRun::queued(3.0 * RUN_MS, Some(kept.clone()));
    cancelled.cancel();
    assert!(
        cancelled
            .rerun_stopped_note()
            .is_some_and(|n| n.contains("(Cancel, leaving this draft")),
        "{cancelled:?}"
    );
}

// Issue #14: what a press of Run does is decided from the draft alone (`run_queue::plan_start`):
// refused with the page's reason, held for cases that would go out with a gap, or sent — in a
// new run, or joining the run of the same version under way.
#[test]
fn a_start_is_refused_held_new_or_joined_by_the_draft_alone() {
    use run_queue::Start;
    let none = |_: &[u32]| None;
    // No prompt yet, then no case.
    let reason = |s: Start| match s {
        Start::Refuse(why) => why,
        other => panic!("not refused: {other:?}"),
    };
    assert!(
        reason(run_queue::plan_start(
            &Draft::default(),
            vec![],
            true,
            none,
            None
        ))
        .starts_with("Generate or paste a prompt first")
    );
    let (empty, _) = draft(0);
    assert_eq!(
        reason(run_queue::plan_start(&empty, vec![], true, none, None)),
        "Add a test case first."
    );
    // A check that cannot be used, and an entry a run would ignore, refuse it too.
    let (mut d, ids) = draft(2);
    d.suite
        .global
        .push(Assertion::new(Check::Regex("[".into())));
    assert!(
        reason(run_queue::plan_start(&d, vec![], true, none, None))
            .starts_with("A check needs fixing before a run can start")
    );
    d.suite.global.clear();
    // Tryout 80: a case's check to fix held back a run of another case picked alone; it holds
    // back only a run that includes its case.
    d.suite.cases[1]
        .assertions
        .push(Assertion::new(Check::Regex("[".into())));
    assert!(matches!(
        run_queue::plan_start(&d, vec![ids[0]], true, none, None),
        run_queue::Start::Go { .. }
    ));
    assert!(
        reason(run_queue::plan_start(&d, vec![ids[1]], true, none, None))
            .starts_with("A check needs fixing before a run can start")
    );
    assert!(
        reason(run_queue::plan_start(&d, vec![], true, none, None))
            .starts_with("A check needs fixing before a run can start")
    );
    d.suite.cases[1].assertions.pop();
    let mut asked = Vec::new();
    let unused = |ids: &[u32]| {
        asked.extend_from_slice(ids);
        Some("An entry needs correcting or emptying".to_owned())
    };
    assert_eq!(
        reason(run_queue::plan_start(&d, vec![], true, unused, None)),
        "An entry needs correcting or emptying"
    );
    assert_eq!(
        asked, ids,
        "the entries of every case are read for an empty pick"
    );
    // Tryout 65: a picked case deleted since is not run; when none is left, nothing starts.
    assert_eq!(
        run_queue::plan_start(&d, vec![999, ids[0]], true, none, None),
        Start::Go {
            ids: vec![ids[0]],
            new_run: true
        }
    );
    assert_eq!(
        reason(run_queue::plan_start(&d, vec![999], true, none, None)),
        "The cases you picked are no longer in the draft."
    );
    // Tryout 91: a value the prompt does not use, in a case with an input, holds the run like
    // an empty variable (`run::case_gaps`); one a check for every case reads does not.
    d.suite.cases[0]
        .vars
        .push(("notes".into(), "Ana sends the deck.".into()));
    assert_eq!(
        run_queue::plan_start(&d, vec![], true, none, None),
        Start::Hold(ids.clone())
    );
    d.suite
        .global
        .push(Assertion::new(Check::ContainsAll(vec!["{{notes}}".into()])));
    assert!(matches!(
        run_queue::plan_start(&d, vec![], true, none, None),
        Start::Go { .. }
    ));
    d.suite.global.clear();
    d.suite.cases[0].vars.clear();
    // Sent: every case when none is picked; a new run unless this version's run goes on.
    assert_eq!(
        run_queue::plan_start(&d, vec![], true, none, None),
        Start::Go {
            ids: ids.clone(),
            new_run: true
        }
    );
    assert_eq!(
        run_queue::plan_start(&d, vec![ids[1]], true, none, Some(d.current)),
        Start::Go {
            ids: vec![ids[1]],
            new_run: false
        }
    );
    assert_eq!(
        run_queue::plan_start(&d, vec![ids[1]], true, none, Some(d.current + 7)),
        Start::Go {
            ids: vec![ids[1]],
            new_run: true
        }
    );
    // A prompt variable a case leaves empty: held for the person's word, unless they gave it.
    d.commit(
        PromptSpec {
            persona: "You list action items for {{team}}.".into(),
            ..Default::default()
        },
        Origin::Pasted,
        2.0,
    );
    d.suite.cases[0].vars = vec![("team".into(), "Sales".into())];
    assert_eq!(
        run_queue::plan_start(&d, vec![ids[0]], true, none, None),
        Start::Go {
            ids: vec![ids[0]],
            new_run: true
        }
    );
    assert_eq!(
        run_queue::plan_start(&d, vec![], true, none, None),
        Start::Hold(ids.clone())
    );
    assert_eq!(
        run_queue::plan_start(&d, vec![], false, none, None),
        Start::Go { ids, new_run: true }
    );
}

/// Result changes held to be written together (`run_queue::Held`, the runner's few writes a
/// second): written in the order held, only to the draft in memory; a peek sees them before
/// the write; the first change since a write is the one that asks for the next write.
#[test]
fn held_result_changes_are_written_together_to_their_own_draft_only() {
    use super::run_queue::{Held, Target};
    use std::rc::Rc;
    let (mut d, ids) = draft(2);
    run_queue::join(&mut d.runs_mut(), 1, "", "m".into(), RUN_MS, false);
    let mut q = RunQueue::default();
    q.enqueue(&mut d.runs_mut(), 1, RUN_MS, &[String::new()], &ids);
    let at = |draft_id: &str, id: u32| Target {
        draft_id: draft_id.into(),
        version: 1,
        key: String::new(),
        id,
    };
    let mut held = Held::default();
    assert!(held.push(at("a", ids[0]), Rc::new(|c| c.output.push_str("one"))));
    assert!(!held.push(at("a", ids[0]), Rc::new(|c| c.output.push_str(" two"))));
    assert!(!held.push(
        at("b", ids[1]),
        Rc::new(|c| c.output.push_str("other draft"))
    ));
    let base = d.run_of(1).unwrap().cases[&ids[0]].clone();
    assert_eq!(held.peek(&at("a", ids[0]), base.clone()).output, "one two");
    assert_eq!(held.peek(&at("a", ids[1]), base).output, "");
    // Nothing is written until the write.
    assert_eq!(d.run_of(1).unwrap().cases[&ids[0]].output, "");
    assert!(held.write(&mut d.runs_mut(), "a"));
    assert!(held.is_empty());
    let run = d.run_of(1).unwrap();
    assert_eq!(run.cases[&ids[0]].output, "one two");
    assert_eq!(run.cases[&ids[1]].output, "", "draft b is not in memory");
    assert!(!held.write(&mut d.runs_mut(), "a"), "nothing held");
    assert!(held.push(at("a", ids[1]), Rc::new(|c| c.output.push('x'))));
}

/// Why a run waits for check entries that could not be used, one or several, and a run's
/// label for its model (what a retry is matched by).
#[test]
fn a_run_waits_for_unused_entries_and_names_its_model() {
    assert_eq!(run_queue::unused_entries_note(&[]), None);
    assert_eq!(
        run_queue::unused_entries_note(&[(Some(3), "7x".into(), "Type a whole number.".into())])
            .unwrap(),
        "An entry needs correcting or emptying before a run can start (marked in red under Test cases): otherwise the run would use the old value. In case #3, \u{201c}7x\u{201d} is not used: Type a whole number."
    );
    let two = run_queue::unused_entries_note(&[
        (None, "-1".into(), "At least 0.".into()),
        (Some(2), "abc".into(), "Not a number.".into()),
    ])
    .unwrap();
    assert!(two.starts_with("2 entries need correcting or emptying"));
    assert!(two.contains("the old values. In a check for every case, \u{201c}-1\u{201d} is not used: At least 0. \u{b7} In case #2"));
    // A model at an address of its own: the execution model's run is labelled as its results
    // name their model, a comparison model's as the grid names it (with its host).
    let cfg = ProviderConfig {
        base_url: "http://gpu-box:8000/v1".into(),
        model: "qwen".into(),
        ..ProviderConfig::preset(ProviderKind::OpenAi, Role::Execution)
    };
    let exec = grid::Slot {
        key: String::new(),
        cfg: cfg.clone(),
    };
    assert_eq!(exec.run_label(), "OpenAI qwen");
    let other = grid::Slot {
        key: grid::model_key(&cfg),
        cfg: cfg.clone(),
    };
    assert_eq!(other.run_label(), "OpenAI qwen at gpu-box:8000");
}
