//! `aws_eks_node_group`: an EKS managed node group.
//!
//! `scaling_config.desired_size` is usually owned by the cluster autoscaler. Say so in the stack
//! with `lifecycle { ignore_changes = [scaling_config.desired_size] }` (the engine's path form:
//! `scaling_config` is a single nested block, an object, so Terraform's
//! `scaling_config[0].desired_size` does not address it): the autoscaler's changes are then
//! neither drift nor undone, and an update of min/max sends no desired size.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_eks::types::{
    AmiTypes, CapacityTypes, NodegroupScalingConfig, NodegroupStatus, Taint, TaintEffect, UpdateLabelsPayload,
    UpdateTaintsPayload,
};
use tether_sdk::{
    AttrPath, AttrType, Attribute, Block, BlockType, Diagnostic, PathStep, ReadItem, ResourceSchema, Value,
};

use super::{creation_tags, map_of, owned_by_us, read_tags, string_map, string_set, strings, update_tags, wait_update};
use crate::common::{aws_error, i64_of, is_not_found, opt_i64, opt_str, report_adopted, str_of, wait_status, Ctx};
use crate::resource::{read_one, AwsResource};

pub struct NodeGroup;

const CREATE_TIMEOUT: Duration = Duration::from_secs(60 * 60);
const UPDATE_TIMEOUT: Duration = Duration::from_secs(60 * 60);
const DELETE_TIMEOUT: Duration = Duration::from_secs(60 * 60);

/// Terraform and the EKS API spell taint effects `NO_SCHEDULE`; Kubernetes writes `NoSchedule`.
fn canonical_effect(s: &str) -> Option<&'static str> {
    match s.replace(['_', '-'], "").to_ascii_lowercase().as_str() {
        "noschedule" => Some("NO_SCHEDULE"),
        "noexecute" => Some("NO_EXECUTE"),
        "prefernoschedule" => Some("PREFER_NO_SCHEDULE"),
        _ => None,
    }
}

