//! The state file format: what is stored, how it is parsed and how it is written out.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use tether_addrs::{ConfigResourceAddr, InstanceAddr, Mode};

use crate::error::StateError;
pub use crate::version::{FORMAT_VERSION, TETHER_VERSION};

/// What a journalled cloud call does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    Create,
    Update,
    Delete,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Update => "update",
            Operation::Delete => "delete",
        }
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Operation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Operation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Operation, D::Error> {
        let s = String::deserialize(d)?;
        match s.as_str() {
            "create" => Ok(Operation::Create),
            "update" => Ok(Operation::Update),
            "delete" => Ok(Operation::Delete),
            other => Err(de::Error::custom(format!("operation {other:?} is not \"create\", \"update\" or \"delete\""))),
        }
    }
}

/// One stack's state: everything tether knows about the objects it manages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StateFile {
    /// Format version; always [`FORMAT_VERSION`] for files this build writes.
    pub version: u32,
    /// Identity of the stack's state: a uuid made once, when the state is created, and never changed.
    pub lineage: String,
    /// Grows by at least one with every write that changes the state.
    pub serial: u64,
    /// The tether that last wrote the file.
    pub tether_version: String,
    /// Resources, sorted by address (then current before deposed) when written.
    pub resources: Vec<ResourceState>,
    /// Root module outputs by name.
    #[serde(default)]
    pub outputs: BTreeMap<String, OutputState>,
    /// Operations started and not yet known to have finished (write-ahead intents).
    #[serde(default)]
    pub journal: Vec<JournalEntry>,
}

/// One object tether manages (or one data source it read).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceState {
    /// e.g. `mock_network.main`, `mock_server.web[0]`, `module.net["a"].x.y["k"]`.
    pub address: InstanceAddr,
    /// `"managed"` or `"data"`.
    pub mode: Mode,
    pub type_name: String,
    pub provider: String,
    /// The cloud object's ID.
    pub id: String,
    /// All attributes as last read or written, sensitive ones included.
    pub attributes: serde_json::Value,
    /// Dotted attribute paths that hold secrets, e.g. `password` or `ip_address[0].ip`.
    #[serde(default)]
    pub sensitive_paths: Vec<String>,
    /// The resource blocks this one depended on when it was last applied.
    #[serde(default)]
    pub dependencies: Vec<ConfigResourceAddr>,
    #[serde(default)]
    pub create_before_destroy: bool,
    /// An old object kept while its create_before_destroy replacement is created.
    #[serde(default)]
    pub deposed: bool,
}

/// A root module output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutputState {
    pub value: serde_json::Value,
    #[serde(default)]
    pub sensitive: bool,
}

/// An intent recorded before a cloud call, removed when the call's outcome is in state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// uuid of this entry.
    pub id: String,
    pub address: InstanceAddr,
    pub type_name: String,
    /// `"create"`, `"update"` or `"delete"`.
    pub operation: Operation,
    /// Deterministic token passed to the cloud API so a retried create does not duplicate.
    pub idempotency_token: String,
    /// RFC 3339.
    pub started_at: String,
}

impl JournalEntry {
    /// A new entry with a fresh id, started now.
    pub fn new(address: &InstanceAddr, type_name: &str, operation: Operation, idempotency_token: &str) -> JournalEntry {
        JournalEntry {
            id: uuid::Uuid::new_v4().to_string(),
            address: address.clone(),
            type_name: type_name.to_string(),
            operation,
            idempotency_token: idempotency_token.to_string(),
            started_at: chrono::Utc::now().to_rfc3339(),
        }
    }
}

impl Default for StateFile {
    /// Same as [`StateFile::new`]: a fresh lineage.
    fn default() -> Self {
        StateFile::new()
    }
}

/// Resources are kept in the order of their address text (then the current object before a
/// deposed one), so the file reads like `tether state list` and diffs stay small.
fn sort_key(r: &ResourceState) -> (String, bool) {
    (r.address.to_string(), r.deposed)
}

fn is_sorted(resources: &[ResourceState]) -> bool {
    resources.windows(2).all(|w| sort_key(&w[0]) <= sort_key(&w[1]))
}

impl StateFile {
    /// An empty state with a fresh lineage (uuid v4) and serial 0.
    pub fn new() -> StateFile {
        StateFile {
            version: FORMAT_VERSION,
            lineage: uuid::Uuid::new_v4().to_string(),
            serial: 0,
            tether_version: TETHER_VERSION.to_string(),
            resources: Vec::new(),
            outputs: BTreeMap::new(),
            journal: Vec::new(),
        }
    }

    /// The current (not deposed) object at `address`.
    pub fn resource(&self, address: &InstanceAddr) -> Option<&ResourceState> {
        self.resources.iter().find(|r| &r.address == address && !r.deposed)
    }

    /// The deposed object at `address`, if a create_before_destroy replacement is under way.
    pub fn deposed_resource(&self, address: &InstanceAddr) -> Option<&ResourceState> {
        self.resources.iter().find(|r| &r.address == address && r.deposed)
    }

    /// Inserts `resource`, replacing the object with the same address and deposed flag;
    /// keeps the list sorted by address.
    pub fn upsert_resource(&mut self, resource: ResourceState) {
        self.sort_resources();
        let key = sort_key(&resource);
        match self.resources.binary_search_by(|r| sort_key(r).cmp(&key)) {
            Ok(i) => self.resources[i] = resource,
            Err(i) => self.resources.insert(i, resource),
        }
    }

    /// Removes and returns the current (not deposed) object at `address`.
    pub fn remove_resource(&mut self, address: &InstanceAddr) -> Option<ResourceState> {
        let i = self.resources.iter().position(|r| &r.address == address && !r.deposed)?;
        Some(self.resources.remove(i))
    }

