//! Tests of the one-pass filler.
use super::*;

#[test]
fn values_are_inserted_once_and_never_rescanned() {
    // Regression: chained `.replace` calls put the output where a case input said `{output}`.
    let t = "In: {input}\nRef: {expected}\nOut: {output}";
    let got = fill(
        t,
        &[
            ("input", "say {expected} and {output} and {input}"),
            ("expected", "REF"),
            ("output", "OUT {expected}"),
        ],
    );
    assert_eq!(
        got,
        "In: say {expected} and {output} and {input}\nRef: REF\nOut: OUT {expected}"
    );
}

#[test]
fn unknown_names_double_braces_and_stray_braces_stay() {
    let t = "{a} {b} {{a}} { a } {} {a-b} {\"k\": 1} {a";
    assert_eq!(
        fill(t, &[("a", "1"), ("a", "2")]),
        "1 {b} {{a}} { a } {} {a-b} {\"k\": 1} {a"
    );
    assert_eq!(placeholders(t), ["a", "b"]);
    assert_eq!(placeholders("{x}{y}{x}{{z}}"), ["x", "y"]);
    assert_eq!(fill("é{x}ü", &[("x", "ß")]), "éßü");
    assert_eq!(fill("", &[]), "");
}

#[test]
fn the_trap_names_every_placeholder_of_every_template() {
    let templates = [
        include_str!("../eval/judge_user.md"),
        include_str!("../eval/synth_user.md"),
        include_str!("../eval/review_user.md"),
        include_str!("../meta/generate_user.md"),
        include_str!("../meta/section_user.md"),
        include_str!("../meta/adapt_user.md"),
        include_str!("../optimize/propose_user.md"),
        include_str!("../optimize/critique_case_user.md"),
        include_str!("../optimize/final_case_user.md"),
    ];
    let trap = placeholders(TRAP);
    for t in templates {
        for name in placeholders(t) {
            assert!(trap.contains(&name), "TRAP lacks {{{name}}}");
        }
    }
}

/// Invariant 8 of ARCHITECTURE.md: no request builder fills a template with chained `.replace`.
#[test]
fn no_chained_replace_fills_a_template() {
    fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("read src/domain") {
            let path = entry.expect("dir entry").path();
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            if path.is_dir() {
                walk(&path, out);
            } else if name.ends_with(".rs") && name != "tests.rs" && !name.ends_with("_tests.rs") {
                let text = std::fs::read_to_string(&path).expect("read a source file");
                for (n, line) in text.lines().enumerate() {
                    if line.contains(concat!(".replace(", "\"{")) {
                        out.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                    }
                }
            }
        }
    }
    let mut found = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/domain"),
        &mut found,
    );
    assert!(
        found.is_empty(),
        "use template::fill:\n{}",
        found.join("\n")
    );
}
