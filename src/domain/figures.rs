//! Figures as the page shows and reads them: whole numbers grouped by thousands ("1,234,567"),
//! counts with their noun in the right number ("1 call", "2 calls"), a
//! number typed into a setting read against its allowed range (never silently changed), sizes in
//! bytes in words, a similarity score in words that never says "the same" of two different
//! texts, and the characters a text holds that show as nothing or turn its direction.

/// A whole number with its thousands grouped by commas, as English readers expect:
/// `1234567` -> `"1,234,567"`, `999` -> `"999"`.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A score out of 100 as the page shows it: whole points, halves rounded away from zero, except
/// that a score under 100 is never shown as 100 (tryout 68: answers scored 98, 100, 100 and 100,
/// a mean of 99.5, read "100 / 100", a perfect score). `x` is 0-100.
pub fn points(x: f64) -> i64 {
    let r = x.round();
    if r >= 100.0 && x < 100.0 {
        99
    } else {
        r as i64
    }
}

/// A pass mark out of 100 as it is held (tryout 113: an imported `threshold: 0.666` showed "67",
/// and a score of 66.67 then failed a box reading 67 beside a case passing the same box): whole
/// when it is whole, else up to six decimals (a promptfoo threshold to eight: as precise as the
/// comparison, tryout 114: 0.6666669 showed as 66.6666), never rounded up past the mark ("66.6",
/// "66.666666" for 66.666…). `mark` is 0-100.
pub fn mark_text(mark: f64) -> String {
    if (mark - mark.round()).abs() < 1e-6 {
        return format!("{}", mark.round() as i64);
    }
    let shown = (mark * 1e6 + 1e-6).floor() / 1e6;
    let text = format!("{shown:.6}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A case's score out of 100 beside its pass mark (both 0-100): as [`points`] shows it, unless
/// that figure would read on the other side of the mark as shown by [`mark_text`] (66.67
/// against 67 reads "67", yet fails): then with as many decimals as it takes to read on its own
/// side, "66.7" (never 100 for less than 100).
pub fn points_against(x: f64, mark: f64) -> String {
    let whole = points(x);
    // The tolerance `eval::score_case` gives a score on its 0-1 scale.
    let passes = x + 1e-7 >= mark;
    let mark_shown: f64 = mark_text(mark).parse().unwrap_or(mark);
    let reads_passing = |shown: f64| shown + 1e-7 >= mark_shown;
    if reads_passing(whole as f64) == passes {
        return whole.to_string();
    }
    for decimals in 1..=6 {
        let scale = 10f64.powi(decimals);
        let shown = (x * scale).round() / scale;
        if reads_passing(shown) == passes && !(shown >= 100.0 && x < 100.0) {
            return format!("{shown:.prec$}", prec = decimals as usize);
        }
    }
    let shown = if passes {
        (x * 1e6).ceil() / 1e6
    } else {
        (x * 1e6).floor() / 1e6
    };
    format!("{shown:.6}")
}

/// A count with its noun, singular for exactly one: `count(1, "call", "calls")` -> `"1 call"`,
/// `count(1200, "call", "calls")` -> `"1,200 calls"`, `count(0, …)` -> `"0 calls"`. Every count
/// the page writes before a noun goes through this (or [`noun`]).
pub fn count(n: impl TryInto<u64>, one: &str, many: &str) -> String {
    let n: u64 = n.try_into().unwrap_or(u64::MAX);
    format!("{} {}", grouped(n), noun(n, one, many))
}

/// Items in a sentence: `["A"]` -> "A", `["A", "B"]` -> "A and B", `["A", "B", "C"]` ->
/// "A, B and C"; empty for none.
pub fn and_list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [rest @ .., last] => {
            let rest: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", rest.join(", "), last.as_ref())
        }
    }
}

/// Case numbers for a sentence: "#2, #3, #5"; past [`CASE_IDS_SHOWN`], the first ones and
/// how many more ("#1, #2, … #10 and 4,990 more"; tryout 91: 5,003 numbers made one paragraph
/// 5,000 px tall).
pub fn case_ids(ids: &[u32]) -> String {
    let shown: Vec<String> = ids
        .iter()
        .take(CASE_IDS_SHOWN)
        .map(|id| format!("#{id}"))
        .collect();
    match ids.len().checked_sub(CASE_IDS_SHOWN) {
        Some(more) if more > 0 => format!("{} and {} more", shown.join(", "), grouped(more as u64)),
        _ => shown.join(", "),
    }
}

