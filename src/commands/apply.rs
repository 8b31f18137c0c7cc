//! `tether apply [PLANFILE]` and `tether destroy`: plan (or read a saved plan and check it is
//! still fresh), ask, and walk the changes with a progress line per operation. The lock is held
//! from before state is read until the walk ends; state is written after every operation.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use tether_engine::addrs::Target;
use tether_engine::apply::{self, ApplyEvent, ApplyOptions};
use tether_engine::diag::{self, Diag, SourceMap};
use tether_engine::plan::Plan;
use tether_render::{self as render, Style};

use crate::cli::{self, ReportFormat, VarArgs};
use crate::commands::drift;
use crate::commands::plan::make_plan;
use crate::session::{
    self, confirm, error, load_plan, lock, parse_targets, print_diags, read_state, report, Code, Env,
};

/// Prints each apply event as one progress line.
fn printer(style: Style) -> apply::EventSink {
    Arc::new(move |e: ApplyEvent| println!("{}", render::apply::event_line(&e, style)))
}

/// `tether apply [PLANFILE]` (and `apply --refresh-only`, which is `drift --accept`).
pub async fn run(env: &Env, args: &cli::ApplyArgs) -> Code {
    if args.refresh_only {
        return drift::detect_and_accept(env, &args.vars, ReportFormat::Human, true, args.auto_approve, &args.lock)
            .await;
    }
    let allowed = match parse_targets(env, &args.allow_replace) {
        Ok(a) => a,
        Err(c) => return c,
    };
    let how = ApplyHow { destroy: false, auto_approve: args.auto_approve, parallelism: args.parallelism, allowed };
    run_apply(env, args.plan_file.as_deref(), &args.vars, &args.targeting, &how, &args.lock).await
}

/// `tether destroy`: a plan to destroy everything the stack manages, applied.
pub async fn destroy(env: &Env, args: &cli::DestroyArgs) -> Code {
    let how =
        ApplyHow { destroy: true, auto_approve: args.auto_approve, parallelism: args.parallelism, allowed: Vec::new() };
    run_apply(env, None, &args.vars, &args.targeting, &how, &args.lock).await
}

/// The options of `apply` and `destroy` that are not about loading the stack.
struct ApplyHow {
    destroy: bool,
    auto_approve: bool,
    parallelism: usize,
    /// `--allow-replace`: high-impact instances the plan may replace or destroy.
    allowed: Vec<Target>,
}

/// Refuses a plan with high-impact changes that `--allow-replace` does not name; prints the
/// warnings either way.
fn guard_high_impact(env: &Env, plan: &Plan, how: &ApplyHow, sources: &SourceMap) -> Result<(), Code> {
    let mut diags = apply::check_allowed_replacements(plan, &how.allowed);
    if diag::has_errors(&diags) {
        return Err(report(env, diags, sources));
    }
    print_diags(env, &mut diags, sources);
    Ok(())
}

/// Both commands: load, lock, read state, then a saved plan checked for freshness or a new
/// plan approved by the user, then the walk and its summary. The lock is released on every path.
async fn run_apply(
    env: &Env,
    plan_file: Option<&Path>,
    vars: &VarArgs,
    targeting: &cli::TargetArgs,
    how: &ApplyHow,
    lock_args: &cli::LockArgs,
) -> Code {
    let destroy = how.destroy;
    let saved = match plan_file {
        Some(path) => match load_plan(env, path) {
            Ok(p) => Some(p),
            Err(c) => return c,
        },
        None => None,
    };
    let (loaded, diags) = session::load(env);
    let backend = session::backend(env, loaded.config());
    let guard = match lock(env, backend.as_ref(), if destroy { "destroy" } else { "apply" }, lock_args) {
        Ok(g) => g,
        Err(c) => return c,
    };
    let state = match read_state(env, backend.as_ref()) {
        Ok(s) => s,
        Err(c) => return c,
    };
    let (stack, the_plan) = match saved {
        Some(p) => {
            let (stack, mut diags) = match session::checked(env, loaded, diags) {
                Ok(x) => x,
                Err(c) => return c,
            };
            print_diags(env, &mut diags, &stack.config.sources);
            // Refuse a stale plan before any provider is touched; the lock is released on return.
            if let Err(d) = apply::check_fresh(&p, &stack, state.as_ref()) {
                return report(env, vec![d], &stack.config.sources);
            }
            if let Err(c) = guard_high_impact(env, &p, how, &stack.config.sources) {
                return c;
            }
            (stack, p)
        }
        None => {
            let (stack, p) = match make_plan(env, (loaded, diags), vars, targeting, destroy, true, state.as_ref()).await
            {
                Ok(x) => x,
                Err(c) => return c,
            };
            print!("{}", render::plan_human(&p, env.style));
            if !p.has_changes() {
                drop(guard);
                return 0;
            }
            if let Err(c) = guard_high_impact(env, &p, how, &stack.config.sources) {
                return c;
            }
            if !how.auto_approve {
                let question = if destroy {
                    "Do you really want to destroy all resources?"
                } else {
                    "Do you want to perform these actions?"
                };
                if !std::io::stdin().is_terminal() {
                    return error(
                        env,
                        Diag::error("apply needs approval, but there is no terminal to ask on")
                            .code("apply::not-approved")
                            .help("pass --auto-approve, or apply a reviewed plan: tether plan --out plan.tfplan && tether apply plan.tfplan"),
                    );
                }
                if !confirm(env, question) {
                    println!("\nApply cancelled.");
                    return 1;
                }
            }
            (stack, p)
        }
    };
    let opts = ApplyOptions { parallelism: how.parallelism.max(1), ..ApplyOptions::default() };
    let stop = opts.stop.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("{}", render::apply::INTERRUPTED);
            stop.store(true, Ordering::SeqCst);
        }
    });
    println!();
    let outcome = apply::apply(&stack, &env.registry, &the_plan, backend.clone(), &opts, printer(env.style)).await;
    let code = match outcome {
        Err(diags) => report(env, diags, &stack.config.sources),
        Ok(outcome) => {
            print!("{}", render::apply::summary(&outcome, destroy, env.style));
            if outcome.failures.is_empty() {
                0
            } else {
                let mut failures = outcome.failures;
                print_diags(env, &mut failures, &stack.config.sources);
                1
            }
        }
    };
    if let Err(e) = guard.release() {
        eprintln!("warning: {e}");
    }
    code
}
