//! Planning: refresh what state records, evaluate the stack in dependency order, and decide one
//! action per resource instance.
//!
//! A plan is a value ([`Plan`], in `model`) that can be saved, reviewed and applied later; it
//! records the state lineage and serial it was made against and a hash of the stack, so
//! applying it after either changed is refused. [`plan`] computes it as a short list of passes,
//! each in its own module:
//!
//! | pass | module |
//! | --- | --- |
//! | check the stack alone, before any call (with state) | [`check`] |
//! | configure providers | `providers` |
//! | refresh | `refresh` |
//! | walk: evaluate and plan every instance | `walk` (with `expand`) |
//! | deletes of orphans and deposed objects | `orphans` |
//! | the providers' whole-stack checks | `validate` |
//! | mark high-impact changes | `guards` |
//! | `--target` / `--exclude` | `targeting` |
//! | `prevent_destroy` | `guards` |
//! | cost | `cost` |
//!
//! Apply and drift reuse the same pieces: provider configuration, refresh and instance
//! expansion are imported from here directly.

pub mod cost;
pub mod expand;
mod guards;
pub mod model;
mod orphans;
pub mod providers;
pub mod refresh;
pub mod sensitive;
mod targeting;
mod validate;
pub mod walk;

use std::collections::BTreeMap;

use tether_sdk::Value;
use tether_state::{Operation, StateFile};

pub use self::expand::{apply_ignore_changes, expand, instance_config, ExpandError};
pub use self::model::{
    Action, CostReport, CostTotal, OutputChange, Plan, PlanOptions, ResourceChange, ResourceCost, PLAN_FORMAT_VERSION,
};
pub use self::providers::configure_providers;
pub use self::refresh::refresh;
pub use self::sensitive::carry_sensitivity;
pub use self::walk::{prior_with_marks, read_data};
use crate::addrs::InstanceAddr;
use crate::diag::{has_errors, Diags};
use crate::registry::Registry;
use crate::stack::Stack;

/// What checking a stack from its configuration alone found.
pub struct Checked {
    /// Problems with the stack as written.
    pub diags: Diags,
    /// Errors that arise only because values are not known yet (a `count` over a data source
    /// that a stack with state would read): `validate` reports them, a plan with state
    /// re-evaluates with real values first.
    pub needs_values: Diags,
}

/// Checks the stack from its configuration alone, as `validate` does: evaluates every
/// resource against no state, without configuring any provider, reading any data source or
/// refreshing anything (values known only later are unknown, and checks skip them), then runs
/// the providers' whole-stack checks. Makes no provider API call.
pub async fn check(stack: &Stack, registry: &Registry, variables: &BTreeMap<String, Value>) -> Checked {
    let mut w = walk::walk(stack, registry, None, &BTreeMap::new(), variables, &PlanOptions::default()).await;
    validate::cross_resource_checks(stack, registry, &w.changes, &w.configs, &mut w.diags);
    Checked { diags: w.diags, needs_values: w.needs_values }
}

/// Makes a plan. Makes no provider call when state is empty and no data source can be read.
///
/// With state, the stack is first checked from its configuration alone ([`check`]), so bad
/// input stops before providers are configured and before refresh: zero API calls.
pub async fn plan(
    stack: &Stack,
    registry: &Registry,
    state: Option<&StateFile>,
    variables: BTreeMap<String, Value>,
    opts: &PlanOptions,
) -> Result<(Plan, Diags), Diags> {
    let has_state = state.is_some_and(|s| !s.resources.is_empty());
    if has_state && !opts.destroy {
        // Warnings come from the real walk below.
        let early: Diags =
            check(stack, registry, &variables).await.diags.into_iter().filter(|d| d.is_error()).collect();
        if !early.is_empty() {
            return Err(early);
        }
    }
    // Providers are configured only when something will talk to them; a fresh stack needs no
    // provider call at all.
    if let Some(s) = state.filter(|_| has_state) {
        configure_providers(stack, registry, &variables, Some(s), &s.lineage).await?;
    }
    let refreshed = match (state, has_state && !opts.skip_refresh) {
        (Some(s), true) => refresh(registry, s).await?,
        (Some(s), false) => recorded(s),
        (None, _) => BTreeMap::new(),
    };
    let mut w = walk::walk(stack, registry, state, &refreshed, &variables, opts).await;
    let mut diags = std::mem::take(&mut w.diags);
    diags.append(&mut w.needs_values);
    let mut changes = w.changes;
    if let Some(s) = state {
        changes.extend(orphans::orphans(stack, registry, s, &refreshed, &w.seen_addrs));
        changes.extend(orphans::deposed(registry, s));
    }
    validate::cross_resource_checks(stack, registry, &changes, &w.configs, &mut diags);
    guards::mark_high_impact(registry, &mut changes);
    targeting::apply_targeting(stack, &mut changes, opts, &mut diags);
    guards::check_prevent_destroy(stack, &changes, &mut diags);
    if has_errors(&diags) {
        return Err(diags);
    }
    let cost = cost::estimate(&changes, registry, &providers::provider_configs(stack, registry, &variables));

    let mut outputs = w.outputs;
    // Outputs come out of the walk in graph order; people read them by name.
    outputs.sort_by(|a, b| a.name.cmp(&b.name));
    let interrupted = state
        .map(|s| s.journal.iter().filter(|j| j.operation == Operation::Create).map(|j| j.address.clone()).collect())
        .unwrap_or_default();
    let plan = Plan {
        format_version: PLAN_FORMAT_VERSION,
        tether_version: env!("CARGO_PKG_VERSION").to_string(),
        lineage: state.map(|s| s.lineage.clone()),
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

/// What state records, as if just refreshed (`plan --refresh=false`).
fn recorded(state: &StateFile) -> BTreeMap<InstanceAddr, Option<Value>> {
    state
        .resources
        .iter()
        .filter(|r| !r.deposed)
        .map(|r| (r.address.clone(), Some(Value::from_json(&r.attributes))))
        .collect()
}
