//! Rewrites an ECMA-262 pattern (Unicode mode) into `regex-lite` syntax, or says why it cannot.
//!
//! Every character class (`[...]`, `\d`, `\s`, `\p{..}`, `.`) becomes an explicit list of
//! code-point ranges, so ECMA-262's meaning survives `regex-lite`'s ASCII-only shorthands and its
//! lack of nested classes. Literals are written as `\x{..}` escapes. Where ECMA-262's Annex B
//! would read a stray `{`, `}` or `]` as a literal, so does this translation.
use super::{PatternError, unicode_property};

const MAX_CP: u32 = 0x10_ffff;
const SURROGATES: (u32, u32) = (0xd800, 0xdfff);
/// ECMA-262 `WhiteSpace` and `LineTerminator` (ES2024 §12.2, §12.3): what `\s` matches.
pub(super) const SPACE: &[(u32, u32)] = &[
    (0x09, 0x0d),
    (0x20, 0x20),
    (0xa0, 0xa0),
    (0x1680, 0x1680),
    (0x2000, 0x200a),
    (0x2028, 0x2029),
    (0x202f, 0x202f),
    (0x205f, 0x205f),
    (0x3000, 0x3000),
    (0xfeff, 0xfeff),
];
const DIGIT: &[(u32, u32)] = &[(0x30, 0x39)];
const WORD: &[(u32, u32)] = &[(0x30, 0x39), (0x41, 0x5a), (0x5f, 0x5f), (0x61, 0x7a)];
/// A class that matches nothing (`regex-lite` has no empty class syntax).
const NOTHING: &str = r"[^\s\S]";

/// The `regex-lite` equivalent of `pattern`.
pub(super) fn translate(pattern: &str) -> Result<String, PatternError> {
    let mut p = Parser {
        chars: pattern.chars().collect(),
        i: 0,
        out: String::with_capacity(pattern.len() * 2),
        last: Last::Start,
    };
    p.run()?;
    Ok(p.out)
}

struct Parser {
    chars: Vec<char>,
    i: usize,
    out: String,
    /// What was read last, for what a quantifier may follow.
    last: Last,
}

/// What a quantifier would repeat (ECMA-262 §22.2.1: only an atom is quantifiable; `^`, `$`,
/// `\b`, `\B` and a quantifier are not, and JavaScript says "Nothing to repeat"; tryout 114:
/// `a**`, `^*` and `$+` ran here, `^*` passing every answer, where promptfoo's `new RegExp`
/// throws).
#[derive(Clone, Copy, PartialEq)]
enum Last {
    /// The start of the pattern, of a group or of an alternative.
    Start,
    Atom,
    Assertion,
    Quantifier,
    /// A quantifier made lazy by `?`.
    Lazy,
}

/// One item read inside a class: a single code point (may start a range) or a set.
enum ClassAtom {
    Char(u32),
    Set(Vec<(u32, u32)>),
}

