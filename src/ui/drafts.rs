//! Drafts and sharing: the drafts drawer (new, open, rename, duplicate, delete with undo, export,
//! import), banners for storage problems, conflicts with other tabs and saved data that could not
//! be read, the share panel, and the read-only view of a draft opened from a link.
use leptos::prelude::*;

use super::browser::{copy_text, download, file_stem};
use super::icons::CloseIcon;
use crate::domain::draft::Draft;
use crate::domain::share::{self, WARN_LINK_CHARS};
use crate::domain::spec::Section;
use crate::domain::wire::Include;
use crate::state::draft::DraftHandle;
use crate::state::library::{Library, SharedView, StorageStatus};
use crate::state::settings::SettingsHandle;

fn when(ms: f64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    format!(
        "{} {}",
        String::from(d.to_locale_date_string("default", &wasm_bindgen::JsValue::UNDEFINED)),
        String::from(d.to_locale_time_string("default"))
    )
}

/// Where the drawer goes from the open draft, asked about while a run of it is under way.
#[derive(Clone)]
enum Leave {
    /// Open the draft with this id (and name).
    Open(String, String),
    New,
    /// Copy the draft with this id (and name) and open the copy.
    Duplicate(String, String),
    /// Choose a file of drafts to import (the last one imported opens).
    Import,
}

impl Leave {
    /// The step, as the question names it: "Opening “Shopping list”".
    fn what(&self) -> String {
        match self {
            Leave::Open(_, name) => format!("Opening \u{201c}{name}\u{201d}"),
            Leave::New => "A new draft".to_owned(),
            Leave::Duplicate(_, name) => format!("Copying \u{201c}{name}\u{201d} (the copy opens)"),
            Leave::Import => "Importing drafts (the last one imported opens)".to_owned(),
        }
    }
}

