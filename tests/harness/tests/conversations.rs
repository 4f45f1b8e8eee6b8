//! End-to-end: conversation test cases. A three-turn case (user, assistant, user) is built in the
//! case editor, run against the fake provider and judged: the execution request carries the
//! system prompt and the turns in order, the judge's request carries the earlier turns, and the
//! verdict shows on the page. A chat log (OpenAI's messages, one conversation a line) imports as a
//! conversation case with its bad line reported. A conversation case travels through a share link
//! into a fresh browser profile.
use pw_harness::browser::Browser;
use pw_harness::browser::TypeText;
use pw_harness::fake_provider::FakeProvider;
use pw_harness::pages::{CasesPage, TAB, share_link, spec_reply, wait_verdict};
use pw_harness::static_site::StaticSite;
use serde_json::{Value, json};

/// The fake provider and the app with the travel agent's prompt (pasted: no call is made).
async fn with_travel_prompt(
    width: u32,
    height: u32,
) -> anyhow::Result<(FakeProvider, StaticSite, Browser)> {
    let reply = spec_reply(
        "You are a friendly travel agent for Italy.",
        "Travellers chat with you about their trips.",
        &[
            "Read the whole conversation.",
            "Answer the last message, using what was said before.",
        ],
        "Two or three sentences.",
        &[
            (
                "Is Rome busy in August?",
                "Yes, and hot; go early in the day.",
            ),
            ("hi", "Hello! Where would you like to go?"),
            ("", "Tell me about your trip."),
        ],
    );
    pw_harness::with_fake_prompt(width, height, "a travel agent chatbot for Italy", &reply).await
}

/// Opens case #1 (the first case on the list) and checks it is the chat [`FIRST`], [`REPLY`].
async fn open_the_conversation(b: &Browser) -> anyhow::Result<()> {
    b.client
        .find(fantoccini::Locator::Css(".pw-case__summary"))
        .await?
        .click()
        .await?;
    let first = b.field("Turn 1 of case #1: User").await?;
    assert_eq!(first.prop("value").await?.as_deref(), Some(FIRST));
    let second = b.field("Turn 2 of case #1: Assistant").await?;
    assert_eq!(second.prop("value").await?.as_deref(), Some(REPLY));
    Ok(())
}

/// Case #1 built in the editor as a conversation: [`FIRST`] from the user, [`REPLY`] from the
/// assistant, then `last` typed as the last user message.
async fn build_conversation(b: &Browser, last: &str) -> anyhow::Result<()> {
    b.button("Add case").await?.click().await?;
    CasesPage::new(b).add_earlier_turns(1, FIRST, REPLY).await?;
    b.field("Last user message of case #1 (the reply to it is checked)")
        .await?
        .type_text(last)
        .await?;
    Ok(())
}

const JUDGE_MARK: &str = "strict, fair grader";
const FIRST: &str = "I want to visit Italy with my grandmother.";
const REPLY: &str = "Lovely! When are you going?";
const LAST: &str = "In July. Is it too hot for her?";

