//! Versioned wire types for what people keep outside the app (exports, share links), separate
//! from the domain types and converted explicitly, so the domain can change while old files and
//! links still open. None of them has a field that could hold an API key.
use serde::{Deserialize, Serialize};

use crate::domain::draft::{Draft, Leaving, Origin, Version};
use crate::domain::eval::grid::ModelRun;
use crate::domain::eval::judge::Judgement;
use crate::domain::eval::rating::Rating;
use crate::domain::eval::run::{CaseRun, ModelUsed, RerunFailure, Run, Spent, Status};
use crate::domain::eval::synth::{Proposal, Similar};
use crate::domain::eval::{
    Assertion, Check, Grader, LengthUnit, Split, Suite, TestCase, matchers, pass_mark,
};
use crate::domain::meta::{IdeaInput, ModelFamily, OutputKind};
use crate::domain::optimize::{Optimizer, SnapshotError};
use crate::domain::spec::{Example, PromptSpec, RenderStyle, Section};

pub mod parts;
#[cfg(test)]
mod parts_tests;
pub(crate) mod salvage;
#[cfg(test)]
mod salvage_tests;

pub use salvage::{Lost, RecordRead, Salvaged, Unusable, holds_nothing, read_draft, read_record};

/// A draft, version 1 of the wire format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DraftV1 {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub idea: IdeaV1,
    /// "markdown" or "xml".
    #[serde(default)]
    pub style: String,
    #[serde(default)]
    pub versions: Vec<VersionV1>,
    #[serde(default)]
    pub current: u32,
    /// Test cases, with their ids (runs refer to them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cases: Vec<StoredCaseV1>,
    /// Assertions for every case.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<AssertionV1>,
    /// Whether answers cut off at the token limit fail (`Suite::cut_off_fails`); absent means
    /// yes (the default, and drafts kept before the setting existed), so only `false` is written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cut_off_fails: Option<bool>,
    /// Whether a thumbs-down counts as a failed check (`Suite::thumbs_down_fails`); absent means
    /// yes (the default, and drafts kept before the setting existed), so only `false` is written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbs_down_fails: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runs: Vec<RunV1>,
    /// Results on the comparison models (the model grid, `Draft::compared`): each a run with
    /// its model's key (`grid::model_key`); absent when there are none and in older records.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compared: Vec<ComparedRunV1>,
    /// The optimizer's own versioned snapshot (`Optimizer::version`); kept in storage and exports,
    /// never in share links. An unreadable one (from a newer app) is dropped, not fatal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimizer: Option<serde_json::Value>,
}

/// A case as kept in a draft: its id and the case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredCaseV1 {
    pub id: u32,
    #[serde(flatten)]
    pub case: CaseV1,
}

/// The latest run of one version.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RunV1 {
    pub version: u32,
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub at: f64,
    #[serde(default)]
    pub cases: Vec<CaseRunV1>,
    /// Ids of cases the run was asked for that were never sent: they waited in the queue when
    /// the page was closed or reloaded ([`Run::unsent`]). Absent when none (and in older records).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unsent: Vec<u32>,
    /// Why the run stopped sending before `unsent` went out, when not the page going away
    /// ([`Run::stopped_by`]). Absent when empty (and in older records).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stopped_by: String,
    /// Why the run sent its judge no more calls ([`Run::judge_stopped_by`]). Absent when empty
    /// (and in older records).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub judge_stopped_by: String,
}

/// The results of one version on one comparison model (`grid::ModelRun`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ComparedRunV1 {
    /// The model's key, "open-ai|https://api.openai.com/v1|gpt-4o-mini" (`grid::model_key`).
    pub key: String,
    #[serde(flatten)]
    pub run: RunV1,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CaseRunV1 {
    pub id: u32,
    /// "done", "failed" or "cancelled" (a call still running when the page closed reads as cancelled).
    pub status: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub error: String,
    #[serde(default)]
    pub output: String,
    #[serde(default)]
    pub tokens: [u32; 4],
    /// The execution tokens are estimates (the provider reported no usage); absent otherwise and
    /// in older records (read as reported).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub estimated: bool,
    /// The judge tokens (`tokens[2..]`) are partly estimates (`CaseRun::judge_estimated`);
    /// absent otherwise and in older records (read as reported).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub judge_estimated: bool,
    #[serde(default)]
    pub ms: f64,
    /// Milliseconds to the first text of the answering attempt (`CaseRun::first_token_ms`);
    /// absent when unknown and in older records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_ms: Option<f64>,
    /// Why the model stopped (promptfoo's `finish-reason` words); absent in older records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<String>,
    /// The call's cost in US dollars at list price; absent when unknown or in older records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<f64>,
    /// The model refused: the provider's explanation; absent otherwise and in older records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
    /// A "cancelled" call the person did not cancel: "reload", "switch" or "delete" (the page or
    /// the draft was left while the model answered, `CaseRun::cut_by`); absent otherwise and in
    /// older records.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stopped: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub judge: Vec<JudgementV1>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reflection: Option<crate::domain::eval::run::Reflection>,
    /// When the run that produced this result started, when that was not the record's latest
    /// run (`at`); absent means the latest (and in records kept before it was written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<f64>,
    /// The fingerprint of the case's input and variables when sent (`CaseRun::sent`), as 16 hex
    /// digits (a JSON number cannot hold every u64); absent in older records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent: Option<String>,
    /// The execution model that answered, "open-ai:gpt-4o-mini" (`ModelUsed::to_wire`); absent
    /// in older records (their cost is then said not to be known).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec_model: Option<String>,
    /// The judge model of its judge calls, likewise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub judge_model: Option<String>,
    /// The person's rating of this output (thumbs and note); absent when unrated and in older
    /// records. A damaged one is left out by `salvage`, named, and the result kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<Rating>,
    /// The newest rated answer a re-run of the case replaced, with its rating
    /// (`CaseRun::replaced_rating`): `{"output": "...", "rating": {"thumb": "down", "note":
    /// "..."}}`; absent when none was (and in older records). A damaged one is left out by
    /// `salvage`, named, and the result kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced_rating: Option<crate::domain::eval::rating::RatedAnswer>,
    /// The result came with the draft from a link or a file (`CaseRun::received`): `true`;
    /// absent otherwise.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub received: bool,
    /// This run's re-run of the case was stopped (a Cancel, or the page going away while it
    /// answered) and the answer above, from an earlier run, was put back
    /// ([`CaseRun::rerun_cancelled`]): counted as this run's cancelled case, with what the
    /// stopped call likely cost. Absent otherwise (and in older records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rerun_cancelled: Option<RerunCancelledV1>,
    /// This run's re-run of the case failed and the answer above, from an earlier run, stays
    /// ([`CaseRun::rerun_failed`]): counted as this run's failed case, with its message and what
    /// the failed call likely cost (tryout 117: a reload read "2 of 2 done" for a run of 3 whose
    /// re-run had stalled). Absent otherwise (and in older records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rerun_failed: Option<RerunFailedV1>,
}

/// A failed re-run kept beside the earlier answer that stays (`CaseRunV1::rerun_failed`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RerunFailedV1 {
    /// `Run::started_ms` of the run whose re-run failed.
    pub at: f64,
    /// The failure in the page's words.
    #[serde(default)]
    pub message: String,
    /// The text the failed call wrote before it failed; absent when none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub partial: String,
    /// The model the failed call went to (`ModelUsed::to_wire`), when it had written text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The failed call's estimated input and output tokens (`run::Spent`); zero when nothing
    /// had arrived.
    #[serde(default)]
    pub tokens: [u32; 2],
}

/// A stopped re-run kept beside the earlier answer it put back (`CaseRunV1::rerun_cancelled`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RerunCancelledV1 {
    /// `Run::started_ms` of the run whose re-run was stopped.
    pub at: f64,
    /// The model the stopped call went to (`ModelUsed::to_wire`), when it had written text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The stopped call's estimated input and output tokens (`run::Spent`); zero when nothing
    /// had arrived.
    #[serde(default)]
    pub tokens: [u32; 2],
    /// The re-run was cut off by leaving, not by Cancel: "reload", "switch" or "delete"
    /// (`CaseRun::cut_by`); absent for Cancel and in older records.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stopped: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct JudgementV1 {
    pub rubric: String,
    /// 1-10; absent when the reply was unreadable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<u8>,
    #[serde(default)]
    pub text: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub error: String,
}

/// A stopped or failed re-run's likely cost as stored (`RerunCancelledV1`, `RerunFailedV1`): its
/// model (`ModelUsed::to_wire`) and estimated tokens; `None` without a model that reads, or when
/// nothing had arrived (zero tokens).
fn spent_from_wire(model: Option<&str>, tokens: [u32; 2]) -> Option<Spent> {
    model
        .and_then(ModelUsed::from_wire)
        .filter(|_| tokens != [0, 0])
        .map(|model| Spent {
            model,
            input_tokens: tokens[0],
            output_tokens: tokens[1],
            estimated: true,
        })
}

/// What a record keeps of a stopped re-run beside the answer it puts back: a re-run cut off by
/// the page going away while it answered (written as `Running` over an earlier answer, see
/// `state::runner`) counts as this run's cancel, with what it wrote likely cost (tryout 19, 3: it
/// vanished from the run's count and cost after a reload); a cancel that put an answer back is
/// kept as such.
fn rerun_cancelled_record(c: &CaseRun) -> Option<RerunCancelledV1> {
    // As `CaseRun::settled` reads it: a re-run not finished, or cancelled, over an earlier answer
    // (a queued one was never sent: it is among the unsent, not a cancel).
    let stopped = c.status == Status::Running || c.status == Status::Cancelled;
    if stopped && c.earlier.is_some() {
        return Some(RerunCancelledV1 {
            at: c.run_ms,
            model: c.exec_model.as_ref().map(ModelUsed::to_wire),
            tokens: [c.input_tokens, c.output_tokens],
            stopped: c.cut_by.map_or_else(String::new, |why| why.wire().into()),
        });
    }
    let at = c.rerun_cancelled?;
    let spent = c.rerun_cancelled_spent.as_ref();
    Some(RerunCancelledV1 {
        at,
        model: spent.map(|s| s.model.to_wire()),
        tokens: spent.map_or([0, 0], |s| [s.input_tokens, s.output_tokens]),
        stopped: c.cut_by.map_or_else(String::new, |why| why.wire().into()),
    })
}

