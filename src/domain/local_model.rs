//! Facts about the embedded local model (llama.cpp's `llama-server` with SmolLM2-135M-Instruct)
//! that the serve command starts, and how to read its model list.
use serde::Deserialize;

/// Where the serve and test commands start the local model's OpenAI-compatible API.
pub const DEFAULT_BASE_URL: &str = "http://127.0.0.1:8081/v1";

/// What the page knows about the local model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalModelStatus {
    /// Not probed yet.
    Checking,
    /// It answered with this model id.
    Ready { model: String },
    /// Nothing answered (not started, still building, or stopped).
    Unreachable,
}

impl LocalModelStatus {
    /// A short label for the status badge.
    pub fn label(&self) -> String {
        match self {
            Self::Checking => "Checking for the local model…".to_owned(),
            Self::Ready { model } => format!("Local model ready: {}", short_model_name(model)),
            Self::Unreachable => "Local model not running".to_owned(),
        }
    }

    /// One plain sentence explaining the status.
    pub fn hint(&self) -> &'static str {
        match self {
            Self::Checking => "Looking for the small model that runs on this computer.",
            Self::Ready { .. } => {
                "A tiny model running on this computer: free and private, but far weaker than a real \
                 provider. Add your own API key in Settings for real quality."
            }
            Self::Unreachable => {
                "The small built-in model is not running (it may still be starting). To work now, \
                 add your own API key in Settings, or use Manual mode (no key: you paste a model's \
                 reply yourself). Running Promptwright from its source? bash scripts/local-model.sh \
                 starts the built-in model (bash scripts/serve.sh also serves the app)."
            }
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Checking => "checking",
            Self::Ready { .. } => "ready",
            Self::Unreachable => "unreachable",
        }
    }
}

/// How long to wait before probing the local model again, in ms, after `misses` probes in a row
/// it did not answer (0: it answered): 15 s while it answers; 3 s for the first 10 misses (it
/// may be starting), then doubling per miss up to a minute.
pub fn probe_wait_ms(misses: u32) -> u32 {
    match misses {
        0 => 15_000,
        1..=10 => 3_000,
        n => (3_000u32 << (n - 10).min(5)).min(60_000),
    }
}

/// What the offline notice says, given the local model's status now: hosted providers need a
/// connection; the built-in local model still works only when it answers (its status is probed
/// online or not while a job uses it), so the notice and the local-model badge never disagree.
/// `None`: no job uses the local model (it is not probed), and the notice does not speak of it.
pub fn offline_message(status: Option<&LocalModelStatus>) -> String {
    let Some(status) = status else {
        return "You are offline. Your drafts and this page still work; calls to model providers on the internet need a connection (a model server on this computer may still answer).".to_owned();
    };
    let local = match status {
        LocalModelStatus::Ready { model } => format!(
            "The built-in local model ({}) is running on this computer and still works.",
            short_model_name(model)
        ),
        LocalModelStatus::Unreachable => {
            "The built-in local model is not running either, so no model can answer until you are back online or start it (from Promptwright's source: bash scripts/local-model.sh).".to_owned()
        }
        LocalModelStatus::Checking => {
            "Whether the built-in local model answers is being checked.".to_owned()
        }
    };
    format!(
        "You are offline. Your drafts and this page still work; calls to model providers on the internet need a connection (a model server on this computer may still answer). {local}"
    )
}

/// `models/SmolLM2-135M-Instruct.Q4_1.gguf` -> `SmolLM2-135M-Instruct`.
pub fn short_model_name(id: &str) -> &str {
    let base = id.rsplit(['/', '\\']).next().unwrap_or(id);
    let base = base.strip_suffix(".gguf").unwrap_or(base);
    match base.rfind(".Q") {
        Some(i) if i > 0 => &base[..i],
        _ => base,
    }
}

#[derive(Deserialize)]
struct ModelList {
    data: Vec<ModelEntry>,
}

#[derive(Deserialize)]
struct ModelEntry {
    id: String,
}

/// Reads the first model id from an OpenAI-style `GET /models` body.
pub fn first_model_id(body: &str) -> Option<String> {
    serde_json::from_str::<ModelList>(body)
        .ok()?
        .data
        .into_iter()
        .next()
        .map(|m| m.id)
}

#[cfg(test)]
mod tests {
    // Tryout 62: a page whose local model never answered probed it every 3 s, 305 failed
    // requests in a session. Probes thin out to one a minute; an hour unanswered is 70 probes.
    #[test]
    fn probes_of_a_local_model_that_does_not_answer_thin_out() {
        use super::probe_wait_ms;
        assert_eq!(probe_wait_ms(0), 15_000);
        assert_eq!(probe_wait_ms(1), 3_000);
        assert_eq!(probe_wait_ms(10), 3_000);
        assert_eq!(probe_wait_ms(11), 6_000);
        assert_eq!(probe_wait_ms(14), 48_000);
        assert_eq!(probe_wait_ms(15), 60_000);
        assert_eq!(probe_wait_ms(10_000), 60_000);
        let (mut t, mut probes) = (0u64, 0u32);
        while t < 3_600_000 {
            probes += 1;
            t += u64::from(probe_wait_ms(probes));
        }
        assert!(probes < 80, "{probes} probes in an hour");
    }

    use super::*;

    #[test]
    fn short_names() {
        assert_eq!(
            short_model_name("/x/models/SmolLM2-135M-Instruct.Q4_1.gguf"),
            "SmolLM2-135M-Instruct"
        );
        assert_eq!(
            short_model_name("SmolLM2-135M-Instruct.Q4_1.gguf"),
            "SmolLM2-135M-Instruct"
        );
        assert_eq!(short_model_name("llama3.2"), "llama3.2");
        assert_eq!(short_model_name("gpt-4o"), "gpt-4o");
    }

    #[test]
    fn model_list_parsing() {
        let body = r#"{"object":"list","data":[{"id":"SmolLM2.Q4_1.gguf","object":"model"}]}"#;
        assert_eq!(first_model_id(body).as_deref(), Some("SmolLM2.Q4_1.gguf"));
        assert_eq!(first_model_id(r#"{"data":[]}"#), None);
        assert_eq!(first_model_id("<html>"), None);
    }

    #[test]
    fn labels_name_the_model() {
        let s = LocalModelStatus::Ready {
            model: "a/SmolLM2-135M-Instruct.Q4_1.gguf".into(),
        };
        assert_eq!(s.label(), "Local model ready: SmolLM2-135M-Instruct");
        assert!(LocalModelStatus::Unreachable.hint().contains("API key"));
    }

    // Bug: offline, the notice said a model on this computer still works while the badge said
    // the local model was not running.
    #[test]
    fn the_offline_notice_says_the_local_model_works_only_when_it_answers() {
        let ready = LocalModelStatus::Ready {
            model: "SmolLM2-135M-Instruct.Q4_1.gguf".into(),
        };
        let m = offline_message(Some(&ready));
        assert!(m.starts_with("You are offline."), "{m}");
        assert!(
            m.ends_with("The built-in local model (SmolLM2-135M-Instruct) is running on this computer and still works."),
            "{m}"
        );
        let m = offline_message(Some(&LocalModelStatus::Unreachable));
        assert!(
            m.contains("The built-in local model is not running either"),
            "{m}"
        );
        assert!(!m.contains("still works."), "{m}");
        let m = offline_message(Some(&LocalModelStatus::Checking));
        assert!(!m.contains("still works."), "{m}");
        // No job uses it: not probed, not spoken of.
        let m = offline_message(None);
        assert!(!m.contains("local model"), "{m}");
    }
}
