//! Tests for the share-link codec: round trips of the reference drafts, the older format,
//! damaged and hostile links, and a million random and mutated inputs without a panic.
use super::*;
use crate::domain::wire::Include;

const ALL: Include = Include::ALL;
const CURRENT: Include = Include {
    history: false,
    cases: false,
    results: false,
};

#[test]
fn every_reference_draft_round_trips() {
    for (name, d) in reference_drafts() {
        let back = decode(&encode(&d, ALL).unwrap()).unwrap_or_else(|e| panic!("{name}: {e}"));
        // Timestamps travel in whole seconds; costs are the tokens at this page's prices.
        let mut expected = d.clone();
        expected.price_here();
        // Its results came with the link (`Draft::results_received`).
        expected.results_received();
        for v in &mut expected.versions {
            v.created_ms = (v.created_ms / 1000.0).floor() * 1000.0;
        }
        assert_eq!(back, expected, "{name}");
        let current = decode(&fragment(&d, CURRENT).unwrap()).unwrap();
        assert_eq!(
            current
                .current_spec()
                .map(|s| s.render(crate::domain::spec::RenderStyle::Markdown)),
            d.current_spec()
                .map(|s| s.render(crate::domain::spec::RenderStyle::Markdown)),
            "{name}"
        );
        assert!(current.versions.len() <= 1);
    }
}

#[test]
fn links_are_url_safe_and_hold_no_key_field() {
    for (_, d) in reference_drafts() {
        let f = fragment(&d, ALL).unwrap();
        assert!(f.starts_with("#pw=2."));
        assert!(
            f[1..]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.=".contains(c)),
            "{f}"
        );
    }
    let json = serde_json::to_string(&pack(&crate::domain::wire::DraftV1::from_draft(
        &reference_drafts()[1].1,
        ALL,
    )))
    .unwrap();
    assert!(!json.to_lowercase().contains("key"));
}

#[test]
fn version_one_links_still_open() {
    // A link in the first format, written by hand into the fixture so it never changes.
    let fixture = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/domain/fixtures/share_v1.txt"
    ))
    .unwrap();
    let d = decode(fixture.trim()).unwrap();
    assert_eq!(d.name, "Action items");
    assert_eq!(
        d.current_spec().unwrap().persona,
        "You are a meticulous meeting analyst."
    );
    // And today's encoder still writes that format on request.
    let (_, full) = &reference_drafts()[1];
    assert_eq!(decode(&encode_v1(full, ALL)).unwrap(), *full);
}

#[test]
fn damaged_links_say_what_is_wrong() {
    let (_, d) = &reference_drafts()[1];
    let good = encode(d, ALL).unwrap();
    assert_eq!(decode(""), Err(ShareError::Empty));
    assert_eq!(decode("#pw="), Err(ShareError::CutOff));
    assert_eq!(decode("9.abc"), Err(ShareError::UnknownVersion("9".into())));
    // Tryout: a payload that does not decode was called cut off; the format comes first.
    assert_eq!(
        decode("#pw=3.abcdef"),
        Err(ShareError::UnknownVersion("3".into()))
    );
    assert_eq!(decode("2.ab$cd"), Err(ShareError::NotBase64));
    // Cut off when copied.
    let cut = &good[..good.len() * 2 / 3];
    assert!(
        matches!(decode(cut), Err(ShareError::Corrupt | ShareError::CutOff)),
        "{:?}",
        decode(cut)
    );
    // Tryout 120 (F6): the last 10 characters changed (the length kept) read as "cut off":
    // the packed draft cannot tell, so the words name a changed end too.
    let changed_end = format!("{}AAAAAAAAAA", &good[..good.len() - 10]);
    match decode(&changed_end) {
        Err(e @ ShareError::CutOff) => assert!(e.to_string().contains("or its end changed"), "{e}"),
        Err(ShareError::Corrupt) => {}
        other => panic!("{other:?}"),
    }
    // One character changed in the middle.
    let mut chars: Vec<char> = good.chars().collect();
    let mid = chars.len() / 2;
    chars[mid] = if chars[mid] == 'A' { 'B' } else { 'A' };
    let tampered: String = chars.into_iter().collect();
    assert!(decode(&tampered).is_err(), "tampered link accepted");
    assert_eq!(
        decode(&"A".repeat(MAX_LINK_CHARS + 1)),
        Err(ShareError::Oversized(MAX_LINK_CHARS + 1))
    );
}

#[test]
fn a_link_cut_at_any_length_is_explained_as_cut_off() {
    let (_, d) = &reference_drafts()[1];
    let links = [
        fragment(d, ALL).unwrap(),
        format!("#{FRAGMENT_KEY}{}", encode_v1(d, ALL)),
    ];
    for link in links {
        for len in 1..link.len() {
            let cut = &link[..len];
            let why = decode(cut).expect_err(cut).to_string();
            assert!(
                why.contains("cut off") && !why.contains("never has"),
                "cut to {len} of {}: {why}",
                link.len()
            );
        }
    }
}

