//! Reading and writing test cases as CSV, JSONL, JSON and promptfoo YAML files. Imports are read
//! row by row: a case always comes in with the checks that can run here, and the import report
//! lists, by file and line, each check (or transform, column, file reference) left out and why;
//! a row that cannot be placed at all is reported by line, never imported empty. Several files
//! chosen together resolve each other's `file://` references (a config and its `tests.csv`).
use crate::domain::sorted::SortedSet;
use std::cell::RefCell;
use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::domain::eval::{Assertion, Message, Speaker, Split, TestCase};
use crate::domain::figures;
use crate::domain::wire::{AssertionV1, CaseV1, TurnV1, json_message, text_of};

mod promptfoo;
mod yaml;

/// What a [`LeftOut`] is: a check, a transform, a column, a part of a config, a file reference.
pub use promptfoo::Omitted;
use promptfoo::{Defaults, RawTest};
use yaml::{Kind, Node};

/// A row (or test, or line) that could not be placed at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    /// The file it is in, when it is not the file imported itself but one it refers to.
    pub file: Option<String>,
    /// 1-based line in the file where the row starts.
    pub line: usize,
    /// 1-based place in the file's top-level JSON list, when other items start on the same
    /// line (a list written on one line), so the line alone does not say which.
    pub item: Option<usize>,
    /// Why, in plain words, starting in lower case (shown after "Line N: ").
    pub why: String,
}

impl BadRow {
    /// Where it is, as the import's review names it: "Line 4", "Line 1, item 3",
    /// "tests.csv, line 4".
    pub fn place(&self) -> String {
        place(self.file.as_deref(), self.line, self.item)
    }
}

/// "Line 4", "Line 1, item 3" or "tests.csv, line 4" ([`BadRow::place`], [`LeftOut::place`]).
fn place(file: Option<&str>, line: usize, item: Option<usize>) -> String {
    let item = item.map(|i| format!(", item {i}")).unwrap_or_default();
    match file {
        Some(f) => format!("{f}, line {line}{item}"),
        None => format!("Line {line}{item}"),
    }
}

/// Something from a file that did not come in while the rest of its case did: a check that
/// cannot run here, a transform, a column, a reference to a file not chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    /// The file it is in, when it is not the file imported itself but one it refers to.
    pub file: Option<String>,
    /// 1-based line where it is written.
    pub line: usize,
    /// As [`BadRow::item`].
    pub item: Option<usize>,
    /// What it is: a check (by promptfoo type), a transform, a column, a file reference.
    pub what: Omitted,
    /// Why, in plain words, starting in lower case.
    pub why: String,
}

impl LeftOut {
    /// Where it is, as [`BadRow::place`].
    pub fn place(&self) -> String {
        place(self.file.as_deref(), self.line, self.item)
    }

    /// "javascript check left out: it would run code".
    pub fn message(&self) -> String {
        format!("{} left out: {}", self.what, self.why)
    }
}

/// More cases than this in one import come in only when the person says so, with the choice
/// of the first this many (tryout 120: a 60,000-row CSV came in at once, with no question).
pub const LARGE_IMPORT: usize = 1_000;

/// What a file held: the cases that could be read (ids 0: the suite gives them), the assertions
/// that apply to every case (promptfoo's `defaultTest`), what was left out, and the rows that
/// could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub cases: Vec<TestCase>,
    /// Where each of `cases` is written, by index: its file (`None`: the file imported), its
    /// 1-based line and, as [`BadRow::item`], its place in a one-line list.
    pub case_places: Vec<(Option<String>, usize, Option<usize>)>,
    /// The 1-based line of each check of each of `cases`, by index, where the file gives one
    /// (a YAML or JSON test's `assert` items; empty or short: the case's line, `case_places`).
    pub check_lines: Vec<Vec<usize>>,
    pub global: Vec<Assertion>,
    pub bad: Vec<BadRow>,
    /// What did not come in while the rest of its case did, in file order.
    pub left_out: Vec<LeftOut>,
    /// "CSV", "TSV", "JSONL", "JSON" or "YAML".
    pub format: &'static str,
    /// A CSV's bare `expected` column was read as each case's expected answer (a reference for
    /// the judge's checks, not sent to the model), where promptfoo would read a variable: the
    /// import says so.
    pub expected_column: bool,
    /// The referenced file being read, while reading one.
    here: Option<String>,
}

impl Imported {
    fn new(format: &'static str) -> Self {
        Self {
            cases: Vec::new(),
            case_places: Vec::new(),
            check_lines: Vec::new(),
            global: Vec::new(),
            bad: Vec::new(),
            left_out: Vec::new(),
            format,
            expected_column: false,
            here: None,
        }
    }

    /// What a bad entry is called, singular and plural, in the file it is in: a "row" of a CSV
    /// or TSV file, a "line" of JSONL, a "test" of a promptfoo YAML or JSON file; "entry" /
    /// "entries" when the bad ones are in files of different kinds (a config and its CSV).
    pub fn bad_words(&self) -> (&'static str, &'static str) {
        let word = |b: &BadRow| {
            let kind = match &b.file {
                Some(f) => {
                    let ext = f
                        .rsplit('.')
                        .next()
                        .unwrap_or_default()
                        .to_ascii_lowercase();
                    match ext.as_str() {
                        "csv" | "tsv" => "CSV",
                        "jsonl" => "JSONL",
                        _ => "YAML",
                    }
                }
                None => self.format,
            };
            match kind {
                "CSV" | "TSV" => ("row", "rows"),
                "JSONL" => ("line", "lines"),
                _ => ("test", "tests"),
            }
        };
        let mut words = self.bad.iter().map(word);
        let first = words.next().unwrap_or(("entry", "entries"));
        if words.all(|w| w == first) {
            first
        } else {
            ("entry", "entries")
        }
    }

    /// The checks that come in unusable as written (a pattern that is not a regular
    /// expression, a list with nothing in it: [`Assertion::problem`]), one line each as the
    /// import's review lists them: "Line 3: regex check comes in to fix: …". The case comes in
    /// with the check marked; a run waits until it is fixed. Tryout 78: these were said only
    /// after the import, while the review listed what was left out.
    pub fn to_fix(&self, spec: Option<&crate::domain::spec::PromptSpec>) -> Vec<String> {
        let line = |place: String, a: &Assertion, why: String| {
            format!("{place}: {} check comes in to fix: {why}", a.type_name())
        };
        let cases = self.cases.iter().enumerate().flat_map(|(i, c)| {
            let (file, at, item) = self.case_places.get(i).cloned().unwrap_or((None, 0, None));
            // Each check at its own line where the file gives one (tryout 103: a bad regex on
            // line 6 was named at its test's line 2).
            let lines = self.check_lines.get(i).cloned().unwrap_or_default();
            c.assertions.iter().enumerate().filter_map(move |(j, a)| {
                let at = lines.get(j).copied().unwrap_or(at);
                a.problem(spec)
                    .map(|why| line(place(file.as_deref(), at, item), a, why))
            })
        });
        let global = self.global.iter().filter_map(|a| {
            a.problem(spec)
                .map(|why| line("The checks for every case".to_owned(), a, why))
        });
        cases.chain(global).collect()
    }

    /// Keeps the first `n` cases, with their places and check lines ("Import the first 1,000"
    /// of a file over [`LARGE_IMPORT`]); what the file left out and its bad entries stay listed.
    pub fn keep_first(&mut self, n: usize) {
        self.cases.truncate(n);
        self.case_places.truncate(n);
        self.check_lines.truncate(n);
    }

    /// How many cases came in with nothing to send: no input, no variables, no earlier turns
    /// (a promptfoo test with only `assert`, which promptfoo allows for a prompt with no
    /// variables). Said after the import: each is sent as an empty message.
    pub fn without_input(&self) -> usize {
        self.cases
            .iter()
            .filter(|c| c.input.trim().is_empty() && c.vars.is_empty() && c.turns.is_empty())
            .count()
    }

    fn bad(&mut self, line: usize, why: impl Into<String>) {
        self.bad.push(BadRow {
            file: self.here.clone(),
            line,
            item: None,
            why: why.into(),
        });
    }

    fn leave_out(&mut self, line: usize, what: Omitted, why: impl Into<String>) {
        self.left_out.push(LeftOut {
            file: self.here.clone(),
            line,
            item: None,
            what,
            why: why.into(),
        });
    }
}

/// One file chosen for import: its name (a path or just the file name) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileText {
    /// A path (`evals/tests.csv`) or just the file name, as the browser gives it.
    pub name: String,
    /// The whole file, UTF-8.
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// With its delimiter.
    Csv(u8),
    Jsonl,
    Json,
    Yaml,
}

/// Reads test cases from one file. The format comes from the name's extension (`.csv`, `.tsv`,
/// `.jsonl`/`.ndjson`, `.json`, `.yaml`/`.yml`), else from the content. `Err` means the whole file
/// could not be read, said in plain words; single bad rows are in [`Imported::bad`], what was
/// left out in [`Imported::left_out`]. `file://` references are reported as left out.
pub fn import(file_name: &str, text: &str) -> Result<Imported, String> {
    let files = [FileText {
        name: file_name.to_owned(),
        text: text.to_owned(),
    }];
    import_files(&files)
        .pop()
        .map(|(_, r)| r)
        .expect("one file gives one result")
}

/// Reads several files chosen together. A file that another one refers to with `file://` (a
/// config's `tests: file://tests.csv`, `defaultTest: file://…`, a check's value in a file, a
/// variable's) is read as part of that one and gives no result of its own; every other file gives
/// `(its name, what it held)`, in the order chosen. References match a chosen file by path, else
/// by file name (the one in the referring file's folder first); `*` and `?` work in file names.
pub fn import_files(files: &[FileText]) -> Vec<(String, Result<Imported, String>)> {
    let used = RefCell::new(SortedSet::new());
    let results: Vec<(String, Result<Imported, String>)> = (0..files.len())
        .map(|i| {
            let ctx = Ctx {
                files,
                used: &used,
                depth: 0,
            };
            (files[i].name.clone(), import_one(&ctx, i))
        })
        .collect();
    let used = used.into_inner();
    if used.len() >= files.len() {
        // Every file is referred to (a cycle): show them all.
        return results;
    }
    results
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !used.contains(i))
        .map(|(_, r)| r)
        .collect()
}

/// What every reader needs: the files chosen (for `file://`), which of them were used, and how
/// deep references go.
struct Ctx<'a> {
    files: &'a [FileText],
    used: &'a RefCell<SortedSet<usize>>,
    depth: usize,
}

/// References may nest this deep (a config, its tests file, a value file).
const MAX_DEPTH: usize = 4;

