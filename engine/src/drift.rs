//! Drift: what changed outside tether since the last apply. Read-only by construction: it
//! configures providers, makes one batched read per type (as a plan's refresh does) and asks
//! each provider for the objects carrying this stack's ownership tag. It never calls a
//! mutating API and never writes state; [`accept`] is the separate, locked step that records
//! what was found.
//!
//! What counts as drift is what a user could have set: required and optional attributes and
//! nested blocks. Computed-only attributes (status, timestamps, `tags_all`) change on their own
//! and are not drift; attributes the schema marks externally owned (an autoscaler's) and those
//! the stack names in `ignore_changes` are not drift either.

use std::collections::BTreeMap;

use serde::Serialize;
use tether_sdk::{AttrPath, Block, Nesting, OwnedObject, Value};
use tether_state::{ResourceState, StateFile};

use crate::addrs::InstanceAddr;
use crate::config::Mode;
use crate::diag::{has_errors, Diag, Diags};
use crate::plan::{configure_providers, prior_with_marks, refresh};
use crate::registry::Registry;
use crate::stack::Stack;

/// Everything `tether drift` found.
#[derive(Clone, Debug, Serialize)]
pub struct DriftReport {
    pub lineage: String,
    /// The state serial the report was made against; [`accept`] refuses a state that moved on.
    pub serial: u64,
    /// Resources in state that were checked.
    pub checked: usize,
    /// Resources changed or deleted outside tether, in state order.
    pub resources: Vec<ResourceDrift>,
    /// Objects carrying this stack's ownership tag that state does not record.
    pub unmanaged: Vec<OwnedObject>,
}