#[test]
fn a_link_with_a_foreign_character_says_so() {
    let (_, d) = &reference_drafts()[1];
    let link = fragment(d, ALL).unwrap();
    let mid = link.len() / 2;
    for foreign in [" ", "%", "!", "%20"] {
        // In a whole link, or in a cut one: the foreign character is what is said.
        for damaged in [
            format!("{}{foreign}{}", &link[..mid], &link[mid..]),
            format!("{}{foreign}A", &link[..mid]),
        ] {
            assert_eq!(decode(&damaged), Err(ShareError::NotBase64), "{damaged}");
        }
    }
}

#[test]
fn decompression_is_capped() {
    // 64 MB of zeros deflates to a few KB: a bomb must be refused, not expanded.
    let zeros = vec![b'0'; 64 * 1024 * 1024];
    let bomb = miniz_oxide::deflate::compress_to_vec(&zeros, 10);
    let mut payload = vec![1u8];
    payload.extend_from_slice(&fnv24(&zeros));
    payload.extend_from_slice(&bomb);
    let link = format!("2.{}", URL_SAFE_NO_PAD.encode(payload));
    assert!(
        link.len() < MAX_LINK_CHARS,
        "the bomb fits in a link ({} chars)",
        link.len()
    );
    assert_eq!(decode(&link), Err(ShareError::TooLarge));
}

/// A small deterministic generator, so failures reproduce.
struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn fuzz_random_and_mutated_links_never_panic() {
    let count = crate::domain::fuzz::scaled(200_000);
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let alphabet: Vec<char> =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=#pw12"
            .chars()
            .collect();
    let seeds: Vec<String> = reference_drafts()
        .iter()
        .map(|(_, d)| encode(d, ALL).unwrap())
        .collect();
    let mut accepted = 0;
    for i in 0..count as u64 {
        let input: String = if i % 2 == 0 {
            let len = (rng.next() % 120) as usize;
            let prefix = if i % 4 == 0 { "2." } else { "" };
            prefix
                .chars()
                .chain((0..len).map(|_| alphabet[(rng.next() % alphabet.len() as u64) as usize]))
                .collect()
        } else {
            let seed = &seeds[(rng.next() % seeds.len() as u64) as usize];
            let mut chars: Vec<char> = seed.chars().collect();
            for _ in 0..=(rng.next() % 3) {
                let at = (rng.next() % chars.len() as u64) as usize;
                match rng.next() % 3 {
                    0 => chars[at] = alphabet[(rng.next() % alphabet.len() as u64) as usize],
                    1 => {
                        chars.remove(at);
                    }
                    _ => chars.truncate(at.max(3)),
                }
            }
            chars.into_iter().collect()
        };
        if decode(&input).is_ok() {
            accepted += 1;
        }
    }
    // Almost every damaged link is caught by the checksum or the parser.
    assert!(
        accepted < count / 1_000,
        "{accepted} of {count} damaged links were accepted"
    );
}

#[test]
fn the_windows_transform_round_trips_every_script() {
    let texts = [
        "",
        "plain ASCII text",
        "Résumé des réunions — ça marche",
        "会議の議事録を要約する（全角：記号）",
        "Привет, мир! Ελληνικά",
        "emoji 👩‍👩‍👧 and \u{FFFF}\u{FEFF}\u{FF00}\u{00FF}ÿ",
        "mixed 日本 text \u{FEFE}\u{FFFE}",
    ];
    for t in texts {
        let w = to_windows(t);
        assert_eq!(from_windows(&w).unwrap(), t, "{t:?} -> {w:?}");
    }
    // Text in one script costs about a byte a character; mixed Japanese still less than UTF-8.
    let ru = "приветмир".repeat(10);
    assert_eq!(
        to_windows(&ru).len(),
        ru.chars().count() + 2,
        "one switch to Cyrillic, then a byte each"
    );
    let jp = "会議の議事録を要約する".repeat(10);
    assert!(
        to_windows(&jp).len() < jp.len(),
        "{}",
        to_windows(&jp).len()
    );
    // Damaged input is an error, not a panic.
    for bad in [&[0xFFu8][..], &[0xFF, 0xFE], &[0xFF, 0xD8, 0x00]] {
        assert!(from_windows(bad).is_err(), "{bad:?}");
    }
}

proptest::proptest! {
    #[test]
    fn windows_round_trip_any_text(t in "\\PC*") {
        proptest::prop_assert_eq!(from_windows(&to_windows(&t)).unwrap(), t);
    }
}

/// Text of `len` characters: a few words repeated (deflates well) or random characters from
/// several scripts (does not).
fn text(rng: &mut XorShift, len: usize, repetitive: bool) -> String {
    const WORDS: [&str; 8] = [
        "action ",
        "items ",
        "réunion ",
        "会議の",
        "привет ",
        "😀 ",
        "\"q\" ",
        "{{notes}} ",
    ];
    let mut s = String::with_capacity(len);
    let mut chars = 0;
    while chars < len {
        if repetitive {
            let w = WORDS[(rng.next() % 8) as usize];
            s.push_str(w);
            chars += w.chars().count();
        } else {
            let ranges = [
                (0x20u32, 0x7e),
                (0xc0, 0x24f),
                (0x3040, 0x30ff),
                (0x4e00, 0x9fff),
            ];
            let (lo, hi) = ranges[(rng.next() % 4) as usize];
            s.extend(char::from_u32(
                lo + (rng.next() % u64::from(hi - lo)) as u32,
            ));
            chars += 1;
        }
    }
    s
}

