//! The value model shared by the engine and every provider.
//!
//! A `Value` is JSON-shaped with two additions the engine needs while planning:
//! `Unknown` (a value only the cloud can supply, such as an ID) and `Sensitive`
//! (a wrapper that keeps secrets out of plan output, logs and errors).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A configuration or state value.
///
/// Objects and maps share one variant: HCL's object/map distinction only matters for type
/// conversion, which the engine performs against the schema.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    List(Vec<Value>),
    Map(BTreeMap<String, Value>),
    /// Known only after apply. Prints as `(known after apply)`.
    Unknown,
    /// A value that must never be printed. Operations on it yield sensitive results.
    Sensitive(Box<Value>),
}

impl Value {
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    pub fn int(n: i64) -> Value {
        Value::Number(n.into())
    }

    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// Wraps `self` as sensitive when `sensitive` is true (never double-wraps).
    pub fn mark(self, sensitive: bool) -> Value {
        match self {
            Value::Sensitive(_) => self,
            v if sensitive => Value::Sensitive(Box::new(v)),
            v => v,
        }
    }

    /// Removes a top-level sensitive mark, returning the inner value and whether it was marked.
    pub fn unmark(self) -> (Value, bool) {
        match self {
            Value::Sensitive(inner) => (inner.unmark().0, true),
            v => (v, false),
        }
    }

    /// Removes every sensitive mark, deep. Used at the provider boundary: providers receive
    /// plain values and the schema tells them what is secret.
    pub fn unmark_deep(&self) -> Value {
        match self {
            Value::Sensitive(inner) => inner.unmark_deep(),
            Value::List(items) => Value::List(items.iter().map(Value::unmark_deep).collect()),
            Value::Map(m) => Value::Map(m.iter().map(|(k, v)| (k.clone(), v.unmark_deep())).collect()),
            v => v.clone(),
        }
    }

    /// Strips the top-level mark by reference.
    pub fn peel(&self) -> &Value {
        match self {
            Value::Sensitive(inner) => inner.peel(),
            v => v,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.peel(), Value::Null)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.peel(), Value::Unknown)
    }

    /// True when no part of the value is unknown.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::Sensitive(inner) => inner.is_wholly_known(),
            Value::List(items) => items.iter().all(Value::is_wholly_known),
            Value::Map(m) => m.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    /// True when the value is sensitive or contains a sensitive part.
    pub fn contains_sensitive(&self) -> bool {
        match self {
            Value::Sensitive(_) => true,
            Value::List(items) => items.iter().any(Value::contains_sensitive),
            Value::Map(m) => m.values().any(Value::contains_sensitive),
            _ => false,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self.peel() {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.peel() {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self.peel() {
            Value::Number(n) => {
                n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15).map(|f| f as i64))
            }
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self.peel() {
            Value::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match self.peel() {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self.peel() {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// Looks up an attribute of an object value.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_map().and_then(|m| m.get(key))
    }

    /// Looks up a nested value by path. Returns `None` when any step is missing.
    pub fn get_path(&self, path: &AttrPath) -> Option<&Value> {
        let mut cur = self;
        for step in &path.0 {
            cur = match (step, cur.peel()) {
                (PathStep::Attr(k), Value::Map(m)) | (PathStep::Key(k), Value::Map(m)) => m.get(k)?,
                (PathStep::Index(i), Value::List(items)) => items.get(*i)?,
                _ => return None,
            };
        }
        Some(cur)
    }

    /// Replaces the value at `path`, creating intermediate maps as needed. Returns false when the
    /// path runs through a non-container value.
    pub fn set_path(&mut self, path: &AttrPath, value: Value) -> bool {
        let mut cur = self;
        for step in &path.0 {
            if let Value::Sensitive(inner) = cur {
                cur = inner.as_mut();
            }
            if cur.is_null() {
                *cur = Value::Map(BTreeMap::new());
            }
            cur = match (step, cur) {
                (PathStep::Attr(k), Value::Map(m)) | (PathStep::Key(k), Value::Map(m)) => {
                    m.entry(k.clone()).or_insert(Value::Null)
                }
                (PathStep::Index(i), Value::List(items)) if *i < items.len() => &mut items[*i],
                _ => return false,
            };
        }
        *cur = value;
        true
    }

    /// A short type name used in diagnostics.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Map(_) => "object",
            Value::Unknown => "unknown",
            Value::Sensitive(inner) => inner.type_name(),
        }
    }

    /// Converts to plain JSON. Unknowns become `null`; sensitive values are unwrapped, so the
    /// caller decides what may be shown (state files hold secrets, plan output never does).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null | Value::Unknown => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::Value::Number(n.clone()),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::List(items) => serde_json::Value::Array(items.iter().map(Value::to_json).collect()),
            Value::Map(m) => serde_json::Value::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
            Value::Sensitive(inner) => inner.to_json(),
        }
    }

    pub fn from_json(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Number(n.clone()),
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(items) => Value::List(items.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(m) => {
                Value::Map(m.iter().map(|(k, v)| (k.clone(), Value::from_json(v))).collect())
            }
        }
    }

    /// Every path inside the value that is marked sensitive.
    pub fn sensitive_paths(&self) -> Vec<AttrPath> {
        let mut out = Vec::new();
        collect_marked(self, &mut AttrPath::root(), &mut out, &|v| matches!(v, Value::Sensitive(_)));
        out
    }

    /// Every path inside the value that is unknown.
    pub fn unknown_paths(&self) -> Vec<AttrPath> {
        let mut out = Vec::new();
        collect_marked(self, &mut AttrPath::root(), &mut out, &|v| matches!(v, Value::Unknown));
        out
    }

    /// Re-applies sensitive marks at the given paths (used when reading values back from state).
    pub fn with_sensitive_paths(mut self, paths: &[AttrPath]) -> Value {
        for path in paths {
            if path.0.is_empty() {
                return self.mark(true);
            }
            if let Some(v) = self.get_path(path).cloned() {
                self.set_path(path, v.mark(true));
            }
        }
        self
    }

    /// A stable, compact rendering of a known, non-sensitive value, as HCL would write it.
    /// Sensitive parts print as `(sensitive)` and unknown parts as `(known after apply)`.
    pub fn render(&self) -> String {
        let mut s = String::new();
        render_into(self, &mut s);
        s
    }
}

