//! Versioned wire types for what people keep outside the app (exports, share links), separate
//! from the domain types and converted explicitly, so the domain can change while old files and
//! links still open. None of them has a field that could hold an API key.
use serde::{Deserialize, Serialize};

use crate::domain::draft::{Draft, Origin, Version};
use crate::domain::eval::judge::Judgement;
use crate::domain::eval::run::{CaseRun, Run, Status};
use crate::domain::eval::{Assertion, Check, LengthUnit, Split, Suite, TestCase};
use crate::domain::meta::{IdeaInput, ModelFamily, OutputKind};
use crate::domain::optimize::{Optimizer, SnapshotError};
use crate::domain::spec::{Example, PromptSpec, RenderStyle, Section};

pub(crate) mod salvage;
#[cfg(test)]
mod salvage_tests;

pub use salvage::{Lost, RecordRead, Salvaged, Unusable, read_draft, read_record};

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
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runs: Vec<RunV1>,
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
    #[serde(default)]
    pub ms: f64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub judge: Vec<JudgementV1>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reflection: Option<crate::domain::eval::run::Reflection>,
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

impl From<&Run> for RunV1 {
    fn from(r: &Run) -> Self {
        Self {
            version: r.version,
            model: r.model.clone(),
            at: r.started_ms,
            cases: r
                .cases
                .iter()
                .filter(|(_, c)| c.status != Status::Queued)
                .map(|(id, c)| CaseRunV1 {
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
                    ms: c.ms,
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
            cases: w
                .cases
                .into_iter()
                .map(|c| {
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
                        judge_tokens: (c.tokens[2], c.tokens[3]),
                        judgements,
                        ms: c.ms,
                        reflection: c.reflection,
                    };
                    (c.id, run)
                })
                .collect(),
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
            Origin::Partial { model } => (w.kind, w.model) = ("partial".into(), model.clone()),
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
            "partial" => Origin::Partial { model: w.model },
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
        }
    }

    /// The domain draft, and what was left out: checks of a kind this app does not know, and an
    /// optimizer snapshot that does not read or breaks the loop's invariants
    /// ([`Optimizer::validate`]). A `current` that names no version falls back to the newest.
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
            })
            .collect();
        let current = if versions.iter().any(|v| v.number == self.current) {
            self.current
        } else {
            versions.iter().map(|v| v.number).max().unwrap_or(0)
        };
        // Cases keep their ids when they have unique ones; others get fresh ids. A check this app
        // does not know is left out of its case, not the case.
        let mut suite = Suite::default();
        for (i, stored) in self.cases.into_iter().enumerate() {
            let mut wire = stored.case;
            let mut known = Vec::new();
            for (j, a) in std::mem::take(&mut wire.assertions).into_iter().enumerate() {
                match Assertion::try_from(&a) {
                    Ok(_) => known.push(a),
                    Err(why) => lost.push(Lost::CaseCheck {
                        case: i + 1,
                        at: j + 1,
                        why: Some(why),
                    }),
                }
            }
            wire.assertions = known;
            let Ok(mut case) = TestCase::try_from(wire) else {
                lost.push(Lost::Case { at: i + 1 });
                continue;
            };
            let id = stored.id;
            if id > 0 && suite.case(id).is_none() {
                case.id = id;
                suite.cases.push(case);
            } else {
                suite.add(case);
            }
        }
        for (i, a) in self.checks.iter().enumerate() {
            match Assertion::try_from(a) {
                Ok(a) => suite.global.push(a),
                Err(why) => lost.push(Lost::Check {
                    at: i + 1,
                    why: Some(why),
                }),
            }
        }
        let runs: Vec<Run> = self.runs.into_iter().map(Run::from).collect();
        let optimizer = self.optimizer.and_then(|v| {
            serde_json::from_value::<Optimizer>(v)
                .map_err(|e| SnapshotError::Shape(e.to_string()))
                .and_then(|o| o.validate().map(|()| o))
                .map_err(|e| lost.push(Lost::Optimizer(e)))
                .ok()
        });
        let draft = Draft {
            suite,
            runs,
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
mod tests {
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
                judge_tokens: (50, 20),
                ms: 120.0,
                reflection: None,
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

/// What an import file holds: the drafts that could be read, each with what was left out of it,
/// and, by their place in the file (1 is the first), the ones with nothing usable.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub drafts: Vec<Salvaged>,
    pub unreadable: Vec<(usize, Unusable)>,
}

/// Reads an export file (or a single exported draft) draft by draft and part by part (see
/// [`read_draft`]); says plainly what is wrong when no draft in it can be read. Every draft's
/// optimization loop arrives paused: an import never spends until the person resumes it.
pub fn parse_import(text: &str) -> Result<Imported, String> {
    let mut v: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| format!("This file is not a Promptwright export (not valid JSON: {e})."))?;
    let items: Vec<serde_json::Value> =
        if v.get("format").and_then(|f| f.as_str()) == Some(EXPORT_FORMAT) {
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
        } else {
            return Err("This file is not a Promptwright export: it has no drafts in it.".into());
        };
    let total = items.len();
    let mut out = Imported {
        drafts: Vec::new(),
        unreadable: Vec::new(),
    };
    for (i, item) in items.into_iter().enumerate() {
        match read_draft(item) {
            Ok(mut s) => {
                s.draft.pause_loop();
                out.drafts.push(s);
            }
            Err(e) => out.unreadable.push((i + 1, e)),
        }
    }
    if out.drafts.is_empty() {
        return Err(if total == 1 {
            "This draft file is damaged: nothing in it could be read.".into()
        } else {
            format!("This export is damaged: none of its {total} drafts could be read.")
        });
    }
    Ok(out)
}

