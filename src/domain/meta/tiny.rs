//! Generate for the tiny built-in model (SmolLM2-135M-Instruct on llama.cpp). Asked for the
//! analysis-first JSON that every other provider gets, a model this small fills the sections
//! with their own names ("PERSONA", seven "ANALYSIS" steps). It does far better continuing
//! worked examples as plain text, one part at a time: each part is a short plain completion
//! ([`PlainCompletion`]) of three worked tasks (`tiny_shots.json`) followed by the person's task,
//! stopped at the end of the part, greedy (temperature 0) with a mild repeat penalty.
//!
//! The one-line parts (persona, context, format) show three more worked tasks than the others.
//! Seven calls, in order: persona, context, steps, format, then one example per kind (typical,
//! harder, missing details; input and output in one completion, and one more for the reply
//! when the model stops after the input). On two idle cores each takes one to three seconds. A
//! part whose text fails the draft check for its section ([`quality::section_problems`]: empty,
//! a placeholder, a loop, or for the four sections no word of the idea) is asked again, sampled
//! with another seed, at most [`RETRIES`] times; the last try is kept either way and the whole
//! draft's check names what is still wrong. [`TinyDraft`] holds the draft so far; the shell sends [`TinyDraft::request`],
//! feeds the reply to [`TinyDraft::accept`] and repeats until it is done.
use serde::Deserialize;

use super::{IdeaInput, quality};
use crate::domain::provider::{ChatRequest, PlainCompletion};
use crate::domain::spec::{Example, PromptSpec, Section, strip_list_marker};

const SHOTS: &str = include_str!("tiny_shots.json");

/// The penalty on recently used tokens: 1.1 stops loops; 1.2 and above also penalises the
/// newlines and numbers of a list, so steps run together.
pub const REPEAT_PENALTY: f32 = 1.1;
/// The sampling seed (greedy decoding does not use it; sent so a request repeats exactly if
/// the temperature is raised in Settings).
pub const SEED: u32 = 7;
/// Steps kept at most (the completion stops before a seventh).
pub const MAX_STEPS: usize = 6;

#[derive(Deserialize)]
struct Shots {
    kinds: [String; 3],
    shots: Vec<Shot>,
    more_lines: Vec<Lines>,
}

/// A task shown only in the one-line parts.
#[derive(Deserialize)]
struct Lines {
    task: String,
    persona: String,
    context: String,
    format: String,
}

#[derive(Deserialize)]
struct Shot {
    task: String,
    persona: String,
    context: String,
    steps: Vec<String>,
    format: String,
    examples: [(String, String); 3],
}

fn shots() -> Shots {
    serde_json::from_str(SHOTS).expect("tiny_shots.json is valid")
}

/// One part of the draft, asked in its own completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Persona,
    Context,
    Steps,
    Format,
    /// The example of kind 0 (typical), 1 (harder) or 2 (missing details).
    Example(usize),
}

/// The parts in the order they are asked.
pub const PARTS: [Part; 7] = [
    Part::Persona,
    Part::Context,
    Part::Steps,
    Part::Format,
    Part::Example(0),
    Part::Example(1),
    Part::Example(2),
];

/// The idea as a task line like the worked examples': "A bot that pulls action items out of
/// meeting notes." -> "Pull action items out of meeting notes". A leading "a bot / an assistant
/// / a tool ... that" is dropped (it pulls the tiny model towards "chatbot" personas), the verb
/// after it loses its third-person "s", the first letter is capitalised, the end trimmed.
pub fn task_line(idea: &str) -> String {
    let flat = idea.split_whitespace().collect::<Vec<_>>().join(" ");
    let t = flat.trim().trim_end_matches(['.', '!', ' ']);
    let words: Vec<&str> = t.split(' ').collect();
    const WHO: &[&str] = &[
        "bot",
        "chatbot",
        "assistant",
        "tool",
        "app",
        "agent",
        "ai",
        "gpt",
        "helper",
        "program",
        "prompt",
    ];
    const LINK: &[&str] = &["that", "which", "who", "to"];
    let mut rest: &[&str] = &words;
    if words.len() > 3
        && ["a", "an", "the"].contains(&words[0].to_lowercase().as_str())
        && WHO.contains(&words[1].to_lowercase().as_str())
        && LINK.contains(&words[2].to_lowercase().as_str())
    {
        rest = &words[3..];
        let verb = base_verb(rest[0]);
        let mut out = vec![verb];
        out.extend(rest[1..].iter().map(|w| (*w).to_owned()));
        return capitalise(&out.join(" "));
    }
    if rest.is_empty() {
        return String::new();
    }
    capitalise(&rest.join(" "))
}

