//! Tests for reading replies part by part: what comes in, the gaps in plain words, the causes.
use serde_json::json;

use super::*;
use crate::domain::meta::spec_from_reply;

/// A complete five-section reply, as the meta-prompt asks for it.
fn full() -> Value {
    json!({
        "analysis": "Notes are messy.",
        "persona": "You are a meticulous meeting analyst.",
        "context": "Inputs are meeting notes in {{transcript}}.",
        "steps": ["Read the notes.", "Find commitments.", "Check owners and dates."],
        "format": "A Markdown list.",
        "json_schema": "",
        "examples": [
            {"input": "Bob sends the deck Friday.", "output": "- **Bob**: deck (Friday)"},
            {"input": "We talked about lunch.", "output": "No action items."},
            {"input": "Ann: budget by May.", "output": "- **Ann**: budget (May)"}
        ]
    })
}

fn messages(spec: &PromptSpec) -> Vec<String> {
    gaps(spec).iter().map(Gap::message).collect()
}

#[test]
fn a_full_reply_whose_third_example_has_an_empty_input_comes_in_whole() {
    // Regression (issue 13): pasting a complete reply whose third example had an empty input was
    // refused whole with "$.examples[2].input should have at least 1 characters", although the
    // meta-prompt asks for an example whose input is incomplete. An empty input is legal.
    let mut v = full();
    v["examples"][2]["input"] = json!("");
    v["examples"][2]["output"] = json!("Please paste the meeting notes.");
    assert!(
        structured::validate(&v, &spec_schema()).is_empty(),
        "the schema accepts it"
    );
    let text = v.to_string();
    let spec = read_spec(&text, false).unwrap().spec;
    assert_eq!(gaps(&spec), []);
    assert_eq!(spec.examples.len(), 3);
    assert_eq!(spec.examples[2].input, "");
    assert_eq!(spec.examples[2].output, "Please paste the meeting notes.");
    assert_eq!(spec_from_reply(&text).unwrap(), spec);
    // The final prompt says the input is empty rather than showing nothing.
    let md = spec.render(crate::domain::spec::RenderStyle::Markdown);
    assert!(
        md.contains("### Example 3\n\nInput:\n(an empty message)\n\nOutput:\nPlease paste"),
        "{md}"
    );
}

#[test]
fn a_partial_reply_keeps_its_sections_and_names_the_gaps_from_one() {
    let mut v = full();
    v.as_object_mut().unwrap().remove("steps");
    v["examples"] = json!([
        {"input": "Bob sends the deck Friday.", "output": "- **Bob**: deck (Friday)"},
        {"input": "We talked about lunch.", "output": ""}
    ]);
    let spec = read_spec(&v.to_string(), false).unwrap().spec;
    assert_eq!(spec.persona, "You are a meticulous meeting analyst.");
    assert_eq!(spec.format, "A Markdown list.");
    assert_eq!(spec.examples.len(), 2);
    assert_eq!(
        messages(&spec),
        [
            "The reply has no Steps",
            "Example 2 has no output",
            "The reply has 2 examples; 3 were asked for"
        ]
    );
    let g = gaps(&spec);
    assert_eq!(
        g.iter().map(Gap::section).collect::<Vec<_>>(),
        [Section::Steps, Section::Examples, Section::Examples]
    );
    assert!(g[1].instruction().starts_with("Example 2 has no output"));
    for m in messages(&spec) {
        assert!(!m.contains(['$', '[', ']']), "no JSON path in {m}");
    }
    let err = spec_from_reply(&v.to_string()).unwrap_err();
    assert_eq!(
        err.message(),
        "The reply has no Steps; Example 2 has no output; The reply has 2 examples; 3 were \
         asked for. What arrived is kept."
    );
}

#[test]
fn too_few_steps_are_named_with_the_schema_minimum() {
    let mut v = full();
    v["steps"] = json!(["Only one."]);
    let spec = read_spec(&v.to_string(), false).unwrap().spec;
    assert_eq!(min_items(Section::Steps), 2);
    assert_eq!(
        messages(&spec),
        ["The reply has 1 step; at least 2 are needed"]
    );
}