#[cfg(test)]
mod export_tests {
    use super::*;

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
        assert_eq!(drafts(&json), vec![d.clone(), d.clone()]);
        let single = serde_json::to_string(&DraftV1::from_draft(&d, Include::ALL)).unwrap();
        assert_eq!(drafts(&single), vec![d]);
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
/// two extensions of ours: `matches-schema` and `length`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AssertionV1 {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
    /// For `llm-rubric`: promptfoo's 0-1 scale (0.7 is a pass mark of 7/10); values above 1 are read as x/10.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u32>,
    /// For `length`: "chars" (default) or "words".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// One test case in files and links; the field names follow promptfoo's test format (`description`,
/// `vars`, `assert`) so its files read directly, plus ours (`input`, `expected`, `tags`, `split`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CaseV1 {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub input: String,
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
}

fn text_of(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn list_of(v: Option<&serde_json::Value>) -> Vec<String> {
    match v {
        Some(serde_json::Value::Array(items)) => items.iter().map(text_of).collect(),
        Some(serde_json::Value::String(s)) => vec![s.clone()],
        Some(other) => vec![text_of(other)],
        None => Vec::new(),
    }
}

impl From<&Assertion> for AssertionV1 {
    fn from(a: &Assertion) -> Self {
        use serde_json::json;
        let i = if a.ignore_case { "i" } else { "" };
        let mut w = AssertionV1::default();
        match &a.check {
            Check::Equals(s) => {
                w.kind = if a.ignore_case { "iequals" } else { "equals" }.into();
                w.value = Some(json!(s));
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
                w.kind = if a.ignore_case {
                    "istarts-with"
                } else {
                    "starts-with"
                }
                .into();
                w.value = Some(json!(s));
            }
            Check::Regex(r) => {
                w.kind = "regex".into();
                w.value = Some(json!(if a.ignore_case {
                    format!("(?i){r}")
                } else {
                    r.clone()
                }));
            }
            Check::IsJson => w.kind = "is-json".into(),
            Check::MatchesSchema(None) => w.kind = "matches-schema".into(),
            Check::MatchesSchema(Some(s)) => {
                w.kind = "is-json".into();
                w.value = Some(serde_json::from_str(s).unwrap_or_else(|_| json!(s)));
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
                w.threshold = Some(f64::from(*threshold) / 10.0);
            }
        }
        w
    }
}

impl TryFrom<&AssertionV1> for Assertion {
    type Error = String;
    /// Reads promptfoo's names (with `i…` and `not-…` variants for the text checks we support);
    /// anything else is an error naming the type.
    fn try_from(w: &AssertionV1) -> Result<Self, String> {
        let kind = w.kind.trim().to_ascii_lowercase();
        let one = || w.value.as_ref().map(text_of).unwrap_or_default();
        let many = || list_of(w.value.as_ref());
        let (check, ignore_case) = match kind.as_str() {
            "equals" => (Check::Equals(one()), false),
            "iequals" => (Check::Equals(one()), true),
            "contains" => (Check::ContainsAll(vec![one()]), false),
            "icontains" => (Check::ContainsAll(vec![one()]), true),
            "contains-all" => (Check::ContainsAll(many()), false),
            "icontains-all" => (Check::ContainsAll(many()), true),
            "contains-any" => (Check::ContainsAny(many()), false),
            "icontains-any" => (Check::ContainsAny(many()), true),
            "not-contains" | "not-contains-any" => (Check::NotContains(many()), false),
            "not-icontains" | "not-icontains-any" => (Check::NotContains(many()), true),
            "starts-with" => (Check::StartsWith(one()), false),
            "istarts-with" => (Check::StartsWith(one()), true),
            "regex" => {
                let r = one();
                match r.strip_prefix("(?i)") {
                    Some(rest) => (Check::Regex(rest.to_owned()), true),
                    None => (Check::Regex(r), false),
                }
            }
            "is-json" | "contains-json" if w.value.is_none() => (Check::IsJson, false),
            "is-json" => {
                let schema = match w.value.as_ref() {
                    Some(serde_json::Value::String(s)) => s.clone(),
                    Some(v) => serde_json::to_string_pretty(v).unwrap_or_default(),
                    None => String::new(),
                };
                (Check::MatchesSchema(Some(schema)), false)
            }
            "matches-schema" => (Check::MatchesSchema(None), false),
            "length" => (
                Check::Length {
                    unit: if w.unit.as_deref() == Some("words") {
                        LengthUnit::Words
                    } else {
                        LengthUnit::Chars
                    },
                    min: w.min,
                    max: w.max,
                },
                false,
            ),
            "llm-rubric" | "model-graded-closedqa" | "g-eval" => {
                let t = w.threshold.unwrap_or(0.7);
                let t = if t <= 1.0 { t * 10.0 } else { t };
                (
                    Check::Judge {
                        rubric: one(),
                        threshold: t.round().clamp(1.0, 10.0) as u8,
                    },
                    false,
                )
            }
            "" => return Err("an assertion has no type".into()),
            other => {
                return Err(format!(
                    "the assertion type \u{201c}{other}\u{201d} is not supported (supported: equals, contains, icontains, contains-all, contains-any, not-contains, starts-with, regex, is-json, matches-schema, length, llm-rubric)"
                ));
            }
        };
        Ok(Assertion { check, ignore_case })
    }
}

impl From<&TestCase> for CaseV1 {
    fn from(c: &TestCase) -> Self {
        Self {
            description: c.description.clone(),
            input: c.input.clone(),
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
        }
    }
}

impl TryFrom<CaseV1> for TestCase {
    type Error = String;
    /// The id is left at 0: the suite gives one when the case joins it.
    fn try_from(w: CaseV1) -> Result<Self, String> {
        let assertions = w
            .assertions
            .iter()
            .map(Assertion::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TestCase {
            id: 0,
            description: w.description,
            input: w.input,
            vars: w
                .vars
                .iter()
                .map(|(k, v)| (k.clone(), text_of(v)))
                .collect(),
            expected: w.expected,
            assertions,
            tags: w.tags,
            split: Split::parse(&w.split),
        })
    }
}
