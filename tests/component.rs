//! Component tests in headless Chromium (wasm-bindgen-test): mount a component, act, assert on the DOM.
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use promptwright::domain::local_model::LocalModelStatus;
use promptwright::ui::{crash, shell};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A fresh element to mount into.
fn container() -> web_sys::HtmlElement {
    let document = document();
    let el = document
        .create_element("div")
        .unwrap()
        .unchecked_into::<web_sys::HtmlElement>();
    document.body().unwrap().append_child(&el).unwrap();
    el
}

#[wasm_bindgen_test]
async fn step_path_marks_the_current_step() {
    let root = container();
    let current = RwSignal::new(1usize);
    let _handle = leptos::mount::mount_to(
        root.clone(),
        move || view! { <shell::StepPath current=current/> },
    );
    leptos::task::tick().await;
    let items = root.query_selector_all("li").unwrap();
    assert_eq!(items.length(), 5);
    let current_item = root
        .query_selector("[aria-current=step]")
        .unwrap()
        .expect("one current step");
    assert!(current_item.text_content().unwrap().contains("Prompt"));
    assert_eq!(
        root.query_selector_all(".pw-steps__item--done")
            .unwrap()
            .length(),
        1
    );

    current.set(3);
    leptos::task::tick().await;
    let current_item = root.query_selector("[aria-current=step]").unwrap().unwrap();
    assert!(current_item.text_content().unwrap().contains("Improve"));
    assert_eq!(
        root.query_selector_all(".pw-steps__item--done")
            .unwrap()
            .length(),
        3
    );
}

#[wasm_bindgen_test]
async fn local_model_badge_follows_the_status() {
    let root = container();
    let (status, set_status) = signal(LocalModelStatus::Checking);
    let _handle = leptos::mount::mount_to(
        root.clone(),
        move || view! { <shell::LocalModelBadge status=status/> },
    );
    leptos::task::tick().await;
    let badge = root.query_selector("[role=status]").unwrap().unwrap();
    assert!(badge.text_content().unwrap().contains("Checking"));

    set_status.set(LocalModelStatus::Ready {
        model: "m/SmolLM2-135M-Instruct.Q4_1.gguf".into(),
    });
    leptos::task::tick().await;
    assert_eq!(
        badge.text_content().unwrap(),
        "Local model ready: SmolLM2-135M-Instruct"
    );
    assert!(badge.class_name().contains("pw-badge--ready"));
    assert!(
        badge.get_attribute("title").unwrap().contains("API key"),
        "nudges toward a real key"
    );

    set_status.set(LocalModelStatus::Unreachable);
    leptos::task::tick().await;
    assert!(badge.class_name().contains("pw-badge--unreachable"));
}

#[wasm_bindgen_test]
fn crash_message_is_readable_and_shows_details_as_text() {
    let payload = "panicked at <img src=x onerror=alert(1)>";
    crash::show_crash(payload);
    let document = document();
    let overlay = document
        .get_element_by_id("pw-crash")
        .expect("crash overlay shown");
    assert_eq!(
        overlay.get_attribute("role").as_deref(),
        Some("alertdialog")
    );
    let text = overlay.text_content().unwrap();
    assert!(text.contains("Something went wrong"));
    assert!(text.contains("Reload the page"));
    assert!(text.contains(payload), "the details are shown verbatim");
    assert!(
        overlay.query_selector("img").unwrap().is_none(),
        "details are text, not HTML"
    );
    // Showing it twice replaces the first.
    crash::show_crash("second");
    assert_eq!(
        document.query_selector_all("#pw-crash").unwrap().length(),
        1
    );
    overlay.remove();
    document.get_element_by_id("pw-crash").unwrap().remove();
}

