//! The only code that touches the network or browser storage: HTTP calls, timers, saved settings
//! (`localStorage`) and what this tab remembers across a reload (`sessionStorage`).
pub mod chat;
pub mod store;
use wasm_bindgen::{JsCast, JsValue};

use crate::domain::http::host_of;

/// A failure of a browser-side operation, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetError {
    /// The request could not be sent or got no answer (server down, CORS refusal, offline).
    #[error("could not reach {host}: {detail}")]
    Unreachable { host: String, detail: String },
    /// No answer within the time limit.
    #[error("{host} did not answer within {seconds} s")]
    Timeout { host: String, seconds: u32 },
    /// The server answered with an HTTP error.
    #[error("{host} answered HTTP {status}")]
    Status {
        host: String,
        status: u16,
        body: String,
    },
}

/// Whether the browser said it went offline (its `offline` event) since it last said `online`.
static OFFLINE_EVENT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether the browser is online: `navigator.onLine`, and no `offline` event since the last
/// `online` one. The offline notice and every call read this one answer ([`watch_online`]).
pub fn online() -> bool {
    let nav = web_sys::window().is_none_or(|w| w.navigator().on_line());
    nav && !OFFLINE_EVENT.load(std::sync::atomic::Ordering::Relaxed)
}

/// Follows the browser's `online`/`offline` events for the whole page's life: [`online`] is
/// updated, then `changed` is told the new answer.
pub fn watch_online(changed: impl Fn(bool) + Clone + 'static) {
    let Some(w) = web_sys::window() else {
        return;
    };
    for (event, offline) in [("online", false), ("offline", true)] {
        let changed = changed.clone();
        let cb = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
            OFFLINE_EVENT.store(offline, std::sync::atomic::Ordering::Relaxed);
            changed(online());
        });
        let _ = w.add_event_listener_with_callback(event, cb.as_ref().unchecked_ref());
        cb.forget();
    }
}

