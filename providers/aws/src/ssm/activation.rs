//! `aws_ssm_activation`: an SSM hybrid activation, whose code and ID register on-premises
//! machines (hybrid nodes, through `nodeadm`) as SSM managed instances.
//!
//! Every argument, tags included, forces a new activation, as in Terraform: SSM has no call
//! that changes an activation, and its tagging API does not take activations. The activation
//! code is a secret returned by CreateActivation only: reads keep it from state.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_ssm::primitives::{DateTime, DateTimeFormat};
use aws_sdk_ssm::types::{Activation as Act, DescribeActivationsFilter, DescribeActivationsFilterKeys};
use tether_sdk::{AttrPath, AttrType, Attribute, Block, Diagnostic, PathStep, ReadItem, ResourceSchema, Value};

use super::{creation_tags, owned_by_us, read_tags};
use crate::common::{aws_error, i64_of, is_not_found, opt_i64, opt_str, rfc3339, str_of, Ctx};
use crate::resource::{read_one, AwsResource};

pub struct Activation;

/// DescribeActivations' largest page.
const PAGE: i32 = 50;

/// How many machines one activation may register (the API's range).
const LIMITS: std::ops::RangeInclusive<i64> = 1..=1000;

#[async_trait]
impl AwsResource for Activation {
    fn type_name(&self) -> &'static str {
        "aws_ssm_activation"
    }

    fn schema(&self) -> ResourceSchema {
        ResourceSchema::new(
            "An SSM hybrid activation: the code and ID on-premises nodes register with.",
            Block::new()
                .attr("id", Attribute::computed(AttrType::String).describe("the activation ID"))
                .attr("name", Attribute::optional(AttrType::String).force_new().describe("default instance name"))
                .attr("description", Attribute::optional(AttrType::String).force_new())
                .attr(
                    "expiration_date",
                    Attribute::optional_computed(AttrType::String)
                        .force_new()
                        .describe("RFC 3339 time, at most 30 days ahead (default: 24 hours)"),
                )
                .attr("iam_role", Attribute::required(AttrType::String).force_new())
                .attr(
                    "registration_limit",
                    Attribute::optional_computed(AttrType::Number).force_new().describe("1 to 1000 (default 1)"),
                )
                .attr(
                    "activation_code",
                    Attribute::computed(AttrType::String)
                        .sensitive()
                        .describe("returned at creation only; kept in state"),
                )
                .attr("expired", Attribute::computed(AttrType::Bool))
                .attr("registration_count", Attribute::computed(AttrType::Number))
                .attr("tags", Attribute::optional(AttrType::map_of(AttrType::String)).force_new())
                .attr("tags_all", Attribute::computed(AttrType::map_of(AttrType::String))),
        )
    }

    fn canonicalize(&self, path: &AttrPath, v: Value) -> Value {
        match (path.0.as_slice(), v.as_str()) {
            ([PathStep::Attr(a)], Some(s)) if a == "expiration_date" => match parse_time(s) {
                Some(t) => rfc3339(Some(&t)),
                None => v,
            },
            _ => v,
        }
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        if let Some(s) = str_of(config, "expiration_date").filter(|s| parse_time(s).is_none()) {
            out.push(
                Diagnostic::error(format!("expiration_date {s:?} is not an RFC 3339 time"))
                    .code("aws::invalid-time")
                    .attribute(AttrPath::attr("expiration_date"))
                    .help("write it like 2026-05-01T00:00:00Z (at most 30 days ahead)"),
            );
        }
        if let Some(n) = i64_of(config, "registration_limit").filter(|n| !LIMITS.contains(n)) {
            out.push(
                Diagnostic::error(format!("registration_limit {n} is outside 1 to 1000"))
                    .code("aws::invalid-value")
                    .attribute(AttrPath::attr("registration_limit"))
                    .help("set it to the number of machines this activation registers, at most 1000"),
            );
        }
        out
    }

    async fn read(&self, cx: &Ctx<'_>, items: &[ReadItem]) -> Result<BTreeMap<String, Value>, Diagnostic> {
        if items.is_empty() {
            return Ok(BTreeMap::new());
        }
        let ids = items.iter().map(|i| i.id.clone()).collect();
        let found = describe(cx, DescribeActivationsFilterKeys::ActivationIds, ids).await?;
        let mut out = BTreeMap::new();
        for item in items {
            if let Some(a) = found.iter().find(|a| a.activation_id() == Some(item.id.as_str())) {
                out.insert(item.id.clone(), to_value(cx, a, Some(&item.prior).filter(|p| !p.is_null())));
            }
        }
        Ok(out)
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value, _token: &str) -> Result<Value, Diagnostic> {
        let role = str_of(planned, "iam_role").unwrap_or_default().to_string();
        // CreateActivation takes no idempotency token, so look for what an interrupted run
        // created (tagged with this lineage and address). Its code was only in the lost
        // response and cannot be read back: such an activation is useless to its nodes, so it
        // is deleted and a new one created.
        let leftovers = describe(cx, DescribeActivationsFilterKeys::IamRole, vec![role.clone()]).await?;
        for a in leftovers.iter().filter(|a| owned_by_us(cx, a.tags())) {
            let id = a.activation_id().unwrap_or_default();
            cx.progress.report(&format!(
                "found activation {id}, created by an interrupted run; its activation code cannot be read back, \
                 so it is deleted and a new activation created"
            ));
            delete(cx, id).await?;
        }
        let out = cx
            .clients
            .ssm
            .create_activation()
            .iam_role(&role)
            .set_default_instance_name(str_of(planned, "name").map(Into::into))
            .set_description(str_of(planned, "description").map(Into::into))
            .set_expiration_date(str_of(planned, "expiration_date").and_then(parse_time))
            .set_registration_limit(i64_of(planned, "registration_limit").map(|n| n as i32))
            .set_tags(Some(creation_tags(cx, planned)))
            .send()
            .await
            .map_err(|e| aws_error(cx.address, "CreateActivation", e))?;
        let id = out.activation_id().unwrap_or_default().to_string();
        // The code is in this response only: it rides along as the "prior" value of the read.
        let mut seed = planned.clone();
        seed.set_path(&AttrPath::attr("activation_code"), opt_str(out.activation_code()));
        read_one(self, cx, &id, &seed).await?.ok_or_else(|| vanished(cx, &id))
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, _planned: &Value) -> Result<Value, Diagnostic> {
        // Every argument forces replacement: there is nothing to change in place.
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        read_one(self, cx, &id, prior).await?.ok_or_else(|| vanished(cx, &id))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Diagnostic> {
        delete(cx, str_of(prior, "id").unwrap_or_default()).await
    }
}

