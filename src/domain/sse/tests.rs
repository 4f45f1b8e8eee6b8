//! Tests for the SSE decoder: hand-written cases, recorded provider streams fed in every split,
//! and property tests on random input.
use super::*;
use expect_test::{Expect, expect};
use proptest::prelude::*;

/// Renders events one per line, the form the expectations below are written in.
fn render(events: &[SseEvent]) -> String {
    let mut s = String::new();
    for e in events {
        if let Some(name) = &e.event {
            s.push_str(&format!("[{name}] "));
        }
        s.push_str(&format!("{:?}", e.data));
        if let Some(id) = &e.id {
            s.push_str(&format!(" id={id}"));
        }
        if let Some(r) = e.retry {
            s.push_str(&format!(" retry={r}"));
        }
        s.push('\n');
    }
    s
}

fn decode_whole(input: &str) -> Vec<SseEvent> {
    let mut d = SseDecoder::new();
    let mut out = d.feed(input);
    out.extend(d.finish());
    out
}

fn decode_pieces(pieces: &[&str]) -> Vec<SseEvent> {
    let mut d = SseDecoder::new();
    let mut out = Vec::new();
    for p in pieces {
        out.extend(d.feed(p));
    }
    out.extend(d.finish());
    out
}

fn decode_byte_pieces(pieces: &[&[u8]]) -> Vec<SseEvent> {
    let mut d = SseDecoder::new();
    let mut out = Vec::new();
    for p in pieces {
        out.extend(d.feed_bytes(p));
    }
    out.extend(d.finish());
    out
}

/// Decodes `input` whole, then split in two at every char boundary and at every byte offset, and
/// one char at a time: every way must give the same events, and they must match `expected`.
fn check(input: &str, expected: Expect) {
    let whole = decode_whole(input);
    for (i, _) in input.char_indices().skip(1) {
        let split = decode_pieces(&[&input[..i], &input[i..]]);
        assert_eq!(split, whole, "split at char offset {i} of {input:?}");
    }
    let bytes = input.as_bytes();
    for i in 1..bytes.len() {
        let split = decode_byte_pieces(&[&bytes[..i], &bytes[i..]]);
        assert_eq!(split, whole, "split at byte offset {i} of {input:?}");
    }
    let chars: Vec<String> = input.chars().map(String::from).collect();
    let refs: Vec<&str> = chars.iter().map(String::as_str).collect();
    assert_eq!(decode_pieces(&refs), whole, "one char at a time");
    expected.assert_eq(&render(&whole));
}

