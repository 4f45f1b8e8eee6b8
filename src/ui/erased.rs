//! Leptos's generic view pieces compiled once: every keyed list of the page goes through
//! [`keyed`], every part shown on a condition through [`show`] and every part that follows
//! signals through [`dynamic`], so Leptos's keyed diff, its `<Show>` and its render effect are
//! compiled once, not once per use (issue #16: eleven `<For>`s were 55 KB of code, about 5 KB
//! each).
//!
//! A list gives its items as keys ([`RowKey`]: what `<For>`'s `key` would have returned) and
//! builds a row from its key; rows whose key stays are kept (their state, focus and reactive
//! owner), as with `<For>`. A part shown on a condition is built when the condition turns true
//! and dropped when it turns false, as with `<Show>`; the condition is a memo, so a change that
//! leaves it as it was rebuilds nothing.
use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use send_wrapper::SendWrapper;

/// A row's identity in a [`keyed`] list: two items with equal keys are the same row. A number
/// (an id, an index) or a text (a name, an id that is text).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RowKey {
    /// An id or an index.
    Number(u64),
    /// A name or a text id.
    Text(String),
    /// Two texts (a model's key and its label).
    Pair(String, String),
}

/// An item type that is its own row key ([`keyed`]): it turns into a [`RowKey`] and back.
pub trait Key: Clone + 'static {
    /// The row key of this item.
    fn to_key(&self) -> RowKey;
    /// The item back from its key; `None` for a key of another kind (never made by `to_key`).
    fn from_key(key: &RowKey) -> Option<Self>;
}

/// Numbers (ids, indexes) are their own keys.
macro_rules! number_key {
    ($($t:ty),*) => {$(
        impl Key for $t {
            fn to_key(&self) -> RowKey {
                RowKey::Number(*self as u64)
            }
            fn from_key(key: &RowKey) -> Option<Self> {
                match key {
                    RowKey::Number(n) => <$t>::try_from(*n).ok(),
                    _ => None,
                }
            }
        }
    )*};
}

number_key!(u32, u64, usize);

impl Key for String {
    fn to_key(&self) -> RowKey {
        RowKey::Text(self.clone())
    }
    fn from_key(key: &RowKey) -> Option<Self> {
        match key {
            RowKey::Text(t) => Some(t.clone()),
            _ => None,
        }
    }
}

impl Key for (String, String) {
    fn to_key(&self) -> RowKey {
        RowKey::Pair(self.0.clone(), self.1.clone())
    }
    fn from_key(key: &RowKey) -> Option<Self> {
        match key {
            RowKey::Pair(a, b) => Some((a.clone(), b.clone())),
            _ => None,
        }
    }
}

/// A keyed list: `each` gives the items in order (read reactively: the list follows it), `row`
/// builds the row of an item that was not on the list before. Rows whose item stays are kept,
/// moved when the order changes; rows whose item goes are dropped with their reactive owner.
/// Items must be distinct (two equal items would be one row twice, as with `<For>`).
pub fn keyed<K: Key>(
    each: impl Fn() -> Vec<K> + 'static,
    row: impl Fn(K) -> AnyView + 'static,
) -> AnyView {
    erased(
        Box::new(move || each().iter().map(Key::to_key).collect()),
        Rc::new(move |key: &RowKey| K::from_key(key).map(&row)),
    )
}

/// A keyed list of items that are not their own keys: `key` names each item's row (unique
/// within the list), `row` builds the row of an item whose key was not on the list before, from
/// the item as `each` last gave it. Otherwise as [`keyed`]. Finding a new row's item is linear
/// in the list: for short lists (drafts, rubrics), not for a suite's cases.
pub fn keyed_by<T: Clone + 'static>(
    each: impl Fn() -> Vec<T> + 'static,
    key: impl Fn(&T) -> RowKey + 'static,
    row: impl Fn(T) -> AnyView + 'static,
) -> AnyView {
    let latest = Rc::new(RefCell::new(Vec::<(RowKey, T)>::new()));
    let written = Rc::clone(&latest);
    erased(
        Box::new(move || {
            let items: Vec<(RowKey, T)> = each().into_iter().map(|t| (key(&t), t)).collect();
            let keys = items.iter().map(|(k, _)| k.clone()).collect();
            *written.borrow_mut() = items;
            keys
        }),
        Rc::new(move |k: &RowKey| {
            let item = latest
                .borrow()
                .iter()
                .find(|(x, _)| x == k)
                .map(|(_, t)| t.clone());
            item.map(&row)
        }),
    )
}

type Each = Box<dyn Fn() -> Vec<RowKey>>;
type Row = Rc<dyn Fn(&RowKey) -> Option<AnyView>>;

/// The one `<For>` of the page.
fn erased(each: Each, row: Row) -> AnyView {
    let each = SendWrapper::new(each);
    let row = SendWrapper::new(row);
    view! {
        <For
            each=move || each()
            key=|k: &RowKey| k.clone()
            children=move |k: RowKey| row(&k).unwrap_or_else(|| ().into_any())
        />
    }
    .into_any()
}

/// What `<Show when=when>children</Show>` shows: `children` while `when` is true (built anew
/// each time it turns true), nothing while it is false. `when` is read reactively and memoized.
pub fn show(
    when: impl Fn() -> bool + 'static,
    children: impl Fn() -> AnyView + 'static,
) -> AnyView {
    erased_show(
        Box::new(when),
        Box::new(children),
        Box::new(|| ().into_any()),
    )
}

/// [`show`] with `fallback` shown while `when` is false (`<Show fallback=…>`).
pub fn show_or(
    when: impl Fn() -> bool + 'static,
    children: impl Fn() -> AnyView + 'static,
    fallback: impl Fn() -> AnyView + 'static,
) -> AnyView {
    erased_show(Box::new(when), Box::new(children), Box::new(fallback))
}

type Part = Box<dyn Fn() -> AnyView>;

/// The one `<Show>` of the page.
fn erased_show(when: Box<dyn Fn() -> bool>, children: Part, fallback: Part) -> AnyView {
    let when = SendWrapper::new(when);
    let shown = crate::state::reactive::memo(move |_| when());
    erased_dynamic(Box::new(
        move || {
            if shown.get() { children() } else { fallback() }
        },
    ))
}

/// A part of the page that follows the signals `f` reads (a view child written `{move || …}`):
/// built from `f` now and rebuilt from it whenever one of them changes, in place where the
/// new view is of the same kind (an element keeps its focus). Every such part goes through
/// here, so Leptos compiles its render effect once (issue #16).
pub fn dynamic(f: impl Fn() -> AnyView + 'static) -> AnyView {
    erased_dynamic(Box::new(f))
}

fn erased_dynamic(f: Box<dyn Fn() -> AnyView>) -> AnyView {
    let f = SendWrapper::new(f);
    (move || f()).into_any()
}
