//! End-to-end: several models side by side. Three cases run on two models served by two fake
//! hosts (real HTTP, one per model); the page shows what the run uses at most before it starts,
//! then per model the score, passes, cost and times, the recommendation, and the cases × models
//! grid, filtered to disagreements and sorted by one model's scores, and versions × models; a
//! second run changes the
//! recommendation, and everything is still there after a reload. Each host gets only its own
//! key; a failed cell is retried within its run; a repeated model is named; a received link shows
//! the sender's comparison results and adds their model; results made by an earlier execution
//! model say so and are not recommended.
use pw_harness::browser::Browser;
use pw_harness::browser::TypeText;
use pw_harness::fake_provider::{FakeProvider, Fault};
use pw_harness::pages::{CasesPage, PromptPage, SELECT_ALL, SettingsPage, TAB};

const JUDGE_MARK: &str = "strict, fair grader";

fn spec_reply() -> String {
    pw_harness::pages::spec_reply(
        "You are a meticulous meeting analyst.",
        "Meeting notes arrive as the user's message. Never invent owners.",
        &["Read the notes.", "List every commitment with its owner."],
        "A Markdown list, owner in bold.",
        &[
            ("Bob will send the deck.", "- **Bob**: send the deck"),
            ("We talked about lunch.", "No action items."),
            ("hi", "Please paste the notes."),
        ],
    )
}

/// The rows of a table as the page shows them: each row's cells' text.
async fn table(b: &Browser, selector: &str) -> anyhow::Result<Vec<Vec<String>>> {
    let v = b
        .eval(&format!(
            "return Array.from(document.querySelectorAll('{selector} tbody tr')).map(r => Array.from(r.children).map(c => c.innerText.trim()))"
        ))
        .await?;
    Ok(serde_json::from_value(v)?)
}

/// The case ids of the grid's rows, in the order shown.
async fn grid_ids(b: &Browser) -> anyhow::Result<Vec<String>> {
    let v = b
        .eval("return Array.from(document.querySelectorAll('.pw-grid__table tbody tr')).map(r => r.dataset.case)")
        .await?;
    Ok(serde_json::from_value(v)?)
}

/// Dismisses the toasts (a finished run's), as a person would before the next click.
async fn dismiss_toasts(b: &Browser) -> anyhow::Result<()> {
    b.eval(
        "document.querySelectorAll('.pw-toasts__item button').forEach(x => x.click()); return true",
    )
    .await?;
    Ok(())
}

