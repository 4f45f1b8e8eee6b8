//! The loop's settings as the person chose them (rounds, candidates, training cases, patience,
//! temperatures, locked sections, most calls), kept in the browser between visits: written as a
//! small JSON object, read back field by field. A field that does not read, or is out of its
//! range, falls back to its default and is named in plain words; the others are kept.
use serde_json::{Map, Value, json};

use super::{Config, Selection};
use crate::domain::eval::grid::model_key;
use crate::domain::figures::grouped;
use crate::domain::spec::Section;

/// One number field: its key, its label in the page, and its range.
struct Field {
    key: &'static str,
    label: &'static str,
    min: f64,
    max: f64,
    whole: bool,
}

const FIELDS: [Field; 7] = [
    Field {
        key: "rounds",
        label: "Rounds",
        min: 1.0,
        max: 10.0,
        whole: true,
    },
    Field {
        key: "k",
        label: "Candidates per round",
        min: 1.0,
        max: 6.0,
        whole: true,
    },
    Field {
        key: "minibatch",
        label: "Training cases per round",
        min: 1.0,
        max: 50.0,
        whole: true,
    },
    Field {
        key: "patience",
        label: "Stop after rounds without gain",
        min: 1.0,
        max: 5.0,
        whole: true,
    },
    Field {
        key: "explore_temperature",
        label: "Temperature for new candidates",
        min: 0.0,
        max: 1.5,
        whole: false,
    },
    Field {
        key: "refine_temperature",
        label: "Temperature for refinements",
        min: 0.0,
        max: 1.5,
        whole: false,
    },
    Field {
        key: "max_calls",
        label: "Most calls",
        min: 1.0,
        max: 100_000.0,
        whole: true,
    },
];

/// The person's choices of `config` as the text kept in the browser.
pub fn write(config: &Config) -> String {
    json!({
        "rounds": config.rounds,
        "k": config.k,
        "minibatch": config.minibatch,
        "patience": config.patience,
        "explore_temperature": config.explore_temperature,
        "refine_temperature": config.refine_temperature,
        "locked": config.locked.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "max_calls": config.max_calls,
        // The models to optimize for, by their `grid::model_key` (provider, address, model: no
        // key), and how their scores combine (tryout 11: a reload dropped them silently).
        "also_on": config.also_on.iter().map(model_key).collect::<Vec<_>>(),
        "select": config.select,
    })
    .to_string()
}

/// The models to optimize for as kept by [`write`] (`grid::model_key`s, at most
/// [`super::MAX_OTHER_MODELS`]) and the selection; none and [`Selection::Mean`] when absent or
/// unreadable. Whether each model is still set up under Compare models is the page's to check.
pub fn read_models(text: &str) -> (Vec<String>, Selection) {
    let Ok(Value::Object(m)) = serde_json::from_str::<Value>(text) else {
        return (Vec::new(), Selection::default());
    };
    let keys = m
        .get("also_on")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .take(super::MAX_OTHER_MODELS)
                .collect()
        })
        .unwrap_or_default();
    let select = m
        .get("select")
        .and_then(|v| crate::domain::wire::from_value(v.clone()).ok())
        .unwrap_or_default();
    (keys, select)
}

/// Reads kept settings into a [`Config`] (every other field at its default), with a sentence for
/// each part that could not be used (its default is used instead). Never fails.
pub fn read(text: &str) -> (Config, Vec<String>) {
    let mut config = Config::default();
    let mut lost = Vec::new();
    let Ok(Value::Object(m)) = serde_json::from_str::<Value>(text) else {
        lost.push(
            "The saved settings of the loop could not be read, so the defaults are used."
                .to_owned(),
        );
        return (config, lost);
    };
    for f in &FIELDS {
        let Some(v) = m.get(f.key) else { continue };
        if f.key == "max_calls" && v.is_null() {
            continue;
        }
        match number(v, f) {
            Some(x) => set(&mut config, f.key, x),
            None => lost.push(format!(
                "The saved \u{201c}{}\u{201d} ({}) could not be used, so {} is used.",
                f.label,
                shown(v),
                default_of(f.key)
            )),
        }
    }
    read_locked(&m, &mut config, &mut lost);
    (config, lost)
}

fn number(v: &Value, f: &Field) -> Option<f64> {
    let x = v.as_f64().filter(|x| x.is_finite())?;
    (x >= f.min && x <= f.max && (!f.whole || x.fract() == 0.0)).then_some(x)
}

fn set(c: &mut Config, key: &str, x: f64) {
    match key {
        "rounds" => c.rounds = x as u32,
        "k" => c.k = x as u32,
        "minibatch" => c.minibatch = x as usize,
        "patience" => c.patience = x as u32,
        "explore_temperature" => c.explore_temperature = x as f32,
        "refine_temperature" => c.refine_temperature = x as f32,
        "max_calls" => c.max_calls = Some(x as u32),
        _ => {}
    }
}

fn default_of(key: &str) -> String {
    let d = Config::default();
    match key {
        "rounds" => format!("the default ({})", d.rounds),
        "k" => format!("the default ({})", d.k),
        "minibatch" => format!("the default ({})", d.minibatch),
        "patience" => format!("the default ({})", d.patience),
        "explore_temperature" => format!("the default ({})", d.explore_temperature),
        "refine_temperature" => format!("the default ({})", d.refine_temperature),
        _ => "no limit of your own".to_owned(),
    }
}

