//! `aws_iam_instance_profile`: the container EC2 instances take a role through.
//!
//! The ID is the profile name. The role and tags change in place (the old role removed, the
//! new one added); name and path force a replacement. A refresh is one paginated
//! ListInstanceProfiles for every profile, plus GetInstanceProfile for each profile read, since
//! no listing returns tags.

use std::collections::BTreeMap;

use async_trait::async_trait;
use tether_sdk::{AttrType, Attribute, Block, Diagnostic, ReadItem, ResourceSchema, Value};

use super::{creation_tags, date, is_already_exists, is_no_such_entity, owned_by_us, read_tags, tag_delta, taken};
use crate::common::{aws_error, opt_str, report_adopted, str_of, Ctx};
use crate::resource::{read_one, AwsResource};

pub struct InstanceProfile;

#[async_trait]
impl AwsResource for InstanceProfile {
    fn type_name(&self) -> &'static str {
        "aws_iam_instance_profile"
    }

    fn schema(&self) -> ResourceSchema {
        ResourceSchema::new(
            "An IAM instance profile, holding one role.",
            Block::new()
                .attr("id", Attribute::computed(AttrType::String).describe("the profile name"))
                .attr("arn", Attribute::computed(AttrType::String))
                .attr("unique_id", Attribute::computed(AttrType::String))
                .attr("create_date", Attribute::computed(AttrType::String))
                .attr("name", Attribute::required(AttrType::String).force_new())
                .attr("path", Attribute::optional_computed(AttrType::String).force_new().describe("\"/\" by default"))
                .attr("role", Attribute::optional(AttrType::String).describe("the role's name; changed in place"))
                .attr("tags", Attribute::optional(AttrType::map_of(AttrType::String)))
                .attr("tags_all", Attribute::computed(AttrType::map_of(AttrType::String))),
        )
    }

    async fn read(&self, cx: &Ctx<'_>, items: &[ReadItem]) -> Result<BTreeMap<String, Value>, Diagnostic> {
        if items.is_empty() {
            return Ok(BTreeMap::new());
        }
        let iam = &cx.clients.iam;
        let mut profiles = Vec::new();
        let mut pages = iam.list_instance_profiles().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| aws_error(cx.address, "ListInstanceProfiles", e))?;
            profiles.extend(page.instance_profiles().iter().cloned());
        }
        let mut out = BTreeMap::new();
        for item in items {
            let Some(p) = profiles.iter().find(|p| p.instance_profile_name() == item.id) else { continue };
            // No listing returns a profile's tags: GetInstanceProfile does.
            let full = iam
                .get_instance_profile()
                .instance_profile_name(&item.id)
                .send()
                .await
                .map_err(|e| aws_error(cx.address, "GetInstanceProfile", e))?;
            let tags = full.instance_profile().map(|p| p.tags()).unwrap_or_default();
            let (tags, tags_all) = read_tags(cx, tags, Some(&item.prior));
            out.insert(
                item.id.clone(),
                Value::map([
                    ("id", Value::from(item.id.as_str())),
                    ("name", Value::from(item.id.as_str())),
                    ("arn", Value::from(p.arn())),
                    ("unique_id", Value::from(p.instance_profile_id())),
                    ("create_date", date(Some(p.create_date()))),
                    ("path", Value::from(p.path())),
                    ("role", opt_str(p.roles().first().map(|r| r.role_name()))),
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
            .create_instance_profile()
            .instance_profile_name(&name)
            .set_path(str_of(planned, "path").map(Into::into))
            .set_tags(Some(creation_tags(cx, planned)))
            .send()
            .await;
        let prior = match sent {
            Ok(_) => Value::map([("id", Value::from(name.as_str()))]),
            Err(e) if is_already_exists(&e) => {
                let found = iam
                    .get_instance_profile()
                    .instance_profile_name(&name)
                    .send()
                    .await
                    .map_err(|e| aws_error(cx.address, "GetInstanceProfile", e))?;
                if !found.instance_profile().is_some_and(|p| owned_by_us(cx, p.tags())) {
                    return Err(taken(cx, "instance profile", &name, &name));
                }
                report_adopted(cx, &format!("instance profile {name}"));
                read_one(self, cx, &name, planned).await?.ok_or_else(|| vanished(cx, &name))?
            }
            Err(e) => return Err(aws_error(cx.address, "CreateInstanceProfile", e)),
        };
        // Tags were set at creation; only the role is left to add.
        let mut prior = prior;
        if let (Value::Map(m), Some(tags)) = (&mut prior, planned.get("tags")) {
            m.entry("tags".to_string()).or_insert_with(|| tags.clone());
        }
        self.update(cx, &prior, planned).await
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
        let name = str_of(prior, "id").unwrap_or_default().to_string();
        let iam = &cx.clients.iam;
        let (had, want) = (str_of(prior, "role"), str_of(planned, "role"));
        if had != want {
            if let Some(old) = had {
                match iam.remove_role_from_instance_profile().instance_profile_name(&name).role_name(old).send().await {
                    Ok(_) => {}
                    Err(e) if is_no_such_entity(&e) => {}
                    Err(e) => return Err(aws_error(cx.address, "RemoveRoleFromInstanceProfile", e)),
                }
            }
            if let Some(new) = want {
                iam.add_role_to_instance_profile()
                    .instance_profile_name(&name)
                    .role_name(new)
                    .send()
                    .await
                    .map_err(|e| aws_error(cx.address, "AddRoleToInstanceProfile", e))?;
            }
        }
        let (add, remove) = tag_delta(cx, prior, planned);
        if !remove.is_empty() {
            iam.untag_instance_profile()
                .instance_profile_name(&name)
                .set_tag_keys(Some(remove))
                .send()
                .await
                .map_err(|e| aws_error(cx.address, "UntagInstanceProfile", e))?;
        }
        if !add.is_empty() {
            iam.tag_instance_profile()
                .instance_profile_name(&name)
                .set_tags(Some(add))
                .send()
                .await
                .map_err(|e| aws_error(cx.address, "TagInstanceProfile", e))?;
        }
        read_one(self, cx, &name, planned).await?.ok_or_else(|| vanished(cx, &name))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Diagnostic> {
        let name = str_of(prior, "id").unwrap_or_default().to_string();
        let iam = &cx.clients.iam;
        let found = match iam.get_instance_profile().instance_profile_name(&name).send().await {
            Ok(out) => out,
            Err(e) if is_no_such_entity(&e) => return Ok(()),
            Err(e) => return Err(aws_error(cx.address, "GetInstanceProfile", e)),
        };
        for r in found.instance_profile().map(|p| p.roles()).unwrap_or_default() {
            match iam
                .remove_role_from_instance_profile()
                .instance_profile_name(&name)
                .role_name(r.role_name())
                .send()
                .await
            {
                Ok(_) => {}
                Err(e) if is_no_such_entity(&e) => {}
                Err(e) => return Err(aws_error(cx.address, "RemoveRoleFromInstanceProfile", e)),
            }
        }
        match iam.delete_instance_profile().instance_profile_name(&name).send().await {
            Ok(_) => Ok(()),
            Err(e) if is_no_such_entity(&e) => Ok(()),
            Err(e) => Err(aws_error(cx.address, "DeleteInstanceProfile", e)),
        }
    }
}

fn vanished(cx: &Ctx<'_>, name: &str) -> Diagnostic {
    crate::common::vanished(cx, "instance profile", name, "NoSuchEntity")
}