/// A draft with random versions, cases, checks and runs; `scale` sets how much text.
fn random_draft(seed: u64, scale: usize) -> Draft {
    use crate::domain::draft::Origin;
    use crate::domain::eval::run::{CaseRun, Run, Status};
    use crate::domain::eval::{Assertion, Check, TestCase};
    use crate::domain::spec::PromptSpec;
    let mut rng = XorShift(seed | 1);
    let rep = rng.next() % 2 == 0;
    let len = |rng: &mut XorShift| (rng.next() % (scale as u64 * 40 + 1)) as usize;
    let mut d = Draft::default();
    let n = len(&mut rng);
    d.name = text(&mut rng, n % 60, rep);
    let n = len(&mut rng);
    d.idea.idea = text(&mut rng, n, rep);
    for v in 0..1 + rng.next() % 5 {
        let (a, b, c) = (len(&mut rng), len(&mut rng), len(&mut rng));
        let spec = PromptSpec {
            persona: text(&mut rng, a, rep),
            context: text(&mut rng, b, rep),
            steps: (0..rng.next() % 6)
                .map(|_| text(&mut rng, c / 3, rep))
                .collect(),
            format: format!("v{v}"),
            ..Default::default()
        };
        d.commit(spec, Origin::Pasted, 1e12 + v as f64 * 1000.0);
    }
    for _ in 0..rng.next() % 8 {
        let (a, b) = (len(&mut rng), len(&mut rng));
        let input = text(&mut rng, a, rep);
        let expected = text(&mut rng, b, rep);
        d.suite.add(TestCase {
            input,
            expected: expected.clone(),
            assertions: vec![Assertion::new(Check::ContainsAny(vec![expected]))],
            ..Default::default()
        });
    }
    let mut run = Run {
        version: d.current,
        model: "m".into(),
        started_ms: 1e12,
        ..Default::default()
    };
    for c in d.suite.cases.clone() {
        let n = len(&mut rng) * 4;
        run.cases.insert(
            c.id,
            CaseRun {
                status: Status::Done,
                output: text(&mut rng, n, rep),
                ..Default::default()
            },
        );
    }
    d.put_run(run);
    d
}

/// Caps and choices: is the link refused when made, or does it open?
fn check_link(d: &Draft, include: Include, caps: Caps) {
    match encode_within(d, include, caps, &[]) {
        Ok(link) => {
            let frag = format!("#{FRAGMENT_KEY}{link}");
            assert!(frag.len() <= caps.link_chars, "{} > {caps:?}", frag.len());
            decode_within(&frag, caps).unwrap_or_else(|e| panic!("made but refused: {e}"));
        }
        Err(e) => {
            let mut smaller = include;
            for p in &e.leave_out {
                match p {
                    LeaveOut::Results => {
                        assert!(include.results && include.cases);
                        smaller.results = false;
                    }
                    LeaveOut::History => {
                        assert!(include.history);
                        smaller.history = false;
                    }
                    LeaveOut::Cases => {
                        assert!(include.cases);
                        (smaller.cases, smaller.results) = (false, false);
                    }
                }
            }
            if e.leave_out.is_empty() {
                // Nothing helps: even the current prompt alone does not fit.
                assert!(encode_within(d, CURRENT, caps, &[]).is_err(), "{e:?}");
            } else {
                let link = encode_within(d, smaller, caps, &[])
                    .unwrap_or_else(|e2| panic!("advice {e:?} does not fit: {e2:?}"));
                decode_within(&format!("#{FRAGMENT_KEY}{link}"), caps).unwrap();
            }
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config::with_cases(96))]
    #[test]
    fn every_link_the_encoder_makes_opens(
        seed in proptest::prelude::any::<u64>(),
        scale in 0usize..40,
        history: bool, cases: bool, results: bool,
        link_chars in 40usize..12_000,
        unpacked in 16usize..40_000,
    ) {
        let d = random_draft(seed, scale);
        let include = Include { history, cases, results };
        check_link(&d, include, Caps { link_chars, unpacked });
        check_link(&d, include, CAPS);
    }
}

