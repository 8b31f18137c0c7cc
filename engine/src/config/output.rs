//! `output` blocks.

use hcl_edit::structure::Block;
use hcl_edit::Span as _;

use super::decode::{header_span, span, Item, Loader};
use super::model::OutputBlock;
use crate::diag::{Diag, FileId};

const OUTPUT_ARGS: &[&str] = &["value", "description", "sensitive", "depends_on"];

impl Loader {
    pub(super) fn output(&mut self, file: FileId, block: &Block) {
        let name = block.labels[0].as_str().to_string();
        let header = header_span(file, block);
        let (mut value, mut description, mut sensitive, mut depends_on) = (None, None, false, Vec::new());
        for item in self.items(file, &block.body) {
            match item {
                Item::Attr(a) => match a.name.as_str() {
                    "value" => value = Some(a),
                    "description" => description = self.literal_string(&a, "descriptions"),
                    "sensitive" => sensitive = self.literal_bool(&a, "output settings").unwrap_or(false),
                    "depends_on" => depends_on = self.depends_on(&a),
                    _ => self.unknown_argument(&a.name, a.name_span.clone(), "output", OUTPUT_ARGS),
                },
                Item::Block(b) => {
                    self.unknown_argument(b.ident.as_str(), span(file, b.ident.span()), "output", OUTPUT_ARGS)
                }
            }
        }
        match value {
            Some(value) => {
                self.config.outputs.push(OutputBlock { name, span: header, value, description, sensitive, depends_on })
            }
            None => self.diags.push(
                Diag::error(format!("output {name} has no value"))
                    .code("config::missing-argument")
                    .label(header, "this output")
                    .help("add value = <expression>, for example value = mock_network.main.id"),
            ),
        }
    }
}
