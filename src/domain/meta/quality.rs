//! Whether a generated draft is usable as a start: every section filled and on the idea's topic,
//! no section that is a placeholder, no repeated lines, three examples that differ. Used by the
//! tests that run the tiny built-in model (its failures are exactly these), and cheap enough to
//! run on any draft.
//!
//! The rules are deliberately simple and stated in words, so a failure says what to look at:
//! - *empty*: a section (or a step, an example's input or output) with no text;
//! - *placeholder*: a text that is only a section name or a label (`PERSONA`, `Steps`, `input`),
//!   only ALL-CAPS words (`ANALYSIS`, `JSON`), or holds an identifier with digits such as
//!   `json_schema_1234567890`; a JSON schema that is not JSON;
//! - *repeated*: the same step twice, the same line twice in a section, two sections with the
//!   same text, two examples with the same input or the same output;
//! - *off topic*: a section that shares no content word with the idea (stop words removed, words
//!   compared by a crude stem: `deliveries` ~ `delivery`, `meetings` ~ `meeting` ~ `meet`);
//! - *count*: not exactly three examples, fewer than two steps.
use crate::domain::sorted::SortedSet;

use crate::domain::spec::{PromptSpec, Section};

/// Words that say nothing about a task's topic (articles, pronouns, auxiliaries, and the words
/// every prompt uses: assistant, bot, user, answer, write…).
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "after",
    "all",
    "also",
    "an",
    "and",
    "answer",
    "any",
    "are",
    "as",
    "assistant",
    "at",
    "be",
    "been",
    "before",
    "being",
    "bot",
    "but",
    "by",
    "can",
    "chatbot",
    "could",
    "do",
    "does",
    "each",
    "every",
    "for",
    "from",
    "get",
    "give",
    "had",
    "has",
    "have",
    "he",
    "help",
    "her",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "just",
    "make",
    "may",
    "me",
    "model",
    "more",
    "most",
    "much",
    "my",
    "no",
    "not",
    "of",
    "on",
    "one",
    "or",
    "our",
    "out",
    "over",
    "please",
    "reply",
    "she",
    "should",
    "so",
    "some",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "three",
    "to",
    "two",
    "up",
    "use",
    "user",
    "users",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "who",
    "why",
    "will",
    "with",
    "would",
    "write",
    "you",
    "your",
    "ai",
];

/// Texts that are a label, not content.
const LABELS: &[&str] = &[
    "persona",
    "context",
    "step",
    "steps",
    "format",
    "example",
    "examples",
    "analysis",
    "input",
    "output",
    "json",
    "text",
    "string",
    "none",
    "null",
    "n/a",
    "na",
    "todo",
    "tbd",
    "placeholder",
    "lorem ipsum",
    "...",
    "…",
    "json_schema",
    "schema",
];

/// What makes one section's text (steps or examples joined by lines) a poor start for `idea`
/// (`topic`: its content stems; empty to skip the topic check): empty, a placeholder, a line
/// repeated, or (except Format, which describes a shape) no word of the idea. One plain
/// sentence each; empty when usable.
pub fn section_problems(
    idea: &str,
    topic: &SortedSet<String>,
    section: Section,
    text: &str,
) -> Vec<String> {
    let mut out = Vec::new();
    let name = section.title();
    if text.trim().is_empty() {
        out.push(format!("{name} is empty."));
        return out;
    }
    if section != Section::Steps && section != Section::Examples && is_placeholder(text) {
        out.push(format!(
            "{name} is a placeholder: \u{201c}{}\u{201d}.",
            text.trim()
        ));
        return out;
    }
    if let Some(line) = repeated_line(text) {
        if section == Section::Examples {
            out.push(format!(
                "{name} repeats the example \u{201c}{line}\u{201d}."
            ));
        } else {
            out.push(format!("{name} repeats the line \u{201c}{line}\u{201d}."));
        }
    }
    // Format describes a shape ("a bulleted list: owner, task, due date"), which need not
    // repeat a word of the idea: the check doubted an on-topic Format (tryout 46).
    if section != Section::Format && !topic.is_empty() && !shares_stem(topic, &content_stems(text))
    {
        out.push(format!(
            "{name} uses no word of your idea (none of: {}).",
            some_of(idea)
        ));
    }
    out
}

