//! Conformance with promptfoo's own example files: every file in
//! `$CARGO_MANIFEST_DIR/../shared/peer/promptfoo-examples/` (promptfoo's `examples/`, path
//! separators written `__`) is imported and compared with the table in that folder's README (what
//! promptfoo itself reads): cases after array expansion, variables, the checks each case keeps,
//! the `defaultTest` checks, and the checks left out with why. Any difference fails with a diff.
use std::path::{Path, PathBuf};

use super::{FileText, Imported, import_files};
use crate::domain::eval::{Assertion, Check, Message, Speaker};

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/peer/promptfoo-examples")
}

/// One row of the README table, as this app reads the file.
struct Row {
    /// The row's number in the README table.
    n: u32,
    file: &'static str,
    /// Files chosen with it, that its `file://` references point to.
    with: &'static [&'static str],
    cases: usize,
    vars: &'static str,
    /// The checks of each case, runs of equal cases as `[…] ×N`; `≥N` is a judge pass mark out
    /// of 10, `≤x` a limit, `+schema` a JSON schema.
    checks: &'static str,
    /// The `defaultTest` checks kept for every case.
    global: &'static str,
    /// Case tags from promptfoo metadata, runs as above ("" when none).
    tags: &'static str,
    /// What is left out, in file order.
    left_out: &'static str,
}

