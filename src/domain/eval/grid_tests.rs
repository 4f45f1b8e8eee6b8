//! The model grid's figures: percentiles, per-model summaries, the recommendation in every case
//! it can be in (cheapest within a few points, best and cheapest, unpriced, unfinished, failed
//! calls, different cases), disagreements and failures, and results kept per (version, model)
//! through storage, salvage and share links.
use crate::domain::draft::Draft;
use crate::domain::eval::grid::{self, ModelRun, ModelSummary, Spread};
use crate::domain::eval::run::{CaseRun, Run, Status};
use crate::domain::eval::{Assertion, Check, Suite, TestCase};
use crate::domain::provider::{ProviderConfig, ProviderKind, Role};
use crate::domain::wire::{DraftV1, Include};

/// Three cases, each checked for the word "Bob".
fn suite3() -> Suite {
    let mut suite = Suite::default();
    for input in ["a", "b", "c"] {
        suite.add(TestCase {
            input: input.into(),
            assertions: vec![Assertion::new(Check::ContainsAll(vec!["Bob".into()]))],
            ..Default::default()
        });
    }
    suite
}

/// A run whose answers are `outputs` (None: a failed call), each costing `cost` and taking
/// `ms` (first text at a quarter of it).
fn run_of(outputs: &[Option<&str>], cost: Option<f64>, ms: &[f64]) -> Run {
    let mut r = Run {
        version: 1,
        model: "m".into(),
        started_ms: 5.0,
        ..Run::default()
    };
    for (i, o) in outputs.iter().enumerate() {
        let id = i as u32 + 1;
        let c = match o {
            Some(text) => CaseRun {
                status: Status::Done,
                output: (*text).to_owned(),
                input_tokens: 100,
                output_tokens: 10,
                ms: ms[i],
                first_token_ms: Some(ms[i] / 4.0),
                cost_usd: cost,
                run_ms: 5.0,
                ..CaseRun::default()
            },
            None => CaseRun {
                status: Status::Failed("HTTP 500".into()),
                run_ms: 5.0,
                ..CaseRun::default()
            },
        };
        r.cases.insert(id, c);
    }
    r
}

fn summary(label: &str, r: &Run) -> ModelSummary {
    grid::summarize(label, r, &suite3(), None)
}

#[test]
fn percentiles_are_nearest_rank_and_ignore_non_finite_values() {
    assert_eq!(Spread::of(&[]), None);
    assert_eq!(Spread::of(&[f64::NAN]), None);
    let one = Spread::of(&[300.0]).unwrap();
    assert_eq!((one.median_ms, one.p95_ms, one.n), (300.0, 300.0, 1));
    // 1..=20 in any order: median rank 10, p95 rank 19.
    let mut v: Vec<f64> = (1..=20).rev().map(f64::from).collect();
    v.push(f64::INFINITY);
    let s = Spread::of(&v).unwrap();
    assert_eq!((s.median_ms, s.p95_ms, s.n), (10.0, 19.0, 20));
    // Three values: the middle one and the largest.
    let s = Spread::of(&[900.0, 100.0, 400.0]).unwrap();
    assert_eq!((s.median_ms, s.p95_ms), (400.0, 900.0));
    assert_eq!(s.line(), "400 ms · p95 900 ms");
    assert_eq!(grid::duration(1234.0), "1.2 s");
    assert_eq!(grid::duration(75_400.0), "75 s");
}

// Tryout 69: after a reload cut a run on two models, the grid's row said "0 of 2 (2 did not
// answer) · nothing yet" while Results said "2 stopped while answering (may be billed) · about
// 356 tokens in". The row counts them as stopped, with their estimate.
#[test]
fn calls_cut_by_leaving_are_said_stopped_and_their_estimate_counts() {
    let mut r = run_of(&[None, None, None], Some(0.001), &[0.0, 0.0, 0.0]);
    for id in [1, 2] {
        r.cases.insert(
            id,
            CaseRun {
                status: Status::Cancelled,
                output: "Hello from t".into(),
                input_tokens: 178,
                output_tokens: 3,
                tokens_estimated: true,
                cost_usd: Some(0.0002),
                cut_by: Some(crate::domain::draft::Leaving::Reload),
                run_ms: 5.0,
                ..CaseRun::default()
            },
        );
    }
    let s = summary("A", &r);
    assert_eq!((s.answered, s.not_answered, s.stopped), (0, 3, 2));
    assert_eq!(
        (s.input_tokens, s.output_tokens, s.tokens_estimated),
        (356, 6, true)
    );
    assert!(
        (s.exec_cost.unwrap() - 0.0004).abs() < 1e-12,
        "{:?}",
        s.exec_cost
    );
    // Nothing spent and nothing answered: no cost yet.
    let failed = summary("A", &run_of(&[None, None, None], None, &[0.0; 3]));
    assert_eq!((failed.stopped, failed.exec_cost), (0, None));
}

