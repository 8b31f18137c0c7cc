//! aws_route53_resolver_endpoint, aws_route53_resolver_rule and
//! aws_route53_resolver_rule_association against the moto emulator: create, empty re-plan
//! (despite the API's trailing dots), in-place changes (an endpoint's IP set adds before it
//! removes), out-of-band changes found, destroy, and adoption after a lost state entry.

use super::moto;

use moto::{stack, write, Moto, PROVIDER};
use tether_aws::route53resolver::sdk as r53r;

fn output(moto: &Moto, dir: &std::path::Path, name: &str) -> String {
    moto.tether(dir, &["output", "--raw", name]).expect(0).stdout.trim().to_string()
}

fn calls(run: &moto::Run, op: &str) -> Vec<usize> {
    run.api_calls().iter().enumerate().filter(|(_, c)| c.ends_with(op)).map(|(i, _)| i).collect()
}

const NETWORK: &str = "
resource \"aws_vpc\" \"main\" {
  cidr_block           = \"10.0.0.0/16\"
  enable_dns_support   = true
  enable_dns_hostnames = true
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

resource \"aws_security_group\" \"dns\" {
  name   = \"resolver\"
  vpc_id = aws_vpc.main.id

  ingress {
    from_port   = 53
    to_port     = 53
    protocol    = \"tcp\"
    cidr_blocks = [\"192.168.0.0/16\"]
  }

  ingress {
    from_port   = 53
    to_port     = 53
    protocol    = \"udp\"
    cidr_blocks = [\"192.168.0.0/16\"]
  }

  egress {
    from_port   = 53
    to_port     = 53
    protocol    = \"tcp\"
    cidr_blocks = [\"192.168.0.0/16\"]
  }

  egress {
    from_port   = 53
    to_port     = 53
    protocol    = \"udp\"
    cidr_blocks = [\"192.168.0.0/16\"]
  }
}

output \"vpc_id\" {
  value = aws_vpc.main.id
}
";

fn inbound_stack(name: &str, ip_b: &str) -> String {
    format!(
        "{PROVIDER}{NETWORK}
resource \"aws_route53_resolver_endpoint\" \"inbound\" {{
  name               = \"{name}\"
  direction          = \"INBOUND\"
  security_group_ids = [aws_security_group.dns.id]

  ip_address {{
    subnet_id = aws_subnet.a.id
    ip        = \"10.0.1.100\"
  }}

  ip_address {{
    subnet_id = aws_subnet.b.id
    ip        = \"{ip_b}\"
  }}

  tags = {{
    Name = \"{name}\"
  }}
}}

output \"endpoint_id\" {{
  value = aws_route53_resolver_endpoint.inbound.id
}}
"
    )
}