fn invalid(msg: impl Into<String>) -> PatternError {
    PatternError::Invalid(msg.into())
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.i).copied()
    }

    fn peek_at(&self, k: usize) -> Option<char> {
        self.chars.get(self.i + k).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek();
        self.i += usize::from(c.is_some());
        c
    }

    fn run(&mut self) -> Result<(), PatternError> {
        while let Some(c) = self.bump() {
            let next = match c {
                '\\' => {
                    let assertion = matches!(self.peek(), Some('b' | 'B'));
                    self.escape_outside()?;
                    if assertion {
                        Last::Assertion
                    } else {
                        Last::Atom
                    }
                }
                '.' => {
                    self.out.push_str(r"[^\n\r\x{2028}\x{2029}]");
                    Last::Atom
                }
                '[' => {
                    let set = self.class()?;
                    self.push_set(&set);
                    Last::Atom
                }
                '(' => {
                    self.group()?;
                    Last::Start
                }
                ')' => {
                    self.out.push(c);
                    Last::Atom
                }
                '|' => {
                    self.out.push(c);
                    Last::Start
                }
                '^' | '$' => {
                    self.out.push(c);
                    Last::Assertion
                }
                '*' | '+' | '?' => {
                    let next = self.quantified(c == '?')?;
                    self.out.push(c);
                    next
                }
                '{' => {
                    if self.brace()? {
                        self.quantified(false)?
                    } else {
                        Last::Atom
                    }
                }
                '}' | ']' => {
                    self.out.push('\\');
                    self.out.push(c);
                    Last::Atom
                }
                _ => {
                    self.push_literal(c as u32);
                    Last::Atom
                }
            };
            self.last = next;
        }
        Ok(())
    }

    /// What a quantifier leaves after what was read last, or "nothing to repeat"; a `?` right
    /// after a quantifier makes it lazy.
    fn quantified(&self, question: bool) -> Result<Last, PatternError> {
        match self.last {
            Last::Atom => Ok(Last::Quantifier),
            Last::Quantifier if question => Ok(Last::Lazy),
            _ => Err(invalid("nothing to repeat")),
        }
    }

    /// `(`, `(?:`, `(?<name>`; look-around is refused.
    fn group(&mut self) -> Result<(), PatternError> {
        if self.peek() != Some('?') {
            self.out.push('(');
            return Ok(());
        }
        match (self.peek_at(1), self.peek_at(2)) {
            (Some(':'), _) => {
                self.i += 2;
                self.out.push_str("(?:");
            }
            (Some('=' | '!'), _) => return Err(PatternError::Unsupported("look-ahead".into())),
            (Some('<'), Some('=' | '!')) => {
                return Err(PatternError::Unsupported("look-behind".into()));
            }
            (Some('<'), _) => {
                self.i += 2;
                let start = self.i;
                while self
                    .peek()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$')
                {
                    self.i += 1;
                }
                if self.i == start || self.bump() != Some('>') {
                    return Err(invalid("invalid capture group name"));
                }
                // regex-lite names allow only [_0-9a-zA-Z.\[\]]; the name plays no part in matching.
                self.out.push('(');
            }
            _ => return Err(invalid("invalid group")),
        }
        Ok(())
    }

    /// `{n}`, `{n,}`, `{n,m}` pass through (true: a quantifier); any other `{` is a literal
    /// (Annex B).
    fn brace(&mut self) -> Result<bool, PatternError> {
        let rest: String = self.chars[self.i..].iter().take(24).collect();
        let Some(close) = rest.find('}') else {
            self.out.push_str(r"\{");
            return Ok(false);
        };
        let body = &rest[..close];
        let (lo, hi) = match body.split_once(',') {
            None => (body, Some(body)),
            Some((lo, "")) => (lo, None),
            Some((lo, hi)) => (lo, Some(hi)),
        };
        let is_num = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !is_num(lo) || hi.is_some_and(|h| !is_num(h)) {
            self.out.push_str(r"\{");
            return Ok(false);
        }
        let n = |s: &str| {
            s.parse::<u32>()
                .map_err(|_| invalid("repetition count is too large"))
        };
        if let Some(h) = hi
            && n(lo)? > n(h)?
        {
            return Err(invalid("numbers out of order in {} quantifier"));
        }
        self.out.push('{');
        self.out.push_str(body);
        self.out.push('}');
        self.i += body.chars().count() + 1;
        Ok(true)
    }

    fn escape_outside(&mut self) -> Result<(), PatternError> {
        match self.peek() {
            Some('b') | Some('B') => {
                let c = self.bump().unwrap_or('b');
                self.out.push('\\');
                self.out.push(c);
                Ok(())
            }
            Some('1'..='9') => Err(PatternError::Unsupported("a backreference".into())),
            Some('k') if self.peek_at(1) == Some('<') => {
                Err(PatternError::Unsupported("a named backreference".into()))
            }
            _ => match self.escape_atom(false)? {
                ClassAtom::Char(cp) => {
                    self.push_literal(cp);
                    Ok(())
                }
                ClassAtom::Set(set) => {
                    self.push_set(&set);
                    Ok(())
                }
            },
        }
    }

    /// The escape after a `\` (already consumed), as a code point or a set of them.
    fn escape_atom(&mut self, in_class: bool) -> Result<ClassAtom, PatternError> {
        let Some(c) = self.bump() else {
            return Err(invalid("\\ at end of pattern"));
        };
        let set = |ranges: &[(u32, u32)], negate: bool| {
            let set = normalize(ranges.to_vec());
            ClassAtom::Set(if negate { complement(&set) } else { set })
        };
        Ok(match c {
            'd' | 'D' => set(DIGIT, c == 'D'),
            'w' | 'W' => set(WORD, c == 'W'),
            's' | 'S' => set(SPACE, c == 'S'),
            'p' | 'P' => {
                let name = self.braced("\\p needs a property name in braces")?;
                let short = name
                    .strip_prefix("General_Category=")
                    .or_else(|| name.strip_prefix("gc="))
                    .unwrap_or(&name);
                match unicode_property(short) {
                    Some(ranges) => set(ranges, c == 'P'),
                    None => {
                        return Err(PatternError::Unsupported(format!(
                            "the Unicode property \\p{{{name}}}"
                        )));
                    }
                }
            }
            'b' if in_class => ClassAtom::Char(8),
            '-' if in_class => ClassAtom::Char('-' as u32),
            't' => ClassAtom::Char(9),
            'n' => ClassAtom::Char(10),
            'v' => ClassAtom::Char(11),
            'f' => ClassAtom::Char(12),
            'r' => ClassAtom::Char(13),
            '0' if !self.peek().is_some_and(|d| d.is_ascii_digit()) => ClassAtom::Char(0),
            'c' => match self.bump() {
                Some(l) if l.is_ascii_alphabetic() => ClassAtom::Char(l as u32 % 32),
                _ => return Err(invalid("\\c must be followed by a letter")),
            },
            'x' => {
                let hex: String = self.chars[self.i..].iter().take(2).collect();
                match (hex.len(), u32::from_str_radix(&hex, 16)) {
                    (2, Ok(cp)) if hex.chars().all(|h| h.is_ascii_hexdigit()) => {
                        self.i += 2;
                        ClassAtom::Char(cp)
                    }
                    _ => return Err(invalid("\\x must be followed by two hex digits")),
                }
            }
            'u' => ClassAtom::Char(self.unicode_escape()?),
            c if c.is_ascii_alphanumeric() => {
                return Err(invalid(format!("unknown escape \\{c}")));
            }
            c => ClassAtom::Char(c as u32),
        })
    }

    /// `{...}` after `\p` or `\u`, returning the text inside.
    fn braced(&mut self, msg: &str) -> Result<String, PatternError> {
        if self.bump() != Some('{') {
            return Err(invalid(msg));
        }
        let mut name = String::new();
        loop {
            match self.bump() {
                Some('}') if !name.is_empty() => return Ok(name),
                Some(c) if c.is_ascii_alphanumeric() || c == '_' || c == '=' => name.push(c),
                _ => return Err(invalid(msg)),
            }
        }
    }

    /// `\uXXXX` (a surrogate pair of two such escapes combines) or `\u{X...}`.
    fn unicode_escape(&mut self) -> Result<u32, PatternError> {
        let msg = "\\u must be followed by four hex digits or {hex}";
        if self.peek() == Some('{') {
            let hex = self.braced(msg)?;
            return match u32::from_str_radix(&hex, 16) {
                Ok(cp) if cp <= MAX_CP => Ok(cp),
                _ => Err(invalid(msg)),
            };
        }
        let four = |p: &Self, at: usize| -> Option<u32> {
            let hex: String = p.chars.get(at..at + 4)?.iter().collect();
            hex.chars()
                .all(|h| h.is_ascii_hexdigit())
                .then(|| u32::from_str_radix(&hex, 16).ok())
                .flatten()
        };
        let hi = four(self, self.i).ok_or_else(|| invalid(msg))?;
        self.i += 4;
        if (0xd800..0xdc00).contains(&hi)
            && self.peek() == Some('\\')
            && self.peek_at(1) == Some('u')
            && let Some(lo) = four(self, self.i + 2).filter(|lo| (0xdc00..0xe000).contains(lo))
        {
            self.i += 6;
            return Ok(0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00));
        }
        Ok(hi)
    }

    /// A class body after `[`, through its `]`, as normalized ranges.
    fn class(&mut self) -> Result<Vec<(u32, u32)>, PatternError> {
        let negate = self.peek() == Some('^');
        if negate {
            self.i += 1;
        }
        let mut ranges = Vec::new();
        loop {
            let atom = match self.bump() {
                None => return Err(invalid("unterminated character class")),
                Some(']') => break,
                Some('\\') => self.escape_atom(true)?,
                Some(c) => ClassAtom::Char(c as u32),
            };
            let is_range = self.peek() == Some('-') && self.peek_at(1).is_some_and(|c| c != ']');
            match atom {
                ClassAtom::Char(lo) if is_range => {
                    self.i += 1;
                    let hi = match self.bump() {
                        Some('\\') => self.escape_atom(true)?,
                        Some(c) => ClassAtom::Char(c as u32),
                        None => return Err(invalid("unterminated character class")),
                    };
                    match hi {
                        ClassAtom::Char(hi) if hi < lo => {
                            return Err(invalid("range out of order in character class"));
                        }
                        ClassAtom::Char(hi) => ranges.push((lo, hi)),
                        ClassAtom::Set(set) => {
                            // Annex B: `[a-\d]` is `a`, `-` and the digits.
                            ranges.push((lo, lo));
                            ranges.push(('-' as u32, '-' as u32));
                            ranges.extend(set);
                        }
                    }
                }
                ClassAtom::Char(cp) => ranges.push((cp, cp)),
                ClassAtom::Set(set) => ranges.extend(set),
            }
        }
        let set = normalize(ranges);
        Ok(if negate { complement(&set) } else { set })
    }

    fn push_set(&mut self, set: &[(u32, u32)]) {
        if set.is_empty() {
            self.out.push_str(NOTHING);
            return;
        }
        self.out.push('[');
        for &(lo, hi) in set {
            push_hex(&mut self.out, lo);
            if hi > lo {
                self.out.push('-');
                push_hex(&mut self.out, hi);
            }
        }
        self.out.push(']');
    }

    fn push_literal(&mut self, cp: u32) {
        match char::from_u32(cp) {
            Some(c) if c.is_ascii_alphanumeric() || c == ' ' || c == '_' => self.out.push(c),
            Some(_) => push_hex(&mut self.out, cp),
            // A lone surrogate can never occur in a Rust string.
            None => self.out.push_str(NOTHING),
        }
    }
}

