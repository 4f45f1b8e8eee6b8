//! Provider failures as typed values with plain-words messages, their classification from HTTP
//! answers, and the retry policy (exponential backoff with jitter, honouring retry-after).
use serde_json::Value;

use super::ProviderKind;

/// What went wrong, in the categories a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// 401/403, or Gemini's 400 `API_KEY_INVALID`.
    BadKey,
    /// 402: no credit left.
    NoCredit,
    /// 404: no such model (or a wrong address).
    UnknownModel,
    /// 413 or a context-length error.
    TooLong,
    /// 429 that will pass; `retry_after_ms` when the server said (and the browser could read it).
    RateLimited { retry_after_ms: Option<u32> },
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
    /// The person pressed Stop.
    Aborted,
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
}

const DETAIL_MAX: usize = 400;

fn shorten(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() <= DETAIL_MAX {
        return s.to_owned();
    }
    let cut: String = s.chars().take(DETAIL_MAX).collect();
    format!("{cut}…")
}

impl ProviderError {
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
        }
    }

    /// Removes every trace of the key from the detail (some providers echo part of it).
    pub fn scrubbed(mut self, secret: &str) -> Self {
        let secret = secret.trim();
        if secret.len() >= 4 {
            self.detail = self.detail.replace(secret, "[your key]");
            // A provider may echo a masked key: hide its tail too.
            let tail = &secret[secret.len().saturating_sub(4)..];
            if secret.len() >= 12 {
                self.detail = self.detail.replace(tail, "****");
            }
        }
        self
    }

    /// Whether waiting and trying again may help (when nothing was delivered yet).
    pub fn retryable(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::RateLimited { .. }
                | ErrorKind::Overloaded
                | ErrorKind::Server
                | ErrorKind::Transient
                | ErrorKind::Stalled { .. }
        )
    }

    /// A short title for the message box.
    pub fn title(&self) -> &'static str {
        match self.kind {
            ErrorKind::BadKey => "The key was not accepted",
            ErrorKind::NoCredit => "No credit left",
            ErrorKind::UnknownModel => "Model not found",
            ErrorKind::TooLong => "Too long for this model",
            ErrorKind::RateLimited { .. } => "Too many requests",
            ErrorKind::QuotaExhausted => "Usage limit reached",
            ErrorKind::Overloaded => "The provider is overloaded",
            ErrorKind::Server | ErrorKind::Transient => "The provider had a problem",
            ErrorKind::BadRequest => "The provider refused the request",
            ErrorKind::Stalled { .. } => "The reply stopped coming",
            ErrorKind::Truncated => "The reply was cut off",
            ErrorKind::Malformed => "The reply could not be read",
            ErrorKind::InStream => "The provider reported an error mid-reply",
            ErrorKind::Network => "Could not reach the provider",
            ErrorKind::Aborted => "Stopped",
        }
    }

    /// What happened and what to do, in plain words.
    pub fn message(&self) -> String {
        let who = self.provider.label();
        let host = &self.host;
        let status = self
            .status
            .map(|s| format!(" (HTTP {s})"))
            .unwrap_or_default();
        match &self.kind {
            ErrorKind::BadKey => format!(
                "{who} at {host} refused the API key{status}. Check that you pasted the whole key, that it \
                 belongs to {who}, and that it has not been revoked."
            ),
            ErrorKind::NoCredit => format!(
                "{who} says the account has no credit left{status}. Add credit or a payment method on the \
                 provider's site, or pick another provider in Settings."
            ),
            ErrorKind::UnknownModel => format!(
                "{who} at {host} does not know this model{status}. Press Test connection to pick a model from \
                 the list, and check the address."
            ),
            ErrorKind::TooLong => format!(
                "The request is longer than this model can read{status}. Shorten the prompt or the test input, \
                 or pick a model with a larger context."
            ),
            ErrorKind::RateLimited {
                retry_after_ms: Some(ms),
            } => format!(
                "{who} is limiting how fast you can send requests{status}. It asked to wait {:.0} s; \
                 Promptwright waits and retries by itself.",
                (*ms as f64 / 1000.0).ceil()
            ),
            ErrorKind::RateLimited {
                retry_after_ms: None,
            } => format!(
                "{who} is limiting how fast you can send requests{status}. Wait a little and retry, or lower \
                 the number of calls run at once."
            ),
            ErrorKind::QuotaExhausted => format!(
                "{who} says your usage limit or quota is used up{status}. Waiting will not help: raise the limit \
                 on the provider's site or use another key."
            ),
            ErrorKind::Overloaded => {
                format!(
                    "{who} is overloaded right now{status}. Try again in a minute, or pick another model in Settings."
                )
            }
            ErrorKind::Server | ErrorKind::Transient => format!(
                "{who} had an internal problem{status}. Try again in a minute; if it keeps happening, the provider \
                 may be having an outage."
            ),
            ErrorKind::BadRequest => format!(
                "{who} refused the request{status}. The details below say why; a different model or setting may \
                 be needed."
            ),
            ErrorKind::Stalled { seconds } => format!(
                "No data arrived from {host} for {seconds} s, so Promptwright stopped waiting. What arrived is \
                 kept; press Retry."
            ),
            ErrorKind::Truncated => format!(
                "The connection to {host} closed before the reply was finished. What arrived is kept; press Retry."
            ),
            ErrorKind::Malformed => format!(
                "{host} sent something that is not a reply in the {who} format. Check the address and the provider preset in Settings."
            ),
            ErrorKind::InStream => {
                format!("{who} stopped the reply with an error. What arrived is kept; press Retry.")
            }
            ErrorKind::Network => format!(
                "Nothing answered from {host}. {}",
                network_hint(self.provider)
            ),
            ErrorKind::Aborted => "You stopped the request. What arrived is kept.".to_owned(),
        }
    }
}

