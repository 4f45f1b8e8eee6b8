//! The settings drawer: which provider, model and temperature each job uses, the API keys (with
//! where they are sent), a connection test with a searchable model list, and a test message.
use leptos::prelude::*;

use super::icons::CloseIcon;
use super::notice::ErrorNotice;
use crate::domain::figures::read_setting;
use crate::domain::provider::{
    ChatRequest, ModelInfo, ProviderError, ProviderKind, Role, RoleConfigs,
};
use crate::state::call::ChatCall;
use crate::state::settings::SettingsHandle;
use crate::state::{Theme, ThemeHandle};

/// Short tab names for the three jobs.
pub fn tab_name(role: Role) -> &'static str {
    role.job_name()
}

/// The model a job uses, named the way Settings names it: "the model of \u{201c}Running
/// tests\u{201d} (OpenAI · gpt-4o-mini)"; "(… · no model chosen yet)" when none is.
pub fn role_model(settings: SettingsHandle, role: Role) -> String {
    let c = settings.config(role);
    let model = if c.model.trim().is_empty() {
        "no model chosen yet".to_owned()
    } else {
        c.model.clone()
    };
    format!(
        "the model of \u{201c}{}\u{201d} ({} \u{b7} {model})",
        tab_name(role),
        c.kind.label()
    )
}

#[component]
pub fn SettingsPanel(
    /// Whether the drawer is shown.
    open: RwSignal<bool>,
) -> impl IntoView {
    let theme = ThemeHandle::expect().theme;
    let settings = SettingsHandle::expect();
    let close = move || open.set(false);
    let panel_ref = NodeRef::<leptos::html::Div>::new();
    let active = RwSignal::new(Role::Meta);
    crate::state::reactive::effect(move |_| {
        if open.get() {
            if let Some(panel) = panel_ref.get() {
                let _ = panel.focus();
            }
        }
    });
    close_on_escape(open, "pw-settings-title");
    view! {
        {crate::ui::erased::show(move || open.get(), move || view! {
            <div class="pw-overlay" on:click=move |_| close()></div>
            <div
                class="pw-drawer"
                role="dialog"
                aria-modal="true"
                aria-labelledby="pw-settings-title"
                tabindex="-1"
                node_ref=panel_ref
            >
                <div class="pw-drawer__header">
                    <h2 id="pw-settings-title">"Settings"</h2>
                    <button type="button" class="pw-icon-button" aria-label="Close settings" on:click=move |_| close()>
                        <CloseIcon/>
                    </button>
                // Tryout 81: with the browser's storage full, changes here were lost at the
                // next load without a word. In the sticky header, so it stays in view while
                // the fields below are edited (tryout 82).
                {crate::ui::erased::show(move || settings.not_saved.with(|n| !n.is_empty()), move || view! {
                    <div class="pw-notice pw-notice--warn pw-settings-not-saved" role="alert">
                        <p class="pw-notice__title">"Not saved in this browser"</p>
                        <p>{crate::ui::erased::dynamic(move || (format!(
                            "The browser's storage refused {}: it is full or blocked (the device may be short of space, or the browser may block storage for this site). What you set works in this tab until it closes: change the setting again once there is room, to save it.",
                            crate::domain::figures::and_list(&settings.not_saved.get().iter().cloned().collect::<Vec<_>>())
                        )).into_any())}</p>
                    </div>
                }.into_any())}
                </div>
                <section class="pw-field-group" aria-labelledby="pw-models-title">
                    <h3 id="pw-models-title">"Models"</h3>
                    <p class="pw-hint">
                        "Promptwright uses a model for three jobs; each can use its own provider. Calls go straight from this page to the provider: there is no server in between."
                    </p>
                    <div class="pw-tabs" role="tablist" aria-label="Jobs">
                        {Role::ALL
                            .into_iter()
                            .map(|role| {
                                view! {
                                    <button
                                        type="button"
                                        role="tab"
                                        id=format!("pw-tab-{}", role.as_str())
                                        class="pw-tab"
                                        aria-selected=move || (active.get() == role).to_string()
                                        aria-controls="pw-role-panel"
                                        tabindex=move || if active.get() == role { "0" } else { "-1" }
                                        on:click=move |_| {
                                            if active.get_untracked() != role {
                                                active.set(role);
                                            }
                                        }
                                    >
                                        {tab_name(role)}
                                    </button>
                                }
                            })
                            .collect_view()}
                    </div>
                    <div
                        id="pw-role-panel"
                        role="tabpanel"
                        aria-labelledby=move || format!("pw-tab-{}", active.get().as_str())
                    >
                        {crate::ui::erased::dynamic(move || ({
                            let role = active.get();
                            view! { <RoleSettings role=role/> }
                        }).into_any())}
                    </div>
                </section>
                <section class="pw-field-group" aria-labelledby="pw-advanced-title">
                    <h3 id="pw-advanced-title">"Patience"</h3>
                    <label class="pw-label" for="pw-stall">"Give up on a silent reply after (seconds)"</label>
                    <super::number::NumberInput id="pw-stall" value=settings.stall_seconds min=1u32 max=crate::state::settings::MAX_STALL_SECONDS hint="pw-stall-hint"/>
                    <p id="pw-stall-hint" class="pw-hint">"From 1 to 600. If a provider sends nothing for this long, the call stops and what arrived is kept."</p>
                </section>
                <section class="pw-field-group" aria-labelledby="pw-theme-title">
                    <h3 id="pw-theme-title">"Appearance"</h3>
                    <label class="pw-label" for="pw-theme">"Theme"</label>
                    <select
                        id="pw-theme"
                        class="pw-select"
                        on:change=move |ev| {
                            theme.set(match event_target_value(&ev).as_str() {
                                "light" => Theme::Light,
                                "dark" => Theme::Dark,
                                _ => Theme::System,
                            })
                        }
                    >
                        <option value="system" selected=move || theme.get() == Theme::System>"Follow my system"</option>
                        <option value="light" selected=move || theme.get() == Theme::Light>"Light"</option>
                        <option value="dark" selected=move || theme.get() == Theme::Dark>"Dark"</option>
                    </select>
                </section>
            </div>
        }.into_any())}
    }
}

