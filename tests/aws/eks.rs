//! aws_eks_cluster and aws_eks_node_group against the moto emulator: create, empty re-plan,
//! in-place updates (remote networks, tags, labels, scaling), out-of-band changes found, an
//! autoscaler-owned desired size left alone, destroy; each checked through the EKS API.

use super::moto;

use moto::{stack, write, Moto, PROVIDER};
use tether_aws::eks::sdk as eks;

const NETWORK: &str = "
resource \"aws_vpc\" \"main\" {
  cidr_block = \"10.0.0.0/16\"
}

resource \"aws_subnet\" \"a\" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = \"10.0.1.0/24\"
  availability_zone = \"ap-northeast-2a\"
}

resource \"aws_subnet\" \"b\" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = \"10.0.2.0/24\"
  availability_zone = \"ap-northeast-2b\"
}
";

fn cluster_block(pod_cidr: &str, name_tag: &str) -> String {
    format!(
        "
resource \"aws_eks_cluster\" \"hybrid\" {{
  name     = \"hybrid\"
  role_arn = \"arn:aws:iam::123456789012:role/eks\"
  version  = \"1.33\"

  vpc_config {{
    subnet_ids              = [aws_subnet.a.id, aws_subnet.b.id]
    endpoint_private_access = true
    endpoint_public_access  = false
  }}

  kubernetes_network_config {{
    service_ipv4_cidr = \"10.100.0.0/16\"
  }}

  remote_network_config {{
    remote_node_networks {{
      cidrs = [\"192.168.0.0/16\"]
    }}
    remote_pod_networks {{
      cidrs = [\"{pod_cidr}\"]
    }}
  }}

  tags = {{
    Name = \"{name_tag}\"
  }}
}}

output \"cluster_arn\" {{
  value = aws_eks_cluster.hybrid.arn
}}
"
    )
}

fn node_group_block(max: u32, workload: &str) -> String {
    format!(
        "
resource \"aws_eks_node_group\" \"gpu\" {{
  cluster_name    = aws_eks_cluster.hybrid.name
  node_group_name = \"gpu-nodes\"
  node_role_arn   = \"arn:aws:iam::123456789012:role/nodes\"
  subnet_ids      = [aws_subnet.a.id, aws_subnet.b.id]
  instance_types  = [\"g5.xlarge\"]

  scaling_config {{
    desired_size = 2
    min_size     = 1
    max_size     = {max}
  }}

  labels = {{
    node-type = \"gpu\"
    workload  = \"{workload}\"
  }}

  taint {{
    key    = \"nvidia.com/gpu\"
    value  = \"true\"
    effect = \"NoSchedule\"
  }}

  lifecycle {{
    ignore_changes = [scaling_config.desired_size]
  }}
}}

output \"node_group_id\" {{
  value = aws_eks_node_group.gpu.id
}}
"
    )
}