impl Ctx<'_> {
    /// The chosen files a `file://` reference written in file `from` points to (best match
    /// first), marked as used. Best: the path from `from`'s folder; then the path's end; then
    /// the file name in `from`'s folder; then the file name anywhere (a browser gives names only).
    fn lookup(&self, from: &str, reference: &str) -> Vec<(String, String)> {
        let r = reference.trim();
        let r = r.strip_prefix("file://").unwrap_or(r);
        let r = r
            .split('#')
            .next()
            .unwrap_or(r)
            .trim_start_matches("./")
            .replace('\\', "/");
        let base = r.rsplit('/').next().unwrap_or(&r).to_owned();
        let dir = |p: &str| p.rsplit_once('/').map_or("", |(d, _)| d).to_owned();
        let from = from.replace('\\', "/");
        let wanted_path = if dir(&from).is_empty() {
            r.clone()
        } else {
            format!("{}/{r}", dir(&from))
        };
        let mut found: Vec<(u8, usize)> = Vec::new();
        for (i, f) in self.files.iter().enumerate() {
            let name = f.name.replace('\\', "/");
            if name == from {
                continue;
            }
            let name_base = name.rsplit('/').next().unwrap_or(&name);
            let rank = if path_ends_with(&name, &wanted_path) {
                0
            } else if path_ends_with(&name, &r) {
                1
            } else if !glob(&base, name_base) {
                continue;
            } else if dir(&name) == dir(&from) {
                2
            } else {
                3
            };
            found.push((rank, i));
        }
        crate::domain::order::sort(&mut found);
        if let Some(best) = found.first().map(|f| f.0) {
            // A plain name picks one file; a pattern every file it matches at the best rank.
            let pattern = r.contains(['*', '?']);
            found.retain(|f| f.0 == best);
            if !pattern {
                found.truncate(1);
            }
        }
        let mut used = self.used.borrow_mut();
        found
            .into_iter()
            .map(|(_, i)| {
                used.insert(i);
                (self.files[i].name.clone(), self.files[i].text.clone())
            })
            .collect()
    }

    fn deeper(&self) -> Ctx<'_> {
        Ctx {
            files: self.files,
            used: self.used,
            depth: self.depth + 1,
        }
    }
}

/// Whether `path`'s last segments match `pattern`'s, segment by segment (`*`, `?` within one).
fn path_ends_with(path: &str, pattern: &str) -> bool {
    let p: Vec<&str> = pattern
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    let n: Vec<&str> = path.split('/').collect();
    !p.is_empty()
        && n.len() >= p.len()
        && n[n.len() - p.len()..]
            .iter()
            .zip(&p)
            .all(|(name, pat)| glob(pat, name))
}

/// `*` (any run) and `?` (one character) in a file name.
fn glob(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni, mut star, mut mark) = (0, 0, None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Tests read from one file before `defaultTest` is merged in, with what applies to all.
struct Source {
    tests: Vec<RawTest>,
    defaults: Defaults,
    global: Vec<Assertion>,
    format: &'static str,
}

impl Source {
    fn new(format: &'static str) -> Self {
        Self {
            tests: Vec::new(),
            defaults: Defaults::default(),
            global: Vec::new(),
            format,
        }
    }
}

fn import_one(ctx: &Ctx, index: usize) -> Result<Imported, String> {
    let f = &ctx.files[index];
    let text = f.text.strip_prefix('\u{feff}').unwrap_or(&f.text);
    if text.trim().is_empty() {
        return Err("The file is empty.".into());
    }
    let mut out = Imported::new("CSV");
    let src = read_source(&f.name, text, ctx, &mut out)?;
    out.format = src.format;
    out.global = src.global;
    for raw in src.tests {
        finish(raw, &src.defaults, &mut out);
    }
    // In file order: the file imported first, then the ones it refers to.
    crate::domain::order::sort_by(&mut out.left_out, |a, b| {
        (&a.file, a.line).cmp(&(&b.file, b.line))
    });
    if out.cases.is_empty() && out.global.is_empty() && out.bad.is_empty() {
        if let Some((path, why)) = out.left_out.iter().find_map(|l| match &l.what {
            Omitted::File(path) => Some((path, &l.why)),
            _ => None,
        }) {
            // Why it was not read, as the reference's own note says (the review of session
            // 47: two configs referring to each other, both chosen, were told to choose both).
            return Err(if ctx.files.len() == 1 {
                format!(
                    "The tests of this file are in another file ({path}), which was not among the files chosen: choose both files together."
                )
            } else {
                format!("The tests of this file are in another file ({path}), not read: {why}.")
            });
        }
        if !out.left_out.is_empty() {
            let parts: Vec<String> = out.left_out.iter().map(LeftOut::message).collect();
            return Err(format!(
                "Nothing in this file can be imported: {}.",
                parts.join("; ")
            ));
        }
        // Tryout 78: a one-line file (a header and nothing else) said only "holds no test
        // cases", as a file of another kind would.
        if matches!(out.format, "CSV" | "TSV")
            && text.lines().filter(|l| !l.trim().is_empty()).count() == 1
        {
            return Err(format!(
                "This {} file has only its header line and no rows below it, so it holds no test cases: each row under the header is a case.",
                out.format
            ));
        }
        return Err("The file holds no test cases.".into());
    }
    Ok(out)
}

/// A chosen file's bytes as text, or `Err` (the page's message) when it is not a text file in
/// UTF-8: a NUL byte in its first 8,000 bytes (git's test for a binary file: an image, a
/// spreadsheet's own format), or bytes that are not UTF-8 (a file saved in another encoding:
/// read anyway, its text would change). Names the line of the first bad byte. A byte order mark
/// is taken off, as the browser's UTF-8 decoding does.
/// `cases`: the file is meant to hold test cases (it may come from a spreadsheet), else a
/// drafts export (JSON written by Promptwright).
pub fn file_text(bytes: &[u8], cases: bool) -> Result<String, String> {
    let line = |at: usize| bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
    // Tryout 51: a UTF-16 file (Excel's "Unicode text", with its byte order mark) was called
    // "not a text file". Tryout 93: a drafts export read "save it as CSV UTF-8".
    // Without its byte order mark too: ASCII text in UTF-16 has a NUL beside every letter
    // (tryout 94: such a file read "not a text file").
    let head = &bytes[..bytes.len().min(64) & !1];
    let utf16_plain = head.len() >= 4
        && (head.chunks(2).all(|p| p[0] != 0 && p[1] == 0)
            || head.chunks(2).all(|p| p[0] == 0 && p[1] != 0));
    if bytes.starts_with(b"\xff\xfe") || bytes.starts_with(b"\xfe\xff") || utf16_plain {
        return Err(if cases {
            "This file is UTF-16 text (a spreadsheet's \u{201c}Unicode text\u{201d}), not UTF-8. Nothing was imported: save it as \u{201c}CSV UTF-8\u{201d} (or UTF-8 text) and import it again."
                .into()
        } else {
            "This file is UTF-16 text, not UTF-8, so it is not an export as Promptwright writes it (UTF-8 JSON): another program saved it again in another encoding. Nothing was imported: save it as UTF-8 and import it again."
                .into()
        });
    }
    // A workbook in a spreadsheet's own format (tryout 117: an .xlsx read "line 1 has a NUL
    // byte" with no word of what to do): .xlsx and .ods are ZIP archives, .xls an OLE2 file.
    let zip = bytes.starts_with(b"PK\x03\x04");
    let ole2 = bytes.starts_with(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1");
    if cases && (zip || ole2) {
        return Err("This is a spreadsheet's own file format (such as .xlsx, .xls or .ods), not text. Nothing was imported: save the sheet as \u{201c}CSV UTF-8\u{201d} from your spreadsheet program and import that file.".into());
    }
    if let Some(at) = bytes.iter().take(8000).position(|b| *b == 0) {
        let save = if cases {
            " If it comes from a spreadsheet, save it as \u{201c}CSV UTF-8\u{201d} and import that."
        } else {
            ""
        };
        return Err(format!(
            "This is not a text file: line {} has a NUL byte, which no CSV, JSON or YAML file has. Nothing was imported.{save}",
            line(at)
        ));
    }
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    std::str::from_utf8(bytes).map(str::to_owned).map_err(|e| {
        format!(
            "This file is not UTF-8 text: line {} has bytes that are not UTF-8 (a file saved in another encoding). Nothing was imported: save it as UTF-8 and import it again.",
            line(e.valid_up_to())
        )
    })
}

/// Merges `defaultTest` into one test, expands its array variables, and adds the cases; a test
/// with nothing usable in it becomes a bad row (with what was left out of it), never an empty case.
fn finish(mut raw: RawTest, defaults: &Defaults, out: &mut Imported) {
    let (file, line, item) = (raw.file.clone(), raw.line, raw.item);
    let check_lines = std::mem::take(&mut raw.assert_lines);
    let left = std::mem::take(&mut raw.left_out);
    let raw_unread = std::mem::take(&mut raw.unread);
    match promptfoo::expand(raw, defaults) {
        Err(why) => {
            out.left_out.extend(left);
            out.bad.push(BadRow {
                file,
                line,
                item,
                why,
            });
        }
        Ok(cases) => {
            let empty = cases.iter().all(|c| {
                c.input.is_empty()
                    && c.turns.is_empty()
                    && c.vars.is_empty()
                    && c.expected.is_empty()
                    && c.assertions.is_empty()
                    && c.description.is_empty()
                    && c.tags.is_empty()
            });
            if !empty {
                out.left_out.extend(left);
                out.case_places
                    .extend(cases.iter().map(|_| (file.clone(), line, item)));
                out.check_lines
                    .extend(cases.iter().map(|_| check_lines.clone()));
                out.cases.extend(cases);
                return;
            }
            // What was left out of it is named in the bad row instead.
            let why = if !raw_unread.is_empty() {
                format!(
                    "this test has nothing Promptwright can use: {} ({}) {} Promptwright reads (a test has input, vars, assert, expected, messages…)",
                    if raw_unread.len() == 1 {
                        "its field"
                    } else {
                        "its fields"
                    },
                    raw_unread.join(", "),
                    if raw_unread.len() == 1 {
                        "is not one"
                    } else {
                        "are not ones"
                    },
                )
            } else if left.is_empty() {
                "this test has nothing Promptwright can use: no variables, input or checks"
                    .to_owned()
            } else {
                let parts: Vec<String> = left.iter().map(LeftOut::message).collect();
                format!(
                    "this test has nothing Promptwright can use: no variables or input, and {}",
                    parts.join("; ")
                )
            };
            out.bad.push(BadRow {
                file,
                line,
                item,
                why,
            });
        }
    }
}

fn read_source(name: &str, text: &str, ctx: &Ctx, out: &mut Imported) -> Result<Source, String> {
    match detect(name, text) {
        Format::Csv(delimiter) => read_csv(name, text, delimiter, ctx, out),
        Format::Jsonl => Ok(read_jsonl(name, text, ctx, out)),
        Format::Json => read_json(name, text, ctx, out),
        Format::Yaml => read_config(name, &yaml::parse_yaml(text)?, "YAML", ctx, out),
    }
}

fn detect(file_name: &str, text: &str) -> Format {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.trim().to_ascii_lowercase());
    match ext.as_deref() {
        Some("csv") => Format::Csv(b','),
        Some("tsv" | "tab") => Format::Csv(b'\t'),
        Some("jsonl" | "ndjson") => Format::Jsonl,
        Some("json") => Format::Json,
        Some("yaml" | "yml") => Format::Yaml,
        _ => sniff(text),
    }
}

/// Guesses the format from the first line that says something.
fn sniff(text: &str) -> Format {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#') && *l != "---")
        .unwrap_or("");
    if first.starts_with('[') || first.starts_with('{') {
        // A `.json` read falls back to JSONL when the whole is not one JSON value.
        return Format::Json;
    }
    if first == "-" || first.starts_with("- ") || looks_like_yaml_key(first) {
        return Format::Yaml;
    }
    if first.contains('\t') && !first.contains(',') {
        return Format::Csv(b'\t');
    }
    Format::Csv(b',')
}

/// `name:` or `name: value`, as a YAML mapping's first line starts.
fn looks_like_yaml_key(line: &str) -> bool {
    let Some((key, rest)) = line.split_once(':') else {
        return false;
    };
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | ' '))
        && (rest.is_empty() || rest.starts_with(' '))
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a true/false value",
        Value::Number(_) => "a number",
        Value::String(_) => "a piece of text",
        Value::Array(_) => "a list",
        Value::Object(_) => "a set of fields",
    }
}

