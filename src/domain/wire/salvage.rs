//! Reading kept drafts part by part: an IndexedDB record, a draft in an export file or a share
//! link is parsed to JSON first, then each part (name, idea, each version, each test case and
//! check, each run, the optimizer's snapshot) is read on its own. A part that does not read is
//! left out and named in a [`Lost`]; the rest of the draft opens. Only a draft with nothing usable
//! in it is refused, as [`Unusable`]. Never panics, whatever the input.
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::{
    AssertionV1, CaseRunV1, CaseV1, DraftV1, IdeaV1, OriginV1, RunV1, SpecV1, StoredCaseV1, TurnV1,
    VersionV1,
};
use crate::domain::draft::Draft;
use crate::domain::eval::rating::{RatedAnswer, Rating};
use crate::domain::optimize::SnapshotError;

/// One part of a kept draft that could not be read and was left out. `Display` is the sentence
/// the page shows.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Lost {
    /// A field of the draft itself; the text names it ("The draft's name", "The idea's tone").
    #[error("{0} could not be read and was left out.")]
    Field(&'static str),
    /// A whole list of the draft ("The test cases"), when it is not a list at all.
    #[error("{0} could not be read and were left out.")]
    List(&'static str),
    /// A version: by its number, or by its place in the list when the number is unreadable.
    #[error("{} could not be read and was left out.", version_name(*n, *at))]
    Version { n: Option<u32>, at: usize },
    /// One part of a version ("its steps"); the rest of the version is kept.
    #[error("Part of version {n} ({part}) could not be read and was left out.")]
    VersionPart { n: u32, part: &'static str },
    /// A test case, by its place in the list (1 is the first).
    #[error("Test case {at} could not be read and was left out.")]
    Case { at: usize },
    /// One part of a test case ("its tags"); the rest of the case is kept.
    #[error("Part of test case {at} ({part}) could not be read and was left out.")]
    CasePart { at: usize, part: &'static str },
    /// One earlier turn of a conversation case (`at` counts from one); the rest of the case and
    /// its other turns are kept.
    #[error("Turn {at} of test case {case}'s conversation could not be read and was left out.")]
    CaseTurn { case: usize, at: usize },
    /// One check of a test case; `why` when it is a check this app does not know.
    #[error(
        "Check {at} of test case {case} could not be read and was left out{}.",
        because(why)
    )]
    CaseCheck {
        case: usize,
        at: usize,
        why: Option<String>,
    },
    /// One check for every case.
    #[error(
        "Check {at} for every case could not be read and was left out{}.",
        because(why)
    )]
    Check { at: usize, why: Option<String> },
    /// The results of one run: by the version it ran, or its place in the list.
    #[error("{} could not be read and were left out.", run_name(*version, *at))]
    Run { version: Option<u32>, at: usize },
    /// One result of a run (tryout 95: one result that did not read hid all 165 of its run),
    /// by its case's id, else by its place in the run's list (1 is the first); `model`, a
    /// comparison model's key, for a result on one. The rest of the run is kept.
    #[error(
        "The result of {} ({}{}) could not be read and was left out.",
        case.map_or_else(|| format!("the case in place {at} of the run"), |c| format!("case #{c}")),
        version.map_or_else(|| "its run's version could not be read".to_owned(), |v| format!("version {v}")),
        model.as_ref().map(|m| format!(" on comparison model {}", model_name(m))).unwrap_or_default()
    )]
    Result {
        version: Option<u32>,
        case: Option<u32>,
        at: usize,
        model: Option<String>,
    },
    /// The results of a run whose version did not make it (left out above, or missing), on the
    /// execution model or on a comparison model (`model`, its key): shown under no version, so
    /// never under another prompt that took its number.
    #[error(
        "The run results of version {version}{} were left out: the version they ran could not be read.",
        model.as_ref().map(|m| format!(" on comparison model {}", model_name(m))).unwrap_or_default()
    )]
    RunWithoutVersion { version: u32, model: Option<String> },
    /// The results of one version on a comparison model (the model grid), by the model's key
    /// when it reads and its place in the list.
    #[error("The results on comparison model {} could not be read and were left out.", compared_name(model, *at))]
    ComparedRun { model: Option<String>, at: usize },
    /// The person's rating of one result (or of its Reflexion final, `final_answer`), by the
    /// version that ran and the case's id; the result itself is kept.
    #[error(
        "Your rating of {} of case #{case} (version {version}) could not be read and was left out.",
        if *final_answer { "the Reflexion final answer" } else { "the result" }
    )]
    Rating {
        version: u32,
        case: u32,
        final_answer: bool,
    },
    /// The person's rating of an earlier answer a re-run of the case replaced
    /// (`CaseRunV1::replaced_rating`), with that answer; the result itself is kept.
    #[error(
        "Your rating of an earlier answer to case #{case} (version {version}), which a re-run replaced, could not be read and was left out."
    )]
    ReplacedRating { version: u32, case: u32 },
    /// Part of a draft kept in this browser (`wire::parts`) that was missing or not JSON, named
    /// by what it held ("Up to 50 test cases (places 51 to 100)").
    #[error("{0} could not be read from the draft as it was stored and were left out.")]
    StoredPart(String),
    /// Parts of the draft this version of Promptwright does not know (a newer version's, or added
    /// by hand), by count: a draft's fields, or places of a link's packed draft, past those it
    /// reads (tryout 99: two added to a link were dropped with no word).
    #[error(
        "{} of the draft that this version of Promptwright does not know (from a newer version, or added by hand) {} left out: the draft saved or shared from here will not have {}.",
        crate::domain::figures::count(*.0, "part", "parts"),
        if *.0 == 1 { "was" } else { "were" },
        if *.0 == 1 { "it" } else { "them" }
    )]
    Unknown(usize),
    /// The optimizer's snapshot (the reason is for developers; the page says only what was lost).
    #[error("The optimizer's saved state could not be read and was left out.")]
    Optimizer(SnapshotError),
}

