//! aws_route_table_association, aws_main_route_table_association and
//! aws_vpc_ipv4_cidr_block_association against the moto emulator: create, empty re-plan,
//! update in place, out-of-band change found, import, destroy; each checked through the
//! emulator's API.

use super::moto;

use aws_sdk_ec2::types::Filter;
use moto::{stack, write, Moto, PROVIDER};

fn output(moto: &Moto, dir: &std::path::Path, name: &str) -> String {
    moto.tether(dir, &["output", "--raw", name]).expect(0).stdout.trim().to_string()
}

fn routing(subnet_table: &str, main_table: &str) -> String {
    format!(
        "{PROVIDER}
resource \"aws_vpc\" \"main\" {{
  cidr_block = \"10.0.0.0/16\"
}}

resource \"aws_vpc_ipv4_cidr_block_association\" \"secondary\" {{
  vpc_id     = aws_vpc.main.id
  cidr_block = \"10.1.0.0/16\"
}}

resource \"aws_subnet\" \"a\" {{
  vpc_id            = aws_vpc.main.id
  cidr_block        = \"10.0.1.0/24\"
  availability_zone = \"ap-northeast-2a\"
}}

resource \"aws_route_table\" \"one\" {{
  vpc_id = aws_vpc.main.id
}}

resource \"aws_route_table\" \"two\" {{
  vpc_id = aws_vpc.main.id
}}

resource \"aws_route_table_association\" \"a\" {{
  subnet_id      = aws_subnet.a.id
  route_table_id = aws_route_table.{subnet_table}.id
}}

resource \"aws_main_route_table_association\" \"main\" {{
  vpc_id         = aws_vpc.main.id
  route_table_id = aws_route_table.{main_table}.id
}}

output \"vpc\" {{
  value = aws_vpc.main.id
}}

output \"subnet\" {{
  value = aws_subnet.a.id
}}

output \"one\" {{
  value = aws_route_table.one.id
}}

output \"two\" {{
  value = aws_route_table.two.id
}}

output \"association\" {{
  value = aws_route_table_association.a.id
}}
"
    )
}

/// The table a subnet is associated with, from the emulator.
fn table_of(moto: &Moto, rt: &tokio::runtime::Runtime, subnet: &str) -> Option<String> {
    let found = rt
        .block_on(
            moto.ec2()
                .describe_route_tables()
                .filters(Filter::builder().name("association.subnet-id").values(subnet).build())
                .send(),
        )
        .unwrap();
    found.route_tables().first().and_then(|t| t.route_table_id()).map(str::to_string)
}

fn main_table_of(moto: &Moto, rt: &tokio::runtime::Runtime, vpc: &str) -> Option<String> {
    let found = rt
        .block_on(
            moto.ec2()
                .describe_route_tables()
                .filters(Filter::builder().name("vpc-id").values(vpc).build())
                .filters(Filter::builder().name("association.main").values("true").build())
                .send(),
        )
        .unwrap();
    found.route_tables().first().and_then(|t| t.route_table_id()).map(str::to_string)
}

#[test]
fn associations_and_secondary_cidrs_lifecycle() {
    let moto = Moto::start();
    let ec2 = moto.ec2();
    let rt = moto::rt();
    let dir = stack(&[("main.hcl", &routing("one", "two"))]);

    let plan = moto.tether(dir.path(), &["plan"]).expect(0);
    assert!(plan.api_calls().is_empty(), "{:?}", plan.api_calls());
    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    let (vpc, subnet) = (output(&moto, dir.path(), "vpc"), output(&moto, dir.path(), "subnet"));
    let (one, two) = (output(&moto, dir.path(), "one"), output(&moto, dir.path(), "two"));
    assert_eq!(table_of(&moto, &rt, &subnet).as_deref(), Some(one.as_str()));
    assert_eq!(main_table_of(&moto, &rt, &vpc).as_deref(), Some(two.as_str()), "the main table is ours now");
    let v = rt.block_on(ec2.describe_vpcs().vpc_ids(&vpc).send()).unwrap().vpcs()[0].clone();
    let cidrs: Vec<&str> = v.cidr_block_association_set().iter().filter_map(|a| a.cidr_block()).collect();
    assert!(cidrs.contains(&"10.1.0.0/16"), "{cidrs:?}");
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);
    let reads = plan.api_calls().iter().filter(|c| c.ends_with("DescribeRouteTables")).count();
    // One each for the tables, the associations, the main association, and the VPC's own read
    // of its main table: never one per object.
    assert_eq!(reads, 4, "one DescribeRouteTables per type: {:?}", plan.api_calls());

    // In place: the subnet moves to the other table and the main table back to the first.
    write(dir.path(), "main.hcl", &routing("two", "one"));
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    assert!(plan.stdout.contains("update in-place") && !plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    assert_eq!(table_of(&moto, &rt, &subnet).as_deref(), Some(two.as_str()));
    assert_eq!(main_table_of(&moto, &rt, &vpc).as_deref(), Some(one.as_str()));
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    // Out of band: the subnet's association removed; drift reports it, apply puts it back.
    let assoc = output(&moto, dir.path(), "association");
    rt.block_on(ec2.disassociate_route_table().association_id(&assoc).send()).unwrap();
    let drift = moto.tether(dir.path(), &["drift"]).expect(2);
    assert!(drift.stdout.contains("aws_route_table_association.a was deleted outside tether"), "{}", drift.stdout);
    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    assert_eq!(table_of(&moto, &rt, &subnet).as_deref(), Some(two.as_str()));

    // Import by Terraform's subnet/table form.
    moto.tether(dir.path(), &["state", "rm", "aws_route_table_association.a"]).expect(0);
    moto.tether(dir.path(), &["import", "aws_route_table_association.a", &format!("{subnet}/{two}")]).expect(0);
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    // Destroy: the VPC's own main table is main again, everything of ours is gone.
    moto.tether(dir.path(), &["destroy", "--auto-approve"]).expect(0);
    let left =
        rt.block_on(ec2.describe_vpcs().filters(Filter::builder().name("vpc-id").values(&vpc).build()).send()).unwrap();
    assert!(left.vpcs().is_empty(), "destroy removed the VPC");
}
