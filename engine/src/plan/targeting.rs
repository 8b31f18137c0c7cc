//! `--target` and `--exclude`: the changes outside the selection become no-ops.

use std::collections::BTreeSet;

use super::model::{Action, PlanOptions, ResourceChange};
use crate::addrs::Target;
use crate::config::ResourceAddr;
use crate::diag::{Diag, Diags};
use crate::stack::Stack;

/// Applies `--target` (the targets and everything they depend on) and `--exclude` (the excluded
/// resources and everything that depends on them) by turning other changes into no-ops.
pub(super) fn apply_targeting(stack: &Stack, changes: &mut [ResourceChange], opts: &PlanOptions, diags: &mut Diags) {
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
