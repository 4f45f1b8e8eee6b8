use crate::domain::sorted::SortedMap;

use serde_json::json;

use super::*;
use crate::domain::eval::{Assertion, Check, Split};

/// Four train cases and one held-out, each passing only when the output says "ok".
/// The three roles' figures (meta, execution, judge) as a budget's slots, the others 0.
fn on_slots<T: Copy + Default>(roles: [T; 3]) -> [T; SLOTS] {
    let mut a = [T::default(); SLOTS];
    a[..3].copy_from_slice(&roles);
    a
}

/// `slots` with the figures of the first other models (slots 3, 4, …) set to `others`.
fn with_others<const N: usize>(mut slots: [f64; SLOTS], others: [f64; N]) -> [f64; SLOTS] {
    slots[3..3 + N].copy_from_slice(&others);
    slots
}

fn suite(with_judge: bool) -> Suite {
    let mut s = Suite::default();
    for i in 0..5 {
        s.add(TestCase {
            input: format!("case {i}"),
            assertions: vec![Assertion::new(Check::ContainsAll(vec!["ok".into()]))],
            split: if i == 4 { Split::HeldOut } else { Split::Train },
            ..Default::default()
        });
    }
    if with_judge {
        s.global.push(Assertion::new(Check::Judge {
            rubric: "is helpful".into(),
            threshold: 6,
        }));
    }
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

/// The work of the calls among `effects`, in order.
fn calls_in(effects: &[Effect]) -> Vec<Work> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Call { work, .. } => Some(work.clone()),
            _ => None,
        })
        .collect()
}

/// A scripted world: the execution model answers "ok" for a case when the prompt's persona
/// mentions the case's level (persona "L2" passes cases 1 and 2); the meta model proposes
/// candidates from `levels`, one round after another.
struct World {
    levels: Vec<Vec<&'static str>>,
    judge_score: u8,
}

impl World {
    fn answer(&self, o: &Optimizer, work: &Work, req: &ChatRequest) -> Reply {
        let text = match work {
            Work::Exec { case, .. } => {
                let level: u32 = req
                    .system
                    .as_deref()
                    .and_then(|s| s.split("You are L").nth(1))
                    .and_then(|r| r[..1].parse().ok())
                    .unwrap_or(0);
                if *case <= level || *case == 5 && level >= 4 {
                    "ok, done".to_owned()
                } else {
                    "no".to_owned()
                }
            }
            Work::Judge { .. } => {
                json!({"reasoning": "fine answer", "score": self.judge_score}).to_string()
            }
            Work::Propose { round, refine } => {
                let wanted = o.styles_for(*round, *refine);
                let levels = self
                    .levels
                    .get(*round as usize - 1)
                    .cloned()
                    .unwrap_or_default();
                let cands: Vec<serde_json::Value> = wanted
                    .iter()
                    .enumerate()
                    .map(|(i, m)| {
                        let p = levels.get(i + usize::from(*refine) * 9).copied().unwrap_or(levels.last().copied().unwrap_or("You are L0"));
                        // Every reply claims one style whatever was asked: a candidate is
                        // labelled by what it was asked for (tryout 64), so the best below
                        // reads as asked, not "add-example".
                        let _asked = m;
                        json!({"style": "add-example", "rationale": format!("try {p}"), "persona": p,
                               "context": "Answer the case.", "steps": ["Read.", "Answer."], "format": "One line.",
                               "json_schema": "", "examples": []})
                    })
                    .collect();
                json!({ "candidates": cands }).to_string()
            }
        };
        let (i, o_) = worst(req);
        Reply {
            text,
            // Real usage is at most the reservation.
            input_tokens: (i * 3 / 4) as u32,
            output_tokens: (o_ / 10) as u32,
            observed: Default::default(),
        }
    }
}

/// Runs the loop to its end, answering every call (in issue order, so deterministic); checks the
/// budget after every step. Returns the effects' calls in order.
fn drive(o: &mut Optimizer, s: &Suite, w: &World) -> Vec<Work> {
    drive_with(o, s, |o, work, req| w.answer(o, work, req))
}

/// [`drive`] with the replies `answer` gives.
fn drive_with(
    o: &mut Optimizer,
    s: &Suite,
    answer: impl Fn(&Optimizer, &Work, &ChatRequest) -> Reply,
) -> Vec<Work> {
    let ctx = Ctx { suite: s };
    let mut queue: std::collections::VecDeque<Effect> = o.step(&ctx, Event::Start).into();
    let mut log = Vec::new();
    while let Some(e) = queue.pop_front() {
        assert!(
            o.spent.plus(&o.reserved).within(&o.limit),
            "over budget: {:?} + {:?} > {:?}",
            o.spent,
            o.reserved,
            o.limit
        );
        match e {
            Effect::Call { work, request, .. } => {
                log.push(work.clone());
                let reply = answer(o, &work, &request);
                queue.extend(o.step(
                    &ctx,
                    Event::Done {
                        work,
                        result: Ok(reply),
                    },
                ));
            }
            Effect::Finished(_) => {}
        }
    }
    assert!(
        o.spent.within(&o.limit),
        "spent {:?} over {:?}",
        o.spent,
        o.limit
    );
    log
}

fn improving() -> World {
    World {
        levels: vec![
            vec!["You are L2", "You are L1"],
            vec!["You are L3", "You are L2 again"],
            vec!["You are L4", "You are L3 too"],
        ],
        judge_score: 8,
    }
}

#[test]
fn an_improving_run_climbs_checks_held_out_and_stays_in_budget() {
    let s = suite(true);
    let config = Config {
        rounds: 3,
        k: 2,
        ..Default::default()
    };
    let limit = project(&config, &spec("You are L0"), &s);
    let mut o = Optimizer::new(config, spec("You are L0"), 1, &s, limit);
    let calls = drive(&mut o, &s, &improving());
    assert_eq!(o.stop, Some(Stop::Completed));
    let ctx = Ctx { suite: &s };
    let train: Vec<f64> = o.rounds.iter().map(|r| r.train.round()).collect();
    // Each case: contains "ok" (1 or 0) and judge 8/10; mean over 4 train cases.
    assert_eq!(train, vec![40.0, 65.0, 78.0, 90.0], "{:?}", o.rounds);
    assert_eq!(
        o.rounds
            .iter()
            .map(|r| r.held.map(f64::round))
            .collect::<Vec<_>>(),
        vec![Some(40.0), Some(40.0), Some(40.0), Some(90.0)]
    );
    let best = o.candidate(o.best).unwrap();
    assert_eq!(best.spec.persona, "You are L4");
    assert_eq!(best.mutation, Mutation::EXPLORE[(2 + 1) % 5]);
    assert!(o.mean(&ctx, o.best, false).unwrap() > o.mean(&ctx, 0, false).unwrap());
    // Calls: baseline 4 exec + 4 judge + held 1+1; 3 rounds x (2 proposals + 2 candidates x 8) + held-out of new bests.
    assert_eq!(
        calls
            .iter()
            .filter(|w| matches!(w, Work::Propose { .. }))
            .count(),
        6
    );
    assert_eq!(o.spent.calls as usize, calls.len());
    assert!(o.spent.calls <= o.limit.calls);
    assert!(o.reserved == Budget::default() && o.in_flight.is_empty());
    // Every reply reported its usage: no call is counted at its reservation.
    assert_eq!(o.charged_whole, 0);
}

/// A loop scored on the execution job's model and one other (an OpenAI-compatible server), with
/// `select`. Round 1 proposes "You are L4" and refines to "You are L2". The execution model
/// passes a case when the persona's level reaches it; the other passes the same way up to level
/// 2, but with the level-4 prompt only case 1. So on the mean, L4 wins (per case 1, .5, .5, .5:
/// 62.5 against L2's 50); on the worst model, L2 does (50 against L4's 25).
fn two_model_loop(select: Selection) -> (Optimizer, Suite, Vec<Work>) {
    let s = suite(false);
    let config = Config {
        rounds: 1,
        k: 2,
        also_on: vec![ProviderConfig {
            base_url: "http://127.0.0.1:9/v1".into(),
            model: "other".into(),
            ..ProviderConfig::preset(
                crate::domain::provider::ProviderKind::Custom,
                Role::Execution,
            )
        }],
        select,
        ..Default::default()
    };
    let limit = project(&config, &spec("You are L0"), &s);
    let mut o = Optimizer::new(config, spec("You are L0"), 1, &s, limit);
    let world = World {
        levels: vec![vec!["You are L4", "You are L2"]],
        judge_score: 8,
    };
    let calls = drive_with(&mut o, &s, |o, work, req| {
        let mut r = world.answer(o, work, req);
        if let Work::Exec { case, model: 1, .. } = work {
            let level: u32 = req
                .system
                .as_deref()
                .and_then(|s| s.split("You are L").nth(1))
                .and_then(|r| r[..1].parse().ok())
                .unwrap_or(0);
            let pass = if level <= 2 {
                *case <= level
            } else {
                *case == 1
            };
            r.text = if pass { "ok, done" } else { "no" }.to_owned();
        }
        r
    });
    (o, s, calls)
}

#[test]
fn across_two_models_every_candidate_is_scored_on_both_within_one_budget() {
    let (o, s, calls) = two_model_loop(Selection::Mean);
    assert_eq!(o.stop, Some(Stop::Completed));
    let ctx = Ctx { suite: &s };
    // Every answer went to both models, and each model's calls are counted in its own slot.
    let exec = |m: u32| {
        calls
            .iter()
            .filter(|w| matches!(w, Work::Exec { model, .. } if *model == m))
            .count()
    };
    assert!(exec(0) > 0);
    assert_eq!(exec(0), exec(1), "{calls:?}");
    assert_eq!(o.spent.calls_of(slot(Role::Execution, 1)) as usize, exec(1));
    assert_eq!(o.spent.calls_of(slot(Role::Execution, 0)) as usize, exec(0));
    assert!(
        o.limit.calls_of(slot(Role::Execution, 1)) >= o.spent.calls_of(slot(Role::Execution, 1))
    );
    assert_eq!(o.spent.calls as usize, calls.len());
    // The projection covers both: the same calls for each model.
    assert_eq!(
        o.limit.calls_of(slot(Role::Execution, 0)),
        o.limit.calls_of(slot(Role::Execution, 1))
    );
    for c in o.candidates.iter().filter(|c| c.rejected.is_none()) {
        assert_eq!(c.train.len(), o.minibatch.len());
        assert_eq!(
            c.results(1, false).map(SortedMap::len),
            Some(o.minibatch.len())
        );
    }
    let by_persona = |p: &str| {
        o.candidates
            .iter()
            .find(|c| c.spec.persona == p)
            .unwrap()
            .id
    };
    let (l4, l2) = (by_persona("You are L4"), by_persona("You are L2"));
    // Per model, then combined on the mean of each case.
    assert_eq!(
        o.model_means(&ctx, l4, false),
        vec![Some(100.0), Some(25.0)]
    );
    assert_eq!(o.model_means(&ctx, l2, false), vec![Some(50.0), Some(50.0)]);
    assert_eq!(o.mean(&ctx, l4, false), Some(62.5));
    assert_eq!(o.mean(&ctx, l2, false), Some(50.0));
    assert_eq!(o.best, l4);
    // The front across cases x models keeps both: L4 is best on the execution model's cases
    // 3 and 4, L2 on the other model's case 2.
    assert!(o.candidate(l4).unwrap().kept && o.candidate(l2).unwrap().kept);
    // The chart's record has each model's figure for the best.
    let last = o.rounds.last().unwrap();
    assert_eq!(last.models, vec![Some(100.0), Some(25.0)]);
    assert_eq!(o.rounds[0].models, vec![Some(0.0), Some(0.0)]);
    assert!(o.validate().is_ok(), "{:?}", o.validate());
    // The next proposal learns from the cases L4 fails, with the answer of the model it fails
    // on (the execution model passes them all), named.
    let req = o.propose_request(&ctx, 2, false).unwrap();
    let user = req
        .messages
        .iter()
        .map(|m| m.text.as_str())
        .collect::<String>();
    assert!(
        user.contains("Output (on OpenAI-compatible server other at 127.0.0.1:9): no"),
        "{user}"
    );
    assert!(
        !user.contains("Output (on the main execution model): ok"),
        "{user}"
    );
}

#[test]
fn selecting_on_the_worst_model_picks_the_prompt_that_holds_on_both() {
    let (o, s, _) = two_model_loop(Selection::Worst);
    let ctx = Ctx { suite: &s };
    let by_persona = |p: &str| {
        o.candidates
            .iter()
            .find(|c| c.spec.persona == p)
            .unwrap()
            .id
    };
    let (l4, l2) = (by_persona("You are L4"), by_persona("You are L2"));
    assert_eq!(o.mean(&ctx, l4, false), Some(25.0));
    assert_eq!(o.mean(&ctx, l2, false), Some(50.0));
    assert_eq!(o.best, l2);
    // L4 is kept though it loses on the worst model: it alone is best on the execution
    // model's cases 3 and 4 (the front is over models x cases), and its standing says so.
    let st = &o.candidate(l4).unwrap().standing;
    assert!(o.candidate(l4).unwrap().kept);
    assert_eq!(st.best_on_model, vec![(0, 3), (0, 4)]);
    assert!(st.best_on.is_empty());
    assert_eq!(
        o.candidate(l2).unwrap().standing.best_on_model,
        vec![(1, 2)]
    );
    let against = o.against_parent(&ctx, l2).unwrap();
    assert_eq!(
        (against.parent, against.train, against.change),
        (Some(0), Some(50), Some(50))
    );
    // Accepted, the version says the scores are over both models, and how (tryout 91: it
    // named the execution model alone).
    let mut d = crate::domain::draft::Draft::default();
    d.commit(
        spec("You are L0"),
        crate::domain::draft::Origin::Pasted,
        1.0,
    );
    d.suite = s.clone();
    d.optimizer = Some(o);
    let v = setup::accept(&mut d, l2, 2.0).unwrap();
    let origin = &d.versions.iter().find(|x| x.number == v).unwrap().origin;
    let crate::domain::draft::Origin::Optimized { what } = origin else {
        panic!("{origin:?}")
    };
    assert!(
        what.ends_with(", on the execution model and OpenAI-compatible server other at 127.0.0.1:9, each case scoring its worst of them)"),
        "{what}"
    );
}

#[test]
fn a_two_model_snapshot_reads_back_and_a_one_model_one_is_saved_as_before() {
    let (o, _, _) = two_model_loop(Selection::Worst);
    let v = serde_json::to_value(&o).unwrap();
    // Settings are written as typed (tryout 9: `explore_temperature: 0.8999999761581421` in an
    // exported draft, the f32 widened on its way through a `Value`).
    let text = v.to_string();
    let c = &o.config;
    for (name, x) in [
        ("explore_temperature", c.explore_temperature),
        ("refine_temperature", c.refine_temperature),
        ("exec_temperature", c.exec_temperature),
        ("temperature", c.also_on[0].temperature),
    ] {
        assert!(
            text.contains(&format!("\"{name}\":{x}")),
            "{name} {x}: {text}"
        );
    }
    let back: Optimizer = serde_json::from_value(v).unwrap();
    assert_eq!(back, o);
    assert!(back.validate().is_ok());
    // Results for a model the loop does not score on are refused.
    let mut bad = o.clone();
    bad.candidates[0].on.insert(2, Evals::default());
    assert_eq!(
        bad.validate(),
        Err(SnapshotError::Model { cand: 0, model: 2 })
    );
    // One model: the budget's arrays have the three roles only, and read back from them.
    let s = suite(true);
    let limit = project(&Config::default(), &spec("You are L0"), &s);
    let v = serde_json::to_value(limit).unwrap();
    assert_eq!(v["input"].as_array().map(Vec::len), Some(3));
    assert_eq!(serde_json::from_value::<Budget>(v).unwrap(), limit);
    let too_many = json!({"calls": 1, "input": vec![0; 9], "output": vec![0; 3]});
    assert!(serde_json::from_value::<Budget>(too_many).is_err());
}

// Tryout 8: "Start again" replaced a finished loop's results without asking. What it would
// throw away: the scored candidates, not the starting prompt, not one rejected or never scored,
// and not one the person accepted.
#[test]
fn start_again_names_the_scored_candidates_that_were_not_accepted() {
    let s = suite(true);
    let config = Config {
        rounds: 2,
        k: 2,
        ..Default::default()
    };
    let limit = project(&config, &spec("You are L0"), &s);
    let mut o = Optimizer::new(config, spec("You are L0"), 1, &s, limit);
    drive(&mut o, &s, &improving());
    let ctx = Ctx { suite: &s };
    let scored: Vec<u32> = o
        .candidates
        .iter()
        .filter(|c| c.parent.is_some() && c.rejected.is_none() && !c.train.is_empty())
        .map(|c| c.id)
        .collect();
    assert!(scored.len() >= 2, "{:?}", o.candidates);
    assert_eq!(o.unaccepted(&ctx, |_| false), scored);
    // The starting prompt is never among them, even when no version holds it.
    assert!(!o.unaccepted(&ctx, |_| false).contains(&0));
    // Accepting the best leaves the others.
    let best = o.candidate(o.best).unwrap().spec.clone();
    let left = o.unaccepted(&ctx, |sp| *sp == best);
    assert_eq!(left.len(), scored.len() - 1);
    assert!(!left.contains(&o.best));
    // A candidate the loop stopped before all its training answers were in has no score and no
    // Accept button: it is not called scored.
    let partial = scored[0];
    let c = o.candidates.iter_mut().find(|c| c.id == partial).unwrap();
    let first = *c.train.keys().next().unwrap();
    c.train.remove(&first);
    assert!(!o.candidate(partial).unwrap().train.is_empty());
    assert!(!o.unaccepted(&ctx, |_| false).contains(&partial));
    // A loop whose every candidate was rejected has nothing to lose.
    let config = Config {
        rounds: 1,
        k: 2,
        locked: vec![Section::Persona],
        ..Default::default()
    };
    let limit = project(&config, &spec("You are L0"), &s);
    let mut o = Optimizer::new(config, spec("You are L0"), 1, &s, limit);
    drive(&mut o, &s, &improving());
    assert!(o.candidates.len() > 1);
    assert!(o.unaccepted(&ctx, |_| false).is_empty());
}

