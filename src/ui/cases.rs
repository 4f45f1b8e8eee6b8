//! Step 3, the test cases: the table (add, edit, duplicate, delete with undo, reorder, tag,
//! train/held-out), each case's empty variables flagged and the exact messages it sends shown,
//! assertions per case and for all cases (with inline problems) and the rule for cut-off
//! answers, model-written cases with a review step, and import/export as CSV, JSONL and promptfoo
//! files.
use crate::domain::sorted::SortedSet;

use leptos::prelude::*;

use super::browser::{download, file_stem};
use super::notice::ErrorNotice;
use super::number::{NumberInput, OptionalNumberInput};
use crate::domain::eval::cases_io::{self, Imported};
use crate::domain::eval::run::{self, Gap};
use crate::domain::eval::synth::Similar;
use crate::domain::eval::{
    self, Assertion, Check, CheckKind, Grader, LengthUnit, Message, Preset, Speaker, Split,
    TestCase, proposed_global,
};
use crate::domain::figures::{alike, read_setting};
use crate::state::cases::{CaseSynth, Stage};
use crate::state::draft::DraftHandle;
use crate::state::entries::Unaccepted;

/// Cases shown at first; more on request, so long tables stay quick.
const PAGE: usize = 100;

/// Which cases are ticked for "Run selected". `Copy`, in context.
#[derive(Clone, Copy)]
pub struct Selection(pub RwSignal<SortedSet<u32>>);

impl Selection {
    pub fn provide() -> Self {
        let s = Self(RwSignal::new(SortedSet::new()));
        provide_context(s);
        s
    }
    pub fn expect() -> Self {
        expect_context()
    }
}

/// Which case's editor is open (one at a time). `Copy`, in context, so the results can open a
/// case that needs fixing.
#[derive(Clone, Copy)]
pub struct OpenCase(pub RwSignal<Option<u32>>);

impl OpenCase {
    pub fn provide() -> Self {
        let s = Self(RwSignal::new(None));
        provide_context(s);
        s
    }
    pub fn expect() -> Self {
        expect_context()
    }

    /// Opens the case's editor and puts the cursor in its first empty field (the input, or the
    /// variable named).
    pub fn show(self, id: u32, variable: Option<String>) {
        self.0.set(Some(id));
        let target = match variable {
            Some(name) => format!("pw-case-{id}-var-{name}"),
            None => format!("pw-case-{id}-input"),
        };
        set_timeout(
            move || {
                use wasm_bindgen::JsCast;
                if let Some(e) = document()
                    .get_element_by_id(&target)
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
                {
                    let _ = e.focus();
                }
            },
            std::time::Duration::from_millis(50),
        );
    }
}

/// The variable a gap is about, if any.
pub fn gap_variable(g: &Gap) -> Option<String> {
    match g {
        Gap::Missing { name, .. } | Gap::Empty { name, .. } | Gap::NotSent { name } => {
            Some(name.clone())
        }
        Gap::NoMessage | Gap::EmptyTurn { .. } => None,
    }
}

/// Whose assertions: one case's, or the ones for every case.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Owner {
    Global,
    Case(u32),
}

impl Owner {
    fn prefix(self) -> String {
        match self {
            Owner::Global => "pw-global".into(),
            Owner::Case(id) => format!("pw-case-{id}"),
        }
    }
}

fn with_assertions(d: DraftHandle, owner: Owner, f: impl FnOnce(&mut Vec<Assertion>)) {
    match owner {
        Owner::Global => d.update(|x| f(&mut x.suite.global)),
        // That case alone: no other case's row hears.
        Owner::Case(id) => d.update_case(id, |c| f(&mut c.assertions)),
    }
}

fn read_assertion(d: DraftHandle, owner: Owner, i: usize) -> Option<Assertion> {
    match owner {
        Owner::Global => d.draft.with(|x| x.suite.global.get(i).cloned()),
        Owner::Case(id) => d.with_case(id, |c| c.assertions.get(i).cloned()).flatten(),
    }
}

fn update_case(d: DraftHandle, id: u32, f: impl FnOnce(&mut TestCase)) {
    d.update_case(id, f);
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::to_owned)
        .filter(|l| !l.trim().is_empty())
        .collect()
}

/// Step 3: the test cases card.
#[component]
pub fn CasesCard() -> impl IntoView {
    let d = DraftHandle::expect();
    let shown = RwSignal::new(PAGE);
    // The cases the last Delete or Delete selected took out, each with its place, for Undo.
    let deleted = RwSignal::new(None::<Vec<(usize, TestCase)>>);
    // Files chosen to import and exports made, counted (each one's words give way to the
    // next one's).
    let file_chosen = RwSignal::new(0u32);
    // The cases and the prompt through their one shared memo (`DraftHandle::suite_and_prompt`):
    // a run's results arriving (a change of the draft each) rerun none of the card's or the
    // rows' memos below, only that memo's one comparison of the cases.
    let suite_prompt = d.suite_and_prompt;
    // The prompt as the run sends it (before variables are filled): one render for every row.
    let rendered = crate::state::reactive::memo(move |_| suite_prompt.with(|(_, p)| p.clone()));
    // The variables a check for every case reads: one memo for the list, so that a case's edit
    // reaches no other row unless it changes these.
    let global_reads =
        crate::state::reactive::memo(move |_| suite_prompt.with(|(s, _)| s.global_reads()));
    let spec = crate::state::reactive::memo(move |_| d.draft.with(|x| x.current_spec().cloned()));
    let ids = crate::state::reactive::memo(move |_| {
        suite_prompt.with(|(suite, _)| suite.cases.iter().map(|c| c.id).collect::<Vec<_>>())
    });
    let counts = crate::state::reactive::memo(move |_| {
        suite_prompt.with(|(suite, _)| {
            let held = suite
                .cases
                .iter()
                .filter(|c| c.split == Split::HeldOut)
                .count();
            (suite.cases.len(), held)
        })
    });
    // Drawn a slice a frame when many rows come at once (an import).
    let drawn =
        super::browser::drawn_in_steps(Signal::derive(move || ids.with(Vec::len).min(shown.get())));
    let editing = OpenCase::expect().0;
    let add = move |_| {
        let vars: Vec<(String, String)> = d.draft.with_untracked(|x| {
            eval::prompt_variables(&x.rendered())
                .into_iter()
                .map(|v| (v, String::new()))
                .collect()
        });
        let (mut id, mut count) = (0, 0);
        d.update(|x| {
            id = x.suite.add(TestCase {
                vars,
                ..Default::default()
            });
            count = x.suite.cases.len();
        });
        editing.set(Some(id));
        // The count from the draft itself: the list's ids follow it a moment later. Right
        // after the rows shown, the list takes it in; further down (tryout 121: Add case in a
        // list of 20,000 showed all 20,001, 221,000 elements, and the page froze for seconds
        // at each change), it is drawn apart below the list, as an open case is (`beyond`).
        shown.update(|n| {
            if count == *n + 1 {
                *n = count;
            }
        });
        // The new case opens at the bottom of the list: the focus goes to its input.
        super::browser::focus_when_drawn(format!("pw-case-{id}-input"));
    };
    // What belongs to a deleted case here goes with it: its tick (the effect below) and its
    // refused entries (tryout 65: they stayed under its id, and "Run selected (1)" counted a
    // case gone).
    let sel = Selection::expect();
    let unaccepted = Unaccepted::get();
    // Ticks of cases no longer in the draft go, however they went (a delete in another tab that
    // this tab follows: review, a case added after could take the id and come in ticked).
    // (Looked up in a sorted set: 60,000 ticked cases against a list of ids took minutes.)
    crate::state::reactive::effect(move |_| {
        ids.with(|ids| {
            if sel.0.with_untracked(|s| s.is_empty()) {
                return;
            }
            let here: SortedSet<u32> = ids.iter().copied().collect();
            if sel
                .0
                .with_untracked(|s| s.iter().any(|i| !here.contains(i)))
            {
                sel.0.update(|s| s.retain(|i| here.contains(i)));
            }
        })
    });
    let on_delete = Callback::new(move |id: u32| {
        let mut gone = None;
        d.update(|x| gone = x.suite.remove(id));
        if let Some(u) = unaccepted {
            u.forget_case(id);
        }
        deleted.set(gone.map(|g| vec![g]));
    });
    let n_picked = crate::state::reactive::memo(move |_| sel.0.with(SortedSet::len));
    // The open case, when it is past the rows shown (added to a long list, or opened from
    // Results' "Fix it"), and its place in the list (0-based): drawn below the list, said so,
    // rather than every row before it.
    let beyond = crate::state::reactive::memo(move |_| {
        let open = editing.get()?;
        let n = shown.get();
        ids.with(|v| {
            let at = v.iter().position(|i| *i == open)?;
            (at >= n).then_some((open, at))
        })
    });
    // Tryout 120 (F3): a draft with thousands of cases had no way to take many out but one by
    // one. Every ticked case goes, shown or not (the button says how many), with one Undo.
    let delete_picked = move |_| {
        let picked = sel.0.get_untracked();
        let mut gone = Vec::new();
        d.update(|x| gone = x.suite.remove_all(&picked));
        if let Some(u) = unaccepted {
            for (_, c) in &gone {
                u.forget_case(c.id);
            }
        }
        if editing
            .get_untracked()
            .is_some_and(|id| picked.contains(&id))
        {
            editing.set(None);
        }
        sel.0.set(SortedSet::new());
        deleted.set((!gone.is_empty()).then_some(gone));
    };
    let pick_all = move |_| {
        let all: SortedSet<u32> = ids.with_untracked(|ids| ids.iter().copied().collect());
        sel.0.set(all);
    };
    // Undo belongs to the draft the case was deleted from (tryout 52: opening another draft kept
    // "Deleted case #2. Undo", and Undo put the case into that other draft). Only another draft
    // takes it away (tryout 122: another tab's edit of this draft, read in here, took the Undo
    // of 1,001 deleted cases with it).
    super::on_draft_switch(move || deleted.set(None));
    let undo = move |_| {
        if let Some(gone) = deleted.get_untracked() {
            d.update(|x| {
                x.suite.restore_all(gone);
            });
            deleted.set(None);
        }
    };
    view! {
        <section class="pw-card pw-card--cases" aria-labelledby="pw-cases-title">
            <header class="pw-card__header">
                <span class="pw-card__step" aria-hidden="true">"3"</span>
                <h2 id="pw-cases-title" class="pw-card__title">"Test cases"</h2>
                <span class="pw-card__meta">{crate::ui::erased::dynamic(move || ({
                    let (n, held) = counts.get();
                    match n {
                        0 => String::new(),
                        1 => "1 case".to_owned(),
                        // Grouped (tryout 52: "11999 cases" beside "11,999 calls").
                        n if held > 0 => format!("{} ({} train, {} held-out)", crate::domain::figures::count(n, "case", "cases"), crate::domain::figures::grouped((n - held) as u64), crate::domain::figures::grouped(held as u64)),
                        n => crate::domain::figures::count(n, "case", "cases"),
                    }
                }).into_any())}</span>
            </header>
            <p class="pw-hint">"Example inputs, with checks a good answer must pass. Write your own, import a file, or let a model suggest some."</p>
            <div class="pw-row pw-row--wrap pw-toolbar">
                <button type="button" class="pw-button" on:click=add>"Add case"</button>
                <ImportButton file_chosen=file_chosen/>
                <ExportButtons file_chosen=file_chosen/>
            </div>
            <SynthPanel/>
            <GlobalChecks/>
            {crate::ui::erased::dynamic(move || (deleted.get().map(|gone| view! {
                <div class="pw-notice pw-notice--info" role="status">
                    <p class="pw-notice__text">{match gone.as_slice() {
                        [(_, c)] => format!("Deleted case #{}.", c.id),
                        _ => format!("Deleted {}.", crate::domain::figures::count(gone.len(), "case", "cases")),
                    }}</p>
                    <button type="button" class="pw-button pw-button--small" on:click=undo>"Undo"</button>
                </div>
            })).into_any())}
            {crate::ui::erased::show(move || counts.get().0 == 0, move || view! {
                <p class="pw-empty">"No test cases yet."</p>
            }.into_any())}
            // The ticks beside the cases choose what Run selected runs and what this deletes.
            {crate::ui::erased::show(move || counts.get().0 > 1, move || view! {
                <div class="pw-row pw-row--wrap pw-case-bulk" role="group" aria-label="Ticked cases">
                    <button type="button" class="pw-button pw-button--small pw-button--ghost" id="pw-cases-pick-all"
                        disabled=move || n_picked.get() == counts.get().0
                        on:click=pick_all>{crate::ui::erased::dynamic(move || (match counts.get().0 {
                            2 => "Tick both cases".to_owned(),
                            n => format!("Tick all {}", crate::domain::figures::count(n, "case", "cases")),
                        }).into_any())}</button>
                    <button type="button" class="pw-button pw-button--small pw-button--ghost" id="pw-cases-pick-none"
                        disabled=move || n_picked.get() == 0
                        on:click=move |_| sel.0.set(SortedSet::new())>"Untick all"</button>
                    <button type="button" class="pw-button pw-button--small pw-button--ghost pw-button--danger" id="pw-cases-delete-picked"
                        disabled=move || n_picked.get() == 0
                        on:click=delete_picked>{crate::ui::erased::dynamic(move || (match n_picked.get() {
                            0 => "Delete the ticked cases".to_owned(),
                            1 => "Delete the ticked case".to_owned(),
                            n => format!("Delete the {} ticked cases", crate::domain::figures::grouped(n as u64)),
                        }).into_any())}</button>
                    {crate::ui::erased::show(move || n_picked.get() > 0 && ids.with(Vec::len) > drawn.get(), move || view! {
                        <span class="pw-hint">{crate::ui::erased::dynamic(move || {
                            // Ticked cases below the list's end are counted, not hidden.
                            let shown_ids = ids.with(|v| v.iter().take(drawn.get()).copied().collect::<SortedSet<u32>>());
                            let below = sel.0.with(|s| s.iter().filter(|i| !shown_ids.contains(*i)).count());
                            (below > 0).then(|| format!("{} of them not shown below (Show more cases shows them).", crate::domain::figures::grouped(below as u64))).into_any()
                        })}</span>
                    }.into_any())}
                </div>
            }.into_any())}
            <ol class="pw-case-list" aria-label="Test cases" tabindex="-1">
                {crate::ui::erased::keyed(
                    move || ids.get().into_iter().take(drawn.get()).collect(),
                    move |id| view! { <CaseRow id=id editing=editing on_delete=on_delete rendered=rendered global_reads=global_reads spec=spec/> }.into_any(),
                )}
            </ol>
            {crate::ui::erased::show(move || { ids.with(Vec::len) > shown.get() }, move || view! {
                <button type="button" class="pw-button" on:click=move |_| shown.update(|n| *n += PAGE)>
                    {crate::ui::erased::dynamic(move || {
                        let apart = usize::from(beyond.with(Option::is_some));
                        (format!("Show more cases ({} not shown)", crate::domain::figures::grouped((ids.with(Vec::len).saturating_sub(shown.get() + apart)) as u64))).into_any()
                    })}
                </button>
            }.into_any())}
            {crate::ui::erased::dynamic(move || (beyond.get().map(|(id, at)| {
                view! {
                    <p class="pw-hint pw-case-beyond" id="pw-case-beyond">{crate::ui::erased::dynamic(move || {
                        let between = at.saturating_sub(shown.get());
                        (if between == 0 {
                            format!("Case #{id}, open, is number {} in the list:", crate::domain::figures::grouped((at + 1) as u64))
                        } else {
                            format!(
                                "Case #{id}, open, is number {} in the list ({} before it not shown):",
                                crate::domain::figures::grouped((at + 1) as u64),
                                crate::domain::figures::count(between, "case", "cases")
                            )
                        }).into_any()
                    })}</p>
                    <ol class="pw-case-list" aria-label="The open case" tabindex="-1">
                        <CaseRow id=id editing=editing on_delete=on_delete rendered=rendered global_reads=global_reads spec=spec/>
                    </ol>
                }
            })).into_any())}
        </section>
    }
}

