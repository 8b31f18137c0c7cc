//! Reports for pull requests and schedules: the Markdown plan (a comment-ready review), and
//! drift reports for people (terminal), machines (JSON) and alerts (Markdown).

use std::fmt::Write as _;

use serde_json::json;

use crate::drift::{DriftReport, DriftStatus};
use crate::plan::CostReport;
use crate::plan::{Action, Plan, ResourceChange};
use crate::render::{amount, redacted, resource_human, scalar, total, without, Style};

/// GitHub refuses comments longer than this many characters.
pub const COMMENT_LIMIT: usize = 65_536;

/// The plan as a pull-request comment: counts by action, high-impact changes first, each
/// resource's attribute diff in a collapsible section, warnings, and any `extra` sections
/// (the cost delta). Kept under [`COMMENT_LIMIT`] by shortening the details, with a note.
pub fn plan_markdown(plan: &Plan) -> String {
    let extra = plan.cost.as_ref().map(cost_section).unwrap_or_default();
    let extra = extra.as_str();
    // Full details, then fewer lines per resource, then none.
    for max_lines in [usize::MAX, 60, 20, 5, 0] {
        let text = plan_markdown_with(plan, extra, max_lines);
        if text.chars().count() <= COMMENT_LIMIT {
            return text;
        }
    }
    // Even the list of addresses is too long: cut it, and say so.
    let text = plan_markdown_with(plan, extra, 0);
    let note =
        "\n\n_…cut to fit GitHub's 65,536-character comment limit; run `tether show PLANFILE` for the whole plan._\n";
    let keep: String = text.chars().take(COMMENT_LIMIT - note.chars().count()).collect();
    keep + note
}

fn plan_markdown_with(plan: &Plan, extra: &str, max_lines: usize) -> String {
    // The marker lets CI find and update its previous comment instead of adding another.
    let mut out = String::from("<!-- tether:plan -->\n## tether plan\n\n");
    let changed: Vec<&ResourceChange> = plan.changes.iter().filter(|c| c.action != Action::NoOp).collect();
    let outputs = plan.outputs.iter().filter(|o| o.action != Action::NoOp).count();
    if changed.is_empty() && outputs == 0 {
        out.push_str("**No changes.** The stack matches the recorded state and the real objects.\n");
        push_warnings(&mut out, plan);
        out.push_str(extra);
        return out;
    }
    let (add, change, destroy) = plan.counts();
    let _ = writeln!(out, "**Plan: {add} to add, {change} to change, {destroy} to destroy.**\n");
    out.push_str("| Action | Resources |\n|---|---|\n");
    for (action, label) in [
        (Action::Create, "create"),
        (Action::Update, "update in place"),
        (Action::DeleteThenCreate, "replace (destroy first)"),
        (Action::CreateThenDelete, "replace (create first)"),
        (Action::Delete, "destroy"),
        (Action::Read, "read"),
    ] {
        let n = changed.iter().filter(|c| c.action == action).count();
        if n > 0 {
            let _ = writeln!(out, "| {} {label} | {n} |", action.glyph());
        }
    }
    if outputs > 0 {
        let _ = writeln!(out, "| outputs changed | {outputs} |");
    }

    let (high, rest): (Vec<&ResourceChange>, Vec<&ResourceChange>) =
        changed.iter().partition(|c| c.high_impact.is_some());
    if !high.is_empty() {
        out.push_str("\n> [!CAUTION]\n> **High impact.** This plan replaces or destroys:\n");
        for c in &high {
            let what = if c.action == Action::Delete { "destroyed" } else { "replaced" };
            let _ = writeln!(out, "> - `{}` ({what}): {}", c.address, c.high_impact.as_deref().unwrap_or_default());
        }
        let flags: Vec<String> = high.iter().map(|c| format!("--allow-replace '{}'", c.address)).collect();
        let _ = writeln!(out, ">\n> `tether apply` makes these changes only with `{}`.", flags.join(" "));
    }
    push_warnings(&mut out, plan);
    out.push_str(extra);

    out.push_str("\n### Changes\n\n");
    let mut shortened = false;
    for c in high.iter().chain(&rest) {
        let _ =
            writeln!(out, "<details><summary><code>{} {}</code> {}</summary>\n", c.action.glyph(), c.address, verb(c));
        if max_lines == 0 {
            shortened = true;
        } else {
            let mut body = String::new();
            resource_human(&mut body, c, Style { color: false });
            let lines: Vec<String> = body.lines().map(diff_line).collect();
            out.push_str("```diff\n");
            for l in lines.iter().take(max_lines) {
                out.push_str(l);
                out.push('\n');
            }
            if lines.len() > max_lines {
                shortened = true;
                let _ = writeln!(out, "  … {} more lines", lines.len() - max_lines);
            }
            out.push_str("```\n");
        }
        out.push_str("\n</details>\n");
    }
    if shortened {
        out.push_str(
            "\n_Details shortened to fit GitHub's 65,536-character comment limit; \
             run `tether show PLANFILE` for the whole plan._\n",
        );
    }
    out
}

