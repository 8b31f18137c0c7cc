//! Planning: refresh what state records, evaluate the stack in dependency order, and decide one
//! action per resource instance.
//!
//! Computing a plan is separate from rendering it (see `render`). A plan is a value that can be
//! saved, reviewed and applied later; it records the state lineage and serial it was made
//! against and a hash of the stack, so applying it after either changed is refused.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tether_sdk::{AttrPath, ConfigureRequest, DataRequest, PlanRequest, Provider, ReadItem, ReadRequest, Value};
use tether_state::{Operation, ResourceState, StateFile};

use crate::addrs::{ConfigResourceAddr, InstanceAddr, InstanceKey, Target};
use crate::config::{Mode, ResourceAddr, ResourceBlock};
use crate::diag::{has_errors, Diag, Diags};
use crate::graph::{provider_of, Node};
use crate::registry::Registry;
use crate::scope::{block_value, eval_body, mark_schema_sensitive, Scope};
use crate::stack::Stack;

pub const PLAN_FORMAT_VERSION: u32 = 1;

/// What will happen to one resource instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    NoOp,
    Create,
    Update,
    /// Replace: delete the old object, then create the new one.
    DeleteThenCreate,
    /// Replace with `create_before_destroy`: create the new object, then delete the old one.
    CreateThenDelete,
    Delete,
    /// Read a data source during apply (its configuration depends on values not yet known).
    Read,
}

impl Action {
    /// The glyph shown in plans.
    pub fn glyph(self) -> &'static str {
        match self {
            Action::NoOp => " ",
            Action::Create => "+",
            Action::Update => "~",
            Action::DeleteThenCreate => "-/+",
            Action::CreateThenDelete => "+/-",
            Action::Delete => "-",
            Action::Read => "<=",
        }
    }

    pub fn is_replace(self) -> bool {
        matches!(self, Action::DeleteThenCreate | Action::CreateThenDelete)
    }

    /// True when the action removes an existing object.
    pub fn destroys(self) -> bool {
        matches!(self, Action::Delete | Action::DeleteThenCreate | Action::CreateThenDelete)
    }
}

/// The planned change of one resource instance.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ResourceChange {
    pub address: InstanceAddr,
    pub mode: Mode,
    pub type_name: String,
    pub name: String,
    pub provider: String,
    pub action: Action,
    /// The refreshed current value (`None` for a create).
    pub before: Option<Value>,
    /// The planned value (`None` for a delete); unknown parts are known only after apply.
    pub after: Option<Value>,
    /// The attributes that force a replacement.
    pub requires_replace: Vec<AttrPath>,
    /// Why, when the reason is not an attribute change ("not in configuration", "deleted outside tether").
    pub reason: Option<String>,
    /// The resource blocks this instance depends on.
    pub dependencies: Vec<ConfigResourceAddr>,
    pub create_before_destroy: bool,
    pub prevent_destroy: bool,
    /// Set when the change replaces or deletes an object of a high-impact type (the schema's
    /// reason): shown first in every report, and `apply` needs `--allow-replace` for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high_impact: Option<String>,
    /// The change is to the deposed (old) object left by an interrupted create_before_destroy
    /// replacement, not to the current object at the same address.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deposed: bool,
}

impl ResourceChange {
    /// True for a delete or either kind of replacement.
    pub fn removes_object(&self) -> bool {
        matches!(self.action, Action::Delete | Action::DeleteThenCreate | Action::CreateThenDelete)
    }