/// How many case numbers [`case_ids`] writes out.
pub const CASE_IDS_SHOWN: usize = 10;

/// The noun for a count of `n`: `one` for exactly 1, else `many`.
pub fn noun<'a>(n: impl TryInto<u64>, one: &'a str, many: &'a str) -> &'a str {
    if n.try_into().is_ok_and(|n: u64| n == 1) {
        one
    } else {
        many
    }
}

/// A byte count in words: "900 bytes", "12 KB", "540 KB", "3.2 MB" (1 KB = 1024 bytes; KB whole,
/// MB with one decimal).
pub fn size(bytes: usize) -> String {
    const KB: usize = 1024;
    if bytes < KB {
        format!("{bytes} byte{}", if bytes == 1 { "" } else { "s" })
    } else if bytes < KB * KB {
        format!("{} KB", grouped(bytes.div_ceil(KB) as u64))
    } else {
        format!("{:.1} MB", bytes as f64 / (KB * KB) as f64)
    }
}

/// A number a setting accepts: a whole number or a decimal one, read from what was typed.
pub trait SettingNumber: Copy + PartialOrd + std::fmt::Display + std::str::FromStr {
    /// "a whole number" or "a number".
    const KIND: &'static str;
    /// The number as a message shows it (whole numbers grouped by thousands).
    fn shown(self) -> String;
}

impl SettingNumber for u32 {
    const KIND: &'static str = "a whole number";
    fn shown(self) -> String {
        grouped(u64::from(self))
    }
}

impl SettingNumber for u64 {
    const KIND: &'static str = "a whole number";
    fn shown(self) -> String {
        grouped(self)
    }
}

impl SettingNumber for usize {
    const KIND: &'static str = "a whole number";
    fn shown(self) -> String {
        grouped(self as u64)
    }
}

impl SettingNumber for f32 {
    const KIND: &'static str = "a number";
    fn shown(self) -> String {
        self.to_string()
    }
}

impl SettingNumber for f64 {
    const KIND: &'static str = "a number";
    fn shown(self) -> String {
        self.to_string()
    }
}

/// Like [`read_setting`] for a field that may be left empty, meaning "no limit": empty text is
/// `Ok(None)`; otherwise the number from `min` to `max`, and an error that names the value in
/// use, or "no limit" while there is none.
pub fn read_optional_setting<T: SettingNumber>(
    text: &str,
    min: T,
    max: T,
    in_use: Option<T>,
) -> Result<Option<T>, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    match in_use {
        Some(v) => read_setting(text, min, max, v).map(Some),
        None => read_setting(text, min, max, min).map(Some).map_err(|e| {
            let used = format!("{} is used until then.", min.shown());
            e.strip_suffix(&used).map_or(e.clone(), |head| {
                format!("{head}no limit is used until then (leave it empty for none).")
            })
        }),
    }
}

/// The text without its thousands separators when it is grouped the way this page writes
/// figures ("1,000", "100,000.5": commas between groups of three digits), else as it is ("1,00"
/// and "0,5" are not read as grouped, so they stay errors rather than becoming another number).
fn ungrouped(t: &str) -> std::borrow::Cow<'_, str> {
    let digits = t.strip_prefix('-').unwrap_or(t);
    let whole = digits.split('.').next().unwrap_or("");
    let mut groups = whole.split(',');
    let first = groups.next().unwrap_or("");
    let grouped = whole.contains(',')
        && (1..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_digit())
        && groups.all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()));
    if grouped {
        std::borrow::Cow::Owned(t.replace(',', ""))
    } else {
        std::borrow::Cow::Borrowed(t)
    }
}

