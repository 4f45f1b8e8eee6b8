//! The usability rules on good and bad drafts, including the placeholder draft the tiny model
//! wrote under the JSON request.
use super::*;
use crate::domain::spec::Example;

const IDEA: &str = "A bot that pulls action items out of meeting notes";

fn ex(input: &str, output: &str) -> Example {
    Example {
        input: input.into(),
        output: output.into(),
    }
}

fn good() -> PromptSpec {
    PromptSpec {
        notes: String::new(),
        persona: "You are a professional assistant who pulls action items from meeting notes.".into(),
        context: "Team leads paste the notes of a meeting. List every task someone agreed to do, with its owner.".into(),
        steps: vec![
            "Read the meeting notes.".into(),
            "Find each action item and who owns it.".into(),
            "List the action items with their owners and due dates.".into(),
        ],
        format: "A bulleted list of action items, one per line: owner, task, due date.".into(),
        json_schema: String::new(),
        examples: vec![
            ex("Bob will send the deck by Friday.", "- Bob: send the deck (Friday)"),
            ex("Ana books the room; Carol writes the notes.", "- Ana: book the room\n- Carol: write the notes"),
            ex("We only chatted about the weather.", "No action items in these notes."),
        ],
    }
}

#[test]
fn a_usable_draft_has_no_problems() {
    assert_eq!(problems(IDEA, &good()), Vec::<String>::new());
}

#[test]
fn the_placeholder_draft_from_the_json_request_is_flagged_section_by_section() {
    // What SmolLM2-135M wrote for this idea under the grammar-constrained JSON request.
    let bad = PromptSpec {
        notes: "ANALISIS".into(),
        persona: "PERSONA".into(),
        context: "CONTEXT".into(),
        steps: vec!["ANALYSIS".into(); 7],
        format: "JSON".into(),
        json_schema: "json_schema_1234567890".into(),
        examples: vec![ex("INPUT", "OUTPUT"); 3],
    };
    let p = problems(IDEA, &bad);
    let has = |s: &str| p.iter().any(|x| x.contains(s));
    assert!(has("Persona is a placeholder"), "{p:?}");
    assert!(has("Context is a placeholder"), "{p:?}");
    assert!(has("Format is a placeholder"), "{p:?}");
    assert!(has("Step 1 is a placeholder"), "{p:?}");
    assert!(has("Steps 1 and 2 are the same"), "{p:?}");
    assert!(has("The JSON schema is not JSON"), "{p:?}");
    assert!(has("Examples 1 and 2 have the same input"), "{p:?}");
    assert!(has("Example 1's input is a placeholder"), "{p:?}");
    assert!(has("Steps uses no word of your idea"), "{p:?}");
}

#[test]
fn each_rule_flags_one_fault() {
    type Spoil = Box<dyn Fn(&mut PromptSpec)>;
    let cases: Vec<(&str, Spoil)> = vec![
        ("Persona is empty", Box::new(|s| s.persona = "  ".into())),
        (
            "Context is a placeholder",
            Box::new(|s| s.context = "Context:".into()),
        ),
        (
            "Format is a placeholder",
            Box::new(|s| s.format = "THE FORMAT".into()),
        ),
        (
            "Persona uses no word of your idea",
            Box::new(|s| s.persona = "You are a friendly front-desk assistant at a gym.".into()),
        ),
        (
            "Steps 1 and 3 are the same",
            Box::new(|s| s.steps[2] = "read the meeting notes".into()),
        ),
        ("Steps has only one step", Box::new(|s| s.steps.truncate(1))),
        (
            "Context repeats the line",
            Box::new(|s| {
                s.context =
                    "List each action item from the notes.\nList each action item from the notes."
                        .into()
            }),
        ),
        (
            "Persona and Context have the same text",
            Box::new(|s| s.context = s.persona.clone()),
        ),
        (
            "There are 2 examples, not 3",
            Box::new(|s| s.examples.truncate(2)),
        ),
        (
            "Examples 1 and 3 have the same output",
            Box::new(|s| s.examples[2].output = s.examples[0].output.to_uppercase()),
        ),
        (
            "Example 2 has no output",
            Box::new(|s| s.examples[1].output.clear()),
        ),
        (
            "Format is a placeholder",
            Box::new(|s| s.format = "See json_schema_1234567890 for the items.".into()),
        ),
    ];
    for (want, spoil) in cases {
        let mut s = good();
        spoil(&mut s);
        let p = problems(IDEA, &s);
        assert!(p.iter().any(|x| x.contains(want)), "{want}: {p:?}");
    }
}

