//! Tests of the loader and the schema checks. Most are data-driven: a stack source and the
//! diagnostics a user would see, as `LINE code` (plus `+LINE` for each further label).

use std::path::PathBuf;

use tether_sdk::{AttrPath, AttrType, Attribute, Block, BlockType, PathStep, ProviderSchema, ResourceSchema};

use super::*;
use crate::diag::{Diag, Span};

fn load(src: &str) -> (Config, Vec<Diag>) {
    load_sources(vec![(PathBuf::from("main.hcl"), src.to_string())])
}

fn line(config: &Config, span: &Span) -> usize {
    config.sources.line_col(span.file, span.range.start).line
}

/// One line per diagnostic: `LINE code` and ` +LINE` for every further label.
fn render(config: &Config, diags: &[Diag]) -> Vec<String> {
    diags
        .iter()
        .map(|d| {
            let mut s = match d.labels.first() {
                Some(l) => format!("{} ", line(config, &l.span)),
                None => "- ".to_string(),
            };
            s.push_str(d.code.as_deref().unwrap_or("?"));
            for l in d.labels.iter().skip(1) {
                s.push_str(&format!(" +{}", line(config, &l.span)));
            }
            s
        })
        .collect()
}

/// Loads `src` and asserts the diagnostics, in order.
#[track_caller]
fn check(src: &str, expect: &[&str]) -> Vec<Diag> {
    let (config, diags) = load(src);
    let got = render(&config, &diags);
    assert_eq!(got, expect, "diagnostics: {diags:#?}");
    diags
}

fn line_of(src: &str, needle: &str) -> usize {
    let at = src.find(needle).unwrap_or_else(|| panic!("{needle:?} not in source"));
    src[..at].matches('\n').count() + 1
}

const STACK: &str = r#"tether {
  required_providers {
    mock = ">= 0.1"
  }
  backend "local" {
    path = "state/tether.json"
  }
}

provider "mock" {
  region = "eu-west-1"
}

provider "mock" {
  alias  = "west"
  region = "us-west-2"
}

variable "cidr" {
  type        = string
  default     = "10.0.0.0/16"
  description = "the VPC range"
  sensitive   = false
  nullable    = false

  validation {
    condition     = can(cidrhost(var.cidr, 0))
    error_message = "cidr must be a CIDR block"
  }
}

locals {
  name = "hub"
}

locals {
  tags = { Name = local.name }
}

data "mock_zones" "all" {
  filter = "available"
}

resource "mock_network" "main" {
  cidr_block = var.cidr
  tags       = local.tags
  count      = 2
  depends_on = [data.mock_zones.all]
  provider   = mock.west

  port {
    from = 80
    to   = 80
  }
  port {
    from = 443
    to   = 443
  }

  lifecycle {
    prevent_destroy       = true
    create_before_destroy = true
    ignore_changes        = [tags, port[1].from, tags["Owner"]]
  }
}

resource "mock_endpoint" "dns" {
  for_each   = toset(["a", "b"])
  network_id = mock_network.main[0].id

  ip_address {
    subnet_id = "s-1"
  }
  ip_address {
    subnet_id = "s-2"
  }

  lifecycle {
    ignore_changes = all
  }
}

output "network_id" {
  value       = mock_network.main[0].id
  description = "the network"
  sensitive   = true
  depends_on  = [mock_network.main]
}
"#;