/// Whether `text`, typed so far into a number field allowed from `min` to `max`, cannot become
/// a number in range by typing more at its end: a number over `max` (more digits only make it
/// larger, `max` being at least 0), a negative one where `min` is 0 or more, zeros where `min`
/// is 1 or more, letters. Such text
/// is said at once, not when the field is left (tryout 89: "50" in a 1-10 field was said only
/// on Tab); text that more typing may fix ("1" on the way to "10" where 5 is the least, "",
/// "-", "1.") is not.
pub fn typing_cannot_help(text: &str, min: f64, max: f64) -> bool {
    let t = text.trim().replace(',', "");
    if t.is_empty() {
        return false;
    }
    // Zeros where the least is 1 or more: only a leading zero ("05") would follow (tryout 96:
    // "0" in Suggest's "How many" was said only at the press).
    if min >= 1.0 && t.chars().all(|c| c == '0') {
        return true;
    }
    if let Ok(v) = t.parse::<f64>() {
        return (v > max && max >= 0.0) || (t.starts_with('-') && min >= 0.0 && v != 0.0);
    }
    if t.starts_with('-') && min >= 0.0 && t != "-" {
        return true;
    }
    !t.chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
}

/// Reads what was typed into a setting's number field, allowed from `min` to `max` (both
/// included). Spaces around the text are ignored, and so are thousands separators written as
/// this page writes them ("1,000").
///
/// Errors, in plain words, say what is allowed and that the value in use has not changed
/// (`in_use`): "9999 is more than 10, the most allowed. Type a whole number from 1 to 10; 3 is
/// used until then." Nothing is ever clamped or replaced silently.
pub fn read_setting<T: SettingNumber>(text: &str, min: T, max: T, in_use: T) -> Result<T, String> {
    let t = text.trim();
    let (lo, hi) = (min.shown(), max.shown());
    let allowed = format!("Type {} from {lo} to {hi}", T::KIND);
    let keeps = format!("{} is used until then", in_use.shown());
    if t.is_empty() {
        return Err(format!("This is empty. {allowed}; {keeps}."));
    }
    match ungrouped(t).parse::<T>() {
        Ok(v) if v < min => Err(format!(
            "{t} is less than {lo}, the least allowed. {allowed}; {keeps}."
        )),
        Ok(v) if v > max => Err(format!(
            "{t} is more than {hi}, the most allowed. {allowed}; {keeps}."
        )),
        // NaN compares false with everything: it is not a number a setting can use.
        Ok(v) if v >= min && v <= max => Ok(v),
        // A negative whole number does not parse as an unsigned one, yet it is a number: it is
        // below every whole-number setting's least (none allows less than 0).
        Err(_)
            if t.strip_prefix('-')
                .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())) =>
        {
            Err(format!(
                "{t} is less than {lo}, the least allowed. {allowed}; {keeps}."
            ))
        }
        _ => Err(format!(
            "\u{201c}{t}\u{201d} is not {}. {allowed}; {keeps}.",
            T::KIND
        )),
    }
}

