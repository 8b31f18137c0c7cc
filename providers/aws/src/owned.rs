//! Finding every object that carries a stack's ownership tag, for drift detection: objects
//! tether created (or a crashed run left) that state does not record. Read-only.
//!
//! EC2 answers for all its types at once: DescribeTags filtered on the lineage tag gives the
//! resource IDs, a second DescribeTags on those IDs gives their address tags (two calls, paged,
//! however many objects). Route 53 Resolver and EKS have no tag search, so their objects are
//! listed and their tags read one by one; a stack has few of them.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::Filter;
use tether_sdk::{Diagnostic, OwnedObject, TAG_ADDRESS, TAG_LINEAGE};

use crate::client::Clients;
use crate::common::aws_error;

/// The owned objects of `lineage` across EC2, Route 53 Resolver and EKS.
pub async fn list(clients: &Clients, lineage: &str) -> Result<Vec<OwnedObject>, Diagnostic> {
    let mut out = ec2(clients, lineage).await?;
    out.extend(resolver(clients, lineage).await?);
    out.extend(eks(clients, lineage).await?);
    out.sort();
    Ok(out)
}

/// The tether type of an owned object: the type part of its address tag, else a guess from the
/// EC2 resource type (an object whose address tag was removed).
fn type_of(address: &str, fallback: &str) -> String {
    match address.split_once('.') {
        Some((ty, _)) if !ty.is_empty() => ty.to_string(),
        _ => fallback.to_string(),
    }
}

async fn ec2(clients: &Clients, lineage: &str) -> Result<Vec<OwnedObject>, Diagnostic> {
    let filter = |name: &str, values: Vec<String>| Filter::builder().name(name).set_values(Some(values)).build();
    let mut owned: BTreeMap<String, String> = BTreeMap::new(); // id -> EC2 resource type
    let mut pages = clients
        .ec2
        .describe_tags()
        .filters(filter("key", vec![TAG_LINEAGE.into()]))
        .filters(filter("value", vec![lineage.into()]))
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error("", "DescribeTags", e))?;
        for t in page.tags() {
            if let Some(id) = t.resource_id() {
                owned.insert(id.to_string(), t.resource_type().map(|r| r.as_str().to_string()).unwrap_or_default());
            }
        }
    }
    let mut addresses: BTreeMap<String, String> = BTreeMap::new();
    let ids: Vec<String> = owned.keys().cloned().collect();
    for chunk in ids.chunks(200) {
        let mut pages = clients
            .ec2
            .describe_tags()
            .filters(filter("resource-id", chunk.to_vec()))
            .filters(filter("key", vec![TAG_ADDRESS.into()]))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| aws_error("", "DescribeTags", e))?;
            for t in page.tags() {
                if let (Some(id), Some(v)) = (t.resource_id(), t.value()) {
                    addresses.insert(id.to_string(), v.to_string());
                }
            }
        }
    }
    Ok(owned
        .into_iter()
        .map(|(id, ec2_type)| {
            let address = addresses.get(&id).cloned().unwrap_or_default();
            let type_name = type_of(&address, &format!("ec2:{ec2_type}"));
            OwnedObject { address, type_name, id }
        })
        .collect())
}

/// Ownership of a tag list, as (lineage matches, address).
fn ownership<'a>(lineage: &str, tags: impl Iterator<Item = (&'a str, &'a str)>) -> Option<String> {
    let tags: BTreeMap<&str, &str> = tags.collect();
    (tags.get(TAG_LINEAGE) == Some(&lineage)).then(|| tags.get(TAG_ADDRESS).copied().unwrap_or_default().to_string())
}

async fn resolver(clients: &Clients, lineage: &str) -> Result<Vec<OwnedObject>, Diagnostic> {
    use crate::route53resolver::{endpoint, list_tags, rule};
    let mut candidates: Vec<(String, String, &str)> = Vec::new(); // (id, arn, fallback type)
    for e in endpoint::list(clients, "", Vec::new()).await? {
        if let (Some(id), Some(arn)) = (e.id(), e.arn()) {
            candidates.push((id.into(), arn.into(), "aws_route53_resolver_endpoint"));
        }
    }
    // Rules AWS shares with every account (the SYSTEM rule for the VPC domain) carry no tags.
    for r in rule::list(clients, "", Vec::new())
        .await?
        .iter()
        .filter(|r| r.owner_id().is_some_and(|o| o != "Route 53 Resolver"))
    {
        if let (Some(id), Some(arn)) = (r.id(), r.arn()) {
            candidates.push((id.into(), arn.into(), "aws_route53_resolver_rule"));
        }
    }
    let mut out = Vec::new();
    for (id, arn, fallback) in candidates {
        let tags = list_tags(clients, "", &arn).await?;
        if let Some(address) = ownership(lineage, tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
            out.push(OwnedObject { type_name: type_of(&address, fallback), address, id });
        }
    }
    Ok(out)
}

async fn eks(clients: &Clients, lineage: &str) -> Result<Vec<OwnedObject>, Diagnostic> {
    let e = &clients.eks;
    let mut names = Vec::new();
    let mut pages = e.list_clusters().into_paginator().send();
    while let Some(page) = pages.next().await {
        names.extend(page.map_err(|err| aws_error("", "ListClusters", err))?.clusters().iter().cloned());
    }
    let mut out = Vec::new();
    for name in names {
        let cluster =
            e.describe_cluster().name(&name).send().await.map_err(|err| aws_error("", "DescribeCluster", err))?;
        let tags = cluster.cluster().and_then(|c| c.tags());
        let pairs = tags.into_iter().flatten().map(|(k, v)| (k.as_str(), v.as_str()));
        if let Some(address) = ownership(lineage, pairs) {
            out.push(OwnedObject { type_name: type_of(&address, "aws_eks_cluster"), address, id: name.clone() });
        }
        let mut groups = Vec::new();
        let mut pages = e.list_nodegroups().cluster_name(&name).into_paginator().send();
        while let Some(page) = pages.next().await {
            groups.extend(page.map_err(|err| aws_error("", "ListNodegroups", err))?.nodegroups().iter().cloned());
        }
        for g in groups {
            let ng = e
                .describe_nodegroup()
                .cluster_name(&name)
                .nodegroup_name(&g)
                .send()
                .await
                .map_err(|err| aws_error("", "DescribeNodegroup", err))?;
            let tags = ng.nodegroup().and_then(|n| n.tags());
            let pairs = tags.into_iter().flatten().map(|(k, v)| (k.as_str(), v.as_str()));
            if let Some(address) = ownership(lineage, pairs) {
                let id = format!("{name}:{g}");
                out.push(OwnedObject { type_name: type_of(&address, "aws_eks_node_group"), address, id });
            }
        }
    }
    Ok(out)
}