/// JSON Schema `pattern` (flag `u`) and the `regex` check (promptfoo's `new RegExp(value)`, no
/// flag; `i` ignoring capitals) run on the page's own RegExp, installed as the domain's pattern
/// engine; the browser's parse of an address agrees with `domain::http::host_of`.
#[wasm_bindgen_test]
fn schema_patterns_use_the_pages_regexp_and_hosts_match_the_browsers() {
    use promptwright::domain::eval::{self, Assertion, Check, Observed, Verdict};
    use promptwright::domain::{http::host_of, pattern, schema};
    use promptwright::net::regexp_find;
    pattern::install(regexp_find);
    let is_match = |p: &str, t: &str| regexp_find(p, "u", t).map(|m| m.is_some());
    assert_eq!(is_match("^\\p{L}+$", "日本語"), Ok(true));
    assert_eq!(is_match("^\\d{4}-\\d{2}$", "2026-11"), Ok(true));
    assert_eq!(
        is_match("(?<=a)b", "ab"),
        Ok(true),
        "look-behind is ECMA-262"
    );
    assert!(is_match("(", "x").is_err());
    // Tryout 51: the regex check refused look-ahead and backreferences and matched `.` across
    // U+2028; it runs as promptfoo does now.
    let regex = |p: &str, ic: bool, out: &str| {
        let mut a = Assertion::new(Check::Regex(p.into()));
        a.ignore_case = ic;
        assert_eq!(a.problem(None), None, "{p}");
        match eval::check(&a, out, &Observed::default(), None, None) {
            Verdict::Done { pass, .. } => pass,
            v => panic!("{v:?}"),
        }
    };
    assert!(regex("foo(?=bar)", false, "foobar"));
    assert!(!regex("foo(?=bar)", false, "foobaz"));
    assert!(regex("(ab)\\1", false, "abab"));
    assert!(regex("^[^]$", false, "\n"));
    assert!(regex("a\\sb", false, "a\u{a0}b"));
    assert!(!regex("x.y", false, "x\u{2028}y"));
    assert!(regex("école", true, "ÉCOLE"));
    assert!(regex("hello", true, "HeLLo"));
    // Helper-52: an ignore-capitals regex went to promptfoo as `(?i)…`, which its
    // `new RegExp(value)` refuses. It goes as a `javascript` check now: run here as promptfoo
    // runs one (`new Function("output", "return " + code)`, V8 as in Node), it gives the
    // check's own verdict, and it reads back as the same check.
    for (p, out) in [
        ("hello", "HeLLo"),
        ("hello", "bye"),
        ("^a\"b/c\\d$", "A\"B/C7"),
        ("école\n", "ÉCOLE\n"),
        ("x\u{2028}y", "X\u{2028}Y"),
    ] {
        let mut a = Assertion::new(Check::Regex(p.into()));
        a.ignore_case = true;
        let wire = promptwright::domain::wire::AssertionV1::from(&a);
        assert_eq!(wire.kind, "javascript");
        let code = wire
            .value
            .as_ref()
            .and_then(|v| v.as_str())
            .unwrap()
            .to_owned();
        let run = js_sys::Function::new_with_args("output", &format!("return {code};"));
        let js = run
            .call1(&wasm_bindgen::JsValue::NULL, &out.into())
            .unwrap()
            .as_bool()
            .unwrap();
        assert_eq!(js, regex(p, true, out), "{code} on {out:?}");
        assert_eq!(Assertion::try_from(&wire).as_ref(), Ok(&a), "{code}");
    }
    assert!(!regex("\\p{L}", false, "é"), "without u, \\p is a p");
    // Tryout 52: this held the browser's RegExp (and the tab) for minutes; it runs on the
    // linear-time engine and answers.
    assert!(!regex(
        "^(\\w+\\s?)+$",
        false,
        "This is a fairly normal sentence with several words in it and more!"
    ));
    let bad = Assertion::new(Check::Regex("(".into()));
    assert!(
        bad.problem(None)
            .is_some_and(|p| p.starts_with("This pattern is not a valid regular expression: ")),
        "{:?}",
        bad.problem(None)
    );
    let s = serde_json::json!({"type": "object", "properties": {"due": {"type": "string", "pattern": "^\\d{4}-\\d{2}-\\d{2}$"}}});
    let errs = schema::validate(&serde_json::json!({"due": "soon"}), &s);
    assert_eq!(errs.len(), 1);
    assert_eq!(
        errs[0].to_string(),
        "due: must match the pattern ^\\d{4}-\\d{2}-\\d{2}$"
    );
    for url in [
        "https://evil.example\\@api.openai.com/v1",
        "https://user:pw@api.openai.com:443/v1",
        "HTTP://127.0.0.1:8081/v1",
        "https://%65vil.example/v1",
        "http://[::1]:8080/v1",
        "https://api.openai.com:8443/v1?x=1#y",
    ] {
        let browser = web_sys::Url::new(url).unwrap().host();
        assert_eq!(host_of(url), browser, "{url}");
    }
}