/// Tryout 97: round 2 proposed round 1's prompts again, and each was scored again (8 calls for
/// figures it had). A prompt tried in an earlier round takes that candidate's results with no
/// call; one repeated within a round is rejected, the first scored.
#[test]
fn a_prompt_tried_already_is_not_scored_again() {
    let s = suite(false);
    // Round 1 repeats itself; round 3 repeats round 2's L1 (not the best then: L3 is).
    let w = World {
        levels: vec![
            vec!["You are L2", "You are L2"],
            vec!["You are L1", "You are L3"],
            vec!["You are L1", "You are L4"],
            vec!["You are L1", "You are L1"],
        ],
        judge_score: 8,
    };
    let config = Config {
        rounds: 4,
        k: 2,
        ..Default::default()
    };
    let limit = project(&config, &spec("You are L0"), &s);
    let mut o = Optimizer::new(config, spec("You are L0"), 1, &s, limit);
    let calls = drive(&mut o, &s, &w);
    let by_round =
        |r: u32| -> Vec<&Candidate> { o.candidates.iter().filter(|c| c.round == r).collect() };
    let (one, two, three, four) = (by_round(1), by_round(2), by_round(3), by_round(4));
    // Proposed twice in round 4, and tried in round 2: the first takes round 2's results, the
    // second is rejected as this round's repeat (the review of session 48).
    assert_eq!(four[0].same_as, Some(two[0].id));
    assert_eq!(
        four[1].rejected.as_deref(),
        Some(format!("It is the same as candidate #{} of this round.", four[0].id).as_str())
    );
    assert!(one[0].rejected.is_none());
    assert_eq!(
        one[1].rejected.as_deref(),
        Some(format!("It is the same as candidate #{} of this round.", one[0].id).as_str())
    );
    assert_eq!(three[0].spec.persona, "You are L1");
    assert_eq!(three[0].same_as, Some(two[0].id));
    assert!(three[0].rejected.is_none() && three[0].train == two[0].train);
    // No answer was asked for the candidates repeated; the new ones were scored.
    let exec_of = |id: u32| {
        calls
            .iter()
            .filter(|w| matches!(w, Work::Exec { cand, .. } if *cand == id))
            .count()
    };
    assert_eq!((exec_of(one[1].id), exec_of(three[0].id)), (0, 0));
    assert!(exec_of(two[0].id) > 0 && exec_of(three[1].id) > 0);
    assert_eq!(o.stop, Some(Stop::Completed));
    assert_eq!(o.candidate(o.best).unwrap().spec.persona, "You are L4");
}

#[test]
fn early_stop_after_patience_rounds_without_gain() {
    let s = suite(false);
    let w = World {
        levels: vec![vec!["You are L1"; 2]; 6],
        judge_score: 8,
    };
    let config = Config {
        rounds: 6,
        k: 2,
        patience: 2,
        ..Default::default()
    };
    let limit = project(&config, &spec("You are L1 first"), &s);
    let mut o = Optimizer::new(config, spec("You are L1 first"), 1, &s, limit);
    drive(&mut o, &s, &w);
    assert_eq!(o.stop, Some(Stop::EarlyStop));
    // Baseline, then two rounds with no gain.
    assert_eq!(o.rounds.len(), 3, "{:?}", o.rounds);
    assert_eq!(o.best, 0, "ties keep the earlier prompt");
}

// Tryout 105: the judge's replies could not be read until round 2, whose best scored 98: the
// loop said "Stopped early: the last rounds brought no gain" after it, its first score counted
// as no gain, and the third round approved was not run.
#[test]
fn a_first_score_after_rounds_with_none_is_a_gain_and_no_score_ever_is_said() {
    let s = suite(true);
    let w = World {
        levels: vec![
            vec!["You are L1", "You are L1 too"],
            vec!["You are L2", "You are L2 too"],
            vec!["You are L3", "You are L3 too"],
        ],
        judge_score: 8,
    };
    let config = Config {
        rounds: 3,
        k: 2,
        patience: 2,
        ..Default::default()
    };
    let limit = project(&config, &spec("You are L0"), &s);
    let mut o = Optimizer::new(config, spec("You are L0"), 1, &s, limit);
    drive_with(&mut o, &s, |o, work, req| match work {
        Work::Judge { cand, .. } if o.candidate(*cand).is_some_and(|c| c.round < 2) => Reply {
            text: "The answer looks fine to me.".into(),
            ..w.answer(o, work, req)
        },
        _ => w.answer(o, work, req),
    });
    let ctx = Ctx { suite: &s };
    let firsts: Vec<Option<f64>> = (0..2)
        .map(|r| {
            o.candidates
                .iter()
                .filter(|c| c.round == r)
                .find_map(|c| o.mean(&ctx, c.id, false))
        })
        .collect();
    assert_eq!(firsts, [None, None], "no score before round 2");
    assert_eq!(o.stop, Some(Stop::Completed), "{:?}", o.rounds);
    assert_eq!(
        o.rounds.len(),
        4,
        "the baseline and the three rounds approved"
    );
    // Tryout 106: no round ever scored read "the last rounds brought no gain".
    let config = Config {
        rounds: 3,
        k: 2,
        patience: 2,
        ..Default::default()
    };
    let limit = project(&config, &spec("You are L0"), &s);
    let mut o = Optimizer::new(config, spec("You are L0"), 1, &s, limit);
    drive_with(&mut o, &s, |o, work, req| match work {
        Work::Judge { .. } => Reply {
            text: "The answer looks fine to me.".into(),
            ..w.answer(o, work, req)
        },
        _ => w.answer(o, work, req),
    });
    assert_eq!(o.stop, Some(Stop::EarlyStop));
    let note = o.end_note().unwrap();
    assert!(
        note.starts_with(
            "Stopped early: no round could be scored, since no training case got a score"
        ),
        "{note}"
    );
}

// Session 52's review: a loop whose prompt scored but whose candidates never could (the
// judge's replies to them unreadable) ended "Stopped early: the last rounds brought no gain",
// a comparison never made. It says the candidates could not be scored; a streak with one such
// round among rounds that were compared says how many.
#[test]
fn candidates_never_scored_are_not_said_to_bring_no_gain() {
    let s = suite(true);
    // Each round's candidates are new prompts (a repeated one would reuse its earlier score),
    // none better than the first.
    let w = World {
        levels: vec![
            vec!["You are L1 (1)", "You are L1 (1) too"],
            vec!["You are L1 (2)", "You are L1 (2) too"],
            vec!["You are L1 (3)", "You are L1 (3) too"],
            vec!["You are L1 (4)", "You are L1 (4) too"],
        ],
        judge_score: 8,
    };
    let run = |rounds: u32, unreadable_in: fn(u32) -> bool| {
        let config = Config {
            rounds,
            k: 2,
            patience: 2,
            ..Default::default()
        };
        let limit = project(&config, &spec("You are L1 first"), &s);
        let mut o = Optimizer::new(config, spec("You are L1 first"), 1, &s, limit);
        drive_with(&mut o, &s, |o, work, req| match work {
            Work::Judge { cand, .. }
                if o.candidate(*cand)
                    .is_some_and(|c| c.round > 0 && unreadable_in(c.round)) =>
            {
                Reply {
                    text: "The answer looks fine to me.".into(),
                    ..w.answer(o, work, req)
                }
            }
            _ => w.answer(o, work, req),
        });
        o
    };
    let o = run(4, |_| true);
    assert_eq!(o.stop, Some(Stop::EarlyStop), "{:?}", o.rounds);
    // Tryout 109: "Start again" called such a candidate a scored one.
    assert!(
        o.unaccepted(&Ctx { suite: &s }, |_| false).is_empty(),
        "{:?}",
        o.unaccepted(&Ctx { suite: &s }, |_| false)
    );
    assert!(!o.rounds[0].unscored && !o.rounds[0].candidates_unscored);
    assert!(
        o.rounds[1..].iter().all(|r| r.candidates_unscored),
        "{:?}",
        o.rounds
    );
    let note = o.end_note().unwrap();
    assert!(
        note.starts_with(
            "Stopped early: no candidate of the last 2 rounds could be scored (a judge that gave no usable verdict"
        ),
        "{note}"
    );
    assert!(!note.contains("no gain"), "{note}");
    // Round 1's candidates compared (and no better), round 2's never scored.
    let o = run(4, |round| round == 2);
    assert_eq!(o.stop, Some(Stop::EarlyStop), "{:?}", o.rounds);
    let note = o.end_note().unwrap();
    assert!(
        note.starts_with(
            "Stopped early: the last rounds brought no gain (1 of the 2 had no candidate that could be scored"
        ),
        "{note}"
    );
    // Tryout 109: a loop that ran all its rounds said only "Finished all rounds." over a round
    // whose candidates had no score.
    let o = run(1, |_| true);
    assert_eq!(o.stop, Some(Stop::Completed));
    let note = o.end_note().unwrap();
    assert!(
        note.starts_with(
            "Finished all rounds. No candidate of round 1 could be scored (a judge that gave no usable verdict"
        ),
        "{note}"
    );
    // Candidates scored and no better: the words as before.
    let o = run(4, |_| false);
    assert!(
        o.end_note()
            .unwrap()
            .starts_with("Stopped early: the last rounds brought no gain."),
        "{:?}",
        o.end_note()
    );
}

#[test]
fn the_budget_is_never_exceeded_and_stops_the_loop() {
    let s = suite(true);
    for calls in [0u32, 1, 5, 9, 17, 30] {
        let config = Config {
            rounds: 3,
            k: 3,
            ..Default::default()
        };
        let mut limit = project(&config, &spec("You are L0"), &s);
        limit.calls = calls;
        let mut o = Optimizer::new(config, spec("You are L0"), 1, &s, limit);
        let log = drive(&mut o, &s, &improving());
        assert!(
            log.len() as u32 <= calls,
            "{} calls for a limit of {calls}",
            log.len()
        );
        assert_eq!(o.stop, Some(Stop::BudgetReached), "limit {calls}");
    }
    // A token limit binds too: the approved tokens in all, whichever job uses them.
    let config = Config::default();
    let mut limit = project(&config, &spec("You are L0"), &s);
    let mut free = Optimizer::new(config.clone(), spec("You are L0"), 1, &s, limit);
    drive(&mut free, &s, &improving());
    let cap = free.spent.tokens() / 2;
    limit.input = on_slots([0, cap, 0]);
    limit.output = on_slots([0; 3]);
    let mut o = Optimizer::new(config, spec("You are L0"), 1, &s, limit);
    drive(&mut o, &s, &improving());
    assert!(
        o.spent.tokens() <= cap && o.spent.calls > 0,
        "{:?}",
        o.spent
    );
    assert_eq!(o.stop, Some(Stop::BudgetReached));
}

// Tryout 8: a candidate 5 KB longer than the prompt used up the execution model's share of the
// projection and the loop "stopped at the approved budget" with 88% of the tokens unused. The
// budget is one pool: a job may use more than its share while the total (and, with prices, its
// cost) has room.
#[test]
fn a_job_may_use_more_than_its_share_while_the_approved_total_has_room() {
    let s = suite(true);
    let config = Config {
        rounds: 2,
        k: 2,
        ..Default::default()
    };
    let mut limit = project(&config, &spec("You are L0"), &s);
    // The execution model's share is far too small; the judge's share makes up for it.
    let moved = limit.input[1] * 9 / 10;
    limit.input[1] -= moved;
    limit.input[2] += moved;
    let mut o = Optimizer::new(config.clone(), spec("You are L0"), 1, &s, limit);
    drive(&mut o, &s, &improving());
    assert_eq!(o.stop, Some(Stop::Completed), "{:?}", o.end_note());
    assert!(
        o.spent.input[1] > limit.input[1],
        "the execution model used more than its share"
    );
    assert!(o.spent.within(&o.limit));
    // With prices, money binds: the same tokens moved onto a dear job do not buy more.
    let prices = Prices {
        input: on_slots([0.0, 1e-6, 0.0]),
        output: on_slots([0.0, 1e-6, 0.0]),
    };
    // All but one of the execution model's tokens moved onto the free judge: the approved money
    // covers almost no answer.
    let mut limit = limit;
    let (i, o1) = (limit.input[1] - 1, limit.output[1]);
    limit.input[1] -= i;
    limit.output[1] = 0;
    limit.input[2] += i + o1;
    let mut o = Optimizer::new(
        Config {
            prices: Some(prices),
            ..config
        },
        spec("You are L0"),
        1,
        &s,
        limit,
    );
    drive(&mut o, &s, &improving());
    assert_eq!(o.stop, Some(Stop::BudgetReached));
    assert!(o.spent.cost(&prices) <= o.limit.cost(&prices));
}

#[test]
fn locked_sections_reject_candidates_that_change_them() {
    let s = suite(false);
    let config = Config {
        rounds: 1,
        k: 2,
        locked: vec![Section::Persona],
        ..Default::default()
    };
    let limit = project(&config, &spec("You are L0"), &s);
    let mut o = Optimizer::new(config, spec("You are L0"), 1, &s, limit);
    let calls = drive(&mut o, &s, &improving());
    let rejected: Vec<&Candidate> = o
        .candidates
        .iter()
        .filter(|c| c.rejected.is_some())
        .collect();
    assert_eq!(rejected.len(), 2, "both candidates changed the persona");
    assert!(
        rejected[0]
            .rejected
            .as_deref()
            .unwrap()
            .contains("locked section Persona")
    );
    for c in rejected {
        assert!(
            !calls
                .iter()
                .any(|w| matches!(w, Work::Exec { cand, .. } if *cand == c.id)),
            "a rejected candidate is never run"
        );
    }
    assert_eq!(o.best, 0);
    assert_eq!(
        o.stalled(),
        Some(1),
        "nothing was left to try: the loop waits"
    );
}

#[test]
fn selection_keeps_the_pareto_front_and_the_best_mean() {
    let t = |v: &[f64]| -> SortedMap<u32, f64> {
        v.iter().enumerate().map(|(i, x)| (i as u32, *x)).collect()
    };
    let pool = vec![
        (1, t(&[1.0, 0.0, 0.5])),
        (2, t(&[0.0, 1.0, 0.5])), // not dominated: best on case 1
        (3, t(&[1.0, 0.0, 0.4])), // dominated by 1
        (4, t(&[0.9, 0.9, 0.9])), // best mean
        (5, t(&[0.9, 0.9, 0.9])), // ties with 4: both on the front; 4 is the best (earlier)
    ];
    assert_eq!(pareto_front(&pool), vec![1, 2, 4, 5]);
    assert_eq!(best_mean(&pool), Some(4));
    assert_eq!(best_mean(&[]), None);
}

