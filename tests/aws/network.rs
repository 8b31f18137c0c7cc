//! aws_subnet, aws_route_table, aws_route and data "aws_subnets" against the moto emulator:
//! create, empty re-plan, in-place update, out-of-band change found, destroy; each checked
//! through the emulator's API.

use super::moto;

use aws_sdk_ec2::types::{AttributeBooleanValue, Filter, Tag};
use moto::{stack, write, Moto, PROVIDER};

fn tag_of(tags: &[Tag], k: &str) -> Option<String> {
    tags.iter().find(|t| t.key() == Some(k)).and_then(|t| t.value()).map(str::to_string)
}

fn count(run: &moto::Run, op: &str) -> usize {
    run.api_calls().iter().filter(|c| c.ends_with(op)).count()
}

fn output(moto: &Moto, dir: &std::path::Path, name: &str) -> String {
    moto.tether(dir, &["output", "--raw", name]).expect(0).stdout.trim().to_string()
}

fn subnet_stack(public_a: bool, name_a: &str) -> String {
    format!(
        "{PROVIDER}
resource \"aws_vpc\" \"main\" {{
  cidr_block = \"10.0.0.0/16\"
}}

resource \"aws_subnet\" \"a\" {{
  vpc_id                  = aws_vpc.main.id
  cidr_block              = \"10.0.1.0/24\"
  availability_zone       = \"ap-northeast-2a\"
  map_public_ip_on_launch = {public_a}
  tags = {{
    Name = \"{name_a}\"
  }}
}}

resource \"aws_subnet\" \"b\" {{
  vpc_id            = aws_vpc.main.id
  cidr_block        = \"10.0.2.7/24\"
  availability_zone = \"ap-northeast-2b\"
  tags = {{
    Name = \"hybrid-b\"
  }}
}}

output \"a\" {{
  value = aws_subnet.a.id
}}

output \"b\" {{
  value = aws_subnet.b.id
}}
"
    )
}

#[test]
fn subnet_lifecycle() {
    let moto = Moto::start();
    let ec2 = moto.ec2();
    let rt = moto::rt();
    let dir = stack(&[("main.hcl", &subnet_stack(false, "hybrid-a"))]);

    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    let (a, b) = (output(&moto, dir.path(), "a"), output(&moto, dir.path(), "b"));
    let subnets = rt.block_on(ec2.describe_subnets().subnet_ids(&a).subnet_ids(&b).send()).unwrap();
    let get = |id: &str| subnets.subnets().iter().find(|s| s.subnet_id() == Some(id)).unwrap().clone();
    let (sa, sb) = (get(&a), get(&b));
    assert_eq!((sa.cidr_block(), sa.availability_zone()), (Some("10.0.1.0/24"), Some("ap-northeast-2a")));
    assert_eq!(
        (sb.cidr_block(), sb.availability_zone()),
        (Some("10.0.2.0/24"), Some("ap-northeast-2b")),
        "the CIDR is stored in canonical form"
    );
    assert_eq!(sa.map_public_ip_on_launch(), Some(false));
    assert_eq!(tag_of(sa.tags(), "Name").as_deref(), Some("hybrid-a"));
    assert_eq!(tag_of(sa.tags(), "tether:address").as_deref(), Some("aws_subnet.a"), "ownership tag at creation");

    // 10.0.2.7/24 compares equal to the 10.0.2.0/24 AWS stores.
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    // In place: map_public_ip_on_launch and tags, same subnet.
    write(dir.path(), "main.hcl", &subnet_stack(true, "hybrid-a2"));
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    assert!(plan.stdout.contains("update in-place"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    let apply = moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    assert_eq!(count(&apply, "ModifySubnetAttribute"), 1, "{:?}", apply.api_calls());
    assert_eq!(output(&moto, dir.path(), "a"), a, "updated in place, not replaced");
    let now = rt.block_on(ec2.describe_subnets().subnet_ids(&a).send()).unwrap().subnets()[0].clone();
    assert_eq!(now.map_public_ip_on_launch(), Some(true));
    assert_eq!(tag_of(now.tags(), "Name").as_deref(), Some("hybrid-a2"));
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    // Out of band: the attribute turned off with the SDK shows in the next plan, read with one
    // DescribeSubnets for both subnets.
    rt.block_on(
        ec2.modify_subnet_attribute()
            .subnet_id(&a)
            .map_public_ip_on_launch(AttributeBooleanValue::builder().value(false).build())
            .send(),
    )
    .unwrap();
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    assert!(plan.stdout.contains("map_public_ip_on_launch"), "{}", plan.stdout);
    assert!(plan.stdout.contains("false -> true"), "{}", plan.stdout);
    assert_eq!(count(&plan, "DescribeSubnets"), 1, "one batched DescribeSubnets per refresh: {:?}", plan.api_calls());

    moto.tether(dir.path(), &["destroy", "--auto-approve"]).expect(0);
    let left = rt
        .block_on(
            ec2.describe_subnets().filters(Filter::builder().name("subnet-id").values(&a).values(&b).build()).send(),
        )
        .unwrap();
    assert!(left.subnets().is_empty(), "destroy removed both subnets");
}

#[test]
fn subnet_validation_catches_bad_cidr_and_zone() {
    let moto = Moto::start();
    let text = format!(
        "{PROVIDER}
resource \"aws_subnet\" \"bad\" {{
  vpc_id            = \"vpc-12345678\"
  cidr_block        = \"10.0.1.0/33\"
  availability_zone = \"zone-a\"
}}
"
    );
    let dir = stack(&[("main.hcl", &text)]);
    let plan = moto.tether(dir.path(), &["plan"]);
    assert_ne!(plan.code, 0);
    let all = format!("{}{}", plan.stdout, plan.stderr);
    assert!(all.contains("not an IPv4 CIDR block"), "{all}");
    assert!(all.contains("not an availability zone name"), "{all}");
    assert!(plan.api_calls().is_empty(), "validation makes no API call: {:?}", plan.api_calls());

    // A zone of another region fails before any create call.
    let text = format!(
        "{PROVIDER}
resource \"aws_vpc\" \"main\" {{
  cidr_block = \"10.0.0.0/16\"
}}

