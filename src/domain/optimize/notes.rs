//! What the page says about an optimization loop that pauses or waits: found unfinished when its
//! draft opens, cut off by leaving its draft (a reload, another draft opened, a delete undone),
//! paused by the person, by a save that failed or by a failure every call to a model would meet.
//! The words only; `state::optimizer` decides when each is shown.
use crate::domain::draft::Leaving;

/// The note when a loop this tab ran continues after a reload (shown while it runs).
pub const CONTINUING: &str = "Continuing the optimization where it was.";

/// How the answer to a Resume pressed without a key begins; the page drops it once the keys are
/// back.
pub const NOT_RESUMED: &str = "Not resumed. ";

/// How the note of a loop paused because Settings name other models than it started with
/// begins ([`super::setup::models_changed`]); the page writes the rest from Settings as they are
/// now.
pub const MODELS_PAUSED: &str = "Paused. ";

/// How the answer to a Resume refused for the same reason begins.
pub const MODELS_STILL_PAUSED: &str = "Still paused. ";

/// The rest of such a note once Settings name the loop's models again.
pub const MODELS_BACK: &str =
    "Settings name the models the loop started with again: press Resume to go on.";

/// How the answer to a Resume refused while a job the loop calls has no address or model name
/// in Settings begins ([`crate::domain::provider::unset_note`] gives the rest); the page writes
/// the rest from Settings as they are now.
pub const UNSET_PAUSED: &str = "The loop stays paused. ";

/// The rest of such a note once Settings have them.
pub const UNSET_BACK: &str = "Settings have an address and a model name for each job the loop calls again: press Resume to go on.";

/// What the loop's progress line says after its figures of the calls counted at their whole
/// reservation (`Optimizer::charged_whole`, `total`), of which `unreported` were answered with no
/// usage reported and the rest failed, were cut off or stopped: "" when none; e.g. " (3 calls are
/// counted at the most they could use: 2 answered with no usage reported; 1 failed, was cut
/// off or was stopped)". `unreported` above `total` counts as `total`.
pub fn charged_whole(total: u32, unreported: u32) -> String {
    if total == 0 {
        return String::new();
    }
    let unreported = unreported.min(total);
    let ended = total - unreported;
    let head = if total == 1 {
        "1 call is counted at the most it could use".to_owned()
    } else {
        format!(
            "{} calls are counted at the most they could use",
            crate::domain::figures::grouped(u64::from(total))
        )
    };
    let answered = |n: u32| match (n, total) {
        (1, 1) => "it was answered with no usage reported".to_owned(),
        (n, _) => format!(
            "{} answered with no usage reported",
            crate::domain::figures::grouped(u64::from(n))
        ),
    };
    let failed = |n: u32| match (n, total) {
        (1, 1) => "it failed, was cut off or was stopped".to_owned(),
        (n, t) if n == t => "they failed, were cut off or were stopped".to_owned(),
        (1, _) => "1 failed, was cut off or was stopped".to_owned(),
        (n, _) => format!(
            "{} failed, were cut off or were stopped",
            crate::domain::figures::grouped(u64::from(n))
        ),
    };
    let why = match (unreported, ended) {
        (u, 0) if u == total && total > 1 => "they were answered with no usage reported".to_owned(),
        (u, 0) => answered(u),
        (0, e) => failed(e),
        (u, e) => format!("{}; {}", answered(u), failed(e)),
    };
    format!(" ({head}: {why})")
}

/// The note of a loop paused by the person.
pub const PAUSED: &str =
    "Paused: calls already running finish; nothing new starts until you resume.";

/// The note of a loop paused because its progress could not be saved (calls a reload could not
/// count would not stay within the budget).
pub const NOT_SAVED: &str = "Paused: the loop's progress could not be saved in this browser, and calls it cannot count after a reload would not stay within the budget. Free some storage (or export your drafts), then press Resume.";