/// A kept value as the message quotes it (short).
fn shown(v: &Value) -> String {
    let s = match v {
        Value::String(s) => format!("\u{201c}{s}\u{201d}"),
        Value::Number(n) => n.as_f64().map_or_else(
            || n.to_string(),
            |x| {
                if x.fract() == 0.0 && x.abs() < 1e15 {
                    // The sign is kept (tryout 18: -5 read as "5").
                    let sign = if x < 0.0 { "-" } else { "" };
                    format!("{sign}{}", grouped(x.abs() as u64))
                } else {
                    x.to_string()
                }
            },
        ),
        other => other.to_string(),
    };
    if s.chars().count() > 40 {
        format!("{}\u{2026}", s.chars().take(40).collect::<String>())
    } else {
        s
    }
}

fn read_locked(m: &Map<String, Value>, config: &mut Config, lost: &mut Vec<String>) {
    let Some(v) = m.get("locked") else { return };
    let Some(items) = v.as_array() else {
        lost.push(
            "The saved locked sections could not be read, so no section is locked.".to_owned(),
        );
        return;
    };
    for item in items {
        match item.as_str().and_then(Section::parse) {
            Some(s) if !config.locked.contains(&s) => config.locked.push(s),
            Some(_) => {}
            None => lost.push(format!(
                "A saved locked section ({}) is not a section, so it was left out.",
                shown(item)
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loops_settings_come_back_as_they_were_chosen() {
        let chosen = Config {
            rounds: 5,
            k: 4,
            minibatch: 12,
            patience: 3,
            explore_temperature: 1.1,
            refine_temperature: 0.1,
            locked: vec![Section::Format, Section::Persona],
            max_calls: Some(250),
            ..Config::default()
        };
        let (back, lost) = read(&write(&chosen));
        assert!(lost.is_empty(), "{lost:?}");
        assert_eq!(back, chosen);
        let (back, lost) = read(&write(&Config::default()));
        assert!(lost.is_empty());
        assert_eq!(back, Config::default());
    }

    #[test]
    fn damaged_saved_settings_fall_back_to_defaults_and_are_named() {
        let (c, lost) = read("{not json");
        assert_eq!(c, Config::default());
        assert_eq!(
            lost,
            vec!["The saved settings of the loop could not be read, so the defaults are used."]
        );
        let (c, lost) = read(
            r#"{"rounds": 99, "k": "many", "minibatch": 2.5, "patience": 2, "explore_temperature": -1,
                "refine_temperature": 0.3, "locked": ["format", "tone"], "max_calls": 0}"#,
        );
        // The fields that read are kept; each other one is named with its default.
        assert_eq!(
            (c.patience, c.refine_temperature, c.locked.clone()),
            (2, 0.3, vec![Section::Format])
        );
        assert_eq!((c.rounds, c.k, c.minibatch, c.max_calls), (3, 2, 8, None));
        assert_eq!(c.explore_temperature, 0.9);
        assert_eq!(lost.len(), 6, "{lost:?}");
        assert_eq!(
            lost[0],
            "The saved \u{201c}Rounds\u{201d} (99) could not be used, so the default (3) is used."
        );
        assert!(lost[1].contains("\u{201c}many\u{201d}"), "{}", lost[1]);
        // A negative figure keeps its sign (tryout 18: -5 read as "5").
        assert!(lost.iter().any(|l| l.contains("(-1)")), "{lost:?}");
        assert!(
            lost.iter().any(
                |l| l.contains("Most calls") && l.ends_with("so no limit of your own is used.")
            )
        );
        assert!(lost.iter().any(|l| l.contains("\u{201c}tone\u{201d}")));
        let (_, lost) = read(r#"{"locked": 3}"#);
        assert_eq!(
            lost,
            vec!["The saved locked sections could not be read, so no section is locked."]
        );
    }

    // Tryout 11 (M2): the models to optimize for and the selection were dropped by a reload,
    // while the loop's other settings came back.
    #[test]
    fn the_models_to_optimize_for_come_back_without_a_key() {
        use crate::domain::provider::{ProviderConfig, ProviderKind, Role};
        let mut other = ProviderConfig::preset(ProviderKind::Custom, Role::Execution);
        other.base_url = "http://127.0.0.1:18911/v1".into();
        other.model = "fake-mini".into();
        let chosen = Config {
            also_on: vec![other.clone()],
            select: Selection::Worst,
            ..Config::default()
        };
        let text = write(&chosen);
        assert_eq!(
            read_models(&text),
            (vec![model_key(&other)], Selection::Worst)
        );
        assert!(!text.contains("key\""), "no key field: {text}");
        // Kept settings of before (no models) and damaged ones read as none, the mean.
        for old in [
            r#"{"rounds": 3}"#,
            r#"{"also_on": "x", "select": "best"}"#,
            "not json",
        ] {
            assert_eq!(read_models(old), (Vec::new(), Selection::Mean), "{old}");
        }
    }
}
