//! `tether validate`: the stack files alone (syntax, types, attributes, references, cycles,
//! variable declarations), then the whole-stack network checks, with zero API calls.

use tether_engine::diag::{self, Diags};
use tether_engine::plan;
use tether_engine::stack::{self, Inputs, Loaded, Stack};
use tether_render as render;

use crate::cli::{self, ReportFormat};
use crate::session::{self, report, Code, Env};

/// `tether validate`.
pub async fn run(env: &Env, args: &cli::ValidateArgs) -> Code {
    let (mut loaded, mut diags) = session::load(env);
    if let Loaded::Checked(stack) = &mut loaded {
        diags.extend(check_stack(env, stack).await);
    }
    let sources = &loaded.config().sources;
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
