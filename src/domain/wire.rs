//! Versioned wire types for what people keep outside the app (exports, share links), separate
//! from the domain types and converted explicitly, so the domain can change while old files and
//! links still open. None of them has a field that could hold an API key.
use serde::{Deserialize, Serialize};

use crate::domain::draft::{Draft, Origin, Version};
use crate::domain::meta::{IdeaInput, ModelFamily, OutputKind};
use crate::domain::spec::{Example, PromptSpec, RenderStyle, Section};

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
            _ => Origin::Pasted,
        }
    }
}

/// What to include when a draft leaves the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Include {
    /// Every version (else only the current one).
    pub history: bool,
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
        }
    }

    /// The domain draft; a `current` that names no version falls back to the newest.
    pub fn into_draft(self) -> Draft {
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
        Draft {
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
        }
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
        d
    }

    #[test]
    fn round_trip_with_and_without_history() {
        let d = sample_draft();
        let full = DraftV1::from_draft(&d, Include { history: true });
        let json = serde_json::to_string(&full).unwrap();
        let back: DraftV1 = serde_json::from_str(&json).unwrap();
        assert_eq!(back.into_draft(), d);
        let only = DraftV1::from_draft(&d, Include { history: false }).into_draft();
        assert_eq!(only.versions.len(), 1);
        assert_eq!(only.current_spec(), d.current_spec());
        assert!(!json.to_lowercase().contains("key"), "no key field: {json}");
    }

    #[test]
    fn unknown_and_missing_fields_are_tolerated() {
        let json = r#"{"name":"x","idea":{"idea":"i","output":"yaml"},"versions":[{"n":3,"origin":{"kind":"evolved"},"spec":{"persona":"p"},"future":1}],"current":9}"#;
        let d = serde_json::from_str::<DraftV1>(json).unwrap().into_draft();
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
                .map(|d| DraftV1::from_draft(d, Include { history: true }))
                .collect(),
        }
    }
}

/// Reads an export file (or a single exported draft); says plainly what is wrong otherwise.
pub fn parse_import(text: &str) -> Result<Vec<Draft>, String> {
    let v: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| format!("This file is not a Promptwright export (not valid JSON: {e})."))?;
    if v.get("format").and_then(|f| f.as_str()) == Some(EXPORT_FORMAT) {
        let version = v.get("version").and_then(|x| x.as_u64()).unwrap_or(0);
        if version != 1 {
            return Err(format!(
                "This export was made by a newer Promptwright (format version {version})."
            ));
        }
        let export: ExportV1 =
            serde_json::from_value(v).map_err(|e| format!("This export is damaged: {e}."))?;
        if export.drafts.is_empty() {
            return Err("This export holds no drafts.".into());
        }
        return Ok(export.drafts.into_iter().map(DraftV1::into_draft).collect());
    }
    if v.get("versions").is_some() && v.get("idea").is_some() {
        let one: DraftV1 =
            serde_json::from_value(v).map_err(|e| format!("This draft file is damaged: {e}."))?;
        return Ok(vec![one.into_draft()]);
    }
    Err("This file is not a Promptwright export: it has no drafts in it.".into())
}

#[cfg(test)]
mod export_tests {
    use super::*;

    #[test]
    fn export_round_trip_and_bad_files() {
        let d = tests::sample_draft();
        let json = serde_json::to_string(&ExportV1::new(&[&d, &d])).unwrap();
        let back = parse_import(&json).unwrap();
        assert_eq!(back, vec![d.clone(), d.clone()]);
        let single =
            serde_json::to_string(&DraftV1::from_draft(&d, Include { history: true })).unwrap();
        assert_eq!(parse_import(&single).unwrap(), vec![d]);
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
