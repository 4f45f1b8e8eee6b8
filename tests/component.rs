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
    // `new RegExp(value)` refuses; tryout 102: equals and starts-with ignoring capitals went as
    // `iequals` and `istarts-with`, types promptfoo does not have. Each goes as a `javascript`
    // check now: run here as promptfoo runs one (`new Function("output", "return " + code)`, V8
    // as in Node), it gives the check's own verdict, negated too, and it reads back as the same
    // check.
    let chars = |min, max| Check::Length {
        unit: eval::LengthUnit::Chars,
        min,
        max,
    };
    let pass =
        |a: &Assertion, out: &str| match eval::check(a, out, &Observed::default(), None, None) {
            Verdict::Done { pass, .. } => pass,
            v => panic!("{v:?}"),
        };
    for (check, out) in [
        (Check::Regex("hello".into()), "HeLLo"),
        (Check::Regex("hello".into()), "bye"),
        (Check::Regex("^a\"b/c\\d$".into()), "A\"B/C7"),
        (Check::Regex("école\n".into()), "ÉCOLE\n"),
        (Check::Regex("x\u{2028}y".into()), "X\u{2028}Y"),
        (Check::Equals("Paris".into()), "PARIS"),
        (Check::Equals("Paris".into()), "Paris "),
        (Check::Equals("École \"A\"\n".into()), "éCOLE \"a\"\n"),
        (Check::Equals("ΟΔΟΣ".into()), "οδος"),
        (Check::Equals("straße".into()), "STRASSE"),
        (Check::Equals("x\u{2028}y".into()), "X\u{2028}Y"),
        (Check::StartsWith("Dear".into()), "DEAR Sam"),
        (Check::StartsWith("Dear".into()), " dear Sam"),
        (Check::StartsWith("İstanbul".into()), "i̇STANBUL is"),
        (Check::StartsWith("Dear".into()), "DEA"),
        // Tryout 103: a length in characters went as `length`, a type promptfoo does not have.
        (chars(Some(2), Some(5)), "  日本語です \n"),
        (chars(Some(2), Some(5)), "日本語です!"),
        (chars(Some(3), None), "👋🏽a"),
        (chars(None, Some(3)), "\u{2028}abcd\t"),
        (chars(None, Some(3)), "ab\u{00A0}c"),
    ] {
        for negate in [false, true] {
            let mut a = Assertion::new(check.clone());
            // The text checks ignoring capitals; a length has no such switch.
            a.ignore_case = !matches!(check, Check::Length { .. });
            a.negate = negate;
            assert_eq!(a.problem(None), None, "{check:?}");
            let wire = promptwright::domain::wire::AssertionV1::from(&a);
            let kind = if negate {
                "not-javascript"
            } else {
                "javascript"
            };
            assert_eq!(wire.kind, kind);
            let code = wire
                .value
                .as_ref()
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            let run = js_sys::Function::new_with_args("output", &format!("return {code};"));
            let js = run
                .call1(&wasm_bindgen::JsValue::NULL, &out.into())
                .unwrap()
                .as_bool()
                .unwrap();
            // promptfoo's `not-` turns the code's verdict over.
            assert_eq!(js != negate, pass(&a, out), "{code} on {out:?}");
            assert_eq!(Assertion::try_from(&wire).as_ref(), Ok(&a), "{code}");
        }
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

/// The draft in memory is a keyed store (`state::draft::DraftHandle`, issue #14): a reader of one
/// case hears that case's edits and changes of the draft as a whole, not another case's edit,
/// results arriving or the loop's steps; readers of the whole draft (saving) hear every change;
/// and after cases are removed or moved, each case reader still reads its own case.
#[wasm_bindgen_test]
async fn a_case_reader_hears_its_own_case_and_not_the_others_or_the_results() {
    use promptwright::domain::draft::Draft;
    use promptwright::domain::eval::TestCase;
    use promptwright::domain::eval::run::{CaseRun, Run};
    use promptwright::state::draft::DraftHandle;
    use std::cell::RefCell;
    use std::rc::Rc;

    let owner = Owner::new();
    owner.set();
    let d = DraftHandle::provide();
    let mut draft = Draft::default();
    for (id, input) in [(1, "one"), (2, "two"), (3, "three")] {
        draft.suite.cases.push(TestCase {
            id,
            input: input.into(),
            ..Default::default()
        });
    }
    d.set(draft);
    // What each reader saw, each time it ran.
    let seen: Rc<RefCell<Vec<(&'static str, Option<String>)>>> = Rc::default();
    for (name, id) in [("case 1", 1), ("case 2", 2), ("case 3", 3)] {
        let seen = seen.clone();
        Effect::new(move |_| {
            let input = d.with_case(id, |c| c.input.clone());
            seen.borrow_mut().push((name, input));
        });
    }
    let whole = Rc::new(RefCell::new(0));
    {
        let whole = whole.clone();
        Effect::new(move |_| {
            d.draft.track();
            *whole.borrow_mut() += 1;
        });
    }
    leptos::task::tick().await;
    let ran = |name: &str| seen.borrow().iter().filter(|(n, _)| *n == name).count();
    let last = |name: &str| {
        seen.borrow()
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| v.clone())
    };
    assert_eq!((ran("case 1"), ran("case 2"), ran("case 3")), (1, 1, 1));
    let whole_before = *whole.borrow();

    // One case edited: its reader alone, and the whole draft's.
    d.update_case(2, |c| c.input = "two, edited".into());
    leptos::task::tick().await;
    assert_eq!((ran("case 1"), ran("case 2"), ran("case 3")), (1, 2, 1));
    assert_eq!(last("case 2").as_deref(), Some("two, edited"));
    assert_eq!(
        *whole.borrow(),
        whole_before + 1,
        "saving hears a case's edit"
    );

    // A result arriving: no case reader; the whole draft's reader does.
    d.update_runs(|rm| {
        assert_eq!(rm.suite.cases.len(), 3, "the suite is there to read");
        let mut run = Run::default();
        run.cases.insert(1, CaseRun::default());
        rm.put_run_on("", run);
    });
    leptos::task::tick().await;
    assert_eq!((ran("case 1"), ran("case 2"), ran("case 3")), (1, 2, 1));
    assert_eq!(*whole.borrow(), whole_before + 2, "saving hears a result");
    assert_eq!(d.draft.with_untracked(|x| x.runs.len()), 1);

    // The loop's steps: no case reader either.
    d.update_loop(|o, suite| {
        assert_eq!(suite.cases.len(), 3);
        *o = None;
    });
    leptos::task::tick().await;
    assert_eq!((ran("case 1"), ran("case 2"), ran("case 3")), (1, 2, 1));
    assert_eq!(
        *whole.borrow(),
        whole_before + 3,
        "saving hears a loop step"
    );

    // The first case removed and the others moved as a whole change: each reader still reads
    // its own case (the store's keys followed the cases), the removed one's reads nothing.
    d.update(|x| {
        x.suite.cases.remove(0);
        x.suite.cases.reverse();
    });
    leptos::task::tick().await;
    assert_eq!(last("case 1"), None);
    assert_eq!(last("case 2").as_deref(), Some("two, edited"));
    assert_eq!(last("case 3").as_deref(), Some("three"));
    // And an edit of a moved case reaches its reader alone.
    let before = (ran("case 2"), ran("case 3"));
    d.update_case(3, |c| c.input = "three, edited".into());
    leptos::task::tick().await;
    assert_eq!((ran("case 2"), ran("case 3")), (before.0, before.1 + 1));
    assert_eq!(last("case 3").as_deref(), Some("three, edited"));
    assert_eq!(
        d.draft.with_untracked(|x| x
            .suite
            .cases
            .iter()
            .map(|c| c.input.clone())
            .collect::<Vec<_>>()),
        vec!["three, edited".to_owned(), "two, edited".to_owned()]
    );
    owner.unset();
}

/// The engine's batch (`state::engine::Engine::batch`, a run's 300 calls queued in one click):
/// the calls queued inside it start at its end, together and within the host's limit; a call
/// queued outside a batch starts at once.
#[wasm_bindgen_test]
fn calls_queued_in_a_batch_start_together_at_its_end() {
    use promptwright::state::engine::{Engine, Job, Place};
    use promptwright::state::settings::SettingsHandle;
    use std::cell::RefCell;
    use std::rc::Rc;

    let owner = Owner::new();
    owner.set();
    SettingsHandle::provide();
    let e = Engine::provide();
    e.concurrency.set(2);
    let started: Rc<RefCell<Vec<u32>>> = Rc::default();
    let places: Rc<RefCell<Vec<Place>>> = Rc::default();
    let queue = |n: u32| {
        let (started, places) = (started.clone(), places.clone());
        e.enqueue(Job::Run, "a.example", false, move |p| {
            started.borrow_mut().push(n);
            places.borrow_mut().push(p);
        });
    };
    e.batch(|| {
        for n in 1..=3 {
            queue(n);
            assert!(
                started.borrow().is_empty(),
                "call {n} started inside the batch"
            );
        }
    });
    assert_eq!(*started.borrow(), [1, 2], "the limit is 2");
    // A place given back starts the next call.
    let first = places.borrow_mut().remove(0);
    drop(first);
    assert_eq!(*started.borrow(), [1, 2, 3]);
    let rest = std::mem::take(&mut *places.borrow_mut());
    drop(rest);
    queue(4);
    assert_eq!(*started.borrow(), [1, 2, 3, 4], "outside a batch: at once");
    let rest = std::mem::take(&mut *places.borrow_mut());
    drop(rest);
    owner.unset();
    // Its limit is not left for the page's other tests.
    if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = s.remove_item("pw.at-once");
    }
}