/// The arrival note of a loop that came with a draft this tab did not run.
pub const CAME_RUNNING: &str = "This draft came with an optimization loop in progress (a copy, an import, or another tab's). It is paused here: nothing is spent until you resume it.";

/// The opened draft's loop runs in another tab of this browser (it says so every 2 s).
pub const LOOP_ELSEWHERE: &str = "This draft's optimization loop is going on in another tab of this browser. Its progress shows here as that tab saves it; nothing is spent from this tab.";

/// Why the loop's "up to" figures are as high as they are, for under its budget box: each
/// call at the most it can use, an answer at `exec_max_tokens`, with `judged` a judge call as if
/// shown the whole clipped answer, a request for candidates at its longest evidence, each byte
/// of a request a token; and, from `latest` (the version's latest run: its cases and the
/// tokens they used, the judge's included, and whether some are estimates), what real calls
/// used ("about 189 tokens" for estimates). Tryout 79: a ceiling 28 times what the loop then
/// used read as an estimate (runs say theirs since tryouts 46-48).
pub fn bound_basis(
    exec_max_tokens: u32,
    judged: bool,
    latest: Option<(usize, usize, u64, bool, bool)>,
) -> String {
    use crate::domain::figures::{count, grouped};
    let judge = crate::domain::eval::run::judge_bound_clause(judged);
    let mut s = format!(
        "\u{201c}Up to\u{201d} is a ceiling, not a forecast: it counts each answer at its {}-token cap{judge}, each request for candidates at the most evidence it can send, and each byte of a request as a token, so no provider that keeps to the cap can count past it (one that writes on is read no further than {} bytes an answer and charged by that length). What the loop uses is counted from the tokens its providers report, as it goes.",
        grouped(u64::from(exec_max_tokens)),
        grouped(crate::domain::provider::runaway_bytes(exec_max_tokens).unwrap_or_default() as u64)
    );
    // A case of it that counted no tokens (never sent) is no case of the average (tryout 89:
    // "about 53 a case" for a run cancelled after 133 of its 705 cases).
    if let Some((n, all, t, estimated, received)) =
        latest.filter(|(n, _, t, _, _)| *n > 0 && *t > 0)
    {
        let cases = crate::domain::eval::run::cases_reached(n, all);
        s.push_str(&format!(
            " This version's latest run used {}{} for {} (about {} a case){}.",
            if estimated { "about " } else { "" },
            count(t, "token", "tokens"),
            if n >= all {
                format!("its {cases}")
            } else {
                format!("the {cases}")
            },
            grouped(t.div_ceil(n as u64)),
            // Results that came with the draft count as they say (tryouts 99-100: "used
            // 8,000,000,000 tokens" from a link).
            if received {
                ", as the link or file its results came with says"
            } else {
                ""
            }
        ));
    }
    s
}

/// Pause pressed while the draft's loop goes on in another tab: that tab is asked to pause it.
pub const ASKED_TO_PAUSE: &str = "Asked the tab that runs this loop to pause it: calls already running there finish, and the pause shows here once that tab saves it.";

/// Cancel pressed while the draft's loop goes on in another tab: that tab is asked to cancel it.
pub const ASKED_TO_CANCEL: &str = "Asked the tab that runs this loop to cancel it: it stops calling your models, and the end shows here once that tab saves it.";

/// The note in the tab that runs a loop another tab asked to pause.
pub const PAUSED_FROM_OTHER_TAB: &str = "Paused from another tab of this browser: calls already running finish; nothing new starts until you resume.";

/// Start or Resume pressed while the draft's loop goes on in another tab.
pub const LOOP_ELSEWHERE_REFUSED: &str = "The loop of this draft is going on in another tab of this browser: running it here too would spend its budget twice. Pause or cancel it in that tab first.";

