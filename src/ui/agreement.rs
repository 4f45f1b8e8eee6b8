//! "Is the judge right?" under Results: where the person rated answers the judge also graded,
//! the agreement figure, the disagreements side by side (the answer, the person's rating and
//! note, the judge's verdict and reasoning), and "Improve the rubric" with its call count shown
//! before the click, agreement before and after, and Keep / Keep the old one.
use leptos::prelude::*;

use super::shell::OFFLINE_TITLE;
use crate::domain::eval::agreement::{self, Agreement, RatedVerdict};
use crate::domain::eval::rating::Thumb;
use crate::domain::eval::run::Run;
use crate::domain::figures::count;
use crate::domain::provider::Role;
use crate::state::draft::DraftHandle;
use crate::state::rubric::{Phase, RubricImprover};
use crate::state::settings::SettingsHandle;

/// The agreement panels of the current version's run, one per judge rubric with rated answers.
#[component]
pub fn JudgeAgreement(
    /// The current version's run.
    run: ReadSignal<Option<Run>>,
) -> impl IntoView {
    let d = DraftHandle::expect();
    let all = crate::state::reactive::memo(move |_| {
        run.with(|r| {
            r.as_ref()
                .map(|r| d.draft.with(|x| agreement::agreement(&x.suite, r)))
                .unwrap_or_default()
        })
    });
    let imp = RubricImprover::expect();
    view! {
        {crate::ui::erased::show(move || !all.with(Vec::is_empty) || imp.state.with(Option::is_some), move || view! {
            <section class="pw-agreement" aria-labelledby="pw-agreement-title">
                <h3 id="pw-agreement-title" class="pw-subtitle">"Is the judge right?"</h3>
                <p class="pw-hint">"Where rated answers were also graded by the judge: a judge pass should be a thumbs-up, a judge fail a thumbs-down."</p>
                {crate::ui::erased::keyed_by(
                    move || all.get(),
                    |a| crate::ui::erased::RowKey::Text(format!("{a:?}")),
                    move |a| view! { <RubricAgreement a=a run=run/> }.into_any(),
                )}
                <ImproveProgress/>
            </section>
        }.into_any())}
    }
}

