//! A mock provider for engine and end-to-end tests.
//!
//! Its "cloud" is a list of objects, a call log and an id counter, kept either in memory
//! ([`MockProvider::in_memory`]) or in a JSON file ([`MockProvider::file_backed`]) so that separate
//! invocations of the `tether` binary share one cloud and a test can look at it afterwards.
//!
//! Every provider call that would be an API call is logged as a [`MockCall`]; `configure` and
//! `plan_resource` are not (they make none). A batched read is one call however many items it
//! carries, as the real providers' batched refresh promises.
//!
//! File format: `{"next_id": n, "objects": [...], "calls": [...]}`, pretty JSON. Each operation
//! reads, modifies and rewrites the file (temp file + rename) under a process-wide mutex.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::diag::Diagnostic;
use crate::provider::{
    ApplyRequest, ApplyResponse, Change, ConfigureRequest, DataRequest, DataResponse, ImportRequest, ImportResponse,
    ListOwnedResponse, OwnedObject, Progress, Provider, ReadRequest, ReadResponse, ReadResult, TAG_ADDRESS,
    TAG_LINEAGE,
};
use crate::schema::{AttrType, Attribute, Block, BlockType, ProviderSchema, ResourceSchema};
use crate::value::{AttrPath, PathStep, Value};

/// One logged provider call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MockCall {
    /// `read`, `create`, `update`, `delete`, `import` or `data`.
    pub op: String,
    pub type_name: String,
    /// The resource address; `None` for a batched read (it covers many).
    pub address: Option<String>,
    /// Items in a batched read; 1 for every other call.
    pub count: usize,
}

/// One object in the mock cloud.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MockObject {
    pub id: String,
    pub type_name: String,
    /// Every schema attribute, including `id` and sensitive ones (the cloud stores secrets).
    pub attributes: serde_json::Value,
    /// Ownership tags stamped at creation (`tether:lineage`, `tether:address`); not attributes.
    pub tags: BTreeMap<String, String>,
    pub idempotency_token: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Cloud {
    next_id: u64,
    objects: Vec<MockObject>,
    calls: Vec<MockCall>,
}

impl Default for Cloud {
    fn default() -> Self {
        Cloud { next_id: 1, objects: Vec::new(), calls: Vec::new() }
    }
}

impl Cloud {
    fn log(&mut self, op: &str, type_name: &str, address: Option<&str>, count: usize) {
        self.calls.push(MockCall {
            op: op.to_string(),
            type_name: type_name.to_string(),
            address: address.map(str::to_string),
            count,
        });
    }

    fn find(&self, type_name: &str, id: &str) -> Option<&MockObject> {
        self.objects.iter().find(|o| o.id == id && o.type_name == type_name)
    }
}

#[derive(Debug)]
enum Store {
    Memory(Mutex<Cloud>),
    File(PathBuf),
}

/// Serialises file-backed read-modify-write cycles within the process, whatever the number of
/// `MockProvider`s pointing at one file.
static FILE_LOCK: Mutex<()> = Mutex::new(());

/// A provider named `mock` whose cloud tests can observe and change out of band.
///
/// Cloning is cheap and the clone shares the same cloud, so a test can hand one clone to the
/// engine and inspect the cloud through another.
#[derive(Clone, Debug)]
pub struct MockProvider {
    store: Arc<Store>,
    schema: Arc<ProviderSchema>,
    region: Arc<Mutex<Option<String>>>,
}

impl MockProvider {
    /// A provider whose cloud lives in memory and dies with it.
    pub fn in_memory() -> MockProvider {
        MockProvider::with_store(Store::Memory(Mutex::new(Cloud::default())))
    }

