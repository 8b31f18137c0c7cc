//! `aws_ec2_transit_gateway_vpc_attachment`.
//!
//! CreateTransitGatewayVpcAttachment takes no client token: the ownership tags set at creation
//! are how a re-run finds (and adopts) an attachment a crashed run created.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::types::{
    ApplianceModeSupportValue, CreateTransitGatewayVpcAttachmentRequestOptions, DnsSupportValue, Ipv6SupportValue,
    ModifyTransitGatewayVpcAttachmentRequestOptions, ResourceType,
};
use tether_sdk::{AttrType, Attribute, Block, Diagnostic, ReadItem, ResourceSchema, Value};

use crate::common::{
    aws_error, bool_of, creation_tags, ec2_owned_by_us, filter, is_not_found, opt_bool, opt_str, owned_filter,
    read_tags, report_adopted, str_of, tag_spec, update_tags, wait_for, wait_status, Ctx,
};
use crate::ec2::transit_gateway::{changed, check_enable_disable, tags_attrs, vanished};
use crate::resource::{read_one, AwsResource};

pub struct TgwVpcAttachment;

const OPTIONS: [&str; 3] = ["dns_support", "ipv6_support", "appliance_mode_support"];
const ASSOCIATION: &str = "transit_gateway_default_route_table_association";
const PROPAGATION: &str = "transit_gateway_default_route_table_propagation";

type Attachment = aws_sdk_ec2::types::TransitGatewayVpcAttachment;

