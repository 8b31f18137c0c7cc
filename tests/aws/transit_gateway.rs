//! The transit gateway types against the moto emulator: aws_ec2_transit_gateway,
//! aws_ec2_transit_gateway_vpc_attachment, aws_ec2_transit_gateway_route_table and
//! aws_ec2_transit_gateway_route. For each: create (checked through the emulator's API, with the
//! ownership tag), an empty re-plan, an in-place change keeping the ID, an out-of-band change
//! found by the next plan, and destroy. Plus the ASN range check at plan time, with no API call.
//!
//! The emulator has no ReplaceTransitGatewayRoute, so a route's in-place change is checked at
//! plan time only (update in place, same ID), not applied.

use super::moto;

use aws_sdk_ec2::types::{Filter, Tag};
use moto::{stack, write, Moto, PROVIDER};

struct Cfg {
    description: &'static str,
    auto_accept: &'static str,
    subnets: &'static str,
    attachment_name: &'static str,
    table_name: &'static str,
    pods_blackhole: bool,
}

const FIRST: Cfg = Cfg {
    description: "Hybrid connectivity",
    auto_accept: "enable",
    subnets: "aws_subnet.a.id",
    attachment_name: "hybrid",
    table_name: "onprem",
    pods_blackhole: false,
};

fn tgw_stack(c: &Cfg) -> String {
    let pods_target = if c.pods_blackhole {
        "blackhole = true".to_string()
    } else {
        "transit_gateway_attachment_id = aws_ec2_transit_gateway_vpc_attachment.vpc.id".to_string()
    };
    format!(
        "{PROVIDER}
resource \"aws_vpc\" \"main\" {{
  cidr_block = \"10.0.0.0/16\"
}}

resource \"aws_subnet\" \"a\" {{
  vpc_id            = aws_vpc.main.id
  cidr_block        = \"10.0.1.0/24\"
  availability_zone = \"ap-northeast-2a\"
}}

resource \"aws_subnet\" \"b\" {{
  vpc_id            = aws_vpc.main.id
  cidr_block        = \"10.0.2.0/24\"
  availability_zone = \"ap-northeast-2b\"
}}

resource \"aws_ec2_transit_gateway\" \"hub\" {{
  description                    = \"{description}\"
  amazon_side_asn                = 64512
  auto_accept_shared_attachments = \"{auto_accept}\"
  tags = {{
    Name = \"hub\"
  }}
}}

resource \"aws_ec2_transit_gateway_vpc_attachment\" \"vpc\" {{
  transit_gateway_id = aws_ec2_transit_gateway.hub.id
  vpc_id             = aws_vpc.main.id
  subnet_ids         = [{subnets}]
  dns_support        = \"enable\"
  tags = {{
    Name = \"{attachment_name}\"
  }}
}}

resource \"aws_ec2_transit_gateway_route_table\" \"onprem\" {{
  transit_gateway_id = aws_ec2_transit_gateway.hub.id
  tags = {{
    Name = \"{table_name}\"
  }}
}}

resource \"aws_ec2_transit_gateway_route\" \"onprem\" {{
  destination_cidr_block         = \"192.168.0.0/16\"
  transit_gateway_route_table_id = aws_ec2_transit_gateway_route_table.onprem.id
  transit_gateway_attachment_id  = aws_ec2_transit_gateway_vpc_attachment.vpc.id
}}

resource \"aws_ec2_transit_gateway_route\" \"pods\" {{
  destination_cidr_block         = \"10.244.7.0/16\"
  transit_gateway_route_table_id = aws_ec2_transit_gateway_route_table.onprem.id
  {pods_target}
}}

output \"tgw_id\" {{
  value = aws_ec2_transit_gateway.hub.id
}}

output \"attachment_id\" {{
  value = aws_ec2_transit_gateway_vpc_attachment.vpc.id
}}

output \"table_id\" {{
  value = aws_ec2_transit_gateway_route_table.onprem.id
}}

output \"route_id\" {{
  value = aws_ec2_transit_gateway_route.onprem.id
}}

output \"subnet_ids\" {{
  value = \"${{aws_subnet.a.id}},${{aws_subnet.b.id}}\"
}}
",
        description = c.description,
        auto_accept = c.auto_accept,
        subnets = c.subnets,
        attachment_name = c.attachment_name,
        table_name = c.table_name,
    )
}

fn tag_of(tags: &[Tag], k: &str) -> Option<String> {
    tags.iter().find(|t| t.key() == Some(k)).and_then(|t| t.value()).map(str::to_string)
}

