//! The page's first idea box: static HTML in `index.html`, usable while the app's code downloads
//! (issue #16: about 1.2 MB gzip, some seconds on a slow connection), and taken over by the app's
//! own idea box when it starts: what was typed there, and the caret, carry over.
//!
//! The static box is `#pw-boot-idea` inside `#app` (`public/boot.js` keeps its text in
//! `localStorage` as it is typed, for a reload after a broken download, and says when the app's
//! code could not load); [`take`] reads it just before the app
//! replaces `#app`'s content, the app puts the text into the draft before its drafts open (so
//! `state::library` keeps it the way it keeps anything typed before the drafts opened: as the
//! first draft, or as a draft of its own when another would have opened), and [`restore_focus`]
//! puts the focus and the selection back in `#pw-idea`.

use std::cell::RefCell;

use wasm_bindgen::JsCast;

/// The id of the static idea box in `index.html`.
pub const BOOT_IDEA_ID: &str = "pw-boot-idea";

/// Where `public/boot.js` keeps the static box's text as it is typed (`localStorage`), so that a
/// reload after a download that broke brings it back.
pub const KEPT_KEY: &str = "pw.boot-idea";

/// What the static idea box held when the app started.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Typed {
    /// Its text, as typed (may be empty).
    pub text: String,
    /// Whether it had the keyboard focus.
    pub focused: bool,
    /// The selection (caret when equal), in UTF-16 code units as the DOM counts them.
    pub selection: (u32, u32),
    /// Its text's scroll offset (`scrollTop`, px): a long idea shows the same lines.
    pub scroll_top: i32,
    /// Where it stood in the window (`getBoundingClientRect().top`, px): the page scrolls so
    /// that the app's idea box stands there too, not lower by the header and intro.
    pub top: f64,
}

thread_local! {
    static TYPED: RefCell<Option<Typed>> = const { RefCell::new(None) };
}

/// Reads the static idea box of `document` (before `#app` is emptied) and keeps what it held
/// for [`typed_text`] and [`restore_focus`]. Nothing is kept when the page has no such box.
pub fn take(document: &web_sys::Document) {
    let Some(area) = document
        .get_element_by_id(BOOT_IDEA_ID)
        .and_then(|e| e.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
    else {
        return;
    };
    let focused = document
        .active_element()
        .is_some_and(|a| a.id() == BOOT_IDEA_ID);
    let start = area.selection_start().ok().flatten().unwrap_or(0);
    let end = area.selection_end().ok().flatten().unwrap_or(start);
    TYPED.with(|t| {
        *t.borrow_mut() = Some(Typed {
            text: area.value(),
            focused,
            selection: (start, end),
            scroll_top: area.scroll_top(),
            top: area.get_bounding_client_rect().top(),
        })
    });
    // The text goes into the draft now (`typed_text`): the copy kept for a broken download is
    // not needed any more.
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.remove_item(KEPT_KEY);
    }
}

/// The text typed in the static idea box, once: `None` when nothing but white space was typed
/// (or it was already taken).
pub fn typed_text() -> Option<String> {
    TYPED.with(|t| {
        t.borrow_mut()
            .as_mut()
            .map(|typed| std::mem::take(&mut typed.text))
            .filter(|s| !s.trim().is_empty())
    })
}

/// Puts the focus in the app's idea box (`#pw-idea`), with the selection and scroll the static
/// box had, when the static box had the focus, and scrolls the page so that the box stands where
/// the static one stood: a person typing on goes on typing in the same place. The selection and
/// scroll are set again on the next frame (tryout 69: set at once they were lost, the caret
/// ending at the end of the text, and the box 256 px lower, 505 px on a phone).
pub fn restore_focus(document: &web_sys::Document) {
    let Some(typed) = TYPED.with(|t| t.borrow_mut().take()) else {
        return;
    };
    let Some(area) = document
        .get_element_by_id("pw-idea")
        .and_then(|e| e.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
    else {
        return;
    };
    let place = move |area: &web_sys::HtmlTextAreaElement| {
        if typed.focused {
            let _ = area.focus();
            let _ = area.set_selection_range(typed.selection.0, typed.selection.1);
            area.set_scroll_top(typed.scroll_top);
        }
    };
    place(&area);
    if !typed.focused {
        return;
    }
    leptos::prelude::request_animation_frame(move || {
        place(&area);
        let Some(w) = web_sys::window() else {
            return;
        };
        // Back to where the static box stood; again while what the app shows above it settles
        // (a notice that appears after its first check), unless the person scrolled or left
        // the box meanwhile.
        let anchor = move |area: &web_sys::HtmlTextAreaElement| {
            let moved = area.get_bounding_client_rect().top() - typed.top;
            w.scroll_by_with_x_and_y(0.0, moved);
            w.scroll_y().unwrap_or_default()
        };
        let at = anchor(&area);
        settle(area, anchor, at, &[300, 700]);
    });
}

/// Anchors the box again after each of `waits` (ms, one after the other) while the page's
/// scroll is still `at` (where the last anchoring left it) and the box has the focus.
fn settle(
    area: web_sys::HtmlTextAreaElement,
    anchor: impl Fn(&web_sys::HtmlTextAreaElement) -> f64 + 'static,
    at: f64,
    waits: &'static [u64],
) {
    let Some((&wait, rest)) = waits.split_first() else {
        return;
    };
    leptos::prelude::set_timeout(
        move || {
            let still = web_sys::window().is_some_and(|w| {
                w.scroll_y().unwrap_or_default() == at
                    && w.document()
                        .and_then(|d| d.active_element())
                        .is_some_and(|e| e.id() == "pw-idea")
            });
            if still {
                let at = anchor(&area);
                settle(area, anchor, at, rest);
            }
        },
        std::time::Duration::from_millis(wait),
    );
}
