//! Completes a JSON text cut off at any point into the best value it already holds, so sections
//! can fill in while a reply streams: open strings are closed (keeping their text so far), open
//! arrays and objects are closed, and a trailing key, comma or half-written literal is dropped.
use serde_json::Value;

#[derive(Clone, Copy, PartialEq)]
enum Frame {
    Object,
    Array,
}

/// The value a prefix of a JSON text holds so far; `None` when nothing usable has arrived.
/// Text before the first `{` or `[` (prose, a code fence) is skipped.
pub fn parse_partial(text: &str) -> Option<Value> {
    let start = text.find(['{', '['])?;
    let s = &text[start..];
    let bytes = s.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    // The longest prefix that ends after a complete value or an opening bracket, with the stack then.
    let mut safe = (0usize, Vec::<Frame>::new());
    let mut in_str = false;
    let mut escaped = false;
    let mut str_start = 0usize;
    // Whether the string being read is an object key.
    let mut str_is_key = false;
    // In an object, whether the next string is a key (true) or a value (false).
    let mut expect_key: Vec<bool> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_str {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_str = false;
                if !str_is_key {
                    safe = (i + 1, stack.clone());
                }
            }
            i += 1;
            continue;
        }
        match b {
            b'"' => {
                in_str = true;
                str_start = i;
                str_is_key =
                    stack.last() == Some(&Frame::Object) && expect_key.last() == Some(&true);
            }
            b'{' => {
                stack.push(Frame::Object);
                expect_key.push(true);
                safe = (i + 1, stack.clone());
            }
            b'[' => {
                stack.push(Frame::Array);
                expect_key.push(false);
                safe = (i + 1, stack.clone());
            }
            b'}' | b']' => {
                stack.pop();
                expect_key.pop();
                safe = (i + 1, stack.clone());
                if stack.is_empty() {
                    return serde_json::from_str(&s[..=i]).ok();
                }
            }
            b':' => {
                if let Some(k) = expect_key.last_mut() {
                    *k = false;
                }
            }
            b',' if stack.last() == Some(&Frame::Object) => {
                if let Some(k) = expect_key.last_mut() {
                    *k = true;
                }
            }
            b't' | b'f' | b'n' | b'-' | b'0'..=b'9' => {
                // A literal or number: complete only when followed by a delimiter.
                let end = s[i..]
                    .find([',', '}', ']', ' ', '\n', '\r', '\t'])
                    .map(|e| i + e);
                match end {
                    Some(e) => {
                        safe = (e, stack.clone());
                        i = e;
                        continue;
                    }
                    None => break,
                }
            }
            _ => {}
        }
        i += 1;
    }
    // Cut off inside a string value: keep its text so far.
    let mut candidate = if in_str && !str_is_key {
        let mut body = &s[str_start..];
        // Drop a half-written escape at the very end.
        if let Some(pos) = body.rfind('\\') {
            let tail = &body[pos..];
            let complete = tail.len() >= 2 && (tail.as_bytes()[1] != b'u' || tail.len() >= 6);
            if !complete {
                body = &body[..pos];
            }
        }
        let mut c = s[..str_start].to_owned();
        c.push_str(body);
        c.push('"');
        (c, stack.clone())
    } else {
        (s[..safe.0].to_owned(), safe.1.clone())
    };
    // A dangling comma or "key": left at the end would not parse.
    loop {
        let t = candidate.0.trim_end();
        if let Some(stripped) = t.strip_suffix(',') {
            candidate.0 = stripped.to_owned();
            continue;
        }
        break;
    }
    let mut out = candidate.0;
    for f in candidate.1.iter().rev() {
        out.push(if *f == Frame::Object { '}' } else { ']' });
    }
    serde_json::from_str(&out).ok().or_else(|| {
        // Fall back to the last safe point (e.g. a value string right after a key we could not close).
        let mut o = s[..safe.0].trim_end().trim_end_matches(',').to_owned();
        for f in safe.1.iter().rev() {
            o.push(if *f == Frame::Object { '}' } else { ']' });
        }
        serde_json::from_str(&o).ok()
    })
}

