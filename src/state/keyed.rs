//! Derived values that reach their readers only when they change: one value ([`settled`]) or
//! one per key, a table's rows ([`Keyed`]).
//!
//! Why not a `Memo`: in Leptos 0.8 every change of a signal walks all the memos that read it,
//! their readers and their readers' readers ("check" marks, each walk cloning the reader set),
//! even when each memo would turn out unchanged. A memo of the draft read by a few hundred rows
//! costs in proportion to the rows on every change of the draft (a profile of a 3 models x 100
//! cases run: a third of the page's time in those walks). Here one effect reads the source; its
//! readers are reached only when their value changed. They see it one microtask later, before
//! the page is painted.
use crate::domain::sorted::SortedMap;
use std::rc::Rc;

use leptos::prelude::*;

/// A value worked out from signals, held in a signal of its own that is set only when the value
/// changes. `same(current)` tells (reading the sources, tracked) whether the value now equals
/// `current`, without building it; `make()` builds it (untracked). The signal starts as
/// `make()`.
pub fn settled<T: Send + Sync + 'static>(
    same: impl Fn(&T) -> bool + 'static,
    make: impl Fn() -> T + 'static,
) -> ReadSignal<T> {
    let s = RwSignal::new(untrack(&make));
    crate::state::reactive::effect(move |_| {
        if !s.with_untracked(&same) {
            s.set(untrack(&make));
        }
    });
    s.read_only()
}

/// One signal per key (a table's row), kept from the same sources: when they change, only the
/// keys whose value changed are set, so a row hears its own changes and no other row's.
/// `Copy`: hand it to rows. A key's signal is made on first [`Keyed::get`] and kept while the
/// table is (keys are a draft's case ids: bounded by its cases).
pub struct Keyed<K: 'static, V: 'static> {
    rows: StoredValue<SortedMap<K, ArcRwSignal<V>>, LocalStorage>,
    make: StoredValue<Rc<dyn Fn(&K) -> V>, LocalStorage>,
}

impl<K: 'static, V: 'static> Clone for Keyed<K, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K: 'static, V: 'static> Copy for Keyed<K, V> {}

impl<K: Ord + Clone + 'static, V: Send + Sync + 'static> Keyed<K, V> {
    /// `track()` reads the sources (tracked: a change of them is what rechecks the rows; read a
    /// memo with `.with(|_| ())`, as one only `.track()`ed is never worked out);
    /// `same(key, current)` tells whether the key's value now equals `current`, `make(key)`
    /// builds it (both untracked).
    pub fn new(
        track: impl Fn() + 'static,
        same: impl Fn(&K, &V) -> bool + 'static,
        make: impl Fn(&K) -> V + 'static,
    ) -> Self {
        let make: Rc<dyn Fn(&K) -> V> = Rc::new(make);
        let keyed = Self {
            rows: StoredValue::new_local(SortedMap::new()),
            make: StoredValue::new_local(make.clone()),
        };
        let rows = keyed.rows;
        crate::state::reactive::effect(move |_| {
            track();
            untrack(|| {
                rows.with_value(|m| {
                    for (k, s) in m {
                        if !s.with_untracked(|v| same(k, v)) {
                            s.set(make(k));
                        }
                    }
                })
            });
        });
        keyed
    }

    /// The signal of `key` (made now from the sources if it is new).
    pub fn get(self, key: K) -> ArcRwSignal<V> {
        if let Some(s) = self.rows.with_value(|m| m.get(&key).cloned()) {
            return s;
        }
        let value = self.make.with_value(|make| untrack(|| make(&key)));
        let s = ArcRwSignal::new(value);
        self.rows.update_value(|m| {
            m.insert(key, s.clone());
        });
        s
    }
}