resource \"aws_subnet\" \"elsewhere\" {{
  vpc_id            = aws_vpc.main.id
  cidr_block        = \"10.0.1.0/24\"
  availability_zone = \"us-east-1a\"
}}
"
    );
    write(dir.path(), "main.hcl", &text);
    let apply = moto.tether(dir.path(), &["apply", "--auto-approve"]);
    assert_ne!(apply.code, 0);
    assert!(apply.stderr.contains("is not in the provider's region"), "{}", apply.stderr);
    assert_eq!(count(&apply, "CreateSubnet"), 0, "{:?}", apply.api_calls());
}

#[test]
fn subnets_data_source_lists_a_vpcs_subnets() {
    let moto = Moto::start();
    let ec2 = moto.ec2();
    let rt = moto::rt();
    // Another VPC's subnet must not be listed.
    let other = rt.block_on(ec2.create_vpc().cidr_block("10.9.0.0/16").send()).unwrap();
    let other_vpc = other.vpc().unwrap().vpc_id().unwrap().to_string();
    rt.block_on(ec2.create_subnet().vpc_id(&other_vpc).cidr_block("10.9.1.0/24").send()).unwrap();

    let text = subnet_stack(false, "hybrid-a")
        + "
data \"aws_subnets\" \"vpc\" {
  depends_on = [aws_subnet.a, aws_subnet.b]
  filter {
    name   = \"vpc-id\"
    values = [aws_vpc.main.id]
  }
}

data \"aws_subnets\" \"tagged\" {
  depends_on = [aws_subnet.a, aws_subnet.b]
  tags = {
    Name = \"hybrid-b\"
  }
}

output \"ids\" {
  value = data.aws_subnets.vpc.ids
}

output \"tagged\" {
  value = data.aws_subnets.tagged.ids
}
";
    let dir = stack(&[("main.hcl", &text)]);
    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    let (a, b) = (output(&moto, dir.path(), "a"), output(&moto, dir.path(), "b"));
    let json = |name: &str| -> Vec<String> {
        let out = moto.tether(dir.path(), &["output", "--json", name]).expect(0).stdout;
        serde_json::from_str(&out).unwrap()
    };
    let mut want = vec![a, b.clone()];
    want.sort();
    assert_eq!(json("ids"), want);
    assert_eq!(json("tagged"), vec![b]);
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);
}

fn route_table_stack(name: &str) -> String {
    format!(
        "{PROVIDER}
resource \"aws_vpc\" \"main\" {{
  cidr_block = \"10.0.0.0/16\"
}}

resource \"aws_route_table\" \"private\" {{
  vpc_id = aws_vpc.main.id
  tags = {{
    Name = \"{name}\"
  }}
}}

output \"rtb\" {{
  value = aws_route_table.private.id
}}
"
    )
}

