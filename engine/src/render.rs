//! Rendering plans and diagnostics for people (human) and machines (JSON).
//!
//! Rendering is separate from computing: everything here takes a finished `Plan` or diagnostics
//! and returns a string. Sensitive values never reach the output: they print as `(sensitive
//! value)` for people and as `null` with a `*_sensitive` mask in JSON.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::json;
use tether_sdk::{AttrPath, CostEstimate, PathStep, Usd, Value};

use crate::diag::{Diag, SourceMap};
use crate::plan::{Action, OutputChange, Plan, ResourceChange};
use crate::plan::{CostReport, CostTotal, ResourceCost};

/// ANSI colours, or none.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn green(&self, s: &str) -> String {
        self.paint("32", s)
    }
    fn red(&self, s: &str) -> String {
        self.paint("31", s)
    }
    fn yellow(&self, s: &str) -> String {
        self.paint("33", s)
    }
    fn cyan(&self, s: &str) -> String {
        self.paint("36", s)
    }
    pub fn bold(&self, s: impl std::fmt::Display) -> String {
        self.paint("1", &s.to_string())
    }

    fn glyph(&self, action: Action) -> String {
        let g = action.glyph();
        match action {
            Action::Create => self.green(g),
            Action::Delete => self.red(g),
            Action::Update => self.yellow(g),
            Action::DeleteThenCreate | Action::CreateThenDelete => self.yellow(g),
            Action::Read => self.cyan(g),
            Action::NoOp => g.to_string(),
        }
    }
}

const SENSITIVE: &str = "(sensitive value)";
const UNKNOWN: &str = "(known after apply)";

