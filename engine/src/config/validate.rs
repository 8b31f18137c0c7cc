//! Static checks of a loaded stack against provider schemas, before anything is evaluated.
//!
//! These checks need only the schemas (no credentials, no API calls), so `tether validate` and the
//! first step of `plan` can reject a typo in a type or attribute name with the exact place in the
//! file. Expressions are not evaluated here: type checks look only at literals; everything else
//! is checked after evaluation. The checks see provider schemas through [`SchemaRef`], a borrowed
//! view that names no concrete provider.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use hcl_edit::expr::Expression;
use hcl_edit::Span as _;
use tether_sdk::{AttrPath, AttrType, Block, PathStep, ProviderSchema, ResourceSchema};

use super::expr::{literal_kind, literal_str, object_key_name};
use super::model::*;
use crate::diag::{did_you_mean, Diag, Span};

/// A borrowed view of one provider's schema.
#[derive(Clone, Copy, Debug)]
pub struct SchemaRef<'a> {
    /// The provider's name, which is also the prefix of its type names (`mock` for `mock_network`).
    pub provider: &'a str,
    pub resources: &'a BTreeMap<String, ResourceSchema>,
    pub data_sources: &'a BTreeMap<String, ResourceSchema>,
    /// The schema of the `provider "NAME" { }` block.
    pub provider_block: &'a Block,
}

impl<'a> SchemaRef<'a> {
    pub fn new(provider: &'a str, schema: &'a ProviderSchema) -> SchemaRef<'a> {
        SchemaRef {
            provider,
            resources: &schema.resources,
            data_sources: &schema.data_sources,
            provider_block: &schema.provider,
        }
    }
}

/// The provider name for a type name: everything before the first `_`.
pub fn provider_prefix(type_name: &str) -> &str {
    type_name.split('_').next().unwrap_or(type_name)
}

/// Checks every resource, data source and provider block of `config` against the schemas that
/// `lookup` returns for a provider name. `known_types` (all resource and data source types of
/// all providers) feeds "did you mean" suggestions and the list of available providers.
pub fn validate_schema<'s>(
    config: &Config,
    lookup: &dyn Fn(&str) -> Option<SchemaRef<'s>>,
    known_types: &[String],
) -> Vec<Diag> {
    let mut diags = Vec::new();
    let prefixes: BTreeSet<&str> = known_types.iter().map(|t| provider_prefix(t)).collect();
    let available = if prefixes.is_empty() {
        "no providers are available".to_string()
    } else {
        format!("available providers: {}", prefixes.iter().copied().collect::<Vec<_>>().join(", "))
    };

    for res in &config.resources {
        let addr = res.addr().to_string();
        let prefix = provider_prefix(&res.type_name);
        let Some(schema) = lookup(prefix) else {
            let help = match did_you_mean(&res.type_name, known_types.iter().map(String::as_str)) {
                Some(s) => format!("did you mean {s}? ({available})"),
                None => available.clone(),
            };
            diags.push(
                Diag::error(format!("no provider handles resource type {}", res.type_name))
                    .code("config::unknown-provider")
                    .address(addr)
                    .label(res.type_span.clone(), format!("no provider named {prefix}"))
                    .help(help),
            );
            continue;
        };
        let (own, other, kind, other_kind) = match res.mode {
            Mode::Managed => (schema.resources, schema.data_sources, "resource type", "data source"),
            Mode::Data => (schema.data_sources, schema.resources, "data source type", "resource"),
        };
        let Some(rs) = own.get(&res.type_name) else {
            let help = if other.contains_key(&res.type_name) {
                format!("{} is a {other_kind} type, not a {kind}", res.type_name)
            } else {
                let candidates = own.keys().map(String::as_str).chain(known_types.iter().map(String::as_str));
                match did_you_mean(&res.type_name, candidates) {
                    Some(s) => format!("did you mean {s}?"),
                    None => format!(
                        "provider {} has: {}",
                        schema.provider,
                        own.keys().map(String::as_str).collect::<Vec<_>>().join(", ")
                    ),
                }
            };
            diags.push(
                Diag::error(format!("unknown {kind} {}", res.type_name))
                    .code("config::unknown-resource-type")
                    .address(addr)
                    .label(res.type_span.clone(), format!("not a {kind} of provider {}", schema.provider))
                    .help(help),
            );
            continue;
        };
        let mut cx = Checker { diags: &mut diags, address: Some(addr.clone()), owner: &res.type_name };
        cx.body(&res.body, &rs.block, &res.span, "");
        check_ignore_changes(&mut diags, res, &rs.block, &addr);
        if let Some(p) = &res.provider {
            check_provider_ref(&mut diags, config, res, p);
        }
    }

    check_reference_attributes(&mut diags, config, lookup);

    for p in &config.providers {
        let Some(schema) = lookup(&p.name) else {
            diags.push(
                Diag::error(format!("unknown provider {}", p.name))
                    .code("config::unknown-provider")
                    .label(p.span.clone(), "no such provider")
                    .help(match did_you_mean(&p.name, prefixes.iter().copied()) {
                        Some(s) => format!("did you mean {s}? ({available})"),
                        None => available.clone(),
                    }),
            );
            continue;
        };
        let owner = format!("provider {}", p.name);
        let mut cx = Checker { diags: &mut diags, address: None, owner: &owner };
        cx.body(&p.body, schema.provider_block, &p.span, "");
    }
    diags
}

