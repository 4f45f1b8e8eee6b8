//! API keys in what leaves the page: the person's own keys taken out of a share link or an
//! export file ([`redact`]), and text that looks like some provider's key named ([`key_like`]),
//! so neither travels unseen (tryout 106: a key pasted into the prompt went into a link under
//! "Your API keys are never included").

/// What a key of the person's is replaced with in a link or a file.
pub const REDACTED: &str = "[API key removed]";

/// Keys shorter than this, or without a digit, are not looked for: a local server's
/// placeholder "key" (`anything`, `lm-studio`, `not-needed`) would take ordinary words out of
/// the prompt. Every provider's real keys are longer and hold digits.
pub const MIN_SECRET_CHARS: usize = 16;

/// Whether `key` is looked for ([`MIN_SECRET_CHARS`]).
fn worth_looking_for(key: &str) -> bool {
    key.chars().count() >= MIN_SECRET_CHARS && key.chars().any(|c| c.is_ascii_digit())
}

/// `text` (a JSON, CSV or JSONL text about to leave the page, or a file's name) with every
/// occurrence of each of `secrets` (the person's API keys, as typed) replaced by [`REDACTED`],
/// and how many were. A key is found with spaces, line breaks or characters that show as
/// nothing (zero-width, soft hyphen) inside it too, written as they
/// are or as JSON writes them (`\n`, tryout 107: a key split over two lines, or broken by a
/// space, went as it was), and with a `"` or `\` in it escaped, so the JSON stays valid; keys
/// too short or without a digit are left alone ([`MIN_SECRET_CHARS`]). The longest key first,
/// so a key that begins another leaves none of the other's tail.
pub fn redact(text: &str, secrets: &[&str]) -> (String, usize) {
    let mut out = text.to_owned();
    let mut n = 0;
    let mut keys: Vec<&str> = secrets.iter().map(|s| s.trim()).collect();
    crate::domain::order::sort_by_key(&mut keys, |k| std::cmp::Reverse(k.len()));
    for s in keys {
        if !worth_looking_for(s) {
            continue;
        }
        let escaped = serde_json::to_string(s).unwrap_or_default();
        let escaped = escaped.trim_matches('"').to_owned();
        for needle in [s, escaped.as_str()] {
            let (next, found) = replace_spread(&out, needle);
            n += found;
            out = next;
        }
    }
    for print in forgotten() {
        let (next, found) = replace_print(&out, print);
        n += found;
        out = next;
    }
    (out, n)
}

/// A fingerprint of a key given in Settings that this tab no longer holds (a reload forgot a
/// key that was not remembered): its length and a salted 64-bit FNV-1a hash, kept in the
/// browser's storage in place of the key (tryout 120: such a key pasted into a case after a
/// reload went in a share link as it was, under "Your API keys are never included"). 64 bits
/// cannot give back a key of 16 or more characters; [`redact`] finds the key by it, whole or
/// split by white space, characters that show as nothing or JSON's `\n`, as it finds a key it
/// holds (`replace_print`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyPrint {
    /// The key's length in characters (keys are ASCII).
    pub chars: usize,
    /// Random, per key.
    pub salt: u64,
    /// FNV-1a 64 of the salt's 8 bytes (little-endian), then the key's bytes.
    pub hash: u64,
}

impl KeyPrint {
    /// The fingerprint of `key` with `salt`; `None` for a key [`redact`] would not look for
    /// ([`MIN_SECRET_CHARS`]) or one with a character keys do not have (only ASCII letters,
    /// digits, `-`, `_`, `.` are found by a fingerprint).
    pub fn of(key: &str, salt: u64) -> Option<Self> {
        let key = key.trim();
        (worth_looking_for(key) && key.chars().all(key_char)).then(|| Self {
            chars: key.len(),
            salt,
            hash: fnv(salt, key.as_bytes()),
        })
    }

    /// As kept in storage: `chars:salt:hash`, the last two in hex.
    pub fn to_text(self) -> String {
        format!("{}:{:x}:{:x}", self.chars, self.salt, self.hash)
    }