#[test]
fn realistic_stack_loads_with_spans() {
    let (c, diags) = load(STACK);
    assert!(diags.is_empty(), "{diags:#?}");

    // Settings.
    assert_eq!(c.settings.required_providers.get("mock").map(String::as_str), Some(">= 0.1"));
    let backend = c.settings.backend.as_ref().unwrap();
    assert_eq!(backend.kind, "local");
    assert_eq!(backend.settings.get("path").map(String::as_str), Some("state/tether.json"));
    assert_eq!(line(&c, &backend.span), line_of(STACK, "backend \"local\""));
    assert_eq!(line(&c, c.settings.span.as_ref().unwrap()), 1);

    // Providers.
    assert_eq!(c.providers.len(), 2);
    assert_eq!(c.providers[0].alias, None);
    assert_eq!(c.providers[1].alias.as_deref(), Some("west"));
    assert!(c.providers[1].body.attribute("alias").is_none(), "alias is not a provider argument");
    assert_eq!(c.providers[1].body.attribute("region").unwrap().expr.as_str(), Some("us-west-2"));
    assert_eq!(line(&c, &c.providers[1].span), 14);

    // Variables.
    let v = &c.variables[0];
    assert_eq!(v.name, "cidr");
    assert_eq!(v.description.as_deref(), Some("the VPC range"));
    assert!(!v.sensitive && !v.nullable);
    assert!(v.type_expr.is_some());
    assert_eq!(v.default.as_ref().unwrap().expr.as_str(), Some("10.0.0.0/16"));
    assert_eq!(v.validations.len(), 1);
    assert_eq!(line(&c, &v.validations[0].condition.span), line_of(STACK, "condition"));
    assert_eq!(line(&c, &v.span), line_of(STACK, "variable \"cidr\""));

    // Locals from two blocks.
    let names: Vec<&str> = c.locals.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["name", "tags"]);
    assert_eq!(line(&c, &c.locals[1].attr.name_span), line_of(STACK, "tags = {"));

    // Resources in file order, data first.
    let addrs: Vec<String> = c.resources.iter().map(|r| r.addr().to_string()).collect();
    assert_eq!(addrs, ["data.mock_zones.all", "mock_network.main", "mock_endpoint.dns"]);

    let net = &c.resources[1];
    assert_eq!(c.sources.snippet(&net.span), r#"resource "mock_network" "main""#);
    assert_eq!(c.sources.snippet(&net.type_span), r#""mock_network""#);
    let body_names: Vec<&str> = net.body.attributes.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(body_names, ["cidr_block", "tags"], "meta-arguments are taken out of the body");
    assert_eq!(c.sources.snippet(&net.count.as_ref().unwrap().span), "2");
    assert!(net.for_each.is_none());
    assert_eq!(net.depends_on.len(), 1);
    assert_eq!(net.depends_on[0].value, "data.mock_zones.all");
    assert_eq!(c.sources.snippet(&net.depends_on[0].span), "data.mock_zones.all");
    assert_eq!(net.provider.as_ref().unwrap().value, "mock.west");
    assert_eq!(net.body.blocks.len(), 2);
    assert_eq!(net.body.blocks[1].type_name, "port");
    assert_eq!(line(&c, &net.body.blocks[1].span), line_of(STACK, "port {\n    from = 443"));
    let from = net.body.blocks[1].body.attribute("from").unwrap();
    assert_eq!(c.sources.snippet(&from.span), "443");
    assert_eq!(c.sources.line_col(from.span.file, from.span.range.start).column, 12);

    let lc = &net.lifecycle;
    assert!(lc.prevent_destroy && lc.create_before_destroy && !lc.ignore_all);
    let paths: Vec<String> = lc.ignore_changes.iter().map(|p| p.value.to_string()).collect();
    assert_eq!(paths, ["tags", "port[1].from", "tags[\"Owner\"]"]);
    assert_eq!(
        lc.ignore_changes[1].value.0,
        vec![PathStep::Attr("port".into()), PathStep::Index(1), PathStep::Attr("from".into())]
    );
    assert_eq!(c.sources.snippet(&lc.ignore_changes[1].span), "port[1].from");

    let ep = &c.resources[2];
    assert!(ep.for_each.is_some() && ep.count.is_none());
    assert!(ep.lifecycle.ignore_all);

    // Outputs.
    let o = &c.outputs[0];
    assert_eq!(o.name, "network_id");
    assert!(o.sensitive);
    assert_eq!(o.description.as_deref(), Some("the network"));
    assert_eq!(c.sources.snippet(&o.value.span), "mock_network.main[0].id");
    assert_eq!(o.depends_on[0].value, "mock_network.main");
    assert_eq!(line(&c, &o.span), line_of(STACK, "output \"network_id\""));
}

#[test]
fn files_are_merged_and_spans_name_their_file() {
    let (c, diags) = load_sources(vec![
        (PathBuf::from("a.hcl"), "variable \"x\" {}\n".into()),
        (PathBuf::from("b.hcl"), "\n\nresource \"mock_network\" \"x\" {\n  cidr_block = var.x\n}\n".into()),
    ]);
    assert!(diags.is_empty());
    let r = &c.resources[0];
    assert_eq!(c.sources.location(&r.span), "b.hcl:3:1");
    assert_eq!(c.sources.location(&c.variables[0].span), "a.hcl:1:1");
}

#[test]
fn syntax_errors_point_at_the_place() {
    let d = check("resource \"a_b\" \"c\" {\n  x = \n}\n", &["2 parse::syntax"]);
    assert!(d[0].summary.starts_with("syntax error: expected a value"), "{}", d[0].summary);
    // The place the parser stopped, and where the list was opened.
    check("resource \"a_b\" \"c\" {\n  x = [1, 2\n}\n", &["3 parse::syntax +2"]);
    // A missing `}` is found at the end of the file; the diagnostic points at the opening brace.
    let d = check("resource \"a_b\" \"c\" {\n  x = 1\n", &["1 parse::syntax +2"]);
    assert!(d[0].summary.contains("never closed"), "{}", d[0].summary);
    assert!(d[0].help.as_deref().unwrap().contains("closing brace"));
    let d = check("a = {\n  b = {\n    c = 1\n  }\n\nd = 2\n", &["1 parse::syntax +6"]);
    assert!(d[0].summary.contains("`{` is never closed"), "{}", d[0].summary);
    // A string left open reads on to the next quote; the diagnostic points at the opening quote.
    let d = check("a = \"x\"\nb = \"y\nc = 1\n", &["2 parse::syntax"]);
    assert!(d[0].summary.contains("quoted string"), "{}", d[0].summary);
    let d = check("locals {\n  a = \"net-${var.env\"\n  b = 1\n}\n", &["2 parse::syntax"]);
    assert!(d[0].summary.contains("`${` is never closed"), "{}", d[0].summary);
    let d = check("locals {\n  a = <<-EOT\n    x\n  EOF\n}\n", &["2 parse::syntax"]);
    assert!(d[0].summary.contains("no line EOT"), "{}", d[0].summary);
    check("", &[]);
}

#[test]
fn syntax_errors_name_what_was_found() {
    for (src, summary) in [
        ("locals {\n  a = 0x1F\n}\n", "invalid number 0x1F"),
        ("locals {\n  a = 1e\n}\n", "invalid number 1e"),
        ("locals {\n  a = 12abc\n}\n", "invalid number 12abc"),
        ("locals {\n  a = 1 ;\n}\n", "expected a line break, found `;`"),
        ("locals {\n  a = 1e400\n}\n", "number 1e400 is too large"),
        ("locals {\n  a = floor(1e400)\n}\n", "number 1e400 is too large"),
    ] {
        let d = check(src, &["2 parse::syntax"]);
        assert!(d[0].summary.ends_with(summary), "{src:?}: {}", d[0].summary);
    }
    let d = check("resource \"a_b\" \"c\" {\n  x \"1\"\n}\n", &["2 parse::syntax"]);
    assert!(d[0].help.as_deref().unwrap().contains("NAME = VALUE"));
}

#[test]
fn quoted_strings_do_not_span_lines() {
    // hcl-edit accepts this; HCL does not.
    let d = check("locals {\n  a = \"x\ny\"\n}\n", &["2 parse::syntax"]);
    assert!(d[0].help.as_deref().unwrap().contains("heredoc"));
    // Inside interpolations, heredocs and comments line breaks are fine.
    check("locals {\n  a = \"${\n  1}\"\n  b = <<EOT\n\"\nEOT\n  # \"\n  /* \"\n */\n}\n", &[]);
}

#[test]
fn a_syntax_error_in_one_file_does_not_hide_the_others() {
    let (c, diags) = load_sources(vec![
        (PathBuf::from("a.hcl"), "resource {".into()),
        (PathBuf::from("b.hcl"), "output \"o\" {}\n".into()),
    ]);
    let codes: Vec<_> = diags.iter().map(|d| d.code.clone().unwrap()).collect();
    assert_eq!(codes, ["parse::syntax", "config::missing-argument"]);
    assert_eq!(c.sources.path(diags[1].labels[0].span.file), PathBuf::from("b.hcl"));
}

#[test]
fn top_level_structure_errors() {
    let d = check("resorce \"a_b\" \"c\" {}\n", &["1 config::unknown-block"]);
    assert_eq!(d[0].help.as_deref(), Some("did you mean resource?"));
    let d = check("\nterraform {}\n", &["2 config::unknown-block"]);
    assert!(d[0].help.as_deref().unwrap().contains("tether { }"));
    let d = check("resource \"aws_vpc\" {}\n", &["1 config::block-labels"]);
    assert_eq!(d[0].summary, "resource blocks need two labels: a type and a name");
    assert!(d[0].help.as_deref().unwrap().contains("resource \"mock_network\" \"main\""));
    check("variable {}\n", &["1 config::block-labels"]);
    check("locals \"x\" {}\n", &["1 config::block-labels"]);
    check("data \"a\" \"b\" \"c\" {}\n", &["1 config::block-labels"]);
    check("x = 1\n", &["1 config::unexpected-attribute"]);
    // Errors in one block do not stop the next.
    check(
        "foo {}\nbar {}\nresource \"a\" {}\n",
        &["1 config::unknown-block", "2 config::unknown-block", "3 config::block-labels"],
    );
}

#[test]
fn names_must_be_identifiers() {
    check("resource \"mock_network\" \"1st\" {}\n", &["1 config::invalid-name"]);
    check("variable \"has space\" {}\n", &["1 config::invalid-name"]);
    check("resource \"mock network\" \"a\" {}\n", &["1 config::invalid-name"]);
    check("provider \"mock\" {\n  alias = \"9\"\n}\n", &["2 config::invalid-name"]);
    check("resource \"mock_network\" \"a-b_9\" {}\n", &[]);
}

#[test]
fn duplicates_are_labelled_on_both_sides() {
    let src = "resource \"mock_network\" \"a\" {}\n\nresource \"mock_network\" \"a\" {}\n";
    let d = check(src, &["3 config::duplicate +1"]);
    assert_eq!(d[0].labels[1].message, "first declared here");
    // A resource and a data source may share a type and name.
    check("resource \"mock_zones\" \"a\" {}\ndata \"mock_zones\" \"a\" {}\n", &[]);
    check("data \"mock_zones\" \"a\" {}\ndata \"mock_zones\" \"a\" {}\n", &["2 config::duplicate +1"]);
    check("variable \"v\" {}\nvariable \"v\" {}\n", &["2 config::duplicate +1"]);
    check("output \"o\" {\n  value = 1\n}\noutput \"o\" {\n  value = 2\n}\n", &["4 config::duplicate +1"]);
    check("locals {\n  a = 1\n}\nlocals {\n  a = 2\n}\n", &["5 config::duplicate +2"]);
    check("provider \"mock\" {}\nprovider \"mock\" {}\n", &["2 config::duplicate +1"]);
    check(
        "provider \"mock\" {\n  alias = \"w\"\n}\nprovider \"mock\" {\n  alias = \"w\"\n}\nprovider \"mock\" {}\n",
        &["4 config::duplicate +1"],
    );
    // Across files too.
    let (c, diags) = load_sources(vec![
        (PathBuf::from("a.hcl"), "variable \"v\" {}\n".into()),
        (PathBuf::from("b.hcl"), "variable \"v\" {}\n".into()),
    ]);
    assert_eq!(diags.len(), 1);
    assert_eq!(c.sources.location(&diags[0].labels[0].span), "b.hcl:1:1");
    assert_eq!(c.sources.location(&diags[0].labels[1].span), "a.hcl:1:1");
    assert_eq!(c.variables.len(), 1, "the copy is dropped from the model");
}

#[test]
fn duplicate_attributes_in_one_body() {
    let src = "resource \"mock_network\" \"a\" {\n  name = \"x\"\n  cidr_block = \"10.0.0.0/16\"\n  name = \"y\"\n}\n";
    let (c, diags) = load(src);
    assert_eq!(render(&c, &diags), ["4 config::duplicate +2"]);
    assert_eq!(diags[0].summary, "attribute name is set twice in the same block");
    let r = &c.resources[0];
    assert_eq!(r.body.attributes.len(), 2);
    assert_eq!(r.body.attribute("name").unwrap().expr.as_str(), Some("x"));
    // Nested bodies, several duplicates, and one-letter names all recover.
    check(
        "resource \"mock_network\" \"a\" {\n  port {\n    a = 1\n    a = 2\n    a = 3\n  }\n}\nlocals {\n  b = 1\n  b = 2\n}\n",
        &["4 config::duplicate +3", "5 config::duplicate +3", "10 config::duplicate +9"],
    );
}

#[test]
fn meta_arguments() {
    check("resource \"mock_network\" \"a\" {\n  count = 2\n  for_each = {}\n}\n", &["3 config::count-and-for-each +2"]);
    let d = check(
        "resource \"mock_network\" \"a\" {\n  depends_on = [\"mock_network.b\"]\n}\n",
        &["2 config::invalid-depends-on"],
    );
    assert_eq!(d[0].help.as_deref(), Some("write depends_on = [mock_network.main] without quotes"));
    check("resource \"mock_network\" \"a\" {\n  depends_on = mock_network.b\n}\n", &["2 config::invalid-depends-on"]);
    check(
        "resource \"mock_network\" \"a\" {\n  depends_on = [\n    var.x,\n    data.mock_zones,\n    mock_network.b.id,\n    mock_network.c,\n  ]\n}\n",
        &["3 config::invalid-depends-on", "4 config::invalid-depends-on", "5 config::invalid-depends-on"],
    );
    check("resource \"mock_network\" \"a\" {\n  provider = \"mock.west\"\n}\n", &["2 config::invalid-provider-ref"]);
    let (c, _) = load("resource \"mock_network\" \"a\" {\n  provider = mock\n}\n");
    assert_eq!(c.resources[0].provider.as_ref().unwrap().value, "mock");
}

#[test]
fn lifecycle_values_are_literals() {
    check(
        "resource \"mock_network\" \"a\" {\n  lifecycle {\n    prevent_destroy = var.protect\n  }\n}\n",
        &["3 config::not-literal"],
    );
    check(
        "resource \"mock_network\" \"a\" {\n  lifecycle {\n    prevent_destroy = \"yes\"\n  }\n}\n",
        &["3 config::type-mismatch"],
    );
    let d = check(
        "resource \"mock_network\" \"a\" {\n  lifecycle {\n    prevent_destroi = true\n  }\n}\n",
        &["3 config::unknown-argument"],
    );
    assert_eq!(d[0].help.as_deref(), Some("did you mean prevent_destroy?"));
    check(
        "resource \"mock_network\" \"a\" {\n  lifecycle {\n    ignore_changes = [\"tags\", a[*].b]\n  }\n}\n",
        &["3 config::invalid-ignore-changes", "3 config::invalid-ignore-changes"],
    );
    check("resource \"mock_network\" \"a\" {\n  lifecycle {}\n  lifecycle {}\n}\n", &["3 config::duplicate +2"]);
    check("resource \"mock_network\" \"a\" {\n  dynamic \"port\" {\n  }\n}\n", &["2 config::missing-argument"]);
    check("resource \"mock_network\" \"a\" {\n  dynamic \"port\" \"x\" {\n  }\n}\n", &["2 config::block-labels"]);
    check(
        "resource \"mock_network\" \"a\" {\n  dynamic \"port\" {\n    for_each = []\n    iterator = \"p\"\n    content {}\n  }\n}\n",
        &["4 config::type-mismatch"],
    );
}

#[test]
fn variable_and_output_blocks() {
    let d = check("variable \"v\" {\n  defualt = 1\n}\n", &["2 config::unknown-argument"]);
    assert_eq!(d[0].help.as_deref(), Some("did you mean default?"));
    check(
        "variable \"v\" {\n  sensitive = var.x\n  nullable = 1\n}\n",
        &["2 config::not-literal", "3 config::type-mismatch"],
    );
    check("variable \"v\" {\n  description = \"a ${var.b}\"\n}\n", &["2 config::not-literal"]);
    let (c, _) = load("variable \"v\" {\n  description = <<EOT\nline one\nEOT\n}\n");
    assert_eq!(c.variables[0].description.as_deref(), Some("line one\n"));
    assert!(c.variables[0].nullable, "nullable defaults to true");
    check("variable \"v\" {\n  validation {\n    condition = true\n  }\n}\n", &["2 config::missing-argument"]);
    check("variable \"v\" {\n  validation {\n  }\n}\n", &["2 config::missing-argument", "2 config::missing-argument"]);
    let d = check("\noutput \"o\" {\n  description = \"x\"\n}\n", &["2 config::missing-argument"]);
    assert!(d[0].help.as_deref().unwrap().contains("value ="));
    check("output \"o\" {\n  value = 1\n  valeu = 2\n}\n", &["3 config::unknown-argument"]);
}

#[test]
fn tether_block() {
    check("tether {\n  backend \"local\" {\n    path = var.p\n  }\n}\n", &["3 config::not-literal"]);
    check("tether {\n  backend {\n  }\n}\n", &["2 config::block-labels"]);
    check("tether {\n  backend \"local\" {}\n}\ntether {\n  backend \"local\" {}\n}\n", &["5 config::duplicate +2"]);
    check("tether {\n  required_providers {\n    mock = 1\n  }\n}\n", &["3 config::not-literal"]);
    let d = check("tether {\n  required_provider {}\n}\n", &["2 config::unknown-argument"]);
    assert_eq!(d[0].help.as_deref(), Some("did you mean required_providers?"));
    let (c, d) = load("tether {\n  required_providers {\n    mock = { version = \"~> 1.0\" }\n  }\n}\n");
    assert!(d.is_empty());
    assert_eq!(c.settings.required_providers["mock"], "~> 1.0");
}

#[test]
fn nested_blocks_keep_their_bodies() {
    let (c, d) =
        load("provider \"mock\" {\n  assume_role {\n    role_arn = \"x\"\n    inner {\n      a = 1\n    }\n  }\n}\n");
    assert!(d.is_empty());
    let role = &c.providers[0].body.blocks[0];
    assert_eq!(role.type_name, "assume_role");
    assert_eq!(role.body.blocks[0].body.attribute("a").unwrap().expr.as_number().and_then(|n| n.as_u64()), Some(1));
    assert_eq!(line(&c, &role.body.blocks[0].span), 4);
}

#[test]
fn load_dir_reads_hcl_files_in_name_order() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("b.hcl"), "variable \"b\" {}\n").unwrap();
    std::fs::write(dir.path().join("a.hcl"), "variable \"a\" {}\n").unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not hcl").unwrap();
    std::fs::create_dir(dir.path().join("sub.hcl")).unwrap();
    let (c, d) = load_dir(dir.path());
    assert!(d.is_empty(), "{d:#?}");
    let names: Vec<&str> = c.variables.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(c.sources.path(c.variables[1].span.file), dir.path().join("b.hcl"));
}

