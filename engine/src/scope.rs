//! The values visible to expressions during a walk, and evaluation of whole bodies.
//!
//! A `Scope` maps root names (`var`, `local`, `data`, each resource type) to values. The walk adds
//! each block's value as it is reached, so an expression sees exactly what its dependencies
//! produced: planned values (possibly unknown) during plan, real values during apply.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tether_sdk::{AttrType, Block, Nesting, Value};

use crate::addrs::InstanceKey;
use crate::config::{BodyExpr, Dynamic, Mode, ResourceAddr};
use crate::diag::{Diag, Diags, FileId};
use crate::eval::{eval, EvalCtx};

#[derive(Debug, Clone)]
pub struct Scope {
    pub roots: BTreeMap<String, Value>,
    pub base_dir: PathBuf,
}

impl Scope {
    pub fn new(base_dir: &Path) -> Scope {
        let mut roots = BTreeMap::new();
        roots.insert("var".to_string(), Value::Map(BTreeMap::new()));
        roots.insert("local".to_string(), Value::Map(BTreeMap::new()));
        roots.insert("data".to_string(), Value::Map(BTreeMap::new()));
        roots.insert(
            "path".to_string(),
            Value::map([
                ("module", Value::from(base_dir.display().to_string())),
                ("root", Value::from(base_dir.display().to_string())),
            ]),
        );
        Scope { roots, base_dir: base_dir.to_path_buf() }
    }

    pub fn eval(&self, expr: &hcl_edit::expr::Expression, file: FileId) -> Result<Value, Diag> {
        eval(expr, &EvalCtx { file, vars: &self.roots, base_dir: &self.base_dir })
    }

    fn set_in(&mut self, root: &str, name: &str, value: Value) {
        let entry = self.roots.entry(root.to_string()).or_insert_with(|| Value::Map(BTreeMap::new()));
        if let Value::Map(m) = entry {
            m.insert(name.to_string(), value);
        }
    }

    pub fn set_var(&mut self, name: &str, value: Value) {
        self.set_in("var", name, value);
    }

    pub fn set_local(&mut self, name: &str, value: Value) {
        self.set_in("local", name, value);
    }

    /// Sets the value of a resource block: a single object, a list (count) or a map (for_each).
    pub fn set_resource(&mut self, addr: &ResourceAddr, value: Value) {
        match addr.mode {
            Mode::Managed => self.set_in(&addr.type_name, &addr.name, value),
            Mode::Data => {
                let data = self.roots.entry("data".into()).or_insert_with(|| Value::Map(BTreeMap::new()));
                if let Value::Map(m) = data {
                    let by_type = m.entry(addr.type_name.clone()).or_insert_with(|| Value::Map(BTreeMap::new()));
                    if let Value::Map(t) = by_type {
                        t.insert(addr.name.clone(), value);
                    }
                }
            }
        }
    }

    /// A scope for one instance: `count.index` or `each.key`/`each.value` set.
    pub fn for_instance(&self, key: &InstanceKey, each_value: Option<&Value>) -> Scope {
        let mut s = self.clone();
        s.bind_instance(key, each_value);
        s
    }

    /// Binds `count.index` or `each.key`/`each.value` in place.
    pub fn bind_instance(&mut self, key: &InstanceKey, each_value: Option<&Value>) {
        match key {
            InstanceKey::Int(i) => {
                self.roots.insert("count".into(), Value::map([("index", Value::int(*i))]));
            }
            InstanceKey::Str(k) => {
                self.roots.insert(
                    "each".into(),
                    Value::map([
                        ("key", Value::from(k.as_str())),
                        ("value", each_value.cloned().unwrap_or(Value::Null)),
                    ]),
                );
            }
            InstanceKey::None => {}
        }
    }
}

/// Combines instance values into the value a block reference sees.
pub fn block_value(instances: Vec<(InstanceKey, Value)>, has_count: bool, has_for_each: bool) -> Value {
    if has_count {
        Value::List(instances.into_iter().map(|(_, v)| v).collect())
    } else if has_for_each {
        Value::Map(
            instances
                .into_iter()
                .map(|(k, v)| match k {
                    InstanceKey::Str(s) => (s, v),
                    other => (other.to_string(), v),
                })
                .collect(),
        )
    } else {
        instances.into_iter().next().map(|(_, v)| v).unwrap_or(Value::Null)
    }
}

