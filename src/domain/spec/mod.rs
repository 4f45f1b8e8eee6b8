//! The structured system prompt (Persona, Context, Steps, Format, Examples) and its rendering
//! to the final prompt text, as Markdown headings or XML tags.
use serde::{Deserialize, Serialize};

/// One few-shot example.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Example {
    pub input: String,
    pub output: String,
}

/// A system prompt in five sections. `notes` is the meta model's reasoning, not part of the prompt.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PromptSpec {
    #[serde(default, rename = "analysis")]
    pub notes: String,
    #[serde(default)]
    pub persona: String,
    #[serde(default)]
    pub context: String,
    #[serde(default)]
    pub steps: Vec<String>,
    #[serde(default)]
    pub format: String,
    /// A JSON schema (as text) when the output format is JSON; empty otherwise.
    #[serde(default)]
    pub json_schema: String,
    #[serde(default)]
    pub examples: Vec<Example>,
}

/// The five sections, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Section {
    Persona,
    Context,
    Steps,
    Format,
    Examples,
}

impl Section {
    pub const ALL: [Section; 5] = [
        Self::Persona,
        Self::Context,
        Self::Steps,
        Self::Format,
        Self::Examples,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Self::Persona => "Persona",
            Self::Context => "Context",
            Self::Steps => "Steps",
            Self::Format => "Format",
            Self::Examples => "Examples",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Persona => "persona",
            Self::Context => "context",
            Self::Steps => "steps",
            Self::Format => "format",
            Self::Examples => "examples",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// What the section is for, in plain words.
    pub fn hint(self) -> &'static str {
        match self {
            Self::Persona => "Who the model should be: a specific expert role.",
            Self::Context => "Background, audience and rules it must keep to.",
            Self::Steps => "How it should work through each request, step by step.",
            Self::Format => "Exactly what its answer should look like.",
            Self::Examples => "Three sample inputs with ideal answers.",
        }
    }

    /// XML tag name used in the XML rendering.
    fn tag(self) -> &'static str {
        match self {
            Self::Persona => "persona",
            Self::Context => "context",
            Self::Steps => "steps",
            Self::Format => "output_format",
            Self::Examples => "examples",
        }
    }
}

/// How the final prompt is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RenderStyle {
    /// `## Persona` headings (suits GPT-style models).
    #[default]
    Markdown,
    /// `<persona>…</persona>` tags (suits Claude); a layout tag written inside a part has its
    /// `<` as `&lt;` ([`xml_guarded`]).
    Xml,
}

impl PromptSpec {
    /// The text of one section as shown in its editor (steps one per line, examples as blocks).
    pub fn section_text(&self, s: Section) -> String {
        match s {
            Section::Persona => self.persona.clone(),
            Section::Context => self.context.clone(),
            Section::Steps => self
                .steps
                .iter()
                .enumerate()
                .map(|(i, st)| format!("{}. {st}", i + 1))
                .collect::<Vec<_>>()
                .join("\n"),
            Section::Format => {
                if self.json_schema.trim().is_empty() {
                    self.format.clone()
                } else {
                    format!(
                        "{}\n\nJSON schema:\n{}",
                        self.format.trim_end(),
                        self.json_schema.trim()
                    )
                }
            }
            Section::Examples => self
                .examples
                .iter()
                .map(|e| format!("Input:\n{}\nOutput:\n{}", e.input.trim(), e.output.trim()))
                .collect::<Vec<_>>()
                .join("\n---\n"),
        }
    }

    /// Sets a section from its editor text (the inverse of [`section_text`](Self::section_text)).
    pub fn set_section_text(&mut self, s: Section, text: &str) {
        match s {
            Section::Persona => self.persona = text.trim().to_owned(),
            Section::Context => self.context = text.trim().to_owned(),
            Section::Steps => {
                self.steps = text
                    .lines()
                    .map(strip_list_marker)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect();
            }
            Section::Format => match text.split_once("\nJSON schema:\n") {
                Some((f, schema)) => {
                    self.format = f.trim().to_owned();
                    self.json_schema = schema.trim().to_owned();
                }
                None => {
                    self.format = text.trim().to_owned();
                    self.json_schema.clear();
                }
            },
            Section::Examples => {
                self.examples = read_examples(text).into_iter().map(|r| r.example).collect();
            }
        }
    }

