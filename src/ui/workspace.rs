//! The work area, laid out for the loop: idea, prompt, test cases, results.
use leptos::prelude::*;

use super::generate::{FinalCard, IdeaCard, PromptCard, VersionsCard};
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
            <EmptyPanel
                step="3"
                id="pw-cases-title"
                title="Test cases"
                text="Example inputs with what a good answer must contain. Write your own, import a file, or let a model suggest some."
            />
            <EmptyPanel
                step="4"
                id="pw-results-title"
                title="Results"
                text="Each test case run through the prompt, with a pass or fail per check and an overall score."
            />
        </div>
    }
}

/// A panel of the loop that has nothing to show yet.
#[component]
fn EmptyPanel(
    /// Step number shown in the corner.
    step: &'static str,
    /// Id of the heading, for `aria-labelledby`.
    id: &'static str,
    /// Heading.
    title: &'static str,
    /// What will appear here.
    text: &'static str,
) -> impl IntoView {
    view! {
        <section class="pw-card pw-card--empty" aria-labelledby=id>
            <header class="pw-card__header">
                <span class="pw-card__step" aria-hidden="true">{step}</span>
                <h2 id=id class="pw-card__title">{title}</h2>
            </header>
            <p class="pw-empty">{text}</p>
        </section>
    }
}
