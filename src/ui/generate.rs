//! The idea -> prompt part of the loop: the idea form (with optional details and manual mode),
//! the five sections filling in while the reply streams (editable, each can be rewritten), the
//! final prompt (Markdown/XML, tokens and cost, copy, download, code), and the version history
//! with word-level diffs.
use leptos::prelude::*;

use super::shell::OFFLINE_TITLE;

use super::browser::{copy_text, download, file_stem};
use super::cost::CostNote;
use super::notice::{ErrorNotice, RawReply};
use crate::domain::attempt;
use crate::domain::diff::{self, Piece};
use crate::domain::draft::{Origin, find_version};
use crate::domain::estimate::{SendCheck, call_cost, estimate_tokens, format_cost};
use crate::domain::figures::{count, grouped};
use crate::domain::meta::{self, ModelFamily, OutputKind, ReplyCause};
use crate::domain::provider::{ErrorKind, ProviderKind, Role};
use crate::domain::snippet::{self, Lang};
use crate::domain::spec::{RenderStyle, Section};
use crate::state::draft::DraftHandle;
use crate::state::generator::{GenError, Generator, Job, Pasted};
use crate::state::settings::SettingsHandle;

/// Ideas offered to a first-time visitor (kept in the domain, where the tests read them).
pub use crate::domain::meta::EXAMPLE_IDEAS;

/// Step 1: the idea, its optional details, Generate, and manual mode.
/// Why rewriting, adapting and critiquing a prompt are off on the tiny built-in model.
pub const TINY_CANNOT: &str = "The built-in local model is too small to rewrite sections, adapt a prompt or critique it. Choose a model for writing prompts in Settings to use these.";

/// Above this many tokens (estimated) an idea makes each part of the tiny model's Generate slow:
/// every part re-reads it, and the progress line says so instead of "a few seconds".
const LONG_IDEA_TOKENS: u32 = 500;