#[test]
fn load_dir_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (_, d) = load_dir(dir.path());
    assert_eq!(d[0].code.as_deref(), Some("config::no-files"));
    assert!(d[0].summary.starts_with("no *.hcl files in "));
    assert_eq!(d[0].help.as_deref(), Some("run tether in a stack directory or pass --stack DIR"));

    std::fs::write(dir.path().join("bad.hcl"), b"variable \"a\" {}\n# \xff\xfe\n").unwrap();
    let (c, d) = load_dir(dir.path());
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code.as_deref(), Some("config::not-utf8"));
    assert!(d[0].summary.contains("bad.hcl"));
    assert_eq!(c.sources.location(&d[0].labels[0].span), format!("{}:2:3", dir.path().join("bad.hcl").display()));

    let (_, d) = load_dir(&dir.path().join("missing"));
    assert_eq!(d[0].code.as_deref(), Some("config::read"));
}

// ---- schema checks ----

fn mock_schema() -> ProviderSchema {
    let port = Block::new()
        .attr("from", Attribute::required(AttrType::Number))
        .attr("to", Attribute::required(AttrType::Number));
    let network = Block::new()
        .attr("id", Attribute::computed(AttrType::String))
        .attr("cidr_block", Attribute::required(AttrType::String).force_new())
        .attr("name", Attribute::optional(AttrType::String))
        .attr("enabled", Attribute::optional(AttrType::Bool))
        .attr("mtu", Attribute::optional_computed(AttrType::Number))
        .attr("tags", Attribute::optional(AttrType::map_of(AttrType::String)))
        .attr("dns_servers", Attribute::optional(AttrType::list_of(AttrType::String)))
        .block("port", BlockType::list(port))
        .block("settings", BlockType::single(Block::new().attr("flag", Attribute::optional(AttrType::Bool))));
    let endpoint = Block::new()
        .attr("id", Attribute::computed(AttrType::String))
        .attr("network_id", Attribute::required(AttrType::String))
        .block(
            "ip_address",
            BlockType::list(Block::new().attr("subnet_id", Attribute::required(AttrType::String))).min(2).max(3),
        );
    let zones = Block::new()
        .attr("filter", Attribute::optional(AttrType::String))
        .attr("names", Attribute::computed(AttrType::list_of(AttrType::String)));
    let mut s = ProviderSchema {
        provider: Block::new().attr("region", Attribute::optional(AttrType::String)),
        ..Default::default()
    };
    s.resources.insert("mock_network".into(), ResourceSchema::new("a network", network));
    s.resources.insert("mock_endpoint".into(), ResourceSchema::new("an endpoint", endpoint));
    s.data_sources.insert("mock_zones".into(), ResourceSchema::new("zones", zones));
    s
}

