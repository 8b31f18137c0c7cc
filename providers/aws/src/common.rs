//! Pieces every resource type uses: error reporting, ownership tags, waiters, value helpers.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};
use tether_sdk::{Diagnostic, Progress, Value, TAG_ADDRESS, TAG_LINEAGE};

use crate::client::Clients;

/// What a resource operation gets: the clients, provider settings and who is asking.
pub struct Ctx<'a> {
    pub clients: &'a Clients,
    pub polls: &'a Polls,
    pub default_tags: &'a BTreeMap<String, String>,
    pub lineage: &'a str,
    pub address: &'a str,
    pub progress: &'a Progress,
}

/// Coalesces the status polls of objects of one type that are being waited on at the same
/// time: twenty attachments becoming available cost one Describe call per poll, not twenty.
#[derive(Default)]
pub struct PollBatch {
    state: tokio::sync::Mutex<PollState>,
}

#[derive(Default)]
struct PollState {
    /// IDs someone is waiting on.
    waiting: std::collections::BTreeSet<String>,
    /// The last poll: when, which IDs it asked about, and the status of each that exists.
    last: Option<(Instant, std::collections::BTreeSet<String>, BTreeMap<String, String>)>,
}

impl PollBatch {
    /// The status of `id` (`None`: it does not exist), from a poll no older than `max_age`.
    /// A poll asks `describe` about every ID being waited on at once.
    pub async fn status<F, Fut>(&self, id: &str, max_age: Duration, describe: F) -> Result<Option<String>, Diagnostic>
    where
        F: FnOnce(Vec<String>) -> Fut,
        Fut: Future<Output = Result<BTreeMap<String, String>, Diagnostic>>,
    {
        // Held across the call: concurrent waiters queue here and then reuse the fresh answer.
        let mut st = self.state.lock().await;
        st.waiting.insert(id.to_string());
        let fresh = st.last.as_ref().is_some_and(|(at, asked, _)| at.elapsed() < max_age && asked.contains(id));
        if !fresh {
            let asked = st.waiting.clone();
            let found = describe(asked.iter().cloned().collect()).await?;
            st.last = Some((Instant::now(), asked, found));
        }
        Ok(st.last.as_ref().and_then(|(_, _, found)| found.get(id).cloned()))
    }

    /// Stops polling for `id`.
    pub async fn done(&self, id: &str) {
        self.state.lock().await.waiting.remove(id);
    }
}

/// One `PollBatch` per resource type, shared by every operation of a run.
#[derive(Default)]
pub struct Polls {
    by_type: std::sync::Mutex<BTreeMap<String, std::sync::Arc<PollBatch>>>,
}

impl Polls {
    pub fn batch(&self, type_name: &str) -> std::sync::Arc<PollBatch> {
        let mut m = self.by_type.lock().unwrap_or_else(|e| e.into_inner());
        m.entry(type_name.to_string()).or_default().clone()
    }
}

/// Waits until `id` of `type_name` reaches a status `done` accepts (`None` means the object is
/// gone; `done` returns an error for states that will never get there), polling in batches
/// with every other waiter on the same type.
pub async fn wait_status<F, Fut>(
    cx: &Ctx<'_>,
    type_name: &str,
    id: &str,
    what: &str,
    timeout: Duration,
    describe: F,
    done: impl Fn(Option<&str>) -> Result<bool, Diagnostic>,
) -> Result<(), Diagnostic>
where
    F: Fn(Vec<String>) -> Fut,
    Fut: Future<Output = Result<BTreeMap<String, String>, Diagnostic>>,
{
    let batch = cx.polls.batch(type_name);
    let result = wait_for(cx, what, timeout, || async {
        let status = batch.status(id, Duration::from_secs(1), &describe).await?;
        Ok(done(status.as_deref())?.then_some(()))
    })
    .await;
    batch.done(id).await;
    result
}

/// Waits until `id` of `type_name` no longer exists, polling in batches like `wait_status`.
pub async fn wait_gone<F, Fut>(
    cx: &Ctx<'_>,
    type_name: &str,
    id: &str,
    what: &str,
    timeout: Duration,
    describe: F,
) -> Result<(), Diagnostic>
where
    F: Fn(Vec<String>) -> Fut,
    Fut: Future<Output = Result<BTreeMap<String, String>, Diagnostic>>,
{
    wait_status(cx, type_name, id, &format!("{what} {id} to be deleted"), timeout, describe, |s| Ok(s.is_none())).await
}