fn vanished(cx: &Ctx<'_>, id: &str) -> Diagnostic {
    crate::common::vanished(cx, "SSM activation", id, "InvalidActivationId")
}

/// An RFC 3339 time, with or without an offset.
fn parse_time(s: &str) -> Option<DateTime> {
    DateTime::from_str(s, DateTimeFormat::DateTimeWithOffset).ok()
}

/// Every activation matching one DescribeActivations filter (paginated).
async fn describe(
    cx: &Ctx<'_>,
    key: DescribeActivationsFilterKeys,
    values: Vec<String>,
) -> Result<Vec<Act>, Diagnostic> {
    let filter = DescribeActivationsFilter::builder().filter_key(key).set_filter_values(Some(values)).build();
    let mut pages = cx.clients.ssm.describe_activations().filters(filter).max_results(PAGE).into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(cx.address, "DescribeActivations", e))?;
        out.extend(page.activation_list().iter().cloned());
    }
    Ok(out)
}

/// DeleteActivation; an activation already gone is success.
async fn delete(cx: &Ctx<'_>, id: &str) -> Result<(), Diagnostic> {
    use aws_sdk_ssm::error::ProvideErrorMetadata;
    match cx.clients.ssm.delete_activation().activation_id(id).send().await {
        Ok(_) => Ok(()),
        Err(e) if is_not_found(&e) => Ok(()),
        // SSM says InvalidActivation(Id) for an activation that was deleted or never existed.
        Err(e) if matches!(e.code(), Some("InvalidActivation" | "InvalidActivationId")) => Ok(()),
        Err(e) => Err(aws_error(cx.address, "DeleteActivation", e)),
    }
}

fn to_value(cx: &Ctx<'_>, a: &Act, prior: Option<&Value>) -> Value {
    let (tags, tags_all) = read_tags(cx, a.tags(), prior);
    let non_empty = |s: Option<&str>| opt_str(s.filter(|s| !s.is_empty()));
    // The code is never returned again: keep the one state has. It is marked sensitive here as
    // well as by the schema, so no path through the provider can print it.
    let code = prior
        .and_then(|p| p.get("activation_code"))
        .and_then(|c| c.peel().as_str())
        .map(|c| Value::Sensitive(Box::new(Value::from(c))))
        .unwrap_or(Value::Null);
    Value::map([
        ("id", opt_str(a.activation_id())),
        ("name", non_empty(a.default_instance_name())),
        ("description", non_empty(a.description())),
        ("expiration_date", rfc3339(a.expiration_date())),
        ("iam_role", opt_str(a.iam_role())),
        ("registration_limit", opt_i64(a.registration_limit().map(i64::from))),
        ("activation_code", code),
        ("expired", Value::Bool(a.expired())),
        ("registration_count", opt_i64(a.registrations_count().map(i64::from))),
        ("tags", tags),
        ("tags_all", tags_all),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiration_dates_compare_in_utc() {
        let p = AttrPath::attr("expiration_date");
        assert_eq!(
            Activation.canonicalize(&p, Value::from("2026-05-01T09:00:00+09:00")),
            Value::from("2026-05-01T00:00:00Z")
        );
        let bad = Value::map([("iam_role", Value::from("r")), ("expiration_date", Value::from("May 1st"))]);
        let d = Activation.validate(&bad);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].attribute, Some(AttrPath::attr("expiration_date")));
    }
}