#[test]
fn drafts_too_large_for_a_link_say_what_to_leave_out() {
    // Regression: a draft that deflates well but unpacks to more than 4 MB (long run outputs)
    // got a short link that its own decoder refused as too large; a draft with much varied text
    // got a link longer than the decoder opens. The share panel offered both.
    let mut rng = XorShift(7);
    let (_, base) = &reference_drafts()[1];
    let mut big_results = base.clone();
    let mut run = big_results
        .run_of(big_results.current)
        .cloned()
        .unwrap_or_default();
    run.version = big_results.current;
    let id = big_results.suite.cases[0].id;
    let case = run.cases.entry(id).or_default();
    case.status = crate::domain::eval::run::Status::Done;
    case.output = text(&mut rng, 4_500_000, true);
    big_results.put_run(run);
    let e = encode(&big_results, ALL).unwrap_err();
    assert_eq!(e.leave_out, vec![LeaveOut::Results]);
    let said = e.to_string();
    assert!(
        said.starts_with("This draft is too large for a share link. Sizes: the run results ")
            && said.contains(" MB, the idea ")
            && said.ends_with("Leave out the run results and it fits."),
        "{said}"
    );
    check_link(&big_results, ALL, CAPS);

    let mut long_history = base.clone();
    let mut spec = long_history.current_spec().cloned().unwrap();
    spec.context = text(&mut rng, 400_000, false);
    long_history.commit(spec, crate::domain::draft::Origin::Pasted, 1.0);
    let mut spec = long_history.current_spec().cloned().unwrap();
    spec.context = "Short again.".into();
    long_history.commit(spec, crate::domain::draft::Origin::Pasted, 2.0);
    let e = encode(&long_history, ALL).unwrap_err();
    assert_eq!(e.leave_out, vec![LeaveOut::History]);
    assert!(e.chars > MAX_LINK_CHARS, "{}", e.chars);
    check_link(&long_history, ALL, CAPS);

    let mut huge_prompt = base.clone();
    let mut spec = huge_prompt.current_spec().cloned().unwrap();
    spec.persona = text(&mut rng, 400_000, false);
    huge_prompt.commit(spec, crate::domain::draft::Origin::Pasted, 3.0);
    let e = encode(&huge_prompt, ALL).unwrap_err();
    assert_eq!(e.leave_out, vec![]);
    assert!(e.to_string().contains("the prompt alone is"), "{e}");
    assert!(e.to_string().contains("Export the draft"), "{e}");
    check_link(&huge_prompt, CURRENT, CAPS);

    // Just under the caps, links are made and open.
    let mut fits = base.clone();
    let mut spec = fits.current_spec().cloned().unwrap();
    spec.persona = text(&mut rng, 40_000, false);
    fits.commit(spec, crate::domain::draft::Origin::Pasted, 4.0);
    assert!(decode(&fragment(&fits, ALL).unwrap()).is_ok());
}

// Bug: a shared draft's preview said "with run results" for a draft whose results were left out
// of the link (it counted run records, not results of the cases it shows).
#[test]
fn a_links_preview_counts_only_the_results_it_carries() {
    use crate::domain::draft::Origin;
    use crate::domain::eval::run::{CaseRun, Run, Status};
    use crate::domain::spec::PromptSpec;
    let (mut d, ids) = two_case_draft();
    let mut run = Run {
        version: d.current,
        started_ms: 1e12,
        ..Default::default()
    };
    for (id, status) in [
        (ids[0], Status::Done),
        (ids[1], Status::Running),
        (99, Status::Done),
    ] {
        run.cases.insert(
            id,
            CaseRun {
                status,
                output: "x".into(),
                ..Default::default()
            },
        );
    }
    d.put_run(run);
    // One answer of a case in the draft; a call still going (sent as cancelled) and a deleted case's
    // result do not count.
    assert_eq!(d.cases_with_results(), 1);
    let with = |results: bool| Include {
        history: false,
        cases: true,
        results,
    };
    let back = decode(&encode(&d, with(false)).unwrap()).unwrap();
    assert_eq!(back.suite.cases.len(), 2);
    assert_eq!(back.cases_with_results(), 0, "results left out of the link");
    let back = decode(&encode(&d, with(true)).unwrap()).unwrap();
    assert_eq!(back.cases_with_results(), 1);
    // A run of an earlier version is not a result of the version shown.
    let newer = PromptSpec {
        persona: "You list action items with owners.".into(),
        ..Default::default()
    };
    d.commit(newer, Origin::Pasted, 2e12);
    assert_eq!(d.cases_with_results(), 0);
}