/// The messages of a recorded chat request's body.
fn messages(body: &str) -> Vec<(String, String)> {
    let v: Value = serde_json::from_str(body).expect("a JSON body");
    v["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| {
            (
                m["role"].as_str().unwrap_or("").to_owned(),
                m["content"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_three_turn_case_is_built_in_the_editor_sent_in_order_and_judged() -> anyhow::Result<()> {
    let (fake, _site, b) = with_travel_prompt(1280, 1600).await?;
    fake.reply_when(
        JUDGE_MARK,
        r#"{"reasoning":"It remembers the grandmother and answers about July heat.","score":9}"#,
    );
    fake.reply_when(
        "Is it too hot",
        "July is hot, so plan mornings and shade for your grandmother.",
    );

    build_conversation(&b, LAST).await?;
    // The turns can be reordered and removed from the keyboard-reachable buttons: an extra turn
    // is added, moved up, and removed again.
    b.button("Add a user turn to case #1")
        .await?
        .click()
        .await?;
    b.field("Turn 3 of case #1: User")
        .await?
        .type_text(&format!("scratch{TAB}"))
        .await?;
    b.button("Move turn 3 (user) of case #1 up")
        .await?
        .click()
        .await?;
    b.wait_until(
        "return document.getElementById('pw-case-1-turn-1')?.value === 'scratch' && document.getElementById('pw-case-1-turn-2')?.value === 'Lovely! When are you going?'",
        "the scratch turn moved up",
    )
    .await?;
    // Tryout 77: the focus stayed on the place, whose button then moved the other turn; it
    // follows the turn moved, as a case's does.
    b.wait_until(
        "return document.activeElement?.id === 'pw-case-1-turn-1-up'",
        "the focus on the moved turn's Move up",
    )
    .await?;
    b.button("Remove turn 2 (user) of case #1")
        .await?
        .click()
        .await?;
    b.wait_until(
        "return document.querySelectorAll('.pw-conv .pw-conv__turn').length === 2 && document.getElementById('pw-case-1-turn-1')?.value === 'Lovely! When are you going?'",
        "two turns again",
    )
    .await?;
    // Move down too, and back; each turn's buttons read as words.
    b.button("Move turn 1 (user) of case #1 down")
        .await?
        .click()
        .await?;
    b.wait_until(
        "return document.getElementById('pw-case-1-turn-0')?.value === 'Lovely! When are you going?' && document.getElementById('pw-case-1-turn-1')?.value === 'I want to visit Italy with my grandmother.'",
        "the first turn moved down",
    )
    .await?;
    // The last place: its Move down is off, the focus goes to its Move up.
    b.wait_until(
        "return document.activeElement?.id === 'pw-case-1-turn-1-up'",
        "the focus on the moved turn's Move up, at the last place",
    )
    .await?;
    b.button("Move turn 2 (user) of case #1 up")
        .await?
        .click()
        .await?;
    b.wait_until(
        "return document.getElementById('pw-case-1-turn-0')?.value === 'I want to visit Italy with my grandmother.'",
        "the first turn back in place",
    )
    .await?;
    let actions = b
        .eval("return Array.from(document.querySelectorAll('.pw-conv__actions button')).map(b => b.textContent + (b.disabled ? ' (off)' : '')).join()")
        .await?;
    assert_eq!(
        actions.as_str().unwrap_or(""),
        "Make it the assistant's,Move up (off),Move down,Remove,Make it the user's,Move up,Move down (off),Remove"
    );
    // "What the model receives" shows the whole conversation.
    b.wait_for_text("What the model receives")
        .await?
        .click()
        .await?;
    let preview = b
        .eval("return document.querySelector('[aria-label=\"Messages sent for case #1\"]').textContent")
        .await?;
    let preview = preview.as_str().unwrap_or("").to_owned();
    let (i, j, k) = (
        preview.find(FIRST).expect("first turn in the preview"),
        preview.find(REPLY).expect("assistant turn in the preview"),
        preview.find(LAST).expect("last message in the preview"),
    );
    assert!(i < j && j < k, "{preview}");
    assert!(preview.contains("Assistant message:"), "{preview}");
    b.screenshot_at(".pw-conv", "conversation-editor").await?;

    // The table shows it compactly.
    b.wait_for_text("Conversation \u{b7} 2 earlier turns")
        .await?;

    CasesPage::new(&b)
        .add_rubric(1, "Answers the last question and remembers who travels.")
        .await?;
    b.button("Run the case").await?.click().await?;
    wait_verdict(&b, 1, "pass").await?;
    b.wait_for_text("Score 9/10").await?;

    let requests = fake.chat_requests();
    let exec = requests
        .iter()
        .find(|r| !r.body.contains(JUDGE_MARK) && r.body.contains(LAST))
        .expect("the execution request");
    let sent = messages(&exec.body);
    assert_eq!(sent.len(), 4, "{sent:?}");
    assert_eq!(sent[0].0, "system");
    assert!(sent[0].1.contains("friendly travel agent"), "{sent:?}");
    assert_eq!(
        sent[1..].to_vec(),
        vec![
            ("user".to_owned(), FIRST.to_owned()),
            ("assistant".to_owned(), REPLY.to_owned()),
            ("user".to_owned(), LAST.to_owned()),
        ]
    );
    let judge = requests
        .iter()
        .find(|r| r.body.contains(JUDGE_MARK))
        .expect("the judge request");
    let graded = messages(&judge.body)
        .into_iter()
        .map(|(_, t)| t)
        .collect::<Vec<_>>()
        .join("\n");
    for turn in [FIRST, REPLY, LAST] {
        assert!(graded.contains(turn), "the judge sees {turn:?}: {graded}");
    }

    // The result shows the conversation, folded, above the answer.
    b.wait_for_text("Conversation \u{b7} 2 earlier turns: show the conversation")
        .await?
        .click()
        .await?;
    let row = pw_harness::pages::result_text(&b, 1).await?;
    assert!(row.contains(FIRST) && row.contains(REPLY), "{row}");
    b.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_log_imports_as_a_conversation_and_its_bad_line_is_reported() -> anyhow::Result<()> {
    let (_fake, _site, b) = with_travel_prompt(1280, 1400).await?;
    let dir = std::env::temp_dir().join(format!("pw-conv-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("chats.jsonl");
    let good = json!({"messages": [
        {"role": "system", "content": "You are a bot."},
        {"role": "user", "content": FIRST},
        {"role": "assistant", "content": REPLY},
        {"role": "user", "content": LAST},
        {"role": "assistant", "content": "Plan mornings and shade."}
    ]});
    std::fs::write(&file, format!("{good}\n{{\"messages\": \"not a list\"}}\n"))?;
    b.client
        .find(fantoccini::Locator::Css(
            "input[aria-label='Import test cases from a CSV, JSONL or promptfoo file']",
        ))
        .await?
        .send_keys(file.to_str().unwrap())
        .await?;
    b.wait_for_text("chats.jsonl: 1 line cannot be imported")
        .await?;
    b.wait_for_text("Line 2: its messages are not a list of messages")
        .await?;
    b.wait_for_text("the system message (message 1) left out")
        .await?;
    b.button("Import the 1 good case").await?.click().await?;
    b.wait_for_text("Conversation \u{b7} 2 earlier turns")
        .await?;
    // Opened, it is the chat: its turns, its last message and the reply as the expected answer.
    open_the_conversation(&b).await?;
    let expected = b.field("Expected answer (optional)").await?;
    assert_eq!(
        expected.prop("value").await?.as_deref(),
        Some("Plan mornings and shade.")
    );
    b.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_case_travels_through_a_share_link_to_a_fresh_profile() -> anyhow::Result<()>
{
    let (_fake, _site, a) = with_travel_prompt(1280, 1400).await?;
    build_conversation(&a, &format!("{LAST}{TAB}")).await?;
    let link = share_link(&a, "Include the test case and its checks").await?;
    a.close().await?;

    let b = Browser::start_at(1280, 1400, &link).await?;
    b.wait_for_text("Shared draft").await?;
    b.wait_for_text("Conversation \u{b7} 2 earlier turns: show the conversation")
        .await?
        .click()
        .await?;
    b.wait_for_text(FIRST).await?;
    b.wait_for_text(REPLY).await?;
    b.button("Save as my draft").await?.click().await?;
    b.wait_for_text("Conversation \u{b7} 2 earlier turns")
        .await?;
    open_the_conversation(&b).await?;
    b.close().await?;
    Ok(())
}