/// The drafts drawer.
#[component]
pub fn DraftsPanel(
    /// Whether the drawer is shown.
    open: RwSignal<bool>,
) -> impl IntoView {
    let lib = Library::expect();
    let settings = SettingsHandle::expect();
    let close = move || open.set(false);
    let renaming = RwSignal::new(None::<String>);
    // The draft whose Delete waits for a yes (a draft with a prompt is asked about: tryout 12,
    // M5: seven versions went at one click, and a reload during the Undo toast lost them).
    let confirming = RwSignal::new(None::<String>);
    // A delete from the drawer hands the focus to its Undo once the note for this delete is
    // drawn (review: a second delete found the first one's button, about to be redrawn).
    let undo_focus = RwSignal::new(false);
    crate::state::reactive::effect(move |_| {
        if lib.deleted.with(Option::is_some) && undo_focus.get_untracked() {
            undo_focus.set(false);
            super::browser::focus_when_drawn("pw-drawer-undo".to_owned());
        }
    });
    let name_text = RwSignal::new(String::new());
    let message = RwSignal::new(None::<Result<String, String>>);
    // Opening, adding or copying a draft while a run of the open one is under way waits for a
    // yes: it stops the run, and the answers on their way are lost (tryout 62: "3 cancelled",
    // three calls paid for, with no word before).
    let runner = crate::state::runner::Runner::expect();
    let leaving = RwSignal::new(None::<Leave>);
    let open_draft = DraftHandle::expect();
    let generating = crate::state::generator::Generator::expect();
    let loop_going = move || {
        open_draft
            .draft
            .with(|x| x.loop_running() && x.optimizer.as_ref().is_some_and(|o| !o.paused))
    };
    let go = move |to: Leave| match to {
        Leave::Open(id, _) => {
            lib.open(id);
            open.set(false);
        }
        // The focus to the new draft's idea box, its first thing to fill (tryout 103: it went
        // back to the header's Drafts button).
        Leave::New => {
            lib.new_draft();
            open.set(false);
            super::browser::focus_when_drawn("pw-idea".to_owned());
        }
        Leave::Duplicate(id, _) => lib.duplicate(id),
        Leave::Import => {
            if let Some(input) = document()
                .get_element_by_id("pw-import-drafts")
                .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
            {
                input.click();
            }
        }
    };
    // The question goes with the run (it ended meanwhile) and with the drawer.
    crate::state::reactive::effect(move |_| {
        if !runner.running() || !open.get() {
            leaving.set(None);
        }
    });
    let ask = move |to: Leave| {
        if runner.running() {
            leaving.set(Some(to));
        } else {
            leaving.set(None);
            go(to);
        }
    };
    let export = move |id: Option<String>| {
        let secrets = leptos::prelude::untrack(|| settings.keys_to_withhold());
        leptos::task::spawn_local(async move {
            let stem = match &id {
                Some(i) => lib
                    .list
                    .get_untracked()
                    .into_iter()
                    .find(|m| &m.id == i)
                    // Not the key in the file's name either (tryout 107).
                    .map(|m| file_stem(&withheld_text(&m.name, &secrets)))
                    .unwrap_or_else(|| "draft".into()),
                None => "promptwright-drafts".into(),
            };
            // One draft's export is named apart from its prompt's "Download .json" (tryout 9:
            // both were `<name>.json`, two formats under one name).
            let file = match &id {
                Some(_) => format!("{stem}.promptwright.json"),
                None => format!("{stem}.json"),
            };
            let r = match lib.export(id, secrets).await {
                Ok((json, withheld)) => download(&file, "application/json", &json).map(|_| {
                    let like = key_like_note(&crate::domain::secrets::key_like(&json), "file")
                        .map(|n| format!(" {n}"))
                        .unwrap_or_default();
                    format!(
                        "Exported to {file} (in your browser's downloads).{}{like}",
                        withheld_note(withheld, "file")
                    )
                }),
                Err(e) => Err(e),
            };
            message.try_set(Some(r));
        });
    };
    let import = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        leptos::task::spawn_local(async move {
            // Read as bytes: a file that is not UTF-8 text is named, not read with its bad bytes
            // replaced (`cases_io::file_text`, as for test cases).
            let bytes = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
                .await
                .ok()
                .map(|b| js_sys::Uint8Array::new(&b).to_vec());
            let r = match bytes {
                None => Err(format!("The browser could not read {}.", file.name())),
                Some(bytes) => match crate::domain::eval::cases_io::file_text(&bytes, false) {
                    Ok(text) => lib.import(&text).await,
                    Err(e) => Err(e),
                },
            };
            message.try_set(Some(r));
        });
    };
    super::settings::close_on_escape(open, "pw-drafts-title");
    // Focus goes into the drawer when it opens, as in Settings (tryout 9: opened with Enter, it
    // stayed on the Drafts button behind the panel).
    let panel_ref = NodeRef::<leptos::html::Div>::new();
    crate::state::reactive::effect(move |_| {
        if open.get() {
            if let Some(panel) = panel_ref.get() {
                let _ = panel.focus();
            }
        }
    });
    // What the last export or import said belongs to that visit: closing the drawer clears it.
    crate::state::reactive::effect(move |_| {
        if !open.get() {
            message.set(None);
        }
    });
    view! {
        {crate::ui::erased::show(move || open.get(), move || view! {
            <div class="pw-overlay" on:click=move |_| close()></div>
            <div class="pw-drawer" role="dialog" aria-modal="true" aria-labelledby="pw-drafts-title" tabindex="-1" node_ref=panel_ref>
                <div class="pw-drawer__header">
                    <h2 id="pw-drafts-title">"Your drafts"</h2>
                    <button type="button" class="pw-icon-button" aria-label="Close drafts" on:click=move |_| close()><CloseIcon/></button>
                </div>
                <p class="pw-hint">{crate::ui::erased::dynamic(move || (if matches!(lib.status.get(), StorageStatus::Failing(_)) {
                    // Tryout 73: said while nothing could be saved.
                    "Drafts are not being saved in this browser now: the message at the top of the page says why. Nothing is sent anywhere."
                } else {
                    "Drafts are saved in this browser automatically. Nothing is sent anywhere."
                }).into_any())}</p>
                // The Undo of a delete, inside the drawer while it is open (tryout 85).
                {crate::ui::erased::dynamic(move || (lib.deleted.get().map(|r| view! {
                    <div class="pw-notice pw-notice--info pw-drawer__undo" role="status">
                        <p class="pw-notice__text">{format!("Deleted \u{201c}{}\u{201d}. Undo works until this page is reloaded or another draft is deleted.", r.draft.display_name())}</p>
                        <button type="button" id="pw-drawer-undo" tabindex="0" class="pw-button pw-button--small" on:click=move |_| lib.undo_delete()>"Undo"</button>
                        <button type="button" class="pw-icon-button" aria-label="Dismiss" on:click=move |_| lib.deleted.set(None)><CloseIcon/></button>
                    </div>
                })).into_any())}
                // Helper-63: leaving a draft whose loop runs paused it with no word before.
                {crate::ui::erased::dynamic(move || (loop_going().then(|| view! {
                    <p class="pw-hint" role="status">"This draft's optimization loop is running: opening another draft pauses it, and the calls it has under way are cut off (counted as used; they may still be billed). Back on this draft, it goes on by itself within the budget you approved when the keys its models need are in this tab (else it waits for you)."</p>
                })).into_any())}
                {crate::ui::erased::dynamic(move || (runner.running().then(|| leaving.get().map_or_else(
                    || view! {
                        <p class="pw-hint" role="status">"A run of this draft is under way: opening, adding, copying or importing a draft stops it, and the answers still on their way are lost (they may still be billed)."</p>
                    }.into_any(),
                    |to| view! {
                        <div class="pw-notice pw-notice--warn" role="alertdialog" aria-label="Stop the run?">
                            <p class="pw-notice__text">{format!(
                                "A run of this draft is under way. {} stops it, and the answers still on their way are lost (they may still be billed).",
                                to.what()
                            )}</p>
                            <div class="pw-row pw-row--wrap">
                                <button type="button" class="pw-button pw-button--danger" on:click=move |_| {
                                    // Gone after it: the file input's click passes through the
                                    // Import label, which lets it open the picker only then.
                                    if let Some(to) = leaving.get_untracked() { go(to); leaving.set(None); }
                                }>"Stop the run and go on"</button>
                                <button type="button" class="pw-button" on:click=move |_| leaving.set(None)>"Keep the run going"</button>
                            </div>
                        </div>
                    }.into_any(),
                ))).into_any())}
                <div class="pw-row pw-row--wrap">
                    <button type="button" class="pw-button pw-button--primary" on:click=move |_| ask(Leave::New)>"New draft"</button>
                    <button type="button" class="pw-button" on:click=move |_| export(None)>"Export all"</button>
                    // While a run is under way the file is chosen after the yes (the picker opens
                    // then): helper-63, an import stopped the run without a question.
                    <label class="pw-button pw-file" on:click=move |ev: leptos::ev::MouseEvent| {
                        if runner.running() && !leaving.with_untracked(|l| matches!(l, Some(Leave::Import))) {
                            ev.prevent_default();
                            leaving.set(Some(Leave::Import));
                        }
                    }>
                        "Import…"
                        <input type="file" id="pw-import-drafts" accept=".json,application/json" class="pw-sr-only" aria-label="Import drafts from a file" on:change=import/>
                    </label>
                </div>
                {crate::ui::erased::dynamic(move || (message.get().map(|m| match m {
                    Ok(t) => view! { <p class="pw-notice pw-notice--ok" role="status">{t}</p> }.into_any(),
                    Err(t) => view! { <p class="pw-notice pw-notice--error" role="alert">{t}</p> }.into_any(),
                })).into_any())}
                <ul class="pw-draft-list" aria-label="Drafts">
                    // Keyed by draft: a save that refreshes the list updates only the texts that
                    // changed, and every draft keeps its own elements (and the focus on them).
                    {crate::ui::erased::keyed_by(
                        move || lib.list.get(),
                        |m| crate::ui::erased::RowKey::Text(m.id.clone()),
                        move |m| {
                            let id = m.id.clone();
                            let meta = {
                                let id = id.clone();
                                crate::state::reactive::memo(move |_| lib.list.with(|l| l.iter().find(|x| x.id == id).cloned()).unwrap_or_else(|| m.clone()))
                            };
                            let current = {
                                let id = id.clone();
                                crate::state::reactive::memo(move |_| lib.current_id.get() == id)
                            };
                            let name = move || meta.with(|m| m.name.clone());
                            let (i1, i2, i3, i4, i5, i6) = (id.clone(), id.clone(), id.clone(), id.clone(), id.clone(), id.clone());
                            view! {
                                // A place of its own for the focus, as a result's row.
                                <li class="pw-draft-list__item" class:pw-draft-list__item--current=move || current.get() tabindex="-1">
                                    {crate::ui::erased::dynamic(move || (if renaming.get().as_deref() == Some(i1.as_str()) {
                                        let (a, b) = (i2.clone(), i2.clone());
                                        // The focus goes into the field whenever it is drawn (also
                                        // when a save redraws it), not one frame after the press.
                                        let field = NodeRef::<leptos::html::Input>::new();
                                        crate::state::reactive::effect(move |_| {
                                            if let Some(el) = field.get() {
                                                let _ = el.focus();
                                            }
                                        });
                                        view! {
                                            <div class="pw-row">
                                                <label class="pw-sr-only" for="pw-rename">"New name"</label>
                                                <input id="pw-rename" node_ref=field class="pw-input" prop:value=move || name_text.get()
                                                    on:input=move |ev| name_text.set(event_target_value(&ev))
                                                    on:keydown=move |ev| if ev.key() == "Enter" { lib.rename(a.clone(), name_text.get_untracked()); renaming.set(None); super::browser::focus_when_drawn(format!("pw-rename-{a}")); }/>
                                                // The focus goes back to the row's Rename (tryout 77: it fell to the page).
                                                <button type="button" class="pw-button pw-button--small" on:click=move |_| { lib.rename(b.clone(), name_text.get_untracked()); renaming.set(None); super::browser::focus_when_drawn(format!("pw-rename-{b}")); }>"Save name"</button>
                                            </div>
                                        }.into_any()
                                    } else {
                                        let open_id = i3.clone();
                                        view! {
                                            <button type="button" class="pw-draft-list__open" aria-current=move || current.get().then_some("true")
                                                on:click=move |_| ask(Leave::Open(open_id.clone(), name()))>
                                                <span class="pw-draft-list__name">{crate::ui::erased::dynamic(move || name().into_any())}</span>
                                                <span class="pw-draft-list__meta">{crate::ui::erased::dynamic(move || (meta.with(|m| format!("{} · {} · {}", when(m.updated_ms), crate::domain::figures::count(m.versions, "version", "versions"), crate::domain::figures::count(m.cases, "test case", "test cases")))).into_any())}</span>
                                                {crate::ui::erased::dynamic(move || (meta.with(|m| crate::domain::draft::name_marks_note(&m.own_name)).map(|t| view! { <span class="pw-draft-list__meta pw-draft-list__marks">{t}</span> })).into_any())}
                                            </button>
                                        }.into_any()
                                    }).into_any())}
                                    <div class="pw-row pw-row--wrap">
                                        <button type="button" class="pw-button pw-button--small" aria-label=move || format!("Rename {}", name())
                                            id=format!("pw-rename-{i4}")
                                            on:click=move |_| {
                                                // Pressed again while renaming: what is typed stays (tryout 77).
                                                if renaming.get_untracked().as_deref() == Some(i4.as_str()) {
                                                    super::browser::focus_when_drawn("pw-rename".to_owned());
                                                    return;
                                                }
                                                name_text.set(lib.list.get_untracked().into_iter().find(|x| x.id == i4).map(|x| if x.own_name.trim().is_empty() { x.name.trim_end_matches('\u{2026}').trim_end().to_owned() } else { x.own_name }).unwrap_or_default()); renaming.set(Some(i4.clone()));
                                            }>"Rename"</button>
                                        <button type="button" class="pw-button pw-button--small" aria-label=move || format!("Duplicate {}", name()) on:click=move |_| ask(Leave::Duplicate(i5.clone(), name()))>"Duplicate"</button>
                                        <button type="button" class="pw-button pw-button--small" aria-label=move || format!("Export {}", name()) on:click=move |_| export(Some(i6.clone()))>"Export"</button>
                                        <button type="button" class="pw-button pw-button--small pw-button--danger" aria-label=move || format!("Delete {}", name())
                                            id=format!("pw-delete-{id}")
                                            on:click={
                                                let id = id.clone();
                                                // The question takes the focus on its safe answer; a delete
                                                // leaves it on the drawer's Undo (tryout 85).
                                                move |_| if meta.with_untracked(|m| m.versions) > 0 {
                                                    confirming.set(Some(id.clone()));
                                                    super::browser::focus_when_drawn("pw-keep-draft".to_owned());
                                                } else {
                                                    lib.delete(id.clone());
                                                    undo_focus.set(true);
                                                }
                                            }>"Delete"</button>
                                    </div>
                                    {
                                        let (yes, mine) = (id.clone(), id.clone());
                                        move || (confirming.get().as_deref() == Some(mine.as_str())).then(|| {
                                            let is_open = lib.current_id.with_untracked(|c| *c == yes);
                                            let yes = yes.clone();
                                            let n = meta.with_untracked(|m| m.versions);
                                            // What deleting the open draft stops, said before the yes (helper-63:
                                            // a run or a generation under way went with no word).
                                            let stops: Vec<&str> = if is_open {
                                                [
                                                    (runner.running(), "its run under way stops (the answers on their way are lost)"),
                                                    (generating.call.running.get_untracked(), "the prompt being written stops (Undo brings back what arrived, as an incomplete version)"),
                                                    (loop_going(), "its optimization loop stops"),
                                                ]
                                                .into_iter()
                                                .filter_map(|(on, what)| on.then_some(what))
                                                .collect()
                                            } else {
                                                Vec::new()
                                            };
                                            let stops = if stops.is_empty() { String::new() } else { format!(" It is open: {}.", stops.join("; ")) };
                                            // Tryout 77: a second delete ended the first one's Undo with no word.
                                            let ends_undo = lib.deleted.with_untracked(|d| d.as_ref().map(|r| format!(" Deleting it ends the Undo of \u{201c}{}\u{201d}.", r.draft.display_name()))).unwrap_or_default();
                                            let yes2 = yes.clone();
                                            view! {
                                                <div class="pw-notice pw-notice--warn" role="alertdialog" aria-label="Delete this draft?">
                                                    <p class="pw-notice__text">{format!(
                                                        "Delete \u{201c}{}\u{201d} with its {}, cases and results?{stops} Undo is offered right after, until this page is reloaded or another draft is deleted.{ends_undo}",
                                                        name(), crate::domain::figures::count(n, "version", "versions")
                                                    )}</p>
                                                    <div class="pw-row pw-row--wrap">
                                                        <button type="button" class="pw-button pw-button--danger" on:click=move |_| {
                                                            confirming.set(None);
                                                            lib.delete(yes.clone());
                                                            undo_focus.set(true);
                                                        }>"Delete it"</button>
                                                        // The focus back on the Delete that asked (tryout 103: it went to
                                                        // the next draft's open button, and Enter opened that draft).
                                                        <button type="button" id="pw-keep-draft" class="pw-button" on:click={
                                                            let asked = format!("pw-delete-{yes2}");
                                                            move |_| {
                                                                confirming.set(None);
                                                                super::browser::focus_when_drawn(asked.clone());
                                                            }
                                                        }>"Keep it"</button>
                                                    </div>
                                                </div>
                                            }
                                        })
                                    }
                                </li>
                            }
                            .into_any()
                        },
                    )}
                </ul>
            </div>
        }.into_any())}
    }
}

