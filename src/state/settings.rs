//! The model settings of the three roles, and the API keys: one key per provider at one host
//! (`ProviderConfig::key_slot`), in memory only, unless the person ticks "remember on this
//! device" (then `localStorage`, key by key). Saved settings that do not read fall back to their
//! defaults, with a message in `unreadable`.
use crate::domain::sorted::{SortedMap, SortedSet};

use leptos::prelude::*;

use crate::domain::provider::{ApiKey, ProviderConfig, ProviderKind, Role, RoleConfigs};
use crate::net::chat::CallOptions;
use crate::net::settings as store;

const SETTINGS_KEY: &str = "pw.settings.v1";
const STALL_KEY: &str = "pw.stall-seconds";
const COMPARE_KEY: &str = "pw.compare.v1";
/// The default patience for a silent reply (slow local models need a while for long prompts).
pub const DEFAULT_STALL_SECONDS: u32 = 45;
/// The most the waiting time for a silent reply may be, in seconds (its field's range is 1 to
/// this; a saved value above it is named and not used).
pub const MAX_STALL_SECONDS: u32 = 600;

/// `sessionStorage` key of the key slots given a key in this tab, one per line (see
/// [`SettingsHandle::key_missing`]).
const TAB_KEYED: &str = "pw.tab-keyed";
/// The fingerprint of the key given for a slot (`pw.keyprint.<slot>`, localStorage), kept
/// whether the key is remembered or not: `domain::secrets::KeyPrint`.
const PRINT_PREFIX: &str = "pw.keyprint.";

/// [`SettingsHandle::not_saved`]'s words for the settings kept under each name.
const MODEL_SETTINGS: &str = "your model settings (providers, addresses, models)";
const WAIT_SETTING: &str = "the waiting time for a silent reply";
const COMPARE_SETTINGS: &str = "the models to compare";

/// Where a remembered key is kept: `pw.key.<preset>@<host>`.
fn key_slot(slot: &str) -> String {
    format!("pw.key.{slot}")
}

/// What [`SettingsHandle::not_saved`] says for a remembered key the storage refused: "the key
/// for OpenAI-compatible server at 127.0.0.1:8122 (Remember on this device)" (`slot`:
/// `kind@host`).
fn remember_label(slot: &str) -> String {
    // The provider too: two presets at one host have a key each (the review).
    match slot.split_once('@') {
        Some((kind, host)) => format!(
            "the key for {} at {host} (Remember on this device)",
            ProviderKind::parse(kind).map_or_else(|| kind.to_owned(), |k| k.label().to_owned())
        ),
        None => format!("the key for {slot} (Remember on this device)"),
    }
}

/// Keys saved before keys were kept per host (`pw.key.<preset>`) were sent to every address of
/// that preset: each is kept for the hosts the saved jobs and comparison models of that preset
/// call (where it already went), and the old entry is removed once it is. Not for the preset's
/// own host when no saved job calls it (session 42's review: a key typed for a proxy at another
/// address would have gone to the provider's own host once a job was switched back to it). A
/// key no saved job or comparison model of its preset calls is let go: where it went is not
/// known.
fn migrate_legacy_keys(roles: &RoleConfigs, compare: &[ProviderConfig]) {
    for kind in ProviderKind::ALL {
        let legacy = format!("pw.key.{}", kind.as_str());
        let Some(raw) = store::load(&legacy) else {
            continue;
        };
        let mut configs: Vec<ProviderConfig> =
            Role::ALL.iter().map(|r| roles.get(*r).clone()).collect();
        configs.extend(compare.iter().cloned());
        let mut kept = true;
        for c in configs
            .iter()
            .filter(|c| c.kind == kind && !c.host().is_empty())
        {
            kept &= store::save(&key_slot(&c.key_slot()), &raw);
        }
        if kept {
            store::remove(&legacy);
        }
    }
}

/// Where a copy of stored settings that did not all read is kept: `<key>.as-stored`.
pub fn as_stored_key(key: &str) -> String {
    format!("{key}.as-stored")
}