fn collect_marked(v: &Value, path: &mut AttrPath, out: &mut Vec<AttrPath>, pred: &dyn Fn(&Value) -> bool) {
    if pred(v) {
        out.push(path.clone());
        return;
    }
    match v {
        Value::List(items) => {
            for (i, item) in items.iter().enumerate() {
                path.0.push(PathStep::Index(i));
                collect_marked(item, path, out, pred);
                path.0.pop();
            }
        }
        Value::Map(m) => {
            for (k, item) in m {
                path.0.push(PathStep::Attr(k.clone()));
                collect_marked(item, path, out, pred);
                path.0.pop();
            }
        }
        Value::Sensitive(inner) => collect_marked(inner, path, out, pred),
        _ => {}
    }
}

fn render_into(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&format_number(n)),
        Value::String(s) => out.push_str(&serde_json::to_string(s).unwrap_or_default()),
        Value::Unknown => out.push_str("(known after apply)"),
        Value::Sensitive(_) => out.push_str("(sensitive)"),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render_into(item, out);
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push('{');
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(k);
                out.push_str(" = ");
                render_into(item, out);
            }
            out.push('}');
        }
    }
}

/// Formats a number as HCL does: integers without a fraction, floats in shortest form.
pub fn format_number(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => format!("{}", f as i64),
        Some(f) => format!("{f}"),
        None => n.to_string(),
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Number(n.into())
    }
}

/// One step of an attribute path.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PathStep {
    /// An attribute or nested block name: `.name`.
    Attr(String),
    /// A list element: `[0]`.
    Index(usize),
    /// A map key: `["key"]`.
    Key(String),
}

/// A path to a value inside a resource's attributes, such as `ip_address[0].subnet_id`.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AttrPath(pub Vec<PathStep>);

impl AttrPath {
    pub fn root() -> AttrPath {
        AttrPath(Vec::new())
    }

    pub fn attr(name: impl Into<String>) -> AttrPath {
        AttrPath(vec![PathStep::Attr(name.into())])
    }

    pub fn join_attr(&self, name: impl Into<String>) -> AttrPath {
        let mut p = self.clone();
        p.0.push(PathStep::Attr(name.into()));
        p
    }

    pub fn join_index(&self, i: usize) -> AttrPath {
        let mut p = self.clone();
        p.0.push(PathStep::Index(i));
        p
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// True when `self` equals `other` or lies inside it.
    pub fn starts_with(&self, other: &AttrPath) -> bool {
        self.0.len() >= other.0.len() && self.0[..other.0.len()] == other.0[..]
    }

    /// Parses the dotted form produced by `Display` (`a.b[0]["k"]`).
    pub fn parse(s: &str) -> Option<AttrPath> {
        let mut steps = Vec::new();
        let mut rest = s;
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix('[') {
                let end = r.find(']')?;
                let inner = &r[..end];
                if let Some(key) = inner.strip_prefix('"').and_then(|k| k.strip_suffix('"')) {
                    steps.push(PathStep::Key(key.to_string()));
                } else {
                    steps.push(PathStep::Index(inner.parse().ok()?));
                }
                rest = &r[end + 1..];
            } else {
                let r = rest.strip_prefix('.').unwrap_or(rest);
                let end = r.find(['.', '[']).unwrap_or(r.len());
                if end == 0 {
                    return None;
                }
                steps.push(PathStep::Attr(r[..end].to_string()));
                rest = &r[end..];
            }
        }
        Some(AttrPath(steps))
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                PathStep::Attr(a) if i == 0 => write!(f, "{a}")?,
                PathStep::Attr(a) => write!(f, ".{a}")?,
                PathStep::Index(n) => write!(f, "[{n}]")?,
                PathStep::Key(k) => write!(f, "[\"{k}\"]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip_through_display() {
        for s in ["a", "a.b", "ip_address[0].subnet_id", "tags[\"Name\"]"] {
            assert_eq!(AttrPath::parse(s).unwrap().to_string(), s);
        }
    }

    #[test]
    fn sensitive_values_never_render() {
        let v = Value::map([("user", Value::from("admin")), ("psk", Value::from("s3cr3tkey").mark(true))]);
        let shown = v.render();
        assert!(!shown.contains("s3cr3tkey"), "{shown}");
        assert!(shown.contains("(sensitive)"));
        assert_eq!(v.sensitive_paths(), vec![AttrPath::attr("psk")]);
    }

    #[test]
    fn sensitive_paths_restore_marks() {
        let plain = Value::map([("psk", Value::from("k"))]);
        let marked = plain.with_sensitive_paths(&[AttrPath::attr("psk")]);
        assert!(marked.get("psk").unwrap().contains_sensitive());
    }

    #[test]
    fn integers_render_without_fraction() {
        assert_eq!(Value::int(64512).render(), "64512");
        assert_eq!(Value::Number(serde_json::Number::from_f64(64512.0).unwrap()).render(), "64512");
    }
}