/// Tags from one cell: split on `,` or `;` not written `\,` or `\;`, trimmed, empties dropped
/// ([`crate::domain::eval::read_tags`], as a case's tags box reads them).
fn split_tags(cell: &str) -> Vec<String> {
    crate::domain::eval::read_tags(cell)
}

/// Why `what` (a line, a cell) is not JSON, in plain words; for one line, where (in characters).
fn not_json(what: &str, one_line: Option<&str>, e: &serde_json::Error) -> String {
    if e.is_eof() {
        return format!("{what} is not valid JSON: it ends before the JSON is complete");
    }
    if crate::domain::wire::too_deep(e).is_some() {
        return format!(
            "{what} nests lists or objects more than {} levels deep, deeper than any test case",
            crate::domain::wire::JSON_DEPTH_LIMIT
        );
    }
    match one_line {
        Some(line) => {
            // serde_json counts bytes; people count characters.
            let mut byte = e.column().saturating_sub(1).min(line.len());
            // A word that starts like `null`, `true` or `false` fails a letter or more into
            // it: the place is the word's start (tryout 46: "nope" was "near character 2").
            if json_message(e).starts_with("expected ident") {
                while let Some(c) = line.get(..byte).and_then(|p| p.chars().next_back())
                    && c.is_alphanumeric()
                {
                    byte -= c.len_utf8();
                }
            }
            let at = line.get(..byte).map_or(byte, |p| p.chars().count()) + 1;
            format!("{what} is not valid JSON (near character {at})")
        }
        None => format!("{what} is not valid JSON"),
    }
}

// ---------------------------------------------------------------------------------------------
// One test from a JSON value (JSONL lines, JSON arrays, YAML tests)
// ---------------------------------------------------------------------------------------------

/// Reads one test (our `CaseV1` or a promptfoo test) from a JSON value: text fields given as
/// numbers or true/false are taken as their text, `tags` may be one comma-separated text,
/// `threshold`, `metadata` and `options` are promptfoo's. `assert_lines` are the lines of its
/// assertions when known. `None` (with a bad row) when it cannot be placed at all.
fn read_test(
    v: Value,
    line: usize,
    assert_lines: &[AssertAt],
    templates: &Map<String, Value>,
    from: &str,
    ctx: &Ctx,
    out: &mut Imported,
) -> Option<RawTest> {
    let file = out.here.clone();
    let mut left: Vec<LeftOut> = Vec::new();
    let mut leave = |line: usize, what: Omitted, why: String| {
        left.push(LeftOut {
            file: file.clone(),
            line,
            item: None,
            what,
            why,
        })
    };
    let Value::Object(mut m) = v else {
        out.bad(
            line,
            format!(
                "this is not a test case: expected a set of fields such as vars and assert, found {}",
                kind_of(&v)
            ),
        );
        return None;
    };
    let mut input_given = m.contains_key("input");
    // Our `turns` (earlier turns, in OpenAI's message shape), read turn by turn.
    let mut turns: Vec<Message> = Vec::new();
    match m.remove("turns") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                match read_message(item) {
                    Ok(Said::Turn(t)) => turns.push(t),
                    Ok(Said::Other(role)) => leave(
                        line,
                        Omitted::Part(format!("turn {} ({role})", i + 1)),
                        "Promptwright sends only user and assistant turns".into(),
                    ),
                    Err(why) => leave(line, Omitted::Part(format!("turn {}", i + 1)), why),
                }
            }
        }
        Some(other) => leave(
            line,
            Omitted::Part("the turns field".into()),
            format!("it is not a list of turns (found {})", kind_of(&other)),
        ),
    }
    // A chat log in OpenAI's messages shape: the last user message is the tested turn, what
    // the assistant said after it the expected answer, the messages before it the earlier turns.
    match m.remove("messages") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            let log = match chat_log(&items) {
                Ok(log) => log,
                Err(why) => {
                    out.bad(line, why);
                    return None;
                }
            };
            if m.get("input")
                .is_some_and(|i| !text_of(i).trim().is_empty())
            {
                out.bad(
                    line,
                    "it has both messages and an input: the last user message is the input, so give one or the other",
                );
                return None;
            }
            for (what, why) in log.left {
                leave(line, what, why);
            }
            if !turns.is_empty() {
                leave(
                    line,
                    Omitted::Part("the turns field".into()),
                    "the messages hold the conversation".into(),
                );
            }
            turns = log.turns;
            m.insert("input".into(), Value::String(log.input));
            input_given = true;
            if let Some(reply) = log.reply {
                if m.get("expected")
                    .is_some_and(|e| !text_of(e).trim().is_empty())
                {
                    leave(
                        line,
                        Omitted::Part("the reply after the last user message".into()),
                        "the test's own expected answer is kept".into(),
                    );
                } else {
                    m.insert("expected".into(), Value::String(reply));
                }
            }
        }
        Some(other) => {
            out.bad(
                line,
                format!(
                    "its messages are not a list of messages (found {})",
                    kind_of(&other)
                ),
            );
            return None;
        }
    }
    let lookup = |r: &str| ctx.lookup(from, r).into_iter().next();
    let vars: Vec<(String, Value)> = match m.remove("vars") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(o)) => o.into_iter().collect(),
        Some(Value::String(s)) if s.trim().starts_with("file://") => match lookup(&s) {
            Some((name, text)) => match vars_file(&name, &text) {
                Ok(vars) => vars,
                Err(why) => {
                    leave(line, Omitted::File(s.trim().to_owned()), why);
                    Vec::new()
                }
            },
            None => {
                leave(
                    line,
                    Omitted::File(s.trim().to_owned()),
                    "the test's variables are in that file, which was not among the files chosen, so its case comes in without them (choose the file too to read them)"
                        .into(),
                );
                Vec::new()
            }
        },
        Some(other) => {
            out.bad(
                line,
                format!(
                    "its vars are not a set of name: value pairs (found {})",
                    kind_of(&other)
                ),
            );
            return None;
        }
    };
    // A variable naming a file takes that file's text when it was chosen too; so does each
    // value of a list (one case per value) that names one (tryout 94: a list's file went in
    // as its name, unsaid).
    let mut from_file = |k: &str, v: Value, in_list: bool| match &v {
        Value::String(s) if s.trim().starts_with("file://") => match lookup(s) {
            Some((_, text)) => Value::String(text),
            None => {
                let which = if in_list {
                    format!("a value in the list of variable {k}")
                } else {
                    format!("variable {k}")
                };
                leave(
                    line,
                    Omitted::Part(format!("the text of {}", s.trim())),
                    format!(
                        "{which} names that file, which was not among the files chosen, so its case comes in with the file's name as the value of {k} (choose the file too to read it)"
                    ),
                );
                v
            }
        },
        _ => v,
    };
    let vars = vars
        .into_iter()
        .map(|(k, v)| {
            let v = match v {
                Value::Array(items) => Value::Array(
                    items
                        .into_iter()
                        .map(|item| from_file(&k, item, true))
                        .collect(),
                ),
                v => from_file(&k, v, false),
            };
            (k, v)
        })
        .collect();
    let asserts: Vec<Value> = match m.remove("assert") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items,
        Some(other) => {
            leave(
                line,
                Omitted::Part("the assert field".into()),
                format!("it is not a list of checks (found {})", kind_of(&other)),
            );
            Vec::new()
        }
    };
    let threshold = m
        .remove("threshold")
        .and_then(|t| t.as_f64().or_else(|| text_of(&t).trim().parse().ok()))
        .filter(|t| t.is_finite());
    let metadata: Vec<(String, Value)> = match m.remove("metadata") {
        Some(Value::Object(o)) => o.into_iter().collect(),
        _ => Vec::new(),
    };
    let mut no_expansion = false;
    if let Some(Value::Object(o)) = m.remove("options") {
        if let Some(t) = o
            .get("transform")
            .or_else(|| o.get("postprocess"))
            .map(text_of)
            .filter(|t| !t.trim().is_empty())
        {
            leave(
                line,
                Omitted::Transform,
                format!(
                    "\u{201c}{}\u{201d} would run code; this case's checks read the answer as it is",
                    t.trim()
                ),
            );
        }
        if let Some(p) = o.get("provider").and_then(promptfoo::grader_name) {
            leave(
                line,
                Omitted::Part("the grader (options.provider)".into()),
                format!(
                    "{} (the file names {p}); this case's checks are kept",
                    promptfoo::GRADER_HERE
                ),
            );
        }
        if o.get("rubricPrompt").is_some_and(|p| !p.is_null()) {
            leave(
                line,
                Omitted::Part("the grading prompt (options.rubricPrompt)".into()),
                format!(
                    "{}; this case's checks are kept",
                    promptfoo::GRADING_PROMPT_HERE
                ),
            );
        }
        no_expansion = o.get("disableVarExpansion") == Some(&Value::Bool(true));
    }
    for key in ["description", "input", "expected", "split"] {
        match m.get(key) {
            None | Some(Value::String(_)) => {}
            Some(Value::Null) => {
                m.remove(key);
            }
            Some(v @ (Value::Number(_) | Value::Bool(_))) => {
                let text = v.to_string();
                m.insert(key.into(), Value::String(text));
            }
            Some(other) => {
                out.bad(
                    line,
                    format!("its {key} is not text (found {})", kind_of(other)),
                );
                return None;
            }
        }
    }
    match m.get("tags") {
        None | Some(Value::Array(_)) => {}
        Some(Value::Null) => {
            m.remove("tags");
        }
        Some(Value::String(s)) => {
            let tags = split_tags(s).into_iter().map(Value::String).collect();
            m.insert("tags".into(), Value::Array(tags));
        }
        Some(other) => {
            out.bad(
                line,
                format!(
                    "its tags are not a list of words (found {})",
                    kind_of(other)
                ),
            );
            return None;
        }
    }
    if let Some(Value::Array(tags)) = m.get_mut("tags") {
        for t in tags.iter_mut() {
            if !t.is_string() {
                *t = Value::String(t.to_string());
            }
        }
    }
    // promptfoo fields with no place here (providers, prompts…) are ignored by the wire form;
    // any other field is named if nothing else of the test can be used.
    let unread: Vec<String> = m
        .keys()
        .filter(|k| !KNOWN_FIELDS.contains(&k.as_str()))
        .cloned()
        .collect();
    let wire: CaseV1 = match crate::domain::wire::from_value(Value::Object(m)) {
        Ok(w) => w,
        Err(e) => {
            out.bad(line, format!("it could not be read as a test case: {}", e));
            return None;
        }
    };
    let (mut case, _) = wire.into_case();
    case.turns = turns;
    case.threshold = case.threshold.or(threshold);
    let mut check_lines = Vec::new();
    for (i, a) in asserts.iter().enumerate() {
        let at = assert_lines.get(i).cloned().unwrap_or(AssertAt {
            line,
            fields: Vec::new(),
        });
        match promptfoo::read_assertion(a, templates, &lookup) {
            Ok((a, fields)) => {
                case.assertions.push(a);
                check_lines.push(at.line);
                for (what, why) in fields {
                    leave(at.line_for(&what), what, why);
                }
            }
            Err((what, why)) => leave(at.line, what, why),
        }
    }
    Some(RawTest {
        file: out.here.clone(),
        line,
        item: None,
        case,
        assert_lines: check_lines,
        vars,
        metadata,
        no_expansion,
        input_given,
        unread,
        left_out: left,
    })
}

