//! The `tether { }` settings block: `required_providers` and the state `backend`. Both are read
//! before anything is evaluated, so their values must be literal strings.

use std::collections::BTreeMap;

use hcl_edit::structure::Block;
use hcl_edit::Span as _;

use super::decode::{duplicate, header_span, label_count_diag, span, Item, Loader};
use super::expr::{literal_str, object_key_name};
use super::model::BackendConfig;
use crate::diag::{Diag, FileId};

const TETHER_BLOCKS: &[&str] = &["required_providers", "backend"];

impl Loader {
    pub(super) fn tether(&mut self, file: FileId, block: &Block) {
        if self.config.settings.span.is_none() {
            self.config.settings.span = Some(header_span(file, block));
        }
        for item in self.items(file, &block.body) {
            match item {
                Item::Attr(a) => self.unknown_argument(&a.name, a.name_span.clone(), "tether", TETHER_BLOCKS),
                Item::Block(b) => match b.ident.as_str() {
                    "required_providers" => {
                        if !b.labels.is_empty() {
                            self.diags.push(label_count_diag(file, b, 0));
                        }
                        self.required_providers(file, b);
                    }
                    "backend" => {
                        if b.labels.len() != 1 {
                            self.diags.push(label_count_diag(file, b, 1));
                            continue;
                        }
                        self.backend(file, b);
                    }
                    other => self.unknown_argument(other, span(file, b.ident.span()), "tether", TETHER_BLOCKS),
                },
            }
        }
    }

    fn required_providers(&mut self, file: FileId, block: &Block) {
        for item in self.items(file, &block.body) {
            match item {
                Item::Attr(a) => {
                    // `aws = ">= 0.1"` or Terraform's object form `aws = { version = ">= 0.1" }`.
                    let version = match a.expr.as_object() {
                        Some(object) => object.iter().find_map(|(k, v)| {
                            (object_key_name(k).as_deref() == Some("version")).then(|| v.expr().clone())
                        }),
                        None => Some(a.expr.clone()),
                    };
                    let version = version.and_then(|e| literal_str(&e));
                    match version {
                        Some(v) => {
                            if self.config.settings.required_providers.insert(a.name.clone(), v).is_some() {
                                self.diags.push(duplicate(
                                    format!("provider {} is required twice", a.name),
                                    a.name_span.clone(),
                                    None,
                                    "keep one version constraint per provider",
                                ));
                            }
                        }
                        None => self.diags.push(
                            Diag::error(format!(
                                "the version constraint of provider {} must be a literal string",
                                a.name
                            ))
                            .code("config::not-literal")
                            .label(a.span.clone(), "not a string")
                            .help(format!("write {} = \">= 0.1\"", a.name)),
                        ),
                    }
                }
                Item::Block(b) => self.diags.push(
                    Diag::error(format!("unexpected block {} inside required_providers", b.ident.as_str()))
                        .code("config::unknown-block")
                        .label(span(file, b.ident.span()), "blocks are not allowed here")
                        .help("write one NAME = \"VERSION\" line per provider"),
                ),
            }
        }
    }

    fn backend(&mut self, file: FileId, block: &Block) {
        let this = header_span(file, block);
        if let Some(first) = &self.config.settings.backend {
            self.diags.push(duplicate(
                "a stack can have only one backend".to_string(),
                this,
                Some(first.span.clone()),
                "remove one of the backend blocks",
            ));
            return;
        }
        let mut settings = BTreeMap::new();
        for item in self.items(file, &block.body) {
            match item {
                Item::Attr(a) => match literal_str(&a.expr) {
                    Some(v) => {
                        settings.insert(a.name.clone(), v);
                    }
                    None => self.diags.push(
                        Diag::error(format!("backend setting {} must be a literal string", a.name))
                            .code("config::not-literal")
                            .label(a.span.clone(), "not a literal string")
                            .help("the backend is configured before anything is evaluated, so write the value in quotes without variables or functions"),
                    ),
                },
                Item::Block(b) => self.diags.push(
                    Diag::error(format!("unexpected block {} inside backend", b.ident.as_str()))
                        .code("config::unknown-block")
                        .label(span(file, b.ident.span()), "blocks are not allowed here")
                        .help("backend settings are NAME = \"VALUE\" lines"),
                ),
            }
        }
        self.config.settings.backend =
            Some(BackendConfig { kind: block.labels[0].as_str().to_string(), settings, span: this });
    }
}
