//! `aws_vpc` and `data "aws_vpc"`.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType, VpcAttributeName};
use tether_sdk::{AttrPath, AttrType, Attribute, Block, Diagnostic, ReadItem, ResourceSchema, Value};

use crate::common::{
    aws_error, bool_of, canonical_cidr, creation_tags, filter, is_not_found, opt_str, owned_filter, read_tags,
    report_adopted, str_of, tag_spec, update_tags, wait_for, Ctx,
};
use crate::resource::{read_one, AwsDataSource, AwsResource};

pub struct Vpc;

fn tags_attrs(b: Block) -> Block {
    b.attr("tags", Attribute::optional(AttrType::map_of(AttrType::String)))
        .attr("tags_all", Attribute::computed(AttrType::map_of(AttrType::String)))
}

#[async_trait]
impl AwsResource for Vpc {
    fn type_name(&self) -> &'static str {
        "aws_vpc"
    }

    fn schema(&self) -> ResourceSchema {
        ResourceSchema::new(
            "A VPC.",
            tags_attrs(
                Block::new()
                    .attr("id", Attribute::computed(AttrType::String))
                    .attr("arn", Attribute::computed(AttrType::String))
                    .attr("cidr_block", Attribute::required(AttrType::String).force_new())
                    .attr("instance_tenancy", Attribute::optional_computed(AttrType::String).force_new())
                    .attr("enable_dns_support", Attribute::optional_computed(AttrType::Bool))
                    .attr("enable_dns_hostnames", Attribute::optional_computed(AttrType::Bool))
                    .attr("main_route_table_id", Attribute::computed(AttrType::String))
                    .attr("default_route_table_id", Attribute::computed(AttrType::String))
                    .attr("default_security_group_id", Attribute::computed(AttrType::String))
                    .attr("default_network_acl_id", Attribute::computed(AttrType::String))
                    .attr("owner_id", Attribute::computed(AttrType::String)),
            ),
        )
    }

    fn canonicalize(&self, path: &AttrPath, v: Value) -> Value {
        if path == &AttrPath::attr("cidr_block") {
            canonical_cidr(v)
        } else {
            v
        }
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        out.extend(crate::common::check_ipv4_cidr(config, "cidr_block", 16..=28, "a VPC's CIDR block", "10.0.0.0/16"));
        out
    }

    async fn read(&self, cx: &Ctx<'_>, items: &[ReadItem]) -> Result<BTreeMap<String, Value>, Diagnostic> {
        if items.is_empty() {
            return Ok(BTreeMap::new());
        }
        let prior: BTreeMap<&str, &Value> = items.iter().map(|i| (i.id.as_str(), &i.prior)).collect();
        // Filtering by vpc-id (rather than passing VpcIds) makes missing IDs simply absent
        // instead of failing the whole call.
        let vpcs = describe(cx, vec![filter("vpc-id", items.iter().map(|i| i.id.clone()))]).await?;
        let mut out = BTreeMap::new();
        // The DNS settings are per-VPC attributes with no batched API; VPCs are few per stack.
        let reads = vpcs.iter().map(|v| async move {
            let id = v.vpc_id().unwrap_or_default();
            let support = dns_attribute(cx, id, VpcAttributeName::EnableDnsSupport).await?;
            let hostnames = dns_attribute(cx, id, VpcAttributeName::EnableDnsHostnames).await?;
            Ok::<_, Diagnostic>((support, hostnames))
        });
        let dns = futures_util::future::join_all(reads).await;
        let main_tables = main_route_tables(cx, &vpcs).await?;
        for (v, dns) in vpcs.iter().zip(dns) {
            let (support, hostnames) = dns?;
            let id = v.vpc_id().unwrap_or_default().to_string();
            let value = to_value(cx, v, prior.get(id.as_str()).copied(), support, hostnames, main_tables.get(&id));
            out.insert(id, value);
        }
        Ok(out)
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value, _token: &str) -> Result<Value, Diagnostic> {
        let ec2 = &cx.clients.ec2;
        // A run that crashed after CreateVpc left a VPC tagged with this address: adopt it.
        let existing = describe(cx, owned_filter(cx.lineage, cx.address)).await?;
        let id = match existing.first().and_then(|v| v.vpc_id()) {
            Some(id) => {
                report_adopted(cx, id);
                id.to_string()
            }
            None => {
                let out = ec2
                    .create_vpc()
                    .cidr_block(str_of(planned, "cidr_block").unwrap_or_default())
                    .set_instance_tenancy(str_of(planned, "instance_tenancy").map(Into::into))
                    .tag_specifications(tag_spec(ResourceType::Vpc, creation_tags(cx, planned)))
                    .send()
                    .await
                    .map_err(|e| aws_error(cx.address, "CreateVpc", e))?;
                out.vpc().and_then(|v| v.vpc_id()).unwrap_or_default().to_string()
            }
        };
        wait_available(cx, &id).await?;
        set_dns(cx, &id, &Value::Null, planned).await?;
        read_one(self, cx, &id, planned).await?.ok_or_else(|| vanished(cx, &id))
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        set_dns(cx, &id, prior, planned).await?;
        update_tags(cx, &id, prior, planned).await?;
        read_one(self, cx, &id, planned).await?.ok_or_else(|| vanished(cx, &id))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default();
        match cx.clients.ec2.delete_vpc().vpc_id(id).send().await {
            Ok(_) => Ok(()),
            Err(e) if is_not_found(&e) => Ok(()),
            Err(e) => Err(aws_error(cx.address, "DeleteVpc", e)),
        }
    }
}

