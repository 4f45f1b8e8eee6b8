//! A tolerant reader of near-JSON: the almost-JSON that models write when their meaning is plain
//! but their syntax is not (comments, raw line breaks in strings, trailing commas, single or smart
//! quotes, unquoted keys, Python's `True`/`False`/`None`, a forgotten final brace). It reads such a
//! text into a [`serde_json::Value`] the way a careful person would, and refuses what a person
//! could only guess at (a text cut off inside a string, more than one container left open).
//!
//! It is a fallback: valid JSON is read by `serde_json` first (see `structured::extract_json`),
//! and everything valid JSON means is read here the same way. It never panics and nests at most
//! [`MAX_DEPTH`] deep, so it is safe on any text a model (or an attacker) sends.
use serde_json::{Map, Number, Value};

/// The deepest nesting of arrays and objects read; deeper text is an error (keeps the stack small).
pub const MAX_DEPTH: usize = 64;

/// Why a text could not be read, and where (a byte offset into the text given).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} (at byte {at})")]
pub struct LenientError {
    /// Byte offset of the problem in the text that was read.
    pub at: usize,
    /// What was wrong, in words.
    pub what: &'static str,
}

/// Reads a whole text as one value: only whitespace and comments may surround it.
///
/// What it accepts beyond JSON (RFC 8259):
/// - `// line` and `/* block */` comments wherever whitespace may be;
/// - raw line breaks, tabs and other control characters inside strings, kept as they are;
/// - strings in single quotes (`'a'`) or typographic quotes (`“a”`, `‘a’`, also around keys); a
///   closing quote counts only when what follows it is `,` `:` `}` `]`, a comment or the end, so
///   `'it's'` and `"he said "hi""` read as one string each;
/// - unknown escapes (`\d`) kept as written, `\'` as `'`;
/// - unquoted keys made of letters, digits, `_`, `-` and `$`;
/// - `True`, `False`, `None` (Python) beside `true`, `false`, `null`; numbers with a leading `+`,
///   leading zeros or a bare fraction (`.5`);
/// - trailing commas in objects and arrays;
/// - a comma missing between two strings (`["a" "b"]`, `{"a": "x" "b": "y"}`): a quote followed by
///   white space and another quote closes its string, so two strings are never merged into one
///   with stray quotes inside (`"he said "hi""` is still one string); and between two items of a
///   list (`[{"a": 1} {"a": 2}]`);
/// - one container (the outermost) left open at the very end of the text, right after a complete
///   value: `{"score": 7` reads as `{"score": 7}`.
///
/// Errors: anything else, e.g. a text cut off inside a string or after a key, two containers left
/// open, bare words other than the literals above, nesting deeper than [`MAX_DEPTH`].
pub fn parse(text: &str) -> Result<Value, LenientError> {
    let mut p = Parser::new(text);
    p.skip_space()?;
    let v = p.value(0)?;
    p.skip_space()?;
    if p.pos < text.len() {
        return Err(p.err("text after the value"));
    }
    Ok(v)
}

/// Reads one value at the start of `text` (after whitespace and comments) and returns it with the
/// number of bytes read; the text after the value is left unread. Accepts what [`parse`] accepts;
/// "the end of the text" (for a missing final brace) is the end of `text`.
pub fn parse_prefix(text: &str) -> Result<(Value, usize), LenientError> {
    let mut p = Parser::new(text);
    p.skip_space()?;
    let v = p.value(0)?;
    Ok((v, p.pos))
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
}

/// Quotes that may open a string, and the quotes that may close each.
fn closers(open: char) -> Option<&'static [char]> {
    Some(match open {
        '"' => &['"'],
        '\'' => &['\''],
        '\u{201c}' | '\u{201d}' | '\u{201e}' => &['\u{201d}', '\u{201c}', '"'],
        '\u{2018}' | '\u{2019}' => &['\u{2019}', '\u{2018}', '\''],
        _ => return None,
    })
}

