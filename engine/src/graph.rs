//! The dependency graph of a stack's blocks.
//!
//! Nodes are blocks (variables, locals, providers, resources, outputs), not instances: `count` and
//! `for_each` are expanded when the walk reaches a resource, because they may depend on values
//! computed earlier in the walk. Edges point from a dependency to its dependent and carry the span
//! of the reference that created them, so a cycle can be reported reference by reference.

use std::collections::{BTreeSet, HashMap};

use petgraph::algo::{tarjan_scc, toposort};
use petgraph::graph::DiGraph;
/// The index of a node in [`Graph`], as `order`, `edges` and the lookups return it.
pub use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use petgraph::Direction;

use crate::config::{Config, Mode, NestedBlock, ResourceAddr, ResourceBlock};
use crate::diag::{did_you_mean, Diag, FileId, Span};
use crate::eval::{references, Reference};

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Node {
    Variable(String),
    Local(String),
    Provider(String),
    Resource(ResourceAddr),
    Output(String),
}

impl std::fmt::Display for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Node::Variable(n) => write!(f, "var.{n}"),
            Node::Local(n) => write!(f, "local.{n}"),
            Node::Provider(n) => write!(f, "provider.{n}"),
            Node::Resource(a) => write!(f, "{a}"),
            Node::Output(n) => write!(f, "output.{n}"),
        }
    }
}

/// Where a dependent refers to its dependency.
#[derive(Clone, Debug)]
pub struct Edge {
    pub span: Option<Span>,
}

/// A checked, acyclic dependency graph with a lookup from node to index.
#[derive(Debug)]
pub struct Graph {
    pub inner: DiGraph<Node, Edge>,
    index: HashMap<Node, NodeIndex>,
    /// Nodes in an order where every dependency comes before its dependents.
    pub order: Vec<NodeIndex>,
}

impl Graph {
    pub fn node(&self, ix: NodeIndex) -> &Node {
        &self.inner[ix]
    }

    pub fn index_of(&self, node: &Node) -> Option<NodeIndex> {
        self.index.get(node).copied()
    }

    /// Direct dependencies of a node.
    pub fn dependencies(&self, ix: NodeIndex) -> impl Iterator<Item = NodeIndex> + '_ {
        self.inner.neighbors_directed(ix, Direction::Incoming)
    }

    /// Direct dependents of a node.
    pub fn dependents(&self, ix: NodeIndex) -> impl Iterator<Item = NodeIndex> + '_ {
        self.inner.neighbors_directed(ix, Direction::Outgoing)
    }

    /// The resources a resource depends on, directly or through locals, variables and providers.
    pub fn resource_dependencies(&self, addr: &ResourceAddr) -> BTreeSet<ResourceAddr> {
        self.transitive(addr, Direction::Incoming)
    }

    /// The resources that depend on a resource, directly or through locals.
    pub fn resource_dependents(&self, addr: &ResourceAddr) -> BTreeSet<ResourceAddr> {
        self.transitive(addr, Direction::Outgoing)
    }

    /// Resources reachable through non-resource nodes only, stopping at the first resource on each path.
    pub fn direct_resource_dependencies(&self, addr: &ResourceAddr) -> BTreeSet<ResourceAddr> {
        let mut out = BTreeSet::new();
        let Some(start) = self.index_of(&Node::Resource(addr.clone())) else { return out };
        let mut stack: Vec<NodeIndex> = self.dependencies(start).collect();
        let mut seen = BTreeSet::new();
        while let Some(ix) = stack.pop() {
            if !seen.insert(ix) {
                continue;
            }
            match self.node(ix) {
                Node::Resource(a) => {
                    out.insert(a.clone());
                }
                _ => stack.extend(self.dependencies(ix)),
            }
        }
        out
    }

    fn transitive(&self, addr: &ResourceAddr, dir: Direction) -> BTreeSet<ResourceAddr> {
        let mut out = BTreeSet::new();
        let Some(start) = self.index_of(&Node::Resource(addr.clone())) else { return out };
        let mut stack = vec![start];
        let mut seen = BTreeSet::new();
        while let Some(ix) = stack.pop() {
            if !seen.insert(ix) {
                continue;
            }
            if ix != start {
                if let Node::Resource(a) = self.node(ix) {
                    out.insert(a.clone());
                }
            }
            stack.extend(self.inner.neighbors_directed(ix, dir));
        }
        out
    }

    /// Every edge as (dependency, dependent), in the order the edges were added.
    pub fn edges(&self) -> impl Iterator<Item = (NodeIndex, NodeIndex)> + '_ {
        self.inner.edge_references().map(|e| (e.source(), e.target()))
    }
}