/// The key of the top object's field whose value was still being written where the text ends
/// (inside its string, or with its list or object still open), as the text spells it; `None`
/// when the text holds a whole JSON value or ends between fields. The top object is the text's
/// first object (the root, or the first item of a root list), as [`parse_partial`] reads it.
pub fn open_field(text: &str) -> Option<String> {
    let start = text.find(['{', '['])?;
    let s = &text[start..];
    let bytes = s.as_bytes();
    // The depth (number of open brackets) at which the top object's fields sit.
    let mut top: Option<usize> = None;
    let mut depth = 0usize;
    let mut in_str = false;
    let mut escaped = false;
    let mut str_start = 0usize;
    let mut str_is_key = false;
    // Per open bracket: whether it is an object, and (in an object) whether a key comes next.
    let mut frames: Vec<(bool, bool)> = Vec::new();
    let mut key: Option<String> = None;
    for (i, &b) in bytes.iter().enumerate() {
        if in_str {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_str = false;
                if str_is_key && Some(depth) == top {
                    key = Some(s[str_start + 1..i].to_owned());
                }
            }
            continue;
        }
        match b {
            b'"' => {
                in_str = true;
                str_start = i;
                str_is_key = frames.last() == Some(&(true, true));
            }
            b'{' | b'[' => {
                depth += 1;
                frames.push((b == b'{', b == b'{'));
                if b == b'{' && top.is_none() && depth <= 2 {
                    top = Some(depth);
                }
            }
            b'}' | b']' => {
                frames.pop();
                if Some(depth) == top || depth <= 1 {
                    // The top object (or the root) closed: nothing is still being written.
                    return None;
                }
                depth -= 1;
            }
            b':' => {
                if let Some(f) = frames.last_mut() {
                    f.1 = false;
                }
            }
            b',' => {
                if Some(depth) == top {
                    key = None;
                }
                if let Some(f) = frames.last_mut() {
                    f.1 = f.0;
                }
            }
            _ => {}
        }
    }
    let top = top?;
    // Inside the value of the current field: in its string, or deeper (its list or object).
    let inside = depth > top || (in_str && !str_is_key && depth == top);
    if inside { key } else { None }
}

/// Where a JSON text (from its first `{` or `[`, as [`parse_partial`] reads it) first breaks the
/// JSON grammar: the byte offset into `text` of the first character that cannot continue it (a
/// missing comma, a stray word, a quote of the wrong kind). `None` when the text is JSON as far as
/// it goes: whole, or cut off anywhere (the end of the text is not a break). What comes before
/// the offset is a prefix that [`parse_partial`] reads; nothing after it is read.
pub fn first_break(text: &str) -> Option<usize> {
    #[derive(Clone, Copy, PartialEq)]
    enum Want {
        /// A value (after `:` or `,` in a list).
        Value,
        /// A value or `]` (right after `[`).
        ValueOrClose,
        /// A key or `}` (right after `{`).
        KeyOrClose,
        /// A key (after `,` in an object).
        Key,
        Colon,
        CommaOrClose,
    }
    let start = text.find(['{', '['])?;
    let bytes = text.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut want = Want::Value;
    let mut i = start;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let value_ok = matches!(want, Want::Value | Want::ValueOrClose);
        match b {
            b'"' => {
                // The string's end; a text cut off inside it is not a break.
                let mut j = i + 1;
                let mut escaped = false;
                loop {
                    let c = *bytes.get(j)?;
                    match (escaped, c) {
                        (true, _) => escaped = false,
                        (false, b'\\') => escaped = true,
                        (false, b'"') => break,
                        _ => {}
                    }
                    j += 1;
                }
                want = match want {
                    Want::Value | Want::ValueOrClose => Want::CommaOrClose,
                    Want::KeyOrClose | Want::Key => Want::Colon,
                    _ => return Some(i),
                };
                i = j + 1;
                continue;
            }
            b'{' | b'[' if value_ok => {
                let object = b == b'{';
                stack.push(if object { Frame::Object } else { Frame::Array });
                want = if object {
                    Want::KeyOrClose
                } else {
                    Want::ValueOrClose
                };
            }
            b'}' | b']' => {
                let frame = if b == b'}' {
                    Frame::Object
                } else {
                    Frame::Array
                };
                let closes = stack.last() == Some(&frame)
                    && match want {
                        Want::CommaOrClose => true,
                        Want::KeyOrClose => frame == Frame::Object,
                        Want::ValueOrClose => frame == Frame::Array,
                        _ => false,
                    };
                if !closes {
                    return Some(i);
                }
                stack.pop();
                if stack.is_empty() {
                    // The whole value is read; what follows is not JSON's business.
                    return None;
                }
                want = Want::CommaOrClose;
            }
            b':' if want == Want::Colon => want = Want::Value,
            b',' if want == Want::CommaOrClose => {
                want = if stack.last() == Some(&Frame::Object) {
                    Want::Key
                } else {
                    Want::Value
                };
            }
            b'-' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z' if value_ok => {
                let Some(len) = bytes[i..]
                    .iter()
                    .position(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.')))
                else {
                    // The text ends in this word: a cut-off literal or number, or a stray word.
                    let word = &text[i..];
                    let cut = ["true", "false", "null"]
                        .iter()
                        .any(|l| l.starts_with(word))
                        || !word.starts_with(|c: char| c.is_ascii_alphabetic());
                    return (!cut).then_some(i);
                };
                let word = &text[i..i + len];
                let fine = matches!(word, "true" | "false" | "null")
                    || (!word.starts_with(|c: char| c.is_ascii_alphabetic())
                        && serde_json::from_str::<serde_json::Number>(word).is_ok());
                if !fine {
                    return Some(i);
                }
                want = Want::CommaOrClose;
                i += len;
                continue;
            }
            _ => return Some(i),
        }
        i += 1;
    }
    None
}