#[async_trait]
impl AwsResource for TgwVpcAttachment {
    fn type_name(&self) -> &'static str {
        "aws_ec2_transit_gateway_vpc_attachment"
    }

    fn schema(&self) -> ResourceSchema {
        let option = |what: &str, default: &str| {
            Attribute::optional_computed(AttrType::String)
                .describe(format!("{what}: \"enable\" or \"disable\" (AWS default \"{default}\")"))
        };
        ResourceSchema::new(
            "Attaches a VPC (through one subnet per AZ) to a transit gateway.",
            tags_attrs(
                Block::new()
                    .attr("id", Attribute::computed(AttrType::String))
                    .attr("transit_gateway_id", Attribute::required(AttrType::String).force_new())
                    .attr("vpc_id", Attribute::required(AttrType::String).force_new())
                    .attr("vpc_owner_id", Attribute::computed(AttrType::String))
                    .attr("subnet_ids", Attribute::required(AttrType::set_of(AttrType::String)))
                    .attr("dns_support", option("DNS support", "enable"))
                    .attr("ipv6_support", option("IPv6 support", "disable"))
                    .attr("appliance_mode_support", option("appliance mode (symmetric flows)", "disable"))
                    .attr(
                        ASSOCIATION,
                        Attribute::optional_computed(AttrType::Bool)
                            .describe("associate with the gateway's default route table (true)"),
                    )
                    .attr(
                        PROPAGATION,
                        Attribute::optional_computed(AttrType::Bool)
                            .describe("propagate routes to the gateway's default route table (true)"),
                    ),
            ),
        )
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        check_enable_disable(config, &OPTIONS, &mut out);
        if config.get("subnet_ids").and_then(Value::as_list).is_some_and(<[Value]>::is_empty) {
            out.push(
                Diagnostic::error("a VPC attachment needs at least one subnet")
                    .code("aws::tgw-attachment-subnets")
                    .attribute(tether_sdk::AttrPath::attr("subnet_ids"))
                    .help("list one subnet per availability zone the attachment should serve"),
            );
        }
        out
    }

    async fn read(&self, cx: &Ctx<'_>, items: &[ReadItem]) -> Result<BTreeMap<String, Value>, Diagnostic> {
        if items.is_empty() {
            return Ok(BTreeMap::new());
        }
        let prior: BTreeMap<&str, &Value> = items.iter().map(|i| (i.id.as_str(), &i.prior)).collect();
        // One paginated DescribeTransitGatewayVpcAttachments for every attachment.
        let ids = items.iter().map(|i| i.id.clone());
        let found: Vec<Attachment> = describe(cx, vec![filter("transit-gateway-attachment-id", ids)])
            .await?
            .into_iter()
            .filter(|a| !gone(a))
            .collect();
        let links = default_table_links(cx, &found).await?;
        Ok(found
            .iter()
            .map(|a| {
                let id = a.transit_gateway_attachment_id().unwrap_or_default().to_string();
                let v = to_value(cx, a, prior.get(id.as_str()).copied(), &links);
                (id, v)
            })
            .collect())
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value, _token: &str) -> Result<Value, Diagnostic> {
        let ec2 = &cx.clients.ec2;
        // No client token: a run that crashed after the create left an attachment tagged with
        // this address, so adopt that one.
        let existing = describe(cx, owned_filter(cx.lineage, cx.address)).await?;
        let id = match existing
            .iter()
            .find(|a| !gone(a) && ec2_owned_by_us(cx, a.tags()))
            .and_then(|a| a.transit_gateway_attachment_id())
        {
            Some(id) => {
                report_adopted(cx, id);
                id.to_string()
            }
            None => {
                let s = |k: &str| str_of(planned, k);
                let options = CreateTransitGatewayVpcAttachmentRequestOptions::builder()
                    .set_dns_support(s("dns_support").map(DnsSupportValue::from))
                    .set_ipv6_support(s("ipv6_support").map(Ipv6SupportValue::from))
                    .set_appliance_mode_support(s("appliance_mode_support").map(ApplianceModeSupportValue::from))
                    .build();
                let tags = creation_tags(cx, planned);
                let out = ec2
                    .create_transit_gateway_vpc_attachment()
                    .transit_gateway_id(s("transit_gateway_id").unwrap_or_default())
                    .vpc_id(s("vpc_id").unwrap_or_default())
                    .set_subnet_ids(Some(subnet_ids(planned).into_iter().collect()))
                    .options(options)
                    .tag_specifications(tag_spec(ResourceType::TransitGatewayAttachment, tags.clone()))
                    .send()
                    .await
                    .map_err(|e| aws_error(cx.address, "CreateTransitGatewayVpcAttachment", e))?;
                let made = out.transit_gateway_vpc_attachment();
                let id = made.and_then(|a| a.transit_gateway_attachment_id()).unwrap_or_default().to_string();
                // The emulator drops this TagSpecification (it files it under another resource
                // type); AWS applies it. Tag afterwards when the tags did not come back.
                if made.is_some_and(|a| !ec2_owned_by_us(cx, a.tags())) {
                    ec2.create_tags()
                        .resources(&id)
                        .set_tags(Some(tags))
                        .send()
                        .await
                        .map_err(|e| aws_error(cx.address, "CreateTags", e))?;
                }
                id
            }
        };
        wait_available(cx, &id).await?;
        set_default_tables(cx, &id, str_of(planned, "transit_gateway_id").unwrap_or_default(), &Value::Null, planned)
            .await?;
        read_one(self, cx, &id, planned).await?.ok_or_else(|| not_found(cx, &id))
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        let (had, want) = (subnet_ids(prior), subnet_ids(planned));
        let add: Vec<String> = want.difference(&had).cloned().collect();
        let remove: Vec<String> = had.difference(&want).cloned().collect();
        let c = |k: &str| changed(prior, planned, k);
        let (dns, ipv6, appliance) = (c("dns_support"), c("ipv6_support"), c("appliance_mode_support"));
        if !add.is_empty() || !remove.is_empty() || dns.is_some() || ipv6.is_some() || appliance.is_some() {
            let mut req = cx
                .clients
                .ec2
                .modify_transit_gateway_vpc_attachment()
                .transit_gateway_attachment_id(&id)
                .set_add_subnet_ids(Some(add).filter(|v| !v.is_empty()))
                .set_remove_subnet_ids(Some(remove).filter(|v| !v.is_empty()));
            if dns.is_some() || ipv6.is_some() || appliance.is_some() {
                req = req.options(
                    ModifyTransitGatewayVpcAttachmentRequestOptions::builder()
                        .set_dns_support(dns.map(DnsSupportValue::from))
                        .set_ipv6_support(ipv6.map(Ipv6SupportValue::from))
                        .set_appliance_mode_support(appliance.map(ApplianceModeSupportValue::from))
                        .build(),
                );
            }
            req.send().await.map_err(|e| aws_error(cx.address, "ModifyTransitGatewayVpcAttachment", e))?;
            wait_available(cx, &id).await?;
        }
        let tgw = str_of(prior, "transit_gateway_id").unwrap_or_default();
        set_default_tables(cx, &id, tgw, prior, planned).await?;
        update_tags(cx, &id, prior, planned).await?;
        read_one(self, cx, &id, planned).await?.ok_or_else(|| not_found(cx, &id))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        match cx.clients.ec2.delete_transit_gateway_vpc_attachment().transit_gateway_attachment_id(&id).send().await {
            Ok(_) => {}
            Err(e) if is_not_found(&e) => return Ok(()),
            Err(e) => return Err(aws_error(cx.address, "DeleteTransitGatewayVpcAttachment", e)),
        }
        let what = format!("transit gateway attachment {id} to be deleted");
        wait_status(
            cx,
            TYPE,
            &id,
            &what,
            Duration::from_secs(900),
            |ids| states(cx, ids),
            |s| Ok(matches!(s, None | Some("deleted"))),
        )
        .await
    }
}