/// Builds the graph from references and `depends_on`, reporting references to undeclared
/// names and every dependency cycle.
pub fn build(config: &Config) -> Result<Graph, Vec<Diag>> {
    let mut g = DiGraph::new();
    let mut index = HashMap::new();
    let mut add = |g: &mut DiGraph<Node, Edge>, n: Node| *index.entry(n.clone()).or_insert_with(|| g.add_node(n));
    for v in &config.variables {
        add(&mut g, Node::Variable(v.name.clone()));
    }
    for l in &config.locals {
        add(&mut g, Node::Local(l.name.clone()));
    }
    let mut provider_names: BTreeSet<String> = config.providers.iter().map(|p| p.name.clone()).collect();
    for r in &config.resources {
        provider_names.insert(provider_of(&r.type_name).to_string());
        add(&mut g, Node::Resource(r.addr()));
    }
    for p in &provider_names {
        add(&mut g, Node::Provider(p.clone()));
    }
    for o in &config.outputs {
        add(&mut g, Node::Output(o.name.clone()));
    }

    let resolver = Resolver::new(config);
    let mut links = Links { resolver: &resolver, diags: Vec::new(), edges: Vec::new() };

    for v in &config.variables {
        links.diags.extend(variable_reference_errors(v));
    }
    for l in &config.locals {
        let refs = references(&l.attr.expr, l.attr.span.file);
        links.refs(Node::Local(l.name.clone()), refs.into_iter().map(|r| (r, Place::Other("a local value"))));
    }
    for p in &config.providers {
        let refs = body_references(&p.body.attributes, &p.body.blocks, p.span.file);
        links.refs(Node::Provider(p.name.clone()), refs.into_iter().map(|r| (r, Place::Other("a provider block"))));
    }
    for res in &config.resources {
        let me = Node::Resource(res.addr());
        links.edges.push((Node::Provider(provider_of(&res.type_name).to_string()), me.clone(), None));
        let file = res.span.file;
        let body = body_references(&res.body.attributes, &res.body.blocks, file)
            .into_iter()
            .map(|r| (r, Place::Body { count: res.count.is_some(), for_each: res.for_each.is_some() }));
        let meta = [(&res.count, "count"), (&res.for_each, "for_each")]
            .into_iter()
            .filter_map(|(a, name)| a.as_ref().map(|a| (a, name)))
            .flat_map(|(a, name)| references(&a.expr, file).into_iter().map(move |r| (r, Place::Meta(name))));
        links.refs(me.clone(), body.chain(meta));
        links.depends_on(&me, &res.depends_on);
    }
    for o in &config.outputs {
        let me = Node::Output(o.name.clone());
        let refs = references(&o.value.expr, o.value.span.file);
        links.refs(me.clone(), refs.into_iter().map(|r| (r, Place::Other("an output"))));
        links.depends_on(&me, &o.depends_on);
    }
    let Links { diags, edges, .. } = links;
    if !diags.is_empty() {
        return Err(diags);
    }

    let mut seen = BTreeSet::new();
    for (from, to, span) in edges {
        let (a, b) = (index[&from], index[&to]);
        if seen.insert((a, b)) {
            g.add_edge(a, b, Edge { span });
        }
    }
    let cycles = find_cycles(&g, &config.sources);
    if !cycles.is_empty() {
        return Err(cycles);
    }
    let order = toposort(&g, None).map_err(|_| vec![Diag::error("dependency cycle").code("graph::cycle")])?;
    Ok(Graph { inner: g, index, order })
}

