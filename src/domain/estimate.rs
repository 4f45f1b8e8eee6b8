//! Token and cost estimates, shown before money is spent. Token counts are approximations
//! (about four characters per token for English); prices are list prices per million tokens.
use crate::domain::provider::{ChatRequest, ProviderConfig, ProviderKind};

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

/// Roughly how many input tokens a request is: its system message and every message of it
/// (a conversation's earlier turns too), by [`estimate_tokens`]. What a call read when the
/// provider reported no usage (a refusal, a stopped call, a server that sends no usage).
pub fn request_tokens(req: &ChatRequest) -> u32 {
    req.system.as_deref().map_or(0, estimate_tokens)
        + req
            .messages
            .iter()
            .map(|m| estimate_tokens(&m.text))
            .sum::<u32>()
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
    // Longest matching prefix wins (gpt-4o-mini before gpt-4o), followed by nothing, a dated or
    // numbered version ("-2024-08-06", "-1-20250805", "@20250514") or a word that names the
    // same model ("-latest", "-preview…", Groq's "-versatile"/"-instant"): another word makes
    // it another model, with no list price here (tryout 88: "gpt-4o-m", half typed, was priced
    // as gpt-4o and "gpt-4o-minix" as gpt-4o-mini).
    let same_model = |rest: &str| {
        let rest = rest
            .strip_prefix('-')
            .or_else(|| rest.strip_prefix('@'))
            .or_else(|| rest.strip_prefix(':'))
            .or_else(|| rest.strip_prefix('.'));
        match rest {
            None => false,
            Some(r) => {
                r.starts_with(|c: char| c.is_ascii_digit())
                    || ["latest", "preview", "versatile", "instant"]
                        .iter()
                        .any(|w| r.starts_with(w))
            }
        }
    };
    table
        .iter()
        .filter(|(p, _, _)| {
            m.strip_prefix(p)
                .is_some_and(|rest| rest.is_empty() || same_model(rest))
        })
        .max_by_key(|(p, _, _)| p.len())
        .map(|(_, i, o)| Price {
            input: *i,
            output: *o,
        })
        .filter(|_| cfg.kind != ProviderKind::Custom || !m.is_empty())
}

/// The tokens a finished call used, `(input, output)`, and whether they are estimates: the
/// provider's `reported` counts when it reported any, else `read` (its whole request,
/// [`request_tokens`]) and the reply `text` ([`estimate_tokens`]).
pub fn used_or_estimated(reported: (u32, u32), read: u32, text: &str) -> ((u32, u32), bool) {
    if reported != (0, 0) {
        (reported, false)
    } else {
        ((read, estimate_tokens(text)), true)
    }
}

/// Estimated cost in dollars of one call.
pub fn call_cost(cfg: &ProviderConfig, input_tokens: u32, output_tokens: u32) -> Option<f64> {
    price(cfg)
        .map(|p| (input_tokens as f64 * p.input + output_tokens as f64 * p.output) / 1_000_000.0)
}

/// The most some calls can cost, in words, before they are made (tryout 83's audit: fifteen
/// buttons spent money with no figure beside them). Each call is its model's settings and its
/// (input, output) token bound ([`request_bound`], plus what else it may read). Reads "at most
/// $0.0042" ([`at_most`], rounded up), "free" when every model is local (or there is no call),
/// or "cost unknown: M has no list price here" naming each model without a list price once.
pub fn calls_at_most(calls: &[(&ProviderConfig, (u64, u64))]) -> String {
    let t = |n: u64| n.min(u64::from(u32::MAX)) as u32;
    let mut total = 0.0;
    let mut unpriced: Vec<&str> = Vec::new();
    for (cfg, (input, output)) in calls {
        match call_cost(cfg, t(*input), t(*output)) {
            Some(c) => total += c,
            None if !unpriced.contains(&cfg.model.as_str()) => unpriced.push(&cfg.model),
            None => {}
        }
    }
    match unpriced.len() {
        0 => at_most(total),
        1 => format!("cost unknown: {} has no list price here", unpriced[0]),
        _ => format!(
            "cost unknown: {} have no list price here",
            crate::domain::figures::and_list(&unpriced)
        ),
    }
}