/// Every attribute expression of a body, nested blocks included.
fn body_exprs<'b>(body: &'b BodyExpr, out: &mut Vec<&'b AttrExpr>) {
    out.extend(body.attributes.iter());
    for b in &body.blocks {
        out.extend(b.dynamic.iter().map(|d| &d.for_each));
        body_exprs(&b.body, out);
    }
}

/// `mock_network.main.cidr_blok`: a reference to an attribute the resource type does not have.
/// Only for single-instance resources (with count or for_each the next step is an index or key,
/// which the evaluator checks).
fn check_reference_attributes<'s>(
    diags: &mut Vec<Diag>,
    config: &Config,
    lookup: &dyn Fn(&str) -> Option<SchemaRef<'s>>,
) {
    let mut exprs: Vec<&AttrExpr> = Vec::new();
    for r in &config.resources {
        body_exprs(&r.body, &mut exprs);
        exprs.extend(r.count.iter().chain(r.for_each.iter()));
    }
    for p in &config.providers {
        body_exprs(&p.body, &mut exprs);
    }
    exprs.extend(config.locals.iter().map(|l| &l.attr));
    exprs.extend(config.outputs.iter().map(|o| &o.value));
    let mut seen: BTreeSet<(usize, usize)> = BTreeSet::new();
    for a in exprs {
        for r in crate::eval::references(&a.expr, a.span.file) {
            let (mode, type_name, rest) = match r.root.as_str() {
                "data" if r.parts.len() >= 3 => (Mode::Data, r.parts[0].as_str(), &r.parts[1..]),
                "var" | "local" | "data" | "each" | "count" | "path" | "self" => continue,
                ty if r.parts.len() >= 2 => (Mode::Managed, ty, &r.parts[..]),
                _ => continue,
            };
            let addr = ResourceAddr { mode, type_name: type_name.to_string(), name: rest[0].clone() };
            let Some(res) = config.resource(&addr) else { continue };
            if res.count.is_some() || res.for_each.is_some() {
                continue;
            }
            let Some(schema) = lookup(provider_prefix(type_name)) else { continue };
            let own = if mode == Mode::Data { schema.data_sources } else { schema.resources };
            let Some(rs) = own.get(type_name) else { continue };
            let attr = rest[1].as_str();
            if rs.block.attributes.contains_key(attr) || rs.block.blocks.contains_key(attr) {
                continue;
            }
            if !seen.insert((a.span.file.0 as usize, r.span.range.start)) {
                continue;
            }
            let help = match did_you_mean(attr, rs.block.names()) {
                Some(s) => format!("did you mean {addr}.{s}?"),
                None => format!("available: {}", rs.block.names().collect::<Vec<_>>().join(", ")),
            };
            diags.push(
                Diag::error(format!("{addr} has no attribute {attr:?}"))
                    .code("eval::unsupported-attribute")
                    .label(r.span.clone(), format!("not an attribute of {type_name}"))
                    .help(help),
            );
        }
    }
}

