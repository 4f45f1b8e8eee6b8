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
        // Timestamps travel in whole seconds.
        let mut expected = d.clone();
        for v in &mut expected.versions {
            v.created_ms = (v.created_ms / 1000.0).round() * 1000.0;
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
    assert_eq!(decode("#pw="), Err(ShareError::Empty));
    assert_eq!(decode("9.abc"), Err(ShareError::UnknownVersion("9".into())));
    assert_eq!(decode("2.ab$cd"), Err(ShareError::NotBase64));
    // Cut off when copied.
    let cut = &good[..good.len() * 2 / 3];
    assert!(
        matches!(
            decode(cut),
            Err(ShareError::Corrupt | ShareError::NotBase64)
        ),
        "{:?}",
        decode(cut)
    );
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
fn a_million_random_and_mutated_links_never_panic() {
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
    for i in 0..1_000_000u64 {
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
    assert!(accepted < 1_000, "{accepted} damaged links were accepted");
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