/// The plan's cost delta: totals, and a row per changed resource that has a price.
fn cost_section(cost: &CostReport) -> String {
    let mut out = String::from("\n### Cost\n\n");
    if cost.is_empty() {
        out.push_str("No resource in this plan has a price.\n");
        return out;
    }
    let _ = writeln!(
        out,
        "**{} → {} per month ({})**{}\n",
        cost.before.monthly.display(),
        cost.after.monthly.display(),
        cost.delta.monthly.display_delta(),
        without(&cost.delta)
    );
    let changed: Vec<_> = cost.changed().collect();
    if !changed.is_empty() {
        out.push_str("| Resource | Now | Planned |\n|---|---|---|\n");
        for r in changed {
            let now = if r.before.is_some() { amount(r.before_monthly, r.before.as_ref()) } else { "–".into() };
            let planned = if r.after.is_some() { amount(r.after_monthly, r.after.as_ref()) } else { "$0.00".into() };
            let _ = writeln!(out, "| `{}` | {now} | {planned} |", r.address);
        }
    }
    push_sources(&mut out, cost);
    out
}

fn push_sources(out: &mut String, cost: &CostReport) {
    if !cost.sources.is_empty() {
        let list: Vec<String> = cost.sources.iter().map(|s| s.describe()).collect();
        let _ = writeln!(
            out,
            "\n<sub>Prices ({}, {} h/month): {}</sub>",
            cost.currency,
            cost.hours_per_month,
            list.join("; ")
        );
    }
}

/// `tether cost --format markdown`: every priced resource as planned, the total and the change.
pub fn cost_markdown(cost: &CostReport) -> String {
    let mut out = String::from("## tether cost\n\n");
    if cost.is_empty() {
        out.push_str("No resource in the stack has a price.\n");
        return out;
    }
    out.push_str("| Resource | Monthly |\n|---|---|\n");
    for r in cost.resources.iter().filter(|r| r.after.is_some()) {
        let _ = writeln!(out, "| `{}` | {} |", r.address, amount(r.after_monthly, r.after.as_ref()));
    }
    let _ = writeln!(
        out,
        "\n**Total: {}** (against state: {} now, {}{})",
        total(&cost.after),
        cost.before.monthly.display(),
        cost.delta.monthly.display_delta(),
        without(&cost.delta)
    );
    push_sources(&mut out, cost);
    out
}

fn verb(c: &ResourceChange) -> &'static str {
    match c.action {
        Action::Create => "will be created",
        Action::Update => "will be updated in place",
        Action::DeleteThenCreate | Action::CreateThenDelete => "must be replaced",
        Action::Delete => "will be destroyed",
        Action::Read => "will be read during apply",
        Action::NoOp => "has no changes",
    }
}

/// Moves a diff line's glyph to the first column, where GitHub's `diff` highlighting looks.
fn diff_line(line: &str) -> String {
    let trimmed = line.trim_start();
    let indent = line.len() - trimmed.len();
    let glyph = ["-/+", "+/-", "+", "-", "~"].into_iter().find(|g| trimmed.starts_with(&format!("{g} ")));
    match glyph {
        Some("+") => format!("+{}{}", " ".repeat(indent), &trimmed[1..]),
        Some("-") => format!("-{}{}", " ".repeat(indent), &trimmed[1..]),
        Some(g) => format!("!{}{}", " ".repeat(indent), &trimmed[g.len()..]),
        None => format!(" {line}"),
    }
}

fn push_warnings(out: &mut String, plan: &Plan) {
    if plan.warnings.is_empty() {
        return;
    }
    out.push_str("\n### Warnings\n\n");
    for w in &plan.warnings {
        let _ = writeln!(out, "- {}", w.replace('\n', " "));
    }
}

