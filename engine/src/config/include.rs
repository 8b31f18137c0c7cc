//! `include` blocks: another stack directory whose files join this stack. Which directory that
//! is, and loading it once, is `files.rs`'s business; this only decodes the block.

use hcl_edit::structure::Block;
use hcl_edit::Span as _;

use super::decode::{header_span, span, Item, Loader};
use super::model::IncludeBlock;
use crate::diag::{Diag, FileId};

impl Loader {
    pub(super) fn include(&mut self, file: FileId, block: &Block) {
        let name = block.labels[0].as_str().to_string();
        let header = header_span(file, block);
        let (mut source, mut written) = (None, false);
        for item in self.items(file, &block.body) {
            match item {
                Item::Attr(a) if a.name == "source" => {
                    written = true;
                    source = self.literal_string(&a, "include sources").map(|s| (s, a.span.clone()));
                }
                Item::Attr(a) => self.unknown_argument(&a.name, a.name_span.clone(), "include", &["source"]),
                Item::Block(b) => {
                    self.unknown_argument(b.ident.as_str(), span(file, b.ident.span()), "include", &["source"])
                }
            }
        }
        match source {
            Some((source, source_span)) => {
                self.config.includes.push(IncludeBlock { name, source, span: header, source_span })
            }
            // Written but not a literal: already reported.
            None if written => {}
            None => self.diags.push(
                Diag::error(format!("include {name} has no source"))
                    .code("config::missing-argument")
                    .label(header, "source is required")
                    .help("write source = \"../OTHER-STACK\": the directory whose *.hcl files join this stack"),
            ),
        }
    }
}
