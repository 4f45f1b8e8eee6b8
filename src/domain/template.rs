//! Filling the meta-prompt templates (`*_user.md` beside the request builders) in one pass: each
//! `{name}` is replaced by its value while the template is read once, so a value is never read
//! again as template text. (Chained `.replace` calls did read it again: a case input containing
//! `{expected}` received the reference answer in the judge's request.)

/// Fills each `{name}` placeholder of `template` with its value from `values` in one pass over the
/// template; inserted values are copied as they are, never scanned for placeholders.
///
/// - A placeholder is `{`, a name of ASCII letters, digits and `_`, then `}`.
/// - `{{name}}` is not a placeholder: it is a prompt's own template variable (e.g. `{{transcript}}`)
///   and is copied as written, whatever `values` holds.
/// - A `{name}` whose name is not in `values` is copied as written (so braces that belong to the
///   text, such as a JSON example, survive). Use [`placeholders`] in tests to check that a builder
///   gives every name its template uses.
/// - When a name appears twice in `values`, the first value is used.
///
/// Example: `fill("A {x} B", &[("x", "{x}")])` is `"A {x} B"`, read once.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out =
        String::with_capacity(template.len() + values.iter().map(|(_, v)| v.len()).sum::<usize>());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        if let Some(inner) = after.strip_prefix("{{") {
            out.push_str("{{");
            rest = inner;
            continue;
        }
        match name_at(after).and_then(|name| lookup(values, name).map(|v| (name, v))) {
            Some((name, value)) => {
                out.push_str(value);
                rest = &after[name.len() + 2..];
            }
            None => {
                out.push('{');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The names of the `{name}` placeholders in `template`, in order of first appearance, each once
/// (`{{name}}` excluded, as in [`fill`]).
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open..];
        if let Some(inner) = after.strip_prefix("{{") {
            rest = inner;
            continue;
        }
        if let Some(name) = name_at(after).filter(|n| !out.contains(n)) {
            out.push(name);
        }
        rest = &after[1..];
    }
    out
}

/// The name of a placeholder at the start of `text` (which starts with `{`).
fn name_at(text: &str) -> Option<&str> {
    let body = text.strip_prefix('{')?;
    let end = body.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
    (end > 0 && body[end..].starts_with('}')).then(|| &body[..end])
}

fn lookup<'v>(values: &[(&str, &'v str)], name: &str) -> Option<&'v str> {
    values.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

/// Every placeholder name the app's templates use, written as placeholders: a value that must reach
/// a request exactly as written (for the builders' regression tests).
#[cfg(test)]
pub(crate) const TRAP: &str = "{expected} {output} {rubric} {prompt} {input} {draft} {critique} \
    {checks} {format} {cases} {n} {typical} {edge} {adversarial} {variables} {idea} {details} \
    {section} {instruction} {family} {score} {history} {failures} {passes} {locked} {styles} \
    {cut_off} {conversations}";

#[cfg(test)]
mod tests;
