//! Turns a provider's streamed reply (SSE frames) into one event type shared by all providers.
use serde_json::Value;

use super::error::classify_stream_error;
use super::{ErrorKind, ProviderError, ProviderKind, Wire};
use crate::domain::sse::{SseDecoder, SseEvent};

/// Tokens counted by the provider. `output_tokens` is everything billed as output: the reply plus
/// thinking/reasoning tokens (Gemini reports those apart as `thoughtsTokenCount` and they are added
/// here; OpenAI's `completion_tokens` and Anthropic's `output_tokens` already include them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    pub input_tokens: u32,
    pub output_tokens: u32,
}

/// A finished reply: what a call returns when it ends well (`net::chat`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Completion {
    /// The reply's text, whole.
    pub text: String,
    /// The provider's last token counts; zero when it reported none.
    pub usage: Usage,
    /// Why the model stopped, when the provider said.
    pub stop: Option<StopReason>,
    /// The refusal's pieces joined, when the model declined.
    pub refusal: Option<String>,
    /// Milliseconds from sending the attempt that produced this reply to its end: failed
    /// attempts and the waits before retries are not in it (the `latency` check reads this).
    pub attempt_ms: f64,
    /// Earlier attempts that ended after reaching the provider (a stall) and were sent again
    /// before this reply came: the provider may bill each one's prompt
    /// ([`crate::domain::provider::ProviderError::went_out_before`]).
    pub went_out_before: u32,
    /// The page stopped reading the reply at [`runaway_bytes`] of its request's output cap: the
    /// provider wrote on past the cap it was sent (some servers ignore `max_tokens`; tryout 111:
    /// 43,000 tokens against a cap of 1,500, and a loop spent 2.5 times its approved budget).
    /// The reply then reads as cut off at the token limit, and its usage is [`cut_usage`]'s bound.
    pub cut_past_cap: bool,
}

/// The most bytes (UTF-8) of a reply read for every output token its request allows: a reply
/// longer than this many bytes per token of its cap went past the cap in any tokenizer's count
/// (an English token averages about 4 bytes, a token of other scripts 3 to 4; one of more than 8
/// is rare, and a reply at its cap is cut there by a provider that keeps to it), so the
/// provider is not keeping to `max_tokens`, and the page stops reading it there.
pub const RUNAWAY_BYTES_PER_TOKEN: usize = 8;

/// Where the page stops reading a reply whose request has the output cap `max_tokens`, in bytes
/// of its text ([`RUNAWAY_BYTES_PER_TOKEN`] a token, and never under 2,000, so a small cap is
/// not cut at a few words); `None` with no cap.
pub fn runaway_bytes(max_tokens: u32) -> Option<usize> {
    (max_tokens > 0).then(|| (max_tokens as usize * RUNAWAY_BYTES_PER_TOKEN).max(2_000))
}

/// What a reply the page stopped reading ([`Completion::cut_past_cap`]) counts as used when the
/// provider reported nothing (its stream was cut before its usage came): the request's input
/// bound ([`crate::domain::estimate::request_bound`]) and every byte of the text read as a token
/// ([`crate::domain::estimate::token_bound`]), a count no tokenizer goes past for what arrived.
pub fn cut_usage(req: &super::ChatRequest, text: &str) -> Usage {
    let clamp = |n: u64| n.min(u64::from(u32::MAX)) as u32;
    Usage {
        input_tokens: clamp(crate::domain::estimate::request_bound(req).0),
        output_tokens: clamp(crate::domain::estimate::token_bound(text)),
    }
}

/// The refusal of an OpenAI-format reply that ended with `finish_reason: "content_filter"`.
pub const CONTENT_FILTERED: &str = "the provider's content filter stopped the reply";

/// Adds the text of a [`ChatEvent::Refusal`] to a reply's refusal so far (`acc`): the model's
/// own words, streamed in pieces (OpenAI's `delta.refusal`), join as they come; the filter's
/// note ([`CONTENT_FILTERED`]) after them is a sentence of its own (tryout 121: "I can't assist
/// with that.the provider's content filter stopped the reply").
pub fn add_refusal(acc: &mut String, piece: &str) {
    if piece == CONTENT_FILTERED && !acc.trim().is_empty() {
        let kept = acc.trim_end().len();
        acc.truncate(kept);
        if !acc.ends_with(['.', '!', '?', '\u{3002}']) {
            acc.push('.');
        }
        acc.push_str(" The provider's content filter stopped the reply.");
    } else {
        acc.push_str(piece);
    }
}

