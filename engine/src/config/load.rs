//! Loading a stack: `*.hcl` files -> [`Config`].
//!
//! The loader parses with `hcl-edit` because it is the HCL parser that keeps byte ranges; every
//! name, label and expression goes into the model with its span so that any later stage (schema
//! checks, evaluation, the provider's own validation) can point at the exact place in the file.
//!
//! Meta-arguments (`count`, `for_each`, `depends_on`, `provider`, `lifecycle`) are taken out of
//! resource bodies here, so a resource's `body` holds only what the provider sees and the schema
//! check never has to know about them.
//!
//! Errors are collected, not returned early: one broken block does not hide the problems of the
//! next, and bad input never panics (the tests cut and flip bytes of a valid stack to hold that).

use std::collections::HashMap;
use std::path::PathBuf;

use hcl_edit::structure::{Block, Structure};
use hcl_edit::Span as _;

use super::decode::{check_name, duplicate, header_span, label_count_diag, span, Item};
use super::expr::{literal_str, object_key_name};
pub use super::files::load_dir;
use super::model::*;
use super::scan;
use super::syntax::multiline_string_diag;
pub(crate) use super::syntax::syntax_diags;
use crate::diag::{did_you_mean, Diag, FileId, Span};

/// The top-level block types a stack may contain.
const TOP_LEVEL_BLOCKS: &[&str] =
    &["resource", "data", "variable", "locals", "output", "provider", "tether", "include"];
const TETHER_BLOCKS: &[&str] = &["required_providers", "backend"];

/// Loads a stack from in-memory files (tests, fuzzing, `fmt` on stdin). No disk access.
pub fn load_sources(files: Vec<(PathBuf, String)>) -> (Config, Vec<Diag>) {
    let mut loader = Loader::default();
    for (path, text) in files {
        loader.load_file(path, text);
    }
    loader.finish()
}

/// Accumulates the model and the diagnostics of all files of one stack.
#[derive(Default)]
pub(super) struct Loader {
    pub(super) config: Config,
    pub(super) diags: Vec<Diag>,
    /// Byte offsets (per file) of attribute keys that were renamed to get past hcl-edit's
    /// "redefined attribute" error, with their original names; see `parse_recovering`.
    pub(super) renamed: HashMap<(FileId, usize), String>,
}

impl Loader {
    pub(super) fn load_file(&mut self, path: PathBuf, text: String) {
        let file = self.config.sources.add(path, text.as_str());
        let Some(body) = self.parse_recovering(file, &text) else { return };
        // hcl-edit accepts a quoted string with a line break in it; HCL does not.
        if let Some(at) = scan::scan(&text, text.len()).multiline_string {
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

    fn include(&mut self, file: FileId, block: &Block) {
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

    fn tether(&mut self, file: FileId, block: &Block) {
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
        let mut settings = std::collections::BTreeMap::new();
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

pub(super) fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