/// The fields of a test read here or by promptfoo for things with no place here (its
/// providers, prompts, a fixed output…): the others are named when a test has nothing usable.
const KNOWN_FIELDS: &[&str] = &[
    "description",
    "input",
    "expected",
    "tags",
    "split",
    "assert",
    "vars",
    "threshold",
    "metadata",
    "options",
    "provider",
    "providers",
    "prompts",
    "providerOutput",
    "assertScoringFunction",
    "id",
];

/// One message of a chat log or of a case's turns, as read.
enum Said {
    Turn(Message),
    /// A role that is not sent (system, developer, tool…), by its name.
    Other(String),
}

/// Reads one message in OpenAI's shape: `role` (`user`, `assistant`; `system`, `developer`,
/// `tool`, `function` are read as not sent) and `content`: a text, or a list of parts whose
/// `text` parts are joined (another kind of part, such as an image, cannot be sent: `Err`).
/// A message with no content (an assistant's tool call) is read as not sent.
fn read_message(v: &Value) -> Result<Said, String> {
    let Value::Object(m) = v else {
        return Err(format!("it is not a message (found {})", kind_of(v)));
    };
    let role = m.get("role").map(text_of).unwrap_or_default();
    let role = role.trim().to_ascii_lowercase();
    let speaker = match role.as_str() {
        "user" => Speaker::User,
        "assistant" => Speaker::Assistant,
        "" => return Err("it has no role (user or assistant)".to_owned()),
        other => return Ok(Said::Other(other.to_owned())),
    };
    let text = match m.get("content") {
        Some(Value::String(s)) => s.clone(),
        None | Some(Value::Null) => {
            return Ok(Said::Other(format!("{role} tool call")));
        }
        Some(Value::Array(parts)) => {
            let mut texts = Vec::new();
            for p in parts {
                match p {
                    Value::String(s) => texts.push(s.clone()),
                    Value::Object(o)
                        if o.get("type").and_then(Value::as_str).unwrap_or("text") == "text" =>
                    {
                        texts.push(o.get("text").map(text_of).unwrap_or_default());
                    }
                    Value::Object(o) => {
                        return Err(format!(
                            "it holds a part Promptwright cannot send ({})",
                            o.get("type").map(text_of).unwrap_or_default()
                        ));
                    }
                    other => {
                        return Err(format!("its content holds {}, not text", kind_of(other)));
                    }
                }
            }
            texts.join("\n")
        }
        Some(other) => return Err(format!("its content is {}, not text", kind_of(other))),
    };
    Ok(Said::Turn(Message { speaker, text }))
}

/// A chat log read into a case's parts.
struct ChatLog {
    turns: Vec<Message>,
    /// The last user message.
    input: String,
    /// The assistant's messages after it, joined by blank lines.
    reply: Option<String>,
    /// Messages not sent (system, tool…), each with why.
    left: Vec<(Omitted, String)>,
}

/// Reads a chat log (OpenAI's `messages`): the last user message is the tested turn, the
/// assistant's messages after it the expected answer, the user and assistant messages before it
/// the earlier turns; a system message is left out (the draft's prompt is the system message),
/// as are tool messages and tool calls. `Err` (the line is reported) when a message does not
/// read or there is no user message.
fn chat_log(items: &[Value]) -> Result<ChatLog, String> {
    let mut kept: Vec<Message> = Vec::new();
    let mut left = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let n = i + 1;
        match read_message(item) {
            Ok(Said::Turn(t)) => kept.push(t),
            Ok(Said::Other(role)) if role == "system" || role == "developer" => left.push((
                Omitted::Part(format!("the {role} message (message {n})")),
                "the draft's prompt is the system message, so this one is not sent".to_owned(),
            )),
            Ok(Said::Other(role)) => left.push((
                Omitted::Part(format!("message {n} ({role})")),
                "Promptwright sends only user and assistant messages".to_owned(),
            )),
            Err(why) => {
                return Err(format!(
                    "message {n} of this conversation cannot be read: {why}"
                ));
            }
        }
    }
    let Some(last) = kept.iter().rposition(|t| t.speaker == Speaker::User) else {
        return Err(
            "this conversation has no user message, so there is no turn to test".to_owned(),
        );
    };
    let after: Vec<String> = kept.drain(last + 1..).map(|t| t.text).collect();
    let input = kept.pop().map(|t| t.text).unwrap_or_default();
    Ok(ChatLog {
        turns: kept,
        input,
        reply: (!after.is_empty()).then(|| after.join("\n\n")),
        left,
    })
}

/// The variables in a `vars: file://…` file: a YAML or JSON map.
fn vars_file(name: &str, text: &str) -> Result<Vec<(String, Value)>, String> {
    let v = match serde_json::from_str::<Value>(text) {
        Ok(v) => v,
        Err(_) => yaml::parse_yaml(text).map(|n| yaml::vars_to_json(&n))?,
    };
    match v {
        Value::Object(o) => Ok(o.into_iter().collect()),
        other => Err(format!(
            "{name} holds {}, not name: value pairs",
            kind_of(&other)
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// JSONL and JSON
// ---------------------------------------------------------------------------------------------

fn read_jsonl(name: &str, text: &str, ctx: &Ctx, out: &mut Imported) -> Source {
    let mut src = Source::new("JSONL");
    let none = Map::new();
    let last = text
        .split('\n')
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, _)| i)
        .last();
    for (i, raw) in text.split('\n').enumerate() {
        // Leading spaces kept: a place in the line is counted from its first character.
        let line = raw.trim_end();
        if line.trim_start().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(v) => src
                .tests
                .extend(read_test(v, i + 1, &[], &none, name, ctx, out)),
            // The file stops inside its last line: cut off, not a mistake in the line.
            Err(e) if e.is_eof() && last == Some(i) => out.bad(
                i + 1,
                format!(
                    "the file ends in the middle of this line: {}",
                    crate::domain::wire::CUT_OFF_FILE
                ),
            ),
            Err(e) => out.bad(i + 1, not_json("this line", Some(line), &e)),
        }
    }
    src
}

fn read_json(name: &str, text: &str, ctx: &Ctx, out: &mut Imported) -> Result<Source, String> {
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            // Several JSON objects, one a line: JSONL under another name.
            let first = text.lines().map(str::trim).find(|l| !l.is_empty());
            if first.is_some_and(|l| matches!(serde_json::from_str(l), Ok(Value::Object(_)))) {
                return Ok(read_jsonl(name, text, ctx, out));
            }
            if e.is_eof() {
                // Cut off: said in plain words ("EOF while parsing a list" is the parser's).
                return Err(format!(
                    "This JSON file {}.",
                    crate::domain::wire::json_file_problem(&e)
                ));
            }
            if let Some(deep) = crate::domain::wire::too_deep(&e) {
                return Err(format!("This JSON file {deep}."));
            }
            return Err(format!(
                "This JSON file could not be read: {} (line {}, column {}).",
                json_message(&e),
                e.line(),
                e.column()
            ));
        }
    };
    let none = Map::new();
    match value {
        Value::Array(items) => {
            let lines = json_element_lines(text);
            let mut src = Source::new("JSON");
            for (n, item) in items.into_iter().enumerate() {
                let line = lines.get(n).copied().unwrap_or(1);
                let bad = out.bad.len();
                let test = read_test(item, line, &[], &none, name, ctx, out);
                // Tryout 78: a list written on one line said "Line 1:" for each of its bad
                // items. Where the line does not tell an item apart, its place in the list does.
                let shared = lines
                    .get(n)
                    .is_none_or(|l| lines.iter().filter(|x| *x == l).count() > 1);
                if shared {
                    for b in &mut out.bad[bad..] {
                        b.item = Some(n + 1);
                    }
                }
                src.tests.extend(test.map(|mut t| {
                    if shared {
                        t.item = Some(n + 1);
                        for l in &mut t.left_out {
                            l.item = Some(n + 1);
                        }
                    }
                    t
                }));
            }
            Ok(src)
        }
        Value::Object(ref m) if m.contains_key("tests") || m.contains_key("defaultTest") => {
            // A promptfoo config written as JSON. JSON is YAML, and the YAML reader knows lines;
            // the rare JSON it cannot take (escaped surrogate pairs) is read without them.
            let root = yaml::parse_yaml(text).unwrap_or_else(|_| yaml::node_from_json(&value, 1));
            read_config(name, &root, "JSON", ctx, out)
        }
        v @ Value::Object(_) => {
            let line = text.lines().position(|l| !l.trim().is_empty()).unwrap_or(0) + 1;
            let mut src = Source::new("JSON");
            src.tests
                .extend(read_test(v, line, &[], &none, name, ctx, out));
            Ok(src)
        }
        other => Err(format!(
            "This JSON file holds {}, not a list of test cases.",
            kind_of(&other)
        )),
    }
}

