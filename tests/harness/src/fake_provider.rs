//! A scripted fake model provider on 127.0.0.1 that speaks the OpenAI chat-completions, Anthropic
//! Messages and Gemini wire formats (streaming, model lists, error bodies), injects faults on
//! demand, and records every request it receives (for the key-leak tests).
//!
//! Base URLs: `http://ADDR/openai/v1`, `http://ADDR/anthropic/v1`, `http://ADDR/gemini/v1beta`.
//! Control: in-process through [`FakeProvider`], or over HTTP (`POST /__control` with a
//! [`Control`] body, `GET /__requests`) for the `fake-provider` binary.
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State as AxState};
use axum::http::{HeaderMap, HeaderValue, Method, Response, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

/// A fault to inject into the next request that asks for a reply (or a model list).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "fault", rename_all = "snake_case")]
pub enum Fault {
    /// An HTTP error with the provider's error body. `retry_after` is sent as a header, readable by
    /// the page only when `expose` is true (Access-Control-Expose-Headers).
    Status {
        code: u16,
        message: String,
        kind: Option<String>,
        retry_after: Option<String>,
        expose: bool,
    },
    /// Sends `after_chunks` text chunks, then nothing (connection kept open).
    Stall { after_chunks: usize },
    /// Sends nothing, not even the response's headers, holding the connection (up to 120 s):
    /// a provider that never starts to answer.
    Hang,
    /// Sends `after_chunks` text chunks, then closes without the final event.
    Truncate { after_chunks: usize },
    /// Sends a frame that is not JSON.
    Malformed,
    /// Sends one chunk, then the provider's in-stream error (Anthropic `error` event, an error
    /// object in an OpenAI-compatible 200 stream, a Gemini error frame).
    StreamError { message: String },
    /// Answers without CORS headers: the browser refuses to read it (like a wrong address).
    NoCors,
    /// Refuses in the provider's own way: OpenAI `delta.refusal` pieces with `content: null`,
    /// Anthropic `stop_reason: "refusal"` with `stop_details.explanation`, Gemini
    /// `finishReason: "SAFETY"` with its `finishMessage`.
    Refusal { explanation: String },
    /// [`Fault::Refusal`], ended as a safety filter ends it in the OpenAI format:
    /// `finish_reason: "content_filter"` after the refusal's pieces (the other formats as
    /// [`Fault::Refusal`]).
    FilteredRefusal { explanation: String },
    /// Sends the reply's text, then stops as at the output token limit (`length`, `max_tokens`,
    /// `MAX_TOKENS`).
    MaxTokens,
}

impl Fault {
    pub fn status(code: u16, message: &str) -> Self {
        Self::Status {
            code,
            message: message.into(),
            kind: None,
            retry_after: None,
            expose: false,
        }
    }
}

/// One request as received.
#[derive(Debug, Clone, Serialize)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Milliseconds since the fake started.
    pub at_ms: u64,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the HTTP control endpoint accepts.
#[derive(Debug, Default, Deserialize)]
pub struct Control {
    #[serde(default)]
    pub faults: Vec<Fault>,
    #[serde(default)]
    pub replies: Vec<String>,
    pub chunk_delay_ms: Option<u64>,
    pub latency_ms: Option<u64>,
    /// More model names to serve (listed and answering), e.g. `gpt-4o-mini`, whose list price
    /// the app knows.
    #[serde(default)]
    pub models: Vec<String>,
    /// Report usage at the most a request could use ([`FakeProvider::bill_max`]).
    pub bill_max: Option<bool>,
}

#[derive(Debug)]
struct Script {
    faults: VecDeque<Fault>,
    replies: VecDeque<String>,
    default_reply: String,
    /// Characters per streamed chunk.
    chunk_chars: usize,
    chunk_delay: Duration,
    /// Wait before answering at all.
    latency: Duration,
    models: Vec<String>,
    requests: Vec<Recorded>,
    /// Replies and faults chosen by what the request says (checked before the queues).
    rules: Vec<Rule>,
    /// Report the most a request could use (every byte of its text as an input token,
    /// [`text_bytes`], its output cap as output tokens) instead of about a quarter of the body:
    /// a provider billing above any average estimate.
    bill_max: bool,
    /// Chat requests (POST) being answered now, and the most there were at once.
    in_flight: u32,
    peak_in_flight: u32,
}

/// A chat request being answered: counted in `in_flight` until dropped (when its reply, streamed
/// or not, has been handed over whole).
struct Answering(Arc<Mutex<Script>>);

impl Answering {
    fn new(script: &Arc<Mutex<Script>>) -> Self {
        let mut s = script.lock().unwrap();
        s.in_flight += 1;
        s.peak_in_flight = s.peak_in_flight.max(s.in_flight);
        drop(s);
        Self(script.clone())
    }
}

impl Drop for Answering {
    fn drop(&mut self) {
        if let Ok(mut s) = self.0.lock() {
            s.in_flight = s.in_flight.saturating_sub(1);
        }
    }
}

/// A reply or fault for requests whose body contains a text: lets concurrent requests get
/// deterministic answers whatever order they arrive in.
#[derive(Debug, Clone)]
struct Rule {
    contains: String,
    reply: Option<String>,
    fault: Option<Fault>,
    /// How many more requests it applies to (`None`: all).
    remaining: Option<u32>,
}

#[derive(Clone)]
struct Shared {
    script: Arc<Mutex<Script>>,
    started: Instant,
}

/// A running fake provider; stops when dropped.
pub struct FakeProvider {
    pub addr: SocketAddr,
    /// Served over TLS with HTTP/2 (a self-signed certificate): no per-host connection cap.
    tls: bool,
    shared: Shared,
    task: tokio::task::JoinHandle<()>,
}

/// The wire format a path asks for.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Wire {
    OpenAi,
    Anthropic,
    Gemini,
}

