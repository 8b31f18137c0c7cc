//! From a resource block to its instances: `count`/`for_each` expansion, each instance's
//! evaluated configuration, and `ignore_changes`. Shared by plan and apply, which evaluate the
//! same blocks against planned and real values.

use tether_sdk::{AttrPath, Value};

use crate::addrs::InstanceKey;
use crate::config::ResourceBlock;
use crate::diag::{Diag, Diags};
use crate::registry::Registry;
use crate::scope::{eval_body, Scope};

/// Why a block could not be expanded into instances.
#[derive(Debug)]
pub enum ExpandError {
    /// `count`/`for_each` depends on values known only after apply (or, without state, on a
    /// data source not read yet).
    Unknown(Diag),
    /// `count`/`for_each` is not a valid value.
    Invalid(Diag),
}

impl From<Diag> for ExpandError {
    fn from(d: Diag) -> ExpandError {
        ExpandError::Invalid(d)
    }
}

impl ExpandError {
    pub fn into_diag(self) -> Diag {
        match self {
            ExpandError::Unknown(d) | ExpandError::Invalid(d) => d,
        }
    }
}

/// Expands `count`/`for_each` into instance keys (and `each.value`s).
pub fn expand(res: &ResourceBlock, scope: &Scope) -> Result<Vec<(InstanceKey, Option<Value>)>, ExpandError> {
    if let Some(count) = &res.count {
        let v = scope.eval(&count.expr, count.span.file)?;
        if v.is_unknown() {
            return Err(ExpandError::Unknown(Diag::error("count depends on values known only after apply")
                .code("eval::unknown-count")
                .label(count.span.clone(), "not known until apply")
                .help("count must be known at plan time: derive it from variables or literals, or apply the resources it depends on first with --target")));
        }
        let n = v.as_i64().filter(|n| *n >= 0).ok_or_else(|| {
            Diag::error(format!("count must be a whole number of zero or more, got {}", v.render()))
                .code("eval::invalid-count")
                .label(count.span.clone(), "not a whole number")
                .help("use a number such as count = 2, or length(var.list)")
        })?;
        check_size(n as u64, "count", count)?;
        return Ok((0..n).map(|i| (InstanceKey::Int(i), None)).collect());
    }
    if let Some(fe) = &res.for_each {
        let v = scope.eval(&fe.expr, fe.span.file)?;
        if !v.is_wholly_known() && (v.is_unknown() || v.as_list().is_some_and(|l| l.iter().any(Value::is_unknown))) {
            return Err(ExpandError::Unknown(
                Diag::error("for_each depends on values known only after apply")
                    .code("eval::unknown-for-each")
                    .label(fe.span.clone(), "not known until apply")
                    .help(
                        "for_each keys must be known at plan time: use a map or set of strings from variables or literals",
                    ),
            ));
        }
        if v.contains_sensitive() && matches!(v, Value::Sensitive(_)) {
            return Err(Diag::error("for_each cannot use a sensitive value")
                .code("eval::sensitive-for-each")
                .label(fe.span.clone(), "sensitive")
                .help("instance keys appear in addresses and output; use a non-sensitive map or set")
                .into());
        }
        if let Some(n) = v.peel().as_map().map(|m| m.len()).or_else(|| v.peel().as_list().map(<[Value]>::len)) {
            check_size(n as u64, "for_each", fe)?;
        }
        return match v.peel() {
            Value::Map(m) => Ok(m.iter().map(|(k, v)| (InstanceKey::Str(k.clone()), Some(v.clone()))).collect()),
            Value::List(items) => {
                let mut keys = Vec::new();
                for item in items {
                    match item.as_str() {
                        Some(s) => keys.push((InstanceKey::Str(s.to_string()), Some(item.clone()))),
                        None => {
                            return Err(Diag::error(format!(
                                "for_each set elements must be strings, got {}",
                                item.type_name()
                            ))
                            .code("eval::invalid-for-each")
                            .label(fe.span.clone(), "not a set of strings")
                            .help("use toset([...]) of strings, or a map")
                            .into())
                        }
                    }
                }
                keys.sort_by(|a, b| a.0.cmp(&b.0));
                keys.dedup_by(|a, b| a.0 == b.0);
                Ok(keys)
            }
            other => Err(Diag::error(format!("for_each must be a map or a set of strings, got {}", other.type_name()))
                .code("eval::invalid-for-each")
                .label(fe.span.clone(), "not a map or set")
                .help("use a map, or toset([...]) of strings")
                .into()),
        };
    }
    Ok(vec![(InstanceKey::None, None)])
}