/// A run is kept with its cases still queued among the unsent ([`Run::mark_unsent`]), as the
/// page going away would leave them (tryout 73: another tab following the draft read "79 of 79
/// done" for a run of 500 that went on). The draft holds a case queued while its answer streams
/// too (`state::runner` writes it when it ends): the saves during a run first write those as
/// stopped while answering (`run_queue::page_leaving`, through
/// `state::library::Library::keep_as`), so only an export or a link made mid-run counts them
/// here as not sent. The tab running the run never reads its own record back while it runs.
impl From<&Run> for RunV1 {
    fn from(r: &Run) -> Self {
        let stopped = r.unsent_to_keep();
        let mut unsent = stopped.clone();
        unsent.extend(
            r.cases
                .iter()
                .filter(|(_, c)| c.status == Status::Queued && r.is_latest(c))
                .map(|(id, _)| *id),
        );
        crate::domain::order::sort(&mut unsent);
        unsent.dedup();
        Self {
            version: r.version,
            model: r.model.clone(),
            at: r.started_ms,
            unsent,
            stopped_by: if stopped.is_empty() {
                String::new()
            } else {
                r.stopped_by.clone()
            },
            judge_stopped_by: r.judge_stopped_by.clone(),
            cases: r
                .cases
                .iter()
                .map(|(id, c)| (id, c.settled(), rerun_cancelled_record(c)))
                .filter(|(_, c, _)| c.status != Status::Queued)
                .map(|(id, c, rerun_cancelled)| CaseRunV1 {
                    id: *id,
                    status: match c.status {
                        Status::Done => "done",
                        Status::Failed(_) => "failed",
                        _ => "cancelled",
                    }
                    .into(),
                    error: match &c.status {
                        Status::Failed(e) => e.clone(),
                        _ => String::new(),
                    },
                    output: c.output.clone(),
                    tokens: [
                        c.input_tokens,
                        c.output_tokens,
                        c.judge_tokens.0,
                        c.judge_tokens.1,
                    ],
                    estimated: c.tokens_estimated,
                    judge_estimated: c.judge_estimated,
                    ms: c.ms,
                    first_ms: c.first_token_ms,
                    stop: c.finish_reason.clone(),
                    cost: c.cost_usd,
                    refusal: c.refusal.clone(),
                    stopped: match (&c.status, c.cut_by) {
                        (Status::Running | Status::Cancelled, Some(why)) => why.wire().into(),
                        _ => String::new(),
                    },
                    judge: c
                        .judgements
                        .iter()
                        .map(|(rubric, j)| match j {
                            Judgement::Scored { score, reasoning } => JudgementV1 {
                                rubric: rubric.clone(),
                                score: Some(*score),
                                text: reasoning.clone(),
                                error: String::new(),
                            },
                            Judgement::Unreadable { raw, error } => JudgementV1 {
                                rubric: rubric.clone(),
                                score: None,
                                text: raw.clone(),
                                error: error.clone(),
                            },
                        })
                        .collect(),
                    reflection: c.reflection.clone(),
                    run: (c.run_ms != r.started_ms).then_some(c.run_ms),
                    sent: c.sent.map(|f| format!("{f:016x}")),
                    exec_model: c.exec_model.as_ref().map(ModelUsed::to_wire),
                    judge_model: c.judge_model.as_ref().map(ModelUsed::to_wire),
                    rating: c.rating.clone(),
                    replaced_rating: c.replaced_rating.clone(),
                    received: c.received,
                    rerun_cancelled,
                    rerun_failed: c.rerun_failed.as_ref().map(|f| RerunFailedV1 {
                        at: f.run_ms,
                        message: f.message.clone(),
                        partial: f.partial.clone(),
                        model: f.spent.as_ref().map(|s| s.model.to_wire()),
                        tokens: f
                            .spent
                            .as_ref()
                            .map_or([0, 0], |s| [s.input_tokens, s.output_tokens]),
                    }),
                })
                .collect(),
        }
    }
}

