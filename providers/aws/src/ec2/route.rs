//! `aws_route`: one route of a route table.
//!
//! Routes have no AWS ID and cannot be tagged. Like Terraform, the ID is
//! `r-<route table ID><CRC-32 of the destination>` (`r-rtb-4fbb3ac41080289494` for 0.0.0.0/0);
//! import takes `<route table ID>_<destination>`. A refresh reads every route with one
//! DescribeRouteTables call filtered by the tables involved.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::error::ProvideErrorMetadata;
use tether_sdk::{AttrPath, AttrType, Attribute, Block, Diagnostic, ReadItem, ResourceSchema, Value};

use crate::common::{
    aws_error, canonical_cidr, check_ipv4_cidr, filter, is_not_found, opt_str, report_adopted, str_of, wait_for, Ctx,
};
use crate::ec2::route_table::describe;
use crate::resource::{read_one, AwsResource};

pub struct Route;

/// The targets a route may have, exactly one per route (Terraform's names).
const TARGETS: [&str; 5] =
    ["transit_gateway_id", "gateway_id", "nat_gateway_id", "vpc_peering_connection_id", "network_interface_id"];

#[async_trait]
impl AwsResource for Route {
    fn type_name(&self) -> &'static str {
        "aws_route"
    }

    fn schema(&self) -> ResourceSchema {
        let mut b = Block::new()
            .attr("id", Attribute::computed(AttrType::String))
            .attr("route_table_id", Attribute::required(AttrType::String).force_new())
            .attr(
                "destination_cidr_block",
                Attribute::required(AttrType::String).force_new().describe("the IPv4 destination, like 192.168.0.0/16"),
            )
            .attr("instance_id", Attribute::computed(AttrType::String))
            .attr("instance_owner_id", Attribute::computed(AttrType::String))
            .attr("origin", Attribute::computed(AttrType::String))
            .attr("state", Attribute::computed(AttrType::String));
        for t in TARGETS {
            // A new target is applied in place with ReplaceRoute.
            b = b.attr(t, Attribute::optional(AttrType::String).describe("a target; set exactly one"));
        }
        ResourceSchema::new("A route in a VPC route table, to one target.", b)
    }

    fn canonicalize(&self, path: &AttrPath, v: Value) -> Value {
        if path == &AttrPath::attr("destination_cidr_block") {
            canonical_cidr(v)
        } else {
            v
        }
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        out.extend(check_ipv4_cidr(
            config,
            "destination_cidr_block",
            0..=32,
            "a route's destination",
            "192.168.0.0/16 (0.0.0.0/0 for a default route)",
        ));
        // Unknown values (IDs of objects not created yet) count as set.
        let set: Vec<&str> = TARGETS.iter().copied().filter(|t| config.get(t).is_some_and(|v| !v.is_null())).collect();
        if set.len() != 1 {
            let what = if set.is_empty() { "no target".to_string() } else { format!("{} targets", set.len()) };
            out.push(
                Diagnostic::error(format!("an aws_route needs exactly one target, but has {what}"))
                    .code("aws::route-target")
                    .help(format!("set exactly one of {}", TARGETS.join(", "))),
            );
        }
        out
    }

    async fn read(&self, cx: &Ctx<'_>, items: &[ReadItem]) -> Result<BTreeMap<String, Value>, Diagnostic> {
        if items.is_empty() {
            return Ok(BTreeMap::new());
        }
        let wanted: Vec<(&str, Wanted)> = items.iter().map(|i| (i.id.as_str(), wanted(&i.id, &i.prior))).collect();
        let tables: BTreeSet<String> = wanted.iter().flat_map(|(_, w)| w.tables.iter().cloned()).collect();
        if tables.is_empty() {
            return Ok(BTreeMap::new());
        }
        let found = describe(cx, vec![filter("route-table-id", tables)]).await?;
        let mut out = BTreeMap::new();
        for (item_id, w) in wanted {
            let hit = found.iter().find_map(|t| {
                let table_id = t.route_table_id()?;
                if !w.tables.iter().any(|c| c == table_id) {
                    return None;
                }
                t.routes()
                    .iter()
                    .find(|r| {
                        let Some(dest) = r.destination_cidr_block() else { return false };
                        let ours = r.origin().map(|o| o.as_str()) != Some("CreateRouteTable");
                        let dest_matches = match &w.destination {
                            Some(d) => canonical_cidr(Value::from(dest)) == Value::from(d.as_str()),
                            None => route_id(table_id, dest) == item_id,
                        };
                        ours && dest_matches
                    })
                    .map(|r| (table_id, r))
            });
            if let Some((table_id, r)) = hit {
                out.insert(item_id.to_string(), to_value(table_id, r));
            }
        }
        Ok(out)
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value, _token: &str) -> Result<Value, Diagnostic> {
        let table = str_of(planned, "route_table_id").unwrap_or_default().to_string();
        let dest = str_of(planned, "destination_cidr_block").unwrap_or_default().to_string();
        let id = route_id(&table, &dest);
        let target = Target::of(planned);
        let sent = cx
            .clients
            .ec2
            .create_route()
            .route_table_id(&table)
            .destination_cidr_block(&dest)
            .set_transit_gateway_id(target.get("transit_gateway_id"))
            .set_gateway_id(target.get("gateway_id"))
            .set_nat_gateway_id(target.get("nat_gateway_id"))
            .set_vpc_peering_connection_id(target.get("vpc_peering_connection_id"))
            .set_network_interface_id(target.get("network_interface_id"))
            .send()
            .await;
        match sent {
            Ok(_) => {}
            // Routes cannot be tagged: a route to the same target is what a crashed run created.
            Err(e) if e.code() == Some("RouteAlreadyExists") => {
                let existing = read_one(self, cx, &id, planned).await?;
                if existing.as_ref().map(Target::of) != Some(target.clone()) {
                    return Err(aws_error(cx.address, "CreateRoute", e).help(format!(
                        "the table already has a route for {dest} to another target: remove it, or import it with \
                         `tether import {} {table}_{dest}`",
                        cx.address
                    )));
                }
                report_adopted(cx, &format!("the existing route for {dest}"));
            }
            Err(e) => return Err(aws_error(cx.address, "CreateRoute", e)),
        }
        // EC2 is eventually consistent: a new route can be missing from Describe for a moment.
        wait_for(cx, &format!("the route for {dest} in {table} to be visible"), Duration::from_secs(300), || {
            read_one(self, cx, &id, planned)
        })
        .await
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        let target = Target::of(planned);
        if Target::of(prior) != target {
            cx.clients
                .ec2
                .replace_route()
                .route_table_id(str_of(prior, "route_table_id").unwrap_or_default())
                .destination_cidr_block(str_of(prior, "destination_cidr_block").unwrap_or_default())
                .set_transit_gateway_id(target.get("transit_gateway_id"))
                .set_gateway_id(target.get("gateway_id"))
                .set_nat_gateway_id(target.get("nat_gateway_id"))
                .set_vpc_peering_connection_id(target.get("vpc_peering_connection_id"))
                .set_network_interface_id(target.get("network_interface_id"))
                .send()
                .await
                .map_err(|e| aws_error(cx.address, "ReplaceRoute", e))?;
        }
        read_one(self, cx, &id, planned).await?.ok_or_else(|| {
            Diagnostic::error(format!("route {id} disappeared while it was being changed"))
                .code("aws::InvalidRoute.NotFound")
                .address(cx.address)
        })
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Diagnostic> {
        let sent = cx
            .clients
            .ec2
            .delete_route()
            .route_table_id(str_of(prior, "route_table_id").unwrap_or_default())
            .destination_cidr_block(str_of(prior, "destination_cidr_block").unwrap_or_default())
            .send()
            .await;
        match sent {
            Ok(_) => Ok(()),
            // InvalidRoute.NotFound, or the whole table (InvalidRouteTableID.NotFound) is gone.
            Err(e) if is_not_found(&e) => Ok(()),
            Err(e) => Err(aws_error(cx.address, "DeleteRoute", e)),
        }
    }
}

