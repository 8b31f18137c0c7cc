//! stacks/hybrid-network, the network half of the reference architecture, against the moto
//! emulator: apply, check the pieces DOMAIN.md asks for through the SDK, re-plan to empty,
//! destroy.

use super::moto;

use aws_sdk_ec2::types::Filter;
use moto::Moto;

fn copy_stack() -> tempfile::TempDir {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("stacks/hybrid-network");
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "hcl") {
            std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    dir
}

fn owned(key: &str) -> Filter {
    Filter::builder().name("tag-key").values(key).build()
}

#[test]
fn the_reference_network_applies_settles_and_destroys() {
    let moto = Moto::start();
    let ec2 = moto.ec2();
    let rt = moto::rt();
    let dir = copy_stack();

    let saved = dir.path().join("plan.tfplan");
    let plan = moto.tether(dir.path(), &["plan", "--out", saved.to_str().unwrap()]).expect(0);
    assert!(plan.api_calls().is_empty(), "planning a fresh stack calls nothing: {:?}", plan.api_calls());
    moto.tether(dir.path(), &["apply", saved.to_str().unwrap()]).expect(0);

    let vpc_id = moto.tether(dir.path(), &["output", "--raw", "vpc_id"]).expect(0).stdout.trim().to_string();
    let vpc = rt.block_on(ec2.describe_vpcs().vpc_ids(&vpc_id).send()).unwrap().vpcs()[0].clone();
    assert_eq!(vpc.cidr_block(), Some("10.0.0.0/16"));

    let subnets = rt
        .block_on(ec2.describe_subnets().filters(Filter::builder().name("vpc-id").values(&vpc_id).build()).send())
        .unwrap();
    let mut cidr_az: Vec<(String, String)> = subnets
        .subnets()
        .iter()
        .map(|s| {
            (s.cidr_block().unwrap_or_default().to_string(), s.availability_zone().unwrap_or_default().to_string())
        })
        .collect();
    cidr_az.sort();
    assert_eq!(
        cidr_az,
        vec![
            ("10.0.1.0/24".to_string(), "ap-northeast-2a".to_string()),
            ("10.0.101.0/24".to_string(), "ap-northeast-2a".to_string()),
            ("10.0.102.0/24".to_string(), "ap-northeast-2b".to_string()),
            ("10.0.2.0/24".to_string(), "ap-northeast-2b".to_string()),
        ],
        "a private and a public subnet in each of two AZs"
    );

    let tgw_id =
        moto.tether(dir.path(), &["output", "--raw", "transit_gateway_id"]).expect(0).stdout.trim().to_string();
    let tgw = rt.block_on(ec2.describe_transit_gateways().transit_gateway_ids(&tgw_id).send()).unwrap();
    let options = tgw.transit_gateways()[0].options().unwrap();
    assert_eq!(options.amazon_side_asn(), Some(64512));
    assert_eq!(options.auto_accept_shared_attachments().map(|v| v.as_str()), Some("enable"));
    assert_eq!(tgw.transit_gateways()[0].description(), Some("Hybrid connectivity"));

    let vpn_id = moto.tether(dir.path(), &["output", "--raw", "vpn_connection_id"]).expect(0).stdout.trim().to_string();
    let vpn = rt.block_on(ec2.describe_vpn_connections().vpn_connection_ids(&vpn_id).send()).unwrap();
    assert_eq!(
        vpn.vpn_connections()[0].transit_gateway_id(),
        Some(tgw_id.as_str()),
        "the VPN is on the transit gateway"
    );

    let tables = rt
        .block_on(ec2.describe_route_tables().filters(Filter::builder().name("vpc-id").values(&vpc_id).build()).send())
        .unwrap();
    let mut to_tgw: Vec<String> = tables
        .route_tables()
        .iter()
        .flat_map(|t| t.routes())
        .filter(|r| r.transit_gateway_id() == Some(tgw_id.as_str()))
        .filter_map(|r| r.destination_cidr_block().map(str::to_string))
        .collect();
    to_tgw.sort();
    assert_eq!(to_tgw, vec!["10.244.0.0/16", "192.168.0.0/16"], "node and pod networks route via the transit gateway");
    // The table with those routes is the private subnets' own: associated, not just present.
    let private_table = tables
        .route_tables()
        .iter()
        .find(|t| t.routes().iter().any(|r| r.transit_gateway_id() == Some(tgw_id.as_str())))
        .unwrap();
    let associated: Vec<&str> = private_table.associations().iter().filter_map(|a| a.subnet_id()).collect();
    assert_eq!(associated.len(), 2, "both private subnets use the table: {associated:?}");

    let sg_id = moto
        .tether(dir.path(), &["output", "--raw", "hybrid_nodes_security_group_id"])
        .expect(0)
        .stdout
        .trim()
        .to_string();
    let rules = rt
        .block_on(
            ec2.describe_security_group_rules()
                .filters(Filter::builder().name("group-id").values(&sg_id).build())
                .send(),
        )
        .unwrap();
    let has = |egress: bool, port: i32, proto: &str, cidr: &str| {
        rules.security_group_rules().iter().any(|r| {
            r.is_egress() == Some(egress)
                && r.from_port() == Some(port)
                && r.ip_protocol() == Some(proto)
                && r.cidr_ipv4() == Some(cidr)
        })
    };
    assert!(has(false, 443, "tcp", "192.168.0.0/16"), "API server from the node network");
    assert!(has(false, 443, "tcp", "10.244.0.0/16"), "API server from the whole pod network");
    assert!(has(true, 10250, "tcp", "192.168.0.0/16"), "kubelet on the node network");
    assert!(has(false, 53, "udp", "10.244.0.0/16") && has(false, 53, "tcp", "10.244.0.0/16"), "DNS for pods");

    let tagged = rt.block_on(ec2.describe_vpcs().filters(owned("tether:lineage")).send()).unwrap();
    assert_eq!(tagged.vpcs().len(), 1, "the VPC carries the ownership tags");

    let replan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);
    assert!(replan.stdout.contains("No changes"), "{}", replan.stdout);

    moto.tether(dir.path(), &["destroy", "--auto-approve"]).expect(0);
    let left = rt
        .block_on(ec2.describe_vpcs().filters(Filter::builder().name("vpc-id").values(&vpc_id).build()).send())
        .unwrap();
    assert!(left.vpcs().is_empty());
    let state = moto.tether(dir.path(), &["state", "list"]).expect(0);
    assert!(state.stdout.trim().is_empty(), "nothing left in state: {}", state.stdout);
}