#[async_trait]
impl AwsResource for NodeGroup {
    fn type_name(&self) -> &'static str {
        "aws_eks_node_group"
    }

    fn schema(&self) -> ResourceSchema {
        let scaling = Block::new()
            .attr(
                "desired_size",
                Attribute::required(AttrType::Number)
                    .describe("often owned by the cluster autoscaler: ignore_changes = [scaling_config.desired_size]"),
            )
            .attr("min_size", Attribute::required(AttrType::Number))
            .attr("max_size", Attribute::required(AttrType::Number));
        let taint = Block::new()
            .attr("key", Attribute::required(AttrType::String))
            .attr("value", Attribute::optional(AttrType::String))
            .attr(
                "effect",
                Attribute::required(AttrType::String)
                    .describe("NO_SCHEDULE, NO_EXECUTE or PREFER_NO_SCHEDULE (NoSchedule etc. accepted)"),
            );
        ResourceSchema::new(
            "An EKS managed node group.",
            Block::new()
                .attr("id", Attribute::computed(AttrType::String).describe("cluster_name:node_group_name"))
                .attr("cluster_name", Attribute::required(AttrType::String).force_new())
                .attr("node_group_name", Attribute::required(AttrType::String).force_new())
                .attr("node_role_arn", Attribute::required(AttrType::String).force_new())
                .attr("subnet_ids", Attribute::required(AttrType::set_of(AttrType::String)).force_new())
                .attr("instance_types", Attribute::optional_computed(AttrType::list_of(AttrType::String)).force_new())
                .attr("capacity_type", Attribute::optional_computed(AttrType::String).force_new())
                .attr("ami_type", Attribute::optional_computed(AttrType::String).force_new())
                .attr("labels", Attribute::optional(AttrType::map_of(AttrType::String)))
                .attr("arn", Attribute::computed(AttrType::String))
                .attr("status", Attribute::computed(AttrType::String))
                .attr("tags", Attribute::optional(AttrType::map_of(AttrType::String)))
                .attr("tags_all", Attribute::computed(AttrType::map_of(AttrType::String)))
                .block("scaling_config", BlockType::single(scaling).min(1))
                .block("taint", BlockType::set(taint).max(50)),
        )
    }

    fn canonicalize(&self, path: &AttrPath, v: Value) -> Value {
        let is_effect = matches!(path.0.first(), Some(PathStep::Attr(a)) if a == "taint")
            && matches!(path.0.last(), Some(PathStep::Attr(a)) if a == "effect");
        let upper = matches!(path.0.as_slice(), [PathStep::Attr(a)] if a == "capacity_type" || a == "ami_type");
        match v.as_str() {
            Some(s) if is_effect => canonical_effect(s).map(Value::from).unwrap_or(v),
            Some(s) if upper => Value::from(s.to_ascii_uppercase()),
            _ => v,
        }
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for (i, t) in config.get("taint").and_then(Value::as_list).unwrap_or(&[]).iter().enumerate() {
            if let Some(e) = str_of(t, "effect").filter(|e| canonical_effect(e).is_none()) {
                out.push(
                    Diagnostic::error(format!(
                        "taint effect {e:?} is not NO_SCHEDULE, NO_EXECUTE or PREFER_NO_SCHEDULE"
                    ))
                    .code("aws::invalid-value")
                    .attribute(AttrPath(vec![
                        PathStep::Attr("taint".into()),
                        PathStep::Index(i),
                        PathStep::Attr("effect".into()),
                    ]))
                    .help("write effect = \"NO_SCHEDULE\" (Kubernetes' NoSchedule is accepted too)"),
                );
            }
        }
        if let Some(s) = config.get("scaling_config") {
            let (d, lo, hi) = (i64_of(s, "desired_size"), i64_of(s, "min_size"), i64_of(s, "max_size"));
            let path = |k: &str| AttrPath(vec![PathStep::Attr("scaling_config".into()), PathStep::Attr(k.into())]);
            if let (Some(lo), Some(hi)) = (lo, hi) {
                if lo > hi || hi < 1 {
                    out.push(
                        Diagnostic::error(format!(
                            "scaling_config min_size {lo} is above max_size {hi} (or max_size < 1)"
                        ))
                        .code("aws::eks-scaling")
                        .attribute(path("max_size"))
                        .help("EKS needs 0 <= min_size <= desired_size <= max_size and max_size >= 1"),
                    );
                } else if let Some(d) = d.filter(|d| *d < lo || *d > hi) {
                    out.push(
                        Diagnostic::error(format!(
                            "scaling_config desired_size {d} is outside min_size {lo} .. max_size {hi}"
                        ))
                        .code("aws::eks-scaling")
                        .attribute(path("desired_size"))
                        .help("EKS needs min_size <= desired_size <= max_size"),
                    );
                }
            }
        }
        out
    }

    async fn read(&self, cx: &Ctx<'_>, items: &[ReadItem]) -> Result<BTreeMap<String, Value>, Diagnostic> {
        // DescribeNodegroup takes one name: one call per node group, concurrently.
        let reads = items.iter().map(|i| async move { (i, describe_id(cx, &i.id).await) });
        let mut out = BTreeMap::new();
        for (item, found) in futures_util::future::join_all(reads).await {
            if let Some(ng) = found? {
                out.insert(item.id.clone(), to_value(cx, &ng, Some(&item.prior).filter(|p| !p.is_null())));
            }
        }
        Ok(out)
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value, token: &str) -> Result<Value, Diagnostic> {
        let cluster = str_of(planned, "cluster_name").unwrap_or_default().to_string();
        let name = str_of(planned, "node_group_name").unwrap_or_default().to_string();
        let id = format!("{cluster}:{name}");
        match describe(cx, &cluster, &name).await? {
            Some(ng) if owned_by_us(cx, ng.tags()) => {
                report_adopted(cx, &format!("node group {id}"));
            }
            Some(_) => {
                return Err(Diagnostic::error(format!("an EKS node group {name} already exists in cluster {cluster}"))
                    .code("aws::ResourceInUseException")
                    .address(cx.address)
                    .help(format!(
                "it was not created by this stack: import it with `tether import {} {id}`, or choose another name",
                cx.address
            )))
            }
            None => {
                let s = planned.get("scaling_config").cloned().unwrap_or_default();
                let instance_types = strings(planned.get("instance_types"));
                cx.clients
                    .eks
                    .create_nodegroup()
                    .cluster_name(&cluster)
                    .nodegroup_name(&name)
                    .node_role(str_of(planned, "node_role_arn").unwrap_or_default())
                    .set_subnets(Some(strings(planned.get("subnet_ids"))))
                    .set_instance_types(Some(instance_types).filter(|v| !v.is_empty()))
                    .set_capacity_type(str_of(planned, "capacity_type").map(CapacityTypes::from))
                    .set_ami_type(str_of(planned, "ami_type").map(AmiTypes::from))
                    .scaling_config(
                        NodegroupScalingConfig::builder()
                            .set_desired_size(i64_of(&s, "desired_size").map(|n| n as i32))
                            .set_min_size(i64_of(&s, "min_size").map(|n| n as i32))
                            .set_max_size(i64_of(&s, "max_size").map(|n| n as i32))
                            .build(),
                    )
                    .set_labels(Some(map_of(planned.get("labels")).into_iter().collect::<HashMap<_, _>>()))
                    .set_taints(Some(taints(planned)).filter(|t| !t.is_empty()))
                    .set_tags(Some(creation_tags(cx, planned)))
                    .client_request_token(token)
                    .send()
                    .await
                    .map_err(|e| aws_error(cx.address, "CreateNodegroup", e))?;
            }
        }
        wait_active(cx, &id, "to become ACTIVE (up to 60 min)", CREATE_TIMEOUT).await?;
        read_one(self, cx, &id, planned).await?.ok_or_else(|| vanished(cx, &id))
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
        let cluster = str_of(prior, "cluster_name").unwrap_or_default().to_string();
        let name = str_of(prior, "node_group_name").unwrap_or_default().to_string();
        let id = format!("{cluster}:{name}");
        let mut req = cx.clients.eks.update_nodegroup_config().cluster_name(&cluster).nodegroup_name(&name);
        let mut any = false;

        let (had, want) = (map_of(prior.get("labels")), map_of(planned.get("labels")));
        if had != want {
            let add: HashMap<String, String> =
                want.iter().filter(|(k, v)| had.get(*k) != Some(*v)).map(|(k, v)| (k.clone(), v.clone())).collect();
            let remove: Vec<String> = had.keys().filter(|k| !want.contains_key(*k)).cloned().collect();
            req = req.labels(
                UpdateLabelsPayload::builder()
                    .set_add_or_update_labels(Some(add).filter(|a| !a.is_empty()))
                    .set_remove_labels(Some(remove).filter(|r| !r.is_empty()))
                    .build(),
            );
            any = true;
        }

        let (had, want) = (taints(prior), taints(planned));
        if had != want {
            let same_key = |a: &Taint, b: &Taint| a.key() == b.key() && a.effect() == b.effect();
            let add: Vec<Taint> = want.iter().filter(|t| !had.contains(t)).cloned().collect();
            let remove: Vec<Taint> = had.iter().filter(|t| !want.iter().any(|w| same_key(w, t))).cloned().collect();
            req = req.taints(
                UpdateTaintsPayload::builder()
                    .set_add_or_update_taints(Some(add).filter(|a| !a.is_empty()))
                    .set_remove_taints(Some(remove).filter(|r| !r.is_empty()))
                    .build(),
            );
            any = true;
        }

        let (ps, ns) = (
            prior.get("scaling_config").cloned().unwrap_or_default(),
            planned.get("scaling_config").cloned().unwrap_or_default(),
        );
        let changed = |k: &str| i64_of(&ns, k).filter(|n| i64_of(&ps, k) != Some(*n));
        if changed("desired_size").is_some() || changed("min_size").is_some() || changed("max_size").is_some() {
            // The desired size goes only when the stack changed it: an autoscaler-owned size
            // (ignore_changes) is then never overwritten by a min/max change.
            req = req.scaling_config(
                NodegroupScalingConfig::builder()
                    .set_desired_size(changed("desired_size").map(|n| n as i32))
                    .set_min_size(i64_of(&ns, "min_size").map(|n| n as i32))
                    .set_max_size(i64_of(&ns, "max_size").map(|n| n as i32))
                    .build(),
            );
            any = true;
        }

        if any {
            let out = req.send().await.map_err(|e| aws_error(cx.address, "UpdateNodegroupConfig", e))?;
            wait_update(cx, &cluster, Some(&name), out.update(), UPDATE_TIMEOUT).await?;
        }
        let arn = str_of(prior, "arn").unwrap_or_default().to_string();
        update_tags(cx, &arn, prior, planned).await?;
        read_one(self, cx, &id, planned).await?.ok_or_else(|| vanished(cx, &id))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Diagnostic> {
        let cluster = str_of(prior, "cluster_name").unwrap_or_default().to_string();
        let name = str_of(prior, "node_group_name").unwrap_or_default().to_string();
        match cx.clients.eks.delete_nodegroup().cluster_name(&cluster).nodegroup_name(&name).send().await {
            Ok(_) => {}
            Err(e) if is_not_found(&e) => return Ok(()),
            Err(e) => return Err(aws_error(cx.address, "DeleteNodegroup", e)),
        }
        let id = format!("{cluster}:{name}");
        let address = cx.address.to_string();
        wait_status(
            cx,
            "aws_eks_node_group",
            &id,
            &format!("node group {id} to be deleted"),
            DELETE_TIMEOUT,
            |ids| statuses(cx, ids),
            |s| match s {
                None => Ok(true),
                Some(s) if s == NodegroupStatus::DeleteFailed.as_str() => {
                    Err(Diagnostic::error(format!("EKS could not delete node group {id}"))
                        .code("aws::eks-nodegroup-delete-failed")
                        .address(&address)
                        .help("see the node group's health issues in the EKS console, fix them and destroy again"))
                }
                Some(_) => Ok(false),
            },
        )
        .await
    }
}

