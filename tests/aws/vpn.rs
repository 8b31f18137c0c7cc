//! aws_customer_gateway and aws_vpn_connection against the moto emulator: create, empty
//! re-plan, in-place tag update, out-of-band change found, replacement, destroy; the pre-shared
//! key never printed; invalid tunnel settings refused at plan time without any API call.

use super::moto;

use aws_sdk_ec2::types::{Filter, Tag};
use moto::{stack, write, Moto, PROVIDER};

const KEY: &str = "Tunnel1.Secret_Key42";

fn cgw_block(name: &str) -> String {
    format!(
        "resource \"aws_customer_gateway\" \"onprem\" {{
  bgp_asn    = 65000
  ip_address = \"203.0.113.12\"
  type       = \"ipsec.1\"
  tags = {{
    Name = \"{name}\"
  }}
}}

output \"cgw_id\" {{
  value = aws_customer_gateway.onprem.id
}}
"
    )
}

fn cgw_stack(name: &str) -> String {
    format!("{PROVIDER}\n{}", cgw_block(name))
}

/// A customer gateway and a VPN on the transit gateway in `var.tgw_id`, with the tunnel 1 key
/// from the sensitive `var.psk` (see `vars`).
fn vpn_stack(name: &str, inside: &str) -> String {
    format!(
        "{PROVIDER}
variable \"tgw_id\" {{
  type = string
}}

variable \"psk\" {{
  type      = string
  sensitive = true
}}

{}
resource \"aws_vpn_connection\" \"onprem\" {{
  customer_gateway_id   = aws_customer_gateway.onprem.id
  transit_gateway_id    = var.tgw_id
  type                  = \"ipsec.1\"
  static_routes_only    = true
  tunnel1_inside_cidr   = \"{inside}\"
  tunnel1_preshared_key = var.psk
  tags = {{
    Name = \"{name}\"
  }}
}}

output \"vpn_id\" {{
  value = aws_vpn_connection.onprem.id
}}
",
        cgw_block("onprem")
    )
}

fn vars(tgw_id: &str, key: &str) -> String {
    format!("tgw_id = \"{tgw_id}\"\npsk    = \"{key}\"\n")
}

fn tag_of(tags: &[Tag], k: &str) -> Option<String> {
    tags.iter().find(|t| t.key() == Some(k)).and_then(|t| t.value()).map(str::to_string)
}

fn output(moto: &Moto, dir: &std::path::Path, name: &str) -> String {
    moto.tether(dir, &["output", "--raw", name]).expect(0).stdout.trim().to_string()
}

fn rename(rt: &tokio::runtime::Runtime, ec2: &aws_sdk_ec2::Client, id: &str) {
    rt.block_on(
        ec2.create_tags().resources(id).tags(Tag::builder().key("Name").value("renamed-by-hand").build()).send(),
    )
    .unwrap();
}

