//! Systems Manager: hybrid activations, the credentials on-premises hybrid nodes register with
//! (`nodeadm` takes an activation's code and ID).
//!
//! DescribeActivations filters by activation IDs, so a refresh is one paginated call for every
//! activation in the stack. SSM creates take no idempotency token: objects are tagged at creation
//! with the stack lineage and address, which a re-run after a crash looks for.

mod activation;

use aws_sdk_ssm::types::Tag;
use tether_sdk::Value;

use crate::common::Ctx;
use crate::resource::AwsResource;

pub use activation::Activation;

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![Box::new(Activation)]
}

/// The tags to create an SSM object with: `default_tags`, the stack's `tags`, then ownership.
fn creation_tags(cx: &Ctx<'_>, planned: &Value) -> Vec<Tag> {
    crate::common::creation_tags(cx, planned)
        .iter()
        .filter_map(|t| {
            Tag::builder().set_key(t.key().map(Into::into)).set_value(t.value().map(Into::into)).build().ok()
        })
        .collect()
}

/// `tags` and `tags_all` of an SSM object (SSM returns tags as a key/value list, like EC2).
fn read_tags(cx: &Ctx<'_>, tags: &[Tag], prior: Option<&Value>) -> (Value, Value) {
    let as_ec2: Vec<aws_sdk_ec2::types::Tag> =
        tags.iter().map(|t| aws_sdk_ec2::types::Tag::builder().key(t.key()).value(t.value()).build()).collect();
    crate::common::read_tags(&as_ec2, cx.default_tags, prior)
}

/// True when an object's tags carry this stack's ownership tags for this address.
fn owned_by_us(cx: &Ctx<'_>, tags: &[Tag]) -> bool {
    let has = |k: &str, v: &str| tags.iter().any(|t| t.key() == k && t.value() == v);
    has(tether_sdk::TAG_LINEAGE, cx.lineage) && has(tether_sdk::TAG_ADDRESS, cx.address)
}

/// The SSM SDK this module is built on, for tests that check what the provider did.
pub use aws_sdk_ssm as sdk;
