//! The figure beside a button that spends money: what pressing it may cost, shown before it is
//! pressed (the brief: every cost shown before money is spent).
use leptos::prelude::*;

/// What a paid button may cost, shown beside it in small print: "at most $0.0042"
/// ([`calls_at_most`](crate::domain::estimate::calls_at_most)), or "cost unknown" with its reason
/// ("cost unknown: my-model has no list price here") as the title. Nothing when the figure is
/// "free" (local models: no money is spent) or there is none yet (`None`). Placed right after
/// its button, it becomes part of the button's description (`aria-describedby`), so a screen
/// reader says the figure with the button (tryout 83: it was heard apart, if at all).
#[component]
pub fn CostNote(cost: Signal<Option<String>>) -> impl IntoView {
    static IDS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let id = format!(
        "pw-cost-{}",
        IDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let span = NodeRef::<leptos::html::Span>::new();
    // The button described, to take the id off again when the figure goes (a local model) or
    // the note is dropped: no description points at nothing.
    let linked = StoredValue::new_local(None::<web_sys::Element>);
    let described = id.clone();
    let unlink = move |id: &str| {
        if let Some(button) = linked.try_update_value(Option::take).flatten() {
            let now = button.get_attribute("aria-describedby").unwrap_or_default();
            let rest: Vec<&str> = now.split_whitespace().filter(|x| *x != id).collect();
            if rest.is_empty() {
                let _ = button.remove_attribute("aria-describedby");
            } else {
                let _ = button.set_attribute("aria-describedby", &rest.join(" "));
            }
        }
    };
    let gone = id.clone();
    on_cleanup(move || unlink(&gone));
    crate::state::reactive::effect(move |_| {
        let Some(span) = span.get() else {
            unlink(&described);
            return;
        };
        let Some(button) = span
            .previous_element_sibling()
            .filter(|e| e.tag_name().eq_ignore_ascii_case("button"))
        else {
            return;
        };
        let now = button.get_attribute("aria-describedby").unwrap_or_default();
        if !now.split_whitespace().any(|x| x == described) {
            let ids = format!("{now} {described}");
            let _ = button.set_attribute("aria-describedby", ids.trim());
        }
        linked.set_value(Some(button));
    });
    crate::ui::erased::dynamic(move || {
        cost.get()
            .filter(|c| c != "free")
            .map(|c| {
                let shown = if c.starts_with("cost unknown") {
                    "cost unknown".to_owned()
                } else {
                    c.clone()
                };
                view! { <span class="pw-cost" id=id.clone() title=c node_ref=span>{shown}</span> }
            })
            .into_any()
    })
}
