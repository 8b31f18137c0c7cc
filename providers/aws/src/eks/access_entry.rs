//! `aws_eks_access_entry`: lets an IAM principal into an EKS cluster (API authentication mode).
//!
//! Hybrid nodes join with a `HYBRID_LINUX` entry for the role their SSM activation or IAM Roles
//! Anywhere profile assumes; people and CI get `STANDARD` entries mapped to Kubernetes groups.
//! `kubernetes_groups` and `user_name` change in place (UpdateAccessEntry); the cluster, the
//! principal and the type are fixed at creation. The ID is `cluster_name:principal_arn` (cluster
//! names hold no colon, so the first one splits it).

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_eks::types::AccessEntry as Entry;
use tether_sdk::{AttrPath, AttrType, Attribute, Block, Diagnostic, PathStep, ReadItem, ResourceSchema, Value};

use super::{creation_tags, owned_by_us, read_tags, string_set, strings, update_tags};
use crate::common::{aws_error, is_not_found, opt_str, report_adopted, rfc3339, str_of, Ctx};
use crate::resource::{read_one, AwsResource};

pub struct AccessEntry;

/// The access entry types EKS accepts (Terraform spells them the same way).
const TYPES: [&str; 5] = ["STANDARD", "EC2_LINUX", "EC2_WINDOWS", "FARGATE_LINUX", "HYBRID_LINUX"];

