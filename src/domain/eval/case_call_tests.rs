//! A run's calls through the pure machine (`case_call`), as `state::runner` drives it: a run
//! with an answer, a failure and a cancel, then a retry; the page going away; re-judging.
use super::case_call::{self, Outcome, PAINT_MS, Sent, Stream};
use super::judge::Judgement;
use super::run::{self, CaseRun, ModelUsed, Run, Status};
use super::*;
use crate::domain::provider::{
    Completion, ErrorKind, Failure, ProviderConfig, ProviderError, ProviderKind, Role, Usage,
    classify_http_error,
};

const RUN_MS: f64 = 1_000.0;

fn model() -> ProviderConfig {
    let mut cfg = ProviderConfig::preset(ProviderKind::OpenAi, Role::Execution);
    // $0.15 / $0.60 per million tokens.
    cfg.model = "gpt-4o-mini".into();
    cfg
}

fn answer(text: &str, usage: (u32, u32), attempt_ms: f64) -> Result<Completion, Failure> {
    Ok(Completion {
        text: text.into(),
        usage: Usage {
            input_tokens: usage.0,
            output_tokens: usage.1,
        },
        stop: Some(crate::domain::provider::StopReason::End),
        refusal: None,
        attempt_ms,
        went_out_before: 0,
        cut_past_cap: false,
    })
}

fn failure(kind: ErrorKind, partial: &str) -> Result<Completion, Failure> {
    Err(Failure {
        error: ProviderError::new(kind, ProviderKind::OpenAi, "api.openai.com", None, ""),
        partial: partial.into(),
    })
}

fn server_error() -> Result<Completion, Failure> {
    Err(Failure {
        error: classify_http_error(
            ProviderKind::OpenAi,
            "api.openai.com",
            500,
            r#"{"error":{"message":"The server had an error"}}"#,
            None,
        ),
        partial: String::new(),
    })
}

/// A suite of three cases judged on one rubric, and their ids.
fn suite() -> (Suite, Vec<u32>) {
    let mut suite = Suite::default();
    let ids = [
        "Bob sends the deck.",
        "Ana books the room.",
        "Carol writes notes.",
    ]
    .into_iter()
    .map(|input| {
        suite.add(TestCase {
            input: input.into(),
            assertions: vec![Assertion::new(Check::Judge {
                rubric: "Names the owner.".into(),
                threshold: 7,
            })],
            ..Default::default()
        })
    })
    .collect();
    (suite, ids)
}

fn sent<'a>(cfg: &'a ProviderConfig, suite: &Suite, id: u32) -> Sent<'a> {
    Sent {
        cfg,
        read: 200,
        fingerprint: Some(run::fingerprint(suite.case(id).unwrap())),
        run_ms: RUN_MS,
    }
}

/// A run started at `RUN_MS` with `a`, `b` and `c` queued; `c` has an answer from an earlier
/// run (started at 500), returned beside the run.
fn three_queued(a: u32, b: u32, c: u32) -> (Run, CaseRun) {
    let earlier = earlier_answer("Carol writes the notes.");
    let mut run = run_of_one(a, RUN_MS);
    run.cases.insert(b, CaseRun::queued(RUN_MS, None));
    run.cases
        .insert(c, CaseRun::queued(RUN_MS, Some(earlier.clone())));
    (run, earlier)
}

/// An answer of an earlier run (500 ms), kept under a case queued again.
fn earlier_answer(output: &str) -> CaseRun {
    CaseRun {
        status: Status::Done,
        output: output.into(),
        run_ms: 500.0,
        ..CaseRun::default()
    }
}