/// How the current draft's unfinished loop was found when the draft opened.
#[derive(Debug, Clone, PartialEq)]
pub enum Arrival {
    /// It continued by itself (this tab ran it before a reload): it spends until paused.
    Continuing,
    /// It is paused and waits for the person (why, in plain words).
    Held(String),
    /// It is paused because a key it needs is not in this tab; `cut_off` calls were cut off by
    /// the reload. Its words follow Settings (helper 50: they named the keys as they were at the
    /// reload until Resume was pressed).
    HeldForKey { cut_off: u32 },
    /// It goes on in another tab of this browser ([`LOOP_ELSEWHERE`]): this tab runs and writes
    /// nothing of it.
    Elsewhere,
}

/// What cut the loop's calls off when its draft was left: "The reload" (`None`: this page did
/// not leave it), "Opening another draft" when this page left it for another (tryout 54: a
/// switch was blamed on a reload), "Deleting this draft" when it was deleted and Undo brought it
/// back (helper-56).
pub fn cut_by(left: Option<Leaving>) -> &'static str {
    match left {
        None | Some(Leaving::Reload) => "The reload",
        Some(Leaving::Switch) => "Opening another draft",
        Some(Leaving::Delete) => "Deleting this draft",
        // (A copy's loop calls are released, not cut: `Draft::arrive_as_copy`.)
        Some(Leaving::Copied) => "Copying the draft",
    }
}

/// What leaving the draft cut off (`by`: [`cut_by`]), said before the loop goes on: " The reload
/// cut off 2 calls: they are counted as used (they may still be billed) and sent again{when}."
/// (with a leading space; empty for none). Charged in full: they went out, so they may be
/// billed.
pub fn cut_off_sentence(by: &str, cut_off: u32, when: &str) -> String {
    match cut_off {
        0 => String::new(),
        1 => format!(
            " {by} cut off 1 call: it is counted as used (it may still be billed) and sent again{when}."
        ),
        n => format!(
            " {by} cut off {n} calls: they are counted as used (they may still be billed) and sent again{when}."
        ),
    }
}

/// [`CONTINUING`], and the `cut_off` calls leaving the draft cut off ([`cut_off_sentence`]),
/// e.g. "Continuing the optimization where it was. The reload cut off 2 calls: they are counted
/// as used (they may still be billed) and sent again."
pub fn continuing_note(by: &str, cut_off: u32) -> String {
    format!("{CONTINUING}{}", cut_off_sentence(by, cut_off, ""))
}

/// The note when a loop this tab ran waits for a key a reload forgot, with the `cut_off` calls
/// leaving the draft cut off ([`cut_off_sentence`]) and `keys`, what is missing (Settings'
/// words); `keys` `None`: they are back, and Resume goes on.
pub fn held_for_key(by: &str, cut_off: u32, keys: Option<&str>) -> String {
    let cut = cut_off_sentence(by, cut_off, " when the loop goes on");
    match keys {
        Some(keys) => format!("The optimization was interrupted.{cut} {keys}"),
        None => format!(
            "The optimization was interrupted.{cut} The keys it needs are in this tab now: press Resume to go on."
        ),
    }
}

/// Why a paused loop waits, said when its draft opens: in round `stalled` the meta model gave
/// no candidate, or the person paused it; with what leaving the draft cut off (`cut_off` calls,
/// `by`: [`cut_by`]; tryout 17, 6: a loop waiting for candidates read only "paused" after a
/// reload; helper-58: calls cut off were charged with no word).
pub fn paused_arrival(stalled: Option<u32>, by: &str, cut_off: u32) -> String {
    let cut = cut_off_sentence(by, cut_off, " when the loop goes on");
    match stalled {
        Some(round) => format!(
            "This draft's optimization loop waits: in round {round} the meta model gave no candidate to try. Nothing is spent until you press Retry in Improve.{cut}"
        ),
        None => format!(
            "This draft's optimization loop is paused: nothing is spent until you resume it.{cut}"
        ),
    }
}