fn not_found(cx: &Ctx<'_>, id: &str) -> Diagnostic {
    vanished(cx, "transit gateway attachment", id, "InvalidTransitGatewayAttachmentID.NotFound")
}

fn gone(a: &Attachment) -> bool {
    a.state().map(|s| s.as_str()) == Some("deleted")
}

fn subnet_ids(v: &Value) -> BTreeSet<String> {
    v.get("subnet_ids")
        .and_then(Value::as_list)
        .map(|l| l.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// DescribeTransitGatewayVpcAttachments with filters, all pages.
async fn describe(cx: &Ctx<'_>, filters: Vec<aws_sdk_ec2::types::Filter>) -> Result<Vec<Attachment>, Diagnostic> {
    let mut pages =
        cx.clients.ec2.describe_transit_gateway_vpc_attachments().set_filters(Some(filters)).into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(cx.address, "DescribeTransitGatewayVpcAttachments", e))?;
        out.extend(page.transit_gateway_vpc_attachments().iter().cloned());
    }
    Ok(out)
}

const TYPE: &str = "aws_ec2_transit_gateway_vpc_attachment";

/// The state of each attachment that exists, for the batched waiter.
async fn states(cx: &Ctx<'_>, ids: Vec<String>) -> Result<BTreeMap<String, String>, Diagnostic> {
    let found = describe(cx, vec![filter("transit-gateway-attachment-id", ids)]).await?;
    Ok(found
        .iter()
        .filter_map(|a| Some((a.transit_gateway_attachment_id()?.to_string(), a.state()?.as_str().to_string())))
        .collect())
}

async fn wait_available(cx: &Ctx<'_>, id: &str) -> Result<(), Diagnostic> {
    let what = format!("transit gateway attachment {id} to become available");
    wait_status(
        cx,
        TYPE,
        id,
        &what,
        Duration::from_secs(900),
        |ids| states(cx, ids),
        |state| match state {
            Some("available") => Ok(true),
            Some(s @ ("failed" | "failing" | "rejected" | "rolling-back" | "deleting" | "deleted")) => {
                Err(Diagnostic::error(format!("transit gateway attachment {id} is {s} instead of becoming available"))
                    .code("aws::IncorrectState")
                    .address(cx.address)
                    .help("check the subnets (one per AZ, in the attached VPC) and the transit gateway's state"))
            }
            None => Err(not_found(cx, id)),
            Some(_) => Ok(false),
        },
    )
    .await
}

/// Which attachments are associated with / propagating to their gateway's default route tables.
#[derive(Default)]
struct Links {
    /// Gateway ID -> (default association table, default propagation table).
    tables: BTreeMap<String, (Option<String>, Option<String>)>,
    associated: BTreeSet<String>,
    propagating: BTreeSet<String>,
}

