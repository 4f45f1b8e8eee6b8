//! A draft: the idea, every version of its prompt (each with where it came from), and which
//! version is current. Versions are never changed or dropped: edits add new ones.
use crate::domain::eval::Suite;
use crate::domain::eval::run::{Run, Status};
use crate::domain::meta::reply::{Gap, gaps};
use crate::domain::meta::{IdeaInput, ModelFamily, quality};
use crate::domain::optimize::Optimizer;
use crate::domain::spec::{PromptSpec, RenderStyle, Section};

/// Why the open draft is being left, for the notes its stopped jobs leave in it: another draft
/// opened, this one was deleted (it comes back with those notes on Undo; helper-56: a deleted
/// draft brought back said "another draft was opened"), or the page went away (a reload, a
/// closed tab; helper-58: a call the reload cut read as the provider's failure).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Leaving {
    #[default]
    Switch,
    Delete,
    Reload,
    /// In a copy (Duplicate, Keep both, an import, a received link): the call was stopped in
    /// the draft copied from, before the copy was made, and its cost is counted there
    /// ([`Draft::arrive_as_copy`]; tryout 78, 2: a copy said its calls may be billed and
    /// counted them again).
    Copied,
}

impl Leaving {
    /// "when another draft was opened" / "when this draft was deleted" / "when the page was
    /// reloaded or closed".
    pub fn when(self) -> &'static str {
        match self {
            Self::Switch => "when another draft was opened",
            Self::Delete => "when this draft was deleted",
            Self::Reload => "when the page was reloaded or closed",
            Self::Copied => "in the draft this one was copied from, before the copy was made",
        }
    }

    /// Its name in stored drafts (`CaseRunV1::stopped`): "switch", "delete", "reload".
    pub fn wire(self) -> &'static str {
        match self {
            Self::Switch => "switch",
            Self::Delete => "delete",
            Self::Reload => "reload",
            Self::Copied => "copied",
        }
    }

    /// [`Leaving::wire`] read back; `None` for any other text (an older or damaged record).
    pub fn from_wire(s: &str) -> Option<Self> {
        [Self::Switch, Self::Delete, Self::Reload, Self::Copied]
            .into_iter()
            .find(|l| l.wire() == s)
    }

    /// "Another draft was opened" / "This draft was deleted" / "The page was reloaded or
    /// closed".
    pub fn what(self) -> &'static str {
        match self {
            Self::Switch => "Another draft was opened",
            Self::Delete => "This draft was deleted",
            Self::Reload => "The page was reloaded or closed",
            Self::Copied => "It was stopped in the draft this one was copied from",
        }
    }
}

/// The model an origin names for a reply pasted in Manual mode (a section's rewrite, an
/// adaptation): "a reply you pasted".
pub const PASTED_BY: &str = "a reply you pasted";

/// The most characters of a name the page shows ([`Draft::display_name`]).
pub const NAME_MAX: usize = 120;

/// A draft's `name` as the page shows it: without the characters that override or isolate the
/// text's direction (U+202A-U+202E, U+2066-U+2069: a renamed or received draft could make the
/// drawer and the sentences that quote it read backwards), cut to [`NAME_MAX`] characters with
/// "…" (tryout 78, 6: a 3,000-character name filled the drawer, and one with U+202E showed
/// "<tpircs/>x<tpircs>live").
pub fn shown_name(name: &str) -> String {
    let clean: String = name.chars().filter(|c| !turns_direction(*c)).collect();
    if clean.chars().count() <= NAME_MAX {
        clean
    } else {
        let mut cut: String = clean.chars().take(NAME_MAX - 1).collect();
        cut.push('\u{2026}');
        cut
    }
}

/// Whether `c` overrides or isolates the text's direction (U+202A-U+202E, U+2066-U+2069): the
/// characters [`shown_name`] leaves out.
fn turns_direction(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// What the page says beside a name that holds characters a reader cannot see, or `None`: the
/// ones [`shown_name`] leaves out, "Its name holds characters that change the text's direction
/// (U+202E, U+202C), not shown here." (tryout 86: they were dropped with no word), and the
/// others that show as nothing ([`crate::domain::figures::invisible`]: "Its name holds
/// characters that show as nothing (U+2029, U+E0041)."; tryout 102), both in one sentence when
/// it holds both. Shown in the drafts list and under a shared draft's title.
pub fn name_marks_note(name: &str) -> Option<String> {
    let (mut turning, mut hidden): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    for c in name
        .chars()
        .filter(|c| crate::domain::figures::invisible(*c))
    {
        let code = format!("U+{:04X}", u32::from(c));
        let list = if turns_direction(c) {
            &mut turning
        } else {
            &mut hidden
        };
        if !list.contains(&code) {
            list.push(code);
        }
    }
    let turning = (!turning.is_empty()).then(|| {
        format!(
            "change the text's direction ({}), not shown here",
            turning.join(", ")
        )
    });
    let hidden = (!hidden.is_empty()).then(|| format!("show as nothing ({})", hidden.join(", ")));
    match (hidden, turning) {
        (None, None) => None,
        (Some(h), None) => Some(format!("Its name holds characters that {h}.")),
        (None, Some(t)) => Some(format!("Its name holds characters that {t}.")),
        (Some(h), Some(t)) => Some(format!(
            "Its name holds characters that {h}, and characters that {t}."
        )),
    }
}

/// How a version came to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Written by the meta model from the idea.
    Generated { model: String },
    /// A section edited by hand.
    Edited { section: Section },
    /// One section rewritten by the meta model.
    Rewritten {
        section: Section,
        instruction: String,
        model: String,
    },
    /// Adapted for another model family.
    Adapted { family: ModelFamily, model: String },
    /// A reply pasted in manual mode.
    Pasted,
    /// What arrived before a generation stopped or failed; `adapting`: the family an adaptation
    /// that stopped was writing for (`None` for a generation from the idea).
    Partial {
        model: String,
        adapting: Option<ModelFamily>,
    },
    /// A candidate of the optimizer, accepted by the person (`what`: round, how it was made, scores).
    Optimized { what: String },
}

impl Origin {
    /// A short description for the history list.
    pub fn describe(&self) -> String {
        match self {
            Self::Generated { model } => format!("Generated by {model}"),
            Self::Edited { section } => format!("{} edited by hand", section.title()),
            Self::Rewritten {
                section,
                instruction,
                model,
            } => {
                // The instruction quoted up to 200 characters, with the marks that show as
                // nothing or turn text around taken out (tryout 84: a 66 KB instruction made a
                // title 58,000 characters long, read backwards from a U+202E).
                let shown: String = instruction
                    .chars()
                    .filter(|c| !crate::domain::figures::invisible(*c))
                    .collect();
                format!(
                    "{} rewritten by {model}: \u{201c}{}\u{201d}",
                    section.title(),
                    crate::domain::eval::clip(shown.trim(), 200)
                )
            }
            Self::Adapted { family, model } => format!("Adapted for {} by {model}", family.label()),
            Self::Pasted => "Pasted from another chat app".to_owned(),
            Self::Partial {
                model,
                adapting: None,
            } => format!("Incomplete: generation by {model} did not finish"),
            Self::Partial {
                model,
                adapting: Some(family),
            } => format!(
                "Incomplete: adaptation for {} by {model} did not finish",
                family.label()
            ),
            Self::Optimized { what } => format!("Accepted from the optimizer: {what}"),
        }
    }

    /// Whether the text was written by a model (shown as such).
    pub fn by_model(&self) -> bool {
        !matches!(self, Self::Edited { .. } | Self::Pasted)
    }

    /// Whether this version is what a reply held as it arrived (read from the model's or a
    /// pasted reply, whole or in part), as opposed to a change made to an earlier version.
    pub fn from_reply(&self) -> bool {
        matches!(
            self,
            Self::Generated { .. } | Self::Adapted { .. } | Self::Pasted | Self::Partial { .. }
        )
    }
}

/// Who made a version's text, for the label above the prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// "Written by gpt-4o", "Pasted by you", "Written by gpt-4o, edited by you".
    pub label: String,
    /// Whether any of the text came from a model (the page then says to check it).
    pub by_model: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    /// 1, 2, 3… in order of creation.
    pub number: u32,
    pub parent: Option<u32>,
    pub origin: Origin,
    pub spec: PromptSpec,
    /// Milliseconds since the Unix epoch (given by the shell; the domain has no clock).
    pub created_ms: f64,
    /// The section the reply this version was read from ended inside (its text is unfinished),
    /// named among the gaps while that text stays as it arrived ([`Draft::open_gaps`]).
    pub cut: Option<Section>,
    /// Whether the reply's JSON broke inside `cut` (a syntax error) rather than ending there.
    pub broke: bool,
    /// Whether reading the reply stopped at a break in its JSON (a mistake neither mended nor
    /// read past): a section missing after the last one read was not read, which is not the
    /// same as absent (tryout 46: "The reply has no Context" for a Context after a stray word).
    pub stopped: bool,
}

/// Everything a person makes for one prompt. Kept and shared through the versioned wire types in
/// `domain::wire`, never serialized directly. In the browser build it is also a
/// `reactive_stores::Store` (the shell's `DraftHandle::draft`): readers subscribe to the fields
/// they read; the domain itself uses no reactivity.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(target_arch = "wasm32", derive(reactive_stores::Store))]
pub struct Draft {
    pub name: String,
    pub idea: IdeaInput,
    pub style: RenderStyle,
    pub versions: Vec<Version>,
    /// Number of the current version (0 when there is none).
    pub current: u32,
    /// The test cases and the assertions for all of them.
    pub suite: Suite,
    /// The latest run of each version that has been run.
    pub runs: Vec<Run>,
    /// The latest run of each version on each comparison model (the model grid), by
    /// [`grid::model_key`](crate::domain::eval::grid::model_key).
    pub compared: Vec<crate::domain::eval::grid::ModelRun>,
    /// The optimization loop, running or finished (its evidence stays until the next one).
    pub optimizer: Option<Optimizer>,
}

