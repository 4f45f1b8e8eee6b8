//! The work area, laid out for the loop: idea, prompt, test cases, results.
use leptos::prelude::*;

use super::cases::CasesCard;
use super::generate::{FinalCard, IdeaCard, PromptCard, VersionsCard};
use super::improve::ImproveCard;
use super::results::ResultsCard;
use crate::domain::local_model::LocalModelStatus;
use crate::state::settings::SettingsHandle;

#[component]
pub fn Workspace(
    /// Whether the embedded local model answers.
    local_status: ReadSignal<LocalModelStatus>,
    /// Whether a job uses the local model (its status is shown only then).
    uses_local: Signal<bool>,
) -> impl IntoView {
    let settings = SettingsHandle::expect();
    let intro = move || {
        if uses_local.get() {
            local_status.get().hint().to_owned()
        } else {
            let kinds = settings.roles.with(|r| r.kinds());
            let names: Vec<&str> = kinds.iter().map(|k| k.label()).collect();
            format!(
                "Your jobs use {}: calls go from this browser straight to {}.",
                names.join(" and "),
                if names.len() == 1 { "it" } else { "them" }
            )
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
            <IdeaCard/>
            <PromptCard/>
            <FinalCard/>
            <VersionsCard/>
            <CasesCard/>
            <ResultsCard/>
            <ImproveCard/>
        </div>
    }
}