// Bug (first-hour tryout): "Include the run results" was ticked after an edit had made a new
// version, and the link carried no results without saying so. The offer says, before the link is
// copied, what the option carries: none yet, the current version's, or an earlier version's only
// with the history; and the link carries exactly that.
#[test]
fn the_results_offer_says_what_a_link_carries() {
    use crate::domain::draft::Origin;
    use crate::domain::eval::TestCase;
    use crate::domain::eval::run::{CaseRun, Run, Status};
    use crate::domain::spec::PromptSpec;
    let mut d = Draft::default();
    let spec = PromptSpec {
        persona: "You list action items.".into(),
        ..Default::default()
    };
    d.commit(spec.clone(), Origin::Pasted, 1e12);
    let ids: Vec<u32> = ["Ann books the room.", "Bob sends the deck."]
        .iter()
        .map(|input| {
            d.suite.add(TestCase {
                input: (*input).into(),
                ..Default::default()
            })
        })
        .collect();
    let offer = ResultsOffer::of(&d);
    assert_eq!(offer, ResultsOffer::NoneYet);
    assert!(!offer.available(true));
    assert_eq!(
        offer.note(false, true),
        "No run results yet for this version: run the test cases first."
    );

    let mut run = Run {
        version: d.current,
        started_ms: 1e12,
        ..Default::default()
    };
    run.cases.insert(
        ids[0],
        CaseRun {
            status: Status::Done,
            output: "- Ann: book the room".into(),
            ..Default::default()
        },
    );
    d.put_run(run);
    let offer = ResultsOffer::of(&d);
    assert_eq!(offer, ResultsOffer::Current { with: 1, of: 2 });
    assert!(offer.available(false));
    assert_eq!(
        offer.note(false, true),
        "The link carries the results of 1 of the 2 test cases (the others have none yet)."
    );

    // An edit makes version 2, which has no run: results of version 1 go only with the history.
    d.commit(
        PromptSpec {
            persona: "You list action items with owners.".into(),
            ..spec
        },
        Origin::Pasted,
        2e12,
    );
    let offer = ResultsOffer::of(&d);
    assert_eq!(offer, ResultsOffer::EarlierOnly { versions: vec![1] });
    assert!(!offer.available(false));
    assert!(offer.available(true));
    assert_eq!(
        offer.note(false, true),
        "This version has not been run yet: the results are of version 1. Run the test cases again, or include the version history to send them."
    );
    // Session 36: while a run is under way, the notes do not say the version was not run or
    // ask for a run.
    assert_eq!(
        offer.note_while(false, true, true),
        "The run under way has no result yet: the results are of version 1. Include the version history to send them, or wait for this run's."
    );
    assert_eq!(
        offer.note_while(false, true, false),
        offer.note(false, true)
    );
    assert_eq!(
        ResultsOffer::NoneYet.note_while(false, false, true),
        "No results yet: the run under way has not finished a test case. Its results can be included as they arrive."
    );
    for (history, ticked) in [(false, false), (true, false), (true, true)] {
        let said = offer.note_while(history, ticked, true);
        assert!(
            !said.contains("not been run") && !said.contains("Run the test cases"),
            "{said}"
        );
    }
    // The history included and the results not yet ticked: the note does not ask for the
    // history again.
    assert_eq!(
        offer.note(true, false),
        "This version has not been run yet; the results of version 1 can go with the version history."
    );
    let include = |history: bool| Include {
        history,
        cases: true,
        results: true,
    };
    let without = decode(&encode(&d, include(false)).unwrap()).unwrap();
    assert_eq!(ResultsOffer::of(&without), ResultsOffer::NoneYet);
    let with = decode(&encode(&d, include(true)).unwrap()).unwrap();
    assert_eq!(
        ResultsOffer::of(&with),
        ResultsOffer::EarlierOnly { versions: vec![1] }
    );
    assert_eq!(
        with.run_of(1).unwrap().cases[&ids[0]].output,
        "- Ann: book the room"
    );
}

// Tryout 3: a link at the end of a sentence ("…#pw=2.xyz." or "(…#pw=2.xyz)") was called damaged.
#[test]
fn a_link_followed_by_sentence_punctuation_opens() {
    let (_, d) = &reference_drafts()[1];
    for link in [
        fragment(d, ALL).unwrap(),
        format!("#{FRAGMENT_KEY}{}", encode_v1(d, ALL)),
    ] {
        let want = decode(&link);
        assert!(want.is_ok());
        for end in [
            ".", ",", ";", ":", ")", "]", ">", "'", "\"", " ", "\n", ").", "\u{201d}",
        ] {
            assert_eq!(decode(&format!("{link}{end}")), want, "{end:?}");
        }
    }
}

// Tryout 3: `#pw%3D2.…` (the "=" written as %3D by a mail app) opened a blank page.
#[test]
fn a_link_with_percent_escapes_is_read_decoded() {
    let (_, d) = &reference_drafts()[1];
    let link = fragment(d, ALL).unwrap();
    assert!(decode(&link).is_ok());
    for key in ["%3D", "%3d"] {
        let escaped = link.replacen('=', key, 1);
        assert!(is_link(&escaped), "{escaped:.20}");
        assert_eq!(decode(&escaped), decode(&link));
    }
    assert!(is_link(&link));
    assert!(!is_link("#section-2"));
    // An escape that makes no link is still named as what it is.
    assert_eq!(decode("#pw%3D2.ab$cd"), Err(ShareError::NotBase64));
}

// Tryout 3: `#pw=2.hello` was said to be cut off when copied; it is no link's content at all.
#[test]
fn text_that_is_no_link_content_is_named_so_not_cut_off() {
    // Tryout 77: a fragment that is no format at all was "made by a newer version".
    for text in [
        "#pw=2.hello",
        "#pw=1.hello",
        "#pw=2.Zm9v",
        "2.hello-world",
        "#pw=<img src=x onerror=alert(1)>",
        "#pw=hello",
        "#pw=x.abc",
    ] {
        let why = decode(text).expect_err(text);
        assert_eq!(why, ShareError::NotALink, "{text}");
        assert!(
            why.to_string()
                .contains("not the content of a Promptwright share link"),
            "{why}"
        );
    }
}

// Tryout 3: a 622 KB idea with a 171-token prompt was reported as "This prompt is too large for a
// share link, even on its own". The part at fault is named, with its size and what to do.
#[test]
fn a_draft_too_large_for_a_link_names_the_part_at_fault_with_its_size() {
    let mut rng = XorShift(11);
    let (_, base) = &reference_drafts()[1];
    let mut huge_idea = base.clone();
    huge_idea.idea.idea = text(&mut rng, 622 * 1024, false);
    let e = encode(&huge_idea, ALL).unwrap_err();
    assert_eq!(e.leave_out, vec![]);
    assert!(
        e.sizes.idea > 622 * 1024 && e.sizes.prompt < 10 * 1024,
        "{:?}",
        e.sizes
    );
    let said = e.to_string();
    assert!(
        said.contains(&format!(
            "the idea alone is {} (the prompt {})",
            crate::domain::figures::size(e.sizes.idea),
            crate::domain::figures::size(e.sizes.prompt)
        )) && said.contains("Shorten the idea"),
        "{said}"
    );
    assert!(!said.contains("This prompt is too large"), "{said}");
}

