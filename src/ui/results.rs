//! Step 4, the results: run controls (all or selected cases, concurrency, cancel), the cases a
//! run holds back for empty variables, a progress bar with ETA and a running tally of tokens and
//! cost for the latest run, each case's output (streamed while it arrives) with every check's
//! verdict and the judge's reasoning, marked when it was cut off at the token limit, repeats one
//! line again and again, or comes from an earlier run, retry and re-judge of one case, the
//! aggregate score, and a side-by-side comparison of two versions on the same cases.
use crate::domain::sorted::SortedMap;

use leptos::prelude::*;

use super::shell::OFFLINE_TITLE;

use super::cases::{ConversationFold, OpenCase, Selection, gap_variable};
use super::cost::CostNote;
use super::number::NumberInput;
use super::rating::RatingControl;
use crate::domain::eval::run::{self, CaseRun, Run, Status};
use crate::domain::eval::{self, CaseScore, Verdict};
use crate::domain::figures::{count, grouped, noun};
use crate::domain::optimize::reflect::Step;
use crate::domain::provider::Role;
use crate::state::draft::DraftHandle;
use crate::state::keyed::{Keyed, settled};
use crate::state::reflexion::Reflector;
use crate::state::runner::{MAX_OUTPUT_TOKENS, Runner};
use crate::state::settings::SettingsHandle;

/// Results shown at first; more on request.
const PAGE: usize = 100;
/// Outputs longer than this are shown cut, with a button for the rest.
const SHOW_CHARS: usize = 4000;