    /// A provider whose cloud lives in the JSON file at `path`, created (with its parent
    /// directories) if missing. A failure to create it surfaces as a diagnostic on first use.
    pub fn file_backed(path: PathBuf) -> MockProvider {
        {
            let _guard = FILE_LOCK.lock().unwrap_or_else(PoisonError::into_inner);
            if !path.exists() {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    let _ = std::fs::create_dir_all(parent);
                }
                let _ = save(&path, &Cloud::default());
            }
        }
        MockProvider::with_store(Store::File(path))
    }

    fn with_store(store: Store) -> MockProvider {
        MockProvider { store: Arc::new(store), schema: Arc::new(mock_schema()), region: Arc::new(Mutex::new(None)) }
    }

    /// Every call made so far, oldest first. File-backed: includes calls of earlier processes.
    pub fn calls(&self) -> Vec<MockCall> {
        self.view(|c| c.calls.clone())
    }

    /// Forgets the call log (not the objects), so a test can count the calls of one step.
    pub fn clear_calls(&self) {
        self.mutate(|c| c.calls.clear()).expect("mock cloud file is not writable");
    }

    /// The objects currently in the cloud.
    pub fn objects(&self) -> Vec<MockObject> {
        self.view(|c| c.objects.clone())
    }

    /// One object by id.
    pub fn object(&self, id: &str) -> Option<MockObject> {
        self.view(|c| c.objects.iter().find(|o| o.id == id).cloned())
    }

    /// Changes one attribute out of band (drift), as someone in the console would. Not logged.
    pub fn set_attribute(&self, id: &str, attr: &str, value: serde_json::Value) {
        self.mutate(|c| {
            if let Some(serde_json::Value::Object(m)) =
                c.objects.iter_mut().find(|o| o.id == id).map(|o| &mut o.attributes)
            {
                m.insert(attr.to_string(), value);
            }
        })
        .expect("mock cloud file is not writable");
    }

    /// Deletes an object out of band. Not logged.
    pub fn delete_object(&self, id: &str) {
        self.mutate(|c| c.objects.retain(|o| o.id != id)).expect("mock cloud file is not writable");
    }

    fn view<R>(&self, f: impl FnOnce(&Cloud) -> R) -> R {
        match &*self.store {
            Store::Memory(m) => f(&m.lock().unwrap_or_else(PoisonError::into_inner)),
            Store::File(path) => {
                let _guard = FILE_LOCK.lock().unwrap_or_else(PoisonError::into_inner);
                f(&load(path).expect("mock cloud file is not readable"))
            }
        }
    }

    /// Runs one read-modify-write of the cloud.
    fn mutate<R>(&self, f: impl FnOnce(&mut Cloud) -> R) -> Result<R, String> {
        match &*self.store {
            Store::Memory(m) => Ok(f(&mut m.lock().unwrap_or_else(PoisonError::into_inner))),
            Store::File(path) => {
                let _guard = FILE_LOCK.lock().unwrap_or_else(PoisonError::into_inner);
                let mut cloud = load(path)?;
                let r = f(&mut cloud);
                save(path, &cloud)?;
                Ok(r)
            }
        }
    }

    fn resource_schema(&self, type_name: &str) -> Option<&ResourceSchema> {
        self.schema.resources.get(type_name)
    }

    fn create(&self, req: &ApplyRequest, planned: &Value, token: &str) -> Result<Value, Vec<Diagnostic>> {
        let planned = planned.unmark_deep();
        let simulated = fail_on(&planned) == Some("create");
        let result = self.mutate(|cloud| {
            cloud.log("create", &req.type_name, Some(&req.address), 1);
            if simulated {
                return None;
            }
            if let Some(existing) = cloud.objects.iter().find(|o| o.idempotency_token.as_deref() == Some(token)) {
                // A crashed earlier run created it: adopt rather than duplicate.
                return Some(existing.attributes.clone());
            }
            let n = cloud.next_id;
            cloud.next_id += 1;
            let id = format!("{}-{n}", short_type(&req.type_name));
            let mut attrs = match planned.to_json() {
                serde_json::Value::Object(m) => m,
                _ => serde_json::Map::new(),
            };
            attrs.insert("id".into(), id.clone().into());
            let mut default = |name: &str, v: String| {
                if attrs.get(name).is_none_or(serde_json::Value::is_null) {
                    attrs.insert(name.to_string(), v.into());
                }
            };
            match req.type_name.as_str() {
                "mock_network" => default("arn", format!("arn:mock:network/{id}")),
                "mock_subnet" => default("zone", "zone-a".into()),
                "mock_group" => {
                    let tags =
                        attrs.get("tags").cloned().filter(|t| !t.is_null()).unwrap_or_else(|| serde_json::json!({}));
                    attrs.insert("tags_all".into(), tags);
                }
                "mock_server" => {
                    default("size", "small".into());
                    default("private_ip", format!("10.0.{}.{}", n / 256 % 256, n % 256));
                }
                _ => {}
            }
            let attributes = serde_json::Value::Object(attrs);
            cloud.objects.push(MockObject {
                id,
                type_name: req.type_name.clone(),
                attributes: attributes.clone(),
                tags: BTreeMap::from([
                    (TAG_LINEAGE.to_string(), req.lineage.clone()),
                    (TAG_ADDRESS.to_string(), req.address.clone()),
                ]),
                idempotency_token: Some(token.to_string()),
            });
            Some(attributes)
        });
        match result {
            Err(e) => Err(vec![io_error(&req.address, e)]),
            Ok(None) => Err(vec![simulated_failure("creating", req)]),
            Ok(Some(attrs)) => Ok(Value::from_json(&attrs)),
        }
    }

    fn update(&self, req: &ApplyRequest, prior: &Value, planned: &Value) -> Result<Value, Vec<Diagnostic>> {
        let planned = planned.unmark_deep();
        let Some(id) = object_id(prior).or_else(|| object_id(&planned)) else {
            return Err(vec![Diagnostic::error("cannot update an object without an id").address(&req.address)]);
        };
        let simulated = fail_on(&planned) == Some("update");
        let schema = self.resource_schema(&req.type_name);
        let result = self.mutate(|cloud| {
            cloud.log("update", &req.type_name, Some(&req.address), 1);
            if simulated {
                return Ok(None);
            }
            let Some(object) = cloud.objects.iter_mut().find(|o| o.id == id && o.type_name == req.type_name) else {
                return Err(format!("object {id} not found"));
            };
            if let (serde_json::Value::Object(attrs), Some(new)) = (&mut object.attributes, planned.as_map()) {
                for (name, v) in new {
                    let keep = match schema.and_then(|s| s.block.attributes.get(name)) {
                        // Provider-set values and what an external controller owns stay as they are.
                        Some(a) => a.is_computed_only() || a.externally_owned || name == "id",
                        None => false,
                    };
                    if !keep && !v.is_unknown() {
                        attrs.insert(name.clone(), v.to_json());
                    }
                }
                if req.type_name == "mock_group" {
                    let tags =
                        attrs.get("tags").cloned().filter(|t| !t.is_null()).unwrap_or_else(|| serde_json::json!({}));
                    attrs.insert("tags_all".into(), tags);
                }
            }
            Ok(Some(object.attributes.clone()))
        });
        match result {
            Err(e) => Err(vec![io_error(&req.address, e)]),
            Ok(Err(e)) => Err(vec![Diagnostic::error(e).code("mock::NotFound").address(&req.address)]),
            Ok(Ok(None)) => Err(vec![simulated_failure("updating", req)]),
            Ok(Ok(Some(attrs))) => Ok(Value::from_json(&attrs)),
        }
    }

    fn delete(&self, req: &ApplyRequest, prior: &Value) -> Result<(), Vec<Diagnostic>> {
        let prior = prior.unmark_deep();
        let simulated = fail_on(&prior) == Some("delete");
        let id = object_id(&prior);
        let result = self.mutate(|cloud| {
            cloud.log("delete", &req.type_name, Some(&req.address), 1);
            if !simulated {
                if let Some(id) = &id {
                    cloud.objects.retain(|o| !(&o.id == id && o.type_name == req.type_name));
                }
            }
        });
        match result {
            Err(e) => Err(vec![io_error(&req.address, e)]),
            Ok(()) if simulated => Err(vec![simulated_failure("deleting", req)]),
            Ok(()) => Ok(()),
        }
    }
}