    /// The block this is an instance of.
    pub fn resource(&self) -> &ResourceAddr {
        &self.address.resource
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OutputChange {
    pub name: String,
    pub action: Action,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub sensitive: bool,
}

/// A complete plan, ready to render or save.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: u32,
    pub tether_version: String,
    /// The lineage and serial of the state the plan was made against (`None` before the first apply).
    pub lineage: Option<String>,
    pub serial: u64,
    pub stack_hash: String,
    pub destroy: bool,
    /// The resolved input variables, so applying a saved plan evaluates exactly the same stack.
    pub variables: BTreeMap<String, Value>,
    pub changes: Vec<ResourceChange>,
    pub outputs: Vec<OutputChange>,
    pub targets: Vec<Target>,
    pub excludes: Vec<Target>,
    /// Warnings already rendered, so `show PLANFILE` can repeat them.
    pub warnings: Vec<String>,
    /// Creates interrupted by a crash that this plan will finish (adopting what was created).
    pub interrupted: Vec<InstanceAddr>,
    /// The monthly cost before and after, per resource and in total (`None` in plans saved by
    /// a tether that did not estimate cost).
    #[serde(default)]
    pub cost: Option<crate::cost::CostReport>,
}

impl Plan {
    /// True when applying would change any resource or output.
    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| c.action != Action::NoOp) || self.outputs.iter().any(|o| o.action != Action::NoOp)
    }

    pub fn change(&self, address: &InstanceAddr) -> Option<&ResourceChange> {
        self.changes.iter().find(|c| &c.address == address)
    }

    /// Counts of (add, change, destroy) in Terraform's sense: a replace adds one and destroys one.
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut n = (0, 0, 0);
        for c in &self.changes {
            match c.action {
                Action::Create => n.0 += 1,
                Action::Update => n.1 += 1,
                Action::Delete => n.2 += 1,
                Action::DeleteThenCreate | Action::CreateThenDelete => {
                    n.0 += 1;
                    n.2 += 1;
                }
                Action::NoOp | Action::Read => {}
            }
        }
        n
    }
}

#[derive(Clone, Debug, Default)]
pub struct PlanOptions {
    pub destroy: bool,
    pub targets: Vec<Target>,
    pub excludes: Vec<Target>,
    /// Skip refreshing state (plan against what state records).
    pub skip_refresh: bool,
}

/// Configures every provider the stack or its state uses, evaluating provider blocks against
/// variables and locals only (providers are needed before any resource is read).
pub async fn configure_providers(
    stack: &Stack,
    registry: &Registry,
    variables: &BTreeMap<String, Value>,
    state: Option<&StateFile>,
    lineage: &str,
) -> Result<(), Diags> {
    let mut needed: BTreeSet<String> =
        stack.config.resources.iter().map(|r| provider_of(&r.type_name).to_string()).collect();
    if let Some(s) = state {
        needed.extend(s.resources.iter().map(|r| provider_of(&r.type_name).to_string()));
    }
    let mut diags = Vec::new();
    let scope = pre_resource_scope(stack, variables, &mut diags);
    for name in needed {
        let Some(provider) = registry.get(&name) else {
            diags.push(
                Diag::error(format!("no provider named {name:?} is available"))
                    .code("config::unknown-provider")
                    .help(format!("available providers: {}", registry.names().collect::<Vec<_>>().join(", "))),
            );
            continue;
        };
        let mut ds = Vec::new();
        let config = provider_config(stack, provider.as_ref(), &scope, &mut ds);
        if has_errors(&ds) {
            diags.extend(ds);
            continue;
        }
        let ds =
            provider.configure(ConfigureRequest { config: config.unmark_deep(), lineage: lineage.to_string() }).await;
        diags.extend(ds.into_iter().map(|d| Diag::from_provider(d, None)));
    }
    if has_errors(&diags) {
        Err(diags)
    } else {
        Ok(())
    }
}

/// Evaluates the (unaliased) provider block of `provider`; an empty map when the stack has none.
fn provider_config(stack: &Stack, provider: &dyn Provider, scope: &Scope, diags: &mut Diags) -> Value {
    let name = provider.name();
    let Some(block) = stack.config.providers.iter().find(|p| p.name == name && p.alias.is_none()) else {
        return Value::Map(BTreeMap::new());
    };
    let config = eval_body(&block.body, &provider.schema().provider, scope, block.span.file, diags);
    if !config.is_wholly_known() {
        diags.push(
            Diag::error(format!("provider {name} configuration depends on values known only after apply"))
                .code("config::provider-unknown")
                .label(block.span.clone(), "provider block")
                .help("configure providers from variables and literals, not from resource attributes"),
        );
    }
    config
}

/// Every provider block's settings as the cost estimate reads them (price overrides). Makes no
/// provider call; a block that does not evaluate counts as empty (the plan reports its errors
/// wherever the provider is configured).
fn provider_configs(
    stack: &Stack,
    registry: &Registry,
    variables: &BTreeMap<String, Value>,
) -> BTreeMap<String, Value> {
    let mut diags = Vec::new();
    let scope = pre_resource_scope(stack, variables, &mut diags);
    registry
        .names()
        .filter_map(|name| registry.get(name))
        .map(|p| {
            let mut ds = Vec::new();
            let config = provider_config(stack, p.as_ref(), &scope, &mut ds);
            let config = if has_errors(&ds) { Value::Map(BTreeMap::new()) } else { config.unmark_deep() };
            (p.name().to_string(), config)
        })
        .collect()
}

