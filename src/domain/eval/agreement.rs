//! "Is the judge right?": where the person rated answers that the LLM judge also graded on a
//! rubric (`llm-rubric`, promptfoo's judge check), how often the judge's pass agrees with the
//! person's thumbs ([`Agreement`], "The judge agrees with you on 7 of 9 rated answers (78%)"),
//! the disagreements side by side, and "Improve the rubric": the meta model rewrites the rubric
//! from them ([`improve_request`], read by [`read_rubric`]), the rated answers are judged again
//! with the new rubric ([`rejudge_calls`], the one judge call) and the figure is compared
//! before and after ([`Agreement::with_new_verdicts`]). The person keeps or drops the new
//! rubric ([`replace_rubric`]).
use serde_json::Value;

use super::judge::{self, Judgement};
use super::rating::{Rating, Thumb};
use super::run::{Run, Status};
use super::{Check, Suite, clip};
use crate::domain::meta::reply::{ReplyCause, diagnose, reply_field};
use crate::domain::provider::{ChatRequest, OutputSchema};
use crate::domain::structured;
use crate::domain::template;

const IMPROVE: &str = include_str!("improve_rubric.md");
const IMPROVE_USER: &str = include_str!("improve_rubric_user.md");
const IMPROVE_SCHEMA: &str = include_str!("improve_rubric.schema.json");

/// One answer the person rated and the judge graded on the rubric.
#[derive(Debug, Clone, PartialEq)]
pub struct RatedVerdict {
    /// The case's id.
    pub case: u32,
    /// The answer is the Reflexion final (else the run's result).
    pub final_answer: bool,
    /// The case as it was answered ([`super::TestCase::shown_input`]: a conversation's earlier
    /// turns, then the last user message), quoted to the meta model with the answer.
    pub input: String,
    pub output: String,
    pub rating: Rating,
    /// The judge's score, 1-10, and its reasoning.
    pub score: u8,
    pub reasoning: String,
    /// The check's pass mark, 1-10.
    pub threshold: u8,
    /// The answer was cut off at the token limit (the judge is told so again when re-judging).
    pub cut_off: bool,
}

impl RatedVerdict {
    /// The judge passes the answer (its score reaches the pass mark).
    pub fn judge_pass(&self) -> bool {
        self.score >= self.threshold
    }

    /// The judge's pass is the person's thumbs-up (and its fail their thumbs-down).
    pub fn agrees(&self) -> bool {
        self.judge_pass() == (self.rating.thumb == Thumb::Up)
    }

    /// "the answer to case #3" / "the final answer to case #3".
    pub fn what(&self) -> String {
        format!(
            "the {}answer to case #{}",
            if self.final_answer { "final " } else { "" },
            self.case
        )
    }
}

/// The judge against the person on one rubric.
#[derive(Debug, Clone, PartialEq)]
pub struct Agreement {
    /// The rubric as written in the check (its `{{variables}}` unfilled).
    pub rubric: String,
    /// Every rated answer the judge graded on it, in case order (a result before its final).
    pub pairs: Vec<RatedVerdict>,
}

impl Agreement {
    /// How many rated answers the judge agrees on.
    pub fn agreed(&self) -> usize {
        self.pairs.iter().filter(|p| p.agrees()).count()
    }

    /// The rated answers the judge disagrees on, in order.
    pub fn disagreements(&self) -> Vec<&RatedVerdict> {
        self.pairs.iter().filter(|p| !p.agrees()).collect()
    }

    /// "The judge agrees with you on 7 of 9 rated answers (78%)."; "The judge agrees (or
    /// disagrees) with you on the 1 rated answer." for one; "with the sender" when the sender of
    /// a link gave every rating, "with the ratings" when some are the sender's
    /// ([`Rating::by_sender`]).
    pub fn line(&self) -> String {
        let n = self.pairs.len();
        let by_sender = self.pairs.iter().filter(|p| p.rating.by_sender).count();
        let you = match by_sender {
            0 => "you",
            b if b == n => "the sender",
            _ => "the ratings",
        };
        let pct = if n == 0 {
            0.0
        } else {
            100.0 * self.agreed() as f64 / n as f64
        };
        if n == 1 {
            // No percentage: "disagrees … (0%)" read as a contradiction (tryout 64).
            format!(
                "The judge {} with {you} on the 1 rated answer.",
                if self.agreed() == 1 {
                    "agrees"
                } else {
                    "disagrees"
                }
            )
        } else {
            format!(
                "The judge agrees with {you} on {} of {n} rated answers ({pct:.0}%).",
                self.agreed()
            )
        }
    }

