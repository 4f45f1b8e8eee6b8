//! The settings panel: where the models are configured.
use leptos::prelude::*;

use super::icons::CloseIcon;
use crate::domain::local_model::{self, LocalModelStatus};
use crate::state::{Theme, ThemeHandle};

#[component]
pub fn SettingsPanel(
    /// Whether the panel is shown.
    open: RwSignal<bool>,
    /// Base URL of the local model's OpenAI-compatible API.
    local_url: RwSignal<String>,
    /// Whether the local model answers.
    local_status: ReadSignal<LocalModelStatus>,
) -> impl IntoView {
    let theme = ThemeHandle::expect().theme;
    let close = move || open.set(false);
    let panel_ref = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if open.get() {
            if let Some(panel) = panel_ref.get() {
                let _ = panel.focus();
            }
        }
    });
    view! {
        <Show when=move || open.get()>
            <div class="pw-overlay" on:click=move |_| close()></div>
            <div
                class="pw-drawer"
                role="dialog"
                aria-modal="true"
                aria-labelledby="pw-settings-title"
                tabindex="-1"
                node_ref=panel_ref
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        close();
                    }
                }
            >
                <header class="pw-drawer__header">
                    <h2 id="pw-settings-title">"Settings"</h2>
                    <button type="button" class="pw-icon-button" aria-label="Close settings" on:click=move |_| close()>
                        <CloseIcon/>
                    </button>
                </header>
                <section class="pw-field-group" aria-labelledby="pw-local-title">
                    <h3 id="pw-local-title">"Local model"</h3>
                    <p class="pw-hint">{move || local_status.get().hint()}</p>
                    <label class="pw-label" for="pw-local-url">"Address of the local model"</label>
                    <input
                        id="pw-local-url"
                        class="pw-input"
                        type="url"
                        prop:value=move || local_url.get()
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            local_url.set(if v.trim().is_empty() { local_model::DEFAULT_BASE_URL.to_owned() } else { v });
                        }
                    />
                </section>
                <section class="pw-field-group" aria-labelledby="pw-theme-title">
                    <h3 id="pw-theme-title">"Appearance"</h3>
                    <label class="pw-label" for="pw-theme">"Theme"</label>
                    <select
                        id="pw-theme"
                        class="pw-select"
                        on:change=move |ev| {
                            theme.set(match event_target_value(&ev).as_str() {
                                "light" => Theme::Light,
                                "dark" => Theme::Dark,
                                _ => Theme::System,
                            })
                        }
                    >
                        <option value="system" selected=move || theme.get() == Theme::System>"Follow my system"</option>
                        <option value="light" selected=move || theme.get() == Theme::Light>"Light"</option>
                        <option value="dark" selected=move || theme.get() == Theme::Dark>"Dark"</option>
                    </select>
                </section>
            </div>
        </Show>
    }
}