/// How alike two texts are, in words, from a similarity in 0..=1 (e.g.
/// `eval::synth::similarity`, which ignores capitals, spaces and punctuation): a whole percent
/// rounded down, so two texts that differ are never shown as 100% alike; "the same words" only
/// for a similarity of exactly 1.
pub fn alike(similarity: f64) -> String {
    if similarity >= 1.0 {
        "the same words; only capitals, spaces or punctuation may differ".to_owned()
    } else {
        let pct = (similarity.max(0.0) * 100.0).floor().min(99.0);
        format!("{pct:.0}% alike")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Tryout 113: a case with `threshold: 0.666` showed a pass mark of 67 and passed "67"; one with
    // 0.67 failed "67" beside the same box. The mark reads as held, and a score on the other side
    // of the mark than its whole figure says reads with decimals.
    #[test]
    fn a_score_beside_its_pass_mark_reads_on_its_own_side() {
        assert_eq!(mark_text(67.0), "67");
        assert_eq!(mark_text(66.6), "66.6");
        assert_eq!(mark_text(66.666_666), "66.666666");
        assert_eq!(points_against(66.663, 66.666_666), "66.66");
        // Tryout 114: a mark of 66.66669 showed as 66.6666 and its score as "fail 66.6666".
        assert_eq!(mark_text(0.666_666_9 * 100.0), "66.66669");
        assert_eq!(points_against(66.666_68, 66.666_69), "66.66668");
        assert_eq!(mark_text(0.669_999_999 * 100.0), "67");
        let two_of_three = 200.0 / 3.0;
        assert_eq!(points_against(two_of_three, 67.0), "66.7");
        assert_eq!(points_against(two_of_three, 66.6), "67");
        assert_eq!(points_against(66.96, 67.0), "66.96");
        assert_eq!(points_against(75.0, 70.0), "75");
        assert_eq!(points_against(99.95, 99.9), "99.95");
        assert_eq!(points_against(99.6, 99.0), "99");
        assert_eq!(points_against(66.999_99, 67.0), "66.99999");
    }

    #[test]
    fn typing_that_cannot_become_a_number_in_range_is_said_at_once() {
        // Tryout 89: 50 in a 1-10 field, -5 and 1,000,000 in 10-10,000.
        assert!(typing_cannot_help("50", 1.0, 10.0));
        assert!(typing_cannot_help("-5", 10.0, 10_000.0));
        assert!(typing_cannot_help("1,000,000", 10.0, 10_000.0));
        assert!(typing_cannot_help("abc", 1.0, 10.0));
        assert!(typing_cannot_help("5x", 1.0, 10.0));
        // On the way to a number in range.
        for on_the_way in ["", " ", "1", "-", "1.", "10", "3e", "1,0"] {
            assert!(!typing_cannot_help(on_the_way, 5.0, 100.0), "{on_the_way}");
        }
        // Tryout 96: zeros where the least is 1 or more; not where "0.5" may follow.
        assert!(typing_cannot_help("0", 1.0, 50.0));
        assert!(typing_cannot_help("00", 5.0, 100.0));
        assert!(!typing_cannot_help("0", 0.1, 2.0));
        // A negative number where negatives are allowed.
        assert!(!typing_cannot_help("-1", -2.0, 2.0));
    }

    /// Tryout 68: a mean of 99.5 read "100 / 100". Whole points, halves away from zero, never
    /// 100 for less; the score line and a model's score cell say the same.
    #[test]
    fn a_score_under_100_is_never_shown_as_100() {
        assert_eq!(
            [0.0, 0.4, 0.5, 49.5, 98.4, 99.49, 99.5, 99.99, 100.0].map(points),
            [0, 0, 1, 50, 98, 99, 99, 99, 100]
        );
        let agg = crate::domain::eval::Aggregate {
            mean: Some(99.5),
            passed: 3,
            scored: 4,
            ..Default::default()
        };
        assert!(
            agg.line()
                .starts_with("Score 99 / 100 · 3 of 4 cases passed"),
            "{}",
            agg.line()
        );
    }

    #[test]
    fn long_lists_of_case_numbers_are_cut_with_how_many_more() {
        assert_eq!(case_ids(&[2, 3, 5]), "#2, #3, #5");
        assert_eq!(
            case_ids(&(1..=10).collect::<Vec<_>>()),
            "#1, #2, #3, #4, #5, #6, #7, #8, #9, #10"
        );
        assert_eq!(
            case_ids(&(1..=5009).collect::<Vec<_>>()),
            "#1, #2, #3, #4, #5, #6, #7, #8, #9, #10 and 4,999 more"
        );
    }

    #[test]
    fn numbers_of_a_thousand_and_more_are_grouped() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(12_345), "12,345");
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(grouped(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn a_count_of_one_takes_the_singular_and_every_other_the_plural() {
        assert_eq!(count(1u32, "call", "calls"), "1 call");
        assert_eq!(count(0usize, "call", "calls"), "0 calls");
        assert_eq!(count(2u64, "case", "cases"), "2 cases");
        assert_eq!(count(1_200u32, "token", "tokens"), "1,200 tokens");
        assert_eq!(noun(1usize, "loss", "losses"), "loss");
        assert_eq!(noun(11u32, "loss", "losses"), "losses");
    }

    #[test]
    fn sizes_are_in_bytes_kb_or_mb() {
        assert_eq!(size(1), "1 byte");
        assert_eq!(size(900), "900 bytes");
        assert_eq!(size(1024), "1 KB");
        assert_eq!(size(540 * 1024), "540 KB");
        assert_eq!(size(1536 * 1024), "1.5 MB");
    }

    #[test]
    fn an_optional_bound_is_empty_or_a_number_in_range() {
        assert_eq!(read_optional_setting("", 0u32, 100, Some(5)), Ok(None));
        assert_eq!(read_optional_setting(" 7 ", 0u32, 100, None), Ok(Some(7)));
        assert_eq!(
            read_optional_setting("abc", 0u32, 100, None),
            Err("\u{201c}abc\u{201d} is not a whole number. Type a whole number from 0 to 100; no limit is used until then (leave it empty for none).".to_owned())
        );
        assert_eq!(
            read_optional_setting("-5", 0u32, 100, Some(9)),
            Err("-5 is less than 0, the least allowed. Type a whole number from 0 to 100; 9 is used until then.".to_owned())
        );
        assert_eq!(
            read_optional_setting("1.5", 0u32, 100, Some(9)).unwrap_err(),
            "\u{201c}1.5\u{201d} is not a whole number. Type a whole number from 0 to 100; 9 is used until then."
        );
        assert_eq!(read_setting("0.002", 0.0f64, 1000.0, 0.01), Ok(0.002));
        assert!(read_setting("NaN", 0.0f64, 1000.0, 0.01).is_err());
        assert!(read_setting("$1", 0.0f64, 1000.0, 0.01).is_err());
    }

    #[test]
    fn a_setting_out_of_range_or_not_a_number_is_refused_with_its_range() {
        assert_eq!(read_setting(" 4 ", 1u32, 10, 3), Ok(4));
        // Tryout 5: "1,000" was "not a whole number" on a page that writes "100,000".
        assert_eq!(read_setting("1,000", 1u32, 100_000, 3), Ok(1000));
        assert_eq!(read_setting("100,000", 1u32, 100_000, 3), Ok(100_000));
        assert_eq!(read_setting("1,234.5", 0.0f64, 10_000.0, 1.0), Ok(1234.5));
        for odd in ["1,00", "0,5", ",000", "1,0000", "1,,000"] {
            assert!(read_setting(odd, 0u32, 100_000, 3).is_err(), "{odd}");
        }
        assert_eq!(read_setting("10", 1u32, 10, 3), Ok(10));
        let e = read_setting("9999", 1u32, 10, 3).unwrap_err();
        assert_eq!(
            e,
            "9999 is more than 10, the most allowed. Type a whole number from 1 to 10; 3 is used until then."
        );
        let e = read_setting("0", 1u32, 10, 3).unwrap_err();
        assert!(e.starts_with("0 is less than 1, the least allowed."), "{e}");
        let e = read_setting("abc", 0.0f32, 1.5, 0.9).unwrap_err();
        assert_eq!(
            e,
            "\u{201c}abc\u{201d} is not a number. Type a number from 0 to 1.5; 0.9 is used until then."
        );
        assert!(read_setting("NaN", 0.0f32, 1.5, 0.9).is_err());
        assert!(
            read_setting("2.5", 1u32, 10, 3)
                .unwrap_err()
                .contains("is not a whole number")
        );
        assert!(
            read_setting("", 1usize, 50, 8)
                .unwrap_err()
                .starts_with("This is empty.")
        );
        assert_eq!(read_setting("0.7", 0.0f32, 1.5, 0.9), Ok(0.7));
        assert!(
            read_setting("1.6", 0.0f32, 1.5, 0.9)
                .unwrap_err()
                .contains("more than 1.5")
        );
        assert_eq!(
            read_setting("100001", 1u32, 100_000, 2_000).unwrap_err(),
            "100001 is more than 100,000, the most allowed. Type a whole number from 1 to 100,000; 2,000 is used until then."
        );
    }

    #[test]
    fn texts_that_differ_are_never_shown_as_wholly_alike() {
        assert_eq!(alike(0.999_9), "99% alike");
        assert_eq!(alike(0.995), "99% alike");
        assert_eq!(alike(0.856), "85% alike");
        assert_eq!(alike(0.0), "0% alike");
        assert!(alike(1.0).starts_with("the same words"));
    }
}

/// Whether `c` shows as nothing, or changes how the text around it is shown: zero-width spaces
/// and joiners, direction marks, embeddings and overrides (U+202A-U+202E), isolates, the word
/// joiner and invisible operators, the byte-order mark, a soft hyphen (Unicode's format
/// characters that text is commonly hidden or reordered with; UAX #9 for the direction ones),
/// and control characters other than tab and line breaks (U+0000-U+001F, U+007F-U+009F: shown
/// as nothing or as empty boxes; tryout 86: an answer of U+0001 read as blank, with no word).
/// Also the rest of Unicode's format characters (category Cf) that draw nothing: the Arabic
/// letter mark, the Mongolian vowel separator, the deprecated format characters U+206A-U+206F,
/// the interlinear annotation marks, musical formatting, and the tag characters U+E0000-U+E007F
/// (text hidden in them reaches a model unseen); the line and paragraph separators U+2028 and
/// U+2029 (a text box shows nothing for them; tryout 101); and the characters that draw as a
/// blank (the combining grapheme joiner, the Hangul fillers). Variation selectors are not named:
/// emoji use them.
pub fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{0000}'..='\u{0008}'
            | '\u{000B}'
            | '\u{000C}'
            | '\u{000E}'..='\u{001F}'
            | '\u{007F}'..='\u{009F}'
            | '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E007F}'
    )
}

