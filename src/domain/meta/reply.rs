//! Reading a meta model's reply part by part: every section that reads comes in, what is missing
//! or empty is named in plain words (a [`Gap`], counting from one, never a JSON path), and when
//! nothing at all can be used the likeliest cause is named (a [`ReplyCause`]).
//!
//! The rules come from `spec.schema.json` (the counts of steps and examples are read from it), so
//! what is called a gap here is what the meta-prompt asks for (`prompt_rules_tests` checks that
//! the prompts and the schemas agree).
use serde_json::{Map, Value};

use super::spec_schema;
use crate::domain::spec::{Example, PromptSpec, Section, strip_list_marker};
use crate::domain::structured::{self, StructuredError};

/// Why nothing of a reply could be used: the likeliest cause, for the person and for the repair
/// message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyCause {
    /// Nothing arrived, or only white space.
    Empty,
    /// Ordinary text with no JSON in it: the model did not follow the format.
    NoJson,
    /// The reply stopped at the output token limit before any part of its JSON was complete.
    CutOff,
    /// Something that looks like JSON but does not read, even leniently (`serde_json`'s complaint).
    Broken(String),
    /// JSON without any of the expected parts; `found` holds up to six of the keys it has.
    Unexpected { found: Vec<String> },
}

impl ReplyCause {
    /// What happened, in plain words.
    pub fn message(&self) -> String {
        match self {
            Self::Empty => "The model sent an empty reply.".to_owned(),
            Self::NoJson => "This model did not write JSON: it answered in ordinary text, so none \
                             of it could be read."
                .to_owned(),
            Self::CutOff => "The reply was cut off at the model's length limit before any part \
                             of it was complete."
                .to_owned(),
            Self::Broken(e) => format!(
                "The model started to write JSON, but it is broken before any part of it could be \
                 read ({e})."
            ),
            Self::Unexpected { found } if found.is_empty() => {
                "The reply is JSON, but none of the expected parts is in it.".to_owned()
            }
            Self::Unexpected { found } => format!(
                "The reply is JSON, but none of the expected parts is in it (it has: {}).",
                found.join(", ")
            ),
        }
    }

    /// What happened to a reply the person pasted in Manual mode: the same, said of the paste
    /// (tryout 50: "This model did not write JSON" of text pasted from a chat app).
    pub fn pasted_message(&self) -> String {
        match self {
            Self::Empty => "The pasted reply is empty.".to_owned(),
            Self::NoJson => "The pasted reply is not JSON: it is ordinary text, so none of it \
                             could be read."
                .to_owned(),
            Self::CutOff => {
                "The pasted reply is cut off before any part of it was complete.".to_owned()
            }
            Self::Broken(e) => format!(
                "The pasted reply starts as JSON, but it is broken before any part of it could be \
                 read ({e})."
            ),
            Self::Unexpected { .. } => self.message(),
        }
    }

    /// The next useful step, in plain words.
    pub fn advice(&self) -> &'static str {
        match self {
            Self::Empty => {
                "Try again; if the reply stays empty, pick another model in Settings or use Manual mode."
            }
            Self::CutOff => {
                "Asking again the same way will likely stop at the same place: pick a model that \
                 writes longer replies in Settings, or use Manual mode with any chat app."
            }
            Self::NoJson | Self::Broken(_) | Self::Unexpected { .. } => {
                "Some models cannot write this kind of structured reply. Use Manual mode (paste the \
                 request into any chat app and its reply back here), or pick a stronger model in \
                 Settings."
            }
        }
    }

    /// [`Self::advice`] for a job Manual mode does not do (suggested cases, a check from a note,
    /// an improved rubric): the same steps without it (tryout 90: "Use Manual mode" under a
    /// failed *Turn this note into a check*, where no such mode is offered).
    pub fn advice_without_manual_mode(&self) -> &'static str {
        match self {
            Self::Empty => "Try again; if the reply stays empty, pick another model in Settings.",
            Self::CutOff => {
                "Asking again the same way will likely stop at the same place: pick a model that \
                 writes longer replies in Settings."
            }
            Self::NoJson | Self::Broken(_) | Self::Unexpected { .. } => {
                "Some models cannot write this kind of structured reply: try again, or pick a \
                 stronger model in Settings."
            }
        }
    }

    /// As the structured reader's error, for the one repair message.
    pub fn as_structured(&self) -> StructuredError {
        match self {
            Self::Broken(e) => StructuredError::Invalid(e.clone()),
            Self::Unexpected { .. } => StructuredError::Schema(vec![self.message()]),
            _ => StructuredError::NoJson,
        }
    }
}