/// The likely cause of a refused or failed connection, per provider.
fn network_hint(kind: ProviderKind) -> &'static str {
    match kind {
        ProviderKind::LlamaCpp => {
            "The built-in local model is not running: start it with scripts/serve.sh (it may still be starting)."
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

/// Classifies an HTTP error answer. `retry_after` is the `retry-after` header when readable.
pub fn classify_http_error(
    kind: ProviderKind,
    host: &str,
    status: u16,
    body: &str,
    retry_after: Option<&str>,
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
        429 => ErrorKind::RateLimited {
            retry_after_ms: retry_after.and_then(parse_retry_after),
        },
        503 | 529 => ErrorKind::Overloaded,
        500..=599 => ErrorKind::Server,
        _ => ErrorKind::BadRequest,
    };
    let detail = provider_message(body).unwrap_or_else(|| body.to_owned());
    ProviderError::new(ek, kind, host, Some(status), &detail)
}

/// Classifies an error the provider sent inside a stream (Anthropic `error` events, OpenRouter's
/// errors in a 200 stream, Gemini error frames).
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
        ("rate_limit_error", _) | (_, Some(429)) => ErrorKind::RateLimited {
            retry_after_ms: None,
        },
        ("api_error", _) | (_, Some(500..=599)) => ErrorKind::Server,
        ("authentication_error", _) | (_, Some(401)) => ErrorKind::BadKey,
        _ => ErrorKind::InStream,
    };
    ProviderError::new(ek, kind, host, code, msg)
}

/// Classifies a request that got no HTTP answer (the browser's `TypeError: Failed to fetch`).
pub fn classify_network_error(kind: ProviderKind, host: &str, detail: &str) -> ProviderError {
    ProviderError::new(ErrorKind::Network, kind, host, None, detail)
}

/// `retry-after` in seconds (fractions allowed), or `retry-after-ms`-style milliseconds with `ms` suffix.
pub fn parse_retry_after(value: &str) -> Option<u32> {
    let v = value.trim();
    if let Some(ms) = v.strip_suffix("ms") {
        return ms
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .map(|x| x as u32);
    }
    v.parse::<f64>()
        .ok()
        .filter(|x| x.is_finite() && *x >= 0.0)
        .map(|s| (s * 1000.0).min(u32::MAX as f64) as u32)
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
    /// `jitter` is a random number in [0, 1).
    pub fn delay_ms(&self, attempt: u32, err: &ProviderError, jitter: f64) -> Option<u32> {
        if !err.retryable() || attempt >= self.max_retries {
            return None;
        }
        if let ErrorKind::RateLimited {
            retry_after_ms: Some(ms),
        } = err.kind
        {
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