/// Why a loop that continued by itself stops at once: the calls leaving its draft cut off
/// (`by`: [`cut_by`]) were charged, and sending them again does not fit the approved budget.
pub fn over_budget_after_cut(by: &str) -> String {
    format!(
        "{by} cut off calls the optimization had sent: they are counted as used (they may still be billed), and doing them again does not fit the budget you approved."
    )
}

/// Why the loop paused after a failure every call to a model would meet (`cause`: the error's
/// cause in words; `model`: the model as the page names it). Tryout 17, 9: a run went on
/// sending after a 401. Where it is fixed: in Settings, or in the model's row under Compare
/// models for a comparison model (`compare`; tryout 91 was sent to Settings, which do not hold
/// them). `about_key`: the fault is the key's or the account's (a refused or missing key, no
/// credit, a usage limit), mended without changing the model, and Resume goes on; otherwise
/// (no such model, an address the page cannot call) a model or address changed is a model the
/// loop did not start with ([`super::setup::models_changed`]), so it needs a new loop (tryout
/// 91: the address mended under Compare models, Resume called the old one again).
pub fn paused_by_failure(cause: &str, model: &str, compare: bool, about_key: bool) -> String {
    let place = if compare {
        "in the model's row under Compare models"
    } else {
        "in Settings"
    };
    let fix = if about_key {
        format!("Fix that {place}, then press Resume.")
    } else {
        format!(
            "If the fault is the server's, press Resume once it is mended; a model or address changed {place} is not one the loop started with, and its scores compare only on those: that needs a new loop (Cancel optimization, then Start)."
        )
    };
    format!(
        "Paused: {cause} on {model}, and every call to it would fail the same way, so nothing more was sent. {fix}"
    )
}