/// Collects the edges a block's references make, and the diagnostics for those that are
/// misplaced or point at nothing.
struct Links<'r, 'c> {
    resolver: &'r Resolver<'c>,
    diags: Vec<Diag>,
    edges: Vec<(Node, Node, Option<Span>)>,
}

impl Links<'_, '_> {
    fn refs(&mut self, me: Node, refs: impl Iterator<Item = (Reference, Place)>) {
        for (r, place) in refs {
            if let Some(d) = misplaced(&r, place) {
                self.diags.push(d);
                continue;
            }
            match self.resolver.resolve(&r) {
                Ok(Some(dep)) => self.edges.push((dep, me.clone(), Some(r.span))),
                Ok(None) => {}
                Err(d) => self.diags.push(d),
            }
        }
    }

    fn depends_on(&mut self, me: &Node, list: &[crate::config::Spanned<String>]) {
        for d in list {
            match self.resolver.resolve_address(&d.value, &d.span) {
                Ok(dep) => self.edges.push((dep, me.clone(), Some(d.span.clone()))),
                Err(e) => self.diags.push(e),
            }
        }
    }
}

/// The provider that handles a type: the prefix before the first underscore.
pub fn provider_of(type_name: &str) -> &str {
    type_name.split('_').next().unwrap_or(type_name)
}

fn body_references(attrs: &[crate::config::AttrExpr], blocks: &[NestedBlock], file: FileId) -> Vec<Reference> {
    let mut out = Vec::new();
    for a in attrs {
        out.extend(references(&a.expr, file));
    }
    for b in blocks {
        let inner = body_references(&b.body.attributes, &b.body.blocks, file);
        match &b.dynamic {
            // Inside a dynamic block's content the iterator is a local name, not a reference.
            Some(d) => {
                out.extend(references(&d.for_each.expr, file));
                out.extend(inner.into_iter().filter(|r| r.root != d.iterator));
            }
            None => out.extend(inner),
        }
    }
    out
}

/// Every reference a resource block makes: its body, `count` and `for_each`.
pub fn resource_references(res: &ResourceBlock) -> Vec<Reference> {
    let file = res.span.file;
    let mut out = body_references(&res.body.attributes, &res.body.blocks, file);
    for meta in [&res.count, &res.for_each].into_iter().flatten() {
        out.extend(references(&meta.expr, file));
    }
    out
}

/// A variable's default is a literal (it is needed before anything is evaluated), and its
/// validation blocks see only the variable itself.
fn variable_reference_errors(v: &crate::config::VariableBlock) -> Vec<Diag> {
    let mut diags = Vec::new();
    if let Some(d) = &v.default {
        if let Some(r) = references(&d.expr, d.span.file).into_iter().find(|r| r.root != "path") {
            diags.push(
                Diag::error(format!("the default of variable {:?} refers to {}", v.name, shown(&r)))
                    .code("config::not-literal")
                    .label(r.span.clone(), "a reference")
                    .help("defaults are read before anything is evaluated: write a literal value, and derive other values in a locals block"),
            );
        }
    }
    for val in &v.validations {
        for a in [&val.condition, &val.error_message] {
            for r in references(&a.expr, a.span.file) {
                let own = r.root == "var" && r.parts.first() == Some(&v.name);
                if !own && r.root != "path" {
                    diags.push(
                        Diag::error(format!("the validation of variable {:?} refers to {}", v.name, shown(&r)))
                            .code("eval::invalid-reference")
                            .label(r.span.clone(), format!("only var.{} is available here", v.name))
                            .help(format!(
                                "a validation block checks one variable: use only var.{} in its condition and error_message",
                                v.name
                            )),
                    );
                }
            }
        }
    }
    diags
}

