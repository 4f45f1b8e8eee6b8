//! ECMA-262 regular expressions for JSON Schema's `pattern` and `patternProperties`, behind an
//! engine the shell can replace: the browser installs the page's own `RegExp`, native builds and
//! tests use a translation to `regex-lite`.
//!
//! JSON Schema patterns are ECMA-262 regular expressions (JSON Schema 2020-12 Core §6.4;
//! draft-07 Validation §4.3), matched anywhere in the text (not anchored; 2020-12 Validation
//! §6.3.3). The test suite expects Unicode mode (`\p{Letter}` must work), so an installed engine
//! should behave like `new RegExp(pattern, "u").test(text)`.
//!
//! The fallback ([`fallback_is_match`]) rewrites the pattern into `regex-lite` syntax: character
//! classes are rebuilt as explicit code-point ranges, so `\s`, `.` and negated classes follow
//! ECMA-262 rather than `regex-lite`'s ASCII rules. What `regex-lite` cannot run is refused with
//! [`PatternError::Unsupported`] rather than guessed: look-around, backreferences, and Unicode
//! properties other than the few listed in [`unicode_property`]. Those few come from the standard
//! library's character predicates, so `\p{Letter}` means "alphabetic" (it also admits letter-like
//! numbers and combining marks), a documented approximation.
//!
//! The `regex` check runs with promptfoo's flags: none (promptfoo builds `new RegExp(value)`),
//! or `i` for a check that ignores capitals ([`find`]). What the linear-time translation can run
//! with the same meaning runs there (no pattern can hold the page); the rest on the installed
//! engine.
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

mod ecma;
#[cfg(test)]
mod tests;

/// An engine: `(pattern, flags, text) -> Ok(the first match's text, if any)`, or `Err(why the
/// pattern is invalid)`. `flags` are ECMA-262's (`u`, `i`), as `new RegExp(pattern, flags)`.
pub type Engine = fn(&str, &str, &str) -> Result<Option<String>, String>;

/// Why a pattern could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    /// Not a regular expression at all (unbalanced brackets, a quantifier with nothing before it).
    #[error("{0}")]
    Invalid(String),
    /// Valid ECMA-262, but the offline engine cannot run it (look-around, backreferences, most
    /// Unicode properties). The browser's own engine runs these.
    #[error("{0} is not supported by the offline pattern engine")]
    Unsupported(String),
}

static ENGINE: OnceLock<Engine> = OnceLock::new();

/// Installs the engine every later [`is_match`] uses. The first installation wins; returns
/// `false` (and changes nothing) when an engine was already installed.
pub fn install(engine: Engine) -> bool {
    ENGINE.set(engine).is_ok()
}

/// Whether `pattern` (ECMA-262 syntax, Unicode mode) matches anywhere in `text`, with the
/// installed engine, else with [`fallback_is_match`]. An unusable pattern is an error, never a
/// panic.
pub fn is_match(pattern: &str, text: &str) -> Result<bool, PatternError> {
    find(pattern, "u", text).map(|m| m.is_some())
}

/// The first match of `pattern` in `text` with ECMA-262 `flags` (`""`, `"i"`, `"u"`, `"ui"`).
///
/// A pattern the linear-time engine (the translation to `regex-lite`) runs with the same meaning
/// runs there, so no pattern and answer can hold the page (tryout 52: `^(\w+\s?)+$` on an
/// ordinary sentence ending in "!" held the browser's backtracking `RegExp` for minutes, and the
/// tab with it). The others (look-around, backreferences, syntax only JavaScript accepts, `\p`
/// and `\u{…}` without the `u` flag, ignoring capitals in a pattern with letters past ASCII) go
/// to the installed engine, which names a pattern's mistake in the browser's words; without
/// one, everything runs on the fallback. The one difference kept: without `u`, JavaScript's `.`
/// and negated classes take half of a character past U+FFFF (an emoji); here they take it whole.
pub fn find(pattern: &str, flags: &str, text: &str) -> Result<Option<String>, PatternError> {
    let ignore_case = flags.contains('i');
    let Some(engine) = ENGINE.get() else {
        return fallback_find(pattern, ignore_case, text);
    };
    let unicode = flags.contains('u');
    let same_meaning = (unicode
        || !(pattern.contains("\\p") || pattern.contains("\\P") || pattern.contains("\\u{")))
        && (!ignore_case || pattern.is_ascii());
    if same_meaning && let Ok(found) = fallback_find(pattern, ignore_case, text) {
        return Ok(found);
    }
    engine(pattern, flags, text).map_err(PatternError::Invalid)
}