impl From<RunV1> for Run {
    fn from(w: RunV1) -> Self {
        Run {
            version: w.version,
            model: w.model,
            started_ms: w.at,
            unsent: w.unsent,
            stopped_by: w.stopped_by,
            judge_stopped_by: w.judge_stopped_by,
            cases: w
                .cases
                .into_iter()
                .map(|c| {
                    let (rerun_cancelled, rerun_cancelled_spent) = match &c.rerun_cancelled {
                        Some(x) if x.at.is_finite() => {
                            (Some(x.at), spent_from_wire(x.model.as_deref(), x.tokens))
                        }
                        _ => (None, None),
                    };
                    let status = match c.status.as_str() {
                        "done" => Status::Done,
                        "failed" => Status::Failed(c.error),
                        _ => Status::Cancelled,
                    };
                    let judgements = c
                        .judge
                        .into_iter()
                        .map(|j| {
                            let v = match j.score {
                                Some(score) if (1..=10).contains(&score) => Judgement::Scored {
                                    score,
                                    reasoning: j.text,
                                },
                                _ => Judgement::Unreadable {
                                    raw: j.text,
                                    error: j.error,
                                },
                            };
                            (j.rubric, v)
                        })
                        .collect();
                    let run = CaseRun {
                        status,
                        output: c.output,
                        input_tokens: c.tokens[0],
                        output_tokens: c.tokens[1],
                        tokens_estimated: c.estimated,
                        judge_tokens: (c.tokens[2], c.tokens[3]),
                        judge_estimated: c.judge_estimated,
                        judgements,
                        ms: c.ms,
                        first_token_ms: c.first_ms.filter(|x| x.is_finite() && *x >= 0.0),
                        finish_reason: c.stop,
                        cost_usd: c.cost.filter(|x| x.is_finite() && *x >= 0.0),
                        refusal: c.refusal,
                        reflection: c.reflection,
                        run_ms: c.run.filter(|x| x.is_finite()).unwrap_or(w.at),
                        sent: c.sent.and_then(|h| u64::from_str_radix(&h, 16).ok()),
                        exec_model: c.exec_model.as_deref().and_then(ModelUsed::from_wire),
                        judge_model: c.judge_model.as_deref().and_then(ModelUsed::from_wire),
                        rating: c.rating,
                        replaced_rating: c.replaced_rating,
                        received: c.received,
                        earlier: None,
                        rerun_failed: c.rerun_failed.filter(|f| f.at.is_finite()).map(|f| {
                            RerunFailure {
                                run_ms: f.at,
                                spent: spent_from_wire(f.model.as_deref(), f.tokens),
                                message: f.message,
                                partial: f.partial,
                            }
                        }),
                        rerun_cancelled,
                        rerun_cancelled_spent,
                        // A cut call of its own, or a re-run cut over the answer put back.
                        cut_by: Leaving::from_wire(&c.stopped)
                            .filter(|_| c.status != "done" && c.status != "failed")
                            .or_else(|| {
                                c.rerun_cancelled
                                    .as_ref()
                                    .filter(|_| rerun_cancelled.is_some())
                                    .and_then(|x| Leaving::from_wire(&x.stopped))
                            }),
                        superseded: Vec::new(),
                    };
                    (c.id, run)
                })
                .collect(),
            replaced: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct IdeaV1 {
    #[serde(default)]
    pub idea: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub audience: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tone: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub output: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub target: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variables: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionV1 {
    pub n: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<u32>,
    #[serde(default)]
    pub origin: OriginV1,
    pub spec: SpecV1,
    #[serde(default)]
    pub at: f64,
    /// The section the reply ended inside (`persona`, `steps`…), written only when there is one.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cut: String,
    /// The reply's JSON broke inside `cut` (a syntax error) rather than ending there; written
    /// only when it did.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub broke: bool,
    /// Reading the reply stopped at a break in its JSON, so a section after the last one read
    /// was not read; written only when it did.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stopped: bool,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OriginV1 {
    /// generated, edited, rewritten, adapted, pasted, partial.
    #[serde(default)]
    pub kind: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub model: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub section: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub instruction: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub family: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SpecV1 {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub analysis: String,
    #[serde(default)]
    pub persona: String,
    #[serde(default)]
    pub context: String,
    #[serde(default)]
    pub steps: Vec<String>,
    #[serde(default)]
    pub format: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub json_schema: String,
    /// `[input, output]` pairs.
    #[serde(default)]
    pub examples: Vec<(String, String)>,
}

impl From<&PromptSpec> for SpecV1 {
    fn from(s: &PromptSpec) -> Self {
        Self {
            analysis: s.notes.clone(),
            persona: s.persona.clone(),
            context: s.context.clone(),
            steps: s.steps.clone(),
            format: s.format.clone(),
            json_schema: s.json_schema.clone(),
            examples: s
                .examples
                .iter()
                .map(|e| (e.input.clone(), e.output.clone()))
                .collect(),
        }
    }
}

impl From<SpecV1> for PromptSpec {
    fn from(s: SpecV1) -> Self {
        Self {
            notes: s.analysis,
            persona: s.persona,
            context: s.context,
            steps: s.steps,
            format: s.format,
            json_schema: s.json_schema,
            examples: s
                .examples
                .into_iter()
                .map(|(input, output)| Example { input, output })
                .collect(),
        }
    }
}

impl From<&Origin> for OriginV1 {
    fn from(o: &Origin) -> Self {
        let mut w = OriginV1::default();
        match o {
            Origin::Generated { model } => (w.kind, w.model) = ("generated".into(), model.clone()),
            Origin::Edited { section } => {
                (w.kind, w.section) = ("edited".into(), section.as_str().into())
            }
            Origin::Rewritten {
                section,
                instruction,
                model,
            } => {
                (w.kind, w.section, w.instruction, w.model) = (
                    "rewritten".into(),
                    section.as_str().into(),
                    instruction.clone(),
                    model.clone(),
                );
            }
            Origin::Adapted { family, model } => {
                (w.kind, w.family, w.model) =
                    ("adapted".into(), family.as_str().into(), model.clone())
            }
            Origin::Pasted => w.kind = "pasted".into(),
            Origin::Partial { model, adapting } => {
                (w.kind, w.model) = ("partial".into(), model.clone());
                if let Some(family) = adapting {
                    w.family = family.as_str().into();
                }
            }
            Origin::Optimized { what } => {
                (w.kind, w.instruction) = ("optimized".into(), what.clone())
            }
        }
        w
    }
}

impl From<OriginV1> for Origin {
    /// Unknown kinds (from a newer app) read as "pasted": the text is kept, only its label is generic.
    fn from(w: OriginV1) -> Self {
        let section = Section::parse(&w.section).unwrap_or(Section::Persona);
        match w.kind.as_str() {
            "generated" => Origin::Generated { model: w.model },
            "edited" => Origin::Edited { section },
            "rewritten" => Origin::Rewritten {
                section,
                instruction: w.instruction,
                model: w.model,
            },
            "adapted" => Origin::Adapted {
                family: ModelFamily::parse(&w.family),
                model: w.model,
            },
            "partial" => Origin::Partial {
                model: w.model,
                adapting: (!w.family.is_empty()).then(|| ModelFamily::parse(&w.family)),
            },
            "optimized" => Origin::Optimized {
                what: w.instruction,
            },
            _ => Origin::Pasted,
        }
    }
}

/// What to include when a draft leaves the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Include {
    /// Every version (else only the current one).
    pub history: bool,
    /// The test cases and their assertions.
    pub cases: bool,
    /// Run results (outputs, judgements) of the versions included.
    pub results: bool,
}

impl Include {
    /// Everything: for storage and exports.
    pub const ALL: Include = Include {
        history: true,
        cases: true,
        results: true,
    };
}

impl DraftV1 {
    pub fn from_draft(d: &Draft, include: Include) -> Self {
        let versions: Vec<VersionV1> = d
            .versions
            .iter()
            .filter(|v| include.history || v.number == d.current)
            .map(|v| VersionV1 {
                n: v.number,
                parent: if include.history { v.parent } else { None },
                origin: (&v.origin).into(),
                spec: (&v.spec).into(),
                at: v.created_ms,
                cut: v.cut.map(|c| c.as_str().to_owned()).unwrap_or_default(),
                broke: v.broke,
                stopped: v.stopped,
            })
            .collect();
        Self {
            name: d.name.clone(),
            idea: IdeaV1 {
                idea: d.idea.idea.clone(),
                audience: d.idea.audience.clone(),
                tone: d.idea.tone.clone(),
                output: if d.idea.output == OutputKind::Auto {
                    String::new()
                } else {
                    d.idea.output.as_str().into()
                },
                target: if d.idea.target == ModelFamily::Any {
                    String::new()
                } else {
                    d.idea.target.as_str().into()
                },
                variables: d.idea.variables.clone(),
            },
            style: match d.style {
                RenderStyle::Markdown => "markdown".into(),
                RenderStyle::Xml => "xml".into(),
            },
            versions,
            current: d.current,
            cases: if include.cases {
                d.suite
                    .cases
                    .iter()
                    .map(|c| StoredCaseV1 {
                        id: c.id,
                        case: c.into(),
                    })
                    .collect()
            } else {
                Vec::new()
            },
            checks: if include.cases {
                d.suite.global.iter().map(AssertionV1::from).collect()
            } else {
                Vec::new()
            },
            cut_off_fails: (include.cases && !d.suite.cut_off_fails).then_some(false),
            thumbs_down_fails: (include.cases && !d.suite.thumbs_down_fails).then_some(false),
            optimizer: if include.results && include.cases && include.history {
                d.optimizer
                    .as_ref()
                    .and_then(|o| serde_json::to_value(o).ok())
            } else {
                None
            },
            runs: if include.results && include.cases {
                d.runs
                    .iter()
                    .filter(|r| include.history || r.version == d.current)
                    .map(RunV1::from)
                    .collect()
            } else {
                Vec::new()
            },
            compared: if include.results && include.cases {
                d.compared
                    .iter()
                    .filter(|r| include.history || r.run.version == d.current)
                    .map(|r| ComparedRunV1 {
                        key: r.key.clone(),
                        run: RunV1::from(&r.run),
                    })
                    .collect()
            } else {
                Vec::new()
            },
        }
    }

    /// The domain draft, and what was left out: checks of a kind this app does not know, the
    /// results of a run whose version is not among the versions, and an optimizer snapshot that
    /// does not read or breaks the loop's invariants ([`Optimizer::validate`]). A `current` that names no version falls back to the newest.
    pub fn into_salvaged(self) -> Salvaged {
        let mut lost = Vec::new();
        let versions: Vec<Version> = self
            .versions
            .into_iter()
            .map(|v| Version {
                number: v.n,
                parent: v.parent,
                origin: v.origin.into(),
                spec: v.spec.into(),
                created_ms: v.at,
                broke: v.broke && Section::parse(&v.cut).is_some(),
                cut: Section::parse(&v.cut),
                stopped: v.stopped,
            })
            .collect();
        let current = if versions.iter().any(|v| v.number == self.current) {
            self.current
        } else {
            versions.iter().map(|v| v.number).max().unwrap_or(0)
        };
        // Cases keep their ids when they have unique ones; others get fresh ids, numbered past
        // every kept id (so no later case loses its own id, and with it its results, to one
        // renumbered before it). A check this app does not know is left out of its case, not
        // the case.
        let mut suite = Suite {
            cut_off_fails: self.cut_off_fails.unwrap_or(true),
            thumbs_down_fails: self.thumbs_down_fails.unwrap_or(true),
            ..Suite::default()
        };
        let mut seen = crate::domain::sorted::SortedSet::new();
        let unique: Vec<bool> = self
            .cases
            .iter()
            .map(|c| c.id > 0 && seen.insert(c.id))
            .collect();
        let mut fresh = seen.last().copied().unwrap_or(0);
        for (i, stored) in self.cases.into_iter().enumerate() {
            let (mut case, left_out) = stored.case.into_case();
            for (j, why) in left_out {
                lost.push(Lost::CaseCheck {
                    case: i + 1,
                    at: j + 1,
                    why: Some(why.to_string()),
                });
            }
            case.id = if unique[i] {
                stored.id
            } else {
                fresh += 1;
                fresh
            };
            suite.cases.push(case);
        }
        for (i, a) in self.checks.iter().enumerate() {
            match Assertion::try_from(a) {
                Ok(a) => suite.global.push(a),
                Err(why) => lost.push(Lost::Check {
                    at: i + 1,
                    why: Some(why.to_string()),
                }),
            }
        }
        // A run of a version that did not make it is left out, named: shown under no version,
        // it could only ever be shown under another prompt given its number.
        let has_version = |version: u32| versions.iter().any(|v| v.number == version);
        let runs: Vec<Run> = self
            .runs
            .into_iter()
            .map(Run::from)
            .filter(|r| {
                let kept = has_version(r.version);
                if !kept {
                    lost.push(Lost::RunWithoutVersion {
                        version: r.version,
                        model: None,
                    });
                }
                kept
            })
            .collect();
        let compared: Vec<ModelRun> = self
            .compared
            .into_iter()
            .filter(|r| !r.key.is_empty())
            .map(|r| ModelRun {
                key: r.key,
                run: Run::from(r.run),
            })
            .filter(|r| {
                let kept = has_version(r.run.version);
                if !kept {
                    lost.push(Lost::RunWithoutVersion {
                        version: r.run.version,
                        model: Some(r.key.clone()),
                    });
                }
                kept
            })
            .collect();
        let optimizer = self.optimizer.and_then(|v| {
            from_value::<Optimizer>(v)
                .map_err(|e| SnapshotError::Shape(e.to_string()))
                .and_then(|o| o.validate().map(|()| o))
                .map_err(|e| lost.push(Lost::Optimizer(e)))
                .ok()
        });
        // Ids that results or the loop still name are not given to new cases
        // (`Suite::used_ids`): a new case never shows a deleted case's answer, nor joins a loop
        // that picked a deleted case with its id (review: held-out cases have no results until
        // the loop checks them).
        suite.used_ids = runs
            .iter()
            .chain(compared.iter().map(|m| &m.run))
            .flat_map(|r| r.cases.keys().chain(&r.unsent).copied())
            .chain(optimizer.iter().flat_map(|o| {
                // The cases the loop works through, and those its evidence names.
                o.candidates
                    .iter()
                    .flat_map(|c| c.train.keys().chain(c.held.keys()).copied())
                    .chain(o.minibatch.iter().chain(&o.held_out).copied())
                    .chain(o.critiques.keys().chain(o.rated.keys()).copied())
            }))
            .max()
            .unwrap_or(0);
        let draft = Draft {
            suite,
            runs,
            compared,
            optimizer,
            name: self.name,
            idea: IdeaInput {
                idea: self.idea.idea,
                audience: self.idea.audience,
                tone: self.idea.tone,
                output: OutputKind::parse(&self.idea.output),
                target: ModelFamily::parse(&self.idea.target),
                variables: self.idea.variables,
            },
            style: if self.style == "xml" {
                RenderStyle::Xml
            } else {
                RenderStyle::Markdown
            },
            versions,
            current,
        };
        Salvaged { draft, lost }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn sample_draft() -> Draft {
        let mut d = Draft {
            idea: IdeaInput {
                idea: "summarise support emails".into(),
                tone: "warm".into(),
                ..Default::default()
            },
            ..Default::default()
        };
        let spec = PromptSpec {
            persona: "You are a support lead.".into(),
            steps: vec!["Read.".into(), "Summarise.".into()],
            examples: vec![Example {
                input: "Hi".into(),
                output: "Hello".into(),
            }],
            ..Default::default()
        };
        d.commit(spec.clone(), Origin::Generated { model: "m".into() }, 1.0);
        let mut s2 = spec;
        s2.persona = "You are a calm support lead.".into();
        d.commit(
            s2,
            Origin::Rewritten {
                section: Section::Persona,
                instruction: "calmer".into(),
                model: "m".into(),
            },
            2.0,
        );
        d.style = RenderStyle::Xml;
        let id = d.suite.add(TestCase {
            input: "Where is my order?".into(),
            vars: vec![("name".into(), "Zoë".into())],
            expected: "asks for the order number".into(),
            assertions: vec![Assertion::new(Check::ContainsAny(vec!["order".into()]))],
            tags: vec!["edge".into()],
            split: Split::HeldOut,
            ..Default::default()
        });
        d.suite.global.push(Assertion::new(Check::Judge {
            rubric: "polite".into(),
            threshold: 7,
        }));
        let mut run = Run {
            version: 2,
            model: "m".into(),
            started_ms: 5.0,
            ..Default::default()
        };
        run.cases.insert(
            id,
            CaseRun {
                status: Status::Done,
                output: "Which order?".into(),
                input_tokens: 10,
                output_tokens: 3,
                tokens_estimated: true,
                judge_tokens: (50, 20),
                judge_estimated: true,
                ms: 120.0,
                first_token_ms: Some(40.0),
                finish_reason: Some("stop".into()),
                cost_usd: Some(0.000_42),
                refusal: None,
                reflection: None,
                run_ms: 5.0,
                // Above 2^53: kept exactly (as hex text), not rounded by a JSON number.
                sent: Some(u64::MAX - 5),
                exec_model: Some(ModelUsed {
                    kind: crate::domain::provider::ProviderKind::Mistral,
                    model: "mistral-small-latest".into(),
                }),
                judge_model: None,
                earlier: None,
                rerun_failed: None,
                rerun_cancelled: None,
                rerun_cancelled_spent: None,
                cut_by: None,
                superseded: Vec::new(),
                rating: Some(crate::domain::eval::rating::Rating::new(
                    crate::domain::eval::rating::Thumb::Down,
                    "Asks instead of answering",
                )),
                // The rated answer a re-run replaced, kept on the wire.
                received: false,
                replaced_rating: Some(crate::domain::eval::rating::RatedAnswer {
                    output: "Please say which order.".into(),
                    rating: crate::domain::eval::rating::Rating::new(
                        crate::domain::eval::rating::Thumb::Down,
                        "Still asks.",
                    ),
                }),
                judgements: [(
                    "polite".to_owned(),
                    Judgement::Scored {
                        score: 8,
                        reasoning: "kind".into(),
                    },
                )]
                .into(),
            },
        );
        d.put_run(run);
        d
    }

    #[test]
    fn round_trip_with_and_without_history() {
        let d = sample_draft();
        let full = DraftV1::from_draft(&d, Include::ALL);
        let json = serde_json::to_string(&full).unwrap();
        let back: DraftV1 = serde_json::from_str(&json).unwrap();
        assert_eq!(
            back.into_salvaged(),
            Salvaged {
                draft: d.clone(),
                lost: vec![]
            }
        );
        let only = DraftV1::from_draft(
            &d,
            Include {
                history: false,
                cases: false,
                results: false,
            },
        )
        .into_salvaged()
        .draft;
        assert_eq!(only.versions.len(), 1);
        assert_eq!(only.current_spec(), d.current_spec());
        assert!(!json.to_lowercase().contains("key"), "no key field: {json}");
    }

    #[test]
    fn unknown_and_missing_fields_are_tolerated() {
        let json = r#"{"name":"x","idea":{"idea":"i","output":"yaml"},"versions":[{"n":3,"origin":{"kind":"evolved"},"spec":{"persona":"p"},"future":1}],"current":9}"#;
        let d = serde_json::from_str::<DraftV1>(json)
            .unwrap()
            .into_salvaged()
            .draft;
        assert_eq!(d.current, 3);
        assert_eq!(d.versions[0].origin, Origin::Pasted);
        assert_eq!(d.idea.output, OutputKind::Auto);
    }
}

/// The file written by "Export": one or all drafts, with their whole history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportV1 {
    /// Always "promptwright-drafts".
    pub format: String,
    pub version: u32,
    pub drafts: Vec<DraftV1>,
}

pub const EXPORT_FORMAT: &str = "promptwright-drafts";

impl ExportV1 {
    pub fn new(drafts: &[&Draft]) -> Self {
        Self {
            format: EXPORT_FORMAT.into(),
            version: 1,
            drafts: drafts
                .iter()
                .map(|d| DraftV1::from_draft(d, Include::ALL))
                .collect(),
        }
    }
}

/// What a file cut off while it was being saved or downloaded is told (a file that ends before
/// its JSON is complete): the likely cause and the way forward, for every importer of files.
pub const CUT_OFF_FILE: &str =
    "it was probably cut off while it was being saved or downloaded. Save or download it again";

/// `x` as a JSON value, made through its text: the wire types are written as text for storage
/// (`to_string`), and `serde_json::to_value` would compile each one's serializer a second time,
/// for `Value` (issue #16). For a link or a file, made on request: the text costs a parse.
pub fn to_value<T: Serialize + ?Sized>(x: &T) -> serde_json::Value {
    serde_json::to_string(x)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

/// `v` read as a `T` through its text, the way [`to_value`] writes: the wire types are read from
/// stored text (`from_str`), and `serde_json::from_value` would compile each one's deserializer a
/// second time, for `Value` (issue #16). Errors: as `from_value`'s, in words without a text
/// position (the text is made here, its line and column mean nothing to the reader).
pub fn from_value<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> Result<T, String> {
    serde_json::from_str(&v.to_string()).map_err(|e| json_message(&e))
}

/// serde_json's message without its " at line 1 column 5" tail (the caller gives the place, or
/// there is none to give).
pub fn json_message(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(at) => s[..at].to_owned(),
        None => s,
    }
}

/// How deep serde_json reads lists and objects in lists and objects: its parser's limit, which
/// keeps a hostile file from exhausting the stack.
pub const JSON_DEPTH_LIMIT: usize = 128;

/// A file whose lists and objects nest deeper than [`JSON_DEPTH_LIMIT`], said as that (tryout
/// 78: a 100,000-deep file read "not valid JSON … column 128", as if a typo were there), as a
/// clause to follow "This file "; `None` for any other error.
pub fn too_deep(e: &serde_json::Error) -> Option<String> {
    (json_message(e) == "recursion limit exceeded").then(|| {
        format!(
            "nests lists or objects more than {JSON_DEPTH_LIMIT} levels deep (line {}, column {}), deeper than anything Promptwright writes or reads, so it was not read",
            e.line(),
            e.column()
        )
    })
}

/// Why a file's text is not JSON, in plain words (no parser jargon such as "EOF"): a text that
/// ends before its JSON is complete is said to end early ([`CUT_OFF_FILE`]); any other mistake is
/// named with its line and column. A clause to follow "This file " (no capital, no full stop).
pub fn json_file_problem(e: &serde_json::Error) -> String {
    if e.is_eof() {
        return format!("ends early (line {}): {CUT_OFF_FILE}", e.line());
    }
    if let Some(deep) = too_deep(e) {
        return deep;
    }
    format!(
        "is not valid JSON (the first mistake is on line {}, column {})",
        e.line(),
        e.column()
    )
}

/// What an import file holds: the drafts that could be read, each with what was left out of it,
/// and, by their place in the file (1 is the first), the ones with nothing usable.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub drafts: Vec<Salvaged>,
    pub unreadable: Vec<(usize, Unusable)>,
}

/// Said after "This file is not a Promptwright export": where other files go (tryout 93: a chat
/// log chosen here got no hint that Test cases read it).
pub const NOT_AN_EXPORT_HINT: &str = "Test cases (CSV, JSONL, chat logs, promptfoo files) are read by Import\u{2026} under Test cases.";

/// Reads an export file (or a single exported draft) draft by draft and part by part (see
/// [`read_draft`]); says plainly what is wrong when no draft in it can be read. Every draft's
/// optimization loop arrives paused: an import never spends until the person resumes it.
pub fn parse_import(text: &str) -> Result<Imported, String> {
    let mut v: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        if (e.is_eof() || too_deep(&e).is_some()) && !text.trim().is_empty() {
            format!("This file {}.", json_file_problem(&e))
        } else if text.trim().is_empty() {
            "This file is empty: it holds no drafts.".to_owned()
        } else {
            format!(
                "This file is not a Promptwright export: it {}. {NOT_AN_EXPORT_HINT}",
                json_file_problem(&e)
            )
        }
    })?;
    // A draft as it was stored in a browser, as Promptwright offers it for download (a record
    // that could not be read, or one read with parts left out): read as the browser reads it
    // (tryout 96: "not a Promptwright export", beside a message saying to repair it).
    if let Some(reads) = as_stored(&v, 0) {
        return imported_from(reads.into_iter().map(|r| r.map(|r| r.draft)).collect());
    }
    let items: Vec<serde_json::Value> = if v.get("format").and_then(|f| f.as_str())
        == Some(EXPORT_FORMAT)
    {
        let version = v.get("version").and_then(|x| x.as_u64()).unwrap_or(0);
        if version != 1 {
            return Err(format!(
                "This export was made by a newer Promptwright (format version {version})."
            ));
        }
        match v.get_mut("drafts").map(serde_json::Value::take) {
            Some(serde_json::Value::Array(items)) if !items.is_empty() => items,
            Some(serde_json::Value::Array(_)) | None => {
                return Err("This export holds no drafts.".into());
            }
            Some(_) => {
                return Err("This export is damaged: its list of drafts is not a list.".into());
            }
        }
    } else if v.get("versions").is_some() && v.get("idea").is_some() {
        vec![v]
    } else if let Some(f) = v.get("format").filter(|_| v.get("drafts").is_some()) {
        // Tryout 79: a file with drafts under another format name read "it has no drafts
        // in it".
        return Err(format!(
            "This file is not a Promptwright export: it holds drafts, but its \u{201c}format\u{201d} is {}, not \u{201c}{EXPORT_FORMAT}\u{201d}, so they were not read. A file made by Promptwright's Export says \u{201c}{EXPORT_FORMAT}\u{201d}.",
            match f.as_str() {
                Some(name) => format!("\u{201c}{}\u{201d}", crate::domain::eval::clip(name, 60)),
                None => "not a name".to_owned(),
            }
        ));
    } else {
        return Err(format!(
            "This file is not a Promptwright export: it has no drafts in it. {NOT_AN_EXPORT_HINT}"
        ));
    };
    imported_from(items.into_iter().map(read_draft).collect())
}

/// The drafts of a file stored as this browser keeps them (`net::store`'s downloads): a record
/// of the first layout (`{"id", "rev", "updated_ms", "draft"}`), one in parts (`{"record":
/// head text, "parts": {key: text}}`), or several such copies in one object (text by where each
/// was kept). `None` when `v` is none of these; `depth` stops a copy nested in a copy.
fn as_stored(v: &serde_json::Value, depth: u8) -> Option<Vec<Result<RecordRead, Unusable>>> {
    let o = v.as_object()?;
    if o.get("draft").is_some_and(serde_json::Value::is_object)
        && (o.contains_key("rev") || o.contains_key("updated_ms"))
    {
        return Some(vec![salvage::record_from(o.clone(), Vec::new())]);
    }
    if let (Some(head), Some(parts)) = (
        o.get("record"),
        o.get("parts").and_then(serde_json::Value::as_object),
    ) {
        // Each as the browser keeps it, text; JSON written in its place (a file edited by hand,
        // the texts pretty-printed to read them: tryout 116) reads as that JSON's text.
        let as_text = |v: &serde_json::Value| match v {
            serde_json::Value::String(t) => Some(t.clone()),
            serde_json::Value::Null => None,
            other => Some(other.to_string()),
        };
        let head = as_text(head).unwrap_or_default();
        let head = head.as_str();
        let parts: Vec<(String, String)> = parts
            .iter()
            .filter_map(|(k, t)| Some((k.clone(), as_text(t)?)))
            .collect();
        // A head that does not read leaves the parts (tryout 115: a download of a draft that
        // did not read at all, its parts whole, imported as "nothing in it could be read").
        // Only a head that is not a JSON object: one that reads and is refused for what it
        // holds keeps its own words (the review).
        let unreadable_head = serde_json::from_str::<serde_json::Value>(head)
            .ok()
            .filter(serde_json::Value::is_object)
            .is_none();
        let read = match parts::read_stored(head, &parts) {
            Err(_) if unreadable_head && !parts.is_empty() => parts::read_parts_alone(&parts),
            read => read,
        };
        return Some(vec![read]);
    }
    if depth == 0 && !o.is_empty() && o.values().all(serde_json::Value::is_string) {
        let mut reads = Vec::new();
        for text in o.values().filter_map(serde_json::Value::as_str) {
            let inner: serde_json::Value = serde_json::from_str(text).ok()?;
            reads.extend(as_stored(&inner, 1)?);
        }
        return Some(reads);
    }
    None
}

/// [`parse_import`]'s outcome from the drafts read (each, or why it did not read).
fn imported_from(reads: Vec<Result<Salvaged, Unusable>>) -> Result<Imported, String> {
    let total = reads.len();
    let mut out = Imported {
        drafts: Vec::new(),
        unreadable: Vec::new(),
    };
    for (i, read) in reads.into_iter().enumerate() {
        match read {
            // Only a name (and a layout): nothing to import; said so, not imported empty.
            Ok(s) if holds_nothing(&s.draft) => out.unreadable.push((
                i + 1,
                Unusable {
                    name: Some(s.draft.name.clone()).filter(|n| !n.trim().is_empty()),
                    why: "it holds nothing but its name".into(),
                    empty: true,
                },
            )),
            Ok(mut s) => {
                s.draft.arrive_as_copy();
                s.draft.price_here();
                s.draft.results_received();
                out.drafts.push(s);
            }
            Err(e) => out.unreadable.push((i + 1, e)),
        }
    }
    if out.drafts.is_empty() {
        let empty = out.unreadable.iter().filter(|(_, u)| u.empty).count();
        return Err(match (total, empty) {
            (1, 1) => "This draft holds nothing to work on (no idea, prompt, test cases or results), so nothing was imported.".into(),
            (1, _) => "This draft file is damaged: nothing in it could be read.".into(),
            (n, e) if e == n => format!(
                "None of the {n} drafts in this file holds anything to work on (no idea, prompt, test cases or results), so nothing was imported."
            ),
            (n, 0) => format!("This export is damaged: none of its {n} drafts could be read."),
            (n, e) => format!(
                "Nothing was imported: of the {n} drafts in this file, {} could not be read, and {} nothing to work on.",
                n - e,
                crate::domain::figures::count(e, "holds", "hold"),
            ),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod export_tests {
    use super::*;

    // Helper-52: an ignore-capitals regex was written `(?i)…`, which promptfoo's
    // `new RegExp(value)` refuses. It is written as the `javascript` check promptfoo runs for it
    // (the page's component test runs that code in V8 and compares verdicts); drafts and links
    // with the old form still read.
    #[test]
    fn an_ignore_capitals_regex_goes_as_code_promptfoo_runs() {
        let mut a = Assertion::new(Check::Regex(r#"^say "hi"/\d$"#.into()));
        a.ignore_case = true;
        let w = AssertionV1::from(&a);
        assert_eq!(w.kind, "javascript");
        assert_eq!(
            w.value,
            Some(serde_json::json!(
                r#"new RegExp("^say \"hi\"/\\d$", "i").test(output)"#
            ))
        );
        assert_eq!(Assertion::try_from(&w), Ok(a.clone()));
        a.negate = true;
        let w = AssertionV1::from(&a);
        assert_eq!(w.kind, "not-javascript");
        assert_eq!(Assertion::try_from(&w), Ok(a));
        let old = AssertionV1 {
            kind: "regex".into(),
            value: Some(serde_json::json!("(?i)hello")),
            ..AssertionV1::default()
        };
        let read = Assertion::try_from(&old).unwrap();
        assert!(read.ignore_case && read.check == Check::Regex("hello".into()));
        // Other code is not run.
        let other = AssertionV1 {
            kind: "javascript".into(),
            value: Some(serde_json::json!(r#"new RegExp("a", "g").test(output)"#)),
            ..AssertionV1::default()
        };
        assert_eq!(
            Assertion::try_from(&other).unwrap_err().why,
            "it would run code"
        );
    }

    // Tryout 102: equals and starts-with that ignore capitals were exported as `iequals` and
    // `istarts-with`, types promptfoo does not have (a promptfoo run refuses the file). They go
    // as the `javascript` check promptfoo runs for them (the component test runs the code in V8
    // and compares verdicts); drafts and links with the old names still read.
    #[test]
    fn equals_and_starts_with_ignoring_capitals_go_as_code_promptfoo_runs() {
        for (check, code) in [
            (
                Check::Equals("Say \"OK\"\n".into()),
                r#"output.toLowerCase() === "Say \"OK\"\n".toLowerCase()"#,
            ),
            (
                Check::StartsWith("Dear".into()),
                r#"output.toLowerCase().startsWith("Dear".toLowerCase())"#,
            ),
        ] {
            let mut a = Assertion::new(check.clone());
            a.ignore_case = true;
            goes_as_code(a, code);
            // Capitals compared: promptfoo's own types, as before.
            let exact = AssertionV1::from(&Assertion::new(check.clone()));
            assert!(
                matches!(exact.kind.as_str(), "equals" | "starts-with"),
                "{}",
                exact.kind
            );
        }
        for (old, check) in [
            ("iequals", Check::Equals("ok".into())),
            ("istarts-with", Check::StartsWith("ok".into())),
        ] {
            let w = AssertionV1 {
                kind: old.into(),
                value: Some(serde_json::json!("ok")),
                ..AssertionV1::default()
            };
            let read = Assertion::try_from(&w).unwrap();
            assert!(read.ignore_case && read.check == check, "{old}");
        }
        // Code that only looks like it is not run.
        not_run(&[
            r#"output.toLowerCase() === "a".toLowerCase() || true"#,
            r#"output.toLowerCase().startsWith("a".toUpperCase())"#,
            r#"output.toLowerCase() === "a" + "b".toLowerCase()"#,
        ]);
    }

    /// Fails unless `a` is written as the `javascript` check `code`, its `not-` form as
    /// `not-javascript`, and each reads back as itself.
    fn goes_as_code(mut a: Assertion, code: &str) {
        let w = AssertionV1::from(&a);
        assert_eq!(
            (w.kind.as_str(), w.value.clone()),
            ("javascript", Some(serde_json::json!(code)))
        );
        assert_eq!(Assertion::try_from(&w), Ok(a.clone()));
        a.negate = true;
        let w = AssertionV1::from(&a);
        assert_eq!(w.kind, "not-javascript");
        assert_eq!(Assertion::try_from(&w), Ok(a));
    }

    /// Fails unless each `javascript` check of `codes` is refused as code to run.
    fn not_run(codes: &[&str]) {
        for code in codes {
            let w = AssertionV1 {
                kind: "javascript".into(),
                value: Some(serde_json::json!(code)),
                ..AssertionV1::default()
            };
            assert_eq!(
                Assertion::try_from(&w).unwrap_err().why,
                "it would run code",
                "{code}"
            );
        }
    }

    // Tryout 103: a length in characters was written as `length` with `unit: chars`, a type
    // promptfoo does not have. It goes as the `javascript` check promptfoo runs for it (the
    // component test runs the code in V8 and compares verdicts); the old form still reads.
    #[test]
    fn a_length_in_characters_goes_as_code_promptfoo_runs() {
        for (min, max, code) in [
            (
                Some(1),
                Some(9),
                "((n) => n >= 1 && n <= 9)([...output.trim()].length)",
            ),
            (Some(3), None, "((n) => n >= 3)([...output.trim()].length)"),
            (
                None,
                Some(280),
                "((n) => n <= 280)([...output.trim()].length)",
            ),
        ] {
            goes_as_code(
                Assertion::new(Check::Length {
                    unit: LengthUnit::Chars,
                    min,
                    max,
                }),
                code,
            );
        }
        let old = AssertionV1 {
            kind: "length".into(),
            min: Some(2),
            unit: Some("chars".into()),
            ..AssertionV1::default()
        };
        assert_eq!(
            Assertion::try_from(&old).map(|a| a.check),
            Ok(Check::Length {
                unit: LengthUnit::Chars,
                min: Some(2),
                max: None
            })
        );
        not_run(&[
            "((n) => n >= 1 || true)([...output.trim()].length)",
            "((n) => n >= -1)([...output.trim()].length)",
            "((n) => n >= 1 && n <= 9)([...output].length)",
        ]);
    }

    #[test]
    fn export_round_trip_and_bad_files() {
        let d = tests::sample_draft();
        let json = serde_json::to_string(&ExportV1::new(&[&d, &d])).unwrap();
        let drafts = |text: &str| -> Vec<Draft> {
            let i = parse_import(text).unwrap();
            assert!(i.unreadable.is_empty(), "{:?}", i.unreadable);
            i.drafts
                .into_iter()
                .map(|s| {
                    assert!(s.lost.is_empty(), "{:?}", s.lost);
                    s.draft
                })
                .collect()
        };
        // An imported draft's costs are its tokens at this page's prices (`Draft::price_here`).
        let mut priced = d.clone();
        assert_eq!(
            priced.price_here(),
            1,
            "the sample's cost is not its tokens' here"
        );
        // Its results came with the file (`Draft::results_received`).
        assert_eq!(priced.results_received(), 1);
        assert_eq!(drafts(&json), vec![priced.clone(), priced.clone()]);
        let single = serde_json::to_string(&DraftV1::from_draft(&d, Include::ALL)).unwrap();
        assert_eq!(drafts(&single), vec![priced]);
        assert!(
            parse_import("not json")
                .unwrap_err()
                .contains("not a Promptwright export")
        );
        assert!(parse_import("{\"a\":1}").unwrap_err().contains("no drafts"));
        assert!(
            parse_import(r#"{"format":"promptwright-drafts","version":7,"drafts":[]}"#)
                .unwrap_err()
                .contains("newer")
        );
        assert!(
            !json.to_lowercase().contains("\"key"),
            "no key field in exports"
        );
    }
}

/// One assertion in files and links, in promptfoo's vocabulary (`type`, `value`, `threshold`) with
/// an extension of ours: `matches-schema` (the prompt's own schema). Checks promptfoo has no
/// type for go as the `javascript` check promptfoo runs for them: equals, starts with and a regex
/// that ignore capitals ([`ignore_case_code`]), a length in characters ([`length_code`]);
/// `iequals`, `istarts-with` and `length`, written before that, still read.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AssertionV1 {
    /// promptfoo's type name, with its `not-` prefix when negated.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
    /// For the model-graded types: promptfoo's 0-1 scale (0.7 is a pass mark of 7/10, see
    /// [`pass_mark`]); values above 1 are read as x/10. For `levenshtein`: the most edits; for
    /// `latency`: the most milliseconds; for `cost`: the most US dollars.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u32>,
    /// For `length`: "chars" (default) or "words".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// promptfoo's `weight` (absent for 1): how much the check counts in its case's score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    /// Ours: an `equals` compared as JSON whose value is not a JSON object or list (a scalar, or
    /// text that does not read as JSON yet, marked to fix), which the value alone would not say
    /// (tryout 113: the tick was lost on a save and the check on a CSV round trip). Absent
    /// otherwise; promptfoo ignores it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub as_json: bool,
}

/// One test case in files and links; the field names follow promptfoo's test format (`description`,
/// `vars`, `assert`, `threshold`) so its files read directly, plus ours (`input`, `expected`,
/// `tags`, `split`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CaseV1 {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub input: String,
    /// A conversation's earlier turns, before `input` (absent for a one-message case, and in
    /// records made before turns existed; an older app ignores it and opens the case with its
    /// last message only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub turns: Vec<TurnV1>,
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub vars: serde_json::Map<String, serde_json::Value>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub expected: String,
    #[serde(default, rename = "assert", skip_serializing_if = "Vec::is_empty")]
    pub assertions: Vec<AssertionV1>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// "train" (default) or "held-out".
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub split: String,
    /// promptfoo's test threshold (0..=1): the case passes when its score reaches it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
}

/// One earlier turn of a conversation case, in OpenAI's message words: `{"role": "user" |
/// "assistant", "content": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnV1 {
    pub role: crate::domain::provider::Speaker,
    #[serde(default)]
    pub content: String,
}

impl From<&crate::domain::provider::Message> for TurnV1 {
    fn from(m: &crate::domain::provider::Message) -> Self {
        Self {
            role: m.speaker,
            content: m.text.clone(),
        }
    }
}

impl From<TurnV1> for crate::domain::provider::Message {
    fn from(t: TurnV1) -> Self {
        Self {
            speaker: t.role,
            text: t.content,
        }
    }
}

/// A value as text: strings as they are, nothing as empty, anything else as compact JSON.
pub fn text_of(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        serde_json::Value::Number(n) => js_number_text(n),
        other => other.to_string(),
    }
}

/// A number as JavaScript's `String(n)` writes it, the text promptfoo compares a number value
/// as (tryout 51: `10.0` was compared as "10.0", promptfoo's "10"): integers without a
/// fraction, the shortest digits that read back, and an exponent (`1e+21`, `1e-7`) outside
/// 1e-6..1e21 (ECMA-262 §6.1.6.1.20 Number::toString).
pub fn js_number_text(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    let Some(x) = n.as_f64() else {
        return n.to_string();
    };
    let a = x.abs();
    if x == 0.0 {
        "0".to_owned()
    } else if (1e-6..1e21).contains(&a) {
        // Rust's `{}` writes the shortest digits that read back, as JavaScript does.
        format!("{x}")
    } else {
        let e = format!("{x:e}");
        match e.split_once('e') {
            Some((m, exp)) if !exp.starts_with('-') => format!("{m}e+{exp}"),
            _ => e,
        }
    }
}

/// A list value: a JSON array item by item, or one text split at commas the way promptfoo splits
/// `contains-any: a, "b, c"` ([`matchers::split_values`]).
fn list_of(v: Option<&serde_json::Value>) -> Result<Vec<String>, String> {
    match v {
        Some(serde_json::Value::Array(items)) => Ok(items.iter().map(text_of).collect()),
        Some(serde_json::Value::String(s)) => matchers::split_values(s),
        Some(serde_json::Value::Null) | None => Ok(Vec::new()),
        Some(other) => Ok(vec![text_of(other)]),
    }
}

/// Element paths of `is-xml`/`contains-xml`: `{requiredElements: [...]}`, a list, or one text
/// with commas.
fn xml_paths(v: Option<&serde_json::Value>) -> Result<Vec<String>, String> {
    match v {
        Some(serde_json::Value::Object(m)) => list_of(m.get("requiredElements")),
        other => list_of(other),
    }
}

/// A JSON schema given as a value: a JSON text as it is, an object as pretty JSON.
fn schema_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        v => serde_json::to_string_pretty(v).unwrap_or_default(),
    }
}

/// Why an assertion from a file or a newer app cannot be a check here, in plain words; the rest
/// of its case still comes in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsupportedCheck {
    /// promptfoo's type name as written (may be empty).
    pub kind: String,
    /// Why, starting in lower case.
    pub why: String,
}

impl std::fmt::Display for UnsupportedCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.kind.is_empty() {
            write!(f, "a check with no type left out: {}", self.why)
        } else {
            write!(f, "{} check left out: {}", self.kind, self.why)
        }
    }
}

/// Why promptfoo's `kind` (without `not-`) cannot run here.
fn why_unsupported(kind: &str) -> String {
    match kind {
        "javascript" | "python" | "ruby" => "it would run code".into(),
        "webhook" => "it would send the answer to another server".into(),
        k if k == "similar" || k.starts_with("similar:") => {
            "needs embeddings (a model that turns text into numbers), which Promptwright does not call".into()
        }
        "classifier" | "moderation" | "guardrails" | "pi" | "llama-guard" => {
            "needs a classifier or moderation service".into()
        }
        "perplexity" | "perplexity-score" => {
            "needs token probabilities, which Promptwright does not request".into()
        }
        "context-faithfulness" | "context-recall" | "context-relevance" => {
            "grades retrieved context, which a Promptwright case does not have".into()
        }
        "conversation-relevance" => {
            "grades a whole multi-turn conversation; Promptwright runs one turn per case".into()
        }
        "select-best-of" | "max-score" => "compares several outputs of one case".into(),
        "assert-set" => {
            "a group of checks with its own pass rule; add its checks one by one instead".into()
        }
        "human" => "needs a person's grade".into(),
        "is-valid-function-call"
        | "is-valid-openai-function-call"
        | "is-valid-openai-tools-call"
        | "tool-call-f1" => "needs the provider's tool definitions and calls".into(),
        k if k.starts_with("trace-") || k.starts_with("trajectory:") || k == "skill-used" => {
            "needs traces of the call".into()
        }
        k if PROMPTFOO_TYPES.split_whitespace().any(|t| t == k) => {
            format!("Promptwright has no {k} check yet")
        }
        k => format!("\u{201c}{k}\u{201d} is not a check type Promptwright knows"),
    }
}

/// promptfoo's assertion types (as of 2025), to tell `type:value` from a plain expected text in
/// its CSV syntax, and a known type we lack from a typo.
pub const PROMPTFOO_TYPES: &str = "\
answer-relevance assert-set bleu classifier contains contains-all contains-any contains-html \
contains-json contains-sql contains-xml context-faithfulness context-recall \
context-relevance conversation-relevance cost equals factuality finish-reason g-eval gleu \
guardrails human icontains icontains-all icontains-any is-html is-json is-refusal is-sql \
is-valid-function-call is-valid-openai-function-call is-valid-openai-tools-call is-xml \
javascript latency levenshtein llm-rubric max-score meteor model-graded-closedqa \
model-graded-factuality moderation perplexity perplexity-score pi python regex rouge-l \
rouge-n rouge-s ruby search-rubric select-best similar similar:cosine similar:dot \
similar:euclidean starts-with tool-call-f1 trace-error-spans trace-span-count \
trace-span-duration webhook word-count";

impl From<&Assertion> for AssertionV1 {
    fn from(a: &Assertion) -> Self {
        let mut w = plain_v1(a);
        w.weight = (a.weight != 1.0).then_some(a.weight);
        if a.negate {
            // `not-` of a negative type is the positive one (not not-contains = contains).
            w.kind = match w.kind.strip_prefix("not-") {
                Some(positive) => positive.to_owned(),
                None => format!("not-{}", w.kind),
            };
        }
        w
    }
}

/// The wire form without the `not-` flag.
fn plain_v1(a: &Assertion) -> AssertionV1 {
    use serde_json::json;
    let i = if a.ignore_case { "i" } else { "" };
    let mut w = AssertionV1::default();
    let schema_value = |s: &str| serde_json::from_str(s).unwrap_or_else(|_| json!(s));
    match &a.check {
        // promptfoo has no `iequals` or `istarts-with` (tryout 102: a promptfoo run refused the
        // file): they go as the `javascript` check promptfoo runs for them, as a regex does.
        Check::Equals(_) | Check::StartsWith(_) | Check::Regex(_) if a.ignore_case => {
            w.kind = "javascript".into();
            w.value = ignore_case_code(&a.check).map(|code| json!(code));
        }
        Check::Equals(s) => {
            w.kind = "equals".into();
            w.value = Some(json!(s));
        }
        // promptfoo compares an object or list value as JSON, a text value as text: written as
        // the JSON itself (a value that does not read as JSON yet goes as its text).
        Check::EqualsJson(s) => {
            w.kind = "equals".into();
            let structured = serde_json::from_str::<serde_json::Value>(s)
                .ok()
                .filter(|v| v.is_object() || v.is_array());
            w.as_json = structured.is_none();
            w.value = Some(structured.unwrap_or_else(|| json!(s)));
        }
        Check::ContainsAll(v) if v.len() == 1 => {
            w.kind = format!("{i}contains");
            w.value = Some(json!(v[0]));
        }
        Check::ContainsAll(v) => {
            w.kind = format!("{i}contains-all");
            w.value = Some(json!(v));
        }
        Check::ContainsAny(v) => {
            w.kind = format!("{i}contains-any");
            w.value = Some(json!(v));
        }
        Check::NotContains(v) => {
            // promptfoo's not-contains takes one string; several become not-contains-any.
            if v.len() == 1 {
                w.kind = format!("not-{i}contains");
                w.value = Some(json!(v[0]));
            } else {
                w.kind = format!("not-{i}contains-any");
                w.value = Some(json!(v));
            }
        }
        Check::StartsWith(s) => {
            w.kind = "starts-with".into();
            w.value = Some(json!(s));
        }
        Check::Regex(r) => {
            w.kind = "regex".into();
            w.value = Some(json!(r));
        }
        Check::IsJson => w.kind = "is-json".into(),
        Check::MatchesSchema(None) => w.kind = "matches-schema".into(),
        Check::MatchesSchema(Some(s)) => {
            w.kind = "is-json".into();
            w.value = Some(schema_value(s));
        }
        // promptfoo's own type for words (tryout 51: `length` with unit words is ours alone,
        // and promptfoo could not read it); characters keep ours.
        Check::Length {
            unit: LengthUnit::Words,
            min,
            max,
        } => {
            w.kind = "word-count".into();
            w.value = Some(match (min, max) {
                (Some(a), Some(b)) if a == b => json!(a),
                _ => {
                    let mut m = serde_json::Map::new();
                    if let Some(a) = min {
                        m.insert("min".into(), json!(a));
                    }
                    if let Some(b) = max {
                        m.insert("max".into(), json!(b));
                    }
                    serde_json::Value::Object(m)
                }
            });
        }
        // promptfoo has no length in characters (tryout 103: `length` with unit chars was
        // written, which it does not read): the `javascript` check it runs for one.
        Check::Length {
            unit: LengthUnit::Chars,
            min,
            max,
        } if length_code(*min, *max).is_some() => {
            w.kind = "javascript".into();
            w.value = length_code(*min, *max).map(|code| json!(code));
        }
        Check::Length { unit, min, max } => {
            w.kind = "length".into();
            w.min = *min;
            w.max = *max;
            w.unit = Some(
                match unit {
                    LengthUnit::Chars => "chars",
                    LengthUnit::Words => "words",
                }
                .into(),
            );
        }
        Check::Judge { rubric, threshold } => {
            w.kind = "llm-rubric".into();
            w.value = Some(json!(rubric));
            // The pass mark with no threshold (7/10) is written as none, so a file that gave
            // none exports as it came (tryout 81: every rubric of promptfoo's csv-metadata
            // example came back with "threshold": 0.7, which promptfoo then applies).
            // 0.75 goes out as 0.75, not as the 8/10 it is read as (promptfoo's judge scores
            // 0-1: 0.8 would fail what 0.75 passes).
            w.threshold = (*threshold != crate::domain::eval::pass_mark(None)
                || a.threshold_as_written.is_some())
            .then(|| a.threshold_to_write(*threshold));
        }
        Check::Levenshtein { text, max_distance } => {
            w.kind = "levenshtein".into();
            w.value = Some(json!(text));
            w.threshold = Some(f64::from(*max_distance));
        }
        Check::ContainsJson(schema) => {
            w.kind = "contains-json".into();
            w.value = schema.as_deref().map(schema_value);
        }
        Check::IsXml(paths) | Check::ContainsXml(paths) => {
            w.kind = if matches!(a.check, Check::IsXml(_)) {
                "is-xml"
            } else {
                "contains-xml"
            }
            .into();
            if !paths.is_empty() {
                w.value = Some(json!({ "requiredElements": paths }));
            }
        }
        Check::IsRefusal => w.kind = "is-refusal".into(),
        Check::FinishReason(r) => {
            w.kind = "finish-reason".into();
            w.value = Some(json!(r));
        }
        Check::Latency { max_ms } => {
            w.kind = "latency".into();
            w.threshold = Some(*max_ms as f64);
        }
        Check::Cost { max_usd } => {
            w.kind = "cost".into();
            w.threshold = Some(*max_usd);
        }
        Check::Graded {
            grader,
            value,
            threshold,
        } => {
            w.kind = grader.as_str().into();
            if !value.is_empty() {
                w.value = Some(json!(value));
            }
            // As a rubric's (tryout 113: factuality, g-eval and closed QA imported with no
            // threshold came back with "threshold": 0.7), except answer-relevance, whose
            // promptfoo default is 0 (`threshold ?? 0`: every answer passes there).
            w.threshold = (*threshold != crate::domain::eval::pass_mark(None)
                || a.threshold_as_written.is_some()
                || *grader == crate::domain::eval::Grader::AnswerRelevance)
                .then(|| a.threshold_to_write(*threshold));
        }
    }
    w
}

/// The code of the promptfoo `javascript` check that does what `check` does ignoring capitals,
/// for the three text checks promptfoo has no type for (its `regex` is `new RegExp(value)`, with
/// no flags and no inline `(?i)` in JavaScript (helper-52); it has no `iequals` or
/// `istarts-with`). promptfoo runs the expression with the answer as `output`; each value is
/// written as a JSON string, which is a JavaScript string:
/// - regex: `new RegExp("<pattern>", "i").test(output)`;
/// - equals: `output.toLowerCase() === "<value>".toLowerCase()`;
/// - starts with: `output.toLowerCase().startsWith("<value>".toLowerCase())`.
///
/// `toLowerCase` is Unicode's full lower-case mapping, as Rust's `str::to_lowercase`, which the
/// checks use. `None` for any other check. Read back by [`ignore_case_check_of`].
pub fn ignore_case_code(check: &Check) -> Option<String> {
    let js = |s: &str| serde_json::Value::from(s).to_string();
    Some(match check {
        Check::Regex(p) => format!("new RegExp({}, \"i\").test(output)", js(p)),
        Check::Equals(v) => format!("output.toLowerCase() === {}.toLowerCase()", js(v)),
        Check::StartsWith(v) => format!("output.toLowerCase().startsWith({}.toLowerCase())", js(v)),
        _ => None?,
    })
}

/// The code of the promptfoo `javascript` check that is a length check in characters: the
/// answer's characters (Unicode code points, `[...s]`, as Rust's `chars`) after trimming its
/// ends, between the bounds: `((n) => n >= 1 && n <= 9)([...output.trim()].length)`, one bound
/// left out when it is `None`; `None` with neither. JavaScript's `trim` and Rust's differ on two
/// rare characters (U+FEFF is trimmed there only, U+0085 here only). Read back by
/// [`length_of_code`].
pub fn length_code(min: Option<u32>, max: Option<u32>) -> Option<String> {
    let test = match (min, max) {
        (Some(a), Some(b)) => format!("n >= {a} && n <= {b}"),
        (Some(a), None) => format!("n >= {a}"),
        (None, Some(b)) => format!("n <= {b}"),
        (None, None) => return None,
    };
    Some(format!("((n) => {test})([...output.trim()].length)"))
}

/// The length check of a `javascript` check's code written exactly as [`length_code`] writes
/// it (spaces around it aside); `None` for any other code.
pub fn length_of_code(code: &str) -> Option<Check> {
    let test = code
        .trim()
        .strip_prefix("((n) => ")?
        .strip_suffix(")([...output.trim()].length)")?;
    let number = |s: &str| -> Option<u32> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (min, max) = match test.split_once(" && ") {
        Some((a, b)) => (
            Some(number(a.strip_prefix("n >= ")?)?),
            Some(number(b.strip_prefix("n <= ")?)?),
        ),
        None => match (test.strip_prefix("n >= "), test.strip_prefix("n <= ")) {
            (Some(a), _) => (Some(number(a)?), None),
            (_, Some(b)) => (None, Some(number(b)?)),
            _ => return None,
        },
    };
    Some(Check::Length {
        unit: LengthUnit::Chars,
        min,
        max,
    })
}

/// The check of a `javascript` check's code written exactly as [`ignore_case_code`] writes it
/// (spaces around it aside), to be run ignoring capitals; `None` for any other code, which
/// Promptwright does not run.
pub fn ignore_case_check_of(code: &str) -> Option<Check> {
    let code = code.trim();
    let value = |literal: &str| serde_json::from_str::<String>(literal).ok();
    if let Some(rest) = code.strip_prefix("new RegExp(") {
        return value(rest.strip_suffix(", \"i\").test(output)")?).map(Check::Regex);
    }
    if let Some(rest) = code.strip_prefix("output.toLowerCase() === ") {
        return value(rest.strip_suffix(".toLowerCase()")?).map(Check::Equals);
    }
    let rest = code.strip_prefix("output.toLowerCase().startsWith(")?;
    value(rest.strip_suffix(".toLowerCase())")?).map(Check::StartsWith)
}

impl Assertion {
    /// Reads an assertion of a promptfoo file (an import): as [`Assertion::try_from`] reads it,
    /// except that a `regex` written `(?i)…` is taken as written, which promptfoo's
    /// `new RegExp(value)` refuses ("Invalid group") and the page marks to fix as it does that
    /// pattern typed by hand (tryout 113: it was read as ignoring capitals and passed "YES"
    /// where promptfoo fails). Drafts and links written before the `javascript` form keep the
    /// old reading; a file Promptwright exported before that form (its JSONL, YAML or CSV)
    /// comes in with such a check to fix, as promptfoo reads it.
    /// An `answer-relevance` with no `threshold` comes in at the lowest pass mark, as
    /// promptfoo's default of 0 (every answer passes).
    pub fn from_promptfoo(w: &AssertionV1) -> Result<Self, UnsupportedCheck> {
        let mut a = Self::try_from(w)?;
        let written = w.value.as_ref().map(text_of).unwrap_or_default();
        let kind = w.kind.trim().to_ascii_lowercase();
        if kind.trim_start_matches("not-") == "regex" && written.starts_with("(?i)") {
            a.check = Check::Regex(written);
            a.ignore_case = false;
        }
        // promptfoo's answer-relevance with no threshold uses 0 (`threshold ?? 0`: its docs warn
        // that it then passes every answer): the lowest pass mark, 1/10, which every graded
        // answer meets, written back as 0. It came in at 7/10 and failed answers promptfoo
        // passes. Our own drafts and exports always write its threshold.
        if let Check::Graded {
            grader: crate::domain::eval::Grader::AnswerRelevance,
            threshold,
            ..
        } = &mut a.check
            && w.threshold.is_none()
        {
            *threshold = crate::domain::eval::pass_mark(Some(0.0));
            a.threshold_as_written = Some(0.0);
        }
        Ok(a)
    }
}

impl TryFrom<&AssertionV1> for Assertion {
    type Error = UnsupportedCheck;
    /// Reads promptfoo's names, each with its `not-` form and, for the text checks, its `i…`
    /// (ignore case) form; anything else is an [`UnsupportedCheck`] saying why.
    fn try_from(w: &AssertionV1) -> Result<Self, UnsupportedCheck> {
        let written = w.kind.trim().to_ascii_lowercase();
        let fail = |why: String| UnsupportedCheck {
            kind: written.clone(),
            why,
        };
        if written.is_empty() {
            return Err(fail("it has no type".into()));
        }
        let (negate, base) = match written.strip_prefix("not-") {
            Some(rest) => (true, rest),
            None => (false, written.as_str()),
        };
        let one = || w.value.as_ref().map(text_of).unwrap_or_default();
        let many = || list_of(w.value.as_ref()).map_err(|e| fail(format!("its value list: {e}")));
        let plain = |check: Check| (check, false, negate);
        let any_case = |check: Check| (check, true, negate);
        let (check, ignore_case, negate) = match base {
            // An object or list value is compared as JSON, anything else as text (promptfoo's
            // `handleEquals`: `typeof value === 'object'`).
            "equals"
                if w.as_json
                    || w.value
                        .as_ref()
                        .is_some_and(|v| v.is_object() || v.is_array()) =>
            {
                plain(Check::EqualsJson(one()))
            }
            "equals" => plain(Check::Equals(one())),
            // Drafts and links written before the `javascript` form.
            "iequals" => any_case(Check::Equals(one())),
            // `not-contains` and `not-contains-any` keep their own kind (as before).
            "contains" | "icontains" if negate => {
                (Check::NotContains(vec![one()]), base == "icontains", false)
            }
            "contains-any" | "icontains-any" if negate => {
                (Check::NotContains(many()?), base == "icontains-any", false)
            }
            "contains" => plain(Check::ContainsAll(vec![one()])),
            "icontains" => any_case(Check::ContainsAll(vec![one()])),
            "contains-all" => plain(Check::ContainsAll(many()?)),
            "icontains-all" => any_case(Check::ContainsAll(many()?)),
            "contains-any" => plain(Check::ContainsAny(many()?)),
            "icontains-any" => any_case(Check::ContainsAny(many()?)),
            "starts-with" => plain(Check::StartsWith(one())),
            // Drafts and links written before the `javascript` form.
            "istarts-with" => any_case(Check::StartsWith(one())),
            "regex" => {
                let r = one();
                // Drafts and links written before the `javascript` form.
                match r.strip_prefix("(?i)") {
                    Some(rest) => any_case(Check::Regex(rest.to_owned())),
                    None => plain(Check::Regex(r)),
                }
            }
            "javascript" => match (ignore_case_check_of(&one()), length_of_code(&one())) {
                (Some(check), _) => any_case(check),
                (None, Some(check)) => plain(check),
                (None, None) => return Err(fail(why_unsupported(base))),
            },
            "is-json" => match w.value.as_ref() {
                None | Some(serde_json::Value::Null) => plain(Check::IsJson),
                Some(serde_json::Value::String(s)) if s.trim().is_empty() => plain(Check::IsJson),
                Some(v) => plain(Check::MatchesSchema(Some(schema_text(v)))),
            },
            "contains-json" => match w.value.as_ref() {
                None | Some(serde_json::Value::Null) => plain(Check::ContainsJson(None)),
                Some(serde_json::Value::String(s)) if s.trim().is_empty() => {
                    plain(Check::ContainsJson(None))
                }
                Some(v) => plain(Check::ContainsJson(Some(schema_text(v)))),
            },
            "matches-schema" => plain(Check::MatchesSchema(None)),
            "length" => plain(Check::Length {
                unit: if w.unit.as_deref() == Some("words") {
                    LengthUnit::Words
                } else {
                    LengthUnit::Chars
                },
                min: w.min,
                max: w.max,
            }),
            "word-count" => {
                let (min, max) = match w.value.as_ref() {
                    Some(serde_json::Value::Object(m)) => {
                        let n = |k: &str| m.get(k).and_then(|v| v.as_u64()).map(|n| n as u32);
                        (n("min"), n("max"))
                    }
                    Some(v) => {
                        let n = v
                            .as_u64()
                            .or_else(|| text_of(v).trim().parse().ok())
                            .map(|n| n as u32);
                        (n, n)
                    }
                    None => (None, None),
                };
                plain(Check::Length {
                    unit: LengthUnit::Words,
                    min,
                    max,
                })
            }
            "llm-rubric" => plain(Check::Judge {
                rubric: one(),
                threshold: pass_mark(w.threshold),
            }),
            "levenshtein" => plain(Check::Levenshtein {
                text: one(),
                // promptfoo: at most 5 edits when no threshold is given.
                max_distance: w.threshold.map_or(5, |t| t.max(0.0).floor() as u32),
            }),
            "is-xml" | "contains-xml" => {
                let paths =
                    xml_paths(w.value.as_ref()).map_err(|e| fail(format!("its elements: {e}")))?;
                plain(if base == "is-xml" {
                    Check::IsXml(paths)
                } else {
                    Check::ContainsXml(paths)
                })
            }
            "is-refusal" => plain(Check::IsRefusal),
            "finish-reason" => plain(Check::FinishReason(one())),
            "latency" => match w.threshold {
                Some(t) if t.is_finite() && t >= 0.0 => plain(Check::Latency {
                    max_ms: t.floor() as u64,
                }),
                // Tryout 80: -5 read "it has no threshold".
                Some(t) => {
                    return Err(fail(format!(
                        "its threshold, {t}, is not a time: the most milliseconds allowed is 0 or more"
                    )));
                }
                None => {
                    return Err(fail(
                        "it has no threshold (the most milliseconds allowed)".into(),
                    ));
                }
            },
            "cost" => match w.threshold {
                Some(t) if t.is_finite() && t >= 0.0 => plain(Check::Cost { max_usd: t }),
                Some(t) => {
                    return Err(fail(format!(
                        "its threshold, {t}, is not a price: the most dollars allowed is 0 or more"
                    )));
                }
                None => {
                    return Err(fail(
                        "it has no threshold (the most dollars allowed); without one promptfoo only records the cost".into(),
                    ));
                }
            },
            other => match Grader::parse(other) {
                Some(grader) => {
                    let value = match w.value.as_ref() {
                        Some(serde_json::Value::Array(items)) => {
                            items.iter().map(text_of).collect::<Vec<_>>().join("\n")
                        }
                        _ => one(),
                    };
                    plain(Check::Graded {
                        grader,
                        value,
                        threshold: pass_mark(w.threshold),
                    })
                }
                None => return Err(fail(why_unsupported(other))),
            },
        };
        // The model-graded checks' threshold as written (0-1), for exports.
        let threshold_as_written = matches!(check, Check::Judge { .. } | Check::Graded { .. })
            .then_some(w.threshold)
            .flatten()
            .filter(|t| t.is_finite() && (0.0..=1.0).contains(t));
        Ok(Assertion {
            check,
            ignore_case,
            negate,
            threshold_as_written,
            // A weight outside 0..=MAX_WEIGHT is no weight: the check weighs 1 (the importer
            // names it, `cases_io::promptfoo`; tryout 52: 1e308 came in and scored 0 for 50).
            weight: w
                .weight
                .filter(|x| x.is_finite() && (0.0..=crate::domain::eval::MAX_WEIGHT).contains(x))
                .unwrap_or(1.0),
        })
    }
}

impl From<&TestCase> for CaseV1 {
    fn from(c: &TestCase) -> Self {
        Self {
            description: c.description.clone(),
            input: c.input.clone(),
            turns: c.turns.iter().map(TurnV1::from).collect(),
            vars: c
                .vars
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect(),
            expected: c.expected.clone(),
            assertions: c.assertions.iter().map(AssertionV1::from).collect(),
            tags: c.tags.clone(),
            split: if c.split == Split::Train {
                String::new()
            } else {
                c.split.as_str().into()
            },
            threshold: c.threshold,
        }
    }
}

impl CaseV1 {
    /// The domain case (id 0: the suite gives one when it joins) with the checks that can run
    /// here, and each one that cannot with its index in `assert` and why. A case is never lost for
    /// a check it cannot run.
    pub fn into_case(self) -> (TestCase, Vec<(usize, UnsupportedCheck)>) {
        let mut assertions = Vec::new();
        let mut left_out = Vec::new();
        for (i, w) in self.assertions.iter().enumerate() {
            match Assertion::try_from(w) {
                Ok(a) => assertions.push(a),
                Err(e) => left_out.push((i, e)),
            }
        }
        let case = TestCase {
            id: 0,
            description: self.description,
            input: self.input,
            turns: self.turns.into_iter().map(Into::into).collect(),
            vars: self
                .vars
                .iter()
                .map(|(k, v)| (k.clone(), text_of(v)))
                .collect(),
            expected: self.expected,
            assertions,
            tags: self.tags,
            split: Split::parse(&self.split),
            threshold: self.threshold.filter(|t| t.is_finite()),
        };
        (case, left_out)
    }
}

// ---------------------------------------------------------------------------------------------
// Suggested cases on offer, kept across a reload
// ---------------------------------------------------------------------------------------------

/// Suggested cases on offer in one draft, as this tab keeps them across a reload
/// (`state::cases`, in `sessionStorage`): each proposal with the person's tick and edits, and
/// the notes shown with them. Helper-54: an offer (a paid call, and the person's edits) was lost
/// on a reload. JSON ([`OfferV1::to_value`], read by [`OfferV1::from_value`]; written by hand on
/// `serde_json::Value`, whose code the page has already: derived codecs for these two types
/// weighed 14 KB gzip): `{"draft": id, "picks": [{"number", "kind", "case": CaseV1, "keep",
/// "duplicate_of"?: ["existing" | "proposal", n, similarity], "unrealistic"?, "vars_note"?}],
/// "review_note"?, "left_out"?: [text]}`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OfferV1 {
    pub draft: String,
    pub picks: Vec<OfferedV1>,
    pub review_note: Option<String>,
    pub left_out: Vec<String>,
}

