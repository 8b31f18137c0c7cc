//! `aws_rolesanywhere_profile`: the roles a certificate accepted by a trust anchor may assume
//! through IAM Roles Anywhere (the hybrid nodes' role).
//!
//! Everything but `require_instance_properties` changes in place (UpdateProfile, Enable/
//! DisableProfile, TagResource/UntagResource).

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_rolesanywhere::types::ProfileDetail;
use tether_sdk::{AttrPath, AttrType, Attribute, Block, Diagnostic, ReadItem, ResourceSchema, Value};

use super::{creation_tags, is_not_found, owned_by_us, read_tags, tags_of, update_tags};
use crate::common::{aws_error, bool_of, i64_of, opt_str, report_adopted, str_of, Ctx};
use crate::resource::{read_one, AwsResource};

pub struct Profile;

const DEFAULT_DURATION: i64 = 3600;

fn strings(v: &Value, k: &str) -> Vec<String> {
    v.get(k).and_then(Value::as_list).unwrap_or(&[]).iter().filter_map(|s| s.as_str().map(str::to_string)).collect()
}

fn string_set(items: &[String]) -> Value {
    let mut v: Vec<Value> = items.iter().map(|s| Value::from(s.as_str())).collect();
    tether_sdk::plan::sort_set(&mut v);
    Value::List(v)
}

#[async_trait]
impl AwsResource for Profile {
    fn type_name(&self) -> &'static str {
        "aws_rolesanywhere_profile"
    }

    fn schema(&self) -> ResourceSchema {
        ResourceSchema::new(
            "An IAM Roles Anywhere profile.",
            Block::new()
                .attr("id", Attribute::computed(AttrType::String))
                .attr("arn", Attribute::computed(AttrType::String))
                .attr("name", Attribute::required(AttrType::String))
                .attr("role_arns", Attribute::optional_computed(AttrType::set_of(AttrType::String)))
                .attr("managed_policy_arns", Attribute::optional_computed(AttrType::set_of(AttrType::String)))
                .attr("session_policy", Attribute::optional(AttrType::String))
                .attr(
                    "duration_seconds",
                    Attribute::optional_computed(AttrType::Number).describe("900 to 43200 (3600)"),
                )
                .attr("enabled", Attribute::optional_computed(AttrType::Bool).describe("true by default"))
                .attr("require_instance_properties", Attribute::optional_computed(AttrType::Bool).force_new())
                .attr("accept_role_session_name", Attribute::optional_computed(AttrType::Bool))
                .attr("tags", Attribute::optional(AttrType::map_of(AttrType::String)))
                .attr("tags_all", Attribute::computed(AttrType::map_of(AttrType::String))),
        )
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        if let Some(n) = config.get("duration_seconds").and_then(Value::as_i64) {
            if !(900..=43200).contains(&n) {
                out.push(
                    Diagnostic::error(format!("duration_seconds must be 900 to 43200, not {n}"))
                        .code("aws::invalid-duration")
                        .attribute(AttrPath::attr("duration_seconds"))
                        .help("use a number of seconds from 900 (15 minutes) to 43200 (12 hours)"),
                );
            }
        }
        for (i, arn) in strings(config, "role_arns").iter().enumerate() {
            if !(arn.starts_with("arn:") && arn.contains(":role/")) {
                out.push(
                    Diagnostic::error(format!("{arn:?} is not the ARN of an IAM role"))
                        .code("aws::invalid-arn")
                        .attribute(AttrPath::attr("role_arns").join_index(i))
                        .help("write aws_iam_role.<name>.arn"),
                );
            }
        }
        out
    }

    async fn read(&self, cx: &Ctx<'_>, items: &[ReadItem]) -> Result<BTreeMap<String, Value>, Diagnostic> {
        if items.is_empty() {
            return Ok(BTreeMap::new());
        }
        let all = list(cx).await?;
        let mut out = BTreeMap::new();
        for item in items {
            let Some(p) = all.iter().find(|p| p.profile_id() == Some(item.id.as_str())) else { continue };
            let tags = tags_of(cx, p.profile_arn().unwrap_or_default()).await?;
            out.insert(item.id.clone(), to_value(cx, p, &tags, Some(&item.prior)));
        }
        Ok(out)
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value, _token: &str) -> Result<Value, Diagnostic> {
        for p in list(cx).await? {
            let tags = tags_of(cx, p.profile_arn().unwrap_or_default()).await?;
            if owned_by_us(cx, &tags) {
                let id = p.profile_id().unwrap_or_default().to_string();
                report_adopted(cx, &id);
                let prior = to_value(cx, &p, &tags, None);
                return self.update(cx, &prior, planned).await;
            }
        }
        let out = cx
            .clients
            .rolesanywhere
            .create_profile()
            .name(str_of(planned, "name").unwrap_or_default())
            .set_role_arns(Some(strings(planned, "role_arns")))
            .set_managed_policy_arns(Some(strings(planned, "managed_policy_arns")).filter(|v| !v.is_empty()))
            .set_session_policy(str_of(planned, "session_policy").map(Into::into))
            .set_duration_seconds(i64_of(planned, "duration_seconds").and_then(|n| i32::try_from(n).ok()))
            .enabled(bool_of(planned, "enabled").unwrap_or(true))
            .set_require_instance_properties(bool_of(planned, "require_instance_properties"))
            .set_accept_role_session_name(bool_of(planned, "accept_role_session_name"))
            .set_tags(Some(creation_tags(cx, planned)))
            .send()
            .await
            .map_err(|e| aws_error(cx.address, "CreateProfile", e))?;
        let id = out.profile().and_then(|p| p.profile_id()).unwrap_or_default().to_string();
        read_one(self, cx, &id, planned).await?.ok_or_else(|| vanished(cx, &id))
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        let ra = &cx.clients.rolesanywhere;
        let differs = |k: &str| {
            let want = planned.get(k).filter(|v| !v.is_null() && !v.is_unknown());
            want.is_some() && want.map(Value::unmark_deep) != prior.get(k).map(Value::unmark_deep)
        };
        if [
            "name",
            "role_arns",
            "managed_policy_arns",
            "session_policy",
            "duration_seconds",
            "accept_role_session_name",
        ]
        .iter()
        .any(|k| differs(k))
        {
            ra.update_profile()
                .profile_id(&id)
                .set_name(str_of(planned, "name").map(Into::into))
                .set_role_arns(Some(strings(planned, "role_arns")))
                .set_managed_policy_arns(Some(strings(planned, "managed_policy_arns")))
                .set_session_policy(str_of(planned, "session_policy").map(Into::into))
                .set_duration_seconds(i64_of(planned, "duration_seconds").and_then(|n| i32::try_from(n).ok()))
                .set_accept_role_session_name(bool_of(planned, "accept_role_session_name"))
                .send()
                .await
                .map_err(|e| aws_error(cx.address, "UpdateProfile", e))?;
        }
        let want = bool_of(planned, "enabled").unwrap_or(true);
        if bool_of(prior, "enabled") != Some(want) {
            if want {
                ra.enable_profile()
                    .profile_id(&id)
                    .send()
                    .await
                    .map_err(|e| aws_error(cx.address, "EnableProfile", e))?;
            } else {
                ra.disable_profile()
                    .profile_id(&id)
                    .send()
                    .await
                    .map_err(|e| aws_error(cx.address, "DisableProfile", e))?;
            }
        }
        let arn = str_of(prior, "arn").unwrap_or_default().to_string();
        update_tags(cx, &arn, prior, planned).await?;
        read_one(self, cx, &id, planned).await?.ok_or_else(|| vanished(cx, &id))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default();
        match cx.clients.rolesanywhere.delete_profile().profile_id(id).send().await {
            Ok(_) => Ok(()),
            Err(e) if is_not_found(&e) => Ok(()),
            Err(e) => Err(aws_error(cx.address, "DeleteProfile", e)),
        }
    }
}

