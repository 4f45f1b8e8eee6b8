//! Effects and memos whose reactive machinery is compiled once per value type, not once per
//! closure (issue #16, the download's weight).
//!
//! `Effect::new` and `Memo::new` are generic over the closure they are given, and each closure
//! compiled its own copy of the effect's task or the memo's wrapper: 54 effect copies (56 KB of
//! the wasm) and 157 memo copies (53 KB) in session 32's release build. [`effect`] and [`memo`]
//! box the closure first, so the copy is made per value type (`()` for almost every effect).
//! Behaviour is that of `Effect::new` / `Memo::new`: same tracking, same scheduling, same
//! equality check before a memo notifies its readers.

use leptos::prelude::*;

/// `Effect::new(f)`, with `f` boxed: runs `f` now (after the current task) and again whenever a
/// signal it read changes; `f` gets the value it returned last time (`None` on the first run).
pub fn effect<T: 'static>(f: impl FnMut(Option<T>) -> T + 'static) -> Effect<LocalStorage> {
    let mut f: Box<dyn FnMut(Option<T>) -> T> = Box::new(f);
    Effect::new(move |prev: Option<T>| f(prev))
}

/// `Memo::new(f)`, with `f` boxed: a derived value computed from the signals `f` reads, whose
/// readers are notified only when the new value differs (`PartialEq`) from the one before.
pub fn memo<T>(f: impl Fn(Option<&T>) -> T + Send + Sync + 'static) -> Memo<T>
where
    T: PartialEq + Send + Sync + 'static,
{
    let f: Box<dyn Fn(Option<&T>) -> T + Send + Sync> = Box::new(f);
    Memo::new(move |prev: Option<&T>| f(prev))
}
