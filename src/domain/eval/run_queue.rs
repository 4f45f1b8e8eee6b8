//! A run's queue and bookkeeping as a pure machine (issue #14): whether a press of Run starts,
//! holds or joins a run ([`plan_start`]), which calls of a run wait for a
//! place, which of them go out when their turn comes, which a stop or a Cancel takes back, and
//! when the run is over. The shell (`state::runner`) hands each call to the engine's queue,
//! sends it when [`RunQueue::take`] says so, and reports its end with [`RunQueue::over`]; the
//! run's records live in the draft (`Draft::run_on`), which these steps change as a run would.
use crate::domain::sorted::SortedSet;
use std::rc::Rc;

use super::run::{CaseRun, Run, Spent, Status};
use crate::domain::draft::{Draft, Leaving, RunsMut};

/// One call of a run: the model's key (`grid::model_key`, "" for the execution model) and the
/// case id.
pub type Call = (String, u32);

/// The calls of the run under way: those waiting for a place (not sent yet), and how many are
/// not over (waiting, answering or being judged). The run ends when none is left.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunQueue {
    queued: SortedSet<Call>,
    outstanding: usize,
}

impl RunQueue {
    /// Queues cases `ids` on the models `keys` in the run records of `version` in `draft`
    /// (records of models without one are skipped: [`join`] makes them first). A call already
    /// waiting, or a case of that model still answering, is not queued twice. Each queued case
    /// reads "queued" in its record, keeping the answer it had until the re-run ends (Cancel
    /// puts it back), and leaves the run's unsent cases. Returns the calls added, model by
    /// model in the order of `keys` and case by case in the order of `ids`, so each model's
    /// answers come in case order.
    pub fn enqueue(
        &mut self,
        draft: &mut RunsMut<'_>,
        version: u32,
        started_ms: f64,
        keys: &[String],
        ids: &[u32],
    ) -> Vec<Call> {
        let mut added = Vec::new();
        for key in keys {
            let Some(run) = draft.run_on_mut(version, key) else {
                continue;
            };
            for id in ids {
                let call = (key.clone(), *id);
                if self.queued.contains(&call)
                    || run
                        .cases
                        .get(id)
                        .is_some_and(|c| c.status == Status::Running)
                {
                    continue;
                }
                run.queued_again(*id);
                let before = run.cases.remove(id);
                run.cases.insert(*id, CaseRun::queued(started_ms, before));
                self.queued.insert(call.clone());
                added.push(call);
            }
        }
        self.outstanding += added.len();
        added
    }

    /// A queued call's turn has come: `true` when it is to be sent (it is taken out of the
    /// waiting calls), `false` when a stop or a Cancel took it back meanwhile (its place goes to
    /// the next call; the caller still reports it [`over`](Self::over)).
    pub fn take(&mut self, call: &Call) -> bool {
        self.queued.remove(call)
    }

    /// Whether `call` still waits for a place.
    pub fn waits(&self, call: &Call) -> bool {
        self.queued.contains(call)
    }

    /// `n` calls ended (answered, failed, stopped, passed over, or left the queue on Cancel).
    /// Returns whether the run is over now (none left).
    pub fn over(&mut self, n: usize) -> bool {
        self.outstanding = self.outstanding.saturating_sub(n);
        self.idle()
    }

    /// Whether no call of the run is waiting, answering or being judged.
    pub fn idle(&self) -> bool {
        self.outstanding == 0
    }

    /// A call to model `key` failed as every call to it would (`why`, in words): its calls
    /// still waiting are taken back (calls already sent end as they end), and their cases read
    /// "not sent" with the reason in that model's record of `version` ([`Run::stop_sending`]).
    /// Returns the cases taken back, in id order. The caller reports them over when their turn
    /// passes ([`take`](Self::take) is `false` then).
    pub fn stop_model(
        &mut self,
        draft: &mut RunsMut<'_>,
        version: u32,
        key: &str,
        why: String,
    ) -> Vec<u32> {
        let mut waiting: Vec<u32> = Vec::new();
        self.queued.retain(|(k, id)| {
            let stop = k == key;
            if stop {
                waiting.push(*id);
            }
            !stop
        });
        crate::domain::order::sort(&mut waiting);
        if let Some(run) = draft.run_on_mut(version, key) {
            run.stop_sending(why, &waiting);
        }
        waiting
    }