/// The line where each element of a top-level JSON array starts (the text is valid JSON).
fn json_element_lines(text: &str) -> Vec<usize> {
    let mut lines = Vec::new();
    let (mut line, mut depth) = (1usize, 0usize);
    let (mut in_string, mut escaped, mut expect) = (false, false, false);
    for b in text.bytes() {
        if b == b'\n' {
            line += 1;
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        if b.is_ascii_whitespace() {
            continue;
        }
        if depth == 1 && expect && !matches!(b, b']' | b',') {
            lines.push(line);
            expect = false;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                expect = depth == 1;
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b',' if depth == 1 => expect = true,
            _ => {}
        }
    }
    lines
}

// ---------------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------------

/// What a CSV column holds.
#[derive(Debug, Clone, PartialEq)]
enum Col {
    Input,
    Expected,
    Description,
    Tags,
    Split,
    /// Ours: a JSON list of assertions.
    Assert,
    /// promptfoo's `__expected…`: one assertion in its compact syntax; holds the header.
    PromptfooExpected(String),
    /// promptfoo's `__threshold`: the case's pass mark, 0-1.
    Threshold,
    /// promptfoo's `__metadata:name` (`list` for `name[]`).
    Metadata {
        key: String,
        list: bool,
    },
    /// promptfoo's `__config:<column>:threshold`: the threshold of the check in that `__expected`
    /// column (`None`: every check of the row).
    Config(Option<String>),
    /// A promptfoo column with no place here, reported once: its header and why.
    LeftOut(String, String),
    Ignored,
    Var(String),
}

/// What each column of `header` holds. `standalone`: the file was chosen on its own, not
/// referenced by a promptfoo config, so a bare `expected` column is the expected answer (as in
/// our JSONL and JSON files) unless the file has promptfoo's `__expected…` columns or another
/// column for the expected answer; in a config's CSV it is a variable, as promptfoo reads it.
fn columns(header: &csv::StringRecord, standalone: bool) -> Vec<Col> {
    let names: Vec<&str> = header.iter().map(str::trim).collect();
    let has = |n: &str| names.contains(&n);
    // Tryout 88: a `notes,expected` file came in with `expected` as a variable, sent to the model
    // and compared with nothing, and the import said nothing of it.
    let expected_answer = standalone
        && !names.iter().any(|n| {
            n.starts_with("__expected")
                || matches!(*n, "reference" | "__reference" | "expected_output")
        });
    // `x` means the same as `__x` unless the file has both: then `x` is a variable.
    let special = |name: &str, bare: &str| {
        name == format!("__{bare}") || (name == bare && !has(&format!("__{bare}")))
    };
    names
        .iter()
        .map(|&name| {
            if special(name, "input") {
                Col::Input
            } else if special(name, "reference")
                || special(name, "expected_output")
                || (name == "expected" && expected_answer)
            {
                Col::Expected
            } else if special(name, "description") {
                Col::Description
            } else if special(name, "tags") {
                Col::Tags
            } else if special(name, "split") {
                Col::Split
            } else if name == "__assert" {
                Col::Assert
            } else if name.starts_with("__expected") {
                Col::PromptfooExpected(name.to_owned())
            } else if name == "__threshold" {
                Col::Threshold
            } else if let Some(key) = name.strip_prefix("__metadata:") {
                match key.strip_suffix("[]") {
                    Some(k) => Col::Metadata {
                        key: k.to_owned(),
                        list: true,
                    },
                    None => Col::Metadata {
                        key: key.to_owned(),
                        list: false,
                    },
                }
            } else if let Some(rest) = name.strip_prefix("__config:") {
                match rest.split(':').collect::<Vec<_>>().as_slice() {
                    [target, "threshold"] if *target == "__expected" => Col::Config(None),
                    [target, "threshold"]
                        if target.strip_prefix("__expected").is_some_and(|n| {
                            !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
                        }) =>
                    {
                        Col::Config(Some((*target).to_owned()))
                    }
                    [_, key] if *key != "threshold" => Col::LeftOut(
                        name.to_owned(),
                        "only a threshold can be set this way".into(),
                    ),
                    _ => Col::LeftOut(
                        name.to_owned(),
                        "it names no __expected column (write __config:__expected2:threshold)"
                            .into(),
                    ),
                }
            } else if name == "__metadata" {
                Col::LeftOut(
                    name.to_owned(),
                    "it needs a name, e.g. __metadata:category".into(),
                )
            } else if matches!(name, "__prefix" | "__suffix") {
                Col::LeftOut(
                    name.to_owned(),
                    "Promptwright sends the prompt as written; put that text in the prompt instead"
                        .into(),
                )
            } else if name == "__providerOutput" {
                Col::LeftOut(
                    name.to_owned(),
                    "Promptwright runs the model; it does not replay a fixed output".into(),
                )
            } else if name == "__metric" {
                // Tryout 51: it went without a word.
                Col::LeftOut(
                    name.to_owned(),
                    "named scores are not kept here; the row's checks are kept".into(),
                )
            } else if name.starts_with("__") || name.is_empty() {
                Col::Ignored
            } else {
                Col::Var(name.to_owned())
            }
        })
        .collect()
}

/// Lines of records read in order: the 1-based line where each starts. The reader's own line
/// number is that of the blank lines it skipped before the record, when there are any (tryout
/// 10: a row after a blank line was reported at the blank line), so the line is counted from the
/// record's byte offset, past those line ends; counting goes on from the last record (linear in
/// the file).
struct Lines<'a> {
    text: &'a [u8],
    /// Byte offset counted up to, and its 1-based line.
    at: usize,
    line: usize,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text: text.as_bytes(),
            at: 0,
            line: 1,
        }
    }

    /// Where `record` starts; 0 when the reader does not say.
    fn of(&mut self, record: &csv::StringRecord) -> usize {
        let Some(p) = record.position() else {
            return 0;
        };
        let from = (p.byte() as usize).min(self.text.len());
        let start = from
            + self.text[from..]
                .iter()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .count();
        if start >= self.at {
            self.line += self.text[self.at..start]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.at = start;
        }
        self.line
    }
}

fn is_blank(record: &csv::StringRecord) -> bool {
    record.iter().all(|f| f.trim().is_empty())
}

fn read_csv(
    name: &str,
    text: &str,
    delimiter: u8,
    ctx: &Ctx,
    out: &mut Imported,
) -> Result<Source, String> {
    let mut src = Source::new(if delimiter == b'\t' { "TSV" } else { "CSV" });
    let original = text;
    let (recovered, dropped) = without_stray_openers(text, delimiter);
    let text: &str = recovered.as_deref().unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let unreadable = |e: csv::Error| format!("This file could not be read as CSV: {e}.");
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).map_err(unreadable)? {
        rows.push(record.clone());
    }
    // A quote opened and never closed makes the reader take the rest of the file as one cell:
    // the last row read holds it, and is said to be that, not a row of the wrong width.
    let QuoteFaults { unclosed, strays } = quote_faults(text, delimiter);
    let last = rows.len().saturating_sub(1);
    let mut rows = rows.into_iter().enumerate();
    let mut lines = Lines::new(text);
    let header = loop {
        let Some((i, record)) = rows.next() else {
            return Err("The file has no header row.".into());
        };
        if let (Some(line), true) = (unclosed, i == last) {
            return Err(format!("Line {line} {UNCLOSED_QUOTE}"));
        }
        if !is_blank(&record) {
            break record;
        }
    };
    // A header that reads as one column holding tabs or semicolons: a file separated by those,
    // named .csv (a spreadsheet's "CSV" where the comma is the decimal mark, a tab-separated
    // export saved as .csv). Read with that separator, as a spreadsheet would (promptfoo reads
    // commas only, as one variable no prompt can name; tryout 62 and helper-63: "Imported 1
    // case." with one odd column).
    if delimiter == b',' && header.len() == 1 {
        if header[0].contains('\t') {
            return read_csv(name, original, b'\t', ctx, out);
        }
        if header[0].contains(';') {
            return read_csv(name, original, b';', ctx, out);
        }
    }
    // The lines left out for a quote opened by mistake, named in line order with the rows.
    let first_bad = out.bad.len();
    for (open, close, after) in &dropped {
        out.bad(*open, stray_opener_words(*open, *close, *after));
    }
    let mut cols = columns(&header, out.here.is_none());
    // A name the header holds twice: the last column's values are used, as promptfoo reads such
    // a file (its CSV reader keeps the last value of a key), and the others are named as left
    // out (tryout 91: `input,notes,notes,expected` kept the second `notes`, and the first one's
    // values were gone without a word).
    let names: Vec<&str> = header.iter().map(str::trim).collect();
    for (i, name) in names.iter().enumerate() {
        // Empty header cells and columns read as nothing were never imported: no word.
        if name.is_empty() || matches!(cols[i], Col::Ignored) {
            continue;
        }
        if let Some(j) = names.iter().rposition(|n| n == name).filter(|j| *j > i) {
            cols[i] = Col::LeftOut(
                (*name).to_owned(),
                format!(
                    "the header names it in column {} and again in column {}, whose values are used (as promptfoo reads such a file)",
                    i + 1,
                    j + 1
                ),
            );
        }
    }
    if cols
        .iter()
        .zip(header.iter())
        .any(|(c, h)| *c == Col::Expected && h.trim() == "expected")
    {
        out.expected_column = true;
    }
    let header_line = lines.of(&header).max(1);
    for col in &cols {
        if let Col::LeftOut(header, why) = col {
            out.leave_out(header_line, Omitted::Column(header.clone()), why.clone());
        }
    }
    // Read with the lines where they start, so that a row can be matched with the quotes that
    // go wrong inside it (`QuoteFaults::strays`).
    let rows: Vec<(usize, usize, csv::StringRecord)> = rows
        .map(|(i, record)| (i, lines.of(&record), record))
        .collect();
    for (k, (i, line, record)) in rows.iter().enumerate() {
        let (i, line) = (*i, *line);
        let next = rows.get(k + 1).map_or(usize::MAX, |r| r.1);
        if let Some((open, close, after)) = strays
            .iter()
            .find(|(open, _, _)| *open >= line && *open < next)
        {
            out.bad(line, stray_quote_words(*open, *close, *after));
            continue;
        }
        if let (Some(quote_line), true) = (unclosed, i == last) {
            out.bad(quote_line, format!("this line {UNCLOSED_QUOTE}"));
            continue;
        }
        if is_blank(&record) {
            // A line of nothing but spaces is a blank line, skipped (as the reader skips empty
            // ones); a row of empty cells (`"","",""`, `,,`) was written as a row, and is named
            // rather than dropped unseen (tryout 9).
            if record.len() > 1 {
                out.bad(
                    line,
                    "every cell of this row is empty, so it holds no test case".to_owned(),
                );
            }
            continue;
        }
        if record.len() != cols.len() {
            out.bad(
                line,
                format!(
                    "this row has {} but the header has {}",
                    figures::count(record.len(), "cell", "cells"),
                    figures::count(cols.len(), "column", "columns")
                ),
            );
            continue;
        }
        src.tests
            .push(test_from_row(&cols, record, line, name, ctx, out));
    }
    crate::domain::order::sort_by_key(&mut out.bad[first_bad..], |b| b.line);
    Ok(src)
}

/// `text` without the lines where a quote opens a cell that a quote on a later line closes,
/// followed by something else than a separator or a line end ([`QuoteFaults::strays`] over
/// several lines): such a quote is a mistake (a cell that goes on over lines ends at its
/// closing quote), and it would join the lines between into one cell. Each such line is
/// emptied (the reader skips it, the lines keep their numbers) and the text scanned again, so
/// the rows after it are read on their own (tryout 90: the good rows after the bad line were
/// lost, and not counted). The header's line is never emptied. Gives the new text (`None`
/// when nothing changed) and the lines emptied: (line, the closing quote's line, the
/// character after it).
fn without_stray_openers(text: &str, delimiter: u8) -> (Option<String>, Vec<(usize, usize, char)>) {
    let header = text
        .lines()
        .position(|l| !l.trim_start_matches('\u{feff}').trim().is_empty())
        .map_or(1, |i| i + 1);
    let mut now: Option<String> = None;
    let mut dropped = Vec::new();
    // Each pass empties one line and reads the text again: at most 100 (a file with a stray
    // quote on every line is read as it is past them, its rows reported as they come).
    for _ in 0..text.lines().count().min(100) {
        let t = now.as_deref().unwrap_or(text);
        let Some(&(open, close, after)) = quote_faults(t, delimiter)
            .strays
            .iter()
            .find(|(open, close, _)| close > open && *open > header)
        else {
            break;
        };
        dropped.push((open, close, after));
        let emptied: Vec<&str> = t
            .split('\n')
            .enumerate()
            .map(|(i, l)| if i + 1 == open { "" } else { l })
            .collect();
        now = Some(emptied.join("\n"));
    }
    (now, dropped)
}

/// Why a line emptied by [`without_stray_openers`] is left out.
fn stray_opener_words(open: usize, close: usize, after: char) -> String {
    format!(
        "a quote opens a cell on this line, and the quote that closes it, on line {close}, is followed by \u{201c}{after}\u{201d}, not by a separator or the end of the line: a quote is likely missing or extra, and lines {open} to {close} would be read as one cell. This line is left out and the lines after it are read on their own; write a quote inside a cell as two quotes (\"\"), or remove it."
    )
}

/// The rest of the sentence for a quote never closed, after "Line N " or "this line ".
const UNCLOSED_QUOTE: &str = "opens a quote (\") that is never closed, so the rest of the file \
     was read as one cell. Close the quote or remove it; if the file was cut off while it was \
     being saved or downloaded, save or download it again.";

