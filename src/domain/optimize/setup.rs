//! How a loop is set up from the draft and the person's model settings (the settings it runs
//! with, the state it starts from, the models it calls), and how an accepted candidate becomes
//! a version. Pure; `state::optimizer` reads the signals and hands them here.
use crate::domain::draft::{Draft, Origin};
use crate::domain::estimate::call_cost;
use crate::domain::eval::grid;
use crate::domain::eval::run::Status;
use crate::domain::provider::{ProviderConfig, Role, RoleConfigs};
use crate::domain::spec::RenderStyle;

use super::{Config, Ctx, MAX_OTHER_MODELS, Mutation, Optimizer, Prices, RatedAnswer, slot};

/// The settings a loop started now would run with, from the person's `config` and the roles'
/// models (`roles`): the execution model's temperature and label, the judge's temperature (the
/// loop's judge calls are `judge::call` with it, like runs and Reflexion), the draft's render
/// `style`, a run's room for each answer (`exec_max_tokens`: a candidate's answer is scored as
/// a run would score it), at most [`MAX_OTHER_MODELS`] other execution models, the jobs' list
/// prices per token (`None` when one has no list price here: the loop then keeps to the call
/// count; the judge's price is not needed when the suite has no judge check, `judged` false:
/// it gets no call, and is priced at its list price or 0, [`models_changed`] pausing the loop
/// if judge checks come while it has no list price; tryout 89: a judge with no list price and
/// no call made the loop's figure "estimated"), and, when the meta model is the tiny built-in
/// one, its task (`tiny_task()`: it proposes new rules, not whole prompts,
/// `meta::tiny_jobs`). The projection shown before Start and the loop both use this, so what
/// is shown is worked out from the requests that will go.
pub fn effective(
    mut config: Config,
    roles: &RoleConfigs,
    style: RenderStyle,
    exec_max_tokens: u32,
    judged: bool,
    tiny_task: impl FnOnce() -> String,
) -> Config {
    let exec = roles.get(Role::Execution);
    config.exec_temperature = exec.temperature;
    config.exec_label = grid::model_label(exec);
    config.judge_temperature = roles.get(Role::Judge).temperature;
    config.style = style;
    config.exec_max_tokens = exec_max_tokens;
    config.also_on.truncate(MAX_OTHER_MODELS);
    config.prices = (|| {
        let mut p = Prices::default();
        let priced = Role::ALL
            .iter()
            .map(|role| (slot(*role, 0), roles.get(*role).clone()))
            .chain(
                config
                    .also_on
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (slot(Role::Execution, i as u32 + 1), c.clone())),
            );
        for (slot, cfg) in priced {
            let uncalled = slot == super::slot(Role::Judge, 0) && !judged;
            let price = |i, o| match call_cost(&cfg, i, o) {
                None if uncalled => Some(0.0),
                p => p,
            };
            p.input[slot] = price(1_000_000, 0)? / 1e6;
            p.output[slot] = price(0, 1_000_000)? / 1e6;
        }
        Some(p)
    })();
    config.tiny_task = roles.get(Role::Meta).kind.is_tiny().then(tiny_task);
    config.jobs = Role::ALL
        .iter()
        .map(|r| grid::model_key(roles.get(*r)))
        .collect();
    config
}

/// Whether `cfg` costs more per token than slot `m` was priced at in `p`, or has no list
/// price here.
fn dearer_than(cfg: &ProviderConfig, p: &Prices, m: usize) -> bool {
    match (call_cost(cfg, 1_000_000, 0), call_cost(cfg, 0, 1_000_000)) {
        (Some(i), Some(o)) => i / 1e6 > p.input[m] * 1.000_001 || o / 1e6 > p.output[m] * 1.000_001,
        _ => true,
    }
}