/// Step 4: the results card.
#[component]
pub fn ResultsCard() -> impl IntoView {
    let d = DraftHandle::expect();
    let r = Runner::expect();
    let sel = Selection::expect();
    let settings = SettingsHandle::expect();
    // Hosts' own limits of calls at once, named beside "At once".
    let host_limits = crate::state::engine::Engine::expect().host_limits;
    let offline = crate::state::Online::expect();
    let lib = crate::state::library::Library::expect();
    // The current version's run, apart from the draft: a change elsewhere in the draft (a
    // keystroke, another model's result) reaches none of its readers (`state::keyed`).
    let run = settled(
        move |r: &Option<Run>| d.draft.with(|x| x.run_of(x.current) == r.as_ref()),
        move || d.draft.with(|x| x.run_of(x.current).cloned()),
    );
    let scores = crate::state::reactive::memo(move |_| {
        run.with(|r| {
            r.as_ref()
                .map(|r| d.draft.with(|x| r.scores(&x.suite, x.current_spec())))
                .unwrap_or_default()
        })
    });
    let agg = crate::state::reactive::memo(move |_| scores.with(|s| eval::aggregate(s.values())));
    // Each row's result and score, one signal a row: a result arriving reaches its own row only.
    let rows = Keyed::new(
        move || {
            run.track();
            // Read, not only tracked: a memo that is only tracked is never worked out.
            scores.with(|_| ());
        },
        move |id: &u32, row: &RowData| run.with(|r| scores.with(|s| row.is(*id, r.as_ref(), s))),
        move |id: &u32| run.with(|r| scores.with(|s| RowData::of(*id, r.as_ref(), s))),
    );
    // Cases never sent that were deleted since are not waited for.
    let progress = crate::state::reactive::memo(move |_| {
        run.with(|r| {
            r.as_ref()
                .map(|r| {
                    d.suite_and_prompt
                        .with(|(s, _)| r.progress_where(|id| s.case(id).is_some()))
                })
                .unwrap_or_default()
        })
    });
    // A run going on for a version that is no longer the current one (the prompt was edited
    // while it ran): it goes on with the prompt it started with, and its results stay with that
    // version (tryout 46: its rows read "not run" here and its progress was gone).
    let elsewhere_v = crate::state::reactive::memo(move |_| {
        r.active
            .with(|a| a.as_ref().map(|a| a.version))
            .filter(|v| d.draft.with(|x| x.current != *v))
    });
    let elsewhere_run = settled(
        move |er: &Option<Run>| match elsewhere_v.get() {
            Some(v) => d.draft.with(|x| x.run_of(v) == er.as_ref()),
            None => er.is_none(),
        },
        move || {
            elsewhere_v
                .get()
                .and_then(|v| d.draft.with(|x| x.run_of(v).cloned()))
        },
    );
    // The execution model chosen now, when the run with cases never sent was made with another:
    // they go out as a run of their own on it (`Run::resumes_on`), and the button says so.
    let unsent_elsewhere = crate::state::reactive::memo(move |_| {
        let now = settings
            .roles
            .with(|r| run::ModelUsed::of(r.get(Role::Execution)));
        let label = now.label();
        run.with(|r| {
            r.as_ref()
                .filter(|r| !r.unsent.is_empty() && !r.resumes_on(&now, &label))
                .map(|_| label)
        })
    });
    // The cases through their shared memo (`DraftHandle::suite_and_prompt`): results arriving
    // rerun no reader of the cases below.
    let suite_prompt = d.suite_and_prompt;
    let n_cases = crate::state::reactive::memo(move |_| suite_prompt.with(|(s, _)| s.cases.len()));
    let has_prompt =
        crate::state::reactive::memo(move |_| suite_prompt.with(|(_, p)| !p.trim().is_empty()));
    // What the bound reads (the cases and the prompt): results arriving do not change it.
    let bound_inputs = d.suite_and_prompt;
    // What a run sends at most (the run going on, else all cases; each request at its upper
    // bound), its cost in words, and the ids of the run going on.
    let bound = crate::state::reactive::memo(move |_| {
        let exec = settings.config(Role::Execution);
        let judge = settings.config(Role::Judge);
        let going = r.active.with(|a| a.as_ref().map(|a| a.ids.clone()));
        let b = bound_inputs.with(|(suite, prompt)| {
            let ids: Vec<u32> = going
                .clone()
                .unwrap_or_else(|| suite.cases.iter().map(|c| c.id).collect());
            run::run_bound(suite, prompt, &ids, exec.temperature, MAX_OUTPUT_TOKENS)
        });
        let cost = b.cost_words(&exec, &judge);
        (b, cost, going)
    });
    // The current version's prompt as Reflexion reads it, apart from results arriving (the
    // versions' own signal): each row works out from it what its Reflect may cost.
    let style = crate::state::reactive::memo(move |_| d.draft.with(|x| x.style));
    let reflect_spec = crate::state::reactive::memo(move |_| {
        let style = style.get();
        d.with_current_spec(|spec| (style, spec.clone()))
    });
    // Ticked cases still in the draft (a case deleted elsewhere, another tab: tryout 65).
    let picked = move || {
        sel.0.with(|s| {
            d.suite_and_prompt.with(|(suite, _)| {
                s.iter()
                    .copied()
                    .filter(|id| suite.case(*id).is_some())
                    .collect::<Vec<u32>>()
            })
        })
    };
    let n_sel = move || picked().len();
    // Long tables render a page at a time, so the page stays responsive.
    let shown = RwSignal::new(PAGE);
    // Drawn a slice a frame when many rows come at once (an import).
    let drawn =
        super::browser::drawn_in_steps(Signal::derive(move || n_cases.get().min(shown.get())));
    let exec_label = move || {
        let c = settings.config(Role::Execution);
        // No model name yet: the provider alone (tryout 93: "OpenAI-compatible server ·").
        if c.model.trim().is_empty() {
            c.kind.label().to_owned()
        } else {
            format!("{} · {}", c.kind.label(), c.model)
        }
    };
    // Whether an answer this version's run shows carries a rating (or its Reflexion final does).
    let rated_here = move || {
        run.with(|r| {
            r.as_ref().is_some_and(|r| {
                // Answers of earlier runs too: Run all replaces them (tryout 102).
                r.cases.values().any(|c| {
                    c.rating.is_some() || c.reflection.as_ref().is_some_and(|f| f.rating.is_some())
                })
            })
        })
    };
    // Priced by the models recorded with the results, not by the ones chosen now.
    let cost = move || run.with(|r| r.as_ref().map(Run::cost_line).unwrap_or_default());
    // A clock for the ETA while a run is going.
    let now = super::browser::clock_while(move || r.running());
    let eta = move || {
        let a = r.active.get()?;
        run::time_left(&progress.get(), now.get() - a.clock_ms, a.finished_before)
    };
    view! {
        <section class="pw-card pw-card--results" aria-labelledby="pw-results-title">
            <header class="pw-card__header">
                <span class="pw-card__step" aria-hidden="true">"≡"</span>
                <h2 id="pw-results-title" class="pw-card__title">"Results"</h2>
                <span class="pw-card__meta">{crate::ui::erased::dynamic(move || (d.draft.with(|x| if x.current > 0 { format!("version {}", x.current) } else { String::new() })).into_any())}</span>
            </header>
            <div class="pw-row pw-row--wrap">
                <button type="button" class="pw-button pw-button--primary"
                    disabled=move || n_cases.get() == 0 || r.running() || offline.blocks(&settings.config(Role::Execution))
                    // Its figure is part of its description (tryout 84: only a line below said it).
                    aria-describedby=move || if offline.blocks(&settings.config(Role::Execution)) { "pw-run-offline pw-run-cost" } else { "pw-run-cost" }
                    on:click=move |_| r.run(Vec::new())>{crate::ui::erased::dynamic(move || (match n_cases.get() {
                        1 => "Run the case".to_owned(),
                        n => format!("Run all {}", count(n, "case", "cases")),
                    }).into_any())}</button>
                <button type="button" class="pw-button"
                    disabled=move || n_sel() == 0 || r.running() || offline.blocks(&settings.config(Role::Execution))
                    aria-describedby=move || offline.blocks(&settings.config(Role::Execution)).then_some("pw-run-offline")
                    on:click=move |_| r.run(untrack(picked))>{crate::ui::erased::dynamic(move || (format!("Run selected ({})", crate::domain::figures::grouped(n_sel() as u64))).into_any())}</button>
                // Its own figure (the cost audit: only "Run all"'s was shown beside it).
                <CostNote cost=Signal::derive(move || {
                    let ids = picked();
                    (!ids.is_empty() && !r.running() && has_prompt.get()).then(|| {
                        let exec = settings.config(Role::Execution);
                        let judge = settings.config(Role::Judge);
                        d.suite_and_prompt.with(|(suite, prompt)| {
                            run::run_bound(suite, prompt, &ids, exec.temperature, MAX_OUTPUT_TOKENS)
                                .cost_words(&exec, &judge)
                        })
                    })
                })/>
                {crate::ui::erased::show(move || r.running(), move || view! {
                    <button type="button" data-stops="true" class="pw-button pw-button--danger" on:click=move |_| r.cancel_by_person()>"Cancel run"</button>
                }.into_any())}
                <label class="pw-label pw-label--inline" for="pw-concurrency">"At once"</label>
                <NumberInput id="pw-concurrency" value=crate::state::engine::Engine::expect().concurrency min=1u32 max=16u32 hint="pw-concurrency-hint"/>
                <span id="pw-concurrency-hint" class="pw-hint">"calls at once to each provider host, 1 to 16 (lower it if the provider rate-limits you)"</span>
                // Tryout 120 (F5): "At once 4" stood here while the execution model's host had
                // its own limit of 1 in Settings, which is what the run used.
                {crate::ui::erased::dynamic(move || {
                    let own: Vec<String> = [Role::Execution, Role::Judge]
                        .into_iter()
                        .map(|r| settings.config(r).host())
                        .filter(|h| !h.is_empty())
                        .fold(Vec::new(), |mut v, h| {
                            if !v.contains(&h) {
                                v.push(h);
                            }
                            v
                        })
                        .into_iter()
                        .filter_map(|h| host_limits.with(|l| l.get(&h).copied()).map(|n| format!("{h}: {n} at once")))
                        .collect();
                    (!own.is_empty()).then(|| view! {
                        <span class="pw-hint" id="pw-concurrency-own">{if own.len() == 1 {
                            format!("{} has its own limit in Settings ({}): calls to it keep to that, not to this box.", own[0].split(": ").next().unwrap_or_default(), own[0])
                        } else {
                            format!("These hosts have their own limits in Settings ({}): calls to them keep to those, not to this box.", own.join(", "))
                        }}</span>
                    }).into_any()
                })}
            </div>
            <super::shell::OfflineNote role=Role::Execution id="pw-run-offline"/>
            <p class="pw-hint">{crate::ui::erased::dynamic(move || (format!("Runs with the execution model: {}", exec_label())).into_any())}</p>
            // Tryout 100: Run on all models replaced a rated answer, and its rating with it, with
            // no word before the press. Said while this version's answers carry ratings.
            {crate::ui::erased::show(rated_here, move || view! {
                <p class="pw-hint" id="pw-run-rated">"Running a rated case again makes a new, unrated answer; the rating stays beside it (a Reflexion final's rating goes). Run selected runs only the cases you tick."</p>
            }.into_any())}
            // Before a run without a key goes out and comes back refused (tryout: nothing said so).
            // The judge only when a case has a judge check (tryout 47: a run with none warned
            // about the judge's host).
            <super::shell::KeyNote roles=Signal::derive(move || {
                let judged = suite_prompt.with(|(s, _)| s.has_judge_checks());
                if judged { vec![Role::Execution, Role::Judge] } else { vec![Role::Execution] }
            }) id="pw-run-key"/>
            {crate::ui::erased::show(move || settings.config(Role::Judge).kind.is_tiny() && suite_prompt.with(|(s, _)| s.has_judge_checks()), move || view! {
                <p class="pw-hint pw-hint--warn">"The judge is the built-in tiny model: its scores are rough guesses, not verdicts to trust. Choose a real model for scoring in Settings before relying on judge checks."</p>
            }.into_any())}
            // No figure while there is no prompt: there is nothing to run (tryout 93: "Run all:
            // 4 calls …; at most $0.0040" beside a press that said to generate a prompt first).
            {crate::ui::erased::show(move || n_cases.get() > 0 && has_prompt.get(), move || view! {
                <p class="pw-hint" role="status" id="pw-run-cost">{crate::ui::erased::dynamic(move || ({
                    let (b, cost, going) = bound.get();
                    let (calls, judges) = (b.exec_calls, b.judge_calls);
                    let what = format!(
                        "{} to the execution model{}; {cost}",
                        count(calls, "call", "calls"),
                        if judges > 0 { format!(" and {} to the judge", grouped(u64::from(judges))) } else { String::new() }
                    );
                    match going {
                        Some(ids) => format!(
                            "Running {}: {what}\u{2026}",
                            count(ids.len(), "case", "cases")
                        ),
                        // Named as the button is (tryout 12: "Run all: 1 call" beside "Run the case").
                        None if n_cases.get() == 1 => format!("Run the case: {what}."),
                        None => format!("Run all: {what}."),
                    }
                }).into_any())}</p>
                // Tryouts 46-48: a bound 10-58 times what the run then cost read as a wrong
                // estimate; it says what it counts, and what the latest run cost.
                {crate::ui::erased::show(move || !r.running() && bound.with(|(_, cost, _)| cost.starts_with("at most")), move || view! {
                    <p class="pw-hint pw-run-basis">{crate::ui::erased::dynamic(move || ({
                        let judged = bound.with(|(b, _, _)| b.judge_calls > 0);
                        // Estimated as the progress line says it (its own memo, not worked out again).
                        let estimated = progress.with(|p| p.tokens_estimated);
                        let latest = run.with(|r| r.as_ref().map(|r| (r.latest_tokens(), r.cost_line(), r.latest_received(), estimated)));
                        run::bound_basis(judged, latest.as_ref().map(|((n, all, _), c, received, estimated)| (*n, *all, c.as_str(), *received, *estimated)))
                    }).into_any())}</p>
                }.into_any())}
            }.into_any())}
            <p class="pw-hint">"Reflect (on any answer): the model reviews its own answer harshly, then rewrites it; both versions are scored, so you see whether reflecting helped."</p>
            {crate::ui::erased::dynamic(move || (r.refused().map(|m| view! { <p class="pw-hint pw-hint--bad" role="alert">{m}</p> })).into_any())}
            <UnfilledNotice/>
            // A costly run waits for a word, its figure said again (tryout 88: 20,000 calls,
            // at most $1,895.72, went on one click).
            <CostlyNotice at=crate::state::runner::CostlyAt::Results/>
            // Tryout 76: the rows of a run going on in another tab read its answers under way
            // as stopped (with Retry) and its queue as not sent, as its record keeps them for a
            // tab that goes away: only the progress line is shown until it ends.
            {crate::ui::erased::show(move || lib.run_elsewhere(), move || view! {
                <p class="pw-hint pw-run-in-other-tab" role="status">
                    "A run of this draft is going on in another tab of this browser. Its progress shows here; its results show when it ends. Run waits here until then."
                    {crate::ui::erased::dynamic(move || (lib.pending.get().then_some(" Your changes in this tab are not saved until it ends; then you choose which version to keep.")).into_any())}
                </p>
            }.into_any())}
            {crate::ui::erased::show(move || progress.with(|p| p.total > 0), move || view! {
                <div class="pw-progress">
                    <progress class="pw-progress__bar" max="1" aria-label="Run progress"
                        prop:value=move || progress.get().fraction()></progress>
                    <p class="pw-progress__text" role="status">{crate::ui::erased::dynamic(move || ({
                        let p = progress.get();
                        // "done" counts answers only: a failed or cancelled case is counted apart.
                        // Grouped as every figure of the page (tryout 88: "10 of 20011 done").
                        let mut parts = vec![format!("{} of {} done", grouped(p.done as u64), grouped(p.total as u64))];
                        if p.failed > 0 { parts.push(failed_part(&p)); }
                        if p.cancelled > p.stopped { parts.push(cancelled_part(&p)); }
                        // Tryout 73: a run going on in another tab read "79 of 79 done" here.
                        // Its record counts what it has not answered yet as not sent and its
                        // answers under way as stopped, as they would be if that tab went away.
                        if lib.run_elsewhere() {
                            let to_come = p.unsent + p.stopped;
                            if to_come > 0 { parts.push(format!("{} still to come from the other tab", grouped(to_come as u64))); }
                        } else {
                            // Tryout 68: a call the page or a switch cut off is not the person's Cancel.
                            if p.stopped > 0 { parts.push(format!("{} stopped while answering (may be billed)", grouped(p.stopped as u64))); }
                            // Tryout 13, M3: after a reload mid-run an 11-case run read "1 of 1 done".
                            if p.unsent > 0 { parts.push(unsent_line(p.unsent, &run.with(|r| r.as_ref().map(|r| r.stopped_by.clone()).unwrap_or_default()), "Settings")); }
                            // Tryout 100: the score line counts these as answered (earlier).
                            match p.unsent_with_earlier {
                                0 => {}
                                1 if p.unsent == 1 => parts.push("it shows its answer from an earlier run meanwhile".to_owned()),
                                n if n == p.unsent => parts.push("they show their answers from an earlier run meanwhile".to_owned()),
                                n => parts.push(format!("{} of them {} an answer from an earlier run meanwhile", grouped(n as u64), if n == 1 { "shows" } else { "show" })),
                            }
                        }
                        if let Some(e) = eta() { parts.push(e); }
                        parts.push(format!("{}{} in, {} out", if p.tokens_estimated { "about " } else { "" }, count(p.input_tokens, "token", "tokens"), grouped(p.output_tokens)));
                        // Tryout 87: "estimated cost" with every call's usage reported by
                        // its provider; the figure is then those tokens at list price.
                        let label = if p.tokens_estimated { "estimated cost" } else { "cost at list price" };
                        // No price is no list price's figure (tryout 98: "cost at list price:
                        // unknown price (no list price for …)").
                        let c = cost();
                        parts.push(match c.strip_prefix("unknown price") {
                            Some(why) => format!("cost unknown{why}"),
                            None => format!("{label}: {c}"),
                        });
                        if p.over_cap > 0 {
                            parts.push(over_cap_line(p.over_cap, p.over_cap_bounded));
                        }
                        // A run that came whole with the draft is the sender's, not one made
                        // here (tryout 105: "1 of 1 done · … cost at list price: $0.0017" read as
                        // a run the receiver had paid for).
                        let all_received = p.received > 0 && p.received >= p.total;
                        if p.received > 0 && !all_received {
                            parts.push(received_line(p.received));
                        }
                        let line = parts.join(" · ");
                        if all_received { format!("{RECEIVED_RUN}{line}") } else { line }
                    }).into_any())}</p>
                    // Not while this tab's copy is older than the other tab's (tryout 76: after
                    // the other tab's run ended, this copy still read its cases as not sent, and
                    // Send sent them again).
                    {crate::ui::erased::show(move || progress.with(|p| p.unsent > 0) && !r.running() && !lib.run_elsewhere() && lib.conflict.with(Option::is_none), move || view! {
                        <button type="button" class="pw-button"
                            disabled=move || offline.blocks(&settings.config(Role::Execution))
                            on:click=move |_| r.run_unsent()>
                            {crate::ui::erased::dynamic(move || ({
                                let what = format!("Send the {} not sent", count(progress.get().unsent, "case", "cases"));
                                // Tryout 17: after a switch of execution model the cases went to
                                // the new one, as a run of their own, and the button did not say.
                                match unsent_elsewhere.get() {
                                    Some(now) => format!("{what}, on {now} (the model chosen now)"),
                                    None => what,
                                }
                            }).into_any())}
                        </button>
                        // What sending them may cost, before the click (they go to the
                        // execution model chosen now).
                        <CostNote cost=Signal::derive(move || {
                            let ids: Vec<u32> = run.with(|r| r.as_ref().map(|r| r.unsent.clone()).unwrap_or_default());
                            let exec = settings.config(Role::Execution);
                            let judge = settings.config(Role::Judge);
                            Some(d.suite_and_prompt.with(|(suite, prompt)| {
                                run::run_bound(suite, prompt, &ids, exec.temperature, MAX_OUTPUT_TOKENS)
                                    .cost_words(&exec, &judge)
                            }))
                        })/>
                    }.into_any())}
                </div>
            }.into_any())}
            {crate::ui::erased::show(move || agg.with(|a| a.total() > 0) && !lib.run_elsewhere(), move || view! {
                <p class="pw-score" aria-live="polite">{crate::ui::erased::dynamic(move || ({
                    let a = agg.get();
                    let now = run::ModelUsed::of(&settings.config(Role::Execution));
                    // Cases not judged are said once, in full, after the line when no run is
                    // going (tryout 89: "No score yet: 5 not judged yet · 5 cases are not judged
                    // yet…").
                    let said_after = a.unjudged > 0 && !r.running();
                    let line = run.with(|r| r.as_ref().map(|r| scores.with(|s| r.score_line_saying(s, !said_after) + &r.other_model_note(s, &now)) + &d.draft.with(|x| r.failed_note(&x.suite)))).unwrap_or_default();
                    let left_out = judge_left_out(a.judge_failed);
                    let unjudged = if said_after {
                        let why = run.with(|r| r.as_ref().map(|r| r.judge_stopped_by.clone()).filter(|w| !w.is_empty())).map(|w| format!(" The run sent the judge no more calls after {w}: fix that in Settings first.")).unwrap_or_default();
                        format!(" · {}{why}", not_judged(a.unjudged))
                    } else { String::new() };
                    // One full stop, at the end (tryout 120: "…(Re-judge it below). · 1 case is
                    // not judged yet…").
                    let left_out = if unjudged.is_empty() { left_out } else { left_out.trim_end_matches('.').to_owned() };
                    format!(
                        "{line}{}{unjudged}",
                        if a.judge_failed > 0 { format!(" · {left_out}") } else { String::new() }
                    )
                }).into_any())}</p>
                // What to do about it (tryout 117: a first run of suggested cases, none with a
                // check, read "No score yet: 5 cases had nothing to check" and no more).
                {crate::ui::erased::show(move || agg.with(|a| a.unchecked > 0) && !r.running(), move || view! {
                    <p class="pw-hint" id="pw-unchecked-hint">"A case with nothing to check has no score: open it under Test cases and press Add check, or add a check under Checks for every case, then run it again."</p>
                }.into_any())}
            }.into_any())}
            {crate::ui::erased::dynamic(move || (elsewhere_run.with(|er| {
                let er = er.as_ref()?;
                let p = d.suite_and_prompt.with(|(s, _)| er.progress_where(|id| s.case(id).is_some()));
                let current = d.draft.with(|x| x.current);
                let mut parts = vec![format!("{} of {} done", p.done, p.total)];
                if p.failed > 0 { parts.push(format!("{} failed", p.failed)); }
                if p.cancelled > p.stopped { parts.push(cancelled_part(&p)); }
                if p.stopped > 0 { parts.push(format!("{} stopped while answering (may be billed)", p.stopped)); }
                let text = format!(
                    "A run of version {v} is going: {}. You changed the prompt after it started, so it goes on with version {v}'s prompt and its results stay with version {v}; this is version {current}, not run yet. Cancel run stops it; Compare two versions below reads version {v} when it is done.",
                    parts.join(" · "),
                    v = er.version,
                );
                Some(view! {
                    <div class="pw-progress pw-run-elsewhere">
                        <progress class="pw-progress__bar" max="1" aria-label="Progress of the run of an earlier version" prop:value=p.fraction()></progress>
                        <p class="pw-progress__text" role="status">{text}</p>
                    </div>
                })
            })).into_any())}
            {crate::ui::erased::dynamic(move || (elsewhere_v.get().is_none().then(|| d.draft.with(|x| x.results_elsewhere().map(|(v, n)| (x.current, v, n)))).flatten().map(|(current, v, n)| view! {
                <p class="pw-hint pw-results-elsewhere" role="status">{format!(
                    "Version {current} has no results yet. Your latest results are of version {v} ({}): they are kept. Run the cases to score this version; Compare two versions below reads both.",
                    count(n, "result", "results")
                )}</p>
            })).into_any())}
            {crate::ui::erased::show(move || n_cases.get() == 0, move || view! {
                <p class="pw-empty">"Add test cases, then run them here."</p>
            }.into_any())}
            <ol class="pw-results" aria-label="Results per case" hidden=move || lib.run_elsewhere()>
                {crate::ui::erased::keyed(
                    move || suite_prompt.with(|(s, _)| s.cases.iter().take(drawn.get()).map(|c| c.id).collect()),
                    move |id: u32| view! { <ResultRow id=id run=run rows=rows reflect_spec=reflect_spec/> }.into_any(),
                )}
            </ol>
            {crate::ui::erased::show(move || { n_cases.get() > shown.get() }, move || view! {
                <button type="button" class="pw-button" on:click=move |_| shown.update(|n| *n += PAGE)>
                    {crate::ui::erased::dynamic(move || (format!("Show more results ({} not shown)", crate::domain::figures::grouped((n_cases.get() - shown.get()) as u64))).into_any())}
                </button>
            }.into_any())}
            <super::agreement::JudgeAgreement run=run/>
            <super::grid::ModelGrid/>
            <Compare/>
        </section>
    }
}

