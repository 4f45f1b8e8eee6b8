//! One sort for the whole app: stable sorting of any slice through a single compiled copy of the
//! standard library's sort (issue #16, the download's weight).
//!
//! `slice::sort_by` is generic over the element and the comparison, so each call site compiles its
//! own copy of the standard library's driftsort and quicksort: 31 copies, 93 KB of the release
//! wasm's 2.9 MB of code (session 32, `scripts/wasm_top.py`). Here only a list of positions is
//! sorted, by one non-generic function that asks a `dyn` comparison; the slice is then put in that
//! order in place. The result is the one `slice::sort_by` gives: stable (equal elements keep their
//! order), in O(n log n) comparisons and n swaps at most, with no element cloned.

use std::cmp::Ordering;

/// Sorts `v` stably by `cmp` (the contract of `slice::sort_by`: equal elements keep their order;
/// `cmp` must be a total order, else the order is unspecified but every element stays in `v`).
pub fn sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let order = sorted_positions(v.len(), &mut |a, b| cmp(&v[a], &v[b]));
    apply(v, order);
}

/// Sorts `v` stably by the key `key` gives each element (`slice::sort_by_key`).
pub fn sort_by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

/// Sorts `v` into ascending order, stably (`slice::sort`).
pub fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, T::cmp);
}

/// The positions `0..n` in the order `cmp` puts the elements at them, equal ones in their order:
/// the only compiled copy of the standard sort this module brings.
fn sorted_positions(n: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| cmp(a, b));
    order
}

/// Puts `v` in `order` in place (after it, `v[i]` is what was at `order[i]`), following each
/// cycle of the permutation with swaps. `order` is a permutation of `0..v.len()`.
fn apply<T>(v: &mut [T], mut order: Vec<usize>) {
    for start in 0..v.len() {
        let mut at = start;
        // A position that already holds its element points at itself.
        while order[at] != at {
            let from = order[at];
            order[at] = at;
            if from == start {
                break;
            }
            v.swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The same order as the standard library's stable sort, equal keys included: pairs
        /// with few distinct keys, so that most elements tie and stability is what is tested.
        #[test]
        fn sorts_as_the_standard_stable_sort_does(mut v in proptest::collection::vec((0u8..4, any::<u16>()), 0..200)) {
            let mut want = v.clone();
            want.sort_by_key(|p| p.0);
            sort_by_key(&mut v, |p| p.0);
            prop_assert_eq!(v, want);
        }

        #[test]
        fn a_reversed_comparison_sorts_descending(mut v in proptest::collection::vec(any::<i32>(), 0..100)) {
            let mut want = v.clone();
            want.sort_by(|a, b| b.cmp(a));
            sort_by(&mut v, |a, b| b.cmp(a));
            prop_assert_eq!(v, want);
        }
    }

    #[test]
    fn elements_that_cannot_be_cloned_are_moved_into_place() {
        let mut v: Vec<String> = ["c", "a", "d", "b", "a"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        sort(&mut v);
        assert_eq!(v, ["a", "a", "b", "c", "d"]);
        let mut floats = vec![2.5, -1.0, f64::NAN, 0.0];
        sort_by(&mut floats, f64::total_cmp);
        assert_eq!(&floats[..3], &[-1.0, 0.0, 2.5]);
        assert!(floats[3].is_nan());
    }
}