const TABLE: &[Row] = &[
    Row {
        n: 1,
        file: "examples__simple-csv__tests.csv",
        with: &[],
        cases: 4,
        vars: "language, body, style_config",
        checks: "[icontains] ×4",
        global: "",
        tags: "",
        left_out: "",
    },
    Row {
        n: 2,
        file: "examples__csv-metadata__tests.csv",
        with: &[],
        cases: 3,
        vars: "topic",
        checks: "[contains, llm-rubric≥7] ×3",
        global: "",
        tags: r#"["category=technology", "ai", "data science", "algorithms"], ["category=science", "physics", "advanced,theory", "quantum"], ["category=environment", "science", "global,warming", "research"]"#,
        left_out: "",
    },
    Row {
        n: 3,
        file: "examples__config-csv-metadata__tests.csv",
        with: &[],
        cases: 3,
        vars: "topic",
        // Thresholds 0.8 / 0.75 / 0.675 are pass marks 8 / 8 / 7 out of 10.
        checks: "[contains, llm-rubric≥8] ×2, [contains, llm-rubric≥7]",
        global: "",
        tags: r#"["category=technology", "ai", "data science", "algorithms"], ["category=science", "physics", "advanced,theory", "quantum"], ["category=environment", "science", "global,warming", "research"]"#,
        left_out: "",
    },
    Row {
        n: 4,
        file: "examples__eval-customer-support-rubric__tests.csv",
        with: &[],
        cases: 8,
        vars: "language, context, customer_message, reply",
        checks: "[] ×8",
        global: "",
        tags: r#"["severity=high"] ×3, ["severity=medium"] ×2, ["severity=high"], ["severity=low"], ["severity=high"]"#,
        left_out: "",
    },
    Row {
        n: 5,
        file: "examples__eval-customer-support-rubric__promptfooconfig.yaml",
        with: &["examples__eval-customer-support-rubric__tests.csv"],
        cases: 8,
        vars: "language, context, customer_message, reply",
        checks: "[] ×8",
        global: "llm-rubric≥8 ×5",
        tags: r#"["severity=high"] ×3, ["severity=medium"] ×2, ["severity=high"], ["severity=low"], ["severity=high"]"#,
        // Tryout 51: the checks' named scores are said to be left out (they went without a word).
        left_out: "prompt 1, the grader (defaultTest options.provider), the metric of the llm-rubric check ×5",
    },
    Row {
        n: 6,
        file: "examples__eval-self-grading__tests.csv",
        with: &[],
        cases: 10,
        vars: "name, question",
        checks: "[llm-rubric≥7] ×10",
        global: "",
        tags: "",
        left_out: "",
    },
    Row {
        n: 8,
        file: "examples__simple-test__tests.csv",
        with: &[],
        cases: 3,
        vars: "body",
        checks: "[] ×2, [is-json]",
        global: "",
        tags: "",
        left_out: "javascript check ×2",
    },
    Row {
        n: 10,
        file: "examples__simple-test__promptfooconfig.yaml",
        with: &[],
        cases: 5,
        vars: "body",
        checks: "[equals], [icontains], [is-json], [], [llm-rubric≥7, icontains]",
        global: "",
        tags: "",
        left_out: "prompt 1, javascript check, python check, similar check",
    },
    Row {
        n: 11,
        file: "examples__assistant-cli__tests.csv",
        with: &[],
        cases: 10,
        vars: "name, question",
        checks: "[] ×10",
        global: "",
        tags: "",
        left_out: "",
    },
    Row {
        n: 13,
        file: "examples__jsonl-test-cases__cases.jsonl",
        with: &[],
        cases: 2,
        vars: "target_language, text",
        checks: "[equals] ×2",
        global: "",
        tags: "",
        left_out: "",
    },
    Row {
        n: 14,
        file: "examples__getting-started__promptfooconfig.yaml",
        with: &[],
        cases: 2,
        vars: "language, input",
        checks: "[contains], [icontains]",
        global: "",
        tags: "",
        left_out: "prompt 2",
    },
    Row {
        n: 19,
        file: "examples__named-metrics__promptfooconfig.yaml",
        with: &[],
        cases: 5,
        vars: "body",
        checks: "[equals], [icontains], [is-json], [], [llm-rubric≥7]",
        global: "",
        tags: "",
        left_out: "prompt 2, the metric of the equals check, the metric of the icontains check, the metric of the is-json check, javascript check, python check, similar check, the metric of the llm-rubric check",
    },
    Row {
        n: 20,
        file: "examples__json-output__promptfooconfig.yaml",
        with: &[],
        cases: 2,
        vars: "item",
        checks: "[is-json], [matches-schema+schema]",
        global: "",
        tags: "",
        left_out: "javascript check, the transform, javascript check, contains-any check",
    },
    Row {
        n: 21,
        file: "examples__structured-outputs-config__promptfooconfig.yaml",
        with: &[],
        cases: 2,
        vars: "problem",
        checks: "[contains-any], [contains]",
        global: "is-json",
        tags: "",
        left_out: "prompt 1's config, prompt 2, prompt 2's config, javascript check",
    },
    Row {
        n: 23,
        file: "examples__rag-full__promptfooconfig.with-asserts.yaml",
        with: &[],
        cases: 9,
        vars: "question",
        checks: "[contains, contains], [llm-rubric≥7], [contains], [icontains-all], [icontains], [llm-rubric≥7] ×2, [contains], []",
        global: "",
        tags: "",
        left_out: "",
    },
    Row {
        n: 25,
        file: "examples__gpt-3.5-vs-4__promptfooconfig.yaml",
        with: &[],
        cases: 15,
        vars: "riddle",
        checks: "[contains, llm-rubric≥7], [llm-rubric≥7], [contains], [] ×12",
        global: "cost≤0.002, latency≤3000",
        tags: "",
        left_out: "",
    },
    Row {
        n: 27,
        file: "examples__mmlu__promptfooconfig.yaml",
        with: &["examples__mmlu__mmlu_data.csv"],
        cases: 25,
        vars: "question, subject, choices, answer",
        checks: "[] ×25",
        global: "equals",
        tags: "",
        left_out: "",
    },
    Row {
        n: 28,
        file: "examples__mmlu__mmlu_data.csv",
        with: &[],
        cases: 25,
        vars: "question, subject, choices, answer",
        checks: "[] ×25",
        global: "",
        tags: "",
        left_out: "",
    },
    Row {
        n: 30,
        file: "examples__config-separate-test-configs__tests__tests1.yaml",
        with: &[],
        cases: 6,
        vars: "topic, content_type",
        checks: "[] ×6",
        global: "",
        tags: "",
        left_out: "javascript check",
    },
    Row {
        n: 31,
        file: "examples__config-multiple-translations__promptfooconfig.yaml",
        with: &[],
        cases: 25,
        vars: "language, input",
        checks: "[llm-rubric≥7] ×25",
        global: "",
        tags: "",
        left_out: "prompt 1",
    },
    Row {
        n: 37,
        file: "examples__eval-conversation-relevance__promptfooconfig.yaml",
        with: &[],
        cases: 4,
        vars: "message",
        checks: "[] ×4",
        global: "",
        tags: "",
        left_out: "conversation-relevance check ×4, the grader (defaultTest options.provider)",
    },
];

/// Runs of equal items as `item ×N`, joined with ", ".
fn runs(items: &[String]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < items.len() {
        let n = items[i..].iter().take_while(|x| **x == items[i]).count();
        out.push(if n == 1 {
            items[i].clone()
        } else {
            format!("{} ×{n}", items[i])
        });
        i += n;
    }
    out.join(", ")
}