    /// An editor's text as it reads once saved and drawn again: `text` through
    /// [`set_section_text`](Self::set_section_text) and back through
    /// [`section_text`](Self::section_text) (trimmed; steps numbered, one per line; blank steps
    /// dropped). An editor whose text gives the saved text keeps what the person typed (a space
    /// or a new line at the end, a step not yet numbered) instead of being set to the saved form.
    pub fn normalized_section_text(s: Section, text: &str) -> String {
        let mut spec = Self::default();
        spec.set_section_text(s, text);
        spec.section_text(s)
    }

    /// Whether a section has any content.
    pub fn has(&self, s: Section) -> bool {
        match s {
            Section::Persona => !self.persona.trim().is_empty(),
            Section::Context => !self.context.trim().is_empty(),
            Section::Steps => self.steps.iter().any(|x| !x.trim().is_empty()),
            Section::Format => !self.format.trim().is_empty(),
            // An example's input may be empty (what to answer when nothing useful arrives).
            Section::Examples => self
                .examples
                .iter()
                .any(|e| !e.input.trim().is_empty() || !e.output.trim().is_empty()),
        }
    }

    /// The sections still missing, for messages ("the reply has no Steps").
    pub fn missing(&self) -> Vec<Section> {
        Section::ALL.into_iter().filter(|s| !self.has(*s)).collect()
    }

    /// Whether the output format asks for JSON.
    pub fn wants_json(&self) -> bool {
        !self.json_schema.trim().is_empty() || self.format.to_ascii_lowercase().contains("json")
    }

    /// The final system prompt.
    pub fn render(&self, style: RenderStyle) -> String {
        let mut out = String::new();
        for s in Section::ALL {
            if !self.has(s) {
                continue;
            }
            let body = self.section_text(s);
            match style {
                RenderStyle::Markdown => {
                    if !out.is_empty() {
                        out.push_str("\n\n");
                    }
                    out.push_str(&format!("## {}\n\n", s.title()));
                    out.push_str(&render_body_markdown(self, s, &body));
                }
                RenderStyle::Xml => {
                    if !out.is_empty() {
                        out.push('\n');
                    }
                    out.push_str(&format!("<{}>\n", s.tag()));
                    out.push_str(&render_body_xml(self, s, &body));
                    out.push_str(&format!("\n</{}>", s.tag()));
                }
            }
        }
        out
    }

    /// The template variables (`{{name}}`) used anywhere in the prompt, in order of appearance.
    pub fn variables(&self) -> Vec<String> {
        placeholders(&self.render(RenderStyle::Markdown))
    }
}

/// The blocks of the Examples editor's text: split at lines that hold only `---` (spaces
/// aside), blank blocks left out (tryout 118: a lone `---` at the start or two in a row became
/// examples of their own).
fn example_blocks(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut at) = (0, 0);
    for line in text.split_inclusive('\n') {
        if line.trim() == "---" {
            out.push(&text[start..at]);
            start = at + line.len();
        }
        at += line.len();
    }
    out.push(&text[start..]);
    out.into_iter()
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .collect()
}

/// The labels an example's two parts may start with, in pairs (the editor writes the first;
/// the others are the usual ways of writing a question and its answer), matched at a line's
/// start in any case.
const EXAMPLE_LABELS: [(&str, &str); 4] = [
    ("Input:", "Output:"),
    ("Question:", "Answer:"),
    ("Q:", "A:"),
    ("User:", "Assistant:"),
];

/// One example of the Examples editor as read ([`read_examples`]).
struct ReadExample {
    example: Example,
    /// Its labels: which pair of [`EXAMPLE_LABELS`].
    pair: usize,
    /// It began with its pair's input label.
    input_labelled: bool,
    /// It had its pair's output label at the start of a line.
    output_labelled: bool,
    /// Where the next example of the same block begins: a line starting with the input label
    /// again after the output (two pairs with no `---` between them).
    next: Option<usize>,
}

/// The text after `label` when `line` starts with it (any case), else `None`.
fn after_label<'a>(line: &'a str, label: &str) -> Option<&'a str> {
    let head = line.get(..label.len())?;
    head.eq_ignore_ascii_case(label)
        .then(|| &line[label.len()..])
}

