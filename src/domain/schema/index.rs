//! The schema document indexed once: which base URI is in effect at each subschema, which URIs
//! and anchors name which subschema, and the problems that make the schema unusable (remote or
//! dangling references, bad patterns), all found before any value is checked.
//!
//! Identifiers follow 2020-12 Core §8.2 (`$id` sets the base URI and names a schema resource,
//! `$anchor` and `$dynamicAnchor` name a subschema within its resource) and draft-07 Core §8.2
//! (`$id` may also be a plain-name fragment `#foo`, and is ignored beside `$ref`, Core §8.3).
//! Only subschemas under applicator and definition keywords are walked, so an `$id` inside an
//! `enum` or `const` value is data, not an identifier.
use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use super::{Dialect, MAX_DEPTH, SchemaProblem, uri};
use crate::domain::pattern;

/// The base URI of a document that has no `$id` (2020-12 Core §9.1.1 leaves it to the
/// application). Relative references resolve against it, and a reference that leaves it is shown
/// as written.
const DEFAULT_BASE: &str = "json-schema:///schema.json";

/// Keywords whose value is one subschema.
const ONE: &[&str] = &[
    "additionalItems",
    "additionalProperties",
    "contains",
    "contentSchema",
    "else",
    "if",
    "items",
    "not",
    "propertyNames",
    "then",
    "unevaluatedItems",
    "unevaluatedProperties",
];
/// Keywords whose value maps names to subschemas.
const MAP: &[&str] = &[
    "$defs",
    "definitions",
    "dependencies",
    "dependentSchemas",
    "patternProperties",
    "properties",
];
/// Keywords whose value is a list of subschemas.
const LIST: &[&str] = &["allOf", "anyOf", "items", "oneOf", "prefixItems"];

/// Where a reference leads.
pub(super) enum Target<'a> {
    /// The subschema, with the base URI in effect there.
    Found(&'a Value, Arc<str>),
    /// Another document: `(the absolute URI, the fragment)`.
    Remote(String),
    /// This document, but nothing at that fragment.
    Missing,
}

#[derive(Debug)]
pub(super) struct Index {
    pub(super) root: Value,
    pub(super) dialect: Dialect,
    pub(super) root_base: Arc<str>,
    /// Absolute URI of a schema resource → JSON Pointer of its root.
    resources: HashMap<String, String>,
    /// `uri#name` → JSON Pointer, for `$anchor`, `$dynamicAnchor` and draft-07 `$id: "#name"`.
    anchors: HashMap<String, String>,
    /// `uri#name` → JSON Pointer, for `$dynamicAnchor` only.
    dynamic: HashMap<String, String>,
    /// JSON Pointer of each walked subschema → the base URI in effect there.
    bases: HashMap<String, Arc<str>>,
    /// Every `format` named where a validator compiles it, with the JSON Pointer of its
    /// keyword: checked against the known formats when they are asserted
    /// ([`super::Validator::asserting_formats`]). A format inside a `$defs` (or `definitions`)
    /// entry nothing refers to is left out: Ajv compiles only the schemas it reaches, so it
    /// never meets that format (ajv-validator/ajv#1546).
    pub(super) formats: Vec<(String, String)>,
}

/// A reference seen while walking, checked once the whole document is indexed.
struct Reference {
    raw: String,
    base: Arc<str>,
    at: String,
}

struct Walker<'a> {
    dialect: Dialect,
    index: &'a mut Index,
    references: Vec<Reference>,
    patterns: Vec<(String, String)>,
    formats: Vec<(String, String)>,
    /// The JSON Pointer of every `$defs` / `definitions` entry.
    def_roots: Vec<String>,
}