#[test]
fn a_cut_off_reply_keeps_its_complete_beginning() {
    let text = full().to_string();
    let cut = &text[..text.find("\"format\"").unwrap()];
    let spec = read_spec(cut, true).unwrap().spec;
    assert!(spec.has(Section::Persona) && spec.has(Section::Steps));
    assert_eq!(
        messages(&spec)[..2],
        ["The reply has no Format", "The reply has no Examples"]
    );
}

#[test]
fn when_nothing_can_be_read_the_likeliest_cause_is_named() {
    let cause = |t: &str, cut: bool| read_spec(t, cut).unwrap_err();
    assert_eq!(cause("  \n", false), ReplyCause::Empty);
    assert_eq!(cause("I cannot help with that.", false), ReplyCause::NoJson);
    // Braces in prose (a placeholder) are not an attempt at JSON.
    assert_eq!(
        cause("Use {{transcript}} in the prompt, {like so}.", false),
        ReplyCause::NoJson
    );
    assert_eq!(
        cause("{\"analysis\": \"The task is to pull out every", true),
        ReplyCause::CutOff
    );
    let broken = cause("Here: {\"analysis\": \"short\" \"persona\" 12 }", false);
    assert!(matches!(broken, ReplyCause::Broken(_)), "{broken:?}");
    assert_eq!(
        cause("{\"answer\": \"hi\", \"mood\": 1}", false),
        ReplyCause::Unexpected {
            found: vec!["answer".into(), "mood".into()]
        }
    );
    assert_eq!(
        ReplyCause::NoJson.message(),
        "This model did not write JSON: it answered in ordinary text, so none of it could be read."
    );
    assert!(ReplyCause::NoJson.advice().contains("Manual mode"));
    assert!(ReplyCause::CutOff.advice().contains("longer replies"));
}

#[test]
fn field_names_in_any_case_and_steps_as_one_text_are_read() {
    let text = r#"{"Persona": "P", "Context": "C", "Steps": "1. One\n2. Two\n3. Three",
        "Output Format": "F", "Examples": [{"Input": "i", "Output": "o"}, {}, {"input": "", "output": "o2"}]}"#;
    let spec = read_spec(text, false).unwrap().spec;
    assert_eq!(spec.persona, "P");
    assert_eq!(spec.steps, ["One", "Two", "Three"]);
    assert_eq!(spec.format, "F");
    assert_eq!(spec.examples.len(), 2, "the empty object is left out");
    assert_eq!(
        messages(&spec),
        ["The reply has 2 examples; 3 were asked for"]
    );
}