/// Escape closes a drawer wherever the focus is on the page (not only inside the drawer: the
/// focus is often still on the button that opened it), unless something in it used the key
/// (an open list). However it closes, a focus left nowhere (the drawer is gone) goes back to the
/// element that had it last before the drawer opened: the button that opened it.
pub fn close_on_escape(open: RwSignal<bool>, title_id: &'static str) {
    use wasm_bindgen::JsCast;
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" && !ev.default_prevented() && open.get_untracked() {
            ev.prevent_default();
            open.set(false);
        }
        // A modal drawer keeps Tab inside it (tryout 80: 25 of 40 Tab presses left Settings
        // for the page behind it, though it says it is modal).
        if ev.key() == "Tab" && !ev.default_prevented() && open.get_untracked() {
            super::browser::keep_tab_inside(&ev, title_id);
        }
    });
    // The last element focused while the drawer was closed.
    let opener = StoredValue::new_local(None::<web_sys::HtmlElement>);
    let focus = window_event_listener(leptos::ev::focusin, move |ev| {
        if !open.get_untracked() {
            if let Some(el) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
            {
                opener.set_value(Some(el));
            }
        }
    });
    Effect::watch(
        move || open.get(),
        move |now, before, _| {
            if *now || before != Some(&true) {
                return;
            }
            let Some(el) = opener.get_value() else { return };
            // Once the drawer is gone from the page (the next frame), whatever order the
            // effects run in.
            request_animation_frame(move || {
                let doc = document();
                let lost = doc
                    .active_element()
                    .is_none_or(|a| doc.body().is_some_and(|b| a == *b));
                if lost && el.is_connected() {
                    let _ = el.focus();
                }
            });
        },
        false,
    );
    on_cleanup(move || {
        handle.remove();
        focus.remove();
    });
}

