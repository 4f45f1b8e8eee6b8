//! Small browser actions used by components: copy to the clipboard, download a file, move the
//! keyboard focus to a field drawn next, draw a long list a slice per frame, a clock for the
//! time-left figures, the pressed control kept under the pointer.
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Copies text; `Err` with a message a person can act on when the browser refuses.
pub async fn copy_text(text: &str) -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    let promise = window.navigator().clipboard().write_text(text);
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|_| {
            "The browser did not allow copying. Select the text and press Ctrl+C (Cmd+C on a Mac)."
                .to_owned()
        })
}

/// The time now (ms since the epoch, `Date.now()`), ticking once a second while `live()` is true
/// (and still when it turns false): the clock of the time-left figures (a run's, the loop's).
pub fn clock_while(live: impl Fn() -> bool + 'static) -> RwSignal<f64> {
    let now = RwSignal::new(js_sys::Date::now());
    crate::state::reactive::effect(move |_| {
        if live() {
            let handle = set_interval_with_handle(
                move || now.set(js_sys::Date::now()),
                std::time::Duration::from_millis(1000),
            )
            .ok();
            on_cleanup(move || {
                if let Some(h) = handle {
                    h.clear();
                }
            });
        }
    });
    now
}

/// Offers `text` as a file download named `name`.
pub fn download(name: &str, mime: &str, text: &str) -> Result<(), String> {
    let fail = |_| "The browser refused to create the file.".to_owned();
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement =
        document.create_element("a").map_err(fail)?.unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

pub use crate::domain::draft::file_stem;

/// Moves the keyboard focus to the element with this id once the page has drawn it (the next
/// frame): a field that opens in answer to a button ("Add case", "Rename").
pub fn focus_when_drawn(id: String) {
    focus_first_when_drawn(vec![id]);
}

/// [`focus_when_drawn`] for the first of `ids` on the page then (a check's value is one box,
/// or a pair of boxes whose first is `…-value-min`); nothing when none is.
pub fn focus_first_when_drawn(ids: Vec<String>) {
    leptos::prelude::request_animation_frame(move || {
        let doc = web_sys::window().and_then(|w| w.document());
        if let Some(el) = ids
            .iter()
            .find_map(|id| doc.as_ref()?.get_element_by_id(id))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    });
}

/// Moves the keyboard focus to the first heading (or other element) of `ids` that is on the
/// page, once it is drawn: tried each frame for about two seconds (a card that comes with a
/// draft still opening, or with the cards' code). The element becomes focusable by script
/// (`tabindex="-1"`), not by Tab. Used where the element that had the focus went away (a closed
/// shared draft, a failure notice replaced by the cards), so keyboard and screen-reader users
/// are not left at the top of the page.
pub fn focus_heading_when_drawn(ids: &'static [&'static str]) {
    fn attempt(ids: &'static [&'static str], left: u32) {
        leptos::prelude::request_animation_frame(move || {
            let doc = web_sys::window().and_then(|w| w.document());
            let found = ids.iter().find_map(|id| {
                doc.as_ref()?
                    .get_element_by_id(id)?
                    .dyn_into::<web_sys::HtmlElement>()
                    .ok()
            });
            match found {
                Some(el) => {
                    if !el.has_attribute("tabindex") {
                        let _ = el.set_attribute("tabindex", "-1");
                    }
                    let _ = el.focus();
                }
                None if left > 0 => attempt(ids, left - 1),
                None => {}
            }
        });
    }
    attempt(ids, 120);
}

/// Rows a long list draws in one frame at most when it grows by many at once.
const ROWS_PER_FRAME: usize = 20;