/// What goes wrong with the quotes of a CSV text, following the reader's rules (RFC 4180: a
/// quote opens a cell only as its first character; `""` inside is a literal quote).
#[derive(Debug, Default, PartialEq)]
struct QuoteFaults {
    /// The 1-based line where a quoted cell opens and the file ends before it closes.
    unclosed: Option<usize>,
    /// Quoted cells whose closing quote is followed by something else than the separator, a
    /// line end or spaces (`"Ana "sends"`, or a quote opened by mistake that a later one closes,
    /// so lines read as one cell): (the line where the cell opens, the line of the quote that
    /// closed it, the character after it). The reader takes such a cell leniently, with the
    /// lines between; promptfoo's reader refuses the file ("Invalid Closing Quote"). Tryout 89:
    /// `"unterminated,quote` three lines above `"a""b",c` came in as one case holding all four
    /// lines, with "Imported 1 case."
    strays: Vec<(usize, usize, char)>,
}

fn quote_faults(text: &str, delimiter: u8) -> QuoteFaults {
    #[derive(PartialEq)]
    enum At {
        CellStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
        /// Spaces after a closing quote: the reader keeps them, and the cell is whole if the
        /// separator or a line end comes next.
        AfterClose,
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (mut at, mut line, mut opened) = (At::CellStart, 1, 0);
    let mut strays = Vec::new();
    for c in text.chars() {
        let ends_cell = c == char::from(delimiter) || c == '\n' || c == '\r';
        at = match at {
            At::CellStart if c == '"' => {
                opened = line;
                At::Quoted
            }
            At::CellStart | At::Unquoted | At::QuoteInQuoted | At::AfterClose if ends_cell => {
                At::CellStart
            }
            At::CellStart | At::Unquoted => At::Unquoted,
            At::Quoted if c == '"' => At::QuoteInQuoted,
            At::Quoted => At::Quoted,
            At::QuoteInQuoted if c == '"' => At::Quoted,
            At::QuoteInQuoted | At::AfterClose if c == ' ' || c == '\t' => At::AfterClose,
            At::QuoteInQuoted | At::AfterClose => {
                strays.push((opened, line, c));
                At::Unquoted
            }
        };
        if c == '\n' {
            line += 1;
        }
    }
    QuoteFaults {
        unclosed: (at == At::Quoted).then_some(opened),
        strays,
    }
}

/// Why a row holding one of [`QuoteFaults::strays`] cannot be read as written.
fn stray_quote_words(open: usize, close: usize, after: char) -> String {
    let fix = "Write a quote inside a cell as two quotes (\"\"), or remove it.";
    if open == close {
        format!(
            "a quoted cell on line {open} has \u{201c}{after}\u{201d} after its closing quote, not a separator or the end of the line. {fix}"
        )
    } else {
        format!(
            "a quote opens a cell on line {open}, and the quote that closes it, on line {close}, is followed by \u{201c}{after}\u{201d}, not by a separator or the end of the line: a quote is likely missing or extra, so lines {open} to {close} would be read as one cell. {fix}"
        )
    }
}

fn test_from_row(
    cols: &[Col],
    record: &csv::StringRecord,
    line: usize,
    from: &str,
    ctx: &Ctx,
    out: &Imported,
) -> RawTest {
    let mut raw = RawTest {
        file: out.here.clone(),
        line,
        item: None,
        case: TestCase::default(),
        assert_lines: Vec::new(),
        vars: Vec::new(),
        metadata: Vec::new(),
        no_expansion: false,
        input_given: cols.contains(&Col::Input),
        unread: Vec::new(),
        left_out: Vec::new(),
    };
    let mut leave = |what: Omitted, why: String| {
        raw.left_out.push(LeftOut {
            file: out.here.clone(),
            line,
            item: None,
            what,
            why,
        })
    };
    let lookup = |r: &str| ctx.lookup(from, r).into_iter().next();
    let none = Map::new();
    let mut expected: Vec<(String, AssertionV1)> = Vec::new();
    let mut configs: Vec<(Option<String>, String, &str)> = Vec::new();
    let c = &mut raw.case;
    let mut vars = Vec::new();
    let mut metadata = Vec::new();
    for (col, cell) in cols.iter().zip(record.iter()) {
        match col {
            Col::Input => c.input = cell.to_owned(),
            Col::Expected => c.expected = cell.to_owned(),
            Col::Description => c.description = cell.to_owned(),
            Col::Tags => c.tags.extend(split_tags(cell)),
            Col::Split => c.split = Split::parse(cell),
            Col::Assert if cell.trim().is_empty() => {}
            Col::Assert => match serde_json::from_str::<Value>(cell) {
                Err(e) => leave(
                    Omitted::Column("__assert".into()),
                    not_json("its cell", None, &e),
                ),
                Ok(v) => {
                    let items = match v {
                        Value::Array(items) => items,
                        v @ Value::Object(_) => vec![v],
                        other => {
                            leave(
                                Omitted::Column("__assert".into()),
                                format!(
                                    "its cell is not a JSON list of assertions (found {})",
                                    kind_of(&other)
                                ),
                            );
                            Vec::new()
                        }
                    };
                    for item in &items {
                        match promptfoo::read_assertion(item, &none, &lookup) {
                            Ok((a, fields)) => {
                                c.assertions.push(a);
                                for (what, why) in fields {
                                    leave(what, why);
                                }
                            }
                            Err((what, why)) => leave(what, why),
                        }
                    }
                }
            },
            Col::PromptfooExpected(_) if cell.trim().is_empty() => {}
            Col::PromptfooExpected(name) => {
                expected.push((name.clone(), promptfoo::expected_cell(cell)));
            }
            Col::Threshold => {
                // As promptfoo reads it: an empty cell or 0 sets no threshold.
                c.threshold = cell
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|t| t.is_finite() && *t != 0.0);
            }
            Col::Metadata { key, list } => {
                if *list {
                    let items = promptfoo::metadata_list(cell);
                    if !items.is_empty() {
                        let items = items.into_iter().map(Value::String).collect();
                        metadata.push((key.clone(), Value::Array(items)));
                    }
                } else if !cell.trim().is_empty() {
                    metadata.push((key.clone(), Value::String(cell.to_owned())));
                }
            }
            Col::Config(_) if cell.trim().is_empty() => {}
            Col::Config(target) => {
                let header = match target {
                    Some(t) => format!("__config:{t}:threshold"),
                    None => "__config:__expected:threshold".to_owned(),
                };
                configs.push((target.clone(), header, cell));
            }
            Col::LeftOut(..) | Col::Ignored => {}
            Col::Var(name) => vars.push((name.clone(), Value::String(cell.to_owned()))),
        }
    }
    // `__config:__expected:threshold` first (every check), then the ones naming a column.
    crate::domain::order::sort_by_key(&mut configs, |(target, ..)| target.is_some());
    for (target, header, cell) in configs {
        match cell.trim().parse::<f64>() {
            Ok(t) if t.is_finite() => {
                for (col, w) in expected.iter_mut() {
                    if target.as_ref().is_none_or(|t| t == col) {
                        w.threshold = Some(t);
                    }
                }
            }
            _ => leave(
                Omitted::Column(header),
                format!("\u{201c}{}\u{201d} is not a number", cell.trim()),
            ),
        }
    }
    let mut cells = Vec::new();
    for (_, w) in &expected {
        match Assertion::from_promptfoo(w) {
            Ok(a) => cells.push(a),
            Err(e) => leave(Omitted::Check(e.kind), e.why),
        }
    }
    // Our export writes each check whole in `__assert` and again, where it has a form there, in
    // promptfoo's `__expected…` columns ([`to_csv`]): each such check is read from its cell, in
    // order, so an edit made there (where promptfoo reads it) counts, and a file as exported
    // reads back the same (tryout 104: an edited `__expected` cell was ignored). The others
    // come from `__assert`; a cell with no check of `__assert` left is a check added.
    if cols.contains(&Col::Assert) && cols.iter().any(|c| matches!(c, Col::PromptfooExpected(_))) {
        let mut cells = cells.into_iter();
        let whole = std::mem::take(&mut c.assertions);
        for a in whole {
            if promptfoo_cell(&a).is_none() {
                c.assertions.push(a);
            } else if let Some(cell) = cells.next() {
                c.assertions.push(cell);
            }
        }
        c.assertions.extend(cells);
    } else {
        c.assertions.extend(cells);
    }
    raw.vars = vars;
    raw.metadata = metadata;
    raw
}

// ---------------------------------------------------------------------------------------------
// promptfoo configs (YAML, or JSON read as YAML)
// ---------------------------------------------------------------------------------------------

/// The lines of a test's assertions, when it is a map with an `assert` list.
fn assert_lines(test: &Node) -> Vec<AssertAt> {
    match yaml::get(test, "assert").map(|a| &a.kind) {
        Some(Kind::Seq(items)) => items.iter().map(AssertAt::of).collect(),
        _ => Vec::new(),
    }
}

/// Where one assertion is in its file: its first line, and the line of each of its fields (a
/// note about one field, such as a `weight` left out, points at that field's line; helper-56:
/// it pointed at the assertion's first line).
#[derive(Debug, Clone, Default)]
struct AssertAt {
    line: usize,
    fields: Vec<(String, usize)>,
}