#[test]
fn topic_words_match_through_simple_stems() {
    assert_eq!(stem("deliveries"), "delivery");
    assert_eq!(stem("meetings"), "meet");
    assert_eq!(stem("pulls"), "pull");
    assert_eq!(stem("class"), "class");
    let idea = "Answer customer emails about late deliveries, politely and briefly";
    let mut s = good();
    s.persona = "You are a support agent for a delivery company.".into();
    s.context = "Customers write when a parcel is late.".into();
    s.steps = vec![
        "Read the email.".into(),
        "Apologise for the late parcel.".into(),
    ];
    s.format = "A polite email of three sentences.".into();
    s.examples = vec![
        ex(
            "Where is my parcel? It is late.",
            "Sorry it is late: it arrives Monday.",
        ),
        ex(
            "Second late delivery this month!",
            "We are sorry; here is a refund.",
        ),
        ex("Hi", "How can I help with your delivery?"),
    ];
    assert_eq!(problems(idea, &s), Vec::<String>::new());
}

#[test]
fn a_short_acronym_in_a_sentence_is_not_a_placeholder() {
    let mut s = good();
    s.format = "A JSON list of action items with owner and task.".into();
    assert_eq!(problems(IDEA, &s), Vec::<String>::new());
}

#[test]
fn one_text_is_judged_by_the_same_rules() {
    let topic = "Bob will send the deck by Friday.";
    assert_eq!(
        text_problems(topic, "- Bob: send the deck (Friday)"),
        Vec::<String>::new()
    );
    let has = |text: &str, want: &str| {
        let p = text_problems(topic, text);
        assert!(p.iter().any(|x| x.contains(want)), "{text:?}: {p:?}");
    };
    has("  ", "empty");
    has("OUTPUT", "placeholder");
    has(
        "Bob sends the deck today.\nBob sends the deck today.",
        "repeats the line",
    );
    has("Thank you for your patience!", "does not mention the topic");
}

// Tryout 11 (m2): for an Arabic idea with an HTML tag, the "check it" reason listed the tag's
// words ("img, src and 2 more") as words of the idea, and the Arabic words, mixed into the
// English sentence, reordered the list on screen.
#[test]
fn markup_is_not_an_idea_word_and_each_word_keeps_its_direction() {
    let idea = "<img src=x onerror=alert(1)> بوت يلخص رسائل البريد";
    let problems = section_problems(
        idea,
        &content_stems(idea),
        Section::Persona,
        "You are a friendly baker.",
    );
    let why = problems
        .iter()
        .find(|p| p.starts_with("Persona uses no word of your idea"))
        .expect("flagged");
    for tag_word in ["img", "src", "onerror", "alert"] {
        assert!(!why.contains(tag_word), "{why}");
    }
    assert!(why.contains("\u{2068}يلخص\u{2069}, "), "{why}");
    // A lone "<" is text, not a tag.
    assert!(content_stems("costs < budget").contains("budget"));
    assert!(!content_stems("<span>bold</span> claims").contains("span"));
    assert!(content_stems("<span>bold</span> claims").contains("bold"));
}

// Tryout 46: "Format uses no word of your idea" for an on-topic Format: a Format describes a
// shape, which need not repeat a word of the idea. Other sections still must.
#[test]
fn a_format_is_not_doubted_for_its_words() {
    let mut spec = good();
    spec.format = "A bulleted list, one line each: **Name**: task (due date). Nothing else.".into();
    let p = problems(IDEA, &spec);
    assert!(
        !p.iter().any(|x| x.starts_with("Format uses no word")),
        "{p:?}"
    );
    spec.context = "You work at a gym front desk.".into();
    let p = problems(IDEA, &spec);
    assert!(
        p.iter().any(|x| x.starts_with("Context uses no word")),
        "{p:?}"
    );
}

