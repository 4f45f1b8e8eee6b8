//! A number field for a setting with an allowed range. What is typed stays as typed: a value out
//! of range or not a number is named next to the field, with the range and the value still in use
//! (`domain::figures::read_setting`); nothing is clamped or replaced silently. What was typed and
//! refused is kept in `state::entries::Unaccepted` by field id, so a field drawn again (a case
//! closed and reopened) shows it and its message again.
use leptos::prelude::*;

use crate::state::entries::Unaccepted;

use crate::domain::figures::{
    SettingNumber, read_optional_setting, read_setting, typing_cannot_help,
};

/// `x` as a float, for [`typing_cannot_help`].
fn float<T: SettingNumber>(x: T) -> f64 {
    x.to_string().parse().unwrap_or(0.0)
}

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
    /// Set to each valid number as it is typed, before the value is put in use on the change:
    /// for a figure that follows the typing (tryout 83: Suggest's cost said the old count
    /// until the field was left).
    #[prop(optional)]
    typing: Option<RwSignal<T>>,
) -> impl IntoView
where
    T: SettingNumber + Send + Sync + 'static,
{
    let problem = problem.unwrap_or_else(|| RwSignal::new(None));
    let (lo, hi) = (float(min), float(max));
    field(
        id,
        hint,
        None,
        problem,
        move |t| typing_cannot_help(t, lo, hi),
        move || value.get().to_string(),
        move |text, commit| {
            let read = read_setting(text, min, max, value.get_untracked());
            match (&read, typing) {
                (Ok(v), Some(t)) => t.set(*v),
                // What cannot be used leaves the figure at the value in use, as the message
                // says (tryout 88: "500 is more than 50… 8 is used until then" beside the cost
                // of 50, the last number typed that read).
                (Err(_), Some(t)) => t.set(value.get_untracked()),
                (_, None) => {}
            }
            read.map(|v| {
                if commit {
                    value.set(v)
                }
            })
        },
    )
}

/// [`NumberInput`] for a limit that may be left empty, meaning none (a length check's minimum
/// or maximum): empty sets `None`; what cannot be used is named as in [`NumberInput`].
#[component]
pub fn OptionalNumberInput<T>(
    /// The input's id (the caller's label points at it).
    #[prop(into)]
    id: String,
    /// The limit in use (`None`: no limit): changed only by a valid entry or by emptying it.
    value: RwSignal<Option<T>>,
    /// The least allowed.
    min: T,
    /// The most allowed.
    max: T,
    /// An element that describes the field (its hint), if any.
    #[prop(optional, into)]
    hint: Option<String>,
    /// Shown in the empty field.
    #[prop(optional, into)]
    placeholder: Option<String>,
) -> impl IntoView
where
    T: SettingNumber + Send + Sync + 'static,
{
    let problem = RwSignal::new(None);
    let (lo, hi) = (float(min), float(max));
    field(
        id,
        hint,
        placeholder,
        problem,
        move |t| typing_cannot_help(t, lo, hi),
        move || value.get().map(|v| v.to_string()).unwrap_or_default(),
        move |text, commit| {
            read_optional_setting(text, min, max, value.get_untracked()).map(|v| {
                if commit {
                    value.set(v)
                }
            })
        },
    )
}

/// The text input and its problem line: `shown` is what the field holds, `apply(text, commit)`
/// reads what was typed (and stores it when `commit`) or says why it cannot be used, and
/// `hopeless(text)` whether more typing cannot make it usable (then said as it is typed).
#[allow(clippy::too_many_arguments)]
fn field(
    id: String,
    hint: Option<String>,
    placeholder: Option<String>,
    problem: RwSignal<Option<String>>,
    hopeless: impl Fn(&str) -> bool + Send + Sync + 'static,
    shown: impl Fn() -> String + Send + Sync + 'static,
    apply: impl Fn(&str, bool) -> Result<(), String> + Send + Sync + 'static,
) -> impl IntoView {
    let problem_id = format!("{id}-problem");
    // What was typed and refused before this field was last drawn, shown again as it was.
    let store = Unaccepted::get();
    let kept = store.and_then(|s| s.entry(&id));
    let typed = RwSignal::new(kept.as_ref().map(|e| e.text.clone()));
    if let Some(e) = kept {
        problem.set(Some(e.problem));
    }
    let field_id = id.clone();
    let input_id = id.clone();
    let apply = std::sync::Arc::new(apply);
    let apply_typed = apply.clone();
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
            placeholder=placeholder
            aria-describedby=described
            aria-invalid=move || problem.with(Option::is_some).then_some("true")
            prop:value=move || typed.get().unwrap_or_else(&shown)
            // While a problem is shown, it goes as soon as what is typed reads (tryout 47: "This
            // is empty" stayed beside a typed 3 until the field was left); the value is put in
            // use on the change, as ever, so a half-typed number never is (tryout 50: "9" of
            // "99" went into use).
            on:input=move |ev| {
                let text = event_target_value(&ev);
                match apply_typed(&text, false) {
                    Ok(()) if problem.with_untracked(Option::is_some) => {
                        problem.set(None);
                        if let Some(s) = store { s.accept(&input_id); }
                    }
                    Ok(()) => {}
                    // Said at once when more typing cannot help (tryout 89: "50" in a 1-10
                    // field was said only on Tab, beside a Start still offered); not kept as
                    // refused until the field is left.
                    Err(e) if hopeless(&text) => problem.set(Some(e)),
                    Err(_) => {}
                }
            }
            on:change=move |ev| {
                let text = event_target_value(&ev);
                match apply(&text, true) {
                    Ok(()) => {
                        typed.set(None);
                        problem.set(None);
                        if let Some(s) = store { s.accept(&field_id); }
                    }
                    Err(e) => {
                        typed.set(Some(text.clone()));
                        problem.set(Some(e.clone()));
                        if let Some(s) = store { s.refuse(&field_id, text, e); }
                    }
                }
            }/>
        {crate::ui::erased::dynamic(move || (problem.get().map(|m| view! { <p id=problem_id.clone() class="pw-hint pw-hint--bad pw-number__problem" role="alert">{m}</p> })).into_any())}
    }
}
