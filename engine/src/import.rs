//! Bringing an existing object under management (`tether import ADDRESS ID`): the resource must
//! be declared in the stack and not yet in state; its provider reads the object by ID, and the
//! result becomes a state entry with the dependencies the stack gives it. The caller holds the
//! lock and writes the state; the next plan shows how the object differs from the stack.

use std::collections::BTreeMap;

use tether_sdk::{ImportRequest, Value};
use tether_state::{ResourceState, StateFile};

use crate::addrs::{ConfigResourceAddr, InstanceAddr, Mode};
use crate::config::ResourceBlock;
use crate::diag::{did_you_mean, Diag, Diags};
use crate::graph::provider_of;
use crate::plan::configure_providers;
use crate::registry::Registry;
use crate::stack::Stack;

/// The resource block `address` is an instance of, or why it cannot be imported into. Needs
/// no state and no provider, so a command can check it first.
pub fn declared<'a>(stack: &'a Stack, address: &InstanceAddr) -> Result<&'a ResourceBlock, Diag> {
    if let Some(block) = stack.config.resource(&address.resource) {
        return Ok(block);
    }
    let all: Vec<String> = stack.config.resources.iter().map(|r| r.addr().to_string()).collect();
    let mut d = Diag::error(format!("{} is not declared in the stack", address.resource))
        .code("import::undeclared")
        .help(format!(
            "declare it first: resource \"{}\" \"{}\" {{ ... }}, then import",
            address.resource.type_name, address.resource.name
        ));
    if let Some(s) = did_you_mean(&address.resource.to_string(), all.iter().map(String::as_str)) {
        d = d.help(format!("did you mean {s}?"));
    }
    Err(d)
}

