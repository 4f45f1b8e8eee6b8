//! Entries typed into a number field that could not be used (out of range, not a number): the
//! text and why, kept per draft and field id while the field's editor is closed, so reopening a
//! case shows them again, its closed line flags them and a run waits for them.
use crate::domain::sorted::SortedMap;

use leptos::prelude::*;

use super::library::Library;

/// One entry that was not taken: what was typed and why it was refused (the message shown).
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub text: String,
    pub problem: String,
}

/// Whose check a field id belongs to (`pw-global-…`: every case, `None`; `pw-case-<id>-…`:
/// that case), or `None` (outer) for a field outside the test cases (settings, run options).
pub fn field_owner(field: &str) -> Option<Option<u32>> {
    if field.starts_with("pw-global-check-") {
        return Some(None);
    }
    let rest = field.strip_prefix("pw-case-")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let id = digits.parse().ok()?;
    rest[digits.len()..].starts_with('-').then_some(Some(id))
}

/// The unaccepted entries of every draft, keyed by (draft id, field id). `Copy`, in context.
#[derive(Clone, Copy)]
pub struct Unaccepted {
    map: RwSignal<SortedMap<(String, String), Entry>>,
    library: Library,
}

impl Unaccepted {
    pub fn provide(library: Library) -> Self {
        let u = Self {
            map: RwSignal::new(SortedMap::new()),
            library,
        };
        provide_context(u);
        u
    }

    /// The store, if the page provides one (components drawn alone have none).
    pub fn get() -> Option<Self> {
        use_context()
    }

    fn key(self, field: &str) -> (String, String) {
        (self.library.current_id.get_untracked(), field.to_owned())
    }

    /// The entry kept for this field of the open draft (untracked: read when a field is drawn).
    pub fn entry(self, field: &str) -> Option<Entry> {
        let key = self.key(field);
        self.map.with_untracked(|m| m.get(&key).cloned())
    }

    /// Keeps what was typed and why it was refused.
    pub fn refuse(self, field: &str, text: String, problem: String) {
        let key = self.key(field);
        self.map.update(|m| {
            m.insert(key, Entry { text, problem });
        });
    }

    /// Forgets the field's entry (it was accepted or emptied).
    pub fn accept(self, field: &str) {
        let key = self.key(field);
        if self.map.with_untracked(|m| m.contains_key(&key)) {
            self.map.update(|m| {
                m.remove(&key);
            });
        }
    }

    /// Case `id` was deleted: its fields' entries go with it (tryout 65: a case added later
    /// showed a deleted case's refused entry).
    pub fn forget_case(self, id: u32) {
        let draft = self.library.current_id.get_untracked();
        let theirs = |(d, f): &(String, String)| *d == draft && field_owner(f) == Some(Some(id));
        if self.map.with_untracked(|m| m.keys().any(theirs)) {
            self.map.update(|m| m.retain(|k, _| !theirs(k)));
        }
    }

    /// A check was removed: its fields' entries go with it and the entries of the checks after
    /// it move up one place, as the checks do (`prefix`: `pw-case-<id>` or `pw-global`).
    pub fn remove_check(self, prefix: &str, index: usize) {
        let draft = self.library.current_id.get_untracked();
        let head = format!("{prefix}-check-");
        self.map.update(|m| {
            let moved: Vec<((String, String), Entry)> = m
                .iter()
                .filter(|((d, f), _)| *d == draft && f.starts_with(&head))
                .map(|(k, e)| (k.clone(), e.clone()))
                .collect();
            for ((d, f), e) in moved {
                m.remove(&(d.clone(), f.clone()));
                let rest = &f[head.len()..];
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                let Ok(i) = digits.parse::<usize>() else {
                    continue;
                };
                if i == index {
                    continue;
                }
                let i = if i > index { i - 1 } else { i };
                m.insert((d, format!("{head}{i}{}", &rest[digits.len()..])), e);
            }
        });
    }

    /// The open draft's entries in the checks of these cases (`None`: the checks for every
    /// case), untracked: (owner, what was typed, why refused).
    pub fn in_checks(self, cases: &[u32]) -> Vec<(Option<u32>, Entry)> {
        let draft = self.library.current_id.get_untracked();
        self.map.with_untracked(|m| {
            m.iter()
                .filter(|((d, _), _)| *d == draft)
                .filter_map(|((_, f), e)| {
                    let owner = field_owner(f)?;
                    owner
                        .is_none_or(|id| cases.contains(&id))
                        .then(|| (owner, e.clone()))
                })
                .collect()
        })
    }

    /// How many unaccepted entries the open draft's checks hold, in any case or in the checks
    /// for every case (tracked): the optimization loop waits for them as a run does.
    pub fn count_in_checks(self) -> usize {
        let draft = self.library.current_id.get();
        self.map.with(|m| {
            m.keys()
                .filter(|(d, f)| *d == draft && field_owner(f).is_some())
                .count()
        })
    }

    /// How many unaccepted entries this case's fields hold in the open draft (tracked).
    pub fn count_in_case(self, id: u32) -> usize {
        let draft = self.library.current_id.get();
        self.map.with(|m| {
            m.keys()
                .filter(|(d, f)| *d == draft && field_owner(f) == Some(Some(id)))
                .count()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::field_owner;

    #[test]
    fn field_owner_reads_the_case_or_every_case_from_the_field_id() {
        assert_eq!(field_owner("pw-case-12-check-0-value-max"), Some(Some(12)));
        assert_eq!(field_owner("pw-case-3-threshold"), Some(Some(3)));
        assert_eq!(field_owner("pw-global-check-1-value"), Some(None));
        assert_eq!(field_owner("pw-concurrency"), None);
        assert_eq!(field_owner("pw-case-x-check"), None);
        assert_eq!(field_owner("pw-case-12"), None);
    }
}