/// One case: a summary line with its actions, and its editor when open.
#[component]
fn CaseRow(
    /// The case id.
    id: u32,
    /// Which case's editor is open.
    editing: RwSignal<Option<u32>>,
    /// Deletes the case (the card offers Undo).
    on_delete: Callback<u32>,
    /// The current prompt, rendered (variables not filled).
    rendered: Memo<String>,
    /// The variables a check for every case reads ([`crate::domain::eval::Suite::global_reads`]).
    global_reads: Memo<Vec<String>>,
    /// The current version's prompt (what its checks are read against).
    spec: Memo<Option<crate::domain::spec::PromptSpec>>,
) -> impl IntoView {
    let d = DraftHandle::expect();
    let sel = Selection::expect();
    let unaccepted = Unaccepted::get();
    // Its own case in the draft's store: another case's edit or a result arriving reaches no
    // other row (`DraftHandle::with_case`).
    let case = crate::state::reactive::memo(move |_| d.with_case(id, TestCase::clone));
    // What this case would send empty: flagged on its line and in its editor.
    let gaps = crate::state::reactive::memo(move |_| {
        rendered.with(|p| {
            case.with(|c| {
                c.as_ref()
                    .map(|c| global_reads.with(|g| run::case_gaps(p, c, g)))
                    .unwrap_or_default()
            })
        })
    });
    let open = move || editing.get() == Some(id);
    let label = move || case.with(|c| c.as_ref().map(TestCase::summary).unwrap_or_default());
    // A conversation shows compactly: how many earlier turns, then its last message.
    let conversation = move || case.with(|c| c.as_ref().and_then(TestCase::conversation_label));
    let name = move || format!("case #{id}");
    // Where the case is in the list: the first cannot move up, the last cannot move down, and a
    // list of one has no order to change.
    let place = crate::state::reactive::memo(move |_| {
        d.suite_and_prompt.with(|(suite, _)| {
            let n = suite.cases.len();
            let i = suite.cases.iter().position(|c| c.id == id).unwrap_or(0);
            (i, n)
        })
    });
    // A move draws the row in its new place: the focus goes back to the button pressed, or to
    // the other one when the case reached the end it moved to (tryout 65: it fell to the page,
    // and Enter again did nothing).
    let moved = move |by: isize| {
        let mut at = None;
        d.update(|x| {
            x.suite.shift(id, by);
            at = x
                .suite
                .cases
                .iter()
                .position(|c| c.id == id)
                .map(|i| (i, x.suite.cases.len()));
        });
        if let Some((i, n)) = at {
            let up = if by < 0 { i > 0 } else { i + 1 >= n };
            let which = if up { "up" } else { "down" };
            super::browser::focus_when_drawn(format!("pw-case-{id}-{which}"));
        }
    };
    view! {
        // A place of its own for the focus, as a result's row (`browser::keep_focus_when_removed`).
        <li class="pw-case" class:pw-case--open=open tabindex="-1">
            <div class="pw-case__line">
                <input type="checkbox" class="pw-case__pick"
                    aria-label=move || format!("Select {}", name())
                    prop:checked=move || sel.0.with(|s| s.contains(&id))
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        sel.0.update(|s| { if on { s.insert(id); } else { s.remove(&id); } });
                    }/>
                <span class="pw-case__id">{format!("#{id}")}</span>
                <button type="button" class="pw-case__summary" aria-expanded=move || open().to_string()
                    on:click=move |_| editing.set(if open() { None } else { Some(id) })>
                    {crate::ui::erased::dynamic(move || (conversation().map(|c| view! { <span class="pw-tag pw-tag--conv">{c}</span> " " })).into_any())}
                    {crate::ui::erased::dynamic(move || ({ let s = label(); if s.is_empty() { "(empty input)".to_owned() } else { s } }).into_any())}
                    // Cases with one input and different data looked alike (tryout 91: "Please
                    // list the action items." twice): the first variable's value follows.
                    {crate::ui::erased::dynamic(move || (case.with(|c| c.as_ref().and_then(TestCase::first_value_shown)).map(|v| view! { <span class="pw-case__vars">{format!(" \u{b7} {v}")}</span> })).into_any())}
                </button>
                <span class="pw-case__tags">
                    {crate::ui::erased::dynamic(move || (case.with(|c| c.as_ref().map(|c| {
                        let mut v: Vec<AnyView> = c.tags.iter().map(|t| view! { <span class="pw-tag">{t.clone()}</span> }.into_any()).collect();
                        if c.split == Split::HeldOut {
                            v.push(view! { <span class="pw-tag pw-tag--held" title="Held out: the optimizer never learns from this case; it checks the winner on it.">"held-out"</span> }.into_any());
                        }
                        if let Some(note) = c.hidden_marks() {
                            v.push(view! { <span class="pw-tag pw-tag--bad" title=format!("{note} Open the case to read it.")>"hidden characters"</span> }.into_any());
                        }
                        let n = c.assertions.len();
                        if n > 0 {
                            v.push(view! { <span class="pw-tag pw-tag--checks">{format!("{n} check{}", if n == 1 { "" } else { "s" })}</span> }.into_any());
                        }
                        // A check that cannot run shows on the closed case too (a run waits for it).
                        let bad = spec.with(|spec| {
                            c.assertions.iter().filter(|a| a.problem(spec.as_ref()).is_some()).count()
                        });
                        if bad > 0 {
                            v.push(view! { <span class="pw-tag pw-tag--bad" title="Open the case: the check is marked in red with what to fix.">{format!("{bad} check{} to fix", if bad == 1 { "" } else { "s" })}</span> }.into_any());
                        }
                        // A number typed in this case that could not be used (kept while closed).
                        let unused = unaccepted.map_or(0, |u| u.count_in_case(id));
                        if unused > 0 {
                            v.push(view! { <span class="pw-tag pw-tag--bad" title="Open the case: what you typed is still there, marked in red with why it cannot be used; the old value counts until you correct or empty it.">{format!("{unused} entr{} not used", if unused == 1 { "y" } else { "ies" })}</span> }.into_any());
                        }
                        let empty: Vec<String> = gaps.with(|g| g.iter().filter(|g| !matches!(g, Gap::NotSent { .. })).map(|g| match (g, gap_variable(g)) {
                            (_, Some(name)) => format!("{{{{{name}}}}}"),
                            (Gap::EmptyTurn { at, .. }, None) => format!("turn {at}"),
                            _ => "the input".to_owned(),
                        }).collect());
                        if !empty.is_empty() {
                            let text = format!("empty: {}", empty.join(", "));
                            v.push(view! { <span class="pw-tag pw-tag--gap" title="The model would get these empty. Open the case to see what it would read.">{text}</span> }.into_any());
                        }
                        // Tryout 91: a value the prompt no longer uses went nowhere, unsaid.
                        let not_sent: Vec<String> = gaps.with(|g| g.iter().filter_map(|g| match g {
                            Gap::NotSent { name } => Some(format!("{{{{{name}}}}}")),
                            _ => None,
                        }).collect());
                        if !not_sent.is_empty() {
                            let text = format!("not sent: {}", not_sent.join(", "));
                            v.push(view! { <span class="pw-tag pw-tag--gap" title="The prompt has no such placeholder and the case has an input: these values would not reach the model. Open the case to see why.">{text}</span> }.into_any());
                        }
                        v
                    }).unwrap_or_default())).into_any())}
                </span>
                <span class="pw-case__actions">
                    // Buttons that change the cases' order (the order runs and exports follow),
                    // not sort arrows: only where there is an order to change.
                    {crate::ui::erased::show(move || place.with(|(_, n)| *n > 1), move || view! {
                        <button type="button" class="pw-button pw-button--small pw-button--ghost"
                            aria-label=move || format!("Move {} up", name())
                            title="Move this case up the list (runs and exports follow this order)"
                            id=format!("pw-case-{id}-up")
                            disabled=move || place.with(|(i, _)| *i == 0)
                            on:click=move |_| moved(-1)>"Move up"</button>
                        <button type="button" class="pw-button pw-button--small pw-button--ghost"
                            aria-label=move || format!("Move {} down", name())
                            title="Move this case down the list (runs and exports follow this order)"
                            id=format!("pw-case-{id}-down")
                            disabled=move || place.with(|(i, n)| *i + 1 >= *n)
                            on:click=move |_| moved(1)>"Move down"</button>
                    }.into_any())}
                    <button type="button" class="pw-button pw-button--small pw-button--ghost"
                        aria-label=move || format!("Duplicate {}", name())
                        on:click=move |_| d.update(|x| { x.suite.duplicate(id); })>"Duplicate"</button>
                    <button type="button" class="pw-button pw-button--small pw-button--ghost pw-button--danger"
                        aria-label=move || format!("Delete {}", name())
                        on:click=move |_| on_delete.run(id)>"Delete"</button>
                </span>
            </div>
            {crate::ui::erased::show(open, move || view! {
                <CaseEditor id=id rendered=rendered gaps=gaps/>
            }.into_any())}
        </li>
    }
}

