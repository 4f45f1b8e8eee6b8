//! Tests for the ECMA-262 pattern fallback: ECMA-262 meaning where `regex-lite` differs, clear
//! refusals where it cannot follow, and the engine hook.
use proptest::prelude::*;

use super::*;

fn matches(pattern: &str, text: &str) -> bool {
    fallback_is_match(pattern, text).unwrap_or_else(|e| panic!("{pattern}: {e}"))
}

#[test]
fn ecma_meanings_survive_the_translation() {
    let cases: &[(&str, &str, bool)] = &[
        ("a+", "xxaxx", true), // found anywhere, not anchored
        ("^a*$", "aab", false),
        ("^\\p{Letter}+$", "Hello", true),
        ("^\\p{Letter}+$", "π", true),
        ("^\\p{L}+$", "123", false),
        ("^\\P{L}+$", "123", true),
        ("^[\\p{Lu}\\d]+$", "AB12", true),
        ("^\\d$", "٣", false),     // \d is ASCII in ECMA-262
        ("^\\s$", "\u{a0}", true), // \s includes no-break space
        ("^\\s$", "\u{feff}", true),
        ("^\\S$", "\u{a0}", false),
        ("^[^\\s]$", "\u{2028}", false),
        ("^.$", "\n", false), // . stops at line terminators
        ("^.$", "\u{2028}", false),
        ("^.$", "😀", true),   // one code point in Unicode mode
        ("^[^]$", "\n", true), // [^] is any character
        ("[]", "a", false),    // [] matches nothing
        ("^\\u0041\\x42\\u{43}$", "ABC", true),
        ("^\\ud83d\\ude00$", "😀", true),
        ("^\\cJ$", "\n", true),
        ("^[\\b]$", "\u{8}", true),
        ("^a{2}$", "aa", true),
        ("^a{$", "a{", true), // Annex B: a stray brace is a literal
        ("^a{,2}$", "a{,2}", true),
        ("^x}]$", "x}]", true),
        ("^[a-c-]+$", "b-a", true),
        ("^[\\w-]+$", "a_b-c", true),
        ("^[&~|]+$", "&~|", true),
        ("^\\/\\.$", "/.", true),
        ("^(?<year>\\d{4})-(?:\\d\\d)$", "2026-11", true),
        ("^[^a]$", "😀", true),
        ("\\bcat\\b", "a cat!", true),
    ];
    for &(pattern, text, expected) in cases {
        assert_eq!(matches(pattern, text), expected, "{pattern} on {text:?}");
    }
}

#[test]
fn what_cannot_run_offline_is_refused_not_guessed() {
    for pattern in [
        "(?=a)",
        "(?!a)",
        "(?<=a)b",
        "(?<!a)b",
        "(a)\\1",
        "(?<x>a)\\k<x>",
        "\\p{Script=Greek}",
    ] {
        assert!(
            matches!(
                fallback_is_match(pattern, "a"),
                Err(PatternError::Unsupported(_))
            ),
            "{pattern}"
        );
    }
    for pattern in [
        "(", "[a", "a{2,1}", "\\", "\\e", "[z-a]", "\\u12", "\\c1", "*",
    ] {
        assert!(
            matches!(
                fallback_is_match(pattern, "a"),
                Err(PatternError::Invalid(_))
            ),
            "{pattern}: {:?}",
            fallback_is_match(pattern, "a")
        );
    }
    assert_eq!(
        fallback_is_match("(?=a)", "").unwrap_err().to_string(),
        "look-ahead is not supported by the offline pattern engine"
    );
}

#[test]
fn an_installed_engine_is_used_and_installs_once() {
    // Delegates to the fallback, so other tests see the same answers whenever this one runs.
    fn engine(pattern: &str, flags: &str, text: &str) -> Result<Option<String>, String> {
        super::fallback_find(pattern, flags.contains('i'), text).map_err(|e| e.to_string())
    }
    let first = install(engine);
    assert!(
        !install(engine),
        "a second install must not replace the first"
    );
    let _ = first; // another test thread may have raced us to it; either way one engine is set
    assert_eq!(is_match("b+", "abc"), Ok(true));
    assert!(check("(").is_err());
}

proptest! {
    /// Any pattern text is compiled or refused without a panic, and never hangs.
    #[test]
    fn random_patterns_never_panic(
        pattern in "[\\\\^$.|?*+()\\[\\]{}a-c0-9dDsSwWpPuxk<>=!:,\\-]{0,12}",
        text in "[a-c0-9 \n]{0,8}",
    ) {
        let _ = fallback_is_match(&pattern, &text);
    }
}

// Tryout 114: `a**`, `^*`, `$+`, `\b+`, `a{1}{2}` and `x{2}?+` ran (regex-lite repeats a
// repetition and an assertion), `^*` passing every answer, where JavaScript's RegExp, and so
// promptfoo's `new RegExp(value)`, throws "Nothing to repeat". A lazy `?` after a quantifier and
// a brace that is no quantifier (Annex B: a literal) still read.
#[test]
fn a_quantifier_with_nothing_to_repeat_is_refused() {
    for p in [
        "a**", "^*", "$+", "\\b+", "\\B*", "a{1}{2}", "a{3}*", "x{2}?+", "*a", "+a", "(*a)",
        "a|*b", "{2}", "a+??",
    ] {
        let e = fallback_is_match(p, "aaa").unwrap_err();
        assert_eq!(e, PatternError::Invalid("nothing to repeat".into()), "{p}");
        assert!(check_with(p, "").is_err(), "{p}");
    }
    for (p, text, want) in [
        ("a+?", "aaa", true),
        ("a{2}?", "aaa", true),
        ("(a)*", "", true),
        ("a{,2}", "a{,2}", true),
        ("x{y}+", "x{y}}", true),
        ("\\bword\\b", "a word", true),
        ("[*+]", "+", true),
        ("\\*+", "**", true),
    ] {
        assert_eq!(matches(p, text), want, "{p}");
    }
}