/// A draft's runs to change (the execution model's and the comparison models'), with its suite
/// to read: what a run's bookkeeping touches ([`run_queue`](crate::domain::eval::run_queue)).
/// The shell changes results through it without the rest of the draft, so the readers of the
/// cases and the prompt do not hear them (`DraftHandle::update_runs`).
pub struct RunsMut<'a> {
    pub runs: &'a mut Vec<Run>,
    pub compared: &'a mut Vec<crate::domain::eval::grid::ModelRun>,
    pub suite: &'a crate::domain::eval::Suite,
}

/// The run of `version` on model `key` among a draft's `runs` (empty `key`) and `compared`
/// runs: what [`Draft::run_on`] and [`RunsMut::run_on`] read.
fn find_run<'a>(
    runs: &'a [Run],
    compared: &'a [crate::domain::eval::grid::ModelRun],
    version: u32,
    key: &str,
) -> Option<&'a Run> {
    if key.is_empty() {
        return runs.iter().find(|r| r.version == version);
    }
    compared
        .iter()
        .find(|r| r.run.version == version && r.key == key)
        .map(|r| &r.run)
}

/// [`find_run`], to change.
fn find_run_mut<'a>(
    runs: &'a mut [Run],
    compared: &'a mut [crate::domain::eval::grid::ModelRun],
    version: u32,
    key: &str,
) -> Option<&'a mut Run> {
    if key.is_empty() {
        return runs.iter_mut().find(|r| r.version == version);
    }
    compared
        .iter_mut()
        .find(|r| r.run.version == version && r.key == key)
        .map(|r| &mut r.run)
}

impl RunsMut<'_> {
    /// [`Draft::run_on`].
    pub fn run_on(&self, version: u32, key: &str) -> Option<&Run> {
        find_run(self.runs, self.compared, version, key)
    }

    /// [`Draft::run_on_mut`].
    pub fn run_on_mut(&mut self, version: u32, key: &str) -> Option<&mut Run> {
        find_run_mut(self.runs, self.compared, version, key)
    }

    /// The judge of the run of `version` failed as every call to it would (`why`): each of its
    /// models' records (`keys`) says so ([`Run::judge_stopped_by`]), so the cases left unjudged
    /// say it after a reload too.
    pub fn judge_stopped(&mut self, version: u32, keys: &[String], why: &str) {
        for key in keys {
            if let Some(run) = self.run_on_mut(version, key) {
                run.judge_stopped_by = why.to_owned();
            }
        }
    }

    /// [`Draft::put_run_on`].
    pub fn put_run_on(&mut self, key: &str, run: Run) {
        if key.is_empty() {
            self.runs.retain(|r| r.version != run.version);
            self.runs.push(run);
            crate::domain::order::sort_by_key(&mut self.runs, |r| r.version);
            return;
        }
        self.compared
            .retain(|r| !(r.run.version == run.version && r.key == key));
        self.compared.push(crate::domain::eval::grid::ModelRun {
            key: key.to_owned(),
            run,
        });
        crate::domain::order::sort_by_key(&mut self.compared, |r| r.run.version);
    }
}

/// The version numbered `number` in `versions` (a draft's list, or a copy of it such as the
/// shell's `DraftHandle::versions`); `None` when there is none.
pub fn find_version(versions: &[Version], number: u32) -> Option<&Version> {
    versions.iter().find(|v| v.number == number)
}

impl Draft {
    /// The name the page shows for this draft: its name, else (no version made yet, nothing
    /// typed as a name) its idea's first words ([`short_name`]), else "Untitled prompt".
    /// Helper-54/56: drafts with an idea were all "Untitled prompt", and a copy of one was named
    /// " (copy)".
    pub fn display_name(&self) -> String {
        // "…" alone was given by an earlier `short_name` to an idea that is one long word: the
        // idea names such a draft now.
        if self.name.trim().is_empty() || self.name == "\u{2026}" {
            short_name(&self.idea.idea)
        } else {
            shown_name(&self.name)
        }
    }

    pub fn current_version(&self) -> Option<&Version> {
        self.version(self.current)
    }

    pub fn version(&self, number: u32) -> Option<&Version> {
        find_version(&self.versions, number)
    }

    pub fn current_spec(&self) -> Option<&PromptSpec> {
        self.current_version().map(|v| &v.spec)
    }

    /// Adds a version made from the current one and makes it current; returns its number.
    /// A change that leaves the prompt as it was adds nothing.
    pub fn commit(&mut self, spec: PromptSpec, origin: Origin, now_ms: f64) -> u32 {
        let parent = self.current;
        self.commit_from(spec, origin, parent, now_ms)
    }

    /// [`Draft::commit`] with the version it was made from given (an accepted optimizer
    /// candidate comes from the version the loop started on, whichever is current now); a
    /// `parent` that is not a version of the draft is recorded as none.
    pub fn commit_from(
        &mut self,
        spec: PromptSpec,
        origin: Origin,
        parent: u32,
        now_ms: f64,
    ) -> u32 {
        if self.current_spec() == Some(&spec) {
            return self.current;
        }
        let number = self.next_version_number();
        let parent = self
            .versions
            .iter()
            .any(|v| v.number == parent)
            .then_some(parent);
        self.versions.push(Version {
            number,
            parent,
            origin,
            spec,
            created_ms: now_ms,
            cut: None,
            broke: false,
            stopped: false,
        });
        self.current = number;
        if self.name.trim().is_empty() {
            self.name = short_name(&self.idea.idea);
        }
        number
    }

    /// The number a new version gets: past every number the draft's records name (its
    /// versions, its runs on every model, the version an optimization loop started from), so a result or a
    /// loop whose version was lost (a damaged record) is never shown under a new prompt.
    fn next_version_number(&self) -> u32 {
        let runs = self
            .runs
            .iter()
            .chain(self.compared.iter().map(|m| &m.run))
            .map(|r| r.version);
        let started = self.optimizer.iter().map(|o| o.from_version);
        self.versions
            .iter()
            .map(|v| v.number)
            .chain(runs)
            .chain(started)
            .max()
            .unwrap_or(0)
            + 1
    }

    /// [`commit`](Self::commit) for a prompt read from a reply: `cut` names the section the reply
    /// ended inside (kept on the new version, so the page marks it unfinished), and `broke` says
    /// its JSON broke there (a syntax error) rather than ending; `stopped` that reading stopped
    /// at a break (see [`Version::stopped`]). A whole reply to a generation or an adaptation
    /// (nothing cut) that gives the prompt of the current version, one marked incomplete,
    /// makes that version whole (its origin and marks the reply's): the text is proven whole
    /// (tryout 104: a generation whose whole reply had arrived, its stream still open, was kept
    /// as incomplete by the page's unload, and the reload that read the reply whole made no
    /// new version, the incomplete one staying current).
    pub fn commit_reply(
        &mut self,
        spec: PromptSpec,
        origin: Origin,
        cut: Option<Section>,
        (broke, stopped): (bool, bool),
        now_ms: f64,
    ) -> u32 {
        let before = self.current;
        // Only a whole prompt's reply proves it whole: a paste may be cut, a rewrite is one
        // section (the review).
        let whole = matches!(origin, Origin::Generated { .. } | Origin::Adapted { .. });
        let number = self.commit(spec, origin.clone(), now_ms);
        let Some(v) = self.versions.iter_mut().find(|v| v.number == number) else {
            return number;
        };
        if number != before {
            v.cut = cut;
            v.broke = broke && cut.is_some();
            v.stopped = stopped;
        } else if whole && cut.is_none() && !stopped && matches!(v.origin, Origin::Partial { .. }) {
            v.origin = origin;
            v.cut = cut;
            v.broke = broke && cut.is_some();
            v.stopped = stopped;
        }
        number
    }

    /// Sets the idea as typed. A name the app gave from the idea before ([`short_name`] of it)
    /// follows the new idea; a name the person chose stays (tryout 11, m1: after Generate from a
    /// new idea the draft kept the first idea's name in Drafts, links and exports).
    pub fn set_idea(&mut self, idea: String) {
        if !self.name.is_empty()
            && (self.name == short_name(&self.idea.idea) || self.name == "\u{2026}")
        {
            self.name = short_name(&idea);
        }
        self.idea.idea = idea;
    }

    /// Replaces the current version's prompt in place while a person is still typing in one
    /// section: allowed only when that version is a hand edit of the same section (made by this
    /// typing) and has no run yet, so no result ever describes another text. Typing that brings
    /// the text back to the version it was made from (the newest version, no loop started from
    /// it) drops the version and makes that one current again: an edit undone is no version
    /// (tryout 11, m3: "Persona edited by hand" that Compare showed as "No differences").
    /// Returns whether it did either; otherwise the caller commits a new version.
    pub fn amend_typing(&mut self, section: Section, spec: PromptSpec) -> bool {
        let current = self.current;
        if self.run_of(current).is_some() {
            return false;
        }
        let Some(at) = self.versions.iter().position(|v| v.number == current) else {
            return false;
        };
        if self.versions[at].origin != (Origin::Edited { section }) {
            return false;
        }
        let parent = self.versions[at].parent;
        let undone = at + 1 == self.versions.len()
            && !self
                .optimizer
                .as_ref()
                .is_some_and(|o| o.from_version == current)
            && parent.is_some_and(|p| self.version(p).is_some_and(|v| v.spec == spec));
        match parent {
            Some(p) if undone => {
                self.versions.remove(at);
                self.current = p;
            }
            _ => self.versions[at].spec = spec,
        }
        true
    }