impl FakeProvider {
    /// Starts on a free port of 127.0.0.1.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_on("127.0.0.1:0").await
    }

    pub async fn start_on(bind: &str) -> std::io::Result<Self> {
        let shared = Shared {
            script: Arc::new(Mutex::new(Script {
                faults: VecDeque::new(),
                replies: VecDeque::new(),
                default_reply: "Hello from the fake provider! Nice to meet you.".into(),
                chunk_chars: 6,
                chunk_delay: Duration::from_millis(15),
                latency: Duration::ZERO,
                models: vec![
                    "fake-large".into(),
                    "fake-mini".into(),
                    "fake-reasoner".into(),
                ],
                requests: Vec::new(),
                rules: Vec::new(),
                bill_max: false,
                in_flight: 0,
                peak_in_flight: 0,
            })),
            started: Instant::now(),
        };
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind(bind).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            // No Nagle delay on small frames (it adds ~40 ms per streamed reply).
            let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
                let _ = tcp.set_nodelay(true);
            });
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            addr,
            tls: false,
            shared,
            task,
        })
    }

    /// Starts on a free port over HTTPS with HTTP/2, like the real providers. Browsers open at
    /// most 6 HTTP/1.1 connections per host, which would cap a parallel run at 6 streams; over
    /// HTTP/2 they share one connection. The certificate is self-signed: start Chromium with
    /// `--ignore-certificate-errors`.
    pub async fn start_tls() -> std::io::Result<Self> {
        use hyper_util::rt::{TokioExecutor, TokioIo};
        use hyper_util::service::TowerToHyperService;
        let mut fake = Self::start_on("127.0.0.1:0").await?;
        fake.task.abort();
        let app = Router::new()
            .fallback(handle)
            .with_state(fake.shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        fake.addr = listener.local_addr()?;
        fake.tls = true;
        let err = |e: &dyn std::fmt::Display| std::io::Error::other(e.to_string());
        let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()])
            .map_err(|e| err(&e))?;
        let key = rustls::pki_types::PrivatePkcs8KeyDer::from(cert.key_pair.serialize_der());
        let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| err(&e))?
        .with_no_client_auth()
        .with_single_cert(vec![cert.cert.der().clone()], key.into())
        .map_err(|e| err(&e))?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        fake.task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                // Without this, Nagle's algorithm and delayed ACKs add ~40 ms to small frames.
                let _ = tcp.set_nodelay(true);
                let acceptor = acceptor.clone();
                let app = app.clone();
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(tls), TowerToHyperService::new(app))
                        .await;
                });
            }
        });
        Ok(fake)
    }

    fn scheme(&self) -> &'static str {
        if self.tls { "https" } else { "http" }
    }

    /// Its host as the page names it: `127.0.0.1:PORT`.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    pub fn openai_url(&self) -> String {
        format!("{}://{}/openai/v1", self.scheme(), self.addr)
    }
    pub fn anthropic_url(&self) -> String {
        format!("{}://{}/anthropic/v1", self.scheme(), self.addr)
    }
    pub fn gemini_url(&self) -> String {
        format!("{}://{}/gemini/v1beta", self.scheme(), self.addr)
    }

    fn with<R>(&self, f: impl FnOnce(&mut Script) -> R) -> R {
        f(&mut self.shared.script.lock().unwrap())
    }

    /// Queues faults for the next requests (one fault per request).
    pub fn push_faults(&self, faults: impl IntoIterator<Item = Fault>) {
        self.with(|s| s.faults.extend(faults));
    }

    /// Queues reply texts for the next successful calls (then the default reply).
    pub fn push_replies(&self, replies: impl IntoIterator<Item = String>) {
        self.with(|s| s.replies.extend(replies));
    }

    /// Replies with `reply` to every request whose body contains `contains` (first rule wins).
    pub fn reply_when(&self, contains: &str, reply: &str) {
        self.with(|s| {
            s.rules.push(Rule {
                contains: contains.to_owned(),
                reply: Some(reply.to_owned()),
                fault: None,
                remaining: None,
            })
        });
    }

    /// Replies with `reply` to the next `times` requests whose body contains `contains`, before
    /// any other rule.
    pub fn reply_next_when(&self, contains: &str, reply: &str, times: u32) {
        self.with(|s| {
            s.rules.insert(
                0,
                Rule {
                    contains: contains.to_owned(),
                    reply: Some(reply.to_owned()),
                    fault: None,
                    remaining: Some(times),
                },
            )
        });
    }

    /// Injects `fault` into the next `times` requests whose body contains `contains`.
    pub fn fault_when(&self, contains: &str, fault: Fault, times: u32) {
        self.with(|s| {
            s.rules.insert(
                0,
                Rule {
                    contains: contains.to_owned(),
                    reply: None,
                    fault: Some(fault),
                    remaining: Some(times),
                },
            )
        });
    }

    pub fn clear_rules(&self) {
        self.with(|s| s.rules.clear());
    }

    pub fn set_default_reply(&self, text: &str) {
        self.with(|s| s.default_reply = text.to_owned());
    }

    /// Serves one more model name (listed and answering), e.g. a long one for layout tests.
    pub fn add_model(&self, name: &str) {
        self.with(|s| s.models.push(name.to_owned()));
    }

    /// Reports usage at the most a request could use (see `Script::bill_max`).
    pub fn bill_max(&self, on: bool) {
        self.shared.script.lock().unwrap().bill_max = on;
    }

    pub fn set_timing(&self, latency_ms: u64, chunk_delay_ms: u64, chunk_chars: usize) {
        self.with(|s| {
            s.latency = Duration::from_millis(latency_ms);
            s.chunk_delay = Duration::from_millis(chunk_delay_ms);
            s.chunk_chars = chunk_chars.max(1);
        });
    }

    /// The most chat requests (POST) that were being answered at once since the start or the
    /// last [`FakeProvider::reset_peak`].
    pub fn peak_in_flight(&self) -> u32 {
        self.with(|s| s.peak_in_flight)
    }

    /// Starts counting [`FakeProvider::peak_in_flight`] again from the requests under way now.
    pub fn reset_peak(&self) {
        self.with(|s| s.peak_in_flight = s.in_flight);
    }

    /// Every request received so far (including CORS preflights).
    pub fn requests(&self) -> Vec<Recorded> {
        self.with(|s| s.requests.clone())
    }

    /// Requests that asked for a reply (not preflights, not model lists).
    pub fn chat_requests(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == "POST")
            .collect()
    }

    pub fn clear(&self) {
        self.with(|s| {
            s.faults.clear();
            s.replies.clear();
            s.requests.clear();
        });
    }
}

