//! aws_security_group (inline rules) and aws_vpc_security_group_{ingress,egress}_rule against the
//! moto emulator: create, empty re-plan, in-place change, out-of-band change found, destroy,
//! canonical forms, and the refresh API budget (Describe calls per type, not per resource).

use super::moto;

use aws_sdk_ec2::types::{Filter, Tag};
use moto::{stack, write, Moto, PROVIDER};

const VPC: &str = "resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n";

fn group_filter(id: &str) -> Filter {
    Filter::builder().name("group-id").values(id).build()
}

fn tag_of(tags: &[Tag], k: &str) -> Option<String> {
    tags.iter().find(|t| t.key() == Some(k)).and_then(|t| t.value()).map(str::to_string)
}

fn output(moto: &Moto, dir: &std::path::Path, name: &str) -> String {
    moto.tether(dir, &["output", "--raw", name]).expect(0).stdout.trim().to_string()
}

fn inline_stack(api_description: &str, env: &str) -> String {
    format!(
        "{PROVIDER}{VPC}
resource \"aws_security_group\" \"api\" {{
  name   = \"api\"
  vpc_id = aws_vpc.main.id

  ingress {{
    description = \"{api_description}\"
    from_port   = 443
    to_port     = 443
    protocol    = \"6\"
    cidr_blocks = [\"192.168.0.0/16\", \"10.244.1.7/16\"]
  }}

  ingress {{
    from_port = 53
    to_port   = 53
    protocol  = \"udp\"
    self      = true
  }}

  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = \"all\"
    cidr_blocks = [\"0.0.0.0/0\"]
  }}

  tags = {{
    env = \"{env}\"
  }}
}}

resource \"aws_security_group\" \"bare\" {{
  name   = \"bare\"
  vpc_id = aws_vpc.main.id
}}

output \"sg_id\" {{
  value = aws_security_group.api.id
}}

output \"bare_id\" {{
  value = aws_security_group.bare.id
}}
"
    )
}

#[test]
fn security_group_inline_rules_lifecycle() {
    let moto = Moto::start();
    let ec2 = moto.ec2();
    let rt = moto::rt();
    let dir = stack(&[("main.hcl", &inline_stack("api", "dev"))]);

    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    let id = output(&moto, dir.path(), "sg_id");
    let bare = output(&moto, dir.path(), "bare_id");
    let g = rt.block_on(ec2.describe_security_groups().group_ids(&id).send()).unwrap().security_groups()[0].clone();
    assert_eq!(g.group_name(), Some("api"));
    assert_eq!(g.description(), Some("Managed by tether"));
    assert_eq!(tag_of(g.tags(), "tether:address").as_deref(), Some("aws_security_group.api"), "ownership tag");
    assert_eq!(tag_of(g.tags(), "env").as_deref(), Some("dev"));
    let rules = rt.block_on(ec2.describe_security_group_rules().filters(group_filter(&id)).send()).unwrap();
    let ingress: Vec<_> = rules.security_group_rules().iter().filter(|r| r.is_egress() == Some(false)).collect();
    let egress: Vec<_> = rules.security_group_rules().iter().filter(|r| r.is_egress() == Some(true)).collect();
    assert_eq!(ingress.len(), 3, "one AWS rule per peer: {ingress:?}");
    assert!(ingress.iter().any(|r| r.cidr_ipv4() == Some("10.244.0.0/16") && r.description() == Some("api")));
    assert_eq!(egress.len(), 1, "{egress:?}");

    // The group without inline rules manages none: AWS's default egress (removed at creation,
    // as Terraform does) and rules added by others are not drift.
    rt.block_on(
        ec2.authorize_security_group_ingress()
            .group_id(&bare)
            .ip_protocol("tcp")
            .from_port(22)
            .to_port(22)
            .cidr_ip("10.0.0.0/8")
            .send(),
    )
    .unwrap();
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);
    let describes: Vec<_> = plan.api_calls().into_iter().filter(|c| c.contains("SecurityGroup")).collect();
    assert_eq!(
        describes,
        ["EC2.DescribeSecurityGroups", "EC2.DescribeSecurityGroupRules"],
        "one batched call per kind: {:?}",
        plan.api_calls()
    );

    // In place: a rule's description and a tag, same group.
    write(dir.path(), "main.hcl", &inline_stack("kubernetes api", "prod"));
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    assert!(plan.stdout.contains("update in-place"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    let apply = moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    assert!(apply.api_calls().iter().any(|c| c == "EC2.ModifySecurityGroupRules"), "{:?}", apply.api_calls());
    assert_eq!(output(&moto, dir.path(), "sg_id"), id, "updated in place");
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);
    let rules = rt.block_on(ec2.describe_security_group_rules().filters(group_filter(&id)).send()).unwrap();
    assert!(rules.security_group_rules().iter().any(|r| r.description() == Some("kubernetes api")));

    // Out of band: a rule revoked by hand shows in the next plan, and apply puts it back.
    let rule = rules
        .security_group_rules()
        .iter()
        .find(|r| r.cidr_ipv4() == Some("192.168.0.0/16"))
        .and_then(|r| r.security_group_rule_id())
        .unwrap()
        .to_string();
    rt.block_on(ec2.revoke_security_group_ingress().group_id(&id).security_group_rule_ids(&rule).send()).unwrap();
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    assert!(plan.stdout.contains("192.168.0.0/16"), "{}", plan.stdout);
    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    moto.tether(dir.path(), &["destroy", "--auto-approve"]).expect(0);
    let left = rt.block_on(ec2.describe_security_groups().filters(group_filter(&id)).send()).unwrap();
    assert!(left.security_groups().is_empty(), "destroy removed the group");
}

