//! `tether cost`: the stack's monthly cost as planned, with line items, the change against
//! state and where every price comes from.

use tether_engine::diag::Diag;
use tether_render as render;

use crate::cli::{self, ReportFormat};
use crate::commands::plan::make_plan;
use crate::session::{self, error, read_state, Code, Env};

/// `cost`: plans exactly as `plan` does (a stack never applied needs no provider call) and
/// shows the cost part of the plan in detail.
pub async fn run(env: &Env, args: &cli::CostArgs) -> Code {
    let (loaded, diags) = session::load(env);
    let backend = session::backend(env, loaded.config());
    let state = match read_state(env, backend.as_ref()) {
        Ok(s) => s,
        Err(c) => return c,
    };
    let targeting = cli::TargetArgs::default();
    let (_stack, p) =
        match make_plan(env, (loaded, diags), &args.vars, &targeting, false, args.refresh, state.as_ref()).await {
            Ok(x) => x,
            Err(c) => return c,
        };
    let Some(cost) = p.cost else {
        return error(env, Diag::error("the plan has no cost estimate").code("cost::missing"));
    };
    match args.format {
        ReportFormat::Human => print!("{}", render::cost_human(&cost, env.style)),
        ReportFormat::Json => print!("{}", render::json_text(&render::cost_json(&cost))),
        ReportFormat::Markdown => print!("{}", render::cost_markdown(&cost)),
    }
    0
}
