//! Answers that write one line again and again, the way a small model loops: found so the page
//! can say so next to the answer (the verdict is still the checks' and the judge's).

use std::collections::HashMap;

/// How many times a line must appear for the answer to be marked as repeating itself. A short
/// list may repeat an item's line a few times ("No action items."); six is past that.
pub const LOOP_REPEATS: usize = 6;

/// The line an answer repeats most, and how many times it appears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repeated {
    /// The line, trimmed.
    pub line: String,
    /// How many times it appears in the answer (at least [`LOOP_REPEATS`]).
    pub times: usize,
}

/// The line of `answer` that appears most often, when one appears [`LOOP_REPEATS`] times or more.
/// Lines are compared trimmed; lines of three characters or fewer ("-", "```", "}") and lines
/// without a letter or digit do not count. On a tie the line that comes first wins.
pub fn repeated(answer: &str) -> Option<Repeated> {
    let mut counts: HashMap<&str, (usize, usize)> = HashMap::new();
    for (i, line) in answer.lines().map(str::trim).enumerate() {
        if line.chars().count() <= 3 || !line.chars().any(char::is_alphanumeric) {
            continue;
        }
        counts.entry(line).or_insert((0, i)).0 += 1;
    }
    counts
        .into_iter()
        .filter(|(_, (n, _))| *n >= LOOP_REPEATS)
        .max_by(|a, b| a.1.0.cmp(&b.1.0).then(b.1.1.cmp(&a.1.1)))
        .map(|(line, (times, _))| Repeated {
            line: line.to_owned(),
            times,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_looping_nine_times_is_found_with_its_count() {
        // Seen on CI: the tiny model wrote one four-line block about nine times.
        let block = "- Alice: send the report\n- Owner: Alice\n- Due: Friday\n- Notes: none\n";
        let answer = format!("Action items:\n{}", block.repeat(9));
        let r = repeated(&answer).expect("a loop");
        assert_eq!(r.times, 9);
        assert_eq!(r.line, "- Alice: send the report");
    }

    #[test]
    fn a_few_repeats_short_lines_and_punctuation_are_not_a_loop() {
        assert_eq!(repeated("No action items.\n".repeat(5).as_str()), None);
        assert_eq!(repeated(&"```\n-\n}\n".repeat(20)), None);
        assert_eq!(repeated(&"----\n====\n".repeat(10)), None);
        assert_eq!(repeated(""), None);
        // Six is enough, trimmed, wherever the lines are.
        let spread = "  The user's response is:\nother\n".repeat(6);
        assert_eq!(
            repeated(&spread),
            Some(Repeated {
                line: "The user's response is:".into(),
                times: 6
            })
        );
    }

    #[test]
    fn the_most_repeated_line_wins_and_a_tie_goes_to_the_first() {
        let answer = format!("{}{}", "bbbb\n".repeat(7), "aaaa\n".repeat(8));
        assert_eq!(repeated(&answer).unwrap().line, "aaaa");
        let tie = "bbbb\naaaa\n".repeat(6);
        assert_eq!(repeated(&tie).unwrap().line, "bbbb");
    }
}