fn rules_stack(description: &str, team: &str) -> String {
    format!(
        "{PROVIDER}{VPC}
resource \"aws_security_group\" \"nodes\" {{
  name   = \"nodes\"
  vpc_id = aws_vpc.main.id
}}

resource \"aws_vpc_security_group_ingress_rule\" \"api\" {{
  security_group_id = aws_security_group.nodes.id
  description       = \"{description}\"
  ip_protocol       = \"6\"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = \"10.0.1.5/16\"
  tags = {{
    team = \"{team}\"
  }}
}}

resource \"aws_vpc_security_group_egress_rule\" \"all\" {{
  security_group_id = aws_security_group.nodes.id
  ip_protocol       = \"all\"
  cidr_ipv4         = \"0.0.0.0/0\"
}}

output \"sg_id\" {{
  value = aws_security_group.nodes.id
}}

output \"in_id\" {{
  value = aws_vpc_security_group_ingress_rule.api.id
}}

output \"out_id\" {{
  value = aws_vpc_security_group_egress_rule.all.id
}}
"
    )
}

#[test]
fn standalone_rules_lifecycle() {
    let moto = Moto::start();
    let ec2 = moto.ec2();
    let rt = moto::rt();
    let dir = stack(&[("main.hcl", &rules_stack("api", "net"))]);

    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    let sg = output(&moto, dir.path(), "sg_id");
    let in_id = output(&moto, dir.path(), "in_id");
    let out_id = output(&moto, dir.path(), "out_id");
    assert!(in_id.starts_with("sgr-") && out_id.starts_with("sgr-"), "{in_id} {out_id}");
    let g = rt.block_on(ec2.describe_security_groups().group_ids(&sg).send()).unwrap().security_groups()[0].clone();
    assert_eq!(tag_of(g.tags(), "tether:address").as_deref(), Some("aws_security_group.nodes"));
    let rules = rt.block_on(ec2.describe_security_group_rules().filters(group_filter(&sg)).send()).unwrap();
    let rules = rules.security_group_rules();
    assert_eq!(rules.len(), 2, "the default egress rule was replaced by the declared one: {rules:?}");
    let api = rules.iter().find(|r| r.security_group_rule_id() == Some(in_id.as_str())).unwrap();
    assert_eq!(api.cidr_ipv4(), Some("10.0.0.0/16"));
    assert_eq!(api.ip_protocol(), Some("tcp"));
    assert_eq!(api.is_egress(), Some(false));
    assert_eq!(tag_of(api.tags(), "tether:address").as_deref(), Some("aws_vpc_security_group_ingress_rule.api"));
    assert_eq!(tag_of(api.tags(), "team").as_deref(), Some("net"));
    let all = rules.iter().find(|r| r.security_group_rule_id() == Some(out_id.as_str())).unwrap();
    assert_eq!((all.ip_protocol(), all.is_egress()), (Some("-1"), Some(true)));

    // Canonical forms: "10.0.1.5/16", "6" and "all" re-plan empty.
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);
    let rule_reads = plan.api_calls().iter().filter(|c| *c == "EC2.DescribeSecurityGroupRules").count();
    assert_eq!(rule_reads, 2, "one batched read per rule type: {:?}", plan.api_calls());

    // In place: description and tags, same rule ID.
    write(dir.path(), "main.hcl", &rules_stack("kubernetes api", "platform"));
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    assert!(plan.stdout.contains("update in-place"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    assert_eq!(output(&moto, dir.path(), "in_id"), in_id, "updated in place, not replaced");
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);
    let r = rt.block_on(ec2.describe_security_group_rules().security_group_rule_ids(&in_id).send()).unwrap();
    let r = &r.security_group_rules()[0];
    assert_eq!(r.description(), Some("kubernetes api"));
    assert_eq!(tag_of(r.tags(), "team").as_deref(), Some("platform"));

    // Out of band: a tag changed by hand, and the egress rule revoked by hand.
    rt.block_on(ec2.create_tags().resources(&in_id).tags(Tag::builder().key("team").value("by-hand").build()).send())
        .unwrap();
    rt.block_on(ec2.revoke_security_group_egress().group_id(&sg).security_group_rule_ids(&out_id).send()).unwrap();
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    assert!(plan.stdout.contains("\"by-hand\" -> \"platform\""), "{}", plan.stdout);
    assert!(plan.stdout.contains("aws_vpc_security_group_egress_rule.all"), "{}", plan.stdout);
    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    moto.tether(dir.path(), &["destroy", "--auto-approve"]).expect(0);
    let left = rt.block_on(ec2.describe_security_groups().filters(group_filter(&sg)).send()).unwrap();
    assert!(left.security_groups().is_empty(), "destroy removed the group");
    let left = rt
        .block_on(
            ec2.describe_security_group_rules()
                .filters(Filter::builder().name("security-group-rule-id").values(&in_id).build())
                .send(),
        )
        .unwrap();
    assert!(left.security_group_rules().is_empty(), "destroy removed the rule");
}

