//! Several execution models side by side (the model grid): the key that names one model's
//! results, per-model summaries of a version's results (score, passes, tokens, cost, time to
//! first token and total time as median and 95th percentile), the cases the models disagree on,
//! and the plain-words recommendation of the cheapest model within a few points of the best.
use crate::domain::sorted::SortedMap;

use super::run::{ModelUsed, Run, Status};
use super::{CaseScore, Suite, aggregate};
use crate::domain::estimate::format_cost;
use crate::domain::figures::{count, points};
use crate::domain::provider::ProviderConfig;
use crate::domain::spec::PromptSpec;

/// How many points (0..=100 scale) below the best score still count as "as good" for
/// [`recommend`].
pub const WITHIN_POINTS: f64 = 5.0;

/// The results of one version on one comparison model: `key` is the model's [`model_key`] and
/// `run` its results (`run.model` the model's [`model_label`]). The execution role's own
/// results stay in [`Draft::runs`](crate::domain::draft::Draft::runs).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModelRun {
    pub key: String,
    pub run: Run,
}

/// The key that names a model's results: provider preset, address (without a trailing slash)
/// and model id, "open-ai|https://api.openai.com/v1|gpt-4o-mini". Two entries with the same key
/// are the same model; a change of temperature keeps the key (the results are that model's).
pub fn model_key(cfg: &ProviderConfig) -> String {
    format!(
        "{}|{}|{}",
        cfg.kind.as_str(),
        cfg.base_url.trim().trim_end_matches('/'),
        cfg.model.trim()
    )
}

/// The settings a [`model_key`] names (preset, address, model; the temperature is the
/// execution job's default, as the key does not keep it): how a draft's results from a model
/// that is not among this device's comparison models (a received link, an import) can be added
/// to them. `None` for a key that does not read.
pub fn config_of_key(key: &str) -> Option<ProviderConfig> {
    let (kind, rest) = key.split_once('|')?;
    let (base_url, model) = rest.rsplit_once('|')?;
    let kind = crate::domain::provider::ProviderKind::parse(kind)?;
    let cfg = ProviderConfig {
        base_url: base_url.to_owned(),
        model: model.to_owned(),
        ..ProviderConfig::preset(kind, crate::domain::provider::Role::Execution)
    };
    (ready(&cfg) && model_key(&cfg) == key).then_some(cfg)
}

/// The models with results on `version` that `slots` does not call, by key in first-seen order,
/// each with its label: named from its key ([`model_label`] of [`config_of_key`]: the address
/// and model its results say they came from), else the label its run was made under
/// ([`Run::model`]) in quotes, as words its results carry ("“OpenAI gpt-4o” (the name its
/// results carry)"). A received link's label is the sender's words (tryout 97: a link edited to
/// a key at localhost:8090 read "OpenAI gpt-4o", with no address; tryout 99: "OpenAI gpt-4o
/// (trust me)" read as a name the page gave).
pub fn other_models(runs: &[ModelRun], version: u32, slots: &[Slot]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for r in runs.iter().filter(|r| r.run.version == version) {
        if !r.key.is_empty()
            && !slots.iter().any(|s| s.key == r.key)
            && !out.iter().any(|(k, _)| *k == r.key)
        {
            out.push((r.key.clone(), results_label(r)));
        }
    }
    out
}

/// The name of a comparison model's results ([`other_models`]): from its key, else its run's
/// label in quotes with "(the name its results carry)".
pub fn results_label(r: &ModelRun) -> String {
    config_of_key(&r.key)
        .map(|cfg| model_label(&cfg))
        .unwrap_or_else(|| {
            format!(
                "\u{201c}{}\u{201d} (the name its results carry)",
                r.run.model.trim()
            )
        })
}

/// `summary` of results from a model that is not among this device's ([`other_models`]) with
/// its answers' cost at this page's list price for the model its key names, from their tokens
/// (`None`: no list price here, or a key that does not read). The cost recorded with such
/// results is the sender's figure (tryout 97: a link's gpt-4o results carried gpt-4o-mini's
/// price, and the table recommended from it).
pub fn priced_here(mut summary: ModelSummary, key: &str) -> ModelSummary {
    // No tokens cost nothing at any price (a link's own figure beside none is not taken).
    if summary.input_tokens + summary.output_tokens == 0 {
        summary.exec_cost = summary.exec_cost.map(|_| 0.0);
        return summary;
    }
    let clamp = |t: u64| u32::try_from(t).unwrap_or(u32::MAX);
    summary.exec_cost = config_of_key(key).and_then(|cfg| {
        crate::domain::estimate::call_cost(
            &cfg,
            clamp(summary.input_tokens),
            clamp(summary.output_tokens),
        )
    });
    summary
}

/// One model a grid run calls: its results' key ([`model_key`]; "" for the execution model,
/// whose results are the version's own run) and its settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    pub key: String,
    pub cfg: ProviderConfig,
}

