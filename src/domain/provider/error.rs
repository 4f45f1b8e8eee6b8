//! Provider failures as typed values with plain-words messages, their classification from HTTP
//! answers, and the retry policy (exponential backoff with jitter, honouring retry-after).
use serde_json::Value;

use super::ProviderKind;

/// What went wrong, in the categories a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// 401/403, or Gemini's 400 `API_KEY_INVALID`.
    BadKey,
    /// A key was asked for (401/403) and none was sent: the person has not entered one in this
    /// tab (keys live in memory only unless remembered), so "check your key" would mislead.
    NoKeySent,
    /// 402: no credit left.
    NoCredit,
    /// 404 on a reply: no such model (or a wrong address).
    UnknownModel,
    /// 404 on the model list: nothing at the address (the model is not involved). `tried` is
    /// the address asked, host and path only (no query, no user-info: see [`shown_address`]).
    WrongAddress { tried: String },
    /// 413 or a context-length error.
    TooLong,
    /// 429 that will pass (the wait the server asked for is in [`ProviderError::retry_after_ms`]).
    RateLimited,
    /// 429 that will not pass by waiting (quota or billing limit reached).
    QuotaExhausted,
    /// 503/529: the provider is overloaded.
    Overloaded,
    /// 500/502/504 and other 5xx.
    Server,
    /// 408/409: a transient conflict or time-out on the provider's side.
    Transient,
    /// Another 4xx: the provider refused the request as written.
    BadRequest,
    /// No byte arrived for too long.
    Stalled { seconds: u32 },
    /// The stream ended before the reply was complete.
    Truncated,
    /// The reply could not be read (not the provider's format).
    Malformed,
    /// The provider reported an error inside a stream that had started.
    InStream,
    /// The request never got an answer: offline, wrong address, or refused by CORS.
    Network,
    /// The browser is offline and the address is not on this computer, so nothing was sent (or
    /// the call failed while the browser was offline): not the address's fault.
    Offline,
    /// A call to this computer (sent: loopback works offline) got no answer while the browser
    /// was offline: being offline is named first as a possible cause, then the usual ones.
    OfflineNoAnswer,
    /// The person pressed Stop.
    Aborted,
    /// The browser reads the address as another host than the one shown next to the key, so the
    /// request was not sent (see [`crate::domain::http::host_of`]).
    UnclearAddress { browser_host: String },
    /// The page cannot call this address at all (an http address from a page served over https);
    /// the detail says why and what to do (see [`crate::domain::http::blocked_by_page`]).
    BlockedByPage,
    /// Settings give the model no address or no model name (what is missing:
    /// [`super::Missing`]), so nothing was sent (tryout 93: an empty address was called, and
    /// read as an address "that does not start with http://").
    Unset(super::Missing),
    /// The model declined to answer, or the provider's safety filter stopped the reply; the detail
    /// holds the provider's explanation, or the refusal text joined in order.
    Refused,
}

/// A failed model call: what kind, where, and the provider's own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderError {
    pub kind: ErrorKind,
    pub provider: ProviderKind,
    /// The host that was called (never a path or query).
    pub host: String,
    pub status: Option<u16>,
    /// The provider's message or the unreadable text, shortened; never contains the key.
    pub detail: String,
    /// The wait the server asked for (`retry-after`, `retry-after-ms`), in ms, when the browser
    /// could read it: honoured on 429, 503 and 529.
    pub retry_after_ms: Option<u32>,
    /// How many attempts were made before this error was final (1 = no retry).
    pub attempts: u32,
    /// Sent inside a reply that had started (an `error` frame in an HTTP 200 stream): no HTTP
    /// status failed, so `status` is `None` and the message quotes the provider instead.
    pub in_stream: bool,
    /// No text of the reply had arrived when the call failed (set by the caller that streamed
    /// it, e.g. `net::chat::stream_chat`): the message then says so instead of "What arrived is
    /// kept" (tryout 10: every row of a model killed before its first word said it).
    pub nothing_arrived: bool,
    /// The caller does not keep the text that had arrived (the optimizer records a failed call
    /// as failed, without its part): the message says so instead of "What arrived is kept"
    /// (tryout 17, 8: the loop said it with nothing shown).
    pub partial_dropped: bool,
    /// The call ended after its request had reached the provider, as far as the page can tell
    /// (set by `net::chat::stream_chat`, [`ProviderError::ended_after_sending`]): stopped (by
    /// the person, a Cancel or another job) while the reply was awaited or arriving, or failed
    /// once the provider was at work (no byte for too long, a stream cut or ended by an error).
    /// The provider may bill it, its prompt at least, though no text arrived. `false` for a
    /// call stopped before it was sent or while it waited to retry, and for a failure the
    /// provider answered at once (a status, a reply that is not one) or that never reached it.
    pub went_out: bool,
    /// Earlier attempts of this call that ended after reaching the provider (no byte for too
    /// long: [`ProviderError::ended_after_sending`]) and were sent again: the provider may bill
    /// each one's prompt too (set by `net::chat::stream_chat`).
    pub went_out_before: u32,
}

const DETAIL_MAX: usize = 400;