#[test]
fn route_table_lifecycle() {
    let moto = Moto::start();
    let ec2 = moto.ec2();
    let rt = moto::rt();
    let dir = stack(&[("main.hcl", &route_table_stack("private"))]);

    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    let id = output(&moto, dir.path(), "rtb");
    let table = rt.block_on(ec2.describe_route_tables().route_table_ids(&id).send()).unwrap().route_tables()[0].clone();
    assert_eq!(tag_of(table.tags(), "Name").as_deref(), Some("private"));
    assert_eq!(tag_of(table.tags(), "tether:address").as_deref(), Some("aws_route_table.private"));
    assert!(table.associations().iter().all(|a| a.main() != Some(true)), "not the VPC's main table");
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    // In place: tags.
    write(dir.path(), "main.hcl", &route_table_stack("private-2"));
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    assert!(plan.stdout.contains("update in-place"), "{}", plan.stdout);
    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    assert_eq!(output(&moto, dir.path(), "rtb"), id, "updated in place, not replaced");
    let table = rt.block_on(ec2.describe_route_tables().route_table_ids(&id).send()).unwrap().route_tables()[0].clone();
    assert_eq!(tag_of(table.tags(), "Name").as_deref(), Some("private-2"));
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    // Out of band.
    rt.block_on(ec2.create_tags().resources(&id).tags(Tag::builder().key("Name").value("by-hand").build()).send())
        .unwrap();
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    assert!(plan.stdout.contains("\"by-hand\" -> \"private-2\""), "{}", plan.stdout);

    // A subnet associated out of band does not block deleting the table (it is disassociated
    // first, as Terraform does).
    let vpc = table.vpc_id().unwrap().to_string();
    let subnet = rt.block_on(ec2.create_subnet().vpc_id(&vpc).cidr_block("10.0.9.0/24").send()).unwrap();
    let subnet = subnet.subnet().unwrap().subnet_id().unwrap().to_string();
    rt.block_on(ec2.associate_route_table().route_table_id(&id).subnet_id(&subnet).send()).unwrap();
    let without_table = route_table_stack("x").split("resource \"aws_route_table\"").next().unwrap().to_string();
    write(dir.path(), "main.hcl", &without_table);
    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    let left = rt
        .block_on(
            ec2.describe_route_tables().filters(Filter::builder().name("route-table-id").values(&id).build()).send(),
        )
        .unwrap();
    assert!(left.route_tables().is_empty(), "the route table was deleted");

    rt.block_on(ec2.delete_subnet().subnet_id(&subnet).send()).unwrap();
    moto.tether(dir.path(), &["destroy", "--auto-approve"]).expect(0);
}

/// The VPC, route table, transit gateway and internet gateway the routes point at, made with the
/// SDK so that a plan's only DescribeRouteTables is the routes' refresh.
struct Net {
    rtb: String,
    tgw: String,
    igw: String,
}

fn make_net(ec2: &aws_sdk_ec2::Client, rt: &tokio::runtime::Runtime) -> Net {
    let vpc = rt.block_on(ec2.create_vpc().cidr_block("10.0.0.0/16").send()).unwrap();
    let vpc = vpc.vpc().unwrap().vpc_id().unwrap().to_string();
    let rtb = rt.block_on(ec2.create_route_table().vpc_id(&vpc).send()).unwrap();
    let rtb = rtb.route_table().unwrap().route_table_id().unwrap().to_string();
    let tgw = rt.block_on(ec2.create_transit_gateway().description("Hybrid connectivity").send()).unwrap();
    let tgw = tgw.transit_gateway().unwrap().transit_gateway_id().unwrap().to_string();
    let igw = rt.block_on(ec2.create_internet_gateway().send()).unwrap();
    let igw = igw.internet_gateway().unwrap().internet_gateway_id().unwrap().to_string();
    rt.block_on(ec2.attach_internet_gateway().internet_gateway_id(&igw).vpc_id(&vpc).send()).unwrap();
    Net { rtb, tgw, igw }
}

fn route_stack(net: &Net, pod_target: &str) -> String {
    let rtb = &net.rtb;
    format!(
        "{PROVIDER}
resource \"aws_route\" \"onprem_nodes\" {{
  route_table_id         = \"{rtb}\"
  destination_cidr_block = \"192.168.0.0/16\"
  transit_gateway_id     = \"{tgw}\"
}}

resource \"aws_route\" \"onprem_pods\" {{
  route_table_id         = \"{rtb}\"
  destination_cidr_block = \"10.244.1.0/16\"
  {pod_target}
}}

output \"nodes\" {{
  value = aws_route.onprem_nodes.id
}}

output \"pods\" {{
  value = aws_route.onprem_pods.id
}}
",
        tgw = net.tgw
    )
}

