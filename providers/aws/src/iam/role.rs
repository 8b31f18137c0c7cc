//! `aws_iam_role`: a role and the trust policy that says who may assume it.
//!
//! The ID is the role name. The trust policy (UpdateAssumeRolePolicy), description and maximum
//! session duration (UpdateRole) and tags change in place; name and path force a replacement.
//! A refresh is two paginated calls for every role: ListRoles (description, session duration)
//! and GetAccountAuthorizationDetails (tags). Deleting a role first removes it from instance
//! profiles; with `force_detach_policies` it also detaches managed policies and deletes inline
//! ones, as Terraform does (otherwise IAM refuses while they are attached).

use std::collections::BTreeMap;

use async_trait::async_trait;
use tether_sdk::{AttrPath, AttrType, Attribute, Block, Diagnostic, ReadItem, ResourceSchema, Value};

use super::{
    canonical_policy_value, check_policy, creation_tags, date, decode_document, is_already_exists, is_no_such_entity,
    owned_by_us, read_tags, role_details, tag_delta, taken,
};
use crate::common::{aws_error, bool_of, i64_of, opt_str, report_adopted, str_of, Ctx};
use crate::resource::{read_one, AwsResource};

pub struct Role;

const DEFAULT_SESSION: i64 = 3600;

#[async_trait]
impl AwsResource for Role {
    fn type_name(&self) -> &'static str {
        "aws_iam_role"
    }

    fn schema(&self) -> ResourceSchema {
        ResourceSchema::new(
            "An IAM role.",
            Block::new()
                .attr("id", Attribute::computed(AttrType::String).describe("the role name"))
                .attr("arn", Attribute::computed(AttrType::String))
                .attr("unique_id", Attribute::computed(AttrType::String))
                .attr("create_date", Attribute::computed(AttrType::String))
                .attr("name", Attribute::required(AttrType::String).force_new())
                .attr("path", Attribute::optional_computed(AttrType::String).force_new().describe("\"/\" by default"))
                .attr(
                    "assume_role_policy",
                    Attribute::required(AttrType::String).describe("the trust policy (JSON); changed in place"),
                )
                .attr("description", Attribute::optional(AttrType::String))
                .attr(
                    "max_session_duration",
                    Attribute::optional_computed(AttrType::Number).describe("seconds, 3600 to 43200 (3600)"),
                )
                .attr(
                    "force_detach_policies",
                    Attribute::optional(AttrType::Bool)
                        .describe("detach managed and delete inline policies before deleting the role (false)"),
                )
                .attr("tags", Attribute::optional(AttrType::map_of(AttrType::String)))
                .attr("tags_all", Attribute::computed(AttrType::map_of(AttrType::String))),
        )
    }

    fn canonicalize(&self, path: &AttrPath, v: Value) -> Value {
        if path == &AttrPath::attr("assume_role_policy") {
            canonical_policy_value(v)
        } else {
            v
        }
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out: Vec<Diagnostic> = check_policy(config, "assume_role_policy").into_iter().collect();
        if let Some(name) = str_of(config, "name") {
            if name.len() > 64 || !name.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c)) {
                out.push(
                    Diagnostic::error(format!("{name:?} is not a valid IAM role name"))
                        .code("aws::invalid-name")
                        .attribute(AttrPath::attr("name"))
                        .help("use up to 64 letters, digits and +=,.@_-"),
                );
            }
        }
        if let Some(n) = config.get("max_session_duration").and_then(Value::as_i64) {
            if !(3600..=43200).contains(&n) {
                out.push(
                    Diagnostic::error(format!("max_session_duration must be 3600 to 43200 seconds, not {n}"))
                        .code("aws::invalid-duration")
                        .attribute(AttrPath::attr("max_session_duration"))
                        .help("use a number of seconds from 3600 (one hour) to 43200 (twelve hours)"),
                );
            }
        }
        out
    }

    async fn read(&self, cx: &Ctx<'_>, items: &[ReadItem]) -> Result<BTreeMap<String, Value>, Diagnostic> {
        if items.is_empty() {
            return Ok(BTreeMap::new());
        }
        let details = role_details(cx).await?;
        let mut listed: BTreeMap<String, aws_sdk_iam::types::Role> = BTreeMap::new();
        let mut pages = cx.clients.iam.list_roles().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| aws_error(cx.address, "ListRoles", e))?;
            for r in page.roles() {
                listed.insert(r.role_name().to_string(), r.clone());
            }
        }
        let mut out = BTreeMap::new();
        for item in items {
            let Some(d) = details.iter().find(|d| d.role_name() == Some(item.id.as_str())) else { continue };
            let listed = listed.get(&item.id);
            let (tags, tags_all) = read_tags(cx, d.tags(), Some(&item.prior));
            let policy = d.assume_role_policy_document().map(decode_document).map(Value::from).unwrap_or_default();
            let session = listed.and_then(|r| r.max_session_duration()).map(i64::from).unwrap_or(DEFAULT_SESSION);
            out.insert(
                item.id.clone(),
                Value::map([
                    ("id", Value::from(item.id.as_str())),
                    ("name", Value::from(item.id.as_str())),
                    ("arn", opt_str(d.arn())),
                    ("unique_id", opt_str(d.role_id())),
                    ("create_date", date(d.create_date())),
                    ("path", opt_str(d.path())),
                    ("assume_role_policy", canonical_policy_value(policy)),
                    ("description", opt_str(listed.and_then(|r| r.description()).filter(|s| !s.is_empty()))),
                    ("max_session_duration", Value::int(session)),
                    // Only a delete reads it: what state recorded stays.
                    ("force_detach_policies", item.prior.get("force_detach_policies").cloned().unwrap_or_default()),
                    ("tags", tags),
                    ("tags_all", tags_all),
                ]),
            );
        }
        Ok(out)
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value, _token: &str) -> Result<Value, Diagnostic> {
        let name = str_of(planned, "name").unwrap_or_default().to_string();
        let iam = &cx.clients.iam;
        let sent = iam
            .create_role()
            .role_name(&name)
            .set_path(str_of(planned, "path").map(Into::into))
            .assume_role_policy_document(str_of(planned, "assume_role_policy").unwrap_or_default())
            .set_description(str_of(planned, "description").map(Into::into))
            .set_max_session_duration(i64_of(planned, "max_session_duration").and_then(|n| i32::try_from(n).ok()))
            .set_tags(Some(creation_tags(cx, planned)))
            .send()
            .await;
        match sent {
            Ok(_) => {}
            // IAM names are unique: a crashed run's role carries this stack's tags.
            Err(e) if is_already_exists(&e) => {
                let found =
                    iam.get_role().role_name(&name).send().await.map_err(|e| aws_error(cx.address, "GetRole", e))?;
                if !found.role().is_some_and(|r| owned_by_us(cx, r.tags())) {
                    return Err(taken(cx, "role", &name, &name));
                }
                report_adopted(cx, &format!("role {name}"));
                let prior = Value::map([("id", Value::from(name.as_str()))]);
                let now = read_one(self, cx, &name, planned).await?.unwrap_or(prior);
                return self.update(cx, &now, planned).await;
            }
            Err(e) => return Err(aws_error(cx.address, "CreateRole", e)),
        }
        read_one(self, cx, &name, planned).await?.ok_or_else(|| vanished(cx, &name))
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
        let name = str_of(prior, "id").unwrap_or_default().to_string();
        let iam = &cx.clients.iam;
        let policy = str_of(planned, "assume_role_policy");
        if policy.is_some() && policy != str_of(prior, "assume_role_policy") {
            iam.update_assume_role_policy()
                .role_name(&name)
                .policy_document(policy.unwrap_or_default())
                .send()
                .await
                .map_err(|e| aws_error(cx.address, "UpdateAssumeRolePolicy", e))?;
        }
        let session = i64_of(planned, "max_session_duration");
        let description_changed = str_of(planned, "description") != str_of(prior, "description");
        let session_changed = session.is_some() && session != i64_of(prior, "max_session_duration");
        if description_changed || session_changed {
            iam.update_role()
                .role_name(&name)
                .description(str_of(planned, "description").unwrap_or_default())
                .set_max_session_duration(session.and_then(|n| i32::try_from(n).ok()))
                .send()
                .await
                .map_err(|e| aws_error(cx.address, "UpdateRole", e))?;
        }
        let (add, remove) = tag_delta(cx, prior, planned);
        if !remove.is_empty() {
            iam.untag_role()
                .role_name(&name)
                .set_tag_keys(Some(remove))
                .send()
                .await
                .map_err(|e| aws_error(cx.address, "UntagRole", e))?;
        }
        if !add.is_empty() {
            iam.tag_role()
                .role_name(&name)
                .set_tags(Some(add))
                .send()
                .await
                .map_err(|e| aws_error(cx.address, "TagRole", e))?;
        }
        read_one(self, cx, &name, planned).await?.ok_or_else(|| vanished(cx, &name))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Diagnostic> {
        let name = str_of(prior, "id").unwrap_or_default().to_string();
        let iam = &cx.clients.iam;
        let profiles = match iam.list_instance_profiles_for_role().role_name(&name).send().await {
            Ok(out) => out.instance_profiles().to_vec(),
            Err(e) if is_no_such_entity(&e) => return Ok(()),
            Err(e) => return Err(aws_error(cx.address, "ListInstanceProfilesForRole", e)),
        };
        for p in profiles {
            match iam
                .remove_role_from_instance_profile()
                .instance_profile_name(p.instance_profile_name())
                .role_name(&name)
                .send()
                .await
            {
                Ok(_) => {}
                Err(e) if is_no_such_entity(&e) => {}
                Err(e) => return Err(aws_error(cx.address, "RemoveRoleFromInstanceProfile", e)),
            }
        }
        if bool_of(prior, "force_detach_policies") == Some(true) {
            let attached = iam
                .list_attached_role_policies()
                .role_name(&name)
                .send()
                .await
                .map_err(|e| aws_error(cx.address, "ListAttachedRolePolicies", e))?;
            for p in attached.attached_policies() {
                if let Some(arn) = p.policy_arn() {
                    iam.detach_role_policy()
                        .role_name(&name)
                        .policy_arn(arn)
                        .send()
                        .await
                        .map_err(|e| aws_error(cx.address, "DetachRolePolicy", e))?;
                }
            }
            let inline = iam
                .list_role_policies()
                .role_name(&name)
                .send()
                .await
                .map_err(|e| aws_error(cx.address, "ListRolePolicies", e))?;
            for p in inline.policy_names() {
                iam.delete_role_policy()
                    .role_name(&name)
                    .policy_name(p)
                    .send()
                    .await
                    .map_err(|e| aws_error(cx.address, "DeleteRolePolicy", e))?;
            }
        }
        match iam.delete_role().role_name(&name).send().await {
            Ok(_) => Ok(()),
            Err(e) if is_no_such_entity(&e) => Ok(()),
            Err(e) => {
                let d = aws_error(cx.address, "DeleteRole", e);
                if d.code.as_deref() == Some("aws::DeleteConflict") {
                    Err(d.help("policies are still attached to the role: destroy their aws_iam_role_policy_attachment resources first, or set force_detach_policies = true"))
                } else {
                    Err(d)
                }
            }
        }
    }
}

fn vanished(cx: &Ctx<'_>, name: &str) -> Diagnostic {
    crate::common::vanished(cx, "IAM role", name, "NoSuchEntity")
}