impl Slot {
    /// How a run on this slot names its model: "<provider> <model>" for the execution model
    /// (`ModelUsed::label`), as the page names a comparison model ([`model_label`]) for the
    /// others. A failed call records no model, so a retry is matched to its run by this.
    pub fn run_label(&self) -> String {
        if self.key.is_empty() {
            super::run::ModelUsed::of(&self.cfg).label()
        } else {
            model_label(&self.cfg)
        }
    }
}

/// Whether a comparison model can be called: it has an address and a model id (the built-in
/// local server needs none; [`ProviderConfig::missing`]), and the address can be called
/// ([`crate::domain::http::address_problem`]). Until then nothing is sent to it.
pub fn ready(cfg: &ProviderConfig) -> bool {
    cfg.missing().is_none() && crate::domain::http::address_problem(&cfg.base_url).is_none()
}

/// The models a grid run calls, in order: the execution model (key ""), then each comparison
/// model that is [`ready`] and not the same model as one before it ([`model_key`]).
pub fn slots(exec: &ProviderConfig, compare: &[ProviderConfig]) -> Vec<Slot> {
    let mut out = vec![Slot {
        key: String::new(),
        cfg: exec.clone(),
    }];
    let mut seen = vec![model_key(exec)];
    for cfg in compare.iter().filter(|c| ready(c)) {
        let key = model_key(cfg);
        if !seen.contains(&key) {
            seen.push(key.clone());
            out.push(Slot {
                key,
                cfg: cfg.clone(),
            });
        }
    }
    out
}

/// The label of a model in the grid: "OpenAI gpt-4o-mini"; the host is added when the address
/// is not the preset's ("OpenAI-compatible m at 127.0.0.1:8080"), so two servers of one model
/// can be told apart.
pub fn model_label(cfg: &ProviderConfig) -> String {
    let base = format!("{} {}", cfg.kind.label(), cfg.model.trim());
    if cfg.base_url.trim().trim_end_matches('/')
        == cfg.kind.default_base_url().trim_end_matches('/')
    {
        base
    } else {
        format!("{base} at {}", cfg.host())
    }
}

/// The execution model's column: its label and, when its results cannot stand for the model
/// chosen now, why ([`ModelSummary::left_out`]). Results are labelled by the model that made
/// them ([`super::run::CaseRun::exec_model`] of its results; [`Run::model`] in older records), never
/// by the one Settings names now: after a switch of execution model, or in a received link, the
/// column reads "OpenAI gpt-4o (earlier results)" and is left out of the recommendation until
/// the version is run again. Without results the label is the current model's.
pub fn exec_column(run: Option<&Run>, current: &ProviderConfig) -> (String, Option<String>) {
    let now = model_label(current);
    let Some(run) = run else {
        return (now, None);
    };
    let made_with = made_with(run);
    let matches_now = run.cases.values().all(|c| match &c.exec_model {
        Some(m) => *m == ModelUsed::of(current),
        None => run.model == ModelUsed::of(current).label(),
    });
    let now_used = ModelUsed::of(current).label();
    match made_with.as_slice() {
        [] => (now, None),
        [_] if matches_now => (now, None),
        [one] => (
            format!("{one} (earlier results)"),
            Some(format!(
                "its results were made with {one}, and the execution model is now {now_used}: run again to compare"
            )),
        ),
        many => (
            format!("{} (mixed results)", many.join(" + ")),
            Some(format!(
                "its results were made with several models ({}): run again to compare",
                many.join(", ")
            )),
        ),
    }
}

/// The middle and the 95th percentile of some times, in milliseconds (nearest-rank: the value
/// at rank ⌈p·n⌉ of the sorted values), over `n` values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    pub median_ms: f64,
    pub p95_ms: f64,
    pub n: usize,
}

impl Spread {
    /// The [`Spread`] of `values` (non-finite values are left out); `None` when none is left.
    pub fn of(values: &[f64]) -> Option<Self> {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return None;
        }
        crate::domain::order::sort_by(&mut v, f64::total_cmp);
        let rank = |p: f64| {
            let r = (p * v.len() as f64).ceil() as usize;
            v[r.clamp(1, v.len()) - 1]
        };
        Some(Self {
            median_ms: rank(0.5),
            p95_ms: rank(0.95),
            n: v.len(),
        })
    }

    /// "1.2 s · p95 3.4 s", or "840 ms · p95 1.1 s".
    pub fn line(&self) -> String {
        format!(
            "{} · p95 {}",
            duration(self.median_ms),
            duration(self.p95_ms)
        )
    }
}

/// "840 ms", "1.2 s", "75 s".
pub fn duration(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{} ms", ms.round() as u64)
    } else if ms < 10_000.0 {
        format!("{:.1} s", ms / 1000.0)
    } else {
        format!("{} s", (ms / 1000.0).round() as u64)
    }
}