#[test]
fn inbound_endpoint_lifecycle() {
    let moto = Moto::start();
    let r = moto.resolver();
    let rt = moto::rt();
    let dir = stack(&[("main.hcl", &inbound_stack("inbound", "10.0.2.100"))]);

    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    let id = output(&moto, dir.path(), "endpoint_id");
    let vpc = output(&moto, dir.path(), "vpc_id");
    let ep = rt.block_on(r.get_resolver_endpoint().resolver_endpoint_id(&id).send()).unwrap();
    let ep = ep.resolver_endpoint().unwrap();
    assert_eq!(ep.direction().map(|d| d.as_str()), Some("INBOUND"));
    assert_eq!(ep.name(), Some("inbound"));
    assert_eq!(ep.host_vpc_id(), Some(vpc.as_str()));
    assert_eq!(ep.creator_request_id().map(str::len), Some(32), "CreatorRequestId is the engine's token");
    let ips = |r: &r53r::Client| {
        let out = rt.block_on(r.list_resolver_endpoint_ip_addresses().resolver_endpoint_id(&id).send()).unwrap();
        let mut v: Vec<String> = out.ip_addresses().iter().filter_map(|i| i.ip().map(str::to_string)).collect();
        v.sort();
        v
    };
    assert_eq!(ips(&r), ["10.0.1.100", "10.0.2.100"]);
    let tags = rt.block_on(r.list_tags_for_resource().resource_arn(ep.arn().unwrap()).send()).unwrap();
    let tag = |k: &str| tags.tags().iter().find(|t| t.key() == k).map(|t| t.value().to_string());
    assert_eq!(tag("Name").as_deref(), Some("inbound"));
    assert_eq!(tag("tether:address").as_deref(), Some("aws_route53_resolver_endpoint.inbound"));

    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);
    let lists = calls(&plan, "ListResolverEndpoints");
    assert_eq!(lists.len(), 1, "one batched ListResolverEndpoints per refresh: {:?}", plan.api_calls());

    // In place: name, tags and one IP changed; the new IP is associated before the old goes.
    write(dir.path(), "main.hcl", &inbound_stack("inbound-2", "10.0.2.101"));
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    assert!(plan.stdout.contains("update in-place"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    let apply = moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    let (assoc, disassoc) =
        (calls(&apply, "AssociateResolverEndpointIpAddress"), calls(&apply, "DisassociateResolverEndpointIpAddress"));
    assert_eq!((assoc.len(), disassoc.len()), (1, 1), "{:?}", apply.api_calls());
    assert!(assoc[0] < disassoc[0], "adds before removing: {:?}", apply.api_calls());
    assert_eq!(output(&moto, dir.path(), "endpoint_id"), id, "updated in place, not replaced");
    assert_eq!(ips(&r), ["10.0.1.100", "10.0.2.101"]);
    let ep = rt.block_on(r.get_resolver_endpoint().resolver_endpoint_id(&id).send()).unwrap();
    assert_eq!(ep.resolver_endpoint().unwrap().name(), Some("inbound-2"));
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    // Out of band: renamed with the SDK; the next plan shows it.
    rt.block_on(r.update_resolver_endpoint().resolver_endpoint_id(&id).name("by-hand").send()).unwrap();
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    assert!(plan.stdout.contains("\"by-hand\" -> \"inbound-2\""), "{}", plan.stdout);

    moto.tether(dir.path(), &["destroy", "--auto-approve"]).expect(0);
    let left = rt.block_on(r.list_resolver_endpoints().send()).unwrap();
    assert!(left.resolver_endpoints().is_empty(), "destroy removed the endpoint");
}

#[test]
fn endpoint_needs_two_ip_addresses() {
    let moto = Moto::start();
    let one = format!(
        "{PROVIDER}{NETWORK}
resource \"aws_route53_resolver_endpoint\" \"inbound\" {{
  direction          = \"INBOUND\"
  security_group_ids = [aws_security_group.dns.id]
  ip_address {{
    subnet_id = aws_subnet.a.id
  }}
}}
"
    );
    let dir = stack(&[("main.hcl", &one)]);
    let plan = moto.tether(dir.path(), &["plan"]);
    assert_ne!(plan.code, 0);
    assert!(plan.api_calls().is_empty(), "rejected before any API call: {:?}", plan.api_calls());
}

#[test]
fn endpoint_is_adopted_after_lost_state() {
    let moto = Moto::start();
    let r = moto.resolver();
    let rt = moto::rt();
    let dir = stack(&[("main.hcl", &inbound_stack("inbound", "10.0.2.100"))]);
    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    let id = output(&moto, dir.path(), "endpoint_id");

    // As if the apply had crashed after CreateResolverEndpoint: the state never recorded it.
    moto.tether(dir.path(), &["state", "rm", "aws_route53_resolver_endpoint.inbound"]).expect(0);
    let apply = moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    assert!(
        calls(&apply, "CreateResolverEndpoint").is_empty(),
        "found by CreatorRequestId, not created again: {:?}",
        apply.api_calls()
    );
    assert_eq!(output(&moto, dir.path(), "endpoint_id"), id, "the same endpoint was adopted");
    let all = rt.block_on(r.list_resolver_endpoints().send()).unwrap();
    assert_eq!(all.resolver_endpoints().len(), 1, "no second endpoint");
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);
}

