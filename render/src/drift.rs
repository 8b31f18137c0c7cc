//! The drift report of `tether drift`: for people (terminal), machines (JSON, documented in
//! docs/drift-json.md) and alerts (Markdown).

use std::fmt::Write as _;

use serde_json::json;
use tether_engine::drift::{DriftReport, DriftStatus};

use crate::style::Style;
use crate::value::{redacted, scalar};

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
fn cell(s: &str) -> String {
    format!("`{}`", s.replace('|', "\\|").replace('\n', " ").replace('`', "'"))
}

/// `tether drift` before the first apply.
pub fn drift_no_state() -> String {
    "No state: the stack has not been applied, so nothing can have drifted.\n".to_string()
}

/// `drift --accept` when only objects outside state were found.
pub fn drift_nothing_to_record() -> String {
    "\nNothing to record: objects not in state are left alone (tether import brings one in).\n".to_string()
}

/// `drift --accept` after recording what was found.
pub fn drift_accepted(updated: usize, removed: usize) -> String {
    format!("\nRecorded in state: {updated} updated, {removed} removed (deleted outside tether).\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata;

    #[test]
    fn human() {
        insta::assert_snapshot!(drift_human(&testdata::drift(), Style::PLAIN));
    }

    #[test]
    fn json() {
        insta::assert_snapshot!(crate::json_text(&drift_json(&testdata::drift())));
    }

    #[test]
    fn markdown() {
        insta::assert_snapshot!(drift_markdown(&testdata::drift()));
    }

    #[test]
    fn no_drift() {
        let r = testdata::no_drift();
        insta::assert_snapshot!(format!(
            "{}---\n{}---\n{}",
            drift_human(&r, Style::PLAIN),
            crate::json_text(&drift_json(&r)),
            drift_markdown(&r)
        ));
    }

    #[test]
    fn accept_messages() {
        insta::assert_snapshot!(format!("{}{}{}", drift_no_state(), drift_nothing_to_record(), drift_accepted(2, 1)));
    }
}
