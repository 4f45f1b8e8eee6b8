//! The person's thumbs and note on one output (`domain::eval::rating`): a thumbs-up and a
//! thumbs-down button (pressed state in `aria-pressed`; pressing the pressed one takes the
//! rating back) and, once rated, a note field saved when it is left. Used on a run's result, a
//! Reflexion final answer and a loop candidate's answer.
use leptos::prelude::*;

use crate::domain::eval::rating::{Rating, Thumb};

/// Thumbs and note for one output.
#[component]
pub fn RatingControl(
    /// The output's rating as it is now.
    #[prop(into)]
    rating: Signal<Option<Rating>>,
    /// Called with the new rating (`None`: taken back).
    on_rate: Callback<Option<Rating>>,
    /// What is rated, for the labels: "the answer to case #3".
    what: String,
) -> impl IntoView {
    let thumb = move || rating.with(|r| r.as_ref().map(|r| r.thumb));
    let note = move || rating.with(|r| r.as_ref().map(|r| r.note.clone()).unwrap_or_default());
    let press = move |t: Thumb| {
        let next = match rating.get_untracked() {
            Some(r) if r.thumb == t => None,
            Some(r) => Some(Rating::new(t, &r.note)),
            None => Some(Rating::new(t, "")),
        };
        on_rate.run(next);
    };
    let up_label = format!("Thumbs up for {what}");
    let down_label = format!("Thumbs down for {what}");
    let note_label = format!("Your note on {what}");
    view! {
        <div class="pw-rating" role="group" aria-label=format!("Your rating of {what}")>
            // The sender's, in a draft received by a link, until a thumb or note given here.
            <span class="pw-rating__label" aria-hidden="true">{move || rating.with(|r| r.as_ref().map_or("Your rating", |r| r.whose()))}</span>
            <button type="button" class="pw-rating__thumb" class:pw-rating__thumb--on=move || thumb() == Some(Thumb::Up)
                aria-label=up_label aria-pressed=move || (thumb() == Some(Thumb::Up)).to_string()
                title="A good answer (adds no check)"
                on:click=move |_| press(Thumb::Up)><super::icons::ThumbIcon down=false/></button>
            <button type="button" class="pw-rating__thumb" class:pw-rating__thumb--on=move || thumb() == Some(Thumb::Down)
                aria-label=down_label aria-pressed=move || (thumb() == Some(Thumb::Down)).to_string()
                title="A bad answer: counts as one failed check while \u{201c}Thumbs-down counts as a failed check\u{201d} is on"
                on:click=move |_| press(Thumb::Down)><super::icons::ThumbIcon down=true/></button>
            {crate::ui::erased::show(move || thumb().is_some(), move || view! {
                <input type="text" class="pw-input pw-rating__note" aria-label=note_label.clone()
                    placeholder="Why? (optional; the optimizer reads it)"
                    prop:value=note
                    on:change=move |ev| {
                        if let Some(r) = rating.get_untracked() {
                            on_rate.run(Some(Rating::new(r.thumb, &event_target_value(&ev))));
                        }
                    }/>
            }.into_any())}
        </div>
    }
}