#[track_caller]
fn check_schema(src: &str, expect: &[&str]) -> Vec<Diag> {
    let (config, load_diags) = load(src);
    assert!(load_diags.is_empty(), "{load_diags:#?}");
    let schema = mock_schema();
    let known: Vec<String> = schema.resources.keys().chain(schema.data_sources.keys()).cloned().collect();
    let lookup = |name: &str| (name == "mock").then(|| SchemaRef::new("mock", &schema));
    let diags = validate_schema(&config, &lookup, &known);
    assert_eq!(render(&config, &diags), expect, "{diags:#?}");
    diags
}

#[test]
fn schema_accepts_the_realistic_stack() {
    check_schema(STACK, &[]);
}

#[test]
fn schema_unknown_provider_and_type() {
    let d = check_schema("resource \"foo_bar\" \"a\" {}\n", &["1 config::unknown-provider"]);
    assert_eq!(d[0].summary, "no provider handles resource type foo_bar");
    assert_eq!(d[0].help.as_deref(), Some("available providers: mock"));
    assert_eq!(d[0].address.as_deref(), Some("foo_bar.a"));
    let d = check_schema("\nresource \"mock_netwrk\" \"a\" {}\n", &["2 config::unknown-resource-type"]);
    assert_eq!(d[0].help.as_deref(), Some("did you mean mock_network?"));
    let d = check_schema("data \"mock_network\" \"a\" {}\n", &["1 config::unknown-resource-type"]);
    assert_eq!(d[0].help.as_deref(), Some("mock_network is a resource type, not a data source type"));
    check_schema("provider \"mokc\" {}\n", &["1 config::unknown-provider"]);
    check_schema("provider \"mock\" {\n  regoin = \"x\"\n}\n", &["2 config::unknown-attribute"]);
    check_schema(
        "provider \"mock\" {\n  alias = \"east\"\n}\nresource \"mock_network\" \"a\" {\n  cidr_block = \"x\"\n  provider = mock.west\n}\n",
        &["6 config::unknown-provider"],
    );
}

