//! Accessibility and looks: axe-core (injected from the npm package that scripts/setup.sh
//! installs) runs on every screen (start, manual mode, prompt, settings, test cases, results,
//! improve with the optimizer's evidence, drafts), in light and dark, at 360, 390 and 1280 px; any
//! serious or critical violation fails the test, and so does a screen that scrolls sideways or a
//! dropdown whose chosen option is cut off.
//! Screenshots of each go to the artifacts folder.
use pw_harness::browser::Browser;
use pw_harness::browser::TypeText;
use pw_harness::fake_provider::FakeProvider;
use pw_harness::pages::{CasesPage, DraftsPage, PromptPage, SELECT_ALL, SettingsPage, TAB};
use pw_harness::paths;
use pw_harness::static_site::StaticSite;
use serde_json::json;

fn axe_source() -> String {
    let path = std::env::var("PW_AXE").unwrap_or_else(|_| {
        let home = std::env::var("HOME").unwrap_or_default();
        format!("{home}/.cache/promptwright/axe/node_modules/axe-core/axe.min.js")
    });
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("axe-core not found at {path} ({e}): run scripts/setup.sh browser")
    })
}

/// The axe rules whose outcome can change with the theme: the themes differ only in colours
/// (`style/main.css`: each sets the same custom properties), so in the second theme of a screen
/// only these are run again (each axe pass costs the browser about a second of CPU).
const COLOUR_RULES: &str = "['color-contrast', 'link-in-text-block']";

/// Runs axe on the page (every rule, or with `colours_only` the [`COLOUR_RULES`]); returns
/// "screen: rule (impact) on target" lines for serious/critical ones, and a line when the page is
/// wider than the window.
async fn axe(
    b: &Browser,
    screen: &str,
    source: &str,
    colours_only: bool,
) -> anyhow::Result<Vec<String>> {
    // Once per page load.
    if b.eval("return typeof window.axe === 'undefined'").await? == json!(true) {
        b.client.execute(source, vec![]).await?;
    }
    let options = if colours_only {
        format!(
            "{{resultTypes: ['violations'], runOnly: {{type: 'rule', values: {COLOUR_RULES}}}}}"
        )
    } else {
        "{resultTypes: ['violations']}".to_owned()
    };
    let result = b
        .client
        .execute_async(
            &format!(
                "const done = arguments[arguments.length - 1];
             axe.run(document, {options}).then(r => done(r.violations.map(v =>
                 ({{id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}}))))
               .catch(e => done([{{id: 'axe-error', impact: 'critical', help: String(e), targets: []}}]));"
            ),
            vec![],
        )
        .await?;
    let mut out = Vec::new();
    // Layout: nothing may push the page wider than the window (long texts scroll in their panes).
    let wide = b
        .eval("const e = document.documentElement; return e.scrollWidth > e.clientWidth + 1 ? [e.scrollWidth, e.clientWidth] : null")
        .await?;
    if !wide.is_null() {
        out.push(format!("{screen}: the page scrolls sideways ({wide})"));
    }
    // Layout: every dropdown shows its chosen option whole (a label cut under the arrow read
    // "Training (the optimizer learns fr").
    for cut in b.cut_selects().await? {
        out.push(format!("{screen}: a dropdown's choice is cut off: {cut}"));
    }
    // And every empty one-line field its placeholder (tryout 120: the key box's hint was cut).
    for cut in b.cut_placeholders().await? {
        out.push(format!("{screen}: a field's placeholder is cut off: {cut}"));
    }
    for v in result.as_array().cloned().unwrap_or_default() {
        let impact = v["impact"].as_str().unwrap_or("");
        if impact == "serious" || impact == "critical" {
            out.push(format!(
                "{screen}: {} ({impact}): {} on {}",
                v["id"], v["help"], v["targets"]
            ));
        }
    }
    Ok(out)
}

fn reply() -> String {
    json!({"analysis": "", "persona": "You are a patient Python tutor.", "context": "Learners paste an error message in {{error}}. Never mock them.",
        "steps": ["Read the error.", "Explain the cause in one sentence.", "Show the fix."], "format": "Two short paragraphs.", "json_schema": "",
        "examples": [{"input": "NameError: x", "output": "x is not defined yet..."}, {"input": "IndentationError", "output": "Python uses spaces..."},
                     {"input": "hi", "output": "Paste an error message and I will explain it."}]})
    .to_string()
}