fn answers(fake: &FakeProvider, charlie: &str) {
    fake.clear_rules();
    fake.reply_when(JUDGE_MARK, r#"{"reasoning":"Owners are named.","score":9}"#);
    fake.reply_when("ALPHA", "- **Bob**: send the deck");
    fake.reply_when("BRAVO", "- **Ana**: book the room");
    fake.reply_when("CHARLIE", charlie);
}

/// Opens Compare models and adds comparison model 1: OpenAI at `other`'s address (the model's
/// name and key are typed by the caller).
async fn add_comparison_at(
    b: &Browser,
    s: &SettingsPage<'_>,
    other: &FakeProvider,
) -> anyhow::Result<()> {
    b.wait_for_text("Compare models").await?.click().await?;
    b.button("Add a model to compare").await?.click().await?;
    b.field("Provider of comparison model 1")
        .await?
        .select_by_label("OpenAI")
        .await?;
    s.fill("Address of comparison model 1", &other.openai_url())
        .await?;
    Ok(())
}

/// Types host B's key for comparison model 1 and waits until the page says where it goes.
async fn give_comparison_key(b: &Browser, other: &FakeProvider) -> anyhow::Result<()> {
    b.field("API key of comparison model 1")
        .await?
        .type_text(KEY_B)
        .await?;
    b.wait_for_text(&format!(
        "with the key for OpenAI at 127.0.0.1:{}; it is sent only there",
        other.addr.port()
    ))
    .await?;
    Ok(())
}

/// The OpenAI key for host A (the execution model and the judge) and for host B (the comparison
/// model): distinct, and neither a prefix of the other.
const KEY_A: &str = "sk-grid-host-a-1111";
const KEY_B: &str = "sk-grid-host-b-2222";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_cases_on_two_models_side_by_side() -> anyhow::Result<()> {
    let (a, _site, b) = pw_harness::with_fake(1280, 1600).await?;
    let other = FakeProvider::start().await?;
    let host = |f: &FakeProvider| format!("127.0.0.1:{}", f.addr.port());
    let (label_a, label_b) = (
        format!("OpenAI gpt-4o at {}", host(&a)),
        format!("OpenAI gpt-4o-mini at {}", host(&other)),
    );
    // The execution model and the judge: OpenAI's gpt-4o (listed prices), served by host A.
    let s = SettingsPage::open(&b).await?;
    for tab in ["Running tests", "Scoring"] {
        s.job(tab).await?;
        s.provider("OpenAI").await?;
        s.base_url(&a.openai_url()).await?;
        s.key(KEY_A).await?;
        s.model("gpt-4o").await?;
    }
    s.close().await?;
    PromptPage::new(&b)
        .paste_reply(
            "a bot that pulls action items out of meeting notes",
            &spec_reply(),
        )
        .await?;
    let cases = CasesPage::new(&b);
    cases
        .add(1, "ALPHA: Bob will send the deck.", Some("Bob"))
        .await?;
    cases
        .add(2, "BRAVO: Ana books the room.", Some("Ana"))
        .await?;
    cases
        .add(3, "CHARLIE: Carol buys snacks.", Some("Carol"))
        .await?;
    // A judge rubric for every case.
    cases.add_rubric(1, "Every item names its owner.").await?;
    answers(&a, "- **Carol**: buy snacks");
    // Host B's model misses Carol, and answers more slowly.
    answers(&other, "- someone: buy snacks");
    a.add_model("gpt-4o");
    other.add_model("gpt-4o-mini");
    a.set_timing(0, 5, 8);
    other.set_timing(250, 5, 8);

    // The comparison model: gpt-4o-mini on host B, with its own OpenAI key.
    // Folded under Results until opened.
    add_comparison_at(&b, &s, &other).await?;
    // Typed, not yet left (tryout 12, minor 6: the hint and the model's name waited for the
    // field to be left); the address shows what was typed.
    b.field("Model of comparison model 1")
        .await?
        .type_text("gpt-4o-mini")
        .await?;
    b.wait_for_text(&format!("Comparison model 1: {label_b}"))
        .await?;
    let address = b
        .eval("const i = document.querySelector('[aria-label=\"Address of comparison model 1\"]'); return i.scrollWidth <= i.clientWidth + 1")
        .await?;
    assert_eq!(address, true, "the address is cut off in its field");
    // Tryout: the OpenAI key given for host A used to go to host B too, and typing one here
    // replaced it for every job. A key belongs to one provider at one host.
    b.wait_for_text(&format!(
        "No key yet for OpenAI at {}: its calls will fail until you paste one.",
        host(&other)
    ))
    .await?;
    give_comparison_key(&b, &other).await?;

    // Before anything is sent: what it will use at most, over both models and the judge.
    let before = (a.chat_requests().len(), other.chat_requests().len());
    let bound = b
        .wait_for_text("Run on all 2 models: 6 calls to the models and 6 to the judge; at most $")
        .await?
        .text()
        .await?;
    // The figure is part of the button's description (tryout 85: only the line said it).
    let described = b
        .eval("const x = Array.from(document.querySelectorAll('button')).find(b => b.textContent.trim() === 'Run on all 2 models'); return document.getElementById(x?.getAttribute('aria-describedby') ?? '')?.textContent ?? ''")
        .await?;
    assert_eq!(described.as_str(), Some(bound.as_str()), "{described}");
    assert_eq!(
        (a.chat_requests().len(), other.chat_requests().len()),
        before,
        "nothing is sent before Run: {bound}"
    );

    // Both hosts bill the most a request could use (its whole body as input, its output cap):
    // the bound must hold against a provider that reports more than any estimate.
    a.bill_max(true);
    other.bill_max(true);
    dismiss_toasts(&b).await?;
    b.button("Run on all 2 models").await?.click().await?;
    let want_a = format!("Recommended: {label_a}, with the best score (95 / 100 on 3 cases) for $");
    b.wait_for_text(&want_a).await?;
    let dollars = |t: &str, after: &str| -> f64 {
        let at = t
            .find(after)
            .unwrap_or_else(|| panic!("{after:?} in {t:?}"))
            + after.len();
        t[at..]
            .trim_start_matches("about ")
            .trim_start_matches('$')
            .split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .next()
            .unwrap()
            .trim_end_matches('.')
            .parse()
            .unwrap_or_else(|e| panic!("{e}: {t:?}"))
    };
    let spent = b
        .eval("return document.querySelector('.pw-grid__spent').innerText")
        .await?;
    let spent = spent.as_str().unwrap();
    let (most, cost) = (
        dollars(&bound, "at most "),
        dollars(spent, "These results cost "),
    );
    assert!(
        cost > 0.0 && cost <= most,
        "spent {cost} against at most {most}: {spent} / {bound}"
    );
    eprintln!("[grid] billed at the most: spent ${cost} against at most ${most}");
    // Tryout 64: "$0.02 in all: $0.0024 for the answers and $0.01 for the judge": the parts
    // are said at the total's precision and add up to it (to its last digit's rounding).
    let (answers_cost, judge_cost) = (
        dollars(spent, " in all: "),
        dollars(spent, " for the answers and "),
    );
    let decimals = |after: &str| {
        let t = &spent[spent.find(after).unwrap() + after.len()..];
        t.trim_start_matches("about ")
            .trim_start_matches('$')
            .split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .next()
            .unwrap()
            .trim_end_matches('.')
            .split('.')
            .nth(1)
            .map_or(0, str::len)
    };
    let places = decimals("These results cost ");
    assert!(
        places == decimals(" in all: ") && places == decimals(" for the answers and "),
        "{spent}"
    );
    assert!(
        (answers_cost + judge_cost - cost).abs() <= 1.01 * 10f64.powi(-(places as i32)),
        "{spent}"
    );
    // Tryouts 46-48: the bound says what it counts; the Results panel names what this version's
    // latest run (the execution model's three cases) cost, the figure of its progress line.
    let lines: Vec<String> = serde_json::from_value(
        b.eval("return [...document.querySelectorAll('.pw-run-basis')].map(e => e.innerText)")
            .await?,
    )?;
    assert!(
        lines.iter().any(|l| l.contains(
            "each judge call as if the answer filled the 8,000 characters the judge is shown, each of 4 bytes"
        )),
        "{lines:?}"
    );
    let progress = b
        .eval("return document.querySelector('.pw-card--results .pw-progress__text').innerText")
        .await?;
    let progress = progress.as_str().unwrap_or("").to_owned();
    let run_cost = progress
        .split(if progress.contains("estimated cost: ") {
            "estimated cost: "
        } else {
            "cost at list price: "
        })
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .unwrap_or_else(|| panic!("{progress}"))
        .to_owned();
    let want = format!("This version's latest run (3 cases) cost {run_cost}.");
    assert!(
        lines.iter().any(|l| l.ends_with(&want)),
        "{want} in {lines:?}"
    );
    a.bill_max(false);
    other.bill_max(false);
    let line = b
        .eval("return document.querySelector('.pw-grid__recommend').innerText")
        .await?;
    assert!(
        line.as_str()
            .unwrap()
            .ends_with("; no other model comes within 5 points of it."),
        "{line}"
    );

    // Each host got its model's three cases; the judge (on host A) graded every answer of both.
    let exec_a: Vec<_> = a.chat_requests().into_iter().skip(before.0).collect();
    let exec_b: Vec<_> = other.chat_requests().into_iter().skip(before.1).collect();
    assert_eq!(
        exec_a
            .iter()
            .filter(|r| !r.body.contains(JUDGE_MARK))
            .count(),
        3,
        "three answers from host A"
    );
    assert_eq!(
        exec_a
            .iter()
            .filter(|r| r.body.contains(JUDGE_MARK))
            .count(),
        6
    );
    assert_eq!(
        exec_b.len(),
        3,
        "three answers from host B, no judge call there"
    );
    assert!(exec_b.iter().all(|r| r.body.contains("\"gpt-4o-mini\"")));
    // Each host got its own key, in the header only; neither key reached the other host.
    for (sent, mine, other_key) in [(&exec_a, KEY_A, KEY_B), (&exec_b, KEY_B, KEY_A)] {
        for r in sent.iter() {
            assert_eq!(
                r.header("authorization"),
                Some(format!("Bearer {mine}").as_str())
            );
            let everything = format!("{} {} {:?} {}", r.path, r.query, r.headers, r.body);
            assert!(
                !everything.contains(other_key),
                "a key reached the wrong host: {everything}"
            );
        }
    }
    assert!(exec_a.iter().all(|r| r.body.contains("\"gpt-4o\"")));

    // Per model: score, passes, tokens, cost of the answers, first token and total time.
    let rows = table(&b, ".pw-grid__summary").await?;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0][0], label_a);
    assert_eq!(rows[0][1], "95 / 100");
    assert_eq!(rows[0][2], "3 of 3");
    assert_eq!(rows[1][0], label_b);
    // Case 3 on B: contains ✗ (0), judge 9/10 (0.9): 45; the others (1 + 0.9) / 2 = 95.
    assert_eq!(rows[1][1], "78 / 100", "mean of 95, 95 and 45");
    assert_eq!(rows[1][2], "2 of 3");
    for row in &rows {
        assert!(
            row[4].starts_with('$') || row[4].starts_with("about $"),
            "a priced cost: {row:?}"
        );
        for time in [&row[5], &row[6]] {
            assert!(time.contains(" · p95 "), "median and p95: {row:?}");
        }
    }
    // Host B waits 250 ms before its first byte: its first token comes later than host A's.
    let ms = |t: &str| -> f64 {
        let first = t.split(" · ").next().unwrap();
        if let Some(s) = first.strip_suffix(" ms") {
            s.parse().unwrap()
        } else {
            first.strip_suffix(" s").unwrap().parse::<f64>().unwrap() * 1000.0
        }
    };
    assert!(ms(&rows[1][5]) >= 240.0, "B's first token: {}", rows[1][5]);
    assert!(ms(&rows[1][5]) > ms(&rows[0][5]), "{rows:?}");

    // The grid (drawn when opened): every case on both models; then only where they disagree.
    b.wait_for_text("Answers by case and model")
        .await?
        .click()
        .await?;
    b.wait_until(
        "return Array.from(document.querySelectorAll('.pw-grid__table tbody tr')).map(r => r.dataset.case).join() === '1,2,3'",
        "the grid to show every case",
    )
    .await?;
    assert_eq!(grid_ids(&b).await?, vec!["1", "2", "3"]);
    b.field("Show")
        .await?
        .select_by_label("Disagreements between models")
        .await?;
    b.wait_until(
        "return Array.from(document.querySelectorAll('.pw-grid__table tbody tr')).map(r => r.dataset.case).join() === '3'",
        "the grid to show case 3 only",
    )
    .await?;
    let cells = table(&b, ".pw-grid__table").await?;
    assert!(cells[0][1].starts_with("pass"), "{cells:?}");
    assert!(cells[0][2].starts_with("fail"), "{cells:?}");
    assert!(
        cells[0][2].contains("Missing: \u{201c}Carol\u{201d}."),
        "{cells:?}"
    );
    // All cases, worst first on B.
    b.field("Show").await?.select_by_label("All cases").await?;
    b.field("Order")
        .await?
        .select_by_label(&format!("Worst first on {label_b}"))
        .await?;
    b.wait_until(
        "return Array.from(document.querySelectorAll('.pw-grid__table tbody tr')).map(r => r.dataset.case).join() === '3,1,2'",
        "case 3 first",
    )
    .await?;
    // Tryout 11 (M3): the open panel laid its content in the right half of the card (it wore
    // the page's card-grid class).
    let wide = b
        .eval("const d = document.querySelector('.pw-compare'); const t = d.querySelector('.pw-grid__summary'); return t.getBoundingClientRect().width > 0.8 * d.getBoundingClientRect().width")
        .await?;
    assert_eq!(wide, true, "the comparison table is squeezed");
    b.screenshot_at(".pw-compare", "model-grid").await?;
    // Tryout 12 (minor 7): on a phone the table made the whole page scroll sideways.
    b.client.set_window_size(390, 1600).await?;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // Session 47's notes: the summary table's caption, as wide as the table, was cut off at the
    // scroll box's edge. Every caption's words are inside the page's width.
    let cut = b
        .eval("const w = document.documentElement.clientWidth; const c = [...document.querySelectorAll('.pw-compare caption, .pw-grid__caption')]; return c.length && c.every(e => { const r = e.getBoundingClientRect(); return r.left >= 0 && r.right <= w; }) ? null : c.map(e => e.getBoundingClientRect().right)")
        .await?;
    assert!(cut.is_null(), "a caption is cut off at 390 px: {cut}");
    let wide = b
        .eval("const e = document.documentElement; return e.scrollWidth > e.clientWidth + 1 ? [e.scrollWidth, e.clientWidth] : null")
        .await?;
    // (A screen-reader-only label inside the table, positioned absolutely, was not clipped by
    // its scroll box until the box was made its containing block.)
    assert!(
        wide.is_null(),
        "the page scrolls sideways at 390 px: {wide}"
    );
    b.client.set_window_size(1280, 1600).await?;

    // B fixed: both models pass everything, and the cheaper one is recommended; the tie is
    // said (tryout 11, m5: one of two equal models was called "the best").
    answers(&other, "- **Carol**: buy snacks");
    dismiss_toasts(&b).await?;
    b.button("Run on all 2 models").await?.click().await?;
    b.wait_for_text(&format!(
        "Recommended: {label_b}, tied for the best score (95 / 100 on 3 cases) with {label_a}, and the lowest price of the models within 5 points ($"
    ))
    .await?;

    // Results are kept per (version, model), and the comparison model with them.
    b.client.refresh().await?;
    b.wait_for_text(&format!(
        "Recommended: {label_b}, tied for the best score (95 / 100 on 3 cases) with {label_a}, and the lowest price of the models within 5 points ($"
    ))
    .await?;
    let rows = table(&b, ".pw-grid__summary").await?;
    assert_eq!(
        rows.iter()
            .map(|r| (r[0].clone(), r[1].clone()))
            .collect::<Vec<_>>(),
        vec![
            (label_a.clone(), "95 / 100".to_owned()),
            (label_b.clone(), "95 / 100".to_owned())
        ]
    );

    // Session 47's notes: a case added after the comparison had no result on these models, and
    // the table said "95 / 100" and the recommendation "on 3 cases" with no word of it.
    CasesPage::new(&b).add(4, "Added later", None).await?;
    b.wait_for_text(&format!(
        "tied for the best score (95 / 100 on 3 cases; 1 case of the suite has no result on these models) with {label_a}"
    ))
    .await?;
    let rows = table(&b, ".pw-grid__summary").await?;
    for row in &rows {
        assert_eq!(
            row[1], "95 / 100 on 3 of 4 cases (1 not run on this model)",
            "{rows:?}"
        );
    }
    b.button("Delete case #4").await?.click().await?;
    b.wait_for_text(&format!(
        "tied for the best score (95 / 100 on 3 cases) with {label_a}"
    ))
    .await?;
    // Tryout 107: with the rubric changed no case is judged, and the table read "no score yet"
    // beside "0 of 3" passed, three failures to the eye. No pass count without a score.
    let rubric = "Rubric (every case, check 1)";
    b.field(rubric)
        .await?
        .type_text(&format!(
            "{SELECT_ALL}Every item names its owner. Dates too.{TAB}"
        ))
        .await?;
    b.wait_until(
        "const rows = Array.from(document.querySelectorAll('.pw-grid__summary tbody tr')); return rows.length === 2 && rows.every(r => Array.from(r.cells).some(c => c.textContent === 'none scored yet') && !r.textContent.includes('0 of 3'))",
        "no pass count beside no score",
    )
    .await?;
    b.field(rubric)
        .await?
        .type_text(&format!("{SELECT_ALL}Every item names its owner.{TAB}"))
        .await?;
    b.wait_for_text(&format!(
        "tied for the best score (95 / 100 on 3 cases) with {label_a}"
    ))
    .await?;

    // Versions compare on each model: a version 2, run on both, compared on B's results.
    b.field("Persona")
        .await?
        .type_text(&format!(
            "{SELECT_ALL}You are a meticulous meeting analyst who always names owners.{TAB}"
        ))
        .await?;
    PromptPage::new(&b).wait_version(2).await?;
    answers(&other, "- someone: buy snacks");
    dismiss_toasts(&b).await?;
    b.button("Run on all 2 models").await?.click().await?;
    b.wait_for_text(&want_a).await?;
    b.wait_for_text("Compare two versions")
        .await?
        .click()
        .await?;
    b.field("Results of")
        .await?
        .select_by_label(&label_b)
        .await?;
    // On B, case 3 went from 95 to 45: one loss, two ties.
    b.wait_for_text("Version 2 against version 1: 0 wins, 1 loss, 2 ties · difference -17 points")
        .await?;
    b.field("Results of")
        .await?
        .select_by_label("the execution model")
        .await?;
    b.wait_for_text("Version 2 against version 1: 0 wins, 0 losses, 3 ties · difference +0 points")
        .await?;
    // Versions × models: every version on every model at once. A scored 95 on both versions
    // (a tie: both best); on B version 2 fell to 78 (case 3 at 45), version 1 is its best.
    b.wait_for_text("Versions by model").await?.click().await?;
    b.wait_for_text("Each version on each model, newest first")
        .await?;
    let heads = b
        .eval("return Array.from(document.querySelectorAll('.pw-grid__vxm thead th')).map(c => c.innerText.trim())")
        .await?;
    assert_eq!(heads, serde_json::json!(["Version", label_a, label_b]));
    let rows = table(&b, ".pw-grid__vxm").await?;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!((rows[0][0].as_str(), rows[1][0].as_str()), ("v2", "v1"));
    // Each cell also gives the answers' cost and median time, as the per-model table does.
    for (r, c) in [(0, 1), (1, 1), (1, 2)] {
        assert!(
            rows[r][c].starts_with("95 / 100 · 3 of 3 passed · best · ")
                && rows[r][c].ends_with(" median"),
            "{rows:?}"
        );
    }
    assert!(
        rows[0][2].starts_with("78 / 100 · ") && !rows[0][2].contains("best"),
        "{rows:?}"
    );
    // Tryout 96: one character typed into the prompt made a new version, and the whole
    // comparison vanished, this table too. It stays, and the page says where the results are.
    b.field("Persona").await?.type_text(" Be brief.").await?;
    b.wait_for_text("No model has results on this version yet: the results of earlier versions on each model are under Versions by model below.")
        .await?;
    let rows = table(&b, ".pw-grid__vxm").await?;
    assert_eq!(rows.len(), 2, "{rows:?}");
    dismiss_toasts(&b).await?;
    b.button("Make version 2 current").await?.click().await?;
    b.wait_until(
        "return !document.getElementById('pw-grid-earlier') && !!document.querySelector('.pw-grid__summary')",
        "version 2's comparison to come back",
    )
    .await?;

    // A rating in the grid counts like one on a result: a thumbs-down on A's answer to case 1
    // is one failed check there ((1 + 0.9 + 0) / 3 = 63), so A's score is (63 + 95 + 95) / 3.
    b.wait_for_text("Answers by case and model")
        .await?
        .click()
        .await?;
    b.button(&format!(
        "Thumbs down for the answer to case #1 on {label_a}"
    ))
    .await?
    .click()
    .await?;
    b.wait_until(
        "return document.querySelector('.pw-grid__summary tbody tr')?.children[1]?.innerText === '84 / 100'",
        "A's score to count the thumbs-down",
    )
    .await?;
    let rows = table(&b, ".pw-grid__summary").await?;
    assert_eq!(
        (rows[0][1].as_str(), rows[0][2].as_str()),
        ("84 / 100", "2 of 3")
    );
    assert_eq!(rows[1][1], "78 / 100", "B's results are not touched");

    // Tryout: a failed cell said "press Retry" and had no Retry. It has one, and the retry
    // completes the same run: the recommendation still covers every case. Tryout 11 (S2): the
    // failed re-run does not wipe the cell's answer from the run before; it says it failed.
    other.fault_when("BRAVO", Fault::status(400, "Bad request: simulated"), 1);
    dismiss_toasts(&b).await?;
    b.button("Run on all 2 models").await?.click().await?;
    b.wait_for_text("Its re-run failed:").await?;
    b.wait_for_text("This is the earlier answer, kept.").await?;
    let before = other.chat_requests().len();
    b.button(&format!("Retry case #2 on {label_b}"))
        .await?
        .click()
        .await?;
    b.wait_until(
        "return !document.body.innerText.includes('Its re-run failed:')",
        "the retried cell to answer",
    )
    .await?;
    assert!(other.chat_requests().len() > before, "the retry called B");
    b.wait_for_text(&want_a).await?;
    let rows = table(&b, ".pw-grid__summary").await?;
    assert_eq!(
        (rows[1][1].as_str(), rows[1][2].as_str()),
        ("78 / 100", "2 of 3"),
        "B's score covers its three cases: {rows:?}"
    );

    // Tryout: the same model added twice was dropped without a word.
    b.button("Add a model to compare").await?.click().await?;
    // The new model's first field has the focus.
    b.wait_until(
        "return document.activeElement?.id === 'pw-compare-1-provider'",
        "the focus on the new model's provider",
    )
    .await?;
    b.field("Provider of comparison model 2")
        .await?
        .select_by_label("OpenAI")
        .await?;
    s.fill("Address of comparison model 2", &other.openai_url())
        .await?;
    s.fill("Model of comparison model 2", "gpt-4o-mini").await?;
    b.wait_for_text(
        "This is the same model at the same address as comparison model 1: it is run once",
    )
    .await?;
    b.button("Remove comparison model 2").await?.click().await?;
    b.wait_until(
        "return document.activeElement?.id === 'pw-compare-add'",
        "the focus on Add after Remove",
    )
    .await?;

    // A link with the results: the receiver, who has no comparison model, sees B's results
    // and can add B; the sender's execution results are named by the model that made them.
    pw_harness::pages::share_link(&b, "Include the run results").await?;
    b.eval("const c = document.getElementById('pw-share-results'); if (!c.checked) c.click(); return 1")
        .await?;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let link = pw_harness::pages::shown_link(&b).await?;
    assert!(!link.contains(KEY_A) && !link.contains(KEY_B));
    let r = Browser::start_at(1280, 1600, &link).await?;
    // Tryout 48: the preview listed the execution model's results alone.
    r.wait_for_text(&format!(
        "Results of 1 comparison model ({label_b}) come with the link too: save the draft to see them under Compare models."
    ))
    .await?;
    r.button("Save as my draft").await?.click().await?;
    r.wait_for_text("Compare models").await?.click().await?;
    let b_name = label_b.clone();
    r.wait_for_text(&format!(
        "This draft has results from {b_name}, which is not among your models here"
    ))
    .await?;
    r.wait_for_text("OpenAI gpt-4o (earlier results)").await?;
    let rows = table(&r, ".pw-grid__summary").await?;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1][0], format!("{label_b} (not in your models)"));
    assert_eq!(rows[1][1], "78 / 100");
    r.button(&format!("Add {b_name} to my models"))
        .await?
        .click()
        .await?;
    r.wait_for_text(&format!("Comparison model 1: {label_b}"))
        .await?;
    let rows = table(&r, ".pw-grid__summary").await?;
    assert_eq!(rows[1][0], label_b, "a column of its own now: {rows:?}");
    r.close().await?;

    // Tryout 7: after a cancelled re-run put the earlier answers back, the table read "no score
    // yet 0 of 0" and the grid marked passing answers "fail", while Results scored them.
    other.set_timing(3000, 5, 8);
    dismiss_toasts(&b).await?;
    b.button("Run on all 2 models").await?.click().await?;
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    b.button("Cancel run").await?.click().await?;
    b.wait_until(
        "return !!Array.from(document.querySelectorAll('button')).find(x => x.textContent === 'Run on all 2 models' && !x.disabled)",
        "the run to end",
    )
    .await?;
    // Tryout 68: they count, and are said to be an earlier run's (after a reload cut the run
    // short they read as new).
    let rows = table(&b, ".pw-grid__summary").await?;
    assert_eq!(
        (rows[1][1].as_str(), rows[1][2].as_str()),
        ("78 / 100 · all 3 answers from an earlier run", "2 of 3"),
        "B's earlier answers still count: {rows:?}"
    );
    b.wait_until(
        "return Array.from(document.querySelectorAll('.pw-grid__table tbody tr')).length === 3",
        "the grid's rows",
    )
    .await?;
    let cells = table(&b, ".pw-grid__table").await?;
    for row in &cells {
        let on_b = &row[2];
        if row[0].starts_with("#3") {
            assert!(on_b.starts_with("fail"), "{cells:?}");
        } else {
            assert!(on_b.starts_with("pass"), "a passing answer on B: {cells:?}");
        }
        assert!(
            on_b.contains("from an earlier run")
                // Cancelled 1.2 s into 3 s calls: they had gone out, and may be billed.
                && on_b.contains("re-run was cancelled after its request was sent: the provider may still bill that call")
                && !row[1].contains("from an earlier run"),
            "{cells:?}"
        );
    }
    other.set_timing(250, 5, 8);

    // Tryout 48: a comparison model's key refused mid-run stopped sending to it (right), but
    // its cases not sent were said only inside one cell, with no way to send them. One call at
    // a time, so B's other two cases wait when its first is refused.
    CasesPage::new(&b).set_at_once(1).await?;
    other.push_faults([Fault::status(401, "Incorrect API key provided")]);
    dismiss_toasts(&b).await?;
    let sent_to_b = other.chat_requests().len();
    b.button("Run on all 2 models").await?.click().await?;
    let notice = format!("{label_b}: 2 not sent: sending stopped after ");
    b.wait_for_text(&notice).await?;
    // Where the comparison model is set (tryout 96: "fix that in Settings", where it is not).
    b.wait_for_text("fix that in its row under Compare models, then send them")
        .await?;
    b.wait_until(
        "return !!Array.from(document.querySelectorAll('button')).find(x => x.textContent === 'Run on all 2 models' && !x.disabled)",
        "the run to end",
    )
    .await?;
    assert_eq!(
        other.chat_requests().len(),
        sent_to_b + 1,
        "B got its first case only"
    );
    let rows = table(&b, ".pw-grid__summary").await?;
    assert!(rows[1][2].contains("2 not sent"), "{rows:?}");
    b.button(&format!("Send the 2 cases not sent to {label_b}"))
        .await?
        .click()
        .await?;
    b.wait_until(
        &format!(
            "return !document.body.innerText.includes({})",
            serde_json::to_string(&notice)?
        ),
        "the cases to be sent",
    )
    .await?;
    b.wait_until(
        "return !!Array.from(document.querySelectorAll('button')).find(x => x.textContent === 'Run on all 2 models' && !x.disabled)",
        "the send to end",
    )
    .await?;
    assert_eq!(
        other.chat_requests().len(),
        sent_to_b + 3,
        "the two were sent to B"
    );
    CasesPage::new(&b).set_at_once(4).await?;

    // Tryout: after the execution model changed, its row took the new model's name with the old
    // results and cost, and was recommended.
    let s = SettingsPage::open(&b).await?;
    s.job("Running tests").await?;
    s.model("gpt-4.1-nano").await?;
    s.close().await?;
    b.wait_for_text("No recommendation: fewer than two models have a score to compare (OpenAI gpt-4o (earlier results) is left out: its results were made with OpenAI gpt-4o, and the execution model is now OpenAI gpt-4.1-nano: run again to compare).")
        .await?;
    let rows = table(&b, ".pw-grid__summary").await?;
    assert_eq!(rows[0][0], "OpenAI gpt-4o (earlier results)");

    // Tryout 7: with the execution model made the same as comparison model 1, that model's
    // results vanished and the duplicate was not named.
    let s = SettingsPage::open(&b).await?;
    s.job("Running tests").await?;
    s.base_url(&other.openai_url()).await?;
    s.model("gpt-4o-mini").await?;
    s.close().await?;
    b.wait_for_text(
        "This is the same model at the same address as the execution model: it is run once",
    )
    .await?;
    let rows = table(&b, ".pw-grid__summary").await?;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(
        rows[1][0],
        format!("{label_b} (results as a comparison model; it is the execution model now)")
    );
    // The case whose call was refused (the 401 above) keeps its earlier answer, said so.
    assert_eq!(
        rows[1][1],
        "78 / 100 · 1 of the 3 answers from an earlier run"
    );
    Ok(())
}

