//! aws_vpc against the moto emulator: create, empty re-plan, in-place update, out-of-band change
//! found, destroy, import; each checked through the emulator's API.

use super::moto;

use moto::{stack, write, Moto, PROVIDER};

fn vpc_stack(dns_hostnames: bool, name: &str) -> String {
    format!(
        "{PROVIDER}
resource \"aws_vpc\" \"main\" {{
  cidr_block           = \"10.0.0.0/16\"
  enable_dns_support   = true
  enable_dns_hostnames = {dns_hostnames}
  tags = {{
    Name = \"{name}\"
  }}
}}

output \"vpc_id\" {{
  value = aws_vpc.main.id
}}
"
    )
}

#[test]
fn vpc_lifecycle() {
    let moto = Moto::start();
    let ec2 = moto.ec2();
    let rt = moto::rt();
    let dir = stack(&[("main.hcl", &vpc_stack(true, "hybrid"))]);

    let plan = moto.tether(dir.path(), &["plan"]).expect(0);
    assert!(plan.api_calls().is_empty(), "a fresh plan makes no API call: {:?}", plan.api_calls());
    assert!(plan.stdout.contains("+ resource \"aws_vpc\" \"main\""), "{}", plan.stdout);

    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    let id = moto.tether(dir.path(), &["output", "--raw", "vpc_id"]).expect(0).stdout.trim().to_string();
    let vpc = rt.block_on(ec2.describe_vpcs().vpc_ids(&id).send()).unwrap().vpcs()[0].clone();
    assert_eq!(vpc.cidr_block(), Some("10.0.0.0/16"));
    let tag = |k: &str| vpc.tags().iter().find(|t| t.key() == Some(k)).and_then(|t| t.value()).map(str::to_string);
    assert_eq!(tag("Name").as_deref(), Some("hybrid"));
    assert_eq!(tag("tether:address").as_deref(), Some("aws_vpc.main"), "ownership tag set at creation");
    assert!(tag("tether:lineage").is_some());
    let hostnames = rt
        .block_on(
            ec2.describe_vpc_attribute()
                .vpc_id(&id)
                .attribute(aws_sdk_ec2::types::VpcAttributeName::EnableDnsHostnames)
                .send(),
        )
        .unwrap();
    assert_eq!(hostnames.enable_dns_hostnames().and_then(|a| a.value()), Some(true));

    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    // In place: tags and a DNS attribute, same VPC.
    write(dir.path(), "main.hcl", &vpc_stack(false, "hybrid-2"));
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    assert!(plan.stdout.contains("update in-place"), "{}", plan.stdout);
    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    let after = moto.tether(dir.path(), &["output", "--raw", "vpc_id"]).expect(0).stdout.trim().to_string();
    assert_eq!(after, id, "updated in place, not replaced");
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    // Out of band: a tag changed with the SDK shows in the next plan.
    rt.block_on(
        ec2.create_tags()
            .resources(&id)
            .tags(aws_sdk_ec2::types::Tag::builder().key("Name").value("renamed-by-hand").build())
            .send(),
    )
    .unwrap();
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    assert!(plan.stdout.contains("\"renamed-by-hand\" -> \"hybrid-2\""), "{}", plan.stdout);
    let reads: Vec<String> = plan.api_calls().into_iter().filter(|c| c.contains("DescribeVpcs")).collect();
    assert_eq!(reads.len(), 1, "one batched DescribeVpcs per refresh: {:?}", plan.api_calls());

    moto.tether(dir.path(), &["destroy", "--auto-approve"]).expect(0);
    let left = rt
        .block_on(
            ec2.describe_vpcs()
                .filters(aws_sdk_ec2::types::Filter::builder().name("vpc-id").values(&id).build())
                .send(),
        )
        .unwrap();
    assert!(left.vpcs().is_empty(), "destroy removed the VPC");
}

#[test]
fn import_adopts_an_existing_vpc() {
    let moto = Moto::start();
    let ec2 = moto.ec2();
    let rt = moto::rt();
    let made = rt.block_on(ec2.create_vpc().cidr_block("10.0.0.0/16").send()).unwrap();
    let id = made.vpc().unwrap().vpc_id().unwrap().to_string();
    let dir = stack(&[("main.hcl", &vpc_stack(true, "hybrid"))]);
    moto.tether(dir.path(), &["import", "aws_vpc.main", &id]).expect(0);
    let plan = moto.tether(dir.path(), &["plan"]).expect(0);
    assert!(plan.stdout.contains("update in-place"), "only real differences (tags, DNS): {}", plan.stdout);
    assert!(!plan.stdout.contains("must be replaced"), "{}", plan.stdout);
}

#[test]
fn default_tags_are_applied_and_do_not_show_as_changes() {
    let moto = Moto::start();
    let ec2 = moto.ec2();
    let rt = moto::rt();
    let files = "provider \"aws\" {
  region = \"ap-northeast-2\"
  default_tags {
    tags = {
      team = \"platform\"
    }
  }
}

resource \"aws_vpc\" \"main\" {
  cidr_block = \"10.0.0.0/16\"
  tags = {
    Name = \"hybrid\"
  }
}

output \"vpc_id\" {
  value = aws_vpc.main.id
}

output \"all_tags\" {
  value = aws_vpc.main.tags_all
}
";
    let dir = stack(&[("main.hcl", files)]);
    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    let id = moto.tether(dir.path(), &["output", "--raw", "vpc_id"]).expect(0).stdout.trim().to_string();
    let vpc = rt.block_on(ec2.describe_vpcs().vpc_ids(&id).send()).unwrap().vpcs()[0].clone();
    let tag = |k: &str| vpc.tags().iter().find(|t| t.key() == Some(k)).and_then(|t| t.value()).map(str::to_string);
    assert_eq!(tag("team").as_deref(), Some("platform"), "default_tags applied at creation");
    assert_eq!(tag("Name").as_deref(), Some("hybrid"));
    let all = moto.tether(dir.path(), &["output", "--json", "all_tags"]).expect(0);
    assert!(all.stdout.contains("\"team\": \"platform\""), "tags_all includes default tags: {}", all.stdout);
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);
}