/// One model's results on a version, for the summary table.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSummary {
    /// The model's [`model_label`].
    pub label: String,
    /// Score and passes of the finished cases ([`super::Aggregate`]).
    pub aggregate: super::Aggregate,
    /// Cases of the suite with a result on this model: asked, answered, failed (or cancelled).
    pub asked: usize,
    /// The ids of the cases asked, in the suite's order: models compare only on the same ones
    /// (session 42's review: the recommendation compared their number).
    pub asked_ids: Vec<u32>,
    pub answered: usize,
    pub not_answered: usize,
    /// Of `not_answered`, the calls cut off by leaving the page or the draft while the model
    /// answered (`CaseRun::cut_by`): said "stopped while answering (may be billed)", as Results
    /// says it (tryout 69: the grid said only "did not answer" and "nothing yet").
    pub stopped: usize,
    /// Cases of the suite never sent to this model ([`Run::unsent_ids`]: the page went away
    /// while they waited, or sending stopped after a failure every call would meet), and why
    /// sending stopped ([`Run::stopped_by`]; empty: the page went away).
    pub unsent: usize,
    /// Of `unsent`, those with no result on this model at all (not among `asked`).
    pub unsent_unrecorded: usize,
    /// Cases of the suite with no result on this model that no run of it left unsent: added
    /// (imported, written, suggested) after its runs, or left out of a *Run selected* (session
    /// 47's notes: after 40 cases were imported, the table said "84 / 100" and the
    /// recommendation "on 4 cases", and nothing said 40 cases had no result on these models).
    pub not_run: usize,
    pub stopped_by: String,
    /// Execution tokens of the answered cases, and the estimates of calls that ended without an
    /// answer after text had arrived (they may be billed; Results counts them too). The judge's
    /// are not the model's.
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// Whether some of those token counts are estimates (the provider reported no usage).
    pub tokens_estimated: bool,
    /// The execution calls' cost in US dollars at list price; `None` when some answered case
    /// has no price (no list price for the model, or not recorded).
    pub exec_cost: Option<f64>,
    /// Time from sending the answering attempt to its end, over answered cases.
    pub latency: Option<Spread>,
    /// Time from sending the answering attempt to its first text, over answered cases that
    /// streamed text and recorded it.
    pub first_token: Option<Spread>,
    /// The judge calls' cost in US dollars at the judge model's list price, over the answered
    /// cases ([`super::run::CaseRun::judge_tokens`], priced by the recorded judge model);
    /// `Some(0.0)` without judge calls, `None` when some judged case has no price.
    pub judge_cost: Option<f64>,
    /// Some judge token counts behind [`ModelSummary::judge_cost`] are estimates
    /// ([`super::run::CaseRun::judge_estimated`]).
    pub judge_estimated: bool,
    /// Some answers counted came with the draft from a link or a file
    /// ([`super::run::CaseRun::received`]): their token counts, and what they cost, are theirs.
    pub received: bool,
    /// Why these results cannot be recommended although they are shown (made with another
    /// model than the one the column now stands for, see [`exec_column`]); `None` for most.
    pub left_out: Option<String>,
    /// Of the scored answers, those an earlier run made ([`Run::earlier_counted`]): the latest
    /// run did not send the case, or its re-run was stopped or failed and the earlier answer was
    /// put back (tryout 68: after a reload cut a comparison run short, its earlier answers were
    /// scored as if they were new).
    pub earlier: usize,
    /// When the model's latest run started ([`Run::started_ms`], ms since the epoch): the
    /// models of one grid run share it.
    pub started_ms: f64,
}

impl ModelSummary {
    /// Adds an execution call's tokens and cost (an unpriced call makes the cost unknown).
    fn count_call(&mut self, c: &super::run::CaseRun) {
        self.input_tokens += u64::from(c.input_tokens);
        self.output_tokens += u64::from(c.output_tokens);
        self.tokens_estimated |= c.tokens_estimated;
        self.exec_cost = match (self.exec_cost, c.cost_usd) {
            (Some(a), Some(b)) => Some(a + b),
            _ => None,
        };
    }

    /// How many of the scored answers an earlier run made ([`ModelSummary::earlier`]), e.g.
    /// "1 of the 3 answers from an earlier run"; `None` when the latest run made them all.
    pub fn earlier_words(&self) -> Option<String> {
        let scored = self.aggregate.scored;
        Some(match self.earlier {
            0 => return None,
            1 if scored == 1 => "the answer is from an earlier run".to_owned(),
            k if k == scored => format!("all {k} answers from an earlier run"),
            k if k < scored => format!(
                "{k} of the {} from an earlier run",
                count(scored, "answer", "answers")
            ),
            // Tryout 77: answers with nothing to check count here too ("4 of the 1 answer").
            k => format!("{} from an earlier run", count(k, "answer", "answers")),
        })
    }

