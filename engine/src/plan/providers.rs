//! Configuring providers from the stack's provider blocks, before anything is read: provider
//! blocks see variables and the locals that do not depend on resources.

use std::collections::{BTreeMap, BTreeSet};

use tether_sdk::{ConfigureRequest, Provider, Value};
use tether_state::StateFile;

use crate::diag::{has_errors, Diag, Diags};
use crate::graph::{provider_of, Node};
use crate::registry::Registry;
use crate::scope::{eval_body, Scope};
use crate::stack::Stack;

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
pub(super) fn provider_configs(
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