#[test]
fn customer_gateway_lifecycle() {
    let moto = Moto::start();
    let ec2 = moto.ec2();
    let rt = moto::rt();
    let dir = stack(&[("main.hcl", &cgw_stack("onprem"))]);

    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    let id = output(&moto, dir.path(), "cgw_id");
    let describe = |id: &str| {
        rt.block_on(ec2.describe_customer_gateways().customer_gateway_ids(id).send()).unwrap().customer_gateways()[0]
            .clone()
    };
    let cgw = describe(&id);
    assert_eq!(cgw.bgp_asn(), Some("65000"), "a numeric bgp_asn is sent as the ASN");
    assert_eq!(cgw.ip_address(), Some("203.0.113.12"));
    assert_eq!(cgw.state(), Some("available"));
    assert_eq!(tag_of(cgw.tags(), "Name").as_deref(), Some("onprem"));
    assert_eq!(tag_of(cgw.tags(), "tether:address").as_deref(), Some("aws_customer_gateway.onprem"));
    assert!(tag_of(cgw.tags(), "tether:lineage").is_some());

    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    // In place: a tag change keeps the gateway.
    write(dir.path(), "main.hcl", &cgw_stack("onprem-2"));
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    assert!(plan.stdout.contains("update in-place"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    assert_eq!(output(&moto, dir.path(), "cgw_id"), id, "updated in place, not replaced");
    assert_eq!(tag_of(describe(&id).tags(), "Name").as_deref(), Some("onprem-2"));
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    // The ASN written as a string is the same ASN: no change.
    write(dir.path(), "main.hcl", &cgw_stack("onprem-2").replace("bgp_asn    = 65000", "bgp_asn    = \"65000\""));
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    // Out of band: a tag changed with the SDK shows in the next plan; refresh is one call.
    rename(&rt, &ec2, &id);
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    assert!(plan.stdout.contains("\"renamed-by-hand\" -> \"onprem-2\""), "{}", plan.stdout);
    let reads: Vec<String> = plan.api_calls().into_iter().filter(|c| c.contains("DescribeCustomerGateways")).collect();
    assert_eq!(reads.len(), 1, "one batched DescribeCustomerGateways per refresh: {:?}", plan.api_calls());

    moto.tether(dir.path(), &["destroy", "--auto-approve"]).expect(0);
    let left = rt
        .block_on(
            ec2.describe_customer_gateways()
                .filters(Filter::builder().name("customer-gateway-id").values(&id).build())
                .send(),
        )
        .unwrap();
    assert!(
        left.customer_gateways().iter().all(|g| g.state() == Some("deleted")),
        "destroy removed the customer gateway: {:?}",
        left.customer_gateways()
    );
}

#[test]
fn vpn_connection_lifecycle() {
    let moto = Moto::start();
    let ec2 = moto.ec2();
    let rt = moto::rt();
    // aws_ec2_transit_gateway is another file's work: make the transit gateway here.
    let tgw = rt.block_on(ec2.create_transit_gateway().description("Hybrid connectivity").send()).unwrap();
    let tgw_id = tgw.transit_gateway().unwrap().transit_gateway_id().unwrap().to_string();
    let dir = stack(&[("main.hcl", &vpn_stack("vpn", "169.254.10.0/30")), ("tether.tfvars", &vars(&tgw_id, KEY))]);
    let no_key = |run: &moto::Run, what: &str| {
        assert!(!run.stdout.contains(KEY) && !run.stderr.contains(KEY), "{what} printed the pre-shared key");
    };

    let plan = moto.tether(dir.path(), &["plan"]).expect(0);
    no_key(&plan, "plan");
    assert!(plan.stdout.contains("+ resource \"aws_vpn_connection\" \"onprem\""), "{}", plan.stdout);
    assert!(plan.stdout.contains("(sensitive value)"), "{}", plan.stdout);
    let apply = moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    no_key(&apply, "apply");

    let id = output(&moto, dir.path(), "vpn_id");
    let describe = |id: &str| {
        rt.block_on(ec2.describe_vpn_connections().vpn_connection_ids(id).send()).unwrap().vpn_connections()[0].clone()
    };
    let vpn = describe(&id);
    assert_eq!(vpn.transit_gateway_id(), Some(tgw_id.as_str()));
    assert_eq!(vpn.state().map(|s| s.as_str()), Some("available"));
    assert_eq!(tag_of(vpn.tags(), "Name").as_deref(), Some("vpn"));
    assert_eq!(tag_of(vpn.tags(), "tether:address").as_deref(), Some("aws_vpn_connection.onprem"));
    assert!(tag_of(vpn.tags(), "tether:lineage").is_some());

    let show = moto.tether(dir.path(), &["show"]).expect(0);
    no_key(&show, "show");
    assert!(show.stdout.contains("(sensitive value)"), "{}", show.stdout);
    assert!(show.stdout.contains("tgw-attach-"), "transit_gateway_attachment_id is read: {}", show.stdout);

    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    // In place: a tag change keeps the connection (and its outside IPs and keys).
    write(dir.path(), "main.hcl", &vpn_stack("vpn-2", "169.254.10.0/30"));
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    no_key(&plan, "plan");
    assert!(plan.stdout.contains("update in-place"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);
    assert_eq!(output(&moto, dir.path(), "vpn_id"), id, "updated in place, not replaced");
    assert_eq!(tag_of(describe(&id).tags(), "Name").as_deref(), Some("vpn-2"));
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    // Out of band: a tag changed with the SDK shows in the next plan; refresh is one call.
    rename(&rt, &ec2, &id);
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    assert!(plan.stdout.contains("\"renamed-by-hand\" -> \"vpn-2\""), "{}", plan.stdout);
    let reads: Vec<String> = plan.api_calls().into_iter().filter(|c| c.contains("DescribeVpnConnections")).collect();
    assert_eq!(reads.len(), 1, "one batched DescribeVpnConnections per refresh: {:?}", plan.api_calls());
    moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(0);

    // A new tunnel inside CIDR replaces the connection.
    write(dir.path(), "main.hcl", &vpn_stack("vpn-2", "169.254.11.0/30"));
    let plan = moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(2);
    no_key(&plan, "plan");
    assert!(plan.stdout.contains("-/+ resource \"aws_vpn_connection\" \"onprem\""), "{}", plan.stdout);
    assert!(plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    assert!(plan.stdout.contains("# HIGH IMPACT: the on-prem network"), "{}", plan.stdout);
    let refused = moto.tether(dir.path(), &["apply", "--auto-approve"]).expect(1);
    assert!(refused.stderr.contains("apply::high-impact"), "{}", refused.stderr);
    assert!(
        !refused.api_calls().iter().any(|c| c.contains("Create") || c.contains("Delete")),
        "refused before any change: {:?}",
        refused.api_calls()
    );
    let apply =
        moto.tether(dir.path(), &["apply", "--auto-approve", "--allow-replace", "aws_vpn_connection.onprem"]).expect(0);
    no_key(&apply, "apply");
    let new_id = output(&moto, dir.path(), "vpn_id");
    assert_ne!(new_id, id, "replaced");
    assert_eq!(describe(&id).state().map(|s| s.as_str()), Some("deleted"), "the old connection was deleted");
    moto.tether(dir.path(), &["plan", "--detailed-exitcode"]).expect(0);

    let cgw_id = output(&moto, dir.path(), "cgw_id");
    let destroy = moto.tether(dir.path(), &["destroy", "--auto-approve"]).expect(0);
    no_key(&destroy, "destroy");
    assert_eq!(describe(&new_id).state().map(|s| s.as_str()), Some("deleted"), "destroy deleted the VPN");
    let left = rt
        .block_on(
            ec2.describe_customer_gateways()
                .filters(Filter::builder().name("customer-gateway-id").values(&cgw_id).build())
                .send(),
        )
        .unwrap();
    assert!(left.customer_gateways().iter().all(|g| g.state() == Some("deleted")), "destroy removed the gateway");
}

#[test]
fn invalid_tunnel_settings_fail_at_plan_without_api_calls() {
    let moto = Moto::start();
    let cases = [
        ("169.254.1.0/30", KEY, "tunnel1_inside_cidr", "reserved"),
        ("169.254.169.252/30", KEY, "tunnel1_inside_cidr", "reserved"),
        ("169.254.10.0/29", KEY, "tunnel1_inside_cidr", "/30"),
        ("10.0.0.0/30", KEY, "tunnel1_inside_cidr", "169.254.0.0/16"),
        ("169.254.10.0/30", "0StartsWithZero", "tunnel1_preshared_key", "start with 0"),
        ("169.254.10.0/30", "short", "tunnel1_preshared_key", "8 to 64"),
        ("169.254.10.0/30", "bad-dash-in-key", "tunnel1_preshared_key", "not allowed"),
    ];
    for (inside, key, attr, why) in cases {
        let dir =
            stack(&[("main.hcl", &vpn_stack("vpn", inside)), ("tether.tfvars", &vars("tgw-0123456789abcdef0", key))]);
        let plan = moto.tether(dir.path(), &["plan"]).expect(1);
        let all = format!("{}{}", plan.stdout, plan.stderr);
        assert!(plan.api_calls().is_empty(), "{inside} / {attr}: no API call: {:?}", plan.api_calls());
        assert!(all.contains(attr) && all.contains(why), "{inside} / {attr}: {all}");
        if attr.ends_with("preshared_key") {
            assert!(!all.contains(key), "the rejected key is not echoed: {all}");
        }
    }

    // A bad customer gateway ASN or type is refused the same way.
    let dir = stack(&[("main.hcl", &cgw_stack("onprem").replace("bgp_asn    = 65000", "bgp_asn    = 4294967294"))]);
    let plan = moto.tether(dir.path(), &["plan"]).expect(1);
    assert!(plan.api_calls().is_empty(), "{:?}", plan.api_calls());
    assert!(format!("{}{}", plan.stdout, plan.stderr).contains("BGP ASN"), "{}{}", plan.stdout, plan.stderr);
    let dir = stack(&[("main.hcl", &cgw_stack("onprem").replace("\"ipsec.1\"", "\"ipsec.2\""))]);
    let plan = moto.tether(dir.path(), &["plan"]).expect(1);
    assert!(plan.api_calls().is_empty(), "{:?}", plan.api_calls());
}
