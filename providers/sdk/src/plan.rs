//! Schema-driven planning shared by every provider.
//!
//! Given the prior value and the evaluated configuration, the schema decides the planned value:
//! computed attributes left unset keep their prior value (or become unknown on create), attributes
//! owned by an external controller keep their prior value once the object exists, and a change to
//! a `force_new` attribute means the instance must be replaced.

use crate::diag::Diagnostic;
use crate::schema::{AttrType, Block, Nesting, ResourceSchema};
use crate::value::{AttrPath, Value};

/// Asks the provider to turn a desired configuration into a planned value.
#[derive(Clone, Debug)]
pub struct PlanRequest {
    pub type_name: String,
    pub address: String,
    /// The refreshed current value, or `None` when the instance is to be created.
    pub prior: Option<Value>,
    /// The evaluated configuration; may contain unknowns.
    pub config: Value,
}

#[derive(Clone, Debug, Default)]
pub struct PlanResponse {
    /// The value the instance will have after apply; computed attributes may be unknown.
    pub planned: Value,
    /// Attributes whose change cannot be applied in place. Non-empty means replace.
    pub requires_replace: Vec<AttrPath>,
    pub diagnostics: Vec<Diagnostic>,
}

type Canon<'a> = &'a dyn Fn(&AttrPath, Value) -> Value;

pub fn plan_with_schema(schema: &ResourceSchema, req: &PlanRequest, canon: Canon<'_>) -> PlanResponse {
    let mut requires_replace = Vec::new();
    let prior = req.prior.as_ref();
    let mut planned = plan_block(&schema.block, prior, &req.config, &AttrPath::root(), canon, &mut requires_replace);
    if !requires_replace.is_empty() {
        // A replacement is a fresh create: nothing the provider computed survives.
        let mut ignored = Vec::new();
        planned = plan_block(&schema.block, None, &req.config, &AttrPath::root(), canon, &mut ignored);
    }
    PlanResponse { planned, requires_replace, diagnostics: Vec::new() }
}

fn plan_block(
    block: &Block,
    prior: Option<&Value>,
    config: &Value,
    path: &AttrPath,
    canon: Canon<'_>,
    replace: &mut Vec<AttrPath>,
) -> Value {
    let mut out = std::collections::BTreeMap::new();
    for (name, attr) in &block.attributes {
        let attr_path = path.join_attr(name);
        let prior_v = prior.and_then(|p| p.get(name)).cloned().unwrap_or(Value::Null);
        let config_v = config.get(name).cloned().unwrap_or(Value::Null);
        let config_v = canonical(config_v, &attr.ty, &attr_path, canon);
        let planned = if attr.externally_owned && prior.is_some() {
            prior_v.clone()
        } else if config_v.is_null() && attr.computed {
            if prior.is_some() {
                prior_v.clone()
            } else {
                Value::Unknown
            }
        } else {
            config_v
        };
        if attr.force_new && prior.is_some() && !values_equal(&prior_v, &planned, &attr.ty) {
            replace.push(attr_path);
        }
        out.insert(name.clone(), planned.mark(attr.sensitive));
    }
    for (name, bt) in &block.blocks {
        let block_path = path.join_attr(name);
        let prior_v = prior.and_then(|p| p.get(name));
        let config_v = config.get(name).cloned().unwrap_or(Value::Null);
        let mut inner_replace = Vec::new();
        let planned = match bt.nesting {
            Nesting::Single => {
                if config_v.is_null() {
                    Value::Null
                } else {
                    plan_block(&bt.block, prior_v, &config_v, &block_path, canon, &mut inner_replace)
                }
            }
            // Blocks a dynamic block makes from a collection known only after apply.
            Nesting::List | Nesting::Set if matches!(config_v.peel(), Value::Unknown) => Value::Unknown,
            Nesting::List | Nesting::Set => {
                let items = config_v.as_list().map(<[Value]>::to_vec).unwrap_or_default();
                let prior_items = prior_v.and_then(Value::as_list).unwrap_or(&[]);
                // List blocks pair with prior blocks by position; set blocks by content, since
                // neither the stack nor the API promises an order.
                let pairs: Vec<Option<&Value>> = if bt.nesting == Nesting::Set {
                    match_set_items(&items, prior_items)
                } else {
                    (0..items.len()).map(|i| prior_items.get(i)).collect()
                };
                let mut planned_items: Vec<Value> = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        plan_block(&bt.block, pairs[i], item, &block_path.join_index(i), canon, &mut inner_replace)
                    })
                    .collect();
                if bt.nesting == Nesting::Set {
                    sort_set(&mut planned_items);
                }
                if planned_items.is_empty() && config_v.is_null() {
                    Value::Null
                } else {
                    Value::List(planned_items)
                }
            }
        };
        if prior.is_some() {
            let prior_cmp = prior_v.cloned().unwrap_or(Value::Null);
            let changed = !nested_equal(&prior_cmp, &planned, bt.nesting);
            if bt.force_new && changed {
                replace.push(block_path.clone());
            } else if changed {
                replace.extend(inner_replace);
            }
        }
        out.insert(name.clone(), planned);
    }
    Value::Map(out)
}

