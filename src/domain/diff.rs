//! Differences between two versions of a prompt, section by section, word by word, and the
//! constraints a change removed (a refined prompt can silently drop one).
use similar::{ChangeTag, TextDiff};

use crate::domain::spec::{PromptSpec, Section};

/// A run of words that is the same, added or removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Same(String),
    Added(String),
    Removed(String),
}

/// The difference in one section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionDiff {
    pub section: Section,
    pub pieces: Vec<Piece>,
}

impl SectionDiff {
    pub fn changed(&self) -> bool {
        self.pieces.iter().any(|p| !matches!(p, Piece::Same(_)))
    }
}

/// Word-level differences of every section. Steps and Examples are lists: their items are
/// matched first ([`diff_items`]), so a step put in between reads as one step added, not as
/// every later step rewritten (tryout 97: "4. ~~Return~~List every person…" for an inserted
/// step 4, the steps being aligned by their numbers).
pub fn diff_specs(old: &PromptSpec, new: &PromptSpec) -> Vec<SectionDiff> {
    Section::ALL
        .into_iter()
        .map(|s| SectionDiff {
            section: s,
            pieces: match s {
                Section::Steps => diff_items(&old.steps, &new.steps, "\n", |i, t| {
                    format!("{}. {t}", i + 1)
                }),
                Section::Examples => {
                    // An example as its input and output (the labels every example shares are
                    // no likeness: the review of session 48 saw unrelated short examples diffed
                    // word by word), shown with them.
                    let items = |spec: &PromptSpec| -> Vec<String> {
                        spec.examples
                            .iter()
                            .map(|e| format!("{}{EXAMPLE_SEP}{}", e.input.trim(), e.output.trim()))
                            .collect()
                    };
                    diff_items(&items(old), &items(new), "\n---\n", |_, t| {
                        let (input, output) = t.split_once(EXAMPLE_SEP).unwrap_or((t, ""));
                        format!("Input:\n{input}\nOutput:\n{output}")
                    })
                }
                _ => diff_words(&old.section_text(s), &new.section_text(s)),
            },
        })
        .collect()
}

/// Between an example's input and output in the items [`diff_items`] matches (a character no
/// example text holds: the record separator).
const EXAMPLE_SEP: char = '\u{1e}';

/// How alike two items must be (similar's word ratio, 0 to 1) to be shown as one item changed
/// word by word rather than one removed and another added.
const ALIKE: f32 = 0.5;

/// The most pairs of replaced items a diff compares word by word (each comparison has its own
/// 200 ms limit); past it, the rest are shown removed and added whole.
const MOST_PAIRS: usize = 50;

