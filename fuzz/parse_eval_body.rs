//! The body of the `parse_eval` fuzz target, shared (by `#[path]`) between the cargo-fuzz target
//! `fuzz/fuzz_targets/parse_eval.rs` and the stable smoke test `tests/fuzz_smoke.rs`.
//!
//! It runs arbitrary bytes through everything `validate` and `plan` do with a stack, short of the
//! CLI: load (1 to 3 files), render the diagnostics, check schemas, build the graph, evaluate
//! every local and output (and resource attribute) in an almost empty scope, resolve variables,
//! and plan against the in-memory mock provider. Whatever the input, none of it may panic.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tether_engine::config::{self, AttrExpr, Config};
use tether_engine::diag::{has_errors, Diag};
use tether_engine::registry::Registry;
use tether_engine::scope::Scope;
use tether_engine::stack::{self, Inputs, Stack};
use tether_engine::{graph, plan};
use tether_render::{self as render, Style};
use tether_sdk::Provider;

/// Inputs larger than this are skipped: the point is malformed structure, not size.
pub const MAX_INPUT: usize = 16 * 1024;

/// Separates the pseudo files of one input (not valid UTF-8, so never part of a real file).
pub const FILE_SEPARATOR: u8 = 0xff;

/// Splits an input into one to three `*.hcl` files at `FILE_SEPARATOR` bytes (further separators
/// stay in the last file). Invalid UTF-8 is replaced, as a loader reading text would see it.
pub fn split_files(data: &[u8]) -> Vec<(PathBuf, String)> {
    data.splitn(3, |b| *b == FILE_SEPARATOR)
        .enumerate()
        .map(|(i, part)| (PathBuf::from(format!("f{i}.hcl")), String::from_utf8_lossy(part).into_owned()))
        .collect()
}

/// Runs one input through the engine. Panics only if the engine does.
pub fn parse_eval(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    let files = split_files(data);
    let (config, diags) = config::load_sources(files);
    render_all(&diags, &config);
    if has_errors(&diags) {
        return;
    }

    let registry = Registry::new(vec![Arc::new(tether_sdk::mock::MockProvider::in_memory()) as Arc<dyn Provider>]);
    let known = registry.known_types();
    let diags = config::validate_schema(&config, &|name| registry.schema_ref(name), &known);
    render_all(&diags, &config);
    if has_errors(&diags) {
        return;
    }

    let graph = match graph::build(&config) {
        Ok(g) => g,
        Err(diags) => {
            render_all(&diags, &config);
            return;
        }
    };
    let _ = render::graph_dot(&graph);
    let _ = render::graph_mermaid(&graph);

    // Every expression on its own, in a scope with nothing declared: errors, never panics.
    let dir = Path::new("/nonexistent/tether-fuzz");
    let empty = Scope::new(dir);
    let mut diags = Vec::new();
    let mut eval = |a: &AttrExpr| {
        if let Err(d) = empty.eval(&a.expr, a.span.file) {
            diags.push(d);
        }
    };
    for l in &config.locals {
        eval(&l.attr);
    }
    for o in &config.outputs {
        eval(&o.value);
    }
    for r in &config.resources {
        r.body.attributes.iter().chain(r.count.as_ref()).chain(r.for_each.as_ref()).for_each(&mut eval);
    }
    for v in &config.variables {
        v.default.iter().chain(v.validations.iter().flat_map(|v| [&v.condition, &v.error_message])).for_each(&mut eval);
    }
    render_all(&diags, &config);

    // Then as `plan` does it: variables, then the walk in graph order.
    let mut stack = Stack { dir: dir.to_path_buf(), config, graph, hash: String::new() };
    let (variables, diags) = stack::resolve_variables(&mut stack, &Inputs::default());
    render_all(&diags, &stack.config);
    if has_errors(&diags) {
        return;
    }
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
    let result = runtime.block_on(plan::plan(&stack, &registry, None, variables, &plan::PlanOptions::default()));
    match result {
        Ok((p, warnings)) => {
            render_all(&warnings, &stack.config);
            let _ = render::plan_human(&p, Style::PLAIN);
            let _ = render::plan_json(&p);
        }
        Err(diags) => render_all(&diags, &stack.config),
    }
}

/// Renders diagnostics every way the CLI does (spans must be valid for the sources).
fn render_all(diags: &[Diag], config: &Config) {
    if diags.is_empty() {
        return;
    }
    let mut sorted = diags.to_vec();
    tether_engine::diag::sort(&mut sorted);
    let _ = render::diagnostics_human(&sorted, &config.sources, Style::PLAIN);
    let _ = render::diagnostics_json(&sorted, &config.sources);
    for d in &sorted {
        let _ = render::diagnostic_line(d, &config.sources);
    }
}
