//! `aws_iam_policy`: a customer managed policy.
//!
//! The ID is the ARN. A new document is applied in place as a new default version (the oldest
//! non-default version is deleted first when the policy already has five, IAM's limit); tags
//! change in place; name, path and description force a replacement. A refresh is one paginated
//! GetAccountAuthorizationDetails for every customer managed policy (documents included), plus
//! ListPolicyTags for each policy read, since no batched call returns a policy's tags.

use std::collections::BTreeMap;

use async_trait::async_trait;
use tether_sdk::{AttrPath, AttrType, Attribute, Block, Diagnostic, ReadItem, ResourceSchema, Value};

use super::{
    canonical_policy_value, check_policy, creation_tags, decode_document, is_already_exists, is_no_such_entity,
    owned_by_us, policy_details, read_tags, tag_delta, taken,
};
use crate::common::{aws_error, opt_str, report_adopted, str_of, Ctx};
use crate::resource::{read_one, AwsResource};

pub struct Policy;

#[async_trait]
impl AwsResource for Policy {
    fn type_name(&self) -> &'static str {
        "aws_iam_policy"
    }

    fn schema(&self) -> ResourceSchema {
        ResourceSchema::new(
            "A customer managed IAM policy.",
            Block::new()
                .attr("id", Attribute::computed(AttrType::String).describe("the policy ARN"))
                .attr("arn", Attribute::computed(AttrType::String))
                .attr("policy_id", Attribute::computed(AttrType::String))
                .attr("attachment_count", Attribute::computed(AttrType::Number))
                .attr("name", Attribute::required(AttrType::String).force_new())
                .attr("path", Attribute::optional_computed(AttrType::String).force_new().describe("\"/\" by default"))
                .attr("description", Attribute::optional(AttrType::String).force_new())
                .attr("policy", Attribute::required(AttrType::String).describe("the policy document (JSON)"))
                .attr("tags", Attribute::optional(AttrType::map_of(AttrType::String)))
                .attr("tags_all", Attribute::computed(AttrType::map_of(AttrType::String))),
        )
    }

    fn canonicalize(&self, path: &AttrPath, v: Value) -> Value {
        if path == &AttrPath::attr("policy") {
            canonical_policy_value(v)
        } else {
            v
        }
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        check_policy(config, "policy").into_iter().collect()
    }

    async fn read(&self, cx: &Ctx<'_>, items: &[ReadItem]) -> Result<BTreeMap<String, Value>, Diagnostic> {
        if items.is_empty() {
            return Ok(BTreeMap::new());
        }
        let details = policy_details(cx).await?;
        let mut out = BTreeMap::new();
        for item in items {
            let Some(d) = details.iter().find(|d| d.arn() == Some(item.id.as_str())) else { continue };
            let tags = cx
                .clients
                .iam
                .list_policy_tags()
                .policy_arn(&item.id)
                .send()
                .await
                .map_err(|e| aws_error(cx.address, "ListPolicyTags", e))?;
            let (tags, tags_all) = read_tags(cx, tags.tags(), Some(&item.prior));
            let document = d
                .policy_version_list()
                .iter()
                .find(|v| v.is_default_version())
                .and_then(|v| v.document())
                .map(decode_document)
                .map(Value::from)
                .unwrap_or_default();
            out.insert(
                item.id.clone(),
                Value::map([
                    ("id", Value::from(item.id.as_str())),
                    ("arn", Value::from(item.id.as_str())),
                    // Some endpoints (the emulator) leave the name and ID out of this listing:
                    // the name is the ARN's last segment, the ID what was read before.
                    (
                        "policy_id",
                        d.policy_id()
                            .map(Value::from)
                            .or_else(|| item.prior.get("policy_id").filter(|v| !v.is_unknown()).cloned())
                            .unwrap_or_default(),
                    ),
                    ("attachment_count", d.attachment_count().map(|n| Value::int(n.into())).unwrap_or_default()),
                    ("name", opt_str(d.policy_name().or_else(|| item.id.rsplit('/').next()))),
                    ("path", opt_str(d.path())),
                    ("description", opt_str(d.description().filter(|s| !s.is_empty()))),
                    ("policy", canonical_policy_value(document)),
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
            .create_policy()
            .policy_name(&name)
            .set_path(str_of(planned, "path").map(Into::into))
            .set_description(str_of(planned, "description").map(Into::into))
            .policy_document(str_of(planned, "policy").unwrap_or_default())
            .set_tags(Some(creation_tags(cx, planned)))
            .send()
            .await;
        let arn = match sent {
            Ok(out) => out.policy().and_then(|p| p.arn()).unwrap_or_default().to_string(),
            Err(e) if is_already_exists(&e) => {
                // The ARN of a policy of this name and path in this account.
                let found = policy_details(cx).await?.into_iter().find(|d| {
                    d.arn().and_then(|a| a.rsplit('/').next()) == Some(name.as_str())
                        && d.path() == Some(str_of(planned, "path").unwrap_or("/"))
                });
                let arn = found.and_then(|d| d.arn().map(str::to_string)).unwrap_or_default();
                let tags = iam
                    .list_policy_tags()
                    .policy_arn(&arn)
                    .send()
                    .await
                    .map_err(|e| aws_error(cx.address, "ListPolicyTags", e))?;
                if !owned_by_us(cx, tags.tags()) {
                    return Err(taken(cx, "policy", &name, &arn));
                }
                report_adopted(cx, &arn);
                let now = read_one(self, cx, &arn, planned).await?.ok_or_else(|| vanished(cx, &arn))?;
                return self.update(cx, &now, planned).await;
            }
            Err(e) => return Err(aws_error(cx.address, "CreatePolicy", e)),
        };
        read_one(self, cx, &arn, planned).await?.ok_or_else(|| vanished(cx, &arn))
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
        let arn = str_of(prior, "id").unwrap_or_default().to_string();
        let iam = &cx.clients.iam;
        let document = str_of(planned, "policy");
        if document.is_some() && document != str_of(prior, "policy") {
            let versions = iam
                .list_policy_versions()
                .policy_arn(&arn)
                .send()
                .await
                .map_err(|e| aws_error(cx.address, "ListPolicyVersions", e))?;
            // IAM keeps at most five versions: make room by deleting the oldest non-default one.
            let mut old: Vec<_> = versions.versions().iter().filter(|v| !v.is_default_version()).collect();
            if versions.versions().len() >= 5 {
                old.sort_by_key(|v| v.create_date().map(|d| d.secs()));
                if let Some(v) = old.first().and_then(|v| v.version_id()) {
                    iam.delete_policy_version()
                        .policy_arn(&arn)
                        .version_id(v)
                        .send()
                        .await
                        .map_err(|e| aws_error(cx.address, "DeletePolicyVersion", e))?;
                }
            }
            iam.create_policy_version()
                .policy_arn(&arn)
                .policy_document(document.unwrap_or_default())
                .set_as_default(true)
                .send()
                .await
                .map_err(|e| aws_error(cx.address, "CreatePolicyVersion", e))?;
        }
        let (add, remove) = tag_delta(cx, prior, planned);
        if !remove.is_empty() {
            iam.untag_policy()
                .policy_arn(&arn)
                .set_tag_keys(Some(remove))
                .send()
                .await
                .map_err(|e| aws_error(cx.address, "UntagPolicy", e))?;
        }
        if !add.is_empty() {
            iam.tag_policy()
                .policy_arn(&arn)
                .set_tags(Some(add))
                .send()
                .await
                .map_err(|e| aws_error(cx.address, "TagPolicy", e))?;
        }
        read_one(self, cx, &arn, planned).await?.ok_or_else(|| vanished(cx, &arn))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Diagnostic> {
        let arn = str_of(prior, "id").unwrap_or_default().to_string();
        let iam = &cx.clients.iam;
        // A policy with versions other than the default cannot be deleted.
        match iam.list_policy_versions().policy_arn(&arn).send().await {
            Ok(out) => {
                for v in out.versions().iter().filter(|v| !v.is_default_version()) {
                    if let Some(id) = v.version_id() {
                        iam.delete_policy_version()
                            .policy_arn(&arn)
                            .version_id(id)
                            .send()
                            .await
                            .map_err(|e| aws_error(cx.address, "DeletePolicyVersion", e))?;
                    }
                }
            }
            Err(e) if is_no_such_entity(&e) => return Ok(()),
            Err(e) => return Err(aws_error(cx.address, "ListPolicyVersions", e)),
        }
        match iam.delete_policy().policy_arn(&arn).send().await {
            Ok(_) => Ok(()),
            Err(e) if is_no_such_entity(&e) => Ok(()),
            Err(e) => Err(aws_error(cx.address, "DeletePolicy", e)),
        }
    }
}

fn vanished(cx: &Ctx<'_>, arn: &str) -> Diagnostic {
    crate::common::vanished(cx, "IAM policy", arn, "NoSuchEntity")
}
