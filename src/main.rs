//! Entry point of the wasm binary: installs the panic hook and the page's regular-expression
//! engine, and mounts the app, nothing else.

#[cfg(target_arch = "wasm32")]
fn main() {
    promptwright::ui::crash::install_panic_hook();
    // JSON Schema patterns and the regex check are ECMA-262 regular expressions (promptfoo runs
    // `new RegExp(value)`): the page's own RegExp runs them.
    promptwright::domain::pattern::install(promptwright::net::regexp_find);
    promptwright::ui::mount();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "Promptwright runs in the browser: start it with `scripts/serve.sh` (see README.md)."
    );
    std::process::exit(2);
}
