//! The work area, laid out for the loop: idea, prompt, test cases, results.
use leptos::prelude::*;

use super::cases::CasesCard;
use super::generate::{FinalCard, IdeaCard, PromptCard, VersionsCard};
use super::improve::ImproveCard;
use super::results::ResultsCard;
use crate::domain::local_model::LocalModelStatus;
use crate::domain::provider::{ProviderKind, Role};
use crate::state::settings::SettingsHandle;

#[component]
pub fn Workspace(
    /// Whether the embedded local model answers.
    local_status: ReadSignal<LocalModelStatus>,
    /// The jobs that use the local model, in words (its status is shown only then).
    local_jobs: Signal<Vec<String>>,
) -> impl IntoView {
    let settings = SettingsHandle::expect();
    let intro = move || {
        let jobs = local_jobs.get();
        // Each provider named with its host when that is not the provider's own address (a
        // proxy, a gateway, a server): the calls go there, so the sentence says so.
        let others: Vec<String> = settings.roles.with(|r| {
            let mut k: Vec<String> = Role::ALL
                .iter()
                .map(|x| r.get(*x))
                .filter(|c| c.kind != ProviderKind::LlamaCpp)
                .map(|c| {
                    // A job with no address goes nowhere yet (tryout 94: "OpenAI-compatible
                    // server and OpenAI-compatible server at 127.0.0.1:8090").
                    if c.base_url.trim().is_empty() {
                        format!("{} (no address yet)", c.kind.label())
                    } else if c.base_url.trim().trim_end_matches('/')
                        == c.kind.default_base_url().trim_end_matches('/')
                    {
                        c.kind.label().to_owned()
                    } else {
                        format!("{} at {}", c.kind.label(), c.host())
                    }
                })
                .collect();
            k.dedup();
            crate::domain::order::sort(&mut k);
            k.dedup();
            k
        });
        match (jobs.len(), others.len()) {
            (3, _) => local_status.get().hint().to_owned(),
            (0, n) => format!(
                "Your jobs use {}: calls go from this browser straight to {}.",
                others.join(" and "),
                if n == 1 { "it" } else { "them" }
            ),
            _ => format!(
                "The tiny built-in model {} ({}); the other jobs use {}.",
                jobs.join(" and "),
                local_status.get().label().to_lowercase(),
                others.join(" and ")
            ),
        }
    };
    view! {
        <section class="pw-intro" aria-labelledby="pw-intro-title">
            <h2 id="pw-intro-title" class="pw-intro__title">
                "Describe a task in plain words; Promptwright writes the instructions for an AI model, tests them and improves them."
            </h2>
            <p class="pw-intro__model">{crate::ui::erased::dynamic(move || intro().into_any())}</p>
        </section>
        <div class="pw-grid">
            // In the step bar's order (1 Idea, 2 Prompt, 3 Test, 4 Improve, 5 Share): each
            // numbered card once, in order; Versions and Results carry no number of their own.
            <IdeaCard/>
            <PromptCard/>
            <BelowPrompt/>
        </div>
    }
}

/// Loading the code of the cards below the prompt failed (a dropped or stalled connection, a
/// missing or damaged file, a build replaced since the page opened).
#[derive(Debug, Clone, Copy)]
pub struct ChunkError;

#[cfg(feature = "split")]
impl From<leptos::wasm_split::SplitLoaderError> for ChunkError {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        ChunkError
    }
}

/// The cards below the prompt: Versions, Test cases, Results, Improve, Share. In the release build
/// (feature `split`) they and all that only they reach are a wasm chunk of their own, fetched
/// as the app mounts ([`fetch_below_prompt`]), so the idea box and Generate do not wait for them
/// (issue #16). Errors: [`ChunkError`] when the chunk cannot be fetched.
#[cfg(feature = "split")]
#[leptos::wasm_split::wasm_split(
    below_prompt,
    wasm_split_path = leptos::wasm_split,
    fallible,
    preload(fetch_below_prompt_chunk)
)]
fn below_prompt_cards() -> Result<AnyView, ChunkError> {
    Ok(cards())
}

/// Fetches the code of the cards below the prompt without building them, and resolves once it
/// is here (at once when the build is not split). Started when the app mounts, whichever view
/// opens first (a shared draft opens without the work area). Errors: [`ChunkError`] when the
/// fetch fails; building the cards tries again.
pub async fn fetch_below_prompt() -> Result<(), ChunkError> {
    #[cfg(feature = "split")]
    {
        fetch_below_prompt_chunk().await.map_err(ChunkError::from)
    }
    #[cfg(not(feature = "split"))]
    {
        Ok(())
    }
}

/// The same cards, built at once (builds without the feature `split`: the component tests).
#[cfg(not(feature = "split"))]
async fn below_prompt_cards() -> Result<AnyView, ChunkError> {
    Ok(cards())
}

fn cards() -> AnyView {
    view! {
        <VersionsCard/>
        <CasesCard/>
        <ResultsCard/>
        <ImproveCard/>
        <FinalCard/>
    }
    .into_any()
}

/// The cards below the prompt once their code is here; meanwhile a line saying they are on the
/// way, and if the download fails, what happened and a button to try again.
#[component]
fn BelowPrompt() -> impl IntoView {
    let attempt = RwSignal::new(0u32);
    view! {
        <Suspense fallback=move || {
            // After Try again the button is gone: the focus waits on this line, then goes to
            // the cards (tryout 72: it fell to the top of the page).
            if attempt.get_untracked() > 0 {
                super::browser::focus_heading_when_drawn(&["pw-below-loading"]);
            }
            view! {
                <p id="pw-below-loading" class="pw-hint pw-below-loading" role="status">"Loading the test cases, results and improvement tools…"</p>
            }
        }>
            {crate::ui::erased::dynamic(move || ({
                attempt.track();
                Suspend::new(async move {
                    match below_prompt_cards().await {
                        Ok(cards) => {
                            super::register_service_worker();
                            if attempt.get_untracked() > 0 {
                                super::browser::focus_heading_when_drawn(&["pw-cases-title"]);
                            }
                            cards
                        }
                        Err(ChunkError) => {
                            // After a click on Try again that failed too, the focus goes back
                            // to the button (it was lost with the old one).
                            if attempt.get_untracked() > 0 {
                                super::browser::focus_when_drawn("pw-below-retry".to_owned());
                            }
                            view! {
                                <div class="pw-notice pw-notice--error pw-below-failed" role="alert">
                                    <p>"The test cases, results and improvement tools could not be downloaded: the connection dropped, the site is unreachable, or Promptwright was updated since this page opened (then reloading the page brings the new version). Your idea, prompt and drafts are kept in this browser."</p>
                                    <div class="pw-actions">
                                        <button id="pw-below-retry" type="button" class="pw-button" on:click=move |_| attempt.update(|n| *n += 1)>"Try again"</button>
                                        <button type="button" class="pw-button pw-button--ghost" on:click=move |_| { let _ = window().location().reload(); }>"Reload the page"</button>
                                    </div>
                                </div>
                            }
                            .into_any()
                        }
                    }
                })
            }).into_any())}
        </Suspense>
    }
}
