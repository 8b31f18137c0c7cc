//! stacks/hybrid-eks, the whole reference architecture, against the emulator (moto with the
//! access entry and activation APIs of scripts/moto_ext.py): apply, check the pieces DOMAIN.md
//! asks for through the SDK and the rendered on-prem files (the subnets route the remote
//! networks to the transit gateway, the IAM roles trust and carry what they should), re-plan to
//! empty; then drift: a security group rule revoked, the resolver rule association deleted, a
//! subnet's route table association removed and a node group's labels changed out of band are
//! each reported (exit 2) while an autoscaler's desired size is not; apply puts them back and
//! drift is clean; destroy leaves nothing.

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
    assert!(plan.stdout.contains("Plan: 60 to add, 0 to change, 0 to destroy."), "{}", plan.stdout);
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
    let principal = "arn:aws:iam::123456789012:role/my-hybrid-cluster-hybrid-nodes";
    let entry = rt
        .block_on(eks.describe_access_entry().cluster_name("my-hybrid-cluster").principal_arn(principal).send())
        .unwrap();
    assert_eq!(entry.access_entry().and_then(|e| e.r#type()), Some("HYBRID_LINUX"));
    let node_config = std::fs::read_to_string(output(&moto, &dir, "node_config_path")).unwrap();
    assert!(
        node_config.contains("kind: NodeConfig") && node_config.contains(&ids["aws_ssm_activation.hybrid[0]"]),
        "{node_config}"
    );
    assert!(node_config.contains("--register-with-taints=nvidia.com/gpu=present:NoSchedule"));

    // The private subnets use the table that sends the remote networks to the transit gateway
    // (and the rest of the world to the NAT gateway).
    let tgw = output(&moto, &dir, "transit_gateway_id");
    let table = output(&moto, &dir, "private_route_table_id");
    for key in ["a", "b"] {
        let subnet = &ids[&format!("aws_subnet.private[\"{key}\"]")];
        let found = rt
            .block_on(
                ec2.describe_route_tables()
                    .filters(aws_sdk_ec2::types::Filter::builder().name("association.subnet-id").values(subnet).build())
                    .send(),
            )
            .unwrap();
        let t = &found.route_tables()[0];
        assert_eq!(t.route_table_id(), Some(table.as_str()), "subnet {key} uses the private table");
        for remote in ["192.168.0.0/16", "10.244.0.0/16"] {
            let r = t.routes().iter().find(|r| r.destination_cidr_block() == Some(remote)).unwrap();
            assert_eq!(r.transit_gateway_id(), Some(tgw.as_str()), "{remote} goes to the transit gateway");
        }
        let default = t.routes().iter().find(|r| r.destination_cidr_block() == Some("0.0.0.0/0")).unwrap();
        assert_eq!(default.nat_gateway_id(), Some(ids["aws_nat_gateway.main"].as_str()));
    }

    // The roles trust who they should and carry the AWS managed policies they need.
    let iam = moto.iam();
    let trust = |role: &str| -> serde_json::Value {
        let r = rt.block_on(iam.get_role().role_name(role).send()).unwrap();
        let doc = r.role().unwrap().assume_role_policy_document().unwrap().to_string();
        let doc = if doc.starts_with('%') || doc.contains("%22") { decode(&doc) } else { doc };
        serde_json::from_str(&doc).unwrap()
    };
    let attached = |role: &str| -> Vec<String> {
        let out = rt.block_on(iam.list_attached_role_policies().role_name(role).send()).unwrap();
        let mut arns: Vec<String> =
            out.attached_policies().iter().filter_map(|p| p.policy_arn().map(str::to_string)).collect();
        arns.sort();
        arns
    };
    let principal_of =
        |doc: &serde_json::Value| doc["Statement"][0]["Principal"]["Service"].as_str().unwrap_or_default().to_string();
    assert_eq!(principal_of(&trust("my-hybrid-cluster-cluster")), "eks.amazonaws.com");
    assert_eq!(attached("my-hybrid-cluster-cluster"), ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"]);
    assert_eq!(principal_of(&trust("my-hybrid-cluster-node")), "ec2.amazonaws.com");
    assert_eq!(
        attached("my-hybrid-cluster-node"),
        [
            "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
            "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
            "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
        ]
    );
    let hybrid = trust("my-hybrid-cluster-hybrid-nodes");
    assert_eq!(principal_of(&hybrid), "ssm.amazonaws.com", "the SSM variant: {hybrid}");
    assert_eq!(hybrid["Statement"][0]["Condition"]["StringEquals"]["aws:SourceAccount"], "123456789012");
    let hybrid_policies = attached("my-hybrid-cluster-hybrid-nodes");
    for p in
        ["AmazonEC2ContainerRegistryPullOnly", "AmazonSSMManagedInstanceCore", "policy/my-hybrid-cluster-hybrid-nodes"]
    {
        assert!(hybrid_policies.iter().any(|a| a.ends_with(p)), "{p} in {hybrid_policies:?}");
    }

    // The customer side of the VPN, keys in the 0600 file only.
    let swanctl = dir.join("../hybrid-network/rendered/swanctl.conf");
    let swanctl = if swanctl.exists() { swanctl } else { dir.join("rendered/swanctl.conf") };
    let text = std::fs::read_to_string(&swanctl).unwrap();
    assert!(text.contains("aws-tunnel1") && text.contains("secrets {"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(std::fs::metadata(&swanctl).unwrap().permissions().mode() & 0o777, 0o600);
    }

    moto.tether(&dir, &["plan", "--detailed-exitcode"]).expect(0);
    moto.tether(&dir, &["drift"]).expect(0);

    // The subnet-to-table association removed out of band is drift.
    let assoc = ids["aws_route_table_association.private[\"a\"]"].clone();
    rt.block_on(ec2.disassociate_route_table().association_id(&assoc).send()).unwrap();
    let drift = moto.tether(&dir, &["drift"]).expect(2);
    assert!(
        drift.stdout.contains("# aws_route_table_association.private[\"a\"] was deleted outside tether"),
        "{}",
        drift.stdout
    );
    moto.tether(&dir, &["apply", "--auto-approve"]).expect(0);
    moto.tether(&dir, &["drift"]).expect(0);
    let ids = self::ids(&moto, &dir);

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
    let vpcs = rt.block_on(ec2.describe_vpcs().vpc_ids(&vpc_id).send());
    assert!(vpcs.map(|v| v.vpcs().is_empty()).unwrap_or(true), "the VPC is gone");
    let roles = rt.block_on(iam.list_roles().send()).unwrap();
    assert!(
        roles.roles().iter().all(|r| !r.role_name().starts_with("my-hybrid-cluster")),
        "destroy leaves no role: {:?}",
        roles.roles().iter().map(|r| r.role_name()).collect::<Vec<_>>()
    );
    let left = rt.block_on(ec2.describe_nat_gateways().send()).unwrap();
    assert!(
        left.nat_gateways().iter().all(|n| n.state().map(|s| s.as_str()) == Some("deleted")),
        "no NAT gateway is left running"
    );
    assert!(!dir.join("rendered/eks.amazonaws.com.zone").exists(), "destroy removes the rendered files");
}

/// Percent-decoding, for policy documents IAM returns URL-encoded.
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A CA certificate standing in for the on-prem PKI's.
const ONPREM_CA: &str = "-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAMlyFqk69v+9MA0GCSqGSIb3DQEBCwUAMBExDzANBgNVBAMMBm9u\n-----END CERTIFICATE-----\n";

#[test]
fn the_iam_roles_anywhere_variant_trusts_the_onprem_ca() {
    let moto = Moto::start();
    let rt = moto::rt();
    let (_tmp, dir) = copy_stacks();
    std::fs::write(
        dir.join("iam-ra.auto.tfvars"),
        format!("hybrid_credentials = \"iam-ra\"\nonprem_ca_certificate = {ONPREM_CA:?}\n"),
    )
    .unwrap();
    moto.tether(&dir, &["apply", "--auto-approve"]).expect(0);
    let ids = ids(&moto, &dir);
    assert!(!ids.contains_key("aws_ssm_activation.hybrid[0]"), "no SSM activation in this variant");

    // The trust anchor holds the CA, the profile hands out the hybrid nodes' role.
    let ra = moto.rolesanywhere();
    let anchor = rt
        .block_on(ra.get_trust_anchor().trust_anchor_id(&ids["aws_rolesanywhere_trust_anchor.onprem[0]"]).send())
        .unwrap();
    let anchor = anchor.trust_anchor().unwrap();
    assert_eq!(anchor.enabled(), Some(true));
    let anchor_arn = anchor.trust_anchor_arn().unwrap().to_string();
    let profile =
        rt.block_on(ra.get_profile().profile_id(&ids["aws_rolesanywhere_profile.hybrid_nodes[0]"]).send()).unwrap();
    assert_eq!(
        profile.profile().unwrap().role_arns(),
        ["arn:aws:iam::123456789012:role/my-hybrid-cluster-hybrid-nodes"]
    );

    // The role trusts Roles Anywhere for certificates of that anchor, with the session named
    // after the certificate's CN; it needs no SSM policy.
    let iam = moto.iam();
    let role = rt.block_on(iam.get_role().role_name("my-hybrid-cluster-hybrid-nodes").send()).unwrap();
    let doc = role.role().unwrap().assume_role_policy_document().unwrap().to_string();
    let doc: serde_json::Value = serde_json::from_str(&if doc.contains("%22") { decode(&doc) } else { doc }).unwrap();
    let statements = doc["Statement"].as_array().unwrap();
    assert!(statements.iter().all(|s| s["Principal"]["Service"] == "rolesanywhere.amazonaws.com"), "{doc}");
    assert!(statements.iter().all(|s| s["Condition"]["ArnEquals"]["aws:SourceArn"] == anchor_arn.as_str()), "{doc}");
    assert!(doc.to_string().contains("${aws:PrincipalTag/x509Subject/CN}"), "{doc}");
    let attached =
        rt.block_on(iam.list_attached_role_policies().role_name("my-hybrid-cluster-hybrid-nodes").send()).unwrap();
    let arns: Vec<&str> = attached.attached_policies().iter().filter_map(|p| p.policy_arn()).collect();
    assert!(!arns.iter().any(|a| a.ends_with("AmazonSSMManagedInstanceCore")), "{arns:?}");

    // The nodes' NodeConfig takes the Roles Anywhere credentials, and the install step says so.
    let config = std::fs::read_to_string(output(&moto, &dir, "node_config_path")).unwrap();
    assert!(config.contains("iamRolesAnywhere:") && config.contains(&anchor_arn), "{config}");
    assert!(!config.contains("activationCode"), "{config}");
    let join = moto.tether(&dir, &["output", "--json", "node_join_commands"]).expect(0).stdout;
    assert!(join.contains("nodeadm install 1.33 --credential-provider iam-ra"), "{join}");

    moto.tether(&dir, &["plan", "--detailed-exitcode"]).expect(0);
    moto.tether(&dir, &["destroy", "--auto-approve"]).expect(0);
    assert!(rt.block_on(ra.list_trust_anchors().send()).unwrap().trust_anchors().is_empty());
}
