//! The page header: product name, the steps of the loop, the local-model badge, theme and settings.
use leptos::prelude::*;

use super::icons::{GearIcon, Logo, ThemeIcon};
use crate::domain::local_model::LocalModelStatus;
use crate::state::ThemeHandle;

/// The five steps a person walks through, in order.
pub const STEPS: [(&str, &str); 5] = [
    ("Idea", "Say in one line what your assistant should do"),
    (
        "Prompt",
        "Get a structured set of instructions for the model",
    ),
    ("Test", "Check it on example inputs"),
    ("Improve", "Let Promptwright fix what failed"),
    ("Share", "Copy the result or send a link"),
];

#[component]
pub fn Header(
    /// Whether the embedded local model answers.
    local_status: ReadSignal<LocalModelStatus>,
    /// Whether a job uses the local model now (the badge shows only then).
    #[prop(into)]
    uses_local: Signal<bool>,
    /// The jobs that use the local model, in words ("scores the answers"), in role order.
    #[prop(into)]
    local_jobs: Signal<Vec<String>>,
    /// Opens the settings panel.
    on_settings: Callback<()>,
    /// Opens the drafts panel.
    on_drafts: Callback<()>,
    /// The step of the loop the person is at.
    step: Signal<usize>,
) -> impl IntoView {
    let theme = ThemeHandle::expect().theme;
    view! {
        <header class="pw-header">
            <div class="pw-header__brand">
                <Logo/>
                <div>
                    <h1 class="pw-header__title">"Promptwright"</h1>
                    <p class="pw-header__tagline">"From a one-line idea to a tested system prompt"</p>
                </div>
            </div>
            <div class="pw-header__actions">
                <super::drafts::SaveStatus/>
                {crate::ui::erased::show(move || uses_local.get(), move || view! {
                    <LocalModelBadge status=local_status jobs=local_jobs/>
                }.into_any())}
                <button
                    type="button"
                    class="pw-icon-button"
                    aria-label=move || format!("{} (press to change)", theme.get().label())
                    title=move || theme.get().label()
                    on:click=move |_| theme.update(|t| *t = t.next())
                >
                    <ThemeIcon/>
                </button>
                <button type="button" class="pw-button pw-button--ghost" on:click=move |_| on_drafts.run(())>
                    <span>"Drafts"</span>
                </button>
                <button type="button" class="pw-button pw-button--ghost" on:click=move |_| on_settings.run(())>
                    <GearIcon/>
                    <span>"Settings"</span>
                </button>
            </div>
        </header>
        <StepPath current=step/>
    }
}

/// Where each step's work is on the page (a card, by its class), in `STEPS` order.
const STEP_TARGETS: [&str; 5] = [
    ".pw-card--idea",
    ".pw-card--prompt",
    ".pw-card--cases",
    ".pw-card--improve",
    ".pw-card--final",
];