impl DriftReport {
    pub fn has_drift(&self) -> bool {
        !self.resources.is_empty() || !self.unmanaged.is_empty()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DriftStatus {
    /// Exists, with attributes that differ from what state records.
    Changed,
    /// Gone: deleted outside tether.
    Deleted,
}

#[derive(Clone, Debug, Serialize)]
pub struct ResourceDrift {
    pub address: InstanceAddr,
    #[serde(rename = "type")]
    pub type_name: String,
    pub id: String,
    pub status: DriftStatus,
    /// The attributes that differ (empty for a deleted object).
    pub attributes: Vec<AttributeDrift>,
    /// The object as it is now, to record on `--accept`.
    #[serde(skip)]
    pub actual: Option<Value>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AttributeDrift {
    /// Dotted path, e.g. `labels.workload` or `ingress`.
    pub path: String,
    /// As state records it (sensitive values keep their mark; renderers hide them).
    pub recorded: Value,
    /// As it is now.
    pub actual: Value,
}

/// Reads what state records and compares. The stack supplies provider settings and each
/// resource's `ignore_changes`; resources no longer in the stack are still checked.
pub async fn detect(
    stack: &Stack,
    registry: &Registry,
    state: &StateFile,
    variables: &BTreeMap<String, Value>,
) -> Result<DriftReport, Diags> {
    configure_providers(stack, registry, variables, Some(state), &state.lineage).await?;
    let refreshed = refresh(registry, state).await?;

    let mut resources = Vec::new();
    let mut checked = 0;
    for r in state.resources.iter().filter(|r| r.mode == Mode::Managed && !r.deposed) {
        checked += 1;
        match refreshed.get(&r.address).cloned().flatten() {
            None => resources.push(ResourceDrift {
                address: r.address.clone(),
                type_name: r.type_name.clone(),
                id: r.id.clone(),
                status: DriftStatus::Deleted,
                attributes: Vec::new(),
                actual: None,
            }),
            Some(actual) => {
                let attributes = compare(stack, registry, r, &actual);
                if !attributes.is_empty() {
                    resources.push(ResourceDrift {
                        address: r.address.clone(),
                        type_name: r.type_name.clone(),
                        id: r.id.clone(),
                        status: DriftStatus::Changed,
                        attributes,
                        actual: Some(actual),
                    });
                }
            }
        }
    }

    let mut diags = Diags::new();
    let mut unmanaged = Vec::new();
    let mut providers: Vec<&str> = state.resources.iter().map(|r| crate::graph::provider_of(&r.type_name)).collect();
    providers.extend(stack.config.resources.iter().map(|r| crate::graph::provider_of(&r.type_name)));
    providers.sort_unstable();
    providers.dedup();
    for name in providers {
        let Some(provider) = registry.get(name) else { continue };
        let found = provider.list_owned(&state.lineage).await;
        diags.extend(found.diagnostics.into_iter().map(|d| Diag::from_provider(d, None)));
        // The address comes from a tag on the cloud object: text that may name anything.
        unmanaged.extend(found.objects.into_iter().filter(|o| {
            let tagged = InstanceAddr::parse(&o.address).ok();
            !state
                .resources
                .iter()
                .any(|r| r.id == o.id && r.type_name == o.type_name || tagged.as_ref() == Some(&r.address))
        }));
    }
    if has_errors(&diags) {
        return Err(diags);
    }
    unmanaged.sort();
    Ok(DriftReport { lineage: state.lineage.clone(), serial: state.serial, checked, resources, unmanaged })
}

/// The attributes of `r` that differ between state and `actual`, leaves first.
fn compare(stack: &Stack, registry: &Registry, r: &ResourceState, actual: &Value) -> Vec<AttributeDrift> {
    let Some(schema) = registry.schema(Mode::Managed, &r.type_name) else { return Vec::new() };
    let declared = stack.config.resource(&r.address.resource).cloned();
    if declared.as_ref().is_some_and(|d| d.lifecycle.ignore_all) {
        return Vec::new();
    }
    let mut recorded = prior_with_marks(Value::from_json(&r.attributes), Some(r), registry, &r.type_name);
    let mut actual = prior_with_marks(actual.clone(), Some(r), registry, &r.type_name);
    // Neither the autoscaler's fields nor those the stack gave away are drift.
    let mut ignored = Vec::new();
    externally_owned(&schema.block, &AttrPath::root(), &mut ignored);
    if let Some(d) = &declared {
        ignored.extend(d.lifecycle.ignore_changes.iter().map(|p| p.value.clone()));
    }
    for path in ignored {
        for v in [&mut recorded, &mut actual] {
            let path = crate::plan::expand::single_block_path(v, &path);
            if v.get_path(&path).is_some() {
                v.set_path(&path, Value::Null);
            }
        }
    }
    let mut out = Vec::new();
    let user_set = schema.block.attributes.iter().filter(|(_, a)| a.required || a.optional).map(|(n, _)| n);
    for name in user_set.chain(schema.block.blocks.keys()) {
        let path = AttrPath::root().join_attr(name.clone());
        let (b, a) = (recorded.get(name).unwrap_or(&Value::Null), actual.get(name).unwrap_or(&Value::Null));
        diff_leaves(&path, b, a, &mut out);
    }
    out
}

/// Paths of externally owned attributes, through single nested blocks.
fn externally_owned(block: &Block, at: &AttrPath, out: &mut Vec<AttrPath>) {
    for (name, a) in &block.attributes {
        if a.externally_owned {
            out.push(at.join_attr(name.clone()));
        }
    }
    for (name, b) in &block.blocks {
        if b.nesting == Nesting::Single {
            externally_owned(&b.block, &at.join_attr(name.clone()), out);
        }
    }
}

/// Maps are compared key by key (so `tags.Team` is reported, not all of `tags`); anything else
/// whole. An empty map and null are the same (AWS returns no tags as either).
fn diff_leaves(path: &AttrPath, before: &Value, after: &Value, out: &mut Vec<AttributeDrift>) {
    let empty = BTreeMap::new();
    let as_map = |v: &Value| match v.peel() {
        Value::Map(m) => Some(m.clone()),
        Value::Null => Some(empty.clone()),
        _ => None,
    };
    if let (Some(b), Some(a)) = (as_map(before), as_map(after)) {
        if matches!(before.peel(), Value::Map(_)) || matches!(after.peel(), Value::Map(_)) {
            let keys: std::collections::BTreeSet<&String> = b.keys().chain(a.keys()).collect();
            for k in keys {
                let (bv, av) = (b.get(k).unwrap_or(&Value::Null), a.get(k).unwrap_or(&Value::Null));
                diff_leaves(&path.join_attr(k.clone()), bv, av, out);
            }
            return;
        }
    }
    if before.unmark_deep() != after.unmark_deep() {
        out.push(AttributeDrift { path: path.to_string(), recorded: before.clone(), actual: after.clone() });
    }
}

/// Records what `report` found into `state`: changed objects as they are now, deleted ones
/// removed. Unmanaged objects are left alone (import them to manage them). Returns how many
/// resources were updated and removed. The caller holds the lock and writes the state.
pub fn accept(state: &mut StateFile, report: &DriftReport) -> Result<(usize, usize), Diag> {
    if state.serial != report.serial || state.lineage != report.lineage {
        return Err(Diag::error("the state changed while drift was being detected")
            .code("drift::state-moved")
            .help("run tether drift again and review what it finds"));
    }
    let (mut updated, mut removed) = (0, 0);
    for d in &report.resources {
        match (&d.status, &d.actual) {
            (DriftStatus::Changed, Some(actual)) => {
                if let Some(r) = state.resources.iter_mut().find(|r| r.address == d.address && !r.deposed) {
                    let paths: Vec<String> = actual.sensitive_paths().iter().map(ToString::to_string).collect();
                    r.attributes = actual.unmark_deep().to_json();
                    if !paths.is_empty() {
                        r.sensitive_paths = paths;
                    }
                    updated += 1;
                }
            }
            _ => {
                let before = state.resources.len();
                state.resources.retain(|r| r.address != d.address || r.deposed);
                removed += before - state.resources.len();
            }
        }
    }
    Ok((updated, removed))
}
