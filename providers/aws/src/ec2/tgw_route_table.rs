//! `aws_ec2_transit_gateway_route_table`.
//!
//! CreateTransitGatewayRouteTable takes no client token: the ownership tags set at creation are
//! how a re-run finds (and adopts) a table a crashed run created.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::types::ResourceType;
use tether_sdk::{AttrType, Attribute, Block, Diagnostic, ReadItem, ResourceSchema, Value};

use crate::common::{
    aws_error, creation_tags, ec2_owned_by_us, filter, is_not_found, opt_bool, opt_str, owned_filter, read_tags,
    report_adopted, str_of, tag_spec, update_tags, wait_for, Ctx,
};
use crate::ec2::transit_gateway::{region, tags_attrs, vanished};
use crate::resource::{read_one, AwsResource};

pub struct TgwRouteTable;

type Table = aws_sdk_ec2::types::TransitGatewayRouteTable;

#[async_trait]
impl AwsResource for TgwRouteTable {
    fn type_name(&self) -> &'static str {
        "aws_ec2_transit_gateway_route_table"
    }

    fn schema(&self) -> ResourceSchema {
        ResourceSchema::new(
            "A transit gateway route table.",
            tags_attrs(
                Block::new()
                    .attr("id", Attribute::computed(AttrType::String))
                    .attr("arn", Attribute::computed(AttrType::String))
                    .attr("transit_gateway_id", Attribute::required(AttrType::String).force_new())
                    .attr("default_association_route_table", Attribute::computed(AttrType::Bool))
                    .attr("default_propagation_route_table", Attribute::computed(AttrType::Bool)),
            ),
        )
    }

    async fn read(&self, cx: &Ctx<'_>, items: &[ReadItem]) -> Result<BTreeMap<String, Value>, Diagnostic> {
        if items.is_empty() {
            return Ok(BTreeMap::new());
        }
        let prior: BTreeMap<&str, &Value> = items.iter().map(|i| (i.id.as_str(), &i.prior)).collect();
        // One paginated DescribeTransitGatewayRouteTables for every table.
        let ids = items.iter().map(|i| i.id.clone());
        let found: Vec<Table> = describe(cx, vec![filter("transit-gateway-route-table-id", ids)])
            .await?
            .into_iter()
            .filter(|t| !gone(t))
            .collect();
        // The ARN needs the owning account, which only the gateway reports: one batched
        // DescribeTransitGateways for the gateways involved.
        let tgws: BTreeSet<&str> = found.iter().filter_map(|t| t.transit_gateway_id()).collect();
        let owners: BTreeMap<String, String> = if tgws.is_empty() {
            BTreeMap::new()
        } else {
            crate::ec2::transit_gateway::describe(cx, vec![filter("transit-gateway-id", tgws)])
                .await?
                .iter()
                .filter_map(|g| Some((g.transit_gateway_id()?.to_string(), g.owner_id()?.to_string())))
                .collect()
        };
        Ok(found
            .iter()
            .map(|t| {
                let id = t.transit_gateway_route_table_id().unwrap_or_default().to_string();
                let owner = t.transit_gateway_id().and_then(|g| owners.get(g));
                let v = to_value(cx, t, prior.get(id.as_str()).copied(), owner);
                (id, v)
            })
            .collect())
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value, _token: &str) -> Result<Value, Diagnostic> {
        let existing = describe(cx, owned_filter(cx.lineage, cx.address)).await?;
        let id = match existing
            .iter()
            .find(|t| !gone(t) && ec2_owned_by_us(cx, t.tags()))
            .and_then(|t| t.transit_gateway_route_table_id())
        {
            Some(id) => {
                report_adopted(cx, id);
                id.to_string()
            }
            None => {
                let out = cx
                    .clients
                    .ec2
                    .create_transit_gateway_route_table()
                    .transit_gateway_id(str_of(planned, "transit_gateway_id").unwrap_or_default())
                    .tag_specifications(tag_spec(ResourceType::TransitGatewayRouteTable, creation_tags(cx, planned)))
                    .send()
                    .await
                    .map_err(|e| aws_error(cx.address, "CreateTransitGatewayRouteTable", e))?;
                out.transit_gateway_route_table()
                    .and_then(|t| t.transit_gateway_route_table_id())
                    .unwrap_or_default()
                    .to_string()
            }
        };
        wait_for(
            cx,
            &format!("transit gateway route table {id} to become available"),
            Duration::from_secs(600),
            || async {
                let found = describe(cx, vec![filter("transit-gateway-route-table-id", [id.as_str()])]).await?;
                match found.first().and_then(|t| t.state()).map(|s| s.as_str()) {
                    Some("available") => Ok(Some(())),
                    Some("deleting" | "deleted") | None => Err(not_found(cx, &id)),
                    Some(_) => Ok(None),
                }
            },
        )
        .await?;
        read_one(self, cx, &id, planned).await?.ok_or_else(|| not_found(cx, &id))
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
        // Only the tags can change in place (transit_gateway_id is force_new).
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        update_tags(cx, &id, prior, planned).await?;
        read_one(self, cx, &id, planned).await?.ok_or_else(|| not_found(cx, &id))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        match cx.clients.ec2.delete_transit_gateway_route_table().transit_gateway_route_table_id(&id).send().await {
            Ok(_) => {}
            Err(e) if is_not_found(&e) => return Ok(()),
            Err(e) => return Err(aws_error(cx.address, "DeleteTransitGatewayRouteTable", e)),
        }
        wait_for(cx, &format!("transit gateway route table {id} to be deleted"), Duration::from_secs(600), || async {
            let found = describe(cx, vec![filter("transit-gateway-route-table-id", [id.as_str()])]).await?;
            Ok(found.iter().all(gone).then_some(()))
        })
        .await
    }
}

fn not_found(cx: &Ctx<'_>, id: &str) -> Diagnostic {
    vanished(cx, "transit gateway route table", id, "InvalidRouteTableID.NotFound")
}

/// AWS (and the emulator) keep listing a deleted table for a while.
fn gone(t: &Table) -> bool {
    t.state().map(|s| s.as_str()) == Some("deleted")
}

/// DescribeTransitGatewayRouteTables with filters, all pages.
pub(crate) async fn describe(cx: &Ctx<'_>, filters: Vec<aws_sdk_ec2::types::Filter>) -> Result<Vec<Table>, Diagnostic> {
    let mut pages =
        cx.clients.ec2.describe_transit_gateway_route_tables().set_filters(Some(filters)).into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(cx.address, "DescribeTransitGatewayRouteTables", e))?;
        out.extend(page.transit_gateway_route_tables().iter().cloned());
    }
    Ok(out)
}

fn to_value(cx: &Ctx<'_>, t: &Table, prior: Option<&Value>, owner: Option<&String>) -> Value {
    let (tags, tags_all) = read_tags(t.tags(), cx.default_tags, prior);
    let id = t.transit_gateway_route_table_id().unwrap_or_default();
    let arn = owner.map(|o| Value::from(format!("arn:aws:ec2:{}:{o}:transit-gateway-route-table/{id}", region(cx))));
    Value::map([
        ("id", Value::from(id)),
        ("arn", arn.unwrap_or(Value::Null)),
        ("transit_gateway_id", opt_str(t.transit_gateway_id())),
        ("default_association_route_table", opt_bool(t.default_association_route_table())),
        ("default_propagation_route_table", opt_bool(t.default_propagation_route_table())),
        ("tags", tags),
        ("tags_all", tags_all),
    ])
}