/// The fields of one case, what each is for, what it would send empty, and the exact messages
/// it sends.
#[component]
fn CaseEditor(
    /// The case id.
    id: u32,
    /// The current prompt, rendered (variables not filled).
    rendered: Memo<String>,
    /// What the case would send empty (`run::gaps`).
    gaps: Memo<Vec<Gap>>,
) -> impl IntoView {
    let d = DraftHandle::expect();
    let field = move |f: fn(&TestCase) -> String| move || d.with_case(id, f).unwrap_or_default();
    let p = format!("pw-case-{id}");
    let (p2, p3) = (p.clone(), p.clone());
    // The expected answer is read by the judge's checks alone (`judge::call`): said when none
    // of this case's checks is one (tryout 72: suggested cases came with one, as if checked).
    let unread_expected = move || {
        d.with_suite(|s| {
            s.case(id).is_some_and(|c| {
                !c.expected.trim().is_empty() && eval::judge_rubrics(s, c).is_empty()
            })
        })
    };
    // What was typed here and refused before the case was closed comes back with its message.
    let unaccepted = Unaccepted::get();
    let threshold_id = format!("{p}-threshold");
    let kept = unaccepted.and_then(|u| u.entry(&threshold_id));
    let tags_typed = RwSignal::new(None::<String>);
    let threshold_problem = RwSignal::new(kept.as_ref().map(|e| e.problem.clone()));
    let threshold_typed = RwSignal::new(kept.map(|e| e.text));
    let in_prompt =
        crate::state::reactive::memo(move |_| rendered.with(|p| eval::prompt_variables(p)));
    let vars = crate::state::reactive::memo(move |_| {
        let mut names = in_prompt.get();
        d.with_case(id, |c| {
            for (k, _) in &c.vars {
                if !names.contains(k) {
                    names.push(k.clone());
                }
            }
        });
        names
    });
    // How the input reaches the model, in words: it is the user message; the prompt's
    // `{{variables}}` come from the boxes below, never from it.
    let input_use = move || {
        let names = in_prompt.get();
        let (input_empty, has_vars, conversation) = d
            .with_case(id, |c| {
                (
                    c.input.trim().is_empty(),
                    !c.vars.is_empty(),
                    c.is_conversation(),
                )
            })
            .unwrap_or((true, false, false));
        let mut text = if input_empty && has_vars {
            "Sent as the user message. While it is empty, the variables below are sent in its place, one \u{201c}name: value\u{201d} line each.".to_owned()
        } else if conversation {
            "Sent as the last user message, after the system prompt and the earlier turns above; the checks read the reply to it.".to_owned()
        } else {
            "Sent as the user message, after the system prompt.".to_owned()
        };
        if !names.is_empty() {
            let list: Vec<String> = names.iter().map(|n| format!("{{{{{n}}}}}")).collect();
            text.push_str(&format!(
                " The prompt's {} {} filled from the variable box{} below, not from this input.",
                list.join(", "),
                if list.len() == 1 { "is" } else { "are" },
                if list.len() == 1 { "" } else { "es" }
            ));
        }
        text
    };
    let gap_of = move |name: Option<&str>| {
        gaps.with(|g| {
            g.iter()
                .find(|g| gap_variable(g).as_deref() == name && !matches!(g, Gap::EmptyTurn { .. }))
                .map(Gap::describe)
        })
    };
    let preview = move || {
        let prompt = rendered.get();
        d.with_case(id, |c| {
            let req = run::request(&prompt, c, 0.0, crate::state::runner::MAX_OUTPUT_TOKENS);
            run::preview(&req)
        })
    };
    let turn_count =
        crate::state::reactive::memo(move |_| d.with_case(id, |c| c.turns.len()).unwrap_or(0));
    let input_label = move || {
        if turn_count.get() > 0 {
            format!("Last user message of case #{id} (the reply to it is checked)")
        } else {
            format!("Input of case #{id}")
        }
    };
    view! {
        <div class="pw-case__editor">
            // Tryout 84: a case text with U+202E read reversed, with no word (a shared link or
            // an imported file may hold one).
            {crate::ui::erased::dynamic(move || (d.with_case(id, TestCase::hidden_marks).flatten().map(|t| view! {
                <p class="pw-hint pw-hint--warn pw-case__marks">{t}</p>
            })).into_any())}
            {crate::ui::erased::show(move || turn_count.get() == 0, move || view! {
                <div class="pw-row pw-row--wrap">
                    <button type="button" class="pw-button pw-button--small"
                        aria-label=format!("Add earlier turns to case #{id}")
                        aria-describedby=format!("pw-case-{id}-turns-hint")
                        on:click=move |_| update_case(d, id, |c| c.turns.push(Message::user("")))>"Add earlier turns"</button>
                    <span id=format!("pw-case-{id}-turns-hint") class="pw-hint">"Test the reply to a message in the middle of a chat: the earlier user and assistant messages are sent first, as they are."</span>
                </div>
            }.into_any())}
            {crate::ui::erased::show(move || { turn_count.get() > 0 }, move || view! {
                <Conversation id=id count=turn_count gaps=gaps/>
            }.into_any())}
            <div class="pw-field pw-field--wide">
                <label class="pw-label" for=format!("{p}-input")>{crate::ui::erased::dynamic(move || input_label().into_any())}</label>
                <textarea id=format!("{p}-input") class="pw-textarea" rows="3"
                    placeholder="The message a user would send"
                    aria-describedby=format!("{p}-input-use")
                    prop:value=field(|c| c.input.clone())
                    on:input=move |ev| update_case(d, id, |c| c.input = event_target_value(&ev))></textarea>
                <span id=format!("{p}-input-use") class="pw-hint">{crate::ui::erased::dynamic(move || input_use().into_any())}</span>
                {crate::ui::erased::dynamic(move || (gap_of(None).map(|t| view! { <p class="pw-hint pw-hint--warn pw-gap">{t}</p> })).into_any())}
            </div>
            {crate::ui::erased::keyed(move || vars.get(), move |name: String| {
                let n2 = name.clone();
                let n3 = name.clone();
                let n4 = name.clone();
                let n5 = name.clone();
                let n6 = name.clone();
                let n7 = name.clone();
                // Session 42's notes: a bare CSV's `answer`, read by `equals {{answer}}`, went
                // to the model as a line of its message, with no word.
                let shown_to_model = move || {
                    d.suite_and_prompt.with(|(suite, _)| {
                        suite.case(id).is_some_and(|c| suite.checked_vars_sent(c).contains(&n6))
                    })
                };
                let used = move || {
                    if in_prompt.with(|v| v.contains(&n4)) {
                        format!("Fills {{{{{n4}}}}} in the system prompt.")
                    } else {
                        format!("The prompt has no {{{{{n4}}}}}: this value is sent only while the input is empty, as the line \u{201c}{n4}: value\u{201d} of the user message.")
                    }
                };
                view! {
                    <div class="pw-field pw-field--wide">
                        <label class="pw-label" for=format!("pw-case-{id}-var-{name}")>{format!("Variable {{{{{name}}}}}")}</label>
                        <span id=format!("pw-case-{id}-var-{name}-use") class="pw-hint">{crate::ui::erased::dynamic(move || used().into_any())}</span>
                        {crate::ui::erased::dynamic(move || (gap_of(Some(&n5)).map(|t| view! { <p class="pw-hint pw-hint--warn pw-gap">{t}</p> })).into_any())}
                        {crate::ui::erased::dynamic(move || (shown_to_model().then(|| view! {
                            <p class="pw-hint pw-hint--warn pw-case__shown">{format!("A check compares the answer with {{{{{name}}}}}, and this case sends {{{{{name}}}}} to the model in its message: the model is shown what it is scored against. Write the question alone as the case's input, and its variables are no longer sent as lines.", name = n7)}</p>
                        })).into_any())}
                        <textarea id=format!("pw-case-{id}-var-{name}") class="pw-textarea" rows="2"
                            aria-describedby=format!("pw-case-{id}-var-{name}-use")
                            prop:value=move || d.with_case(id, |c| c.vars.iter().find(|(k, _)| *k == n2).map(|(_, v)| v.clone())).flatten().unwrap_or_default()
                            on:input=move |ev| {
                                let v = event_target_value(&ev);
                                let name = n3.clone();
                                update_case(d, id, |c| match c.vars.iter_mut().find(|(k, _)| *k == name) {
                                    Some(slot) => slot.1 = v,
                                    None => c.vars.push((name, v)),
                                });
                            }></textarea>
                    </div>
                }
                .into_any()
            })}
            <div class="pw-field pw-field--wide">
                <label class="pw-label" for=format!("{p}-expected")>"Expected answer (optional)"</label>
                <textarea id=format!("{p}-expected") class="pw-textarea" rows="2"
                    placeholder="What a good answer does; shown to the judge as a reference"
                    aria-describedby=move || unread_expected().then(|| format!("pw-case-{id}-expected-unread"))
                    prop:value=field(|c| c.expected.clone())
                    on:input=move |ev| update_case(d, id, |c| c.expected = event_target_value(&ev))></textarea>
                {crate::ui::erased::dynamic(move || (unread_expected().then(|| view! {
                    <p id=format!("pw-case-{id}-expected-unread") class="pw-hint pw-hint--warn">
                        "No check reads this yet: only checks graded by the judge model (a rubric, factuality…), for this case or for every case, compare an answer with it."
                    </p>
                })).into_any())}
            </div>
            <div class="pw-details__grid">
                <div class="pw-field">
                    <label class="pw-label" for=format!("{p}-desc")>"Short description"</label>
                    <input id=format!("{p}-desc") class="pw-input" prop:value=field(|c| c.description.clone())
                        on:input=move |ev| update_case(d, id, |c| c.description = event_target_value(&ev))/>
                </div>
                <div class="pw-field">
                    <label class="pw-label" for=format!("{p}-tags")>"Tags (separated by commas or semicolons)"</label>
                    // Saved as typed (tryout 65: tags typed and not yet left were lost on a
                    // reload); the box keeps the text as typed until it is left, then shows the
                    // tags as read.
                    <input id=format!("{p}-tags") class="pw-input"
                        prop:value=move || tags_typed.get().unwrap_or_else(field(|c| crate::domain::eval::tags_text(&c.tags)))
                        on:input=move |ev| {
                            let v = event_target_value(&ev);
                            update_case(d, id, |c| c.tags = crate::domain::eval::read_tags(&v));
                            tags_typed.set(Some(v));
                        }
                        on:change=move |_| tags_typed.set(None)/>
                </div>
                <div class="pw-field">
                    <label class="pw-label" for=format!("{p}-threshold")>"Passes at score (optional)"</label>
                    <input id=format!("{p}-threshold") class="pw-input pw-input--short" type="text" inputmode="decimal" autocomplete="off"
                        aria-describedby=move || if threshold_problem.with(Option::is_some) { format!("{p2}-threshold-hint {p2}-threshold-problem") } else { format!("{p2}-threshold-hint") }
                        aria-invalid=move || threshold_problem.with(Option::is_some).then_some("true")
                        placeholder="all"
                        prop:value=move || threshold_typed.get().unwrap_or_else(field(|c| c.threshold.map(|t| crate::domain::figures::mark_text(t * 100.0)).unwrap_or_default()))
                        on:change=move |ev| {
                            let t = event_target_value(&ev);
                            if t.trim().is_empty() {
                                threshold_problem.set(None);
                                threshold_typed.set(None);
                                if let Some(u) = unaccepted { u.accept(&threshold_id); }
                                update_case(d, id, |c| c.threshold = None);
                                return;
                            }
                            // Out of 0-100 or not a number: said at the field, never clamped.
                            let in_use = untrack(|| d.with_case(id, |c| c.threshold)).flatten().map_or(100.0, |t| t * 100.0);
                            match read_setting(&t, 0.0f64, 100.0, in_use) {
                                Ok(v) => {
                                    threshold_problem.set(None);
                                    threshold_typed.set(None);
                                    if let Some(u) = unaccepted { u.accept(&threshold_id); }
                                    update_case(d, id, |c| c.threshold = Some(v / 100.0));
                                }
                                Err(e) => {
                                    let e = if untrack(|| d.with_case(id, |c| c.threshold.is_none())).unwrap_or(false) {
                                        e.replace("100 is used until then", "until then every check must pass")
                                    } else {
                                        e
                                    };
                                    threshold_problem.set(Some(e.clone()));
                                    threshold_typed.set(Some(t.clone()));
                                    if let Some(u) = unaccepted { u.refuse(&threshold_id, t, e); }
                                }
                            }
                        }/>
                    {crate::ui::erased::dynamic(move || (threshold_problem.get().map(|m| view! { <p id=format!("{p3}-threshold-problem") class="pw-hint pw-hint--bad pw-number__problem" role="alert">{m}</p> })).into_any())}
                    <span id=format!("{p}-threshold-hint") class="pw-hint">"Empty: every check must pass. A number from 0 to 100: the case passes when its score reaches it, even if some checks fail."</span>
                    // Tryout 114: 0.67 (promptfoo's way of writing 67) was taken as 0.67 of 100.
                    {crate::ui::erased::dynamic(move || (d.with_case(id, |c| c.threshold).flatten().filter(|t| *t > 0.0 && *t * 100.0 <= 1.0).map(|t| view! {
                        <p class="pw-hint pw-hint--warn" role="status">{format!("A pass mark of {} out of 100 lets almost any score pass; promptfoo writes a mark of 67 as 0.67, this box as 67.", crate::domain::figures::mark_text(t * 100.0))}</p>
                    })).into_any())}
                </div>
                <div class="pw-field">
                    <label class="pw-label" for=format!("{p}-split")>"Used for"</label>
                    <select id=format!("{p}-split") class="pw-select"
                        aria-describedby=format!("{p}-split-hint")
                        on:change=move |ev| { let v = Split::parse(&event_target_value(&ev)); update_case(d, id, |c| c.split = v); }>
                        <option value="train" selected=move || field(|c| c.split.as_str().to_owned())() == "train">"Training"</option>
                        <option value="held-out" selected=move || field(|c| c.split.as_str().to_owned())() == "held-out">"Held-out"</option>
                    </select>
                    <span id=format!("{p}-split-hint") class="pw-hint">"Training: the optimizer learns from it. Held-out: it only checks the winner, so the optimizer cannot just memorise the training cases."</span>
                </div>
            </div>
            <details class="pw-details pw-case__preview">
                <summary>"What the model receives"</summary>
                <p class="pw-hint">"The messages exactly as a run sends them for this case, with the prompt of the current version."</p>
                <pre class="pw-output__text" aria-label=format!("Messages sent for case #{id}")>{crate::ui::erased::dynamic(move || preview().into_any())}</pre>
            </details>
            <AssertionList owner=Owner::Case(id) title="Checks for this case"/>
        </div>
    }
}

