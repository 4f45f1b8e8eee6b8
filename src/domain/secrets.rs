//! API keys in what leaves the page: the person's own keys taken out of a share link or an
//! export file ([`redact`]), and text that looks like some provider's key named ([`key_like`]),
//! so neither travels unseen (tryout 106: a key pasted into the prompt went into a link under
//! "Your API keys are never included").

/// What a key of the person's is replaced with in a link or a file.
pub const REDACTED: &str = "[API key removed]";

/// Keys shorter than this are not looked for: a short "key" (a local server's `test`) would
/// take ordinary words out of the prompt.
pub const MIN_SECRET_CHARS: usize = 8;

/// `text` (a JSON, CSV or JSONL text about to leave the page) with every occurrence of each of
/// `secrets` (the person's API keys, as typed) replaced by [`REDACTED`], and how many were.
/// A key is looked for as JSON writes it inside a string too (a `"` or `\` in it escaped), so
/// the JSON stays valid; keys under [`MIN_SECRET_CHARS`] characters are left alone.
pub fn redact(text: &str, secrets: &[&str]) -> (String, usize) {
    let mut out = text.to_owned();
    let mut n = 0;
    for s in secrets.iter().map(|s| s.trim()) {
        if s.chars().count() < MIN_SECRET_CHARS {
            continue;
        }
        let escaped = serde_json::to_string(s).unwrap_or_default();
        let escaped = escaped.trim_matches('"');
        for needle in [s, escaped] {
            let found = out.matches(needle).count();
            if found > 0 {
                n += found;
                out = out.replace(needle, REDACTED);
            }
        }
    }
    (out, n)
}

/// Prefixes of provider keys and the fewest key characters (letters, digits, `-`, `_`) that
/// follow them in a real key: OpenAI (`sk-`, `sk-proj-`), Anthropic (`sk-ant-`), OpenRouter
/// (`sk-or-`), Groq (`gsk_`), Google (`AIza`), Hugging Face (`hf_`), xAI (`xai-`).
const KEY_SHAPES: [(&str, usize); 5] = [
    ("sk-", 20),
    ("gsk_", 20),
    ("AIza", 30),
    ("hf_", 30),
    ("xai-", 30),
];

/// The first piece of `text` that looks like a provider's API key (see [`KEY_SHAPES`]; a
/// prefix at the start of a word followed by enough key characters), shortened for a sentence:
/// "sk-proj-ABCD…". `None` when there is none.
pub fn key_like(text: &str) -> Option<String> {
    let key_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    for (prefix, min) in KEY_SHAPES {
        for (at, _) in text.match_indices(prefix) {
            let before = text[..at].chars().next_back();
            if before.is_some_and(key_char) {
                continue;
            }
            let rest = &text[at + prefix.len()..];
            let len = rest.chars().take_while(|c| key_char(*c)).count();
            if len >= min {
                let shown: String = text[at..].chars().take(prefix.len() + 4).collect();
                return Some(format!("{shown}\u{2026}"));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    // Tryout 106: the key in use, pasted into Context, went into the share link.
    #[test]
    fn the_persons_keys_are_taken_out_and_counted() {
        let text = r#"{"context":"Use the key sk-SECRETKEY-12345 when calling tools. sk-SECRETKEY-12345"}"#;
        let (out, n) = redact(text, &["sk-SECRETKEY-12345", "  ", "test"]);
        assert_eq!(n, 2);
        assert_eq!(
            out,
            r#"{"context":"Use the key [API key removed] when calling tools. [API key removed]"}"#
        );
        assert!(serde_json::from_str::<serde_json::Value>(&out).is_ok());
        // A short key would take words out: left alone.
        assert_eq!(
            redact("a test of it", &["test"]),
            ("a test of it".into(), 0)
        );
        // A key with a quote, as JSON writes it.
        let json = serde_json::json!({"idea": "key: ab\"cdefghij"}).to_string();
        let (out, n) = redact(&json, &["ab\"cdefghij"]);
        assert_eq!(n, 1, "{out}");
        assert!(serde_json::from_str::<serde_json::Value>(&out).is_ok());
    }

    #[test]
    fn text_shaped_like_a_key_is_named() {
        assert_eq!(
            key_like("idea: sk-proj-ABCDEF1234567890abcdefABCDEF1234567890").as_deref(),
            Some("sk-proj\u{2026}")
        );
        assert_eq!(
            key_like("AIzaSyA1234567890abcdefghijklmnopqrstu").as_deref(),
            Some("AIzaSyA1\u{2026}")
        );
        assert!(key_like("ask-me-anything about risk-free tasks").is_none());
        assert!(key_like("sk-short").is_none());
        assert!(key_like("").is_none());
    }
}
