//! `dynamic` blocks end to end: one nested block per element of a list or map, a custom
//! iterator name, in-place updates when the collection changes, a for_each known only after
//! apply, and references inside content that make dependencies.

use crate::common::{assert_contains, squash, Fixture};

const STACK: &str = r#"
variable "ports" {
  type    = list(number)
  default = [22, 443]
}

resource "mock_network" "main" {
  cidr_block = "10.0.0.0/16"
  name       = "main"
}

resource "mock_server" "web" {
  name      = "web"
  subnet_id = "subnet-a"

  dynamic "port" {
    for_each = var.ports
    content {
      from     = port.value
      to       = port.value
      protocol = "tcp"
    }
  }
}

resource "mock_server" "db" {
  name      = "db"
  subnet_id = "subnet-a"

  dynamic "port" {
    for_each = { postgres = 5432, metrics = 9187 }
    iterator = svc
    content {
      from     = svc.value
      to       = svc.value
      protocol = svc.key == "postgres" ? "tcp" : mock_network.main.name
    }
  }
}
"#;

#[test]
fn dynamic_blocks_expand_apply_and_update_in_place() {
    let f = Fixture::new(STACK);
    f.run(&["validate"]).ok();
    let plan = squash(&f.run(&["plan"]).ok().stdout);
    assert_contains(&plan, "+ from = 22");
    assert_contains(&plan, "+ from = 443");
    assert_contains(&plan, "+ from = 5432");
    f.apply();
    let web = f.object_at("mock_server.web").unwrap();
    let ports: Vec<i64> =
        web.attributes["port"].as_array().unwrap().iter().map(|p| p["from"].as_i64().unwrap()).collect();
    assert_eq!(ports, [22, 443]);
    let db = f.object_at("mock_server.db").unwrap();
    assert_eq!(db.attributes["port"].as_array().unwrap().len(), 2, "one block per map entry");
    // The content's reference to mock_network.main is a dependency.
    let log = f.call_log();
    let net = log.iter().position(|c| c == "create mock_network.main").unwrap();
    let dbc = log.iter().position(|c| c == "create mock_server.db").unwrap();
    assert!(net < dbc, "{log:?}");
    f.run(&["plan", "--detailed-exitcode"]).expect(0);

    // One more element: one more block, updated in place.
    let plan = f.run(&["plan", "--var", "ports=[22, 443, 8443]"]).ok();
    assert_contains(&plan.stdout, "# mock_server.web will be updated in-place");
    assert_contains(&squash(&plan.stdout), "+ from = 8443");
}

#[test]
fn a_for_each_known_only_after_apply_leaves_the_blocks_unknown() {
    let f = Fixture::new(
        r#"
resource "mock_network" "main" {
  cidr_block = "10.0.0.0/16"
  name       = "main"
}

resource "mock_server" "web" {
  name      = "web"
  subnet_id = "subnet-a"

  dynamic "port" {
    for_each = [mock_network.main.id]
    content {
      from     = 443
      to       = 443
      protocol = port.value
    }
  }
}

resource "mock_server" "later" {
  name      = "later"
  subnet_id = "subnet-a"

  dynamic "port" {
    for_each = mock_network.main.id == "" ? [] : [443]
    content {
      from = port.value
      to   = port.value
    }
  }
}
"#,
    );
    let plan = squash(&f.run(&["plan"]).ok().stdout);
    // A known list of one unknown element: one block whose protocol is unknown.
    assert_contains(&plan, "+ protocol = (known after apply)");
    // A list whose length is unknown: the blocks themselves are.
    assert_contains(&plan, "+ port = (known after apply)");
    f.apply();
    let web = f.object_at("mock_server.web").unwrap();
    let net = f.object_at("mock_network.main").unwrap();
    assert_eq!(web.attributes["port"][0]["protocol"], net.id.as_str(), "expanded with the real ID at apply");
    let later = f.object_at("mock_server.later").unwrap();
    assert_eq!(later.attributes["port"][0]["from"], 443);
}

#[test]
fn a_dynamic_for_each_that_is_not_a_collection_is_an_error() {
    let f = Fixture::new(
        r#"
resource "mock_server" "web" {
  name = "web"

  dynamic "port" {
    for_each = "22"
    content {
      from = port.value
      to   = port.value
    }
  }
}
"#,
    );
    let run = f.run(&["plan"]).expect(1);
    assert_contains(&run.stderr, "eval::type-mismatch");
    assert_contains(&run.stderr, "must be a list, set or map");
    assert!(f.calls().is_empty());
}
