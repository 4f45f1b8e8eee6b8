//! The LLM judge: the one call that asks the judge model to grade one output against a rubric
//! (reasoning first, then a score 1-10), made the same way by every workflow (runs, re-judge,
//! Reflexion, the optimizer), and the reader of its reply. The reader takes the JSON the judge was
//! asked for, also when it is near-JSON (comments, raw line breaks, ...), else a score written in
//! prose ("Score: 7/10", "Rating - 8 out of 10"); it never takes a number from a scale, a range or
//! the rubric echoed back, and keeps an unreadable reply whole so it can be shown and re-judged.
use serde_json::Value;

use super::{TestCase, clip};
use crate::domain::provider::{ChatRequest, OutputSchema, Role};
use crate::domain::structured;
use crate::domain::template;

const JUDGE: &str = include_str!("judge.md");
const JUDGE_USER: &str = include_str!("judge_user.md");
const JUDGE_SCHEMA: &str = include_str!("judge.schema.json");

/// The highest temperature the judge is ever called at, whatever its setting: a grade should not
/// depend on luck.
pub const MAX_TEMPERATURE: f32 = 0.3;
/// The most tokens of one judge reply (the reasoning and the score).
pub const MAX_TOKENS: u32 = 600;

/// The judge model's verdict on one output for one rubric.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Judgement {
    Scored {
        score: u8,
        reasoning: String,
    },
    /// No score could be read: the raw reply and why.
    Unreadable {
        raw: String,
        error: String,
    },
}

/// Whether a judge's reasoning only repeats (part of) the answer it grades: the reasoning,
/// lowercased with everything but letters and digits dropped, is at least 8 characters long
/// and found within the answer read the same way; or it is pieces of the answer put together,
/// [`STITCHED_SHARE`] of it or more in runs of at least [`STITCHED_RUN`] characters found in
/// the answer, with at most [`STITCHED_OWN`] of its own (tryout 120: two halves of the answer's
/// sentences joined by "and that" got past).
/// Such a score graded nothing (tryout 9: the tiny local judge wrote the answer's first
/// sentence as its reasoning, and 10/10). A reasoning that quotes the answer to judge it has
/// words of its own around the quote.
pub fn echoes_the_answer(reasoning: &str, answer: &str) -> bool {
    let plain = |s: &str| {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect::<Vec<char>>()
    };
    let r = plain(reasoning);
    let a: String = plain(answer).into_iter().collect();
    if r.len() < 8 {
        return false;
    }
    let window = |from: usize, len: usize| r[from..from + len].iter().collect::<String>();
    if a.contains(window(0, r.len()).as_str()) {
        return true;
    }
    if r.len() < 2 * STITCHED_RUN {
        return false;
    }
    // Greedy: a place that starts a run of STITCHED_RUN found in the answer takes the longest
    // such run; any other place is a letter of the reasoning's own, and past STITCHED_OWN of
    // them the answer is left at once (a verdict is read on every score: a real judge's
    // reasoning costs a dozen searches).
    let (mut own, mut i) = (0, 0);
    while i < r.len() {
        if i + STITCHED_RUN <= r.len() && a.contains(window(i, STITCHED_RUN).as_str()) {
            let mut len = STITCHED_RUN;
            while i + len < r.len() && a.contains(window(i, len + 1).as_str()) {
                len += 1;
            }
            i += len;
        } else {
            own += 1;
            i += 1;
            if own > STITCHED_OWN {
                return false;
            }
        }
    }
    (r.len() - own) as f64 >= STITCHED_SHARE * r.len() as f64
}

/// The most letters and digits of its own a reasoning made of pieces of the answer may have (a
/// connecting "and that") and still only repeat it ([`echoes_the_answer`]): "The answer is
/// only markup:" before a quote of the answer is a judgement.
pub const STITCHED_OWN: usize = 12;

/// The shortest run of a reasoning found in the answer that counts as a piece of the answer
/// ([`echoes_the_answer`]), in letters and digits.
pub const STITCHED_RUN: usize = 16;

/// The share of a reasoning made of pieces of the answer from which it only repeats the answer
/// ([`echoes_the_answer`]).
pub const STITCHED_SHARE: f64 = 0.85;