/// A scope with variables and the locals that do not depend on resources.
fn pre_resource_scope(stack: &Stack, variables: &BTreeMap<String, Value>, diags: &mut Diags) -> Scope {
    let mut scope = Scope::new(&stack.dir);
    for (k, v) in variables {
        scope.set_var(k, v.clone());
    }
    for ix in &stack.graph.order {
        if let Node::Local(name) = stack.graph.node(*ix) {
            let Some(l) = stack.config.locals.iter().find(|l| &l.name == name) else { continue };
            if let Ok(v) = scope.eval(&l.attr.expr, l.attr.span.file) {
                scope.set_local(name, v);
            } else {
                // Locals that depend on resources are unknown here; the walk evaluates them later.
                scope.set_local(name, Value::Unknown);
            }
        }
    }
    let _ = diags;
    scope
}

/// Reads every resource recorded in state, one batched call per type, types in parallel.
/// Returns the refreshed value per address (`None`: deleted outside tether).
pub async fn refresh(registry: &Registry, state: &StateFile) -> Result<BTreeMap<InstanceAddr, Option<Value>>, Diags> {
    let mut by_type: BTreeMap<&str, Vec<&ResourceState>> = BTreeMap::new();
    for r in &state.resources {
        if r.mode == Mode::Managed && !r.deposed {
            by_type.entry(r.type_name.as_str()).or_default().push(r);
        }
    }
    let mut tasks = tokio::task::JoinSet::new();
    let mut diags = Vec::new();
    for (type_name, items) in by_type {
        let Some(provider) = registry.for_type(type_name).cloned() else {
            diags.push(
                Diag::error(format!("state holds {type_name} resources but no provider handles that type"))
                    .code("state::unknown-provider"),
            );
            continue;
        };
        // Providers answer by the address text they were given; this maps it back.
        let addrs: BTreeMap<String, InstanceAddr> =
            items.iter().map(|r| (r.address.to_string(), r.address.clone())).collect();
        let req = ReadRequest {
            type_name: type_name.to_string(),
            items: items
                .iter()
                .map(|r| ReadItem {
                    address: r.address.to_string(),
                    id: r.id.clone(),
                    prior: Value::from_json(&r.attributes),
                })
                .collect(),
        };
        tasks.spawn(async move { (provider.read_resources(req).await, addrs) });
    }
    let mut out = BTreeMap::new();
    while let Some(res) = tasks.join_next().await {
        match res {
            Ok((resp, addrs)) => {
                diags.extend(resp.diagnostics.into_iter().map(|d| Diag::from_provider(d, None)));
                for r in resp.results {
                    match addrs.get(&r.address) {
                        Some(a) => {
                            out.insert(a.clone(), r.state);
                        }
                        None => diags.push(
                            Diag::error(format!(
                                "a provider's refresh answered for {}, which was not asked for",
                                r.address
                            ))
                            .code("provider::inconsistent"),
                        ),
                    }
                }
            }
            Err(e) => diags.push(Diag::error(format!("refresh task failed: {e}"))),
        }
    }
    if has_errors(&diags) {
        Err(diags)
    } else {
        Ok(out)
    }
}

/// The result of evaluating one resource block during a walk.
pub struct Expanded {
    pub instances: Vec<(InstanceKey, Option<Value>)>,
}