fn is_key_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '$')
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Self {
        Self { src, pos: 0 }
    }

    fn err(&self, what: &'static str) -> LenientError {
        LenientError { at: self.pos, what }
    }

    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    /// Skips whitespace and comments; an unterminated block comment is an error.
    fn skip_space(&mut self) -> Result<(), LenientError> {
        loop {
            let rest = self.rest();
            let trimmed = rest.trim_start_matches(is_space);
            self.pos += rest.len() - trimmed.len();
            if trimmed.starts_with("//") {
                self.pos += trimmed.find('\n').unwrap_or(trimmed.len());
            } else if let Some(body) = trimmed.strip_prefix("/*") {
                match body.find("*/") {
                    Some(end) => self.pos += 2 + end + 2,
                    None => return Err(self.err("a comment that never ends")),
                }
            } else {
                return Ok(());
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, LenientError> {
        match self.peek() {
            None => Err(self.err("the text ends where a value should be")),
            Some('{') => self.object(depth + 1),
            Some('[') => self.array(depth + 1),
            Some(c) if closers(c).is_some() => Ok(Value::String(self.string()?)),
            Some(c) if c.is_ascii_digit() || matches!(c, '-' | '+' | '.') => self.number(),
            Some(c) if c.is_alphabetic() => self.literal(),
            Some(_) => Err(self.err("a character that cannot start a value")),
        }
    }

    /// After a value inside a container, at depth `depth`: whether the text ends here, which
    /// closes the container when it is the only one open.
    fn ends_here(&self, depth: usize) -> Result<bool, LenientError> {
        if self.pos < self.src.len() {
            return Ok(false);
        }
        if depth == 1 {
            Ok(true)
        } else {
            Err(self.err("the text ends with more than one bracket left open"))
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, LenientError> {
        if depth > MAX_DEPTH {
            return Err(self.err("nested too deeply"));
        }
        self.bump(); // {
        let mut map = Map::new();
        loop {
            self.skip_space()?;
            let key = match self.peek() {
                Some('}') => {
                    self.bump();
                    return Ok(Value::Object(map));
                }
                Some(c) if closers(c).is_some() => self.string()?,
                Some(c) if is_key_char(c) => {
                    let rest = self.rest();
                    let end = rest.find(|c| !is_key_char(c)).unwrap_or(rest.len());
                    self.pos += end;
                    rest[..end].to_owned()
                }
                None => return Err(self.err("the text ends where a key should be")),
                Some(_) => return Err(self.err("a key was expected")),
            };
            self.skip_space()?;
            if self.peek() != Some(':') {
                return Err(self.err("a ':' was expected after the key"));
            }
            self.bump();
            self.skip_space()?;
            let v = self.value(depth)?;
            map.insert(key, v);
            self.skip_space()?;
            if self.ends_here(depth)? {
                return Ok(Value::Object(map));
            }
            match self.peek() {
                Some(',') => self.pos += 1,
                Some('}') => {
                    self.pos += 1;
                    return Ok(Value::Object(map));
                }
                // A comma missing before the next key's quote.
                Some(c) if closers(c).is_some() => {}
                _ => return Err(self.err("a ',' or '}' was expected")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, LenientError> {
        if depth > MAX_DEPTH {
            return Err(self.err("nested too deeply"));
        }
        self.bump(); // [
        let mut items = Vec::new();
        loop {
            self.skip_space()?;
            if self.peek() == Some(']') {
                self.bump();
                return Ok(Value::Array(items));
            }
            items.push(self.value(depth)?);
            self.skip_space()?;
            if self.ends_here(depth)? {
                return Ok(Value::Array(items));
            }
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(']') => {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                // A comma missing before the next string, list or object.
                Some('{' | '[') => {}
                Some(c) if closers(c).is_some() => {}
                _ => return Err(self.err("a ',' or ']' was expected")),
            }
        }
    }

    /// Whether a quote just read (the parser is right after it) closes its string: what follows
    /// is structure (`,` `:` `}` `]`), a comment, the end of the text, or white space and another
    /// opening quote (a comma missing between two strings).
    fn closes_here(&self) -> bool {
        let rest = self.rest();
        let next = rest.trim_start_matches(is_space);
        next.is_empty()
            || next.starts_with([',', ':', '}', ']'])
            || next.starts_with("//")
            || next.starts_with("/*")
            || (next.len() < rest.len() && next.chars().next().and_then(closers).is_some())
    }

    fn string(&mut self) -> Result<String, LenientError> {
        let start = self.pos;
        let open = self.bump().unwrap_or('"');
        let close = closers(open).unwrap_or(&['"']);
        let mut out = String::new();
        loop {
            let Some(c) = self.bump() else {
                return Err(LenientError {
                    at: start,
                    what: "a string that never ends",
                });
            };
            if close.contains(&c) && self.closes_here() {
                return Ok(out);
            }
            if c != '\\' {
                out.push(c);
                continue;
            }
            match self.bump() {
                None => {
                    return Err(LenientError {
                        at: start,
                        what: "a string that never ends",
                    });
                }
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('b') => out.push('\u{8}'),
                Some('f') => out.push('\u{c}'),
                Some('u') => out.push(self.unicode_escape()),
                Some(e @ ('"' | '\\' | '/' | '\'')) => out.push(e),
                Some(e) if close.contains(&e) => out.push(e),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
            }
        }
    }

    /// After `\u`: four hex digits (and a second `\uXXXX` for a surrogate pair). A malformed escape
    /// is kept as written; a lone surrogate becomes U+FFFD.
    fn unicode_escape(&mut self) -> char {
        let Some(hi) = self.hex4() else {
            // Kept as written: the `\u` and whatever follows is read as ordinary text.
            return self.undo_escape();
        };
        if (0xD800..0xDC00).contains(&hi) {
            let save = self.pos;
            if self.rest().starts_with("\\u") {
                self.pos += 2;
                if let Some(lo) = self.hex4().filter(|lo| (0xDC00..0xE000).contains(lo)) {
                    let code = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                    return char::from_u32(code).unwrap_or('\u{fffd}');
                }
            }
            self.pos = save;
            return '\u{fffd}';
        }
        char::from_u32(hi).unwrap_or('\u{fffd}')
    }

    /// A malformed `\u`: step back so the `u` is read as text, and yield the backslash.
    fn undo_escape(&mut self) -> char {
        self.pos -= 1; // the 'u' (one byte)
        '\\'
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.rest().get(..4)?;
        if !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        self.pos += 4;
        u32::from_str_radix(digits, 16).ok()
    }

    fn number(&mut self) -> Result<Value, LenientError> {
        let start = self.pos;
        let rest = self.rest();
        let bytes = rest.as_bytes();
        let mut i = 0;
        if matches!(bytes.first(), Some(b'-' | b'+')) {
            i += 1;
        }
        let int_start = i;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let mut digits = i - int_start;
        let mut float = false;
        if bytes.get(i) == Some(&b'.') {
            float = true;
            i += 1;
            let frac_start = i;
            while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            digits += i - frac_start;
        }
        if digits == 0 {
            return Err(self.err("a number without digits"));
        }
        if matches!(bytes.get(i), Some(b'e' | b'E')) {
            let mut j = i + 1;
            if matches!(bytes.get(j), Some(b'-' | b'+')) {
                j += 1;
            }
            let exp_start = j;
            while bytes.get(j).is_some_and(u8::is_ascii_digit) {
                j += 1;
            }
            if j > exp_start {
                float = true;
                i = j;
            }
        }
        let text = rest[..i].trim_start_matches('+');
        self.pos += i;
        if !float {
            if let Ok(n) = text.parse::<i64>() {
                return Ok(Value::Number(n.into()));
            }
            if let Ok(n) = text.parse::<u64>() {
                return Ok(Value::Number(n.into()));
            }
        }
        text.parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or(LenientError {
                at: start,
                what: "a number too large to hold",
            })
    }

    fn literal(&mut self) -> Result<Value, LenientError> {
        let rest = self.rest();
        let end = rest.find(|c: char| !is_key_char(c)).unwrap_or(rest.len());
        let v = match &rest[..end] {
            "true" | "True" => Value::Bool(true),
            "false" | "False" => Value::Bool(false),
            "null" | "None" => Value::Null,
            _ => return Err(self.err("a bare word where a value should be")),
        };
        self.pos += end;
        Ok(v)
    }
}

#[cfg(test)]
mod tests;
