//! Secrets never reach what tether prints: plans (human and JSON), apply progress, errors,
//! `state show`, `show` and `output`. They print as "(sensitive value)".

use crate::common::{self, assert_contains, assert_not_contains, Fixture};

const SECRET: &str = "Sup3rS3cret-XYZ";
const PIN: &str = "S3cretPin-987";

const STACK: &str = r#"
variable "admin_password" {
  type      = string
  sensitive = true
}

variable "pin" {
  type      = number
  sensitive = true
  default   = 1234
}

resource "mock_server" "web" {
  name      = "web"
  password  = var.admin_password
  user_data = "login with ${var.admin_password}"
}

output "password_length" {
  value     = length(var.admin_password)
  sensitive = true
}

output "web_ip" {
  value = mock_server.web.private_ip
}
"#;

/// Asserts that no secret appears anywhere in what a run printed.
#[track_caller]
fn assert_no_secret(run: &common::Run) {
    for secret in [SECRET, PIN] {
        assert_not_contains(&run.stdout, secret);
        assert_not_contains(&run.stderr, secret);
    }
}

#[test]
fn secrets_never_appear_in_plans_apply_output_state_or_outputs() {
    let f = Fixture::new(STACK);
    let env = [("TETHER_VAR_admin_password", SECRET)];

    let plan = f.run_env(&["plan"], &env).ok();
    assert_no_secret(&plan);
    let squashed = common::squash(&plan.stdout);
    assert_contains(&squashed, "+ password = (sensitive value)");
    // A value derived from a secret is secret too.
    assert_contains(&squashed, "+ user_data = (sensitive value)");
    assert_contains(&squashed, "+ password_length = (sensitive value)");

    let json = f.run_env(&["plan", "--format", "json"], &env).ok();
    assert_no_secret(&json);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let change = &v["resource_changes"][0]["change"];
    assert_eq!(change["after"]["password"], serde_json::Value::Null);
    assert_eq!(change["after_sensitive"]["password"], true);
    assert_eq!(v["variables"]["admin_password"]["sensitive"], true);

    f.run_env(&["plan", "--out", "plan.json"], &env).ok();
    assert_no_secret(&f.run(&["show", "plan.json"]).ok());
    assert_no_secret(&f.run(&["show", "--format", "json", "plan.json"]).ok());

    let apply = f.run(&["apply", "plan.json"]).ok();
    assert_no_secret(&apply);
    assert_contains(&apply.stdout, "password_length = (sensitive value)");
    // The cloud has the secret; tether just does not print it.
    assert_eq!(f.object_at("mock_server.web").unwrap().attributes["password"], SECRET);

    let show = f.run(&["state", "show", "mock_server.web"]).ok();
    assert_no_secret(&show);
    assert_contains(&common::squash(&show.stdout), "password = (sensitive value)");
    assert_contains(&common::squash(&show.stdout), "user_data = (sensitive value)");
    assert_no_secret(&f.run(&["show"]).ok());
    assert_no_secret(&f.run(&["show", "--format", "json"]).ok());
    let outputs = f.run(&["output"]).ok();
    assert_no_secret(&outputs);
    assert_contains(&outputs.stdout, "password_length = (sensitive value)");
    let json = f.run(&["output", "--json"]).ok();
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["password_length"], serde_json::json!({"sensitive": true, "value": null}));

    // Changing the secret shows that it changed, not what to.
    let env = [("TETHER_VAR_admin_password", "An0ther-S3cret")];
    let plan = f.run_env(&["plan"], &env).ok();
    assert_no_secret(&plan);
    assert_not_contains(&plan.stdout, "An0ther-S3cret");
    assert_contains(&common::squash(&plan.stdout), "~ password = (sensitive value) -> (sensitive value)");
    let apply = f.run_env(&["apply", "--auto-approve"], &env).ok();
    assert_not_contains(&apply.all(), "An0ther-S3cret");
    assert_no_secret(&apply);
}

#[test]
fn secrets_never_appear_in_error_messages() {
    let f = Fixture::new(STACK);
    let env = [("TETHER_VAR_admin_password", SECRET)];

    // A sensitive value of the wrong type, from each kind of input.
    f.write("secret.tfvars", &format!("pin = \"{PIN}\"\n"));
    let run = f.run_env(&["plan", "-var-file", "secret.tfvars"], &env).expect(1);
    assert_no_secret(&run);
    assert_contains(&run.stderr, "invalid value for variable \"pin\"");
    assert_contains(&run.stderr, "secret.tfvars:1:7");
    let run = f.run_env(&["plan", "-var", &format!("pin=\"{PIN}\"")], &env).expect(1);
    assert_no_secret(&run);
    assert_contains(&run.stderr, "invalid value for variable \"pin\"");
    let run = f.run_env(&["plan"], &[env[0], ("TETHER_VAR_pin", PIN)]).expect(1);
    assert_no_secret(&run);

    // A failing validation whose message would quote the secret.
    f.write(
        "main.hcl",
        &STACK.replace(
            "  sensitive = true\n}\n\nvariable \"pin\"",
            "  sensitive = true\n\n  validation {\n    condition     = length(var.admin_password) > 40\n    error_message = \"${var.admin_password} is too short\"\n  }\n}\n\nvariable \"pin\"",
        ),
    );
    let run = f.run_env(&["plan"], &env).expect(1);
    assert_no_secret(&run);
    assert_contains(&run.stderr, "invalid value for variable \"admin_password\"");
    assert_contains(&run.stderr, "main.hcl:7:21");

    // A provider failure while the secret is being sent.
    f.write("main.hcl", &STACK.replace("  name      = \"web\"\n", "  name      = \"web\"\n  fail_on   = \"create\"\n"));
    let run = f.run_env(&["apply", "--auto-approve"], &env).expect(1);
    assert_no_secret(&run);
    assert_contains(&run.all(), "simulated failure creating mock_server.web");
    assert!(f.calls().iter().any(|c| c.op == "create"));
}

#[test]
fn an_output_derived_from_a_secret_must_be_marked_sensitive() {
    let f =
        Fixture::new(&format!("{STACK}\noutput \"leak\" {{\n  value = \"password: ${{var.admin_password}}\"\n}}\n"));
    let env = [("TETHER_VAR_admin_password", SECRET)];
    for args in [&["plan"][..], &["apply", "--auto-approve"]] {
        let run = f.run_env(args, &env).expect(1);
        assert_no_secret(&run);
        assert_contains(&run.stderr, "output \"leak\" would show a sensitive value");
        assert_contains(&run.stderr, "main.hcl:29:11");
        assert_contains(&run.stderr, "add sensitive = true to the output block");
    }
    assert!(f.objects().is_empty());
}