/// Terraform's route ID: `r-` + table ID + CRC-32 (IEEE) of the destination, in decimal.
pub fn route_id(table: &str, destination: &str) -> String {
    format!("r-{table}{}", crc32(destination.as_bytes()))
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// Where to look for one item: candidate tables, and the destination when known.
struct Wanted {
    tables: Vec<String>,
    destination: Option<String>,
}

/// From the prior state when there is one; else from an import ID (`rtb-..._10.0.0.0/16`); else
/// from a route ID, whose table ID is `rtb-` and 8 or 17 hex digits followed by the hash.
fn wanted(id: &str, prior: &Value) -> Wanted {
    if let (Some(t), Some(d)) = (str_of(prior, "route_table_id"), str_of(prior, "destination_cidr_block")) {
        return Wanted { tables: vec![t.to_string()], destination: Some(d.to_string()) };
    }
    if let Some((t, d)) = id.split_once('_') {
        let d = canonical_cidr(Value::from(d)).as_str().unwrap_or(d).to_string();
        return Wanted { tables: vec![t.to_string()], destination: Some(d) };
    }
    let tables = match id.strip_prefix("r-rtb-") {
        Some(rest) => [17, 8]
            .into_iter()
            .filter(|n| rest.len() > *n && rest.is_char_boundary(*n))
            .map(|n| format!("rtb-{}", &rest[..n]))
            .collect(),
        None => Vec::new(),
    };
    Wanted { tables, destination: None }
}

/// A route's target: the set target attribute and its value.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Target(BTreeMap<&'static str, String>);

impl Target {
    fn of(v: &Value) -> Target {
        Target(TARGETS.iter().filter_map(|t| str_of(v, t).map(|s| (*t, s.to_string()))).collect())
    }

    fn get(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned()
    }
}

fn to_value(table: &str, r: &aws_sdk_ec2::types::Route) -> Value {
    let dest = r.destination_cidr_block().unwrap_or_default();
    Value::map([
        ("id", Value::from(route_id(table, dest))),
        ("route_table_id", Value::from(table)),
        ("destination_cidr_block", Value::from(dest)),
        ("transit_gateway_id", opt_str(r.transit_gateway_id())),
        ("gateway_id", opt_str(r.gateway_id())),
        ("nat_gateway_id", opt_str(r.nat_gateway_id())),
        ("vpc_peering_connection_id", opt_str(r.vpc_peering_connection_id())),
        // A route to an instance also names the instance's interface; only a route to an
        // interface has it as its target.
        (
            "network_interface_id",
            if r.instance_id().is_some() { Value::Null } else { opt_str(r.network_interface_id()) },
        ),
        ("instance_id", opt_str(r.instance_id())),
        ("instance_owner_id", opt_str(r.instance_owner_id())),
        ("origin", opt_str(r.origin().map(|o| o.as_str()))),
        ("state", opt_str(r.state().map(|s| s.as_str()))),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_terraform() {
        assert_eq!(route_id("rtb-4fbb3ac4", "0.0.0.0/0"), "r-rtb-4fbb3ac41080289494");
        let w = wanted("r-rtb-4fbb3ac41080289494", &Value::Null);
        assert!(w.tables.contains(&"rtb-4fbb3ac4".to_string()));
        let w = wanted("rtb-4fbb3ac4_10.0.1.5/16", &Value::Null);
        assert_eq!((w.tables, w.destination.as_deref()), (vec!["rtb-4fbb3ac4".to_string()], Some("10.0.0.0/16")));
    }
}
