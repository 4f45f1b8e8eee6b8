//! The pure text matchers behind some checks: edit distance (`levenshtein`), XML well-formedness
//! and required elements (`is-xml`, `contains-xml`), refusal wording (`is-refusal`), and
//! promptfoo's comma-separated value lists (`contains-any: a, "b, c"`). Our own code, written from
//! promptfoo's documented behaviour.

/// Levenshtein distance between `a` and `b` counted in UTF-16 code units, as promptfoo's
/// `levenshtein` counts it (`fastest-levenshtein` on JavaScript strings: an emoji outside the
/// Basic Multilingual Plane is two units, so "👍" is 2 edits from ""; tryout 113: it was 1 here),
/// or `None` when it is more than `limit`. Only a band of width `2 * limit + 1` is computed, so
/// the cost is O(`limit` × length) however long the texts are.
pub fn levenshtein_within(a: &str, b: &str, limit: usize) -> Option<usize> {
    let a: Vec<u16> = a.encode_utf16().collect();
    let b: Vec<u16> = b.encode_utf16().collect();
    let (n, m) = (a.len(), b.len());
    if n.abs_diff(m) > limit {
        return None;
    }
    if n == 0 || m == 0 {
        return Some(n.max(m));
    }
    const FAR: usize = usize::MAX / 2;
    // prev[j] = distance between a[..i-1] and b[..j]; cells outside the band stay FAR.
    let mut prev: Vec<usize> = (0..=m).map(|j| if j <= limit { j } else { FAR }).collect();
    let mut cur = vec![FAR; m + 1];
    for i in 1..=n {
        let lo = i.saturating_sub(limit).max(1);
        let hi = (i + limit).min(m);
        // Only the band is written; the next row also reads one cell either side of it, which
        // may hold a value from two rows back: those two are cleared, not the whole row (that
        // made a long text O(n × m) whatever the limit).
        cur[0] = if i <= limit { i } else { FAR };
        cur[lo - 1] = if lo == 1 { cur[0] } else { FAR };
        if hi < m {
            cur[hi + 1] = FAR;
        }
        let mut best = cur[0];
        for j in lo..=hi {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let v = (prev[j - 1] + cost).min(prev[j] + 1).min(cur[j - 1] + 1);
            cur[j] = v;
            best = best.min(v);
        }
        if best > limit {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    (prev[m] <= limit).then_some(prev[m])
}

// ---------------------------------------------------------------------------------------------
// XML
// ---------------------------------------------------------------------------------------------

/// An element of a well-formed XML text: its name and its child elements (text is not kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlElement {
    /// The tag name as written (with any `prefix:`).
    pub name: String,
    /// Child elements in order.
    pub children: Vec<XmlElement>,
}

impl XmlElement {
    /// Whether a dot path such as `root.child.leaf` exists from this element: the first name is
    /// this element's own (promptfoo's `requiredElements` are written from the root).
    pub fn has_path(&self, path: &str) -> bool {
        let segments: Vec<&str> = path.split('.').map(str::trim).collect();
        self.has_segments(&segments)
    }

    fn has_segments(&self, segs: &[&str]) -> bool {
        match segs {
            [] => true,
            [first, rest @ ..] => {
                *first == self.name
                    && (rest.is_empty() || self.children.iter().any(|c| c.has_segments(rest)))
            }
        }
    }
}

/// How deep elements may nest before a text is refused (keeps the recursion bounded).
const MAX_DEPTH: usize = 256;

struct Cursor<'a> {
    s: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.at..]
    }
    fn eat(&mut self, lit: &str) -> bool {
        if self.rest().starts_with(lit) {
            self.at += lit.len();
            true
        } else {
            false
        }
    }
    fn skip_ws(&mut self) -> bool {
        let before = self.at;
        let rest = self.rest();
        let trimmed = rest.trim_start_matches([' ', '\t', '\r', '\n']);
        self.at += rest.len() - trimmed.len();
        self.at > before
    }
    /// Moves past `end`; `Err` names what was left open.
    fn skip_past(&mut self, end: &str, what: &str) -> Result<(), String> {
        match self.rest().find(end) {
            Some(i) => {
                self.at += i + end.len();
                Ok(())
            }
            None => Err(format!("{what} is never closed")),
        }
    }
    fn name(&mut self) -> Result<String, String> {
        let rest = self.rest();
        let end = rest
            .find(|c: char| c.is_whitespace() || "/>=<\"'&!?;,()[]{}".contains(c))
            .unwrap_or(rest.len());
        let name = &rest[..end];
        let first = name.chars().next();
        if first.is_none_or(|c| c.is_ascii_digit() || c == '-' || c == '.') {
            return Err("a tag has no valid name".into());
        }
        self.at += end;
        Ok(name.to_owned())
    }
}

