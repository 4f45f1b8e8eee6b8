//! The person's own verdict on one answer: thumbs up or down with an optional note
//! ([`Rating`]). A rating belongs to the output it was given on (a run's result, a Reflexion
//! final, an optimizer candidate's answer); a new output starts unrated. A thumbs-down counts as
//! one failed check in the case's score while [`super::Suite::thumbs_down_fails`] is on (see
//! [`super::score_case`]); a thumbs-up adds no check.
use serde::{Deserialize, Serialize};

/// Thumbs up or thumbs down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Thumb {
    Up,
    Down,
}

/// An answer the person rated, with the rating: a thumbs-down the optimizer reads as feedback
/// for its proposals ([`crate::domain::optimize::Optimizer::rated`]), and the rated answer a
/// re-run of its case replaced (`CaseRun::replaced_rating`), kept with the new one. On the wire
/// as `{"output": "...", "rating": {"thumb": "down", "note": "..."}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatedAnswer {
    pub output: String,
    pub rating: Rating,
}

/// The person's rating of one answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    pub thumb: Thumb,
    /// What the person said about the answer (trimmed); empty when they wrote nothing.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// Given by the sender of the link this draft arrived by ([`crate::domain::draft::Draft::
    /// ratings_by_sender`]), not by the person here: said as the sender's ("The sender rated
    /// this answer down: …") in a saved copy too (tryout 101: it read "You rated"). A thumb or
    /// note given here makes the rating the person's own. On the wire as `"sender": true`,
    /// absent otherwise.
    #[serde(default, skip_serializing_if = "std::ops::Not::not", rename = "sender")]
    pub by_sender: bool,
}

/// The start of a thumbs-down's reason when the sender of a link gave it ([`Rating::sender_reason`]).
pub const SENDER_RATED: &str = "The sender rated this answer down";

impl Rating {
    /// A rating with `note` trimmed.
    pub fn new(thumb: Thumb, note: &str) -> Self {
        Self {
            thumb,
            note: note.trim().to_owned(),
            by_sender: false,
        }
    }

    /// Whose rating this is, as a label: "Your rating", or "The sender's rating"
    /// ([`Rating::by_sender`]).
    pub fn whose(&self) -> &'static str {
        if self.by_sender {
            "The sender's rating"
        } else {
            "Your rating"
        }
    }

    pub fn is_down(&self) -> bool {
        self.thumb == Thumb::Down
    }

    /// The reason of the failed check a thumbs-down counts as, in the page's words: "You rated
    /// this answer down: <note>" ("You rated this answer down." without a note), the sender's
    /// words ([`Rating::sender_reason`]) for a rating the sender of a link gave; `None` for a
    /// thumbs-up.
    pub fn down_reason(&self) -> Option<String> {
        if self.by_sender {
            return self.sender_reason();
        }
        self.is_down().then(|| {
            if self.note.is_empty() {
                "You rated this answer down.".to_owned()
            } else {
                format!("You rated this answer down: {}", self.note)
            }
        })
    }

    /// The same reason as a shared draft's receiver reads it (a shared result that failed by
    /// the sender's thumbs-down): "The sender rated this answer down: <note>", ending with one
    /// full stop unless the note ends with its own "?" or "!"; `None` for a thumbs-up.
    pub fn sender_reason(&self) -> Option<String> {
        self.is_down().then(|| {
            let note = self.note.trim().trim_end_matches('.');
            if note.is_empty() {
                format!("{SENDER_RATED}.")
            } else if note.ends_with(['?', '!']) {
                format!("{SENDER_RATED}: {note}")
            } else {
                format!("{SENDER_RATED}: {note}.")
            }
        })
    }

    /// The same reason as the meta model reads it in feedback (the optimizer's proposals):
    /// "The person rated this answer down: <note>"; `None` for a thumbs-up.
    pub fn feedback(&self) -> Option<String> {
        self.is_down().then(|| {
            if self.note.is_empty() {
                "The person rated this answer down.".to_owned()
            } else {
                format!("The person rated this answer down: {}", self.note)
            }
        })
    }
}
