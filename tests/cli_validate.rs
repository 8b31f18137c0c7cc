//! `validate`, `graph`, and how diagnostics and colour are printed.

use crate::common::{self, assert_contains, has_ansi, Fixture};

const VALID: &str = r#"
data "mock_zones" "all" {}

resource "mock_network" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "mock_subnet" "a" {
  network_id = mock_network.main.id
  cidr_block = "10.0.1.0/24"
  zone       = data.mock_zones.all.names[0]
}

resource "mock_server" "web" {
  name       = "web"
  subnet_id  = mock_subnet.a.id
  depends_on = [mock_network.main]
}
"#;

const TYPO: &str = r#"resource "mock_network" "main" {
  cidr_block = "10.0.0.0/16"
  nmae       = "main"
}
"#;

#[test]
fn validate_accepts_a_valid_stack_without_calling_anything() {
    let f = Fixture::new(VALID);
    let run = f.run(&["validate"]).ok();
    assert_contains(&run.stdout, "Success! The stack is valid.");
    let json = f.run(&["validate", "--format", "json"]).ok();
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["error_count"], 0);
    assert!(f.calls().is_empty());
}

#[test]
fn an_unknown_attribute_gets_did_you_mean_and_its_location() {
    let f = Fixture::new(TYPO);
    let run = f.run(&["validate"]).expect(1);
    assert_contains(&run.stderr, "unknown attribute nmae for mock_network");
    assert_contains(&run.stderr, "main.hcl:3:3");
    assert_contains(&run.stderr, "did you mean name?");
    assert!(run.stdout.is_empty(), "no success message: {}", run.stdout);
    insta::assert_snapshot!("unknown_attribute", run.stderr);

    // Every command that loads the stack says the same, before touching anything.
    for args in [&["plan"][..], &["apply", "--auto-approve"], &["graph"]] {
        let run = f.run(args).expect(1);
        assert_contains(&run.stderr, "did you mean name?");
    }
    assert!(f.calls().is_empty());
    assert!(!f.state_path().exists());
}

#[test]
fn validate_json_gives_machine_readable_diagnostics() {
    let f = Fixture::new(TYPO);
    let run = f.run(&["validate", "--format", "json"]).expect(1);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    assert_eq!(v["valid"], false);
    assert_eq!(v["error_count"], 1);
    let d = &v["diagnostics"][0];
    assert_eq!(d["severity"], "error");
    assert_eq!(d["code"], "config::unknown-attribute");
    assert_eq!(d["summary"], "unknown attribute nmae for mock_network");
    assert_eq!(d["help"], "did you mean name?");
    assert_eq!(d["address"], "mock_network.main");
    let label = &d["labels"][0];
    assert!(label["file"].as_str().unwrap().ends_with("main.hcl"), "{label}");
    assert_eq!(label["start"]["line"], 3);
    assert_eq!(label["start"]["column"], 3);
    assert_eq!(label["end"]["column"], 7);
}

#[test]
fn graph_prints_dot_and_mermaid_with_every_edge() {
    let f = Fixture::new(VALID);
    let dot = f.run(&["graph"]).ok();
    assert!(dot.stdout.starts_with("digraph"), "{}", dot.stdout);
    for edge in [
        r#""mock_subnet.a" -> "mock_network.main";"#,
        r#""mock_subnet.a" -> "data.mock_zones.all";"#,
        r#""mock_server.web" -> "mock_subnet.a";"#,
        r#""mock_server.web" -> "mock_network.main";"#,
    ] {
        assert_contains(&dot.stdout, edge);
    }
    assert_eq!(dot.stdout.matches("{").count(), dot.stdout.matches("}").count());

    let mermaid = f.run(&["graph", "--format", "mermaid"]).ok();
    assert!(mermaid.stdout.starts_with("flowchart"), "{}", mermaid.stdout);
    // Mermaid names nodes by id; resolve them to check the edges.
    let mut ids = std::collections::HashMap::new();
    for line in mermaid.stdout.lines() {
        if let Some((id, rest)) = line.trim().split_once("[\"") {
            ids.insert(id.to_string(), rest.trim_end_matches("\"]").to_string());
        }
    }
    let edges: Vec<(String, String)> = mermaid
        .stdout
        .lines()
        .filter_map(|l| l.trim().split_once(" --> "))
        .map(|(a, b)| (ids[a].clone(), ids[b].clone()))
        .collect();
    for (from, to) in [
        ("mock_subnet.a", "mock_network.main"),
        ("mock_subnet.a", "data.mock_zones.all"),
        ("mock_server.web", "mock_subnet.a"),
        ("mock_server.web", "mock_network.main"),
    ] {
        assert!(edges.contains(&(from.to_string(), to.to_string())), "no edge {from} --> {to} in {edges:?}");
    }
    assert!(f.calls().is_empty());
}

