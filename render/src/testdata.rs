//! Values the unit snapshots render: a plan with every kind of change, its cost, a drift report,
//! diagnostics with their sources, state, a graph and apply events. Built here rather than by
//! running the engine, so each renderer is tested alone.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::json;
use tether_addrs::{ConfigResourceAddr, InstanceAddr, Mode, Target};
use tether_engine::apply::{ApplyEvent, ApplyOutcome, Subject};
use tether_engine::diag::{Diag, SourceMap, Span};
use tether_engine::drift::{AttributeDrift, DriftReport, DriftStatus, ResourceDrift};
use tether_engine::graph::Graph;
use tether_engine::plan::{Action, CostReport, CostTotal, OutputChange, Plan, ResourceChange, ResourceCost};
use tether_sdk::cost::{CostEstimate, CostItem, HourlyPrice, PriceSource, Usd};
use tether_sdk::{AttrPath, OwnedObject, Value};
use tether_state::{OutputState, ResourceState, StateFile};

pub fn addr(s: &str) -> InstanceAddr {
    InstanceAddr::parse(s).unwrap()
}

fn value(v: serde_json::Value) -> Value {
    Value::from_json(&v)
}

fn with(mut v: Value, key: &str, x: Value) -> Value {
    if let Value::Map(m) = &mut v {
        m.insert(key.to_string(), x);
    }
    v
}

fn secret(s: &str) -> Value {
    Value::Sensitive(Box::new(Value::string(s)))
}

fn change(address: &str, action: Action, before: Option<Value>, after: Option<Value>) -> ResourceChange {
    let a = addr(address);
    ResourceChange {
        mode: a.resource.mode,
        type_name: a.resource.type_name.clone(),
        name: a.resource.name.clone(),
        address: a,
        provider: "mock".to_string(),
        action,
        before,
        after,
        requires_replace: Vec::new(),
        reason: None,
        dependencies: Vec::new(),
        create_before_destroy: false,
        prevent_destroy: false,
        high_impact: None,
        deposed: false,
    }
}

fn source() -> PriceSource {
    PriceSource::new("mock list prices", Some("https://example.invalid/prices"), Some("2025-01-01"))
}

fn estimate(description: &str, unit: &str, quantity: Option<i64>, micros: i64) -> CostEstimate {
    CostEstimate::new(vec![CostItem::hourly(description, unit, quantity, HourlyPrice::from_micros(micros), source())])
}

fn resource_cost(
    address: &str,
    action: Action,
    before: Option<CostEstimate>,
    after: Option<CostEstimate>,
) -> ResourceCost {
    let before_monthly = match &before {
        Some(e) => e.monthly(),
        None => Some(Usd::ZERO),
    };
    let after_monthly = match &after {
        Some(e) => e.monthly(),
        None => Some(Usd::ZERO),
    };
    let delta_monthly = match (before_monthly, after_monthly) {
        (Some(b), Some(a)) => Some(Usd::from_cents(a.cents() - b.cents())),
        _ => None,
    };
    ResourceCost {
        address: addr(address),
        type_name: addr(address).resource.type_name,
        action,
        before,
        after,
        before_monthly,
        after_monthly,
        delta_monthly,
    }
}

/// A cost report with a create, an update, a delete, an unchanged resource and an amount known
/// only after apply.
pub fn cost() -> CostReport {
    CostReport {
        currency: "USD".to_string(),
        hours_per_month: 730,
        before: CostTotal { monthly: Usd::from_cents(14600 + 3650 + 7300), unknown: Vec::new() },
        after: CostTotal { monthly: Usd::from_cents(14600 + 7300 + 2190), unknown: vec![addr("mock_pool.auto")] },
        delta: CostTotal { monthly: Usd::from_cents(7300 + 2190 - 3650 - 7300), unknown: vec![addr("mock_pool.auto")] },
        resources: vec![
            resource_cost(
                "mock_cluster.main",
                Action::NoOp,
                Some(estimate("control plane", "cluster", Some(1), 200_000)),
                Some(estimate("control plane", "cluster", Some(1), 200_000)),
            ),
            resource_cost(
                "mock_server.web[0]",
                Action::Update,
                Some(estimate("servers", "instance", Some(1), 100_000)),
                Some(estimate("servers", "instance", Some(2), 50_000)),
            ),
            resource_cost(
                "mock_server.web[1]",
                Action::Create,
                None,
                Some(estimate("servers", "instance", Some(3), 10_000)),
            ),
            resource_cost(
                "mock_gateway.old",
                Action::Delete,
                Some(estimate("gateway", "attachment", Some(1), 50_000)),
                None,
            ),
            resource_cost("mock_pool.auto", Action::Create, None, Some(estimate("pool nodes", "vCPU", None, 10_000))),
        ],
        sources: vec![source()],
    }
}