// Noticed in session 7: a link whose draft held only a name opened as an empty draft to save,
// while a file holding the same was refused. A link is refused the same way, in words.
#[test]
fn a_link_whose_draft_holds_only_a_name_is_refused_in_words() {
    let named = Draft {
        name: "Just a name".to_owned(),
        ..Draft::default()
    };
    let link = encode(&named, ALL).unwrap();
    let why = decode(&link).unwrap_err();
    assert_eq!(why, ShareError::HoldsNothing);
    assert!(
        why.to_string().contains("holds nothing to work on"),
        "{why}"
    );
    // A draft with only an idea is something to work on, and opens.
    let mut idea = named.clone();
    idea.idea.idea = "Summarise support tickets".to_owned();
    assert_eq!(
        decode(&encode(&idea, ALL).unwrap()).unwrap().idea.idea,
        idea.idea.idea
    );
}

// Tryout 5: "Results of 1 of the 1 test cases can be included."
#[test]
fn the_results_offer_counts_in_plain_words() {
    let note = |with, of| ResultsOffer::Current { with, of }.note(false, false);
    assert_eq!(note(1, 1), "The test case's result can be included.");
    assert_eq!(
        note(3, 3),
        "The results of all 3 test cases can be included."
    );
    assert_eq!(
        note(1, 2),
        "Results of 1 of the 2 test cases can be included."
    );
}

#[test]
fn a_conversation_case_travels_through_a_link_with_its_turns_in_order() {
    use crate::domain::eval::{Message, TestCase};
    let (_, mut d) = reference_drafts().into_iter().next().unwrap();
    let id = d.suite.add(TestCase {
        input: "In July. Too hot?".into(),
        turns: vec![
            Message::user("I want to visit Italy."),
            Message::assistant("Lovely! When?"),
            Message::user("Also, \"cheap\" please\n— and quiet."),
        ],
        ..Default::default()
    });
    for include in [
        ALL,
        Include {
            history: false,
            cases: true,
            results: false,
        },
    ] {
        let back = decode(&fragment(&d, include).unwrap()).unwrap();
        let case = back
            .suite
            .cases
            .iter()
            .find(|c| c.input == "In July. Too hot?")
            .expect("the conversation case came through");
        assert_eq!(case.turns, d.suite.case(id).unwrap().turns);
    }
    // A link made before turns existed opens: its cases have none.
    let old = decode(&encode_v1(&reference_drafts()[0].1, ALL)).unwrap();
    assert!(old.suite.cases.iter().all(|c| c.turns.is_empty()));
}

// Tryout 47: a link made long by 3,000 cases advised "Shorten the examples". The advice names
// the part that weighs most.
#[test]
fn a_long_links_advice_names_the_part_that_weighs_most() {
    use crate::domain::draft::Origin;
    use crate::domain::eval::TestCase;
    use crate::domain::spec::PromptSpec;
    let mut d = Draft::default();
    d.commit(
        PromptSpec {
            persona: "You list action items.".into(),
            ..Default::default()
        },
        Origin::Pasted,
        1.0,
    );
    let all = Include {
        history: true,
        cases: true,
        results: true,
    };
    assert_eq!(largest_part(&d, all), LinkPart::Prompt);
    // Tryout 81: the prompt's part to shorten is named (a 260 KB Context read "shorten its
    // examples").
    assert_eq!(
        crate::domain::share::largest_prompt_part(&d),
        "its Persona section"
    );
    let mut long = d.current_spec().cloned().unwrap_or_default();
    long.context = "Tickets arrive one at a time. ".repeat(100);
    d.commit(long, Origin::Pasted, 1.5);
    assert_eq!(
        crate::domain::share::largest_prompt_part(&d),
        "its Context section"
    );
    d.idea.idea = (0..2_000).map(|i| format!("{i} ")).collect();
    assert_eq!(crate::domain::share::largest_prompt_part(&d), "its idea");
    d.idea.idea.clear();
    // Tryout 82: by the size in the link, compressed: 400 KB of one line repeated weighs less
    // than a few KB of varied words.
    let mut spec = d.current_spec().cloned().unwrap_or_default();
    spec.context = "Each ticket arrives alone.\n".repeat(15_000);
    spec.format = (0..1_500)
        .map(|i| format!("Field {i}: item {}.\n", i * 7919 % 10_007))
        .collect();
    let mut e = d.clone();
    e.commit(spec, Origin::Pasted, 1.7);
    assert_eq!(
        crate::domain::share::largest_prompt_part(&e),
        "its Format section"
    );
    for i in 0..300 {
        d.suite.add(TestCase {
            input: format!("Notes {i}: Ana sends the deck on Friday, Bob books the room."),
            ..Default::default()
        });
    }
    assert_eq!(largest_part(&d, all), LinkPart::Cases);
    let without_cases = Include {
        cases: false,
        results: false,
        ..all
    };
    assert_eq!(largest_part(&d, without_cases), LinkPart::Prompt);
    for n in 0..40 {
        d.commit(
            PromptSpec {
                persona: format!(
                    "You list action items, version {n}. {}",
                    "Be brief. ".repeat(400)
                ),
                ..Default::default()
            },
            Origin::Pasted,
            2.0 + f64::from(n),
        );
    }
    assert_eq!(largest_part(&d, without_cases), LinkPart::History);
}