/// An AWS error for one resource: its code (`aws::InvalidVpcID.NotFound`), message, and address.
pub fn aws_error<E, R>(address: &str, what: &str, e: SdkError<E, R>) -> Diagnostic
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let (code, message) = match &e {
        SdkError::ServiceError(se) => {
            (se.err().code().unwrap_or("Unknown").to_string(), se.err().message().unwrap_or("no message").to_string())
        }
        other => ("RequestFailed".to_string(), aws_sdk_ec2::error::DisplayErrorContext(other).to_string()),
    };
    Diagnostic::error(format!("{what} failed: {code}: {message}"))
        .code(format!("aws::{code}"))
        .address(address)
        .help(help_for(&code))
}

fn help_for(code: &str) -> String {
    match code {
        c if c.contains("NotFound") => "the object no longer exists; run `tether plan` to see what changed".into(),
        c if c.starts_with("UnauthorizedOperation") || c == "AuthFailure" => {
            "check the AWS credentials and that their policy allows this action".into()
        }
        "RequestLimitExceeded" | "Throttling" => {
            "the account's API rate limit was exceeded after retries; re-run later or lower --parallelism".into()
        }
        c if c.contains("LimitExceeded") => {
            "an AWS service quota was reached; request an increase or free some up".into()
        }
        "DependencyViolation" => "another object still uses this one; remove or detach it first".into(),
        "RequestFailed" => "check network access to the AWS endpoint, the region and endpoint_url".into(),
        _ => "see the AWS error message above".into(),
    }
}

/// An object that could not be read back right after it was created or changed.
pub fn vanished(cx: &Ctx<'_>, what: &str, id: &str, code: &str) -> Diagnostic {
    Diagnostic::error(format!("{what} {id} disappeared right after it was created or changed"))
        .code(format!("aws::{code}"))
        .address(cx.address)
}

/// Checks an IPv4 CIDR attribute parses and its prefix is within `sizes`.
pub fn check_ipv4_cidr(
    config: &Value,
    attr: &str,
    sizes: std::ops::RangeInclusive<u8>,
    what: &str,
    example: &str,
) -> Option<Diagnostic> {
    let c = str_of(config, attr)?;
    let path = tether_sdk::AttrPath::attr(attr);
    match c.parse::<ipnet::Ipv4Net>() {
        Ok(n) if sizes.contains(&n.prefix_len()) => None,
        Ok(n) => Some(
            Diagnostic::error(format!(
                "{what} must be /{} to /{}, not /{}",
                sizes.start(),
                sizes.end(),
                n.prefix_len()
            ))
            .code("aws::cidr-size")
            .attribute(path)
            .help(format!("use a prefix between /{} and /{}", sizes.start(), sizes.end())),
        ),
        Err(_) => Some(
            Diagnostic::error(format!("{c:?} is not an IPv4 CIDR block"))
                .code("aws::invalid-cidr")
                .attribute(path)
                .help(format!("write it like {example}")),
        ),
    }
}

/// True when an error says the object does not exist (deleting it again is then a success).
pub fn is_not_found<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> bool {
    matches!(e, SdkError::ServiceError(se) if se.err().code().is_some_and(|c| c.contains("NotFound") || c.contains("NotFoundException")))
}

/// The tags to create an object with: provider `default_tags`, then the stack's `tags`, then
/// the ownership tags (which nothing may override). Each service turns them into its own type.
pub fn tag_set(cx: &Ctx<'_>, planned: &Value) -> BTreeMap<String, String> {
    let mut all: BTreeMap<String, String> = cx.default_tags.clone();
    all.extend(user_tags(planned));
    all.insert(TAG_LINEAGE.into(), cx.lineage.into());
    all.insert(TAG_ADDRESS.into(), cx.address.into());
    all
}

/// [`tag_set`] as EC2 tags.
pub fn creation_tags(cx: &Ctx<'_>, planned: &Value) -> Vec<Tag> {
    tag_set(cx, planned).into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

/// True when `tags` carry this stack's ownership tags for this address.
pub fn owned_by_us<'t>(cx: &Ctx<'_>, tags: impl IntoIterator<Item = (&'t str, &'t str)>) -> bool {
    let (mut lineage, mut address) = (false, false);
    for (k, v) in tags {
        lineage |= k == TAG_LINEAGE && v == cx.lineage;
        address |= k == TAG_ADDRESS && v == cx.address;
    }
    lineage && address
}

pub fn tag_spec(kind: ResourceType, tags: Vec<Tag>) -> TagSpecification {
    TagSpecification::builder().resource_type(kind).set_tags(Some(tags)).build()
}