/// What was lost, said of a draft that is refused because nothing else in it could be used:
/// each loss without its "and was left out" (tryout 99: a link was refused with "The idea could
/// not be read and was left out.", as if the rest had opened).
pub fn refused_words(lost: &[Lost]) -> String {
    lost.iter()
        .map(|l| {
            l.to_string()
                .replace(" and was left out", "")
                .replace(" and were left out", "")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn version_name(n: Option<u32>, at: usize) -> String {
    match n {
        Some(n) => format!("Version {n}"),
        None => format!("The version in place {at} of the list"),
    }
}

fn run_name(version: Option<u32>, at: usize) -> String {
    match version {
        Some(v) => format!("The run results of version {v}"),
        None => format!("The run results in place {at} of the list"),
    }
}

fn compared_name(model: &Option<String>, at: usize) -> String {
    match model {
        Some(k) => model_name(k),
        None => format!("{at} in the list"),
    }
}

/// A comparison model's key ("custom|http://127.0.0.1:8092/v1|gpt-4o") as the page names the
/// model ("“OpenAI-compatible gpt-4o at 127.0.0.1:8092”", `grid::model_label`); a key that does
/// not read, by its last part, the model id (tryout 64: the key itself was shown).
fn model_name(key: &str) -> String {
    let name = crate::domain::eval::grid::config_of_key(key).map_or_else(
        || key.rsplit('|').next().unwrap_or(key).to_owned(),
        |cfg| crate::domain::eval::grid::model_label(&cfg),
    );
    format!("\u{201c}{name}\u{201d}")
}

fn because(why: &Option<String>) -> String {
    why.as_ref().map(|w| format!(" ({w})")).unwrap_or_default()
}

/// A draft read part by part, and what was left out of it (empty when everything read).
#[derive(Debug, Clone, PartialEq)]
pub struct Salvaged {
    pub draft: Draft,
    pub lost: Vec<Lost>,
}

/// A kept draft with nothing usable in it: refused as a whole (and never deleted by the app).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("nothing in it could be read ({why})")]
pub struct Unusable {
    /// Its name, when at least that could be read.
    pub name: Option<String>,
    /// What was wrong, for developers.
    pub why: String,
    /// It read, and holds nothing to work on (no idea, prompt, test case, check or result):
    /// refused by imports (see [`holds_nothing`]), never said to be unreadable.
    pub empty: bool,
}

impl Unusable {
    pub(super) fn new(why: impl Into<String>) -> Self {
        Self {
            name: None,
            why: why.into(),
            empty: false,
        }
    }

    /// The sentence an import shows for the draft in place `at` of the file (1 is the first).
    pub fn import_message(&self, at: usize) -> String {
        let which = match &self.name {
            Some(n) => format!(
                "The draft \u{201c}{}\u{201d} (draft {at} in the file)",
                crate::domain::draft::shown_name(n)
            ),
            None => format!("Draft {at} in the file"),
        };
        if self.empty {
            format!(
                "{which} holds nothing to work on: no idea, prompt, test cases or results. It was not imported."
            )
        } else {
            format!("{which} could not be read at all and was not imported.")
        }
    }
}

/// Whether a draft holds nothing to work on: apart from its name and its layout setting, it is
/// a new draft's (no idea, version, test case, check, run or optimization loop). A draft kept in
/// this browser may be like that (just created); one in a file to import is refused.
pub fn holds_nothing(d: &Draft) -> bool {
    let blank = Draft {
        name: d.name.clone(),
        style: d.style,
        ..Draft::default()
    };
    *d == blank
}

/// A draft record as IndexedDB keeps it (`{"id", "rev", "updated_ms", "draft"}`), read part by part.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordRead {
    /// The id written in the record (the store's key is the one to trust).
    pub id: Option<String>,
    /// Its revision (0 when unreadable: the next save then writes revision 1 or more).
    pub rev: u64,
    /// When it was last saved, in ms since the epoch (0 when unreadable: listed last).
    pub updated_ms: f64,
    pub draft: Salvaged,
}

/// Reads one IndexedDB record; `Err` when it is not JSON or its draft has nothing usable.
pub fn read_record(text: &str) -> Result<RecordRead, Unusable> {
    let v: Value =
        serde_json::from_str(text).map_err(|e| Unusable::new(format!("not JSON: {e}")))?;
    let Value::Object(obj) = v else {
        return Err(Unusable::new("not a JSON object"));
    };
    record_from(obj, Vec::new())
}

/// A record's fields (`{"id", "rev", "updated_ms", "draft"}`) read part by part, with `lost`
/// (what was already left out on the way, as parts of a stored draft) in front of what its draft
/// leaves out. `Err` when nothing usable is left.
pub(super) fn record_from(
    mut obj: Map<String, Value>,
    mut lost: Vec<Lost>,
) -> Result<RecordRead, Unusable> {
    let id = obj.get("id").and_then(Value::as_str).map(str::to_owned);
    let rev = obj.get("rev").and_then(Value::as_u64).unwrap_or(0);
    let updated_ms = obj.get("updated_ms").and_then(Value::as_f64).unwrap_or(0.0);
    let mut draft = read_draft(obj.remove("draft").unwrap_or(Value::Null))?;
    if !lost.is_empty() {
        if draft.draft == Draft::default() {
            return Err(Unusable {
                empty: false,
                name: None,
                why: refused_words(&lost),
            });
        }
        lost.append(&mut draft.lost);
        draft.lost = lost;
    }
    Ok(RecordRead {
        id,
        rev,
        updated_ms,
        draft,
    })
}

/// Reads a wire draft (`DraftV1` as JSON) part by part into a domain draft; `Err` when it is not
/// an object or nothing in it could be read.
pub fn read_draft(v: Value) -> Result<Salvaged, Unusable> {
    let Value::Object(mut obj) = v else {
        return Err(Unusable::new("the draft is not a JSON object"));
    };
    let mut lost = Vec::new();
    let wire = wire_draft(&mut obj, &mut lost);
    let name = wire.name.clone();
    let mut s = wire.into_salvaged();
    lost.append(&mut s.lost);
    s.lost = lost;
    if s.draft == Draft::default() && !s.lost.is_empty() {
        return Err(Unusable {
            empty: false,
            name: (!name.trim().is_empty()).then_some(name),
            why: refused_words(&s.lost),
        });
    }
    Ok(s)
}

/// A field: absent or null reads as the default; a value that does not read as `T` is `Err`.
fn take<T: DeserializeOwned + Default>(obj: &mut Map<String, Value>, key: &str) -> Result<T, ()> {
    match obj.remove(key) {
        None | Some(Value::Null) => Ok(T::default()),
        Some(v) => crate::domain::wire::from_value(v).map_err(|_| ()),
    }
}

/// A field, or its default with `lost` noted.
fn field<T: DeserializeOwned + Default>(
    obj: &mut Map<String, Value>,
    key: &str,
    lost: &mut Vec<Lost>,
    what: impl FnOnce() -> Lost,
) -> T {
    take(obj, key).unwrap_or_else(|()| {
        lost.push(what());
        T::default()
    })
}

/// The items of a list field, each read on its own by `item` with its place (1 is the first;
/// `None`: left out, and `item` noted why). Absent or null is an empty list; a value that is not
/// a list is lost as a whole (`whole`).
pub(crate) fn list<T>(
    v: Option<Value>,
    lost: &mut Vec<Lost>,
    whole: impl FnOnce() -> Lost,
    mut item: impl FnMut(usize, Value, &mut Vec<Lost>) -> Option<T>,
) -> Vec<T> {
    match v {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .filter_map(|(i, x)| item(i + 1, x, lost))
            .collect(),
        Some(_) => {
            lost.push(whole());
            Vec::new()
        }
    }
}

/// The wire draft with every readable part; the unreadable ones are noted in `lost`.
fn wire_draft(obj: &mut Map<String, Value>, lost: &mut Vec<Lost>) -> DraftV1 {
    let name = field(obj, "name", lost, || Lost::Field("The draft's name"));
    let idea = match obj.remove("idea") {
        None | Some(Value::Null) => IdeaV1::default(),
        Some(Value::Object(mut i)) => IdeaV1 {
            idea: field(&mut i, "idea", lost, || Lost::Field("The idea")),
            audience: field(&mut i, "audience", lost, || {
                Lost::Field("The idea's audience")
            }),
            tone: field(&mut i, "tone", lost, || Lost::Field("The idea's tone")),
            output: field(&mut i, "output", lost, || {
                Lost::Field("The idea's answer format")
            }),
            target: field(&mut i, "target", lost, || {
                Lost::Field("The idea's target model")
            }),
            variables: field(&mut i, "variables", lost, || {
                Lost::Field("The idea's variables")
            }),
        },
        Some(_) => {
            lost.push(Lost::Field("The idea"));
            IdeaV1::default()
        }
    };
    let style = field(obj, "style", lost, || Lost::Field("The prompt's layout"));
    let versions = list(
        obj.remove("versions"),
        lost,
        || Lost::List("The versions"),
        version,
    );
    let current = field(obj, "current", lost, || {
        Lost::Field("Which version is current")
    });
    let cases = list(
        obj.remove("cases"),
        lost,
        || Lost::List("The test cases"),
        case,
    );
    let checks = list(
        obj.remove("checks"),
        lost,
        || Lost::List("The checks for every case"),
        check,
    );
    let cut_off_fails = field(obj, "cut_off_fails", lost, || {
        Lost::Field("Whether answers cut off at the token limit fail")
    });
    let thumbs_down_fails = field(obj, "thumbs_down_fails", lost, || {
        Lost::Field("Whether a thumbs-down counts as a failed check")
    });
    let runs = list(
        obj.remove("runs"),
        lost,
        || Lost::List("The run results"),
        run,
    );
    let compared = list(
        obj.remove("compared"),
        lost,
        || Lost::List("The results on the comparison models"),
        compared_run,
    );
    let optimizer = obj.remove("optimizer").filter(|v| !v.is_null());
    if !obj.is_empty() {
        lost.push(Lost::Unknown(obj.len()));
    }
    DraftV1 {
        name,
        idea,
        style,
        versions,
        current,
        cases,
        checks,
        cut_off_fails,
        thumbs_down_fails,
        runs,
        compared,
        optimizer,
    }
}

/// One version; kept without a part that does not read, left out without a number or a prompt.
pub(crate) fn version(at: usize, v: Value, lost: &mut Vec<Lost>) -> Option<VersionV1> {
    let Value::Object(mut obj) = v else {
        lost.push(Lost::Version { n: None, at });
        return None;
    };
    let n = match obj.remove("n").map(crate::domain::wire::from_value::<u32>) {
        Some(Ok(n)) => n,
        _ => {
            lost.push(Lost::Version { n: None, at });
            return None;
        }
    };
    let Some(Value::Object(mut sp)) = obj.remove("spec") else {
        lost.push(Lost::Version { n: Some(n), at });
        return None;
    };
    let part = |p: &'static str| move || Lost::VersionPart { n, part: p };
    let spec = SpecV1 {
        analysis: field(&mut sp, "analysis", lost, part("the model's notes")),
        persona: field(&mut sp, "persona", lost, part("its Persona")),
        context: field(&mut sp, "context", lost, part("its Context")),
        steps: field(&mut sp, "steps", lost, part("its Steps")),
        format: field(&mut sp, "format", lost, part("its Format")),
        json_schema: field(&mut sp, "json_schema", lost, part("its JSON schema")),
        examples: field(&mut sp, "examples", lost, part("its Examples")),
    };
    Some(VersionV1 {
        n,
        parent: field(&mut obj, "parent", lost, part("the version it came from")),
        origin: field::<OriginV1>(&mut obj, "origin", lost, part("how it was made")),
        spec,
        at: field(&mut obj, "at", lost, part("when it was made")),
        cut: field(&mut obj, "cut", lost, part("where its reply was cut off")),
        broke: field(&mut obj, "broke", lost, part("where its reply broke")),
        stopped: field(&mut obj, "stopped", lost, part("where its reply broke")),
    })
}

/// One test case; kept without a part or a check that does not read.
pub(crate) fn case(at: usize, v: Value, lost: &mut Vec<Lost>) -> Option<StoredCaseV1> {
    let Value::Object(mut obj) = v else {
        lost.push(Lost::Case { at });
        return None;
    };
    let part = |p: &'static str| move || Lost::CasePart { at, part: p };
    let id = field(&mut obj, "id", lost, part("its id"));
    let assertions = list(
        obj.remove("assert"),
        lost,
        part("its checks"),
        |j, a, lost| {
            crate::domain::wire::from_value::<AssertionV1>(a)
                .map_err(|_| {
                    lost.push(Lost::CaseCheck {
                        case: at,
                        at: j,
                        why: None,
                    })
                })
                .ok()
        },
    );
    let turns = list(
        obj.remove("turns"),
        lost,
        part("its conversation"),
        |j, t, lost| {
            crate::domain::wire::from_value::<TurnV1>(t)
                .map_err(|_| lost.push(Lost::CaseTurn { case: at, at: j }))
                .ok()
        },
    );
    let case = CaseV1 {
        description: field(&mut obj, "description", lost, part("its description")),
        input: field(&mut obj, "input", lost, part("its input")),
        turns,
        vars: field(&mut obj, "vars", lost, part("its variables")),
        expected: field(&mut obj, "expected", lost, part("its expected answer")),
        assertions,
        tags: field(&mut obj, "tags", lost, part("its tags")),
        split: field(&mut obj, "split", lost, part("whether it is held out")),
        threshold: field(&mut obj, "threshold", lost, part("its pass score")),
    };
    Some(StoredCaseV1 { id, case })
}

/// One check for every case.
pub(crate) fn check(at: usize, v: Value, lost: &mut Vec<Lost>) -> Option<AssertionV1> {
    crate::domain::wire::from_value(v)
        .map_err(|_| lost.push(Lost::Check { at, why: None }))
        .ok()
}

/// One run's results (a run is kept or left out whole).
pub(crate) fn run(at: usize, mut v: Value, lost: &mut Vec<Lost>) -> Option<RunV1> {
    let version = v
        .get("version")
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok());
    // Each result is read on its own: one that does not read is left out and named, and the rest
    // of the run opens (tryout 95: one damaged result left out all 165 of its run).
    let results = v.as_object_mut().and_then(|o| o.remove("cases"));
    // Results that are not a list at all: the run is left out, as before there were parts.
    if results
        .as_ref()
        .is_some_and(|r| !r.is_array() && !r.is_null())
    {
        lost.push(Lost::Run { version, at });
        return None;
    }
    let mut run: RunV1 = crate::domain::wire::from_value(v)
        .map_err(|_| lost.push(Lost::Run { version, at }))
        .ok()?;
    run.cases = list(
        results,
        lost,
        || Lost::Run { version, at },
        |i, c, lost| result(version, i, c, lost),
    );
    Some(run)
}

/// The statuses a stored result is written with (`CaseRunV1::status`).
const STATUSES: [&str; 3] = ["done", "failed", "cancelled"];

/// One result of a run whose version is `version`, `at` its place in the run's list: its rating
/// left out and named when it does not read (the result stays); the result left out and named
/// when it does not read or its status is none this app writes (tryout 95: "exploded" read as
/// cancelled, a cancellation the person never made).
fn result(
    version: Option<u32>,
    at: usize,
    mut c: Value,
    lost: &mut Vec<Lost>,
) -> Option<CaseRunV1> {
    let case = c
        .get("id")
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok());
    if let Some(n) = version {
        let id = case.unwrap_or(0);
        drop_bad_rating(&mut c, lost, || Lost::Rating {
            version: n,
            case: id,
            final_answer: false,
        });
        drop_bad(
            &mut c,
            "replaced_rating",
            read_as::<RatedAnswer>,
            lost,
            || Lost::ReplacedRating {
                version: n,
                case: id,
            },
        );
        if let Some(r) = c.get_mut("reflection") {
            drop_bad_rating(r, lost, || Lost::Rating {
                version: n,
                case: id,
                final_answer: true,
            });
        }
    }
    let known = c
        .get("status")
        .and_then(Value::as_str)
        .is_some_and(|s| STATUSES.contains(&s));
    known
        .then(|| crate::domain::wire::from_value::<CaseRunV1>(c).ok())
        .flatten()
        .or_else(|| {
            lost.push(Lost::Result {
                version,
                case,
                at,
                model: None,
            });
            None
        })
}