fn vanished(cx: &Ctx<'_>, id: &str) -> Diagnostic {
    crate::common::vanished(cx, "VPC", id, "InvalidVpcID.NotFound")
}

/// DescribeVpcs with filters, all pages.
async fn describe(
    cx: &Ctx<'_>,
    filters: Vec<aws_sdk_ec2::types::Filter>,
) -> Result<Vec<aws_sdk_ec2::types::Vpc>, Diagnostic> {
    let mut pages = cx.clients.ec2.describe_vpcs().set_filters(Some(filters)).into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(cx.address, "DescribeVpcs", e))?;
        out.extend(page.vpcs().iter().cloned());
    }
    Ok(out)
}

/// The main route table of each VPC, in one DescribeRouteTables call.
async fn main_route_tables(
    cx: &Ctx<'_>,
    vpcs: &[aws_sdk_ec2::types::Vpc],
) -> Result<BTreeMap<String, String>, Diagnostic> {
    if vpcs.is_empty() {
        return Ok(BTreeMap::new());
    }
    let ids: Vec<String> = vpcs.iter().filter_map(|v| v.vpc_id().map(str::to_string)).collect();
    let mut pages = cx
        .clients
        .ec2
        .describe_route_tables()
        .filters(filter("vpc-id", ids))
        .filters(filter("association.main", ["true"]))
        .into_paginator()
        .send();
    let mut out = BTreeMap::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(cx.address, "DescribeRouteTables", e))?;
        for t in page.route_tables() {
            if let (Some(vpc), Some(id)) = (t.vpc_id(), t.route_table_id()) {
                out.insert(vpc.to_string(), id.to_string());
            }
        }
    }
    Ok(out)
}

async fn dns_attribute(cx: &Ctx<'_>, id: &str, name: VpcAttributeName) -> Result<Option<bool>, Diagnostic> {
    let out = cx
        .clients
        .ec2
        .describe_vpc_attribute()
        .vpc_id(id)
        .attribute(name.clone())
        .send()
        .await
        .map_err(|e| aws_error(cx.address, "DescribeVpcAttribute", e))?;
    Ok(match name {
        VpcAttributeName::EnableDnsSupport => out.enable_dns_support().and_then(|a| a.value()),
        _ => out.enable_dns_hostnames().and_then(|a| a.value()),
    })
}

/// ModifyVpcAttribute takes one attribute per call.
async fn set_dns(cx: &Ctx<'_>, id: &str, prior: &Value, planned: &Value) -> Result<(), Diagnostic> {
    let ec2 = &cx.clients.ec2;
    let on = |b: bool| AttributeBooleanValue::builder().value(b).build();
    if let Some(b) = bool_of(planned, "enable_dns_support").filter(|b| bool_of(prior, "enable_dns_support") != Some(*b))
    {
        ec2.modify_vpc_attribute()
            .vpc_id(id)
            .enable_dns_support(on(b))
            .send()
            .await
            .map_err(|e| aws_error(cx.address, "ModifyVpcAttribute", e))?;
    }
    if let Some(b) =
        bool_of(planned, "enable_dns_hostnames").filter(|b| bool_of(prior, "enable_dns_hostnames") != Some(*b))
    {
        ec2.modify_vpc_attribute()
            .vpc_id(id)
            .enable_dns_hostnames(on(b))
            .send()
            .await
            .map_err(|e| aws_error(cx.address, "ModifyVpcAttribute", e))?;
    }
    Ok(())
}