#[test]
fn eks_cluster_lifecycle() {
    let moto = Moto::start();
    let client = moto.eks();
    let rt = moto::rt();
    let files = |pod: &str, tag: &str| format!("{PROVIDER}{NETWORK}{}", cluster_block(pod, tag));
    let dir = stack(&[("main.hcl", &files("10.244.0.0/16", "hybrid"))]);

    let apply = moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    assert!(apply.api_calls().iter().any(|c| c.ends_with("CreateCluster")), "{:?}", apply.api_calls());
    let arn = moto.tether(dir.path(), &["output", "--raw", "cluster_arn"]).expect(0).stdout.trim().to_string();
    let describe = || rt.block_on(client.describe_cluster().name("hybrid").send()).unwrap().cluster().unwrap().clone();
    let c = describe();
    assert_eq!(c.arn(), Some(arn.as_str()));
    assert_eq!(c.status().map(|s| s.as_str()), Some("ACTIVE"));
    assert_eq!(c.version(), Some("1.33"));
    let remote = c.remote_network_config().unwrap();
    assert_eq!(remote.remote_node_networks()[0].cidrs(), ["192.168.0.0/16"]);
    assert_eq!(remote.remote_pod_networks()[0].cidrs(), ["10.244.0.0/16"]);
    assert_eq!(c.kubernetes_network_config().and_then(|k| k.service_ipv4_cidr()), Some("10.100.0.0/16"));
    assert_eq!(c.resources_vpc_config().unwrap().subnet_ids().len(), 2);
    let tags = c.tags().unwrap();
    assert_eq!(tags.get("Name").map(String::as_str), Some("hybrid"));
    assert_eq!(tags.get("tether:address").map(String::as_str), Some("aws_eks_cluster.hybrid"), "ownership tag");
    assert!(tags.contains_key("tether:lineage"));
    if let Some(token) = c.client_request_token() {
        assert!(!token.is_empty(), "the engine's idempotency token is the clientRequestToken");
    }

    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);
    let reads: Vec<String> = plan.api_calls().into_iter().filter(|c| c.ends_with("DescribeCluster")).collect();
    assert_eq!(reads.len(), 1, "one DescribeCluster per cluster (EKS has no batch): {:?}", plan.api_calls());

    // A new remote pod network: updated in place with UpdateClusterConfig, never a replacement.
    write(dir.path(), "main.hcl", &files("10.245.0.0/16", "hybrid"));
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    assert!(plan.stdout.contains("update in-place"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("must be replaced") && !plan.stdout.contains("-/+"), "{}", plan.stdout);
    let apply = moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    assert!(apply.api_calls().iter().any(|c| c.ends_with("UpdateClusterConfig")), "{:?}", apply.api_calls());
    assert!(!apply.api_calls().iter().any(|c| c.ends_with("DeleteCluster")), "{:?}", apply.api_calls());
    let c = describe();
    assert_eq!(c.arn(), Some(arn.as_str()));
    assert_eq!(c.remote_network_config().unwrap().remote_pod_networks()[0].cidrs(), ["10.245.0.0/16"]);
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    // Tags in place.
    write(dir.path(), "main.hcl", &files("10.245.0.0/16", "hybrid-2"));
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    assert!(plan.stdout.contains("update in-place"), "{}", plan.stdout);
    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    let c = describe();
    assert_eq!(c.tags().unwrap().get("Name").map(String::as_str), Some("hybrid-2"));
    assert_eq!(c.tags().unwrap().get("tether:address").map(String::as_str), Some("aws_eks_cluster.hybrid"));
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    // Out of band: a tag changed with the SDK shows in the next plan.
    rt.block_on(client.tag_resource().resource_arn(&arn).tags("Name", "renamed-by-hand").send()).unwrap();
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    assert!(plan.stdout.contains("\"renamed-by-hand\" -> \"hybrid-2\""), "{}", plan.stdout);

    moto.tether(dir.path(), &["destroy", "--auto-approve"]).expect(0);
    let gone = rt.block_on(client.describe_cluster().name("hybrid").send());
    assert!(gone.is_err(), "destroy removed the cluster");
}

#[test]
fn eks_cluster_rejects_non_rfc1918_remote_networks_at_plan_time() {
    let moto = Moto::start();
    let files = format!("{PROVIDER}{NETWORK}{}", cluster_block("100.64.0.0/16", "hybrid"));
    let dir = stack(&[("main.hcl", &files)]);
    let plan = moto.tether(dir.path(), &["plan"]);
    assert_ne!(plan.code, 0, "{}", plan.stdout);
    let all = format!("{}{}", plan.stdout, plan.stderr);
    assert!(all.contains("RFC 1918"), "{all}");
    assert!(plan.api_calls().is_empty(), "checked before any API call: {:?}", plan.api_calls());
}