    /// Makes an earlier version current again (by adding nothing: history stays as it is).
    pub fn restore(&mut self, number: u32) -> bool {
        if self.version(number).is_some() {
            self.current = number;
            true
        } else {
            false
        }
    }

    /// Whether an optimization loop is under way and not paused (it spends when the page runs it).
    pub fn loop_running(&self) -> bool {
        self.optimizer
            .as_ref()
            .is_some_and(|o| o.stop.is_none() && !o.paused)
    }

    /// Pauses an optimization loop that is under way, so a copied, imported or received draft
    /// spends nothing until the person presses Resume. Returns whether a loop was paused.
    pub fn pause_loop(&mut self) -> bool {
        match &mut self.optimizer {
            Some(o) if o.stop.is_none() && !o.paused => {
                o.paused = true;
                true
            }
            _ => false,
        }
    }

    /// Readies this draft as a copy of another (Duplicate, Keep both, an import or a received
    /// link): its optimization loop arrives paused ([`Self::pause_loop`]), the loop calls the
    /// source had under way are not the copy's (released uncharged,
    /// `Optimizer::release_in_flight_for_copy`: session 37, a copy made while the loop ran said
    /// "The reload cut off 2 calls" and charged them again), and stopped reflections say they
    /// stopped before the copy ([`Self::reword_stops_for_copy`]).
    pub fn arrive_as_copy(&mut self) {
        self.pause_loop();
        if let Some(o) = self.optimizer.as_mut() {
            o.release_in_flight_for_copy();
        }
        self.reword_stops_for_copy();
        // Calls of a run stopped in the source (cut by leaving it, or cancelled after their
        // request went out) are counted there: in the copy they read as stopped before the
        // copy was made, with no estimate of their own (tryout 78, 2: a copy said its calls may
        // be billed and counted them a second time).
        for c in self.runs.iter_mut().flat_map(|r| r.cases.values_mut()) {
            let stopped = matches!(c.status, Status::Cancelled | Status::Running)
                && (c.cut_by.is_some() || (c.tokens_estimated && c.input_tokens > 0));
            if stopped {
                c.cut_by = Some(Leaving::Copied);
                c.input_tokens = 0;
                c.output_tokens = 0;
                c.tokens_estimated = false;
                c.cost_usd = None;
            }
            if c.rerun_cancelled.is_some()
                && (c.cut_by.is_some() || c.rerun_cancelled_spent.is_some())
            {
                c.cut_by = Some(Leaving::Copied);
                c.rerun_cancelled_spent = None;
            }
        }
    }

    /// Every result of every run: the execution model's, then the comparison models'.
    fn results_mut(&mut self) -> impl Iterator<Item = &mut crate::domain::eval::run::CaseRun> {
        self.runs
            .iter_mut()
            .chain(self.compared.iter_mut().map(|m| &mut m.run))
            .flat_map(|r| r.cases.values_mut())
    }

    /// A draft from outside this browser (a received link, an imported file): each result's
    /// cost is its tokens at this page's list price for the model recorded with it
    /// ([`ModelUsed::cost`](crate::domain::eval::run::ModelUsed::cost); none when no model is
    /// recorded or it has no list price), as the Results line prices them, never the figure the
    /// sender's file or link carried (tryout 99: Compare models showed a link's "$-5.0" beside
    /// "$3,000.00" on Results for the same answers, and a cost check read the link's figure).
    /// Returns how many figures changed.
    pub fn price_here(&mut self) -> usize {
        let mut changed = 0;
        for c in self.results_mut() {
            let here = c
                .exec_model
                .as_ref()
                .and_then(|m| m.cost(c.input_tokens, c.output_tokens));
            if here != c.cost_usd {
                c.cost_usd = here;
                changed += 1;
            }
        }
        changed
    }

    /// A draft from outside this browser (a received link, an imported file): every result in
    /// it is marked as having come with it ([`CaseRun::received`](crate::domain::eval::run::CaseRun::received)),
    /// its token counts being the link's or file's word. Returns how many were marked.
    pub fn results_received(&mut self) -> usize {
        let mut n = 0;
        for c in self.results_mut() {
            c.received = true;
            n += 1;
        }
        n
    }

    /// In a draft received by a link: every rating in it (of a run's answers, on the execution
    /// and comparison models, of a Reflexion final, of a rated answer a re-run replaced) is
    /// marked as the sender's ([`crate::domain::eval::rating::Rating::by_sender`]), so a saved
    /// copy says whose they are. Returns how many were marked.
    pub fn ratings_by_sender(&mut self) -> usize {
        let mut n = 0;
        for c in self.results_mut() {
            let ratings = c
                .rating
                .iter_mut()
                .chain(c.reflection.iter_mut().flat_map(|f| f.rating.iter_mut()))
                .chain(c.replaced_rating.iter_mut().map(|r| &mut r.rating));
            for r in ratings {
                r.by_sender = true;
                n += 1;
            }
        }
        n
    }

    /// In a copy of this draft (Duplicate, Keep both, an import or a received link): a
    /// reflection that leaving the source draft stopped says it stopped there, before the copy
    /// was made ([`reflect::STOPPED_BEFORE_COPY`](crate::domain::optimize::reflect)), not that
    /// a draft was opened or deleted, which never happened to the copy (helper-54). Retry works
    /// as before. Returns how many were reworded.
    pub fn reword_stops_for_copy(&mut self) -> usize {
        use crate::domain::optimize::reflect;
        let mut n = 0;
        for r in self
            .runs
            .iter_mut()
            .flat_map(|r| r.cases.values_mut())
            .filter_map(|c| c.reflection.as_mut())
        {
            let reworded = match r.error.as_deref() {
                Some(
                    reflect::LEFT_FOR_ANOTHER_DRAFT
                    | reflect::LEFT_WHEN_DELETED
                    | reflect::LEFT_WHEN_RELOADED,
                ) => reflect::STOPPED_BEFORE_COPY,
                Some(
                    reflect::LEFT_FOR_ANOTHER_DRAFT_AFTER_CRITIQUE
                    | reflect::LEFT_WHEN_DELETED_AFTER_CRITIQUE
                    | reflect::LEFT_WHEN_RELOADED_AFTER_CRITIQUE,
                ) => reflect::STOPPED_BEFORE_COPY_AFTER_CRITIQUE,
                _ => continue,
            };
            r.error = Some(reworded.to_owned());
            n += 1;
        }
        n
    }

    /// The latest run of a version.
    pub fn run_of(&self, version: u32) -> Option<&Run> {
        self.runs.iter().find(|r| r.version == version)
    }

    /// When the current version has no results but another version has: the newest such
    /// version and how many results it has (an answer or a failed call; a case waiting, going
    /// or cancelled is none), for Results to say where they are (tryout 9: after a hand edit
    /// every case read "not run", and the 7-minute run seemed gone; tryout 46: "303 results"
    /// counted cases not sent yet).
    pub fn results_elsewhere(&self) -> Option<(u32, usize)> {
        // A case being re-run counts with the answer it had ([`CaseRun::settled`]): tryout 64,
        // a re-run of version 6 read "Version 6 has no results yet" while its cases waited.
        let finished = |r: &crate::domain::eval::run::Run| {
            r.cases
                .values()
                .filter(|c| {
                    matches!(
                        c.settled().status,
                        crate::domain::eval::run::Status::Done
                            | crate::domain::eval::run::Status::Failed(_)
                    )
                })
                .count()
        };
        if self.run_of(self.current).is_some_and(|r| finished(r) > 0) {
            return None;
        }
        self.runs
            .iter()
            .filter(|r| r.version != self.current)
            .map(|r| (r.version, finished(r)))
            .filter(|(_, n)| *n > 0)
            .max_by_key(|(v, _)| *v)
    }

    /// How many of the draft's test cases have a result for the current version (an answer, or a
    /// failed call), what a shared draft's preview can show: results of cases no longer in the
    /// draft or of other versions, and calls still going or cancelled, do not count.
    pub fn cases_with_results(&self) -> usize {
        let Some(run) = self.run_of(self.current) else {
            return 0;
        };
        self.suite
            .cases
            .iter()
            .filter(|c| {
                run.cases.get(&c.id).is_some_and(|r| {
                    matches!(
                        r.status,
                        crate::domain::eval::run::Status::Done
                            | crate::domain::eval::run::Status::Failed(_)
                    )
                })
            })
            .count()
    }

    pub fn run_of_mut(&mut self, version: u32) -> Option<&mut Run> {
        self.runs.iter_mut().find(|r| r.version == version)
    }

    /// The latest run of a version on the comparison model `key`
    /// ([`grid::model_key`](crate::domain::eval::grid::model_key)); with an empty `key`, the
    /// execution model's run ([`Draft::run_of`]).
    pub fn run_on(&self, version: u32, key: &str) -> Option<&Run> {
        find_run(&self.runs, &self.compared, version, key)
    }

    /// [`Draft::run_on`], to change.
    pub fn run_on_mut(&mut self, version: u32, key: &str) -> Option<&mut Run> {
        find_run_mut(&mut self.runs, &mut self.compared, version, key)
    }