#[test]
fn invalid_rules_are_rejected_before_any_call() {
    let moto = Moto::start();
    let cases = [
        ("ip_protocol = \"-1\"\n  from_port = 80\n  to_port = 80\n  cidr_ipv4 = \"10.0.0.0/8\"", "port range"),
        ("ip_protocol = \"tcp\"\n  from_port = 90\n  to_port = 80\n  cidr_ipv4 = \"10.0.0.0/8\"", "greater than"),
        ("ip_protocol = \"tcp\"\n  from_port = 80\n  to_port = 70000\n  cidr_ipv4 = \"10.0.0.0/8\"", "outside"),
        (
            "ip_protocol = \"tcp\"\n  from_port = 80\n  to_port = 80\n  cidr_ipv4 = \"10.0.0.0/8\"\n  cidr_ipv6 = \"::/0\"",
            "exactly one peer",
        ),
    ];
    for (body, message) in cases {
        let text = format!(
            "{PROVIDER}resource \"aws_vpc_security_group_ingress_rule\" \"r\" {{\n  security_group_id = \"sg-12345678\"\n  {body}\n}}\n"
        );
        let dir = stack(&[("main.hcl", &text)]);
        let run = moto.tether(dir.path(), &["plan"]);
        assert_ne!(run.code, 0, "{body}");
        assert!(run.stdout.contains(message) || run.stderr.contains(message), "{body}\n{}\n{}", run.stdout, run.stderr);
        assert!(run.api_calls().is_empty(), "{:?}", run.api_calls());
    }
}

fn budget_stack(groups: usize, rules: usize) -> String {
    format!(
        "{PROVIDER}{VPC}
resource \"aws_security_group\" \"g\" {{
  count  = {groups}
  name   = \"g${{count.index}}\"
  vpc_id = aws_vpc.main.id
}}

resource \"aws_vpc_security_group_ingress_rule\" \"r\" {{
  count             = {rules}
  security_group_id = aws_security_group.g[count.index % {groups}].id
  ip_protocol       = \"tcp\"
  from_port         = 10000 + count.index
  to_port           = 10000 + count.index
  cidr_ipv4         = \"10.244.0.0/16\"
}}
"
    )
}

fn describe_calls(moto: &Moto, dir: &std::path::Path) -> (usize, usize) {
    let plan = moto.tether(dir, &["plan", "--detailed-exitcode"]).expect(0);
    let calls = plan.api_calls();
    println!("calls: {calls:?}");
    (calls.iter().filter(|c| c.contains(".Describe")).count(), calls.len())
}

#[test]
fn refresh_api_budget_depends_on_types_not_resources() {
    let moto = Moto::start();
    let small = stack(&[("main.hcl", &budget_stack(1, 1))]);
    moto.tether(small.path(), &["apply", "--auto-approve"]).expect(0);
    let (small_describes, small_total) = describe_calls(&moto, small.path());

    let big = stack(&[("main.hcl", &budget_stack(4, 200))]);
    moto.tether(big.path(), &["apply", "--auto-approve"]).expect(0);
    let rules = moto::rt()
        .block_on(
            moto.ec2()
                .describe_security_group_rules()
                .filters(
                    Filter::builder()
                        .name("tag:tether:address")
                        .values("aws_vpc_security_group_ingress_rule.r[199]")
                        .build(),
                )
                .send(),
        )
        .unwrap();
    assert_eq!(rules.security_group_rules().len(), 1, "the 200th rule exists and is tagged");
    let (big_describes, big_total) = describe_calls(&moto, big.path());

    println!("refresh of 1 group + 1 rule: {small_describes} Describe calls ({small_total} API calls in all)");
    println!("refresh of 4 groups + 200 rules: {big_describes} Describe calls ({big_total} API calls in all)");
    assert_eq!(small_describes, big_describes, "Describe calls depend on the number of types, not of resources");
}
