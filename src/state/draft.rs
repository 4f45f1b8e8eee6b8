//! The draft being worked on, shared through context (saved by `state::library`; filled by
//! `state::generator`): a keyed store whose every change goes through this handle.
use leptos::prelude::*;

use crate::domain::draft::{Draft, DraftStoreFields, Leaving, Origin, RunsMut};
use crate::domain::eval::{SuiteStoreFields, TestCase};
use crate::domain::meta::reply;
use crate::domain::spec::{PromptSpec, Section};
use reactive_stores::StoreField;

fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// The current draft. `Copy`: hand it to any component.
#[derive(Clone, Copy)]
pub struct DraftHandle {
    pub draft: reactive_stores::Store<Draft>,
    /// The suite and the prompt as runs send it (before variables are filled): what a run's
    /// bound reads. One signal for every reader ([`settled`](crate::state::keyed::settled)):
    /// a draft change compares the suite once and clones it only when it changed; results
    /// arriving reach no reader.
    pub suite_and_prompt: ReadSignal<(crate::domain::eval::Suite, String)>,
    /// Every version and the current one's number, apart from the draft
    /// ([`settled`](crate::state::keyed::settled)): results arriving reach none of the
    /// version list's readers (the list, the diff, its default pair).
    pub versions: ReadSignal<(Vec<crate::domain::draft::Version>, u32)>,
    /// What the prompt still lacks from the reply it came from ([`Draft::open_gaps`]), worked
    /// out once per change of the versions for every reader (the gaps notice and each section's
    /// status; a profile of a 3 x 100 run found it worked out 11 times per result).
    pub open_gaps: Memo<Vec<crate::domain::meta::reply::Gap>>,
    /// The typing session in a section editor: the section and the version its text is saved
    /// into (kept here, not in the editor, which is drawn anew when the version changes).
    typing: StoredValue<Option<(Section, u32)>>,
    /// When a key was last typed into a section editor (`Date.now()` ms): its text reaches the
    /// draft after a short pause ([`Self::KEYSTROKE_WAIT_MS`]), so until then the draft does not
    /// show it ([`Self::keystrokes_pending`]).
    last_keystroke: StoredValue<f64>,
    /// Text typed into a section editor that has not reached the draft yet (the section and
    /// the editor's whole text): [`Self::flush_typing`] puts it in at once, e.g. as the page
    /// goes away (tryout 11: an edit typed 0.2 s before a reload was lost).
    unsaved_typing: StoredValue<Option<(Section, String)>>,
    /// Whether such text is waiting (the header then says "Saving…", not "Saved").
    pub typing_unsaved: RwSignal<bool>,
    /// What must reach the draft as the page goes away, before it is kept
    /// ([`Self::before_leaving`]; e.g. the runner's calls under way).
    leave_hooks: StoredValue<Vec<std::rc::Rc<dyn Fn()>>, LocalStorage>,
    switch_hooks: StoredValue<Vec<std::rc::Rc<dyn Fn()>>, LocalStorage>,
    /// Why the open draft is being left, read by the switch hooks for the notes they leave
    /// ([`Self::leaving`]): a delete sets it until the deletion is over.
    leaving: StoredValue<Leaving>,
}

impl DraftHandle {
    /// Reads the current version's prompt through [`versions`](Self::versions), so a reader
    /// hears edits of the prompt, not results arriving; `None` before the first version.
    pub fn with_current_spec<R>(
        self,
        f: impl FnOnce(&crate::domain::spec::PromptSpec) -> R,
    ) -> Option<R> {
        self.versions
            .with(|(vs, cur)| vs.iter().find(|v| v.number == *cur).map(|v| f(&v.spec)))
    }

    /// The draft in memory; `state::library` loads and saves it.
    pub fn provide() -> Self {
        let draft = reactive_stores::Store::new(Draft::default());
        let versions = crate::state::keyed::settled(
            move |(versions, current): &(Vec<crate::domain::draft::Version>, u32)| {
                draft.with(|x| x.current == *current && x.versions == *versions)
            },
            move || draft.with(|x| (x.versions.clone(), x.current)),
        );
        let h = Self {
            draft,
            // Kept apart from the draft: each result of a run changes the draft, not the suite,
            // and reaches none of the suite's readers (`state::keyed`).
            suite_and_prompt: crate::state::keyed::settled(
                move |(suite, prompt): &(crate::domain::eval::Suite, String)| {
                    draft.with(|x| x.suite == *suite && x.rendered() == *prompt)
                },
                move || draft.with(|x| (x.suite.clone(), x.rendered())),
            ),
            versions,
            // The gaps depend on the versions and the current one only.
            open_gaps: crate::state::reactive::memo(move |_| {
                versions.track();
                draft.with_untracked(Draft::open_gaps)
            }),
            typing: StoredValue::new(None),
            last_keystroke: StoredValue::new(f64::NEG_INFINITY),
            unsaved_typing: StoredValue::new(None),
            typing_unsaved: RwSignal::new(false),
            leave_hooks: StoredValue::new_local(Vec::new()),
            switch_hooks: StoredValue::new_local(Vec::new()),
            leaving: StoredValue::new(Leaving::Switch),
        };
        provide_context(h);
        h
    }

