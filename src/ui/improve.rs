//! Step 5, improve: "Critique this prompt" (weaknesses, each turned into a section rewrite), and the
//! optimization loop: its settings, the projected budget the person approves, pause/resume/cancel,
//! and the evidence (a score-history chart, every candidate with its diff against its parent,
//! removed constraints flagged, per-case wins and losses, and Accept). Also the notice at the top
//! of the page when a loop continued by itself after a reload (with Pause) or waits (with Resume).
use leptos::prelude::*;

use super::shell::OFFLINE_TITLE;

use super::cases::{OpenCase, gap_variable};
use super::generate::SpecDiff;
use super::notice::{ErrorNotice, RawReply};
use super::number::NumberInput;
use crate::domain::attempt::Attempt;
use crate::domain::estimate::{call_cost, format_cost};
use crate::domain::eval::grid::{model_key, model_label};
use crate::domain::eval::{Split, run};
use crate::domain::figures::{count, grouped, noun, read_setting};
use crate::domain::meta::generate::Job as GenJob;
use crate::domain::optimize::notes::Arrival;
use crate::domain::optimize::{
    self, AgainstParent, Budget, Candidate, Config, Ctx, Mutation, Optimizer, Phase,
    ProposalFailure, RoundRecord, Selection, Standing, cap_problem, cases_readiness, shown_points,
};
use crate::domain::provider::{ProviderConfig, Role};
use crate::domain::spec::Section;
use crate::state::draft::DraftHandle;
use crate::state::generator::Generator;
use crate::state::optimizer::{self, OptimizerHandle};
use crate::state::reflexion::Critic;
use crate::state::settings::SettingsHandle;

/// At the top of the page: an optimization loop that continued by itself after a reload, with
/// Pause; or an unfinished loop that waits for the person (a copy, an import, a paused one), with
/// Resume.
#[component]
pub fn LoopNotice() -> impl IntoView {
    let off_all = super::shell::offline_for(&Role::ALL);
    let d = DraftHandle::expect();
    let h = OptimizerHandle::expect();
    // (running, paused, calls used, calls approved, calls Resume adds to them, what they may
    // cost) of an unfinished loop.
    let state = crate::state::reactive::memo(move |_| {
        d.draft.with(|x| {
            x.optimizer.as_ref().filter(|o| o.stop.is_none()).map(|o| {
                let more = o.retry_budget(&Ctx { suite: &x.suite });
                let extra = more.as_ref().map_or(0, |b| b.calls);
                let extra_cost = Some(resume_cost(o, more.as_ref()));
                (
                    !o.paused,
                    o.paused,
                    o.spent.calls,
                    o.limit.calls,
                    extra,
                    extra_cost,
                )
            })
        })
    });
    // The loop goes on in another tab: said whenever it does, also when that tab resumed it
    // after this one opened the draft (session 38: said only at the opening).
    let lib = crate::state::library::Library::expect();
    crate::ui::erased::dynamic(move || {
        ({
        let arrival = h.arrival.get().filter(|a| *a != Arrival::Elsewhere)
            .or_else(|| lib.loop_elsewhere().then_some(Arrival::Elsewhere));
        match (arrival, state.get()) {
        (Some(Arrival::Continuing), Some((true, _, used, limit, _, _))) => view! {
            <div class="pw-notice pw-notice--warn pw-loop-notice" role="status">
                <p class="pw-notice__title">"An optimization loop is running"</p>
                <p>{format!("It picked up where it stopped when this draft was last open in this tab, and keeps calling your models within the budget you approved ({} of {} used).", grouped(u64::from(used)), count(limit, "call", "calls"))}</p>
                <button type="button" class="pw-button" on:click=move |_| h.pause()>"Pause the loop"</button>
            </div>
        }
        .into_any(),
        (Some(Arrival::Elsewhere), Some((true, _, used, limit, _, _))) => view! {
            <div class="pw-notice pw-notice--info pw-loop-notice" role="status">
                <p class="pw-notice__title">"The optimization loop is going on in another tab"</p>
                <p>{format!("{} ({} of {} used.)", crate::domain::optimize::notes::LOOP_ELSEWHERE, grouped(u64::from(used)), count(limit, "call", "calls"))}</p>
            </div>
        }
        .into_any(),
        (Some(held @ (Arrival::Held(_) | Arrival::HeldForKey { .. })), Some((_, true, used, limit, extra, extra_cost))) => {
            let for_key = matches!(held, Arrival::HeldForKey { .. });
            view! {
            <div class="pw-notice pw-notice--info pw-loop-notice" role="status">
                <p class="pw-notice__title">"The optimization loop is paused"</p>
                <p>{crate::ui::erased::dynamic(move || ({
                    let why = match &held {
                        Arrival::HeldForKey { cut_off } => h.held_for_key_now(*cut_off),
                        Arrival::Held(why) => why.clone(),
                        Arrival::Continuing | Arrival::Elsewhere => String::new(),
                    };
                    format!("{why} ({} of {} used.)", grouped(u64::from(used)), count(limit, "call", "calls"))
                }).into_any())}</p>
                <button type="button" class="pw-button pw-button--primary" disabled=off_all title=move || off_all().then_some(OFFLINE_TITLE) on:click=move |_| h.resume()>{if extra > 0 { format!("Resume the loop (up to {} more {})", grouped(u64::from(extra)), noun(extra, "call", "calls")) } else { "Resume the loop".to_owned() }}</button>
                <super::cost::CostNote cost=Signal::derive(move || extra_cost.clone())/>
                {crate::ui::erased::show(move || for_key && h.keys_forgotten_now(), move || view! {
                    <button type="button" class="pw-button" disabled=off_all on:click=move |_| h.resume_without_keys()>{crate::domain::provider::GO_ON_WITHOUT_KEY}</button>
                }.into_any())}
            </div>
            }
        }
        .into_any(),
        _ => ().into_any(),
    }
    }).into_any()
    })
}

/// Step 5: the improve card.
#[component]
pub fn ImproveCard() -> impl IntoView {
    let d = DraftHandle::expect();
    let has_prompt = move || d.draft.with(|x| x.current > 0);
    view! {
        <section class="pw-card pw-card--improve" aria-labelledby="pw-improve-title">
            <header class="pw-card__header">
                <span class="pw-card__step" aria-hidden="true">"4"</span>
                <h2 id="pw-improve-title" class="pw-card__title">"Improve"</h2>
            </header>
            {crate::ui::erased::show_or(
                has_prompt,
                || view! { <CritiquePanel/> <OptimizerPanel/> }.into_any(),
                || view! { <p class="pw-empty">"Generate a prompt and add test cases first; then it can improve itself here."</p> }.into_any(),
            )}
        </section>
    }
}

/// Under a critique, when the prompt shown is no longer the version it read (a generation that
/// ended while it ran, an edit, a version opened, a fix applied): which one is shown, and that
/// its fixes rewrite that one (tryout 104: Generate pressed while a critique ran, and the
/// critique of the version before showed under the new one without a word).
#[component]
fn CritiqueOf() -> impl IntoView {
    let c = Critic::expect();
    let d = DraftHandle::expect();
    move || {
        let about = c.about.get();
        let now = d.draft.with(|x| x.current);
        (now != about && now != 0).then(|| view! {
            <p class="pw-hint pw-hint--warn" role="status" id="pw-critique-stale">{format!(
                "The prompt shown is version {now}, not the one critiqued: a fix rewrites its section as it is in version {now}. Critique again to read version {now}."
            )}</p>
        })
    }
}