#[async_trait]
impl AwsResource for AccessEntry {
    fn type_name(&self) -> &'static str {
        "aws_eks_access_entry"
    }

    fn schema(&self) -> ResourceSchema {
        ResourceSchema::new(
            "An EKS access entry: an IAM principal allowed into the cluster.",
            Block::new()
                .attr("id", Attribute::computed(AttrType::String).describe("cluster_name:principal_arn"))
                .attr("cluster_name", Attribute::required(AttrType::String).force_new())
                .attr("principal_arn", Attribute::required(AttrType::String).force_new())
                .attr(
                    "type",
                    Attribute::optional_computed(AttrType::String)
                        .force_new()
                        .describe("STANDARD (default), EC2_LINUX, EC2_WINDOWS, FARGATE_LINUX or HYBRID_LINUX"),
                )
                .attr(
                    "kubernetes_groups",
                    Attribute::optional_computed(AttrType::set_of(AttrType::String))
                        .describe("Kubernetes groups of a STANDARD entry; EKS sets them for node types"),
                )
                .attr("user_name", Attribute::optional_computed(AttrType::String))
                .attr("access_entry_arn", Attribute::computed(AttrType::String))
                .attr("created_at", Attribute::computed(AttrType::String))
                .attr("modified_at", Attribute::computed(AttrType::String))
                .attr("tags", Attribute::optional(AttrType::map_of(AttrType::String)))
                .attr("tags_all", Attribute::computed(AttrType::map_of(AttrType::String))),
        )
    }

    fn canonicalize(&self, path: &AttrPath, v: Value) -> Value {
        match (path.0.as_slice(), v.as_str()) {
            ([PathStep::Attr(a)], Some(s)) if a == "type" => Value::from(s.to_ascii_uppercase()),
            _ => v,
        }
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let kind = str_of(config, "type").map(str::to_ascii_uppercase);
        if let Some(k) = kind.as_deref().filter(|k| !TYPES.contains(k)) {
            out.push(
                Diagnostic::error(format!("access entry type {k:?} is not one of {}", TYPES.join(", ")))
                    .code("aws::invalid-value")
                    .attribute(AttrPath::attr("type"))
                    .help("use \"HYBRID_LINUX\" for the role of hybrid nodes, \"STANDARD\" (the default) for people"),
            );
            return out;
        }
        let kind = kind.unwrap_or_else(|| "STANDARD".into());
        let groups = strings(config.get("kubernetes_groups"));
        if kind != "STANDARD" && !groups.is_empty() {
            out.push(
                Diagnostic::error(format!("kubernetes_groups can only be set on STANDARD access entries, not {kind}"))
                    .code("aws::eks-access-entry-groups")
                    .attribute(AttrPath::attr("kubernetes_groups"))
                    .help(format!(
                        "remove kubernetes_groups: EKS puts {kind} nodes in system:nodes itself \
                         (or use type = \"STANDARD\" for a person or CI role)"
                    )),
            );
        }
        if let Some(p) = str_of(config, "principal_arn") {
            if kind != "STANDARD" && !p.contains(":role/") {
                out.push(
                    Diagnostic::error(format!("a {kind} access entry needs an IAM role ARN, not {p:?}"))
                        .code("aws::eks-access-entry-principal")
                        .attribute(AttrPath::attr("principal_arn"))
                        .help("use the ARN of the node role, e.g. arn:aws:iam::111122223333:role/EKSHybridNodeRole"),
                );
            }
        }
        out
    }

    async fn read(&self, cx: &Ctx<'_>, items: &[ReadItem]) -> Result<BTreeMap<String, Value>, Diagnostic> {
        // DescribeAccessEntry takes one principal: one call per entry, concurrently.
        let reads = items.iter().map(|i| async move { (i, describe_id(cx, &i.id).await) });
        let mut out = BTreeMap::new();
        for (item, found) in futures_util::future::join_all(reads).await {
            if let Some(e) = found? {
                out.insert(item.id.clone(), to_value(cx, &e, Some(&item.prior).filter(|p| !p.is_null())));
            }
        }
        Ok(out)
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value, token: &str) -> Result<Value, Diagnostic> {
        let cluster = str_of(planned, "cluster_name").unwrap_or_default().to_string();
        let principal = str_of(planned, "principal_arn").unwrap_or_default().to_string();
        let id = format!("{cluster}:{principal}");
        let entry = match describe(cx, &cluster, &principal).await? {
            Some(e) if owned_by_us(cx, e.tags()) => {
                report_adopted(cx, &format!("access entry {id}"));
                e
            }
            Some(_) => {
                return Err(Diagnostic::error(format!("cluster {cluster} already has an access entry for {principal}"))
                    .code("aws::ResourceInUseException")
                    .address(cx.address)
                    .help(format!(
                        "it was not created by this stack: import it with `tether import {} {id}`",
                        cx.address
                    )))
            }
            None => {
                let groups = strings(planned.get("kubernetes_groups"));
                let out = cx
                    .clients
                    .eks
                    .create_access_entry()
                    .cluster_name(&cluster)
                    .principal_arn(&principal)
                    .r#type(str_of(planned, "type").unwrap_or("STANDARD"))
                    .set_kubernetes_groups(Some(groups).filter(|g| !g.is_empty()))
                    .set_username(str_of(planned, "user_name").map(Into::into))
                    .set_tags(Some(creation_tags(cx, planned)))
                    .client_request_token(token)
                    .send()
                    .await
                    .map_err(|e| aws_error(cx.address, "CreateAccessEntry", e))?;
                out.access_entry().cloned().ok_or_else(|| vanished(cx, &id))?
            }
        };
        // Access entries take effect at once: there is nothing to wait for.
        Ok(to_value(cx, &entry, Some(planned)))
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
        let cluster = str_of(prior, "cluster_name").unwrap_or_default().to_string();
        let principal = str_of(prior, "principal_arn").unwrap_or_default().to_string();
        let id = format!("{cluster}:{principal}");
        let want_groups = planned.get("kubernetes_groups").filter(|g| !g.is_unknown()).map(|g| strings(Some(g)));
        let groups_changed = want_groups.as_ref().is_some_and(|g| *g != strings(prior.get("kubernetes_groups")));
        let user = str_of(planned, "user_name").filter(|u| str_of(prior, "user_name") != Some(*u));
        if groups_changed || user.is_some() {
            // The groups are sent whole (an empty list removes them all); the user name only
            // when it changed.
            cx.clients
                .eks
                .update_access_entry()
                .cluster_name(&cluster)
                .principal_arn(&principal)
                .set_kubernetes_groups(want_groups.filter(|_| groups_changed))
                .set_username(user.map(Into::into))
                .send()
                .await
                .map_err(|e| aws_error(cx.address, "UpdateAccessEntry", e))?;
        }
        let arn = str_of(prior, "access_entry_arn").unwrap_or_default().to_string();
        update_tags(cx, &arn, prior, planned).await?;
        read_one(self, cx, &id, planned).await?.ok_or_else(|| vanished(cx, &id))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Diagnostic> {
        let cluster = str_of(prior, "cluster_name").unwrap_or_default();
        let principal = str_of(prior, "principal_arn").unwrap_or_default();
        match cx.clients.eks.delete_access_entry().cluster_name(cluster).principal_arn(principal).send().await {
            Ok(_) => Ok(()),
            Err(e) if is_not_found(&e) => Ok(()),
            Err(e) => Err(aws_error(cx.address, "DeleteAccessEntry", e)),
        }
    }
}

