//! Token and cost estimates, shown before money is spent. Token counts are approximations
//! (about four characters per token for English); prices are list prices per million tokens.
use crate::domain::provider::{ProviderConfig, ProviderKind};

/// Roughly how many tokens a text is (never 0 for non-empty text).
pub fn estimate_tokens(text: &str) -> u32 {
    let chars = text.chars().count() as f64;
    if chars == 0.0 {
        return 0;
    }
    // Non-Latin scripts take more tokens per character: count them double.
    let non_ascii = text.chars().filter(|c| !c.is_ascii()).count() as f64;
    ((chars + non_ascii) / 4.0).ceil() as u32
}

/// An upper bound of the tokens a text can take in any provider's tokenizer: its UTF-8 length in
/// bytes. Byte-level BPE (OpenAI, Anthropic, Llama) and SentencePiece with byte fallback (Gemini,
/// Gemma) never make more than one token of a byte. Unlike [`estimate_tokens`] (an average, about a
/// quarter of this for English), this holds for any text: CJK, code, JSON, emoji.
pub fn token_bound(text: &str) -> u64 {
    text.len() as u64
}

/// Tokens a provider may add to any request, at most: message framing, the hidden system text of
/// structured output or a forced tool (Anthropic documents up to 346 tokens for tool use), and
/// the chat template's special tokens.
pub const REQUEST_OVERHEAD_TOKENS: u64 = 600;
/// Framing tokens per message, at most.
pub const MESSAGE_OVERHEAD_TOKENS: u64 = 16;

/// The most a call can use: (input tokens, output tokens). Input: [`token_bound`] of the system
/// text, every message and the output schema, plus the overheads. Output: the request's output
/// cap (`max_tokens`), which every provider applies to the whole billed output, reasoning and
/// thinking tokens included (OpenAI `max_completion_tokens`, Anthropic `max_tokens`, Gemini
/// `maxOutputTokens`).
pub fn request_bound(req: &crate::domain::provider::ChatRequest) -> (u64, u64) {
    let mut input = REQUEST_OVERHEAD_TOKENS + req.system.as_deref().map_or(0, token_bound);
    for m in &req.messages {
        input += MESSAGE_OVERHEAD_TOKENS + token_bound(&m.text);
    }
    input += req.schema.as_ref().map_or(0, |s| {
        token_bound(&s.name) + token_bound(&s.schema.to_string())
    });
    (input, u64::from(req.max_tokens))
}

/// US dollars per million input and output tokens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Price {
    pub input: f64,
    pub output: f64,
}

/// The list price of a model, when known. Local models are free.
pub fn price(cfg: &ProviderConfig) -> Option<Price> {
    if cfg.kind.is_local() {
        return Some(Price {
            input: 0.0,
            output: 0.0,
        });
    }
    let m = cfg
        .model
        .rsplit('/')
        .next()
        .unwrap_or(&cfg.model)
        .to_ascii_lowercase();
    let table: &[(&str, f64, f64)] = &[
        ("gpt-4o-mini", 0.15, 0.60),
        ("gpt-4o", 2.50, 10.00),
        ("gpt-4.1-nano", 0.10, 0.40),
        ("gpt-4.1-mini", 0.40, 1.60),
        ("gpt-4.1", 2.00, 8.00),
        ("gpt-5-nano", 0.05, 0.40),
        ("gpt-5-mini", 0.25, 2.00),
        ("gpt-5", 1.25, 10.00),
        ("o4-mini", 1.10, 4.40),
        ("o3", 2.00, 8.00),
        ("claude-haiku-4-5", 1.00, 5.00),
        ("claude-3-5-haiku", 0.80, 4.00),
        ("claude-sonnet-4", 3.00, 15.00),
        ("claude-opus-4", 15.00, 75.00),
        ("gemini-2.5-flash-lite", 0.10, 0.40),
        ("gemini-2.5-flash", 0.30, 2.50),
        ("gemini-2.5-pro", 1.25, 10.00),
        ("deepseek-chat", 0.27, 1.10),
        ("deepseek-reasoner", 0.55, 2.19),
        ("mistral-small", 0.10, 0.30),
        ("mistral-large", 2.00, 6.00),
        ("llama-3.3-70b", 0.59, 0.79),
        ("llama-3.1-8b", 0.05, 0.08),
    ];
    // Longest matching prefix wins (gpt-4o-mini before gpt-4o).
    table
        .iter()
        .filter(|(p, _, _)| m.starts_with(p))
        .max_by_key(|(p, _, _)| p.len())
        .map(|(_, i, o)| Price {
            input: *i,
            output: *o,
        })
        .filter(|_| cfg.kind != ProviderKind::Custom || !m.is_empty())
}

/// Estimated cost in dollars of one call.
pub fn call_cost(cfg: &ProviderConfig, input_tokens: u32, output_tokens: u32) -> Option<f64> {
    price(cfg)
        .map(|p| (input_tokens as f64 * p.input + output_tokens as f64 * p.output) / 1_000_000.0)
}

/// "$0.0012", "$12.50", "$1,234.56" (thousands grouped), "free", or "unknown price".
pub fn format_cost(cost: Option<f64>) -> String {
    match cost {
        None => "unknown price".to_owned(),
        Some(c) if c == 0.0 => "free".to_owned(),
        Some(c) if c < 0.01 => format!("${c:.4}"),
        Some(c) => {
            let cents = (c * 100.0).round() as u64;
            format!(
                "${}.{:02}",
                crate::domain::figures::grouped(cents / 100),
                cents % 100
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::provider::Role;

    #[test]
    fn tokens_and_costs() {
        assert_eq!(estimate_tokens(""), 0);
        assert_eq!(estimate_tokens("abcd"), 1);
        assert_eq!(estimate_tokens("abcde"), 2);
        assert_eq!(estimate_tokens("日本語"), 2);
        let mut c = ProviderConfig::preset(ProviderKind::OpenAi, Role::Execution);
        c.model = "gpt-4o-mini-2024-07-18".into();
        assert_eq!(
            price(&c),
            Some(Price {
                input: 0.15,
                output: 0.60
            })
        );
        assert_eq!(format_cost(call_cost(&c, 1_000_000, 0)), "$0.15");
        assert_eq!(format_cost(call_cost(&c, 2000, 500)), "$0.0006");
        assert_eq!(format_cost(Some(1234.567)), "$1,234.57");
        assert_eq!(format_cost(Some(999.999)), "$1,000.00");
        c.model = "mystery-model".into();
        assert_eq!(format_cost(call_cost(&c, 10, 10)), "unknown price");
        let local = ProviderConfig::preset(ProviderKind::LlamaCpp, Role::Execution);
        assert_eq!(format_cost(call_cost(&local, 10, 10)), "free");
        c.kind = ProviderKind::OpenRouter;
        c.model = "anthropic/claude-sonnet-4.5".into();
        assert_eq!(price(&c).unwrap().input, 3.0);
    }
}
