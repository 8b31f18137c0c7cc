//! The contract between the provider and each resource type it implements.

use std::collections::BTreeMap;

use async_trait::async_trait;
use tether_sdk::{AttrPath, Diagnostic, ReadItem, ResourceSchema, Value};

use crate::common::Ctx;

/// One managed resource type (`aws_vpc`, ...). Values in and out follow its schema; secrets are
/// plain here (the engine marks them from the schema).
#[async_trait]
pub trait AwsResource: Send + Sync {
    fn type_name(&self) -> &'static str;

    fn schema(&self) -> ResourceSchema;

    /// The form AWS stores a value in, so plans compare equal to what is read back.
    fn canonicalize(&self, _path: &AttrPath, v: Value) -> Value {
        v
    }

    /// Checks that need no API call.
    fn validate(&self, _config: &Value) -> Vec<Diagnostic> {
        Vec::new()
    }

    /// Reads every item in as few calls as the API allows (one paginated Describe by IDs).
    /// Returns the current value per ID; missing IDs no longer exist.
    async fn read(&self, cx: &Ctx<'_>, items: &[ReadItem]) -> Result<BTreeMap<String, Value>, Diagnostic>;

    /// Creates the object, tagged with its owner; first adopts one a crashed run created.
    async fn create(&self, cx: &Ctx<'_>, planned: &Value, token: &str) -> Result<Value, Diagnostic>;

    /// Applies in-place changes (only attributes the schema does not mark `force_new`).
    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<Value, Diagnostic>;

    /// Deletes the object and waits until it is gone; an object already gone is success.
    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Diagnostic>;
}

/// One data source type (`data "aws_vpc"`).
#[async_trait]
pub trait AwsDataSource: Send + Sync {
    fn type_name(&self) -> &'static str;

    fn schema(&self) -> ResourceSchema;

    async fn read(&self, cx: &Ctx<'_>, config: &Value) -> Result<Value, Diagnostic>;
}

/// Reads one object by ID through the batched read (used after create/update and by import).
pub async fn read_one(r: &dyn AwsResource, cx: &Ctx<'_>, id: &str, prior: &Value) -> Result<Option<Value>, Diagnostic> {
    let item = ReadItem { address: cx.address.to_string(), id: id.to_string(), prior: prior.clone() };
    let mut found = r.read(cx, std::slice::from_ref(&item)).await?;
    Ok(found.remove(id))
}
