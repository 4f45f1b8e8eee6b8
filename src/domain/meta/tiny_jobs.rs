//! The tiny built-in model's jobs besides Generate: suggested test cases, the Reflexion critique
//! and final answer, and the optimizer's new rules. Asked for the JSON every other provider gets
//! (or the long critique instructions), SmolLM2-135M writes one input four times, loops a
//! "Project Outline" to the token limit, or echoes the draft. Like [`super::tiny`], each job here
//! is a short plain completion ([`PlainCompletion`]) continuing worked examples
//! (`tiny_jobs.json`), read one line at a time, and every line is checked with the same
//! usability test as Generate's drafts ([`quality::text_problems`]): what fails is left out and
//! named, never offered as if usable.
//!
//! - Suggestions ([`TinyCases`]): one completion per case, each after the lines already written
//!   (greedy decoding repeats itself otherwise), its kind given in the line's head
//!   (`- (typical)`), in the mix of [`synth::mix`]. No realism review: the tiny model cannot.
//! - Reflexion: the critique is one line after three worked critiques ([`critique_request`]);
//!   the final answer is asked with the person's prompt as the system message and the critique
//!   as a note under the case's message, without the draft, which the tiny model copies back
//!   ([`final_request`]).
//! - Optimizer proposals: one completion lists new rules for the worst failing case
//!   ([`rules_request`], [`read_rules`]); each candidate is the best prompt with one of them added
//!   as a step, and a rule that fails [`rule_problems`] is rejected with its reason.
use serde::Deserialize;

use super::quality;
use super::tiny::{REPEAT_PENALTY, SEED, task_line};
use crate::domain::eval::synth::{self, Suggested};
use crate::domain::eval::{TestCase, fill_variables};
use crate::domain::provider::{ChatRequest, PlainCompletion};
use crate::domain::spec::{PromptSpec, RenderStyle};

const SHOTS: &str = include_str!("tiny_jobs.json");

#[derive(Deserialize)]
struct Shots {
    cases: Vec<CaseShot>,
    critiques: Vec<CritiqueShot>,
    rules: Vec<RuleShot>,
}

#[derive(Deserialize)]
struct CaseShot {
    task: String,
    typical: Vec<String>,
    edge: Vec<String>,
    adversarial: Vec<String>,
}

#[derive(Deserialize)]
struct CritiqueShot {
    task: String,
    message: String,
    draft: String,
    critique: String,
}

#[derive(Deserialize)]
struct RuleShot {
    task: String,
    message: String,
    reply: String,
    wrong: String,
    rules: Vec<String>,
}

fn shots() -> Shots {
    serde_json::from_str(SHOTS).expect("tiny_jobs.json is valid")
}

/// The bytes of a case's message, a reply or a failure shown to the tiny model at most: enough
/// for the gist, and a bound on the request.
pub const CLIP_BYTES: usize = 400;

/// The task line the tiny model works from: the idea as Generate uses it ([`task_line`]); for a
/// prompt with no idea (pasted), its persona without "You are", else its context's first line.
pub fn task_of(idea: &str, spec: &PromptSpec) -> String {
    let from_idea = task_line(idea);
    if !from_idea.is_empty() {
        return from_idea;
    }
    let persona = spec.persona.trim();
    let who = persona
        .strip_prefix("You are ")
        .or_else(|| persona.strip_prefix("you are "))
        .unwrap_or(persona);
    let line = if who.is_empty() {
        spec.context.lines().next().unwrap_or("")
    } else {
        who
    };
    let line = line.trim().trim_end_matches(['.', '!']);
    let mut c = line.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// `text` cut to at most `max` bytes at a character boundary, on one line.
fn clip_line(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.len() <= max {
        return flat;
    }
    let mut end = max;
    while !flat.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &flat[..end])
}

