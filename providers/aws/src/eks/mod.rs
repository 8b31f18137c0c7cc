//! EKS: clusters with remote node/pod networks, managed node groups, access entries.
//!
//! EKS has no batched describe: DescribeCluster, DescribeNodegroup and DescribeAccessEntry take
//! one name each, so a refresh costs one call per object (run concurrently). A stack has few.

mod access_entry;
mod cluster;
mod node_group;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use tether_sdk::{Diagnostic, Value};

use crate::common::{aws_error, split_tags, tag_changes, tag_set, wait_for, Ctx, TagChanges};
use crate::resource::AwsResource;

pub use access_entry::AccessEntry;
pub use cluster::Cluster;
pub use node_group::NodeGroup;

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![Box::new(Cluster), Box::new(NodeGroup), Box::new(AccessEntry)]
}

/// The tags to create an EKS object with: `default_tags`, the stack's `tags`, then ownership.
fn creation_tags(cx: &Ctx<'_>, planned: &Value) -> HashMap<String, String> {
    tag_set(cx, planned).into_iter().collect()
}

/// True when an existing object carries this stack's ownership tags for this address.
fn owned_by_us(cx: &Ctx<'_>, tags: Option<&HashMap<String, String>>) -> bool {
    crate::common::owned_by_us(cx, tags.into_iter().flatten().map(|(k, v)| (k.as_str(), v.as_str())))
}

/// `tags` and `tags_all` of an EKS object (which returns tags as a map).
fn read_tags(cx: &Ctx<'_>, tags: Option<&HashMap<String, String>>, prior: Option<&Value>) -> (Value, Value) {
    split_tags(tags.into_iter().flatten().map(|(k, v)| (k.as_str(), v.as_str())), cx.default_tags, prior)
}

/// Brings an EKS object's tags from `prior` to `planned` (TagResource/UntagResource by ARN).
async fn update_tags(cx: &Ctx<'_>, arn: &str, prior: &Value, planned: &Value) -> Result<(), Diagnostic> {
    let TagChanges { set, remove } = tag_changes(cx, prior, planned);
    let add: HashMap<String, String> = set.into_iter().collect();
    let eks = &cx.clients.eks;
    if !remove.is_empty() {
        eks.untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(remove))
            .send()
            .await
            .map_err(|e| aws_error(cx.address, "UntagResource", e))?;
    }
    if !add.is_empty() {
        eks.tag_resource()
            .resource_arn(arn)
            .set_tags(Some(add))
            .send()
            .await
            .map_err(|e| aws_error(cx.address, "TagResource", e))?;
    }
    Ok(())
}

/// Waits for an EKS update (UpdateClusterConfig, UpdateClusterVersion, UpdateNodegroupConfig)
/// to finish, with DescribeUpdate. `update` is what the call returned (None: nothing to wait on).
async fn wait_update(
    cx: &Ctx<'_>,
    cluster: &str,
    nodegroup: Option<&str>,
    update: Option<&aws_sdk_eks::types::Update>,
    timeout: Duration,
) -> Result<(), Diagnostic> {
    use aws_sdk_eks::types::UpdateStatus;
    let Some(update) = update else { return Ok(()) };
    let Some(id) = update.id() else { return Ok(()) };
    let finished = |status: Option<&UpdateStatus>, errors: &[aws_sdk_eks::types::ErrorDetail]| match status {
        Some(UpdateStatus::Successful) => Ok(Some(())),
        Some(UpdateStatus::Failed) | Some(UpdateStatus::Cancelled) => {
            let why: Vec<String> = errors
                .iter()
                .map(|e| {
                    format!(
                        "{}: {}",
                        e.error_code().map(|c| c.as_str()).unwrap_or("Unknown"),
                        e.error_message().unwrap_or("no message")
                    )
                })
                .collect();
            Err(Diagnostic::error(format!(
                "EKS update {id} of {cluster} ended {}",
                status.map(|s| s.as_str()).unwrap_or("unknown")
            ))
            .code("aws::eks-update-failed")
            .address(cx.address)
            .detail(why.join("; "))
            .help("see the update in the EKS console or with `aws eks describe-update`"))
        }
        _ => Ok(None),
    };
    if let Some(done) = finished(update.status(), update.errors())? {
        return Ok(done);
    }
    let what = format!("EKS update {id} of {}", nodegroup.map(|n| format!("{cluster}/{n}")).unwrap_or(cluster.into()));
    wait_for(cx, &what, timeout, || async {
        let out = cx
            .clients
            .eks
            .describe_update()
            .name(cluster)
            .update_id(id)
            .set_nodegroup_name(nodegroup.map(str::to_string))
            .send()
            .await
            .map_err(|e| aws_error(cx.address, "DescribeUpdate", e))?;
        match out.update() {
            Some(u) => finished(u.status(), u.errors()),
            None => Ok(Some(())),
        }
    })
    .await
}

/// A list of strings from a value (a list or set attribute), sorted.
fn strings(v: Option<&Value>) -> Vec<String> {
    let mut out: Vec<String> = v
        .and_then(Value::as_list)
        .map(|l| l.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    out.sort();
    out
}

/// A sorted set-of-strings value.
fn string_set(items: &[String]) -> Value {
    let mut v: Vec<&String> = items.iter().collect();
    v.sort();
    v.dedup();
    Value::List(v.into_iter().map(|s| Value::from(s.as_str())).collect())
}

/// A string map value from an AWS map (`None` and empty read as an empty map).
fn string_map(m: Option<&HashMap<String, String>>) -> Value {
    Value::Map(m.map(|m| m.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect()).unwrap_or_default())
}

/// A string map from a value.
fn map_of(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_map)
        .map(|m| m.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect())
        .unwrap_or_default()
}

/// The EKS SDK this module is built on, for tests that check what the provider did.
pub use aws_sdk_eks as sdk;