#[test]
fn a_summary_counts_every_result_of_the_version_with_tokens_cost_and_times() {
    let mut r = run_of(
        &[Some("Bob"), Some("no one"), None],
        Some(0.001),
        &[1000.0, 3000.0, 0.0],
    );
    // A case no longer in the suite does not count.
    r.cases.insert(
        9,
        CaseRun {
            status: Status::Done,
            output: "Bob".into(),
            run_ms: 1.0,
            ..CaseRun::default()
        },
    );
    let s = summary("A", &r);
    assert_eq!((s.asked, s.answered, s.not_answered), (3, 2, 1));
    assert_eq!((s.aggregate.passed, s.aggregate.scored), (1, 2));
    assert_eq!(s.aggregate.mean, Some(50.0));
    assert_eq!((s.input_tokens, s.output_tokens), (200, 20));
    assert!((s.exec_cost.unwrap() - 0.002).abs() < 1e-12);
    let lat = s.latency.unwrap();
    assert_eq!((lat.median_ms, lat.p95_ms, lat.n), (1000.0, 3000.0, 2));
    let first = s.first_token.unwrap();
    assert_eq!((first.median_ms, first.p95_ms), (250.0, 750.0));
    // An answer from an earlier run of this version (a cancelled re-run put it back) counts,
    // as in the Results score: the same figures, and it is said to be an earlier run's.
    r.cases.get_mut(&1).unwrap().run_ms = 1.0;
    assert_eq!(
        summary("A", &r),
        ModelSummary {
            earlier: 1,
            ..s.clone()
        }
    );
    assert_eq!(
        summary("A", &r).score_cell(),
        "50 / 100 on 2 of 3 cases (1 not answered) · 1 of the 2 answers from an earlier run"
    );
    // Tryout 77: more earlier answers than scored ones (the others have nothing to check) read
    // "4 of the 1 answer from an earlier run"; and an unpriced cost read "about unknown price".
    let more = ModelSummary {
        earlier: 4,
        ..summary("A", &r)
    };
    assert!(
        more.score_cell()
            .ends_with(" · 4 answers from an earlier run"),
        "{}",
        more.score_cell()
    );
    let unpriced = grid::VersionRow {
        cells: vec![Some(ModelSummary {
            exec_cost: None,
            tokens_estimated: true,
            ..summary("A", &r)
        })],
        best: vec![false],
        version: 1,
    };
    let cell = unpriced.cell_text(0);
    assert!(
        cell.contains("unknown price") && !cell.contains("about unknown"),
        "{cell}"
    );
    // No judge calls: nothing spent on judging.
    assert_eq!(s.judge_cost, Some(0.0));
    // Judge calls are priced by the judge model recorded with them; an unpriced one makes the
    // judging cost unknown, never free.
    let judge = ProviderConfig {
        model: "gpt-4o-mini".into(),
        ..ProviderConfig::preset(ProviderKind::OpenAi, Role::Judge)
    };
    let mut judged = r.clone();
    for c in judged.cases.values_mut() {
        c.judge_tokens = (1_000_000, 0);
        c.judge_model = Some(crate::domain::eval::run::ModelUsed::of(&judge));
    }
    let j = summary("A", &judged).judge_cost.unwrap();
    assert!(
        (j - 2.0 * 0.15).abs() < 1e-9,
        "two answered cases at $0.15 per million in: {j}"
    );
    judged.cases.get_mut(&1).unwrap().judge_model = None;
    assert_eq!(summary("A", &judged).judge_cost, None);
    // One answer without a price: the model's cost is not known (never counted as free).
    r.cases.get_mut(&1).unwrap().cost_usd = None;
    assert_eq!(summary("A", &r).exec_cost, None);
}

#[test]
fn the_recommendation_is_the_cheapest_model_within_five_points_of_the_best() {
    // B passes 3 of 3 at $0.03; A passes 3 of 3 too at $0.003; C fails two.
    let a = summary("A", &run_of(&[Some("Bob"); 3], Some(0.001), &[500.0; 3]));
    let b = summary("B", &run_of(&[Some("Bob"); 3], Some(0.01), &[500.0; 3]));
    let c = summary(
        "C",
        &run_of(&[Some("Bob"), Some("x"), Some("y")], Some(0.0), &[500.0; 3]),
    );
    let line = grid::recommend(&[b.clone(), a.clone(), c.clone()]).unwrap();
    assert_eq!(
        line,
        "Recommended: A, tied for the best score (100 / 100 on 3 cases) with B, and the lowest price of the models within 5 points ($0.0030)."
    );
    // C is free but 67 points below: not within reach of the best.
    assert!(!line.contains("Recommended: C"), "{line}");
    // Tryout 108: a score counting an earlier run's answer read as the latest run's beside the
    // recommendation (the table said it): said there too.
    let a_earlier = ModelSummary {
        earlier: 1,
        ..a.clone()
    };
    assert_eq!(
        grid::recommend(&[b.clone(), a_earlier, c.clone()]).unwrap(),
        "Recommended: A, tied for the best score (100 / 100 on 3 cases) with B, and the lowest price of the models within 5 points ($0.0030) (A: 1 of the 3 answers from an earlier run)."
    );
    // When the cheaper model is a little worse (within 5 points), it is still recommended,
    // and the line names the best one and both prices.
    let mut near = a.clone();
    near.aggregate.mean = Some(96.0);
    let line = grid::recommend(&[b.clone(), near]).unwrap();
    assert_eq!(
        line,
        "Recommended: A, 96 / 100 on 3 cases, within 5 points of the best (B, 100 / 100), for $0.0030 against $0.03."
    );
    // Tryout 107: a model left out (a received comparison's earlier results of another test
    // model) with a higher score than every model compared: none of them is "the best".
    let mut left = b.clone();
    left.label = "L".into();
    left.left_out = Some("the execution model is now another: run again to compare".into());
    let mut lower = a.clone();
    lower.aggregate.mean = Some(73.0);
    let mut lowest = b.clone();
    lowest.aggregate.mean = Some(70.0);
    let line = grid::recommend(&[left, lower, lowest]).unwrap();
    assert!(
        line.starts_with("No recommendation: L shows a higher score (100 / 100) than the models that can be compared, and is left out (L is left out: the execution model is now another"),
        "{line}"
    );
    // Six points below is too far: the best is recommended, alone in reach.
    let mut far = a.clone();
    far.aggregate.mean = Some(94.0);
    let line = grid::recommend(&[b.clone(), far]).unwrap();
    assert!(
        line.starts_with("Recommended: B, with the best score (100 / 100 on 3 cases) for $0.03; no other model comes within 5 points"),
        "{line}"
    );
}

