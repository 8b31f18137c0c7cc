//! Data-driven tests: `check(expr, vars, expected)` evaluates an expression against variables
//! written as JSON and compares with the expected JSON; `check_err(expr, code, text)` expects a
//! diagnostic with that code whose text mentions `text`.
//!
//! In test JSON, the string `"(unknown)"` stands for an unknown value and `{"(sensitive)": v}`
//! for a sensitive `v`.

use std::collections::BTreeMap;
use std::path::Path;

use hcl_edit::expr::Expression;
use tether_sdk::value::Value;

use super::types::{convert, parse_type, TypeConstraint};
use super::*;

const FILE: FileId = FileId(7);

/// A small network stack's values: variables, locals and two resource types.
const STACK: &str = r#"{
    "var": {
        "region": "eu-west-1",
        "vpc_cidr": "10.0.0.0/16",
        "azs": ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
        "tags": {"env": "prod", "team": "net"},
        "enabled": true,
        "count": 3,
        "psk": {"(sensitive)": "s3cr3t-psk"},
        "subnets": [
            {"name": "a", "cidr": "10.0.1.0/24", "public": true},
            {"name": "b", "cidr": "10.0.2.0/24", "public": false}
        ],
        "nothing": null
    },
    "local": {"prefix": "hub", "ports": [22, 443]},
    "mock_network": {
        "main": {"id": "net-123", "cidr_block": "10.0.0.0/16", "arn": "(unknown)"},
        "spokes": [{"id": "net-a"}, {"id": "net-b"}],
        "by_az": {"a": {"id": "net-x"}, "b": {"id": "net-y"}}
    },
    "mock_subnet": {
        "app": {"id": "(unknown)", "cidr_block": "10.0.3.0/24"}
    },
    "data": {"mock_ami": {"ubuntu": {"id": "ami-1"}}},
    "path": {"module": "."},
    "count": {"index": 1},
    "each": {"key": "a", "value": "10.0.1.0/24"}
}"#;

fn from_test_json(j: &serde_json::Value) -> Value {
    match j {
        serde_json::Value::String(s) if s == "(unknown)" => Value::Unknown,
        serde_json::Value::Object(m) if m.len() == 1 && m.contains_key("(sensitive)") => {
            from_test_json(&m["(sensitive)"]).mark(true)
        }
        serde_json::Value::Array(items) => Value::List(items.iter().map(from_test_json).collect()),
        serde_json::Value::Object(m) => Value::Map(m.iter().map(|(k, v)| (k.clone(), from_test_json(v))).collect()),
        other => Value::from_json(other),
    }
}

fn parse_vars(json: &str) -> BTreeMap<String, Value> {
    let j: serde_json::Value = serde_json::from_str(json).expect("test vars are valid JSON");
    match from_test_json(&j) {
        Value::Map(m) => m,
        _ => panic!("vars must be an object"),
    }
}

/// Structural equality where numbers compare by value and marks/unknowns must match exactly.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Sensitive(x), Value::Sensitive(y)) => same(x, y),
        (Value::Unknown, Value::Unknown) | (Value::Null, Value::Null) => true,
        (Value::List(x), Value::List(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q)),
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|((k1, v1), (k2, v2))| k1 == k2 && same(v1, v2))
        }
        (Value::Sensitive(_), _) | (_, Value::Sensitive(_)) => false,
        _ => ops::equal(a, b) && std::mem::discriminant(a) == std::mem::discriminant(b),
    }
}

fn parse(src: &str) -> Expression {
    let text = format!("x = {src}\n");
    let body = hcl_edit::parser::parse_body(&text).unwrap_or_else(|e| panic!("cannot parse {src:?}: {e}"));
    body.get_attribute("x").expect("attribute x").value.clone()
}

fn run(src: &str, vars: &str) -> Result<Value, Diag> {
    let vars = parse_vars(vars);
    let base = Path::new(env!("CARGO_MANIFEST_DIR"));
    eval(&parse(src), &EvalCtx { file: FILE, vars: &vars, base_dir: base })
}

#[track_caller]
fn check(src: &str, vars: &str, expected: &str) {
    let want = from_test_json(&serde_json::from_str(expected).expect("expected is valid JSON"));
    match run(src, vars) {
        Ok(got) => assert!(same(&got, &want), "{src}\n  got:  {got:?}\n  want: {want:?}"),
        Err(d) => panic!("{src}: unexpected error {d:#?}"),
    }
}

#[track_caller]
fn check_err(src: &str, code: &str, text: &str) -> Diag {
    match run(src, STACK) {
        Ok(v) => panic!("{src}: expected error {code}, got {v:?}"),
        Err(d) => {
            assert_eq!(d.code.as_deref(), Some(code), "{src}: {d:#?}");
            let all = format!(
                "{} | {} | {}",
                d.summary,
                d.help.clone().unwrap_or_default(),
                d.detail.clone().unwrap_or_default()
            );
            assert!(all.contains(text), "{src}: {text:?} not in {all:?}");
            assert!(!d.labels.is_empty(), "{src}: no label in {d:#?}");
            assert_eq!(d.labels[0].span.file, FILE);
            assert!(
                d.summary.chars().next().is_some_and(|c| !c.is_uppercase()),
                "summary is lower-case: {}",
                d.summary
            );
            d
        }
    }
}

/// Checks a table of `(expression, expected JSON)` against the stack fixture.
#[track_caller]
fn table(cases: &[(&str, &str)]) {
    for (src, want) in cases {
        check(src, STACK, want);
    }
}