/// Evaluates a resource body into the object value the provider sees, shaping nested blocks by
/// the schema (a single block is an object, repeated blocks a list) and converting literal types
/// the way HCL does (`"64512"` where a number is expected becomes 64512).
pub fn eval_body(body: &BodyExpr, block: &Block, scope: &Scope, file: FileId, diags: &mut Diags) -> Value {
    let mut out = BTreeMap::new();
    for attr in &body.attributes {
        match scope.eval(&attr.expr, file) {
            Ok(v) => {
                let v = match block.attributes.get(&attr.name) {
                    Some(schema) => match convert(v, &schema.ty) {
                        Ok(v) => v,
                        Err(msg) => {
                            diags.push(
                                Diag::error(format!("wrong type for {}: {msg}", attr.name))
                                    .code("eval::type-mismatch")
                                    .label(attr.span.clone(), format!("expected {}", schema.ty.describe()))
                                    .help(format!("give {} a {} value", attr.name, schema.ty.describe())),
                            );
                            Value::Null
                        }
                    },
                    None => v,
                };
                out.insert(attr.name.clone(), v);
            }
            Err(d) => diags.push(d),
        }
    }
    let mut grouped: BTreeMap<&str, Option<Vec<Value>>> = BTreeMap::new();
    for nested in &body.blocks {
        let inner_schema = block.blocks.get(&nested.type_name).map(|b| &b.block);
        let empty = Block::default();
        let inner_schema = inner_schema.unwrap_or(&empty);
        let items = grouped.entry(nested.type_name.as_str()).or_insert_with(|| Some(Vec::new()));
        match &nested.dynamic {
            None => {
                let v = eval_body(&nested.body, inner_schema, scope, file, diags);
                if let Some(items) = items {
                    items.push(v);
                }
            }
            Some(d) => match dynamic_elements(d, scope, file, diags) {
                Some(elements) => {
                    for (key, value) in elements {
                        let mut inner = scope.clone();
                        inner.roots.insert(d.iterator.clone(), Value::map([("key", key), ("value", value)]));
                        let v = eval_body(&nested.body, inner_schema, &inner, file, diags);
                        if let Some(items) = items {
                            items.push(v);
                        }
                    }
                }
                // A for_each known only after apply: so are the blocks it makes.
                None => *items = None,
            },
        }
    }
    for (name, items) in grouped {
        let value = match (items, block.blocks.get(name).map(|b| b.nesting)) {
            (None, _) => Value::Unknown,
            (Some(items), Some(Nesting::Single)) => items.into_iter().next().unwrap_or(Value::Null),
            (Some(items), _) => Value::List(items),
        };
        out.insert(name.to_string(), value);
    }
    Value::Map(out)
}

/// The (key, value) pairs a dynamic block's for_each yields: list elements by index, map
/// entries by key, set elements as both. `None` when the collection is not known yet.
fn dynamic_elements(d: &Dynamic, scope: &Scope, file: FileId, diags: &mut Diags) -> Option<Vec<(Value, Value)>> {
    let v = match scope.eval(&d.for_each.expr, file) {
        Ok(v) => v,
        Err(e) => {
            diags.push(e);
            return Some(Vec::new());
        }
    };
    match v.peel() {
        Value::Unknown => None,
        Value::Null => Some(Vec::new()),
        Value::List(items) => Some(items.iter().enumerate().map(|(i, v)| (Value::int(i as i64), v.clone())).collect()),
        Value::Map(m) => Some(m.iter().map(|(k, v)| (Value::from(k.clone()), v.clone())).collect()),
        other => {
            diags.push(
                Diag::error(format!("dynamic \"{}\" for_each must be a list, set or map", d.iterator))
                    .code("eval::type-mismatch")
                    .label(d.for_each.span.clone(), format!("this is {}", other.type_name()))
                    .help("give for_each a list such as var.dns_servers, or a map"),
            );
            Some(Vec::new())
        }
    }
}

/// Converts a value to a schema type where HCL would, leaving unknowns alone.
pub fn convert(v: Value, ty: &AttrType) -> Result<Value, String> {
    let (v, sensitive) = v.unmark();
    let shown = |v: &Value| if sensitive { "(sensitive value)".to_string() } else { v.render() };
    let out = match (ty, v) {
        (_, Value::Unknown) => Value::Unknown,
        (_, Value::Null) => Value::Null,
        (AttrType::Any, v) => v,
        (AttrType::String, Value::String(s)) => Value::String(s),
        (AttrType::String, Value::Number(n)) => Value::String(tether_sdk::value::format_number(&n)),
        (AttrType::String, Value::Bool(b)) => Value::String(b.to_string()),
        (AttrType::Number, Value::Number(n)) => Value::Number(n),
        (AttrType::Number, Value::String(s)) => match s.trim().parse::<i64>() {
            Ok(i) => Value::int(i),
            Err(_) => match s.trim().parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
                Some(n) => Value::Number(n),
                None => return Err(format!("{} is not a number", shown(&Value::String(s)))),
            },
        },
        (AttrType::Bool, Value::Bool(b)) => Value::Bool(b),
        (AttrType::Bool, Value::String(s)) if s == "true" || s == "false" => Value::Bool(s == "true"),
        (AttrType::List(t) | AttrType::Set(t), Value::List(items)) => {
            Value::List(items.into_iter().map(|i| convert(i, t)).collect::<Result<_, _>>()?)
        }
        (AttrType::Map(t), Value::Map(m)) => {
            Value::Map(m.into_iter().map(|(k, i)| convert(i, t).map(|i| (k, i))).collect::<Result<_, _>>()?)
        }
        (ty, v) => return Err(format!("{} is a {}, not a {}", shown(&v), v.type_name(), ty.describe())),
    };
    Ok(out.mark(sensitive))
}

/// Marks the attributes a schema calls sensitive, so a value read from state or the cloud prints
/// as `(sensitive)` wherever the schema says so.
pub fn mark_schema_sensitive(v: Value, block: &Block) -> Value {
    let Value::Map(mut m) = v else { return v };
    for (name, attr) in &block.attributes {
        if attr.sensitive {
            if let Some(x) = m.remove(name) {
                m.insert(name.clone(), x.mark(true));
            }
        }
    }
    for (name, bt) in &block.blocks {
        if let Some(x) = m.remove(name) {
            let x = match x {
                Value::List(items) => {
                    Value::List(items.into_iter().map(|i| mark_schema_sensitive(i, &bt.block)).collect())
                }
                other => mark_schema_sensitive(other, &bt.block),
            };
            m.insert(name.clone(), x);
        }
    }
    Value::Map(m)
}