/// Issue #14 (one engine): every job's calls wait in one queue with one limit per provider
/// host. A run's answers, their judge calls and a suggestion of cases asked for meanwhile all
/// go to one host whose own limit is 2 (set in Settings; "At once" is 4): the host never has
/// more than 2 calls at once, the
/// suggestion (the person's own call) goes ahead of the run's queued answers, and everything
/// answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_hosts_limit_holds_across_a_run_its_judge_and_a_suggestion() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1600).await?;
    PromptPage::new(&b)
        .paste_reply(
            "a bot that pulls action items out of meeting notes",
            &spec_reply(),
        )
        .await?;
    let cases = CasesPage::new(&b);
    for (n, input) in ["ALPHA notes", "BRAVO notes", "CHARLIE notes", "DELTA notes"]
        .iter()
        .enumerate()
    {
        cases.add(n as u32 + 1, input, None).await?;
    }
    cases
        .add_rubric(1, "Lists every action item with its owner.")
        .await?;
    answers(&fake, "- **Carol**: write the notes");
    fake.reply_when(
        "You write test cases",
        &serde_json::json!({"cases": [
            {"kind": "typical", "description": "plain notes", "input": "Dev will fix the login bug by Monday.", "vars": [], "expected": ""},
            {"kind": "edge", "description": "no owner", "input": "Someone should book a venue eventually.", "vars": [], "expected": ""}
        ]})
        .to_string(),
    );
    fake.reply_when(
        "You review proposed test cases",
        r#"{"reviews":[{"case":1,"realistic":true,"reason":""},{"case":2,"realistic":true,"reason":""}]}"#,
    );
    // The host's own limit, set in Settings beside the job that calls it (#14: "the person
    // sets them"); "At once" stays at its 4 for hosts without their own.
    let s = SettingsPage::open(&b).await?;
    s.job("Running tests").await?;
    s.fill(&format!("Calls at once to {}", fake.addr), "2")
        .await?;
    s.close().await?;
    // Said beside "At once" (tryout 120, F5: "At once 4" stood alone there).
    b.wait_for_text(&format!(
        "{0} has its own limit in Settings ({0}: 2 at once): calls to it keep to that, not to this box.",
        fake.addr
    ))
    .await?;
    // Ready to ask for suggestions with one click once the run is going.
    b.wait_for_text("Suggest cases with the model")
        .await?
        .click()
        .await?;
    b.field("How many")
        .await?
        .type_text(&format!("{SELECT_ALL}2{TAB}"))
        .await?;
    // Each call takes about 0.9 s: the first two answers and their judge calls hold both places
    // for about 1.8 s, time enough for the click on Suggest to queue it before the last answers
    // start.
    fake.set_timing(800, 20, 8);
    fake.reset_peak();
    b.button("Run all 4 cases").await?.click().await?;
    b.button("Suggest cases").await?.click().await?;
    b.wait_until(
        "return [1,2,3,4].every(n => document.querySelector(`.pw-result[data-case=\"${n}\"] .pw-verdict`)?.textContent === 'pass')",
        "every case to be answered and judged",
    )
    .await?;
    b.wait_for_text("Add 2 kept cases").await?;
    let asked = fake.chat_requests();
    let judged: Vec<u64> = asked
        .iter()
        .filter(|r| r.body.contains(JUDGE_MARK))
        .map(|r| r.at_ms)
        .collect();
    let suggested = asked
        .iter()
        .find(|r| r.body.contains("You write test cases"))
        .map(|r| r.at_ms)
        .expect("the suggestion was asked for");
    let answered: Vec<u64> = asked
        .iter()
        .filter(|r| {
            !r.body.contains(JUDGE_MARK)
                && ["ALPHA", "BRAVO", "CHARLIE", "DELTA"]
                    .iter()
                    .any(|m| r.body.contains(m))
        })
        .map(|r| r.at_ms)
        .collect();
    assert_eq!(judged.len(), 4, "one judge call per case");
    assert_eq!(answered.len(), 4, "one answer per case");
    // One queue: the suggestion waits for a free place (it used to go at once, a third call),
    // but the person asked for it, so it goes ahead of the run's queued answers, not after the
    // whole run.
    let last_answer = answered.iter().max().copied().unwrap_or(0);
    assert!(
        suggested < last_answer,
        "the suggestion waited behind every queued answer ({suggested} ms; answers at {answered:?})"
    );
    assert_eq!(
        fake.peak_in_flight(),
        2,
        "at most 2 calls at once to the host, across the run, its judge and the suggestion (and it was reached)"
    );
    b.close().await?;
    Ok(())
}

