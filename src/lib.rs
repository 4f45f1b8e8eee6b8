//! Promptwright turns a one-line idea into a tested, optimized system prompt, entirely in the browser.
//!
//! Layers, one direction of dependency: `ui -> state -> (domain, net)`, `net -> domain`. Only
//! `domain` is compiled natively; the browser shell exists in the wasm build alone.
pub mod domain;

#[cfg(target_arch = "wasm32")]
pub mod net;
#[cfg(target_arch = "wasm32")]
pub mod state;
#[cfg(target_arch = "wasm32")]
pub mod ui;