#[test]
fn history_is_ordered_worst_to_best_like_opro() {
    let s = suite(false);
    let config = Config {
        rounds: 3,
        k: 3,
        ..Default::default()
    };
    let limit = project(&config, &spec("You are L0"), &s);
    let mut o = Optimizer::new(config, spec("You are L0"), 1, &s, limit);
    drive(&mut o, &s, &improving());
    let ctx = Ctx { suite: &s };
    let req = o.propose_request(&ctx, 4, false).unwrap();
    let user = &req.messages[0].text;
    let history = user
        .split("## Earlier prompts")
        .nth(1)
        .unwrap()
        .split("## Failed cases")
        .next()
        .unwrap();
    let scores: Vec<f64> = history
        .match_indices("### Score ")
        .map(|(i, _)| {
            history[i + 10..]
                .split_whitespace()
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert!(scores.len() >= 3 && scores.len() <= 5, "{scores:?}");
    assert!(
        scores.windows(2).all(|w| w[0] <= w[1]),
        "ascending: {scores:?}"
    );
    assert!(req.temperature > 0.5, "exploring proposals run hot");
    // Failing cases carry their check reasons, and a Reflexion critique when there is one.
    let mut fresh = Optimizer::new(Config::default(), spec("You are L0"), 1, &s, limit);
    fresh
        .critiques
        .insert(2, "The answer never names an owner.".into());
    drive_until_proposal(&mut fresh, &s);
    let text = fresh.propose_request(&ctx, 1, false).unwrap().messages[0]
        .text
        .clone();
    assert!(text.contains("Missing: \u{201c}ok\u{201d}."), "{text}");
    assert!(
        text.contains(
            "A harsh review of an answer in an earlier run said:\nThe answer never names an owner."
        ),
        "{text}"
    );
    assert!(
        o.propose_request(&ctx, 4, true).unwrap().temperature < 0.5,
        "refinements run cool"
    );
}

/// Answers calls until the first proposal is asked for.
fn drive_until_proposal(o: &mut Optimizer, s: &Suite) {
    let ctx = Ctx { suite: s };
    let w = improving();
    let mut queue: std::collections::VecDeque<Effect> = o.step(&ctx, Event::Start).into();
    while let Some(e) = queue.pop_front() {
        if let Effect::Call { work, request, .. } = e {
            if matches!(work, Work::Propose { .. }) {
                return;
            }
            let reply = w.answer(o, &work, &request);
            queue.extend(o.step(
                &ctx,
                Event::Done {
                    work,
                    result: Ok(reply),
                },
            ));
        }
    }
}

#[test]
fn deterministic_given_the_seed_and_replies() {
    let s = suite(true);
    let run = |seed| {
        let config = Config {
            rounds: 2,
            k: 3,
            minibatch: 3,
            seed,
            ..Default::default()
        };
        let limit = project(&config, &spec("You are L0"), &s);
        let mut o = Optimizer::new(config, spec("You are L0"), 1, &s, limit);
        let log = drive(&mut o, &s, &improving());
        (o, log)
    };
    let (a, la) = run(7);
    let (b, lb) = run(7);
    assert_eq!(a, b);
    assert_eq!(la, lb);
    assert_eq!(a.minibatch.len(), 3);
    let other: Vec<Vec<u32>> = (1..20).map(|seed| sample_minibatch(&s, 3, seed)).collect();
    assert!(
        other.iter().any(|m| *m != a.minibatch),
        "the seed picks the minibatch"
    );
}

#[test]
fn pause_resume_and_a_reload_in_the_middle() {
    let s = suite(true);
    let w = improving();
    let ctx = Ctx { suite: &s };
    let config = Config {
        rounds: 2,
        k: 2,
        ..Default::default()
    };
    // Room for the calls charged twice (lost in the reload, then issued again).
    let limit = project(&config, &spec("You are L0"), &s);
    let limit = limit.plus(&limit);
    let mut o = Optimizer::new(config, spec("You are L0"), 1, &s, limit);
    let first = o.step(&ctx, Event::Start);
    assert_eq!(first.len(), 4, "the baseline's four cases at once");
    // Answer one, pause: nothing new is issued while paused.
    let Effect::Call { work, request, .. } = first[0].clone() else {
        panic!()
    };
    o.step(&ctx, Event::Pause);
    let reply = w.answer(&o, &work, &request);
    assert!(
        o.step(
            &ctx,
            Event::Done {
                work,
                result: Ok(reply)
            }
        )
        .is_empty()
    );
    // The page reloads: the state comes back from storage with three calls "in flight".
    let saved = serde_json::to_string(&o).unwrap();
    let mut back: Optimizer = serde_json::from_str(&saved).unwrap();
    assert_eq!(back.in_flight.len(), 3, "calls in flight survive a reload");
    assert_eq!(back.reserved, o.reserved);
    let spent_before = back.spent;
    let lost = back.reserved;
    let again = back.step(&ctx, Event::Resume { running: vec![] });
    // The lost calls may have been billed: each is charged its whole reservation.
    assert_eq!(
        back.spent,
        spent_before.plus(&lost),
        "lost calls are charged"
    );
    let works: Vec<&Work> = again
        .iter()
        .filter_map(|e| match e {
            Effect::Call { work, .. } => Some(work),
            _ => None,
        })
        .collect();
    assert_eq!(
        works.len(),
        4,
        "three lost calls again, plus the judge of the answered case: {works:?}"
    );
    // A reply to a call from before the reload is ignored.
    let mut finished = back.clone();
    let mut queue: std::collections::VecDeque<Effect> = again.into();
    while let Some(e) = queue.pop_front() {
        if let Effect::Call { work, request, .. } = e {
            let reply = w.answer(&finished, &work, &request);
            queue.extend(finished.step(
                &ctx,
                Event::Done {
                    work,
                    result: Ok(reply),
                },
            ));
        }
    }
    assert_eq!(finished.stop, Some(Stop::Completed));
    // Cancel ends it at once.
    let mut c = Optimizer::new(Config::default(), spec("You are L0"), 1, &s, limit);
    c.step(&ctx, Event::Start);
    assert_eq!(
        c.step(&ctx, Event::Cancel),
        vec![Effect::Finished(Stop::Cancelled)]
    );
    assert!(c.step(&ctx, Event::Resume { running: vec![] }).is_empty());
    assert_eq!(c.reserved, Budget::default());
}

#[test]
fn failed_calls_score_zero_and_failed_proposals_pause_the_loop_with_their_cause() {
    let s = suite(false);
    let ctx = Ctx { suite: &s };
    let config = Config {
        rounds: 2,
        k: 1,
        patience: 1,
        ..Default::default()
    };
    let limit = project(&config, &spec("You are L4"), &s);
    let mut o = Optimizer::new(config, spec("You are L4"), 1, &s, limit);
    let mut queue: std::collections::VecDeque<Effect> = o.step(&ctx, Event::Start).into();
    while let Some(e) = queue.pop_front() {
        if let Effect::Call { work, request, .. } = e {
            let result = match &work {
                Work::Exec {
                    case: 1,
                    held: false,
                    ..
                } => Err("HTTP 500".to_owned()),
                Work::Propose { .. } => Err("HTTP 429".to_owned()),
                _ => Ok(improving().answer(&o, &work, &request)),
            };
            queue.extend(o.step(&ctx, Event::Done { work, result }));
        }
    }
    assert_eq!(o.mean(&ctx, 0, false), Some(75.0));
    // The round gave nothing to try: the loop waits there, it does not run on or finish.
    assert_eq!(o.stop, None);
    assert!(o.paused);
    assert_eq!(o.stalled(), Some(1));
    assert_eq!(o.rounds.len(), 1, "only the baseline was scored");
    assert_eq!(o.candidates.len(), 1);
    let f = &o.proposal_failures[0];
    assert_eq!((f.round, f.refine, f.attempt), (1, false, 1));
    assert!(f.message.contains("HTTP 429"), "{}", f.message);
    // The failed calls (case 1's and the proposal's) are counted at their reservations, as
    // failed, not as answered with no usage.
    assert_eq!(o.charged_whole, 2);
    assert_eq!(o.charged_unreported, 0);
}

/// Answers every call of `o` with `world`, except proposals, answered by `propose` in turn (the
/// last one repeats); returns the effects' `Finished` stops.
fn drive_proposing(
    o: &mut Optimizer,
    s: &Suite,
    world: &World,
    first: Event,
    propose: &mut dyn FnMut(&Optimizer, &Work, &ChatRequest) -> Result<Reply, String>,
) -> Vec<Stop> {
    let ctx = Ctx { suite: s };
    let mut queue: std::collections::VecDeque<Effect> = o.step(&ctx, first).into();
    let mut stops = Vec::new();
    while let Some(e) = queue.pop_front() {
        match e {
            Effect::Call { work, request, .. } => {
                let result = match &work {
                    Work::Propose { .. } => propose(o, &work, &request),
                    _ => Ok(world.answer(o, &work, &request)),
                };
                queue.extend(o.step(&ctx, Event::Done { work, result }));
            }
            Effect::Finished(stop) => stops.push(stop),
        }
        assert!(o.spent.plus(&o.reserved).within(&o.limit));
    }
    stops
}

fn text_reply(text: &str, finish: Option<&str>) -> Reply {
    Reply {
        text: text.to_owned(),
        input_tokens: 10,
        output_tokens: 10,
        observed: Observed {
            finish_reason: finish.map(str::to_owned),
            ..Default::default()
        },
    }
}

// Every way a round's proposals can give nothing to try (a reply in plain text, one cut off, an
// HTTP error, every candidate rejected) pauses the loop at that round with the cause in plain
// words and the raw reply; it never reads "Finished all rounds". Resume asks again, and "again"
// is said only when the same cause repeats.
#[test]
fn a_round_with_nothing_to_try_pauses_with_its_cause_and_resume_asks_again() {
    let s = suite(false);
    let ctx = Ctx { suite: &s };
    let config = Config {
        rounds: 1,
        k: 1,
        ..Default::default()
    };
    let start = spec("You are L0");
    let limit = project(&config, &start, &s);
    let plain = "Sure! Here are some better prompts: be more helpful.";
    let cases: Vec<(Result<Reply, String>, &str, &str)> = vec![
        (Ok(text_reply(plain, None)), "no-json", "did not write JSON"),
        (
            Ok(text_reply(
                "{\"candidates\": [{\"persona\": \"You",
                Some("length"),
            )),
            "cut-off",
            "cut off",
        ),
        (
            Err("The provider refused the API key (HTTP 401).".to_owned()),
            "call: The provider refused the API key (HTTP 401).",
            "HTTP 401",
        ),
        (
            Ok(text_reply("{\"candidates\": [{\"nothing\": 1}]}", None)),
            "unreadable-candidates",
            "lists 1 candidate but none",
        ),
        (Ok(text_reply("", None)), "empty", "empty reply"),
    ];
    for (reply, cause, words) in cases {
        let mut o = Optimizer::new(config.clone(), start.clone(), 1, &s, limit);
        let r = reply.clone();
        let stops = drive_proposing(&mut o, &s, &improving(), Event::Start, &mut |_, _, _| {
            r.clone()
        });
        assert!(stops.is_empty(), "{cause}: {stops:?}");
        assert_eq!(
            (o.stop, o.paused, o.stalled()),
            (None, true, Some(1)),
            "{cause}"
        );
        let f = o.proposal_failures.last().unwrap();
        assert_eq!(f.cause, cause);
        assert!(f.message.contains(words), "{cause}: {}", f.message);
        assert!(f.advice.contains("Retry"), "{}", f.advice);
        assert_eq!(
            f.raw,
            reply.as_ref().map(|r| r.text.clone()).unwrap_or_default()
        );
        assert_eq!((f.attempt, f.same_as_before), (1, false));
        assert_eq!(o.asking_again(f), None, "{cause}: waits for the person");
        // Resume sends the call again: the failure shown meanwhile is the one being asked again.
        let mut probe = o.clone();
        let sent = probe.step(&ctx, Event::Resume { running: vec![] });
        assert!(
            sent.iter().any(|e| matches!(
                e,
                Effect::Call {
                    work: Work::Propose { .. },
                    ..
                }
            )),
            "{cause}"
        );
        assert_eq!(
            probe.asking_again(probe.proposal_failures.last().unwrap()),
            Some(true),
            "{cause}: the call is out"
        );
        // Asking again with the same outcome: the same failure, "again".
        let r = reply.clone();
        let stops = drive_proposing(
            &mut o,
            &s,
            &improving(),
            Event::Resume { running: vec![] },
            &mut |_, _, _| r.clone(),
        );
        assert!(stops.is_empty());
        let f = o.proposal_failures.last().unwrap();
        assert_eq!(
            (f.attempt, f.same_as_before, o.stalled()),
            (2, true, Some(1))
        );
        assert_eq!(f.before, None, "the same cause is not named twice");
        let second_message = f.message.clone();
        // Then a different failure: attempt 3, not "again".
        let other: Result<Reply, String> = if cause.starts_with("call") {
            Ok(text_reply(plain, None))
        } else {
            Err("HTTP 500".to_owned())
        };
        drive_proposing(
            &mut o,
            &s,
            &improving(),
            Event::Resume { running: vec![] },
            &mut |_, _, _| other.clone(),
        );
        let f = o.proposal_failures.last().unwrap();
        assert_eq!((f.attempt, f.same_as_before), (3, false), "{cause}");
        // Both causes are named: the one before, and this one.
        assert_eq!(
            f.before.as_deref(),
            Some(second_message.as_str()),
            "{cause}"
        );
        assert_ne!(f.message, second_message, "{cause}");
        assert_eq!(o.proposal_failures.len(), 1);
        // A usable reply: the round runs and the loop completes; the failure is gone.
        let stops = drive_proposing(
            &mut o,
            &s,
            &improving(),
            Event::Resume { running: vec![] },
            &mut |o, w, r| Ok(improving().answer(o, w, r)),
        );
        assert_eq!(stops, vec![Stop::Completed], "{cause}");
        assert!(o.proposal_failures.is_empty());
        assert_eq!(o.rounds.len(), 2);
        assert!(
            o.candidates
                .iter()
                .any(|c| c.round == 1 && !c.train.is_empty())
        );
        let _ = ctx.suite;
    }
}

#[test]
fn a_round_whose_candidates_are_all_rejected_pauses_with_the_reason() {
    let s = suite(false);
    let config = Config {
        rounds: 1,
        k: 2,
        locked: vec![Section::Persona],
        ..Default::default()
    };
    let limit = project(&config, &spec("You are L0"), &s);
    let mut o = Optimizer::new(config, spec("You are L0"), 1, &s, limit);
    let stops = drive_proposing(&mut o, &s, &improving(), Event::Start, &mut |o, w, r| {
        Ok(improving().answer(o, w, r))
    });
    assert!(stops.is_empty());
    assert_eq!(o.stalled(), Some(1));
    // Both calls (new candidates, refinement) are named, each with its first rejection.
    assert_eq!(o.proposal_failures.len(), 2);
    for f in &o.proposal_failures {
        assert_eq!(f.cause, "all-rejected");
        assert!(
            f.message.contains("locked section Persona"),
            "{}",
            f.message
        );
    }
}

#[test]
fn one_failed_call_of_a_round_is_named_but_the_round_runs_on_the_other() {
    let s = suite(false);
    let config = Config {
        rounds: 1,
        k: 2,
        ..Default::default()
    };
    let limit = project(&config, &spec("You are L0"), &s);
    let mut o = Optimizer::new(config, spec("You are L0"), 1, &s, limit);
    let stops = drive_proposing(
        &mut o,
        &s,
        &improving(),
        Event::Start,
        &mut |o, w, r| match w {
            Work::Propose { refine: true, .. } => Err("HTTP 503".to_owned()),
            _ => Ok(improving().answer(o, w, r)),
        },
    );
    assert_eq!(stops, vec![Stop::Completed]);
    assert_eq!(o.proposal_failures.len(), 1);
    assert!(o.proposal_failures[0].refine);
}

// One rule for a case whose judge failed: the optimizer leaves it out of a candidate's scores
// and mean, as a run's results do (`CaseScore::counted`), instead of using its partial score.
#[test]
fn a_case_whose_judge_failed_is_left_out_of_the_optimizers_mean_as_in_a_run() {
    let s = suite(true);
    let ctx = Ctx { suite: &s };
    let config = Config {
        rounds: 1,
        k: 1,
        ..Default::default()
    };
    let start = spec("You are L2");
    let limit = project(&config, &start, &s);
    let mut o = Optimizer::new(config, start, 1, &s, limit);
    let mut queue: std::collections::VecDeque<Effect> = o.step(&ctx, Event::Start).into();
    while let Some(e) = queue.pop_front() {
        let Effect::Call { work, request, .. } = e else {
            continue;
        };
        if matches!(o.phase, Phase::Proposing(_)) {
            break;
        }
        let result = match &work {
            // The judge fails on case 1 (which passes its other check).
            Work::Judge { case: 1, .. } => Err("HTTP 500".to_owned()),
            _ => Ok(improving().answer(&o, &work, &request)),
        };
        queue.extend(o.step(&ctx, Event::Done { work, result }));
    }
    let scores = o.scores(&ctx, 0, false).unwrap();
    assert!(!scores.contains_key(&1), "{scores:?}");
    // Case 2 passes "ok" (1) and the judge's 8/10 (0.8); cases 3 and 4 only the judge.
    assert_eq!(scores.len(), o.minibatch.len() - 1);
    // The same cases scored the way a run scores them agree, case by case and in the mean.
    let c = o.candidate(0).unwrap();
    let per_case: Vec<eval::CaseScore> = o
        .minibatch
        .iter()
        .map(|id| {
            let r = &c.train[id];
            score_case(
                &s,
                s.case(*id).unwrap(),
                &r.output,
                &r.observed,
                Some(&c.spec),
                &r.judgements,
            )
        })
        .collect();
    let agg = eval::aggregate(per_case.iter());
    assert_eq!(agg.judge_failed, 1);
    let mean = o.mean(&ctx, 0, false).unwrap();
    assert!(
        (mean - agg.mean.unwrap()).abs() < 1e-9,
        "{mean} vs {:?}",
        agg.mean
    );
}

// Tryout 91: with every training case left out (each judge failed), the round read "no score"
// and the chart drew its point at 0. The round says it has no score.
#[test]
fn a_round_whose_cases_were_all_left_out_has_no_score_not_zero() {
    let (o, s) = scored_start(None, Err("HTTP 500".to_owned()));
    let ctx = Ctx { suite: &s };
    assert_eq!(o.mean(&ctx, 0, false), None);
    let round = &o.rounds[0];
    assert!(round.unscored, "{round:?}");
    // A round with a score says so too.
    let back: RoundRecord =
        serde_json::from_str(r#"{"round":1,"best":0,"train":50.0,"held":null}"#).unwrap();
    assert!(!back.unscored);
    assert!(!serde_json::to_string(&back).unwrap().contains("unscored"));
}

// Bug (tryout 3): an item about "budget" (no such section) was filed under Context with a
// "Rewrite Context" button.
#[test]
fn a_critique_item_naming_no_section_is_about_the_whole_prompt() {
    use reflexion::*;
    let reply = json!({"weaknesses": [
        {"kind": "other", "section": "budget", "problem": "No budget given.", "fix": "Say the budget."},
        {"kind": "other", "section": "Role", "problem": "Vague role.", "fix": "Name it."},
        {"kind": "other", "section": "the examples section", "problem": "Too few.", "fix": "Add."}
    ]})
    .to_string();
    let c = parse_prompt_critique(&reply).unwrap();
    let sections: Vec<_> = c.weaknesses.iter().map(|w| w.section).collect();
    assert_eq!(
        sections,
        [None, Some(Section::Persona), Some(Section::Examples)]
    );
    // Tryout 5: such an item was shown as a whole-prompt remark without a word. It is named.
    assert_eq!(
        c.left_out,
        [
            "The critique named a section the prompt does not have (\u{201c}budget\u{201d}): that item is shown as a remark on the whole prompt."
        ]
    );
}

// Tryout 84: a reply of 9 items (6 asked) showed all 9, and a 1,500-word problem whole.
#[test]
fn a_critique_reads_the_items_asked_for_and_shortens_long_texts_saying_so() {
    use reflexion::*;
    assert!(
        CRITIQUE_PROMPT.contains(&format!("at most {CRITIQUE_ITEMS}")),
        "the instructions ask for what is read"
    );
    let long = "word ".repeat(1500);
    let mut items: Vec<Value> = (1..=9)
        .map(|i| json!({"kind": "other", "section": "steps", "problem": format!("Problem {i}."), "fix": format!("Fix {i}.")}))
        .collect();
    items[1] = json!({"kind": "other", "section": "steps", "problem": long, "fix": "Short fix."});
    let c = parse_prompt_critique(&json!({ "weaknesses": items }).to_string()).unwrap();
    let problems: Vec<&str> = c.weaknesses.iter().map(|w| w.problem.as_str()).collect();
    assert_eq!(problems.len(), CRITIQUE_ITEMS);
    assert_eq!(problems[5], "Problem 6.");
    assert_eq!(problems[1].chars().count(), PROBLEM_CHARS);
    assert!(problems[1].ends_with("word…"), "{}", problems[1]);
    assert_eq!(
        c.left_out,
        [
            "The critique gave 9 weaknesses, more than the 6 asked for: the first 6 are shown (it was asked to list the most important first).",
            "1 text longer than 600 characters (a problem) or 1,200 (a fix) is shortened here, ending in \u{201c}…\u{201d}; a fix is sent as shown."
        ]
    );
}

#[test]
fn a_critique_broken_part_way_keeps_the_whole_items_before_the_break_and_names_it() {
    use reflexion::*;
    let reply = r#"{"weaknesses": [{"kind": "other", "section": "steps", "problem": "A.", "fix": "B."}, {"kind": "other", "section": "steps", "problem": "C.", "fix": "D."}, {"kind": "other", "section": "steps", "problem": "Cut of"#;
    let c = parse_prompt_critique(reply).unwrap();
    // Cut off: the unfinished last item is left out, and said so.
    assert_eq!(c.weaknesses.len(), 2);
    assert_eq!(
        c.left_out,
        [
            "The reply ends part-way: the 2 weaknesses before the end were read; an unfinished one was left out."
        ]
    );
    // Cut off between two items: the end is said too.
    let between =
        r#"{"weaknesses": [{"kind": "other", "section": "steps", "problem": "A.", "fix": "B."}, "#;
    let c = parse_prompt_critique(between).unwrap();
    assert_eq!(c.weaknesses.len(), 1);
    assert_eq!(
        c.left_out,
        ["The reply ends part-way: the 1 weakness before the end was read."]
    );
    // Cut off before any item was whole: nothing was read, which is not "no weaknesses found".
    for cut in [
        r#"{"weaknesses": ["#,
        r#"{"weaknesses": [{"kind": "ambiguity", "section": "steps", "problem": "Step 2 is"#,
    ] {
        assert_eq!(
            parse_prompt_critique(cut),
            Err(crate::domain::meta::ReplyCause::Broken(
                "it ends before its first item is complete".into()
            )),
            "{cut}"
        );
    }
    let broken = r#"{"weaknesses": [{"kind": "other", "section": "steps", "problem": "A.", "fix": "B."}, oops"#;
    let c = parse_prompt_critique(broken).unwrap();
    assert_eq!(c.weaknesses.len(), 1);
    assert!(
        c.left_out[0].starts_with("The reply breaks near \u{201c}oops\u{201d}"),
        "{:?}",
        c.left_out
    );
}

#[test]
fn prompt_critique_and_case_reflexion_requests() {
    use reflexion::*;
    let reply = json!({"weaknesses": [
        {"kind": "missing-constraint", "section": "context", "problem": "Says nothing about empty notes.", "fix": "Add what to do with empty notes."},
        {"kind": "format-gap", "section": "format", "problem": "No order given.", "fix": ""}
    ]})
    .to_string();
    let w = parse_prompt_critique(&reply).unwrap().weaknesses;
    assert_eq!(w.len(), 2);
    assert_eq!(w[0].section, Some(Section::Context));
    assert_eq!(w[1].fix, "Fix this: No order given.");
    assert_eq!(
        parse_prompt_critique("nope"),
        Err(crate::domain::meta::ReplyCause::NoJson)
    );
    // Items are read one by one: an unknown kind is "other", a section named loosely is found,
    // an item without a problem is left out, and the others still come in.
    let loose = json!({"weaknesses": [
        {"kind": "vagueness", "section": "Output format", "problem": "Unclear order."},
        {"kind": "steps", "section": "steps"},
        {"kind": "steps", "section": "steps", "problem": "No final check.", "fix": "Add one."}
    ]})
    .to_string();
    let c = parse_prompt_critique(&loose).unwrap();
    let w = &c.weaknesses;
    assert_eq!(w.len(), 2);
    assert_eq!(
        (w[0].kind.as_str(), w[0].section),
        ("other", Some(Section::Format))
    );
    assert_eq!(
        (w[1].kind.as_str(), w[1].section),
        ("steps", Some(Section::Steps))
    );
    assert_eq!(
        c.left_out,
        ["1 item had no problem written in it and was left out."]
    );
    // Regression: a critique in near-JSON (comments, unquoted keys, trailing commas) was unreadable.
    let near = "{weaknesses: [\n  {kind: 'other', section: 'steps', problem: 'Too long.', fix: 'Cut.'}, // main\n],}";
    assert_eq!(
        parse_prompt_critique(near).unwrap().weaknesses[0].problem,
        "Too long."
    );
    let case = TestCase {
        input: "Bob ships it".into(),
        ..Default::default()
    };
    let checks = vec![Assertion::new(Check::ContainsAll(vec!["Bob".into()]))];
    let c = critique_request(
        &spec("You are L1"),
        RenderStyle::Markdown,
        &case,
        &checks,
        "draft text",
        false,
    );
    let u = &c.messages[0].text;
    assert!(!u.contains("cut off"));
    let cut = critique_request(
        &spec("You are L1"),
        RenderStyle::Markdown,
        &case,
        &checks,
        "draft te",
        true,
    );
    assert!(
        cut.messages[0]
            .text
            .ends_with(crate::domain::eval::judge::CUT_OFF_NOTE),
        "the critic is told the draft was cut off"
    );
    assert!(
        u.contains("contains \u{201c}Bob\u{201d}")
            && u.contains("draft text")
            && u.contains("One line.")
    );
    assert!(c.system.as_deref().unwrap().contains("Be harsh"));
    let f = final_request(
        &spec("You are L1"),
        RenderStyle::Markdown,
        &case,
        "draft text",
        "Missing the date.",
        500,
    );
    assert!(f.system.as_deref().unwrap().contains("You are L1"));
    assert!(
        f.messages[0].text.contains("Missing the date.")
            && f.messages[0].text.starts_with("Bob ships it")
    );
    assert!(found_nothing("No problems found."));
    assert!(!found_nothing("1. The date is missing."));
}

/// Queues a step's effects, counting the calls among them as issued.
fn queue_push(
    queue: &mut std::collections::VecDeque<Effect>,
    issued: &mut u32,
    effects: Vec<Effect>,
) {
    *issued += effects
        .iter()
        .filter(|e| matches!(e, Effect::Call { .. }))
        .count() as u32;
    queue.extend(effects);
}

/// A tiny deterministic generator for the budget property tests.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            lo
        } else {
            lo + self.below(hi - lo + 1)
        }
    }
}