/// The settings of one job: provider, address, key, model, temperature; connection and test call.
#[component]
fn RoleSettings(
    /// The job being configured.
    role: Role,
) -> impl IntoView {
    let s = SettingsHandle::expect();
    let cfg = move || s.config(role);
    let kind = move || cfg().kind;
    let show_key = RwSignal::new(false);
    let models = RwSignal::new(None::<Result<Vec<ModelInfo>, ProviderError>>);
    let testing = RwSignal::new(false);
    let search = RwSignal::new(String::new());
    let call = ChatCall::new();
    // The confirmation of "use for all three jobs", with the settings it describes: it shows
    // only while they still hold.
    let copied_all = RwSignal::new(None::<(String, RoleConfigs)>);
    let id = move |what: &str| format!("pw-{}-{what}", role.as_str());
    // This job's address's own limit of calls at once (the engine's; the default "At once"
    // when it has none).
    let eng = crate::state::engine::Engine::expect();
    let limit_problem = RwSignal::new(None::<String>);
    let limit = move || {
        let h = cfg().host();
        eng.host_limits
            .with(|l| l.get(&h).copied())
            .unwrap_or_else(|| eng.concurrency.get())
    };

    // What Test connection and the test message found was of the address they asked: once the
    // address or the provider changes, it goes (tryout 96: a failure stayed on screen for the
    // corrected address).
    crate::state::reactive::effect(move |was: Option<(String, ProviderKind)>| {
        let now = {
            let c = cfg();
            (c.base_url.trim().to_owned(), c.kind)
        };
        if was.is_some_and(|w| w != now) {
            models.set(None);
            call.error.set(None);
        }
        now
    });
    let test_connection = move || {
        let c = cfg();
        testing.set(true);
        models.set(None);
        leptos::task::spawn_local(async move {
            let r = s.list_models(c).await;
            models.try_set(Some(r));
            testing.try_set(false);
        });
    };
    let send_test = move || {
        let c = cfg();
        // The built-in server answers with its one model; every other provider needs a name.
        if c.model.trim().is_empty() && c.kind != ProviderKind::LlamaCpp {
            call.error.set(None);
            call.note.set(Some(
                "Pick a model first: press Test connection and choose one from the list, or type its name under Model.".into(),
            ));
            return;
        }
        let mut req = test_request();
        req.temperature = c.temperature;
        call.start(c.clone(), s.key(&c), req, s.call_options());
    };

    // The address as it is being typed (its change commits it when the field is left): the key
    // field turns on as soon as the typed address names a host, so Tab from the address lands
    // on it (tryout 10: it turned on after Tab had moved past it).
    let typed_url = RwSignal::new(None::<String>);
    // The model name being typed, before the field is left: the test message's figure follows
    // it (tryout 86: it changed only once the field was left).
    let typed_model = RwSignal::new(None::<String>);
    let no_host = move || {
        let mut c = cfg();
        if let Some(u) = typed_url.get().filter(|u| !u.trim().is_empty()) {
            c.base_url = u.trim().to_owned();
        }
        c.host().is_empty()
    };

    view! {
        <p class="pw-hint">{role.hint()}</p>
        <div class="pw-field">
            <label class="pw-label" for=id("provider")>"Provider"</label>
            <select
                id=id("provider")
                class="pw-select"
                on:change=move |ev| {
                    if let Some(k) = ProviderKind::parse(&event_target_value(&ev)) {
                        s.switch_kind(role, k);
                        models.set(None);
                    }
                }
            >
                {ProviderKind::ALL
                    .into_iter()
                    .map(|k| view! { <option value=k.as_str() selected=move || kind() == k>{k.label()}</option> })
                    .collect_view()}
            </select>
        </div>
        <div class="pw-field">
            <label class="pw-label" for=id("base-url")>"Address (base URL)"</label>
            <input
                id=id("base-url")
                class="pw-input"
                type="url"
                spellcheck="false"
                placeholder="https://…/v1"
                prop:value=move || cfg().base_url
                on:input=move |ev| typed_url.set(Some(event_target_value(&ev)))
                on:change=move |ev| {
                    let v = event_target_value(&ev);
                    s.update(role, |c| c.base_url = if v.trim().is_empty() { c.kind.default_base_url().to_owned() } else { v.trim().to_owned() });
                    typed_url.set(None);
                }
            />
            {crate::ui::erased::dynamic(move || ({
                let https = window().location().protocol().is_ok_and(|p| p == "https:");
                crate::domain::http::blocked_by_page(https, &cfg().base_url)
                    .map(|why| view! { <p class="pw-hint pw-hint--warn" role="status">{why}</p> })
            }).into_any())}
        </div>
        <div class="pw-field">
            <label class="pw-label" for=id("key")>
                {crate::ui::erased::dynamic(move || (if kind().needs_key() { "API key" } else { "API key (optional)" }).into_any())}
            </label>
            <div class="pw-row">
                <input
                    id=id("key")
                    class="pw-input"
                    type=move || if show_key.get() { "text" } else { "password" }
                    autocomplete="off"
                    spellcheck="false"
                    placeholder=move || if no_host() { "Type the address first" } else if kind().needs_key() { "Paste your key" } else { "Usually not needed" }
                    disabled=no_host
                    prop:value=move || s.key(&cfg()).map(|k| k.expose().to_owned()).unwrap_or_default()
                    on:input=move |ev| s.set_key(&cfg(), &event_target_value(&ev))
                />
                <button
                    type="button"
                    class="pw-button"
                    aria-pressed=move || show_key.get().to_string()
                    on:click=move |_| show_key.update(|v| *v = !*v)
                >
                    {crate::ui::erased::dynamic(move || (if show_key.get() { "Hide key" } else { "Show key" }).into_any())}
                </button>
            </div>
            <p class="pw-hint pw-hint--key">
                {crate::ui::erased::dynamic(move || ({
                    let host = cfg().host();
                    if host.is_empty() {
                        // The address counts once its box is left (tryout 64: typed, not left).
                        "Type the address of your server above first, then leave its box.".to_owned()
                    } else if let Some(p) = crate::domain::http::address_problem(&cfg().base_url) {
                        format!("{p}. Until then nothing is sent, and your key stays here.")
                    } else if !kind().needs_key() && s.key_missing(&cfg()) {
                        format!("The key you gave for {host} in this tab was forgotten by a reload (a key is kept only when you tick \"remember on this device\" and the browser's storage takes it): calls to {host} go without it until you paste it again.")
                    } else if kind().is_local() {
                        format!("This model runs on your computer ({host}); your key, if any, is sent only there.")
                    } else if !s.has_key(&cfg()) {
                        format!("No key yet for {} at {host}. A key you paste here is sent only to {host}, and only when Promptwright calls it.", kind().label())
                    } else {
                        format!("Your key is sent only to {host}, and only when Promptwright calls this model.{}", also_used_by(&key_users(s, &cfg().key_slot()), tab_name(role)))
                    }
                }).into_any())}
                {crate::ui::erased::dynamic(move || (kind().key_page().map(|p| format!(" Get a key at {p}."))).into_any())}
            </p>
            <div class="pw-row pw-row--wrap">
                <label class="pw-check">
                    <input
                        type="checkbox"
                        prop:checked=move || s.is_remembered(&cfg())
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            s.set_remember(&cfg(), on);
                        }
                    />
                    <span>"Remember on this device"</span>
                </label>
                <button
                    type="button"
                    class="pw-button pw-button--ghost"
                    disabled=move || !s.has_key(&cfg()) && !s.is_remembered(&cfg())
                    on:click=move |_| s.forget_key(&cfg())
                >
                    "Forget key"
                </button>
            </div>
            {crate::ui::erased::show(move || s.is_remembered(&cfg()), move || view! {
                <p class="pw-hint pw-hint--warn" role="status">
                    {crate::ui::erased::dynamic(move || (if s.key_not_kept(&cfg()) {
                        "The browser's storage refused the key (it is full, or storage is off), so it is not remembered: it works in this tab until it closes. Type it again once there is room (the device may be short of space, or the browser may block storage for this site) to keep it."
                    } else {
                        "The key is saved in this browser's storage: anyone who uses this browser profile can read it. Untick to keep it in memory only (gone when you close the tab)."
                    }).into_any())}
                </p>
            }.into_any())}
        </div>
        <div class="pw-field">
            <label class="pw-label" for=id("model")>"Model"</label>
            <div class="pw-row">
                <input
                    id=id("model")
                    class="pw-input"
                    spellcheck="false"
                    prop:value=move || cfg().model
                    on:input=move |ev| typed_model.set(Some(event_target_value(&ev)))
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        s.update(role, |c| c.model = v.trim().to_owned());
                        typed_model.set(None);
                    }
                />
                <button type="button" class="pw-button" disabled=move || testing.get() on:click=move |_| test_connection()>
                    {crate::ui::erased::dynamic(move || (if testing.get() { "Testing…" } else { "Test connection" }).into_any())}
                </button>
            </div>
            {crate::ui::erased::dynamic(move || (match models.get() {
                None => ().into_any(),
                Some(Err(e)) => view! { <ErrorNotice error=e on_retry=Callback::new(move |_| test_connection())/> }.into_any(),
                Some(Ok(list)) => {
                    let count = list.len();
                    let list = StoredValue::new(list);
                    view! {
                        <p class="pw-notice pw-notice--ok" role="status">
                            {format!("Connected: {count} model{} available. Pick one below.", if count == 1 { "" } else { "s" })}
                        </p>
                        <label class="pw-label" for=id("model-search")>"Search models"</label>
                        <input
                            id=id("model-search")
                            class="pw-input"
                            type="search"
                            prop:value=move || search.get()
                            on:input=move |ev| search.set(event_target_value(&ev))
                        />
                        <ul class="pw-model-list" aria-label="Models">
                            {crate::ui::erased::dynamic(move || ({
                                let q = search.get().to_lowercase();
                                list.with_value(|l| {
                                    l.iter()
                                        .filter(|m| q.is_empty() || m.id.to_lowercase().contains(&q)
                                            || m.label.as_deref().is_some_and(|x| x.to_lowercase().contains(&q)))
                                        .take(200)
                                        .map(|m| {
                                            let mid = m.id.clone();
                                            let chosen = mid.clone();
                                            let label = match &m.label {
                                                Some(l) => format!("{} ({l})", m.id),
                                                None => m.id.clone(),
                                            };
                                            view! {
                                                <li>
                                                    <button
                                                        type="button"
                                                        class="pw-model-list__item"
                                                        aria-pressed=move || (cfg().model == mid).to_string()
                                                        on:click=move |_| { let c = chosen.clone(); s.update(role, |x| x.model = c) }
                                                    >
                                                        {label}
                                                    </button>
                                                </li>
                                            }
                                        })
                                        .collect_view()
                                })
                            }).into_any())}
                        </ul>
                    }
                    .into_any()
                }
            }).into_any())}
        </div>
        <div class="pw-field">
            <label class="pw-label" for=id("temperature")>
                "Temperature: " {crate::ui::erased::dynamic(move || (format!("{:.1}", cfg().temperature)).into_any())}
            </label>
            <input
                id=id("temperature")
                class="pw-range"
                type="range"
                min="0"
                max="2"
                step="0.1"
                prop:value=move || cfg().temperature.to_string()
                on:input=move |ev| {
                    if let Ok(t) = event_target_value(&ev).parse::<f32>() {
                        s.update(role, |c| c.temperature = t);
                    }
                }
            />
            <p class="pw-hint">
                "How varied the wording is. Low (0-0.3) gives steady, predictable answers, best for scoring; high (0.7-1) explores more ideas."
            </p>
        </div>
        <div class="pw-field">
            <label class="pw-label" for=id("limit")>{crate::ui::erased::dynamic(move || ({
                // An address that cannot be called is not named as a server (tryout 96).
                let c = cfg();
                match c.host() {
                    h if h.is_empty() || crate::domain::http::address_problem(&c.base_url).is_some() => "Calls at once to its server".to_owned(),
                    h => format!("Calls at once to {h}"),
                }
            }).into_any())}</label>
            <input
                id=id("limit")
                class="pw-input pw-input--number"
                type="text"
                inputmode="numeric"
                prop:value=move || limit().to_string()
                aria-describedby=id("limit-hint")
                aria-invalid=move || limit_problem.with(Option::is_some).then_some("true")
                on:change=move |ev| {
                    match read_setting::<u32>(&event_target_value(&ev), 1, 16, limit()) {
                        Ok(n) => {
                            limit_problem.set(None);
                            let h = cfg().host();
                            eng.host_limits.update(|l| { l.insert(h, n); });
                        }
                        Err(e) => limit_problem.set(Some(e)),
                    }
                }
            />
            <p class="pw-hint" id=id("limit-hint")>
                {crate::ui::erased::dynamic(move || (limit_problem.get().unwrap_or_else(|| {
                    "How many calls this address takes at a time (1-16; providers limit the rate differently): runs and the optimizer queue the rest. Every job and comparison model at this address shares it; \u{201c}At once\u{201d} in Test cases is the number for addresses without their own.".to_owned()
                })).into_any())}
            </p>
        </div>
        <div class="pw-row pw-row--wrap">
            <button type="button" class="pw-button pw-button--primary" disabled=move || call.running.get() on:click=move |_| send_test()>
                "Send a test message"
            </button>
            <super::cost::CostNote cost=Signal::derive(move || {
                let mut c = cfg();
                if let Some(m) = typed_model.get() {
                    c.model = m.trim().to_owned();
                }
                Some(crate::domain::estimate::calls_at_most(&[(&c, crate::domain::estimate::request_bound(&test_request()))]))
            })/>
            {crate::ui::erased::show(move || call.running.get(), move || view! {
                <button type="button" data-stops="true" class="pw-button" on:click=move |_| call.stop()>"Stop"</button>
            }.into_any())}
            <button
                type="button"
                class="pw-button pw-button--ghost"
                on:click=move |_| {
                    s.roles.update(|r| r.copy_to_all(role));
                    let c = s.roles.with_untracked(|r| r.get(role).clone());
                    let model = if c.model.trim().is_empty() { "its default model".to_owned() } else { c.model.clone() };
                    copied_all.set(Some((format!(
                        "Done: all three jobs ({}, {}, {}) now use {} with {}. Each job keeps its own temperature.",
                        Role::Meta.title().to_lowercase(),
                        Role::Execution.title().to_lowercase(),
                        Role::Judge.title().to_lowercase(),
                        c.kind.label(),
                        model,
                    ), s.roles.get_untracked())));
                }
            >
                "Use this provider and model for all three jobs"
            </button>
        </div>
        {crate::ui::erased::dynamic(move || (copied_all.get().filter(|(_, then)| s.roles.with(|r| r == then)).map(|(m, _)| view! { <p class="pw-notice pw-notice--info" role="status">{m}</p> })).into_any())}
        {crate::ui::erased::show(move || call.note.get().is_some(), move || view! {
            <p class="pw-notice pw-notice--info" role="status">{crate::ui::erased::dynamic(move || (call.note.get()).into_any())}</p>
        }.into_any())}
        {crate::ui::erased::show(move || !call.text.get().is_empty(), move || view! {
            <figure class="pw-output">
                <figcaption class="pw-output__label">"Written by the model"</figcaption>
                <p class="pw-output__text" aria-live="polite">{crate::ui::erased::dynamic(move || (call.text.get()).into_any())}</p>
            </figure>
        }.into_any())}
        {crate::ui::erased::dynamic(move || (call.error.get().map(|e| view! { <ErrorNotice error=e on_retry=Callback::new(move |_| send_test())/> })).into_any())}
    }
}