/// `text` with `secret` (trimmed, 4 characters or more) replaced by "[your key]", and, for a secret
/// of 12 characters or more, every occurrence of its last 4 characters by "****". Never panics.
pub fn scrub_text(text: &str, secret: &str) -> String {
    let secret = secret.trim();
    let n = secret.chars().count();
    if n < 4 {
        return text.to_owned();
    }
    let mut out = text.replace(secret, "[your key]");
    if n >= 12 {
        let tail_start = secret.char_indices().nth(n - 4).map_or(0, |(i, _)| i);
        out = out.replace(&secret[tail_start..], "****");
    }
    // A secret that the markers themselves can form (say "key]") is pathological; then nothing of
    // the text is kept rather than risk showing it.
    if out.contains(secret) {
        return "[hidden: it contained your key]".to_owned();
    }
    out
}

fn shorten(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() <= DETAIL_MAX {
        return s.to_owned();
    }
    let cut: String = s.chars().take(DETAIL_MAX).collect();
    format!("{cut}…")
}

impl ProviderError {
    /// Whether the call was cut on its way (aborted, the connection closed mid-reply, or no
    /// answer at all) rather than answered with a failure: what a page going away does to its
    /// calls, so while it goes away such an error is the page's, not the provider's
    /// (helper-58, 59).
    pub fn cut_in_transit(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Aborted | ErrorKind::Truncated | ErrorKind::Network
        )
    }

    pub fn new(
        kind: ErrorKind,
        provider: ProviderKind,
        host: &str,
        status: Option<u16>,
        detail: &str,
    ) -> Self {
        Self {
            kind,
            provider,
            host: host.to_owned(),
            status,
            detail: shorten(detail),
            retry_after_ms: None,
            attempts: 1,
            in_stream: false,
            nothing_arrived: false,
            partial_dropped: false,
            went_out: false,
            went_out_before: 0,
        }
    }

    /// The same error, marked as having failed before any text of the reply arrived when
    /// `nothing` is true (see [`ProviderError::nothing_arrived`]).
    pub fn with_nothing_arrived(mut self, nothing: bool) -> Self {
        self.nothing_arrived = nothing;
        self
    }

    /// The same error, for a caller that does not keep the text that had arrived
    /// ([`ProviderError::partial_dropped`]).
    pub fn with_partial_dropped(mut self) -> Self {
        self.partial_dropped = true;
        self
    }

    /// "What arrived is kept; press Retry" (with `then` after "press Retry"), or, when nothing
    /// of the reply had arrived, that nothing had, or, when the caller drops it, that it is not
    /// used.
    fn kept(&self, then: &str) -> String {
        if self.nothing_arrived {
            format!("Nothing had arrived for this request; press Retry{then}.")
        } else if self.partial_dropped {
            format!("The part that had arrived is not used; press Retry{then}.")
        } else {
            format!("What arrived is kept; press Retry{then}.")
        }
    }

    /// [`ProviderError::message`] for a call whose row offers `button` where a call's row offers
    /// Retry (a judge call's row offers "Re-judge"), and that does not keep the part of a reply
    /// that arrived ([`ProviderError::with_partial_dropped`]). Tryout 81: a judge's failure said
    /// "press Retry" and "What arrived is kept" beside a Re-judge button, with nothing kept.
    pub fn message_for(&self, button: &str) -> String {
        let mut e = self.clone();
        e.partial_dropped = true;
        e.message()
            .replace("press Retry", &format!("press {button}"))
            .replace("Press Retry", &format!("Press {button}"))
    }

    /// Removes every trace of the key from the detail (some providers echo part of it): the whole
    /// key, and for keys of 12 characters or more its last 4 characters (a masked echo such as
    /// `sk-...abcd`). Works on characters, so any string is safe (no byte slicing).
    pub fn scrubbed(mut self, secret: &str) -> Self {
        self.detail = scrub_text(&self.detail, secret);
        self
    }

    /// Whether waiting and trying again may help (when nothing was delivered yet).
    pub fn retryable(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::RateLimited
                | ErrorKind::Overloaded
                | ErrorKind::Server
                | ErrorKind::Transient
                | ErrorKind::Stalled { .. }
        )
    }

    /// Whether the failure is the provider's or the connection's, not the request's: a stall, a
    /// cut or broken stream, an overload, a server error, a limit that passes, no answer at
    /// all, a reply in another format. Such a failure says nothing of the prompt that was
    /// sent, so the optimizer does not score it (session 37, tryout 78: a loop on a provider
    /// that stalled scored every case 0 and showed the meta model the error as the model's
    /// answer). A refusal, a request too long or refused as written, and a key, credit or model
    /// problem are not (the last are [`Self::fails_every_call`]).
    pub fn says_nothing_of_the_request(&self) -> bool {
        // What may pass with a wait ([`Self::retryable`]), and what ended a call the provider
        // or the connection cut short.
        self.retryable()
            || matches!(
                self.kind,
                ErrorKind::Truncated
                    | ErrorKind::Malformed
                    | ErrorKind::InStream
                    | ErrorKind::Network
                    | ErrorKind::Offline
                    | ErrorKind::OfflineNoAnswer
            )
    }

    /// Whether a call that ended with this error may be billed, `text_arrived` saying whether
    /// part of an answer had come: it ended after its request was sent
    /// ([`Self::ended_after_sending`]), or the provider had already written part of an answer
    /// before the error (an overload or a server error sent inside the stream). Tryout 86: such a
    /// call read "It is not counted as used" in the loop, and the providers saw 12 calls where
    /// the loop counted 11.
    pub fn went_out_after(&self, text_arrived: bool) -> bool {
        self.ended_after_sending() || text_arrived
    }

    /// Whether a call that ended with this error had reached a provider at work on it, so the
    /// provider may bill its prompt (session 37: a stalled call counted nothing in a run): a
    /// stop while the request was out (`Aborted`), no byte for too long (`Stalled`: the request
    /// was sent and not refused), a stream that closed early (`Truncated`) or that the
    /// provider ended with an error (`InStream`), and a reply that is not the provider's format
    /// (`Malformed`) sent with a success status (a stream whose frames do not read, a whole
    /// JSON body where a stream was asked for): a server took the request and answered it,
    /// perhaps the provider behind a proxy that mangled it (tryout 89: such a call counted "0
    /// tokens … nothing yet" with no word of billing), and a refusal (`Refused`: the model read
    /// the request and answered that it would not; a run counted it, and Reflect's and the
    /// judge's calls did not: tryout 97). Statuses (401, 429, 5xx…) are answered
    /// before any work and are not billed; a call that got no answer at all (`Network`,
    /// `Offline`, `OfflineNoAnswer`) may never have reached it.
    pub fn ended_after_sending(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Aborted
                | ErrorKind::Stalled { .. }
                | ErrorKind::Truncated
                | ErrorKind::InStream
                | ErrorKind::Refused
        ) || (self.kind == ErrorKind::Malformed
            && self.status.is_some_and(|s| (200..300).contains(&s)))
    }

    /// Whether a fault every call meets ([`Self::fails_every_call`]) is the key's or the
    /// account's (a refused or missing key, no credit, a usage limit): mended without changing
    /// the model or its address.
    pub fn mended_without_changing_the_model(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::BadKey
                | ErrorKind::NoKeySent
                | ErrorKind::NoCredit
                | ErrorKind::QuotaExhausted
        )
    }

    /// Whether every call to the same model, with the same key and address, would fail this
    /// way, whatever it asks: a key refused or not sent, no credit, a usage limit reached, no
    /// such model, an address the page cannot call. A run stops sending to the model at the
    /// first such failure instead of failing each case the same way (tryout 17: a revoked key
    /// failed all 8 cases one after another).
    pub fn fails_every_call(&self) -> bool {
        self.mended_without_changing_the_model()
            || matches!(
                self.kind,
                ErrorKind::UnknownModel
                    | ErrorKind::UnclearAddress { .. }
                    | ErrorKind::BlockedByPage
                    | ErrorKind::Unset(_)
            )
    }

    /// A 404 whose words do not speak of a model (a wrong path: "no such route"): said as the
    /// address first, not as an unknown model (tryout 88).
    fn not_found_without_model(&self) -> bool {
        self.kind == ErrorKind::UnknownModel
            && !self.detail.trim().is_empty()
            && !mentions(&self.detail, &["model"])
    }

    /// A short title for the message box.
    pub fn title(&self) -> &'static str {
        match self.kind {
            ErrorKind::BadKey => "The key was not accepted",
            ErrorKind::NoKeySent => "No API key was sent",
            ErrorKind::NoCredit => "No credit left",
            ErrorKind::UnknownModel if self.not_found_without_model() => "Not found",
            ErrorKind::UnknownModel => "Model not found",
            ErrorKind::WrongAddress { .. } => "Nothing found at this address",
            ErrorKind::TooLong => "Too long for this model",
            ErrorKind::RateLimited => "Too many requests",
            ErrorKind::QuotaExhausted => "Usage limit reached",
            ErrorKind::Overloaded => "The provider is overloaded",
            ErrorKind::Server | ErrorKind::Transient => "The provider had a problem",
            ErrorKind::BadRequest => "The provider refused the request",
            ErrorKind::Stalled { .. } => "The reply stopped coming",
            ErrorKind::Truncated => "The reply was cut off",
            ErrorKind::Malformed => "The reply could not be read",
            ErrorKind::InStream => "The provider reported an error mid-reply",
            ErrorKind::Network => "Could not reach the provider",
            ErrorKind::Offline => "Your browser is offline",
            ErrorKind::OfflineNoAnswer => "No answer while your browser is offline",
            ErrorKind::Aborted => "Stopped",
            ErrorKind::UnclearAddress { .. } => "The address is unclear",
            ErrorKind::BlockedByPage => "This page cannot call that address",
            ErrorKind::Unset(_) => "Settings are not complete",
            ErrorKind::Refused => "The model refused",
        }
    }

    /// [`ProviderError::message`] of a comparison model's call, said for where that model is set
    /// up (its row under Compare models): the same words with Settings and Test connection,
    /// which are the three jobs', replaced (tryout: a failed cell said "Press Test connection"
    /// where there is no such button).
    pub fn for_comparison_model(message: &str) -> String {
        message
            .replace(
                "Press Test connection to pick a model from the list, and check the address.",
                "Check the model's id and the address in this model's row under Compare models.",
            )
            .replace(
                "Enter the key in Settings",
                "Enter the key in this model's row under Compare models",
            )
            .replace(
                "the address in Settings",
                "this model's address under Compare models",
            )
            .replace("The address of ", "The address you gave ")
            .replace(" in Settings", " under Compare models")
    }

    /// What happened and what to do, in plain words.
    pub fn message(&self) -> String {
        let who = self.provider.label();
        let host = &self.host;
        let status = self
            .status
            .map(|s| format!(" (HTTP {s})"))
            .unwrap_or_default();
        if self.in_stream && self.kind != ErrorKind::BadKey {
            // The provider's own words: the category alone ("an internal problem") would hide
            // that the reply itself carried the error.
            let words = self.detail.trim().trim_end_matches('.');
            let said = if words.is_empty() {
                String::new()
            } else {
                format!(": {words}")
            };
            let next = if self.retryable() {
                self.gave_up_hint(&self.kept(" in a minute"))
            } else {
                self.kept("")
            };
            return format!("{who} stopped the reply with an error{said}. {next}");
        }
        match &self.kind {
            ErrorKind::NoKeySent => format!(
                "{host} asks for an API key{status}, and none was sent: no key is entered for {who} in \
                 this tab. Keys are kept only in the tab's memory and are forgotten when the page \
                 reloads, unless \u{201c}Remember on this device\u{201d} is ticked. Enter the key in Settings, then press Retry."
            ),
            ErrorKind::BadKey => format!(
                "{who} at {host} refused the API key{status}. Check that you pasted the whole key, that it \
                 belongs to {who}, and that it has not been revoked."
            ),
            ErrorKind::NoCredit => format!(
                "{who} says the account has no credit left{status}. Add credit or a payment method on the \
                 provider's site, or pick another provider in Settings."
            ),
            // Tryout 88: a server that answered "no such route" (a wrong path) read as "does
            // not know this model". A "not found" that does not speak of a model is said as
            // what it is, the address first.
            ErrorKind::UnknownModel if self.not_found_without_model() => {
                format!(
                    "{host} answered \u{201c}not found\u{201d}{status} without naming the model: \u{201c}{}\u{201d}. \
                     The address in Settings may be wrong (a path missing or extra, another \
                     service), or the model may not be there. {} Press Test connection to check both.",
                    crate::domain::eval::clip(self.detail.trim().trim_end_matches('.'), 200),
                    address_hint(self.provider)
                )
            }
            ErrorKind::UnknownModel => format!(
                "{who} at {host} does not know this model{status}. Press Test connection to pick a model from \
                 the list, and check the address."
            ),
            ErrorKind::WrongAddress { tried } => format!(
                "{host} answered \u{201c}not found\u{201d}{status} when Promptwright asked for its list \
                 of models at {tried}, so the address in Settings is probably wrong. {} If the address \
                 is right, this server may not list its models: type the model's name under Model, \
                 then press Send a test message.",
                address_hint(self.provider)
            ),
            ErrorKind::TooLong => format!(
                "The request is longer than this model can read{status}. Shorten the prompt or the test input, \
                 or pick a model with a larger context."
            ),
            // The wait it asked for, when it said one (tryout 111: "Wait a minute" after a
            // `retry-after: 30`).
            ErrorKind::RateLimited => format!(
                "{who} is limiting how fast you can send requests{status}. {}",
                self.gave_up_hint(&match self.retry_after_ms {
                    // Tryout 115: `retry-after: 0` was said as "Wait 1 s, as it asked".
                    Some(0) => "It asked for no wait: press Retry, or lower the number of calls run at once."
                        .to_owned(),
                    Some(ms) => format!(
                        "Wait {} s, as it asked, then press Retry, or lower the number of calls run at once.",
                        ms.div_ceil(1000).max(1)
                    ),
                    None => "Wait a minute, then press Retry, or lower the number of calls run at once."
                        .to_owned(),
                })
            ),
            ErrorKind::QuotaExhausted => format!(
                "{who} says your usage limit or quota is used up{status}. Waiting will not help: raise the limit \
                 on the provider's site or use another key."
            ),
            ErrorKind::Overloaded => format!(
                "{who} is overloaded right now{status}. {}",
                self.gave_up_hint("Press Retry in a minute, or pick another model in Settings.")
            ),
            ErrorKind::Server | ErrorKind::Transient => format!(
                "{who} had an internal problem{status}. {}",
                self.gave_up_hint(
                    "Press Retry in a minute; if it keeps happening, the provider may be having an outage."
                )
            ),
            // Tryout 19 (6): "The details below say why" in a run's row, which shows no details:
            // the provider's own words are part of the message wherever it is shown.
            ErrorKind::BadRequest => {
                let words = self.detail.trim().trim_end_matches('.');
                if words.is_empty() {
                    format!(
                        "{who} refused the request{status} without saying why; a different model or setting may be needed."
                    )
                } else {
                    format!(
                        "{who} refused the request{status}: \u{201c}{}\u{201d}. A different model or setting may be needed.",
                        crate::domain::eval::clip(words, 300)
                    )
                }
            }
            ErrorKind::Stalled { seconds } => format!(
                "No data arrived from {host} for {seconds} s, so Promptwright stopped waiting. {}",
                self.gave_up_hint(&self.kept(""))
            ),
            ErrorKind::Truncated => format!(
                "The connection to {host} closed before the reply was finished. {}",
                self.kept("")
            ),
            // Tryout 81: one bad reply from a server set up right read as a wrong setting.
            ErrorKind::Malformed => format!(
                "{host} sent something that is not a reply in the {who} format. Press Retry; if it \
                 happens again, check the address and the provider preset in Settings."
            ),
            ErrorKind::InStream => {
                format!("{who} stopped the reply with an error. {}", self.kept(""))
            }
            ErrorKind::Network => format!(
                // Tryout 90: a server that answered without allowing this page to read the
                // answer (CORS) got the request; the browser cannot tell the two apart.
                "No answer could be read from {host}: nothing answered, or the browser was not allowed to read the answer. {}",
                network_hint(self.provider)
            ),
            ErrorKind::Offline => format!(
                "Your browser is offline, so {who} at {host} cannot be reached. Reconnect to the \
                 internet, then press Retry. The built-in local model on this computer works offline."
            ),
            ErrorKind::OfflineNoAnswer => format!(
                "Your browser is offline, and nothing answered from {host}. Being offline may be the \
                 cause, even for an address on this computer: reconnect, then press Retry. If it \
                 still fails once you are online: {}",
                lower_first(network_hint(self.provider))
            ),
            // Nothing of this call's reply arrived, but a job of several calls (the tiny
            // model's Generate, a part at a time) may keep what earlier calls wrote: no claim
            // either way (tryout 11: "before any of the reply arrived" over four sections).
            ErrorKind::Aborted if self.nothing_arrived => "You stopped the request.".to_owned(),
            ErrorKind::Aborted => "You stopped the request. What arrived is kept.".to_owned(),
            ErrorKind::BlockedByPage => self.detail.clone(),
            ErrorKind::Unset(missing) => format!(
                "{who} has {} in Settings, so Promptwright sent nothing (not your key either). {}",
                missing.words(),
                missing.fix()
            ),
            ErrorKind::Refused => format!("The model refused: {}", self.detail.trim()),
            ErrorKind::UnclearAddress { browser_host } if browser_host.is_empty() => format!(
                "The address of {who} in Settings does not start with http:// or https://, so \
                 Promptwright sent nothing (not your key either). Write it in full, starting with \
                 http:// (this computer) or https:// (anywhere else)."
            ),
            ErrorKind::UnclearAddress { browser_host } => format!(
                "The browser reads this address as {browser_host}, not {host}, so Promptwright did not \
                 send your key. Check the address in Settings: write it as https://host/path."
            ),
        }
    }
}

