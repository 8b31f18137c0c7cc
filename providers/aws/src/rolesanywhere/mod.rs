//! IAM Roles Anywhere: the trust anchor (the on-prem CA hybrid nodes' certificates chain to)
//! and the profile (the roles a certificate may assume), the credentials hybrid nodes use
//! instead of an SSM hybrid activation.
//!
//! Creates take no token: objects are tagged at creation with the stack lineage and address,
//! and a create first lists the type and adopts an object carrying this address's ownership
//! tags. A refresh lists every trust anchor (or profile) with one paginated call, plus
//! ListTagsForResource for each object read, since listings return no tags.

mod profile;
mod trust_anchor;

use aws_sdk_rolesanywhere::types::Tag;
use tether_sdk::{Diagnostic, Value};

use crate::common::{aws_error, split_tags, tag_changes, tag_set, Ctx, TagChanges};
use crate::resource::AwsResource;

pub use profile::Profile;
pub use trust_anchor::TrustAnchor;

/// The Roles Anywhere SDK this module is built on, for tests that check what the provider did.
pub use aws_sdk_rolesanywhere as sdk;

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![Box::new(TrustAnchor), Box::new(Profile)]
}

fn creation_tags(cx: &Ctx<'_>, planned: &Value) -> Vec<Tag> {
    tag_set(cx, planned).into_iter().filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok()).collect()
}

/// The tags of an object, by ARN.
async fn tags_of(cx: &Ctx<'_>, arn: &str) -> Result<Vec<Tag>, Diagnostic> {
    let out = cx
        .clients
        .rolesanywhere
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| aws_error(cx.address, "ListTagsForResource", e))?;
    Ok(out.tags().to_vec())
}

fn pairs(tags: &[Tag]) -> impl Iterator<Item = (&str, &str)> {
    tags.iter().map(|t| (t.key(), t.value()))
}

fn read_tags(cx: &Ctx<'_>, tags: &[Tag], prior: Option<&Value>) -> (Value, Value) {
    split_tags(pairs(tags), cx.default_tags, prior)
}

fn owned_by_us(cx: &Ctx<'_>, tags: &[Tag]) -> bool {
    crate::common::owned_by_us(cx, pairs(tags))
}

/// Brings an object's tags from `prior` to `planned` (TagResource/UntagResource by ARN).
async fn update_tags(cx: &Ctx<'_>, arn: &str, prior: &Value, planned: &Value) -> Result<(), Diagnostic> {
    let TagChanges { set, remove } = tag_changes(cx, prior, planned);
    let ra = &cx.clients.rolesanywhere;
    if !remove.is_empty() {
        ra.untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(remove))
            .send()
            .await
            .map_err(|e| aws_error(cx.address, "UntagResource", e))?;
    }
    let add: Vec<Tag> = set.into_iter().filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok()).collect();
    if !add.is_empty() {
        ra.tag_resource()
            .resource_arn(arn)
            .set_tags(Some(add))
            .send()
            .await
            .map_err(|e| aws_error(cx.address, "TagResource", e))?;
    }
    Ok(())
}

fn is_not_found<E: aws_sdk_rolesanywhere::error::ProvideErrorMetadata, R>(
    e: &aws_sdk_rolesanywhere::error::SdkError<E, R>,
) -> bool {
    matches!(e, aws_sdk_rolesanywhere::error::SdkError::ServiceError(se) if se.err().code() == Some("ResourceNotFoundException"))
}