/// The examples of the Examples editor's text, every word kept (tryout 117: a block not starting
/// with `Input:` was dropped, and a reload lost it): each block ([`example_blocks`]) read by
/// [`read_example`], a block holding several examples in one pair of labels split at each new
/// input label (tryout 118: `Q:`/`A:` pairs with a blank line between them became one example),
/// examples with no text at all left out.
fn read_examples(text: &str) -> Vec<ReadExample> {
    let mut out = Vec::new();
    for block in example_blocks(text) {
        let mut rest = block;
        loop {
            let read = read_example(rest);
            let next = read.next;
            out.push(read);
            match next {
                Some(at) => rest = rest[at..].trim(),
                None => break,
            }
        }
    }
    out.retain(|r| !r.example.input.is_empty() || !r.example.output.is_empty());
    out
}

/// Reads the first example of one block. An `Output:` line (its label at the start of a line,
/// any case) splits it: before it the input (an `Input:` label at the start taken off), after
/// it the output, up to a line starting with `Input:` again. Without one, a block that starts
/// with the first label of another pair (`Question:`/`Answer:`, `Q:`/`A:`,
/// `User:`/`Assistant:`) and has a line with its second is split there; otherwise the whole
/// block is the input, with no output.
fn read_example(block: &str) -> ReadExample {
    // The byte offset of each line's start.
    let starts: Vec<usize> = std::iter::once(0)
        .chain(block.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let find_from = |label: &str, from: usize| {
        starts
            .iter()
            .copied()
            .filter(|at| *at >= from)
            .find(|at| after_label(&block[*at..], label).is_some())
    };
    let read = |pair: usize, labelled: bool, out: Option<usize>| {
        let (input_label, output_label) = EXAMPLE_LABELS[pair];
        let next = out
            .filter(|_| labelled)
            .and_then(|at| find_from(input_label, at + 1));
        let end = next.unwrap_or(block.len());
        let (input, output) = match out {
            Some(at) => (
                &block[..at],
                after_label(&block[at..end], output_label).unwrap_or_default(),
            ),
            None => (block, ""),
        };
        let input = if labelled {
            after_label(input, input_label).unwrap_or(input)
        } else {
            input
        };
        ReadExample {
            example: Example {
                input: input.trim().to_owned(),
                output: output.trim().to_owned(),
            },
            pair,
            input_labelled: labelled,
            output_labelled: out.is_some(),
            next,
        }
    };
    // The editor's own labels.
    let labelled = after_label(block, EXAMPLE_LABELS[0].0).is_some();
    let out = find_from(EXAMPLE_LABELS[0].1, 0);
    if labelled || out.is_some() {
        return read(0, labelled, out);
    }
    // Another pair: its first label at the start, its second at the start of a later line.
    for (pair, (input_label, output_label)) in EXAMPLE_LABELS.iter().enumerate().skip(1) {
        if after_label(block, input_label).is_some()
            && let Some(at) = find_from(output_label, 1)
        {
            return read(pair, true, Some(at));
        }
    }
    read(0, false, None)
}

/// How the Examples editor's `text` was read where it is not written as the editor writes it
/// (`Input:`, the message, `Output:`, the ideal answer; `---` between examples): a sentence
/// per example read another way and per example with no ideal answer, then how to write one;
/// empty when every block reads as written, with an answer. Shown under the box, so a block
/// typed another way is seen kept, not dropped.
pub fn examples_reading(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, read) in read_examples(text).iter().enumerate() {
        let n = i + 1;
        match (read.input_labelled, read.output_labelled) {
            (false, false) => out.push(format!(
                "Example {n} has no \u{201c}Input:\u{201d} or \u{201c}Output:\u{201d} line: all of its text is read as its input, with no ideal answer."
            )),
            (false, true) => out.push(format!(
                "Example {n} does not start with \u{201c}Input:\u{201d}: all of its text before \u{201c}Output:\u{201d} is read as its input."
            )),
            (true, false) => out.push(format!(
                "Example {n} has no \u{201c}Output:\u{201d} line: it has no ideal answer yet."
            )),
            (true, true) if read.pair != 0 => out.push(format!(
                "Example {n} is read as its input and ideal answer from its labels (shown as \u{201c}Input:\u{201d} and \u{201c}Output:\u{201d} once saved)."
            )),
            (true, true) => {}
        }
        if read.output_labelled && read.example.output.is_empty() {
            out.push(format!(
                "Example {n} has no ideal answer after \u{201c}Output:\u{201d}."
            ));
        }
    }
    if !out.is_empty() {
        out.push("Write each example as \u{201c}Input:\u{201d} with the message on the lines after it, then \u{201c}Output:\u{201d} with the ideal answer, and a line with only --- between two examples. Rules for every answer belong in Context or Steps.".to_owned());
    }
    out
}