/// One proposal of an [`OfferV1`] and whether the person keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct OfferedV1 {
    pub number: usize,
    pub kind: String,
    pub case: CaseV1,
    pub keep: bool,
    pub duplicate_of: Option<(String, u64, f64)>,
    pub unrealistic: Option<String>,
    pub vars_note: Option<String>,
}

impl OfferV1 {
    /// The offer of draft `draft`: `picks` (each proposal and its tick), `review_note` and
    /// `left_out` as shown.
    pub fn of(
        draft: &str,
        picks: &[(Proposal, bool)],
        review_note: Option<String>,
        left_out: Vec<String>,
    ) -> Self {
        Self {
            draft: draft.to_owned(),
            picks: picks
                .iter()
                .map(|(p, keep)| OfferedV1 {
                    number: p.number,
                    kind: p.kind.clone(),
                    case: CaseV1::from(&p.case),
                    keep: *keep,
                    duplicate_of: p.duplicate_of.map(|(s, sim)| match s {
                        Similar::Existing(id) => ("existing".to_owned(), u64::from(id), sim),
                        Similar::Proposal(i) => ("proposal".to_owned(), i as u64, sim),
                    }),
                    unrealistic: p.unrealistic.clone(),
                    vars_note: p.vars_note.clone(),
                })
                .collect(),
            review_note,
            left_out,
        }
    }

