//! Regression tests of the real binary, each named after the defect it guards against.

use crate::common::{self, Fixture};

/// A set attribute whose elements are one existing ID and one created in the same apply: the
/// provider orders the set by value, and the new ID may sort before the existing one. The
/// plan knew one element and not the other (and keeps a set with unknowns in the order written);
/// apply must accept the set in any order.
#[test]
fn a_set_of_known_and_new_ids_applies_as_planned() {
    let f = Fixture::new(
        r#"
resource "mock_network" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "mock_subnet" "a" {
  network_id = mock_network.main.id
  cidr_block = "10.0.1.0/24"
}

resource "mock_subnet" "b" {
  network_id = mock_network.main.id
  cidr_block = "10.0.2.0/24"
}

resource "mock_group" "both" {
  name       = "both"
  member_ids = [mock_subnet.b.id, mock_subnet.a.id]
}
"#,
    );
    // The mock cloud numbers objects in creation order. Seven padding servers, then the
    // network (8) and b (9): a is then created as subnet-10, which sorts before subnet-9.
    f.write("extra.hcl", "resource \"mock_server\" \"pad\" {\n  count = 7\n  name  = \"pad\"\n}\n");
    f.run(&["apply", "--auto-approve", "--target", "mock_server.pad"]).ok();
    f.run(&["apply", "--auto-approve", "--target", "mock_subnet.b"]).ok();
    let b = f.object_at("mock_subnet.b").expect("b exists").id;
    let run = f.run(&["apply", "--auto-approve"]).ok();
    assert!(run.stdout.contains("Apply complete!"), "{}", run.stdout);
    let a = f.object_at("mock_subnet.a").expect("a exists").id;
    assert!(a < b, "the new ID ({a}) must sort before the existing one ({b}) for this test to mean anything");
    let group = f.object_at("mock_group.both").expect("the group was created");
    let mut members: Vec<String> = serde_json::from_value(group.attributes["member_ids"].clone()).expect("member ids");
    members.sort();
    let mut want = vec![a, b];
    want.sort();
    assert_eq!(members, want);
    f.run(&["plan", "--detailed-exitcode"]).expect(0);
}

/// A tag set from a sensitive variable is redacted under `tags`; the provider's mirror of the
/// tags (`tags_all`) holds the same secret and must be redacted too, in every output.
#[test]
fn a_sensitive_value_stays_hidden_in_computed_mirrors() {
    let secret = "canary-7f3a9c";
    let f = Fixture::new(
        r#"
variable "token" {
  type      = string
  sensitive = true
}

resource "mock_group" "g" {
  name = "g"
  tags = {
    token = var.token
    team  = "net"
  }
}
"#,
    );
    let var = format!("token={secret}");
    f.run(&["apply", "--auto-approve", "--var", &var]).ok();
    let recorded = f.state_or_panic();
    let group = recorded.resource(&common::addr("mock_group.g")).expect("in state");
    assert!(group.sensitive_paths.contains(&"tags_all.token".to_string()), "{:?}", group.sensitive_paths);
    // (command, whether it shows the group's attributes at all)
    for (args, shows_values) in [
        (vec!["show"], true),
        (vec!["show", "--format", "json"], true),
        (vec!["state", "show", "mock_group.g"], true),
        (vec!["plan", "--format", "json", "--var", &var], true),
        (vec!["plan", "--var", &var], false),
        (vec!["plan", "--format", "markdown", "--var", &var], false),
    ] {
        let run = f.run(&args).ok();
        assert!(!run.all().contains(secret), "tether {args:?} printed the secret:\n{}", run.all());
        if shows_values {
            assert!(run.all().contains("net"), "tether {args:?} still shows what is not secret:\n{}", run.all());
        }
    }
    // A change to the secret is planned without showing either value.
    let run = f.run(&["plan", "--format", "json", "--var", "token=canary-changed"]).ok();
    assert!(!run.stdout.contains("canary"), "{}", run.stdout);
}
