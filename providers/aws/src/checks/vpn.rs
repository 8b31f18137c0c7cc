//! Transit gateway and site-to-site VPN across resources. The per-resource rules (ASN ranges,
//! tunnel inside CIDRs, pre-shared key format) are checked by each type's `validate`; here is
//! what needs two resources: a VPC attachment's default route table flags against its
//! gateway's, and the two BGP ends of a VPN.

use tether_sdk::{AttrPath, Diagnostic, PlannedResource, Value};

use super::{flag, Stack};

const PAIRS: [(&str, &str, &str); 2] = [
    ("transit_gateway_default_route_table_association", "default_route_table_association", "associated with"),
    ("transit_gateway_default_route_table_propagation", "default_route_table_propagation", "propagating to"),
];

pub fn check(stack: &Stack<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for att in stack.of_type("aws_ec2_transit_gateway_vpc_attachment") {
        let at = AttrPath::attr("transit_gateway_id");
        let [tgw] = stack.linked(att, "transit_gateway_id", &at, "aws_ec2_transit_gateway")[..] else { continue };
        route_table_flags(att, tgw, &mut out);
    }
    for vpn in stack.of_type("aws_vpn_connection") {
        same_asn(stack, vpn, &mut out);
    }
    out
}

/// An attachment can use the gateway's default route table only when the gateway has one;
/// opting out while the gateway opts in leaves the attachment with no route table at all
/// unless the stack associates it explicitly.
fn route_table_flags(att: &PlannedResource, tgw: &PlannedResource, out: &mut Vec<Diagnostic>) {
    for (att_key, tgw_key, what) in PAIRS {
        // AWS enables both on a gateway unless told otherwise.
        let gateway =
            if tgw.config.get(tgw_key).is_none_or(Value::is_null) { Some(true) } else { flag(&tgw.config, tgw_key) };
        let (Some(gateway), Some(attachment)) = (gateway, flag(&att.config, att_key)) else { continue };
        if gateway == attachment {
            continue;
        }
        let d = if attachment {
            Diagnostic::error(format!(
                "{att_key} = true, but the transit gateway has {tgw_key} disabled: there is no default route table"
            ))
            .help(format!(
                "set {att_key} = false and associate the attachment with a route table of your own, or set {tgw_key} = \"enable\" on the gateway"
            ))
        } else {
            Diagnostic::warning(format!(
                "{att_key} = false while the transit gateway's {tgw_key} is enabled: the attachment is not {what} the default route table"
            ))
            .help(format!(
                "remove {att_key} to follow the gateway, or make sure the stack gives the attachment a route table of its own"
            ))
        };
        out.push(
            d.code("vpn::attachment-route-table").address(&att.address).attribute(AttrPath::attr(att_key)).related(
                &tgw.address,
                Some(AttrPath::attr(tgw_key)),
                "the transit gateway's setting",
            ),
        );
    }
}

/// The customer gateway's BGP ASN must differ from the transit gateway's Amazon-side ASN: the
/// tunnels run eBGP between them.
fn same_asn(stack: &Stack<'_>, vpn: &PlannedResource, out: &mut Vec<Diagnostic>) {
    let cgw_at = AttrPath::attr("customer_gateway_id");
    let tgw_at = AttrPath::attr("transit_gateway_id");
    let [cgw] = stack.linked(vpn, "customer_gateway_id", &cgw_at, "aws_customer_gateway")[..] else { return };
    let [tgw] = stack.linked(vpn, "transit_gateway_id", &tgw_at, "aws_ec2_transit_gateway")[..] else { return };
    let asn = |v: &Value, k: &str| match v.get(k) {
        Some(Value::String(s)) => s.parse::<i64>().ok(),
        Some(n) => n.as_f64().map(|f| f as i64),
        None => None,
    };
    // 64512 is the gateway's default ASN.
    let amazon = match tgw.config.get("amazon_side_asn") {
        None | Some(Value::Null) => Some(64512),
        Some(_) => asn(&tgw.config, "amazon_side_asn"),
    };
    if let (Some(a), Some(c)) = (amazon, asn(&cgw.config, "bgp_asn")) {
        if a == c {
            out.push(
                Diagnostic::error(format!("the customer gateway's BGP ASN {c} is the transit gateway's own ASN"))
                    .code("vpn::same-asn")
                    .address(&cgw.address)
                    .attribute(AttrPath::attr("bgp_asn"))
                    .related(&tgw.address, Some(AttrPath::attr("amazon_side_asn")), format!("the Amazon side uses {a}"))
                    .help("give the on-prem side a different private ASN, e.g. 65000, or change amazon_side_asn"),
            );
        }
    }
}
