//! What state holds that the stack no longer makes: instances whose block or key is gone, and
//! the deposed objects an interrupted create_before_destroy left behind. Both are deleted.

use std::collections::{BTreeMap, BTreeSet};

use tether_sdk::Value;
use tether_state::{ResourceState, StateFile};

use super::model::{Action, ResourceChange};
use super::walk::prior_with_marks;
use crate::addrs::{InstanceAddr, Mode};
use crate::registry::Registry;
use crate::stack::Stack;

/// A delete of `r`, as state records it (or as refreshed, when it was).
fn delete_of(r: &ResourceState, before: Value, registry: &Registry, reason: String) -> ResourceChange {
    ResourceChange {
        address: r.address.clone(),
        mode: r.mode,
        type_name: r.type_name.clone(),
        name: r.address.resource.name.clone(),
        provider: r.provider.clone(),
        action: Action::Delete,
        before: Some(prior_with_marks(before, Some(r), registry, &r.type_name)),
        after: None,
        requires_replace: Vec::new(),
        reason: Some(reason),
        dependencies: r.dependencies.clone(),
        create_before_destroy: r.deposed,
        prevent_destroy: false,
        high_impact: None,
        deposed: r.deposed,
    }
}

/// Deletes for the managed instances in state that the walk did not reach (`seen`).
pub(super) fn orphans(
    stack: &Stack,
    registry: &Registry,
    state: &StateFile,
    refreshed: &BTreeMap<InstanceAddr, Option<Value>>,
    seen: &BTreeSet<InstanceAddr>,
) -> Vec<ResourceChange> {
    let mut out = Vec::new();
    for r in state.resources.iter().filter(|r| r.mode == Mode::Managed && !r.deposed && !seen.contains(&r.address)) {
        // An orphan already deleted outside tether is still "deleted", which removes it from state.
        let before = refreshed.get(&r.address).cloned().flatten().unwrap_or_else(|| Value::from_json(&r.attributes));
        let declared = stack.config.resource(&r.address.resource);
        let reason = if declared.is_some() {
            "its instance key is no longer in count/for_each"
        } else {
            "it is not in the configuration"
        };
        let mut change = delete_of(r, before, registry, reason.to_string());
        change.prevent_destroy = declared.is_some_and(|d| d.lifecycle.prevent_destroy);
        out.push(change);
    }
    out
}

/// Deletes for the deposed objects in state.
pub(super) fn deposed(registry: &Registry, state: &StateFile) -> Vec<ResourceChange> {
    state
        .resources
        .iter()
        .filter(|r| r.deposed)
        .map(|r| {
            let reason = "deposed: the old object of an interrupted replacement".to_string();
            delete_of(r, Value::from_json(&r.attributes), registry, reason)
        })
        .collect()
}
