//! Leptos pages and components: the app shell, the work area, and the settings panel.
use leptos::prelude::*;

pub mod agreement;
pub mod boot;
pub mod browser;
pub mod cases;
pub mod cost;
pub mod crash;
pub mod drafts;
pub mod erased;
pub mod generate;
pub mod grid;
pub mod icons;
pub mod improve;
pub mod notice;
pub mod number;
pub mod rating;
pub mod results;
pub mod settings;
pub mod shell;
pub mod workspace;

use crate::domain::draft::Origin;
use crate::domain::local_model;
use crate::domain::provider::{ProviderKind, Role};
use crate::state::draft::DraftHandle;
use crate::state::generator::Generator;
use crate::state::library::{Library, SharedView};
use crate::state::settings::SettingsHandle;
use crate::state::{self, ThemeHandle};

/// Mounts the app into `#app` (replacing the loading note) and marks the first render for the bench.
pub fn mount() {
    let document = document();
    let target = document
        .get_element_by_id("app")
        .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
        .or_else(|| document.body())
        .expect("a <body> to mount into");
    // The static idea box of index.html (usable while the code downloaded): what it holds
    // goes into the app's (`boot`).
    boot::take(&document);
    target.set_inner_html("");
    leptos::mount::mount_to(target, App).forget();
    boot::restore_focus(&document);
    if let Some(perf) = window().performance() {
        let _ = perf.mark("pw-shell-rendered");
    }
    // The code of the cards below the prompt (a chunk of the release build) downloads now; the
    // service worker, which fetches every file of the build for the offline copy, only once that
    // download is over, so it does not share a slow connection with it (issue #16).
    leptos::task::spawn_local(async {
        if workspace::fetch_below_prompt().await.is_ok() {
            register_service_worker();
        }
    });
}

/// Registers the service worker (public/sw.js: installable, usable offline after the first
/// visit) once the whole build is here: after the chunk of the cards below the prompt arrived,
/// at start or on *Try again*. Not before, and not after a failed fetch of it, so the worker's
/// precache does not compete with it on a slow connection nor start from a build the page could
/// not load (tryout 70). Registering again is harmless (the browser keeps one registration).
pub fn register_service_worker() {
    let protocol = window().location().protocol().unwrap_or_default();
    if protocol == "http:" || protocol == "https:" {
        let _ = window().navigator().service_worker().register("sw.js");
    }
}

/// Whether the settings panel is open: set it to offer "Pick another model in Settings". In context.
#[derive(Clone, Copy)]
pub struct OpenSettings(pub RwSignal<bool>);