/// Resolves after `ms` milliseconds.
pub async fn sleep(ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let window = web_sys::window().expect("window");
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// `GET url` (the browser's `fetch`, default mode and credentials) with a time limit; returns the
/// body of a 2xx answer. Errors: `Timeout` when no answer came within `timeout_ms`,
/// `Unreachable` when the request could not be sent or got no answer, `Status` for another status.
pub async fn get_text(url: &str, timeout_ms: u32) -> Result<String, NetError> {
    let host = host_of(url);
    let controller = web_sys::AbortController::new().map_err(|e| unreachable_err(&host, &e))?;
    let signal = controller.signal();
    let timer = {
        let controller = controller.clone();
        let cb = wasm_bindgen::closure::Closure::once_into_js(move || controller.abort());
        web_sys::window()
            .expect("window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                cb.unchecked_ref(),
                timeout_ms as i32,
            )
            .ok()
    };
    let init = web_sys::RequestInit::new();
    init.set_method("GET");
    init.set_signal(Some(&signal));
    let sent = web_sys::window()
        .expect("window")
        .fetch_with_str_and_init(url, &init);
    let result = wasm_bindgen_futures::JsFuture::from(sent).await;
    if let Some(id) = timer {
        web_sys::window()
            .expect("window")
            .clear_timeout_with_handle(id);
    }
    let response: web_sys::Response = match result {
        Ok(r) => r.unchecked_into(),
        Err(_) if signal.aborted() => {
            return Err(NetError::Timeout {
                host,
                seconds: timeout_ms / 1000,
            });
        }
        Err(e) => return Err(unreachable_err(&host, &e)),
    };
    let status = response.status();
    let body = match response.text() {
        Ok(p) => wasm_bindgen_futures::JsFuture::from(p)
            .await
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    if (200..300).contains(&status) {
        Ok(body)
    } else {
        Err(NetError::Status { host, status, body })
    }
}

fn unreachable_err(host: &str, e: &JsValue) -> NetError {
    NetError::Unreachable {
        host: host.to_owned(),
        detail: e
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .unwrap_or_else(|| format!("{e:?}")),
    }
}

/// Small settings kept in `localStorage` (drafts go to IndexedDB).
pub mod settings {
    fn storage() -> Option<web_sys::Storage> {
        web_sys::window()?.local_storage().ok()?
    }

    /// The saved value, if storage is available and holds one.
    pub fn load(key: &str) -> Option<String> {
        storage()?.get_item(key).ok()?
    }

    /// Saves a value; false when storage is unavailable or full.
    pub fn save(key: &str, value: &str) -> bool {
        storage().is_some_and(|s| s.set_item(key, value).is_ok())
    }

    /// Removes a value (nothing happens when storage is unavailable).
    pub fn remove(key: &str) {
        if let Some(s) = storage() {
            let _ = s.remove_item(key);
        }
    }

    /// Every saved (name, value) whose name starts with `prefix`; empty when storage is
    /// unavailable.
    pub fn entries_with_prefix(prefix: &str) -> Vec<(String, String)> {
        storage().map_or_else(Vec::new, |s| super::entries_with_prefix_in(&s, prefix))
    }
}

thread_local! {
    /// How many times the page started to go away ([`on_leave`]); [`on_return`] compares.
    static LEAVES: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Calls `f` when the page starts to go away (`beforeunload` or `pagehide`: a reload, a closed
/// tab, another address), before its calls are aborted.
pub fn on_leave(f: impl Fn() + 'static) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    let Some(w) = web_sys::window() else {
        return;
    };
    let cb = Closure::<dyn Fn()>::new(move || {
        LEAVES.with(|n| n.set(n.get() + 1));
        f();
    });
    for event in ["beforeunload", "pagehide"] {
        let _ = w.add_event_listener_with_callback(event, cb.as_ref().unchecked_ref());
    }
    cb.forget();
}

/// Makes the field being typed in hand over what it holds, as leaving it would (a `change`
/// event, which the page's fields commit on): the page is going away, and a value typed and not
/// yet left would be lost (tryout 65: "Passes at score" typed, then a reload). A prompt
/// section's editor (`pw-section__text`) is left alone: its text is put in by
/// `DraftHandle::flush_typing` within its typing session, which leaving it would end (the next
/// keystroke on a page that stays would make another version). The focus goes back to the
/// field, without scrolling, since the page may stay after all (a navigation that became a
/// download, the back-forward cache).
pub fn commit_focused_field() {
    use wasm_bindgen::JsCast;
    let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element())
    else {
        return;
    };
    let typed_in = el.is_instance_of::<web_sys::HtmlInputElement>()
        || el.is_instance_of::<web_sys::HtmlTextAreaElement>();
    let own_flush = el
        .class_name()
        .split_whitespace()
        .any(|c| c == "pw-section__text");
    if let (true, false, Some(el)) = (typed_in, own_flush, el.dyn_ref::<web_sys::HtmlElement>()) {
        let _ = el.blur();
        let options = web_sys::FocusOptions::new();
        options.set_prevent_scroll(true);
        let _ = el.focus_with_options(&options);
    }
}

/// Calls `f` when the page is shown again after it went away without being unloaded (`pageshow`
/// from the back-forward cache), or is still here and used after it started to go away (a
/// pointer or key press after a `beforeunload` that no unload followed: a navigation that
/// became a download or was stopped): what [`on_leave`] marked is over. Once per leave (and on
/// every `pageshow`, the first load's too).
pub fn on_return(f: impl Fn() + 'static) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    let Some(w) = web_sys::window() else {
        return;
    };
    let seen = std::rc::Rc::new(std::cell::Cell::new(0u64));
    let f = std::rc::Rc::new(f);
    let (s, g) = (seen.clone(), f.clone());
    let shown = Closure::<dyn Fn()>::new(move || {
        s.set(LEAVES.with(std::cell::Cell::get));
        g();
    });
    let _ = w.add_event_listener_with_callback("pageshow", shown.as_ref().unchecked_ref());
    shown.forget();
    let used = Closure::<dyn Fn()>::new(move || {
        let leaves = LEAVES.with(std::cell::Cell::get);
        if leaves > seen.get() {
            seen.set(leaves);
            f();
        }
    });
    for event in ["pointerdown", "keydown"] {
        let _ =
            w.add_event_listener_with_callback_and_bool(event, used.as_ref().unchecked_ref(), true);
    }
    used.forget();
}

/// Small values kept in `sessionStorage`: this tab only, surviving a reload of it.
pub mod session {
    fn storage() -> Option<web_sys::Storage> {
        web_sys::window()?.session_storage().ok()?
    }

    /// The saved value, if storage is available and holds one.
    pub fn load(key: &str) -> Option<String> {
        storage()?.get_item(key).ok()?
    }

    /// Saves a value; false when storage is unavailable or full.
    pub fn save(key: &str, value: &str) -> bool {
        storage().is_some_and(|s| s.set_item(key, value).is_ok())
    }

    /// Removes a value (nothing happens when storage is unavailable).
    pub fn remove(key: &str) {
        if let Some(s) = storage() {
            let _ = s.remove_item(key);
        }
    }

    /// Every saved (name, value) whose name starts with `prefix`; empty when storage is
    /// unavailable.
    pub fn entries_with_prefix(prefix: &str) -> Vec<(String, String)> {
        storage().map_or_else(Vec::new, |s| super::entries_with_prefix_in(&s, prefix))
    }
}

/// Every (name, value) of `s` whose name starts with `prefix`.
fn entries_with_prefix_in(s: &web_sys::Storage, prefix: &str) -> Vec<(String, String)> {
    let n = s.length().unwrap_or(0);
    (0..n)
        .filter_map(|i| s.key(i).ok().flatten())
        .filter(|name| name.starts_with(prefix))
        .filter_map(|name| Some((name.clone(), s.get_item(&name).ok()??)))
        .collect()
}

/// ECMA-262 regular expressions with the page's own `RegExp`, the engine of `domain::pattern`
/// (JSON Schema's `pattern` with flag `u`, the `regex` check with promptfoo's none or `i`):
/// `Ok(Some(first match))`, `Ok(None)` when `pattern` matches nowhere in `text`, `Err` with the
/// browser's message when the pattern or the flags are not valid.
pub fn regexp_find(pattern: &str, flags: &str, text: &str) -> Result<Option<String>, String> {
    let ctor: js_sys::Function = js_sys::RegExp::new("", "").constructor();
    let args = js_sys::Array::of2(&pattern.into(), &flags.into());
    let re = js_sys::Reflect::construct(&ctor, &args).map_err(|e| {
        e.dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .unwrap_or_else(|| "not a valid regular expression".to_owned())
    })?;
    let re: js_sys::RegExp = re.unchecked_into();
    Ok(re.exec(text).and_then(|m| m.get(0).as_string()))
}