/// A bound on money in words: "at most $0.61", or "free" when the bound is nothing (tryout 9:
/// the local model's runs read "at most free").
/// The amount is rounded up at the precision shown (tryout 19: $0.00105 read "at most $0.0010",
/// under the bound it stood for).
pub fn at_most(cost: f64) -> String {
    if cost == 0.0 {
        return "free".to_owned();
    }
    // Up to the shown precision; the float noise of an exact figure (0.0012 * 10,000 =
    // 12.000000000000002) is not a step up.
    let up = |c: f64, scale: f64| ((c * scale) - 1e-6).ceil().max(1.0) / scale;
    let shown = if cost < 0.01 {
        up(cost, 10_000.0)
    } else {
        up(cost, 100.0)
    };
    format!("at most {}", format_cost(Some(shown)))
}

/// Money spent against a bound, in words: "$0.0123 of at most $0.09", "$0 of at most $0.09"
/// (nothing spent yet), or "free" when the bound is nothing. The bound reads as [`at_most`]
/// reads it before the spending is approved (tryout 62: "at most $0.09" before Start read
/// "free of at most $0.08" after it: rounded to the nearest cent, and "free" for nothing spent).
///
/// Spent past the bound (a provider that wrote past its output cap), both figures and the overrun
/// read to the ten-thousandth of a dollar under $1, so rounding never hides it: "$0.0216 of at
/// most $0.0200: $0.0016 over it" (tryout 119: "$0.02 of at most $0.02").
pub fn spent_of_at_most(spent: f64, bound: f64) -> String {
    if bound == 0.0 && spent <= 0.0 {
        return "free".to_owned();
    }
    if spent > bound + 1e-12 {
        let fine = |c: f64| {
            if c < 1.0 {
                format!("${c:.4}")
            } else {
                format_cost(Some(c))
            }
        };
        return format!(
            "{} of at most {}: {} over it",
            fine(spent),
            fine(bound),
            fine(spent - bound)
        );
    }
    let spent = if spent == 0.0 {
        "$0".to_owned()
    } else {
        format_cost(Some(spent))
    };
    format!("{spent} of {}", at_most(bound))
}

/// "$0.0012", "$12.50", "$1,234.56" (thousands grouped), "$0.000031" (two significant digits)
/// for a cost that would read "$0.0000" (tryout 19: a cut-off call's estimate), "free", or
/// "unknown price".
pub fn format_cost(cost: Option<f64>) -> String {
    match cost {
        None => "unknown price".to_owned(),
        Some(0.0) => "free".to_owned(),
        Some(c) if c < 0.00005 => {
            // Two significant digits, so it reads after "about" or "at least" too.
            let decimals = (-c.log10()).ceil().clamp(4.0, 10.0) as usize + 1;
            format!("${c:.decimals$}")
        }
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

/// Dollar amounts said together, parts beside their total: every one at the precision the
/// smallest non-zero amount needs under [`format_cost`] (whole cents when none is under a
/// cent), and a zero as "$0", so the parts read as adding up to the total (to its last digit's
/// rounding). Tryout 64: "$0.02 in all: $0.0024 for the answers and $0.01 for the judge" for
/// $0.0172 = $0.0024 + $0.0147.
pub fn format_costs_alike(costs: &[f64]) -> Vec<String> {
    let smallest = costs
        .iter()
        .copied()
        .filter(|c| *c > 0.0)
        .fold(f64::INFINITY, f64::min);
    let decimals = if smallest >= 0.01 {
        2
    } else if smallest >= 0.00005 {
        4
    } else {
        (-smallest.log10()).ceil().clamp(4.0, 10.0) as usize + 1
    };
    costs
        .iter()
        .map(|&c| {
            if c == 0.0 {
                return "$0".to_owned();
            }
            let scale = 10f64.powi(decimals as i32);
            let units = (c * scale).round() as u64;
            let whole = units / 10u64.pow(decimals as u32);
            let frac = units % 10u64.pow(decimals as u32);
            format!(
                "${}.{frac:0decimals$}",
                crate::domain::figures::grouped(whole)
            )
        })
        .collect()
}

/// Estimated input tokens ([`estimate_tokens`]) from which a request waits for the person to
/// confirm it, with its size and cost shown: about 20 KB of English, far more than an idea or a
/// prompt needs (a Generate request with a one-line idea is about 1,000).
pub const CONFIRM_INPUT_TOKENS: u32 = 5_000;
/// Estimated input tokens above which a request is not sent at all: about 400 KB of English,
/// near or past what many models read at once (128,000 tokens for GPT-4o), and nothing a prompt
/// is written from.
pub const MAX_INPUT_TOKENS: u32 = 100_000;

/// What one request would send, as shown before it goes: its text's size, its estimated input
/// tokens and the estimated cost of the call (input, and its output cap in full).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RequestSize {
    /// UTF-8 bytes of the system text and messages.
    pub bytes: usize,
    /// Estimated input tokens (an average, [`estimate_tokens`]).
    pub tokens: u32,
    /// The most the call can cost in US dollars at the model's list price (its
    /// [`request_bound`]); `None` when the price is unknown.
    pub cost: Option<f64>,
}

/// Whether a request may go as it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SendCheck {
    /// Small: it goes.
    Fine,
    /// At least [`CONFIRM_INPUT_TOKENS`]: it goes after the person confirms.
    Confirm(RequestSize),
    /// More than [`MAX_INPUT_TOKENS`]: it does not go.
    TooLarge(RequestSize),
}