/// A failed call, with the text that had arrived before it failed (never thrown away).
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// What failed, for the page and for retries.
    pub error: ProviderError,
    /// The reply's text that arrived before the failure (often empty).
    pub partial: String,
}

/// Why the model stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// Finished normally.
    End,
    /// Hit the output token limit: the reply is cut short.
    MaxTokens,
    /// Stopped by the provider's safety filter.
    ContentFilter,
    /// Ended by a (forced) tool call.
    ToolUse,
    Other(String),
}

/// One thing that happened in a streamed reply, the same for every provider.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatEvent {
    /// More reply text (for structured output through a tool, more JSON).
    Text(String),
    /// Token counts so far (the last one wins).
    Usage(Usage),
    Stop(StopReason),
    /// The model declined to answer, or the provider's safety filter stopped the reply: a piece of
    /// the explanation. Pieces arrive in order and are joined (OpenAI streams `delta.refusal` in
    /// pieces; Anthropic and Gemini send one).
    Refusal(String),
    /// The stream failed; nothing more will come.
    Error(ProviderError),
}

/// Decodes one streamed reply. Feed bytes as they arrive; call [`finish`](Self::finish) at the end
/// (it reports a stream that ended before the reply was complete).
#[derive(Debug)]
pub struct StreamDecoder {
    provider: ProviderKind,
    host: String,
    sse: SseDecoder,
    /// A terminator was seen (`[DONE]`, `message_stop`) or a stop reason.
    complete: bool,
    failed: bool,
    input_tokens: u32,
}

impl StreamDecoder {
    pub fn new(provider: ProviderKind, host: &str) -> Self {
        Self {
            provider,
            host: host.to_owned(),
            sse: SseDecoder::new(),
            complete: false,
            failed: false,
            input_tokens: 0,
        }
    }

    pub fn feed(&mut self, bytes: &[u8]) -> Vec<ChatEvent> {
        let frames = self.sse.feed_bytes(bytes);
        self.frames(frames)
    }

    /// The stream closed: delivers what is left, and an error if the reply was not complete.
    pub fn finish(&mut self) -> Vec<ChatEvent> {
        let frames = self.sse.finish();
        // A frame cut off by the end of the stream is a cut-off reply, not a foreign format: the
        // settings were right, the connection ended early.
        let (whole, cut): (Vec<SseEvent>, Vec<SseEvent>) = frames.into_iter().partition(|f| {
            f.data.trim() == "[DONE]" || serde_json::from_str::<Value>(&f.data).is_ok()
        });
        let mut out = self.frames(whole);
        if !cut.is_empty() && !self.failed {
            self.failed = true;
            out.push(ChatEvent::Error(self.error(
                ErrorKind::Truncated,
                "the stream ended in the middle of a frame",
            )));
        }
        if !self.complete && !self.failed {
            self.failed = true;
            out.push(ChatEvent::Error(self.error(
                ErrorKind::Truncated,
                "the stream ended without its final event",
            )));
        }
        out
    }

    /// Whether the reply ended properly.
    pub fn is_complete(&self) -> bool {
        self.complete && !self.failed
    }

    fn error(&self, kind: ErrorKind, detail: &str) -> ProviderError {
        ProviderError::new(kind, self.provider, &self.host, None, detail)
    }

    fn frames(&mut self, frames: Vec<SseEvent>) -> Vec<ChatEvent> {
        let mut out = Vec::new();
        for f in frames {
            if self.failed {
                break;
            }
            match self.provider.wire() {
                Wire::OpenAi => self.openai(&f, &mut out),
                Wire::Anthropic => self.anthropic(&f, &mut out),
                Wire::Gemini => self.gemini(&f, &mut out),
            }
            if matches!(out.last(), Some(ChatEvent::Error(_))) {
                self.failed = true;
            }
        }
        out
    }

    fn parse(&self, f: &SseEvent, out: &mut Vec<ChatEvent>) -> Option<Value> {
        match serde_json::from_str::<Value>(&f.data) {
            Ok(v) => Some(v),
            Err(_) => {
                out.push(ChatEvent::Error(self.error(
                    ErrorKind::Malformed,
                    &format!("unreadable frame: {}", f.data),
                )));
                None
            }
        }
    }