/// Something the prompt still lacks after a reply was read: named in plain words, with the
/// section to fill by hand or to ask of the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gap {
    /// The section is absent or empty.
    Missing(Section),
    /// Fewer steps or examples than the schema's `minItems`.
    TooFew {
        section: Section,
        have: usize,
        want: usize,
    },
    /// The section was not read: reading the reply stopped at a break in its JSON before it
    /// (it may be in the reply after the break, or not at all).
    NotRead(Section),
    /// The section did not arrive: the reply ended (cut off, or stopped by a reload or a
    /// dropped connection) before it.
    NotArrived(Section),
    /// Example `n` (counting from one) has an input but no output.
    ExampleNoOutput(usize),
    /// Example `n` has neither an input nor an output (a stopped reply left it so; an example
    /// with an empty input and an output is one of the three asked for, not a gap).
    ExampleEmpty(usize),
    /// The reply ended while this section was being written (cut off at the length limit or
    /// when the connection ended): what it holds is unfinished.
    CutOff(Section),
    /// The reply's JSON breaks (a syntax error) inside this section's value: what it holds was
    /// read up to the break and may be incomplete.
    Broken(Section),
    /// Format's JSON schema is one the JSON checks (*Matches the JSON schema*, promptfoo's
    /// `is-json` with a schema) cannot use: the problem as
    /// [`format_schema_problem`](crate::domain::eval::format_schema_problem) words it, without
    /// its final period (an unknown `format` such as `phone`, which promptfoo's Ajv refuses, a
    /// keyword value its metaschema refuses, text that is not JSON).
    Schema(String),
}

impl Gap {
    /// The section this gap is in.
    pub fn section(&self) -> Section {
        match self {
            Self::Missing(s)
            | Self::NotRead(s)
            | Self::NotArrived(s)
            | Self::TooFew { section: s, .. }
            | Self::CutOff(s)
            | Self::Broken(s) => *s,
            Self::ExampleNoOutput(_) | Self::ExampleEmpty(_) => Section::Examples,
            Self::Schema(_) => Section::Format,
        }
    }

    /// Where *Fill in by hand* puts the caret in its section's editor text `text` (as
    /// [`crate::domain::spec::PromptSpec::section_text`] writes it), in UTF-16 code units as the
    /// browser's `setSelectionRange` counts: for an example with no output, after its
    /// `Output:` line; for an empty one, after its `Input:` line; `None` (the editor's own
    /// place) for the other gaps or when the example is not found (helper 50: the caret went to
    /// the end of Examples).
    pub fn caret_in(&self, text: &str) -> Option<u32> {
        let (n, label) = match self {
            Self::ExampleNoOutput(n) => (*n, "Output:\n"),
            Self::ExampleEmpty(n) => (*n, "Input:\n"),
            _ => return None,
        };
        let mut start = 0;
        for (i, block) in text.split("\n---\n").enumerate() {
            if i + 1 == n {
                let at = start + block.find(label)? + label.len();
                return u32::try_from(text[..at].encode_utf16().count()).ok();
            }
            start += block.len() + "\n---\n".len();
        }
        None
    }

    /// In plain words: "The reply has no Steps", "Example 3 has no output".
    pub fn message(&self) -> String {
        match self {
            Self::Missing(s) => format!("The reply has no {}", s.title()),
            Self::NotArrived(s) => {
                format!("{} did not arrive: the reply ended before it", s.title())
            }
            Self::NotRead(s) => format!(
                "{} was not read: the reply's JSON breaks before it, and nothing after the break was read",
                s.title()
            ),
            Self::TooFew {
                section: Section::Examples,
                have,
                want,
            } => format!(
                "The reply has {have} example{}; {want} were asked for",
                plural(*have)
            ),
            Self::TooFew {
                section,
                have,
                want,
            } => format!(
                "The reply has {have} {}{}; at least {want} are needed",
                section.title().to_lowercase().trim_end_matches('s'),
                plural(*have)
            ),
            Self::ExampleNoOutput(n) => format!("Example {n} has no output"),
            // Tryout 12 (minor 5): an empty pair was named only "has no output".
            Self::ExampleEmpty(n) => format!("Example {n} is empty: no input and no output"),
            Self::CutOff(s) => format!(
                "The reply was cut off in the middle of {}: it is unfinished",
                s.title()
            ),
            Self::Broken(s) => format!(
                "{} may be incomplete or misread: the reply's JSON has a mistake inside it",
                s.title()
            ),
            Self::Schema(problem) => problem.clone(),
        }
    }

    /// Whether the section is there but unfinished (cut off, or broken inside), not missing.
    pub fn unfinished(&self) -> bool {
        matches!(self, Self::CutOff(_) | Self::Broken(_))
    }