/// "Critique this prompt": weaknesses with a fix each.
#[component]
fn CritiquePanel() -> impl IntoView {
    let off_meta = super::shell::offline_for(&[Role::Meta]);
    let tiny_meta = {
        let s = SettingsHandle::expect();
        move || s.meta_is_tiny()
    };
    let c = Critic::expect();
    let g = Generator::expect();
    let d = DraftHandle::expect();
    // What pressing a fix did, said at that fix (tryout 62: a failed rewrite was said only far
    // above, at the prompt, and a rewrite done made a version with no word here, its button
    // still offering to spend another call): the fix pressed (its number, its section, the
    // version open then), and per fix what came of it.
    // The fix pressed stays pressed after a failure: its Retry above the prompt is the same
    // rewrite, and what came of it is said here too (helper-63: after a Retry that worked, the
    // fix still said it had failed).
    let pressed = RwSignal::new(None::<(usize, Section, String, u32)>);
    let outcome = RwSignal::new(Vec::<(usize, Result<u32, String>)>::new());
    crate::state::reactive::effect(move |was_running: Option<bool>| {
        let running = g.call.running.get();
        if was_running == Some(true) && !running {
            if let Some((i, section, fix, before)) = pressed.get_untracked() {
                // Only the end of this fix's rewrite is its outcome (another job may have run).
                let this = g.job.with_untracked(|j| {
                    matches!(j, Some(GenJob::Rewrite { section: s, instruction }) if *s == section && *instruction == fix)
                });
                if this {
                    let now = d.draft.with_untracked(|x| x.current);
                    let result = match g.failure() {
                        Some(f) if matches!(f.job, GenJob::Rewrite { section: s, .. } if s == section) => {
                            Err(format!(
                                "The rewrite of {} did not go through: the message is above the prompt, with what to do.",
                                section.title()
                            ))
                        }
                        _ if now != before => Ok(now),
                        _ => Err(format!(
                            "The rewrite of {} ended without a new version.",
                            section.title()
                        )),
                    };
                    if result.is_ok() {
                        pressed.set(None);
                    }
                    outcome.update(|o| {
                        o.retain(|(x, _)| *x != i);
                        o.push((i, result));
                    });
                }
            }
        }
        running
    });
    let c_about = move || c.about.get();
    // A new critique's fixes are new: what came of the last one's goes.
    crate::state::reactive::effect(move |_| {
        c.weaknesses.track();
        outcome.set(Vec::new());
        pressed.set(None);
    });
    view! {
        <div class="pw-critique">
            <div class="pw-row pw-row--wrap">
                // Not while a prompt is being written (tryout 104: pressed then, it critiqued the
                // version before and showed under the new one).
                // Its own call running, it is marked unavailable, not disabled: the focus stays
                // on it (tryout 105: pressed from the keyboard, the focus fell to the page when
                // the critique arrived).
                <button type="button" class="pw-button" disabled=move || g.call.running.get() || tiny_meta() || off_meta()
                    aria-disabled=move || c.call.running.get().then_some("true")
                    title=move || if off_meta() { Some(OFFLINE_TITLE) } else { g.call.running.get().then_some("A prompt is being written: critique it once it is there.") }
                    on:click=move |_| if !c.call.running.get_untracked() { c.critique() }>"Critique this prompt"</button>
                <super::cost::CostNote cost=Signal::derive(move || super::generate::meta_cost(d.with_current_spec(|spec| crate::domain::estimate::request_bound(&crate::domain::optimize::reflexion::critique_prompt_request(spec)))))/>
                {crate::ui::erased::show(move || c.call.running.get(), move || view! {
                    <span class="pw-hint" role="status">"Reading the prompt critically…"</span>
                    <button type="button" data-stops="true" class="pw-button pw-button--small" on:click=move |_| c.call.stop()>"Stop"</button>
                }.into_any())}
            </div>
            <p class="pw-hint">"The meta model lists the prompt's weaknesses: ambiguity, missing rules, gaps in the answer format. Each fix rewrites one section as a new version you can compare."</p>
            {crate::ui::erased::show(move || tiny_meta(), move || view! {
                <p class="pw-hint">{super::generate::TINY_CANNOT}</p>
            }.into_any())}
            <super::notice::CallNote call=c.call/>
            // Its Retry says what it may cost, as every paid button does (tryout 98: none).
            {crate::ui::erased::dynamic(move || (c.call.error.get().map(|e| view! { <ErrorNotice error=e on_retry=Callback::new(move |_| c.critique())
                retry_cost=Signal::derive(move || super::generate::meta_cost(d.with_current_spec(|spec| crate::domain::estimate::request_bound(&crate::domain::optimize::reflexion::critique_prompt_request(spec)))))/> })).into_any())}
            {crate::ui::erased::dynamic(move || (c.weaknesses.get().map(|r| match r {
                Err(f) => view! {
                    <div class="pw-notice pw-notice--error" role="alert">
                        <p class="pw-notice__title">{format!("{}The critique could not be read", f.attempt.prefix())}</p>
                        {f.before.clone().map(|b| view! { <p class="pw-notice__text">{format!("Attempt {}: {b}", f.attempt.number - 1)}</p> })}
                        <p class="pw-notice__text">{if f.before.is_some() { format!("This time: {}", f.message) } else { f.message }}</p>
                        <p class="pw-notice__text">{f.advice}</p>
                        <super::notice::RawReply raw=f.raw/>
                    </div>
                }.into_any(),
                Ok(c) if c.weaknesses.is_empty() && c.left_out.is_empty() => view! {
                    <p class="pw-hint pw-hint--ok">{move || format!("No weaknesses found in version {}.", c_about())}</p>
                    <CritiqueOf/>
                }.into_any(),
                Ok(c) => view! {
                    <p class="pw-hint" id="pw-critique-of">{move || format!("Weaknesses found in version {}:", c_about())}</p>
                    <CritiqueOf/>
                    <ol class="pw-weaknesses" aria-label="Weaknesses of the prompt">
                        {c.weaknesses.into_iter().enumerate().map(|(i, w)| {
                            let fix = w.fix.clone();
                            view! {
                                <li class="pw-weakness">
                                    <span class="pw-tag">{w.kind.replace('-', " ")}</span>
                                    <span class="pw-weakness__section">{w.section.map_or("Whole prompt", |s| s.title())}</span>
                                    <p class="pw-weakness__problem">{w.problem.clone()}</p>
                                    <p class="pw-hint pw-weakness__problem">{format!("Fix: {}", w.fix)}</p>
                                    // Model text that may read otherwise than written (tryout 84).
                                    {crate::domain::figures::hidden_marks(&format!("{} {}", w.problem, w.fix)).map(|note| view! { <p class="pw-hint pw-hint--warn">{note}</p> })}
                                    {match w.section {
                                        Some(section) => view! {
                                            <button type="button" class="pw-button pw-button--small"
                                                // The visible words first (tryout 83: "Apply fix 1 to
                                                // Context" was heard for "Rewrite Context with this fix").
                                                aria-label=move || format!(
                                                    "Rewrite {}{} with this fix (fix {})",
                                                    section.title(),
                                                    if outcome.with(|o| o.iter().any(|(x, r)| *x == i && r.is_ok())) { " again" } else { "" },
                                                    i + 1
                                                )
                                                // Marked unavailable, not disabled, while a call runs: the
                                                // focus stays on the button pressed (tryout 85: a disabled
                                                // button dropped it to the page).
                                                aria-disabled=move || (g.call.running.get() || off_meta()).then_some("true")
                                                title=move || off_meta().then_some(OFFLINE_TITLE)
                                                on:click=move |_| {
                                                    if g.call.running.get_untracked() || off_meta() {
                                                        return;
                                                    }
                                                    pressed.set(Some((i, section, fix.clone(), d.draft.with_untracked(|x| x.current))));
                                                    g.rewrite(section, fix.clone());
                                                }>
                                                {crate::ui::erased::dynamic(move || (if outcome.with(|o| o.iter().any(|(x, r)| *x == i && r.is_ok())) {
                                                    format!("Rewrite {} again with this fix", section.title())
                                                } else {
                                                    format!("Rewrite {} with this fix", section.title())
                                                }).into_any())}
                                            </button>
                                            <super::cost::CostNote cost=Signal::derive({
                                                let fix = w.fix.clone();
                                                move || super::generate::job_cost(d, &crate::state::generator::Job::Rewrite { section, instruction: fix.clone() })
                                            })/>
                                            {crate::ui::erased::dynamic(move || (pressed.with(|p| p.as_ref().is_some_and(|(x, ..)| *x == i) && g.call.running.get()).then(|| view! {
                                                <p class="pw-hint" role="status">{format!("Rewriting {}…", section.title())}</p>
                                            })).into_any())}
                                            {crate::ui::erased::dynamic(move || (outcome.with(|o| o.iter().find(|(x, _)| *x == i).map(|(_, r)| r.clone())).map(|r| match r {
                                                Ok(v) => view! {
                                                    <p class="pw-hint pw-hint--ok" role="status">{format!("Done: version {v} has {} rewritten with this fix (Versions compares it with the one before).", section.title())}</p>
                                                }.into_any(),
                                                Err(why) => view! {
                                                    <p class="pw-hint pw-hint--warn" role="status">{why}" "
                                                        <button type="button" class="pw-button pw-button--small" on:click=move |_| {
                                                            if let Some(el) = document().get_element_by_id("pw-gen-error") { el.scroll_into_view(); }
                                                        }>"Show the message"</button>
                                                    </p>
                                                }.into_any(),
                                            })).into_any())}
                                        }.into_any(),
                                        None => view! {
                                            <p class="pw-hint">"It names no one section of the prompt: apply it by hand where it fits."</p>
                                        }.into_any(),
                                    }}
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                    {(!c.left_out.is_empty()).then(|| view! {
                        <p class="pw-hint pw-hint--warn" id="pw-critique-left-out">{c.left_out.join(" ")}</p>
                    })}
                }.into_any(),
            })).into_any())}
        </div>
    }
}

/// What a loop calls, by budget slot ([`optimize::slot`]): the slot, its name in the budget's
/// rows ("Meta model"), its name after "calls" ("to the meta model"), and its settings. The
/// execution model is named by its model when other execution models score the loop too.
fn budget_slots(
    settings: SettingsHandle,
    also_on: &[ProviderConfig],
) -> Vec<(usize, String, String, ProviderConfig)> {
    let exec = settings.config(Role::Execution);
    let exec_names = if also_on.is_empty() {
        (
            "Execution model".to_owned(),
            "to the execution model".to_owned(),
        )
    } else {
        let l = model_label(&exec);
        (format!("Execution model ({l})"), format!("to {l}"))
    };
    let mut out = vec![
        (
            optimize::slot(Role::Meta, 0),
            "Meta model".to_owned(),
            "to the meta model".to_owned(),
            settings.config(Role::Meta),
        ),
        (
            optimize::slot(Role::Execution, 0),
            exec_names.0,
            exec_names.1,
            exec,
        ),
        (
            optimize::slot(Role::Judge, 0),
            "Judge model".to_owned(),
            "to the judge".to_owned(),
            settings.config(Role::Judge),
        ),
    ];
    for (i, cfg) in also_on.iter().enumerate() {
        let l = model_label(cfg);
        out.push((
            optimize::slot(Role::Execution, i as u32 + 1),
            l.clone(),
            format!("to {l}"),
            cfg.clone(),
        ));
    }
    out
}

/// What Resume or Retry may still spend: what is left of the approved budget, and `more` when
/// the press adds calls to it (`Optimizer::retry_budget`), at the prices the loop was started
/// with (tryout 83: Resume had no figure beside it): "at most $X for the rest of the loop", and
/// for a press that adds calls "… (what is left and the calls added)" (tryout 84: the words did
/// not say the figure was more than the added calls'); "cost unknown" when a job of the loop
/// has no list price (its money was never a bound).
fn resume_cost(o: &crate::domain::optimize::Optimizer, more: Option<&Budget>) -> String {
    match &o.config.prices {
        Some(p) => {
            let left = (o.limit.cost(p) - o.spent.cost(p)).max(0.0);
            let figure = crate::domain::estimate::at_most(left + more.map_or(0.0, |m| m.cost(p)));
            match more.filter(|m| m.calls > 0) {
                // Local models: nothing to say beside the button.
                _ if figure == "free" => figure,
                Some(_) => {
                    format!("{figure} for the rest of the loop (what is left and the calls added)")
                }
                None => format!("{figure} for the rest of the loop"),
            }
        }
        None => "cost unknown: a model of the loop has no list price here".to_owned(),
    }
}

fn cost_line(settings: SettingsHandle, also_on: &[ProviderConfig], b: &Budget) -> String {
    let mut total = 0.0;
    let mut known = true;
    let slots = budget_slots(settings, also_on);
    for (slot, _, _, cfg) in &slots {
        let (i, o) = b.of(*slot);
        if i + o == 0 {
            continue;
        }
        match call_cost(cfg, i as u32, o as u32) {
            Some(c) => total += c,
            None => known = false,
        }
    }
    // Every model priced (as `Config::prices` needs: every job, but the judge when it gets no
    // call, `setup::effective`): the loop never spends more than this
    // (`Optimizer::affordable`); otherwise it is only an estimate.
    let judge = optimize::slot(Role::Judge, 0);
    let all_priced = slots.iter().all(|(slot, _, _, cfg)| {
        call_cost(cfg, 1, 1).is_some() || (*slot == judge && b.calls_of(judge) == 0)
    });
    if known && !all_priced {
        format!("estimated cost {}", format_cost(Some(total)))
    } else if known {
        crate::domain::estimate::at_most(total)
    } else if total > 0.0 {
        // What the priced jobs' shares of the budget cost at list price: neither a floor
        // (tryout 64: "at least $2.85" for a loop that spent $0.05) nor a bound (the jobs share
        // one pool of tokens, and money is not a bound without every price).
        format!(
            "estimated cost {} for the models with a list price (the others have none here)",
            format_cost(Some(total))
        )
    } else {
        "cost unknown (no list price for these models)".to_owned()
    }
}

/// A signal that holds `value`'s value, follows it, and may be set apart from it meanwhile
/// (what a field holds as it is typed, before the change puts it in use).
fn typed_mirror<T: Clone + Send + Sync + 'static>(value: RwSignal<T>) -> RwSignal<T> {
    let typed = RwSignal::new(value.get_untracked());
    crate::state::reactive::effect(move |_| typed.set(value.get()));
    typed
}

/// The loop: settings and budget before it starts; progress, controls and evidence after.
#[component]
fn OptimizerPanel() -> impl IntoView {
    let off_all = super::shell::offline_for(&Role::ALL);
    let d = DraftHandle::expect();
    let h = OptimizerHandle::expect();
    let settings = SettingsHandle::expect();
    // The settings chosen last time in this browser (what does not read is named, and its
    // default used); every change is kept at once.
    let (kept, kept_lost) = h.kept_settings();
    let rounds = RwSignal::new(kept.rounds);
    let k = RwSignal::new(kept.k);
    let minibatch = RwSignal::new(kept.minibatch);
    let patience = RwSignal::new(kept.patience);
    let explore = RwSignal::new(kept.explore_temperature);
    let refine = RwSignal::new(kept.refine_temperature);
    let locked = RwSignal::new(kept.locked);
    let max_calls = RwSignal::new(kept.max_calls);
    // What each field holds as it is typed (its last number that reads): the figures, Start's
    // label and what Start approves are worked out from these, so what is shown is what starts
    // (tryout 88: 6 typed in "Candidates per round", then Start pressed, started a loop of 17
    // calls under a button that said 11; the field's change came with the press).
    let (t_rounds, t_k, t_minibatch, t_patience) = (
        typed_mirror(rounds),
        typed_mirror(k),
        typed_mirror(minibatch),
        typed_mirror(patience),
    );
    let (t_explore, t_refine, t_max_calls) = (
        typed_mirror(explore),
        typed_mirror(refine),
        typed_mirror(max_calls),
    );
    // The comparison models the candidates are scored on too (by `model_key`; the grid's models
    // that can be called and are not the execution model), and how their scores combine.
    // (As chosen last time: a model no longer set up under Compare models is left out.)
    let (kept_keys, kept_select) = h.kept_models();
    let also_keys = RwSignal::new(kept_keys);
    let select = RwSignal::new(kept_select);
    let other_models = crate::state::reactive::memo(move |_| {
        let exec = settings.config(Role::Execution);
        settings.compare.with(|c| {
            crate::domain::eval::grid::slots(&exec, c)
                .into_iter()
                .skip(1)
                .map(|s| s.cfg)
                .collect::<Vec<_>>()
        })
    });
    // A model edited in its row under Compare models (its address mended, its model changed)
    // stays ticked: the tick follows the row (tryout 91: it was dropped with no word, and the
    // budget counted one model fewer).
    let row_keys = StoredValue::new(
        settings
            .compare
            .with_untracked(|c| c.iter().map(model_key).collect::<Vec<_>>()),
    );
    crate::state::reactive::effect(move |_| {
        let now: Vec<String> = settings.compare.with(|c| c.iter().map(model_key).collect());
        let before = row_keys.get_value();
        // One row edited (the rows' count the same, one key changed, and that key no other
        // row's before or after): its tick goes with it. Anything else moves no tick (the
        // review of session 45: two rows passing through one key merged their ticks).
        let changed: Vec<usize> = (0..now.len().min(before.len()))
            .filter(|i| before[*i] != now[*i])
            .collect();
        if let ([i], true) = (changed.as_slice(), before.len() == now.len()) {
            let (was, is) = (&before[*i], &now[*i]);
            let alone = before.iter().filter(|k| *k == was).count() == 1
                && !now.iter().any(|k| k == was)
                && now.iter().filter(|k| *k == is).count() == 1;
            if alone && also_keys.with_untracked(|k| k.contains(was) && !k.contains(is)) {
                also_keys.update(|k| {
                    for x in k.iter_mut().filter(|x| *x == was) {
                        *x = is.clone();
                    }
                });
            }
        }
        row_keys.set_value(now);
    });
    let config = move || Config {
        also_on: also_keys.with(|keys| {
            other_models.with(|m| {
                m.iter()
                    .filter(|c| keys.contains(&model_key(c)))
                    .cloned()
                    .collect()
            })
        }),
        select: select.get(),
        max_calls: t_max_calls.get(),
        rounds: t_rounds.get(),
        k: t_k.get(),
        minibatch: t_minibatch.get(),
        patience: t_patience.get(),
        explore_temperature: t_explore.get(),
        refine_temperature: t_refine.get(),
        locked: locked.get(),
        seed: 1,
        ..Config::default()
    };
    crate::state::reactive::effect(move |first: Option<()>| {
        let chosen = config();
        // Not on the first run: reading the kept settings must not rewrite them.
        if first.is_some() {
            h.keep_settings(&chosen);
        }
    });
    // Everything below reads the cases and the prompt through one shared memo of them
    // (`DraftHandle::suite_and_prompt`), so a run's results arriving (a change of the draft
    // each) work none of it out again: only that memo compares the cases once per change.
    let suite_prompt = d.suite_and_prompt;
    // The projection reads the prompt, the cases and the style only.
    let style_spec = crate::state::reactive::memo(move |_| {
        d.draft.with(|x| (x.style, x.current_spec().cloned()))
    });
    let budget = crate::state::reactive::memo(move |_| {
        let c = config();
        style_spec.with(|(style, spec)| {
            suite_prompt.with(|(suite, _)| {
                spec.as_ref()
                    .map(|spec| h.projection_of(&c, *style, spec, suite))
            })
        })
    });
    // A "Most calls" too small to score even the starting prompt: said before Start, which waits.
    let cap_issue = crate::state::reactive::memo(move |_| {
        let c = config();
        suite_prompt.with(|(suite, _)| cap_problem(&c, suite))
    });
    // Cases the loop would send with an empty variable or message (training and held-out): named
    // before Start, which waits for a tick (as Run waits for "Run anyway").
    let unfilled = crate::state::reactive::memo(move |_| {
        suite_prompt.with(|(suite, prompt)| {
            let global = suite.global_reads();
            suite
                .cases
                .iter()
                .map(|c| (c.id, c.summary(), run::case_gaps(prompt, c, &global)))
                .filter(|(_, _, g)| !g.is_empty())
                .collect::<Vec<_>>()
        })
    });
    let start_anyway = RwSignal::new(false);
    // The cases the loop sends: those with a check (`optimize::cases_readiness` names the rest).
    let counts = crate::state::reactive::memo(move |_| {
        suite_prompt.with(|(suite, _)| {
            (
                suite.checked_ids_in(Split::Train).len(),
                suite.checked_ids_in(Split::HeldOut).len(),
            )
        })
    });
    let readiness = crate::state::reactive::memo(move |_| {
        suite_prompt.with(|(suite, _)| cases_readiness(suite))
    });
    let problems = crate::state::reactive::memo(move |_| {
        style_spec
            .with(|(_, spec)| suite_prompt.with(|(suite, _)| suite.problems(spec.as_ref()).len()))
    });
    // Numbers typed into checks that could not be used: the loop would score with the old value.
    let unaccepted = crate::state::entries::Unaccepted::get();
    let unused_entries =
        crate::state::reactive::memo(move |_| unaccepted.map_or(0, |u| u.count_in_checks()));
    let state = crate::state::reactive::memo(move |_| d.draft.with(|x| x.optimizer.clone()));
    let running = move || state.with(|o| o.as_ref().is_some_and(|o| o.stop.is_none()));
    // What "Start again" would throw away (candidates with a score, or waiting only for a
    // verdict, that no version holds: `Optimizer::unaccepted`), and whether the
    // person was asked about it: the first press asks, the second replaces.
    let unaccepted = crate::state::reactive::memo(move |_| {
        d.draft.with(|x| {
            x.optimizer.as_ref().map_or_else(Vec::new, |o| {
                o.unaccepted(&Ctx { suite: &x.suite }, |sp| {
                    x.versions.iter().any(|v| v.spec == *sp)
                })
            })
        })
    });
    let asking_restart = RwSignal::new(false);
    let keep_button = NodeRef::<leptos::html::Button>::new();
    crate::state::reactive::effect(move |_| {
        if asking_restart.get()
            && let Some(el) = keep_button.get()
        {
            let _ = el.focus();
        }
    });
    // What was typed into a setting and cannot be used: named by its field, and Start waits.
    let problems_of = [
        ("Rounds", RwSignal::new(None::<String>)),
        ("Candidates per round", RwSignal::new(None)),
        ("Training cases per round", RwSignal::new(None)),
        ("Stop after rounds without gain", RwSignal::new(None)),
        ("Temperature for new candidates", RwSignal::new(None)),
        ("Temperature for refinements", RwSignal::new(None)),
        ("Most calls", RwSignal::new(None)),
    ];
    let problem = move |label: &str| {
        problems_of
            .iter()
            .find(|(l, _)| *l == label)
            .map(|(_, p)| *p)
            .expect("a field of the loop")
    };
    // The jobs the loop calls (the judge only with judge checks): their keys are named under
    // Start, and Start waits while one has no address or model name (tryout 93).
    let loop_roles = Signal::derive(move || {
        let judged = suite_prompt.with(|(s, _)| s.has_judge_checks());
        if judged {
            vec![Role::Meta, Role::Execution, Role::Judge]
        } else {
            vec![Role::Meta, Role::Execution]
        }
    });
    let unset = move || {
        loop_roles.with(|roles| {
            roles
                .iter()
                .any(|r| settings.config(*r).missing().is_some())
        })
    };
    let bad_settings = crate::state::reactive::memo(move |_| {
        problems_of
            .iter()
            .filter_map(|(label, p)| p.get().map(|m| format!("{label}: {m}")))
            .collect::<Vec<_>>()
    });
    let number = move |(sig, typed): (RwSignal<u32>, RwSignal<u32>),
                       (id, hint_id): (&'static str, &'static str),
                       label: &'static str,
                       min: u32,
                       max: u32,
                       hint: &'static str| {
        view! {
            <div class="pw-field">
                <label class="pw-label" for=id>{label}</label>
                <NumberInput id=id value=sig typing=typed min=min max=max hint=hint_id problem=problem(label)/>
                <p id=hint_id class="pw-hint">{format!("{hint} From {min} to {max}.")}</p>
            </div>
        }
    };
    let temp = move |(sig, typed): (RwSignal<f32>, RwSignal<f32>),
                     (id, hint_id): (&'static str, &'static str),
                     label: &'static str,
                     hint: &'static str| {
        view! {
            <div class="pw-field">
                <label class="pw-label" for=id>{label}</label>
                <NumberInput id=id value=sig typing=typed min=0.0f32 max=1.5f32 hint=hint_id problem=problem(label)/>
                <p id=hint_id class="pw-hint">{format!("{hint} From 0 to 1.5.")}</p>
            </div>
        }
    };
    let max_calls_problem = problem("Most calls");
    view! {
        <div class="pw-optimizer">
            <h3 class="pw-subtitle">"Optimize automatically"</h3>
            <p class="pw-hint">"Each round runs the best prompt so far and new candidates on your training cases, scores them with your checks, and asks the meta model for better candidates from the failures. Held-out cases check the winner, so it does not just memorise the training cases. Nothing replaces your prompt until you accept a candidate."</p>
            {(!kept_lost.is_empty()).then(|| view! {
                <div class="pw-notice pw-notice--warn pw-loop-kept-lost" role="status">
                    <p class="pw-notice__title">"Some saved settings of the loop could not be used"</p>
                    <ul>{kept_lost.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
                </div>
            })}
            {crate::ui::erased::show(move || !running(), move || view! {
                <details class="pw-details">
                    <summary>"Settings of the loop"</summary>
                    <div class="pw-details__grid">
                        {number((rounds, t_rounds), ("pw-opt-rounds", "pw-opt-rounds-hint"), "Rounds", 1, 10, "Most gain comes in 3 to 5.")}
                        {number((k, t_k), ("pw-opt-k", "pw-opt-k-hint"), "Candidates per round", 1, 6, "From 2 on, one of them refines the best and the others explore; a single one explores.")}
                        <div class="pw-field">
                            <label class="pw-label" for="pw-opt-batch">"Training cases per round"</label>
                            <NumberInput id="pw-opt-batch" value=minibatch typing=t_minibatch min=1usize max=50usize hint="pw-opt-batch-hint" problem=problem("Training cases per round")/>
                            <p id="pw-opt-batch-hint" class="pw-hint">"From 1 to 50."</p>
                        </div>
                        {number((patience, t_patience), ("pw-opt-patience", "pw-opt-patience-hint"), "Stop after rounds without gain", 1, 5, "Early stop.")}
                        {temp((explore, t_explore), ("pw-opt-explore", "pw-opt-explore-hint"), "Temperature for new candidates", "High (0.7-1.0): more varied ideas.")}
                        {temp((refine, t_refine), ("pw-opt-refine", "pw-opt-refine-hint"), "Temperature for refinements", "Low (0-0.3): careful small fixes.")}
                        <div class="pw-field">
                            <label class="pw-label" for="pw-opt-max-calls">"Most calls (optional)"</label>
                            <input id="pw-opt-max-calls" class="pw-input pw-input--short" type="text" inputmode="numeric" autocomplete="off"
                                aria-describedby=move || if max_calls_problem.with(Option::is_some) { "pw-opt-max-calls-hint pw-opt-max-calls-problem" } else { "pw-opt-max-calls-hint" }
                                aria-invalid=move || max_calls_problem.with(Option::is_some).then_some("true")
                                prop:value=move || max_calls.get().map(|n| n.to_string()).unwrap_or_default()
                                on:input=move |ev| {
                                    let t = event_target_value(&ev);
                                    if t.trim().is_empty() {
                                        t_max_calls.set(None);
                                    } else {
                                        // What cannot be used leaves the figures at the limit in use.
                                        t_max_calls.set(read_setting(&t, 1u32, 100_000, 100_000).ok().or(max_calls.get_untracked()));
                                    }
                                }
                                on:change=move |ev| {
                                    let t = event_target_value(&ev);
                                    if t.trim().is_empty() {
                                        max_calls.set(None);
                                        max_calls_problem.set(None);
                                        return;
                                    }
                                    let in_use = max_calls.get_untracked().unwrap_or(100_000);
                                    match read_setting(&t, 1u32, 100_000, in_use) {
                                        Ok(n) => { max_calls.set(Some(n)); max_calls_problem.set(None); }
                                        Err(e) => max_calls_problem.set(Some(match max_calls.get_untracked() {
                                            Some(_) => e,
                                            // No limit of one's own yet: the projection is the limit.
                                            None => e.replace("100,000 is used until then", "the projection is the limit until then"),
                                        })),
                                    }
                                }/>
                            {crate::ui::erased::dynamic(move || (max_calls_problem.get().map(|m| view! { <p id="pw-opt-max-calls-problem" class="pw-hint pw-hint--bad pw-number__problem" role="alert">{m}</p> })).into_any())}
                            <p id="pw-opt-max-calls-hint" class="pw-hint">"A lower limit than the projection (from 1 to 100,000; empty: none): the loop stops before a call that would pass it."</p>
                        </div>
                    </div>
                    {crate::ui::erased::dynamic(move || ({
                        let models = other_models.get();
                        (!models.is_empty()).then(|| view! {
                            <fieldset class="pw-checks pw-loop-models">
                                <legend class="pw-label">"Models to optimize for"</legend>
                                <p class="pw-hint">{format!(
                                    "The execution model ({}) scores every candidate. Tick comparison models to score each candidate on them too: every case is answered and judged once per model, so each one adds to the budget.",
                                    model_label(&settings.config(Role::Execution))
                                )}</p>
                                <div class="pw-row pw-row--wrap">
                                    {models.into_iter().map(|cfg| {
                                        let key = model_key(&cfg);
                                        let key2 = key.clone();
                                        view! {
                                            <label class="pw-check">
                                                <input type="checkbox" prop:checked=move || also_keys.with(|k| k.contains(&key))
                                                    on:change=move |ev| {
                                                        let on = event_target_checked(&ev);
                                                        also_keys.update(|k| { k.retain(|x| *x != key2); if on { k.push(key2.clone()); } });
                                                    }/>
                                                {format!("Also score on {}", model_label(&cfg))}
                                            </label>
                                        }
                                    }).collect_view()}
                                </div>
                                {crate::ui::erased::dynamic(move || (also_keys.with(|k| !k.is_empty()).then(|| view! {
                                    <div class="pw-row pw-row--wrap" role="radiogroup" aria-label="How a case's scores on the models combine">
                                        <label class="pw-check">
                                            <input type="radio" name="pw-loop-select" prop:checked=move || select.get() == Selection::Mean
                                                on:change=move |_| select.set(Selection::Mean)/>
                                            "Score a case by its mean over the models"
                                        </label>
                                        <label class="pw-check">
                                            <input type="radio" name="pw-loop-select" prop:checked=move || select.get() == Selection::Worst
                                                on:change=move |_| select.set(Selection::Worst)/>
                                            "Score a case by its worst model (a prompt gains only where it holds on every model)"
                                        </label>
                                    </div>
                                })).into_any())}
                                {crate::ui::erased::dynamic(move || ({
                                    let missing: Vec<String> = config().also_on.iter()
                                        .filter(|c| settings.key_missing(c))
                                        .map(model_label)
                                        .collect();
                                    (!missing.is_empty()).then(|| view! {
                                        <p class="pw-hint pw-hint--warn" role="status">{format!(
                                            "No API key in this tab for {}: the loop would pause at its first refused call. Paste it in the model's row under Compare models first.",
                                            missing.join(" or ")
                                        )}</p>
                                    })
                                }).into_any())}
                            </fieldset>
                        })
                    }).into_any())}
                    <fieldset class="pw-checks">
                        <legend class="pw-label">"Locked sections (the optimizer must not change them)"</legend>
                        <div class="pw-row pw-row--wrap">
                            {Section::ALL.into_iter().map(|s| view! {
                                <label class="pw-check">
                                    <input type="checkbox" prop:checked=move || locked.with(|l| l.contains(&s))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            locked.update(|l| { l.retain(|x| *x != s); if on { l.push(s); } });
                                        }/>
                                    {format!("Lock {}", s.title())}
                                </label>
                            }).collect_view()}
                        </div>
                    </fieldset>
                </details>
                {crate::ui::erased::dynamic(move || ({
                    let (train, held) = counts.get();
                    let left_out = match readiness.get() {
                        Err(why) => return view! { <p class="pw-hint pw-hint--warn pw-loop-not-ready">{why}</p> }.into_any(),
                        Ok(note) => note,
                    };
                    if problems.get() > 0 {
                        return view! { <p class="pw-hint pw-hint--warn">"Fix the checks marked in red under Test cases first."</p> }.into_any();
                    }
                    let unused = unused_entries.get();
                    if unused > 0 {
                        let what = if unused == 1 { "A number typed into a check is".to_owned() } else { format!("{unused} numbers typed into checks are") };
                        return view! { <p class="pw-hint pw-hint--warn pw-loop-entries">{format!("{what} not used (marked in red under Test cases): correct or empty them first, or the loop would score with the old values.")}</p> }.into_any();
                    }
                    let Some(b) = budget.get() else { return ().into_any() };
                    let also = config().also_on;
                    let slots = budget_slots(settings, &also);
                    let used = minibatch.get().min(train);
                    // "each on 2 models" after the cases it is about; the advice on held-out
                    // cases last (tryout 11, m6: it hung the models on the advice).
                    let line = format!(
                        "Up to {} and {}, {} ({} per round{}{}{}).",
                        count(b.calls, "call", "calls"), count(b.tokens(), "token", "tokens"), cost_line(settings, &also, &b), count(used, "training case", "training cases"),
                        if held > 0 { format!(", {held} held-out") } else { String::new() },
                        if also.is_empty() { String::new() } else { format!(", each on {} models", also.len() + 1) },
                        if held > 0 { "" } else { ", no held-out cases: add some to catch overfitting" }
                    );
                    let per_role = slots
                        .iter()
                        .map(|(slot, name, _, _)| {
                            let (i, o) = b.of(*slot);
                            format!("{name}: {}, {}", count(b.calls_of(*slot), "call", "calls"), count(i + o, "token", "tokens"))
                        })
                        .collect::<Vec<_>>()
                        .join(" · ");
                    let planned: u32 = slots.iter().map(|(slot, ..)| b.calls_of(*slot)).sum();
                    let per_role = if b.calls < planned {
                        // Under a cap the tokens are what the capped calls can use, not the plan's.
                        let plan = slots
                            .iter()
                            .filter(|(slot, ..)| b.calls_of(*slot) > 0)
                            .map(|(slot, _, to, _)| format!("{} {to}", count(b.calls_of(*slot), "call", "calls")))
                            .collect::<Vec<_>>()
                            .join(", ");
                        if cap_issue.with(Option::is_some) {
                            // Tryout 119: "so the loop stops after 4 calls" over "Start waits: the
                            // limit is too small to score a candidate".
                            format!("Your cap of {} is below the full plan ({plan}), and too small for the loop to start (see below)", count(b.calls, "call", "calls"))
                        } else {
                            format!("Your cap of {} is below the full plan ({plan}), so the loop stops after {}; the tokens shown are an upper bound for them (each job's largest calls, up to the cap)", count(b.calls, "call", "calls"), count(b.calls, "call", "calls"))
                        }
                    } else {
                        per_role
                    };
                    let open = OpenCase::expect();
                    let gaps = unfilled.get();
                    let held_back = !gaps.is_empty() && !start_anyway.get();
                    view! {
                        <div class="pw-budget" role="group" aria-label="Budget">
                            <p class="pw-budget__line" id="pw-loop-budget">{line}</p>
                            {left_out.map(|n| view! { <p class="pw-hint pw-hint--warn pw-loop-left-out">{n}</p> })}
                            <p class="pw-hint">{format!("{per_role}. The loop stops before a call that would not fit the whole. Two things can take it past, and it then stops at once: a provider that writes past the output cap it is sent (some servers ignore it), by what the answers under way write beyond their caps (the page reads no answer past 8 bytes a token of its cap, 2,000 at least, and charges it by that length); and the prompts of attempts sent again after a server error, which may be billed, counted on top of a call that then fails. How they split between the models can shift (a call asked again after a failure, an answer shorter than allowed).")}</p>
                            <p class="pw-hint pw-loop-basis">{{
                                let cfg = config();
                                let judged = (0..=cfg.also_on.len() as u32).any(|m| b.calls_of(optimize::slot(Role::Judge, m)) > 0);
                                let latest = d.draft.with(|x| x.run_of(x.current).map(|r| {
                                    let (n, all, t) = r.latest_tokens();
                                    (n, all, t, r.latest_estimated(), r.latest_received())
                                }));
                                // The loop's answers have a run's room (`setup::effective`), not
                                // the settings' default (tryout 81: "800-token cap" beside runs'
                                // 1,500).
                                crate::domain::optimize::notes::bound_basis(crate::state::runner::MAX_OUTPUT_TOKENS, judged, latest)
                            }}</p>
                            {(!gaps.is_empty()).then(|| {
                                let n = gaps.len();
                                let what = crate::domain::eval::run::gaps_noun(gaps.iter().flat_map(|(_, _, g)| g));
                                view! {
                                    <div class="pw-notice pw-notice--warn pw-loop-unfilled" role="group" aria-label="Cases the loop would send incomplete">
                                        <p class="pw-notice__title">{if n == 1 {
                                            format!("1 case would go out with {what} in every round.")
                                        } else {
                                            format!("{n} cases would go out with {what} in every round.")
                                        }}</p>
                                        <ul>
                                            {gaps.into_iter().map(|(id, summary, g)| {
                                                let first = g.first().and_then(gap_variable);
                                                let name = if summary.is_empty() { format!("Case #{id}") } else { format!("Case #{id} ({summary})") };
                                                view! {
                                                    <li>
                                                        <span class="pw-unfilled__case">{name}</span>
                                                        <ul>{g.iter().map(|x| view! { <li>{x.describe()}</li> }).collect_view()}</ul>
                                                        <button type="button" class="pw-button pw-button--small" aria-label=format!("Fix case #{id}")
                                                            on:click=move |_| open.show(id, first.clone())>"Fix it"</button>
                                                    </li>
                                                }
                                            }).collect_view()}
                                        </ul>
                                        <div class="pw-check-box">
                                            <label class="pw-check">
                                                <input type="checkbox" id="pw-loop-start-anyway" aria-describedby="pw-loop-start-anyway-effect"
                                                    prop:checked=move || start_anyway.get()
                                                    on:change=move |ev| start_anyway.set(event_target_checked(&ev))/>
                                                <span class="pw-check__title">"Start with these cases as they are"</span>
                                            </label>
                                            <p id="pw-loop-start-anyway-effect" class="pw-check__effect">
                                                {crate::ui::erased::dynamic(move || (if start_anyway.get() {
                                                    "Ticked: Start is on, and these cases go out as they are in every round."
                                                } else {
                                                    "Tick this box to allow Start: these cases will go out as they are in every round. Or fix them first."
                                                }).into_any())}
                                            </p>
                                        </div>
                                    </div>
                                }
                            })}
                            {crate::ui::erased::dynamic(move || (cap_issue.get().map(|m| view! {
                                <div class="pw-notice pw-notice--warn pw-loop-cap-too-small" role="group" aria-label="Most calls is too small">
                                    <p class="pw-notice__title">"Start waits: the limit is too small to score a candidate."</p>
                                    <p>{m}</p>
                                </div>
                            })).into_any())}
                            {crate::ui::erased::dynamic(move || ({
                                let bad = bad_settings.get();
                                (!bad.is_empty()).then(|| view! {
                                    <div class="pw-notice pw-notice--warn pw-loop-bad-settings" role="group" aria-label="Settings of the loop that cannot be used">
                                        <p class="pw-notice__title">"Start waits: fix the settings of the loop marked above."</p>
                                        <ul>{bad.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
                                    </div>
                                })
                            }).into_any())}
                            // Before Start sends without a key this tab does not have, as under
                            // Run (tryout 88: Start went on without a key a reload forgot, and the
                            // page's warnings went with no word here).
                            <super::shell::KeyNote roles=loop_roles id="pw-loop-key"/>
                            <button type="button" class="pw-button pw-button--primary"
                                disabled=move || held_back || bad_settings.with(|b| !b.is_empty()) || cap_issue.with(Option::is_some) || off_all() || unset()
                                title=move || off_all().then_some(OFFLINE_TITLE)
                                // Its figure is part of its description (tryout 84: only the
                                // budget line above said it), and why it waits for Settings.
                                aria-describedby=move || if unset() { "pw-loop-budget pw-loop-key-unset" } else { "pw-loop-budget" }
                                on:click=move |_| if bad_settings.with_untracked(Vec::is_empty) && cap_issue.with_untracked(Option::is_none) {
                                    if unaccepted.with_untracked(Vec::is_empty) {
                                        h.start(config());
                                    } else {
                                        asking_restart.set(true);
                                    }
                                }>
                                {if state.with_untracked(Option::is_some) {
                                    format!("Start again: up to {} (replaces the results below)", count(b.calls, "call", "calls"))
                                } else {
                                    format!("Start: up to {}", count(b.calls, "call", "calls"))
                                }}
                            </button>
                            {crate::ui::erased::dynamic(move || ((asking_restart.get() && !unaccepted.with(Vec::is_empty)).then(|| {
                                let ids = unaccepted.get();
                                let names = ids.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
                                view! {
                                    <div class="pw-notice pw-notice--warn pw-loop-restart" role="group" aria-label="Start again?">
                                        <p class="pw-notice__title">"Start again replaces this loop's results."</p>
                                        <p>{format!(
                                            "{} you have not accepted ({} {names}) and the score history will be gone. Accept the ones you want to keep first: an accepted candidate stays as a version.",
                                            count(ids.len(), "candidate", "candidates"),
                                            if ids.len() == 1 { "candidate" } else { "candidates" },
                                        )}</p>
                                        <div class="pw-row pw-row--wrap pw-actions">
                                            <button type="button" class="pw-button"
                                                on:click=move |_| { asking_restart.set(false); h.start(config()); }>
                                                "Replace them and start"
                                            </button>
                                            <button type="button" class="pw-button pw-button--primary" node_ref=keep_button
                                                on:click=move |_| asking_restart.set(false)>
                                                "Keep them"
                                            </button>
                                        </div>
                                    </div>
                                }
                            })).into_any())}
                        </div>
                    }.into_any()
                }).into_any())}
            }.into_any())}
            <Progress state=state/>
            // "Continuing…" is news while the loop runs, not after it ended (tryout 11, m6).
            {crate::ui::erased::dynamic(move || (h.note.get()
                .filter(|n| !n.starts_with(crate::domain::optimize::notes::CONTINUING) || running())
                // The answer to a Resume pressed without a key goes once the keys are back.
                .filter(|n| !n.starts_with(crate::domain::optimize::notes::NOT_RESUMED) || h.keys_missing_now())
                // A pause for models Settings changed follows Settings (tryout 87).
                .map(|n| view! { <p class="pw-hint" role="status">{crate::ui::erased::dynamic(move || h.note_now(n.clone()).into_any())}</p> })).into_any())}
            // A loop held for a key says so here too, in words that follow Settings (helper 50).
            {crate::ui::erased::dynamic(move || (match h.arrival.get() {
                Some(crate::domain::optimize::notes::Arrival::HeldForKey { cut_off })
                    if h.note.with(|n| n.as_ref().is_none_or(|n| n.starts_with(crate::domain::optimize::notes::NOT_RESUMED) && !h.keys_missing_now())) =>
                {
                    Some(view! { <p class="pw-hint" role="status">{crate::ui::erased::dynamic(move || (h.held_for_key_now(cut_off)).into_any())}</p> })
                }
                _ => None,
            }).into_any())}
            // Beside either note about a key a reload forgot (a server that may need none).
            {crate::ui::erased::dynamic(move || ({
                let held = matches!(h.arrival.get(), Some(crate::domain::optimize::notes::Arrival::HeldForKey { .. }))
                    || h.note.with(|n| n.as_ref().is_some_and(|n| n.starts_with(crate::domain::optimize::notes::NOT_RESUMED)));
                (held && h.keys_forgotten_now()).then(|| view! {
                    <button type="button" class="pw-button pw-button--small" disabled=off_all title=move || off_all().then_some(OFFLINE_TITLE) on:click=move |_| h.resume_without_keys()>{crate::domain::provider::GO_ON_WITHOUT_KEY}</button>
                })
            }).into_any())}
            <Evidence state=state/>
        </div>
    }
}

/// Where the loop is, what it spent, and its controls.
#[component]
fn Progress(
    /// The loop's state.
    state: Memo<Option<Optimizer>>,
) -> impl IntoView {
    let off_all = super::shell::offline_for(&Role::ALL);
    let h = OptimizerHandle::expect();
    let d = DraftHandle::expect();
    // Time left, from the pace so far: at most the calls left in the budget.
    let live = move || state.with(|o| o.as_ref().is_some_and(|o| o.stop.is_none() && !o.paused));
    let now = super::browser::clock_while(live);
    // Since when, and from how many calls, this page has watched the loop go (the pace is
    // taken from then: `run::loop_time_left`); forgotten while it does not go.
    let since = StoredValue::new(None::<(f64, u32)>);
    crate::state::reactive::effect(move |_| {
        if !live() {
            since.set_value(None);
        }
    });
    let eta = move |o: &Optimizer| -> Option<String> {
        if o.stop.is_some() || o.paused {
            return None;
        }
        let t = now.get();
        let (t0, c0) = *since.get_value().get_or_insert((t, o.spent.calls));
        since.set_value(Some((t0, c0)));
        crate::domain::eval::run::loop_time_left(
            o.spent.calls.saturating_sub(c0),
            o.limit.calls.saturating_sub(o.spent.calls),
            t - t0,
        )
    };
    let scoring =
        crate::state::reactive::memo(move |_| d.suite_and_prompt.with(|(s, _)| s.scoring_parts()));
    view! {
        {crate::ui::erased::dynamic(move || (state.get().map(|o| {
            let stalled = o.stalled();
            scoring.track();
            let suite = d.draft.with_untracked(|x| x.suite.clone());
            let short = o.short_after_loss(&Ctx { suite: &suite });
            let phase = match (o.stop, o.phase) {
                (Some(_), _) => o.end_note_below().unwrap_or_default(),
                (None, _) if short => format!(
                    "Paused: {} cut off (by a reload, by opening another draft or by deleting this one) or failed after reaching the provider {} counted as used (a call that went out may still be billed), and doing {} again does not fit the budget you approved.",
                    count(o.lost.calls, "call", "calls"),
                    if o.lost.calls == 1 { "is" } else { "are" },
                    if o.lost.calls == 1 { "it" } else { "them" },
                ),
                (None, _) if stalled.is_some() => format!(
                    "Round {} of {}: waiting, the meta model gave no candidate to try.",
                    stalled.unwrap_or_default(), o.config.rounds
                ),
                (None, _) if o.paused => "Paused.".to_owned(),
                (None, Phase::Evaluating(0)) => "Round 0: scoring your prompt.".to_owned(),
                (None, Phase::Evaluating(r)) => format!("Round {r} of {}: scoring the candidates.", o.config.rounds),
                (None, Phase::Checking(r)) => format!("Round {r} of {}: checking the best on held-out cases.", o.config.rounds),
                (None, Phase::Proposing(r)) => format!("Round {r} of {}: the meta model writes candidates.", o.config.rounds),
                (None, Phase::Finished) => "Finished.".to_owned(),
            };
            // Money too when the jobs were priced at Start: spent (as the providers reported)
            // against the most the approved budget can cost.
            let money = o.config.prices.as_ref().map(|p| {
                format!(" · {}", crate::domain::estimate::spent_of_at_most(o.spent.cost(p), o.limit.cost(p)))
            }).unwrap_or_default();
            // Tryout 17, 10: each Retry added its calls to the budget and nothing showed the
            // total drifting from what was approved at Start.
            let added = if o.added_calls > 0 {
                format!(
                    " ({} approved at Start, {} approved since)",
                    grouped(u64::from(o.limit.calls.saturating_sub(o.added_calls))),
                    grouped(u64::from(o.added_calls))
                )
            } else {
                String::new()
            };
            // Requests the engine sent again after an error before any answer: the provider
            // saw them, the count of calls does not hold them (tryout 62).
            let resent = match o.resent {
                0 => String::new(),
                1 => " (1 request was sent again after an error that came before any answer: it is not among the calls used".to_owned(),
                n => format!(" ({n} requests were sent again after errors that came before any answer: they are not among the calls used"),
            };
            // Session 38: one that stalled had reached the provider, which may bill its prompt.
            let resent = match (o.resent, o.resent_stalled) {
                (0, _) => resent,
                (_, 0) => format!("{resent})"),
                (1, 1) => format!("{resent}; it had reached the provider and stalled there, so its prompt is counted in the tokens, as it may be billed)"),
                (_, k) => format!("{resent}; {k} of them had reached the provider and stalled there, so their prompts are counted in the tokens, as they may be billed)"),
            };
            // Session 42: a call charged its whole reservation (the provider reported nothing
            // for it) made the tokens and money read as counted, not as the bound they are.
            let whole = crate::domain::optimize::notes::charged_whole(o.charged_whole, o.charged_unreported);
            let spent = format!(
                "{} of {} used{added}{resent} · {} of {}{money}{whole}{}",
                grouped(u64::from(o.spent.calls)), count(o.limit.calls, "call", "calls"), grouped(o.spent.tokens()), count(o.limit.tokens(), "token", "tokens"), eta(&o).unwrap_or_default()
            );
            let live = o.stop.is_none();
            let paused = o.paused;
            let more = o.retry_budget(&Ctx { suite: &suite });
            let retry_calls = more.as_ref().map(|b| b.calls);
            let retry_cost = more.as_ref().map(|b| resume_cost(&o, Some(b)));
            let left_cost = resume_cost(&o, None);
            let retry_label = move |n: u32| format!("Retry (up to {} more {})", grouped(u64::from(n)), noun(n, "call", "calls"));
            // New candidates first, then the refinement, round by round.
            let mut failures = o.proposal_failures.clone();
            // Only the round under way's (the last round's once the loop ended): earlier rounds
            // went on without them (tryout 17, 8: old notices piled up in the panel).
            let round_now = match o.phase {
                Phase::Evaluating(r) | Phase::Checking(r) | Phase::Proposing(r) => Some(r),
                Phase::Finished => failures.iter().map(|f| f.round).max(),
            };
            failures.retain(|f| Some(f.round) == round_now);
            crate::domain::order::sort_by_key(&mut failures, |f| (f.round, f.refine));
            // A failure whose call goes out again: now, or when the paused loop goes on.
            let failures: Vec<(ProposalFailure, Option<bool>)> = failures
                .into_iter()
                .map(|f| {
                    // Out now (a Pause does not take it back), or out when the loop may send.
                    let again = o.asking_again(&f).map(|out| out || !paused);
                    (f, again)
                })
                .collect();
            // A live loop's failures above its status (they say what it waits on); an ended
            // loop's below its end (tryout 121).
            let stopped = o.stop.filter(|_| o.phase == Phase::Finished);
            let (above, below) = if stopped.is_some() {
                (Vec::new(), failures)
            } else {
                (failures, Vec::new())
            };
            view! {
                <ProposalFailures failures=above stalled=stalled retry_calls=retry_calls retry_cost=retry_cost.clone() stopped=None/>
                <div class="pw-progress">
                    <progress class="pw-progress__bar" max=o.limit.calls.max(1).to_string() prop:value=o.spent.calls aria-label="Calls used of the budget"></progress>
                    <p class="pw-progress__text" role="status">{format!("{phase} {spent}")}</p>
                    <div class="pw-row pw-row--wrap">
                        {live.then(|| if stalled.is_some() {
                            ().into_any()
                        } else if let Some(n) = retry_calls.filter(|_| short) {
                            view! { <button type="button" class="pw-button pw-button--primary" disabled=off_all title=move || off_all().then_some(OFFLINE_TITLE) on:click=move |_| h.resume()>{retry_label(n)}</button> <super::cost::CostNote cost=Signal::derive({ let c = retry_cost.clone(); move || c.clone() })/> }.into_any()
                        } else if paused {
                            view! { <button type="button" class="pw-button pw-button--primary" disabled=off_all title=move || off_all().then_some(OFFLINE_TITLE) on:click=move |_| h.resume()>"Resume"</button> <super::cost::CostNote cost=Signal::derive({ let c = left_cost.clone(); move || Some(c.clone()) })/> }.into_any()
                        } else {
                            view! { <button type="button" class="pw-button" on:click=move |_| h.pause()>"Pause"</button> }.into_any()
                        })}
                        {live.then(|| view! { <button type="button" class="pw-button pw-button--danger" on:click=move |_| h.cancel()>"Cancel optimization"</button> })}
                        {(!live).then(|| view! { <button type="button" class="pw-button pw-button--ghost" on:click=move |_| h.clear()>"Clear the results"</button> })}
                    </div>
                </div>
                <ProposalFailures failures=below stalled=stalled retry_calls=retry_calls retry_cost=retry_cost.clone() stopped=stopped/>
            }
        })).into_any())}
    }
}

/// The proposal calls that gave no candidate to try: the likeliest cause, the next step and what
/// the model sent (folded, as text). When a whole round gave nothing (the loop waits there):
/// Retry, with the calls it adds to the budget, and another model in Settings.
#[component]
fn ProposalFailures(
    /// The latest failure of each proposal call, and whether that call is being asked again
    /// (`Some(true)`: now; `Some(false)`: when the paused loop goes on).
    failures: Vec<(ProposalFailure, Option<bool>)>,
    /// The round the loop waits on, if any.
    stalled: Option<u32>,
    /// The calls asking again adds to the approved budget.
    retry_calls: Option<u32>,
    /// What those calls may cost (the figure beside Retry).
    retry_cost: Option<String>,
    /// Why the loop ended, once it has (the notices are then of its last round).
    stopped: Option<crate::domain::optimize::Stop>,
) -> impl IntoView {
    let off_all = super::shell::offline_for(&Role::ALL);
    let h = OptimizerHandle::expect();
    let open_settings = use_context::<super::OpenSettings>();
    (!failures.is_empty()).then(|| {
        view! {
            <div class="pw-proposal-failures" role="group" aria-label="Proposals that gave nothing to try">
                {failures.into_iter().map(|(f, again)| {
                    let waits = stalled == Some(f.round);
                    let which = if f.refine { "The refinement of the best prompt" } else { "The request for new candidates" };
                    let prefix = Attempt { number: f.attempt, after_failure: f.attempt > 1, same_as_before: f.same_as_before }.prefix();
                    let title = if waits {
                        format!("{prefix}Round {}: {} gave no candidate to try", f.round, which.to_lowercase())
                    } else if let Some(now) = again {
                        if now {
                            format!("{prefix}Round {}: {} gave no candidate to try; asking again now (attempt {})", f.round, which.to_lowercase(), f.attempt + 1)
                        } else {
                            format!("{prefix}Round {}: {} gave no candidate to try; it is asked again when the loop goes on", f.round, which.to_lowercase())
                        }
                    } else if let Some(stop) = stopped {
                        // Helper 50: after a Cancel of a loop that waited on this round, it said
                        // "the loop did not wait for it"; the round was the loop's last.
                        // Tryout 121: a finished loop's panel opened with "Attempt 2 failed for a
                        // different reason: …", a headline of a failure under way: said as what
                        // happened, below the loop's end.
                        let tries = if f.attempt > 1 { format!(" in {} attempts", f.attempt) } else { String::new() };
                        format!("Round {}: {} gave nothing to try{tries}; the loop ended in this round ({})", f.round, which.to_lowercase(), stop.describe().trim_end_matches('.').to_lowercase())
                    } else {
                        // Tryout 19 (11): "the round went on with the other candidates" after a Cancel with
                        // one candidate a round (there were none, and the round had stopped).
                        format!("{prefix}Round {}: {} gave nothing to try; the loop did not wait for it", f.round, which.to_lowercase())
                    };
                    view! {
                        <div class=if waits { "pw-notice pw-notice--error pw-proposal-failure" } else { "pw-notice pw-notice--warn pw-proposal-failure" } role=if waits { "alert" } else { "status" }>
                            <p class="pw-notice__title">{title}</p>
                            {f.before.clone().map(|b| view! { <p class="pw-notice__text">{format!("Attempt {}: {b}", f.attempt - 1)}</p> })}
                            <p class="pw-notice__text">{if f.before.is_some() { format!("This time: {}", f.message) } else { f.message }}</p>
                            {waits.then(|| view! { <p class="pw-notice__text">{f.advice}</p> })}
                            <RawReply raw=f.raw/>
                        </div>
                    }
                }).collect_view()}
                {stalled.map(|_| view! {
                    <div class="pw-row pw-row--wrap">
                        <button type="button" class="pw-button pw-button--primary" disabled=off_all title=move || off_all().then_some(OFFLINE_TITLE) on:click=move |_| h.resume()>
                            {match retry_calls {
                                Some(n) => format!("Retry (up to {} more {})", grouped(u64::from(n)), noun(n, "call", "calls")),
                                None => "Retry".to_owned(),
                            }}
                        </button>
                        <super::cost::CostNote cost=Signal::derive(move || retry_cost.clone())/>
                        {open_settings.map(|o| view! {
                            <button type="button" class="pw-button pw-button--ghost" on:click=move |_| o.0.set(true)>"Pick another model in Settings"</button>
                        })}
                    </div>
                })}
            </div>
        }
    })
}

/// The score-history chart and the candidates.
#[component]
fn Evidence(
    /// The loop's state.
    state: Memo<Option<Optimizer>>,
) -> impl IntoView {
    let d = DraftHandle::expect();
    // The candidates' scores are those of their stored answers under the checks as they are
    // now ([`Suite::scoring_parts`]), as *Start again*'s question counts them.
    let scoring =
        crate::state::reactive::memo(move |_| d.suite_and_prompt.with(|(s, _)| s.scoring_parts()));
    view! {
        {crate::ui::erased::dynamic(move || (state.get().filter(|o| !o.candidates.is_empty()).map(|o| {
            scoring.track();
            let suite = d.draft.with_untracked(|x| x.suite.clone());
            let ctx = Ctx { suite: &suite };
            let rows: Vec<CandidateRow> = o
                .candidates
                .iter()
                .rev()
                .map(|c| {
                    let mut row = CandidateRow::of(&o, &ctx, c);
                    if c.mutation == Mutation::Baseline {
                        row.last_run = d.draft.with_untracked(|x| last_run_note(&o, &ctx, c, x));
                    }
                    row
                })
                .collect();
            view! {
                <div class="pw-evidence">
                    <Chart rounds=o.rounds.clone() total=o.config.rounds/>
                    {(o.config.models() > 1).then(|| {
                        let names = loop_model_names(&o);
                        let how = match o.config.select {
                            Selection::Mean => "each case scores its mean over the models",
                            Selection::Worst => "each case scores its worst model",
                        };
                        let rounds = o.rounds.iter().map(|r| {
                            let per: Vec<(String, Option<f64>)> = names.iter().cloned().zip(r.models.iter().copied()).collect();
                            format!("round {}: {}", r.round, per_model_line(&per))
                        }).collect::<Vec<_>>().join("; ");
                        view! {
                            <p class="pw-hint pw-loop-models-line">{format!(
                                "Scored on {} models ({how}).{}",
                                names.len(),
                                if rounds.is_empty() { String::new() } else { format!(" Each round's best candidate on each model, training: {rounds}.") }
                            )}</p>
                        }
                    })}
                    <ol class="pw-candidates" aria-label="Candidates, newest first">
                        {rows.into_iter().map(|r| view! { <CandidateView row=r/> }).collect_view()}
                    </ol>
                </div>
            }
        })).into_any())}
    }
}

/// Train and held-out scores per round, as an SVG line chart.
#[component]
fn Chart(
    /// The rounds so far.
    rounds: Vec<RoundRecord>,
    /// Rounds planned.
    total: u32,
) -> impl IntoView {
    let (w, h, left, top, bottom) = (560.0, 200.0, 36.0, 12.0, 28.0);
    let right = 12.0;
    let n = total.max(1) as f64;
    let x = move |r: u32| left + (w - left - right) * r as f64 / n;
    let y = move |v: f64| top + (h - top - bottom) * (1.0 - v / 100.0);
    let line = |pts: Vec<(u32, f64)>| {
        pts.iter()
            .map(|(r, v)| format!("{:.1},{:.1}", x(*r), y(*v)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    // A round whose best had no training case scored has no point (nor a line through it).
    let train: Vec<(u32, f64)> = rounds
        .iter()
        .filter(|r| !r.unscored)
        .map(|r| (r.round, r.train))
        .collect();
    let held: Vec<(u32, f64)> = rounds
        .iter()
        .filter_map(|r| Some((r.round, r.held?)))
        .collect();
    let summary = rounds
        .iter()
        .map(|r| {
            let train = if r.unscored {
                "no score".to_owned()
            } else {
                shown_points(r.train).to_string()
            };
            match r.held {
                Some(hv) => format!(
                    "round {}: train {train}, held-out {}",
                    r.round,
                    shown_points(hv)
                ),
                None => format!("round {}: train {train}", r.round),
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    view! {
        <figure class="pw-chart">
            <svg viewBox=format!("0 0 {w} {h}") role="img" aria-label=format!("Score history: {summary}") class="pw-chart__svg">
                {[0.0, 50.0, 100.0].into_iter().map(|v| view! {
                    <line x1=left x2=w - right y1=y(v) y2=y(v) class="pw-chart__grid"/>
                    <text x=left - 6.0 y=y(v) + 4.0 class="pw-chart__label" text-anchor="end">{format!("{v:.0}")}</text>
                }).collect_view()}
                {(0..=total).map(|r| view! {
                    <text x=x(r) y=h - 8.0 class="pw-chart__label" text-anchor="middle">{r.to_string()}</text>
                }).collect_view()}
                <polyline points=line(train.clone()) class="pw-chart__train" fill="none"/>
                <polyline points=line(held.clone()) class="pw-chart__held" fill="none"/>
                {train.iter().map(|(r, v)| view! { <circle cx=x(*r) cy=y(*v) r="4" class="pw-chart__dot pw-chart__dot--train"/> }).collect_view()}
                {held.iter().map(|(r, v)| view! { <circle cx=x(*r) cy=y(*v) r="4" class="pw-chart__dot pw-chart__dot--held"/> }).collect_view()}
            </svg>
            <figcaption class="pw-chart__legend">
                <span class="pw-chart__key pw-chart__key--train">"Training score (best so far)"</span>
                <span class="pw-chart__key pw-chart__key--held">"Held-out score"</span>
                <span class="pw-hint">"Rounds along the bottom; 0 is your prompt."</span>
            </figcaption>
        </figure>
    }
}

/// What one candidate's card shows.
#[derive(Clone)]
struct CandidateRow {
    c: Candidate,
    parent: Option<Candidate>,
    train: Option<f64>,
    held: Option<f64>,
    /// Against its parent (shown figures, wins and losses, cases left out).
    versus: Option<AgainstParent>,
    best: bool,
    from_version: u32,
    /// The loop has ended (a candidate without scores will not get them).
    ended: bool,
    /// The loop is paused or waits for the person (a Retry, a key): nothing is being scored.
    paused: bool,
    /// Its round is still being scored (the round's selection has not run yet).
    round_open: bool,
    /// Every training answer is in and every case was left out (each judge failed, nothing to
    /// check): no score at all (tryout 92: the starting prompt read "best so far" with no
    /// figure and no word why).
    unscored: bool,
    /// The loop ended and its score waits only for a judge's verdict
    /// ([`Optimizer::awaits_verdict`]).
    awaits_verdict: bool,
    /// The tiny model proposed it: its note is Promptwright's, not the model's.
    tiny: bool,
    /// With several execution models: each one's name and this candidate's training mean on it.
    per_model: Vec<(String, Option<f64>)>,
    /// The names of the loop's execution models ([`loop_model_names`]).
    models: Vec<String>,
    /// For the starting prompt: its loop figure set beside the person's last run of that
    /// version on the same training cases ([`last_run_note`]), when there is one.
    last_run: Option<String>,
}

/// The draft's last run of `version` (on the execution model) scored on `cases` alone: its mean
/// in points and how many cases it counts; `None` without a run or a score on them.
fn last_run_on<'a>(
    x: &crate::domain::draft::Draft,
    version: u32,
    cases: impl Iterator<Item = &'a u32>,
) -> Option<(f64, usize)> {
    let run = x.run_of(version)?;
    let scores = run.scores(&x.suite, x.version(version).map(|v| &v.spec));
    let agg = crate::domain::eval::aggregate(cases.filter_map(|id| scores.get(id)));
    agg.mean.map(|m| (m, agg.scored))
}

/// When the current version is not the one the loop started from and differs from it in some
/// section: the question Accept asks first, naming those sections (tryout 10: Accept made a
/// candidate built on version 2 current over hand edits in versions 3 to 8, without a word;
/// they were only under Versions). `None` when Accept can go ahead.
fn edited_since_the_loop(x: &crate::domain::draft::Draft) -> Option<String> {
    let from = x.optimizer.as_ref()?.from_version;
    if x.current == from {
        return None;
    }
    let (now, base) = (x.current_spec()?, &x.version(from)?.spec);
    let changed: Vec<&str> = Section::ALL
        .into_iter()
        .filter(|s| now.section_text(*s) != base.section_text(*s))
        .map(|s| s.title())
        .collect();
    (!changed.is_empty()).then(|| {
        format!(
            "This candidate is built on version {from}; your current version {} has changes since that it does not contain ({}). Accepting makes the candidate the current version; version {} stays under Versions.",
            x.current,
            changed.join(", "),
            x.current
        )
    })
}

/// For the starting prompt's card: the last run of its version on the loop's training cases,
/// and why the loop's figure can differ (tryout 9: 50 in the loop against 83 in Results, with
/// no word why; tryout 10: with two models the loop's figure was of both, the run's of one).
/// `None` without such a run.
fn last_run_note(
    o: &Optimizer,
    ctx: &Ctx,
    c: &Candidate,
    x: &crate::domain::draft::Draft,
) -> Option<String> {
    let (mean, n) = last_run_on(x, o.from_version, c.train.keys())?;
    let m = c.train.len();
    let on = match (n, m) {
        (1, 1) => "this training case".to_owned(),
        (n, m) if n == m => format!("these {m} training cases"),
        (n, m) => format!("{n} of these {m} training cases"),
    };
    let models = o.config.models();
    let combined = if models > 1 {
        let how = match o.config.select {
            Selection::Mean => "each case's mean over them",
            Selection::Worst => "each case's worst model",
        };
        let exec = o
            .model_means(ctx, c.id, false)
            .first()
            .copied()
            .flatten()
            .map_or_else(|| "not scored".to_owned(), |e| shown_points(e).to_string());
        format!(
            " The loop's figure is of {models} models ({how}); on the execution model alone it is {exec}."
        )
    } else {
        String::new()
    };
    let again = if c.train.values().any(|e| !e.judgements.is_empty()) {
        "asked for new answers and judged them again"
    } else {
        "asked for new answers and checked them again"
    };
    Some(format!(
        "Your last run of version {} scored {} on {on} (on the execution model).{combined} The loop {again}, and a model's answers vary from one call to the next: so the figures can differ, and the loop compares every candidate with its own.",
        o.from_version,
        shown_points(mean)
    ))
}

/// The names of a loop's execution models, in model order: the execution job's model as the
/// loop started ("Execution model" in older loops), then each other model's label.
fn loop_model_names(o: &Optimizer) -> Vec<String> {
    let exec = if o.config.exec_label.is_empty() {
        "Execution model".to_owned()
    } else {
        o.config.exec_label.clone()
    };
    std::iter::once(exec)
        .chain(o.config.also_on.iter().map(model_label))
        .collect()
}

/// "Execution model 75 · OpenAI gpt-4o 50" (whole points; "no score" where none counted).
fn per_model_line(per_model: &[(String, Option<f64>)]) -> String {
    per_model
        .iter()
        .map(|(name, m)| match m {
            Some(m) => format!("{name} {}", shown_points(*m)),
            None => format!("{name} no score"),
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

impl CandidateRow {
    fn of(o: &Optimizer, ctx: &Ctx, c: &Candidate) -> Self {
        let parent = c.parent.and_then(|p| o.candidate(p)).cloned();
        Self {
            train: o.mean(ctx, c.id, false),
            held: o.mean(ctx, c.id, true),
            versus: o.against_parent(ctx, c.id),
            best: o.best == c.id,
            from_version: o.from_version,
            ended: o.stop.is_some(),
            paused: o.paused,
            round_open: o.stop.is_none() && o.phase == Phase::Evaluating(c.round),
            unscored: c.rejected.is_none()
                && o.scores(ctx, c.id, false).is_some_and(|m| m.is_empty()),
            awaits_verdict: o.awaits_verdict(ctx, c.id),
            tiny: o.config.tiny_task.is_some(),
            models: loop_model_names(o),
            per_model: if o.config.models() > 1 && c.rejected.is_none() {
                loop_model_names(o)
                    .into_iter()
                    .zip(o.model_means(ctx, c.id, false))
                    .collect()
            } else {
                Vec::new()
            },
            parent,
            c: c.clone(),
            last_run: None,
        }
    }
}

/// Why a candidate that is not the best was kept, from where it stood in its latest selection:
/// the cases it was the best on alone, else those it shared the top score on, else that no
/// other candidate dominates it (the Pareto front).
fn kept_status(st: &Standing, models: &[String]) -> String {
    let cases = |ids: &[u32]| {
        format!(
            "{} {}",
            if ids.len() == 1 { "case" } else { "cases" },
            crate::domain::figures::case_ids(ids)
        )
    };
    // With several models the front is over (model, case): say where, model by model.
    let on_models = |pairs: &[(u32, u32)]| {
        (0..models.len() as u32)
            .filter_map(|m| {
                let ids: Vec<u32> = pairs.iter().filter(|p| p.0 == m).map(|p| p.1).collect();
                (!ids.is_empty()).then(|| format!("{} on {}", cases(&ids), models[m as usize]))
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    if models.len() > 1 && !st.best_on_model.is_empty() {
        format!("kept (the best on {})", on_models(&st.best_on_model))
    } else if models.len() > 1 && !st.tied_best_on_model.is_empty() {
        format!(
            "kept (tied for the best on {}; the best alone on none)",
            on_models(&st.tied_best_on_model)
        )
    } else if !st.best_on.is_empty() {
        format!("kept (the best on {})", cases(&st.best_on))
    } else if !st.tied_best_on.is_empty() {
        format!(
            "kept (tied for the best on {}; the best alone on none)",
            cases(&st.tied_best_on)
        )
    } else {
        "kept (no other candidate did better on one case without doing worse on another)".to_owned()
    }
}

/// One candidate: how it was made, its scores, wins and losses, its diff, and Accept.
#[component]
fn CandidateView(
    /// What to show.
    row: CandidateRow,
) -> impl IntoView {
    let d = DraftHandle::expect();
    let c = row.c.clone();
    let id = c.id;
    // The version this candidate became, if accepted, and whether it is the current one (read
    // from the draft: tryout, two accepted candidates both said "it is your current version").
    let accepted = crate::state::reactive::memo(move |_| {
        d.draft.with(|x| {
            let spec = &x.optimizer.as_ref()?.candidate(id)?.spec;
            x.versions
                .iter()
                .rev()
                .find(|v| {
                    v.spec == *spec
                        && matches!(v.origin, crate::domain::draft::Origin::Optimized { .. })
                })
                .map(|v| (v.number, v.number == x.current))
        })
    });
    let status = if let Some(r) = &c.rejected {
        format!("rejected: {r}")
    } else if row.unscored {
        "no score: every training case was left out (its answers say why)".to_owned()
    } else if row.best {
        // Tryout 119 (F5): "best so far" on one training case was warned of only before Start
        // (the cases it has an answer on).
        match c.train.iter().filter(|(_, r)| r.failed.is_none()).count() {
            1 => "best so far, on one training case only".to_owned(),
            2 => "best so far, on two training cases only".to_owned(),
            _ => "best so far".to_owned(),
        }
    } else if c.kept {
        kept_status(&c.standing, &row.models)
    } else if row.train.is_some() && row.round_open {
        // Tryout 48: a candidate read "dropped" while the round's others were still scored.
        "scored: waiting for the round's other candidates".to_owned()
    } else if row.train.is_some() {
        "dropped".to_owned()
    } else if row.ended {
        "not scored: the loop ended first".to_owned()
    } else if row.paused {
        // Tryout 47: a loop waiting on Retry showed its candidate "being scored…".
        "waiting: the loop is paused".to_owned()
    } else {
        "being scored…".to_owned()
    };
    // Whole points, and the change between the figures shown (they add up).
    let scores = match (row.train.map(shown_points), row.held.map(shown_points)) {
        (Some(t), Some(h)) => format!("Training {t} · held-out {h}"),
        (Some(t), None) => format!("Training {t}"),
        (None, _) if row.unscored => "Training: no score".to_owned(),
        // Tryout 110: a rubric added or changed after the loop ran has no verdict on the stored
        // answers (whatever the loop's selection said of the candidate then).
        (None, _) if row.awaits_verdict => "Training: no score, a judge's verdict on its answers is missing (the loop ended before the judge read them, or a rubric was added or changed since)".to_owned(),
        _ => String::new(),
    };
    let parent_note = match row.versus.as_ref().map(|v| (v.parent, v.change)) {
        Some((Some(p), Some(change))) => format!(" (parent {p}, {change:+})"),
        // Tryout 86: "Training 100 (parent 75, +25)" set one case against two.
        Some((Some(p), None)) => {
            format!(" (parent {p}, over other cases: not compared, see below)")
        }
        _ => String::new(),
    };
    let versus = row.versus.clone().map(|v| {
        let left_out = v
            .left_out
            .iter()
            .map(|(case, why)| format!(" Case #{case} is not counted: {why}."))
            .collect::<String>();
        format!(
            "Against its parent: {}, {}, {}.{left_out}",
            count(v.wins, "win", "wins"),
            count(v.losses, "loss", "losses"),
            count(v.ties, "tie", "ties")
        )
    });
    let title = candidate_title(&c, row.from_version);
    // The diff is against the parent: named by the parent's title, not this candidate's.
    let parent_spec = row
        .parent
        .as_ref()
        .map(|p| (p.spec.clone(), candidate_title(p, row.from_version)));
    // Accepting a candidate while the current version has hand edits the loop never saw asks
    // first ([`edited_since_the_loop`]).
    let confirm = RwSignal::new(None::<String>);
    let spec = c.spec.clone();
    // A candidate whose score waits for a verdict (a rubric added since) can still be kept
    // (tryout 112: its Accept went, and Start again replaced it unasked).
    let can_accept = c.mutation != Mutation::Baseline
        && c.rejected.is_none()
        && (row.train.is_some() || row.awaits_verdict);
    // Its answers, each with the person's thumbs and note (they count in its score and the
    // next proposals read the notes).
    // Each with its score and check results, as Results shows a run's (helper-60: a candidate
    // lost 3 cases with nothing saying which check failed).
    // The loop goes on: a judge check without a verdict may still get one.
    let live = d.draft.with_untracked(|x| {
        x.optimizer
            .as_ref()
            .is_some_and(|o| o.stop.is_none() && !o.paused)
    });
    let answers: Vec<(
        u32,
        String,
        Option<(crate::domain::eval::CaseScore, Vec<String>)>,
    )> = d.draft.with_untracked(|x| {
        c.train
            .iter()
            .chain(c.held.iter())
            .filter(|(_, r)| r.failed.is_none())
            .map(|(case, r)| {
                let scored = x
                    .suite
                    .case(*case)
                    .map(|tc| (r.score(&x.suite, tc, &c.spec), x.suite.check_names(tc)));
                (*case, r.output.clone(), scored)
            })
            .collect()
    });
    // Tryout 119 (F3): "Training 0 (parent 0, +0)" did not say that every answer had been cut
    // off at the token limit (each scored 0 for that, whatever its checks said).
    let cut_note = {
        let cut = answers
            .iter()
            .filter(|(_, _, s)| s.as_ref().is_some_and(|(s, _)| s.failed_cut_off))
            .count();
        let all = answers.len();
        (cut > 0).then(|| match (cut, all) {
            (1, 1) => " · its answer was cut off at the output token limit, scored 0 (see its answers)".to_owned(),
            (c, a) if c == a => format!(" · all {a} of its answers were cut off at the output token limit, each scored 0 (see its answers)"),
            (1, a) => format!(" · 1 of its {a} answers was cut off at the output token limit, scored 0 (see its answers)"),
            (c, a) => format!(" · {c} of its {a} answers were cut off at the output token limit, each scored 0 (see its answers)"),
        })
    };
    // Its answers on the other execution models (shown, not rated: a rating is of the
    // execution model's answer), so a loss on one model can be read.
    let other_answers: Vec<(String, u32, String)> =
        c.on.iter()
            .flat_map(|(m, e)| {
                let name = row.models.get(*m as usize).cloned().unwrap_or_default();
                e.train.iter().chain(e.held.iter()).map(move |(case, r)| {
                    let text = r
                        .failed
                        .clone()
                        .map_or_else(|| r.output.clone(), |f| format!("The call failed: {f}"));
                    (name.clone(), *case, text)
                })
            })
            .collect();
    view! {
        <li class="pw-candidate" class:pw-candidate--best=row.best>
            <div class="pw-candidate__head">
                <h4 class="pw-candidate__title">{title.clone()}</h4>
                <span class=format!("pw-verdict pw-verdict--{}", if row.best { "ok" } else if c.rejected.is_some() { "bad" } else { "idle" })>{status}</span>
            </div>
            {(!scores.is_empty()).then(|| view! { <p class="pw-candidate__scores">{format!("{scores}{parent_note}{}", cut_note.unwrap_or_default())}</p> })}
            {(!row.per_model.is_empty() && row.per_model.iter().any(|(_, m)| m.is_some())).then(|| view! {
                <p class="pw-candidate__models">{format!("Training on each model: {}", per_model_line(&row.per_model))}</p>
            })}
            {versus.map(|v| view! { <p class="pw-hint">{v}</p> })}
            {row.last_run.clone().map(|note| view! { <p class="pw-hint">{note}</p> })}
            {c.same_as.map(|twin| view! { <p class="pw-hint">{format!("The same prompt as candidate #{twin}: its answers and scores are used again; only what it has no result on is asked.")}</p> })}
            {(!c.rationale.is_empty()).then(|| view! { <p class="pw-candidate__why">{if row.tiny { c.rationale.clone() } else { format!("The meta model's note: {}", c.rationale) }}</p> })}
            {parent_spec.map(|(old, parent_title)| view! {
                <details class="pw-details">
                    <summary>{format!("Changes against its parent ({parent_title})")}</summary>
                    <SpecDiff old=old new=spec.clone()/>
                </details>
            })}
            {(!answers.is_empty()).then(|| view! {
                <details class="pw-details">
                    <summary>{format!("Its answers ({}): rate them", answers.len())}</summary>
                    <ul class="pw-candidate__answers">
                        {answers.into_iter().map(|(case, out, scored)| {
                            let rating = Signal::derive(move || d.draft.with(|x| {
                                let c = x.optimizer.as_ref()?.candidate(id)?;
                                c.train.get(&case).or(c.held.get(&case))?.observed.rating.clone()
                            }));
                            let on = Callback::new(move |v| d.update(|x| {
                                if let Some(o) = x.optimizer.as_mut() {
                                    o.rate(id, case, v);
                                }
                            }));
                            view! {
                                <li>
                                    <p class="pw-hint">{format!("Case #{case}")}</p>
                                    // Model output is shown as text, never as HTML.
                                    <pre class="pw-output__text">{out}</pre>
                                    {scored.map(|(s, names)| view! {
                                        <p class="pw-hint">{match s.score {
                                            // A judge check still to answer: no verdict yet (helper-61).
                                            _ if s.pending && live => "Waiting for the judge.".to_owned(),
                                            _ if s.pending => "Not judged: the loop paused or ended before the judge answered.".to_owned(),
                                            // Tryout 92: a case whose judge failed read "Score 0 /
                                            // 100 · did not pass"; it is left out, as in Results.
                                            _ if s.judge_failed.is_some() => format!("{}: this case is left out of the candidate's score.", s.label()),
                                            // Tryout 119: "Score 0 / 100 · did not pass" over two
                                            // passed checks of three, the cut unsaid.
                                            Some(_) if s.failed_cut_off => "Score 0 / 100 · did not pass: the answer was cut off at the output token limit, so it counts as failed, scored 0, whatever its checks say (see \u{201c}Answers cut off at the token limit fail\u{201d} under Checks for every case).".to_owned(),
                                            Some(v) => format!("Score {} / 100 · {}", crate::domain::figures::points(v * 100.0), s.verdict_words()),
                                            None => "Not scored: nothing could be checked.".to_owned(),
                                        }}</p>
                                        {super::results::verdict_rows(s.verdicts, names, s.rated_down, format!("Checks of candidate {id}'s answer to case #{case}"), live, String::new(),
                                            Some("Not judged: the loop paused or ended before the judge answered.".to_owned()).filter(|_| !live))}
                                    })}
                                    <super::rating::RatingControl rating=rating on_rate=on what=format!("candidate {id}'s answer to case #{case}")/>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </details>
            })}
            {(!other_answers.is_empty()).then(|| view! {
                <details class="pw-details">
                    <summary>{format!("Its answers on the other models ({})", other_answers.len())}</summary>
                    <ul class="pw-candidate__answers">
                        {other_answers.into_iter().map(|(name, case, out)| view! {
                            <li>
                                <p class="pw-hint">{format!("Case #{case} on {name}")}</p>
                                // Model output is shown as text, never as HTML.
                                <pre class="pw-output__text">{out}</pre>
                            </li>
                        }).collect_view()}
                    </ul>
                </details>
            })}
            {can_accept.then(|| view! {
                <button type="button" class="pw-button pw-button--primary" disabled=move || accepted.get().is_some_and(|(_, current)| current)
                    aria-label=format!("Accept candidate {id} as the current version")
                    on:click=move |_| match d.draft.with_untracked(edited_since_the_loop) {
                        Some(question) => {
                            confirm.set(Some(question));
                            super::browser::focus_when_drawn(format!("pw-accept-keep-{id}"));
                        }
                        None => optimizer::accept(d, id),
                    }>
                    {crate::ui::erased::dynamic(move || (match accepted.get() {
                        None => "Accept as the current version".to_owned(),
                        Some((n, true)) => format!("Accepted as version {n}: your current version"),
                        Some((n, false)) => format!("Accepted as version {n} (another version is current now): accept again"),
                    }).into_any())}
                </button>
                {crate::ui::erased::dynamic(move || (confirm.get().map(|question| view! {
                    <div class="pw-notice pw-notice--warn pw-accept-question" role="alert">
                        <p>{question}</p>
                        <div class="pw-row pw-row--wrap">
                            <button type="button" class="pw-button" on:click=move |_| { confirm.set(None); optimizer::accept(d, id); }>"Accept anyway"</button>
                            <button type="button" class="pw-button pw-button--primary" id=format!("pw-accept-keep-{id}") on:click=move |_| confirm.set(None)>"Keep my version"</button>
                        </div>
                    </div>
                })).into_any())}
            })}
        </li>
    }
}

/// A candidate's title on its card: "Your prompt (version N)" for the loop's starting prompt
/// (`from_version`: the version the loop started from), else "Round R · candidate ID · how it
/// was made".
fn candidate_title(c: &Candidate, from_version: u32) -> String {
    if c.mutation == Mutation::Baseline {
        format!("Your prompt (version {from_version})")
    } else {
        format!(
            "Round {} · candidate {} · {}",
            c.round,
            c.id,
            c.mutation.label()
        )
    }
}
