//! `aws_rolesanywhere_trust_anchor`: the certificate authority whose certificates IAM Roles
//! Anywhere accepts (the on-prem PKI that issues the hybrid nodes' certificates).
//!
//! `name` and `source` change in place (UpdateTrustAnchor), `enabled` with Enable/
//! DisableTrustAnchor, tags with TagResource/UntagResource. The CA certificate is compared
//! with surrounding whitespace trimmed, as AWS stores it.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_rolesanywhere::types::{Source, SourceData, TrustAnchorDetail, TrustAnchorType};
use tether_sdk::{AttrPath, AttrType, Attribute, Block, BlockType, Diagnostic, ReadItem, ResourceSchema, Value};

use super::{creation_tags, is_not_found, owned_by_us, read_tags, tags_of, update_tags};
use crate::common::{aws_error, bool_of, opt_str, report_adopted, str_of, Ctx};
use crate::resource::{read_one, AwsResource};

pub struct TrustAnchor;

const TYPES: [&str; 3] = ["AWS_ACM_PCA", "CERTIFICATE_BUNDLE", "SELF_SIGNED_REPOSITORY"];

#[async_trait]
impl AwsResource for TrustAnchor {
    fn type_name(&self) -> &'static str {
        "aws_rolesanywhere_trust_anchor"
    }

    fn schema(&self) -> ResourceSchema {
        let data = Block::new()
            .attr("x509_certificate_data", Attribute::optional(AttrType::String).describe("the CA certificate (PEM)"))
            .attr("acm_pca_arn", Attribute::optional(AttrType::String).describe("an AWS Private CA"));
        let source = Block::new()
            .attr("source_type", Attribute::required(AttrType::String).describe("CERTIFICATE_BUNDLE or AWS_ACM_PCA"))
            .block("source_data", BlockType::single(data).min(1));
        ResourceSchema::new(
            "An IAM Roles Anywhere trust anchor.",
            Block::new()
                .attr("id", Attribute::computed(AttrType::String))
                .attr("arn", Attribute::computed(AttrType::String))
                .attr("name", Attribute::required(AttrType::String))
                .attr("enabled", Attribute::optional_computed(AttrType::Bool).describe("true by default"))
                .attr("tags", Attribute::optional(AttrType::map_of(AttrType::String)))
                .attr("tags_all", Attribute::computed(AttrType::map_of(AttrType::String)))
                .block("source", BlockType::single(source).min(1)),
        )
    }

    fn canonicalize(&self, path: &AttrPath, v: Value) -> Value {
        if path.to_string() == "source.source_data.x509_certificate_data" {
            match v.as_str() {
                Some(s) => Value::from(s.trim()),
                None => v,
            }
        } else {
            v
        }
    }

    fn validate(&self, config: &Value) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let Some(source) = config.get("source").filter(|s| !s.is_null()) else { return out };
        let ty = str_of(source, "source_type");
        if let Some(t) = ty.filter(|t| !TYPES.contains(t)) {
            out.push(
                Diagnostic::error(format!("source_type {t:?} is not a trust anchor type"))
                    .code("aws::invalid-option")
                    .attribute(AttrPath::parse("source.source_type").unwrap_or_default())
                    .help("use CERTIFICATE_BUNDLE (a CA certificate of your own) or AWS_ACM_PCA (an AWS Private CA)"),
            );
        }
        let data = source.get("source_data");
        let set = |k: &str| data.and_then(|d| d.get(k)).is_some_and(|v| !v.is_null());
        let (want, other) = match ty {
            Some("CERTIFICATE_BUNDLE") => ("x509_certificate_data", "acm_pca_arn"),
            Some("AWS_ACM_PCA") => ("acm_pca_arn", "x509_certificate_data"),
            _ => return out,
        };
        if !set(want) || set(other) {
            out.push(
                Diagnostic::error(format!(
                    "a {} trust anchor needs source_data.{want} (and only that)",
                    ty.unwrap_or_default()
                ))
                .code("aws::trust-anchor-source")
                .attribute(AttrPath::parse("source.source_data").unwrap_or_default())
                .help(format!("set {want} in source_data and remove {other}")),
            );
        }
        if let Some(pem) = data.and_then(|d| d.get("x509_certificate_data")).and_then(Value::as_str) {
            if !pem.trim_start().starts_with("-----BEGIN CERTIFICATE-----") {
                out.push(
                    Diagnostic::error("x509_certificate_data is not a PEM certificate")
                        .code("aws::trust-anchor-source")
                        .attribute(AttrPath::parse("source.source_data.x509_certificate_data").unwrap_or_default())
                        .help("give the CA certificate in PEM form, e.g. file(\"onprem-ca.pem\")"),
                );
            }
        }
        out
    }

    async fn read(&self, cx: &Ctx<'_>, items: &[ReadItem]) -> Result<BTreeMap<String, Value>, Diagnostic> {
        if items.is_empty() {
            return Ok(BTreeMap::new());
        }
        let all = list(cx).await?;
        let mut out = BTreeMap::new();
        for item in items {
            let Some(t) = all.iter().find(|t| t.trust_anchor_id() == Some(item.id.as_str())) else { continue };
            let tags = tags_of(cx, t.trust_anchor_arn().unwrap_or_default()).await?;
            out.insert(item.id.clone(), to_value(cx, t, &tags, Some(&item.prior)));
        }
        Ok(out)
    }

    async fn create(&self, cx: &Ctx<'_>, planned: &Value, _token: &str) -> Result<Value, Diagnostic> {
        for t in list(cx).await? {
            let tags = tags_of(cx, t.trust_anchor_arn().unwrap_or_default()).await?;
            if owned_by_us(cx, &tags) {
                let id = t.trust_anchor_id().unwrap_or_default().to_string();
                report_adopted(cx, &id);
                let prior = to_value(cx, &t, &tags, None);
                return self.update(cx, &prior, planned).await;
            }
        }
        let out = cx
            .clients
            .rolesanywhere
            .create_trust_anchor()
            .name(str_of(planned, "name").unwrap_or_default())
            .source(source(planned))
            .enabled(bool_of(planned, "enabled").unwrap_or(true))
            .set_tags(Some(creation_tags(cx, planned)))
            .send()
            .await
            .map_err(|e| aws_error(cx.address, "CreateTrustAnchor", e))?;
        let id = out.trust_anchor().and_then(|t| t.trust_anchor_id()).unwrap_or_default().to_string();
        read_one(self, cx, &id, planned).await?.ok_or_else(|| vanished(cx, &id))
    }

    async fn update(&self, cx: &Ctx<'_>, prior: &Value, planned: &Value) -> Result<Value, Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default().to_string();
        let ra = &cx.clients.rolesanywhere;
        let name_changed = str_of(prior, "name") != str_of(planned, "name");
        let source_changed =
            prior.get("source").map(Value::unmark_deep) != planned.get("source").map(Value::unmark_deep);
        if name_changed || source_changed {
            ra.update_trust_anchor()
                .trust_anchor_id(&id)
                .set_name(str_of(planned, "name").map(Into::into))
                .source(source(planned))
                .send()
                .await
                .map_err(|e| aws_error(cx.address, "UpdateTrustAnchor", e))?;
        }
        let want = bool_of(planned, "enabled").unwrap_or(true);
        if bool_of(prior, "enabled") != Some(want) {
            if want {
                ra.enable_trust_anchor()
                    .trust_anchor_id(&id)
                    .send()
                    .await
                    .map_err(|e| aws_error(cx.address, "EnableTrustAnchor", e))?;
            } else {
                ra.disable_trust_anchor()
                    .trust_anchor_id(&id)
                    .send()
                    .await
                    .map_err(|e| aws_error(cx.address, "DisableTrustAnchor", e))?;
            }
        }
        let arn = str_of(prior, "arn").unwrap_or_default().to_string();
        update_tags(cx, &arn, prior, planned).await?;
        read_one(self, cx, &id, planned).await?.ok_or_else(|| vanished(cx, &id))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), Diagnostic> {
        let id = str_of(prior, "id").unwrap_or_default();
        match cx.clients.rolesanywhere.delete_trust_anchor().trust_anchor_id(id).send().await {
            Ok(_) => Ok(()),
            Err(e) if is_not_found(&e) => Ok(()),
            Err(e) => Err(aws_error(cx.address, "DeleteTrustAnchor", e)),
        }
    }
}