/// `ignore_changes = [tags]` must name attributes (or nested blocks) of the resource type.
fn check_ignore_changes(diags: &mut Vec<Diag>, res: &ResourceBlock, schema: &Block, addr: &str) {
    for ig in &res.lifecycle.ignore_changes {
        let Some(PathStep::Attr(first)) = ig.value.0.first() else { continue };
        if schema.attributes.contains_key(first) || schema.blocks.contains_key(first) {
            continue;
        }
        let help = match did_you_mean(first, schema.names()) {
            Some(s) => format!("did you mean {s}?"),
            None => format!(
                "{} has: {}",
                res.type_name,
                schema.attributes.keys().chain(schema.blocks.keys()).map(String::as_str).collect::<Vec<_>>().join(", ")
            ),
        };
        diags.push(
            Diag::error(format!("ignore_changes names {first}, which is not an attribute of {}", res.type_name))
                .code("config::unknown-attribute")
                .address(addr.to_string())
                .label(ig.span.clone(), format!("not an attribute of {}", res.type_name))
                .help(help),
        );
    }
}

/// `provider = aws.west` must name a configured provider block.
fn check_provider_ref(diags: &mut Vec<Diag>, config: &Config, res: &ResourceBlock, p: &Spanned<String>) {
    let (name, alias) = match p.value.split_once('.') {
        Some((n, a)) => (n, Some(a)),
        None => (p.value.as_str(), None),
    };
    let found = config.providers.iter().any(|b| b.name == name && b.alias.as_deref() == alias);
    // A provider without an alias needs no block (it is configured from the environment).
    if found || alias.is_none() {
        return;
    }
    let aliases: Vec<String> =
        config.providers.iter().filter(|b| b.name == name).filter_map(|b| b.alias.clone()).collect();
    let declared = if aliases.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = aliases.iter().map(|a| format!("{name}.{a}")).collect();
        format!(" (declared: {})", list.join(", "))
    };
    let help = match did_you_mean(alias.unwrap_or(""), aliases.iter().map(String::as_str)) {
        Some(s) => format!("did you mean {name}.{s}?"),
        None => format!("add provider \"{name}\" {{ alias = \"{}\" }}{declared}", alias.unwrap_or("")),
    };
    diags.push(
        Diag::error(format!("no provider configuration {}", p.value))
            .code("config::unknown-provider")
            .address(res.addr().to_string())
            .label(p.span.clone(), "no provider block with this alias")
            .help(help),
    );
}

struct Checker<'d, 'o> {
    diags: &'d mut Vec<Diag>,
    address: Option<String>,
    /// What the body belongs to, for messages: a resource type or `provider aws`.
    owner: &'o str,
}

impl Checker<'_, '_> {
    fn push(&mut self, mut d: Diag) {
        if let Some(a) = &self.address {
            d = d.address(a.clone());
        }
        self.diags.push(d);
    }