#[test]
fn a_run_with_a_failure_a_cancel_and_a_retry() {
    let cfg = model();
    let (suite, ids) = suite();
    let (a, b, c) = (ids[0], ids[1], ids[2]);
    let (mut run, earlier) = three_queued(a, b, c);

    // Case a: streams, painted at most every PAINT_MS, and answers without reported usage.
    let mut s = Stream::new(2_000.0);
    assert_eq!(s.text(2_010.0, "- Bob: "), None, "too soon to paint");
    assert_eq!(s.first_text_ms(), Some(10.0));
    assert_eq!(
        s.text(2_000.0 + PAINT_MS, "send the deck"),
        Some("- Bob: send the deck".into())
    );
    // Nothing new to paint yet: the next paint is due PAINT_MS after the last.
    assert_eq!(s.text(2_100.0, ""), None);
    let out = case_call::settle(
        answer("- Bob: send the deck", (0, 0), 150.0),
        false,
        &sent(&cfg, &suite, a),
        150.0,
        s.first_text_ms(),
    );
    assert!(out.judge_next());
    out.apply(run.cases.get_mut(&a).unwrap());
    let ra = &run.cases[&a];
    assert_eq!(ra.status, Status::Done);
    assert!(ra.tokens_estimated, "no usage reported: estimated");
    assert_eq!(ra.input_tokens, 200, "the request's estimate");
    assert!(ra.output_tokens > 0);
    assert_eq!(ra.first_token_ms, Some(10.0));
    assert_eq!(ra.finish_reason.as_deref(), Some("stop"));
    assert_eq!(ra.exec_model, Some(ModelUsed::of(&cfg)));
    assert_eq!(ra.sent, Some(run::fingerprint(suite.case(a).unwrap())));
    let want_cost = (200.0 * 0.15 + f64::from(ra.output_tokens) * 0.60) / 1e6;
    assert!((ra.cost_usd.unwrap() - want_cost).abs() < 1e-12);
    // Its judge: a reply with usage counts as reported.
    let (verdict, tokens, estimated) = case_call::judged(
        answer(
            r#"{"reasoning":"Bob is named.","score":8}"#,
            (120, 30),
            90.0,
        ),
        false,
        300,
        "Names the owner.",
    )
    .unwrap();
    assert!(matches!(verdict, Judgement::Scored { score: 8, .. }));
    assert_eq!((tokens, estimated), ((120, 30), false));
    let judge_cfg = ProviderConfig::preset(ProviderKind::OpenAi, Role::Judge);
    run.cases.get_mut(&a).unwrap().judged(
        "Names the owner.".into(),
        verdict,
        (tokens, estimated),
        ModelUsed::of(&judge_cfg),
    );
    assert_eq!(run.cases[&a].judge_tokens, (120, 30));

    // Case b: the server fails before any text. Failed, named, nothing billed, not judged.
    let out = case_call::settle(server_error(), false, &sent(&cfg, &suite, b), 800.0, None);
    assert!(!out.judge_next());
    out.apply(run.cases.get_mut(&b).unwrap());
    let Status::Failed(why) = &run.cases[&b].status else {
        panic!("{:?}", run.cases[&b].status)
    };
    assert!(why.contains("500") || why.contains("server"), "{why}");
    assert_eq!(
        run.cases[&b].sent,
        Some(run::fingerprint(suite.case(b).unwrap()))
    );

    // Case c: cancelled while streaming over its earlier answer: the answer comes back, the
    // text that arrived is counted as likely billed beside it.
    let mut s = Stream::new(2_000.0);
    s.text(2_050.0, "Carol wri");
    let out = case_call::settle(
        failure(ErrorKind::Aborted, "Carol wri"),
        false,
        &sent(&cfg, &suite, c),
        300.0,
        s.first_text_ms(),
    );
    assert!(matches!(out, Outcome::Cancelled { .. }));
    out.apply(run.cases.get_mut(&c).unwrap());
    let rc = &run.cases[&c];
    assert_eq!((&rc.output, rc.run_ms), (&earlier.output, 500.0));
    assert_eq!(rc.rerun_cancelled, Some(RUN_MS));
    assert_eq!(rc.rerun_cancelled_spent.as_ref().unwrap().input_tokens, 200);

    let p = run.progress();
    assert_eq!(
        (p.total, p.done, p.failed, p.cancelled, p.cancelled_kept),
        (3, 1, 1, 1, 1)
    );

    // Retry of case b, in the same run: the first attempt gets a 429 and waits 500 ms; the
    // time to first text counts from the attempt that answered.
    run.queued_again(b);
    let before = run.cases.remove(&b);
    run.cases.insert(b, CaseRun::queued(RUN_MS, before));
    let mut s = Stream::new(3_000.0);
    s.retrying(3_100.0, 500);
    s.text(3_640.0, "- Ana: book the room");
    assert_eq!(s.first_text_ms(), Some(40.0));
    let out = case_call::settle(
        answer("- Ana: book the room", (180, 9), 90.0),
        false,
        &sent(&cfg, &suite, b),
        730.0,
        s.first_text_ms(),
    );
    out.apply(run.cases.get_mut(&b).unwrap());
    let rb = &run.cases[&b];
    assert_eq!(rb.status, Status::Done);
    assert_eq!(
        (rb.input_tokens, rb.output_tokens, rb.tokens_estimated),
        (180, 9, false)
    );
    assert_eq!((rb.ms, rb.first_token_ms), (90.0, Some(40.0)));
    let p = run.progress();
    assert_eq!(
        (p.total, p.done, p.failed, p.cancelled),
        (3, 2, 0, 1),
        "the retry's answer replaces the failure"
    );
    // The run's tokens: a's estimate and judge, b's reported, c's cancelled call's estimate.
    let ra = &run.cases[&a];
    assert_eq!(
        p.input_tokens,
        u64::from(ra.input_tokens) + 120 + 180 + 200,
        "{p:?}"
    );
}