impl ProviderError {
    /// The cause in a few words, past tense, with the HTTP status when one was received, e.g.
    /// "the key was not accepted (HTTP 401)": to name two failures side by side (see
    /// [`crate::domain::attempt`]).
    pub fn cause(&self) -> String {
        let what = match &self.kind {
            ErrorKind::BadKey => "the key was not accepted",
            ErrorKind::NoKeySent => "no API key was sent",
            ErrorKind::NoCredit => "the account had no credit left",
            // Tryout 92: "no such route" (a wrong path) read "the model was not found".
            ErrorKind::UnknownModel if self.not_found_without_model() => {
                "nothing was found (the address or the model may be wrong)"
            }
            ErrorKind::UnknownModel => "the model was not found",
            ErrorKind::WrongAddress { .. } => "nothing was found at the address",
            ErrorKind::TooLong => "the request was too long for the model",
            ErrorKind::RateLimited => "too many requests were sent",
            ErrorKind::QuotaExhausted => "the usage limit was reached",
            ErrorKind::Overloaded => "the provider was overloaded",
            ErrorKind::Server | ErrorKind::Transient => "the provider had a problem",
            ErrorKind::BadRequest => "the provider refused the request",
            ErrorKind::Stalled { .. } => "the reply stopped coming",
            ErrorKind::Truncated => "the reply was cut off",
            ErrorKind::Malformed => "the reply could not be read",
            ErrorKind::InStream => "the provider reported an error mid-reply",
            ErrorKind::Network => "nothing answered",
            ErrorKind::Offline | ErrorKind::OfflineNoAnswer => "the browser was offline",
            ErrorKind::Aborted => "you stopped it",
            ErrorKind::UnclearAddress { .. } => "the address was unclear",
            ErrorKind::BlockedByPage => "this page could not call that address",
            ErrorKind::Unset(missing) => missing.cause(),
            ErrorKind::Refused => "the model refused",
        };
        let from = match self.status {
            Some(s) => format!(" (HTTP {s})"),
            None if self.in_stream => " (an error inside its reply)".to_owned(),
            None => String::new(),
        };
        format!("{what}{from}")
    }

