//! Reachability: the flows EKS Hybrid Nodes need, traced hop by hop through the stack as
//! planned, before anything exists (DOMAIN.md, "Required traffic for hybrid nodes").
//!
//! Flows, for each hybrid cluster and each of its subnets (where the control plane's network
//! interfaces live): control plane to kubelet on every remote node network (TCP 10250); remote
//! nodes and pods to the API server (TCP 443); the API server to webhooks on the remote pod
//! network (TCP 443); and for Route 53 Resolver, the outbound endpoint to each forward rule's
//! on-prem DNS server and the remote node network to the inbound endpoint (TCP and UDP 53).
//!
//! A packet from a subnet to a remote network takes this path: the subnet's route table (its
//! explicit association, else the VPC's main table) -> the most specific route that covers the
//! destination -> the transit gateway -> the route table the VPC attachment is associated with
//! -> its most specific route (static, or propagated) -> the VPN attachment -> the remote
//! network. The answer comes back the other way: the VPN attachment's route table must send
//! the subnet's CIDR to the VPC attachment. Security groups are checked at the AWS end. A
//! dynamic (BGP) VPN whose attachment propagates into the route table is taken to carry the
//! remote networks: the customer gateway is expected to advertise them, which the stack
//! cannot show, so such flows are reported as resting on that assumption.
//!
//! Resources are linked by reference (IDs are unknown before apply) or by known ID; an instance
//! of a `for_each` resource that refers to another `for_each` resource by a computed key
//! (`aws_subnet.private[each.key]`) is linked to the instance with its own key. A hop that
//! depends on something unknown leaves the flow unchecked, never guessed.

use std::collections::BTreeMap;

use ipnet::Ipv4Net;
use tether_sdk::{AttrPath, Diagnostic, FlowReport, FlowStatus, Hop, PlannedResource, Value};

use super::firewall::{self, Rule};
use super::{config_address, flag, is_hybrid, path, remote_networks, Stack, NODE};

type Pr<'a> = &'a PlannedResource;

/// The reports of every flow of the stack.
pub fn flows(stack: &Stack<'_>) -> Vec<FlowReport> {
    let net = Net::new(stack);
    let mut out = Vec::new();
    for cluster in stack.of_type("aws_eks_cluster").filter(|c| is_hybrid(c)) {
        out.extend(cluster_flows(&net, cluster));
    }
    for ep in stack.of_type("aws_route53_resolver_endpoint") {
        out.extend(resolver_flows(&net, ep));
    }
    out
}

/// A broken hop, as one diagnostic: code, address, attribute and reason.
type BreakKey = (String, Option<String>, Option<String>, String);

/// One diagnostic per place that breaks flows, listing the flows it breaks. Flows broken by
/// a missing cluster security group rule are left to `firewall::missing-rule`, which reports
/// them with the rule to add.
pub fn check(stack: &Stack<'_>) -> Vec<Diagnostic> {
    let mut found: BTreeMap<BreakKey, (Diagnostic, Vec<String>)> = BTreeMap::new();
    for f in flows(stack) {
        let FlowStatus::Broken { broken, code, reason, help, related, .. } = &f.status else { continue };
        if !code.starts_with("reach::") {
            continue;
        }
        let key =
            (code.clone(), broken.address.clone(), broken.attribute.as_ref().map(ToString::to_string), reason.clone());
        let entry = found.entry(key).or_insert_with(|| {
            let mut d = Diagnostic::error(reason.clone()).code(code.clone()).help(help.clone());
            if let Some(a) = &broken.address {
                d = d.address(a);
            }
            if let Some(at) = &broken.attribute {
                d = d.attribute(at.clone());
            }
            for r in related {
                if let Some(a) = &r.address {
                    d = d.related(a, r.attribute.clone(), r.detail.clone());
                }
            }
            (d, Vec::new())
        });
        entry.1.push(format!(
            "{} ({} {} from {} to {})",
            f.description,
            f.protocol.to_uppercase(),
            f.port,
            f.from,
            f.to
        ));
    }
    found.into_values().map(|(d, flows)| d.detail(format!("flows it breaks:\n  - {}", flows.join("\n  - ")))).collect()
}

// ---- linking --------------------------------------------------------------------------------

/// What an attribute that names another resource points at.
#[derive(Clone, Copy)]
enum Link<'a> {
    /// A resource of the stack.
    Found(Pr<'a>),
    /// Unset.
    Unset,
    /// A known ID of nothing the stack declares, or a value not known before apply.
    Unknown,
}

/// The instance key of an address (`["a"]` of `aws_subnet.private["a"]`), empty without one.
fn instance_key(address: &str) -> &str {
    &address[config_address(address).len()..]
}

/// The resource of one of `types` that `key` (whose value is at `at`) of `r` names.
fn link<'a>(stack: &Stack<'a>, r: &PlannedResource, key: &str, at: &AttrPath, types: &[&'a str]) -> Link<'a> {
    let value = r.config.get_path(at).or_else(|| r.value.get_path(at));
    if value.is_none_or(Value::is_null) && !r.references.contains_key(key) {
        return Link::Unset;
    }
    let id = value.and_then(Value::as_str);
    let refs = r.references.get(key).map(Vec::as_slice).unwrap_or(&[]);
    let mut candidates: Vec<Pr<'a>> = Vec::new();
    for ty in types {
        for t in stack.of_type(ty) {
            let by_id = id.is_some_and(|id| t.value.get("id").and_then(Value::as_str) == Some(id));
            let by_ref = refs.iter().any(|a| *a == t.address || a == config_address(&t.address));
            if by_id || by_ref {
                candidates.push(t);
            }
        }
    }
    if let Some(id) = id {
        if let Some(t) = candidates.iter().find(|t| t.value.get("id").and_then(Value::as_str) == Some(id)) {
            return Link::Found(t);
        }
    }
    match candidates.as_slice() {
        [one] => Link::Found(one),
        [] => Link::Unknown,
        many => {
            // `aws_subnet.private[each.key]` from an instance with the same key.
            let own = instance_key(&r.address);
            let same: Vec<Pr<'a>> =
                many.iter().copied().filter(|t| !own.is_empty() && instance_key(&t.address) == own).collect();
            match same.as_slice() {
                [one] => Link::Found(one),
                _ => Link::Unknown,
            }
        }
    }
}

/// Every resource of `type_name` a list attribute names (`subnet_ids`); `None` when some
/// element cannot be resolved.
fn link_all<'a>(
    stack: &Stack<'a>,
    r: &PlannedResource,
    key: &str,
    at: &AttrPath,
    type_name: &'a str,
) -> Option<Vec<Pr<'a>>> {
    let linked = stack.linked(r, key, at, type_name);
    let ids: Vec<&str> = linked.iter().filter_map(|t| t.value.get("id").and_then(Value::as_str)).collect();
    let unresolved = match r.config.get_path(at) {
        Some(Value::List(items)) => items.iter().any(|i| match i.as_str() {
            Some(id) => !ids.contains(&id),
            None => r.references.get(key).is_none_or(Vec::is_empty),
        }),
        Some(Value::Unknown) => r.references.get(key).is_none_or(Vec::is_empty),
        _ => false,
    };
    (!unresolved).then_some(linked)
}

fn same(a: Pr<'_>, b: Pr<'_>) -> bool {
    a.address == b.address
}

fn cidr_of(v: &Value, key: &str) -> Option<Ipv4Net> {
    v.get(key).and_then(Value::as_str).and_then(|s| s.parse::<Ipv4Net>().ok()).map(|n| n.trunc())
}

/// A subnet's or VPC's CIDR as written (managed) or read (data source).
fn cidr_block(r: Pr<'_>) -> Option<Ipv4Net> {
    cidr_of(if r.address.starts_with("data.") { &r.value } else { &r.config }, "cidr_block")
}

fn describe(r: Pr<'_>) -> String {
    match cidr_block(r) {
        Some(c) => format!("{} ({c})", r.address),
        None => r.address.clone(),
    }
}

/// The first lines of an HCL reference to `r`'s attribute, for help text.
fn reference(r: Pr<'_>, attr: &str) -> String {
    let base = config_address(&r.address);
    let key = instance_key(&r.address);
    format!("{base}{key}.{attr}")
}

