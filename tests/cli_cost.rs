//! End-to-end tests of cost estimates: `tether cost` (human and JSON) and the cost section of
//! `tether plan`, on the reference hybrid node pool (10 servers x 224 vCPUs) and AWS types.

use crate::common::{assert_contains, assert_not_contains, Fixture};

/// The reference hybrid pool; `rate` is the stack's `vcpu_hour_rate` expression, if any.
fn pool_stack(node_count: &str, rate: Option<&str>) -> String {
    let rate = rate.map(|r| format!("  vcpu_hour_rate = {r}\n")).unwrap_or_default();
    format!(
        r#"variable "rate" {{
  type    = number
  default = null
}}

resource "onprem_node_pool" "gpu" {{
  cluster_name   = "my-hybrid-cluster"
  region         = "ap-northeast-2"
  node_count     = {node_count}
  vcpus_per_node = 224
  output_dir     = "rendered"
{rate}
  ssm {{
    activation_id   = "0f1e2d3c-aaaa-bbbb-cccc-000011112222"
    activation_code = "not-a-real-code"
  }}
}}
"#
    )
}

#[test]
fn cost_of_the_reference_pool_is_179_715_20_a_month() {
    let f = Fixture::new(&pool_stack("10", None));
    let run = f.run(&["cost"]).ok();
    assert_contains(&run.stdout, "hybrid node vCPUs: 2,240 vCPUs x $0.1099/hour ($80.23/month) = $179,715.20");
    assert_contains(&run.stdout, "Total: $179,715.20 per month");
    assert_contains(&run.stdout, "Against state: $0.00 per month now, +$179,715.20");
    // The rate's source and date are shown with it.
    assert_contains(&run.stdout, "Amazon EKS pricing, Hybrid Nodes (2026-11-22, https://aws.amazon.com/eks/pricing/)");
    insta::assert_snapshot!("cost_reference_pool", run.stdout);
    // Pricing changes nothing: no state, no rendered file.
    assert!(!f.state_path().exists(), "cost wrote state");
    assert!(!f.path("rendered").exists(), "cost rendered the pool's file");
}

#[test]
fn cost_as_json_has_the_exact_amounts() {
    let f = Fixture::new(&pool_stack("10", None));
    let run = f.run(&["cost", "--format", "json"]).ok();
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("cost --format json is JSON");
    assert_eq!(v["after"]["monthly"], "179715.20");
    assert_eq!(v["before"]["monthly"], "0.00");
    assert_eq!(v["delta"]["monthly"], "179715.20");
    assert_eq!(v["hours_per_month"], 730);
    let pool = &v["resources"][0];
    assert_eq!(pool["address"], "onprem_node_pool.gpu");
    let item = &pool["after"]["items"][0];
    assert_eq!(item["quantity"], 2240);
    assert_eq!(item["hourly_price"], "0.1099");
    assert_eq!(item["monthly_unit_price"], "80.23");
    assert_eq!(item["source"]["as_of"], "2026-11-22");
}

#[test]
fn a_rate_override_changes_the_cost() {
    let f = Fixture::new(&pool_stack("10", Some("var.rate")));
    // Unset (null): the reference rate.
    assert_contains(&f.run(&["cost"]).ok().stdout, "Total: $179,715.20 per month");
    // $0.20 x 730 = $146.00 per vCPU-month, x 2,240 vCPUs.
    let run = f.run(&["cost", "--var", "rate=0.2"]).ok();
    assert_contains(&run.stdout, "2,240 vCPUs x $0.20/hour ($146.00/month) = $327,040.00");
    assert_contains(&run.stdout, "vcpu_hour_rate set in the stack");
    assert_not_contains(&run.stdout, "Amazon EKS pricing, Hybrid Nodes");
    // A rate that is not a price is refused with its location.
    let run = f.run(&["cost", "--var", "rate=-1"]).expect(1);
    assert_contains(&run.stderr, "vcpu_hour_rate must be a price in USD per vCPU-hour");
}

