//! Reflexion on one case's answer (draft -> harsh critique -> final, the final judged like the
//! draft; the steps are `domain::optimize::reflect::Reflect`, each call made by the engine as
//! `Job::Reflexion`), and "Critique this prompt" (the meta model's weaknesses, each with a fix).
use leptos::prelude::*;

use crate::domain::draft::Leaving;
use crate::domain::eval::Observed;
use crate::domain::eval::run::Reflection;
use crate::domain::optimize::reflect;
use crate::domain::optimize::reflexion::{self, Critique, CritiqueFailure};
use crate::domain::provider::ChatEvent;
use crate::domain::provider::Role;
use crate::domain::sorted::SortedMap;
use crate::net::chat::Progress;
use crate::state::call::{ChatCall, Epoch};
use crate::state::draft::DraftHandle;
use crate::state::engine::{self, Engine};

/// Reflexion on the current run's outputs: draft -> critique -> final, the final scored like the draft.
#[derive(Clone, Copy)]
pub struct Reflector {
    /// Cases being reflected on.
    pub busy: RwSignal<Vec<u32>>,
    /// The reflections under way: (case id, version).
    under_way: StoredValue<Vec<(u32, u32)>>,
    /// Draft switches seen: a reflection writes nothing once another draft has opened.
    epoch: Epoch,
    /// The page is going away (`net::on_leave`, until `net::on_return`): a call that fails now
    /// was cut by the page, not by the provider.
    page_leaving: StoredValue<bool>,
    drafts: DraftHandle,
    engine: Engine,
    /// The text streaming in for each case's critique or final answer, until its call ends
    /// ([`Reflector::live`]).
    live: StoredValue<SortedMap<u32, ArcRwSignal<Live>>, LocalStorage>,
}

/// The text of a reflection's critique or final answer while its call streams (tryout 84: both
/// boxes stayed empty while a long critique was written): which one, and what arrived so far.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Live {
    /// [`reflect::Step::Critique`] or [`reflect::Step::Final`]; `None` when nothing streams.
    pub step: Option<reflect::Step>,
    pub text: String,
}

impl Reflector {
    pub fn provide() -> Self {
        let r = Self {
            page_leaving: StoredValue::new(false),
            busy: RwSignal::new(Vec::new()),
            under_way: StoredValue::new(Vec::new()),
            epoch: Epoch::new(),
            drafts: DraftHandle::expect(),
            engine: Engine::expect(),
            live: StoredValue::new_local(SortedMap::new()),
        };
        provide_context(r);
        r.drafts.on_switching(move || r.leave_draft());
        crate::net::on_leave(move || r.page_leaving.set_value(true));
        crate::net::on_return(move || r.page_leaving.set_value(false));
        r
    }

    /// Another draft is about to open: the reflections under way stop, and each says so in this
    /// draft (still the open one), with Retry. Helper-53: their critique and final answer went
    /// into the case with the same number in the draft opened while they ran.
    fn leave_draft(self) {
        self.epoch.advance();
        // What streamed belongs to this draft's cases, not to those of the draft opening.
        self.live.with_value(|m| {
            for l in m.values() {
                l.try_set(Live::default());
            }
        });
        let why = self.drafts.leaving();
        self.engine
            .cancel_where(|j| matches!(j, engine::Job::Reflexion(_)));
        for (id, version) in self
            .under_way
            .try_update_value(std::mem::take)
            .unwrap_or_default()
        {
            self.update(version, id, |r| {
                if r.error.is_none() {
                    // A critique is written only once it arrived whole.
                    r.error = Some(reflect::left_note(why, !r.critique.is_empty()).to_owned());
                }
            });
        }
        self.busy.set(Vec::new());
    }

    pub fn expect() -> Self {
        expect_context()
    }

    fn update(self, version: u32, id: u32, f: impl FnOnce(&mut Reflection)) {
        self.drafts.update_runs(|rm| {
            if let Some(c) = rm
                .runs
                .iter_mut()
                .find(|r| r.version == version)
                .and_then(|r| r.cases.get_mut(&id))
            {
                f(c.reflection.get_or_insert_with(Reflection::default));
            }
        });
    }

    /// Stops a reflection under way (what arrived is kept).
    /// The version whose answer to case `id` a reflection under way is about, if one is (read
    /// with [`busy`](Self::busy), which is the reactive part).
    pub fn version_of(self, id: u32) -> Option<u32> {
        self.under_way
            .with_value(|u| u.iter().find(|(x, _)| *x == id).map(|(_, v)| *v))
    }

