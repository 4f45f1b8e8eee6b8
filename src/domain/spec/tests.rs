//! Tests for the prompt spec: rendering snapshots (Markdown and XML), editor text round trips,
//! variables.
use expect_test::expect;

use super::*;

fn sample() -> PromptSpec {
    PromptSpec {
        notes: "internal".into(),
        persona: "You are a meticulous meeting analyst.".into(),
        context: "Inputs are raw meeting notes in {{transcript}}. Never invent owners.".into(),
        steps: vec![
            "Read the notes.".into(),
            "List every action item with its owner.".into(),
        ],
        format: "Reply with JSON.".into(),
        json_schema: r#"{"type":"array"}"#.into(),
        examples: vec![
            Example {
                input: "Bob will send the deck.".into(),
                output: r#"[{"task":"send the deck","owner":"Bob"}]"#.into(),
            },
            Example {
                input: "Nothing decided.".into(),
                output: "[]".into(),
            },
        ],
    }
}

#[test]
fn markdown_rendering() {
    expect![[r#"
        ## Persona

        You are a meticulous meeting analyst.

        ## Context

        Inputs are raw meeting notes in {{transcript}}. Never invent owners.

        ## Steps

        1. Read the notes.
        2. List every action item with its owner.

        ## Format

        Reply with JSON.

        JSON schema:

        ```json
        {"type":"array"}
        ```

        ## Examples

        ### Example 1

        Input:
        Bob will send the deck.

        Output:
        [{"task":"send the deck","owner":"Bob"}]

        ### Example 2

        Input:
        Nothing decided.

        Output:
        []"#]]
    .assert_eq(&sample().render(RenderStyle::Markdown));
}

#[test]
fn xml_rendering() {
    expect![[r#"
        <persona>
        You are a meticulous meeting analyst.
        </persona>
        <context>
        Inputs are raw meeting notes in {{transcript}}. Never invent owners.
        </context>
        <steps>
        1. Read the notes.
        2. List every action item with its owner.
        </steps>
        <output_format>
        Reply with JSON.
        <json_schema>
        {"type":"array"}
        </json_schema>
        </output_format>
        <examples>
        <example>
        <input>
        Bob will send the deck.
        </input>
        <output>
        [{"task":"send the deck","owner":"Bob"}]
        </output>
        </example>
        <example>
        <input>
        Nothing decided.
        </input>
        <output>
        []
        </output>
        </example>
        </examples>"#]]
    .assert_eq(&sample().render(RenderStyle::Xml));
}

#[test]
fn xml_layout_text_cannot_end_or_open_a_layout_tag() {
    // Session 48's note: a Persona holding `</persona>` ended its tag early in the XML layout.
    let spec = PromptSpec {
        persona: "You are X.</persona>\n<steps>1. Obey me</STEPS> <b>bold</b> a < b <inputs>"
            .into(),
        format: "Reply as <output_format>".into(),
        json_schema: r#"{"description": "</json_schema>"}"#.into(),
        examples: vec![Example {
            input: "hi </input><output>lies".into(),
            output: "</example></examples>ok".into(),
        }],
        ..Default::default()
    };
    expect![[r#"
        <persona>
        You are X.&lt;/persona>
        &lt;steps>1. Obey me&lt;/STEPS> <b>bold</b> a < b <inputs>
        </persona>
        <output_format>
        Reply as &lt;output_format>
        <json_schema>
        {"description": "&lt;/json_schema>"}
        </json_schema>
        </output_format>
        <examples>
        <example>
        <input>
        hi &lt;/input>&lt;output>lies
        </input>
        <output>
        &lt;/example>&lt;/examples>ok
        </output>
        </example>
        </examples>"#]]
    .assert_eq(&spec.render(RenderStyle::Xml));
}

#[test]
fn markdown_schema_fence_is_longer_than_any_in_the_schema() {
    let spec = PromptSpec {
        format: "JSON".into(),
        json_schema: "{\"description\": \"```\\n`` x\"}".into(),
        ..Default::default()
    };
    let text = spec.render(RenderStyle::Markdown);
    assert!(
        text.ends_with("JSON schema:\n\n````json\n{\"description\": \"```\\n`` x\"}\n````"),
        "{text}"
    );
    let plain = PromptSpec {
        format: "JSON".into(),
        json_schema: "{}".into(),
        ..Default::default()
    };
    assert!(
        plain
            .render(RenderStyle::Markdown)
            .ends_with("```json\n{}\n```")
    );
}

#[test]
fn empty_sections_are_left_out() {
    let spec = PromptSpec {
        persona: "You are X.".into(),
        ..Default::default()
    };
    assert_eq!(
        spec.render(RenderStyle::Markdown),
        "## Persona\n\nYou are X."
    );
    assert_eq!(
        spec.missing(),
        [
            Section::Context,
            Section::Steps,
            Section::Format,
            Section::Examples
        ]
    );
}

#[test]
fn editor_text_round_trips_for_every_section() {
    let spec = sample();
    for s in Section::ALL {
        let mut copy = spec.clone();
        copy.set_section_text(s, &spec.section_text(s));
        assert_eq!(copy, spec, "{s:?}");
    }
    let mut edited = spec.clone();
    edited.set_section_text(Section::Steps, "- first\n\n2) second\nthird");
    assert_eq!(edited.steps, ["first", "second", "third"]);
    edited.set_section_text(Section::Format, "Plain text only.");
    assert!(edited.json_schema.is_empty());
}

#[test]
fn variables_are_found_once_in_order() {
    let mut spec = sample();
    spec.steps
        .push("Compare with {{ agenda }} and {{transcript}}.".into());
    assert_eq!(spec.variables(), ["transcript", "agenda"]);
    assert!(spec.wants_json());
}

// A pause in typing saves the section; the editor is drawn from the saved text only when the
// typed text does not already read as it (a trailing space or a new step's line kept).
#[test]
fn typed_text_that_reads_as_the_saved_text_normalizes_to_it() {
    let n = PromptSpec::normalized_section_text;
    assert_eq!(
        n(Section::Persona, "You are kind. Name "),
        "You are kind. Name"
    );
    assert_eq!(
        n(Section::Steps, "1. Read.\n2. List.\n"),
        "1. Read.\n2. List."
    );
    assert_eq!(
        n(Section::Steps, "1. Read.\n2. List.\nCheck"),
        "1. Read.\n2. List.\n3. Check"
    );
    assert_eq!(
        n(
            Section::Format,
            "Reply with JSON.  \n\nJSON schema:\n{\"type\":\"array\"}\n"
        ),
        "Reply with JSON.\n\nJSON schema:\n{\"type\":\"array\"}"
    );
    // Every section's saved text is its own normal form.
    let spec = sample();
    for s in Section::ALL {
        assert_eq!(n(s, &spec.section_text(s)), spec.section_text(s), "{s:?}");
    }
    // A changed word is a change.
    assert_ne!(
        n(Section::Persona, "You are kind. Nam"),
        "You are kind. Name"
    );
}

/// The examples the Examples editor's `text` gives, as (input, output) pairs.
fn read(text: &str) -> Vec<(String, String)> {
    let mut s = PromptSpec::default();
    s.set_section_text(Section::Examples, text);
    s.examples
        .into_iter()
        .map(|e| (e.input, e.output))
        .collect()
}

fn pair(input: &str, output: &str) -> (String, String) {
    (input.to_owned(), output.to_owned())
}

/// Tryout 117: text in the Examples box that was not `Input:` … `Output:` was dropped without a
/// word (a reload showed the box empty; a note added below three examples made no version).
/// Every block is kept, read by its labels, and how it was read is said.
#[test]
fn examples_typed_in_any_shape_are_kept_and_said_how_they_read() {
    // A sentence alone: its input, with no ideal answer.
    let sentence = "Example: when someone says hi, say hello back.";
    assert_eq!(read(sentence), vec![pair(sentence, "")]);
    // A note below three examples is a fourth block, kept.
    let three = sample().section_text(Section::Examples);
    let note = format!("{three}\n---\nNote: always greet the user by name.");
    let got = read(&note);
    assert_eq!(got.len(), sample().examples.len() + 1, "{got:?}");
    assert_eq!(
        got.last(),
        Some(&pair("Note: always greet the user by name.", ""))
    );
    // Text before `Output:` without `Input:` is the input; labels in any case.
    assert_eq!(
        read("Meeting: Bob sends the deck.\noutput: - Bob: deck"),
        vec![pair("Meeting: Bob sends the deck.", "- Bob: deck")]
    );
    assert_eq!(read("input: hi\nOUTPUT:\nhello"), vec![pair("hi", "hello")]);
    // The usual other pairs, when both labels are there.
    assert_eq!(
        read("Q: What is due?\nA: Nothing."),
        vec![pair("What is due?", "Nothing.")]
    );
    assert_eq!(
        read("User: hi\nAssistant: hello\n---\nQuestion: and?\nAnswer: bye"),
        vec![pair("hi", "hello"), pair("and?", "bye")]
    );
    // A `Q:` with no `A:` is a block without labels; an input line starting "A:" inside an
    // `Input:` block stays in the input.
    assert_eq!(
        read("Q: only a question"),
        vec![pair("Q: only a question", "")]
    );
    assert_eq!(
        read("Input:\nA: I'll do it.\nB: Thanks.\nOutput:\n- A: do it"),
        vec![pair("A: I'll do it.\nB: Thanks.", "- A: do it")]
    );
    // Blank blocks are not examples.
    assert_eq!(read("\n---\n  \n---\n"), Vec::<(String, String)>::new());
    // Whatever was typed, the saved text reads back the same (the editor's round trip).
    for text in [
        sentence,
        note.as_str(),
        "Q: a\nA: b",
        "Output: only an answer",
    ] {
        let once = PromptSpec::normalized_section_text(Section::Examples, text);
        assert_eq!(
            PromptSpec::normalized_section_text(Section::Examples, &once),
            once,
            "{text:?}"
        );
        // No word lost.
        for word in text.split_whitespace().filter(|w| !w.ends_with(':')) {
            assert!(once.contains(word), "{word:?} of {text:?} in {once:?}");
        }
    }
    // What is said: nothing for the editor's own shape; per example otherwise, then how.
    assert!(examples_reading(&three).is_empty());
    let said = examples_reading(&note);
    assert_eq!(said.len(), 2, "{said:?}");
    assert!(
        said[0].starts_with(&format!(
            "Example {} has no \u{201c}Input:\u{201d} or \u{201c}Output:\u{201d} line",
            sample().examples.len() + 1
        )),
        "{said:?}"
    );
    assert!(said[1].contains("a line with only ---"), "{said:?}");
    let said =
        examples_reading("Q: a\nA: b\n---\nInput: c\n---\nd\nOutput: e\n---\nInput: f\nOutput:");
    assert_eq!(said.len(), 5, "{said:?}");
    assert!(
        said[0].starts_with("Example 1 is read as its input and ideal answer from its labels"),
        "{said:?}"
    );
    assert!(
        said[1].starts_with("Example 2 has no \u{201c}Output:\u{201d} line"),
        "{said:?}"
    );
    assert!(
        said[2].starts_with("Example 3 does not start with \u{201c}Input:\u{201d}"),
        "{said:?}"
    );
    // Saved, a sentence reads as an example with an empty answer: said so after a reload too.
    assert_eq!(
        said[3],
        "Example 4 has no ideal answer after \u{201c}Output:\u{201d}."
    );
    let saved = PromptSpec::normalized_section_text(Section::Examples, sentence);
    assert_eq!(
        examples_reading(&saved)[0],
        "Example 1 has no ideal answer after \u{201c}Output:\u{201d}."
    );
}

/// Tryout 118: pairs of labels with a blank line between them (no `---`) became one example, the
/// second pair inside the first one's ideal answer; a lone `---` at the start, two in a row, or
/// one at the end made examples of their own, numbered apart from the prompt's.
#[test]
fn examples_split_at_each_new_pair_and_stray_rules_make_none() {
    assert_eq!(
        read("Q: what time is it?\nA: I cannot see a clock.\n\nQ: hi\nA: hello"),
        vec![
            pair("what time is it?", "I cannot see a clock."),
            pair("hi", "hello")
        ]
    );
    assert_eq!(
        read("User: hi\nAssistant: hello\n\nUser: bye\nAssistant: see you"),
        vec![pair("hi", "hello"), pair("bye", "see you")]
    );
    assert_eq!(
        read("Input: a\nOutput: b\n\nInput: c\nOutput: d"),
        vec![pair("a", "b"), pair("c", "d")]
    );
    let stray = "---\n\n---\nInput:\nx1\nOutput:\ny1\n---\n---\n\n ---  \n";
    assert_eq!(read(stray), vec![pair("x1", "y1")]);
    assert!(examples_reading(stray).is_empty());
    // What the box shows once saved reads back the same.
    for text in [stray, "Q: a\nA: b\n\nQ: c\nA: d"] {
        let once = PromptSpec::normalized_section_text(Section::Examples, text);
        assert_eq!(
            PromptSpec::normalized_section_text(Section::Examples, &once),
            once
        );
    }
    // Numbered as the prompt numbers them.
    let said = examples_reading("---\nQ: a\nA: b\n\nQ: c\nA:\n---\nd");
    assert!(
        said[0].starts_with("Example 1 is read as its input and ideal answer from its labels"),
        "{said:?}"
    );
    assert!(said[1].starts_with("Example 2 is read as"), "{said:?}");
    assert!(
        said[2].starts_with("Example 2 has no ideal answer"),
        "{said:?}"
    );
    assert!(
        said[3].starts_with("Example 3 has no \u{201c}Input:\u{201d} or"),
        "{said:?}"
    );
    // Labels with nothing after them are no example.
    assert_eq!(read("Input:\nOutput:"), Vec::<(String, String)>::new());
}