/// At the end of a JSON text (from its first `{` or `[`): how many brackets are still open, and
/// whether it ends inside a string. `(0, false)` for a text with no JSON or a whole value.
pub fn open_at_end(text: &str) -> (usize, bool) {
    let Some(start) = text.find(['{', '[']) else {
        return (0, false);
    };
    match crate::domain::structured::bracket_span(text.as_bytes(), start) {
        Ok(_) => (0, false),
        Err(open) => open,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prefixes_of_a_document() {
        let cases: &[(&str, Value)] = &[
            ("", Value::Null),
            ("{", json!({})),
            ("{\"per", json!({})),
            ("{\"persona\"", json!({})),
            ("{\"persona\":", json!({})),
            ("{\"persona\": \"An exp", json!({"persona": "An exp"})),
            (
                "{\"persona\": \"A \\\"quoted",
                json!({"persona": "A \"quoted"}),
            ),
            ("{\"persona\": \"line\\", json!({"persona": "line"})),
            ("{\"persona\": \"caf\\u00e", json!({"persona": "caf"})),
            (
                "{\"a\": \"x\", \"steps\": [\"one\", \"tw",
                json!({"a": "x", "steps": ["one", "tw"]}),
            ),
            ("{\"a\": \"x\",", json!({"a": "x"})),
            ("{\"n\": 12", json!({})),
            ("{\"n\": 12,", json!({"n": 12})),
            ("{\"ok\": tru", json!({})),
            ("{\"ok\": true}", json!({"ok": true})),
            (
                "{\"ex\": [{\"input\": \"hi\", \"output\": \"yo",
                json!({"ex": [{"input": "hi", "output": "yo"}]}),
            ),
            (
                "Sure! ```json\n{\"persona\": \"X\"",
                json!({"persona": "X"}),
            ),
        ];
        for (input, expected) in cases {
            let got = parse_partial(input).unwrap_or(Value::Null);
            assert_eq!(&got, expected, "for {input:?}");
        }
    }

    #[test]
    fn every_prefix_of_a_real_reply_parses_and_grows() {
        let full = r#"{"analysis": "Needs a list", "persona": "You are an analyst — précis 🎯", "steps": ["Read \"all\" notes", "List items"], "examples": [{"input": "a\nb", "output": "- x"}], "n": -1.5e3, "b": false, "z": null}"#;
        let whole: Value = serde_json::from_str(full).unwrap();
        let mut last_len = 0;
        for (i, _) in full.char_indices().skip(1) {
            let v = parse_partial(&full[..i])
                .unwrap_or_else(|| panic!("prefix {i} gave nothing: {:?}", &full[..i]));
            let len = v.to_string().len();
            assert!(v.is_object(), "prefix {i}");
            // Values never disappear once seen (they only grow or get completed).
            assert!(len + 16 >= last_len, "prefix {i} shrank: {v}");
            last_len = len;
        }
        assert_eq!(parse_partial(full).unwrap(), whole);
    }
    #[test]
    fn first_break_finds_the_first_syntax_error_and_not_a_cut() {
        let missing_comma = r#"{"persona": "P", "steps": ["Read" "Find"], "#;
        let at = first_break(missing_comma).unwrap();
        assert_eq!(&missing_comma[at..at + 6], "\"Find\"");
        assert_eq!(
            parse_partial(&missing_comma[..at]).unwrap(),
            json!({"persona": "P", "steps": ["Read"]})
        );
        assert_eq!(open_field(&missing_comma[..at]).as_deref(), Some("steps"));
        // Between fields: the key after a missing comma.
        let between = r#"{"persona": "P" "context": "C"}"#;
        assert_eq!(first_break(between), Some(16));
        for ok in [
            r#"{"a": [1, -2.5e3, true, null, {"b": "x\"y"}]}"#,
            r#"{"a": "cut off insi"#,
            r#"{"a": [1, 2"#,
            r#"{"a": tr"#,
            r#"Sure: {"a": 1} and some prose "after" it"#,
            "no json here",
        ] {
            assert_eq!(first_break(ok), None, "{ok}");
        }
        for (bad, at) in [
            (r#"{"a": 1,}"#, 8),
            (r#"{"a": yes}"#, 6),
            (r#"{'a': 1}"#, 1),
            (r#"{"a" 1}"#, 5),
            (r#"[1 2]"#, 3),
            (r#"{"a": [1}"#, 8),
            (r#"{"a": oops"#, 6),
        ] {
            assert_eq!(first_break(bad), Some(at), "{bad}");
        }
    }
}