// Bug: calls were reserved at chars/4 + 25 %, failed or cut-off calls counted as 0, calls issued
// again after a reload were not counted, and the old budget test's fake always reported usage
// below the reservation, so none of this could be caught. This provider reports as much as a
// call can use (far above the chars/4 estimate, thinking tokens inside the output), fails
// mid-stream, reports nothing, and the page reloads mid-round.
#[test]
fn budgets_are_bounds_whatever_the_provider_reports() {
    let s = suite(true);
    let w = improving();
    let ctx = Ctx { suite: &s };
    let mut worst_ratio = 0.0f64;
    let mut runs_at_limit = 0;
    let mut both_kinds = 0;
    // The closest any run came to its approved limit (spent / approved), calls and tokens.
    let mut closest = (0.0f64, 0.0f64, 0.0f64);
    // Runs in which another model answered (one count per model).
    let mut answered_elsewhere = 0;
    for seed in 1..=300u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let config = Config {
            rounds: 1 + rng.below(3) as u32,
            k: 1 + rng.below(3) as u32,
            style: if rng.below(2) == 0 {
                RenderStyle::Markdown
            } else {
                RenderStyle::Xml
            },
            seed,
            // Half the runs with list prices (the meta model dear, the judge cheap, the other
            // models one dearer and one cheaper than the execution model): tokens that move
            // between jobs or models must never spend more money than the approved budget costs.
            prices: (seed % 2 == 0).then_some(Prices {
                input: with_others(on_slots([5e-6, 1e-6, 2e-7]), [3e-6, 1e-7]),
                output: with_others(on_slots([2e-5, 4e-6, 1e-6]), [1.5e-5, 5e-7]),
            }),
            // Half the runs also score every candidate on one or two other models, on the mean
            // or the worst of them: each model's calls have their own slot and price.
            also_on: (0..[0, 1, 0, 2][seed as usize % 4])
                .map(|m| ProviderConfig {
                    base_url: format!("http://127.0.0.1:9/v{m}"),
                    model: format!("other-{m}"),
                    ..ProviderConfig::preset(
                        crate::domain::provider::ProviderKind::Custom,
                        Role::Execution,
                    )
                })
                .collect(),
            select: if seed % 8 == 3 {
                Selection::Worst
            } else {
                Selection::Mean
            },
            ..Default::default()
        };
        let slots_used = 3 + config.also_on.len();
        // Non-English text tokenizes far worse than chars/4.
        let persona = if seed % 3 == 0 {
            "You are L0 日本語のアシスタント"
        } else {
            "You are L0"
        };
        let mut limit = project(&config, &spec(persona), &s);
        // Sometimes a tighter approved limit: calls, or the tokens of one role.
        match rng.below(3) {
            0 => limit.calls = rng.below(u64::from(limit.calls) + 1) as u32,
            1 => {
                let r = rng.below(slots_used as u64) as usize;
                limit.input[r] = rng.below(limit.input[r] + 1);
            }
            _ => {}
        }
        let mut o = Optimizer::new(config, spec(persona), 1, &s, limit);
        // Every call the machine asks for counts as issued, answered or not.
        let mut issued = 0;
        let mut queue = std::collections::VecDeque::new();
        queue_push(&mut queue, &mut issued, o.step(&ctx, Event::Start));
        let mut steps = 0;
        // A round whose proposals gave nothing waits, and so does a loop whose calls lost in a
        // reload do not fit any more: the person asks again (Resume).
        let mut retries = 0;
        while let Some(e) = queue.pop_front().or_else(|| {
            if (o.stalled().is_some() || o.short_after_loss(&ctx)) && retries < 20 {
                retries += 1;
                queue_push(
                    &mut queue,
                    &mut issued,
                    o.step(&ctx, Event::Resume { running: vec![] }),
                );
            }
            queue.pop_front()
        }) {
            steps += 1;
            assert!(steps < 20_000, "seed {seed}: the loop does not end");
            assert!(
                o.affordable(&o.spent.plus(&o.reserved)),
                "seed {seed}: spent {:?} + reserved {:?} over {:?}",
                o.spent,
                o.reserved,
                o.limit
            );
            let Effect::Call { work, request, .. } = e else {
                continue;
            };
            let (ri, ro) = worst(&request);
            match rng.below(20) {
                // The page reloads: every call not answered yet is lost with the page.
                0 => {
                    let saved = serde_json::to_string(&o).unwrap();
                    o = serde_json::from_str(&saved).unwrap();
                    queue.clear();
                    queue_push(
                        &mut queue,
                        &mut issued,
                        o.step(&ctx, Event::Resume { running: vec![] }),
                    );
                }
                // Fails mid-stream (cut off, 500 after some text).
                1 | 2 => queue_push(
                    &mut queue,
                    &mut issued,
                    o.step(
                        &ctx,
                        Event::Done {
                            work,
                            result: Err("cut off".into()),
                        },
                    ),
                ),
                // Answers but reports no usage.
                3 => {
                    let mut reply = w.answer(&o, &work, &request);
                    reply.input_tokens = 0;
                    reply.output_tokens = 0;
                    queue_push(
                        &mut queue,
                        &mut issued,
                        o.step(
                            &ctx,
                            Event::Done {
                                work,
                                result: Ok(reply),
                            },
                        ),
                    );
                }
                // Bills as much as the call can use: input anywhere up to the bound, output
                // (visible text plus thinking tokens) up to the cap.
                _ => {
                    let mut reply = w.answer(&o, &work, &request);
                    let est = estimate_tokens(request.system.as_deref().unwrap_or("")) as u64
                        + request
                            .messages
                            .iter()
                            .map(|m| estimate_tokens(&m.text) as u64)
                            .sum::<u64>();
                    let input = rng.between(est.min(ri), ri);
                    let thinking = rng.below(ro / 2 + 1);
                    let visible = rng.below(ro - thinking + 1);
                    worst_ratio = worst_ratio.max(input as f64 / est.max(1) as f64);
                    reply.input_tokens = input as u32;
                    reply.output_tokens = (visible + thinking) as u32;
                    queue_push(
                        &mut queue,
                        &mut issued,
                        o.step(
                            &ctx,
                            Event::Done {
                                work,
                                result: Ok(reply),
                            },
                        ),
                    );
                }
            }
        }
        assert!(
            o.affordable(&o.spent),
            "seed {seed}: spent {:?} over {:?}",
            o.spent,
            o.limit
        );
        assert!(
            o.in_flight.is_empty() && o.reserved == Budget::default(),
            "seed {seed}"
        );
        assert_eq!(
            o.spent.calls, issued,
            "seed {seed}: every call issued is charged once"
        );
        assert!(o.stop.is_some(), "seed {seed}");
        assert!(
            o.charged_unreported <= o.charged_whole,
            "seed {seed}: {} answered with no usage of {} charged whole",
            o.charged_unreported,
            o.charged_whole
        );
        if o.charged_unreported > 0 && o.charged_unreported < o.charged_whole {
            both_kinds += 1;
        }
        if o.stop == Some(Stop::BudgetReached) {
            runs_at_limit += 1;
        }
        // The bound is the whole (calls, tokens, money, asserted above); a model's own row may
        // be passed when calls asked again after failures fall on it (the page says so).
        for m in 1..=o.config.also_on.len() as u32 {
            if o.spent.calls_of(slot(Role::Execution, m)) > 0 {
                answered_elsewhere += 1;
            }
        }
        let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        closest.0 = closest
            .0
            .max(ratio(u64::from(o.spent.calls), u64::from(o.limit.calls)));
        closest.1 = closest.1.max(ratio(o.spent.tokens(), o.limit.tokens()));
        if let Some(p) = &o.config.prices {
            closest.2 = closest.2.max(o.spent.cost(p) / o.limit.cost(p).max(1e-12));
        }
    }
    assert!(
        worst_ratio > 3.0,
        "the fake billed above the estimate: {worst_ratio}"
    );
    assert!(
        runs_at_limit > 30,
        "many runs end at their limit: {runs_at_limit}"
    );
    assert!(
        both_kinds > 30,
        "calls answered with no usage and failed calls are told apart: {both_kinds}"
    );
    assert!(
        answered_elsewhere > 100,
        "other models answered in many runs: {answered_elsewhere}"
    );
    assert!(
        closest.0 <= 1.0 && closest.1 <= 1.0 && closest.2 <= 1.0 + 1e-9,
        "{closest:?}"
    );
    eprintln!(
        "300 runs: {runs_at_limit} stopped at the limit; usage up to {worst_ratio:.1}x the \
         estimate; closest to the limit: calls {:.3}, tokens {:.3}, money {:.3} of the approved; \
         another model answered {answered_elsewhere} times",
        closest.0, closest.1, closest.2
    );
}

/// A provider that reports more than a call can possibly use: the loop stops at once.
#[test]
fn a_provider_reporting_more_than_possible_stops_the_loop_at_once() {
    let s = suite(true);
    let w = improving();
    let ctx = Ctx { suite: &s };
    let config = Config {
        rounds: 2,
        k: 2,
        ..Default::default()
    };
    let limit = project(&config, &spec("You are L0"), &s);
    let mut o = Optimizer::new(config, spec("You are L0"), 1, &s, limit);
    let first = o.step(&ctx, Event::Start);
    let Effect::Call { work, request, .. } = first[0].clone() else {
        panic!()
    };
    let mut reply = w.answer(&o, &work, &request);
    reply.input_tokens = u32::MAX / 2;
    let after = o.step(
        &ctx,
        Event::Done {
            work,
            result: Ok(reply),
        },
    );
    assert_eq!(after, vec![Effect::Finished(Stop::BudgetReached)]);
    assert_eq!(o.stop, Some(Stop::BudgetReached));
    // The calls still in flight finish; nothing new is issued.
    for e in &first[1..] {
        let Effect::Call { work, request, .. } = e.clone() else {
            continue;
        };
        let reply = w.answer(&o, &work, &request);
        assert!(
            o.step(
                &ctx,
                Event::Done {
                    work,
                    result: Ok(reply)
                }
            )
            .is_empty()
        );
    }
}

/// Calls dropped before they were sent (pause) are released, not charged; lost ones are charged.
#[test]
fn unsent_calls_are_released_and_stopped_ones_are_charged() {
    let s = suite(true);
    let ctx = Ctx { suite: &s };
    let config = Config {
        rounds: 1,
        k: 2,
        ..Default::default()
    };
    let limit = project(&config, &spec("You are L0"), &s);
    let mut o = Optimizer::new(config, spec("You are L0"), 1, &s, limit);
    let works = calls_in(&o.step(&ctx, Event::Start));
    assert_eq!(works.len(), 4);
    o.step(&ctx, Event::Pause);
    // Two were still queued in the shell: released.
    o.step(
        &ctx,
        Event::Unsent {
            works: works[2..].to_vec(),
        },
    );
    assert_eq!(o.spent, Budget::default());
    assert_eq!(o.reserved.calls, 2);
    // One of the two running ones was lost (its tab closed): resume charges it and issues it again.
    let again = o.step(
        &ctx,
        Event::Resume {
            running: vec![works[0].clone()],
        },
    );
    assert_eq!(o.spent.calls, 1);
    // It is counted at its whole reservation, and the page can say so (session 42).
    assert_eq!(o.charged_whole, 1);
    let reissued: Vec<&Work> = again
        .iter()
        .filter_map(|e| match e {
            Effect::Call { work, .. } => Some(work),
            _ => None,
        })
        .collect();
    assert!(
        reissued.contains(&&works[1]) && reissued.contains(&&works[2]),
        "{reissued:?}"
    );
    // Cancel charges what is still in flight.
    let in_flight = o.in_flight.len() as u32;
    o.step(&ctx, Event::Cancel);
    assert_eq!(o.spent.calls, 1 + in_flight);
    assert_eq!(o.charged_whole, 1 + in_flight);
    assert_eq!(o.charged_unreported, 0);
    assert_eq!(o.reserved, Budget::default());
}
#[test]
fn the_optimizer_grades_with_the_same_judge_call_as_runs() {
    // Regression: the optimizer's judge ran at temperature 0 while runs and Reflexion ran at
    // min(setting, 0.3), so one rubric graded one output two ways.
    let s = suite(true);
    let config = Config {
        judge_temperature: 0.7,
        style: RenderStyle::Xml,
        ..Default::default()
    };
    let limit = project(&config, &spec("You are L0"), &s);
    let mut o = Optimizer::new(config.clone(), spec("You are L0"), 1, &s, limit);
    let ctx = Ctx { suite: &s };
    let effects = o.step(&ctx, Event::Start);
    let Some(Effect::Call {
        work: exec @ Work::Exec { case: id, .. },
        ..
    }) = effects.into_iter().next()
    else {
        panic!("the loop starts with an execution call");
    };
    let reply = Reply {
        text: "ok {expected}".into(),
        input_tokens: 1,
        output_tokens: 1,
        observed: Default::default(),
    };
    let effects = o.step(
        &ctx,
        Event::Done {
            work: exec,
            result: Ok(reply),
        },
    );
    let (role, request) = effects
        .into_iter()
        .find_map(|e| match e {
            Effect::Call {
                work: Work::Judge { .. },
                role,
                request,
            } => Some((role, request)),
            _ => None,
        })
        .expect("the output is judged");
    // What runs, re-judge and Reflexion send for the same output: `judge::call` with the setting.
    let case = s.case(id).unwrap();
    let prompt = spec("You are L0").render(RenderStyle::Xml);
    let subject = judge::Subject {
        rubric: "is helpful",
        prompt: &prompt,
        case,
        output: "ok {expected}",
        cut_off: false,
    };
    let same = judge::call(&subject, 0.7);
    assert_eq!((role, request.clone()), (same.role, same.request));
    assert_eq!(request.temperature, judge::MAX_TEMPERATURE);
    assert!(request.messages[0].text.contains("ok {expected}"));
    // Loops saved before the setting was kept graded at 0, and still do.
    let mut old = serde_json::to_value(&config).unwrap();
    old.as_object_mut().unwrap().remove("judge_temperature");
    let old: Config = serde_json::from_value(old).unwrap();
    assert_eq!(old.judge_temperature, 0.0);
}

#[test]
fn reflexion_and_proposal_requests_carry_texts_as_written() {
    // Regression: chained `.replace` calls re-read inserted texts, so a case input, a draft answer
    // or a critique that contained `{draft}`, `{critique}` or `{input}` had it replaced.
    use crate::domain::template::TRAP;
    use reflexion::*;
    let case = TestCase {
        input: format!("input {TRAP}"),
        ..Default::default()
    };
    let checks = vec![Assertion::new(Check::ContainsAll(vec![format!(
        "check {TRAP}"
    )]))];
    let s = PromptSpec {
        format: format!("format {TRAP}"),
        ..spec(&format!("persona {TRAP}"))
    };
    let draft = format!("draft {TRAP}");
    let user = &critique_request(&s, RenderStyle::Markdown, &case, &checks, &draft, false).messages
        [0]
    .text;
    for part in ["input", "check", "format", "persona", "draft"] {
        assert!(user.contains(&format!("{part} {TRAP}")), "{part}: {user}");
    }
    let critique = format!("critique {TRAP}");
    let f = final_request(&s, RenderStyle::Markdown, &case, &draft, &critique, 500);
    let user = &f.messages[0].text;
    for part in ["input", "draft", "critique"] {
        assert!(user.contains(&format!("{part} {TRAP}")), "{part}: {user}");
    }
    let user = &critique_prompt_request(&s).messages[0].text;
    assert!(user.contains(&format!("persona {TRAP}")), "{user}");
    // The proposal request: the best prompt and a failing case's input and output.
    let mut suite = Suite::default();
    suite.add(TestCase {
        input: format!("input {TRAP}"),
        assertions: vec![Assertion::new(Check::ContainsAll(vec!["ok".into()]))],
        ..Default::default()
    });
    let config = Config {
        rounds: 1,
        k: 1,
        ..Default::default()
    };
    let limit = project(&config, &s, &suite);
    let mut o = Optimizer::new(config, s.clone(), 1, &suite, limit);
    let ctx = Ctx { suite: &suite };
    let mut queue: std::collections::VecDeque<Effect> = o.step(&ctx, Event::Start).into();
    let mut proposal = None;
    while let Some(e) = queue.pop_front() {
        if let Effect::Call { work, request, .. } = e {
            if matches!(work, Work::Propose { .. }) {
                proposal = Some(request);
                break;
            }
            let text = format!("output {TRAP}");
            queue.extend(o.step(
                &ctx,
                Event::Done {
                    work,
                    result: Ok(Reply {
                        text,
                        input_tokens: 1,
                        output_tokens: 1,
                        observed: Default::default(),
                    }),
                },
            ));
        }
    }
    let user = &proposal.expect("a proposal is asked for").messages[0].text;
    for part in ["input", "output", "persona"] {
        assert!(user.contains(&format!("{part} {TRAP}")), "{part}: {user}");
    }
}