fn vanished(cx: &Ctx<'_>, id: &str) -> Diagnostic {
    crate::common::vanished(cx, "EKS node group", id, "ResourceNotFoundException")
}

fn split_id(id: &str) -> (&str, &str) {
    id.split_once(':').unwrap_or((id, ""))
}

async fn describe(
    cx: &Ctx<'_>,
    cluster: &str,
    name: &str,
) -> Result<Option<aws_sdk_eks::types::Nodegroup>, Diagnostic> {
    match cx.clients.eks.describe_nodegroup().cluster_name(cluster).nodegroup_name(name).send().await {
        Ok(out) => Ok(out.nodegroup().cloned()),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(aws_error(cx.address, "DescribeNodegroup", e)),
    }
}

async fn describe_id(cx: &Ctx<'_>, id: &str) -> Result<Option<aws_sdk_eks::types::Nodegroup>, Diagnostic> {
    let (cluster, name) = split_id(id);
    if name.is_empty() {
        return Err(Diagnostic::error(format!("{id:?} is not a node group ID"))
            .code("aws::invalid-id")
            .address(cx.address)
            .help("node group IDs are cluster_name:node_group_name"));
    }
    describe(cx, cluster, name).await
}

async fn statuses(cx: &Ctx<'_>, ids: Vec<String>) -> Result<BTreeMap<String, String>, Diagnostic> {
    let reads = ids.into_iter().map(|id| async move { (id.clone(), describe_id(cx, &id).await) });
    let mut out = BTreeMap::new();
    for (id, ng) in futures_util::future::join_all(reads).await {
        if let Some(ng) = ng? {
            out.insert(id, ng.status().map(|s| s.as_str().to_string()).unwrap_or_default());
        }
    }
    Ok(out)
}