/// Cases left out of a score because their judge failed, in words: "1 case is left out of the
/// score: the judge failed on it (Re-judge it)".
pub fn judge_left_out(n: usize) -> String {
    match n {
        1 => "1 case is left out of the score: the judge failed on it (Re-judge it below)."
            .to_owned(),
        n => format!(
            "{n} cases are left out of the score: the judge failed on them (Re-judge them below)."
        ),
    }
}

/// Cases with a judge check that no judge call is answering (a run stopped before it answered,
/// a reload, or a rubric just changed), in words, for when no run is under way: "2 cases are
/// not judged yet: no judge call is under way for them (Re-judge them below)."
pub fn not_judged(n: usize) -> String {
    match n {
        1 => "1 case is not judged yet: no judge call is under way for it (Re-judge it below)."
            .to_owned(),
        n => format!(
            "{n} cases are not judged yet: no judge call is under way for them (Re-judge them below)."
        ),
    }
}

/// What an unrated answer says of the rated one a re-run of its case replaced
/// (`CaseRun::replaced_rating`): "You rated the answer this one replaced down: “Too long.” The
/// improvement loop reads that rating until you rate this answer." (a note without its own
/// full stop gets one after the quote).
pub fn replaced_rating_words(r: &crate::domain::eval::rating::Rating) -> String {
    let thumb = if r.is_down() { "down" } else { "up" };
    // A link's sender's rating is said as theirs (tryout 102: "You rated" in a saved copy).
    let who = if r.by_sender { "The sender" } else { "You" };
    // A note that ends its own sentence is not given another full stop.
    let note = match r.note.as_str() {
        "" => ".".to_owned(),
        n if n.ends_with(['.', '?', '!']) => format!(": \u{201c}{n}\u{201d}"),
        n => format!(": \u{201c}{n}\u{201d}."),
    };
    format!(
        "{who} rated the answer this one replaced {thumb}{note} The improvement loop reads that rating until you rate this answer."
    )
}

/// The progress line's part about `n` answers counted past the output cap the run asked for
/// (`Progress::over_cap`): reported so by the provider (said as its report, which may not be
/// what it wrote), or written past it; the cost may be above the bound shown before the run; of them,
/// `bounded` were read no further past the cap, and their tokens are counted at the most they
/// can be (`Progress::over_cap_bounded`), which the line says, since the figures before it read
/// "about".
pub fn over_cap_line(n: usize, bounded: usize) -> String {
    let counted = match bounded {
        0 => String::new(),
        1 if n == 1 => "; its tokens are counted at the most they can be (its prompt's bound, and a token for each byte that arrived), not estimated".to_owned(),
        1 => "; the tokens of the one read no further are counted at the most they can be (its prompt's bound, and a token for each byte that arrived), not estimated".to_owned(),
        k if k == n => "; their tokens are counted at the most they can be (each prompt's bound, and a token for each byte that arrived), not estimated".to_owned(),
        k => format!("; the tokens of the {k} read no further are counted at the most they can be (each prompt's bound, and a token for each byte that arrived), not estimated"),
    };
    let cap = grouped(u64::from(MAX_OUTPUT_TOKENS));
    let bytes = grouped(
        crate::domain::provider::runaway_bytes(MAX_OUTPUT_TOKENS).unwrap_or_default() as u64,
    );
    // Only counts past the cap, no text read past it (tryout 121: a 180-byte answer reported
    // as 500,031 output tokens read "the provider sent more than the … cap"): what the
    // provider reported, which may not be what it wrote.
    if bounded == 0 {
        return format!(
            "the provider reported more output tokens than the {cap}-token output cap for {} (it did not keep to it, or its count is wrong: the answer shown may be shorter; it bills what it reports), so the cost may be above the bound shown before the run",
            count(n, "case", "cases"),
        );
    }
    let verb = if bounded == n {
        "wrote past"
    } else {
        "went past"
    };
    format!(
        "the provider {verb} the {cap}-token output cap for {} (it did not keep to it; the page reads no answer past {bytes} bytes), so the cost may be above the bound shown before the run{counted}",
        count(n, "case", "cases"),
    )
}

/// The start of the progress line of a run whose every result came with the draft
/// (`Progress::received`): not run here, its figures the sender's.
pub const RECEIVED_RUN: &str = "Run before the draft came here in a link or file, not in this browser (its token counts and cost are as the draft says): ";

/// The progress line's part about `n` results that came with the draft (`Progress::received`):
/// "3 results came with the draft in a link or file: their token counts are as it says, not
/// counted here".
pub fn received_line(n: usize) -> String {
    format!(
        "{} came with the draft in a link or file: {} token counts are as it says, not counted here",
        count(n, "result", "results"),
        if n == 1 { "its" } else { "their" }
    )
}

/// The progress line's part about `n` cases never sent, with why (`stopped_by`, see
/// `Run::stopped_by`; empty: the page went away): "3 not sent: sending stopped after the key
/// was not accepted (HTTP 401); fix that in Settings, then send them". `fix_in` says where the
/// model is set: "Settings", or a comparison model's "its row under Compare models" (tryout 96:
/// a comparison model's failure sent the person to Settings).
pub fn unsent_line(n: usize, stopped_by: &str, fix_in: &str) -> String {
    let they = if n == 1 { "it" } else { "them" };
    if stopped_by.is_empty() {
        let were = if n == 1 { "it was" } else { "they were" };
        format!(
            "{} not sent (the page went away before {were} sent)",
            grouped(n as u64)
        )
    } else {
        format!(
            "{} not sent: sending stopped after {stopped_by}; fix that in {fix_in}, then send {they}",
            grouped(n as u64)
        )
    }
}

/// What a row of Results shows of the run: its case's result and whether it is from the run's
/// latest start, its score, whether it was never sent, and the run's model label.
#[derive(Clone, PartialEq)]
pub struct RowData {
    mine: Option<(CaseRun, bool)>,
    score: Option<CaseScore>,
    unsent: bool,
    run_model: Option<String>,
}

impl RowData {
    fn of(id: u32, run: Option<&Run>, scores: &SortedMap<u32, CaseScore>) -> Self {
        Self {
            mine: run.and_then(|r| r.cases.get(&id).map(|c| (c.clone(), r.is_latest(c)))),
            score: scores.get(&id).cloned(),
            unsent: run.is_some_and(|r| r.unsent.contains(&id)),
            run_model: run.map(|r| r.model.clone()),
        }
    }

    /// Whether this is what [`RowData::of`] would make now (compared without cloning).
    fn is(&self, id: u32, run: Option<&Run>, scores: &SortedMap<u32, CaseScore>) -> bool {
        let mine = run.and_then(|r| r.cases.get(&id).map(|c| (c, r.is_latest(c))));
        self.mine.as_ref().map(|(c, l)| (c, *l)) == mine
            && self.score.as_ref() == scores.get(&id)
            && self.unsent == run.is_some_and(|r| r.unsent.contains(&id))
            && self.run_model.as_deref() == run.map(|r| r.model.as_str())
    }
}

