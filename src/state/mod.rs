//! Reactive glue between the pure domain, the network layer and the UI: signals and hooks.

pub mod call;
pub mod cases;
pub mod draft;
pub mod engine;
pub mod entries;
pub mod generator;
pub mod keyed;
pub mod library;
pub mod note_check;
pub mod optimizer;
pub mod reactive;
pub mod reflexion;
pub mod rubric;
pub mod runner;
pub mod settings;

use leptos::prelude::*;

use crate::domain::local_model::{self, LocalModelStatus};
use crate::net;

/// The colour theme a person picked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    /// Follow the operating system (`prefers-color-scheme`).
    System,
    Light,
    Dark,
}

impl Theme {
    pub(crate) const KEY: &'static str = "pw.theme";

    pub fn as_str(self) -> &'static str {
        match self {
            Self::System => "system",
            Self::Light => "light",
            Self::Dark => "dark",
        }
    }

    fn parse(s: &str) -> Self {
        Self::read(s).unwrap_or(Self::System)
    }

    /// A saved theme; `None` when the text names none.
    pub(crate) fn read(s: &str) -> Option<Self> {
        match s {
            "system" => Some(Self::System),
            "light" => Some(Self::Light),
            "dark" => Some(Self::Dark),
            _ => None,
        }
    }

    /// The next theme in the header's toggle cycle.
    pub fn next(self) -> Self {
        match self {
            Self::System => Self::Light,
            Self::Light => Self::Dark,
            Self::Dark => Self::System,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::System => "Theme: follow system",
            Self::Light => "Theme: light",
            Self::Dark => "Theme: dark",
        }
    }
}

/// A handle to the theme, shared through context.
#[derive(Clone, Copy)]
pub struct ThemeHandle {
    pub theme: RwSignal<Theme>,
}

impl ThemeHandle {
    /// Reads the saved theme, applies it to `<html data-theme>`, and keeps both in step.
    pub fn provide() -> Self {
        let saved = net::settings::load(Theme::KEY).map_or(Theme::System, |s| Theme::parse(&s));
        let theme = RwSignal::new(saved);
        crate::state::reactive::effect(move |_| {
            let t = theme.get();
            if let Some(root) = document().document_element() {
                let _ = root.set_attribute("data-theme", t.as_str());
            }
            net::settings::save(Theme::KEY, t.as_str());
        });
        let handle = Self { theme };
        provide_context(handle);
        handle
    }

    pub fn expect() -> Self {
        expect_context()
    }
}

/// Whether the browser is online: one answer ([`net::online`]) for the offline notice, the
/// buttons that call a provider, and every call (`net::chat` refuses an address off this
/// computer while offline, with [`ErrorKind::Offline`](crate::domain::provider::ErrorKind)).
#[derive(Debug, Clone, Copy)]
pub struct Online(pub RwSignal<bool>);

impl Online {
    /// Starts following the browser's `online`/`offline` events and provides the handle.
    pub fn provide() -> Self {
        let on = RwSignal::new(net::online());
        net::watch_online(move |v| {
            on.try_set(v);
        });
        let handle = Self(on);
        provide_context(handle);
        handle
    }

    pub fn expect() -> Self {
        expect_context()
    }

    /// Whether the browser is offline and `cfg`'s address is off this computer, so a call to it
    /// cannot go (the built-in local model, on loopback, still works).
    pub fn blocks(self, cfg: &crate::domain::provider::ProviderConfig) -> bool {
        !self.0.get()
            && crate::domain::provider::offline_blocks(&crate::domain::http::host_of(&cfg.base_url))
    }
}

/// Keeps probing the local model and exposes its status: every 15 s while it answers; while it
/// does not, every 3 s for the first 30 s (it may be starting), then less and less often, up to
/// once a minute (tryout 62: 305 failed requests, each an error in the console, in a session
/// that never used it). A change of its address, and the page coming back into focus (the
/// person may have just started it), probe at once. Only while `wanted` (a job uses the local
/// model): a page whose jobs all use other models sends nothing to this computer's address
/// (session 38: it probed every 15 s to a minute all the same); choosing the local model for
/// a job probes at once.
pub fn use_local_model_status(
    base_url: Signal<String>,
    wanted: Signal<bool>,
) -> ReadSignal<LocalModelStatus> {
    let (status, set_status) = signal(LocalModelStatus::Checking);
    let alive = StoredValue::new(true);
    on_cleanup(move || alive.set_value(false));
    let poke = StoredValue::new(false);
    crate::state::reactive::effect(move |_| {
        base_url.track();
        wanted.track();
        poke.set_value(true);
    });
    let on_focus = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
        poke.try_set_value(true);
    });
    if let Some(w) = web_sys::window() {
        let _ = w.add_event_listener_with_callback(
            "focus",
            wasm_bindgen::JsCast::unchecked_ref(on_focus.as_ref()),
        );
    }
    on_focus.forget();
    leptos::task::spawn_local(async move {
        let mut misses = 0u32;
        loop {
            // Not used by any job: wait, asking nothing, until a job uses it.
            while !wanted.try_get_untracked().unwrap_or(false) {
                if !alive.try_get_value().unwrap_or(false) {
                    return;
                }
                poke.try_set_value(false);
                while !poke.try_get_value().unwrap_or(true) {
                    net::sleep(500).await;
                }
            }
            let url = format!("{}/models", base_url.get_untracked().trim_end_matches('/'));
            let next = match net::get_text(&url, 2_500).await {
                Ok(body) => LocalModelStatus::Ready {
                    model: local_model::first_model_id(&body)
                        .unwrap_or_else(|| "local model".into()),
                },
                Err(_) => LocalModelStatus::Unreachable,
            };
            if !alive.try_get_value().unwrap_or(false) {
                break;
            }
            let ready = matches!(next, LocalModelStatus::Ready { .. });
            if status.get_untracked() != next {
                set_status.set(next);
            }
            misses = if ready { 0 } else { misses + 1 };
            let wait_ms = local_model::probe_wait_ms(misses);
            poke.set_value(false);
            let mut waited = 0;
            while waited < wait_ms && !poke.try_get_value().unwrap_or(true) {
                net::sleep(500).await;
                waited += 500;
            }
        }
    });
    status
}