/// Keeps `text`, the stored settings under `key` that did not all read, under
/// [`as_stored_key`] (best effort: a full storage keeps the copy in memory only).
fn keep_as_stored(key: &str, text: &str) {
    let _ = store::save(&as_stored_key(key), text);
}

/// The settings, shared through context. `Copy`: hand it to any component.
#[derive(Clone, Copy)]
pub struct SettingsHandle {
    pub roles: RwSignal<RoleConfigs>,
    /// The comparison models of the model grid, run beside the execution model (each with its
    /// own settings; a key is shared only with the jobs that call the same provider at the same
    /// host).
    pub compare: RwSignal<Vec<ProviderConfig>>,
    /// Keys by `ProviderConfig::key_slot`.
    keys: RwSignal<SortedMap<String, ApiKey>, LocalStorage>,
    remembered: RwSignal<SortedSet<String>>,
    /// The key slots given a key in this tab (kept in `sessionStorage` under [`TAB_KEYED`], so
    /// a reload of the tab still knows them): a provider that may go without a key (a local or
    /// OpenAI-compatible server) is taken to need the one it had before a reload forgot it.
    had_key: RwSignal<SortedSet<String>>,
    /// Give up on a reply when no byte arrives for this many seconds.
    pub stall_seconds: RwSignal<u32>,
    /// Saved settings that could not be read and were replaced by defaults, in plain words.
    pub unreadable: RwSignal<Vec<String>>,
    /// The stored text of the model settings and of the comparison models when some of it did
    /// not read, as (what it holds, text): kept as stored until a setting changes, a copy under
    /// [`as_stored_key`] in storage, and offered for download (tryout 99: the defaults were
    /// written over a setting from a newer version at load, and it was gone).
    pub as_stored: RwSignal<Vec<(String, String)>>,
    /// What the browser's storage refused to keep at the latest try, in words ("your model
    /// settings", "the key of …"): it works in this tab only until then (tryout 81: with the
    /// storage full, a model changed and "Remember on this device" were lost without a word).
    /// Empty when everything was kept.
    pub not_saved: RwSignal<SortedSet<String>>,
    /// Each job's settings for a provider it was switched away from in this page, by job: the
    /// address and model it goes back to when switched back ([`SettingsHandle::switch_kind`]).
    earlier: StoredValue<Vec<(Role, ProviderConfig)>>,
}

impl SettingsHandle {
    /// Switches job `role` to provider `kind` ([`RoleConfigs::switch_kind`]), with the address
    /// and model it had for that provider before it was switched away in this page (tryout 89:
    /// switching a job to OpenAI and back to an OpenAI-compatible server emptied the server's
    /// address and model). The settings it leaves are kept for the next switch back.
    pub fn switch_kind(self, role: Role, kind: ProviderKind) {
        let now = self.roles.with_untracked(|r| r.get(role).clone());
        if now.kind == kind {
            return;
        }
        let back = self.earlier.with_value(|e| {
            e.iter()
                .find(|(r, c)| *r == role && c.kind == kind)
                .map(|(_, c)| c.clone())
        });
        self.earlier.update_value(|e| {
            e.retain(|(r, c)| !(*r == role && c.kind == now.kind));
            e.push((role, now));
        });
        self.roles
            .update(|r| r.switch_kind(role, kind, back.as_ref()));
    }