#[test]
fn schema_attribute_checks() {
    let d = check_schema(
        "resource \"mock_network\" \"a\" {\n  cidr_blok = \"10.0.0.0/16\"\n}\n",
        &["2 config::unknown-attribute", "1 config::missing-attribute"],
    );
    assert_eq!(d[0].help.as_deref(), Some("did you mean cidr_block?"));
    assert_eq!(d[1].summary, "missing required attribute cidr_block");
    assert_eq!(d[1].help.as_deref(), Some("add cidr_block = <string>"));
    let d = check_schema(
        "resource \"mock_network\" \"a\" {\n  cidr_block = \"x\"\n  id = \"n-1\"\n}\n",
        &["3 config::computed-attribute"],
    );
    assert_eq!(d[0].summary, "id is set by the provider and cannot be configured");
    check_schema("resource \"mock_network\" \"a\" {\n  cidr_block = \"x\"\n  mtu = 9001\n}\n", &[]);
    check_schema(
        "resource \"mock_network\" \"a\" {\n  cidr_block = \"x\"\n  port = []\n  tags {\n  }\n}\n",
        &["3 config::attribute-or-block", "4 config::attribute-or-block"],
    );
    check_schema(
        "resource \"mock_network\" \"a\" {\n  cidr_block = \"x\"\n  port {\n    from = 1\n    form = 2\n  }\n}\n",
        &["5 config::unknown-attribute", "3 config::missing-attribute"],
    );
    check_schema(
        "resource \"mock_network\" \"a\" {\n  cidr_block = \"x\"\n  settings {}\n  settings {}\n}\n",
        &["4 config::block-count +3"],
    );
    check_schema(
        "resource \"mock_endpoint\" \"a\" {\n  network_id = \"n\"\n  ip_address {\n    subnet_id = \"s\"\n  }\n}\n",
        &["1 config::block-count"],
    );
    check_schema("data \"mock_zones\" \"a\" {\n  filter = \"x\"\n  nmes = []\n}\n", &["3 config::unknown-attribute"]);
}