fn outbound_stack(targets: &[&str], rule_name: &str) -> String {
    let targets: String =
        targets.iter().map(|ip| format!("  target_ip {{\n    ip = \"{ip}\"\n  }}\n")).collect::<Vec<_>>().join("\n");
    format!(
        "{PROVIDER}{NETWORK}
resource \"aws_route53_resolver_endpoint\" \"outbound\" {{
  name               = \"outbound\"
  direction          = \"OUTBOUND\"
  security_group_ids = [aws_security_group.dns.id]

  # Explicit IPs: two blocks differing only in unknown subnet IDs are merged by the engine's
  # set sorting at plan time (see the report), so the plan would not conform at apply.
  ip_address {{
    subnet_id = aws_subnet.a.id
    ip        = \"10.0.1.10\"
  }}

  ip_address {{
    subnet_id = aws_subnet.b.id
    ip        = \"10.0.2.10\"
  }}
}}

resource \"aws_route53_resolver_rule\" \"company\" {{
  domain_name          = \"company.local\"
  name                 = \"{rule_name}\"
  rule_type            = \"FORWARD\"
  resolver_endpoint_id = aws_route53_resolver_endpoint.outbound.id

{targets}
  tags = {{
    Name = \"{rule_name}\"
  }}
}}

resource \"aws_route53_resolver_rule_association\" \"company\" {{
  resolver_rule_id = aws_route53_resolver_rule.company.id
  vpc_id           = aws_vpc.main.id
}}

output \"rule_id\" {{
  value = aws_route53_resolver_rule.company.id
}}

output \"association_id\" {{
  value = aws_route53_resolver_rule_association.company.id
}}
"
    )
}

