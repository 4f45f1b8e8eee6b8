//! Runs the tiny model's Generate (`meta::tiny`) natively against the real local model for the
//! page's example ideas and a dozen others, judges each draft with `meta::quality::problems`,
//! and prints the drafts, their problems and the time each took. Sends the same requests the
//! page sends (built by the same codec, decoded by the same stream decoder), through `curl`.
//!
//! `cargo run -p pw-harness --bin tiny-probe [-- --only N]`; the local model must be running
//! (`PW_LOCAL_MODEL` overrides its address, default http://127.0.0.1:8081/v1).
use std::time::Instant;

use promptwright::domain::meta::{self, IdeaInput, quality, tiny::TinyDraft};
use promptwright::domain::provider::{ProviderConfig, ProviderKind, Role};
use promptwright::domain::spec::RenderStyle;
use pw_harness::local_model::complete;

/// Ideas beyond the page's four, of different kinds (writing, classifying, tutoring, planning).
pub const OTHER_IDEAS: [&str; 12] = [
    "Write product descriptions for handmade jewelry",
    "Translate legal jargon in contracts into plain English",
    "Suggest a weekly workout plan for busy parents",
    "Classify support tickets by urgency",
    "Write friendly reminders for overdue library books",
    "Help students practise Spanish vocabulary with quizzes",
    "Summarise customer reviews of a hotel",
    "Draft polite replies to job applicants who were not selected",
    "Recommend board games for a family game night",
    "Check a cover letter for spelling and grammar mistakes",
    "Plan a three-day trip itinerary for a city",
    "Answer questions about a company's return policy",
];

fn main() -> anyhow::Result<()> {
    let mut cfg = ProviderConfig::preset(ProviderKind::LlamaCpp, Role::Meta);
    if let Ok(url) = std::env::var("PW_LOCAL_MODEL") {
        cfg.base_url = url;
    }
    let args: Vec<String> = std::env::args().collect();
    let only: Option<usize> = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok());
    let ideas: Vec<&str> = meta::EXAMPLE_IDEAS
        .iter()
        .chain(OTHER_IDEAS.iter())
        .copied()
        .collect();
    let started = Instant::now();
    let mut usable = 0;
    let mut tried = 0;
    for (i, idea) in ideas.iter().enumerate() {
        if only.is_some_and(|n| n != i) {
            continue;
        }
        tried += 1;
        let t = Instant::now();
        let mut draft = TinyDraft::new(&IdeaInput {
            idea: (*idea).to_owned(),
            ..IdeaInput::default()
        });
        while let Some(req) = draft.request() {
            let text = complete(&cfg, &req)?;
            draft.accept(&text);
        }
        let spec = draft.spec();
        let problems = quality::problems(idea, &spec);
        if problems.is_empty() {
            usable += 1;
        }
        println!(
            "===== {i}: {idea} ({:.1} s) {}\n{}\n{}",
            t.elapsed().as_secs_f64(),
            if problems.is_empty() {
                "USABLE"
            } else {
                "NOT USABLE"
            },
            problems.join("\n"),
            spec.render(RenderStyle::Markdown)
        );
    }
    println!(
        "usable: {usable} of {tried}; {:.1} s in all",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
