//! When a changed draft is saved: the autosave timing policy as a pure machine. The decision is
//! made here, from the times and kinds of changes it is told; the waiting is the shell's (it
//! sleeps for the [`Wait`] it is given and asks [`Autosave::due`] when it wakes), in the shape of
//! helix's `helix-event` debounce hooks. Typing is saved after a pause of [`DELAY_MS`]; a change
//! that makes a new version (or a step of the optimization loop) at once; changes that keep
//! coming without a pause (a long run streaming results) no later than [`MAX_WAIT_MS`] after the
//! oldest of them.

/// The pause after the last change before it is saved (ms).
pub const DELAY_MS: u32 = 400;
/// The longest a change waits for its save while changes keep coming without a pause (ms).
pub const MAX_WAIT_MS: f64 = 1500.0;

/// The policy's state: which change is the latest, and since when changes are unsaved.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Autosave {
    /// Number of the latest change: a wait started for an earlier one saves nothing.
    latest: u64,
    /// When the oldest change not yet in a save was made (ms since the epoch); `None` when a
    /// save holds every change so far.
    unsaved_since: Option<f64>,
}

/// What the shell does after a change: sleep `ms`, then save if [`Autosave::due`] says so for
/// `ticket`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    pub ms: u32,
    pub ticket: u64,
}

impl Autosave {
    /// A change was made at `now_ms`; `urgent` when it made a new version or a step of the
    /// optimization loop (saved at once, so a reload right after it keeps it).
    pub fn changed(&mut self, now_ms: f64, urgent: bool) -> Wait {
        self.latest += 1;
        let since = *self.unsaved_since.get_or_insert(now_ms);
        // The pause, but never past the oldest unsaved change's longest wait.
        let left = (since + MAX_WAIT_MS - now_ms).max(0.0);
        let ms = if urgent {
            0
        } else {
            f64::from(DELAY_MS).min(left) as u32
        };
        Wait {
            ms,
            ticket: self.latest,
        }
    }

    /// Whether the wait for `ticket` ends in a save: only the latest change's does (an earlier
    /// one's is taken over by it).
    pub fn due(&self, ticket: u64) -> bool {
        ticket == self.latest
    }

    /// A save starts: it holds every change made so far, so the longest wait starts again with
    /// the next change.
    pub fn saving(&mut self) {
        self.unsaved_since = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs changes at the given times (ms) through the policy the way the shell does: each
    /// change sleeps its wait, and a wait that is due when it ends saves. Returns the save times.
    fn saves(changes: &[(f64, bool)]) -> Vec<f64> {
        let mut p = Autosave::default();
        let mut timers: Vec<(f64, u64)> = Vec::new();
        let mut saved = Vec::new();
        let mut fire_until = |p: &mut Autosave, timers: &mut Vec<(f64, u64)>, t: f64| {
            timers.sort_by(|a, b| a.0.total_cmp(&b.0));
            while timers.first().is_some_and(|(at, _)| *at <= t) {
                let (at, ticket) = timers.remove(0);
                if p.due(ticket) {
                    p.saving();
                    saved.push(at);
                }
            }
        };
        for &(t, urgent) in changes {
            fire_until(&mut p, &mut timers, t);
            let w = p.changed(t, urgent);
            timers.push((t + f64::from(w.ms), w.ticket));
        }
        fire_until(&mut p, &mut timers, f64::INFINITY);
        saved
    }

    #[test]
    fn typing_is_saved_once_after_a_pause() {
        // Five keystrokes 100 ms apart: one save, 400 ms after the last.
        let keys: Vec<(f64, bool)> = (0..5).map(|i| (f64::from(i) * 100.0, false)).collect();
        assert_eq!(saves(&keys), vec![800.0]);
    }

    #[test]
    fn a_new_version_is_saved_at_once() {
        assert_eq!(saves(&[(0.0, false), (50.0, true)]), vec![50.0]);
    }

    #[test]
    fn changes_that_never_pause_are_still_saved_every_max_wait() {
        // A change every 200 ms for 5 s (a run streaming results): never a 400 ms pause, yet
        // saved at least every 1.5 s, and once more after the last change.
        let stream: Vec<(f64, bool)> = (0..=25).map(|i| (f64::from(i) * 200.0, false)).collect();
        let s = saves(&stream);
        assert!(s.len() >= 3, "{s:?}");
        // No change waits longer than the longest wait for the save that holds it: the first
        // save at or after it.
        for &(t, _) in &stream {
            let held_by = s
                .iter()
                .find(|at| **at >= t)
                .expect("every change is saved");
            assert!(
                held_by - t <= MAX_WAIT_MS,
                "{t} waited for {held_by}: {s:?}"
            );
        }
        assert_eq!(*s.last().unwrap(), 5000.0 + f64::from(DELAY_MS));
    }

    #[test]
    fn a_wait_taken_over_by_a_later_change_saves_nothing() {
        let mut p = Autosave::default();
        let first = p.changed(0.0, false);
        let second = p.changed(100.0, false);
        assert!(!p.due(first.ticket));
        assert!(p.due(second.ticket));
        assert_eq!((first.ms, second.ms), (DELAY_MS, DELAY_MS));
    }
}