    fn openai(&mut self, f: &SseEvent, out: &mut Vec<ChatEvent>) {
        if f.data.trim() == "[DONE]" {
            self.complete = true;
            return;
        }
        if f.data.trim().is_empty() {
            return;
        }
        let Some(v) = self.parse(f, out) else { return };
        // OpenRouter (and some compatibles) report failures inside a 200 stream.
        if let Some(err) = v.get("error") {
            out.push(ChatEvent::Error(classify_stream_error(
                self.provider,
                &self.host,
                err,
            )));
            return;
        }
        if let Some(choice) = v
            .get("choices")
            .and_then(Value::as_array)
            .and_then(|c| c.first())
        {
            let delta = &choice["delta"];
            // A chat streams `delta.content`; a plain completion streams `text`.
            if let Some(t) = delta
                .get("content")
                .or_else(|| choice.get("text"))
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
            {
                out.push(ChatEvent::Text(t.to_owned()));
            }
            if let Some(r) = delta
                .get("refusal")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
            {
                out.push(ChatEvent::Refusal(r.to_owned()));
            }
            if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
                self.complete = true;
                if reason == "error" {
                    out.push(ChatEvent::Error(self.error(
                        ErrorKind::InStream,
                        "the provider ended the reply with an error",
                    )));
                    return;
                }
                if reason == "content_filter" {
                    out.push(ChatEvent::Refusal(CONTENT_FILTERED.into()));
                }
                out.push(ChatEvent::Stop(match reason {
                    "stop" => StopReason::End,
                    "length" => StopReason::MaxTokens,
                    "content_filter" => StopReason::ContentFilter,
                    "tool_calls" | "function_call" => StopReason::ToolUse,
                    other => StopReason::Other(other.to_owned()),
                }));
            }
        }
        let usage = v
            .get("usage")
            .filter(|u| u.is_object())
            .or_else(|| v.pointer("/x_groq/usage"));
        if let Some(u) = usage {
            out.push(ChatEvent::Usage(Usage {
                input_tokens: u["prompt_tokens"].as_u64().unwrap_or(0) as u32,
                output_tokens: u["completion_tokens"].as_u64().unwrap_or(0) as u32,
            }));
        }
    }

    fn anthropic(&mut self, f: &SseEvent, out: &mut Vec<ChatEvent>) {
        let name = f.event.as_deref().unwrap_or("");
        if name == "ping" {
            return;
        }
        let Some(v) = self.parse(f, out) else { return };
        let typ = v.get("type").and_then(Value::as_str).unwrap_or(name);
        match typ {
            "message_start" => {
                self.input_tokens = v
                    .pointer("/message/usage/input_tokens")
                    .and_then(Value::as_u64)
                    .unwrap_or(0) as u32;
            }
            "content_block_delta" => {
                let d = &v["delta"];
                let text = d
                    .get("text")
                    .or_else(|| d.get("partial_json"))
                    .and_then(Value::as_str);
                if let Some(t) = text.filter(|t| !t.is_empty()) {
                    out.push(ChatEvent::Text(t.to_owned()));
                }
            }
            "message_delta" => {
                if let Some(reason) = v.pointer("/delta/stop_reason").and_then(Value::as_str) {
                    out.push(match reason {
                        "refusal" => ChatEvent::Refusal(
                            [
                                "/delta/stop_details/explanation",
                                "/stop_details/explanation",
                            ]
                            .iter()
                            .find_map(|p| v.pointer(p).and_then(Value::as_str))
                            .filter(|e| !e.trim().is_empty())
                            .unwrap_or("the model declined to answer")
                            .to_owned(),
                        ),
                        "end_turn" | "stop_sequence" => ChatEvent::Stop(StopReason::End),
                        "max_tokens" => ChatEvent::Stop(StopReason::MaxTokens),
                        "tool_use" => ChatEvent::Stop(StopReason::ToolUse),
                        other => ChatEvent::Stop(StopReason::Other(other.to_owned())),
                    });
                }
                if let Some(u) = v.get("usage") {
                    let input = u
                        .get("input_tokens")
                        .and_then(Value::as_u64)
                        .map_or(self.input_tokens, |x| x as u32);
                    out.push(ChatEvent::Usage(Usage {
                        input_tokens: input,
                        output_tokens: u["output_tokens"].as_u64().unwrap_or(0) as u32,
                    }));
                }
            }
            "message_stop" => self.complete = true,
            "error" => out.push(ChatEvent::Error(classify_stream_error(
                self.provider,
                &self.host,
                &v["error"],
            ))),
            _ => {}
        }
    }

    fn gemini(&mut self, f: &SseEvent, out: &mut Vec<ChatEvent>) {
        let Some(v) = self.parse(f, out) else { return };
        if let Some(err) = v.get("error") {
            out.push(ChatEvent::Error(classify_stream_error(
                self.provider,
                &self.host,
                err,
            )));
            return;
        }
        if let Some(reason) = v
            .pointer("/promptFeedback/blockReason")
            .and_then(Value::as_str)
        {
            self.complete = true;
            out.push(ChatEvent::Refusal(format!(
                "the prompt was blocked ({reason})"
            )));
            return;
        }
        if let Some(c) = v
            .get("candidates")
            .and_then(Value::as_array)
            .and_then(|c| c.first())
        {
            if let Some(parts) = c.pointer("/content/parts").and_then(Value::as_array) {
                for p in parts {
                    // Thought summaries are not part of the reply.
                    if p.get("thought").and_then(Value::as_bool) == Some(true) {
                        continue;
                    }
                    if let Some(t) = p
                        .get("text")
                        .and_then(Value::as_str)
                        .filter(|t| !t.is_empty())
                    {
                        out.push(ChatEvent::Text(t.to_owned()));
                    }
                }
            }
            if let Some(reason) = c.get("finishReason").and_then(Value::as_str) {
                self.complete = true;
                let stop = match reason {
                    "STOP" => StopReason::End,
                    "MAX_TOKENS" => StopReason::MaxTokens,
                    "SAFETY"
                    | "RECITATION"
                    | "BLOCKLIST"
                    | "PROHIBITED_CONTENT"
                    | "SPII"
                    | "IMAGE_SAFETY"
                    | "LANGUAGE"
                    | "MALFORMED_FUNCTION_CALL" => StopReason::ContentFilter,
                    other => StopReason::Other(other.to_owned()),
                };
                if stop == StopReason::ContentFilter {
                    out.push(ChatEvent::Refusal(gemini_stop_explanation(reason, c)));
                }
                out.push(ChatEvent::Stop(stop));
            }
        }
        if let Some(u) = v.get("usageMetadata") {
            let n = |k: &str| u[k].as_u64().unwrap_or(0);
            out.push(ChatEvent::Usage(Usage {
                input_tokens: n("promptTokenCount").min(u64::from(u32::MAX)) as u32,
                // Thinking tokens are billed as output.
                output_tokens: (n("candidatesTokenCount") + n("thoughtsTokenCount"))
                    .min(u64::from(u32::MAX)) as u32,
            }));
        }
    }
}