    /// The instruction that asks the model to fill this gap alone (a one-section rewrite).
    pub fn instruction(&self) -> String {
        match self {
            Self::Missing(s) | Self::NotRead(s) | Self::NotArrived(s) => format!(
                "This section is missing: write the {} section, consistent with the other sections.",
                s.title()
            ),
            Self::TooFew {
                section: Section::Examples,
                want,
                ..
            } => format!(
                "Keep the existing examples exactly and add new ones so there are {want} in all \
                 (one typical, one harder or edge case, one where the input is incomplete, \
                 off-topic or empty)."
            ),
            Self::TooFew { want, .. } => {
                format!("Keep the existing steps and add steps so there are at least {want}.")
            }
            Self::ExampleNoOutput(n) => format!(
                "Example {n} has no output: write the ideal output for its input, following the \
                 format exactly. Keep every other example exactly as it is."
            ),
            Self::ExampleEmpty(n) => format!(
                "Example {n} is empty: write it (an input and its ideal output, following the \
                 format exactly; the input may be incomplete, off-topic or empty if the other \
                 examples have no such case). Keep every other example exactly as it is."
            ),
            Self::CutOff(s) => format!(
                "This section was cut off before it was finished: write the whole {} section, \
                 consistent with the other sections.",
                s.title()
            ),
            Self::Broken(s) => format!(
                "This section may be incomplete (the reply it came from broke off inside it): \
                 write the whole {} section, consistent with the other sections.",
                s.title()
            ),
            Self::Schema(problem) => format!(
                "{problem}. Keep the description of the format as it is and write the JSON schema \
                 again so that it can be used: standard JSON Schema keywords only, and a \
                 \"format\" only from date, time, date-time, duration, email, hostname, ipv4, \
                 ipv6, uri, uri-reference, uuid and regex (describe anything else, such as a \
                 phone number, with a \"pattern\" or in words)."
            ),
        }
    }
}

/// What a reading left to do, counted for the line under "Use this reply": "1 part is
/// unfinished and 2 are missing", "2 parts are still missing", "4 parts were not read"; `None`
/// when nothing is left. A cut-off or broken section is unfinished, and a section after a break
/// not read, neither of them missing (tryouts 46, 47: the count called both "missing").
pub fn gaps_summary(gaps: &[Gap]) -> Option<String> {
    let kinds = GapKind::ALL.map(|k| (gaps.iter().filter(|g| GapKind::of(g) == k).count(), k));
    let only_missing = kinds.iter().all(|(n, k)| *n == 0 || *k == GapKind::Missing);
    let mut parts = Vec::new();
    for (n, kind) in kinds.into_iter().filter(|k| k.0 > 0) {
        let (one, many) = kind.phrases();
        let what = if n == 1 { one } else { many };
        let what = if only_missing {
            what.replace("missing", "still missing")
        } else {
            what.to_owned()
        };
        parts.push(match (parts.is_empty(), n) {
            (true, 1) => format!("1 part {what}"),
            (true, n) => format!("{n} parts {what}"),
            (false, n) => format!("{n} {what}"),
        });
    }
    (!parts.is_empty()).then(|| crate::domain::figures::and_list(&parts))
}

/// The kinds of gap, in the order they are counted and named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GapKind {
    Unfinished,
    /// A section the reply's JSON breaks inside ([`Gap::Broken`]): read up to the break (helper
    /// 50: it was "unfinished" in the count and "may be incomplete or misread" in the list).
    Misread,
    NotRead,
    NotArrived,
    Missing,
    /// Format's JSON schema the checks cannot use ([`Gap::Schema`]).
    Unusable,
}

impl GapKind {
    const ALL: [Self; 6] = [
        Self::Unfinished,
        Self::Misread,
        Self::NotRead,
        Self::NotArrived,
        Self::Missing,
        Self::Unusable,
    ];

    fn of(g: &Gap) -> Self {
        match g {
            Gap::Broken(_) => Self::Misread,
            _ if g.unfinished() => Self::Unfinished,
            Gap::NotRead(_) => Self::NotRead,
            Gap::NotArrived(_) => Self::NotArrived,
            Gap::Schema(_) => Self::Unusable,
            _ => Self::Missing,
        }
    }

    /// What one and several of this kind are ("is unfinished", "are unfinished").
    fn phrases(self) -> (&'static str, &'static str) {
        match self {
            Self::Unfinished => ("is unfinished", "are unfinished"),
            Self::Misread => (
                "may be incomplete or misread",
                "may be incomplete or misread",
            ),
            Self::NotRead => ("was not read", "were not read"),
            Self::NotArrived => ("did not arrive", "did not arrive"),
            Self::Missing => ("is missing", "are missing"),
            Self::Unusable => ("cannot be used", "cannot be used"),
        }
    }

    /// Its word in a heading.
    fn word(self) -> &'static str {
        match self {
            Self::Unfinished => "unfinished",
            Self::Misread => "may be misread",
            Self::NotRead => "not read",
            Self::NotArrived => "did not arrive",
            Self::Missing => "missing",
            Self::Unusable => "cannot be used",
        }
    }
}

