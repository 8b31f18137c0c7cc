//! `tether graph`: the dependency graph as Graphviz DOT or as a Mermaid flowchart (which GitHub
//! renders in Markdown). Arrows point from a block to what it depends on.

use std::fmt::Write as _;

use tether_engine::graph::Graph;

/// Graphviz DOT, edges sorted so the output is stable.
pub fn graph_dot(g: &Graph) -> String {
    let mut s = String::from("digraph tether {\n  rankdir = \"RL\";\n  node [shape = box];\n");
    for ix in &g.order {
        let _ = writeln!(s, "  \"{}\";", g.node(*ix));
    }
    let mut edges: Vec<(String, String)> = g
        .edges()
        .map(|(dependency, dependent)| (g.node(dependency).to_string(), g.node(dependent).to_string()))
        .collect();
    edges.sort();
    edges.dedup();
    for (dependency, dependent) in edges {
        let _ = writeln!(s, "  \"{dependent}\" -> \"{dependency}\";");
    }
    s.push_str("}\n");
    s
}

/// A Mermaid flowchart of the same graph.
pub fn graph_mermaid(g: &Graph) -> String {
    let mut s = String::from("flowchart RL\n");
    let id = |ix: tether_engine::graph::NodeIndex| format!("n{}", ix.index());
    for ix in &g.order {
        let _ = writeln!(s, "  {}[\"{}\"]", id(*ix), g.node(*ix));
    }
    for (dependency, dependent) in g.edges() {
        let _ = writeln!(s, "  {} --> {}", id(dependent), id(dependency));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata;

    #[test]
    fn dot() {
        insta::assert_snapshot!(graph_dot(&testdata::graph()));
    }

    #[test]
    fn mermaid() {
        insta::assert_snapshot!(graph_mermaid(&testdata::graph()));
    }
}
