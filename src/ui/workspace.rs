//! The work area, laid out for the loop: idea, prompt, test cases, results.
use leptos::prelude::*;

use super::cases::CasesCard;
use super::generate::{FinalCard, IdeaCard, PromptCard, VersionsCard};
use super::improve::ImproveCard;
use super::results::ResultsCard;
use crate::domain::local_model::LocalModelStatus;

#[component]
pub fn Workspace(
    /// Whether the embedded local model answers.
    local_status: ReadSignal<LocalModelStatus>,
) -> impl IntoView {
    view! {
        <section class="pw-intro" aria-labelledby="pw-intro-title">
            <h2 id="pw-intro-title" class="pw-intro__title">
                "Describe a task in plain words; Promptwright writes the instructions for an AI model, tests them and improves them."
            </h2>
            <p class="pw-intro__model">{move || local_status.get().hint()}</p>
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
