//! Loading a stack: `*.hcl` files -> [`Config`].
//!
//! The loader parses with `hcl-edit` because it is the HCL parser that keeps byte ranges; every
//! name, label and expression goes into the model with its span so that any later stage (schema
//! checks, evaluation, the provider's own validation) can point at the exact place in the file.
//!
//! This file drives the [`Loader`] (defined in `decode.rs`, with what every decoder shares): it
//! parses each file (`parse.rs`), checks each top-level block's type, labels and names, hands
//! the block to the decoder of its kind (`resource.rs`, `variable.rs`, `locals.rs`, `output.rs`,
//! `provider.rs`, `settings.rs`, `include.rs`), and at the end reports declarations repeated
//! across files. Which files make up the stack is decided in `files.rs`.
//!
//! Errors are collected, not returned early: one broken block does not hide the problems of the
//! next, and bad input never panics (the tests cut and flip bytes of a valid stack to hold that).

use std::collections::HashMap;
use std::path::PathBuf;

use hcl_edit::structure::{Block, Structure};
use hcl_edit::Span as _;

use super::decode::{check_name, duplicate, label_count_diag, span, Loader};
pub use super::files::load_dir;
use super::model::{Config, Mode};
pub(crate) use super::syntax::syntax_diags;
use super::syntax::{multiline_string, multiline_string_diag};
use crate::diag::{did_you_mean, Diag, FileId, Span};

/// The top-level block types a stack may contain.
const TOP_LEVEL_BLOCKS: &[&str] =
    &["resource", "data", "variable", "locals", "output", "provider", "tether", "include"];

/// Loads a stack from in-memory files (tests, fuzzing, `fmt` on stdin). No disk access.
pub fn load_sources(files: Vec<(PathBuf, String)>) -> (Config, Vec<Diag>) {
    let mut loader = Loader::default();
    for (path, text) in files {
        loader.load_file(path, text);
    }
    loader.finish()
}

impl Loader {
    pub(super) fn load_file(&mut self, path: PathBuf, text: String) {
        let file = self.config.sources.add(path, text.as_str());
        let Some(body) = self.parse_recovering(file, &text) else { return };
        // hcl-edit accepts a quoted string with a line break in it; HCL does not.
        if let Some(at) = multiline_string(&text) {
            self.diags.push(multiline_string_diag(file, at));
        }
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attr) => {
                    let name = self.attr_name(file, attr);
                    self.diags.push(
                        Diag::error(format!("unexpected attribute {name} at the top level of a stack file"))
                            .code("config::unexpected-attribute")
                            .label(span(file, attr.key.span()), "attributes belong inside a block")
                            .help(format!("to name a value, put it in a locals block: locals {{ {name} = ... }}")),
                    );
                }
                Structure::Block(block) => self.top_level_block(file, block),
            }
        }
    }

    fn top_level_block(&mut self, file: FileId, block: &Block) {
        let kind = block.ident.as_str();
        let expected = match kind {
            "resource" | "data" => 2,
            "variable" | "output" | "provider" | "include" => 1,
            "locals" | "tether" => 0,
            _ => {
                let mut d = Diag::error(format!("unknown block type {kind}"))
                    .code("config::unknown-block")
                    .label(span(file, block.ident.span()), "not a stack block");
                d = match (kind, did_you_mean(kind, TOP_LEVEL_BLOCKS.iter().copied())) {
                    ("terraform", _) => d.help("tether settings go in a tether { } block"),
                    ("module", _) => d.help(
                        "modules are not supported; to reuse another stack's files write \
                         include \"NAME\" { source = \"../DIR\" }",
                    ),
                    (_, Some(s)) => d.help(format!("did you mean {s}?")),
                    _ => d.help(format!("a stack file may contain: {}", TOP_LEVEL_BLOCKS.join(", "))),
                };
                self.diags.push(d);
                return;
            }
        };
        if block.labels.len() != expected {
            self.diags.push(label_count_diag(file, block, expected));
            return;
        }
        for (i, label) in block.labels.iter().enumerate() {
            let what = match (kind, i) {
                ("resource", 0) => "resource type",
                ("data", 0) => "data source type",
                ("data", _) => "data source",
                _ => kind,
            };
            if !check_name(&mut self.diags, label.as_str(), span(file, label.span()), what) {
                return;
            }
        }
        match kind {
            "resource" => self.resource(file, block, Mode::Managed),
            "data" => self.resource(file, block, Mode::Data),
            "variable" => self.variable(file, block),
            "locals" => self.locals(file, block),
            "output" => self.output(file, block),
            "provider" => self.provider(file, block),
            "include" => self.include(file, block),
            _ => self.tether(file, block),
        }
    }

    /// Reports duplicate declarations across all files (both places labelled) and keeps only the
    /// first of each, so later stages see a consistent model.
    pub(super) fn finish(mut self) -> (Config, Vec<Diag>) {
        let c = &mut self.config;
        let d = &mut self.diags;
        dedup(
            d,
            &mut c.resources,
            |r| r.addr(),
            |r| r.span.clone(),
            |r| {
                let kind = if r.mode == Mode::Data { "data source" } else { "resource" };
                (format!("{kind} {} is declared twice", r.addr()), "rename one of them or remove the copy")
            },
        );
        dedup(
            d,
            &mut c.variables,
            |v| v.name.clone(),
            |v| v.span.clone(),
            |v| (format!("variable {} is declared twice", v.name), "rename one of them or remove the copy"),
        );
        dedup(
            d,
            &mut c.locals,
            |l| l.name.clone(),
            |l| l.attr.name_span.clone(),
            |l| {
                (
                    format!("local value {} is defined twice", l.name),
                    "local names must be unique across all locals blocks",
                )
            },
        );
        dedup(
            d,
            &mut c.outputs,
            |o| o.name.clone(),
            |o| o.span.clone(),
            |o| (format!("output {} is declared twice", o.name), "rename one of them or remove the copy"),
        );
        dedup(
            d,
            &mut c.providers,
            |p| (p.name.clone(), p.alias.clone()),
            |p| p.span.clone(),
            |p| {
                let summary = match &p.alias {
                    Some(a) => format!("provider {} with alias {a} is configured twice", p.name),
                    None => format!("provider {} is configured twice without an alias", p.name),
                };
                (summary, "give the second configuration an alias: alias = \"west\"")
            },
        );
        (self.config, self.diags)
    }
}

/// Removes later duplicates (by `key`) from `items`, reporting each against the first.
fn dedup<T, K: Eq + std::hash::Hash>(
    diags: &mut Vec<Diag>,
    items: &mut Vec<T>,
    key: impl Fn(&T) -> K,
    span_of: impl Fn(&T) -> Span,
    describe: impl Fn(&T) -> (String, &'static str),
) {
    let mut first: HashMap<K, Span> = HashMap::new();
    items.retain(|item| {
        let k = key(item);
        match first.get(&k) {
            Some(first_span) => {
                let (summary, help) = describe(item);
                diags.push(duplicate(summary, span_of(item), Some(first_span.clone()), help));
                false
            }
            None => {
                first.insert(k, span_of(item));
                true
            }
        }
    });
}