/// One entry of `compared` (a [`ComparedRunV1`]): its key and run, or left out and named when
/// either does not read (its rating is salvaged like a run's).
pub(crate) fn compared_run(
    at: usize,
    mut v: Value,
    lost: &mut Vec<Lost>,
) -> Option<super::ComparedRunV1> {
    let key = v
        .as_object_mut()
        .and_then(|o| o.remove("key"))
        .and_then(|k| k.as_str().map(str::to_owned))
        .filter(|k| !k.trim().is_empty());
    let Some(key) = key else {
        lost.push(Lost::ComparedRun { model: None, at });
        return None;
    };
    let mut inner = Vec::new();
    let run = run(at, v, &mut inner);
    for l in inner {
        lost.push(match l {
            Lost::Run { .. } => Lost::ComparedRun {
                model: Some(key.clone()),
                at,
            },
            Lost::Result {
                version,
                case,
                at,
                model: None,
            } => Lost::Result {
                version,
                case,
                at,
                model: Some(key.clone()),
            },
            other => other,
        });
    }
    Some(super::ComparedRunV1 { key, run: run? })
}

/// Takes `obj`'s `rating` out when it is present and does not read as a [`Rating`], noting
/// `what` in `lost`.
fn drop_bad_rating(obj: &mut Value, lost: &mut Vec<Lost>, what: impl FnOnce() -> Lost) {
    drop_bad(obj, "rating", read_as::<Rating>, lost, what);
}

/// Whether `v` reads as a `T`.
fn read_as<T: serde::de::DeserializeOwned>(v: &Value) -> bool {
    crate::domain::wire::from_value::<T>(v.clone()).is_ok()
}

/// Takes `obj`'s `field` out when it is present, not null and `reads` says it does not read,
/// noting `what` in `lost`.
fn drop_bad(
    obj: &mut Value,
    field: &str,
    reads: fn(&Value) -> bool,
    lost: &mut Vec<Lost>,
    what: impl FnOnce() -> Lost,
) {
    let Some(o) = obj.as_object_mut() else {
        return;
    };
    if o.get(field).is_some_and(|r| !r.is_null() && !reads(r)) {
        o.remove(field);
        lost.push(what());
    }
}
