//! tether's AWS provider.
//!
//! Resource types follow the Terraform AWS provider's names, attributes and semantics, so stacks
//! and habits carry over. Each type lives in its own file under its service's module and
//! implements `AwsResource`; this file only dispatches.
//!
//! Every object is created with the provider's `default_tags`, the stack's `tags`, and two
//! ownership tags (`tether:lineage`, `tether:address`), so a re-run after a crash can find and
//! adopt what a crashed run created. Reads are batched: one paginated Describe call per type
//! (EKS, whose Describe calls take one name each, reads its few objects concurrently).

pub mod checks;
pub mod client;
pub mod common;
pub mod ec2;
pub mod eks;
pub mod iam;
mod owned;
pub mod pricing;
pub mod resource;
pub mod rolesanywhere;
pub mod route53resolver;
pub mod ssm;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use async_trait::async_trait;
use aws_smithy_runtime_api::client::http::{HttpClient, SharedHttpClient};
use aws_smithy_runtime_api::shared::IntoShared;
use tether_sdk::{
    ApplyRequest, ApplyResponse, AttrPath, AttrType, Attribute, Block, BlockType, Change, ConfigureRequest,
    CostEstimate, CostRequest, DataRequest, DataResponse, Diagnostic, ImportRequest, ImportResponse, Progress,
    Provider, ProviderSchema, ReadRequest, ReadResponse, ReadResult, Value,
};

use crate::client::{Clients, Settings};
use crate::common::Ctx;
use crate::resource::{AwsDataSource, AwsResource};

pub struct AwsProvider {
    schema: ProviderSchema,
    resources: BTreeMap<&'static str, Box<dyn AwsResource>>,
    data_sources: BTreeMap<&'static str, Box<dyn AwsDataSource>>,
    configured: OnceLock<(Clients, Settings, String)>,
    polls: common::Polls,
    /// Where API requests go instead of the SDK's HTTPS client (see `with_http_client`).
    http_client: Option<SharedHttpClient>,
}

impl Default for AwsProvider {
    fn default() -> Self {
        AwsProvider::new()
    }
}

impl AwsProvider {
    pub fn new() -> AwsProvider {
        let resources: BTreeMap<&'static str, Box<dyn AwsResource>> = ec2::resources()
            .into_iter()
            .chain(route53resolver::resources())
            .chain(eks::resources())
            .chain(iam::resources())
            .chain(rolesanywhere::resources())
            .chain(ssm::resources())
            .map(|r| (r.type_name(), r))
            .collect();
        let data_sources: BTreeMap<&'static str, Box<dyn AwsDataSource>> =
            ec2::data_sources().into_iter().map(|d| (d.type_name(), d)).collect();
        let provider = Block::new()
            .attr("region", Attribute::optional(AttrType::String).describe("AWS region; default from the AWS chain"))
            .attr("endpoint_url", Attribute::optional(AttrType::String).describe("send API calls here instead of AWS"))
            .attr("max_retries", Attribute::optional(AttrType::Number).describe("attempts for throttled calls (8)"))
            .attr(
                "instance_prices",
                Attribute::optional(AttrType::map_of(AttrType::Number)).describe(
                    "instance type -> USD per hour, for cost estimates; overrides the shipped table of the region",
                ),
            )
            .block(
                "default_tags",
                BlockType::single(Block::new().attr("tags", Attribute::optional(AttrType::map_of(AttrType::String)))),
            );
        let schema = ProviderSchema {
            provider,
            resources: resources.iter().map(|(k, r)| (k.to_string(), r.schema())).collect(),
            data_sources: data_sources.iter().map(|(k, d)| (k.to_string(), d.schema())).collect(),
        };
        AwsProvider {
            schema,
            resources,
            data_sources,
            configured: OnceLock::new(),
            polls: common::Polls::default(),
            http_client: None,
        }
    }

    /// A provider whose API requests all go to `http_client` rather than over the network: the
    /// seam for tests that replay recorded AWS responses (APIs the emulator lacks). Settings,
    /// credentials, retries and the call log work as in `new`.
    pub fn with_http_client(http_client: impl HttpClient + 'static) -> AwsProvider {
        AwsProvider { http_client: Some(http_client.into_shared()), ..AwsProvider::new() }
    }

    /// API calls made so far (all services).
    pub fn api_calls(&self) -> usize {
        self.configured.get().map(|(c, _, _)| c.calls.count()).unwrap_or(0)
    }

    fn ctx<'a>(&'a self, address: &'a str, progress: &'a Progress) -> Result<Ctx<'a>, Diagnostic> {
        let (clients, settings, lineage) = self.configured.get().ok_or_else(|| {
            Diagnostic::error("the aws provider was used before it was configured").code("aws::NotConfigured")
        })?;
        Ok(Ctx { clients, polls: &self.polls, default_tags: &settings.default_tags, lineage, address, progress })
    }

    fn resource(&self, type_name: &str) -> Result<&dyn AwsResource, Diagnostic> {
        self.resources
            .get(type_name)
            .map(|r| r.as_ref())
            .ok_or_else(|| Diagnostic::error(format!("the aws provider has no resource type {type_name}")))
    }
}

