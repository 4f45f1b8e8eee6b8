//! Model calls over `fetch`: the reply body is read incrementally and decoded as it arrives,
//! a call can be aborted at any moment, a stall (no byte for a while) ends it, and failures that
//! may pass are retried with backoff (honouring retry-after when the browser can read it).
use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, AbortSignal, Headers, Request, RequestCache, RequestCredentials, RequestInit,
    RequestMode, Response,
};

use crate::domain::http::host_of;
use crate::domain::provider::{
    ApiKey, ChatEvent, ChatRequest, ErrorKind, HttpRequest, ModelInfo, ModelPage, ModelPager,
    ProviderConfig, ProviderError, RetryPolicy, StreamDecoder, build_models_page_request,
    build_request, classify_failed_fetch, classify_http_error, classify_models_error,
    classify_network_error, parse_models_page, parse_retry_after, provider_message,
};

/// What a streaming call reports while it runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// A decoded event (text, usage, stop, refusal). Errors come back as the call's result.
    Event(ChatEvent),
    /// A failure that may pass: waiting `wait_ms` before attempt `attempt` of `of`.
    Retrying {
        attempt: u32,
        of: u32,
        wait_ms: u32,
        reason: ProviderError,
    },
    /// The wait after [`Progress::Retrying`] is over: the attempt is being sent again.
    Resending,
}

impl Progress {
    /// The passing note shown while waiting to retry, if this is one.
    pub fn retry_note(&self) -> Option<String> {
        match self {
            Progress::Retrying {
                attempt,
                of,
                wait_ms,
                reason,
            } => Some(reason.retry_note(*attempt, *of, *wait_ms)),
            Progress::Event(_) | Progress::Resending => None,
        }
    }
}

// A call's end, plain data the domain's machines read.
pub use crate::domain::provider::{Completion, Failure};

/// How patient a call is.
#[derive(Debug, Clone, Copy)]
pub struct CallOptions {
    /// End the call when no byte arrives for this long.
    pub stall_ms: u32,
    pub retry: RetryPolicy,
}

impl Default for CallOptions {
    fn default() -> Self {
        Self {
            stall_ms: 45_000,
            retry: RetryPolicy::default(),
        }
    }
}

/// Cancels a call (and its retries) from anywhere.
#[derive(Clone)]
pub struct Abort(AbortController);

impl Abort {
    pub fn new() -> Self {
        Self(AbortController::new().expect("AbortController"))
    }
    pub fn abort(&self) {
        self.0.abort();
    }
    pub fn is_aborted(&self) -> bool {
        self.0.signal().aborted()
    }
    /// Whether both are the same abort (one controller), not two alike.
    pub fn same(&self, other: &Abort) -> bool {
        self.0 == other.0
    }
    fn signal(&self) -> AbortSignal {
        self.0.signal()
    }
}

impl Default for Abort {
    fn default() -> Self {
        Self::new()
    }
}