/// Session 47's notes: after 40 cases were imported into a suite of 4 run on two models, the
/// table said "84 / 100" and the recommendation "on 4 cases", and nothing said 40 cases of the
/// suite had no result on these models.
#[test]
fn cases_added_after_a_comparison_are_said_not_run_on_its_models() {
    let a = run_of(&[Some("Bob"); 3], Some(0.001), &[100.0; 3]);
    let b = run_of(&[Some("Bob"); 3], Some(0.002), &[100.0; 3]);
    // The three cases the models answered, then two more added since.
    let mut suite = suite3();
    for id in [4, 5] {
        let mut c = suite.cases[0].clone();
        c.id = id;
        suite.cases.push(c);
    }
    let (sa, sb) = (
        grid::summarize("A", &a, &suite, None),
        grid::summarize("B", &b, &suite, None),
    );
    assert_eq!(sa.not_run, 2);
    let cell = sa.score_cell();
    assert!(
        cell.starts_with("100 / 100 on 3 of 5 cases (2 not run on this model)"),
        "{cell}"
    );
    let line = grid::recommend(&[sa, sb]).unwrap();
    assert!(
        line.contains("on 3 cases; 2 cases of the suite have no result on these models"),
        "{line}"
    );
    // On the suite the models were run on, nothing of the kind is said.
    let sa = grid::summarize("A", &a, &suite3(), None);
    assert_eq!(
        (sa.not_run, sa.score_cell().contains("not run")),
        (0, false)
    );
}

#[test]
fn no_model_is_recommended_on_unfinished_unanswered_unpriced_or_different_cases() {
    let a = summary("A", &run_of(&[Some("Bob"); 3], Some(0.001), &[500.0; 3]));
    let b = summary("B", &run_of(&[Some("Bob"); 3], Some(0.01), &[500.0; 3]));
    // One model: nothing to compare.
    assert_eq!(grid::recommend(std::slice::from_ref(&a)), None);
    // Still answering.
    let mut going = b.clone();
    going.answered = 2;
    assert_eq!(
        grid::recommend(&[a.clone(), going]).unwrap(),
        "No recommendation yet: some models are still answering."
    );
    // A failed call leaves that model out, said.
    let failed = summary(
        "F",
        &run_of(&[Some("Bob"), Some("Bob"), None], Some(0.0), &[500.0; 3]),
    );
    let line = grid::recommend(&[a.clone(), failed]).unwrap();
    assert_eq!(
        line,
        "No recommendation: fewer than two models have a score to compare (F is left out: 1 of 3 cases did not answer)."
    );
    // Different numbers of cases: the scores measure different things.
    let two = grid::summarize(
        "T",
        &run_of(&[Some("Bob"), Some("Bob")], Some(0.0), &[500.0; 2]),
        &suite3(),
        None,
    );
    assert!(
        grid::recommend(&[a.clone(), two])
            .unwrap()
            .starts_with("No recommendation: the models were run on different cases")
    );
    // Session 42's review: as many cases, but not the same ones (cases 1 and 2 against 2 and
    // 3), compared as if they were.
    let mut other = run_of(
        &[Some("Bob"), Some("Bob"), Some("Bob")],
        Some(0.0),
        &[500.0; 3],
    );
    other.cases.remove(&1);
    let two_other = grid::summarize("O", &other, &suite3(), None);
    let two = grid::summarize(
        "T",
        &run_of(&[Some("Bob"), Some("Bob")], Some(0.0), &[500.0; 2]),
        &suite3(),
        None,
    );
    assert_eq!(two.asked, two_other.asked);
    assert!(
        grid::recommend(&[two, two_other])
            .unwrap()
            .starts_with("No recommendation: the models were run on different cases")
    );
    // A model with no list price is not called cheapest: it is named as not compared on cost.
    let unpriced = summary("U", &run_of(&[Some("Bob"); 3], None, &[500.0; 3]));
    let line = grid::recommend(&[unpriced, b.clone()]).unwrap();
    assert_eq!(
        line,
        "Recommended: B, tied for the best score (100 / 100 on 3 cases) with U, for $0.03; it is the only model within 5 points with a known price (U has no known price here, so it is not compared on cost)."
    );
}

#[test]
fn disagreements_and_failures_name_the_cases_in_suite_order() {
    let suite = suite3();
    let a = run_of(&[Some("Bob"), Some("Bob"), Some("x")], Some(0.0), &[1.0; 3]);
    let b = run_of(&[Some("Bob"), Some("x"), Some("y")], Some(0.0), &[1.0; 3]);
    let c = run_of(&[Some("Bob"), Some("Bob"), None], Some(0.0), &[1.0; 3]);
    // Case 2 passes on A and fails on B; case 3 fails on both (agreement).
    assert_eq!(grid::disagreements(&[&a, &b], &suite, None), vec![2]);
    assert_eq!(grid::failures(&[&a, &b], &suite, None), vec![2, 3]);
    // A failed call is a failure, not a disagreement (it has no verdict).
    assert_eq!(
        grid::disagreements(&[&a, &c], &suite, None),
        Vec::<u32>::new()
    );
    assert_eq!(grid::failures(&[&c], &suite, None), vec![3]);
}

#[test]
fn a_model_key_names_preset_address_and_model_and_the_label_adds_a_host_only_when_needed() {
    let mut cfg = ProviderConfig::preset(ProviderKind::OpenAi, Role::Execution);
    cfg.model = "gpt-4o-mini".into();
    assert_eq!(
        grid::model_key(&cfg),
        format!(
            "open-ai|{}|gpt-4o-mini",
            ProviderKind::OpenAi
                .default_base_url()
                .trim_end_matches('/')
        )
    );
    assert_eq!(grid::model_label(&cfg), "OpenAI gpt-4o-mini");
    let mut other = cfg.clone();
    other.base_url = "http://127.0.0.1:9999/v1/".into();
    other.temperature = 0.9;
    assert_ne!(grid::model_key(&other), grid::model_key(&cfg));
    assert_eq!(
        grid::model_label(&other),
        "OpenAI gpt-4o-mini at 127.0.0.1:9999"
    );
    // Temperature is a setting of the model, not another model.
    let mut warm = cfg.clone();
    warm.temperature = 1.0;
    assert_eq!(grid::model_key(&warm), grid::model_key(&cfg));
}