impl AssertAt {
    fn of(item: &Node) -> Self {
        Self {
            line: item.line,
            // The keys written in the assertion itself (one merged in from an anchor points
            // at the assertion).
            fields: match &item.kind {
                Kind::Map(pairs) => pairs
                    .iter()
                    .filter_map(|(k, _)| match &k.kind {
                        Kind::Scalar { text, .. } => Some((text.clone(), k.line)),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            },
        }
    }

    /// The line a note about `what` points at: the field's own line for a field left out.
    fn line_for(&self, what: &Omitted) -> usize {
        match what {
            Omitted::Field(name, _) => self
                .fields
                .iter()
                .find(|(k, _)| k == name)
                .map_or(self.line, |(_, l)| *l),
            _ => self.line,
        }
    }
}

/// A config's `assertionTemplates`, each read like an assertion.
fn templates_of(root: &Node) -> Map<String, Value> {
    yaml::get(root, "assertionTemplates")
        .map(|t| {
            yaml::entries(t)
                .into_iter()
                .map(|(k, v)| (k, yaml::assertion_to_json(v)))
                .collect()
        })
        .unwrap_or_default()
}

/// A list of tests, a promptfoo config (`tests:`, `defaultTest:`, `assertionTemplates:`), or
/// one test.
fn read_config(
    name: &str,
    root: &Node,
    format: &'static str,
    ctx: &Ctx,
    out: &mut Imported,
) -> Result<Source, String> {
    let mut src = Source::new(format);
    let templates = templates_of(root);
    let (tests, default) = match &root.kind {
        Kind::Seq(_) => (Some(root), None),
        Kind::Map(_) => {
            let tests = yaml::get(root, "tests");
            let default = yaml::get(root, "defaultTest");
            if let Some(s) = yaml::get(root, "scenarios").filter(|s| !yaml::is_null(s)) {
                out.leave_out(
                    s.line,
                    Omitted::Part("scenarios".into()),
                    "Promptwright has no scenarios; import their tests as cases instead",
                );
            }
            // (Its `providers:` are the draft's jobs here, chosen in Settings: README says so.)
            src.defaults.prompt = config_prompt(root, out);
            if tests.is_none() && default.is_none() {
                if ["vars", "assert", "description", "input"]
                    .iter()
                    .any(|k| yaml::get(root, k).is_some())
                {
                    let lines = assert_lines(root);
                    let test = yaml::test_to_json(root);
                    src.tests.extend(read_test(
                        test, root.line, &lines, &templates, name, ctx, out,
                    ));
                    return Ok(src);
                }
                if !out.left_out.is_empty() {
                    return Ok(src);
                }
                return Err(format!(
                    "This {format} file is neither a list of tests nor a promptfoo config with tests."
                ));
            }
            (tests, default)
        }
        Kind::Scalar { .. } => {
            return Err(format!(
                "This {format} file holds a single value, not a list of tests."
            ));
        }
    };
    if let Some(d) = default {
        read_default_test(name, d, &templates, &mut src, ctx, out);
    }
    let Some(t) = tests else {
        return Ok(src);
    };
    match &t.kind {
        Kind::Seq(items) => {
            for item in items {
                if let Some(path) = yaml::file_reference(item) {
                    read_tests_file(name, path, item.line, &mut src, ctx, out);
                    continue;
                }
                let lines = assert_lines(item);
                let test = yaml::test_to_json(item);
                src.tests.extend(read_test(
                    test, item.line, &lines, &templates, name, ctx, out,
                ));
            }
        }
        Kind::Scalar { .. } if yaml::is_null(t) => {}
        Kind::Scalar { text, .. } if text.trim().starts_with("file://") => {
            read_tests_file(name, text, t.line, &mut src, ctx, out);
        }
        Kind::Scalar { text, .. } => out.leave_out(
            t.line,
            Omitted::File(text.trim().to_owned()),
            "Promptwright cannot load tests from there; save them as a CSV or YAML file and choose it with this config",
        ),
        Kind::Map(_) => {
            return Err(format!(
                "The tests: of this promptfoo config (line {}) are not a list.",
                t.line
            ));
        }
    }
    Ok(src)
}

/// The message a promptfoo config's `prompts:` sends (its first prompt, a text with
/// `{{variables}}`): each of its tests with no input of its own sends it, filled with the test's
/// variables, as its user message, as promptfoo does, instead of every variable as a line
/// (tryout 86: mmlu's `answer`, the expected answer, went to the model under test). The others
/// (more prompts, a prompt in a file or in another form) are named as left out.
fn config_prompt(root: &Node, out: &mut Imported) -> Option<String> {
    let prompts = yaml::get(root, "prompts").filter(|p| !yaml::is_null(p))?;
    let items: Vec<&Node> = match &prompts.kind {
        Kind::Seq(items) => items.iter().collect(),
        _ => vec![prompts],
    };
    let mut first = None;
    for (i, item) in items.iter().enumerate() {
        // A prompt written as an object: its text is `raw` (tryout 95: structured-outputs'
        // `- label: … raw: '… {{problem}}'` was named as left out); its own provider settings
        // (`config`, such as a response format) are not Promptwright's to send.
        let raw = match &item.kind {
            Kind::Map(_) => yaml::get(item, "raw"),
            _ => None,
        };
        if let Some(cfg) = raw
            .and_then(|_| yaml::get(item, "config"))
            .filter(|c| !yaml::is_null(c))
        {
            out.leave_out(
                cfg.line,
                Omitted::Part(format!("prompt {}'s config", i + 1)),
                "Promptwright sends the prompt's text with the models chosen in Settings, not a prompt's own provider settings (such as a response format)",
            );
        }
        let text = match &raw.unwrap_or(item).kind {
            Kind::Scalar { text, .. } if !text.trim().starts_with("file://") => Some(text),
            _ => None,
        };
        match (text, i) {
            (Some(t), 0) => match unfilled_syntax(t) {
                None => first = Some(t.trim_end().to_owned()),
                // Sent as written, the model would read "{{ topic | upper }}" (session 42's
                // notes): the cases send their variables as lines instead, and say so.
                Some(what) => out.leave_out(
                    item.line,
                    Omitted::Part(format!("prompt {}", i + 1)),
                    format!(
                        "it holds {what}, which Promptwright does not fill (it fills plain {{{{name}}}} only): its cases send their variables as lines instead"
                    ),
                ),
            },
            (Some(_), _) => out.leave_out(
                item.line,
                Omitted::Part(format!("prompt {}", i + 1)),
                if first.is_some() {
                    "the first prompt is each case's message here; compare prompts as versions instead"
                } else {
                    "only the first prompt can be each case's message here, and it is not one Promptwright reads; compare prompts as versions instead"
                },
            ),
            (None, 0) => out.leave_out(
                item.line,
                Omitted::Part(format!("prompt {}", i + 1)),
                "Promptwright reads a prompt written in the config as text, not one in a file or in another form: its cases send their variables as lines instead",
            ),
            (None, _) => out.leave_out(
                item.line,
                Omitted::Part(format!("prompt {}", i + 1)),
                "Promptwright reads a prompt written in the config as text, not one in a file or in another form",
            ),
        }
    }
    first.filter(|t| !t.trim().is_empty())
}

/// What in a prompt's text Promptwright would not fill as promptfoo does (its Nunjucks templates
/// and chat prompts): a tag (`{% for c in choices %}`), a placeholder with a filter or a path
/// (`{{ topic | upper }}`, `{{ item.name }}`), or a chat written as a JSON list of messages;
/// `None` for text whose placeholders are plain names (`{{name}}`, letters, digits, `_`, `-`).
fn unfilled_syntax(text: &str) -> Option<String> {
    if let Some(at) = text.find("{%") {
        let tag = &text[at..];
        let tag = tag.find("%}").map_or(tag, |end| &tag[..end + 2]);
        let tag: String = tag.chars().take(60).collect();
        return Some(format!("a template tag ({})", tag.trim()));
    }
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            break;
        };
        let inside = after[..end].trim();
        if !inside.is_empty()
            && !inside
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        {
            return Some(format!("the placeholder {{{{ {inside} }}}}"));
        }
        rest = &after[end + 2..];
    }
    let trimmed = text.trim_start();
    if trimmed.starts_with('[')
        && serde_json::from_str::<Vec<Value>>(trimmed)
            .is_ok_and(|v| v.iter().any(|m| m.get("role").is_some()))
    {
        return Some("a chat written as a JSON list of messages".to_owned());
    }
    None
}

/// The tests of a file a config refers to (`tests: file://tests.csv`, or one entry of the list),
/// read when that file was chosen too; their lines are that file's.
fn read_tests_file(
    from: &str,
    reference: &str,
    line: usize,
    src: &mut Source,
    ctx: &Ctx,
    out: &mut Imported,
) {
    let reference = reference.trim();
    let found = if ctx.depth < MAX_DEPTH {
        ctx.lookup(from, reference)
    } else {
        Vec::new()
    };
    if found.is_empty() {
        // Files were chosen with it, under other names (tryout 95: a CSV saved under another
        // name was chosen with its config, and the page said to choose it together with it).
        let others = ctx.files.iter().any(|f| f.name != from);
        let why = if ctx.depth >= MAX_DEPTH {
            "the files chosen refer to each other too deeply (a file referring back to one that refers to it?), so its tests are not read from it"
        } else if others {
            "no file chosen with this one has that name (files are matched by their names), so its tests are not read from it"
        } else {
            "it was not among the files chosen: choose it together with this one"
        };
        out.leave_out(line, Omitted::File(reference.to_owned()), why);
        return;
    }
    for (name, text) in found {
        let before = out.here.replace(name.clone());
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        match read_source(&name, text, &ctx.deeper(), out) {
            Ok(sub) => src.tests.extend(sub.tests),
            Err(e) => out.bad(1, e),
        }
        out.here = before;
    }
}

/// promptfoo's `defaultTest`: its assertions become the global ones; its variables, threshold,
/// metadata and `disableVarExpansion` go into every test (the test's own win).
fn read_default_test(
    from: &str,
    d: &Node,
    templates: &Map<String, Value>,
    src: &mut Source,
    ctx: &Ctx,
    out: &mut Imported,
) {
    if let Some(path) = yaml::file_reference(d) {
        let found = ctx.lookup(from, path).into_iter().next();
        let Some((name, text)) = found else {
            out.leave_out(
                d.line,
                Omitted::File(path.trim().to_owned()),
                "defaultTest is in that file, which was not among the files chosen: its checks and variables did not come in",
            );
            return;
        };
        match yaml::parse_yaml(&text) {
            Ok(node) if ctx.depth < MAX_DEPTH => {
                let before = out.here.replace(name.clone());
                read_default_test(&name, &node, templates, src, &ctx.deeper(), out);
                out.here = before;
            }
            Ok(_) => {}
            Err(e) => out.bad(d.line, format!("defaultTest in {name}: {e}")),
        }
        return;
    }
    if !matches!(d.kind, Kind::Map(_)) {
        if !yaml::is_null(d) {
            out.bad(
                d.line,
                "defaultTest is not a set of fields such as vars and assert",
            );
        }
        return;
    }
    if let Some(vars) = yaml::get(d, "vars") {
        match yaml::vars_to_json(vars) {
            Value::Object(o) => src.defaults.vars = o.into_iter().collect(),
            Value::Null => {}
            other => out.bad(
                vars.line,
                format!(
                    "defaultTest: its vars are not a set of name: value pairs (found {})",
                    kind_of(&other)
                ),
            ),
        }
    }
    if let Some(t) = yaml::get(d, "threshold") {
        src.defaults.threshold = yaml::to_json(t).as_f64().filter(|t| t.is_finite());
    }
    if let Some(m) = yaml::get(d, "metadata")
        && let Value::Object(o) = yaml::vars_to_json(m)
    {
        src.defaults.metadata = o.into_iter().collect();
    }
    if let Some(options) = yaml::get(d, "options") {
        if let Some(t) =
            yaml::get(options, "transform").or_else(|| yaml::get(options, "postprocess"))
        {
            out.leave_out(
                t.line,
                Omitted::Transform,
                format!(
                    "\u{201c}{}\u{201d} would run code; every case's checks read the answer as it is",
                    text_of(&yaml::to_json(t)).trim()
                ),
            );
        }
        if let Some(p) = yaml::get(options, "provider")
            && let Some(name) = promptfoo::grader_name(&yaml::to_json(p))
        {
            out.leave_out(
                p.line,
                Omitted::Part("the grader (defaultTest options.provider)".into()),
                format!(
                    "{} (the file names {name}); every case's checks are kept",
                    promptfoo::GRADER_HERE
                ),
            );
        }
        if let Some(p) = yaml::get(options, "rubricPrompt")
            && !yaml::to_json(p).is_null()
        {
            out.leave_out(
                p.line,
                Omitted::Part("the grading prompt (defaultTest options.rubricPrompt)".into()),
                format!(
                    "{}; every case's checks are kept",
                    promptfoo::GRADING_PROMPT_HERE
                ),
            );
        }
        if yaml::get(options, "disableVarExpansion").map(yaml::to_json) == Some(Value::Bool(true)) {
            src.defaults.no_expansion = true;
        }
    }
    let Some(assert) = yaml::get(d, "assert") else {
        return;
    };
    let lookup = |r: &str| ctx.lookup(from, r).into_iter().next();
    match &assert.kind {
        Kind::Seq(items) => {
            for item in items {
                match promptfoo::read_assertion(&yaml::assertion_to_json(item), templates, &lookup)
                {
                    Ok((a, fields)) => {
                        src.global.push(a);
                        for (what, why) in fields {
                            out.leave_out(
                                AssertAt::of(item).line_for(&what),
                                what,
                                format!("{why} (a check for every case)"),
                            );
                        }
                    }
                    Err((what, why)) => {
                        out.leave_out(item.line, what, format!("{why} (a check for every case)"))
                    }
                }
            }
        }
        _ if yaml::is_null(assert) => {}
        _ => out.bad(
            assert.line,
            "defaultTest's assert is not a list of assertions",
        ),
    }
}

