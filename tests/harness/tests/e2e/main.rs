//! The end-to-end suites in one test binary: the release build served on loopback and driven
//! through ChromeDriver, against the scripted fake provider and the real local model. One binary
//! (not one per suite) so the test threads stay busy across suites instead of waiting for each
//! suite's slowest test, and so the test build links once. Run one suite with
//! `cargo test -p pw-harness --test e2e -- cases::`.
mod a11y;
mod cases;
mod conversations;
mod drafts;
mod first_hour;
mod generate;
mod grid;
mod local_jobs;
mod optimize;
mod providers;
mod ratings;
mod shell;