/// The most instances one block may have. Far above any network a stack describes, and low
/// enough that a mistyped `count` is an error rather than an exhausted machine.
pub const MAX_INSTANCES: u64 = 100_000;

fn check_size(n: u64, what: &str, at: &crate::config::AttrExpr) -> Result<(), ExpandError> {
    if n <= MAX_INSTANCES {
        return Ok(());
    }
    Err(Diag::error(format!("{what} makes {n} instances; one block may have at most {MAX_INSTANCES}"))
        .code("eval::too-many-instances")
        .label(at.span.clone(), format!("{n} instances"))
        .help(format!("check the {what} expression; split very large sets across several blocks"))
        .into())
}

/// Evaluates the configuration of one instance into the value sent to the provider.
pub fn instance_config(
    res: &ResourceBlock,
    key: &InstanceKey,
    each_value: Option<&Value>,
    scope: &mut Scope,
    registry: &Registry,
    diags: &mut Diags,
) -> Value {
    let schema = registry.schema(res.mode, &res.type_name);
    let empty = tether_sdk::Block::default();
    let block = schema.map(|s| &s.block).unwrap_or(&empty);
    scope.bind_instance(key, each_value);
    let v = eval_body(&res.body, block, scope, res.span.file, diags);
    scope.roots.remove("count");
    scope.roots.remove("each");
    v
}

/// Replaces ignored attributes in the configuration with their prior values.
pub fn apply_ignore_changes(res: &ResourceBlock, config: Value, prior: Option<&Value>) -> Value {
    let Some(prior) = prior else { return config };
    if res.lifecycle.ignore_all {
        return prior.clone();
    }
    let mut config = config;
    for ig in &res.lifecycle.ignore_changes {
        let path = single_block_path(prior, &ig.value);
        let old = prior.get_path(&path).cloned().unwrap_or(Value::Null);
        config.set_path(&path, old);
    }
    config
}

/// Terraform writes paths into a single nested block with an index (`scaling_config[0].x`),
/// since its single blocks are lists of one; here they are objects, so `[0]` on an object is
/// dropped rather than leaving the path matching nothing.
pub(crate) fn single_block_path(value: &Value, path: &AttrPath) -> AttrPath {
    let mut out = Vec::with_capacity(path.0.len());
    let mut cur = Some(value);
    for step in &path.0 {
        let on_object = cur.is_some_and(|v| matches!(v.peel(), Value::Map(_)));
        if *step == tether_sdk::PathStep::Index(0) && on_object {
            continue;
        }
        out.push(step.clone());
        cur = cur.and_then(|v| v.get_path(&AttrPath(vec![step.clone()])));
    }
    AttrPath(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terraform_style_index_into_a_single_block_is_understood() {
        let prior = Value::map([("scaling_config", Value::map([("desired_size", Value::int(4))]))]);
        let tf = AttrPath::parse("scaling_config[0].desired_size").unwrap();
        assert_eq!(single_block_path(&prior, &tf), AttrPath::parse("scaling_config.desired_size").unwrap());
        let list = Value::map([("port", Value::List(vec![Value::map([("from", Value::int(1))])]))]);
        let p = AttrPath::parse("port[0].from").unwrap();
        assert_eq!(single_block_path(&list, &p), p, "indexes into real lists are kept");
    }
}
