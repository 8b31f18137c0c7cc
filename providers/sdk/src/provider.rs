//! The `Provider` trait and its request/response structs.
//!
//! Every response carries diagnostics rather than failing early, so the engine can collect and
//! sort them. Schema and validation need no credentials; read, apply and import talk to the cloud.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::diag::Diagnostic;
pub use crate::plan::{PlanRequest, PlanResponse};
use crate::schema::{ProviderSchema, ResourceSchema};
use crate::value::{AttrPath, Value};

/// Receives progress messages from long-running operations (waiters, retries).
#[derive(Clone)]
pub struct Progress(Arc<dyn Fn(&str) + Send + Sync>);

impl Progress {
    pub fn new(f: impl Fn(&str) + Send + Sync + 'static) -> Progress {
        Progress(Arc::new(f))
    }

    /// A sink that drops every message.
    pub fn silent() -> Progress {
        Progress::new(|_| {})
    }

    pub fn report(&self, message: &str) {
        (self.0)(message)
    }
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress")
    }
}

/// One resource instance (managed, or a data source with a `data.` address) as planned, for
/// checks that span several resources. Every provider sees every instance of the stack, of
/// every provider, and picks the types it knows.
#[derive(Clone, Debug)]
pub struct PlannedResource {
    pub address: String,
    pub type_name: String,
    /// The planned value; unknown parts are known only after apply. Canonical forms (CIDRs
    /// without host bits, sets sorted).
    pub value: Value,
    /// The configuration as written and evaluated, before canonicalisation: values keep their
    /// spelling and nested blocks and list elements their source order, so an `AttrPath` into
    /// it points at the right place in the file. Unknown where it depends on values known only
    /// after apply; data sources not yet read are unknown.
    pub config: Value,
    /// For each top-level attribute or nested block, the resources (config addresses such as
    /// `aws_security_group.nodes`, or instance addresses such as `aws_subnet.private["a"]`
    /// when the reference names a key) its expressions refer to: how resources are linked
    /// even while the linking values (IDs) are still unknown. Attributes of nested blocks also
    /// appear under their own path (`ip_address[1].subnet_id`).
    pub references: std::collections::BTreeMap<String, Vec<String>>,
}

/// The provider block's evaluated settings.
#[derive(Clone, Debug)]
pub struct ConfigureRequest {
    pub config: Value,
    /// The stack's state lineage, stamped on every object a provider creates.
    pub lineage: String,
}

/// One resource instance whose current cloud state is wanted.
#[derive(Clone, Debug)]
pub struct ReadItem {
    pub address: String,
    pub id: String,
    /// What state last recorded; providers may use it to fill attributes the API doesn't return.
    pub prior: Value,
}

/// A batched read: every instance of one type at once. A provider answers with as few API
/// calls as the API allows (filters, pagination), never one call per item.
#[derive(Clone, Debug)]
pub struct ReadRequest {
    pub type_name: String,
    pub items: Vec<ReadItem>,
}

#[derive(Clone, Debug)]
pub struct ReadResult {
    pub address: String,
    /// `None` when the object no longer exists.
    pub state: Option<Value>,
}

#[derive(Clone, Debug, Default)]
pub struct ReadResponse {
    pub results: Vec<ReadResult>,
    pub diagnostics: Vec<Diagnostic>,
}

/// What to do to one instance.
#[derive(Clone, Debug)]
pub enum Change {
    Create {
        planned: Value,
        /// Deterministic per lineage and address; journalled before the call so a re-run after a
        /// crash repeats it. Providers pass it to APIs that take one and tag with it otherwise.
        idempotency_token: String,
    },
    Update {
        prior: Value,
        planned: Value,
    },
    Delete {
        prior: Value,
    },
}

#[derive(Clone, Debug)]
pub struct ApplyRequest {
    pub type_name: String,
    pub address: String,
    pub lineage: String,
    pub change: Change,
    pub progress: Progress,
}

#[derive(Clone, Debug, Default)]
pub struct ApplyResponse {
    /// The instance's value after the change; `None` after a delete (or a create that made
    /// nothing). A failed create that did make an object returns it here along with the error,
    /// so the engine can record it rather than orphan it.
    pub new_state: Option<Value>,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Clone, Debug)]
pub struct ImportRequest {
    pub type_name: String,
    pub address: String,
    pub id: String,
}

#[derive(Clone, Debug, Default)]
pub struct ImportResponse {
    pub state: Option<Value>,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Clone, Debug)]
pub struct DataRequest {
    pub type_name: String,
    pub address: String,
    pub config: Value,
}

#[derive(Clone, Debug, Default)]
pub struct DataResponse {
    pub state: Value,
    pub diagnostics: Vec<Diagnostic>,
}

/// A cloud (or on-prem) provider. The engine finds it by type prefix: `aws_` -> `aws`.
#[async_trait]
pub trait Provider: Send + Sync {
    /// The provider's name, which is also its type prefix without the underscore.
    fn name(&self) -> &str;

    fn schema(&self) -> &ProviderSchema;

    /// Static checks of one resource's configuration; no credentials, no API calls.
    fn validate_resource(&self, _type_name: &str, _config: &Value) -> Vec<Diagnostic> {
        Vec::new()
    }