/// Expands `count`/`for_each` into instance keys (and `each.value`s).
pub fn expand(res: &ResourceBlock, scope: &Scope) -> Result<Vec<(InstanceKey, Option<Value>)>, Diag> {
    if let Some(count) = &res.count {
        let v = scope.eval(&count.expr, count.span.file)?;
        if v.is_unknown() {
            return Err(Diag::error("count depends on values known only after apply")
                .code("eval::unknown-count")
                .label(count.span.clone(), "not known until apply")
                .help("count must be known at plan time: derive it from variables or literals, or apply the resources it depends on first with --target"));
        }
        let n = v.as_i64().filter(|n| *n >= 0).ok_or_else(|| {
            Diag::error(format!("count must be a whole number of zero or more, got {}", v.render()))
                .code("eval::invalid-count")
                .label(count.span.clone(), "not a whole number")
                .help("use a number such as count = 2, or length(var.list)")
        })?;
        return Ok((0..n).map(|i| (InstanceKey::Int(i), None)).collect());
    }
    if let Some(fe) = &res.for_each {
        let v = scope.eval(&fe.expr, fe.span.file)?;
        if !v.is_wholly_known() && (v.is_unknown() || v.as_list().is_some_and(|l| l.iter().any(Value::is_unknown))) {
            return Err(Diag::error("for_each depends on values known only after apply")
                .code("eval::unknown-for-each")
                .label(fe.span.clone(), "not known until apply")
                .help(
                    "for_each keys must be known at plan time: use a map or set of strings from variables or literals",
                ));
        }
        if v.contains_sensitive() && matches!(v, Value::Sensitive(_)) {
            return Err(Diag::error("for_each cannot use a sensitive value")
                .code("eval::sensitive-for-each")
                .label(fe.span.clone(), "sensitive")
                .help("instance keys appear in addresses and output; use a non-sensitive map or set"));
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
                            .help("use toset([...]) of strings, or a map"))
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
                .help("use a map, or toset([...]) of strings")),
        };
    }
    Ok(vec![(InstanceKey::None, None)])
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

/// Checks the stack from its configuration alone, as `validate` does: evaluates every
/// resource against no state, without configuring any provider, reading any data source or
/// refreshing anything (values known only later are unknown, and checks skip them), then runs
/// the providers' whole-stack checks. Makes no provider API call.
pub async fn check(stack: &Stack, registry: &Registry, variables: &BTreeMap<String, Value>) -> Diags {
    let mut w = walk(stack, registry, None, &BTreeMap::new(), variables, &PlanOptions::default()).await;
    cross_resource_checks(stack, registry, &w.changes, &w.configs, &mut w.diags);
    w.diags
}