/// A kept check as the table writes it.
fn label(a: &Assertion) -> String {
    let name = a.type_name();
    match &a.check {
        Check::Judge { threshold, .. } | Check::Graded { threshold, .. } => {
            format!("{name}≥{threshold}")
        }
        Check::MatchesSchema(Some(_)) | Check::ContainsJson(Some(_)) => format!("{name}+schema"),
        Check::Latency { max_ms } => format!("{name}≤{max_ms}"),
        Check::Cost { max_usd } => format!("{name}≤{max_usd}"),
        Check::Levenshtein { max_distance, .. } => format!("{name}≤{max_distance}"),
        _ => name,
    }
}

/// An import in the table's terms, one fact a line.
fn render(n: u32, file: &str, im: &Result<Imported, String>) -> String {
    let mut s = format!("#{n} {file}\n");
    let im = match im {
        Ok(im) => im,
        Err(e) => return s + &format!("  ERROR {e}\n"),
    };
    s += &format!("  cases {}\n", im.cases.len());
    let mut vars: Vec<&str> = Vec::new();
    for c in &im.cases {
        for (k, _) in &c.vars {
            if !vars.contains(&k.as_str()) {
                vars.push(k);
            }
        }
    }
    s += &format!("  vars {}\n", vars.join(", "));
    let checks: Vec<String> = im
        .cases
        .iter()
        .map(|c| {
            let l: Vec<String> = c.assertions.iter().map(label).collect();
            format!("[{}]", l.join(", "))
        })
        .collect();
    s += &format!("  checks {}\n", runs(&checks));
    let global: Vec<String> = im.global.iter().map(label).collect();
    s += &format!("  global {}\n", runs(&global));
    let tags: Vec<String> = im.cases.iter().map(|c| format!("{:?}", c.tags)).collect();
    if im.cases.iter().any(|c| !c.tags.is_empty()) {
        s += &format!("  tags {}\n", runs(&tags));
    }
    let left: Vec<String> = im.left_out.iter().map(|l| l.what.to_string()).collect();
    s += &format!("  left out {}\n", runs(&left));
    for b in &im.bad {
        s += &format!("  bad line {}: {}\n", b.line, b.why);
    }
    s
}

/// The same facts from the table.
fn expected(r: &Row) -> String {
    let mut s = format!("#{} {}\n", r.n, r.file);
    s += &format!("  cases {}\n", r.cases);
    s += &format!("  vars {}\n", r.vars);
    s += &format!("  checks {}\n", r.checks);
    s += &format!("  global {}\n", r.global);
    if !r.tags.is_empty() {
        s += &format!("  tags {}\n", r.tags);
    }
    s += &format!("  left out {}\n", r.left_out);
    s
}

/// A file of the examples folder under its path in promptfoo's repository.
/// What an import says it left out, a line each: "line 14: file://tests.csv left out: …".
fn said(im: &Imported) -> Vec<String> {
    im.left_out
        .iter()
        .map(|l| format!("line {}: {}", l.line, l.message()))
        .collect()
}

fn file(dir: &Path, flat: &str) -> FileText {
    let text = std::fs::read_to_string(dir.join(flat))
        .unwrap_or_else(|e| panic!("cannot read {flat}: {e}"));
    FileText {
        name: flat.replace("__", "/"),
        text,
    }
}

#[test]
fn promptfoo_examples_come_in_as_promptfoo_reads_them() {
    let dir = examples_dir();
    assert!(
        dir.is_dir(),
        "promptfoo's examples are missing: expected {} (it sits beside the repository clone, at ../shared/peer/promptfoo-examples)",
        dir.display()
    );
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .expect("read the examples folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n != "README.md")
        .collect();
    on_disk.sort();
    let mut in_table: Vec<String> = TABLE.iter().map(|r| r.file.to_owned()).collect();
    in_table.sort();
    assert_eq!(
        on_disk, in_table,
        "every example file needs a row in this table, and every row a file"
    );

    let (mut want, mut got) = (String::new(), String::new());
    let (mut want_cases, mut got_cases) = (0, 0);
    let mut summary = String::from("| # | file | expected cases | imported | kept | left out |\n");
    for r in TABLE {
        let mut files = vec![file(&dir, r.file)];
        files.extend(r.with.iter().map(|w| file(&dir, w)));
        let name = files[0].name.clone();
        let result = import_files(&files)
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, r)| r)
            .expect("the file chosen first is not referred to by the others");
        want += &expected(r);
        got += &render(r.n, r.file, &result);
        want_cases += r.cases;
        if let Ok(im) = &result {
            got_cases += im.cases.len();
            let kept: usize =
                im.cases.iter().map(|c| c.assertions.len()).sum::<usize>() + im.global.len();
            summary += &format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                r.n,
                r.file,
                r.cases,
                im.cases.len(),
                kept,
                im.left_out.len()
            );
        }
    }
    println!("{summary}\ncases: {got_cases} of {want_cases}");
    if let Ok(out) = std::env::var("PW_DUMP_GOT") {
        std::fs::write(out, &got).unwrap();
    }
    if want != got {
        let diff = similar::TextDiff::from_lines(&want, &got);
        panic!(
            "the import differs from promptfoo's reading (- the README table, + this app):\n{}",
            diff.unified_diff().context_radius(2)
        );
    }
    assert_eq!(got_cases, want_cases);
}

