//! Entry point of the wasm binary: installs the panic hook and mounts the app, nothing else.

#[cfg(target_arch = "wasm32")]
fn main() {
    promptwright::ui::crash::install_panic_hook();
    promptwright::ui::mount();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "Promptwright runs in the browser: start it with `scripts/serve.sh` (see README.md)."
    );
    std::process::exit(2);
}
