//! The figure beside a button that spends money: what pressing it may cost, shown before it is
//! pressed (the brief: every cost shown before money is spent).
use leptos::prelude::*;

/// What a paid button may cost, shown beside it in small print: "at most $0.0042"
/// ([`calls_at_most`](crate::domain::estimate::calls_at_most)), or "cost unknown" with its reason
/// ("cost unknown: my-model has no list price here") as the title. Nothing when the figure is
/// "free" (local models: no money is spent) or there is none yet (`None`).
#[component]
pub fn CostNote(cost: Signal<Option<String>>) -> impl IntoView {
    crate::ui::erased::dynamic(move || {
        cost.get()
            .filter(|c| c != "free")
            .map(|c| {
                let shown = if c.starts_with("cost unknown") {
                    "cost unknown".to_owned()
                } else {
                    c.clone()
                };
                view! { <span class="pw-cost" title=c>{shown}</span> }
            })
            .into_any()
    })
}
