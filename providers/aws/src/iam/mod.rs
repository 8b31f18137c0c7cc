//! IAM: the roles EKS, its node groups and hybrid nodes assume, customer managed policies, their
//! attachments, and instance profiles.
//!
//! IAM is global and eventually consistent. Names are unique per account, so a create whose
//! object already exists (a re-run after a crash) looks at the existing object's ownership tags
//! and adopts it when they name this stack and address; otherwise it stops and says how to
//! import it. Reads are batched: GetAccountAuthorizationDetails returns every role (with its
//! tags and attached policies) or every customer managed policy (with its documents) in one
//! paginated call; ListRoles adds what that call leaves out of roles (description, session
//! duration). Policy documents come back URL-encoded and are compared in a canonical JSON form
//! (keys sorted, one-element lists as their element), so a plan of an applied stack is empty.

mod instance_profile;
mod policy;
mod role;
mod role_policy_attachment;

use aws_sdk_iam::types::{EntityType, ManagedPolicyDetail, RoleDetail, Tag};
use tether_sdk::{AttrPath, Diagnostic, Value};

use crate::common::{aws_error, split_tags, tag_changes, tag_set, Ctx, TagChanges};
use crate::resource::AwsResource;

pub use instance_profile::InstanceProfile;
pub use policy::Policy;
pub use role::Role;
pub use role_policy_attachment::RolePolicyAttachment;

/// The IAM SDK this module is built on, for tests that check what the provider did.
pub use aws_sdk_iam as sdk;

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![Box::new(Role), Box::new(Policy), Box::new(RolePolicyAttachment), Box::new(InstanceProfile)]
}

/// The tags to create an IAM object with: `default_tags`, the stack's `tags`, then ownership.
fn creation_tags(cx: &Ctx<'_>, planned: &Value) -> Vec<Tag> {
    tag_set(cx, planned).into_iter().filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok()).collect()
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

/// The tags to add and the keys to remove to bring an object from `prior` to `planned`.
fn tag_delta(cx: &Ctx<'_>, prior: &Value, planned: &Value) -> (Vec<Tag>, Vec<String>) {
    let TagChanges { set, remove } = tag_changes(cx, prior, planned);
    (set.into_iter().filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok()).collect(), remove)
}

/// Every role of the account with its tags and attached managed policies: one paginated
/// GetAccountAuthorizationDetails.
async fn role_details(cx: &Ctx<'_>) -> Result<Vec<RoleDetail>, Diagnostic> {
    let mut pages = cx.clients.iam.get_account_authorization_details().filter(EntityType::Role).into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(cx.address, "GetAccountAuthorizationDetails", e))?;
        out.extend(page.role_detail_list().iter().cloned());
    }
    Ok(out)
}

/// Every customer managed policy of the account with its versions' documents.
async fn policy_details(cx: &Ctx<'_>) -> Result<Vec<ManagedPolicyDetail>, Diagnostic> {
    let mut pages = cx
        .clients
        .iam
        .get_account_authorization_details()
        .filter(EntityType::LocalManagedPolicy)
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(cx.address, "GetAccountAuthorizationDetails", e))?;
        out.extend(page.policies().iter().cloned());
    }
    Ok(out)
}

/// A policy document as IAM returns it (URL-encoded), decoded.
fn decode_document(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The keys of a policy statement whose value may be one string or a list of them.
const STRING_OR_LIST: [&str; 4] = ["Action", "NotAction", "Resource", "NotResource"];

/// A policy document in canonical form: compact JSON, object keys sorted, `Statement` a list,
/// and the string-or-list fields (`Action`, `Resource`, principals, condition values) written
/// as their one element when they have one and sorted otherwise. Two documents IAM treats as
/// the same compare equal. `None` when the text is not JSON.
pub fn canonical_policy(text: &str) -> Option<String> {
    let json: serde_json::Value = serde_json::from_str(text).ok()?;
    Some(canonical_json(&document(json)).to_string())
}

/// A document: its `Statement` becomes a list of canonical statements.
fn document(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value as J;
    let J::Object(m) = v else { return v };
    J::Object(
        m.into_iter()
            .map(|(k, v)| {
                if k != "Statement" {
                    return (k, v);
                }
                let items = match v {
                    J::Array(items) => items,
                    one => vec![one],
                };
                (k, J::Array(items.into_iter().map(statement).collect()))
            })
            .collect(),
    )
}

/// One statement: string-or-list fields, principal maps and condition blocks made canonical.
fn statement(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value as J;
    let J::Object(m) = v else { return v };
    let map_values = |v: J, f: &dyn Fn(J) -> J| match v {
        J::Object(m) => J::Object(m.into_iter().map(|(k, v)| (k, f(v))).collect()),
        other => other,
    };
    J::Object(
        m.into_iter()
            .map(|(k, v)| {
                let v = match k.as_str() {
                    key if STRING_OR_LIST.contains(&key) => string_or_list(v),
                    "Principal" | "NotPrincipal" => map_values(v, &string_or_list),
                    // Operator -> condition key -> value(s).
                    "Condition" => map_values(v, &|op| map_values(op, &string_or_list)),
                    _ => v,
                };
                (k, v)
            })
            .collect(),
    )
}

/// A value IAM accepts as one string or a list of them: one element alone, several sorted.
fn string_or_list(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        J::Array(mut items) => {
            items.sort_by_key(|i| i.to_string());
            items.dedup();
            if items.len() == 1 {
                items.pop().unwrap_or(J::Null)
            } else {
                J::Array(items)
            }
        }
        other => other,
    }
}