#[test]
fn a_section_reply_changes_only_its_section() {
    let spec = read_spec(&full().to_string(), false).unwrap().spec;
    let next = read_section(
        &spec,
        Section::Steps,
        r#"{"steps": ["One.", "Two."]}"#,
        false,
    )
    .unwrap()
    .spec;
    assert_eq!(next.steps, ["One.", "Two."]);
    assert_eq!(next.persona, spec.persona);
    // A whole prompt in reply to a one-section request: only that section is taken.
    let mut other = full();
    other["persona"] = json!("Someone else");
    other["steps"] = json!(["A.", "B.", "C."]);
    let next = read_section(&spec, Section::Steps, &other.to_string(), false)
        .unwrap()
        .spec;
    assert_eq!(next.steps, ["A.", "B.", "C."]);
    assert_eq!(next.persona, spec.persona);
    assert_eq!(
        read_section(&spec, Section::Steps, r#"{"persona": "x"}"#, false),
        Err(ReplyCause::Unexpected {
            found: vec!["persona".into()]
        })
    );
    assert_eq!(
        read_section(&spec, Section::Steps, "Sure, here are better steps.", false),
        Err(ReplyCause::NoJson)
    );
}

// Bug (first-hour tryout): a reply cut off mid-JSON (`{"persona": "You are`) became a finished
// Persona "You are". Every reader names the section the reply ends inside, at every cut point
// of a real reply; a section whose value closed before the end is not named.
#[test]
fn a_reply_cut_inside_a_section_names_that_section_as_cut_off() {
    let r = read_spec(r#"{"persona": "You are"#, false).unwrap();
    assert_eq!(r.spec.persona, "You are");
    assert_eq!(r.cut, Some(Section::Persona));
    // Finished with a length stop or not: the reading is the same.
    assert_eq!(read_spec(r#"{"persona": "You are"#, true).unwrap(), r);
    let text = full().to_string();
    // Each cut point: which section's value is open there, by where the text ends.
    let starts: Vec<(usize, Option<Section>)> = [
        ("\"persona\"", Some(Section::Persona)),
        ("\"context\"", Some(Section::Context)),
        ("\"steps\"", Some(Section::Steps)),
        ("\"format\"", Some(Section::Format)),
        ("\"json_schema\"", Some(Section::Format)),
        ("\"examples\"", Some(Section::Examples)),
    ]
    .iter()
    .map(|(k, s)| (text.find(k).unwrap(), *s))
    .collect();
    for (i, _) in text.char_indices().skip(1) {
        let cut = &text[..i];
        let Ok(r) = read_spec(cut, true) else {
            continue;
        };
        let (start, section) = *starts.iter().rev().find(|(s, _)| *s < i).unwrap();
        let field = &text[start..];
        // The value of this field begins after its `:`; it is open until its closing quote or
        // bracket (the next field's comma or the closing brace).
        let value_from = start + field.find(':').unwrap() + 1;
        let next = starts
            .iter()
            .find(|(s, _)| *s > start)
            .map_or(text.len() - 1, |(s, _)| *s - 1);
        let open = i > value_from && i < next;
        let want = if open { section } else { None };
        // An empty value so far is no section yet (a schema being written is part of Format).
        let want = want.filter(|s| r.spec.has(*s));
        assert_eq!(r.cut, want, "cut at {i}: {cut:?}");
    }
    assert_eq!(read_spec(&text, false).unwrap().cut, None);
}

#[test]
fn a_cut_off_reply_is_named_by_every_reader() {
    // A one-section rewrite cut off inside its section is none (tryout 98: a pasted one came
    // in as the section, with no word), whether the call said so or not.
    let spec = read_spec(&full().to_string(), false).unwrap().spec;
    for said in [true, false] {
        assert_eq!(
            read_section(&spec, Section::Steps, r#"{"steps": ["One.", "Tw"#, said).err(),
            Some(ReplyCause::CutOff)
        );
    }
    assert_eq!(
        read_section(
            &spec,
            Section::Persona,
            r#"{"persona":"You are a formal support ana"#,
            false
        )
        .err(),
        Some(ReplyCause::CutOff)
    );
    // Cut off after the section closed: finished.
    let r = read_section(
        &spec,
        Section::Steps,
        r#"{"steps": ["One.", "Two."]"#,
        false,
    )
    .unwrap();
    assert_eq!(r.cut, None);
    // A whole prompt in reply to a one-section request, cut inside another section: the one
    // asked for is whole.
    let r = read_section(
        &spec,
        Section::Persona,
        r#"{"persona": "You are a planner.", "context": "Rec"#,
        false,
    )
    .unwrap();
    assert_eq!(r.cut, None);
    // Field names as models write them.
    let r = read_spec(r#"{"Persona": "A", "Output Format": "A list of"#, false).unwrap();
    assert_eq!(r.cut, Some(Section::Format));
    // The reading for a finished reply with gaps (used by repair) counts the cut section first.
    let e = spec_from_reply(r#"{"persona": "You are"#).unwrap_err();
    assert_eq!(e.gaps[0], Gap::CutOff(Section::Persona));
    assert_eq!(
        e.gaps[0].message(),
        "The reply was cut off in the middle of Persona: it is unfinished"
    );
}

// Bug (tryout 3): a reply with a missing comma in Steps, then cut off, was called "JSON, but it
// is empty" although Persona and Context were complete. Session 22 (tryout): it was then read
// only up to the comma; the comma is mended as in a whole reply, and the mend is named.
#[test]
fn a_cut_off_reply_missing_a_comma_is_mended_and_read_on() {
    let text = r#"{"analysis": "x", "persona": "You are a meeting assistant", "context": "Users paste notes", "steps": ["Read" "Find"], "#;
    let r = read_spec(text, false).unwrap();
    assert_eq!(r.spec.persona, "You are a meeting assistant");
    assert_eq!(r.spec.context, "Users paste notes");
    assert_eq!(r.spec.steps, vec!["Read", "Find"]);
    assert_eq!(r.cut, None, "it ends between two fields");
    let b = r.broken.clone().unwrap();
    assert!(b.mended && b.section == Some(Section::Steps), "{b:?}");
    let notes = r.notes();
    assert_eq!(notes.len(), 1);
    assert!(
        notes[0].starts_with(
            "The reply's JSON has a mistake in the middle of Steps, near \u{201c}\"Find\"]"
        ),
        "{}",
        notes[0]
    );
    // The same text with the comma: cut off, not broken.
    let fine = text.replace(r#""Read" "Find""#, r#""Read", "Find""#);
    let r = read_spec(&fine, false).unwrap();
    assert_eq!(r.spec.steps, vec!["Read", "Find"]);
    assert_eq!(r.broken, None);

    // The tryout's reply: a comma missing after Persona, and the reply cut off in Examples.
    // Every section that arrived comes in; the one cut off is marked; none is called missing.
    let text = r#"{"persona": "You are a meeting assistant." "context": "Users paste notes.", "steps": ["Read.", "List."] "format": "A list." , "examples": [{"input": "Ana will send"#;
    let r = read_spec(text, true).unwrap();
    assert_eq!(r.spec.persona, "You are a meeting assistant.");
    assert_eq!(r.spec.context, "Users paste notes.");
    assert_eq!(r.spec.steps, vec!["Read.", "List."]);
    assert_eq!(r.spec.format, "A list.");
    assert_eq!(r.cut, Some(Section::Examples));
    let b = r.broken.clone().unwrap();
    assert!(
        b.mended && b.section.is_none(),
        "between Persona and Context: {b:?}"
    );
    assert!(
        b.message()
            .contains("it was read as if the mistake were not there"),
        "{}",
        b.message()
    );
    // A break no comma mends is still where reading stops, named.
    let stray = r#"{"persona": "You are a helper.", "context": "Notes." blah, "steps": ["Read."#;
    let r = read_spec(stray, true).unwrap();
    assert_eq!(r.spec.context, "Notes.");
    assert!(r.spec.steps.is_empty());
    let b = r.broken.unwrap();
    assert!(!b.mended && b.near.starts_with("blah"), "{b:?}");
}

#[test]
fn a_reply_broken_before_any_section_names_the_place_and_is_never_called_empty() {
    let text = r#"{"persona": You are a helper}"#;
    let cause = read_spec(text, false).unwrap_err();
    assert!(
        matches!(&cause, ReplyCause::Broken(e) if e.contains("You are a helper")),
        "{cause:?}"
    );
    // JSON with content but none of the parts: not "empty".
    let other = read_spec(r#"["a", "b"]"#, false).unwrap_err();
    assert!(!other.message().contains("empty"), "{}", other.message());
}

// Bug (tryout 3): a complete reply with a comma missing inside Steps came in silently with one
// step holding two and stray quotes.
#[test]
fn a_complete_reply_missing_a_comma_in_steps_reads_both_steps() {
    let mut text = full().to_string();
    text = text.replace(r#""Find commitments.","#, r#""Find commitments." "#);
    assert!(
        serde_json::from_str::<Value>(&text).is_err(),
        "the JSON is broken"
    );
    let r = read_spec(&text, false).unwrap();
    assert_eq!(
        r.spec.steps,
        vec![
            "Read the notes.",
            "Find commitments.",
            "Check owners and dates."
        ]
    );
    assert!(r.spec.steps.iter().all(|s| !s.contains('"')));
    // Read cleanly: named (tryout 18, 7), with no section marked as a guess.
    let b = r.broken.expect("the mended mistake is named");
    assert!(b.mended && b.section == Some(Section::Steps), "{b:?}");
    assert_eq!(r.cut, None);
}

// Tryout 4: a stray word between two steps ("… owner." blah blah, "Write …") came in silently as
// one step holding both with the stray words and quotes. It is read as best it can be, and the
// mistake is named with its section, which stays marked until it is checked.
#[test]
fn a_complete_reply_with_a_stray_word_in_steps_is_read_and_the_mistake_named() {
    let mut text = full().to_string();
    text = text.replace(
        r#""Find commitments.","#,
        r#""Find commitments." blah blah, "#,
    );
    assert!(serde_json::from_str::<Value>(&text).is_err());
    let r = read_spec(&text, false).unwrap();
    assert_eq!(r.spec.persona, full()["persona"].as_str().unwrap());
    assert_eq!(r.cut, Some(Section::Steps));
    let b = r.broken.clone().expect("the mistake is named");
    assert!(b.read_past);
    assert_eq!(b.section, Some(Section::Steps));
    let notes = r.notes();
    assert_eq!(notes.len(), 1);
    assert!(
        notes[0].starts_with(
            "The reply's JSON has a mistake in the middle of Steps, near \u{201c}blah blah"
        ) && notes[0].ends_with("Steps was read as best it could and may be wrong, so check it."),
        "{}",
        notes[0]
    );
}

// Bug (tryout 3): a whole-prompt reply pasted for a new Format was refused ("none of the expected
// parts ... (it has: analysis, persona, context, steps, json_schema)").
#[test]
fn a_format_reply_may_be_its_json_schema_alone_and_a_whole_prompt_gives_just_that_section() {
    let base = spec_from_value(&full());
    let schema_only = json!({"json_schema": "{\"type\": \"object\"}"}).to_string();
    let r = read_section(&base, Section::Format, &schema_only, false).unwrap();
    assert_eq!(r.spec.json_schema, "{\"type\": \"object\"}");
    assert_eq!(r.took_one_section, None);
    assert!(r.notes().is_empty());

    let whole = json!({"analysis": "a", "persona": "Someone else", "context": "c", "steps": ["s"],
        "json_schema": "{\"type\": \"array\"}"})
    .to_string();
    let r = read_section(&base, Section::Format, &whole, false).unwrap();
    assert_eq!(r.spec.json_schema, "{\"type\": \"array\"}");
    assert_eq!(r.spec.persona, base.persona, "other sections unchanged");
    assert_eq!(r.took_one_section, Some(Section::Format));
    assert!(
        r.notes()[0].contains("only its Format was taken"),
        "{:?}",
        r.notes()
    );
}

// Tryout 12 (minor 5): a Generate stopped mid-way left an example with neither input nor output,
// named only "Example 3 has no output".
#[test]
fn an_empty_example_is_named_empty_and_an_empty_input_alone_is_no_gap() {
    // (The tiny model's parts leave such a pair; a JSON reply's empty pair is dropped on reading.)
    let mut spec = spec_from_reply(&full().to_string()).unwrap();
    spec.examples[2] = crate::domain::spec::Example {
        input: String::new(),
        output: String::new(),
    };
    assert_eq!(
        messages(&spec),
        vec!["Example 3 is empty: no input and no output".to_owned()]
    );
    assert!(
        gaps(&spec)[0]
            .instruction()
            .starts_with("Example 3 is empty: write it")
    );
    spec.examples[2].output = "Please paste the notes.".into();
    assert_eq!(gaps(&spec), []);
}

// Tryout 18 (7): a whole reply missing a comma after Context was read, mended, without a word,
// although the README promises that a reply whose JSON breaks is named; the mended mistake is
// named now (where, and what to check), and no section is marked as a guess.
#[test]
fn a_mistake_the_reader_mends_is_named_and_marks_no_section() {
    let whole = r#"{"analysis": "x", "persona": "You are a meeting assistant", "context": "Users paste notes" "steps": ["Read", "Find", "List"], "format": "A list", "examples": [{"input": "a", "output": "b"}]}"#;
    let r = read_spec(whole, false).unwrap();
    assert_eq!(r.spec.context, "Users paste notes");
    assert_eq!(r.spec.steps, vec!["Read", "Find", "List"]);
    assert_eq!(r.cut, None, "every section is whole");
    let b = r.broken.clone().expect("the mistake is named");
    assert!(b.read_past && b.mended, "{b:?}");
    let notes = r.notes();
    assert_eq!(notes.len(), 1);
    assert!(
        notes[0].starts_with(
            "The reply's JSON has a mistake between two sections, near \u{201c}\"steps\": [\"Read\""
        ),
        "{}",
        notes[0]
    );
    assert!(
        notes[0].contains("check the sections on either side"),
        "{}",
        notes[0]
    );

    // Inside a section: named with that section.
    let in_steps = whole
        .replace(
            r#""Users paste notes" "steps""#,
            r#""Users paste notes", "steps""#,
        )
        .replace(r#""Read", "Find""#, r#""Read" "Find""#);
    let r = read_spec(&in_steps, false).unwrap();
    assert_eq!(r.spec.steps, vec!["Read", "Find", "List"]);
    assert_eq!(r.cut, None);
    let notes = r.notes();
    assert!(
        notes[0].starts_with(
            "The reply's JSON has a mistake in the middle of Steps, near \u{201c}\"Find\""
        ),
        "{}",
        notes[0]
    );
    assert!(notes[0].ends_with("check Steps."), "{}", notes[0]);

    // Valid JSON after a bracket in prose has no mistake to name.
    let fine = whole.replace(
        r#""Users paste notes" "steps""#,
        r#""Users paste notes", "steps""#,
    );
    let prose = format!("Here it is [as asked]:\n```json\n{fine}\n```");
    let r = read_spec(&prose, false).unwrap();
    assert_eq!(r.spec.steps, vec!["Read", "Find", "List"]);
    assert_eq!(r.broken, None);
    assert!(r.notes().is_empty());

    // A one-section rewrite names it the same way.
    let base = read_spec(&fine, false).unwrap().spec;
    let r = read_section(
        &base,
        Section::Steps,
        r#"{"steps": ["Read" "Sort"]}"#,
        false,
    )
    .unwrap();
    assert_eq!(r.spec.steps, vec!["Read", "Sort"]);
    assert!(
        r.notes()[0].starts_with("The reply's JSON has a mistake in the middle of Steps"),
        "{:?}",
        r.notes()
    );
}

// Tryout 19 (9): a reply broken between Context and Steps said only "The reply's JSON breaks";
// it names the sections read. (A quote doubled where the comma was is a missing comma: since
// session 22 it is mended and everything read, the mend named.)
#[test]
fn a_break_between_two_sections_names_what_was_read() {
    let text = r#"{"analysis":"x","persona":"You are a meeting analyst.","context":"Users paste notes.""steps":["Read the notes.","Find commitments."],"format":"A list."}"#;
    let r = read_spec(text, false).unwrap();
    assert_eq!(r.spec.steps, vec!["Read the notes.", "Find commitments."]);
    assert_eq!(r.spec.format, "A list.");
    let b = r.broken.clone().unwrap();
    assert!(b.mended && b.section.is_none(), "{b:?}");
    assert!(
        r.notes()[0].starts_with(
            "The reply's JSON has a mistake between two sections, near \u{201c}\"steps\""
        ),
        "{}",
        r.notes()[0]
    );
    // A stray word no comma mends: read up to it, and what was read is named.
    let text = text.replace(r#"notes.""steps""#, r#"notes." ok "steps""#);
    let r = read_spec(&text, false).unwrap();
    assert_eq!(r.spec.persona, "You are a meeting analyst.");
    assert!(r.spec.steps.is_empty(), "nothing after the break is read");
    let b = r.broken.clone().unwrap();
    assert_eq!(b.section, None);
    assert_eq!(b.read, vec![Section::Persona, Section::Context]);
    assert!(
        r.notes()[0]
            .starts_with("The reply breaks between two sections, near \u{201c}ok \"steps\""),
        "{}",
        r.notes()[0]
    );
    assert!(
        r.notes()[0].ends_with(": Persona and Context were read before it, nothing after it."),
        "{}",
        r.notes()[0]
    );
}

// Review: a bracket in prose before mended JSON was named as a mistake "between two sections".
#[test]
fn a_bracket_in_prose_before_mended_json_is_no_mistake_of_it() {
    let text = r#"Here is the prompt for {{topic}}: {"persona": "You are a meeting analyst.", "context": "Users paste notes.", "steps": ["Read", "Find",]}"#;
    let r = read_spec(text, false).unwrap();
    assert_eq!(r.spec.steps, vec!["Read", "Find"]);
    assert!(
        r.notes().iter().all(|n| !n.contains("{topic}")),
        "{:?}",
        r.notes()
    );
}

// Tryout (session 22): a pasted reply with a 2 MB Persona held the page for minutes. The
// reader itself takes it whole or cut off (Manual mode refuses such a paste before reading:
// `PasteProblem::TooLong`).
#[test]
fn a_two_megabyte_reply_reads_whole_and_cut_off() {
    let big = "x".repeat(2_000_000);
    let text = format!(
        r#"{{"persona": "{big}", "context": "c", "steps": ["a", "b"], "format": "f", "examples": []}}"#
    );
    let r = read_spec(&text, false).unwrap();
    assert_eq!(r.spec.persona.len(), 2_000_000);
    let cut = &text[..text.len() - 40];
    let r2 = read_spec(cut, false).unwrap();
    assert_eq!(r2.spec.persona.len(), 2_000_000);
}

// Tryout 46: "3 parts are still missing" counted a cut-off Steps among the missing.
#[test]
fn the_summary_counts_unfinished_apart_from_missing() {
    use Section::*;
    assert_eq!(gaps_summary(&[]), None);
    assert_eq!(
        gaps_summary(&[Gap::Missing(Format)]).as_deref(),
        Some("1 part is still missing")
    );
    assert_eq!(
        gaps_summary(&[Gap::CutOff(Steps)]).as_deref(),
        Some("1 part is unfinished")
    );
    assert_eq!(
        gaps_summary(&[
            Gap::CutOff(Steps),
            Gap::Missing(Format),
            Gap::NotRead(Examples)
        ])
        .as_deref(),
        Some("1 part is unfinished, 1 was not read and 1 is missing")
    );
    assert_eq!(
        gaps_summary(&[Gap::NotRead(Context), Gap::NotRead(Steps)]).as_deref(),
        Some("2 parts were not read")
    );
    assert_eq!(
        gaps_summary(&[Gap::Missing(Format), Gap::Missing(Steps)]).as_deref(),
        Some("2 parts are still missing")
    );
    assert_eq!(
        gaps_summary(&[
            Gap::CutOff(Persona),
            Gap::NotArrived(Context),
            Gap::NotArrived(Steps)
        ])
        .as_deref(),
        Some("1 part is unfinished and 2 did not arrive")
    );
    assert_eq!(gaps_title(&[Gap::Missing(Format)]), "Still missing");
    assert_eq!(
        gaps_title(&[
            Gap::CutOff(Persona),
            Gap::NotArrived(Context),
            Gap::Missing(Format)
        ]),
        "Unfinished, did not arrive or missing"
    );
    assert_eq!(gaps_title(&[Gap::NotRead(Format)]), "Not read");
    assert_eq!(
        gaps_title(&[
            Gap::NotRead(Format),
            Gap::CutOff(Steps),
            Gap::Missing(Context)
        ]),
        "Unfinished, not read or missing"
    );
    assert_eq!(
        gaps_summary(&[
            Gap::Broken(Steps),
            Gap::CutOff(Persona),
            Gap::ExampleNoOutput(1)
        ])
        .as_deref(),
        Some("1 part is unfinished, 1 may be incomplete or misread and 1 is missing")
    );
    // Helper 50: a broken section is said one way in the count, the heading and the list.
    let broken = [Gap::Broken(Steps)];
    assert_eq!(
        gaps_summary(&broken).as_deref(),
        Some("1 part may be incomplete or misread")
    );
    assert_eq!(gaps_title(&broken), "May be misread");
    assert!(
        broken[0]
            .message()
            .starts_with("Steps may be incomplete or misread")
    );
}

/// Helper 50: *Fill in by hand* for "Example 2 has no output" put the caret at the end of
/// Examples; it goes after that example's `Output:` line (UTF-16 units, as the browser counts).
#[test]
fn fill_in_by_hand_puts_the_caret_in_the_example() {
    use crate::domain::spec::{Example, PromptSpec};
    let spec = PromptSpec {
        examples: vec![
            Example {
                input: "Zoë 😀 sends the deck".into(),
                output: "- Zoë: deck".into(),
            },
            Example {
                input: "Bob books".into(),
                output: String::new(),
            },
            Example::default(),
        ],
        ..Default::default()
    };
    let text = spec.section_text(Section::Examples);
    let utf16: Vec<u16> = text.encode_utf16().collect();
    let at = Gap::ExampleNoOutput(2).caret_in(&text).unwrap() as usize;
    assert!(
        String::from_utf16_lossy(&utf16[..at]).ends_with("Input:\nBob books\nOutput:\n"),
        "{text:?} at {at}"
    );
    let at = Gap::ExampleEmpty(3).caret_in(&text).unwrap() as usize;
    assert!(String::from_utf16_lossy(&utf16[..at]).ends_with("---\nInput:\n"));
    assert_eq!(Gap::ExampleNoOutput(9).caret_in(&text), None);
    assert_eq!(Gap::Missing(Section::Steps).caret_in(&text), None);
}
