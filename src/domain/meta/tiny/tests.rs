//! The tiny model's Generate: task lines, the requests part by part, and reading completions.
use super::*;
use crate::domain::meta::IdeaInput;

fn input(idea: &str) -> IdeaInput {
    IdeaInput {
        idea: idea.into(),
        ..IdeaInput::default()
    }
}

#[test]
fn an_idea_becomes_a_task_line_like_the_worked_examples() {
    assert_eq!(
        task_line("A bot that pulls action items out of meeting notes"),
        "Pull action items out of meeting notes"
    );
    assert_eq!(
        task_line("an assistant which summarises  long emails."),
        "Summarise long emails"
    );
    assert_eq!(
        task_line("A tool that classifies tickets"),
        "Classify tickets"
    );
    assert_eq!(
        task_line("Explain error messages to beginners learning Python"),
        "Explain error messages to beginners learning Python"
    );
    assert_eq!(task_line("a bot that"), "A bot that");
    assert_eq!(task_line("  "), "");
}

#[test]
fn each_part_is_a_plain_completion_of_the_worked_examples_then_the_task() {
    let mut d = TinyDraft::new(&input("A bot that pulls action items out of meeting notes"));
    let mut seen = Vec::new();
    while let Some(req) = d.request() {
        let plain = req.plain.clone().expect("a plain completion");
        assert_eq!(req.temperature, 0.0);
        assert_eq!(plain.repeat_penalty, REPEAT_PENALTY);
        assert!(req.system.is_none());
        let prompt = &req.messages[0].text;
        let shown = if seen.len() < 4 && seen.len() != 2 {
            7
        } else {
            4
        };
        assert_eq!(
            prompt.matches("Task: ").count(),
            shown,
            "the worked tasks and ours"
        );
        let tail = prompt.rsplit("Task: ").next().unwrap();
        seen.push(tail.to_owned());
        assert!(tail.starts_with("Pull action items out of meeting notes\n"));
        d.accept("meeting notes x\nReply: meeting notes y");
    }
    assert_eq!(
        seen.iter()
            .map(|t| t.lines().nth(1).unwrap_or(""))
            .collect::<Vec<_>>(),
        [
            "Persona: You are",
            "Context:",
            "Steps:",
            "Format:",
            "Input for this task (a typical message):",
            "Input for this task (a harder message):",
            "Input for this task (a message with missing details):"
        ]
    );
    assert!(d.is_done());
    assert_eq!(d.progress(), (7, 7));
}

#[test]
fn completions_are_read_into_the_five_sections() {
    let mut d = TinyDraft::new(&IdeaInput {
        variables: vec!["notes".into()],
        ..input("Pull action items out of meeting notes")
    });
    d.accept(" a meeting assistant who lists action items.\n");
    d.accept(" Team leads paste \"meeting notes\".");
    d.accept(" Read the notes.\n2. Find each action item.\n2. Find each action item.\nsome chatter\n3. List them.");
    d.accept(" A bulleted list of action items.");
    assert_eq!(
        d.live(" Bob sends the deck.\nReply: - Bob").examples.len(),
        1
    );
    d.accept(" Bob sends the deck.\nReply: - Bob: send the deck");
    d.accept(" Ana and Bob talk.\nReply: - Ana: book the room");
    d.accept(" hi");
    // The model stopped after the input: the reply is asked on its own, the input in the prompt.
    assert!(!d.is_done());
    let req = d.request().unwrap();
    assert!(
        req.messages[0]
            .text
            .ends_with("(a message with missing details): hi\nReply:")
    );
    assert_eq!(d.live(" Please paste").examples[2].output, "Please paste");
    d.accept(" Please paste the notes.");
    assert!(d.is_done());
    let s = d.spec();
    assert_eq!(
        s.persona,
        "You are a meeting assistant who lists action items."
    );
    assert_eq!(
        s.context,
        "Team leads paste \"meeting notes\". The input arrives as {{notes}}."
    );
    assert_eq!(
        s.steps,
        ["Read the notes.", "Find each action item.", "List them."]
    );
    assert_eq!(s.format, "A bulleted list of action items.");
    assert_eq!(s.examples.len(), 3);
    assert_eq!(s.examples[0].input, "Bob sends the deck.");
    assert_eq!(s.examples[0].output, "- Bob: send the deck");
    assert_eq!(s.examples[2].input, "hi");
    assert_eq!(s.examples[2].output, "Please paste the notes.");
}

#[test]
fn the_live_view_shows_the_part_being_written() {
    let mut d = TinyDraft::new(&input("Summarise long emails"));
    assert_eq!(d.live(" an edi").persona, "You are an edi");
    d.accept(" an editor of long emails.");
    let live = d.live(" People paste");
    assert_eq!(live.persona, "You are an editor of long emails.");
    assert_eq!(live.context, "People paste");
}

// The real model once wrote a persona with no word of the idea on a busy machine; the same part
// asked again, sampled, gave a usable one. A part that fails its section's check is asked again
// at most RETRIES times, with another seed each time, then kept as it is.
#[test]
fn an_unusable_part_is_asked_again_then_kept() {
    let mut d = TinyDraft::new(&input("A bot that pulls action items out of meeting notes"));
    let first = d.request().unwrap();
    d.accept(" a friendly helper.");
    assert_eq!(d.progress(), (0, 7), "the persona is asked again");
    assert_eq!(d.retries(), 1);
    let again = d.request().unwrap();
    assert_eq!(again.messages[0].text, first.messages[0].text);
    assert_eq!(again.temperature, RETRY_TEMPERATURE);
    assert_eq!(again.plain.as_ref().unwrap().seed, SEED + 1);
    d.accept(" PERSONA");
    assert_eq!(d.retries(), 2);
    assert_eq!(d.request().unwrap().plain.unwrap().seed, SEED + 2);
    d.accept(" a cheerful greeter.");
    // Out of tries: kept, and the next part starts greedy again.
    assert_eq!(d.progress(), (1, 7));
    assert_eq!(d.spec().persona, "You are a cheerful greeter.");
    let next = d.request().unwrap();
    assert_eq!((next.temperature, next.plain.unwrap().seed), (0.0, SEED));
    // A usable answer moves on at once.
    d.accept(" Team leads paste their meeting notes.");
    assert_eq!((d.progress(), d.retries()), ((2, 7), 0));
    // An example only needs to be an input and a reply, not to name the task; a looping reply
    // is asked again, input and all.
    d.accept(" Read the notes.\n2. List the action items.");
    d.accept(" A list of action items.");
    d.accept(" hi\nReply: Bob sends the deck.\nBob sends the deck.");
    assert_eq!((d.progress(), d.retries()), ((4, 7), 1));
    d.accept(" hi\nReply: Please paste the meeting notes.");
    assert_eq!((d.progress(), d.retries()), ((5, 7), 0));
}