impl Index {
    /// Indexes `root` under `dialect`. Errors: any [`SchemaProblem`] but `UnknownDialect`.
    pub(super) fn build(root: Value, dialect: Dialect) -> Result<Self, SchemaProblem> {
        match &root {
            Value::Object(_) | Value::Bool(_) => {}
            other => return Err(SchemaProblem::NotASchema(super::words::kind(other))),
        }
        let mut index = Index {
            root: Value::Null,
            dialect,
            root_base: Arc::from(DEFAULT_BASE),
            resources: HashMap::new(),
            anchors: HashMap::new(),
            dynamic: HashMap::new(),
            bases: HashMap::new(),
            formats: Vec::new(),
        };
        index
            .resources
            .insert(DEFAULT_BASE.to_owned(), String::new());
        let root_base = own_base(dialect, &index.root_base, &root);
        let mut walker = Walker {
            dialect,
            index: &mut index,
            references: Vec::new(),
            patterns: Vec::new(),
            formats: Vec::new(),
            def_roots: Vec::new(),
        };
        walker.walk(&root, String::new(), &root_base, 0)?;
        let (references, patterns, formats, def_roots) = (
            walker.references,
            walker.patterns,
            walker.formats,
            walker.def_roots,
        );
        index.root_base = root_base;
        index.root = root;
        index.formats = index.reached_formats(formats, &def_roots, &references);
        for (p, at) in patterns {
            if let Err(reason) = pattern::check(&p) {
                let at = if at.is_empty() { "/".into() } else { at };
                return Err(SchemaProblem::Pattern {
                    pattern: p,
                    at,
                    reason,
                });
            }
        }
        for r in references {
            match index.resolve(&r.base, &r.raw).0 {
                Target::Found(..) => {}
                Target::Missing => {
                    return Err(SchemaProblem::Unresolved {
                        reference: r.raw,
                        at: if r.at.is_empty() { "/".into() } else { r.at },
                    });
                }
                Target::Remote(uri) if uri.contains("json-schema.org/draft") => {
                    return Err(SchemaProblem::Metaschema(uri));
                }
                Target::Remote(uri) => {
                    let shown = if uri::is_absolute(&r.raw) || uri.starts_with(DEFAULT_BASE_DIR) {
                        r.raw
                    } else {
                        format!("{} ({uri})", r.raw)
                    };
                    return Err(SchemaProblem::Remote {
                        shown,
                        defs: dialect.defs_keyword(),
                    });
                }
            }
        }
        Ok(index)
    }

    /// The `formats` (keyword pointers) in the subschemas a validator compiles: the root and every
    /// `$ref` / `$dynamicRef` target reached from it, each with its subschemas but not the
    /// `$defs` entries inside it (`def_roots`), which count only when a reached reference
    /// leads into them.
    fn reached_formats(
        &self,
        formats: Vec<(String, String)>,
        def_roots: &[String],
        references: &[Reference],
    ) -> Vec<(String, String)> {
        let under = |node: &str, top: &str| {
            node == top || node.strip_prefix(top).is_some_and(|r| r.starts_with('/'))
        };
        // Whether `node` is compiled from `entry`: under it, and not inside a `$defs` entry
        // that is below `entry`.
        let from = |entry: &str, node: &str| {
            under(node, entry)
                && !def_roots
                    .iter()
                    .any(|d| d != entry && under(d, entry) && under(node, d))
        };
        let mut entries = vec![String::new()];
        let mut used = vec![false; references.len()];
        loop {
            let mut grew = false;
            for (r, used) in references.iter().zip(used.iter_mut()) {
                if *used || !entries.iter().any(|e| from(e, &r.at)) {
                    continue;
                }
                *used = true;
                if let Some(target) = self.pointer_of(&r.base, &r.raw) {
                    entries.push(target);
                    grew = true;
                }
            }
            if !grew {
                break;
            }
        }
        formats
            .into_iter()
            .filter(|(_, at)| {
                let node = at.strip_suffix("/format").unwrap_or(at);
                entries.iter().any(|e| from(e, node))
            })
            .collect()
    }

    /// The JSON Pointer in this document that `reference` leads to from a schema whose base URI
    /// is `base` (`None`: another document, or nothing there).
    fn pointer_of(&self, base: &str, reference: &str) -> Option<String> {
        let (doc, fragment) = uri::resolve(base, reference);
        let root_ptr = self.resources.get(&doc)?;
        if fragment.is_empty() {
            Some(root_ptr.clone())
        } else if fragment.starts_with('/') {
            Some(format!("{root_ptr}{}", uri::percent_decode(&fragment)))
        } else {
            self.anchors.get(&format!("{doc}#{fragment}")).cloned()
        }
    }

    /// The base URI in effect inside `child`, a subschema of a schema whose base is `parent`.
    pub(super) fn child_base(&self, parent: &Arc<str>, child: &Value) -> Arc<str> {
        own_base(self.dialect, parent, child)
    }

    /// Where `reference` leads from a schema whose base URI is `base`, with the fragment of
    /// the resolved URI (2020-12 Core §8.2.3.1; fragments: RFC 6901 §6 or a plain name).
    pub(super) fn resolve(&self, base: &str, reference: &str) -> (Target<'_>, String) {
        let (doc, fragment) = uri::resolve(base, reference);
        if !self.resources.contains_key(&doc) {
            return (Target::Remote(doc), fragment);
        }
        let ptr = self.pointer_of(base, reference);
        let target = ptr.and_then(|p| {
            let node = self.root.pointer(&p)?;
            let base = self
                .bases
                .get(&p)
                .cloned()
                .unwrap_or_else(|| Arc::from(doc.as_str()));
            Some(Target::Found(node, base))
        });
        (target.unwrap_or(Target::Missing), fragment)
    }