/// A conversation case's earlier turns as a chat to edit: each turn's speaker and text, moved up
/// or down, removed; a user or an assistant turn added at the end. Texts are edited in place
/// (rows are keyed by place, so a move changes what two rows show, never their focus).
#[component]
fn Conversation(
    /// The case id.
    id: u32,
    /// How many earlier turns the case has.
    count: Memo<usize>,
    /// What the case would send empty (`run::gaps`): an empty turn is said under it.
    gaps: Memo<Vec<Gap>>,
) -> impl IntoView {
    let d = DraftHandle::expect();
    let turn = move |i: usize| d.with_case(id, |c| c.turns.get(i).cloned()).flatten();
    let who = |s: Speaker| match s {
        Speaker::User => "User",
        Speaker::Assistant => "Assistant",
    };
    let indices = crate::state::reactive::memo(move |_| (0..count.get()).collect::<Vec<usize>>());
    view! {
        <fieldset class="pw-conv" aria-label=format!("Earlier turns of case #{id}")>
            <legend class="pw-label">"Earlier turns of the conversation"</legend>
            <p class="pw-hint">"Sent in this order after the system prompt and before the last user message below. Their texts are sent as written ({{variables}} are not filled in them)."</p>
            <ol class="pw-conv__turns">
                {crate::ui::erased::keyed(move || indices.get(), move |i: usize| {
                    let speaker = move || turn(i).map_or(Speaker::User, |t| t.speaker);
                    let name = move || format!("turn {} ({}) of case #{id}", i + 1, who(speaker()).to_lowercase());
                    let field_id = format!("pw-case-{id}-turn-{i}");
                    // Named here: a `>=` written inside a view attribute ends the tag.
                    let is_last = move || i + 1 >= count.get();
                    view! {
                        <li class=move || format!("pw-conv__turn pw-conv__turn--{}", who(speaker()).to_lowercase())>
                            <label class="pw-label" for=field_id.clone()>{crate::ui::erased::dynamic(move || (format!("Turn {} of case #{id}: {}", i + 1, who(speaker()))).into_any())}</label>
                            <textarea id=field_id class="pw-textarea" rows="2"
                                placeholder=move || if speaker() == Speaker::User { "What the user said" } else { "What the assistant answered" }
                                prop:value=move || turn(i).map(|t| t.text).unwrap_or_default()
                                on:input=move |ev| {
                                    let v = event_target_value(&ev);
                                    update_case(d, id, |c| if let Some(t) = c.turns.get_mut(i) { t.text = v; });
                                }></textarea>
                            {crate::ui::erased::dynamic(move || (gaps.with(|g| g.iter().find(|g| matches!(g, Gap::EmptyTurn { at, .. } if *at == i + 1)).map(Gap::describe))
                                .map(|t| view! { <p class="pw-hint pw-hint--warn pw-gap">{t}</p> })).into_any())}
                            <div class="pw-row pw-row--wrap pw-conv__actions">
                                <button type="button" class="pw-button pw-button--small pw-button--ghost"
                                    aria-label=move || format!("Make {} {} turn", name(), if speaker() == Speaker::User { "an assistant" } else { "a user" })
                                    on:click=move |_| update_case(d, id, |c| if let Some(t) = c.turns.get_mut(i) {
                                        t.speaker = if t.speaker == Speaker::User { Speaker::Assistant } else { Speaker::User };
                                    })>{crate::ui::erased::dynamic(move || (if speaker() == Speaker::User { "Make it the assistant's" } else { "Make it the user's" }).into_any())}</button>
                                // The focus follows the turn moved (tryout 77: it stayed on the
                                // place, whose button then moved the other turn), as a case's does.
                                <button type="button" class="pw-button pw-button--small pw-button--ghost"
                                    aria-label=move || format!("Move {} up", name())
                                    id=format!("pw-case-{id}-turn-{i}-up")
                                    disabled=move || i == 0
                                    on:click=move |_| {
                                        update_case(d, id, |c| if i > 0 && i < c.turns.len() { c.turns.swap(i - 1, i); });
                                        if i > 0 {
                                            let which = if i > 1 { "up" } else { "down" };
                                            super::browser::focus_when_drawn(format!("pw-case-{id}-turn-{}-{which}", i - 1));
                                        }
                                    }>"Move up"</button>
                                <button type="button" class="pw-button pw-button--small pw-button--ghost"
                                    aria-label=move || format!("Move {} down", name())
                                    id=format!("pw-case-{id}-turn-{i}-down")
                                    disabled=is_last
                                    on:click=move |_| {
                                        update_case(d, id, |c| if i + 1 < c.turns.len() { c.turns.swap(i, i + 1); });
                                        let which = if i + 2 < count.get_untracked() { "down" } else { "up" };
                                        super::browser::focus_when_drawn(format!("pw-case-{id}-turn-{}-{which}", i + 1));
                                    }>"Move down"</button>
                                <button type="button" class="pw-button pw-button--small pw-button--ghost pw-button--danger"
                                    aria-label=move || format!("Remove {}", name())
                                    on:click=move |_| update_case(d, id, |c| if i < c.turns.len() { c.turns.remove(i); })>"Remove"</button>
                            </div>
                        </li>
                    }
                    .into_any()
                })}
            </ol>
            <div class="pw-row pw-row--wrap">
                <button type="button" class="pw-button pw-button--small"
                    aria-label=format!("Add a user turn to case #{id}")
                    on:click=move |_| update_case(d, id, |c| c.turns.push(Message::user("")))>"Add a user turn"</button>
                <button type="button" class="pw-button pw-button--small"
                    aria-label=format!("Add an assistant turn to case #{id}")
                    on:click=move |_| update_case(d, id, |c| c.turns.push(Message::assistant("")))>"Add an assistant turn"</button>
            </div>
        </fieldset>
    }
}

/// A case's conversation shown as text, folded: each earlier turn under its speaker, then the
/// last user message. Nothing for a one-message case. Model and case texts are text nodes, never
/// HTML.
#[component]
pub fn ConversationFold(
    /// The case whose conversation is shown.
    case: Signal<Option<TestCase>>,
) -> impl IntoView {
    crate::ui::erased::dynamic(move || {
        ({
        case.get().filter(TestCase::is_conversation).map(|c| {
            let label = c.conversation_label().unwrap_or_default();
            let turns = c.turns.clone();
            let last = c.user_message();
            view! {
                <details class="pw-details pw-conv-fold">
                    <summary>{format!("{label}: show the conversation")}</summary>
                    <ol class="pw-conv__turns">
                        {turns.into_iter().map(|t| {
                            let (who, class) = match t.speaker {
                                Speaker::User => ("User", "pw-conv__turn pw-conv__turn--user"),
                                Speaker::Assistant => ("Assistant", "pw-conv__turn pw-conv__turn--assistant"),
                            };
                            view! { <li class=class><span class="pw-output__label">{who}</span><pre class="pw-output__text">{t.text}</pre></li> }
                        }).collect_view()}
                        <li class="pw-conv__turn pw-conv__turn--user pw-conv__turn--last">
                            <span class="pw-output__label">"User (the message answered)"</span>
                            <pre class="pw-output__text">{last}</pre>
                        </li>
                    </ol>
                </details>
            }
        })
    }).into_any()
    })
}

/// The checks for every case, with the ones proposed for JSON prompts.
#[component]
fn GlobalChecks() -> impl IntoView {
    let d = DraftHandle::expect();
    let proposed = crate::state::reactive::memo(move |_| {
        d.draft.with(|x| {
            x.current_spec()
                .map(|s| proposed_global(s, &x.suite.global))
                .unwrap_or_default()
        })
    });
    view! {
        <div class="pw-checks-global">
            <AssertionList owner=Owner::Global title="Checks for every case"/>
            <div class="pw-field">
                <label class="pw-check">
                    <input type="checkbox" aria-describedby="pw-cut-off-hint"
                        prop:checked=move || d.draft.with(|x| x.suite.cut_off_fails)
                        on:change=move |ev| { let on = event_target_checked(&ev); d.update(|x| x.suite.cut_off_fails = on); }/>
                    "Answers cut off at the token limit fail"
                </label>
                // Its own line under the box (an inline hint ran on from the label at 1280 px).
                <p id="pw-cut-off-hint" class="pw-hint">{format!(
                    "An answer that stops at the limit ({}) is unfinished: ticked, it fails and scores 0 whatever its checks say; unticked, it is scored on its checks. Either way it is marked, and the judge is told. A \u{201c}Stopped because\u{201d} check of a case decides instead.",
                    crate::domain::figures::count(crate::state::runner::MAX_OUTPUT_TOKENS, "token", "tokens")
                )}</p>
            </div>
            <div class="pw-field">
                <label class="pw-check">
                    <input type="checkbox" aria-describedby="pw-thumbs-down-hint"
                        prop:checked=move || d.draft.with(|x| x.suite.thumbs_down_fails)
                        on:change=move |ev| { let on = event_target_checked(&ev); d.update(|x| x.suite.thumbs_down_fails = on); }/>
                    "Thumbs-down counts as a failed check"
                </label>
                <p id="pw-thumbs-down-hint" class="pw-hint">"An answer you rate down (under Results) counts as one more failed check in its case's score, with your note as the reason; a thumbs-up adds no check. Runs, Reflexion and the optimizer score it the same way. Unticked, your ratings are kept but not scored; the optimizer reads your notes either way."</p>
            </div>
            {crate::ui::erased::show(move || !proposed.with(Vec::is_empty), move || view! {
                <div class="pw-notice pw-notice--info">
                    <p class="pw-notice__text">"The Format section asks for JSON. Suggested checks:"</p>
                    <div class="pw-row pw-row--wrap">
                        {crate::ui::erased::dynamic(move || (proposed.get().into_iter().map(|a| {
                            let text = format!("Add check: {}", a.kind().label());
                            view! {
                                <button type="button" class="pw-button pw-button--small"
                                    on:click=move |_| d.update(|x| x.suite.global.push(a.clone()))>{text}</button>
                            }
                        }).collect_view()).into_any())}
                    </div>
                </div>
            }.into_any())}
        </div>
    }
}

/// A list of assertions with an editor for each and an "Add check" picker.
#[component]
fn AssertionList(
    /// Whose assertions.
    owner: Owner,
    /// Heading of the list.
    title: &'static str,
) -> impl IntoView {
    let d = DraftHandle::expect();
    let count = crate::state::reactive::memo(move |_| match owner {
        Owner::Global => d.draft.with(|x| x.suite.global.len()),
        Owner::Case(id) => d.with_case(id, |c| c.assertions.len()).unwrap_or(0),
    });
    // The picker's options are promptfoo's type names (`contains-all`, `not-equals`…).
    let pick = RwSignal::new(CheckKind::ContainsAll.as_str().to_owned());
    // A choice made for one draft is not another's (session 46's notes, tryout 98: a new draft
    // offered the last draft's "Judge with a rubric").
    if owner == Owner::Global {
        super::on_draft_switch(move || pick.set(CheckKind::ContainsAll.as_str().to_owned()));
    }
    let pfx = owner.prefix();
    let add_id = format!("{pfx}-add-kind");
    view! {
        <fieldset class="pw-checks">
            <legend class="pw-label">{title}</legend>
            <ul class="pw-checks__list">
                {crate::ui::erased::keyed(move || (0..count.get()).collect(), move |i: usize| view! { <AssertionEditor owner=owner index=i/> }.into_any())}
            </ul>
            <div class="pw-row pw-row--wrap">
                <label class="pw-sr-only" for=add_id.clone()>{format!("Kind of check to add ({title})")}</label>
                <select id=add_id class="pw-select pw-select--auto" on:change=move |ev| pick.set(event_target_value(&ev))>
                    {Preset::all().into_iter().map(|p| {
                        let name = p.name();
                        let n2 = name.clone();
                        view! { <option value=name selected=move || pick.get() == n2>{p.label()}</option> }
                    }).collect_view()}
                </select>
                <span class="pw-hint pw-checks__hint">{crate::ui::erased::dynamic(move || (Preset::parse(&pick.get()).map(|p| p.hint()).unwrap_or("")).into_any())}</span>
                <button type="button" class="pw-button pw-button--small"
                    aria-label=format!("Add check to {}", title.to_lowercase())
                    on:click=move |_| {
                        let preset = Preset::parse(&pick.get_untracked()).unwrap_or(Preset { kind: CheckKind::ContainsAll, negate: false });
                        let mut at = 0;
                        with_assertions(d, owner, |v| {
                            v.push(preset.assertion());
                            at = v.len() - 1;
                        });
                        // The new check's value goes in next (tryout 105: the focus stayed on
                        // Add check, and the value typed then, with Enter, added a second empty
                        // check). A kind with no value leaves the focus here.
                        let value = format!("{pfx}-check-{at}-value");
                        super::browser::focus_first_when_drawn(vec![format!("{value}-min"), value]);
                    }>"Add check"</button>
            </div>
        </fieldset>
    }
}

/// The value label of a model-graded check's text, and its placeholder.
fn graded_field(grader: Grader) -> (&'static str, &'static str) {
    match grader {
        Grader::GEval => (
            "Criteria",
            "What a good answer does, one criterion per line",
        ),
        Grader::Factuality => ("Reference facts", "e.g. The capital of France is Paris."),
        Grader::ClosedQa => (
            "Yes/no question about the answer",
            "e.g. Does it avoid legal advice?",
        ),
        Grader::AnswerRelevance => ("Question (optional)", "Empty: the case's input"),
        Grader::SelectBest => ("Criterion", "e.g. the clearest explanation"),
    }
}