    /// Loads saved settings and remembered keys, provides the handle, and saves every change.
    pub fn provide() -> Self {
        let saved_roles = store::load(SETTINGS_KEY);
        let (roles, mut unreadable) = saved_roles
            .as_deref()
            .map(RoleConfigs::read_saved)
            .unwrap_or_default();
        let mut as_stored: Vec<(String, String)> = Vec::new();
        let roles_damaged = !unreadable.is_empty();
        if let Some(text) = saved_roles.filter(|_| roles_damaged) {
            keep_as_stored(SETTINGS_KEY, &text);
            as_stored.push(("model settings".to_owned(), text));
        }
        if store::load(crate::state::Theme::KEY)
            .is_some_and(|t| crate::state::Theme::read(&t).is_none())
        {
            unreadable.push(
                "The saved colour theme could not be read, so the page follows the system's."
                    .to_owned(),
            );
        }
        let stall_seconds = match store::load(STALL_KEY).map(|s| s.trim().parse::<u32>()) {
            None => DEFAULT_STALL_SECONDS,
            // The field's range (1 to 600 s, `ui::settings`): a saved value outside it is
            // named and not used (tryout 18: 99999 loaded silently).
            Some(Ok(s)) if (1..=MAX_STALL_SECONDS).contains(&s) => s,
            Some(Ok(s)) if s > MAX_STALL_SECONDS => {
                unreadable.push(format!("The saved waiting time for a silent reply ({s} s) is more than {MAX_STALL_SECONDS} s, the most allowed, so the default ({DEFAULT_STALL_SECONDS} s) is used."));
                DEFAULT_STALL_SECONDS
            }
            Some(_) => {
                unreadable.push(format!("The saved waiting time for a silent reply could not be read, so the default ({DEFAULT_STALL_SECONDS} s) is used."));
                DEFAULT_STALL_SECONDS
            }
        };
        let mut compare_damaged = false;
        let compare = match store::load(COMPARE_KEY) {
            None => Vec::new(),
            Some(text) => {
                let (models, lost) = crate::domain::provider::read_saved_models(&text);
                if !lost.is_empty() {
                    compare_damaged = true;
                    keep_as_stored(COMPARE_KEY, &text);
                    as_stored.push(("comparison models".to_owned(), text));
                }
                unreadable.extend(lost);
                models
            }
        };
        migrate_legacy_keys(&roles, &compare);
        let mut keys = SortedMap::new();
        let mut remembered = SortedSet::new();
        for (name, value) in store::entries_with_prefix("pw.key.") {
            let slot = name["pw.key.".len()..].to_owned();
            if let (true, Some(k)) = (slot.contains('@'), ApiKey::new(&value)) {
                keys.insert(slot.clone(), k);
                remembered.insert(slot);
            }
        }
        let handle = Self {
            roles: RwSignal::new(roles),
            compare: RwSignal::new(compare),
            keys: RwSignal::new_local(keys),
            remembered: RwSignal::new(remembered),
            had_key: RwSignal::new(
                crate::net::session::load(TAB_KEYED)
                    .unwrap_or_default()
                    .lines()
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect(),
            ),
            stall_seconds: RwSignal::new(stall_seconds),
            unreadable: RwSignal::new(unreadable),
            as_stored: RwSignal::new(as_stored),
            not_saved: RwSignal::new(SortedSet::new()),
            earlier: StoredValue::new(Vec::new()),
        };
        crate::state::reactive::effect(move |_| {
            let ok = store::save(STALL_KEY, &handle.stall_seconds.get().to_string());
            handle.saved(WAIT_SETTING, ok);
        });
        // Settings that did not all read stay as stored until one changes (not the defaults
        // written over them at load).
        crate::state::reactive::effect(move |first: Option<()>| {
            let json = serde_json::to_string(&handle.roles.get()).unwrap_or_default();
            if first.is_some() || !roles_damaged {
                let ok = store::save(SETTINGS_KEY, &json);
                handle.saved(MODEL_SETTINGS, ok);
            }
        });
        crate::state::reactive::effect(move |first: Option<()>| {
            let json = serde_json::to_string(&handle.compare.get()).unwrap_or_default();
            if first.is_some() || !compare_damaged {
                let ok = store::save(COMPARE_KEY, &json);
                handle.saved(COMPARE_SETTINGS, ok);
            }
        });
        // Keys remembered before fingerprints were kept get theirs now.
        let printed: Vec<String> = store::entries_with_prefix(PRINT_PREFIX)
            .into_iter()
            .map(|(name, _)| name[PRINT_PREFIX.len()..].to_owned())
            .collect();
        handle.keys.with_untracked(|k| {
            for (slot, key) in k.iter().filter(|(slot, _)| !printed.contains(slot)) {
                Self::keep_print(slot, Some(key));
            }
        });
        handle.refresh_forgotten();
        provide_context(handle);
        handle
    }