    pub fn expect() -> Self {
        expect_context()
    }

    /// How long a section editor waits after a keystroke before its text is saved into the
    /// draft, in ms.
    pub const KEYSTROKE_WAIT_MS: u64 = 400;

    /// Notes a keystroke in a section editor (its text reaches the draft after the wait).
    pub fn keystroke(self) {
        self.last_keystroke.set_value(js_sys::Date::now());
    }

    /// A section editor's text as just typed (not in the draft until [`Self::flush_typing`]).
    pub fn typed(self, section: Section, text: String) {
        self.keystroke();
        self.unsaved_typing.set_value(Some((section, text)));
        if !self.typing_unsaved.get_untracked() {
            self.typing_unsaved.set(true);
        }
    }

    /// Asks `f` to put what it holds into the draft as the page goes away, before the library
    /// keeps the draft ([`Self::before_leaving`]).
    pub fn on_leaving(self, f: impl Fn() + 'static) {
        self.leave_hooks
            .update_value(|v| v.push(std::rc::Rc::new(f)));
    }

    /// Puts everything waiting into the draft as the page goes away: what the field being typed
    /// in holds (committed as leaving it would, `net::commit_focused_field`: a pass score or a
    /// weight typed and not yet left), text typed within the editor's pause
    /// ([`Self::flush_typing`]) and what [`Self::on_leaving`] asked for. The library calls it
    /// first, then keeps the draft.
    pub fn before_leaving(self) {
        crate::net::commit_focused_field();
        self.flush_typing();
        let hooks = self.leave_hooks.try_get_value().unwrap_or_default();
        for h in hooks {
            h();
        }
    }

    /// Asks `f` to end what it does for the open draft before another draft replaces it
    /// ([`Self::before_switching`]): a job's work goes only into the draft it was started for.
    pub fn on_switching(self, f: impl Fn() + 'static) {
        self.switch_hooks
            .update_value(|v| v.push(std::rc::Rc::new(f)));
    }

    /// Ends the open draft's jobs before another draft opens: text typed within the editor's
    /// pause goes in, then each [`Self::on_switching`] hook runs (a generation under way keeps
    /// what arrived in this draft; offers and proposals made for it go). The library calls it
    /// first, then saves this draft and opens the other.
    pub fn before_switching(self) {
        self.flush_typing();
        let hooks = self.switch_hooks.try_get_value().unwrap_or_default();
        for h in hooks {
            h();
        }
    }

    /// [`Self::before_switching`] for a delete of the open draft: the hooks' notes say the draft
    /// was deleted (Undo brings it back with them) until [`Self::deleted`] is called.
    pub fn before_deleting(self) {
        self.leaving.set_value(Leaving::Delete);
        self.before_switching();
    }

    /// The deletion begun by [`Self::before_deleting`] is over (done, or it failed): a later
    /// leave is a switch again.
    pub fn deleted(self) {
        self.leaving.set_value(Leaving::Switch);
    }

    /// Why the open draft is being left, for a switch hook's note.
    pub fn leaving(self) -> Leaving {
        self.leaving.get_value()
    }

    /// Puts text typed and not yet saved into the draft ([`Self::type_section`], the typing
    /// session going on); nothing when there is none.
    pub fn flush_typing(self) {
        if let Some((section, text)) = self.unsaved_typing.try_update_value(Option::take).flatten()
        {
            self.type_section(section, &text, false);
        }
    }

    /// Whether text typed into a section editor may not have reached the draft yet: a key was
    /// typed within the wait and a margin. Another tab's version is not followed then, as if the
    /// draft had unsaved changes (tryout: a quick edit in each of two tabs lost this tab's).
    pub fn keystrokes_pending(self) -> bool {
        js_sys::Date::now() - self.last_keystroke.get_value()
            < Self::KEYSTROKE_WAIT_MS as f64 + 300.0
    }

    /// Changes the draft as a whole: every reader of any part of it hears. Every change of the
    /// draft goes through this handle (`purity_tests::draft_changes_go_through_its_handle`): it
    /// keeps the store's case keys in step with the cases, which a change made through the
    /// store's root does not (a case row would read another case at its old place).
    pub fn update(self, f: impl FnOnce(&mut Draft)) {
        self.draft.update(f);
        self.keep_case_keys();
    }

    /// [`Self::update`] where `f` says whether it changed anything (`false`: no reader hears).
    pub fn maybe_update(self, f: impl FnOnce(&mut Draft) -> bool) {
        self.draft.maybe_update(f);
        self.keep_case_keys();
    }

    /// Puts another draft in memory (one opened, or kept by a reload).
    pub fn set(self, draft: Draft) {
        self.draft.set(draft);
        self.keep_case_keys();
    }

    fn keep_case_keys(self) {
        self.draft.suite().cases().update_keys();
    }

