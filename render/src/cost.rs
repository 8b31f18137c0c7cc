//! The cost of a plan: the short section of a plan (human and Markdown), and `tether cost`'s
//! report with line items and price sources (human, JSON and Markdown). Amounts are exact:
//! what is missing is named, never guessed.

use std::fmt::Write as _;

use tether_engine::plan::{Action, CostReport, CostTotal, ResourceCost};
use tether_sdk::{CostEstimate, Usd};

use crate::style::Style;

/// A total as people read it: `$179,715.20 per month`, or with what it leaves out:
/// `$73.00 per month, without aws_eks_node_group.big (amount unknown)`.
pub(crate) fn total(t: &CostTotal) -> String {
    format!("{} per month{}", t.monthly.display(), without(t))
}

/// `, without a, b (amounts unknown)` for a total with missing amounts; empty otherwise.
fn without(t: &CostTotal) -> String {
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
fn amount(a: Option<Usd>, estimate: Option<&CostEstimate>) -> String {
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
pub(crate) fn plan_summary_human(out: &mut String, cost: &CostReport, style: Style) {
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

/// The cost report as documented in docs/plan-json.md (also what `tether cost --format json`
/// prints): amounts are exact decimal strings.
pub fn cost_json(cost: &CostReport) -> serde_json::Value {
    serde_json::to_value(cost).unwrap_or(serde_json::Value::Null)
}

/// The plan's cost delta: totals, and a row per changed resource that has a price.
pub(crate) fn plan_section_markdown(cost: &CostReport) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata;

    #[test]
    fn human() {
        insta::assert_snapshot!(cost_human(&testdata::cost(), Style::PLAIN));
    }

    #[test]
    fn json() {
        insta::assert_snapshot!(crate::json_text(&cost_json(&testdata::cost())));
    }

    #[test]
    fn markdown() {
        insta::assert_snapshot!(cost_markdown(&testdata::cost()));
    }

    #[test]
    fn a_stack_without_prices() {
        let mut empty = testdata::cost();
        empty.resources.clear();
        empty.sources.clear();
        insta::assert_snapshot!(format!("{}---\n{}", cost_human(&empty, Style::PLAIN), cost_markdown(&empty)));
    }
}
