//! The machine-readable plan (`plan --format json`, `show PLANFILE --format json`), documented in
//! docs/plan-json.md.

use serde_json::json;
use tether_addrs::InstanceKey;
use tether_engine::plan::{Action, Plan};
use tether_sdk::{AttrPath, PathStep, Value};

use crate::cost;
use crate::value::{mask, redacted};

/// The machine-readable plan. Its schema is documented in docs/plan-json.md; fields are only ever
/// added, never renamed or removed, within a `format_version`.
pub fn plan_json(plan: &Plan) -> serde_json::Value {
    let resource_changes: Vec<serde_json::Value> = plan
        .changes
        .iter()
        .map(|c| {
            let key = match &c.address.key {
                InstanceKey::None => serde_json::Value::Null,
                InstanceKey::Int(i) => json!(i),
                InstanceKey::Str(s) => json!(s),
            };
            json!({
                "address": c.address,
                "mode": c.mode,
                "type": c.type_name,
                "name": c.name,
                "index": key,
                "provider": c.provider,
                "change": {
                    "actions": actions(c.action),
                    "before": redacted(c.before.as_ref()),
                    "after": redacted(c.after.as_ref()),
                    "after_unknown": mask(c.after.as_ref(), &|v| matches!(v, Value::Unknown)),
                    "before_sensitive": mask(c.before.as_ref(), &|v| matches!(v, Value::Sensitive(_))),
                    "after_sensitive": mask(c.after.as_ref(), &|v| matches!(v, Value::Sensitive(_))),
                    "replace_paths": c.requires_replace.iter().map(path_json).collect::<Vec<_>>(),
                },
                "action_reason": c.reason,
                "high_impact": c.high_impact.is_some(),
                "high_impact_reason": c.high_impact,
                "depends_on": c.dependencies,
            })
        })
        .collect();
    let output_changes: serde_json::Map<String, serde_json::Value> = plan
        .outputs
        .iter()
        .map(|o| {
            let hide = |v: Option<&Value>| if o.sensitive { serde_json::Value::Null } else { redacted(v) };
            (
                o.name.clone(),
                json!({
                    "actions": actions(o.action),
                    "before": hide(o.before.as_ref()),
                    "after": hide(o.after.as_ref()),
                    "after_unknown": mask(o.after.as_ref(), &|v| matches!(v, Value::Unknown)),
                    "sensitive": o.sensitive,
                }),
            )
        })
        .collect();
    let (add, change, destroy) = plan.counts();
    json!({
        "format_version": "1.0",
        "tether_version": plan.tether_version,
        "lineage": plan.lineage,
        "serial": plan.serial,
        "stack_hash": plan.stack_hash,
        "destroy": plan.destroy,
        "variables": plan.variables.iter().map(|(k, v)| (k.clone(), json!({ "value": redacted(Some(v)), "sensitive": v.contains_sensitive() }))).collect::<serde_json::Map<_, _>>(),
        "resource_changes": resource_changes,
        "output_changes": output_changes,
        "summary": { "add": add, "change": change, "destroy": destroy, "has_changes": plan.has_changes() },
        "high_impact": plan.changes.iter().filter(|c| c.high_impact.is_some()).map(|c| &c.address).collect::<Vec<_>>(),
        "targets": plan.targets,
        "excludes": plan.excludes,
        "cost": plan.cost.as_ref().map(cost::cost_json),
    })
}

fn actions(a: Action) -> Vec<&'static str> {
    match a {
        Action::NoOp => vec!["no-op"],
        Action::Create => vec!["create"],
        Action::Update => vec!["update"],
        Action::DeleteThenCreate => vec!["delete", "create"],
        Action::CreateThenDelete => vec!["create", "delete"],
        Action::Delete => vec!["delete"],
        Action::Read => vec!["read"],
    }
}

fn path_json(p: &AttrPath) -> serde_json::Value {
    serde_json::Value::Array(
        p.0.iter()
            .map(|s| match s {
                PathStep::Attr(a) | PathStep::Key(a) => json!(a),
                PathStep::Index(i) => json!(i),
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata;

    #[test]
    fn every_kind_of_change() {
        insta::assert_snapshot!(crate::json_text(&plan_json(&testdata::plan())));
    }

    #[test]
    fn secrets_are_null_with_a_mask() {
        let text = crate::json_text(&plan_json(&testdata::plan()));
        for secret in ["hunter2", "correct horse", "s3cr3t"] {
            assert!(!text.contains(secret), "{secret} in\n{text}");
        }
    }
}