/// One line, trimmed, without stray quotes or a list marker.
fn clean(text: &str) -> String {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    first
        .trim_start_matches(['-', '*', '•'])
        .trim()
        .trim_matches(|c| c == '"' || c == '\u{201c}' || c == '\u{201d}')
        .trim()
        .to_owned()
}

fn plain(
    prompt: String,
    stop: &[&str],
    max_tokens: u32,
    temperature: f32,
    seed: u32,
) -> ChatRequest {
    let mut req = ChatRequest::new(None, prompt);
    req.temperature = temperature;
    req.max_tokens = max_tokens;
    req.plain = Some(PlainCompletion {
        stop: stop.iter().map(|s| (*s).to_owned()).collect(),
        repeat_penalty: REPEAT_PENALTY,
        seed,
    });
    req
}

/// The kinds of suggested cases, as written in a line's head.
const KINDS: [&str; 3] = ["typical", "edge", "adversarial"];

/// Suggested test cases on the tiny model, one line per call.
#[derive(Debug, Clone, PartialEq)]
pub struct TinyCases {
    task: String,
    variables: Vec<String>,
    /// The kind of each case asked, in order.
    kinds: Vec<&'static str>,
    /// The lines read so far (cleaned), one per kind asked.
    lines: Vec<String>,
}

impl TinyCases {
    /// `n` cases (1..=50) for `task`, in [`synth::mix`]'s proportions; `variables` are the
    /// prompt's `{{variables}}` (with exactly one, each message becomes its value).
    pub fn new(task: &str, variables: &[String], n: u32) -> Self {
        let (typical, edge, adversarial) = synth::mix(n);
        let mut kinds = Vec::new();
        kinds.extend(std::iter::repeat_n(KINDS[0], typical as usize));
        kinds.extend(std::iter::repeat_n(KINDS[1], edge as usize));
        kinds.extend(std::iter::repeat_n(KINDS[2], adversarial as usize));
        Self {
            task: task.to_owned(),
            variables: variables.to_vec(),
            kinds,
            lines: Vec::new(),
        }
    }

    /// (cases read, cases in all), for progress.
    pub fn progress(&self) -> (usize, usize) {
        (self.lines.len(), self.kinds.len())
    }

    /// The completion that asks for the next case; `None` when every case is read.
    pub fn request(&self) -> Option<ChatRequest> {
        let kind = self.kinds.get(self.lines.len())?;
        let s = shots();
        let mut p = String::new();
        for shot in &s.cases {
            p.push_str(&format!("Task: {}\n", shot.task));
            for (k, list) in KINDS
                .iter()
                .zip([&shot.typical, &shot.edge, &shot.adversarial])
            {
                for line in list {
                    p.push_str(&format!("- ({k}) {line}\n"));
                }
            }
            p.push('\n');
        }
        p.push_str(&format!("Task: {}\n", self.task));
        for (k, line) in self.kinds.iter().zip(&self.lines) {
            p.push_str(&format!("- ({k}) {line}\n"));
        }
        p.push_str(&format!("- ({kind})"));
        Some(plain(p, &["\n"], 70, 0.0, SEED))
    }

    /// Reads the completion of the current case and moves to the next.
    pub fn accept(&mut self, text: &str) {
        if self.lines.len() < self.kinds.len() {
            self.lines.push(clean(text));
        }
    }