    /// The same rated answers with the judge's verdicts under a new rubric (`verdicts[i]` for
    /// `pairs[i]`, as [`rejudge_calls`] orders them): the agreement after, and the answers whose
    /// new judgement had no score (left out of it, by [`RatedVerdict::what`]).
    pub fn with_new_verdicts(
        &self,
        rubric: &str,
        verdicts: &[Judgement],
    ) -> (Agreement, Vec<String>) {
        let mut pairs = Vec::new();
        let mut unread = Vec::new();
        for (p, v) in self.pairs.iter().zip(verdicts) {
            match v {
                Judgement::Scored { score, reasoning } => pairs.push(RatedVerdict {
                    score: *score,
                    reasoning: reasoning.clone(),
                    ..p.clone()
                }),
                Judgement::Unreadable { .. } => unread.push(p.what()),
            }
        }
        (
            Agreement {
                rubric: rubric.trim().to_owned(),
                pairs,
            },
            unread,
        )
    }
}

/// The judge checks (`llm-rubric`, not negated) of the suite whose rubric graded some rated
/// answer of `run`: one [`Agreement`] per rubric, in the order the checks first appear (checks
/// for every case first). Rated answers the judge has not graded (pending, or its reply had no
/// score) are not counted.
pub fn agreement(suite: &Suite, run: &Run) -> Vec<Agreement> {
    let mut out: Vec<Agreement> = Vec::new();
    for case in &suite.cases {
        let Some(cr) = run.cases.get(&case.id).filter(|c| c.status == Status::Done) else {
            continue;
        };
        for a in suite.assertions_for(case) {
            let Check::Judge { rubric, threshold } = &a.check else {
                continue;
            };
            if a.negate || rubric.trim().is_empty() {
                continue;
            }
            let Some(filled) = a.with_vars(&case.vars).judge_rubric() else {
                continue;
            };
            let fin = cr
                .reflection
                .as_ref()
                .filter(|r| r.done && !r.final_output.is_empty());
            let answers = [(
                false,
                &cr.output,
                cr.rating.as_ref(),
                &cr.judgements,
                cr.observed().cut_off(),
            )]
            .into_iter()
            .chain(fin.map(|r| {
                (
                    true,
                    &r.final_output,
                    r.rating.as_ref(),
                    &r.judgements,
                    r.final_observed().cut_off(),
                )
            }));
            for (final_answer, output, rating, judgements, cut_off) in answers {
                let (Some(rating), Some(Judgement::Scored { score, reasoning })) =
                    (rating, judgements.get(&filled))
                else {
                    continue;
                };
                let pair = RatedVerdict {
                    case: case.id,
                    final_answer,
                    input: case.shown_input(1000),
                    output: output.clone(),
                    rating: rating.clone(),
                    score: *score,
                    reasoning: reasoning.clone(),
                    threshold: *threshold,
                    cut_off,
                };
                let key = rubric.trim();
                match out.iter_mut().find(|g| g.rubric == key) {
                    Some(g) => g.pairs.push(pair),
                    None => out.push(Agreement {
                        rubric: key.to_owned(),
                        pairs: vec![pair],
                    }),
                }
            }
        }
    }
    out
}

/// The JSON schema of the improve-rubric reply: `{"rubric": string, "changes": string}`.
pub fn improve_schema() -> Value {
    serde_json::from_str(IMPROVE_SCHEMA).expect("improve_rubric.schema.json is valid JSON")
}

/// The meta model's request to rewrite `a`'s rubric from the disagreements (each with the
/// case's input as it was answered, the answer, the person's rating and note, the judge's
/// score and reasoning), the agreements listed after them so the rewrite keeps what works.
pub fn improve_request(a: &Agreement) -> ChatRequest {
    let describe = |p: &RatedVerdict| {
        let rating = match (&p.rating.thumb, p.rating.note.is_empty()) {
            (Thumb::Up, true) => "thumbs up".to_owned(),
            (Thumb::Down, true) => "thumbs down".to_owned(),
            (Thumb::Up, false) => format!("thumbs up, noting: {}", p.rating.note),
            (Thumb::Down, false) => format!("thumbs down, noting: {}", p.rating.note),
        };
        format!(
            "### Case #{}{}\nInput: {}\nAnswer: {}\nThe person: {rating}\nThe judge: {} / 10 ({}). {}",
            p.case,
            if p.final_answer {
                " (a rewritten final answer)"
            } else {
                ""
            },
            p.input,
            clip(&p.output, 1500),
            p.score,
            if p.judge_pass() { "pass" } else { "fail" },
            clip(&p.reasoning, 600)
        )
    };
    let list = |ps: Vec<&RatedVerdict>| {
        if ps.is_empty() {
            "(none)".to_owned()
        } else {
            ps.into_iter()
                .map(describe)
                .collect::<Vec<_>>()
                .join("\n\n")
        }
    };
    let threshold = a.pairs.first().map_or(7, |p| p.threshold);
    let user = template::fill(
        IMPROVE_USER,
        &[
            ("rubric", a.rubric.trim()),
            ("threshold", &threshold.to_string()),
            ("disagreements", &list(a.disagreements())),
            (
                "agreements",
                &list(a.pairs.iter().filter(|p| p.agrees()).take(6).collect()),
            ),
        ],
    );
    ChatRequest::structured(
        IMPROVE,
        user.trim(),
        OutputSchema::new("rubric", improve_schema()),
        900,
        0.2,
    )
}

