//! Ready-to-run code that calls the chosen provider with the final system prompt (curl, Python,
//! JavaScript). The key is never written in: the code reads it from an environment variable.
use serde_json::json;

use crate::domain::provider::{ProviderConfig, ProviderKind, Wire};

/// The languages offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Curl,
    Python,
    JavaScript,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Self::Curl, Self::Python, Self::JavaScript];
    pub fn label(self) -> &'static str {
        match self {
            Self::Curl => "curl",
            Self::Python => "Python",
            Self::JavaScript => "JavaScript",
        }
    }
}

/// The environment variable the snippet reads the key from.
pub fn key_var(kind: ProviderKind) -> &'static str {
    match kind {
        ProviderKind::OpenAi => "OPENAI_API_KEY",
        ProviderKind::Anthropic => "ANTHROPIC_API_KEY",
        ProviderKind::Gemini => "GEMINI_API_KEY",
        ProviderKind::OpenRouter => "OPENROUTER_API_KEY",
        ProviderKind::Groq => "GROQ_API_KEY",
        ProviderKind::Mistral => "MISTRAL_API_KEY",
        ProviderKind::Together => "TOGETHER_API_KEY",
        ProviderKind::DeepSeek => "DEEPSEEK_API_KEY",
        _ => "API_KEY",
    }
}

/// Code that sends `system` and a sample user message to `cfg`'s model.
pub fn snippet(lang: Lang, cfg: &ProviderConfig, system: &str) -> String {
    let base = cfg.base_url.trim_end_matches('/');
    let var = key_var(cfg.kind);
    let user = "Hello!";
    let (url, headers, body) = match cfg.kind.wire() {
        Wire::OpenAi => (
            format!("{base}/chat/completions"),
            vec![
                ("Authorization", format!("Bearer ${var}")),
                ("Content-Type", "application/json".to_owned()),
            ],
            json!({"model": cfg.model, "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}]}),
        ),
        Wire::Anthropic => (
            format!("{base}/messages"),
            vec![
                ("x-api-key", format!("${var}")),
                ("anthropic-version", "2023-06-01".to_owned()),
                ("Content-Type", "application/json".to_owned()),
            ],
            json!({"model": cfg.model, "max_tokens": 1024, "system": system, "messages": [{"role": "user", "content": user}]}),
        ),
        Wire::Gemini => (
            format!(
                "{base}/models/{}:generateContent",
                cfg.model.trim_start_matches("models/")
            ),
            vec![
                ("x-goog-api-key", format!("${var}")),
                ("Content-Type", "application/json".to_owned()),
            ],
            json!({"systemInstruction": {"parts": [{"text": system}]}, "contents": [{"role": "user", "parts": [{"text": user}]}]}),
        ),
    };
    let pretty = serde_json::to_string_pretty(&body).unwrap_or_default();
    match lang {
        Lang::Curl => {
            let mut s = format!("curl {url} \\\n");
            for (k, v) in &headers {
                s.push_str(&format!("  -H \"{k}: {v}\" \\\n"));
            }
            // Single quotes in the JSON are closed, escaped and reopened for the shell.
            s.push_str(&format!("  -d '{}'", pretty.replace('\'', "'\\''")));
            s
        }
        Lang::Python => {
            let hs: Vec<String> = headers
                .iter()
                .map(|(k, v)| match v.strip_prefix('$') {
                    Some(rest) if rest == var => format!("    \"{k}\": os.environ[\"{var}\"],"),
                    _ => match v.split_once(&format!("${var}")) {
                        Some((pre, _)) => {
                            format!("    \"{k}\": \"{pre}\" + os.environ[\"{var}\"],")
                        }
                        None => format!("    \"{k}\": \"{v}\","),
                    },
                })
                .collect();
            format!(
                "import json, os, urllib.request\n\nbody = json.loads(r'''{pretty}''')\nreq = urllib.request.Request(\n    \"{url}\",\n    data=json.dumps(body).encode(),\n    headers={{\n{}\n    }},\n)\nprint(json.load(urllib.request.urlopen(req)))",
                hs.join("\n")
            )
        }
        Lang::JavaScript => {
            let hs: Vec<String> = headers
                .iter()
                .map(|(k, v)| match v.split_once(&format!("${var}")) {
                    Some((pre, _)) => format!("    \"{k}\": `{pre}${{process.env.{var}}}`,"),
                    None => format!("    \"{k}\": \"{v}\","),
                })
                .collect();
            format!(
                "const response = await fetch(\"{url}\", {{\n  method: \"POST\",\n  headers: {{\n{}\n  }},\n  body: JSON.stringify({pretty}),\n}});\nconsole.log(await response.json());",
                hs.join("\n")
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::provider::Role;

    #[test]
    fn snippets_read_the_key_from_the_environment() {
        for kind in [
            ProviderKind::OpenAi,
            ProviderKind::Anthropic,
            ProviderKind::Gemini,
        ] {
            let cfg = ProviderConfig::preset(kind, Role::Execution);
            for lang in Lang::ALL {
                let s = snippet(lang, &cfg, "You are 'quoted' and \"double\".");
                assert!(s.contains(key_var(kind)), "{kind:?} {lang:?}: {s}");
                assert!(s.contains(cfg.base_url.as_str()), "{kind:?} {lang:?}");
            }
        }
        let cfg = ProviderConfig::preset(ProviderKind::OpenAi, Role::Execution);
        let curl = snippet(Lang::Curl, &cfg, "It's fine.");
        assert!(curl.contains("It'\\''s fine."));
        assert!(curl.contains("-H \"Authorization: Bearer $OPENAI_API_KEY\""));
        assert!(
            snippet(Lang::Python, &cfg, "x")
                .contains("\"Authorization\": \"Bearer \" + os.environ[\"OPENAI_API_KEY\"]")
        );
        assert!(
            snippet(Lang::JavaScript, &cfg, "x").contains("`Bearer ${process.env.OPENAI_API_KEY}`")
        );
    }
}
