//! Checks across EC2 resources, on the whole planned stack, before any API call.

use std::collections::BTreeMap;

use tether_sdk::{AttrPath, Diagnostic, PlannedResource, Value};

const RULE_TYPES: [&str; 2] = ["aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"];

pub fn validate_plan(resources: &[PlannedResource]) -> Vec<Diagnostic> {
    mixed_security_group_rules(resources)
}

/// The config address of an instance address: `aws_security_group.x["a"]` -> `aws_security_group.x`.
fn config_address(address: &str) -> &str {
    address.split('[').next().unwrap_or(address)
}

/// A group whose rules are written inline (`ingress`/`egress` blocks) must not also be the
/// target of standalone rule resources: the two owners would undo each other on every apply
/// and the plan would never settle.
fn mixed_security_group_rules(resources: &[PlannedResource]) -> Vec<Diagnostic> {
    let has_inline = |v: &Value, direction: &str| match v.get(direction) {
        Some(Value::List(items)) => !items.is_empty(),
        Some(Value::Unknown) => true,
        _ => false,
    };
    let mut out = Vec::new();
    for (rule_type, direction) in RULE_TYPES.iter().zip(["ingress", "egress"]) {
        // Groups whose rules in this direction are inline, by config address and by known ID.
        let mut by_addr: BTreeMap<&str, &str> = BTreeMap::new();
        let mut by_id: BTreeMap<&str, &str> = BTreeMap::new();
        for g in resources.iter().filter(|r| r.type_name == "aws_security_group" && has_inline(&r.value, direction)) {
            by_addr.insert(config_address(&g.address), g.address.as_str());
            if let Some(id) = g.value.get("id").and_then(Value::as_str) {
                by_id.insert(id, g.address.as_str());
            }
        }
        out.extend(mixed_rules(resources, rule_type, direction, &by_addr, &by_id));
    }
    out
}

fn mixed_rules(
    resources: &[PlannedResource],
    rule_type: &str,
    direction: &str,
    by_addr: &BTreeMap<&str, &str>,
    by_id: &BTreeMap<&str, &str>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for rule in resources.iter().filter(|r| r.type_name == rule_type) {
        let via_ref = rule
            .references
            .get("security_group_id")
            .into_iter()
            .flatten()
            .find_map(|a| by_addr.get(a.as_str()).copied());
        let via_id = rule.value.get("security_group_id").and_then(Value::as_str).and_then(|id| by_id.get(id).copied());
        if let Some(group) = via_ref.or(via_id) {
            out.push(
                Diagnostic::error(format!(
                    "{} adds an {direction} rule to {group}, which also declares inline {direction} rules",
                    rule.address
                ))
                .code("aws::security-group-mixed-rules")
                .address(&rule.address)
                .attribute(AttrPath::attr("security_group_id"))
                .help(format!(
                    "give each group one owner for its rules: move {group}'s inline {direction} blocks into \
                     standalone rule resources, or this rule into its inline blocks"
                )),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(address: &str, type_name: &str, value: Value, refs: &[(&str, &str)]) -> PlannedResource {
        PlannedResource {
            address: address.into(),
            type_name: type_name.into(),
            value,
            references: refs.iter().map(|(k, v)| (k.to_string(), vec![v.to_string()])).collect(),
        }
    }

    #[test]
    fn a_rule_on_a_group_with_inline_rules_is_an_error() {
        let inline = Value::map([
            ("id", Value::Unknown),
            ("ingress", Value::List(vec![Value::map([("from_port", Value::int(443))])])),
        ]);
        let rule = planned(
            "aws_vpc_security_group_ingress_rule.api",
            "aws_vpc_security_group_ingress_rule",
            Value::map([("security_group_id", Value::Unknown)]),
            &[("security_group_id", "aws_security_group.nodes")],
        );
        let diags =
            validate_plan(&[planned("aws_security_group.nodes", "aws_security_group", inline, &[]), rule.clone()]);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code.as_deref(), Some("aws::security-group-mixed-rules"));
        assert_eq!(diags[0].attribute, Some(AttrPath::attr("security_group_id")));

        let no_inline = Value::map([("id", Value::Unknown)]);
        assert!(validate_plan(&[planned("aws_security_group.nodes", "aws_security_group", no_inline, &[]), rule])
            .is_empty());
    }
}