    /// Cancel: every waiting call is taken back, and its case is marked cancelled in the
    /// records of `version` (a re-run's earlier answer comes back). Returns the calls taken
    /// back; they are over at once (their turns pass unsent, not counted again).
    pub fn cancel(&mut self, draft: Option<&mut RunsMut<'_>>, version: u32) -> Vec<Call> {
        let dropped: Vec<Call> = std::mem::take(&mut self.queued).into_iter().collect();
        if let Some(draft) = draft {
            for (key, id) in &dropped {
                if let Some(c) = draft
                    .run_on_mut(version, key)
                    .and_then(|r| r.cases.get_mut(id))
                {
                    c.cancel();
                }
            }
        }
        self.outstanding = self.outstanding.saturating_sub(dropped.len());
        dropped
    }
}

/// What a press of Run (or a Retry, or Run anyway) does, decided from the draft as it is.
#[derive(Debug, Clone, PartialEq)]
pub enum Start {
    /// Nothing is sent; the page says why (`run::blocked`, or the typed entries that could not
    /// be used).
    Refuse(String),
    /// Nothing is sent yet: these cases would go out with an empty variable or message
    /// (`run::gaps`), and the person decides (Run anyway, or fill them in).
    Hold(Vec<u32>),
    /// These cases are queued: in a new run of the current version (`new_run`; a run of
    /// another version going on is cancelled first), or joining the run of this version under
    /// way.
    Go { ids: Vec<u32>, new_run: bool },
}

/// Decides a start of cases `ids` (every case when empty) of `draft`'s current version:
/// refused when [`super::run::blocked`] (for the checks of those cases and the checks for
/// every case) or `unused` (typed entries a run would ignore) says so; held when `hold_gaps` and a case has a gap ([`super::run::case_gaps`] of the rendered
/// prompt); otherwise a new run, or a join when `running` (the version of the run under way,
/// if any) is the current version.
pub fn plan_start(
    draft: &Draft,
    ids: Vec<u32>,
    hold_gaps: bool,
    unused: impl FnOnce(&[u32]) -> Option<String>,
    running: Option<u32>,
) -> Start {
    let version = draft.current;
    let ids: Vec<u32> = if ids.is_empty() {
        draft.suite.cases.iter().map(|c| c.id).collect()
    } else {
        // Cases deleted since they were picked are not run (tryout 65: a deleted case's tick
        // started a run that sent nothing and never ended).
        let mut ids = ids;
        ids.retain(|id| draft.suite.case(*id).is_some());
        if ids.is_empty() {
            return Start::Refuse("The cases you picked are no longer in the draft.".to_owned());
        }
        ids
    };
    // Only the checks these cases run: a check to fix in a case not picked does not hold back
    // the ones picked (tryout 80: "Run selected (1)" was refused for two other cases' checks).
    let mut problems = draft.suite.problems(draft.current_spec());
    problems.retain(|(case, _, _)| case.is_none_or(|id| ids.contains(&id)));
    if let Some(why) = super::run::blocked(version, ids.len(), &problems).or_else(|| unused(&ids)) {
        return Start::Refuse(why);
    }
    if hold_gaps {
        let prompt = draft.rendered();
        let global = draft.suite.global_reads();
        let gaps = ids
            .iter()
            .filter_map(|id| draft.suite.case(*id))
            .any(|c| !super::run::case_gaps(&prompt, c, &global).is_empty());
        if gaps {
            return Start::Hold(ids);
        }
    }
    Start::Go {
        new_run: running != Some(version),
        ids,
    }
}