/// A plan with one change of every kind, outputs, a warning, an interrupted create and a cost.
pub fn plan() -> Plan {
    let network_after = with(
        value(json!({"cidr_block": "10.0.0.0/16", "name": "main", "tags": {"env": "test", "team": "net"}})),
        "id",
        Value::Unknown,
    );
    let mut create = change("mock_network.main", Action::Create, None, Some(network_after));
    create.dependencies = Vec::new();

    let before = value(json!({
        "id": "srv-1", "name": "web", "size": "small",
        "user_data": "#!/bin/sh\necho one\necho two\n",
        "ingress": [{"port": 80, "cidr": "0.0.0.0/0"}, {"port": 22, "cidr": "10.0.0.0/8"}],
        "labels": {"tier": "web", "old": "yes"},
    }));
    let before = with(before, "password", secret("hunter2"));
    let after = value(json!({
        "id": "srv-1", "name": "web", "size": "large",
        "user_data": "#!/bin/sh\necho one\necho three\n",
        "ingress": [{"port": 443, "cidr": "0.0.0.0/0"}, {"port": 22, "cidr": "10.0.0.0/8"}],
        "labels": {"tier": "web", "new": "yes"},
    }));
    let after = with(after, "password", secret("correct horse"));
    let mut update = change("mock_server.web[0]", Action::Update, Some(before), Some(after));
    update.dependencies = vec![ConfigResourceAddr::parse("mock_network.main").unwrap()];

    let cluster_before = value(json!({"id": "cl-1", "name": "prod", "version": "1.29", "arn": "arn:mock:cl-1"}));
    let cluster_after = with(value(json!({"name": "prod-2", "version": "1.29"})), "arn", Value::Unknown);
    let cluster_after = with(cluster_after, "id", Value::Unknown);
    let mut replace = change("mock_cluster.main", Action::DeleteThenCreate, Some(cluster_before), Some(cluster_after));
    replace.requires_replace = vec![AttrPath::attr("name")];
    replace.high_impact = Some("every node and workload of the cluster goes with it".to_string());

    let mut cbd = change(
        "mock_server.web[\"blue\"]",
        Action::CreateThenDelete,
        Some(value(json!({"id": "srv-9", "image": "img-1"}))),
        Some(with(value(json!({"image": "img-2"})), "id", Value::Unknown)),
    );
    cbd.requires_replace = vec![AttrPath::attr("image")];
    cbd.create_before_destroy = true;

    let mut delete =
        change("mock_gateway.old", Action::Delete, Some(value(json!({"id": "gw-1", "name": "old"}))), None);
    delete.reason = Some("it is not in the configuration".to_string());

    let read = change(
        "data.mock_image.latest",
        Action::Read,
        None,
        Some(with(value(json!({"family": "linux"})), "id", Value::Unknown)),
    );
    let noop = change(
        "mock_dns.zone",
        Action::NoOp,
        Some(value(json!({"id": "z-1", "name": "example.internal"}))),
        Some(value(json!({"id": "z-1", "name": "example.internal"}))),
    );

    Plan {
        format_version: 1,
        tether_version: "0.0.0-test".to_string(),
        lineage: Some("00000000-0000-4000-8000-000000000000".to_string()),
        serial: 7,
        stack_hash: "abc123".to_string(),
        destroy: false,
        variables: BTreeMap::from([
            ("region".to_string(), Value::string("us-east-1")),
            ("token".to_string(), secret("s3cr3t")),
        ]),
        changes: vec![create, update, replace, cbd, delete, read, noop],
        outputs: vec![
            OutputChange {
                name: "network_id".to_string(),
                action: Action::Create,
                before: None,
                after: Some(Value::Unknown),
                sensitive: false,
            },
            OutputChange {
                name: "size".to_string(),
                action: Action::Update,
                before: Some(Value::string("small")),
                after: Some(Value::string("large")),
                sensitive: false,
            },
            OutputChange {
                name: "admin_password".to_string(),
                action: Action::Update,
                before: Some(Value::string("a")),
                after: Some(Value::string("b")),
                sensitive: true,
            },
            OutputChange {
                name: "gateway".to_string(),
                action: Action::Delete,
                before: Some(Value::string("gw-1")),
                after: None,
                sensitive: false,
            },
        ],
        targets: vec![Target::parse("mock_server.web").unwrap()],
        excludes: Vec::new(),
        warnings: vec!["main.hcl:3:1: warning[config::deprecated]: size is deprecated".to_string()],
        interrupted: vec![addr("mock_network.main")],
        cost: Some(cost()),
    }
}

