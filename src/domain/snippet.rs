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

/// The note written as comment lines above the code when the prompt has `{{variables}}`: which
/// ones, and that the code must put their values in before sending. Empty without variables.
///
/// Variable names come from the prompt (untrusted): a name is written only with the characters
/// a variable name may have (letters, digits, `_`, as `spec::placeholders` reads them), any other
/// character as a `\u{…}` escape, so no name can end its comment line in any of the languages.
pub fn variables_note(system: &str) -> Vec<String> {
    let names: Vec<String> = crate::domain::spec::placeholders(system)
        .iter()
        .map(|n| {
            n.chars()
                .map(|c| {
                    if c.is_alphanumeric() || c == '_' {
                        c.to_string()
                    } else {
                        c.escape_unicode().to_string()
                    }
                })
                .collect::<String>()
        })
        .map(|n| format!("{{{{{n}}}}}"))
        .collect();
    if names.is_empty() {
        return Vec::new();
    }
    vec![
        format!(
            "The prompt below has {} for your app to fill in: {}.",
            if names.len() == 1 {
                "a placeholder"
            } else {
                "placeholders"
            },
            names.join(", ")
        ),
        "Replace each one in the prompt's text with its value before sending (as Promptwright's"
            .to_owned(),
        "test cases do); a placeholder left in reaches the model as written.".to_owned(),
    ]
}

/// Code that sends `system` and a sample user message to `cfg`'s model, with
/// [`variables_note`] as comments above it when the prompt has `{{variables}}`.
pub fn snippet(lang: Lang, cfg: &ProviderConfig, system: &str) -> String {
    let comment = match lang {
        Lang::Curl | Lang::Python => "#",
        Lang::JavaScript => "//",
    };
    let note: String = variables_note(system)
        .iter()
        .map(|line| format!("{comment} {line}\n"))
        .collect();
    format!("{note}{}", code(lang, cfg, system))
}

/// The code of [`snippet`], without the note.
fn code(lang: Lang, cfg: &ProviderConfig, system: &str) -> String {
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
    // Every text that comes from the person or a shared draft (the prompt, the model name, the
    // address) is written as an escaped string literal of the target language, so no text can end
    // the literal and run as code.
    let pretty = serde_json::to_string_pretty(&body).unwrap_or_default();
    match lang {
        Lang::Curl => {
            let mut s = format!("curl {} \\\n", shell_quote(&url));
            for (k, v) in &headers {
                // Header names and values are ours; only `$VAR` is meant to expand.
                s.push_str(&format!("  -H \"{k}: {v}\" \\\n"));
            }
            s.push_str(&format!("  -d {}", shell_quote(&pretty)));
            s
        }
        Lang::Python => {
            // A server that needs no key (a local one) runs without the variable set (tryout 9:
            // the local model's snippet stopped with KeyError: 'API_KEY'), as curl does.
            let read = if cfg.kind.needs_key() {
                format!("os.environ[\"{var}\"]")
            } else {
                format!("os.environ.get(\"{var}\", \"\")")
            };
            let hs: Vec<String> = headers
                .iter()
                .map(|(k, v)| match v.split_once(&format!("${var}")) {
                    Some(("", _)) => format!("    \"{k}\": {read},"),
                    Some((pre, _)) => format!("    \"{k}\": \"{pre}\" + {read},"),
                    None => format!("    \"{k}\": \"{v}\","),
                })
                .collect();
            format!(
                "import json, os, urllib.request\n\nbody = {}\nreq = urllib.request.Request(\n    {},\n    data=json.dumps(body).encode(),\n    headers={{\n{}\n    }},\n)\nprint(json.load(urllib.request.urlopen(req)))",
                python_literal(&body, 0),
                json_string(&url),
                hs.join("\n")
            )
        }
        Lang::JavaScript => {
            let hs: Vec<String> = headers
                .iter()
                .map(|(k, v)| match v.split_once(&format!("${var}")) {
                    Some((pre, _)) if cfg.kind.needs_key() => {
                        format!("    \"{k}\": `{pre}${{process.env.{var}}}`,")
                    }
                    Some((pre, _)) => {
                        format!("    \"{k}\": `{pre}${{process.env.{var} ?? \"\"}}`,")
                    }
                    None => format!("    \"{k}\": \"{v}\","),
                })
                .collect();
            // JSON is a JavaScript expression (ES2019 allows U+2028/U+2029 in strings).
            format!(
                "const response = await fetch({}, {{\n  method: \"POST\",\n  headers: {{\n{}\n  }},\n  body: JSON.stringify({pretty}),\n}});\nconsole.log(await response.json());",
                json_string(&url),
                hs.join("\n")
            )
        }
    }
}