/// Runs [`axe`] on the screen as loaded (in `first`, the theme read from storage), then its
/// colour rules in the other theme (the page's `data-theme`, as the Theme setting sets it), and
/// back; a screenshot of each.
async fn both_themes(
    b: &Browser,
    screen: &str,
    first: &str,
    source: &str,
    shot: bool,
) -> anyhow::Result<Vec<String>> {
    let other = if first == "light" { "dark" } else { "light" };
    let mut out = Vec::new();
    for theme in [first, other] {
        b.eval(&format!(
            "document.documentElement.setAttribute('data-theme', '{theme}'); return true"
        ))
        .await?;
        // Buttons and chips fade their colours (`--pw-speed`): axe reads a colour half-way
        // through that fade as a contrast failure (CI, 390 px light), so the check waits for
        // every colour transition to end, as the eye would.
        b.wait_until(
            "return document.getAnimations().every(a => !(a instanceof CSSTransition) || a.playState !== 'running')",
            "the theme's colour transitions to end",
        )
        .await?;
        let tag = format!("{screen}-{theme}");
        out.extend(axe(b, &tag, source, theme != first).await?);
        if shot {
            b.screenshot(&tag).await?;
        }
    }
    b.eval(&format!(
        "document.documentElement.setAttribute('data-theme', '{first}'); return true"
    ))
    .await?;
    Ok(out)
}

async fn every_screen_at(width: u32, height: u32, theme: &str) -> anyhow::Result<()> {
    let site = StaticSite::start(&paths::dist_dir(), "/").await?;
    let fake = FakeProvider::start().await?;
    fake.set_default_reply(
        "NameError means Python does not know the name x yet: define x = 1 before using it.",
    );
    let source = axe_source();
    let mut problems: Vec<String> = Vec::new();
    {
        let b = Browser::start(width, height).await?;
        b.client.goto(&site.url()).await?;
        b.eval(&format!(
            "localStorage.setItem('pw.theme', '{theme}'); return true"
        ))
        .await?;
        b.open_app(&site.url()).await?;
        let tag = |screen: &str| format!("{screen}-{width}");

        // First visit: the empty page with example ideas.
        b.wait_for_text("Or start from an example:").await?;
        b.wait_below_prompt().await?;
        problems.extend(both_themes(&b, &tag("start"), theme, &source, true).await?);

        // A prompt made through manual mode.
        b.field("What should your assistant do?")
            .await?
            .type_text("explain Python errors to beginners")
            .await?;
        b.button("No API access? Manual mode")
            .await?
            .click()
            .await?;
        problems.extend(both_themes(&b, &tag("manual-mode"), theme, &source, false).await?);
        b.field("3. Paste the reply here")
            .await?
            .type_text(SELECT_ALL)
            .await?;
        b.paste(&reply()).await?;
        b.button("Use this reply").await?.click().await?;
        b.wait_for_text("Read the reply: your prompt is below.")
            .await?;
        problems.extend(both_themes(&b, &tag("prompt"), theme, &source, true).await?);

        // Settings, with an error shown.
        let s = SettingsPage::open(&b).await?;
        s.provider("OpenAI-compatible server").await?;
        s.base_url("http://127.0.0.1:9/v1").await?;
        // (With no model the page asks for one first and sends nothing.)
        s.model("any-model").await?;
        s.send_test().await?;
        s.wait_error("Could not reach the provider").await?;
        problems.extend(both_themes(&b, &tag("settings"), theme, &source, true).await?);
        // From here on, every job goes to the scripted fake provider.
        for tab in ["Writing prompts", "Running tests", "Scoring"] {
            s.job(tab).await?;
            s.provider("OpenAI-compatible server").await?;
            s.base_url(&fake.openai_url()).await?;
            s.model("fake-large").await?;
        }
        s.close().await?;

        // Test cases: a case open in its editor, a check with an inline problem, suggested
        // cases unfolded, and the refused run's message.
        b.button("Add case").await?.click().await?;
        b.field("Input of case #1")
            .await?
            .type_text("NameError: name 'x' is not defined")
            .await?;
        CasesPage::new(&b).add_regex(1, "([").await?;
        b.wait_for_text("This pattern is not a valid regular expression")
            .await?;
        // A conversation: its chat editor is checked too (and its fold in Results).
        CasesPage::new(&b)
            .add_earlier_turns(1, "It worked yesterday.", "What changed since then?")
            .await?;
        b.wait_for_text("Suggest cases with the model")
            .await?
            .click()
            .await?;
        b.button("Run the case").await?.click().await?;
        b.wait_for_text("needs fixing before a run can start")
            .await?;
        problems.extend(both_themes(&b, &tag("cases"), theme, &source, true).await?);

        // Results: the case run, with its verdicts; then Reflexion on it.
        b.field("Matches pattern (regex) (case #1, check 1)")
            .await?
            .type_text(&format!("{SELECT_ALL}NameError{TAB}"))
            .await?;
        b.button("Run the case").await?.click().await?;
        // The prompt's {{error}} is empty in this case: the run waits for a word.
        b.button("Run anyway").await?.click().await?;
        b.wait_for_text("Run finished:").await?;
        // The toast sits over the bottom of a phone screen: dismiss it, as a person would.
        b.button("Dismiss").await?.click().await?;
        b.button("Reflect on case #1").await?.click().await?;
        b.wait_for_text("Critique").await?;
        b.wait_until(
            "return !document.body.innerText.includes('Reflecting…')",
            "the reflection to end",
        )
        .await?;
        problems.extend(both_themes(&b, &tag("results"), theme, &source, true).await?);

        // Improve: the budget, then a short run of the loop and its evidence.
        b.wait_for_text("Settings of the loop")
            .await?
            .click()
            .await?;
        b.field("Rounds")
            .await?
            .type_text(&format!("{SELECT_ALL}1{TAB}"))
            .await?;
        problems.extend(both_themes(&b, &tag("improve-budget"), theme, &source, false).await?);
        // The empty {{error}} again: Start waits for a tick, as Run waited for a word.
        b.wait_for_text("1 case would go out with empty variables in every round.")
            .await?;
        let start_disabled = "return Array.from(document.querySelectorAll('button')).find(b => b.textContent.startsWith('Start: up to')).disabled";
        assert_eq!(
            b.eval(start_disabled).await?,
            json!(true),
            "Start before the tick"
        );
        // The tick says what it does, before and after (a first-hour tryout missed it).
        let effect = "return document.getElementById('pw-loop-start-anyway-effect').textContent";
        assert!(
            b.eval(effect)
                .await?
                .as_str()
                .unwrap_or("")
                .starts_with("Tick this box to allow Start"),
            "the tick's effect is stated"
        );
        b.choose("Start with these cases as they are").await?;
        assert_eq!(
            b.eval(start_disabled).await?,
            json!(false),
            "Start after the tick"
        );
        assert!(
            b.eval(effect)
                .await?
                .as_str()
                .unwrap_or("")
                .starts_with("Ticked: Start is on"),
            "the tick's effect once ticked"
        );
        b.eval("Array.from(document.querySelectorAll('button')).find(b => b.textContent.startsWith('Start: up to')).click(); return true").await?;
        b.wait_until(
            "const t = document.querySelector('.pw-card--improve .pw-progress__text')?.textContent ?? ''; return t.startsWith('Finished') || t.startsWith('Stopped') || t.includes('gave no candidate to try')",
            "the loop to end, or to wait on a round that gave nothing to try (the fake's default reply is no proposal)",
        )
        .await?;
        problems.extend(both_themes(&b, &tag("improve"), theme, &source, true).await?);

        // Drafts.
        let d = DraftsPage::open(&b).await?;
        problems.extend(both_themes(&b, &tag("drafts"), theme, &source, true).await?);
        d.close().await?;
        b.close().await?;
    }
    assert!(
        problems.is_empty(),
        "serious or critical accessibility violations:\n{}",
        problems.join("\n")
    );
    Ok(())
}