/// The differences of two lists of items, as the section shows them: each item as `show`
/// writes it (from its place, 0-based, in its own list, and its text), `sep` between items.
/// Items are matched as wholes first ([`item_ops`]): one kept is the same (diffed word by word
/// as shown when `show` writes it otherwise in its new place: a step's number), one put in
/// added, one taken out removed; in a stretch where items were replaced, each pair in order
/// that is at least [`ALIKE`] is diffed word by word, the others removed and added whole.
pub fn diff_items(
    old: &[String],
    new: &[String],
    sep: &str,
    show: impl Fn(usize, &str) -> String,
) -> Vec<Piece> {
    use similar::DiffOp;
    let mut out: Vec<Piece> = Vec::new();
    let mut push = |p: Piece| {
        let merged = match (out.last_mut(), &p) {
            (Some(Piece::Same(a)), Piece::Same(b))
            | (Some(Piece::Added(a)), Piece::Added(b))
            | (Some(Piece::Removed(a)), Piece::Removed(b)) => {
                a.push_str(b);
                true
            }
            _ => false,
        };
        if !merged {
            out.push(p);
        }
    };
    let mut pairs = 0;
    for op in item_ops(old, new) {
        match op {
            DiffOp::Equal {
                old_index,
                new_index,
                len,
            } => {
                for k in 0..len {
                    let (i, j) = (old_index + k, new_index + k);
                    let (was, now) = (show(i, &old[i]), show(j, &new[j]));
                    if was == now {
                        push(Piece::Same(format!("{now}{sep}")));
                    } else {
                        // The same item in another place: its number's change is shown, as it
                        // is for an item reworded (tryout 100: "1. Read the notes." read as
                        // unchanged where it had been step 2, beside "~~3.~~2. Find …").
                        for p in diff_words(&was, &now) {
                            push(p);
                        }
                        push(Piece::Same(sep.to_owned()));
                    }
                }
            }
            DiffOp::Delete {
                old_index, old_len, ..
            } => {
                for i in old_index..old_index + old_len {
                    push(Piece::Removed(format!("{}{sep}", show(i, &old[i]))));
                }
            }
            DiffOp::Insert {
                new_index, new_len, ..
            } => {
                for j in new_index..new_index + new_len {
                    push(Piece::Added(format!("{}{sep}", show(j, &new[j]))));
                }
            }
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                for k in 0..old_len.max(new_len) {
                    let (i, j) = (old_index + k, new_index + k);
                    match (k < old_len, k < new_len) {
                        (true, true) if pairs < MOST_PAIRS && alike(&old[i], &new[j]) => {
                            pairs += 1;
                            // As shown (a step's number too: one moved and reworded says both).
                            for p in diff_words(&show(i, &old[i]), &show(j, &new[j])) {
                                push(p);
                            }
                            push(Piece::Same(sep.to_owned()));
                        }
                        (has_old, has_new) => {
                            if has_old {
                                push(Piece::Removed(format!("{}{sep}", show(i, &old[i]))));
                            }
                            if has_new {
                                push(Piece::Added(format!("{}{sep}", show(j, &new[j]))));
                            }
                        }
                    }
                }
            }
        }
    }
    // No separator after the last item.
    if let Some(Piece::Same(t) | Piece::Added(t) | Piece::Removed(t)) = out.last_mut() {
        if let Some(cut) = t.strip_suffix(sep) {
            let cut = cut.len();
            t.truncate(cut);
        }
    }
    if out.last().is_some_and(|p| match p {
        Piece::Same(t) | Piece::Added(t) | Piece::Removed(t) => t.is_empty(),
    }) {
        out.pop();
    }
    out
}

/// The operations that turn the list `old` into `new`, each item one whole: the items as the
/// lines of a text for similar's line diff (its newlines stood in for), so the page compiles
/// one diff of `&str` tokens for words and items alike (a diff of `String` slices was its own
/// copy of the algorithm: +15 KB gzip).
fn item_ops(old: &[String], new: &[String]) -> Vec<similar::DiffOp> {
    let lines = |items: &[String]| -> String {
        items
            .iter()
            .map(|t| format!("{}\n", t.replace('\n', "\u{1f}")))
            .collect()
    };
    let (a, b) = (lines(old), lines(new));
    TextDiff::configure()
        .timeout(std::time::Duration::from_millis(200))
        .diff_lines(&a, &b)
        .ops()
        .to_vec()
}

/// Whether two items are alike enough to be diffed word by word ([`ALIKE`]).
fn alike(a: &str, b: &str) -> bool {
    TextDiff::configure()
        .timeout(std::time::Duration::from_millis(200))
        .diff_words(a, b)
        .ratio()
        >= ALIKE
}

/// The steps of `old` that [`diff_items`] takes out whole (with no step of `new` in their place):
/// a step deleted is removed whatever words it shares with the others.
fn steps_deleted(old: &[String], new: &[String]) -> Vec<usize> {
    use similar::DiffOp;
    item_ops(old, new)
        .into_iter()
        .filter_map(|op| match op {
            DiffOp::Delete {
                old_index, old_len, ..
            } => Some(old_index..old_index + old_len),
            _ => None,
        })
        .flatten()
        .collect()
}

/// Word-level difference of two texts, with runs of the same kind merged.
pub fn diff_words(old: &str, new: &str) -> Vec<Piece> {
    let diff = TextDiff::configure()
        .timeout(std::time::Duration::from_millis(200))
        .diff_words(old, new);
    let mut out: Vec<Piece> = Vec::new();
    for change in diff.iter_all_changes() {
        let text = change.value();
        let merged = match (out.last_mut(), change.tag()) {
            (Some(Piece::Same(s)), ChangeTag::Equal)
            | (Some(Piece::Added(s)), ChangeTag::Insert)
            | (Some(Piece::Removed(s)), ChangeTag::Delete) => {
                s.push_str(text);
                true
            }
            _ => false,
        };
        if !merged {
            out.push(match change.tag() {
                ChangeTag::Equal => Piece::Same(text.to_owned()),
                ChangeTag::Insert => Piece::Added(text.to_owned()),
                ChangeTag::Delete => Piece::Removed(text.to_owned()),
            });
        }
    }
    out
}