/// A pass mark out of 10 for the judge-graded kinds.
fn pass_mark_field(
    vid: String,
    whose: String,
    threshold: u8,
    set: impl Fn(Box<dyn FnOnce(&mut Assertion)>) + Copy + 'static,
) -> impl IntoView {
    let mark = RwSignal::new(u32::from(threshold));
    // Only a pass mark from 1 to 10 reaches the check; anything else is named at the field.
    Effect::watch(
        move || mark.get(),
        move |v, _, _| {
            let v = u8::try_from(*v).unwrap_or(10);
            set(Box::new(move |x| {
                if let Check::Judge { threshold, .. } | Check::Graded { threshold, .. } =
                    &mut x.check
                {
                    *threshold = v
                }
            }));
        },
        false,
    );
    view! {
        <span class="pw-hint" aria-hidden="true">"Pass at"</span>
        <label class="pw-sr-only" for=format!("{vid}-pass")>{format!("Pass mark out of 10 ({whose})")}</label>
        <NumberInput id=format!("{vid}-pass") value=mark min=1u32 max=10u32/>
        <span class="pw-hint">"/ 10"</span>
    }
}

/// One assertion: its kind (with promptfoo's type name), its values, "ignore capitals", "not", remove,
/// and its problem inline.
#[component]
fn AssertionEditor(
    /// Whose assertion.
    owner: Owner,
    /// Its index in the list.
    index: usize,
) -> impl IntoView {
    let d = DraftHandle::expect();
    let unaccepted = Unaccepted::get();
    let a = crate::state::reactive::memo(move |_| read_assertion(d, owner, index));
    let problem = crate::state::reactive::memo(move |_| {
        let spec = d.draft.with(|x| x.current_spec().cloned());
        a.with(|a| a.as_ref().and_then(|a| a.problem(spec.as_ref())))
    });
    let set = move |f: Box<dyn FnOnce(&mut Assertion)>| {
        with_assertions(d, owner, |v| {
            if let Some(x) = v.get_mut(index) {
                f(x);
            }
        })
    };
    let id = format!("{}-check-{index}", owner.prefix());
    let err_id = format!("{id}-problem");
    // Whose check this is, for the fields' labels.
    let whose = move || match owner {
        Owner::Global => format!("every case, check {}", index + 1),
        Owner::Case(c) => format!("case #{c}, check {}", index + 1),
    };
    let kind_label = move || a.with(|a| a.as_ref().map(|a| a.label()).unwrap_or_default());
    let type_name = move || a.with(|a| a.as_ref().map(|a| a.type_name()).unwrap_or_default());
    let value_field = {
        let id = id.clone();
        let err_id = err_id.clone();
        crate::ui::erased::dynamic(move || {
            ({
            let Some(cur) = a.get() else {
                return ().into_any();
            };
            let kind = cur.kind();
            let vid = format!("{id}-value");
            let whose = whose();
            let label = format!("{} ({whose})", kind.label());
            let desc = err_id.clone();
            match cur.check {
                // A text compared whole may hold line breaks: a box of lines keeps them (tryout
                // 102: a one-line box dropped an imported value's line break at the first edit).
                Check::Equals(s) | Check::StartsWith(s) => view! {
                    <label class="pw-sr-only" for=vid.clone()>{label}</label>
                    <textarea id=vid class="pw-textarea" rows=if s.contains('\n') { "3" } else { "1" } aria-describedby=desc
                        placeholder="text"
                        prop:value=s
                        on:input=move |ev| { let v = event_target_value(&ev); set(Box::new(move |x| match &mut x.check {
                            Check::Equals(s) | Check::StartsWith(s) => *s = v, _ => {} })); }></textarea>
                }.into_any(),
                Check::Regex(s) => view! {
                    <label class="pw-sr-only" for=vid.clone()>{label}</label>
                    <input id=vid class="pw-input pw-input--mono" aria-describedby=desc
                        placeholder="e.g. ^\\d{4}-\\d{2}-\\d{2}$"
                        prop:value=s
                        on:input=move |ev| { let v = event_target_value(&ev); set(Box::new(move |x| if let Check::Regex(s) = &mut x.check { *s = v })); }/>
                }.into_any(),
                Check::EqualsJson(s) => view! {
                    <label class="pw-sr-only" for=vid.clone()>{format!("{label}, as JSON")}</label>
                    <textarea id=vid class="pw-textarea pw-textarea--mono" rows="2" aria-describedby=desc
                        placeholder="a JSON object {…} or list […]"
                        prop:value=s
                        on:input=move |ev| { let v = event_target_value(&ev); set(Box::new(move |x| if let Check::EqualsJson(s) = &mut x.check { *s = v })); }></textarea>
                }.into_any(),
                Check::ContainsAll(v) | Check::ContainsAny(v) | Check::NotContains(v) => view! {
                    <label class="pw-sr-only" for=vid.clone()>{format!("{label}, one per line")}</label>
                    <textarea id=vid class="pw-textarea" rows="2" aria-describedby=desc placeholder="one phrase per line"
                        prop:value=v.join("\n")
                        // As typed (tryout 11: its "Add at least one phrase" went away only when
                        // the box was left, so the click that left it landed 29 px off Run all).
                        on:input=move |ev| { let v = lines(&event_target_value(&ev)); set(Box::new(move |x| match &mut x.check {
                            Check::ContainsAll(l) | Check::ContainsAny(l) | Check::NotContains(l) => *l = v, _ => {} })); }></textarea>
                }.into_any(),
                Check::IsJson | Check::IsRefusal => ().into_any(),
                Check::MatchesSchema(given) => view! {
                    <label class="pw-sr-only" for=vid.clone()>{format!("JSON schema ({whose}); empty means the Format section's")}</label>
                    <textarea id=vid class="pw-textarea pw-textarea--mono" rows="2" aria-describedby=desc
                        placeholder="Empty: use the JSON schema from the Format section"
                        prop:value=given.unwrap_or_default()
                        on:input=move |ev| { let v = event_target_value(&ev); set(Box::new(move |x| x.check = Check::MatchesSchema((!v.trim().is_empty()).then_some(v)))); }></textarea>
                }.into_any(),
                Check::ContainsJson(given) => view! {
                    <label class="pw-sr-only" for=vid.clone()>{format!("JSON schema ({whose}); empty means any JSON")}</label>
                    <textarea id=vid class="pw-textarea pw-textarea--mono" rows="2" aria-describedby=desc
                        placeholder="Optional: a JSON schema the JSON must match"
                        prop:value=given.unwrap_or_default()
                        on:input=move |ev| { let v = event_target_value(&ev); set(Box::new(move |x| x.check = Check::ContainsJson((!v.trim().is_empty()).then_some(v)))); }></textarea>
                }.into_any(),
                Check::IsXml(paths) | Check::ContainsXml(paths) => view! {
                    <label class="pw-sr-only" for=vid.clone()>{format!("Elements the XML must hold ({whose}), one per line")}</label>
                    <textarea id=vid class="pw-textarea pw-textarea--mono" rows="2" aria-describedby=desc
                        placeholder="Optional: elements it must hold, one per line, e.g. root.child"
                        prop:value=paths.join("\n")
                        on:input=move |ev| { let v = lines(&event_target_value(&ev)); set(Box::new(move |x| match &mut x.check {
                            Check::IsXml(p) | Check::ContainsXml(p) => *p = v.iter().map(|s| s.trim().to_owned()).collect(), _ => {} })); }></textarea>
                }.into_any(),
                Check::Levenshtein { text, max_distance } => {
                    let edits = RwSignal::new(max_distance);
                    Effect::watch(move || edits.get(), move |v, _, _| { let v = *v; set(Box::new(move |x| if let Check::Levenshtein { max_distance, .. } = &mut x.check { *max_distance = v })); }, false);
                    view! {
                    <label class="pw-sr-only" for=vid.clone()>{label}</label>
                    <input id=vid.clone() class="pw-input" aria-describedby=desc placeholder="text"
                        prop:value=text
                        on:input=move |ev| { let v = event_target_value(&ev); set(Box::new(move |x| if let Check::Levenshtein { text, .. } = &mut x.check { *text = v })); }/>
                    <span class="pw-hint" aria-hidden="true">"at most"</span>
                    <label class="pw-sr-only" for=format!("{vid}-max")>{format!("Most edits allowed ({whose})")}</label>
                    <NumberInput id=format!("{vid}-max") value=edits min=0u32 max=100_000u32/>
                    <span class="pw-hint">"edits"</span>
                }.into_any()
                }
                Check::FinishReason(r) => {
                    let known = ["stop", "length", "content_filter", "tool_calls"];
                    let other = (!known.contains(&r.as_str())).then(|| r.clone());
                    view! {
                        <label class="pw-sr-only" for=vid.clone()>{label}</label>
                        <select id=vid class="pw-select pw-select--auto" aria-describedby=desc
                            on:change=move |ev| { let v = event_target_value(&ev); set(Box::new(move |x| x.check = Check::FinishReason(v))); }>
                            <option value="stop" selected=r == "stop">"stop: it finished"</option>
                            <option value="length" selected=r == "length">"length: it hit the length limit"</option>
                            <option value="content_filter" selected=r == "content_filter">"content_filter: a safety filter stopped it"</option>
                            <option value="tool_calls" selected=r == "tool_calls">"tool_calls: it called a tool"</option>
                            {other.map(|o| view! { <option value=o.clone() selected=true>{o.clone()}</option> })}
                        </select>
                    }.into_any()
                }
                Check::Latency { max_ms } => {
                    let ms = RwSignal::new(max_ms);
                    Effect::watch(move || ms.get(), move |v, _, _| { let v = *v; set(Box::new(move |x| x.check = Check::Latency { max_ms: v })); }, false);
                    view! {
                    <label class="pw-sr-only" for=vid.clone()>{format!("Most milliseconds ({whose})")}</label>
                    <NumberInput id=vid value=ms min=1u64 max=600_000u64 hint=desc/>
                    <span class="pw-hint">"ms (1000 ms = 1 s)"</span>
                }.into_any()
                }
                Check::Cost { max_usd } => {
                    // A cost read from a file may be no number at all; the field shows it as is.
                    let usd = RwSignal::new(max_usd);
                    Effect::watch(move || usd.get(), move |v, _, _| { let v = *v; set(Box::new(move |x| x.check = Check::Cost { max_usd: v })); }, false);
                    view! {
                    <span class="pw-hint" aria-hidden="true">"$"</span>
                    <label class="pw-sr-only" for=vid.clone()>{format!("Most US dollars per call ({whose})")}</label>
                    <NumberInput id=vid value=usd min=0.0f64 max=1000.0f64 hint=desc/>
                    <span class="pw-hint">"per call, at list price"</span>
                }.into_any()
                }
                Check::Length { unit, min, max } => {
                    let (lo, hi) = (RwSignal::new(min), RwSignal::new(max));
                    Effect::watch(move || lo.get(), move |v, _, _| { let v = *v; set(Box::new(move |x| if let Check::Length { min, .. } = &mut x.check { *min = v })); }, false);
                    Effect::watch(move || hi.get(), move |v, _, _| { let v = *v; set(Box::new(move |x| if let Check::Length { max, .. } = &mut x.check { *max = v })); }, false);
                    view! {
                        <label class="pw-sr-only" for=format!("{vid}-min")>{format!("Minimum length ({whose})")}</label>
                        <OptionalNumberInput id=format!("{vid}-min") value=lo min=0u32 max=1_000_000u32 hint=desc.clone() placeholder="min"/>
                        <label class="pw-sr-only" for=format!("{vid}-max")>{format!("Maximum length ({whose})")}</label>
                        <OptionalNumberInput id=format!("{vid}-max") value=hi min=0u32 max=1_000_000u32 hint=desc placeholder="max"/>
                        <label class="pw-sr-only" for=format!("{vid}-unit")>{format!("Length unit ({whose})")}</label>
                        <select id=format!("{vid}-unit") class="pw-select pw-select--auto"
                            on:change=move |ev| { let w = event_target_value(&ev) == "words"; set(Box::new(move |x| if let Check::Length { unit, .. } = &mut x.check { *unit = if w { LengthUnit::Words } else { LengthUnit::Chars } })); }>
                            <option value="chars" selected=unit == LengthUnit::Chars>"characters"</option>
                            <option value="words" selected=unit == LengthUnit::Words>"words"</option>
                        </select>
                    }.into_any()
                }
                Check::Judge { rubric, threshold } => view! {
                    <label class="pw-sr-only" for=vid.clone()>{format!("Rubric ({whose})")}</label>
                    <textarea id=vid.clone() class="pw-textarea" rows="2" aria-describedby=desc
                        placeholder="What a good answer does, e.g. lists every action item with an owner"
                        prop:value=rubric
                        on:input=move |ev| { let v = event_target_value(&ev); set(Box::new(move |x| if let Check::Judge { rubric, .. } = &mut x.check { *rubric = v })); }></textarea>
                    {pass_mark_field(vid, whose, threshold, set)}
                }.into_any(),
                Check::Graded { grader, value, threshold } => {
                    let (what, hint) = graded_field(grader);
                    view! {
                        <label class="pw-sr-only" for=vid.clone()>{format!("{what} ({whose})")}</label>
                        <textarea id=vid.clone() class="pw-textarea" rows="2" aria-describedby=desc
                            placeholder=hint
                            prop:value=value
                            on:input=move |ev| { let v = event_target_value(&ev); set(Box::new(move |x| if let Check::Graded { value, .. } = &mut x.check { *value = v })); }></textarea>
                        {pass_mark_field(vid, whose, threshold, set)}
                    }.into_any()
                }
            }
        }).into_any()
        })
    };
    let text_kind = move || {
        a.with(|a| {
            a.as_ref()
                .is_some_and(|a| a.kind().takes_case() && !matches!(a.check, Check::EqualsJson(_)))
        })
    };
    // `equals` compares text, or JSON when ticked (promptfoo: a text value, or an object or list).
    let equals_kind = move || a.with(|a| a.as_ref().is_some_and(|a| a.kind() == CheckKind::Equals));
    let as_json = move || {
        a.with(|a| {
            a.as_ref()
                .is_some_and(|a| matches!(a.check, Check::EqualsJson(_)))
        })
    };
    // promptfoo's `weight`: drawn again only when it changes (a number field applies on change).
    let weight_now =
        crate::state::reactive::memo(move |_| a.with(|a| a.as_ref().map_or(1.0, |a| a.weight)));
    let weight_field = {
        let id = id.clone();
        crate::ui::erased::dynamic(move || {
            ({
            let w = RwSignal::new(weight_now.get());
            Effect::watch(
                move || w.get(),
                move |v, _, _| {
                    let v = *v;
                    set(Box::new(move |x| x.weight = v));
                },
                false,
            );
            let wid = format!("{id}-weight");
            let whose = whose();
            view! {
                <span class="pw-check-row__weight" title="How much the check counts in the case's score (promptfoo's weight; 1 by default, 0 counts for nothing).">
                    <label class="pw-hint" for=wid.clone()>"weight"<span class="pw-sr-only">{format!(" ({whose})")}</span></label>
                    <NumberInput id=wid value=w min=0.0f64 max=crate::domain::eval::MAX_WEIGHT/>
                </span>
            }
        }).into_any()
        })
    };
    view! {
        <li class="pw-check-row" class:pw-check-row--bad=move || problem.with(Option::is_some)>
            <span class="pw-check-row__kind" title=move || a.with(|a| a.as_ref().map(|a| a.kind().hint()).unwrap_or(""))>
                {crate::ui::erased::dynamic(move || kind_label().into_any())}
                <code class="pw-check-row__type">{crate::ui::erased::dynamic(move || type_name().into_any())}</code>
            </span>
            <span class="pw-check-row__value">{value_field}</span>
            {crate::ui::erased::show(equals_kind, move || view! {
                <label class="pw-check" title="Read the answer as JSON and compare it with this JSON object or list: key order and spacing do not count (promptfoo's equals with an object or list value; a quoted value compares as text).">
                    <input type="checkbox" prop:checked=as_json
                        on:change=move |ev| { let on = event_target_checked(&ev); set(Box::new(move |x| {
                            x.check = match std::mem::replace(&mut x.check, Check::IsJson) {
                                Check::Equals(s) if on => { x.ignore_case = false; Check::EqualsJson(s) }
                                Check::EqualsJson(s) if !on => Check::Equals(s),
                                other => other,
                            };
                        })); }/>
                    "as JSON"
                </label>
            }.into_any())}
            {crate::ui::erased::show(text_kind, move || view! {
                <label class="pw-check" title="Capital and small letters count as the same (promptfoo's i- prefix, e.g. icontains).">
                    <input type="checkbox" prop:checked=move || a.with(|a| a.as_ref().is_some_and(|a| a.ignore_case))
                        on:change=move |ev| { let on = event_target_checked(&ev); set(Box::new(move |x| x.ignore_case = on)); }/>
                    "ignore capitals"
                </label>
            }.into_any())}
            <label class="pw-check" title="The check passes when this does not hold (promptfoo's not- prefix).">
                <input type="checkbox" prop:checked=move || a.with(|a| a.as_ref().is_some_and(|a| a.negate))
                    on:change=move |ev| { let on = event_target_checked(&ev); set(Box::new(move |x| x.negate = on)); }/>
                "not"
            </label>
            {weight_field}
            <button type="button" class="pw-button pw-button--small pw-button--ghost"
                aria-label=move || format!("Remove check: {}", kind_label())
                on:click=move |_| {
                    with_assertions(d, owner, |v| { if index < v.len() { v.remove(index); } });
                    if let Some(u) = unaccepted { u.remove_check(&owner.prefix(), index); }
                }>"Remove"</button>
            <p id=err_id class="pw-hint pw-hint--bad" role="status">{crate::ui::erased::dynamic(move || (problem.get().unwrap_or_default()).into_any())}</p>
        </li>
    }
}