    /// The summary table's score cell: "84 / 100" when every case asked is scored; otherwise
    /// what it is over and why the others are not in it, e.g. "100 / 100 on 1 of 4 cases (2 not
    /// judged yet, 1 the judge failed on)" (tryout 12, M4: "100 / 100" over one case of four,
    /// with no word), "84 / 100 on 4 of 44 cases (40 not run on this model)" for cases added
    /// after its runs ([`ModelSummary::not_run`]); "no score yet" without one.
    pub fn score_cell(&self) -> String {
        let a = &self.aggregate;
        let Some(mean) = a.mean else {
            return "no score yet".to_owned();
        };
        // Tryout 68: "on 4 of 4 cases (2 not sent)" for cases scored on their earlier answers.
        let earlier = self
            .earlier_words()
            .map(|w| format!(" · {w}"))
            .unwrap_or_default();
        if a.scored >= self.asked && self.unsent_unrecorded + self.not_run == 0 {
            return format!("{} / 100{earlier}", points(mean));
        }
        let mut why = Vec::new();
        if a.unjudged > 0 {
            why.push(format!("{} not judged yet", a.unjudged));
        }
        if a.judge_failed > 0 {
            why.push(format!("{} the judge failed on", a.judge_failed));
        }
        if a.unchecked > 0 {
            why.push(format!("{} with nothing to check", a.unchecked));
        }
        if self.not_answered > 0 {
            why.push(format!("{} not answered", self.not_answered));
        }
        if self.unsent_unrecorded > 0 {
            why.push(format!("{} not sent", self.unsent_unrecorded));
        }
        if self.not_run > 0 {
            why.push(format!("{} not run on this model", self.not_run));
        }
        let pending = self.asked.saturating_sub(self.answered + self.not_answered);
        if pending > 0 {
            why.push(format!("{pending} still answering"));
        }
        format!(
            "{} / 100 on {} of {}{}{earlier}",
            points(mean),
            a.scored,
            count(
                self.asked + self.unsent_unrecorded + self.not_run,
                "case",
                "cases"
            ),
            if why.is_empty() {
                String::new()
            } else {
                format!(" ({})", why.join(", "))
            }
        )
    }
}

/// Summarizes `run` (the results of one model on a version) for the cases of `suite`: every
/// result of a case in the suite counts, whichever run made it ([`version_scores`]).
pub fn summarize(label: &str, run: &Run, suite: &Suite, spec: Option<&PromptSpec>) -> ModelSummary {
    summarize_scored(label, run, suite, &version_scores(run, suite, spec))
}

/// [`summarize`] with the run's [`version_scores`] already computed (the page scores each
/// model once per change and reads the scores for the summary and the grid).
pub fn summarize_scored(
    label: &str,
    run: &Run,
    suite: &Suite,
    scores: &SortedMap<u32, CaseScore>,
) -> ModelSummary {
    let mut s = ModelSummary {
        started_ms: run.started_ms,
        label: label.to_owned(),
        aggregate: aggregate(scores.values()),
        asked: 0,
        asked_ids: Vec::new(),
        answered: 0,
        not_answered: 0,
        stopped: 0,
        unsent: run
            .unsent_ids()
            .into_iter()
            .filter(|id| suite.case(*id).is_some())
            .count(),
        unsent_unrecorded: run
            .unsent_ids()
            .into_iter()
            .filter(|id| suite.case(*id).is_some() && !run.cases.contains_key(id))
            .count(),
        not_run: 0,
        stopped_by: run.stopped_by.clone(),
        input_tokens: 0,
        output_tokens: 0,
        tokens_estimated: false,
        exec_cost: Some(0.0),
        latency: None,
        first_token: None,
        judge_cost: Some(0.0),
        judge_estimated: false,
        received: false,
        left_out: None,
        earlier: run.earlier_counted(scores),
    };
    let (mut totals, mut firsts) = (Vec::new(), Vec::new());
    for (id, c) in suite
        .cases
        .iter()
        .filter_map(|c| run.cases.get(&c.id).map(|r| (c.id, r)))
    {
        s.asked += 1;
        s.asked_ids.push(id);
        match c.status {
            Status::Done => {
                s.answered += 1;
                s.received |= c.received;
                s.count_call(c);
                let (jin, jout) = c.judge_tokens;
                if jin + jout > 0 {
                    s.judge_estimated |= c.judge_estimated;
                    let judged = c.judge_model.as_ref().and_then(|m| m.cost(jin, jout));
                    s.judge_cost = match (s.judge_cost, judged) {
                        (Some(a), Some(b)) => Some(a + b),
                        _ => None,
                    };
                }
                if c.refusal.is_none() && c.ms > 0.0 {
                    totals.push(c.ms);
                }
                if let Some(f) = c.first_token_ms {
                    firsts.push(f);
                }
            }
            Status::Failed(_) | Status::Cancelled => {
                s.not_answered += 1;
                // (Not a copy's: those were stopped, and are counted, in the source.)
                s.stopped += usize::from(
                    c.is_cut() && c.cut_by != Some(crate::domain::draft::Leaving::Copied),
                );
                // What such a call likely cost (`CaseRun::count_spent`) counts.
                if c.input_tokens + c.output_tokens > 0 {
                    s.count_call(c);
                }
            }
            Status::Queued | Status::Running => {}
        }
    }
    s.not_run = suite
        .cases
        .len()
        .saturating_sub(s.asked + s.unsent_unrecorded);
    if s.answered == 0 && s.input_tokens + s.output_tokens == 0 {
        s.exec_cost = None;
    }
    s.latency = Spread::of(&totals);
    s.first_token = Spread::of(&firsts);
    s
}