/// One DescribeTransitGateways for the gateways involved, then one association and one
/// propagation listing per distinct default route table (there is no per-type batched call;
/// a stack has few gateways), never one call per attachment.
async fn default_table_links(cx: &Ctx<'_>, attachments: &[Attachment]) -> Result<Links, Diagnostic> {
    let mut links = Links::default();
    let tgws: BTreeSet<&str> = attachments.iter().filter_map(|a| a.transit_gateway_id()).collect();
    if tgws.is_empty() {
        return Ok(links);
    }
    let gateways = crate::ec2::transit_gateway::describe(cx, vec![filter("transit-gateway-id", tgws)]).await?;
    for g in &gateways {
        let o = g.options();
        links.tables.insert(
            g.transit_gateway_id().unwrap_or_default().to_string(),
            (
                o.and_then(|o| o.association_default_route_table_id()).map(str::to_string),
                o.and_then(|o| o.propagation_default_route_table_id()).map(str::to_string),
            ),
        );
    }
    let ids: Vec<String> =
        attachments.iter().filter_map(|a| a.transit_gateway_attachment_id().map(str::to_string)).collect();
    let assoc_tables: BTreeSet<&String> = links.tables.values().filter_map(|(a, _)| a.as_ref()).collect();
    let prop_tables: BTreeSet<&String> = links.tables.values().filter_map(|(_, p)| p.as_ref()).collect();
    let assoc = futures_util::future::join_all(assoc_tables.iter().map(|t| associated_in(cx, t, &ids))).await;
    let prop = futures_util::future::join_all(prop_tables.iter().map(|t| propagating_to(cx, t, &ids))).await;
    for a in assoc {
        links.associated.extend(a?);
    }
    for p in prop {
        links.propagating.extend(p?);
    }
    Ok(links)
}

/// The attachments (of `ids`) associated with route table `table`.
async fn associated_in(cx: &Ctx<'_>, table: &str, ids: &[String]) -> Result<BTreeSet<String>, Diagnostic> {
    let mut pages = cx
        .clients
        .ec2
        .get_transit_gateway_route_table_associations()
        .transit_gateway_route_table_id(table)
        .filters(filter("transit-gateway-attachment-id", ids.iter().cloned()))
        .into_paginator()
        .send();
    let mut out = BTreeSet::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(cx.address, "GetTransitGatewayRouteTableAssociations", e))?;
        for a in page.associations() {
            let live = matches!(a.state().map(|s| s.as_str()), Some("associated" | "associating") | None);
            if let (true, Some(id)) = (live, a.transit_gateway_attachment_id()) {
                out.insert(id.to_string());
            }
        }
    }
    Ok(out)
}

/// The attachments (of `ids`) propagating routes to route table `table`.
async fn propagating_to(cx: &Ctx<'_>, table: &str, ids: &[String]) -> Result<BTreeSet<String>, Diagnostic> {
    let mut pages = cx
        .clients
        .ec2
        .get_transit_gateway_route_table_propagations()
        .transit_gateway_route_table_id(table)
        .filters(filter("transit-gateway-attachment-id", ids.iter().cloned()))
        .into_paginator()
        .send();
    let mut out = BTreeSet::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(cx.address, "GetTransitGatewayRouteTablePropagations", e))?;
        for p in page.transit_gateway_route_table_propagations() {
            let live = matches!(p.state().map(|s| s.as_str()), Some("enabled" | "enabling") | None);
            if let (true, Some(id)) = (live, p.transit_gateway_attachment_id()) {
                out.insert(id.to_string());
            }
        }
    }
    Ok(out)
}