    /// Reads the suite (cases and the checks for every case), subscribing to it: a reader hears
    /// every change of any case or check, none of the prompt's or the runs'.
    pub fn with_suite<R>(self, f: impl FnOnce(&crate::domain::eval::Suite) -> R) -> R {
        self.draft.suite().with(f)
    }

    /// Reads the idea and its variables, subscribing to them alone: a reader hears no change of
    /// the prompt, the cases or the runs.
    pub fn with_idea<R>(self, f: impl FnOnce(&crate::domain::meta::IdeaInput) -> R) -> R {
        self.draft.idea().with(f)
    }

    /// `f` of the test case `id` (`None` once there is none), read through the draft's store:
    /// in a reactive context this subscribes to that case alone, and to changes of the draft made as
    /// a whole ([`Self::update`]), not to other cases, results or the loop.
    pub fn with_case<R>(self, id: u32, f: impl FnOnce(&TestCase) -> R) -> Option<R> {
        self.draft.suite().cases().at_key(id).try_with(f)
    }

    /// Changes the test case `id` alone (nothing when there is none): its own readers hear (and
    /// those of the whole draft: saving, the suite as runs send it), no other case's row.
    pub fn update_case(self, id: u32, f: impl FnOnce(&mut TestCase)) {
        let field = self.draft.suite().cases().at_key(id);
        if field.try_with_untracked(|_| ()).is_some() {
            field.update(f);
        }
    }

    /// Changes the runs alone (the execution model's and the comparison models': a run's start,
    /// its queue, its results), with the suite to read ([`RunsMut`]): the readers of the cases,
    /// the prompt, the versions and the loop do not hear.
    pub fn update_runs(self, f: impl FnOnce(&mut RunsMut<'_>)) {
        let written = self
            .draft
            .try_update_untracked(|d| f(&mut d.runs_mut()))
            .is_some();
        if written {
            // What a write through each field tells: its readers, and the readers of the whole.
            let mut triggers = self.draft.runs().triggers_for_current_path();
            triggers.extend(self.draft.compared().triggers_for_current_path());
            for t in triggers {
                t.notify();
            }
        }
    }

    /// Changes the optimization loop alone, with the suite to read (the machine scores
    /// against it): the readers of the cases, the prompt and the results do not hear.
    pub fn update_loop<R>(
        self,
        f: impl FnOnce(
            &mut Option<crate::domain::optimize::Optimizer>,
            &crate::domain::eval::Suite,
        ) -> R,
    ) -> Option<R> {
        let out = self
            .draft
            .try_update_untracked(|d| f(&mut d.optimizer, &d.suite));
        if out.is_some() {
            for t in self.draft.optimizer().triggers_for_current_path() {
                t.notify();
            }
        }
        out
    }

    pub fn commit(self, spec: PromptSpec, origin: Origin) {
        self.update(|d| {
            d.commit(spec, origin, now_ms());
        });
    }

    /// Adds a version read from a reply (see [`Draft::commit_reply`]): `cut` names the section
    /// the reply ended inside, or broke inside when `broken` is set.
    pub fn commit_reply(self, reading: reply::Reading, origin: Origin) {
        self.update(|d| {
            let marks = reading.marks();
            d.commit_reply(reading.spec, origin, reading.cut, marks, now_ms());
        });
    }

    /// Text typed into a section, saved as it is typed (a reload keeps it): the first save of a
    /// typing session makes a new version; later ones replace that version's text while it is
    /// still current, a hand edit of this section and not run yet. `done` ends the session (the
    /// person left the box): the next typing is a new version.
    pub fn type_section(self, section: Section, text: &str, done: bool) {
        self.unsaved_typing.set_value(None);
        if self.typing_unsaved.get_untracked() {
            self.typing_unsaved.set(false);
        }
        let Some(mut spec) = self.draft.with_untracked(|d| d.current_spec().cloned()) else {
            return;
        };
        spec.set_section_text(section, text);
        let session = self.typing.get_value();
        let mut at = None;
        // Typing undone back to the version before drops its version: the next key starts anew.
        let mut undone = false;
        self.update(|d| {
            let same = session == Some((section, d.current));
            let before = d.current;
            if !(same && d.amend_typing(section, spec.clone())) {
                d.commit(spec, Origin::Edited { section }, now_ms());
                // Only a version this typing made opens a session: text that reads as the
                // version (typed and undone before the pause) made none, and a session left
                // open on that version let the next visit write over it (tryout 118: P2 lost).
                if d.current != before {
                    at = Some((section, d.current));
                }
            } else {
                undone = d.current != before;
                at = Some((section, d.current));
            }
        });
        self.typing
            .set_value(if done || undone { None } else { at });
    }

    /// A section edited by hand (a new version when the text changed).
    pub fn edit_section(self, section: Section, text: &str) {
        let Some(mut spec) = self.draft.with_untracked(|d| d.current_spec().cloned()) else {
            return;
        };
        spec.set_section_text(section, text);
        self.commit(spec, Origin::Edited { section });
    }
}