/// Scores of the model's finished cases on this version, by case id ([`Run::scores`]): every
/// result the version has on the model counts, an earlier run's too, as in the Results score
/// (tryout: after a cancelled re-run put the earlier answers back, the grid counted none of them
/// and marked passing answers "fail" while Results scored them).
pub fn version_scores(
    run: &Run,
    suite: &Suite,
    spec: Option<&PromptSpec>,
) -> SortedMap<u32, CaseScore> {
    run.scores(suite, spec)
}

/// One row of the versions × models table ([`versions_by_models`]).
#[derive(Debug, Clone, PartialEq)]
pub struct VersionRow {
    /// The version's number.
    pub version: u32,
    /// Per model, in the order of the columns asked for: its results on this version
    /// summarized with this version's own prompt, `None` when it has none.
    pub cells: Vec<Option<ModelSummary>>,
    /// Per model: whether this version holds the best score among the versions in its column,
    /// when that can be said (see [`versions_by_models`]).
    pub best: Vec<bool>,
}

impl VersionRow {
    /// A cell in words, as the per-model table compares models: "95 / 100 · 3 of 3 passed"
    /// ([`ModelSummary::score_cell`]), " · best" on the best version of its column, then the
    /// answers' cost and median time ("· $0.0030 · 1.2 s median", "about" when some token
    /// counts are estimates; "unknown price", "time not measured"); "not run" without results.
    pub fn cell_text(&self, i: usize) -> String {
        match self.cells.get(i).and_then(Option::as_ref) {
            None => "not run".to_owned(),
            Some(s) => {
                // Tryout 77: "about unknown price".
                let about = if s.tokens_estimated && s.exec_cost.is_some() {
                    "about "
                } else {
                    ""
                };
                // No pass count without a score (tryout 108: "no score yet · 0 of 3 passed"
                // for a model whose calls all failed).
                let passed = if s.aggregate.mean.is_none() {
                    String::new()
                } else {
                    format!(" · {} of {} passed", s.aggregate.passed, s.asked)
                };
                format!(
                    "{}{passed}{} · {about}{} · {}",
                    s.score_cell(),
                    if self.best.get(i).copied().unwrap_or(false) {
                        " · best"
                    } else {
                        ""
                    },
                    crate::domain::estimate::format_cost(s.exec_cost),
                    s.latency.as_ref().map_or_else(
                        || "time not measured".to_owned(),
                        |l| format!("{} median", duration(l.median_ms))
                    ),
                )
            }
        }
    }
}

/// The models a run's results were made with, by label ("OpenAI gpt-4o-mini"), in the order of
/// the cases: each result's [`super::run::CaseRun::exec_model`], [`Run::model`] for a result of
/// an older record. Empty for a run with no results.
pub fn made_with(run: &Run) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in run.cases.values() {
        let label = c
            .exec_model
            .as_ref()
            .map_or_else(|| run.model.clone(), ModelUsed::label);
        if !label.trim().is_empty() && !out.contains(&label) {
            out.push(label);
        }
    }
    out
}

/// The versions × models table ([`versions_by_models`]): its column headings and rows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VersionsTable {
    /// One heading per column, in the order of [`VersionRow::cells`].
    pub labels: Vec<String>,
    /// Newest version first.
    pub rows: Vec<VersionRow>,
}

