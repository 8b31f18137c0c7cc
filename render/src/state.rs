//! What state records: `tether show` (state, human and JSON), `state list`, `state show`, and
//! the results of the commands that edit state (`state rm`, `state mv`, `import`,
//! `force-unlock`).

use std::fmt::Write as _;

use serde_json::json;
use tether_addrs::{InstanceAddr, Mode};
use tether_sdk::Value;
use tether_state::{LockInfo, ResourceState, StateFile};

use crate::output::outputs_section;
use crate::value::{redacted, scalar};

/// One resource as state records it, with its secrets marked (from the schema and the recorded
/// sensitive paths) so that they are hidden.
#[derive(Clone, Debug)]
pub struct RecordedResource<'a> {
    pub state: &'a ResourceState,
    pub value: Value,
}

/// What `tether show` prints when there is no state.
pub fn state_none() -> String {
    "No state. The stack has not been applied.\n".to_string()
}

/// `tether show` for people: every resource as a block, then the outputs.
pub fn state_human(resources: &[RecordedResource], state: &StateFile) -> String {
    let mut out = String::new();
    for r in resources {
        out.push_str(&resource_human(r));
    }
    out.push_str(&outputs_section(&state.outputs));
    out
}

/// One resource as a block of `name = value` lines aligned on the `=` (null attributes left
/// out), as `state show` prints it.
pub fn resource_human(r: &RecordedResource) -> String {
    let mut out = String::new();
    let deposed = if r.state.deposed { " (deposed)" } else { "" };
    let _ = writeln!(out, "# {}{deposed}:", r.state.address);
    let kind = if r.state.mode == Mode::Data { "data" } else { "resource" };
    let _ = writeln!(out, "{kind} \"{}\" \"{}\" {{", r.state.type_name, r.state.address.resource.name);
    if let Some(m) = r.value.as_map() {
        // Align on the attributes shown; null ones are left out.
        let width = m.iter().filter(|(_, v)| !v.is_null()).map(|(k, _)| k.len()).max().unwrap_or(0);
        for (k, val) in m {
            if !val.is_null() {
                let _ = writeln!(out, "    {k:width$} = {}", scalar(val));
            }
        }
    }
    out.push_str("}\n\n");
    out
}

/// `tether show --format json` of state: lineage, serial and every resource with its values,
/// secrets as null.
pub fn state_json(resources: &[RecordedResource], state: &StateFile) -> serde_json::Value {
    let resources: Vec<serde_json::Value> = resources
        .iter()
        .map(|r| {
            let s = r.state;
            json!({"address": s.address, "mode": s.mode, "type": s.type_name, "id": s.id,
                "deposed": s.deposed, "values": redacted(Some(&r.value))})
        })
        .collect();
    json!({"lineage": state.lineage, "serial": state.serial, "resources": resources})
}

/// `state list`: one address a line, deposed objects marked.
pub fn state_list<'a>(resources: impl IntoIterator<Item = &'a ResourceState>) -> String {
    let mut out = String::new();
    for r in resources {
        let _ = writeln!(out, "{}{}", r.address, if r.deposed { " (deposed)" } else { "" });
    }
    out
}

/// `state rm`: one line per object forgotten.
pub fn removed<'a>(resources: impl IntoIterator<Item = &'a ResourceState>) -> String {
    let mut out = String::new();
    for r in resources {
        let _ = writeln!(out, "Removed {} from state (the real object was not touched).", r.address);
    }
    out
}

/// `state mv`.
pub fn moved(from: &InstanceAddr, to: &InstanceAddr) -> String {
    format!("Moved {from} to {to}.\n")
}

/// `import`.
pub fn imported(id: &str, address: &InstanceAddr) -> String {
    format!("Imported {id} as {address}. Run `tether plan` to see how it differs from the stack.\n")
}

/// `force-unlock`: whose lock was released.
pub fn lock_released(info: &LockInfo) -> String {
    format!(
        "Released the lock {} held by {} (operation {}, since {}).\n",
        info.id, info.who, info.operation, info.created
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata;

    fn recorded(state: &StateFile) -> Vec<RecordedResource<'_>> {
        state.resources.iter().map(|r| RecordedResource { state: r, value: testdata::marked(r) }).collect()
    }

    #[test]
    fn show_human() {
        let state = testdata::state();
        insta::assert_snapshot!(state_human(&recorded(&state), &state));
    }

    #[test]
    fn show_json() {
        let state = testdata::state();
        insta::assert_snapshot!(crate::json_text(&state_json(&recorded(&state), &state)));
    }

    #[test]
    fn secrets_never_reach_the_output() {
        let state = testdata::state();
        let all = format!(
            "{}{}",
            state_human(&recorded(&state), &state),
            crate::json_text(&state_json(&recorded(&state), &state))
        );
        assert!(!all.contains("hunter2"), "{all}");
    }

    #[test]
    fn list_and_edits() {
        let state = testdata::state();
        let lock = LockInfo {
            id: "2b1c".to_string(),
            operation: "apply".to_string(),
            who: "ci@runner".to_string(),
            created: "2025-01-01T00:00:00Z".to_string(),
            ..LockInfo::new("apply")
        };
        insta::assert_snapshot!(format!(
            "{}---\n{}---\n{}{}{}{}",
            state_list(&state.resources),
            resource_human(&recorded(&state)[0]),
            removed(&state.resources[..2]),
            moved(&testdata::addr("mock_server.web"), &testdata::addr("mock_server.frontend")),
            imported("srv-1", &testdata::addr("mock_server.web[0]")),
            lock_released(&lock)
        ));
    }
}
