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

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::Span as _;

use super::decode::{check_name, duplicate, header_span, label_count_diag, span, Item};
use super::expr::{attr_path, literal_str, object_key_name, resource_reference, traversal_names};
pub use super::files::load_dir;
use super::model::*;
use super::scan;
use super::syntax::multiline_string_diag;
pub(crate) use super::syntax::syntax_diags;
use crate::diag::{did_you_mean, Diag, FileId, Span};

/// The top-level block types a stack may contain.
const TOP_LEVEL_BLOCKS: &[&str] =
    &["resource", "data", "variable", "locals", "output", "provider", "tether", "include"];
const VARIABLE_ARGS: &[&str] = &["type", "default", "description", "sensitive", "nullable", "validation"];
const OUTPUT_ARGS: &[&str] = &["value", "description", "sensitive", "depends_on"];
const LIFECYCLE_ARGS: &[&str] = &["prevent_destroy", "create_before_destroy", "ignore_changes"];
const VALIDATION_ARGS: &[&str] = &["condition", "error_message"];
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

    fn resource(&mut self, file: FileId, block: &Block, mode: Mode) {
        let type_name = block.labels[0].as_str().to_string();
        let name = block.labels[1].as_str().to_string();
        let mut res = ResourceBlock {
            mode,
            type_name,
            name,
            span: header_span(file, block),
            type_span: span(file, block.labels[0].span()),
            body: BodyExpr::default(),
            count: None,
            for_each: None,
            depends_on: Vec::new(),
            lifecycle: Lifecycle::default(),
            provider: None,
        };
        let addr = res.addr().to_string();
        let mut lifecycle_span: Option<Span> = None;
        for item in self.items(file, &block.body) {
            match item {
                Item::Attr(a) => match a.name.as_str() {
                    "count" => res.count = Some(a),
                    "for_each" => res.for_each = Some(a),
                    "depends_on" => res.depends_on = self.depends_on(&a),
                    "provider" => res.provider = self.provider_ref(&a),
                    _ => res.body.attributes.push(a),
                },
                Item::Block(b) if b.ident.as_str() == "lifecycle" => {
                    let this = span(file, b.ident.span());
                    if let Some(first) = &lifecycle_span {
                        self.diags.push(duplicate(
                            format!("{addr} has two lifecycle blocks"),
                            this,
                            Some(first.clone()),
                            "merge them into one lifecycle block",
                        ));
                        continue;
                    }
                    if !b.labels.is_empty() {
                        self.diags.push(label_count_diag(file, b, 0));
                    }
                    lifecycle_span = Some(this);
                    res.lifecycle = self.lifecycle(file, b);
                }
                Item::Block(b) => {
                    let nested = self.nested_block(file, b);
                    res.body.blocks.push(nested);
                }
            }
        }
        if let (Some(count), Some(for_each)) = (&res.count, &res.for_each) {
            self.diags.push(
                Diag::error(format!("{addr} sets both count and for_each"))
                    .code("config::count-and-for-each")
                    .address(addr.clone())
                    .label(for_each.name_span.clone(), "for_each set here")
                    .label(count.name_span.clone(), "count set here")
                    .help("use count for a number of identical copies, for_each for one copy per map or set element; not both"),
            );
            res.for_each = None;
        }
        self.config.resources.push(res);
    }

    /// A nested block of a resource or provider body, recursively.
    fn nested_block(&mut self, file: FileId, block: &Block) -> NestedBlock {
        if block.ident.as_str() == "dynamic" {
            return self.dynamic_block(file, block);
        }
        NestedBlock {
            type_name: block.ident.as_str().to_string(),
            labels: block.labels.iter().map(|l| l.as_str().to_string()).collect(),
            span: span(file, block.ident.span()),
            body: self.plain_body(file, &block.body),
            dynamic: None,
        }
    }

    /// `dynamic "TYPE" { for_each = EXPR  iterator = NAME  content { ... } }`. Errors leave a
    /// block with an empty body, so the schema checks that follow stay quiet about it.
    fn dynamic_block(&mut self, file: FileId, block: &Block) -> NestedBlock {
        let at = span(file, block.ident.span());
        let type_name = block.labels.first().map(|l| l.as_str().to_string()).unwrap_or_default();
        let mut out =
            NestedBlock { type_name, labels: Vec::new(), span: at.clone(), body: BodyExpr::default(), dynamic: None };
        if block.labels.len() != 1 {
            self.diags.push(
                Diag::error(format!("a dynamic block takes one label, the block type; found {}", block.labels.len()))
                    .code("config::block-labels")
                    .label(at, "dynamic block")
                    .help("write dynamic \"port\" { for_each = ...  content { ... } } with the nested block's type"),
            );
            return out;
        }
        let (mut for_each, mut iterator, mut content) = (None, None, None);
        for item in self.items(file, &block.body) {
            match item {
                Item::Attr(a) if a.name == "for_each" => for_each = Some(a),
                Item::Attr(a) if a.name == "iterator" => iterator = self.iterator_name(&a),
                Item::Attr(a) => {
                    self.unknown_argument(&a.name, a.name_span.clone(), "dynamic", &["for_each", "iterator", "content"])
                }
                Item::Block(b) if b.ident.as_str() == "content" && content.is_none() => {
                    content = Some(self.plain_body(file, &b.body))
                }
                Item::Block(b) => self.unknown_argument(
                    b.ident.as_str(),
                    span(file, b.ident.span()),
                    "dynamic",
                    &["for_each", "iterator", "content"],
                ),
            }
        }
        let (Some(for_each), Some(content)) = (for_each, content) else {
            self.diags.push(
                Diag::error(format!("dynamic \"{}\" needs for_each and a content block", out.type_name))
                    .code("config::missing-argument")
                    .label(at, "dynamic block")
                    .help(format!(
                        "write dynamic \"{0}\" {{ for_each = LIST_OR_MAP  content {{ ... {0}.value ... }} }}",
                        out.type_name
                    )),
            );
            return out;
        };
        let iterator = iterator.unwrap_or_else(|| out.type_name.clone());
        out.body = content;
        out.dynamic = Some(Dynamic { for_each, iterator });
        out
    }

    /// `iterator = name`: a bare identifier.
    fn iterator_name(&mut self, attr: &AttrExpr) -> Option<String> {
        match &attr.expr {
            Expression::Variable(v) => Some(v.as_str().to_string()),
            _ => {
                self.diags.push(
                    Diag::error("iterator must be a bare name")
                        .code("config::type-mismatch")
                        .label(attr.span.clone(), "not a name")
                        .help("write iterator = rule (then use rule.key and rule.value in content)"),
                );
                None
            }
        }
    }

    fn plain_body(&mut self, file: FileId, body: &Body) -> BodyExpr {
        let mut out = BodyExpr::default();
        for item in self.items(file, body) {
            match item {
                Item::Attr(a) => out.attributes.push(a),
                Item::Block(b) => {
                    let nested = self.nested_block(file, b);
                    out.blocks.push(nested);
                }
            }
        }
        out
    }

    /// `depends_on = [aws_vpc.main, data.aws_zones.all]`: references to whole resources.
    fn depends_on(&mut self, attr: &AttrExpr) -> Vec<Spanned<String>> {
        let file = attr.span.file;
        let Some(array) = attr.expr.as_array() else {
            self.diags.push(
                Diag::error("depends_on must be a list of resource references")
                    .code("config::invalid-depends-on")
                    .label(attr.span.clone(), "not a list")
                    .help("write depends_on = [mock_network.main] without quotes"),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for element in array.iter() {
            let element_span = span(file, element.span());
            match resource_reference(element) {
                Ok(addr) => out.push(Spanned { value: addr, span: element_span }),
                Err(help) => self.diags.push(
                    Diag::error("depends_on entries must be references to resources or data sources")
                        .code("config::invalid-depends-on")
                        .label(element_span, "not a resource reference")
                        .help(help),
                ),
            }
        }
        out
    }

    /// `provider = aws.west` (or `provider = aws`).
    fn provider_ref(&mut self, attr: &AttrExpr) -> Option<Spanned<String>> {
        match traversal_names(&attr.expr) {
            Some(names) if names.len() <= 2 => Some(Spanned { value: names.join("."), span: attr.span.clone() }),
            _ => {
                self.diags.push(
                    Diag::error("provider must name a provider configuration")
                        .code("config::invalid-provider-ref")
                        .label(attr.span.clone(), "not a provider reference")
                        .help("write provider = aws.west (the provider name and its alias), without quotes"),
                );
                None
            }
        }
    }

    fn lifecycle(&mut self, file: FileId, block: &Block) -> Lifecycle {
        let mut lc = Lifecycle::default();
        for item in self.items(file, &block.body) {
            match item {
                Item::Attr(a) => match a.name.as_str() {
                    "prevent_destroy" => {
                        lc.prevent_destroy = self.literal_bool(&a, "lifecycle settings").unwrap_or(false)
                    }
                    "create_before_destroy" => {
                        lc.create_before_destroy = self.literal_bool(&a, "lifecycle settings").unwrap_or(false)
                    }
                    "ignore_changes" => self.ignore_changes(&a, &mut lc),
                    _ => self.unknown_argument(&a.name, a.name_span.clone(), "lifecycle", LIFECYCLE_ARGS),
                },
                Item::Block(b) => {
                    self.unknown_argument(b.ident.as_str(), span(file, b.ident.span()), "lifecycle", LIFECYCLE_ARGS)
                }
            }
        }
        lc
    }

    fn ignore_changes(&mut self, attr: &AttrExpr, lc: &mut Lifecycle) {
        let file = attr.span.file;
        if attr.expr.as_variable().is_some_and(|v| v.as_str() == "all") {
            lc.ignore_all = true;
            return;
        }
        let Some(array) = attr.expr.as_array() else {
            self.diags.push(
                Diag::error("ignore_changes must be a list of attribute names or all")
                    .code("config::invalid-ignore-changes")
                    .label(attr.span.clone(), "not a list")
                    .help("write ignore_changes = [tags, scaling_config.desired_size] or ignore_changes = all"),
            );
            return;
        };
        for element in array.iter() {
            let element_span = span(file, element.span());
            match attr_path(element) {
                Ok(path) => lc.ignore_changes.push(Spanned { value: path, span: element_span }),
                Err(help) => self.diags.push(
                    Diag::error("ignore_changes entries must be attribute names of this resource")
                        .code("config::invalid-ignore-changes")
                        .label(element_span, "not an attribute path")
                        .help(help),
                ),
            }
        }
    }

    fn variable(&mut self, file: FileId, block: &Block) {
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

    fn locals(&mut self, file: FileId, block: &Block) {
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

    fn output(&mut self, file: FileId, block: &Block) {
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

    fn provider(&mut self, file: FileId, block: &Block) {
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