/// The `tags` attribute of a planned value.
pub fn user_tags(v: &Value) -> BTreeMap<String, String> {
    v.get("tags")
        .and_then(Value::as_map)
        .map(|m| m.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect())
        .unwrap_or_default()
}

/// Tells the user that `what` (an ID, or a description) was found carrying this address's
/// ownership tags and is taken over instead of creating another.
pub fn report_adopted(cx: &Ctx<'_>, what: &str) {
    cx.progress.report(&format!("adopting {what}, created by an interrupted run"));
}

/// [`owned_by_us`] for EC2 tags. Some Describe calls (and the emulator) ignore `tag:` filters,
/// so what a filtered Describe returns is checked again with this.
pub fn ec2_owned_by_us(cx: &Ctx<'_>, tags: &[Tag]) -> bool {
    owned_by_us(cx, tags.iter().filter_map(|t| Some((t.key()?, t.value()?))))
}

/// Splits an object's tags into the stack's `tags` (without ownership tags, and without default
/// tags the stack did not set itself) and `tags_all` (everything but ownership tags).
pub fn split_tags<'t>(
    aws: impl IntoIterator<Item = (&'t str, &'t str)>,
    default_tags: &BTreeMap<String, String>,
    prior: Option<&Value>,
) -> (Value, Value) {
    let prior_tags = prior.map(user_tags).unwrap_or_default();
    let mut tags = BTreeMap::new();
    let mut all = BTreeMap::new();
    for (k, v) in aws {
        if k.starts_with("tether:") {
            continue;
        }
        all.insert(k.to_string(), Value::from(v));
        let from_defaults = default_tags.get(k).is_some_and(|d| d == v) && !prior_tags.contains_key(k);
        if !from_defaults {
            tags.insert(k.to_string(), Value::from(v));
        }
    }
    let tags = if tags.is_empty() && prior.and_then(|p| p.get("tags")).is_none_or(Value::is_null) {
        Value::Null
    } else {
        Value::Map(tags)
    };
    (tags, Value::Map(all))
}

/// [`split_tags`] for EC2 tags.
pub fn read_tags(aws: &[Tag], default_tags: &BTreeMap<String, String>, prior: Option<&Value>) -> (Value, Value) {
    split_tags(aws.iter().filter_map(|t| Some((t.key()?, t.value()?))), default_tags, prior)
}

/// What a tag update must do: tags to set (new or with a new value) and keys to remove. Default
/// tags count on both sides; ownership tags are never touched.
pub struct TagChanges {
    pub set: BTreeMap<String, String>,
    pub remove: Vec<String>,
}

pub fn tag_changes(cx: &Ctx<'_>, prior: &Value, planned: &Value) -> TagChanges {
    let mut want: BTreeMap<String, String> = cx.default_tags.clone();
    want.extend(user_tags(planned));
    let mut had: BTreeMap<String, String> = cx.default_tags.clone();
    had.extend(user_tags(prior));
    let remove = had.keys().filter(|k| !want.contains_key(*k)).cloned().collect();
    want.retain(|k, v| had.get(k) != Some(v));
    TagChanges { set: want, remove }
}

/// Brings an object's tags from `prior` to `planned` with CreateTags/DeleteTags, leaving the
/// ownership tags alone.
pub async fn update_tags(cx: &Ctx<'_>, id: &str, prior: &Value, planned: &Value) -> Result<(), Diagnostic> {
    let changes = tag_changes(cx, prior, planned);
    let add: Vec<Tag> = changes.set.into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
    let remove: Vec<Tag> = changes.remove.into_iter().map(|k| Tag::builder().key(k).build()).collect();
    let ec2 = &cx.clients.ec2;
    if !remove.is_empty() {
        ec2.delete_tags()
            .resources(id)
            .set_tags(Some(remove))
            .send()
            .await
            .map_err(|e| aws_error(cx.address, "DeleteTags", e))?;
    }
    if !add.is_empty() {
        ec2.create_tags()
            .resources(id)
            .set_tags(Some(add))
            .send()
            .await
            .map_err(|e| aws_error(cx.address, "CreateTags", e))?;
    }
    Ok(())
}

/// An EC2 filter.
pub fn filter(name: &str, values: impl IntoIterator<Item = impl Into<String>>) -> Filter {
    Filter::builder().name(name).set_values(Some(values.into_iter().map(Into::into).collect())).build()
}