#[async_trait]
impl Provider for MockProvider {
    fn name(&self) -> &str {
        "mock"
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    /// A subnet must lie inside the network it names; the two are linked by reference, so
    /// this holds even while the network's ID is unknown.
    fn validate_plan(&self, resources: &[crate::provider::PlannedResource]) -> Vec<Diagnostic> {
        let mut diags = Vec::new();
        for sub in resources.iter().filter(|r| r.type_name == "mock_subnet") {
            let Some(nets) = sub.references.get("network_id") else { continue };
            for net in resources.iter().filter(|r| r.type_name == "mock_network" && nets.contains(&r.address)) {
                let (Some(inner), Some(outer)) = (
                    sub.value.get("cidr_block").and_then(Value::as_str).and_then(parse_cidr),
                    net.value.get("cidr_block").and_then(Value::as_str).and_then(parse_cidr),
                ) else {
                    continue;
                };
                let inside = inner.1 >= outer.1 && {
                    let mask = if outer.1 == 0 { 0 } else { u32::MAX << (32 - u32::from(outer.1)) };
                    u32::from(inner.0) & mask == u32::from(outer.0) & mask
                };
                if !inside {
                    diags.push(
                        Diagnostic::error(format!(
                            "subnet {} lies outside its network {} ({})",
                            sub.value.get("cidr_block").and_then(Value::as_str).unwrap_or_default(),
                            net.address,
                            net.value.get("cidr_block").and_then(Value::as_str).unwrap_or_default()
                        ))
                        .code("mock::subnet-outside-network")
                        .address(&sub.address)
                        .attribute(AttrPath::attr("cidr_block"))
                        .help("pick a subnet CIDR inside the network's, e.g. with cidrsubnet()"),
                    );
                }
            }
        }
        diags
    }

    fn validate_resource(&self, type_name: &str, config: &Value) -> Vec<Diagnostic> {
        let mut diags = Vec::new();
        if self.resource_schema(type_name).is_none() {
            return diags;
        }
        if let Some(cidr) = config.get("cidr_block").and_then(Value::as_str) {
            if parse_cidr(cidr).is_none() {
                diags.push(
                    Diagnostic::error(format!("{cidr:?} is not a valid IPv4 CIDR block"))
                        .code("mock::InvalidCidr")
                        .help("write an address and a prefix length, such as 10.0.0.0/16")
                        .attribute(AttrPath::attr("cidr_block")),
                );
            }
        }
        if let Some(op) = config.get("fail_on").and_then(Value::as_str) {
            if !matches!(op, "create" | "update" | "delete") {
                diags.push(
                    Diagnostic::error(format!("fail_on must be \"create\", \"update\" or \"delete\", not {op:?}"))
                        .code("mock::InvalidValue")
                        .attribute(AttrPath::attr("fail_on")),
                );
            }
        }
        diags
    }

    fn canonicalize(&self, _type_name: &str, path: &AttrPath, value: Value) -> Value {
        let Value::String(s) = &value else { return value };
        match path.0.as_slice() {
            [PathStep::Attr(a)] if a == "cidr_block" => match canonical_cidr(s) {
                Some(c) => Value::String(c),
                None => value,
            },
            [PathStep::Attr(b), PathStep::Index(_), PathStep::Attr(a)] if b == "port" && a == "protocol" => {
                Value::String(canonical_protocol(s))
            }
            _ => value,
        }
    }

    async fn configure(&self, req: ConfigureRequest) -> Vec<Diagnostic> {
        let region = req.config.get("region").and_then(Value::as_str).map(str::to_string);
        *self.region.lock().unwrap_or_else(PoisonError::into_inner) = region;
        Vec::new()
    }

    async fn read_resources(&self, req: ReadRequest) -> ReadResponse {
        let result = self.mutate(|cloud| {
            cloud.log("read", &req.type_name, None, req.items.len());
            req.items
                .iter()
                .map(|item| ReadResult {
                    address: item.address.clone(),
                    state: cloud.find(&req.type_name, &item.id).map(|o| Value::from_json(&o.attributes)),
                })
                .collect()
        });
        match result {
            Ok(results) => ReadResponse { results, diagnostics: Vec::new() },
            Err(e) => ReadResponse {
                results: Vec::new(),
                diagnostics: vec![Diagnostic::error(format!("cannot read the mock cloud: {e}")).code("mock::Io")],
            },
        }
    }

    async fn apply_resource(&self, req: ApplyRequest) -> ApplyResponse {
        if self.resource_schema(&req.type_name).is_none() {
            return ApplyResponse {
                new_state: None,
                diagnostics: vec![
                    Diagnostic::error(format!("unknown resource type {}", req.type_name)).address(&req.address)
                ],
            };
        }
        let (result, delay_from) = match &req.change {
            Change::Create { planned, idempotency_token } => {
                (self.create(&req, planned, idempotency_token).map(Some), planned)
            }
            Change::Update { prior, planned } => (self.update(&req, prior, planned).map(Some), planned),
            Change::Delete { prior } => (self.delete(&req, prior).map(|()| None), prior),
        };
        match result {
            Ok(new_state) => {
                // The cloud has accepted the change; now wait for it to settle, as real APIs make
                // one do. A process killed here leaves the object behind for the next run to adopt.
                if let Some(ms) = delay_from.get("apply_delay_ms").and_then(Value::as_i64).filter(|ms| *ms > 0) {
                    let what = match req.change {
                        Change::Create { .. } => "to become ready",
                        Change::Update { .. } => "to finish updating",
                        Change::Delete { .. } => "to be deleted",
                    };
                    let noun = short_noun(&req.type_name);
                    wait(&req.progress, &format!("{noun} {what}"), ms.unsigned_abs()).await;
                }
                ApplyResponse { new_state, diagnostics: Vec::new() }
            }
            Err(diagnostics) => ApplyResponse { new_state: None, diagnostics },
        }
    }

    async fn import_resource(&self, req: ImportRequest) -> ImportResponse {
        let result = self.mutate(|cloud| {
            cloud.log("import", &req.type_name, Some(&req.address), 1);
            cloud.find(&req.type_name, &req.id).map(|o| o.attributes.clone())
        });
        match result {
            Ok(Some(attrs)) => ImportResponse { state: Some(Value::from_json(&attrs)), diagnostics: Vec::new() },
            Ok(None) => ImportResponse {
                state: None,
                diagnostics: vec![Diagnostic::error(format!("no {} with id {}", req.type_name, req.id))
                    .code("mock::NotFound")
                    .address(&req.address)],
            },
            Err(e) => ImportResponse { state: None, diagnostics: vec![io_error(&req.address, e)] },
        }
    }

    async fn list_owned(&self, lineage: &str) -> ListOwnedResponse {
        let result = self.mutate(|cloud| {
            cloud.log("list_owned", "", None, 1);
            cloud
                .objects
                .iter()
                .filter(|o| o.tags.get(TAG_LINEAGE).map(String::as_str) == Some(lineage))
                .map(|o| OwnedObject {
                    address: o.tags.get(TAG_ADDRESS).cloned().unwrap_or_default(),
                    type_name: o.type_name.clone(),
                    id: o.id.clone(),
                })
                .collect()
        });
        match result {
            Ok(objects) => ListOwnedResponse { objects, diagnostics: Vec::new() },
            Err(e) => ListOwnedResponse {
                objects: Vec::new(),
                diagnostics: vec![Diagnostic::error(format!("cannot read the mock cloud: {e}")).code("mock::Io")],
            },
        }
    }

    async fn read_data_source(&self, req: DataRequest) -> DataResponse {
        if req.type_name != "mock_zones" {
            return DataResponse {
                state: Value::Null,
                diagnostics: vec![
                    Diagnostic::error(format!("unknown data source type {}", req.type_name)).address(&req.address)
                ],
            };
        }
        if let Err(e) = self.mutate(|cloud| cloud.log("data", &req.type_name, Some(&req.address), 1)) {
            return DataResponse { state: Value::Null, diagnostics: vec![io_error(&req.address, e)] };
        }
        let region = req.config.get("region").and_then(Value::as_str).map(str::to_string);
        let configured = self.region.lock().unwrap_or_else(PoisonError::into_inner).clone();
        let id = region.clone().or(configured).unwrap_or_else(|| "default".to_string());
        let state = Value::map([
            ("region", region.map(Value::String).unwrap_or(Value::Null)),
            ("id", Value::String(id)),
            ("names", Value::List(["zone-a", "zone-b", "zone-c"].into_iter().map(Value::from).collect())),
        ]);
        DataResponse { state, diagnostics: Vec::new() }
    }
}

/// The mock provider's schema.
fn mock_schema() -> ProviderSchema {
    let string = || AttrType::String;
    let tags = || Attribute::optional(AttrType::map_of(AttrType::String)).describe("user tags");
    let id = || Attribute::computed(string()).describe("the object's id");

    let network = Block::new()
        .attr("id", id())
        .attr("arn", Attribute::computed(string()).describe("arn:mock:network/<id>"))
        .attr("cidr_block", Attribute::required(string()).force_new().describe("the network's IPv4 CIDR"))
        .attr("name", Attribute::optional(string()))
        .attr("tags", tags());

    let subnet = Block::new()
        .attr("id", id())
        .attr("network_id", Attribute::required(string()).force_new())
        .attr("cidr_block", Attribute::required(string()).force_new())
        .attr("zone", Attribute::optional_computed(string()).describe("defaults to zone-a"))
        .attr("tags", tags());

    let port = Block::new()
        .attr("from", Attribute::required(AttrType::Number))
        .attr("to", Attribute::required(AttrType::Number))
        .attr("protocol", Attribute::optional(string()).describe("tcp, udp or all (6, 17, -1 accepted)"));
    let server = Block::new()
        .attr("id", id())
        .attr("name", Attribute::required(string()))
        .attr("size", Attribute::optional_computed(string()).describe("defaults to small"))
        .attr("subnet_id", Attribute::optional(string()).force_new())
        .attr("user_data", Attribute::optional(string()).describe("multi-line boot script"))
        .attr("password", Attribute::optional(string()).sensitive())
        .attr("private_ip", Attribute::computed(string()))
        .attr(
            "desired_count",
            Attribute::optional(AttrType::Number).externally_owned().describe("owned by an autoscaler once created"),
        )
        .attr(
            "fail_on",
            Attribute::optional(string())
                .describe("create, update or delete: simulate a cloud failure of that operation"),
        )
        .attr(
            "apply_delay_ms",
            Attribute::optional(AttrType::Number).describe("wait this long after each change, reporting progress"),
        )
        .attr("tags", tags())
        .block("port", BlockType::list(port));

    // Members are a set: the order the stack lists them in does not matter.
    let group = Block::new()
        .attr("id", id())
        .attr("name", Attribute::required(string()))
        .attr("member_ids", Attribute::optional(AttrType::set_of(string())).describe("ids of the members, unordered"))
        .attr("tags", tags())
        .attr(
            "tags_all",
            Attribute::computed(AttrType::map_of(string()))
                .describe("the tags as the cloud reports them: a mirror of tags"),
        );

    let zones = Block::new()
        .attr("region", Attribute::optional(string()))
        .attr("id", Attribute::computed(string()).describe("the region, or \"default\""))
        .attr("names", Attribute::computed(AttrType::list_of(string())));

    ProviderSchema {
        provider: Block::new().attr("region", Attribute::optional(string())),
        resources: BTreeMap::from([
            (
                "mock_network".to_string(),
                ResourceSchema::new("a mock network", network)
                    .high_impact("every subnet and server in the network loses connectivity"),
            ),
            ("mock_subnet".to_string(), ResourceSchema::new("a mock subnet", subnet)),
            ("mock_server".to_string(), ResourceSchema::new("a mock server", server)),
            ("mock_group".to_string(), ResourceSchema::new("a mock group of objects", group)),
        ]),
        data_sources: BTreeMap::from([("mock_zones".to_string(), ResourceSchema::new("the zones of a region", zones))]),
    }
}

fn load(path: &Path) -> Result<Cloud, String> {
    match std::fs::read_to_string(path) {
        Ok(text) if text.trim().is_empty() => Ok(Cloud::default()),
        Ok(text) => serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Cloud::default()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

fn save(path: &Path, cloud: &Cloud) -> Result<(), String> {
    let text = serde_json::to_string_pretty(cloud).map_err(|e| e.to_string())?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp.{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, text + "\n").map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))
}

async fn wait(progress: &Progress, what: &str, ms: u64) {
    let start = tokio::time::Instant::now();
    let total = Duration::from_millis(ms);
    progress.report(&format!("waiting for {what} (0s elapsed)"));
    loop {
        let elapsed = start.elapsed();
        if elapsed >= total {
            break;
        }
        tokio::time::sleep((total - elapsed).min(Duration::from_secs(1))).await;
        let elapsed = start.elapsed();
        if elapsed < total {
            progress.report(&format!("waiting for {what} ({}s elapsed)", elapsed.as_secs()));
        }
    }
}

fn fail_on(v: &Value) -> Option<&str> {
    v.get("fail_on").and_then(Value::as_str)
}

fn object_id(v: &Value) -> Option<String> {
    v.get("id").and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string)
}