/// Why a loop started with `config` cannot go on with the models `roles` name now (the judge
/// only when it is `judged`), in words for the page; `None` when it can, and for loops saved
/// before their models were kept ([`Config::jobs`]). The execution and judge models must be the
/// ones it started with: its scores compare only on them, and so must each comparison model it
/// also scores on ([`Config::also_on`]) still be among `compare`, the models Compare models
/// list now. The model for writing prompts may
/// change (a round that gave nothing offers *Pick another model in Settings*) when it writes
/// the same way (the tiny built-in model proposes rules, the others whole prompts) and, when
/// the loop has a money bound ([`Config::prices`]), costs no more per token, so the bound still
/// holds (session 42's review: the loop kept Start's prices for models Settings had changed).
pub fn models_changed(
    config: &Config,
    roles: &RoleConfigs,
    compare: &[ProviderConfig],
    judged: bool,
) -> Option<String> {
    let label = |key: &str| {
        grid::config_of_key(key).map_or_else(|| key.to_owned(), |c| grid::model_label(&c))
    };
    // A comparison model the loop scores on, changed or removed under Compare models (tryout
    // 91: its address mended there, Resume called the old one again with no word).
    for was in &config.also_on {
        let key = grid::model_key(was);
        if compare.iter().any(|c| grid::model_key(c) == key) {
            continue;
        }
        let from = grid::model_label(was);
        // The same model at another address (tryout 92: the label names the host only, so the
        // note read as if nothing had changed): both addresses are named.
        let same_model =
            |c: &&ProviderConfig| c.kind == was.kind && c.model.trim() == was.model.trim();
        if let Some(now) = compare.iter().find(same_model) {
            return Some(format!(
                "The loop also scores on {from} at the address {}; under Compare models its address is {} now. Its scores compare only on the models it started with, so it does not go on at another address: start a new loop (Cancel optimization, then Start), or set that address back to go on.",
                was.base_url.trim(),
                now.base_url.trim()
            ));
        }
        return Some(format!(
            "The loop also scores on {from}; Compare models no longer list it (changed or removed there). Its scores compare only on the models it started with: put it back under Compare models to go on, or start a new loop."
        ));
    }
    for (i, role) in Role::ALL.iter().enumerate() {
        let Some(was) = config.jobs.get(i) else {
            continue;
        };
        let now = roles.get(*role);
        // Judge checks came after a start with none, and the budget was priced without the
        // judge's calls (`effective`): they would not hold to it if the judge costs more per
        // token than it was priced at, or has no list price.
        if *role == Role::Judge
            && judged
            && let Some(p) = &config.prices
            && dearer_than(now, p, slot(Role::Judge, 0))
        {
            return Some(format!(
                "The loop's budget was priced without calls to {} for \u{201c}{}\u{201d}: no case had a judge check when it started, and {} has no list price here (or costs more per token than it was priced at), so the budget would not hold with the judge checks added since: remove them to go on, or start a new loop.",
                grid::model_label(now),
                role.job_name(),
                grid::model_label(now)
            ));
        }
        if (*role == Role::Judge && !judged) || grid::model_key(now) == *was {
            continue;
        }
        let (from, to, job) = (label(was), grid::model_label(now), role.job_name());
        let back = format!(
            "choose {from} again for \u{201c}{job}\u{201d} in Settings to go on, or start a new loop"
        );
        if *role != Role::Meta {
            return Some(format!(
                "The loop scores with {from} for \u{201c}{job}\u{201d}; Settings now name {to}. Its scores compare only on the models it started with: {back}."
            ));
        }
        if now.kind.is_tiny() != config.tiny_task.is_some() {
            return Some(format!(
                "The loop started with {from} for \u{201c}{job}\u{201d}; Settings now name {to}, which writes its proposals another way (the built-in model proposes rules, the others whole prompts): {back}."
            ));
        }
        if let Some(p) = &config.prices {
            if dearer_than(now, p, slot(Role::Meta, 0)) {
                return Some(format!(
                    "Settings now name {to} for \u{201c}{job}\u{201d}, which costs more per token than {from}, the model the loop's approved budget was priced with (or has no list price here), so the budget would not hold: choose {from} or a model costing no more per token in Settings to go on, or start a new loop."
                ));
            }
        }
    }
    None
}

