//! `aws_ec2_transit_gateway_route_table_association`: the route table a transit gateway
//! attachment's traffic is routed by (an attachment has exactly one).
//!
//! The ID is `<tgw-rtb-id>_<tgw-attach-id>`, as in Terraform; import takes it too. There is
//! nothing to tag and no token: the ID is deterministic, so a re-run after a crash reads the
//! association it made and takes it over. Both IDs force a replacement. With
//! `replace_existing_association`, an attachment associated elsewhere (the gateway's default
//! table) is moved: disassociated there first, as Terraform does.
//!
//! A refresh makes one paginated GetTransitGatewayRouteTableAssociations per distinct route
//! table among the items (the API takes exactly one table), whatever the number of
//! associations.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::error::ProvideErrorMetadata;
use tether_sdk::{AttrType, Attribute, Block, Diagnostic, ReadItem, ResourceSchema, Value};

use crate::common::{aws_error, bool_of, filter, is_not_found, report_adopted, str_of, wait_for, Ctx};
use crate::resource::{read_one, AwsResource};

pub struct TgwRtAssociation;

/// Association or propagation: the two link an attachment with a route table the same way.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum LinkKind {
    Association,
    Propagation,
}

/// Splits `<tgw-rtb-id>_<tgw-attach-id>`.
pub(crate) fn split_id(id: &str) -> Option<(&str, &str)> {
    id.split_once('_').filter(|(t, a)| t.starts_with("tgw-rtb-") && a.starts_with("tgw-attach-"))
}

/// For each table, the attachments linked to it (associated, or propagating) and the type of
/// each attachment's resource (`vpc`, `vpn`, ...): one paginated call per table.
pub(crate) async fn linked(
    cx: &Ctx<'_>,
    kind: LinkKind,
    tables: BTreeSet<&str>,
) -> Result<BTreeMap<(String, String), (String, String)>, Diagnostic> {
    let mut out = BTreeMap::new();
    for table in tables {
        let found = match kind {
            LinkKind::Association => associations(cx, table).await?,
            LinkKind::Propagation => propagations(cx, table).await?,
        };
        for (attachment, resource_type, resource_id) in found {
            out.insert((table.to_string(), attachment), (resource_type, resource_id));
        }
    }
    Ok(out)
}

async fn associations(cx: &Ctx<'_>, table: &str) -> Result<Vec<(String, String, String)>, Diagnostic> {
    let mut pages = cx
        .clients
        .ec2
        .get_transit_gateway_route_table_associations()
        .transit_gateway_route_table_id(table)
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(p) => p,
            Err(e) if is_not_found(&e) || e.code() == Some("InvalidRouteTableID.NotFound") => return Ok(Vec::new()),
            Err(e) => return Err(aws_error(cx.address, "GetTransitGatewayRouteTableAssociations", e)),
        };
        for a in page.associations() {
            let live = matches!(a.state().map(|s| s.as_str()), Some("associated" | "associating") | None);
            if let (true, Some(id)) = (live, a.transit_gateway_attachment_id()) {
                out.push((
                    id.to_string(),
                    a.resource_type().map(|r| r.as_str().to_string()).unwrap_or_default(),
                    a.resource_id().unwrap_or_default().to_string(),
                ));
            }
        }
    }
    Ok(out)
}

async fn propagations(cx: &Ctx<'_>, table: &str) -> Result<Vec<(String, String, String)>, Diagnostic> {
    let mut pages = cx
        .clients
        .ec2
        .get_transit_gateway_route_table_propagations()
        .transit_gateway_route_table_id(table)
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(p) => p,
            Err(e) if is_not_found(&e) || e.code() == Some("InvalidRouteTableID.NotFound") => return Ok(Vec::new()),
            Err(e) => return Err(aws_error(cx.address, "GetTransitGatewayRouteTablePropagations", e)),
        };
        for p in page.transit_gateway_route_table_propagations() {
            let live = matches!(p.state().map(|s| s.as_str()), Some("enabled" | "enabling") | None);
            if let (true, Some(id)) = (live, p.transit_gateway_attachment_id()) {
                out.push((
                    id.to_string(),
                    p.resource_type().map(|r| r.as_str().to_string()).unwrap_or_default(),
                    p.resource_id().unwrap_or_default().to_string(),
                ));
            }
        }
    }
    Ok(out)
}

/// Reads the association or propagation items: one call per distinct table.
pub(crate) async fn read_links(
    cx: &Ctx<'_>,
    kind: LinkKind,
    items: &[ReadItem],
) -> Result<BTreeMap<String, Value>, Diagnostic> {
    let tables: BTreeSet<&str> = items.iter().filter_map(|i| split_id(&i.id)).map(|(t, _)| t).collect();
    let found = linked(cx, kind, tables).await?;
    let mut out = BTreeMap::new();
    for item in items {
        let Some((table, attachment)) = split_id(&item.id) else { continue };
        let Some((resource_type, resource_id)) = found.get(&(table.to_string(), attachment.to_string())) else {
            continue;
        };
        let mut v = vec![
            ("id", Value::from(item.id.as_str())),
            ("transit_gateway_route_table_id", Value::from(table)),
            ("transit_gateway_attachment_id", Value::from(attachment)),
            ("resource_type", Value::from(resource_type.as_str())),
            ("resource_id", Value::from(resource_id.as_str())),
        ];
        if kind == LinkKind::Association {
            // An API input only: what state recorded stays (unset reads back unset).
            v.push((
                "replace_existing_association",
                item.prior.get("replace_existing_association").cloned().unwrap_or_default(),
            ));
        }
        out.insert(item.id.clone(), Value::map(v));
    }
    Ok(out)
}

