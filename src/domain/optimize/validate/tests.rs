//! Tests for snapshot validation: every state the loop passes through validates after a save and
//! a load; each broken invariant is refused with its reason; the paths that panicked on a damaged
//! snapshot now degrade.
use serde_json::json;

use super::super::*;
use crate::domain::eval::{Assertion, Check, Split};

/// Three train cases and one held-out case, each with a check, and a judge rubric for all.
pub(crate) fn sample_suite() -> Suite {
    let mut s = Suite::default();
    for i in 0..4 {
        s.add(TestCase {
            input: format!("case {i}"),
            assertions: vec![Assertion::new(Check::ContainsAll(vec!["ok".into()]))],
            split: if i == 3 { Split::HeldOut } else { Split::Train },
            ..Default::default()
        });
    }
    s.global.push(Assertion::new(Check::Judge {
        rubric: "is helpful".into(),
        threshold: 6,
    }));
    s
}

fn spec(persona: &str) -> PromptSpec {
    PromptSpec {
        persona: persona.into(),
        context: "Answer the case.".into(),
        steps: vec!["Read.".into(), "Answer.".into()],
        format: "One line.".into(),
        ..Default::default()
    }
}

/// A scripted reply: "ok" from every prompt, a judge score, one new candidate per proposal.
fn reply(work: &Work) -> Reply {
    let text = match work {
        Work::Exec { cand, .. } => format!("ok from {cand}"),
        Work::Judge { .. } => json!({"reasoning": "fine answer", "score": 7}).to_string(),
        Work::Propose { round, refine } => json!({"candidates": [{
            "style": if *refine { "refine" } else { "rephrase" },
            "rationale": format!("round {round}"),
            "persona": format!("You are candidate {round} {refine}"),
            "context": "Answer the case.", "steps": ["Read."], "format": "One line.",
            "json_schema": "", "examples": []
        }]})
        .to_string(),
    };
    Reply {
        text,
        input_tokens: 100,
        output_tokens: 20,
        observed: Default::default(),
    }
}

/// Every state of a 2-round loop on [`sample_suite`], from the start to the end: one snapshot per
/// event, with calls in flight in most of them. The last one is finished.
pub(crate) fn snapshots() -> (Suite, Vec<Optimizer>) {
    let suite = sample_suite();
    let ctx = Ctx { suite: &suite };
    let config = Config {
        rounds: 2,
        k: 2,
        ..Default::default()
    };
    let limit = project(&config, &spec("You are L0"), &suite);
    let mut o = Optimizer::new(config, spec("You are L0"), 1, &suite, limit);
    let mut out = vec![o.clone()];
    let mut queue: std::collections::VecDeque<Effect> = o.step(&ctx, Event::Start).into();
    while let Some(e) = queue.pop_front() {
        out.push(o.clone());
        if let Effect::Call { work, .. } = e {
            let r = reply(&work);
            queue.extend(o.step(
                &ctx,
                Event::Done {
                    work,
                    result: Ok(r),
                },
            ));
        }
    }
    out.push(o);
    (suite, out)
}

/// A loop in the middle of its first round of candidates, with calls in flight.
pub(crate) fn sample_loop() -> (Suite, Optimizer) {
    let (suite, all) = snapshots();
    let mid = all
        .into_iter()
        .find(|o| o.phase == Phase::Evaluating(1) && !o.in_flight.is_empty())
        .expect("the loop reaches round 1");
    (suite, mid)
}

fn reload(o: &Optimizer) -> Optimizer {
    serde_json::from_value(serde_json::to_value(o).unwrap()).unwrap()
}

#[test]
fn every_state_of_a_loop_validates_after_a_reload() {
    let (_, all) = snapshots();
    assert!(all.len() > 30, "{} states", all.len());
    assert_eq!(all.last().unwrap().stop, Some(Stop::Completed));
    for (i, o) in all.iter().enumerate() {
        assert_eq!(reload(o).validate(), Ok(()), "state {i}: {:?}", o.phase);
    }
}

