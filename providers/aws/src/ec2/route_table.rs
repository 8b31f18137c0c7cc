//! `aws_route_table`.
//!
//! Routes are not declared inline: each is an `aws_route` resource, so one route table never has
//! two owners for its routes (the same rule as security group rules).

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::types::ResourceType;
use tether_sdk::{AttrType, Attribute, Block, Diagnostic, ReadItem, ResourceSchema, Value};

use crate::common::{
    aws_error, creation_tags, filter, is_not_found, opt_str, owned_filter, read_tags, report_adopted, str_of, tag_spec,
    update_tags, wait_for, Ctx,
};
use crate::resource::{read_one, AwsResource};

pub struct RouteTable;

#[async_trait]
impl AwsResource for RouteTable {
    fn type_name(&self) -> &'static str {
        "aws_route_table"
    }

    fn schema(&self) -> ResourceSchema {
        ResourceSchema::new(
            "A VPC route table. Its routes are separate aws_route resources.",
            Block::new()
                .attr("id", Attribute::computed(AttrType::String))
                .attr("arn", Attribute::computed(AttrType::String))
                .attr("owner_id", Attribute::computed(AttrType::String))
                .attr("vpc_id", Attribute::required(AttrType::String).force_new())
                .attr("tags", Attribute::optional(AttrType::map_of(AttrType::String)))
                .attr("tags_all", Attribute::computed(AttrType::map_of(AttrType::String))),
        )
    }

    async fn read(&self, cx: &Ctx<'_>, items: &[ReadItem]) -> Result<BTreeMap<String, Value>, Diagnostic> {
        if items.is_empty() {
            return Ok(BTreeMap::new());
        }
        let prior: BTreeMap<&str, &Value> = items.iter().map(|i| (i.id.as_str(), &i.prior)).collect();
        let tables = describe(cx, vec![filter("route-table-id", items.iter().map(|i| i.id.clone()))]).await?;
        Ok(tables
            .iter()
            .map(|t| {
                let id = t.route_table_id().unwrap_or_default().to_string();
                let v = to_value(cx, t, prior.get(id.as_str()).copied());
                (id, v)
            })
            .collect())
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value, _token: &str) -> Result<Value, Diagnostic> {
        // A run that crashed after CreateRouteTable left a table tagged with this address: adopt it.
        let existing = describe(cx, owned_filter(cx.lineage, cx.address)).await?;
        let id = match existing.first().and_then(|t| t.route_table_id()) {
            Some(id) => {
                report_adopted(cx, id);
                id.to_string()
            }
            None => {
                let out = cx
                    .clients
                    .ec2
                    .create_route_table()
                    .vpc_id(str_of(planned, "vpc_id").unwrap_or_default())
                    .tag_specifications(tag_spec(ResourceType::RouteTable, creation_tags(cx, planned)))
                    .send()
                    .await
                    .map_err(|e| aws_error(cx.address, "CreateRouteTable", e))?;
                out.route_table().and_then(|t| t.route_table_id()).unwrap_or_default().to_string()
            }
        };
        // EC2 is eventually consistent: a new table can be missing from Describe for a moment.
        let table = wait_for(cx, &format!("route table {id} to be visible"), Duration::from_secs(300), || {
            read_one(self, cx, &id, planned)
        })
        .await?;
        Ok(table)
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        update_tags(cx, &id, prior, planned).await?;
        read_one(self, cx, &id, planned).await?.ok_or_else(|| {
            Diagnostic::error(format!("route table {id} disappeared while it was being changed"))
                .code("aws::InvalidRouteTableID.NotFound")
                .address(cx.address)
        })
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default();
        let ec2 = &cx.clients.ec2;
        // Like Terraform, subnets still associated are disassociated first (a table with
        // associations cannot be deleted); the main association is never removed.
        let tables = describe(cx, vec![filter("route-table-id", [id])]).await?;
        let Some(table) = tables.first() else { return Ok(()) };
        for a in table.associations() {
            if a.main() == Some(true) {
                continue;
            }
            let Some(assoc) = a.route_table_association_id() else { continue };
            match ec2.disassociate_route_table().association_id(assoc).send().await {
                Ok(_) => {}
                Err(e) if is_not_found(&e) => {}
                Err(e) => return Err(aws_error(cx.address, "DisassociateRouteTable", e)),
            }
        }
        match ec2.delete_route_table().route_table_id(id).send().await {
            Ok(_) => Ok(()),
            Err(e) if is_not_found(&e) => Ok(()),
            Err(e) => Err(aws_error(cx.address, "DeleteRouteTable", e)),
        }
    }
}

/// DescribeRouteTables with filters, all pages.
pub(crate) async fn describe(
    cx: &Ctx<'_>,
    filters: Vec<aws_sdk_ec2::types::Filter>,
) -> Result<Vec<aws_sdk_ec2::types::RouteTable>, Diagnostic> {
    let mut pages = cx.clients.ec2.describe_route_tables().set_filters(Some(filters)).into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(cx.address, "DescribeRouteTables", e))?;
        out.extend(page.route_tables().iter().cloned());
    }
    Ok(out)
}

fn to_value(cx: &Ctx<'_>, t: &aws_sdk_ec2::types::RouteTable, prior: Option<&Value>) -> Value {
    let (tags, tags_all) = read_tags(t.tags(), cx.default_tags, prior);
    let id = t.route_table_id().unwrap_or_default();
    let owner = t.owner_id().unwrap_or_default();
    let region = cx.clients.ec2.config().region().map(|r| r.to_string()).unwrap_or_default();
    Value::map([
        ("id", Value::from(id)),
        ("arn", Value::from(format!("arn:aws:ec2:{region}:{owner}:route-table/{id}"))),
        ("owner_id", Value::from(owner)),
        ("vpc_id", opt_str(t.vpc_id())),
        ("tags", tags),
        ("tags_all", tags_all),
    ])
}