    /// Tells `domain::secrets` the fingerprints of the keys given in this browser that this tab
    /// does not hold (a reload forgot a key that was not remembered): links, files and calls
    /// to other providers take them out as they take out the keys held (tryout 120).
    fn refresh_forgotten(self) {
        let prints = store::entries_with_prefix(PRINT_PREFIX)
            .into_iter()
            .filter(|(name, _)| {
                let slot = &name[PRINT_PREFIX.len()..];
                !self.keys.with_untracked(|k| k.contains_key(slot))
            })
            .filter_map(|(_, text)| crate::domain::secrets::KeyPrint::from_text(&text))
            .collect();
        crate::domain::secrets::set_forgotten(prints);
    }

    /// Keeps the fingerprint of the key given for `slot` (`None`: takes it away): a salted hash
    /// and the length, never the key ([`crate::domain::secrets::KeyPrint`]).
    fn keep_print(slot: &str, key: Option<&ApiKey>) {
        let name = format!("{PRINT_PREFIX}{slot}");
        let salt = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64
            ^ ((js_sys::Math::random() * 4_294_967_296.0) as u64) << 32;
        match key.and_then(|k| crate::domain::secrets::KeyPrint::of(k.expose(), salt)) {
            Some(p) => {
                // Storage full: the key is still taken out while this tab holds it.
                let _ = store::save(&name, &p.to_text());
            }
            None => store::remove(&name),
        }
    }

    pub fn expect() -> Self {
        expect_context()
    }

    /// The models `cfg`'s provider lists (its model-list endpoint, called with the key kept for
    /// that provider), for Settings' *Test connection*: the typed provider error when the list
    /// cannot be had; gives up after 15 s.
    pub async fn list_models(
        self,
        cfg: ProviderConfig,
    ) -> Result<Vec<crate::domain::provider::ModelInfo>, crate::domain::provider::ProviderError>
    {
        let key = self.keys_untracked(&cfg);
        crate::net::chat::list_models(&cfg, key.as_ref(), 15_000).await
    }

    /// How patient model calls are.
    pub fn call_options(self) -> CallOptions {
        CallOptions {
            stall_ms: self.stall_seconds.get_untracked().max(1) * 1000,
            ..CallOptions::default()
        }
    }

    /// The current settings of one role (tracked).
    /// Whether writing prompts uses the tiny built-in model, which can Generate, suggest cases
    /// and propose rules (`meta::tiny`, `meta::tiny_jobs`) but not rewrite sections, adapt a
    /// prompt or critique it: those ask for JSON it cannot write.
    pub fn meta_is_tiny(self) -> bool {
        self.roles.with(|r| r.get(Role::Meta).kind.is_tiny())
    }

    pub fn config(self, role: Role) -> ProviderConfig {
        self.roles.with(|r| r.get(role).clone())
    }

    pub fn update(self, role: Role, f: impl FnOnce(&mut ProviderConfig)) {
        self.roles.update(|r| f(r.get_mut(role)));
    }

    /// The key for `cfg`'s provider at `cfg`'s host, if one was given (tracked).
    pub fn key(self, cfg: &ProviderConfig) -> Option<ApiKey> {
        let slot = cfg.key_slot();
        self.keys.with(|k| k.get(&slot).cloned())
    }

    /// The key for `cfg`, read without tracking (for calls started from events).
    pub fn keys_untracked(self, cfg: &ProviderConfig) -> Option<ApiKey> {
        let slot = cfg.key_slot();
        self.keys.with_untracked(|k| k.get(&slot).cloned())
    }