/// Checks one `&…;` reference at the cursor (which stands on `&`).
fn entity(c: &mut Cursor) -> Result<(), String> {
    let rest = c.rest();
    let Some(end) = rest.find(';').filter(|e| *e <= 12) else {
        return Err("a lone “&” (write &amp;)".into());
    };
    let body = &rest[1..end];
    let ok = match body.strip_prefix('#') {
        Some(num) => {
            let code = match num.strip_prefix('x') {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => num.parse::<u32>().ok(),
            };
            code.and_then(char::from_u32).is_some()
        }
        None => matches!(body, "lt" | "gt" | "amp" | "quot" | "apos"),
    };
    if !ok {
        return Err(format!("an unknown entity “&{body};”"));
    }
    c.at += end + 1;
    Ok(())
}

/// One element at the cursor (which stands on `<` and a name).
fn element(c: &mut Cursor, depth: usize) -> Result<XmlElement, String> {
    if depth > MAX_DEPTH {
        return Err("elements are nested too deeply".into());
    }
    c.eat("<");
    let name = c.name()?;
    let mut attrs: Vec<String> = Vec::new();
    loop {
        let spaced = c.skip_ws();
        if c.eat("/>") {
            return Ok(XmlElement {
                name,
                children: Vec::new(),
            });
        }
        if c.eat(">") {
            break;
        }
        if !spaced {
            return Err(format!("the tag <{name}> is malformed"));
        }
        let attr = c.name()?;
        if attrs.contains(&attr) {
            return Err(format!("the attribute {attr} appears twice in <{name}>"));
        }
        c.skip_ws();
        if !c.eat("=") {
            return Err(format!("the attribute {attr} in <{name}> has no value"));
        }
        c.skip_ws();
        let quote = match c.rest().chars().next() {
            Some(q @ ('"' | '\'')) => q,
            _ => return Err(format!("the attribute {attr} in <{name}> is not quoted")),
        };
        c.at += 1;
        loop {
            match c.rest().find([quote, '<', '&']) {
                None => return Err(format!("the attribute {attr} in <{name}> is never closed")),
                Some(i) => {
                    c.at += i;
                    match c.rest().as_bytes()[0] {
                        b'<' => return Err(format!("a “<” inside the attribute {attr}")),
                        b'&' => entity(c)?,
                        _ => {
                            c.at += 1;
                            break;
                        }
                    }
                }
            }
        }
        attrs.push(attr);
    }
    let mut children = Vec::new();
    loop {
        match c.rest().find(['<', '&']) {
            None => return Err(format!("<{name}> is never closed")),
            Some(i) => c.at += i,
        }
        if c.rest().starts_with('&') {
            entity(c)?;
        } else if c.eat("</") {
            let close = c.name().map_err(|_| format!("<{name}> is never closed"))?;
            if close != name {
                return Err(format!("<{name}> is closed by </{close}>"));
            }
            c.skip_ws();
            if !c.eat(">") {
                return Err(format!("<{name}> is never closed"));
            }
            return Ok(XmlElement { name, children });
        } else if c.eat("<!--") {
            c.skip_past("-->", "a comment")?;
        } else if c.eat("<![CDATA[") {
            c.skip_past("]]>", "a CDATA section")?;
        } else if c.eat("<?") {
            c.skip_past("?>", "a processing instruction")?;
        } else {
            children.push(element(c, depth + 1)?);
        }
    }
}

/// Comments, processing instructions and white space, as allowed around the root element.
fn misc(c: &mut Cursor) -> Result<(), String> {
    loop {
        c.skip_ws();
        if c.eat("<!--") {
            c.skip_past("-->", "a comment")?;
        } else if c.rest().starts_with("<?") {
            c.at += 2;
            c.skip_past("?>", "a processing instruction")?;
        } else {
            return Ok(());
        }
    }
}