#[test]
fn plan_shows_the_cost_and_its_delta() {
    let f = Fixture::new(&pool_stack("10", None));
    let run = f.run(&["plan"]).ok();
    let summary = run.line_of("Plan: 1 to add");
    let cost = run.line_of("Cost: $0.00 -> $179,715.20 per month (+$179,715.20)");
    assert!(cost > summary, "the cost section follows the summary:\n{}", run.stdout);
    assert_contains(&run.stdout, "  + onprem_node_pool.gpu  $179,715.20\n");

    let json = f.run(&["plan", "--format", "json"]).ok();
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["cost"]["delta"]["monthly"], "179715.20");

    // The pull-request comment carries the same delta, and tether cost has a Markdown form.
    let md = f.run(&["plan", "--format", "markdown"]).ok().stdout;
    assert_contains(&md, "### Cost\n\n**$0.00 → $179,715.20 per month (+$179,715.20)**");
    assert_contains(&md, "| `onprem_node_pool.gpu` | – | $179,715.20 |");
    let md = f.run(&["cost", "--format", "markdown"]).ok().stdout;
    assert_contains(&md, "**Total: $179,715.20 per month**");

    f.apply();
    let run = f.run(&["plan"]).ok();
    assert_contains(&run.stdout, "No changes.");
    assert_contains(&run.stdout, "Cost: $179,715.20 per month, unchanged.");

    // One more server: $17,971.52 more a month.
    f.write("main.hcl", &pool_stack("11", None));
    let run = f.run(&["plan"]).ok();
    assert_contains(&run.stdout, "Cost: $179,715.20 -> $197,686.72 per month (+$17,971.52)");
    assert_contains(&run.stdout, "  ~ onprem_node_pool.gpu  $179,715.20 -> $197,686.72 (+$17,971.52)");
    let run = f.run(&["cost"]).ok();
    assert_contains(&run.stdout, "onprem_node_pool.gpu (to be updated)");
    assert_contains(&run.stdout, "Against state: $179,715.20 per month now, +$17,971.52");

    // A saved plan shows the same cost when shown again.
    f.run(&["plan", "--out", "plan.json"]).ok();
    let shown = f.run(&["show", "plan.json"]).ok();
    assert_contains(&shown.stdout, "Cost: $179,715.20 -> $197,686.72 per month (+$17,971.52)");

    // Destroying the pool takes its whole cost away.
    let run = f.run(&["plan", "--destroy"]).ok();
    assert_contains(&run.stdout, "Cost: $179,715.20 -> $0.00 per month (-$179,715.20)");
}

const AWS_STACK: &str = r#"
provider "aws" {
  region = "us-east-1"
  instance_prices = {
    "g5.xlarge" = 1.1
  }
}

resource "aws_eks_cluster" "main" {
  name     = "my-hybrid-cluster"
  role_arn = "arn:aws:iam::123456789012:role/eks"
  vpc_config {
    subnet_ids = ["subnet-1", "subnet-2"]
  }
}

resource "aws_eks_node_group" "cpu" {
  cluster_name    = aws_eks_cluster.main.name
  node_group_name = "cpu-nodes"
  node_role_arn   = "arn:aws:iam::123456789012:role/nodes"
  subnet_ids      = ["subnet-1", "subnet-2"]
  instance_types  = ["m5.xlarge"]
  scaling_config {
    desired_size = 3
    min_size     = 1
    max_size     = 10
  }
}

resource "aws_eks_node_group" "gpu" {
  cluster_name    = aws_eks_cluster.main.name
  node_group_name = "gpu-nodes"
  node_role_arn   = "arn:aws:iam::123456789012:role/nodes"
  subnet_ids      = ["subnet-1", "subnet-2"]
  instance_types  = ["g5.xlarge"]
  scaling_config {
    desired_size = 2
    min_size     = 1
    max_size     = 5
  }
}

resource "aws_eks_node_group" "big" {
  cluster_name    = aws_eks_cluster.main.name
  node_group_name = "big-nodes"
  node_role_arn   = "arn:aws:iam::123456789012:role/nodes"
  subnet_ids      = ["subnet-1", "subnet-2"]
  instance_types  = ["x2idn.16xlarge"]
  scaling_config {
    desired_size = 1
    min_size     = 1
    max_size     = 1
  }
}
"#;

/// Nothing to reach AWS with: a command that called AWS would fail.
const NO_AWS: &[(&str, &str)] = &[("AWS_ACCESS_KEY_ID", ""), ("AWS_ENDPOINT_URL", "http://127.0.0.1:9")];

#[test]
fn aws_types_are_priced_from_the_shipped_table_and_the_provider_block() {
    let f = Fixture::new(AWS_STACK);
    // A stack never applied is priced without any AWS call (there are no credentials here).
    let run = f.run_env(&["cost"], NO_AWS).ok();
    assert_contains(&run.stdout, "EKS control plane: 1 cluster x $0.10/hour ($73.00/month) = $73.00");
    assert_contains(&run.stdout, "m5.xlarge instances: 3 instances x $0.192/hour ($140.16/month) = $420.48");
    // The provider block's instance_prices wins over the table: $1.10 x 730 = $803.00.
    assert_contains(&run.stdout, "g5.xlarge instances: 2 instances x $1.10/hour ($803.00/month) = $1,606.00");
    // An instance type with no price is not guessed; the user is told how to add one.
    assert_contains(&run.stdout, "x2idn.16xlarge instances: 1 instance = no price for x2idn.16xlarge");
    assert_contains(&run.stdout, "Total: $2,099.48 per month, without aws_eks_node_group.big (amount unknown)");
    assert_contains(&run.stdout, "Amazon EC2 On-Demand pricing, Linux (us-east-1) (2026-11-22");
    assert_contains(&run.stdout, "instance_prices in the aws provider block");

    let run = f.run_env(&["plan"], NO_AWS).ok();
    assert_contains(
        &run.stdout,
        "Cost: $0.00 -> $2,099.48 per month (+$2,099.48), without aws_eks_node_group.big (amount unknown)",
    );
    assert_contains(&run.stdout, "  + aws_eks_node_group.cpu  $420.48\n");
}