    /// The passing note while Promptwright waits `wait_ms` before attempt `attempt` of `of`, e.g.
    /// "Rate limited (HTTP 429): waiting 1.5 s, then trying again (attempt 2 of 4)" (a wait, not a
    /// countdown: the note does not change while it is shown). Names the HTTP status only
    /// when one was received.
    pub fn retry_note(&self, attempt: u32, of: u32, wait_ms: u32) -> String {
        let who = self.provider.label();
        let what = match &self.kind {
            ErrorKind::RateLimited => "Rate limited".to_owned(),
            ErrorKind::Overloaded => format!("{who} is overloaded"),
            ErrorKind::Server | ErrorKind::Transient => format!("{who} had a problem"),
            ErrorKind::Stalled { seconds } => format!("No data arrived for {seconds} s"),
            _ => self.title().to_owned(),
        };
        let from = match self.status {
            Some(s) => format!(" (HTTP {s})"),
            None if self.in_stream => " (an error inside its reply)".to_owned(),
            None => String::new(),
        };
        // The wait as it is, to a tenth of a second below 10 s (tryout 105: 1.5 s said as
        // "2 s", 0.4 s as "1 s").
        let secs = if wait_ms < 9_950 {
            ((f64::from(wait_ms) / 100.0).round() / 10.0).max(0.1)
        } else {
            (f64::from(wait_ms) / 1000.0).round()
        };
        format!("{what}{from}: waiting {secs} s, then trying again (attempt {attempt} of {of})")
    }