/// The terminal report of `tether drift`.
pub fn drift_human(r: &DriftReport, style: Style) -> String {
    let mut out = String::new();
    if !r.has_drift() {
        let _ = writeln!(out, "No drift: the {} resources in state match the real objects.", r.checked);
        return out;
    }
    let _ = writeln!(out, "{}\n", style.bold("Drift: objects changed outside tether."));
    for d in &r.resources {
        match d.status {
            DriftStatus::Deleted => {
                let _ = writeln!(out, "  # {} was deleted outside tether (id {})", style.bold(&d.address), d.id);
            }
            DriftStatus::Changed => {
                let _ = writeln!(out, "  # {} was changed outside tether (id {})", style.bold(&d.address), d.id);
                let width = d.attributes.iter().map(|a| a.path.len()).max().unwrap_or(0);
                for a in &d.attributes {
                    let _ = writeln!(
                        out,
                        "      ~ {:width$} = {} -> {}",
                        a.path,
                        scalar(&a.recorded),
                        scalar(&a.actual),
                        width = width
                    );
                }
            }
        }
        out.push('\n');
    }
    for o in &r.unmanaged {
        let _ = writeln!(
            out,
            "  # {} {} carries this stack's ownership tag but is not in state{}",
            o.type_name,
            o.id,
            if o.address.is_empty() { String::new() } else { format!(" (tagged as {})", o.address) }
        );
    }
    if !r.unmanaged.is_empty() {
        out.push('\n');
    }
    let (changed, deleted) = counts(r);
    let _ = writeln!(
        out,
        "{} {changed} changed, {deleted} deleted, {} not in state ({} checked).",
        style.bold("Drift:"),
        r.unmanaged.len(),
        r.checked
    );
    out.push_str(
        "\nTo undo it, run tether apply. To record it in state instead, run tether drift --accept.\n\
         Objects not in state can be brought under management with tether import ADDRESS ID.\n",
    );
    out
}

fn counts(r: &DriftReport) -> (usize, usize) {
    let deleted = r.resources.iter().filter(|d| d.status == DriftStatus::Deleted).count();
    (r.resources.len() - deleted, deleted)
}

/// The machine report of `tether drift --format json` (documented in docs/drift-json.md).
pub fn drift_json(r: &DriftReport) -> serde_json::Value {
    let (changed, deleted) = counts(r);
    json!({
        "format_version": "1.0",
        "lineage": r.lineage,
        "serial": r.serial,
        "drifted": r.has_drift(),
        "summary": { "checked": r.checked, "changed": changed, "deleted": deleted, "unmanaged": r.unmanaged.len() },
        "resources": r.resources.iter().map(|d| json!({
            "address": d.address,
            "type": d.type_name,
            "id": d.id,
            "status": d.status,
            "attributes": d.attributes.iter().map(|a| json!({
                "path": a.path,
                "recorded": redacted(Some(&a.recorded)),
                "actual": redacted(Some(&a.actual)),
                "sensitive": a.recorded.contains_sensitive() || a.actual.contains_sensitive(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "unmanaged": r.unmanaged.iter().map(|o| json!({ "address": o.address, "type": o.type_name, "id": o.id })).collect::<Vec<_>>(),
    })
}

/// The Markdown report of `tether drift --format markdown`, for an issue or an alert.
pub fn drift_markdown(r: &DriftReport) -> String {
    let mut out = String::from("<!-- tether:drift -->\n## tether drift\n\n");
    if !r.has_drift() {
        let _ = writeln!(out, "No drift: the {} resources in state match the real objects.", r.checked);
        return out;
    }
    let (changed, deleted) = counts(r);
    let _ = writeln!(
        out,
        "**{changed} changed, {deleted} deleted, {} not in state** ({} checked).\n",
        r.unmanaged.len(),
        r.checked
    );
    out.push_str("| Resource | Drift | Attribute | In state | Now |\n|---|---|---|---|---|\n");
    for d in &r.resources {
        match d.status {
            DriftStatus::Deleted => {
                let _ = writeln!(out, "| `{}` | deleted | | | |", d.address);
            }
            DriftStatus::Changed => {
                for a in &d.attributes {
                    let _ = writeln!(
                        out,
                        "| `{}` | changed | `{}` | {} | {} |",
                        d.address,
                        a.path,
                        cell(&scalar(&a.recorded)),
                        cell(&scalar(&a.actual))
                    );
                }
            }
        }
    }
    for o in &r.unmanaged {
        let _ = writeln!(
            out,
            "| `{}` | not in state | `{}` | | |",
            if o.address.is_empty() { &o.type_name } else { &o.address },
            o.id
        );
    }
    out.push_str("\nUndo with `tether apply`; record with `tether drift --accept`.\n");
    out
}

/// A value inside a Markdown table cell: code-formatted, pipes and newlines escaped.
pub(crate) fn cell(s: &str) -> String {
    format!("`{}`", s.replace('|', "\\|").replace('\n', " ").replace('`', "'"))
}