// Helper-60: a link whose draft had nothing readable said "…were left out.. Your own drafts are
// untouched." (the reason's own period, then the sentence's).
#[test]
fn a_broken_link_is_said_in_one_sentence_with_one_period() {
    let json = r#"{"idea":"x","versions":"nope"}"#;
    let link = format!("#pw=1.{}", URL_SAFE_NO_PAD.encode(json));
    let e = decode_salvaged(&link).err().expect("nothing in it reads");
    let said = broken_link_message(&e);
    assert!(
        said.starts_with("This share link cannot be opened: "),
        "{said}"
    );
    assert!(said.ends_with(" Your own drafts are untouched."), "{said}");
    assert!(!said.contains(".."), "{said}");
    // A name with an idea that does not read: the idea is named, not "holds nothing".
    let json = r#"{"idea":"<img src=x> shared idea","name":"<b>N</b>"}"#;
    let link = format!("#pw=1.{}", URL_SAFE_NO_PAD.encode(json));
    let e = decode_salvaged(&link).err().expect("nothing to work on");
    assert!(matches!(e, ShareError::Invalid(_)), "{e:?}");
    // Tryout 99: refused, it is not "left out" (as if the rest had opened).
    assert_eq!(
        broken_link_message(&e),
        "This share link cannot be opened: the link's draft could not be read: The idea could not be read. Your own drafts are untouched.",
        "{e}"
    );
    assert_eq!(
        broken_link_message(&ShareError::CutOff),
        "This share link cannot be opened: the link is incomplete: its draft ends part-way (was it cut off when copied, or its end changed?). Your own drafts are untouched."
    );
}

// Tryout 99: a link's results carried their own cost figures ("$-5.0" for 4,000,000,000 tokens
// each way of gpt-4o-mini), and Compare models showed them while Results priced the tokens
// ($3,000.00). A received draft's results, its own runs and its comparison models', cost their
// tokens at this page's list price for the model recorded with them; none when no model is
// recorded. A draft file imported is read the same way.
#[test]
fn a_received_drafts_results_cost_their_tokens_here_not_the_links_figures() {
    use crate::domain::eval::grid::ModelRun;
    use crate::domain::eval::run::{CaseRun, ModelUsed, Run, Status};
    use crate::domain::provider::ProviderKind;
    let (mut d, ids) = two_case_draft();
    let answer = |model: Option<&str>, tokens: u32, cost: f64| CaseRun {
        status: Status::Done,
        output: "x".into(),
        input_tokens: tokens,
        output_tokens: tokens,
        cost_usd: Some(cost),
        exec_model: model.map(|m| ModelUsed {
            kind: ProviderKind::OpenAi,
            model: m.into(),
        }),
        ..Default::default()
    };
    let mut run = Run {
        version: d.current,
        started_ms: 1e12,
        ..Default::default()
    };
    run.cases
        .insert(ids[0], answer(Some("gpt-4o-mini"), 1_000_000, -5.0));
    run.cases.insert(ids[1], answer(None, 10, 0.5));
    d.put_run(run.clone());
    let mut other = run;
    other
        .cases
        .insert(ids[0], answer(Some("gpt-4o"), 1_000_000, 0.000_001));
    d.compared.push(ModelRun {
        key: "open-ai|https://api.openai.com/v1|gpt-4o".into(),
        run: other,
    });
    let costs = |d: &Draft| {
        d.runs
            .iter()
            .chain(d.compared.iter().map(|m| &m.run))
            .map(|r| r.cases.values().map(|c| c.cost_usd).collect::<Vec<_>>())
            .collect::<Vec<_>>()
    };
    let here = vec![
        // gpt-4o-mini: $0.15 + $0.60 a million tokens; gpt-4o: $2.50 + $10.00.
        vec![Some(0.75), None],
        vec![Some(12.5), None],
    ];
    let link = encode(
        &d,
        Include {
            history: true,
            cases: true,
            results: true,
        },
    )
    .unwrap();
    assert_eq!(costs(&decode(&link).unwrap()), here);
    let file = serde_json::to_string(&crate::domain::wire::ExportV1::new(&[&d])).unwrap();
    let imported = crate::domain::wire::parse_import(&file).unwrap();
    assert_eq!(costs(&imported.drafts[0].draft), here);
}