/// "Import cases…": reads the chosen files (a promptfoo config with the files it refers to, or
/// case files on their own), reports what is left out and the bad rows by file and line, and
/// imports on confirmation when there is anything to report.
#[component]
fn ImportButton(
    /// Counts the files chosen to import and the exports made: each one's words give way to
    /// the next one's.
    file_chosen: RwSignal<u32>,
) -> impl IntoView {
    let d = DraftHandle::expect();
    // `file_chosen` when this import's file was chosen.
    let import_at = RwSignal::new(0u32);
    let pending = RwSignal::new(None::<(String, Imported)>);
    let message = RwSignal::new(None::<Result<String, String>>);
    // The cases the last import added (ids) and its checks for every case: the message says how
    // many of their checks cannot run as the draft is now.
    let imported = RwSignal::new(None::<(Vec<u32>, Vec<crate::domain::eval::Assertion>)>);
    // The file whose review a new choice closed, unimported.
    let replaced = RwSignal::new(None::<String>);
    // An import's review and message belong to the draft the file was chosen in (tryout 54:
    // "Imported 2 cases." showed in a draft with none).
    super::on_draft_switch(move || {
        pending.set(None);
        message.set(None);
        imported.set(None);
        replaced.set(None);
    });
    // `left`: the file's cases not imported ("Import the first 1,000" of a larger file).
    let add = move |imp: Imported, left: usize| {
        // Its message shows whatever was exported while its review was open (the review).
        file_chosen.update(|n| *n += 1);
        import_at.set(file_chosen.get_untracked());
        let n = imp.cases.len();
        let expected_column = imp.expected_column;
        let empty = imp.without_input();
        let g = imp.global.len();
        // promptfoo's `defaultTest` holds for its own file's tests only (tryout 85: a config's
        // rubrics came in as checks for every case and judged the cases of other files). Into
        // a draft with no cases and no such checks they are its checks for every case; else
        // each imported case gets them, and the draft's others do not.
        let (had_cases, had_global) = d
            .draft
            .with_untracked(|x| (!x.suite.cases.is_empty(), x.suite.global.len()));
        // (A file with checks and no tests gives them to the draft's cases, as before.)
        let per_case = g > 0 && n > 0 && (had_cases || had_global > 0);
        let globals = if per_case {
            Vec::new()
        } else {
            imp.global.clone()
        };
        let mut ids = Vec::with_capacity(n);
        d.update(|x| {
            for mut c in imp.cases {
                if per_case {
                    for a in &imp.global {
                        // Not twice: a check the draft has for every case already holds.
                        if !c.assertions.contains(a) && !x.suite.global.contains(a) {
                            c.assertions.push(a.clone());
                        }
                    }
                }
                ids.push(x.suite.add(c));
            }
            if !per_case {
                for g in imp.global {
                    if !x.suite.global.contains(&g) {
                        x.suite.global.push(g);
                    }
                }
            }
        });
        imported.set(Some((ids, globals)));
        let checks = match g {
            0 => String::new(),
            _ if per_case => format!(
                ", each with the file's {} for all its tests (promptfoo's defaultTest: the draft's other cases do not get {})",
                crate::domain::figures::count(g, "check", "checks"),
                if g == 1 { "it" } else { "them" }
            ),
            _ => format!(
                " and {g} check{} for every case",
                if g == 1 { "" } else { "s" }
            ),
        };
        // The draft's own checks for every case hold for the new cases too: said.
        let theirs = match had_global {
            0 => String::new(),
            k => format!(
                " The draft's {} for every case {} these cases too.",
                crate::domain::figures::count(k, "check", "checks"),
                if k == 1 { "applies to" } else { "apply to" }
            ),
        };
        // Tryout: a promptfoo test with only `assert` came in as a case with an empty input,
        // and nothing said so.
        let empty = match empty {
            0 => String::new(),
            1 if n == 1 => " It has no input and no variables (its test gives none): it is sent as an empty message until you give it an input.".to_owned(),
            1 => " 1 of them has no input and no variables (its test gives none): it is sent as an empty message until you give it an input.".to_owned(),
            e => format!(
                " {e} of them have no input and no variables (their tests give none): each is sent as an empty message until you give them an input."
            ),
        };
        // Tryout 88: a CSV's `expected` column is read as the expected answer (promptfoo would
        // read a variable): said, with what reads it.
        let expected = if expected_column {
            " The column \u{201c}expected\u{201d} became each case's expected answer: a reference for the judge's checks, not sent to the model (a case says when none of its checks reads it)."
        } else {
            ""
        };
        message.set(Some(Ok(format!(
            "Imported {}{checks}.{left}{expected}{empty}{theirs}",
            crate::domain::figures::count(n, "case", "cases"),
            left = match left {
                0 => String::new(),
                k => format!(
                    " The file's other {} (after its first {}) {} not imported.",
                    crate::domain::figures::count(k, "case", "cases"),
                    crate::domain::figures::grouped(n as u64),
                    if k == 1 { "was" } else { "were" }
                ),
            }
        ))));
    };
    // Helper-63: checks a run would wait for came in with no word until the tags showed. Said
    // as the draft is now (tryout 67: "1 check cannot run" stayed after its case was deleted).
    let to_fix = move || {
        imported.with(|i| {
            i.as_ref().map_or(0, |(ids, globals)| {
                d.draft
                    .with(|x| cases_io::checks_to_fix_in(&x.suite, ids, globals, x.current_spec()))
            })
        })
    };
    // Imported cases that send a variable their checks compare the answer with (a bare CSV's
    // `answer` read by `equals {{answer}}`): said, as the draft is now.
    let shown = move || {
        imported.with(|i| {
            i.as_ref().map_or((0, Vec::new()), |(ids, _)| {
                d.suite_and_prompt.with(|(suite, _)| {
                    let mut names: Vec<String> = Vec::new();
                    let mut n = 0;
                    for c in suite.cases.iter().filter(|c| ids.contains(&c.id)) {
                        let sent = suite.checked_vars_sent(c);
                        if !sent.is_empty() {
                            n += 1;
                        }
                        for v in sent {
                            if !names.contains(&v) {
                                names.push(v);
                            }
                        }
                    }
                    (n, names)
                })
            })
        })
    };
    let shown_line = move || match shown() {
        (0, _) => String::new(),
        (n, names) => {
            let list = names
                .iter()
                .map(|v| format!("{{{{{v}}}}}"))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                " {} {} {list} to the model in {} message, and a check compares the answer with it: the model is shown what it is scored against. Write the question alone as such a case's input (each case says which).",
                crate::domain::figures::count(n, "case", "cases"),
                if n == 1 { "sends" } else { "send" },
                if n == 1 { "its" } else { "their" }
            )
        }
    };
    let fix = move || match to_fix() {
        0 => String::new(),
        k => format!(
            " {} cannot run as written: {} marked in red with what to fix (the cases say \u{201c}to fix\u{201d}), and a run waits until {} corrected.",
            crate::domain::figures::count(k, "check", "checks"),
            if k == 1 { "it is" } else { "each is" },
            if k == 1 { "it is" } else { "they are" }
        ),
    };
    let on_file = move |ev: leptos::ev::Event| {
        file_chosen.update(|n| *n += 1);
        import_at.set(file_chosen.get_untracked());
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(list) = input.files() else {
            return;
        };
        let chosen: Vec<web_sys::File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
        input.set_value("");
        if chosen.is_empty() {
            return;
        }
        // A new choice replaces the previous file's review or error: only one shows, and a
        // review closed so is named (nothing of it was imported).
        replaced.set(pending.get_untracked().map(|(name, _)| name));
        pending.set(None);
        message.set(None);
        let several = chosen.len() > 1;
        leptos::task::spawn_local(async move {
            let mut files = Vec::new();
            let mut errors = Vec::new();
            for file in chosen {
                // Read as bytes: a file that is not UTF-8 text is named, not read with its bad
                // bytes replaced (`cases_io::file_text`).
                let bytes = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
                    .await
                    .ok()
                    .map(|b| js_sys::Uint8Array::new(&b).to_vec());
                let Some(bytes) = bytes else {
                    message.set(Some(Err(format!(
                        "The browser could not read {}.",
                        file.name()
                    ))));
                    return;
                };
                match cases_io::file_text(&bytes, true) {
                    Ok(text) => files.push(cases_io::FileText {
                        name: file.name(),
                        text,
                    }),
                    Err(e) if several => errors.push(format!("{}: {e}", file.name())),
                    Err(e) => errors.push(e),
                }
            }
            let mut merged: Option<(String, Imported)> = None;
            for (name, result) in cases_io::import_files(&files) {
                match result {
                    Err(e) => errors.push(if several { format!("{name}: {e}") } else { e }),
                    Ok(imp) => match &mut merged {
                        None => merged = Some((name, imp)),
                        Some((names, all)) => {
                            names.push_str(&format!(", {name}"));
                            all.cases.extend(imp.cases);
                            all.case_places.extend(imp.case_places);
                            all.global.extend(imp.global);
                            all.bad.extend(imp.bad);
                            all.left_out.extend(imp.left_out);
                            all.expected_column |= imp.expected_column;
                        }
                    },
                }
            }
            match merged {
                None => message.set(Some(Err(errors.join(" ")))),
                Some((_, imp))
                    if imp.cases.is_empty()
                        && imp.global.is_empty()
                        && imp.bad.is_empty()
                        && imp.left_out.is_empty() =>
                {
                    message.set(Some(Err("The file holds no test cases.".into())))
                }
                // A file of more than `LARGE_IMPORT` cases is reviewed first (tryout 120).
                Some((_, imp))
                    if imp.bad.is_empty()
                        && imp.left_out.is_empty()
                        && errors.is_empty()
                        && imp.cases.len() <= cases_io::LARGE_IMPORT =>
                {
                    add(imp, 0)
                }
                Some((names, imp)) => {
                    message.set((!errors.is_empty()).then(|| Err(errors.join(" "))));
                    pending.set(Some((names, imp)));
                }
            }
        });
    };
    view! {
        <label class="pw-button pw-file">
            "Import…"
            <input type="file" multiple=true accept=".csv,.tsv,.jsonl,.ndjson,.json,.yaml,.yml,text/csv,application/json" class="pw-sr-only"
                aria-label="Import test cases from a CSV, JSONL or promptfoo file"
                aria-describedby="pw-import-hint" on:change=on_file/>
        </label>
        <span id="pw-import-hint" class="pw-sr-only">"Choose a promptfoo config together with the files it refers to, such as its tests.csv."</span>
        {crate::ui::erased::dynamic(move || (replaced.get().map(|name| view! {
            <p class="pw-hint" role="status">{format!("Nothing from {name} was imported: choosing another file closed its review.")}</p>
        })).into_any())}
        {crate::ui::erased::dynamic(move || (message.get().filter(|_| file_chosen.get() == import_at.get()).map(|m| match m {
            // Closed by the person (session 47's notes: "Imported 2 cases…" stayed on through
            // everything done after it, until another draft opened).
            Ok(t) => view! {
                <div class="pw-import-note">
                    <p class="pw-hint pw-hint--ok" role="status">{t}{crate::ui::erased::dynamic(move || fix().into_any())}{crate::ui::erased::dynamic(move || shown_line().into_any())}</p>
                    <button type="button" class="pw-icon-button" aria-label="Close the import note" title="Close" on:click=move |_| message.set(None)><super::icons::CloseIcon/></button>
                </div>
            }.into_any(),
            Err(e) => view! { <p class="pw-hint pw-hint--bad" role="alert">{e}</p> }.into_any(),
        })).into_any())}
        {crate::ui::erased::dynamic(move || (pending.get().map(|(name, imp)| {
            let good = imp.cases.len();
            let bad = imp.bad.len();
            let left = imp.left_out.len();
            let mut title = Vec::new();
            if bad > 0 {
                let (one, many) = imp.bad_words();
                title.push(format!("{bad} {} cannot be imported", if bad == 1 { one } else { many }));
            }
            if left > 0 {
                title.push(format!("{left} thing{} left out", if left == 1 { "" } else { "s" }));
            }
            let to_fix = d.draft.with_untracked(|x| imp.to_fix(x.current_spec()));
            let fixes = to_fix.len();
            if fixes > 0 {
                title.push(format!("{} to fix", crate::domain::figures::count(to_fix.len(), "check", "checks")));
            }
            let large = good > cases_io::LARGE_IMPORT;
            if large {
                title.push(format!("{} to import", crate::domain::figures::count(good, "case", "cases")));
            }
            let lines: Vec<String> = imp.left_out.iter().map(|l| format!("{}: {}", l.place(), l.message()))
                .chain(imp.bad.iter().map(|b| format!("{}: {}", b.place(), b.why)))
                .chain(to_fix)
                .collect();
            let total = lines.len();
            view! {
                <div class="pw-notice pw-notice--warn pw-import-review" role="alert">
                    <p class="pw-notice__title">{format!("{name}: {}", title.join(", "))}</p>
                    {large.then(|| {
                        // With the draft's own cases (tryout 121: "a run of all of it is 1,001
                        // calls" where Run all would be 2,001).
                        let had = d.draft.with_untracked(|x| x.suite.cases.len());
                        let run = if had == 0 {
                            format!("a run of all of it is {}", crate::domain::figures::count(good, "call", "calls"))
                        } else {
                            format!(
                                "with the draft's {} the draft would hold {}, and a run of all of them is {}",
                                crate::domain::figures::count(had, "case", "cases"),
                                crate::domain::figures::grouped((had + good) as u64),
                                crate::domain::figures::count(had + good, "call", "calls")
                            )
                        };
                        view! {
                            <p class="pw-hint" id="pw-import-large">{format!(
                                "That is a large suite: {run} to the execution model (a run asks first when it may cost ${} or more at list price, or sends {} calls or more to a model with no list price), and a draft this large is slower to edit, save and share. Import them all, or only the first {}?",
                                crate::domain::eval::run::CONFIRM_RUN_DOLLARS,
                                crate::domain::figures::grouped(u64::from(crate::domain::eval::run::CONFIRM_RUN_CALLS)),
                                crate::domain::figures::grouped(cases_io::LARGE_IMPORT as u64)
                            )}</p>
                        }
                    })}
                    {(total > 0).then(|| view! {
                        <p class="pw-hint">"Cases come in with the checks that can run here; what cannot is listed below."
                            {(fixes > 0).then_some(" A check \u{201c}to fix\u{201d} comes in with its case, marked in red, and a run waits until it is corrected.")}</p>
                        <ul class="pw-import-review__bad">
                            {lines.into_iter().take(50).map(|t| view! { <li>{t}</li> }).collect_view()}
                            {(total > 50).then(|| view! { <li>{format!("… and {} more", total - 50)}</li> })}
                        </ul>
                    })}
                    <div class="pw-row pw-row--wrap">
                        {if good == 0 && imp.global.is_empty() {
                            view! { <p class="pw-hint">"Nothing in this file can be imported."</p> }.into_any()
                        } else {
                            view! {
                                <button type="button" class="pw-button pw-button--primary"
                                    on:click=move |_| { if let Some((_, imp)) = pending.get_untracked() { add(imp, 0); } pending.set(None); replaced.set(None); }>
                                    {if good == 0 {
                                        let g = imp.global.len();
                                        format!("Import the {} for every case", crate::domain::figures::count(g, "check", "checks"))
                                    } else if bad > 0 {
                                        format!("Import the {}", crate::domain::figures::count(good, "good case", "good cases"))
                                    } else {
                                        format!("Import the {}", crate::domain::figures::count(good, "case", "cases"))
                                    }}
                                </button>
                                {large.then(|| view! {
                                    <button type="button" class="pw-button"
                                        on:click=move |_| { if let Some((_, mut imp)) = pending.get_untracked() { let all = imp.cases.len(); imp.keep_first(cases_io::LARGE_IMPORT); let kept = imp.cases.len(); add(imp, all - kept); } pending.set(None); replaced.set(None); }>
                                        {format!("Import the first {}", crate::domain::figures::grouped(cases_io::LARGE_IMPORT as u64))}
                                    </button>
                                })}
                            }.into_any()
                        }}
                        <button type="button" class="pw-button" on:click=move |_| { pending.set(None); replaced.set(None); }>"Cancel import"</button>
                    </div>
                </div>
            }
        })).into_any())}
    }
}