    /// The cases read, as proposals marked against `existing` like any suggestion; a line that
    /// is empty, a placeholder, a copy of a worked example, or (for a typical case) off the task
    /// is left out with its reason.
    pub fn suggested(&self, existing: &[TestCase]) -> Suggested {
        let s = shots();
        let worked: Vec<String> = s
            .cases
            .iter()
            .flat_map(|c| c.typical.iter().chain(&c.edge).chain(&c.adversarial))
            .map(|l| norm(l))
            .collect();
        let mut out = Suggested::default();
        for (i, (kind, line)) in self.kinds.iter().zip(&self.lines).enumerate() {
            let n = i + 1;
            if worked.contains(&norm(line)) {
                out.left_out.push(format!(
                    "Suggestion {n} ({kind}) copies one of the local model's worked examples."
                ));
                continue;
            }
            let topic = if *kind == "typical" {
                self.task.as_str()
            } else {
                ""
            };
            if let Some(p) = quality::text_problems(topic, line).first() {
                out.left_out
                    .push(format!("Suggestion {n} ({kind}): {}", lower_first(p)));
                continue;
            }
            // No description: the case list shows the message itself, the tag its kind
            // (tryout 117: five rows read "A typical message" or "An unusual message").
            let mut case = TestCase {
                tags: vec![(*kind).to_owned()],
                ..TestCase::default()
            };
            match self.variables.as_slice() {
                [only] => case.vars = vec![(only.clone(), line.clone())],
                _ => case.input = line.clone(),
            }
            out.push(n, (*kind).to_owned(), case, existing);
        }
        out
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

fn norm(s: &str) -> String {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The Reflexion critique of `draft`, the answer to `message` (for a conversation case, its
/// turns as [`TestCase::shown_input`] writes them), as one plain line.
pub fn critique_request(task: &str, message: &str, draft: &str) -> ChatRequest {
    let mut p = String::new();
    for c in shots().critiques {
        p.push_str(&format!(
            "Task: {}\nMessage: {}\nDraft reply: {}\nCritique: {}\n\n",
            c.task, c.message, c.draft, c.critique
        ));
    }
    p.push_str(&format!(
        "Task: {task}\nMessage: {}\nDraft reply: {}\nCritique:",
        clip_line(message, CLIP_BYTES),
        clip_line(draft, CLIP_BYTES)
    ));
    plain(p, &["\n"], 90, 0.0, SEED)
}

/// The critique read from its completion (its first line, cleaned).
pub fn read_critique(text: &str) -> String {
    clean(text)
}

/// Words a critique uses when it talks about the draft rather than the task: a critique that
/// says "The draft is too long and gives no clear answer" is usable without naming the topic.
const CRITIQUE_WORDS: &[&str] = &[
    "draft",
    "format",
    "question",
    "missing",
    "miss",
    "long",
    "short",
    "wrong",
    "clear",
    "unclear",
    "vague",
    "list",
    "name",
    "names",
    "mention",
    "detail",
    "details",
    "specific",
    "correct",
    "incorrect",
    "tone",
    "polite",
    "rude",
    "length",
    "sentence",
    "sentences",
    "word",
    "words",
    "category",
    "explain",
    "repeat",
    "repeats",
    "empty",
    "off",
    "topic",
    "ignores",
    "ignore",
    "forgot",
    "forgets",
    "instead",
];

/// What makes a critique unusable, one plain sentence each; empty when usable: fewer than
/// four words, the draft copied back, a worked example's critique copied, or [`quality::text_problems`] (empty, a placeholder, a
/// repeated line, or off topic: sharing no word with the task, the message and the draft and
/// none of the words a critique of a draft uses, [`CRITIQUE_WORDS`]).
pub fn critique_problems(task: &str, message: &str, draft: &str, critique: &str) -> Vec<String> {
    let n = norm(critique);
    if !n.is_empty() && n.split(' ').count() < 4 {
        return vec![format!(
            "\u{201c}{}\u{201d} is too short to be a critique.",
            critique.trim()
        )];
    }
    let mut out = Vec::new();
    if !n.is_empty() && n == norm(draft) {
        out.push("It copies the draft back.".to_owned());
    }
    // Review (session 42): a worked critique copied word for word passed, its critique words
    // exempting it from the topic check.
    if !n.is_empty() && shots().critiques.iter().any(|c| norm(&c.critique) == n) {
        out.push("It copies one of the local model's worked examples.".to_owned());
    }
    let about_the_draft = n.split(' ').any(|w| CRITIQUE_WORDS.contains(&w));
    let topic = format!("{task}\n{message}\n{draft}");
    out.extend(
        quality::text_problems(&topic, critique)
            .into_iter()
            .filter(|p| !(about_the_draft && p.contains("does not mention the topic"))),
    );
    out
}

/// The final answer on the tiny model: the person's prompt as the system message, a
/// conversation case's earlier turns, then the case's message with the critique as a note (no
/// draft: the tiny model copies a draft back).
pub fn final_request(
    spec: &PromptSpec,
    style: RenderStyle,
    case: &TestCase,
    critique: &str,
    max_tokens: u32,
) -> ChatRequest {
    let user = format!(
        "{}\n\n(Your earlier answer had this problem: {})",
        case.user_message().trim(),
        critique.trim()
    );
    let mut req = ChatRequest::new(Some(fill_variables(&spec.render(style), &case.vars)), user);
    // A conversation case: its earlier turns come first, as the draft answer had them.
    req.messages.splice(0..0, case.turns.iter().cloned());
    req.max_tokens = max_tokens;
    req.temperature = 0.2;
    req
}

/// A failed case as the tiny model sees it: the message, the reply and what went wrong.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Failure {
    pub message: String,
    pub reply: String,
    pub wrong: String,
}

impl Failure {
    /// The words a rule for this failure may share with it (see [`rule_problems`]): the task,
    /// the message and what went wrong, not the reply (a rambling reply would let any rule by).
    pub fn topic(&self, task: &str) -> String {
        format!("{task}\n{}\n{}", self.message, self.wrong)
    }
}

/// The completion that lists new rules for `failure` (or, when every case passed, rules that
/// keep answers right), sampled at `temperature` with `seed`.
pub fn rules_request(task: &str, failure: &Failure, temperature: f32, seed: u32) -> ChatRequest {
    let mut p = String::new();
    for r in shots().rules {
        p.push_str(&format!(
            "Task: {}\nMessage: {}\nReply: {}\nWhat went wrong: {}\nNew rules:\n",
            r.task, r.message, r.reply, r.wrong
        ));
        for rule in &r.rules {
            p.push_str(&format!("- {rule}\n"));
        }
        p.push('\n');
    }
    let wrong = if failure.wrong.trim().is_empty() {
        "Nothing yet; the rules should keep answers like this right.".to_owned()
    } else {
        clip_line(&failure.wrong, CLIP_BYTES)
    };
    p.push_str(&format!(
        "Task: {task}\nMessage: {}\nReply: {}\nWhat went wrong: {wrong}\nNew rules:\n-",
        clip_line(&failure.message, CLIP_BYTES),
        clip_line(&failure.reply, CLIP_BYTES)
    ));
    plain(p, &["\n\n", "\nTask:"], 150, temperature, seed)
}

/// The rules of a completion, one per list line, cleaned; blank lines skipped.
pub fn read_rules(text: &str) -> Vec<String> {
    text.lines().map(clean).filter(|l| !l.is_empty()).collect()
}

/// What makes a new rule unusable for a prompt, one plain sentence each; empty when usable:
/// fewer than three words, a copy of a worked example's rule, already one of `spec`'s steps,
/// or any of [`quality::text_problems`] with `topic` (the task and the failure).
pub fn rule_problems(topic: &str, rule: &str, spec: &PromptSpec) -> Vec<String> {
    let mut out = Vec::new();
    let n = norm(rule);
    if n.split(' ').filter(|w| !w.is_empty()).count() < 3 {
        out.push(format!("\u{201c}{rule}\u{201d} is too short to be a rule."));
        return out;
    }
    if shots()
        .rules
        .iter()
        .flat_map(|r| &r.rules)
        .any(|r| norm(r) == n)
    {
        out.push("It copies one of the local model's worked examples.".to_owned());
    }
    if spec.steps.iter().any(|s| norm(s) == n) {
        out.push("It is already one of the steps.".to_owned());
    }
    out.extend(quality::text_problems(topic, rule));
    out
}

#[cfg(test)]
mod tests;