/// The Examples section as the checks read it: one line per example, its input and output on
/// it (`input → output`), so that only a whole example repeated counts as a repeat (tryout 48:
/// two examples whose output is rightly "No action items." were marked "repeats the line").
pub fn examples_text(examples: &[crate::domain::spec::Example]) -> String {
    examples
        .iter()
        .map(|e| {
            let flat = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
            format!("{} \u{2192} {}", flat(&e.input), flat(&e.output))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// What makes `spec` a poor start for `idea`, one plain sentence each; empty when usable.
pub fn problems(idea: &str, spec: &PromptSpec) -> Vec<String> {
    let mut out = Vec::new();
    let topic = content_stems(idea);
    let steps = spec.steps.join("\n");
    let examples = examples_text(&spec.examples);
    let sections: [(Section, &str); 5] = [
        (Section::Persona, &spec.persona),
        (Section::Context, &spec.context),
        (Section::Steps, &steps),
        (Section::Format, &spec.format),
        (Section::Examples, &examples),
    ];
    for (section, text) in sections {
        out.extend(section_problems(idea, &topic, section, text));
    }
    for (a, b) in pairs(&sections.map(|(s, t)| (s, normalize(t)))) {
        if !a.1.is_empty() && a.1 == b.1 {
            out.push(format!(
                "{} and {} have the same text.",
                a.0.title(),
                b.0.title()
            ));
        }
    }
    let js = spec.json_schema.trim();
    if !js.is_empty() && serde_json::from_str::<serde_json::Value>(js).is_err() {
        out.push(format!(
            "The JSON schema is not JSON: \u{201c}{js}\u{201d}."
        ));
    }
    if !spec.steps.is_empty() && spec.steps.len() < 2 {
        out.push("Steps has only one step.".to_owned());
    }
    for (i, s) in spec.steps.iter().enumerate() {
        if s.trim().is_empty() {
            out.push(format!("Step {} is empty.", i + 1));
        } else if is_placeholder(s) {
            out.push(format!(
                "Step {} is a placeholder: \u{201c}{}\u{201d}.",
                i + 1,
                s.trim()
            ));
        }
    }
    let numbered: Vec<(usize, String)> = spec
        .steps
        .iter()
        .map(|s| normalize(s))
        .enumerate()
        .collect();
    for (a, b) in pairs(&numbered) {
        if !a.1.is_empty() && a.1 == b.1 {
            out.push(format!("Steps {} and {} are the same.", a.0 + 1, b.0 + 1));
        }
    }
    if spec.examples.len() != 3 {
        let n = spec.examples.len();
        out.push(format!(
            "There {} {}, not 3.",
            crate::domain::figures::noun(n, "is", "are"),
            crate::domain::figures::count(n, "example", "examples")
        ));
    }
    for (i, e) in spec.examples.iter().enumerate() {
        for (part, text) in [("input", &e.input), ("output", &e.output)] {
            if text.trim().is_empty() {
                out.push(format!("Example {} has no {part}.", i + 1));
            } else if is_placeholder(text) {
                out.push(format!(
                    "Example {}'s {part} is a placeholder: \u{201c}{}\u{201d}.",
                    i + 1,
                    text.trim()
                ));
            }
        }
    }
    let inputs: Vec<(usize, String)> = spec
        .examples
        .iter()
        .map(|e| normalize(&e.input))
        .enumerate()
        .collect();
    let outputs: Vec<(usize, String)> = spec
        .examples
        .iter()
        .map(|e| normalize(&e.output))
        .enumerate()
        .collect();
    for (what, list) in [("input", inputs), ("output", outputs)] {
        for (a, b) in pairs(&list) {
            if !a.1.is_empty() && a.1 == b.1 {
                out.push(format!(
                    "Examples {} and {} have the same {what}.",
                    a.0 + 1,
                    b.0 + 1
                ));
            }
        }
    }
    out
}

/// What makes one model-written text (a test output, a suggested case, a critique) unusable
/// for `topic` (the idea or the input it answers), one plain sentence each: empty, a
/// placeholder, a line repeated, or no content word shared with the topic (skipped when the
/// topic has none).
pub fn text_problems(topic: &str, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    if text.trim().is_empty() {
        out.push("The text is empty.".to_owned());
        return out;
    }
    if is_placeholder(text) {
        out.push(format!(
            "The text is a placeholder: \u{201c}{}\u{201d}.",
            text.trim()
        ));
    }
    if let Some(line) = repeated_line(text) {
        out.push(format!("The text repeats the line \u{201c}{line}\u{201d}."));
    }
    let stems = content_stems(topic);
    if !stems.is_empty() && !shares_stem(&stems, &content_stems(text)) {
        out.push(format!(
            "The text does not mention the topic (none of: {}).",
            some_of(topic)
        ));
    }
    out
}

/// Every pair `(list[i], list[j])` with `i < j`.
fn pairs<T: Clone>(list: &[T]) -> Vec<(T, T)> {
    let mut out = Vec::new();
    for (i, a) in list.iter().enumerate() {
        for b in &list[i + 1..] {
            out.push((a.clone(), b.clone()));
        }
    }
    out
}

/// Lower case, words only, single spaces: what two texts are compared by.
fn normalize(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A label, only ALL-CAPS words, or an identifier with digits (`json_schema_1234567890`).
fn is_placeholder(text: &str) -> bool {
    let t = text.trim();
    let lower = t.to_lowercase();
    let bare = lower.trim_matches(|c: char| !c.is_alphanumeric() && c != '_' && c != '/');
    if LABELS.contains(&bare) || LABELS.contains(&lower.as_str()) {
        return true;
    }
    let words: Vec<&str> = t
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|w| w.chars().any(char::is_alphabetic))
        .collect();
    if !words.is_empty()
        && words.iter().all(|w| {
            w.chars()
                .filter(|c| c.is_alphabetic())
                .all(char::is_uppercase)
        })
    {
        return true;
    }
    t.split_whitespace().any(|w| {
        let w = w.trim_matches(|c: char| !c.is_alphanumeric() && c != '_');
        w.contains('_') && w.chars().filter(char::is_ascii_digit).count() >= 4
    })
}

/// The first line (trimmed, at least a few words) that appears twice in `text`.
fn repeated_line(text: &str) -> Option<String> {
    let mut seen = SortedSet::new();
    for line in text.lines() {
        let n = normalize(line);
        if n.split(' ').count() < 3 {
            continue;
        }
        if !seen.insert(n) {
            return Some(line.trim().to_owned());
        }
    }
    None
}

/// The stems of the words in `text` that carry meaning.
pub fn content_stems(text: &str) -> SortedSet<String> {
    words_of(text).map(|w| stem(&w)).collect()
}

/// The content words of `text`, lower case, in order: longer than two letters, not a stop word,
/// outside HTML-like tags (`<img src=x onerror=…>` is markup, not words of an idea: tryout 11,
/// m2).
///
/// Scripts written without spaces between words (Chinese, Japanese; Korean too, whose words
/// carry their particles) have no word to split at: their runs of characters give overlapping
/// pairs of characters instead (a run of one gives itself), as CJK search indexes do (Lucene's
/// `CJKBigramFilter`), with Japanese hiragana (particles and endings) as a break between runs
/// (tryout 117: a Japanese idea was one "word", so every section and suggestion missed it).
/// Thai, Lao, Khmer and Myanmar, also written without spaces, give overlapping runs of three
/// characters: their vowel signs and tone marks are characters of their own, so a pair is often
/// a consonant and a vowel that many unrelated words share (Thai `การ` and `อาหาร` share `าร`).
fn words_of(text: &str) -> impl Iterator<Item = String> {
    let mut out = Vec::new();
    for token in without_tags(text).split(|c: char| !c.is_alphanumeric() && c != '\'') {
        if token
            .chars()
            .any(|c| is_cjk(c) || is_unspaced_southeast_asian(c))
        {
            cjk_words(token, &mut out);
            continue;
        }
        let w = token.trim_matches('\'').to_lowercase();
        let w = w.strip_suffix("'s").map(str::to_owned).unwrap_or(w);
        if w.chars().count() > 2
            && !STOP_WORDS.contains(&w.as_str())
            && w.chars().any(char::is_alphabetic)
        {
            out.push(w);
        }
    }
    out.into_iter()
}

/// Han ideographs (with the iteration mark 々), kana and Hangul: scripts that [`words_of`] reads
/// as pairs of characters.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3005 | 0x3040..=0x30FF | 0x31F0..=0x31FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xF900..=0xFAFF | 0xFF66..=0xFF9F | 0x1100..=0x11FF | 0x3130..=0x318F
        | 0xAC00..=0xD7AF | 0x20000..=0x2FFFF)
}

/// Thai, Lao, Myanmar (with its extensions) and Khmer (with its symbols): scripts that
/// [`words_of`] reads as runs of three characters.
fn is_unspaced_southeast_asian(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF | 0x1000..=0x109F | 0xA9E0..=0xA9FF | 0xAA60..=0xAA7F | 0x1780..=0x17FF
        | 0x19E0..=0x19FF)
}