/// The whole page: header, work area, settings panel.
#[component]
pub fn App() -> impl IntoView {
    ThemeHandle::provide();
    crate::state::Online::provide();
    let settings_open = RwSignal::new(false);
    provide_context(OpenSettings(settings_open));
    let settings = SettingsHandle::provide();
    state::engine::Engine::provide();
    let drafts = DraftHandle::provide();
    // Typed before the app started: in the draft before the drafts open, which keeps it as
    // anything typed meanwhile (`Library::start`).
    let typed_at_boot = boot::typed_text();
    if let Some(idea) = typed_at_boot.clone() {
        drafts.update(|d| d.set_idea(idea));
    }
    Generator::provide();
    let library = Library::provide(drafts);
    Generator::expect().follow_drafts(library.current_id.into());
    // A generation a reload cut short: said, and what arrived kept, once the drafts have loaded.
    crate::state::reactive::effect(move |done: Option<bool>| {
        if done == Some(true) || library.status.get() == state::library::StorageStatus::Loading {
            return done.unwrap_or(false);
        }
        Generator::expect().recover_interrupted(&library.current_id.get_untracked());
        true
    });
    state::entries::Unaccepted::provide(library);
    state::runner::Runner::provide();
    state::cases::CaseSynth::provide();
    let selection = cases::Selection::provide();
    let open_case = cases::OpenCase::provide();
    // Ticked cases and the open case editor belong to the draft they were chosen in (tryout 9:
    // "Run selected (2)" stayed on in a new, empty draft, and could run cases with the same ids
    // in another draft).
    on_draft_switch(move || {
        selection.0.set(Default::default());
        open_case.0.set(None);
    });
    state::optimizer::OptimizerHandle::provide();
    state::reflexion::Reflector::provide();
    state::reflexion::Critic::provide();
    state::rubric::RubricImprover::provide();
    state::note_check::NoteChecker::provide();
    let toasts = notice::Toasts::provide();
    // Typed while a shared link loaded: the shared draft covers the idea box, so the page says
    // where the idea went (tryout 69: it vanished from view with no word).
    if typed_at_boot.is_some()
        && matches!(library.shared.get_untracked(), Some(SharedView::Draft(_)))
    {
        toasts.push(
            "What you typed while the page loaded is kept as a draft of your own: it opens when you close the shared draft, and it is in Drafts.".to_owned(),
        );
    }
    // Typing before the drafts opened made a draft of its own: said, so the draft that used to
    // open does not seem gone (helper-60).
    crate::state::reactive::effect(move |_| {
        if let Some(name) = library.typed_apart.get() {
            toasts.push(format!(
                "What you typed while your drafts were opening is kept as a new draft; \u{201c}{name}\u{201d} is in Drafts."
            ));
        }
    });
    // A tab's unsaved changes kept beside another tab's later save: said once (tryout 87).
    crate::state::reactive::effect(move |_| {
        if let Some(news) = library.kept_apart.get() {
            toasts.push(news);
        }
    });
    let drafts_open = RwSignal::new(false);
    // A link opened in this tab after the page did (a click on a share link, a pasted address,
    // Forward after Back): the shared draft is shown from its top, its heading focused (tryout
    // 72: the page stayed scrolled where the person was, below the shared draft's start), and
    // a drawer left open over the page closes (it stayed over the shared draft, holding the
    // keyboard inside it).
    crate::state::reactive::effect(move |prev: Option<Option<SharedView>>| {
        let now = library.shared.get();
        if let (Some(prev), Some(SharedView::Draft(_))) = (&prev, &now)
            && *prev != now
        {
            settings_open.set(false);
            drafts_open.set(false);
            window().scroll_to_with_x_and_y(0.0, 0.0);
            browser::focus_heading_when_drawn(&["pw-shared-title"]);
        }
        now
    });
    // Where the person is in the loop: the next thing to do is the step after the last one done;
    // with a shared draft on screen, where that draft is (tryout 72: the hidden draft's).
    let step = Signal::derive(move || {
        library.shared.with(|s| match s {
            Some(SharedView::Draft(d)) => step_of(d),
            _ => drafts.draft.with(step_of),
        })
    });
    background_toasts(toasts, drafts);
    shortcuts(toasts, drafts);
    browser::keep_focus_when_removed();
    browser::keep_pressed_in_place();
    // The local model is looked for where the llama.cpp preset points (the default address otherwise).
    let local_url = Signal::derive(move || {
        settings.roles.with(|r| {
            Role::ALL
                .iter()
                .map(|x| r.get(*x))
                .find(|c| c.kind == ProviderKind::LlamaCpp)
                .map_or_else(
                    || local_model::DEFAULT_BASE_URL.to_owned(),
                    |c| c.base_url.clone(),
                )
        })
    });
    // The local model's status matters only while a job uses it; the badge says which jobs.
    let local_jobs = Signal::derive(move || {
        settings.roles.with(|r| {
            Role::ALL
                .iter()
                .filter(|x| r.get(**x).kind == ProviderKind::LlamaCpp)
                .map(|x| x.title().to_lowercase())
                .collect::<Vec<_>>()
        })
    });
    let uses_local = Signal::derive(move || local_jobs.with(|j| !j.is_empty()));
    let local_status = state::use_local_model_status(local_url, uses_local);
    view! {
        <a class="pw-skip" href="#pw-main">"Skip to the work area"</a>
        <shell::Header
            local_status=local_status
            uses_local=uses_local
            local_jobs=local_jobs
            on_settings=Callback::new(move |_| settings_open.set(true))
            on_drafts=Callback::new(move |_| drafts_open.set(true))
            step=step
        />
        <main id="pw-main" class="pw-main" tabindex="-1">
            <shell::OfflineBanner local_status=local_status uses_local=uses_local/>
            <shell::WithheldKeyBanner/>
            <drafts::LibraryBanners/>
            <improve::LoopNotice/>
            {crate::ui::erased::dynamic(move || (if matches!(library.shared.get(), Some(SharedView::Draft(_))) {
                view! { <drafts::SharedDraftView/> }.into_any()
            } else {
                view! { <workspace::Workspace local_status=local_status local_jobs=local_jobs/> }.into_any()
            }).into_any())}
        </main>
        <footer class="pw-footer">
            <p>"No server of ours: your drafts stay in this browser, and calls go straight to the provider you chose."</p>
            <p class="pw-footer__keys">
                "Keyboard: " <kbd>"Ctrl"</kbd>"+"<kbd>"Enter"</kbd>" in the idea box or "<kbd>"Alt"</kbd>"+"<kbd>"G"</kbd>" generates · "
                <kbd>"Alt"</kbd>"+"<kbd>"R"</kbd>" runs all test cases · "<kbd>"Alt"</kbd>"+"<kbd>"C"</kbd>" copies the final prompt"
            </p>
        </footer>
        <settings::SettingsPanel open=settings_open/>
        <drafts::DraftsPanel open=drafts_open/>
        // One corner for what comes and goes: the toasts above the Undo bar, stacked, so
        // neither covers the other, the header or the page's middle.
        <div class="pw-corner">
            <notice::ToastStack/>
            <drafts::UndoDeleteBar drawer_open=Signal::derive(move || drafts_open.get() || settings_open.get())/>
        </div>
    }
}

