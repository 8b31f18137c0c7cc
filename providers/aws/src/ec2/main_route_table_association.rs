//! `aws_main_route_table_association`: makes a route table the main table of its VPC, the one
//! every subnet without an explicit association uses.
//!
//! As in Terraform, the table AWS made with the VPC is remembered (`original_route_table_id`)
//! and made main again on delete, since a VPC always has a main table. A new `route_table_id`
//! is applied in place (ReplaceRouteTableAssociation gives the association a new ID). There is
//! nothing to tag and no token: a re-run after a crash finds the VPC's main association
//! already on the planned table and takes it over. A refresh reads every VPC's main
//! association with one DescribeRouteTables filtered by the association IDs.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use tether_sdk::{AttrType, Attribute, Block, Diagnostic, ReadItem, ResourceSchema, Value};

use crate::common::{aws_error, filter, opt_str, report_adopted, str_of, wait_for, Ctx};
use crate::ec2::route_table::describe;
use crate::resource::{read_one, AwsResource};

pub struct MainRouteTableAssociation;

#[async_trait]
impl AwsResource for MainRouteTableAssociation {
    fn type_name(&self) -> &'static str {
        "aws_main_route_table_association"
    }

    fn schema(&self) -> ResourceSchema {
        ResourceSchema::new(
            "Makes a route table the main route table of its VPC.",
            Block::new()
                .attr("id", Attribute::computed(AttrType::String))
                .attr("vpc_id", Attribute::required(AttrType::String).force_new())
                .attr(
                    "route_table_id",
                    Attribute::required(AttrType::String).describe("the new main table; changed in place"),
                )
                .attr(
                    "original_route_table_id",
                    Attribute::computed(AttrType::String)
                        .describe("the main table before; made main again when this is destroyed"),
                ),
        )
    }

    async fn read(&self, cx: &Ctx<'_>, items: &[ReadItem]) -> Result<BTreeMap<String, Value>, Diagnostic> {
        if items.is_empty() {
            return Ok(BTreeMap::new());
        }
        let ids = items.iter().map(|i| i.id.clone());
        let tables = describe(cx, vec![filter("association.route-table-association-id", ids)]).await?;
        let mut out = BTreeMap::new();
        for t in &tables {
            for a in t.associations().iter().filter(|a| a.main() == Some(true)) {
                let Some(id) = a.route_table_association_id() else { continue };
                let Some(item) = items.iter().find(|i| i.id == id) else { continue };
                let original = item.prior.get("original_route_table_id").cloned().unwrap_or_default();
                out.insert(
                    id.to_string(),
                    Value::map([
                        ("id", Value::from(id)),
                        ("vpc_id", opt_str(t.vpc_id())),
                        ("route_table_id", opt_str(a.route_table_id())),
                        ("original_route_table_id", original),
                    ]),
                );
            }
        }
        Ok(out)
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value, _token: &str) -> Result<Value, Diagnostic> {
        let vpc = str_of(planned, "vpc_id").unwrap_or_default();
        let table = str_of(planned, "route_table_id").unwrap_or_default();
        let (assoc, current) = main_association(cx, vpc).await?;
        let id = if current == table {
            report_adopted(cx, &format!("the main route table association of {vpc}"));
            assoc.clone()
        } else {
            let out = cx
                .clients
                .ec2
                .replace_route_table_association()
                .association_id(&assoc)
                .route_table_id(table)
                .send()
                .await
                .map_err(|e| aws_error(cx.address, "ReplaceRouteTableAssociation", e))?;
            out.new_association_id().unwrap_or(&assoc).to_string()
        };
        // The table AWS made with the VPC is the one to give back on delete. A re-run after a
        // crash no longer sees it as main; it is then the VPC's oldest table.
        let original = if current == table { original_table(cx, vpc, table).await? } else { Some(current) };
        let mut want = planned.clone();
        want.set_path(&tether_sdk::AttrPath::attr("original_route_table_id"), opt_str(original.as_deref()));
        wait_main(self, cx, &id, &want).await
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        let table = str_of(planned, "route_table_id").unwrap_or_default();
        let mut want = planned.clone();
        want.set_path(
            &tether_sdk::AttrPath::attr("original_route_table_id"),
            prior.get("original_route_table_id").cloned().unwrap_or_default(),
        );
        if str_of(prior, "route_table_id") == Some(table) {
            return wait_main(self, cx, &id, &want).await;
        }
        let out = cx
            .clients
            .ec2
            .replace_route_table_association()
            .association_id(&id)
            .route_table_id(table)
            .send()
            .await
            .map_err(|e| aws_error(cx.address, "ReplaceRouteTableAssociation", e))?;
        let new_id = out.new_association_id().unwrap_or(&id).to_string();
        wait_main(self, cx, &new_id, &want).await
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Diagnostic> {
        let Some(original) = str_of(prior, "original_route_table_id") else { return Ok(()) };
        let vpc = str_of(prior, "vpc_id").unwrap_or_default();
        let (assoc, current) = match main_association(cx, vpc).await {
            Ok(found) => found,
            // The VPC is gone, and its main table with it.
            Err(d) if d.code.as_deref() == Some("aws::InvalidVpcID.NotFound") => return Ok(()),
            Err(d) => return Err(d),
        };
        if current == original {
            return Ok(());
        }
        cx.clients
            .ec2
            .replace_route_table_association()
            .association_id(assoc)
            .route_table_id(original)
            .send()
            .await
            .map_err(|e| aws_error(cx.address, "ReplaceRouteTableAssociation", e))?;
        Ok(())
    }
}

/// The main association of a VPC: its ID and the table it points at.
async fn main_association(cx: &Ctx<'_>, vpc: &str) -> Result<(String, String), Diagnostic> {
    let tables = describe(cx, vec![filter("vpc-id", [vpc]), filter("association.main", ["true"])]).await?;
    tables
        .iter()
        .flat_map(|t| t.associations())
        .find(|a| a.main() == Some(true))
        .and_then(|a| Some((a.route_table_association_id()?.to_string(), a.route_table_id()?.to_string())))
        .ok_or_else(|| {
            Diagnostic::error(format!("VPC {vpc} has no main route table"))
                .code("aws::InvalidVpcID.NotFound")
                .address(cx.address)
                .help("check that the VPC exists in this region")
        })
}

/// The table AWS created with the VPC: the VPC's tables minus the new main one, oldest first
/// (tables carry no creation time, so one without this stack's address tags).
async fn original_table(cx: &Ctx<'_>, vpc: &str, main: &str) -> Result<Option<String>, Diagnostic> {
    let tables = describe(cx, vec![filter("vpc-id", [vpc])]).await?;
    Ok(tables
        .iter()
        .filter(|t| t.route_table_id() != Some(main))
        .find(|t| !t.tags().iter().any(|tag| tag.key() == Some(tether_sdk::TAG_ADDRESS)))
        .and_then(|t| t.route_table_id().map(str::to_string)))
}

async fn wait_main(r: &MainRouteTableAssociation, cx: &Ctx<'_>, id: &str, want: &Value) -> Result<Value, Diagnostic> {
    wait_for(cx, &format!("main route table association {id}"), Duration::from_secs(300), || async {
        let v = read_one(r, cx, id, want).await?;
        Ok(v.filter(|v| str_of(v, "route_table_id") == str_of(want, "route_table_id")))
    })
    .await
}
