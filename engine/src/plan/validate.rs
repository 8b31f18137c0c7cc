//! The whole-stack checks: every planned instance handed to every provider's `validate_plan`,
//! with what comes back labelled at the attributes it names.

use std::collections::BTreeMap;

use tether_sdk::{AttrPath, Value};

use super::model::{Action, ResourceChange};
use crate::addrs::{InstanceAddr, InstanceKey};
use crate::config::{Mode, ResourceAddr, ResourceBlock};
use crate::diag::{Diag, Diags};
use crate::registry::Registry;
use crate::stack::Stack;

/// Hands every planned instance of the stack (all providers, managed resources and data
/// sources) to every provider for checks that span resources, and labels what comes back at
/// the attributes it names: the primary one and any related ones (the other side of an
/// overlap).
pub(super) fn cross_resource_checks(
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