    /// Checks `body` against `schema`; `owner_span` is the header of the enclosing block (for
    /// what is missing) and `prefix` the path of nested blocks so far (for messages).
    fn body(&mut self, body: &BodyExpr, schema: &Block, owner_span: &Span, prefix: &str) {
        let qualified = |name: &str| if prefix.is_empty() { name.to_string() } else { format!("{prefix}.{name}") };
        for attr in &body.attributes {
            let name = qualified(&attr.name);
            if let Some(a) = schema.attributes.get(&attr.name) {
                if a.is_computed_only() {
                    self.push(
                        Diag::error(format!("{name} is set by the provider and cannot be configured"))
                            .code("config::computed-attribute")
                            .label(attr.name_span.clone(), "computed attribute")
                            .help(format!("remove this line; other blocks can read it as {}.NAME.{name}", self.owner)),
                    );
                } else if let Some((found, at)) = literal_mismatch(&attr.expr, &a.ty) {
                    let at = at.map_or_else(|| attr.span.clone(), |r| Span::new(attr.span.file, r));
                    self.push(
                        Diag::error(format!("{name} expects {}, but this is {found}", a.ty.describe()))
                            .code("config::type-mismatch")
                            .label(at, format!("expected {}", a.ty.describe()))
                            .help(type_help(&attr.name, &a.ty)),
                    );
                }
            } else if schema.blocks.contains_key(&attr.name) {
                self.push(
                    Diag::error(format!("{name} is a block, not an attribute"))
                        .code("config::attribute-or-block")
                        .label(attr.name_span.clone(), "written as an attribute")
                        .help(format!("write {} {{ ... }} without `=`", attr.name)),
                );
            } else {
                self.unknown(&attr.name, &name, attr.name_span.clone(), schema, "attribute");
            }
        }
        for nb in &body.blocks {
            let name = qualified(&nb.type_name);
            if let Some(bt) = schema.blocks.get(&nb.type_name) {
                if !nb.labels.is_empty() {
                    self.push(
                        Diag::error(format!("{name} blocks take no labels"))
                            .code("config::block-labels")
                            .label(nb.span.clone(), format!("{} label(s) given", nb.labels.len()))
                            .help(format!("write {} {{ ... }}", nb.type_name)),
                    );
                }
                self.body(&nb.body, &bt.block, &nb.span, &name);
            } else if let Some(a) = schema.attributes.get(&nb.type_name) {
                self.push(
                    Diag::error(format!("{name} is an attribute, not a block"))
                        .code("config::attribute-or-block")
                        .label(nb.span.clone(), "written as a block")
                        .help(format!("write {} = <{}>", nb.type_name, a.ty.describe())),
                );
            } else {
                self.unknown(&nb.type_name, &name, nb.span.clone(), schema, "block type");
            }
        }
        for (bname, bt) in &schema.blocks {
            let found: Vec<&NestedBlock> = body.blocks.iter().filter(|b| &b.type_name == bname).collect();
            // A dynamic block stands for as many blocks as its for_each has elements: counted
            // when it is evaluated.
            if found.iter().any(|b| b.dynamic.is_some()) {
                continue;
            }
            let name = qualified(bname);
            if found.len() < bt.min_items {
                let s = if bt.min_items == 1 { "" } else { "s" };
                self.push(
                    Diag::error(format!("at least {} {name} block{s} required, found {}", bt.min_items, found.len()))
                        .code("config::block-count")
                        .label(owner_span.clone(), format!("needs {name} {{ ... }}"))
                        .help(format!("add {bname} {{ ... }} inside this block")),
                );
            }
            if let Some(max) = bt.max_items {
                if found.len() > max {
                    let s = if max == 1 { "" } else { "s" };
                    self.push(
                        Diag::error(format!("at most {max} {name} block{s} allowed, found {}", found.len()))
                            .code("config::block-count")
                            .label(found[max].span.clone(), "one too many")
                            .label(found[0].span.clone(), "first one here")
                            .help(format!("remove the extra {bname} blocks")),
                    );
                }
            }
        }
        for (aname, a) in &schema.attributes {
            let set = body.attribute(aname).is_some() || body.blocks.iter().any(|b| &b.type_name == aname);
            if a.required && body.attribute(aname).is_some_and(|x| is_null_literal(&x.expr)) {
                let x = body.attribute(aname).map(|x| x.span.clone()).unwrap_or_else(|| owner_span.clone());
                self.push(
                    Diag::error(format!("{} is required and cannot be null", qualified(aname)))
                        .code("config::missing-attribute")
                        .label(x, "null")
                        .help(format!("give {aname} a {} value", a.ty.describe())),
                );
            }
            if a.required && !set {
                self.push(
                    Diag::error(format!("missing required attribute {}", qualified(aname)))
                        .code("config::missing-attribute")
                        .label(owner_span.clone(), format!("{aname} is not set"))
                        .help(format!("add {aname} = <{}>", a.ty.describe())),
                );
            }
        }
    }

    fn unknown(&mut self, name: &str, qualified: &str, at: Span, schema: &Block, what: &str) {
        let help = match did_you_mean(name, schema.names()) {
            Some(s) => format!("did you mean {s}?"),
            None => {
                let settable: Vec<&str> = schema
                    .attributes
                    .iter()
                    .filter(|(_, a)| !a.is_computed_only())
                    .map(|(n, _)| n.as_str())
                    .chain(schema.blocks.keys().map(String::as_str))
                    .collect();
                if settable.is_empty() {
                    format!("{} takes no arguments here", self.owner)
                } else {
                    format!("{} accepts: {}", self.owner, settable.join(", "))
                }
            }
        };
        self.push(
            Diag::error(format!("unknown {what} {qualified} for {}", self.owner))
                .code("config::unknown-attribute")
                .label(
                    at,
                    format!(
                        "not {} of {}",
                        if what == "attribute" { "an attribute" } else { "a block type" },
                        self.owner
                    ),
                )
                .help(help),
        );
    }
}

fn is_null_literal(expr: &Expression) -> bool {
    match expr {
        Expression::Null(_) => true,
        Expression::Parenthesis(p) => is_null_literal(p.inner()),
        _ => false,
    }
}