/// A note for text written by a model that holds [`invisible`] characters, naming them (at most
/// five), e.g. "This text holds characters that show as nothing or change its direction
/// (U+202E): it may read differently from what was written."; `None` when it holds none.
/// Tryout 81: a suggested case with U+202E showed "evil" as "live".
pub fn hidden_marks(text: &str) -> Option<String> {
    let mut found: Vec<String> = Vec::new();
    for c in text.chars().filter(|c| invisible(*c)) {
        let code = format!("U+{:04X}", u32::from(c));
        if !found.contains(&code) {
            found.push(code);
        }
    }
    if found.is_empty() {
        return None;
    }
    let more = if found.len() > 5 { ", …" } else { "" };
    found.truncate(5);
    Some(format!(
        "This text holds characters that show as nothing or change its direction ({}{more}): it may read differently from what was written.",
        found.join(", ")
    ))
}

#[cfg(test)]
mod hidden_tests {
    // Tryout 81: U+202E in a model's text showed "evil" as "live", with no word.
    #[test]
    fn hidden_and_direction_characters_are_named_once_each() {
        assert_eq!(super::hidden_marks("plain text, émoji 🎉, עברית"), None);
        assert_eq!(super::hidden_marks("tabs\tand\r\nlines"), None);
        // Tryout 86: an answer of U+0001 read as blank.
        assert!(
            super::hidden_marks("\u{1}\u{1}").is_some_and(|n| n.contains("(U+0001)")),
            "control characters"
        );
        assert_eq!(
            super::hidden_marks("\u{202E}live\u{202C} and li\u{200B}ve\u{202E}").as_deref(),
            Some(
                "This text holds characters that show as nothing or change its direction (U+202E, U+202C, U+200B): it may read differently from what was written."
            )
        );
        let many: String = [
            '\u{200B}', '\u{200C}', '\u{200D}', '\u{200E}', '\u{200F}', '\u{FEFF}',
        ]
        .iter()
        .collect();
        assert!(super::hidden_marks(&many).unwrap().contains("U+200F, …)"));
        // Tryout 101: U+2028 and U+2029 showed as nothing in a section, with no word; the rest
        // of the kind too: tag characters (text hidden in them), fillers, the Arabic letter mark.
        assert!(
            super::hidden_marks("U+2028:[\u{2028}] U+2029:[\u{2029}]")
                .is_some_and(|n| n.contains("(U+2028, U+2029)"))
        );
        for c in [
            '\u{E0041}',
            '\u{E0001}',
            '\u{3164}',
            '\u{061C}',
            '\u{180E}',
            '\u{206A}',
        ] {
            assert!(super::hidden_marks(&format!("a{c}b")).is_some(), "{c:?}");
        }
        // Emoji with a variation selector stay unnamed.
        assert_eq!(super::hidden_marks("\u{2764}\u{FE0F} ok"), None);
    }
}