#[async_trait]
impl Provider for AwsProvider {
    fn name(&self) -> &str {
        "aws"
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    fn validate_resource(&self, type_name: &str, config: &Value) -> Vec<Diagnostic> {
        self.resources.get(type_name).map(|r| r.validate(config)).unwrap_or_default()
    }

    fn validate_plan(&self, resources: &[tether_sdk::PlannedResource]) -> Vec<Diagnostic> {
        checks::validate_plan(resources)
    }

    fn reachability(&self, planned: &[tether_sdk::PlannedResource]) -> Vec<tether_sdk::FlowReport> {
        checks::flows(planned)
    }

    fn canonicalize(&self, type_name: &str, path: &AttrPath, value: Value) -> Value {
        match self.resources.get(type_name) {
            Some(r) => r.canonicalize(path, value),
            None => value,
        }
    }

    fn monthly_cost(&self, req: &CostRequest<'_>) -> Option<CostEstimate> {
        pricing::monthly_cost(req.type_name, req.value, req.provider_config)
    }

    async fn configure(&self, req: ConfigureRequest) -> Vec<Diagnostic> {
        if self.configured.get().is_some() {
            return Vec::new();
        }
        let mut settings = Settings::from_value(&req.config);
        if settings.endpoint_url.is_none() {
            settings.endpoint_url = std::env::var("AWS_ENDPOINT_URL").ok().filter(|s| !s.is_empty());
        }
        let clients = client::build(&settings, self.http_client.clone()).await;
        let _ = self.configured.set((clients, settings, req.lineage));
        Vec::new()
    }

    async fn read_resources(&self, req: ReadRequest) -> ReadResponse {
        let silent = Progress::silent();
        let (r, cx) = match (self.resource(&req.type_name), self.ctx(&req.type_name, &silent)) {
            (Ok(r), Ok(cx)) => (r, cx),
            (Err(d), _) | (_, Err(d)) => return ReadResponse { results: Vec::new(), diagnostics: vec![d] },
        };
        match r.read(&cx, &req.items).await {
            Ok(mut found) => ReadResponse {
                results: req
                    .items
                    .iter()
                    .map(|i| ReadResult { address: i.address.clone(), state: found.remove(&i.id) })
                    .collect(),
                diagnostics: Vec::new(),
            },
            Err(d) => {
                let addresses: Vec<&str> = req.items.iter().map(|i| i.address.as_str()).collect();
                let d = d.detail(format!("while refreshing {}", addresses.join(", ")));
                ReadResponse { results: Vec::new(), diagnostics: vec![d] }
            }
        }
    }

    async fn apply_resource(&self, req: ApplyRequest) -> ApplyResponse {
        let (r, cx) = match (self.resource(&req.type_name), self.ctx(&req.address, &req.progress)) {
            (Ok(r), Ok(cx)) => (r, cx),
            (Err(d), _) | (_, Err(d)) => return ApplyResponse { new_state: None, diagnostics: vec![d] },
        };
        let cx = Ctx { lineage: &req.lineage, ..cx };
        let result = match &req.change {
            Change::Create { planned, idempotency_token } => r.create(&cx, planned, idempotency_token).await.map(Some),
            Change::Update { prior, planned } => r.update(&cx, prior, planned).await.map(Some),
            Change::Delete { prior } => r.delete(&cx, prior).await.map(|()| None),
        };
        match result {
            Ok(new_state) => ApplyResponse { new_state, diagnostics: Vec::new() },
            Err(d) => ApplyResponse { new_state: None, diagnostics: vec![d] },
        }
    }

    async fn import_resource(&self, req: ImportRequest) -> ImportResponse {
        let silent = Progress::silent();
        let (r, cx) = match (self.resource(&req.type_name), self.ctx(&req.address, &silent)) {
            (Ok(r), Ok(cx)) => (r, cx),
            (Err(d), _) | (_, Err(d)) => return ImportResponse { state: None, diagnostics: vec![d] },
        };
        match resource::read_one(r, &cx, &req.id, &Value::Null).await {
            Ok(Some(v)) => ImportResponse { state: Some(v), diagnostics: Vec::new() },
            Ok(None) => ImportResponse {
                state: None,
                diagnostics: vec![Diagnostic::error(format!("no {} with id {} exists", req.type_name, req.id))
                    .code("aws::NotFound")
                    .address(&req.address)
                    .help("check the ID and the region")],
            },
            Err(d) => ImportResponse { state: None, diagnostics: vec![d] },
        }
    }

    async fn list_owned(&self, lineage: &str) -> tether_sdk::ListOwnedResponse {
        let Some((clients, _, _)) = self.configured.get() else {
            let e = Diagnostic::error("the aws provider was used before it was configured").code("aws::NotConfigured");
            return tether_sdk::ListOwnedResponse { objects: Vec::new(), diagnostics: vec![e] };
        };
        match owned::list(clients, lineage).await {
            Ok(objects) => tether_sdk::ListOwnedResponse { objects, diagnostics: Vec::new() },
            Err(e) => tether_sdk::ListOwnedResponse { objects: Vec::new(), diagnostics: vec![e] },
        }
    }

    async fn read_data_source(&self, req: DataRequest) -> DataResponse {
        let silent = Progress::silent();
        let Some(d) = self.data_sources.get(req.type_name.as_str()) else {
            return DataResponse {
                state: Value::Null,
                diagnostics: vec![Diagnostic::error(format!("the aws provider has no data source {}", req.type_name))],
            };
        };
        let cx = match self.ctx(&req.address, &silent) {
            Ok(cx) => cx,
            Err(e) => return DataResponse { state: Value::Null, diagnostics: vec![e] },
        };
        match d.read(&cx, &req.config).await {
            Ok(state) => DataResponse { state, diagnostics: Vec::new() },
            Err(e) => DataResponse { state: Value::Null, diagnostics: vec![e] },
        }
    }
}