/// The JSON schema of the judge's reply (`judge.schema.json`): `{"reasoning": string, "score":
/// integer 1-10}`.
pub fn schema() -> Value {
    serde_json::from_str(JUDGE_SCHEMA).expect("judge.schema.json is valid JSON")
}

/// What the judge grades: one output of one prompt on one case, against one rubric. The input and
/// the reference answer are taken from the case (`TestCase::shown_input`: a conversation's
/// earlier turns and its last message; `TestCase::expected`) so every workflow shows the judge
/// the same texts.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub rubric: &'a str,
    /// The system prompt that produced the output, rendered in the draft's style, as written:
    /// [`call`] fills the case's `{{variables}}` in it, as the answering model read it.
    pub prompt: &'a str,
    pub case: &'a TestCase,
    pub output: &'a str,
    /// The answer stopped at the output token limit ([`super::Observed::cut_off`]): the judge is
    /// told ([`CUT_OFF_NOTE`]).
    pub cut_off: bool,
}

/// Most characters of the prompt the judge reads (its variables filled, [`call`]).
const PROMPT_CHARS: usize = 6000;

/// The line the judge reads under an answer that was cut off at the token limit.
pub const CUT_OFF_NOTE: &str = "Note: this answer was cut off at the token limit. The assistant ran out of room before it finished, so the answer ends where it was cut.";

/// One judge call: the role whose model answers it and the request (with its temperature and
/// token cap). Built only by [`call`].
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// Always [`Role::Judge`].
    pub role: Role,
    pub request: ChatRequest,
}

/// The judge's temperature for the judge role's setting: the setting, capped at
/// [`MAX_TEMPERATURE`]; a negative or non-number setting gives 0.
pub fn temperature(setting: f32) -> f32 {
    if setting.is_nan() {
        0.0
    } else {
        setting.clamp(0.0, MAX_TEMPERATURE)
    }
}

/// The one way to call the judge, used by runs, re-judge, Reflexion and the optimizer: the same
/// subject and setting give the same request wherever the output is graded. `temperature_setting`
/// is the judge role's temperature (see [`temperature`]); the reply is capped at [`MAX_TOKENS`]
/// and must follow [`schema`]. An answer cut off at the token limit carries [`CUT_OFF_NOTE`] under
/// it. The prompt is read with the case's `{{variables}}` filled, as the answering model read it.
/// Long texts are cut (rubric whole; prompt 6000, its variables' values 1500 each when the
/// filled prompt is longer than that; input 4000 (in a conversation, each turn 4000 and the
/// earlier turns 12000 together), reference 4000, output 8000 characters) to keep the judge's
/// context small.
pub fn call(subject: &Subject<'_>, temperature_setting: f32) -> Call {
    let case = subject.case;
    let expected = if case.expected.trim().is_empty() {
        "(none given)".to_owned()
    } else {
        clip(&case.expected, 4000)
    };
    // The judge reads the prompt the answering model read (`run::request` fills it the same way).
    // When that is longer than the prompt's cut, each value is cut to 1,500 characters first: a
    // long `{{transcript}}` must not push the prompt's later sections (Steps, Format) out.
    let mut prompt = super::fill_variables(subject.prompt, &case.vars);
    if prompt.chars().count() > PROMPT_CHARS {
        let vars: Vec<(String, String)> = case
            .vars
            .iter()
            .map(|(k, v)| (k.clone(), clip(v, 1500)))
            .collect();
        prompt = super::fill_variables(subject.prompt, &vars);
    }
    let user = template::fill(
        JUDGE_USER,
        &[
            ("rubric", subject.rubric.trim()),
            ("prompt", &clip(&prompt, PROMPT_CHARS)),
            ("input", &case.shown_input(4000)),
            ("expected", &expected),
            ("output", &clip(subject.output, 8000)),
            ("cut_off", if subject.cut_off { CUT_OFF_NOTE } else { "" }),
        ],
    );
    Call {
        role: Role::Judge,
        request: ChatRequest::structured(
            JUDGE,
            user.trim(),
            OutputSchema::new("grade", schema()),
            MAX_TOKENS,
            temperature(temperature_setting),
        ),
    }
}