/// Who uses the key of one provider at one host (`ProviderConfig::key_slot`): the jobs by
/// tab name ("Scoring") and the comparison models ("comparison model 1"), in that order.
pub(crate) fn key_users(s: SettingsHandle, slot: &str) -> Vec<String> {
    let mut users: Vec<String> = Role::ALL
        .iter()
        .filter(|r| s.config(**r).key_slot() == slot)
        .map(|r| tab_name(*r).to_owned())
        .collect();
    s.compare.with(|v| {
        for (i, c) in v.iter().enumerate() {
            if c.key_slot() == slot {
                users.push(format!("comparison model {}", i + 1));
            }
        }
    });
    users
}

/// " The same key is used by Scoring and comparison model 1." for the users of the key other
/// than `me`; empty when there are none, so a key changed from another panel is never a
/// surprise.
pub(crate) fn also_used_by(users: &[String], me: &str) -> String {
    let others: Vec<&String> = users.iter().filter(|u| *u != me).collect();
    match others.as_slice() {
        [] => String::new(),
        [one] => format!(" The same key is used by {one}."),
        [rest @ .., last] => format!(
            " The same key is used by {} and {last}.",
            rest.iter()
                .map(|x| x.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The test message of Settings: a one-sentence hello, its answer held to 80 tokens.
fn test_request() -> ChatRequest {
    let mut req = ChatRequest::new(
        Some("You are a friendly assistant. Answer in one short sentence.".into()),
        "Say hello to a new Promptwright user.",
    );
    req.max_tokens = 80;
    req
}