/// The `{{name}}` placeholders in a text, in order of first appearance.
pub fn placeholders(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let name = after[..end].trim();
        if !name.is_empty()
            && name.chars().all(|c| c.is_alphanumeric() || c == '_')
            && !found.iter().any(|f| f == name)
        {
            found.push(name.to_owned());
        }
        rest = &after[end + 2..];
    }
    found
}

/// A list item's text without its `1.`, `2)`, `-` or `*` marker.
pub fn strip_list_marker(line: &str) -> &str {
    let l = line.trim();
    let digits = l.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 {
        if let Some(rest) = l[digits..]
            .strip_prefix('.')
            .or_else(|| l[digits..].strip_prefix(')'))
        {
            return rest.trim();
        }
    }
    l.strip_prefix("- ")
        .or_else(|| l.strip_prefix("* "))
        .unwrap_or(l)
        .trim()
}

/// What an example's input reads as in the final prompt: an empty input is said to be empty.
fn shown_input(e: &Example) -> &str {
    match e.input.trim() {
        "" => EMPTY_INPUT,
        t => t,
    }
}

/// How an example with an empty input shows it in the final prompt.
pub const EMPTY_INPUT: &str = "(an empty message)";

fn render_body_markdown(spec: &PromptSpec, s: Section, body: &str) -> String {
    match s {
        Section::Examples => spec
            .examples
            .iter()
            .enumerate()
            .map(|(i, e)| {
                format!(
                    "### Example {}\n\nInput:\n{}\n\nOutput:\n{}",
                    i + 1,
                    shown_input(e),
                    e.output.trim()
                )
            })
            .collect::<Vec<_>>()
            .join("\n\n"),
        Section::Format if !spec.json_schema.trim().is_empty() => {
            let fence = fence_for(spec.json_schema.trim());
            format!(
                "{}\n\nJSON schema:\n\n{fence}json\n{}\n{fence}",
                spec.format.trim(),
                spec.json_schema.trim()
            )
        }
        _ => body.to_owned(),
    }
}

fn render_body_xml(spec: &PromptSpec, s: Section, body: &str) -> String {
    match s {
        Section::Examples => spec
            .examples
            .iter()
            .map(|e| {
                format!(
                    "<example>\n<input>\n{}\n</input>\n<output>\n{}\n</output>\n</example>",
                    xml_guarded(shown_input(e)),
                    xml_guarded(e.output.trim())
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Section::Format if !spec.json_schema.trim().is_empty() => {
            format!(
                "{}\n<json_schema>\n{}\n</json_schema>",
                xml_guarded(spec.format.trim()),
                xml_guarded(spec.json_schema.trim())
            )
        }
        _ => xml_guarded(body),
    }
}

/// The tags the XML layout writes ([`Section::tag`] and those inside Format and Examples).
const XML_TAGS: [&str; 9] = [
    "persona",
    "context",
    "steps",
    "output_format",
    "json_schema",
    "examples",
    "example",
    "input",
    "output",
];

/// `text` as it goes between the XML layout's tags: each `<` that opens one of the layout's own
/// tags ([`XML_TAGS`], any case, opening or closing) is written `&lt;`, so a section, an
/// example or a schema that holds `</persona>` cannot end its part early or start another
/// (the reading the layout asks of the model); any other `<` (`<b>`, `a < b`) is left as it is.
fn xml_guarded(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let name = after.strip_prefix('/').unwrap_or(after);
        let is_layout_tag = XML_TAGS.iter().any(|t| {
            name.get(..t.len())
                .is_some_and(|n| n.eq_ignore_ascii_case(t))
                && !name[t.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-')
        });
        out.push_str(if is_layout_tag { "&lt;" } else { "<" });
        rest = after;
    }
    out.push_str(rest);
    out
}

/// A Markdown code fence for `text`: three backticks, or one more than the longest run of
/// backticks in it, so a schema that holds a fence cannot end its block early (CommonMark 0.31,
/// §4.5: a closing fence is at least as long as the opening one).
fn fence_for(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    "`".repeat((longest + 1).max(3))
}

#[cfg(test)]
mod tests;