/// Tryout 13: a call the person asked for while the host was full (a test message during a run
/// at "At once" 1) showed only Stop, as if it were answering. It says it waits for a place, and
/// why; the note goes when the call goes out, ahead of the run's queued cases.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_waiting_for_a_place_says_so_in_its_panel_until_it_goes_out() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(1280, 1600).await?;
    PromptPage::new(&b)
        .paste_reply(
            "a bot that pulls action items out of meeting notes",
            &spec_reply(),
        )
        .await?;
    let cases = CasesPage::new(&b);
    for (n, input) in ["ALPHA notes", "BRAVO notes", "CHARLIE notes"]
        .iter()
        .enumerate()
    {
        cases.add(n as u32 + 1, input, None).await?;
    }
    answers(&fake, "- **Carol**: write the notes");
    CasesPage::new(&b).set_at_once(1).await?;
    // Each answer streams for about 2 s.
    fake.set_timing(0, 250, 3);
    b.button("Run all 3 cases").await?.click().await?;
    b.wait_until(
        "return document.querySelector('.pw-result[data-case=\"1\"] .pw-verdict')?.textContent === 'running…'",
        "case 1 to be answering",
    )
    .await?;
    let s = SettingsPage::open(&b).await?;
    b.button("Send a test message").await?.click().await?;
    b.wait_for_text("Waiting for a free place at 127.0.0.1:")
        .await?;
    b.wait_for_text("it takes 1 call at a time and is busy. This call goes ahead of queued runs and optimizer calls.")
        .await?;
    assert_eq!(fake.chat_requests().len(), 1, "only case 1 is out");
    b.wait_until(
        "return !document.body.innerText.includes('Waiting for a free place')",
        "the note to go when the call goes out",
    )
    .await?;
    // It went out right after case 1, before the run's queued cases (the note goes as the place
    // is given, a moment before the request reaches the provider).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while fake.chat_requests().len() < 2 {
        anyhow::ensure!(std::time::Instant::now() < deadline, "no second request");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let asked = fake.chat_requests();
    assert!(asked[0].body.contains("ALPHA"), "{}", asked[0].body);
    assert!(
        !["ALPHA", "BRAVO", "CHARLIE"]
            .iter()
            .any(|n| asked[1].body.contains(n)),
        "the second request is not the test message: {}",
        asked[1].body
    );
    s.close().await?;
    // The same note in the other panels that start a call (here: Suggest cases), while the
    // run's next case holds the place.
    b.wait_until(
        "return document.querySelector('.pw-result[data-case=\"2\"] .pw-verdict')?.textContent === 'running…'",
        "case 2 to be answering",
    )
    .await?;
    b.wait_for_text("Suggest cases with the model")
        .await?
        .click()
        .await?;
    b.button("Suggest cases").await?.click().await?;
    b.wait_until(
        "return (document.querySelector('.pw-card--cases')?.innerText ?? '').includes('Waiting for a free place at 127.0.0.1:')",
        "the suggestions to say they wait for a place",
    )
    .await?;
    b.close().await?;
    Ok(())
}

