//! `aws_route_table_association`: which route table a subnet (or an internet or virtual private
//! gateway, for edge routing) uses.
//!
//! A subnet without one uses its VPC's main route table, so a table holding the routes to the
//! remote networks that no subnet is associated with routes nothing. Associations carry no tags
//! and AssociateRouteTable takes no token: a re-run after a crash finds the association it made
//! by reading the table's associations, and adopts it when it links the same subnet (or
//! gateway) to the same table. A new `route_table_id` is applied in place with
//! ReplaceRouteTableAssociation, as Terraform does; a new subnet or gateway is a replacement.
//!
//! A refresh reads every association with one paginated DescribeRouteTables filtered by the
//! association IDs. Import takes the association ID, or Terraform's `subnet-id/rtb-id` (or
//! `igw-id/rtb-id`).

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use tether_sdk::{AttrPath, AttrType, Attribute, Block, Diagnostic, ReadItem, ResourceSchema, Value};

use crate::common::{aws_error, filter, is_not_found, opt_str, report_adopted, str_of, wait_for, Ctx};
use crate::ec2::route_table::describe;
use crate::resource::{read_one, AwsResource};

pub struct RouteTableAssociation;

type Table = aws_sdk_ec2::types::RouteTable;
type Assoc = aws_sdk_ec2::types::RouteTableAssociation;

#[async_trait]
impl AwsResource for RouteTableAssociation {
    fn type_name(&self) -> &'static str {
        "aws_route_table_association"
    }

    fn schema(&self) -> ResourceSchema {
        ResourceSchema::new(
            "Associates a route table with a subnet, or with an internet or virtual private gateway.",
            Block::new()
                .attr("id", Attribute::computed(AttrType::String))
                .attr(
                    "subnet_id",
                    Attribute::optional(AttrType::String).force_new().describe("the subnet; or set gateway_id"),
                )
                .attr(
                    "gateway_id",
                    Attribute::optional(AttrType::String)
                        .force_new()
                        .describe("an internet or virtual private gateway (edge association); or set subnet_id"),
                )
                .attr(
                    "route_table_id",
                    Attribute::required(AttrType::String).describe("the table to use; changed in place"),
                ),
        )
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let set = |k: &str| config.get(k).is_some_and(|v| !v.is_null());
        if set("subnet_id") == set("gateway_id") {
            let what = if set("subnet_id") { "both" } else { "neither" };
            return vec![Diagnostic::error(format!(
                "a route table association needs exactly one of subnet_id and gateway_id, but has {what}"
            ))
            .code("aws::route-table-association-target")
            .attribute(AttrPath::attr(if set("gateway_id") { "gateway_id" } else { "subnet_id" }))
            .help("set subnet_id to associate a subnet, or gateway_id for an internet or virtual private gateway")];
        }
        Vec::new()
    }

    async fn read(&self, cx: &Ctx<'_>, items: &[ReadItem]) -> Result<BTreeMap<String, Value>, Diagnostic> {
        if items.is_empty() {
            return Ok(BTreeMap::new());
        }
        // Association IDs, and import IDs of the form target/table resolved by target.
        let (by_id, by_target): (Vec<&ReadItem>, Vec<&ReadItem>) =
            items.iter().partition(|i| i.id.starts_with("rtbassoc-"));
        let mut out = BTreeMap::new();
        if !by_id.is_empty() {
            let ids = by_id.iter().map(|i| i.id.clone());
            for t in describe(cx, vec![filter("association.route-table-association-id", ids)]).await? {
                for a in live(&t) {
                    let id = a.route_table_association_id().unwrap_or_default();
                    if by_id.iter().any(|i| i.id == id) {
                        out.insert(id.to_string(), to_value(a));
                    }
                }
            }
        }
        for item in by_target {
            let Some((target, table)) = item.id.split_once('/') else { continue };
            if let Some(a) = find(cx, target, Some(table)).await? {
                out.insert(item.id.clone(), to_value(&a));
            }
        }
        Ok(out)
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value, _token: &str) -> Result<Value, Diagnostic> {
        let table = str_of(planned, "route_table_id").unwrap_or_default().to_string();
        let target = target_of(planned).to_string();
        // A crashed run may have associated the very same pair already.
        let id = match find(cx, &target, Some(&table)).await? {
            Some(a) => {
                let id = a.route_table_association_id().unwrap_or_default().to_string();
                report_adopted(cx, &id);
                id
            }
            None => {
                let out = cx
                    .clients
                    .ec2
                    .associate_route_table()
                    .route_table_id(&table)
                    .set_subnet_id(str_of(planned, "subnet_id").map(Into::into))
                    .set_gateway_id(str_of(planned, "gateway_id").map(Into::into))
                    .send()
                    .await
                    .map_err(|e| {
                        let d = aws_error(cx.address, "AssociateRouteTable", e);
                        if d.code.as_deref() == Some("aws::Resource.AlreadyAssociated") {
                            d.help(format!(
                                "{target} is already associated with another table: import that association with \
                                 `tether import {} {target}/<rtb-id>` or remove it",
                                cx.address
                            ))
                        } else {
                            d
                        }
                    })?;
                out.association_id().unwrap_or_default().to_string()
            }
        };
        wait_associated(self, cx, &id, planned).await
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        let table = str_of(planned, "route_table_id").unwrap_or_default();
        if str_of(prior, "route_table_id") == Some(table) {
            return read_one(self, cx, &id, planned).await?.ok_or_else(|| gone(cx, &id));
        }
        // The association gets a new ID when it moves to another table.
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
        wait_associated(self, cx, &new_id, planned).await
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default();
        match cx.clients.ec2.disassociate_route_table().association_id(id).send().await {
            Ok(_) => Ok(()),
            Err(e) if is_not_found(&e) => Ok(()),
            Err(e) => Err(aws_error(cx.address, "DisassociateRouteTable", e)),
        }
    }
}

