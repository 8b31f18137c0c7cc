//! stacks/hybrid-eks, the whole reference architecture, against the emulator (moto with the
//! access entry and activation APIs of scripts/moto_ext.py): apply, check the pieces DOMAIN.md
//! asks for through the SDK and the rendered on-prem files, re-plan to empty; then drift: a
//! security group rule revoked, the resolver rule association deleted and a node group's labels
//! changed out of band are each reported (exit 2) while an autoscaler's desired size is not;
//! apply puts them back and drift is clean; destroy.

use super::moto;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use moto::Moto;
use tether_aws::eks::sdk::types::{NodegroupScalingConfig, UpdateLabelsPayload};

/// Copies stacks/hybrid-network and stacks/hybrid-eks side by side (the include is relative)
/// and returns the temporary directory and the hybrid-eks stack in it.
fn copy_stacks() -> (tempfile::TempDir, PathBuf) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("stacks");
    let tmp = tempfile::tempdir().unwrap();
    for name in ["hybrid-network", "hybrid-eks"] {
        std::fs::create_dir_all(tmp.path().join(name)).unwrap();
        for entry in std::fs::read_dir(root.join(name)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "hcl" || e == "tfvars") {
                std::fs::copy(&path, tmp.path().join(name).join(path.file_name().unwrap())).unwrap();
            }
        }
    }
    let stack = tmp.path().join("hybrid-eks");
    (tmp, stack)
}

fn output(moto: &Moto, dir: &Path, name: &str) -> String {
    moto.tether(dir, &["output", "--raw", name]).expect(0).stdout.trim().to_string()
}