#[test]
fn schema_ignore_changes_names_attributes() {
    let d = check_schema(
        "resource \"mock_network\" \"a\" {\n  cidr_block = \"x\"\n  lifecycle {\n    ignore_changes = [tgas, name, tags[\"a\"]]\n  }\n}\n",
        &["4 config::unknown-attribute"],
    );
    assert_eq!(d[0].help.as_deref(), Some("did you mean tags?"));
    check_schema(
        "resource \"mock_network\" \"a\" {\n  cidr_block = \"x\"\n  lifecycle {\n    ignore_changes = all\n  }\n}\n",
        &[],
    );
}

#[test]
fn schema_references_name_attributes_of_the_type() {
    let d = check_schema(
        "resource \"mock_network\" \"a\" {\n  cidr_block = \"x\"\n}\n\
         output \"o\" {\n  value = [mock_network.a.cidr_blok, mock_network.a.id]\n}\n",
        &["5 eval::unsupported-attribute"],
    );
    assert_eq!(d[0].summary, "mock_network.a has no attribute \"cidr_blok\"");
    assert_eq!(d[0].help.as_deref(), Some("did you mean mock_network.a.cidr_block?"));
    // With count or for_each the next step is an index or a key: left to evaluation.
    check_schema(
        "resource \"mock_network\" \"a\" {\n  count = 2\n  cidr_block = \"x\"\n}\n\
         locals {\n  x = mock_network.a[0].cidr_block\n  y = mock_network.a.zzz\n}\n",
        &[],
    );
}

