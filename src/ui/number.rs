//! A number field for a setting with an allowed range. What is typed stays as typed: a value out
//! of range or not a number is named next to the field, with the range and the value still in use
//! (`domain::figures::read_setting`); nothing is clamped or replaced silently.
use leptos::prelude::*;

use crate::domain::figures::{SettingNumber, read_setting};

/// The input of a number setting and, under it while what was typed cannot be used, why (in an
/// alert). The label is the caller's (`<label for=id>`).
#[component]
pub fn NumberInput<T>(
    /// The input's id (the caller's label points at it).
    #[prop(into)]
    id: String,
    /// The value in use: changed only by a valid entry.
    value: RwSignal<T>,
    /// The least allowed.
    min: T,
    /// The most allowed.
    max: T,
    /// An element that describes the field (its hint), if any.
    #[prop(optional, into)]
    hint: Option<String>,
    /// Set while what was typed cannot be used (the message shown), so a caller can hold back
    /// what would use the value.
    #[prop(optional)]
    problem: Option<RwSignal<Option<String>>>,
) -> impl IntoView
where
    T: SettingNumber + Send + Sync + 'static,
{
    let problem = problem.unwrap_or_else(|| RwSignal::new(None));
    let problem_id = format!("{id}-problem");
    let described = {
        let problem_id = problem_id.clone();
        move || {
            let mut ids: Vec<String> = hint.clone().into_iter().collect();
            if problem.with(Option::is_some) {
                ids.push(problem_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        // Text, not type="number": the browser would hand over "" for "abc" and hide what was typed.
        <input id=id class="pw-input pw-input--short" type="text" inputmode="decimal" autocomplete="off"
            aria-describedby=described
            aria-invalid=move || problem.with(Option::is_some).then_some("true")
            prop:value=move || value.get().to_string()
            on:change=move |ev| match read_setting(&event_target_value(&ev), min, max, value.get_untracked()) {
                Ok(v) => {
                    value.set(v);
                    problem.set(None);
                }
                Err(e) => problem.set(Some(e)),
            }/>
        {move || problem.get().map(|m| view! { <p id=problem_id.clone() class="pw-hint pw-hint--bad pw-number__problem" role="alert">{m}</p> })}
    }
}
