//! `resource` and `data` blocks.
//!
//! Meta-arguments (`count`, `for_each`, `depends_on`, `provider`, `lifecycle`) are taken out of
//! the body here, so a resource's `body` holds only what the provider sees and the schema check
//! never has to know about them. A `dynamic` block becomes a nested block of its type that
//! carries its `for_each` and iterator; it is expanded during evaluation.

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body};
use hcl_edit::Span as _;

use super::decode::{duplicate, header_span, label_count_diag, span, Item, Loader};
use super::expr::{attr_path, resource_reference, traversal_names};
use super::model::{AttrExpr, BodyExpr, Dynamic, Lifecycle, Mode, NestedBlock, ResourceBlock, Spanned};
use crate::diag::{Diag, FileId, Span};

const LIFECYCLE_ARGS: &[&str] = &["prevent_destroy", "create_before_destroy", "ignore_changes"];

impl Loader {
    pub(super) fn resource(&mut self, file: FileId, block: &Block, mode: Mode) {
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
    pub(super) fn nested_block(&mut self, file: FileId, block: &Block) -> NestedBlock {
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
    pub(super) fn depends_on(&mut self, attr: &AttrExpr) -> Vec<Spanned<String>> {
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
}
