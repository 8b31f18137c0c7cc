//! `aws_iam_role_policy_attachment`: a managed policy (AWS managed, such as
//! `arn:aws:iam::aws:policy/AmazonEKSClusterPolicy`, or customer managed) attached to a role.
//!
//! The ID is `<role name>/<policy ARN>`, which is also what import takes (Terraform's import
//! form). Both attributes force a replacement. Attaching twice is harmless, so a re-run after a
//! crash simply attaches again. A refresh is one paginated GetAccountAuthorizationDetails for
//! every attachment of the stack.

use std::collections::BTreeMap;

use async_trait::async_trait;
use tether_sdk::{AttrPath, AttrType, Attribute, Block, Diagnostic, ReadItem, ResourceSchema, Value};

use super::{is_no_such_entity, role_details};
use crate::common::{aws_error, str_of, Ctx};
use crate::resource::{read_one, AwsResource};

pub struct RolePolicyAttachment;

/// `<role>/<policy ARN>` split at the first slash before `arn:`.
fn split_id(id: &str) -> Option<(&str, &str)> {
    let i = id.find("/arn:")?;
    Some((&id[..i], &id[i + 1..]))
}

#[async_trait]
impl AwsResource for RolePolicyAttachment {
    fn type_name(&self) -> &'static str {
        "aws_iam_role_policy_attachment"
    }

    fn schema(&self) -> ResourceSchema {
        ResourceSchema::new(
            "Attaches a managed IAM policy to a role.",
            Block::new()
                .attr("id", Attribute::computed(AttrType::String).describe("<role name>/<policy ARN>"))
                .attr("role", Attribute::required(AttrType::String).force_new().describe("the role's name"))
                .attr("policy_arn", Attribute::required(AttrType::String).force_new()),
        )
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        match str_of(config, "policy_arn") {
            Some(arn) if !(arn.starts_with("arn:") && arn.contains(":policy/")) => {
                vec![Diagnostic::error(format!("{arn:?} is not the ARN of an IAM policy"))
                    .code("aws::invalid-arn")
                    .attribute(AttrPath::attr("policy_arn"))
                    .help("write a policy ARN such as arn:aws:iam::aws:policy/AmazonEKSClusterPolicy, or aws_iam_policy.<name>.arn")]
            }
            _ => Vec::new(),
        }
    }

    async fn read(&self, cx: &Ctx<'_>, items: &[ReadItem]) -> Result<BTreeMap<String, Value>, Diagnostic> {
        if items.is_empty() {
            return Ok(BTreeMap::new());
        }
        let details = role_details(cx).await?;
        let mut out = BTreeMap::new();
        for item in items {
            let Some((role, arn)) = split_id(&item.id) else { continue };
            let attached = details
                .iter()
                .filter(|d| d.role_name() == Some(role))
                .flat_map(|d| d.attached_managed_policies())
                .any(|p| p.policy_arn() == Some(arn));
            if attached {
                out.insert(
                    item.id.clone(),
                    Value::map([
                        ("id", Value::from(item.id.as_str())),
                        ("role", Value::from(role)),
                        ("policy_arn", Value::from(arn)),
                    ]),
                );
            }
        }
        Ok(out)
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value, _token: &str) -> Result<Value, Diagnostic> {
        let role = str_of(planned, "role").unwrap_or_default();
        let arn = str_of(planned, "policy_arn").unwrap_or_default();
        cx.clients
            .iam
            .attach_role_policy()
            .role_name(role)
            .policy_arn(arn)
            .send()
            .await
            .map_err(|e| aws_error(cx.address, "AttachRolePolicy", e))?;
        let id = format!("{role}/{arn}");
        read_one(self, cx, &id, planned)
            .await?
            .ok_or_else(|| crate::common::vanished(cx, "policy attachment", &id, "NoSuchEntity"))
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
        // Both attributes force a replacement: there is nothing to change in place.
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        read_one(self, cx, &id, planned)
            .await?
            .ok_or_else(|| crate::common::vanished(cx, "policy attachment", &id, "NoSuchEntity"))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Diagnostic> {
        let role = str_of(prior, "role").unwrap_or_default();
        let arn = str_of(prior, "policy_arn").unwrap_or_default();
        match cx.clients.iam.detach_role_policy().role_name(role).policy_arn(arn).send().await {
            Ok(_) => Ok(()),
            Err(e) if is_no_such_entity(&e) => Ok(()),
            Err(e) => Err(aws_error(cx.address, "DetachRolePolicy", e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_split_at_the_policy_arn() {
        assert_eq!(
            split_id("eks-cluster/arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"),
            Some(("eks-cluster", "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"))
        );
        assert_eq!(
            split_id("nodes/arn:aws:iam::123456789012:policy/team/x"),
            Some(("nodes", "arn:aws:iam::123456789012:policy/team/x"))
        );
        assert_eq!(split_id("no-slash"), None);
    }
}