/// A rewritten rubric and the model's one-sentence account of the change (may be empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRubric {
    pub rubric: String,
    pub changes: String,
}

/// Why an improve-rubric reply gave no rubric to try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RubricFailure {
    /// Nothing in it could be read (the likeliest cause).
    Unread(ReplyCause),
    /// It reads, and the rubric is the old one (spaces and capitals aside).
    Unchanged,
}

impl RubricFailure {
    /// What happened and what to do, in plain words.
    pub fn message(&self) -> String {
        match self {
            Self::Unread(c) => format!("{} {}", c.message(), c.advice_without_manual_mode()),
            Self::Unchanged => "The model sent the same rubric back: nothing to try. Press \u{201c}Improve the rubric\u{201d} again, or pick a stronger model for writing prompts in Settings.".to_owned(),
        }
    }
}

/// Reads the meta model's reply tolerantly: the JSON object (also near-JSON, fenced or inside
/// prose) with a `rubric` field (any case; `new_rubric` or `criteria` too; a list of lines is
/// joined), or a JSON text alone. A reply that refuses, is not JSON or holds no rubric is a
/// [`RubricFailure::Unread`] with its likeliest cause; the same rubric back is
/// [`RubricFailure::Unchanged`].
pub fn read_rubric(reply: &str, old: &str, cut_off: bool) -> Result<NewRubric, RubricFailure> {
    let extracted = structured::extract_json(reply);
    let text_of = |v: Option<&Value>| match v {
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::trim)
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    };
    let found = match &extracted {
        Ok(Value::Object(m)) => Some((
            text_of(reply_field(m, &["rubric", "new_rubric", "criteria"])),
            text_of(reply_field(m, &["changes", "change", "why"])),
        )),
        Ok(Value::String(s)) => Some((s.trim().to_owned(), String::new())),
        _ => None,
    };
    match found {
        Some((rubric, changes)) if !rubric.is_empty() => {
            let norm = |s: &str| {
                s.split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_lowercase()
            };
            if norm(&rubric) == norm(old) {
                Err(RubricFailure::Unchanged)
            } else {
                Ok(NewRubric { rubric, changes })
            }
        }
        _ => Err(RubricFailure::Unread(diagnose(reply, extracted, cut_off))),
    }
}

/// The judge calls that grade `a`'s rated answers with `new_rubric` (its `{{variables}}` filled
/// from each case), in the order of `a.pairs`: the one judge call ([`judge::call`]) with the
/// prompt of the version that answered (`prompt`) and the judge role's temperature setting.
/// `None` for a pair whose case is gone.
pub fn rejudge_calls(
    suite: &Suite,
    a: &Agreement,
    new_rubric: &str,
    prompt: &str,
    temperature_setting: f32,
) -> Vec<Option<judge::Call>> {
    a.pairs
        .iter()
        .map(|p| {
            let case = suite.case(p.case)?;
            let rubric = super::fill_variables(new_rubric.trim(), &case.vars);
            Some(judge::call(
                &judge::Subject {
                    rubric: &rubric,
                    prompt,
                    case,
                    output: &p.output,
                    cut_off: p.cut_off,
                },
                temperature_setting,
            ))
        })
        .collect()
}

/// Puts `new` in place of the rubric `old` in every judge check of the suite (for every case
/// and each case's own), keeping each check's pass mark; returns how many checks changed.
pub fn replace_rubric(suite: &mut Suite, old: &str, new: &str) -> usize {
    let mut n = 0;
    let checks = suite
        .global
        .iter_mut()
        .chain(suite.cases.iter_mut().flat_map(|c| c.assertions.iter_mut()));
    for a in checks {
        if let Check::Judge { rubric, .. } = &mut a.check
            && rubric.trim() == old.trim()
        {
            *rubric = new.trim().to_owned();
            n += 1;
        }
    }
    n
}
