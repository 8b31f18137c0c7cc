//! The walk: every block of the stack evaluated in dependency order, and each resource instance
//! planned against its refreshed value by its provider.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use tether_sdk::{AttrPath, DataRequest, PlanRequest, Provider, Value};
use tether_state::{ResourceState, StateFile};

use super::expand::{apply_ignore_changes, expand, instance_config, ExpandError};
use super::model::{Action, OutputChange, PlanOptions, ResourceChange};
use crate::addrs::{ConfigResourceAddr, InstanceAddr};
use crate::config::{Mode, ResourceBlock};
use crate::diag::{Diag, Diags};
use crate::graph::{provider_of, Node};
use crate::registry::Registry;
use crate::scope::{block_value, mark_schema_sensitive, Scope};
use crate::stack::Stack;

/// What evaluating the stack in dependency order produced.
pub(super) struct Walk {
    pub changes: Vec<ResourceChange>,
    pub outputs: Vec<OutputChange>,
    pub diags: Diags,
    /// Errors that arise only because a value is not known yet (see `Checked::needs_values`).
    pub needs_values: Diags,
    /// The evaluated configuration of each instance (managed and data), by address.
    pub configs: BTreeMap<InstanceAddr, Value>,
    pub seen_addrs: BTreeSet<InstanceAddr>,
}

/// Evaluates every block in dependency order and plans each instance against `refreshed`
/// (data sources are read only when the stack has state).
pub(super) async fn walk(
    stack: &Stack,
    registry: &Registry,
    state: Option<&StateFile>,
    refreshed: &BTreeMap<InstanceAddr, Option<Value>>,
    variables: &BTreeMap<String, Value>,
    opts: &PlanOptions,
) -> Walk {
    let has_state = state.is_some_and(|s| !s.resources.is_empty());
    let state_by_addr: BTreeMap<&InstanceAddr, &ResourceState> =
        state.map(|s| s.resources.iter().filter(|r| !r.deposed).map(|r| (&r.address, r)).collect()).unwrap_or_default();
    let mut diags: Diags = Vec::new();
    let mut needs_values: Diags = Vec::new();
    let mut scope = Scope::new(&stack.dir);
    for (k, v) in variables {
        scope.set_var(k, v.clone());
    }
    let mut changes: Vec<ResourceChange> = Vec::new();
    let mut outputs = Vec::new();
    let mut seen_addrs: BTreeSet<InstanceAddr> = BTreeSet::new();
    let mut configs: BTreeMap<InstanceAddr, Value> = BTreeMap::new();

    for ix in stack.graph.order.clone() {
        match stack.graph.node(ix).clone() {
            Node::Variable(_) | Node::Provider(_) => {}
            Node::Local(name) => {
                let Some(l) = stack.config.locals.iter().find(|l| l.name == name) else { continue };
                match scope.eval(&l.attr.expr, l.attr.span.file) {
                    Ok(v) => scope.set_local(&name, v),
                    Err(d) => {
                        diags.push(d);
                        scope.set_local(&name, Value::Unknown);
                    }
                }
            }
            Node::Output(name) => {
                let Some(o) = stack.config.outputs.iter().find(|o| o.name == name) else { continue };
                let after = match scope.eval(&o.value.expr, o.value.span.file) {
                    Ok(v) => v,
                    Err(d) => {
                        diags.push(d);
                        continue;
                    }
                };
                if after.contains_sensitive() && !o.sensitive {
                    diags.push(
                        Diag::error(format!("output {name:?} would show a sensitive value"))
                            .code("config::sensitive-output")
                            .label(o.value.span.clone(), "derived from a sensitive value")
                            .help("add sensitive = true to the output block"),
                    );
                    continue;
                }
                let after = after.mark(o.sensitive);
                let before =
                    state.and_then(|s| s.outputs.get(&name)).map(|o| Value::from_json(&o.value).mark(o.sensitive));
                let action = match (&before, opts.destroy) {
                    (Some(_), true) => Action::Delete,
                    (None, true) => Action::NoOp,
                    (None, false) => Action::Create,
                    (Some(b), false) if b.unmark_deep() == after.unmark_deep() && after.is_wholly_known() => {
                        Action::NoOp
                    }
                    (Some(_), false) => Action::Update,
                };
                outputs.push(OutputChange {
                    name: name.clone(),
                    action,
                    before,
                    after: if opts.destroy { None } else { Some(after) },
                    sensitive: o.sensitive,
                });
            }
            Node::Resource(addr) => {
                let Some(res) = stack.config.resource(&addr) else { continue };
                let instances = match expand(res, &scope) {
                    Ok(i) => i,
                    Err(e) => {
                        match e {
                            ExpandError::Unknown(d) => needs_values.push(d),
                            ExpandError::Invalid(d) => diags.push(d),
                        }
                        scope.set_resource(&addr, Value::Unknown);
                        continue;
                    }
                };
                let deps: Vec<ConfigResourceAddr> =
                    stack.graph.direct_resource_dependencies(&addr).into_iter().map(ConfigResourceAddr::root).collect();
                let mut values = Vec::new();
                for (key, each_value) in instances {
                    let address = InstanceAddr::new(addr.clone(), key.clone());
                    seen_addrs.insert(address.clone());
                    let config = instance_config(res, &key, each_value.as_ref(), &mut scope, registry, &mut diags);
                    configs.insert(address.clone(), config.unmark_deep());
                    let change = match res.mode {
                        Mode::Data => plan_data(res, &address, config, has_state, registry, &mut diags).await,
                        Mode::Managed => {
                            let prior = refreshed.get(&address).cloned().flatten();
                            let gone_outside = state_by_addr.contains_key(&address) && prior.is_none();
                            let prior = prior.map(|p| {
                                prior_with_marks(p, state_by_addr.get(&address).copied(), registry, &res.type_name)
                            });
                            plan_managed(res, &address, config, prior, gone_outside, registry, &mut diags)
                        }
                    };
                    let mut change = change;
                    change.dependencies = deps.clone();
                    if opts.destroy && res.mode == Mode::Managed {
                        change = destroy_change(change);
                    }
                    let value = match change.action {
                        Action::Delete => change.before.clone().unwrap_or(Value::Null),
                        _ => change.after.clone().or_else(|| change.before.clone()).unwrap_or(Value::Unknown),
                    };
                    values.push((key, value));
                    changes.push(change);
                }
                scope.set_resource(&addr, block_value(values, res.count.is_some(), res.for_each.is_some()));
            }
        }
    }

    Walk { changes, outputs, diags, needs_values, configs, seen_addrs }
}