#[test]
fn schema_required_attributes_are_not_null() {
    let d =
        check_schema("resource \"mock_network\" \"a\" {\n  cidr_block = null\n}\n", &["2 config::missing-attribute"]);
    assert_eq!(d[0].summary, "cidr_block is required and cannot be null");
    check_schema("resource \"mock_network\" \"a\" {\n  cidr_block = \"x\"\n  name = null\n}\n", &[]);
}

#[test]
fn schema_literal_type_checks() {
    let d = check_schema(
        "resource \"mock_network\" \"a\" {\n  cidr_block = [\"10.0.0.0/16\"]\n  enabled = \"yes\"\n  tags = [1]\n  dns_servers = 3\n}\n",
        &["2 config::type-mismatch", "3 config::type-mismatch", "4 config::type-mismatch", "5 config::type-mismatch"],
    );
    assert_eq!(d[0].summary, "cidr_block expects string, but this is a list");
    let d = check_schema(
        "resource \"mock_network\" \"a\" {\n  cidr_block = \"x\"\n  tags = { a = \"b\", c = [] }\n}\n",
        &["3 config::type-mismatch"],
    );
    assert_eq!(d[0].summary, "tags expects map(string), but this is a list at key c");
    assert_eq!(d[0].labels[0].span.range.len(), 2, "the label is on the offending element");
    check_schema(
        "resource \"mock_network\" \"a\" {\n  cidr_block = \"x\"\n  port {\n    from = \"http\"\n    to = \"80\"\n  }\n  dns_servers = [\"a\", {}]\n  tags = { a = \"b\", c = [] }\n}\n",
        &["7 config::type-mismatch", "8 config::type-mismatch", "4 config::type-mismatch"],
    );
    // Expressions, null and convertible literals are left to evaluation.
    check_schema(
        "resource \"mock_network\" \"a\" {\n  cidr_block = var.x\n  enabled = \"true\"\n  name = 42\n  mtu = null\n  tags = local.t\n  dns_servers = [var.a, \"b\"]\n}\n",
        &[],
    );
}

#[test]
fn attr_span_finds_attributes_and_nested_blocks() {
    let (c, _) = load(STACK);
    let body = &c.resources[1].body;
    let at = |p: &str| attr_span(body, &AttrPath::parse(p).unwrap()).map(|s| c.sources.snippet(&s).to_string());
    assert_eq!(at("cidr_block").as_deref(), Some("var.cidr"));
    assert_eq!(at("port[1].from").as_deref(), Some("443"));
    assert_eq!(at("port[0].to").as_deref(), Some("80"));
    assert_eq!(at("port[1]").as_deref(), Some("port"));
    assert_eq!(at("port[5].from"), None);
    assert_eq!(at("nope"), None);
    // Deeper than written: the nearest enclosing part.
    assert_eq!(at("tags[\"Name\"]").as_deref(), Some("local.tags"));
    let (c, _) = load("resource \"a_b\" \"c\" {\n  tags = { Name = \"x\" }\n  list = [1, 2]\n}\n");
    let body = &c.resources[0].body;
    let at = |p: &str| attr_span(body, &AttrPath::parse(p).unwrap()).map(|s| c.sources.snippet(&s).to_string());
    assert_eq!(at("tags[\"Name\"]").as_deref(), Some("\"x\""));
    assert_eq!(at("tags.Name").as_deref(), Some("\"x\""));
    assert_eq!(at("list[1]").as_deref(), Some("2"));
}

// ---- robustness ----

/// Loads and schema-checks `src`, touching every span; panics are the failure.
fn load_everything(src: String) {
    let (config, diags) = load_sources(vec![(PathBuf::from("m.hcl"), src)]);
    for d in &diags {
        for l in &d.labels {
            let _ = config.sources.location(&l.span);
            let _ = config.sources.snippet(&l.span);
        }
    }
    let schema = mock_schema();
    let known: Vec<String> = schema.resources.keys().cloned().collect();
    let lookup = |name: &str| (name == "mock").then(|| SchemaRef::new("mock", &schema));
    let _ = validate_schema(&config, &lookup, &known);
    for r in &config.resources {
        let _ = attr_span(&r.body, &AttrPath::parse("port[1].from").unwrap());
    }
}