/// Toasts when work ends in the background: a run, the optimizer, suggested cases.
fn background_toasts(toasts: notice::Toasts, drafts: DraftHandle) {
    let runner = state::runner::Runner::expect();
    let lib = state::library::Library::expect();
    // The version of the run going on (`None`: none), so that its end is told of that version
    // even when the prompt changed meanwhile (tryout 47: a run cancelled after an edit said
    // nothing: the news read the new version, which had no run).
    // The news of the last run's end, taken away when the next run starts (tryout 67: "Run
    // finished: Score …" stayed on screen into the next run, read as its result).
    let last_news = StoredValue::new(None::<u64>);
    crate::state::reactive::effect(move |was: Option<Option<u32>>| {
        let now = runner.active.with(|a| a.as_ref().map(|a| a.version));
        if now.is_some()
            && was.is_some_and(|w| w.is_none())
            && let Some(id) = last_news.get_value()
        {
            toasts.dismiss(id);
            last_news.set_value(None);
        }
        // News of the open draft's run only (opening another draft ends a run: no toast with
        // the other draft's figures).
        let here = runner.last_run_draft() == lib.current_id.get_untracked();
        if let Some(Some(version)) = was
            && now.is_none()
            && here
        {
            let summary = drafts.draft.with_untracked(|d| {
                let run = d.run_of(version)?;
                let spec = d.versions.iter().find(|v| v.number == version).map(|v| &v.spec);
                let p = run.progress_where(|id| d.suite.case(id).is_some());
                let a = run.aggregate(&d.suite, spec);
                let judge = match a.judge_failed {
                    0 => String::new(),
                    1 => " · 1 left out: the judge failed on it".to_owned(),
                    n => format!(" · {n} left out: the judge failed on them"),
                };
                let failed = match (p.failed, p.kept_earlier) {
                    (0, _) => String::new(),
                    (n, 0) => format!(" · {n} could not run"),
                    (n, k) => format!(
                        " · {n} could not run ({} kept)",
                        crate::domain::figures::count(k, "earlier answer", "earlier answers")
                    ),
                };
                // Comparison models run with it are named, not left out of the news.
                let others = d
                    .compared
                    .iter()
                    .filter(|r| r.run.version == version && r.run.started_ms == run.started_ms)
                    .count();
                let also = match others {
                    0 => String::new(),
                    1 => " The comparison model ran too: see Compare models.".to_owned(),
                    n => format!(" The {n} comparison models ran too: see Compare models."),
                };
                // The same line as the Results card, every finished case counted (with the
                // answers from earlier runs and from other models named, tryout 12 M3).
                let line = run.score_line(&run.scores(&d.suite, spec));
                // A run of an earlier version (the prompt changed while it ran) says which.
                let of = if version == d.current {
                    String::new()
                } else {
                    format!(" of version {version}")
                };
                if runner.was_cancelled() {
                    // Tryout 12 (M1): a cancelled run was announced as "Run finished".
                    return Some(format!(
                        "Run{of} cancelled: {} of {} answered before Cancel{}{failed}. {line}{judge}.{also}",
                        p.done,
                        crate::domain::figures::count(p.total, "case", "cases"),
                        {
                            // Tryout 86: the cases Cancel took out of the queue read as stopped.
                            let unsent = p.cancelled_unsent.min(p.cancelled);
                            let mut said = String::new();
                            if p.cancelled > unsent {
                                said += &format!(" · {} stopped", p.cancelled - unsent);
                            }
                            if unsent > 0 {
                                said += &format!(" · {unsent} not sent");
                            }
                            if p.cancelled_kept > 0 {
                                said += &format!(
                                    " ({} put back)",
                                    crate::domain::figures::count(p.cancelled_kept, "earlier result", "earlier results")
                                );
                            }
                            said
                        }
                    ));
                }
                Some(format!("Run{of} finished: {line}{failed}{judge}.{also}"))
            });
            if let Some(s) = summary {
                last_news.set_value(Some(toasts.push(s)));
            }
        }
        now
    });
    // Only when the open draft's own loop ends: opening a draft whose loop ended long ago (or a
    // received one) is no news (tryout 9: the toast came back each time such a draft opened).
    let library = state::library::Library::expect();
    crate::state::reactive::effect(move |was: Option<(String, Option<String>)>| {
        let id = library.current_id.get();
        let stop = drafts
            .draft
            .with(|d| d.optimizer.as_ref().and_then(|o| o.end_note()));
        if let (Some((was_id, None)), Some(s)) = (&was, &stop)
            && *was_id == id
        {
            toasts.push(format!("Optimization: {s}"));
        }
        (id, stop)
    });
    let synth = state::cases::CaseSynth::expect();
    crate::state::reactive::effect(move |was: Option<state::cases::Stage>| {
        let now = synth.stage.get();
        if was.is_some_and(|w| w != state::cases::Stage::Review)
            && now == state::cases::Stage::Review
        {
            let n = synth.picks.with_untracked(Vec::len);
            toasts.push(format!(
                "{} ready to review.",
                crate::domain::figures::count(
                    n,
                    "suggested test case is",
                    "suggested test cases are"
                )
            ));
        }
        now
    });
}

