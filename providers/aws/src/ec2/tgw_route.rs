//! `aws_ec2_transit_gateway_route`: a static route in a transit gateway route table.
//!
//! The ID is `<tgw-rtb-id>_<destination CIDR>`, as in Terraform. Routes carry no tags; the ID is
//! deterministic, so a re-run after a crash finds the route it created by reading it.
//!
//! Reads are batched per route table, not per route: SearchTransitGatewayRoutes takes exactly
//! one route table, so a refresh makes one (paginated) call per distinct route table among the
//! routes read, whatever the number of routes in it.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::error::ProvideErrorMetadata;
use tether_sdk::{AttrPath, AttrType, Attribute, Block, Diagnostic, ReadItem, ResourceSchema, Value};

use crate::common::{aws_error, bool_of, canonical_cidr, filter, is_not_found, report_adopted, str_of, wait_for, Ctx};
use crate::resource::{read_one, AwsResource};

pub struct TgwRoute;

type Route = aws_sdk_ec2::types::TransitGatewayRoute;

#[async_trait]
impl AwsResource for TgwRoute {
    fn type_name(&self) -> &'static str {
        "aws_ec2_transit_gateway_route"
    }

    fn schema(&self) -> ResourceSchema {
        ResourceSchema::new(
            "A static route in a transit gateway route table.",
            Block::new()
                .attr("id", Attribute::computed(AttrType::String))
                .attr("destination_cidr_block", Attribute::required(AttrType::String).force_new())
                .attr("transit_gateway_route_table_id", Attribute::required(AttrType::String).force_new())
                .attr(
                    "transit_gateway_attachment_id",
                    Attribute::optional(AttrType::String).describe("where matching traffic goes"),
                )
                .attr(
                    "blackhole",
                    Attribute::optional(AttrType::Bool).describe("drop matching traffic (false when unset)"),
                ),
        )
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
        if let Some(c) = str_of(config, "destination_cidr_block") {
            if c.parse::<ipnet::IpNet>().is_err() {
                out.push(
                    Diagnostic::error(format!("{c:?} is not a CIDR block"))
                        .code("aws::invalid-cidr")
                        .attribute(AttrPath::attr("destination_cidr_block"))
                        .help("write it like 192.168.0.0/16"),
                );
            }
        }
        let attachment = config.get("transit_gateway_attachment_id").is_some_and(|v| !v.is_null());
        let blackhole = config.get("blackhole").and_then(Value::as_bool) == Some(true);
        let blackhole_known = config.get("blackhole").is_none_or(|v| v.is_null() || v.as_bool().is_some());
        if attachment && blackhole {
            out.push(
                Diagnostic::error("a transit gateway route either goes to an attachment or is a blackhole, not both")
                    .code("aws::tgw-route-target")
                    .attribute(AttrPath::attr("blackhole"))
                    .help("remove transit_gateway_attachment_id, or set blackhole = false"),
            );
        } else if !attachment && !blackhole && blackhole_known {
            out.push(
                Diagnostic::error("a transit gateway route needs a target")
                    .code("aws::tgw-route-target")
                    .attribute(AttrPath::attr("transit_gateway_attachment_id"))
                    .help("set transit_gateway_attachment_id, or blackhole = true to drop the traffic"),
            );
        }
        out
    }

    async fn read(&self, cx: &Ctx<'_>, items: &[ReadItem]) -> Result<BTreeMap<String, Value>, Diagnostic> {
        Ok(read_routes(cx, items).await?.into_iter().map(|(id, (v, _))| (id, v)).collect())
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value, _token: &str) -> Result<Value, Diagnostic> {
        let table = str_of(planned, "transit_gateway_route_table_id").unwrap_or_default();
        let cidr = str_of(planned, "destination_cidr_block").unwrap_or_default();
        let id = format!("{table}_{cidr}");
        // No token and no tags: a run that crashed after the create left the route in place.
        // Adopt it when it already goes where the stack says; never take over a different one.
        match read_one(self, cx, &id, planned).await? {
            Some(found) if same_target(&found, planned) => {
                report_adopted(cx, &format!("route {id}"));
            }
            Some(_) => {
                return Err(Diagnostic::error(format!("route table {table} already has a route for {cidr}"))
                    .code("aws::RouteAlreadyExists")
                    .address(cx.address)
                    .help("import it (`tether import`) or remove it before applying"))
            }
            None => {
                let blackhole = bool_of(planned, "blackhole") == Some(true);
                cx.clients
                    .ec2
                    .create_transit_gateway_route()
                    .transit_gateway_route_table_id(table)
                    .destination_cidr_block(cidr)
                    .set_transit_gateway_attachment_id(
                        str_of(planned, "transit_gateway_attachment_id").filter(|_| !blackhole).map(Into::into),
                    )
                    .set_blackhole(blackhole.then_some(true))
                    .send()
                    .await
                    .map_err(|e| aws_error(cx.address, "CreateTransitGatewayRoute", e))?;
            }
        }
        wait_settled(cx, &id, planned).await
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        if !same_target(prior, planned) {
            // Changes the target in one step, with no window without a route.
            let blackhole = bool_of(planned, "blackhole") == Some(true);
            cx.clients
                .ec2
                .replace_transit_gateway_route()
                .transit_gateway_route_table_id(str_of(prior, "transit_gateway_route_table_id").unwrap_or_default())
                .destination_cidr_block(str_of(prior, "destination_cidr_block").unwrap_or_default())
                .set_transit_gateway_attachment_id(
                    str_of(planned, "transit_gateway_attachment_id").filter(|_| !blackhole).map(Into::into),
                )
                .set_blackhole(blackhole.then_some(true))
                .send()
                .await
                .map_err(|e| aws_error(cx.address, "ReplaceTransitGatewayRoute", e))?;
        }
        wait_settled(cx, &id, planned).await
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        let table = str_of(prior, "transit_gateway_route_table_id").unwrap_or_default();
        let cidr = str_of(prior, "destination_cidr_block").unwrap_or_default();
        match cx
            .clients
            .ec2
            .delete_transit_gateway_route()
            .transit_gateway_route_table_id(table)
            .destination_cidr_block(cidr)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if is_not_found(&e) => return Ok(()),
            Err(e) => return Err(aws_error(cx.address, "DeleteTransitGatewayRoute", e)),
        }
        wait_for(cx, &format!("route {id} to be deleted"), Duration::from_secs(300), || async {
            Ok(read_one(self, cx, &id, prior).await?.is_none().then_some(()))
        })
        .await
    }
}