    pub fn has_key(self, cfg: &ProviderConfig) -> bool {
        let slot = cfg.key_slot();
        self.keys.with(|k| k.contains_key(&slot))
    }

    /// Sets (or clears, when blank) the key of `cfg`'s provider at its host; saved to storage
    /// only if remembered. Nothing is kept for a config with no host yet (tryout: a key typed
    /// before any address was kept for "no address" and went with the next address typed for
    /// any model of that preset): the page offers the field only once an address is typed.
    pub fn set_key(self, cfg: &ProviderConfig, raw: &str) {
        if cfg.host().is_empty() {
            return;
        }
        self.set_slot(cfg.key_slot(), raw);
    }

    /// Whether calls to `cfg` would go out with no key they need: none in this tab, and its
    /// provider needs one ([`ProviderKind::needs_key`]) or had one in this tab before a reload
    /// forgot it (a key typed for an OpenAI-compatible server and not remembered). Tracked.
    pub fn key_missing(self, cfg: &ProviderConfig) -> bool {
        !self.has_key(cfg)
            && (cfg.kind.needs_key() || self.had_key.with(|h| h.contains(&cfg.key_slot())))
    }

    /// What to say before calls to `cfgs` go out without a key ([`Self::key_missing`]), each
    /// provider and host named once (see [`crate::domain::provider::missing_keys_note`];
    /// `resume`: the calls wait for Resume). `None` when every key is there. Tracked.
    pub fn missing_keys(self, cfgs: &[ProviderConfig], resume: bool) -> Option<String> {
        let (mut refused, mut forgot) = (Vec::<String>::new(), Vec::<String>::new());
        for c in cfgs {
            if c.host().is_empty() || !self.key_missing(c) {
                continue;
            }
            let name = format!("{} at {}", c.kind.label(), c.host());
            let list = if c.kind.needs_key() {
                &mut refused
            } else {
                &mut forgot
            };
            if !list.contains(&name) {
                list.push(name);
            }
        }
        crate::domain::provider::missing_keys_note(&refused, &forgot, resume)
    }

    /// Calls to `cfgs` go out now without the keys a reload forgot (the person started them
    /// so, e.g. the optimization loop's Start): those slots stop counting as missing
    /// ([`Self::key_missing`]), so a pause and Resume later do not wait for a key the work
    /// went on without (helper-54). A server that does need it refuses the calls, and the work
    /// holds for the key as for a refused one. Providers that always need a key are not
    /// affected.
    pub fn going_without_keys(self, cfgs: &[ProviderConfig]) {
        let forgotten: Vec<String> = untrack(|| {
            cfgs.iter()
                .filter(|c| !c.kind.needs_key() && !self.has_key(c))
                .map(ProviderConfig::key_slot)
                .filter(|s| self.had_key.with(|h| h.contains(s)))
                .collect()
        });
        if forgotten.is_empty() {
            return;
        }
        self.had_key.update(|h| {
            for s in &forgotten {
                h.remove(s);
            }
        });
        self.save_had_key();
    }

    /// Whether calls to one of `cfgs` would go out without a key a reload forgot, to a server
    /// that may need none ([`Self::key_missing`] for such a server): the page then offers
    /// `GO_ON_WITHOUT_KEY` ([`Self::going_without_keys`]). Tracked.
    pub fn forgotten_keys(self, cfgs: &[ProviderConfig]) -> bool {
        cfgs.iter()
            .any(|c| !c.host().is_empty() && !c.kind.needs_key() && self.key_missing(c))
    }

    /// Keeps the slots that had a key in this tab (`sessionStorage`, one per line).
    fn save_had_key(self) {
        let mut slots: Vec<String> = self.had_key.with_untracked(|h| h.iter().cloned().collect());
        crate::domain::order::sort(&mut slots);
        crate::net::session::save(TAB_KEYED, &slots.join("\n"));
    }

