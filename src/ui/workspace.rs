//! The work area, laid out for the loop: idea, prompt, test cases, results.
use leptos::prelude::*;

use crate::domain::local_model::LocalModelStatus;

/// Ideas offered to a first-time visitor.
pub const EXAMPLE_IDEAS: [&str; 4] = [
    "A bot that pulls action items out of meeting notes",
    "Answer customer emails about late deliveries, politely and briefly",
    "Turn a recipe into a shopping list grouped by supermarket aisle",
    "Explain error messages to beginners learning Python",
];

#[component]
pub fn Workspace(
    /// Whether the embedded local model answers.
    local_status: ReadSignal<LocalModelStatus>,
) -> impl IntoView {
    let idea = RwSignal::new(String::new());
    view! {
        <section class="pw-intro" aria-labelledby="pw-intro-title">
            <h2 id="pw-intro-title" class="pw-intro__title">
                "Describe a task in plain words; Promptwright writes the instructions for an AI model, tests them and improves them."
            </h2>
            <p class="pw-intro__model">{move || local_status.get().hint()}</p>
        </section>
        <div class="pw-grid">
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
                    prop:value=move || idea.get()
                    on:input=move |ev| idea.set(event_target_value(&ev))
                ></textarea>
                <p class="pw-hint" id="pw-examples-label">"Or start from an example:"</p>
                <ul class="pw-chips" aria-labelledby="pw-examples-label">
                    {EXAMPLE_IDEAS
                        .iter()
                        .map(|text| {
                            view! {
                                <li>
                                    <button type="button" class="pw-chip" on:click=move |_| idea.set((*text).to_owned())>
                                        {*text}
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </section>
            <EmptyPanel
                step="2"
                id="pw-prompt-title"
                title="System prompt"
                text="Your prompt appears here in five parts (who the model should be, background, steps, output format, examples) once it is generated. You can edit every part."
            />
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