/// The heading of the list of gaps: "Still missing" when every gap is missing, else what the
/// list holds ("Unfinished, not read or missing").
pub fn gaps_title(gaps: &[Gap]) -> String {
    let kinds: Vec<&str> = GapKind::ALL
        .into_iter()
        .filter(|k| gaps.iter().any(|g| GapKind::of(g) == *k))
        .map(GapKind::word)
        .collect();
    if kinds == ["missing"] {
        return "Still missing".to_owned();
    }
    let list = match kinds.as_slice() {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    };
    let mut c = list.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The smallest number of items the spec schema accepts for a list section (0 for others).
pub fn min_items(section: Section) -> usize {
    spec_schema()["properties"][section.as_str()]["minItems"]
        .as_u64()
        .unwrap_or(0) as usize
}

/// What the prompt still lacks, section by section in order; Format's JSON schema counts as
/// lacking when the JSON checks cannot use it ([`Gap::Schema`]: a model's `"format": "phone"`
/// left *Matches the JSON schema* unusable and the run waiting, with nothing said at the source).
pub fn gaps(spec: &PromptSpec) -> Vec<Gap> {
    let mut out = Vec::new();
    for s in Section::ALL {
        if !spec.has(s) {
            out.push(Gap::Missing(s));
            continue;
        }
        match s {
            Section::Steps => {
                let have = spec.steps.iter().filter(|x| !x.trim().is_empty()).count();
                let want = min_items(s);
                if have < want {
                    out.push(Gap::TooFew {
                        section: s,
                        have,
                        want,
                    });
                }
            }
            Section::Examples => {
                for (i, e) in spec.examples.iter().enumerate() {
                    if e.output.trim().is_empty() {
                        out.push(if e.input.trim().is_empty() {
                            Gap::ExampleEmpty(i + 1)
                        } else {
                            Gap::ExampleNoOutput(i + 1)
                        });
                    }
                }
                let have = spec.examples.len();
                let want = min_items(s);
                if have < want {
                    out.push(Gap::TooFew {
                        section: s,
                        have,
                        want,
                    });
                }
            }
            Section::Format => {
                out.extend(
                    crate::domain::eval::format_schema_problem(&spec.json_schema)
                        .map(|p| Gap::Schema(p.trim_end_matches('.').to_owned())),
                );
            }
            _ => {}
        }
    }
    out
}

/// What a reply gave: the prompt read from it, and the section that was still being written
/// where the reply ended (its text is unfinished and must not pass for a finished section).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reading {
    pub spec: PromptSpec,
    /// The section the reply was cut off in, when its JSON ends inside that section's value;
    /// also the section its JSON breaks in (see `broken`): what it holds is unfinished too.
    pub cut: Option<Section>,
    /// Where the reply's JSON breaks (a syntax error): everything before it was read, nothing
    /// after it.
    pub broken: Option<Break>,
    /// The section taken from a reply that held the whole prompt although only this section was
    /// asked for (the other sections were left unchanged).
    pub took_one_section: Option<Section>,
    /// The reply's JSON is still open where the reply ends (cut off), after any mended mistake:
    /// what was read is unfinished even when no section is cut (it ended between two).
    pub open_at_end: bool,
}

impl Reading {
    /// Whether the reply's JSON was read whole: closed at its end, nothing cut off or broken
    /// (a mistake the reader mended counts as whole). A reply that stopped at the length
    /// limit just after its closing brace lost nothing.
    pub fn whole(&self) -> bool {
        self.cut.is_none() && !self.open_at_end && self.broken.as_ref().is_none_or(|b| b.mended)
    }

    /// The marks a version read from this reply keeps, as
    /// [`Draft::commit_reply`](crate::domain::draft::Draft::commit_reply) takes them: whether its
    /// JSON broke inside the cut section (a mistake not mended; a mended one leaves the section
    /// whole), and whether reading stopped at the break (a mistake neither mended nor read past).
    pub fn marks(&self) -> (bool, bool) {
        let b = self.broken.as_ref();
        (
            b.is_some_and(|b| !b.mended),
            b.is_some_and(|b| !b.read_past),
        )
    }

    /// What the person should know about how the reply was read, in plain words: where it
    /// breaks, or that one section was taken from a whole prompt. Empty when nothing is to say.
    pub fn notes(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(b) = &self.broken {
            out.push(b.message());
        }
        if let Some(s) = self.took_one_section {
            out.push(format!(
                "The reply holds a whole prompt, not just {}: only its {} was taken; the other \
                 sections are unchanged.",
                s.title(),
                s.title()
            ));
        }
        out
    }
}

/// Where a reply's JSON breaks: the section it breaks in (when it breaks inside a section's
/// value), and a few characters from the place.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Break {
    pub section: Option<Section>,
    /// Up to 30 characters of the reply from where it breaks.
    pub near: String,
    /// The tolerant reader read on past the mistake, so the section there is a guess (a stray
    /// word or quote kept inside its text) rather than cut short.
    pub read_past: bool,
    /// The tolerant reader mended the mistake (a missing or extra comma, say) and read on:
    /// every section came in as the model most likely meant it, and none is marked. Implies
    /// `read_past`.
    pub mended: bool,
    /// The sections read before a break between two sections (`section` is `None`), in
    /// [`Section::ALL`] order; empty otherwise.
    pub read: Vec<Section>,
}