/// Address -> cloud ID, from `tether show --format json`.
fn ids(moto: &Moto, dir: &Path) -> HashMap<String, String> {
    let v: serde_json::Value =
        serde_json::from_str(&moto.tether(dir, &["show", "--format", "json"]).expect(0).stdout).unwrap();
    v["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["address"].as_str().unwrap().to_string(), r["id"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn the_reference_architecture_applies_settles_drifts_and_destroys() {
    let moto = Moto::start();
    let (ec2, eks, resolver) = (moto.ec2(), moto.eks(), moto.resolver());
    let rt = moto::rt();
    let (_tmp, dir) = copy_stacks();

    let saved = dir.join("plan.tfplan");
    let plan = moto.tether(&dir, &["plan", "--out", saved.to_str().unwrap()]).expect(0);
    assert!(plan.stdout.contains("Plan: 36 to add, 0 to change, 0 to destroy."), "{}", plan.stdout);
    assert!(plan.stdout.contains("+ onprem_node_pool.h100                       $179,715.20"), "{}", plan.stdout);
    assert!(plan.api_calls().is_empty(), "planning a fresh stack calls nothing: {:?}", plan.api_calls());
    moto.tether(&dir, &["apply", saved.to_str().unwrap()]).expect(0);
    let ids = ids(&moto, &dir);

    // The network, from the included stack, tagged as this stack's.
    let vpc_id = output(&moto, &dir, "vpc_id");
    let vpc = rt.block_on(ec2.describe_vpcs().vpc_ids(&vpc_id).send()).unwrap().vpcs()[0].clone();
    assert_eq!(vpc.cidr_block(), Some("10.0.0.0/16"));
    assert!(vpc.tags().iter().any(|t| t.key() == Some("stack") && t.value() == Some("hybrid-eks")), "{:?}", vpc.tags());

    // Two-way DNS.
    let inbound = &ids["aws_route53_resolver_endpoint.inbound"];
    let ips = rt.block_on(resolver.list_resolver_endpoint_ip_addresses().resolver_endpoint_id(inbound).send()).unwrap();
    let mut ips: Vec<&str> = ips.ip_addresses().iter().filter_map(|a| a.ip()).collect();
    ips.sort_unstable();
    assert_eq!(ips, ["10.0.1.100", "10.0.2.100"]);
    let rule = rt
        .block_on(resolver.get_resolver_rule().resolver_rule_id(&ids["aws_route53_resolver_rule.company"]).send())
        .unwrap();
    let rule = rule.resolver_rule().unwrap();
    assert_eq!(rule.domain_name(), Some("company.local."));
    let targets: Vec<&str> = rule.target_ips().iter().filter_map(|t| t.ip()).collect();
    assert_eq!(targets, ["192.168.1.53", "192.168.1.54"]);
    let assoc = &ids["aws_route53_resolver_rule_association.company"];
    let a = rt.block_on(resolver.get_resolver_rule_association().resolver_rule_association_id(assoc).send()).unwrap();
    assert_eq!(a.resolver_rule_association().and_then(|a| a.vpc_id()), Some(vpc_id.as_str()));
    let zone = std::fs::read_to_string(dir.join("rendered/eks.amazonaws.com.zone")).unwrap();
    assert_eq!(
        zone,
        "zone \"eks.amazonaws.com\" { type forward; forward only; forwarders { 10.0.1.100; 10.0.2.100; }; };\n"
    );

    // The cluster, its node groups, and the way in for hybrid nodes.
    let c = rt.block_on(eks.describe_cluster().name("my-hybrid-cluster").send()).unwrap().cluster().unwrap().clone();
    let remote = c.remote_network_config().unwrap();
    assert_eq!(remote.remote_node_networks()[0].cidrs(), ["192.168.0.0/16"]);
    assert_eq!(remote.remote_pod_networks()[0].cidrs(), ["10.244.0.0/16"]);
    for (name, instance, desired, labels) in
        [("cpu-nodes", "m5.xlarge", 3, ("cpu", "general")), ("gpu-nodes", "g5.xlarge", 2, ("gpu", "ml"))]
    {
        let ng = rt
            .block_on(eks.describe_nodegroup().cluster_name("my-hybrid-cluster").nodegroup_name(name).send())
            .unwrap();
        let ng = ng.nodegroup().unwrap();
        assert_eq!(ng.instance_types(), [instance]);
        assert_eq!(ng.scaling_config().and_then(|s| s.desired_size()), Some(desired));
        let l = ng.labels().unwrap();
        assert_eq!((l["node-type"].as_str(), l["workload"].as_str()), labels);
    }
    let principal = "arn:aws:iam::123456789012:role/AmazonEKSHybridNodesRole";
    let entry = rt
        .block_on(eks.describe_access_entry().cluster_name("my-hybrid-cluster").principal_arn(principal).send())
        .unwrap();
    assert_eq!(entry.access_entry().and_then(|e| e.r#type()), Some("HYBRID_LINUX"));
    let node_config = std::fs::read_to_string(output(&moto, &dir, "node_config_path")).unwrap();
    assert!(
        node_config.contains("kind: NodeConfig") && node_config.contains(&ids["aws_ssm_activation.hybrid"]),
        "{node_config}"
    );
    assert!(node_config.contains("--register-with-taints=nvidia.com/gpu=present:NoSchedule"));

    moto.tether(&dir, &["plan", "--detailed-exitcode"]).expect(0);
    moto.tether(&dir, &["drift"]).expect(0);

    // Out of band: revoke a required rule, drop the association, relabel a node group; and the
    // cluster autoscaler resizes the other.
    let sg = &ids["aws_security_group.hybrid_nodes"];
    let rule_id = &ids["aws_vpc_security_group_ingress_rule.hybrid[\"api_from_pods\"]"];
    rt.block_on(ec2.revoke_security_group_ingress().group_id(sg).security_group_rule_ids(rule_id).send()).unwrap();
    let rule_id = &ids["aws_route53_resolver_rule.company"];
    rt.block_on(resolver.disassociate_resolver_rule().vpc_id(&vpc_id).resolver_rule_id(rule_id).send()).unwrap();
    let relabel = UpdateLabelsPayload::builder().add_or_update_labels("workload", "training").build();
    rt.block_on(
        eks.update_nodegroup_config()
            .cluster_name("my-hybrid-cluster")
            .nodegroup_name("gpu-nodes")
            .labels(relabel)
            .send(),
    )
    .unwrap();
    let resize = NodegroupScalingConfig::builder().desired_size(7).min_size(1).max_size(10).build();
    rt.block_on(
        eks.update_nodegroup_config()
            .cluster_name("my-hybrid-cluster")
            .nodegroup_name("cpu-nodes")
            .scaling_config(resize)
            .send(),
    )
    .unwrap();

    let drift = moto.tether(&dir, &["drift"]).expect(2);
    let out = &drift.stdout;
    assert!(
        out.contains("# aws_vpc_security_group_ingress_rule.hybrid[\"api_from_pods\"] was deleted outside tether"),
        "{out}"
    );
    assert!(out.contains("# aws_route53_resolver_rule_association.company was deleted outside tether"), "{out}");
    assert!(out.contains("# aws_eks_node_group.gpu was changed outside tether"), "{out}");
    assert!(out.contains("~ labels.workload = \"ml\" -> \"training\""), "{out}");
    assert!(!out.contains("aws_eks_node_group.cpu"), "the autoscaler's desired size is not drift: {out}");
    assert!(out.contains("Drift: 1 changed, 2 deleted, 0 not in state"), "{out}");
    let mutating: Vec<String> = drift
        .api_calls()
        .into_iter()
        .filter(|c| {
            ["Create", "Delete", "Update", "Modify", "Revoke", "Authorize", "Associate", "Tag"]
                .iter()
                .any(|m| c.contains(&format!(".{m}")))
        })
        .collect();
    assert!(mutating.is_empty(), "drift is read-only: {mutating:?}");

    let json: serde_json::Value =
        serde_json::from_str(&moto.tether(&dir, &["drift", "--format", "json"]).expect(2).stdout).unwrap();
    assert_eq!(json["summary"]["changed"], 1);
    assert_eq!(json["summary"]["deleted"], 2);

    // apply puts it back (the autoscaler's size stays), and then there is no drift.
    moto.tether(&dir, &["apply", "--auto-approve"]).expect(0);
    moto.tether(&dir, &["drift"]).expect(0);
    let ng = rt
        .block_on(eks.describe_nodegroup().cluster_name("my-hybrid-cluster").nodegroup_name("cpu-nodes").send())
        .unwrap();
    assert_eq!(ng.nodegroup().and_then(|n| n.scaling_config()).and_then(|s| s.desired_size()), Some(7));

    // An object that carries the stack's ownership tag but is missing from state (a `state rm`,
    // or a crash) is found by drift, and import brings it back.
    let table = ids["aws_route_table.private"].clone();
    moto.tether(&dir, &["state", "rm", "aws_route_table.private"]).expect(0);
    let drift = moto.tether(&dir, &["drift"]).expect(2);
    assert!(
        drift.stdout.contains(&format!(
            "{table} carries this stack's ownership tag but is not in state (tagged as aws_route_table.private)"
        )),
        "{}",
        drift.stdout
    );
    moto.tether(&dir, &["import", "aws_route_table.private", &table]).expect(0);
    moto.tether(&dir, &["drift"]).expect(0);

    moto.tether(&dir, &["destroy", "--auto-approve"]).expect(0);
    assert!(rt.block_on(eks.list_clusters().send()).unwrap().clusters().is_empty());
    assert!(!dir.join("rendered/eks.amazonaws.com.zone").exists(), "destroy removes the rendered files");
}