fn simulated_failure(doing: &str, req: &ApplyRequest) -> Diagnostic {
    Diagnostic::error(format!("simulated failure {doing} {}", req.address))
        .code("mock::SimulatedFailure")
        .detail("the resource's fail_on attribute asked the mock cloud to fail this operation")
        .address(&req.address)
}

fn io_error(address: &str, e: String) -> Diagnostic {
    Diagnostic::error(format!("cannot use the mock cloud: {e}")).code("mock::Io").address(address)
}

/// The id prefix of a type: `mock_network` -> `net`.
fn short_type(type_name: &str) -> &str {
    match type_name {
        "mock_network" => "net",
        "mock_subnet" => "subnet",
        "mock_server" => "srv",
        other => other.strip_prefix("mock_").unwrap_or(other),
    }
}

/// How progress messages name a type: `mock_server` -> `server`.
fn short_noun(type_name: &str) -> &str {
    type_name.strip_prefix("mock_").unwrap_or(type_name)
}

fn parse_cidr(s: &str) -> Option<(Ipv4Addr, u8)> {
    let (addr, len) = s.trim().split_once('/')?;
    let addr: Ipv4Addr = addr.parse().ok()?;
    let len: u8 = len.parse().ok()?;
    (len <= 32).then_some((addr, len))
}