fn draft_with_compared() -> Draft {
    let mut d = crate::domain::wire::tests::sample_draft();
    d.suite = suite3();
    let r = run_of(
        &[Some("Bob"), Some("x"), None],
        Some(0.002),
        &[800.0, 900.0, 0.0],
    );
    d.put_run(Run {
        version: d.current,
        ..r.clone()
    });
    d.put_run_on(
        "open-ai|http://h:1/v1|m2",
        Run {
            version: d.current,
            model: "OpenAI m2 at h:1".into(),
            ..r
        },
    );
    d
}

#[test]
fn results_are_kept_per_version_and_model_through_storage_and_links() {
    let d = draft_with_compared();
    let key = "open-ai|http://h:1/v1|m2";
    assert!(d.run_on(d.current, key).is_some());
    assert_eq!(d.run_on(d.current, ""), d.run_of(d.current));
    assert_eq!(d.run_on(d.current + 7, key), None);
    // A second put for the same (version, model) replaces; another model is kept beside it.
    let mut two = d.clone();
    two.put_run_on(
        key,
        Run {
            version: d.current,
            model: "x".into(),
            ..Run::default()
        },
    );
    two.put_run_on(
        "open-ai|http://h:2/v1|m3",
        Run {
            version: d.current,
            ..Run::default()
        },
    );
    assert_eq!(two.compared.len(), 2);
    assert_eq!(two.run_on(d.current, key).unwrap().model, "x");
    // Storage: the whole draft, first token times included.
    let w = DraftV1::from_draft(&d, Include::ALL);
    let json = serde_json::to_string(&w).unwrap();
    assert!(
        json.contains("\"compared\"") && json.contains("\"first_ms\""),
        "{json}"
    );
    let back = serde_json::from_str::<DraftV1>(&json)
        .unwrap()
        .into_salvaged();
    assert!(back.lost.is_empty(), "{:?}", back.lost);
    assert_eq!(back.draft.compared, d.compared);
    assert_eq!(back.draft.runs, d.runs);
    // A share link with the results carries them; one without does not.
    let link = crate::domain::share::encode(&d, Include::ALL).unwrap();
    let opened = crate::domain::share::decode_salvaged(&link).unwrap();
    assert!(opened.lost.is_empty(), "{:?}", opened.lost);
    // Its costs are the tokens at this page's prices (`Draft::price_here`).
    let mut priced = d.clone();
    priced.price_here();
    // Its results came with the link (`Draft::results_received`).
    priced.results_received();
    assert_eq!(opened.draft.compared, priced.compared);
    let no_results = Include {
        results: false,
        ..Include::ALL
    };
    let link = crate::domain::share::encode(&d, no_results).unwrap();
    let opened = crate::domain::share::decode(&link).unwrap();
    assert!(opened.compared.is_empty());
}

#[test]
fn damaged_comparison_results_are_left_out_and_named_and_the_rest_is_kept() {
    let d = draft_with_compared();
    let mut v = serde_json::to_value(DraftV1::from_draft(&d, Include::ALL)).unwrap();
    let good = v["compared"][0].clone();
    let mut no_key = good.clone();
    no_key.as_object_mut().unwrap().remove("key");
    let mut bad_cases = good.clone();
    bad_cases["cases"] = serde_json::json!("not a list");
    bad_cases["key"] = serde_json::json!("open-ai|http://h:3/v1|broken");
    v["compared"] = serde_json::json!([good, no_key, bad_cases]);
    let s = crate::domain::wire::salvage::read_draft(v).unwrap();
    assert_eq!(s.draft.compared.len(), 1);
    assert_eq!(
        s.draft.runs, d.runs,
        "the execution model's results are kept"
    );
    let said: Vec<String> = s.lost.iter().map(ToString::to_string).collect();
    assert_eq!(
        said,
        vec![
            "The results on comparison model 2 in the list could not be read and were left out."
                .to_owned(),
            "The results on comparison model \u{201c}OpenAI broken at h:3\u{201d} could not be read and were left out."
                .to_owned(),
        ]
    );
    // Not a list at all: named once.
    let mut v = serde_json::to_value(DraftV1::from_draft(&d, Include::ALL)).unwrap();
    v["compared"] = serde_json::json!({"a": 1});
    let s = crate::domain::wire::salvage::read_draft(v).unwrap();
    assert!(s.draft.compared.is_empty());
    assert_eq!(
        s.lost.iter().map(ToString::to_string).collect::<Vec<_>>(),
        vec![
            "The results on the comparison models could not be read and were left out.".to_owned()
        ]
    );
    let _ = ModelRun::default();
}