    fn set_slot(self, slot: String, raw: &str) {
        let key = ApiKey::new(raw);
        if self.remembered.with_untracked(|r| r.contains(&slot)) {
            // A key storage refuses (full) is said, not taken as kept (tryout 115: "The key is
            // saved in this browser's storage" with none there; after a reload the page said
            // the box had not been ticked).
            let ok = match &key {
                // Refused: no older key left behind to come back after a reload (the review).
                Some(k) => {
                    store::save(&key_slot(&slot), k.expose()) || {
                        store::remove(&key_slot(&slot));
                        false
                    }
                }
                None => {
                    store::remove(&key_slot(&slot));
                    true
                }
            };
            self.saved(&remember_label(&slot), ok);
        }
        let had = key.is_some();
        if had != self.had_key.with_untracked(|h| h.contains(&slot)) {
            self.had_key.update(|h| {
                if had {
                    h.insert(slot.clone());
                } else {
                    h.remove(&slot);
                }
            });
            self.save_had_key();
        }
        Self::keep_print(&slot, key.as_ref());
        self.keys.update(|m| match key {
            Some(k) => {
                m.insert(slot, k);
            }
            None => {
                m.remove(&slot);
            }
        });
        self.refresh_forgotten();
    }

    pub fn is_remembered(self, cfg: &ProviderConfig) -> bool {
        let slot = cfg.key_slot();
        self.remembered.with(|r| r.contains(&slot))
    }

    /// Whether "remember on this device" is ticked for `cfg`'s key and the browser's storage
    /// refused to keep it (full, or storage off): the key works in this tab only. Tracked.
    pub fn key_not_kept(self, cfg: &ProviderConfig) -> bool {
        let label = remember_label(&cfg.key_slot());
        self.is_remembered(cfg) && self.not_saved.with(|n| n.contains(&label))
    }

    /// Notes whether the browser kept `what` ([`Self::not_saved`]).
    fn saved(self, what: &str, ok: bool) {
        if ok == self.not_saved.with_untracked(|n| !n.contains(what)) {
            return;
        }
        self.not_saved.update(|n| {
            if ok {
                n.remove(what);
            } else {
                n.insert(what.to_owned());
            }
        });
    }

    /// Ticks or unticks "remember on this device". Returns false if storage refused the key
    /// (then said in [`Self::not_saved`] until a later try keeps it, or the box is unticked).
    pub fn set_remember(self, cfg: &ProviderConfig, on: bool) -> bool {
        let slot = cfg.key_slot();
        let mut ok = true;
        if on {
            if let Some(k) = self.keys.with_untracked(|m| m.get(&slot).cloned()) {
                ok = store::save(&key_slot(&slot), k.expose());
            }
        } else {
            store::remove(&key_slot(&slot));
        }
        self.saved(&remember_label(&slot), ok || !on);
        self.remembered.update(|r| {
            if on && ok {
                r.insert(slot);
            } else {
                r.remove(&slot);
            }
        });
        ok
    }

    /// Every key given in this tab, whatever its provider (tracked): what a share link or an
    /// export takes out ([`crate::domain::secrets::redact`]) before it leaves the page.
    pub fn keys_to_withhold(self) -> Vec<ApiKey> {
        self.keys.with(|k| k.values().cloned().collect())
    }

    /// Removes the key of `cfg`'s provider at its host everywhere: memory and storage.
    pub fn forget_key(self, cfg: &ProviderConfig) {
        self.forget_slot(&cfg.key_slot());
    }

    fn forget_slot(self, slot: &str) {
        store::remove(&key_slot(slot));
        self.saved(&remember_label(slot), true);
        // Forgotten on purpose: not a key "a reload forgot" (tryout 115: Forget key was said as
        // one at once, in Settings and under Generate and Run).
        if self.had_key.with_untracked(|h| h.contains(slot)) {
            self.had_key.update(|h| {
                h.remove(slot);
            });
            self.save_had_key();
        }
        self.remembered.update(|r| {
            r.remove(slot);
        });
        Self::keep_print(slot, None);
        self.keys.update(|m| {
            m.remove(slot);
        });
        self.refresh_forgotten();
    }
}