/// A config chosen without the file its tests are in says so; its checks for every case still
/// come in (promptfoo's `tests: file://tests.csv`).
#[test]
fn a_config_without_its_tests_file_reports_the_reference() {
    let dir = examples_dir();
    if !dir.is_dir() {
        panic!(
            "promptfoo's examples are missing: expected {}",
            dir.display()
        );
    }
    let config = file(
        &dir,
        "examples__eval-customer-support-rubric__promptfooconfig.yaml",
    );
    let im = super::import(&config.name, &config.text).expect("the checks come in");
    assert!(im.cases.is_empty());
    assert_eq!(im.global.len(), 5);
    let messages = said(&im);
    assert_eq!(
        messages,
        [
            "line 5: prompt 1 left out: Promptwright reads a prompt written in the config as text, not one in a file or in another form: its cases send their variables as lines instead".to_owned(),
            "line 14: file://tests.csv left out: it was not among the files chosen: choose it together with this one".to_owned(),
            // The README's "`options.provider` grader" (tryout 107: not named).
            "line 19: the grader (defaultTest options.provider) left out: model-graded checks are graded by the Scoring model chosen in Settings (the file names \u{201c}openai:gpt-4.1-mini\u{201d}); every case's checks are kept".to_owned(),
        ]
        .into_iter()
        // Each metric's own line (its `metric:` key), not its check's first.
        .chain(
            [(22, "correct"), (29, "resolved"), (36, "honest"), (43, "handoff"), (50, "language_fit")]
                .map(|(line, name)| format!("line {line}: the metric of the llm-rubric check left out: named scores (\u{201c}{name}\u{201d}) are not kept here; the check is kept (a check for every case)"))
        )
        .collect::<Vec<_>>()
    );
    // Tryout 95: chosen with its CSV saved under another name (the flat name of the peer
    // folder), the config said "choose it together with this one", which had been done; the CSV
    // came in as a file of its own. The message says no file has that name.
    let csv = file(&dir, "examples__eval-customer-support-rubric__tests.csv");
    let flat = |f: &FileText| FileText {
        name: f.name.replace('/', "__"),
        text: f.text.clone(),
    };
    let both = super::import_files(&[flat(&config), flat(&csv)]);
    let said: Vec<String> = both[0]
        .1
        .as_ref()
        .expect("the config reads")
        .left_out
        .iter()
        .filter(|l| l.line == 14)
        .map(|l| l.message())
        .collect();
    assert_eq!(
        said,
        [
            "file://tests.csv left out: no file chosen with this one has that name (files are matched by their names), so its tests are not read from it"
        ]
    );
    assert_eq!(both[1].1.as_ref().map(|im| im.cases.len()), Ok(8));
    let mmlu = file(&dir, "examples__mmlu__promptfooconfig.yaml");
    let im = super::import(&mmlu.name, &mmlu.text).expect("the check comes in");
    assert_eq!(im.global.len(), 1);
    assert_eq!(im.left_out.len(), 1);
}