/// A new loop on the draft's current version with `config` (already [`effective`]) and the
/// budget it projects; `None` when the draft has no version. The Reflexion critiques and the
/// person's thumbs-down on finished answers (with their notes) become feedback for the
/// proposals: for each case, those of the newest run that has one (the current version's run
/// first, then the other versions', newest first), so ratings given before an edit still reach
/// the loop (the review of session 48: Start after typing made a version with no run, and the
/// loop read no rating, although the page says the optimizer reads the notes); a case whose
/// newest rating is a thumbs-up is not fed back as rated down. An unrated answer that replaced a
/// rated one (a re-run, [`crate::domain::eval::run::CaseRun::replaced_rating`]) stands for that
/// rating and its answer.
pub fn new_loop(config: Config, d: &Draft) -> Option<Optimizer> {
    let spec = d.current_spec()?.clone();
    let limit = super::project(&config, &spec, &d.suite);
    let mut o = Optimizer::new(config, spec, d.current, &d.suite, limit);
    let mut runs: Vec<&crate::domain::eval::run::Run> = d.runs.iter().collect();
    crate::domain::order::sort_by_key(&mut runs, |r| {
        (r.version != d.current, std::cmp::Reverse(r.version))
    });
    // Cases whose newest rating is read already (a lookup: a suite may hold thousands of cases).
    let mut rated_seen = crate::domain::sorted::SortedSet::<u32>::default();
    for run in runs {
        for (id, c) in &run.cases {
            if let Some(r) = c
                .reflection
                .as_ref()
                .filter(|r| !r.critique.trim().is_empty())
                && !o.critiques.contains_key(id)
            {
                o.critiques.insert(*id, r.critique.clone());
            }
            // The answer's own rating, else that of the rated answer a re-run replaced.
            let rated = match c.rating.as_ref() {
                Some(rating) => (c.status == Status::Done).then(|| RatedAnswer {
                    output: c.output.clone(),
                    rating: rating.clone(),
                }),
                None => match c.replaced_rating.as_ref() {
                    Some(r) => Some(r.clone()),
                    None => continue,
                },
            };
            if !rated_seen.insert(*id) {
                continue;
            }
            if let Some(r) = rated.filter(|r| r.rating.is_down()) {
                o.rated.insert(*id, r);
            }
        }
    }
    Some(o)
}

/// The models a loop calls: the meta and execution models, the judge only when a case has a
/// judge check (`judged`; tryout 47: Resume waited for a judge key the loop never uses), then
/// the other execution models it scores on (`also_on`, [`Config::also_on`]).
pub fn loop_models(
    roles: &RoleConfigs,
    judged: bool,
    also_on: &[ProviderConfig],
) -> Vec<ProviderConfig> {
    Role::ALL
        .iter()
        .filter(|r| judged || **r != Role::Judge)
        .map(|r| roles.get(*r).clone())
        .chain(also_on.iter().cloned())
        .collect()
}

/// Makes the loop's candidate `cand` the draft's current version (the person accepted it) at
/// `now_ms`; its origin says the round, what it was asked for and the train scores, e.g.
/// "round 2, asked to add an example from a passing case (train score 25 → 100 from version
/// 1, on OpenAI gpt-4o-mini)" ("not scored" for a score the loop does not have; the model
/// when the loop knows it; on several, "on A and B, each case scoring its worst of them"). Its parent is the version the loop started from (its diff and the scores refer to it;
/// tryout 64: "85 → 100" was against an intermediate candidate). The new version's number, or
/// `None` (no loop, or no such candidate).
pub fn accept(x: &mut Draft, cand: u32, now_ms: f64) -> Option<u32> {
    let o = x.optimizer.as_ref()?;
    let c = o.candidate(cand)?;
    let ctx = Ctx { suite: &x.suite };
    // "not scored" where the loop has no train score (tryout 81: a bare "?").
    let score = |id: u32| {
        o.mean(&ctx, id, false)
            .map_or("not scored".to_owned(), |m| {
                super::shown_points(m).to_string()
            })
    };
    // The model the scores are of (tryout 81: "train score ? → 75" said neither); the models,
    // and how they combine, for a loop on several (tryout 91: it named the execution model
    // alone).
    let on = if !o.config.also_on.is_empty() {
        let exec = if o.config.exec_label.is_empty() {
            "the execution model".to_owned()
        } else {
            o.config.exec_label.clone()
        };
        let names: Vec<String> = std::iter::once(exec)
            .chain(o.config.also_on.iter().map(grid::model_label))
            .collect();
        format!(
            ", on {}, each case scoring its {}",
            crate::domain::figures::and_list(&names),
            match o.config.select {
                super::Selection::Mean => "mean over them",
                super::Selection::Worst => "worst of them",
            }
        )
    } else if o.config.exec_label.is_empty() {
        String::new()
    } else {
        format!(", on {}", o.config.exec_label)
    };
    let from = o.from_version;
    let start = o
        .candidates
        .iter()
        .find(|c| c.mutation == Mutation::Baseline)
        .map(|c| c.id);
    let what = format!(
        "round {}, {} (train score {} \u{2192} {} from version {from}{on})",
        c.round,
        c.mutation.label().to_lowercase(),
        start.map_or("not scored".to_owned(), score),
        score(c.id)
    );
    let spec = c.spec.clone();
    Some(x.commit_from(spec, Origin::Optimized { what }, from, now_ms))
}
