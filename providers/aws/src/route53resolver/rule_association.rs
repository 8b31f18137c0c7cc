//! `aws_route53_resolver_rule_association`: applies a resolver rule to a VPC.
//!
//! AssociateResolverRule takes no idempotency token; a rule can be associated with a VPC only
//! once, so a re-run after a crash finds the association by rule and VPC and adopts it.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use tether_sdk::{AttrType, Attribute, Block, Diagnostic, ReadItem, ResourceSchema, Value};

use super::{filter, PAGE};
use crate::common::{aws_error, is_not_found, opt_str, str_of, wait_status, Ctx};
use crate::resource::{read_one, AwsResource};

pub struct ResolverRuleAssociation;

type Association = aws_sdk_route53resolver::types::ResolverRuleAssociation;

const TYPE: &str = "aws_route53_resolver_rule_association";

#[async_trait]
impl AwsResource for ResolverRuleAssociation {
    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> ResourceSchema {
        ResourceSchema::new(
            "Associates a Route 53 Resolver rule with a VPC.",
            Block::new()
                .attr("id", Attribute::computed(AttrType::String))
                .attr("resolver_rule_id", Attribute::required(AttrType::String).force_new())
                .attr("vpc_id", Attribute::required(AttrType::String).force_new())
                .attr("name", Attribute::optional(AttrType::String).force_new()),
        )
    }

    async fn read(&self, cx: &Ctx<'_>, items: &[ReadItem]) -> Result<BTreeMap<String, Value>, Diagnostic> {
        if items.is_empty() {
            return Ok(BTreeMap::new());
        }
        let ids: std::collections::BTreeSet<&str> = items.iter().map(|i| i.id.as_str()).collect();
        // ListResolverRuleAssociations has no ID filter: list them all and pick.
        Ok(list(cx, Vec::new())
            .await?
            .iter()
            .filter(|a| a.id().is_some_and(|id| ids.contains(id)))
            .map(|a| (a.id().unwrap_or_default().to_string(), to_value(a)))
            .collect())
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value, _token: &str) -> Result<Value, Diagnostic> {
        let rule = str_of(planned, "resolver_rule_id").unwrap_or_default();
        let vpc = str_of(planned, "vpc_id").unwrap_or_default();
        let id = match find(cx, rule, vpc).await? {
            Some(id) => {
                cx.progress.report(&format!("adopting {id}, the existing association of {rule} with {vpc}"));
                id
            }
            None => {
                let out = cx
                    .clients
                    .resolver
                    .associate_resolver_rule()
                    .resolver_rule_id(rule)
                    .vpc_id(vpc)
                    .set_name(str_of(planned, "name").map(str::to_string))
                    .send()
                    .await
                    .map_err(|e| aws_error(cx.address, "AssociateResolverRule", e))?;
                out.resolver_rule_association().and_then(|a| a.id()).unwrap_or_default().to_string()
            }
        };
        let address = cx.address.to_string();
        wait_status(
            cx,
            TYPE,
            &id,
            &format!("resolver rule association {id} to complete"),
            Duration::from_secs(600),
            |ids| statuses(cx, ids),
            |s| match s {
                Some("COMPLETE") => Ok(true),
                Some("FAILED" | "OVERRIDDEN") | None => Err(Diagnostic::error(format!(
                    "resolver rule association {id} is {} instead of COMPLETE",
                    s.unwrap_or("gone")
                ))
                .code("aws::resolver-association-status")
                .address(&address)
                .help("check that the VPC exists and has no other rule for the same domain")),
                _ => Ok(false),
            },
        )
        .await?;
        read_one(self, cx, &id, planned)
            .await?
            .ok_or_else(|| crate::common::vanished(cx, "resolver rule association", &id, "ResourceNotFoundException"))
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
        // Every configurable attribute forces replacement: nothing to change in place.
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        Ok(read_one(self, cx, &id, planned).await?.unwrap_or_else(|| prior.clone()))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        let sent = cx
            .clients
            .resolver
            .disassociate_resolver_rule()
            .resolver_rule_id(str_of(prior, "resolver_rule_id").unwrap_or_default())
            .vpc_id(str_of(prior, "vpc_id").unwrap_or_default())
            .send()
            .await;
        match sent {
            Ok(_) => {}
            Err(e) if is_not_found(&e) => return Ok(()),
            Err(e) => return Err(aws_error(cx.address, "DisassociateResolverRule", e)),
        }
        crate::common::wait_gone(cx, TYPE, &id, "resolver rule association", Duration::from_secs(600), |ids| {
            statuses(cx, ids)
        })
        .await
    }
}

/// ListResolverRuleAssociations with filters, all pages.
async fn list(
    cx: &Ctx<'_>,
    filters: Vec<aws_sdk_route53resolver::types::Filter>,
) -> Result<Vec<Association>, Diagnostic> {
    let mut pages = cx
        .clients
        .resolver
        .list_resolver_rule_associations()
        .set_filters((!filters.is_empty()).then_some(filters))
        .max_results(PAGE)
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(cx.address, "ListResolverRuleAssociations", e))?;
        out.extend(page.resolver_rule_associations().iter().cloned());
    }
    Ok(out)
}

/// The association of `rule` with `vpc`, if one exists.
async fn find(cx: &Ctx<'_>, rule: &str, vpc: &str) -> Result<Option<String>, Diagnostic> {
    let found = list(cx, vec![filter("ResolverRuleId", [rule]), filter("VPCId", [vpc])]).await?;
    Ok(found
        .iter()
        .find(|a| a.resolver_rule_id() == Some(rule) && a.vpc_id() == Some(vpc))
        .and_then(|a| a.id())
        .map(str::to_string))
}

async fn statuses(cx: &Ctx<'_>, ids: Vec<String>) -> Result<BTreeMap<String, String>, Diagnostic> {
    Ok(list(cx, Vec::new())
        .await?
        .into_iter()
        .filter_map(|a| {
            let id = a.id()?.to_string();
            ids.contains(&id).then(|| (id, a.status().map(|s| s.as_str().to_string()).unwrap_or_default()))
        })
        .collect())
}

fn to_value(a: &Association) -> Value {
    Value::map([
        ("id", opt_str(a.id())),
        ("resolver_rule_id", opt_str(a.resolver_rule_id())),
        ("vpc_id", opt_str(a.vpc_id())),
        ("name", opt_str(a.name().filter(|n| !n.is_empty()))),
    ])
}
