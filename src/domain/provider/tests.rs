//! Tests for the provider codecs: request building per provider (snapshots), stream decoding on
//! recorded and hand-written streams fed in every split, error classification and retry policy.
use expect_test::{Expect, expect};
use serde_json::{Value, json};

use super::*;

fn cfg(kind: ProviderKind, model: &str) -> ProviderConfig {
    ProviderConfig {
        kind,
        base_url: kind.default_base_url().to_owned(),
        model: model.to_owned(),
        temperature: 0.2,
    }
}

fn key() -> ApiKey {
    ApiKey::new("  sk-test-KEY-1234567890  ").unwrap()
}

fn sample(schema: bool) -> ChatRequest {
    let mut r = ChatRequest::new(Some("You are terse.".into()), "Name three colours.");
    r.temperature = 0.2;
    r.max_tokens = 100;
    if schema {
        r.schema = Some(OutputSchema {
            name: "colours".into(),
            schema: json!({"type": "object", "properties": {"colours": {"type": "array", "items": {"type": "string"}}},
                "required": ["colours"], "additionalProperties": false}),
        });
    }
    r
}

#[test]
fn a_structured_request_is_the_meta_prompt_trimmed_the_message_the_schema_and_the_limits() {
    let r = ChatRequest::structured(
        "\nYou are terse.\n",
        "Name three colours.",
        OutputSchema::new("colours", sample(true).schema.unwrap().schema),
        100,
        0.2,
    );
    assert_eq!(r, sample(true));
}

/// Renders a request as method, URL, headers and pretty body, for snapshots.
fn render(r: &HttpRequest) -> String {
    let mut s = format!("{} {}\n", r.method, r.url);
    for (k, v) in &r.headers {
        s.push_str(&format!("{k}: {v}\n"));
    }
    if let Some(b) = &r.body {
        let v: Value = serde_json::from_str(b).unwrap();
        s.push_str(&serde_json::to_string_pretty(&v).unwrap());
        s.push('\n');
    }
    s
}

fn check_request(kind: ProviderKind, model: &str, schema: bool, expected: Expect) {
    expected.assert_eq(&render(&build_request(
        &sample(schema),
        &cfg(kind, model),
        Some(&key()),
    )));
}