fn vanished(cx: &Ctx<'_>, id: &str) -> Diagnostic {
    crate::common::vanished(cx, "Roles Anywhere profile", id, "ResourceNotFoundException")
}

/// Every profile of the account and region: ListProfiles, all pages.
async fn list(cx: &Ctx<'_>) -> Result<Vec<ProfileDetail>, Diagnostic> {
    let mut pages = cx.clients.rolesanywhere.list_profiles().into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(cx.address, "ListProfiles", e))?;
        out.extend(page.profiles().iter().cloned());
    }
    Ok(out)
}

fn to_value(
    cx: &Ctx<'_>,
    p: &ProfileDetail,
    tags: &[aws_sdk_rolesanywhere::types::Tag],
    prior: Option<&Value>,
) -> Value {
    let (tags, tags_all) = read_tags(cx, tags, prior);
    Value::map([
        ("id", opt_str(p.profile_id())),
        ("arn", opt_str(p.profile_arn())),
        ("name", opt_str(p.name())),
        ("role_arns", string_set(p.role_arns())),
        ("managed_policy_arns", string_set(p.managed_policy_arns())),
        ("session_policy", opt_str(p.session_policy())),
        ("duration_seconds", Value::int(p.duration_seconds().map(i64::from).unwrap_or(DEFAULT_DURATION))),
        ("enabled", Value::Bool(p.enabled().unwrap_or(true))),
        ("require_instance_properties", Value::Bool(p.require_instance_properties().unwrap_or(false))),
        ("accept_role_session_name", Value::Bool(p.accept_role_session_name().unwrap_or(false))),
        ("tags", tags),
        ("tags_all", tags_all),
    ])
}