/// Why Run does nothing in a tab while a run of its draft goes on in another tab of the browser
/// (`state::library::Library::run_elsewhere`).
pub const RUN_ELSEWHERE: &str = "A run of this draft is going on in another tab of this browser: running it here too would send the cases twice and each tab would overwrite the other's results. Wait for it to end there (its progress shows here, and its results when it ends), or cancel it in that tab.";

/// Why Run does nothing while the draft was changed in another tab and the person has not chosen
/// which version to keep (`state::library::Library::conflict`).
pub const RUN_IN_CONFLICT: &str = "This draft was changed in another tab, and this tab's copy may be older: its results may already be there. Choose which version to keep (above) first, then run.";

/// Makes (or takes up again) the record of model `key` for a run of `version` started at
/// `started_ms`, labelled `label` (the model as the page names it), before its cases are
/// queued. A record of another start (a new run) begins with no case left unsent; a resumed
/// one (same start) keeps the rest. Why the judge was stopped holds only when
/// `judge_still_stopped` (this page keeps that run's judge stopped); cases no longer in the
/// suite leave the record.
pub fn join(
    draft: &mut RunsMut<'_>,
    version: u32,
    key: &str,
    label: String,
    started_ms: f64,
    judge_still_stopped: bool,
) {
    let mut run: Run = draft.run_on(version, key).cloned().unwrap_or_default();
    run.version = version;
    run.model = label;
    if run.started_ms != started_ms {
        run.unsent.clear();
    }
    if !judge_still_stopped {
        run.judge_stopped_by.clear();
    }
    run.started_ms = started_ms;
    run.cases.retain(|id, _| draft.suite.case(*id).is_some());
    run.unsent.retain(|id| draft.suite.case(*id).is_some());
    draft.put_run_on(key, run);
}

/// An answer under way as the page goes away: the call (model key, case id), the text that
/// arrived and what it spent so far.
pub type Answering = (String, u32, String, Option<Spent>);

/// The page is going away while a run of `version` goes on (a reload, a closed tab), on the
/// models `keys`: the kept draft must read true at the next load. Each answer under way
/// (`answering`) is written running with what arrived and spent (the next load reads it
/// cancelled, with Retry, not never run: tryout 12, minor 3), and the cases still waiting
/// become the run's unsent cases (tryout 13, M3; [`Run::mark_unsent`]). The shell sends
/// nothing more from here on.
pub fn page_leaving(draft: &mut Draft, version: u32, keys: &[String], answering: Vec<Answering>) {
    for (key, id, text, spent) in answering {
        if let Some(c) = draft
            .run_on_mut(version, &key)
            .and_then(|r| r.cases.get_mut(&id))
            .filter(|c| c.status == Status::Queued)
        {
            c.status = Status::Running;
            c.output = text;
            c.count_spent(spent);
            c.cut_by = Some(Leaving::Reload);
        }
    }
    for key in keys {
        if let Some(run) = draft.run_on_mut(version, key) {
            run.mark_unsent();
        }
    }
}

/// The page stayed after [`page_leaving`] (back from the back-forward cache, or used after a
/// leave that did not unload): in the current version's records (the execution model's and each
/// compared model's), a case marked never sent whose call still waits for its place (`waits`)
/// is under way again ([`Run::queued_again`]); one whose place came meanwhile was not sent
/// (nothing is sent while leaving) and stays unsent with its earlier answer back
/// ([`Run::not_sent`]). Read from the draft: the run may have ended meanwhile. Returns whether
/// a record changed.
pub fn page_returned(draft: &mut Draft, waits: impl Fn(&Call) -> bool) -> bool {
    let mut changed = false;
    let version = draft.current;
    let mut keys: Vec<String> = vec![String::new()];
    keys.extend(draft.compared.iter().map(|m| m.key.clone()));
    for key in keys {
        let Some(run) = draft.run_on_mut(version, &key) else {
            continue;
        };
        let queued: Vec<u32> = run
            .cases
            .iter()
            .filter(|(_, c)| c.status == Status::Queued && run.is_latest(c))
            .map(|(id, _)| *id)
            .collect();
        for id in queued {
            changed = true;
            if waits(&(key.clone(), id)) {
                run.queued_again(id);
            } else {
                run.not_sent(id);
            }
        }
    }
    changed
}

