//! Leptos pages and components: the app shell, the work area, and the settings panel.
use leptos::prelude::*;

pub mod browser;
pub mod cases;
pub mod crash;
pub mod drafts;
pub mod generate;
pub mod icons;
pub mod improve;
pub mod notice;
pub mod results;
pub mod settings;
pub mod shell;
pub mod workspace;

use crate::domain::local_model;
use crate::domain::provider::{ProviderKind, Role};
use crate::state::draft::{DraftHandle, Generator};
use crate::state::library::{Library, SharedView};
use crate::state::settings::SettingsHandle;
use crate::state::{self, ThemeHandle};

/// Mounts the app into `#app` (replacing the loading note) and marks the first render for the bench.
pub fn mount() {
    let document = document();
    let target = document
        .get_element_by_id("app")
        .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
        .or_else(|| document.body())
        .expect("a <body> to mount into");
    target.set_inner_html("");
    leptos::mount::mount_to(target, App).forget();
    if let Some(perf) = window().performance() {
        let _ = perf.mark("pw-shell-rendered");
    }
    // Installable and usable offline after the first visit (see public/sw.js).
    let protocol = window().location().protocol().unwrap_or_default();
    if protocol == "http:" || protocol == "https:" {
        let _ = window().navigator().service_worker().register("sw.js");
    }
}

/// The whole page: header, work area, settings panel.
#[component]
pub fn App() -> impl IntoView {
    ThemeHandle::provide();
    let settings_open = RwSignal::new(false);
    let settings = SettingsHandle::provide();
    let drafts = DraftHandle::provide();
    Generator::provide();
    let library = Library::provide(drafts);
    state::runner::Runner::provide();
    state::cases::CaseSynth::provide();
    cases::Selection::provide();
    state::optimizer::OptimizerHandle::provide();
    state::optimizer::Reflector::provide();
    state::optimizer::Critic::provide();
    let drafts_open = RwSignal::new(false);
    let step = Signal::derive(move || {
        if drafts.draft.with(|d| d.versions.is_empty()) {
            0
        } else {
            1
        }
    });
    // The local model is looked for where the llama.cpp preset points (the default address otherwise).
    let local_url = Signal::derive(move || {
        settings.roles.with(|r| {
            Role::ALL
                .iter()
                .map(|x| r.get(*x))
                .find(|c| c.kind == ProviderKind::LlamaCpp)
                .map_or_else(
                    || local_model::DEFAULT_BASE_URL.to_owned(),
                    |c| c.base_url.clone(),
                )
        })
    });
    let local_status = state::use_local_model_status(local_url);
    view! {
        <a class="pw-skip" href="#pw-main">"Skip to the work area"</a>
        <shell::Header
            local_status=local_status
            on_settings=Callback::new(move |_| settings_open.set(true))
            on_drafts=Callback::new(move |_| drafts_open.set(true))
            step=step
        />
        <main id="pw-main" class="pw-main" tabindex="-1">
            <shell::OfflineBanner/>
            <drafts::LibraryBanners/>
            {move || if matches!(library.shared.get(), Some(SharedView::Draft(_))) {
                view! { <drafts::SharedDraftView/> }.into_any()
            } else {
                view! { <workspace::Workspace local_status=local_status/> }.into_any()
            }}
        </main>
        <settings::SettingsPanel open=settings_open/>
        <drafts::DraftsPanel open=drafts_open/>
    }
}