pub(crate) fn link_schema(kind: LinkKind) -> Block {
    let mut b = Block::new()
        .attr("id", Attribute::computed(AttrType::String))
        .attr("transit_gateway_attachment_id", Attribute::required(AttrType::String).force_new())
        .attr("transit_gateway_route_table_id", Attribute::required(AttrType::String).force_new())
        .attr("resource_type", Attribute::computed(AttrType::String).describe("vpc, vpn, direct-connect-gateway, ..."))
        .attr("resource_id", Attribute::computed(AttrType::String));
    if kind == LinkKind::Association {
        b = b.attr(
            "replace_existing_association",
            Attribute::optional(AttrType::Bool)
                .describe("move the attachment from the table it is associated with now (false)"),
        );
    }
    b
}

/// Waits until the link exists (or, with `want` false, no longer does).
pub(crate) async fn wait_link(
    r: &dyn AwsResource,
    cx: &Ctx<'_>,
    id: &str,
    planned: &Value,
    want: bool,
) -> Result<Option<Value>, Diagnostic> {
    let what = if want { format!("{id} to be in place") } else { format!("{id} to be removed") };
    wait_for(cx, &what, Duration::from_secs(600), || async {
        let v = read_one(r, cx, id, planned).await?;
        Ok(match (want, v) {
            (true, Some(v)) => Some(Some(v)),
            (false, None) => Some(None),
            _ => None,
        })
    })
    .await
}

#[async_trait]
impl AwsResource for TgwRtAssociation {
    fn type_name(&self) -> &'static str {
        "aws_ec2_transit_gateway_route_table_association"
    }

    fn schema(&self) -> ResourceSchema {
        ResourceSchema::new(
            "Associates a transit gateway attachment with the route table that routes its traffic.",
            link_schema(LinkKind::Association),
        )
    }

    async fn read(&self, cx: &Ctx<'_>, items: &[ReadItem]) -> Result<BTreeMap<String, Value>, Diagnostic> {
        read_links(cx, LinkKind::Association, items).await
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value, _token: &str) -> Result<Value, Diagnostic> {
        let table = str_of(planned, "transit_gateway_route_table_id").unwrap_or_default();
        let attachment = str_of(planned, "transit_gateway_attachment_id").unwrap_or_default();
        let id = format!("{table}_{attachment}");
        if let Some(v) = read_one(self, cx, &id, planned).await? {
            report_adopted(cx, &id);
            return Ok(v);
        }
        let ec2 = &cx.clients.ec2;
        if bool_of(planned, "replace_existing_association") == Some(true) {
            // The attachment's current table, from the attachment itself.
            let found = ec2
                .describe_transit_gateway_attachments()
                .filters(filter("transit-gateway-attachment-id", [attachment]))
                .send()
                .await
                .map_err(|e| aws_error(cx.address, "DescribeTransitGatewayAttachments", e))?;
            let current = found
                .transit_gateway_attachments()
                .iter()
                .find_map(|a| a.association())
                .filter(|a| matches!(a.state().map(|s| s.as_str()), Some("associated" | "associating")))
                .and_then(|a| a.transit_gateway_route_table_id())
                .filter(|t| *t != table)
                .map(str::to_string);
            if let Some(old) = current {
                ec2.disassociate_transit_gateway_route_table()
                    .transit_gateway_route_table_id(&old)
                    .transit_gateway_attachment_id(attachment)
                    .send()
                    .await
                    .map_err(|e| aws_error(cx.address, "DisassociateTransitGatewayRouteTable", e))?;
                let old_id = format!("{old}_{attachment}");
                wait_link(self, cx, &old_id, planned, false).await?;
            }
        }
        ec2.associate_transit_gateway_route_table()
            .transit_gateway_route_table_id(table)
            .transit_gateway_attachment_id(attachment)
            .send()
            .await
            .map_err(|e| {
                let d = aws_error(cx.address, "AssociateTransitGatewayRouteTable", e);
                if d.code.as_deref() == Some("aws::Resource.AlreadyAssociated") {
                    d.help(
                        "the attachment is associated with another table (the gateway's default one?): set \
                            replace_existing_association = true, or transit_gateway_default_route_table_association \
                            = false on the VPC attachment",
                    )
                } else {
                    d
                }
            })?;
        wait_link(self, cx, &id, planned, true).await?.ok_or_else(|| gone(cx, &id))
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
        // Only replace_existing_association can change without a replacement, and it only
        // matters at creation.
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        read_one(self, cx, &id, planned).await?.ok_or_else(|| gone(cx, &id))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        let Some((table, attachment)) = split_id(&id) else { return Ok(()) };
        match cx
            .clients
            .ec2
            .disassociate_transit_gateway_route_table()
            .transit_gateway_route_table_id(table)
            .transit_gateway_attachment_id(attachment)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if is_not_found(&e) => return Ok(()),
            Err(e) => return Err(aws_error(cx.address, "DisassociateTransitGatewayRouteTable", e)),
        }
        wait_link(self, cx, &id, prior, false).await.map(|_| ())
    }
}

fn gone(cx: &Ctx<'_>, id: &str) -> Diagnostic {
    crate::common::vanished(cx, "transit gateway route table association", id, "InvalidAssociation.NotFound")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_terraform() {
        assert_eq!(split_id("tgw-rtb-0123_tgw-attach-4567"), Some(("tgw-rtb-0123", "tgw-attach-4567")));
        assert_eq!(split_id("tgw-attach-4567_tgw-rtb-0123"), None);
        assert_eq!(split_id("tgw-rtb-0123"), None);
    }
}