/// Export the cases as CSV or JSONL.
#[component]
fn ExportButtons(
    /// Counts the files chosen to import and the exports made: an export's notes are shown
    /// until the next of either (tryout 115: "Your API key was in what the file holds" stood
    /// beside a later import's "Imported 4 cases.", as if about it; tryout 116, the reverse).
    file_chosen: RwSignal<u32>,
) -> impl IntoView {
    let d = DraftHandle::expect();
    let settings = crate::state::settings::SettingsHandle::expect();
    let note = RwSignal::new(None::<String>);
    // `file_chosen` when the notes were written.
    let noted_at = RwSignal::new(0u32);
    let current = move || file_chosen.get() == noted_at.get();
    // What the file leaves behind (the checks for every case), said once it is written.
    let left = RwSignal::new(None::<String>);
    // Both are about this draft's export (helper-60: shown on in a new, empty draft).
    super::on_draft_switch(move || {
        note.set(None);
        left.set(None);
    });
    let export = move |csv: bool| {
        let (name, cases, global) = d.draft.with_untracked(|x| {
            let schema = x
                .current_spec()
                .map(|s| s.json_schema.clone())
                .unwrap_or_default();
            (
                x.name.clone(),
                cases_io::for_export(&x.suite.cases, &schema),
                x.suite.global.len(),
            )
        });
        left.set(None);
        if cases.is_empty() {
            note.set(Some("There are no cases to export yet.".into()));
            return;
        }
        // The person's API keys are taken out of the file (tryout 106: a key in a case went
        // wherever the file went), and of its name (tryout 107).
        let keys = leptos::prelude::untrack(|| settings.keys_to_withhold());
        let secrets: Vec<&str> = keys.iter().map(|k| k.expose()).collect();
        let stem = format!(
            "{}-cases",
            file_stem(&crate::domain::secrets::redact(&name, &secrets).0)
        );
        let mut formulas = None;
        let (r, withheld, like) = if csv {
            let (text, n) = crate::domain::secrets::redact(&cases_io::to_csv(&cases), &secrets);
            formulas = cases_io::formula_note(&text)
                .into_iter()
                .chain(cases_io::csv_only_note(&cases))
                .reduce(|a, b| format!("{a} {b}"));
            let like = crate::domain::secrets::key_like(&text);
            (download(&format!("{stem}.csv"), "text/csv", &text), n, like)
        } else {
            let (text, n) = crate::domain::secrets::redact(&cases_io::to_jsonl(&cases), &secrets);
            let like = crate::domain::secrets::key_like(&text);
            (
                download(&format!("{stem}.jsonl"), "application/x-ndjson", &text),
                n,
                like,
            )
        };
        if r.is_ok() {
            let withheld = format!(
                "{}{}",
                super::drafts::withheld_note(withheld, "file"),
                super::drafts::key_like_note(&like, "file")
                    .map(|n| format!(" {n}"))
                    .unwrap_or_default()
            );
            let said: Vec<String> = cases_io::export_note(global)
                .into_iter()
                .chain(formulas)
                .chain((!withheld.is_empty()).then(|| withheld.trim().to_owned()))
                .collect();
            left.set((!said.is_empty()).then(|| said.join(" ")));
        }
        note.set(r.err());
        // The import's message gives way to this export's notes, as they do to the next import.
        file_chosen.update(|n| *n += 1);
        noted_at.set(file_chosen.get_untracked());
    };
    view! {
        <button type="button" class="pw-button" on:click=move |_| export(true)>"Export CSV"</button>
        <button type="button" class="pw-button" on:click=move |_| export(false)>"Export JSONL"</button>
        {crate::ui::erased::dynamic(move || (note.get().filter(|_| current()).map(|n| view! { <p class="pw-hint pw-hint--bad" role="status">{n}</p> })).into_any())}
        {crate::ui::erased::dynamic(move || (left.get().filter(|_| current()).map(|n| view! { <p class="pw-hint pw-hint--warn pw-export-left" role="status">{n}</p> })).into_any())}
    }
}