#[test]
fn each_broken_invariant_is_refused_with_its_reason() {
    let (_, base) = sample_loop();
    let base = reload(&base);
    let check = |f: &dyn Fn(&mut Optimizer), want: SnapshotError| {
        let mut o = base.clone();
        f(&mut o);
        assert_eq!(o.validate(), Err(want));
    };
    check(&|o| o.version = 2, SnapshotError::Version(2));
    check(&|o| o.config.rounds = 0, SnapshotError::Config("rounds"));
    check(
        &|o| o.config.rounds = 4_000_000_000,
        SnapshotError::Config("rounds"),
    );
    check(
        &|o| o.config.k = 0,
        SnapshotError::Config("candidates per round"),
    );
    check(
        &|o| o.config.explore_temperature = f32::INFINITY,
        SnapshotError::Config("temperature"),
    );
    check(
        &|o| o.spent.calls = u32::MAX,
        SnapshotError::Budget("spent"),
    );
    check(
        &|o| o.limit.input[1] = u64::MAX,
        SnapshotError::Budget("approved"),
    );
    check(&|o| o.candidates.clear(), SnapshotError::NoCandidates);
    check(
        &|o| {
            let c = o.candidates[0].clone();
            o.candidates.push(c);
        },
        SnapshotError::DuplicateCandidate(0),
    );
    check(
        &|o| o.candidates[1].id = u32::MAX,
        SnapshotError::CandidateId(u32::MAX),
    );
    check(&|o| o.best = 77, SnapshotError::Best(77));
    check(
        &|o| o.candidates[0].rejected = Some("no".into()),
        SnapshotError::Best(0),
    );
    check(
        &|o| o.candidates[1].parent = Some(9),
        SnapshotError::Parent { cand: 1, parent: 9 },
    );
    check(
        &|o| o.candidates[1].round = 3,
        SnapshotError::CandidateRound { cand: 1, round: 3 },
    );
    check(
        &|o| {
            o.candidates[0].train.insert(99, CaseEval::default());
        },
        SnapshotError::StrayResult { cand: 0, case: 99 },
    );
    check(&|o| o.rounds[0].best = 42, SnapshotError::Round(0));
    check(&|o| o.rounds[0].train = 1e9, SnapshotError::Round(0));
    check(
        &|o| o.phase = Phase::Proposing(0),
        SnapshotError::Phase(Phase::Proposing(0)),
    );
    check(
        &|o| o.phase = Phase::Checking(3),
        SnapshotError::Phase(Phase::Checking(3)),
    );
    check(
        &|o| o.phase = Phase::Finished,
        SnapshotError::Phase(Phase::Finished),
    );
    check(
        &|o| o.stop = Some(Stop::Cancelled),
        SnapshotError::Phase(Phase::Evaluating(1)),
    );
}

#[test]
fn a_damaged_snapshot_degrades_instead_of_panicking() {
    // Regression: a saved loop whose best candidate was missing panicked in `propose_request`
    // ("the best candidate exists") on every reload, and a loop saved in `Proposing(0)` underflowed
    // in `styles_for`; the page crashed again at each start.
    let (suite, o) = sample_loop();
    let ctx = Ctx { suite: &suite };
    let mut broken = reload(&o);
    broken.best = 77;
    broken.phase = Phase::Proposing(1);
    broken.proposed.clear();
    assert_eq!(broken.propose_request(&ctx, 1, false), None);
    // Nothing can be proposed: the loop stops instead of panicking.
    let effects = broken.step(&ctx, Event::Resume { running: vec![] });
    assert_eq!(effects, vec![Effect::Finished(Stop::BudgetReached)]);
    assert_eq!(broken.styles_for(0, false).len(), 1);
    let mut zero = reload(&o);
    zero.phase = Phase::Proposing(0);
    assert!(zero.propose_request(&ctx, 0, false).is_some());
}