#[test]
fn never_panics_on_truncated_input() {
    let small = &STACK[STACK.find("resource \"mock_network\"").unwrap()..];
    for cut in 0..=small.len() {
        if small.is_char_boundary(cut) {
            load_everything(small[..cut].to_string());
        }
    }
}

#[test]
fn never_panics_on_mutated_input() {
    // A small deterministic generator (xorshift) so failures reproduce.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let alphabet = b"{}[]()\"=.,\n #$%<>-_*:?!0a\\\x00\xff";
    for _ in 0..400 {
        let mut bytes = STACK.as_bytes().to_vec();
        for _ in 0..(1 + next() % 4) {
            let at = (next() % bytes.len() as u64) as usize;
            match next() % 3 {
                0 => bytes[at] = alphabet[(next() % alphabet.len() as u64) as usize],
                1 => {
                    bytes.remove(at);
                }
                _ => bytes.insert(at, alphabet[(next() % alphabet.len() as u64) as usize]),
            }
        }
        load_everything(String::from_utf8_lossy(&bytes).into_owned());
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let src = format!("locals {{\n  x = {}1{}\n}}\n", "[".repeat(10_000), "]".repeat(10_000));
    let (_, diags) = load(&src);
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].code.as_deref(), Some("parse::syntax"));
    let src = format!("{}{}", "a {\n".repeat(500), "}\n".repeat(500));
    let (_, diags) = load(&src);
    assert_eq!(diags[0].code.as_deref(), Some("parse::syntax"));
}

#[test]
fn duplicate_one_letter_keys_recover_in_a_busy_file() {
    // Every letter appears in the file as text, and many as names; recovery still works.
    let mut src = String::from("locals {\n  note = \"the quick brown fox jumps over a lazy dog ZQXJKVWY\"\n");
    for c in 'a'..='y' {
        src.push_str(&format!("  {c} = 1\n"));
    }
    src.push_str("  q = 2\n}\n");
    let (c, diags) = load(&src);
    assert_eq!(render(&c, &diags), ["28 config::duplicate +19"]);
    assert_eq!(c.locals.len(), 26);
}

#[test]
fn include_loads_another_directory_into_the_same_namespace() {
    let root = tempfile::tempdir().unwrap();
    let (net, app, shared) = (root.path().join("net"), root.path().join("app"), root.path().join("shared"));
    for d in [&net, &app, &shared] {
        std::fs::create_dir(d).unwrap();
    }
    std::fs::write(shared.join("vars.hcl"), "variable \"region\" {}\n").unwrap();
    std::fs::write(net.join("net.hcl"), "include \"shared\" {\n  source = \"../shared\"\n}\nvariable \"cidr\" {}\n")
        .unwrap();
    std::fs::write(
        app.join("main.hcl"),
        "include \"network\" {\n  source = \"../net\"\n}\nvariable \"app\" {}\noutput \"c\" {\n  value = var.cidr\n}\n",
    )
    .unwrap();
    let (c, d) = load_dir(&app);
    assert!(d.is_empty(), "{d:#?}");
    let names: Vec<&str> = c.variables.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["app", "cidr", "region"], "included files, and their includes, join the stack");
    // Diagnostics name included files by a short path, not app/../net.
    assert_eq!(c.sources.path(c.variables[1].span.file), root.path().join("net").join("net.hcl"));
    assert_eq!(c.includes.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(), ["network", "shared"]);
}

#[test]
fn include_errors_point_at_the_source() {
    let root = tempfile::tempdir().unwrap();
    let app = root.path().join("app");
    std::fs::create_dir(&app).unwrap();
    std::fs::write(app.join("main.hcl"), "include \"x\" {\n  source = \"../missing\"\n}\n").unwrap();
    let (c, d) = load_dir(&app);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0].code.as_deref(), Some("config::include"));
    assert!(d[0].summary.contains("cannot read stack directory"), "{}", d[0].summary);
    assert_eq!(c.sources.location(&d[0].labels[0].span), format!("{}:2:12", app.join("main.hcl").display()));

    // A directory that includes itself (directly or through another) is loaded once.
    std::fs::write(app.join("main.hcl"), "include \"me\" {\n  source = \".\"\n}\n").unwrap();
    let (_, d) = load_dir(&app);
    assert_eq!(d[0].code.as_deref(), Some("config::include-twice"));

    std::fs::write(app.join("main.hcl"), "include \"me\" {\n  source = var.dir\n}\n").unwrap();
    let (_, d) = load_dir(&app);
    let codes: Vec<_> = d.iter().filter_map(|d| d.code.as_deref()).collect();
    assert_eq!(codes, ["config::not-literal"], "one error for a non-literal source");

    std::fs::write(app.join("main.hcl"), "include \"me\" {\n  path = \".\"\n}\n").unwrap();
    let (_, d) = load_dir(&app);
    let codes: Vec<_> = d.iter().filter_map(|d| d.code.as_deref()).collect();
    assert_eq!(codes, ["config::unknown-argument", "config::missing-argument"]);
}