/// The progress path Idea -> Prompt -> Test -> Improve -> Share. Each step is a button that
/// brings its part of the page into view and moves the focus there; a step whose part is not on
/// the page yet says what comes first.
#[component]
pub fn StepPath(
    /// Index of the current step.
    #[prop(into)]
    current: Signal<usize>,
) -> impl IntoView {
    let note = RwSignal::new(None::<String>);
    let go = move |i: usize| {
        let doc = document();
        let Some(card) = doc.query_selector(STEP_TARGETS[i]).ok().flatten() else {
            // The cards below the prompt come in a chunk of their own (`ui::workspace`): while
            // it loads, or when it failed, the step goes to the line that says so (tryout 70:
            // the step did nothing). A shared draft on screen has no such cards at all.
            let waiting = doc
                .query_selector(".pw-below-loading, .pw-below-failed")
                .ok()
                .flatten();
            if let (true, Some(line)) = (i >= 2, waiting) {
                note.set(None);
                line.scroll_into_view();
                return;
            }
            if doc
                .query_selector(".pw-card--shared")
                .ok()
                .flatten()
                .is_some()
            {
                note.set(Some(
                    "A shared draft is open: close it or save it as your own draft to work on it."
                        .to_owned(),
                ));
                return;
            }
            note.set(Some(match i {
                1 => "Write your idea and press Generate first: the prompt appears here then."
                    .to_owned(),
                3 => "Generate a prompt and add test cases first: Improve appears then.".to_owned(),
                4 => "Generate a prompt first: sharing appears with it.".to_owned(),
                _ => format!("{} is not on the page yet.", STEPS[i].0),
            }));
            return;
        };
        note.set(None);
        card.scroll_into_view();
        // The card's heading takes the focus, so keyboard and screen reader users land where
        // the eye does.
        if let Some(h) = card
            .query_selector("h2")
            .ok()
            .flatten()
            .and_then(|h| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(h).ok())
        {
            let _ = h.set_attribute("tabindex", "-1");
            let _ = h.focus();
        }
    };
    view! {
        <nav class="pw-steps" aria-label="Progress">
            <ol class="pw-steps__list">
                {STEPS
                    .iter()
                    .enumerate()
                    .map(|(i, (name, hint))| {
                        let state = move || {
                            let c = current.get();
                            if i < c { "done" } else if i == c { "current" } else { "todo" }
                        };
                        view! {
                            <li
                                class=move || format!("pw-steps__item pw-steps__item--{}", state())
                                aria-current=move || (state() == "current").then_some("step")
                            >
                                <button type="button" class="pw-steps__go" title=*hint aria-label=*name on:click=move |_| go(i)>
                                    <span class="pw-steps__num" aria-hidden="true">{i + 1}</span>
                                    <span class="pw-steps__name">{*name}</span>
                                </button>
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
            {crate::ui::erased::dynamic(move || (note.get().map(|m| view! { <p class="pw-hint pw-steps__note" role="status">{m}</p> })).into_any())}
        </nav>
    }
}

/// Shows whether the local model is reachable, with a plain-words hint.
#[component]
pub fn LocalModelBadge(
    /// The probed status.
    status: ReadSignal<LocalModelStatus>,
    /// The jobs that use it, in words; named when not all three do.
    #[prop(into, optional)]
    jobs: Signal<Vec<String>>,
) -> impl IntoView {
    let label = move || {
        let j = jobs.get();
        if j.is_empty() || j.len() == 3 {
            status.get().label()
        } else {
            format!("{} · {}", status.get().label(), j.join(", "))
        }
    };
    view! {
        <span
            class=move || format!("pw-badge pw-badge--{}", status.get().as_str())
            role="status"
            title=move || status.get().hint()
        >
            <span class="pw-badge__dot" aria-hidden="true"></span>
            {crate::ui::erased::dynamic(move || label().into_any())}
        </span>
    }
}

/// Says so when the browser is offline: the page works, calls to hosted providers do not, and
/// whether the built-in local model answers now (`local_model::offline_message`).
#[component]
pub fn OfflineBanner(
    /// Whether the embedded local model answers.
    local_status: ReadSignal<LocalModelStatus>,
    /// Whether a job uses it (its status is probed, and said, only then).
    uses_local: Signal<bool>,
) -> impl IntoView {
    // The same answer every call reads (`state::Online`).
    let online = crate::state::Online::expect().0;
    view! {
        {crate::ui::erased::show(move || !online.get(), move || view! {
            <p class="pw-notice pw-notice--warn pw-offline" role="status">
                {crate::ui::erased::dynamic(move || (crate::domain::local_model::offline_message(uses_local.get().then(|| local_status.get()).as_ref())).into_any())}
            </p>
        }.into_any())}
    }
}

/// Says so when calls went to a provider with one of the person's keys for another provider
/// taken out of their text ([`crate::state::engine::Withheld`]): the key was in the draft, the
/// answers were written without it. Stays until dismissed.
#[component]
pub fn WithheldKeyBanner() -> impl IntoView {
    let engine = crate::state::engine::Engine::expect();
    view! {
        {crate::ui::erased::dynamic(move || (engine.withheld.get().map(|w| {
            let hosts = crate::domain::figures::and_list(&w.to);
            let times = crate::domain::figures::count(w.count, "time", "times");
            view! {
                <div class="pw-notice pw-notice--warn" role="status" id="pw-withheld-key">
                    <p class="pw-notice__title">"Your API key was kept out of a call to another provider"</p>
                    <p>{format!(
                        "A key you gave in Settings is in the text a draft sends (its prompt, a test case or an answer), and the calls to {hosts} went with \u{201c}{}\u{201d} in its place ({times}): a key is sent only to its own provider. The answers were written without it; if it is in the draft by mistake, take it out.",
                        crate::domain::secrets::REDACTED
                    )}</p>
                    <button type="button" class="pw-button pw-button--small"
                        on:click=move |_| engine.withheld.set(None)>"Dismiss"</button>
                </div>
            }
        })).into_any())}
    }
}

/// Under a button that calls the model of `role`: says plainly that the browser is offline when
/// that model's address is off this computer (the button is disabled then), so no one is sent to
/// check an address that is fine.
#[component]
pub fn OfflineNote(
    /// The job whose model the button calls.
    role: crate::domain::provider::Role,
    /// The element's id, for the button's `aria-describedby`.
    id: &'static str,
) -> impl IntoView {
    let online = crate::state::Online::expect();
    let settings = crate::state::settings::SettingsHandle::expect();
    view! {
        {crate::ui::erased::show(move || online.blocks(&settings.config(role)), move || view! {
            <p id=id class="pw-hint pw-hint--warn pw-offline-note" role="status">{crate::ui::erased::dynamic(move || ({
                let c = settings.config(role);
                format!(
                    "Your browser is offline, so {} at {} cannot be reached. Reconnect to the internet, or choose the built-in local model in Settings (it works offline).",
                    c.kind.label(),
                    crate::domain::http::host_of(&c.base_url)
                )
            }).into_any())}</p>
        }.into_any())}
    }
}

/// Under a button that calls the models of `roles`: says, before anything is sent, which of
/// them has no address or no model name in Settings (`{id}-unset`,
/// [`crate::domain::provider::unset_note`]: nothing is sent to it), then which has no key in this tab, in words true for each
/// ([`SettingsHandle::missing_keys`]): a provider that needs a key refuses the calls; a server
/// that may go without one (a key typed for an OpenAI-compatible server that a reload forgot)
/// gets them without it and may refuse them. Nothing is shown when every key is there.
///
/// [`SettingsHandle::missing_keys`]: crate::state::settings::SettingsHandle::missing_keys
#[component]
pub fn KeyNote(
    /// The roles whose models the button calls now (a run with no judge check calls no judge).
    #[prop(into)]
    roles: Signal<Vec<crate::domain::provider::Role>>,
    /// The element's id.
    id: &'static str,
) -> impl IntoView {
    let settings = crate::state::settings::SettingsHandle::expect();
    let cfgs = move || -> Vec<_> {
        roles
            .get()
            .into_iter()
            .map(|r| settings.config(r))
            .collect()
    };
    let text = move || settings.missing_keys(&cfgs(), false);
    let forgotten = move || settings.forgotten_keys(&cfgs());
    // A model with no address or no model name is said first: nothing goes to it at all
    // (tryout 93).
    let unset = move || {
        let roles = roles.get();
        let cfgs: Vec<_> = roles.iter().map(|r| settings.config(*r)).collect();
        let jobs: Vec<_> = roles.iter().copied().zip(cfgs.iter()).collect();
        crate::domain::provider::unset_note(&jobs)
    };
    view! {
        {crate::ui::erased::dynamic(move || (unset().map(|t| view! {
            <p id=format!("{id}-unset") class="pw-hint pw-hint--warn" role="status">{t}</p>
        })).into_any())}
        <KeyInDraftNote id=id/>
        {crate::ui::erased::dynamic(move || (text().map(|t| view! {
            <p id=id class="pw-hint pw-hint--warn" role="status">{t}</p>
            {crate::ui::erased::show(forgotten, move || view! {
                <button type="button" class="pw-button pw-button--small"
                    on:click=move |_| settings.going_without_keys(&untrack(cfgs))>
                    {crate::domain::provider::GO_ON_WITHOUT_KEY}
                </button>
            }.into_any())}
        })).into_any())}
    }
}

/// [`KEY_IN_DRAFT`], shown while an API key given in Settings is written in the draft's idea,
/// prompt or test cases (id `<id>-in-draft`): beside every button that sends the draft.
#[component]
pub fn KeyInDraftNote(
    /// The id of the button's note; this one's is it with `-in-draft`.
    id: &'static str,
) -> impl IntoView {
    let settings = crate::state::settings::SettingsHandle::expect();
    // A key of the person's written into the draft is taken out of calls to any other provider
    // (`Engine::send`), and that was said only once they had gone (session 56's note): said
    // before, as Share says it before a link is copied. Read from the idea, the prompt and the
    // suite as runs send them: results arriving do not work it out again.
    let d = crate::state::draft::DraftHandle::expect();
    // Each part worked out from its own source (typing in the idea box reads no case; the bench's
    // typing rows).
    let secrets = move || settings.keys_to_withhold();
    let found = |text: &str, keys: &[crate::domain::provider::ApiKey]| {
        let keys: Vec<&str> = keys.iter().map(|k| k.expose()).collect();
        !text.is_empty() && crate::domain::secrets::redact(text, &keys).1 > 0
    };
    let in_idea = crate::state::reactive::memo(move |_| {
        let keys = secrets();
        (!keys.is_empty() || crate::domain::secrets::any_forgotten())
            && d.with_idea(|i| found(&i.idea, &keys) || i.variables.iter().any(|v| found(v, &keys)))
    });
    let in_runs = crate::state::reactive::memo(move |_| {
        let keys = secrets();
        let keys: Vec<&str> = keys.iter().map(|k| k.expose()).collect();
        (!keys.is_empty() || crate::domain::secrets::any_forgotten())
            && d.suite_and_prompt.with(|(suite, prompt)| {
                crate::domain::secrets::redact(prompt, &keys).1 > 0
                    || crate::domain::secrets::in_suite(suite, &keys)
            })
    });
    let key_in_draft = move || in_idea.get() || in_runs.get();
    crate::ui::erased::show(key_in_draft, move || {
        view! {
        <p id=format!("{id}-in-draft") class="pw-hint pw-hint--warn" role="status">{KEY_IN_DRAFT}</p>
    }.into_any()
    })
}

/// What [`KeyNote`] says when an API key given in Settings is written in the draft's idea,
/// prompt or test cases (`Engine::send` takes it out of calls to other providers).
pub const KEY_IN_DRAFT: &str = "An API key you gave in Settings is written in this draft (its idea, prompt or test cases). Calls to any other provider get \u{201c}[API key removed]\u{201d} in its place; its own provider gets the text as written. Take it out of the draft if it should not be sent at all.";

/// What Settings lack for `role`'s model ([`crate::domain::provider::unset_note`]), tracked: a
/// button that calls only that job's model is off while it says something, with it as its
/// title (Scoring: Re-judge in Results and the grid, "Judge them with the new rubric"; tryout
/// 94: a Re-judge replaced the verdict shown with "has no model name". Running tests: Reflect,
/// and the code to use the prompt).
pub fn role_unset(
    role: crate::domain::provider::Role,
) -> impl Fn() -> Option<String> + Copy + Send + Sync + 'static {
    let settings = crate::state::settings::SettingsHandle::expect();
    move || crate::domain::provider::unset_note(&[(role, &settings.config(role))])
}

/// What a button that calls a model says while it is disabled for being offline (its `title`;
/// the notice at the top of the page says the rest).
pub const OFFLINE_TITLE: &str =
    "Your browser is offline, and this calls a model that is not on this computer.";

/// Whether the browser is offline and the model of one of `roles` has an address off this
/// computer, so a button calling them cannot work (tracked; see `state::Online::blocks`). For
/// `disabled` and `title` of the buttons that call a model for the draft; Generate and Run also
/// show an [`OfflineNote`]. One exception: Settings' *Test connection* stays enabled offline,
/// since trying the address is how a person finds out whether it answers, and its failure
/// message already names being offline as a likely cause.
pub fn offline_for(
    roles: &'static [crate::domain::provider::Role],
) -> impl Fn() -> bool + Copy + Send + Sync + 'static {
    let online = crate::state::Online::expect();
    let settings = crate::state::settings::SettingsHandle::expect();
    move || roles.iter().any(|r| online.blocks(&settings.config(*r)))
}