// Tryout 10: on the tiny model, Retry after a round whose rules were all rejected sent the same
// request with the same seed and got the same rules word for word; the advice named locks that
// did not exist.
#[test]
fn on_the_tiny_model_a_retry_samples_anew_and_names_no_locks_that_do_not_exist() {
    let s = suite(false);
    let config = Config {
        rounds: 1,
        k: 1,
        tiny_task: Some("Answer each case with ok".into()),
        ..Default::default()
    };
    let start = spec("You are a case answerer.");
    let limit = project(&config, &start, &s);
    let mut o = Optimizer::new(config, start, 1, &s, limit);
    let ctx = Ctx { suite: &s };
    let mut seeds = Vec::new();
    let mut queue: std::collections::VecDeque<Effect> = o.step(&ctx, Event::Start).into();
    for attempt in 1..=3 {
        while let Some(e) = queue.pop_front() {
            let Effect::Call { work, request, .. } = e else {
                continue;
            };
            let text = match &work {
                Work::Propose { .. } => {
                    seeds.push(request.plain.as_ref().expect("a plain completion").seed);
                    // Too short to be a rule: rejected, so the round gives nothing to try.
                    " ok\n".to_owned()
                }
                _ => "no".to_owned(),
            };
            let (i, out) = worst(&request);
            queue.extend(o.step(
                &ctx,
                Event::Done {
                    work,
                    result: Ok(Reply {
                        text,
                        input_tokens: i as u32,
                        output_tokens: out as u32 / 4,
                        observed: Default::default(),
                    }),
                },
            ));
        }
        assert_eq!(o.stalled(), Some(1), "attempt {attempt}");
        let f = &o.proposal_failures[0];
        assert_eq!(f.attempt, attempt);
        assert!(!f.advice.contains("unlock"), "{}", f.advice);
        queue.extend(o.step(&ctx, Event::Resume { running: vec![] }));
    }
    assert_eq!(seeds.len(), 3, "{seeds:?}");
    assert!(
        seeds[0] != seeds[1] && seeds[1] != seeds[2] && seeds[0] != seeds[2],
        "{seeds:?}"
    );
}

// The tiny built-in model proposes new rules, not whole prompts in JSON (`meta::tiny_jobs`):
// each usable rule becomes a candidate with the rule as a new step, an unusable one a rejected
// candidate with its reason (never evaluated), and the plain request fits the projection.
#[test]
fn on_the_tiny_model_proposals_are_rules_added_as_steps_and_unusable_ones_are_rejected() {
    let s = suite(false);
    let config = Config {
        rounds: 1,
        k: 3,
        tiny_task: Some("Answer each case with ok".into()),
        ..Default::default()
    };
    let start = spec("You are a case answerer.");
    let limit = project(&config, &start, &s);
    let mut o = Optimizer::new(config, start.clone(), 1, &s, limit);
    let ctx = Ctx { suite: &s };
    let mut queue: std::collections::VecDeque<Effect> = o.step(&ctx, Event::Start).into();
    let mut proposals = Vec::new();
    while let Some(e) = queue.pop_front() {
        let Effect::Call { work, request, .. } = e else {
            continue;
        };
        let text = match &work {
            Work::Exec { .. } => {
                let sys = request.system.clone().unwrap_or_default();
                if sys.contains("Always answer each case with ok") {
                    "ok"
                } else {
                    "no"
                }
                .to_owned()
            }
            Work::Judge { .. } => unreachable!("no judge in this suite"),
            Work::Propose { refine, .. } => {
                assert!(request.plain.is_some() && request.schema.is_none());
                let p = &request.messages[0].text;
                assert!(p.contains("Task: Answer each case with ok\nMessage: case 0\nReply: no\nWhat went wrong:"), "{p}");
                assert!(p.ends_with("New rules:\n-"));
                let (i, out) = worst(&request);
                assert!(i <= propose_input_bound(&start.render(RenderStyle::Markdown)));
                assert!(out <= propose_max_tokens(&start, 1));
                proposals.push(*refine);
                if *refine {
                    " Never write no when a case asks for ok.".to_owned()
                } else {
                    " Always answer each case with ok.\n- Do not explain your choice.\n".to_owned()
                }
            }
        };
        let (i, out) = worst(&request);
        queue.extend(o.step(
            &ctx,
            Event::Done {
                work,
                result: Ok(Reply {
                    text,
                    input_tokens: i as u32,
                    output_tokens: out as u32 / 4,
                    observed: Default::default(),
                }),
            },
        ));
    }
    assert_eq!(proposals, vec![false, true]);
    assert_eq!(o.stop, Some(Stop::Completed));
    let new: Vec<&Candidate> = o.candidates.iter().filter(|c| c.id > 0).collect();
    assert_eq!(new.len(), 3, "{new:?}");
    let usable = &new[0];
    assert_eq!(usable.mutation, Mutation::AddConstraint);
    assert_eq!(usable.rejected, None);
    assert_eq!(
        usable.spec.steps.last().unwrap(),
        "Always answer each case with ok."
    );
    assert_eq!(usable.spec.steps.len(), start.steps.len() + 1);
    assert!(
        usable
            .rationale
            .contains("written by the local model from case #1's failure"),
        "{}",
        usable.rationale
    );
    assert!(
        new[1]
            .rejected
            .as_deref()
            .unwrap()
            .contains("worked examples"),
        "{:?}",
        new[1].rejected
    );
    assert!(
        new[1].train.is_empty(),
        "a rejected rule is never evaluated"
    );
    assert!(
        new[1].rationale.starts_with("Would have added the step")
            && new[1].rationale.ends_with("; not tried."),
        "{}",
        new[1].rationale
    );
    assert!(new[2].rejected.is_none() && !new[2].train.is_empty());
    assert_eq!(o.best, usable.id);
    assert!(o.mean(&ctx, o.best, false).unwrap() > o.mean(&ctx, 0, false).unwrap());
    assert!(o.spent.within(&o.limit));
}

// Bug (tryout 3): training cases with no checks were sent and, when their call failed or was
// cut off, scored 0: the loop's mean was diluted (6 where a run scored its one checked case 75)
// and the tiny model's rules were written "from case #3's failure". A case with nothing to check
// is left out as a run's results leave it out ("no checks").
#[test]
fn cases_with_nothing_to_check_are_not_sent_scored_or_learned_from_by_the_optimizer() {
    let full = suite(false);
    let mut s = full.clone();
    for c in s.cases.iter_mut().filter(|c| c.id == 3 || c.id == 4) {
        c.assertions.clear();
    }
    let config = Config {
        rounds: 1,
        k: 1,
        minibatch: 10,
        ..Default::default()
    };
    let start = spec("You are L1");
    let limit = project(&config, &start, &s);
    let o = Optimizer::new(config.clone(), start.clone(), 1, &s, limit);
    assert_eq!(o.minibatch, vec![1, 2]);
    assert_eq!(o.held_out, vec![5]);
    // The projection prices only the cases that are sent.
    let mut checked_only = s.clone();
    checked_only.cases.retain(|c| c.id != 3 && c.id != 4);
    assert_eq!(limit, project(&config, &start, &checked_only));

    // A loop started while cases 3 and 4 had checks, which were removed afterwards: case 3's call
    // failed and case 4 was cut off. Neither is counted any more, nor learned from.
    let limit = project(&config, &start, &full);
    let mut o = Optimizer::new(config, start, 1, &full, limit);
    assert_eq!(o.minibatch, vec![1, 2, 3, 4]);
    let ctx = Ctx { suite: &full };
    let mut queue: std::collections::VecDeque<Effect> = o.step(&ctx, Event::Start).into();
    while let Some(e) = queue.pop_front() {
        let Effect::Call { work, request, .. } = e else {
            continue;
        };
        if matches!(o.phase, Phase::Proposing(_)) {
            break;
        }
        let result = match &work {
            Work::Exec { case: 3, .. } => Err("HTTP 500".to_owned()),
            Work::Exec { case: 4, .. } => {
                let mut r = improving().answer(&o, &work, &request);
                r.observed.finish_reason = Some("length".into());
                Ok(r)
            }
            _ => Ok(improving().answer(&o, &work, &request)),
        };
        queue.extend(o.step(&ctx, Event::Done { work, result }));
    }
    let before = o.scores(&ctx, 0, false).unwrap();
    assert_eq!(before.len(), 4, "{before:?}");
    assert!((o.mean(&ctx, 0, false).unwrap() - 25.0).abs() < 1e-9);
    let ctx = Ctx { suite: &s };
    let after = o.scores(&ctx, 0, false).unwrap();
    assert_eq!(after, SortedMap::from([(1, 1.0), (2, 0.0)]));
    assert!((o.mean(&ctx, 0, false).unwrap() - 50.0).abs() < 1e-9);
    let (worst_case, _) = o.tiny_failure(&ctx);
    assert_eq!(worst_case, Some(2));
    let user = o.propose_request(&ctx, 1, false).unwrap().messages[0]
        .text
        .clone();
    assert!(user.contains("Input: case 1"), "{user}");
    // Case ids count from 1, inputs from 0: case 2 fails, cases 3 and 4 are left out.
    assert!(
        !user.contains("Input: case 2") && !user.contains("Input: case 3"),
        "{user}"
    );
}

// Bug (tryout 3): "Add training cases (with checks) first" showed before any case existed, then
// Start was allowed with four training cases and no check at all.
#[test]
fn the_loop_waits_for_a_training_case_with_a_check_and_names_the_cases_without() {
    let mut s = Suite::default();
    assert!(
        cases_readiness(&s)
            .unwrap_err()
            .contains("Add training cases")
    );
    for i in 0..3 {
        s.add(TestCase {
            input: format!("case {i}"),
            split: if i == 2 { Split::HeldOut } else { Split::Train },
            ..Default::default()
        });
    }
    let why = cases_readiness(&s).unwrap_err();
    assert!(why.contains("No training case has a check"), "{why}");
    assert!(why.contains("cases #1, #2"), "{why}");
    s.cases[0]
        .assertions
        .push(Assertion::new(Check::ContainsAll(vec!["ok".into()])));
    let note = cases_readiness(&s).unwrap().unwrap();
    assert_eq!(
        note,
        "Cases #2, #3 have no checks, so the loop leaves them out: add checks to use them."
    );
    s.global
        .push(Assertion::new(Check::ContainsAll(vec!["ok".into()])));
    assert_eq!(cases_readiness(&s), Ok(None));
}

// Bug (tryout 3): "Most calls" 2 was accepted for a plan that cannot even score the prompt; the
// box said "Up to 2 calls and 492,213 tokens" (the full plan's tokens), and the loop ended
// "Stopped at the approved budget" with a notice pointing at candidates that did not exist.
#[test]
fn a_call_cap_too_small_to_score_the_prompt_is_named_and_the_projection_is_what_it_allows() {
    let s = suite(true);
    let start = spec("You are L1");
    let full = Config {
        rounds: 2,
        k: 2,
        ..Default::default()
    };
    // Four training cases and one held-out, each with an answer and a judge call.
    assert_eq!(first_evaluation_calls(&full, &s), (5, 5));
    assert_eq!(cap_problem(&full, &s), None);
    let capped = Config {
        max_calls: Some(2),
        ..full.clone()
    };
    let why = cap_problem(&capped, &s).unwrap();
    assert!(
        why.contains("Most calls (2) cannot even score your prompt"),
        "{why}"
    );
    assert!(
        why.contains("takes 10 calls (5 answers and 5 judge calls)"),
        "{why}"
    );
    // Round 1 asks for candidates twice (K = 2: new ideas and a refinement), then scores its
    // two candidates side by side, each on four answers and four judge calls: 10 + 2 + 16.
    assert_eq!(first_round_calls(&full, &s), (2, 2, 8, 8));
    assert!(
        why.contains("at least 28 (your prompt and the first round's candidates)"),
        "{why}"
    );
    // Tryout: a cap that scores the prompt but not the first round was accepted at Start, and
    // the loop spent calls on candidates it could not finish.
    let at = |n| Config {
        max_calls: Some(n),
        ..full.clone()
    };
    for n in [10, 12, 20, 27] {
        let why = cap_problem(&at(n), &s).unwrap_or_default();
        assert!(
            why.contains(&format!(
                "Most calls ({n}) can score your prompt (10 calls) but not the first round's candidates: asking for them takes 2 calls and scoring the 2 candidates takes 16 calls (8 answers and 8 judge calls)"
            )),
            "{n}: {why}"
        );
        assert!(why.contains("at least 28, or leave it empty"), "{why}");
    }
    assert_eq!(cap_problem(&at(28), &s), None);
    // Tryout 48: on two models the cases were counted twice ("scoring it on 12 cases" for 6).
    let two = Config {
        also_on: vec![crate::domain::provider::ProviderConfig::preset(
            crate::domain::provider::ProviderKind::OpenAi,
            crate::domain::provider::Role::Execution,
        )],
        ..capped.clone()
    };
    let why = cap_problem(&two, &s).unwrap();
    assert!(
        why.contains(
            "scoring it on 5 cases on 2 models takes 20 calls (10 answers and 10 judge calls)"
        ),
        "{why}"
    );
    // No rounds: scoring the prompt is the whole plan.
    let no_rounds = Config {
        rounds: 0,
        ..at(10)
    };
    assert_eq!(first_round_calls(&no_rounds, &s), (0, 0, 0, 0));
    assert_eq!(cap_problem(&no_rounds, &s), None);

    // The projection under the cap: 2 calls, and per role no more tokens than its 2 largest calls.
    let whole = project(&full, &start, &s);
    let limit = project(&capped, &start, &s);
    assert_eq!(limit.calls, 2);
    assert!(
        limit.tokens() * 4 < whole.tokens(),
        "{limit:?} vs {whole:?}"
    );
    for role in Role::ALL {
        let (wi, wo) = whole.of(slot(role, 0));
        let (li, lo) = limit.of(slot(role, 0));
        assert!(li <= wi && lo <= wo);
        if whole.calls_of(slot(role, 0)) > 0 {
            assert!(li > 0 && lo > 0, "{role:?} can still make its calls");
        }
    }

    // Started anyway (the domain does not refuse it): it stops within the limit, and says no
    // candidates were written instead of pointing at them.
    let mut o = Optimizer::new(capped, start.clone(), 1, &s, limit);
    drive(&mut o, &s, &improving());
    assert_eq!(o.stop, Some(Stop::BudgetReached));
    assert!(o.spent.calls <= 2);
    let note = o.end_note().unwrap();
    assert!(
        note.starts_with("Stopped at the approved budget."),
        "{note}"
    );
    assert!(
        note.contains("before your prompt's scoring was finished"),
        "{note}"
    );
    assert!(!note.contains("See the"), "{note}");

    // A loop that wrote candidates points at them.
    let mut o = Optimizer::new(full.clone(), start.clone(), 1, &s, whole);
    drive(&mut o, &s, &improving());
    let note = o.end_note().unwrap();
    assert!(note.contains("candidates under Improve"), "{note}");
    // Tryout 11 (m6): candidates set aside before a try are not counted as if tried.
    let written = o.candidates.iter().filter(|c| c.id != 0).count();
    let aside = o
        .candidates
        .iter()
        .filter(|c| c.id != 0 && c.rejected.is_some())
        .count();
    assert!(written > aside && aside >= 1, "{written} {aside}");
    assert!(
        note.ends_with(&format!(
            " See the {} under Improve ({aside} set aside without a try: {}).",
            crate::domain::figures::count(written, "candidate", "candidates"),
            if aside == 1 {
                "the reason is under it"
            } else {
                "the reasons are under them"
            }
        )),
        "{note}"
    );
    for c in o.candidates.iter_mut() {
        c.rejected = None;
    }
    let note = o.end_note().unwrap();
    assert!(
        note.ends_with(&format!(
            " See the {} under Improve.",
            crate::domain::figures::count(written, "candidate", "candidates")
        )),
        "{note}"
    );
    // Improve's own line points below it, the rest as the toast's (tryout 120).
    let here = o.end_note_below().unwrap();
    assert_eq!(here, note.replace(" under Improve.", " below."));
}

/// Two training cases, each checked for "ok" and graded by the judge ("is helpful").
fn two_case_suite() -> Suite {
    let mut s = Suite::default();
    for i in 0..2 {
        s.add(TestCase {
            input: format!("case {i}"),
            assertions: vec![Assertion::new(Check::ContainsAll(vec!["ok".into()]))],
            split: Split::Train,
            ..Default::default()
        });
    }
    s.global.push(Assertion::new(Check::Judge {
        rubric: "is helpful".into(),
        threshold: 6,
    }));
    s
}

/// Answers every call of `effects` and of what follows, in issue order, checking the budget
/// after every step; returns the calls issued.
fn answer_all(o: &mut Optimizer, s: &Suite, w: &World, effects: Vec<Effect>) -> Vec<Work> {
    let ctx = Ctx { suite: s };
    let mut queue: std::collections::VecDeque<Effect> = effects.into();
    let mut log = Vec::new();
    while let Some(e) = queue.pop_front() {
        assert!(o.spent.plus(&o.reserved).within(&o.limit), "over budget");
        if let Effect::Call { work, request, .. } = e {
            log.push(work.clone());
            let reply = w.answer(o, &work, &request);
            queue.extend(o.step(
                &ctx,
                Event::Done {
                    work,
                    result: Ok(reply),
                },
            ));
        }
    }
    log
}

fn calls_of(effects: &[Effect]) -> Vec<Work> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Call { work, .. } => Some(work.clone()),
            Effect::Finished(_) => None,
        })
        .collect()
}

// Tryout: Rounds 1, Candidates 1, two training cases ("Up to 9 calls"); the tab reloaded while
// the 5th call (the proposal) was in flight. Resume charged the lost call in full and ended the
// loop "Stopped at the approved budget" with 4 calls left and the 4 scoring calls wasted. Now the
// lost call is asked again within what is left (the budget is one pool), and when the loop is one
// call short at the end it waits and offers that call on top of the budget; the person's Resume
// approves it and the loop finishes.
#[test]
fn a_proposal_lost_in_a_reload_waits_for_approval_instead_of_ending_at_the_budget() {
    let s = two_case_suite();
    let ctx = Ctx { suite: &s };
    let config = Config {
        rounds: 1,
        k: 1,
        ..Default::default()
    };
    let limit = project(&config, &spec("You are L0"), &s);
    assert_eq!(
        limit.calls, 9,
        "2 answers and 2 judge calls, twice, and 1 proposal"
    );
    let mut o = Optimizer::new(config, spec("You are L0"), 1, &s, limit);
    drive_until_proposal(&mut o, &s);
    assert_eq!((o.spent.calls, o.in_flight.len()), (4, 1));
    // The page reloads and continues by itself: the proposal is charged (it went out) and
    // asked again within what is left.
    let mut back: Optimizer = serde_json::from_str(&serde_json::to_string(&o).unwrap()).unwrap();
    let first = back.step(&ctx, Event::Resume { running: vec![] });
    assert_eq!(back.spent.calls, 5, "the lost call counts as used");
    assert_eq!(
        calls_of(&first),
        vec![Work::Propose {
            round: 1,
            refine: false
        }]
    );
    answer_all(&mut back, &s, &improving(), first);
    // One call short of finishing: it waits (and never ends as if the budget were used) ...
    assert_eq!(back.stop, None, "{:?}", back.end_note());
    assert!(back.paused);
    assert_eq!(back.spent.calls, 9);
    // ... offering the lost call on top of the budget; the person's Resume approves it.
    let extra = back
        .retry_budget(&ctx)
        .expect("Resume offers the lost call again");
    assert_eq!(extra.calls, 1);
    let again = back.step(&ctx, Event::Resume { running: vec![] });
    assert_eq!(calls_of(&again).len(), 1);
    assert_eq!(back.limit, limit.plus(&extra));
    assert_eq!(back.added_calls, 1, "the approved call is counted apart");
    let saved: Optimizer = serde_json::from_str(&serde_json::to_string(&back).unwrap()).unwrap();
    assert_eq!(saved.added_calls, 1, "and kept in the snapshot");
    answer_all(&mut back, &s, &improving(), again);
    assert_eq!(back.stop, Some(Stop::Completed));
    // Every call that went out is counted: 4, the lost one, then the proposal and 4 again.
    assert_eq!(back.spent.calls, 4 + 1 + 5);
    assert!(back.spent.within(&back.limit));
}