    /// What streams in for case `id`'s critique or final answer now (empty between calls).
    pub fn live(self, id: u32) -> ArcRwSignal<Live> {
        self.live
            .try_update_value(|m| {
                m.entry(id)
                    .or_insert_with(|| ArcRwSignal::new(Live::default()))
                    .clone()
            })
            .unwrap_or_else(|| ArcRwSignal::new(Live::default()))
    }

    pub fn stop(self, id: u32) {
        self.engine.cancel(&engine::Job::Reflexion(id));
        self.busy.update(|b| b.retain(|x| *x != id));
    }

    /// Critiques the case's output in the current version's run, then writes and judges the final
    /// (`domain::optimize::reflect::Reflect` decides each call; the engine makes it, as
    /// `Job::Reflexion(id)`).
    pub fn reflect(self, id: u32) {
        if self.busy.with_untracked(|b| b.contains(&id)) {
            return;
        }
        let e = self.engine;
        let (exec, key, opts) = e.role(Role::Execution);
        let (judge_cfg, jkey, _) = e.role(Role::Judge);
        // Nothing can be sent to a model with no address or model name: the reflection shown
        // stays (the button says why it is off).
        if exec.missing().is_some() {
            return;
        }
        let model = crate::domain::eval::run::ModelUsed::of(&exec).label();
        let Some((version, input)) = self.drafts.draft.with_untracked(|d| {
            reflect::ReflectInput::for_case(
                d,
                id,
                exec.kind.is_tiny(),
                judge_cfg.temperature,
                crate::state::runner::MAX_OUTPUT_TOKENS,
            )
            .map(|(v, input)| (v, input.on_model(&model)))
        }) else {
            return;
        };
        self.busy.update(|b| b.push(id));
        self.under_way.update_value(|u| u.push((id, version)));
        let epoch = self.epoch.now();
        let mut m = reflect::Reflect::new(input);
        m.reflection.model = Some(model);
        let shown = m.reflection.clone();
        self.update(version, id, move |r| *r = shown);
        let work = engine::Job::Reflexion(id);
        // Stopped by `stop` (a cancel of the job): no further call starts. Watched from now, so
        // a Stop before the task runs counts too.
        let stopped = e.watch(work.clone());
        leptos::task::spawn_local(async move {
            let mut next = m.start();
            while let Some(ask) = next {
                if !self.epoch.still(epoch) {
                    return;
                }
                if stopped.is_aborted() {
                    // What was next ends now, said (not "Reflecting…" with nothing under way).
                    m.stop();
                    let now = m.reflection.clone();
                    self.update(version, id, move |r| *r = now);
                    self.under_way.update_value(|u| u.retain(|(x, _)| *x != id));
                    return;
                }
                let (cfg, key) = match ask.role {
                    Role::Judge => (&judge_cfg, jkey.as_ref()),
                    _ => (&exec, key.as_ref()),
                };
                let live = self.live(id);
                let streams = matches!(ask.step, reflect::Step::Critique | reflect::Step::Final);
                if streams {
                    live.set(Live {
                        step: Some(ask.step.clone()),
                        text: String::new(),
                    });
                }
                let result = e
                    .call(
                        work.clone(),
                        cfg,
                        key,
                        &ask.request,
                        opts,
                        // The person asked for it: ahead of queued batch work.
                        true,
                        |p| {
                            if let Progress::Event(ChatEvent::Text(t)) = p
                                && streams
                            {
                                live.update(|l| l.text.push_str(&t));
                            }
                        },
                    )
                    .await;
                // A call cut while the page goes away (aborted, the connection closed); a
                // provider's answered failure is its own (helper-59).
                let cut_by_the_page = self.page_leaving.get_value()
                    && result.as_ref().is_err_and(|f| f.error.cut_in_transit());
                let took = result.as_ref().ok().map(|done| done.attempt_ms);
                let result_aborted = result
                    .as_ref()
                    .is_err_and(|f| f.error.kind == crate::domain::provider::ErrorKind::Aborted);
                if let Ok(done) = &result {
                    m.reported(done.usage.output_tokens);
                    if done.cut_past_cap {
                        m.read_no_further();
                    }
                }
                // What the call used, as the provider reported, else counted from the texts
                // (and a call that ended after its request went out, as a run counts it); the
                // prompts of earlier attempts that stalled at the provider too.
                let read = crate::domain::estimate::request_tokens(&ask.request);
                let model = crate::domain::eval::run::ModelUsed::of(cfg);
                if let Some((tokens, estimated)) =
                    crate::domain::eval::case_call::call_tokens(&result, read)
                {
                    m.reflection
                        .used
                        .get_or_insert_with(Default::default)
                        .add(&model, tokens, estimated);
                    // The call's own cost, which the final's `cost` check reads (tryout 111).
                    m.cost(
                        crate::domain::estimate::call_cost(cfg, tokens.0, tokens.1),
                        estimated,
                    );
                }
                let outcome = result
                    .map(|done| {
                        let stop = done.stop.as_ref().map(Observed::finish_reason_of);
                        (done.text, stop)
                    })
                    .map_err(|f| (f.partial, f.error.message()));
                if !self.epoch.still(epoch) {
                    return;
                }
                // Whether the critique had arrived whole before this call (it is written then).
                let critique_whole = !m.reflection.critique.is_empty();
                if let Some(ms) = took {
                    m.took(ms);
                }
                // The person's Stop ended the call: said as stopped, not failed (tryout 86:
                // "The final answer failed: You stopped the request.").
                next = match outcome {
                    Err((partial, _)) if stopped.is_aborted() && result_aborted => {
                        m.stopped_with(partial);
                        None
                    }
                    outcome => m.reply(outcome),
                };
                let mut now = m.reflection.clone();
                if cut_by_the_page {
                    // What arrived is kept; the page's going away is named, not the provider,
                    // and a retry keeps a critique that was whole.
                    now.error =
                        Some(reflect::left_note(Leaving::Reload, critique_whole).to_owned());
                    next = None;
                }
                self.update(version, id, move |r| *r = now);
                if streams {
                    live.try_set(Live::default());
                }
            }
            self.busy.update(|b| b.retain(|x| *x != id));
            self.under_way.update_value(|u| u.retain(|(x, _)| *x != id));
        });
    }
}