impl Drop for FakeProvider {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn cors(headers: &mut HeaderMap, req_headers: Option<&HeaderValue>, expose: bool) {
    headers.insert("access-control-allow-origin", HeaderValue::from_static("*"));
    headers.insert(
        "access-control-allow-methods",
        HeaderValue::from_static("GET, POST, OPTIONS"),
    );
    headers.insert(
        "access-control-allow-headers",
        req_headers
            .cloned()
            .unwrap_or_else(|| HeaderValue::from_static("content-type, authorization")),
    );
    headers.insert("access-control-max-age", HeaderValue::from_static("0"));
    if expose {
        headers.insert(
            "access-control-expose-headers",
            HeaderValue::from_static("retry-after"),
        );
    }
}

fn json_response(
    status: StatusCode,
    body: Value,
    cors_on: bool,
    extra: &[(&'static str, String)],
    expose: bool,
) -> Response<Body> {
    let mut r = Response::new(Body::from(body.to_string()));
    *r.status_mut() = status;
    r.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    for (k, v) in extra {
        r.headers_mut()
            .insert(*k, HeaderValue::from_str(v).unwrap());
    }
    if cors_on {
        cors(r.headers_mut(), None, expose);
    }
    r
}

/// The first live rule of a kind matching a body (its use is counted).
fn rule_for(s: &mut Script, body: &str, kind: impl Fn(&Rule) -> bool) -> Option<Rule> {
    let i = s
        .rules
        .iter()
        .position(|r| kind(r) && r.remaining != Some(0) && body.contains(&r.contains))?;
    let r = &mut s.rules[i];
    if let Some(n) = &mut r.remaining {
        *n -= 1;
    }
    Some(r.clone())
}

async fn handle(AxState(shared): AxState<Shared>, req: Request) -> Response<Body> {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or("").to_owned();
    let headers = req.headers().clone();
    let body = axum::body::to_bytes(req.into_body(), 16 << 20)
        .await
        .unwrap_or_default();
    let body_text = String::from_utf8_lossy(&body).into_owned();
    shared.script.lock().unwrap().requests.push(Recorded {
        method: method.to_string(),
        path: path.clone(),
        query: query.clone(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
            .collect(),
        body: body_text.clone(),
        at_ms: shared.started.elapsed().as_millis() as u64,
    });

    if method == Method::OPTIONS {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::NO_CONTENT;
        cors(
            r.headers_mut(),
            headers.get("access-control-request-headers"),
            true,
        );
        return r;
    }
    if path == "/__control" {
        // A body that does not read is refused with why, not taken as empty (tryout 81: a
        // fault written wrongly dropped the whole body, replies too, under {"ok": true}).
        let c: Control = match serde_json::from_str(&body_text) {
            Ok(c) => c,
            Err(e) => {
                return json_response(
                    StatusCode::BAD_REQUEST,
                    json!({"ok": false, "error": format!("the control body does not read: {e}")}),
                    true,
                    &[],
                    false,
                );
            }
        };
        let mut s = shared.script.lock().unwrap();
        s.faults.extend(c.faults);
        s.replies.extend(c.replies);
        if let Some(ms) = c.chunk_delay_ms {
            s.chunk_delay = Duration::from_millis(ms);
        }
        if let Some(ms) = c.latency_ms {
            s.latency = Duration::from_millis(ms);
        }
        for m in c.models {
            if !s.models.contains(&m) {
                s.models.push(m);
            }
        }
        if let Some(on) = c.bill_max {
            s.bill_max = on;
        }
        return json_response(StatusCode::OK, json!({"ok": true}), true, &[], false);
    }
    if path == "/__requests" {
        let reqs = shared.script.lock().unwrap().requests.clone();
        return json_response(
            StatusCode::OK,
            serde_json::to_value(reqs).unwrap(),
            true,
            &[],
            false,
        );
    }

    // The wire format is named by a path segment (anywhere, so that an address with a prefix,
    // such as `/@api.openai.com/openai/v1`, reaches it too).
    let wire = if path.contains("/anthropic/") {
        Wire::Anthropic
    } else if path.contains("/gemini/") {
        Wire::Gemini
    } else if path.contains("/openai/") {
        Wire::OpenAi
    } else {
        return json_response(
            StatusCode::NOT_FOUND,
            json!({"error": {"message": "no such route"}}),
            true,
            &[],
            false,
        );
    };
    // Counted from here (the wait before answering is part of the call) until the reply is whole.
    let answering = (method == Method::POST).then(|| Answering::new(&shared.script));
    let (fault, latency, models) = {
        let mut s = shared.script.lock().unwrap();
        let ruled = rule_for(&mut s, &body_text, |r| r.fault.is_some()).and_then(|r| r.fault);
        let fault = ruled.or_else(|| s.faults.pop_front());
        (fault, s.latency, s.models.clone())
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if fault == Some(Fault::Hang) {
        tokio::time::sleep(Duration::from_secs(120)).await;
        return json_response(
            StatusCode::GATEWAY_TIMEOUT,
            json!({"error": {"message": "hung"}}),
            true,
            &[],
            false,
        );
    }
    let cors_on = fault != Some(Fault::NoCors);

    if let Some(Fault::Status {
        code,
        message,
        kind,
        retry_after,
        expose,
    }) = &fault
    {
        let status = StatusCode::from_u16(*code).unwrap();
        let kind = kind
            .clone()
            .unwrap_or_else(|| default_error_type(wire, *code).to_owned());
        let body = error_body(wire, *code, &kind, message);
        let extra: Vec<(&'static str, String)> = retry_after
            .iter()
            .map(|v| ("retry-after", v.clone()))
            .collect();
        return json_response(status, body, true, &extra, *expose);
    }

    if method == Method::GET && path.ends_with("/models") {
        let list = match wire {
            Wire::Gemini => {
                json!({"models": models.iter().map(|m| json!({"name": format!("models/{m}"), "displayName": m, "supportedGenerationMethods": ["generateContent"]})).collect::<Vec<_>>()})
            }
            Wire::Anthropic => {
                json!({"data": models.iter().map(|m| json!({"type": "model", "id": m, "display_name": m})).collect::<Vec<_>>(), "has_more": false})
            }
            Wire::OpenAi => {
                json!({"object": "list", "data": models.iter().map(|m| json!({"id": m, "object": "model"})).collect::<Vec<_>>()})
            }
        };
        return json_response(StatusCode::OK, list, cors_on, &[], false);
    }

    if method != Method::POST {
        return json_response(
            StatusCode::METHOD_NOT_ALLOWED,
            json!({"error": {"message": "use POST"}}),
            true,
            &[],
            false,
        );
    }
    let request: Value = serde_json::from_str(&body_text).unwrap_or(Value::Null);
    let model = match wire {
        Wire::Gemini => path
            .rsplit('/')
            .next()
            .unwrap_or("")
            .split(':')
            .next()
            .unwrap_or("")
            .to_owned(),
        _ => request["model"].as_str().unwrap_or("").to_owned(),
    };
    if !models.contains(&model) {
        let body = error_body(
            wire,
            404,
            default_error_type(wire, 404),
            &format!("The model `{model}` does not exist"),
        );
        return json_response(StatusCode::NOT_FOUND, body, true, &[], false);
    }
    let (text, chunk_chars, delay) = {
        let mut s = shared.script.lock().unwrap();
        let t = match rule_for(&mut s, &body_text, |r| r.reply.is_some()).and_then(|r| r.reply) {
            Some(t) => t,
            None => s
                .replies
                .pop_front()
                .unwrap_or_else(|| s.default_reply.clone()),
        };
        (t, s.chunk_chars, s.chunk_delay)
    };
    let chunks: Vec<String> = {
        let chars: Vec<char> = text.chars().collect();
        chars
            .chunks(chunk_chars)
            .map(|c| c.iter().collect())
            .collect()
    };
    let bill_max = shared.script.lock().unwrap().bill_max;
    let (input_tokens, billed_output) = if bill_max {
        let cap = ["max_tokens", "max_completion_tokens"]
            .iter()
            .find_map(|k| request[*k].as_u64())
            .or_else(|| {
                request
                    .pointer("/generationConfig/maxOutputTokens")
                    .and_then(Value::as_u64)
            })
            .unwrap_or(chunks.len() as u64);
        (text_bytes(&request) as u32, Some(cap as u32))
    } else {
        ((body_text.len() / 4) as u32, None)
    };
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(64);
    tokio::spawn(async move {
        stream_reply(
            wire,
            model,
            chunks,
            delay,
            fault,
            (input_tokens, billed_output),
            tx,
        )
        .await;
        drop(answering);
    });
    let mut r = Response::new(Body::from_stream(ReceiverStream::new(rx)));
    r.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("text/event-stream"),
    );
    r.headers_mut()
        .insert("cache-control", HeaderValue::from_static("no-cache"));
    if cors_on {
        cors(r.headers_mut(), None, false);
    }
    r
}

fn default_error_type(wire: Wire, code: u16) -> &'static str {
    match (wire, code) {
        (Wire::Anthropic, 401) => "authentication_error",
        (Wire::Anthropic, 403) => "permission_error",
        (Wire::Anthropic, 404) => "not_found_error",
        (Wire::Anthropic, 413) => "request_too_large",
        (Wire::Anthropic, 429) => "rate_limit_error",
        (Wire::Anthropic, 529) => "overloaded_error",
        (Wire::Anthropic, 500..) => "api_error",
        (Wire::Anthropic, _) => "invalid_request_error",
        (Wire::Gemini, 400) => "INVALID_ARGUMENT",
        (Wire::Gemini, 401 | 403) => "PERMISSION_DENIED",
        (Wire::Gemini, 404) => "NOT_FOUND",
        (Wire::Gemini, 429) => "RESOURCE_EXHAUSTED",
        (Wire::Gemini, 503) => "UNAVAILABLE",
        (Wire::Gemini, _) => "INTERNAL",
        (Wire::OpenAi, 401) => "invalid_api_key",
        (Wire::OpenAi, 429) => "rate_limit_exceeded",
        (Wire::OpenAi, 404) => "model_not_found",
        (Wire::OpenAi, _) => "server_error",
    }
}

/// The error body each provider documents.
fn error_body(wire: Wire, code: u16, kind: &str, message: &str) -> Value {
    match wire {
        Wire::OpenAi => {
            json!({"error": {"message": message, "type": kind, "code": kind, "param": null}})
        }
        Wire::Anthropic => json!({"type": "error", "error": {"type": kind, "message": message}}),
        Wire::Gemini => {
            let mut e = json!({"error": {"code": code, "message": message, "status": kind}});
            if message.contains("API key not valid") {
                e["error"]["details"] = json!([{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}]);
            }
            e
        }
    }
}

type Tx = mpsc::Sender<Result<Bytes, std::io::Error>>;

async fn send(tx: &Tx, s: String) -> bool {
    tx.send(Ok(Bytes::from(s))).await.is_ok()
}

fn openai_frame(model: &str, delta: Value, finish: Value, extra: Option<(&str, Value)>) -> String {
    let mut v = json!({"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0, "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
    if let Some((k, x)) = extra {
        v[k] = x;
    }
    format!("data: {v}\n\n")
}

fn anthropic_frame(name: &str, data: Value) -> String {
    format!("event: {name}\ndata: {data}\n\n")
}

async fn stream_reply(
    wire: Wire,
    model: String,
    chunks: Vec<String>,
    delay: Duration,
    fault: Option<Fault>,
    (input_tokens, billed_output): (u32, Option<u32>),
    tx: Tx,
) {
    let cut_after = match &fault {
        Some(Fault::Stall { after_chunks }) | Some(Fault::Truncate { after_chunks }) => {
            Some(*after_chunks)
        }
        Some(Fault::StreamError { .. }) => Some(1),
        _ => None,
    };
    let output_tokens = billed_output.unwrap_or(chunks.len() as u32);
    // A refusal sends no reply text.
    let chunks = if matches!(
        fault,
        Some(Fault::Refusal { .. } | Fault::FilteredRefusal { .. })
    ) {
        Vec::new()
    } else {
        chunks
    };
    // Opening frames.
    let opening = match wire {
        Wire::OpenAi => openai_frame(
            &model,
            json!({"role": "assistant", "content": ""}),
            Value::Null,
            None,
        ),
        Wire::Anthropic => {
            anthropic_frame(
                "message_start",
                json!({"type": "message_start", "message": {"id": "msg_fake", "type": "message", "role": "assistant", "content": [], "model": model, "stop_reason": null, "usage": {"input_tokens": input_tokens, "output_tokens": 1}}}),
            ) + &anthropic_frame(
                "content_block_start",
                json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
            ) + &anthropic_frame("ping", json!({"type": "ping"}))
        }
        Wire::Gemini => String::new(),
    };
    let opening = if matches!(wire, Wire::OpenAi) {
        format!(": keep-alive comment\n\n{opening}")
    } else {
        opening
    };
    if !opening.is_empty() && !send(&tx, opening).await {
        return;
    }
    if fault == Some(Fault::Malformed) {
        let _ = send(
            &tx,
            "data: <html><body>502 Bad Gateway</body></html>\n\n".into(),
        )
        .await;
        return;
    }
    for (i, c) in chunks.iter().enumerate() {
        if Some(i) == cut_after {
            break;
        }
        tokio::time::sleep(delay).await;
        let frame = match wire {
            Wire::OpenAi => openai_frame(&model, json!({"content": c}), Value::Null, None),
            Wire::Anthropic => anthropic_frame(
                "content_block_delta",
                json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": c}}),
            ),
            Wire::Gemini => format!(
                "data: {}\r\n\r\n",
                json!({"candidates": [{"content": {"parts": [{"text": c}], "role": "model"}, "index": 0}], "usageMetadata": {"promptTokenCount": input_tokens, "candidatesTokenCount": i + 1}})
            ),
        };
        if !send(&tx, frame).await {
            return;
        }
    }
    match fault {
        Some(Fault::Stall { .. }) => {
            // Keep the connection open and silent until the client gives up (bounded).
            tokio::time::sleep(Duration::from_secs(120)).await;
            return;
        }
        Some(Fault::Truncate { .. }) => return,
        Some(Fault::Refusal { ref explanation } | Fault::FilteredRefusal { ref explanation }) => {
            let finish = if matches!(fault, Some(Fault::FilteredRefusal { .. })) {
                "content_filter"
            } else {
                "stop"
            };
            let frames = match wire {
                Wire::OpenAi => {
                    // In pieces, with `content: null`, as OpenAI streams a refusal.
                    let words: Vec<&str> = explanation.split_inclusive(' ').collect();
                    let mut f: String = words
                        .iter()
                        .map(|w| {
                            openai_frame(
                                &model,
                                json!({"content": null, "refusal": w}),
                                Value::Null,
                                None,
                            )
                        })
                        .collect();
                    f += &openai_frame(&model, json!({}), json!(finish), None);
                    f + "data: [DONE]\n\n"
                }
                Wire::Anthropic => {
                    anthropic_frame(
                        "content_block_stop",
                        json!({"type": "content_block_stop", "index": 0}),
                    ) + &anthropic_frame(
                        "message_delta",
                        json!({"type": "message_delta", "delta": {"stop_reason": "refusal", "stop_sequence": null, "stop_details": {"type": "refusal", "explanation": explanation}}, "usage": {"output_tokens": 2}}),
                    ) + &anthropic_frame("message_stop", json!({"type": "message_stop"}))
                }
                Wire::Gemini => format!(
                    "data: {}\r\n\r\n",
                    json!({"candidates": [{"content": {"parts": [], "role": "model"}, "finishReason": "SAFETY", "finishMessage": explanation, "index": 0, "safetyRatings": [{"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH"}]}], "usageMetadata": {"promptTokenCount": input_tokens, "candidatesTokenCount": 0}})
                ),
            };
            let _ = send(&tx, frames).await;
            return;
        }
        Some(Fault::StreamError { message }) => {
            let frame = match wire {
                Wire::OpenAi => openai_frame(
                    &model,
                    json!({"content": ""}),
                    json!("error"),
                    Some(("error", json!({"code": 502, "message": message}))),
                ),
                Wire::Anthropic => anthropic_frame(
                    "error",
                    json!({"type": "error", "error": {"type": "overloaded_error", "message": message}}),
                ),
                Wire::Gemini => format!(
                    "data: {}\n\n",
                    json!({"error": {"code": 500, "message": message, "status": "INTERNAL"}})
                ),
            };
            let _ = send(&tx, frame).await;
            return;
        }
        _ => {}
    }
    let cut = fault == Some(Fault::MaxTokens);
    let closing = match wire {
        Wire::OpenAi => {
            openai_frame(
                &model,
                json!({}),
                json!(if cut { "length" } else { "stop" }),
                None,
            ) + &format!(
                "data: {}\n\n",
                json!({"id": "chatcmpl-fake", "object": "chat.completion.chunk", "model": model, "choices": [], "usage": {"prompt_tokens": input_tokens, "completion_tokens": output_tokens, "total_tokens": input_tokens + output_tokens}})
            ) + "data: [DONE]\n\n"
        }
        Wire::Anthropic => {
            anthropic_frame(
                "content_block_stop",
                json!({"type": "content_block_stop", "index": 0}),
            ) + &anthropic_frame(
                "message_delta",
                json!({"type": "message_delta", "delta": {"stop_reason": if cut { "max_tokens" } else { "end_turn" }, "stop_sequence": null}, "usage": {"output_tokens": output_tokens}}),
            ) + &anthropic_frame("message_stop", json!({"type": "message_stop"}))
        }
        Wire::Gemini => format!(
            "data: {}\r\n\r\n",
            json!({"candidates": [{"content": {"parts": [{"text": ""}], "role": "model"}, "finishReason": if cut { "MAX_TOKENS" } else { "STOP" }, "index": 0}], "usageMetadata": {"promptTokenCount": input_tokens, "candidatesTokenCount": output_tokens}})
        ),
    };
    let _ = send(&tx, closing).await;
}

/// The bytes of every text in a request's JSON (its messages, system text, schema, model and
/// field names), as UTF-8, and its numbers' digits: the most any tokenizer can make of it, one
/// token a byte. The text as the provider reads it, decoded: JSON's escapes are the transport's
/// (`\u0001` is six bytes on the wire, one of text), which no provider bills (tryout 86 billed
/// the body as sent, and a request of control characters, quotes and backslashes went past the
/// page's bound, which counts the text).
pub fn text_bytes(v: &Value) -> usize {
    match v {
        Value::String(s) => s.len(),
        Value::Number(n) => n.to_string().len(),
        Value::Array(items) => items.iter().map(text_bytes).sum(),
        Value::Object(map) => map.iter().map(|(k, v)| k.len() + text_bytes(v)).sum(),
        Value::Bool(_) | Value::Null => 0,
    }
}