#[test]
fn line_endings_lf_crlf_cr() {
    check(
        "data: a\n\ndata: b\r\n\r\ndata: c\r\rdata: d\n\r\n",
        expect![[r#"
        "a"
        "b"
        "c"
        "d"
    "#]],
    );
}

#[test]
fn comments_are_skipped() {
    check(
        ": OPENROUTER PROCESSING\n\ndata: x\n:keep-alive\n\n",
        expect![[r#"
        "x"
    "#]],
    );
}

#[test]
fn multi_line_data_joined_with_newline() {
    check(
        "data: one\ndata:two\ndata:  three\n\n",
        expect![[r#"
        "one\ntwo\n three"
    "#]],
    );
}

#[test]
fn only_one_leading_space_is_stripped() {
    check(
        "data:   spaced  \n\n",
        expect![[r#"
        "  spaced  "
    "#]],
    );
}

#[test]
fn event_names_are_kept_and_reset_per_event() {
    check(
        "event: message_start\ndata: {\"a\":1}\n\ndata: plain\n\nevent: ping\ndata: {}\n\n",
        expect![[r#"
            [message_start] "{\"a\":1}"
            "plain"
            [ping] "{}"
        "#]],
    );
}

#[test]
fn final_event_without_blank_line_is_flushed() {
    check(
        "data: first\n\ndata: last",
        expect![[r#"
        "first"
        "last"
    "#]],
    );
    check(
        "data: last\n",
        expect![[r#"
        "last"
    "#]],
    );
}

#[test]
fn field_without_colon_and_empty_data() {
    check(
        "data\n\ndata:\n\n",
        expect![[r#"
        ""
        ""
    "#]],
    );
}

#[test]
fn event_without_data_is_not_dispatched() {
    check(
        "event: lonely\n\ndata: next\n\n",
        expect![[r#"
        "next"
    "#]],
    );
}

#[test]
fn id_and_retry_fields() {
    check(
        "id: 7\nretry: 1500\ndata: a\n\nretry: x1\ndata: b\n\n",
        expect![[r#"
        "a" id=7 retry=1500
        "b" id=7
    "#]],
    );
}

#[test]
fn unknown_fields_ignored_and_bom_dropped() {
    check(
        "\u{feff}foo: bar\ndata: ok\n\n",
        expect![[r#"
        "ok"
    "#]],
    );
}

#[test]
fn multibyte_text_survives_every_byte_split() {
    check(
        "data: héllo wörld — 日本語 🎉\n\n",
        expect![[r#"
        "héllo wörld — 日本語 🎉"
    "#]],
    );
}

#[test]
fn invalid_utf8_becomes_replacement_char() {
    let events = decode_byte_pieces(&[b"data: a\xff", b"b\n\n"]);
    assert_eq!(events[0].data, "a\u{fffd}b");
    // A sequence cut off by the end of the stream is reported, not lost silently.
    let events = decode_byte_pieces(&[b"data: x\xe6\x97"]);
    assert_eq!(events[0].data, "x\u{fffd}");
}

/// Recorded and hand-written streams (see `fixtures/README.md` for where each comes from).
mod recorded {
    use super::*;

    fn fixture(name: &str) -> String {
        let path = format!("{}/src/domain/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// Every split of a recorded stream gives the same events as feeding it whole.
    fn check_every_split(name: &str) -> Vec<SseEvent> {
        let input = fixture(name);
        let whole = decode_whole(&input);
        let bytes = input.as_bytes();
        for i in 1..bytes.len() {
            assert_eq!(
                decode_byte_pieces(&[&bytes[..i], &bytes[i..]]),
                whole,
                "{name}: byte split {i}"
            );
        }
        whole
    }

    #[test]
    fn llama_server_openai_chat_stream() {
        let events = check_every_split("llama_openai_chat.sse");
        assert!(events.len() > 3, "{events:?}");
        assert_eq!(events.last().unwrap().data, "[DONE]");
        assert!(events.iter().all(|e| e.event.is_none()));
        // Every frame but the terminator is a JSON chat.completion.chunk.
        for e in &events[..events.len() - 1] {
            let v: serde_json::Value = serde_json::from_str(&e.data).expect("json frame");
            assert_eq!(v["object"], "chat.completion.chunk");
        }
    }

    #[test]
    fn llama_server_anthropic_messages_stream() {
        let events = check_every_split("llama_anthropic_messages.sse");
        let names: Vec<&str> = events.iter().filter_map(|e| e.event.as_deref()).collect();
        assert_eq!(names.first(), Some(&"message_start"));
        assert_eq!(names.last(), Some(&"message_stop"));
        assert!(names.contains(&"content_block_delta"));
        assert!(names.contains(&"message_delta"));
        assert_eq!(names.len(), events.len(), "every Anthropic event is named");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Random text built from SSE-significant pieces never panics, and splitting it anywhere
    /// gives the same events as feeding it whole.
    #[test]
    fn random_streams_decode_the_same_in_any_split(
        parts in prop::collection::vec(
            prop_oneof![
                Just("data: ".to_owned()), Just("event: x".to_owned()), Just(":c".to_owned()),
                Just("\n".to_owned()), Just("\r".to_owned()), Just("\r\n".to_owned()),
                Just("retry: 9".to_owned()), Just("id: 1".to_owned()), Just("é🎉".to_owned()),
                "[a-z: ]{0,6}",
            ],
            0..40,
        ),
        cut_a in any::<prop::sample::Index>(),
        cut_b in any::<prop::sample::Index>(),
    ) {
        let input: String = parts.concat();
        let whole = decode_whole(&input);
        let bytes = input.as_bytes();
        let (mut a, mut b) = (cut_a.index(bytes.len() + 1), cut_b.index(bytes.len() + 1));
        if a > b { std::mem::swap(&mut a, &mut b); }
        let split = decode_byte_pieces(&[&bytes[..a], &bytes[a..b], &bytes[b..]]);
        prop_assert_eq!(split, whole);
    }

    /// Arbitrary bytes never panic.
    #[test]
    fn arbitrary_bytes_never_panic(chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..64), 0..8)) {
        let mut d = SseDecoder::new();
        for c in &chunks { let _ = d.feed_bytes(c); }
        let _ = d.finish();
    }
}
