//! The model grid, under Results: the comparison models run beside the execution model (each
//! with its own provider, address, model, temperature, key and calls at once to its host), what
//! running the suite on all of them uses at most before anything is sent, then per model the
//! score, passes, tokens, cost of the answers and times (first token and total, median and 95th
//! percentile), the recommendation in plain words, and the cases × models grid (each answer with
//! its verdict), filtered to failures or disagreements and sorted by one model's scores.
use crate::domain::sorted::SortedMap;

use leptos::prelude::*;

use super::rating::RatingControl;
use super::results::verdict_badge;
use crate::domain::estimate::{call_cost, format_cost};
use crate::domain::eval::grid::{self, ModelSummary};
use crate::domain::eval::run::{self, CaseRun, Run, Status};
use crate::domain::eval::{CaseScore, Verdict};
use crate::domain::figures::{count, grouped, read_setting};
use crate::domain::provider::{ProviderConfig, ProviderKind, Role};
use crate::state::draft::DraftHandle;
use crate::state::keyed::{Keyed, settled};
use crate::state::runner::{MAX_OUTPUT_TOKENS, Runner};
use crate::state::settings::SettingsHandle;

/// Most comparison models beside the execution model.
const MAX_COMPARED: usize = 5;

/// One column of the grid: the model's results key ("" for the execution model), its label,
/// whether it has results on the current version, their scores (each model scored once per
/// change) and its summary.
#[derive(Clone, PartialEq)]
struct Column {
    key: String,
    label: String,
    /// Called by "Run on all" (a model chosen here); `false` for results of a model that is not
    /// among this device's models (a received link): shown, not run, until added.
    chosen: bool,
    has_run: bool,
    scores: SortedMap<u32, CaseScore>,
    summary: Option<ModelSummary>,
}

/// Which cases the grid shows.
#[derive(Clone, Copy, PartialEq)]
enum Filter {
    All,
    Failures,
    Disagreements,
}