// Tryout: after the execution model was switched from gpt-4o to gpt-4.1-nano, the grid's first
// row read "OpenAI gpt-4.1-nano" with gpt-4o's results and cost, and the recommendation named
// it; a received link labelled the sender's results with the receiver's local model.
#[test]
fn the_execution_column_is_labelled_by_the_model_that_made_its_results() {
    let at = |model: &str| ProviderConfig {
        model: model.into(),
        ..ProviderConfig::preset(ProviderKind::OpenAi, Role::Execution)
    };
    let (gpt4o, nano) = (at("gpt-4o"), at("gpt-4.1-nano"));
    let mut r = run_of(
        &[Some("Bob"), Some("Bob"), Some("Bob")],
        Some(0.01),
        &[100.0; 3],
    );
    for c in r.cases.values_mut() {
        c.exec_model = Some(crate::domain::eval::run::ModelUsed::of(&gpt4o));
    }
    // No results: the current model's name.
    assert_eq!(
        grid::exec_column(None, &nano),
        ("OpenAI gpt-4.1-nano".to_owned(), None)
    );
    // Made with the model chosen now.
    assert_eq!(
        grid::exec_column(Some(&r), &gpt4o),
        ("OpenAI gpt-4o".to_owned(), None)
    );
    // Made with another: named by it, and left out of the recommendation.
    let (label, why) = grid::exec_column(Some(&r), &nano);
    assert_eq!(label, "OpenAI gpt-4o (earlier results)");
    assert_eq!(
        why.as_deref(),
        Some(
            "its results were made with OpenAI gpt-4o, and the execution model is now OpenAI gpt-4.1-nano: run again to compare"
        )
    );
    let cheap = run_of(
        &[Some("Bob"), Some("Bob"), Some("Bob")],
        Some(0.001),
        &[100.0; 3],
    );
    let earlier = ModelSummary {
        left_out: why,
        ..summary(&label, &r)
    };
    let line = grid::recommend(&[earlier, summary("OpenAI gpt-4o-mini", &cheap)]).unwrap();
    assert_eq!(
        line,
        "No recommendation: fewer than two models have a score to compare (OpenAI gpt-4o (earlier results) is left out: its results were made with OpenAI gpt-4o, and the execution model is now OpenAI gpt-4.1-nano: run again to compare)."
    );
    // One case re-run on the new model: mixed.
    r.cases.get_mut(&2).unwrap().exec_model = Some(crate::domain::eval::run::ModelUsed::of(&nano));
    let (label, why) = grid::exec_column(Some(&r), &nano);
    assert_eq!(label, "OpenAI gpt-4o + OpenAI gpt-4.1-nano (mixed results)");
    assert!(
        why.unwrap()
            .contains("several models (OpenAI gpt-4o, OpenAI gpt-4.1-nano)")
    );
    // Older records without the per-case model: the run's own label.
    let mut old = run_of(&[Some("Bob")], None, &[1.0]);
    old.model = "Local model (llama.cpp, built in) smollm2".into();
    let (label, why) = grid::exec_column(Some(&old), &gpt4o);
    assert_eq!(
        label,
        "Local model (llama.cpp, built in) smollm2 (earlier results)"
    );
    assert!(why.is_some());
}

// Tryout: comparison results travel in links and exports, but the list of comparison models is
// this device's: a receiver saw only the execution model's row.
#[test]
fn results_of_models_not_chosen_here_are_found_and_their_settings_read_back() {
    let mini = ProviderConfig {
        base_url: "http://127.0.0.1:9000/v1/".into(),
        model: "gpt-4o-mini".into(),
        ..ProviderConfig::preset(ProviderKind::OpenAi, Role::Execution)
    };
    let key = grid::model_key(&mini);
    let back = grid::config_of_key(&key).unwrap();
    assert_eq!(
        (back.kind, back.model.as_str()),
        (ProviderKind::OpenAi, "gpt-4o-mini")
    );
    assert_eq!(grid::model_key(&back), key);
    for bad in [
        "",
        "open-ai",
        "nope|http://h/v1|m",
        "open-ai|not an address|m",
        "open-ai|https://h/v1|",
    ] {
        assert_eq!(grid::config_of_key(bad), None, "{bad}");
    }
    let mut r = run_of(&[Some("Bob")], None, &[1.0]);
    r.model = "OpenAI gpt-4o-mini at 127.0.0.1:9000".into();
    let mut old = r.clone();
    old.version = 2;
    let runs = vec![
        ModelRun {
            key: key.clone(),
            run: r.clone(),
        },
        ModelRun {
            key: "custom|http://h:1/v1|x".into(),
            run: old,
        },
    ];
    let exec = ProviderConfig::preset(ProviderKind::OpenAi, Role::Execution);
    // Not chosen here: found, on its version only.
    assert_eq!(
        grid::other_models(&runs, 1, &grid::slots(&exec, &[])),
        vec![(key.clone(), r.model.clone())]
    );
    // Chosen here: it is a column already.
    assert!(grid::other_models(&runs, 1, &grid::slots(&exec, &[mini])).is_empty());
}

// Tryout 11 (m5): two models with the same score read "fake-large has the best score (67 / 100 on
// 5 cases)", one of them named the best; and "on 5 cases" counted two cases without checks, which
// the score leaves out.
#[test]
fn a_tie_is_said_and_the_score_names_the_cases_it_is_over() {
    let a = summary("A", &run_of(&[Some("Bob"); 3], None, &[500.0; 3]));
    let b = summary("B", &run_of(&[Some("Bob"); 3], None, &[500.0; 3]));
    assert_eq!(
        grid::recommend(&[a.clone(), b.clone()]).unwrap(),
        "A and B share the best score (100 / 100 on 3 cases); no model within 5 points of it has a known price (A has no known price here, so it is not compared on cost; B has no known price here, so it is not compared on cost)."
    );
    // Alone at the top, it is the best.
    let mut lower = b.clone();
    lower.aggregate.mean = Some(50.0);
    assert!(
        grid::recommend(&[a.clone(), lower])
            .unwrap()
            .starts_with("A has the best score (100 / 100 on 3 cases)")
    );
    // Two of five cases without checks: the score is over the three with checks.
    let mut few = a.clone();
    few.asked = 5;
    few.answered = 5;
    few.aggregate.unchecked = 2;
    let mut other = b.clone();
    other.asked = 5;
    other.answered = 5;
    other.aggregate.unchecked = 2;
    other.exec_cost = Some(0.01);
    assert_eq!(
        grid::recommend(&[few, other]).unwrap(),
        "Recommended: B, tied for the best score (100 / 100 on the 3 cases with checks) with A, for $0.01; it is the only model within 5 points with a known price (A has no known price here, so it is not compared on cost)."
    );
}

