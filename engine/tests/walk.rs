//! The plan/apply walk, in process, against the in-memory mock provider.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use tether_engine::apply::{self, ApplyEvent, ApplyOptions};
use tether_engine::plan::{self, Action, Plan, PlanOptions};
use tether_engine::registry::Registry;
use tether_engine::stack::{self, Inputs, Stack};
use tether_sdk::mock::MockProvider;
use tether_state::{Backend, LocalBackend, StateFile};

struct Fixture {
    dir: tempfile::TempDir,
    mock: MockProvider,
    registry: Registry,
    backend: Arc<LocalBackend>,
}

impl Fixture {
    fn new(files: &[(&str, &str)]) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let mock = MockProvider::in_memory();
        let registry = Registry::new(vec![Arc::new(mock.clone())]);
        let backend = Arc::new(LocalBackend::new(dir.path().join(".tether/state.json")));
        Fixture { dir, mock, registry, backend }
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.dir.path().join(name), text).unwrap();
    }

    fn load(&self) -> (Stack, BTreeMap<String, tether_sdk::Value>) {
        let (loaded, diags) = stack::load(self.dir.path(), &self.registry);
        let mut stack = loaded.into_stack().unwrap_or_else(|| panic!("stack failed to load: {diags:#?}"));
        let (vars, diags) = stack::resolve_variables(&mut stack, &Inputs::default());
        assert!(!tether_engine::diag::has_errors(&diags), "{diags:#?}");
        (stack, vars)
    }

    fn state(&self) -> Option<StateFile> {
        self.backend.read().unwrap()
    }

    async fn plan(&self) -> (Stack, Plan) {
        let (stack, vars) = self.load();
        let state = self.state();
        let (p, _) = plan::plan(&stack, &self.registry, state.as_ref(), vars, &PlanOptions::default())
            .await
            .unwrap_or_else(|d| panic!("plan failed: {d:#?}"));
        (stack, p)
    }

    async fn apply(&self) -> (apply::ApplyOutcome, Vec<String>) {
        let (stack, p) = self.plan().await;
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink_log = log.clone();
        let sink: apply::EventSink = Arc::new(move |e: ApplyEvent| {
            let line = match e {
                ApplyEvent::Started { subject, action } => format!("start {action:?} {subject}"),
                ApplyEvent::Finished { subject, action, .. } => format!("done {action:?} {subject}"),
                ApplyEvent::Failed { subject, .. } => format!("failed {subject}"),
                ApplyEvent::Skipped { subject, .. } => format!("skipped {subject}"),
                ApplyEvent::Progress { subject, message } => format!("progress {subject} {message}"),
                ApplyEvent::StillRunning { subject, .. } => format!("running {subject}"),
            };
            sink_log.lock().unwrap().push(line);
        });
        let backend: Arc<dyn Backend> = self.backend.clone();
        let outcome = apply::apply(&stack, &self.registry, &p, backend, &ApplyOptions::default(), sink)
            .await
            .unwrap_or_else(|d| panic!("apply failed to start: {d:#?}"));
        let lines = log.lock().unwrap().clone();
        (outcome, lines)
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

const SERVERS: &str = r#"
variable "n" {
  type    = number
  default = 40
}

resource "mock_network" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "mock_subnet" "a" {
  network_id = mock_network.main.id
  cidr_block = cidrsubnet(mock_network.main.cidr_block, 8, 1)
}

resource "mock_server" "node" {
  count     = var.n
  name      = "node-${count.index}"
  subnet_id = mock_subnet.a.id
}
"#;

#[tokio::test]
async fn planning_a_fresh_stack_calls_no_provider() {
    let f = Fixture::new(&[("main.hcl", SERVERS), ("data.hcl", "data \"mock_zones\" \"all\" {}\n")]);
    let (_, p) = f.plan().await;
    assert!(f.mock.calls().is_empty(), "a never-applied stack must plan without provider calls: {:?}", f.mock.calls());
    assert_eq!(p.change(&addr("data.mock_zones.all")).map(|c| c.action), Some(Action::Read));
    assert_eq!(p.counts(), (42, 0, 0));
}

#[tokio::test]
async fn refresh_reads_each_type_once_whatever_the_number_of_resources() {
    let f = Fixture::new(&[("main.hcl", SERVERS)]);
    let (outcome, _) = f.apply().await;
    assert!(outcome.failures.is_empty(), "{:#?}", outcome.failures);
    assert_eq!(outcome.added, 42);
    f.mock.clear_calls();
    let (_, p) = f.plan().await;
    assert!(!p.has_changes(), "apply then plan must be empty");
    let reads: Vec<_> = f.mock.calls().into_iter().filter(|c| c.op == "read").collect();
    // 42 resources of 3 types: 3 batched reads.
    assert_eq!(reads.len(), 3, "one read per type: {reads:?}");
    let servers = reads.iter().find(|c| c.type_name == "mock_server").unwrap();
    assert_eq!(servers.count, 40);
    assert!(f.mock.calls().iter().all(|c| c.op == "read"), "plan must not change anything");
}

#[tokio::test]
async fn a_failure_stops_only_its_dependents() {
    let f = Fixture::new(&[(
        "main.hcl",
        r#"
resource "mock_network" "a" {
  cidr_block = "10.1.0.0/16"
}
resource "mock_server" "bad" {
  name    = "bad"
  fail_on = "create"
  tags    = { net = mock_network.a.id }
}
resource "mock_server" "after_bad" {
  name = "after-${mock_server.bad.id}"
}
resource "mock_network" "b" {
  cidr_block = "10.2.0.0/16"
}
resource "mock_server" "good" {
  name = "good-${mock_network.b.id}"
}
"#,
    )]);
    let (outcome, log) = f.apply().await;
    let addrs: Vec<String> = outcome.failures.iter().filter_map(|d| d.address.clone()).collect();
    assert!(addrs.contains(&"mock_server.bad".to_string()), "{addrs:?}");
    assert!(addrs.contains(&"mock_server.after_bad".to_string()), "the dependent is listed as not applied: {addrs:?}");
    assert!(log.contains(&"skipped mock_server.after_bad".to_string()), "{log:?}");
    let state = f.state().unwrap();
    for done in ["mock_network.a", "mock_network.b", "mock_server.good"] {
        assert!(state.resource(&addr(done)).is_some(), "{done} should be in state");
    }
    assert!(state.resource(&addr("mock_server.bad")).is_none());
    assert!(state.resource(&addr("mock_server.after_bad")).is_none());
    assert!(state.journal.is_empty(), "a failed create that made nothing leaves no journal entry");
    assert_eq!(f.mock.objects().len(), 3);
}

#[tokio::test]
async fn state_is_written_after_every_operation() {
    let f = Fixture::new(&[("main.hcl", &SERVERS.replace("default = 40", "default = 3"))]);
    let (outcome, _) = f.apply().await;
    assert!(outcome.failures.is_empty());
    let state = f.state().unwrap();
    // One write per create, plus one per journal entry before each create.
    assert!(state.serial >= 10, "serial {} should count every write", state.serial);
    let backup = std::fs::read_to_string(f.path().join(".tether/state.json.backup")).unwrap();
    let previous: StateFile = serde_json::from_str(&backup).unwrap();
    assert_eq!(previous.lineage, state.lineage, "lineage never changes");
    assert_eq!(previous.serial + 1, state.serial, "the backup is the version before the last write");
}

#[tokio::test]
async fn a_saved_plan_is_refused_once_state_moved_on() {
    let f = Fixture::new(&[("main.hcl", "resource \"mock_network\" \"a\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n")]);
    let (stack, stale) = f.plan().await;
    f.apply().await;
    f.mock.clear_calls();
    let err = apply::check_fresh(&stale, &stack, f.state().as_ref()).unwrap_err();
    assert!(err.summary.starts_with("plan is stale"), "{}", err.summary);
    f.write("main.hcl", "resource \"mock_network\" \"a\" {\n  cidr_block = \"10.9.0.0/16\"\n}\n");
    let (stack2, _) = f.plan().await;
    let (_, fresh) = f.plan().await;
    assert!(apply::check_fresh(&fresh, &stack2, f.state().as_ref()).is_ok());
    assert!(apply::check_fresh(&fresh, &stack, f.state().as_ref()).is_err(), "a changed stack makes a plan stale");
}

#[test]
fn conforms_accepts_only_values_the_plan_left_unknown() {
    use tether_sdk::Value;
    let saved = Value::map([("id", Value::Unknown), ("name", "a".into())]);
    assert!(apply::conforms(&saved, &Value::map([("id", "x".into()), ("name", "a".into())]), None));
    assert!(!apply::conforms(&saved, &Value::map([("id", "x".into()), ("name", "b".into())]), None));
}

fn addr(s: &str) -> tether_engine::addrs::InstanceAddr {
    tether_engine::addrs::InstanceAddr::parse(s).unwrap()
}