fn canonical_json(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        J::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            J::Object(keys.into_iter().map(|k| (k.clone(), canonical_json(&m[k]))).collect())
        }
        J::Array(items) => J::Array(items.iter().map(canonical_json).collect()),
        other => other.clone(),
    }
}

/// The canonical form of a policy attribute's value (left as written when it is not JSON:
/// validation reports that).
fn canonical_policy_value(v: Value) -> Value {
    match v.as_str().and_then(canonical_policy) {
        Some(c) => Value::from(c),
        None => v,
    }
}

/// Checks that a policy attribute holds a JSON object.
fn check_policy(config: &Value, attr: &str) -> Option<Diagnostic> {
    let text = config.get(attr)?.as_str()?;
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(m)) if m.contains_key("Statement") => None,
        Ok(_) => Some(
            Diagnostic::error(format!("{attr} is not a policy document: it has no Statement"))
                .code("aws::invalid-policy")
                .attribute(AttrPath::attr(attr))
                .help("write it with jsonencode({ Version = \"2012-10-17\", Statement = [ ... ] })"),
        ),
        Err(e) => Some(
            Diagnostic::error(format!("{attr} is not valid JSON ({e})"))
                .code("aws::invalid-policy")
                .attribute(AttrPath::attr(attr))
                .help("write it with jsonencode({ Version = \"2012-10-17\", Statement = [ ... ] })"),
        ),
    }
}

/// A not-found error of an IAM call.
fn is_no_such_entity<E: aws_sdk_iam::error::ProvideErrorMetadata, R>(e: &aws_sdk_iam::error::SdkError<E, R>) -> bool {
    matches!(e, aws_sdk_iam::error::SdkError::ServiceError(se) if se.err().code() == Some("NoSuchEntity"))
}

fn is_already_exists<E: aws_sdk_iam::error::ProvideErrorMetadata, R>(e: &aws_sdk_iam::error::SdkError<E, R>) -> bool {
    matches!(e, aws_sdk_iam::error::SdkError::ServiceError(se) if se.err().code() == Some("EntityAlreadyExists"))
}

/// The error for an object of this name that exists and is not this stack's.
fn taken(cx: &Ctx<'_>, what: &str, name: &str, id: &str) -> Diagnostic {
    Diagnostic::error(format!("an IAM {what} named {name} already exists and was not created by this stack"))
        .code("aws::EntityAlreadyExists")
        .address(cx.address)
        .help(format!("import it with `tether import {} {id}`, or choose another name", cx.address))
}

/// A timestamp as RFC 3339 in UTC to the second.
fn date(t: Option<&aws_sdk_iam::primitives::DateTime>) -> Value {
    use aws_sdk_iam::primitives::{DateTime, DateTimeFormat};
    t.and_then(|t| DateTime::from_secs(t.secs()).fmt(DateTimeFormat::DateTime).ok())
        .map(Value::from)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equivalent_documents_have_one_canonical_form() {
        let written = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["eks.amazonaws.com"]},"Action":["sts:AssumeRole","sts:TagSession"]}]}"#;
        let returned = r#"{"Statement": {"Action": ["sts:TagSession", "sts:AssumeRole"], "Principal": {"Service": "eks.amazonaws.com"}, "Effect": "Allow"}, "Version": "2012-10-17"}"#;
        assert_eq!(canonical_policy(written), canonical_policy(returned));
        let c = canonical_policy(written).unwrap();
        assert!(c.starts_with(r#"{"Statement":[{"Action":["sts:AssumeRole","sts:TagSession"],"Effect":"Allow","Principal":{"Service":"eks.amazonaws.com"}}]"#), "{c}");
        // A different action is a different document.
        assert_ne!(canonical_policy(written), canonical_policy(&written.replace("TagSession", "SetSourceIdentity")));
        assert_eq!(canonical_policy("not json"), None);
    }

    #[test]
    fn condition_values_and_url_encoding() {
        let a = r#"{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":["123456789012"]}}}]}"#;
        let b = r#"{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"}}}]}"#;
        assert_eq!(canonical_policy(a), canonical_policy(b));
        assert_eq!(decode_document("%7B%22a%22%3A%201%7D"), "{\"a\": 1}");
        assert_eq!(decode_document("{\"a\":1}"), "{\"a\":1}");
    }
}