// The same reload when the page holds the loop (the key was forgotten): the paused page counts
// the lost call at once (it said "4 of 9 calls used" while 5 had gone out); Resume asks again
// within the approved budget, and a budget that cannot cover the whole loop any more waits for
// the person to approve the lost call's worth.
#[test]
fn a_call_lost_with_the_page_is_counted_at_once_and_done_again_within_the_budget_when_it_fits() {
    let s = two_case_suite();
    let ctx = Ctx { suite: &s };
    let config = Config {
        rounds: 1,
        k: 1,
        ..Default::default()
    };
    let projected = project(&config, &spec("You are L0"), &s);
    for (limit, fits) in [(projected, false), (projected.plus(&projected), true)] {
        let mut o = Optimizer::new(config.clone(), spec("You are L0"), 1, &s, limit);
        drive_until_proposal(&mut o, &s);
        let reserved = o.reserved;
        let mut back: Optimizer =
            serde_json::from_str(&serde_json::to_string(&o).unwrap()).unwrap();
        back.paused = true;
        assert!(back.step(&ctx, Event::Lost).is_empty());
        assert_eq!(back.spent.calls, 5, "counted while paused");
        assert_eq!(back.lost, reserved);
        assert!(back.in_flight.is_empty() && back.reserved == Budget::default());
        let again = back.step(&ctx, Event::Resume { running: vec![] });
        assert_eq!(calls_of(&again).len(), 1, "the proposal again");
        answer_all(&mut back, &s, &improving(), again);
        if !fits {
            // One call short at the end: approved on Resume, never ended at the budget.
            assert!(back.paused && back.stop.is_none());
            assert_eq!(back.retry_budget(&ctx).map(|b| b.calls), Some(1));
            let last = back.step(&ctx, Event::Resume { running: vec![] });
            answer_all(&mut back, &s, &improving(), last);
        }
        assert_eq!(back.limit == limit, fits, "extra approved only when needed");
        assert_eq!(back.stop, Some(Stop::Completed));
        assert_eq!(back.spent.calls, 10);
    }
}

// Tryout: a finished loop's candidate read "Training 95 (parent 98, -2)" (95 - 98 is -3), "0
// wins, 0 losses, 1 tie" with two training cases and no word about the other one (its judge
// failed for the candidate), and "kept (the best on some case)" though it won no case: it was
// only tied for the best.
#[test]
fn a_candidate_against_its_parent_adds_up_names_cases_left_out_and_ties_are_not_wins() {
    let s = two_case_suite();
    let ctx = Ctx { suite: &s };
    let (a, b) = (s.cases[0].id, s.cases[1].id);
    let config = Config {
        rounds: 1,
        k: 1,
        ..Default::default()
    };
    let limit = project(&config, &spec("You are L0"), &s);
    let mut o = Optimizer::new(config, spec("You are L0"), 1, &s, limit);
    let mut queue: std::collections::VecDeque<Effect> = o.step(&ctx, Event::Start).into();
    let w = World {
        levels: vec![vec!["You are L1"]],
        judge_score: 9,
    };
    while let Some(e) = queue.pop_front() {
        let Effect::Call { work, request, .. } = e else {
            continue;
        };
        let result = match &work {
            Work::Exec { .. } => Ok(text_reply("ok, done", None)),
            // The parent: 9 on case a (0.95 with the "ok" check), 10 on b (1.0): 97.5. The
            // candidate: 9 on a (a tie), and its judge on b fails: 95, b left out.
            Work::Judge { cand: 0, case, .. } => Ok(text_reply(
                &json!({"reasoning": "fine answer", "score": if *case == a { 9 } else { 10 }})
                    .to_string(),
                None,
            )),
            Work::Judge { case, .. } if *case == b => Err("HTTP 500: server error".to_owned()),
            _ => Ok(w.answer(&o, &work, &request)),
        };
        queue.extend(o.step(&ctx, Event::Done { work, result }));
    }
    assert_eq!(o.stop, Some(Stop::Completed));
    assert_eq!(o.mean(&ctx, 0, false), Some(97.5));
    assert_eq!(o.mean(&ctx, 1, false), Some(95.0));
    let v = o.against_parent(&ctx, 1).expect("both scored");
    assert_eq!((v.train, v.parent), (Some(95), Some(98)));
    // Tryout 86: the two means are over other cases (case b is left out for the candidate),
    // so no change is said between them ("Training 100 (parent 75, +25)": one case against
    // two). With the same cases it is the change between the figures shown.
    assert_eq!(v.change, None, "not over the same cases");
    assert_eq!((v.wins, v.losses, v.ties), (0, 0, 1));
    assert_eq!(v.left_out.len(), 1, "{:?}", v.left_out);
    assert_eq!(v.left_out[0].0, b);
    assert!(
        v.left_out[0]
            .1
            .starts_with("for this candidate, the judge could not grade the answer")
            && v.left_out[0].1.contains("HTTP 500"),
        "{}",
        v.left_out[0].1
    );
    assert!(
        o.against_parent(&ctx, 0).is_none(),
        "the starting prompt has no parent"
    );
    // Kept (neither dominates the other on the case both have), but only tied for the best.
    let c = o.candidate(1).unwrap();
    assert!(c.kept && o.best == 0);
    assert_eq!(c.standing.best_on, Vec::<u32>::new());
    assert_eq!(c.standing.tied_best_on, vec![a]);
    let parent = o.candidate(0).unwrap();
    assert_eq!(parent.standing.best_on, vec![b]);
    assert_eq!(parent.standing.tied_best_on, vec![a]);
}

#[test]
fn standings_tell_the_best_alone_from_the_tied() {
    let t = |v: &[(u32, f64)]| -> SortedMap<u32, f64> { v.iter().copied().collect() };
    let pool = vec![
        (1, t(&[(0, 1.0), (1, 0.5), (2, 0.2)])),
        (2, t(&[(0, 1.0), (1, 0.7)])),
        (3, t(&[(0, 0.3), (1, 0.7), (2, 0.1)])),
    ];
    let st = standings(&pool);
    assert_eq!(st[&1].best_on, vec![2]);
    assert_eq!(st[&1].tied_best_on, vec![0]);
    assert_eq!(st[&2].best_on, Vec::<u32>::new());
    assert_eq!(st[&2].tied_best_on, vec![0, 1]);
    assert_eq!(st[&3].best_on, Vec::<u32>::new());
    assert_eq!(st[&3].tied_best_on, vec![1]);
}

#[test]
fn shown_points_round_halves_away_from_zero_so_differences_add_up() {
    // Never 100 for less (tryout 68: 99.5 read as a perfect score).
    for (mean, shown) in [
        (97.5, 98),
        (95.0, 95),
        (2.5, 3),
        (0.4, 0),
        (99.5, 99),
        (100.0, 100),
    ] {
        assert_eq!(shown_points(mean), shown, "{mean}");
    }
}

// A loop that stops at the budget with calls left says it was the tokens that ran out.
#[test]
fn a_budget_stop_with_calls_left_says_the_tokens_ran_out() {
    let s = two_case_suite();
    let config = Config {
        rounds: 1,
        k: 1,
        ..Default::default()
    };
    let mut limit = project(&config, &spec("You are L0"), &s);
    // No room for the proposal's tokens: the loop ends after scoring the starting prompt.
    let cap = limit.tokens() - limit.input[0] - limit.output[0];
    limit.input = on_slots([0, cap, 0]);
    limit.output = on_slots([0; 3]);
    let mut probe = Optimizer::new(config.clone(), spec("You are L0"), 1, &s, limit);
    drive_until_proposal(&mut probe, &s);
    // Exactly the tokens the starting prompt's scoring used: the proposal cannot fit.
    limit.input = on_slots([0, probe.spent.tokens(), 0]);
    let mut o = Optimizer::new(config, spec("You are L0"), 1, &s, limit);
    drive(&mut o, &s, &improving());
    assert_eq!(o.stop, Some(Stop::BudgetReached));
    assert!(o.spent.calls < o.limit.calls);
    let note = o.end_note().unwrap();
    assert!(
        note.starts_with(
            "Stopped at the approved budget. The tokens approved ran out before the calls"
        ),
        "{note}"
    );
}

// A case removed after the loop (or whose checks were removed) is named as left out, not
// silently missing from the wins, losses and ties.
#[test]
fn a_case_changed_after_the_loop_is_named_as_left_out() {
    let s = two_case_suite();
    let config = Config {
        rounds: 1,
        k: 1,
        ..Default::default()
    };
    let limit = project(&config, &spec("You are L0"), &s);
    let mut o = Optimizer::new(config, spec("You are L0"), 1, &s, limit);
    drive(&mut o, &s, &improving());
    assert_eq!(o.stop, Some(Stop::Completed));
    let (a, b) = (s.cases[0].id, s.cases[1].id);
    let full = o.against_parent(&Ctx { suite: &s }, 1).unwrap();
    assert_eq!(full.wins + full.losses + full.ties, 2);
    assert!(full.left_out.is_empty());
    let mut fewer = s.clone();
    fewer.cases.retain(|c| c.id != b);
    let v = o.against_parent(&Ctx { suite: &fewer }, 1).unwrap();
    assert_eq!(v.wins + v.losses + v.ties, 1);
    assert_eq!(
        v.left_out,
        vec![(b, "it is no longer among the test cases".to_owned())]
    );
    let mut unchecked = s.clone();
    unchecked.global.clear();
    unchecked
        .cases
        .iter_mut()
        .filter(|c| c.id == a)
        .for_each(|c| c.assertions.clear());
    let v = o.against_parent(&Ctx { suite: &unchecked }, 1).unwrap();
    assert_eq!(v.left_out, vec![(a, "it has no check any more".to_owned())]);
}

#[test]
fn the_persons_thumbs_down_notes_reach_the_proposal_request_like_failed_checks() {
    // A starting prompt that passes every training case: nothing fails on its checks.
    let s = suite(false);
    let config = Config::default();
    let limit = project(&config, &spec("You are L4"), &s);
    let mut o = Optimizer::new(config, spec("You are L4"), 1, &s, limit);
    drive_until_proposal(&mut o, &s);
    let ctx = Ctx { suite: &s };
    let before = o.mean(&ctx, 0, false).unwrap();
    assert_eq!(before, 100.0);
    let text = |o: &Optimizer| {
        o.propose_request(&ctx, 1, false).unwrap().messages[0]
            .text
            .clone()
    };
    assert!(
        text(&o).contains("(none: every case passed"),
        "{}",
        text(&o)
    );
    // The person rates the loop's answer to one case down: it counts as a failed check in the
    // candidate's score and its note is read like a failed check's reason.
    let (a, b) = (o.minibatch[0], o.minibatch[1]);
    assert!(o.rate(
        0,
        a,
        Some(eval::rating::Rating::new(
            eval::rating::Thumb::Down,
            "Never says when it is due."
        ))
    ));
    assert!(!o.rate(0, 999, None), "no answer to rate");
    assert!(o.mean(&ctx, 0, false).unwrap() < before);
    let t = text(&o);
    assert!(
        t.contains(
            "- The person's rating: The person rated this answer down: Never says when it is due."
        ),
        "{t}"
    );
    // A thumbs-down on the starting prompt's answer in a run (another output) comes too, with
    // the answer it was given on.
    o.rated.insert(
        b,
        RatedAnswer {
            output: "ok, done (from the run)".into(),
            rating: eval::rating::Rating::new(
                eval::rating::Thumb::Down,
                "Too curt for a customer.",
            ),
        },
    );
    let t = text(&o);
    assert!(
        t.contains("Output (an answer in an earlier run): ok, done (from the run)\nWhat went wrong:\n- The person's rating: The person rated this answer down: Too curt for a customer."),
        "{t}"
    );
    // Both kinds of rating are kept in the loop's saved state (storage and exports).
    let back: Optimizer = serde_json::from_value(serde_json::to_value(&o).unwrap()).unwrap();
    assert_eq!(back.rated, o.rated);
    assert_eq!(
        back.candidates[0].train[&a].observed.rating,
        o.candidates[0].train[&a].observed.rating
    );
    assert!(back.validate().is_ok());
    // A thumbs-up adds nothing.
    o.rated.clear();
    o.candidates[0].train.get_mut(&a).unwrap().observed.rating = Some(eval::rating::Rating::new(
        eval::rating::Thumb::Up,
        "Lovely.",
    ));
    assert_eq!(o.mean(&ctx, 0, false).unwrap(), before);
    assert!(!text(&o).contains("Lovely."));
}

/// Case 0 of `suite` as a conversation: user, assistant, then its message.
fn with_a_conversation(mut s: Suite) -> Suite {
    let id = s.cases[0].id;
    let c = s.cases.iter_mut().find(|c| c.id == id).unwrap();
    c.turns = vec![
        crate::domain::eval::Message::user("Earlier: my name is Ana."),
        crate::domain::eval::Message::assistant("Hello Ana, noted."),
    ];
    s
}

#[test]
fn reflexion_sees_the_conversation_in_its_critique_and_final() {
    use reflexion::*;
    let s = with_a_conversation(suite(false));
    let case = s.cases[0].clone();
    let critique = critique_request(
        &spec("You are L0"),
        RenderStyle::Markdown,
        &case,
        &[],
        "Hi",
        false,
    );
    let user = &critique.messages[0].text;
    assert!(user.contains("Earlier: my name is Ana."), "{user}");
    assert!(user.contains("Hello Ana, noted."), "{user}");
    assert!(user.contains("case 0"), "{user}");
    // The final answer is asked in the conversation, as the draft was: its turns, then the
    // message with the draft and the critique.
    let f = final_request(
        &spec("You are L0"),
        RenderStyle::Markdown,
        &case,
        "Hi",
        "Too short.",
        500,
    );
    assert_eq!(f.messages.len(), 3);
    assert_eq!(
        f.messages[0],
        crate::domain::eval::Message::user("Earlier: my name is Ana.")
    );
    assert_eq!(
        f.messages[1].speaker,
        crate::domain::eval::Speaker::Assistant
    );
    assert!(f.messages[2].text.starts_with("case 0"));
    assert!(f.messages[2].text.contains("Too short."));
}

#[test]
fn the_optimizers_feedback_shows_a_failing_case_with_its_conversation() {
    let s = with_a_conversation(suite(false));
    let config = Config::default();
    let limit = project(&config, &spec("You are L0"), &s);
    let mut o = Optimizer::new(config, spec("You are L0"), 1, &s, limit);
    drive_until_proposal(&mut o, &s);
    let ctx = Ctx { suite: &s };
    let text = o.propose_request(&ctx, 1, false).unwrap().messages[0]
        .text
        .clone();
    let failed = text.split("## Failed cases").nth(1).expect("failed cases");
    eval::assert_in_order(
        failed,
        &["Earlier: my name is Ana.", "Hello Ana, noted.", "case 0"],
    );
}

#[test]
fn a_rated_run_answer_reaches_the_proposal_with_its_conversation() {
    // Bug: a thumbs-down on a run's answer was quoted with the last user message only, so the
    // proposal's author never saw the conversation the answer was given in.
    let s = with_a_conversation(suite(false));
    let config = Config::default();
    // A starting prompt that passes every case: the rated answer is not among the failures.
    let limit = project(&config, &spec("You are L4"), &s);
    let mut o = Optimizer::new(config, spec("You are L4"), 1, &s, limit);
    drive_until_proposal(&mut o, &s);
    o.rated.insert(
        s.cases[0].id,
        RatedAnswer {
            output: "Hi (from the run)".into(),
            rating: eval::rating::Rating::new(eval::rating::Thumb::Down, "Forgot her name."),
        },
    );
    let ctx = Ctx { suite: &s };
    let text = o.propose_request(&ctx, 1, false).unwrap().messages[0]
        .text
        .clone();
    let (before, _) = text
        .split_once("Output (an answer in an earlier run): Hi (from the run)")
        .expect("the rated answer");
    let input = before.rsplit("Input: ").next().unwrap();
    eval::assert_in_order(
        input,
        &["Earlier: my name is Ana.", "Hello Ana, noted.", "case 0"],
    );
}

// Tryout 8: every call of a phase was issued at once and waited in the page; a reload charged
// 12 calls "cut off … may still be billed" where at most 7 had gone out. The machine issues no
// more than the shell sends at once, and a reload charges only those.
#[test]
fn no_more_calls_are_issued_than_are_sent_at_once() {
    let s = suite(true);
    let ctx = Ctx { suite: &s };
    let config = Config::default();
    let limit = project(&config, &spec("You are L0"), &s);
    let mut o = Optimizer::new(config, spec("You are L0"), 1, &s, limit);
    o.at_once = 2;
    let first = o.step(&ctx, Event::Start);
    assert_eq!(calls_of(&first).len(), 2);
    assert_eq!(o.in_flight.len(), 2);
    // The page reloads: only the two that went out are charged.
    let mut back: Optimizer = serde_json::from_str(&serde_json::to_string(&o).unwrap()).unwrap();
    back.paused = true;
    back.step(&ctx, Event::Lost);
    assert_eq!((back.spent.calls, back.lost.calls), (2, 2));
    // An answer frees a slot for the next call, never more than two at once.
    let w = improving();
    let mut queue: std::collections::VecDeque<Effect> = first.into();
    let mut most = 0;
    while let Some(e) = queue.pop_front() {
        most = most.max(o.in_flight.len());
        if let Effect::Call { work, request, .. } = e {
            let reply = w.answer(&o, &work, &request);
            queue.extend(o.step(
                &ctx,
                Event::Done {
                    work,
                    result: Ok(reply),
                },
            ));
        }
    }
    assert_eq!(most, 2);
    assert!(o.stop.is_some());
}

/// Scores the starting prompt with `exec` as every answer and every judge call failing, and
/// returns the first proposal request's text.
fn proposal_after_failed_judges(exec: &str) -> String {
    proposal_after(exec, Err("HTTP 500".to_owned()))
}

/// The request for candidates after the starting prompt answered every case `exec` and every
/// judge call came back as `judge`.
fn proposal_after(exec: &str, judge: Result<String, String>) -> String {
    let (o, s) = scored_start(Some(exec), judge);
    let ctx = Ctx { suite: &s };
    o.propose_request(&ctx, 1, false).unwrap().messages[0]
        .text
        .clone()
}

