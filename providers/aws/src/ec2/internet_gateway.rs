//! `aws_internet_gateway`: a VPC's way to the internet (for public subnets and NAT gateways).
//!
//! Created with its ownership tags (CreateInternetGateway takes no token), so a re-run after a
//! crash adopts the gateway a crashed run made. `vpc_id` is applied in place: the gateway is
//! detached from the old VPC and attached to the new one. Deleting detaches first. A refresh
//! is one paginated DescribeInternetGateways filtered by the gateway IDs.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::types::ResourceType;
use tether_sdk::{AttrType, Attribute, Block, Diagnostic, ReadItem, ResourceSchema, Value};

use crate::common::{
    aws_error, creation_tags, ec2_owned_by_us, filter, is_not_found, opt_str, owned_filter, read_tags, report_adopted,
    str_of, tag_spec, update_tags, wait_for, Ctx,
};
use crate::ec2::transit_gateway::{region, tags_attrs};
use crate::resource::{read_one, AwsResource};

pub struct InternetGateway;

type Igw = aws_sdk_ec2::types::InternetGateway;

#[async_trait]
impl AwsResource for InternetGateway {
    fn type_name(&self) -> &'static str {
        "aws_internet_gateway"
    }

    fn schema(&self) -> ResourceSchema {
        ResourceSchema::new(
            "An internet gateway, attached to a VPC.",
            tags_attrs(
                Block::new()
                    .attr("id", Attribute::computed(AttrType::String))
                    .attr("arn", Attribute::computed(AttrType::String))
                    .attr("owner_id", Attribute::computed(AttrType::String))
                    .attr(
                        "vpc_id",
                        Attribute::optional(AttrType::String).describe("the VPC to attach to; changed in place"),
                    ),
            ),
        )
    }

    async fn read(&self, cx: &Ctx<'_>, items: &[ReadItem]) -> Result<BTreeMap<String, Value>, Diagnostic> {
        if items.is_empty() {
            return Ok(BTreeMap::new());
        }
        let prior: BTreeMap<&str, &Value> = items.iter().map(|i| (i.id.as_str(), &i.prior)).collect();
        let found = describe(cx, vec![filter("internet-gateway-id", items.iter().map(|i| i.id.clone()))]).await?;
        Ok(found
            .iter()
            .map(|g| {
                let id = g.internet_gateway_id().unwrap_or_default().to_string();
                let v = to_value(cx, g, prior.get(id.as_str()).copied());
                (id, v)
            })
            .collect())
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value, _token: &str) -> Result<Value, Diagnostic> {
        let existing = describe(cx, owned_filter(cx.lineage, cx.address)).await?;
        let found = existing.iter().find(|g| ec2_owned_by_us(cx, g.tags()));
        let (id, attached) = match found {
            Some(g) => {
                let id = g.internet_gateway_id().unwrap_or_default().to_string();
                report_adopted(cx, &id);
                (id, attached_vpc(g).map(str::to_string))
            }
            None => {
                let out = cx
                    .clients
                    .ec2
                    .create_internet_gateway()
                    .tag_specifications(tag_spec(ResourceType::InternetGateway, creation_tags(cx, planned)))
                    .send()
                    .await
                    .map_err(|e| aws_error(cx.address, "CreateInternetGateway", e))?;
                (out.internet_gateway().and_then(|g| g.internet_gateway_id()).unwrap_or_default().to_string(), None)
            }
        };
        move_to(cx, &id, attached.as_deref(), str_of(planned, "vpc_id")).await?;
        wait_visible(self, cx, &id, planned).await
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        move_to(cx, &id, str_of(prior, "vpc_id"), str_of(planned, "vpc_id")).await?;
        update_tags(cx, &id, prior, planned).await?;
        wait_visible(self, cx, &id, planned).await
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        let now = describe(cx, vec![filter("internet-gateway-id", [id.as_str()])]).await?;
        let Some(g) = now.first() else { return Ok(()) };
        move_to(cx, &id, attached_vpc(g), None).await?;
        // A NAT gateway's public address can keep the gateway "in use" for a short while after
        // the NAT gateway is deleted: retry DependencyViolation within the wait.
        wait_for(cx, &format!("internet gateway {id} to be deleted"), Duration::from_secs(600), || async {
            match cx.clients.ec2.delete_internet_gateway().internet_gateway_id(&id).send().await {
                Ok(_) => Ok(Some(())),
                Err(e) if is_not_found(&e) => Ok(Some(())),
                Err(e) => {
                    let d = aws_error(cx.address, "DeleteInternetGateway", e);
                    if d.code.as_deref() == Some("aws::DependencyViolation") {
                        Ok(None)
                    } else {
                        Err(d)
                    }
                }
            }
        })
        .await
    }
}

fn attached_vpc(g: &Igw) -> Option<&str> {
    g.attachments()
        .iter()
        .find(|a| !matches!(a.state().map(|s| s.as_str()), Some("detached" | "detaching")))
        .and_then(|a| a.vpc_id())
}

/// Detaches the gateway from `from` and attaches it to `to`, as needed.
async fn move_to(cx: &Ctx<'_>, id: &str, from: Option<&str>, to: Option<&str>) -> Result<(), Diagnostic> {
    if from == to {
        return Ok(());
    }
    let ec2 = &cx.clients.ec2;
    if let Some(old) = from {
        match ec2.detach_internet_gateway().internet_gateway_id(id).vpc_id(old).send().await {
            Ok(_) => {}
            Err(e) if is_not_found(&e) => {}
            Err(e) => {
                let d = aws_error(cx.address, "DetachInternetGateway", e);
                if d.code.as_deref() != Some("aws::Gateway.NotAttached") {
                    return Err(d);
                }
            }
        }
    }
    if let Some(new) = to {
        ec2.attach_internet_gateway()
            .internet_gateway_id(id)
            .vpc_id(new)
            .send()
            .await
            .map_err(|e| aws_error(cx.address, "AttachInternetGateway", e))?;
    }
    Ok(())
}

async fn wait_visible(r: &InternetGateway, cx: &Ctx<'_>, id: &str, planned: &Value) -> Result<Value, Diagnostic> {
    wait_for(cx, &format!("internet gateway {id}"), Duration::from_secs(300), || async {
        let v = read_one(r, cx, id, planned).await?;
        Ok(v.filter(|v| str_of(v, "vpc_id") == str_of(planned, "vpc_id")))
    })
    .await
}

/// DescribeInternetGateways with filters, all pages.
async fn describe(cx: &Ctx<'_>, filters: Vec<aws_sdk_ec2::types::Filter>) -> Result<Vec<Igw>, Diagnostic> {
    let mut pages = cx.clients.ec2.describe_internet_gateways().set_filters(Some(filters)).into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(cx.address, "DescribeInternetGateways", e))?;
        out.extend(page.internet_gateways().iter().cloned());
    }
    Ok(out)
}

fn to_value(cx: &Ctx<'_>, g: &Igw, prior: Option<&Value>) -> Value {
    let (tags, tags_all) = read_tags(g.tags(), cx.default_tags, prior);
    let id = g.internet_gateway_id().unwrap_or_default();
    let owner = g.owner_id().unwrap_or_default();
    Value::map([
        ("id", Value::from(id)),
        ("arn", Value::from(format!("arn:aws:ec2:{}:{owner}:internet-gateway/{id}", region(cx)))),
        ("owner_id", Value::from(owner)),
        ("vpc_id", opt_str(attached_vpc(g))),
        ("tags", tags),
        ("tags_all", tags_all),
    ])
}
