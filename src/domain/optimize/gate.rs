//! The send gate: calls wait here until the state that reserves them is saved.
//!
//! The loop's shell saves the draft (with the calls' reservations in `in_flight`) before it sends
//! them, so a reload finds and charges calls that may have been billed. Saving is asynchronous and
//! other calls finish meanwhile, freeing slots: without this gate a freed slot could send a call
//! whose reservation is not stored yet, and a reload at that moment would spend past the budget.

use std::collections::VecDeque;

/// A first-in, first-out queue of items in numbered batches; an item leaves only once its batch
/// (or a later one) is marked saved. Batch numbers start at 1 and grow by one per `push_batch`.
#[derive(Debug)]
pub struct SendGate<T> {
    items: VecDeque<(u64, T)>,
    last_batch: u64,
    saved: u64,
}

impl<T> Default for SendGate<T> {
    fn default() -> Self {
        Self {
            items: VecDeque::new(),
            last_batch: 0,
            saved: 0,
        }
    }
}

impl<T> SendGate<T> {
    /// Queues the items as one batch and returns its number (to pass to `mark_saved` once the
    /// state that holds their reservations is stored).
    pub fn push_batch(&mut self, items: impl IntoIterator<Item = T>) -> u64 {
        self.last_batch += 1;
        let b = self.last_batch;
        self.items.extend(items.into_iter().map(|t| (b, t)));
        b
    }

    /// Records that the state as it was when `batch` was queued is stored; a save holds
    /// everything queued before it too, so earlier batches are released as well.
    pub fn mark_saved(&mut self, batch: u64) {
        self.saved = self.saved.max(batch);
    }

    /// The oldest item, if its batch is saved; `None` when the queue is empty or the oldest
    /// item still waits for its save (later items wait behind it: order is kept).
    pub fn next_ready(&mut self) -> Option<T> {
        match self.items.front() {
            Some((b, _)) if *b <= self.saved => self.items.pop_front().map(|(_, t)| t),
            _ => None,
        }
    }

    /// Removes every queued item, saved or not (they were never sent).
    pub fn drain(&mut self) -> Vec<T> {
        self.items.drain(..).map(|(_, t)| t).collect()
    }

    /// Items queued, saved or not.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_leaves_before_its_batch_is_saved() {
        let mut g = SendGate::default();
        let b = g.push_batch(["a", "b"]);
        // A slot frees while the save is under way: the call must wait.
        assert_eq!(g.next_ready(), None);
        assert_eq!(g.len(), 2);
        g.mark_saved(b);
        assert_eq!(g.next_ready(), Some("a"));
        assert_eq!(g.next_ready(), Some("b"));
        assert_eq!(g.next_ready(), None);
        assert!(g.is_empty());
    }

    #[test]
    fn a_later_unsaved_batch_waits_behind_a_saved_one() {
        let mut g = SendGate::default();
        let b1 = g.push_batch([1]);
        let b2 = g.push_batch([2, 3]);
        g.mark_saved(b1);
        assert_eq!(g.next_ready(), Some(1));
        assert_eq!(g.next_ready(), None, "batch {b2} is not saved yet");
        // Saves finish out of order: a stale mark does not move the line back.
        g.mark_saved(b2);
        g.mark_saved(b1);
        assert_eq!(g.next_ready(), Some(2));
        assert_eq!(g.next_ready(), Some(3));
    }

    #[test]
    fn a_save_of_a_later_batch_releases_the_earlier_ones() {
        let mut g = SendGate::default();
        g.push_batch(['x']);
        let b2 = g.push_batch(['y']);
        g.mark_saved(b2);
        assert_eq!(g.next_ready(), Some('x'));
        assert_eq!(g.next_ready(), Some('y'));
    }

    #[test]
    fn drain_takes_saved_and_unsaved_items() {
        let mut g = SendGate::default();
        let b1 = g.push_batch([1]);
        g.push_batch([2]);
        g.mark_saved(b1);
        assert_eq!(g.drain(), vec![1, 2]);
        assert_eq!(g.next_ready(), None);
    }
}