// Tryout 48: two examples whose outputs are rightly the same ("No action items.") were marked
// "Examples repeats the line"; only a whole example repeated is a repeat.
#[test]
fn examples_repeat_only_when_a_whole_example_does() {
    let mut spec = good();
    spec.examples = vec![
        ex("We talked about lunch.", "No action items."),
        ex("The weather was nice today.", "No action items."),
        ex("Ann: budget by May.", "- **Ann**: budget (May)"),
    ];
    let p = problems(IDEA, &spec);
    assert!(!p.iter().any(|x| x.contains("repeats")), "{p:?}");
    spec.examples[1] = spec.examples[0].clone();
    let p = problems(IDEA, &spec);
    assert!(
        p.iter().any(|x| x.starts_with("Examples repeats the example \u{201c}We talked about lunch. \u{2192} No action items.\u{201d}")),
        "{p:?}"
    );
}

/// Tryout 117: a Japanese idea was one "word" (no spaces), so every section of a draft on its
/// topic was marked "check it" and every typical suggestion was left out. Scripts without spaces
/// are read as pairs of characters, hiragana breaking the runs; other scripts are unchanged.
#[test]
fn ideas_in_scripts_without_spaces_match_their_words() {
    let ja = "会議のメモから行動項目を抽出するボット";
    let words: Vec<String> = words_of(ja).collect();
    assert_eq!(
        words,
        [
            "会議", "メモ", "行動", "動項", "項目", "抽出", "ボッ", "ット"
        ],
        "{words:?}"
    );
    let topic = content_stems(ja);
    // A section on the topic shares a word; one off it shares none.
    assert!(shares_stem(
        &topic,
        &content_stems("あなたは会議の記録を整理する秘書です。")
    ));
    assert!(!shares_stem(&topic, &content_stems("あなたは武道家です。")));
    // Chinese (no kana) and Korean (words carry their particles).
    let zh = content_stems("从会议记录中提取行动项的机器人");
    assert!(shares_stem(&zh, &content_stems("你是一名会议助理。")));
    let ko = content_stems("회의록에서 할 일을 뽑는 봇");
    assert!(shares_stem(&ko, &content_stems("당신은 회의 비서입니다.")));
    // ... whose particles and endings are not words of it (tryout 118: "에서" matched).
    assert!(!shares_stem(
        &ko,
        &content_stems("당신은 요리사입니다. 부엌에서 일합니다.")
    ));
    assert_eq!(
        words_of("회의록에서 회의의 비서입니다").collect::<Vec<_>>(),
        ["회의", "의록", "회의", "비서"]
    );
    // Thai (Lao, Khmer, Myanmar alike) as runs of three: its vowel signs and tone marks are
    // characters, so pairs were shared by unrelated words (session 56's note: a Thai idea was
    // one word, so every section missed it).
    let th = content_stems("บอทที่ดึงรายการงานจากบันทึกการประชุม");
    assert!(shares_stem(
        &th,
        &content_stems("คุณเป็นผู้ช่วยที่สรุปบันทึกการประชุม")
    ));
    assert!(!shares_stem(
        &th,
        &content_stems("คุณเป็นพ่อครัวที่ทำอาหารและของหวาน")
    ));
    assert_eq!(
        words_of("ประชุม").collect::<Vec<_>>(),
        ["ประ", "ระช", "ะชุ", "ชุม"]
    );
    assert_eq!(words_of("งาน").collect::<Vec<_>>(), ["งาน"]);
    // Latin letters beside CJK ones: a word when over two letters.
    let mixed: Vec<String> = words_of("AIボット for meeting notes").collect();
    assert_eq!(mixed, ["ボッ", "ット", "meeting", "notes"], "{mixed:?}");
    // The list said in a doubt names the pairs.
    assert!(some_of(ja).contains("会議"), "{}", some_of(ja));
    // English is read as before.
    assert_eq!(
        words_of("A bot that pulls action items").collect::<Vec<_>>(),
        ["pulls", "action", "items"]
    );
}