/// The filter that finds what this stack created: its ownership tag.
pub fn owned_filter(lineage: &str, address: &str) -> Vec<Filter> {
    vec![filter(&format!("tag:{TAG_LINEAGE}"), [lineage]), filter(&format!("tag:{TAG_ADDRESS}"), [address])]
}

/// Polls `check` until it returns `Some`, reporting progress, within `timeout`. Intervals grow
/// from 2 s to 15 s: AWS objects take minutes, and each poll spends API budget.
pub async fn wait_for<T, F, Fut>(cx: &Ctx<'_>, what: &str, timeout: Duration, mut check: F) -> Result<T, Diagnostic>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, Diagnostic>>,
{
    let start = Instant::now();
    let mut interval = Duration::from_millis(500);
    loop {
        if let Some(v) = check().await? {
            return Ok(v);
        }
        if start.elapsed() > timeout {
            return Err(Diagnostic::error(format!(
                "timed out after {}s waiting for {what}",
                start.elapsed().as_secs()
            ))
            .code("aws::WaiterTimeout")
            .address(cx.address)
            .help("AWS is still working on it: re-run apply later; tether will pick up where it stopped"));
        }
        cx.progress.report(&format!("waiting for {what} ({}s elapsed)", start.elapsed().as_secs()));
        tokio::time::sleep(interval).await;
        interval = (interval * 2).clamp(Duration::from_secs(2), Duration::from_secs(15));
    }
}

// ---- value helpers ----

pub fn str_of<'v>(v: &'v Value, k: &str) -> Option<&'v str> {
    v.get(k).and_then(Value::as_str).filter(|s| !s.is_empty())
}

pub fn bool_of(v: &Value, k: &str) -> Option<bool> {
    v.get(k).and_then(Value::as_bool)
}

pub fn i64_of(v: &Value, k: &str) -> Option<i64> {
    v.get(k).and_then(Value::as_i64)
}

pub fn opt_str(s: Option<&str>) -> Value {
    s.map(Value::from).unwrap_or(Value::Null)
}

pub fn opt_bool(b: Option<bool>) -> Value {
    b.map(Value::Bool).unwrap_or(Value::Null)
}

pub fn opt_i64(n: Option<i64>) -> Value {
    n.map(Value::int).unwrap_or(Value::Null)
}

/// A timestamp as an RFC 3339 string in UTC to the second (`2026-05-01T00:00:00Z`), as
/// Terraform shows them (AWS's fractions of a second come back as lossy floating point).
pub fn rfc3339(t: Option<&aws_sdk_ec2::primitives::DateTime>) -> Value {
    use aws_sdk_ec2::primitives::{DateTime, DateTimeFormat};
    t.and_then(|t| DateTime::from_secs(t.secs()).fmt(DateTimeFormat::DateTime).ok())
        .map(Value::from)
        .unwrap_or(Value::Null)
}

/// The canonical form of an IPv4/IPv6 CIDR, as AWS stores it (`10.0.1.5/16` -> `10.0.0.0/16`).
pub fn canonical_cidr(v: Value) -> Value {
    match v.as_str().and_then(|s| s.parse::<ipnet::IpNet>().ok()) {
        Some(net) => Value::from(net.trunc().to_string()),
        None => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn waiters_on_one_type_share_each_poll() {
        let batch = PollBatch::default();
        let calls = AtomicUsize::new(0);
        let asked = std::sync::Mutex::new(Vec::new());
        let describe = |ids: Vec<String>| {
            calls.fetch_add(1, Ordering::SeqCst);
            asked.lock().unwrap().push(ids.len());
            async move { Ok(ids.into_iter().map(|i| (i, "pending".to_string())).collect()) }
        };
        let age = Duration::from_millis(200);
        for id in ["a", "b", "c"] {
            batch.status(id, age, &describe).await.unwrap();
        }
        tokio::time::sleep(age + Duration::from_millis(20)).await;
        calls.store(0, Ordering::SeqCst);
        asked.lock().unwrap().clear();
        // One poll, asking about all three, answers every waiter of this round.
        for id in ["a", "b", "c"] {
            assert_eq!(batch.status(id, age, &describe).await.unwrap().as_deref(), Some("pending"));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(*asked.lock().unwrap(), vec![3]);
        // A finished waiter is no longer asked about.
        batch.done("b").await;
        tokio::time::sleep(age + Duration::from_millis(20)).await;
        asked.lock().unwrap().clear();
        batch.status("a", age, &describe).await.unwrap();
        assert_eq!(*asked.lock().unwrap(), vec![2]);
    }
}
