//! The pure core of Promptwright: data types and algorithms with no IO, no clock and no browser.
//!
//! Nothing under `domain` may import leptos, web-sys, gloo, wasm-bindgen or js-sys (checked by
//! `purity_tests`, and by the native build, which does not even compile those crates).
pub mod attempt;
pub mod autosave;
pub mod diff;
pub mod draft;
pub mod engine;
pub mod estimate;
pub mod eval;
pub mod figures;
pub mod http;
pub mod lenient_json;
pub mod local_model;
pub mod meta;
pub mod optimize;
pub mod order;
pub mod partial_json;
pub mod pattern;
pub mod provider;
pub mod schema;
pub mod secrets;
pub mod share;
pub mod snippet;
pub mod sorted;
pub mod spec;
pub mod sse;
pub mod structured;
pub mod template;
pub mod wire;

#[cfg(test)]
mod fuzz;
#[cfg(test)]
mod purity_tests;