/// The plan as people review it.
pub fn plan_human(plan: &Plan, style: Style) -> String {
    let mut out = String::new();
    for addr in &plan.interrupted {
        let _ = writeln!(
            out,
            "Note: a previous apply was interrupted while creating {addr}; this run adopts what it created.\n"
        );
    }
    let changed: Vec<&ResourceChange> = plan.changes.iter().filter(|c| c.action != Action::NoOp).collect();
    let output_changes: Vec<&OutputChange> = plan.outputs.iter().filter(|o| o.action != Action::NoOp).collect();
    if changed.is_empty() && output_changes.is_empty() {
        out.push_str("No changes. The stack matches the recorded state and the real objects.\n");
        if let Some(cost) = plan.cost.as_ref().filter(|c| !c.is_empty()) {
            let _ = writeln!(out, "\n{} {}, unchanged.", style.bold("Cost:"), total(&cost.after));
        }
        return out;
    }
    if !changed.is_empty() {
        let present: BTreeSet<Action> = changed.iter().map(|c| c.action).collect();
        out.push_str("Resource actions are indicated with the following symbols:\n");
        for a in [
            Action::Create,
            Action::Update,
            Action::DeleteThenCreate,
            Action::CreateThenDelete,
            Action::Delete,
            Action::Read,
        ] {
            if present.contains(&a) {
                let what = match a {
                    Action::Create => "create",
                    Action::Update => "update in-place",
                    Action::DeleteThenCreate => "destroy and then create replacement",
                    Action::CreateThenDelete => "create replacement and then destroy",
                    Action::Delete => "destroy",
                    Action::Read => "read (data resources)",
                    Action::NoOp => "",
                };
                let _ = writeln!(out, "  {} {what}", style.glyph(a));
            }
        }
        high_impact_human(&mut out, &changed, style);
        out.push_str("\ntether will perform the following actions:\n");
        // High-impact changes first: they are what a reviewer must not miss.
        let (high, rest): (Vec<&ResourceChange>, Vec<&ResourceChange>) =
            changed.iter().partition(|c| c.high_impact.is_some());
        for c in high.iter().chain(&rest) {
            out.push('\n');
            resource_human(&mut out, c, style);
        }
        let (add, change, destroy) = plan.counts();
        let _ = writeln!(out, "\n{} {add} to add, {change} to change, {destroy} to destroy.", style.bold("Plan:"));
        if let Some(cost) = plan.cost.as_ref().filter(|c| !c.is_empty()) {
            cost_summary(&mut out, cost, style);
        }
    }
    if !output_changes.is_empty() {
        out.push_str("\nChanges to Outputs:\n");
        for o in output_changes {
            let line = match o.action {
                Action::Create => {
                    format!("  {} {} = {}", style.glyph(Action::Create), o.name, show(o.after.as_ref(), o.sensitive))
                }
                Action::Delete => format!(
                    "  {} {} = {} -> null",
                    style.glyph(Action::Delete),
                    o.name,
                    show(o.before.as_ref(), o.sensitive)
                ),
                _ => format!(
                    "  {} {} = {} -> {}",
                    style.glyph(Action::Update),
                    o.name,
                    show(o.before.as_ref(), o.sensitive),
                    show(o.after.as_ref(), o.sensitive)
                ),
            };
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Cost

/// A total as people read it: `$179,715.20 per month`, or with what it leaves out:
/// `$73.00 per month, without aws_eks_node_group.big (amount unknown)`.
pub(crate) fn total(t: &CostTotal) -> String {
    format!("{} per month{}", t.monthly.display(), without(t))
}

/// `, without a, b (amounts unknown)` for a total with missing amounts; empty otherwise.
pub(crate) fn without(t: &CostTotal) -> String {
    match t.unknown.len() {
        0 => String::new(),
        1 => format!(", without {} (amount unknown)", t.unknown[0]),
        _ => format!(
            ", without {} (amounts unknown)",
            t.unknown.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// One side of a resource's cost: the amount, or why there is none (the first item's note).
pub(crate) fn amount(a: Option<Usd>, estimate: Option<&CostEstimate>) -> String {
    match a {
        Some(a) => a.display(),
        None => estimate
            .and_then(|e| e.items.iter().find(|i| i.monthly.is_none()))
            .and_then(|i| i.note.clone())
            .unwrap_or_else(|| tether_sdk::cost::UNKNOWN_UNTIL_APPLY.to_string()),
    }
}

/// The short cost section of a plan: totals before -> after, the difference, and one line per
/// changed resource that has a price.
fn cost_summary(out: &mut String, cost: &CostReport, style: Style) {
    let _ = writeln!(
        out,
        "\n{} {} -> {} per month ({}){}",
        style.bold("Cost:"),
        cost.before.monthly.display(),
        cost.after.monthly.display(),
        cost.delta.monthly.display_delta(),
        without(&cost.delta)
    );
    let changed: Vec<&ResourceCost> = cost.changed().collect();
    let width = changed.iter().map(|r| r.address.to_string().len()).max().unwrap_or(0);
    for r in changed {
        let what = match r.action {
            Action::Create => amount(r.after_monthly, r.after.as_ref()),
            Action::Delete => format!("{} -> $0.00", amount(r.before_monthly, r.before.as_ref())),
            _ => format!(
                "{} -> {}",
                amount(r.before_monthly, r.before.as_ref()),
                amount(r.after_monthly, r.after.as_ref())
            ),
        };
        let delta = match r.action {
            Action::Create | Action::Delete => None,
            _ => r.delta_monthly.map(|d| format!(" ({})", d.display_delta())),
        };
        let _ = writeln!(out, "  {} {:width$}  {what}{}", style.glyph(r.action), r.address, delta.unwrap_or_default());
    }
    out.push_str("Estimated from list prices; `tether cost` shows line items and price sources.\n");
}

/// The cost of the stack as planned, for `tether cost`: line items per resource, totals, the
/// difference against state, and where every price comes from.
pub fn cost_human(cost: &CostReport, style: Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Monthly cost of the stack as planned ({}, {} hours a month):",
        cost.currency, cost.hours_per_month
    );
    if cost.is_empty() {
        out.push_str("\nNo resource in the stack has a price.\n");
        return out;
    }
    for r in cost.resources.iter().filter(|r| r.after.is_some()) {
        let Some(estimate) = &r.after else { continue };
        let note = match r.action {
            Action::NoOp => String::new(),
            Action::Create => " (to be created)".to_string(),
            Action::Update => " (to be updated)".to_string(),
            _ => " (to be replaced)".to_string(),
        };
        let _ = writeln!(out, "\n{}{note}", style.bold(&r.address));
        for item in &estimate.items {
            let qty = match item.quantity {
                Some(q) => format!("{} {}", tether_sdk::cost::group_thousands(q), plural(&item.unit, q)),
                None => format!("? {}", plural(&item.unit, 2)),
            };
            let unit_price = match (item.hourly_price, item.monthly_unit_price) {
                (Some(h), Some(m)) => format!(" x {}/hour ({}/month)", h.display(), m.display()),
                _ => String::new(),
            };
            let value = match (item.monthly, &item.note) {
                (Some(m), _) => m.display(),
                (None, Some(n)) => n.clone(),
                (None, None) => tether_sdk::cost::UNKNOWN_UNTIL_APPLY.to_string(),
            };
            let _ = writeln!(out, "  {}: {qty}{unit_price} = {value}", item.description);
        }
    }
    let gone: Vec<&ResourceCost> = cost.resources.iter().filter(|r| r.after.is_none()).collect();
    if !gone.is_empty() {
        out.push_str("\nTo be destroyed:\n");
        for r in gone {
            let _ = writeln!(out, "  {}  {} -> $0.00", r.address, amount(r.before_monthly, r.before.as_ref()));
        }
    }
    let _ = writeln!(out, "\n{} {}", style.bold("Total:"), total(&cost.after));
    let _ = writeln!(
        out,
        "Against state: {} per month now, {}{}",
        cost.before.monthly.display(),
        cost.delta.monthly.display_delta(),
        without(&cost.delta)
    );
    if !cost.sources.is_empty() {
        out.push_str("\nPrices:\n");
        for s in &cost.sources {
            let _ = writeln!(out, "  {}", s.describe());
        }
    }
    out
}

/// `instance` -> `instances`, `IP address` -> `IP addresses` (for counts other than one).
fn plural(unit: &str, n: i64) -> String {
    if n == 1 {
        unit.to_string()
    } else if unit.ends_with('s') {
        format!("{unit}es")
    } else {
        format!("{unit}s")
    }
}

fn show(v: Option<&Value>, sensitive: bool) -> String {
    match v {
        _ if sensitive => SENSITIVE.to_string(),
        Some(v) => scalar(v),
        None => "null".to_string(),
    }
}

/// The warning above the details of a plan that replaces or deletes high-impact objects.
fn high_impact_human(out: &mut String, changed: &[&ResourceChange], style: Style) {
    let high: Vec<&&ResourceChange> = changed.iter().filter(|c| c.high_impact.is_some()).collect();
    if high.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n{} this plan replaces or destroys {} high-impact object{}:",
        style.red(&style.bold("Warning:")),
        high.len(),
        if high.len() == 1 { "" } else { "s" }
    );
    for c in &high {
        let what = if c.action == Action::Delete { "destroyed" } else { "replaced" };
        let _ = writeln!(out, "  - {} ({what}): {}", c.address, c.high_impact.as_deref().unwrap_or_default());
    }
    let flags: Vec<String> = high.iter().map(|c| format!("--allow-replace '{}'", c.address)).collect();
    let _ = writeln!(out, "  apply makes these changes only when told to: {}", flags.join(" "));
}

pub(crate) fn resource_human(out: &mut String, c: &ResourceChange, style: Style) {
    let verb = match c.action {
        Action::Create => "will be created".to_string(),
        Action::Update => "will be updated in-place".to_string(),
        Action::DeleteThenCreate => "must be replaced".to_string(),
        Action::CreateThenDelete => "must be replaced (the replacement is created first)".to_string(),
        Action::Delete => "will be destroyed".to_string(),
        Action::Read => "will be read during apply".to_string(),
        Action::NoOp => "has no changes".to_string(),
    };
    let _ = writeln!(out, "  {} {verb}", style.bold(format!("# {}", c.address)));
    if let Some(why) = &c.high_impact {
        let _ = writeln!(out, "  # {}: {why}", style.red("HIGH IMPACT"));
    }
    if let Some(reason) = &c.reason {
        let _ = writeln!(out, "  # (because {reason})");
    }
    let kind = if c.mode == crate::addrs::Mode::Data { "data" } else { "resource" };
    let _ = writeln!(out, "  {} {kind} \"{}\" \"{}\" {{", style.glyph(c.action), c.type_name, c.name);
    let empty = Value::Map(Default::default());
    let (before, after) = match c.action {
        Action::Create | Action::Read => (&empty, c.after.as_ref().unwrap_or(&empty)),
        Action::Delete => (c.before.as_ref().unwrap_or(&empty), &empty),
        _ => (c.before.as_ref().unwrap_or(&empty), c.after.as_ref().unwrap_or(&empty)),
    };
    let mut r = Differ { out, style, replace: &c.requires_replace, action: c.action };
    r.object(before, after, &AttrPath::root(), 6);
    let _ = writeln!(out, "    }}");
}

struct Differ<'a> {
    out: &'a mut String,
    style: Style,
    replace: &'a [AttrPath],
    action: Action,
}

impl Differ<'_> {
    fn object(&mut self, before: &Value, after: &Value, path: &AttrPath, indent: usize) {
        let empty = Default::default();
        let b = before.as_map().unwrap_or(&empty);
        let a = after.as_map().unwrap_or(&empty);
        let keys: BTreeSet<&String> = b.keys().chain(a.keys()).collect();
        let width = keys
            .iter()
            .filter(|k| {
                let (bv, av) = (b.get(**k).unwrap_or(&Value::Null), a.get(**k).unwrap_or(&Value::Null));
                let shown = !(bv.is_null() && av.is_null());
                shown && !is_nested(bv) && !is_nested(av)
            })
            .map(|k| k.len())
            .max()
            .unwrap_or(0);
        let mut hidden = 0;
        for k in keys {
            let bv = b.get(k).unwrap_or(&Value::Null);
            let av = a.get(k).unwrap_or(&Value::Null);
            let p = path.join_attr(k.clone());
            if bv.is_null() && av.is_null() {
                continue;
            }
            let same = bv.is_wholly_known() && av.is_wholly_known() && bv.unmark_deep() == av.unmark_deep();
            let sensitivity_changed =
                bv.contains_sensitive() != av.contains_sensitive() && !bv.is_null() && !av.is_null();
            if same && !sensitivity_changed {
                if k == "id" && self.action != Action::Create && self.action != Action::Delete {
                    let _ = writeln!(self.out, "{}  {:width$} = {}", " ".repeat(indent), k, scalar(av));
                } else if self.action == Action::Delete || self.action == Action::Create {
                    self.attr(k, bv, av, &p, indent, width);
                } else {
                    hidden += 1;
                }
                continue;
            }
            self.attr(k, bv, av, &p, indent, width);
        }
        if hidden > 0 {
            let s = if hidden == 1 { "" } else { "s" };
            let _ = writeln!(self.out, "{}  # ({hidden} unchanged attribute{s} hidden)", " ".repeat(indent));
        }
    }

    fn attr(&mut self, k: &str, bv: &Value, av: &Value, p: &AttrPath, indent: usize, width: usize) {
        let pad = " ".repeat(indent);
        let forces = if self.replace.iter().any(|r| r == p || p.starts_with(r)) {
            format!(" {}", self.style.red("# forces replacement"))
        } else {
            String::new()
        };
        let action = if bv.is_null() {
            Action::Create
        } else if av.is_null() && self.action != Action::Create {
            Action::Delete
        } else if self.action == Action::Create || self.action == Action::Read {
            Action::Create
        } else if self.action == Action::Delete {
            Action::Delete
        } else {
            Action::Update
        };
        let g = self.style.glyph(action);
        // Nested objects and lists of objects are shown field by field.
        if (is_nested(bv) || is_nested(av)) && !bv.contains_sensitive() && !av.contains_sensitive() {
            match (bv.peel(), av.peel()) {
                (Value::List(_) | Value::Null, Value::List(_) | Value::Null) => {
                    let empty = Vec::new();
                    let bl = bv.as_list().map(<[Value]>::to_vec).unwrap_or_default();
                    let al = av.as_list().map(<[Value]>::to_vec).unwrap_or(empty);
                    for i in 0..bl.len().max(al.len()) {
                        let bi = bl.get(i).cloned().unwrap_or(Value::Null);
                        let ai = al.get(i).cloned().unwrap_or(Value::Null);
                        if bi.unmark_deep() == ai.unmark_deep() && self.action == Action::Update {
                            continue;
                        }
                        let ga = if bi.is_null() {
                            Action::Create
                        } else if ai.is_null() {
                            Action::Delete
                        } else {
                            action
                        };
                        let _ = writeln!(self.out, "{pad}{} {k} {{{forces}", self.style.glyph(ga));
                        self.object(&bi, &ai, &p.join_index(i), indent + 4);
                        let _ = writeln!(self.out, "{pad}  }}");
                    }
                    return;
                }
                _ => {
                    let _ = writeln!(self.out, "{pad}{g} {k} = {{{forces}");
                    self.object(bv, av, p, indent + 4);
                    let _ = writeln!(self.out, "{pad}  }}");
                    return;
                }
            }
        }
        if multiline(bv).is_some() || multiline(av).is_some() {
            if let (Some(old), Some(new)) = (text_side(bv), text_side(av)) {
                let _ = writeln!(self.out, "{pad}{g} {k:width$} = <<-EOT{forces}");
                let diff = similar::TextDiff::from_lines(old, new);
                for change in diff.iter_all_changes() {
                    let line = change.value().trim_end_matches('\n');
                    let sign = match change.tag() {
                        similar::ChangeTag::Delete => self.style.red("-"),
                        similar::ChangeTag::Insert => self.style.green("+"),
                        similar::ChangeTag::Equal => " ".to_string(),
                    };
                    let _ = writeln!(self.out, "{pad}    {sign} {line}");
                }
                let _ = writeln!(self.out, "{pad}  EOT");
                return;
            }
        }
        let text = match action {
            Action::Create => scalar(av),
            Action::Delete => format!("{} -> null", scalar(bv)),
            _ => format!("{} -> {}", scalar(bv), scalar(av)),
        };
        let _ = writeln!(self.out, "{pad}{g} {k:width$} = {text}{forces}");
    }
}

/// A plain (non-sensitive) string value spanning lines, shown as a line-by-line diff.
fn multiline(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) if s.contains('\n') => Some(s),
        _ => None,
    }
}