#[test]
fn literals_and_collections() {
    table(&[
        ("null", "null"),
        ("true", "true"),
        ("42", "42"),
        ("1.5", "1.5"),
        ("\"eu\"", "\"eu\""),
        ("[1, \"a\", false]", "[1, \"a\", false]"),
        ("{ a = 1, \"b c\" = 2, (local.prefix) = 3 }", r#"{"a": 1, "b c": 2, "hub": 3}"#),
        ("{ region: var.region }", r#"{"region": "eu-west-1"}"#),
        ("(1 + 2) * 3", "9"),
    ]);
}

#[test]
fn operators() {
    table(&[
        ("1 + 2", "3"),
        ("7 / 2", "3.5"),
        ("6 / 2", "3"),
        ("7 % 3", "1"),
        ("-var.count", "-3"),
        ("2 * 1.5", "3"),
        ("\"5\" + 1", "6"),
        ("1 == 1.0", "true"),
        ("1 == \"1\"", "false"),
        ("[1, 2] == [1, 2]", "true"),
        ("var.tags == { env = \"prod\", team = \"net\" }", "true"),
        ("var.nothing == null", "true"),
        ("3 > 2 && 2 >= 2 && 1 < 2 && 2 <= 2", "true"),
        ("!var.enabled || false", "false"),
        ("var.region != \"us-east-1\"", "true"),
        ("9223372036854775807 + 1", "9223372036854775808.0"),
        // Short-circuit: the right side would fail on null.
        ("var.nothing != null && var.nothing.x", "false"),
    ]);
}

#[test]
fn conditionals_evaluate_only_the_chosen_branch() {
    table(&[
        ("var.enabled ? \"on\" : \"off\"", "\"on\""),
        ("var.count > 5 ? \"big\" : \"small\"", "\"small\""),
        // The other branch would fail; it must not be evaluated.
        ("true ? 1 : var.missing_on_purpose", "1"),
        ("false ? var.nothing.x : 2", "2"),
        ("mock_subnet.app.id == \"\" ? 1 : 2", "\"(unknown)\""),
    ]);
}

#[test]
fn templates_and_heredocs() {
    table(&[
        ("\"${local.prefix}-${var.region}\"", "\"hub-eu-west-1\""),
        ("\"n=${var.count} ok=${var.enabled}\"", "\"n=3 ok=true\""),
        ("\"${var.azs}\"", r#"["eu-west-1a", "eu-west-1b", "eu-west-1c"]"#),
        ("\"$${literal}\"", "\"${literal}\""),
        ("\"%{ if var.enabled }yes%{ else }no%{ endif }\"", "\"yes\""),
        ("\"%{ for az in var.azs }${az},%{ endfor }\"", "\"eu-west-1a,eu-west-1b,eu-west-1c,\""),
        ("\"%{ for p in local.ports }\n  ${p}\n%{~ endfor }\"", "\"\\n  22\\n  443\""),
        ("<<EOT\nregion = ${var.region}\nEOT\n", "\"region = eu-west-1\\n\""),
        ("<<-EOT\n    a\n      b\n    EOT\n", "\"a\\n  b\\n\""),
        (
            "<<-EOT\n  %{~ for s in var.subnets ~}\n  ${s.name}=${s.cidr}\n  %{~ endfor ~}\n  EOT\n",
            "\"a=10.0.1.0/24b=10.0.2.0/24\"",
        ),
        (
            "<<-EOT\n  %{ for s in var.subnets ~}\n  ${s.name}=${s.cidr}\n  %{ endfor ~}\n  EOT\n",
            "\"a=10.0.1.0/24\\nb=10.0.2.0/24\\n\"",
        ),
        ("<<EOT\nstart\n  %{~ if var.enabled ~}\n  on\n  %{~ endif ~}\nend\nEOT\n", "\"start\\n  on\\nend\\n\""),
        ("\"a \\n ${~ local.prefix ~} \\n b\"", "\"ahubb\""),
    ]);
}

#[test]
fn traversals_and_indexes() {
    table(&[
        ("var.azs[1]", "\"eu-west-1b\""),
        ("var.azs.2", "\"eu-west-1c\""),
        ("var.azs[\"0\"]", "\"eu-west-1a\""),
        ("var.tags[\"env\"]", "\"prod\""),
        ("var.subnets[0].cidr", "\"10.0.1.0/24\""),
        ("mock_network.main.id", "\"net-123\""),
        ("mock_network.spokes[1].id", "\"net-b\""),
        ("mock_network.by_az[\"b\"].id", "\"net-y\""),
        ("mock_network.spokes[count.index].id", "\"net-b\""),
        ("mock_network.by_az[each.key].id", "\"net-x\""),
        ("data.mock_ami.ubuntu.id", "\"ami-1\""),
        ("{ a = [1, 2] }.a[1]", "2"),
    ]);
}

#[test]
fn splats() {
    table(&[
        ("var.subnets[*].cidr", r#"["10.0.1.0/24", "10.0.2.0/24"]"#),
        ("var.subnets.*.name", r#"["a", "b"]"#),
        ("mock_network.spokes[*].id", r#"["net-a", "net-b"]"#),
        ("var.nothing[*].id", "[]"),
        ("mock_network.main[*].id", r#"["net-123"]"#),
        ("var.subnets.*.name[1]", "\"b\""),
        ("length(var.subnets[*])", "2"),
    ]);
}

#[test]
fn for_expressions() {
    table(&[
        ("[for s in var.subnets : s.cidr]", r#"["10.0.1.0/24", "10.0.2.0/24"]"#),
        ("[for s in var.subnets : s.name if s.public]", r#"["a"]"#),
        ("[for i, az in var.azs : \"${i}-${az}\"]", r#"["0-eu-west-1a", "1-eu-west-1b", "2-eu-west-1c"]"#),
        ("{for s in var.subnets : s.name => s.cidr}", r#"{"a": "10.0.1.0/24", "b": "10.0.2.0/24"}"#),
        ("[for k, v in var.tags : \"${k}=${v}\"]", r#"["env=prod", "team=net"]"#),
        ("[for v in var.tags : v]", r#"["prod", "net"]"#),
        ("{for s in var.subnets : s.public => s.name...}", r#"{"false": ["b"], "true": ["a"]}"#),
        (
            "{for i, az in var.azs : az => cidrsubnet(var.vpc_cidr, 8, i)}",
            r#"{"eu-west-1a": "10.0.0.0/24", "eu-west-1b": "10.0.1.0/24", "eu-west-1c": "10.0.2.0/24"}"#,
        ),
        ("[for x in [for y in [1, 2, 3] : y * 2] : x if x > 2]", "[4, 6]"),
    ]);
}

#[test]
fn network_functions() {
    table(&[
        ("cidrsubnet(\"10.0.0.0/16\", 8, 2)", "\"10.0.2.0/24\""),
        ("cidrsubnet(var.vpc_cidr, 4, 15)", "\"10.0.240.0/20\""),
        ("cidrsubnet(\"10.1.2.3/16\", 8, 1)", "\"10.1.1.0/24\""),
        ("cidrsubnet(\"fd00:fd12:3456:7890::/56\", 16, 162)", "\"fd00:fd12:3456:7800:a200::/72\""),
        ("cidrsubnet(\"10.0.0.0/16\", 0, 0)", "\"10.0.0.0/16\""),
        ("cidrhost(\"10.0.1.0/24\", 100)", "\"10.0.1.100\""),
        ("cidrhost(\"10.0.1.0/24\", -1)", "\"10.0.1.255\""),
        ("cidrhost(\"10.12.112.0/20\", 268)", "\"10.12.113.12\""),
        ("cidrhost(\"fd00:fd12:3456:7890:00a2::/72\", 34)", "\"fd00:fd12:3456:7890::22\""),
        ("cidrnetmask(\"10.0.0.0/16\")", "\"255.255.0.0\""),
        ("cidrnetmask(\"172.16.0.0/12\")", "\"255.240.0.0\""),
        ("cidrnetmask(\"0.0.0.0/0\")", "\"0.0.0.0\""),
        (
            "cidrsubnets(\"10.1.0.0/16\", 4, 4, 8, 4)",
            r#"["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20"]"#,
        ),
        (
            "cidrsubnets(\"fd00:fd12:3456:7890::/56\", 16, 16, 16, 32)",
            r#"["fd00:fd12:3456:7800::/72", "fd00:fd12:3456:7800:100::/72", "fd00:fd12:3456:7800:200::/72", "fd00:fd12:3456:7800:300::/88"]"#,
        ),
        ("cidrcontains(\"10.0.0.0/16\", \"10.0.5.1\")", "true"),
        ("cidrcontains(\"10.0.0.0/16\", \"10.0.5.0/24\")", "true"),
        ("cidrcontains(\"10.0.0.0/16\", \"10.1.0.0/24\")", "false"),
        (
            "[for i in range(3) : cidrsubnet(var.vpc_cidr, 8, i + 10)]",
            r#"["10.0.10.0/24", "10.0.11.0/24", "10.0.12.0/24"]"#,
        ),
    ]);
}

#[test]
fn network_function_errors_name_the_values() {
    check_err(
        "cidrsubnet(\"10.0.0.0/30\", 8, 1)",
        "eval::function-error",
        "insufficient address space to extend prefix of 30 by 8",
    );
    check_err(
        "cidrsubnet(\"10.0.0.0/16\", 8, 300)",
        "eval::function-error",
        "prefix extension of 8 does not accommodate a subnet numbered 300",
    );
    check_err(
        "cidrhost(\"10.0.1.0/24\", 256)",
        "eval::function-error",
        "prefix of 24 does not accommodate a host numbered 256",
    );
    check_err("cidrnetmask(\"fd00::/48\")", "eval::function-error", "IPv6 addresses cannot have a netmask");
    check_err("cidrsubnet(\"10.0.0.0\", 8, 1)", "eval::function-error", "invalid CIDR prefix \"10.0.0.0\"");
    check_err("cidrsubnets(\"10.0.0.0/24\", 1, 1, 1)", "eval::function-error", "not enough remaining address space");
    check_err("cidrsubnets(\"10.0.0.0/24\", 16)", "eval::function-error", "would extend prefix to 40 bits");
    // The label points at the offending argument.
    let d = check_err("cidrsubnet(var.vpc_cidr, 8, 999)", "eval::function-error", "999");
    let span = d.labels[0].span.range.clone();
    assert_eq!(&"x = cidrsubnet(var.vpc_cidr, 8, 999)\n"[span], "999");
}

#[test]
fn string_functions() {
    table(&[
        ("format(\"%s-%03d\", local.prefix, 7)", "\"hub-007\""),
        (
            "format(\"%v|%q|%.2f|%t|%%|%5s|%-4d|\", 1, \"a\", 3.14159, true, \"ab\", 42)",
            "\"1|\\\"a\\\"|3.14|true|%|   ab|42  |\"",
        ),
        ("format(\"%x %X %b %o %+d\", 255, 255, 5, 8, 3)", "\"ff FF 101 10 +3\""),
        ("format(\"%[2]s %[1]s\", \"a\", \"b\")", "\"b a\""),
        ("format(\"%v\", [1, \"x\"])", "\"[1,\\\"x\\\"]\""),
        ("formatlist(\"%s=%s\", [\"a\", \"b\"], [\"1\", \"2\"])", r#"["a=1", "b=2"]"#),
        ("formatlist(\"subnet-%s\", var.azs)", r#"["subnet-eu-west-1a", "subnet-eu-west-1b", "subnet-eu-west-1c"]"#),
        ("join(\",\", var.azs)", "\"eu-west-1a,eu-west-1b,eu-west-1c\""),
        ("join(\"-\", [\"a\"], [\"b\", 1])", "\"a-b-1\""),
        ("split(\",\", \"a,b,,c\")", r#"["a", "b", "", "c"]"#),
        ("split(\",\", \"\")", r#"[""]"#),
        ("upper(var.region)", "\"EU-WEST-1\""),
        ("lower(\"VPC\")", "\"vpc\""),
        ("title(\"hello wide world\")", "\"Hello Wide World\""),
        ("replace(\"a.b.c\", \".\", \"-\")", "\"a-b-c\""),
        ("trimspace(\"  x \\n\")", "\"x\""),
        ("trim(\"?!hello?!\", \"!?\")", "\"hello\""),
        ("trimprefix(\"arn:aws:x\", \"arn:\")", "\"aws:x\""),
        ("trimsuffix(\"file.hcl\", \".hcl\")", "\"file\""),
        ("substr(\"hello world\", 1, 4)", "\"ello\""),
        ("substr(\"hello\", -3, -1)", "\"llo\""),
        ("startswith(var.region, \"eu-\")", "true"),
        ("endswith(var.region, \"-2\")", "false"),
        ("strrev(\"abc\")", "\"cba\""),
        ("length(\"héllo\")", "5"),
    ]);
    check_err("replace(\"abc\", \"/b/\", \"x\")", "eval::function-error", "regular expressions are not supported");
    check_err("format(\"%d\")", "eval::function-error", "not enough arguments");
    check_err("format(\"%s\", \"a\", \"b\")", "eval::function-error", "too many arguments");
    check_err("format(\"%d\", 1.5)", "eval::function-error", "whole number");
}

#[test]
fn collection_functions() {
    table(&[
        ("concat(var.azs, [\"x\"])", r#"["eu-west-1a", "eu-west-1b", "eu-west-1c", "x"]"#),
        ("merge(var.tags, { env = \"dev\" }, null)", r#"{"env": "dev", "team": "net"}"#),
        ("lookup(var.tags, \"env\")", "\"prod\""),
        ("lookup(var.tags, \"owner\", \"none\")", "\"none\""),
        ("length(var.azs)", "3"),
        ("length(var.tags)", "2"),
        ("keys(var.tags)", r#"["env", "team"]"#),
        ("values(var.tags)", r#"["prod", "net"]"#),
        ("contains(var.azs, \"eu-west-1b\")", "true"),
        ("contains(local.ports, 80)", "false"),
        ("element(var.azs, 4)", "\"eu-west-1b\""),
        ("index(var.azs, \"eu-west-1c\")", "2"),
        ("flatten([[1, [2]], [], [3]])", "[1, 2, 3]"),
        ("distinct([1, 2, 1, 3, 2])", "[1, 2, 3]"),
        ("compact([\"a\", \"\", null, \"b\"])", r#"["a", "b"]"#),
        ("coalesce(null, \"\", \"x\", \"y\")", "\"x\""),
        ("coalescelist([], [1], [2])", "[1]"),
        ("zipmap([\"a\", \"b\"], [1, 2])", r#"{"a": 1, "b": 2}"#),
        ("slice(var.azs, 1, 3)", r#"["eu-west-1b", "eu-west-1c"]"#),
        ("sort([\"b\", \"c\", \"a\"])", r#"["a", "b", "c"]"#),
        ("reverse([1, 2, 3])", "[3, 2, 1]"),
        ("one([])", "null"),
        ("one([\"x\"])", "\"x\""),
        ("range(3)", "[0, 1, 2]"),
        ("range(1, 4)", "[1, 2, 3]"),
        ("range(10, 0, -3)", "[10, 7, 4, 1]"),
        ("range(0, 1, 0.25)", "[0, 0.25, 0.5, 0.75]"),
        ("alltrue([true, var.enabled])", "true"),
        ("anytrue([false])", "false"),
        ("toset([\"b\", \"a\", \"b\"])", r#"["a", "b"]"#),
        ("tolist(toset([3, 1]))", "[1, 3]"),
        ("tomap({ a = 1, b = \"x\" })", r#"{"a": "1", "b": "x"}"#),
        ("concat([\"a\"], [[\"b\"], [\"c\"]]...)", r#"["a", "b", "c"]"#),
        ("min(3, 1, 2)", "1"),
        ("max(local.ports...)", "443"),
    ]);
    check_err("lookup(var.tags, \"evn\")", "eval::function-error", "did you mean \"env\"?");
    check_err("element([], 0)", "eval::function-error", "empty list");
    check_err("one([1, 2])", "eval::function-error", "zero or one");
    check_err("range(0, 100000)", "eval::function-error", "more than 1024");
    check_err("coalesce(null, \"\")", "eval::function-error", "no non-null");
}

#[test]
fn number_and_conversion_functions() {
    table(&[
        ("sum([1, 2, 3.5])", "6.5"),
        ("abs(-4)", "4"),
        ("ceil(1.2)", "2"),
        ("floor(-1.2)", "-2"),
        ("pow(2, 10)", "1024"),
        ("pow(4, 0.5)", "2"),
        ("tostring(42)", "\"42\""),
        ("tostring(null)", "null"),
        ("tonumber(\"64512\")", "64512"),
        ("tobool(\"true\")", "true"),
        ("tostring(true)", "\"true\""),
    ]);
    check_err("tonumber(\"abc\")", "eval::function-error", "a number is required");
    check_err("tobool(1)", "eval::function-error", "bool required");
}

#[test]
fn encoding_functions() {
    table(&[
        ("jsonencode({ b = [1, true, null], a = \"<x>\" })", r#""{\"a\":\"\\u003cx\\u003e\",\"b\":[1,true,null]}""#),
        ("jsondecode(\"{\\\"a\\\": [1, 2.0, \\\"x\\\"]}\")", r#"{"a": [1, 2, "x"]}"#),
        (
            "jsondecode(jsonencode(var.subnets))",
            r#"[{"name": "a", "cidr": "10.0.1.0/24", "public": true}, {"name": "b", "cidr": "10.0.2.0/24", "public": false}]"#,
        ),
        ("base64encode(\"hello\")", "\"aGVsbG8=\""),
        ("base64decode(\"aGVsbG8=\")", "\"hello\""),
        ("base64decode(base64encode(\"ab\"))", "\"ab\""),
        ("sha256(\"hello\")", "\"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\""),
    ]);
    check_err("jsondecode(\"{\")", "eval::function-error", "invalid JSON");
    check_err("base64decode(\"a\")", "eval::function-error", "invalid base64");
}

#[test]
fn yamlencode_is_block_style_and_deterministic() {
    let src = r#"yamlencode({
        apiVersion = "node.eks.aws/v1alpha1"
        kind = "NodeConfig"
        spec = {
            cluster = { name = "hub", region = var.region }
            hybrid = { ssm = { activationCode = "abc", activationId = "id-1" } }
            kubelet = { flags = ["--node-labels=a=b", "--max-pods=58"] }
            empty = []
            enabled = true
            port = 10250
            note = "yes"
            text = "line1\nline2\n"
        }
    })"#;
    let want = "\
apiVersion: node.eks.aws/v1alpha1
kind: NodeConfig
spec:
  cluster:
    name: hub
    region: eu-west-1
  empty: []
  enabled: true
  hybrid:
    ssm:
      activationCode: abc
      activationId: id-1
  kubelet:
    flags:
    - --node-labels=a=b
    - --max-pods=58
  note: \"yes\"
  port: 10250
  text: |
    line1
    line2
";
    let got = run(src, STACK).unwrap();
    assert_eq!(got.as_str().unwrap(), want);
    table(&[
        (
            "yamlencode([{ a = 1, b = \"\" }, [\"x\"], \"true\"])",
            "\"- a: 1\\n  b: \\\"\\\"\\n- - x\\n- \\\"true\\\"\\n\"",
        ),
        ("yamlencode(\"plain\")", "\"plain\\n\""),
        ("yamlencode({ \"key: x\" = \"a #b\" })", "\"\\\"key: x\\\": \\\"a #b\\\"\\n\""),
    ]);
}

#[test]
fn file_reads_relative_to_base_dir() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("user_data.sh"), "#!/bin/sh\necho hi\n").unwrap();
    let vars = BTreeMap::new();
    let ctx = EvalCtx { file: FILE, vars: &vars, base_dir: dir.path() };
    let v = eval(&parse("file(\"user_data.sh\")"), &ctx).unwrap();
    assert_eq!(v.as_str(), Some("#!/bin/sh\necho hi\n"));
    let d = eval(&parse("file(\"missing.sh\")"), &ctx).unwrap_err();
    assert_eq!(d.code.as_deref(), Some("eval::function-error"));
    assert!(d.summary.contains("missing.sh"), "{}", d.summary);
    // A device would never finish reading; it is refused at once.
    let d = eval(&parse("file(\"/dev/zero\")"), &ctx).unwrap_err();
    assert!(d.summary.contains("not a regular file"), "{}", d.summary);
    let d = eval(&parse("file(\".\")"), &ctx).unwrap_err();
    assert!(d.summary.contains("not a regular file"), "{}", d.summary);
}

#[test]
fn try_and_can() {
    table(&[
        ("try(var.tags.owner, \"nobody\")", "\"nobody\""),
        ("try(var.azs[5], var.azs[0])", "\"eu-west-1a\""),
        ("try(tonumber(\"x\"), 0)", "0"),
        ("can(var.tags.env)", "true"),
        ("can(cidrsubnet(\"10.0.0.0/30\", 8, 1))", "false"),
        ("try(mock_subnet.app.id, \"x\")", "\"(unknown)\""),
    ]);
    check_err("try(var.tags.a, var.tags.b)", "eval::function-error", "none of the expressions succeeded");
    // Mistakes in the expression itself are not swallowed.
    check_err("try(var.regoin, \"x\")", "eval::unknown-variable", "did you mean var.region?");
    check_err("can(upperr(\"x\"))", "eval::unknown-function", "did you mean upper?");
}

#[test]
fn unknown_values_propagate_and_never_fail() {
    table(&[
        ("mock_subnet.app.id", "\"(unknown)\""),
        ("\"subnet-${mock_subnet.app.id}\"", "\"(unknown)\""),
        ("mock_subnet.app.id == null", "\"(unknown)\""),
        ("mock_subnet.app.id.anything[3]", "\"(unknown)\""),
        ("var.azs[mock_subnet.app.id]", "\"(unknown)\""),
        ("mock_network.main.arn != \"\" ? 1 : 2", "\"(unknown)\""),
        ("upper(mock_subnet.app.id)", "\"(unknown)\""),
        ("cidrsubnet(var.vpc_cidr, 8, mock_subnet.app.id)", "\"(unknown)\""),
        ("[mock_subnet.app.id, \"x\"]", r#"["(unknown)", "x"]"#),
        ("length([mock_subnet.app.id, mock_network.main.arn])", "2"),
        ("concat([mock_subnet.app.id], [\"a\"])", r#"["(unknown)", "a"]"#),
        ("merge({ id = mock_subnet.app.id }, { b = 1 })", r#"{"b": 1, "id": "(unknown)"}"#),
        ("lookup({ a = mock_subnet.app.id }, \"a\")", "\"(unknown)\""),
        ("join(\",\", [mock_subnet.app.id])", "\"(unknown)\""),
        ("[for s in [mock_subnet.app] : s.id]", r#"["(unknown)"]"#),
        ("[for s in mock_subnet.app.id : s]", "\"(unknown)\""),
        ("{for k in [\"a\", mock_subnet.app.id] : k => 1}", "\"(unknown)\""),
        ("mock_subnet.app.id[*].x", "\"(unknown)\""),
        ("mock_subnet.app.id + 1", "\"(unknown)\""),
        ("!mock_subnet.app.id", "\"(unknown)\""),
        ("mock_subnet.app.id && false", "false"),
        ("true || mock_subnet.app.id", "true"),
        ("\"%{ if mock_subnet.app.id == \"x\" }a%{ endif }\"", "\"(unknown)\""),
        ("jsonencode({ id = mock_subnet.app.id })", "\"(unknown)\""),
        ("can(mock_subnet.app.id)", "\"(unknown)\""),
        ("tolist([mock_subnet.app.id])", r#"["(unknown)"]"#),
        ("{ (mock_subnet.app.id) = 1 }", "\"(unknown)\""),
    ]);
}

#[test]
fn sensitive_values_stay_marked() {
    table(&[
        ("var.psk", r#"{"(sensitive)": "s3cr3t-psk"}"#),
        ("\"key=${var.psk}\"", r#"{"(sensitive)": "key=s3cr3t-psk"}"#),
        ("upper(var.psk)", r#"{"(sensitive)": "S3CR3T-PSK"}"#),
        ("length(var.psk)", r#"{"(sensitive)": 10}"#),
        ("var.psk == \"x\"", r#"{"(sensitive)": false}"#),
        ("{ psk = var.psk, user = \"admin\" }", r#"{"psk": {"(sensitive)": "s3cr3t-psk"}, "user": "admin"}"#),
        ("merge({ a = 1 }, { psk = var.psk })", r#"{"a": 1, "psk": {"(sensitive)": "s3cr3t-psk"}}"#),
        ("[var.psk, \"x\"][1]", "\"x\""),
        ("jsonencode({ psk = var.psk })", r#"{"(sensitive)": "{\"psk\":\"s3cr3t-psk\"}"}"#),
        ("var.enabled ? var.psk : \"\"", r#"{"(sensitive)": "s3cr3t-psk"}"#),
        ("[for c in [var.psk] : c]", r#"[{"(sensitive)": "s3cr3t-psk"}]"#),
    ]);
    let secret_map = r#"{"var": {"tunnel": {"(sensitive)": {"psk": "abc", "ids": ["t1", "t2"]}}}}"#;
    check("var.tunnel.psk", secret_map, r#"{"(sensitive)": "abc"}"#);
    check("var.tunnel.ids[*]", secret_map, r#"{"(sensitive)": ["t1", "t2"]}"#);
    check("\"%{ for i in var.tunnel.ids }${i}%{ endfor }\"", secret_map, r#"{"(sensitive)": "t1t2"}"#);
}

#[test]
fn errors_never_show_sensitive_values() {
    let cases = [
        ("var.psk + 1", "eval::type-mismatch"),
        ("tonumber(var.psk)", "eval::function-error"),
        ("cidrsubnet(var.psk, 8, 1)", "eval::function-error"),
        ("var.azs[var.psk]", "eval::invalid-index"),
        ("var.tags[var.psk]", "eval::invalid-index"),
        ("format(\"%d\", var.psk)", "eval::function-error"),
        ("{for k in [var.psk, var.psk] : k => 1}", "eval::duplicate-key"),
        ("lookup({ a = 1 }, var.psk)", "eval::function-error"),
        ("var.psk ? 1 : 2", "eval::type-mismatch"),
        ("base64decode(var.psk)", "eval::function-error"),
    ];
    for (src, code) in cases {
        let d = run(src, STACK).unwrap_err();
        assert_eq!(d.code.as_deref(), Some(code), "{src}: {d:#?}");
        let shown = format!("{d:?}");
        assert!(!shown.contains("s3cr3t"), "{src} leaks the secret: {shown}");
    }
    let d = run("var.psk * 2", STACK).unwrap_err();
    assert!(d.summary.contains("(sensitive value)"), "{}", d.summary);
}

#[test]
fn unknown_names_suggest_the_right_one() {
    check_err("var.regoin", "eval::unknown-variable", "no variable named \"regoin\"");
    check_err("var.regoin", "eval::unknown-variable", "did you mean var.region?");
    check_err("mock_network.mian.id", "eval::unknown-variable", "no resource mock_network.mian");
    check_err("mock_network.mian.id", "eval::unknown-variable", "did you mean mock_network.main?");
    check_err("mock_netwrok.main.id", "eval::unknown-variable", "did you mean mock_network.main?");
    check_err("local.prefx", "eval::unknown-variable", "did you mean local.prefix?");
    check_err("data.mock_ami.ubunto.id", "eval::unknown-variable", "did you mean data.mock_ami.ubuntu?");
    check_err(
        "mock_network.main.cidr_blok",
        "eval::unsupported-attribute",
        "did you mean mock_network.main.cidr_block?",
    );
    check_err("vra", "eval::unknown-variable", "did you mean var?");
    check_err("var.undeclared_thing", "eval::unknown-variable", "declare it with a variable");
    check_err("cidrsubnett(\"10.0.0.0/16\", 8, 1)", "eval::unknown-function", "did you mean cidrsubnet?");
    check_err("provider::aws::arn(\"x\")", "eval::unknown-function", "not supported");
    check_err("cidrsubnet(\"10.0.0.0/16\", 8)", "eval::wrong-arity", "usage: cidrsubnet(prefix, newbits, netnum)");
    check_err("upper()", "eval::wrong-arity", "takes 1 argument, got 0");
    check_err("mock_network.spokes.id", "eval::unsupported-attribute", "mock_network.spokes[*].id");
    let d = check_err("var.regoin", "eval::unknown-variable", "regoin");
    // The label covers the attribute name.
    assert_eq!(&"x = var.regoin\n"[d.labels[0].span.range.clone()], ".regoin");
    let vars = r#"{"var": {}}"#;
    let d = run("count.index", vars).unwrap_err();
    assert!(d.summary.contains("count"), "{}", d.summary);
    let d = run("each.key", vars).unwrap_err();
    assert!(d.summary.contains("for_each"), "{}", d.summary);
}

#[test]
fn value_errors_have_codes_and_help() {
    check_err("var.azs[3]", "eval::index-out-of-range", "valid indexes are 0 to 2");
    check_err("var.azs[-1]", "eval::index-out-of-range", "out of range");
    check_err("var.tags[\"evn\"]", "eval::invalid-index", "did you mean var.tags[\"env\"]?");
    check_err("var.nothing.id", "eval::null-value", "it is null");
    check_err("1 / 0", "eval::division-by-zero", "division by zero");
    check_err("5 % 0", "eval::division-by-zero", "modulo by zero");
    check_err("\"a\" + 1", "eval::type-mismatch", "must be a number");
    check_err("var.azs ? 1 : 2", "eval::type-mismatch", "must be a bool");
    check_err("\"x${var.azs}\"", "eval::type-mismatch", "join");
    check_err("\"x${var.nothing}\"", "eval::null-value", "null");
    check_err("[for s in var.region : s]", "eval::type-mismatch", "cannot iterate over a string");
    check_err("{for s in var.subnets : \"k\" => s.name}", "eval::duplicate-key", "...");
    check_err("{for s in [1, 1] : s => s}", "eval::duplicate-key", "duplicate key \"1\"");
    check_err("var.region.x", "eval::unsupported-attribute", "it is a string");
    check_err("concat(var.region...)", "eval::type-mismatch", "must be a list");
}

#[test]
fn references_exclude_bound_names() {
    let refs = |src: &str| -> Vec<(String, Vec<String>)> {
        references(&parse(src), FILE).into_iter().map(|r| (r.root, r.parts)).collect()
    };
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(refs("[for s in var.subnets : s.id]"), vec![("var".into(), s(&["subnets"]))]);
    assert_eq!(
        refs("{for k, v in local.m : k => v if v != var.skip}"),
        vec![("local".into(), s(&["m"])), ("var".into(), s(&["skip"]))]
    );
    assert_eq!(refs("mock_network.main[0].id"), vec![("mock_network".into(), s(&["main"]))]);
    assert_eq!(refs("mock_network.by_az[\"a\"].id"), vec![("mock_network".into(), s(&["by_az", "a", "id"]))]);
    assert_eq!(refs("mock_network.spokes[*].id"), vec![("mock_network".into(), s(&["spokes"]))]);
    assert_eq!(
        refs("cidrsubnet(var.cidr, 8, count.index)"),
        vec![("var".into(), s(&["cidr"])), ("count".into(), s(&["index"]))]
    );
    assert_eq!(
        refs("\"%{ for a in var.azs }${a}-${local.x}%{ endfor }\""),
        vec![("var".into(), s(&["azs"])), ("local".into(), s(&["x"]))]
    );
    assert_eq!(refs("var.m[local.k]"), vec![("var".into(), s(&["m"])), ("local".into(), s(&["k"]))]);
    assert_eq!(refs("{ a = 1, (local.k) = 2 }"), vec![("local".into(), s(&["k"]))]);
    // Nested for-expressions: the inner name shadows nothing outside.
    assert_eq!(
        refs("[for a in var.x : [for b in a : b + local.n]]"),
        vec![("var".into(), s(&["x"])), ("local".into(), s(&["n"]))]
    );
    // Spans cover the whole traversal.
    let text = "x = 1 + var.a.b\n";
    let r = references(&parse("1 + var.a.b"), FILE);
    assert_eq!(&text[r[0].span.range.clone()], "var.a.b");
}

#[test]
fn type_constraints_parse_and_print() {
    let ty = |src: &str| parse_type(&parse(src), FILE);
    for src in [
        "string",
        "list(string)",
        "set(number)",
        "map(bool)",
        "tuple([string, number])",
        "object({cidr = string, name = optional(string), ports = list(number)})",
        "any",
        "list(object({id = string}))",
    ] {
        assert_eq!(ty(src).unwrap().to_string(), src);
    }
    let d = ty("strng").unwrap_err();
    assert_eq!(d.code.as_deref(), Some("eval::invalid-type"));
    assert!(d.help.unwrap().contains("did you mean string?"));
    assert!(ty("\"string\"").unwrap_err().help.unwrap().contains("remove the quotes"));
    assert!(ty("optional(string)").is_err());
    assert!(ty("list(string, number)").is_err());
    assert!(ty("object({a = optional(string, \"x\")})").is_err());
}

#[test]
fn conversion_follows_hcl_rules() {
    let t = |src: &str| parse_type(&parse(src), FILE).unwrap();
    let v = |json: &str| from_test_json(&serde_json::from_str(json).unwrap());
    let cases: &[(&str, &str, &str)] = &[
        ("string", "42", "\"42\""),
        ("string", "true", "\"true\""),
        ("number", "\"64512\"", "64512"),
        ("number", "\"1.5\"", "1.5"),
        ("bool", "\"false\"", "false"),
        ("list(string)", "[1, \"a\"]", "[\"1\", \"a\"]"),
        ("set(string)", "[\"b\", \"a\", \"b\"]", "[\"a\", \"b\"]"),
        ("map(number)", "{\"a\": \"1\"}", "{\"a\": 1}"),
        ("tuple([string, number])", "[1, \"2\"]", "[\"1\", 2]"),
        (
            "object({cidr = string, az = optional(string)})",
            "{\"cidr\": \"10.0.0.0/16\", \"extra\": 1}",
            "{\"cidr\": \"10.0.0.0/16\", \"az\": null}",
        ),
        ("list(number)", "[\"(unknown)\", 1]", "[\"(unknown)\", 1]"),
        ("string", "\"(unknown)\"", "\"(unknown)\""),
        ("number", "{\"(sensitive)\": \"5\"}", "{\"(sensitive)\": 5}"),
        ("any", "[1, \"a\"]", "[1, \"a\"]"),
        ("string", "null", "null"),
    ];
    for (ty, input, want) in cases {
        let got = convert(v(input), &t(ty)).unwrap_or_else(|e| panic!("{ty} {input}: {e}"));
        assert!(same(&got, &v(want)), "{ty} {input}: got {got:?}");
    }
    let errs: &[(&str, &str, &str)] = &[
        ("number", "\"abc\"", "a number is required, got the string \"abc\""),
        ("bool", "\"yes\"", "a bool is required"),
        ("string", "[1]", "string required, got a list"),
        (
            "object({cidr_block = string})",
            "{\"cidr_blok\": \"x\"}",
            "attribute \"cidr_block\" is required (found \"cidr_blok\"",
        ),
        ("list(number)", "[1, \"x\"]", "[1]: a number is required"),
        ("tuple([string])", "[1, 2]", "expected 1 elements, got 2"),
        ("map(string)", "[1]", "map(string) required"),
        ("number", "{\"(sensitive)\": \"s3cr3t\"}", "(sensitive value)"),
    ];
    for (ty, input, want) in errs {
        let e = convert(v(input), &t(ty)).unwrap_err();
        assert!(e.contains(want), "{ty} {input}: {e:?} lacks {want:?}");
        assert!(!e.contains("s3cr3t"));
    }
}

#[test]
fn cli_values_parse_by_type() {
    let t = |src: &str| parse_type(&parse(src), FILE).unwrap();
    assert_eq!(parse_cli_value("eu-west-1", None).unwrap(), Value::from("eu-west-1"));
    assert_eq!(parse_cli_value("[not hcl", Some(&TypeConstraint::String)).unwrap(), Value::from("[not hcl"));
    assert_eq!(parse_cli_value("3", Some(&TypeConstraint::Number)).unwrap(), Value::int(3));
    assert_eq!(parse_cli_value("true", Some(&TypeConstraint::Bool)).unwrap(), Value::Bool(true));
    let azs = parse_cli_value("[\"a\", \"b\"]", Some(&t("list(string)"))).unwrap();
    assert_eq!(azs, Value::List(vec![Value::from("a"), Value::from("b")]));
    let obj =
        parse_cli_value("{ cidr = \"10.0.0.0/16\", size = 2 }", Some(&t("object({cidr = string, size = number})")))
            .unwrap();
    assert_eq!(obj.get("size"), Some(&Value::int(2)));
    assert!(parse_cli_value("var.x", Some(&TypeConstraint::Number)).unwrap_err().contains("not allowed"));
    assert!(parse_cli_value("abc", Some(&TypeConstraint::Number)).unwrap_err().contains("not allowed"));
    assert!(parse_cli_value("upper(\"a\")", Some(&t("any"))).unwrap_err().contains("function calls are not allowed"));
    let e = parse_cli_value("[1,", Some(&t("list(number)"))).unwrap_err();
    assert!(e.contains("not valid HCL for type list(number)"), "{e}");
    let e = parse_cli_value("\"s3cr3t\"", Some(&TypeConstraint::Number)).unwrap_err();
    assert_eq!(e, "a number is required, got the string");
    let e = parse_cli_value("[\"s3cr3t\"]", Some(&t("list(number)"))).unwrap_err();
    assert_eq!(e, "[0]: a number is required, got the string");
    let e = parse_cli_value("{ a = \"s3cr3t\" }", Some(&t("list(number)"))).unwrap_err();
    assert!(!e.contains("s3cr3t"), "{e}");
}

#[test]
fn a_plan_with_unknowns_completes() {
    // Every attribute of a resource downstream of unknown IDs evaluates without error.
    let exprs = [
        "mock_subnet.app.id",
        "{ Name = \"${local.prefix}-${mock_subnet.app.id}\", Env = var.tags.env }",
        "[for az in var.azs : { az = az, vpc = mock_subnet.app.id, cidr = cidrsubnet(var.vpc_cidr, 8, index(var.azs, az)) }]",
        "length(mock_subnet.app.id) > 0 ? mock_subnet.app.id : null",
        "coalesce(mock_subnet.app.id, \"default\")",
        "format(\"%s/%s\", mock_network.main.arn, mock_subnet.app.id)",
        "try(jsondecode(mock_subnet.app.id).x, null)",
    ];
    for src in exprs {
        let v = run(src, STACK).unwrap_or_else(|d| panic!("{src}: {d:#?}"));
        assert!(!v.is_wholly_known(), "{src} should contain an unknown, got {v:?}");
    }
}

/// A tiny deterministic generator, so the fuzz test needs no dependency.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() as usize) % items.len()]
    }
}

#[test]
fn garbage_never_panics() {
    let atoms = [
        "var.azs",
        "var.tags",
        "var.psk",
        "var.nothing",
        "mock_subnet.app.id",
        "mock_network",
        "local.ports",
        "1",
        "-1",
        "0",
        "1.5",
        "9223372036854775807",
        "\"x\"",
        "\"\"",
        "null",
        "true",
        "[]",
        "{}",
        "[1, \"a\"]",
        "var",
        "count.index",
        "each.value",
        "99999999999999999999",
        "\"10.0.0.0/8\"",
        "\"::/0\"",
        "\"255.255.255.255/32\"",
        "-9223372036854775808",
    ];
    let funcs: Vec<&str> = functions::names().collect();
    let ops = ["+", "-", "*", "/", "%", "==", "!=", "<", ">=", "&&", "||"];
    let mut rng = Lcg(0x5eed);
    let gen = |rng: &mut Lcg, depth: u32| -> String {
        fn go(rng: &mut Lcg, depth: u32, atoms: &[&str], funcs: &[&str], ops: &[&str]) -> String {
            if depth == 0 {
                return rng.pick(atoms).to_string();
            }
            let sub = |rng: &mut Lcg| go(rng, depth - 1, atoms, funcs, ops);
            match rng.next() % 10 {
                0 => format!("{} {} {}", sub(rng), rng.pick(ops), sub(rng)),
                1 => format!("{} ? {} : {}", sub(rng), sub(rng), sub(rng)),
                2 => format!("[for x in {} : {}]", sub(rng), sub(rng)),
                3 => format!("{}[{}]", sub(rng), sub(rng)),
                4 => format!("{}.*.id", sub(rng)),
                5 => format!("\"a${{{}}}b\"", sub(rng)),
                6 => format!("{{ k = {}, (\"j\") = {} }}", sub(rng), sub(rng)),
                7 => format!("{}[*]", sub(rng)),
                _ => {
                    let n = rng.next() % 4;
                    let args: Vec<String> = (0..n).map(|_| sub(rng)).collect();
                    format!("{}({})", rng.pick(funcs), args.join(", "))
                }
            }
        }
        go(rng, depth, &atoms, &funcs, &ops)
    };
    let vars = parse_vars(STACK);
    let base = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ctx = EvalCtx { file: FILE, vars: &vars, base_dir: base };
    let mut evaluated = 0;
    for i in 0..600 {
        let mut src = gen(&mut rng, (i % 4) as u32);
        // Every few cases, damage the text so the parser sees garbage too.
        if i % 5 == 0 && !src.is_empty() {
            let cut = (rng.next() as usize) % src.len();
            if src.is_char_boundary(cut) {
                src.truncate(cut);
                src.push_str(rng.pick(&["(", "[", "\"${", "%{", ")", "...", ".", "*", "<<EOT", "~"]));
            }
        }
        let text = format!("x = {src}\n");
        if let Ok(body) = hcl_edit::parser::parse_body(&text) {
            if let Some(attr) = body.get_attribute("x") {
                let _ = eval(&attr.value, &ctx);
                let _ = references(&attr.value, FILE);
                let _ = parse_type(&attr.value, FILE);
                evaluated += 1;
            }
        }
        let _ = parse_cli_value(&src, Some(&TypeConstraint::List(Box::new(TypeConstraint::Number))));
    }
    assert!(evaluated > 300, "only {evaluated} inputs parsed");
    // Hand-picked edge cases.
    for src in [
        "format(\"%99999999999999999999d\", 1)",
        "format(\"%\", 1)",
        "format(\"%[0]s\", 1)",
        "format(\"%[99]s\", 1)",
        "cidrsubnet(\"::/0\", 128, 0)",
        "cidrsubnet(\"::/0\", 64, 9223372036854775807)",
        "cidrhost(\"::/0\", -9223372036854775808)",
        "cidrhost(\"0.0.0.0/0\", -1)",
        "cidrsubnets(\"::/0\", 1, 1, 1)",
        "cidrsubnets(\"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127\", 1, 1)",
        "pow(10, 400)",
        "pow(2, -1)",
        "range(0, 1, 0.0000001)",
        "range(-9223372036854775808, 9223372036854775807, 9223372036854775807)",
        "abs(-9223372036854775808)",
        "-9223372036854775808 / -1",
        "-9223372036854775808 % -1",
        "9223372036854775807 * 9223372036854775807",
        "1e308 * 10",
        "substr(\"abc\", 5, 1)",
        "substr(\"abc\", -9, 1)",
        "substr(\"abc\", 1, 9999999999)",
        "slice([1], 1, 0)",
        "element([1], -1)",
        "base64decode(\"====\")",
        "base64decode(\"a===\")",
        "jsondecode(\"1e400\")",
        "yamlencode([[], {}, [[]]])",
        "split(\"\", \"héllo\")",
        "title(\"\")",
        "tonumber(\"inf\")",
        "var.azs[1.5]",
        "var.azs[9223372036854775807]",
        "var.azs[\"-1\"]",
    ] {
        let _ = eval(&parse(src), &ctx);
    }
}

#[test]
fn deep_nesting_is_bounded_by_the_parser_and_does_not_overflow() {
    let vars = parse_vars(STACK);
    let base = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ctx = EvalCtx { file: FILE, vars: &vars, base_dir: base };
    for n in [10, 40, 63, 64, 65, 200, 5000] {
        let cases = [
            format!("{}1{}", "[".repeat(n), "]".repeat(n)),
            format!("{}\"a\"{}", "upper(".repeat(n), ")".repeat(n)),
            format!("{}1{}", "(".repeat(n), ")".repeat(n)),
            format!("{}1", "-".repeat(n)),
            format!("1{}", " + 1".repeat(n)),
            format!("{}1{}", "{ a = ".repeat(n), " }".repeat(n)),
            format!("{}x{}", "[for x in [1] : ".repeat(n), "]".repeat(n)),
            format!("\"{}x{}\"", "${\"".repeat(n), "\"}".repeat(n)),
            format!("var.tags{}", "[\"env\"]".repeat(n)),
            format!("{}1{}", "true ? ".repeat(n), " : 0".repeat(n)),
        ];
        for src in cases {
            let text = format!("x = {src}\n");
            if let Ok(body) = hcl_edit::parser::parse_body(&text) {
                if let Some(attr) = body.get_attribute("x") {
                    let _ = eval(&attr.value, &ctx);
                    let _ = references(&attr.value, FILE);
                }
            }
        }
    }
}

#[test]
fn suggestions_do_not_reveal_keys_of_sensitive_maps() {
    let vars = r#"{"var": {"keys": {"(sensitive)": {"tunnel1_psk": "x"}}}}"#;
    for src in ["var.keys.tunnel1_pks", "var.keys[\"tunnel1_pks\"]"] {
        let d = run(src, vars).unwrap_err();
        let shown = format!("{d:?}");
        assert!(!shown.contains("tunnel1_psk"), "{src}: {shown}");
    }
}
