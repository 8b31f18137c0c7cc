//! `variable` blocks and their `validation` blocks.

use hcl_edit::structure::Block;
use hcl_edit::Span as _;

use super::decode::{header_span, label_count_diag, span, Item, Loader};
use super::model::{Validation, VariableBlock};
use crate::diag::{Diag, FileId};

const VARIABLE_ARGS: &[&str] = &["type", "default", "description", "sensitive", "nullable", "validation"];
const VALIDATION_ARGS: &[&str] = &["condition", "error_message"];

impl Loader {
    pub(super) fn variable(&mut self, file: FileId, block: &Block) {
        let mut var = VariableBlock {
            name: block.labels[0].as_str().to_string(),
            span: header_span(file, block),
            type_expr: None,
            default: None,
            description: None,
            sensitive: false,
            nullable: true,
            validations: Vec::new(),
        };
        for item in self.items(file, &block.body) {
            match item {
                Item::Attr(a) => match a.name.as_str() {
                    "type" => var.type_expr = Some(a),
                    "default" => var.default = Some(a),
                    "description" => var.description = self.literal_string(&a, "descriptions"),
                    "sensitive" => var.sensitive = self.literal_bool(&a, "variable settings").unwrap_or(false),
                    "nullable" => var.nullable = self.literal_bool(&a, "variable settings").unwrap_or(true),
                    _ => self.unknown_argument(&a.name, a.name_span.clone(), "variable", VARIABLE_ARGS),
                },
                Item::Block(b) if b.ident.as_str() == "validation" => {
                    if let Some(v) = self.validation(file, b) {
                        var.validations.push(v);
                    }
                }
                Item::Block(b) => {
                    self.unknown_argument(b.ident.as_str(), span(file, b.ident.span()), "variable", VARIABLE_ARGS)
                }
            }
        }
        self.config.variables.push(var);
    }

    fn validation(&mut self, file: FileId, block: &Block) -> Option<Validation> {
        let block_span = span(file, block.ident.span());
        if !block.labels.is_empty() {
            self.diags.push(label_count_diag(file, block, 0));
        }
        let (mut condition, mut error_message) = (None, None);
        for item in self.items(file, &block.body) {
            match item {
                Item::Attr(a) if a.name == "condition" => condition = Some(a),
                Item::Attr(a) if a.name == "error_message" => error_message = Some(a),
                Item::Attr(a) => self.unknown_argument(&a.name, a.name_span.clone(), "validation", VALIDATION_ARGS),
                Item::Block(b) => {
                    self.unknown_argument(b.ident.as_str(), span(file, b.ident.span()), "validation", VALIDATION_ARGS)
                }
            }
        }
        for (name, present, example) in [
            ("condition", condition.is_some(), "condition = length(var.name) > 0"),
            ("error_message", error_message.is_some(), "error_message = \"name must not be empty\""),
        ] {
            if !present {
                self.diags.push(
                    Diag::error(format!("validation block is missing {name}"))
                        .code("config::missing-argument")
                        .label(block_span.clone(), "in this validation block")
                        .help(format!("add {example}")),
                );
            }
        }
        Some(Validation { condition: condition?, error_message: error_message?, span: block_span })
    }
}