/// A plan that changes nothing, with a cost.
pub fn empty_plan() -> Plan {
    let mut p = plan();
    p.changes.retain(|c| c.action == Action::NoOp);
    p.outputs.clear();
    p.warnings.clear();
    p.interrupted.clear();
    p
}

/// Drift of every kind: a changed object (with a secret), a deleted one, and objects not in state.
pub fn drift() -> DriftReport {
    DriftReport {
        lineage: "00000000-0000-4000-8000-000000000000".to_string(),
        serial: 7,
        checked: 4,
        resources: vec![
            ResourceDrift {
                address: addr("mock_server.web[0]"),
                type_name: "mock_server".to_string(),
                id: "srv-1".to_string(),
                status: DriftStatus::Changed,
                attributes: vec![
                    AttributeDrift {
                        path: "labels.tier".to_string(),
                        recorded: Value::string("web"),
                        actual: Value::string("web|edge"),
                    },
                    AttributeDrift { path: "password".to_string(), recorded: secret("a"), actual: secret("b") },
                    AttributeDrift {
                        path: "size".to_string(),
                        recorded: Value::string("small"),
                        actual: Value::string("large"),
                    },
                ],
                actual: None,
            },
            ResourceDrift {
                address: addr("mock_gateway.old"),
                type_name: "mock_gateway".to_string(),
                id: "gw-1".to_string(),
                status: DriftStatus::Deleted,
                attributes: Vec::new(),
                actual: None,
            },
        ],
        unmanaged: vec![
            OwnedObject {
                address: "mock_server.stray".to_string(),
                type_name: "mock_server".to_string(),
                id: "srv-7".to_string(),
            },
            OwnedObject { address: String::new(), type_name: "mock_network".to_string(), id: "net-9".to_string() },
        ],
    }
}

/// No drift.
pub fn no_drift() -> DriftReport {
    DriftReport { resources: Vec::new(), unmanaged: Vec::new(), ..drift() }
}

pub const MAIN_HCL: &str = "resource \"mock_server\" \"web\" {\n  name = \"web\"\n  sise = \"large\"\n}\n";
pub const VARS_HCL: &str = "variable \"size\" {\n  default = \"large\"\n}\n";

/// An error with a label in its file, help and a second label in another file; a warning
/// without a location.
pub fn diagnostics() -> (Vec<Diag>, SourceMap) {
    let mut sources = SourceMap::new();
    let main = sources.add("main.hcl", MAIN_HCL);
    let vars = sources.add("variables.hcl", VARS_HCL);
    let at = |file, needle: &str, text: &str| {
        let start = text.find(needle).unwrap();
        Span::new(file, start..start + needle.len())
    };
    let error = Diag::error("unknown attribute sise in mock_server")
        .code("config::unknown-attribute")
        .label(at(main, "sise", MAIN_HCL), "not an attribute of mock_server")
        .label(at(vars, "default", VARS_HCL), "the size is declared here")
        .help("did you mean size?")
        .address("mock_server.web");
    let warning = Diag::warning("the mock provider keeps its cloud in a file")
        .code("provider::mock")
        .detail("objects survive between runs");
    (vec![error, warning], sources)
}