#[test]
fn openai_request() {
    check_request(
        ProviderKind::OpenAi,
        "gpt-4o-mini",
        true,
        expect![[r#"
            POST https://api.openai.com/v1/chat/completions
            content-type: application/json
            authorization: Bearer sk-test-KEY-1234567890
            {
              "model": "gpt-4o-mini",
              "messages": [
                {
                  "role": "system",
                  "content": "You are terse."
                },
                {
                  "role": "user",
                  "content": "Name three colours."
                }
              ],
              "stream": true,
              "temperature": 0.2,
              "max_completion_tokens": 100,
              "stream_options": {
                "include_usage": true
              },
              "response_format": {
                "type": "json_schema",
                "json_schema": {
                  "name": "colours",
                  "schema": {
                    "type": "object",
                    "properties": {
                      "colours": {
                        "type": "array",
                        "items": {
                          "type": "string"
                        }
                      }
                    },
                    "required": [
                      "colours"
                    ],
                    "additionalProperties": false
                  },
                  "strict": true
                }
              }
            }
        "#]],
    );
}

#[test]
fn openai_reasoning_models_get_no_temperature() {
    let r = build_request(
        &sample(false),
        &cfg(ProviderKind::OpenAi, "o3-mini"),
        Some(&key()),
    );
    let body: Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
    assert!(body.get("temperature").is_none());
}

#[test]
fn anthropic_request_uses_a_forced_tool_for_structure() {
    check_request(
        ProviderKind::Anthropic,
        "claude-sonnet-4-5",
        true,
        expect![[r#"
            POST https://api.anthropic.com/v1/messages
            content-type: application/json
            x-api-key: sk-test-KEY-1234567890
            anthropic-version: 2023-06-01
            anthropic-dangerous-direct-browser-access: true
            {
              "model": "claude-sonnet-4-5",
              "max_tokens": 100,
              "system": "You are terse.",
              "messages": [
                {
                  "role": "user",
                  "content": "Name three colours."
                }
              ],
              "temperature": 0.2,
              "stream": true,
              "tools": [
                {
                  "name": "colours",
                  "description": "Give the reply in this structure.",
                  "input_schema": {
                    "type": "object",
                    "properties": {
                      "colours": {
                        "type": "array",
                        "items": {
                          "type": "string"
                        }
                      }
                    },
                    "required": [
                      "colours"
                    ],
                    "additionalProperties": false
                  }
                }
              ],
              "tool_choice": {
                "type": "tool",
                "name": "colours"
              }
            }
        "#]],
    );
}

#[test]
fn gemini_request_uses_response_schema_and_header_key() {
    check_request(
        ProviderKind::Gemini,
        "models/gemini-2.5-flash",
        true,
        expect![[r#"
            POST https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse
            content-type: application/json
            x-goog-api-key: sk-test-KEY-1234567890
            {
              "contents": [
                {
                  "role": "user",
                  "parts": [
                    {
                      "text": "Name three colours."
                    }
                  ]
                }
              ],
              "generationConfig": {
                "temperature": 0.2,
                "maxOutputTokens": 100,
                "responseMimeType": "application/json",
                "responseSchema": {
                  "type": "object",
                  "properties": {
                    "colours": {
                      "type": "array",
                      "items": {
                        "type": "string"
                      }
                    }
                  },
                  "required": [
                    "colours"
                  ]
                }
              },
              "systemInstruction": {
                "parts": [
                  {
                    "text": "You are terse."
                  }
                ]
              }
            }
        "#]],
    );
}

#[test]
fn deepseek_gets_json_object_and_the_schema_in_the_prompt() {
    let r = build_request(
        &sample(true),
        &cfg(ProviderKind::DeepSeek, "deepseek-chat"),
        Some(&key()),
    );
    let body: Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
    assert_eq!(body["response_format"], json!({"type": "json_object"}));
    let system = body["messages"][0]["content"].as_str().unwrap();
    assert!(
        system.starts_with("You are terse.\n\nReply with one JSON object"),
        "{system}"
    );
    assert!(system.contains("\"colours\""));
}

#[test]
fn mistral_gets_minimal_headers_and_no_stream_options() {
    let r = build_request(
        &sample(false),
        &cfg(ProviderKind::Mistral, "mistral-small-latest"),
        Some(&key()),
    );
    let names: Vec<&str> = r.headers.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["content-type", "authorization"]);
    let body: Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
    assert!(body.get("stream_options").is_none());
}

#[test]
fn every_preset_builds_a_request_to_its_own_host_with_the_key_only_in_a_header() {
    for kind in ProviderKind::ALL {
        let mut c = cfg(kind, "some-model");
        if kind == ProviderKind::Custom {
            c.base_url = "https://llm.example.com/v1/".into();
        }
        let r = build_request(&sample(true), &c, Some(&key()));
        assert!(
            r.url.starts_with(c.base_url.trim_end_matches('/')),
            "{kind:?}: {}",
            r.url
        );
        assert!(!r.url.contains("sk-test"), "{kind:?}: key in URL");
        assert!(
            !r.body.as_deref().unwrap().contains("sk-test"),
            "{kind:?}: key in body"
        );
        let carrying: Vec<&str> = r
            .headers
            .iter()
            .filter(|(_, v)| v.contains("sk-test"))
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(carrying.len(), 1, "{kind:?}: key in exactly one header");
        let m = build_models_request(&c, Some(&key()));
        assert!(!m.url.contains("sk-test"));
        assert!(m.url.contains("/models"), "{kind:?}: {}", m.url);
    }
    // Without a key no auth header is sent (local servers).
    let r = build_request(&sample(false), &cfg(ProviderKind::LlamaCpp, "m"), None);
    assert_eq!(r.header("authorization"), None);
}

#[test]
fn api_key_debug_hides_the_secret() {
    assert_eq!(format!("{:?}", key()), "ApiKey(***)");
    assert!(ApiKey::new("   ").is_none());
    assert_eq!(key().expose(), "sk-test-KEY-1234567890");
}

#[test]
fn model_lists() {
    let openai = r#"{"object":"list","data":[{"id":"gpt-4o","object":"model"},{"id":"gpt-4o-mini","object":"model"}]}"#;
    let ids: Vec<String> = parse_models(ProviderKind::OpenAi, openai)
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(ids, ["gpt-4o", "gpt-4o-mini"]);
    let anthropic = r#"{"data":[{"type":"model","id":"claude-sonnet-4-5","display_name":"Claude Sonnet 4.5"}],"has_more":false}"#;
    let m = parse_models(ProviderKind::Anthropic, anthropic).unwrap();
    assert_eq!(m[0].label.as_deref(), Some("Claude Sonnet 4.5"));
    let gemini = r#"{"models":[{"name":"models/gemini-2.5-flash","displayName":"Gemini 2.5 Flash","supportedGenerationMethods":["generateContent"]},
        {"name":"models/embedding-001","supportedGenerationMethods":["embedContent"]}]}"#;
    let m = parse_models(ProviderKind::Gemini, gemini).unwrap();
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].id, "gemini-2.5-flash");
    assert!(
        parse_models(ProviderKind::OpenAi, "<html>")
            .unwrap_err()
            .contains("not JSON")
    );
    assert!(
        parse_models(ProviderKind::OpenAi, "{}")
            .unwrap_err()
            .contains("no model list")
    );
}

/// Stream decoding on recorded/hand-written streams: whole and split at every byte.
/// One of every [`ErrorKind`] (both forms of `UnclearAddress`), for tests that hold for all.
fn every_error_kind() -> Vec<ErrorKind> {
    vec![
        ErrorKind::BadKey,
        ErrorKind::NoKeySent,
        ErrorKind::NoCredit,
        ErrorKind::UnknownModel,
        ErrorKind::WrongAddress {
            tried: "h/v1/models".into(),
        },
        ErrorKind::TooLong,
        ErrorKind::RateLimited,
        ErrorKind::QuotaExhausted,
        ErrorKind::Overloaded,
        ErrorKind::Server,
        ErrorKind::Transient,
        ErrorKind::BadRequest,
        ErrorKind::Stalled { seconds: 30 },
        ErrorKind::Truncated,
        ErrorKind::Malformed,
        ErrorKind::InStream,
        ErrorKind::Network,
        ErrorKind::Offline,
        ErrorKind::OfflineNoAnswer,
        ErrorKind::Aborted,
        ErrorKind::UnclearAddress {
            browser_host: String::new(),
        },
        ErrorKind::UnclearAddress {
            browser_host: "evil.example".into(),
        },
        ErrorKind::BlockedByPage,
        ErrorKind::Unset(Missing::Address),
        ErrorKind::Unset(Missing::Model),
        ErrorKind::Unset(Missing::AddressAndModel),
        ErrorKind::Refused,
    ]
}

// Tryout 93: an OpenAI-compatible server with no address ran, each case came back failed with
// "does not start with http://", and the label read "OpenAI-compatible server ·". What Settings
// lack is said as what it is, before anything is sent and when a call meets it.
#[test]
fn a_model_with_no_address_or_no_model_name_is_named_as_unset() {
    let mut c = ProviderConfig::preset(ProviderKind::Custom, Role::Execution);
    assert_eq!(c.base_url, "");
    assert_eq!(c.missing(), Some(Missing::AddressAndModel));
    c.base_url = "   ".into();
    assert_eq!(
        c.missing(),
        Some(Missing::AddressAndModel),
        "spaces are no address"
    );
    c.model = "m".into();
    assert_eq!(c.missing(), Some(Missing::Address));
    c.base_url = "http://127.0.0.1:8080/v1".into();
    assert_eq!(c.missing(), None);
    c.model = " ".into();
    assert_eq!(c.missing(), Some(Missing::Model));
    // The built-in local server serves one model whatever the name.
    let mut local = ProviderConfig::preset(ProviderKind::LlamaCpp, Role::Execution);
    local.model.clear();
    assert_eq!(local.missing(), None);
    // Every hosted preset starts complete.
    for kind in ProviderKind::ALL {
        if !matches!(kind, ProviderKind::Custom | ProviderKind::LmStudio) {
            let p = ProviderConfig::preset(kind, Role::Meta);
            assert_eq!(p.missing(), None, "{kind:?}");
        }
    }
    let exec = ProviderConfig::preset(ProviderKind::Custom, Role::Execution);
    let judge = ProviderConfig::preset(ProviderKind::OpenAi, Role::Judge);
    assert_eq!(
        unset_note(&[(Role::Execution, &exec), (Role::Judge, &judge)]).unwrap(),
        "Running tests (OpenAI-compatible server) has no address and no model name in Settings: nothing is sent to it until it is filled in there."
    );
    let mut judge_unset = judge.clone();
    judge_unset.model.clear();
    assert_eq!(
        unset_note(&[(Role::Execution, &exec), (Role::Judge, &judge_unset)]).unwrap(),
        "In Settings, Running tests (OpenAI-compatible server) has no address and no model name; Scoring (OpenAI) has no model name. Nothing is sent to them until they are filled in there."
    );
    assert_eq!(unset_note(&[(Role::Judge, &judge)]), None);
    // A call that meets it: sent nothing, fails every call, is not billed nor retried.
    for m in [Missing::Address, Missing::Model, Missing::AddressAndModel] {
        let e = ProviderError::new(ErrorKind::Unset(m), ProviderKind::Custom, "", None, "");
        let text = e.message();
        assert!(
            text.starts_with(&format!(
                "OpenAI-compatible server has {} in Settings, so Promptwright sent nothing (not your key either). Write ",
                m.words()
            )),
            "{text}"
        );
        assert!(!text.contains("http:// or https://"), "{text}");
        assert!(e.fails_every_call() && !e.retryable() && !e.ended_after_sending());
        assert!(!e.mended_without_changing_the_model());
        assert_eq!(e.cause(), m.cause());
    }
}

mod streams {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/src/domain/fixtures/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    fn decode(kind: ProviderKind, parts: &[&[u8]]) -> Vec<ChatEvent> {
        let mut d = StreamDecoder::new(kind, "host.test");
        let mut out = Vec::new();
        for p in parts {
            out.extend(d.feed(p));
        }
        out.extend(d.finish());
        out
    }

    /// Renders events compactly: text is concatenated into one line, other events one per line.
    fn summary(events: &[ChatEvent]) -> String {
        let mut text = String::new();
        let mut rest = String::new();
        for e in events {
            match e {
                ChatEvent::Text(t) => text.push_str(t),
                ChatEvent::Usage(u) => {
                    rest = format!("{rest}usage {}/{}\n", u.input_tokens, u.output_tokens)
                }
                ChatEvent::Stop(s) => rest = format!("{rest}stop {s:?}\n"),
                ChatEvent::Refusal(r) => rest = format!("{rest}refusal {r}\n"),
                ChatEvent::Error(e) => rest = format!("{rest}error {:?} {:?}\n", e.kind, e.detail),
            }
        }
        format!("text {text:?}\n{rest}")
    }

    fn check(kind: ProviderKind, name: &str, expected: Expect) {
        let bytes = fixture(name);
        let whole = decode(kind, &[&bytes]);
        let whole_summary = summary(&whole);
        for i in 1..bytes.len() {
            let split = decode(kind, &[&bytes[..i], &bytes[i..]]);
            assert_eq!(summary(&split), whole_summary, "{name}: split at byte {i}");
        }
        expected.assert_eq(&whole_summary);
    }

    #[test]
    fn llama_openai() {
        check(
            ProviderKind::LlamaCpp,
            "llama_openai_chat.sse",
            expect![[r#"
            text "There are three colors: blue, red, and green."
            stop End
            usage 23/13
        "#]],
        );
    }

    #[test]
    fn llama_anthropic() {
        check(
            ProviderKind::Anthropic,
            "llama_anthropic_messages.sse",
            expect![[r#"
            text "There are three colors: blue, red, and green."
            stop End
            usage 1/13
        "#]],
        );
    }

    #[test]
    fn anthropic_tool_json_is_text() {
        check(
            ProviderKind::Anthropic,
            "anthropic_tool_json.sse",
            expect![[r#"
            text "{\"persona\": \"A meticulous meeting analyst — précis\"}"
            stop ToolUse
            usage 412/27
        "#]],
        );
    }

    #[test]
    fn anthropic_error_event() {
        check(
            ProviderKind::Anthropic,
            "anthropic_overloaded.sse",
            expect![[r#"
            text "Hello"
            error Overloaded "Overloaded"
        "#]],
        );
    }

    #[test]
    fn gemini() {
        check(
            ProviderKind::Gemini,
            "gemini_stream.sse",
            expect![[r#"
            text "Red, green and blue."
            usage 9/2
            stop End
            usage 9/6
        "#]],
        );
    }

    // Bug: an OpenAI stream that refuses (`delta.refusal` pieces, `content: null`) left the
    // output blank; the pieces must arrive in order (the shell joins them).
    #[test]
    fn openai_refusal_pieces_arrive_in_order() {
        check(
            ProviderKind::OpenAi,
            "openai_refusal.sse",
            expect![[r#"
            text ""
            refusal I'm sorry, 
            refusal I can't help with that.
            stop End
            usage 31/9
        "#]],
        );
    }

    // Bug: Anthropic's `stop_reason: "refusal"` lost the provider's own explanation.
    #[test]
    fn anthropic_refusal_keeps_the_explanation() {
        check(
            ProviderKind::Anthropic,
            "anthropic_refusal.sse",
            expect![[r#"
            text "I"
            refusal This request asks for instructions to build a weapon.
            usage 40/3
        "#]],
        );
    }

    #[test]
    fn gemini_safety_stop_is_a_refusal_and_thinking_tokens_are_output() {
        check(
            ProviderKind::Gemini,
            "gemini_safety.sse",
            expect![[r#"
            text "Sure, "
            usage 12/52
            refusal Gemini stopped the reply because of its safety rules (SAFETY: dangerous content)
            stop ContentFilter
            usage 12/52
        "#]],
        );
        for reason in ["RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII"] {
            let frame = format!(
                "data: {{\"candidates\":[{{\"finishReason\":\"{reason}\",\"index\":0}}]}}\n\n"
            );
            let events = decode(ProviderKind::Gemini, &[frame.as_bytes()]);
            assert!(
                events
                    .iter()
                    .any(|e| matches!(e, ChatEvent::Refusal(r) if r.contains(reason))),
                "{reason}: {events:?}"
            );
        }
        let filtered = decode(
            ProviderKind::OpenAi,
            &[b"data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"content_filter\"}]}\n\ndata: [DONE]\n\n"],
        );
        assert!(
            filtered.iter().any(|e| matches!(e, ChatEvent::Refusal(_))),
            "{filtered:?}"
        );
        // Tryout 121: the model's own refusal, streamed, then the filter's stop, read "…assist
        // with that.the provider's content filter stopped the reply". Each in its sentence.
        let both = decode(
            ProviderKind::OpenAi,
            &[b"data: {\"choices\":[{\"delta\":{\"refusal\":\"I can't assist \"}}]}\n\ndata: {\"choices\":[{\"delta\":{\"refusal\":\"with that\"}}]}\n\ndata: {\"choices\":[{\"delta\":{},\"finish_reason\":\"content_filter\"}]}\n\ndata: [DONE]\n\n"],
        );
        let mut said = String::new();
        for e in &both {
            if let ChatEvent::Refusal(r) = e {
                crate::domain::provider::add_refusal(&mut said, r);
            }
        }
        assert_eq!(
            said,
            "I can't assist with that. The provider's content filter stopped the reply."
        );
        let mut alone = String::new();
        crate::domain::provider::add_refusal(&mut alone, crate::domain::provider::CONTENT_FILTERED);
        assert_eq!(alone, "the provider's content filter stopped the reply");
    }

    #[test]
    fn openrouter_error_inside_200() {
        check(
            ProviderKind::OpenRouter,
            "openrouter_error_in_200.sse",
            expect![[r#"
            text "Par"
            error Server "Provider returned error"
        "#]],
        );
    }

    #[test]
    fn truncated_stream_is_reported() {
        check(
            ProviderKind::OpenAi,
            "openai_truncated.sse",
            expect![[r#"
            text "Half a sen"
            error Truncated "the stream ended without its final event"
        "#]],
        );
    }

    // Bug: a stream that ended mid-reply (inside a frame) said the server "sent something that is
    // not a reply in the OpenAI-compatible format. Check the address…": the settings were right.
    #[test]
    fn a_stream_cut_inside_a_frame_is_a_cut_off_reply_for_every_provider() {
        let cases: [(ProviderKind, &[u8]); 3] = [
            (ProviderKind::OpenAi, b"data: {\"choices\":[{\"delta\":{\"content\":\"Half\"}}]}\n\ndata: {\"choices\":[{\"del"),
            (ProviderKind::Anthropic, b"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Half\"}}\n\nevent: content_block_delta\ndata: {\"type\":\"content_bl"),
            (ProviderKind::Gemini, b"data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Half\"}]}}]}\r\n\r\ndata: {\"candidates\":[{\"con"),
        ];
        for (kind, bytes) in cases {
            let events = decode(kind, &[bytes]);
            let s = summary(&events);
            assert!(s.starts_with("text \"Half\""), "{kind:?}: {s}");
            assert!(s.contains("error Truncated"), "{kind:?}: {s}");
            assert!(!s.contains("Malformed"), "{kind:?}: {s}");
        }
    }

    #[test]
    fn malformed_frame_is_reported_once_and_stops_decoding() {
        let events = decode(ProviderKind::OpenAi, &[b"data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: <html>oops\n\ndata: [DONE]\n\n"]);
        expect![[r#"
            text "a"
            error Malformed "unreadable frame: <html>oops"
        "#]]
        .assert_eq(&summary(&events));
    }
}

mod errors {
    use super::*;

    fn kind_of(
        provider: ProviderKind,
        status: u16,
        body: &str,
        retry_after: Option<u32>,
    ) -> ErrorKind {
        classify_http_error(provider, "h", status, body, retry_after).kind
    }

    #[test]
    fn classification_table() {
        use ErrorKind::*;
        let p = ProviderKind::OpenAi;
        let gemini_bad_key = r#"{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"reason":"API_KEY_INVALID"}]}}"#;
        assert_eq!(
            kind_of(ProviderKind::Gemini, 400, gemini_bad_key, None),
            BadKey
        );
        assert_eq!(
            kind_of(p, 401, r#"{"error":{"message":"Incorrect API key"}}"#, None),
            BadKey
        );
        assert_eq!(kind_of(p, 403, "", None), BadKey);
        assert_eq!(kind_of(p, 402, "", None), NoCredit);
        assert_eq!(kind_of(p, 404, "", None), UnknownModel);
        assert_eq!(kind_of(p, 413, "", None), TooLong);
        let llama_ctx = r#"{"error":{"code":400,"message":"the request exceeds the available context size","type":"exceed_context_size_error"}}"#;
        assert_eq!(
            kind_of(ProviderKind::LlamaCpp, 400, llama_ctx, None),
            TooLong
        );
        assert_eq!(
            kind_of(
                p,
                400,
                r#"{"error":{"code":"context_length_exceeded"}}"#,
                None
            ),
            TooLong
        );
        assert_eq!(kind_of(p, 429, "", Some(2000)), RateLimited);
        assert_eq!(
            classify_http_error(p, "h", 429, "", Some(2000)).retry_after_ms,
            Some(2000)
        );
        assert_eq!(kind_of(p, 429, "", None), RateLimited);
        assert_eq!(
            kind_of(
                p,
                429,
                r#"{"error":{"code":"insufficient_quota"}}"#,
                Some(1000)
            ),
            QuotaExhausted
        );
        assert_eq!(kind_of(ProviderKind::Anthropic, 529, "", None), Overloaded);
        assert_eq!(kind_of(p, 503, "", None), Overloaded);
        assert_eq!(kind_of(p, 500, "", None), Server);
        assert_eq!(kind_of(p, 502, "", None), Server);
        assert_eq!(kind_of(p, 408, "", None), Transient);
        assert_eq!(kind_of(p, 422, "{}", None), BadRequest);
    }

    #[test]
    fn provider_messages_are_extracted() {
        let anthropic = r#"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#;
        assert_eq!(
            classify_http_error(ProviderKind::Anthropic, "h", 401, anthropic, None).detail,
            "invalid x-api-key"
        );
        assert_eq!(
            provider_message(r#"[{"error":{"message":"gemini list form"}}]"#).as_deref(),
            Some("gemini list form")
        );
        assert_eq!(
            provider_message(r#"{"error":"plain"}"#).as_deref(),
            Some("plain")
        );
        // A non-JSON body is kept, shortened.
        let long = "x".repeat(1000);
        assert!(
            classify_http_error(ProviderKind::OpenAi, "h", 500, &long, None)
                .detail
                .chars()
                .count()
                <= 401
        );
    }

    // Bug: when a 429 asked to wait more than 60 s, or retries ran out, the message still said
    // Promptwright waits and retries by itself.
    #[test]
    fn final_messages_never_promise_a_retry() {
        let p = ProviderKind::OpenAi;
        for status in [429u16, 503, 529, 500] {
            for (after, attempts) in [(None, 1), (None, 4), (Some(2_000), 4), (Some(120_000), 1)] {
                let mut e = classify_http_error(p, "h", status, "", after);
                e.attempts = attempts;
                let m = e.message();
                assert!(
                    !m.contains("by itself.") && !m.contains("retries by itself"),
                    "{m}"
                );
                if attempts > 1 && !matches!(after, Some(120_000)) {
                    assert!(
                        m.contains(&format!("tried {attempts} times and gave up")),
                        "{m}"
                    );
                }
                if matches!(after, Some(120_000)) && status != 500 {
                    assert!(
                        m.contains("asked to wait 120 s, longer than Promptwright waits"),
                        "{m}"
                    );
                    assert_eq!(RetryPolicy::default().delay_ms(0, &e, 0.0), None);
                }
            }
        }
    }

    // Bug: scrubbing sliced the key by bytes and panicked on a key ending in a non-ASCII
    // character; the panic message (shown in the crash overlay) then held the key.
    #[test]
    fn scrubbing_a_key_that_ends_in_a_non_ascii_character_does_not_panic() {
        let key = "sk-test-1234567890é";
        let e = classify_http_error(
            ProviderKind::OpenAi,
            "h",
            401,
            &format!("bad key {key}"),
            None,
        )
        .scrubbed(key);
        assert!(
            !e.detail.contains(key) && !e.detail.contains("890é"),
            "{}",
            e.detail
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        #[test]
        fn scrubbing_never_panics_and_never_leaves_the_key(
            text in "\\PC{0,60}",
            key in "\\PC{0,20}",
            copies in 0usize..3,
        ) {
            let mut t = text.clone();
            for _ in 0..copies { t.push_str(&key); t.push_str(&text); }
            let out = crate::domain::provider::error::scrub_text(&t, &key);
            if key.trim().chars().count() >= 4 {
                proptest::prop_assert!(!out.contains(key.trim()), "{out:?} holds {key:?}");
            }
        }
    }

    #[test]
    fn debug_of_a_request_hides_the_key_headers() {
        for kind in ProviderKind::ALL {
            let cfg = cfg(kind, "m");
            let key = ApiKey::new("sk-secret-debug-0000").unwrap();
            let req = build_request(&ChatRequest::new(None, "hi"), &cfg, Some(&key));
            let shown = format!("{req:?}");
            assert!(!shown.contains("sk-secret-debug-0000"), "{kind:?}: {shown}");
        }
    }

    #[test]
    fn messages_say_what_to_do_and_never_hold_the_key() {
        let body = r#"{"error":{"message":"Incorrect API key provided: sk-test-KEY-1234567890. You can find your key at..."}}"#;
        let e = classify_http_error(ProviderKind::OpenAi, "api.openai.com", 401, body, None)
            .scrubbed("sk-test-KEY-1234567890");
        assert!(!e.detail.contains("sk-test"), "{}", e.detail);
        assert!(e.message().contains("api.openai.com"));
        assert!(e.message().contains("Check that you pasted the whole key"));
        let masked = classify_http_error(
            ProviderKind::OpenAi,
            "h",
            401,
            "Incorrect API key provided: sk-te****7890",
            None,
        )
        .scrubbed("sk-test-KEY-1234567890");
        assert!(!masked.detail.contains("7890"), "{}", masked.detail);
        for kind in ProviderKind::ALL {
            let net = classify_network_error(kind, "host", "Failed to fetch");
            assert!(!net.message().is_empty() && !net.title().is_empty());
        }
        assert!(
            classify_network_error(ProviderKind::Ollama, "h", "")
                .message()
                .contains("OLLAMA_ORIGINS")
        );
        assert!(
            classify_network_error(ProviderKind::LmStudio, "h", "")
                .message()
                .contains("CORS")
        );
        assert!(
            classify_network_error(ProviderKind::Anthropic, "h", "")
                .message()
                .contains("browser access")
        );
    }

    // Tryout: a comparison model's failed cell said "Press Test connection to pick a model",
    // a button only the three jobs have in Settings.
    #[test]
    fn a_comparison_models_messages_name_where_it_is_set_up() {
        let kinds = super::every_error_kind();
        for provider in [
            ProviderKind::OpenAi,
            ProviderKind::Custom,
            ProviderKind::Anthropic,
        ] {
            for k in kinds.iter().cloned() {
                let mut e = ProviderError::new(k.clone(), provider, "h:1", Some(400), "");
                e.attempts = 4;
                let m = ProviderError::for_comparison_model(&e.message());
                assert!(
                    !m.contains("Settings") && !m.contains("Test connection"),
                    "{k:?} {provider:?}: {m}"
                );
            }
        }
        let unknown = ProviderError::new(
            ErrorKind::UnknownModel,
            ProviderKind::OpenAi,
            "h:1",
            Some(404),
            "",
        );
        assert_eq!(
            ProviderError::for_comparison_model(&unknown.message()),
            "OpenAI at h:1 does not know this model (HTTP 404). Check the model's id and the address in this model's row under Compare models."
        );
    }

    #[test]
    fn retry_policy() {
        let p = RetryPolicy::default();
        let err = |k| ProviderError::new(k, ProviderKind::OpenAi, "h", None, "");
        // Exponential, capped, within the jitter band.
        assert_eq!(p.delay_ms(0, &err(ErrorKind::Server), 0.0), Some(500));
        assert_eq!(p.delay_ms(1, &err(ErrorKind::Server), 0.0), Some(1000));
        assert_eq!(p.delay_ms(2, &err(ErrorKind::Server), 0.999), Some(1500));
        assert_eq!(p.delay_ms(3, &err(ErrorKind::Server), 0.0), None, "bounded");
        let big = RetryPolicy {
            max_retries: 10,
            ..p
        };
        assert_eq!(
            big.delay_ms(9, &err(ErrorKind::Overloaded), 0.0),
            Some(8000),
            "capped"
        );
        // Retry-after is honoured; a very long one is not waited for.
        let after = |kind, ms| ProviderError {
            retry_after_ms: Some(ms),
            ..err(kind)
        };
        for kind in [ErrorKind::RateLimited, ErrorKind::Overloaded] {
            assert_eq!(p.delay_ms(0, &after(kind.clone(), 2000), 0.5), Some(2000));
            assert_eq!(p.delay_ms(0, &after(kind, 120_000), 0.5), None);
        }
        // Not retried: the person must act.
        for k in [
            ErrorKind::BadKey,
            ErrorKind::QuotaExhausted,
            ErrorKind::NoCredit,
            ErrorKind::TooLong,
            ErrorKind::Aborted,
            ErrorKind::Network,
        ] {
            assert_eq!(p.delay_ms(0, &err(k.clone()), 0.0), None, "{k:?}");
        }
        // A stall passes with a wait, but the provider had the request: each attempt may be
        // billed, so only the person sends it again (session 40).
        let stalled = err(ErrorKind::Stalled { seconds: 1 });
        assert!(stalled.retryable() && stalled.ended_after_sending());
        // Tryout 89: a reply in another format after a success status was taken and answered
        // by a server, so it may be billed; one with no status (not reached) is not.
        let mut mangled = err(ErrorKind::Malformed);
        mangled.status = None;
        assert!(!mangled.ended_after_sending());
        mangled.status = Some(200);
        assert!(mangled.ended_after_sending() && !mangled.retryable());
        mangled.status = Some(502);
        assert!(!mangled.ended_after_sending());
        // Tryout 86: an overload sent inside a stream after part of the answer: the provider
        // was at work on it, so it may be billed; the same status before any text is not.
        let overloaded = err(ErrorKind::Overloaded);
        assert!(!overloaded.went_out_after(false));
        assert!(overloaded.went_out_after(true));
        assert!(stalled.went_out_after(false));
        assert_eq!(p.delay_ms(0, &stalled, 0.0), None);
        // Tryout 97: a refusal is the model's answer to a request it read: it may be billed
        // (a run counted it; Reflect's critique refused counted nothing), and is not resent.
        let refused = err(ErrorKind::Refused);
        assert!(refused.went_out_after(false) && refused.ended_after_sending());
        assert_eq!(p.delay_ms(0, &refused, 0.0), None);
        assert_eq!(
            crate::domain::eval::case_call::call_tokens(
                &Err(crate::domain::provider::Failure {
                    error: ProviderError {
                        went_out: refused.went_out_after(false),
                        ..refused
                    },
                    partial: String::new(),
                }),
                400
            ),
            Some(((400, 0), true)),
            "its prompt counted, as an estimate"
        );
        assert_eq!(parse_retry_after("1.5", 0.0), Some(1500));
        assert_eq!(parse_retry_after("250ms", 0.0), Some(250));
        // 2015-10-21T07:28:00Z is 1445412480 s after the epoch.
        let date = "Wed, 21 Oct 2015 07:28:00 GMT";
        assert_eq!(parse_retry_after(date, 1_445_412_470_000.0), Some(10_000));
        assert_eq!(
            parse_retry_after(date, 1_445_412_490_000.0),
            Some(0),
            "past: no wait"
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_777_000.0),
            Some(0)
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_767_000.0),
            Some(10_000)
        );
        assert_eq!(parse_retry_after("-1", 0.0), None);
        assert_eq!(parse_retry_after("soon", 0.0), None);
    }

    // Bug: an error frame inside an HTTP 200 stream was reported as "had an internal problem
    // (HTTP 502)", a status the call never got (502 was the frame's `code`).
    #[test]
    fn an_error_inside_a_reply_claims_no_http_status_on_every_wire() {
        let words = "Upstream model crashed";
        let openai = format!(
            "data: {}\n\n",
            json!({"choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "error"}], "error": {"code": 502, "message": words}})
        );
        let anthropic = format!(
            "event: error\ndata: {}\n\n",
            json!({"type": "error", "error": {"type": "api_error", "message": words}})
        );
        let gemini = format!(
            "data: {}\n\n",
            json!({"error": {"code": 500, "message": words, "status": "INTERNAL"}})
        );
        for (kind, stream) in [
            (ProviderKind::OpenAi, &openai),
            (ProviderKind::OpenRouter, &openai),
            (ProviderKind::Anthropic, &anthropic),
            (ProviderKind::Gemini, &gemini),
        ] {
            let mut d = StreamDecoder::new(kind, "host.test");
            let mut events = d.feed(stream.as_bytes());
            events.extend(d.finish());
            let e = events
                .iter()
                .find_map(|e| match e {
                    ChatEvent::Error(e) => Some(e.clone()),
                    _ => None,
                })
                .unwrap_or_else(|| panic!("{kind:?}: no error in {events:?}"));
            assert_eq!(e.status, None, "{kind:?}");
            let m = e.message();
            assert!(!m.contains("HTTP"), "{kind:?}: {m}");
            assert!(
                m.contains(&format!(
                    "{} stopped the reply with an error: {words}.",
                    kind.label()
                )),
                "{kind:?}: {m}"
            );
            // Still a failure that may pass: retried, and the note claims no status either.
            assert!(e.retryable(), "{kind:?}");
            let note = e.retry_note(2, 4, 1500);
            assert!(!note.contains("HTTP"), "{kind:?}: {note}");
            assert!(
                note.ends_with("waiting 1.5 s, then trying again (attempt 2 of 4)"),
                "{note}"
            );
        }
    }

    #[test]
    fn retry_notes_name_the_reason_and_the_status_received() {
        let p = ProviderKind::OpenAi;
        let note = |status, after| classify_http_error(p, "h", status, "", after);
        assert_eq!(
            note(429, None).retry_note(2, 4, 2000),
            "Rate limited (HTTP 429): waiting 2 s, then trying again (attempt 2 of 4)"
        );
        assert_eq!(
            note(500, None).retry_note(3, 4, 375),
            "OpenAI had a problem (HTTP 500): waiting 0.4 s, then trying again (attempt 3 of 4)"
        );
        assert_eq!(
            note(529, Some(4000)).retry_note(2, 4, 4000),
            "OpenAI is overloaded (HTTP 529): waiting 4 s, then trying again (attempt 2 of 4)"
        );
        let stalled = ProviderError::new(ErrorKind::Stalled { seconds: 30 }, p, "h", None, "");
        assert_eq!(
            stalled.retry_note(2, 4, 500),
            "No data arrived for 30 s: waiting 0.5 s, then trying again (attempt 2 of 4)"
        );
        // Tryout 105: 1.5 s was said as "2 s". Ten seconds and more in whole seconds.
        assert!(stalled.retry_note(4, 4, 1_520).contains("waiting 1.5 s,"));
        assert!(stalled.retry_note(2, 4, 9_960).contains("waiting 10 s,"));
        assert!(stalled.retry_note(2, 4, 30_400).contains("waiting 30 s,"));
    }
}

#[test]
fn role_configs_default_to_the_local_model_and_switch_sensibly() {
    let mut r = RoleConfigs::default();
    assert!(
        Role::ALL
            .iter()
            .all(|x| r.get(*x).kind == ProviderKind::LlamaCpp)
    );
    assert_eq!(r.judge.temperature, 0.0);
    r.switch_kind(Role::Meta, ProviderKind::OpenAi, None);
    assert_eq!(r.meta.base_url, "https://api.openai.com/v1");
    assert_eq!(
        r.meta.temperature, 0.0,
        "keeps its (local-model) temperature"
    );
    r.meta.model = "gpt-4.1".into();
    r.switch_kind(Role::Judge, ProviderKind::OpenAi, None);
    assert_eq!(
        r.judge.model, "gpt-4.1",
        "reuses another role's model for the same provider"
    );
    assert_eq!(r.judge.temperature, 0.0);
    // Another job's address is not taken over: the preset's own.
    r.judge.base_url = "http://127.0.0.1:9/v1".into();
    r.switch_kind(Role::Execution, ProviderKind::OpenAi, None);
    assert_eq!(r.execution.base_url, "https://api.openai.com/v1");
    assert_eq!(
        r.execution.model, "gpt-4.1",
        "the model of the job at the preset's own address"
    );
    r.switch_kind(Role::Judge, ProviderKind::Custom, None);
    r.judge.base_url = "http://127.0.0.1:9/v1".into();
    r.switch_kind(Role::Meta, ProviderKind::Custom, None);
    assert_eq!(
        r.meta.base_url, "",
        "a server's address is typed, not copied from another job"
    );
    // Its own earlier settings for the provider, when given, are where it goes back to
    // (tryout 89: back to a server, its address and model were empty).
    let server = r.judge.clone();
    r.switch_kind(Role::Judge, ProviderKind::OpenAi, None);
    r.switch_kind(Role::Judge, ProviderKind::Custom, Some(&server));
    assert_eq!(
        (r.judge.base_url.as_str(), r.judge.kind),
        ("http://127.0.0.1:9/v1", ProviderKind::Custom)
    );
    r.switch_kind(Role::Meta, ProviderKind::OpenAi, None);
    r.switch_kind(Role::Judge, ProviderKind::OpenAi, Some(&server));
    assert_eq!(
        r.judge.base_url, "https://api.openai.com/v1",
        "another provider's: not used"
    );
    r.copy_to_all(Role::Meta);
    assert_eq!(r.kinds(), [ProviderKind::OpenAi]);
    assert_eq!(
        r.execution.temperature, 0.0,
        "each role keeps its own temperature"
    );
    let json = serde_json::to_string(&r).unwrap();
    assert!(
        !json.contains("key"),
        "no key field in saved settings: {json}"
    );
    assert_eq!(serde_json::from_str::<RoleConfigs>(&json).unwrap(), r);
}

#[test]
fn saved_settings_that_do_not_read_fall_back_per_role_with_a_message() {
    // Regression: settings in localStorage that did not parse fell back to the defaults without
    // a word, so the person's three model choices vanished silently.
    let mut saved = RoleConfigs::all(ProviderKind::OpenAi);
    saved.judge.temperature = 0.1;
    let text = serde_json::to_string(&saved).unwrap();
    assert_eq!(RoleConfigs::read_saved(&text), (saved.clone(), vec![]));
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["execution"]["kind"] = serde_json::json!("no-such-provider");
    v["judge"]["temperature"] = serde_json::json!(1e300);
    let (got, lost) = RoleConfigs::read_saved(&v.to_string());
    assert_eq!(got.meta, saved.meta, "a role that reads is kept");
    assert_eq!(got.execution, RoleConfigs::default().execution);
    // Tryout 100: a part that does not read takes its default; the rest is kept.
    assert_eq!(
        got.judge,
        ProviderConfig {
            temperature: ProviderConfig::preset(ProviderKind::OpenAi, Role::Judge).temperature,
            ..saved.judge.clone()
        }
    );
    assert_eq!(
        lost,
        [
            "The saved settings for \u{201c}Runs your test cases\u{201d} could not be read, so the default (the built-in local model) is used.",
            "The saved temperature for \u{201c}Scores the answers\u{201d} could not be read, so OpenAI's default is used.",
        ]
    );
    // A comparison model likewise: kept, with the parts that did not read named.
    let mut m = serde_json::to_value(ProviderConfig {
        model: "gpt-4o".into(),
        ..saved.meta.clone()
    })
    .unwrap();
    m["temperature"] = serde_json::json!("hot");
    m["base_url"] = serde_json::json!(7);
    let list = serde_json::json!([m, {"kind": "no-such-provider"}]).to_string();
    let (models, lost) = read_saved_models(&list);
    assert_eq!(
        models,
        [ProviderConfig {
            model: "gpt-4o".into(),
            ..ProviderConfig::preset(ProviderKind::OpenAi, Role::Execution)
        }]
    );
    assert_eq!(
        lost,
        [
            "The address and temperature of comparison model 1 of the saved list could not be read, so OpenAI's defaults are used.",
            "Comparison model 2 of the saved list could not be read and was left out.",
        ]
    );
    for bad in ["", "{", "[1]", "null"] {
        let (got, lost) = RoleConfigs::read_saved(bad);
        assert_eq!(got, RoleConfigs::default());
        assert_eq!(lost.len(), 1, "{bad:?}");
    }
}

// Bug: Gemini's model list stopped at its first page (`nextPageToken` was not followed); the
// same kind of fault held for Anthropic's `has_more`/`last_id` pages.
#[test]
fn model_lists_follow_every_page_and_stop_on_a_repeated_cursor() {
    let gem = cfg(ProviderKind::Gemini, "m");
    let page = |names: &[&str], next: Option<&str>| {
        let models: Vec<Value> = names
            .iter()
            .map(|n| json!({"name": format!("models/{n}"), "supportedGenerationMethods": ["generateContent"]}))
            .collect();
        let mut v = json!({ "models": models });
        if let Some(t) = next {
            v["nextPageToken"] = json!(t);
        }
        v.to_string()
    };
    let mut pager = ModelPager::default();
    let first = build_models_page_request(&gem, None, None);
    assert!(
        first.url.ends_with("/models?pageSize=1000"),
        "{}",
        first.url
    );
    let next = pager
        .add(parse_models_page(ProviderKind::Gemini, &page(&["b", "a"], Some("t/1="))).unwrap());
    assert_eq!(next.as_deref(), Some("t/1="));
    let second = build_models_page_request(&gem, None, next.as_deref());
    assert!(
        second.url.ends_with("&pageToken=t%2F1%3D"),
        "{}",
        second.url
    );
    let next =
        pager.add(parse_models_page(ProviderKind::Gemini, &page(&["c"], Some("t2"))).unwrap());
    assert_eq!(next.as_deref(), Some("t2"));
    // A provider that hands out a token it gave before ends the list.
    assert_eq!(
        pager.add(parse_models_page(ProviderKind::Gemini, &page(&["d"], Some("t/1="))).unwrap()),
        None
    );
    let ids: Vec<String> = pager.finish().into_iter().map(|m| m.id).collect();
    assert_eq!(ids, ["a", "b", "c", "d"]);
    // A provider that pages forever stops after MAX_MODEL_PAGES.
    let mut endless = ModelPager::default();
    let mut pages = 0;
    while endless
        .add(
            parse_models_page(
                ProviderKind::Gemini,
                &page(&["x"], Some(&format!("t{pages}"))),
            )
            .unwrap(),
        )
        .is_some()
    {
        pages += 1;
    }
    assert_eq!(pages + 1, MAX_MODEL_PAGES);
    // Anthropic: has_more + last_id -> after_id.
    let ant = cfg(ProviderKind::Anthropic, "m");
    let body =
        json!({"data": [{"id": "claude-a"}], "has_more": true, "last_id": "claude-a"}).to_string();
    let p = parse_models_page(ProviderKind::Anthropic, &body).unwrap();
    assert_eq!(p.next.as_deref(), Some("claude-a"));
    assert!(
        build_models_page_request(&ant, None, Some("claude-a"))
            .url
            .ends_with("models?limit=1000&after_id=claude-a")
    );
    let last =
        json!({"data": [{"id": "claude-b"}], "has_more": false, "last_id": "claude-b"}).to_string();
    assert_eq!(
        parse_models_page(ProviderKind::Anthropic, &last)
            .unwrap()
            .next,
        None
    );
    // OpenAI-compatible lists come whole.
    let oa = json!({"data": [{"id": "gpt"}], "has_more": true, "last_id": "gpt"}).to_string();
    assert_eq!(
        parse_models_page(ProviderKind::OpenAi, &oa).unwrap().next,
        None
    );
}

/// The tiny model's plain completion: `POST {base}/completions` with the prompt as written, the
/// stop texts, llama.cpp's repeat penalty and seed; no chat messages, no schema.
#[test]
fn a_plain_completion_goes_to_the_completions_endpoint() {
    let mut req = ChatRequest::new(None, "Task: x\nPersona: You are");
    req.temperature = 0.0;
    req.max_tokens = 80;
    req.plain = Some(PlainCompletion {
        stop: vec!["\n".into()],
        repeat_penalty: 1.1,
        seed: 7,
    });
    let c = cfg(ProviderKind::LlamaCpp, "SmolLM2-135M-Instruct");
    let http = build_request(&req, &c, None);
    assert_eq!(http.url, "http://127.0.0.1:8081/v1/completions");
    let body: Value = serde_json::from_str(http.body.as_deref().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"model": "SmolLM2-135M-Instruct", "prompt": "Task: x\nPersona: You are",
            "stream": true, "stream_options": {"include_usage": true}, "temperature": 0.0,
            "max_tokens": 80, "stop": ["\n"], "repeat_penalty": 1.1, "seed": 7})
    );
    // Another OpenAI-style server gets the standard fields only.
    let http = build_request(&req, &cfg(ProviderKind::Ollama, "llama3.2"), None);
    assert_eq!(http.url, "http://localhost:11434/v1/completions");
    let body: Value = serde_json::from_str(http.body.as_deref().unwrap()).unwrap();
    assert!(body.get("repeat_penalty").is_none() && body.get("seed").is_none());
    // Anthropic has no plain completion: the same request is a chat.
    let http = build_request(&req, &cfg(ProviderKind::Anthropic, "claude"), None);
    assert!(http.url.ends_with("/messages"));
}

/// llama-server's streamed `/v1/completions` (recorded): text in `choices[0].text`.
#[test]
fn a_plain_completion_stream_decodes_to_text_usage_and_stop() {
    let stream = concat!(
        "data: {\"choices\":[{\"text\":\" a team\",\"index\":0,\"logprobs\":null,\"finish_reason\":null}],\"object\":\"text_completion\"}\n\n",
        "data: {\"choices\":[{\"text\":\" lead.\",\"index\":0,\"logprobs\":null,\"finish_reason\":null}],\"object\":\"text_completion\"}\n\n",
        "data: {\"choices\":[{\"text\":\"\",\"index\":0,\"logprobs\":null,\"finish_reason\":\"stop\"}],\"object\":\"text_completion\",\"usage\":{\"completion_tokens\":3,\"prompt_tokens\":7,\"total_tokens\":10}}\n\n",
        "data: [DONE]\n\n"
    );
    let mut d = StreamDecoder::new(ProviderKind::LlamaCpp, "127.0.0.1:8081");
    let mut events = d.feed(stream.as_bytes());
    events.extend(d.finish());
    assert_eq!(
        events,
        vec![
            ChatEvent::Text(" a team".into()),
            ChatEvent::Text(" lead.".into()),
            ChatEvent::Stop(StopReason::End),
            ChatEvent::Usage(Usage {
                input_tokens: 7,
                output_tokens: 3
            }),
        ]
    );
}

/// A plain-text chat on the tiny model ends where it would start writing another example.
#[test]
fn a_tiny_chat_stops_before_another_example() {
    let c = cfg(ProviderKind::LlamaCpp, "SmolLM2-135M-Instruct");
    let body = |schema: bool| -> Value {
        serde_json::from_str(
            build_request(&sample(schema), &c, None)
                .body
                .as_deref()
                .unwrap(),
        )
        .unwrap()
    };
    assert_eq!(
        body(false)["stop"],
        json!(["\n### Example ", "\n<example>"])
    );
    assert!(
        (body(false)["repeat_penalty"].as_f64().unwrap() - 1.1).abs() < 1e-6,
        "the tiny model's plain replies are kept from looping"
    );
    assert!(body(true).get("repeat_penalty").is_none());
    assert!(
        body(true).get("stop").is_none(),
        "a structured reply has its grammar"
    );
    let other = build_request(&sample(false), &cfg(ProviderKind::Ollama, "llama3.2"), None);
    assert!(!other.body.unwrap().contains("\"stop\""));
}

// Bug (first-hour tryout): offline, Generate's error blamed the address and CORS. A call to an
// address off this computer says the browser is offline; this computer's own model is not
// blocked (it works offline), and its failures keep their own cause.
#[test]
fn offline_a_remote_provider_is_said_to_be_offline_and_loopback_is_not_blocked() {
    use super::{ErrorKind, offline_blocks, offline_error};
    let e = offline_error(ProviderKind::OpenAi, "api.openai.com").expect("blocked");
    assert_eq!(e.kind, ErrorKind::Offline);
    assert_eq!(e.title(), "Your browser is offline");
    let m = e.message();
    assert!(
        m.starts_with("Your browser is offline, so OpenAI at api.openai.com cannot be reached."),
        "{m}"
    );
    for blamed in ["address", "CORS", "firewall"] {
        assert!(!m.contains(blamed), "{m}");
    }
    assert!(!e.retryable());
    for host in ["127.0.0.1:8081", "localhost:11434", "[::1]:8080"] {
        assert!(!offline_blocks(host), "{host}");
        assert!(
            offline_error(ProviderKind::LlamaCpp, host).is_none(),
            "{host}"
        );
    }
    for host in ["192.168.1.20:11434", "api.anthropic.com", "example.com"] {
        assert!(offline_blocks(host), "{host}");
    }
}

// Tryout: an address typed without http:// got "The browser reads this address as , not
// 127.0.0.1:8090" with a blank; the page sends nothing to such an address and says how to write it.
#[test]
fn an_address_the_browser_cannot_read_is_named_without_a_blank() {
    use super::ErrorKind;
    let e = ProviderError::new(
        ErrorKind::UnclearAddress {
            browser_host: String::new(),
        },
        ProviderKind::Custom,
        "127.0.0.1:8090",
        None,
        "",
    );
    let m = e.message();
    assert!(!m.contains(" as ,"), "{m}");
    assert!(
        m.contains("does not start with http:// or https://, so Promptwright sent nothing"),
        "{m}"
    );
}

// Tryout: offline, Generate against an OpenAI-compatible server at 127.0.0.1:8090 said "Nothing
// answered from 127.0.0.1:8090. Check the address for typos (it usually ends in /v1). The server
// must also allow calls from web pages (CORS)." A call to this computer is sent offline, and when
// it fails while the browser is offline, being offline is named first, for every provider.
#[test]
fn a_call_to_this_computer_that_fails_offline_names_being_offline_first() {
    use super::{ErrorKind, classify_failed_fetch};
    for kind in ProviderKind::ALL {
        let e = classify_failed_fetch(kind, "127.0.0.1:8090", "Failed to fetch", false);
        assert_eq!(e.kind, ErrorKind::OfflineNoAnswer, "{kind:?}");
        assert_eq!(e.title(), "No answer while your browser is offline");
        let m = e.message();
        assert!(
            m.starts_with(
                "Your browser is offline, and nothing answered from 127.0.0.1:8090. Being offline may be the cause"
            ),
            "{m}"
        );
        // The usual causes come after, as what to check once online.
        let online = classify_failed_fetch(kind, "127.0.0.1:8090", "Failed to fetch", true);
        assert_eq!(online.kind, ErrorKind::Network);
        let usual = online.message();
        let hint = usual
            .strip_prefix("No answer could be read from 127.0.0.1:8090: nothing answered, or the browser was not allowed to read the answer. ")
            .unwrap();
        let (_, after) = m
            .split_once("If it still fails once you are online: ")
            .unwrap();
        assert_eq!(after[1..], hint[1..], "{kind:?}");
        assert!(!e.retryable());
        // A host off this computer is plainly offline.
        let remote = classify_failed_fetch(kind, "api.example.com", "Failed to fetch", false);
        assert_eq!(remote.kind, ErrorKind::Offline);
    }
    let custom = classify_failed_fetch(ProviderKind::Custom, "127.0.0.1:8090", "", false).message();
    let (first, _) = custom.split_once("If it still fails").unwrap();
    for blamed in ["Check the address", "CORS", "typos"] {
        assert!(!first.contains(blamed), "{custom}");
    }
}

// Tryout: Test connection against `http://127.0.0.1:8090/v1` (a server answering under another
// path), with no model chosen, said "Model not found … does not know this model (HTTP 404)".
// The model list's 404 means nothing is at the address: said with the address tried.
#[test]
fn a_model_list_not_found_names_the_address_not_a_model() {
    use super::{ErrorKind, classify_models_error};
    let url = "http://127.0.0.1:8090/v1/models";
    let e = classify_models_error(
        ProviderKind::Custom,
        url,
        404,
        r#"{"error": "no such route"}"#,
        None,
    );
    assert_eq!(
        e.kind,
        ErrorKind::WrongAddress {
            tried: "127.0.0.1:8090/v1/models".into()
        }
    );
    assert_eq!(e.title(), "Nothing found at this address");
    let m = e.message();
    assert!(
        m.starts_with(
            "127.0.0.1:8090 answered \u{201c}not found\u{201d} (HTTP 404) when Promptwright asked for its list of models at 127.0.0.1:8090/v1/models, so the address in Settings is probably wrong."
        ),
        "{m}"
    );
    for untrue in [
        "model not found",
        "does not know this model",
        "pick a model",
    ] {
        assert!(!m.to_lowercase().contains(untrue), "{m}");
    }
    // Every preset's model list is asked at its address + /models (paged for Gemini and
    // Anthropic); a 404 there names the preset's usual address and the address tried, without
    // its query or a key.
    for kind in ProviderKind::ALL {
        let c = cfg(kind, "");
        let c = ProviderConfig {
            base_url: if kind == ProviderKind::Custom {
                "http://127.0.0.1:8090/v1".into()
            } else {
                c.base_url.clone()
            },
            ..c
        };
        let key = ApiKey::new("sk-test-KEY-1234567890").unwrap();
        let http = build_models_request(&c, Some(&key));
        let base = c.base_url.trim_end_matches('/');
        assert!(
            http.url.starts_with(&format!("{base}/models")),
            "{kind:?}: {}",
            http.url
        );
        assert!(!http.url.contains("sk-test"), "{}", http.url);
        let e = classify_models_error(kind, &http.url, 404, "Not Found", None);
        let m = e.message();
        let tried = format!("{}/models", base.split_once("://").unwrap().1);
        assert!(m.contains(&format!("at {tried}, so")), "{kind:?}: {m}");
        assert!(!m.contains('?'), "{m}");
        if kind != ProviderKind::Custom {
            assert!(
                m.contains(&format!(
                    "The usual address for {} is {}.",
                    kind.label(),
                    kind.default_base_url()
                )),
                "{m}"
            );
        }
    }
    // Other statuses keep their own meaning; a 404 on a reply is still about the model.
    assert_eq!(
        classify_models_error(ProviderKind::OpenAi, url, 401, "", None).kind,
        ErrorKind::BadKey
    );
    assert_eq!(
        classify_http_error(ProviderKind::OpenAi, "h", 404, "", None).kind,
        ErrorKind::UnknownModel
    );
    // A credential typed into the address stays out of the message.
    assert_eq!(
        super::shown_address("https://user:secret@example.com/v1/models?key=abc#x"),
        "example.com/v1/models"
    );
}

// Tryout 5: a temperature of 0.9 went out as 0.8999999761581421 (an f32 widened to f64). Every
// wire format sends the decimal the person chose.
#[test]
fn temperatures_go_out_as_the_decimals_chosen() {
    for kind in ProviderKind::ALL {
        let mut r = sample(false);
        r.temperature = 0.9;
        let c = cfg(kind, "some-model");
        let body: Value =
            serde_json::from_str(&build_request(&r, &c, Some(&key())).body.unwrap()).unwrap();
        let sent = body
            .get("temperature")
            .or_else(|| body.pointer("/generationConfig/temperature"))
            .unwrap_or_else(|| panic!("{kind:?} sends a temperature: {body}"));
        assert_eq!(sent.to_string(), "0.9", "{kind:?}");
    }
}

/// A three-turn conversation (user, assistant, user) after a system prompt, as the runs send a
/// conversation case.
fn three_turns() -> ChatRequest {
    let mut r = ChatRequest::new(Some("You are a travel agent.".into()), "");
    r.messages = vec![
        Message::user("I want to visit Italy."),
        Message::assistant("Lovely! When?"),
        Message::user("In July. Too hot?"),
    ];
    r.temperature = 0.2;
    r.max_tokens = 100;
    r
}

fn body_of(kind: ProviderKind, req: &ChatRequest) -> Value {
    let http = codec::build_request(req, &cfg(kind, kind.default_model()), None);
    serde_json::from_str(http.body.as_deref().unwrap()).unwrap()
}

#[test]
fn openai_sends_a_conversation_as_chat_messages_after_the_system_message() {
    let body = body_of(ProviderKind::OpenAi, &three_turns());
    assert_eq!(
        body["messages"],
        json!([
            {"role": "system", "content": "You are a travel agent."},
            {"role": "user", "content": "I want to visit Italy."},
            {"role": "assistant", "content": "Lovely! When?"},
            {"role": "user", "content": "In July. Too hot?"}
        ])
    );
}

#[test]
fn anthropic_sends_a_conversation_as_alternating_turns_with_the_system_apart() {
    let body = body_of(ProviderKind::Anthropic, &three_turns());
    assert_eq!(body["system"], json!("You are a travel agent."));
    assert_eq!(
        body["messages"],
        json!([
            {"role": "user", "content": "I want to visit Italy."},
            {"role": "assistant", "content": "Lovely! When?"},
            {"role": "user", "content": "In July. Too hot?"}
        ])
    );
    // Two turns of one speaker in a row are merged with a blank line; a conversation that starts
    // with the assistant gets a user turn first.
    let mut r = three_turns();
    r.messages = vec![
        Message::assistant("Hi! I'm your travel agent."),
        Message::user("Italy."),
        Message::user("In July."),
    ];
    let body = body_of(ProviderKind::Anthropic, &r);
    assert_eq!(
        body["messages"],
        json!([
            {"role": "user", "content": codec::CONVERSATION_START},
            {"role": "assistant", "content": "Hi! I'm your travel agent."},
            {"role": "user", "content": "Italy.\n\nIn July."}
        ])
    );
}

#[test]
fn gemini_sends_a_conversation_as_user_and_model_contents() {
    let body = body_of(ProviderKind::Gemini, &three_turns());
    assert_eq!(
        body["systemInstruction"],
        json!({"parts": [{"text": "You are a travel agent."}]})
    );
    assert_eq!(
        body["contents"],
        json!([
            {"role": "user", "parts": [{"text": "I want to visit Italy."}]},
            {"role": "model", "parts": [{"text": "Lovely! When?"}]},
            {"role": "user", "parts": [{"text": "In July. Too hot?"}]}
        ])
    );
    let mut r = three_turns();
    r.messages = vec![
        Message::assistant("Welcome."),
        Message::assistant("Where to?"),
        Message::user("Rome."),
    ];
    assert_eq!(
        body_of(ProviderKind::Gemini, &r)["contents"],
        json!([
            {"role": "user", "parts": [{"text": codec::CONVERSATION_START}]},
            {"role": "model", "parts": [{"text": "Welcome.\n\nWhere to?"}]},
            {"role": "user", "parts": [{"text": "Rome."}]}
        ])
    );
}

#[test]
fn the_tiny_models_plain_completion_renders_a_conversation_as_a_transcript() {
    let mut r = three_turns();
    r.plain = Some(PlainCompletion {
        stop: vec!["\nUser:".into()],
        repeat_penalty: 1.1,
        seed: 7,
    });
    let body = body_of(ProviderKind::LlamaCpp, &r);
    assert_eq!(
        body["prompt"],
        json!(
            "User: I want to visit Italy.\n\nAssistant: Lovely! When?\n\nUser: In July. Too hot?\n\nAssistant:"
        )
    );
    // User messages alone are joined as before (the tiny jobs' worked examples).
    let mut one = ChatRequest::new(None, "Task: x\nLine:");
    one.plain = r.plain.clone();
    assert_eq!(
        body_of(ProviderKind::LlamaCpp, &one)["prompt"],
        json!("Task: x\nLine:")
    );
}

#[test]
fn a_key_slot_names_the_preset_and_the_host_with_its_port() {
    let at = |kind, url: &str| ProviderConfig {
        base_url: url.to_owned(),
        ..ProviderConfig::preset(kind, Role::Execution)
    };
    let openai = ProviderConfig::preset(ProviderKind::OpenAi, Role::Execution);
    assert_eq!(openai.key_slot(), "open-ai@api.openai.com");
    // The same host under another path, or for another job, shares the key.
    assert_eq!(
        at(ProviderKind::OpenAi, "https://api.openai.com/v2/").key_slot(),
        ProviderConfig::preset(ProviderKind::OpenAi, Role::Judge).key_slot()
    );
    // Another host, another port or another preset does not.
    for other in [
        at(ProviderKind::OpenAi, "http://127.0.0.1:8080/v1"),
        at(ProviderKind::OpenAi, "https://proxy.example/v1"),
        at(ProviderKind::Custom, "https://api.openai.com/v1"),
    ] {
        assert_ne!(other.key_slot(), openai.key_slot(), "{other:?}");
    }
    assert_ne!(
        at(ProviderKind::Custom, "http://127.0.0.1:8080/v1").key_slot(),
        at(ProviderKind::Custom, "http://127.0.0.1:8081/v1").key_slot()
    );
    // Before an address is typed.
    assert_eq!(at(ProviderKind::Custom, "").key_slot(), "custom@");
}

// Tryout 10 (m3): with the model killed while every row still waited for its first word, each row
// said "What arrived is kept; press Retry" over an empty answer. Every message that speaks of
// what arrived says nothing arrived when nothing did, and is unchanged otherwise.
#[test]
fn a_call_that_failed_before_any_text_does_not_say_what_arrived_is_kept() {
    let p = ProviderKind::OpenAi;
    let mut in_reply = ProviderError::new(ErrorKind::Server, p, "h", None, "boom");
    in_reply.in_stream = true;
    for e in [
        ProviderError::new(ErrorKind::Truncated, p, "h", None, ""),
        ProviderError::new(ErrorKind::Stalled { seconds: 30 }, p, "h", None, ""),
        ProviderError::new(ErrorKind::InStream, p, "h", None, ""),
        ProviderError::new(ErrorKind::Aborted, p, "h", None, ""),
        in_reply,
    ] {
        let some = e.message();
        assert!(some.contains("What arrived is kept"), "{some}");
        let none = e.clone().with_nothing_arrived(true).message();
        assert!(!none.contains("What arrived"), "{none}");
        assert!(
            none.contains("Nothing had arrived for this request; press Retry")
                || none == "You stopped the request.",
            "{none}"
        );
        // Tryout 17, 8: the optimizer keeps no part of a failed call, and said it was kept.
        if e.kind != ErrorKind::Aborted {
            let dropped = e.clone().with_partial_dropped().message();
            assert!(!dropped.contains("What arrived is kept"), "{dropped}");
            assert!(
                dropped.contains("The part that had arrived is not used; press Retry"),
                "{dropped}"
            );
        }
    }
    // Errors that never speak of a reply are the same either way.
    let key = ProviderError::new(ErrorKind::BadKey, p, "h", Some(401), "");
    assert_eq!(
        key.clone().with_nothing_arrived(true).message(),
        key.message()
    );
}

// Tryout 46/47: a server that may need no key was said to refuse calls; two forgotten keys read
// "The key you gave for A or B"; the loop's note claimed refused calls count against the budget.
#[test]
fn a_missing_key_is_named_in_words_true_for_its_server() {
    let a = "OpenAI at api.openai.com".to_owned();
    let b = "OpenAI-compatible server at 127.0.0.1:8096".to_owned();
    let c = "OpenAI-compatible server at 127.0.0.1:8097".to_owned();
    assert_eq!(missing_keys_note(&[], &[], false), None);
    assert_eq!(
        missing_keys_note(std::slice::from_ref(&a), &[], false).unwrap(),
        "No API key in this tab for OpenAI at api.openai.com: its calls will be refused. Enter it in Settings first (keys are forgotten on reload unless remembered)."
    );
    // Held: nothing goes out (tryout 50: "calls go out without a key" of a held loop).
    let two = missing_keys_note(&[], &[b.clone(), c.clone()], true).unwrap();
    assert_eq!(
        two,
        "The keys you gave for OpenAI-compatible server at 127.0.0.1:8096 and OpenAI-compatible server at 127.0.0.1:8097 are not in this tab (a reload forgot them): the loop waits, and sends nothing, until you enter them again in Settings and press Resume, or press Go on without a key if the servers need none."
    );
    let two_now = missing_keys_note(&[], &[b.clone(), c.clone()], false).unwrap();
    assert!(
        two_now.contains("are not in this tab (a reload forgot them): calls go out without a key, and the servers may refuse them. Enter them again in Settings; if the servers need none, Go on without a key puts this note away."),
        "{two_now}"
    );
    let one = missing_keys_note(&[], std::slice::from_ref(&b), false).unwrap();
    assert!(
        one.starts_with("The key you gave for OpenAI-compatible server at 127.0.0.1:8096 is not in this tab (a reload forgot it): calls go out without a key, and the server may refuse them."),
        "{one}"
    );
    for said in [&two, &two_now, &one] {
        assert!(
            !said.contains("will be refused") && !said.contains("budget"),
            "{said}"
        );
    }
    let both = missing_keys_note(&[a], &[b], true).unwrap();
    assert!(
        both.contains(
            "the loop waits, and sends nothing, until you enter it in Settings and press Resume"
        ),
        "{both}"
    );
}

/// Helper-58, 59: while the page goes away, a call cut on its way is the page's doing; a
/// provider's answered failure stays the provider's.
#[test]
fn a_call_cut_on_its_way_is_told_from_an_answered_failure() {
    let e = |kind| ProviderError::new(kind, ProviderKind::OpenAi, "api.openai.com", None, "");
    for kind in [ErrorKind::Aborted, ErrorKind::Truncated, ErrorKind::Network] {
        assert!(e(kind.clone()).cut_in_transit(), "{kind:?}");
    }
    for kind in [
        ErrorKind::Server,
        ErrorKind::BadKey,
        ErrorKind::RateLimited,
        ErrorKind::Malformed,
    ] {
        assert!(!e(kind.clone()).cut_in_transit(), "{kind:?}");
    }
}

// Tryout 87: a shared link's failed case read "press Retry in a minute" in the link's read-only
// view, which has no Retry (nor the sender's key or Settings). Every kind of failure, read by
// someone else, keeps its cause and loses the advice that needs the sender's page.
#[test]
fn a_failure_read_by_someone_else_keeps_its_cause_without_the_senders_controls() {
    use super::without_advice;
    let p = ProviderKind::OpenAi;
    let kinds = every_error_kind();
    for kind in kinds {
        for attempts in [1, 3] {
            for in_stream in [false, true] {
                let mut e = ProviderError::new(kind.clone(), p, "api.example.com", Some(500), "");
                e.attempts = attempts;
                e.in_stream = in_stream;
                let whole = e.message().trim().to_owned();
                let read = without_advice(&whole);
                let first = whole.split(". ").next().unwrap_or_default();
                assert!(read.starts_with(first), "{kind:?}: {read} / {whole}");
                let rest = &read[first.len()..];
                for control in [
                    "Retry",
                    "Settings",
                    "Test connection",
                    "Send a test message",
                ] {
                    assert!(!rest.contains(control), "{kind:?}: {read}");
                }
            }
        }
    }
    // Pinned: the cause, what arrived, and why it stopped stay; the advice goes.
    let mut e = ProviderError::new(ErrorKind::Overloaded, p, "api.example.com", Some(529), "");
    e.attempts = 3;
    assert_eq!(
        without_advice(&e.message()),
        "OpenAI is overloaded right now (HTTP 529). Promptwright tried 3 times and gave up."
    );
    let cut = ProviderError::new(ErrorKind::Truncated, p, "api.example.com", None, "");
    assert_eq!(
        without_advice(&cut.message()),
        "The connection to api.example.com closed before the reply was finished. What arrived is kept."
    );
    // A provider's quoted words stay whole, full stops and "Retry" inside them too.
    let said = ProviderError::new(
        ErrorKind::BadRequest,
        p,
        "api.example.com",
        Some(400),
        "Bad field. Retry with another one.",
    );
    assert_eq!(
        without_advice(&said.message()),
        said.message(),
        "nothing of it is advice of the page"
    );
    // A quotation mark that does not pair up does not hold the advice in.
    let mut cut = ProviderError::new(
        ErrorKind::Overloaded,
        p,
        "api.example.com",
        None,
        "model \"x is overloaded",
    );
    cut.in_stream = true;
    assert_eq!(
        without_advice(&cut.message()),
        "OpenAI stopped the reply with an error: model \"x is overloaded. What arrived is kept."
    );
}

// Tryout 88: Generate at a wrong address read "does not know this model (HTTP 404)" when the
// server answered "no such route". A "not found" that names no model says the address first.
#[test]
fn a_not_found_that_names_no_model_says_the_address_first() {
    let p = ProviderKind::Custom;
    let route = classify_http_error(p, "127.0.0.1:8090", 404, "no such route", None).message();
    assert!(
        route.starts_with("127.0.0.1:8090 answered \u{201c}not found\u{201d} (HTTP 404) without naming the model: \u{201c}no such route\u{201d}. The address in Settings may be wrong"),
        "{route}"
    );
    assert!(!route.contains("does not know this model"), "{route}");
    // Tryout 92: in a few words (the loop's pause) it read "the model was not found".
    assert_eq!(
        classify_http_error(p, "127.0.0.1:8090", 404, "no such route", None).cause(),
        "nothing was found (the address or the model may be wrong) (HTTP 404)"
    );
    let model = classify_http_error(
        ProviderKind::OpenAi,
        "api.openai.com",
        404,
        r#"{"error":{"message":"The model `gpt-9` does not exist or you do not have access to it.","code":"model_not_found"}}"#,
        None,
    )
    .message();
    assert!(model.contains("does not know this model"), "{model}");
    assert_eq!(
        classify_http_error(
            ProviderKind::OpenAi,
            "api.openai.com",
            404,
            r#"{"error":{"message":"The model `gpt-9` does not exist"}}"#,
            None
        )
        .cause(),
        "the model was not found (HTTP 404)"
    );
    // Said to a shared link's reader, the cause stays and the advice goes.
    let read = without_advice(&route);
    assert!(read.starts_with("127.0.0.1:8090 answered"), "{read}");
    assert!(!read.contains("Test connection"), "{read}");
}

// Tryout 111: a provider that ignored `max_tokens` wrote 43,000 tokens for a cap of 1,500 and
// the page read them all. It reads no reply past 8 bytes a token of its cap (2,000 at
// least), and counts what it read at a bound no tokenizer goes past.
#[test]
fn a_reply_past_its_cap_is_read_no_further_and_counted_at_its_bound() {
    use crate::domain::provider::{cut_usage, runaway_bytes};
    assert_eq!(runaway_bytes(1_500), Some(12_000));
    assert_eq!(runaway_bytes(16), Some(2_000));
    assert_eq!(runaway_bytes(0), None);
    let mut req = ChatRequest::new(Some("You are terse.".into()), "Hello");
    req.max_tokens = 1_500;
    let text = "é".repeat(7_000);
    let u = cut_usage(&req, &text);
    assert_eq!(u.output_tokens, 14_000, "every byte a token");
    assert_eq!(
        u64::from(u.input_tokens),
        crate::domain::estimate::request_bound(&req).0
    );
}

// Tryout 111: a 429 whose `retry-after` asked for 30 s, after the last attempt, said "Wait a
// minute". The wait it asked for is the one said.
#[test]
fn a_rate_limit_says_the_wait_the_provider_asked_for() {
    let mut e = ProviderError::new(
        ErrorKind::RateLimited,
        ProviderKind::OpenAi,
        "api.openai.com",
        Some(429),
        "",
    );
    e.attempts = 4;
    e.retry_after_ms = Some(30_000);
    let m = e.message();
    assert!(
        m.contains("tried 4 times and gave up. Wait 30 s, as it asked, then press Retry"),
        "{m}"
    );
    e.retry_after_ms = None;
    assert!(e.message().contains("Wait a minute, then press Retry"));
    e.retry_after_ms = Some(0);
    assert!(
        e.message()
            .contains("gave up. It asked for no wait: press Retry"),
        "{}",
        e.message()
    );
    e.retry_after_ms = Some(1);
    assert!(e.message().contains("Wait 1 s, as it asked"));
    // Tryout 116: a huge `retry-after` was "asked to wait 4294968 s".
    e.retry_after_ms = Some(u32::MAX);
    assert!(
        e.message()
            .contains("It asked to wait more than 49 days, longer than"),
        "{}",
        e.message()
    );
    e.retry_after_ms = Some(900_000);
    assert!(
        e.message().contains("It asked to wait 15 min, longer than"),
        "{}",
        e.message()
    );
}