// A test per width (three, each screen in both themes: a walk through the app costs more than
// an axe pass); the page loads in light at 1280 and 360 px and in dark at 390 px, so a theme read
// from storage at load is checked in both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_screen_passes_axe_in_light_and_dark_at_1280_px() -> anyhow::Result<()> {
    every_screen_at(1280, 900, "light").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_screen_passes_axe_in_dark_and_light_at_390_px() -> anyhow::Result<()> {
    every_screen_at(390, 844, "dark").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_screen_passes_axe_in_light_and_dark_at_360_px() -> anyhow::Result<()> {
    every_screen_at(360, 740, "light").await
}

// Session 37 (tryout 77's notes): a toast's Dismiss, pressed from the keyboard, took itself off
// the page and left the focus on the page's body: Tab started again from the top and a screen
// reader lost its place. The focus goes to the next control still on the page; the same for
// the "Deleted" note's Dismiss.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_control_that_takes_itself_away_leaves_the_focus_on_the_page() -> anyhow::Result<()> {
    let (_site, b) = pw_harness::with_app(1280, 1000).await?;
    PromptPage::new(&b)
        .paste_reply("help me fix Python errors", &reply())
        .await?;
    // A toast: Alt+C copies the final prompt and says so.
    b.press("\u{E00A}c\u{E000}").await?;
    b.wait_for_text("The final prompt is copied.").await?;
    b.eval("document.querySelector('.pw-toasts [aria-label=\"Dismiss\"]').focus(); return 1")
        .await?;
    b.press("\u{E007}").await?;
    b.wait_until(
        "return !document.body.innerText.includes('The final prompt is copied.')",
        "the toast to go",
    )
    .await?;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_focus_kept(&b, "the toast's Dismiss").await?;
    // Escape takes a toast away too (tryout 102: only its Dismiss did), wherever the focus is.
    b.press("\u{E00A}c\u{E000}").await?;
    b.wait_for_text("The final prompt is copied.").await?;
    b.press("\u{E00C}").await?;
    // Well before the 7 s a toast stays for.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        b.eval("return document.body.innerText.includes('The final prompt is copied.')")
            .await?,
        json!(false),
        "Escape took the toast away"
    );
    // The "Deleted" note of a draft deleted from the drawer.
    DraftsPage::open(&b).await?;
    b.button("New draft").await?.click().await?;
    DraftsPage::open(&b).await?.wait_count(2).await?;
    b.eval("document.querySelector('.pw-draft-list__item--current [aria-label^=\"Delete \"]').click(); return 1")
        .await?;
    b.wait_until(
        "return !!document.querySelector('[aria-label=\"Dismiss\"]') && document.body.innerText.includes('Undo')",
        "the Deleted note",
    )
    .await?;
    b.eval("Array.from(document.querySelectorAll('[aria-label=\"Dismiss\"]')).filter(e => !e.closest('.pw-toasts')).pop().focus(); return 1")
        .await?;
    b.press("\u{E007}").await?;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_focus_kept(&b, "the Deleted note's Dismiss").await?;
    b.close().await?;
    Ok(())
}