impl Break {
    /// In plain words: "The reply breaks in the middle of Steps, near “"Find"]”: …".
    pub fn message(&self) -> String {
        if self.mended {
            let (place, check) = match self.section {
                Some(s) => (
                    format!("in the middle of {}", s.title()),
                    s.title().to_owned(),
                ),
                None => (
                    "between two sections".to_owned(),
                    "the sections on either side".to_owned(),
                ),
            };
            return format!(
                "The reply's JSON has a mistake {place}, near \u{201c}{}\u{201d} (such as a missing or extra comma): it was read as if the mistake were not there, which is most likely what the model meant; check {check}.",
                self.near
            );
        }
        if self.read_past {
            let s = self
                .section
                .map_or("that part".to_owned(), |s| s.title().to_owned());
            return format!(
                "The reply's JSON has a mistake in the middle of {s}, near \u{201c}{}\u{201d} (such as a stray word or quote): {s} was read as best it could and may be wrong, so check it.",
                self.near
            );
        }
        let place = match self.section {
            Some(s) => format!("The reply breaks in the middle of {}", s.title()),
            // Tryout 19 (9): a break between two sections named none.
            None if !self.read.is_empty() => "The reply breaks between two sections".to_owned(),
            None => "The reply's JSON breaks".to_owned(),
        };
        let after = match self.section {
            Some(s) => format!(
                "everything before it was read, {} may be incomplete, and nothing after it was read",
                s.title()
            ),
            None if !self.read.is_empty() => {
                let names: Vec<String> = self.read.iter().map(|s| s.title().to_owned()).collect();
                format!(
                    "{} {} read before it, nothing after it",
                    crate::domain::figures::and_list(&names),
                    if names.len() == 1 { "was" } else { "were" }
                )
            }
            None => "everything before it was read, nothing after it".to_owned(),
        };
        format!(
            // Not "such as a missing comma": a missing comma is mended (tryout 50).
            "{place}, near \u{201c}{}\u{201d} (a mistake in its JSON, such as a stray word): {after}.",
            self.near
        )
    }
}

/// The section whose field a reply with no whole JSON ends inside (see
/// [`partial_json::open_field`](crate::domain::partial_json::open_field)); field names are
/// matched as [`reply_field`] matches them.
pub fn cut_section(text: &str) -> Option<Section> {
    let key = crate::domain::partial_json::open_field(text)?;
    let mut m = Map::new();
    m.insert(key, Value::Null);
    let names: [(Section, &[&str]); 6] = [
        (Section::Persona, &["persona"]),
        (Section::Context, &["context"]),
        (Section::Steps, &["steps"]),
        (Section::Format, &["format", "output_format"]),
        (Section::Format, &["json_schema"]),
        (Section::Examples, &["examples"]),
    ];
    names
        .into_iter()
        .find(|(_, n)| reply_field(&m, n).is_some())
        .map(|(s, _)| s)
}

/// A reply with no whole JSON read as far as it goes: up to where it ends, or up to where its
/// JSON breaks (a syntax error; see
/// [`partial_json::first_break`](crate::domain::partial_json::first_break)). A missing comma is
/// mended first, as in a whole reply (tryout: a reply missing a comma after Persona *and* cut
/// off kept only Persona and called the sections after it missing): the mended reading names
/// the first mend. Gives the prompt read, the section the readable part ends inside, the
/// break, and whether the (mended) JSON is still open at the end.
fn read_partial(text: &str) -> (PromptSpec, Option<Section>, Option<Break>, bool) {
    use crate::domain::partial_json::first_break;
    let (mended, first_mend) = mend_missing_commas(text);
    let at = first_break(&mended);
    let readable = at.map_or(mended.as_str(), |at| &mended[..at]);
    let spec = super::spec_from_partial(readable);
    let open = cut_section(readable);
    let broken = match (at, first_mend) {
        // A break left after the mends: what the reader stops at.
        (Some(at), _) => Some(Break {
            section: open,
            near: near(&mended, at),
            read_past: false,
            mended: false,
            read: if open.is_none() {
                Section::ALL
                    .iter()
                    .copied()
                    .filter(|s| holds(&spec, *s))
                    .collect()
            } else {
                Vec::new()
            },
        }),
        (None, Some(at)) => Some(Break {
            section: cut_section(&text[..at]),
            near: near(text, at),
            read_past: true,
            mended: true,
            read: Vec::new(),
        }),
        (None, None) => None,
    };
    let still_open = crate::domain::partial_json::open_at_end(&mended) != (0, false);
    (spec, open, broken, still_open)
}

/// `text` with a comma put in at each break a missing comma explains (the text after the
/// break reads on once a comma is there), at most 16; and the byte offset into `text` of the
/// first one mended. A break no comma mends stays as it is.
fn mend_missing_commas(text: &str) -> (String, Option<usize>) {
    use crate::domain::partial_json::first_break;
    let mut out = text.to_owned();
    let mut first = None;
    for _ in 0..16 {
        let Some(at) = first_break(&out) else { break };
        let mut tried = out.clone();
        tried.insert(at, ',');
        if first_break(&tried).is_some_and(|next| next <= at + 1) {
            break;
        }
        // The first mend is at the same place in `text` (nothing was put in before it).
        first.get_or_insert(at);
        out = tried;
    }
    (out, first)
}