// Tryout 12 (M4): the table read "100 / 100" and "1 of 4" with no word that three cases were not
// in the score.
#[test]
fn a_score_over_fewer_cases_than_asked_says_which_and_why() {
    let mut m = summary("A", &run_of(&[Some("Bob"); 3], Some(0.001), &[500.0; 3]));
    assert_eq!(m.score_cell(), "100 / 100");
    m.asked = 4;
    m.answered = 4;
    m.aggregate.unjudged = 1;
    m.aggregate.scored = 1;
    m.aggregate.judge_failed = 1;
    m.aggregate.unchecked = 1;
    assert_eq!(
        m.score_cell(),
        "100 / 100 on 1 of 4 cases (1 not judged yet, 1 the judge failed on, 1 with nothing to check)"
    );
    m.aggregate.mean = None;
    assert_eq!(m.score_cell(), "no score yet");
}

// Review: two models at the best score, a cheaper one within 5 points: the best are named
// together; scores equal as shown (whole points) are a tie.
#[test]
fn a_cheaper_model_near_a_tie_names_every_best_model() {
    let mut a = summary("A", &run_of(&[Some("Bob"); 3], Some(0.01), &[500.0; 3]));
    let mut b = summary("B", &run_of(&[Some("Bob"); 3], Some(0.02), &[500.0; 3]));
    let mut c = summary("C", &run_of(&[Some("Bob"); 3], Some(0.001), &[500.0; 3]));
    a.aggregate.mean = Some(83.3333);
    b.aggregate.mean = Some(83.3334);
    c.aggregate.mean = Some(80.0);
    assert_eq!(
        grid::recommend(&[a, b, c]).unwrap(),
        "Recommended: C, 80 / 100 on 3 cases, within 5 points of the best (A and B, 83 / 100), for $0.0030 against $0.06 for B."
    );
}

// Issue #14: versions compare across models the way cases do. Each cell is scored with its own
// version's prompt; the best version of a column is marked only when it can be said.
#[test]
fn versions_by_models_lists_each_version_on_each_model_and_marks_the_best_only_when_comparable() {
    let mut d = crate::domain::wire::tests::sample_draft();
    d.suite = suite3();
    d.runs.clear();
    d.compared.clear();
    let key = "open-ai|http://h:1/v1|m2";
    let exec = exec_of("m1");
    let on = |version: u32, outputs: &[Option<&str>]| {
        made_by(
            Run {
                version,
                ..run_of(outputs, Some(0.001), &[100.0, 200.0, 300.0])
            },
            &exec,
        )
    };
    d.put_run(on(1, &[Some("Bob"), Some("Bob"), Some("x")]));
    d.put_run(on(2, &[Some("Bob"), Some("Bob"), Some("Bob")]));
    d.put_run_on(key, on(1, &[Some("Bob"), Some("x"), Some("x")]));
    let columns = vec![
        ("".to_owned(), "A".to_owned()),
        (key.to_owned(), "B".to_owned()),
    ];
    let table = grid::versions_by_models(&d, &columns, &exec);
    assert_eq!(table.labels, vec!["OpenAI m1".to_owned(), "B".to_owned()]);
    let rows = table.rows;
    let text = cell_texts(&rows);
    assert_eq!(
        text,
        vec![
            (
                2,
                vec![
                    "100 / 100 · 3 of 3 passed · best · $0.0030 · 200 ms median".to_owned(),
                    "not run".to_owned()
                ]
            ),
            (
                1,
                vec![
                    "67 / 100 · 2 of 3 passed · $0.0030 · 200 ms median".to_owned(),
                    // One version on B: nothing to be best among. Its cost and time, as the
                    // per-model table gives them.
                    "33 / 100 · 1 of 3 passed · $0.0030 · 200 ms median".to_owned()
                ]
            ),
        ]
    );
    // A version whose answers are not all in cannot be compared: no best in that column.
    d.put_run(on(1, &[Some("Bob"), Some("Bob"), None]));
    let rows = grid::versions_by_models(&d, &columns, &exec).rows;
    assert_eq!(rows[0].best, vec![false, false]);
    // Equal scores are a tie: both marked.
    d.put_run(on(1, &[Some("Bob"), Some("Bob"), Some("Bob")]));
    let rows = grid::versions_by_models(&d, &columns, &exec).rows;
    assert_eq!(
        rows.iter().map(|r| r.best[0]).collect::<Vec<_>>(),
        vec![true, true]
    );
    // Different numbers of cases measure different things: no best.
    let mut fewer = on(1, &[Some("Bob"), Some("Bob"), Some("Bob")]);
    fewer.cases.remove(&3);
    d.put_run(fewer);
    let rows = grid::versions_by_models(&d, &columns, &exec).rows;
    assert_eq!(rows[1].cells[0].as_ref().map(|s| s.asked), Some(2));
    assert!(rows.iter().all(|r| !r.best[0]));
    // A version with no results on any column is not listed.
    d.runs.clear();
    d.compared.clear();
    assert!(
        grid::versions_by_models(&d, &columns, &exec)
            .rows
            .is_empty()
    );
}

/// Each row's version and its first two cells in words ([`grid::VersionRow::cell_text`]).
fn cell_texts(rows: &[grid::VersionRow]) -> Vec<(u32, Vec<String>)> {
    rows.iter()
        .map(|r| (r.version, (0..2).map(|i| r.cell_text(i)).collect()))
        .collect()
}

/// An execution model's settings for the tests: OpenAI's preset with `model`.
fn exec_of(model: &str) -> ProviderConfig {
    ProviderConfig {
        model: model.to_owned(),
        ..ProviderConfig::preset(ProviderKind::OpenAi, Role::Execution)
    }
}

