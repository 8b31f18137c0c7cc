//! Output values from state: `tether output` (all, or one by name: plain, `--json`, `--raw`) and
//! the "Outputs:" section after an apply and in `tether show`. Sensitive outputs are hidden
//! unless one is named explicitly in a form meant for scripts (JSON or raw).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::json;
use tether_sdk::Value;
use tether_state::OutputState;

use crate::value::SENSITIVE;

/// `name = value` lines, sensitive values hidden.
pub fn outputs_human(outputs: &BTreeMap<String, OutputState>) -> String {
    let mut out = String::new();
    for (name, o) in outputs {
        let _ = writeln!(out, "{name} = {}", output_human(o));
    }
    out
}

/// The "Outputs:" section after an apply's summary and after the resources of `tether show`;
/// empty when there are none.
pub fn outputs_section(outputs: &BTreeMap<String, OutputState>) -> String {
    if outputs.is_empty() {
        return String::new();
    }
    format!("\nOutputs:\n\n{}", outputs_human(outputs))
}

/// `tether output --json`: every output with its sensitivity, sensitive values as null.
pub fn outputs_json(outputs: &BTreeMap<String, OutputState>) -> serde_json::Value {
    let m: serde_json::Map<String, serde_json::Value> = outputs
        .iter()
        .map(|(k, o)| {
            let value = if o.sensitive { serde_json::Value::Null } else { o.value.clone() };
            (k.clone(), json!({"sensitive": o.sensitive, "value": value}))
        })
        .collect();
    serde_json::Value::Object(m)
}

/// One output's value on one line, hidden when sensitive.
pub fn output_human(o: &OutputState) -> String {
    if o.sensitive {
        SENSITIVE.to_string()
    } else {
        Value::from_json(&o.value).render()
    }
}

/// `tether output NAME --json`: the value as stored (named explicitly, so shown even when
/// sensitive).
pub fn output_json(o: &OutputState) -> serde_json::Value {
    o.value.clone()
}

/// `tether output NAME --raw`: a string's text, or a number or bool as written, for scripts;
/// `None` for lists, maps and null, which have no raw form.
pub fn output_raw(o: &OutputState) -> Option<String> {
    match &o.value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(_) | serde_json::Value::Bool(_) => Some(o.value.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata;

    #[test]
    fn every_form() {
        let outputs = testdata::state().outputs;
        let raw: Vec<String> = outputs
            .iter()
            .map(|(name, o)| format!("{name}: {}", output_raw(o).unwrap_or_else(|| "(no raw form)".to_string())))
            .collect();
        insta::assert_snapshot!(format!(
            "{}---\n{}---\n{}---\n{}---\n{}\n",
            outputs_human(&outputs),
            outputs_section(&outputs),
            crate::json_text(&outputs_json(&outputs)),
            crate::json_text(&output_json(&outputs["admin_password"])),
            raw.join("\n")
        ));
    }

    #[test]
    fn no_outputs_no_section() {
        assert_eq!(outputs_section(&BTreeMap::new()), "");
    }
}