/// Reads a whole text as one well-formed XML document (promptfoo `is-xml`): an optional
/// declaration, comments, an optional `<!DOCTYPE>` without an internal subset (refused, as
/// promptfoo does), one root element, nothing after it but comments. `Err` says what is wrong.
pub fn xml_document(text: &str) -> Result<XmlElement, String> {
    let text = text.trim_start_matches('\u{feff}');
    let mut c = Cursor { s: text, at: 0 };
    misc(&mut c)?;
    if c.rest().starts_with("<!DOCTYPE") {
        let end = c.rest().find('>').ok_or("the <!DOCTYPE> is never closed")?;
        if c.rest()[..end].contains('[') {
            return Err(
                "it declares its own entities (a DTD subset), which is not accepted".into(),
            );
        }
        c.at += end + 1;
        misc(&mut c)?;
    }
    if !c.rest().starts_with('<') || c.rest().starts_with("</") {
        return Err(if c.rest().is_empty() {
            "there is no element".into()
        } else {
            "it does not start with an element".into()
        });
    }
    let root = element(&mut c, 0)?;
    misc(&mut c)?;
    if !c.rest().is_empty() {
        return Err("there is more after the root element".into());
    }
    Ok(root)
}

/// Every well-formed XML element found inside a text (promptfoo `contains-xml`), outermost ones
/// only, in order.
pub fn xml_fragments(text: &str) -> Vec<XmlElement> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find('<') {
        let start = from + i;
        let starts_name = text[start + 1..]
            .chars()
            .next()
            .is_some_and(|ch| ch.is_alphabetic() || ch == '_' || ch == ':');
        if starts_name {
            let mut c = Cursor { s: text, at: start };
            if let Ok(el) = element(&mut c, 0) {
                out.push(el);
                from = c.at;
                continue;
            }
        }
        from = start + 1;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Refusals
// ---------------------------------------------------------------------------------------------

/// Openings that mean the model is declining (lower case, straight apostrophes).
const REFUSAL_OPENINGS: &[&str] = &[
    "sorry, i can",
    "sorry, but i can",
    "sorry, i won't",
    "i'm sorry, but",
    "i am sorry, but",
    "i'm sorry, i can",
    "i apologize, but",
    "i apologise, but",
    "i can't",
    "i cannot",
    "i can not",
    "i won't",
    "i will not",
    "i'm unable to",
    "i am unable to",
    "i'm not able to",
    "i am not able to",
    "unfortunately, i can't",
    "unfortunately, i cannot",
    "unfortunately, i'm unable",
];

/// Phrases that mean a refusal wherever they stand.
const REFUSAL_PHRASES: &[&str] = &[
    "as an ai language model",
    "as a language model",
    "as an ai, i can",
    "i can't help with that",
    "i cannot help with that",
    "i can't assist with",
    "i cannot assist with",
    "i can't comply",
    "i cannot comply",
    "i'm not able to help with",
    "i must decline",
    "i have to decline",
    "i'm not comfortable",
    "against my guidelines",
    "violates my guidelines",
    "i can't provide that",
    "i cannot provide that",
    "i'm not able to provide",
];

/// The refusal wording in a text, if any (promptfoo `is-refusal`'s text heuristic, with our own
/// phrase list): an empty text counts as a refusal, as in promptfoo; otherwise a typical refusal
/// opening, or a refusal phrase anywhere. Case and curly apostrophes do not matter.
pub fn refusal_wording(text: &str) -> Option<String> {
    let t = text.trim();
    if t.is_empty() {
        return Some(String::new());
    }
    let lower = t.to_lowercase().replace(['\u{2019}', '\u{2018}'], "'");
    let lower = lower.trim_start_matches(['*', '"', '>', ' ']);
    if let Some(p) = REFUSAL_OPENINGS.iter().find(|p| lower.starts_with(*p)) {
        return Some((*p).to_owned());
    }
    REFUSAL_PHRASES
        .iter()
        .find(|p| lower.contains(*p))
        .map(|p| (*p).to_owned())
}

// ---------------------------------------------------------------------------------------------
// Comma-separated values
// ---------------------------------------------------------------------------------------------

/// A promptfoo value list written as one text (`contains-any: a, "b, c"` in a CSV cell or a YAML
/// string): split at commas, each value trimmed; a value in double quotes keeps its commas and
/// spaces (`""` or `\"` for a quote inside, `\\` for a backslash); repeated commas make no empty
/// values. `Err` for a quote that is never closed or text right after a closing quote.
/// Source: promptfoo's docs on `contains-all` ("Quote values containing commas").
pub fn split_values(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        let Some(&first) = chars.peek() else {
            return Ok(out);
        };
        if first == '"' {
            chars.next();
            let mut field = String::new();
            let mut closed = false;
            while let Some(c) = chars.next() {
                match c {
                    '\\' if matches!(chars.peek(), Some('"' | '\\')) => {
                        field.push(chars.next().unwrap_or('\\'));
                    }
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    '"' => {
                        closed = true;
                        break;
                    }
                    c => field.push(c),
                }
            }
            if !closed {
                return Err(format!(
                    "the quoted value \u{201c}{field}\u{201d} is never closed"
                ));
            }
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
            if chars.peek().is_some_and(|c| *c != ',') {
                return Err(format!(
                    "text follows the quoted value \u{201c}{field}\u{201d} without a comma"
                ));
            }
            out.push(field);
        } else {
            let mut field = String::new();
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                field.push(c);
                chars.next();
            }
            out.push(field.trim().to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levenshtein_on_a_table() {
        let rows: &[(&str, &str, usize, Option<usize>)] = &[
            ("kitten", "sitting", 5, Some(3)),
            ("kitten", "sitting", 3, Some(3)),
            ("kitten", "sitting", 2, None),
            ("", "", 0, Some(0)),
            ("", "abc", 5, Some(3)),
            ("abc", "", 2, None),
            ("colour", "color", 1, Some(1)),
            ("Zoë", "Zoe", 1, Some(1)),
            ("日本語", "日本", 1, Some(1)),
            ("😀😀", "😀", 2, Some(2)),
            ("😀😀", "😀", 1, None),
            ("👍", "", 1, None),
            ("👍", "", 2, Some(2)),
            ("😀", "😃", 1, Some(1)),
            ("flaw", "lawn", 2, Some(2)),
            ("abcdef", "azcdef", 0, None),
            ("same", "same", 0, Some(0)),
        ];
        for (a, b, limit, want) in rows {
            assert_eq!(
                levenshtein_within(a, b, *limit),
                *want,
                "{a:?} {b:?} {limit}"
            );
            assert_eq!(
                levenshtein_within(b, a, *limit),
                *want,
                "{b:?} {a:?} {limit}"
            );
        }
        // A long text far from a short one is refused quickly.
        let long = "x".repeat(100_000);
        assert_eq!(levenshtein_within(&long, "x", 5), None);
        let near = format!("{long}y");
        assert_eq!(levenshtein_within(&long, &near, 5), Some(1));
        // Two long texts with a small limit cost the band only (O(n × limit), not O(n²)).
        let far = format!("y{}", "x".repeat(99_999));
        assert_eq!(levenshtein_within(&long, &far, 3), Some(1));
    }

    /// The full table, for comparison: the textbook dynamic programme over UTF-16 code units.
    fn levenshtein_full(a: &str, b: &str) -> usize {
        let (a, b): (Vec<u16>, Vec<u16>) = (a.encode_utf16().collect(), b.encode_utf16().collect());
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for i in 1..=a.len() {
            let mut cur = vec![i; b.len() + 1];
            for j in 1..=b.len() {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                cur[j] = (prev[j - 1] + cost).min(prev[j] + 1).min(cur[j - 1] + 1);
            }
            prev = cur;
        }
        prev[b.len()]
    }

    #[test]
    fn the_band_agrees_with_the_full_table_on_random_texts() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |below: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % below
        };
        let letters = ['a', 'b', 'c', '😀'];
        let text = |next: &mut dyn FnMut(u64) -> u64| -> String {
            let len = next(12);
            (0..len).map(|_| letters[next(4) as usize]).collect()
        };
        for _ in 0..20_000 {
            let (a, b) = (text(&mut next), text(&mut next));
            let limit = next(8) as usize;
            let full = levenshtein_full(&a, &b);
            let want = (full <= limit).then_some(full);
            assert_eq!(
                levenshtein_within(&a, &b, limit),
                want,
                "{a:?} {b:?} {limit}"
            );
        }
    }

    #[test]
    fn xml_documents() {
        let good = [
            "<root><child>Content</child></root>",
            "<?xml version=\"1.0\"?>\n<!-- note -->\n<a x='1' y=\"&amp;&#38;&#x26;\"><b/><c>t&lt;</c><![CDATA[<not>]]></a>\n",
            "<analysis><classification>T-shirt</classification><color>Red</color></analysis>",
            "<日本><語>テキスト</語></日本>",
            "<!DOCTYPE note SYSTEM \"x.dtd\"><note/>",
        ];
        for g in good {
            assert!(xml_document(g).is_ok(), "{g}: {:?}", xml_document(g));
        }
        let bad = [
            ("<root><child>Content</child></root", "never closed"),
            ("<a><b></a></b>", "closed by"),
            ("text <a/>", "does not start"),
            ("<a/><b/>", "more after"),
            ("<a>&nbsp;</a>", "unknown entity"),
            ("<a>AT&T</a>", "lone"),
            ("<a x=1/>", "not quoted"),
            ("<a x='1' x='2'/>", "twice"),
            ("<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>", "DTD"),
            ("", "no element"),
            ("{\"a\":1}", "does not start"),
        ];
        for (b, why) in bad {
            let e = xml_document(b).expect_err(b);
            assert!(e.contains(why), "{b}: {e}");
        }
        let deep = "<a>".repeat(300) + &"</a>".repeat(300);
        assert!(xml_document(&deep).unwrap_err().contains("too deeply"));
    }

    #[test]
    fn xml_paths_and_fragments() {
        let doc = xml_document(
            "<analysis><classification>T</classification><meta><color>Red</color></meta></analysis>",
        )
        .unwrap();
        assert!(doc.has_path("analysis.classification"));
        assert!(doc.has_path("analysis.meta.color"));
        assert!(!doc.has_path("analysis.color"));
        assert!(!doc.has_path("root.classification"));
        let found =
            xml_fragments("Sure, here is your xml:\n<root><child>Content</child></root>\nand <b>.");
        assert_eq!(found.len(), 1);
        assert!(found[0].has_path("root.child"));
        assert!(xml_fragments("a < b and c > d").is_empty());
        assert_eq!(xml_fragments("<x/> then <y>1</y>").len(), 2);
    }

    #[test]
    fn refusals() {
        let yes = [
            "I'm sorry, but I can't help with that.",
            "I can\u{2019}t assist with that request.",
            "As an AI language model, I don't have opinions.",
            "  **I cannot** provide instructions for that.",
            "Lo siento. I must decline this request.",
            "",
            "   ",
        ];
        for t in yes {
            assert!(refusal_wording(t).is_some(), "{t:?}");
        }
        let no = [
            "Here is your summary: the meeting moved to Friday.",
            "I can help with that! First, open Settings.",
            "Sorry for the wait: your order ships today.",
            "Die Antwort ist 42.",
        ];
        for t in no {
            assert_eq!(refusal_wording(t), None, "{t:?}");
        }
    }

    // Regression: `contains-all:"1,000",in stock` split the quoted value at its comma into three
    // values; a quoted value keeps its commas.
    #[test]
    fn quoted_values_keep_their_commas() {
        let rows: &[(&str, Result<&[&str], &str>)] = &[
            ("\"1,000\",in stock", Ok(&["1,000", "in stock"])),
            ("a, b,c", Ok(&["a", "b", "c"])),
            (" \"x, y\" , z ", Ok(&["x, y", "z"])),
            ("a,,b,", Ok(&["a", "b"])),
            (
                "\"say \"\"hi\"\"\",\"back\\\\slash \\\"q\\\"\"",
                Ok(&["say \"hi\"", "back\\slash \"q\""]),
            ),
            ("\"日本, 語\",😀", Ok(&["日本, 語", "😀"])),
            ("", Ok(&[])),
            ("\"open, never closed", Err("never closed")),
            ("\"a\" b, c", Err("without a comma")),
        ];
        for (text, want) in rows {
            match (split_values(text), want) {
                (Ok(got), Ok(w)) => assert_eq!(got, *w, "{text:?}"),
                (Err(e), Err(w)) => assert!(e.contains(w), "{text:?}: {e}"),
                (got, w) => panic!("{text:?}: got {got:?}, want {w:?}"),
            }
        }
    }
}
