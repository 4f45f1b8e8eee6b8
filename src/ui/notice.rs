//! Messages shown in the page: a provider error with what to do, its technical details, and Retry.
use leptos::prelude::*;

use crate::domain::figures::count;
use crate::domain::provider::ProviderError;

/// A call's passing note while it has one: waiting for a free place at its host, or the wait
/// before a retry (tryout 13: a call waiting for a place showed only Stop). Every panel that
/// starts a call shows it, as Generate does.
#[component]
pub fn CallNote(
    /// The call whose note is shown.
    call: crate::state::call::ChatCall,
) -> impl IntoView {
    crate::ui::erased::dynamic(move || {
        ({
            call.note
                .get()
                .map(|n| view! { <p class="pw-notice pw-notice--info" role="status">{n}</p> })
        })
        .into_any()
    })
}

/// A failure explained in plain words.
#[component]
pub fn ErrorNotice(
    /// The error to explain.
    error: ProviderError,
    /// Offered as a "Retry" button when given.
    #[prop(optional)]
    on_retry: Option<Callback<()>>,
    /// What Retry may cost, beside it ([`super::cost::CostNote`]), when it spends money.
    #[prop(optional, into)]
    retry_cost: Option<Signal<Option<String>>>,
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
    // The person's own Stop is no failure: said plainly, not as an alert (tryout 92: stopping
    // Suggest cases showed a red "Stopped" block).
    let stopped = error.kind == crate::domain::provider::ErrorKind::Aborted;
    view! {
        <div class=if stopped { "pw-notice pw-notice--info pw-notice--stopped" } else { "pw-notice pw-notice--error" } role=if stopped { "status" } else { "alert" }>
            <p class="pw-notice__title">{error.title()}</p>
            <p class="pw-notice__text">{error.message()}</p>
            {(!stopped).then(|| view! {
                <details class="pw-notice__details">
                    <summary>"Technical details"</summary>
                    <pre>{details}</pre>
                </details>
            })}
            {on_retry.map(|cb| view! {
                <button type="button" class="pw-button" on:click=move |_| cb.run(())>"Retry"</button>
                {retry_cost.map(|cost| view! { <super::cost::CostNote cost=cost/> })}
            })}
        </div>
    }
}

/// Short messages about work that finished in the background ("Run finished: …"). `Copy`, in context.
#[derive(Clone, Copy)]
pub struct Toasts {
    items: RwSignal<Vec<(u64, String)>>,
    next: StoredValue<u64>,
}

impl Toasts {
    pub fn provide() -> Self {
        let t = Self {
            items: RwSignal::new(Vec::new()),
            next: StoredValue::new(0),
        };
        provide_context(t);
        t
    }

    pub fn expect() -> Self {
        expect_context()
    }

    /// Shows a message for a few seconds (at most three at once); its id, for [`Self::dismiss`].
    /// The same message shown already goes, so it is shown once, for the full time again
    /// (tryout 72: a shortcut pressed three times stacked three of it).
    pub fn push(self, text: impl Into<String>) -> u64 {
        let id = self.next.get_value() + 1;
        self.next.set_value(id);
        let text = text.into();
        self.items.update(|v| {
            v.retain(|(_, t)| *t != text);
            v.push((id, text));
            if v.len() > 3 {
                v.remove(0);
            }
        });
        set_timeout(
            move || {
                self.items
                    .try_update(|v| v.retain(|(i, _)| *i != id))
                    .unwrap_or(())
            },
            std::time::Duration::from_secs(7),
        );
        id
    }

    /// Takes a message away before its time (gone already: nothing).
    pub fn dismiss(self, id: u64) {
        self.items.update(|v| v.retain(|(i, _)| *i != id));
    }
}

/// The toast stack (bottom right), announced politely to screen readers. Escape takes the
/// messages away (tryout 102: only their Dismiss did), unless a drawer or dialog is open, which
/// Escape closes first, or something else used the key.
#[component]
pub fn ToastStack() -> impl IntoView {
    let t = Toasts::expect();
    let escape = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() != "Escape" || ev.default_prevented() || t.items.with_untracked(Vec::is_empty) {
            return;
        }
        if document()
            .query_selector("[role=dialog]")
            .ok()
            .flatten()
            .is_some()
        {
            return;
        }
        ev.prevent_default();
        t.items.set(Vec::new());
    });
    on_cleanup(move || escape.remove());
    view! {
        <div class="pw-toasts" role="status" aria-live="polite">
            {crate::ui::erased::keyed(
                move || t.items.with(|v| v.iter().map(|(id, _)| *id).collect()),
                move |id: u64| {
                    let text = t.items.with_untracked(|v| {
                        v.iter().find(|(i, _)| *i == id).map(|(_, text)| text.clone())
                    });
                    view! {
                        <div class="pw-toasts__item">
                            <span>{text}</span>
                            <button type="button" class="pw-icon-button" aria-label="Dismiss" on:click=move |_| t.dismiss(id)>"×"</button>
                        </div>
                    }
                    .into_any()
                },
            )}
        </div>
    }
}

/// What a model sent, folded, shown as text (never as HTML); nothing when it sent nothing.
#[component]
pub fn RawReply(
    /// The reply exactly as it arrived.
    raw: String,
) -> impl IntoView {
    let n = raw.chars().count();
    (!raw.trim().is_empty()).then(|| {
        view! {
            <details class="pw-notice__details pw-raw">
                <summary>{format!("What the model sent ({})", count(n, "character", "characters"))}</summary>
                <pre class="pw-raw__text" tabindex="0">{raw}</pre>
            </details>
        }
    })
}