/// Alt+G generates, Alt+R runs all cases, Alt+C copies the final prompt (by key position, so
/// they work on every keyboard layout and with Option on a Mac).
fn shortcuts(toasts: notice::Toasts, drafts: DraftHandle) {
    let g = Generator::expect();
    let runner = state::runner::Runner::expect();
    let library = Library::expect();
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        if !ev.alt_key() || ev.ctrl_key() || ev.meta_key() {
            return;
        }
        // A shared draft on screen covers the person's own draft: the shortcuts would run,
        // generate or copy the hidden one (tryout 70: Alt+R sent paid calls of the hidden
        // draft's cases). They say so instead.
        if matches!(ev.code().as_str(), "KeyG" | "KeyR" | "KeyC")
            && library
                .shared
                .with_untracked(|s| matches!(s, Some(SharedView::Draft(_))))
        {
            ev.prevent_default();
            toasts.push("A shared draft is open: Alt+G, Alt+R and Alt+C work on your own drafts. Save it as your draft, or close it, first.");
            return;
        }
        // Running needs the Results card in view of its cost and its outcome: while the cards
        // below the prompt are still loading (or failed to), Alt+R says so (tryout 72: it ran
        // with no Results card on the page).
        if ev.code() == "KeyR"
            && document()
                .query_selector(".pw-card--results")
                .ok()
                .flatten()
                .is_none()
        {
            ev.prevent_default();
            toasts.push("The test cases and results are not on the page yet (still loading, or their download failed): run them from there once they are.");
            return;
        }
        match ev.code().as_str() {
            "KeyG" => {
                ev.prevent_default();
                // A call under way is not replaced (tryout 103: Alt+G twice paid for two).
                if g.call.running.get_untracked() {
                    toasts.push(Generator::BUSY);
                    return;
                }
                g.generate();
            }
            "KeyR" => {
                ev.prevent_default();
                // A run under way is not started again (tryout 104: Alt+R twice queued every
                // case again, paid for them twice and replaced the scored answers).
                if runner.running() {
                    toasts.push("A run of this draft is under way: it goes on (Cancel run stops it). Alt+R runs the cases again once it ends.");
                    return;
                }
                runner.run(Vec::new());
                if let Some(why) = untrack(|| runner.refused()) {
                    toasts.push(why);
                }
                if runner.unfilled.with_untracked(Option::is_some) {
                    toasts.push("Some cases would go out with something left empty (a variable, an earlier turn or the message): see Results to run them anyway or fix them.");
                }
                if untrack(|| runner.refused()).is_none()
                    && runner.costly.with_untracked(Option::is_some)
                {
                    toasts.push(
                        "This run waits for your word on what it may cost: see Results to run it.",
                    );
                }
            }
            "KeyC" => {
                ev.prevent_default();
                // Pressed while typing in a section (the focus stays there): what was typed goes
                // in first, or the copy lacks it (session 47).
                drafts.flush_typing();
                let text = drafts.draft.with_untracked(|d| d.rendered());
                if text.is_empty() {
                    toasts.push("There is no prompt to copy yet.");
                    return;
                }
                leptos::task::spawn_local(async move {
                    match browser::copy_text(&text).await {
                        Ok(()) => toasts.push("The final prompt is copied."),
                        Err(e) => toasts.push(e),
                    };
                });
            }
            _ => {}
        }
    });
    on_cleanup(move || handle.remove());
}

/// Runs `f` (untracked) whenever another draft opens in this tab: what a component shows for one
/// draft (a rewrite instruction being typed, an import's message) must not show in the next
/// (tryout 54: draft A's rewrite instruction rewrote draft B's section).
pub fn on_draft_switch(f: impl Fn() + 'static) {
    let library = Library::expect();
    crate::state::reactive::effect(move |before: Option<String>| {
        let now = library.current_id.get();
        if before.as_ref().is_some_and(|b| *b != now) {
            untrack(&f);
        }
        now
    });
}

/// The step of the loop a draft is at (`shell::STEPS`' index): the step after the last one done.
/// Idea (no version yet), Prompt (no test case), Test (the current version not run), Improve
/// (no optimization finished and the current version not one it made), else Share.
fn step_of(d: &crate::domain::draft::Draft) -> usize {
    if d.versions.is_empty() {
        0
    } else if d.suite.cases.is_empty() {
        1
    } else if d.run_of(d.current).is_none() {
        2
    } else if d.optimizer.as_ref().is_none_or(|o| o.stop.is_none())
        && !matches!(
            d.current_version().map(|v| &v.origin),
            Some(Origin::Optimized { .. })
        )
    {
        3
    } else {
        4
    }
}
