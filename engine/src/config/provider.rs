//! `provider` blocks: a provider's settings, under an optional alias.

use hcl_edit::structure::Block;

use super::decode::{check_name, header_span, Item, Loader};
use super::model::{BodyExpr, ProviderBlock};
use crate::diag::FileId;

impl Loader {
    pub(super) fn provider(&mut self, file: FileId, block: &Block) {
        let mut p = ProviderBlock {
            name: block.labels[0].as_str().to_string(),
            alias: None,
            span: header_span(file, block),
            body: BodyExpr::default(),
        };
        for item in self.items(file, &block.body) {
            match item {
                Item::Attr(a) if a.name == "alias" => {
                    if let Some(alias) = self.literal_string(&a, "provider aliases") {
                        if check_name(&mut self.diags, &alias, a.span.clone(), "provider alias") {
                            p.alias = Some(alias);
                        }
                    }
                }
                Item::Attr(a) => p.body.attributes.push(a),
                Item::Block(b) => {
                    let nested = self.nested_block(file, b);
                    p.body.blocks.push(nested);
                }
            }
        }
        self.config.providers.push(p);
    }
}