async fn wait_active(cx: &Ctx<'_>, id: &str, what: &str, timeout: Duration) -> Result<(), Diagnostic> {
    let address = cx.address.to_string();
    wait_status(
        cx,
        "aws_eks_node_group",
        id,
        &format!("node group {id} {what}"),
        timeout,
        |ids| statuses(cx, ids),
        |s| match s {
            Some(s) if s == NodegroupStatus::Active.as_str() => Ok(true),
            Some(s) if s == NodegroupStatus::CreateFailed.as_str() || s == NodegroupStatus::Degraded.as_str() => {
                Err(Diagnostic::error(format!("node group {id} is {s}"))
                    .code("aws::eks-nodegroup-failed")
                    .address(&address)
                    .help("see its health issues (`aws eks describe-nodegroup`): often the node role, subnets or capacity"))
            }
            Some(_) => Ok(false),
            None => Err(Diagnostic::error(format!("node group {id} disappeared while being created"))
                .code("aws::ResourceNotFoundException")
                .address(&address)),
        },
    )
    .await
}

/// The `taint` blocks of a value as API taints (effects canonical), sorted.
fn taints(v: &Value) -> Vec<Taint> {
    let mut out: Vec<Taint> = v
        .get("taint")
        .and_then(Value::as_list)
        .unwrap_or(&[])
        .iter()
        .map(|t| {
            let effect = str_of(t, "effect").map(|e| canonical_effect(e).unwrap_or(e)).map(TaintEffect::from);
            Taint::builder()
                .set_key(str_of(t, "key").map(Into::into))
                .set_value(str_of(t, "value").map(Into::into))
                .set_effect(effect)
                .build()
        })
        .collect();
    out.sort_by_key(|t| {
        (t.key().map(str::to_string), t.effect().map(|e| e.as_str().to_string()), t.value().map(str::to_string))
    });
    out
}