/// The values the README table calls out: YAML 1.2 scalars as written (`body: Yes` is "Yes"),
/// YAML numbers in checks as their text, JSON inside a CSV cell kept as text, the cartesian
/// product's order (the first list varies slowest), `_conversation` kept whole.
#[test]
fn example_values_come_in_as_written() {
    let dir = examples_dir();
    let one = |flat: &str| {
        let f = file(&dir, flat);
        super::import(&f.name, &f.text).expect("readable")
    };
    let var = |im: &Imported, case: usize, name: &str| {
        im.cases[case]
            .vars
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let im = one("examples__simple-test__promptfooconfig.yaml");
    assert_eq!(var(&im, 0, "body"), "Yes");
    let im = one("examples__structured-outputs-config__promptfooconfig.yaml");
    assert_eq!(
        im.cases[0].assertions[0].check,
        Check::ContainsAny(vec!["-3.625".into(), "-29/8".into()])
    );
    assert_eq!(
        im.cases[1].assertions[0].check,
        Check::ContainsAll(vec!["24.01".into()])
    );
    // Its prompts are objects: the first one's `raw` text is each case's message, as promptfoo
    // sends it (tryout 95: named as left out); their provider settings are named as left out.
    assert!(
        im.cases[0]
            .input
            .starts_with("You are a helpful math tutor. Solve "),
        "{:?}",
        im.cases[0].input
    );
    let messages = said(&im);
    assert_eq!(
        messages,
        [
            "line 9: prompt 1's config left out: Promptwright sends the prompt's text with the models chosen in Settings, not a prompt's own provider settings (such as a response format)",
            "line 38: prompt 2 left out: the first prompt is each case's message here; compare prompts as versions instead",
            "line 41: prompt 2's config left out: Promptwright sends the prompt's text with the models chosen in Settings, not a prompt's own provider settings (such as a response format)",
            "line 67: javascript check left out: it would run code (a check for every case)"
        ]
    );
    let im = one("examples__simple-csv__tests.csv");
    assert_eq!(
        var(&im, 0, "style_config"),
        r#"{"tone":"formal","length":"brief"}"#
    );
    let im = one("examples__config-multiple-translations__promptfooconfig.yaml");
    let pairs: Vec<(String, String)> = im
        .cases
        .iter()
        .take(6)
        .map(|c| (c.vars[0].1.clone(), c.vars[1].1.clone()))
        .collect();
    assert_eq!(
        pairs[..2],
        [
            ("French".to_owned(), "Hello world".to_owned()),
            ("French".to_owned(), "Good morning".to_owned())
        ]
    );
    assert_eq!(pairs[5], ("German".to_owned(), "Hello world".to_owned()));
    let im = one("examples__eval-conversation-relevance__promptfooconfig.yaml");
    // `_conversation` holds the whole conversation and the test has no message of its own: the
    // last pair is the tested turn (its output the expected answer), the pairs before it the
    // earlier turns.
    let c = &im.cases[1];
    assert_eq!(c.turns.len(), 6);
    assert_eq!(c.turns[0], Message::user("I'm planning a trip to Europe"));
    assert_eq!(c.turns[5].speaker, Speaker::Assistant);
    assert_eq!(c.input, "What about the weather?");
    assert!(c.expected.contains("°C"));
    assert!(c.vars.is_empty());
    let im = one("examples__gpt-3.5-vs-4__promptfooconfig.yaml");
    assert!(var(&im, 1, "riddle").contains('\u{2019}'));
    assert_eq!(
        im.global
            .iter()
            .map(|a| a.check.clone())
            .collect::<Vec<_>>(),
        [
            Check::Cost { max_usd: 0.002 },
            Check::Latency { max_ms: 3000 }
        ]
    );
}

// Tryout 86: mmlu's config renders its prompt from `subject`, `question` and `choices`; its
// `answer`, which only the `equals` check reads, went to the model under test as a line of the
// message. The config's prompt is the message, as promptfoo sends it.
#[test]
fn a_configs_prompt_is_the_message_and_a_check_only_variable_is_not_sent() {
    let dir = examples_dir();
    let files = [
        file(&dir, "examples__mmlu__promptfooconfig.yaml"),
        file(&dir, "examples__mmlu__mmlu_data.csv"),
    ];
    let name = files[0].name.clone();
    let im = import_files(&files)
        .into_iter()
        .find(|(n, _)| *n == name)
        .and_then(|(_, r)| r.ok())
        .expect("the config imports");
    assert_eq!(im.cases.len(), 25);
    for c in &im.cases {
        let sent = c.user_message();
        let var = |k: &str| c.vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        assert!(sent.starts_with("You are an expert in "), "{sent}");
        assert!(sent.contains(&var("question").unwrap()), "{sent}");
        assert!(!sent.contains("{{"), "{sent}");
        assert!(var("answer").is_some(), "the check still reads it");
        assert!(!sent.contains("answer:"), "{sent}");
    }
}
