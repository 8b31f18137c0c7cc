//! What every block decoder shares: the [`Loader`] they all add to, the items of a body (with
//! attributes set twice reported and dropped), settings that must be literals, unknown
//! arguments, block labels and names, duplicate declarations, and spans.

use std::collections::HashMap;
use std::ops::Range;

use hcl_edit::structure::{Attribute, Block, Body, Structure};
use hcl_edit::Span as _;

use super::expr::{literal_kind, literal_str};
use super::model::{AttrExpr, Config};
use crate::diag::{did_you_mean, Diag, FileId, Span};

/// Accumulates the model and the diagnostics of all files of one stack.
#[derive(Default)]
pub(super) struct Loader {
    pub(super) config: Config,
    pub(super) diags: Vec<Diag>,
    /// Byte offsets (per file) of attribute keys that were renamed to get past hcl-edit's
    /// "redefined attribute" error, with their original names; see `parse_recovering`.
    pub(super) renamed: HashMap<(FileId, usize), String>,
}

/// One element of a body after duplicate attributes have been reported and dropped.
pub(super) enum Item<'a> {
    Attr(AttrExpr),
    Block(&'a Block),
}

impl Loader {
    /// The attributes and blocks of a body, with repeated attributes reported and dropped.
    pub(super) fn items<'a>(&mut self, file: FileId, body: &'a Body) -> Vec<Item<'a>> {
        let mut items: Vec<Item<'a>> = Vec::new();
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attr) => {
                    let was_renamed = attr.key.span().is_some_and(|r| self.renamed.contains_key(&(file, r.start)));
                    let a = self.attr_expr(file, attr);
                    if was_renamed {
                        let first = items.iter().find_map(|i| match i {
                            Item::Attr(f) if f.name == a.name => Some(f.name_span.clone()),
                            _ => None,
                        });
                        self.diags.push(duplicate(
                            format!("attribute {} is set twice in the same block", a.name),
                            a.name_span.clone(),
                            first,
                            "remove one of the two",
                        ));
                        continue;
                    }
                    items.push(Item::Attr(a));
                }
                Structure::Block(block) => items.push(Item::Block(block)),
            }
        }
        items
    }

    fn attr_expr(&self, file: FileId, attr: &Attribute) -> AttrExpr {
        AttrExpr {
            name: self.attr_name(file, attr),
            name_span: span(file, attr.key.span()),
            expr: attr.value.clone(),
            span: span(file, attr.value.span()),
        }
    }

    pub(super) fn unknown_argument(&mut self, name: &str, at: Span, context: &str, allowed: &[&str]) {
        let help = match did_you_mean(name, allowed.iter().copied()) {
            Some(s) => format!("did you mean {s}?"),
            None => format!("a {context} block accepts: {}", allowed.join(", ")),
        };
        self.diags.push(
            Diag::error(format!("unknown argument {name} in {context} block"))
                .code("config::unknown-argument")
                .label(at, "not allowed here")
                .help(help),
        );
    }

    /// A setting read before evaluation: must be written as `true` or `false`.
    pub(super) fn literal_bool(&mut self, attr: &AttrExpr, what: &str) -> Option<bool> {
        if let Some(b) = attr.expr.as_bool() {
            return Some(b);
        }
        let d = match literal_kind(&attr.expr) {
            Some(kind) => Diag::error(format!("{} must be true or false, not {kind}", attr.name))
                .code("config::type-mismatch")
                .label(attr.span.clone(), format!("this is {kind}"))
                .help(format!("write {} = true or {} = false", attr.name, attr.name)),
            None => Diag::error(format!("{} must be a literal true or false", attr.name))
                .code("config::not-literal")
                .label(attr.span.clone(), "an expression")
                .help(format!("{what} are read before evaluation, so they cannot use variables or functions")),
        };
        self.diags.push(d);
        None
    }

    pub(super) fn literal_string(&mut self, attr: &AttrExpr, what: &str) -> Option<String> {
        if let Some(s) = literal_str(&attr.expr) {
            return Some(s);
        }
        let d = match literal_kind(&attr.expr) {
            Some(kind) => Diag::error(format!("{} must be a string, not {kind}", attr.name))
                .code("config::type-mismatch")
                .label(attr.span.clone(), format!("this is {kind}"))
                .help(format!("write {} = \"...\"", attr.name)),
            None => Diag::error(format!("{} must be a literal string", attr.name))
                .code("config::not-literal")
                .label(attr.span.clone(), "an expression")
                .help(format!("{what} are read before evaluation, so they cannot use variables or functions")),
        };
        self.diags.push(d);
        None
    }
}

pub(super) fn duplicate(summary: String, again: Span, first: Option<Span>, help: &str) -> Diag {
    Diag::error(summary)
        .code("config::duplicate")
        .label(again, "declared again here")
        .label_opt(first, "first declared here")
        .help(help)
}

pub(super) fn label_count_diag(file: FileId, block: &Block, expected: usize) -> Diag {
    let kind = block.ident.as_str();
    let (need, example) = match kind {
        "resource" => ("two labels: a type and a name", "resource \"mock_network\" \"main\" { ... }"),
        "data" => ("two labels: a type and a name", "data \"mock_zones\" \"all\" { ... }"),
        "variable" => ("one label: the variable name", "variable \"region\" { ... }"),
        "output" => ("one label: the output name", "output \"vpc_id\" { ... }"),
        "provider" => ("one label: the provider name", "provider \"aws\" { ... }"),
        "backend" => ("one label: the backend kind", "backend \"local\" { path = \"tether.state\" }"),
        _ => ("no labels", ""),
    };
    let example = if example.is_empty() { format!("{kind} {{ ... }}") } else { example.to_string() };
    let at = match block.labels.get(expected) {
        // Point at the first label too many, or at the block name when labels are missing.
        Some(extra) => extra.span(),
        None => block.ident.span(),
    };
    Diag::error(format!("{kind} blocks need {need}"))
        .code("config::block-labels")
        .label(span(file, at), format!("{} label(s) given", block.labels.len()))
        .help(format!("write {example}"))
}

/// Checks that a declared name is an identifier (letters, digits, `_`, `-`; not starting with a
/// digit), so it can be written in references.
pub(super) fn check_name(diags: &mut Vec<Diag>, name: &str, at: Span, kind: &str) -> bool {
    if is_identifier(name) {
        return true;
    }
    let suggestion: String =
        name.chars().map(|c| if c.is_alphanumeric() || c == '_' || c == '-' { c } else { '_' }).collect();
    let suggestion = if suggestion.starts_with(|c: char| c.is_ascii_digit()) || suggestion.is_empty() {
        format!("_{suggestion}")
    } else {
        suggestion
    };
    diags.push(
        Diag::error(format!("invalid {kind} name {name:?}"))
            .code("config::invalid-name")
            .label(at, "not a valid name")
            .help(format!(
                "names use letters, digits, _ and -, and do not start with a digit (for example {suggestion:?})"
            )),
    );
    false
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

pub(super) fn span(file: FileId, range: Option<Range<usize>>) -> Span {
    Span::new(file, range.unwrap_or(0..0))
}

/// `resource "t" "n"`: from the block keyword to the end of the last label.
pub(super) fn header_span(file: FileId, block: &Block) -> Span {
    let start = block.ident.span().or(block.span()).map_or(0, |r| r.start);
    let end = block.labels.last().and_then(|l| l.span()).or(block.ident.span()).map_or(start, |r| r.end);
    Span::new(file, start..end.max(start))
}