// Tryout 104: deleting the last case of the list from the keyboard handed the focus to the
// "At once" number box further down the page (a digit typed next changed how many calls go out
// at once). A deleted case's Delete hands it to the row that took its place, else the row before
// it, else the emptied list: never to a control. Tryout 105: Add check kept the focus, and the
// value typed next, with Enter, added a second empty check: the new check's value takes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_check_and_delete_case_leave_the_focus_where_the_next_key_is_meant()
-> anyhow::Result<()> {
    let (_site, b) = pw_harness::with_app(1280, 1000).await?;
    PromptPage::new(&b)
        .paste_reply("help me fix Python errors", &reply())
        .await?;
    let cases = CasesPage::new(&b);
    for (n, input) in [(1, "first error"), (2, "second error"), (3, "third error")] {
        cases.add(n, input, None).await?;
    }
    // Tryout 105: Add check pressed from the keyboard kept the focus on itself, and the value
    // typed next, with Enter, added a second empty check. The new check's value takes it.
    b.eval("document.querySelector('[aria-label=\"Add check to checks for this case\"]').focus(); return 1")
        .await?;
    b.press("\u{E007}").await?;
    b.wait_until(
        "return document.activeElement?.id === 'pw-case-3-check-0-value'",
        "the focus in the new check's value",
    )
    .await?;
    b.press("refund").await?;
    assert_eq!(
        b.eval("return [document.querySelectorAll('#pw-case-3-check-1-value').length, document.getElementById('pw-case-3-check-0-value').value]")
            .await?,
        json!([0, "refund"])
    );
    // A kind whose value is a pair of boxes (tryout 106: Length between kept the focus on the
    // button): the first of them.
    b.eval("const s = document.getElementById('pw-case-3-add-kind'); s.value = Array.from(s.options).find(o => o.textContent.startsWith('Length between')).value; s.dispatchEvent(new Event('change', {bubbles: true})); document.querySelector('[aria-label=\"Add check to checks for this case\"]').focus(); return 1")
        .await?;
    b.press("\u{E007}").await?;
    b.wait_until(
        "return document.activeElement?.id === 'pw-case-3-check-1-value-min'",
        "the focus in the new check's first box",
    )
    .await?;
    // The editors closed: each row is its summary line with its buttons.
    b.press("\u{E00C}").await?;
    let focused = "const a = document.activeElement; \
        return a.matches('li.pw-case') ? 'row ' + Array.from(a.querySelectorAll('[aria-label^=\"Delete \"]')).map(e => e.getAttribute('aria-label')).join() \
        : a.matches('ol.pw-case-list') ? 'the list' : (a.outerHTML || '').slice(0, 100)";
    for (delete, then) in [
        // The middle one: the row after it.
        ("case #2", "row Delete case #3"),
        // The last one: the row before it.
        ("case #3", "row Delete case #1"),
        // The only one left: the list.
        ("case #1", "the list"),
    ] {
        b.eval(&format!(
            "document.querySelector('[aria-label=\"Delete {delete}\"]').focus(); return 1"
        ))
        .await?;
        b.press("\u{E007}").await?;
        b.wait_for_text(&format!("Deleted {delete}.")).await?;
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        assert_eq!(
            b.eval(focused).await?,
            json!(then),
            "after deleting {delete}"
        );
    }
    // A digit typed now changes nothing.
    let at_once = "return document.getElementById('pw-concurrency')?.value ?? 'none'";
    let before = b.eval(at_once).await?;
    b.press("7").await?;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        b.eval(at_once).await?,
        before,
        "\"At once\" after a 7 typed"
    );
    b.close().await?;
    Ok(())
}