/// The verdict of a judge call about `rubric`: its reply read by [`parse`], or, for a call that
/// failed, [`Judgement::Unreadable`] with the text that arrived (`raw`, often empty) and "The judge
/// call failed: {message}". The one place every judge loop (runs, re-judge, the optimizer,
/// Reflexion, Improve the rubric) turns a call's end into a verdict.
pub fn verdict(reply: Result<&str, (String, &str)>, rubric: &str) -> Judgement {
    match reply {
        Ok(text) => parse(text, rubric),
        Err((raw, message)) => Judgement::Unreadable {
            raw,
            error: format!("The judge call failed: {message}"),
        },
    }
}

/// Reads the judge's reply to a call about `rubric`.
///
/// In order: the JSON object (also near-JSON, in a fence or in prose) with a `score` (or `rating`,
/// `grade`; any case) that is a number or a text such as `"7"`, `"7/10"`; then, when the object
/// has no such key or there is no JSON, a score in prose. A prose score is a number after a label
/// ("Score: 7", "**Rating:** 8", "I'd rate this a 6") or out of ten ("7/10", "8 out of 10"); labelled
/// mentions win over bare ones, and the last one wins (the judge reasons first). Never a score:
/// a range or a scale ("scores 1-10", "from 1 to 10", "7 or 8"), a definition ("10 means ...",
/// "1 = useless"), another denominator ("4/5"), an anchor ("the maximum score is 10"), or a
/// sentence copied from the rubric or the judge's instructions. Scores outside 1-10 are not
/// scores; a fraction counts as the whole score below it (7.5 is 7).
///
/// Returns [`Judgement::Unreadable`] with the raw reply when no score can be read.
pub fn parse(reply: &str, rubric: &str) -> Judgement {
    let unreadable = |error: &str| Judgement::Unreadable {
        raw: reply.to_owned(),
        error: error.to_owned(),
    };
    const NO_SCORE: &str = "The judge's reply has no score from 1 to 10.";
    if reply.trim().is_empty() {
        return unreadable("The judge replied with nothing.");
    }
    let json = structured::extract_json(reply)
        .ok()
        .filter(Value::is_object);
    let reasoning = json
        .as_ref()
        .and_then(|v| field(v, &["reasoning", "reason", "explanation", "justification"]))
        .and_then(Value::as_str)
        .map(|s| s.trim().to_owned());
    // Tryout 19 (2): "Score: 9 - great" passed as a verdict. A score without reasons graded
    // nothing (the judge is asked for its reasoning first): no verdict, Re-judge asks again.
    // Tryout 79: reasons too short to count ("r1") were said as "no reasons": what the judge
    // wrote is quoted.
    let given = reasoning.clone().filter(|r| !r.is_empty());
    // Tryout 83: "Looks good to me! 10 out of 10 great", prose, not the JSON asked for, passed as
    // a verdict with reasons. Reasons read from prose (no reasoning field) must say something
    // besides stock praise or blame ([`has_prose_reasons`]).
    let scored = |score: u8| match &reasoning {
        Some(r) if has_reasons(r) => Judgement::Scored {
            score,
            reasoning: r.clone(),
        },
        None if has_prose_reasons(&reasons_outside(reply, json.as_ref())) => Judgement::Scored {
            score,
            reasoning: reply.trim().to_owned(),
        },
        None if json.is_none() => unreadable(&format!(
            "The judge gave {score}/10 with no reasons: its reply is not the JSON asked for, and besides the score it says only \u{201c}{}\u{201d}, praise or blame that does not say why, so it grades nothing (a verdict gives its reasoning first, then the score).",
            super::clip(reply.trim(), 80)
        )),
        _ => match &given {
            Some(r) => unreadable(&format!(
                "The judge gave {score}/10 with \u{201c}{}\u{201d} as its only reasons: fewer than {MIN_REASON_WORDS} words besides the score, so it grades nothing (a verdict gives its reasoning first, then the score).",
                super::clip(r, 80)
            )),
            None => unreadable(&format!(
                "The judge gave {score}/10 with no reasons, so it grades nothing (a verdict gives its reasoning first, then the score)."
            )),
        },
    };
    if let Some(v) = json
        .as_ref()
        .and_then(|v| field(v, &["score", "rating", "grade"]))
    {
        return match score_value(v) {
            // Reasons under another key, or in prose around the JSON, are reasons too.
            Some(score) => scored(score),
            None => unreadable(NO_SCORE),
        };
    }
    match prose_score(reply, &[rubric, JUDGE]) {
        Some(score) => scored(score),
        None => unreadable(NO_SCORE),
    }
}