/// One case's result.
#[component]
fn ResultRow(
    /// The case id.
    id: u32,
    /// The current version's run (read untracked: the row hears its changes through `rows`).
    run: ReadSignal<Option<Run>>,
    /// Every row's result and score.
    rows: Keyed<u32, RowData>,
    /// The current version's style and prompt (what Reflect's figure reads).
    reflect_spec: Memo<
        Option<(
            crate::domain::spec::RenderStyle,
            crate::domain::spec::PromptSpec,
        )>,
    >,
) -> impl IntoView {
    let off_run = super::shell::offline_for(&[Role::Execution, Role::Judge]);
    let off_judge = super::shell::offline_for(&[Role::Judge]);
    // Scoring with no address or model name: Re-judge would send nothing (tryout 94).
    let judge_unset = super::shell::role_unset(Role::Judge);
    // Reflect's calls go to the execution model: none while it has no address or model name
    // (the review of tryout 94: the reflection shown was replaced, then failed).
    let exec_unset = super::shell::role_unset(Role::Execution);
    let d = DraftHandle::expect();
    let r = Runner::expect();
    // The runner under another name, for where `r` is the case's Reflexion.
    let runner = r;
    // This case's result, and whether it is from the run's latest start: the one reader of the
    // run for the row (a profile of a 3 x 100 run: ten readers a row made every result's update
    // slow in proportion to the table); the row's other memos read this one.
    let row = RwSignal::from(rows.get(id));
    let mine = crate::state::reactive::memo(move |_| row.with(|r| r.mine.clone()));
    let status = crate::state::reactive::memo(move |_| {
        mine.with(|m| m.as_ref().map(|(c, _)| c.status.clone()))
    });
    // Why the run's judge was sent no more calls, read when the checks are drawn (not tracked:
    // a change of the run redraws no row).
    let stopped_by = move || {
        run.with_untracked(|r| {
            r.as_ref()
                .map(|r| r.judge_stopped_by.clone())
                .unwrap_or_default()
        })
    };
    // The model that made this result, when it is not the execution model chosen now (a
    // switch in Settings): the answer's label names it, and Retry says it starts a new run.
    let settings = SettingsHandle::expect();
    let other_model = crate::state::reactive::memo(move |_| {
        let now = settings
            .roles
            .with(|r| run::ModelUsed::of(r.get(Role::Execution)));
        mine.with(|m| {
            let (c, _) = m.as_ref()?;
            match &c.exec_model {
                Some(made) => (*made != now).then(|| made.label()),
                // A failed call records no model: its run's label says which it was.
                None => row.with(|r| {
                    let made = r.run_model.clone()?;
                    (!made.trim().is_empty() && made != now.label()).then_some(made)
                }),
            }
        })
    });
    let retry_title = move || {
        if off_run() {
            return Some(OFFLINE_TITLE.to_owned());
        }
        other_model.get().map(|made| {
            let now = settings
                .roles
                .with(|r| run::ModelUsed::of(r.get(Role::Execution)).label());
            format!("This result was made with {made}; the execution model is now {now}. Retry starts a new run of this case on {now}.")
        })
    };
    // A re-run that failed and left this (earlier) answer in place.
    let rerun_failed = crate::state::reactive::memo(move |_| {
        mine.with(|m| m.as_ref().and_then(|(c, _)| c.rerun_failed.clone()))
    });
    // A re-run of this case stopped by Cancel put this (earlier) answer back.
    let rerun_stopped = crate::state::reactive::memo(move |_| {
        mine.with(|m| m.as_ref().and_then(|(c, _)| c.rerun_stopped_note()))
    });
    let output = crate::state::reactive::memo(move |_| {
        mine.with(|m| m.as_ref().map(|(c, _)| c.output.clone()))
    });
    let score = crate::state::reactive::memo(move |_| row.with(|r| r.score.clone()));
    // The person's rating of this result (a re-run makes a new, unrated one).
    let rating = crate::state::reactive::memo(move |_| {
        mine.with(|m| m.as_ref().and_then(|(c, _)| c.rating.clone()))
    });
    // The rated answer a re-run of this case replaced, with the rating: said while this answer
    // is unrated (the loop reads it until then).
    let replaced_rating = crate::state::reactive::memo(move |_| {
        mine.with(|m| {
            m.as_ref()
                .filter(|(c, _)| c.rating.is_none())
                .and_then(|(c, _)| c.replaced_rating.clone())
        })
    });
    let version = move || run.with_untracked(|r| r.as_ref().map_or(0, |r| r.version));
    let rate = Callback::new(move |v| {
        d.update(|x| {
            x.rate(version(), id, false, v);
        })
    });
    let rate_final = Callback::new(move |v| {
        d.update(|x| {
            x.rate(version(), id, true, v);
        })
    });
    // When the run that made this result started, if that was not the latest run.
    let earlier = crate::state::reactive::memo(move |_| {
        mine.with(|m| {
            let (c, latest) = m.as_ref()?;
            (!latest).then_some(c.run_ms)
        })
    });
    // The case was edited since this result was made: it no longer answers the case as it is.
    let changed = crate::state::reactive::memo(move |_| {
        mine.with(|m| {
            let (c, _) = m.as_ref()?;
            d.suite_and_prompt
                .with(|(s, _)| s.case(id).map(|case| c.case_changed(case)))
        })
        .unwrap_or(false)
    });
    let cut_off = crate::state::reactive::memo(move |_| {
        score.with(|s| s.as_ref().map(|s| (s.cut_off, s.failed_cut_off)))
    });
    // The answer's own length in tokens: what the provider reported, "about" when estimated.
    let answer_tokens = crate::state::reactive::memo(move |_| {
        mine.with(|m| {
            m.as_ref().map(|(c, _)| {
                let n = count(c.output_tokens, "token", "tokens");
                if c.tokens_estimated {
                    format!("about {n}")
                } else {
                    n
                }
            })
        })
    });
    // An answer the page read no further past its cap (counted by its bytes, more than any
    // estimate from a text that short: as the run's line tells them, `Run::progress_where`).
    let read_no_further = crate::state::reactive::memo(move |_| {
        mine.with(|m| {
            m.as_ref().is_some_and(|(c, _)| {
                c.tokens_estimated
                    && c.output_tokens as usize
                        > crate::domain::provider::runaway_bytes(MAX_OUTPUT_TOKENS)
                            .unwrap_or(usize::MAX)
            })
        })
    });
    let summary = crate::state::reactive::memo(move |_| {
        d.suite_and_prompt
            .with(|(s, _)| s.case(id).map(|c| c.summary()).unwrap_or_default())
    });
    // A case with characters that show as nothing or turn its direction names them (tryout
    // 84: a U+202E case title read reversed with no word).
    // Of every text of the case (review: one in its expected answer was tagged in the case
    // list, not here), read from the case alone.
    let marks = crate::state::reactive::memo(move |_| {
        d.with_case(id, crate::domain::eval::TestCase::hidden_marks)
            .flatten()
    });
    let full = RwSignal::new(false);
    let live = RwSignal::from(r.live(id));
    let streaming = crate::state::reactive::memo(move |_| live.with(Option::is_some));
    let retrying = RwSignal::from(r.retry_note(id));
    // The answer heading stands over answer text only (not over a refusal or a failed call).
    let has_answer = crate::state::reactive::memo(move |_| match live.get() {
        Some(text) => !text.is_empty(),
        None => output.with(|o| o.as_ref().is_some_and(|o| !o.is_empty())),
    });
    let shown_output = move || {
        if let Some(text) = live.get() {
            return text;
        }
        let o = output.get().unwrap_or_default();
        if !full.get() && o.chars().count() > SHOW_CHARS {
            format!("{}…", o.chars().take(SHOW_CHARS).collect::<String>())
        } else {
            o
        }
    };
    // A line written again and again: the model looping (said, not scored).
    let looping = crate::state::reactive::memo(move |_| {
        output.with(|o| {
            o.as_deref()
                .and_then(crate::domain::eval::repeats::repeated)
        })
    });
    let long = move || output.with(|o| o.as_ref().is_some_and(|o| o.chars().count() > SHOW_CHARS));
    let refusal = crate::state::reactive::memo(move |_| {
        mine.with(|m| m.as_ref().and_then(|(c, _)| c.refusal.clone()))
    });
    // A call cut off by leaving the page or the draft (not the person's Cancel): said so, with
    // the bill it may bring (tryout 68).
    let cut_note = crate::state::reactive::memo(move |_| {
        mine.with(|m| m.as_ref().and_then(|(c, _)| c.cut_note()))
    });
    // Cancelled mid-answer by the person: the same word of the bill, under its "cancelled".
    let cancelled_note = crate::state::reactive::memo(move |_| {
        mine.with(|m| m.as_ref().and_then(|(c, _)| c.cancelled_note()))
    });
    // Queued when the page went away and never sent (`Run::unsent`): said as the progress line
    // says it (tryout 17: the line said "not sent", the rows "not run").
    let unsent = crate::state::reactive::memo(move |_| row.with(|r| r.unsent));
    // Its stored result could not be read (tryout 96: the row read "not run", for a case that
    // had been run): said until it has a result again.
    let lib = crate::state::library::Library::expect();
    let unreadable = move || {
        status.with(Option::is_none)
            && !streaming.get()
            && lib.unreadable_results.with(|u| {
                let (draft, version) = (lib.current_id.get(), d.draft.with(|x| x.current));
                u.iter()
                    .any(|(i, v, c)| *i == draft && *v == version && *c == id)
            })
    };
    let badge = move || {
        if unsent.get() && status.with(Option::is_none) && !streaming.get() {
            return ("not sent", "idle");
        }
        if unreadable() {
            return ("result unreadable", "bad");
        }
        verdict_badge(
            status.get().as_ref(),
            score.get().as_ref(),
            streaming.get(),
            refusal.with(Option::is_some),
            r.judging(id),
            mine.with(|m| m.as_ref().is_some_and(|(c, _)| c.is_cut())),
        )
    };
    // The judge has not answered and will not: the run stopped first (a reload, Cancel).
    let unjudged = move || {
        status.with(|s| *s == Some(Status::Done))
            && score.with(|s| s.as_ref().is_some_and(|s| s.pending))
            && !r.judging(id)
    };
    let has_judge_error = move || {
        score.with(|s| {
            s.as_ref().is_some_and(|s| {
                s.verdicts
                    .iter()
                    .any(|v| matches!(v, Verdict::JudgeError { .. }))
            })
        }) || unjudged()
    };
    let can_retry = move || {
        matches!(status.get(), Some(Status::Failed(_) | Status::Cancelled))
            || refusal.with(Option::is_some)
            || rerun_failed.with(Option::is_some)
    };
    let reflector = Reflector::expect();
    let reflection = crate::state::reactive::memo(move |_| {
        mine.with(|m| m.as_ref().and_then(|(c, _)| c.reflection.clone()))
    });
    let assertions = crate::state::reactive::memo(move |_| {
        d.suite_and_prompt.with(|(suite, _)| {
            suite
                .case(id)
                .map(|c| suite.check_names(c))
                .unwrap_or_default()
        })
    });
    // What each of the row's paid buttons may cost, worked out before it is pressed (the cost
    // audit of session 40: Reflect, Retry and Re-judge spent money with no figure beside
    // them). Each reads the row's own result and the shared prompt, so results arriving for
    // other cases work none of them out again.
    let reflect_cost = crate::state::reactive::memo(move |_| {
        let exec = settings.config(Role::Execution);
        let judge = settings.config(Role::Judge);
        reflect_spec.with(|base| {
            let (style, spec) = base.as_ref()?;
            mine.with(|m| {
                let (cr, _) = m.as_ref()?;
                if cr.status != Status::Done {
                    return None;
                }
                d.suite_and_prompt.with(|(suite, _)| {
                    let input = crate::domain::optimize::reflect::ReflectInput::from_parts(
                        spec,
                        *style,
                        suite,
                        id,
                        cr,
                        exec.kind.is_tiny().then(String::new),
                        judge.temperature,
                        MAX_OUTPUT_TOKENS,
                    )?
                    .on_model(&run::ModelUsed::of(&exec).label());
                    let calls: Vec<_> = input
                        .bound()
                        .into_iter()
                        .map(|(role, b)| (if role == Role::Judge { &judge } else { &exec }, b))
                        .collect();
                    Some(crate::domain::estimate::calls_at_most(&calls))
                })
            })
        })
    });
    let retry_cost = crate::state::reactive::memo(move |_| {
        let exec = settings.config(Role::Execution);
        let judge = settings.config(Role::Judge);
        d.suite_and_prompt.with(|(suite, prompt)| {
            run::run_bound(suite, prompt, &[id], exec.temperature, MAX_OUTPUT_TOKENS)
                .cost_words(&exec, &judge)
        })
    });
    let rejudge_cost = crate::state::reactive::memo(move |_| {
        let judge = settings.config(Role::Judge);
        mine.with(|m| {
            let (cr, _) = m.as_ref()?;
            d.suite_and_prompt.with(|(suite, prompt)| {
                let case = suite.case(id)?;
                let calls = run::rejudge_bound(suite, prompt, case, cr, judge.temperature);
                let calls: Vec<_> = calls.into_iter().map(|b| (&judge, b)).collect();
                Some(crate::domain::estimate::calls_at_most(&calls))
            })
        })
    });
    view! {
        // A place of its own for the focus (`browser::keep_focus_when_removed`): a control of
        // the row that goes away leaves the focus here, not on the next case's controls.
        <li class="pw-result" data-case=id.to_string() tabindex="-1">
            <div class="pw-result__head">
                <span class="pw-case__id">{format!("#{id}")}</span>
                <span class="pw-result__summary">{crate::ui::erased::dynamic(move || (summary.get()).into_any())}</span>
                {crate::ui::erased::dynamic(move || (marks.get().map(|t| view! {
                    <span class="pw-tag pw-tag--bad" title=t>"hidden characters"</span>
                })).into_any())}
                <span class=move || format!("pw-verdict pw-verdict--{}", badge().1)>{crate::ui::erased::dynamic(move || (badge().0).into_any())}</span>
                {crate::ui::erased::dynamic(move || (cut_off.get().filter(|(cut, _)| *cut).map(|_| view! {
                    <span class="pw-tag pw-tag--cut">"cut off at the token limit"</span>
                })).into_any())}
                {crate::ui::erased::dynamic(move || (looping.with(Option::is_some).then(|| view! {
                    <span class="pw-tag pw-tag--cut">"repeats itself"</span>
                })).into_any())}
                {crate::ui::erased::dynamic(move || (earlier.get().map(|ms| {
                    let version = run.with_untracked(|r| r.as_ref().map_or(0, |r| r.version));
                    view! {
                        <span class="pw-tag pw-tag--earlier" title=move || if unsent.get() { "This result was not made by the latest run: that run did not send the case." } else { "This result was not made by the latest run: the case was not part of it." }>
                            {format!("from an earlier run (version {version}, {})", when(ms))}
                        </span>
                    }
                })).into_any())}
                // The latest run never sent it, and an earlier result shows (helper-60: the row
                // did not say "not sent" as the progress line did).
                {crate::ui::erased::show(move || unsent.get() && earlier.with(Option::is_some) && !streaming.get(), move || view! {
                    <span class="pw-tag pw-tag--earlier">"not sent in the latest run"</span>
                }.into_any())}
                {crate::ui::erased::show(move || changed.get(), move || view! {
                    <span class="pw-tag pw-tag--earlier" title="The case's input or variables were edited after this result was made: run it again to see how the prompt answers it now.">
                        "the case changed since this result"
                    </span>
                }.into_any())}
                <span class="pw-result__score" class:pw-result__score--partial=move || score.with(|s| s.as_ref().is_some_and(|s| s.judge_failed.is_some() || (s.pending && !s.failed_cut_off)))>
                    {crate::ui::erased::dynamic(move || (score.get().map(|s| s.label()).unwrap_or_default()).into_any())}
                </span>
                // Each paid button with its figure, kept on one line together (tryout 83: the
                // figure wrapped alone to the next line, under the case number).
                {crate::ui::erased::show(can_retry, move || view! {
                    <span class="pw-paid">
                    <button type="button" class="pw-button pw-button--small" aria-label=format!("Retry case #{id}")
                        disabled=off_run title=retry_title
                        on:click=move |_| r.retry_on("", id)>
                        {crate::ui::erased::dynamic(move || (if other_model.with(Option::is_some) { "Retry on the model chosen now" } else { "Retry" }).into_any())}
                    </button>
                    <CostNote cost=Signal::derive(move || Some(retry_cost.get()))/>
                    </span>
                }.into_any())}
                {crate::ui::erased::show(move || status.get() == Some(Status::Done), move || view! {
                    <span class="pw-paid">
                    <button type="button" class="pw-button pw-button--small pw-button--ghost" aria-label=format!("Reflect on case #{id}")
                        title=move || if off_run() { OFFLINE_TITLE.to_owned() } else { exec_unset().unwrap_or_else(|| "Draft, then a harsh critique, then a final answer written from it; both scored the same way.".to_owned()) }
                        disabled=move || reflector.busy.with(|b| b.contains(&id)) || off_run() || exec_unset().is_some()
                        on:click=move |_| reflector.reflect(id)>"Reflect"</button>
                    <CostNote cost=Signal::derive(move || reflect_cost.get())/>
                    </span>
                }.into_any())}
                {crate::ui::erased::show(move || reflector.busy.with(|b| b.contains(&id)), move || view! {
                    // A reflection on an earlier version's answer goes on out of sight: said, by
                    // its Stop (tryout 84: a bare Stop beside "not run", its calls still going).
                    {move || {
                        let current = d.draft.with(|x| x.current);
                        reflector.version_of(id).filter(|v| *v != current).map(|v| view! {
                            <span class="pw-hint" role="status">{format!("Reflecting on version {v}'s answer (its calls go on):")}</span>
                        })
                    }}
                    <button type="button" data-stops="true" class="pw-button pw-button--small" aria-label=format!("Stop reflecting on case #{id}")
                        on:click=move |_| reflector.stop(id)>"Stop"</button>
                }.into_any())}
                {crate::ui::erased::show(has_judge_error, move || view! {
                    <span class="pw-paid">
                    <button type="button" class="pw-button pw-button--small" aria-label=format!("Re-judge case #{id}")
                        disabled=move || off_judge() || judge_unset().is_some() || r.judging.with(|j| j.contains(&(String::new(), id)))
                        title=move || if off_judge() { Some(OFFLINE_TITLE.to_owned()) } else { judge_unset() }
                        on:click=move |_| r.rejudge(id)>"Re-judge"</button>
                    <CostNote cost=Signal::derive(move || rejudge_cost.get())/>
                    </span>
                }.into_any())}
            </div>
            <CostlyNotice at=crate::state::runner::CostlyAt::Case(id)/>
            <ConversationFold case=Signal::derive(move || d.suite_and_prompt.with(|(s, _)| s.case(id).cloned()))/>
            {crate::ui::erased::dynamic(move || (retrying.get().map(|note| view! { <p class="pw-hint pw-result__retry" role="status">{note}</p> })).into_any())}
            {crate::ui::erased::dynamic(move || (rerun_stopped.get().map(|note| view! { <p class="pw-hint" role="status">{format!("{note} The earlier result below is put back as it was.")}</p> })).into_any())}
            {crate::ui::erased::dynamic(move || (rerun_failed.get().map(|f| {
                let partial = (!f.partial.is_empty()).then(|| view! {
                    <details class="pw-result__rerun-part">
                        <summary>"What the failed re-run wrote before it stopped (kept here)"</summary>
                        <pre class="pw-output__text">{f.partial.clone()}</pre>
                    </details>
                });
                view! {
                    <p class="pw-hint pw-hint--bad" role="status">{format!(
                        "This case's re-run failed: {} The earlier answer below stays, with its own verdict, until a re-run answers.",
                        f.message
                    )}</p>
                    {partial}
                }
            })).into_any())}
            {crate::ui::erased::dynamic(move || (match status.get() {
                Some(Status::Failed(e)) => Some(view! { <p class="pw-hint pw-hint--bad">{e}</p> }.into_any()),
                Some(Status::Cancelled) if cut_note.with(Option::is_some) => {
                    Some(view! { <p class="pw-hint" role="status">{crate::ui::erased::dynamic(move || (cut_note.get()).into_any())}</p> }.into_any())
                }
                Some(Status::Cancelled) if cancelled_note.with(Option::is_some) => {
                    Some(view! { <p class="pw-hint" role="status">{crate::ui::erased::dynamic(move || (cancelled_note.get()).into_any())}</p> }.into_any())
                }
                _ => refusal.get().map(|why| view! { <p class="pw-hint pw-hint--bad">{format!("The model refused: {}", why.trim())}</p> }.into_any()),
            }).into_any())}
            {crate::ui::erased::dynamic(move || (cut_off.get().filter(|(cut, _)| *cut).map(|(_, failed)| {
                // Tryout 112: "the provider stopped it after about 12,006 tokens" of an answer
                // the page stopped reading.
                let who = if read_no_further.get() {
                    format!(
                        "the provider wrote past the {}-token cap it was sent, and the page stopped reading it at {} bytes (counted as {}, a byte each)",
                        grouped(u64::from(MAX_OUTPUT_TOKENS)),
                        grouped(crate::domain::provider::runaway_bytes(MAX_OUTPUT_TOKENS).unwrap_or_default() as u64),
                        answer_tokens.get().unwrap_or_default(),
                    )
                } else {
                    format!(
                        "the provider stopped it after {} ({} were asked for; a model's own limit can be lower)",
                        answer_tokens.get().unwrap_or_default(),
                        count(MAX_OUTPUT_TOKENS, "token", "tokens"),
                    )
                };
                let text = format!(
                    "The answer was cut off at the token limit: {who}. {}",
                    if failed {
                        "It counts as failed, scored 0 (see \u{201c}Answers cut off at the token limit fail\u{201d} under Checks for every case)."
                    } else {
                        "It is scored on its checks: cut-off answers do not fail in this suite, or a \u{201c}Stopped because\u{201d} check decides."
                    }
                );
                view! { <p class=if failed { "pw-hint pw-hint--bad" } else { "pw-hint pw-hint--warn" }>{text}</p> }
            })).into_any())}
            {crate::ui::erased::dynamic(move || (looping.get().map(|rep| {
                let line: String = rep.line.chars().take(80).collect();
                let more = if rep.line.chars().count() > 80 { "…" } else { "" };
                view! {
                    <p class="pw-hint pw-hint--warn pw-result__repeats">{format!(
                        "The answer repeats itself: the line \u{201c}{line}{more}\u{201d} appears {} times. Small models sometimes loop like this; its checks score it as it is, and a larger execution model usually does not loop.",
                        rep.times
                    )}</p>
                }
            })).into_any())}
            {crate::ui::erased::show(move || !streaming.get() && !has_answer.get() && status.get() == Some(Status::Done) && refusal.with(Option::is_none), move || view! {
                <p class="pw-hint">"The execution model answered with nothing (an empty answer)."</p>
            }.into_any())}
            {crate::ui::erased::show(move || has_answer.get(), move || view! {
                <p class="pw-output__label">{crate::ui::erased::dynamic(move || (match other_model.get() {
                    Some(made) => format!("Answer written by {made} (not the execution model chosen now)"),
                    None => "Answer written by the execution model".to_owned(),
                }).into_any())}</p>
                // Model output is untrusted: shown as text only, never as HTML.
                <pre class="pw-output__text pw-result__output" aria-label=format!("Output of case #{id}")>{crate::ui::erased::dynamic(move || shown_output().into_any())}</pre>
                {crate::ui::erased::dynamic(move || (output.with(|o| o.as_deref().and_then(crate::domain::figures::hidden_marks)).map(|t| view! { <p class="pw-hint pw-hint--warn">{t}</p> })).into_any())}
                {crate::ui::erased::show(long, move || view! {
                    <button type="button" class="pw-button pw-button--small pw-button--ghost" on:click=move |_| full.update(|f| *f = !*f)>
                        {crate::ui::erased::dynamic(move || (if full.get() { "Show less" } else { "Show the whole output" }).into_any())}
                    </button>
                }.into_any())}
            }.into_any())}
            {crate::ui::erased::show(move || status.get() == Some(Status::Done) && !streaming.get(), move || view! {
                <RatingControl rating=rating on_rate=rate what=format!("the answer to case #{id}")/>
                <super::rating::NoteToCheck case=id output=Signal::derive(move || output.get().unwrap_or_default()) rating=rating/>
                {crate::ui::erased::dynamic(move || (replaced_rating.get().map(|r| view! {
                    <div class="pw-result__replaced-rating">
                        <p class="pw-hint">{replaced_rating_words(&r.rating)}</p>
                        <details>
                            <summary>"The answer you rated"</summary>
                            // Model output is untrusted: shown as text only, never as HTML.
                            <pre class="pw-output__text">{r.output.clone()}</pre>
                        </details>
                    </div>
                })).into_any())}
                {crate::ui::erased::show(move || rating.with(|r| r.as_ref().is_some_and(|r| r.is_down())) && !d.draft.with(|x| x.suite.thumbs_down_fails), move || view! {
                    <p class="pw-hint">"Your thumbs-down is not counted in the score: \u{201c}Thumbs-down counts as a failed check\u{201d} is off (under Checks for every case). The optimizer still reads your note."</p>
                }.into_any())}
            }.into_any())}
            {crate::ui::erased::dynamic(move || (reflection.get().map(|r| {
                let draft_scored = score.get();
                let draft_partial = draft_scored.as_ref().is_some_and(|s| s.judge_failed.is_some());
                let draft_score = draft_scored.as_ref().and_then(|s| s.score);
                let final_scored = d.draft.with(|x| {
                    let case = x.suite.case(id)?;
                    // The part a failed or stopped final call wrote is not scored (tryout 85:
                    // "Final · 0" beside "The final answer failed").
                    if r.final_output.is_empty() || r.final_partial { return None; }
                    // The final answer's own time and cost are not kept: those checks say so.
                    // Judged by the judge of this case's run (a tiny one says so).
                    let observed = eval::Observed {
                        rough_judge: mine.with(|m| m.as_ref().is_some_and(|(c, _)| c.judge_model.as_ref().is_some_and(|j| j.kind.is_tiny()))),
                        ..r.final_observed()
                    };
                    Some(eval::score_case(&x.suite, case, &r.final_output, &observed, x.current_spec(), &r.judgements))
                });
                let final_cut = final_scored.as_ref().is_some_and(|s| s.cut_off);
                let final_partial = final_scored.as_ref().is_some_and(|s| s.judge_failed.is_some());
                let final_verdicts = final_scored.as_ref().map(|s| s.verdicts.clone());
                let final_rated = final_scored.as_ref().and_then(|s| s.rated_down.clone());
                // Compared on the checks measured for both answers; the others are named.
                let names = assertions.get();
                let compared = match (&draft_scored, &final_scored) {
                    (Some(a), Some(b)) => Some(eval::compare_answers(a, b, &d.draft.with(|x| x.suite.case(id).map(|c| x.suite.assertions_for(c).map(|a| a.weight).collect::<Vec<_>>()).unwrap_or_default()))),
                    _ => None,
                };
                let final_score = final_scored.as_ref().and_then(|s| s.score);
                let mut not_compared = compared.as_ref().map(|c| {
                    c.left_out.iter().filter_map(|i| names.get(*i).cloned()).collect::<Vec<_>>()
                }).unwrap_or_default();
                // A thumbs-down counts in its answer's score, never in the comparison: named
                // (tryout 85: "No change in score (98)" over "Draft · 78", the down-vote unsaid).
                if compared.is_some() {
                    for (scored, whose) in [(&draft_scored, "the draft"), (&final_scored, "the final answer")] {
                        if scored.as_ref().is_some_and(|s| s.rated_down.is_some()) {
                            not_compared.push(format!("your thumbs-down on {whose}"));
                        }
                    }
                }
                let (draft_cmp, final_cmp) = compared.as_ref().map_or((None, None), |c| (c.a, c.b));
                let on_shared = if not_compared.is_empty() {
                    String::new()
                } else {
                    format!(" (on the checks measured for both; not compared: {})", not_compared.join("; "))
                };
                // A score without the judge says so, and is not compared with one that has it.
                let shown = |x: Option<f64>, partial: bool| x.map(|x| format!(" · {}{}", crate::domain::figures::points(x * 100.0), if partial { " without the judge" } else { "" })).unwrap_or_default();
                // Tryout 4: "Reflection helped: 97 → 99" stood over "Draft · 98": with checks left out
                // of the comparison, each heading also gives the figure that was compared.
                let compared_too = |x: Option<f64>| match x {
                    Some(x) if !not_compared.is_empty() => format!(" ({} on the checks compared)", crate::domain::figures::points(x * 100.0)),
                    _ => String::new(),
                };
                let (draft_also, final_also) = (compared_too(draft_cmp), compared_too(final_cmp));
                let verdict = match (r.done, draft_cmp, final_cmp) {
                    (true, _, _) if draft_partial || final_partial => match (draft_partial, final_partial) {
                        (true, true) => "Not compared: the judge failed on the draft and on the final answer.",
                        (true, false) => "Not compared: the judge failed on the draft (Re-judge the case, then compare).",
                        _ => "Not compared: the judge failed on the final answer (Reflect again to have it judged).",
                    }.to_owned(),
                    (true, Some(a), Some(b)) if b > a + 1e-9 => format!("Reflection helped: {} \u{2192} {}{on_shared}", crate::domain::figures::points(a * 100.0), crate::domain::figures::points(b * 100.0)),
                    (true, Some(a), Some(b)) if b + 1e-9 < a => format!("Reflection made it worse: {} \u{2192} {}{on_shared}", crate::domain::figures::points(a * 100.0), crate::domain::figures::points(b * 100.0)),
                    (true, Some(a), Some(_)) => format!("No change in score ({}){on_shared}", crate::domain::figures::points(a * 100.0)),
                    (true, _, _) if !not_compared.is_empty() => format!("Not compared: no check was measured for both answers ({}).", not_compared.join("; ")),
                    (true, _, _) => "Done.".to_owned(),
                    (false, _, _) if r.error.is_some() => String::new(),
                    (false, _, _) => "Reflecting…".to_owned(),
                };
                // Scores the built-in tiny model's judge decided are a rough guess (tryout 118).
                let rough = [&draft_scored, &final_scored].iter().any(|s| s.as_ref().is_some_and(|s| s.rough_judge));
                let verdict = if rough && r.done && compared.is_some() && !draft_partial && !final_partial {
                    format!("{verdict} \u{2014} judged by the built-in tiny model: a rough guess, not a verdict to trust.")
                } else {
                    verdict
                };
                view! {
                    <div class="pw-reflection" role="group" aria-label=format!("Reflexion on case #{id}")>
                        <p class="pw-reflection__verdict" role="status">{verdict}</p>
                        <p class="pw-hint">{{
                            // Who wrote what, by name when the record says (tryout 98: "All three
                            // texts are written by the execution model" over another model's draft).
                            let drafted = other_model.get().unwrap_or_else(|| crate::domain::eval::run::ModelUsed::of(&settings.config(Role::Execution)).label());
                            let partial = r.error.is_some() && r.final_output.is_empty();
                            let critic = r.model.clone().unwrap_or_else(|| "the execution model".to_owned());
                            match &r.model {
                                // Tryout 111: "All three texts are written by…" over a final that
                                // is the draft, unchanged.
                                _ if r.final_is_draft => format!("The critique, by {critic}, found nothing to fix, so the final answer is the draft as it was: no call was made for it, and it keeps the draft's figures and the judge's verdicts."),
                                Some(m) if *m != drafted => if partial {
                                    format!("The draft is {drafted}'s answer; {m} wrote the texts below it.")
                                } else {
                                    format!("The draft is {drafted}'s answer; {m} wrote the critique and the final answer, which is scored like the draft.")
                                },
                                Some(m) if partial => format!("The texts below are written by {m}, as the draft is."),
                                Some(m) => format!("All three texts are written by {m}; the final is scored like the draft."),
                                None if partial => "The texts below are written by the execution model.".to_owned(),
                                None => "All three texts are written by the execution model; the final is scored like the draft.".to_owned(),
                            }
                        }}</p>
                        // What its calls spent, beside the figure shown before (tryout 93).
                        {r.used.as_ref().map(|u| view! { <p class="pw-hint pw-reflection__used">{u.line()}</p> })}
                        // Provider errors end "…, then press Retry": the button is here.
                        {r.error.clone().map(|e| view! {
                            <p class="pw-hint pw-hint--bad" role="alert">{e}</p>
                            <button type="button" class="pw-button" aria-label=format!("Retry Reflexion on case #{id}")
                                disabled=off_run title=move || off_run().then_some(OFFLINE_TITLE)
                                on:click=move |_| reflector.reflect(id)>"Retry"</button>
                            <CostNote cost=Signal::derive(move || reflect_cost.get())/>
                        })}
                        <div class="pw-reflection__cols">
                            <div class="pw-reflection__col">
                                <h3 class="pw-reflection__title">{format!("Draft{}{draft_also}", shown(draft_score, draft_partial))}</h3>
                                <pre class="pw-output__text">{output.get().unwrap_or_default()}</pre>
                                // The draft's own check results, in its column beside the final's.
                                {draft_scored.clone().map(|s| verdict_rows(s.verdicts, names.clone(), s.rated_down, format!("Checks of case #{id}"), runner.judging(id), stopped_by(), None))}
                            </div>
                            <div class="pw-reflection__col">
                                <h3 class="pw-reflection__title">"Critique"</h3>
                                {live_or(r.critique.clone(), reflector.live(id), Step::Critique)}
                                // What the final answer read of it (tryout 84: a 34,500-character
                                // critique was shown whole, the final written from its start).
                                {(r.critique.chars().count() > crate::domain::optimize::reflexion::CRITIQUE_CHARS).then(|| view! {
                                    <p class="pw-hint pw-hint--warn">{format!(
                                        "The final answer was asked with the first {} characters of this critique ({} in all): a critique is read back up to that length.",
                                        grouped(crate::domain::optimize::reflexion::CRITIQUE_CHARS as u64),
                                        grouped(r.critique.chars().count() as u64)
                                    )}</p>
                                })}
                                {crate::domain::figures::hidden_marks(&r.critique).map(|note| view! { <p class="pw-hint pw-hint--warn">{note}</p> })}
                            </div>
                            <div class="pw-reflection__col">
                                <h3 class="pw-reflection__title">{if r.final_partial && !r.final_output.is_empty() { "Final · not scored (its call did not finish)".to_owned() } else { format!("Final{}{final_also}{}", shown(final_score, final_partial), if final_cut { " · cut off at the token limit" } else { "" }) }}</h3>
                                {live_or(r.final_output.clone(), reflector.live(id), Step::Final)}
                                {r.over_cap.iter().map(|note| view! { <p class="pw-hint pw-hint--warn pw-reflection__over-cap">{note.clone()}</p> }).collect_view()}
                                {crate::domain::eval::repeats::repeated(&r.final_output).map(|rep| view! {
                                    <p class="pw-hint pw-hint--warn pw-result__repeats">{format!(
                                        "The final answer repeats itself: the line \u{201c}{}\u{201d} appears {} times.",
                                        rep.line.chars().take(80).collect::<String>(), rep.times
                                    )}</p>
                                })}
                                {(!r.final_output.is_empty() && !r.final_partial && (r.done || r.error.is_some())).then(|| {
                                    let final_rating = Signal::derive(move || reflection.with(|f| f.as_ref().and_then(|f| f.rating.clone())));
                                    view! { <RatingControl rating=final_rating on_rate=rate_final what=format!("the final answer to case #{id}")/> }
                                })}
                                {final_verdicts.filter(|_| r.done).map(|v| verdict_rows(v, names.clone(), final_rated.clone(), format!("Checks of the final answer of case #{id}"), true, stopped_by(), None))}
                            </div>
                        </div>
                    </div>
                }
            })).into_any())}
            // Under the answer while no Reflexion is shown (then they are in its Draft column).
            {crate::ui::erased::dynamic(move || (reflection.with(Option::is_none).then(|| score.get().map(|s| verdict_rows(s.verdicts, assertions.get(), s.rated_down, format!("Checks of case #{id}"), r.judging(id), stopped_by(), None)))).into_any())}
        </li>
    }
}