/// How many checks an import brought cannot run, as the draft is now (an unreadable pattern or
/// schema, a missing value: [`Assertion::problem`]): of the checks of the cases `ids` still in
/// `suite` and of its checks for every case among `globals` (an import's), how many cannot run
/// as they are against `spec`. A case deleted since, or a check fixed, no longer counts.
pub fn checks_to_fix_in(
    suite: &super::Suite,
    ids: &[u32],
    globals: &[Assertion],
    spec: Option<&crate::domain::spec::PromptSpec>,
) -> usize {
    suite
        .cases
        .iter()
        .filter(|c| ids.contains(&c.id))
        .flat_map(|c| &c.assertions)
        .chain(suite.global.iter().filter(|g| globals.contains(g)))
        .filter(|a| a.problem(spec).is_some())
        .count()
}

// ---------------------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------------------

/// What an export of cases as CSV or JSONL leaves behind, said beside the buttons: the suite's
/// `global` checks for every case (those files hold cases only; promptfoo's `defaultTest` lives
/// in a config). Tryout 51: two such checks were gone after a round trip, without a word.
pub fn export_note(global: usize) -> Option<String> {
    (global > 0).then(|| {
        format!(
            "The file has the cases, not the {} for every case (a CSV or JSONL file holds cases only): a draft's Export in Drafts keeps {}.",
            crate::domain::figures::count(global, "check", "checks"),
            if global == 1 { "it" } else { "them" }
        )
    })
}

/// What an exported CSV (`csv`, [`to_csv`]'s text) holds that a spreadsheet app may read as a
/// formula when it opens the file: the cells below the header that start with `=`, `+`, `-` or
/// `@` (OWASP's list for CSV injection; an answer written as a Markdown list, "- Bob: …", is
/// one). The file keeps them as written, as promptfoo reads them; the page says so (tryout 91:
/// `=HYPERLINK(…)` went out with no word). `None` when there is none.
pub fn formula_note(csv: &str) -> Option<String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(csv.as_bytes());
    let n: usize = reader
        .records()
        .filter_map(Result::ok)
        .map(|r| {
            r.iter()
                .filter(|cell| cell.starts_with(['=', '+', '-', '@']))
                .count()
        })
        .sum();
    (n > 0).then(|| {
        format!(
            "{} with =, +, - or @: a spreadsheet app may read {} as a formula when it opens the file (the file keeps the text as written, as promptfoo reads it).",
            crate::domain::figures::count(n, "cell starts", "cells start"),
            if n == 1 { "it" } else { "them" }
        )
    })
}

/// The cases as an export writes them: a "matches the JSON schema" check that uses the Format
/// section's schema (no schema of its own) carries that schema, `format_schema`, so the file
/// checks the same elsewhere (promptfoo, another draft) without the prompt it came from (tryout
/// 79: it was written with no schema, and came back as a check to fix). Left as it is when
/// the Format section has no schema.
pub fn for_export(cases: &[TestCase], format_schema: &str) -> Vec<TestCase> {
    let schema = format_schema.trim();
    cases
        .iter()
        .map(|c| {
            let mut c = c.clone();
            if !schema.is_empty() {
                for a in &mut c.assertions {
                    if matches!(a.check, super::Check::MatchesSchema(None)) {
                        a.check = super::Check::MatchesSchema(Some(schema.to_owned()));
                    }
                }
            }
            c
        })
        .collect()
}

/// One `CaseV1` JSON object per line (ids are not written). A conversation is written as a
/// chat log in OpenAI's messages shape, `{"messages": [...]}`: its earlier turns, its message
/// as the last user message and its expected answer (when it has one) as the assistant's reply
/// after it, with the case's other fields (variables, checks, tags…) beside `messages`;
/// [`import`] reads it back to the same case.
pub fn to_jsonl(cases: &[TestCase]) -> String {
    let mut out = String::new();
    for c in cases {
        let mut wire = CaseV1::from(c);
        let line = if c.is_conversation() {
            let mut messages: Vec<Value> = c
                .turns
                .iter()
                .map(|t| crate::domain::wire::to_value(&TurnV1::from(t)))
                .collect();
            messages.push(
                serde_json::json!({"role": "user", "content": std::mem::take(&mut wire.input)}),
            );
            let expected = std::mem::take(&mut wire.expected);
            if !expected.is_empty() {
                messages.push(serde_json::json!({"role": "assistant", "content": expected}));
            }
            wire.turns.clear();
            let mut obj = Map::new();
            obj.insert("messages".into(), Value::Array(messages));
            if let Value::Object(rest) = crate::domain::wire::to_value(&wire) {
                obj.extend(rest);
            }
            Value::Object(obj).to_string()
        } else {
            serde_json::to_string(&wire).expect("a case always serializes")
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// A CSV with columns `__description, __input, <variables>, __reference, __tags, __split,
/// __assert` (and `__threshold` when a case has one, and promptfoo's `_conversation` after
/// `__input` when a case is a conversation: its earlier turns as a JSON list of `{input,
/// output}` pairs, empty for the others), then `__expected1…__expectedN`: the case's checks
/// again, each that has one in promptfoo's compact syntax ([`promptfoo_cell`]), since promptfoo
/// reads a CSV's checks from those columns only (tryout 103: every case of an exported CSV ran
/// unchecked in promptfoo). Variables in first-seen order, a case without one gets an empty
/// cell. [`import`] reads it back to the same cases (each check with a form from its
/// `__expected…` cell, so an edit made there counts, the others from `__assert`) when they share
/// their variables (a missing one comes back empty); a `,` or `;` within a tag is written `\,`
/// or `\;` in `__tags`.
pub fn to_csv(cases: &[TestCase]) -> String {
    let mut names: Vec<&str> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for c in cases {
        for (k, _) in &c.vars {
            if seen.insert(k) {
                names.push(k);
            }
        }
    }
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let mut header = vec!["__description", "__input"];
    let conversations = cases.iter().any(TestCase::is_conversation);
    if conversations {
        header.push(promptfoo::CONVERSATION_VAR);
    }
    header.extend(&names);
    // `__reference`, not `__expected_output`: promptfoo reads every `__expected…` column as a check.
    header.extend(["__reference", "__tags", "__split", "__assert"]);
    let thresholds = cases.iter().any(|c| c.threshold.is_some());
    if thresholds {
        header.push("__threshold");
    }
    let cells: Vec<Vec<String>> = cases
        .iter()
        .map(|c| c.assertions.iter().filter_map(promptfoo_cell).collect())
        .collect();
    let expected: Vec<String> = (1..=cells.iter().map(Vec::len).max().unwrap_or(0))
        .map(|n| format!("__expected{n}"))
        .collect();
    header.extend(expected.iter().map(String::as_str));
    w.write_record(&header).expect("writing to memory");
    for (i, c) in cases.iter().enumerate() {
        let mut row: Vec<String> = vec![c.description.clone(), c.input.clone()];
        if conversations {
            row.push(if c.is_conversation() {
                promptfoo::turns_to_pairs(&c.turns).to_string()
            } else {
                String::new()
            });
        }
        for name in &names {
            let value = c
                .vars
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone());
            row.push(value.unwrap_or_default());
        }
        row.push(c.expected.clone());
        // A comma in a tag written `\,` (tryout 109: "advanced,theory" came back as two tags).
        row.push(crate::domain::eval::tags_text(&c.tags));
        row.push(c.split.as_str().to_owned());
        row.push(if c.assertions.is_empty() {
            String::new()
        } else {
            let wire: Vec<AssertionV1> = c.assertions.iter().map(AssertionV1::from).collect();
            serde_json::to_string(&wire).expect("assertions always serialize")
        });
        if thresholds {
            row.push(c.threshold.map(|t| t.to_string()).unwrap_or_default());
        }
        row.extend(cells[i].iter().cloned());
        row.resize(header.len(), String::new());
        w.write_record(&row).expect("writing to memory");
    }
    let bytes = w.into_inner().expect("writing to memory");
    String::from_utf8(bytes).expect("the CSV writer keeps UTF-8")
}

/// After a CSV export of `cases`: how many of their checks have no form in promptfoo's CSV
/// syntax ([`promptfoo_cell`]), so promptfoo, which reads a CSV's checks from its `__expected…`
/// columns only, would not run them: "2 checks have no form in promptfoo's CSV syntax (…)".
/// `None` when every check has one.
pub fn csv_only_note(cases: &[TestCase]) -> Option<String> {
    let n = cases
        .iter()
        .flat_map(|c| &c.assertions)
        .filter(|a| promptfoo_cell(a).is_none())
        .count();
    (n > 0).then(|| {
        format!(
            "{} no form in promptfoo's CSV syntax (a weight, a pass mark its CSV reader drops, a JSON value, a value with spaces at its ends, a comma or a quote in a list item, or a check of Promptwright's own): {} in the __assert column only, which Promptwright reads and promptfoo does not. Export JSONL to give promptfoo every check it has a type for.",
            figures::count(n, "check has", "checks have"),
            if n == 1 { "it is" } else { "they are" }
        )
    })
}

/// `a` in promptfoo's compact CSV syntax (`type:value`, `type(threshold):value`, `not-type:…`,
/// a type alone), when promptfoo's CSV reader reads the cell back to the same check: the cell
/// is read here as that reader reads it (`promptfoo::expected_cell`) and kept only when it
/// gives `a` again. `None` for a check with no such form: a weight other than 1 (the syntax
/// has none), a threshold on a type whose threshold promptfoo's CSV reader drops (an
/// llm-rubric's pass mark other than the default), a value that is an object or a list item
/// holding a comma or a quote, a value with spaces at its ends (the reader trims it), or a type
/// of ours.
pub fn promptfoo_cell(a: &Assertion) -> Option<String> {
    if a.weight != 1.0 {
        return None;
    }
    let w = AssertionV1::from(a);
    let value = match &w.value {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Array(items)) => {
            let items: Vec<&str> = items.iter().map(Value::as_str).collect::<Option<_>>()?;
            if items
                .iter()
                .any(|i| i.contains([',', '"']) || i.trim() != *i)
            {
                return None;
            }
            Some(items.join(","))
        }
        Some(_) => return None,
    };
    // promptfoo's CSV reader keeps a `(threshold)` for some types only (an llm-rubric's would
    // be dropped there, though this reader keeps it): for the others, only the cell without
    // one, which stands for the default pass mark.
    let base = w.kind.strip_prefix("not-").unwrap_or(&w.kind);
    let kept = promptfoo::THRESHOLD_TYPES.contains(&base);
    let thresholds = [w.threshold.filter(|_| kept), None];
    thresholds.iter().find_map(|t| {
        let t = t.map(|t| format!("({t})")).unwrap_or_default();
        let cell = match &value {
            Some(v) => format!("{}{t}:{v}", w.kind),
            None => format!("{}{t}", w.kind),
        };
        let back = Assertion::from_promptfoo(&promptfoo::expected_cell(&cell)).ok()?;
        (back == *a).then_some(cell)
    })
}

#[cfg(test)]
mod examples_tests;
#[cfg(test)]
#[path = "cases_io_tests.rs"]
mod tests;