// ---- the network as planned ------------------------------------------------------------------

/// A VPC route table: one the stack declares, or the main table AWS creates with a VPC.
#[derive(Clone, Copy)]
enum VpcTable<'a> {
    Declared(Pr<'a>),
    Main(Pr<'a>),
}

impl<'a> VpcTable<'a> {
    fn is(&self, other: &VpcTable<'_>) -> bool {
        match (self, other) {
            (VpcTable::Declared(a), VpcTable::Declared(b)) | (VpcTable::Main(a), VpcTable::Main(b)) => same(a, b),
            _ => false,
        }
    }

    fn hop(&self) -> Hop {
        match self {
            VpcTable::Declared(t) => Hop::new("route-table", Some(&t.address), "the subnet's route table"),
            VpcTable::Main(v) => Hop::new("route-table", Some(&v.address), "the VPC's main route table"),
        }
    }
}

/// A transit gateway route table: declared, or the gateway's default table.
#[derive(Clone, Copy)]
enum TgwTable<'a> {
    Declared(Pr<'a>),
    Default(Pr<'a>),
}

impl<'a> TgwTable<'a> {
    fn is(&self, other: &TgwTable<'_>) -> bool {
        match (self, other) {
            (TgwTable::Declared(a), TgwTable::Declared(b)) | (TgwTable::Default(a), TgwTable::Default(b)) => same(a, b),
            _ => false,
        }
    }

    fn address(&self) -> &'a str {
        match self {
            TgwTable::Declared(t) | TgwTable::Default(t) => &t.address,
        }
    }

    fn name(&self) -> String {
        match self {
            TgwTable::Declared(t) => format!("transit gateway route table {}", t.address),
            TgwTable::Default(t) => format!("the default route table of {}", t.address),
        }
    }

    /// A reference to the table's ID, for help text.
    fn reference(&self) -> String {
        match self {
            TgwTable::Declared(t) => reference(t, "id"),
            TgwTable::Default(t) => reference(t, "association_default_route_table_id"),
        }
    }
}

/// An attachment to a transit gateway: a VPC attachment or a VPN connection.
#[derive(Clone, Copy)]
enum Attachment<'a> {
    Vpc(Pr<'a>),
    Vpn(Pr<'a>),
}

impl<'a> Attachment<'a> {
    fn resource(&self) -> Pr<'a> {
        match self {
            Attachment::Vpc(r) | Attachment::Vpn(r) => r,
        }
    }
}

const TGW: &str = "aws_ec2_transit_gateway";
const TGW_RT: &str = "aws_ec2_transit_gateway_route_table";
const VPC_ATT: &str = "aws_ec2_transit_gateway_vpc_attachment";
const VPN: &str = "aws_vpn_connection";

/// Where a trace stopped.
struct Break {
    hop: Hop,
    code: &'static str,
    reason: String,
    help: String,
    /// The other side of the break (the table that has the route no subnet uses).
    related: Vec<Hop>,
}

enum Trace {
    Ok { hops: Vec<Hop>, assumption: Option<String> },
    Broken { hops: Vec<Hop>, broken: Break },
    Unchecked { hops: Vec<Hop>, reason: String },
}

impl Trace {
    fn then(self, next: impl FnOnce() -> Trace) -> Trace {
        match self {
            Trace::Ok { mut hops, assumption } => match next() {
                Trace::Ok { hops: more, assumption: a2 } => {
                    hops.extend(more);
                    Trace::Ok { hops, assumption: assumption.or(a2) }
                }
                Trace::Broken { hops: more, broken } => {
                    hops.extend(more);
                    Trace::Broken { hops, broken }
                }
                Trace::Unchecked { hops: more, reason } => {
                    hops.extend(more);
                    Trace::Unchecked { hops, reason }
                }
            },
            other => other,
        }
    }
}

struct Net<'s, 'a> {
    stack: &'s Stack<'a>,
}

impl<'s, 'a> Net<'s, 'a> {
    fn new(stack: &'s Stack<'a>) -> Self {
        Net { stack }
    }

    fn vpc_of(&self, subnet: Pr<'a>) -> Link<'a> {
        link(self.stack, subnet, "vpc_id", &AttrPath::attr("vpc_id"), &["aws_vpc"])
    }

    /// Every CIDR of a VPC: its primary block and its secondary associations.
    fn vpc_cidrs(&self, vpc: Pr<'a>) -> Vec<Ipv4Net> {
        let mut out: Vec<Ipv4Net> = cidr_block(vpc).into_iter().collect();
        for a in self.stack.of_type("aws_vpc_ipv4_cidr_block_association") {
            if let Link::Found(v) = link(self.stack, a, "vpc_id", &AttrPath::attr("vpc_id"), &["aws_vpc"]) {
                if same(v, vpc) {
                    out.extend(cidr_of(&a.config, "cidr_block"));
                }
            }
        }
        out
    }

    /// The route table of a VPC table attribute (`route_table_id`): a declared table, or the
    /// VPC's main table when it refers to the VPC (`aws_vpc.main.main_route_table_id`).
    fn vpc_table_link(&self, r: Pr<'a>) -> Option<VpcTable<'a>> {
        match link(self.stack, r, "route_table_id", &AttrPath::attr("route_table_id"), &["aws_route_table", "aws_vpc"])
        {
            Link::Found(t) if t.type_name == "aws_vpc" => Some(VpcTable::Main(t)),
            Link::Found(t) => Some(VpcTable::Declared(t)),
            _ => None,
        }
    }

    /// The main route table of a VPC: one named by an `aws_main_route_table_association`, else
    /// the one AWS made.
    fn main_table(&self, vpc: Pr<'a>) -> Result<VpcTable<'a>, String> {
        for m in self.stack.of_type("aws_main_route_table_association") {
            match link(self.stack, m, "vpc_id", &AttrPath::attr("vpc_id"), &["aws_vpc"]) {
                Link::Found(v) if same(v, vpc) => {
                    return self
                        .vpc_table_link(m)
                        .ok_or_else(|| format!("the route table of {} is not known before apply", m.address));
                }
                Link::Found(_) | Link::Unset => {}
                Link::Unknown => return Err(format!("the VPC of {} is not known before apply", m.address)),
            }
        }
        Ok(VpcTable::Main(vpc))
    }

    /// The route table a subnet uses: its explicit association, else its VPC's main table.
    fn subnet_table(&self, subnet: Pr<'a>, vpc: Pr<'a>) -> Result<(VpcTable<'a>, Option<Pr<'a>>), String> {
        let mut unsure = None;
        for a in self.stack.of_type("aws_route_table_association") {
            match link(self.stack, a, "subnet_id", &AttrPath::attr("subnet_id"), &["aws_subnet"]) {
                Link::Found(s) if same(s, subnet) => {
                    let t = self
                        .vpc_table_link(a)
                        .ok_or_else(|| format!("the route table of {} is not known before apply", a.address))?;
                    return Ok((t, Some(a)));
                }
                Link::Found(_) | Link::Unset => {}
                Link::Unknown => unsure = Some(a.address.clone()),
            }
        }
        if let Some(a) = unsure {
            return Err(format!("the subnet of {a} is not known before apply"));
        }
        Ok((self.main_table(vpc)?, None))
    }

    /// Whether the stack routes for this VPC at all: a route table, a route in its main table or
    /// a transit gateway attachment. A VPC whose routing the stack leaves alone (another stack
    /// owns it) is not judged.
    fn routing_declared(&self, vpc: Pr<'a>) -> bool {
        let of_vpc = |r: Pr<'a>| matches!(link(self.stack, r, "vpc_id", &AttrPath::attr("vpc_id"), &["aws_vpc"]), Link::Found(v) if same(v, vpc));
        self.stack.of_type("aws_route_table").any(of_vpc)
            || self.stack.of_type("aws_main_route_table_association").any(of_vpc)
            || self.stack.of_type(VPC_ATT).any(of_vpc)
            || self
                .stack
                .of_type("aws_route")
                .any(|r| matches!(self.vpc_table_link(r), Some(VpcTable::Main(v)) if same(v, vpc)))
    }

    /// The declared tables no subnet is associated with (the main table aside).
    fn unassociated_tables(&self, vpc: Pr<'a>) -> Vec<Pr<'a>> {
        self.stack
            .of_type("aws_route_table")
            .filter(|t| matches!(link(self.stack, t, "vpc_id", &AttrPath::attr("vpc_id"), &["aws_vpc"]), Link::Found(v) if same(v, vpc)))
            .filter(|t| {
                let assoc = self.stack.of_type("aws_route_table_association").any(|a| {
                    matches!(self.vpc_table_link(a), Some(VpcTable::Declared(x)) if same(x, t))
                });
                let main = self.stack.of_type("aws_main_route_table_association").any(|a| {
                    matches!(self.vpc_table_link(a), Some(VpcTable::Declared(x)) if same(x, t))
                });
                !assoc && !main
            })
            .collect()
    }

    /// The most specific route of `table` that covers `dest`: `Ok(None)` when only the VPC's
    /// local route or nothing covers it.
    fn vpc_route(&self, table: &VpcTable<'a>, dest: &Ipv4Net) -> Result<Option<(Pr<'a>, Ipv4Net)>, String> {
        let mut best: Option<(Pr<'a>, Ipv4Net)> = None;
        for r in self.stack.of_type("aws_route") {
            let Some(d) = cidr_of(&r.config, "destination_cidr_block") else {
                if r.config.get("destination_cidr_block").is_some_and(Value::is_unknown) {
                    return Err(format!("the destination of {} is not known before apply", r.address));
                }
                continue;
            };
            if !d.contains(dest) {
                continue;
            }
            match self.vpc_table_link(r) {
                Some(t) if t.is(table) => {}
                Some(_) => continue,
                None => return Err(format!("the route table of {} is not known before apply", r.address)),
            }
            if best.is_none_or(|(_, b)| d.prefix_len() > b.prefix_len()) {
                best = Some((r, d));
            }
        }
        Ok(best)
    }

    /// The VPC attachments of `vpc` to `tgw`.
    fn vpc_attachment(&self, vpc: Pr<'a>, tgw: Pr<'a>) -> Result<Option<Pr<'a>>, String> {
        for a in self.stack.of_type(VPC_ATT) {
            let v = link(self.stack, a, "vpc_id", &AttrPath::attr("vpc_id"), &["aws_vpc"]);
            let g = link(self.stack, a, "transit_gateway_id", &AttrPath::attr("transit_gateway_id"), &[TGW]);
            match (v, g) {
                (Link::Found(v), Link::Found(g)) if same(v, vpc) && same(g, tgw) => return Ok(Some(a)),
                (Link::Unknown, _) | (_, Link::Unknown) => {
                    return Err(format!("the VPC or transit gateway of {} is not known before apply", a.address))
                }
                _ => {}
            }
        }
        Ok(None)
    }

    fn tgw_of(&self, r: Pr<'a>) -> Link<'a> {
        link(self.stack, r, "transit_gateway_id", &AttrPath::attr("transit_gateway_id"), &[TGW])
    }

    /// A gateway's default-table setting (AWS enables both unless told otherwise).
    fn tgw_default(&self, tgw: Pr<'a>, key: &str) -> Option<bool> {
        if tgw.config.get(key).is_none_or(Value::is_null) {
            Some(true)
        } else {
            flag(&tgw.config, key)
        }
    }

    /// The table a `transit_gateway_route_table_id` attribute names.
    fn tgw_table_link(&self, r: Pr<'a>) -> Option<TgwTable<'a>> {
        let at = AttrPath::attr("transit_gateway_route_table_id");
        match link(self.stack, r, "transit_gateway_route_table_id", &at, &[TGW_RT, TGW]) {
            Link::Found(t) if t.type_name == TGW => Some(TgwTable::Default(t)),
            Link::Found(t) => Some(TgwTable::Declared(t)),
            _ => None,
        }
    }

    /// The attachment a `transit_gateway_attachment_id` attribute names.
    fn attachment_link(&self, r: Pr<'a>) -> Link<'a> {
        let at = AttrPath::attr("transit_gateway_attachment_id");
        link(self.stack, r, "transit_gateway_attachment_id", &at, &[VPC_ATT, VPN])
    }

    fn is_attachment(&self, l: Link<'a>, a: &Attachment<'a>) -> bool {
        matches!(l, Link::Found(x) if same(x, a.resource()))
    }

    /// The route table an attachment is associated with.
    fn association(&self, a: &Attachment<'a>, tgw: Pr<'a>) -> Result<Option<TgwTable<'a>>, String> {
        for assoc in self.stack.of_type("aws_ec2_transit_gateway_route_table_association") {
            match self.attachment_link(assoc) {
                Link::Unknown => return Err(format!("the attachment of {} is not known before apply", assoc.address)),
                l if self.is_attachment(l, a) => {
                    return self
                        .tgw_table_link(assoc)
                        .map(Some)
                        .ok_or_else(|| format!("the route table of {} is not known before apply", assoc.address));
                }
                _ => {}
            }
        }
        let own = match a {
            Attachment::Vpc(r) => flag(&r.config, "transit_gateway_default_route_table_association"),
            Attachment::Vpn(_) => None,
        };
        let gateway = self.tgw_default(tgw, "default_route_table_association");
        Ok((own != Some(false) && gateway == Some(true)).then_some(TgwTable::Default(tgw)))
    }

    /// Whether an attachment propagates its routes into `table`.
    fn propagates(&self, a: &Attachment<'a>, tgw: Pr<'a>, table: &TgwTable<'a>) -> bool {
        let explicit = self.stack.of_type("aws_ec2_transit_gateway_route_table_propagation").any(|p| {
            self.is_attachment(self.attachment_link(p), a) && self.tgw_table_link(p).is_some_and(|t| t.is(table))
        });
        if explicit {
            return true;
        }
        let own = match a {
            Attachment::Vpc(r) => flag(&r.config, "transit_gateway_default_route_table_propagation"),
            Attachment::Vpn(_) => None,
        };
        matches!(table, TgwTable::Default(g) if same(g, tgw))
            && own != Some(false)
            && self.tgw_default(tgw, "default_route_table_propagation") == Some(true)
    }

    /// The VPN connections on `tgw`.
    fn vpns(&self, tgw: Pr<'a>) -> Vec<Pr<'a>> {
        self.stack.of_type(VPN).filter(|v| matches!(self.tgw_of(v), Link::Found(g) if same(g, tgw))).collect()
    }

    /// The most specific route of a transit gateway table for `dest`. With `remote`, `dest` is
    /// a remote network: a dynamic VPN propagating into the table is taken to carry it (what
    /// its customer gateway is expected to advertise); otherwise BGP routes are not assumed.
    fn tgw_route(
        &self,
        tgw: Pr<'a>,
        table: &TgwTable<'a>,
        dest: &Ipv4Net,
        remote: bool,
    ) -> Result<Option<TgwRoute<'a>>, String> {
        let mut best: Option<TgwRoute<'a>> = None;
        let mut consider = |r: TgwRoute<'a>| {
            let better = match &best {
                None => true,
                Some(b) => r.prefix > b.prefix || (r.prefix == b.prefix && r.rank < b.rank),
            };
            if better {
                best = Some(r);
            }
        };
        for r in self.stack.of_type("aws_ec2_transit_gateway_route") {
            let Some(d) = cidr_of(&r.config, "destination_cidr_block") else { continue };
            if !d.contains(dest) {
                continue;
            }
            match self.tgw_table_link(r) {
                Some(t) if t.is(table) => {}
                Some(_) => continue,
                None => return Err(format!("the route table of {} is not known before apply", r.address)),
            }
            let target = if r.config.get("blackhole").and_then(Value::as_bool) == Some(true) {
                RouteTarget::Blackhole
            } else {
                match self.attachment_link(r) {
                    Link::Found(a) if a.type_name == VPN => RouteTarget::To(Attachment::Vpn(a)),
                    Link::Found(a) => RouteTarget::To(Attachment::Vpc(a)),
                    _ => return Err(format!("the attachment of {} is not known before apply", r.address)),
                }
            };
            consider(TgwRoute { prefix: d.prefix_len(), rank: 0, target, by: Some(r) });
        }
        for a in self.stack.of_type(VPC_ATT) {
            if !matches!(self.tgw_of(a), Link::Found(g) if same(g, tgw)) {
                continue;
            }
            let att = Attachment::Vpc(a);
            if !self.propagates(&att, tgw, table) {
                continue;
            }
            let Link::Found(vpc) = link(self.stack, a, "vpc_id", &AttrPath::attr("vpc_id"), &["aws_vpc"]) else {
                continue;
            };
            for c in self.vpc_cidrs(vpc) {
                if c.contains(dest) {
                    consider(TgwRoute { prefix: c.prefix_len(), rank: 1, target: RouteTarget::To(att), by: None });
                }
            }
        }
        for v in self.vpns(tgw) {
            let att = Attachment::Vpn(v);
            let dynamic = v.config.get("static_routes_only").and_then(Value::as_bool) != Some(true);
            if remote && dynamic && self.propagates(&att, tgw, table) {
                consider(TgwRoute { prefix: dest.prefix_len(), rank: 2, target: RouteTarget::To(att), by: None });
            }
        }
        Ok(best)
    }
}

#[derive(Clone, Copy)]
enum RouteTarget<'a> {
    To(Attachment<'a>),
    Blackhole,
}

/// A route of a transit gateway table: static (`by` the route resource) or propagated.
#[derive(Clone, Copy)]
struct TgwRoute<'a> {
    prefix: u8,
    /// Static routes win over propagated ones of the same length; VPC routes over BGP ones.
    rank: u8,
    target: RouteTarget<'a>,
    by: Option<Pr<'a>>,
}

// ---- tracing ---------------------------------------------------------------------------------

/// The path from `subnet` to the remote network `dest`: on to a VPN connection of the transit
/// gateway the subnet's route sends it to.
fn trace_out<'a>(net: &Net<'_, 'a>, subnet: Pr<'a>, dest: &Ipv4Net) -> (Trace, Option<(Pr<'a>, Pr<'a>)>) {
    let mut hops = vec![Hop::new("subnet", Some(&subnet.address), format!("from {}", describe(subnet)))];
    let unchecked = |hops: Vec<Hop>, reason: String| (Trace::Unchecked { hops, reason }, None);
    let broken = |hops: Vec<Hop>, hop: Hop, code: &'static str, reason: String, help: String| {
        (Trace::Broken { hops, broken: Break { hop, code, reason, help, related: Vec::new() } }, None)
    };
    let vpc = match net.vpc_of(subnet) {
        Link::Found(v) => v,
        _ => return unchecked(hops, format!("the VPC of {} is not known before apply", subnet.address)),
    };
    let (table, assoc) = match net.subnet_table(subnet, vpc) {
        Ok(t) => t,
        Err(why) => return unchecked(hops, why),
    };
    let mut table_hop = table.hop();
    if let Some(a) = assoc {
        table_hop.detail = format!("associated by {}", a.address);
    }
    if net.vpc_cidrs(vpc).iter().any(|c| c.contains(dest)) {
        hops.push(table_hop);
        hops.push(Hop::new("route", None, format!("{dest} is inside the VPC (local route)")));
        return (Trace::Ok { hops, assumption: None }, None);
    }
    let route = match net.vpc_route(&table, dest) {
        Ok(r) => r,
        Err(why) => return unchecked(hops, why),
    };
    let Some((route, covered)) = route else {
        if !net.routing_declared(vpc) {
            let reason = format!("the stack declares no routing for {}: it is managed elsewhere", vpc.address);
            return unchecked(hops, reason);
        }
        // The route may sit in a table no subnet uses: the classic missing association.
        let holder = net
            .unassociated_tables(vpc)
            .into_iter()
            .find(|t| matches!(net.vpc_route(&VpcTable::Declared(t), dest), Ok(Some(_))));
        let mut related = Vec::new();
        let (code, reason, help, primary) = match (&table, holder) {
            (VpcTable::Main(_), Some(t)) => {
                let reason = format!(
                    "{} uses the VPC's main route table, not {}, which has its routes to the remote networks but is associated with no subnet",
                    subnet.address, t.address
                );
                related.push(Hop::new("route-table", Some(&t.address), format!("has the route to {dest}, but no subnet uses it")));
                let base = config_address(&subnet.address);
                let name = base.rsplit('.').next().unwrap_or("subnet").to_string();
                // For a for_each subnet, one association per subnet, linked by key.
                let help = if instance_key(&subnet.address).is_empty() {
                    format!(
                        "associate the subnet with the table that has the routes:\n\nresource \"aws_route_table_association\" \"{name}\" {{\n  subnet_id      = {base}.id\n  route_table_id = {}\n}}",
                        reference(t, "id")
                    )
                } else {
                    format!(
                        "associate the subnets with the table that has the routes:\n\nresource \"aws_route_table_association\" \"{name}\" {{\n  for_each       = {base}\n  subnet_id      = {base}[each.key].id\n  route_table_id = {}\n}}",
                        reference(t, "id")
                    )
                };
                ("reach::route-table-not-associated", reason, help, Hop::new("subnet", Some(&subnet.address), "uses the VPC's main route table"))
            }
            (VpcTable::Main(v), None) => (
                "reach::no-route",
                format!("{} uses the VPC's main route table, which has no route to {dest}", subnet.address),
                format!(
                    "give the subnet a route table with a route to the transit gateway:\n\nresource \"aws_route\" \"to_remote\" {{\n  route_table_id         = {}\n  destination_cidr_block = \"{dest}\"\n  transit_gateway_id     = aws_ec2_transit_gateway.<name>.id\n}}\n\n(on a table of your own, associated with the subnet by an aws_route_table_association)",
                    reference(v, "main_route_table_id")
                ),
                Hop::new("subnet", Some(&subnet.address), "uses the VPC's main route table"),
            ),
            (VpcTable::Declared(t), _) => (
                "reach::no-route",
                format!("route table {} of {} has no route to {dest}", t.address, subnet.address),
                format!(
                    "add a route to the transit gateway:\n\nresource \"aws_route\" \"to_remote\" {{\n  route_table_id         = {}\n  destination_cidr_block = \"{dest}\"\n  transit_gateway_id     = aws_ec2_transit_gateway.<name>.id\n}}",
                    reference(t, "id")
                ),
                Hop::new("route-table", Some(&t.address), format!("no route to {dest}")),
            ),
        };
        let broken = Break { hop: primary, code, reason, help, related };
        return (Trace::Broken { hops, broken }, None);
    };
    hops.push(table_hop);
    let target_key =
        ["transit_gateway_id", "gateway_id", "nat_gateway_id", "vpc_peering_connection_id", "network_interface_id"]
            .into_iter()
            .find(|k| route.config.get(k).is_some_and(|v| !v.is_null()));
    let tgw = match target_key {
        Some("transit_gateway_id") => match net.tgw_of(route) {
            Link::Found(g) => g,
            _ => {
                return unchecked(
                    hops,
                    format!("the transit gateway of {} is outside the stack or not known before apply", route.address),
                )
            }
        },
        Some(other) => {
            let what = match other {
                "gateway_id" => "an internet or virtual private gateway",
                "nat_gateway_id" => "a NAT gateway",
                "vpc_peering_connection_id" => "a VPC peering connection",
                _ => "a network interface",
            };
            let reason =
                format!("{} sends {dest} (as part of {covered}) to {what}, not the transit gateway", route.address);
            let help = format!(
                "route {dest} to the transit gateway with a more specific route in the same table:\n\nresource \"aws_route\" \"to_remote\" {{\n  route_table_id         = {}\n  destination_cidr_block = \"{dest}\"\n  transit_gateway_id     = aws_ec2_transit_gateway.<name>.id\n}}",
                route.references.get("route_table_id").and_then(|r| r.first()).map(|a| format!("{a}.id")).unwrap_or_else(|| "<route table>".into())
            );
            let hop = Hop::new("route", Some(&route.address), format!("{covered} to {what}")).at(AttrPath::attr(other));
            return broken(hops, hop, "reach::wrong-target", reason, help);
        }
        None => return unchecked(hops, format!("{} has no target", route.address)),
    };
    hops.push(
        Hop::new("route", Some(&route.address), format!("{covered} to {}", tgw.address))
            .at(AttrPath::attr("transit_gateway_id")),
    );
    let attachment = match net.vpc_attachment(vpc, tgw) {
        Ok(Some(a)) => a,
        Ok(None) => {
            let reason =
                format!("{} routes {dest} to {}, which {} is not attached to", route.address, tgw.address, vpc.address);
            let help = format!(
                "attach the VPC to the transit gateway, with one subnet in each Availability Zone:\n\nresource \"aws_ec2_transit_gateway_vpc_attachment\" \"vpc\" {{\n  transit_gateway_id = {}\n  vpc_id             = {}\n  subnet_ids         = [...]\n}}",
                reference(tgw, "id"),
                reference(vpc, "id")
            );
            let hop = Hop::new("route", Some(&route.address), "to a transit gateway the VPC is not attached to")
                .at(AttrPath::attr("transit_gateway_id"));
            return broken(hops, hop, "reach::not-attached", reason, help);
        }
        Err(why) => return unchecked(hops, why),
    };
    // Traffic from an Availability Zone without an attachment subnet cannot reach the gateway.
    let zone = |s: Pr<'_>| s.config.get("availability_zone").and_then(Value::as_str).map(str::to_string);
    if let (Some(z), Some(att_subnets)) =
        (zone(subnet), link_all(net.stack, attachment, "subnet_ids", &AttrPath::attr("subnet_ids"), "aws_subnet"))
    {
        let zones: Vec<String> = att_subnets.iter().filter_map(|s| zone(s)).collect();
        if zones.len() == att_subnets.len() && !att_subnets.is_empty() && !zones.contains(&z) {
            let reason = format!(
                "{} has no subnet in {z}, where {} is: traffic from there cannot reach the transit gateway",
                attachment.address, subnet.address
            );
            let help = format!("add a subnet in {z} to subnet_ids of {}", attachment.address);
            let hop = Hop::new("transit-gateway-attachment", Some(&attachment.address), format!("no subnet in {z}"))
                .at(AttrPath::attr("subnet_ids"));
            return broken(hops, hop, "reach::not-attached", reason, help);
        }
    }
    hops.push(Hop::new(
        "transit-gateway-attachment",
        Some(&attachment.address),
        format!("{} attached to {}", vpc.address, tgw.address),
    ));
    let att = Attachment::Vpc(attachment);
    let table = match net.association(&att, tgw) {
        Ok(Some(t)) => t,
        Ok(None) => {
            let reason = format!(
                "{} is associated with no transit gateway route table, so the gateway drops what the VPC sends",
                attachment.address
            );
            let help = format!(
                "associate it with a route table:\n\nresource \"aws_ec2_transit_gateway_route_table_association\" \"vpc\" {{\n  transit_gateway_attachment_id  = {}\n  transit_gateway_route_table_id = aws_ec2_transit_gateway_route_table.<name>.id\n}}\n\nor leave transit_gateway_default_route_table_association unset to use the gateway's default table",
                reference(attachment, "id")
            );
            let hop =
                Hop::new("transit-gateway-attachment", Some(&attachment.address), "associated with no route table")
                    .at(AttrPath::attr("transit_gateway_default_route_table_association"));
            return broken(hops, hop, "reach::tgw-no-route-table", reason, help);
        }
        Err(why) => return unchecked(hops, why),
    };
    hops.push(Hop::new("transit-gateway-route-table", Some(table.address()), table.name()));
    let found = match net.tgw_route(tgw, &table, dest, true) {
        Ok(r) => r,
        Err(why) => return unchecked(hops, why),
    };
    let vpn = net.vpns(tgw).into_iter().next();
    let Some(found) = found else {
        let target = match vpn {
            Some(v) => reference(v, "transit_gateway_attachment_id"),
            None => "aws_vpn_connection.<name>.transit_gateway_attachment_id".into(),
        };
        let reason = format!(
            "{} has no route to {dest}: the transit gateway drops traffic for the remote network",
            table.name()
        );
        let help = format!(
            "add a static route to the VPN (or use a BGP VPN whose attachment propagates into this table):\n\nresource \"aws_ec2_transit_gateway_route\" \"to_onprem\" {{\n  destination_cidr_block         = \"{dest}\"\n  transit_gateway_route_table_id = {}\n  transit_gateway_attachment_id  = {target}\n}}",
            table.reference()
        );
        let hop = Hop::new("transit-gateway-route-table", Some(table.address()), format!("no route to {dest}"));
        return broken(hops, hop, "reach::tgw-no-route", reason, help);
    };
    let (vpn, assumption) = match found.target {
        RouteTarget::Blackhole => {
            let r = found.by.expect("a blackhole is a static route");
            let reason = format!("{} drops traffic for {dest} (blackhole)", r.address);
            let help = "send it to the VPN instead: set transit_gateway_attachment_id to the VPN connection's transit_gateway_attachment_id and remove blackhole".to_string();
            let hop = Hop::new("transit-gateway-route", Some(&r.address), "blackhole").at(AttrPath::attr("blackhole"));
            return broken(hops, hop, "reach::tgw-blackhole", reason, help);
        }
        RouteTarget::To(Attachment::Vpc(other)) => {
            let (hop, reason) = match found.by {
                Some(r) => (
                    Hop::new("transit-gateway-route", Some(&r.address), format!("{dest} to {}", other.address))
                        .at(AttrPath::attr("transit_gateway_attachment_id")),
                    format!("{} sends {dest} to the VPC attachment {}, not to the VPN", r.address, other.address),
                ),
                None => (
                    Hop::new(
                        "transit-gateway-route-table",
                        Some(table.address()),
                        format!("{dest} propagated from {}", other.address),
                    ),
                    format!(
                        "in {}, {dest} is routed to the VPC attachment {} (its VPC's CIDR), not to the VPN",
                        table.name(),
                        other.address
                    ),
                ),
            };
            let target = match vpn {
                Some(v) => reference(v, "transit_gateway_attachment_id"),
                None => "aws_vpn_connection.<name>.transit_gateway_attachment_id".into(),
            };
            let help = format!("point the route at the VPN attachment: transit_gateway_attachment_id = {target}");
            return broken(hops, hop, "reach::tgw-wrong-attachment", reason, help);
        }
        RouteTarget::To(Attachment::Vpn(v)) => {
            match found.by {
                Some(r) => {
                    hops.push(Hop::new("transit-gateway-route", Some(&r.address), format!("{dest} to {}", v.address)))
                }
                None => hops.push(Hop::new(
                    "transit-gateway-route-table",
                    Some(table.address()),
                    format!("{dest} propagated over BGP from {}", v.address),
                )),
            }
            let assumption =
                found.by.is_none().then(|| format!("the customer gateway of {} advertises {dest} over BGP", v.address));
            (v, assumption)
        }
    };
    // The tunnels carry only what the VPN's traffic selectors let through.
    if let Some(remote) = cidr_of(&vpn.config, "remote_ipv4_network_cidr") {
        if !remote.contains(dest) {
            let reason = format!("{}'s tunnels carry only {remote} on the on-prem side, not {dest}", vpn.address);
            let help = format!("widen remote_ipv4_network_cidr to cover {dest} (or leave it unset: 0.0.0.0/0)");
            let hop = Hop::new("vpn-connection", Some(&vpn.address), format!("carries {remote}"))
                .at(AttrPath::attr("remote_ipv4_network_cidr"));
            return broken(hops, hop, "reach::vpn-selector", reason, help);
        }
    }
    hops.push(Hop::new("vpn-connection", Some(&vpn.address), format!("over the tunnels to {dest}")));
    hops.push(Hop::new("remote-network", None, dest.to_string()));
    (Trace::Ok { hops, assumption }, Some((vpn, tgw)))
}

/// The path from a VPN connection back into `subnet`: the VPN attachment's route table must
/// send the subnet's CIDR to the attachment of the subnet's VPC.
fn trace_in<'a>(net: &Net<'_, 'a>, vpn: Pr<'a>, tgw: Pr<'a>, subnet: Pr<'a>) -> Trace {
    let mut hops = vec![Hop::new("vpn-connection", Some(&vpn.address), "into the transit gateway")];
    let Some(cidr) = cidr_block(subnet) else {
        return Trace::Unchecked { hops, reason: format!("the CIDR of {} is not known before apply", subnet.address) };
    };
    let Link::Found(vpc) = net.vpc_of(subnet) else {
        return Trace::Unchecked { hops, reason: format!("the VPC of {} is not known before apply", subnet.address) };
    };
    let att = Attachment::Vpn(vpn);
    let table = match net.association(&att, tgw) {
        Ok(Some(t)) => t,
        Ok(None) => {
            let reason = format!("the transit gateway attachment of {} is associated with no route table: nothing from on-prem is routed", vpn.address);
            let help = format!(
                "associate it with a route table:\n\nresource \"aws_ec2_transit_gateway_route_table_association\" \"vpn\" {{\n  transit_gateway_attachment_id  = {}\n  transit_gateway_route_table_id = aws_ec2_transit_gateway_route_table.<name>.id\n}}",
                reference(vpn, "transit_gateway_attachment_id")
            );
            let hop = Hop::new("vpn-connection", Some(&vpn.address), "attachment associated with no route table");
            return Trace::Broken {
                hops,
                broken: Break { hop, code: "reach::tgw-no-route-table", reason, help, related: Vec::new() },
            };
        }
        Err(reason) => return Trace::Unchecked { hops, reason },
    };
    hops.push(Hop::new("transit-gateway-route-table", Some(table.address()), table.name()));
    let found = match net.tgw_route(tgw, &table, &cidr, false) {
        Ok(r) => r,
        Err(reason) => return Trace::Unchecked { hops, reason },
    };
    let want = net.vpc_attachment(vpc, tgw).ok().flatten();
    match found.map(|f| (f.target, f.by)) {
        Some((RouteTarget::To(Attachment::Vpc(a)), by)) if want.is_some_and(|w| same(w, a)) => {
            let how = if by.is_some() { "static route" } else { "propagated" };
            hops.push(Hop::new(
                "transit-gateway-route",
                by.map(|r| r.address.as_str()),
                format!("{cidr} to {} ({how})", a.address),
            ));
            hops.push(Hop::new("subnet", Some(&subnet.address), format!("to {}", describe(subnet))));
            Trace::Ok { hops, assumption: None }
        }
        other => {
            let wrong = match other {
                Some((RouteTarget::Blackhole, _)) => "drops it (blackhole)".to_string(),
                Some((RouteTarget::To(a), _)) => format!("sends it to {}", a.resource().address),
                None => "has no route for it".to_string(),
            };
            let reason = format!(
                "{} (where the VPN's traffic arrives) {wrong}: replies and on-prem traffic cannot reach {} ({cidr})",
                table.name(),
                subnet.address
            );
            let help = match want {
                Some(w) => format!(
                    "let the VPC attachment propagate into that table:\n\nresource \"aws_ec2_transit_gateway_route_table_propagation\" \"vpc\" {{\n  transit_gateway_attachment_id  = {}\n  transit_gateway_route_table_id = {}\n}}\n\n(or add a static aws_ec2_transit_gateway_route for {cidr} to it)",
                    reference(w, "id"),
                    table.reference()
                ),
                None => format!("attach {} to the transit gateway", vpc.address),
            };
            let hop =
                Hop::new("transit-gateway-route-table", Some(table.address()), format!("no route back to {cidr}"));
            Trace::Broken {
                hops,
                broken: Break { hop, code: "reach::no-return-route", reason, help, related: Vec::new() },
            }
        }
    }
}

/// The security group hop: does any rule of `groups` let the flow through?
#[allow(clippy::too_many_arguments)]
fn security_groups<'a>(
    net: &Net<'_, 'a>,
    owner: Pr<'a>,
    groups: &Option<Vec<Pr<'a>>>,
    also_cluster: bool,
    ingress: bool,
    proto: &str,
    port: i64,
    peer: &Ipv4Net,
    code: &'static str,
) -> Trace {
    let Some(groups) = groups else {
        return Trace::Unchecked {
            hops: Vec::new(),
            reason: format!("the security groups of {} are not known before apply", owner.address),
        };
    };
    let mut scope: Vec<&str> = groups.iter().map(|g| g.address.as_str()).collect();
    if also_cluster {
        scope.push(&owner.address);
    }
    let rules: Vec<Rule<'_>> = firewall::rules(net.stack)
        .into_iter()
        .filter(|r| r.groups.iter().any(|g| scope.contains(&g.as_str())))
        .collect();
    let dir = if ingress { "ingress" } else { "egress" };
    if groups.is_empty() && rules.is_empty() {
        return Trace::Unchecked {
            hops: Vec::new(),
            reason: format!("{} has no security group in the stack", owner.address),
        };
    }
    if rules.iter().any(|r| r.ingress == ingress && !r.known) {
        return Trace::Unchecked {
            hops: Vec::new(),
            reason: format!("a {dir} rule of {} is not known before apply", owner.address),
        };
    }
    let names = scope.join(", ");
    if rules.iter().any(|r| r.covers(ingress, proto, port, peer)) {
        let hop = Hop::new(
            "security-group",
            groups.first().map(|g| g.address.as_str()),
            format!("{dir} {} {port} {} {peer} allowed", proto.to_uppercase(), if ingress { "from" } else { "to" }),
        );
        return Trace::Ok { hops: vec![hop], assumption: None };
    }
    let target = groups.first().copied();
    let reason = format!(
        "no {dir} rule of {names} allows {} {port} {} {peer}",
        proto.to_uppercase(),
        if ingress { "from" } else { "to" }
    );
    let ty = if ingress { "aws_vpc_security_group_ingress_rule" } else { "aws_vpc_security_group_egress_rule" };
    let group_ref = target
        .map(|g| reference(g, "id"))
        .unwrap_or_else(|| reference(owner, "vpc_config[0].cluster_security_group_id"));
    let help = format!(
        "add this rule:\n\nresource \"{ty}\" \"{proto}_{port}\" {{\n  security_group_id = {group_ref}\n  ip_protocol       = \"{proto}\"\n  from_port         = {port}\n  to_port           = {port}\n  cidr_ipv4         = \"{peer}\"\n}}"
    );
    let hop = match target {
        Some(g) => {
            Hop::new("security-group", Some(&g.address), format!("no {dir} rule for {} {port}", proto.to_uppercase()))
        }
        None => Hop::new("security-group", Some(&owner.address), "the cluster's security group"),
    };
    Trace::Broken { hops: Vec::new(), broken: Break { hop, code, reason, help, related: Vec::new() } }
}

fn report(flow: &str, description: &str, from: String, to: String, proto: &str, port: i64, trace: Trace) -> FlowReport {
    let status = match trace {
        Trace::Ok { hops, assumption: None } => FlowStatus::Reachable { hops },
        Trace::Ok { hops, assumption: Some(assumption) } => FlowStatus::Assumed { hops, assumption },
        Trace::Broken { hops, broken } => FlowStatus::Broken {
            hops,
            broken: broken.hop,
            code: broken.code.to_string(),
            reason: broken.reason,
            help: broken.help,
            related: broken.related,
        },
        Trace::Unchecked { hops, reason } => FlowStatus::Unchecked { hops, reason },
    };
    FlowReport {
        flow: flow.to_string(),
        description: description.to_string(),
        from,
        to,
        protocol: proto.to_string(),
        port: u16::try_from(port).unwrap_or(0),
        status,
    }
}

/// A flow from `subnet` out to `dest` and the replies back: the route out, the security group,
/// the route back.
fn outbound<'a>(net: &Net<'_, 'a>, subnet: Pr<'a>, dest: &Ipv4Net, sg: impl FnOnce() -> Trace) -> Trace {
    let (out, vpn) = trace_out(net, subnet, dest);
    out.then(sg).then(|| match vpn {
        Some((vpn, tgw)) => trace_in(net, vpn, tgw, subnet),
        None => Trace::Ok { hops: Vec::new(), assumption: None },
    })
}

