//! `tether validate`: the stack files alone (syntax, types, attributes, references, cycles,
//! variable declarations), then the whole-stack network checks, with zero API calls.

use tether_engine::diag::{self, Diags};
use tether_engine::plan;
use tether_engine::stack::{self, Inputs, Stack};
use tether_render as render;

use crate::cli::{self, ReportFormat};
use crate::session::{report, Code, Env};

pub async fn run(env: &Env, args: &cli::ValidateArgs) -> Code {
    let (mut stack, mut diags) = stack::load(&env.stack_dir, &env.registry);
    if let Some(s) = stack.as_mut().filter(|_| !diag::has_errors(&diags)) {
        diags.extend(check_stack(env, s).await);
    }
    let sources = match &stack {
        Some(s) => &s.config.sources,
        None => &tether_engine::config::load_dir(&env.stack_dir).0.sources,
    };
    let failed = diag::has_errors(&diags);
    match args.format {
        ReportFormat::Json => {
            print!("{}", render::json_text(&render::validate_json(&diags, sources)));
            i32::from(failed)
        }
        ReportFormat::Markdown => {
            print!("{}", render::validate_markdown(&diags, sources));
            i32::from(failed)
        }
        ReportFormat::Human => {
            let code = report(env, diags, sources);
            if code == 0 {
                print!("{}", render::validate_success(env.style));
            }
            code
        }
    }
}

/// The checks of `validate` beyond loading: evaluate the stack with the variables that have
/// values (defaults, tfvars files, environment) and run the whole-stack network checks, with
/// zero API calls. A required variable without a value is unknown here, not an error: values
/// that are unknown are skipped, never guessed.
async fn check_stack(env: &Env, stack: &mut Stack) -> Diags {
    let inputs = Inputs { missing_unknown: true, ..Inputs::from_env() };
    let (variables, mut diags) = stack::resolve_variables(stack, &inputs);
    if diag::has_errors(&diags) {
        return diags;
    }
    let checked = plan::check(stack, &env.registry, &variables).await;
    diags.extend(checked.diags);
    diags.extend(checked.needs_values);
    diags
}
