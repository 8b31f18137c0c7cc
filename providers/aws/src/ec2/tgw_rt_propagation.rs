//! `aws_ec2_transit_gateway_route_table_propagation`: an attachment's routes (a VPC's CIDRs, or
//! what a VPN learns over BGP) propagated into a transit gateway route table.
//!
//! The ID is `<tgw-rtb-id>_<tgw-attach-id>`, as in Terraform; import takes it too. There is
//! nothing to tag and no token: the ID is deterministic, so a re-run after a crash reads the
//! propagation it enabled and takes it over. Both IDs force a replacement. A refresh makes one
//! paginated GetTransitGatewayRouteTablePropagations per distinct route table among the items.

use std::collections::BTreeMap;

use async_trait::async_trait;
use tether_sdk::{Diagnostic, ReadItem, ResourceSchema, Value};

use crate::common::{aws_error, is_not_found, report_adopted, str_of, Ctx};
use crate::ec2::tgw_rt_association::{link_schema, read_links, split_id, wait_link, LinkKind};
use crate::resource::{read_one, AwsResource};

pub struct TgwRtPropagation;

#[async_trait]
impl AwsResource for TgwRtPropagation {
    fn type_name(&self) -> &'static str {
        "aws_ec2_transit_gateway_route_table_propagation"
    }

    fn schema(&self) -> ResourceSchema {
        ResourceSchema::new(
            "Propagates a transit gateway attachment's routes into a route table.",
            link_schema(LinkKind::Propagation),
        )
    }

    async fn read(&self, cx: &Ctx<'_>, items: &[ReadItem]) -> Result<BTreeMap<String, Value>, Diagnostic> {
        read_links(cx, LinkKind::Propagation, items).await
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value, _token: &str) -> Result<Value, Diagnostic> {
        let table = str_of(planned, "transit_gateway_route_table_id").unwrap_or_default();
        let attachment = str_of(planned, "transit_gateway_attachment_id").unwrap_or_default();
        let id = format!("{table}_{attachment}");
        if let Some(v) = read_one(self, cx, &id, planned).await? {
            report_adopted(cx, &id);
            return Ok(v);
        }
        cx.clients
            .ec2
            .enable_transit_gateway_route_table_propagation()
            .transit_gateway_route_table_id(table)
            .transit_gateway_attachment_id(attachment)
            .send()
            .await
            .map_err(|e| aws_error(cx.address, "EnableTransitGatewayRouteTablePropagation", e))?;
        wait_link(self, cx, &id, planned, true).await?.ok_or_else(|| gone(cx, &id))
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
        // Both attributes force a replacement: there is nothing to change in place.
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        read_one(self, cx, &id, planned).await?.ok_or_else(|| gone(cx, &id))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        let Some((table, attachment)) = split_id(&id) else { return Ok(()) };
        match cx
            .clients
            .ec2
            .disable_transit_gateway_route_table_propagation()
            .transit_gateway_route_table_id(table)
            .transit_gateway_attachment_id(attachment)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if is_not_found(&e) => return Ok(()),
            Err(e) => return Err(aws_error(cx.address, "DisableTransitGatewayRouteTablePropagation", e)),
        }
        wait_link(self, cx, &id, prior, false).await.map(|_| ())
    }
}

fn gone(cx: &Ctx<'_>, id: &str) -> Diagnostic {
    crate::common::vanished(cx, "transit gateway route table propagation", id, "InvalidRouteTableID.NotFound")
}