    /// The runs to change with the suite to read ([`RunsMut`]).
    pub fn runs_mut(&mut self) -> RunsMut<'_> {
        RunsMut {
            runs: &mut self.runs,
            compared: &mut self.compared,
            suite: &self.suite,
        }
    }

    /// Keeps `run` as the latest run of its version on the model `key` (empty: the execution
    /// model, [`Draft::put_run`]), replacing an earlier one.
    pub fn put_run_on(&mut self, key: &str, run: Run) {
        self.runs_mut().put_run_on(key, run);
    }

    /// Sets (`None`: clears) the person's rating of case `case`'s result in version `version`'s
    /// run, or of its Reflexion final answer (`final_answer`). `false` when there is no such
    /// output (the rating belongs to an output: none is kept without one).
    pub fn rate(
        &mut self,
        version: u32,
        case: u32,
        final_answer: bool,
        rating: Option<crate::domain::eval::rating::Rating>,
    ) -> bool {
        self.rate_on(version, "", case, final_answer, rating)
    }

    /// [`Draft::rate`] for the result on the model `key` ([`Draft::run_on`]: "" for the
    /// execution model, else a comparison model of the model grid).
    pub fn rate_on(
        &mut self,
        version: u32,
        key: &str,
        case: u32,
        final_answer: bool,
        rating: Option<crate::domain::eval::rating::Rating>,
    ) -> bool {
        let Some(cr) = self
            .run_on_mut(version, key)
            .and_then(|r| r.cases.get_mut(&case))
        else {
            return false;
        };
        if final_answer {
            match cr
                .reflection
                .as_mut()
                .filter(|r| !r.final_output.is_empty())
            {
                Some(r) => r.rating = rating,
                None => return false,
            }
        } else {
            cr.rating = rating;
        }
        true
    }

    /// Keeps `run` as the latest run of its version (replacing an earlier one).
    pub fn put_run(&mut self, run: Run) {
        self.runs_mut().put_run_on("", run);
    }

    /// Who made the current version's text: the reply it started from (model or paste) and the
    /// changes since (edits by hand, sections rewritten by a model), following the parents.
    /// `None` when there is no version.
    pub fn provenance(&self) -> Option<Provenance> {
        let mut edited = false;
        let mut rewriters: Vec<&str> = Vec::new();
        let mut at = self.current_version();
        let mut base = None;
        // Bounded by the number of versions: parents always have smaller numbers.
        for _ in 0..=self.versions.len() {
            let Some(v) = at else { break };
            match &v.origin {
                Origin::Edited { .. } => edited = true,
                Origin::Rewritten { model, .. } => {
                    if !rewriters.contains(&model.as_str()) {
                        rewriters.push(model);
                    }
                }
                other => {
                    base = Some(other);
                    break;
                }
            }
            at = v.parent.and_then(|p| self.version(p));
        }
        self.current_version()?;
        let (mut label, mut by_model) = match base {
            Some(Origin::Generated { model }) => (format!("Written by {model}"), true),
            Some(Origin::Adapted { model, .. }) => (format!("Adapted by {model}"), true),
            Some(Origin::Partial {
                model,
                adapting: None,
            }) => (format!("Incomplete, written by {model}"), true),
            Some(Origin::Partial {
                model,
                adapting: Some(_),
            }) => (format!("Incomplete, adapted by {model}"), true),
            Some(Origin::Optimized { .. }) => ("Written by the optimizer".to_owned(), true),
            Some(Origin::Pasted) if edited => ("Pasted and edited by you".to_owned(), false),
            Some(Origin::Pasted) => ("Pasted by you".to_owned(), false),
            // The chain of versions ends before the one it started from: a link shared without
            // its history (tryout 85: "Written by you, parts rewritten by gpt-4o" for a prompt
            // gpt-4o wrote).
            Some(_) => ("Written by you".to_owned(), false),
            None => {
                let mut done = Vec::new();
                if edited {
                    done.push("edited by hand".to_owned());
                }
                if !rewriters.is_empty() {
                    done.push(format!("parts rewritten by {}", rewriters.join(" and ")));
                }
                let done = done.join(", ");
                let mut first = done.chars();
                let done = first
                    .next()
                    .map(|c| c.to_uppercase().chain(first).collect::<String>())
                    .unwrap_or_default();
                let label = format!(
                    "{done}; who wrote the rest is not known (its earlier versions were not shared)"
                );
                return Some(Provenance {
                    label,
                    by_model: !rewriters.is_empty(),
                });
            }
        };
        if edited && !matches!(base, Some(Origin::Pasted)) {
            label.push_str(", edited by you");
        }
        if !rewriters.is_empty() {
            // The writer rewriting its own parts is said once (tryout 85: "Written by gpt-4o,
            // parts rewritten by gpt-4o").
            let same = matches!(base, Some(Origin::Generated { model } | Origin::Adapted { model, .. }) if rewriters == [model.as_str()]);
            if same {
                label.push_str(", parts rewritten by it");
            } else {
                label.push_str(&format!(", parts rewritten by {}", rewriters.join(" and ")));
            }
            by_model = true;
        }
        Some(Provenance { label, by_model })
    }

    /// What the current prompt still lacks that the reply it came from lacked too (see
    /// [`gaps`](crate::domain::meta::reply::gaps)): a gap filled since, by hand or by the model,
    /// is gone, and nothing removed by hand later is blamed on the reply.
    pub fn open_gaps(&self) -> Vec<Gap> {
        let Some((current, reply)) = self.reply_behind_current() else {
            return Vec::new();
        };
        let then = gaps(&reply.spec);
        // The section the reply ended inside, while its text is still the unfinished one.
        let cut = reply
            .cut
            .filter(|s| {
                current.spec.has(*s) && current.spec.section_text(*s) == reply.spec.section_text(*s)
            })
            .map(if reply.broke {
                Gap::Broken
            } else {
                Gap::CutOff
            });
        // A reading that stopped at a break did not see the sections after the last one read.
        let last_read = Section::ALL
            .into_iter()
            .rposition(|s| reply.spec.has(s) || reply.cut == Some(s));
        let after_last = |s: Section| {
            last_read.is_none_or(|i| Section::ALL.iter().position(|x| *x == s) > Some(i))
        };
        // A reply that ended early (cut off, or stopped by a reload or a dropped connection):
        // the sections after the last one read did not arrive (tryout 47: "The reply has no
        // Context" for a generation a reload cut off in Persona).
        let ended_early =
            matches!(reply.origin, Origin::Partial { .. }) || (reply.cut.is_some() && !reply.broke);
        // The section cut off or broken is named once, as unfinished: its other gaps (an example
        // with no output, too few examples) are the same cut (tryout 47: counted three times).
        let cut_section = cut.as_ref().map(Gap::section);
        let mut out = cut
            .into_iter()
            .chain(
                gaps(&current.spec)
                    .into_iter()
                    .filter(|g| then.contains(g))
                    .filter(|g| Some(g.section()) != cut_section)
                    .map(|g| match g {
                        Gap::Missing(s) if reply.stopped && after_last(s) => Gap::NotRead(s),
                        Gap::Missing(s) if ended_early && after_last(s) => Gap::NotArrived(s),
                        g => g,
                    }),
            )
            .collect::<Vec<_>>();
        // In the sections' order (helper 50: the cut section came first, before the sections
        // above it); within a section, as found.
        let at = |g: &Gap| Section::ALL.iter().position(|s| *s == g.section());
        crate::domain::order::sort_by_key(&mut out, at);
        out
    }

    /// The current version and the version read from a reply it descends from (through hand
    /// edits and one-section rewrites, not through an optimizer candidate); `None` when there is
    /// no such reply.
    fn reply_behind_current(&self) -> Option<(&Version, &Version)> {
        let current = self.current_version()?;
        let mut at = Some(current);
        for _ in 0..=self.versions.len() {
            let v = at?;
            if v.origin.from_reply() {
                return Some((current, v));
            }
            if matches!(v.origin, Origin::Optimized { .. }) {
                return None;
            }
            at = v.parent.and_then(|p| self.version(p));
        }
        None
    }

    /// The sections of the current prompt that a model wrote from the idea and that fail the
    /// draft check ([`quality::section_problems`]: a placeholder, a repeated line, or — for
    /// Persona, Context, Steps and Format — no content word shared with the idea), each with its
    /// sentence, in section order. Only while the section's text is still the reply's (an edit
    /// is the person's word); never for a pasted reply or a prompt without an idea. A check of
    /// words only: the page shows it as "check it", not as a verdict (tryout 9: a tiny-model
    /// draft about a bakery for an idea about meeting notes was shown unflagged).
    pub fn doubtful_sections(&self) -> Vec<(Section, String)> {
        let idea = self.idea.idea.trim();
        let Some((current, reply)) = self.reply_behind_current() else {
            return Vec::new();
        };
        // A pasted reply is the person's word (a pasted adaptation too).
        let pasted = match &reply.origin {
            Origin::Pasted => true,
            Origin::Adapted { model, .. } => model == PASTED_BY,
            _ => false,
        };
        if idea.is_empty() || pasted {
            return Vec::new();
        }
        let topic = quality::content_stems(idea);
        let none = crate::domain::sorted::SortedSet::new();
        let text = |spec: &PromptSpec, s: Section| match s {
            Section::Steps => spec.steps.join("\n"),
            Section::Examples => quality::examples_text(&spec.examples),
            _ => spec.section_text(s),
        };
        Section::ALL
            .into_iter()
            .filter(|s| current.spec.has(*s) && text(&current.spec, *s) == text(&reply.spec, *s))
            // The section the reply ended inside is named as unfinished ([`Draft::open_gaps`]),
            // not judged on a fragment (helper-58: "Steps uses no word of your idea" for the
            // first words of a step a reload cut off).
            .filter(|s| reply.cut != Some(*s))
            .flat_map(|s| {
                // Examples may be off the topic on purpose (an edge case, an empty input).
                let words = if s == Section::Examples {
                    &none
                } else {
                    &topic
                };
                quality::section_problems(idea, words, s, &text(&current.spec, s))
                    .into_iter()
                    .map(move |p| (s, p))
            })
            .collect()
    }

    /// The current prompt as text.
    pub fn rendered(&self) -> String {
        self.current_spec()
            .map(|s| s.render(self.style))
            .unwrap_or_default()
    }
}