/// Words that mark a limit or an obligation ("never", "must", "only"…): a sentence, or a step,
/// that holds one is a rule judged by its exact text. (A step with only a
/// [`CONDITION_MARKERS`] word is judged by its words like any step, so one reworded with them
/// kept is not flagged: the review.)
const CONSTRAINT_MARKERS: &[&str] = &[
    "must",
    "never",
    "always",
    "only",
    "do not",
    "don't",
    "avoid",
    "at most",
    "at least",
    "no more than",
    "exactly",
    "required",
    "forbidden",
    "should not",
    "without",
    "refrain",
    "max",
    "may not",
    "must not",
    "cannot",
    "can't",
    "have to",
    "has to",
];

/// Words that make a sentence of Persona, Context or Format a rule besides
/// [`CONSTRAINT_MARKERS`]: an obligation, a condition (an instruction for a case, "If the notes
/// are empty, ask for them."; tryout 105: such a rule, added by a critique's fix, was dropped by
/// an optimizer candidate and not named among the removed rules) or a limit (tryout 106).
const CONDITION_MARKERS: &[&str] = &[
    "should",
    "make sure",
    "ensure",
    "if",
    "unless",
    "when",
    "whenever",
    "otherwise",
    "in case",
    "limit",
    "maximum",
    "minimum",
    "under",
    "up to",
    "fewer than",
    "less than",
    "more than",
    "no longer than",
];

/// Verbs that make a sentence starting with them an instruction ("Answer in French.", "Refuse
/// requests for legal advice.", "Keep each item under 20 words."; tryout 106: such rules,
/// dropped, were not flagged).
const INSTRUCTION_VERBS: &[&str] = &[
    "add",
    "answer",
    "ask",
    "assume",
    "be",
    "begin",
    "cite",
    "consider",
    "do",
    "explain",
    "follow",
    "give",
    "greet",
    "highlight",
    "ignore",
    "include",
    "exclude",
    "keep",
    "make",
    "mention",
    "omit",
    "prefer",
    "put",
    "refuse",
    "remove",
    "reply",
    "respect",
    "respond",
    "return",
    "say",
    "separate",
    "skip",
    "speak",
    "stay",
    "summarise",
    "summarize",
    "tell",
    "translate",
    "treat",
    "use",
    "verify",
    "wrap",
    "write",
];

/// Whether a sentence (lower case) states a rule: it holds a [`CONSTRAINT_MARKERS`] or
/// [`CONDITION_MARKERS`] word or
/// starts with one of the [`INSTRUCTION_VERBS`] (after a list mark such as "- " or "2.").
fn states_a_rule(lower: &str) -> bool {
    if CONSTRAINT_MARKERS
        .iter()
        .chain(CONDITION_MARKERS)
        .any(|m| contains_word(lower, m))
    {
        return true;
    }
    let first = lower
        .trim_start_matches(|c: char| !c.is_alphabetic())
        .split(|c: char| !c.is_alphabetic())
        .next()
        .unwrap_or("");
    // A short ban with no verb ("No emojis.", tryout 109).
    INSTRUCTION_VERBS.contains(&first) || (first == "no" && lower.split_whitespace().count() <= 4)
}

/// The `{{placeholders}}` of `old` (any section, [`crate::domain::spec::placeholders`]) that
/// `new` no longer has, in `old`'s order: a test case's value for one of them is no longer
/// filled in (tryout 91: an Adapt reply left `{{notes}}` out, and no word said so).
pub fn removed_placeholders(old: &PromptSpec, new: &PromptSpec) -> Vec<String> {
    let all = |spec: &PromptSpec| {
        let text = Section::ALL
            .iter()
            .map(|s| spec.section_text(*s))
            .collect::<Vec<_>>()
            .join("\n");
        crate::domain::spec::placeholders(&text)
    };
    let kept = all(new);
    all(old)
        .into_iter()
        .filter(|name| !kept.contains(name))
        .collect()
}