/// Pairs each configured set element with the prior element that agrees with every value the
/// configuration knows (each prior element used once); unmatched elements are new.
fn match_set_items<'p>(items: &[Value], prior: &'p [Value]) -> Vec<Option<&'p Value>> {
    let mut used = vec![false; prior.len()];
    items
        .iter()
        .map(|item| {
            let agrees = |p: &Value| {
                item.as_map().is_some_and(|m| {
                    m.iter().all(|(k, v)| {
                        v.is_null()
                            || !v.is_wholly_known()
                            || p.get(k).is_some_and(|pv| pv.unmark_deep() == v.unmark_deep())
                    })
                })
            };
            let found = prior.iter().enumerate().find(|(j, p)| !used[*j] && agrees(p)).map(|(j, _)| j);
            found.map(|j| {
                used[j] = true;
                &prior[j]
            })
        })
        .collect()
}

fn canonical(v: Value, ty: &AttrType, path: &AttrPath, canon: Canon<'_>) -> Value {
    if v.is_null() || !v.is_wholly_known() {
        return v;
    }
    let (plain, sensitive) = v.unmark();
    let mut c = canon(path, plain);
    if let (AttrType::Set(_), Value::List(items)) = (ty, &mut c) {
        sort_set(items);
    }
    c.mark(sensitive)
}

/// Orders a set's elements by their rendering and drops duplicates, so two sets compare equal
/// whatever order the stack or the API lists them in.
pub fn sort_set(items: &mut Vec<Value>) {
    items.sort_by_key(|v| v.unmark_deep().render());
    // Two elements that differ only in values not yet known are not duplicates.
    items.dedup_by(|a, b| a.is_wholly_known() && a.unmark_deep() == b.unmark_deep());
}

/// Compares two values as the schema type says (sets without order), ignoring sensitivity.
/// An unknown value is never equal to anything.
pub fn values_equal(a: &Value, b: &Value, ty: &AttrType) -> bool {
    if !a.is_wholly_known() || !b.is_wholly_known() {
        return false;
    }
    let (a, b) = (a.unmark_deep(), b.unmark_deep());
    match (ty, &a, &b) {
        (AttrType::Set(_), Value::List(x), Value::List(y)) => {
            let (mut x, mut y) = (x.clone(), y.clone());
            sort_set(&mut x);
            sort_set(&mut y);
            x == y
        }
        // An empty collection and an unset one mean the same to every API we talk to.
        (AttrType::List(_) | AttrType::Set(_), Value::List(x), Value::Null)
        | (AttrType::List(_) | AttrType::Set(_), Value::Null, Value::List(x)) => x.is_empty(),
        (AttrType::Map(_), Value::Map(x), Value::Null) | (AttrType::Map(_), Value::Null, Value::Map(x)) => x.is_empty(),
        _ => a == b,
    }
}