/// Hiragana (and its iteration marks): Japanese particles and endings, a break between words.
fn is_hiragana(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x309F)
}

/// The words [`words_of`] reads in `token`, a run with characters of scripts written without
/// spaces in it: each run of CJK characters other than hiragana as its overlapping pairs, each
/// run of Thai, Lao, Khmer or Myanmar as its overlapping threes (a shorter run as itself); the
/// token's other letters as ordinary words (`AI` in `AIボット`, kept when over two letters).
fn cjk_words(token: &str, out: &mut Vec<String>) {
    let token = without_korean_ending(token);
    let mut run: Vec<char> = Vec::new();
    let mut other = String::new();
    let flush_run = |run: &mut Vec<char>, out: &mut Vec<String>| {
        let n = if run.first().is_some_and(|c| is_unspaced_southeast_asian(*c)) {
            3
        } else {
            2
        };
        let grams: Vec<String> = if run.len() <= n {
            (!run.is_empty())
                .then(|| run.iter().collect())
                .into_iter()
                .collect()
        } else {
            run.windows(n).map(|p| p.iter().collect()).collect()
        };
        out.extend(
            grams
                .into_iter()
                .filter(|g| !THAI_FUNCTION_WORDS.contains(&g.as_str())),
        );
        run.clear();
    };
    let flush_other = |other: &mut String, out: &mut Vec<String>| {
        let w = other.to_lowercase();
        if w.chars().count() > 2 && !STOP_WORDS.contains(&w.as_str()) {
            out.push(w);
        }
        other.clear();
    };
    for c in token.chars() {
        let southeast_asian = is_unspaced_southeast_asian(c);
        if is_cjk(c) || southeast_asian {
            flush_other(&mut other, out);
            // A run is of one kind: pairs or threes.
            if run
                .first()
                .is_some_and(|r| is_unspaced_southeast_asian(*r) != southeast_asian)
            {
                flush_run(&mut run, out);
            }
            if is_hiragana(c) {
                flush_run(&mut run, out);
            } else {
                run.push(c);
            }
        } else {
            flush_run(&mut run, out);
            if c.is_alphabetic() {
                other.push(c);
            } else {
                flush_other(&mut other, out);
            }
        }
    }
    flush_run(&mut run, out);
    flush_other(&mut other, out);
}

