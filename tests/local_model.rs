//! Browser tests of the network layer against the real local model (llama-server with
//! SmolLM2-135M-Instruct on 127.0.0.1:8081, started by scripts/test.sh): model list, a streamed
//! call, and a JSON-schema call whose reply validates. Runs in headless Chromium with real `fetch`.
#![cfg(target_arch = "wasm32")]

use promptwright::domain::provider::{
    ChatEvent, ChatRequest, OutputSchema, ProviderConfig, ProviderKind, Role, StopReason,
};
use promptwright::domain::structured;
use promptwright::net::chat::{self, Abort, CallOptions, Progress};
use serde_json::json;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn local() -> ProviderConfig {
    let mut c = ProviderConfig::preset(ProviderKind::LlamaCpp, Role::Execution);
    c.temperature = 0.0;
    c
}

#[wasm_bindgen_test]
async fn lists_the_local_model() {
    let models = chat::list_models(&local(), None, 10_000)
        .await
        .expect("model list");
    assert!(
        models.iter().any(|m| m.id.contains("SmolLM2")),
        "{models:?}"
    );
}

#[wasm_bindgen_test]
async fn streams_a_reply_piece_by_piece() {
    let mut req = ChatRequest::new(Some("You are terse.".into()), "Name three colours.");
    req.max_tokens = 40;
    req.temperature = 0.0;
    let mut pieces = 0;
    let done = chat::stream_chat(
        &local(),
        None,
        &req,
        &Abort::new(),
        CallOptions::default(),
        |p| {
            if let Progress::Event(ChatEvent::Text(_)) = p {
                pieces += 1;
            }
        },
    )
    .await
    .expect("streamed call");
    assert!(pieces > 3, "text arrived in {pieces} pieces");
    assert!(!done.text.trim().is_empty());
    assert!(
        done.usage.output_tokens > 0 && done.usage.input_tokens > 0,
        "{:?}",
        done.usage
    );
    assert!(
        matches!(
            done.stop,
            Some(StopReason::End) | Some(StopReason::MaxTokens)
        ),
        "{:?}",
        done.stop
    );
}

#[wasm_bindgen_test]
async fn json_schema_call_returns_valid_json() {
    let schema = json!({"type": "object", "additionalProperties": false, "required": ["colours"],
        "properties": {"colours": {"type": "array", "minItems": 1, "maxItems": 5, "items": {"type": "string"}}}});
    let mut req = ChatRequest::new(
        Some("You list colours as JSON.".into()),
        "Give three colours.",
    );
    req.max_tokens = 120;
    req.temperature = 0.0;
    req.schema = Some(OutputSchema {
        name: "colours".into(),
        schema: schema.clone(),
    });
    let done = chat::stream_chat(
        &local(),
        None,
        &req,
        &Abort::new(),
        CallOptions::default(),
        |_| {},
    )
    .await
    .expect("structured call");
    let v: serde_json::Value =
        structured::parse_reply(&done.text, &schema).expect("valid against the schema");
    assert!(!v["colours"].as_array().unwrap().is_empty());
}

#[wasm_bindgen_test]
async fn abort_stops_a_call_at_once() {
    let mut req = ChatRequest::new(None, "Write a long story about the sea.");
    req.max_tokens = 2000;
    let abort = Abort::new();
    let a2 = abort.clone();
    let mut n = 0;
    let r = chat::stream_chat(
        &local(),
        None,
        &req,
        &abort,
        CallOptions::default(),
        move |p| {
            if let Progress::Event(ChatEvent::Text(_)) = p {
                n += 1;
                if n == 3 {
                    a2.abort();
                }
            }
        },
    )
    .await;
    let f = r.expect_err("aborted");
    assert_eq!(
        f.error.kind,
        promptwright::domain::provider::ErrorKind::Aborted
    );
    assert!(!f.partial.is_empty(), "what arrived is kept");
}