/// Tryout 97: a link edited to carry a comparison model's results under the key of gpt-4o at
/// localhost:8090, labelled "OpenAI gpt-4o" and priced at a fraction of gpt-4o's rate, read as
/// the sender wrote it: no address in the row or on its Add button, and the sender's cost. The
/// row is named from the key and priced here from its tokens; token counts past the output cap
/// are said to be the link's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_links_comparison_results_are_named_by_their_key_and_priced_here() -> anyhow::Result<()> {
    use promptwright::domain::eval::run::{CaseRun, Run, Status};
    let mut d = pw_harness::draft_with_one_case("Ana books the room.");
    let key = "open-ai|http://localhost:8090/openai/v1|gpt-4o";
    let mut run = Run {
        version: 1,
        model: "OpenAI gpt-4o".into(),
        ..Default::default()
    };
    run.cases.insert(
        1,
        CaseRun {
            status: Status::Done,
            output: "Ana: book the room".into(),
            input_tokens: 1000,
            output_tokens: 1000,
            cost_usd: Some(0.000_001),
            ..Default::default()
        },
    );
    d.put_run_on(key, run.clone());
    // Tryout 99: a key that does not read, under the sender's own words.
    let mut sender = run.clone();
    sender.model = "Totally Claude Opus".into();
    d.put_run_on("openai|http://127.0.0.1:8090/openai/v1|gpt-4o", sender);
    // Tryout 99: the version's own results with a cost of their own (-$5 for 2,000,000 tokens of
    // gpt-4o-mini): priced here from the tokens, as Results prices them.
    let mut own = Run {
        version: 1,
        model: "OpenAI gpt-4o-mini".into(),
        ..Default::default()
    };
    own.cases.insert(
        1,
        CaseRun {
            status: Status::Done,
            output: "Ana: book the room".into(),
            input_tokens: 1_000_000,
            output_tokens: 1_000_000,
            cost_usd: Some(-5.0),
            exec_model: Some(promptwright::domain::eval::run::ModelUsed {
                kind: promptwright::domain::provider::ProviderKind::OpenAi,
                model: "gpt-4o-mini".into(),
            }),
            ..Default::default()
        },
    );
    d.put_run(own);
    let (site, b) = pw_harness::with_app(1280, 1400).await?;
    let link = format!(
        "{}{}",
        site.url(),
        promptwright::domain::share::fragment(&d, promptwright::domain::wire::Include::ALL)?
    );
    b.client.goto(&link).await?;
    b.client.refresh().await?;
    // The preview names them as Compare models will (tryout 99: it said "Totally Claude Opus" of
    // gpt-4o's results at 127.0.0.1:8090 until saved).
    b.wait_for_text("Results of 2 comparison models (OpenAI gpt-4o at localhost:8090, \u{201c}Totally Claude Opus\u{201d} (the name its results carry)) come with the link too").await?;
    b.button("Save as my draft").await?.click().await?;
    // Tryouts 99-100: the link's 1,000,000 output tokens (past the 1,500-token cap) read "the
    // provider sent more than the 1,500-token output cap", a provider of this page blamed for
    // the sender's figure. The line says whose counts they are; tryout 105: a run that came
    // whole with the link read "1 of 1 done · … cost at list price" as if run here.
    b.wait_below_prompt().await?;
    b.wait_until(
        "return (document.querySelector('.pw-progress__text')?.textContent ?? '').startsWith('Run before the draft came here in a link or file, not in this browser (its token counts and cost are as the draft says): 1 of 1 done')",
        "the progress line to say the counts are the link's",
    )
    .await?;
    let line = b
        .eval("return document.querySelector('.pw-progress__text').textContent")
        .await?;
    assert!(
        !line.as_str().unwrap_or_default().contains("output cap"),
        "{line}"
    );
    b.wait_for_text("Compare models").await?.click().await?;
    let named = "OpenAI gpt-4o at localhost:8090";
    b.wait_for_text(&format!(
        "This draft has results from {named}, which is not among your models here"
    ))
    .await?;
    b.button(&format!("Add {named} to my models")).await?;
    // Tryout 104: the table's cost line read the link's counts as money spent here.
    b.wait_for_text("Some of these results came with the draft in a link or file: their token counts, and so their cost, are as it says.")
        .await?;
    let rows = table(&b, ".pw-grid__summary").await?;
    let row = rows
        .iter()
        .find(|r| r[0] == format!("{named} (not in your models)"))
        .unwrap_or_else(|| panic!("{rows:?}"));
    let cfg = promptwright::domain::eval::grid::config_of_key(key).expect("the key reads");
    let here = promptwright::domain::estimate::call_cost(&cfg, 1000, 1000);
    assert!(here.is_some_and(|c| c > 0.001), "{here:?}");
    assert_eq!(
        row[4],
        promptwright::domain::estimate::format_cost(here),
        "{rows:?}"
    );
    // gpt-4o-mini's list price: $0.15 + $0.60 a million tokens in and out.
    let own = rows
        .iter()
        .find(|r| r[0].contains("gpt-4o-mini"))
        .unwrap_or_else(|| panic!("{rows:?}"));
    assert_eq!(own[4], "$0.75", "{rows:?}");
    assert!(!rows.iter().flatten().any(|c| c.contains("-5")), "{rows:?}");
    b.close().await?;
    Ok(())
}