/// How many rows of a long list to draw now, following `target` (the rows it should show): a
/// growth of up to [`ROWS_PER_FRAME`] is drawn at once (an added case, focused next frame), a
/// larger one [`ROWS_PER_FRAME`] rows a frame (an import of 100 cases draws in five frames, so
/// no single task renders them all: issue #16's imports stalled the page 80-92 ms); a shrink is
/// at once.
pub fn drawn_in_steps(
    target: leptos::prelude::Signal<usize>,
) -> leptos::prelude::ReadSignal<usize> {
    use leptos::prelude::*;
    let start = target.get_untracked();
    let drawn = RwSignal::new(start.min(ROWS_PER_FRAME));
    let scheduled = StoredValue::new(false);
    fn step(target: Signal<usize>, drawn: RwSignal<usize>, scheduled: StoredValue<bool>) {
        if scheduled.get_value() {
            return;
        }
        scheduled.set_value(true);
        request_animation_frame(move || {
            scheduled.try_set_value(false);
            let (Some(t), Some(d)) = (target.try_get_untracked(), drawn.try_get_untracked()) else {
                return;
            };
            if d < t {
                drawn.set((d + ROWS_PER_FRAME).min(t));
                if d + ROWS_PER_FRAME < t {
                    step(target, drawn, scheduled);
                }
            }
        });
    }
    crate::state::reactive::effect(move |_| {
        let t = target.get();
        let d = drawn.get_untracked();
        if t <= d || t - d <= ROWS_PER_FRAME {
            drawn.set(t);
        } else {
            step(target, drawn, scheduled);
        }
    });
    drawn.read_only()
}