/// A flow from the remote network `src` in to `subnet`: the way in through a VPN of the
/// transit gateway the subnet routes to, the security group, and the route for the replies.
fn inbound<'a>(net: &Net<'_, 'a>, subnet: Pr<'a>, src: &Ipv4Net, sg: impl FnOnce() -> Trace) -> Trace {
    // The replies' path finds the VPN and gateway; the way in is checked through them.
    let (back, vpn) = trace_out(net, subnet, src);
    let Some((vpn, tgw)) = vpn else { return back };
    let Trace::Ok { hops: back_hops, assumption } = back else { return back };
    trace_in(net, vpn, tgw, subnet).then(sg).then(|| Trace::Ok { hops: back_hops, assumption })
}

fn cluster_flows<'a>(net: &Net<'_, 'a>, cluster: Pr<'a>) -> Vec<FlowReport> {
    let mut out = Vec::new();
    let subnets_at = path(&["vpc_config", "subnet_ids"]);
    let Some(subnets) = link_all(net.stack, cluster, "vpc_config", &subnets_at, "aws_subnet") else { return out };
    let groups =
        link_all(net.stack, cluster, "vpc_config", &path(&["vpc_config", "security_group_ids"]), "aws_security_group");
    let remotes = remote_networks(cluster);
    for s in &subnets {
        for r in &remotes {
            let n = r.net.trunc();
            let remote = n.to_string();
            if r.kind == NODE {
                let t = outbound(net, s, &n, || {
                    security_groups(net, cluster, &groups, true, false, "tcp", 10250, &n, "firewall::missing-rule")
                });
                out.push(report("kubelet", "control plane to kubelet", describe(s), remote.clone(), "tcp", 10250, t));
                let t = inbound(net, s, &n, || {
                    security_groups(net, cluster, &groups, true, true, "tcp", 443, &n, "firewall::missing-rule")
                });
                out.push(report(
                    "api-from-nodes",
                    "hybrid nodes to the API server",
                    remote.clone(),
                    describe(s),
                    "tcp",
                    443,
                    t,
                ));
            } else {
                let t = inbound(net, s, &n, || {
                    security_groups(net, cluster, &groups, true, true, "tcp", 443, &n, "firewall::missing-rule")
                });
                out.push(report("api-from-pods", "pods to the API server", remote.clone(), describe(s), "tcp", 443, t));
                let t = outbound(net, s, &n, || {
                    security_groups(net, cluster, &groups, true, false, "tcp", 443, &n, "reach::security-group")
                });
                out.push(report(
                    "webhooks",
                    "API server to webhooks on hybrid pods",
                    describe(s),
                    remote.clone(),
                    "tcp",
                    443,
                    t,
                ));
            }
        }
    }
    out
}

