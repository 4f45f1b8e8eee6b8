//! Tests for the meta-prompts: the requests built from them (per provider), parsing replies
//! (complete, partial on every prefix of a recorded reply, broken), and manual mode.
use serde_json::Value;

use super::*;
use crate::domain::provider::{ProviderConfig, ProviderKind, Role, build_request};

fn idea() -> IdeaInput {
    IdeaInput {
        idea: "a bot that pulls action items out of meeting notes".into(),
        audience: "project managers".into(),
        tone: "brief".into(),
        output: OutputKind::Json,
        target: ModelFamily::Claude,
        variables: vec!["transcript".into()],
    }
}

fn recorded() -> String {
    std::fs::read_to_string(format!(
        "{}/src/domain/fixtures/llama_generate_reply.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// The prompt read from the recorded reply, whose only gap is its JSON schema ("json", not
/// JSON).
fn read_recorded(text: &str) -> PromptSpec {
    spec_from_reply(text).unwrap_or_else(|e| {
        assert!(
            matches!(e.gaps.as_slice(), [Gap::Schema(_)]),
            "{:?}",
            e.gaps
        );
        e.partial
    })
}

#[test]
fn generate_request_carries_the_idea_details_and_schema() {
    let req = generate_request(&idea());
    let user = &req.messages[0].text;
    assert!(user.contains("Task: a bot that pulls action items out of meeting notes"));
    assert!(user.contains("Audience: project managers") && user.contains("Tone: brief"));
    assert!(
        user.contains("Output format: JSON")
            && user.contains("Target model family: Anthropic Claude")
    );
    assert!(user.contains("{{transcript}}"));
    assert!(
        req.system.as_deref().unwrap().contains("\"analysis\""),
        "reasoning comes first"
    );
    assert_eq!(req.schema.as_ref().unwrap().schema, spec_schema());
    // The schema lists sections in prompt order (serde_json keeps insertion order).
    let schema = spec_schema();
    let keys: Vec<&String> = schema["properties"].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "analysis",
            "persona",
            "context",
            "steps",
            "format",
            "json_schema",
            "examples"
        ]
    );
}

#[test]
fn generate_request_per_provider_uses_each_native_structured_form() {
    let req = generate_request(&idea());
    for kind in ProviderKind::ALL {
        let http = build_request(&req, &ProviderConfig::preset(kind, Role::Meta), None);
        let body: Value = serde_json::from_str(http.body.as_deref().unwrap()).unwrap();
        let schema_at = match kind {
            ProviderKind::Anthropic => body.pointer("/tools/0/input_schema"),
            ProviderKind::Gemini => body.pointer("/generationConfig/responseSchema"),
            ProviderKind::DeepSeek => body
                .pointer("/response_format")
                .filter(|f| f["type"] == "json_object"),
            _ => body.pointer("/response_format/json_schema/schema"),
        };
        assert!(schema_at.is_some(), "{kind:?}: {body}");
    }
    // Hosted OpenAI-style strict modes get no length keywords; llama.cpp's grammar keeps them.
    let http = build_request(
        &req,
        &ProviderConfig::preset(ProviderKind::OpenAi, Role::Meta),
        None,
    );
    let body = http.body.unwrap();
    assert!(
        !body.contains("maxLength")
            && !body.contains("minItems")
            && body.contains("\"strict\":true"),
        "{body}"
    );
    let http = build_request(
        &req,
        &ProviderConfig::preset(ProviderKind::LlamaCpp, Role::Meta),
        None,
    );
    assert!(http.body.unwrap().contains("maxLength"));
    // Gemini's schema subset drops keywords it does not know (additionalProperties, minLength…).
    let http = build_request(
        &req,
        &ProviderConfig::preset(ProviderKind::Gemini, Role::Meta),
        None,
    );
    assert!(!http.body.unwrap().contains("additionalProperties"));
}

#[test]
fn section_and_adapt_requests() {
    let spec = read_recorded(&recorded());
    let r = section_request(&spec, Section::Steps, "more concise");
    assert!(
        r.messages[0]
            .text
            .contains("Rewrite only the \"steps\" section. Instruction: more concise")
    );
    let props = r.schema.unwrap().schema["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect::<Vec<_>>();
    assert_eq!(props, ["steps"]);
    assert_eq!(
        section_schema(Section::Format)["required"],
        serde_json::json!(["format", "json_schema"])
    );
    let a = adapt_request(&spec, ModelFamily::SmallLocal);
    assert!(
        a.messages[0]
            .text
            .starts_with("Adapt this system prompt for Small local models")
    );
    assert!(a.messages[0].text.contains("## Persona"));
}

#[test]
fn ideas_are_checked_before_sending() {
    assert!(check_idea("").is_err());
    assert!(check_idea(" x ").is_err());
    assert!(check_idea("summarise emails").is_ok());
    assert_eq!(
        parse_variables("transcript, {{notes}}, lang,lang"),
        ["transcript", "notes", "lang"]
    );
}

// Tryout 3: "error message, {{code snippet}}, 123, error message, naïve" silently became
// Tryout 81: a zero-width space in a name read "“ticket” became “ti_cket”", naming nothing
// that could be seen. Characters that show as nothing are taken out, and named.
#[test]
fn invisible_characters_in_a_variable_name_are_taken_out_and_named() {
    let read = read_variables("ti\u{200B}cket, \u{202E}notes\u{FEFF}");
    assert_eq!(read.names, ["ticket", "notes"]);
    assert_eq!(
        read.notes,
        [
            "\u{201c}ticket\u{201d} held a character that shows as nothing (U+200B): taken out.",
            "\u{201c}notes\u{201d} held characters that show as nothing (U+202E, U+FEFF): taken out.",
        ]
    );
}

// Tryout 81: "ticket, TICKET" was taken as two variables without a word. Placeholders compare
// capitals (promptfoo's Nunjucks too), so they stay two, and the field says so.
#[test]
fn names_that_differ_only_in_capitals_are_said_to_be_two() {
    let read = read_variables("ticket, TICKET, notes");
    assert_eq!(read.names, ["ticket", "TICKET", "notes"]);
    // Nothing was changed: a remark, not a change (tryout 83: "Changed: … differ only in
    // capitals").
    assert!(read.notes.is_empty(), "{:?}", read.notes);
    assert_eq!(
        read.remarks,
        [
            "\u{201c}ticket\u{201d} and \u{201c}TICKET\u{201d} differ only in capitals: they are two variables, each with its own value in every case."
        ]
    );
}

// Tryout 83: an entry of only a zero-width space went with no word.
#[test]
fn an_entry_of_only_invisible_characters_is_said_to_be_left_out() {
    let read = read_variables("ticket, \u{200B}, notes");
    assert_eq!(read.names, ["ticket", "notes"]);
    assert_eq!(
        read.notes,
        ["An entry of nothing but a character that shows as nothing (U+200B) was left out."]
    );
}

// "error, message, code, snippet, 123, naïve". Commas separate names; what is changed is said.
#[test]
fn variables_split_on_commas_only_and_every_change_is_said() {
    let read = read_variables("error message, {{code snippet}}, 123, error message, naïve, ,");
    assert_eq!(read.names, ["error_message", "code_snippet", "naïve"]);
    assert_eq!(
        read.notes,
        [
            "\u{201c}error message\u{201d} became \u{201c}error_message\u{201d}: a name has no spaces.",
            "\u{201c}code snippet\u{201d} became \u{201c}code_snippet\u{201d}: a name has no spaces.",
            "\u{201c}123\u{201d} was left out: a name must start with a letter.",
            "\u{201c}error message\u{201d} became \u{201c}error_message\u{201d}: a name has no spaces.",
            "\u{201c}error_message\u{201d} was listed twice: it is kept once.",
        ]
    );
    // Names a placeholder reads are taken as typed, without a note; braces typed around one
    // are taken off, and that is said too (tryout 19: it was not).
    let clean = read_variables("transcript, user_name2");
    assert_eq!(clean.names, ["transcript", "user_name2"]);
    assert!(clean.notes.is_empty(), "{:?}", clean.notes);
    let braced = read_variables("transcript, {{language}}");
    assert_eq!(braced.names, ["transcript", "language"]);
    assert_eq!(
        braced.notes,
        [
            "\u{201c}{{language}}\u{201d} became \u{201c}language\u{201d}: write the name alone; the prompt adds the braces."
        ]
    );
    let marks = read_variables("e-mail.body");
    assert_eq!(marks.names, ["e_mail_body"]);
    assert_eq!(
        marks.notes,
        [
            "\u{201c}e-mail.body\u{201d} became \u{201c}e_mail_body\u{201d}: a name holds only letters, digits and _."
        ]
    );
    // Every name read is one a {{placeholder}} finds.
    for n in &read.names {
        assert_eq!(
            crate::domain::spec::placeholders(&format!("{{{{{n}}}}}")),
            [n.clone()]
        );
    }
}

#[test]
fn a_recorded_reply_fills_all_five_sections() {
    // The tiny model's recorded reply: every section filled, and a JSON schema ("json") that is
    // not JSON, named as Format's gap.
    let err = spec_from_reply(&recorded()).unwrap_err();
    assert!(
        matches!(err.gaps.as_slice(), [Gap::Schema(p)] if p.contains("is not valid JSON")),
        "{:?}",
        err.gaps
    );
    let spec = err.partial;
    assert!(spec.missing().is_empty(), "{spec:?}");
    assert_eq!(spec.examples.len(), 3);
}

#[test]
fn every_prefix_of_a_recorded_reply_gives_growing_sections() {
    let text = recorded();
    let mut seen = 0;
    for (i, _) in text.char_indices() {
        let spec = spec_from_partial(&text[..i]);
        let filled = Section::ALL.iter().filter(|s| spec.has(**s)).count();
        assert!(
            filled + 1 >= seen,
            "prefix {i}: sections went from {seen} to {filled}"
        );
        seen = seen.max(filled);
    }
    assert_eq!(seen, 5);
}

#[test]
fn broken_replies_keep_what_arrived_and_say_what_is_missing() {
    let text = recorded();
    let cut = &text[..text.find("\"format\"").unwrap()];
    let err = spec_from_reply(cut).unwrap_err();
    assert!(err.partial.has(Section::Persona) && err.partial.has(Section::Steps));
    assert_eq!(
        err.message(),
        "The reply has no Format; The reply has no Examples. What arrived is kept."
    );
    let err = spec_from_reply("I cannot help with that.").unwrap_err();
    assert_eq!(
        err.message(),
        "This model did not write JSON: it answered in ordinary text, so none of it could be read."
    );
    assert_eq!(err.cause, Some(ReplyCause::NoJson));
    let no_steps = r#"{"analysis":"","persona":"P","context":"C","steps":[],"format":"F","json_schema":"","examples":[{"input":"i","output":"o"},{"input":"i","output":"o"},{"input":"i","output":"o"}]}"#;
    let err = spec_from_reply(no_steps).unwrap_err();
    assert_eq!(err.gaps, [Gap::Missing(Section::Steps)]);
    assert_eq!(err.partial.persona, "P");
}

#[test]
fn manual_mode_shows_the_exact_messages_with_the_schema() {
    let (system, user) = manual_text(&generate_request(&idea()));
    assert!(system.starts_with("You are a senior prompt engineer."));
    assert!(user.contains("Task: a bot that pulls action items"));
    assert!(user.contains("follows this JSON schema") && user.contains("\"examples\""));
}

/// Re-records `fixtures/llama_generate_reply.json` from the local model:
/// `RECORD_GENERATE=1 cargo test --lib record_generate_request -- --ignored` writes the request
/// body; scripts/record-fixtures.sh sends it.
#[test]
#[ignore]
fn record_generate_request() {
    let req = generate_request(&IdeaInput {
        idea: "a bot that pulls action items out of meeting notes".into(),
        ..Default::default()
    });
    let mut cfg = ProviderConfig::preset(ProviderKind::LlamaCpp, Role::Meta);
    cfg.temperature = 0.0;
    let http = build_request(&req, &cfg, None);
    // Where `scripts/record-fixtures.sh` reads it (`PW_REQUEST_OUT`; the clone's `target/`
    // need not exist: the cargo target directory is shared elsewhere, session 42's review).
    let path = std::env::var("PW_REQUEST_OUT")
        .unwrap_or_else(|_| format!("{}/generate_request.json", std::env::temp_dir().display()));
    std::fs::write(&path, http.body.unwrap()).unwrap();
}

#[test]
fn near_json_replies_are_read_without_asking_again() {
    // Regression: a generated prompt with a trailing comma, a comment and raw line breaks in a
    // string failed to parse and cost a repair call.
    let text = recorded()
        .replacen(
            "\"persona\": \"1.1.5.2.1.0\",",
            "\"persona\": \"line one\nline two\", // who",
            1,
        )
        .replacen("\"7.1.5.2.1.0\"", "'7.1.5.2.1.0',", 1);
    assert!(serde_json::from_str::<Value>(&text).is_err());
    let spec = read_recorded(&text);
    assert_eq!(spec.persona, "line one\nline two");
    assert_eq!(spec.steps.len(), 7);
    let next = reply::read_section(&spec, Section::Steps, "{steps: ['One.', 'Two.',],}", false)
        .unwrap()
        .spec;
    assert_eq!(next.steps, ["One.", "Two."]);
}

#[test]
fn texts_reach_the_requests_as_written() {
    // Regression: chained `.replace` calls re-read inserted texts, so an idea or a section that
    // contained `{details}` or `{prompt}` had it replaced.
    use crate::domain::template::TRAP;
    let mut input = idea();
    input.idea = format!("idea {TRAP}");
    input.audience = format!("audience {TRAP}");
    let user = &generate_request(&input).messages[0].text;
    assert!(user.contains(&format!("Task: idea {TRAP}")), "{user}");
    assert!(user.contains(&format!("audience {TRAP}")), "{user}");
    let spec = PromptSpec {
        persona: format!("persona {TRAP}"),
        ..read_recorded(&recorded())
    };
    let user = &section_request(&spec, Section::Steps, TRAP).messages[0].text;
    assert!(user.contains(&format!("persona {TRAP}")), "{user}");
    assert!(user.contains(&format!("Instruction: {TRAP}")), "{user}");
    let user = &adapt_request(&spec, ModelFamily::Claude).messages[0].text;
    assert!(user.contains(&format!("persona {TRAP}")), "{user}");
}

// Tryout: Manual mode's "Use this reply" with nothing pasted said "The model sent an empty
// reply." No model was involved: the page says nothing was pasted.
#[test]
fn an_empty_paste_is_said_to_be_nothing_pasted_not_an_empty_reply() {
    for blank in ["", "   ", "\n\t \n"] {
        let p = PasteProblem::check(blank).unwrap_err();
        assert_eq!(p, PasteProblem::NothingPasted);
        assert_eq!(p.title(), "Nothing was pasted");
        let m = p.to_string();
        assert!(m.starts_with("The reply box is empty."), "{m}");
        assert!(!m.contains("model"), "{m}");
        assert_eq!(p.hint(), None);
    }
    assert_eq!(PasteProblem::check(" {}"), Ok(()));
    // Longer than any prompt reply: refused before reading, with its size and the limit.
    let huge = format!("{{\"persona\": \"{}\"}}", "x".repeat(2_100_000));
    let p = PasteProblem::check(&huge).unwrap_err();
    assert_eq!(p, PasteProblem::TooLong(2_101));
    assert!(
        p.to_string()
            .starts_with("What was pasted is 2,101 KB, more than a prompt reply can be (at most 200 KB are read)."),
        "{p}"
    );
    // A reply that does not read keeps its own cause (said of the paste) and advice.
    let r = PasteProblem::Reply(ReplyCause::NoJson);
    assert_eq!(r.to_string(), ReplyCause::NoJson.pasted_message());
    assert!(r.hint().is_some());
    assert!(!PasteProblem::NoPrompt.to_string().contains("empty reply"));
}

// Tryout 50: a paste that is not JSON read "This model did not write JSON".
#[test]
fn a_paste_that_does_not_read_is_said_of_the_paste() {
    let said = PasteProblem::Reply(ReplyCause::NoJson).to_string();
    assert_eq!(
        said,
        "The pasted reply is not JSON: it is ordinary text, so none of it could be read."
    );
    for cause in [
        ReplyCause::Empty,
        ReplyCause::NoJson,
        ReplyCause::CutOff,
        ReplyCause::Broken("EOF".into()),
    ] {
        let said = PasteProblem::Reply(cause).to_string();
        assert!(said.starts_with("The pasted reply "), "{said}");
        assert!(!said.contains("model"), "{said}");
    }
}

// Tryout 83: a decomposed "é" (e and U+0301, as some systems paste it) became "cafe_" with "a
// name holds only letters, digits and _", though é is a letter. The accent typed apart goes,
// and the note says what it was; a precomposed é stays as typed.
#[test]
fn an_accent_typed_apart_from_its_letter_is_named() {
    let read = read_variables("cafe\u{301}, caf\u{e9}, nai\u{308}ve\u{301}");
    assert_eq!(read.names, ["cafe", "caf\u{e9}", "naive"]);
    assert_eq!(
        read.notes,
        [
            "\u{201c}cafe\u{301}\u{201d} became \u{201c}cafe\u{201d}: its accent was typed apart from its letter (U+0301), which a name cannot hold; type the accented letter as one character to keep it.",
            "\u{201c}nai\u{308}ve\u{301}\u{201d} became \u{201c}naive\u{201d}: its accents were typed apart from their letters (U+0308, U+0301), which a name cannot hold; type each accented letter as one character to keep them.",
        ]
    );
    // A mark with no letter before it is no accent of a letter: the usual rule.
    let read = read_variables("a-\u{301}b");
    assert_eq!(read.names, ["a_b"]);
    // Tryout 85: with a space too, both are named.
    let read = read_variables("re\u{301}sume\u{301} text");
    assert_eq!(read.names, ["resume_text"]);
    assert_eq!(
        read.notes,
        [
            "\u{201c}re\u{301}sume\u{301} text\u{201d} became \u{201c}resume_text\u{201d}: its accents were typed apart from their letters (U+0301), which a name cannot hold; type each accented letter as one character to keep them; and a name has no spaces."
        ]
    );
}

/// A model-written Format schema the JSON checks cannot use (`"format": "phone"`, which
/// ajv-formats does not define, so promptfoo's Ajv refuses the schema) is a gap of Format, said
/// as that section's, with an instruction that names the problem; the repair message sends it
/// back. Before, the reply read as complete and the suggested schema check waited to be fixed.
#[test]
fn a_format_schema_the_checks_cannot_use_is_a_gap_of_format() {
    let reply = |schema: &str| {
        serde_json::json!({
            "analysis": "", "persona": "You are a clerk.", "context": "Notes arrive.",
            "steps": ["Read the notes.", "List the items."], "format": "JSON.",
            "json_schema": schema,
            "examples": [{"input": "a", "output": "{}"}, {"input": "b", "output": "{}"},
                         {"input": "", "output": "{}"}]
        })
        .to_string()
    };
    let phone = r#"{"type":"object","properties":{"tel":{"type":"string","format":"phone"}}}"#;
    let err = spec_from_reply(&reply(phone)).unwrap_err();
    let [Gap::Schema(problem)] = err.gaps.as_slice() else {
        panic!("{:?}", err.gaps)
    };
    assert!(
        problem.starts_with("The Format section's JSON schema cannot be used: ")
            && problem.contains("phone")
            && !problem.ends_with('.'),
        "{problem}"
    );
    let gap = &err.gaps[0];
    assert_eq!(gap.section(), Section::Format);
    assert!(
        gap.instruction()
            .starts_with(&format!("{problem}. Keep the description"))
            && gap.instruction().contains("\"pattern\""),
        "{}",
        gap.instruction()
    );
    assert_eq!(
        err.partial.json_schema, phone,
        "what arrived is kept as written"
    );
    assert_eq!(reply::gaps_title(&err.gaps), "Cannot be used");
    assert_eq!(
        reply::gaps_summary(&err.gaps).as_deref(),
        Some("1 part cannot be used")
    );
    let StructuredError::Schema(lines) = err.error() else {
        panic!("{:?}", err.error())
    };
    assert_eq!(lines, [problem.clone()]);
    // Not JSON, and not an object: the same gap, each said as it is.
    for (schema, words) in [
        ("{\"type\": ", "is not valid JSON"),
        ("[1]", "must be a JSON object, or true or false"),
        (r#"{"type":"string","minLength":-1}"#, "cannot be used"),
    ] {
        let err = spec_from_reply(&reply(schema)).unwrap_err();
        match err.gaps.as_slice() {
            [Gap::Schema(p)] => assert!(
                p.starts_with("The Format section's JSON schema ") && p.contains(words),
                "{schema}: {p}"
            ),
            other => panic!("{schema}: {other:?}"),
        }
    }
    // Usable schemas, a format ajv-formats knows and none at all read as complete.
    for schema in [
        r#"{"type":"object","properties":{"d":{"type":"string","format":"date"}}}"#,
        "true",
        "",
    ] {
        assert!(spec_from_reply(&reply(schema)).is_ok(), "{schema}");
    }
}