/// For a Tab key press `ev` while a modal dialog is open (the one labelled by `title_id`):
/// from its last focusable control Tab goes to its first, and Shift+Tab from its first (or from
/// the dialog itself) to its last; from outside it, into it. The focus never reaches the page
/// behind a dialog that says it is modal (WAI-ARIA Authoring Practices, Dialog (Modal):
/// "Tab: moves focus to the next tabbable element inside the dialog; if focus is on the last
/// tabbable element, moves focus to the first").
pub fn keep_tab_inside(ev: &web_sys::KeyboardEvent, title_id: &str) {
    const FOCUSABLE: &str = "a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex=\"-1\"])";
    let doc = document();
    let Some(panel) = doc
        .query_selector(&format!("[role=dialog][aria-labelledby=\"{title_id}\"]"))
        .ok()
        .flatten()
    else {
        return;
    };
    let Ok(list) = panel.query_selector_all(FOCUSABLE) else {
        return;
    };
    // Only what can take the focus now (not in a closed part, not hidden).
    let items: Vec<web_sys::HtmlElement> = (0..list.length())
        .filter_map(|i| list.get(i))
        .filter_map(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
        .filter(|e| e.offset_parent().is_some() && e.tab_index() >= 0)
        .collect();
    let (Some(first), Some(last)) = (items.first(), items.last()) else {
        return;
    };
    let active = doc.active_element();
    let inside = active
        .as_ref()
        .is_some_and(|a| panel.contains(Some(a.unchecked_ref::<web_sys::Node>())));
    let is = |e: &web_sys::HtmlElement| {
        active.as_ref().is_some_and(|a| {
            a.unchecked_ref::<web_sys::Node>() == e.unchecked_ref::<web_sys::Node>()
        })
    };
    let on_panel = active.as_ref().is_some_and(|a| {
        a.unchecked_ref::<web_sys::Node>() == panel.unchecked_ref::<web_sys::Node>()
    });
    let to = if ev.shift_key() {
        (!inside || on_panel || is(first)).then_some(last)
    } else {
        (!inside || is(last)).then_some(first)
    };
    if let Some(to) = to {
        ev.prevent_default();
        let _ = to.focus();
    }
}

/// Keeps a pressed control under the pointer while the page changes between the press and the
/// release. The browser sends `click` only when the pointer is released over the element it was
/// pressed on, and pressing moves the focus first: a section editor left for a button below it
/// makes a version, the Versions card above changes height, and the button moved away under
/// the pointer (session 46: "Critique this prompt" pressed within 0.4 s of typing sent nothing;
/// the card went from 878 to 319 px). While a mouse or pen button is held, each change of the
/// page (a `MutationObserver` callback, which runs before the release is handled) scrolls the
/// window by as much as the pressed element moved, which puts it back under the pointer: what
/// the browser's scroll anchoring does for content above the view, for the pressed control.
/// The person's own scrolling while holding is not undone; the page's scroll bar, list boxes,
/// controls in fixed or sticky parts of the page, and touch (a tap's element is chosen when the
/// finger lifts) are left alone.
pub fn keep_pressed_in_place() {
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::closure::Closure;
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some(doc) = window.document() else {
        return;
    };
    // The pressed element and its distance from the top of the view (CSS px), taken again
    // after every scroll (the person's own while holding is not undone; one the browser makes
    // as the page grows shorter is followed, after this has put the element back).
    let pressed: Rc<RefCell<Option<(web_sys::Element, f64)>>> = Rc::default();
    let on_change = {
        let pressed = Rc::clone(&pressed);
        let window = window.clone();
        Closure::<dyn Fn()>::new(move || {
            if let Some((el, top)) = pressed.borrow().as_ref()
                && el.is_connected()
            {
                let moved = el.get_bounding_client_rect().top() - top;
                if moved.abs() >= 1.0 {
                    window.scroll_by_with_x_and_y(0.0, moved);
                }
            }
        })
    };
    let on_scroll = {
        let pressed = Rc::clone(&pressed);
        Closure::<dyn Fn()>::new(move || {
            if let Some((el, top)) = pressed.borrow_mut().as_mut() {
                *top = el.get_bounding_client_rect().top();
            }
        })
    };
    let Ok(observer) = web_sys::MutationObserver::new(on_change.as_ref().unchecked_ref()) else {
        return;
    };
    on_change.forget();
    let on_down = {
        let pressed = Rc::clone(&pressed);
        let observer = observer.clone();
        let doc = doc.clone();
        let window = window.clone();
        Closure::<dyn Fn(web_sys::Event)>::new(move |ev: web_sys::Event| {
            let field = |name: &str| js_sys::Reflect::get(&ev, &name.into()).ok();
            let kind = field("pointerType")
                .and_then(|v| v.as_string())
                .unwrap_or_default();
            let primary = field("button").and_then(|v| v.as_f64()) == Some(0.0);
            let Some(el) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            else {
                return;
            };
            // The page itself (its scroll bar) is not a control; a list box opens its own
            // popup, which takes the release (the page would never hear it); a control in a
            // fixed or sticky part of the page (the Settings drawer, the corner's toasts) does
            // not move with the window's scroll.
            let page = doc.document_element().is_some_and(|r| r == el)
                || doc.body().is_some_and(|b| *b == el);
            let list_box = el.closest("select, option").ok().flatten().is_some();
            if kind == "touch" || !primary || page || list_box || pinned(&window, &el) {
                return;
            }
            let top = el.get_bounding_client_rect().top();
            *pressed.borrow_mut() = Some((el, top));
            if let Some(root) = doc.document_element() {
                let options = web_sys::MutationObserverInit::new();
                options.set_child_list(true);
                options.set_subtree(true);
                options.set_attributes(true);
                options.set_character_data(true);
                let _ = observer.observe_with_options(&root, &options);
            }
        })
    };
    let on_up = Closure::<dyn Fn()>::new(move || {
        pressed.borrow_mut().take();
        observer.disconnect();
    });
    for (kind, listener) in [
        ("pointerdown", on_down.as_ref()),
        ("pointerup", on_up.as_ref()),
        ("pointercancel", on_up.as_ref()),
        ("scroll", on_scroll.as_ref()),
    ] {
        let _ =
            window.add_event_listener_with_callback_and_bool(kind, listener.unchecked_ref(), true);
    }
    on_down.forget();
    on_up.forget();
    on_scroll.forget();
}

/// Whether `el` or a part of the page around it is `position: fixed` or `sticky`: it stays put
/// when the window scrolls.
fn pinned(window: &web_sys::Window, el: &web_sys::Element) -> bool {
    let mut at = Some(el.clone());
    while let Some(e) = at {
        let position = window
            .get_computed_style(&e)
            .ok()
            .flatten()
            .and_then(|s| s.get_property_value("position").ok())
            .unwrap_or_default();
        if position == "fixed" || position == "sticky" {
            return true;
        }
        at = e.parent_element();
    }
    false
}

/// Keeps the keyboard focus on the page when the control that holds it goes away or is turned
/// off: a control that takes itself away as it is pressed (a toast's or a notice's Dismiss or
/// Close, "Go on without a key", an offer's Keep; session 37, from the notes of tryout 77), one
/// that turns itself off as it is pressed (Run the case, Generate again), and one the page takes
/// away when its work ends (Cancel run once the run is over; tryout 101). The browser would put
/// the focus on the page's body, and Tab or a screen reader would start again from the top. One
/// rule for all: after a change of the page that removed or disabled the control that last took
/// the focus, once the browser has let the focus go to the body (looked at in the next task, so
/// the key that did it does not press what the focus goes to, then again for half a second: a
/// disabled control loses it at the next rendering), it goes to that control if it is
/// back and usable, else to the row it was in when that row is a place of its own (an element
/// focusable by script only, `tabindex="-1"`, other than the work area: a result's row, a
/// case's row, a draft in the list, a drawer, Generate's failure notice; tryout 103: Retry
/// handed it to the next case's thumbs-up, and a second Enter rated that answer), else, when
/// that row went too (a case deleted), to the row that took its place in its list, or the one
/// before it, or the list itself when no row is left, else to the next control still on the
/// page after where it was (the one after it within its part of the page first, then outward), else to the work
/// area (`#pw-main`), without scrolling.
pub fn keep_focus_when_removed() {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;
    use wasm_bindgen::closure::Closure;
    /// The control that last took the focus, when it did.
    struct Held {
        el: web_sys::Element,
        /// What came after it at each level, innermost first.
        after: Vec<Option<web_sys::Element>>,
        /// The row it was in ([`home_of`]).
        row: Option<web_sys::HtmlElement>,
        /// That row's list and its place among the list's rows ([`ROW`]).
        list: Option<(web_sys::Element, u32)>,
    }
    type Last = Rc<RefCell<Option<Held>>>;
    /// A row that is a place of its own.
    const ROW: &str = "[tabindex=\"-1\"]:not(#pw-main)";
    /// The row of `el` that is a place of its own (`tabindex="-1"`, not the work area).
    fn home_of(el: &web_sys::Element) -> Option<web_sys::HtmlElement> {
        el.parent_element()?
            .closest(ROW)
            .ok()
            .flatten()
            .filter(|h| h.is_connected())
            .and_then(|h| h.dyn_into::<web_sys::HtmlElement>().ok())
    }
    /// What the focus may be handed to: a control, but no button that spends money (one with
    /// its figure beside it, `cost::CostNote`) and no Stop or Cancel run (`data-stops`): a
    /// second press of the key would start or stop a call (tryout 102: Retry on a failed case
    /// handed the focus to the next case's Reflect; tryout 104: Generate again, Run all,
    /// Suggest cases and Critique handed it to the Stop that took their place, and a second
    /// Enter stopped the call just sent).
    const HAND_TO: &str = "button:not([disabled]):not([aria-describedby*=cost]):not([data-stops]), a[href], input:not([disabled]):not([type=hidden]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex=\"-1\"])";
    fn focusable_from(start: Option<web_sys::Element>) -> Option<web_sys::HtmlElement> {
        let mut at = start;
        while let Some(el) = at {
            let found = if el.matches(HAND_TO).unwrap_or(false) {
                Some(el.clone())
            } else {
                el.query_selector(HAND_TO).ok().flatten()
            };
            if let Some(f) = found.and_then(|f| f.dyn_into::<web_sys::HtmlElement>().ok()) {
                return Some(f);
            }
            at = el.next_element_sibling();
        }
        None
    }
    fn after_of(el: &web_sys::Element) -> Vec<Option<web_sys::Element>> {
        let mut after = Vec::new();
        let mut at = Some(el.clone());
        while let Some(e) = at {
            after.push(e.next_element_sibling());
            at = e.parent_element();
        }
        after
    }
    /// The list `row` is in and its place among that list's rows.
    fn list_of(row: &web_sys::Element) -> Option<(web_sys::Element, u32)> {
        let list = row.parent_element()?;
        let rows = list.children();
        let mut place = 0;
        for i in 0..rows.length() {
            let r = rows.item(i)?;
            if r == *row {
                return Some((list, place));
            }
            if r.matches(ROW).unwrap_or(false) {
                place += 1;
            }
        }
        None
    }
    /// In `list`, still on the page, the row now at `place` (the one after a removed row), else
    /// its last row (the one before), else the list itself or the place around it when the
    /// list has no row left (tryout 104: deleting the last case from the keyboard handed the
    /// focus to the "At once" number box further down).
    fn in_list(list: &web_sys::Element, place: u32) -> Option<web_sys::HtmlElement> {
        if !list.is_connected() {
            return None;
        }
        let rows = list.query_selector_all(":scope > [tabindex=\"-1\"]").ok()?;
        let n = rows.length();
        let pick = if n > 0 {
            rows.item(place.min(n - 1))
                .and_then(|r| r.dyn_into::<web_sys::Element>().ok())
        } else {
            list.closest(ROW).ok().flatten()
        };
        pick.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    }
    fn unusable(el: &web_sys::Element) -> bool {
        !el.is_connected() || el.has_attribute("disabled")
    }
    /// Hands the focus on when it fell to the body from `last` (`tries` more looks, 150 ms
    /// apart, while `last` is unusable and still holds it). `pending` is cleared at the end.
    fn hand_on(last: Last, pending: Rc<Cell<bool>>, tries: u32) {
        let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let Some((el, after, row, list)) = last
            .borrow()
            .as_ref()
            .map(|h| (h.el.clone(), h.after.clone(), h.row.clone(), h.list.clone()))
        else {
            pending.set(false);
            return;
        };
        // The row it was in when it took the focus, if still on the page (a removed control
        // is cut off from it), else its row now.
        let home = row.filter(|r| r.is_connected()).or_else(|| home_of(&el));
        let active = doc.active_element();
        let on_body = active
            .as_ref()
            .is_none_or(|a| doc.body().is_some_and(|b| *b == *a));
        if on_body {
            // Back and usable (a short run turned it off and on again), else what follows it.
            let back = (!unusable(&el))
                .then(|| el.clone().dyn_into::<web_sys::HtmlElement>().ok())
                .flatten();
            let after = if el.is_connected() {
                after_of(&el)
            } else {
                after
            };
            let next = back
                .or_else(|| home.clone())
                .or_else(|| list.and_then(|(l, place)| in_list(&l, place)))
                .or_else(|| {
                    after
                        .into_iter()
                        .flatten()
                        .filter(|e| e.is_connected())
                        .find_map(|e| focusable_from(Some(e)))
                })
                .or_else(|| {
                    doc.get_element_by_id("pw-main")
                        .and_then(|m| m.dyn_into::<web_sys::HtmlElement>().ok())
                });
            if let Some(next) = next {
                let options = web_sys::FocusOptions::new();
                options.set_prevent_scroll(true);
                let _ = next.focus_with_options(&options);
            }
            pending.set(false);
            return;
        }
        // Still on the control (a disabled one keeps the focus until the next rendering).
        let holds = active.is_some_and(|a| a == el);
        if tries == 0 || !unusable(&el) || !holds {
            pending.set(false);
            return;
        }
        let again = Closure::once_into_js(move || hand_on(last, pending, tries - 1));
        if let Some(w) = web_sys::window() {
            let _ =
                w.set_timeout_with_callback_and_timeout_and_arguments_0(again.unchecked_ref(), 150);
        }
    }
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let last: Last = Rc::default();
    let pending = Rc::new(Cell::new(false));
    let on_focus = {
        let last = Rc::clone(&last);
        Closure::<dyn Fn(web_sys::Event)>::new(move |ev: web_sys::Event| {
            if let Some(el) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            {
                let after = after_of(&el);
                let row = home_of(&el);
                let list = row.as_ref().and_then(|r| list_of(r));
                *last.borrow_mut() = Some(Held {
                    el,
                    after,
                    row,
                    list,
                });
            }
        })
    };
    let _ = doc.add_event_listener_with_callback_and_bool(
        "focusin",
        on_focus.as_ref().unchecked_ref(),
        true,
    );
    on_focus.forget();
    let on_change = {
        let last = Rc::clone(&last);
        let pending = Rc::clone(&pending);
        Closure::<dyn Fn()>::new(move || {
            let gone = last.borrow().as_ref().is_some_and(|h| unusable(&h.el));
            if gone && !pending.get() {
                pending.set(true);
                // Not at once: a key whose press took the control away (Enter in a field that
                // closes) would go on to press the control the focus went to (its keypress
                // comes after this callback; drafts' rename opened the next draft).
                let (last, pending) = (Rc::clone(&last), Rc::clone(&pending));
                let later = Closure::once_into_js(move || hand_on(last, pending, 4));
                if let Some(w) = web_sys::window() {
                    let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(
                        later.unchecked_ref(),
                        0,
                    );
                }
            }
        })
    };
    let Ok(observer) = web_sys::MutationObserver::new(on_change.as_ref().unchecked_ref()) else {
        return;
    };
    on_change.forget();
    if let Some(root) = doc.document_element() {
        let options = web_sys::MutationObserverInit::new();
        options.set_child_list(true);
        options.set_subtree(true);
        options.set_attribute_filter(&js_sys::Array::of1(&"disabled".into()));
        let _ = observer.observe_with_options(&root, &options);
    }
}