fn nested_equal(a: &Value, b: &Value, nesting: Nesting) -> bool {
    if !a.is_wholly_known() || !b.is_wholly_known() {
        return false;
    }
    let (a, b) = (a.unmark_deep(), b.unmark_deep());
    match (&a, &b) {
        (Value::List(x), Value::List(y)) if nesting == Nesting::Set => {
            let (mut x, mut y) = (x.clone(), y.clone());
            sort_set(&mut x);
            sort_set(&mut y);
            x == y
        }
        (Value::List(x), Value::Null) | (Value::Null, Value::List(x)) => x.is_empty(),
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Attribute, BlockType};

    fn schema() -> ResourceSchema {
        ResourceSchema::new(
            "test",
            Block::new()
                .attr("id", Attribute::computed(AttrType::String))
                .attr("cidr", Attribute::required(AttrType::String).force_new())
                .attr("name", Attribute::optional(AttrType::String))
                .attr("zones", Attribute::optional(AttrType::set_of(AttrType::String)))
                .attr("desired", Attribute::optional(AttrType::Number).externally_owned())
                .attr("psk", Attribute::optional(AttrType::String).sensitive())
                .block("rule", BlockType::list(Block::new().attr("port", Attribute::required(AttrType::Number)))),
        )
    }

    fn plan(prior: Option<Value>, config: Value) -> PlanResponse {
        let req = PlanRequest { type_name: "t".into(), address: "t.a".into(), prior, config };
        plan_with_schema(&schema(), &req, &|_, v| v)
    }

    fn cfg(cidr: &str, name: &str) -> Value {
        Value::map([("cidr", cidr.into()), ("name", name.into())])
    }

    #[test]
    fn create_leaves_computed_unknown() {
        let r = plan(None, cfg("10.0.0.0/16", "a"));
        assert_eq!(r.planned.get("id"), Some(&Value::Unknown));
        assert!(r.requires_replace.is_empty());
    }

    #[test]
    fn in_place_change_keeps_id() {
        let prior = plan(None, cfg("10.0.0.0/16", "a")).planned;
        let mut prior = prior;
        prior.set_path(&AttrPath::attr("id"), "n-1".into());
        let r = plan(Some(prior), cfg("10.0.0.0/16", "b"));
        assert!(r.requires_replace.is_empty());
        assert_eq!(r.planned.get("id").and_then(Value::as_str), Some("n-1"));
    }

    #[test]
    fn force_new_change_requires_replace_and_forgets_computed() {
        let mut prior = plan(None, cfg("10.0.0.0/16", "a")).planned;
        prior.set_path(&AttrPath::attr("id"), "n-1".into());
        let r = plan(Some(prior), cfg("10.1.0.0/16", "a"));
        assert_eq!(r.requires_replace, vec![AttrPath::attr("cidr")]);
        assert_eq!(r.planned.get("id"), Some(&Value::Unknown));
    }

    #[test]
    fn sets_compare_without_order_and_external_fields_keep_prior() {
        let mut config = cfg("10.0.0.0/16", "a");
        config.set_path(&AttrPath::attr("zones"), Value::List(vec!["b".into(), "a".into()]));
        config.set_path(&AttrPath::attr("desired"), Value::int(3));
        let mut prior = plan(None, config.clone()).planned;
        prior.set_path(&AttrPath::attr("id"), "n-1".into());
        prior.set_path(&AttrPath::attr("desired"), Value::int(7));
        let r = plan(Some(prior.clone()), config);
        assert_eq!(r.planned, prior, "autoscaler-owned desired size and set order are not changes");
    }

    #[test]
    fn set_blocks_differing_only_in_unknowns_are_kept_and_matched_by_content() {
        let mut items = vec![
            Value::map([("subnet_id", Value::Unknown), ("ip", Value::Unknown)]),
            Value::map([("subnet_id", Value::Unknown), ("ip", Value::Unknown)]),
        ];
        sort_set(&mut items);
        assert_eq!(items.len(), 2, "not duplicates: their values are not known yet");

        let prior = vec![
            Value::map([("subnet_id", "s-a".into()), ("ip_id", "rni-a".into())]),
            Value::map([("subnet_id", "s-b".into()), ("ip_id", "rni-b".into())]),
        ];
        let config = vec![Value::map([("subnet_id", "s-b".into())]), Value::map([("subnet_id", "s-a".into())])];
        let pairs = match_set_items(&config, &prior);
        assert_eq!(pairs[0].and_then(|p| p.get("ip_id")).and_then(Value::as_str), Some("rni-b"));
        assert_eq!(pairs[1].and_then(|p| p.get("ip_id")).and_then(Value::as_str), Some("rni-a"));
    }

    #[test]
    fn sensitive_attributes_are_marked() {
        let mut config = cfg("10.0.0.0/16", "a");
        config.set_path(&AttrPath::attr("psk"), "secret".into());
        let r = plan(None, config);
        assert!(r.planned.get("psk").unwrap().contains_sensitive());
    }
}