/// Whether a judge's reasoning gives reasons: at least [`MIN_REASON_WORDS`] words once the
/// score's own words ("score", "rating", "out of", numbers) are left out, so "Score: 9 - great"
/// or an empty `reasoning` field does not.
pub fn has_reasons(reasoning: &str) -> bool {
    enough_words(reasoning, &[])
}

/// Whether a judge's reply in prose (not the JSON asked for) gives reasons: [`has_reasons`], and
/// at least one word that is not stock praise or blame or the words around it ([`STOCK`]:
/// "looks good to me", "the answer is fine", "terrible, this is awful", "I love it"), so "Looks
/// good to me! 10 out of 10 great" does not, and "Owners named. Score: 9" or "The output is
/// incomplete. 4/10" does.
pub fn has_prose_reasons(reply: &str) -> bool {
    enough_words(reply, &[]) && says_why(reply)
}

/// Whether `text` holds a word besides stock praise or blame, the words around them and a
/// score's own ([`STOCK`], [`SCORE_WORDS`]): a reason says something of the answer ("The output
/// is incomplete" does; "The answer is fine", "Terrible. This is awful" do not).
fn says_why(text: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| w.chars().any(char::is_alphabetic))
        .map(str::to_lowercase)
        .any(|w| !STOCK.contains(&w.as_str()) && !SCORE_WORDS.contains(&w.as_str()))
}

/// Stock praise and blame and the words around them, which say nothing of why (tryouts 83 and
/// 86: "Looks good to me! 10 out of 10 great", "Terrible. This is awful, 2/10", "Great answer,
/// I love it!" passed as verdicts). Lowercase, compared word by word.
const STOCK: &[&str] = &[
    // Praise.
    "good",
    "great",
    "fine",
    "ok",
    "okay",
    "nice",
    "excellent",
    "perfect",
    "awesome",
    "amazing",
    "solid",
    "decent",
    "well",
    "done",
    "brilliant",
    "wonderful",
    "fantastic",
    "superb",
    "outstanding",
    "impressive",
    "exceptional",
    "stellar",
    "flawless",
    "ideal",
    "best",
    "better",
    "love",
    "loved",
    "like",
    "liked",
    "likes",
    "enjoy",
    "enjoyed",
    "happy",
    "satisfied",
    "satisfactory",
    "acceptable",
    "adequate",
    "helpful",
    "useful",
    "strong",
    "high",
    "quality",
    "correct",
    "right",
    "accurate",
    "spot",
    "on",
    "top",
    "notch",
    "job",
    "work",
    "bravo",
    "congrats",
    "wow",
    "yes",
    "yay",
    "pass",
    "passes",
    "passed",
    // Blame.
    "bad",
    "poor",
    "terrible",
    "awful",
    "horrible",
    "horrendous",
    "dreadful",
    "atrocious",
    "useless",
    "worthless",
    "unacceptable",
    "unsatisfactory",
    "inadequate",
    "mediocre",
    "weak",
    "low",
    "worst",
    "worse",
    "wrong",
    "incorrect",
    "inaccurate",
    "hate",
    "hated",
    "dislike",
    "disliked",
    "disappointing",
    "disappointed",
    "garbage",
    "trash",
    "rubbish",
    "nonsense",
    "fail",
    "fails",
    "failed",
    "failure",
    "meh",
    "no",
    "nope",
    "ugh",
    // The words around them.
    "looks",
    "look",
    "looking",
    "seems",
    "seem",
    "answer",
    "response",
    "output",
    "reply",
    "result",
    "very",
    "really",
    "pretty",
    "quite",
    "overall",
    "totally",
    "absolutely",
    "completely",
    "truly",
    "extremely",
    "super",
    "so",
    "too",
    "just",
    "simply",
    "all",
    "much",
    "not",
    "to",
    "me",
    "i",
    "i'd",
    "i'm",
    "my",
    "you",
    "your",
    "we",
    "it",
    "it's",
    "its",
    "this",
    "that",
    "these",
    "those",
    "the",
    "a",
    "an",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "and",
    "or",
    "but",
    "think",
    "would",
    "say",
    "feel",
    "thing",
    "one",
    "here",
    "there",
    "what",
    "a+",
];
/// The words a reply gives besides a JSON object's structure: for a reply with one (and no
/// reasoning field), its text values other than the score's and the prose outside it (review:
/// key names such as "pass" counted as reasons); else the reply.
fn reasons_outside(reply: &str, json: Option<&Value>) -> String {
    let Some(map) = json.and_then(Value::as_object) else {
        return reply.to_owned();
    };
    let mut out: Vec<&str> = map
        .iter()
        .filter(|(k, _)| !["score", "rating", "grade"].contains(&k.trim().to_lowercase().as_str()))
        .filter_map(|(_, v)| v.as_str())
        .collect();
    if let (Some(start), Some(end)) = (reply.find('{'), reply.rfind('}')) {
        out.push(&reply[..start]);
        out.push(&reply[end + 1..]);
    }
    out.join(" ")
}