/// Streams one chat call, retrying failures that may pass while nothing has been delivered yet.
pub async fn stream_chat(
    cfg: &ProviderConfig,
    key: Option<&ApiKey>,
    req: &ChatRequest,
    abort: &Abort,
    opts: CallOptions,
    mut on_progress: impl FnMut(Progress),
) -> Result<Completion, Failure> {
    let http = build_request(req, cfg, key);
    let mut attempt = 0u32;
    // Attempts sent again after they had reached the provider (a stall): each may be billed.
    let mut went_out_before = 0u32;
    // A provider that writes on past the output cap is read no further than this (tryout 111).
    let runaway = crate::domain::provider::runaway_bytes(req.max_tokens);
    loop {
        let mut completion = Completion::default();
        let sent_at = js_sys::Date::now();
        let result = send_streaming(cfg, &http, abort, opts.stall_ms, &mut |ev| {
            match &ev {
                ChatEvent::Text(t) => completion.text.push_str(t),
                ChatEvent::Usage(u) => completion.usage = *u,
                ChatEvent::Stop(s) => completion.stop = Some(s.clone()),
                ChatEvent::Refusal(r) => crate::domain::provider::add_refusal(
                    completion.refusal.get_or_insert_default(),
                    r,
                ),
                ChatEvent::Error(_) => {}
            }
            on_progress(Progress::Event(ev));
            let read = completion.text.len() + completion.refusal.as_ref().map_or(0, String::len);
            let past = runaway.is_some_and(|limit| read > limit);
            completion.cut_past_cap = past;
            !past
        })
        .await;
        if completion.cut_past_cap {
            // Read as an answer cut off at the token limit, counted at the most it can have
            // used: what the provider would have reported at the end never came.
            completion.stop = Some(crate::domain::provider::StopReason::MaxTokens);
            // A running count some servers send with each chunk is the count so far, not the
            // bill (the review): the larger of it and the bound.
            let bound = crate::domain::provider::cut_usage(req, &completion.text);
            completion.usage.input_tokens = completion.usage.input_tokens.max(bound.input_tokens);
            completion.usage.output_tokens =
                completion.usage.output_tokens.max(bound.output_tokens);
        }
        let error = match result {
            // A refusal or a safety stop is one typed outcome for every provider.
            Ok(()) if completion.refusal.is_some() => {
                let why = completion.refusal.take().unwrap_or_default();
                let mut error = scrub(
                    ProviderError::new(ErrorKind::Refused, cfg.kind, &cfg.host(), None, &why),
                    key,
                );
                // The model read the request to refuse it: it may be billed (tryout 97:
                // Reflect's refused critique counted nothing).
                error.went_out = error.went_out_after(true);
                error.went_out_before = went_out_before;
                return Err(Failure {
                    error,
                    partial: completion.text,
                });
            }
            Ok(()) => {
                completion.attempt_ms = (js_sys::Date::now() - sent_at).max(0.0);
                completion.went_out_before = went_out_before;
                return Ok(completion);
            }
            Err(e) => scrub(e, key),
        };
        let nothing_delivered = completion.text.is_empty();
        let wait = if nothing_delivered && !abort.is_aborted() {
            opts.retry.delay_ms(attempt, &error, js_sys::Math::random())
        } else {
            None
        };
        match wait {
            Some(wait_ms) => {
                attempt += 1;
                if error.ended_after_sending() {
                    went_out_before += 1;
                }
                on_progress(Progress::Retrying {
                    attempt: attempt + 1,
                    of: opts.retry.max_retries + 1,
                    wait_ms,
                    reason: error,
                });
                sleep_unless_aborted(wait_ms, abort).await;
                if abort.is_aborted() {
                    let mut error = aborted(cfg).with_nothing_arrived(true);
                    error.went_out_before = went_out_before;
                    return Err(Failure {
                        error,
                        partial: String::new(),
                    });
                }
                on_progress(Progress::Resending);
            }
            None => {
                let mut error = error.with_nothing_arrived(nothing_delivered);
                error.attempts = attempt + 1;
                // Stopped or failed while this attempt's request was out, or after part of an
                // answer came: the provider may bill it.
                error.went_out = error.went_out_after(!nothing_delivered);
                error.went_out_before = went_out_before;
                return Err(Failure {
                    error,
                    partial: completion.text,
                });
            }
        }
    }
}

/// Waits `ms`, or less when `abort` fires first (Stop ends a backoff wait at once).
async fn sleep_unless_aborted(ms: u32, abort: &Abort) {
    if abort.is_aborted() {
        return;
    }
    let signal = abort.signal();
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let window = web_sys::window().expect("window");
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32);
        let _ = signal.add_event_listener_with_callback("abort", &resolve);
    });
    let _ = JsFuture::from(promise).await;
}

/// The error as shown: the key scrubbed out of it, and a refused key that was never sent
/// called what it is ([`ErrorKind::NoKeySent`]).
fn scrub(e: ProviderError, key: Option<&ApiKey>) -> ProviderError {
    match key {
        Some(k) if !k.expose().trim().is_empty() => e.scrubbed(k.expose()),
        _ if e.kind == ErrorKind::BadKey => ProviderError {
            kind: ErrorKind::NoKeySent,
            ..e
        },
        _ => e,
    }
}

fn aborted(cfg: &ProviderConfig) -> ProviderError {
    ProviderError::new(ErrorKind::Aborted, cfg.kind, &cfg.host(), None, "")
}