/// A reference as written, up to the name of what it refers to (`var.a`, `mock_network.main`).
fn shown(r: &Reference) -> String {
    let n = match r.root.as_str() {
        "data" => 2,
        _ => 1,
    };
    std::iter::once(r.root.as_str()).chain(r.parts.iter().take(n).map(String::as_str)).collect::<Vec<_>>().join(".")
}

/// Where an expression is written, for the references only some places may make.
#[derive(Clone, Copy)]
enum Place {
    /// The body of a resource, which has `count` and/or `for_each` set or not.
    Body { count: bool, for_each: bool },
    /// The `count` or `for_each` expression itself.
    Meta(&'static str),
    /// A local value, output or provider block: evaluated once, not per instance.
    Other(&'static str),
}

/// `each.*`, `count.*` and `self.*` outside the places that define them, and Terraform-only
/// roots: errors the evaluator would find only during a plan, reported by `validate` too.
fn misplaced(r: &Reference, place: Place) -> Option<Diag> {
    let error = |summary: String, label: &str, help: String| {
        Some(Diag::error(summary).code("eval::unknown-variable").label(r.span.clone(), label.to_string()).help(help))
    };
    let attr = r.parts.first().map(String::as_str);
    match r.root.as_str() {
        "each" => {
            let allowed = matches!(place, Place::Body { for_each: true, .. });
            if !allowed {
                let help = match place {
                    Place::Body { .. } => "add for_each to this resource, or remove the reference".to_string(),
                    Place::Meta(m) => format!("{m} is evaluated before any instance exists; it cannot use each"),
                    Place::Other(what) => {
                        format!("{what} is evaluated once, not per instance; use the expression inside the resource")
                    }
                };
                return error(
                    "each.key and each.value are only available in a resource that sets for_each".into(),
                    "each is not defined here",
                    help,
                );
            }
            match attr {
                Some("key" | "value") => None,
                _ => error(
                    match attr {
                        Some(a) => format!("each has no attribute {a:?}"),
                        None => "each must be followed by .key or .value".to_string(),
                    },
                    "not each.key or each.value",
                    "write each.key or each.value".into(),
                ),
            }
        }
        "count" => {
            let allowed = matches!(place, Place::Body { count: true, .. });
            if !allowed {
                let help = match place {
                    Place::Body { .. } => "add count = N to this resource, or remove the reference".to_string(),
                    Place::Meta(m) => format!("{m} is evaluated before any instance exists; it cannot use count.index"),
                    Place::Other(what) => {
                        format!("{what} is evaluated once, not per instance; use the expression inside the resource")
                    }
                };
                return error(
                    "count.index is only available in a resource that sets count".into(),
                    "count is not defined here",
                    help,
                );
            }
            match attr {
                Some("index") => None,
                _ => error(
                    match attr {
                        Some(a) => format!("count has no attribute {a:?}"),
                        None => "count must be followed by .index".to_string(),
                    },
                    "not count.index",
                    "write count.index".into(),
                ),
            }
        }
        "self" => error(
            "self is not supported here".into(),
            "self",
            "reference the resource by its address, e.g. mock_network.main.id".into(),
        ),
        root @ ("terraform" | "tether") => error(
            format!("{root}.{} is not available in tether", attr.unwrap_or("*")),
            "not a tether value",
            "use a variable instead, e.g. var.environment".into(),
        ),
        _ => None,
    }
}

/// Resolves references to graph nodes, with "did you mean" for undeclared names.
struct Resolver<'a> {
    config: &'a Config,
    resource_types: BTreeSet<&'a str>,
}

impl<'a> Resolver<'a> {
    fn new(config: &'a Config) -> Resolver<'a> {
        let resource_types =
            config.resources.iter().filter(|r| r.mode == Mode::Managed).map(|r| r.type_name.as_str()).collect();
        Resolver { config, resource_types }
    }

    fn resolve(&self, r: &Reference) -> Result<Option<Node>, Diag> {
        let part = |i: usize| r.parts.get(i).map(String::as_str);
        match r.root.as_str() {
            "each" | "count" | "path" | "self" | "terraform" | "tether" => Ok(None),
            "var" => {
                let Some(name) = part(0) else { return Err(self.incomplete(r, "var.NAME")) };
                if self.config.variables.iter().any(|v| v.name == name) {
                    Ok(Some(Node::Variable(name.to_string())))
                } else {
                    let names = self.config.variables.iter().map(|v| v.name.as_str());
                    Err(undeclared(
                        r,
                        &format!("variable {name:?}"),
                        did_you_mean(name, names).map(|n| format!("var.{n}")),
                    )
                    .help_or(format!("declare it: variable \"{name}\" {{ type = string }}")))
                }
            }
            "local" => {
                let Some(name) = part(0) else { return Err(self.incomplete(r, "local.NAME")) };
                if self.config.locals.iter().any(|l| l.name == name) {
                    Ok(Some(Node::Local(name.to_string())))
                } else {
                    let names = self.config.locals.iter().map(|l| l.name.as_str());
                    Err(undeclared(
                        r,
                        &format!("local value {name:?}"),
                        did_you_mean(name, names).map(|n| format!("local.{n}")),
                    )
                    .help_or(format!("declare it in a locals block: locals {{ {name} = ... }}")))
                }
            }
            "data" => {
                let (Some(ty), Some(name)) = (part(0), part(1)) else {
                    return Err(self.incomplete(r, "data.TYPE.NAME"));
                };
                let addr = ResourceAddr { mode: Mode::Data, type_name: ty.into(), name: name.into() };
                self.resource_node(r, addr)
            }
            ty if self.resource_types.contains(ty) => {
                let Some(name) = part(0) else { return Err(self.incomplete(r, &format!("{ty}.NAME"))) };
                let addr = ResourceAddr { mode: Mode::Managed, type_name: ty.into(), name: name.into() };
                self.resource_node(r, addr)
            }
            other => {
                let mut candidates: Vec<String> = vec!["var".into(), "local".into(), "data".into()];
                candidates.extend(self.config.resources.iter().map(|r| r.type_name.clone()));
                let hint = did_you_mean(other, candidates.iter().map(String::as_str)).map(str::to_string);
                let what = if other.contains('_') {
                    format!("resource type {other:?} (no resource of that type is declared)")
                } else {
                    format!("name {other:?}")
                };
                Err(undeclared(r, &what, hint).help_or(
                    "references start with var., local., data., or a declared resource's TYPE.NAME".to_string(),
                ))
            }
        }
    }

    fn resource_node(&self, r: &Reference, addr: ResourceAddr) -> Result<Option<Node>, Diag> {
        if self.config.resource(&addr).is_some() {
            return Ok(Some(Node::Resource(addr)));
        }
        let all: Vec<String> = self.config.resources.iter().map(|r| r.addr().to_string()).collect();
        let hint = did_you_mean(&addr.to_string(), all.iter().map(String::as_str)).map(str::to_string);
        Err(undeclared(r, &format!("resource {addr}"), hint)
            .help_or(format!("declare it: resource \"{}\" \"{}\" {{ ... }}", addr.type_name, addr.name)))
    }

    fn resolve_address(&self, text: &str, span: &Span) -> Result<Node, Diag> {
        let parts: Vec<String> = text.split('.').map(str::to_string).collect();
        let r = Reference { root: parts[0].clone(), parts: parts[1..].to_vec(), span: span.clone() };
        match self.resolve(&r)? {
            Some(n @ Node::Resource(_)) => Ok(n),
            _ => Err(Diag::error(format!("depends_on entry {text} is not a resource"))
                .code("config::invalid-depends-on")
                .label(span.clone(), "not a resource address")
                .help("list resources, e.g. depends_on = [mock_network.main]")),
        }
    }

    fn incomplete(&self, r: &Reference, form: &str) -> Diag {
        Diag::error(format!("incomplete reference to {}", r.root))
            .code("eval::invalid-reference")
            .label(r.span.clone(), "incomplete reference")
            .help(format!("write {form}"))
    }
}

fn undeclared(r: &Reference, what: &str, suggestion: Option<String>) -> Diag {
    let d = Diag::error(format!("reference to undeclared {what}"))
        .code("eval::undeclared-reference")
        .label(r.span.clone(), "not declared in this stack");
    match suggestion {
        Some(s) => d.help(format!("did you mean {s}?")),
        None => d,
    }
}

trait HelpOr {
    fn help_or(self, help: String) -> Self;
}

impl HelpOr for Diag {
    fn help_or(self, help: String) -> Diag {
        if self.help.is_some() {
            self
        } else {
            self.help(help)
        }
    }
}

/// Reports each dependency cycle once, naming every node on it and the reference that links it
/// to the next.
fn find_cycles(g: &DiGraph<Node, Edge>, sources: &crate::diag::SourceMap) -> Vec<Diag> {
    let mut diags = Vec::new();
    for scc in tarjan_scc(g) {
        let self_loop = scc.len() == 1 && g.find_edge(scc[0], scc[0]).is_some();
        if scc.len() < 2 && !self_loop {
            continue;
        }
        let members: BTreeSet<NodeIndex> = scc.iter().copied().collect();
        let start = *scc.iter().min_by_key(|ix| g[**ix].clone()).unwrap_or(&scc[0]);
        let path = cycle_path(g, start, &members);
        // Edges run from a dependency to its dependent; the summary reads the other way,
        // "a -> b" meaning "a refers to b", like the labels below.
        let mut names: Vec<String> = path.iter().map(|ix| g[*ix].to_string()).collect();
        names.push(g[start].to_string());
        names.reverse();
        let through_provider = path.iter().find(|ix| matches!(g[**ix], Node::Provider(_)));
        let mut d = if let Some(p) = through_provider.filter(|_| !self_loop) {
            Diag::error(format!("dependency cycle: {}", names.join(" -> "))).code("graph::cycle").help(format!(
                "{} is configured from a resource it manages; configure providers from variables and literals only",
                g[*p]
            ))
        } else if self_loop {
            Diag::error(format!("{} refers to itself", g[start]))
                .code("graph::cycle")
                .help("a block cannot use its own values; use the value it is computed from (a variable, a local or a literal) instead")
        } else {
            Diag::error(format!("dependency cycle: {}", names.join(" -> "))).code("graph::cycle").help(
                "break the loop: one of these references must go, or be replaced by a value that does not depend on the others",
            )
        };
        // The path follows edges (dependency -> dependent), so each step's target refers to its
        // source. Every reference is labelled and also listed with its location, since a
        // snippet header shows only the first.
        let mut steps = Vec::new();
        for (i, from) in path.iter().enumerate() {
            let to = path[(i + 1) % path.len()];
            if let Some(e) = g.find_edge(*from, to) {
                if let Some(span) = &g[e].span {
                    let what = format!("{} refers to {}", g[to], g[*from]);
                    steps.push(format!("  {}: {what}", sources.location(span)));
                    d = d.label(span.clone(), what);
                }
            }
        }
        steps.reverse();
        if !steps.is_empty() && d.detail.is_none() {
            d = d.detail(steps.join("\n"));
        }
        diags.push(d);
    }
    diags
}

/// A simple cycle through `start` using only `members`, as the list of nodes in edge order.
fn cycle_path(g: &DiGraph<Node, Edge>, start: NodeIndex, members: &BTreeSet<NodeIndex>) -> Vec<NodeIndex> {
    // Breadth-first search for the shortest way back to `start`.
    let mut parent: HashMap<NodeIndex, NodeIndex> = HashMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(ix) = queue.pop_front() {
        let mut next: Vec<NodeIndex> =
            g.neighbors_directed(ix, Direction::Outgoing).filter(|n| members.contains(n)).collect();
        next.sort_by_key(|n| g[*n].clone());
        for n in next {
            if n == start {
                let mut path = vec![ix];
                let mut cur = ix;
                while cur != start {
                    cur = parent[&cur];
                    path.push(cur);
                }
                path.reverse();
                return path;
            }
            if let std::collections::hash_map::Entry::Vacant(e) = parent.entry(n) {
                e.insert(ix);
                queue.push_back(n);
            }
        }
    }
    vec![start]
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::config::load_sources;

    /// Builds the graph of `src` and returns `(line, code, summary)` of each diagnostic.
    fn errors(src: &str) -> Vec<(usize, String, String)> {
        let (config, diags) = load_sources(vec![(PathBuf::from("main.hcl"), src.to_string())]);
        assert!(diags.is_empty(), "{diags:#?}");
        match build(&config) {
            Ok(_) => Vec::new(),
            Err(ds) => ds
                .iter()
                .map(|d| {
                    let line = d.primary_span().map_or(0, |s| config.sources.line_col(s.file, s.range.start).line);
                    (line, d.code.clone().unwrap_or_default(), d.summary.clone())
                })
                .collect(),
        }
    }

    #[test]
    fn each_and_count_only_where_they_are_defined() {
        let ok = "resource \"a_b\" \"x\" {\n  for_each = toset([\"a\"])\n  n = each.key\n  v = each.value.x\n}\n\
                  resource \"a_b\" \"y\" {\n  count = 2\n  n = count.index\n}\n";
        assert_eq!(errors(ok), vec![]);
        for (src, line, summary) in [
            ("resource \"a_b\" \"x\" {\n  n = each.key\n}\n", 2, "only available in a resource that sets for_each"),
            ("resource \"a_b\" \"x\" {\n  count = 1\n  n = each.value\n}\n", 3, "sets for_each"),
            ("resource \"a_b\" \"x\" {\n  n = count.index\n}\n", 2, "only available in a resource that sets count"),
            ("resource \"a_b\" \"x\" {\n  count = count.index\n}\n", 2, "sets count"),
            ("resource \"a_b\" \"x\" {\n  for_each = each.value\n}\n", 2, "sets for_each"),
            ("locals {\n  a = 1\n  b = count.index\n}\n", 3, "sets count"),
            ("output \"o\" {\n  value = each.key\n}\n", 2, "sets for_each"),
            ("resource \"a_b\" \"x\" {\n  count = 2\n  n = count.idx\n}\n", 3, "count has no attribute \"idx\""),
            ("resource \"a_b\" \"x\" {\n  for_each = {}\n  n = each.name\n}\n", 3, "each has no attribute \"name\""),
            ("resource \"a_b\" \"x\" {\n  n = self.id\n}\n", 2, "self is not supported here"),
            ("locals {\n  w = terraform.workspace\n}\n", 2, "terraform.workspace is not available"),
        ] {
            let got = errors(src);
            assert_eq!(got.len(), 1, "{src}: {got:?}");
            assert_eq!(got[0].0, line, "{src}: {got:?}");
            assert_eq!(got[0].1, "eval::unknown-variable", "{src}: {got:?}");
            assert!(got[0].2.contains(summary), "{src}: {got:?}");
        }
    }

    #[test]
    fn a_self_reference_says_so() {
        let got = errors("resource \"a_b\" \"x\" {\n  n = \"${a_b.x.id}\"\n}\n");
        assert_eq!(got, vec![(2, "graph::cycle".to_string(), "a_b.x refers to itself".to_string())]);
        let got = errors("locals {\n  a = local.b\n  b = local.a\n}\n");
        assert_eq!(got[0].1, "graph::cycle");
        assert!(got[0].2.contains("local.a -> local.b -> local.a"), "{got:?}");
    }
}
