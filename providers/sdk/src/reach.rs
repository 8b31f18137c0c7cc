//! Reachability of the flows a network must carry, traced hop by hop before anything is
//! applied: what a provider's [`Provider::reachability`](crate::Provider::reachability) returns.
//!
//! A flow is one kind of traffic between two places (the control plane to kubelet on the remote
//! node network, TCP 10250). Its report lists the hops it takes (a subnet, its route table, a
//! route, a transit gateway route table, a VPN attachment, a security group) and ends in one of
//! four ways: it gets through; it gets through provided something the stack cannot show holds
//! (a route the customer gateway is expected to advertise over BGP); it stops at a hop, which
//! is named with the resource and attribute to fix; or it could not be checked because a value
//! it depends on is known only after apply.

use serde::{Deserialize, Serialize};

use crate::value::AttrPath;

/// One flow and how it fares.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowReport {
    /// A stable name of the kind of flow: `kubelet`, `api-from-nodes`, `api-from-pods`,
    /// `webhooks`, `dns-to-onprem`, `dns-from-onprem`.
    pub flow: String,
    /// What the flow is for, in a few words.
    pub description: String,
    /// Where it starts: a resource address with the network it stands for
    /// (`aws_subnet.private["a"] (10.0.1.0/24)`), or a remote network (`192.168.0.0/16`).
    pub from: String,
    /// Where it goes, in the same form.
    pub to: String,
    /// `tcp` or `udp`.
    pub protocol: String,
    pub port: u16,
    pub status: FlowStatus,
}

/// How a flow fares.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum FlowStatus {
    /// Every hop is there.
    Reachable { hops: Vec<Hop> },
    /// Every hop is there if `assumption` holds (a route learned over BGP, say).
    Assumed { hops: Vec<Hop>, assumption: String },
    /// The flow stops at `broken`; `hops` are those it got through before.
    Broken {
        hops: Vec<Hop>,
        broken: Hop,
        /// The diagnostic code reported for it (`reach::no-route`, ...).
        code: String,
        /// Why the hop stops the flow.
        reason: String,
        /// How to fix it.
        help: String,
        /// Other places the break involves (the route table that has the missing route).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        related: Vec<Hop>,
    },
    /// A value the trace needs is known only after apply, or lies outside the stack.
    Unchecked { hops: Vec<Hop>, reason: String },
}

impl FlowStatus {
    /// The hops the flow got through (all of them unless it broke).
    pub fn hops(&self) -> &[Hop] {
        match self {
            FlowStatus::Reachable { hops }
            | FlowStatus::Assumed { hops, .. }
            | FlowStatus::Broken { hops, .. }
            | FlowStatus::Unchecked { hops, .. } => hops,
        }
    }

    pub fn is_broken(&self) -> bool {
        matches!(self, FlowStatus::Broken { .. })
    }
}

/// One hop of a flow: the resource that carries it and, where it matters, the attribute.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hop {
    /// What kind of hop: `subnet`, `route-table`, `route`, `transit-gateway`,
    /// `transit-gateway-route-table`, `transit-gateway-route`, `vpn-connection`,
    /// `security-group`, `remote-network`.
    pub kind: String,
    /// The resource address, when the hop is a resource of the stack.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The attribute of that resource the hop is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute: Option<AttrPath>,
    /// What the hop does with the flow, in a few words (`routes 192.168.0.0/16 to the transit
    /// gateway`).
    pub detail: String,
}

impl Hop {
    pub fn new(kind: impl Into<String>, address: Option<&str>, detail: impl Into<String>) -> Hop {
        Hop { kind: kind.into(), address: address.map(str::to_string), attribute: None, detail: detail.into() }
    }

    pub fn at(mut self, attribute: AttrPath) -> Hop {
        self.attribute = Some(attribute);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_serialise_with_a_tagged_status() {
        let r = FlowReport {
            flow: "kubelet".into(),
            description: "control plane to kubelet".into(),
            from: "aws_subnet.a (10.0.1.0/24)".into(),
            to: "192.168.0.0/16".into(),
            protocol: "tcp".into(),
            port: 10250,
            status: FlowStatus::Broken {
                hops: vec![Hop::new("subnet", Some("aws_subnet.a"), "uses the VPC's main route table")],
                broken: Hop::new("route-table", None, "no route to 192.168.0.0/16"),
                code: "reach::no-route".into(),
                reason: "the main route table has only the local route".into(),
                help: "associate the subnet with the table that has the route".into(),
                related: Vec::new(),
            },
        };
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["status"]["status"], "broken");
        assert_eq!(json["status"]["broken"]["kind"], "route-table");
        assert!(json["status"]["broken"].get("address").is_none(), "unset fields are left out: {json}");
        let back: FlowReport = serde_json::from_value(json).unwrap();
        assert_eq!(back, r);
        assert!(back.status.is_broken());
        assert_eq!(back.status.hops().len(), 1);
    }
}