/// State with a managed resource holding a secret, a data source, a deposed object and outputs.
pub fn state() -> StateFile {
    let mut s = StateFile::new();
    s.lineage = "00000000-0000-4000-8000-000000000000".to_string();
    s.serial = 3;
    let resource = |address: &str, mode: Mode, id: &str, attributes: serde_json::Value| ResourceState {
        address: addr(address),
        mode,
        type_name: addr(address).resource.type_name,
        provider: "mock".to_string(),
        id: id.to_string(),
        attributes,
        sensitive_paths: vec!["password".to_string()],
        dependencies: Vec::new(),
        create_before_destroy: false,
        deposed: false,
    };
    s.upsert_resource(resource(
        "mock_server.web[0]",
        Mode::Managed,
        "srv-1",
        json!({"id": "srv-1", "name": "web", "password": "hunter2", "size": "small", "note": null, "tags": {"env": "test"}}),
    ));
    s.upsert_resource(resource(
        "data.mock_image.latest",
        Mode::Data,
        "img-1",
        json!({"id": "img-1", "family": "linux"}),
    ));
    let mut deposed = resource("mock_cluster.main", Mode::Managed, "cl-0", json!({"id": "cl-0", "name": "prod"}));
    deposed.deposed = true;
    s.upsert_resource(deposed);
    s.outputs.insert("network_id".to_string(), OutputState { value: json!("net-1"), sensitive: false });
    s.outputs.insert("admin_password".to_string(), OutputState { value: json!("hunter2"), sensitive: true });
    s.outputs.insert("ports".to_string(), OutputState { value: json!([80, 443]), sensitive: false });
    s.outputs.insert("replicas".to_string(), OutputState { value: json!(3), sensitive: false });
    s
}

/// The recorded value of a state entry with its recorded sensitive paths marked, as the
/// engine's `prior_with_marks` gives it.
pub fn marked(r: &ResourceState) -> Value {
    let mut v = Value::from_json(&r.attributes);
    if let Value::Map(m) = &mut v {
        for p in &r.sensitive_paths {
            if let Some(x) = m.get_mut(p) {
                *x = Value::Sensitive(Box::new(x.clone()));
            }
        }
    }
    v
}

/// A stack with variables, locals, a provider, resources depending on each other and an output.
pub fn graph() -> Graph {
    let text = r#"
variable "cidr" {
  default = "10.0.0.0/16"
}
locals {
  name = "main"
}
provider "mock" {
  region = "test"
}
resource "mock_network" "main" {
  cidr = var.cidr
  name = local.name
}
resource "mock_server" "web" {
  subnet_id = mock_network.main.id
}
resource "mock_server" "db" {
  subnet_id  = mock_network.main.id
  depends_on = [mock_server.web]
}
output "web_id" {
  value = mock_server.web.id
}
"#;
    let (config, diags) = tether_engine::config::load_sources(vec![(PathBuf::from("main.hcl"), text.to_string())]);
    assert!(diags.is_empty(), "{diags:?}");
    tether_engine::graph::build(&config).unwrap()
}

/// One apply event of every kind, for current and deposed objects.
pub fn events() -> Vec<ApplyEvent> {
    let web = Subject { address: addr("mock_server.web[0]"), deposed: false };
    let old = Subject { address: addr("mock_cluster.main"), deposed: true };
    let s = Duration::from_secs;
    vec![
        ApplyEvent::Started { subject: web.clone(), action: Action::Create },
        ApplyEvent::Progress { subject: web.clone(), message: "waiting for the server to boot".to_string() },
        ApplyEvent::StillRunning { subject: web.clone(), action: Action::Create, elapsed: s(10) },
        ApplyEvent::Finished {
            subject: web.clone(),
            action: Action::Create,
            elapsed: s(12),
            id: Some("srv-1".to_string()),
        },
        ApplyEvent::Started { subject: web.clone(), action: Action::Update },
        ApplyEvent::Finished { subject: web.clone(), action: Action::Update, elapsed: s(1), id: None },
        ApplyEvent::Started { subject: old.clone(), action: Action::Delete },
        ApplyEvent::Failed {
            subject: old.clone(),
            action: Action::Delete,
            summary: "the cluster still has node groups".to_string(),
        },
        ApplyEvent::Started { subject: web.clone(), action: Action::Read },
        ApplyEvent::Finished { subject: web.clone(), action: Action::Read, elapsed: s(0), id: None },
        ApplyEvent::Skipped { subject: web, reason: "it depends on mock_network.main, which failed".to_string() },
    ]
}

/// Outcomes: everything applied (with outputs), and one failure.
pub fn outcomes() -> (ApplyOutcome, ApplyOutcome) {
    let outputs = state().outputs;
    let ok = ApplyOutcome { failures: Vec::new(), added: 2, changed: 1, destroyed: 1, outputs };
    let failed = ApplyOutcome {
        failures: vec![Diag::error("destroying mock_cluster.main: the cluster still has node groups")],
        added: 1,
        changed: 0,
        destroyed: 0,
        outputs: BTreeMap::new(),
    };
    (ok, failed)
}