fn vanished(cx: &Ctx<'_>, id: &str) -> Diagnostic {
    crate::common::vanished(cx, "EKS access entry", id, "ResourceNotFoundException")
}

/// DescribeAccessEntry; `None` when the entry (or its cluster) does not exist.
async fn describe(cx: &Ctx<'_>, cluster: &str, principal: &str) -> Result<Option<Entry>, Diagnostic> {
    match cx.clients.eks.describe_access_entry().cluster_name(cluster).principal_arn(principal).send().await {
        Ok(out) => Ok(out.access_entry().cloned()),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(aws_error(cx.address, "DescribeAccessEntry", e)),
    }
}

async fn describe_id(cx: &Ctx<'_>, id: &str) -> Result<Option<Entry>, Diagnostic> {
    match id.split_once(':') {
        Some((cluster, principal)) if !cluster.is_empty() && !principal.is_empty() => {
            describe(cx, cluster, principal).await
        }
        _ => Err(Diagnostic::error(format!("{id:?} is not an access entry ID"))
            .code("aws::invalid-id")
            .address(cx.address)
            .help(
                "access entry IDs are cluster_name:principal_arn, e.g. my-cluster:arn:aws:iam::111122223333:role/ops",
            )),
    }
}

fn to_value(cx: &Ctx<'_>, e: &Entry, prior: Option<&Value>) -> Value {
    let (tags, tags_all) = read_tags(cx, e.tags(), prior);
    let cluster = e.cluster_name().unwrap_or_default();
    let principal = e.principal_arn().unwrap_or_default();
    Value::map([
        ("id", Value::from(format!("{cluster}:{principal}"))),
        ("cluster_name", Value::from(cluster)),
        ("principal_arn", Value::from(principal)),
        ("type", opt_str(e.r#type())),
        ("kubernetes_groups", string_set(e.kubernetes_groups())),
        ("user_name", opt_str(e.username())),
        ("access_entry_arn", opt_str(e.access_entry_arn())),
        ("created_at", rfc3339(e.created_at())),
        ("modified_at", rfc3339(e.modified_at())),
        ("tags", tags),
        ("tags_all", tags_all),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(kind: Option<&str>, groups: &[&str]) -> Value {
        let mut v = Value::map([
            ("cluster_name", Value::from("hybrid")),
            ("principal_arn", Value::from("arn:aws:iam::111122223333:role/EKSHybridNodeRole")),
            ("kubernetes_groups", Value::List(groups.iter().map(|g| Value::from(*g)).collect())),
        ]);
        if let Some(k) = kind {
            v.set_path(&AttrPath::attr("type"), Value::from(k));
        }
        v
    }

    #[test]
    fn groups_are_only_for_standard_entries() {
        assert!(AccessEntry.validate(&cfg(None, &["ops"])).is_empty());
        assert!(AccessEntry.validate(&cfg(Some("hybrid_linux"), &[])).is_empty());
        let d = AccessEntry.validate(&cfg(Some("HYBRID_LINUX"), &["ops"]));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].attribute, Some(AttrPath::attr("kubernetes_groups")));
        assert!(d[0].help.as_deref().unwrap_or_default().contains("remove kubernetes_groups"));
        let d = AccessEntry.validate(&cfg(Some("LINUX"), &[]));
        assert_eq!(d[0].code.as_deref(), Some("aws::invalid-value"));
    }
}