/// Thai function words of three characters ("that", "and", "of", the nominalizer, "you", "is" in
/// two threes, "give", "can", "from", "with", "not", "this", "person"), which are not words of an
/// idea: without them a Thai text on another topic shared a three with it (`ที่` in both).
const THAI_FUNCTION_WORDS: [&str; 14] = [
    "ที่",
    "และ",
    "ของ",
    "การ",
    "คุณ",
    "เป็",
    "ป็น",
    "ให้",
    "ได้",
    "จาก",
    "กับ",
    "ไม่",
    "นี้",
    "ผู้",
];

/// Korean particles and endings that close a word (longest first): `회의록에서` is `회의록` "in
/// the minutes" (tryout 118: off-topic Korean text matched an idea on its particle pairs, `에서`).
const KOREAN_ENDINGS: [&str; 38] = [
    "에서는",
    "입니다",
    "합니다",
    "습니다",
    "에서",
    "에게",
    "께서",
    "한테",
    "까지",
    "부터",
    "으로",
    "이나",
    "이랑",
    "처럼",
    "보다",
    "니다",
    "하는",
    "하다",
    "해요",
    "세요",
    "으면",
    "에는",
    "와",
    "과",
    "을",
    "를",
    "이",
    "가",
    "은",
    "는",
    "의",
    "에",
    "로",
    "도",
    "만",
    "나",
    "랑",
    "요",
];