/// A name for a draft that joins a list already holding the names `taken`: `wanted` when no
/// draft has it, else `wanted (mark)`, `wanted (mark 2)`, `wanted (mark 3)`… — the first one
/// free. `always`: the mark is added even when `wanted` is free (a copy is always named one).
pub fn fresh_name(wanted: &str, mark: &str, always: bool, taken: &[String]) -> String {
    let free = |n: &String| !taken.contains(n);
    let plain = wanted.to_owned();
    if !always && free(&plain) {
        return plain;
    }
    (1..)
        .map(|i| match i {
            1 => format!("{wanted} ({mark})"),
            i => format!("{wanted} ({mark} {i})"),
        })
        .find(free)
        .unwrap_or(plain)
}

/// The name of a copy of a draft named `name` in a list holding `taken`: "X (copy)", then
/// "X (copy 2)"…; a copy of a copy counts on from its original's name ("X (copy)" gives
/// "X (copy 3)" when 1 and 2 exist), never "X (copy) (copy)".
pub fn copy_name(name: &str, taken: &[String]) -> String {
    let base = name
        .strip_suffix(')')
        .and_then(|n| n.rsplit_once(" (copy"))
        .filter(|(_, n)| {
            n.is_empty() || (n.starts_with(' ') && n.trim_start().parse::<u32>().is_ok())
        })
        .map_or(name, |(base, _)| base);
    fresh_name(base, "copy", true, taken)
}