async fn wait_available(cx: &Ctx<'_>, id: &str) -> Result<(), Diagnostic> {
    wait_for(cx, &format!("VPC {id} to become available"), Duration::from_secs(600), || async {
        let vpcs = describe(cx, vec![filter("vpc-id", [id])]).await?;
        Ok(vpcs.first().filter(|v| v.state().map(|s| s.as_str()) == Some("available")).map(|_| ()))
    })
    .await
}

fn to_value(
    cx: &Ctx<'_>,
    v: &aws_sdk_ec2::types::Vpc,
    prior: Option<&Value>,
    support: Option<bool>,
    hostnames: Option<bool>,
    main_table: Option<&String>,
) -> Value {
    let (tags, tags_all) = read_tags(v.tags(), cx.default_tags, prior);
    let id = v.vpc_id().unwrap_or_default();
    let owner = v.owner_id().unwrap_or_default();
    let region = cx.clients.ec2.config().region().map(|r| r.to_string()).unwrap_or_default();
    Value::map([
        ("id", Value::from(id)),
        ("arn", Value::from(format!("arn:aws:ec2:{region}:{owner}:vpc/{id}"))),
        ("cidr_block", opt_str(v.cidr_block())),
        ("instance_tenancy", opt_str(v.instance_tenancy().map(|t| t.as_str()))),
        ("enable_dns_support", support.map(Value::Bool).unwrap_or(Value::Null)),
        ("enable_dns_hostnames", hostnames.map(Value::Bool).unwrap_or(Value::Null)),
        ("main_route_table_id", main_table.map(|s| Value::from(s.as_str())).unwrap_or(Value::Null)),
        ("default_route_table_id", main_table.map(|s| Value::from(s.as_str())).unwrap_or(Value::Null)),
        ("default_security_group_id", Value::Null),
        ("default_network_acl_id", Value::Null),
        ("owner_id", Value::from(owner)),
        ("tags", tags),
        ("tags_all", tags_all),
    ])
}

/// `data "aws_vpc"`: finds one VPC by `id`, `cidr_block`, `default` or `tags`.
pub struct VpcData;

#[async_trait]
impl AwsDataSource for VpcData {
    fn type_name(&self) -> &'static str {
        "aws_vpc"
    }

    fn schema(&self) -> ResourceSchema {
        ResourceSchema::new(
            "Looks up one existing VPC.",
            Block::new()
                .attr("id", Attribute::optional_computed(AttrType::String))
                .attr("cidr_block", Attribute::optional_computed(AttrType::String))
                .attr("default", Attribute::optional_computed(AttrType::Bool))
                .attr("tags", Attribute::optional_computed(AttrType::map_of(AttrType::String)))
                .attr("arn", Attribute::computed(AttrType::String))
                .attr("owner_id", Attribute::computed(AttrType::String))
                .attr("main_route_table_id", Attribute::computed(AttrType::String)),
        )
    }

    async fn read(&self, cx: &Ctx<'_>, config: &Value) -> Result<Value, Diagnostic> {
        let mut filters = Vec::new();
        if let Some(id) = str_of(config, "id") {
            filters.push(filter("vpc-id", [id]));
        }
        if let Some(c) = str_of(config, "cidr_block") {
            filters.push(filter("cidr-block", [c]));
        }
        if let Some(d) = bool_of(config, "default") {
            filters.push(filter("is-default", [d.to_string()]));
        }
        for (k, v) in crate::common::user_tags(config) {
            filters.push(filter(&format!("tag:{k}"), [v]));
        }
        let vpcs = describe(cx, filters).await?;
        let [vpc] = vpcs.as_slice() else {
            return Err(Diagnostic::error(format!("data.aws_vpc matched {} VPCs; it needs exactly one", vpcs.len()))
                .code("aws::data-match")
                .address(cx.address)
                .help("narrow the search with id, cidr_block or tags"));
        };
        let mains = main_route_tables(cx, std::slice::from_ref(vpc)).await?;
        let v = to_value(cx, vpc, None, None, None, mains.get(vpc.vpc_id().unwrap_or_default()));
        let (tags, _) =
            read_tags(vpc.tags(), &BTreeMap::new(), Some(&Value::map([("tags", Value::Map(BTreeMap::new()))])));
        Ok(Value::map([
            ("id", v.get("id").cloned().unwrap_or_default()),
            ("cidr_block", v.get("cidr_block").cloned().unwrap_or_default()),
            ("default", Value::Bool(vpc.is_default().unwrap_or(false))),
            ("tags", tags),
            ("arn", v.get("arn").cloned().unwrap_or_default()),
            ("owner_id", v.get("owner_id").cloned().unwrap_or_default()),
            ("main_route_table_id", v.get("main_route_table_id").cloned().unwrap_or_default()),
        ]))
    }
}