fn vanished(cx: &Ctx<'_>, id: &str) -> Diagnostic {
    crate::common::vanished(cx, "trust anchor", id, "ResourceNotFoundException")
}

fn source(planned: &Value) -> Source {
    let src = planned.get("source");
    let data = src.and_then(|s| s.get("source_data"));
    let ty = src.and_then(|s| str_of(s, "source_type")).unwrap_or("CERTIFICATE_BUNDLE");
    let d = match ty {
        "AWS_ACM_PCA" => data.and_then(|d| str_of(d, "acm_pca_arn")).map(|a| SourceData::AcmPcaArn(a.into())),
        _ => data.and_then(|d| str_of(d, "x509_certificate_data")).map(|c| SourceData::X509CertificateData(c.into())),
    };
    Source::builder().source_type(TrustAnchorType::from(ty)).set_source_data(d).build()
}

/// Every trust anchor of the account and region: ListTrustAnchors, all pages.
async fn list(cx: &Ctx<'_>) -> Result<Vec<TrustAnchorDetail>, Diagnostic> {
    let mut pages = cx.clients.rolesanywhere.list_trust_anchors().into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(cx.address, "ListTrustAnchors", e))?;
        out.extend(page.trust_anchors().iter().cloned());
    }
    Ok(out)
}

fn to_value(
    cx: &Ctx<'_>,
    t: &TrustAnchorDetail,
    tags: &[aws_sdk_rolesanywhere::types::Tag],
    prior: Option<&Value>,
) -> Value {
    let (tags, tags_all) = read_tags(cx, tags, prior);
    let src = t.source();
    let (cert, pca) = match src.and_then(|s| s.source_data()) {
        Some(SourceData::X509CertificateData(c)) => (Value::from(c.trim()), Value::Null),
        Some(SourceData::AcmPcaArn(a)) => (Value::Null, Value::from(a.as_str())),
        _ => (Value::Null, Value::Null),
    };
    Value::map([
        ("id", opt_str(t.trust_anchor_id())),
        ("arn", opt_str(t.trust_anchor_arn())),
        ("name", opt_str(t.name())),
        ("enabled", t.enabled().map(Value::Bool).unwrap_or_default()),
        (
            "source",
            Value::map([
                ("source_type", opt_str(src.and_then(|s| s.source_type()).map(|t| t.as_str()))),
                ("source_data", Value::map([("x509_certificate_data", cert), ("acm_pca_arn", pca)])),
            ]),
        ),
        ("tags", tags),
        ("tags_all", tags_all),
    ])
}