    /// What Promptwright did about a failure that may pass, then `next` (what the person can do):
    /// a wait the server asked for that is longer than Promptwright waits by itself, or how many
    /// attempts were made before it gave up. Never claims a retry that will not happen.
    fn gave_up_hint(&self, next: &str) -> String {
        let limit = RetryPolicy::default().max_retry_after_ms;
        match self.retry_after_ms {
            Some(ms) if ms > limit => format!(
                "It asked to wait {}, longer than Promptwright waits by itself ({} s), so it stopped. \
                 Press Retry after that wait.",
                wait_words(ms),
                limit / 1000
            ),
            _ if self.attempts > 1 => {
                format!(
                    "Promptwright tried {} times and gave up. {next}",
                    self.attempts
                )
            }
            _ => next.to_owned(),
        }
    }
}

/// The controls a failure message may send its reader to, that only the person who made the
/// call has on their page: a shared draft's reader has no Retry of the sender's run, no key
/// and no Settings of theirs.
const SENDERS_CONTROLS: [&str; 7] = [
    "Retry",
    "Re-judge",
    "Settings",
    "Test connection",
    "Send a test message",
    "Compare models",
    "Remember on this device",
];

/// A stored failure message ([`ProviderError::message`] as a result keeps it) for someone who
/// reads it but did not make the call (a shared draft's reader): the message without its
/// sentences of advice that send the reader to a control of the sender's page (Retry, Settings,
/// ...: `SENDERS_CONTROLS`), and without a "; press Retry ..." clause. The first sentence, the
/// cause, always stays. Sentences end at ". ", "! " or "? " outside quotation marks (a provider's
/// quoted words stay whole). Tryout 87: a shared link's failed case read "press Retry in a
/// minute" with no Retry there.
pub fn without_advice(message: &str) -> String {
    let mut sentences: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut quoted = 0i32;
    let mut straight = false;
    // Quotation marks that do not pair up (a provider's words cut short) do not hold the rest
    // of the message as one sentence.
    let count = |q: char| message.chars().filter(|c| *c == q).count();
    let curly_pair = count('\u{201c}') == count('\u{201d}');
    let straight_pair = count('"') % 2 == 0;
    let mut chars = message.trim().chars().peekable();
    while let Some(c) = chars.next() {
        current.push(c);
        match c {
            '\u{201c}' if curly_pair => quoted += 1,
            '\u{201d}' if curly_pair => quoted -= 1,
            '"' if straight_pair => straight = !straight,
            '.' | '!' | '?' if quoted <= 0 && !straight && chars.peek() == Some(&' ') => {
                sentences.push(std::mem::take(&mut current).trim().to_owned());
            }
            _ => {}
        }
    }
    if !current.trim().is_empty() {
        sentences.push(current.trim().to_owned());
    }
    let names_a_control = |s: &str| SENDERS_CONTROLS.iter().any(|c| s.contains(c));
    let mut kept: Vec<String> = Vec::new();
    for (i, s) in sentences.into_iter().enumerate() {
        let s = match s.find("; press ").or_else(|| s.find("; Press ")) {
            Some(at) if names_a_control(&s[at..]) => format!("{}.", &s[..at]),
            _ => s,
        };
        if i == 0 || !names_a_control(&s) {
            kept.push(s);
        }
    }
    kept.join(" ")
}