/// Makes a plan. Makes no provider call when state is empty and no data source can be read.
///
/// With state, the stack is first checked from its configuration alone (`check`), so bad input
/// stops before providers are configured and before refresh: zero API calls.
pub async fn plan(
    stack: &Stack,
    registry: &Registry,
    state: Option<&StateFile>,
    variables: BTreeMap<String, Value>,
    opts: &PlanOptions,
) -> Result<(Plan, Diags), Diags> {
    let has_state = state.is_some_and(|s| !s.resources.is_empty());
    let lineage = state.map(|s| s.lineage.clone());

    if has_state && !opts.destroy {
        // Errors that come only from values not known without state (count over a data
        // source) are left to the real walk below; warnings come from it too.
        let early: Diags = check(stack, registry, &variables)
            .await
            .into_iter()
            .filter(|d| d.is_error() && !d.code.as_deref().is_some_and(|c| c.starts_with("eval::unknown-")))
            .collect();
        if !early.is_empty() {
            return Err(early);
        }
    }
    // Providers are configured only when something will talk to them; a fresh stack needs no
    // provider call at all.
    if has_state {
        configure_providers(stack, registry, &variables, state, lineage.as_deref().unwrap_or("")).await?;
    }
    let refreshed = match (state, has_state && !opts.skip_refresh) {
        (Some(s), true) => refresh(registry, s).await?,
        (Some(s), false) => s
            .resources
            .iter()
            .filter(|r| !r.deposed)
            .map(|r| (r.address.clone(), Some(Value::from_json(&r.attributes))))
            .collect(),
        (None, _) => BTreeMap::new(),
    };
    let Walk { mut changes, mut outputs, mut diags, configs, seen_addrs } =
        walk(stack, registry, state, &refreshed, &variables, opts).await;

    // Instances in state that the stack no longer declares are deleted.
    if let Some(s) = state {
        for r in &s.resources {
            if seen_addrs.contains(&r.address) || r.deposed {
                continue;
            }
            if r.mode == Mode::Data {
                continue;
            }
            // An orphan already deleted outside tether is still "deleted", which removes it from state.
            let before =
                refreshed.get(&r.address).cloned().flatten().unwrap_or_else(|| Value::from_json(&r.attributes));
            let declared = stack.config.resource(&r.address.resource);
            changes.push(ResourceChange {
                address: r.address.clone(),
                mode: r.mode,
                type_name: r.type_name.clone(),
                name: r.address.resource.name.clone(),
                provider: r.provider.clone(),
                action: Action::Delete,
                before: Some(prior_with_marks(before, Some(r), registry, &r.type_name)),
                after: None,
                requires_replace: Vec::new(),
                reason: Some(if declared.is_some() {
                    "its instance key is no longer in count/for_each".to_string()
                } else {
                    "it is not in the configuration".to_string()
                }),
                dependencies: r.dependencies.clone(),
                create_before_destroy: false,
                prevent_destroy: declared.is_some_and(|d| d.lifecycle.prevent_destroy),
                high_impact: None,
                deposed: false,
            });
        }
        // Deposed objects left by an interrupted create_before_destroy are deleted.
        for r in s.resources.iter().filter(|r| r.deposed) {
            changes.push(ResourceChange {
                address: r.address.clone(),
                mode: r.mode,
                type_name: r.type_name.clone(),
                name: r.address.resource.name.clone(),
                provider: r.provider.clone(),
                action: Action::Delete,
                before: Some(prior_with_marks(Value::from_json(&r.attributes), Some(r), registry, &r.type_name)),
                after: None,
                requires_replace: Vec::new(),
                reason: Some("deposed: the old object of an interrupted replacement".to_string()),
                dependencies: r.dependencies.clone(),
                create_before_destroy: true,
                prevent_destroy: false,
                high_impact: None,
                deposed: true,
            });
        }
    }

    cross_resource_checks(stack, registry, &changes, &configs, &mut diags);
    mark_high_impact(registry, &mut changes);
    // Outputs come out of the walk in graph order; people read them by name.
    outputs.sort_by(|a, b| a.name.cmp(&b.name));
    apply_targeting(stack, &mut changes, opts, &mut diags);
    check_prevent_destroy(stack, &changes, &mut diags);
    if has_errors(&diags) {
        return Err(diags);
    }

    let cost = crate::cost::estimate(&changes, registry, &provider_configs(stack, registry, &variables));
    let interrupted = state
        .map(|s| s.journal.iter().filter(|j| j.operation == Operation::Create).map(|j| j.address.clone()).collect())
        .unwrap_or_default();
    let plan = Plan {
        format_version: PLAN_FORMAT_VERSION,
        tether_version: env!("CARGO_PKG_VERSION").to_string(),
        lineage,
        serial: state.map(|s| s.serial).unwrap_or(0),
        stack_hash: stack.hash.clone(),
        destroy: opts.destroy,
        variables,
        changes,
        outputs,
        targets: opts.targets.clone(),
        excludes: opts.excludes.clone(),
        warnings: Vec::new(),
        interrupted,
        cost: Some(cost),
    };
    Ok((plan, diags))
}

/// What evaluating the stack in dependency order produced.
struct Walk {
    changes: Vec<ResourceChange>,
    outputs: Vec<OutputChange>,
    diags: Diags,
    /// The evaluated configuration of each instance (managed and data), by address.
    configs: BTreeMap<InstanceAddr, Value>,
    seen_addrs: BTreeSet<InstanceAddr>,
}