// Tryout 101: "Run the case" and "Generate again", pressed with Enter, turn themselves off while
// their call runs, and the browser took the focus from them to the page's body. The focus goes
// to the next control still on the page, and stays on the page when the call ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_control_that_turns_itself_off_leaves_the_focus_on_the_page() -> anyhow::Result<()> {
    let (fake, _site, b) = pw_harness::with_fake(390, 844).await?;
    // A prompt without variables: the case goes out without a question first.
    let plain = reply().replace("in {{error}}", "as their message");
    PromptPage::new(&b)
        .paste_reply("help me fix Python errors", &plain)
        .await?;
    CasesPage::new(&b)
        .add(1, "NameError: name 'x' is not defined", None)
        .await?;
    fake.set_timing(1_500, 0, 1_000);
    b.button("Run the case").await?;
    b.eval("Array.from(document.querySelectorAll('button')).find(e => e.textContent.trim() === 'Run the case').focus(); return 1")
        .await?;
    b.press("\u{E007}").await?;
    b.wait_until(
        "const e = Array.from(document.querySelectorAll('button')).find(e => e.textContent.trim() === 'Run the case'); return !!e && e.disabled",
        "Run the case to turn itself off",
    )
    .await?;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_focus_kept(&b, "Run the case, while its call runs").await?;
    b.wait_until(
        "return document.body.innerText.includes('1 of 1 done')",
        "the run to end",
    )
    .await?;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_focus_kept(&b, "Run the case, once its call ended").await?;
    b.close().await?;
    Ok(())
}

// Tryout 80: Settings says it is modal (aria-modal), yet Tab went from its last control to the
// page behind it (25 of 40 presses outside). Tab and Shift+Tab go round inside each drawer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tab_stays_inside_an_open_drawer() -> anyhow::Result<()> {
    let (_site, b) = pw_harness::with_app(1280, 1000).await?;
    let inside = |title: &str| {
        format!(
            "const d = document.querySelector('[role=dialog][aria-labelledby={title}]'); \
             return !!d && d.contains(document.activeElement)"
        )
    };
    for (open, title) in [
        ("Settings", "pw-settings-title"),
        ("Drafts", "pw-drafts-title"),
    ] {
        b.button(open).await?.click().await?;
        b.wait_until(&inside(title), "the focus in the drawer")
            .await?;
        // Pressed through the DevTools protocol: WebDriver's keys sent to a file input (the
        // drafts' Import) would read as a file to upload.
        for shift in [false, true] {
            for n in 0..40 {
                for kind in ["rawKeyDown", "keyUp"] {
                    b.cdp(
                        "Input.dispatchKeyEvent",
                        serde_json::json!({"type": kind, "key": "Tab", "code": "Tab",
                            "windowsVirtualKeyCode": 9, "nativeVirtualKeyCode": 9,
                            "modifiers": if shift { 8 } else { 0 }}),
                    )
                    .await?;
                }
                let within = b.eval(&inside(title)).await?;
                anyhow::ensure!(
                    within == serde_json::json!(true),
                    "{open}: press {} of {} took the focus out: {}",
                    n + 1,
                    if shift { "Shift+Tab" } else { "Tab" },
                    b.eval("return document.activeElement?.outerHTML.slice(0, 120) ?? 'nothing'")
                        .await?
                );
            }
        }
        b.press("\u{E00C}").await?;
        b.wait_until(
            &format!("return !document.querySelector('[aria-labelledby={title}]')"),
            "the drawer to close",
        )
        .await?;
    }
    b.close().await?;
    Ok(())
}

/// Fails unless an element on the page holds the keyboard focus (not the body) `after` a step,
/// naming the element that does.
async fn assert_focus_kept(b: &Browser, after: &str) -> anyhow::Result<()> {
    let active = b
        .eval("const a = document.activeElement; return !a || a === document.body || !a.isConnected ? 'body' : (a.outerHTML || '').slice(0, 120)")
        .await?;
    assert_ne!(active, json!("body"), "focus after {after}");
    Ok(())
}