/// The [`RequestSize`] of `req` sent to `cfg`'s model, and whether it may go.
pub fn send_check(req: &crate::domain::provider::ChatRequest, cfg: &ProviderConfig) -> SendCheck {
    let mut bytes = req.system.as_deref().map_or(0, str::len);
    let mut tokens = req.system.as_deref().map_or(0, estimate_tokens);
    for m in &req.messages {
        bytes += m.text.len();
        tokens = tokens.saturating_add(estimate_tokens(&m.text));
    }
    // The money is the call's bound, as the figure beside its button says it (tryout 83: "about
    // $0.0042 per call" here beside "at most $0.02" there).
    let (bound_in, bound_out) = request_bound(req);
    let t = |n: u64| n.min(u64::from(u32::MAX)) as u32;
    let size = RequestSize {
        bytes,
        tokens,
        cost: call_cost(cfg, t(bound_in), t(bound_out)),
    };
    if tokens > MAX_INPUT_TOKENS {
        SendCheck::TooLarge(size)
    } else if tokens >= CONFIRM_INPUT_TOKENS {
        SendCheck::Confirm(size)
    } else {
        SendCheck::Fine
    }
}

impl SendCheck {
    /// What the page says before a large request, in plain words: `what` names the text that
    /// makes it large ("your idea", "the prompt"), `model` the model that would read it (as
    /// Settings names it). Empty for a small request.
    pub fn describe(&self, what: &str, model: &str) -> String {
        use crate::domain::figures::{grouped, size};
        match self {
            Self::Fine => String::new(),
            Self::Confirm(s) => format!(
                "This request is large: {what} makes it {} of text, about {} tokens for {model} to read ({}). Send it anyway?",
                size(s.bytes),
                grouped(u64::from(s.tokens)),
                match s.cost {
                    None => "its price is unknown".to_owned(),
                    Some(0.0) => "free".to_owned(),
                    Some(c) => format!(
                        "{} for the call, each byte of it a token and its answer at its cap",
                        at_most(c)
                    ),
                }
            ),
            Self::TooLarge(s) => format!(
                "Not sent: {what} makes this request {} of text, about {} tokens, more than the {} tokens (about 400 KB) Promptwright sends in one request. Shorten it to what the assistant should do, for whom and in what form; long examples belong in test cases.",
                size(s.bytes),
                grouped(u64::from(s.tokens)),
                grouped(u64::from(MAX_INPUT_TOKENS))
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn amounts_said_together_share_one_precision() {
        use super::format_costs_alike;
        // Tryout 64: the judge's $0.0147 read "$0.01" beside "$0.0024" and a "$0.02" total.
        assert_eq!(
            format_costs_alike(&[0.0171, 0.0024, 0.0147]),
            ["$0.0171", "$0.0024", "$0.0147"]
        );
        assert_eq!(
            format_costs_alike(&[1.5, 1.25, 0.25]),
            ["$1.50", "$1.25", "$0.25"]
        );
        assert_eq!(
            format_costs_alike(&[1234.5, 1234.5, 0.0]),
            ["$1,234.50", "$1,234.50", "$0"]
        );
        assert_eq!(
            format_costs_alike(&[0.000_012_3, 0.000_012_3, 0.0]),
            ["$0.000012", "$0.000012", "$0"]
        );
        assert_eq!(format_costs_alike(&[2.0, 0.004]), ["$2.0000", "$0.0040"]);
    }

    use super::*;
    use crate::domain::provider::Role;

    // Tryout 88: "gpt-4o-m", half typed, was priced as gpt-4o, "gpt-4o-minix" as gpt-4o-mini.
    // A name priced is the model's own, a dated or numbered version of it, or a word that names
    // the same model.
    #[test]
    fn a_model_is_priced_by_its_own_name_or_a_version_of_it_only() {
        let priced = |model: &str| {
            price(&ProviderConfig {
                model: model.into(),
                ..ProviderConfig::preset(ProviderKind::OpenAi, Role::Execution)
            })
            .map(|p| p.input)
        };
        assert_eq!(priced("gpt-4o"), Some(2.50));
        assert_eq!(priced("gpt-4o-mini"), Some(0.15));
        assert_eq!(priced("gpt-4o-2024-08-06"), Some(2.50));
        assert_eq!(priced("gpt-4o-mini-2024-07-18"), Some(0.15));
        assert_eq!(priced("openai/gpt-4o-mini"), Some(0.15));
        assert_eq!(priced("claude-opus-4-1-20250805"), Some(15.00));
        assert_eq!(priced("claude-sonnet-4@20250514"), Some(3.00));
        assert_eq!(priced("claude-3-5-haiku-latest"), Some(0.80));
        assert_eq!(priced("gemini-2.5-flash-preview-05-20"), Some(0.30));
        assert_eq!(priced("llama-3.3-70b-versatile"), Some(0.59));
        assert_eq!(priced("gpt-4o-m"), None);
        assert_eq!(priced("gpt-4o-minix"), None);
        assert_eq!(priced("gpt-4oo"), None);
        assert_eq!(priced("o3-pro"), None);
    }

    #[test]
    fn calls_are_priced_together_and_unpriced_models_are_named_once() {
        let mut mini = ProviderConfig::preset(ProviderKind::OpenAi, Role::Execution);
        mini.model = "gpt-4o-mini".into();
        let mut big = mini.clone();
        big.model = "gpt-4o".into();
        let local = ProviderConfig::preset(ProviderKind::LlamaCpp, Role::Judge);
        let mut custom = mini.clone();
        custom.model = "my-model".into();
        // 10,000 in and 1,000 out on gpt-4o-mini ($0.15 / $0.60 per million): $0.0021; the same
        // on gpt-4o ($2.50 / $10): $0.035. Together $0.0371, rounded up to the cent shown.
        assert_eq!(
            calls_at_most(&[(&mini, (10_000, 1_000)), (&big, (10_000, 1_000))]),
            "at most $0.04"
        );
        assert_eq!(
            calls_at_most(&[(&mini, (10_000, 1_000))]),
            "at most $0.0021"
        );
        assert_eq!(calls_at_most(&[(&local, (10_000, 1_000))]), "free");
        assert_eq!(calls_at_most(&[]), "free");
        assert_eq!(
            calls_at_most(&[(&custom, (1, 1)), (&mini, (1, 1)), (&custom, (1, 1))]),
            "cost unknown: my-model has no list price here"
        );
        let mut other = custom.clone();
        other.model = "other".into();
        assert_eq!(
            calls_at_most(&[(&custom, (1, 1)), (&other, (1, 1))]),
            "cost unknown: my-model and other have no list price here"
        );
    }

    #[test]
    fn a_request_is_estimated_whole_with_its_system_message_and_every_turn() {
        use crate::domain::provider::{ChatRequest, Message};
        // About 2,300 characters, the size of a generated prompt.
        let system = "You are a meticulous meeting analyst. ".repeat(60);
        let mut req = ChatRequest::new(Some(system.clone()), "Bob sends the deck.");
        let one = request_tokens(&req);
        assert_eq!(
            one,
            estimate_tokens(&system) + estimate_tokens("Bob sends the deck.")
        );
        // A judge request reads its rubric template, the prompt, the case and the answer: with
        // a prompt of this size, more than the flat 500 tokens a run once assumed for a judge
        // call without usage.
        let case = crate::domain::eval::TestCase {
            input: "Bob will send the deck by Friday. Ana books the room.".into(),
            ..Default::default()
        };
        let subject = crate::domain::eval::judge::Subject {
            rubric: "Lists every action item with its owner.",
            prompt: &system,
            case: &case,
            output: "- **Bob**: send the deck (Friday)\n- **Ana**: book the room",
            cut_off: false,
        };
        let judge = crate::domain::eval::judge::call(&subject, 0.0).request;
        let judged = request_tokens(&judge);
        assert!(
            judged > estimate_tokens(&system) + 50 && judged > 500,
            "{judged}"
        );
        // A conversation's earlier turns are read too.
        req.messages.splice(
            0..0,
            [
                Message::user("It worked yesterday, what changed?"),
                Message::assistant("Nothing on our side."),
            ],
        );
        assert_eq!(
            request_tokens(&req),
            one + estimate_tokens("It worked yesterday, what changed?")
                + estimate_tokens("Nothing on our side.")
        );
        assert_eq!(request_tokens(&ChatRequest::new(None, "")), 0);
    }

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
        // A bound of nothing is "free", never "at most free" (tryout 9).
        assert_eq!(at_most(0.0), "free");
        assert_eq!(at_most(0.61), "at most $0.61");
        // Tryout 62: the bound approved at Start ("at most $0.09" for $0.0849) read "free of at
        // most $0.08" once the loop had started. It reads as it read before, rounded up.
        assert_eq!(at_most(0.0849), "at most $0.09");
        assert_eq!(spent_of_at_most(0.0, 0.0849), "$0 of at most $0.09");
        assert_eq!(spent_of_at_most(0.0123, 0.0849), "$0.01 of at most $0.09");
        assert_eq!(spent_of_at_most(0.0012, 0.0849), "$0.0012 of at most $0.09");
        assert_eq!(spent_of_at_most(0.0, 0.0), "free");
        // Tryout 119: spent past the bound, rounding hid it ("$0.02 of at most $0.02").
        assert_eq!(
            spent_of_at_most(0.0216, 0.02),
            "$0.0216 of at most $0.0200: $0.0016 over it"
        );
        assert_eq!(
            spent_of_at_most(0.0004, 0.0),
            "$0.0004 of at most $0.0000: $0.0004 over it"
        );
        c.model = "mystery-model".into();
        assert_eq!(format_cost(call_cost(&c, 10, 10)), "unknown price");
        let local = ProviderConfig::preset(ProviderKind::LlamaCpp, Role::Execution);
        assert_eq!(format_cost(call_cost(&local, 10, 10)), "free");
        c.kind = ProviderKind::OpenRouter;
        c.model = "anthropic/claude-sonnet-4.5".into();
        assert_eq!(price(&c).unwrap().input, 3.0);
    }

    // Bug: a 540 KB idea went to Generate with no word of its size or cost.
    #[test]
    fn a_large_request_waits_for_a_confirmation_and_a_huge_one_is_refused() {
        use crate::domain::meta::{IdeaInput, generate_request};
        let mut c = ProviderConfig::preset(ProviderKind::OpenAi, Role::Meta);
        c.model = "gpt-4o".into();
        let idea = |text: String| {
            generate_request(&IdeaInput {
                idea: text,
                ..IdeaInput::default()
            })
        };
        let small = idea("a bot that pulls action items out of meeting notes".into());
        assert_eq!(send_check(&small, &c), SendCheck::Fine);
        assert_eq!(send_check(&small, &c).describe("your idea", "m"), "");
        let large = idea("Meeting notes. ".repeat(2_000));
        let SendCheck::Confirm(size) = send_check(&large, &c) else {
            panic!("a 30 KB idea is sent without a word");
        };
        assert!(size.bytes > 30_000 && size.tokens >= CONFIRM_INPUT_TOKENS);
        let text = send_check(&large, &c).describe("your idea", "gpt-4o");
        assert!(
            text.starts_with(
                "This request is large: your idea makes it 32 KB of text, about 8,014 tokens"
            ),
            "{text}"
        );
        assert!(
            text.contains(" tokens for gpt-4o to read (at most $0."),
            "{text}"
        );
        assert!(
            text.ends_with(
                " for the call, each byte of it a token and its answer at its cap). Send it anyway?"
            ),
            "{text}"
        );
        let huge = idea("x".repeat(540 * 1024));
        let SendCheck::TooLarge(size) = send_check(&huge, &c) else {
            panic!("a 540 KB idea may be sent");
        };
        assert!(size.tokens > MAX_INPUT_TOKENS);
        let text = send_check(&huge, &c).describe("your idea", "gpt-4o");
        assert!(
            text.starts_with("Not sent: your idea makes this request 543 KB of text, about 138,"),
            "{text}"
        );
        assert!(text.contains("more than the 100,000 tokens"), "{text}");
        // The local model is free, and said so.
        let local = ProviderConfig::preset(ProviderKind::LlamaCpp, Role::Meta);
        assert!(
            send_check(&large, &local)
                .describe("your idea", "m")
                .contains("to read (free).")
        );
    }
}
