//! The tiny built-in model's jobs besides Generate, natively against the real local model with
//! the page's own requests, readers and checks (`meta::tiny_jobs`): suggested cases, the
//! Reflexion critique and final answer, and the optimizer's new rules. Each test checks that
//! what the app would offer is usable by the same checks as Generate's drafts
//! (`meta::quality`), and that what is not usable is left out with its reason.
use promptwright::domain::eval::{Assertion, Check, Suite, TestCase};
use promptwright::domain::meta::{self, quality, tiny, tiny_jobs};
use promptwright::domain::optimize::{Config, Ctx, Effect, Event, Optimizer, Reply, Work, project};
use promptwright::domain::provider::Role;
use promptwright::domain::spec::{Example, PromptSpec, RenderStyle};
use pw_harness::local_model::{complete, config};

/// Each of the page's example ideas: four cases asked one line at a time; every offered case
/// passes the usability check, every other is left out and named, and most ideas get some.
#[test]
fn suggested_cases_on_the_local_model_are_usable_or_left_out_with_a_reason() -> anyhow::Result<()> {
    let _turn = pw_harness::local_model::one_at_a_time();
    let cfg = config(Role::Meta);
    let mut offered_in_all = 0;
    for idea in meta::EXAMPLE_IDEAS {
        let task = tiny::task_line(idea);
        let mut cases = tiny_jobs::TinyCases::new(&task, &[], 4);
        while let Some(req) = cases.request() {
            let text = complete(&cfg, &req)?;
            cases.accept(&text);
        }
        let got = cases.suggested(&[]);
        eprintln!(
            "[{task}] offered {:?}\nleft out {:?}",
            got.proposals
                .iter()
                .map(|p| (&p.kind, &p.case.input))
                .collect::<Vec<_>>(),
            got.left_out
        );
        assert_eq!(got.proposals.len() + got.left_out.len(), 4, "{got:?}");
        for p in &got.proposals {
            let topic = if p.kind == "typical" {
                task.as_str()
            } else {
                ""
            };
            let problems = quality::text_problems(topic, &p.case.input);
            assert!(
                problems.is_empty(),
                "{task}: offered {:?}: {problems:?}",
                p.case.input
            );
        }
        for l in &got.left_out {
            assert!(l.starts_with("Suggestion "), "{l}");
        }
        offered_in_all += got.proposals.len();
    }
    assert!(
        offered_in_all >= 6,
        "only {offered_in_all} usable cases for 4 ideas"
    );
    Ok(())
}

fn meeting_spec() -> PromptSpec {
    PromptSpec {
        persona:
            "You are a meticulous meeting analyst who pulls action items out of meeting notes."
                .into(),
        context: "People paste the notes of a meeting. Only list tasks someone agreed to do."
            .into(),
        steps: vec![
            "Read the meeting notes.".into(),
            "Find each task someone agreed to do.".into(),
            "Write each action item with its owner.".into(),
        ],
        format: "A bulleted list: owner - task.".into(),
        examples: vec![
            Example {
                input: "Bob will send the deck by Friday.".into(),
                output: "- Bob - send the deck by Friday".into(),
            },
            Example {
                input: "We only talked about the weather.".into(),
                output: "No action items.".into(),
            },
        ],
        ..PromptSpec::default()
    }
}

/// Reflexion: the draft is the local model's own answer; its critique is read and checked; a
/// usable one gets a final answer, which is not empty, and at least half of them are clean (no
/// placeholder, no line repeated), in one of two passes.
#[test]
fn reflexion_on_the_local_model_gives_usable_critiques_and_answers() -> anyhow::Result<()> {
    let _turn = pw_harness::local_model::one_at_a_time();
    let exec = config(Role::Execution);
    let spec = meeting_spec();
    let task = tiny_jobs::task_of("", &spec);
    // One pass over three notes: (critiques usable, finals clean).
    let pass = || -> anyhow::Result<(usize, usize)> {
        let (mut usable, mut clean_finals) = (0, 0);
        for message in [
            "Carol: I'll write the release notes. Dan will fix the login bug by Monday.",
            "Ana books the room for the Monday meeting. Bob sends the agenda today.",
            "We talked about the office plants and nothing else.",
        ] {
            let case = TestCase {
                input: message.into(),
                ..TestCase::default()
            };
            let draft = complete(
                &exec,
                &promptwright::domain::eval::run::request(
                    &spec.render(RenderStyle::Markdown),
                    &case,
                    0.0,
                    200,
                ),
            )?;
            let critique = tiny_jobs::read_critique(&complete(
                &exec,
                &tiny_jobs::critique_request(&task, message, &draft),
            )?);
            let problems = tiny_jobs::critique_problems(&task, message, &draft, &critique);
            eprintln!("[{message}]\ndraft {draft:?}\ncritique {critique:?} {problems:?}");
            assert!(!critique.contains('\n'), "one line: {critique:?}");
            if !problems.is_empty() {
                continue;
            }
            usable += 1;
            let answer = complete(
                &exec,
                &tiny_jobs::final_request(&spec, RenderStyle::Markdown, &case, &critique, 300),
            )?;
            let problems = quality::text_problems("", &answer);
            eprintln!("final {answer:?} {problems:?}");
            // A final is an answer like any other: the page scores and judges it, flaws and
            // all, so each must be an answer and most must be clean, not every one.
            assert!(!answer.trim().is_empty(), "empty final");
            if problems.is_empty() {
                clean_finals += 1;
            }
        }
        Ok((usable, clean_finals))
    };
    // Greedy decoding is not one text everywhere: it differs between CPUs (CI once saw a final
    // repeat its last line), and the server (`--parallel 4`) batches this test's requests with
    // other suites' calls, which changes the arithmetic (a run here once had 1 clean final of
    // 3). The bar must hold in one of two passes; a prompt that fails it twice fails the test.
    let met = |(usable, clean): (usize, usize)| usable >= 2 && clean * 2 >= usable;
    let first = pass()?;
    if met(first) {
        return Ok(());
    }
    eprintln!("first pass below the bar {first:?}: a second pass");
    let (usable, clean_finals) = pass()?;
    assert!(
        usable >= 2,
        "{usable} of 3 critiques usable (first pass: {first:?})"
    );
    assert!(
        clean_finals * 2 >= usable,
        "{clean_finals} of {usable} finals without a placeholder or a repeated line (first pass: {first:?})"
    );
    Ok(())
}