/// `s` with its first letter in lower case (to continue a sentence).
fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_lowercase().chain(c).collect())
        .unwrap_or_default()
}

/// Where a provider's address usually points, to compare with the one in Settings.
fn address_hint(kind: ProviderKind) -> String {
    match kind.default_base_url() {
        "" => "An OpenAI-compatible server's address usually ends in /v1, such as \
               http://127.0.0.1:8080/v1."
            .to_owned(),
        usual => format!("The usual address for {} is {usual}.", kind.label()),
    }
}

/// An address as messages show it: host (as [`crate::domain::http::host_of`] gives it) and path,
/// never the query, fragment or user-info (a key typed into the address stays out).
pub fn shown_address(url: &str) -> String {
    let host = crate::domain::http::host_of(url);
    let rest = url.trim().split_once("://").map_or(url.trim(), |(_, r)| r);
    let path = rest
        .find(['/', '?', '#'])
        .map_or("", |i| &rest[i..])
        .split(['?', '#'])
        .next()
        .unwrap_or("");
    format!("{host}{path}")
}

/// The likely cause of a refused or failed connection, per provider.
fn network_hint(kind: ProviderKind) -> &'static str {
    match kind {
        ProviderKind::LlamaCpp => {
            "The built-in local model is not running (it may still be starting). Add your own API key in Settings, or use Manual mode (no key needed); running Promptwright from its source, bash scripts/local-model.sh starts the built-in model (bash scripts/serve.sh also serves the app)."
        }
        ProviderKind::Ollama => {
            "Is Ollama running? It must allow calls from web pages: start it with OLLAMA_ORIGINS set to this \
             page's address (or *)."
        }
        ProviderKind::LmStudio => {
            "Is LM Studio's server running? Turn on \"Enable CORS\" in its server settings so web pages can call it."
        }
        ProviderKind::Anthropic => {
            "Check your connection. If your organisation turned off browser access for its keys, Anthropic \
             refuses calls from web pages: ask an admin, or use another provider."
        }
        ProviderKind::Custom => {
            "Check the address for typos (it usually ends in /v1). The server must also allow calls from web \
             pages (CORS)."
        }
        _ => {
            "Check your internet connection and the address in Settings; a firewall or ad-blocker may block it."
        }
    }
}