fn push_hex(out: &mut String, cp: u32) {
    use std::fmt::Write;
    let _ = write!(out, "\\x{{{cp:x}}}");
}

/// Sorted, merged ranges without the surrogate block (which `regex-lite` rejects).
fn normalize(mut ranges: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    crate::domain::order::sort(&mut ranges);
    let mut merged: Vec<(u32, u32)> = Vec::with_capacity(ranges.len());
    for (lo, hi) in ranges {
        match merged.last_mut() {
            Some((_, end)) if lo <= end.saturating_add(1) => *end = (*end).max(hi),
            _ => merged.push((lo, hi)),
        }
    }
    let (s_lo, s_hi) = SURROGATES;
    let mut out = Vec::with_capacity(merged.len() + 1);
    for (lo, hi) in merged {
        if hi < s_lo || lo > s_hi {
            out.push((lo, hi));
            continue;
        }
        if lo < s_lo {
            out.push((lo, s_lo - 1));
        }
        if hi > s_hi {
            out.push((s_hi + 1, hi));
        }
    }
    out
}

/// Every code point not in `set` (which must be normalized), surrogates excluded.
fn complement(set: &[(u32, u32)]) -> Vec<(u32, u32)> {
    let mut out = Vec::with_capacity(set.len() + 1);
    let mut next = 0u32;
    for &(lo, hi) in set {
        if lo > next {
            out.push((next, lo - 1));
        }
        next = hi.saturating_add(1);
    }
    if next <= MAX_CP {
        out.push((next, MAX_CP));
    }
    normalize(out)
}