    /// Checks that span several resources (one object owned twice, overlapping networks), on
    /// the whole planned stack before any API call: `resources` holds every instance of the
    /// stack, of every provider, and each provider checks the types it knows. Diagnostics name
    /// the address and attribute, and `related` places for the other side. Values that are
    /// unknown are skipped, never guessed.
    fn validate_plan(&self, _resources: &[PlannedResource]) -> Vec<Diagnostic> {
        Vec::new()
    }

    /// Traces the flows the planned network must carry, hop by hop, on the same input as
    /// [`Provider::validate_plan`] (every planned instance of the stack, of every provider):
    /// one report per flow, whether it gets through, on an assumption, or where it stops.
    /// Pure: no API call, no credentials. The default traces nothing (a provider that routes
    /// no traffic).
    fn reachability(&self, _planned: &[PlannedResource]) -> Vec<crate::reach::FlowReport> {
        Vec::new()
    }

    /// Brings a value into the form the cloud stores it in (canonical CIDRs, protocol numbers,
    /// trailing dots) so that comparisons with state are exact.
    fn canonicalize(&self, _type_name: &str, _path: &AttrPath, value: Value) -> Value {
        value
    }

    /// Decides the planned value and whether the change is in place. The default follows the
    /// schema; override to add type-specific rules.
    fn plan_resource(&self, req: PlanRequest) -> PlanResponse {
        match self.schema().resources.get(&req.type_name) {
            Some(schema) => {
                crate::plan::plan_with_schema(schema, &req, &|path, v| self.canonicalize(&req.type_name, path, v))
            }
            None => PlanResponse {
                diagnostics: vec![Diagnostic::error(format!("unknown resource type {}", req.type_name))],
                ..PlanResponse::default()
            },
        }
    }

    /// What one resource costs per month, from its value (planned or recorded) and the
    /// provider block's settings; `None` for types that cost nothing or are not priced. Pure:
    /// no API call, no configuration needed, so a stack never applied can be priced.
    fn monthly_cost(&self, _req: &crate::cost::CostRequest<'_>) -> Option<crate::cost::CostEstimate> {
        None
    }

    /// Called once before any read, apply or import.
    async fn configure(&self, req: ConfigureRequest) -> Vec<Diagnostic>;

    async fn read_resources(&self, req: ReadRequest) -> ReadResponse;

    async fn apply_resource(&self, req: ApplyRequest) -> ApplyResponse;

    async fn import_resource(&self, req: ImportRequest) -> ImportResponse;

    async fn read_data_source(&self, req: DataRequest) -> DataResponse;

    /// Finds the objects that carry this stack's ownership tag (`tether:lineage` = `lineage`),
    /// so that drift detection can report those missing from state. Read-only; batched where
    /// the API allows. The default finds nothing (a provider whose objects carry no tags).
    async fn list_owned(&self, _lineage: &str) -> ListOwnedResponse {
        ListOwnedResponse::default()
    }
}

/// One object found by [`Provider::list_owned`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct OwnedObject {
    /// The address from the object's `tether:address` tag (empty when the tag is missing).
    pub address: String,
    pub type_name: String,
    pub id: String,
}

#[derive(Clone, Debug, Default)]
pub struct ListOwnedResponse {
    pub objects: Vec<OwnedObject>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Looks up a resource schema, data source or managed, by type name.
pub fn resource_schema<'a>(schema: &'a ProviderSchema, type_name: &str, data: bool) -> Option<&'a ResourceSchema> {
    if data {
        schema.data_sources.get(type_name)
    } else {
        schema.resources.get(type_name)
    }
}

/// The deterministic idempotency token for creating `address` in the stack `lineage`.
/// `predecessor` is the ID of the object being replaced (empty for a first create), so a
/// replacement never reuses, and so never "adopts", the token of the object it replaces, while a
/// re-run after a crash computes the very same token.
pub fn idempotency_token(lineage: &str, address: &str, predecessor: &str) -> String {
    let mut h = Sha256::new();
    h.update(lineage.as_bytes());
    h.update([0]);
    h.update(address.as_bytes());
    h.update([0]);
    h.update(predecessor.as_bytes());
    let digest = h.finalize();
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// The tag keys every provider stamps on what it creates.
pub const TAG_LINEAGE: &str = "tether:lineage";
pub const TAG_ADDRESS: &str = "tether:address";

/// A serialisable form of a change's kind, used in journals and logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Create,
    Update,
    Delete,
}

impl Change {
    pub fn kind(&self) -> ChangeKind {
        match self {
            Change::Create { .. } => ChangeKind::Create,
            Change::Update { .. } => ChangeKind::Update,
            Change::Delete { .. } => ChangeKind::Delete,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotency_tokens_are_deterministic_and_distinct() {
        let a = idempotency_token("lin", "mock_network.a", "");
        assert_eq!(a, idempotency_token("lin", "mock_network.a", ""));
        assert_ne!(a, idempotency_token("lin", "mock_network.b", ""));
        assert_ne!(a, idempotency_token("lin", "mock_network.a", "net-1"));
        assert_ne!(a, idempotency_token("other", "mock_network.a", ""));
        assert_eq!(a.len(), 32);
    }
}