/// A result's badge, words and tone ("ok", "bad", "busy", "idle"): `status` of its call,
/// `score` of its answer, whether it is `streaming` now, was a `refused` answer, whether its
/// judge may still answer (`judging`), and whether its call was `cut` by leaving the page or the
/// draft rather than cancelled by the person (`CaseRun::cut_by`: "stopped", not "cancelled").
pub fn verdict_badge(
    status: Option<&Status>,
    score: Option<&CaseScore>,
    streaming: bool,
    refused: bool,
    judging: bool,
    cut: bool,
) -> (&'static str, &'static str) {
    match (status, score) {
        _ if streaming => ("running…", "busy"),
        (None, _) => ("not run", "idle"),
        (Some(Status::Queued), _) => ("queued", "idle"),
        (Some(Status::Running), _) => ("running…", "busy"),
        (Some(Status::Failed(_)), _) => ("call failed", "bad"),
        (Some(Status::Cancelled), _) if cut => ("stopped", "idle"),
        (Some(Status::Cancelled), _) => ("cancelled", "idle"),
        // A refusal fails unless an is-refusal check of the case expects it.
        (Some(Status::Done), Some(s)) if s.refused && s.pass => ("refused · pass", "ok"),
        (Some(Status::Done), _) if refused => ("refused", "bad"),
        (Some(Status::Done), Some(s)) if s.pending && !judging => ("not judged", "idle"),
        (Some(Status::Done), Some(s)) if s.pending => ("judging…", "busy"),
        (Some(Status::Done), Some(s))
            if s.verdicts
                .iter()
                .any(|v| matches!(v, Verdict::JudgeError { .. })) =>
        {
            ("judge error", "bad")
        }
        (Some(Status::Done), Some(s)) if s.failed_cut_off => ("fail", "bad"),
        (Some(Status::Done), Some(s)) if s.verdicts.is_empty() && s.rated_down.is_none() => {
            ("no checks", "idle")
        }
        // The built-in tiny model's judge decided it: not a verdict to trust (tryout 118).
        (Some(Status::Done), Some(s)) if s.rough_judge && s.pass => ("pass · rough guess", "idle"),
        (Some(Status::Done), Some(s)) if s.rough_judge => ("fail · rough guess", "idle"),
        (Some(Status::Done), Some(s)) if s.pass => ("pass", "ok"),
        (Some(Status::Done), Some(_)) => ("fail", "bad"),
        // An answer without a score is never called a failure.
        (Some(Status::Done), None) => ("not scored", "idle"),
    }
}