#[test]
fn forward_rule_lifecycle() {
    let moto = Moto::start();
    let r = moto.resolver();
    let rt = moto::rt();
    let dir = stack(&[("main.hcl", &outbound_stack(&["192.168.1.53", "192.168.1.54"], "company"))]);

    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    let rule_id = output(&moto, dir.path(), "rule_id");
    let assoc_id = output(&moto, dir.path(), "association_id");
    let vpc = output(&moto, dir.path(), "vpc_id");
    let rule = rt.block_on(r.get_resolver_rule().resolver_rule_id(&rule_id).send()).unwrap();
    let rule = rule.resolver_rule().unwrap().clone();
    assert_eq!(rule.domain_name(), Some("company.local."), "the API answers with a trailing dot");
    assert_eq!(rule.rule_type().map(|t| t.as_str()), Some("FORWARD"));
    let mut targets: Vec<(String, i32)> =
        rule.target_ips().iter().map(|t| (t.ip().unwrap_or_default().to_string(), t.port().unwrap_or(0))).collect();
    targets.sort();
    assert_eq!(targets, [("192.168.1.53".to_string(), 53), ("192.168.1.54".to_string(), 53)]);
    let assoc = rt.block_on(r.get_resolver_rule_association().resolver_rule_association_id(&assoc_id).send()).unwrap();
    let assoc = assoc.resolver_rule_association().unwrap();
    assert_eq!((assoc.resolver_rule_id(), assoc.vpc_id()), (Some(rule_id.as_str()), Some(vpc.as_str())));

    // The trailing dot does not show as a change.
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    // In place: tags only.
    write(
        dir.path(),
        "main.hcl",
        &outbound_stack(&["192.168.1.53", "192.168.1.54"], "company-2")
            .replace("name                 = \"company-2\"", "name                 = \"company\""),
    );
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    assert!(plan.stdout.contains("update in-place"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    assert_eq!(output(&moto, dir.path(), "rule_id"), rule_id, "updated in place, not replaced");
    let tags = rt.block_on(r.list_tags_for_resource().resource_arn(rule.arn().unwrap()).send()).unwrap();
    assert!(tags.tags().iter().any(|t| t.key() == "Name" && t.value() == "company-2"), "{:?}", tags.tags());
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    // Target IPs change in place (UpdateResolverRule), not by replacing the rule.
    // (max_retries = 1: moto answers UpdateResolverRule with a server error the SDK would retry.)
    write(
        dir.path(),
        "main.hcl",
        &outbound_stack(&["192.168.1.53", "192.168.1.55"], "company-2")
            .replace("name                 = \"company-2\"", "name                 = \"company\"")
            .replace("region = \"ap-northeast-2\"\n", "region = \"ap-northeast-2\"\n  max_retries = 1\n"),
    );
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    assert!(plan.stdout.contains("update in-place"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    let apply = moto.tether(dir.path(), &["apply", "--auto-approve"]);
    assert!(!calls(&apply, "UpdateResolverRule").is_empty(), "{:?}", apply.api_calls());
    eprintln!(
        "UpdateResolverRule apply: exit {}\n{}",
        apply.code,
        apply.stderr.lines().filter(|l| !l.starts_with("[aws]")).collect::<Vec<_>>().join("\n")
    );
    if apply.code == 0 {
        let rule = rt.block_on(r.get_resolver_rule().resolver_rule_id(&rule_id).send()).unwrap();
        let ips: Vec<&str> = rule.resolver_rule().unwrap().target_ips().iter().filter_map(|t| t.ip()).collect();
        assert!(ips.contains(&"192.168.1.55"), "{ips:?}");
        moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);
    } else {
        // moto does not implement UpdateResolverRule: the call is made, the emulator refuses it.
        assert!(apply.stderr.contains("UpdateResolverRule") || apply.stdout.contains("UpdateResolverRule"));
        write(
            dir.path(),
            "main.hcl",
            &outbound_stack(&["192.168.1.53", "192.168.1.54"], "company-2")
                .replace("name                 = \"company-2\"", "name                 = \"company\""),
        );
    }

    // Out of band: a tag changed with the SDK shows in the next plan.
    rt.block_on(
        r.tag_resource()
            .resource_arn(rule.arn().unwrap())
            .tags(r53r::types::Tag::builder().key("Name").value("by-hand").build().unwrap())
            .send(),
    )
    .unwrap();
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    assert!(plan.stdout.contains("\"by-hand\" -> \"company-2\""), "{}", plan.stdout);

    // Out of band: the association removed with the SDK is planned to be created again.
    rt.block_on(r.disassociate_resolver_rule().resolver_rule_id(&rule_id).vpc_id(&vpc).send()).unwrap();
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    assert!(plan.stdout.contains("+ resource \"aws_route53_resolver_rule_association\""), "{}", plan.stdout);
    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    moto.tether(dir.path(), &["destroy", "--auto-approve"]).expect(0);
    assert!(rt.block_on(r.list_resolver_rule_associations().send()).unwrap().resolver_rule_associations().is_empty());
    assert!(rt.block_on(r.list_resolver_rules().send()).unwrap().resolver_rules().is_empty());
    assert!(rt.block_on(r.list_resolver_endpoints().send()).unwrap().resolver_endpoints().is_empty());
}

#[test]
fn forward_rule_without_targets_is_rejected() {
    let moto = Moto::start();
    let text = format!(
        "{PROVIDER}
resource \"aws_route53_resolver_rule\" \"bad\" {{
  domain_name = \"company.local\"
  rule_type   = \"FORWARD\"
}}

resource \"aws_route53_resolver_rule\" \"bad_ip\" {{
  domain_name = \"company.local\"
  rule_type   = \"FORWARD\"
  target_ip {{
    ip   = \"192.168.1.999\"
    port = 0
  }}
}}
"
    );
    let dir = stack(&[("main.hcl", &text)]);
    let plan = moto.tether(dir.path(), &["plan"]);
    assert_ne!(plan.code, 0);
    let all = format!("{}{}", plan.stdout, plan.stderr);
    assert!(all.contains("target_ip"), "{all}");
    assert!(all.contains("not an IPv4 address"), "{all}");
    assert!(all.contains("65535"), "{all}");
    assert!(plan.api_calls().is_empty(), "{:?}", plan.api_calls());
}
