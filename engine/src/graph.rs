//! The dependency graph of a stack's blocks.
//!
//! Nodes are blocks (variables, locals, providers, resources, outputs), not instances: `count` and
//! `for_each` are expanded when the walk reaches a resource, because they may depend on values
//! computed earlier in the walk. Edges point from a dependency to its dependent and carry the span
//! of the reference that created them, so a cycle can be reported reference by reference.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

use petgraph::algo::{tarjan_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;

use crate::config::{Config, ConfigAddr, Mode, NestedBlock, ResourceBlock};
use crate::diag::{did_you_mean, Diag, FileId, Span};
use crate::eval::{references, Reference};

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Node {
    Variable(String),
    Local(String),
    Provider(String),
    Resource(ConfigAddr),
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
    pub fn resource_dependencies(&self, addr: &ConfigAddr) -> BTreeSet<ConfigAddr> {
        self.transitive(addr, Direction::Incoming)
    }

    /// The resources that depend on a resource, directly or through locals.
    pub fn resource_dependents(&self, addr: &ConfigAddr) -> BTreeSet<ConfigAddr> {
        self.transitive(addr, Direction::Outgoing)
    }

    /// Resources reachable through non-resource nodes only, stopping at the first resource on each path.
    pub fn direct_resource_dependencies(&self, addr: &ConfigAddr) -> BTreeSet<ConfigAddr> {
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

    fn transitive(&self, addr: &ConfigAddr, dir: Direction) -> BTreeSet<ConfigAddr> {
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

    /// Graphviz DOT of the resource-level graph.
    pub fn to_dot(&self) -> String {
        let mut s = String::from("digraph tether {\n  rankdir = \"RL\";\n  node [shape = box];\n");
        for ix in &self.order {
            let _ = writeln!(s, "  \"{}\";", self.node(*ix));
        }
        for e in self.sorted_edges() {
            let _ = writeln!(s, "  \"{}\" -> \"{}\";", e.1, e.0);
        }
        s.push_str("}\n");
        s
    }

    /// Mermaid flowchart of the same graph (renders in GitHub Markdown).
    pub fn to_mermaid(&self) -> String {
        let mut s = String::from("flowchart RL\n");
        let id = |ix: NodeIndex| format!("n{}", ix.index());
        for ix in &self.order {
            let _ = writeln!(s, "  {}[\"{}\"]", id(*ix), self.node(*ix));
        }
        for e in self.inner.edge_references() {
            let _ = writeln!(s, "  {} --> {}", id(e.target()), id(e.source()));
        }
        s
    }

    /// (dependency, dependent) display pairs, sorted for stable output.
    fn sorted_edges(&self) -> Vec<(String, String)> {
        let mut edges: Vec<(String, String)> = self
            .inner
            .edge_references()
            .map(|e| (self.node(e.source()).to_string(), self.node(e.target()).to_string()))
            .collect();
        edges.sort();
        edges.dedup();
        edges
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
    let mut diags = Vec::new();
    let mut edges: Vec<(Node, Node, Option<Span>)> = Vec::new();

    for l in &config.locals {
        let me = Node::Local(l.name.clone());
        for r in references(&l.attr.expr, l.attr.span.file) {
            match resolver.resolve(&r) {
                Ok(Some(dep)) => edges.push((dep, me.clone(), Some(r.span))),
                Ok(None) => {}
                Err(d) => diags.push(d),
            }
        }
    }
    for p in &config.providers {
        let me = Node::Provider(p.name.clone());
        for r in body_references(&p.body.attributes, &p.body.blocks, p.span.file) {
            match resolver.resolve(&r) {
                Ok(Some(dep)) => edges.push((dep, me.clone(), Some(r.span))),
                Ok(None) => {}
                Err(d) => diags.push(d),
            }
        }
    }
    for res in &config.resources {
        let me = Node::Resource(res.addr());
        edges.push((Node::Provider(provider_of(&res.type_name).to_string()), me.clone(), None));
        for r in resource_references(res) {
            match resolver.resolve(&r) {
                Ok(Some(dep)) => edges.push((dep, me.clone(), Some(r.span))),
                Ok(None) => {}
                Err(d) => diags.push(d),
            }
        }
        for d in &res.depends_on {
            match resolver.resolve_address(&d.value, &d.span) {
                Ok(dep) => edges.push((dep, me.clone(), Some(d.span.clone()))),
                Err(e) => diags.push(e),
            }
        }
    }
    for o in &config.outputs {
        let me = Node::Output(o.name.clone());
        for r in references(&o.value.expr, o.value.span.file) {
            match resolver.resolve(&r) {
                Ok(Some(dep)) => edges.push((dep, me.clone(), Some(r.span))),
                Ok(None) => {}
                Err(d) => diags.push(d),
            }
        }
        for d in &o.depends_on {
            match resolver.resolve_address(&d.value, &d.span) {
                Ok(dep) => edges.push((dep, me.clone(), Some(d.span.clone()))),
                Err(e) => diags.push(e),
            }
        }
    }
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
    let cycles = find_cycles(&g);
    if !cycles.is_empty() {
        return Err(cycles);
    }
    let order = toposort(&g, None).map_err(|_| vec![Diag::error("dependency cycle").code("graph::cycle")])?;
    Ok(Graph { inner: g, index, order })
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
        out.extend(body_references(&b.body.attributes, &b.body.blocks, file));
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
                let addr = ConfigAddr { mode: Mode::Data, type_name: ty.into(), name: name.into() };
                self.resource_node(r, addr)
            }
            ty if self.resource_types.contains(ty) => {
                let Some(name) = part(0) else { return Err(self.incomplete(r, &format!("{ty}.NAME"))) };
                let addr = ConfigAddr { mode: Mode::Managed, type_name: ty.into(), name: name.into() };
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

    fn resource_node(&self, r: &Reference, addr: ConfigAddr) -> Result<Option<Node>, Diag> {
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
fn find_cycles(g: &DiGraph<Node, Edge>) -> Vec<Diag> {
    let mut diags = Vec::new();
    for scc in tarjan_scc(g) {
        let self_loop = scc.len() == 1 && g.find_edge(scc[0], scc[0]).is_some();
        if scc.len() < 2 && !self_loop {
            continue;
        }
        let members: BTreeSet<NodeIndex> = scc.iter().copied().collect();
        let start = *scc.iter().min_by_key(|ix| g[**ix].clone()).unwrap_or(&scc[0]);
        let path = cycle_path(g, start, &members);
        let mut names: Vec<String> = path.iter().map(|ix| g[*ix].to_string()).collect();
        names.push(g[start].to_string());
        let mut d = Diag::error(format!("dependency cycle: {}", names.join(" -> ")))
            .code("graph::cycle")
            .help("break the loop: one of these references must go, or be replaced by a value that does not depend on the others");
        for (i, from) in path.iter().enumerate() {
            let to = path[(i + 1) % path.len()];
            // Edge direction is dependency -> dependent; `to` refers to `from`? We walked along
            // edges, so `from -> to` means `to` refers to `from`.
            if let Some(e) = g.find_edge(*from, to) {
                if let Some(span) = &g[e].span {
                    d = d.label(span.clone(), format!("{} refers to {}", g[to], g[*from]));
                }
            }
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
