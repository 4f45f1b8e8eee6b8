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
                    if c.base_url.trim().trim_end_matches('/')
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
            <p class="pw-intro__model">{intro}</p>
        </section>
        <div class="pw-grid">
            // In the step bar's order (1 Idea, 2 Prompt, 3 Test, 4 Improve, 5 Share): each
            // numbered card once, in order; Versions and Results carry no number of their own.
            <IdeaCard/>
            <PromptCard/>
            <VersionsCard/>
            <CasesCard/>
            <ResultsCard/>
            <ImproveCard/>
            <FinalCard/>
        </div>
    }
}