/// Tryout 115: host A's key, pasted into the Persona and a case (a person preparing a bot that
/// calls tools), went in the text of every call to the comparison model on host B, and into the
/// code under "Use it in code", without a word; the page already took it out of links and
/// files. Host B's calls carry "[API key removed]" in its place, host A's its own key as
/// written, the page says so until dismissed, and the code has it taken out, said beside it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_in_the_draft_goes_to_no_other_providers_host() -> anyhow::Result<()> {
    let (a, _site, b) = pw_harness::with_fake(1280, 1400).await?;
    let other = FakeProvider::start().await?;
    let host = |f: &FakeProvider| format!("127.0.0.1:{}", f.addr.port());
    let s = SettingsPage::open(&b).await?;
    s.job("Running tests").await?;
    s.provider("OpenAI").await?;
    s.base_url(&a.openai_url()).await?;
    s.key(KEY_A).await?;
    s.model("gpt-4o").await?;
    s.close().await?;
    PromptPage::new(&b)
        .paste_reply(
            "a bot that pulls action items out of meeting notes",
            &pw_harness::pages::spec_reply(
                &format!("You are a meeting analyst. Call the tracker with the key {KEY_A}."),
                "Meeting notes arrive as the user's message.",
                &["Read the notes.", "List every commitment with its owner."],
                "A Markdown list.",
                &[
                    ("Bob will send the deck.", "- **Bob**: send the deck"),
                    ("We talked about lunch.", "No action items."),
                    ("hi", "Please paste the notes."),
                ],
            ),
        )
        .await?;
    CasesPage::new(&b)
        .add(
            1,
            &format!("ALPHA: Bob sends the deck ({KEY_A})."),
            Some("Bob"),
        )
        .await?;
    answers(&a, "- **Carol**: buy snacks");
    answers(&other, "- **Carol**: buy snacks");
    a.add_model("gpt-4o");
    other.add_model("gpt-4o-mini");
    add_comparison_at(&b, &s, &other).await?;
    b.field("Model of comparison model 1")
        .await?
        .type_text("gpt-4o-mini")
        .await?;
    give_comparison_key(&b, &other).await?;
    dismiss_toasts(&b).await?;
    // Said before the calls go (session 56's note: only after), beside Run and Run on all.
    for id in ["pw-run-key-in-draft", "pw-grid-key-in-draft"] {
        let note = b
            .eval(&format!(
                "return document.getElementById('{id}')?.textContent ?? ''"
            ))
            .await?;
        assert!(
            note.as_str().unwrap_or_default().starts_with("An API key you gave in Settings is written in this draft (its idea, prompt or test cases). Calls to any other provider get \u{201c}[API key removed]\u{201d} in its place"),
            "{id}: {note}"
        );
    }
    b.button("Run on all 2 models").await?.click().await?;
    b.wait_for_text("Your API key was kept out of a call to another provider")
        .await?;
    let said = b
        .eval("return document.getElementById('pw-withheld-key').innerText")
        .await?;
    let said = said.as_str().unwrap_or_default();
    assert!(
        said.contains(&format!("the calls to {} went with", host(&other)))
            && !said.contains(&host(&a)),
        "{said}"
    );
    let mut to_b = other.chat_requests();
    for _ in 0..100 {
        if !to_b.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        to_b = other.chat_requests();
    }
    assert!(!to_b.is_empty(), "no call reached host B");
    let bearer_b = format!("Bearer {KEY_B}");
    for r in &to_b {
        assert_eq!(
            r.header("authorization"),
            Some(bearer_b.as_str()),
            "B's own key in its header"
        );
        assert!(
            !r.body.contains(KEY_A) && r.body.contains("[API key removed]"),
            "host A's key in a call to host B: {}",
            r.body
        );
    }
    // Host A has its key already: its calls carry the draft as written.
    assert!(a.chat_requests().iter().any(|r| r.body.contains(KEY_A)));
    b.button("Dismiss").await?.click().await?;
    b.wait_until(
        "return !document.getElementById('pw-withheld-key')",
        "the notice to go when dismissed",
    )
    .await?;
    // The code to use the prompt: the key taken out, and said.
    b.wait_for_text("Use it in code").await?.click().await?;
    let code = b
        .eval("return document.querySelector('.pw-code[aria-label=\"Code snippet\"]').textContent")
        .await?;
    let code = code.as_str().unwrap_or_default();
    assert!(
        !code.contains(KEY_A) && code.contains("Call the tracker with the key [API key removed]."),
        "{code}"
    );
    b.wait_for_text(
        "Your API key is in the prompt (1 time): the code has \u{201c}[API key removed]\u{201d} in its place.",
    )
    .await?;
    // The note before the calls stays while the key is anywhere in the draft, and goes with it.
    b.field("Persona")
        .await?
        .type_text(&format!("{SELECT_ALL}You are a meeting analyst.{TAB}"))
        .await?;
    PromptPage::new(&b).wait_version(2).await?;
    assert!(
        b.eval("return !!document.getElementById('pw-run-key-in-draft')")
            .await?
            == serde_json::json!(true)
    );
    b.field("Input of case #1")
        .await?
        .type_text(&format!("{SELECT_ALL}ALPHA: Bob sends the deck.{TAB}"))
        .await?;
    b.wait_until(
        "return !document.getElementById('pw-run-key-in-draft') && !document.getElementById('pw-grid-key-in-draft')",
        "the notes to go with the key",
    )
    .await?;
    b.close().await?;
    Ok(())
}