/// Reads a whole-prompt reply (finished, stopped or cut off): every section that reads comes in,
/// and a section the reply ends inside is named as cut off. A reply whose JSON breaks is read up
/// to the break, which is named (`Reading::broken`). `cut_off` says the reply stopped at the
/// output token limit (it only changes the cause named when nothing could be read). `Err` only
/// when no section at all could be read.
pub fn read_spec(text: &str, cut_off: bool) -> Result<Reading, ReplyCause> {
    let read = structured::extract_json_mended(text);
    let whole = read.clone().map(|(v, _)| v);
    if let Ok((v, mended)) = &read {
        let spec = spec_from_value(v);
        if usable(&spec) {
            // Only a reading the tolerant reader mended has a mistake to name (a bracket in
            // prose before a valid JSON is not one).
            let guessed = mended.then(|| guessed(text, &spec)).flatten();
            return Ok(Reading {
                // A guessed section is marked; a mended mistake leaves every section whole.
                cut: guessed
                    .as_ref()
                    .filter(|b| !b.mended)
                    .and_then(|b| b.section),
                broken: guessed,
                spec,
                took_one_section: None,
                open_at_end: false,
            });
        }
    }
    // No complete JSON (cut off, or broken later on): what its beginning holds.
    let (spec, open, broken, open_at_end) = read_partial(text);
    if usable(&spec) {
        let cut = open.filter(|s| spec.has(*s));
        return Ok(Reading {
            spec,
            cut,
            broken,
            took_one_section: None,
            open_at_end,
        });
    }
    Err(diagnose_broken(text, whole, cut_off, broken))
}

/// A list a reply holds, read as far as it goes (see [`read_list`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListReading {
    /// The items that arrived whole.
    pub items: Vec<Value>,
    /// Up to 30 characters from where the reply's JSON breaks (a syntax error), when it does:
    /// the items before it were read, nothing after it.
    pub broken_near: Option<String>,
    /// The reply ended inside an item (cut off, or broken there): that item was left out.
    pub unfinished_left_out: bool,
    /// The reply ends before its JSON closes (cut off), whether or not inside an item.
    pub cut_off: bool,
}

impl ListReading {
    /// In plain words, naming the items as `one` / `many` ("suggestion", "suggestions"); `None`
    /// when the list read whole.
    pub fn note(&self, one: &str, many: &str) -> Option<String> {
        let read = crate::domain::figures::count(self.items.len(), one, many);
        let were = if self.items.len() == 1 { "was" } else { "were" };
        let what = match &self.broken_near {
            Some(near) => format!(
                "The reply breaks near \u{201c}{near}\u{201d} (a mistake in its JSON, such as a \
                 missing comma): the {read} before it {were} read, nothing after it"
            ),
            None if self.unfinished_left_out || self.cut_off => {
                format!("The reply ends part-way: the {read} before the end {were} read")
            }
            None => return None,
        };
        Some(if self.unfinished_left_out {
            format!("{what}; an unfinished one was left out.")
        } else {
            format!("{what}.")
        })
    }
}

/// Reads the list a reply holds (the root array, or the first of `fields` found in the root
/// object, names matched as [`reply_field`] matches them) item by item: a whole reply as
/// [`structured::extract_json`] reads it (near-JSON too); one that is cut off or whose JSON
/// breaks, up to the end or the break, keeping only the items that arrived whole. `Err` names
/// the likeliest cause when no list can be found, and when a reply cut off or broken before its
/// first item was whole holds none (`ReplyCause::Broken`): an empty list read from
/// `{"weaknesses": [` is not a reply that found nothing.
pub fn read_list(text: &str, fields: &[&str]) -> Result<ListReading, ReplyCause> {
    let list_in = |v: &Value| match v {
        Value::Array(a) => Some(a.clone()),
        Value::Object(m) => match reply_field(m, fields) {
            Some(Value::Array(a)) => Some(a.clone()),
            _ => None,
        },
        _ => None,
    };
    let whole = structured::extract_json(text);
    let found = whole.as_ref().ok().and_then(list_in);
    let at = crate::domain::partial_json::first_break(text);
    if let Some(items) = &found {
        // Read from the whole reply, or from a list inside a broken or cut-off one: the partial
        // reading below is used only when it finds more.
        let t = text.trim();
        let whole_text = serde_json::from_str::<Value>(t).is_ok()
            || crate::domain::lenient_json::parse(t).is_ok()
            || at.is_none() && crate::domain::partial_json::open_at_end(t) == (0, false);
        if whole_text {
            return Ok(ListReading {
                items: items.clone(),
                ..ListReading::default()
            });
        }
    }
    let readable = at.map_or(text, |at| &text[..at]);
    let partial = crate::domain::partial_json::parse_partial(readable);
    let more = partial
        .as_ref()
        .and_then(list_in)
        .filter(|p| found.as_ref().is_none_or(|f| p.len() > f.len()));
    let Some(mut items) = more else {
        if let Some(items) = found {
            return Ok(ListReading {
                items,
                ..ListReading::default()
            });
        }
        return Err(match at {
            Some(at) if looks_like_json(text) => {
                ReplyCause::Broken(format!("it breaks near \u{201c}{}\u{201d}", near(text, at)))
            }
            _ => diagnose(text, whole, false),
        });
    };
    // Whether the readable text ends inside an item: more brackets open than the list's own
    // (one for a root list, two for a list in the root object), or inside a string.
    let list_depth = if partial.as_ref().is_some_and(Value::is_array) {
        1
    } else {
        2
    };
    let (depth, in_string) = crate::domain::partial_json::open_at_end(readable);
    let unfinished =
        !items.is_empty() && (depth > list_depth || (in_string && depth == list_depth));
    if unfinished {
        items.pop();
    }
    let cut_off = at.is_none() && (depth > 0 || in_string);
    if items.is_empty() {
        if let Some(at) = at {
            return Err(ReplyCause::Broken(format!(
                "it breaks near \u{201c}{}\u{201d}",
                near(text, at)
            )));
        }
        if cut_off {
            // Why it ended is not known here (a length limit, or a model that stopped): said as
            // it is, not as the length limit (tryout 13).
            return Err(ReplyCause::Broken(
                "it ends before its first item is complete".to_owned(),
            ));
        }
    }
    Ok(ListReading {
        items,
        broken_near: at.map(|at| near(text, at)),
        unfinished_left_out: unfinished,
        cut_off,
    })
}

