//! aws_internet_gateway, aws_eip and aws_nat_gateway against the moto emulator: create (with
//! ownership tags), empty re-plan, update in place, out-of-band change found, import, destroy;
//! each checked through the emulator's API.

use super::moto;

use aws_sdk_ec2::types::{Filter, Tag};
use moto::{stack, write, Moto, PROVIDER};

fn output(moto: &Moto, dir: &std::path::Path, name: &str) -> String {
    moto.tether(dir, &["output", "--raw", name]).expect(0).stdout.trim().to_string()
}

fn tag_of(tags: &[Tag], k: &str) -> Option<String> {
    tags.iter().find(|t| t.key() == Some(k)).and_then(|t| t.value()).map(str::to_string)
}

fn egress(igw_vpc: &str, name: &str) -> String {
    format!(
        "{PROVIDER}
resource \"aws_vpc\" \"main\" {{
  cidr_block = \"10.0.0.0/16\"
}}

resource \"aws_vpc\" \"other\" {{
  cidr_block = \"10.9.0.0/16\"
}}

resource \"aws_subnet\" \"public\" {{
  vpc_id            = aws_vpc.main.id
  cidr_block        = \"10.0.101.0/24\"
  availability_zone = \"ap-northeast-2a\"
}}

resource \"aws_internet_gateway\" \"gw\" {{
  vpc_id = aws_vpc.{igw_vpc}.id
  tags = {{
    Name = \"{name}\"
  }}
}}

resource \"aws_eip\" \"nat\" {{
  domain = \"vpc\"
  tags = {{
    Name = \"{name}\"
  }}
}}

resource \"aws_nat_gateway\" \"nat\" {{
  subnet_id     = aws_subnet.public.id
  allocation_id = aws_eip.nat.id
  tags = {{
    Name = \"{name}\"
  }}
  depends_on = [aws_internet_gateway.gw]
}}

output \"igw\" {{
  value = aws_internet_gateway.gw.id
}}

output \"eip\" {{
  value = aws_eip.nat.id
}}

output \"nat\" {{
  value = aws_nat_gateway.nat.id
}}

output \"vpc\" {{
  value = aws_vpc.main.id
}}

output \"other\" {{
  value = aws_vpc.other.id
}}
"
    )
}

#[test]
fn internet_gateway_elastic_ip_and_nat_gateway_lifecycle() {
    let moto = Moto::start();
    let ec2 = moto.ec2();
    let rt = moto::rt();
    let dir = stack(&[("main.hcl", &egress("main", "egress"))]);

    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    let (igw, eip, nat) =
        (output(&moto, dir.path(), "igw"), output(&moto, dir.path(), "eip"), output(&moto, dir.path(), "nat"));
    let (vpc, other) = (output(&moto, dir.path(), "vpc"), output(&moto, dir.path(), "other"));
    let g = rt.block_on(ec2.describe_internet_gateways().internet_gateway_ids(&igw).send()).unwrap();
    let g = &g.internet_gateways()[0];
    assert_eq!(g.attachments()[0].vpc_id(), Some(vpc.as_str()));
    assert_eq!(tag_of(g.tags(), "tether:address").as_deref(), Some("aws_internet_gateway.gw"), "tagged at creation");
    let a = rt.block_on(ec2.describe_addresses().allocation_ids(&eip).send()).unwrap();
    assert_eq!(tag_of(a.addresses()[0].tags(), "tether:address").as_deref(), Some("aws_eip.nat"));
    let n = rt.block_on(ec2.describe_nat_gateways().nat_gateway_ids(&nat).send()).unwrap();
    let n = &n.nat_gateways()[0];
    assert_eq!(n.state().map(|s| s.as_str()), Some("available"));
    assert_eq!(n.nat_gateway_addresses()[0].allocation_id(), Some(eip.as_str()), "the NAT gateway uses the Elastic IP");
    assert_eq!(tag_of(n.tags(), "tether:address").as_deref(), Some("aws_nat_gateway.nat"));
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    // In place: the gateway moves to the other VPC, and the tags change; same objects.
    write(dir.path(), "main.hcl", &egress("other", "egress-2"));
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    assert!(!plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    assert_eq!(output(&moto, dir.path(), "igw"), igw, "updated in place");
    assert_eq!(output(&moto, dir.path(), "nat"), nat, "updated in place");
    let g = rt.block_on(ec2.describe_internet_gateways().internet_gateway_ids(&igw).send()).unwrap();
    assert_eq!(g.internet_gateways()[0].attachments()[0].vpc_id(), Some(other.as_str()));
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    // Out of band: a tag on the NAT gateway, and the gateway detached, are both found.
    rt.block_on(ec2.create_tags().resources(&nat).tags(Tag::builder().key("Name").value("by-hand").build()).send())
        .unwrap();
    rt.block_on(ec2.detach_internet_gateway().internet_gateway_id(&igw).vpc_id(&other).send()).unwrap();
    let drift = moto.tether(dir.path(), &["drift"]).expect(2);
    assert!(drift.stdout.contains("aws_nat_gateway.nat was changed outside tether"), "{}", drift.stdout);
    assert!(drift.stdout.contains("aws_internet_gateway.gw was changed outside tether"), "{}", drift.stdout);
    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    moto.tether(dir.path(), &["drift"]).expect(0);

    // Import: each is found again by its ID.
    for (addr, id) in [("aws_internet_gateway.gw", &igw), ("aws_eip.nat", &eip), ("aws_nat_gateway.nat", &nat)] {
        moto.tether(dir.path(), &["state", "rm", addr]).expect(0);
        moto.tether(dir.path(), &["import", addr, id]).expect(0);
    }
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    moto.tether(dir.path(), &["destroy", "--auto-approve"]).expect(0);
    let n = rt
        .block_on(
            ec2.describe_nat_gateways().filter(Filter::builder().name("nat-gateway-id").values(&nat).build()).send(),
        )
        .unwrap();
    assert!(
        n.nat_gateways().iter().all(|n| n.state().map(|s| s.as_str()) == Some("deleted")),
        "the NAT gateway is deleted"
    );
    let a = rt
        .block_on(ec2.describe_addresses().filters(Filter::builder().name("allocation-id").values(&eip).build()).send())
        .unwrap();
    assert!(a.addresses().is_empty(), "the Elastic IP is released");
    let g = rt
        .block_on(
            ec2.describe_internet_gateways()
                .filters(Filter::builder().name("internet-gateway-id").values(&igw).build())
                .send(),
        )
        .unwrap();
    assert!(g.internet_gateways().is_empty(), "the internet gateway is deleted");
}