#[test]
fn eks_node_group_lifecycle() {
    let moto = Moto::start();
    let client = moto.eks();
    let rt = moto::rt();
    let cluster = cluster_block("10.244.0.0/16", "hybrid");
    let files = |max: u32, workload: &str| format!("{PROVIDER}{NETWORK}{cluster}{}", node_group_block(max, workload));
    let dir = stack(&[("main.hcl", &files(5, "ml"))]);

    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    let id = moto.tether(dir.path(), &["output", "--raw", "node_group_id"]).expect(0).stdout.trim().to_string();
    assert_eq!(id, "hybrid:gpu-nodes");
    let describe = || {
        rt.block_on(client.describe_nodegroup().cluster_name("hybrid").nodegroup_name("gpu-nodes").send())
            .unwrap()
            .nodegroup()
            .unwrap()
            .clone()
    };
    let ng = describe();
    assert_eq!(ng.status().map(|s| s.as_str()), Some("ACTIVE"));
    let s = ng.scaling_config().unwrap();
    assert_eq!((s.desired_size(), s.min_size(), s.max_size()), (Some(2), Some(1), Some(5)));
    assert_eq!(ng.instance_types(), ["g5.xlarge"]);
    assert_eq!(ng.labels().unwrap().get("workload").map(String::as_str), Some("ml"));
    let taint = &ng.taints()[0];
    assert_eq!(taint.key(), Some("nvidia.com/gpu"));
    assert_eq!(taint.effect().map(|e| e.as_str()), Some("NO_SCHEDULE"), "Kubernetes spelling sent as the API's");
    assert_eq!(
        ng.tags().unwrap().get("tether:address").map(String::as_str),
        Some("aws_eks_node_group.gpu"),
        "ownership tag"
    );

    // NoSchedule in the stack vs NO_SCHEDULE read back: no difference.
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    // In place: a label and max_size.
    write(dir.path(), "main.hcl", &files(8, "training"));
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    assert!(plan.stdout.contains("update in-place"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    let apply = moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    assert!(apply.api_calls().iter().any(|c| c.ends_with("UpdateNodegroupConfig")), "{:?}", apply.api_calls());
    let ng = describe();
    assert_eq!(ng.labels().unwrap().get("workload").map(String::as_str), Some("training"));
    assert_eq!(ng.scaling_config().unwrap().max_size(), Some(8));
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    // The cluster autoscaler scales to 4: not drift (ignore_changes), and not undone by an apply.
    let scale = |b: eks::types::builders::NodegroupScalingConfigBuilder| {
        rt.block_on(
            client
                .update_nodegroup_config()
                .cluster_name("hybrid")
                .nodegroup_name("gpu-nodes")
                .scaling_config(b.build())
                .send(),
        )
        .unwrap();
    };
    scale(eks::types::NodegroupScalingConfig::builder().desired_size(4));
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);
    assert!(!plan.stdout.contains("desired_size"), "{}", plan.stdout);
    write(dir.path(), "main.hcl", &files(9, "training"));
    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    let s = describe().scaling_config().unwrap().clone();
    assert_eq!((s.desired_size(), s.max_size()), (Some(4), Some(9)), "the autoscaler's size is kept");
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    // Out of band: min_size is the stack's, so a change to it is drift.
    scale(eks::types::NodegroupScalingConfig::builder().min_size(3));
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    assert!(plan.stdout.contains("min_size") && plan.stdout.contains("3 -> 1"), "{}", plan.stdout);
    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    assert_eq!(describe().scaling_config().unwrap().min_size(), Some(1));

    moto.tether(dir.path(), &["destroy", "--auto-approve"]).expect(0);
    let gone = rt.block_on(client.describe_nodegroup().cluster_name("hybrid").nodegroup_name("gpu-nodes").send());
    assert!(gone.is_err(), "destroy removed the node group");
    assert!(rt.block_on(client.describe_cluster().name("hybrid").send()).is_err(), "and the cluster");
}

#[test]
fn desired_size_drift_is_reported_without_ignore_changes() {
    let moto = Moto::start();
    let client = moto.eks();
    let rt = moto::rt();
    let cluster = cluster_block("10.244.0.0/16", "hybrid");
    let owned = node_group_block(5, "ml");
    let not_owned = owned.replace("ignore_changes = [scaling_config.desired_size]", "ignore_changes = [tags]");
    let dir = stack(&[("main.hcl", &format!("{PROVIDER}{NETWORK}{cluster}{not_owned}"))]);
    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    let scaling = eks::types::NodegroupScalingConfig::builder().desired_size(4).build();
    rt.block_on(
        client
            .update_nodegroup_config()
            .cluster_name("hybrid")
            .nodegroup_name("gpu-nodes")
            .scaling_config(scaling)
            .send(),
    )
    .unwrap();
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    assert!(plan.stdout.contains("desired_size") && plan.stdout.contains("4 -> 2"), "{}", plan.stdout);
    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    let ng =
        rt.block_on(client.describe_nodegroup().cluster_name("hybrid").nodegroup_name("gpu-nodes").send()).unwrap();
    assert_eq!(ng.nodegroup().unwrap().scaling_config().unwrap().desired_size(), Some(2), "the stack owns it here");
}