/// One round of the optimizer with the local model as meta and execution model: the proposal
/// is the plain rules request, every candidate it makes is either the best prompt plus one
/// usable rule (evaluated) or rejected with the reason (never evaluated), and the loop stays
/// within what was approved.
#[test]
fn the_optimizer_on_the_local_model_proposes_usable_rules_or_rejects_them() -> anyhow::Result<()> {
    let _turn = pw_harness::local_model::one_at_a_time();
    let (meta_cfg, exec) = (config(Role::Meta), config(Role::Execution));
    let mut suite = Suite::default();
    for (input, who) in [
        ("Bob will send the deck by Friday.", "Bob"),
        ("Carol writes the release notes.", "Carol"),
    ] {
        suite.add(TestCase {
            input: input.into(),
            assertions: vec![Assertion::new(Check::ContainsAll(vec![who.into()]))],
            ..TestCase::default()
        });
    }
    let spec = PromptSpec {
        persona: "You are a meeting helper.".into(),
        ..meeting_spec()
    };
    let config = Config {
        rounds: 1,
        k: 3,
        exec_max_tokens: 100,
        exec_temperature: 0.0,
        tiny_task: Some(tiny_jobs::task_of(
            "A bot that pulls action items out of meeting notes",
            &spec,
        )),
        ..Config::default()
    };
    let limit = project(&config, &spec, &suite);
    let mut o = Optimizer::new(config, spec.clone(), 1, &suite, limit);
    let ctx = Ctx { suite: &suite };
    let mut queue: std::collections::VecDeque<Effect> = o.step(&ctx, Event::Start).into();
    let mut proposals = 0;
    while let Some(e) = queue.pop_front() {
        let Effect::Call { work, request, .. } = e else {
            continue;
        };
        let cfg = match work {
            Work::Propose { .. } => {
                assert!(request.plain.is_some() && request.schema.is_none());
                proposals += 1;
                &meta_cfg
            }
            _ => &exec,
        };
        let text = complete(cfg, &request)?;
        let (i, out) = promptwright::domain::optimize::worst(&request);
        queue.extend(o.step(
            &ctx,
            Event::Done {
                work,
                result: Ok(Reply {
                    text,
                    input_tokens: i as u32,
                    output_tokens: out as u32,
                    observed: Default::default(),
                }),
            },
        ));
    }
    assert_eq!(proposals, 2);
    assert!(o.spent.within(&o.limit));
    let task = o.config.tiny_task.clone().unwrap();
    let mut usable = 0;
    for c in o.candidates.iter().filter(|c| c.id > 0) {
        let rule = c.spec.steps.last().cloned().unwrap_or_default();
        eprintln!("#{} {rule:?} rejected {:?}", c.id, c.rejected);
        assert_eq!(c.spec.steps.len(), spec.steps.len() + 1);
        assert_eq!(c.spec.steps[..spec.steps.len()], spec.steps[..]);
        match &c.rejected {
            Some(why) => {
                assert!(
                    why.starts_with("The local model's rule was not usable: "),
                    "{why}"
                );
                assert!(c.train.is_empty(), "a rejected rule was evaluated");
            }
            None => {
                // Usable by the same check, with the widest topic the loop could have used.
                let problems = quality::text_problems(
                    &format!(
                        "{task}\n{}",
                        suite
                            .cases
                            .iter()
                            .map(|c| c.input.clone())
                            .collect::<Vec<_>>()
                            .join("\n")
                    ),
                    &rule,
                );
                assert!(
                    problems.iter().all(|p| p.contains("does not mention")),
                    "{rule:?}: {problems:?}"
                );
                assert!(!c.train.is_empty(), "a usable rule was not evaluated");
                usable += 1;
            }
        }
    }
    eprintln!("usable rules: {usable}");
    Ok(())
}