/// The model grid card section.
#[component]
pub fn ModelGrid() -> impl IntoView {
    let d = DraftHandle::expect();
    let r = Runner::expect();
    let lib = crate::state::library::Library::expect();
    let settings = SettingsHandle::expect();
    let offline = crate::state::Online::expect();
    // The models a grid run calls: the execution model, then the comparison models (each once).
    let slots = crate::state::reactive::memo(move |_| {
        let exec = settings.config(Role::Execution);
        settings.compare.with(|c| grid::slots(&exec, c))
    });
    let columns = crate::state::reactive::memo(move |_| {
        let slots = slots.get();
        d.draft.with(|x| {
            slots
                .iter()
                .map(|s| {
                    let run = x.run_on(x.current, &s.key);
                    // The execution model's results are labelled by the model that made them.
                    let (label, left_out) = if s.key.is_empty() {
                        grid::exec_column(run, &s.cfg)
                    } else {
                        (grid::model_label(&s.cfg), None)
                    };
                    let scores = run
                        .map(|r| grid::version_scores(r, &x.suite, x.current_spec()))
                        .unwrap_or_default();
                    let summary = run.map(|r| grid::ModelSummary {
                        left_out: left_out.clone(),
                        ..grid::summarize_scored(&label, r, &x.suite, &scores)
                    });
                    Column {
                        key: s.key.clone(),
                        label,
                        chosen: true,
                        has_run: run.is_some(),
                        scores,
                        summary,
                    }
                })
                .chain(
                    grid::other_models(&x.compared, x.current, &slots)
                        .into_iter()
                        .filter_map(|(key, made_with)| {
                            let run = x.run_on(x.current, &key)?;
                            // Chosen here but not run now: it is the execution model too.
                            let chosen_here = settings
                                .compare
                                .with(|v| v.iter().any(|c| grid::model_key(c) == key));
                            let label = if chosen_here {
                                format!("{made_with} (results as a comparison model; it is the execution model now)")
                            } else {
                                format!("{made_with} (not in your models)")
                            };
                            let scores = grid::version_scores(run, &x.suite, x.current_spec());
                            let summary = grid::priced_here(
                                grid::summarize_scored(&label, run, &x.suite, &scores),
                                &key,
                            );
                            Some(Column {
                                key,
                                label,
                                chosen: false,
                                has_run: true,
                                scores,
                                summary: Some(summary),
                            })
                        }),
                )
                .collect::<Vec<_>>()
        })
    });
    // Every column's run of the current version, read by the cells: one reader of the draft for
    // the whole table (a profile of a 3 x 100 run: each of 300 cells reading the draft made every
    // result's update slow in proportion to the table).
    // Owning the previous map, a run that did not change is kept as it was, not cloned again:
    // a result arriving clones only the run it belongs to.
    let runs = Memo::new_owning(move |prev: Option<SortedMap<String, Run>>| {
        let keys: Vec<String> = columns.with(|cols| cols.iter().map(|c| c.key.clone()).collect());
        d.draft.with(|x| {
            let mut prev = prev.unwrap_or_default();
            let mut changed = false;
            let mut out = SortedMap::new();
            for k in keys {
                let kept = prev.remove(&k);
                match (kept, x.run_on(x.current, &k)) {
                    (Some(r), Some(now)) if r == *now => {
                        out.insert(k, r);
                    }
                    (_, Some(now)) => {
                        changed = true;
                        out.insert(k, now.clone());
                    }
                    (kept, None) => changed |= kept.is_some(),
                }
            }
            changed |= !prev.is_empty();
            (out, changed)
        })
    });
    // The columns' keys and labels, and each row's cells, apart from the table's memos: a result
    // arriving reaches its own row only (`state::keyed`).
    let keys = settled(
        move |k: &Vec<(String, String)>| {
            columns.with(|c| {
                c.len() == k.len()
                    && c.iter()
                        .zip(k)
                        .all(|(c, (key, label))| c.key == *key && c.label == *label)
            })
        },
        move || columns.with(|c| c.iter().map(|c| (c.key.clone(), c.label.clone())).collect()),
    );
    let rows = Keyed::new(
        move || {
            // Read, not only tracked: a memo that is only tracked is never worked out.
            runs.with(|_| ());
            columns.with(|_| ());
        },
        move |id: &u32, row: &SortedMap<String, CellData>| {
            runs.with(|runs| {
                columns.with(|cols| {
                    row.len() == cols.len()
                        && cols.iter().all(|c| {
                            row.get(&c.key)
                                .is_some_and(|(cr, score, chosen, unsent, earlier)| {
                                    let run = runs.get(&c.key);
                                    cr.as_ref() == run.and_then(|r| r.cases.get(id))
                                        && score.as_ref() == c.scores.get(id)
                                        && *chosen == c.chosen
                                        && *unsent == run.is_some_and(|r| r.unsent.contains(id))
                                        && *earlier == earlier_of(run, cr.as_ref())
                                })
                        })
                })
            })
        },
        move |id: &u32| {
            runs.with(|runs| {
                columns.with(|cols| {
                    cols.iter()
                        .map(|c| {
                            let run = runs.get(&c.key);
                            let cr = run.and_then(|r| r.cases.get(id)).cloned();
                            let unsent = run.is_some_and(|r| r.unsent.contains(id));
                            let earlier = earlier_of(run, cr.as_ref());
                            (
                                c.key.clone(),
                                (cr, c.scores.get(id).cloned(), c.chosen, unsent, earlier),
                            )
                        })
                        .collect::<SortedMap<String, CellData>>()
                })
            })
        },
    );
    // Results of models not chosen here, each with the settings its key names (to add it).
    let others = crate::state::reactive::memo(move |_| {
        columns.with(|cols| {
            cols.iter()
                .filter(|c| !c.chosen && c.label.ends_with(" (not in your models)"))
                .filter_map(|c| Some((c.label.clone(), grid::config_of_key(&c.key)?)))
                .collect::<Vec<_>>()
        })
    });
    let summaries = crate::state::reactive::memo(move |_| {
        columns.with(|cols| {
            cols.iter()
                .filter_map(|c| c.summary.clone())
                .collect::<Vec<ModelSummary>>()
        })
    });
    let n_cases = crate::state::reactive::memo(move |_| d.draft.with(|x| x.suite.cases.len()));
    let n_models = move || slots.with(Vec::len);
    let no_ready = move || n_models() < 2 && settings.compare.with(|c| !c.is_empty());
    let blocked = move || {
        slots.with(|s| s.iter().any(|s| offline.blocks(&s.cfg)))
            || n_cases.get() == 0
            || n_models() < 2
            || r.running()
    };
    let filter = RwSignal::new(Filter::All);
    let grid_open = RwSignal::new(false);
    let versions_open = RwSignal::new(false);
    // Open when comparison models are chosen (their results are what it shows), else folded.
    let section_open = RwSignal::new(settings.compare.with_untracked(|c| !c.is_empty()));
    // Sorted by this model's case scores, worst first ("" keeps the suite's order).
    let sort_by = RwSignal::new(None::<String>);
    let shown_ids = crate::state::reactive::memo(move |_| {
        let cols = columns.get();
        d.draft.with(|x| {
            let ran: Vec<(&Run, &SortedMap<u32, CaseScore>)> = cols
                .iter()
                .filter_map(|c| Some((x.run_on(x.current, &c.key)?, &c.scores)))
                .collect();
            let runs: Vec<&Run> = ran.iter().map(|(r, _)| *r).collect();
            let scores: Vec<&SortedMap<u32, CaseScore>> = ran.iter().map(|(_, s)| *s).collect();
            let mut ids: Vec<u32> = match filter.get() {
                Filter::All => x.suite.cases.iter().map(|c| c.id).collect(),
                Filter::Failures => grid::failures_scored(&runs, &scores, &x.suite),
                Filter::Disagreements => grid::disagreements_scored(&scores, &x.suite),
            };
            if let Some(key) = sort_by.get()
                && let Some(col) = cols.iter().find(|c| c.key == key)
            {
                // Worst first; cases without a score on that model last, in suite order.
                crate::domain::order::sort_by(&mut ids, |a, b| {
                    let sa = col.scores.get(a).and_then(CaseScore::counted);
                    let sb = col.scores.get(b).and_then(CaseScore::counted);
                    match (sa, sb) {
                        (Some(a), Some(b)) => a.total_cmp(&b),
                        (Some(_), None) => std::cmp::Ordering::Less,
                        (None, Some(_)) => std::cmp::Ordering::Greater,
                        (None, None) => std::cmp::Ordering::Equal,
                    }
                });
            }
            ids
        })
    });
    // What the bound reads (the cases and the prompt): results arriving do not change it.
    let bound_inputs = d.suite_and_prompt;
    let bound = crate::state::reactive::memo(move |_| {
        let slots = slots.get();
        let judge = settings.config(Role::Judge);
        let t = |n: u64| n.min(u64::from(u32::MAX)) as u32;
        bound_inputs.with(|(suite, prompt)| {
            let ids: Vec<u32> = suite.cases.iter().map(|c| c.id).collect();
            let (mut calls, mut judges, mut total) = (0u32, 0u32, 0.0);
            let mut unpriced: Vec<String> = Vec::new();
            for s in &slots {
                let b = run::run_bound(suite, prompt, &ids, s.cfg.temperature, MAX_OUTPUT_TOKENS);
                calls += b.exec_calls;
                judges += b.judge_calls;
                match call_cost(&s.cfg, t(b.exec_input), t(b.exec_output)) {
                    Some(c) => total += c,
                    None => unpriced.push(grid::model_label(&s.cfg)),
                }
                if b.judge_calls > 0 {
                    match call_cost(&judge, t(b.judge_input), t(b.judge_output)) {
                        Some(c) => total += c,
                        None => {
                            let l = format!("the judge ({})", grid::model_label(&judge));
                            if !unpriced.contains(&l) {
                                unpriced.push(l);
                            }
                        }
                    }
                }
            }
            // One unpriced model does not hide what the others cost at most.
            let cost = if unpriced.is_empty() {
                crate::domain::estimate::at_most(total)
            } else if total > 0.0 {
                format!(
                    "{} for the models with a list price; unknown for {} (no list price here)",
                    crate::domain::estimate::at_most(total),
                    unpriced.join(", ")
                )
            } else {
                format!("cost unknown (no list price for {})", unpriced.join(", "))
            };
            format!(
                "Run on all {}: {} to the models{}; {cost}.",
                count(slots.len(), "model", "models"),
                count(calls, "call", "calls"),
                if judges > 0 {
                    format!(" and {} to the judge", grouped(u64::from(judges)))
                } else {
                    String::new()
                }
            )
        })
    });
    let recommendation = move || summaries.with(|s| grid::recommend(s));
    let model_indexes = move || (0..settings.compare.with(Vec::len)).collect::<Vec<usize>>();
    let cannot_add = move || settings.compare.with(Vec::len) >= MAX_COMPARED || r.running();
    let can_show_bound = move || n_models() >= 2 && n_cases.get() > 0;
    view! {
        <details class="pw-details pw-compare" prop:open=move || section_open.get_untracked() on:toggle=move |ev| {
            let open = ev.target().and_then(|t| js_sys::Reflect::get(&t, &"open".into()).ok()).and_then(|v| v.as_bool()).unwrap_or(false);
            section_open.set(open);
        }>
            <summary class="pw-subtitle">"Compare models"</summary>
            // Drawn only while open (folded by default: most runs use one model).
            {crate::ui::erased::show(move || section_open.get(), move || view! {
            <p class="pw-hint">"Run the suite on several models side by side: the execution model (Settings, Running tests) and the models you add here, each with its own settings. The same judge scores them all."</p>
            <p class="pw-hint">{crate::ui::erased::dynamic(move || (format!("Execution model: {}", slots.with(|s| grid::model_label(&s[0].cfg)))).into_any())}</p>
            <ol class="pw-grid__models" aria-label="Comparison models">
                {crate::ui::erased::keyed(model_indexes, move |i: usize| view! { <ModelEditor index=i/> }.into_any())}
            </ol>
            {crate::ui::erased::dynamic(move || (others.get().into_iter().map(|(label, cfg)| {
                let name = label.trim_end_matches(" (not in your models)").to_owned();
                let full = move || settings.compare.with(Vec::len) >= MAX_COMPARED || r.running();
                view! {
                    <p class="pw-hint pw-row pw-row--wrap">
                        <span>{format!("This draft has results from {name}, which is not among your models here: they are shown, and it is not run until you add it.")}</span>
                        <button type="button" class="pw-button pw-button--small"
                            disabled=full
                            on:click=move |_| settings.compare.update(|v| v.push(cfg.clone()))>
                            {format!("Add {name} to my models")}
                        </button>
                    </p>
                }
            }).collect_view()).into_any())}
            <div class="pw-row pw-row--wrap">
                <button type="button" class="pw-button" id="pw-compare-add"
                    disabled=cannot_add
                    on:click=move |_| settings.compare.update(|v| {
                        let exec = settings.config(Role::Execution);
                        let mut next = ProviderConfig::preset(ProviderKind::Custom, Role::Execution);
                        if exec.kind != ProviderKind::LlamaCpp {
                            next.kind = exec.kind;
                            next.base_url = exec.base_url.clone();
                        }
                        next.model = String::new();
                        // Side by side at the execution model's temperature (tryout 113: a new
                        // comparison model started at 0.3 beside an execution model at 0.0, and
                        // the table does not show temperatures).
                        next.temperature = exec.temperature;
                        v.push(next);
                        // The new model's first field takes the focus.
                        super::browser::focus_when_drawn(format!("pw-compare-{}-provider", v.len() - 1));
                    })>"Add a model to compare"</button>
                <button type="button" class="pw-button pw-button--primary"
                    disabled=blocked
                    // Its figure is part of its description (tryout 85: only the line below said
                    // it), and why it waits for a comparison model that can be called.
                    aria-describedby=move || if no_ready() { Some("pw-grid-none-ready") } else { can_show_bound().then_some("pw-grid-cost") }
                    on:click=move |_| r.run_models(Vec::new())>
                    {crate::ui::erased::dynamic(move || (match n_models() {
                        1 => "Run on all models".to_owned(),
                        n => format!("Run on all {n} models"),
                    }).into_any())}
                </button>
            </div>
            // Comparison models chosen, none of them callable yet: the button is off, and this
            // says why (tryout 94: greyed out with no reason).
            // Before a key written in the draft goes out to the comparison models' hosts as
            // "[API key removed]" (tryout 115 said so only after the calls).
            <super::shell::KeyInDraftNote id="pw-grid-key"/>
            {crate::ui::erased::show(no_ready, move || view! {
                <p class="pw-hint" id="pw-grid-none-ready">"Run on all models waits for a comparison model that can be called, other than the execution model: each one's row below says why it is not run."</p>
            }.into_any())}
            {crate::ui::erased::show(can_show_bound, move || view! {
                <p class="pw-hint" role="status" id="pw-grid-cost">{bound}</p>
                // Tryouts 46-48: what "at most" counts (the grid's results are of several
                // models, so no latest run's cost is named here).
                {crate::ui::erased::show(move || !r.running() && bound.with(|b| b.contains("at most")), move || view! {
                    <p class="pw-hint pw-run-basis">{crate::ui::erased::dynamic(move || ({
                        let judged = d.suite_and_prompt.with(|(s, _)| s.has_judge_checks());
                        run::bound_basis(judged, None)
                    }).into_any())}</p>
                }.into_any())}
            }.into_any())}
            // Beside the button pressed (tryout 89: Run on all models sent 1,410 calls, at
            // most $13.92, on one click).
            <super::results::CostlyNotice at=crate::state::runner::CostlyAt::Grid/>
            {crate::ui::erased::show(move || summaries.with(|s| !s.is_empty()), move || view! {
                // Scrolls in its own box on a narrow screen (tryout 12: at 390 px the page
                // scrolled sideways, 619 px wide).
                // The table's caption is said above its scroll box: as a <caption> it was as wide
                // as the table, and at 390 px cut off at the box's edge (session 47's notes).
                <p class="pw-grid__caption" id="pw-grid-summary-caption">"Per model, on this version (every result it has, as in Results)"</p>
                <div class="pw-grid__scroll" tabindex="0" role="region" aria-label="Scores by model">
                <table class="pw-table pw-grid__summary" aria-labelledby="pw-grid-summary-caption">
                    <thead><tr>
                        <th scope="col">"Model"</th>
                        <th scope="col">"Score"</th>
                        <th scope="col">"Passed"</th>
                        <th scope="col">"Tokens in / out"</th>
                        <th scope="col">"Cost of the answers"</th>
                        <th scope="col">"First token (median · p95)"</th>
                        <th scope="col">"Total time (median · p95)"</th>
                    </tr></thead>
                    <tbody>
                        {crate::ui::erased::dynamic(move || ({
                            // The run going on in another tab is the latest start: the models
                            // it runs share it (tryout 75: a model it did not run read "still to
                            // come from the other tab").
                            let elsewhere = lib.run_elsewhere();
                            let latest = summaries.with(|s| s.iter().map(|m| m.started_ms).fold(f64::MIN, f64::max));
                            summaries.get().into_iter().map(|s| {
                                let going = elsewhere && s.started_ms == latest;
                                summary_row(s, going)
                            }).collect_view()
                        }).into_any())}
                        // A chosen model with no results on this version has its row too (tryout
                        // 12: it was left out of the table while "Run on all" counted it).
                        {crate::ui::erased::dynamic(move || (columns.with(|cols| cols.iter().filter(|c| c.summary.is_none()).map(|c| view! {
                            <tr>
                                <th scope="row">{c.label.clone()}</th>
                                <td colspan="6">"No results on this version yet."</td>
                            </tr>
                        }).collect_view())).into_any())}
                    </tbody>
                </table>
                </div>
                <p class="pw-hint pw-grid__spent">{crate::ui::erased::dynamic(move || (summaries.with(|ms| grid::spent_line(ms))).into_any())}</p>
                // Cases a model was never sent (its key refused, the page reloaded mid-run), with
                // why and a way to send them (tryout 48: said only inside one cell, no way to send).
                // While the run goes on in another tab they are still to come from it.
                {crate::ui::erased::dynamic(move || ((!lib.run_elsewhere()).then(|| columns.with(|cols| cols.iter().filter(|c| c.chosen).filter_map(|c| {
                    let s = c.summary.as_ref().filter(|s| s.unsent > 0)?;
                    let key = c.key.clone();
                    let n = s.unsent;
                    // The execution model is mended in Settings (tryout 113: "fix that in its
                    // row under Compare models" for it, which has no row there).
                    let place = if key.is_empty() { "Settings" } else { "its row under Compare models" };
                    let line = format!("{}: {}", s.label, crate::ui::results::unsent_line(n, &s.stopped_by, place));
                    let button = format!("Send the {} not sent to {}", count(n, "case", "cases"), s.label);
                    // What sending them may cost, before the click (the cost audit: only the
                    // whole grid's figure was shown).
                    let ids: Vec<u32> = d.draft.with_untracked(|x| x.run_on(x.current, &key).map(|run| run.unsent.to_vec()).unwrap_or_default());
                    let cost = slots.with_untracked(|sl| sl.iter().find(|sl| sl.key == key).map(|sl| {
                        let judge = settings.config(Role::Judge);
                        d.suite_and_prompt.with_untracked(|(suite, prompt)| {
                            run::run_bound(suite, prompt, &ids, sl.cfg.temperature, MAX_OUTPUT_TOKENS).cost_words_for(&sl.cfg, "a comparison model", &judge)
                        })
                    }));
                    Some(view! {
                        <div class="pw-row pw-row--wrap pw-grid__unsent">
                            <p class="pw-hint pw-hint--warn" role="status">{line}</p>
                            <button type="button" class="pw-button pw-button--small"
                                disabled=move || r.running() || blocked()
                                on:click=move |_| r.run_unsent_on(&key)>{button}</button>
                            <super::cost::CostNote cost=Signal::derive(move || cost.clone())/>
                        </div>
                    })
                }).collect_view()))).into_any())}
                {crate::ui::erased::dynamic(move || (recommendation().map(|line| view! { <p class="pw-grid__recommend" role="status">{line}</p> })).into_any())}
            }.into_any())}
            {crate::ui::erased::show(move || columns.with(|c| c.iter().any(|c| c.has_run)), move || view! {
              <details class="pw-details pw-grid__answers" on:toggle=move |ev| grid_open.set(details_open(&ev))>
                <summary>"Answers by case and model"</summary>
                // Drawn only while open: a closed grid costs nothing while a run streams.
                {crate::ui::erased::show(move || grid_open.get(), move || view! {
                <div class="pw-row pw-row--wrap">
                    <label class="pw-label pw-label--inline" for="pw-grid-filter">"Show"</label>
                    <select id="pw-grid-filter" class="pw-select"
                        on:change=move |ev| filter.set(match event_target_value(&ev).as_str() {
                            "failures" => Filter::Failures,
                            "disagreements" => Filter::Disagreements,
                            _ => Filter::All,
                        })>
                        <option value="all">"All cases"</option>
                        <option value="failures">"Failures only"</option>
                        <option value="disagreements">"Disagreements between models"</option>
                    </select>
                    <label class="pw-label pw-label--inline" for="pw-grid-sort">"Order"</label>
                    <select id="pw-grid-sort" class="pw-select"
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            sort_by.set(v.strip_prefix("model:").map(str::to_owned));
                        }>
                        <option value="case">"Case order"</option>
                        {crate::ui::erased::dynamic(move || (columns.get().into_iter().map(|c| view! {
                            <option value=format!("model:{}", c.key)>{format!("Worst first on {}", c.label)}</option>
                        }).collect_view()).into_any())}
                    </select>
                </div>
                <div class="pw-grid__scroll" tabindex="0" role="region" aria-label="Answers by case and model">
                    <table class="pw-table pw-grid__table">
                        <thead><tr>
                            <th scope="col">"Case"</th>
                            {crate::ui::erased::dynamic(move || (columns.get().into_iter().map(|c| view! { <th scope="col">{c.label}</th> }).collect_view()).into_any())}
                        </tr></thead>
                        <tbody>
                            {crate::ui::erased::keyed(
                                move || shown_ids.get(),
                                move |id: u32| view! { <GridRow id=id keys=keys rows=rows/> }.into_any(),
                            )}
                        </tbody>
                    </table>
                </div>
                {crate::ui::erased::show(move || shown_ids.with(Vec::is_empty), move || view! {
                    <p class="pw-empty">{crate::ui::erased::dynamic(move || (match filter.get() {
                        Filter::Failures => "No case failed on any model.",
                        Filter::Disagreements => "The models agree on every case they answered.",
                        Filter::All => "No test cases.",
                    }).into_any())}</p>
                }.into_any())}
                }.into_any())}
              </details>
            }.into_any())}
            // No model has results on this version, and some version has (tryout 96: one typed
            // character made a new version, and the whole comparison vanished): said, and the
            // versions' table stays.
            {crate::ui::erased::show(move || columns.with(|c| !c.iter().any(|c| c.has_run)) && d.draft.with(|x| !x.runs.is_empty() || !x.compared.is_empty()), move || view! {
                <p class="pw-hint" id="pw-grid-earlier">"No model has results on this version yet: the results of earlier versions on each model are under Versions by model below."</p>
            }.into_any())}
            {crate::ui::erased::show(move || d.draft.with(|x| !x.runs.is_empty() || !x.compared.is_empty()), move || view! {
              // Versions × models (issue #14): each version's results on each model, drawn only
              // while open (it scores every version with results).
              <details class="pw-details pw-grid__versions" on:toggle=move |ev| versions_open.set(details_open(&ev))>
                <summary>"Versions by model"</summary>
                {crate::ui::erased::show(move || versions_open.get(), move || view! {
                    {crate::ui::erased::dynamic(move || ({
                        let cols = keys.get();
                        let exec = settings.config(Role::Execution);
                        let grid::VersionsTable { labels, rows } = d.draft.with(|x| grid::versions_by_models(x, &cols, &exec));
                        if rows.is_empty() {
                            return view! { <p class="pw-empty">"No version has results on these models yet."</p> }.into_any();
                        }
                        let n = labels.len();
                        view! {
                            <p class="pw-grid__caption" id="pw-grid-vxm-caption">"Each version on each model, newest first: scored with that version's prompt on the cases as they are now; \u{201c}best\u{201d} only where every version in the column was scored on the same number of cases"</p>
                            <div class="pw-grid__scroll" tabindex="0" role="region" aria-label="Versions by model">
                                <table class="pw-table pw-grid__vxm" aria-labelledby="pw-grid-vxm-caption">
                                    <thead><tr>
                                        <th scope="col">"Version"</th>
                                        {labels.into_iter().map(|label| view! { <th scope="col">{label}</th> }).collect_view()}
                                    </tr></thead>
                                    <tbody>
                                        {rows.into_iter().map(|r| view! {
                                            <tr>
                                                <th scope="row">{format!("v{}", r.version)}</th>
                                                {(0..n).map(|i| view! { <td>{r.cell_text(i)}</td> }).collect_view()}
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any()
                    }).into_any())}
                }.into_any())}
              </details>
            }.into_any())}
            }.into_any())}
        </details>
    }
}

/// Whether the `<details>` a `toggle` event came from is open now.
fn details_open(ev: &leptos::ev::Event) -> bool {
    ev.target()
        .and_then(|t| js_sys::Reflect::get(&t, &"open".into()).ok())
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// A row of the per-model table; `elsewhere`: the run goes on in another tab of this browser
/// (`Library::run_elsewhere`), whose record counts what it has not answered yet as not sent
/// and its answers under way as stopped.
fn summary_row(s: ModelSummary, elsewhere: bool) -> impl IntoView {
    let score = s.score_cell();
    let mut notes = Vec::new();
    if s.not_answered > s.stopped {
        notes.push(format!("{} did not answer", s.not_answered - s.stopped));
    }
    if elsewhere && s.unsent + s.stopped > 0 {
        notes.push(format!(
            "{} still to come from the other tab",
            s.unsent + s.stopped
        ));
    } else if s.stopped > 0 {
        // Cut off by leaving while the model answered: as Results says it (tryout 69).
        notes.push(format!(
            "{} stopped while answering (may be billed)",
            s.stopped
        ));
    }
    // Not sent by the latest run (tryout 48), answered or not: the score cell says which of
    // its answers are an earlier run's.
    if s.unsent > 0 && !elsewhere {
        notes.push(format!("{} not sent", s.unsent));
    }
    // With no case scored there is no pass count (tryout 107: "0 of 3" beside "no score yet"
    // read as three failures when none was judged yet).
    let passed = format!(
        "{}{}",
        if s.aggregate.mean.is_none() {
            "none scored yet".to_owned()
        } else {
            format!(
                "{} of {}",
                s.aggregate.passed,
                s.asked + s.unsent_unrecorded
            )
        },
        if notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", notes.join(", "))
        }
    );
    let about = if s.tokens_estimated { "about " } else { "" };
    let tokens = format!(
        "{about}{} / {}",
        grouped(s.input_tokens),
        grouped(s.output_tokens)
    );
    let cost = if s.answered == 0 && s.input_tokens + s.output_tokens == 0 {
        "nothing yet".to_owned()
    } else if s.exec_cost.is_none() {
        // Tryout 77: "about unknown price".
        format_cost(None)
    } else {
        format!("{about}{}", format_cost(s.exec_cost))
    };
    let first = s
        .first_token
        .map_or_else(|| "not measured".to_owned(), |x| x.line());
    let total = s
        .latency
        .map_or_else(|| "not measured".to_owned(), |x| x.line());
    view! {
        <tr>
            <th scope="row">{s.label}</th>
            <td>{score}</td>
            <td>{passed}</td>
            <td>{tokens}</td>
            <td>{cost}</td>
            <td>{first}</td>
            <td>{total}</td>
        </tr>
    }
}

/// Whether `cr`, `run`'s record of a case, is a finished answer an earlier run made.
fn earlier_of(run: Option<&run::Run>, cr: Option<&run::CaseRun>) -> bool {
    run.zip(cr)
        .is_some_and(|(r, c)| !r.is_latest(c) && c.status.finished())
}

/// A case on one column of the grid: its result, its score, whether the model is chosen here
/// (not only in the results of a received link), whether the case was never sent to it
/// ([`Run::unsent`]), and whether the result is an earlier run's (tryout 68: after a reload cut
/// a comparison run short, its earlier answers read as new).
type CellData = (Option<run::CaseRun>, Option<CaseScore>, bool, bool, bool);

/// One case's row of the grid: its answer and verdict on every model.
#[component]
fn GridRow(
    id: u32,
    /// The columns' keys and labels.
    keys: ReadSignal<Vec<(String, String)>>,
    /// Every row's cells.
    rows: Keyed<u32, SortedMap<String, CellData>>,
) -> impl IntoView {
    let d = DraftHandle::expect();
    let summary = move || {
        d.suite_and_prompt
            .with(|(s, _)| s.case(id).map(|c| c.summary()).unwrap_or_default())
    };
    // This case on every column (its result, its score, whether the model is chosen here), in
    // a signal of the row's own: a result arriving reaches its own row's cells only.
    let row = RwSignal::from(rows.get(id));
    view! {
        <tr data-case=id.to_string()>
            <th scope="row"><span class="pw-case__id">{format!("#{id}")}</span>" "{crate::ui::erased::dynamic(move || summary().into_any())}</th>
            {crate::ui::erased::keyed(
                move || keys.get(),
                move |(key, label): (String, String)| view! { <GridCell id=id key=key label=label row=row/> }.into_any(),
            )}
        </tr>
    }
}

/// One answer in the grid: verdict badge and score, the answer (text only, never HTML) or why
/// there is none, the failed checks' reasons, and Re-judge when its judge has not scored it.
#[component]
fn GridCell(
    id: u32,
    key: String,
    label: String,
    /// The case's row ([`CellData`] by column key).
    row: RwSignal<SortedMap<String, CellData>>,
) -> impl IntoView {
    let r = Runner::expect();
    let live = RwSignal::from(r.live_on(&key, id));
    let col_key = key.clone();
    let d = DraftHandle::expect();
    let cell = crate::state::reactive::memo(move |_| {
        row.with(|m| {
            m.get(&col_key)
                .map(|(cr, score, _, _, _)| (cr.clone(), score.clone()))
        })
    });
    let unsent_key = key.clone();
    let unsent = crate::state::reactive::memo(move |_| {
        row.with(|m| m.get(&unsent_key).is_some_and(|c| c.3))
    });
    let earlier_key = key.clone();
    let earlier = crate::state::reactive::memo(move |_| {
        row.with(|m| m.get(&earlier_key).is_some_and(|c| c.4))
    });
    let judge_key = key.clone();
    let badge = crate::state::reactive::memo(move |_| {
        let (cr, score) = cell.get().unwrap_or_default();
        // Never sent (its key refused, a reload mid-run) and with no earlier answer: said so,
        // not "not run" (tryout 48).
        if cr.is_none() && unsent.get() {
            return ("not sent", "idle");
        }
        verdict_badge(
            cr.as_ref().map(|c| &c.status),
            score.as_ref(),
            live.with(Option::is_some),
            cr.as_ref().is_some_and(|c| c.refusal.is_some()),
            r.judging_on(&judge_key, id),
            cr.as_ref().is_some_and(CaseRun::is_cut),
        )
    });
    // A score that leaves the judge out says so, as in Results.
    let score = move || {
        cell.get().and_then(|(_, s)| s).and_then(|s| {
            let partial = s.judge_failed.is_some();
            s.counted().map(|x| {
                format!(
                    "{}{}",
                    s.figure(x),
                    if partial { " without the judge" } else { "" }
                )
            })
        })
    };
    let col_is_compared = !key.is_empty();
    let text = move || {
        if let Some(t) = live.get() {
            return Some(t);
        }
        cell.get().and_then(|(cr, _)| cr).map(|c| match c.status {
            // The execution model's messages point to Settings; a comparison model's to its row.
            Status::Failed(e) if col_is_compared => format!(
                "The call failed: {}",
                crate::domain::provider::ProviderError::for_comparison_model(&e)
            ),
            Status::Failed(e) => format!("The call failed: {e}"),
            // Cut by leaving (not the person's Cancel): said so, with the bill it may bring.
            Status::Cancelled if c.output.is_empty() => c
                .cut_note()
                .unwrap_or_else(|| "Cancelled before an answer.".to_owned()),
            _ => c.output,
        })
    };
    // A re-run that failed over this answer (it stays, from an earlier run): said, not hidden;
    // so is one that was stopped (Cancel, leaving the draft, a reload: the answer put back).
    let rerun_note = move || {
        cell.with(|c| {
            let cr = c.as_ref()?.0.as_ref()?;
            // An answer cut off by leaving or cancelled, with what had arrived (the cell shows
            // that text): the bill it may bring.
            if !cr.output.is_empty()
                && let Some(note) = cr.cut_note().or_else(|| cr.cancelled_note())
            {
                return Some(note);
            }
            if cr.rerun_failed.is_none()
                && let Some(note) = cr.rerun_stopped_note()
            {
                return Some(format!("{note} This is the earlier answer, put back."));
            }
            let f = cr.rerun_failed.clone()?;
            let why = if col_is_compared {
                crate::domain::provider::ProviderError::for_comparison_model(&f.message)
            } else {
                f.message
            };
            Some(format!(
                "Its re-run failed: {why} This is the earlier answer, kept."
            ))
        })
    };
    let problems = move || {
        cell.get()
            .and_then(|(_, s)| s)
            .map(|s| {
                let mut out: Vec<String> = rerun_note().into_iter().collect();
                out.extend(s.rated_down.iter().cloned());
                out.extend(s.verdicts.iter().filter_map(|v| match v {
                    Verdict::Done {
                        pass: false,
                        reason,
                        ..
                    } => Some(reason.clone()),
                    Verdict::JudgeError { error, .. } => Some(format!("Judge error: {error}")),
                    _ => None,
                }));
                out
            })
            .unwrap_or_default()
    };
    let rejudge_key = key.clone();
    let rating = Signal::derive(move || {
        cell.with(|c| {
            c.as_ref()
                .and_then(|(cr, _)| cr.as_ref())
                .and_then(|cr| cr.rating.clone())
        })
    });
    let rate_key = key.clone();
    let rate = Callback::new(move |v| {
        d.update(|x| {
            let version = x.current;
            x.rate_on(version, &rate_key, id, false, v);
        });
    });
    let rate_label = label.clone();
    let judge_unset = super::shell::role_unset(Role::Judge);
    let can_rejudge = move || {
        let (b, _) = badge.get();
        b == "not judged" || b == "judge error"
    };
    // A failed, cancelled or refused answer: its message may say "press Retry".
    let chosen_key = key.clone();
    let chosen = move || row.with(|m| m.get(&chosen_key).is_some_and(|c| c.2));
    let can_retry = move || {
        chosen()
            && live.with(Option::is_none)
            && cell.with(|c| {
                c.as_ref()
                    .and_then(|(cr, _)| cr.as_ref())
                    .is_some_and(|cr| {
                        matches!(cr.status, Status::Failed(_) | Status::Cancelled)
                            || cr.refusal.is_some()
                            || cr.rerun_failed.is_some()
                            || cr.rerun_cancelled.is_some()
                    })
            })
    };
    let retry_key = key.clone();
    let answer_label = label.clone();
    let retry_label = label.clone();
    // What Retry and Re-judge may cost, before they are pressed: the case again on this
    // column's model with its judge calls, or the judge calls Re-judge makes for this answer.
    let settings = SettingsHandle::expect();
    let cost_key = key.clone();
    let retry_cost = move || {
        let exec = settings.config(Role::Execution);
        let judge = settings.config(Role::Judge);
        let slot = settings.compare.with(|c| {
            grid::slots(&exec, c)
                .into_iter()
                .find(|s| s.key == cost_key)
        })?;
        Some(d.suite_and_prompt.with(|(suite, prompt)| {
            run::run_bound(
                suite,
                prompt,
                &[id],
                slot.cfg.temperature,
                MAX_OUTPUT_TOKENS,
            )
            .cost_words_for(&slot.cfg, "a comparison model", &judge)
        }))
    };
    let rejudge_cost = move || {
        let judge = settings.config(Role::Judge);
        cell.with(|c| {
            let cr = c.as_ref().and_then(|(cr, _)| cr.as_ref())?;
            d.suite_and_prompt.with(|(suite, prompt)| {
                let case = suite.case(id)?;
                let calls = run::rejudge_bound(suite, prompt, case, cr, judge.temperature);
                let priced: Vec<_> = calls.into_iter().map(|b| (&judge, b)).collect();
                Some(crate::domain::estimate::calls_at_most(&priced))
            })
        })
    };
    view! {
        <td class="pw-grid__cell" data-model=key.clone()>
            <span class=move || format!("pw-verdict pw-verdict--{}", badge.get().1)>{crate::ui::erased::dynamic(move || (badge.get().0).into_any())}</span>
            {crate::ui::erased::dynamic(move || (score().map(|s| view! { <span class="pw-grid__score">{s}</span> })).into_any())}
            {crate::ui::erased::show(move || earlier.get() && live.with(Option::is_none), move || view! {
                <span class="pw-tag pw-tag--earlier" title="The latest run did not make this answer: it did not send the case, or its re-run was stopped or failed.">"from an earlier run"</span>
            }.into_any())}
            {crate::ui::erased::dynamic(move || (text().filter(|t| !t.is_empty()).map(|t| view! {
                <details class="pw-grid__answer">
                    <summary>"Answer"<span class="pw-sr-only">{format!(" to case #{id} on {answer_label}")}</span></summary>
                    <p class="pw-output">{t}</p>
                </details>
            })).into_any())}
            {crate::ui::erased::show(move || cell.with(|c| c.as_ref().and_then(|(cr, _)| cr.as_ref()).is_some_and(|cr| cr.status == Status::Done)) && live.with(Option::is_none), move || view! {
                <RatingControl rating=rating on_rate=rate what=format!("the answer to case #{id} on {rate_label}")/>
            }.into_any())}
            <ul class="pw-grid__reasons">
                {crate::ui::erased::dynamic(move || (problems().into_iter().map(|p| view! { <li>{p}</li> }).collect_view()).into_any())}
            </ul>
            {crate::ui::erased::show(can_retry, move || view! {
                <button type="button" class="pw-button pw-button--small"
                    on:click={
                        let k = retry_key.clone();
                        move |_| r.retry_on_in_grid(&k, id)
                    }>
                    {format!("Retry case #{id} on {retry_label}")}
                </button>
                <super::cost::CostNote cost=Signal::derive(retry_cost.clone())/>
            }.into_any())}
            {crate::ui::erased::show(can_rejudge, move || view! {
                <button type="button" class="pw-button pw-button--small"
                    disabled=move || judge_unset().is_some() title=judge_unset
                    on:click={
                        let k = rejudge_key.clone();
                        move |_| r.rejudge_on(k.clone(), id)
                    }>
                    {format!("Re-judge case #{id} on {label}")}
                </button>
                <super::cost::CostNote cost=Signal::derive(rejudge_cost)/>
            }.into_any())}
        </td>
    }
}

/// The settings of one comparison model: provider, address, model, temperature, the provider's
/// key (shared with Settings), calls at once to its host, and Remove.
#[component]
fn ModelEditor(index: usize) -> impl IntoView {
    let eng = crate::state::engine::Engine::expect();
    let s = SettingsHandle::expect();
    let r = Runner::expect();
    let cfg = crate::state::reactive::memo(move |_| s.compare.with(|v| v.get(index).cloned()));
    let kind = move || cfg.get().map_or(ProviderKind::Custom, |c| c.kind);
    let update = move |f: &dyn Fn(&mut ProviderConfig)| {
        s.compare.update(|v| {
            if let Some(c) = v.get_mut(index) {
                f(c);
            }
        });
    };
    let id = move |what: &str| format!("pw-compare-{index}-{what}");
    let temp_problem = RwSignal::new(None::<String>);
    let limit_problem = RwSignal::new(None::<String>);
    let host = move || cfg.get().map(|c| c.host()).unwrap_or_default();
    let limit = move || {
        let h = host();
        eng.host_limits
            .with(|l| l.get(&h).copied())
            .unwrap_or_else(|| eng.concurrency.get())
    };
    let n = index + 1;
    view! {
        <li class="pw-grid__model">
            <fieldset class="pw-fieldset">
                <legend>{crate::ui::erased::dynamic(move || (format!("Comparison model {n}: {}", cfg.get().map(|c| grid::model_label(&c)).unwrap_or_default())).into_any())}</legend>
                <div class="pw-row pw-row--wrap">
                    <label class="pw-label pw-label--inline" for=id("provider")>"Provider"</label>
                    <select id=id("provider") class="pw-select" aria-label=format!("Provider of comparison model {n}")
                        on:change=move |ev| {
                            if let Some(k) = ProviderKind::parse(&event_target_value(&ev)) {
                                update(&|c| {
                                    if c.kind != k {
                                        let t = c.temperature;
                                        *c = ProviderConfig::preset(k, Role::Execution);
                                        c.temperature = t;
                                    }
                                });
                            }
                        }>
                        {ProviderKind::ALL.into_iter().map(|k| view! {
                            <option value=k.as_str() selected=move || kind() == k>{k.label()}</option>
                        }).collect_view()}
                    </select>
                    <label class="pw-label pw-label--inline" for=id("model")>"Model"</label>
                    <input id=id("model") class="pw-input" type="text" spellcheck="false" aria-label=format!("Model of comparison model {n}")
                        placeholder="model id, e.g. gpt-4o-mini"
                        prop:value=move || cfg.get().map(|c| c.model).unwrap_or_default()
                        // As typed: the hint under it and Run on all models follow at once
                        // (tryout 12: both waited for the field to be left).
                        on:input=move |ev| {
                            let v = event_target_value(&ev).trim().to_owned();
                            update(&|c| c.model = v.clone());
                        }/>
                </div>
                <div class="pw-row pw-row--wrap">
                    <label class="pw-label pw-label--inline" for=id("base-url")>"Address (base URL)"</label>
                    <input id=id("base-url") class="pw-input" type="url" spellcheck="false" aria-label=format!("Address of comparison model {n}")
                        prop:value=move || cfg.get().map(|c| c.base_url).unwrap_or_default()
                        on:change=move |ev| {
                            let v = event_target_value(&ev).trim().to_owned();
                            update(&|c| c.base_url = if v.is_empty() { c.kind.default_base_url().to_owned() } else { v.clone() });
                        }/>
                    <label class="pw-label pw-label--inline" for=id("temperature")>"Temperature"</label>
                    <input id=id("temperature") class="pw-input pw-input--number" type="text" inputmode="decimal" aria-label=format!("Temperature of comparison model {n}")
                        prop:value=move || cfg.get().map(|c| c.temperature.to_string()).unwrap_or_default()
                        aria-describedby=id("temperature-problem")
                        aria-invalid=move || temp_problem.with(Option::is_some).then_some("true")
                        on:change=move |ev| {
                            let in_use = cfg.get_untracked().map_or(0.0, |c| c.temperature);
                            match read_setting::<f32>(&event_target_value(&ev), 0.0, 2.0, in_use) {
                                Ok(t) => { temp_problem.set(None); update(&|c| c.temperature = t); }
                                Err(e) => temp_problem.set(Some(e)),
                            }
                        }/>
                    // An address that cannot be called is not named as a server (tryout 96:
                    // "Calls at once to javascript:alert(1)").
                    <label class="pw-label pw-label--inline" for=id("limit")>{crate::ui::erased::dynamic(move || (match host() {
                        h if h.is_empty() || cfg.with(|c| c.as_ref().is_some_and(|c| crate::domain::http::address_problem(&c.base_url).is_some())) => "Calls at once to its server".to_owned(),
                        h => format!("Calls at once to {h}"),
                    }).into_any())}</label>
                    <input id=id("limit") class="pw-input pw-input--number" type="text" inputmode="numeric"
                        prop:value=move || limit().to_string()
                        aria-describedby=id("limit-problem")
                        aria-invalid=move || limit_problem.with(Option::is_some).then_some("true")
                        on:change=move |ev| {
                            match read_setting::<u32>(&event_target_value(&ev), 1, 16, limit()) {
                                Ok(n) => { limit_problem.set(None); let h = host(); eng.host_limits.update(|l| { l.insert(h, n); }); }
                                Err(e) => limit_problem.set(Some(e)),
                            }
                        }/>
                    <button type="button" class="pw-button pw-button--small"
                        disabled=move || r.running()
                        on:click=move |_| {
                            s.compare.update(|v| { if index < v.len() { v.remove(index); } });
                            // The focus goes to the Add button, not to the page's start.
                            super::browser::focus_when_drawn("pw-compare-add".to_owned());
                        }>
                        {format!("Remove comparison model {n}")}
                    </button>
                </div>
                <p id=id("temperature-problem") class="pw-hint pw-hint--bad" role="alert">{crate::ui::erased::dynamic(move || (temp_problem.get()).into_any())}</p>
                <p id=id("limit-problem") class="pw-hint pw-hint--bad" role="alert">{crate::ui::erased::dynamic(move || (limit_problem.get()).into_any())}</p>
                {crate::ui::erased::show(move || kind() != ProviderKind::LlamaCpp, move || view! {
                    <div class="pw-row pw-row--wrap">
                        <label class="pw-label pw-label--inline" for=id("key")>{crate::ui::erased::dynamic(move || (key_label(&kind(), &host())).into_any())}</label>
                        <input id=id("key") class="pw-input" type="password" aria-label=move || format!("API key of comparison model {n}") autocomplete="off" spellcheck="false"
                            placeholder=move || if host().is_empty() { "Type the address first" } else if kind().needs_key() { "Paste your key" } else { "Usually not needed" }
                            disabled=move || host().is_empty()
                            prop:value=move || cfg.get().and_then(|c| s.key(&c)).map(|k| k.expose().to_owned()).unwrap_or_default()
                            on:input=move |ev| if let Some(c) = cfg.get_untracked() { s.set_key(&c, &event_target_value(&ev)) }/>
                    </div>
                }.into_any())}
                <p class="pw-hint pw-hint--key">{crate::ui::erased::dynamic(move || ({
                    let c = cfg.get();
                    let h = host();
                    let same_as = c.as_ref().and_then(|c| {
                        let exec = s.config(Role::Execution);
                        let k = grid::model_key(c);
                        if grid::model_key(&exec) == k {
                            return Some("the execution model".to_owned());
                        }
                        s.compare.with(|v| {
                            v.iter().take(index).position(|o| grid::ready(o) && grid::model_key(o) == k)
                                .map(|i| format!("comparison model {}", i + 1))
                        })
                    });
                    match c {
                        None => String::new(),
                        // What it lacks first (tryout 94: "Calls to this model go to , with no
                        // key." for a model with no address).
                        Some(c) if c.missing().is_some() => match c.missing() {
                            Some(crate::domain::provider::Missing::Model) => "Type the model's id: nothing is sent to this model until it has one.",
                            Some(crate::domain::provider::Missing::Address) => "Type the server's address (such as http://127.0.0.1:8080/v1): nothing is sent to this model until it has one.",
                            _ => "Type the server's address and the model's id: nothing is sent to this model until it has both.",
                        }.to_owned(),
                        Some(_) if same_as.is_some() => format!("This is the same model at the same address as {}: it is run once, with that one's settings (a different temperature here is not used).", same_as.unwrap_or_default()),
                        Some(c) => match crate::domain::http::address_problem(&c.base_url) {
                            Some(p) => format!("{p}. Until then nothing is sent, and your key stays here."),
                            None if s.key_missing(&c) => format!("No key {} for {} at {h}: its calls will fail until you paste one. A key given for another host is never sent here.", if c.kind.needs_key() { "yet" } else { "in this tab (a reload forgot the one you gave)" }, c.kind.label()),
                            None if s.has_key(&c) => format!(
                                "Calls to this model go to {h}, with the key for {} at {h}; it is sent only there.{}",
                                c.kind.label(),
                                super::settings::also_used_by(&super::settings::key_users(s, &c.key_slot()), &format!("comparison model {n}"))
                            ),
                            None => format!("Calls to this model go to {h}, with no key."),
                        },
                    }
                }).into_any())}</p>
            </fieldset>
        </li>
    }
}

/// The label of a comparison model's key field: whose key it is and where it goes.
fn key_label(kind: &ProviderKind, host: &str) -> String {
    let optional = if kind.needs_key() { "" } else { " (optional)" };
    if host.is_empty() {
        format!("API key for {}{optional}", kind.label())
    } else {
        format!("API key for {} at {host}{optional}", kind.label())
    }
}