fn routes_of(ec2: &aws_sdk_ec2::Client, rt: &tokio::runtime::Runtime, rtb: &str) -> Vec<aws_sdk_ec2::types::Route> {
    let out = rt.block_on(ec2.describe_route_tables().route_table_ids(rtb).send()).unwrap();
    out.route_tables()[0].routes().iter().filter(|r| r.gateway_id() != Some("local")).cloned().collect()
}

#[test]
fn route_lifecycle() {
    let moto = Moto::start();
    let ec2 = moto.ec2();
    let rt = moto::rt();
    let net = make_net(&ec2, &rt);
    let to_tgw = format!("transit_gateway_id     = \"{}\"", net.tgw);
    let to_igw = format!("gateway_id             = \"{}\"", net.igw);
    let dir = stack(&[("main.hcl", &route_stack(&net, &to_tgw))]);

    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    let pods = output(&moto, dir.path(), "pods");
    // Terraform's ID scheme: r-<table><crc32 of the destination>.
    assert_eq!(output(&moto, dir.path(), "nodes"), format!("r-{}3901788224", net.rtb));
    assert!(pods.starts_with(&format!("r-{}", net.rtb)), "{pods}");
    let routes = routes_of(&ec2, &rt, &net.rtb);
    let dest = |d: &str| routes.iter().find(|r| r.destination_cidr_block() == Some(d)).cloned();
    assert_eq!(dest("192.168.0.0/16").and_then(|r| r.transit_gateway_id().map(str::to_string)), Some(net.tgw.clone()));
    assert_eq!(
        dest("10.244.0.0/16").and_then(|r| r.transit_gateway_id().map(str::to_string)),
        Some(net.tgw.clone()),
        "the destination is stored in canonical form"
    );
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    // In place: a new target is a ReplaceRoute, not a new route.
    write(dir.path(), "main.hcl", &route_stack(&net, &to_igw));
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    assert!(plan.stdout.contains("update in-place"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    let apply = moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    assert_eq!(count(&apply, "ReplaceRoute"), 1, "{:?}", apply.api_calls());
    assert_eq!(count(&apply, "DeleteRoute"), 0, "{:?}", apply.api_calls());
    assert_eq!(output(&moto, dir.path(), "pods"), pods, "same route");
    let routes = routes_of(&ec2, &rt, &net.rtb);
    let pod_route = routes.iter().find(|r| r.destination_cidr_block() == Some("10.244.0.0/16")).unwrap();
    assert_eq!(pod_route.gateway_id(), Some(net.igw.as_str()));
    assert_eq!(pod_route.transit_gateway_id(), None);
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    // Out of band: the route pointed back at the transit gateway shows in the next plan; both
    // routes are read with one DescribeRouteTables.
    rt.block_on(
        ec2.replace_route()
            .route_table_id(&net.rtb)
            .destination_cidr_block("10.244.0.0/16")
            .transit_gateway_id(&net.tgw)
            .send(),
    )
    .unwrap();
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    assert!(plan.stdout.contains(&format!("\"{}\" -> null", net.tgw)), "{}", plan.stdout);
    assert!(plan.stdout.contains(&net.igw), "{}", plan.stdout);
    assert_eq!(count(&plan, "DescribeRouteTables"), 1, "one batched read: {:?}", plan.api_calls());
    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    // A route deleted out of band is planned again.
    rt.block_on(ec2.delete_route().route_table_id(&net.rtb).destination_cidr_block("192.168.0.0/16").send()).unwrap();
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    assert!(plan.stdout.contains("+ resource \"aws_route\" \"onprem_nodes\""), "{}", plan.stdout);

    moto.tether(dir.path(), &["destroy", "--auto-approve"]).expect(0);
    assert!(routes_of(&ec2, &rt, &net.rtb).is_empty(), "destroy removed the routes");
}

#[test]
fn route_needs_exactly_one_target() {
    let moto = Moto::start();
    let text = format!(
        "{PROVIDER}
resource \"aws_route\" \"r\" {{
  route_table_id         = \"rtb-12345678\"
  destination_cidr_block = \"192.168.0.0/16\"
  gateway_id             = \"igw-1\"
  transit_gateway_id     = \"tgw-1\"
}}
"
    );
    let dir = stack(&[("main.hcl", &text)]);
    let plan = moto.tether(dir.path(), &["plan"]);
    assert_ne!(plan.code, 0);
    assert!(format!("{}{}", plan.stdout, plan.stderr).contains("exactly one target"), "{}", plan.stderr);
}
