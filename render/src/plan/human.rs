//! The plan as people review it: Terraform's layout, attribute by attribute, with multi-line
//! values diffed line by line and high-impact changes first.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use tether_addrs::Mode;
use tether_engine::plan::{Action, OutputChange, Plan, ResourceChange};
use tether_sdk::{AttrPath, Value};

use crate::cost;
use crate::style::Style;
use crate::value::{scalar, shown};

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
            let _ = writeln!(out, "\n{} {}, unchanged.", style.bold("Cost:"), cost::total(&cost.after));
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
            cost::plan_summary_human(&mut out, cost, style);
        }
    }
    if !output_changes.is_empty() {
        out.push_str("\nChanges to Outputs:\n");
        for o in output_changes {
            let line = match o.action {
                Action::Create => {
                    format!("  {} {} = {}", style.glyph(Action::Create), o.name, shown(o.after.as_ref(), o.sensitive))
                }
                Action::Delete => format!(
                    "  {} {} = {} -> null",
                    style.glyph(Action::Delete),
                    o.name,
                    shown(o.before.as_ref(), o.sensitive)
                ),
                _ => format!(
                    "  {} {} = {} -> {}",
                    style.glyph(Action::Update),
                    o.name,
                    shown(o.before.as_ref(), o.sensitive),
                    shown(o.after.as_ref(), o.sensitive)
                ),
            };
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
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
    let kind = if c.mode == Mode::Data { "data" } else { "resource" };
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

/// After `plan --out FILE`: how to apply exactly what was reviewed.
pub fn saved_human(path: &std::path::Path) -> String {
    format!(
        "\nSaved the plan to {}. To apply exactly this plan, run:\n    tether apply {}\n",
        path.display(),
        path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata;

    #[test]
    fn every_kind_of_change() {
        insta::assert_snapshot!(plan_human(&testdata::plan(), Style::PLAIN));
    }

    #[test]
    fn no_changes_with_cost() {
        insta::assert_snapshot!(plan_human(&testdata::empty_plan(), Style::PLAIN));
    }

    #[test]
    fn colours_only_when_asked() {
        let coloured = plan_human(&testdata::plan(), Style { color: true });
        assert!(coloured.contains("\x1b[32m+\x1b[0m"), "{coloured}");
        assert!(!plan_human(&testdata::plan(), Style::PLAIN).contains('\x1b'));
    }

    #[test]
    fn secrets_never_reach_the_output() {
        let text = plan_human(&testdata::plan(), Style::PLAIN);
        for secret in ["hunter2", "correct horse", "s3cr3t"] {
            assert!(!text.contains(secret), "{secret} in\n{text}");
        }
    }

    #[test]
    fn saved_plan_says_how_to_apply_it() {
        insta::assert_snapshot!(saved_human(std::path::Path::new("out/plan.tfplan")));
    }
}