/// A JSON string literal: also a valid Python 3 and JavaScript string literal (both read the same
/// escapes `\"`, `\\`, `\n`, `\uXXXX`).
fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

/// A shell word in single quotes: a `'` inside becomes `'\''` (close, escaped quote, reopen).
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// A JSON value as a Python literal (dicts, lists, True/False/None, JSON-escaped strings),
/// indented by 4 spaces per level.
fn python_literal(v: &serde_json::Value, depth: usize) -> String {
    use serde_json::Value;
    let pad = "    ".repeat(depth + 1);
    let close = "    ".repeat(depth);
    match v {
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => json_string(s),
        Value::Array(a) if a.is_empty() => "[]".to_owned(),
        Value::Array(a) => {
            let items: Vec<String> = a
                .iter()
                .map(|x| format!("{pad}{},", python_literal(x, depth + 1)))
                .collect();
            format!("[\n{}\n{close}]", items.join("\n"))
        }
        Value::Object(o) if o.is_empty() => "{}".to_owned(),
        Value::Object(o) => {
            let items: Vec<String> = o
                .iter()
                .map(|(k, x)| format!("{pad}{}: {},", json_string(k), python_literal(x, depth + 1)))
                .collect();
            format!("{{\n{}\n{close}}}", items.join("\n"))
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
        // A server that needs no key: the code runs without the variable (tryout 9: KeyError).
        let local = ProviderConfig::preset(ProviderKind::LlamaCpp, Role::Execution);
        assert!(
            snippet(Lang::Python, &local, "x")
                .contains("\"Authorization\": \"Bearer \" + os.environ.get(\"API_KEY\", \"\")")
        );
        assert!(
            snippet(Lang::JavaScript, &local, "x")
                .contains("`Bearer ${process.env.API_KEY ?? \"\"}`")
        );
    }

    /// Prompts that try to end the string literal of each language and run their own code, or
    /// (with `{{variables}}`) the comment that names them.
    const HOSTILE: [&str; 12] = [
        "Notes: {{transcript}} in {{ language }}; again {{transcript}}",
        "{{a\u{2028}process.exit(1)}} {{b\nimport os}} {{c\r\ntouch /tmp/pw-pwned}} {{ok}}",
        "{{名前}} {{x_1}} */ {{y}} \u{202e}{{z}}",
        "{{k\u{202e}ey}} {{\u{2029}}} {{a}}\"\"\"`",
        "'''\nimport os; os.system('touch /tmp/pw-pwned')\n'''",
        "\"\"\"; import os #",
        "`; process.exit(1); `${process.env.OPENAI_API_KEY}",
        "'; touch /tmp/pw-pwned; echo '",
        "$(touch /tmp/pw-pwned) \\' \\\" \\n \u{2028} \u{2029} </script>",
        "\\",
        "line1\r\nline2\ttab\u{1}ctl",
        "日本語のプロンプト 🚀 \u{feff}",
    ];

    fn run(program: &str, args: &[&str], stdin: &str) -> (bool, String) {
        use std::io::Write;
        let mut child = std::process::Command::new(program)
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{program} is needed for this test: {e}"));
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.success(), text)
    }

    /// The system prompt a snippet's request body carries, as the body's own language reads it.
    fn system_of(body: &serde_json::Value) -> String {
        body.pointer("/messages/0/content")
            .filter(|_| body.get("system").is_none())
            .or_else(|| body.get("system"))
            .or_else(|| body.pointer("/systemInstruction/parts/0/text"))
            .and_then(serde_json::Value::as_str)
            .expect("a system prompt in the body")
            .to_owned()
    }

    // Bug: the Python snippet put the prompt inside r'''…''', so a shared prompt containing '''
    // ran its own code when the person ran the snippet with their key in the environment.
    #[test]
    fn no_prompt_text_can_end_a_snippets_string() {
        let dir = std::env::temp_dir().join(format!("pw-snippet-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("s.mjs");
        for kind in [
            ProviderKind::OpenAi,
            ProviderKind::Anthropic,
            ProviderKind::Gemini,
        ] {
            let mut cfg = ProviderConfig::preset(kind, Role::Execution);
            cfg.model = "model'\"`$(touch /tmp/pw-pwned)".into();
            // Python, every prompt's snippet in one interpreter: each parses, and the literal
            // assigned to `body` holds the prompt intact (or why not, per snippet).
            let pys: Vec<String> = HOSTILE
                .iter()
                .map(|prompt| snippet(Lang::Python, &cfg, prompt))
                .collect();
            let check = "import ast, json, sys\nout = []\nfor src in json.load(sys.stdin):\n    try:\n        tree = ast.parse(src)\n        body = next(n.value for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == 'body')\n        out.append(ast.literal_eval(body))\n    except Exception as e:\n        out.append({'__error__': repr(e)})\nprint(json.dumps(out))";
            let (ok, out) = run(
                "python3",
                &["-c", check],
                &serde_json::to_string(&pys).unwrap(),
            );
            assert!(ok, "{kind:?} python: {out}");
            let bodies: Vec<serde_json::Value> = serde_json::from_str(out.trim()).unwrap();
            assert_eq!(bodies.len(), HOSTILE.len());
            for ((prompt, py), body) in HOSTILE.iter().zip(&pys).zip(&bodies) {
                assert!(
                    body.get("__error__").is_none(),
                    "{kind:?} python {prompt:?}: {body}\n{py}"
                );
                assert_eq!(system_of(body), *prompt, "{kind:?} python");
            }
            for prompt in HOSTILE {
                // JavaScript: run with a stand-in `fetch` (node parses the whole module first,
                // so a snippet that does not parse fails here), the body it sends holds the
                // prompt intact.
                let js = snippet(Lang::JavaScript, &cfg, prompt);
                let probe = format!(
                    "globalThis.fetch = async (u, o) => {{ process.stdout.write(o.body); return {{ json: async () => 0 }}; }};\nconsole.log = () => {{}};\n{js}"
                );
                std::fs::write(&file, probe).unwrap();
                let (ok, out) = run("node", &[file.to_str().unwrap()], "");
                assert!(ok, "{kind:?} js run {prompt:?}: {out}\n{js}");
                let body: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
                assert_eq!(system_of(&body), prompt, "{kind:?} js");
                // curl: bash parses it, and the -d argument is exactly the JSON with the prompt.
                let curl = snippet(Lang::Curl, &cfg, prompt);
                let script = format!(
                    "curl() {{ while [ $# -gt 0 ]; do if [ \"$1\" = -d ]; then printf %s \"$2\"; fi; shift; done; }}\n{curl}"
                );
                let (ok, out) = run("bash", &["-c", &script], "");
                assert!(ok, "{kind:?} curl {prompt:?}: {out}\n{curl}");
                let body: serde_json::Value = serde_json::from_str(&out).unwrap();
                assert_eq!(system_of(&body), prompt, "{kind:?} curl");
                assert!(
                    !std::path::Path::new("/tmp/pw-pwned").exists(),
                    "{kind:?} {prompt:?} ran code"
                );
            }
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    // Bug: the snippet left {{transcript}} in the prompt without a word: the code sent the
    // placeholder to the model as written.
    #[test]
    fn the_snippet_says_which_variables_to_fill_in_and_how() {
        let cfg = ProviderConfig::preset(ProviderKind::OpenAi, Role::Execution);
        let prompt =
            "Read the notes in {{transcript}}. Answer in {{ language }}; {{transcript}} again.";
        for (lang, mark) in [
            (Lang::Curl, "# "),
            (Lang::Python, "# "),
            (Lang::JavaScript, "// "),
        ] {
            let s = snippet(lang, &cfg, prompt);
            let lines: Vec<&str> = s.lines().take_while(|l| l.starts_with(mark)).collect();
            assert_eq!(lines.len(), 3, "{lang:?}: {s}");
            assert_eq!(
                lines[0],
                format!(
                    "{mark}The prompt below has placeholders for your app to fill in: {{{{transcript}}}}, {{{{language}}}}."
                ),
                "{lang:?}"
            );
            assert!(
                lines[1].contains(
                    "Replace each one in the prompt's text with its value before sending"
                )
            );
            // The code after the note is the code without it.
            assert!(s.ends_with(&code(lang, &cfg, prompt)));
        }
        // No variables: no note.
        assert!(!snippet(Lang::Python, &cfg, "Plain prompt.").starts_with('#'));
        // A name with a character that could end a comment line is written escaped.
        let note = variables_note("{{a\u{2028}b}} {{ok}}");
        assert_eq!(
            note[0],
            "The prompt below has a placeholder for your app to fill in: {{ok}}."
        );
        assert!(!note.concat().contains('\u{2028}'));
    }
}