/// Re-applies sensitivity to a value read from the cloud or state: the schema's sensitive
/// attributes plus any paths state recorded as sensitive (values derived from sensitive inputs).
pub fn prior_with_marks(v: Value, state: Option<&ResourceState>, registry: &Registry, type_name: &str) -> Value {
    let v = match registry.schema(Mode::Managed, type_name) {
        Some(s) => mark_schema_sensitive(v, &s.block),
        None => v,
    };
    match state {
        Some(r) => {
            let paths: Vec<AttrPath> = r.sensitive_paths.iter().filter_map(|p| AttrPath::parse(p)).collect();
            v.with_sensitive_paths(&paths)
        }
        None => v,
    }
}

fn destroy_change(mut change: ResourceChange) -> ResourceChange {
    change.action = if change.before.is_some() { Action::Delete } else { Action::NoOp };
    change.after = None;
    change.requires_replace.clear();
    change.reason = None;
    change
}

fn new_change(res: &ResourceBlock, address: &InstanceAddr) -> ResourceChange {
    ResourceChange {
        address: address.clone(),
        mode: res.mode,
        type_name: res.type_name.clone(),
        name: res.name.clone(),
        provider: provider_of(&res.type_name).to_string(),
        action: Action::NoOp,
        before: None,
        after: None,
        requires_replace: Vec::new(),
        reason: None,
        dependencies: Vec::new(),
        create_before_destroy: res.lifecycle.create_before_destroy,
        prevent_destroy: res.lifecycle.prevent_destroy,
        high_impact: None,
        deposed: false,
    }
}

fn plan_managed(
    res: &ResourceBlock,
    address: &InstanceAddr,
    config: Value,
    prior: Option<Value>,
    gone_outside: bool,
    registry: &Registry,
    diags: &mut Diags,
) -> ResourceChange {
    let mut change = new_change(res, address);
    let Some(provider) = registry.for_type(&res.type_name) else { return change };
    let config = apply_ignore_changes(res, config, prior.as_ref());
    if let Some(schema) = registry.schema(Mode::Managed, &res.type_name) {
        check_required(&schema.block, &config, &AttrPath::root(), res, address, diags);
    }
    for d in provider.validate_resource(&res.type_name, &config.unmark_deep()) {
        let span = d.attribute.as_ref().and_then(|p| crate::config::attr_span(&res.body, p)).or(Some(res.span.clone()));
        diags.push(Diag::from_provider(d.address(address.to_string()), span));
    }
    let resp = provider.plan_resource(PlanRequest {
        type_name: res.type_name.clone(),
        address: address.to_string(),
        prior: prior.clone(),
        config: config.clone(),
    });
    for d in resp.diagnostics {
        let span = d.attribute.as_ref().and_then(|p| crate::config::attr_span(&res.body, p)).or(Some(res.span.clone()));
        diags.push(Diag::from_provider(d.address(address.to_string()), span));
    }
    // Sensitivity that flowed in from variables survives the provider's planning.
    let schema = registry.schema(Mode::Managed, &res.type_name).map(|s| &s.block);
    let planned = super::sensitive::carry_sensitivity(&config, resp.planned, schema);
    change.action = match &prior {
        None => Action::Create,
        Some(_) if !resp.requires_replace.is_empty() => {
            if res.lifecycle.create_before_destroy {
                Action::CreateThenDelete
            } else {
                Action::DeleteThenCreate
            }
        }
        Some(p) if p.unmark_deep() == planned.unmark_deep() => Action::NoOp,
        Some(_) => Action::Update,
    };
    if gone_outside {
        change.reason = Some("it was deleted outside tether".to_string());
    }
    change.before = prior;
    change.after = Some(planned);
    change.requires_replace = resp.requires_replace;
    change
}