    /// Reads [`Self::to_text`]; `None` for anything else.
    pub fn from_text(text: &str) -> Option<Self> {
        let mut parts = text.trim().split(':');
        let chars = parts.next()?.parse().ok()?;
        let salt = u64::from_str_radix(parts.next()?, 16).ok()?;
        let hash = u64::from_str_radix(parts.next()?, 16).ok()?;
        (parts.next().is_none() && chars >= MIN_SECRET_CHARS).then_some(Self { chars, salt, hash })
    }
}

fn key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

fn fnv(salt: u64, bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in salt.to_le_bytes().iter().chain(bytes) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

thread_local! {
    static FORGOTTEN: std::cell::RefCell<Vec<KeyPrint>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Sets the fingerprints of the keys given in Settings that this tab does not hold now
/// (`state::settings` keeps them up to date): [`redact`], [`withhold`] and [`in_suite`] find
/// those keys by them.
pub fn set_forgotten(prints: Vec<KeyPrint>) {
    FORGOTTEN.with(|f| *f.borrow_mut() = prints);
}

/// Whether a key this tab does not hold is looked for by its fingerprint ([`set_forgotten`]).
pub fn any_forgotten() -> bool {
    FORGOTTEN.with(|f| !f.borrow().is_empty())
}

fn forgotten() -> Vec<KeyPrint> {
    FORGOTTEN.with(|f| f.borrow().clone())
}

/// `text` with each stretch of `print.chars` key characters that has `print` replaced by
/// [`REDACTED`], and how many there were. As [`replace_spread`] finds a key it holds, the
/// characters may be split by white space, characters that show as nothing or the JSON escapes
/// `\n`, `\r`, `\t` (tryout 121: a forgotten key typed with a space in it went in a link, an
/// export and a call to another host as it was, while the whole key was taken out); anything
/// else between two key characters ends a stretch. Each place of a stretch is tried, its key
/// characters hashed: about `print.chars` times the text's length in the worst case (prose,
/// whose words the spaces join), and only while a key is looked for by its print.
fn replace_print(text: &str, print: KeyPrint) -> (String, usize) {
    // The key characters of `text` (byte offset, byte), in stretches joined by separators only.
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut stretches: Vec<Vec<(usize, u8)>> = Vec::new();
    let mut current: Vec<(usize, u8)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        if c.is_ascii() && key_char(c) {
            current.push((at, c as u8));
            i += 1;
            continue;
        }
        let gap = if c.is_whitespace() || crate::domain::figures::invisible(c) {
            1
        } else if c == '\\' && matches!(chars.get(i + 1).map(|c| c.1), Some('n' | 'r' | 't')) {
            2
        } else {
            0
        };
        if gap == 0 {
            if current.len() >= print.chars {
                stretches.push(std::mem::take(&mut current));
            } else {
                current.clear();
            }
            i += 1;
        } else {
            i += gap;
        }
    }
    if current.len() >= print.chars {
        stretches.push(current);
    }
    // The byte ranges found, in order.
    let mut found: Vec<(usize, usize)> = Vec::new();
    let mut window = Vec::with_capacity(print.chars);
    for stretch in &stretches {
        let mut s = 0;
        while s + print.chars <= stretch.len() {
            window.clear();
            window.extend(stretch[s..s + print.chars].iter().map(|(_, b)| *b));
            if fnv(print.salt, &window) == print.hash {
                let (first, last) = (stretch[s].0, stretch[s + print.chars - 1].0);
                found.push((first, last + 1));
                s += print.chars;
            } else {
                s += 1;
            }
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (from, to) in &found {
        out.push_str(&text[copied..*from]);
        out.push_str(REDACTED);
        copied = *to;
    }
    out.push_str(&text[copied..]);
    (out, found.len())
}

/// `text` with each occurrence of `needle` replaced by [`REDACTED`], an occurrence allowed a
/// run of spaces, tabs, line breaks or their JSON escapes (`\n`, `\r`, `\t`) between any two of
/// its characters; and how many there were.
fn replace_spread(text: &str, needle: &str) -> (String, usize) {
    let want: Vec<char> = needle.chars().collect();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    // The length in chars of a separator starting at `i` (0: none): any white space (a
    // no-break or thin space too) or a character that shows as nothing (tryout 108: a key
    // split by U+200B, U+00A0 or U+2009 went as it was).
    let gap = |i: usize| -> usize {
        match chars.get(i).map(|c| c.1) {
            Some(c) if c.is_whitespace() || crate::domain::figures::invisible(c) => 1,
            Some('\\') if matches!(chars.get(i + 1).map(|c| c.1), Some('n' | 'r' | 't')) => 2,
            _ => 0,
        }
    };
    let mut out = String::with_capacity(text.len());
    let mut found = 0;
    let mut i = 0;
    let mut copied = 0;
    while i < chars.len() {
        if chars[i].1 == want[0] {
            // Match the rest, skipping separators between the needle's characters.
            let (mut j, mut k) = (i + 1, 1);
            while k < want.len() {
                let mut at = j;
                loop {
                    let g = gap(at);
                    if g == 0 {
                        break;
                    }
                    at += g;
                }
                if chars.get(at).map(|c| c.1) == Some(want[k]) {
                    j = at + 1;
                    k += 1;
                } else {
                    break;
                }
            }
            if k == want.len() {
                let start = chars[i].0;
                let end = chars.get(j).map_or(text.len(), |c| c.0);
                out.push_str(&text[copied..start]);
                out.push_str(REDACTED);
                copied = end;
                found += 1;
                i = j;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&text[copied..]);
    (out, found)
}

/// [`redact`] for data kept as stored, which may hold JSON written as text inside JSON (a
/// record and its parts as the browser keeps them, in a download's object): each string that
/// holds JSON is redacted inside, level by level (tryout 116: a key split by a line break, a
/// `\n` inside the record's text and `\\n` in the download, went as it was, and the page said
/// the file was clean). A string changed is written back compact; the rest stays byte for byte.
/// A text that is not JSON is redacted as it is.
pub fn redact_stored(text: &str, secrets: &[&str]) -> (String, usize) {
    fn inside(v: &mut serde_json::Value, secrets: &[&str], depth: u8) -> usize {
        use serde_json::Value;
        match v {
            Value::String(s) => {
                let t = s.trim_start();
                if depth < 4
                    && (t.starts_with('{') || t.starts_with('['))
                    && let Ok(mut inner) = serde_json::from_str::<Value>(s)
                {
                    let n = inside(&mut inner, secrets, depth + 1);
                    if n > 0 {
                        *s = inner.to_string();
                    }
                    return n;
                }
                let (out, n) = redact(s, secrets);
                if n > 0 {
                    *s = out;
                }
                n
            }
            Value::Array(items) => items.iter_mut().map(|x| inside(x, secrets, depth)).sum(),
            Value::Object(map) => map.values_mut().map(|x| inside(x, secrets, depth)).sum(),
            _ => 0,
        }
    }
    let (out, n) = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(mut v) => match inside(&mut v, secrets, 0) {
            0 => (text.to_owned(), 0),
            n => (v.to_string(), n),
        },
        Err(_) => (text.to_owned(), 0),
    };
    // And over the whole text: a key in a member's name, or in text that is not JSON (the
    // review: `vars` named with the key went out as they were).
    let (out, more) = redact(&out, secrets);
    (out, n + more)
}

/// `req` with every one of `keys` (the person's keys for providers other than the one it goes
/// to) taken out of its system message and turns as [`redact`] takes them out of a file, and how
/// many times one was there. A key belongs to one provider at one host (tryout 115: a key pasted
/// into the Persona went, in the prompt's text, to a comparison model at another host on every
/// run); the destination's own key is not among `keys`, since that provider has it already.
pub fn withhold(
    req: &crate::domain::provider::ChatRequest,
    keys: &[&str],
) -> (crate::domain::provider::ChatRequest, usize) {
    let mut out = req.clone();
    let mut n = 0;
    if keys.iter().any(|k| worth_looking_for(k.trim())) || !forgotten().is_empty() {
        for text in out
            .system
            .iter_mut()
            .chain(out.messages.iter_mut().map(|m| &mut m.text))
        {
            let (t, found) = redact(text, keys);
            if found > 0 {
                *text = t;
                n += found;
            }
        }
    }
    (out, n)
}

/// Whether one of `secrets` (the person's keys) is in the text a run of `suite` sends: a case's
/// message, earlier turns, variables and reference answer, and every check (a judge reads its
/// rubric), found as [`redact`] finds a key; what stays in the page (descriptions, tags) is not
/// read. For the note said before the calls go (`ui::shell::KeyInDraftNote`).
pub fn in_suite(suite: &crate::domain::eval::Suite, secrets: &[&str]) -> bool {
    if !secrets.iter().any(|k| worth_looking_for(k.trim())) && forgotten().is_empty() {
        return false;
    }
    let found = |t: &str| !t.is_empty() && redact(t, secrets).1 > 0;
    suite.global.iter().any(|a| found(&format!("{a:?}")))
        || suite.cases.iter().any(|c| {
            found(&c.input)
                || found(&c.expected)
                || c.turns.iter().any(|m| found(&m.text))
                || c.vars.iter().any(|(_, v)| found(v))
                || c.assertions.iter().any(|a| found(&format!("{a:?}")))
        })
}

/// Prefixes of provider keys and the fewest key characters (letters, digits, `-`, `_`) that
/// follow them in a real key: OpenAI (`sk-`, `sk-proj-`), Anthropic (`sk-ant-`), OpenRouter
/// (`sk-or-`), Groq (`gsk_`), Google (`AIza`), Hugging Face (`hf_`), xAI (`xai-`), and GitHub
/// tokens (`ghp_`, `github_pat_`), which are pasted into prompts too.
const KEY_SHAPES: [(&str, usize); 7] = [
    ("sk-", 20),
    ("gsk_", 20),
    ("AIza", 30),
    ("hf_", 30),
    ("xai-", 30),
    ("ghp_", 30),
    ("github_pat_", 30),
];

/// The pieces of `text` that look like a provider's API key (see [`KEY_SHAPES`]; a prefix at
/// the start of a word, or after a line break or tab as JSON writes them, `\n`, followed by
/// enough key characters), each shortened to its prefix and four characters more for a
/// sentence ("sk-proj…"), in the order found, at most three (tryout 107: only the first was
/// named).
pub fn key_like(text: &str) -> Vec<String> {
    let key_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let mut found: Vec<(usize, String)> = Vec::new();
    for (prefix, min) in KEY_SHAPES {
        for (at, _) in text.match_indices(prefix) {
            let head = &text[..at];
            let escaped = ["\\n", "\\r", "\\t"].iter().any(|e| head.ends_with(e));
            if !escaped && head.chars().next_back().is_some_and(key_char) {
                continue;
            }
            let rest = &text[at + prefix.len()..];
            let len = rest.chars().take_while(|c| key_char(*c)).count();
            if len >= min {
                let shown: String = text[at..].chars().take(prefix.len() + 4).collect();
                let shown = format!("{shown}\u{2026}");
                if !found.iter().any(|(_, s)| *s == shown) {
                    found.push((at, shown));
                }
            }
        }
    }
    crate::domain::order::sort_by_key(&mut found, |(at, _)| *at);
    found.into_iter().take(3).map(|(_, s)| s).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Tryout 120 (F1): a key given in Settings, forgotten by a reload (not remembered), then
    // pasted into a case went in a share link as it was. Its fingerprint finds it whole, in
    // text and as JSON writes it, and nothing else.
    #[test]
    fn a_key_this_tab_forgot_is_found_by_its_fingerprint() {
        let key = "sk-FAKEKEY-1234567890";
        let print = KeyPrint::of(key, 0x5eed).expect("a key worth looking for");
        assert_eq!(KeyPrint::from_text(&print.to_text()), Some(print));
        assert_eq!(KeyPrint::of("short1", 1), None);
        assert_eq!(KeyPrint::from_text("12:zz:1"), None);
        let text = format!("{{\"input\":\"my key is {key}, and sk-FAKEKEY-1234567899 is not\"}}");
        assert_eq!(
            redact(&text, &[]).1,
            0,
            "nothing is looked for before it is set"
        );
        set_forgotten(vec![print]);
        let (out, n) = redact(&text, &[]);
        assert_eq!(n, 1, "{out}");
        assert!(
            !out.contains(key) && out.contains("sk-FAKEKEY-1234567899"),
            "{out}"
        );
        assert!(
            serde_json::from_str::<serde_json::Value>(&out).is_ok(),
            "{out}"
        );
        // A call to another provider and the note before a run find it too.
        let suite = crate::domain::eval::Suite {
            cases: vec![crate::domain::eval::TestCase {
                input: format!("use {key}"),
                ..Default::default()
            }],
            ..Default::default()
        };
        assert!(in_suite(&suite, &[]));
        set_forgotten(Vec::new());
        assert!(!in_suite(&suite, &[]));
    }

    // Tryout 121: a key typed with a space in it, in the Context section, went in a link, an
    // export and a call to another host as it was, while the key written whole was taken out.
    // Split anywhere, by a space, a line break (as typed and as JSON writes it) or a character
    // that shows as nothing, it is found by the key held and by its fingerprint alike.
    #[test]
    fn a_split_key_is_found_by_the_key_and_by_its_fingerprint() {
        let key = "sk-fakeKEY1234567890abcdef";
        let print = KeyPrint::of(key, 0x1234_5678).unwrap();
        for split in [
            "sk-fakeKEY1234 567890abcdef",
            "sk-fakeKEY1234567890abcde f",
            "s k-fakeKEY1234567890abcdef",
            "sk-fakeKEY1234\n567890abcdef",
            "sk-fakeKEY1234\\n\\n567890abcdef",
            "sk-fake\u{200b}KEY1234567890abcdef",
            "sk-fakeKEY 1234 5678 90ab cdef",
        ] {
            let text = format!("{{\"context\":\"Use key {split} when needed. And {key}.\"}}");
            let (out, n) = redact(&text, &[key]);
            assert_eq!(n, 2, "held: {out}");
            assert_eq!(
                out,
                format!("{{\"context\":\"Use key {REDACTED} when needed. And {REDACTED}.\"}}")
            );
            set_forgotten(vec![print]);
            let (by_print, n) = redact(&text, &[]);
            set_forgotten(Vec::new());
            assert_eq!(n, 2, "by its print: {by_print}");
            assert_eq!(by_print, out);
        }
        // A stretch broken by anything else is not the key; another key of that length is not.
        set_forgotten(vec![print]);
        for other in ["sk-fakeKEY1234,567890abcdef", "sk-fakeKEY1234567890abcdeg"] {
            assert_eq!(redact(other, &[]).1, 0, "{other}");
        }
        set_forgotten(Vec::new());
    }

    // Session 56's note: a key written in the draft was said only after the calls had gone.
    // What a run sends is read, as `withhold` reads it; what stays in the page is not.
    #[test]
    fn a_key_in_what_a_run_sends_is_found_and_one_in_a_description_is_not() {
        use crate::domain::eval::{Assertion, Check, Suite, TestCase};
        let key = "sk-TESTKEY-123456";
        let with = |c: TestCase| Suite {
            cases: vec![c],
            ..Suite::default()
        };
        let case = TestCase {
            id: 1,
            input: "Bob sends the deck.".into(),
            ..TestCase::default()
        };
        assert!(!in_suite(&with(case.clone()), &[key]));
        let mut described = case.clone();
        described.description = format!("uses {key}");
        assert!(!in_suite(&with(described), &[key]));
        // Split by a space in the reference answer, as `redact` finds it.
        let mut expected = case.clone();
        expected.expected = "call it with sk-TESTKEY- 123456".into();
        assert!(in_suite(&with(expected), &[key]));
        let mut var = case.clone();
        var.vars = vec![("token".into(), key.into())];
        assert!(in_suite(&with(var), &[key]));
        let mut checked = case.clone();
        checked.assertions = vec![Assertion::new(Check::ContainsAll(vec![key.into()]))];
        assert!(in_suite(&with(checked), &[key]));
        // A key too short to be looked for is not found anywhere.
        let mut short = case;
        short.input = "key abc".into();
        assert!(!in_suite(&with(short), &["abc"]));
    }

    // Tryout 116: a key split by a line break, inside a record kept as text inside the
    // download's JSON (`\\n` there), went as it was from "Download … as it was stored".
    #[test]
    fn a_key_in_json_kept_as_text_inside_json_is_taken_out_at_every_level() {
        let key = "sk-TESTKEY-123456";
        let record =
            serde_json::json!({"draft": {"spec": {"persona": "Use sk-TESTKEY-\n123456 now."}}})
                .to_string();
        let parts = serde_json::json!([{"input": format!("a {key} b")}]).to_string();
        let file = serde_json::json!({"record": record, "parts": {"cases/0": parts}}).to_string();
        assert!(file.contains("sk-TESTKEY-\\\\n123456"), "{file}");
        assert_eq!(
            redact(&file, &[key]).1,
            1,
            "the plain redaction misses the split key"
        );
        let (out, n) = redact_stored(&file, &[key]);
        assert_eq!(n, 2, "{out}");
        assert!(!out.contains("TESTKEY"), "{out}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let inner: serde_json::Value = serde_json::from_str(v["record"].as_str().unwrap()).unwrap();
        assert_eq!(
            inner["draft"]["spec"]["persona"],
            "Use [API key removed] now."
        );
        // Nothing to take out: the text as it was, byte for byte; not JSON: as `redact`.
        let kept = r#"{"record": "{\"a\": 1.0e12}",  "parts": {}}"#;
        assert_eq!(redact_stored(kept, &[key]), (kept.to_owned(), 0));
        assert_eq!(
            redact_stored("{ not json sk-TESTKEY-123456", &[key]),
            ("{ not json [API key removed]".to_owned(), 1)
        );
        // A key in a member's name.
        let named = serde_json::json!({"vars": {key: "x"}}).to_string();
        let (out, n) = redact_stored(&named, &[key]);
        assert_eq!((n, out.contains("TESTKEY")), (1, false), "{out}");
    }

    // Tryout 115: a key pasted into the Persona went to a comparison model at another host.
    #[test]
    fn another_providers_key_is_withheld_from_a_request_and_counted() {
        use crate::domain::provider::{ChatRequest, Message};
        let mut req = ChatRequest::new(
            Some("You are a helper. Use the key sk-TESTKEY-123456 when calling tools.".into()),
            "q: sk-TESTKEY-\n123456 and sk-OWNKEY-9876543210",
        );
        req.messages
            .insert(0, Message::assistant("Noted sk-TESTKEY-123456."));
        let (out, n) = withhold(&req, &["sk-TESTKEY-123456"]);
        assert_eq!(n, 3);
        assert_eq!(
            out.system.as_deref(),
            Some("You are a helper. Use the key [API key removed] when calling tools.")
        );
        assert_eq!(out.messages[0].text, "Noted [API key removed].");
        // The destination's own key is not withheld (it is not among `keys`).
        assert_eq!(
            out.messages[1].text,
            "q: [API key removed] and sk-OWNKEY-9876543210"
        );
        assert_eq!(
            (out.temperature, out.max_tokens),
            (req.temperature, req.max_tokens)
        );
        // Nothing to withhold: the request as it was.
        assert_eq!(withhold(&req, &[]), (req.clone(), 0));
        assert_eq!(withhold(&req, &["short"]), (req, 0));
    }

    // Tryout 106: the key in use, pasted into Context, went into the share link.
    #[test]
    fn the_persons_keys_are_taken_out_and_counted() {
        let text = r#"{"context":"Use the key sk-SECRETKEY-12345 when calling tools. sk-SECRETKEY-12345"}"#;
        let (out, n) = redact(
            text,
            &["sk-SECRETKEY-12345", "  ", "test", "anything-goes-here"],
        );
        assert_eq!(n, 2);
        assert_eq!(
            out,
            r#"{"context":"Use the key [API key removed] when calling tools. [API key removed]"}"#
        );
        assert!(serde_json::from_str::<serde_json::Value>(&out).is_ok());
        // A short key, or one of words (a local server's placeholder), would take words out:
        // left alone (the review: "anything" went out of "Do not add anything else").
        assert_eq!(
            redact("a test of it", &["test"]),
            ("a test of it".into(), 0)
        );
        assert_eq!(
            redact(
                "Do not add anything-goes-here else.",
                &["anything-goes-here"]
            )
            .1,
            0
        );
        // A key that begins another leaves none of the other's tail.
        assert_eq!(
            redact(
                "k sk-ABCDEFGH12345678-tail z",
                &["sk-ABCDEFGH12345678", "sk-ABCDEFGH12345678-tail"]
            ),
            ("k [API key removed] z".into(), 1)
        );
        // A key with a quote, as JSON writes it.
        let json = serde_json::json!({"idea": "key: ab\"cdefghij0123456"}).to_string();
        let (out, n) = redact(&json, &["ab\"cdefghij0123456"]);
        assert_eq!(n, 1, "{out}");
        assert!(serde_json::from_str::<serde_json::Value>(&out).is_ok());
        // Tryout 107: split over two lines (as typed, and as JSON writes it) or by a space.
        let json = serde_json::json!({"a": "sk-SECRETKEY-\n12345", "b": "sk-SECRET KEY-12345"})
            .to_string();
        let (out, n) = redact(&json, &["sk-SECRETKEY-12345"]);
        assert_eq!(n, 2, "{out}");
        assert!(!out.contains("SECRET"), "{out}");
        assert!(serde_json::from_str::<serde_json::Value>(&out).is_ok());
        assert_eq!(
            redact("x sk-SECRETKEY-\r\n12345 y", &["sk-SECRETKEY-12345"]),
            ("x [API key removed] y".into(), 1)
        );
        // Tryout 108: split by a zero-width, a no-break or a thin space, or a soft hyphen.
        for split in ['\u{200b}', '\u{a0}', '\u{2009}', '\u{ad}'] {
            let text = format!("x sk-SECRET{split}KEY-12345 y");
            assert_eq!(
                redact(&text, &["sk-SECRETKEY-12345"]),
                ("x [API key removed] y".into(), 1),
                "{split:?}"
            );
        }
        // Non-ASCII around it, and a near miss left alone.
        assert_eq!(
            redact(
                "é sk-SECRETKEY-1234 ü sk-SECRETKEY-12345€",
                &["sk-SECRETKEY-12345"]
            ),
            ("é sk-SECRETKEY-1234 ü [API key removed]€".into(), 1)
        );
    }

    #[test]
    fn text_shaped_like_a_key_is_named() {
        assert_eq!(
            key_like("idea: sk-proj-ABCDEF1234567890abcdefABCDEF1234567890"),
            ["sk-proj\u{2026}"]
        );
        // Tryout 107: every one, in order, not only the first.
        assert_eq!(
            key_like(
                "AIzaSyA1234567890abcdefghijklmnopqrstu then sk-ant-api03-abcdefghijklmnopqrstuvwxyz and ghp_abcdefghijklmnopqrstuvwxyz0123456789"
            ),
            ["AIzaSyA1\u{2026}", "sk-ant-\u{2026}", "ghp_abcd\u{2026}"]
        );
        // On a line of its own in a JSON text (the review: `\n` read as a letter before it).
        let json = serde_json::json!({"c": "Tools use this key:\nsk-proj-ABCDEF1234567890abcdef"})
            .to_string();
        assert_eq!(key_like(&json), ["sk-proj\u{2026}"]);
        assert!(key_like("ask-me-anything about risk-free tasks").is_empty());
        assert!(key_like("sk-short").is_empty());
        assert!(key_like("").is_empty());
    }
}