/// A draft name from its idea: the first words, at most ~40 characters. A word too long to fit
/// whole fills what is left, unless it holds a digit (an API key, an id or an address, of which
/// a piece would go wherever the name goes: the drafts list, a link, a file's name; the
/// person's keys are taken out of those whole, [`crate::domain::secrets::redact`], not a
/// piece): that word is left out and the words after it read on.
pub fn short_name(idea: &str) -> String {
    let mut out = String::new();
    for w in idea.split_whitespace() {
        let had = out.chars().count();
        if had + w.chars().count() > 40 {
            // A key pasted into the idea (a long run with a digit) is left out, and the words
            // after it read on (session 52's notes; the review: an idea starting with a long
            // address was named "…" again, helper-60's fault).
            if w.chars().any(|c| c.is_ascii_digit()) {
                continue;
            }
            // A word too long to fit whole (a language written without spaces, a pasted run of
            // characters) fills what is left of a short name (helper-60: the name was "…").
            if had < 20 {
                if had > 0 {
                    out.push(' ');
                }
                out.extend(w.chars().take(40 - out.chars().count()));
            }
            out.push('…');
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    if out.is_empty() {
        "Untitled prompt".to_owned()
    } else {
        out
    }
}

/// A file name stem from a draft name: its letters and digits (lower-cased, every script's
/// capitals too: tryout 88's "Ünïcödé" kept its "Ü"), the rest as single dashes, at most
/// [`FILE_STEM_MAX`] characters cut after a whole word (a first word longer than that is cut);
/// "prompt" when nothing is left. E.g. "Turn a recipe into a shopping list!" ->
/// "turn-a-recipe-into-a-shopping-list". Tryout 87: a long name was cut in the middle of a
/// word ("…-quan").
pub fn file_stem(name: &str) -> String {
    let mut lowered = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_alphanumeric() {
            lowered.extend(c.to_lowercase());
        } else {
            lowered.push('-');
        }
    }
    let mut stem = String::new();
    for word in lowered.split('-').filter(|p| !p.is_empty()) {
        let room = FILE_STEM_MAX - stem.chars().count();
        let dash = usize::from(!stem.is_empty());
        if word.chars().count() + dash > room {
            if stem.is_empty() {
                stem = word.chars().take(FILE_STEM_MAX).collect();
            }
            break;
        }
        if dash == 1 {
            stem.push('-');
        }
        stem.push_str(word);
    }
    if stem.is_empty() {
        "prompt".to_owned()
    } else {
        stem
    }
}

/// The most characters of a [`file_stem`].
pub const FILE_STEM_MAX: usize = 48;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_names_never_repeat_a_name_in_the_list() {
        let taken: Vec<String> = ["Shopping list", "Shopping list (copy)", "Notes"]
            .map(String::from)
            .to_vec();
        assert_eq!(fresh_name("Menu", "shared", false, &taken), "Menu");
        assert_eq!(
            fresh_name("Shopping list", "shared", false, &taken),
            "Shopping list (shared)"
        );
        assert_eq!(
            fresh_name("Shopping list", "copy", true, &taken),
            "Shopping list (copy 2)"
        );
        assert_eq!(fresh_name("Notes", "copy", true, &taken), "Notes (copy)");
        // Tryout 74: a copy of a copy was "X (copy) (copy)".
        assert_eq!(
            copy_name("Shopping list (copy)", &taken),
            "Shopping list (copy 2)"
        );
        assert_eq!(copy_name("Shopping list", &taken), "Shopping list (copy 2)");
        assert_eq!(copy_name("Notes (copy 7)", &taken), "Notes (copy)");
        assert_eq!(copy_name("A (copyist)", &taken), "A (copyist) (copy)");
        assert_eq!(copy_name("B (copy x)", &taken), "B (copy x) (copy)");
        let mut more = taken.clone();
        more.push("Shopping list (copy 2)".into());
        assert_eq!(
            fresh_name("Shopping list", "copy", true, &more),
            "Shopping list (copy 3)"
        );
    }

    /// Helper-54: a copy made while Reflexion ran said "Stopped when another draft was opened",
    /// which never happened to the copy; other notes stay as they were.
    #[test]
    fn a_copy_says_its_reflections_stopped_in_the_draft_it_was_copied_from() {
        use crate::domain::eval::run::{CaseRun, Reflection, Run};
        use crate::domain::optimize::reflect;
        let with = |error: &str| CaseRun {
            reflection: Some(Reflection {
                error: Some(error.to_owned()),
                ..Reflection::default()
            }),
            ..CaseRun::default()
        };
        let mut d = Draft::default();
        let mut run = Run::default();
        run.cases.insert(1, with(reflect::LEFT_FOR_ANOTHER_DRAFT));
        run.cases.insert(2, with(reflect::LEFT_WHEN_DELETED));
        run.cases.insert(3, with("The final answer failed: 500"));
        run.cases
            .insert(4, with(reflect::LEFT_WHEN_RELOADED_AFTER_CRITIQUE));
        d.runs.push(run);
        assert_eq!(d.reword_stops_for_copy(), 3);
        let errors: Vec<Option<String>> = d.runs[0]
            .cases
            .values()
            .map(|c| c.reflection.as_ref().and_then(|r| r.error.clone()))
            .collect();
        assert_eq!(
            errors,
            [
                Some(reflect::STOPPED_BEFORE_COPY.to_owned()),
                Some(reflect::STOPPED_BEFORE_COPY.to_owned()),
                Some("The final answer failed: 500".to_owned()),
                // Stopped after its critique: the copy's Retry still keeps that critique.
                Some(reflect::STOPPED_BEFORE_COPY_AFTER_CRITIQUE.to_owned()),
            ]
        );
    }

    fn spec(p: &str) -> PromptSpec {
        PromptSpec {
            persona: p.into(),
            ..Default::default()
        }
    }

    // Tryout 8: a candidate accepted while another version was current was recorded as made
    // from that version, so its diff and its "57 → 90" referred to different versions.
    #[test]
    fn an_accepted_candidate_records_the_version_it_came_from() {
        let mut d = Draft::default();
        d.commit(spec("A"), Origin::Generated { model: "m".into() }, 1.0);
        let opt = || Origin::Optimized {
            what: "round 1".into(),
        };
        assert_eq!(d.commit_from(spec("B"), opt(), 1, 2.0), 2);
        assert_eq!(d.commit_from(spec("C"), opt(), 1, 3.0), 3);
        assert_eq!(
            d.versions[2].parent,
            Some(1),
            "from the loop's start, not version 2"
        );
        assert_eq!(d.commit_from(spec("D"), opt(), 99, 4.0), 4);
        assert_eq!(d.versions[3].parent, None, "not a version of the draft");
    }

    // Tryout 9: after a hand edit every case read "not run" and nothing said where the
    // results were.
    #[test]
    fn results_of_another_version_are_named_while_the_current_one_has_none() {
        use crate::domain::eval::run::{CaseRun, Run, Status};
        let mut d = Draft::default();
        d.commit(spec("A"), Origin::Generated { model: "m".into() }, 1.0);
        assert_eq!(d.results_elsewhere(), None);
        let mut run = Run {
            version: 1,
            ..Default::default()
        };
        let with = |status| CaseRun {
            status,
            ..Default::default()
        };
        run.cases.insert(1, with(Status::Done));
        run.cases.insert(2, with(Status::Failed("HTTP 500".into())));
        // Tryout 46: cases waiting, going or cancelled were counted as results.
        run.cases.insert(3, with(Status::Queued));
        run.cases.insert(4, with(Status::Running));
        run.cases.insert(5, with(Status::Cancelled));
        d.runs.push(run);
        assert_eq!(d.results_elsewhere(), None, "the current version has them");
        d.commit(
            spec("B"),
            Origin::Edited {
                section: Section::Persona,
            },
            2.0,
        );
        assert_eq!(d.results_elsewhere(), Some((1, 2)));
        // An empty run of the current version is no results either, nor one still waiting.
        let mut waiting = Run {
            version: 2,
            ..Default::default()
        };
        waiting.cases.insert(1, with(Status::Queued));
        d.runs.push(waiting);
        assert_eq!(d.results_elsewhere(), Some((1, 2)));
        // Tryout 64: the current version run again, its cases waiting with the answers they
        // had: it has results (not "Version 2 has no results yet").
        let rerun = |status| CaseRun {
            earlier: Some(Box::new(with(Status::Done))),
            ..with(status)
        };
        let run2 = d.run_of_mut(2).unwrap();
        run2.cases.insert(1, rerun(Status::Queued));
        run2.cases.insert(2, rerun(Status::Running));
        assert_eq!(d.results_elsewhere(), None);
    }

    #[test]
    fn versions_chain_and_never_change() {
        let mut d = Draft {
            idea: IdeaInput {
                idea: "a bot that pulls action items out of long meeting notes quickly".into(),
                ..Default::default()
            },
            ..Default::default()
        };
        assert_eq!(
            d.commit(spec("A"), Origin::Generated { model: "m".into() }, 1.0),
            1
        );
        assert_eq!(d.name, "a bot that pulls action items out of long…");
        assert_eq!(
            d.commit(
                spec("A"),
                Origin::Edited {
                    section: Section::Persona
                },
                2.0
            ),
            1,
            "no-op edit adds nothing"
        );
        assert_eq!(
            d.commit(
                spec("B"),
                Origin::Edited {
                    section: Section::Persona
                },
                3.0
            ),
            2
        );
        assert_eq!(d.version(2).unwrap().parent, Some(1));
        assert!(d.restore(1));
        assert_eq!(d.commit(spec("C"), Origin::Pasted, 4.0), 3);
        assert_eq!(
            d.version(3).unwrap().parent,
            Some(1),
            "branches from the restored version"
        );
        assert_eq!(d.versions.len(), 3);
        assert!(!d.restore(9));
        assert_eq!(
            Origin::Edited {
                section: Section::Steps
            }
            .describe(),
            "Steps edited by hand"
        );
        // Tryout 84: a 66 KB instruction with a U+202E made a title 58,000 characters long,
        // read backwards.
        let long = Origin::Rewritten {
            section: Section::Persona,
            instruction: format!("\u{202E}{}", "Make it shorter. ".repeat(4_000)),
            model: "m".into(),
        }
        .describe();
        assert!(
            long.starts_with("Persona rewritten by m: \u{201c}Make it shorter."),
            "{long}"
        );
        assert!(
            long.ends_with("… [cut]\u{201d}") && long.chars().count() < 260,
            "{long}"
        );
    }

    fn label(d: &Draft) -> String {
        d.provenance().unwrap().label
    }

    #[test]
    fn the_label_says_who_made_the_text() {
        // Regression (issue 13): a pasted prompt was labelled "Written by the model".
        let mut d = Draft::default();
        assert_eq!(d.provenance(), None);
        d.commit(spec("A"), Origin::Pasted, 1.0);
        assert_eq!(
            d.provenance(),
            Some(Provenance {
                label: "Pasted by you".into(),
                by_model: false
            })
        );
        let edit = Origin::Edited {
            section: Section::Persona,
        };
        d.commit(spec("B"), edit.clone(), 2.0);
        assert_eq!(label(&d), "Pasted and edited by you");
        d.commit(
            spec("C"),
            Origin::Rewritten {
                section: Section::Persona,
                instruction: "shorter".into(),
                model: "m2".into(),
            },
            3.0,
        );
        assert_eq!(label(&d), "Pasted and edited by you, parts rewritten by m2");
        assert!(d.provenance().unwrap().by_model);
        d.commit(
            spec("D"),
            Origin::Generated {
                model: "gpt-x".into(),
            },
            4.0,
        );
        assert_eq!(
            d.provenance(),
            Some(Provenance {
                label: "Written by gpt-x".into(),
                by_model: true
            })
        );
        d.commit(spec("E"), edit, 5.0);
        assert_eq!(label(&d), "Written by gpt-x, edited by you");
        assert!(d.restore(1));
        assert_eq!(label(&d), "Pasted by you", "follows the current version");
        d.commit(
            spec("F"),
            Origin::Partial {
                model: "small".into(),
                adapting: None,
            },
            6.0,
        );
        assert_eq!(label(&d), "Incomplete, written by small");
        // Helper-56: a stopped adaptation read "generation" in the history.
        let stopped = Origin::Partial {
            model: "small".into(),
            adapting: Some(ModelFamily::Claude),
        };
        d.commit(spec("G"), stopped.clone(), 7.0);
        assert_eq!(label(&d), "Incomplete, adapted by small");
        assert_eq!(
            stopped.describe(),
            "Incomplete: adaptation for Anthropic Claude by small did not finish"
        );
    }

    // Tryout 85: a link shared without its history carries the current version alone; saved,
    // it read "Written by you, parts rewritten by gpt-4o" for a prompt gpt-4o wrote, and the
    // sender's read "Written by gpt-4o, parts rewritten by gpt-4o".
    #[test]
    fn a_label_says_what_it_cannot_know_and_names_a_model_once() {
        let mut d = Draft::default();
        d.commit(
            spec("A"),
            Origin::Generated {
                model: "gpt-4o".into(),
            },
            1.0,
        );
        d.commit(
            spec("B"),
            Origin::Rewritten {
                section: Section::Persona,
                instruction: "shorter".into(),
                model: "gpt-4o".into(),
            },
            2.0,
        );
        assert_eq!(label(&d), "Written by gpt-4o, parts rewritten by it");
        d.versions.retain(|v| v.number == 2);
        assert_eq!(
            d.provenance(),
            Some(Provenance {
                label: "Parts rewritten by gpt-4o; who wrote the rest is not known (its earlier versions were not shared)".into(),
                by_model: true
            })
        );
    }

    // Bug (first-hour tryout): a reply cut off in its Persona became a finished Persona.
    #[test]
    fn a_section_cut_off_in_its_reply_is_a_gap_until_its_text_changes() {
        let mut d = Draft::default();
        let cut = PromptSpec {
            persona: "You are".into(),
            ..Default::default()
        };
        d.commit_reply(
            cut.clone(),
            Origin::Pasted,
            Some(Section::Persona),
            (false, false),
            1.0,
        );
        let gaps = d.open_gaps();
        assert_eq!(gaps[0], Gap::CutOff(Section::Persona));
        // The sections after it never arrived (tryout 47: "The reply has no Context").
        assert!(gaps.contains(&Gap::NotArrived(Section::Context)));
        assert_eq!(
            Gap::NotArrived(Section::Context).message(),
            "Context did not arrive: the reply ended before it"
        );
        // Another section edited: the Persona is still the unfinished one.
        let mut edited = cut.clone();
        edited.context = "Recipes arrive as text.".into();
        d.commit(
            edited.clone(),
            Origin::Edited {
                section: Section::Context,
            },
            2.0,
        );
        assert_eq!(d.open_gaps()[0], Gap::CutOff(Section::Persona));
        // The Persona finished by hand: no longer cut off.
        edited.persona = "You are a careful planner.".into();
        d.commit(
            edited,
            Origin::Edited {
                section: Section::Persona,
            },
            3.0,
        );
        assert!(!d.open_gaps().contains(&Gap::CutOff(Section::Persona)));
        // The mark survives storage and links.
        let mut d2 = Draft::default();
        d2.commit_reply(
            cut,
            Origin::Pasted,
            Some(Section::Persona),
            (false, false),
            1.0,
        );
        let back = crate::domain::wire::DraftV1::from_draft(&d2, crate::domain::wire::Include::ALL)
            .into_salvaged()
            .draft;
        assert_eq!(back.open_gaps()[0], Gap::CutOff(Section::Persona));
        let link = crate::domain::share::encode(
            &d2,
            crate::domain::wire::Include {
                history: false,
                cases: false,
                results: false,
            },
        )
        .unwrap();
        let back = crate::domain::share::decode(&link).unwrap();
        assert_eq!(back.open_gaps()[0], Gap::CutOff(Section::Persona));
    }

    // Tryout 3: a reply whose JSON broke inside Steps was listed as "cut off in the middle of
    // Steps". A break is named as a break, in the page, in storage and in links.
    #[test]
    fn a_section_its_reply_broke_in_is_named_as_broken_everywhere() {
        let mut d = Draft::default();
        let spec = PromptSpec {
            persona: "You are a meeting assistant.".into(),
            steps: vec!["Read".into()],
            ..Default::default()
        };
        d.commit_reply(
            spec,
            Origin::Pasted,
            Some(Section::Steps),
            (true, true),
            1.0,
        );
        // In the sections' order: Context (missing) comes before Steps (broken).
        assert_eq!(d.open_gaps()[1], Gap::Broken(Section::Steps));
        assert_eq!(
            d.open_gaps()[1].message(),
            "Steps may be incomplete or misread: the reply's JSON has a mistake inside it"
        );
        let stored = serde_json::to_string(&crate::domain::wire::DraftV1::from_draft(
            &d,
            crate::domain::wire::Include::ALL,
        ))
        .unwrap();
        assert!(stored.contains(r#""broke":true"#), "{stored}");
        let back: crate::domain::wire::DraftV1 = serde_json::from_str(&stored).unwrap();
        assert_eq!(
            back.into_salvaged().draft.open_gaps()[1],
            Gap::Broken(Section::Steps)
        );
        let link = crate::domain::share::encode(&d, crate::domain::wire::Include::ALL).unwrap();
        let back = crate::domain::share::decode(&link).unwrap();
        assert_eq!(back.open_gaps()[1], Gap::Broken(Section::Steps));
        // Without a section there is nothing to call broken.
        let mut d = Draft::default();
        d.commit_reply(
            PromptSpec::default(),
            Origin::Pasted,
            None,
            (true, true),
            1.0,
        );
        assert!(!d.versions.iter().any(|v| v.broke));
    }

    // Tryout 104: the page's unload kept a whole reply as incomplete (its stream still open),
    // and the reload, reading it whole, made no new version: the incomplete one stayed current.
    #[test]
    fn a_whole_reply_of_the_current_incomplete_prompt_makes_it_whole() {
        let spec = PromptSpec {
            persona: "You are a meeting assistant.".into(),
            ..PromptSpec::default()
        };
        let partial = Origin::Partial {
            model: "m".into(),
            adapting: None,
        };
        let generated = Origin::Generated { model: "m".into() };
        let mut d = Draft::default();
        d.commit_reply(
            spec.clone(),
            partial.clone(),
            Some(Section::Persona),
            (false, true),
            1.0,
        );
        assert_eq!(
            d.commit_reply(spec.clone(), generated.clone(), None, (false, false), 2.0),
            1
        );
        let v = d.current_version().unwrap();
        assert_eq!((&v.origin, v.cut, v.stopped), (&generated, None, false));
        assert_eq!(d.versions.len(), 1);
        // An incomplete reply of the same prompt changes nothing; nor does a whole one of a
        // version that is not marked incomplete.
        d.commit_reply(
            spec.clone(),
            partial.clone(),
            Some(Section::Persona),
            (false, true),
            3.0,
        );
        assert_eq!(d.current_version().unwrap().origin, generated);
        d.commit_reply(spec.clone(), Origin::Pasted, None, (false, false), 4.0);
        assert_eq!(d.current_version().unwrap().origin, generated);
        // A paste or a section's rewrite proves nothing whole (the review).
        let mut e = Draft::default();
        e.commit_reply(
            spec.clone(),
            partial.clone(),
            Some(Section::Persona),
            (false, true),
            1.0,
        );
        e.commit_reply(spec.clone(), Origin::Pasted, None, (false, false), 2.0);
        e.commit_reply(
            spec,
            Origin::Rewritten {
                section: Section::Persona,
                instruction: "x".into(),
                model: "m".into(),
            },
            None,
            (false, false),
            3.0,
        );
        let v = e.current_version().unwrap();
        assert_eq!((&v.origin, v.cut), (&partial, Some(Section::Persona)));
    }

    // Tryout 46: a stray word between Persona and Context stopped the reading there, and the
    // page said "The reply has no Context" (and Steps, Format, Examples) though all were in it.
    #[test]
    fn sections_after_a_break_are_not_read_rather_than_missing_everywhere() {
        let text = r#"{"persona": "You are a meeting assistant." oops "context": "Notes arrive as text.", "steps": ["Read", "List", "Check"], "format": "A list", "examples": []}"#;
        let reading = crate::domain::meta::reply::read_spec(text, false).unwrap();
        let mut d = Draft::default();
        d.commit_reply(
            reading.spec.clone(),
            Origin::Pasted,
            reading.cut,
            reading.marks(),
            1.0,
        );
        let gaps = d.open_gaps();
        assert_eq!(
            gaps,
            [
                Gap::NotRead(Section::Context),
                Gap::NotRead(Section::Steps),
                Gap::NotRead(Section::Format),
                Gap::NotRead(Section::Examples)
            ]
        );
        assert_eq!(
            gaps[0].message(),
            "Context was not read: the reply's JSON breaks before it, and nothing after the break was read"
        );
        assert_eq!(
            crate::domain::meta::reply::gaps_summary(&gaps).as_deref(),
            Some("4 parts were not read")
        );
        // Kept in storage and in links.
        let stored = serde_json::to_string(&crate::domain::wire::DraftV1::from_draft(
            &d,
            crate::domain::wire::Include::ALL,
        ))
        .unwrap();
        let back: crate::domain::wire::DraftV1 = serde_json::from_str(&stored).unwrap();
        assert_eq!(back.into_salvaged().draft.open_gaps(), gaps);
        let link = crate::domain::share::encode(&d, crate::domain::wire::Include::ALL).unwrap();
        assert_eq!(
            crate::domain::share::decode(&link).unwrap().open_gaps(),
            gaps
        );
        // A section absent before the last one read is missing, not unread; one read past (a
        // mistake the reader went on after) leaves the rest missing when they are absent.
        let text = r#"{"persona": "You are a meeting assistant.", "steps": ["Read", "List", "Check"] x "format": "A list"}"#;
        let reading = crate::domain::meta::reply::read_spec(text, false).unwrap();
        let mut d = Draft::default();
        let marks = reading.marks();
        d.commit_reply(reading.spec, Origin::Pasted, reading.cut, marks, 1.0);
        assert_eq!(
            d.open_gaps(),
            [
                Gap::Missing(Section::Context),
                Gap::NotRead(Section::Format),
                Gap::NotRead(Section::Examples)
            ]
        );
        let whole = r#"{"persona": "You are a meeting assistant.", "steps": ["Read", "List", "Check"], "format": "A list"}"#;
        let reading = crate::domain::meta::reply::read_spec(whole, false).unwrap();
        assert_eq!(reading.marks(), (false, false));
        let mut d = Draft::default();
        let marks = reading.marks();
        d.commit_reply(reading.spec, Origin::Pasted, reading.cut, marks, 1.0);
        assert_eq!(
            d.open_gaps(),
            [
                Gap::Missing(Section::Context),
                Gap::Missing(Section::Examples)
            ]
        );
    }

    // Tryout 47: a reply with no Format, cut off inside its second example, read "1 part is
    // unfinished and 3 are missing": example 2's output and the example count are the same cut.
    #[test]
    fn a_section_cut_off_is_named_once() {
        let text = r#"{"persona": "You are a meeting assistant.", "context": "Notes arrive as text.", "steps": ["Read", "List", "Check"], "examples": [{"input": "Ana sends the deck", "output": "- Ana: deck"}, {"input": "Bob books"#;
        let reading = crate::domain::meta::reply::read_spec(text, false).unwrap();
        let marks = reading.marks();
        let mut d = Draft::default();
        d.commit_reply(reading.spec, Origin::Pasted, reading.cut, marks, 1.0);
        let gaps = d.open_gaps();
        assert_eq!(
            gaps,
            // In the sections' order (helper 50: the cut one came first).
            [
                Gap::Missing(Section::Format),
                Gap::CutOff(Section::Examples)
            ]
        );
        assert_eq!(
            crate::domain::meta::reply::gaps_summary(&gaps).as_deref(),
            Some("1 part is unfinished and 1 is missing")
        );
    }

    #[test]
    fn open_gaps_are_the_replys_gaps_not_yet_filled() {
        let mut d = Draft::default();
        let pasted = PromptSpec {
            persona: "P".into(),
            context: "C".into(),
            format: "F".into(),
            examples: vec![crate::domain::spec::Example {
                input: "i".into(),
                output: String::new(),
            }],
            ..Default::default()
        };
        d.commit(pasted.clone(), Origin::Pasted, 1.0);
        let names = |d: &Draft| d.open_gaps().iter().map(Gap::message).collect::<Vec<_>>();
        assert_eq!(
            names(&d),
            [
                "The reply has no Steps",
                "Example 1 has no output",
                "The reply has 1 example; 3 were asked for"
            ]
        );
        // Steps filled by hand: that gap is gone, the others stay.
        let mut filled = pasted.clone();
        filled.steps = vec!["One.".into(), "Two.".into()];
        d.commit(
            filled.clone(),
            Origin::Edited {
                section: Section::Steps,
            },
            2.0,
        );
        assert_eq!(names(&d).len(), 2);
        assert_eq!(names(&d)[0], "Example 1 has no output");
        // Emptying Persona by hand later is not the reply's gap.
        filled.persona.clear();
        d.commit(
            filled,
            Origin::Edited {
                section: Section::Persona,
            },
            3.0,
        );
        assert!(!names(&d).contains(&"The reply has no Persona".to_owned()));
    }

    #[test]
    fn an_unusable_format_schema_is_named_until_it_is_mended() {
        let mut d = Draft::default();
        let mut got = spec("v1");
        got.format = "JSON.".into();
        got.json_schema = r#"{"properties":{"tel":{"format":"phone"}}}"#.into();
        d.commit(got.clone(), Origin::Pasted, 1.0);
        // (The other sections' gaps aside.)
        let schema_gaps = |d: &Draft| {
            let mut g = d.open_gaps();
            g.retain(|g| g.section() == Section::Format);
            g
        };
        let gaps = schema_gaps(&d);
        assert!(
            matches!(gaps.as_slice(), [Gap::Schema(p)] if p.contains("\"phone\"")),
            "{gaps:?}"
        );
        // Another section typed: still named.
        got.persona = "You are a clerk.".into();
        d.commit(
            got.clone(),
            Origin::Edited {
                section: Section::Persona,
            },
            2.0,
        );
        assert_eq!(schema_gaps(&d), gaps);
        // The format mended by hand: gone.
        got.json_schema = r#"{"properties":{"tel":{"pattern":"^[0-9 +]+$"}}}"#.into();
        d.commit(
            got,
            Origin::Edited {
                section: Section::Format,
            },
            3.0,
        );
        assert_eq!(schema_gaps(&d), []);
    }

    #[test]
    fn typing_amends_only_its_own_unrun_version() {
        let mut d = Draft::default();
        d.commit(spec("v1"), Origin::Pasted, 1.0);
        // A pasted version is never changed in place.
        assert!(!d.amend_typing(Section::Persona, spec("typing")));
        d.commit(
            spec("typ"),
            Origin::Edited {
                section: Section::Persona,
            },
            2.0,
        );
        assert!(d.amend_typing(Section::Persona, spec("typing")));
        assert_eq!(d.versions.len(), 2);
        assert_eq!(d.current_spec().unwrap().persona, "typing");
        // Another section's typing is another version.
        assert!(!d.amend_typing(Section::Context, spec("typing more")));
        // Once the version has a run, its text stays what was run.
        d.put_run(Run {
            version: d.current,
            ..Default::default()
        });
        assert!(!d.amend_typing(Section::Persona, spec("typing more")));
        assert_eq!(d.current_spec().unwrap().persona, "typing");
    }

    // Tryout 11 (m1): the draft kept the first idea's name after Generate from another idea.
    #[test]
    fn a_name_made_from_the_idea_follows_it_and_a_chosen_one_stays() {
        let mut d = Draft::default();
        d.set_idea("Summarise emails".into());
        assert_eq!(d.name, "", "no name before the first version");
        d.commit(spec("v1"), Origin::Pasted, 1.0);
        assert_eq!(d.name, "Summarise emails");
        // Retyped word by word, through an empty box.
        for idea in ["", "P", "Pull action items"] {
            d.set_idea(idea.into());
        }
        assert_eq!(d.name, "Pull action items");
        d.name = "My bot".into();
        d.set_idea("Something else".into());
        assert_eq!(d.name, "My bot");
    }

    // Tryout 11 (m3): typing in Persona and deleting back to the model's text made version 2,
    // "Persona edited by hand", which Compare showed as "No differences".
    #[test]
    fn typing_back_to_the_text_before_makes_no_version() {
        let mut d = Draft::default();
        d.commit(spec("v1"), Origin::Pasted, 1.0);
        d.commit(
            spec("v1x"),
            Origin::Edited {
                section: Section::Persona,
            },
            2.0,
        );
        assert_eq!((d.versions.len(), d.current), (2, 2));
        assert!(d.amend_typing(Section::Persona, spec("v1")));
        assert_eq!((d.versions.len(), d.current), (1, 1), "back to version 1");
        assert_eq!(d.current_spec().unwrap().persona, "v1");
        // Typing again makes a version anew, numbered as the next one.
        d.commit(
            spec("v1y"),
            Origin::Edited {
                section: Section::Persona,
            },
            3.0,
        );
        assert_eq!(d.current, 2);
        // A version that was run keeps its place (its results describe it).
        d.put_run(Run {
            version: 2,
            ..Default::default()
        });
        assert!(!d.amend_typing(Section::Persona, spec("v1")));
        assert_eq!(d.versions.len(), 2);
    }

    // Tryout 9 (M1): a tiny-model draft about a bakery, for an idea about meeting notes in
    // Arabic with HTML, was shown with no flag. The sections that share no word with the idea
    // are named while they are the model's text; an edit, a paste or an example is not.
    #[test]
    fn a_generated_section_with_no_word_of_the_idea_is_named_until_edited() {
        let mut d = Draft::default();
        d.idea.idea = "<img src=x> بوت يستخرج بنود العمل من ملاحظات الاجتماع meeting notes".into();
        let bakery = PromptSpec {
            persona: "You are a friendly front-desk assistant for a bakery.".into(),
            context: "Customers ask about the meeting notes they took.".into(),
            steps: vec!["Thank the reviewer.".into(), "Offer a cake.".into()],
            format: "A short reply.".into(),
            examples: vec![crate::domain::spec::Example {
                input: "hi".into(),
                output: "Hello!".into(),
            }],
            ..Default::default()
        };
        d.commit(
            bakery.clone(),
            Origin::Generated {
                model: "SmolLM2-135M-Instruct".into(),
            },
            1.0,
        );
        let named = |d: &Draft| {
            d.doubtful_sections()
                .into_iter()
                .map(|(s, _)| s)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            named(&d),
            [Section::Persona, Section::Steps],
            "Context shares \"meeting notes\"; examples may be off the topic, and a Format \
             describes a shape (tryout 46: an on-topic Format was doubted)"
        );
        let (_, why) = &d.doubtful_sections()[0];
        assert!(
            why.starts_with("Persona uses no word of your idea (none of: ") && why.contains("بوت"),
            "{why}"
        );
        // Persona edited by hand: the person's word, no longer named.
        let mut edited = bakery.clone();
        edited.persona = "You list the action items of a meeting.".into();
        d.commit(
            edited,
            Origin::Edited {
                section: Section::Persona,
            },
            2.0,
        );
        assert_eq!(named(&d), [Section::Steps]);
        // A reply cut off inside Steps: its fragment is named as unfinished, not doubted.
        let mut cut = Draft::default();
        cut.idea = d.idea.clone();
        let mut fragment = bakery.clone();
        fragment.steps = vec!["Thank the".into()];
        cut.commit_reply(
            fragment,
            Origin::Partial {
                model: "m".into(),
                adapting: None,
            },
            Some(Section::Steps),
            (false, false),
            1.0,
        );
        assert_eq!(named(&cut), [Section::Persona]);
        assert!(
            cut.open_gaps()
                .iter()
                .any(|g| g.section() == Section::Steps),
            "{:?}",
            cut.open_gaps()
        );
        // A pasted reply, or a draft with no idea, is not checked.
        let mut pasted = Draft::default();
        pasted.idea = d.idea.clone();
        pasted.commit(bakery.clone(), Origin::Pasted, 1.0);
        assert!(pasted.doubtful_sections().is_empty());
        d.idea.idea.clear();
        assert!(d.doubtful_sections().is_empty());
    }

    #[test]
    fn a_draft_without_a_name_goes_by_its_idea() {
        let mut d = Draft::default();
        assert_eq!(d.display_name(), "Untitled prompt");
        d.idea.idea = "an assistant that plans weekly menus for two".into();
        assert_eq!(
            d.display_name(),
            "an assistant that plans weekly menus for\u{2026}"
        );
        // A long word is cut, not dropped (helper-60: the name was "…").
        d.idea.idea = "ガソリンスタンドの領収書から日付と金額と店舗名と支払い方法を抜き出して表にまとめるボット、経理担当者向け".into();
        assert_eq!(
            d.display_name(),
            "ガソリンスタンドの領収書から日付と金額と店舗名と支払い方法を抜き出して表にまとめ\u{2026}"
        );
        d.idea.idea = "a abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ and more".into();
        assert_eq!(
            d.display_name(),
            "a abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL\u{2026}"
        );
        // Not a piece of a run with digits: a key pasted into the idea would go, cut, wherever
        // the name goes (a link, a file's name), where only whole keys are taken out.
        d.idea.idea = "summarise sk-proj-AbC1234567890abcdefghijklmnopqrstuvwxyz0123 notes".into();
        assert_eq!(d.display_name(), "summarise notes");
        d.idea.idea = "a abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ and more".into();
        assert_eq!(d.display_name(), "a and more");
        // Not "…" (the review: helper-60's fault again for an idea starting with an address).
        d.idea.idea = "https://github.com/acme/widgets/issues/12345 summarise this thread".into();
        assert_eq!(d.display_name(), "summarise this thread");
        d.name = "Menus".into();
        assert_eq!(d.display_name(), "Menus");
    }
}

#[cfg(test)]
mod shown_name_tests {
    use super::*;

    #[test]
    fn a_name_shown_without_its_direction_marks_says_so() {
        let name = "Budget \u{202E}2024\u{202C} plan \u{202E}";
        assert_eq!(shown_name(name), "Budget 2024 plan ");
        assert_eq!(
            name_marks_note(name).as_deref(),
            Some(
                "Its name holds characters that change the text's direction (U+202E, U+202C), not shown here."
            )
        );
        assert_eq!(name_marks_note("Résumé des réunions"), None);
        // Tryout 102: a paragraph separator and a tag character were not named.
        assert_eq!(
            name_marks_note("Owner\u{202E}fdp.exe bot\u{2029}two\u{E0041}").as_deref(),
            Some(
                "Its name holds characters that show as nothing (U+2029, U+E0041), and characters that change the text's direction (U+202E), not shown here."
            )
        );
        assert_eq!(
            name_marks_note("two\u{2028}lines").as_deref(),
            Some("Its name holds characters that show as nothing (U+2028).")
        );
    }

    #[test]
    fn a_file_stem_keeps_whole_words() {
        assert_eq!(
            file_stem("Turn a recipe into a shopping list!"),
            "turn-a-recipe-into-a-shopping-list"
        );
        // Tryout 87: cut at 48 characters, in the middle of "quantities".
        let long = "Turn a recipe into a shopping list grouped by aisle with quantities";
        assert_eq!(
            file_stem(long),
            "turn-a-recipe-into-a-shopping-list-grouped-by"
        );
        assert!(file_stem(long).len() <= FILE_STEM_MAX);
        let one_word = "x".repeat(60);
        assert_eq!(file_stem(&one_word), "x".repeat(FILE_STEM_MAX));
        assert_eq!(file_stem("  ?!  "), "prompt");
        assert_eq!(file_stem("Résumé des réunions"), "résumé-des-réunions");
        // Capitals of every script are lower-cased, as ASCII ones (tryout 88).
        assert_eq!(file_stem("Ünïcödé ÉTÉ Σοφία"), "ünïcödé-été-σοφία");
        // Exactly at the limit: the last word stays.
        let at = format!("{}-{}", "a".repeat(40), "b".repeat(7));
        assert_eq!(file_stem(&at), at);
    }

    #[test]
    fn a_name_is_shown_without_direction_overrides_and_cut_to_its_most() {
        let d = Draft {
            name: format!("\u{202E}evil<script>x</script>{}", "W".repeat(3000)),
            ..Draft::default()
        };
        let shown = d.display_name();
        assert!(shown.starts_with("evil<script>x</script>WWW"), "{shown}");
        assert_eq!(shown.chars().count(), NAME_MAX);
        assert!(shown.ends_with('\u{2026}'));
        assert_eq!(shown_name("Plan \u{2067}dinner\u{2069}"), "Plan dinner");
        assert_eq!(shown_name("Short"), "Short");
    }
}