fn type_help(name: &str, ty: &AttrType) -> String {
    let example = match ty {
        AttrType::String => "\"...\"".to_string(),
        AttrType::Number => "42".to_string(),
        AttrType::Bool => "true".to_string(),
        AttrType::List(_) | AttrType::Set(_) => "[...]".to_string(),
        AttrType::Map(_) => "{ key = ... }".to_string(),
        AttrType::Any => "...".to_string(),
    };
    format!("write {name} = {example}")
}

/// When `expr` is a literal that cannot be converted to `ty`: what it is ("a string") and where
/// (the offending element of a list or object); `None` when it fits or is an expression (checked
/// after evaluation). Conversions follow Terraform's: a number or bool is accepted where a string
/// is expected, and a string such as "80" or "true" where a number or bool is.
fn literal_mismatch(expr: &Expression, ty: &AttrType) -> Option<(String, Option<Range<usize>>)> {
    if matches!(ty, AttrType::Any) || matches!(expr, Expression::Null(_)) {
        return None;
    }
    if let Expression::Parenthesis(p) = expr {
        return literal_mismatch(p.inner(), ty);
    }
    let kind = literal_kind(expr)?;
    let fits = match (ty, expr) {
        (AttrType::String, Expression::Number(_) | Expression::Bool(_)) => true,
        (AttrType::String, e) => literal_str(e).is_some(),
        (AttrType::Number, Expression::Number(_)) => true,
        (AttrType::Number, e) => literal_str(e).is_some_and(|s| s.trim().parse::<f64>().is_ok()),
        (AttrType::Bool, Expression::Bool(_)) => true,
        (AttrType::Bool, e) => literal_str(e).is_some_and(|s| s == "true" || s == "false"),
        (AttrType::List(elem) | AttrType::Set(elem), Expression::Array(array)) => {
            return array.iter().enumerate().find_map(|(i, e)| {
                literal_mismatch(e, elem).map(|(found, at)| (format!("{found} at element {i}"), at))
            });
        }
        (AttrType::Map(elem), Expression::Object(object)) => {
            return object.iter().find_map(|(k, v)| {
                literal_mismatch(v.expr(), elem).map(|(found, at)| {
                    (format!("{found} at key {}", object_key_name(k).unwrap_or_else(|| "?".into())), at)
                })
            });
        }
        _ => false,
    };
    if fits {
        None
    } else {
        Some((kind.to_string(), expr.span()))
    }
}

/// The span of the attribute or nested block at `path` in `body`, such as `port[1].from`, for
/// labelling diagnostics that come back from providers. When the path goes deeper than the
/// configuration does (into a value computed by the provider, or an element of a non-literal
/// list), the span of the deepest part that was written is returned; `None` when not even the
/// first step is in the body.
pub fn attr_span(body: &BodyExpr, path: &AttrPath) -> Option<Span> {
    let mut steps = path.0.iter().peekable();
    let PathStep::Attr(first) = steps.next()? else { return None };
    if let Some(attr) = body.attribute(first) {
        let rest: Vec<&PathStep> = steps.collect();
        return Some(expr_span(&attr.expr, &rest, attr.span.file).unwrap_or_else(|| attr.span.clone()));
    }
    let blocks: Vec<&NestedBlock> = body.blocks.iter().filter(|b| &b.type_name == first).collect();
    let block = match steps.peek() {
        Some(PathStep::Index(i)) => {
            let i = *i;
            steps.next();
            blocks.get(i).copied()
        }
        _ => blocks.first().copied(),
    }?;
    let rest = AttrPath(steps.cloned().collect());
    if rest.is_root() {
        return Some(block.span.clone());
    }
    Some(attr_span(&block.body, &rest).unwrap_or_else(|| block.span.clone()))
}

/// Descends into a literal list or object expression along `steps`.
fn expr_span(expr: &Expression, steps: &[&PathStep], file: crate::diag::FileId) -> Option<Span> {
    let Some((step, rest)) = steps.split_first() else {
        return expr.span().map(|r| Span::new(file, r));
    };
    let inner = match (step, expr) {
        (PathStep::Index(i), Expression::Array(a)) => a.get(*i),
        (PathStep::Attr(k) | PathStep::Key(k), Expression::Object(o)) => {
            o.iter().find(|(key, _)| object_key_name(key).as_deref() == Some(k.as_str())).map(|(_, v)| v.expr())
        }
        _ => None,
    }?;
    expr_span(inner, rest, file).or_else(|| inner.span().map(|r| Span::new(file, r)))
}