/// Evaluates every block in dependency order and plans each instance against `refreshed`
/// (data sources are read only when the stack has state).
async fn walk(
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
                    Err(d) => {
                        diags.push(d);
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

    Walk { changes, outputs, diags, configs, seen_addrs }
}

/// Marks deletions and replacements of the types whose schema calls them high impact.
fn mark_high_impact(registry: &Registry, changes: &mut [ResourceChange]) {
    for c in changes.iter_mut().filter(|c| c.mode == Mode::Managed && c.removes_object()) {
        c.high_impact = registry.schema(Mode::Managed, &c.type_name).and_then(|s| s.high_impact.clone());
    }
}

/// Hands every planned instance of the stack (all providers, managed resources and data
/// sources) to every provider for checks that span resources, and labels what comes back at
/// the attributes it names: the primary one and any related ones (the other side of an
/// overlap).
fn cross_resource_checks(
    stack: &Stack,
    registry: &Registry,
    changes: &[ResourceChange],
    configs: &BTreeMap<InstanceAddr, Value>,
    diags: &mut Diags,
) {
    let mut planned = Vec::new();
    for c in changes.iter().filter(|c| c.action != Action::Delete) {
        let (Some(after), Some(res)) = (&c.after, stack.config.resource(c.resource())) else { continue };
        planned.push(tether_sdk::PlannedResource {
            address: c.address.to_string(),
            type_name: c.type_name.clone(),
            value: after.unmark_deep(),
            config: configs.get(&c.address).cloned().unwrap_or(Value::Unknown),
            references: attribute_references(res, &stack.config),
        });
    }
    // Providers name resources by the address text they were given.
    let by_text: BTreeMap<String, &InstanceAddr> =
        changes.iter().map(|c| (c.address.to_string(), &c.address)).collect();
    let lookup = |text: Option<&str>| text.and_then(|t| by_text.get(t).copied());
    let mut providers: Vec<&str> = changes.iter().map(|c| c.provider.as_str()).collect();
    providers.sort_unstable();
    providers.dedup();
    for name in providers {
        let Some(provider) = registry.get(name) else { continue };
        for d in provider.validate_plan(&planned) {
            let related = d.related.clone();
            let span = attribute_span(stack, lookup(d.address.as_deref()), d.attribute.as_ref());
            let mut diag = Diag::from_provider(d, span);
            for r in related {
                diag = diag.label_opt(attribute_span(stack, lookup(Some(&r.address)), r.attribute.as_ref()), r.message);
            }
            diags.push(diag);
        }
    }
}

/// The span of an attribute of the resource at `address`, or of the whole block when the
/// attribute is not written in it.
fn attribute_span(
    stack: &Stack,
    address: Option<&InstanceAddr>,
    attribute: Option<&AttrPath>,
) -> Option<crate::diag::Span> {
    let res = stack.config.resource(&address?.resource)?;
    Some(attribute.and_then(|p| crate::config::attr_span(&res.body, p)).unwrap_or_else(|| res.span.clone()))
}

/// For each top-level attribute or nested block of a resource, the resources its expressions
/// refer to (`security_group_id = aws_security_group.nodes.id` -> `aws_security_group.nodes`;
/// `aws_subnet.private["a"].id` -> `aws_subnet.private["a"]` when that resource uses
/// for_each). Attributes of nested blocks are listed under the block's name and under their
/// own path (`ip_address[1].subnet_id`, counting blocks of one type in source order).
fn attribute_references(res: &ResourceBlock, config: &crate::config::Config) -> BTreeMap<String, Vec<String>> {
    let file = res.span.file;
    let resolve = |r: &crate::eval::Reference| -> Option<String> {
        let (mode, ty, rest) = match (r.root.as_str(), r.parts.as_slice()) {
            ("data", [ty, rest @ ..]) => (Mode::Data, ty.as_str(), rest),
            (ty, rest) => (Mode::Managed, ty, rest),
        };
        let name = rest.first()?;
        let addr = ResourceAddr { mode, type_name: ty.to_string(), name: name.clone() };
        let block = config.resource(&addr)?;
        match rest.get(1) {
            Some(key) if block.for_each.is_some() => {
                Some(InstanceAddr::new(addr, InstanceKey::Str(key.clone())).to_string())
            }
            _ => Some(addr.to_string()),
        }
    };
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for a in &res.body.attributes {
        let refs: Vec<String> = crate::eval::references(&a.expr, file).iter().filter_map(resolve).collect();
        if !refs.is_empty() {
            out.entry(a.name.clone()).or_default().extend(refs);
        }
    }
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for b in &res.body.blocks {
        let index = seen.entry(b.type_name.as_str()).or_default();
        let at = AttrPath::attr(b.type_name.clone()).join_index(*index);
        *index += 1;
        if let Some(d) = &b.dynamic {
            let refs: Vec<String> =
                crate::eval::references(&d.for_each.expr, file).iter().filter_map(resolve).collect();
            out.entry(b.type_name.clone()).or_default().extend(refs);
        }
        let mut stack = vec![(&b.body, at)];
        while let Some((body, path)) = stack.pop() {
            for a in &body.attributes {
                let refs: Vec<String> = crate::eval::references(&a.expr, file).iter().filter_map(resolve).collect();
                out.entry(b.type_name.clone()).or_default().extend(refs.iter().cloned());
                out.entry(path.join_attr(a.name.clone()).to_string()).or_default().extend(refs);
            }
            stack.extend(body.blocks.iter().map(|n| (&n.body, path.join_attr(n.type_name.clone()))));
        }
    }
    for v in out.values_mut() {
        v.sort();
        v.dedup();
    }
    out.retain(|_, v| !v.is_empty());
    out
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
    let mut planned = resp.planned;
    for p in config.sensitive_paths() {
        if let Some(v) = planned.get_path(&p).cloned() {
            planned.set_path(&p, v.mark(true));
        }
    }
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

/// Applies `--target` (the targets and everything they depend on) and `--exclude` (the excluded
/// resources and everything that depends on them) by turning other changes into no-ops.
fn apply_targeting(stack: &Stack, changes: &mut [ResourceChange], opts: &PlanOptions, diags: &mut Diags) {
    // The blocks a target names directly (a module target names every block inside it).
    let named_blocks = |t: &Target| -> Vec<ResourceAddr> {
        match t {
            Target::Resource(r) if r.module.is_root() => vec![r.resource.clone()],
            _ => Vec::new(),
        }
    };
    for pattern in opts.targets.iter().chain(&opts.excludes) {
        let declared = named_blocks(pattern).iter().any(|r| stack.config.resource(r).is_some());
        let in_changes = changes.iter().any(|c| pattern.matches(&c.address));
        if !declared && !in_changes {
            let all: Vec<String> = stack.config.resources.iter().map(|r| r.addr().to_string()).collect();
            let mut d =
                Diag::error(format!("{pattern} matches no resource in the stack or state")).code("cli::unknown-target");
            let written = match pattern {
                Target::Resource(r) => r.resource.to_string(),
                Target::Module(m) => m.to_string(),
            };
            if let Some(s) = crate::diag::did_you_mean(&written, all.iter().map(String::as_str)) {
                d = d.help(format!("did you mean {s}?"));
            }
            diags.push(d);
        }
    }
    if !opts.targets.is_empty() {
        let mut keep_config: BTreeSet<ResourceAddr> = BTreeSet::new();
        for t in &opts.targets {
            for r in named_blocks(t) {
                keep_config.extend(stack.graph.resource_dependencies(&r));
            }
        }
        for c in changes.iter_mut() {
            let targeted = opts.targets.iter().any(|t| t.matches(&c.address));
            let dependency = keep_config.contains(c.resource());
            if !(targeted || dependency) {
                skip(c);
            }
        }
    }
    if !opts.excludes.is_empty() {
        let mut drop_config: BTreeSet<ResourceAddr> = BTreeSet::new();
        for e in &opts.excludes {
            for r in named_blocks(e) {
                drop_config.extend(stack.graph.resource_dependents(&r));
            }
        }
        for c in changes.iter_mut() {
            let excluded = opts.excludes.iter().any(|e| e.matches(&c.address));
            if excluded || drop_config.contains(c.resource()) {
                skip(c);
            }
        }
    }
}

/// Leaves a resource as it is: no change planned.
fn skip(c: &mut ResourceChange) {
    if c.action == Action::NoOp {
        return;
    }
    c.after = c.before.clone();
    c.action = Action::NoOp;
    c.requires_replace.clear();
    c.reason = Some("excluded by --target/--exclude".to_string());
}

fn check_prevent_destroy(stack: &Stack, changes: &[ResourceChange], diags: &mut Diags) {
    for c in changes {
        if c.prevent_destroy && c.action.destroys() {
            let res = stack.config.resource(c.resource());
            let verb = if c.action == Action::Delete { "destroy" } else { "replace" };
            let mut d = Diag::error(format!("{} has lifecycle.prevent_destroy set, but the plan would {verb} it", c.address))
                .code("plan::prevent-destroy")
                .address(&c.address)
                .help("if this really is intended, remove prevent_destroy (or set it to false) first; otherwise change the stack so the resource is kept");
            if let Some(r) = res {
                d = d.label(r.span.clone(), "protected by prevent_destroy");
                if !c.requires_replace.is_empty() {
                    for p in &c.requires_replace {
                        if let Some(span) = crate::config::attr_span(&r.body, p) {
                            d = d.label(span, format!("changing {p} forces replacement"));
                        }
                    }
                }
            }
            diags.push(d);
        }
    }
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