/// The versions × models table: every version of `draft` with results on at least one of the
/// `columns` (pairs of [`model_key`], empty for the execution model, and the label its results
/// are summarized under), newest first. Each cell is that model's results on that version,
/// scored with that version's prompt and the suite as it is now ([`summarize`]). The execution
/// model's results are put under the model that made each of them ([`made_with`]): `exec_now`'s
/// column first, then one per earlier execution model ("… (earlier results)"); a version whose
/// results come from two models has a cell in each, over the cases each answered (tryouts 81-82:
/// a version run on another model read as the chosen model's, and was marked best against it;
/// then a version re-run in part on another model read "not run" there). A column marks its
/// best version only when at least two versions were scored on every case they were asked, all
/// on the same number of cases (else the scores measure different things); a tie marks every
/// version tied.
pub fn versions_by_models(
    draft: &crate::domain::draft::Draft,
    columns: &[(String, String)],
    exec_now: &ProviderConfig,
) -> VersionsTable {
    // Each column: the key its runs are under, for the execution model's key the label of the
    // model whose answers it holds, and its heading.
    struct Col {
        key: String,
        made_with: Option<String>,
        label: String,
    }
    let now = ModelUsed::of(exec_now).label();
    let mut cols: Vec<Col> = Vec::new();
    for (key, label) in columns {
        if !key.is_empty() {
            cols.push(Col {
                key: key.clone(),
                made_with: None,
                label: label.clone(),
            });
            continue;
        }
        cols.push(Col {
            key: String::new(),
            made_with: Some(now.clone()),
            label: model_label(exec_now),
        });
        for v in draft.versions.iter().rev() {
            for made in draft.run_of(v.number).map(made_with).unwrap_or_default() {
                if !cols
                    .iter()
                    .any(|c| c.key.is_empty() && c.made_with.as_ref() == Some(&made))
                {
                    cols.push(Col {
                        key: String::new(),
                        label: format!("{made} (earlier results)"),
                        made_with: Some(made),
                    });
                }
            }
        }
    }
    let cell = |c: &Col, v: &crate::domain::draft::Version| {
        let run = draft.run_on(v.number, &c.key)?;
        let Some(made) = &c.made_with else {
            return Some(summarize(&c.label, run, &draft.suite, Some(&v.spec)));
        };
        // The cases of this run the column's model answered.
        let mut own = run.clone();
        own.cases.retain(|_, r| {
            r.exec_model
                .as_ref()
                .map_or_else(|| run.model.clone(), ModelUsed::label)
                == *made
        });
        // Cases never sent would go to the model chosen now.
        if *made != now {
            own.unsent.clear();
        }
        (!own.cases.is_empty()).then(|| summarize(&c.label, &own, &draft.suite, Some(&v.spec)))
    };
    let mut rows: Vec<VersionRow> = draft
        .versions
        .iter()
        .rev()
        .filter_map(|v| {
            let cells: Vec<Option<ModelSummary>> = cols.iter().map(|c| cell(c, v)).collect();
            cells.iter().any(Option::is_some).then(|| VersionRow {
                version: v.number,
                best: vec![false; cells.len()],
                cells,
            })
        })
        .collect();
    for col in 0..cols.len() {
        let whole: Vec<(usize, f64, usize)> = rows
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let s = r.cells[col].as_ref()?;
                let mean = s.aggregate.mean?;
                (s.asked > 0 && s.aggregate.scored >= s.asked).then_some((i, mean, s.asked))
            })
            .collect();
        let same_cases = whole.windows(2).all(|w| w[0].2 == w[1].2);
        // Every version with results in the column is scored on every case it was asked.
        let with_results = rows.iter().filter(|r| r.cells[col].is_some()).count();
        if whole.len() < 2 || whole.len() != with_results || !same_cases {
            continue;
        }
        let top = whole.iter().map(|w| w.1).fold(f64::MIN, f64::max);
        for (i, mean, _) in &whole {
            // Scores are shown in whole points: a tie in what is shown is a tie.
            if mean.round() >= top.round() {
                rows[*i].best[col] = true;
            }
        }
    }
    let labels = cols.into_iter().map(|c| c.label).collect();
    VersionsTable { labels, rows }
}