/// Whether two values send traffic to the same place.
fn same_target(a: &Value, b: &Value) -> bool {
    let blackhole = |v: &Value| bool_of(v, "blackhole") == Some(true);
    if blackhole(a) || blackhole(b) {
        return blackhole(a) == blackhole(b);
    }
    str_of(a, "transit_gateway_attachment_id") == str_of(b, "transit_gateway_attachment_id")
}

/// Waits for the route to leave `pending` and returns its value.
async fn wait_settled(cx: &Ctx<'_>, id: &str, planned: &Value) -> Result<Value, Diagnostic> {
    let item = ReadItem { address: cx.address.to_string(), id: id.to_string(), prior: planned.clone() };
    wait_for(cx, &format!("route {id} to become active"), Duration::from_secs(300), || async {
        let (v, state) = read_routes(cx, std::slice::from_ref(&item)).await?.remove(id).ok_or_else(|| {
            Diagnostic::error(format!("route {id} disappeared right after it was created or changed"))
                .code("aws::InvalidRoute.NotFound")
                .address(cx.address)
        })?;
        Ok((state.as_deref() != Some("pending")).then_some(v))
    })
    .await
}

/// Reads routes grouped by route table: one SearchTransitGatewayRoutes per distinct table, not
/// one per route. Returns each route's value and state.
async fn read_routes(
    cx: &Ctx<'_>,
    items: &[ReadItem],
) -> Result<BTreeMap<String, (Value, Option<String>)>, Diagnostic> {
    let mut by_table: BTreeMap<&str, Vec<&ReadItem>> = BTreeMap::new();
    for i in items {
        if let Some((table, _)) = i.id.split_once('_') {
            by_table.entry(table).or_default().push(i);
        }
    }
    let searches = by_table.keys().map(|t| search(cx, t));
    let results = futures_util::future::join_all(searches).await;
    let mut out = BTreeMap::new();
    for ((table, wanted), routes) in by_table.iter().zip(results) {
        let routes = routes?;
        for item in wanted {
            let cidr = &item.id[table.len() + 1..];
            let found = routes.iter().find(|r| {
                r.destination_cidr_block().map(|c| canonical_cidr(Value::from(c))) == Some(Value::from(cidr))
            });
            if let Some(r) = found.filter(|r| !gone(r)) {
                let state = r.state().map(|s| s.as_str().to_string());
                out.insert(item.id.clone(), (to_value(table, cidr, r, &item.prior), state));
            }
        }
    }
    Ok(out)
}

fn gone(r: &Route) -> bool {
    matches!(r.state().map(|s| s.as_str()), Some("deleted" | "deleting"))
}

/// SearchTransitGatewayRoutes for one table's static routes (the API requires a filter), all
/// pages. A table that no longer exists has no routes.
async fn search(cx: &Ctx<'_>, table: &str) -> Result<Vec<Route>, Diagnostic> {
    let mut pages = cx
        .clients
        .ec2
        .search_transit_gateway_routes()
        .transit_gateway_route_table_id(table)
        .filters(filter("type", ["static"]))
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => out.extend(page.routes().iter().cloned()),
            Err(e) if is_not_found(&e) || e.code() == Some("InvalidRouteTableID.NotFound") => return Ok(Vec::new()),
            Err(e) => return Err(aws_error(cx.address, "SearchTransitGatewayRoutes", e)),
        }
    }
    Ok(out)
}

fn to_value(table: &str, cidr: &str, r: &Route, prior: &Value) -> Value {
    let state = r.state().map(|s| s.as_str());
    let blackhole = state == Some("blackhole");
    let listed = r.transit_gateway_attachments().iter().find_map(|a| a.transit_gateway_attachment_id());
    // An active static route always has its attachment in AWS; the emulator leaves the list
    // empty. When the API does not say, keep what we knew rather than report a false change.
    let attachment = match listed {
        Some(a) => Value::from(a),
        None if !blackhole => prior.get("transit_gateway_attachment_id").cloned().unwrap_or(Value::Null),
        None => Value::Null,
    };
    // Terraform's default is false: an unset `blackhole` reads back unset, so it stays quiet.
    let blackhole = match (blackhole, prior.get("blackhole")) {
        (false, None | Some(Value::Null)) => Value::Null,
        (b, _) => Value::Bool(b),
    };
    Value::map([
        ("id", Value::from(format!("{table}_{cidr}"))),
        ("destination_cidr_block", Value::from(cidr)),
        ("transit_gateway_route_table_id", Value::from(table)),
        ("transit_gateway_attachment_id", attachment),
        ("blackhole", blackhole),
    ])
}
