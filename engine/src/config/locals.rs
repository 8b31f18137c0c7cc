//! `locals` blocks: every attribute is a named value; names are unique across all of them.

use hcl_edit::structure::Block;
use hcl_edit::Span as _;

use super::decode::{span, Item, Loader};
use super::model::LocalDef;
use crate::diag::{Diag, FileId};

impl Loader {
    pub(super) fn locals(&mut self, file: FileId, block: &Block) {
        for item in self.items(file, &block.body) {
            match item {
                Item::Attr(a) => self.config.locals.push(LocalDef { name: a.name.clone(), attr: a }),
                Item::Block(b) => self.diags.push(
                    Diag::error(format!("unexpected block {} inside locals", b.ident.as_str()))
                        .code("config::unknown-block")
                        .label(span(file, b.ident.span()), "blocks are not allowed here")
                        .help(format!("write {} = {{ ... }} to define an object", b.ident.as_str())),
                ),
            }
        }
    }
}