/// The text of a plain string or of nothing, for the other side of a multi-line diff.
fn text_side(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Null => Some(""),
        _ => None,
    }
}

fn is_nested(v: &Value) -> bool {
    match v.peel() {
        Value::Map(_) => true,
        Value::List(items) => !items.is_empty() && items.iter().all(|i| matches!(i.peel(), Value::Map(_))),
        _ => false,
    }
}

/// One value on one line, with sensitive and unknown parts replaced.
pub fn scalar(v: &Value) -> String {
    match v {
        Value::Sensitive(_) => SENSITIVE.to_string(),
        Value::Unknown => UNKNOWN.to_string(),
        other => other.render().replace("(sensitive)", SENSITIVE),
    }
}

// ---------------------------------------------------------------------------------------------
// JSON

/// The machine-readable plan. Its schema is documented in docs/plan-json.md; fields are only ever
/// added, never renamed or removed, within a `format_version`.
pub fn plan_json(plan: &Plan) -> serde_json::Value {
    let resource_changes: Vec<serde_json::Value> = plan
        .changes
        .iter()
        .map(|c| {
            let key = match &c.address.key {
                crate::addrs::InstanceKey::None => serde_json::Value::Null,
                crate::addrs::InstanceKey::Int(i) => json!(i),
                crate::addrs::InstanceKey::Str(s) => json!(s),
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
        "cost": plan.cost.as_ref().map(cost_json),
    })
}

/// The cost report as documented in docs/plan-json.md (also what `tether cost --format json`
/// prints): amounts are exact decimal strings.
pub fn cost_json(cost: &CostReport) -> serde_json::Value {
    serde_json::to_value(cost).unwrap_or(serde_json::Value::Null)
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

/// Plain JSON with unknown and sensitive parts replaced by null.
pub fn redacted(v: Option<&Value>) -> serde_json::Value {
    fn go(v: &Value) -> serde_json::Value {
        match v {
            Value::Sensitive(_) | Value::Unknown => serde_json::Value::Null,
            Value::List(items) => serde_json::Value::Array(items.iter().map(go).collect()),
            Value::Map(m) => serde_json::Value::Object(m.iter().map(|(k, v)| (k.clone(), go(v))).collect()),
            other => other.to_json(),
        }
    }
    v.map(go).unwrap_or(serde_json::Value::Null)
}

/// A structure mirroring `v` with `true` where `pred` holds (Terraform's `after_unknown` shape).
fn mask(v: Option<&Value>, pred: &dyn Fn(&Value) -> bool) -> serde_json::Value {
    fn go(v: &Value, pred: &dyn Fn(&Value) -> bool) -> serde_json::Value {
        if pred(v) {
            return json!(true);
        }
        match v {
            Value::List(items) => serde_json::Value::Array(items.iter().map(|i| go(i, pred)).collect()),
            Value::Map(m) => serde_json::Value::Object(
                m.iter().map(|(k, v)| (k.clone(), go(v, pred))).filter(|(_, v)| v != &json!(false)).collect(),
            ),
            _ => json!(false),
        }
    }
    v.map(|v| go(v, pred)).unwrap_or(json!(false))
}

// ---------------------------------------------------------------------------------------------
// Diagnostics

/// Renders diagnostics with miette: severity, code, summary, a snippet with labels at
/// file:line:column, and help.
pub fn diagnostics_human(diags: &[Diag], sources: &SourceMap, style: Style) -> String {
    let theme = if style.color { miette::GraphicalTheme::unicode() } else { miette::GraphicalTheme::unicode_nocolor() };
    let handler = miette::GraphicalReportHandler::new_themed(theme).with_context_lines(1).with_width(110);
    let mut out = String::new();
    for d in diags {
        let report = MietteDiag::new(d, sources);
        if handler.render_report(&mut out, &report).is_err() {
            let _ = writeln!(out, "{}: {}", severity_word(d), d.summary);
        }
        out.push('\n');
    }
    out
}

fn severity_word(d: &Diag) -> &'static str {
    if d.is_error() {
        "error"
    } else {
        "warning"
    }
}

/// Diagnostics as JSON objects with file/line/column for each label.
pub fn diagnostics_json(diags: &[Diag], sources: &SourceMap) -> serde_json::Value {
    serde_json::Value::Array(
        diags
            .iter()
            .map(|d| {
                let labels: Vec<serde_json::Value> = d
                    .labels
                    .iter()
                    .map(|l| {
                        let start = sources.line_col(l.span.file, l.span.range.start);
                        let end = sources.line_col(l.span.file, l.span.range.end);
                        json!({
                            "file": sources.path(l.span.file).display().to_string(),
                            "start": { "line": start.line, "column": start.column, "byte": l.span.range.start },
                            "end": { "line": end.line, "column": end.column, "byte": l.span.range.end },
                            "message": l.message,
                        })
                    })
                    .collect();
                json!({
                    "severity": severity_word(d),
                    "code": d.code,
                    "summary": d.summary,
                    "detail": d.detail,
                    "help": d.help,
                    "address": d.address,
                    "labels": labels,
                })
            })
            .collect(),
    )
}

/// One line per diagnostic: `path:line:col: error[code]: summary`. Used in progress output and
/// in tests that look for a location.
pub fn diagnostic_line(d: &Diag, sources: &SourceMap) -> String {
    let loc = d.primary_span().map(|s| format!("{}: ", sources.location(s))).unwrap_or_default();
    let code = d.code.as_ref().map(|c| format!("[{c}]")).unwrap_or_default();
    format!("{loc}{}{code}: {}", severity_word(d), d.summary)
}

/// Adapter from `Diag` to miette's `Diagnostic`, with the primary label's file as source.
#[derive(Debug)]
struct MietteDiag {
    message: String,
    code: Option<String>,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<miette::NamedSource<String>>,
    labels: Vec<miette::LabeledSpan>,
}

impl MietteDiag {
    fn new(d: &Diag, sources: &SourceMap) -> MietteDiag {
        let mut help = d.help.clone();
        let mut message = d.summary.clone();
        if let Some(detail) = &d.detail {
            message = format!("{message}\n{detail}");
        }
        let (source, labels) = match d.primary_span() {
            Some(primary) => {
                let file = primary.file;
                let text = sources.file(file).text.to_string();
                let mut labels = Vec::new();
                for (i, l) in d.labels.iter().enumerate() {
                    if l.span.file == file {
                        let len = l.span.range.end.saturating_sub(l.span.range.start);
                        let span = miette::SourceSpan::new(l.span.range.start.min(text.len()).into(), len);
                        labels.push(if i == 0 {
                            miette::LabeledSpan::new_primary_with_span(Some(l.message.clone()), span)
                        } else {
                            miette::LabeledSpan::new_with_span(Some(l.message.clone()), span)
                        });
                    } else {
                        // Labels in other files are listed by location.
                        let extra = format!("{}: {}", sources.location(&l.span), l.message);
                        help = Some(match help {
                            Some(h) => format!("{h}\nsee also {extra}"),
                            None => format!("see also {extra}"),
                        });
                    }
                }
                let name = sources.path(file).display().to_string();
                (Some(miette::NamedSource::new(name, text)), labels)
            }
            None => (None, Vec::new()),
        };
        MietteDiag {
            message,
            code: d.code.clone(),
            severity: if d.is_error() { miette::Severity::Error } else { miette::Severity::Warning },
            help,
            source,
            labels,
        }
    }
}

impl std::fmt::Display for MietteDiag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for MietteDiag {}

impl miette::Diagnostic for MietteDiag {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.code.as_ref().map(|c| Box::new(c) as Box<dyn std::fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
}