const CYCLE: &str = r#"resource "mock_server" "x" {
  name = mock_server.y.name
}

resource "mock_server" "y" {
  name = mock_server.z.id
}

resource "mock_server" "z" {
  name      = "z"
  subnet_id = mock_server.x.id
}
"#;

#[test]
fn a_cycle_names_every_resource_on_it_and_each_reference() {
    let f = Fixture::with_files(&[("cycle.hcl", CYCLE)]);
    let run = f.run(&["graph"]).expect(1);
    assert!(run.stdout.is_empty());
    assert_contains(&run.stderr, "dependency cycle:");
    for (who, what, at) in [
        ("mock_server.x", "mock_server.y", "cycle.hcl:2:10"),
        ("mock_server.y", "mock_server.z", "6 │   name = mock_server.z.id"),
        ("mock_server.z", "mock_server.x", "cycle.hcl:11:15"),
    ] {
        assert_contains(&run.stderr, &format!("{who} refers to {what}"));
        assert_contains(&run.stderr, at);
    }
    f.run(&["plan"]).expect(1);

    let json = f.run(&["validate", "--format", "json"]).expect(1);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "graph::cycle");
    let mut at: Vec<(u64, u64)> = d["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["start"]["line"].as_u64().unwrap(), l["start"]["column"].as_u64().unwrap()))
        .collect();
    at.sort();
    assert_eq!(at, [(2, 10), (6, 10), (11, 15)]);
}

#[test]
fn no_colour_when_stdout_is_not_a_terminal_or_no_color_is_set() {
    let f = Fixture::new(VALID);
    let typo = Fixture::new(TYPO);
    for no_color in [None, Some("1")] {
        let prepare = |mut cmd: std::process::Command| {
            match no_color {
                Some(v) => cmd.env("NO_COLOR", v),
                None => cmd.env_remove("NO_COLOR"),
            };
            common::run_command(cmd)
        };
        let plan = prepare(f.command(&["plan"]));
        assert_eq!(plan.code, 0);
        assert_contains(&plan.stdout, "+ resource");
        assert!(!has_ansi(&plan.stdout), "{:?}", plan.stdout);
        let apply = prepare(f.command(&["apply", "--auto-approve"]));
        assert!(!has_ansi(&apply.stdout) && !has_ansi(&apply.stderr), "{apply:?}");
        let diag = prepare(typo.command(&["plan"]));
        assert_eq!(diag.code, 1);
        assert!(!has_ansi(&diag.stderr), "{:?}", diag.stderr);
        prepare(f.command(&["destroy", "--auto-approve"]));
    }
}

/// Runs `tether ARGS` with stdout on a pseudo-terminal (util-linux `script`), returning what
/// the terminal showed.
#[cfg(target_os = "linux")]
fn on_a_terminal(f: &Fixture, args: &str, no_color: bool) -> String {
    let mut cmd = std::process::Command::new("script");
    cmd.args(["-qec", &format!("{} {args}", env!("CARGO_BIN_EXE_tether")), "/dev/null"])
        .current_dir(&f.dir)
        .env("TETHER_MOCK_CLOUD", &f.cloud_path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    if no_color {
        cmd.env("NO_COLOR", "1");
    } else {
        cmd.env_remove("NO_COLOR");
    }
    let run = common::run_command(cmd);
    assert_eq!(run.code, 0, "{run:?}");
    run.stdout
}

#[cfg(target_os = "linux")]
#[test]
fn colour_on_a_terminal_unless_no_color_is_set() {
    let f = Fixture::new(VALID);
    let coloured = on_a_terminal(&f, "plan", false);
    assert_contains(&coloured, "\x1b[32m+\x1b[0m resource");
    let plain = on_a_terminal(&f, "plan", true);
    assert_contains(&plain, "+ resource");
    assert!(!has_ansi(&plain), "{plain:?}");
    let flag = on_a_terminal(&f, "--no-color plan", false);
    assert!(!has_ansi(&flag), "{flag:?}");
}