/// Reads the object `id` through its provider and returns the state entry for `address`. Makes
/// no change anywhere: the provider is configured and asked to read, nothing more.
pub async fn import(
    stack: &Stack,
    registry: &Registry,
    variables: &BTreeMap<String, Value>,
    state: &StateFile,
    address: &InstanceAddr,
    id: &str,
) -> Result<ResourceState, Diags> {
    let block = declared(stack, address).map_err(|d| vec![d])?;
    if state.resource(address).is_some() {
        return Err(vec![Diag::error(format!("{address} is already managed by this stack"))
            .code("import::exists")
            .help("to import a different object there, first `tether state rm` it")]);
    }
    configure_providers(stack, registry, variables, Some(state), &state.lineage).await?;
    let Some(provider) = registry.for_type(&block.type_name) else {
        return Err(vec![Diag::error(format!("no provider handles {}", block.type_name))
            .code("import::no-provider")
            .label(block.type_span.clone(), "no provider for this type")]);
    };
    let response = provider
        .import_resource(ImportRequest {
            type_name: block.type_name.clone(),
            address: address.to_string(),
            id: id.to_string(),
        })
        .await;
    if tether_sdk::has_errors(&response.diagnostics) {
        return Err(response
            .diagnostics
            .into_iter()
            .map(|d| Diag::from_provider(d, Some(block.span.clone())))
            .collect());
    }
    let Some(value) = response.state else {
        return Err(vec![Diag::error(format!("no {} with id {id} exists", block.type_name)).code("import::not-found")]);
    };
    let dependencies =
        stack.graph.direct_resource_dependencies(&address.resource).into_iter().map(ConfigResourceAddr::root).collect();
    Ok(ResourceState {
        address: address.clone(),
        mode: Mode::Managed,
        type_name: block.type_name.clone(),
        provider: provider_of(&block.type_name).to_string(),
        id: value.get("id").and_then(Value::as_str).unwrap_or(id).to_string(),
        attributes: value.to_json(),
        sensitive_paths: Vec::new(),
        dependencies,
        create_before_destroy: block.lifecycle.create_before_destroy,
        deposed: false,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;
    use tether_sdk::mock::MockProvider;

    use super::*;
    use crate::stack::{self, Inputs};

    const STACK: &str = r#"
resource "mock_network" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "mock_server" "web" {
  name      = "web"
  subnet_id = mock_network.main.id
  lifecycle {
    create_before_destroy = true
  }
}
"#;

    /// A stack and a mock cloud holding one network and one server, neither in state.
    struct Fixture {
        _dir: tempfile::TempDir,
        mock: MockProvider,
        registry: Registry,
        stack: Stack,
        variables: BTreeMap<String, Value>,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.hcl"), STACK).unwrap();
        let cloud = json!({"next_id": 3, "calls": [], "objects": [
            {"id": "net-1", "type_name": "mock_network", "tags": {}, "idempotency_token": null,
             "attributes": {"id": "net-1", "cidr_block": "10.0.0.0/16"}},
            {"id": "srv-2", "type_name": "mock_server", "tags": {}, "idempotency_token": null,
             "attributes": {"id": "srv-2", "name": "web", "subnet_id": "net-1"}},
        ]});
        let cloud_path = dir.path().join("cloud.json");
        std::fs::write(&cloud_path, cloud.to_string()).unwrap();
        let mock = MockProvider::file_backed(cloud_path);
        let registry = Registry::new(vec![Arc::new(mock.clone())]);
        let (loaded, diags) = stack::load(dir.path(), &registry);
        let mut stack = loaded.into_stack().unwrap_or_else(|| panic!("{diags:#?}"));
        let (variables, diags) = stack::resolve_variables(&mut stack, &Inputs::default());
        assert!(diags.is_empty(), "{diags:#?}");
        Fixture { _dir: dir, mock, registry, stack, variables }
    }

    fn addr(s: &str) -> InstanceAddr {
        InstanceAddr::parse(s).unwrap()
    }

    async fn run(f: &Fixture, state: &StateFile, address: &str, id: &str) -> Result<ResourceState, Diags> {
        import(&f.stack, &f.registry, &f.variables, state, &addr(address), id).await
    }

    #[tokio::test]
    async fn an_object_becomes_a_state_entry_with_its_dependencies() {
        let f = fixture();
        let r = run(&f, &StateFile::new(), "mock_server.web", "srv-2").await.unwrap();
        assert_eq!(r.address, addr("mock_server.web"));
        assert_eq!(
            (r.mode, r.type_name.as_str(), r.provider.as_str(), r.id.as_str()),
            (Mode::Managed, "mock_server", "mock", "srv-2")
        );
        assert_eq!(r.attributes["name"], "web");
        assert_eq!(r.dependencies, [ConfigResourceAddr::parse("mock_network.main").unwrap()]);
        assert!(r.create_before_destroy && !r.deposed);
        let calls: Vec<String> = f.mock.calls().iter().map(|c| c.op.clone()).collect();
        assert_eq!(calls, ["import"], "import reads the one object and changes nothing");
    }

    #[tokio::test]
    async fn what_cannot_be_imported_says_why_without_a_provider_call() {
        let f = fixture();
        let err = run(&f, &StateFile::new(), "mock_server.wbe", "srv-2").await.unwrap_err();
        assert_eq!(err[0].code.as_deref(), Some("import::undeclared"));
        assert_eq!(err[0].summary, "mock_server.wbe is not declared in the stack");
        assert_eq!(err[0].help.as_deref(), Some("did you mean mock_server.web?"));

        let mut state = StateFile::new();
        state.upsert_resource(run(&f, &StateFile::new(), "mock_network.main", "net-1").await.unwrap());
        f.mock.clear_calls();
        let err = run(&f, &state, "mock_network.main", "net-1").await.unwrap_err();
        assert_eq!(err[0].code.as_deref(), Some("import::exists"));
        assert_eq!(err[0].summary, "mock_network.main is already managed by this stack");
        assert!(f.mock.calls().is_empty());
    }

    #[tokio::test]
    async fn a_missing_object_is_the_providers_error_at_the_block() {
        let f = fixture();
        let err = run(&f, &StateFile::new(), "mock_server.web", "srv-404").await.unwrap_err();
        assert_eq!(err[0].summary, "no mock_server with id srv-404");
        assert!(err[0].primary_span().is_some(), "points at the resource block");
    }
}