/// Sentences of `old` that state a constraint and no longer appear in `new`: in Persona,
/// Context and Format a sentence that states a rule ([`states_a_rule`]: a limit, an obligation
/// or a condition, "never", "must", "only", "if", "under"…, or an instruction, "Answer in
/// French.") whose text is gone; in Steps also every step, a step being a rule by nature, once fewer than half
/// of its content words (four letters or more, common ones aside) are left in `new`'s steps
/// (a step reworded with its words kept, "Find every commitment." as "List every commitment
/// with its owner.", is not removed).
pub fn removed_constraints(old: &PromptSpec, new: &PromptSpec) -> Vec<String> {
    let new_text = normalise(
        &Section::ALL
            .iter()
            .map(|s| new.section_text(*s))
            .collect::<Vec<_>>()
            .join(" "),
    );
    // A step's words are looked for among the new steps only: the examples and the format
    // share the task's words with every step.
    let new_steps = normalise(&new.section_text(Section::Steps));
    let new_step_words = content_words(&new_steps);
    // Each new step's sentences with their content words and whether they state a condition.
    let new_step_sentences: Vec<(std::collections::HashSet<String>, bool)> = new
        .steps
        .iter()
        .flat_map(|step| sentences(step))
        .map(|t| {
            let lower = t.to_lowercase();
            (content_words(&lower), has_condition(&lower))
        })
        .collect();
    // Sentences kept as they were are found by a lookup, not by a search of the whole text
    // (tryout 81: a 260 KB section froze the page for seconds, each of its sentences searched
    // for in all the others).
    let new_sentences: std::collections::HashSet<String> = Section::ALL
        .iter()
        .flat_map(|s| {
            sentences(&new.section_text(*s))
                .into_iter()
                .map(normalise)
                .collect::<Vec<_>>()
        })
        .collect();
    let mut out = Vec::new();
    // Steps taken out whole, with none in their place (tryout 97: "Use {{notes}} as the notes."
    // was deleted and not named, its words being in another step).
    // A step moved (taken out here, put in elsewhere: reordered, or into another section) is
    // still there (the review of session 48: a swap was flagged).
    for i in steps_deleted(&old.steps, &new.steps) {
        let text = format!("{}. {}", i + 1, old.steps[i]);
        for sentence in sentences(&text) {
            let n = normalise(sentence);
            if new_sentences.contains(&n) || new_text.contains(&n) {
                continue;
            }
            let sentence = sentence.to_owned();
            if !out.contains(&sentence) {
                out.push(sentence);
            }
        }
    }
    for s in Section::ALL {
        if s == Section::Examples {
            continue;
        }
        for sentence in sentences(&old.section_text(s)) {
            // Read without the characters that show as nothing (tryout 107: "Ne\u{200b}ver"
            // hid its rule word).
            let lower: String = sentence
                .to_lowercase()
                .chars()
                .filter(|c| !crate::domain::figures::invisible(*c))
                .map(lookalike)
                .collect();
            // A step is a rule by nature and judged by its words below unless it holds a
            // limit word: an instruction verb, as most steps start, does not make it one.
            let marked = if s == Section::Steps {
                CONSTRAINT_MARKERS.iter().any(|m| contains_word(&lower, m))
            } else {
                states_a_rule(&lower)
            };
            let gone = if marked {
                let n = normalise(sentence);
                !new_sentences.contains(&n) && !new_text.contains(&n)
            } else {
                s == Section::Steps
                    && (step_gone(&lower, &new_step_words, &new_steps)
                        // A step kept as it was keeps its condition: looked up, not compared
                        // with every new step (a section of hundreds of kilobytes, tryout 81).
                        || (!new_sentences.contains(&normalise(sentence))
                            && condition_lost(&lower, &new_step_sentences)))
            };
            if gone && !out.iter().any(|o| o == sentence) {
                out.push(sentence.to_owned());
            }
        }
    }
    out
}

/// Words too common to tell one step from another.
const COMMON_WORDS: [&str; 12] = [
    "with", "each", "every", "that", "this", "from", "into", "their", "have", "your", "then",
    "them",
];

/// The content words of a text (lower case): four letters or more, common ones aside.
fn content_words(t: &str) -> std::collections::HashSet<String> {
    t.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 4 && !COMMON_WORDS.contains(w))
        .map(str::to_owned)
        .collect()
}

/// Whether a step (lower case) has lost most of its content words among `there`, the new
/// steps' [`content_words`]; a step with none is gone when `steps` (the new steps, normalised)
/// no longer hold it.
fn step_gone(step: &str, there: &std::collections::HashSet<String>, steps: &str) -> bool {
    let own: Vec<String> = step
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 4 && !COMMON_WORDS.contains(w))
        .map(str::to_owned)
        .collect();
    if own.is_empty() {
        return !steps.contains(&normalise(step));
    }
    let kept = own.iter().filter(|w| there.contains(*w)).count();
    kept * 2 < own.len()
}