/// The recommendation, in plain words: the cheapest model whose score is within
/// [`WITHIN_POINTS`] of the best score. Only models that answered every case they were
/// asked and have a score take part, and all of them must have been asked the same number of
/// cases (else the scores measure different things and nothing is recommended: the line says
/// why). `None` with fewer than two models that have results.
pub fn recommend(models: &[ModelSummary]) -> Option<String> {
    let with_results: Vec<&ModelSummary> = models.iter().filter(|m| m.asked > 0).collect();
    if with_results.len() < 2 {
        return None;
    }
    let mut notes = Vec::new();
    let unfinished: Vec<&ModelSummary> = with_results
        .iter()
        .copied()
        .filter(|m| m.answered + m.not_answered < m.asked)
        .collect();
    if !unfinished.is_empty() {
        return Some("No recommendation yet: some models are still answering.".to_owned());
    }
    let mut ranked: Vec<(&ModelSummary, f64)> = Vec::new();
    for m in &with_results {
        match m.aggregate.mean {
            _ if m.left_out.is_some() => notes.push(format!(
                "{} is left out: {}",
                m.label,
                m.left_out.as_deref().unwrap_or_default()
            )),
            _ if m.not_answered > 0 => notes.push(format!(
                "{} is left out: {} of {} did not answer",
                m.label,
                m.not_answered,
                count(m.asked, "case", "cases")
            )),
            _ if m.aggregate.unjudged + m.aggregate.judge_failed > 0 => notes.push(format!(
                "{} is left out: the judge has not scored {} of its cases",
                m.label,
                m.aggregate.unjudged + m.aggregate.judge_failed
            )),
            None => notes.push(format!("{} is left out: it has no score", m.label)),
            Some(mean) => ranked.push((m, mean)),
        }
    }
    if ranked
        .windows(2)
        .any(|w| w[0].0.asked_ids != w[1].0.asked_ids)
    {
        return Some(
            "No recommendation: the models were run on different cases. Run every model on the same cases to compare them."
                .to_owned(),
        );
    }
    let tail = |notes: &[String]| {
        if notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", notes.join("; "))
        }
    };
    if ranked.len() < 2 {
        return Some(format!(
            "No recommendation: fewer than two models have a score to compare{}.",
            tail(&notes)
        ));
    }
    let best = ranked
        .iter()
        .map(|(_, s)| *s)
        .fold(f64::NEG_INFINITY, f64::max);
    // A model left out with a higher score than every model compared: none of these is "the
    // best" (tryout 107: a received comparison recommended a model at 73 "with the best score"
    // under a row at 95, left out because the receiver's test model is another).
    if let Some((m, mean)) = with_results
        .iter()
        .filter(|m| !ranked.iter().any(|(r, _)| std::ptr::eq(*r, **m)))
        .filter_map(|m| Some((*m, m.aggregate.mean?)))
        .filter(|(_, mean)| points(*mean) > points(best))
        .max_by(|a, b| a.1.total_cmp(&b.1))
    {
        return Some(format!(
            "No recommendation: {} shows a higher score ({} / 100) than the models that can be compared, and is left out{}.",
            m.label,
            points(mean),
            tail(&notes)
        ));
    }
    // A score counting answers an earlier run made says so beside the recommendation too, as
    // the table does (tryout 108: "best score (100 / 100 on 3 cases)" under a row that read
    // "1 of the 3 answers from an earlier run").
    for (m, _) in &ranked {
        if let Some(words) = m.earlier_words() {
            notes.push(format!("{}: {words}", m.label));
        }
    }
    let (best_model, _) = *ranked
        .iter()
        .find(|(_, s)| *s == best)
        .expect("the best score is one of them");
    let close: Vec<&(&ModelSummary, f64)> = ranked
        .iter()
        .filter(|(_, s)| *s >= best - WITHIN_POINTS)
        .collect();
    for (m, _) in close.iter().filter(|(m, _)| m.exec_cost.is_none()) {
        notes.push(format!(
            "{} has no known price here, so it is not compared on cost",
            m.label
        ));
    }
    let priced: Vec<&(&ModelSummary, f64)> = close
        .iter()
        .copied()
        .filter(|(m, _)| m.exec_cost.is_some())
        .collect();
    // What the score is over: the cases with checks (a case without any is not scored).
    let cases = if best_model.aggregate.unchecked > 0 {
        format!(
            "the {} with checks",
            count(best_model.aggregate.scored, "case", "cases")
        )
    } else {
        count(best_model.asked, "case", "cases")
    };
    // Cases of the suite none of these models answered are said with it: the recommendation is
    // about the cases run, not the suite.
    let cases = match best_model.not_run + best_model.unsent_unrecorded {
        0 => cases,
        k => format!(
            "{cases}; {} of the suite {} no result on these models",
            count(k, "case", "cases"),
            if k == 1 { "has" } else { "have" }
        ),
    };
    // Models with the same best score as shown (whole points): a tie is said, never one model
    // called "the best".
    let tied: Vec<&str> = ranked
        .iter()
        .filter(|(_, s)| points(*s) == points(best))
        .map(|(m, _)| m.label.as_str())
        .collect();
    let Some(&&(pick, pick_score)) = priced.iter().min_by(|a, b| {
        let (ca, cb) = (a.0.exec_cost.unwrap_or(0.0), b.0.exec_cost.unwrap_or(0.0));
        ca.total_cmp(&cb).then(b.1.total_cmp(&a.1))
    }) else {
        let who = if tied.len() > 1 {
            format!("{} share", crate::domain::figures::and_list(&tied))
        } else {
            format!("{} has", best_model.label)
        };
        return Some(format!(
            "{who} the best score ({} / 100 on {cases}); no model within {WITHIN_POINTS:.0} points of it has a known price{}.",
            points(best),
            tail(&notes)
        ));
    };
    let price = format_cost(pick.exec_cost);
    let line = if std::ptr::eq(pick, best_model) || points(pick_score) == points(best) {
        let others: Vec<&str> = tied.iter().copied().filter(|l| *l != pick.label).collect();
        let best_part = if others.is_empty() {
            format!(
                "with the best score ({} / 100 on {cases})",
                points(pick_score)
            )
        } else {
            format!(
                "tied for the best score ({} / 100 on {cases}) with {},",
                points(pick_score),
                crate::domain::figures::and_list(&others)
            )
        };
        if priced.len() == 1 && close.len() == 1 {
            format!(
                "Recommended: {}, {best_part} for {price}; no other model comes within {WITHIN_POINTS:.0} points of it",
                pick.label
            )
        } else if priced.len() == 1 {
            format!(
                "Recommended: {}, {best_part} for {price}; it is the only model within {WITHIN_POINTS:.0} points with a known price",
                pick.label
            )
        } else {
            format!(
                "Recommended: {}, {best_part} and the lowest price of the models within {WITHIN_POINTS:.0} points ({price})",
                pick.label
            )
        }
    } else {
        // Against every model with the best score (tied ones named together).
        let against = if tied.len() > 1 {
            format!(
                "{} for {}",
                format_cost(best_model.exec_cost),
                best_model.label
            )
        } else {
            format_cost(best_model.exec_cost)
        };
        format!(
            "Recommended: {}, {} / 100 on {cases}, within {WITHIN_POINTS:.0} points of the best ({}, {} / 100), for {price} against {against}",
            pick.label,
            points(pick_score),
            crate::domain::figures::and_list(&tied),
            points(best),
        )
    };
    Some(format!("{line}{}.", tail(&notes)))
}

/// Whether a case's score counts as passing in the grid: it passed (every check, or its
/// threshold), when it has a score that counts.
fn passes(s: &CaseScore) -> Option<bool> {
    s.counted().map(|_| s.pass)
}

/// The cases (in suite order) on which the models disagree: at least two of `runs` scored the
/// case, and one passed while another did not.
pub fn disagreements(runs: &[&Run], suite: &Suite, spec: Option<&PromptSpec>) -> Vec<u32> {
    let scores: Vec<SortedMap<u32, CaseScore>> = runs
        .iter()
        .map(|r| version_scores(r, suite, spec))
        .collect();
    disagreements_scored(&scores.iter().collect::<Vec<_>>(), suite)
}