/// `token` without the Korean particle or ending that closes it, when it is Hangul syllables
/// alone and at least two of them stay (`회의` "meeting" keeps its `의`).
fn without_korean_ending(token: &str) -> &str {
    if !token.chars().all(|c| matches!(c as u32, 0xAC00..=0xD7AF)) {
        return token;
    }
    KOREAN_ENDINGS
        .iter()
        .filter_map(|e| token.strip_suffix(e))
        .find(|stem| stem.chars().count() >= 2)
        .unwrap_or(token)
}

/// `text` with every tag-like span (`<` then a letter, `/` or `!`, up to the next `>`) made a
/// space; a lone `<` (as in "a < b") stays.
fn without_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let tag = after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!');
        match after.find('>') {
            Some(end) if tag => {
                out.push(' ');
                rest = &after[end + 1..];
            }
            _ => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A crude English stem: one common suffix off, when at least three letters remain
/// (`deliveries` -> `delivery`, `meetings` -> `meet`, `pulls` -> `pull`, `polite` stays).
pub fn stem(word: &str) -> String {
    const SUFFIXES: &[(&str, &str)] = &[
        ("ations", "ate"),
        ("ation", "ate"),
        ("ings", ""),
        ("ing", ""),
        ("ies", "y"),
        ("ied", "y"),
        ("ers", ""),
        ("er", ""),
        ("ed", ""),
        ("es", ""),
        ("ly", ""),
        ("s", ""),
    ];
    for (suffix, with) in SUFFIXES {
        if let Some(base) = word.strip_suffix(suffix)
            && base.chars().count() >= 3
            && !(*suffix == "s" && base.ends_with('s'))
        {
            // A suffix that ate an `e` leaves a short consonant-vowel-consonant base:
            // `notes`/`noted`/`noting` -> `note` (not `not`), `hoped` -> `hope`.
            let ate_e = matches!(*suffix, "es" | "ed" | "ing" | "ings" | "er" | "ers");
            if ate_e && with.is_empty() && short_cvc(base) {
                return format!("{base}e");
            }
            return format!("{base}{with}");
        }
    }
    word.to_owned()
}

/// Three letters, consonant-vowel-consonant, the last not `w`, `x` or `y` (`not`, `hop`,
/// `tim`; not `box`, `day`).
fn short_cvc(base: &str) -> bool {
    let c: Vec<char> = base.chars().collect();
    let vowel = |ch: char| "aeiou".contains(ch);
    c.len() == 3
        && c.iter().all(char::is_ascii_lowercase)
        && !vowel(c[0])
        && vowel(c[1])
        && !vowel(c[2])
        && !"wxy".contains(c[2])
}

/// The words of a "does not mention" message: the topic's content words as written, one per
/// stem, in order, at most eight, then how many more.
fn some_of(topic: &str) -> String {
    const SHOWN: usize = 8;
    let mut seen = SortedSet::new();
    let words: Vec<String> = words_of(topic).filter(|w| seen.insert(stem(w))).collect();
    // Each word isolated from the sentence's direction (U+2068 ... U+2069): Arabic or Hebrew
    // words in an English list kept their order on screen (tryout 11, m2: the list read garbled).
    let mut out = words
        .iter()
        .take(SHOWN)
        .map(|w| format!("\u{2068}{w}\u{2069}"))
        .collect::<Vec<_>>()
        .join(", ");
    if words.len() > SHOWN {
        out.push_str(&format!(" and {} more", words.len() - SHOWN));
    }
    out
}

/// Whether a stem of `text` matches one of `topic`: the same, or the same first five letters
/// (`summarise` ~ `summary`, `jewelry` ~ `jewellery`).
fn shares_stem(topic: &SortedSet<String>, text: &SortedSet<String>) -> bool {
    topic.iter().any(|a| {
        text.iter().any(|b| {
            a == b || {
                let pa: String = a.chars().take(5).collect();
                pa.chars().count() == 5 && b.starts_with(&pa)
            }
        })
    })
}

#[cfg(test)]
mod tests;