/// "pulls" -> "pull", "summarises" -> "summarise", "classifies" -> "classify", "answers" ->
/// "answer"; other words as they are.
fn base_verb(word: &str) -> String {
    let w = word.to_owned();
    if let Some(b) = w.strip_suffix("ies") {
        return format!("{b}y");
    }
    for suffix in ["shes", "ches", "sses", "xes"] {
        if w.ends_with(suffix) {
            return w[..w.len() - 2].to_owned();
        }
    }
    match w.strip_suffix('s') {
        Some(b) if !b.ends_with('s') && b.len() >= 2 => b.to_owned(),
        _ => w,
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A Generate on the tiny model, part by part.
#[derive(Debug, Clone, PartialEq)]
pub struct TinyDraft {
    /// The idea as typed: what each part is checked against ([`quality::section_problems`]).
    idea: String,
    task: String,
    variables: Vec<String>,
    spec: PromptSpec,
    /// Index into [`PARTS`] of the part asked next.
    next: usize,
    /// An example's input that came without its reply: the reply is asked next, on its own.
    reply_for: Option<String>,
    /// How many times the current part was asked again after an unusable answer (at most
    /// [`RETRIES`]).
    retries: u32,
}

/// How many times a part whose text fails [`quality::section_problems`] is asked again, sampled
/// ([`RETRY_TEMPERATURE`], another seed each time) since greedy decoding would repeat itself.
/// After the last try its text is kept as it is and the draft's check names the problem.
pub const RETRIES: u32 = 2;

/// The temperature of a part asked again: enough to leave the greedy path, low enough to stay
/// on the task.
pub const RETRY_TEMPERATURE: f32 = 0.5;

impl TinyDraft {
    pub fn new(input: &IdeaInput) -> Self {
        Self {
            idea: input.idea.clone(),
            task: task_line(&input.idea),
            variables: input.variables.clone(),
            spec: PromptSpec::default(),
            next: 0,
            reply_for: None,
            retries: 0,
        }
    }

    /// How many times the current part has been asked again (0 on its first try).
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// The part asked next; `None` when every part has been read.
    pub fn part(&self) -> Option<Part> {
        PARTS.get(self.next).copied()
    }

    /// (parts read, parts in all), for progress.
    pub fn progress(&self) -> (usize, usize) {
        (self.next, PARTS.len())
    }

    pub fn is_done(&self) -> bool {
        self.next >= PARTS.len()
    }

    /// The completion that asks for the next part; `None` when done.
    pub fn request(&self) -> Option<ChatRequest> {
        let part = self.part()?;
        let (mut prompt, stop, max_tokens) = prompt_for(part, &self.task);
        if let Some(input) = &self.reply_for {
            prompt.push_str(&format!(" {input}\nReply:"));
        }
        let mut req = ChatRequest::new(None, prompt);
        req.temperature = if self.retries > 0 {
            RETRY_TEMPERATURE
        } else {
            0.0
        };
        req.max_tokens = max_tokens;
        req.plain = Some(PlainCompletion {
            stop: stop.into_iter().map(str::to_owned).collect(),
            repeat_penalty: REPEAT_PENALTY,
            seed: SEED + self.retries,
        });
        Some(req)
    }

    /// What is wrong with `part`'s text as read into the draft, by the draft check's rules for
    /// its section: the four sections against the idea; an example (input and reply) only for
    /// being empty, a placeholder or a loop, since an unusual input need not name the task.
    fn part_problems(&self, part: Part) -> Vec<String> {
        let topic = quality::content_stems(&self.idea);
        let none = crate::domain::sorted::SortedSet::new();
        let spec = &self.spec;
        match part {
            Part::Persona => {
                quality::section_problems(&self.idea, &topic, Section::Persona, &spec.persona)
            }
            Part::Context => {
                quality::section_problems(&self.idea, &topic, Section::Context, &spec.context)
            }
            Part::Steps => quality::section_problems(
                &self.idea,
                &topic,
                Section::Steps,
                &spec.steps.join("\n"),
            ),
            Part::Format => {
                quality::section_problems(&self.idea, &topic, Section::Format, &spec.format)
            }
            Part::Example(k) => {
                let e = spec.examples.get(k).cloned().unwrap_or_default();
                let mut out =
                    quality::section_problems(&self.idea, &none, Section::Examples, &e.input);
                if !e.output.trim().is_empty() {
                    out.extend(quality::text_problems("", &e.output));
                }
                out
            }
        }
    }

    /// Moves past the current part, or asks it again when its text is not usable and tries
    /// are left.
    fn advance(&mut self, part: Part) {
        if self.retries < RETRIES && !self.part_problems(part).is_empty() {
            self.retries += 1;
            self.reply_for = None;
            return;
        }
        self.retries = 0;
        self.next += 1;
    }

    /// Reads the completion of the current part into the draft and moves to the next part.
    /// An example's completion that stops after its input (no "Reply:") keeps the part open:
    /// its reply is asked next, with the input in the prompt.
    pub fn accept(&mut self, text: &str) {
        let Some(part) = self.part() else { return };
        if let (Part::Example(k), Some(_)) = (part, &self.reply_for) {
            self.spec.examples[k].output = clean(text);
            self.reply_for = None;
            self.advance(part);
            return;
        }
        apply(&mut self.spec, part, text);
        if let Part::Example(k) = part {
            let e = &self.spec.examples[k];
            if e.output.is_empty() && !e.input.is_empty() {
                self.reply_for = Some(e.input.clone());
                return;
            }
        }
        self.advance(part);
    }

    /// The draft so far with the current part's streaming text read in (for the live view).
    pub fn live(&self, partial: &str) -> PromptSpec {
        let mut spec = self.spec();
        match (self.part(), &self.reply_for) {
            (Some(Part::Example(k)), Some(_)) => spec.examples[k].output = clean(partial),
            (Some(part), _) => apply(&mut spec, part, partial),
            (None, _) => {}
        }
        spec
    }

    /// The draft as read so far; the variables the prompt receives are named in the context.
    pub fn spec(&self) -> PromptSpec {
        let mut spec = self.spec.clone();
        if !self.variables.is_empty() && !spec.context.is_empty() {
            let vars: Vec<String> = self
                .variables
                .iter()
                .map(|v| format!("{{{{{v}}}}}"))
                .collect();
            spec.context
                .push_str(&format!(" The input arrives as {}.", vars.join(", ")));
        }
        spec
    }
}

/// The worked examples of `part` followed by the task: (prompt, stop texts, output cap).
fn prompt_for(part: Part, task: &str) -> (String, Vec<&'static str>, u32) {
    let s = shots();
    let mut p = String::new();
    let (head, stop, cap): (String, Vec<&'static str>, u32) = match part {
        Part::Persona => ("Persona: You are".into(), vec!["\n"], 80),
        Part::Context => ("Context:".into(), vec!["\n"], 110),
        Part::Steps => (
            "Steps:\n1.".into(),
            vec!["\n\n", "\nTask:", "\nFormat:", "\n7."],
            200,
        ),
        Part::Format => ("Format:".into(), vec!["\n"], 70),
        Part::Example(k) => (example_label(&s.kinds[k]), vec!["\n\n", "\nTask:"], 160),
    };
    if matches!(part, Part::Persona | Part::Context | Part::Format) {
        for l in &s.more_lines {
            let line = match part {
                Part::Persona => format!("Persona: {}", l.persona),
                Part::Context => format!("Context: {}", l.context),
                _ => format!("Format: {}", l.format),
            };
            p.push_str(&format!("Task: {}\n{line}\n\n", l.task));
        }
    }
    for shot in &s.shots {
        p.push_str(&format!("Task: {}\n", shot.task));
        match part {
            Part::Persona => p.push_str(&format!("Persona: {}\n", shot.persona)),
            Part::Context => p.push_str(&format!("Context: {}\n", shot.context)),
            Part::Steps => {
                p.push_str("Steps:\n");
                for (i, step) in shot.steps.iter().enumerate() {
                    p.push_str(&format!("{}. {step}\n", i + 1));
                }
            }
            Part::Format => p.push_str(&format!("Format: {}\n", shot.format)),
            Part::Example(k) => {
                let (input, output) = &shot.examples[k];
                let label = example_label(&s.kinds[k]);
                p.push_str(&format!("{label} {input}\nReply: {output}\n"));
            }
        }
        p.push('\n');
    }
    p.push_str(&format!("Task: {task}\n{head}"));
    (p, stop, cap)
}

/// "Input for this task (a typical message):": tying the input to the task line keeps the tiny
/// model on the task more often than the kind alone ("A typical message:" drew small talk).
fn example_label(kind: &str) -> String {
    format!("Input for this task ({}):", kind.to_lowercase())
}

/// One line, trimmed, without stray quotes.
fn clean(text: &str) -> String {
    text.trim()
        .trim_matches(|c| c == '"' || c == '\u{201c}' || c == '\u{201d}')
        .trim()
        .to_owned()
}

/// Reads a completion (possibly still streaming) of `part` into `spec`.
fn apply(spec: &mut PromptSpec, part: Part, text: &str) {
    let first = text.lines().next().unwrap_or("");
    match part {
        Part::Persona => {
            let t = clean(first);
            spec.persona = if t.is_empty() {
                String::new()
            } else {
                format!("You are {t}")
            };
        }
        Part::Context => spec.context = clean(first),
        Part::Format => spec.format = clean(first),
        Part::Steps => {
            // The prompt ends with "1.": the first line is step 1 without its number.
            let mut steps: Vec<String> = Vec::new();
            for (i, line) in text.lines().enumerate() {
                let t = if i == 0 {
                    clean(line)
                } else if line.trim_start().starts_with(|c: char| c.is_ascii_digit()) {
                    clean(strip_list_marker(line.trim()))
                } else {
                    continue;
                };
                // The model sometimes loops on a step: keep each step once.
                if !t.is_empty() && !steps.iter().any(|s| s.eq_ignore_ascii_case(&t)) {
                    steps.push(t);
                }
            }
            steps.truncate(MAX_STEPS);
            spec.steps = steps;
        }
        Part::Example(k) => {
            let (input, output) = match text.split_once("Reply:") {
                Some((i, o)) => (clean(i), clean(o)),
                None => (clean(text), String::new()),
            };
            if spec.examples.len() <= k {
                spec.examples.resize(k + 1, Example::default());
            }
            spec.examples[k] = Example { input, output };
        }
    }
}

#[cfg(test)]
mod tests;