/// The provider's own error message from an error body, if it has one.
pub fn provider_message(body: &str) -> Option<String> {
    let v: Value = serde_json::from_str(body).ok()?;
    let v = if let Value::Array(a) = &v {
        a.first()?.clone()
    } else {
        v
    };
    let err = v.get("error").unwrap_or(&v);
    if let Some(s) = err.as_str() {
        return Some(s.to_owned());
    }
    err.get("message")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn mentions(body: &str, needles: &[&str]) -> bool {
    let lower = body.to_ascii_lowercase();
    needles.iter().any(|n| lower.contains(n))
}

/// Classifies an HTTP error answer. `retry_after_ms` is the wait the server asked for, when the
/// browser could read it (see [`parse_retry_after`]); kept for 429, 503 and 529.
pub fn classify_http_error(
    kind: ProviderKind,
    host: &str,
    status: u16,
    body: &str,
    retry_after_ms: Option<u32>,
) -> ProviderError {
    let too_long = [
        "context_length",
        "context length",
        "exceed_context",
        "too long",
        "too many tokens",
        "maximum context",
    ];
    let ek = match status {
        400 if mentions(
            body,
            &["api_key_invalid", "api key not valid", "invalid api key"],
        ) =>
        {
            ErrorKind::BadKey
        }
        400 | 422 if mentions(body, &too_long) => ErrorKind::TooLong,
        400 if mentions(
            body,
            &[
                "model_not_found",
                "model not found",
                "does not exist",
                "unknown model",
            ],
        ) =>
        {
            ErrorKind::UnknownModel
        }
        401 | 403 => ErrorKind::BadKey,
        402 => ErrorKind::NoCredit,
        404 => ErrorKind::UnknownModel,
        408 | 409 => ErrorKind::Transient,
        413 => ErrorKind::TooLong,
        429 if mentions(
            body,
            &[
                "insufficient_quota",
                "quota exceeded",
                "exceeded your current quota",
                "billing",
            ],
        ) =>
        {
            ErrorKind::QuotaExhausted
        }
        429 => ErrorKind::RateLimited,
        503 | 529 => ErrorKind::Overloaded,
        500..=599 => ErrorKind::Server,
        _ => ErrorKind::BadRequest,
    };
    let detail = provider_message(body).unwrap_or_else(|| body.to_owned());
    let mut e = ProviderError::new(ek, kind, host, Some(status), &detail);
    if matches!(e.kind, ErrorKind::RateLimited | ErrorKind::Overloaded) {
        e.retry_after_ms = retry_after_ms;
    }
    e
}

/// Classifies an error the provider sent inside a stream (Anthropic `error` events, OpenRouter's
/// errors in a 200 stream, Gemini error frames). The frame's `code` classifies it but is not an
/// HTTP status the call got (that was 200): the error has no `status` and is marked `in_stream`.
pub fn classify_stream_error(kind: ProviderKind, host: &str, err: &Value) -> ProviderError {
    let typ = err
        .get("type")
        .or_else(|| err.get("status"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let code = err.get("code").and_then(Value::as_u64).map(|c| c as u16);
    let msg = err.get("message").and_then(Value::as_str).unwrap_or(typ);
    let ek = match (typ, code) {
        ("overloaded_error", _) | (_, Some(529)) | (_, Some(503)) => ErrorKind::Overloaded,
        ("rate_limit_error", _) | (_, Some(429)) => ErrorKind::RateLimited,
        ("api_error", _) | (_, Some(500..=599)) => ErrorKind::Server,
        ("authentication_error", _) | (_, Some(401)) => ErrorKind::BadKey,
        _ => ErrorKind::InStream,
    };
    let mut e = ProviderError::new(ek, kind, host, None, msg);
    e.in_stream = true;
    e
}

/// Whether an offline browser cannot call `host`: every address but this computer's own
/// (loopback, see [`crate::domain::http::is_loopback`]; the built-in local model works offline).
pub fn offline_blocks(host: &str) -> bool {
    !crate::domain::http::is_loopback(host)
}

/// Classifies a failed model-list call (Test connection): as [`classify_http_error`], except
/// that a 404 means nothing is at the address `url` (no model was asked for, so "does not know
/// this model" would be untrue): [`ErrorKind::WrongAddress`] with the address tried.
pub fn classify_models_error(
    kind: ProviderKind,
    url: &str,
    status: u16,
    body: &str,
    retry_after_ms: Option<u32>,
) -> ProviderError {
    let host = crate::domain::http::host_of(url);
    let mut e = classify_http_error(kind, &host, status, body, retry_after_ms);
    if status == 404 {
        e.kind = ErrorKind::WrongAddress {
            tried: shown_address(url),
        };
    }
    e
}

/// The error for a call to `host` while the browser is offline: [`ErrorKind::Offline`] when the
/// host is off this computer (sent nothing, or failed for that reason), `None` for a loopback
/// host, whose failure is its own (the usual network error names the likely cause).
pub fn offline_error(kind: ProviderKind, host: &str) -> Option<ProviderError> {
    offline_blocks(host).then(|| {
        ProviderError::new(
            ErrorKind::Offline,
            kind,
            host,
            None,
            "the browser is offline",
        )
    })
}

/// Classifies a request that got no HTTP answer (the browser's `TypeError: Failed to fetch`).
pub fn classify_network_error(kind: ProviderKind, host: &str, detail: &str) -> ProviderError {
    ProviderError::new(ErrorKind::Network, kind, host, None, detail)
}

/// Classifies a request that got no HTTP answer, knowing whether the browser says it is
/// `online`: offline, a host off this computer is [`ErrorKind::Offline`] and one on it
/// [`ErrorKind::OfflineNoAnswer`] (being offline is a possible cause there too: some setups, such
/// as Chromium's network emulation, cut loopback as well); online, [`classify_network_error`].
pub fn classify_failed_fetch(
    kind: ProviderKind,
    host: &str,
    detail: &str,
    online: bool,
) -> ProviderError {
    if online {
        return classify_network_error(kind, host, detail);
    }
    offline_error(kind, host)
        .unwrap_or_else(|| ProviderError::new(ErrorKind::OfflineNoAnswer, kind, host, None, detail))
}

/// The wait a `retry-after` value asks for, in ms: delay-seconds (fractions allowed), an HTTP-date
/// (RFC 9110 section 10.2.3; IMF-fixdate such as `Wed, 21 Oct 2015 07:28:00 GMT`, counted from
/// `now_ms`, milliseconds since the Unix epoch; a date in the past is 0), or `retry-after-ms`-style
/// milliseconds written with an `ms` suffix. `None` for anything else.
pub fn parse_retry_after(value: &str, now_ms: f64) -> Option<u32> {
    let v = value.trim();
    let clamp = |ms: f64| (ms.is_finite() && ms >= 0.0).then(|| ms.min(u32::MAX as f64) as u32);
    if let Some(ms) = v.strip_suffix("ms") {
        return ms.trim().parse::<f64>().ok().and_then(clamp);
    }
    if let Ok(s) = v.parse::<f64>() {
        return clamp(s * 1000.0);
    }
    let at = http_date_ms(v)?;
    clamp((at - now_ms).max(0.0))
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) as ms since the Unix epoch.
fn http_date_ms(v: &str) -> Option<f64> {
    let (_, rest) = v.split_once(", ")?;
    let parts: Vec<&str> = rest.split_whitespace().collect();
    let [day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| m == month)? as i64 + 1;
    let day: i64 = day.parse().ok().filter(|d| (1..=31).contains(d))?;
    let year: i64 = year.parse().ok().filter(|y| (1970..=9999).contains(y))?;
    let hms: Vec<i64> = time
        .split(':')
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, s] = hms.as_slice() else {
        return None;
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 86_400 + h * 3600 + m * 60 + s) * 1000) as f64)
}