fn to_value(cx: &Ctx<'_>, ng: &aws_sdk_eks::types::Nodegroup, prior: Option<&Value>) -> Value {
    let (tags, tags_all) = read_tags(cx, ng.tags(), prior);
    let cluster = ng.cluster_name().unwrap_or_default();
    let name = ng.nodegroup_name().unwrap_or_default();
    let scaling = ng
        .scaling_config()
        .map(|s| {
            Value::map([
                ("desired_size", opt_i64(s.desired_size().map(i64::from))),
                ("min_size", opt_i64(s.min_size().map(i64::from))),
                ("max_size", opt_i64(s.max_size().map(i64::from))),
            ])
        })
        .unwrap_or(Value::Null);
    let labels = match ng.labels().filter(|l| !l.is_empty()) {
        Some(l) => string_map(Some(l)),
        // An empty map reads as unset unless the stack wrote `labels = {}`.
        None => match prior.and_then(|p| p.get("labels")) {
            Some(Value::Map(_)) => Value::Map(BTreeMap::new()),
            _ => Value::Null,
        },
    };
    let mut taint_values: Vec<Value> = ng
        .taints()
        .iter()
        .map(|t| {
            Value::map([
                ("key", opt_str(t.key())),
                ("value", opt_str(t.value())),
                ("effect", opt_str(t.effect().map(|e| canonical_effect(e.as_str()).unwrap_or(e.as_str())))),
            ])
        })
        .collect();
    taint_values.sort_by_key(|v| v.render());
    Value::map([
        ("id", Value::from(format!("{cluster}:{name}"))),
        ("cluster_name", Value::from(cluster)),
        ("node_group_name", Value::from(name)),
        ("node_role_arn", opt_str(ng.node_role())),
        ("subnet_ids", string_set(ng.subnets())),
        ("instance_types", Value::List(ng.instance_types().iter().map(|s| Value::from(s.as_str())).collect())),
        ("capacity_type", opt_str(ng.capacity_type().map(|c| c.as_str()))),
        ("ami_type", opt_str(ng.ami_type().map(|a| a.as_str()))),
        ("labels", labels),
        ("arn", opt_str(ng.nodegroup_arn())),
        ("status", opt_str(ng.status().map(|s| s.as_str()))),
        ("tags", tags),
        ("tags_all", tags_all),
        ("scaling_config", scaling),
        ("taint", if taint_values.is_empty() { Value::Null } else { Value::List(taint_values) }),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubernetes_taint_spelling_is_canonicalised() {
        let p = AttrPath::parse("taint[0].effect").unwrap();
        assert_eq!(NodeGroup.canonicalize(&p, Value::from("NoSchedule")), Value::from("NO_SCHEDULE"));
        assert_eq!(NodeGroup.canonicalize(&p, Value::from("PreferNoSchedule")), Value::from("PREFER_NO_SCHEDULE"));
        assert_eq!(NodeGroup.canonicalize(&p, Value::from("NO_EXECUTE")), Value::from("NO_EXECUTE"));
        let bad = Value::map([(
            "taint",
            Value::List(vec![Value::map([("key", Value::from("k")), ("effect", Value::from("Sometimes"))])]),
        )]);
        assert_eq!(NodeGroup.validate(&bad).len(), 1);
    }
}