/// One rubric: the figure, the disagreements and "Improve the rubric".
#[component]
fn RubricAgreement(
    /// The judge against the person on this rubric.
    a: Agreement,
    /// The current version's run.
    run: ReadSignal<Option<Run>>,
) -> impl IntoView {
    let imp = RubricImprover::expect();
    let s = SettingsHandle::expect();
    let off = super::shell::offline_for(&[Role::Meta, Role::Judge]);
    let n = a.pairs.len();
    let calls = format!(
        "1 call to the meta model + {}",
        count(n, "judge call", "judge calls")
    );
    let dis: Vec<RatedVerdict> = a.disagreements().into_iter().cloned().collect();
    let line = a.line();
    let rubric = a.rubric.clone();
    let start = a.clone();
    let nothing_to_fix = dis.is_empty();
    let label = format!("The judge on \u{201c}{}\u{201d}", a.rubric);
    // The figure is part of the button's description (session 42's review: it was only a line
    // under it, as on no other paid button). One id per rubric drawn.
    static DRAWN: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let cost_id = format!(
        "pw-rubric-cost-{}",
        DRAWN.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    // What the click may cost, before it is made: the rewrite's call at its bound, and the
    // judge calls as an estimate (they read the new rubric, not written yet: counted as long as
    // this one).
    let d = DraftHandle::expect();
    let priced = a.clone();
    let cost = move || {
        use crate::domain::estimate::{calls_at_most, request_bound};
        let meta = s.config(Role::Meta);
        let judge = s.config(Role::Judge);
        let rewrite =
            calls_at_most(&[(&meta, request_bound(&agreement::improve_request(&priced)))]);
        let judged: Vec<(u64, u64)> = d.suite_and_prompt.with(|(suite, prompt)| {
            agreement::rejudge_calls(suite, &priced, &priced.rubric, prompt, judge.temperature)
                .into_iter()
                .flatten()
                .map(|c| request_bound(&c.request))
                .collect()
        });
        let calls: Vec<_> = judged.into_iter().map(|b| (&judge, b)).collect();
        let judging = calls_at_most(&calls);
        let judging = match judging.strip_prefix("at most ") {
            Some(figure) => format!("about {figure}"),
            None => judging,
        };
        format!(
            "The rewrite: {rewrite}. The judge calls: {judging}, with a new rubric as long as this one (it is not written yet)."
        )
    };
    view! {
        <div class="pw-agreement__rubric" role="group" aria-label=label>
            <p class="pw-agreement__line" role="status"><strong>{line}</strong></p>
            <p class="pw-hint">{format!("Rubric: \u{201c}{rubric}\u{201d}")}</p>
            {(!dis.is_empty()).then(|| view! {
                // A link's sender gave some of the ratings (tryout 101: "you" read for them).
                <h4 class="pw-reflection__title">{if dis.iter().any(|p| p.rating.by_sender) { format!("Where the judge and the ratings disagree ({})", dis.len()) } else { format!("Where the judge disagrees with you ({})", dis.len()) }}</h4>
                <ul class="pw-agreement__list" aria-label="Disagreements with the judge">
                    {dis.into_iter().map(|p| view! { <Disagreement p=p/> }).collect_view()}
                </ul>
            })}
            <div class="pw-row pw-row--wrap">
                <button type="button" class="pw-button" aria-describedby=cost_id.clone()
                    disabled=move || imp.busy() || s.meta_is_tiny() || off() || nothing_to_fix
                    title=move || if off() { Some(OFFLINE_TITLE) } else if s.meta_is_tiny() { Some(super::generate::TINY_CANNOT) } else { None }
                    on:click=move |_| {
                        let version = run.with_untracked(|r| r.as_ref().map_or(0, |r| r.version));
                        imp.start(version, start.clone());
                    }>
                    {format!("Improve the rubric ({calls})")}
                </button>
            </div>
            <p class="pw-hint">{format!("The meta model rewrites the rubric from the disagreements, then the judge grades the {} again with it: {calls}. Nothing changes until you keep the new rubric.", count(n, "rated answer", "rated answers"))}</p>
            <p class="pw-hint pw-agreement__cost" id=cost_id>{cost}</p>
            {crate::ui::erased::show(move || s.meta_is_tiny(), move || view! {
                <p class="pw-hint">"The built-in local model is too small to rewrite a rubric: choose a model for writing prompts in Settings."</p>
            }.into_any())}
        </div>
    }
}

/// One disagreement side by side: the answer, the person's rating and note, the judge.
#[component]
fn Disagreement(
    /// The rated answer.
    p: RatedVerdict,
) -> impl IntoView {
    let yours = match (p.rating.thumb, p.rating.note.is_empty()) {
        (Thumb::Up, true) => "Thumbs up".to_owned(),
        (Thumb::Down, true) => "Thumbs down".to_owned(),
        (Thumb::Up, false) => format!("Thumbs up: {}", p.rating.note),
        (Thumb::Down, false) => format!("Thumbs down: {}", p.rating.note),
    };
    let judge = format!(
        "{} · {}/10 (pass at {}). {}",
        if p.judge_pass() { "Pass" } else { "Fail" },
        p.score,
        p.threshold,
        p.reasoning
    );
    view! {
        <li class="pw-agreement__pair">
            <div>
                <h5>{format!("Answer to case #{}{}", p.case, if p.final_answer { " (Reflexion final)" } else { "" })}</h5>
                // Model output is shown as text, never as HTML.
                <pre class="pw-output__text">{p.output.clone()}</pre>
            </div>
            <div><h5>{p.rating.whose()}</h5><p>{yours}</p></div>
            <div><h5>"The judge"</h5><p>{judge}</p></div>
        </li>
    }
}

/// Where "Improve the rubric" stands: writing, judging, before and after with Keep, or why it
/// gave nothing.
#[component]
fn ImproveProgress() -> impl IntoView {
    let d = DraftHandle::expect();
    let s = SettingsHandle::expect();
    let judge_unset = super::shell::role_unset(crate::domain::provider::Role::Judge);
    let imp = RubricImprover::expect();
    view! {
        <super::notice::CallNote call=imp.call/>
        {crate::ui::erased::dynamic(move || (imp.call.error.get().map(|e| view! { <super::notice::ErrorNotice error=e on_retry=Callback::new(move |_| imp.retry())/> })).into_any())}
        {crate::ui::erased::dynamic(move || (imp.state.get().map(|st| {
            let total = st.before.pairs.len();
            match st.phase {
                Phase::Writing => view! {
                    <p class="pw-hint" role="status">"The meta model is rewriting the rubric…"</p>
                    <button type="button" data-stops="true" class="pw-button pw-button--small" on:click=move |_| imp.stop()>"Stop"</button>
                }.into_any(),
                Phase::Judging { done, .. } => view! {
                    <p class="pw-hint" role="status">{format!("Judging your rated answers with the new rubric: {done} of {total}…")}</p>
                    <button type="button" data-stops="true" class="pw-button pw-button--small" on:click=move |_| imp.stop()>"Stop"</button>
                }.into_any(),
                Phase::Failed { message, raw } => view! {
                    <div class="pw-notice pw-notice--error" role="alert">
                        <p class="pw-notice__title">"No new rubric to try"</p>
                        <p class="pw-notice__text">{message}</p>
                        <super::notice::RawReply raw=raw/>
                        <button type="button" class="pw-button pw-button--small" on:click=move |_| imp.dismiss()>"Close"</button>
                    </div>
                }.into_any(),
                Phase::Ready { new, after, unread, .. } => view! {
                    <div class="pw-notice pw-notice--info" role="group" aria-label="The new rubric">
                        <p><strong>"The new rubric"</strong></p>
                        <pre class="pw-output__text" aria-label="New rubric">{new.rubric.clone()}</pre>
                        {(!new.changes.is_empty()).then(|| view! { <p class="pw-hint">{format!("The meta model's note: {}", new.changes)}</p> })}
                        <p role="status">{format!("Before: {}", st.before.line())}</p>
                        <p role="status"><strong>{format!("After: {}", after.line())}</strong></p>
                        {(!unread.is_empty()).then(|| view! {
                            <p class="pw-hint pw-hint--warn">{format!("Left out of the figure after: the judge gave no score for {}.", unread.join(", "))}</p>
                        })}
                        <div class="pw-row pw-row--wrap">
                            <button type="button" class="pw-button pw-button--primary" on:click=move |_| imp.keep()>"Use the new rubric"</button>
                            <button type="button" class="pw-button" on:click=move |_| imp.dismiss()>"Keep the old rubric"</button>
                        </div>
                    </div>
                }.into_any(),
                Phase::Kept { checks, others } => {
                    let n = others.len();
                    view! {
                        <p class="pw-hint pw-hint--ok" role="status">{format!(
                            "The new rubric replaced the old one in {}. Your rated answers keep their new verdicts.",
                            count(checks, "judge check", "judge checks")
                        )}</p>
                        {(n > 0).then(|| {
                            let r = crate::state::runner::Runner::expect();
                            let others = others.clone();
                            // The calls Re-judge makes for them (a case can have several judge
                            // checks to grade again), each at its bound, before the click.
                            let judge = s.config(Role::Judge);
                            let calls: Vec<(u64, u64)> = d.suite_and_prompt.with_untracked(|(suite, prompt)| {
                                d.draft.with_untracked(|x| {
                                    let Some(run) = x.run_of(x.current) else { return Vec::new() };
                                    others
                                        .iter()
                                        .filter_map(|id| Some((suite.case(*id)?, run.cases.get(id)?)))
                                        .flat_map(|(case, cr)| crate::domain::eval::run::rejudge_bound(suite, prompt, case, cr, judge.temperature))
                                        .collect()
                                })
                            });
                            let priced: Vec<_> = calls.iter().map(|b| (&judge, *b)).collect();
                            let cost = crate::domain::estimate::calls_at_most(&priced);
                            let label = format!("Judge them with the new rubric ({})", count(calls.len(), "judge call", "judge calls"));
                            view! {
                                <p class="pw-hint">{format!("{} not graded with it yet.", count(n, "other answer is", "other answers are"))}</p>
                                <button type="button" class="pw-button pw-button--small"
                                    disabled=move || judge_unset().is_some() title=judge_unset
                                    on:click=move |_| {
                                        for id in others.iter().copied() { r.rejudge(id); }
                                        imp.dismiss();
                                    }>{label}</button>
                                <super::cost::CostNote cost=Signal::derive(move || Some(cost.clone()))/>
                            }
                        })}
                    }.into_any()
                }
            }
        })).into_any())}
    }
}
