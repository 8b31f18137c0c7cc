//! Systems Manager: hybrid activations, the credentials on-premises hybrid nodes register with
//! (`nodeadm` takes an activation's code and ID).
//!
//! DescribeActivations filters by activation IDs, so a refresh is one paginated call for every
//! activation in the stack. SSM creates take no idempotency token: objects are tagged at creation
//! with the stack lineage and address, which a re-run after a crash looks for.

mod activation;

use aws_sdk_ssm::types::Tag;
use tether_sdk::Value;

use crate::common::{split_tags, tag_set, Ctx};
use crate::resource::AwsResource;

pub use activation::Activation;

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![Box::new(Activation)]
}

/// The tags to create an SSM object with: `default_tags`, the stack's `tags`, then ownership.
fn creation_tags(cx: &Ctx<'_>, planned: &Value) -> Vec<Tag> {
    tag_set(cx, planned).into_iter().filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok()).collect()
}

fn pairs(tags: &[Tag]) -> impl Iterator<Item = (&str, &str)> {
    tags.iter().map(|t| (t.key(), t.value()))
}

/// `tags` and `tags_all` of an SSM object (SSM returns tags as a key/value list, like EC2).
fn read_tags(cx: &Ctx<'_>, tags: &[Tag], prior: Option<&Value>) -> (Value, Value) {
    split_tags(pairs(tags), cx.default_tags, prior)
}

/// True when an object's tags carry this stack's ownership tags for this address.
fn owned_by_us(cx: &Ctx<'_>, tags: &[Tag]) -> bool {
    crate::common::owned_by_us(cx, pairs(tags))
}

/// The SSM SDK this module is built on, for tests that check what the provider did.
pub use aws_sdk_ssm as sdk;
