//! How many random inputs the fuzz tests try: a base count each, times `PW_FUZZ_SCALE`.
//!
//! The test command runs the base counts (every path or kind of damage many times over, in
//! about a minute on 2 cores); a longer soak multiplies them, e.g.
//! `PW_FUZZ_SCALE=10 cargo test --lib fuzz` (every such test's name starts with `fuzz_`; the
//! property tests take proptest's own `PROPTEST_CASES`).

/// `base` times the whole number in `PW_FUZZ_SCALE` (1 when unset, empty, zero or not a
/// number).
pub(crate) fn scaled(base: usize) -> usize {
    let scale = std::env::var("PW_FUZZ_SCALE")
        .ok()
        .and_then(|s| s.trim().parse::<usize>().ok())
        .filter(|&s| s > 0)
        .unwrap_or(1);
    base.saturating_mul(scale)
}