/// `run` with every result made by `cfg` ([`CaseRun::exec_model`]).
fn made_by(mut run: Run, cfg: &ProviderConfig) -> Run {
    for c in run.cases.values_mut() {
        c.exec_model = Some(crate::domain::eval::run::ModelUsed::of(cfg));
    }
    run
}

// Tryout 81: after a switch of execution model, the versions table put every version's results
// under the model chosen now: version 1's score on fake-mini read as fake-reasoner's, and
// version 3 (run on fake-reasoner) was marked best against it. Each model's results have their
// own column, and nothing is ranked across models.
#[test]
fn versions_run_on_an_earlier_execution_model_are_put_under_that_model() {
    let mut d = crate::domain::wire::tests::sample_draft();
    d.suite = suite3();
    d.runs.clear();
    d.compared.clear();
    let (mini, reasoner) = (exec_of("fake-mini"), exec_of("fake-reasoner"));
    let on = |version: u32, outputs: &[Option<&str>], cfg: &ProviderConfig| {
        made_by(
            Run {
                version,
                ..run_of(outputs, Some(0.001), &[100.0, 200.0, 300.0])
            },
            cfg,
        )
    };
    while d.versions.len() < 3 {
        let spec = d.versions[0].spec.clone();
        d.commit(spec, crate::domain::draft::Origin::Pasted, 1.0);
    }
    d.put_run(on(1, &[Some("Bob"), Some("Bob"), Some("Bob")], &mini));
    d.put_run(on(3, &[Some("Bob"), Some("x"), Some("x")], &reasoner));
    let columns = vec![(
        "".to_owned(),
        "whatever the per-model table says".to_owned(),
    )];
    let table = grid::versions_by_models(&d, &columns, &reasoner);
    assert_eq!(
        table.labels,
        vec![
            "OpenAI fake-reasoner".to_owned(),
            "OpenAI fake-mini (earlier results)".to_owned()
        ]
    );
    let cells = cell_texts(&table.rows);
    assert_eq!(
        cells,
        vec![
            (
                3,
                vec![
                    "33 / 100 · 1 of 3 passed · $0.0030 · 200 ms median".to_owned(),
                    "not run".to_owned()
                ]
            ),
            (
                1,
                vec![
                    "not run".to_owned(),
                    "100 / 100 · 3 of 3 passed · $0.0030 · 200 ms median".to_owned()
                ]
            ),
        ]
    );
    // Both versions on fake-mini: ranked in that column.
    d.put_run(on(3, &[Some("Bob"), Some("x"), Some("x")], &mini));
    let table = grid::versions_by_models(&d, &columns, &reasoner);
    assert_eq!(table.labels.len(), 2);
    assert_eq!(
        table
            .rows
            .iter()
            .map(|r| r.best.clone())
            .collect::<Vec<_>>(),
        vec![vec![false, false], vec![false, true]]
    );
    // Tryout 82: a version re-run in part on the model chosen now has a cell under each model,
    // over the cases each answered (it read "not run" under the chosen one), and nothing is
    // ranked over different cases.
    let mut mixed = on(3, &[Some("Bob"), Some("Bob"), Some("Bob")], &mini);
    mixed.cases.get_mut(&1).unwrap().exec_model =
        Some(crate::domain::eval::run::ModelUsed::of(&reasoner));
    d.put_run(mixed);
    let table = grid::versions_by_models(&d, &columns, &reasoner);
    assert_eq!(
        table.labels,
        vec![
            "OpenAI fake-reasoner".to_owned(),
            "OpenAI fake-mini (earlier results)".to_owned()
        ]
    );
    let cells = cell_texts(&table.rows);
    assert_eq!(
        cells,
        vec![
            (
                3,
                vec![
                    "100 / 100 on 1 of 3 cases (2 not run on this model) · 1 of 1 passed · $0.0010 · 100 ms median".to_owned(),
                    "100 / 100 on 2 of 3 cases (1 not run on this model) · 2 of 2 passed · $0.0020 · 200 ms median".to_owned()
                ]
            ),
            (
                1,
                vec![
                    "not run".to_owned(),
                    "100 / 100 · 3 of 3 passed · $0.0030 · 200 ms median".to_owned()
                ]
            ),
        ]
    );
    assert!(table.rows.iter().all(|r| r.best.iter().all(|b| !b)));
}

// Tryout 48: a comparison model's cases not sent after its key was refused were said only in
// one cell; its row read "77 / 100 · 4 of 6" as if nothing were missing.
#[test]
fn a_models_cases_not_sent_are_counted_in_its_row() {
    let mut r = run_of(&[Some("Bob")], None, &[100.0]);
    r.stop_sending("the key was not accepted (HTTP 401)".into(), &[2, 3]);
    let s = summary("fake-mini", &r);
    assert_eq!((s.unsent, s.unsent_unrecorded), (2, 2));
    assert_eq!(s.stopped_by, "the key was not accepted (HTTP 401)");
    assert_eq!(s.score_cell(), "100 / 100 on 1 of 3 cases (2 not sent)");
}

// Tryout 68: a reload cut a comparison model's re-run short; its row read "74 / 100 on 4 of 4
// cases (2 not sent)" and its cells showed the earlier answers as new. Answers an earlier run
// made are counted and said; "not sent" counts only cases with no answer at all.
#[test]
fn answers_from_an_earlier_run_are_said_in_a_models_row() {
    let mut r = run_of(&[Some("Bob"), Some("Bob"), Some("Bob")], None, &[100.0; 3]);
    // The run was made again (started at 9): case 1 answered in it; case 2's re-run was cut
    // off and put its earlier answer back; case 3 was never sent and keeps its earlier answer.
    r.started_ms = 9.0;
    r.cases.get_mut(&1).unwrap().run_ms = 9.0;
    r.cases.get_mut(&2).unwrap().rerun_cancelled = Some(9.0);
    r.unsent = vec![3];
    let s = summary("fake-mini", &r);
    assert_eq!((s.unsent, s.unsent_unrecorded, s.earlier), (1, 0, 2));
    assert_eq!(
        s.score_cell(),
        "100 / 100 · 2 of the 3 answers from an earlier run"
    );
    // A case not sent with no answer at all is what "not sent" counts; case 3 of the suite,
    // never asked, is not run.
    let mut r = run_of(&[Some("Bob")], None, &[100.0]);
    r.started_ms = 9.0;
    r.unsent = vec![2];
    let s = summary("fake-mini", &r);
    assert_eq!(
        s.score_cell(),
        "100 / 100 on 1 of 3 cases (1 not sent, 1 not run on this model) · the answer is from an earlier run"
    );
}