    /// The subschema a `$dynamicAnchor` named `name` marks in the resource `resource`.
    pub(super) fn dynamic_anchor(&self, resource: &str, name: &str) -> Option<(&Value, Arc<str>)> {
        let ptr = self.dynamic.get(&format!("{resource}#{name}"))?;
        let node = self.root.pointer(ptr)?;
        let base = self.bases.get(ptr).cloned()?;
        Some((node, base))
    }
}

/// The directory part of [`DEFAULT_BASE`]: URIs under it were relative references.
const DEFAULT_BASE_DIR: &str = "json-schema:///";

/// The base URI inside `node` given its parent's: changed by a non-fragment `$id`, except beside
/// `$ref` in draft-07 (Core §8.3: `$ref`'s siblings are ignored).
fn own_base(dialect: Dialect, parent: &Arc<str>, node: &Value) -> Arc<str> {
    let Some(obj) = node.as_object() else {
        return parent.clone();
    };
    if dialect == Dialect::Draft07 && obj.contains_key("$ref") {
        return parent.clone();
    }
    match obj.get("$id").and_then(Value::as_str) {
        Some(id) if !id.starts_with('#') => Arc::from(uri::resolve(parent, id).0),
        _ => parent.clone(),
    }
}

impl Walker<'_> {
    fn walk(
        &mut self,
        node: &Value,
        ptr: String,
        base: &Arc<str>,
        depth: usize,
    ) -> Result<(), SchemaProblem> {
        if depth > MAX_DEPTH {
            return Err(SchemaProblem::TooDeep);
        }
        self.index.bases.insert(ptr.clone(), base.clone());
        let Some(obj) = node.as_object() else {
            return Ok(());
        };
        let d7 = self.dialect == Dialect::Draft07;
        let id = obj.get("$id").and_then(Value::as_str);
        if let Some(id) = id.filter(|_| !(d7 && obj.contains_key("$ref"))) {
            // `base` already includes this `$id` (see `own_base`): it is the resource's URI.
            if !id.starts_with('#') {
                self.index
                    .resources
                    .entry(base.to_string())
                    .or_insert(ptr.clone());
            }
            if let Some((_, fragment)) = id.split_once('#').filter(|(_, f)| d7 && !f.is_empty()) {
                self.add_anchor(base, fragment, &ptr);
            }
        }
        if !d7 {
            if let Some(name) = obj.get("$anchor").and_then(Value::as_str) {
                self.add_anchor(base, name, &ptr);
            }
            if let Some(name) = obj.get("$dynamicAnchor").and_then(Value::as_str) {
                self.add_anchor(base, name, &ptr);
                self.index
                    .dynamic
                    .entry(format!("{base}#{name}"))
                    .or_insert(ptr.clone());
            }
        }
        for key in ["$ref", "$dynamicRef"] {
            if key == "$dynamicRef" && d7 {
                continue;
            }
            if let Some(raw) = obj.get(key).and_then(Value::as_str) {
                self.references.push(Reference {
                    raw: raw.to_owned(),
                    base: base.clone(),
                    at: ptr.clone(),
                });
            }
        }
        if let Some(p) = obj.get("pattern").and_then(Value::as_str) {
            self.patterns.push((p.to_owned(), format!("{ptr}/pattern")));
        }
        if let Some(f) = obj.get("format").and_then(Value::as_str) {
            self.formats.push((f.to_owned(), format!("{ptr}/format")));
        }
        if let Some(map) = obj.get("patternProperties").and_then(Value::as_object) {
            for p in map.keys() {
                self.patterns
                    .push((p.clone(), format!("{ptr}/patternProperties")));
            }
        }
        for (key, value) in obj {
            let k = key.as_str();
            let child_ptr = |rest: &str| format!("{ptr}/{}{rest}", uri::escape_token(k));
            match value {
                Value::Object(_) | Value::Bool(_) if ONE.contains(&k) => {
                    let b = own_base(self.dialect, base, value);
                    self.walk(value, child_ptr(""), &b, depth + 1)?;
                }
                Value::Object(map) if MAP.contains(&k) => {
                    for (name, sub) in map.iter().filter(|(_, s)| s.is_object() || s.is_boolean()) {
                        let b = own_base(self.dialect, base, sub);
                        let p = child_ptr(&format!("/{}", uri::escape_token(name)));
                        if matches!(k, "$defs" | "definitions") {
                            self.def_roots.push(p.clone());
                        }
                        self.walk(sub, p, &b, depth + 1)?;
                    }
                }
                Value::Array(list) if LIST.contains(&k) => {
                    for (i, sub) in list.iter().enumerate() {
                        let b = own_base(self.dialect, base, sub);
                        self.walk(sub, child_ptr(&format!("/{i}")), &b, depth + 1)?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn add_anchor(&mut self, resource: &str, name: &str, ptr: &str) {
        self.index
            .anchors
            .entry(format!("{resource}#{name}"))
            .or_insert_with(|| ptr.to_owned());
    }
}