/// "Saved" / "Saving…": whether the current draft is safely in the browser.
#[component]
pub fn SaveStatus() -> impl IntoView {
    let lib = Library::expect();
    let d = DraftHandle::expect();
    view! {
        <span class="pw-save" role="status" aria-live="polite">
            {crate::ui::erased::dynamic(move || (match lib.status.get() {
                _ if matches!(lib.shared.get(), Some(SharedView::Draft(_))) => {
                    "Shared draft: not saved in this browser"
                }
                _ if lib.gone.get() => "Not saved: deleted in another tab",
                StorageStatus::Loading => "Opening your drafts…",
                StorageStatus::Failing(_) => "Not saved",
                StorageStatus::Ready if lib.pending.get() || d.typing_unsaved.get() => "Saving…",
                StorageStatus::Ready => "Saved in this browser",
            }).into_any())}
        </span>
    }
}

/// The Undo bar of the last draft deleted, in the corner stack under the toasts (`ui::mod`), so
/// that neither covers the other nor the header's buttons (a toast moved over Drafts and
/// Settings while the bar showed: session 41). Nothing while a drawer is open: the drafts
/// drawer shows its own Undo (the bar would lie under that modal drawer, tryout 85), and over
/// Settings it lay on the drawer's fields at 390 px (tryout 86); it shows again once it closes.
#[component]
pub fn UndoDeleteBar(
    /// Whether a drawer is open (the drafts drawer shows its own Undo; over Settings, the bar
    /// lay on the modal drawer's fields at 390 px: tryout 86).
    #[prop(into)]
    drawer_open: Signal<bool>,
) -> impl IntoView {
    let lib = Library::expect();
    crate::ui::erased::dynamic(move || {
        (lib.deleted.get().filter(|_| !drawer_open.get()).map(|r| view! {
        <div class="pw-toast" role="status">
            <span>{format!("Deleted \u{201c}{}\u{201d}. Undo works until this page is reloaded or another draft is deleted.", r.draft.display_name())}</span>
            <button type="button" class="pw-button pw-button--small" on:click=move |_| lib.undo_delete()>"Undo"</button>
            <button type="button" class="pw-icon-button" aria-label="Dismiss" on:click=move |_| lib.deleted.set(None)><CloseIcon/></button>
        </div>
    })).into_any()
    })
}