/// "Turn this note into a check" by a rated answer's note, and the proposal with Keep for this
/// case, Keep for every case and Dismiss. Off on the tiny built-in model (it cannot write the
/// JSON reply), with the reason.
#[component]
pub fn NoteToCheck(
    /// The case whose answer is rated.
    case: u32,
    /// The rated answer.
    #[prop(into)]
    output: Signal<String>,
    /// Its rating.
    #[prop(into)]
    rating: Signal<Option<crate::domain::eval::rating::Rating>>,
) -> impl IntoView {
    use crate::domain::provider::Role;
    use crate::state::note_check::{NoteChecker, Outcome};
    let n = NoteChecker::expect();
    let s = crate::state::settings::SettingsHandle::expect();
    let d = crate::state::draft::DraftHandle::expect();
    let off = super::shell::offline_for(&[Role::Meta]);
    let has_note = move || rating.with(|r| r.as_ref().is_some_and(|r| !r.note.is_empty()));
    let mine = move || {
        n.state
            .with(|st| st.as_ref().is_some_and(|(c, _)| *c == case))
    };
    view! {
        {crate::ui::erased::show(has_note, move || view! {
            <div class="pw-row pw-row--wrap">
                <button type="button" class="pw-button pw-button--small pw-button--ghost"
                    aria-label=format!("Turn your note on case #{case} into a check")
                    disabled=move || n.call.running.get() || s.meta_is_tiny() || off()
                    title=move || if off() { Some(super::shell::OFFLINE_TITLE) } else if s.meta_is_tiny() { Some("The built-in local model is too small to write a check: choose a model for writing prompts in Settings.") } else { None }
                    on:click=move |_| {
                        if let Some(r) = rating.get_untracked() {
                            n.propose(case, output.get_untracked(), r);
                        }
                    }>"Turn this note into a check"</button>
                <super::cost::CostNote cost=Signal::derive(move || {
                    let r = rating.get()?;
                    let tc = d.suite_and_prompt.with(|(suite, _)| suite.case(case).cloned())?;
                    let req = crate::domain::eval::note_check::request(&tc, &output.get(), &r);
                    super::generate::meta_cost(Some(crate::domain::estimate::request_bound(&req)))
                })/>
                {crate::ui::erased::show(move || s.meta_is_tiny(), move || view! {
                    <span class="pw-hint">"The built-in local model is too small to write a check from a note: choose a model for writing prompts in Settings."</span>
                }.into_any())}
            </div>
        }.into_any())}
        {crate::ui::erased::show(mine, move || view! {
            <super::notice::CallNote call=n.call/>
            {crate::ui::erased::dynamic(move || (n.call.error.get().map(|e| view! { <super::notice::ErrorNotice error=e on_retry=Callback::new(move |_| {
                if let Some(r) = rating.get_untracked() {
                    n.propose(case, output.get_untracked(), r);
                }
            })/> })).into_any())}
            {crate::ui::erased::dynamic(move || (n.state.get().and_then(|(_, o)| match o {
                None => Some(view! { <p class="pw-hint" role="status">"The meta model is writing a check from your note…"</p> }.into_any()),
                Some(Outcome::Proposed(p)) => Some(view! {
                    <div class="pw-notice pw-notice--info" role="group" aria-label=format!("Proposed check for case #{case}")>
                        <p class="pw-notice__title">{format!("Proposed check: {}", p.assertion.describe())}</p>
                        {(!p.why.is_empty()).then(|| view! { <p class="pw-hint">{format!("The meta model's note: {}", p.why)}</p> })}
                        <div class="pw-row pw-row--wrap">
                            <button type="button" class="pw-button pw-button--small pw-button--primary" on:click=move |_| n.keep(false, output.get_untracked())>{format!("Add it to case #{case}")}</button>
                            <button type="button" class="pw-button pw-button--small" on:click=move |_| n.keep(true, output.get_untracked())>"Add it to every case"</button>
                            <button type="button" class="pw-button pw-button--small pw-button--ghost" on:click=move |_| n.dismiss()>"Dismiss"</button>
                        </div>
                    </div>
                }.into_any()),
                Some(Outcome::Failed { message, raw }) => Some(view! {
                    <div class="pw-notice pw-notice--error" role="alert">
                        <p class="pw-notice__text">{message}</p>
                        <super::notice::RawReply raw=raw/>
                        <button type="button" class="pw-button pw-button--small" on:click=move |_| n.dismiss()>"Close"</button>
                    </div>
                }.into_any()),
                // Said under the answer it was kept by only: a new answer (a run of another
                // version) is scored with it as any answer is.
                Some(Outcome::Kept { place, answer }) => output.with(|o| *o == answer).then(|| view! {
                    <p class="pw-hint pw-hint--ok" role="status">{format!("The check was added to {place} (under Test cases): the answers already there are scored with it now (a judge check waits for Re-judge).")}</p>
                }.into_any()),
            })).into_any())}
        }.into_any())}
    }
}
