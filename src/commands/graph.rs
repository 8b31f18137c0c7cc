//! `tether graph`: the stack's dependency graph as Graphviz DOT or Mermaid.

use tether_render as render;

use crate::cli;
use crate::session::{self, Code, Env};

/// `tether graph`.
pub async fn run(env: &Env, args: &cli::GraphArgs) -> Code {
    let (loaded, diags) = session::load(env);
    let (stack, _) = match session::checked(env, loaded, diags) {
        Ok(x) => x,
        Err(c) => return c,
    };
    match args.format {
        cli::GraphFormat::Dot => print!("{}", render::graph_dot(&stack.graph)),
        cli::GraphFormat::Mermaid => print!("{}", render::graph_mermaid(&stack.graph)),
    }
    0
}