/// After [`page_returned`]: the calls of a run of `version` on the models `keys` whose case is
/// marked running (as the page went away) though no call answers it any more (`answering` is
/// false: the page aborted it as it went away, and its end was not recorded). The caller marks
/// them cancelled, with Retry, rather than "running…" for ever.
pub fn running_with_no_call(
    draft: &Draft,
    version: u32,
    keys: &[String],
    answering: impl Fn(&str, u32) -> bool,
) -> Vec<Call> {
    keys.iter()
        .filter_map(|key| Some((key, draft.run_on(version, key)?)))
        .flat_map(|(key, run)| {
            run.cases
                .iter()
                .filter(|(_, c)| c.status == Status::Running)
                .map(|(id, _)| (key.clone(), *id))
                .collect::<Vec<_>>()
        })
        .filter(|(key, id)| !answering(key, *id))
        .collect()
}

/// Why a run waits for numbers typed into these cases' checks that could not be used (it would
/// run with the old values): `unused` holds each entry's owner (`None`: a check for every case),
/// what was typed and why it was refused. `None` when there are none.
pub fn unused_entries_note(unused: &[(Option<u32>, String, String)]) -> Option<String> {
    if unused.is_empty() {
        return None;
    }
    let all = unused
        .iter()
        .map(|(owner, text, problem)| {
            let whose = match owner {
                None => "In a check for every case".to_owned(),
                Some(id) => format!("In case #{id}"),
            };
            format!("{whose}, \u{201c}{text}\u{201d} is not used: {problem}")
        })
        .collect::<Vec<_>>()
        .join(" \u{b7} ");
    let (what, s) = if unused.len() > 1 {
        (
            format!("{} entries need correcting or emptying", unused.len()),
            "s",
        )
    } else {
        ("An entry needs correcting or emptying".to_owned(), "")
    };
    Some(format!(
        "{what} before a run can start (marked in red under Test cases): otherwise the run would use the old value{s}. {all}"
    ))
}

/// A change to one result of a run, held until the changes are written together.
pub type Change = Rc<dyn Fn(&mut CaseRun)>;

/// Where a held change goes: the draft (its id), the run's version, the model's key and the
/// case id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub draft_id: String,
    pub version: u32,
    pub key: String,
    pub id: u32,
}

/// Changes to a run's results held to be written to the draft together (the shell writes them
/// a few times a second, not once per answer, when answers arrive from several models at once).
/// A change is a `Fn`, not a `FnOnce`: [`Held::peek`] applies it to a copy before the write
/// does.
#[derive(Default)]
pub struct Held {
    items: Vec<(Target, Change)>,
}

impl Held {
    /// Holds `change` for `target`; `true` when it is the first held since the last write (the
    /// shell then schedules one).
    pub fn push(&mut self, target: Target, change: Change) -> bool {
        self.items.push((target, change));
        self.items.len() == 1
    }

    /// Writes every held change, in the order held, to the results of the draft `current`
    /// (changes held for another draft are dropped: that draft is no longer the one in memory);
    /// `false` when nothing was held.
    pub fn write(&mut self, runs: &mut RunsMut, current: &str) -> bool {
        if self.items.is_empty() {
            return false;
        }
        for (t, change) in self.items.drain(..) {
            if t.draft_id != current {
                continue;
            }
            if let Some(c) = runs
                .run_on_mut(t.version, &t.key)
                .and_then(|r| r.cases.get_mut(&t.id))
            {
                change(c);
            }
        }
        true
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// `result` (the draft's record of `target`) as it will be once the held changes to it are
    /// written.
    pub fn peek(&self, target: &Target, mut result: CaseRun) -> CaseRun {
        for (t, change) in &self.items {
            if t == target {
                change(&mut result);
            }
        }
        result
    }
}