fn resolver_flows<'a>(net: &Net<'_, 'a>, ep: Pr<'a>) -> Vec<FlowReport> {
    let mut out = Vec::new();
    let direction = ep.config.get("direction").and_then(Value::as_str).map(str::to_ascii_uppercase).unwrap_or_default();
    let groups =
        link_all(net.stack, ep, "security_group_ids", &AttrPath::attr("security_group_ids"), "aws_security_group");
    let Some(ips) = ep.config.get("ip_address").and_then(Value::as_list) else { return out };
    let subnets: Vec<Pr<'a>> = (0..ips.len())
        .filter_map(|i| {
            let key = format!("ip_address[{i}].subnet_id");
            let at = AttrPath::attr("ip_address").join_index(i).join_attr("subnet_id");
            match link(net.stack, ep, &key, &at, &["aws_subnet"]) {
                Link::Found(s) => Some(s),
                _ => None,
            }
        })
        .collect();
    match direction.as_str() {
        "OUTBOUND" => {
            // The on-prem DNS servers of the forward rules that use this endpoint.
            let mut targets: Vec<Ipv4Net> = Vec::new();
            for rule in net.stack.of_type("aws_route53_resolver_rule") {
                let at = AttrPath::attr("resolver_endpoint_id");
                if !matches!(link(net.stack, rule, "resolver_endpoint_id", &at, &["aws_route53_resolver_endpoint"]), Link::Found(e) if same(e, ep))
                {
                    continue;
                }
                for t in rule.config.get("target_ip").and_then(Value::as_list).unwrap_or(&[]) {
                    if let Some(ip) =
                        t.get("ip").and_then(Value::as_str).and_then(|s| s.parse::<std::net::Ipv4Addr>().ok())
                    {
                        let n = Ipv4Net::new(ip, 32).expect("a /32");
                        if !targets.contains(&n) {
                            targets.push(n);
                        }
                    }
                }
            }
            for s in &subnets {
                for t in &targets {
                    for proto in ["udp", "tcp"] {
                        let trace = outbound(net, s, t, || {
                            security_groups(net, ep, &groups, false, false, proto, 53, t, "reach::security-group")
                        });
                        out.push(report(
                            "dns-to-onprem",
                            "outbound resolver to on-prem DNS",
                            describe(s),
                            t.addr().to_string(),
                            proto,
                            53,
                            trace,
                        ));
                    }
                }
            }
        }
        "INBOUND" => {
            // On-prem DNS servers forward from the remote node networks of the stack's clusters.
            let sources: Vec<Ipv4Net> = net
                .stack
                .of_type("aws_eks_cluster")
                .flat_map(remote_networks)
                .filter(|r| r.kind == NODE)
                .map(|r| r.net.trunc())
                .collect();
            for s in &subnets {
                for src in &sources {
                    for proto in ["udp", "tcp"] {
                        let trace = inbound(net, s, src, || {
                            security_groups(net, ep, &groups, false, true, proto, 53, src, "reach::security-group")
                        });
                        out.push(report(
                            "dns-from-onprem",
                            "on-prem DNS to the inbound resolver",
                            src.to_string(),
                            describe(s),
                            proto,
                            53,
                            trace,
                        ));
                    }
                }
            }
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{list, planned};
    use super::*;

    fn s(v: &str) -> Value {
        Value::from(v)
    }

    fn block(entries: Vec<(&str, Value)>) -> Value {
        Value::map(entries)
    }

    /// A small complete hybrid network: one VPC with one subnet whose table routes the remote
    /// networks to a transit gateway, a static VPN on it with static routes, a cluster with a
    /// security group that allows what it needs. `without` drops resources by address.
    fn network(without: &[&str], vpn_static: bool) -> Vec<PlannedResource> {
        let vpc = planned("aws_vpc.main", block(vec![("cidr_block", s("10.0.0.0/16"))]), &[]);
        let subnet = planned(
            "aws_subnet.a",
            block(vec![
                ("vpc_id", Value::Unknown),
                ("cidr_block", s("10.0.1.0/24")),
                ("availability_zone", s("ap-northeast-2a")),
            ]),
            &[("vpc_id", "aws_vpc.main")],
        );
        let rt =
            planned("aws_route_table.private", block(vec![("vpc_id", Value::Unknown)]), &[("vpc_id", "aws_vpc.main")]);
        let assoc = planned(
            "aws_route_table_association.a",
            block(vec![("subnet_id", Value::Unknown), ("route_table_id", Value::Unknown)]),
            &[("subnet_id", "aws_subnet.a"), ("route_table_id", "aws_route_table.private")],
        );
        let route = |name: &str, dest: &str| {
            planned(
                &format!("aws_route.{name}"),
                block(vec![
                    ("route_table_id", Value::Unknown),
                    ("destination_cidr_block", s(dest)),
                    ("transit_gateway_id", Value::Unknown),
                ]),
                &[("route_table_id", "aws_route_table.private"), ("transit_gateway_id", "aws_ec2_transit_gateway.hub")],
            )
        };
        let tgw = planned("aws_ec2_transit_gateway.hub", block(vec![("amazon_side_asn", Value::int(64512))]), &[]);
        let att = planned(
            "aws_ec2_transit_gateway_vpc_attachment.vpc",
            block(vec![
                ("transit_gateway_id", Value::Unknown),
                ("vpc_id", Value::Unknown),
                ("subnet_ids", Value::Unknown),
            ]),
            &[
                ("transit_gateway_id", "aws_ec2_transit_gateway.hub"),
                ("vpc_id", "aws_vpc.main"),
                ("subnet_ids", "aws_subnet.a"),
            ],
        );
        let mut vpn_cfg = vec![
            ("customer_gateway_id", Value::Unknown),
            ("transit_gateway_id", Value::Unknown),
            ("type", s("ipsec.1")),
        ];
        if vpn_static {
            vpn_cfg.push(("static_routes_only", Value::Bool(true)));
        }
        let vpn = planned(
            "aws_vpn_connection.onprem",
            block(vpn_cfg),
            &[("transit_gateway_id", "aws_ec2_transit_gateway.hub")],
        );
        let tgw_route = |name: &str, dest: &str| {
            planned(
                &format!("aws_ec2_transit_gateway_route.{name}"),
                block(vec![
                    ("destination_cidr_block", s(dest)),
                    ("transit_gateway_route_table_id", Value::Unknown),
                    ("transit_gateway_attachment_id", Value::Unknown),
                ]),
                &[
                    ("transit_gateway_route_table_id", "aws_ec2_transit_gateway.hub"),
                    ("transit_gateway_attachment_id", "aws_vpn_connection.onprem"),
                ],
            )
        };
        let sg = planned(
            "aws_security_group.cluster",
            block(vec![("vpc_id", Value::Unknown)]),
            &[("vpc_id", "aws_vpc.main")],
        );
        let rule = |name: &str, ingress: bool, port: i64, cidr: &str| {
            let ty = if ingress { "aws_vpc_security_group_ingress_rule" } else { "aws_vpc_security_group_egress_rule" };
            planned(
                &format!("{ty}.{name}"),
                block(vec![
                    ("security_group_id", Value::Unknown),
                    ("ip_protocol", s("tcp")),
                    ("from_port", Value::int(port)),
                    ("to_port", Value::int(port)),
                    ("cidr_ipv4", s(cidr)),
                ]),
                &[("security_group_id", "aws_security_group.cluster")],
            )
        };
        let cidrs = |c: &str| Value::List(vec![Value::map([("cidrs", list(&[c]))])]);
        let cluster = planned(
            "aws_eks_cluster.hybrid",
            block(vec![
                ("name", s("hybrid")),
                ("vpc_config", block(vec![("subnet_ids", Value::Unknown), ("security_group_ids", Value::Unknown)])),
                (
                    "remote_network_config",
                    block(vec![
                        ("remote_node_networks", cidrs("192.168.0.0/16")),
                        ("remote_pod_networks", cidrs("10.244.0.0/16")),
                    ]),
                ),
            ]),
            &[("vpc_config", "aws_subnet.a"), ("vpc_config", "aws_security_group.cluster")],
        );
        let all = vec![
            vpc,
            subnet,
            rt,
            assoc,
            route("nodes", "192.168.0.0/16"),
            route("pods", "10.244.0.0/16"),
            tgw,
            att,
            vpn,
            tgw_route("nodes", "192.168.0.0/16"),
            tgw_route("pods", "10.244.0.0/16"),
            sg,
            rule("api_nodes", true, 443, "192.168.0.0/16"),
            rule("api_pods", true, 443, "10.244.0.0/16"),
            rule("kubelet", false, 10250, "192.168.0.0/16"),
            rule("webhooks", false, 443, "10.244.0.0/16"),
            cluster,
        ];
        all.into_iter().filter(|r| !without.contains(&r.address.as_str())).collect()
    }

    fn statuses(resources: &[PlannedResource]) -> Vec<(String, String)> {
        flows(&Stack::new(resources))
            .into_iter()
            .map(|f| {
                let status = match &f.status {
                    FlowStatus::Reachable { .. } => "reachable".to_string(),
                    FlowStatus::Assumed { .. } => "assumed".to_string(),
                    FlowStatus::Broken { code, .. } => code.clone(),
                    FlowStatus::Unchecked { reason, .. } => format!("unchecked: {reason}"),
                };
                (f.flow, status)
            })
            .collect()
    }

    #[test]
    fn a_complete_network_carries_every_flow() {
        let net = network(&[], true);
        let got = statuses(&net);
        assert_eq!(got.len(), 4, "{got:?}");
        assert!(got.iter().all(|(_, s)| s == "reachable"), "{got:?}");
        let reports = flows(&Stack::new(&net));
        let kubelet = reports.iter().find(|f| f.flow == "kubelet").unwrap();
        assert_eq!((kubelet.protocol.as_str(), kubelet.port, kubelet.to.as_str()), ("tcp", 10250, "192.168.0.0/16"));
        let kinds: Vec<&str> = kubelet.status.hops().iter().map(|h| h.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "subnet",
                "route-table",
                "route",
                "transit-gateway-attachment",
                "transit-gateway-route-table",
                "transit-gateway-route",
                "vpn-connection",
                "remote-network",
                "security-group",
                "vpn-connection",
                "transit-gateway-route-table",
                "transit-gateway-route",
                "subnet"
            ],
            "out, through the security group, and back"
        );
        assert!(check(&Stack::new(&net)).is_empty());
    }

    #[test]
    fn a_route_table_no_subnet_uses_is_caught_at_the_subnet() {
        let net = network(&["aws_route_table_association.a"], true);
        assert!(statuses(&net).iter().all(|(_, s)| s == "reach::route-table-not-associated"), "{:?}", statuses(&net));
        let diags = check(&Stack::new(&net));
        assert_eq!(diags.len(), 1, "one finding for the subnet, listing every flow: {diags:?}");
        let d = &diags[0];
        assert_eq!(d.address.as_deref(), Some("aws_subnet.a"));
        assert_eq!(d.related[0].address, "aws_route_table.private");
        assert!(d.help.as_deref().unwrap().contains("resource \"aws_route_table_association\""), "{d:?}");
        assert_eq!(d.detail.as_deref().unwrap().matches("\n  - ").count(), 4);
    }

    #[test]
    fn a_dynamic_vpn_without_static_routes_is_an_assumption() {
        let net = network(&["aws_ec2_transit_gateway_route.nodes", "aws_ec2_transit_gateway_route.pods"], false);
        let reports = flows(&Stack::new(&net));
        let FlowStatus::Assumed { assumption, .. } = &reports[0].status else { panic!("{:?}", reports[0].status) };
        assert!(assumption.contains("advertises 192.168.0.0/16 over BGP"), "{assumption}");
        assert!(check(&Stack::new(&net)).is_empty(), "an assumption is not an error");
        // The same VPN with static routes only propagates nothing: the route is missing.
        let net = network(&["aws_ec2_transit_gateway_route.nodes", "aws_ec2_transit_gateway_route.pods"], true);
        let diags = check(&Stack::new(&net));
        assert!(diags.iter().all(|d| d.code.as_deref() == Some("reach::tgw-no-route")), "{diags:?}");
        assert_eq!(diags[0].address.as_deref(), Some("aws_ec2_transit_gateway.hub"));
    }

    #[test]
    fn wrong_targets_and_missing_rules_name_the_hop() {
        let mut net = network(&[], true);
        for r in net.iter_mut().filter(|r| r.address == "aws_ec2_transit_gateway_route.pods") {
            r.references.insert(
                "transit_gateway_attachment_id".into(),
                vec!["aws_ec2_transit_gateway_vpc_attachment.vpc".into()],
            );
        }
        let diags = check(&Stack::new(&net));
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].code.as_deref(), Some("reach::tgw-wrong-attachment"));
        assert_eq!(diags[0].attribute, Some(AttrPath::attr("transit_gateway_attachment_id")));

        let net = network(&["aws_vpc_security_group_egress_rule.webhooks"], true);
        let diags = check(&Stack::new(&net));
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].code.as_deref(), Some("reach::security-group"));
        assert_eq!(diags[0].address.as_deref(), Some("aws_security_group.cluster"));
        // Missing cluster rules the firewall check reports are not reported twice.
        let net = network(&["aws_vpc_security_group_egress_rule.kubelet"], true);
        assert!(check(&Stack::new(&net)).is_empty());
        assert!(statuses(&net).contains(&("kubelet".to_string(), "firewall::missing-rule".to_string())));
    }

    #[test]
    fn what_cannot_be_linked_before_apply_is_unchecked() {
        let mut net = network(&[], true);
        for r in net.iter_mut().filter(|r| r.address == "aws_route_table_association.a") {
            // `subnet_id = each.value.id`: no reference to follow, no ID yet.
            r.references.remove("subnet_id");
        }
        let got = statuses(&net);
        assert!(
            got.iter().all(|(_, s)| s.starts_with("unchecked: the subnet of aws_route_table_association.a")),
            "{got:?}"
        );
        assert!(check(&Stack::new(&net)).is_empty(), "nothing is guessed");
    }
}