    /// The offer as JSON (see [`OfferV1`]).
    pub fn to_value(&self) -> serde_json::Value {
        use serde_json::{Value, json};
        let text = |t: &Option<String>| t.clone().map_or(Value::Null, Value::String);
        let picks: Vec<Value> = self
            .picks
            .iter()
            .map(|o| {
                json!({
                    "number": o.number,
                    "kind": o.kind,
                    "case": to_value(&o.case),
                    "keep": o.keep,
                    "duplicate_of": o.duplicate_of.as_ref().map_or(Value::Null, |(w, n, sim)| json!([w, n, sim])),
                    "unrealistic": text(&o.unrealistic),
                    "vars_note": text(&o.vars_note),
                })
            })
            .collect();
        json!({
            "draft": self.draft,
            "picks": picks,
            "review_note": text(&self.review_note),
            "left_out": self.left_out,
        })
    }

    /// An offer read back from [`Self::to_value`]'s JSON; `None` when it is not one, or when a
    /// pick does not read (leaving it out would shift the places duplicate marks point at).
    pub fn from_value(v: &serde_json::Value) -> Option<Self> {
        let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
        let picks = v["picks"]
            .as_array()?
            .iter()
            .map(|p| {
                let d = &p["duplicate_of"];
                let duplicate_of = if d.is_null() {
                    None
                } else {
                    Some((text(&d[0])?, d[1].as_u64()?, d[2].as_f64()?))
                };
                Some(OfferedV1 {
                    number: usize::try_from(p["number"].as_u64()?).ok()?,
                    kind: text(&p["kind"]).unwrap_or_default(),
                    case: from_value(p["case"].clone()).ok()?,
                    keep: p["keep"].as_bool()?,
                    duplicate_of,
                    unrealistic: text(&p["unrealistic"]),
                    vars_note: text(&p["vars_note"]),
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Self {
            draft: text(&v["draft"])?,
            picks,
            review_note: text(&v["review_note"]),
            left_out: v["left_out"]
                .as_array()
                .map(|l| l.iter().filter_map(text).collect())
                .unwrap_or_default(),
        })
    }

    /// The proposals and their ticks back (a check that cannot run here is left out of its
    /// case, as a case read from a file leaves it).
    pub fn picks(&self) -> Vec<(Proposal, bool)> {
        self.picks
            .iter()
            .map(|o| {
                let (case, _) = o.case.clone().into_case();
                let duplicate_of = o.duplicate_of.as_ref().and_then(|(what, n, sim)| {
                    let similar = match what.as_str() {
                        "existing" => Similar::Existing(u32::try_from(*n).ok()?),
                        "proposal" => Similar::Proposal(usize::try_from(*n).ok()?),
                        _ => return None,
                    };
                    Some((similar, *sim))
                });
                (
                    Proposal {
                        number: o.number,
                        kind: o.kind.clone(),
                        case,
                        duplicate_of,
                        unrealistic: o.unrealistic.clone(),
                        vars_note: o.vars_note.clone(),
                    },
                    o.keep,
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod offer_tests {
    use super::*;
    use crate::domain::eval::{Assertion, Check, TestCase};

    /// Helper-54: suggested cases on offer were lost on a reload; what the tab keeps of them
    /// reads back as it was, edits, ticks and marks included.
    #[test]
    fn an_offer_of_suggested_cases_reads_back_as_kept() {
        let mut case = TestCase {
            description: "one owner".into(),
            ..TestCase::default()
        };
        case.vars
            .push(("transcript".into(), "Bob sends the deck on Friday.".into()));
        case.assertions
            .push(Assertion::new(Check::Equals("x".into())));
        let proposal = |number, duplicate_of| Proposal {
            number,
            kind: "edge".into(),
            case: case.clone(),
            duplicate_of,
            unrealistic: Some("Nobody writes this.".into()),
            vars_note: None,
        };
        let picks = vec![
            (proposal(2, None), true),
            (proposal(3, Some((Similar::Existing(7), 0.91))), false),
            (proposal(5, Some((Similar::Proposal(0), 0.88))), true),
        ];
        let offer = OfferV1::of(
            "d1",
            &picks,
            Some("The review could not be done.".into()),
            vec!["Suggestion 1 is not a test case.".into()],
        );
        let text = offer.to_value().to_string();
        let back = OfferV1::from_value(&serde_json::from_str(&text).unwrap()).unwrap();
        assert_eq!(back, offer);
        assert_eq!(OfferV1::from_value(&serde_json::json!([1])), None);
        // A pick that does not read drops the offer (the places its marks point at would move).
        let mut broken = offer.to_value();
        broken["picks"][1]["keep"] = serde_json::json!("yes");
        assert_eq!(OfferV1::from_value(&broken), None);
        assert_eq!(back.picks(), picks);
        assert_eq!(back.draft, "d1");
    }

    /// Tryout 117: a run of 3 whose re-run of one case stalled read "2 of 3 done · 1 failed
    /// (may be billed)", and "2 of 2 done" after a reload: the failure beside the earlier answer
    /// that stays was not kept. It is, with its message and likely cost.
    #[test]
    fn a_failed_rerun_counts_as_this_runs_failure_after_a_reload() {
        use crate::domain::eval::run::{RerunFailure, Spent};
        let done = |run_ms: f64, output: &str| CaseRun {
            status: Status::Done,
            output: output.into(),
            run_ms,
            ..Default::default()
        };
        let mut run = Run {
            version: 1,
            started_ms: 20_000.0,
            ..Default::default()
        };
        run.cases.insert(1, done(20_000.0, "one"));
        run.cases.insert(2, done(20_000.0, "two"));
        let mut kept = done(10_000.0, "an earlier answer");
        kept.rerun_failed = Some(RerunFailure {
            run_ms: 20_000.0,
            message: "The provider stopped sending.".into(),
            partial: "Half an".into(),
            spent: Some(Spent {
                model: ModelUsed {
                    kind: crate::domain::provider::ProviderKind::OpenAi,
                    model: "gpt-4o-mini".into(),
                },
                input_tokens: 300,
                output_tokens: 4,
                estimated: true,
            }),
        });
        run.cases.insert(3, kept);
        let before = run.progress();
        assert_eq!(
            (
                before.total,
                before.done,
                before.failed,
                before.failed_billed
            ),
            (3, 2, 1, 1)
        );
        let text = serde_json::to_string(&RunV1::from(&run)).unwrap();
        let back = Run::from(serde_json::from_str::<RunV1>(&text).unwrap());
        assert_eq!(back.progress(), before);
        assert_eq!(back.cases[&3].rerun_failed, run.cases[&3].rerun_failed);
        assert_eq!(back.cases[&3].output, "an earlier answer");
        // An older record (no such field) reads as before.
        let old = text.replace(",\"rerun_failed\":", ",\"ignored\":");
        let back = Run::from(serde_json::from_str::<RunV1>(&old).unwrap());
        assert_eq!(back.cases[&3].rerun_failed, None);
    }
}