/// `10.0.1.5/16` -> `10.0.0.0/16`; `None` when `s` is not an IPv4 CIDR.
fn canonical_cidr(s: &str) -> Option<String> {
    let (addr, len) = parse_cidr(s)?;
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - u32::from(len)) };
    Some(format!("{}/{len}", Ipv4Addr::from(u32::from(addr) & mask)))
}

fn canonical_protocol(s: &str) -> String {
    match s.trim().to_ascii_lowercase().as_str() {
        "6" => "tcp".into(),
        "17" => "udp".into(),
        "-1" => "all".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::has_errors;
    use crate::provider::{idempotency_token, PlanRequest, ReadItem};

    fn plan(p: &MockProvider, type_name: &str, address: &str, prior: Option<Value>, config: Value) -> Value {
        let r = p.plan_resource(PlanRequest { type_name: type_name.into(), address: address.into(), prior, config });
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        r.planned
    }

    fn create_req(type_name: &str, address: &str, planned: Value) -> ApplyRequest {
        ApplyRequest {
            type_name: type_name.into(),
            address: address.into(),
            lineage: "lin-1".into(),
            change: Change::Create { planned, idempotency_token: idempotency_token("lin-1", address, "") },
            progress: Progress::silent(),
        }
    }

    async fn create(p: &MockProvider, type_name: &str, address: &str, config: Value) -> ApplyResponse {
        let planned = plan(p, type_name, address, None, config);
        p.apply_resource(create_req(type_name, address, planned)).await
    }

    async fn read_one(p: &MockProvider, type_name: &str, id: &str) -> Option<Value> {
        let r = p
            .read_resources(ReadRequest {
                type_name: type_name.into(),
                items: vec![ReadItem { address: "x.y".into(), id: id.into(), prior: Value::Null }],
            })
            .await;
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        r.results.into_iter().next().and_then(|r| r.state)
    }

    fn net_config(cidr: &str, name: &str) -> Value {
        Value::map([("cidr_block", Value::from(cidr)), ("name", Value::from(name))])
    }

    fn ops(p: &MockProvider) -> Vec<String> {
        p.calls().into_iter().map(|c| c.op).collect()
    }

    #[tokio::test]
    async fn create_read_update_delete_round_trip() {
        let p = MockProvider::in_memory();
        assert!(p.configure(ConfigureRequest { config: Value::Null, lineage: "lin-1".into() }).await.is_empty());
        let r = create(&p, "mock_network", "mock_network.main", net_config("10.0.1.5/16", "main")).await;
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        let state = r.new_state.unwrap();
        assert_eq!(state.get("id").and_then(Value::as_str), Some("net-1"));
        assert_eq!(state.get("arn").and_then(Value::as_str), Some("arn:mock:network/net-1"));
        assert_eq!(state.get("cidr_block").and_then(Value::as_str), Some("10.0.0.0/16"));

        let obj = p.object("net-1").unwrap();
        assert_eq!(obj.tags.get(TAG_LINEAGE).map(String::as_str), Some("lin-1"));
        assert_eq!(obj.tags.get(TAG_ADDRESS).map(String::as_str), Some("mock_network.main"));
        assert!(obj.attributes.get(TAG_LINEAGE).is_none());

        let read = read_one(&p, "mock_network", "net-1").await.unwrap();
        assert_eq!(read, state);
        // Apply then plan is empty: planning the same config against the read state changes nothing.
        let replan =
            plan(&p, "mock_network", "mock_network.main", Some(read.clone()), net_config("10.0.1.5/16", "main"));
        assert_eq!(replan, read);

        let planned =
            plan(&p, "mock_network", "mock_network.main", Some(read.clone()), net_config("10.0.0.0/16", "renamed"));
        let r = p
            .apply_resource(ApplyRequest {
                change: Change::Update { prior: read.clone(), planned },
                ..create_req("mock_network", "mock_network.main", Value::Null)
            })
            .await;
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        let updated = read_one(&p, "mock_network", "net-1").await.unwrap();
        assert_eq!(updated.get("name").and_then(Value::as_str), Some("renamed"));
        assert_eq!(updated.get("arn"), read.get("arn"));
        assert_eq!(r.new_state, Some(updated.clone()));

        let r = p
            .apply_resource(ApplyRequest {
                change: Change::Delete { prior: updated.clone() },
                ..create_req("mock_network", "mock_network.main", Value::Null)
            })
            .await;
        assert!(r.diagnostics.is_empty() && r.new_state.is_none());
        assert_eq!(read_one(&p, "mock_network", "net-1").await, None);
        assert!(p.objects().is_empty());
        // Deleting what is already gone is not an error.
        let r = p
            .apply_resource(ApplyRequest {
                change: Change::Delete { prior: updated },
                ..create_req("mock_network", "mock_network.main", Value::Null)
            })
            .await;
        assert!(r.diagnostics.is_empty());
        assert_eq!(ops(&p), ["create", "read", "update", "read", "delete", "read", "delete"]);
    }

    #[tokio::test]
    async fn update_of_a_missing_object_fails() {
        let p = MockProvider::in_memory();
        let prior = Value::map([("id", Value::from("net-9")), ("cidr_block", Value::from("10.0.0.0/16"))]);
        let r = p
            .apply_resource(ApplyRequest {
                change: Change::Update { prior: prior.clone(), planned: prior },
                ..create_req("mock_network", "mock_network.gone", Value::Null)
            })
            .await;
        assert!(has_errors(&r.diagnostics));
        assert_eq!(r.diagnostics[0].summary, "object net-9 not found");
        assert_eq!(r.diagnostics[0].address.as_deref(), Some("mock_network.gone"));
    }

    #[tokio::test]
    async fn a_batched_read_is_one_call() {
        let p = MockProvider::in_memory();
        let mut items = Vec::new();
        for i in 0..50 {
            let address = format!("mock_subnet.s[{i}]");
            let config = Value::map([
                ("network_id", Value::from("net-0")),
                ("cidr_block", Value::from(format!("10.0.{i}.0/24"))),
            ]);
            let state = create(&p, "mock_subnet", &address, config).await.new_state.unwrap();
            assert_eq!(state.get("zone").and_then(Value::as_str), Some("zone-a"));
            let id = state.get("id").and_then(Value::as_str).unwrap().to_string();
            items.push(ReadItem { address, id, prior: state });
        }
        p.clear_calls();
        p.delete_object("subnet-7");
        let r = p.read_resources(ReadRequest { type_name: "mock_subnet".into(), items }).await;
        assert_eq!(r.results.len(), 50);
        assert_eq!(r.results.iter().filter(|r| r.state.is_none()).count(), 1);
        assert_eq!(
            p.calls(),
            vec![MockCall { op: "read".into(), type_name: "mock_subnet".into(), address: None, count: 50 }]
        );
    }

    #[tokio::test]
    async fn file_backed_cloud_outlives_the_process() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cloud").join("mock.json");
        {
            let first = MockProvider::file_backed(path.clone());
            assert!(path.exists(), "created on construction");
            let r = create(&first, "mock_network", "mock_network.a", net_config("10.0.0.0/16", "a")).await;
            assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["next_id"], 2);

        let second = MockProvider::file_backed(path.clone());
        assert_eq!(second.objects().len(), 1);
        assert_eq!(ops(&second), ["create"]);
        let state = read_one(&second, "mock_network", "net-1").await.unwrap();
        assert_eq!(state.get("name").and_then(Value::as_str), Some("a"));
        second.set_attribute("net-1", "name", "changed out of band".into());
        let r = create(&second, "mock_network", "mock_network.b", net_config("10.1.0.0/16", "b")).await;
        assert_eq!(r.new_state.unwrap().get("id").and_then(Value::as_str), Some("net-2"));

        let third = MockProvider::file_backed(path);
        assert_eq!(ops(&third), ["create", "read", "create"]);
        let drifted = read_one(&third, "mock_network", "net-1").await.unwrap();
        assert_eq!(drifted.get("name").and_then(Value::as_str), Some("changed out of band"));
    }

    #[tokio::test]
    async fn a_repeated_create_adopts_the_object_of_the_crashed_run() {
        let p = MockProvider::in_memory();
        let config = net_config("10.0.0.0/16", "a");
        let first = create(&p, "mock_network", "mock_network.a", config.clone()).await.new_state.unwrap();
        let again = create(&p, "mock_network", "mock_network.a", config).await;
        assert!(again.diagnostics.is_empty());
        assert_eq!(again.new_state, Some(first));
        assert_eq!(p.objects().len(), 1);
        assert_eq!(ops(&p), ["create", "create"]);
    }

    #[tokio::test]
    async fn fail_on_makes_nothing() {
        let p = MockProvider::in_memory();
        let config = Value::map([("name", Value::from("web")), ("fail_on", Value::from("create"))]);
        let r = create(&p, "mock_server", "mock_server.web", config).await;
        assert!(r.new_state.is_none());
        assert!(has_errors(&r.diagnostics));
        let d = &r.diagnostics[0];
        assert_eq!(d.code.as_deref(), Some("mock::SimulatedFailure"));
        assert_eq!(d.summary, "simulated failure creating mock_server.web");
        assert_eq!(d.address.as_deref(), Some("mock_server.web"));
        assert!(p.objects().is_empty());
        assert_eq!(ops(&p), ["create"]);

        // A failed update leaves the object as it was.
        let config = Value::map([("name", Value::from("db"))]);
        let state = create(&p, "mock_server", "mock_server.db", config).await.new_state.unwrap();
        let failing = Value::map([("name", Value::from("db2")), ("fail_on", Value::from("update"))]);
        let planned = plan(&p, "mock_server", "mock_server.db", Some(state.clone()), failing);
        let r = p
            .apply_resource(ApplyRequest {
                change: Change::Update { prior: state.clone(), planned },
                ..create_req("mock_server", "mock_server.db", Value::Null)
            })
            .await;
        assert_eq!(r.diagnostics[0].summary, "simulated failure updating mock_server.db");
        assert_eq!(read_one(&p, "mock_server", "srv-1").await, Some(state));
    }

    #[tokio::test]
    async fn servers_get_defaults_keep_secrets_and_leave_external_fields_alone() {
        let p = MockProvider::in_memory();
        let port = Value::map([("from", Value::int(443)), ("to", Value::int(443)), ("protocol", Value::from("6"))]);
        let config = Value::map([
            ("name", Value::from("web")),
            ("password", Value::from("hunter2").mark(true)),
            ("desired_count", Value::int(2)),
            ("port", Value::List(vec![port])),
        ]);
        let state = create(&p, "mock_server", "mock_server.web", config.clone()).await.new_state.unwrap();
        assert_eq!(state.get("id").and_then(Value::as_str), Some("srv-1"));
        assert_eq!(state.get("size").and_then(Value::as_str), Some("small"));
        assert_eq!(state.get("private_ip").and_then(Value::as_str), Some("10.0.0.1"));
        assert_eq!(state.get("password").and_then(Value::as_str), Some("hunter2"));
        let protocol = AttrPath::parse("port[0].protocol").unwrap();
        assert_eq!(state.get_path(&protocol).and_then(Value::as_str), Some("tcp"));

        // An autoscaler changes the count; an update of something else must not undo it.
        p.set_attribute("srv-1", "desired_count", 5.into());
        let current = read_one(&p, "mock_server", "srv-1").await.unwrap();
        let mut changed = config;
        changed.set_path(&AttrPath::attr("size"), "large".into());
        let planned = plan(&p, "mock_server", "mock_server.web", Some(current.clone()), changed);
        let r = p
            .apply_resource(ApplyRequest {
                change: Change::Update { prior: state, planned },
                ..create_req("mock_server", "mock_server.web", Value::Null)
            })
            .await;
        let after = r.new_state.unwrap();
        assert_eq!(after.get("size").and_then(Value::as_str), Some("large"));
        assert_eq!(after.get("desired_count").and_then(Value::as_i64), Some(5));
        assert_eq!(after.get("private_ip"), current.get("private_ip"));
    }

    #[tokio::test]
    async fn apply_delay_reports_progress() {
        let p = MockProvider::in_memory();
        let seen = Arc::new(Mutex::new(Vec::<String>::new()));
        let sink = seen.clone();
        let config = Value::map([("name", Value::from("slow")), ("apply_delay_ms", Value::int(30))]);
        let planned = plan(&p, "mock_server", "mock_server.slow", None, config);
        let req = ApplyRequest {
            progress: Progress::new(move |m| sink.lock().unwrap().push(m.to_string())),
            ..create_req("mock_server", "mock_server.slow", planned)
        };
        let r = p.apply_resource(req).await;
        assert!(r.diagnostics.is_empty());
        let seen = seen.lock().unwrap();
        assert_eq!(seen.first().map(String::as_str), Some("waiting for server to become ready (0s elapsed)"));
    }

    #[tokio::test]
    async fn import_and_data_sources() {
        let p = MockProvider::in_memory();
        create(&p, "mock_network", "mock_network.a", net_config("10.0.0.0/16", "a")).await;
        let import = |id: &str| ImportRequest {
            type_name: "mock_network".into(),
            address: "mock_network.b".into(),
            id: id.into(),
        };
        let r = p.import_resource(import("net-1")).await;
        assert_eq!(r.state.unwrap().get("name").and_then(Value::as_str), Some("a"));
        let r = p.import_resource(import("net-404")).await;
        assert!(r.state.is_none());
        assert_eq!(r.diagnostics[0].summary, "no mock_network with id net-404");

        let data = |config: Value| DataRequest {
            type_name: "mock_zones".into(),
            address: "data.mock_zones.all".into(),
            config,
        };
        let r = p.read_data_source(data(Value::Null)).await;
        assert_eq!(r.state.get("id").and_then(Value::as_str), Some("default"));
        assert_eq!(r.state.get("names").and_then(Value::as_list).map(<[Value]>::len), Some(3));
        let r = p.read_data_source(data(Value::map([("region", Value::from("eu-west-1"))]))).await;
        assert_eq!(r.state.get("id").and_then(Value::as_str), Some("eu-west-1"));
        assert_eq!(ops(&p), ["create", "import", "import", "data", "data"]);
    }

    #[test]
    fn canonical_forms() {
        let p = MockProvider::in_memory();
        let cidr = AttrPath::attr("cidr_block");
        assert_eq!(p.canonicalize("mock_network", &cidr, "10.0.1.5/16".into()), Value::from("10.0.0.0/16"));
        assert_eq!(p.canonicalize("mock_network", &cidr, "10.0.0.0/16".into()), Value::from("10.0.0.0/16"));
        assert_eq!(p.canonicalize("mock_network", &cidr, "192.168.7.9/32".into()), Value::from("192.168.7.9/32"));
        assert_eq!(p.canonicalize("mock_network", &cidr, "1.2.3.4/0".into()), Value::from("0.0.0.0/0"));
        assert_eq!(p.canonicalize("mock_network", &cidr, "not a cidr".into()), Value::from("not a cidr"));
        let proto = AttrPath::parse("port[2].protocol").unwrap();
        for (given, want) in [("6", "tcp"), ("17", "udp"), ("-1", "all"), ("TCP", "tcp")] {
            assert_eq!(p.canonicalize("mock_server", &proto, given.into()), Value::from(want));
        }
        assert_eq!(p.canonicalize("mock_server", &AttrPath::attr("name"), "TCP".into()), Value::from("TCP"));
        let bad = Value::map([("cidr_block", Value::from("10.0.0.0/33"))]);
        assert_eq!(p.validate_resource("mock_network", &bad)[0].code.as_deref(), Some("mock::InvalidCidr"));
        assert!(p.validate_resource("mock_network", &net_config("10.0.0.0/8", "x")).is_empty());
        assert_eq!(p.name(), "mock");
    }
}