// Tryout 99: two places added to a version 2 link (as a newer version would add) were dropped
// with no word, where a version 1 link's unknown check was named. Parts this version does not
// know are said to be left out, in both formats, and in a draft file.
#[test]
fn parts_of_a_draft_this_version_does_not_know_are_said_to_be_left_out() {
    let d = one_version_draft();
    let said = |lost: &[crate::domain::wire::salvage::Lost]| {
        lost.iter().map(ToString::to_string).collect::<Vec<_>>()
    };
    // Version 2: the packed draft with two more places.
    let link = encode(&d, ALL).unwrap();
    assert!(decode_salvaged(&link).unwrap().lost.is_empty());
    let mut packed = pack(&crate::domain::wire::DraftV1::from_draft(&d, ALL));
    let top = packed.as_array_mut().unwrap();
    while top.len() < 11 {
        top.push(Value::Null);
    }
    top.push(json!("from a newer version"));
    top.push(json!([1, 2]));
    let s = decode_salvaged(&packed_link(&packed)).unwrap();
    assert_eq!(s.draft.current_spec(), d.current_spec());
    assert_eq!(
        said(&s.lost),
        [
            "2 parts of the draft that this version of Promptwright does not know (from a newer version, or added by hand) were left out: the draft saved or shared from here will not have them."
        ]
    );
    // Version 1 and a file: a field it does not know.
    let mut v = serde_json::from_str::<Value>(
        &serde_json::to_string(&crate::domain::wire::DraftV1::from_draft(&d, ALL)).unwrap(),
    )
    .unwrap();
    v["labels"] = json!(["newer"]);
    let link = format!("#pw=1.{}", URL_SAFE_NO_PAD.encode(v.to_string()));
    let s = decode_salvaged(&link).unwrap();
    assert_eq!(
        said(&s.lost),
        [
            "1 part of the draft that this version of Promptwright does not know (from a newer version, or added by hand) was left out: the draft saved or shared from here will not have it."
        ]
    );
    let file = crate::domain::wire::parse_import(&v.to_string()).unwrap();
    assert_eq!(said(&file.drafts[0].lost), said(&s.lost));
}

// Tryout 115: a link whose draft name was the number 12345 opened renamed, without a word,
// while a case id of the wrong type was named. A name or idea field that is not text is named.
#[test]
fn a_links_name_or_idea_that_is_not_text_is_named_as_left_out() {
    let d = one_version_draft();
    let mut packed = pack(&crate::domain::wire::DraftV1::from_draft(&d, ALL));
    packed[0] = json!(12345);
    packed[1] = json!(["an idea", "", {"tone": "brief"}]);
    let s = decode_salvaged(&packed_link(&packed)).unwrap();
    let said: Vec<String> = s.lost.iter().map(ToString::to_string).collect();
    assert_eq!(
        said,
        [
            "The draft's name could not be read and was left out.",
            "The idea's tone could not be read and was left out."
        ]
    );
    assert_eq!(s.draft.current_spec(), d.current_spec());
    // Tryout 116: an idea that is a bare number, not its list of fields.
    packed[0] = json!("Named");
    packed[1] = json!(42);
    let s = decode_salvaged(&packed_link(&packed)).unwrap();
    let said: Vec<String> = s.lost.iter().map(ToString::to_string).collect();
    assert_eq!(said, ["The idea could not be read and was left out."]);
}

/// A format-2 link to a packed draft written by hand (stored, no deflate: method 0).
fn packed_link(packed: &Value) -> String {
    let bytes = packed.to_string().into_bytes();
    let mut payload = vec![0u8];
    payload.extend_from_slice(&fnv24(&bytes));
    payload.extend_from_slice(&bytes);
    format!("#pw=2.{}", URL_SAFE_NO_PAD.encode(payload))
}

/// A draft with one version (a pasted prompt with a Persona only).
fn one_version_draft() -> Draft {
    let mut d = Draft::default();
    d.commit(
        crate::domain::spec::PromptSpec {
            persona: "You list action items.".into(),
            ..Default::default()
        },
        crate::domain::draft::Origin::Pasted,
        1e12,
    );
    d
}

/// [`one_version_draft`] with two test cases, and their ids.
fn two_case_draft() -> (Draft, Vec<u32>) {
    let mut d = one_version_draft();
    let ids = ["Ann books the room.", "Bob sends the deck."]
        .iter()
        .map(|input| {
            d.suite.add(crate::domain::eval::TestCase {
                input: (*input).into(),
                ..Default::default()
            })
        })
        .collect();
    (d, ids)
}

/// Tryout 117: a version made at 17:02:15.904 read 5:02:15 PM to its sender (the clock cuts the
/// milliseconds) and 5:02:16 PM to the link's receiver (the link rounded them). The link cuts
/// them too: both read the same second.
#[test]
fn a_versions_time_reads_the_same_second_after_a_link() {
    use crate::domain::{draft::Origin, spec::PromptSpec};
    let mut d = Draft::default();
    let spec = |p: &str| PromptSpec {
        persona: p.into(),
        ..Default::default()
    };
    d.commit(spec("P"), Origin::Pasted, 1_765_126_935_904.0);
    d.commit(spec("Q"), Origin::Pasted, 1_765_126_936_654.0);
    let back = decode(&encode(&d, ALL).unwrap()).unwrap();
    let seconds = |d: &Draft| {
        d.versions
            .iter()
            .map(|v| (v.created_ms / 1000.0).floor())
            .collect::<Vec<_>>()
    };
    assert_eq!(seconds(&back), seconds(&d));
    assert_eq!(back.versions[0].created_ms, 1_765_126_935_000.0);
}