#[test]
fn the_page_going_away_records_nothing_and_a_refusal_is_an_answer() {
    let cfg = model();
    let (suite, ids) = suite();
    let s = sent(&cfg, &suite, ids[0]);
    // Aborted as the page goes away: nothing recorded, however it ended.
    for end in [
        failure(ErrorKind::Aborted, "half"),
        failure(ErrorKind::Network, ""),
        server_error(),
    ] {
        assert_eq!(
            case_call::settle(end, true, &s, 10.0, None),
            Outcome::Unchanged
        );
    }
    assert_eq!(
        case_call::judged(failure(ErrorKind::Network, ""), true, 10, "r"),
        None
    );
    // A refusal is an answer of its own even then: estimated, billed, finished, not judged.
    let mut refused = failure(ErrorKind::Refused, "I can't");
    if let Err(f) = &mut refused {
        f.error.detail = "I can't help with that.".into();
    }
    let out = case_call::settle(refused, true, &s, 40.0, Some(5.0));
    assert!(!out.judge_next());
    let mut c = CaseRun::queued(RUN_MS, None);
    out.apply(&mut c);
    assert_eq!(c.status, Status::Done);
    assert_eq!(c.refusal.as_deref(), Some("I can't help with that."));
    assert_eq!(c.finish_reason.as_deref(), Some("content_filter"));
    assert_eq!(
        (c.output.as_str(), c.ms, c.first_token_ms),
        ("I can't", 40.0, None)
    );
    assert!(c.tokens_estimated && c.input_tokens == 200 && c.cost_usd.unwrap() > 0.0);
    // A judge reply that came in whole as the page went away is still recorded.
    assert!(
        case_call::judged(
            answer(r#"{"reasoning":"Fine answer.","score":7}"#, (0, 0), 5.0),
            true,
            10,
            "r"
        )
        .is_some()
    );
}

#[test]
fn a_stream_counts_its_first_text_and_an_end_says_what_it_cost() {
    let cfg = model();
    let (suite, ids) = suite();
    let s = sent(&cfg, &suite, ids[0]);
    // An empty chunk is not the first text.
    let mut st = Stream::new(0.0);
    st.text(30.0, "");
    assert_eq!(st.first_text_ms(), None);
    st.text(45.0, "Hi");
    assert_eq!(st.first_text_ms(), Some(45.0));
    // The time to first text is never more than the answering attempt's own time.
    let Outcome::Answered { first_token_ms, .. } =
        case_call::settle(answer("Hi", (3, 1), 30.0), false, &s, 90.0, Some(45.0))
    else {
        panic!("not an answer")
    };
    assert_eq!(first_token_ms, Some(30.0));

    // Cancelled with no earlier answer: the case reads cancelled, the text that arrived is
    // counted as an estimate.
    let mut c = CaseRun::queued(RUN_MS, None);
    case_call::settle(
        failure(ErrorKind::Aborted, "Half an answer"),
        false,
        &s,
        70.0,
        None,
    )
    .apply(&mut c);
    assert_eq!(c.status, Status::Cancelled);
    assert_eq!(c.output, "Half an answer");
    assert!(c.tokens_estimated && c.input_tokens == 200 && c.output_tokens > 0);

    // A failure over an earlier answer keeps the answer and names the failing run beside it,
    // with what its text likely cost.
    let earlier = CaseRun {
        status: Status::Done,
        output: "The earlier answer.".into(),
        run_ms: 500.0,
        ..CaseRun::default()
    };
    let mut c = CaseRun::queued(RUN_MS, Some(earlier));
    let mut cut = server_error();
    if let Err(f) = &mut cut {
        f.partial = "The new ans".into();
    }
    case_call::settle(cut, false, &s, 400.0, None).apply(&mut c);
    assert_eq!(
        (c.output.as_str(), c.run_ms),
        ("The earlier answer.", 500.0)
    );
    let f = c
        .rerun_failed
        .as_ref()
        .expect("the failure beside the answer");
    assert_eq!((f.run_ms, f.partial.as_str()), (RUN_MS, "The new ans"));
    assert_eq!(f.spent.as_ref().map(|s| s.input_tokens), Some(200));
}

#[test]
fn rejudging_asks_again_only_for_verdicts_that_did_not_read() {
    let (mut suite, ids) = suite();
    let id = ids[0];
    suite.global.push(Assertion::new(Check::Judge {
        rubric: "Is short.".into(),
        threshold: 7,
    }));
    let judge_cfg = ProviderConfig::preset(ProviderKind::OpenAi, Role::Judge);
    let mut c = CaseRun {
        status: Status::Done,
        output: "- Bob: send the deck".into(),
        run_ms: RUN_MS,
        ..CaseRun::default()
    };
    let case = suite.case(id).unwrap().clone();
    let rubrics = run::rubrics_to_judge(&suite, &case, &c, false);
    assert_eq!(rubrics.len(), 2, "{rubrics:?}");
    // The first judge call replies with a score in prose and no usage; the second fails.
    let (v, t, e) = case_call::judged(
        answer("The owner is named. Score: 6", (0, 0), 50.0),
        false,
        300,
        &rubrics[0],
    )
    .unwrap();
    assert!(matches!(v, Judgement::Scored { score: 6, .. }), "{v:?}");
    assert_eq!((t.0, e), (300, true), "no usage: the request's estimate");
    c.judged(rubrics[0].clone(), v, (t, e), ModelUsed::of(&judge_cfg));
    assert!(c.judge_estimated);
    let (v, t, e) = case_call::judged(server_error(), false, 300, &rubrics[1]).unwrap();
    let Judgement::Unreadable { error, .. } = &v else {
        panic!("{v:?}")
    };
    assert!(error.starts_with("The judge call failed: "), "{error}");
    assert_eq!(
        (t, e),
        ((0, 0), false),
        "a failed judge call counts no tokens"
    );
    c.judged(rubrics[1].clone(), v, (t, e), ModelUsed::of(&judge_cfg));
    let after_first = c.judge_tokens;

    // A run does not ask again; Re-judge asks only for the verdict that did not read, and a
    // cancelled re-judge records nothing.
    assert!(run::rubrics_to_judge(&suite, &case, &c, false).is_empty());
    let again = run::rubrics_to_judge(&suite, &case, &c, true);
    assert_eq!(again, vec![rubrics[1].clone()]);
    assert_eq!(
        case_call::judged(failure(ErrorKind::Aborted, ""), false, 300, &again[0]),
        None
    );
    for r in &again {
        let (v, t, e) = case_call::judged(
            answer(
                r#"{"reasoning":"Clear answer.","score":9}"#,
                (100, 20),
                40.0,
            ),
            false,
            300,
            r,
        )
        .unwrap();
        c.judged(r.clone(), v, (t, e), ModelUsed::of(&judge_cfg));
    }
    assert!(matches!(
        c.judgements[&rubrics[0]],
        Judgement::Scored { score: 6, .. }
    ));
    assert!(matches!(
        c.judgements[&rubrics[1]],
        Judgement::Scored { score: 9, .. }
    ));
    assert!(run::rubrics_to_judge(&suite, &case, &c, true).is_empty());
    assert_eq!(
        c.judge_tokens,
        (after_first.0 + 100, after_first.1 + 20),
        "re-judging adds its call's tokens"
    );
}

/// Tryout 17: a revoked key failed every case of a run one after another. The first failure
/// every call to the model would meet stops the run's sending to it: the cases still queued are
/// not sent, keep their earlier answer, read as not sent with the reason (kept through a save),
/// and are sent again when asked; a failure of the one call (a 500) stops nothing.
#[test]
fn a_failure_every_call_would_meet_stops_sending_to_the_model() {
    let cfg = model();
    let (suite, ids) = suite();
    let (a, b, c) = (ids[0], ids[1], ids[2]);
    let (mut run, earlier) = three_queued(a, b, c);

    // A 500 fails its case only.
    let out = case_call::settle(server_error(), false, &sent(&cfg, &suite, a), 80.0, None);
    assert_eq!(out.stops_sending(), None);
    // Every kind every call to the model would meet stops sending; passing ones do not.
    for (kind, stops) in [
        (ErrorKind::BadKey, true),
        (ErrorKind::NoKeySent, true),
        (ErrorKind::NoCredit, true),
        (ErrorKind::QuotaExhausted, true),
        (ErrorKind::UnknownModel, true),
        (ErrorKind::BlockedByPage, true),
        (ErrorKind::RateLimited, false),
        (ErrorKind::Server, false),
        (ErrorKind::TooLong, false),
        (ErrorKind::Truncated, false),
        (ErrorKind::Network, false),
    ] {
        let out = case_call::settle(
            failure(kind.clone(), ""),
            false,
            &sent(&cfg, &suite, a),
            1.0,
            None,
        );
        assert_eq!(out.stops_sending().is_some(), stops, "{kind:?}");
    }

    // Case a: a 401 (the provider's own body).
    let refused = Err(Failure {
        error: classify_http_error(
            ProviderKind::OpenAi,
            "api.openai.com",
            401,
            r#"{"error":{"message":"Incorrect API key provided","code":"invalid_api_key"}}"#,
            None,
        ),
        partial: String::new(),
    });
    let out = case_call::settle(refused, false, &sent(&cfg, &suite, a), 90.0, None);
    let why = out.stops_sending().map(str::to_owned);
    assert_eq!(why.as_deref(), Some("the key was not accepted (HTTP 401)"));
    out.apply(run.cases.get_mut(&a).unwrap());
    // b and c still wait in the runner's queue.
    run.stop_sending(why.unwrap(), &[b, c]);
    assert!(matches!(run.cases[&a].status, Status::Failed(_)));
    // The failed case names its model (its Retry says when the model chosen now is another).
    assert_eq!(run.cases[&a].exec_model, Some(ModelUsed::of(&cfg)));
    assert!(!run.cases.contains_key(&b), "b has no result again");
    assert_eq!(run.cases[&c], earlier, "c keeps its earlier answer");
    assert_eq!(run.unsent_ids(), vec![b, c]);
    let p = run.progress();
    assert_eq!((p.failed, p.unsent, p.total), (1, 2, 3));

    // Saved and read back (a reload): the cases and the reason are kept, and so is why the
    // judge was sent no more calls (the runner writes it; its cases say it after a reload).
    run.judge_stopped_by = "no credit is left (HTTP 402)".into();
    let back = Run::from(crate::domain::wire::RunV1::from(&run));
    assert_eq!(back.unsent_ids(), vec![b, c]);
    assert_eq!(back.stopped_by, "the key was not accepted (HTTP 401)");
    assert_eq!(back.judge_stopped_by, "no credit is left (HTTP 402)");

    // Retry of the failed case alone: the cases left unsent keep their reason (tryout 19, 7:
    // they read "the page went away").
    let mut again = back;
    again.queued_again(a);
    assert_eq!(again.stopped_by, "the key was not accepted (HTTP 401)");
    assert_eq!(again.unsent_ids(), vec![b, c]);
    // Send the cases not sent: queued again, the reason goes.
    for id in [b, c] {
        again.queued_again(id);
        let before = again.cases.remove(&id);
        again.cases.insert(id, CaseRun::queued(RUN_MS, before));
    }
    assert!(again.stopped_by.is_empty());
    assert!(again.unsent_ids().is_empty());
}

/// A cancelled call whose request had gone out, `partial` arrived.
fn stopped_out(partial: &str) -> Result<Completion, Failure> {
    let mut error = ProviderError::new(ErrorKind::Aborted, ProviderKind::OpenAi, "h", None, "");
    error.went_out = true;
    error.nothing_arrived = partial.is_empty();
    Err(Failure {
        error,
        partial: partial.into(),
    })
}

// Session 36 (a leftover of tryout 69): Cancel after a case's request went out and before any
// text arrived read "cancelled" with nothing counted, though the provider may bill the prompt.
// It is now counted as an estimate and said; a call stopped before it went out counts nothing.
#[test]
fn a_call_cancelled_after_its_request_went_out_counts_its_prompt_and_says_so() {
    let cfg = model();
    let (suite, ids) = suite();
    let a = ids[0];
    let mut c = CaseRun::queued(RUN_MS, None);
    let out = case_call::settle(stopped_out(""), false, &sent(&cfg, &suite, a), 900.0, None);
    out.apply(&mut c);
    assert_eq!(c.status, Status::Cancelled);
    assert_eq!(
        (c.input_tokens, c.output_tokens, c.tokens_estimated),
        (200, 0, true)
    );
    let note = c.cancelled_note().expect("a note on the possible bill");
    assert!(
        note.contains("before any answer arrived") && note.contains("may still bill its prompt"),
        "{note}"
    );
    let mut r = Run {
        started_ms: RUN_MS,
        ..Run::default()
    };
    r.cases.insert(a, c);
    assert_eq!(
        r.progress().input_tokens,
        200,
        "the prompt is in the run's tokens"
    );

    // Stopped before its request went out (waiting for a place, or for a retry): nothing.
    let mut c = CaseRun::queued(RUN_MS, None);
    case_call::settle(
        failure(ErrorKind::Aborted, ""),
        false,
        &sent(&cfg, &suite, a),
        900.0,
        None,
    )
    .apply(&mut c);
    assert_eq!((c.status.clone(), c.input_tokens), (Status::Cancelled, 0));
    assert_eq!(c.cancelled_note(), None);

    // With text: the call's note, not the prompt's.
    let mut c = CaseRun::queued(RUN_MS, None);
    case_call::settle(
        stopped_out("Bob sen"),
        false,
        &sent(&cfg, &suite, a),
        900.0,
        None,
    )
    .apply(&mut c);
    assert!(c.output_tokens > 0);
    assert!(
        c.cancelled_note()
            .unwrap()
            .contains("while the model was answering")
    );

    // A re-run cancelled after its request went out says the earlier answer's call may be billed.
    let earlier = CaseRun {
        status: Status::Done,
        output: "- Bob: send the deck".into(),
        run_ms: 500.0,
        ..CaseRun::default()
    };
    let mut c = CaseRun::queued(RUN_MS, Some(earlier));
    case_call::settle(stopped_out(""), false, &sent(&cfg, &suite, a), 900.0, None).apply(&mut c);
    assert_eq!(c.output, "- Bob: send the deck");
    assert!(
        c.rerun_stopped_note().unwrap().contains("may still bill"),
        "{:?}",
        c.rerun_stopped_note()
    );

    // The judge: a call stopped after it went out counts its prompt (no verdict); one stopped
    // before, or cut by the page going away, counts nothing.
    assert_eq!(
        case_call::judge_stopped_tokens(&stopped_out(""), false, 300),
        Some((300, 0))
    );
    assert_eq!(
        case_call::judge_stopped_tokens(&failure(ErrorKind::Aborted, ""), false, 300),
        None
    );
    assert_eq!(
        case_call::judge_stopped_tokens(&stopped_out(""), true, 300),
        None
    );
    assert_eq!(
        case_call::judge_stopped_tokens(&server_error(), false, 300),
        None,
        "a failed judge call is a verdict, not this"
    );
    let mut c = CaseRun::default();
    c.judge_spent((300, 0), ModelUsed::of(&cfg));
    assert_eq!((c.judge_tokens, c.judge_model.is_some()), ((300, 0), true));
}

/// A call that failed once its request had reached the provider, as `net::chat` reports it.
fn failed_after_sending(kind: ErrorKind, went_out_before: u32) -> Result<Completion, Failure> {
    let mut error = ProviderError::new(kind, ProviderKind::OpenAi, "api.openai.com", None, "");
    error.went_out = error.ended_after_sending();
    error.went_out_before = went_out_before;
    error.nothing_arrived = true;
    Err(Failure {
        error,
        partial: String::new(),
    })
}

// Session 37: a call that stalled at the provider (no byte for too long) failed with nothing
// counted, and the attempts a stall had made the page send again counted nothing either, though
// the provider may bill every prompt it received. Each is now counted, as an estimate, and said.
// Tryout 91: a stalled call on the built-in model read "The request had reached the provider,
// which may still bill its prompt" and the run "4 failed (3 may be billed) … estimated cost:
// free". A model on this computer bills nothing: its prompt is counted, no billing is said.
#[test]
fn a_model_on_this_computer_is_not_said_to_bill() {
    let cfg = ProviderConfig::preset(ProviderKind::LlamaCpp, Role::Execution);
    let (suite, ids) = suite();
    let a = ids[0];
    let mut c = CaseRun::queued(RUN_MS, None);
    case_call::settle(
        failed_after_sending(ErrorKind::Stalled { seconds: 30 }, 0),
        false,
        &sent(&cfg, &suite, a),
        900.0,
        None,
    )
    .apply(&mut c);
    assert!(
        matches!(&c.status, Status::Failed(m) if !m.contains("bill")),
        "{:?}",
        c.status
    );
    assert!(c.input_tokens > 0);
    let mut run = run_of_one(a, RUN_MS);
    run.cases.insert(a, c);
    let p = run.progress();
    assert_eq!((p.failed, p.failed_billed), (1, 0));
}

#[test]
fn calls_that_reached_the_provider_count_their_prompts_and_say_so() {
    let cfg = model();
    let (suite, ids) = suite();
    let a = ids[0];
    let read = sent(&cfg, &suite, a).read;
    assert!(read > 0);
    // Case `a`'s first run, ended by `result`.
    let settled = |result: Result<Completion, Failure>| {
        let mut c = CaseRun::queued(RUN_MS, None);
        case_call::settle(result, false, &sent(&cfg, &suite, a), 900.0, None).apply(&mut c);
        c
    };

    // Stalled, with nothing arrived: its prompt.
    let c = settled(failed_after_sending(ErrorKind::Stalled { seconds: 30 }, 0));
    assert!(matches!(&c.status, Status::Failed(m) if m.ends_with(case_call::BILLED_PROMPT)));
    assert_eq!((c.input_tokens, c.output_tokens), (read, 0));
    assert!(c.tokens_estimated);

    // The same for a stream cut or ended by an error before its first text.
    for kind in [ErrorKind::Truncated, ErrorKind::InStream] {
        let c = settled(failed_after_sending(kind.clone(), 0));
        assert_eq!(c.input_tokens, read, "{kind:?}");
    }

    // Answered at once with a status, or never reached: nothing, and not said.
    for kind in [ErrorKind::Server, ErrorKind::Network, ErrorKind::Malformed] {
        let c = settled(failed_after_sending(kind.clone(), 0));
        assert_eq!(c.input_tokens, 0, "{kind:?}");
        assert!(
            matches!(&c.status, Status::Failed(m) if !m.contains("may bill")),
            "{kind:?}"
        );
    }

    // Two attempts stalled and were sent again, then a 500 ended it: their two prompts.
    let c = settled(failed_after_sending(ErrorKind::Server, 2));
    assert_eq!(c.input_tokens, 2 * read);
    assert!(
        matches!(&c.status, Status::Failed(m) if m.contains("2 earlier attempts had reached the provider")),
        "{:?}",
        c.status
    );

    // An answer after one stalled attempt: what the provider reported, and that prompt.
    let mut done = answer("- Bob: send the deck", (100, 10), 300.0);
    if let Ok(d) = done.as_mut() {
        d.went_out_before = 1;
    }
    let c = settled(done.clone());
    assert_eq!((c.input_tokens, c.output_tokens), (100 + read, 10));
    assert!(c.tokens_estimated, "part of it is an estimate");

    // The judge's calls count the same way.
    let (_, tokens, estimated) = case_call::judged(done, false, 50, "Names the owner.").unwrap();
    assert_eq!((tokens, estimated), ((150, 10), true));
    let (_, tokens, estimated) = case_call::judged(
        failed_after_sending(ErrorKind::Stalled { seconds: 30 }, 1),
        false,
        50,
        "Names the owner.",
    )
    .unwrap();
    assert_eq!((tokens, estimated), ((100, 0), true));
}

// Tryout 78, 4: a stream cut after part of its answer arrived was counted and said nothing of
// the bill, while one cut before any text said it.
#[test]
fn a_stream_cut_after_some_text_says_the_call_may_be_billed() {
    let cfg = model();
    let (suite, ids) = suite();
    let mut error = ProviderError::new(
        ErrorKind::Truncated,
        ProviderKind::OpenAi,
        "api.openai.com",
        None,
        "",
    );
    error.went_out = error.ended_after_sending();
    let mut c = CaseRun::queued(RUN_MS, None);
    case_call::settle(
        Err(Failure {
            error,
            partial: "Hello from t".into(),
        }),
        false,
        &sent(&cfg, &suite, ids[0]),
        900.0,
        None,
    )
    .apply(&mut c);
    assert!(matches!(&c.status, Status::Failed(m) if m.ends_with(case_call::BILLED_CALL)));
    assert!(c.input_tokens > 0 && c.output_tokens > 0);
}

// Tryout 81: a judge call that failed said "press Retry" and "What arrived is kept" beside the
// row's Re-judge button, though a judge's part reply is never used. Its reason names Re-judge
// and says the part is not used.
#[test]
fn a_failed_judge_call_names_re_judge_and_keeps_no_part() {
    for (kind, partial) in [
        (ErrorKind::Truncated, "{\"reasoning\":\"Bob"),
        (ErrorKind::Server, ""),
        (ErrorKind::RateLimited, ""),
    ] {
        let (verdict, _, _) =
            case_call::judged(failure(kind.clone(), partial), false, 10, "r").expect("a verdict");
        let text = format!("{verdict:?}");
        assert!(
            !text.contains("press Retry") && !text.contains("Press Retry"),
            "{text}"
        );
        assert!(!text.contains("What arrived is kept"), "{text}");
        assert!(text.contains("Re-judge"), "{text}");
    }
}

/// A run started at `RUN_MS` (`started`) with case `a` queued.
fn run_of_one(a: u32, started: f64) -> Run {
    let mut run = Run {
        version: 1,
        started_ms: started,
        ..Run::default()
    };
    run.cases.insert(a, CaseRun::queued(started, None));
    run
}

/// Case `a`'s call in `run` ends with `reply` after `ms`; with `again`, it is first queued once
/// more in the same run (a Retry).
fn ends(run: &mut Run, a: u32, again: bool, reply: Result<Completion, Failure>, ms: f64) {
    let cfg = model();
    let (suite, _) = suite();
    if again {
        let before = run.cases.remove(&a);
        run.cases.insert(a, CaseRun::queued(run.started_ms, before));
    }
    case_call::settle(
        reply,
        false,
        &Sent {
            run_ms: run.started_ms,
            ..sent(&cfg, &suite, a)
        },
        ms,
        None,
    )
    .apply(run.cases.get_mut(&a).unwrap());
}

// Tryout 83: after a Retry that succeeded, a run's cost line no longer held the stalled
// attempt's estimate (the line priced only the answers that show). An attempt a Retry of the
// same run replaces stays counted in the run's cost and tokens; one of another run does not.
#[test]
fn an_attempt_a_retry_replaced_stays_in_the_runs_cost() {
    let a = suite().1[0];
    let mut run = run_of_one(a, RUN_MS);
    // The call stalls after part of an answer: its estimate is counted.
    let stall = failure(ErrorKind::Stalled { seconds: 30 }, "- Bob: sen");
    ends(&mut run, a, false, stall, 30_000.0);
    assert!(matches!(run.cases[&a].status, Status::Failed(_)));
    let stalled = run.progress();
    assert!(stalled.input_tokens >= 200, "{stalled:?}");
    assert_ne!(run.cost_line(), "nothing yet (no tokens counted)");
    // Retry, in the same run: it answers 1,000 tokens in ($0.00015).
    let reply = answer("- Bob: send the deck", (1_000, 0), 100.0);
    ends(&mut run, a, true, reply, 100.0);
    let p = run.progress();
    assert_eq!(p.input_tokens, 1_000 + stalled.input_tokens);
    assert_eq!(p.output_tokens, stalled.output_tokens);
    assert!(p.tokens_estimated, "part of it is an estimate");
    let cost: f64 = run.cost_line().trim_start_matches('$').parse().unwrap();
    assert!(cost > 0.00015, "{}", run.cost_line());
    // A new run of the case does not count the earlier run's attempts.
    let mut next = run_of_one(a, RUN_MS + 1.0);
    next.cases
        .insert(a, CaseRun::queued(RUN_MS + 1.0, run.cases.remove(&a)));
    let reply = answer("- Bob: send the deck", (1_000_000, 0), 100.0);
    ends(&mut next, a, false, reply, 100.0);
    assert_eq!(next.progress().input_tokens, 1_000_000);
    assert_eq!(next.cost_line(), "$0.15");
}

// The same for a call that stalled before any text (its prompt may be billed): a Retry drops
// the failure (nothing of it to keep), not its estimate.
#[test]
fn a_prompt_that_stalled_stays_in_the_runs_tokens_after_a_retry() {
    let a = suite().1[0];
    let mut run = run_of_one(a, RUN_MS);
    ends(&mut run, a, false, stalled_after_sending(), 30_000.0);
    let stalled = run.progress().input_tokens;
    assert!(stalled > 0, "its prompt is counted");
    for _ in 0..2 {
        ends(&mut run, a, true, stalled_after_sending(), 30_000.0);
    }
    assert_eq!(
        run.progress().input_tokens,
        3 * stalled,
        "three prompts went out"
    );
    let reply = answer("- Bob: send the deck", (1_000, 5), 100.0);
    ends(&mut run, a, true, reply, 100.0);
    assert_eq!(run.progress().input_tokens, 3 * stalled + 1_000);
}

/// A stall of a request that reached the provider, before any text.
fn stalled_after_sending() -> Result<Completion, Failure> {
    let mut error = ProviderError::new(
        ErrorKind::Stalled { seconds: 30 },
        ProviderKind::OpenAi,
        "api.openai.com",
        None,
        "",
    );
    error.went_out = true;
    Err(Failure {
        error,
        partial: String::new(),
    })
}

// Review of session 41: a re-run over an earlier run's answer that stalled after some text
// (its estimate beside the kept answer) lost that estimate when a Retry failed again; and a
// Retry taken back before it was sent (a key refused for another case) took the stalled
// prompt's estimate with it. Each stays counted in its run.
#[test]
fn estimates_stay_through_a_second_failure_and_a_retry_not_sent() {
    let a = suite().1[0];
    let mut run = run_of_one(a, RUN_MS);
    run.cases.insert(
        a,
        CaseRun::queued(RUN_MS, Some(earlier_answer("- Bob: send the deck"))),
    );
    let stall = || failure(ErrorKind::Stalled { seconds: 30 }, "- Bob: sen");
    ends(&mut run, a, false, stall(), 30_000.0);
    assert!(run.cases[&a].rerun_failed_in(RUN_MS));
    let once = run.progress().input_tokens;
    assert!(once > 0);
    ends(&mut run, a, true, stall(), 30_000.0);
    assert_eq!(run.progress().input_tokens, 2 * once, "both failed re-runs");
    // While a third is under way, both are still counted.
    let before = run.cases.remove(&a);
    run.cases.insert(a, CaseRun::queued(RUN_MS, before));
    assert_eq!(run.progress().input_tokens, 2 * once, "while it waits");
    // Taken back before it was sent: still counted.
    run.not_sent(a);
    assert_eq!(
        run.progress().input_tokens,
        2 * once,
        "after it was taken back"
    );

    // A stalled prompt (no text) whose Retry is taken back before it is sent.
    let mut run = run_of_one(a, RUN_MS);
    ends(&mut run, a, false, stalled_after_sending(), 30_000.0);
    let stalled = run.progress().input_tokens;
    let before = run.cases.remove(&a);
    run.cases.insert(a, CaseRun::queued(RUN_MS, before));
    run.stop_sending("the key was not accepted".into(), &[a]);
    assert_eq!(run.progress().input_tokens, stalled);
    assert!(run.cost_line().starts_with('$'), "{}", run.cost_line());
}

// Session 41's review: an answer with the provider's usage that a Retry of the same run
// replaced (a refusal retried) made the run's totals read "about", though every count was the
// provider's. A replaced attempt keeps how it was counted while it showed.
#[test]
fn a_replaced_answer_with_reported_usage_keeps_the_totals_exact() {
    let a = suite().1[0];
    // A refusal with `usage` reported, then a Retry of the same run that answers with usage.
    let retried = |usage: (u32, u32)| {
        let mut run = run_of_one(a, RUN_MS);
        let refusal = answer("I can't help with that.", usage, 50.0);
        ends(&mut run, a, false, refusal, 50.0);
        let before = run.progress();
        let reply = answer("- Bob: send the deck", (300, 8), 50.0);
        ends(&mut run, a, true, reply, 50.0);
        (before, run.progress())
    };
    let (before, p) = retried((300, 6));
    assert!(!before.tokens_estimated);
    assert_eq!((p.input_tokens, p.output_tokens), (600, 14), "{p:?}");
    assert!(!p.tokens_estimated, "both answers came with usage: {p:?}");
    // One without usage (a server that reports none) still makes them "about" once replaced.
    let (_, p) = retried((0, 0));
    assert!(p.tokens_estimated && p.input_tokens > 300, "{p:?}");
}

// Session 42: a judge call with no usage reported, or a stopped one, was counted at an estimate
// while the run's totals (and the comparison table's "These results cost …") read as exact.
#[test]
fn a_judge_estimate_makes_the_totals_about() {
    let a = suite().1[0];
    let judge = ModelUsed::of(&ProviderConfig::preset(ProviderKind::OpenAi, Role::Judge));
    let mut run = run_of_one(a, RUN_MS);
    ends(
        &mut run,
        a,
        false,
        answer("- Bob: send the deck", (300, 8), 50.0),
        50.0,
    );
    let reported = |text| answer(text, (120, 30), 40.0);
    let (v, t, e) = case_call::judged(
        reported(r#"{"reasoning":"Bob is named.","score":8}"#),
        false,
        300,
        "r1",
    )
    .unwrap();
    run.cases
        .get_mut(&a)
        .unwrap()
        .judged("r1".into(), v, (t, e), judge.clone());
    assert!(!run.progress().tokens_estimated, "every count reported");
    let (v, t, e) = case_call::judged(
        answer(r#"{"reasoning":"Clear.","score":9}"#, (0, 0), 40.0),
        false,
        300,
        "r2",
    )
    .unwrap();
    run.cases
        .get_mut(&a)
        .unwrap()
        .judged("r2".into(), v, (t, e), judge.clone());
    assert!(
        run.progress().tokens_estimated,
        "a judge call without usage"
    );
    // A stopped judge call's estimate, the same.
    let mut other = run_of_one(a, RUN_MS);
    ends(
        &mut other,
        a,
        false,
        answer("- Bob: send the deck", (300, 8), 50.0),
        50.0,
    );
    other
        .cases
        .get_mut(&a)
        .unwrap()
        .judge_spent((300, 0), judge);
    assert!(other.progress().tokens_estimated);
    // (It survives a reload: `wire`'s round trip.)
}

// Tryout 100's review: running a rated case again dropped the rating and the person's note with
// the answer it was given on. The rated answer stays beside the new one (`replaced_rating`),
// through a failed re-run and a second unrated one, until a newer rated answer
// is replaced; the new answer itself is unrated. It survives a reload (`wire`).
#[test]
fn a_re_run_keeps_the_rating_of_the_answer_it_replaced() {
    use super::rating::{Rating, Thumb};
    let a = suite().1[0];
    let mut run = run_of_one(a, RUN_MS);
    ends(&mut run, a, false, answer("- Bob", (100, 2), 50.0), 50.0);
    let too_short = Rating::new(Thumb::Down, "No due date.");
    run.cases.get_mut(&a).unwrap().rating = Some(too_short.clone());
    // A re-run that fails before any text puts the rated answer back, rating and all.
    ends(&mut run, a, true, server_error(), 10.0);
    let c = &run.cases[&a];
    assert_eq!(
        (c.output.as_str(), c.rating.as_ref()),
        ("- Bob", Some(&too_short))
    );
    assert_eq!(c.replaced_rating, None);
    // A re-run that answers: the new answer is unrated, the rated one is kept beside it.
    ends(
        &mut run,
        a,
        true,
        answer("- Bob: deck", (100, 3), 50.0),
        50.0,
    );
    let c = &run.cases[&a];
    assert_eq!(
        (c.output.as_str(), c.rating.as_ref()),
        ("- Bob: deck", None)
    );
    let kept = c
        .replaced_rating
        .clone()
        .expect("the rating of the replaced answer");
    assert_eq!((kept.output.as_str(), &kept.rating), ("- Bob", &too_short));
    // An unrated answer replaced in turn passes it on.
    ends(
        &mut run,
        a,
        true,
        answer("- Bob: the deck", (100, 4), 50.0),
        50.0,
    );
    assert_eq!(run.cases[&a].replaced_rating.as_ref(), Some(&kept));
    // (It is kept on the wire: `wire`'s round trip.)
    // A newer rated answer, once replaced, is the one kept.
    let fine = Rating::new(Thumb::Up, "");
    run.cases.get_mut(&a).unwrap().rating = Some(fine.clone());
    ends(
        &mut run,
        a,
        true,
        answer("- Bob: send the deck", (100, 5), 50.0),
        50.0,
    );
    let kept = run.cases[&a].replaced_rating.clone().unwrap();
    assert_eq!(
        (kept.output.as_str(), kept.rating),
        ("- Bob: the deck", fine)
    );
}