fn output(moto: &Moto, dir: &std::path::Path, name: &str) -> String {
    moto.tether(dir, &["output", "--raw", name]).expect(0).stdout.trim().to_string()
}

fn by(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

#[test]
fn transit_gateway_lifecycle() {
    let moto = Moto::start();
    let ec2 = moto.ec2();
    let rt = moto::rt();
    let dir = stack(&[("main.hcl", &tgw_stack(&FIRST))]);

    // ---- create ----
    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    let tgw_id = output(&moto, dir.path(), "tgw_id");
    let att_id = output(&moto, dir.path(), "attachment_id");
    let table_id = output(&moto, dir.path(), "table_id");
    let route_id = output(&moto, dir.path(), "route_id");
    let subnets = output(&moto, dir.path(), "subnet_ids");
    let (subnet_a, subnet_b) = subnets.split_once(',').unwrap();
    assert_eq!(route_id, format!("{table_id}_192.168.0.0/16"), "Terraform's route ID form");

    let describe_tgw = || {
        rt.block_on(ec2.describe_transit_gateways().filters(by("transit-gateway-id", &tgw_id)).send())
            .unwrap()
            .transit_gateways()
            .to_vec()
    };
    let tgw = describe_tgw()[0].clone();
    assert_eq!(tgw.description(), Some("Hybrid connectivity"));
    let options = tgw.options().unwrap();
    assert_eq!(options.amazon_side_asn(), Some(64512));
    assert_eq!(options.auto_accept_shared_attachments().map(|v| v.as_str()), Some("enable"));
    assert_eq!(tag_of(tgw.tags(), "tether:address").as_deref(), Some("aws_ec2_transit_gateway.hub"));

    let describe_att = || {
        rt.block_on(
            ec2.describe_transit_gateway_vpc_attachments().filters(by("transit-gateway-attachment-id", &att_id)).send(),
        )
        .unwrap()
        .transit_gateway_vpc_attachments()
        .to_vec()
    };
    let att = describe_att()[0].clone();
    assert_eq!(att.transit_gateway_id(), Some(tgw_id.as_str()));
    assert_eq!(att.subnet_ids(), [subnet_a.to_string()]);
    assert_eq!(tag_of(att.tags(), "tether:address").as_deref(), Some("aws_ec2_transit_gateway_vpc_attachment.vpc"));
    assert_eq!(tag_of(att.tags(), "Name").as_deref(), Some("hybrid"));

    let describe_table = || {
        rt.block_on(
            ec2.describe_transit_gateway_route_tables().filters(by("transit-gateway-route-table-id", &table_id)).send(),
        )
        .unwrap()
        .transit_gateway_route_tables()
        .to_vec()
    };
    let table = describe_table()[0].clone();
    assert_eq!(table.transit_gateway_id(), Some(tgw_id.as_str()));
    assert_eq!(tag_of(table.tags(), "tether:address").as_deref(), Some("aws_ec2_transit_gateway_route_table.onprem"));

    let routes = || {
        rt.block_on(
            ec2.search_transit_gateway_routes()
                .transit_gateway_route_table_id(&table_id)
                .filters(by("type", "static"))
                .send(),
        )
        .unwrap()
        .routes()
        .to_vec()
    };
    let mut cidrs: Vec<String> =
        routes().iter().filter_map(|r| r.destination_cidr_block().map(str::to_string)).collect();
    cidrs.sort();
    assert_eq!(cidrs, ["10.244.0.0/16", "192.168.0.0/16"], "CIDRs stored in canonical form");

    // ---- the next plan is empty, and reads each type in one batched call ----
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);
    let calls = plan.api_calls();
    let count = |op: &str| calls.iter().filter(|c| c.ends_with(op)).count();
    assert_eq!(count(".DescribeTransitGatewayVpcAttachments"), 1, "{calls:?}");
    assert_eq!(count(".DescribeTransitGatewayRouteTables"), 1, "{calls:?}");
    assert_eq!(count(".SearchTransitGatewayRoutes"), 1, "two routes, one table, one search: {calls:?}");

    // ---- in place: gateway description + option, attachment subnets + tag, table tag ----
    let second = Cfg {
        description: "Hybrid connectivity v2",
        auto_accept: "disable",
        subnets: "aws_subnet.a.id, aws_subnet.b.id",
        attachment_name: "hybrid-2",
        table_name: "onprem-2",
        ..FIRST
    };
    write(dir.path(), "main.hcl", &tgw_stack(&second));
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    assert!(plan.stdout.contains("update in-place"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    assert_eq!(output(&moto, dir.path(), "tgw_id"), tgw_id, "gateway updated in place");
    assert_eq!(output(&moto, dir.path(), "attachment_id"), att_id, "attachment updated in place");
    assert_eq!(output(&moto, dir.path(), "table_id"), table_id, "route table updated in place");
    let tgw = describe_tgw()[0].clone();
    assert_eq!(tgw.description(), Some("Hybrid connectivity v2"));
    assert_eq!(tgw.options().unwrap().auto_accept_shared_attachments().map(|v| v.as_str()), Some("disable"));
    let att = describe_att()[0].clone();
    let mut got: Vec<String> = att.subnet_ids().to_vec();
    got.sort();
    let mut want = vec![subnet_a.to_string(), subnet_b.to_string()];
    want.sort();
    assert_eq!(got, want, "subnet added with ModifyTransitGatewayVpcAttachment");
    assert_eq!(tag_of(att.tags(), "Name").as_deref(), Some("hybrid-2"));
    assert_eq!(tag_of(describe_table()[0].tags(), "Name").as_deref(), Some("onprem-2"));
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    // A route's target changes in place (ReplaceTransitGatewayRoute): planned, not replaced.
    write(dir.path(), "main.hcl", &tgw_stack(&Cfg { pods_blackhole: true, ..second }));
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    assert!(plan.stdout.contains("update in-place"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    let second = Cfg { pods_blackhole: false, ..second };
    write(dir.path(), "main.hcl", &tgw_stack(&second));

    // ---- out of band: one change per type, all found by the next plan ----
    rt.block_on(ec2.modify_transit_gateway().transit_gateway_id(&tgw_id).description("edited-by-hand").send()).unwrap();
    rt.block_on(
        ec2.create_tags().resources(&att_id).tags(Tag::builder().key("Name").value("att-by-hand").build()).send(),
    )
    .unwrap();
    rt.block_on(
        ec2.create_tags().resources(&table_id).tags(Tag::builder().key("Name").value("table-by-hand").build()).send(),
    )
    .unwrap();
    rt.block_on(
        ec2.delete_transit_gateway_route()
            .transit_gateway_route_table_id(&table_id)
            .destination_cidr_block("192.168.0.0/16")
            .send(),
    )
    .unwrap();
    rt.block_on(
        ec2.create_transit_gateway_route()
            .transit_gateway_route_table_id(&table_id)
            .destination_cidr_block("192.168.0.0/16")
            .blackhole(true)
            .send(),
    )
    .unwrap();
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    for seen in ["edited-by-hand", "att-by-hand", "table-by-hand", "blackhole"] {
        assert!(plan.stdout.contains(seen), "{seen} not in the plan:\n{}", plan.stdout);
    }
    assert!(!plan.stdout.contains("must be replaced"), "{}", plan.stdout);

    // ---- destroy ----
    moto.tether(dir.path(), &["destroy", "--auto-approve"]).expect(0);
    assert!(routes().is_empty(), "routes deleted");
    assert!(describe_table().iter().all(|t| t.state().map(|s| s.as_str()) == Some("deleted")), "route table deleted");
    assert!(describe_att().is_empty(), "attachment deleted");
    assert!(describe_tgw().iter().all(|t| t.state().map(|s| s.as_str()) == Some("deleted")), "gateway deleted");
}

fn asn_stack(asn: &str) -> String {
    format!(
        "{PROVIDER}
resource \"aws_ec2_transit_gateway\" \"hub\" {{
  description     = \"Hybrid connectivity\"
  amazon_side_asn = {asn}
}}
"
    )
}

#[test]
fn transit_gateway_asn_out_of_range_fails_at_plan_without_api_calls() {
    let moto = Moto::start();
    for bad in ["64000", "65535", "4294967295"] {
        let dir = stack(&[("main.hcl", &asn_stack(bad))]);
        let plan = moto.tether(dir.path(), &["plan"]).expect(1);
        assert!(plan.api_calls().is_empty(), "validation needs no API call: {:?}", plan.api_calls());
        let text = format!("{}{}", plan.stdout, plan.stderr);
        assert!(text.contains("amazon_side_asn"), "{text}");
    }
    for good in ["64512", "65534", "4200000000"] {
        let dir = stack(&[("main.hcl", &asn_stack(good))]);
        moto.tether(dir.path(), &["plan"]).expect(0);
    }
}
