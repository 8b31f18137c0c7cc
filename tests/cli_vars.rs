//! Input variables: defaults, TETHER_VAR_name, var files, -var, their precedence, validation
//! and the errors a person gets when a value is missing or wrong.

use crate::common::{self, assert_contains, Fixture};

const STACK: &str = r#"
variable "name" {
  type    = string
  default = "from-default"
}

variable "size" {
  type    = number
  default = 2

  validation {
    condition     = var.size <= 10
    error_message = "size must be at most 10."
  }
}

output "name" {
  value = var.name
}

output "size" {
  value = var.size
}
"#;

/// The value the plan shows for an output.
#[track_caller]
fn planned_output(run: &common::Run, name: &str) -> String {
    let prefix = format!("+ {name} = ");
    run.stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix(prefix.as_str()))
        .unwrap_or_else(|| panic!("no output {name} in:\n{}", run.stdout))
        .to_string()
}

#[test]
fn variables_come_from_defaults_environment_files_and_flags_in_that_order() {
    let f = Fixture::new(STACK);
    f.write("file.tfvars", "name = \"from-file\"\n");
    f.write("other.tfvars", "name = \"from-other-file\"\nsize = 7\n");
    let env = [("TETHER_VAR_name", "from-env")];

    let run = f.run(&["plan"]).ok();
    assert_eq!(planned_output(&run, "name"), "\"from-default\"");
    assert_eq!(planned_output(&run, "size"), "2");

    let run = f.run_env(&["plan"], &env).ok();
    assert_eq!(planned_output(&run, "name"), "\"from-env\"");
    let run = f.run_env(&["plan"], &[("TETHER_VAR_size", "5")]).ok();
    assert_eq!(planned_output(&run, "size"), "5", "a number from the environment is converted");

    let run = f.run_env(&["plan", "-var-file", "file.tfvars"], &env).ok();
    assert_eq!(planned_output(&run, "name"), "\"from-file\"", "a file beats the environment");

    let run = f.run_env(&["plan", "--var-file", "file.tfvars", "--var", "name=from-flag"], &env).ok();
    assert_eq!(planned_output(&run, "name"), "\"from-flag\"");

    // Flags apply in command-line order: the later one wins, whatever its kind.
    let run = f.run_env(&["plan", "-var", "name=from-flag", "-var-file", "file.tfvars"], &env).ok();
    assert_eq!(planned_output(&run, "name"), "\"from-file\"");
    let run = f.run(&["plan", "-var-file=file.tfvars", "-var-file=other.tfvars"]).ok();
    assert_eq!(planned_output(&run, "name"), "\"from-other-file\"");
    assert_eq!(planned_output(&run, "size"), "7");
    let run = f.run(&["plan", "-var", "name=first", "-var=name=second"]).ok();
    assert_eq!(planned_output(&run, "name"), "\"second\"");

    // tether.tfvars and *.auto.tfvars in the stack are read without a flag, below the flags.
    f.write("tether.tfvars", "name = \"from-tether-tfvars\"\n");
    let run = f.run_env(&["plan"], &env).ok();
    assert_eq!(planned_output(&run, "name"), "\"from-tether-tfvars\"");
    f.write("z.auto.tfvars", "name = \"from-auto\"\n");
    let run = f.run(&["plan"]).ok();
    assert_eq!(planned_output(&run, "name"), "\"from-auto\"");
    let run = f.run(&["plan", "-var", "name=from-flag"]).ok();
    assert_eq!(planned_output(&run, "name"), "\"from-flag\"");
}

#[test]
fn the_values_used_are_the_ones_applied() {
    let f = Fixture::new(STACK);
    f.run(&["apply", "--auto-approve", "-var", "name=applied", "-var", "size=3"]).ok();
    assert_eq!(f.run(&["output", "name"]).ok().stdout, "\"applied\"\n");
    assert_eq!(f.run(&["output", "--raw", "name"]).ok().stdout, "applied\n");
    assert_eq!(f.run(&["output", "size"]).ok().stdout, "3\n");
}

#[test]
fn a_failed_validation_names_the_condition_and_its_line() {
    let f = Fixture::new(STACK);
    let run = f.run(&["plan", "-var", "size=11"]).expect(1);
    assert_contains(&run.stderr, "invalid value for variable \"size\": size must be at most 10.");
    assert_contains(&run.stderr, "main.hcl:12:21");
    assert_contains(&run.stderr, "this condition is false");
    let run = f.run_env(&["apply", "--auto-approve"], &[("TETHER_VAR_size", "99")]).expect(1);
    assert_contains(&run.stderr, "size must be at most 10.");
    assert!(f.calls().is_empty());
    assert!(!f.state_path().exists());
}

#[test]
fn a_value_of_the_wrong_type_is_an_error() {
    let f = Fixture::new(STACK);
    let run = f.run(&["plan", "-var", "size=big"]).expect(1);
    assert_contains(&run.stderr, "invalid value for variable \"size\"");
    assert_contains(&run.stderr, "main.hcl:7:1");
    f.write("bad.tfvars", "\nsize = \"big\"\n");
    let run = f.run(&["plan", "-var-file", "bad.tfvars"]).expect(1);
    assert_contains(&run.stderr, "invalid value for variable \"size\"");
    assert_contains(&run.stderr, "bad.tfvars:2:8");
}

#[test]
fn a_missing_required_variable_says_how_to_set_it() {
    let f = Fixture::new(&format!("{STACK}\nvariable \"region\" {{\n  type = string\n}}\n"));
    let run = f.run(&["plan"]).expect(1);
    assert_contains(&run.stderr, "no value for required variable \"region\"");
    assert_contains(&run.stderr, "main.hcl:25:1");
    assert_contains(&run.stderr, "-var region=VALUE");
    assert_contains(&run.stderr, "TETHER_VAR_region");
    f.run(&["plan", "-var", "region=eu-west-1"]).ok();
    f.run_env(&["plan"], &[("TETHER_VAR_region", "eu-west-1")]).ok();
}

#[test]
fn setting_an_undeclared_variable_is_an_error_with_a_suggestion() {
    let f = Fixture::new(STACK);
    let run = f.run(&["plan", "-var", "nmae=x"]).expect(1);
    assert_contains(&run.stderr, "-var sets \"nmae\", but the stack declares no such variable");
    assert_contains(&run.stderr, "did you mean name?");
    let run = f.run(&["plan", "-var", "name"]).expect(1);
    assert_contains(&run.stderr, "is not of the form NAME=VALUE");
    let run = f.run(&["plan", "-var-file", "missing.tfvars"]).expect(1);
    assert_contains(&run.stderr, "cannot read variables file missing.tfvars");
}