/// Why the loop paused after a call to `model` failed for a reason that is the provider's or
/// the connection's (`cause`: the error's message), not the prompt's: the case is not scored
/// from it, and Resume asks again. `billed`: the request had reached the provider, so it is
/// counted as used.
pub fn paused_by_provider_fault(cause: &str, model: &str, billed: bool) -> String {
    let counted = if billed {
        " The request had reached the provider: it is counted as used (it may be billed) and sent again when you resume."
    } else {
        " It is not counted as used, and it is sent again when you resume."
    };
    // The error speaks to a run's row ("press Retry"); the loop's button is Resume (tryout 79).
    format!(
        "Paused: a call to {model} failed, and a failed call says nothing of the prompt, so no case is scored from it.{counted} What happened: {}",
        cause.trim().replace("press Retry", "press Resume")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // Tryout 79: the loop's ceiling read as a forecast 28 times what it used.
    #[test]
    fn the_loops_ceiling_says_what_it_counts_and_what_a_run_used() {
        let s = bound_basis(600, true, Some((5, 5, 3_412, false, false)));
        assert!(s.starts_with("\u{201c}Up to\u{201d} is a ceiling, not a forecast: it counts each answer at its 600-token cap, each judge call as if the answer filled the 8,000 characters the judge is shown, each of 4 bytes (the longest a character can be),"), "{s}");
        assert!(
            s.ends_with(
                "This version's latest run used 3,412 tokens for its 5 cases (about 683 a case)."
            ),
            "{s}"
        );
        let s = bound_basis(1500, false, Some((0, 0, 0, false, false)));
        assert!(!s.contains("judge") && !s.contains("latest run"), "{s}");
        // Tryout 89: cases never sent are no cases of the average.
        let s = bound_basis(1500, false, Some((133, 705, 37_173, false, false)));
        assert!(
            s.ends_with("This version's latest run used 37,173 tokens for the 133 of its 705 cases that reached the model (about 280 a case)."),
            "{s}"
        );
        // Tryout 97: a refused case's estimate was said as a count.
        let s = bound_basis(1500, false, Some((1, 1, 189, true, false)));
        assert!(
            s.ends_with(
                "This version's latest run used about 189 tokens for its 1 case (about 189 a case)."
            ),
            "{s}"
        );
        // Tryouts 99-100: a link's 8,000,000,000 tokens were said as the run's own.
        let s = bound_basis(1500, false, Some((2, 2, 8_000_000_000, false, true)));
        assert!(
            s.ends_with("This version's latest run used 8,000,000,000 tokens for its 2 cases (about 4,000,000,000 a case), as the link or file its results came with says."),
            "{s}"
        );
    }

    #[test]
    fn what_leaving_cut_off_is_counted_and_named_by_its_cause() {
        assert_eq!(cut_off_sentence("The reload", 0, ""), "");
        assert_eq!(
            continuing_note(cut_by(None), 1),
            "Continuing the optimization where it was. The reload cut off 1 call: it is counted as used (it may still be billed) and sent again."
        );
        assert_eq!(
            held_for_key(
                cut_by(Some(Leaving::Switch)),
                2,
                Some("Paste the OpenAI key.")
            ),
            "The optimization was interrupted. Opening another draft cut off 2 calls: they are counted as used (they may still be billed) and sent again when the loop goes on. Paste the OpenAI key."
        );
        assert!(
            held_for_key(cut_by(Some(Leaving::Delete)), 0, None).ends_with(
                "interrupted. The keys it needs are in this tab now: press Resume to go on."
            )
        );
    }

    #[test]
    fn calls_counted_at_their_reservation_are_named_by_why() {
        assert_eq!(charged_whole(0, 0), "");
        assert_eq!(
            charged_whole(1, 1),
            " (1 call is counted at the most it could use: it was answered with no usage reported)"
        );
        assert_eq!(
            charged_whole(1, 0),
            " (1 call is counted at the most it could use: it failed, was cut off or was stopped)"
        );
        assert_eq!(
            charged_whole(3, 3),
            " (3 calls are counted at the most they could use: they were answered with no usage reported)"
        );
        assert_eq!(
            charged_whole(3, 0),
            " (3 calls are counted at the most they could use: they failed, were cut off or were stopped)"
        );
        assert_eq!(
            charged_whole(3, 2),
            " (3 calls are counted at the most they could use: 2 answered with no usage reported; 1 failed, was cut off or was stopped)"
        );
        assert_eq!(
            charged_whole(1_200, 200),
            " (1,200 calls are counted at the most they could use: 200 answered with no usage reported; 1,000 failed, were cut off or were stopped)"
        );
        assert_eq!(charged_whole(2, 5), charged_whole(2, 2));
    }

    #[test]
    fn a_paused_loop_says_whether_it_waits_for_candidates_or_for_the_person() {
        assert_eq!(
            paused_arrival(Some(3), "The reload", 0),
            "This draft's optimization loop waits: in round 3 the meta model gave no candidate to try. Nothing is spent until you press Retry in Improve."
        );
        assert_eq!(
            paused_arrival(None, "Deleting this draft", 2),
            "This draft's optimization loop is paused: nothing is spent until you resume it. Deleting this draft cut off 2 calls: they are counted as used (they may still be billed) and sent again when the loop goes on."
        );
        assert!(over_budget_after_cut("The reload").starts_with("The reload cut off calls"));
        assert_eq!(
            paused_by_failure("the key was refused (401)", "OpenAI gpt-4o", false, true),
            "Paused: the key was refused (401) on OpenAI gpt-4o, and every call to it would fail the same way, so nothing more was sent. Fix that in Settings, then press Resume."
        );
        // Tryout 91: a comparison model is mended under Compare models, and a changed address
        // is another model.
        assert!(
            paused_by_failure("the key was refused (401)", "Anthropic x", true, true)
                .ends_with("Fix that in the model's row under Compare models, then press Resume.")
        );
        let moved = paused_by_failure(
            "the model was not found (HTTP 404)",
            "Anthropic x",
            true,
            false,
        );
        assert!(
            moved.ends_with("a model or address changed in the model's row under Compare models is not one the loop started with, and its scores compare only on those: that needs a new loop (Cancel optimization, then Start)."),
            "{moved}"
        );
    }
}