/// A one-round loop on `suite(true)` whose starting prompt ("You are L0") is scored, each answer
/// being `exec` (the improving world's when `None`) and each judge call `judge`; returned when
/// the loop asks for candidates.
fn scored_start(exec: Option<&str>, judge: Result<String, String>) -> (Optimizer, Suite) {
    let s = suite(true);
    let ctx = Ctx { suite: &s };
    let config = Config {
        rounds: 1,
        k: 1,
        ..Default::default()
    };
    let start = spec("You are L0");
    let limit = project(&config, &start, &s);
    let mut o = Optimizer::new(config, start, 1, &s, limit);
    let mut queue: std::collections::VecDeque<Effect> = o.step(&ctx, Event::Start).into();
    while let Some(e) = queue.pop_front() {
        let Effect::Call { work, request, .. } = e else {
            continue;
        };
        if matches!(o.phase, Phase::Proposing(_)) {
            break;
        }
        let answer = improving().answer(&o, &work, &request);
        let result = match &work {
            Work::Judge { .. } => judge.clone().map(|text| Reply { text, ..answer }),
            _ => Ok(match exec {
                Some(text) => Reply {
                    text: text.to_owned(),
                    ..answer
                },
                None => answer,
            }),
        };
        queue.extend(o.step(&ctx, Event::Done { work, result }));
    }
    assert!(matches!(o.phase, Phase::Proposing(_)), "{:?}", o.phase);
    (o, s)
}

// Tryout (session 21): every answer failed its "contains" check and every judge call failed;
// the proposal request said "(score 0 / 100)" and "Failed cases: (none: every case passed)".
#[test]
fn a_proposal_never_says_every_case_passed_when_the_judge_gave_no_verdict() {
    // Every answer fails its own check: those failures are known and listed, with the reason.
    let text = proposal_after_failed_judges("no");
    let failed = text.split("## Failed cases").nth(1).expect("failed cases");
    assert!(!failed.contains("every case passed"), "{failed}");
    assert!(failed.contains("Input: case"), "{failed}");
    assert!(failed.contains("contains"), "{failed}");
    assert!(
        text.contains("(score not known: no case could be scored)"),
        "{text}"
    );
    // Every answer passes its own check, and no judge gave a verdict: no failure is known, and
    // the request says the cases could not be scored rather than that they passed.
    let text = proposal_after_failed_judges("ok, done");
    let failed = text.split("## Failed cases").nth(1).expect("failed cases");
    assert!(!failed.contains("every case passed"), "{failed}");
    assert!(
        failed.contains("could not be scored (the judge gave no verdict)"),
        "{failed}"
    );
}

