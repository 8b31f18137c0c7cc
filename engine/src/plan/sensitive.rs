//! Sensitivity that follows values: what the configuration marks sensitive (a sensitive
//! variable, a value derived from one) stays marked in what the provider plans and returns,
//! at the same paths and in the provider's computed mirrors of them (`tags_all` holds every
//! tag), so that no renderer ever shows it.

use std::collections::BTreeSet;

use tether_sdk::{Block, Value};

/// Marks in `value` (planned by a provider, or returned by an apply) everything the sensitive
/// parts of `config` flowed into: the same paths, and any string in a computed attribute of
/// `block` equal to one of them.
pub fn carry_sensitivity(config: &Value, value: Value, block: Option<&Block>) -> Value {
    let paths = config.sensitive_paths();
    if paths.is_empty() {
        return value;
    }
    let mut value = value;
    let mut secrets = BTreeSet::new();
    for p in &paths {
        if let Some(v) = value.get_path(p).cloned() {
            value.set_path(p, v.mark(true));
        }
        if let Some(v) = config.get_path(p) {
            strings(&v.unmark_deep(), &mut secrets);
        }
    }
    match block {
        Some(b) if !secrets.is_empty() => mark_mirrors(value, b, &secrets),
        _ => value,
    }
}

/// Every non-empty string inside `v`.
fn strings(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::String(s) if !s.is_empty() => {
            out.insert(s.clone());
        }
        Value::List(items) => items.iter().for_each(|i| strings(i, out)),
        Value::Map(m) => m.values().for_each(|i| strings(i, out)),
        _ => {}
    }
}

/// Marks the secrets found in the computed attributes of an object of schema `block`.
fn mark_mirrors(v: Value, block: &Block, secrets: &BTreeSet<String>) -> Value {
    let (v, sensitive) = v.unmark();
    let Value::Map(mut m) = v else { return v.mark(sensitive) };
    for name in block.attributes.iter().filter(|(_, a)| a.computed).map(|(n, _)| n) {
        if let Some(x) = m.remove(name) {
            m.insert(name.clone(), mark_leaves(x, secrets));
        }
    }
    for (name, bt) in &block.blocks {
        if let Some(x) = m.remove(name) {
            let x = match x {
                Value::List(items) => {
                    Value::List(items.into_iter().map(|i| mark_mirrors(i, &bt.block, secrets)).collect())
                }
                other => mark_mirrors(other, &bt.block, secrets),
            };
            m.insert(name.clone(), x);
        }
    }
    Value::Map(m).mark(sensitive)
}

fn mark_leaves(v: Value, secrets: &BTreeSet<String>) -> Value {
    match v {
        Value::String(s) if secrets.contains(&s) => Value::String(s).mark(true),
        Value::List(items) => Value::List(items.into_iter().map(|i| mark_leaves(i, secrets)).collect()),
        Value::Map(m) => Value::Map(m.into_iter().map(|(k, i)| (k, mark_leaves(i, secrets))).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use tether_sdk::{AttrType, Attribute, Block, Value};

    use super::carry_sensitivity;

    #[test]
    fn a_secret_is_marked_where_it_was_set_and_in_computed_mirrors_only() {
        let block = Block::new()
            .attr("tags", Attribute::optional(AttrType::map_of(AttrType::String)))
            .attr("tags_all", Attribute::computed(AttrType::map_of(AttrType::String)))
            .attr("name", Attribute::optional(AttrType::String));
        let config = Value::map([
            ("tags", Value::map([("token", Value::from("s3cret").mark(true)), ("team", Value::from("net"))])),
            ("name", Value::from("s3cret")),
        ]);
        let planned = Value::map([
            ("tags", Value::map([("token", Value::from("s3cret")), ("team", Value::from("net"))])),
            ("tags_all", Value::map([("token", Value::from("s3cret")), ("team", Value::from("net"))])),
            ("name", Value::from("s3cret")),
        ]);
        let out = carry_sensitivity(&config, planned, Some(&block));
        let paths: Vec<String> = out.sensitive_paths().iter().map(ToString::to_string).collect();
        assert_eq!(paths, ["tags.token", "tags_all.token"], "an attribute the stack set itself is its own business");
    }
}