/// Builds the browser request: CORS, no cookies, no cache, linked to `signal`.
fn to_request(http: &HttpRequest, signal: &AbortSignal) -> Result<Request, JsValue> {
    let init = RequestInit::new();
    init.set_method(http.method);
    let headers = Headers::new()?;
    for (k, v) in &http.headers {
        headers.set(k, v)?;
    }
    init.set_headers(&headers);
    if let Some(body) = &http.body {
        init.set_body(&JsValue::from_str(body));
    }
    init.set_mode(RequestMode::Cors);
    init.set_credentials(RequestCredentials::Omit);
    init.set_cache(RequestCache::NoStore);
    init.set_signal(Some(signal));
    Request::new_with_str_and_init(&http.url, &init)
}

/// One attempt's cancellation: aborted by the caller's [`Abort`] or by the stall timer.
struct Attempt {
    controller: AbortController,
    stalled: Rc<Cell<bool>>,
    timer: Cell<Option<i32>>,
    on_stall: Closure<dyn FnMut()>,
    _forward: Closure<dyn FnMut()>,
    outer: AbortSignal,
}

impl Attempt {
    fn new(outer: &Abort) -> Self {
        let controller = AbortController::new().expect("AbortController");
        let stalled = Rc::new(Cell::new(false));
        let on_stall = {
            let c = controller.clone();
            let s = stalled.clone();
            Closure::<dyn FnMut()>::new(move || {
                s.set(true);
                c.abort();
            })
        };
        let forward = {
            let c = controller.clone();
            Closure::<dyn FnMut()>::new(move || c.abort())
        };
        let outer = outer.signal();
        if outer.aborted() {
            controller.abort();
        }
        let _ = outer.add_event_listener_with_callback("abort", forward.as_ref().unchecked_ref());
        Self {
            controller,
            stalled,
            timer: Cell::new(None),
            on_stall,
            _forward: forward,
            outer,
        }
    }

    /// (Re)starts the stall timer.
    fn arm(&self, ms: u32) {
        let w = web_sys::window().expect("window");
        if let Some(id) = self.timer.take() {
            w.clear_timeout_with_handle(id);
        }
        let id = w
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                self.on_stall.as_ref().unchecked_ref(),
                ms as i32,
            )
            .ok();
        self.timer.set(id);
    }

    /// Why the attempt ended, if it was cut short on purpose.
    fn cut_short(&self, cfg: &ProviderConfig, host: &str, stall_ms: u32) -> Option<ProviderError> {
        if self.outer.aborted() {
            Some(aborted(cfg))
        } else if self.stalled.get() {
            Some(ProviderError::new(
                ErrorKind::Stalled {
                    seconds: stall_ms.div_ceil(1000),
                },
                cfg.kind,
                host,
                None,
                "",
            ))
        } else {
            None
        }
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        if let Some(id) = self.timer.take() {
            if let Some(w) = web_sys::window() {
                w.clear_timeout_with_handle(id);
            }
        }
        let _ = self
            .outer
            .remove_event_listener_with_callback("abort", self._forward.as_ref().unchecked_ref());
    }
}

fn js_text(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|| format!("{e:?}"))
}

/// The error of a call that Settings leave without an address or a model name: nothing is sent.
fn unset(cfg: &ProviderConfig, missing: crate::domain::provider::Missing) -> ProviderError {
    ProviderError::new(ErrorKind::Unset(missing), cfg.kind, "", None, "")
}