/// Brings the association with, and propagation to, the gateway's default route tables to what
/// the stack asks for (when it asks). AWS sets both up by itself when the gateway's defaults are
/// enabled; this only acts on a difference.
async fn set_default_tables(
    cx: &Ctx<'_>,
    id: &str,
    tgw: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), Diagnostic> {
    let want_assoc = bool_of(planned, ASSOCIATION).filter(|b| bool_of(prior, ASSOCIATION) != Some(*b));
    let want_prop = bool_of(planned, PROPAGATION).filter(|b| bool_of(prior, PROPAGATION) != Some(*b));
    if want_assoc.is_none() && want_prop.is_none() {
        return Ok(());
    }
    let gateways = crate::ec2::transit_gateway::describe(cx, vec![filter("transit-gateway-id", [tgw])]).await?;
    let options = gateways.first().and_then(|g| g.options());
    let ids = [id.to_string()];
    let ec2 = &cx.clients.ec2;
    if let (Some(want), Some(table)) = (want_assoc, options.and_then(|o| o.association_default_route_table_id())) {
        let has = associated_in(cx, table, &ids).await?.contains(id);
        if want && !has {
            ec2.associate_transit_gateway_route_table()
                .transit_gateway_route_table_id(table)
                .transit_gateway_attachment_id(id)
                .send()
                .await
                .map_err(|e| aws_error(cx.address, "AssociateTransitGatewayRouteTable", e))?;
        } else if !want && has {
            ec2.disassociate_transit_gateway_route_table()
                .transit_gateway_route_table_id(table)
                .transit_gateway_attachment_id(id)
                .send()
                .await
                .map_err(|e| aws_error(cx.address, "DisassociateTransitGatewayRouteTable", e))?;
        }
        if want != has {
            let what = format!("attachment {id}'s association with {table}");
            wait_for(cx, &what, Duration::from_secs(300), || async {
                Ok((associated_in(cx, table, &ids).await?.contains(id) == want).then_some(()))
            })
            .await?;
        }
    }
    if let (Some(want), Some(table)) = (want_prop, options.and_then(|o| o.propagation_default_route_table_id())) {
        let has = propagating_to(cx, table, &ids).await?.contains(id);
        if want && !has {
            ec2.enable_transit_gateway_route_table_propagation()
                .transit_gateway_route_table_id(table)
                .transit_gateway_attachment_id(id)
                .send()
                .await
                .map_err(|e| aws_error(cx.address, "EnableTransitGatewayRouteTablePropagation", e))?;
        } else if !want && has {
            ec2.disable_transit_gateway_route_table_propagation()
                .transit_gateway_route_table_id(table)
                .transit_gateway_attachment_id(id)
                .send()
                .await
                .map_err(|e| aws_error(cx.address, "DisableTransitGatewayRouteTablePropagation", e))?;
        }
    }
    Ok(())
}

fn to_value(cx: &Ctx<'_>, a: &Attachment, prior: Option<&Value>, links: &Links) -> Value {
    let (tags, tags_all) = read_tags(a.tags(), cx.default_tags, prior);
    let id = a.transit_gateway_attachment_id().unwrap_or_default();
    let tables = a.transit_gateway_id().and_then(|t| links.tables.get(t));
    // Like Terraform: without a default table the attachment cannot be associated with it.
    let assoc = tables.map(|(t, _)| t.is_some() && links.associated.contains(id));
    let prop = tables.map(|(_, t)| t.is_some() && links.propagating.contains(id));
    let o = a.options();
    let mut subnets: Vec<Value> = a.subnet_ids().iter().map(|s| Value::from(s.as_str())).collect();
    tether_sdk::plan::sort_set(&mut subnets);
    Value::map([
        ("id", Value::from(id)),
        ("transit_gateway_id", opt_str(a.transit_gateway_id())),
        ("vpc_id", opt_str(a.vpc_id())),
        ("vpc_owner_id", opt_str(a.vpc_owner_id())),
        ("subnet_ids", Value::List(subnets)),
        ("dns_support", opt_str(o.and_then(|o| o.dns_support()).map(|v| v.as_str()))),
        ("ipv6_support", opt_str(o.and_then(|o| o.ipv6_support()).map(|v| v.as_str()))),
        ("appliance_mode_support", opt_str(o.and_then(|o| o.appliance_mode_support()).map(|v| v.as_str()))),
        (ASSOCIATION, opt_bool(assoc)),
        (PROPAGATION, opt_bool(prop)),
        ("tags", tags),
        ("tags_all", tags_all),
    ])
}