/// At least [`MIN_REASON_WORDS`] words in `text` besides the score's own words and `stock`
/// (compared without case), or four letters of a script written without spaces.
/// The words of a score itself ("Score: 7 out of 10"), never counted as reasons.
const SCORE_WORDS: [&str; 9] = [
    "score", "scores", "rating", "rate", "grade", "out", "of", "points", "verdict",
];

fn enough_words(text: &str, stock: &[&str]) -> bool {
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| w.chars().any(char::is_alphabetic))
        .filter(|w| {
            let w = w.to_lowercase();
            !SCORE_WORDS.contains(&w.as_str()) && !stock.contains(&w.as_str())
        })
        .collect();
    // A script written without spaces (Chinese, Japanese) is one "word" per sentence: four of
    // its letters count as reasons.
    words.len() >= MIN_REASON_WORDS
        || words
            .iter()
            .any(|w| w.chars().filter(|c| !c.is_ascii()).count() >= 4)
}

/// The fewest words a judge's reasoning must hold to count as reasons ([`has_reasons`]).
pub const MIN_REASON_WORDS: usize = 2;

/// The first of `names` present in the object, compared without case.
fn field<'v>(v: &'v Value, names: &[&str]) -> Option<&'v Value> {
    let map = v.as_object()?;
    names.iter().find_map(|name| {
        map.iter()
            .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// A JSON score: a number, or a text read like a labelled prose score ("7", "7/10", not "7-8").
fn score_value(v: &Value) -> Option<u8> {
    match v {
        Value::Number(n) => in_range(n.as_f64()?),
        Value::String(s) => prose_score(&format!("score: {s}"), &[]),
        _ => None,
    }
}

/// A score from 1 to 10 as the whole score it reaches: a fraction counts as the whole score below
/// it, so a verdict against a pass mark (a whole score) is the one the judge's number gives
/// (tryout 111: 7.5 was rounded to 8 and passed a pass mark of 8).
fn in_range(x: f64) -> Option<u8> {
    (1.0..=10.0).contains(&x).then(|| x.floor() as u8)
}

/// Words that name a score, or grade with one ("I'd rate this a 7", "it scored 8/10").
const LABELS: [&str; 6] = ["score", "rating", "grade", "rate", "rated", "scored"];
/// Words allowed between a label and its number ("score is 7", "rating of 8", "rate it as 6").
const FILLERS: [&str; 13] = [
    "is", "of", "was", "be", "would", "final", "overall", "i", "give", "it", "this", "a", "as",
];
/// A label right after these is a point of the scale, not a grade ("the maximum score is 10").
const ANCHORS: [&str; 10] = [
    "max",
    "maximum",
    "min",
    "minimum",
    "highest",
    "lowest",
    "possible",
    "perfect",
    "passing",
    "threshold",
];
/// A number followed by these defines a point of the scale ("10 means no flaw").
const DEFINITIONS: [&str; 12] = [
    "means",
    "meaning",
    "indicates",
    "represents",
    "corresponds",
    "if",
    "when",
    "should",
    "would",
    "only",
    "is",
    "are",
];

/// The score written in prose, if any (see [`parse`]); `echo_sources` are texts the judge was
/// shown, whose sentences are not read as its verdict.
fn prose_score(text: &str, echo_sources: &[&str]) -> Option<u8> {
    let chars: Vec<char> = normalize(text).chars().collect();
    let sources: Vec<String> = echo_sources
        .iter()
        .map(|s| collapse(&normalize(s)))
        .collect();
    let mut labelled = None;
    let mut bare = None;
    let mut i = 0;
    while i < chars.len() {
        let starts_number = chars[i].is_ascii_digit()
            && (i == 0 || !(chars[i - 1].is_alphanumeric() || matches!(chars[i - 1], '.' | '/')));
        if !starts_number {
            i += 1;
            continue;
        }
        let start = i;
        let (value, end) = number_at(&chars, start);
        i = end;
        let Some(m) = mention(&chars, start, end, value) else {
            continue;
        };
        if is_echo(&chars, m.start, m.end, &sources) {
            continue;
        }
        if m.labelled {
            labelled = Some(m.score);
        } else {
            bare = Some(m.score);
        }
    }
    labelled.or(bare)
}

/// Lowercase, without Markdown emphasis (`*`, `` ` ``, `#`).
fn normalize(text: &str) -> String {
    text.to_lowercase()
        .chars()
        .filter(|c| !matches!(c, '*' | '`' | '#'))
        .collect()
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The number at `i` (digits, then `.digits`), and where it ends.
fn number_at(chars: &[char], i: usize) -> (f64, usize) {
    let mut end = i;
    while end < chars.len() && chars[end].is_ascii_digit() {
        end += 1;
    }
    if end + 1 < chars.len() && chars[end] == '.' && chars[end + 1].is_ascii_digit() {
        end += 1;
        while end < chars.len() && chars[end].is_ascii_digit() {
            end += 1;
        }
    }
    let text: String = chars[i..end].iter().collect();
    (text.parse().unwrap_or(f64::NAN), end)
}

/// A number that reads as a grade.
struct Mention {
    score: u8,
    labelled: bool,
    /// The span of the mention (label to denominator), in chars.
    start: usize,
    end: usize,
}

fn skip_spaces(chars: &[char], mut i: usize) -> usize {
    while i < chars.len() && matches!(chars[i], ' ' | '\t' | '\u{a0}') {
        i += 1;
    }
    i
}

/// The word (letters) ending at or before `end` (after skipping spaces back), with its start.
fn word_before(chars: &[char], end: usize) -> (String, usize) {
    let mut e = end;
    while e > 0 && chars[e - 1].is_whitespace() {
        e -= 1;
    }
    let mut s = e;
    while s > 0 && chars[s - 1].is_alphabetic() {
        s -= 1;
    }
    (chars[s..e].iter().collect(), s)
}

/// The word (letters) starting at `i`, and where it ends.
fn word_at(chars: &[char], i: usize) -> (String, usize) {
    let mut e = i;
    while e < chars.len() && chars[e].is_alphabetic() {
        e += 1;
    }
    (chars[i..e].iter().collect(), e)
}

/// Reads the number `value` at `start..end` as a grade, or not.
fn mention(chars: &[char], start: usize, end: usize, value: f64) -> Option<Mention> {
    // A range's second end: "1-10", "1 to 10", "between 6 and 8", "7 or 8".
    let before = {
        let mut b = start;
        while b > 0 && chars[b - 1].is_whitespace() {
            b -= 1;
        }
        b
    };
    if before > 0 && matches!(chars[before - 1], '-' | '\u{2013}' | '\u{2014}' | '~') {
        let mut d = before - 1;
        while d > 0 && chars[d - 1].is_whitespace() {
            d -= 1;
        }
        if d > 0 && chars[d - 1].is_ascii_digit() {
            return None;
        }
    }
    // A negative number: "score: -3".
    if start > 0 && chars[start - 1] == '-' {
        let mut k = start - 1;
        while k > 0 && chars[k - 1].is_whitespace() {
            k -= 1;
        }
        if k == 0 || matches!(chars[k - 1], ':' | '=' | '(' | '[' | ',') {
            return None;
        }
    }
    let (prev_word, _) = word_before(chars, start);
    if ["to", "and", "or", "from", "between", "through"].contains(&prev_word.as_str()) {
        return None;
    }
    // After the number: an optional denominator, which must be 10.
    let mut after = skip_spaces(chars, end);
    let mut out_of_ten = false;
    let denominator_at = if after < chars.len() && chars[after] == '/' {
        Some(skip_spaces(chars, after + 1))
    } else {
        let (w1, e1) = word_at(chars, after);
        let (w2, e2) = word_at(chars, skip_spaces(chars, e1));
        (w1 == "out" && w2 == "of").then(|| skip_spaces(chars, e2))
    };
    if let Some(d) = denominator_at {
        if d >= chars.len() || !chars[d].is_ascii_digit() {
            return None;
        }
        let (den, d_end) = number_at(chars, d);
        let followed = chars.get(d_end).copied();
        if den != 10.0 || followed.is_some_and(|c| c.is_ascii_digit() || c == '/') {
            return None;
        }
        out_of_ten = true;
        after = skip_spaces(chars, d_end);
    }
    // What follows must not make it a range, a percentage or a definition.
    if let Some(&c) = chars.get(after) {
        if matches!(c, '%' | '=') {
            return None;
        }
        if matches!(c, '-' | '\u{2013}' | '\u{2014}' | '~') {
            let n = skip_spaces(chars, after + 1);
            if chars.get(n).is_some_and(char::is_ascii_digit) {
                return None;
            }
        }
        let (w, w_end) = word_at(chars, after);
        if ["to", "or", "and", "through"].contains(&w.as_str())
            && chars
                .get(skip_spaces(chars, w_end))
                .is_some_and(char::is_ascii_digit)
        {
            return None;
        }
        if DEFINITIONS.contains(&w.as_str()) {
            return None;
        }
    }
    let label_start = label_before(chars, start);
    if label_start.is_none() && !out_of_ten {
        return None;
    }
    Some(Mention {
        score: in_range(value)?,
        labelled: label_start.is_some(),
        start: label_start.unwrap_or(start),
        end: after,
    })
}

/// Where the label naming the number at `start` begins: back over separators (`:` `-` `=` quotes
/// brackets, spaces) and a few filler words to "score", "rating" or "grade" as a whole word, not
/// right after an anchor ("maximum score").
fn label_before(chars: &[char], start: usize) -> Option<usize> {
    let mut i = start;
    let mut fillers = 0;
    loop {
        while i > 0
            && (chars[i - 1].is_whitespace()
                || matches!(
                    chars[i - 1],
                    ':' | '-' | '\u{2013}' | '\u{2014}' | '=' | '"' | '\'' | '(' | '[' | '_'
                ))
        {
            i -= 1;
        }
        let (w, s) = word_before(chars, i);
        if w.is_empty() {
            return None;
        }
        if LABELS.contains(&w.as_str()) {
            let (anchor, _) = word_before(chars, s);
            return (!ANCHORS.contains(&anchor.as_str())).then_some(s);
        }
        if !FILLERS.contains(&w.as_str()) || fillers == 3 {
            return None;
        }
        fillers += 1;
        i = s;
    }
}

/// Whether the sentence around `start..end` was copied from one of the texts the judge was shown
/// (at least three words of it, found there word for word).
fn is_echo(chars: &[char], start: usize, end: usize, sources: &[String]) -> bool {
    if sources.is_empty() {
        return false;
    }
    let boundary = |i: usize| {
        matches!(chars[i], '\n' | ';' | '!' | '?')
            || (chars[i] == '.' && chars.get(i + 1).is_none_or(|c| c.is_whitespace()))
    };
    let mut s = start;
    while s > 0 && !boundary(s - 1) {
        s -= 1;
    }
    let mut e = end.min(chars.len());
    while e < chars.len() && !boundary(e) {
        e += 1;
    }
    let sentence = collapse(&chars[s..e].iter().collect::<String>());
    let sentence = sentence.trim_matches(|c: char| !c.is_alphanumeric());
    sentence.split_whitespace().count() >= 3 && sources.iter().any(|src| src.contains(sentence))
}

#[cfg(test)]
mod tests;
