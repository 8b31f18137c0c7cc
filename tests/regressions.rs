//! Regression tests of the real binary, each named after the defect it guards against.

mod common;

use common::Fixture;

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
