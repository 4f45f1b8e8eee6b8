//! Inline SVG icons (no icon font, nothing fetched); each is decorative and hidden from screen readers.
use leptos::prelude::*;

/// The product mark: a quill over a spark.
#[component]
pub fn Logo() -> impl IntoView {
    view! {
        <svg class="pw-logo" viewBox="0 0 32 32" width="28" height="28" aria-hidden="true" focusable="false">
            <rect x="1" y="1" width="30" height="30" rx="8" fill="var(--pw-accent)"/>
            <path d="M9 23c5-1 10-6 13-13l1.5-1.5M9 23l3-7 6-6" fill="none" stroke="var(--pw-on-accent)"
                stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round"/>
            <circle cx="22.5" cy="21.5" r="2" fill="var(--pw-on-accent)"/>
        </svg>
    }
}

/// A gear, for Settings.
#[component]
pub fn GearIcon() -> impl IntoView {
    view! {
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
            <circle cx="12" cy="12" r="3.2" fill="none" stroke="currentColor" stroke-width="1.8"/>
            <path d="M12 2.8v2.6M12 18.6v2.6M21.2 12h-2.6M5.4 12H2.8M18.5 5.5l-1.8 1.8M7.3 16.7l-1.8 1.8M18.5 18.5l-1.8-1.8M7.3 7.3L5.5 5.5"
                fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round"/>
        </svg>
    }
}

/// Half-filled circle, for the theme switch.
#[component]
pub fn ThemeIcon() -> impl IntoView {
    view! {
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
            <circle cx="12" cy="12" r="8.5" fill="none" stroke="currentColor" stroke-width="1.8"/>
            <path d="M12 3.5a8.5 8.5 0 0 1 0 17z" fill="currentColor"/>
        </svg>
    }
}

/// A cross, for closing panels.
#[component]
pub fn CloseIcon() -> impl IntoView {
    view! {
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
            <path d="M6 6l12 12M18 6L6 18" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"/>
        </svg>
    }
}

/// A thumb, up (`down` false) or down, for the person's rating of an answer.
#[component]
pub fn ThumbIcon(
    /// Point the thumb down.
    down: bool,
) -> impl IntoView {
    view! {
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false"
            class=if down { "pw-thumb pw-thumb--down" } else { "pw-thumb" }>
            <path d="M7 10v10H3.5V10zM7 10l4.2-7.2c1.3 0 2.3 1.1 2.1 2.4L12.8 9H19a2 2 0 0 1 2 2.3l-1.3 7A2 2 0 0 1 17.7 20H7"
                fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round"/>
        </svg>
    }
}
