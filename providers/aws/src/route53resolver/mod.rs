//! Route 53 Resolver: inbound/outbound endpoints, forwarding rules and their VPC associations.
//!
//! Creates pass the engine's idempotency token as `CreatorRequestId` (deterministic per stack
//! lineage and address, and repeated by a re-run after a crash), and look for an object with
//! that `CreatorRequestId` before creating, so an interrupted run's object is adopted rather
//! than duplicated. The List APIs have no ID filter: a refresh lists every object of the type
//! (paginated, 100 a page) and picks the ones asked about.

pub mod endpoint;
pub mod rule;
pub mod rule_association;

/// The Route 53 Resolver SDK, re-exported so tests can check what the provider did.
pub use aws_sdk_route53resolver as sdk;
use aws_sdk_route53resolver::types::{Filter, Tag};
use tether_sdk::{Diagnostic, Value};

use crate::client::Clients;
use crate::common::{aws_error, split_tags, tag_changes, tag_set, Ctx, TagChanges};
use crate::resource::AwsResource;

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![
        Box::new(endpoint::ResolverEndpoint),
        Box::new(rule::ResolverRule),
        Box::new(rule_association::ResolverRuleAssociation),
    ]
}

/// Page size for the List calls (the API's maximum).
const PAGE: i32 = 100;

/// A Route 53 Resolver List filter.
fn filter(name: &str, values: impl IntoIterator<Item = impl Into<String>>) -> Filter {
    Filter::builder().name(name).set_values(Some(values.into_iter().map(Into::into).collect())).build()
}

fn tag(k: &str, v: &str) -> Option<Tag> {
    Tag::builder().key(k).value(v).build().ok()
}

/// Tags to create an object with: `default_tags`, the stack's `tags`, then the ownership tags.
fn creation_tags(cx: &Ctx<'_>, planned: &Value) -> Vec<Tag> {
    tag_set(cx, planned).iter().filter_map(|(k, v)| tag(k, v)).collect()
}

/// The object's tags as `(tags, tags_all)` (one ListTagsForResource call per object: the API
/// has no batched form).
async fn read_tags(cx: &Ctx<'_>, arn: &str, prior: Option<&Value>) -> Result<(Value, Value), Diagnostic> {
    let tags = list_tags(cx.clients, cx.address, arn).await?;
    Ok(split_tags(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())), cx.default_tags, prior))
}

/// ListTagsForResource for one object, all pages, as (key, value) pairs.
pub(crate) async fn list_tags(
    clients: &Clients,
    address: &str,
    arn: &str,
) -> Result<Vec<(String, String)>, Diagnostic> {
    let mut tags = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let out = clients
            .resolver
            .list_tags_for_resource()
            .resource_arn(arn)
            .set_next_token(next.take())
            .send()
            .await
            .map_err(|e| aws_error(address, "ListTagsForResource", e))?;
        tags.extend(out.tags().iter().map(|t| (t.key().to_string(), t.value().to_string())));
        match out.next_token().filter(|t| !t.is_empty()) {
            Some(t) => next = Some(t.to_string()),
            None => break,
        }
    }
    Ok(tags)
}

/// Brings an object's tags from `prior` to `planned` (TagResource / UntagResource), leaving the
/// ownership tags alone.
async fn update_tags(cx: &Ctx<'_>, arn: &str, prior: &Value, planned: &Value) -> Result<(), Diagnostic> {
    let TagChanges { set, remove } = tag_changes(cx, prior, planned);
    let add: Vec<Tag> = set.iter().filter_map(|(k, v)| tag(k, v)).collect();
    let r = &cx.clients.resolver;
    if !remove.is_empty() {
        r.untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(remove))
            .send()
            .await
            .map_err(|e| aws_error(cx.address, "UntagResource", e))?;
    }
    if !add.is_empty() {
        r.tag_resource()
            .resource_arn(arn)
            .set_tags(Some(add))
            .send()
            .await
            .map_err(|e| aws_error(cx.address, "TagResource", e))?;
    }
    Ok(())
}

/// True for the error a create returns when its `CreatorRequestId` was already used.
fn is_exists<E: aws_sdk_route53resolver::error::ProvideErrorMetadata, R>(
    e: &aws_sdk_route53resolver::error::SdkError<E, R>,
) -> bool {
    matches!(e, aws_sdk_route53resolver::error::SdkError::ServiceError(se) if se.err().code() == Some("ResourceExistsException"))
}

/// A string set attribute.
fn strings(v: &Value, k: &str) -> Vec<String> {
    v.get(k).and_then(Value::as_list).unwrap_or(&[]).iter().filter_map(|s| s.as_str().map(str::to_string)).collect()
}

fn string_set(items: impl IntoIterator<Item = String>) -> Value {
    let mut v: Vec<Value> = items.into_iter().map(Value::from).collect();
    tether_sdk::plan::sort_set(&mut v);
    Value::List(v)
}