/// [`disagreements`] from each model's [`version_scores`].
pub fn disagreements_scored(scores: &[&SortedMap<u32, CaseScore>], suite: &Suite) -> Vec<u32> {
    suite
        .cases
        .iter()
        .map(|c| c.id)
        .filter(|id| {
            let verdicts: Vec<bool> = scores
                .iter()
                .filter_map(|s| s.get(id).and_then(passes))
                .collect();
            verdicts.iter().any(|p| *p) && verdicts.iter().any(|p| !*p)
        })
        .collect()
}

/// The cases (in suite order) that did not pass on some model of `runs`: a scored case that
/// failed a check, or a call that failed.
pub fn failures(runs: &[&Run], suite: &Suite, spec: Option<&PromptSpec>) -> Vec<u32> {
    let scores: Vec<SortedMap<u32, CaseScore>> = runs
        .iter()
        .map(|r| version_scores(r, suite, spec))
        .collect();
    failures_scored(runs, &scores.iter().collect::<Vec<_>>(), suite)
}

/// [`failures`] from each model's run and its [`version_scores`], in the same order.
pub fn failures_scored(
    runs: &[&Run],
    scores: &[&SortedMap<u32, CaseScore>],
    suite: &Suite,
) -> Vec<u32> {
    suite
        .cases
        .iter()
        .map(|c| c.id)
        .filter(|id| {
            runs.iter().zip(scores).any(|(r, s)| {
                let failed_call = r
                    .cases
                    .get(id)
                    .is_some_and(|c| matches!(c.status, Status::Failed(_)));
                failed_call || s.get(id).and_then(passes) == Some(false)
            })
        })
        .collect()
}

/// What the results in the table cost, to set against the "at most" said before the run: "These
/// results cost $0.0123 in all: $0.0100 for the answers and $0.0023 for the judge." (list
/// prices of the models recorded with them, the three at one precision,
/// [`format_costs_alike`](crate::domain::estimate::format_costs_alike); "about" before each
/// figure with estimated token counts in it; "unknown" when one has none, with what the priced
/// ones cost).
pub fn spent_line(models: &[ModelSummary]) -> String {
    // A model with nothing counted yet (its run stopped before it answered) cost nothing
    // known, and is not "no list price" (tryout 89: "unknown: a model has no list price here"
    // with both models priced, one of them never answered).
    let models: Vec<&ModelSummary> = models
        .iter()
        .filter(|m| m.answered > 0 || m.input_tokens + m.output_tokens > 0)
        .collect();
    if models.is_empty() {
        return "Nothing is counted yet: no model has answered.".to_owned();
    }
    let sum = |f: fn(&ModelSummary) -> Option<f64>| {
        models.iter().try_fold(0.0, |acc, m| f(m).map(|x| acc + x))
    };
    let (answers, judge) = (sum(|m| m.exec_cost), sum(|m| m.judge_cost));
    // Results that came with a link or a file cost what their token counts say (tryout 104:
    // "These results cost $600.02" of a link's tampered counts, as if spent here).
    let theirs = if models.iter().any(|m| m.received) {
        " Some of these results came with the draft in a link or file: their token counts, and so their cost, are as it says."
    } else {
        ""
    };
    let about = |yes: bool| if yes { "about " } else { "" };
    let (ea, ej) = (
        models.iter().any(|m| m.tokens_estimated),
        models.iter().any(|m| m.judge_estimated),
    );
    match (answers, judge) {
        (Some(a), Some(j)) => {
            // One precision for the three, so the parts add up to the total.
            let shown = crate::domain::estimate::format_costs_alike(&[a + j, a, j]);
            format!(
                "These results cost {}{} in all: {}{} for the answers and {}{} for the judge.{theirs}",
                about(ea || ej),
                shown[0],
                about(ea),
                shown[1],
                about(ej),
                shown[2]
            )
        }
        (a, _) => {
            // Named: which model's answers, or the judge, has no price.
            let mut unpriced: Vec<String> = models
                .iter()
                .filter(|m| m.exec_cost.is_none())
                .map(|m| m.label.clone())
                .collect();
            if a.is_some() || models.iter().any(|m| m.judge_cost.is_none()) {
                unpriced.push("the judge".to_owned());
            }
            // The priced part said too (tryout 96: one unpriced model hid about $0.10 of the
            // others').
            let known: f64 = models
                .iter()
                .map(|m| m.exec_cost.unwrap_or(0.0) + m.judge_cost.unwrap_or(0.0))
                .sum();
            let priced = if known > 0.0 {
                format!(
                    " The priced part comes to {}{}.",
                    about(ea || ej),
                    crate::domain::estimate::format_cost(Some(known))
                )
            } else {
                String::new()
            };
            format!(
                "What these results cost in all is unknown: no list price here for {}.{priced}{theirs}",
                unpriced.join(" or ")
            )
        }
    }
}

#[cfg(test)]
#[path = "grid_tests.rs"]
mod tests;