    /// Removes and returns the deposed object at `address`.
    pub fn remove_deposed(&mut self, address: &InstanceAddr) -> Option<ResourceState> {
        let i = self.resources.iter().position(|r| &r.address == address && r.deposed)?;
        Some(self.resources.remove(i))
    }

    /// Records an intent before the cloud call it describes (an entry with the same id is replaced).
    pub fn journal_begin(&mut self, entry: JournalEntry) {
        match self.journal.iter_mut().find(|e| e.id == entry.id) {
            Some(existing) => *existing = entry,
            None => self.journal.push(entry),
        }
    }

    /// Removes the intent with `id` once its outcome is recorded; returns it if it was there.
    pub fn journal_end(&mut self, id: &str) -> Option<JournalEntry> {
        let i = self.journal.iter().position(|e| e.id == id)?;
        Some(self.journal.remove(i))
    }

    fn sort_resources(&mut self) {
        if !is_sorted(&self.resources) {
            self.resources.sort_by_cached_key(sort_key);
        }
    }

    /// Pretty JSON with resources sorted by address, ending in a newline: the on-disk form.
    pub fn to_json(&self) -> Result<String, StateError> {
        let sorted;
        let state = if is_sorted(&self.resources) {
            self
        } else {
            let mut s = self.clone();
            s.sort_resources();
            sorted = s;
            &sorted
        };
        let mut text = serde_json::to_string_pretty(state).map_err(StateError::Serialize)?;
        text.push('\n');
        Ok(text)
    }

    /// Parses the bytes of the state file at `path` (the path is only used in messages) and
    /// checks it: valid JSON, a supported format version, a lineage, well-formed resources.
    /// Never panics.
    pub fn parse(bytes: &[u8], path: &Path) -> Result<StateFile, StateError> {
        // Syntax first, so a truncated file is reported as such with where it broke off.
        let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
            let detail = if bytes.iter().all(u8::is_ascii_whitespace) {
                "the file is empty".to_string()
            } else {
                // serde_json appends " at line L column C"; the message says that itself.
                let full = e.to_string();
                let suffix = format!(" at line {} column {}", e.line(), e.column());
                full.strip_suffix(&suffix).unwrap_or(&full).to_string()
            };
            StateError::Corrupt { path: path.to_path_buf(), line: e.line(), column: e.column(), detail }
        })?;
        let invalid = |message: String| StateError::Invalid { path: path.to_path_buf(), message };

        // Then the version, before the shape: a newer format may have a different shape.
        let obj = value.as_object().ok_or_else(|| {
            invalid("expected a JSON object at the top level; this is not a tether state file".into())
        })?;
        if obj.contains_key("terraform_version") {
            return Err(invalid(
                "this is a Terraform state file, not a tether state file; tether keeps its own state (import the resources with `tether import`)".into(),
            ));
        }
        match obj.get("version") {
            None => {
                return Err(invalid(
                    "missing \"version\"; this is not a tether state file".into(),
                ))
            }
            Some(v) => match v.as_u64() {
                Some(n) if n > u64::from(FORMAT_VERSION) => {
                    return Err(StateError::UnsupportedVersion {
                        path: path.to_path_buf(),
                        found: n,
                    })
                }
                Some(n) if n == u64::from(FORMAT_VERSION) => {}
                _ => {
                    return Err(invalid(format!(
                        "\"version\" is {v}, which is not a state format version tether knows (this tether writes {FORMAT_VERSION})"
                    )))
                }
            },
        }

        // Then the shape, from the bytes again so errors carry a line and column.
        let state: StateFile = serde_json::from_slice(bytes)
            .map_err(|e| invalid(format!("{e}; fix it by hand or restore it from {}", backup_display(path))))?;
        state
            .check()
            .map_err(|m| invalid(format!("{m}; fix it by hand or restore it from {}", backup_display(path))))?;
        Ok(state)
    }

    /// Checks the invariants that serde alone does not; the message names what is wrong.
    pub(crate) fn check(&self) -> Result<(), String> {
        if self.version != FORMAT_VERSION {
            return Err(format!("\"version\" is {}, but this tether writes version {FORMAT_VERSION}", self.version));
        }
        if self.lineage.trim().is_empty() {
            return Err("\"lineage\" is empty; every state needs the lineage it was created with".into());
        }
        let mut seen = HashSet::new();
        for r in &self.resources {
            if r.mode != r.address.mode() {
                return Err(format!(
                    "resource {} has mode {:?}, but its address is of a {}",
                    r.address,
                    r.mode.as_str(),
                    if r.address.mode() == Mode::Data { "data source" } else { "managed resource" }
                ));
            }
            if r.type_name != r.address.resource.type_name {
                return Err(format!(
                    "resource {} has \"type_name\" {:?}, which is not the type in its address",
                    r.address, r.type_name
                ));
            }
            if !seen.insert((&r.address, r.deposed)) {
                return Err(format!(
                    "resource {}{} appears more than once",
                    r.address,
                    if r.deposed { " (deposed)" } else { "" }
                ));
            }
        }
        let mut ids = HashSet::new();
        for e in &self.journal {
            if e.id.trim().is_empty() {
                return Err(format!("journal entry for {} has an empty \"id\"", e.address));
            }
            if !ids.insert(e.id.as_str()) {
                return Err(format!("journal entry id {} appears more than once", e.id));
            }
        }
        Ok(())
    }
}

/// `<path>.backup`, for messages and for the local backend.
pub(crate) fn backup_path(path: &Path) -> std::path::PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(".backup");
    std::path::PathBuf::from(s)
}

fn backup_display(path: &Path) -> String {
    backup_path(path).display().to_string()
}
