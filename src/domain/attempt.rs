//! Repeated failures in plain words: a try after a failed one says "Failed again" only when it
//! failed for the same cause; a different cause is named as a new one (first plain text, then a
//! refused key is not "the same request failed again"). Generate, "Critique this prompt" and the
//! optimizer's proposals all word their repeated failures here.

use crate::domain::meta::ReplyCause;
use crate::domain::provider::ProviderError;

/// Which try at a job failed, and whether the try right before it failed for the same cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    /// 1 for a first try; 2 and more for each Retry (or fix) in a row.
    pub number: u32,
    /// The try right before this one failed too (Retry follows a failure).
    pub after_failure: bool,
    /// ... and for the same cause ([`cause_key`]s equal).
    pub same_as_before: bool,
}

impl Attempt {
    /// Attempt `number` that failed with `cause`, after a previous failure with `before` (`None`
    /// when the try before did not fail, or this is a first try).
    pub fn of(number: u32, before: Option<&str>, cause: &str) -> Self {
        Self {
            number,
            after_failure: number > 1 && before.is_some(),
            same_as_before: number > 1 && before == Some(cause),
        }
    }

    /// What goes before the failure's title: nothing for a first try; "Failed again (attempt
    /// 2): " when the same cause repeats; "Attempt 2 failed for a different reason: " otherwise.
    pub fn prefix(self) -> String {
        match (self.after_failure, self.same_as_before) {
            (false, _) => String::new(),
            (true, true) => format!("Failed again (attempt {}): ", self.number),
            (true, false) => format!("Attempt {} failed for a different reason: ", self.number),
        }
    }
}

impl Attempt {
    /// The sentence above a failed call's message when the try before failed for another cause:
    /// both causes named, e.g. "Attempt 3 failed for a different reason: attempt 2 failed
    /// because the key was not accepted (HTTP 401); this time the provider was overloaded (HTTP
    /// 503), as below." `before` and `now` are causes in words ([`call_words`], [`reply_words`]).
    pub fn changed_cause(self, before: &str, now: &str) -> String {
        format!(
            "{}attempt {} failed because {before}; this time {now}, as below.",
            self.prefix(),
            self.number.saturating_sub(1).max(1)
        )
    }
}

/// A failed call's cause in words (past tense, with its HTTP status), see
/// [`ProviderError::cause`].
pub fn call_words(e: &ProviderError) -> String {
    e.cause()
}

/// An unreadable reply's cause in words (past tense).
pub fn reply_words(cause: &ReplyCause) -> &'static str {
    match cause {
        ReplyCause::Empty => "the reply was empty",
        ReplyCause::NoJson => "the reply held no JSON",
        ReplyCause::CutOff => "the reply was cut off",
        ReplyCause::Broken(_) => "the reply's JSON was broken",
        ReplyCause::Unexpected { .. } => "the reply's JSON was not the expected shape",
    }
}

/// The kind of a failed call, for telling repeated failures apart: the error kind, the HTTP
/// status and whether it came inside the reply (not the provider's changing wording).
pub fn call_key(e: &ProviderError) -> String {
    format!("call {:?} {:?} {}", e.kind, e.status, e.in_stream)
}

/// The kind of an unreadable reply (a broken JSON's parser message is not part of it).
pub fn reply_key(cause: &ReplyCause) -> String {
    match cause {
        ReplyCause::Empty => "reply empty",
        ReplyCause::NoJson => "reply no-json",
        ReplyCause::CutOff => "reply cut-off",
        ReplyCause::Broken(_) => "reply broken-json",
        ReplyCause::Unexpected { .. } => "reply unexpected-json",
    }
    .to_owned()
}

/// See [`call_key`] and [`reply_key`]: the name for any failure given by its key.
pub fn cause_key(failure: Result<&ProviderError, &ReplyCause>) -> String {
    match failure {
        Ok(e) => call_key(e),
        Err(c) => reply_key(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::provider::{ErrorKind, ProviderKind};

    fn http(status: u16, kind: ErrorKind) -> ProviderError {
        ProviderError {
            kind,
            provider: ProviderKind::OpenAi,
            host: "api.openai.com".into(),
            status: Some(status),
            detail: "x".into(),
            retry_after_ms: None,
            attempts: 1,
            in_stream: false,
            nothing_arrived: false,
            partial_dropped: false,
            went_out: false,
            went_out_before: 0,
        }
    }

    #[test]
    fn failed_again_is_said_only_when_the_same_cause_repeats() {
        let plain = reply_key(&ReplyCause::NoJson);
        let refused = call_key(&http(401, ErrorKind::BadKey));
        // First plain text, then HTTP 401: a different reason, named as such.
        let a = Attempt::of(2, Some(&plain), &refused);
        assert!(!a.same_as_before);
        assert_eq!(a.prefix(), "Attempt 2 failed for a different reason: ");
        assert!(!a.prefix().contains("again"));
        // The same cause twice: "again".
        let a = Attempt::of(3, Some(&refused), &call_key(&http(401, ErrorKind::BadKey)));
        assert_eq!(a.prefix(), "Failed again (attempt 3): ");
        // A broken JSON with another parser message is the same cause; a 500 is not a 401.
        assert_eq!(
            reply_key(&ReplyCause::Broken("a".into())),
            reply_key(&ReplyCause::Broken("b".into()))
        );
        assert_ne!(refused, call_key(&http(500, ErrorKind::Server)));
        // A first try, or a try after one that did not fail, says nothing.
        assert_eq!(Attempt::of(1, Some(&plain), &plain).prefix(), "");
        assert_eq!(Attempt::of(2, None, &plain).prefix(), "");
    }

    // Tryout: after a 401 then a 503, Generate said "Attempt 3 failed for a different reason:
    // this time the call itself failed", as if the 401 had not been a failed call too. Both
    // causes are named.
    #[test]
    fn a_different_reason_names_both_causes() {
        let refused = http(401, ErrorKind::BadKey);
        let overloaded = http(503, ErrorKind::Overloaded);
        let a = Attempt::of(3, Some(&call_key(&refused)), &call_key(&overloaded));
        assert!(!a.same_as_before);
        let note = a.changed_cause(&call_words(&refused), &call_words(&overloaded));
        assert_eq!(
            note,
            "Attempt 3 failed for a different reason: attempt 2 failed because the key was not \
             accepted (HTTP 401); this time the provider was overloaded (HTTP 503), as below."
        );
        assert!(!note.contains("call itself"), "{note}");
        // An unreadable reply before a failed call is named as that.
        let a = Attempt::of(
            2,
            Some(&reply_key(&ReplyCause::NoJson)),
            &call_key(&refused),
        );
        assert_eq!(
            a.changed_cause(reply_words(&ReplyCause::NoJson), &call_words(&refused)),
            "Attempt 2 failed for a different reason: attempt 1 failed because the reply held no \
             JSON; this time the key was not accepted (HTTP 401), as below."
        );
        // Every kind of call failure has its own words.
        let in_reply = ProviderError {
            in_stream: true,
            status: None,
            ..http(500, ErrorKind::Server)
        };
        assert_eq!(
            call_words(&in_reply),
            "the provider had a problem (an error inside its reply)"
        );
    }
}