/// The words that make a sentence hold for some cases only ("If a deadline is given, add it.").
const CONDITION_WORDS: &[&str] = &["if", "unless", "when", "whenever", "otherwise", "in case"];

fn has_condition(lower: &str) -> bool {
    CONDITION_WORDS.iter().any(|w| contains_word(lower, w))
}

/// Whether a step (lower case) that holds for some cases only has lost its condition: no new
/// step sentence (`there`: its content words, and whether it states a condition) keeps half of
/// its content words with a condition of its own or with the condition's words (tryout 108:
/// "If a deadline is given, add it to the item." became "Add the deadline to the item.", and
/// was not flagged). A step reworded with its condition kept is not: "When a date is vague, flag
/// it." as "Flag every vague date." (session 52's review).
fn condition_lost(step: &str, there: &[(std::collections::HashSet<String>, bool)]) -> bool {
    let Some(at) = CONDITION_WORDS
        .iter()
        .filter_map(|w| {
            step.match_indices(w)
                .find(|(i, _)| word_at(step, *i, w))
                .map(|(i, _)| i)
        })
        .min()
    else {
        return false;
    };
    // The condition: from its word to the clause's end.
    let clause = step[at..].split([',', ';', ':']).next().unwrap_or("");
    let mut condition = content_words(clause);
    condition.retain(|w| !CONDITION_WORDS.contains(&w.as_str()));
    let own = content_words(step);
    !there.iter().any(|(words, conditional)| {
        own.iter().filter(|w| words.contains(*w)).count() * 2 >= own.len()
            && (*conditional || condition.iter().all(|w| words.contains(w)))
    })
}

/// Whether `word` at byte `i` of `text` stands as a word of its own.
fn word_at(text: &str, i: usize, word: &str) -> bool {
    let before = text[..i].chars().last();
    let after = text[i + word.len()..].chars().next();
    before.is_none_or(|c| !c.is_alphanumeric()) && after.is_none_or(|c| !c.is_alphanumeric())
}

fn contains_word(haystack: &str, word: &str) -> bool {
    haystack
        .match_indices(word)
        .any(|(i, _)| word_at(haystack, i, word))
}

fn normalise(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .trim_end_matches(['.', '!', ';'])
        .to_owned()
}

/// The Latin letter or sign a character is drawn like, for reading rule words (tryout 108:
/// "Never" with a Cyrillic "е", or in fullwidth letters, was not read as "never"): fullwidth
/// ASCII (U+FF01 to U+FF5E) and the lower-case Cyrillic and Greek letters that look like Latin
/// ones; any other character as it is.
fn lookalike(c: char) -> char {
    match c {
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        'а' | 'α' => 'a',
        'с' | 'ϲ' => 'c',
        'ԁ' => 'd',
        'е' | 'ε' => 'e',
        'һ' => 'h',
        'і' | 'ι' => 'i',
        'ј' => 'j',
        'к' | 'κ' => 'k',
        'ӏ' => 'l',
        'о' | 'ο' => 'o',
        'р' | 'ρ' => 'p',
        'ԛ' => 'q',
        'ѕ' => 's',
        'υ' => 'u',
        'ν' => 'v',
        'ԝ' => 'w',
        'х' | 'χ' => 'x',
        'у' => 'y',
        _ => c,
    }
}

/// Words written with a full stop that does not end the sentence ("max. 5 items"), lower case.
const ABBREVIATIONS: &[&str] = &[
    "approx", "ca", "cf", "dr", "e.g", "eg", "etc", "i.e", "ie", "incl", "max", "min", "mr", "mrs",
    "ms", "no", "nr", "resp", "vs",
];