/// "Suggest cases": N model-written cases, reviewed, kept or discarded one by one.
#[component]
fn SynthPanel() -> impl IntoView {
    let off_meta = super::shell::offline_for(&[crate::domain::provider::Role::Meta]);
    let settings = crate::state::settings::SettingsHandle::expect();
    let d = DraftHandle::expect();
    let s = CaseSynth::expect();
    let n = s.how_many;
    let n_problem = RwSignal::new(None::<String>);
    // The count as it is typed, for the figure (the count in use changes on the field's change).
    let n_typed = RwSignal::new(n.get_untracked());
    crate::state::reactive::effect(move |_| n_typed.set(n.get()));
    let has_prompt = move || d.draft.with(|x| x.current > 0);
    let busy = move || matches!(s.stage.get(), Stage::Writing | Stage::Reviewing);
    let written = move || {
        // The tiny model's cases are counted as read; other models' roughly, by their
        // "input" fields so far.
        // The cases whole so far, read as Stop would offer them (tryout 94: "2 so far" while
        // the second had only begun, and Stop offered one).
        s.tiny
            .with(|t| t.as_ref().map(|t| t.progress().0))
            .unwrap_or_else(|| {
                s.call.text.with(|t| {
                    crate::domain::eval::synth::parse(t, &[]).map_or(0, |got| got.proposals.len())
                })
            })
    };
    let kept = move || s.picks.with(|p| p.iter().filter(|p| p.keep).count());
    // Suggestions on offer: asking again would replace them, so it waits until they are added
    // or discarded (tryout 94: Retry after Stop dropped the case offered, unasked).
    let offered = move || !busy() && s.picks.with(|p| !p.is_empty());
    let proposals = crate::state::reactive::memo(move |_| s.picks.with(Vec::len));
    // The variables the idea names, apart from the rest of the draft (for the cost line).
    let idea_vars =
        crate::state::reactive::memo(move |_| d.draft.with(|x| x.idea.variables.clone()));
    // The (input, output) tokens the two calls read and write at most.
    let synth_tokens = move || {
        let (i, o) = d.suite_and_prompt.with(|(suite, prompt)| {
            let mut vars = crate::domain::eval::prompt_variables(prompt);
            for v in idea_vars.get() {
                if !vars.contains(&v) {
                    vars.push(v);
                }
            }
            let conversations = suite.cases.iter().filter(|c| c.is_conversation()).count();
            crate::domain::eval::synth::estimate(prompt, &vars, n_typed.get(), conversations)
        });
        let t = |x: u64| x.min(u64::from(u32::MAX)) as u32;
        (t(i), t(o))
    };
    // Retry's figure: the same two calls (tryout 94: Retry had none).
    let synth_cost = move || -> Option<String> {
        if settings.meta_is_tiny() {
            return None;
        }
        let cfg = settings.config(crate::domain::provider::Role::Meta);
        let (i, o) = synth_tokens();
        // An estimate, as the button's own line says it (`synth::estimate` is not a bound).
        Some(match crate::domain::estimate::call_cost(&cfg, i, o) {
            Some(0.0) => "free".to_owned(),
            Some(c) => format!(
                "about {} at the answers' caps",
                crate::domain::estimate::format_cost(Some(c))
            ),
            None => format!("cost unknown: {} has no list price here", cfg.model),
        })
    };
    // Open while the person has it open, and whenever an offer is on hand (one kept across a
    // reload, or brought back with its draft, shows without a click).
    let open = RwSignal::new(false);
    crate::state::reactive::effect(move |_| {
        if proposals.get() > 0 {
            open.set(true);
        }
    });
    // Another draft opens with it closed, unless it has an offer (tryout 98: a new draft kept
    // the last draft's open panel).
    super::on_draft_switch(move || {
        if proposals.get_untracked() == 0 {
            open.set(false);
        }
    });
    view! {
        <details class="pw-details pw-synth" prop:open=move || open.get()
            on:toggle=move |ev| {
                let now = ev.target().and_then(|t| js_sys::Reflect::get(&t, &"open".into()).ok()).and_then(|v| v.as_bool()).unwrap_or(false);
                if now != open.get_untracked() {
                    open.set(now);
                }
            }>
            <summary>"Suggest cases with the model"</summary>
            <p class="pw-hint" id="pw-synth-cost">{crate::ui::erased::dynamic(move || (if settings.meta_is_tiny() {
                "The built-in local model writes typical, edge and adversarial cases from your prompt, one at a time; lines it cannot use are left out and named, near-duplicates are unticked. It does not check realism: you decide what joins the table.".to_owned()
            } else {
                // What the two calls may cost, before they are made (tryout 81: nothing said).
                let cfg = settings.config(crate::domain::provider::Role::Meta);
                let (i, o) = synth_tokens();
                let cost = match crate::domain::estimate::call_cost(&cfg, i, o) {
                    Some(0.0) => "free".to_owned(),
                    // A bound, as everywhere else (tryout 120: "about $0.0054" read as a forecast).
                    Some(c) => format!("at most {}, each answer run to its cap", crate::domain::estimate::format_cost(Some(c))),
                    None => format!("cost unknown: {} has no list price here", cfg.model),
                };
                format!("The meta model writes typical, edge and adversarial cases from your prompt, then reads them for realism: two calls to it, {cost}. Near-duplicates and cases it finds unrealistic are unticked; you decide what joins the table.")
            }).into_any())}</p>
            <div class="pw-row pw-row--wrap">
                <label class="pw-label pw-label--inline" for="pw-synth-n">"How many"</label>
                <NumberInput id="pw-synth-n" value=n min=1u32 max=50u32 problem=n_problem typing=n_typed/>
                // Its figure (two calls, at their caps) is in its description, as on every paid
                // button (session 42's review).
                <button type="button" class="pw-button pw-button--primary"
                    aria-describedby=move || if offered() { "pw-synth-cost pw-synth-offered" } else { "pw-synth-cost" }
                    disabled=move || busy() || offered() || !has_prompt() || n_problem.with(Option::is_some) || off_meta()
                    title=move || off_meta().then_some(super::shell::OFFLINE_TITLE)
                    on:click=move |_| s.generate(n.get_untracked())>"Suggest cases"</button>
                {crate::ui::erased::show(busy, move || view! {
                    <button type="button" data-stops="true" class="pw-button" on:click=move |_| s.stop()>"Stop"</button>
                }.into_any())}
            </div>
            {crate::ui::erased::show(offered, move || view! {
                <p class="pw-hint" id="pw-synth-offered">"Add or discard the suggestions offered below first: asking again would replace them."</p>
            }.into_any())}
            <super::shell::KeyNote roles=vec![crate::domain::provider::Role::Meta] id="pw-synth-key"/>
            {crate::ui::erased::show(move || !has_prompt(), move || view! {
                <p class="pw-hint">"Generate a prompt first: the cases are written from it."</p>
            }.into_any())}
            <p class="pw-hint" role="status">{crate::ui::erased::dynamic(move || (match s.stage.get() {
                Stage::Writing => format!("Writing cases… {} so far", written()),
                Stage::Reviewing => "Checking the cases for realism…".to_owned(),
                _ => String::new(),
            }).into_any())}</p>
            <super::notice::CallNote call=s.call/>
            <super::notice::CallNote call=s.review/>
            // Retry asks again as Suggest cases does, with its figure; not while suggestions are
            // on offer (see `offered`).
            {crate::ui::erased::dynamic(move || (s.call_error.get().map(|e| if offered() {
                // Its words say to press Retry (tryout 96: there was none): said where it is.
                view! {
                    <ErrorNotice error=e/>
                    <p class="pw-hint" id="pw-synth-retry-later">"Retry comes back here once the suggestions offered below are added or discarded."</p>
                }.into_any()
            } else {
                view! { <ErrorNotice error=e on_retry=Callback::new(move |_| s.generate(n.get_untracked())) retry_cost=Signal::derive(synth_cost)/> }.into_any()
            })).into_any())}
            {crate::ui::erased::dynamic(move || (s.error.get().map(|e| view! { <p class="pw-hint pw-hint--bad" role="alert">{e}</p> })).into_any())}
            {crate::ui::erased::dynamic(move || (s.review_note.get().map(|e| view! { <p class="pw-hint pw-hint--warn">{e}</p> })).into_any())}
            {crate::ui::erased::dynamic(move || (s.error.get().and(s.raw.get()).map(|raw| view! {
                <details class="pw-details">
                    <summary>"What the model sent"</summary>
                    <pre class="pw-code">{raw}</pre>
                </details>
            })).into_any())}
            {crate::ui::erased::dynamic(move || ({
                let left = s.left_out.get();
                (!left.is_empty()).then(|| view! {
                    <p class="pw-hint pw-hint--warn">{format!("Some suggestions were left out: {}", left.join(" "))}</p>
                })
            }).into_any())}
            {crate::ui::erased::show(move || s.stage.get() == Stage::Review && !s.picks.with(Vec::is_empty), move || view! {
                <p class="pw-output__label">"Written by the meta model: check each before keeping it"</p>
                <ol class="pw-proposals" aria-label="Suggested cases">
                    // Drawn again only when the number of proposals changes: a row redraws its
                    // own parts (`ProposalRow`).
                    {crate::ui::erased::dynamic(move || ((0..proposals.get()).map(|i| view! { <ProposalRow index=i/> }).collect_view()).into_any())}
                </ol>
                <div class="pw-row pw-row--wrap">
                    <button type="button" class="pw-button pw-button--primary" disabled=move || kept() == 0
                        on:click=move |_| { s.accept(); }>{crate::ui::erased::dynamic(move || (format!("Add {} kept case{}", kept(), if kept() == 1 { "" } else { "s" })).into_any())}</button>
                    <button type="button" class="pw-button" on:click=move |_| s.discard()>"Discard all"</button>
                </div>
            }.into_any())}
        </details>
    }
}

/// One proposed case: keep or not, its input (editable), and why it might be dropped.
#[component]
fn ProposalRow(
    /// Its index among the proposals.
    index: usize,
) -> impl IntoView {
    let s = CaseSynth::expect();
    let pick = move || s.picks.with(|p| p.get(index).cloned());
    let set = move |f: Box<dyn FnOnce(&mut crate::state::cases::Pick)>| {
        s.picks.update(|p| {
            if let Some(x) = p.get_mut(index) {
                f(x)
            }
        })
    };
    let id = format!("pw-proposal-{index}");
    // Each part redraws only when what it shows changes: an edit of the text (saved as the
    // field is left, which a click on the tick box next to it does first) redrew the tick box
    // between the press and the release, and the tick was lost (helper-54).
    let head = crate::state::reactive::memo(move |_| {
        s.picks.with(|ps| {
            ps.get(index).map(|p| {
                let mut shown = p.proposal.clone();
                shown.case = crate::domain::eval::TestCase {
                    description: p.proposal.case.description.clone(),
                    ..Default::default()
                };
                shown
            })
        })
    });
    let keep = crate::state::reactive::memo(move |_| {
        s.picks.with(|ps| ps.get(index).is_some_and(|p| p.keep))
    });
    let fields_of = crate::state::reactive::memo(move |_| {
        s.picks.with(|ps| {
            ps.get(index).map(|p| {
                (
                    p.proposal.number,
                    p.proposal.case.input.clone(),
                    p.proposal.case.vars.clone(),
                )
            })
        })
    });
    view! {
        <li class="pw-proposal">
            {crate::ui::erased::dynamic(move || (head.get().map(|proposal| {
                let dup = proposal.duplicate_of.map(|(what, score)| match what {
                    Similar::Existing(id) => format!("Near-duplicate of case #{id} ({})", alike(score)),
                    Similar::Proposal(j) => format!(
                        "Near-duplicate of suggestion {} ({})",
                        s.picks.with_untracked(|ps| ps.get(j).map_or(j + 1, |x| x.proposal.number)),
                        alike(score)
                    ),
                });
                let kind = proposal.kind.clone();
                let desc = proposal.case.description.clone();
                view! {
                    <label class="pw-check">
                        <input type="checkbox" prop:checked=move || keep.get() on:change=move |ev| { let on = event_target_checked(&ev); set(Box::new(move |x| x.keep = on)); }/>
                        {format!("Keep suggestion {}", proposal.number)}
                    </label>
                    <span class="pw-tag">{kind}</span>
                    <span class="pw-proposal__desc">{desc}</span>
                    {dup.map(|t| view! { <p class="pw-hint pw-hint--warn">{t}</p> })}
                    {proposal.unrealistic.clone().map(|t| view! { <p class="pw-hint pw-hint--warn">{format!("May be unrealistic: {t}")}</p> })}
                    {proposal.vars_note.clone().map(|t| view! { <p class="pw-hint pw-hint--warn">{format!("Its variables do not fit your prompt: {t}")}</p> })}
                }.into_any()
            })).into_any())}
            // Its earlier turns, when it is a conversation (tryout 81: not shown, so the case
            // kept seemed to have none).
            <ConversationFold case=Signal::derive(move || pick().map(|p| p.proposal.case.clone()))/>
            // The suggestion's own fields, each edited where it lives: its message, or the value
            // of each `{{variable}}` (a case for a prompt with variables has those instead).
            {crate::ui::erased::dynamic(move || ({
                let Some((number, input, vars)) = fields_of.get() else { return ().into_any() };
                let mut fields: Vec<(Option<usize>, String, String)> = Vec::new();
                if !input.is_empty() || vars.is_empty() {
                    fields.push((None, format!("Input of suggestion {number}"), input.clone()));
                }
                for (k, (name, value)) in vars.iter().enumerate() {
                    fields.push((Some(k), format!("{{{{{name}}}}} of suggestion {number}"), value.clone()));
                }
                let many = fields.len() > 1;
                fields.into_iter().map(|(var, label, value)| {
                    let fid = format!("{id}-{}", var.map_or("input".to_owned(), |k| format!("var-{k}")));
                    view! {
                        <label class=if many { "pw-label" } else { "pw-sr-only" } for=fid.clone()>{label}</label>
                        <textarea id=fid class="pw-textarea" rows="2" prop:value=value
                            on:change=move |ev| {
                                let v = event_target_value(&ev);
                                set(Box::new(move |x| match var {
                                    None => x.proposal.case.input = v,
                                    Some(k) => if let Some(slot) = x.proposal.case.vars.get_mut(k) { slot.1 = v },
                                }));
                            }></textarea>
                    }
                }).collect_view().into_any()
            }).into_any())}
            // Every field of the case, its variables and earlier turns too (tryout 106: U+2066 in
            // a variable was not named).
            {crate::ui::erased::dynamic(move || (pick().and_then(|p| p.proposal.case.hidden_marks()).map(|t| view! { <p class="pw-hint pw-hint--warn">{t}</p> })).into_any())}
            {crate::ui::erased::dynamic(move || (pick().and_then(|p| (!p.proposal.case.expected.is_empty()).then(|| view! {
                <p class="pw-hint">{format!("A good answer (a reference for the judge's checks, not a check itself): {}", p.proposal.case.expected)}</p>
            }))).into_any())}
        </li>
    }
}