/// How often and how long to wait before retrying, like the official SDKs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    pub max_retries: u32,
    pub base_delay_ms: u32,
    pub max_delay_ms: u32,
    /// A server asking for a longer wait than this is not retried automatically.
    pub max_retry_after_ms: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            base_delay_ms: 500,
            max_delay_ms: 8_000,
            max_retry_after_ms: 60_000,
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `attempt` (0-based) after `err`, or `None` to give up.
    /// `jitter` is a random number in [0, 1). A request the provider had received when it
    /// failed ([`ProviderError::ended_after_sending`]: a stall) is not sent again here: the
    /// provider may bill each one, and the figure shown before the call counted one; the
    /// person's Retry, with its own figure, sends it again (session 40: a stalled call was sent
    /// four times within one "at most").
    pub fn delay_ms(&self, attempt: u32, err: &ProviderError, jitter: f64) -> Option<u32> {
        if !err.retryable() || err.ended_after_sending() || attempt >= self.max_retries {
            return None;
        }
        if let Some(ms) = err.retry_after_ms {
            return (ms <= self.max_retry_after_ms).then_some(ms);
        }
        let exp = self
            .base_delay_ms
            .saturating_mul(1 << attempt.min(16))
            .min(self.max_delay_ms) as f64;
        // "Full jitter" within the top quarter keeps retries spread without waiting much less.
        Some((exp * (1.0 - 0.25 * jitter.clamp(0.0, 1.0))) as u32)
    }
}

/// A wait a server asked for (`ms`), in words: "120 s", "15 min", "3 h", "2 days"; the most
/// the header's value is kept as (`u32::MAX` ms) is "more than 49 days" (tryout 116: a huge
/// `retry-after` was said as "4294968 s").
fn wait_words(ms: u32) -> String {
    let s = u64::from(ms).div_ceil(1000);
    match s {
        _ if ms == u32::MAX => "more than 49 days".to_owned(),
        0..=120 => format!("{s} s"),
        121..=7_199 => format!("{} min", s.div_ceil(60)),
        7_200..=172_799 => format!("{} h", s.div_ceil(3_600)),
        _ => format!("{} days", s.div_ceil(86_400)),
    }
}
