//! `tether plan`: what apply would change, in the chosen format, optionally saved for
//! `tether apply FILE`. Never changes anything: no provider call but reads, no state write.
//! `cost` and `apply` plan the same way, through [`make_plan`].

use tether_engine::diag::{self, Diag, Diags};
use tether_engine::plan::{self, Plan, PlanOptions};
use tether_engine::stack::{self, Loaded, Stack};
use tether_render::{self as render, Style};
use tether_state::StateFile;

use crate::cli::{self, ReportFormat, VarArgs};
use crate::session::{self, error, inputs, parse_targets, print_diags, read_state, report, save_plan, Code, Env};

/// Checks the loaded stack, resolves its inputs and plans, printing warnings (or errors, with
/// exit code 1). Returns the stack too: apply walks it.
pub async fn make_plan(
    env: &Env,
    (loaded, diags): (Loaded, Diags),
    vars: &VarArgs,
    targeting: &cli::TargetArgs,
    destroy: bool,
    refresh: bool,
    state: Option<&StateFile>,
) -> Result<(Stack, Plan), Code> {
    let (mut stack, mut diags) = session::checked(env, loaded, diags)?;
    let targets = parse_targets(env, &targeting.targets)?;
    let excludes = parse_targets(env, &targeting.excludes)?;
    let (variables, var_diags) = stack::resolve_variables(&mut stack, &inputs(vars));
    diags.extend(var_diags);
    if diag::has_errors(&diags) {
        return Err(report(env, diags, &stack.config.sources));
    }
    let opts = PlanOptions { destroy, targets, excludes, skip_refresh: !refresh };
    match plan::plan(&stack, &env.registry, state, variables, &opts).await {
        Ok((mut p, warnings)) => {
            diags.extend(warnings);
            p.warnings = diags.iter().map(|d| render::diagnostic_line(d, &stack.config.sources)).collect();
            print_diags(env, &mut diags, &stack.config.sources);
            Ok((stack, p))
        }
        Err(errs) => {
            diags.extend(errs);
            Err(report(env, diags, &stack.config.sources))
        }
    }
}

/// `tether plan`.
pub async fn run(env: &Env, args: &cli::PlanArgs) -> Code {
    let (loaded, diags) = session::load(env);
    let backend = session::backend(env, loaded.config());
    let state = match read_state(env, backend.as_ref()) {
        Ok(s) => s,
        Err(c) => return c,
    };
    let (_stack, p) =
        match make_plan(env, (loaded, diags), &args.vars, &args.targeting, args.destroy, args.refresh, state.as_ref())
            .await
        {
            Ok(x) => x,
            Err(c) => return c,
        };
    print_plan(&p, args.format, env.style);
    if let Some(out) = &args.out {
        if let Err(e) = save_plan(out, &p) {
            return error(
                env,
                Diag::error(format!("cannot save the plan to {}: {e}", out.display())).code("plan::save"),
            );
        }
        if args.format == ReportFormat::Human {
            print!("{}", render::plan::human::saved_human(out));
        }
    }
    if args.detailed_exitcode && p.has_changes() {
        2
    } else {
        0
    }
}

/// A plan in the chosen report format, on stdout.
pub fn print_plan(p: &Plan, format: ReportFormat, style: Style) {
    match format {
        ReportFormat::Human => print!("{}", render::plan_human(p, style)),
        ReportFormat::Json => print!("{}", render::json_text(&render::plan_json(p))),
        ReportFormat::Markdown => print!("{}", render::plan_markdown(p)),
    }
}