/// "Critique this prompt": the weaknesses the meta model finds, each with a fix.
#[derive(Clone, Copy)]
pub struct Critic {
    pub call: ChatCall,
    pub weaknesses: RwSignal<Option<Result<Critique, CritiqueFailure>>>,
    /// The number of the version the last critique read (0 before any): the prompt may have
    /// changed while it ran or since (a generation, an edit, a fix), and the page says which
    /// version its weaknesses are of.
    pub about: RwSignal<u32>,
    /// Draft switches seen: a critique of a draft left behind is not shown in another.
    epoch: Epoch,
    drafts: DraftHandle,
}

impl Critic {
    pub fn provide() -> Self {
        let c = Self {
            call: ChatCall::new(),
            weaknesses: RwSignal::new(None),
            about: RwSignal::new(0),
            epoch: Epoch::new(),
            drafts: DraftHandle::expect(),
        };
        provide_context(c);
        // Another draft opens: the critique (and its fixes) was of this draft's prompt.
        c.drafts.on_switching(move || {
            c.epoch.advance();
            c.call.forget();
            c.weaknesses.set(None);
        });
        c
    }

    pub fn expect() -> Self {
        expect_context()
    }

    /// Asks the meta model for the current version's weaknesses; nothing while a critique is
    /// under way (its button stays focusable then, marked unavailable).
    pub fn critique(self) {
        if self.call.running.get_untracked() {
            return;
        }
        // What was typed within the editor's pause is part of the prompt critiqued.
        self.drafts.flush_typing();
        let Some((spec, number)) = self
            .drafts
            .draft
            .with_untracked(|d| d.current_spec().cloned().map(|s| (s, d.current)))
        else {
            return;
        };
        self.about.set(number);
        let (cfg, key, opts) = self.call.role(Role::Meta);
        // A failure right before this one makes this the next attempt.
        let before = match self.weaknesses.get_untracked() {
            Some(Err(before)) => Some(before),
            _ => None,
        };
        self.weaknesses.set(None);
        let epoch = self.epoch.now();
        self.call.start_then(
            cfg,
            key,
            reflexion::critique_prompt_request(&spec),
            opts,
            move |result| {
                if !self.epoch.still(epoch) {
                    return;
                }
                // The provider's error is shown by the call itself.
                match result {
                    Ok(done) => {
                        let cut_off =
                            done.stop == Some(crate::domain::provider::StopReason::MaxTokens);
                        let read =
                            reflexion::read_prompt_critique(&done.text, before.as_ref(), cut_off);
                        self.weaknesses.set(Some(read));
                    }
                    Err(_) => self.call.partial_not_used(),
                }
            },
        );
    }
}