/// Storage problems, saved data that could not be read, conflicts with other tabs, broken share
/// links.
#[component]
pub fn LibraryBanners() -> impl IntoView {
    let lib = Library::expect();
    let settings = SettingsHandle::expect();
    let exported = RwSignal::new(None::<String>);
    // What the last download of a copy as it was stored did.
    let stored_note = RwSignal::new(None::<String>);
    let export_now = move || {
        let secrets = leptos::prelude::untrack(|| settings.keys_to_withhold());
        leptos::task::spawn_local(async move {
            let r = lib
                .export(None, secrets)
                .await
                .and_then(|(json, withheld)| {
                    download("promptwright-drafts.json", "application/json", &json)
                        .map(|_| withheld)
                });
            exported.try_set(Some(match r {
                Ok(withheld) => format!(
                    "Exported to promptwright-drafts.json (in your browser's downloads).{}",
                    withheld_note(withheld, "file")
                ),
                Err(e) => e,
            }));
        });
    };
    view! {
        {crate::ui::erased::dynamic(move || (match lib.status.get() {
            StorageStatus::Failing(m) => Some(view! {
                <div class="pw-notice pw-notice--warn" role="alert">
                    <p class="pw-notice__title">"Not saved"</p>
                    <p>{m}</p>
                    // A copy as stored that the full storage had no room for: its download, and
                    // the save without it (session 47's notes: every save failed on it, unsaid).
                    {crate::ui::erased::dynamic(move || (lib.copy_blocks.get().and_then(|(id, _)| {
                        // Only for the draft open now (it was this draft's save that failed).
                        if lib.current_id.with(|c| *c != id) {
                            return None;
                        }
                        let c = lib.kept_copies.with(|v| v.iter().find(|c| c.id == id).cloned())?;
                        let name = c.name.clone();
                        Some(view! {
                            <div class="pw-row pw-row--wrap">
                                <button type="button" class="pw-button"
                                    on:click=move |_| download_as_stored(("promptwright-as-stored-", &name, ".json"), &c.text, stored_note)>
                                    {format!("Download that copy of \u{201c}{}\u{201d}", c.name)}
                                </button>
                                <button type="button" class="pw-button"
                                    on:click=move |_| lib.save_without_copy(id.clone())>
                                    "Save without keeping that copy"
                                </button>
                            </div>
                        })
                    })).into_any())}
                    <button type="button" class="pw-button" on:click=move |_| export_now()>"Export my drafts"</button>
                    {crate::ui::erased::dynamic(move || (exported.get()).into_any())}
                    {crate::ui::erased::dynamic(move || (stored_note.get().map(|m| view! { <p class="pw-hint" role="status">{m}</p> })).into_any())}
                </div>
            }),
            _ => None,
        }).into_any())}
        {crate::ui::erased::dynamic(move || ({
            let mut lost = settings.unreadable.get();
            // Only settings unreadable (a damaged "At once", say) is not said as lost data
            // (tryout 17: it read as if drafts had been lost).
            let drafts_touched = lib.damage.with(|d| !d.is_empty());
            lost.extend(lib.damage.get());
            let (title, intro) = if drafts_touched {
                ("Some data was left out", "Each line says what, and why; everything else opened as usual.")
            } else {
                ("Some settings could not be read", "Each line says which, and what is used instead; your drafts are not affected.")
            };
            (!lost.is_empty()).then(|| view! {
                <div class="pw-notice pw-notice--warn" role="alert">
                    <p class="pw-notice__title">{title}</p>
                    <p>{intro}</p>
                    <ul aria-label="What was left out">
                        {lost.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
                    </ul>
                    // Settings that did not all read are the person's too (tryout 99).
                    {crate::ui::erased::dynamic(move || (settings.as_stored.get().into_iter().map(|(what, raw)| {
                        let file_what = what.clone();
                        view! {
                            <p class="pw-hint">{format!("The {what} are kept as they were stored until you change a setting, and a copy stays in this browser.")}</p>
                            <button type="button" class="pw-button pw-button--small"
                                on:click=move |_| download_as_stored(("promptwright-", &file_what, "-as-stored.json"), &raw, stored_note)>
                                {format!("Download the {what} as they were stored")}
                            </button>
                        }
                    }).collect_view()).into_any())}
                    // A draft that does not read at all is still the person's: its stored text
                    // can be downloaded (to repair, or to send to someone who can).
                    {crate::ui::erased::dynamic(move || (lib.unreadable_raw.get().into_iter().map(|(id, raw)| {
                        let file_id = id.clone();
                        view! {
                            <button type="button" class="pw-button pw-button--small"
                                on:click=move |_| download_as_stored(("promptwright-unreadable-draft-", &file_id, ".json"), &raw, stored_note)>
                                {format!("Download the unreadable draft {id} as stored")}
                            </button>
                        }
                    }).collect_view()).into_any())}
                    // A draft that opened with parts left out, as it was stored (kept at its
                    // next save: tryout 95's next edit deleted what had not read).
                    {crate::ui::erased::dynamic(move || (lib.kept_copies.get().into_iter().map(|c| {
                        let id = c.id.clone();
                        let name = c.name.clone();
                        // Deleting is offered for a copy kept in storage only (the review of
                        // session 47: before the first save there is none, and the press gave
                        // away the one to come).
                        let delete = c.stored.then(|| view! {
                            <button type="button" class="pw-button pw-button--small"
                                on:click=move |_| lib.delete_copies(id.clone())>
                                {format!("Delete the kept copy of \u{201c}{name}\u{201d}")}
                            </button>
                        });
                        view! {
                            <div class="pw-row pw-row--wrap">
                                <button type="button" class="pw-button pw-button--small"
                                    on:click=move |_| download_as_stored(("promptwright-as-stored-", &c.name, ".json"), &c.text, stored_note)>
                                    {format!("Download \u{201c}{}\u{201d} as it was stored", c.name)}
                                </button>
                                {delete}
                            </div>
                        }
                    }).collect_view()).into_any())}
                    {crate::ui::erased::dynamic(move || (stored_note.get().map(|m| view! { <p class="pw-hint" role="status">{m}</p> })).into_any())}
                    <button type="button" class="pw-button" on:click=move |_| {
                        stored_note.set(None);
                        lib.dismiss_damage();
                        settings.unreadable.set(Vec::new());
                        settings.as_stored.set(Vec::new());
                    }>"Dismiss"</button>
                </div>
            })
        }).into_any())}
        {crate::ui::erased::show(move || lib.conflict.get().is_some(), move || view! {
            <div class="pw-notice pw-notice--warn" role="alert">
                <p class="pw-notice__title">"This draft was changed in another tab"</p>
                <p>"Both tabs changed it. Choose which version to keep; nothing has been overwritten yet. Keep both makes this tab's version a draft of its own, named with \u{201c}(kept copy)\u{201d}."</p>
                <div class="pw-row pw-row--wrap">
                    <button type="button" class="pw-button" on:click=move |_| lib.take_theirs()>"Use the other tab's version"</button>
                    <button type="button" class="pw-button" on:click=move |_| lib.keep_mine()>"Keep this tab's version"</button>
                    <button type="button" class="pw-button" on:click=move |_| lib.keep_both()>"Keep both"</button>
                </div>
            </div>
        }.into_any())}
        {crate::ui::erased::show(move || lib.gone.get(), move || view! {
            <div class="pw-notice pw-notice--warn" role="alert">
                <p class="pw-notice__title">"This draft was deleted in another tab"</p>
                <p>"What this tab shows of it is not saved any more. Keep it to store it again as it is here, or let it go."</p>
                <div class="pw-row pw-row--wrap">
                    <button type="button" class="pw-button" on:click=move |_| {
                        lib.keep_deleted();
                        // The question goes: the focus to the draft kept (tryout 74: the top
                        // of the page).
                        super::browser::focus_heading_when_drawn(&["pw-idea-title"]);
                    }>"Keep this draft"</button>
                    <button type="button" class="pw-button" on:click=move |_| lib.let_deleted_go()>"Let it go"</button>
                </div>
            </div>
        }.into_any())}
        {crate::ui::erased::dynamic(move || (match lib.shared.get() {
            Some(SharedView::Broken(m)) => Some(view! {
                <div class="pw-notice pw-notice--error" role="alert">
                    <p class="pw-notice__title">"Share link problem"</p>
                    <p>{m}</p>
                    <button type="button" class="pw-button" on:click=move |_| lib.close_shared()>"Close"</button>
                </div>
            }),
            _ => None,
        }).into_any())}
    }
}

/// A draft opened from a share link: read-only, until the person saves it as their own.
#[component]
pub fn SharedDraftView() -> impl IntoView {
    let lib = Library::expect();
    crate::ui::erased::dynamic(move || {
        ({
        let Some(SharedView::Draft(d)) = lib.shared.get() else {
            return ().into_any();
        };
        let spec = d.current_spec().cloned().unwrap_or_default();
        let rendered = spec.render(d.style);
        view! {
            <section class="pw-card pw-card--shared" aria-labelledby="pw-shared-title">
                <header class="pw-card__header">
                    <h2 id="pw-shared-title" class="pw-card__title">{format!("Shared draft: {}", d.display_name())}</h2>
                    <span class="pw-tag">"read-only"</span>
                </header>
                // Its name's characters a reader cannot see, named (tryout 102: none were).
                {crate::domain::draft::name_marks_note(&d.name).map(|t| view! { <p class="pw-hint pw-hint--warn">{t}</p> })}
                <p class="pw-hint">"Someone shared this draft with you. It is not saved in your browser until you choose to; your own drafts are untouched."</p>
                <div class="pw-row pw-row--wrap">
                    // The buttons go away with the shared draft: the focus goes to the person's
                    // own work (tryout 72: it fell to the top of the page).
                    <button type="button" class="pw-button pw-button--primary" on:click=move |_| {
                        lib.save_shared();
                        super::browser::focus_heading_when_drawn(&["pw-prompt-title", "pw-idea-title"]);
                    }>"Save as my draft"</button>
                    <button type="button" class="pw-button" on:click=move |_| {
                        lib.close_shared();
                        super::browser::focus_heading_when_drawn(&["pw-idea-title"]);
                    }>"Close"</button>
                </div>
                <p class="pw-label">"Idea"</p>
                <p>{d.idea.idea.clone()}</p>
                // A link is the sender's text: characters that show as nothing or turn it around
                // are named where they are read, as in a draft of one's own (tryout 85: a case
                // read reversed here, with no word, until saved).
                {marks_note(&d.idea.idea)}
                {Section::ALL.into_iter().filter(|s| spec.has(*s)).map(|s| view! {
                    <div class="pw-section">
                        <p class="pw-section__title">{s.title()}</p>
                        <p class="pw-output__text">{spec.section_text(s)}</p>
                        {marks_note(&spec.section_text(s))}
                    </div>
                }).collect_view()}
                <details class="pw-details">
                    <summary>"The whole prompt"</summary>
                    <pre class="pw-code">{rendered}</pre>
                </details>
                <p class="pw-hint">{format!("{} version{} included.", d.versions.len(), if d.versions.len() == 1 { "" } else { "s" })}</p>
                {shared_cases(&d)}
            </section>
        }
        .into_any()
    }).into_any()
    })
}

/// The note naming characters in `text` that show as nothing or turn it around
/// ([`crate::domain::figures::hidden_marks`]), or nothing.
fn marks_note(text: &str) -> Option<impl IntoView + use<>> {
    crate::domain::figures::hidden_marks(text)
        .map(|t| view! { <p class="pw-hint pw-hint--warn pw-shared__marks">{t}</p> })
}

/// What a shared draft's test cases are: how many, each with its checks, and whether results
/// came along; or that none did.
fn shared_cases(d: &Draft) -> impl IntoView + use<> {
    let cases = &d.suite.cases;
    // What the link carries: results of these cases for the version shown (a run record alone,
    // or results of other versions or of cases left out, are not results to see here).
    let results = d.cases_with_results();
    let earlier = match share::ResultsOffer::of(d) {
        share::ResultsOffer::EarlierOnly { versions } => versions,
        _ => Vec::new(),
    };
    let head = match (cases.len(), results) {
        (0, _) => "No test cases included.".to_owned(),
        (n, 0) if !earlier.is_empty() => format!(
            "{n} test case{} included, with run results of an earlier version ({}), not of the version shown; each case shows its result of version {}:",
            if n == 1 { "" } else { "s" },
            earlier
                .iter()
                .map(|v| format!("version {v}"))
                .collect::<Vec<_>>()
                .join(", "),
            earlier.iter().max().copied().unwrap_or_default()
        ),
        (n, 0) => format!(
            "{n} test case{} included (no results):",
            if n == 1 { "" } else { "s" }
        ),
        (n, k) if k == n => format!(
            "{n} test case{} included, with run results:",
            if n == 1 { "" } else { "s" }
        ),
        (n, k) => format!("{n} test cases included, with run results for {k} of them:"),
    };
    let global = d
        .suite
        .global
        .iter()
        .map(|a| a.describe())
        .collect::<Vec<_>>();
    // The results the link carries, shown as they came: each case's verdict and score, and its
    // answer folded, as text. When the version shown has none, the newest earlier version's,
    // named on each (tryout 9: the head said results came along and no case showed one).
    let earlier_shown = (results == 0)
        .then(|| earlier.iter().max().copied())
        .flatten();
    let shown = earlier_shown.unwrap_or(d.current);
    let run = d.run_of(shown);
    let scores = run
        .map(|r| r.scores(&d.suite, d.version(shown).map(|v| &v.spec)))
        .unwrap_or_default();
    let label = match earlier_shown {
        Some(v) => format!("Result of version {v}"),
        None => "Result".to_owned(),
    };
    let items = cases
        .iter()
        .map(|c| {
            let checks = c
                .assertions
                .iter()
                .map(|a| a.describe())
                .collect::<Vec<_>>();
            // The list numbers the cases (tryout 11, m8: a bullet and "1." read "• 1.").
            // Its first variable's value beside an input, as in the sender's list (session 46's
            // notes: cases with one input and different data read alike here).
            let summary = match c.first_value_shown() {
                Some(v) => format!("{} \u{b7} {v}", c.summary()),
                None => c.summary(),
            };
            let line = if checks.is_empty() {
                summary
            } else {
                format!("{summary} — checks: {}", checks.join("; "))
            };
            let result = run.and_then(|r| r.cases.get(&c.id)).and_then(|r| {
                use crate::domain::eval::run::Status;
                // The sender's thumbs-down when it counts as a failed check: its note goes with
                // the verdict, whichever verdict it is (tryout 93: beside a judge error it was
                // nowhere on the page).
                let down_reason = scores
                    .get(&c.id)
                    .filter(|s| s.rated_down.is_some())
                    .and(r.rating.as_ref())
                    .and_then(crate::domain::eval::rating::Rating::sender_reason);
                let verdict = match (&r.status, scores.get(&c.id)) {
                    // Without the advice that needs the sender's page (tryout 87: "press
                    // Retry in a minute", with no Retry here).
                    (Status::Failed(e), _) => format!(
                        "the call failed: {}",
                        crate::domain::provider::without_advice(e)
                    ),
                    // As the owner's row says it (tryout 47: the receiver read "fail, score 0"
                    // for a case the owner's page called "judge error" and left out of the score).
                    (Status::Done, Some(s))
                        if !s.pending
                            && !s.failed_cut_off
                            && s.verdicts.iter().any(|v| {
                                matches!(v, crate::domain::eval::Verdict::JudgeError { .. })
                            }) =>
                    {
                        // Without the sender's controls here too (tryout 98: "press Re-judge in a
                        // minute", with no Re-judge in this view).
                        let verdict = format!(
                            "judge error, left out of the score: {}",
                            crate::domain::provider::without_advice(&s.label())
                        );
                        match &down_reason {
                            Some(reason) => format!("{verdict}. Why: {reason}"),
                            None => verdict,
                        }
                    }
                    (Status::Done, Some(s)) => {
                        // The sender's thumbs-down is a failed check when their suite says so
                        // (tryout 72: it read "no checks" beside their note).
                        let checked = !s.verdicts.is_empty() || s.rated_down.is_some();
                        let word = if s.pending {
                            "judging was not finished"
                        } else if !checked {
                            "no checks"
                        } else if s.pass {
                            "pass"
                        } else {
                            "fail"
                        };
                        let verdict = match s.score {
                            Some(x) if checked => {
                                format!("{word}, score {} / 100", s.figure(x))
                            }
                            _ => word.to_owned(),
                        };
                        // Why it failed travels with the verdict (tryout 10: a bare "fail").
                        let mut why: Vec<String> = s
                            .why_failed()
                            .iter()
                            .map(|w| crate::domain::provider::without_advice(w))
                            .collect();
                        if let Some(reason) = down_reason.clone() {
                            why.push(reason);
                        }
                        match why {
                            why if why.is_empty() => verdict,
                            why => format!("{verdict}. Why: {}", why.join(" ")),
                        }
                    }
                    (Status::Done, None) => "answered".to_owned(),
                    _ => return None,
                };
                // The sender's rating of the answer, when the link carries one (a thumbs-down
                // that failed the case is in its Why above).
                let counted = scores.get(&c.id).is_some_and(|s| s.rated_down.is_some());
                let rated = r.rating.as_ref().filter(|_| !counted).map(|g| {
                    let thumb = if g.is_down() {
                        "rated down"
                    } else {
                        "rated up"
                    };
                    if g.note.is_empty() {
                        format!("The sender {thumb} this answer.")
                    } else {
                        format!("The sender {thumb} this answer: {}", g.note)
                    }
                });
                Some((verdict, r.output.clone(), rated))
            });
            let result = result.map(|(verdict, output, rated)| {
                view! {
                    <p class="pw-hint">{format!("{label}: {verdict}")}</p>
                    {rated.map(|t| view! { <p class="pw-hint">{t}</p> })}
                    // A call that failed before any text has no answer to fold open (tryout 88).
                    {(!output.is_empty()).then(|| view! {
                        <details class="pw-details">
                            <summary>{format!("Answer of case #{}", c.id)}</summary>
                            {marks_note(&output)}
                            <pre class="pw-output__text">{output.clone()}</pre>
                        </details>
                    })}
                }
            });
            let conversation = Signal::stored(Some(c.clone()));
            // Numbered by the case's #id, as the sender's page numbers it (tryout 80: by position,
            // so after a deletion "case 2" here was the sender's #3).
            let marks = c.hidden_marks().map(|t| view! { <p class="pw-hint pw-hint--warn pw-shared__marks">{t}</p> });
            view! { <li value=c.id>{line}{marks}<super::cases::ConversationFold case=conversation/>{result}</li> }
        })
        .collect_view();
    // Comparison models' results travel too, and show only once saved (tryout 48: the preview
    // listed the execution model's results alone and said nothing of the others).
    // Named as Compare models names them once saved: from their keys, the sender's label only
    // in quotes (tryout 99: the preview said "Totally Claude Opus" of gpt-4o's results).
    let mut compared: Vec<String> = Vec::new();
    for r in d
        .compared
        .iter()
        .filter(|r| r.run.version == shown && !r.run.cases.is_empty())
    {
        let label = crate::domain::eval::grid::results_label(r);
        if !compared.contains(&label) {
            compared.push(label);
        }
    }
    let compared = (!compared.is_empty()).then(|| {
        format!(
            "The results above are the execution model's. Results of {} ({}) come with the link too: save the draft to see them under Compare models.",
            crate::domain::figures::count(compared.len(), "comparison model", "comparison models"),
            compared.join(", ")
        )
    });
    view! {
        <p class="pw-hint">{head}</p>
        {compared.map(|t| view! { <p class="pw-hint">{t}</p> })}
        {(!cases.is_empty()).then(|| view! { <ol class="pw-list pw-list--ids" aria-label="Test cases included">{items}</ol> })}
        {(!global.is_empty()).then(|| view! { <p class="pw-hint">{format!("Checks for every case: {}", global.join("; "))}</p> })}
    }
}

/// `text` (a draft's name, for a file's) with the person's keys (`secrets`) taken out.
pub fn withheld_text(text: &str, secrets: &[crate::domain::provider::ApiKey]) -> String {
    let secrets: Vec<&str> = secrets.iter().map(|k| k.expose()).collect();
    crate::domain::secrets::redact(text, &secrets).0
}

/// Downloads a copy of stored data (`text`: as it was stored) as the file `prefix` + the
/// [`file_stem`] of `name` + `suffix`, with the person's keys taken out of the file and of the
/// name before it is made a file's ("[API key removed]" becomes `api-key-removed`), as an export
/// does (tryout 115: a rescue copy of a draft named with the key went out as
/// `promptwright-as-stored-sk-testkey-…json`, the key inside), and says what it did in `note`.
fn download_as_stored(
    (prefix, name, suffix): (&str, &str, &str),
    text: &str,
    note: RwSignal<Option<String>>,
) {
    let keys = untrack(|| SettingsHandle::expect().keys_to_withhold());
    let file = format!("{prefix}{}{suffix}", file_stem(&withheld_text(name, &keys)));
    let keys: Vec<&str> = keys.iter().map(|k| k.expose()).collect();
    let (text, n) = crate::domain::secrets::redact_stored(text, &keys);
    note.set(Some(match download(&file, "application/json", &text) {
        Ok(_) => format!(
            "Downloaded {file} (in your browser's downloads).{}",
            withheld_note(n, "file")
        ),
        Err(e) => e,
    }));
}

/// What the page says after a link or a file (`what`) was made from a draft that held one of
/// the person's API keys `n` times (taken out: [`crate::domain::secrets::redact`]): "" for none.
pub fn withheld_note(n: usize, what: &str) -> String {
    match n {
        0 => String::new(),
        n => format!(
            " Your API key was in what the {what} holds ({}): it has \u{201c}{}\u{201d} there instead.",
            crate::domain::figures::count(n, "time", "times"),
            crate::domain::secrets::REDACTED
        ),
    }
}

/// What the page says of text shaped like an API key (`like`, [`crate::domain::secrets::key_like`])
/// in a link or a file (`what`), which goes as it is: `None` for none.
pub fn key_like_note(like: &[String], what: &str) -> Option<String> {
    (!like.is_empty()).then(|| {
        format!(
            "The {what} carries text that looks like an API key ({}), not a key given in Settings here: it goes as it is, and anyone with the {what} can read it. Take it out if it is a real key.",
            like.join(", ")
        )
    })
}

/// The share panel: options, the link, its length, copy.
#[component]
pub fn SharePanel() -> impl IntoView {
    let d = DraftHandle::expect();
    let runner = crate::state::runner::Runner::expect();
    let lib = Library::expect();
    let history = RwSignal::new(false);
    let with_cases = RwSignal::new(true);
    let with_results = RwSignal::new(false);
    // The link copied and how the copy went: "Link copied" holds only while the link is that one.
    let copied = RwSignal::new(None::<(String, Result<(), String>)>);
    let panel_open = RwSignal::new(false);
    // What the results option can include; the tick shows only what the link carries.
    let offer = crate::state::reactive::memo(move |_| d.draft.with(share::ResultsOffer::of));
    let results_on = move || {
        with_cases.get() && with_results.get() && offer.with(|o| o.available(history.get()))
    };
    // The person's API keys, taken out of the link wherever the draft's text holds one
    // (tryout 106: a key pasted into Context went into the link).
    let settings = SettingsHandle::expect();
    let include = move || Include {
        history: history.get(),
        cases: with_cases.get(),
        results: results_on(),
    };
    // The link, or what to leave out when the draft is too large for one that opens.
    let made = crate::state::reactive::memo(move |_| {
        if d.draft.with(crate::domain::wire::holds_nothing) {
            return Err(
                "Nothing to share yet: this draft has no idea, prompt or test cases. A link to it would open as nothing."
                    .to_owned(),
            );
        }
        let keys = settings.keys_to_withhold();
        let secrets: Vec<&str> = keys.iter().map(|k| k.expose()).collect();
        let include = include();
        let frag = d
            .draft
            .with(|x| share::fragment_without(x, include, &secrets));
        let loc = window().location();
        frag.map(|frag| {
            format!(
                "{}{}{}{}",
                loc.origin().unwrap_or_default(),
                loc.pathname().unwrap_or_default(),
                loc.search().unwrap_or_default(),
                frag
            )
        })
        .map_err(|e| e.to_string())
    });
    let link = crate::state::reactive::memo(move |_| made.get().unwrap_or_default());
    // How many times a key of the person's was taken out, and text shaped like a key that goes.
    let withheld = crate::state::reactive::memo(move |_| {
        let keys = settings.keys_to_withhold();
        let secrets: Vec<&str> = keys.iter().map(|k| k.expose()).collect();
        let include = include();
        d.draft.with(|x| share::secrets_in(x, include, &secrets))
    });
    view! {
        <details class="pw-details pw-share" on:toggle=move |ev| {
            let open = ev.target().and_then(|t| js_sys::Reflect::get(&t, &"open".into()).ok()).and_then(|v| v.as_bool()).unwrap_or(false);
            panel_open.set(open);
        }>
            <summary>"Share a link"</summary>
            // Drawn only while open: the link (seven deflate passes over the draft) is made only
            // then, not on every change to the draft.
            {crate::ui::erased::show(move || panel_open.get(), move || view! {
            <p class="pw-hint">"The draft travels inside the link itself (after the #), so no server ever sees it. Your API keys are never included."</p>
            <label class="pw-check">
                <input type="checkbox" prop:checked=move || history.get() on:change=move |ev| history.set(event_target_checked(&ev))/>
                <span>"Include the version history"</span>
            </label>
            {crate::ui::erased::show(move || d.draft.with(|x| !x.suite.cases.is_empty()), move || view! {
                <label class="pw-check">
                    <input type="checkbox" prop:checked=move || with_cases.get() on:change=move |ev| with_cases.set(event_target_checked(&ev))/>
                    <span>{crate::ui::erased::dynamic(move || (match d.draft.with(|x| x.suite.cases.len()) {
                        1 => "Include the test case and its checks".to_owned(),
                        n => format!("Include the {} test cases and their checks", crate::domain::figures::grouped(n as u64)),
                    }).into_any())}</span>
                </label>
                <label class="pw-check">
                    <input type="checkbox" id="pw-share-results" aria-describedby="pw-share-results-note"
                        disabled=move || !with_cases.get() || !offer.with(|o| o.available(history.get()))
                        prop:checked=results_on on:change=move |ev| with_results.set(event_target_checked(&ev))/>
                    <span>"Include the run results (outputs, scores and your ratings)"</span>
                </label>
                <p id="pw-share-results-note" class="pw-hint" role="status">
                    {crate::ui::erased::dynamic(move || (if with_cases.get() {
                        let rated = d.draft.with(|x| x.runs.iter().any(|r| r.cases.values().any(|c| c.rating.is_some() || c.reflection.as_ref().is_some_and(|f| f.rating.is_some()))));
                        let running = runner.running() || lib.run_elsewhere();
                        let note = offer.with(|o| o.note_while(history.get(), results_on(), running));
                        match (rated, results_on()) {
                            (true, true) => format!("{note} Your ratings and notes go with the results."),
                            (true, false) => format!("{note} Your ratings and notes go only with the results."),
                            _ => note,
                        }
                    } else {
                        "Run results travel only with their test cases.".to_owned()
                    }).into_any())}
                </p>
            }.into_any())}
            {crate::ui::erased::dynamic(move || (withheld.with(|(n, _)| *n > 0).then(|| view! {
                <p class="pw-notice pw-notice--warn" role="alert" id="pw-share-withheld">{move || format!(
                    "Your API key is in what this link would carry ({}: the draft's text, its versions or results): the link has \u{201c}{}\u{201d} in its place. Take it out of the draft if it is not meant to be there.",
                    crate::domain::figures::count(withheld.with(|(n, _)| *n), "time", "times"),
                    crate::domain::secrets::REDACTED
                )}</p>
            })).into_any())}
            {crate::ui::erased::dynamic(move || (key_like_note(&withheld.with(|(_, like)| like.clone()), "link").map(|note| view! {
                <p class="pw-notice pw-notice--warn" role="alert" id="pw-share-key-like">{note}</p>
            })).into_any())}
            <label class="pw-label" for="pw-share-link">"Share link"</label>
            <input id="pw-share-link" class="pw-input pw-input--mono" readonly prop:value=move || link.get()/>
            {crate::ui::erased::dynamic(move || (match made.get() {
                Ok(l) => view! { <p class="pw-hint" role="status">{format!("{} characters", l.len())}</p> }.into_any(),
                Err(e) => view! { <p class="pw-notice pw-notice--error" role="alert">{e}</p> }.into_any(),
            }).into_any())}
            {crate::ui::erased::show(move || { link.get().len() > WARN_LINK_CHARS }, move || view! {
                <p class="pw-notice pw-notice--warn" role="alert">
                    {crate::ui::erased::dynamic(move || (format!("This link is over {} KB: some chat apps cut long links. {}", WARN_LINK_CHARS / 1024,
                        // The part that weighs most (tryout 47: 3,000 cases read "Shorten the examples").
                        match d.draft.with(|x| crate::domain::share::largest_part(x, crate::domain::wire::Include { history: history.get(), cases: with_cases.get(), results: results_on() })) {
                            crate::domain::share::LinkPart::History => "The version history weighs most: leave it out to shorten the link.",
                            crate::domain::share::LinkPart::Results => "The run results weigh most: leave them out to shorten the link.",
                            crate::domain::share::LinkPart::Cases => "The test cases weigh most: leave them out to shorten the link, or send the exported file instead.",
                            crate::domain::share::LinkPart::Prompt => {
                                let part = d.draft.with(crate::domain::share::largest_prompt_part);
                                return format!("This link is over {} KB: some chat apps cut long links. The prompt itself weighs most, {part} above all: shorten it, or send the exported file instead.", WARN_LINK_CHARS / 1024).into_any();
                            }
                        })).into_any())}
                </p>
            }.into_any())}
            <button type="button" class="pw-button pw-button--primary" disabled=move || made.with(Result::is_err) on:click=move |_| {
                let t = link.get_untracked();
                leptos::task::spawn_local(async move {
                    let r = copy_text(&t).await;
                    copied.try_set(Some((t, r)));
                });
            }>"Copy link"</button>
            {crate::ui::erased::dynamic(move || (copied.get().map(|(t, r)| match r {
                Ok(()) if link.with(|l| *l == t) => view! { <span class="pw-hint pw-hint--ok" role="status">"Link copied"</span> }.into_any(),
                // Tryout 77: "Link copied" stayed beside a link the options had changed.
                Ok(()) => view! { <span class="pw-hint pw-hint--warn" role="status">"The link changed since it was copied: copy it again."</span> }.into_any(),
                Err(m) => view! { <span class="pw-hint pw-hint--warn" role="alert">{m}</span> }.into_any(),
            })).into_any())}
            }.into_any())}
        </details>
    }
}