/// Sends the request and waits for the answer's head (the timer runs from the start).
async fn open(
    cfg: &ProviderConfig,
    http: &HttpRequest,
    attempt: &Attempt,
    limit_ms: u32,
) -> Result<Response, ProviderError> {
    let host = host_of(&http.url);
    // No address in Settings: nothing goes out (tryout 93: an empty address was fetched
    // relative to the page, and read as an address without http://).
    if cfg.base_url.trim().is_empty() {
        return Err(unset(cfg, crate::domain::provider::Missing::Address));
    }
    // Offline, only this computer answers: say so rather than blame the address.
    if !super::online()
        && let Some(e) = crate::domain::provider::offline_error(cfg.kind, &host)
    {
        return Err(e);
    }
    // An address without http(s):// would be fetched relative to this page: never sent. One
    // with a user name or password before its host is refused by `fetch` (tryout 96: said as
    // a CORS failure): never sent either, with its own words.
    if let Some(problem) = crate::domain::http::address_problem(&http.url) {
        let lower = http.url.trim().to_ascii_lowercase();
        let kind = if lower.starts_with("http://") || lower.starts_with("https://") {
            ErrorKind::BlockedByPage
        } else {
            ErrorKind::UnclearAddress {
                browser_host: String::new(),
            }
        };
        let detail = if matches!(kind, ErrorKind::BlockedByPage) {
            format!("{problem}.")
        } else {
            String::new()
        };
        return Err(ProviderError::new(kind, cfg.kind, &host, None, &detail));
    }
    let page_is_https = web_sys::window()
        .and_then(|w| w.location().protocol().ok())
        .is_some_and(|p| p == "https:");
    if let Some(why) = crate::domain::http::blocked_by_page(page_is_https, &http.url) {
        return Err(ProviderError::new(
            ErrorKind::BlockedByPage,
            cfg.kind,
            &host,
            None,
            &why,
        ));
    }
    // The key goes only to the host shown next to it: the browser's own URL parser must agree.
    if http
        .headers
        .iter()
        .any(|(k, _)| HttpRequest::is_secret_header(k))
    {
        let browser_host = web_sys::Url::new(&http.url)
            .map(|u| u.host())
            .unwrap_or_default();
        if browser_host != host {
            return Err(ProviderError::new(
                ErrorKind::UnclearAddress { browser_host },
                cfg.kind,
                &host,
                None,
                "",
            ));
        }
    }
    let request = to_request(http, &attempt.controller.signal()).map_err(|e| {
        classify_network_error(
            cfg.kind,
            &host,
            &format!("the address is not valid: {}", js_text(&e)),
        )
    })?;
    attempt.arm(limit_ms);
    let window = web_sys::window().expect("window");
    match JsFuture::from(window.fetch_with_request(&request)).await {
        Ok(r) => Ok(r.unchecked_into()),
        Err(e) => Err(attempt.cut_short(cfg, &host, limit_ms).unwrap_or_else(|| {
            // Offline (the connection went down, or a call to this computer failed while the
            // browser is offline), being offline is named before the address's usual causes.
            classify_failed_fetch(cfg.kind, &host, &js_text(&e), super::online())
        })),
    }
}

/// Sends the request and reads the answer; `Err` when it failed, with decoded events delivered.
async fn send_streaming(
    cfg: &ProviderConfig,
    http: &HttpRequest,
    abort: &Abort,
    stall_ms: u32,
    on_event: &mut dyn FnMut(ChatEvent) -> bool,
) -> Result<(), ProviderError> {
    let host = host_of(&http.url);
    // A chat call also needs a model name (a model list, `list_models`, does not).
    if let Some(missing) = cfg.missing() {
        return Err(unset(cfg, missing));
    }
    let attempt = Attempt::new(abort);
    let response = open(cfg, http, &attempt, stall_ms).await?;
    let status = response.status();
    if !(200..300).contains(&status) {
        let body = read_text(&response).await;
        return Err(classify_http_error(
            cfg.kind,
            &host,
            status,
            &body,
            retry_after(&response),
        ));
    }
    let content_type = response
        .headers()
        .get("content-type")
        .ok()
        .flatten()
        .unwrap_or_default();
    if content_type.contains("application/json") {
        // A server that ignored `stream: true`, or an error with a 200 status.
        let body = read_text(&response).await;
        let detail =
            provider_message(&body).unwrap_or_else(|| format!("expected a stream, got: {body}"));
        return Err(ProviderError::new(
            ErrorKind::Malformed,
            cfg.kind,
            &host,
            Some(status),
            &detail,
        ));
    }
    let Some(body) = response.body() else {
        return Err(ProviderError::new(
            ErrorKind::Truncated,
            cfg.kind,
            &host,
            Some(status),
            "the reply had no body",
        ));
    };
    let reader: web_sys::ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let mut decoder = StreamDecoder::new(cfg.kind, &host);
    loop {
        let chunk = match JsFuture::from(reader.read()).await {
            Ok(c) => c,
            Err(e) => {
                // The stream failed (or was aborted): there is nothing to cancel, and
                // `cancel()` would reject with the same error, unheard (tryout 88: "Uncaught (in
                // promise) AbortError: signal is aborted without reason" after every Stop).
                return Err(attempt.cut_short(cfg, &host, stall_ms).unwrap_or_else(|| {
                    ProviderError::new(
                        ErrorKind::Truncated,
                        cfg.kind,
                        &host,
                        Some(status),
                        &js_text(&e),
                    )
                }));
            }
        };
        attempt.arm(stall_ms);
        let done = Reflect::get(&chunk, &JsValue::from_str("done"))
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true);
        let events = if done {
            decoder.finish()
        } else {
            let value =
                Reflect::get(&chunk, &JsValue::from_str("value")).unwrap_or(JsValue::UNDEFINED);
            decoder.feed(&Uint8Array::new(&value).to_vec())
        };
        for ev in events {
            if let ChatEvent::Error(mut e) = ev {
                cancel_quietly(&reader);
                // A frame that does not read came with the reply's success status: said, and
                // read as a reply the server sent (`ProviderError::ended_after_sending`).
                if e.kind == ErrorKind::Malformed && e.status.is_none() {
                    e.status = Some(status);
                }
                return Err(e);
            }
            // `false`: read no further (a reply past its cap, `stream_chat`): the stream is
            // cancelled and its request ended, so the server stops writing.
            if !on_event(ev) {
                cancel_quietly(&reader);
                attempt.controller.abort();
                return Ok(());
            }
        }
        if done {
            return Ok(());
        }
    }
}

