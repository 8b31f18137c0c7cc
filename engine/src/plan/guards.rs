//! Guards on what a plan may do: high-impact changes are marked (apply then needs
//! `--allow-replace`), and `prevent_destroy` stops a plan that would destroy what it protects.

use super::model::{Action, ResourceChange};
use crate::config::Mode;
use crate::diag::{Diag, Diags};
use crate::registry::Registry;
use crate::stack::Stack;

/// Marks deletions and replacements of the types whose schema calls them high impact.
pub(super) fn mark_high_impact(registry: &Registry, changes: &mut [ResourceChange]) {
    for c in changes.iter_mut().filter(|c| c.mode == Mode::Managed && c.removes_object()) {
        c.high_impact = registry.schema(Mode::Managed, &c.type_name).and_then(|s| s.high_impact.clone());
    }
}

pub(super) fn check_prevent_destroy(stack: &Stack, changes: &[ResourceChange], diags: &mut Diags) {
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