// Tryout 93 (and the review of it): a comparison model with a model name but no address counted
// as ready (`address_problem` has nothing to say of an empty address), so a grid run would call
// it. Neither it nor one without a model name is called.
#[test]
fn a_comparison_model_without_an_address_or_a_model_name_is_not_called() {
    let exec = ProviderConfig::preset(ProviderKind::OpenAi, Role::Execution);
    let mut no_address = ProviderConfig::preset(ProviderKind::Custom, Role::Execution);
    no_address.model = "m".into();
    let mut no_model = ProviderConfig::preset(ProviderKind::Custom, Role::Execution);
    no_model.base_url = "http://127.0.0.1:8080/v1".into();
    let mut whole = no_model.clone();
    whole.model = "m".into();
    assert!(!grid::ready(&no_address) && !grid::ready(&no_model) && grid::ready(&whole));
    let slots = grid::slots(&exec, &[no_address, no_model, whole]);
    assert_eq!(slots.len(), 2, "{slots:?}");
    assert_eq!(slots[1].cfg.model, "m");
}

/// Tryout 96: with one comparison model unpriced, the line said only "What these results cost
/// is unknown", hiding about $0.10 of the priced models' answers. The priced part is said.
#[test]
fn an_unpriced_model_does_not_hide_what_the_priced_ones_cost() {
    let priced = summary(
        "A",
        &run_of(
            &[Some("x"), Some("y"), Some("z")],
            Some(0.01),
            &[1.0, 2.0, 3.0],
        ),
    );
    let unpriced = summary(
        "B",
        &run_of(&[Some("x"), Some("y"), Some("z")], None, &[1.0, 2.0, 3.0]),
    );
    assert_eq!(
        grid::spent_line(&[priced.clone(), unpriced]),
        "What these results cost in all is unknown: no list price here for B. The priced part comes to $0.03."
    );
    assert!(
        grid::spent_line(std::slice::from_ref(&priced))
            .starts_with("These results cost $0.03 in all"),
        "both priced: the whole"
    );
    // Tryout 104: a link's token counts read as money spent here.
    let mut theirs = priced;
    theirs.received = true;
    assert!(
        grid::spent_line(&[theirs]).ends_with(" Some of these results came with the draft in a link or file: their token counts, and so their cost, are as it says."),
        "a link's results"
    );
}

/// Tryout 97: a link edited to carry results under the key of gpt-4o at localhost:8090, labelled
/// "OpenAI gpt-4o" and priced at gpt-4o-mini's rate, read as the sender wrote: the label without
/// its address, the cost the sender's. The label is made from the key, the cost from the tokens
/// at this page's list price.
#[test]
fn results_from_a_model_not_here_are_named_by_their_key_and_priced_here() {
    let key = "open-ai|http://localhost:8090/openai/v1|gpt-4o";
    let mut run = run_of(&[Some("Bob"); 3], Some(0.000_001), &[100.0; 3]);
    run.model = "OpenAI gpt-4o".into();
    let runs = vec![ModelRun {
        key: key.into(),
        run: run.clone(),
    }];
    let others = grid::other_models(&runs, 1, &[]);
    assert_eq!(
        others,
        [(key.to_owned(), "OpenAI gpt-4o at localhost:8090".to_owned())]
    );
    // Tryout 99: a key that does not read ("openai" is no preset id): the link's label, quoted
    // as the name the results carry, never as a name the page gave.
    let mut sender = run.clone();
    sender.model = "OpenAI gpt-4o (trust me)".into();
    let unread = "openai|http://127.0.0.1:8090/openai/v1|gpt-4o";
    assert_eq!(
        grid::other_models(
            &[ModelRun {
                key: unread.into(),
                run: sender,
            }],
            1,
            &[]
        ),
        [(
            unread.to_owned(),
            "\u{201c}OpenAI gpt-4o (trust me)\u{201d} (the name its results carry)".to_owned()
        )]
    );
    let s = grid::priced_here(grid::summarize("x", &run, &suite3(), None), key);
    // 3 calls of 100 tokens in and 10 out at gpt-4o's list price, not the 3 x $0.000001 recorded.
    let cfg = grid::config_of_key(key).unwrap();
    let want = crate::domain::estimate::call_cost(&cfg, 300, 30).unwrap();
    assert_eq!(s.exec_cost, Some(want));
    assert!(want > 0.001, "{want}");
    // A key that does not read, or a model with no list price here: the cost is unknown.
    let s = grid::priced_here(grid::summarize("x", &run, &suite3(), None), "nonsense");
    assert_eq!(s.exec_cost, None);
    let s = grid::priced_here(
        grid::summarize("x", &run, &suite3(), None),
        "open-ai|http://localhost:8090/openai/v1|no-such-model",
    );
    assert_eq!(s.exec_cost, None);
    // Answers that say they used no tokens cost nothing here, whatever figure came with them.
    let mut free = run.clone();
    for c in free.cases.values_mut() {
        (c.input_tokens, c.output_tokens, c.cost_usd) = (0, 0, Some(5.0));
    }
    let s = grid::priced_here(grid::summarize("x", &free, &suite3(), None), key);
    assert_eq!(s.exec_cost, Some(0.0));
}