/// Cancels a stream's reader and hears how the cancel ends: a stream that fails meanwhile
/// (an abort) rejects the cancel's promise, which unheard is an error in the console.
fn cancel_quietly(reader: &web_sys::ReadableStreamDefaultReader) {
    let done = JsFuture::from(reader.cancel());
    wasm_bindgen_futures::spawn_local(async move {
        let _ = done.await;
    });
}

/// The wait a server asked for, in ms, when the browser may read it (`retry-after-ms`, else
/// `retry-after` in seconds or as an HTTP date); a cross-origin server must expose the header.
fn retry_after(response: &Response) -> Option<u32> {
    let headers = response.headers();
    let now = js_sys::Date::now();
    headers
        .get("retry-after-ms")
        .ok()
        .flatten()
        .and_then(|ms| parse_retry_after(&format!("{ms}ms"), now))
        .or_else(|| {
            let v = headers.get("retry-after").ok().flatten()?;
            parse_retry_after(&v, now)
        })
}

async fn read_text(response: &Response) -> String {
    match response.text() {
        Ok(p) => JsFuture::from(p)
            .await
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// Lists the provider's models (its model-list endpoint), following its pages to the end
/// (Gemini's `nextPageToken`, Anthropic's `after_id`; see `ModelPager`).
pub async fn list_models(
    cfg: &ProviderConfig,
    key: Option<&ApiKey>,
    timeout_ms: u32,
) -> Result<Vec<ModelInfo>, ProviderError> {
    let mut pager = ModelPager::default();
    let mut cursor: Option<String> = None;
    loop {
        let http = build_models_page_request(cfg, key, cursor.as_deref());
        let page = list_models_page(cfg, &http, timeout_ms)
            .await
            .map_err(|e| scrub(e, key))?;
        match pager.add(page) {
            Some(next) => cursor = Some(next),
            None => return Ok(pager.finish()),
        }
    }
}

async fn list_models_page(
    cfg: &ProviderConfig,
    http: &HttpRequest,
    timeout_ms: u32,
) -> Result<ModelPage, ProviderError> {
    let host = host_of(&http.url);
    let abort = Abort::new();
    let attempt = Attempt::new(&abort);
    let response = open(cfg, http, &attempt, timeout_ms).await?;
    let status = response.status();
    let body = read_text(&response).await;
    if !(200..300).contains(&status) {
        // No model was asked for: a 404 here means nothing is at the address.
        return Err(classify_models_error(
            cfg.kind,
            &http.url,
            status,
            &body,
            retry_after(&response),
        ));
    }
    parse_models_page(cfg.kind, &body)
        .map_err(|d| ProviderError::new(ErrorKind::Malformed, cfg.kind, &host, Some(status), &d))
}