fn gone(cx: &Ctx<'_>, id: &str) -> Diagnostic {
    crate::common::vanished(cx, "route table association", id, "InvalidAssociationID.NotFound")
}

/// The subnet or gateway an association value names.
fn target_of(v: &Value) -> &str {
    str_of(v, "subnet_id").or_else(|| str_of(v, "gateway_id")).unwrap_or_default()
}

/// The associations of a table that are in place (not the main one, not being removed).
fn live(t: &Table) -> impl Iterator<Item = &Assoc> {
    t.associations().iter().filter(|a| {
        a.main() != Some(true)
            && !matches!(
                a.association_state().and_then(|s| s.state()).map(|s| s.as_str()),
                Some("disassociating" | "disassociated" | "failed")
            )
    })
}

/// The association of `target` (a subnet or gateway ID), with `table` when given.
async fn find(cx: &Ctx<'_>, target: &str, table: Option<&str>) -> Result<Option<Assoc>, Diagnostic> {
    let key = if target.starts_with("subnet-") { "association.subnet-id" } else { "association.gateway-id" };
    let mut filters = vec![filter(key, [target])];
    if let Some(t) = table {
        filters.push(filter("route-table-id", [t]));
    }
    let tables = describe(cx, filters).await?;
    let found = tables.iter().flat_map(live).find(|a| a.subnet_id() == Some(target) || a.gateway_id() == Some(target));
    Ok(found.cloned())
}

async fn wait_associated(
    r: &RouteTableAssociation,
    cx: &Ctx<'_>,
    id: &str,
    planned: &Value,
) -> Result<Value, Diagnostic> {
    // EC2 is eventually consistent: a new association can be missing from Describe for a moment.
    wait_for(cx, &format!("route table association {id}"), Duration::from_secs(300), || async {
        let v = read_one(r, cx, id, planned).await?;
        Ok(v.filter(|v| str_of(v, "route_table_id") == str_of(planned, "route_table_id")))
    })
    .await
}

fn to_value(a: &Assoc) -> Value {
    Value::map([
        ("id", opt_str(a.route_table_association_id())),
        ("subnet_id", opt_str(a.subnet_id())),
        ("gateway_id", opt_str(a.gateway_id())),
        ("route_table_id", opt_str(a.route_table_id())),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_one_target() {
        let r = RouteTableAssociation;
        let cfg = |s: Option<&str>, g: Option<&str>| {
            Value::map([
                ("subnet_id", s.map(Value::from).unwrap_or_default()),
                ("gateway_id", g.map(Value::from).unwrap_or_default()),
                ("route_table_id", Value::from("rtb-1")),
            ])
        };
        assert!(r.validate(&cfg(Some("subnet-1"), None)).is_empty());
        assert!(r.validate(&cfg(None, Some("igw-1"))).is_empty());
        assert_eq!(r.validate(&cfg(None, None))[0].code.as_deref(), Some("aws::route-table-association-target"));
        assert_eq!(r.validate(&cfg(Some("subnet-1"), Some("igw-1"))).len(), 1);
        // An unknown ID (a subnet not created yet) counts as set.
        let unknown = Value::map([("subnet_id", Value::Unknown), ("route_table_id", Value::Unknown)]);
        assert!(r.validate(&unknown).is_empty());
    }
}