/// Whether `c` is what ECMA-262's `\s` matches (white space and line terminators, ES2024
/// §12.2, §12.3).
pub fn is_js_space(c: char) -> bool {
    let c = c as u32;
    ecma::SPACE.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c))
}

/// Whether `pattern` can be used at all (the same engine as [`is_match`]).
pub fn check(pattern: &str) -> Result<(), PatternError> {
    is_match(pattern, "").map(|_| ())
}

/// Whether `pattern` can be used with `flags` (the same engine as [`find`]).
pub fn check_with(pattern: &str, flags: &str) -> Result<(), PatternError> {
    find(pattern, flags, "").map(|_| ())
}

/// Compiled fallback patterns kept per thread; cleared when it grows past this many.
const CACHE_LIMIT: usize = 64;
/// `regex-lite`'s compiled-size limit for one pattern, in bytes.
const SIZE_LIMIT: usize = 1 << 20;

type Compiled = Result<regex_lite::Regex, PatternError>;

thread_local! {
    static CACHE: RefCell<HashMap<(String, bool), Compiled>> = RefCell::new(HashMap::new());
}

/// The native engine: `pattern` translated from ECMA-262 (Unicode mode) to `regex-lite` and
/// matched anywhere in `text`. Compiled patterns are cached per thread.
pub fn fallback_is_match(pattern: &str, text: &str) -> Result<bool, PatternError> {
    fallback_find(pattern, false, text).map(|m| m.is_some())
}

/// The native engine's first match, capitals ignored with `ignore_case`.
fn fallback_find(
    pattern: &str,
    ignore_case: bool,
    text: &str,
) -> Result<Option<String>, PatternError> {
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        let key = (pattern.to_owned(), ignore_case);
        if !cache.contains_key(&key) {
            if cache.len() >= CACHE_LIMIT {
                cache.clear();
            }
            cache.insert(key.clone(), compile(pattern, ignore_case));
        }
        match &cache[&key] {
            Ok(re) => Ok(re.find(text).map(|m| m.as_str().to_owned())),
            Err(e) => Err(e.clone()),
        }
    })
}

fn compile(pattern: &str, ignore_case: bool) -> Compiled {
    let translated = ecma::translate(pattern)?;
    regex_lite::RegexBuilder::new(&translated)
        .case_insensitive(ignore_case)
        .size_limit(SIZE_LIMIT)
        .build()
        .map_err(|e| {
            let text = e.to_string();
            let last = text.lines().last().unwrap_or("invalid pattern").trim();
            PatternError::Invalid(last.trim_start_matches("error: ").to_owned())
        })
}

/// The code-point ranges of the Unicode properties the fallback knows (`\p{Name}`), from the
/// standard library's predicates: `L`/`Letter`/`Alphabetic` (alphabetic), `Lu`/`Uppercase_Letter`/
/// `Uppercase`, `Ll`/`Lowercase_Letter`/`Lowercase`, `N`/`Number`, `White_Space`, `Cc`/`Control`,
/// `ASCII`, `Any`. `None` for any other name.
pub fn unicode_property(name: &str) -> Option<&'static [(u32, u32)]> {
    type Table = OnceLock<Vec<(u32, u32)>>;
    static ALPHA: Table = OnceLock::new();
    static UPPER: Table = OnceLock::new();
    static LOWER: Table = OnceLock::new();
    static NUMBER: Table = OnceLock::new();
    static SPACE: Table = OnceLock::new();
    static CONTROL: Table = OnceLock::new();
    let (table, pred): (&Table, fn(char) -> bool) = match name {
        "L" | "Letter" | "Alphabetic" | "Alpha" => (&ALPHA, char::is_alphabetic),
        "Lu" | "Uppercase_Letter" | "Uppercase" | "Upper" => (&UPPER, char::is_uppercase),
        "Ll" | "Lowercase_Letter" | "Lowercase" | "Lower" => (&LOWER, char::is_lowercase),
        "N" | "Number" => (&NUMBER, char::is_numeric),
        "White_Space" | "space" => (&SPACE, char::is_whitespace),
        "Cc" | "Control" => (&CONTROL, char::is_control),
        "ASCII" => return Some(&[(0, 0x7f)]),
        "Any" => return Some(&[(0, 0x10_ffff)]),
        _ => return None,
    };
    Some(table.get_or_init(|| ranges_where(pred)))
}

fn ranges_where(pred: fn(char) -> bool) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for c in (0..=0x10_ffff).filter_map(char::from_u32) {
        if pred(c) {
            let cp = c as u32;
            match out.last_mut() {
                Some((_, end)) if *end + 1 == cp => *end = cp,
                _ => out.push((cp, cp)),
            }
        }
    }
    out
}