/// The progress line's cancelled cases: "8 cancelled", and of them those Cancel took out of the
/// queue before they were sent, "8 cancelled (4 never sent)" (tryout 87: only the run's toast
/// said so, and it goes).
fn cancelled_part(p: &run::Progress) -> String {
    let n = p.cancelled - p.stopped;
    match p.cancelled_unsent.min(n) {
        0 => format!("{} cancelled", grouped(n as u64)),
        k => format!(
            "{} cancelled ({} never sent)",
            grouped(n as u64),
            grouped(k as u64)
        ),
    }
}

/// One answer's check results, a row per check: mark, name, reason (a judge's raw reply when it
/// could not be read).
/// `waiting`: a judge still to answer may answer (else its check says the run stopped first).
/// `judge_stopped_by`: why the run sent its judge no more calls (`Run::judge_stopped_by`),
/// empty when it did not stop. `pending_note`: what a check still waiting for its judge says
/// when it is not `waiting`, in place of the run's words (the optimizer's candidates, which
/// have no Re-judge).
pub(super) fn verdict_rows(
    verdicts: Vec<Verdict>,
    names: Vec<String>,
    rated_down: Option<String>,
    label: String,
    waiting: bool,
    judge_stopped_by: String,
    pending_note: Option<String>,
) -> impl IntoView {
    let stopped_why = Some(judge_stopped_by).filter(|w| !w.is_empty());
    view! {
        <ul class="pw-verdicts" aria-label=label>
            // The person's thumbs-down, counted as one failed check.
            {rated_down.map(|reason| view! {
                <li class="pw-verdict-row pw-verdict-row--bad">
                    <span class="pw-verdict-row__mark" aria-hidden="true">"✗"</span>
                    <span class="pw-sr-only">"Failed: "</span>
                    <span class="pw-verdict-row__name">{if reason.starts_with(crate::domain::eval::rating::SENDER_RATED) { "The sender's rating" } else { "Your rating" }}</span>
                    <span class="pw-verdict-row__reason">{reason}</span>
                </li>
            })}
            {verdicts.into_iter().zip(names).map(|(v, name)| {
                let (mark, cls, text, raw) = match v {
                    Verdict::Done { pass, reason, .. } => (if pass { "✓" } else { "✗" }, if pass { "ok" } else { "bad" }, reason, None),
                    Verdict::Pending if waiting => ("…", "busy", "Waiting for the judge.".to_owned(), None),
                    Verdict::Pending if pending_note.is_some() => ("–", "idle", pending_note.clone().unwrap_or_default(), None),
                    Verdict::Pending => ("–", "idle", match stopped_why.clone() {
                        // Tryout 18: after a refused judge key the cases gave another reason.
                        Some(why) => format!("Not judged: the run sent the judge no more calls after {why}. Fix that in Settings, then Re-judge the case."),
                        None => "Not judged: no judge call is under way for it (the run stopped before the judge answered, or the rubric changed). Re-judge the case to have it judged.".to_owned(),
                    }, None),
                    Verdict::JudgeError { raw, error } => ("!", "bad", format!("Judge error: {error}"), Some(raw)),
                    Verdict::Unmeasured { reason } => ("–", "idle", reason, None),
                };
                // A judge error leaves the check unmeasured, not failed (tryout 91: it was read
                // out as "Failed:").
                let said = match (mark, cls) {
                    ("!", _) => "Not measured: ",
                    (_, "ok") => "Passed: ",
                    (_, "bad") => "Failed: ",
                    (_, "idle") => "Not measured: ",
                    _ => "Pending: ",
                };
                view! {
                    <li class=format!("pw-verdict-row pw-verdict-row--{cls}")>
                        <span class="pw-verdict-row__mark" aria-hidden="true">{mark}</span>
                        <span class="pw-sr-only">{said}</span>
                        <span class="pw-verdict-row__name">{name}</span>
                        <span class="pw-verdict-row__reason">{text.clone()}</span>
                        // A judge's reasoning is model text: characters that hide or turn it
                        // around are named (tryout 106: "Verdict: FAIL" under a pass, U+202E).
                        {crate::domain::figures::hidden_marks(&text).map(|n| view! { <p class="pw-hint pw-hint--warn pw-verdict-row__marks">{n}</p> })}
                        {raw.map(|r| view! {
                            <details class="pw-details"><summary>"The judge's raw reply"</summary><pre class="pw-output__text">{r}</pre></details>
                        })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// A time of day to the minute in the browser's own form, as the Versions card and the drafts
/// show times ("5:02 PM", or "17:02"; tryout 117: "17:05" here beside "5:02:16 PM" there), with
/// the date when it is not today ("5/3/2025, 5:02 PM").
fn when(ms: f64) -> String {
    let t = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    let now = js_sys::Date::new_0();
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"hour".into(), &"numeric".into());
    let _ = js_sys::Reflect::set(&options, &"minute".into(), &"2-digit".into());
    let clock = String::from(t.to_locale_time_string_with_options("default", &options));
    if t.to_date_string() == now.to_date_string() {
        clock
    } else {
        format!(
            "{}, {clock}",
            String::from(t.to_locale_date_string("default", &wasm_bindgen::JsValue::UNDEFINED))
        )
    }
}

/// A costly press of a Run button held back ([`Runner::costly`]): its figure and models, with
/// *Run them* and *Don't run*; where `at` says, beside the button pressed.
#[component]
pub fn CostlyNotice(at: crate::state::runner::CostlyAt) -> impl IntoView {
    let r = Runner::expect();
    let settings = SettingsHandle::expect();
    crate::ui::erased::dynamic(move || {
        (r.costly
            .get()
            .filter(|c| c.at() == at)
            .map(|c| {
                let changed = if c.changed {
                    "Settings or the cases changed since you were asked, and so did the figure. "
                } else {
                    ""
                };
                // Models changed in Settings while the question is shown: its figure is the
                // one worked out at the press, said so at once (tryout 99: "at most $25.27"
                // for gpt-4o-mini stayed up after a switch to gpt-4o, until Run them re-asked).
                let asked = (settings.roles.get_untracked(), settings.compare.get_untracked());
                let stale = move || {
                    settings.roles.with(|x| *x != asked.0) || settings.compare.with(|x| *x != asked.1)
                };
                view! {
                    <div class="pw-notice pw-notice--warn pw-costly" role="alert" aria-label="A costly run">
                        <p class="pw-notice__title">{format!("{changed}{} Nothing has been sent.", c.words)}</p>
                        {crate::ui::erased::show(stale, || view! {
                            <p class="pw-hint pw-hint--warn" role="status">"Settings changed since this figure was worked out: Run them works it out again and asks before anything is sent."</p>
                        }.into_any())}
                        <div class="pw-row pw-row--wrap">
                            <button type="button" class="pw-button pw-button--primary" on:click=move |_| r.run_costly()>"Run them"</button>
                            <button type="button" class="pw-button" on:click=move |_| r.costly.set(None)>"Don't run"</button>
                        </div>
                    </div>
                }
            }))
        .into_any()
    })
}

/// The progress line's failed calls: "2 failed", "2 failed (may be billed)" when each had
/// reached the provider and counts its prompt, "2 failed (1 may be billed)".
fn failed_part(p: &run::Progress) -> String {
    let n = grouped(p.failed as u64);
    match p.failed_billed {
        0 => format!("{n} failed"),
        k if k >= p.failed => format!("{n} failed (may be billed)"),
        k => format!("{n} failed ({} may be billed)", grouped(k as u64)),
    }
}

/// A run held back because some of its cases would go out with empty variables: which cases and
/// what the model would read, with Run anyway, Don't run, and a way to open each case.
#[component]
fn UnfilledNotice() -> impl IntoView {
    let d = DraftHandle::expect();
    let r = Runner::expect();
    let open = OpenCase::expect();
    // The held-back cases that still have gaps (filling one in updates the list).
    let rows = crate::state::reactive::memo(move |_| {
        let ids = r.unfilled.get()?;
        Some(d.draft.with(|x| {
            let prompt = x.rendered();
            let global = x.suite.global_reads();
            ids.iter()
                .filter_map(|id| x.suite.case(*id))
                .map(|c| (c.id, c.summary(), run::case_gaps(&prompt, c, &global)))
                .filter(|(_, _, g)| !g.is_empty())
                .collect::<Vec<_>>()
        }))
    });
    crate::ui::erased::dynamic(move || {
        ({
        rows.get().map(|rows| {
        let n = rows.len();
        let what = run::gaps_noun(rows.iter().flat_map(|(_, _, g)| g));
        let title = match n {
            0 => "Every case of this run is filled in now.".to_owned(),
            1 => format!("1 case would go out with {what}. Nothing has been sent."),
            n => format!("{} would go out with {what}. Nothing has been sent.", count(n, "case", "cases")),
        };
        view! {
            <div class="pw-notice pw-notice--warn pw-unfilled" role="alert" aria-label="Cases that would go out incomplete">
                <p class="pw-notice__title">{title}</p>
                <ul>
                    {rows.into_iter().map(|(id, summary, gaps)| {
                        let first = gaps.first().and_then(gap_variable);
                        let name = if summary.is_empty() { format!("Case #{id}") } else { format!("Case #{id} ({summary})") };
                        view! {
                            <li>
                                <span class="pw-unfilled__case">{name}</span>
                                <ul>{gaps.iter().map(|g| view! { <li>{g.describe()}</li> }).collect_view()}</ul>
                                <button type="button" class="pw-button pw-button--small" aria-label=format!("Fix case #{id}")
                                    on:click=move |_| open.show(id, first.clone())>"Fix it"</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <div class="pw-row pw-row--wrap">
                    <button type="button" class="pw-button pw-button--primary" on:click=move |_| r.run_anyway()>
                        {if n == 0 { "Run now" } else { "Run anyway" }}
                    </button>
                    <button type="button" class="pw-button" on:click=move |_| r.keep_unfilled_back()>"Don't run"</button>
                </div>
            </div>
        }
    })
    }).into_any()
    })
}

/// Two versions side by side on the same cases: per-case wins, losses and ties.
#[component]
fn Compare() -> impl IntoView {
    let d = DraftHandle::expect();
    // Which model's results are compared: "" for the execution model's, else a comparison
    // model's key (the model grid); offered when it has results of two versions or more.
    let model = RwSignal::new(String::new());
    let models = crate::state::reactive::memo(move |_| {
        d.draft.with(|x| {
            let mut out: Vec<(String, String)> = Vec::new();
            if x.runs.len() >= 2 {
                out.push((String::new(), "the execution model".to_owned()));
            }
            for m in &x.compared {
                let n = x.compared.iter().filter(|o| o.key == m.key).count();
                if n >= 2 && !out.iter().any(|(k, _)| *k == m.key) {
                    out.push((m.key.clone(), m.run.model.clone()));
                }
            }
            out
        })
    });
    crate::state::reactive::effect(move |_| {
        let m = models.get();
        if !m.is_empty() && !m.iter().any(|(k, _)| *k == model.get_untracked()) {
            model.set(m[0].0.clone());
        }
    });
    let versions = crate::state::reactive::memo(move |_| {
        let key = model.get();
        d.draft.with(|x| {
            if key.is_empty() {
                x.runs.iter().map(|r| r.version).collect::<Vec<_>>()
            } else {
                x.compared
                    .iter()
                    .filter(|r| r.key == key)
                    .map(|r| r.run.version)
                    .collect()
            }
        })
    });
    let a = RwSignal::new(0u32);
    let b = RwSignal::new(0u32);
    // Defaults: the two latest versions that have runs.
    crate::state::reactive::effect(move |_| {
        let v = versions.get();
        if v.len() >= 2
            && (!v.contains(&a.get_untracked())
                || !v.contains(&b.get_untracked())
                || a.get_untracked() == b.get_untracked())
        {
            a.set(v[v.len() - 2]);
            b.set(v[v.len() - 1]);
        }
    });
    let table = crate::state::reactive::memo(move |_| {
        let (va, vb) = (a.get(), b.get());
        let key = model.get();
        d.draft.with(|x| {
            // Each version's case scores, worked out once (a result arriving works this memo
            // out again): the compared scores, the cases left out for their judge, those not
            // judged yet and those not run all read them (`Run::score_map`,
            // `Run::judge_failed_ids` and `Run::unjudged_ids` read them the same way).
            let scored = |v: u32| {
                x.run_on(v, &key)
                    .map(|r| r.scores(&x.suite, x.version(v).map(|ver| &ver.spec)))
                    .unwrap_or_default()
            };
            let (sa, sb) = (scored(va), scored(vb));
            let ids_where = |f: fn(&eval::CaseScore) -> bool| -> Vec<u32> {
                sa.iter()
                    .chain(sb.iter())
                    .filter(|(_, s)| f(s) && s.counted().is_none())
                    .map(|(id, _)| *id)
                    .collect()
            };
            let mut skipped = ids_where(|s| s.judge_failed.is_some());
            crate::domain::order::sort(&mut skipped);
            skipped.dedup();
            // Cases whose judge has not answered are left out too, and said (tryout 48: "0
            // wins, 0 losses, 0 ties" over an empty table, every case unjudged in one version).
            let mut unjudged = ids_where(|s| s.pending);
            unjudged.retain(|id| !skipped.contains(id));
            crate::domain::order::sort(&mut unjudged);
            unjudged.dedup();
            // The execution model's results of two versions may come from two models (a switch
            // in Settings between their runs): the difference is then not the prompts' alone
            // (tryout 81: "+5 points" between fake-mini's and fake-reasoner's answers).
            let models = if key.is_empty() {
                let of = |v: u32| x.run_on(v, &key).map(eval::grid::made_with).unwrap_or_default();
                let (ma, mb) = (of(va), of(vb));
                (ma != mb).then(|| {
                    format!(
                        " · the answers are from different models (version {va}: {}; version {vb}: {}), so the difference is not the prompts' alone: run both on one model to compare them",
                        ma.join(" + "),
                        mb.join(" + ")
                    )
                })
            } else {
                None
            };
            let counted = |scores: &crate::domain::sorted::SortedMap<u32, eval::CaseScore>| {
                scores
                    .iter()
                    .filter_map(|(id, s)| Some((*id, s.counted()?)))
                    .collect::<crate::domain::sorted::SortedMap<u32, f64>>()
            };
            x.run_on(va, &key)?;
            x.run_on(vb, &key)?;
            let c = eval::compare(&counted(&sa), &counted(&sb));
            // The suite's other cases, not compared and not said above: the line says how few
            // cases it stands on (tryout 119: "1 win · difference +33 points" from 1 case of 5).
            let (ra, rb) = (&sa, &sb);
            let (mut not_b, mut not_a, mut neither, mut no_score) = (0, 0, 0, 0);
            for case in &x.suite.cases {
                let id = case.id;
                if c.rows.iter().any(|r| r.0 == id) || skipped.contains(&id) || unjudged.contains(&id) {
                    continue;
                }
                match (ra.contains_key(&id), rb.contains_key(&id)) {
                    (true, false) => not_b += 1,
                    (false, true) => not_a += 1,
                    (false, false) => neither += 1,
                    (true, true) => no_score += 1,
                }
            }
            let mut parts = Vec::new();
            if not_b > 0 { parts.push(format!("{not_b} not run on version {vb}")); }
            if not_a > 0 { parts.push(format!("{not_a} not run on version {va}")); }
            if neither > 0 { parts.push(format!("{neither} run on neither")); }
            if no_score > 0 { parts.push(format!("{no_score} with no score in one of them")); }
            let others = not_b + not_a + neither + no_score;
            let not_compared = if others > 0 {
                format!(
                    " · {others} of {} not compared: {}",
                    count(x.suite.cases.len(), "case", "cases"),
                    parts.join(", ")
                )
            } else {
                String::new()
            };
            Some((
                c,
                skipped.len(),
                unjudged.len(),
                models.unwrap_or_default() + &not_compared,
            ))
        })
    });
    let picker = move |sig: RwSignal<u32>, id: &'static str, label: &'static str| {
        view! {
            <label class="pw-label pw-label--inline" for=id>{label}</label>
            <select id=id class="pw-select pw-select--auto" on:change=move |ev| sig.set(event_target_value(&ev).parse().unwrap_or(0))>
                {crate::ui::erased::dynamic(move || (versions.get().into_iter().map(|v| view! {
                    <option value=v.to_string() selected=move || sig.get() == v>{format!("Version {v}")}</option>
                }).collect_view()).into_any())}
            </select>
        }
    };
    view! {
        {crate::ui::erased::show(move || models.with(|m| !m.is_empty()) && versions.with(|v| v.len() >= 2), move || view! {
            <details class="pw-details pw-compare">
                <summary>"Compare two versions"</summary>
                {crate::ui::erased::show(move || models.with(|m| m.len() >= 2), move || view! {
                    <div class="pw-row pw-row--wrap">
                        <label class="pw-label pw-label--inline" for="pw-compare-model">"Results of"</label>
                        <select id="pw-compare-model" class="pw-select pw-select--auto"
                            on:change=move |ev| model.set(event_target_value(&ev))>
                            {crate::ui::erased::dynamic(move || (models.get().into_iter().map(|(k, label)| {
                                let selected = k.clone();
                                view! { <option value=k selected=move || model.get() == selected>{label}</option> }
                            }).collect_view()).into_any())}
                        </select>
                    </div>
                }.into_any())}
                <div class="pw-row pw-row--wrap">
                    {picker(a, "pw-compare-a", "Compare")}
                    {picker(b, "pw-compare-b", "with")}
                </div>
                {crate::ui::erased::dynamic(move || (table.get().map(|(c, skipped, unjudged, models)| {
                    let not_judged = match unjudged {
                        0 => String::new(),
                        1 => " · 1 case left out: not judged yet in one of the versions".to_owned(),
                        n => format!(" · {n} cases left out: not judged yet in one of the versions"),
                    };
                    let none = if c.rows.is_empty() { " · no case has a score in both versions to compare" } else { "" };
                    let summary = format!(
                        "Version {} against version {}: {}, {}, {} · difference {:+.0} {}{}{not_judged}{none}{models}",
                        b.get_untracked(), a.get_untracked(),
                        count(c.wins, "win", "wins"),
                        count(c.losses, "loss", "losses"),
                        count(c.ties, "tie", "ties"),
                        c.difference,
                        noun(c.difference.round().abs() as u64, "point", "points"),
                        match skipped {
                            0 => String::new(),
                            1 => " · 1 case left out: the judge failed on it in one of the versions".to_owned(),
                            n => format!(" · {n} cases left out: the judge failed on them in one of the versions"),
                        }
                    );
                    view! {
                        <p class="pw-score" role="status">{summary}</p>
                        <table class="pw-table">
                            <caption class="pw-sr-only">"Per-case scores of the two versions"</caption>
                            <thead><tr>
                                <th scope="col">"Case"</th>
                                <th scope="col">{format!("Version {}", a.get_untracked())}</th>
                                <th scope="col">{format!("Version {}", b.get_untracked())}</th>
                                <th scope="col">"Outcome"</th>
                            </tr></thead>
                            <tbody>
                                {{
                                    // In the order of the cases, as Results lists them (tryout 75:
                                    // by id, a moved or duplicated case stood apart).
                                    let at: crate::domain::sorted::SortedMap<u32, usize> = d.suite_and_prompt.with(|(s, _)| s.cases.iter().enumerate().map(|(i, c)| (c.id, i)).collect());
                                    let mut rows = c.rows;
                                    crate::domain::order::sort_by_key(&mut rows, |r| at.get(&r.0).copied().unwrap_or(usize::MAX));
                                    rows
                                }.into_iter().map(|(id, x, y, ord)| {
                                    let (text, cls) = match ord {
                                        std::cmp::Ordering::Greater => ("win", "ok"),
                                        std::cmp::Ordering::Less => ("loss", "bad"),
                                        std::cmp::Ordering::Equal => ("tie", "idle"),
                                    };
                                    view! { <tr>
                                        <th scope="row">{format!("#{id}")}</th>
                                        <td>{crate::domain::figures::points(x * 100.0).to_string()}</td>
                                        <td>{crate::domain::figures::points(y * 100.0).to_string()}</td>
                                        <td><span class=format!("pw-verdict pw-verdict--{cls}")>{text}</span></td>
                                    </tr> }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }
                })).into_any())}
            </details>
        }.into_any())}
    }
}

/// A reflection's critique or final answer (`kept`), or, while it is empty, what streams in for
/// it now (tryout 84: both boxes stayed empty while a long critique was written).
fn live_or(kept: String, live: ArcRwSignal<crate::state::reflexion::Live>, step: Step) -> AnyView {
    if !kept.is_empty() {
        return view! { <pre class="pw-output__text">{kept}</pre> }.into_any();
    }
    let text = move || {
        live.with(|l| {
            (l.step.as_ref() == Some(&step))
                .then(|| l.text.clone())
                .unwrap_or_default()
        })
    };
    view! { <pre class="pw-output__text pw-output__text--live">{crate::ui::erased::dynamic(move || text().into_any())}</pre> }.into_any()
}