/// Whether the full stop at byte `i` of `line` ends an abbreviation or an initial ("max.", "e.g.",
/// "J."), or is followed by a word in lower case or a number: then it ends no sentence
/// (tryout 108: "Keep it brief, max. 5 items." was quoted as "Keep it brief, max.").
fn stop_within_sentence(line: &str, i: usize) -> bool {
    let word = line[..i]
        .rsplit(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("")
        .to_lowercase();
    let initial = word.chars().count() == 1 && word.chars().all(char::is_alphabetic);
    let next = line[i + 1..].trim_start().chars().next();
    initial
        || ABBREVIATIONS.contains(&word.as_str())
        || next.is_some_and(|c| c.is_lowercase() || c.is_ascii_digit())
}

fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut start = 0;
        let bytes = line.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            let end_of_sentence = matches!(b, b'.' | b'!' | b'?' | b';')
                && bytes.get(i + 1).is_none_or(|n| *n == b' ')
                && !(b == b'.' && stop_within_sentence(line, i));
            if end_of_sentence {
                let s = line[start..=i].trim();
                if s.len() > 3 {
                    out.push(crate::domain::spec::strip_list_marker(s));
                }
                start = i + 1;
            }
        }
        let s = line[start..].trim();
        if s.len() > 3 {
            out.push(crate::domain::spec::strip_list_marker(s));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_level_pieces() {
        let d = diff_words(
            "List every action item with its owner.",
            "List each action item with owner and date.",
        );
        let rendered: String = d
            .iter()
            .map(|p| match p {
                Piece::Same(s) => s.clone(),
                Piece::Added(s) => format!("[+{s}]"),
                Piece::Removed(s) => format!("[-{s}]"),
            })
            .collect();
        assert_eq!(
            rendered,
            "List [-every][+each] action item with [-its][+owner and] [-owner.][+date.]"
        );
        assert!(
            diff_words("same", "same")
                .iter()
                .all(|p| matches!(p, Piece::Same(_)))
        );
    }

    fn rendered(pieces: &[Piece]) -> String {
        pieces
            .iter()
            .map(|p| match p {
                Piece::Same(s) => s.clone(),
                Piece::Added(s) => format!("[+{s}]"),
                Piece::Removed(s) => format!("[-{s}]"),
            })
            .collect()
    }

    /// Tryout 97: a step put in as step 4 read as steps 4 and 5 rewritten ("4. ~~Return~~List
    /// every person…", "5. ~~Use~~Return…"), the steps being aligned by their numbers, and the
    /// step taken out was not among the removed constraints (its words were in another step).
    #[test]
    fn a_step_put_in_between_is_one_step_added() {
        let old = PromptSpec {
            steps: vec![
                "Read the notes.".into(),
                "Find each task.".into(),
                "Name its owner.".into(),
                "Return JSON only.".into(),
                "Use {{notes}} as the notes.".into(),
            ],
            ..Default::default()
        };
        let mut new = old.clone();
        new.steps = vec![
            "Read the notes.".into(),
            "Find each task.".into(),
            "Name its owner.".into(),
            "List every person named with a task, including Dan.".into(),
            "Return JSON only.".into(),
        ];
        let steps = diff_specs(&old, &new)
            .into_iter()
            .find(|d| d.section == Section::Steps)
            .unwrap();
        assert_eq!(
            rendered(&steps.pieces),
            // Tryout 100: the step moved down says its number changed (as a reworded one does).
            "1. Read the notes.\n2. Find each task.\n3. Name its owner.\n[+4. List every person named with a task, including Dan.\n][-4.][+5.] Return JSON only.\n[-5. Use {{notes}} as the notes.]"
        );
        assert_eq!(
            removed_constraints(&old, &new),
            ["Use {{notes}} as the notes."]
        );
        // Steps reordered: none is removed.
        let mut swapped = old.clone();
        swapped.steps.rotate_left(1);
        assert!(
            removed_constraints(&old, &swapped).is_empty(),
            "{:?}",
            removed_constraints(&old, &swapped)
        );
        // A step reworded in place is diffed word by word under its number.
        let mut reworded = old.clone();
        reworded.steps[1] = "Find every task.".into();
        let steps = diff_specs(&old, &reworded)
            .into_iter()
            .find(|d| d.section == Section::Steps)
            .unwrap();
        assert!(
            rendered(&steps.pieces).contains("2. Find [-each][+every] task.\n3. Name"),
            "{}",
            rendered(&steps.pieces)
        );
        // An example put in front is one example added.
        let ex = |i: &str, o: &str| crate::domain::spec::Example {
            input: i.into(),
            output: o.into(),
        };
        let old = PromptSpec {
            examples: vec![ex("a", "1"), ex("b", "2")],
            ..Default::default()
        };
        let mut new = old.clone();
        new.examples.insert(0, ex("z", "0"));
        let examples = diff_specs(&old, &new)
            .into_iter()
            .find(|d| d.section == Section::Examples)
            .unwrap();
        assert_eq!(
            rendered(&examples.pieces),
            "[+Input:\nz\nOutput:\n0\n---\n]Input:\na\nOutput:\n1\n---\nInput:\nb\nOutput:\n2"
        );
        // Two unrelated short examples in one place are one removed, one added (their shared
        // labels are no likeness).
        let mut other = old.clone();
        other.examples[1] = ex("q", "9");
        let examples = diff_specs(&old, &other)
            .into_iter()
            .find(|d| d.section == Section::Examples)
            .unwrap();
        assert_eq!(
            rendered(&examples.pieces),
            "Input:\na\nOutput:\n1\n---\n[-Input:\nb\nOutput:\n2\n---\n][+Input:\nq\nOutput:\n9]"
        );
        // Unchanged lists are the same, with nothing added after the last item.
        assert!(!diff_specs(&old, &old).iter().any(SectionDiff::changed));
        assert_eq!(diff_items(&[], &[], "\n", |_, t| t.to_owned()), []);
    }

    #[test]
    fn removed_placeholders_are_named() {
        let old = PromptSpec {
            context: "The notes are in {{notes}}; answer in {{ lang }}.".into(),
            format: "A list for {{lang}}.".into(),
            ..Default::default()
        };
        let new = PromptSpec {
            context: "Answer in {{lang}}.".into(),
            ..Default::default()
        };
        assert_eq!(removed_placeholders(&old, &new), ["notes"]);
        assert!(removed_placeholders(&new, &old).is_empty());
        assert!(removed_placeholders(&old, &old).is_empty());
    }

    #[test]
    fn removed_constraints_are_flagged() {
        let old = PromptSpec {
            context:
                "Inputs are notes. Never invent owners. Keep it short; answer only in English."
                    .into(),
            steps: vec!["Read the notes.".into(), "You must list dates.".into()],
            ..Default::default()
        };
        let mut new = old.clone();
        new.context = "Inputs are notes. Keep it short; answer only in English.".into();
        new.steps = vec![
            "Read the notes carefully.".into(),
            "You must list dates".into(),
        ];
        assert_eq!(removed_constraints(&old, &new), ["Never invent owners."]);
        // Tryout 108: a rule with an abbreviation was quoted cut at its full stop.
        let abbreviated = PromptSpec {
            context: "Inputs are notes. Keep it brief, max. 5 items. Notes come from e.g. Zoom calls. J. Smith writes the notes.".into(),
            ..Default::default()
        };
        let without = PromptSpec {
            context: "Inputs are notes.".into(),
            ..Default::default()
        };
        assert_eq!(
            removed_constraints(&abbreviated, &without),
            ["Keep it brief, max. 5 items."]
        );
        // Tryout 108: a step that lost its condition, its words kept; reworded with a
        // condition kept, it is not flagged.
        let conditional = PromptSpec {
            steps: vec![
                "Read the notes.".into(),
                "If a deadline is given, add it to the item.".into(),
                "Skip items marked done unless the user asks for all.".into(),
            ],
            ..Default::default()
        };
        let unconditional = PromptSpec {
            steps: vec![
                "Read the notes.".into(),
                "Add the deadline to the item.".into(),
                "Skip items marked done.".into(),
            ],
            ..Default::default()
        };
        assert_eq!(
            removed_constraints(&conditional, &unconditional),
            [
                "If a deadline is given, add it to the item.",
                "Skip items marked done unless the user asks for all."
            ]
        );
        let reworded = PromptSpec {
            steps: vec![
                "Read the notes.".into(),
                "When the notes give a deadline, add it to the item.".into(),
                "Skip items marked done, all of them when the user asks for all.".into(),
            ],
            ..Default::default()
        };
        assert!(removed_constraints(&conditional, &reworded).is_empty());
        // Tryout 108: rule words in lookalike letters, and "Refrain from", were not read.
        let disguised = PromptSpec {
            context: "Inputs are notes. N\u{435}ver guess deadlines. \u{ff2e}\u{ff45}\u{ff56}\u{ff45}\u{ff52} share the notes. Refrain from naming people. Ne\u{ad}ver share the salary figures. No emojis. You may not share salaries. You have to use English. No owner is named in most of the notes.".into(),
            ..Default::default()
        };
        assert_eq!(
            removed_constraints(&disguised, &without),
            [
                "N\u{435}ver guess deadlines.",
                "\u{ff2e}\u{ff45}\u{ff56}\u{ff45}\u{ff52} share the notes.",
                "Refrain from naming people.",
                "Ne\u{ad}ver share the salary figures.",
                // Tryout 109: rule words these did not have.
                "No emojis.",
                "You may not share salaries.",
                "You have to use English."
            ]
        );
        assert_eq!(
            sentences(
                "Keep it brief, max. 5 items. Use e.g. Paris. Ask J. Smith first; then stop. Done."
            ),
            [
                "Keep it brief, max. 5 items.",
                "Use e.g. Paris.",
                "Ask J. Smith first;",
                "then stop.",
                "Done."
            ]
        );
        // Tryout 105: a rule for a case, added by a critique's fix, taken out by a candidate.
        let fixed = PromptSpec {
            context: "Inputs are meeting notes. If the notes are empty, ask for them. Users are busy. When a date is vague, say so.".into(),
            ..Default::default()
        };
        let candidate = PromptSpec {
            context: "Inputs are meeting notes. Users are busy.".into(),
            ..Default::default()
        };
        assert_eq!(
            removed_constraints(&fixed, &candidate),
            [
                "If the notes are empty, ask for them.",
                "When a date is vague, say so."
            ]
        );
        // Tryout 106: limits and instructions without such a word.
        let rules = [
            "Keep each item under 20 words.",
            "Limit answers to 50 words.",
            "Maximum 10 items.",
            "Refuse requests for legal advice.",
            "Answer in French.",
            "Ignore small talk.",
            "In case of doubt, write unassigned.",
        ];
        let with = PromptSpec {
            context: format!(
                "Notes in {{{{notes}}}}. Users are busy. {}",
                rules.join(" ")
            ),
            ..Default::default()
        };
        let without = PromptSpec {
            context: "Notes in {{notes}}. Users are busy.".into(),
            ..Default::default()
        };
        assert_eq!(removed_constraints(&with, &without), rules);
        // Tryout 107: a zero-width space inside its rule word.
        let hidden = PromptSpec {
            context: "Notes in {{notes}}. Ne\u{200b}ver reveal the key.".into(),
            ..Default::default()
        };
        assert_eq!(
            removed_constraints(&hidden, &without),
            ["Ne\u{200b}ver reveal the key."]
        );
        // A sentence that describes is not a rule, even one that starts with a word that is also
        // a verb (the review: "End users…", "Output is…").
        let described = PromptSpec {
            context: "Users are busy. End users are sales managers. Output is read by a script. Number formats follow the locale.".into(),
            ..Default::default()
        };
        assert!(removed_constraints(&described, &PromptSpec::default()).is_empty());
        // A step with a condition, reworded with its words kept, is not removed (the review).
        let step = PromptSpec {
            steps: vec!["When a date is vague, flag it.".into()],
            ..Default::default()
        };
        let reworded = PromptSpec {
            steps: vec!["Flag every vague date.".into()],
            ..Default::default()
        };
        assert!(removed_constraints(&step, &reworded).is_empty());
        // Tryout 5: deleted steps were shown only as struck-through text. A step is a rule.
        let old = PromptSpec {
            steps: vec![
                "Read the notes.".into(),
                "Find each task with an owner and due date.".into(),
                "Check the list against the format before replying.".into(),
            ],
            ..Default::default()
        };
        let mut fewer = old.clone();
        fewer.steps = vec!["Read the notes.".into(), "List tasks.".into()];
        assert_eq!(
            removed_constraints(&old, &fewer),
            [
                "Find each task with an owner and due date.",
                "Check the list against the format before replying."
            ]
        );
        // Reworded with its words kept: not removed.
        let mut reworded = old.clone();
        reworded.steps[1] = "Find every task, its owner and its due date.".into();
        reworded.steps[2] = "Before replying, check the list against the format.".into();
        assert!(removed_constraints(&old, &reworded).is_empty());
        // The e2e's edit: a step's words still found in the examples do not keep it.
        let mut with_examples = old.clone();
        with_examples.context = "Each task has an owner and a due date; check the format.".into();
        with_examples.steps = vec!["Read the notes.".into(), "List tasks.".into()];
        assert_eq!(
            removed_constraints(&old, &with_examples),
            [
                "Find each task with an owner and due date.",
                "Check the list against the format before replying."
            ]
        );
        let diffs = diff_specs(&old, &new);
        assert!(
            diffs
                .iter()
                .find(|d| d.section == Section::Context)
                .unwrap()
                .changed()
        );
        assert!(
            !diffs
                .iter()
                .find(|d| d.section == Section::Persona)
                .unwrap()
                .changed()
        );
    }
}
