//! The model settings of the three roles, and the API keys: in memory only, unless the person
//! ticks "remember on this device" for a provider (then `localStorage`, key by key). Saved
//! settings that do not read fall back to their defaults, with a message in `unreadable`.
use std::collections::{HashMap, HashSet};

use leptos::prelude::*;

use crate::domain::provider::{ApiKey, ProviderConfig, ProviderKind, Role, RoleConfigs};
use crate::net::chat::CallOptions;
use crate::net::settings as store;

const SETTINGS_KEY: &str = "pw.settings.v1";
const STALL_KEY: &str = "pw.stall-seconds";
const COMPARE_KEY: &str = "pw.compare.v1";
/// The default patience for a silent reply (slow local models need a while for long prompts).
pub const DEFAULT_STALL_SECONDS: u32 = 45;

fn key_slot(kind: ProviderKind) -> String {
    format!("pw.key.{}", kind.as_str())
}

/// The settings, shared through context. `Copy`: hand it to any component.
#[derive(Clone, Copy)]
pub struct SettingsHandle {
    pub roles: RwSignal<RoleConfigs>,
    /// The comparison models of the model grid, run beside the execution model (each with its
    /// own settings; keys are the providers' like every role's).
    pub compare: RwSignal<Vec<ProviderConfig>>,
    keys: RwSignal<HashMap<ProviderKind, ApiKey>, LocalStorage>,
    remembered: RwSignal<HashSet<ProviderKind>>,
    /// Give up on a reply when no byte arrives for this many seconds.
    pub stall_seconds: RwSignal<u32>,
    /// Saved settings that could not be read and were replaced by defaults, in plain words.
    pub unreadable: RwSignal<Vec<String>>,
}

impl SettingsHandle {
    /// Loads saved settings and remembered keys, provides the handle, and saves every change.
    pub fn provide() -> Self {
        let (roles, mut unreadable) = store::load(SETTINGS_KEY)
            .map(|s| RoleConfigs::read_saved(&s))
            .unwrap_or_default();
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
            Some(Ok(s)) if s > 0 => s,
            Some(_) => {
                unreadable.push(format!("The saved waiting time for a silent reply could not be read, so the default ({DEFAULT_STALL_SECONDS} s) is used."));
                DEFAULT_STALL_SECONDS
            }
        };
        let compare = match store::load(COMPARE_KEY) {
            None => Vec::new(),
            Some(text) => {
                let (models, lost) = crate::domain::provider::read_saved_models(&text);
                unreadable.extend(lost);
                models
            }
        };
        let mut keys = HashMap::new();
        let mut remembered = HashSet::new();
        for kind in ProviderKind::ALL {
            if let Some(k) = store::load(&key_slot(kind)).and_then(|s| ApiKey::new(&s)) {
                keys.insert(kind, k);
                remembered.insert(kind);
            }
        }
        let handle = Self {
            roles: RwSignal::new(roles),
            compare: RwSignal::new(compare),
            keys: RwSignal::new_local(keys),
            remembered: RwSignal::new(remembered),
            stall_seconds: RwSignal::new(stall_seconds),
            unreadable: RwSignal::new(unreadable),
        };
        Effect::new(move |_| {
            store::save(STALL_KEY, &handle.stall_seconds.get().to_string());
        });
        Effect::new(move |_| {
            let json = serde_json::to_string(&handle.roles.get()).unwrap_or_default();
            store::save(SETTINGS_KEY, &json);
        });
        Effect::new(move |_| {
            let json = serde_json::to_string(&handle.compare.get()).unwrap_or_default();
            store::save(COMPARE_KEY, &json);
        });
        provide_context(handle);
        handle
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
        let key = self.keys_untracked(cfg.kind);
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

    /// The key for a provider, if one was given (tracked).
    pub fn key(self, kind: ProviderKind) -> Option<ApiKey> {
        self.keys.with(|k| k.get(&kind).cloned())
    }

    /// The key for a provider, read without tracking (for calls started from events).
    pub fn keys_untracked(self, kind: ProviderKind) -> Option<ApiKey> {
        self.keys.with_untracked(|k| k.get(&kind).cloned())
    }

    pub fn has_key(self, kind: ProviderKind) -> bool {
        self.keys.with(|k| k.contains_key(&kind))
    }

    /// Sets (or clears, when blank) the key; saved to storage only if remembered.
    pub fn set_key(self, kind: ProviderKind, raw: &str) {
        let key = ApiKey::new(raw);
        if self.is_remembered(kind) {
            match &key {
                Some(k) => {
                    store::save(&key_slot(kind), k.expose());
                }
                None => store::remove(&key_slot(kind)),
            }
        }
        self.keys.update(|m| match key {
            Some(k) => {
                m.insert(kind, k);
            }
            None => {
                m.remove(&kind);
            }
        });
    }

    pub fn is_remembered(self, kind: ProviderKind) -> bool {
        self.remembered.with(|r| r.contains(&kind))
    }

    /// Ticks or unticks "remember on this device". Returns false if storage refused the key.
    pub fn set_remember(self, kind: ProviderKind, on: bool) -> bool {
        let mut ok = true;
        if on {
            if let Some(k) = self.keys.with_untracked(|m| m.get(&kind).cloned()) {
                ok = store::save(&key_slot(kind), k.expose());
            }
        } else {
            store::remove(&key_slot(kind));
        }
        self.remembered.update(|r| {
            if on && ok {
                r.insert(kind);
            } else {
                r.remove(&kind);
            }
        });
        ok
    }

    /// Removes the key everywhere: memory and storage.
    pub fn forget_key(self, kind: ProviderKind) {
        store::remove(&key_slot(kind));
        self.remembered.update(|r| {
            r.remove(&kind);
        });
        self.keys.update(|m| {
            m.remove(&kind);
        });
    }
}