/// Where a reply the tolerant reader read whole has a mistake: the first place its JSON breaks.
/// When the section there was read with a quote kept inside its text (as `"an owner." blah
/// blah, "Write …"` becomes one step with the stray words in it) the section is a guess
/// ([`Break::read_past`]); otherwise the reader mended it cleanly (a missing comma between two
/// strings or two fields: [`Break::mended`]), which is named too, as the README promises (tryout
/// 18: a missing comma after Context was read past without a word).
fn guessed(text: &str, spec: &PromptSpec) -> Option<Break> {
    let at = crate::domain::partial_json::first_break(text)?;
    let section = cut_section(&text[..at]);
    // A break before any section's key is outside the JSON read (a bracket in prose before it,
    // as "for {{topic}}:"), not a mistake in it.
    if section.is_none() && !usable(&super::spec_from_partial(&text[..at])) {
        return None;
    }
    let kept_quote = section.is_some_and(|s| spec.section_text(s).contains('"'));
    Some(Break {
        section,
        near: near(text, at),
        read_past: true,
        mended: !kept_quote,
        read: Vec::new(),
    })
}

/// Up to 30 characters of `text` from byte `at`, trimmed.
fn near(text: &str, at: usize) -> String {
    text[at..]
        .chars()
        .take(30)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Whether a reply holds a section: for Format, its text or its JSON schema.
fn holds(spec: &PromptSpec, section: Section) -> bool {
    spec.has(section) || (section == Section::Format && !spec.json_schema.trim().is_empty())
}

/// Reads a one-section reply and applies it to a copy of `spec`. A reply that holds the whole
/// prompt gives just that section (`Reading::took_one_section` says so); the Format section may
/// come as its JSON schema alone; the section is taken as it reads, so a partly usable one comes
/// in and its gaps are named by [`gaps`]; when the reply ends or breaks inside that section,
/// nothing is taken: [`ReplyCause::CutOff`].
pub fn read_section(
    spec: &PromptSpec,
    section: Section,
    text: &str,
    cut_off: bool,
) -> Result<Reading, ReplyCause> {
    let read = structured::extract_json_mended(text);
    let whole = read.clone().map(|(v, _)| v);
    let (part, open, broken, open_at_end) = match &read {
        Ok((v, mended)) if holds(&spec_from_value(v), section) => {
            let part = spec_from_value(v);
            // A mistake the tolerant reader read past is named as in a whole prompt.
            let broken = mended.then(|| guessed(text, &part)).flatten();
            let open = broken
                .as_ref()
                .filter(|b| !b.mended)
                .and_then(|b| b.section);
            (part, open, broken, false)
        }
        _ => read_partial(text),
    };
    if !holds(&part, section) {
        return Err(match whole {
            Ok(v) if broken.is_none() => unexpected(&v),
            w => diagnose_broken(text, w, cut_off, broken),
        });
    }
    // A section that ends or breaks part-way is no rewrite of it: nothing of it is taken, as a
    // call cut off keeps nothing (tryout 98: a pasted `{"persona":"You are a formal support
    // ana` became the Persona, with no word).
    if open == Some(section) {
        return Err(ReplyCause::CutOff);
    }
    let cut = open.filter(|s| *s == section);
    let took_one_section = Section::ALL
        .iter()
        .any(|s| *s != section && part.has(*s))
        .then_some(section);
    let mut next = spec.clone();
    match section {
        Section::Persona => next.persona = part.persona,
        Section::Context => next.context = part.context,
        Section::Steps => next.steps = part.steps,
        Section::Format => {
            next.format = part.format;
            next.json_schema = part.json_schema;
        }
        Section::Examples => next.examples = part.examples,
    }
    Ok(Reading {
        spec: next,
        cut,
        // A break outside the section asked for does not touch it (a mended one between two
        // sections is named: it sits next to it).
        broken: broken.filter(|b| b.section == Some(section) || b.mended && b.section.is_none()),
        took_one_section,
        open_at_end,
    })
}

fn usable(spec: &PromptSpec) -> bool {
    Section::ALL.iter().any(|s| spec.has(*s))
}

/// [`diagnose`], naming the place where the reply's JSON breaks when there is one.
fn diagnose_broken(
    text: &str,
    extracted: Result<Value, StructuredError>,
    cut_off: bool,
    broken: Option<Break>,
) -> ReplyCause {
    match broken {
        Some(b) if !cut_off && looks_like_json(text) => {
            ReplyCause::Broken(format!("it breaks near \u{201c}{}\u{201d}", b.near))
        }
        _ => diagnose(text, extracted, cut_off),
    }
}

/// The likeliest reason why nothing could be read from `text`.
pub fn diagnose(
    text: &str,
    extracted: Result<Value, StructuredError>,
    cut_off: bool,
) -> ReplyCause {
    if text.trim().is_empty() {
        return ReplyCause::Empty;
    }
    if cut_off {
        return ReplyCause::CutOff;
    }
    match extracted {
        Ok(v) => unexpected(&v),
        Err(StructuredError::Invalid(e)) if looks_like_json(text) => ReplyCause::Broken(e),
        Err(_) => ReplyCause::NoJson,
    }
}

fn unexpected(v: &Value) -> ReplyCause {
    let found = match v {
        Value::Object(m) => m.keys().take(6).cloned().collect(),
        Value::Array(a) => a
            .iter()
            .find_map(Value::as_object)
            .map(|m| m.keys().take(6).cloned().collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    ReplyCause::Unexpected { found }
}

/// Whether a text holds something like a JSON key (`"name":`), i.e. the model tried to write JSON.
fn looks_like_json(text: &str) -> bool {
    let mut rest = text;
    while let Some(i) = rest.find('"') {
        let after = &rest[i + 1..];
        let Some(end) = after.find('"') else {
            return false;
        };
        let key = &after[..end];
        let tail = after[end + 1..].trim_start();
        if !key.is_empty() && key.len() <= 40 && !key.contains('\n') && tail.starts_with(':') {
            return true;
        }
        rest = &after[end + 1..];
    }
    false
}

/// A field of an object by its name, ignoring case and `_`/`-`/space (models write `Persona`,
/// `output format`, `JSON-schema`): the first of `names` found.
pub fn reply_field<'a>(m: &'a Map<String, Value>, names: &[&str]) -> Option<&'a Value> {
    let norm = |k: &str| {
        k.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    names.iter().find_map(|n| m.get(*n)).or_else(|| {
        let wanted: Vec<String> = names.iter().map(|n| norm(n)).collect();
        m.iter()
            .find(|(k, _)| wanted.contains(&norm(k)))
            .map(|(_, v)| v)
    })
}

fn text_of(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// The prompt a JSON value holds, read leniently: field names in any case, steps as a list or as
/// one text with a step per line, empty steps and empty examples left out. A list holding one
/// object is read as that object.
pub fn spec_from_value(v: &Value) -> PromptSpec {
    let m = match v {
        Value::Object(m) => m,
        Value::Array(a) => match a.iter().find_map(Value::as_object) {
            Some(m) => m,
            None => return PromptSpec::default(),
        },
        _ => return PromptSpec::default(),
    };
    let steps = match reply_field(m, &["steps"]) {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(|t| strip_list_marker(t).to_owned())
            .filter(|t| !t.is_empty())
            .collect(),
        Some(Value::String(s)) => s
            .lines()
            .map(strip_list_marker)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    let examples = match reply_field(m, &["examples"]) {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_object)
            .map(|e| Example {
                input: text_of(reply_field(e, &["input"])),
                output: text_of(reply_field(e, &["output"])),
            })
            .filter(|e| !(e.input.is_empty() && e.output.is_empty()))
            .collect(),
        _ => Vec::new(),
    };
    PromptSpec {
        notes: text_of(reply_field(m, &["analysis"])),
        persona: text_of(reply_field(m, &["persona"])),
        context: text_of(reply_field(m, &["context"])),
        steps,
        format: text_of(reply_field(m, &["format", "output_format"])),
        json_schema: match reply_field(m, &["json_schema"]) {
            Some(Value::String(s)) => s.trim().to_owned(),
            // A schema written as an object rather than as text.
            Some(o @ Value::Object(_)) => serde_json::to_string_pretty(o).unwrap_or_default(),
            _ => String::new(),
        },
        examples,
    }
}

#[cfg(test)]
mod tests;