// Tryout 48: cases that passed every check (a judge's 8 over a pass mark of 6 scores 80) were
// sent to the meta model as failures with nothing under "What went wrong", and "Passed cases:
// (none)".
#[test]
fn a_case_that_passed_every_check_is_not_sent_as_a_failure() {
    let text = proposal_after(
        "ok, done",
        Ok(r#"{"reasoning": "Helpful and complete.", "score": 8}"#.to_owned()),
    );
    let (before, passed) = text.split_once("## Passed cases").expect("passed cases");
    let failed = before
        .split("## Failed cases")
        .nth(1)
        .expect("failed cases");
    assert!(!failed.contains("Input: case"), "{failed}");
    assert!(!failed.contains("What went wrong"), "{failed}");
    assert!(passed.contains("Input: case"), "{passed}");
    // A judge's 4 under the pass mark is a failure, with the judge's reason.
    let text = proposal_after(
        "ok, done",
        Ok(r#"{"reasoning": "Too vague to act on.", "score": 4}"#.to_owned()),
    );
    let failed = text.split("## Failed cases").nth(1).expect("failed cases");
    let failed = failed.split("## Passed cases").next().unwrap_or_default();
    assert!(failed.contains("Too vague to act on."), "{failed}");
}

// Tryout (session 22): the budget ran out while a round's second candidate waited to be scored;
// the first, scored on every case and better than its parent, read "dropped" and the parent
// stayed "best so far". Ending at the budget compares the candidates scored on every case.
#[test]
fn a_candidate_scored_in_full_before_the_budget_ends_can_become_the_best() {
    let s = suite(true);
    let config = Config {
        rounds: 1,
        k: 2,
        ..Default::default()
    };
    let ctx = Ctx { suite: &s };
    let mut seen = 0;
    // The prompt (10 calls), both requests for candidates (2), then the candidates' calls.
    for calls in 20..=28 {
        let mut limit = project(&config, &spec("You are L0"), &s);
        limit.calls = calls;
        let mut o = Optimizer::new(config.clone(), spec("You are L0"), 1, &s, limit);
        drive(&mut o, &s, &improving());
        if o.stop != Some(Stop::BudgetReached) {
            continue;
        }
        let whole: Vec<u32> = o
            .candidates
            .iter()
            .filter(|c| c.id != 0 && o.scores(&ctx, c.id, false).is_some())
            .map(|c| c.id)
            .collect();
        let Some(&better) = whole
            .iter()
            .find(|id| o.mean(&ctx, **id, false) > o.mean(&ctx, 0, false))
        else {
            continue;
        };
        seen += 1;
        assert_ne!(
            o.best, 0,
            "limit {calls}: a better candidate {better} was scored in full"
        );
        assert!(o.candidate(o.best).is_some_and(|c| c.kept), "limit {calls}");
    }
    assert!(
        seen > 0,
        "no limit ended with a better candidate scored in full"
    );
}

// Tryout 80: the loop scored a provider's refusal as a failed call, 0 on every check, where
// Results checked its words. A refused answer is scored as a run scores it (its words checked,
// its judge checks not measured), and the judge is not asked about it.
#[test]
fn a_refused_answer_is_scored_on_its_words_and_not_judged() {
    let s = suite(true);
    let config = Config {
        rounds: 1,
        k: 1,
        ..Default::default()
    };
    let limit = project(&config, &spec("You are L1"), &s);
    let mut o = Optimizer::new(config, spec("You are L1"), 1, &s, limit);
    let w = improving();
    // Every answer of case 1 is refused with words that contain "ok".
    let log = drive_with(&mut o, &s, |o, work, req| match work {
        Work::Exec { case: 1, .. } => Reply {
            text: String::new(),
            input_tokens: 10,
            output_tokens: 5,
            observed: Observed {
                refusal: Some("I can't help, ok?".into()),
                finish_reason: Some("content_filter".into()),
                ..Observed::default()
            },
        },
        _ => w.answer(o, work, req),
    });
    assert!(
        !log.iter().any(|w| matches!(w, Work::Judge { case: 1, .. })),
        "the judge was asked about a refusal: {log:?}"
    );
    assert!(log.iter().any(|w| matches!(w, Work::Judge { case: 2, .. })));
    let base = o.candidate(0).unwrap();
    let r = &base.results(0, false).unwrap()[&1];
    let case = s.case(1).unwrap();
    let scored = r.score(&s, case, &spec("You are L1"));
    // "contains ok" passes on the refusal's words; the judge check is not measured.
    assert!(scored.refused && scored.pass, "{scored:?}");
    assert_eq!(scored.score, Some(1.0));
}

// Tryout 79: with 2 of 37 calls left, the loop asked the meta model for round 2's candidates,
// which it could never score ("not scored: the loop ended first"). A round whose candidates
// the calls left cannot all score is not begun; the end says why the calls were left.
#[test]
fn a_round_the_calls_left_cannot_score_is_not_begun() {
    let s = suite(true);
    let start = spec("You are L1");
    // Round 0 and round 1 take at most 30 calls (10 + 18 + the held-out check's 2); round 2
    // would take 18 more, and at most 17 are left.
    let config = Config {
        rounds: 2,
        k: 2,
        max_calls: Some(35),
        ..Default::default()
    };
    assert_eq!(cap_problem(&config, &s), None);
    let limit = project(&config, &start, &s);
    assert_eq!(limit.calls, 35);
    let mut o = Optimizer::new(config, start, 1, &s, limit);
    let log = drive(&mut o, &s, &improving());
    assert!(
        !log.iter()
            .any(|w| matches!(w, Work::Propose { round: 2, .. })),
        "{log:?}"
    );
    assert_eq!(o.stop, Some(Stop::BudgetReached));
    assert!(o.round_unaffordable);
    let left = 35 - o.spent.calls;
    assert!((1..18).contains(&left), "{left} calls left: {log:?}");
    let note = o.end_note().unwrap();
    assert!(
        note.contains(&format!(
            "The {left} calls left could not ask for a round's candidates and score them all, so they were not spent."
        )),
        "{note}"
    );
    // With enough for round 2, it is begun.
    let config = Config {
        rounds: 2,
        k: 2,
        max_calls: Some(48),
        ..Default::default()
    };
    let limit = project(&config, &spec("You are L1"), &s);
    let mut o = Optimizer::new(config, spec("You are L1"), 1, &s, limit);
    let log = drive(&mut o, &s, &improving());
    assert!(
        log.iter()
            .any(|w| matches!(w, Work::Propose { round: 2, .. }))
    );
    assert!(!o.round_unaffordable);
}

// Tryout 62: the provider saw 13 requests while the page said 11 calls used (two calls were
// sent again after a 429 and a 500). Requests sent again are kept apart: counted, saved with the
// loop, and nothing else moves (no call charged, none issued).
#[test]
fn requests_sent_again_are_counted_apart_from_the_calls() {
    let s = suite(true);
    let ctx = Ctx { suite: &s };
    let config = Config::default();
    let limit = project(&config, &spec("You are L0"), &s);
    let mut o = Optimizer::new(config, spec("You are L0"), 1, &s, limit);
    let first = o.step(&ctx, Event::Start);
    assert!(!first.is_empty());
    let before = o.clone();
    let Effect::Call { work, .. } = first[0].clone() else {
        panic!("{first:?}")
    };
    let resent = |n, stalled, prompts| Event::Resent {
        n,
        stalled,
        work: work.clone(),
        prompts,
    };
    assert!(o.step(&ctx, resent(2, 0, 0)).is_empty());
    assert!(o.step(&ctx, resent(1, 0, 0)).is_empty());
    assert_eq!(o.resent, 3);
    assert_eq!(
        Optimizer {
            resent: 0,
            ..o.clone()
        },
        before
    );
    // Session 38: a call whose earlier attempts stalled at the provider and which then failed
    // adds their prompts to the tokens spent, as they may be billed, counting no call; the
    // stalled ones are counted apart.
    let spent = o.spent;
    assert!(o.step(&ctx, resent(2, 2, 900)).is_empty());
    assert_eq!((o.resent, o.resent_stalled), (5, 2));
    assert_eq!(o.spent.calls, spent.calls);
    assert_eq!(o.spent.tokens(), spent.tokens() + 900);
    o.resent = 3;
    o.resent_stalled = 0;
    o.spent = spent;
    // Tryout 79: a call that failed after reaching the provider, on which the loop pauses, is
    // charged its reservation at once (the page said "counted as used" over 0 calls used), and
    // issued again when the loop goes on.
    {
        let mut failed = o.clone();
        let reserved = failed.in_flight.get(&work).copied().expect("in flight");
        failed.step(&ctx, Event::Pause);
        assert!(
            failed
                .step(&ctx, Event::Failed { work: work.clone() })
                .is_empty()
        );
        assert!(!failed.in_flight.contains_key(&work));
        assert_eq!(failed.spent.calls, spent.calls + 1);
        assert_eq!(
            failed.spent.tokens(),
            spent.tokens() + reserved.1 + reserved.2
        );
        assert_eq!(failed.lost.calls, o.lost.calls + 1);
        let again = failed.step(
            &ctx,
            Event::Resume {
                running: Vec::new(),
            },
        );
        assert!(
            again
                .iter()
                .any(|e| matches!(e, Effect::Call { work: w, .. } if *w == work)),
            "issued again on Resume: {again:?}"
        );
    }
    let json = serde_json::to_string(&o).unwrap();
    assert!(json.contains("\"resent\":3"), "{json}");
    let back: Optimizer = serde_json::from_str(&json).unwrap();
    assert_eq!(back.resent, 3);
    // A snapshot from before the field reads as none sent again, and writes none.
    let old = serde_json::to_string(&before).unwrap();
    assert!(!old.contains("resent"), "{old}");
}

/// Setting a loop up from the draft and accepting its winner (`optimize::setup`, the page's
/// Start and Accept): the critiques and thumbs-down of the version's answers go in as feedback;
/// the accepted candidate becomes a version made from the one the loop started on, whose origin
/// names the round, what the candidate was asked for, and the train scores from the baseline.
#[test]
fn a_loop_starts_from_the_drafts_feedback_and_its_winner_becomes_a_version() {
    use crate::domain::draft::{Draft, Origin};
    use crate::domain::eval::rating::{Rating, Thumb};
    use crate::domain::eval::run::{CaseRun, Reflection, Run, Status};
    let s = suite(true);
    let mut d = Draft {
        suite: s.clone(),
        ..Draft::default()
    };
    let v1 = d.commit(
        spec("You are L0"),
        Origin::Generated { model: "m".into() },
        1.0,
    );
    let ids: Vec<u32> = s.cases.iter().map(|c| c.id).collect();
    let mut run = Run {
        version: v1,
        ..Run::default()
    };
    let answer = |status: Status, critique: &str, down: bool| CaseRun {
        status,
        output: "nope".into(),
        reflection: (!critique.is_empty()).then(|| Reflection {
            critique: critique.into(),
            ..Reflection::default()
        }),
        rating: down.then(|| Rating::new(Thumb::Down, "Too vague.")),
        ..CaseRun::default()
    };
    run.cases
        .insert(ids[0], answer(Status::Done, "It never says ok.", true));
    run.cases.insert(ids[1], answer(Status::Done, "  ", false));
    // A thumbs-down on an answer that failed is not the prompt's fault.
    run.cases
        .insert(ids[2], answer(Status::Failed("500".into()), "", true));
    d.put_run(run);
    let config = Config {
        rounds: 3,
        k: 2,
        ..Default::default()
    };
    let mut o = setup::new_loop(config, &d).expect("a version to start from");
    assert_eq!(o.from_version, v1);
    assert_eq!(
        o.critiques.into_iter().collect::<Vec<_>>(),
        vec![(ids[0], "It never says ok.".to_owned())]
    );
    assert_eq!(o.rated.keys().copied().collect::<Vec<_>>(), vec![ids[0]]);
    o.critiques = SortedMap::new();
    o.rated = SortedMap::new();
    drive(&mut o, &s, &improving());
    let best = o.best;
    let round = o.candidate(best).unwrap().round;
    let asked = o.candidate(best).unwrap().mutation.label().to_lowercase();
    // Another version is current when the person accepts: the candidate still comes from v1.
    let v2 = d.commit(spec("You are L9"), Origin::Pasted, 2.0);
    d.optimizer = Some(o);
    let v3 = setup::accept(&mut d, best, 3.0).expect("the candidate");
    assert_eq!(d.current, v3);
    let v = d.versions.iter().find(|v| v.number == v3).unwrap();
    assert_eq!(v.parent, Some(v1));
    assert_ne!(v.parent, Some(v2));
    assert_eq!(v.spec.persona, "You are L4");
    assert_eq!(
        v.origin,
        Origin::Optimized {
            what: format!("round {round}, {asked} (train score 40 \u{2192} 90 from version {v1})")
        }
    );
    assert_eq!(setup::accept(&mut d, 9999, 4.0), None);
}

/// The review of session 48: Start after typing made a version with no run, and the loop read
/// none of the person's ratings or critiques (the page says the optimizer reads the notes). Each
/// case's newest rating and critique reach the loop, the current version's run first, then the
/// others newest first; a case rated up since is not fed back as rated down.
#[test]
fn a_loop_reads_each_cases_newest_rating_and_critique_from_any_run() {
    use crate::domain::draft::{Draft, Origin};
    use crate::domain::eval::rating::{Rating, Thumb};
    use crate::domain::eval::run::{CaseRun, Reflection, Run, Status};
    let s = suite(true);
    let mut d = Draft {
        suite: s.clone(),
        ..Draft::default()
    };
    let ids: Vec<u32> = s.cases.iter().map(|c| c.id).collect();
    let answer = |output: &str, critique: &str, thumb: Option<(Thumb, &str)>| CaseRun {
        status: Status::Done,
        output: output.into(),
        reflection: (!critique.is_empty()).then(|| Reflection {
            critique: critique.into(),
            ..Reflection::default()
        }),
        rating: thumb.map(|(t, note)| Rating::new(t, note)),
        ..CaseRun::default()
    };
    let v1 = d.commit(spec("You are L0"), Origin::Pasted, 1.0);
    let mut run = Run {
        version: v1,
        ..Run::default()
    };
    run.cases.insert(
        ids[0],
        answer("v1 a", "v1 review of a", Some((Thumb::Down, "Too vague."))),
    );
    run.cases
        .insert(ids[1], answer("v1 b", "", Some((Thumb::Down, "Too curt."))));
    d.put_run(run);
    let v2 = d.commit(spec("You are L1"), Origin::Pasted, 2.0);
    let mut run = Run {
        version: v2,
        ..Run::default()
    };
    // Case a rated up on v2: fixed; its v2 critique is the newest.
    run.cases.insert(
        ids[0],
        answer("v2 a", "v2 review of a", Some((Thumb::Up, ""))),
    );
    run.cases.insert(ids[1], answer("v2 b", "", None));
    d.put_run(run);
    // The person typed: a version with no run is current.
    let v3 = d.commit(spec("You are L2"), Origin::Pasted, 3.0);
    let read = |d: &Draft| {
        let o = setup::new_loop(Config::default(), d).expect("a version");
        (
            o.from_version,
            o.critiques.into_iter().collect::<Vec<_>>(),
            o.rated
                .into_iter()
                .map(|(id, a)| (id, a.output, a.rating.note))
                .collect::<Vec<_>>(),
        )
    };
    assert_eq!(
        read(&d),
        (
            v3,
            vec![(ids[0], "v2 review of a".to_owned())],
            vec![(ids[1], "v1 b".to_owned(), "Too curt.".to_owned())]
        )
    );
    // Back on v1 (undo): its own run comes first, whatever is newer.
    d.current = v1;
    assert_eq!(
        read(&d),
        (
            v1,
            vec![(ids[0], "v1 review of a".to_owned())],
            vec![
                (ids[0], "v1 a".to_owned(), "Too vague.".to_owned()),
                (ids[1], "v1 b".to_owned(), "Too curt.".to_owned())
            ]
        )
    );
    // A re-run on v1 replaced the rated answer to b with an unrated one: the rating it kept
    // (`CaseRun::replaced_rating`) stands for it, with the answer it was given on; a rated-up
    // answer replaced on a is not fed back.
    use crate::domain::eval::rating::RatedAnswer;
    let run = d.runs.iter_mut().find(|r| r.version == v1).unwrap();
    let b = run.cases.get_mut(&ids[1]).unwrap();
    b.replaced_rating = Some(RatedAnswer {
        output: "v1 b".into(),
        rating: b.rating.take().unwrap(),
    });
    b.output = "v1 b again".into();
    let a = run.cases.get_mut(&ids[0]).unwrap();
    a.replaced_rating = Some(RatedAnswer {
        output: "v1 a".into(),
        rating: Rating::new(Thumb::Up, ""),
    });
    a.rating = None;
    assert_eq!(
        read(&d).2,
        vec![(ids[1], "v1 b".to_owned(), "Too curt.".to_owned())]
    );
}

/// The settings a loop runs with follow the roles' models: prices only when every job has a
/// list price, the tiny model's task only for the tiny meta model, at most the most other
/// models; the models it calls leave the judge out when no case has a judge check.
#[test]
fn a_loop_runs_with_the_roles_settings_and_calls_the_judge_only_when_a_case_needs_it() {
    use crate::domain::provider::{ProviderConfig, ProviderKind, RoleConfigs};
    let priced = ProviderConfig {
        model: "gpt-4o-mini".into(),
        temperature: 0.4,
        ..ProviderConfig::preset(ProviderKind::OpenAi, Role::Execution)
    };
    let mut roles = RoleConfigs::default();
    for r in Role::ALL {
        *roles.get_mut(r) = ProviderConfig {
            // Priced as gpt-4o-mini (a numbered version of it has its list price).
            model: format!("gpt-4o-mini-{}", r as usize + 1),
            ..priced.clone()
        };
    }
    roles.get_mut(Role::Execution).model = "gpt-4o-mini".into();
    roles.get_mut(Role::Judge).temperature = 0.1;
    let config = Config {
        also_on: vec![priced.clone(); MAX_OTHER_MODELS + 2],
        ..Config::default()
    };
    let c = setup::effective(
        config.clone(),
        &roles,
        RenderStyle::default(),
        1234,
        true,
        || unreachable!("the meta model is not the tiny one"),
    );
    assert_eq!((c.exec_temperature, c.judge_temperature), (0.4, 0.1));
    assert_eq!(c.exec_max_tokens, 1234);
    assert_eq!(c.also_on.len(), MAX_OTHER_MODELS);
    assert!(
        c.prices
            .is_some_and(|p| p.input[slot(Role::Execution, 0)] > 0.0)
    );
    assert_eq!(c.tiny_task, None);
    // A model with no list price here: the loop keeps to its call count.
    let mut unpriced = roles.clone();
    unpriced.get_mut(Role::Judge).model = "a-model-with-no-list-price".into();
    let c = setup::effective(
        config.clone(),
        &unpriced,
        RenderStyle::default(),
        1,
        true,
        || unreachable!(),
    );
    assert_eq!(c.prices, None);
    // Tryout 89: an unpriced judge with no judge check gets no call: the loop keeps its money
    // bound, the judge priced at 0; judge checks added later pause it (`models_changed`).
    let c = setup::effective(
        Config::default(),
        &unpriced,
        RenderStyle::default(),
        1,
        false,
        || unreachable!(),
    );
    let p = c.prices.clone().expect("priced without the judge");
    assert_eq!(p.input[slot(Role::Judge, 0)], 0.0);
    assert_eq!(setup::models_changed(&c, &unpriced, &[], false), None);
    let why = setup::models_changed(&c, &unpriced, &[], true).expect("paused");
    assert!(
        why.starts_with("The loop's budget was priced without calls to OpenAI a-model-with-no-list-price for \u{201c}Scoring\u{201d}"),
        "{why}"
    );
    // The built-in tiny model costs nothing, and proposes rules for its task.
    let tiny = RoleConfigs::default();
    let c = setup::effective(config, &tiny, RenderStyle::default(), 1234, true, || {
        "task".into()
    });
    assert!(
        c.prices
            .is_some_and(|p| p.input[..3].iter().all(|x| *x == 0.0))
    );
    assert_eq!(c.tiny_task.as_deref(), Some("task"));
    let other = ProviderConfig {
        model: "other".into(),
        ..priced
    };
    let models = |judged: bool| -> Vec<String> {
        setup::loop_models(&roles, judged, std::slice::from_ref(&other))
            .into_iter()
            .map(|c| c.model)
            .collect()
    };
    assert_eq!(
        models(true),
        ["gpt-4o-mini-1", "gpt-4o-mini", "gpt-4o-mini-3", "other"]
    );
    assert_eq!(models(false), ["gpt-4o-mini-1", "gpt-4o-mini", "other"]);
}

/// A copy of a loop with calls in flight (Duplicate, Keep both, an import, a received link): the
/// copy never sent them, so nothing is charged for them in it, and its Resume issues them again
/// (session 37: a copy said "The reload cut off 2 calls" and charged them a second time).
#[test]
fn a_copy_releases_the_calls_in_flight_uncharged_and_issues_them_on_resume() {
    let s = suite(true);
    let ctx = Ctx { suite: &s };
    let config = Config {
        rounds: 1,
        k: 2,
        ..Default::default()
    };
    let limit = project(&config, &spec("You are L0"), &s);
    let mut o = Optimizer::new(config, spec("You are L0"), 1, &s, limit);
    let works = calls_in(&o.step(&ctx, Event::Start));
    assert_eq!(works.len(), 4);
    let mut copy = o.clone();
    assert_eq!(copy.release_in_flight_for_copy(), 4);
    assert!(copy.in_flight.is_empty());
    assert_eq!(copy.spent, Budget::default());
    assert_eq!(copy.reserved, Budget::default());
    // The source still holds them: charged there when its page is gone.
    o.step(&ctx, Event::Lost);
    assert_eq!(o.spent.calls, 4);
    // The copy's Resume asks for the same work again, as its own calls.
    let again = calls_in(&copy.step(
        &ctx,
        Event::Resume {
            running: Vec::new(),
        },
    ));
    assert_eq!(again, works);
    assert_eq!(copy.spent, Budget::default());
    assert_eq!(copy.lost, Budget::default());
}

// Session 42's review: the loop kept the prices it started with while Settings could name other
// models, so a loop resumed after the execution job was switched from gpt-4o-mini to gpt-4o
// spent at 4o-mini's prices past the "at most" approved. It goes on only with its own models
// (the model for writing prompts may change when it costs no more per token).
#[test]
fn a_loop_goes_on_only_with_the_models_it_was_priced_for() {
    use crate::domain::provider::{ProviderConfig, ProviderKind, RoleConfigs};
    let mut roles = RoleConfigs::default();
    for r in Role::ALL {
        *roles.get_mut(r) = ProviderConfig {
            model: "gpt-4o-mini".into(),
            ..ProviderConfig::preset(ProviderKind::OpenAi, r)
        };
    }
    let c = setup::effective(
        Config::default(),
        &roles,
        RenderStyle::default(),
        800,
        true,
        || unreachable!(),
    );
    assert_eq!(c.jobs.len(), 3);
    assert_eq!(setup::models_changed(&c, &roles, &[], true), None);
    let with = |role: Role, model: &str| {
        let mut r = roles.clone();
        r.get_mut(role).model = model.into();
        r
    };
    let why = setup::models_changed(&c, &with(Role::Execution, "gpt-4o"), &[], true).unwrap();
    assert!(
        why.starts_with("The loop scores with OpenAI gpt-4o-mini for \u{201c}Running tests\u{201d}; Settings now name OpenAI gpt-4o."),
        "{why}"
    );
    // The judge counts only when a case has a judge check.
    assert!(setup::models_changed(&c, &with(Role::Judge, "gpt-4o"), &[], true).is_some());
    assert_eq!(
        setup::models_changed(&c, &with(Role::Judge, "gpt-4o"), &[], false),
        None
    );
    // Writing prompts: a dearer or unpriced model breaks the money bound; a cheaper one does not.
    let why = setup::models_changed(&c, &with(Role::Meta, "gpt-4o"), &[], true).unwrap();
    assert!(
        why.contains("costs more per token than OpenAI gpt-4o-mini"),
        "{why}"
    );
    assert!(setup::models_changed(&c, &with(Role::Meta, "no-such-price"), &[], true).is_some());
    assert_eq!(
        setup::models_changed(&c, &with(Role::Meta, "gpt-4o-mini"), &[], true),
        None
    );
    let nano = with(Role::Meta, "gpt-4.1-nano");
    assert!(
        crate::domain::estimate::call_cost(nano.get(Role::Meta), 1_000_000, 1_000_000).unwrap()
            < crate::domain::estimate::call_cost(roles.get(Role::Meta), 1_000_000, 1_000_000)
                .unwrap()
    );
    assert_eq!(setup::models_changed(&c, &nano, &[], true), None);
    // From the built-in tiny model to another: it writes proposals another way.
    let tiny = RoleConfigs::default();
    let t = setup::effective(
        Config::default(),
        &tiny,
        RenderStyle::default(),
        800,
        true,
        || "task".into(),
    );
    let mut real = tiny.clone();
    *real.get_mut(Role::Meta) = roles.get(Role::Meta).clone();
    let why = setup::models_changed(&t, &real, &[], false).unwrap();
    assert!(why.contains("writes its proposals another way"), "{why}");
    // A loop saved before its models were kept goes on as before.
    let old = Config {
        jobs: Vec::new(),
        ..c.clone()
    };
    assert_eq!(
        setup::models_changed(&old, &with(Role::Execution, "gpt-4o"), &[], true),
        None
    );
    // Tryout 91: a comparison model the loop also scores on, its address changed under Compare
    // models: the loop does not go on with the old one unsaid.
    let other = ProviderConfig {
        model: "claude-sonnet-4-5".into(),
        base_url: "http://127.0.0.1:8090/anthropic".into(),
        ..ProviderConfig::preset(ProviderKind::Anthropic, Role::Execution)
    };
    let both = Config {
        also_on: vec![other.clone()],
        ..c
    };
    assert_eq!(
        setup::models_changed(&both, &roles, std::slice::from_ref(&other), true),
        None
    );
    let mended = ProviderConfig {
        base_url: "http://127.0.0.1:8090/anthropic/v1".into(),
        ..other.clone()
    };
    let why = setup::models_changed(&both, &roles, &[mended], true).unwrap();
    // Tryout 92: the label names the host only, so both addresses are said.
    assert!(
        why.contains(" at the address http://127.0.0.1:8090/anthropic; under Compare models its address is http://127.0.0.1:8090/anthropic/v1 now.")
            && why.ends_with("start a new loop (Cancel optimization, then Start), or set that address back to go on."),
        "{why}"
    );
    let why = setup::models_changed(&both, &roles, &[], true).unwrap();
    assert!(
        why.starts_with("The loop also scores on ")
            && why.contains("Compare models no longer list it (changed or removed there)")
            && why.ends_with("put it back under Compare models to go on, or start a new loop."),
        "{why}"
    );
}

// Tryout 109: one case judged by a rubric only, every judge reply refused ("Good." is fewer
// than two words besides the score): neither the prompt nor its candidate has a score, and
// "Start again" said "1 scored candidate you have not accepted".
#[test]
fn a_candidate_with_no_score_is_not_offered_as_scored_to_start_again() {
    let mut s = Suite::default();
    s.add(TestCase {
        input: "Bob will send the deck by Friday.".into(),
        assertions: vec![Assertion::new(Check::Judge {
            rubric: "Names Bob as the owner and the Friday deadline.".into(),
            threshold: 6,
        })],
        split: Split::Train,
        ..Default::default()
    });
    let w = World {
        levels: vec![vec!["You are L1 (1)"]],
        judge_score: 6,
    };
    let config = Config {
        rounds: 1,
        k: 1,
        ..Default::default()
    };
    let limit = project(&config, &spec("You are L0"), &s);
    let mut o = Optimizer::new(config.clone(), spec("You are L0"), 1, &s, limit);
    drive_with(&mut o, &s, |o, work, req| match work {
        Work::Judge { .. } => Reply {
            text: r#"{"reasoning": "Good.", "score": 6}"#.into(),
            ..w.answer(o, work, req)
        },
        _ => w.answer(o, work, req),
    });
    let ctx = Ctx { suite: &s };
    assert_eq!(o.candidates.len(), 2, "{:?}", o.candidates);
    assert_eq!(o.mean(&ctx, 1, false), None);
    assert!(o.unaccepted(&ctx, |_| false).is_empty());

    // Tryout 109's other order (opt2): the prompt's answer is graded, the candidate's judge
    // gets the fake provider's plain greeting.
    let mut o = Optimizer::new(config, spec("You are L0"), 1, &s, limit);
    drive_with(&mut o, &s, |o, work, req| match work {
        Work::Judge { cand, .. } if *cand != 0 => Reply {
            text: "Hello from the fake provider! Nice to meet you.".into(),
            ..w.answer(o, work, req)
        },
        _ => w.answer(o, work, req),
    });
    assert_eq!(o.candidates.len(), 2, "{:?}", o.candidates);
    assert!(o.mean(&ctx, 0, false).is_some());
    assert_eq!(o.mean(&ctx, 1, false), None);
    assert!(o.unaccepted(&ctx, |_| false).is_empty());
    // Every answer is in: a rubric changed now leaves it waiting for a verdict, not for answers
    // (tryout 110); a case added since has no answer.
    assert!(o.answers_in(&ctx, 1));
    let mut changed = s.clone();
    changed.cases[0].assertions = vec![Assertion::new(Check::Judge {
        rubric: "Names the owner.".into(),
        threshold: 6,
    })];
    let changed_ctx = Ctx { suite: &changed };
    assert_eq!(o.scores(&changed_ctx, 1, false), None);
    assert!(o.answers_in(&changed_ctx, 1));
    // Tryout 112: such a candidate is still one Start again would throw away, and says so.
    assert!(o.awaits_verdict(&changed_ctx, 1));
    assert_eq!(o.unaccepted(&changed_ctx, |_| false), vec![1]);
    let mut added = s.clone();
    let new_case = added.add(TestCase {
        input: "Ana books the room.".into(),
        assertions: vec![Assertion::new(Check::Equals("x".into()))],
        split: Split::Train,
        ..Default::default()
    });
    o.minibatch.push(new_case);
    assert!(!o.answers_in(&Ctx { suite: &added }, 1));
}

// Tryout 119: answers past their cap were counted as the dearer output tokens: the loop's
// tokens stayed within the approved total while its money went past it ($0.022 of $0.02), and
// its end said it was within ("$0.02 of at most $0.02", "the budget ran out before the calls").
// Its end says it went past the whole, and by how much.
#[test]
fn an_end_past_the_approved_money_within_the_tokens_says_so() {
    let s = two_case_suite();
    let prices = Prices {
        input: on_slots([0.15e-6, 0.15e-6, 0.15e-6]),
        output: on_slots([0.6e-6, 0.6e-6, 0.6e-6]),
    };
    let config = Config {
        rounds: 1,
        k: 1,
        prices: Some(prices.clone()),
        ..Default::default()
    };
    let limit = project(&config, &spec("You are L0"), &s);
    let mut o = Optimizer::new(config, spec("You are L0"), 1, &s, limit);
    // Every token approved spent, all of them output: within the tokens, past the money.
    let mut spent = Budget {
        calls: o.limit.calls,
        ..Budget::default()
    };
    spent.output[1] = o.limit.tokens();
    assert!(spent.within(&o.limit));
    assert!(spent.cost(&prices) > o.limit.cost(&prices));
    o.spent = spent;
    o.past_share = 3;
    o.stop = Some(Stop::BudgetReached);
    let note = o.end_note().unwrap_or_default();
    assert!(
        note.contains("A provider wrote past the output cap it was sent (it did not keep to it), so its calls used more tokens than their share and the loop went past the whole budget approved; it stopped at once."),
        "{note}"
    );
    let line =
        crate::domain::estimate::spent_of_at_most(o.spent.cost(&prices), o.limit.cost(&prices));
    assert!(line.ends_with(" over it"), "{line}");
}

// Tryout 111: a provider that ignored the output cap (43,000 tokens against 1,500) took the loop
// to "$0.05 of at most $0.02", and the end advised raising Most calls, which was empty. The
// loop stops at once, and its end says why.
#[test]
fn a_provider_past_its_cap_stops_the_loop_and_its_end_says_why() {
    let s = two_case_suite();
    let config = Config {
        rounds: 1,
        k: 1,
        ..Default::default()
    };
    let limit = project(&config, &spec("You are L0"), &s);
    let mut o = Optimizer::new(config.clone(), spec("You are L0"), 1, &s, limit);
    let w = improving();
    let after_over = drive_with_usage(&mut o, &s, &w, |o, reply| {
        // Every answer far past its cap, as reported (or counted by its length).
        reply.output_tokens = u32::try_from(o.limit.tokens()).unwrap_or(u32::MAX);
    });
    assert_eq!(o.stop, Some(Stop::BudgetReached));
    assert!(!o.spent.within(&o.limit));
    assert_eq!(after_over, 0, "no call sent once past the whole");
    let note = o.end_note().unwrap();
    assert!(
        note.contains("A provider wrote past the output cap it was sent")
            && !note.contains("raise Most calls"),
        "{note}"
    );
    // Tryout 112: answers past their cap that use up the budget without going past it: the end
    // names them too, not Most calls.
    let mut o = Optimizer::new(config.clone(), spec("You are L0"), 1, &s, limit);
    drive_with_usage(&mut o, &s, &w, |o, reply| {
        // More than its share, never past what is left.
        let left = o.limit.tokens() - o.spent.tokens() - o.reserved.tokens();
        reply.output_tokens = u32::try_from(left / 2).unwrap_or(u32::MAX).max(1);
    });
    assert!(o.spent.within(&o.limit) && o.past_share > 0);
    assert_eq!(o.stop, Some(Stop::BudgetReached));
    let note = o.end_note().unwrap();
    assert!(
        note.contains("A provider wrote past the output cap it was sent (it did not keep to it): ")
            && !note.contains("raise Most calls"),
        "{note}"
    );
}

/// Answers every call as `w` does, with `usage` changing each reply (no budget check: the
/// usage may go past it); returns how many calls were issued once the spending was past the
/// whole approved.
fn drive_with_usage(
    o: &mut Optimizer,
    s: &Suite,
    w: &World,
    usage: impl Fn(&Optimizer, &mut Reply),
) -> usize {
    let ctx = Ctx { suite: s };
    let mut queue: std::collections::VecDeque<Effect> = o.step(&ctx, Event::Start).into();
    let mut after_over = 0;
    while let Some(e) = queue.pop_front() {
        if let Effect::Call { work, request, .. } = e {
            let mut reply = w.answer(o, &work, &request);
            usage(o, &mut reply);
            let next = o.step(
                &ctx,
                Event::Done {
                    work,
                    result: Ok(reply),
                },
            );
            if !o.spent.within(&o.limit) {
                after_over += next
                    .iter()
                    .filter(|e| matches!(e, Effect::Call { .. }))
                    .count();
            }
            queue.extend(next);
        }
    }
    after_over
}

// The review: the prompts of attempts sent again after a server error are counted on top of a
// call that then fails, and can take the loop past the whole with no provider past its cap; the
// end says which it was.
#[test]
fn prompts_sent_again_past_the_whole_are_named_not_a_providers_cap() {
    let s = two_case_suite();
    let config = Config {
        rounds: 1,
        k: 1,
        ..Default::default()
    };
    let limit = project(&config, &spec("You are L0"), &s);
    let mut o = Optimizer::new(config, spec("You are L0"), 1, &s, limit);
    let ctx = Ctx { suite: &s };
    let first = o
        .step(&ctx, Event::Start)
        .into_iter()
        .find_map(|e| match e {
            Effect::Call { work, .. } => Some(work),
            _ => None,
        })
        .expect("a first call");
    o.step(
        &ctx,
        Event::Resent {
            n: 3,
            stalled: 0,
            work: first.clone(),
            prompts: o.limit.tokens(),
        },
    );
    o.step(
        &ctx,
        Event::Done {
            work: first,
            result: Err("The provider is overloaded (HTTP 503).".into()),
        },
    );
    assert_eq!(o.stop, Some(Stop::BudgetReached));
    assert!(!o.spent.within(&o.limit) && o.past_share == 0);
    let note = o.end_note().unwrap();
    assert!(
        note.contains("Calls sent again after a server error may be billed their prompts")
            && !note.contains("A provider wrote past the output cap"),
        "{note}"
    );
}
