//! The panic hook: a Rust panic shows a readable message over the page instead of a blank screen.
//!
//! With `panic = "abort"` the wasm module stops right after the hook runs, so the message is built
//! with plain DOM calls and needs no Rust code to keep working (the Reload link is an ordinary link).
use std::panic::PanicHookInfo;

/// Installs the hook (also logs the panic to the console for developers).
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info: &PanicHookInfo| {
        console_error_panic_hook::hook(info);
        let detail = info.to_string();
        show_crash(&detail);
    }));
}

/// Shows the crash message over the page; safe to call more than once. `detail` is shown as text.
pub fn show_crash(detail: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(body) = document.body() else { return };
    if let Some(old) = document.get_element_by_id("pw-crash") {
        old.remove();
    }
    let build = || -> Option<()> {
        let root = document.create_element("div").ok()?;
        root.set_id("pw-crash");
        root.set_class_name("pw-crash");
        root.set_attribute("role", "alertdialog").ok()?;
        root.set_attribute("aria-labelledby", "pw-crash-title")
            .ok()?;
        let card = document.create_element("div").ok()?;
        card.set_class_name("pw-crash__card");
        let title = document.create_element("h2").ok()?;
        title.set_id("pw-crash-title");
        title.set_text_content(Some("Something went wrong inside Promptwright"));
        let text = document.create_element("p").ok()?;
        text.set_text_content(Some(
            "The page hit an internal error and stopped. Your saved work is kept in this browser. \
             Reload the page to continue; if it happens again, the details below help us fix it.",
        ));
        let reload = document.create_element("a").ok()?;
        reload.set_class_name("pw-button pw-button--primary");
        let here = web_sys::window()?.location().href().ok()?;
        reload.set_attribute("href", &here).ok()?;
        reload.set_text_content(Some("Reload the page"));
        let details = document.create_element("details").ok()?;
        let summary = document.create_element("summary").ok()?;
        summary.set_text_content(Some("Technical details"));
        let pre = document.create_element("pre").ok()?;
        pre.set_text_content(Some(detail));
        details.append_child(&summary).ok()?;
        details.append_child(&pre).ok()?;
        for child in [&title, &text, &reload, &details] {
            card.append_child(child).ok()?;
        }
        root.append_child(&card).ok()?;
        body.append_child(&root).ok()?;
        Some(())
    };
    if build().is_none() {
        body.set_text_content(Some(&format!(
            "Promptwright stopped with an internal error: {detail}"
        )));
    }
}