/// A required attribute whose expression evaluated to null (`cidr_block = var.unset`) is as
/// missing as one never written; the literal case is caught at load, this one needs values.
fn check_required(
    block: &tether_sdk::Block,
    value: &Value,
    path: &AttrPath,
    res: &ResourceBlock,
    address: &InstanceAddr,
    diags: &mut Diags,
) {
    for (name, attr) in &block.attributes {
        let p = path.join_attr(name.clone());
        if attr.required && value.get(name).is_none_or(Value::is_null) {
            let span = crate::config::attr_span(&res.body, &p).unwrap_or_else(|| res.span.clone());
            diags.push(
                Diag::error(format!("{address}: required attribute {p} is null"))
                    .code("eval::null-required")
                    .address(address.to_string())
                    .label(span, "evaluates to null")
                    .help(format!(
                        "{p} needs a {} value; check the variable or expression it comes from",
                        attr.ty.describe()
                    )),
            );
        }
    }
    for (name, bt) in &block.blocks {
        let p = path.join_attr(name.clone());
        match value.get(name).map(Value::peel) {
            Some(Value::List(items)) => {
                for (i, item) in items.iter().enumerate() {
                    check_required(&bt.block, item, &p.join_index(i), res, address, diags);
                }
            }
            Some(v @ Value::Map(_)) => check_required(&bt.block, v, &p, res, address, diags),
            _ => {}
        }
    }
}

async fn plan_data(
    res: &ResourceBlock,
    address: &InstanceAddr,
    config: Value,
    has_state: bool,
    registry: &Registry,
    diags: &mut Diags,
) -> ResourceChange {
    let mut change = new_change(res, address);
    let Some(provider) = registry.for_type(&res.type_name) else { return change };
    // Reading now needs a known configuration and a configured provider; a stack that was never
    // applied makes no provider calls at plan time, so its data sources are read during apply.
    if !has_state || !config.is_wholly_known() {
        change.action = Action::Read;
        change.after = Some(unknown_data_value(registry, res, &config));
        change.reason = Some(if has_state {
            "its configuration depends on values known only after apply".into()
        } else {
            "the stack has not been applied yet".into()
        });
        return change;
    }
    let resp = read_data(provider, res, address, &config).await;
    match resp {
        Ok(v) => {
            change.action = Action::NoOp;
            change.after = Some(v);
        }
        Err(ds) => diags.extend(ds.into_iter().map(|d| Diag::from_provider(d, Some(res.span.clone())))),
    }
    change
}

pub async fn read_data(
    provider: &Arc<dyn Provider>,
    res: &ResourceBlock,
    address: &InstanceAddr,
    config: &Value,
) -> Result<Value, Vec<tether_sdk::Diagnostic>> {
    let resp = provider
        .read_data_source(DataRequest {
            type_name: res.type_name.clone(),
            address: address.to_string(),
            config: config.unmark_deep(),
        })
        .await;
    if tether_sdk::has_errors(&resp.diagnostics) {
        return Err(resp.diagnostics);
    }
    Ok(resp.state)
}

/// A data source value before it is read: configured arguments known, everything else unknown.
fn unknown_data_value(registry: &Registry, res: &ResourceBlock, config: &Value) -> Value {
    let mut out = BTreeMap::new();
    if let Some(schema) = registry.schema(Mode::Data, &res.type_name) {
        for (name, attr) in &schema.block.attributes {
            let v = config.get(name).cloned().unwrap_or(Value::Null);
            out.insert(name.clone(), if attr.computed && v.is_null() { Value::Unknown } else { v });
        }
    }
    Value::Map(out)
}
