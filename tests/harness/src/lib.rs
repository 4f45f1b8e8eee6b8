//! Test support for Promptwright: serves `dist/` on loopback, drives Chromium through chromedriver
//! with page-object helpers that find things the way a person does, and (later) a scripted fake
//! model provider. Used by the end-to-end tests in `tests/harness/tests/` and by the bench command.
pub mod browser;
pub mod fake_provider;
pub mod pages;
pub mod paths;
pub mod static_site;
