//! The plan as a pull-request comment: a comment-ready review with high-impact changes first,
//! collapsible per-resource diffs and the cost delta, kept under GitHub's comment limit.

use std::fmt::Write as _;

use tether_engine::plan::{Action, Plan, ResourceChange};

use crate::cost;
use crate::plan::human::resource_human;
use crate::style::Style;

/// GitHub refuses comments longer than this many characters.
pub const COMMENT_LIMIT: usize = 65_536;

/// The plan as a pull-request comment: counts by action, high-impact changes first, each
/// resource's attribute diff in a collapsible section, warnings, and any `extra` sections
/// (the cost delta). Kept under [`COMMENT_LIMIT`] by shortening the details, with a note.
pub fn plan_markdown(plan: &Plan) -> String {
    let extra = plan.cost.as_ref().map(cost::plan_section_markdown).unwrap_or_default();
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
            resource_human(&mut body, c, Style::PLAIN);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata;

    #[test]
    fn every_kind_of_change() {
        insta::assert_snapshot!(plan_markdown(&testdata::plan()));
    }

    #[test]
    fn no_changes() {
        insta::assert_snapshot!(plan_markdown(&testdata::empty_plan()));
    }

    #[test]
    fn a_huge_plan_is_shortened_to_fit_a_comment() {
        let mut plan = testdata::plan();
        let template = plan.changes[1].clone();
        plan.changes = (0..200)
            .map(|i| {
                let mut c = template.clone();
                c.address = testdata::addr(&format!("mock_server.web[{i}]"));
                c
            })
            .collect();
        let text = plan_markdown(&plan);
        assert!(text.chars().count() <= COMMENT_LIMIT);
        assert!(text.contains("65,536-character comment limit"), "{}", &text[text.len() - 300..]);
    }
}