#[component]
pub fn IdeaCard() -> impl IntoView {
    let d = DraftHandle::expect();
    // What the variables field changed in the last entry, and why.
    // What the variables field changed in what was typed, with the names it read: shown only
    // while the draft's variables are still those (another draft, or an edit, makes it go).
    let var_notes = RwSignal::new((
        (Vec::<String>::new(), Vec::<String>::new()),
        Vec::<String>::new(),
    ));
    // The variables as typed, before the field is left: what leaving it will change is said
    // while typing, so that the note does not appear as the field is left and move the
    // Generate button from under a click (tryout 91: the first click was lost).
    let var_typed = RwSignal::new(None::<String>);
    // Another draft opened: what was typed in this one's field is not its.
    let library = crate::state::library::Library::expect();
    crate::state::reactive::effect(move |_| {
        library.current_id.track();
        var_typed.set(None);
    });
    let g = Generator::expect();
    let settings = SettingsHandle::expect();
    let offline = crate::state::Online::expect();
    let hint = RwSignal::new(None::<&'static str>);
    let toasts = super::notice::Toasts::expect();
    let manual = g.manual;
    let idea = move || d.draft.with(|x| x.idea.idea.clone());
    // The idea an example chip replaced, with the version open then: offered back until the
    // person types, or the draft changes to another prompt or draft.
    let replaced = RwSignal::new(None::<(u32, String)>);
    super::on_draft_switch(move || replaced.set(None));
    let set_idea = move |v: String| {
        hint.set(None);
        // A held-back large request was about the idea as it was.
        if g.large
            .with_untracked(|l| matches!(l, Some((Job::Generate, _))))
        {
            g.large.set(None);
        }
        d.update(|x| x.set_idea(v));
    };
    let generate = move || match meta::check_idea(&d.draft.with_untracked(|x| x.idea.idea.clone()))
    {
        // Ctrl+Enter while a call runs starts nothing (tryout 103: it stopped the call and paid
        // for another), and says so.
        Ok(()) if g.call.running.get_untracked() => {
            toasts.push(Generator::BUSY);
        }
        Ok(()) => g.generate(),
        Err(h) => hint.set(Some(h)),
    };
    // The idea as Generate sends it, apart from the rest of the draft (results arriving do not
    // work the request out again).
    let idea_now = crate::state::reactive::memo(move |_| d.draft.with(|x| x.idea.clone()));
    let meta_label = move || {
        let c = settings.config(Role::Meta);
        if c.kind == ProviderKind::LlamaCpp {
            "Uses the tiny built-in model: expect rough drafts. Add a key in Settings for real quality.".to_owned()
        } else if c.model.trim().is_empty() {
            format!(
                "Generate writes with {}: no model chosen yet: pick one in Settings.",
                c.kind.label()
            )
        } else {
            // What the call may cost, before it is made (tryout 81: Generate said nothing of it):
            // its request, and an answer at its cap, each byte a token.
            let req = meta::generate_request(&idea_now.get());
            if let crate::domain::estimate::SendCheck::TooLarge(size) =
                crate::domain::estimate::send_check(&req, &c)
            {
                return format!(
                    "Generate writes with {}: {}. Your idea is too large for one call: {}.",
                    c.kind.label(),
                    c.model,
                    too_large_words(size.tokens)
                );
            }
            let (i, o) = crate::domain::estimate::request_bound(&req);
            let t = |n: u64| n.min(u64::from(u32::MAX)) as u32;
            // (The basis only beside a figure: tryout 82, brackets piled up after "unknown".)
            let cost = match crate::domain::estimate::call_cost(&c, t(i), t(o)) {
                Some(x) => format!(
                    "{} (its request and an answer at its {}-token cap)",
                    crate::domain::estimate::at_most(x),
                    crate::domain::figures::grouped(o)
                ),
                None => format!("cost unknown: {} has no list price here", c.model),
            };
            format!(
                "Generate writes with {}: {}. One call: {cost}.",
                c.kind.label(),
                c.model
            )
        }
    };
    view! {
        <section class="pw-card pw-card--idea" aria-labelledby="pw-idea-title">
            <header class="pw-card__header">
                <span class="pw-card__step" aria-hidden="true">"1"</span>
                <h2 id="pw-idea-title" class="pw-card__title">"Your idea"</h2>
            </header>
            <label class="pw-label" for="pw-idea">"What should your assistant do?"</label>
            <textarea
                id="pw-idea"
                class="pw-textarea"
                rows="3"
                placeholder="e.g. a bot that pulls action items out of meeting notes"
                aria-describedby="pw-idea-hint"
                prop:value=idea
                on:input=move |ev| {
                    replaced.set(None);
                    set_idea(event_target_value(&ev));
                }
                on:keydown=move |ev| {
                    if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
                        ev.prevent_default();
                        generate();
                    }
                }
            ></textarea>
            <p id="pw-idea-hint" class="pw-hint pw-hint--inline" role="status">
                {crate::ui::erased::dynamic(move || (hint.get().unwrap_or("")).into_any())}
            </p>
            {crate::ui::erased::show(move || d.draft.with(|x| x.versions.is_empty()) && !g.call.running.get(), move || view! {
                <p class="pw-hint" id="pw-examples-label">"Or start from an example:"</p>
                <ul class="pw-chips" aria-labelledby="pw-examples-label">
                    {EXAMPLE_IDEAS
                        .iter()
                        .map(|text| {
                            view! {
                                <li>
                                    <button type="button" class="pw-chip" on:click=move |_| {
                                        // An idea of the person's own is kept to put back
                                        // (helper-60: a click replaced it for good).
                                        let mine = d.draft.with_untracked(|x| x.idea.idea.clone());
                                        if !mine.trim().is_empty() && !EXAMPLE_IDEAS.contains(&mine.as_str()) {
                                            replaced.set(Some((d.draft.with_untracked(|x| x.current), mine)));
                                        }
                                        set_idea((*text).to_owned());
                                    }>
                                        {*text}
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            }.into_any())}
            {crate::ui::erased::dynamic(move || (replaced.get().filter(|(v, _)| d.draft.with(|x| x.current) == *v).map(|(_, mine)| view! {
                <p class="pw-hint" role="status">
                    "The example replaced the idea you had typed. "
                    <button type="button" class="pw-button pw-button--small" on:click=move |_| {
                        replaced.set(None);
                        set_idea(mine.clone());
                    }>"Put my idea back"</button>
                </p>
            })).into_any())}
            <details class="pw-details">
                <summary>"More details (optional)"</summary>
                <div class="pw-details__grid">
                    <div class="pw-field">
                        <label class="pw-label" for="pw-audience">"Who will use it?"</label>
                        <input id="pw-audience" class="pw-input" placeholder="e.g. project managers"
                            prop:value=move || d.draft.with(|x| x.idea.audience.clone())
                            on:input=move |ev| d.update(|x| x.idea.audience = event_target_value(&ev))/>
                    </div>
                    <div class="pw-field">
                        <label class="pw-label" for="pw-tone">"Tone"</label>
                        <input id="pw-tone" class="pw-input" placeholder="e.g. friendly and brief"
                            prop:value=move || d.draft.with(|x| x.idea.tone.clone())
                            on:input=move |ev| d.update(|x| x.idea.tone = event_target_value(&ev))/>
                    </div>
                    <div class="pw-field">
                        <label class="pw-label" for="pw-output">"Answer format"</label>
                        <select id="pw-output" class="pw-select"
                            on:change=move |ev| d.update(|x| x.idea.output = OutputKind::parse(&event_target_value(&ev)))>
                            {OutputKind::ALL.into_iter().map(|k| view! {
                                <option value=k.as_str() selected=move || d.draft.with(|x| x.idea.output == k)>{k.label()}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="pw-field">
                        <label class="pw-label" for="pw-target">"Model it is for"</label>
                        <select id="pw-target" class="pw-select"
                            on:change=move |ev| d.update(|x| x.idea.target = ModelFamily::parse(&event_target_value(&ev)))>
                            {ModelFamily::ALL.into_iter().map(|k| view! {
                                <option value=k.as_str() selected=move || d.draft.with(|x| x.idea.target == k)>{k.label()}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="pw-field pw-field--wide">
                        <label class="pw-label" for="pw-variables">"Data it receives (variables)"</label>
                        <input id="pw-variables" class="pw-input" placeholder="e.g. transcript, language"
                            prop:value=move || d.draft.with(|x| x.idea.variables.join(", "))
                            aria-describedby="pw-variables-hint pw-variables-changed"
                            on:input=move |ev| var_typed.set(Some(event_target_value(&ev)))
                            on:change=move |ev| {
                                let read = meta::read_variables(&event_target_value(&ev));
                                var_notes.set(((read.notes, read.remarks), read.names.clone()));
                                var_typed.set(None);
                                d.update(|x| x.idea.variables = read.names);
                            }/>
                        <p id="pw-variables-hint" class="pw-hint">"Names of the inputs your app fills in, separated by commas; the prompt will refer to them as {{name}}."</p>
                        // What the field changed in what was typed, and why: it never rewrites silently.
                        <p id="pw-variables-changed" class="pw-hint pw-hint--warn" role="status">{crate::ui::erased::dynamic(move || ({
                            if let Some(typed) = var_typed.get() {
                                let read = meta::read_variables(&typed);
                                let will = (!read.notes.is_empty()).then(|| format!("When you leave the field: {}", read.notes.join(" ")));
                                let said: Vec<String> = will.into_iter().chain(read.remarks).collect();
                                return (!said.is_empty()).then(|| said.join(" ")).into_any();
                            }
                            let ((notes, remarks), names) = var_notes.get();
                            let current = d.draft.with(|x| x.idea.variables == names);
                            let changed = (!notes.is_empty()).then(|| format!("Changed: {}", notes.join(" ")));
                            let said: Vec<String> = changed.into_iter().chain(remarks).collect();
                            (current && !said.is_empty()).then(|| said.join(" "))
                        }).into_any())}</p>
                    </div>
                </div>
            </details>
            <super::shell::OfflineNote role=Role::Meta id="pw-generate-offline"/>
            // Generate after a reload went out with no key and nothing here said so (tryout 46).
            <super::shell::KeyNote roles=vec![Role::Meta] id="pw-generate-key"/>
            <div class="pw-row pw-row--wrap pw-actions">
                <button type="button" class="pw-button pw-button--primary"
                    disabled=move || g.call.running.get() || offline.blocks(&settings.config(Role::Meta))
                    // Its figure is part of its description (tryout 84: only a line below said it).
                    aria-describedby=move || if offline.blocks(&settings.config(Role::Meta)) { "pw-generate-offline pw-generate-cost" } else { "pw-generate-cost" }
                    aria-keyshortcuts="Control+Enter" on:click=move |_| generate()>
                    {crate::ui::erased::dynamic(move || (if d.draft.with(|x| x.versions.is_empty()) { "Generate prompt" } else { "Generate again" }).into_any())}
                </button>
                {crate::ui::erased::show(move || g.call.running.get(), move || view! {
                    <button type="button" data-stops="true" class="pw-button" on:click=move |_| g.stop()>"Stop"</button>
                }.into_any())}
                <button type="button" class="pw-button pw-button--ghost" aria-expanded=move || manual.get().to_string()
                    on:click=move |_| {
                        if !manual.get_untracked() {
                            g.manual_job.set(Job::Generate);
                        }
                        manual.update(|m| *m = !*m);
                    }>
                    "No API access? Manual mode"
                </button>
            </div>
            <LargeRequestNotice generate=true/>
            {crate::ui::erased::dynamic(move || (g.tiny_progress().map(|(_, what, (done, all))| {
                // Every part re-reads the idea: a long one makes each part slow (tryout 11: 25 KB
                // took over 5 minutes a part while this said "a few seconds").
                let idea_tokens = d.draft.with_untracked(|x| estimate_tokens(&x.idea.idea));
                let pace = if idea_tokens > LONG_IDEA_TOKENS {
                    format!("Each part re-reads your idea (about {} tokens), so on this computer a part can take minutes.", grouped(idea_tokens as u64))
                } else {
                    "Each part takes a few seconds on an idle computer, longer while other programs keep it busy.".to_owned()
                };
                view! {
                    <p class="pw-hint" role="status" id="pw-tiny-progress">
                        {format!("The local model is writing {what} (part {} of {all}). {pace}", done + 1)}
                    </p>
                }
            })).into_any())}
            <p class="pw-hint" id="pw-generate-cost">{crate::ui::erased::dynamic(move || meta_label().into_any())}</p>
            {crate::ui::erased::show(move || manual.get(), move || view! {
                <ManualMode/>
            }.into_any())}
        </section>
    }
}

/// Manual mode: the exact request to paste into any chat app, and a box for its reply. It shows
/// the request of the job it was opened for (a new prompt from the idea, or the rewrite or
/// adaptation that failed), and reads the pasted reply the same way; a reply used leaves the
/// box, one that cannot be read stays in it.
#[component]
fn ManualMode() -> impl IntoView {
    let d = DraftHandle::expect();
    let g = Generator::expect();
    let req = crate::state::reactive::memo(move |_| {
        let job = g.manual_job.get();
        d.draft
            .with(|x| job.request(x))
            .map(|r| meta::manual_text(&r))
            .unwrap_or_default()
    });
    let what = move || match g.manual_job.get() {
        Job::Generate => "a new prompt from your idea".to_owned(),
        Job::Rewrite { section, .. } => format!("a new {} section", section.title()),
        Job::Adapt { family } => format!("the prompt adapted for {}", family.label()),
    };
    let reply = g.manual_reply;
    let result = RwSignal::new(None::<Result<Pasted, meta::PasteProblem>>);
    // What the last paste said describes the version it made: once another version is current
    // (a generation, an edit, a restore), the message goes (tryout 4: it stayed and was announced
    // again long after).
    let current = crate::state::reactive::memo(move |_| d.draft.with(|x| x.current));
    let said_for = RwSignal::new(None::<u32>);
    crate::state::reactive::effect(move |_| {
        let now = current.get();
        if said_for.get_untracked().is_some_and(|n| n != now) {
            result.set(None);
            said_for.set(None);
        }
    });
    // Another job (e.g. "Use Manual mode" from a failed rewrite): the reply pasted for the last
    // one and what it said do not belong to it.
    crate::state::reactive::effect(move |before: Option<Job>| {
        let job = g.manual_job.get();
        if before.is_some_and(|b| b != job) {
            reply.set(String::new());
            result.set(None);
        }
        job
    });
    // Generate asks for the idea: with none there is nothing to send yet.
    let no_idea = move || {
        g.manual_job.with(|j| *j == Job::Generate)
            && d.draft.with(|x| x.idea.idea.trim().is_empty())
    };
    view! {
        <div class="pw-manual" role="region" aria-labelledby="pw-manual-title">
            <h3 id="pw-manual-title" tabindex="-1">"Manual mode"</h3>
            <p class="pw-hint">{crate::ui::erased::dynamic(move || (format!("Asks for {}. Paste these two messages into any chat app (ChatGPT, Claude, Gemini…): the first as instructions or the first message, the second after it. Then paste its whole reply below.", what())).into_any())}</p>
            {crate::ui::erased::show(no_idea, move || view! {
                <p class="pw-notice pw-notice--warn" role="status" id="pw-manual-no-idea">"Your idea is empty: write it in the box above first, then copy the message (it carries your idea)."</p>
            }.into_any())}
            <CopyBlock id="pw-manual-system" label="1. Instructions (system message)" text=Signal::derive(move || req.get().0)/>
            // With no idea the message would carry an empty "Task:": nothing is shown to copy.
            <CopyBlock id="pw-manual-user" label="2. Message" text=Signal::derive(move || if no_idea() { String::new() } else { req.get().1 })
                blocked=Signal::derive(no_idea) placeholder="The message appears here once your idea is written above."/>
            <label class="pw-label" for="pw-manual-reply">"3. Paste the reply here"</label>
            <textarea id="pw-manual-reply" class="pw-textarea" rows="6"
                prop:value=move || reply.get() on:input=move |ev| { reply.set(event_target_value(&ev)); result.set(None); }></textarea>
            <button type="button" class="pw-button pw-button--primary"
                on:click=move |_| {
                    let r = g.paste(&reply.get_untracked());
                    said_for.set(r.is_ok().then(|| current.get_untracked()));
                    // A reply used leaves the box: a second press added the same version again
                    // (helper-56). One that could not be read stays, to be fixed.
                    if r.is_ok() {
                        reply.set(String::new());
                    }
                    result.set(Some(r));
                }>
                "Use this reply"
            </button>
            {crate::ui::erased::dynamic(move || (match result.get() {
                Some(Ok(Pasted { gaps, notes, unchanged })) => {
                    let head = match crate::domain::meta::reply::gaps_summary(&gaps) {
                        _ if unchanged.is_some() => format!(
                            "Read the reply: it gives the same prompt as version {}, the current one, so no new version was made.",
                            unchanged.unwrap_or_default()
                        ),
                        None => "Read the reply: your prompt is below.".to_owned(),
                        Some(left) => format!(
                            "Read the reply: your prompt is below. {left}: {} named above the sections, {} a way to fill it.",
                            if gaps.len() == 1 { "it is" } else { "they are" },
                            if gaps.len() == 1 { "with" } else { "each with" },
                        ),
                    };
                    let class = if notes.is_empty() { "pw-notice pw-notice--ok" } else { "pw-notice pw-notice--warn" };
                    view! {
                        <div class=class role="status" id="pw-manual-result">
                            <p>{head}</p>
                            {notes.into_iter().map(|n| view! { <p class="pw-notice__text">{n}</p> }).collect_view()}
                        </div>
                    }.into_any()
                }
                Some(Err(problem)) => view! { <div class="pw-notice pw-notice--error" role="alert" id="pw-manual-problem"><p class="pw-notice__title">{problem.title()}</p><p>{problem.to_string()}</p>{problem.hint().map(|h| view! { <p class="pw-hint">{h}</p> })}</div> }.into_any(),
                None => ().into_any(),
            }).into_any())}
        </div>
    }
}

/// A read-only text with a Copy button.
#[component]
fn CopyBlock(
    /// Element id of the text box.
    id: &'static str,
    /// Label above it.
    label: &'static str,
    /// The text.
    #[prop(into)]
    text: Signal<String>,
    /// When true, Copy is off (the text is not ready to send).
    #[prop(optional, into)]
    blocked: Signal<bool>,
    /// Shown in the box while the text is empty.
    #[prop(optional)]
    placeholder: &'static str,
) -> impl IntoView {
    let copied = RwSignal::new(None::<Result<(), String>>);
    view! {
        <div class="pw-field">
            <label class="pw-label" for=id>{label}</label>
            <textarea id=id class="pw-textarea pw-textarea--mono" rows="5" readonly placeholder=placeholder prop:value=move || text.get()></textarea>
            <button type="button" class="pw-button" aria-label=format!("Copy {label}")
                disabled=move || blocked.get()
                on:click=move |_| {
                    let t = text.get_untracked();
                    leptos::task::spawn_local(async move { copied.try_set(Some(copy_text(&t).await)); });
                }>
                "Copy"
            </button>
            <CopyResult result=copied/>
        </div>
    }
}

#[component]
fn CopyResult(
    /// The outcome of the last copy.
    result: RwSignal<Option<Result<(), String>>>,
) -> impl IntoView {
    crate::ui::erased::dynamic(move || {
        (match result.get() {
            Some(Ok(())) => {
                view! { <span class="pw-hint pw-hint--ok" role="status">"Copied"</span> }.into_any()
            }
            Some(Err(m)) => {
                view! { <span class="pw-hint pw-hint--warn" role="alert">{m}</span> }.into_any()
            }
            None => ().into_any(),
        })
        .into_any()
    })
}

/// Step 2: the five sections, live while streaming, editable afterwards.
#[component]
pub fn PromptCard() -> impl IntoView {
    let d = DraftHandle::expect();
    let g = Generator::expect();
    let settings = SettingsHandle::expect();
    let generating = move || {
        g.call.running.get() && matches!(g.job.get(), Some(Job::Generate) | Some(Job::Adapt { .. }))
    };
    // Memos, not closures of the draft: the sections below are drawn again (each editor made
    // anew) only when these change, not on every change of the draft (each result of a run).
    let has_version =
        crate::state::reactive::memo(move |_| d.draft.with(|x| x.current_version().is_some()));
    let provenance = crate::state::reactive::memo(move |_| d.draft.with(|x| x.provenance()));
    view! {
        <section class="pw-card pw-card--prompt" aria-labelledby="pw-prompt-title" aria-busy=move || g.call.running.get().to_string()>
            <header class="pw-card__header">
                <span class="pw-card__step" aria-hidden="true">"2"</span>
                <h2 id="pw-prompt-title" class="pw-card__title">"System prompt"</h2>
                {crate::ui::erased::dynamic(move || ({
                    let (label, by_model) = if generating() {
                        (format!("Being written by {}", settings.config(Role::Meta).model), true)
                    } else {
                        match provenance.get() {
                            Some(p) => (p.label, p.by_model),
                            None => return ().into_any(),
                        }
                    };
                    let title = if by_model { "Text written by an AI model: check it before you rely on it." } else { "" };
                    view! { <span class="pw-tag pw-provenance" title=title>{label}</span> }.into_any()
                }).into_any())}
            </header>
            {crate::ui::erased::show(move || g.call.note.get().is_some(), move || view! {
                <p class="pw-notice pw-notice--info" role="status">{crate::ui::erased::dynamic(move || (g.call.note.get()).into_any())}</p>
            }.into_any())}
            <div id="pw-gen-error"><GenErrorView/></div>
            {crate::ui::erased::dynamic(move || (g.unchanged().map(|n| view! {
                <p class="pw-notice pw-notice--info" role="status">{format!("The reply gave the same prompt as version {n}, the current one: no new version was made.")}</p>
            })).into_any())}
            {crate::ui::erased::dynamic(move || (g.interrupted.get().map(|note| view! {
                <div class="pw-notice pw-notice--warn" role="status" id="pw-interrupted">
                    <p class="pw-notice__text">{note}</p>
                    <button type="button" class="pw-button pw-button--small" on:click=move |_| g.interrupted.set(None)>"Dismiss"</button>
                </div>
            })).into_any())}
            <LargeRequestNotice generate=false/>
            {crate::ui::erased::dynamic(move || ((!generating()).then(|| d.draft.with(|x| match x.current_version().map(|v| &v.origin) {
                // Helper-58: a stopped adaptation read "the generation stopped… generate again".
                Some(Origin::Partial { adapting: Some(_), .. }) => Some("This version is incomplete: the adaptation stopped before the end. What is missing is named below; adapt again, or fill it in."),
                Some(Origin::Partial { adapting: None, .. }) => Some("This version is incomplete: the generation stopped before the end. What is missing is named below; generate again, or fill it in."),
                _ => None,
            })).flatten().map(|t| view! { <p class="pw-notice pw-notice--warn" role="status">{t}</p> })).into_any())}
            {crate::ui::erased::show(move || !generating(), move || view! {
                <GapsView/>
            }.into_any())}
            {crate::ui::erased::dynamic(move || ({
                if !has_version.get() && !generating() {
                    return view! {
                        <p class="pw-empty">"Your prompt appears here in five parts (who the model should be, background, steps, output format, examples) once it is generated. You can edit every part."</p>
                    }.into_any();
                }
                view! {
                    <div class="pw-sections">
                        {Section::ALL.into_iter().map(|s| view! { <SectionEditor section=s/> }).collect_view()}
                    </div>
                    {crate::ui::erased::show(move || d.draft.with(|x| x.current_spec().is_some_and(|s| !s.notes.is_empty())) && !generating(), move || view! {
                        <details class="pw-details">
                            <summary>"The model's notes (not part of the prompt)"</summary>
                            <p class="pw-output__text">{crate::ui::erased::dynamic(move || (d.draft.with(|x| x.current_spec().map(|s| s.notes.clone()).unwrap_or_default())).into_any())}</p>
                        </details>
                    }.into_any())}
                }.into_any()
            }).into_any())}
        </section>
    }
}

/// A request held back for its size (`Generator::large`): its size, tokens and cost with "Send
/// it" and "Don't send", or why it is not sent at all. `generate`: the notice of Generate (in
/// the idea card), else of the other jobs (rewrite, adapt; in the prompt card).
#[component]
fn LargeRequestNotice(
    /// Whether this notice shows Generate's request (else the other jobs').
    generate: bool,
) -> impl IntoView {
    let off_meta = super::shell::offline_for(&[Role::Meta]);
    let g = Generator::expect();
    let settings = SettingsHandle::expect();
    let id = if generate {
        "pw-large-generate"
    } else {
        "pw-large-job"
    };
    // A rewrite's notice takes the keyboard focus as it appears (tryout 84: the rewrite box
    // closed and the focus went to another section's box, with no word of the notice).
    crate::state::reactive::effect(move |_| {
        let shown = g.large.with(|l| {
            l.as_ref()
                .is_some_and(|(job, _)| (*job == Job::Generate) == generate)
        });
        if shown && !generate {
            set_timeout(move || focus(id), std::time::Duration::ZERO);
        }
    });
    crate::ui::erased::dynamic(move || {
        (|| {
        let (job, check) = g.large.get()?;
        if (job == Job::Generate) != generate {
            return None;
        }
        let what = match &job {
            Job::Generate => "your idea".to_owned(),
            Job::Rewrite { section, .. } => {
                format!("rewriting {} with the whole prompt", section.title())
            }
            Job::Adapt { .. } => "the prompt".to_owned(),
        };
        let mut text = check.describe(&what, &super::settings::role_model(settings, Role::Meta));
        let confirm = matches!(check, SendCheck::Confirm(_));
        // The built-in model costs nothing but time: say how it spends it (tryout 11, M5: the
        // notice said "free" and the idea then took minutes a part).
        if confirm
            && job == Job::Generate
            && settings.roles.with(|r| r.get(Role::Meta).kind.is_tiny())
        {
            text.push_str(" The built-in local model writes the prompt in parts on this computer's CPU, and each part re-reads it: expect minutes a part, not seconds.");
        }
        Some(view! {
            <div class=if confirm { "pw-notice pw-notice--warn pw-large-request" } else { "pw-notice pw-notice--error pw-large-request" }
                role="alert" aria-label="A large request" id=id tabindex="-1">
                <p class="pw-notice__text">{text}</p>
                <div class="pw-row pw-row--wrap">
                    {confirm.then(|| view! {
                        <button type="button" class="pw-button pw-button--primary" disabled=off_meta title=move || off_meta().then_some(OFFLINE_TITLE) on:click=move |_| g.send_large()>"Send it"</button>
                    })}
                    <button type="button" class="pw-button" on:click=move |_| g.large.set(None)>
                        {if confirm { "Don't send" } else { "Close" }}
                    </button>
                </div>
            </div>
        })
    })().into_any()
    })
}

/// Why the last generator job failed, what arrived (folded, as text), and the next useful steps:
/// Retry, "Fix with the model" for an unreadable reply, Manual mode with this job's request,
/// another model in Settings. A second failure in a row says so.
#[component]
fn GenErrorView() -> impl IntoView {
    let off_meta = super::shell::offline_for(&[Role::Meta]);
    let g = Generator::expect();
    let d = DraftHandle::expect();
    let open_settings = use_context::<super::OpenSettings>();
    crate::ui::erased::dynamic(move || {
        ({
        let Some(f) = g.failure() else {
            return ().into_any();
        };
        let again = f.attempt.prefix();
        let same = f.attempt.same_as_before;
        let job = f.job.clone();
        let manual = move |_| {
            g.open_manual(job.clone());
            focus("pw-manual-title");
        };
        let settings = move |_| {
            if let Some(o) = open_settings {
                o.0.set(true);
            }
        };
        let settings_label = match &f.error {
            GenError::Call(e)
                if matches!(
                    e.kind,
                    ErrorKind::BadKey
                        | ErrorKind::NoKeySent
                        | ErrorKind::NoCredit
                        | ErrorKind::QuotaExhausted
                ) =>
            {
                "Check the key in Settings"
            }
            _ => "Pick another model in Settings",
        };
        // The person's own Stop is no failure: said plainly, with no advice to change models
        // (tryout 12, minor 5: it came as a red error offering "Pick another model").
        let stopped = matches!(&f.error, GenError::Call(e) if e.kind == ErrorKind::Aborted);
        let (body, fixable) = match f.error.clone() {
            GenError::Call(e) if stopped => (
                view! {
                    <div class="pw-notice" role="status">
                        <p class="pw-notice__text">{e.message()}</p>
                        <p class="pw-notice__text">"Retry asks again."</p>
                    </div>
                }
                .into_any(),
                false,
            ),
            GenError::Call(e) => (
                {
                // Both causes named when they differ (a failed call before is a call too).
                let note = match (&f.before, same) {
                    (_, true) => format!("{again}the same request failed the same way."),
                    (Some(before), false) => f.attempt.changed_cause(before, &attempt::call_words(&e)),
                    (None, false) => again.clone(),
                };
                view! {
                    {crate::ui::erased::show({ let again = again.clone(); move || !again.is_empty() }, move || view! {
                        <p class="pw-notice pw-notice--error pw-notice__again" role="alert">{note.clone()}</p>
                    }.into_any())}
                    <ErrorNotice error=e/>
                }
                .into_any()
                },
                false,
            ),
            GenError::Reply(cause) => {
                let fixable = !matches!(cause, ReplyCause::Empty | ReplyCause::CutOff);
                // Said once: the sentence naming both causes starts "Attempt N failed for a
                // different reason" (tryout 98: the title said it again under it).
                let head = if f.before.is_some() && !same { String::new() } else { again.clone() };
                let title = match f.job {
                    Job::Rewrite { section, .. } => format!("{head}The rewritten {} could not be read", section.title()),
                    _ => format!("{head}No part of the reply could be used"),
                };
                // Tryout 19 (10): after the same failure again, "unlikely to help" was followed by
                // "Try again" (the empty reply's advice).
                let advice = if same {
                    "Asking this model again is unlikely to help: pick another model in Settings, or use Manual mode with any chat app.".to_owned()
                } else {
                    cause.advice().to_owned()
                };
                // Both causes named when they differ, as for a failed call (tryout 19, 10: the
                // third attempt named only its own).
                let changed = match (&f.before, same) {
                    (Some(before), false) => Some(f.attempt.changed_cause(before, attempt::reply_words(&cause))),
                    _ => None,
                };
                (
                    view! {
                        <div class="pw-notice pw-notice--error" role="alert">
                            {changed.map(|c| view! { <p class="pw-notice__text pw-notice__again">{c}</p> })}
                            <p class="pw-notice__title">{title}</p>
                            <p class="pw-notice__text">{cause.message()}</p>
                            <p class="pw-notice__text">{advice}</p>
                        </div>
                    }
                    .into_any(),
                    fixable,
                )
            }
            GenError::Broken(message) => (
                view! {
                    <div class="pw-notice pw-notice--warn" role="status">
                        <p class="pw-notice__title">{format!("{again}The reply's JSON breaks part-way")}</p>
                        <p class="pw-notice__text">{message}</p>
                        <p class="pw-notice__text">"The parts before the break are kept. Fill in what is missing below (by hand or with the model), or Retry."</p>
                    </div>
                }
                .into_any(),
                false,
            ),
            // The reply was used (read over its mistake): no "failed" before it, and "Everything
            // was read" only when nothing of it is missing or cut off (tryout 111: "Attempt 5
            // failed for a different reason: …", "Everything was read." above "cut off in the
            // middle of Examples").
            GenError::Misread { message, marked } => {
                use crate::domain::meta::reply::Gap;
                let whole = d.open_gaps.with(|g| {
                    !g.iter().any(|g| matches!(g, Gap::NotRead(_) | Gap::NotArrived(_) | Gap::CutOff(_)))
                });
                (
                    view! {
                        <div class="pw-notice pw-notice--warn" role="status">
                            <p class="pw-notice__title">"The reply's JSON has a mistake"</p>
                            <p class="pw-notice__text">{message}</p>
                            <p class="pw-notice__text">{match (whole, marked) {
                                (true, true) => "Everything was read, and the section is marked below. Correct it by hand, rewrite it with the model, or Retry.",
                                (true, false) => "Everything was read. Correct a section by hand or rewrite it with the model if it reads wrong, or Retry.",
                                (false, _) => "The rest was read as far as it came: the reply ends early, and what did not arrive whole is named below. Fill it in by hand or with the model, or Retry.",
                            }}</p>
                        </div>
                    }
                    .into_any(),
                    false,
                )
            }
            // Tryout 112: a provider that did not keep to the cap read "cut off at the model's
            // length limit … pick a model that writes longer replies".
            GenError::CutOff if f.read_no_further => (
                view! {
                    <div class="pw-notice pw-notice--warn" role="status">
                        <p class="pw-notice__title">{format!("{again}The provider wrote past the output cap it was sent")}</p>
                        <p class="pw-notice__text">"It did not keep to the cap, so the page stopped reading the reply at 8 bytes a token of it (2,000 at least) and ended the request: the call may have cost more than the figure shown before it. The parts that arrived complete are kept. Have the model write each missing part alone, below, or use another server or model in Settings."</p>
                    </div>
                }
                .into_any(),
                false,
            ),
            GenError::CutOff => (
                view! {
                    <div class="pw-notice pw-notice--warn" role="status">
                        <p class="pw-notice__title">{format!("{again}The reply was cut off at the model's length limit")}</p>
                        <p class="pw-notice__text">"The parts that arrived complete are kept. Have the model write each missing part alone (a smaller request), below; or pick a model that writes longer replies in Settings."</p>
                    </div>
                }
                .into_any(),
                false,
            ),
        };
        view! {
            <div class="pw-failure" id="pw-gen-failure" tabindex="-1">
                {body}
                <RawReply raw=f.raw.clone()/>
                <div class="pw-row pw-row--wrap">
                    <button type="button" class="pw-button" disabled=move || g.call.running.get() || off_meta() title=move || off_meta().then_some(OFFLINE_TITLE) on:click=move |_| g.retry()>"Retry"</button>
                    <CostNote cost=Signal::derive(move || g.again_request(false).and_then(|r| request_cost(&r)))/>
                    {fixable.then(|| view! {
                        <button type="button" class="pw-button" disabled=move || g.call.running.get() || off_meta() title=move || off_meta().then_some(OFFLINE_TITLE) on:click=move |_| g.repair()>"Fix with the model"</button>
                        <CostNote cost=Signal::derive(move || g.again_request(true).and_then(|r| request_cost(&r)))/>
                    })}
                    <button type="button" class="pw-button" on:click=manual>"Use Manual mode"</button>
                    // Tryout 4: a refused key was offered "Pick another model".
                    {open_settings.filter(|_| !stopped).map(|_| view! {
                        <button type="button" class="pw-button pw-button--ghost" on:click=settings>{settings_label}</button>
                    })}
                </div>
            </div>
        }
        .into_any()
    }).into_any()
    })
}

/// What the prompt still lacks from the reply it came from, each with "Fill in by hand" (focuses
/// that section's editor) and "Write it with the model" (asks for that section alone).
#[component]
fn GapsView() -> impl IntoView {
    let off_meta = super::shell::offline_for(&[Role::Meta]);
    let tiny_meta = {
        let s = SettingsHandle::expect();
        move || s.meta_is_tiny()
    };
    let d = DraftHandle::expect();
    let g = Generator::expect();
    crate::ui::erased::dynamic(move || {
        ({
        let gaps = d.open_gaps.get();
        if gaps.is_empty() {
            return ().into_any();
        }
        // Named for what the list holds (tryout 47: "Still missing" over sections not read).
        let title = crate::domain::meta::reply::gaps_title(&gaps);
        view! {
            <div class="pw-notice pw-notice--warn pw-gaps" role="region" aria-label="What is still missing">
                <p class="pw-notice__title">{title}</p>
                <ul class="pw-gaps__list">
                    {gaps.into_iter().map(|gap| {
                        let section = gap.section();
                        let message = gap.message();
                        let instruction = gap.instruction();
                        view! {
                            <li class="pw-gaps__item">
                                <span class="pw-gaps__text">{message.clone()}</span>
                                <span class="pw-row pw-row--wrap">
                                    <button type="button" class="pw-button pw-button--small"
                                        aria-label=format!("Fill in by hand: {message}")
                                        on:click={
                                            let gap = gap.clone();
                                            move |_| {
                                                let id = format!("pw-section-{}", section.as_str());
                                                focus(&id);
                                                // At the example the gap is about (helper 50).
                                                let text = d.draft.with_untracked(|x| x.current_spec().map(|s| s.section_text(section)).unwrap_or_default());
                                                if let Some(at) = gap.caret_in(&text) {
                                                    caret_at(&id, at);
                                                }
                                            }
                                        }>
                                        "Fill in by hand"
                                    </button>
                                    <button type="button" class="pw-button pw-button--small"
                                        aria-label=format!("Write it with the model: {message}")
                                        title=move || if off_meta() { Some(OFFLINE_TITLE) } else { tiny_meta().then_some(TINY_CANNOT) }
                                        aria-describedby=move || tiny_meta().then_some("pw-gaps-tiny")
                                        disabled=move || g.call.running.get() || tiny_meta() || off_meta()
                                        on:click={
                                            let instruction = instruction.clone();
                                            move |_| g.rewrite(section, instruction.clone())
                                        }>
                                        "Write it with the model"
                                    </button>
                                    <CostNote cost=Signal::derive(move || job_cost(d, &Job::Rewrite { section, instruction: instruction.clone() }))/>
                                </span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                // Why "Write it with the model" is off, said where it is seen (tryout 117: only
                // a tooltip said it, and Improve far below).
                {crate::ui::erased::show(tiny_meta, move || view! {
                    <p class="pw-hint" id="pw-gaps-tiny">{TINY_CANNOT}</p>
                }.into_any())}
            </div>
        }
        .into_any()
    }).into_any()
    })
}

/// Puts the caret of the text area `id` at `at` (UTF-16 code units).
/// What one call to the meta model chosen now may cost, for the figure beside a button that
/// makes it: `bound` is its request's (input, output) tokens at most
/// ([`request_bound`](crate::domain::estimate::request_bound)).
pub(super) fn meta_cost(bound: Option<(u64, u64)>) -> Option<String> {
    let cfg = SettingsHandle::expect().config(Role::Meta);
    bound.map(|b| crate::domain::estimate::calls_at_most(&[(&cfg, b)]))
}

/// What a rewrite or an adaptation (`job`) of the current prompt may cost ([`request_cost`]).
pub(super) fn job_cost(d: DraftHandle, job: &Job) -> Option<String> {
    let req = d.with_current_spec(|spec| job.request_on(spec)).flatten()?;
    request_cost(&req)
}

/// What the meta model's request `req` may cost ([`meta_cost`] of its bound), or, when it is
/// too large to be sent at all ([`send_check`](crate::domain::estimate::send_check)), that it
/// will not go: "not sent: about 7,864,807 tokens, over the 100,000-token limit" (tryout 106:
/// "at most $4.73" beside a Retry the page would refuse to send).
pub(super) fn request_cost(req: &crate::domain::provider::ChatRequest) -> Option<String> {
    use crate::domain::estimate::{SendCheck, send_check};
    let cfg = SettingsHandle::expect().config(Role::Meta);
    if let SendCheck::TooLarge(size) = send_check(req, &cfg) {
        return Some(too_large_words(size.tokens));
    }
    meta_cost(Some(crate::domain::estimate::request_bound(req)))
}

/// "not sent: about 7,864,807 tokens, over the 100,000-token limit".
fn too_large_words(tokens: u32) -> String {
    format!(
        "not sent: about {} tokens, over the {}-token limit",
        crate::domain::figures::grouped(u64::from(tokens)),
        crate::domain::figures::grouped(u64::from(crate::domain::estimate::MAX_INPUT_TOKENS))
    )
}

fn caret_at(id: &str, at: u32) {
    use wasm_bindgen::JsCast;
    if let Some(area) = document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
    {
        let _ = area.set_selection_range(at, at);
    }
}

/// Scrolls to an element and focuses it.
fn focus(id: &str) {
    use wasm_bindgen::JsCast;
    if let Some(el) = document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        el.scroll_into_view();
        let _ = el.focus();
    }
}

/// One section: live text while generating, an editor afterwards, and "Rewrite…".
#[component]
fn SectionEditor(
    /// Which section.
    section: Section,
) -> impl IntoView {
    let off_meta = super::shell::offline_for(&[Role::Meta]);
    let tiny_meta = {
        let s = SettingsHandle::expect();
        move || s.meta_is_tiny()
    };
    let d = DraftHandle::expect();
    let g = Generator::expect();
    let streaming = move || {
        g.call.running.get() && matches!(g.job.get(), Some(Job::Generate) | Some(Job::Adapt { .. }))
    };
    let rewriting = move || {
        g.call.running.get()
            && matches!(g.job.get(), Some(Job::Rewrite { section: s, .. }) if s == section)
    };
    // The saved text as a memo: the editor's value is set again only when it changes, not on
    // every change of the draft (each result of a run set it back, losing what was typed in
    // the last moment before it was saved).
    let saved = crate::state::reactive::memo(move |_| {
        d.draft.with(|x| {
            x.current_spec()
                .map(|s| s.section_text(section))
                .unwrap_or_default()
        })
    });
    // Characters that show as nothing or turn the text around (U+202E…), named under the box
    // (tryout 83: a model's Persona read "ereh edirrevo LTR" with no word of why).
    let hidden = crate::state::reactive::memo(move |_| {
        saved.with(|t| crate::domain::figures::hidden_marks(t))
    });
    let editor = NodeRef::<leptos::html::Textarea>::new();
    // How the Examples box's text is read where it is not written in the editor's shape (a
    // block without `Input:` is kept as an input with no answer, not dropped: tryout 117), from
    // the saved text and then from each keystroke.
    let reading = RwSignal::new(Vec::<String>::new());
    if section == Section::Examples {
        crate::state::reactive::effect(move |_| {
            reading.set(saved.with(|t| crate::domain::spec::examples_reading(t)));
        });
    }
    let text = move || {
        if streaming() {
            g.live_spec().section_text(section)
        } else {
            let saved = saved.get();
            // A pause saves the typed text trimmed (and steps numbered): a box being typed in
            // whose text reads as the saved text keeps it, so a space or a new line typed just
            // before the pause is not taken away from under the caret. Only while it has the
            // focus (tryout 117: a redraw of the page set the Examples box to "undefined" after a
            // Stop, and that text, read as no example, was kept as if typed).
            let focused = |el: &web_sys::HtmlTextAreaElement| {
                document().active_element().is_some_and(|a| a == ***el)
            };
            match editor
                .get_untracked()
                .filter(|el| focused(el))
                .map(|el| el.value())
            {
                Some(typed)
                    if typed != saved
                        && crate::domain::spec::PromptSpec::normalized_section_text(
                            section, &typed,
                        ) == saved =>
                {
                    typed
                }
                _ => saved,
            }
        }
    };
    let live_has = move || g.live_spec().has(section);
    // The draft check's doubts about this section while it is the model's text (a check of
    // words: "check it", with the reason under the text).
    // The idea, the current prompt and the versions there are decide the doubts (the reply a
    // version came from never changes), so a run's results arriving do not check the words again.
    let basis = crate::state::reactive::memo(move |_| {
        d.draft.with(|x| {
            (
                x.idea.idea.clone(),
                x.current_spec().cloned(),
                x.versions.len(),
                // (With its time of creation: another draft's version of the same number.)
                x.versions.last().map(|v| (v.number, v.created_ms)),
            )
        })
    });
    let doubts = crate::state::reactive::memo(move |_| {
        // Read, not only tracked: a memo that is only tracked is never worked out, so it never
        // changed and the doubts stayed after an edit (hidden while every change of the draft
        // drew the sections anew).
        basis.with(|_| ());
        d.draft.with_untracked(|x| {
            x.doubtful_sections()
                .into_iter()
                .filter(|(s, _)| *s == section)
                .map(|(_, why)| why)
                .collect::<Vec<_>>()
        })
    });
    let status = move || {
        if streaming() {
            let spec = g.live_spec();
            // The tiny model writes part by part, so the section it is on is known; otherwise
            // the last section the stream has reached.
            let writing = g
                .tiny_progress()
                .map(|(s, _, _)| s)
                .or_else(|| Section::ALL.iter().rev().find(|s| spec.has(**s)).copied());
            if writing == Some(section) {
                "writing…"
            } else if live_has() {
                "done"
            } else {
                "waiting"
            }
        } else if rewriting() {
            "rewriting…"
        } else if d
            .open_gaps
            .with(|g| g.contains(&crate::domain::meta::reply::Gap::NotRead(section)))
        {
            // Tryout 47: a section after a break read "missing" though it may be in the reply.
            "not read"
        } else if d
            .open_gaps
            .with(|g| g.contains(&crate::domain::meta::reply::Gap::NotArrived(section)))
        {
            "did not arrive"
        } else if d
            .draft
            .with(|x| x.current_spec().is_some_and(|s| !s.has(section)))
        {
            "missing"
        } else if d
            .open_gaps
            .with(|g| g.contains(&crate::domain::meta::reply::Gap::CutOff(section)))
        {
            "cut off"
        } else if d
            .open_gaps
            .with(|g| g.contains(&crate::domain::meta::reply::Gap::Broken(section)))
        {
            "check it"
        } else if doubts.with(|w| !w.is_empty()) {
            "check it"
        } else {
            ""
        }
    };
    let open_rewrite = RwSignal::new(false);
    let instruction = RwSignal::new(String::new());
    // A rewrite instruction belongs to the draft it was typed in.
    super::on_draft_switch(move || {
        open_rewrite.set(false);
        instruction.set(String::new());
    });
    // A rewrite of this section a reload cut off: its instruction, back in the open box.
    crate::state::reactive::effect(move |_| {
        if let Some((s, text)) = g.rewrite_back.get()
            && s == section
        {
            instruction.set(text);
            open_rewrite.set(true);
            g.rewrite_back.set(None);
        }
    });
    // The latest keystroke's number (a pause after it saves the text).
    let typed_seq = StoredValue::new(0u64);
    let id = format!("pw-section-{}", section.as_str());
    let id2 = id.clone();
    let rewrite_id = format!("pw-rewrite-{}", section.as_str());
    let rewrite_id2 = rewrite_id.clone();
    // The box closes as the rewrite goes out: the focus goes to the section's text, where the
    // rewrite arrives, unless a large-request notice took it (tryout 83: it was left on the
    // page, and the next Tab landed in the section after).
    let text_id = StoredValue::new(id.clone());
    let rewrite_open_id = format!("pw-rewrite-open-{}", section.as_str());
    let unwritten = move || instruction.with(|i| i.trim().is_empty());
    let send_rewrite = move || {
        open_rewrite.set(false);
        g.rewrite(section, instruction.get_untracked());
        request_animation_frame(move || {
            if g.large.with_untracked(Option::is_none) {
                text_id.with_value(|id| focus(id));
            }
        });
    };
    view! {
        <div class=move || format!("pw-section pw-section--{}", if status().is_empty() { "idle".to_owned() } else { status().trim_end_matches('…').replace(' ', "-") })>
            <div class="pw-section__head">
                <label class="pw-section__title" for=id.clone()>{section.title()}</label>
                <span class="pw-section__hint">{section.hint()}</span>
                <span class="pw-section__status" aria-live="polite">{crate::ui::erased::dynamic(move || status().into_any())}</span>
            </div>
            <textarea
                id=id2
                node_ref=editor
                class="pw-textarea pw-section__text"
                rows=move || if section == Section::Examples { "8" } else { "4" }
                readonly=move || streaming() || rewriting()
                prop:value=text
                on:input=move |ev| {
                    // Saved while typing, after a short pause (a reload or a closed tab keeps it);
                    // one typing session is one version.
                    let text = event_target_value(&ev);
                    if section == Section::Examples {
                        reading.set(crate::domain::spec::examples_reading(&text));
                    }
                    // Held until the pause ends, a press that reads the prompt or the page going
                    // away puts it in (`DraftHandle::flush_typing`), whichever comes first.
                    d.typed(section, text);
                    let n = typed_seq.get_value() + 1;
                    typed_seq.set_value(n);
                    set_timeout(
                        move || {
                            // The editor may be drawn anew by then (a new version): a newer
                            // keystroke in it saves on its own. An editor taken away (a shared
                            // link opened over the draft) puts what is still waiting in
                            // (tryout 81: it was lost). Text put in already (a press that
                            // reads the prompt flushed it) is not put in again over what came
                            // since (tryout 94: it rewrote a generation's Context).
                            if typed_seq.try_get_value().is_none_or(|latest| latest == n) {
                                d.flush_typing();
                            }
                        },
                        std::time::Duration::from_millis(DraftHandle::KEYSTROKE_WAIT_MS),
                    );
                }
                on:change=move |ev| {
                    let text = event_target_value(&ev);
                    // Left because it is being taken away (the page tears the editor down, and
                    // the browser says it changed): the text goes in once the page is drawn
                    // anew, not in the middle of it (tryout 81: a change of the draft then
                    // reached views already gone, and the page crashed).
                    let leaving = editor
                        .try_get_untracked()
                        .flatten()
                        .is_none_or(|e| !e.is_connected());
                    if typed_seq.try_update_value(|n| *n += 1).is_none() || leaving {
                        d.typed(section, text);
                        set_timeout(move || d.flush_typing(), std::time::Duration::ZERO);
                        return;
                    }
                    d.type_section(section, &text, true);
                }
            ></textarea>
            {crate::ui::erased::show(move || !streaming() && reading.with(|r| !r.is_empty()), move || view! {
                <p class="pw-hint pw-hint--warn" id="pw-examples-reading">{crate::ui::erased::dynamic(move || reading.get().join(" ").into_any())}</p>
            }.into_any())}
            {crate::ui::erased::dynamic(move || (hidden.get().filter(|_| !streaming()).map(|note| view! {
                <p class="pw-hint pw-hint--warn">{note}</p>
            })).into_any())}
            {crate::ui::erased::show(move || !streaming() && doubts.with(|w| !w.is_empty()), move || view! {
                <p class="pw-hint pw-hint--warn pw-section__doubt">{crate::ui::erased::dynamic(move || (format!(
                    "{} This checks words only: if the text is not about your task, edit it.",
                    doubts.get().join(" ")
                )).into_any())}</p>
            }.into_any())}
            <div class="pw-row pw-row--wrap">
                <button type="button" class="pw-button pw-button--small" id=rewrite_open_id.clone() aria-expanded=move || open_rewrite.get().to_string()
                    disabled=move || g.call.running.get() || d.draft.with(|x| x.current_version().is_none()) || tiny_meta()
                    title=move || tiny_meta().then_some(TINY_CANNOT)
                    aria-label=format!("Rewrite {} with the model", section.title())
                    on:click={
                        let rewrite_id = rewrite_id.clone();
                        move |_| {
                            open_rewrite.update(|o| *o = !*o);
                            // Opened: the focus goes to the box for the instruction once it
                            // is drawn, a task later (tryout 102: it stayed on the button, a
                            // Tab away).
                            if open_rewrite.get_untracked() {
                                let id = rewrite_id.clone();
                                set_timeout(move || {
                                    use wasm_bindgen::JsCast;
                                    if let Some(input) = document().get_element_by_id(&id) {
                                        let _ = input.unchecked_into::<web_sys::HtmlElement>().focus();
                                    }
                                }, std::time::Duration::ZERO);
                            }
                        }
                    }>
                    "Rewrite…"
                </button>
            </div>
            {crate::ui::erased::show(move || open_rewrite.get(), move || view! {
                <div class="pw-row pw-row--wrap pw-rewrite">
                    <label class="pw-label pw-sr-only" for=rewrite_id.clone()>{format!("How should {} change?", section.title())}</label>
                    <input id=rewrite_id2.clone() class="pw-input" placeholder="e.g. more concise"
                        prop:value=move || instruction.get() on:input=move |ev| instruction.set(event_target_value(&ev))
                        // Enter sends it, as the button does (tryout 83: it did nothing), once
                        // something is written (tryout 103: Enter on the empty box, a second
                        // press after Rewrite…, paid for a rewrite by an instruction never
                        // shown). Escape closes the box, the focus back on Rewrite….
                        on:keydown={
                            let open_id = rewrite_open_id.clone();
                            move |ev| {
                                if ev.key() == "Enter" && !ev.is_composing() && !g.call.running.get_untracked() && !off_meta() && !unwritten() {
                                    ev.prevent_default();
                                    send_rewrite();
                                }
                                if ev.key() == "Escape" && !ev.is_composing() {
                                    ev.prevent_default();
                                    open_rewrite.set(false);
                                    focus(&open_id);
                                }
                            }
                        }/>
                    <button type="button" class="pw-button pw-button--primary" disabled=move || g.call.running.get() || off_meta() || unwritten()
                        title=move || if off_meta() { Some(OFFLINE_TITLE) } else { unwritten().then_some("Write how it should change first.") }
                        on:click=move |_| send_rewrite()>
                        {format!("Rewrite {}", section.title())}
                    </button>
                    <CostNote cost=Signal::derive(move || job_cost(d, &Job::Rewrite { section, instruction: instruction.get() }))/>
                </div>
            }.into_any())}
        </div>
    }
}

/// The final prompt: layout switch, size and cost, copy, downloads, code, adapt.
#[component]
pub fn FinalCard() -> impl IntoView {
    let off_meta = super::shell::offline_for(&[Role::Meta]);
    let d = DraftHandle::expect();
    let g = Generator::expect();
    let settings = SettingsHandle::expect();
    // The prompt as sent, from the draft's shared signal (results arriving do not reach it).
    let rendered =
        crate::state::reactive::memo(move |_| d.suite_and_prompt.with(|(_, p)| p.clone()));
    let marks = crate::state::reactive::memo(move |_| {
        rendered.with(|t| crate::domain::figures::hidden_marks(t))
    });
    // The prompt the code carries: the person's keys taken out, as in an export (tryout 115: a
    // key pasted into the Persona was written into the code under "The key is read from the
    // API_KEY environment variable"), and how many times one was there.
    let in_code = crate::state::reactive::memo(move |_| {
        let keys = settings.keys_to_withhold();
        let keys: Vec<&str> = keys.iter().map(|k| k.expose()).collect();
        rendered.with(|t| crate::domain::secrets::redact(t, &keys))
    });
    let tokens = move || estimate_tokens(&rendered.get());
    let cost = move || {
        let cfg = settings.config(Role::Execution);
        // One call: the prompt plus a short message in, a few hundred tokens out.
        format_cost(call_cost(&cfg, tokens() + 200, 400))
    };
    let copied = RwSignal::new(None::<Result<(), String>>);
    let dl_error = RwSignal::new(None::<String>);
    let lang = RwSignal::new(Lang::Curl);
    let code_copied = RwSignal::new(None::<Result<(), String>>);
    let code_unset = {
        let unset = super::shell::role_unset(Role::Execution);
        crate::state::reactive::memo(move |_| unset())
    };
    let family = RwSignal::new(ModelFamily::Claude);
    let copy = move || {
        let t = rendered.get_untracked();
        leptos::task::spawn_local(async move {
            copied.try_set(Some(copy_text(&t).await));
        });
    };
    // What the download says when it took one of the person's keys out (tryout 112: a key typed
    // into the idea named the .md, .txt and .json files and stood in the .json's name and idea).
    let dl_note = RwSignal::new(None::<String>);
    let save = move |ext: &'static str| {
        let keys = leptos::prelude::untrack(|| settings.keys_to_withhold());
        let secrets: Vec<&str> = keys.iter().map(|k| k.expose()).collect();
        let (name, body, mime) = d.draft.with_untracked(|x| {
            let stem = file_stem(&crate::domain::secrets::redact(&x.name, &secrets).0);
            match ext {
                "json" => (
                    format!("{stem}.json"),
                    serde_json::to_string_pretty(&serde_json::json!({"name": x.name, "idea": x.idea, "prompt": x.current_spec()})).unwrap_or_default(),
                    "application/json",
                ),
                "md" => (format!("{stem}.md"), x.current_spec().map(|s| s.render(RenderStyle::Markdown)).unwrap_or_default(), "text/markdown"),
                _ => (format!("{stem}.txt"), x.rendered(), "text/plain"),
            }
        });
        let (body, n) = crate::domain::secrets::redact(&body, &secrets);
        let done = download(&name, mime, &body);
        dl_note.set(
            done.is_ok()
                .then(|| super::drafts::withheld_note(n, "file").trim().to_owned())
                .filter(|t| !t.is_empty()),
        );
        dl_error.set(done.err());
    };
    view! {
        {crate::ui::erased::show(move || d.draft.with(|x| x.current_version().is_some()), move || view! {
            <section class="pw-card pw-card--final" aria-labelledby="pw-final-title">
                <header class="pw-card__header">
                    <span class="pw-card__step" aria-hidden="true">"5"</span>
                    <h2 id="pw-final-title" class="pw-card__title">"Final prompt"</h2>
                </header>
                // Tryout 4: after a cut-off generation the unfinished version is the one copied and
                // shared; say so here, and offer the latest finished version.
                {crate::ui::erased::dynamic(move || (d.draft.with(|x| {
                    let partial = matches!(x.current_version().map(|v| &v.origin), Some(Origin::Partial { .. }));
                    partial.then(|| x.versions.iter().rev().find(|v| v.number != x.current && !matches!(v.origin, Origin::Partial { .. })).map(|v| v.number))
                }).map(|earlier| view! {
                    <div class="pw-notice pw-notice--warn pw-final-incomplete" role="status">
                        <p class="pw-notice__text">"This version is incomplete (its generation stopped before the end): what you copy, download or share below is unfinished."</p>
                        {earlier.map(|n| view! {
                            <button type="button" class="pw-button pw-button--small" on:click=move |_| { d.update(|x| { x.restore(n); }); }>{format!("Make version {n} current")}</button>
                        })}
                    </div>
                })).into_any())}
                <div class="pw-row pw-row--wrap">
                    <fieldset class="pw-segmented">
                        <legend class="pw-sr-only">"Layout"</legend>
                        <label class="pw-segmented__item">
                            <input type="radio" name="pw-style" prop:checked=move || d.draft.with(|x| x.style == RenderStyle::Markdown)
                                on:change=move |_| d.update(|x| x.style = RenderStyle::Markdown)/>
                            <span>"Markdown headings"</span>
                        </label>
                        <label class="pw-segmented__item">
                            <input type="radio" name="pw-style" prop:checked=move || d.draft.with(|x| x.style == RenderStyle::Xml)
                                on:change=move |_| d.update(|x| x.style = RenderStyle::Xml)/>
                            <span>"XML tags"</span>
                        </label>
                    </fieldset>
                    <span class="pw-meter" title="Tokens are the pieces of text models count and bill by; about 4 characters each.">
                        {crate::ui::erased::dynamic(move || (format!("About {} · {} per call with {} (with a 200-token message and a 400-token answer)", count(tokens(), "token", "tokens"), cost(), super::settings::role_model(settings, Role::Execution))).into_any())}
                    </span>
                </div>
                <p class="pw-hint">"A token is a piece of a word (about 4 characters): models count and bill by tokens."</p>
                <label class="pw-label pw-sr-only" for="pw-final-text">"The final system prompt"</label>
                <textarea id="pw-final-text" class="pw-textarea pw-textarea--mono pw-final" rows="14" readonly prop:value=move || rendered.get()
                    aria-describedby=move || marks.with(Option::is_some).then_some("pw-final-marks")></textarea>
                // Tryout 84: U+202E in a section was copied with no word here.
                {crate::ui::erased::dynamic(move || (marks.get().map(|t| view! {
                    <p id="pw-final-marks" class="pw-hint pw-hint--warn">{format!("{t} Copy, the downloads and the code below carry them as they are.")}</p>
                })).into_any())}
                <div class="pw-row pw-row--wrap pw-actions">
                    <button type="button" class="pw-button pw-button--primary" on:click=move |_| copy()
                        aria-describedby=move || marks.with(Option::is_some).then_some("pw-final-marks")>
                        "Copy prompt"
                    </button>
                    <CopyResult result=copied/>
                    <button type="button" class="pw-button" on:click=move |_| save("md")>"Download .md"</button>
                    <button type="button" class="pw-button" on:click=move |_| save("txt")>"Download .txt"</button>
                    <button type="button" class="pw-button" on:click=move |_| save("json")>"Download .json"</button>
                </div>
                {crate::ui::erased::dynamic(move || (dl_error.get().map(|m| view! { <p class="pw-hint pw-hint--warn" role="alert">{m}</p> })).into_any())}
                {crate::ui::erased::dynamic(move || (dl_note.get().map(|m| view! { <p class="pw-hint" role="status">{m}</p> })).into_any())}
                <details class="pw-details">
                    <summary>"Use it in code"</summary>
                    <div class="pw-tabs" role="tablist" aria-label="Language">
                        {Lang::ALL.into_iter().map(|l| view! {
                            <button type="button" role="tab" class="pw-tab" aria-selected=move || (lang.get() == l).to_string()
                                on:click=move |_| { lang.set(l); code_copied.set(None); }>{l.label()}</button>
                        }).collect_view()}
                    </div>
                    <p class="pw-hint">{crate::ui::erased::dynamic(move || ({
                        let c = settings.config(Role::Execution);
                        // No empty parentheses without a model name (the review of tryout 94).
                        let model = if c.model.trim().is_empty() { String::new() } else { format!(" ({})", c.model) };
                        format!("Calls {} with the model of \u{201c}Running tests\u{201d}{model}. The key is read from the {} environment variable.", c.kind.label(), snippet::key_var(c.kind))
                    }).into_any())}</p>
                    {crate::ui::erased::dynamic(move || (in_code.with(|(_, n)| *n > 0).then(|| view! {
                        <p class="pw-hint pw-hint--warn" id="pw-code-key">{format!(
                            "Your API key is in the prompt ({}): the code has \u{201c}{}\u{201d} in its place.",
                            crate::domain::figures::count(in_code.with(|(_, n)| *n), "time", "times"),
                            crate::domain::secrets::REDACTED
                        )}</p>
                    })).into_any())}
                    // Code for a job with no address or model name would not run (tryout 94:
                    // `curl '/chat/completions'`): what is missing is said instead.
                    {crate::ui::erased::dynamic(move || (match code_unset.get() {
                        Some(note) => view! { <p class="pw-hint pw-hint--warn" id="pw-code-unset">{note}</p> }.into_any(),
                        None => view! {
                        <pre class="pw-code" tabindex="0" aria-label="Code snippet">{crate::ui::erased::dynamic(move || (snippet::snippet(lang.get(), &settings.config(Role::Execution), &in_code.with(|(t, _)| t.clone()))).into_any())}</pre>
                        // The code as shown, in one press (tryout 93: only the prompt had a Copy,
                        // and the code had to be selected by hand).
                        <div class="pw-row">
                            <button type="button" class="pw-button pw-button--small"
                                on:click=move |_| {
                                    let code = snippet::snippet(lang.get_untracked(), &untrack(|| settings.config(Role::Execution)), &in_code.with_untracked(|(t, _)| t.clone()));
                                    leptos::task::spawn_local(async move { code_copied.try_set(Some(copy_text(&code).await)); });
                                }>
                                {move || format!("Copy the {} code", lang.get().label())}
                            </button>
                            <CopyResult result=code_copied/>
                        </div>
                        }.into_any(),
                    }).into_any())}
                </details>
                <super::drafts::SharePanel/>
                <div class="pw-row pw-row--wrap pw-adapt">
                    <label class="pw-label" for="pw-adapt-family">"Adapt for another model"</label>
                    <select id="pw-adapt-family" class="pw-select pw-select--auto"
                        on:change=move |ev| family.set(ModelFamily::parse(&event_target_value(&ev)))>
                        {ModelFamily::ALL.into_iter().filter(|f| *f != ModelFamily::Any).map(|f| view! {
                            <option value=f.as_str() selected=move || family.get() == f>{f.label()}</option>
                        }).collect_view()}
                    </select>
                    <button type="button" class="pw-button" disabled=move || g.call.running.get() || settings.meta_is_tiny() || off_meta()
                        title=move || off_meta().then_some(OFFLINE_TITLE)
                        on:click=move |_| g.adapt(family.get_untracked())>
                        "Adapt"
                    </button>
                    <CostNote cost=Signal::derive(move || job_cost(d, &Job::Adapt { family: family.get() }))/>
                </div>
                {crate::ui::erased::show(move || settings.meta_is_tiny(), move || view! {
                    <p class="pw-hint">{TINY_CANNOT}</p>
                }.into_any())}
                // An adaptation that failed is said here too, where it was asked (tryout 83: its
                // notice showed two screens up, under the prompt's heading, with nothing here).
                {crate::ui::erased::show(move || g.failure().is_some_and(|f| matches!(f.job, Job::Adapt { .. })), move || view! {
                    <div class="pw-row pw-row--wrap" role="status">
                        <p class="pw-hint pw-hint--bad">"The adaptation did not give a prompt: what went wrong, with Retry, is under the prompt's heading above."</p>
                        <button type="button" class="pw-button pw-button--small" on:click=move |_| focus("pw-gen-failure")>"Show what went wrong"</button>
                    </div>
                }.into_any())}
            </section>
        }.into_any())}
    }
}

/// Every version, and the difference between any two.
#[component]
pub fn VersionsCard() -> impl IntoView {
    let d = DraftHandle::expect();
    let from = RwSignal::new(0u32);
    let to = RwSignal::new(0u32);
    // Default comparison: the current version against its parent, set again when the versions
    // change (not when results arrive: the pair the person chose stays).
    crate::state::reactive::effect(move |_| {
        let (cur, parent) = d.versions.with(|(versions, current)| {
            (
                *current,
                find_version(versions, *current)
                    .and_then(|v| v.parent)
                    .unwrap_or(0),
            )
        });
        to.set(cur);
        from.set(parent);
    });
    // A version with no time (0: a share link without the history carries none) says so
    // (tryout 88: "12:00:00 AM", the epoch, for one written at 5:03 AM).
    let fmt_time = |ms: f64| {
        if ms <= 0.0 {
            return "time not known".to_owned();
        }
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
        String::from(date.to_locale_time_string("default"))
    };
    view! {
        {crate::ui::erased::show(move || d.versions.with(|(v, _)| !v.is_empty()), move || view! {
            <section class="pw-card pw-card--versions" aria-labelledby="pw-versions-title">
                <header class="pw-card__header">
                    <span class="pw-card__step" aria-hidden="true">"⟲"</span>
                    <h2 id="pw-versions-title" class="pw-card__title">"Versions"</h2>
                </header>
                <ol class="pw-versions" reversed>
                    {crate::ui::erased::dynamic(move || (d.versions.with(|(versions, now)| versions.iter().rev().map(|v| {
                        let n = v.number;
                        let current = n == *now;
                        view! {
                            <li class="pw-versions__item" class:pw-versions__item--current=current>
                                <span class="pw-versions__num">{format!("v{n}")}</span>
                                // Made from another version than the one listed below it (a
                                // version made current again, then edited): said, so its diff
                                // base is known (tryout 100: "v22 Persona edited by hand" after v21
                                // read as v21 with every section changed).
                                <span class="pw-versions__what">{match v.parent {
                                    Some(p) if p + 1 != n && p != 0 => format!("{} (from v{p})", v.origin.describe()),
                                    _ => v.origin.describe(),
                                }}</span>
                                <span class="pw-versions__when">{fmt_time(v.created_ms)}</span>
                                {if current {
                                    view! { <span class="pw-tag">"current"</span> }.into_any()
                                } else {
                                    view! { <button type="button" class="pw-button pw-button--small" aria-label=format!("Make version {n} current")
                                        on:click=move |_| { d.update(|x| { x.restore(n); }); }>"Make current"</button> }.into_any()
                                }}
                            </li>
                        }
                    }).collect_view())).into_any())}
                </ol>
                <div class="pw-row pw-row--wrap">
                    <label class="pw-label" for="pw-diff-from">"Compare"</label>
                    <select id="pw-diff-from" class="pw-select pw-select--auto" on:change=move |ev| from.set(event_target_value(&ev).parse().unwrap_or(0))>
                        <option value="0" selected=move || from.get() == 0>"(nothing)"</option>
                        {crate::ui::erased::dynamic(move || (d.versions.with(|(versions, _)| versions.iter().map(|v| { let n = v.number; view! {
                            <option value=n.to_string() selected=move || from.get() == n>{format!("v{n}")}</option>
                        }}).collect_view())).into_any())}
                    </select>
                    <label class="pw-label" for="pw-diff-to">"with"</label>
                    <select id="pw-diff-to" class="pw-select pw-select--auto" on:change=move |ev| to.set(event_target_value(&ev).parse().unwrap_or(0))>
                        {crate::ui::erased::dynamic(move || (d.versions.with(|(versions, _)| versions.iter().map(|v| { let n = v.number; view! {
                            <option value=n.to_string() selected=move || to.get() == n>{format!("v{n}")}</option>
                        }}).collect_view())).into_any())}
                    </select>
                </div>
                <DiffView from=from to=to/>
            </section>
        }.into_any())}
    }
}

/// The word-level difference between two versions, section by section.
#[component]
fn DiffView(
    /// Older version number (0: compare with nothing).
    from: RwSignal<u32>,
    /// Newer version number.
    to: RwSignal<u32>,
) -> impl IntoView {
    let d = DraftHandle::expect();
    crate::ui::erased::dynamic(move || {
        ({
            let (old, new) = d.versions.with(|(versions, _)| {
                let spec = |n: u32| find_version(versions, n).map(|v| v.spec.clone());
                (spec(from.get()).unwrap_or_default(), spec(to.get()))
            });
            let Some(new) = new else { return ().into_any() };
            view! { <SpecDiff old=old new=new/> }.into_any()
        })
        .into_any()
    })
}

/// Word-level differences between two prompts, section by section, with removed constraints
/// flagged first.
#[component]
pub fn SpecDiff(
    /// The older prompt.
    old: crate::domain::spec::PromptSpec,
    /// The newer prompt.
    new: crate::domain::spec::PromptSpec,
) -> impl IntoView {
    {
        let removed = diff::removed_constraints(&old, &new);
        let dropped = diff::removed_placeholders(&old, &new);
        let sections = diff::diff_specs(&old, &new);
        let changed: Vec<_> = sections.into_iter().filter(|s| s.changed()).collect();
        view! {
            <div class="pw-diff" aria-label="Differences">
                {(!dropped.is_empty()).then(|| view! {
                    <div class="pw-notice pw-notice--warn pw-removed-vars" role="alert">
                        <p class="pw-notice__title">"Removed placeholders: the test cases' values for these no longer fill the prompt"</p>
                        <ul>{dropped.into_iter().map(|name| view! { <li>{format!("{{{{{name}}}}}")}</li> }).collect_view()}</ul>
                    </div>
                })}
                {(!removed.is_empty()).then(|| view! {
                    <div class="pw-notice pw-notice--warn pw-removed" role="alert">
                        <p class="pw-notice__title">"Removed rules and steps: check these were meant to go"</p>
                        <ul>{removed.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
                    </div>
                })}
                {if changed.is_empty() { Some(view! { <p class="pw-hint">"No differences."</p> }) } else { None }}
                {changed.into_iter().map(|s| view! {
                    <div class="pw-diff__section">
                        <h3 class="pw-diff__title">{s.section.title()}</h3>
                        // Characters that hide or turn the text around are named here as in the
                        // section's box (tryout 106: a reversed Persona read as plain text here).
                        {crate::domain::figures::hidden_marks(&format!("{} {}", old.section_text(s.section), new.section_text(s.section))).map(|n| view! { <p class="pw-hint pw-hint--warn pw-diff__marks">{n}</p> })}
                        <p class="pw-diff__text">
                            {s.pieces.into_iter().map(|p| match p {
                                Piece::Same(t) => view! { <span>{t}</span> }.into_any(),
                                Piece::Added(t) => view! { <ins class="pw-diff__add">{t}</ins> }.into_any(),
                                Piece::Removed(t) => view! { <del class="pw-diff__del">{t}</del> }.into_any(),
                            }).collect_view()}
                        </p>
                    </div>
                }).collect_view()}
            </div>
        }
    }
}
