//! Messages shown in the page: a provider error with what to do, its technical details, and Retry.
use leptos::prelude::*;

use crate::domain::provider::ProviderError;

/// A failure explained in plain words.
#[component]
pub fn ErrorNotice(
    /// The error to explain.
    error: ProviderError,
    /// Offered as a "Retry" button when given.
    #[prop(optional)]
    on_retry: Option<Callback<()>>,
) -> impl IntoView {
    let details = {
        let mut d = Vec::new();
        d.push(format!("Provider: {}", error.provider.label()));
        d.push(format!("Host: {}", error.host));
        if let Some(s) = error.status {
            d.push(format!("HTTP status: {s}"));
        }
        if !error.detail.is_empty() {
            d.push(format!("Provider says: {}", error.detail));
        }
        d.join("\n")
    };
    view! {
        <div class="pw-notice pw-notice--error" role="alert">
            <p class="pw-notice__title">{error.title()}</p>
            <p class="pw-notice__text">{error.message()}</p>
            <details class="pw-notice__details">
                <summary>"Technical details"</summary>
                <pre>{details}</pre>
            </details>
            {on_retry.map(|cb| view! {
                <button type="button" class="pw-button" on:click=move |_| cb.run(())>"Retry"</button>
            })}
        </div>
    }
}