/// Gemini's safety stop in words: its `finishMessage` when it sent one, else the reason and the
/// safety categories it rated likely (`safetyRatings` with probability MEDIUM or HIGH).
fn gemini_stop_explanation(reason: &str, candidate: &Value) -> String {
    if let Some(m) = candidate
        .get("finishMessage")
        .and_then(Value::as_str)
        .filter(|m| !m.trim().is_empty())
    {
        return m.trim().to_owned();
    }
    let what = match reason {
        "RECITATION" => "it would have repeated copyrighted text",
        "BLOCKLIST" => "it contained blocked terms",
        "PROHIBITED_CONTENT" => "it touched prohibited content",
        "SPII" => "it contained sensitive personal information",
        "LANGUAGE" => "the language is not supported",
        _ => "of its safety rules",
    };
    let categories: Vec<String> = candidate
        .get("safetyRatings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|r| matches!(r["probability"].as_str(), Some("MEDIUM" | "HIGH")))
        .filter_map(|r| r["category"].as_str())
        .map(|c| {
            c.trim_start_matches("HARM_CATEGORY_")
                .to_ascii_lowercase()
                .replace('_', " ")
        })
        .collect();
    if categories.is_empty() {
        format!("Gemini stopped the reply because {what} ({reason})")
    } else {
        format!(
            "Gemini stopped the reply because {what} ({reason}: {})",
            categories.join(", ")
        )
    }
}
