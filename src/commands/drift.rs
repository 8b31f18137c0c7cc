//! `tether drift`: what changed outside tether since the last apply, read-only; `--accept`
//! (and `apply --refresh-only`) records it in state under the lock.

use std::io::IsTerminal;

use tether_engine::diag::Diag;
use tether_render as render;

use crate::cli::{self, ReportFormat, VarArgs};
use crate::session::{self, confirm, error, lock, read_state, report, state_diag, Code, Env};

/// `tether drift`.
pub async fn run(env: &Env, args: &cli::DriftArgs) -> Code {
    detect_and_accept(env, &args.vars, args.format, args.accept, args.auto_approve, &args.lock).await
}

/// `drift`, and `apply --refresh-only` (= `drift --accept`). Detection is read-only and takes
/// no lock; accepting re-reads state under the lock and refuses if it moved on meanwhile.
pub async fn detect_and_accept(
    env: &Env,
    vars: &VarArgs,
    format: ReportFormat,
    accept: bool,
    auto_approve: bool,
    lock_args: &cli::LockArgs,
) -> Code {
    let (loaded, diags) = session::load(env);
    let backend = session::backend(env, loaded.config());
    let state = match read_state(env, backend.as_ref()) {
        Ok(Some(s)) => s,
        Ok(None) => {
            print!("{}", render::drift::drift_no_state());
            return 0;
        }
        Err(c) => return c,
    };
    let (stack, variables) = match session::checked(env, loaded, diags)
        .and_then(|(stack, diags)| session::with_variables(env, stack, diags, vars))
    {
        Ok(x) => x,
        Err(c) => return c,
    };
    let found = match tether_engine::drift::detect(&stack, &env.registry, &state, &variables).await {
        Ok(r) => r,
        Err(diags) => return report(env, diags, &stack.config.sources),
    };
    match format {
        ReportFormat::Human => print!("{}", render::drift_human(&found, env.style)),
        ReportFormat::Json => print!("{}", render::json_text(&render::drift_json(&found))),
        ReportFormat::Markdown => print!("{}", render::drift_markdown(&found)),
    }
    if !found.has_drift() {
        return 0;
    }
    if !accept {
        return 2;
    }
    if found.resources.is_empty() {
        print!("{}", render::drift::drift_nothing_to_record());
        return 0;
    }
    if !auto_approve {
        if !std::io::stdin().is_terminal() {
            return error(
                env,
                Diag::error("recording drift needs approval, but there is no terminal to ask on")
                    .code("drift::not-approved")
                    .help("review the report above, then pass --auto-approve"),
            );
        }
        if !confirm(env, "Record these changes in state? Nothing in the cloud is changed.") {
            println!("\nNothing recorded.");
            return 1;
        }
    }
    let guard = match lock(env, backend.as_ref(), "drift --accept", lock_args) {
        Ok(g) => g,
        Err(c) => return c,
    };
    let mut state = match read_state(env, backend.as_ref()) {
        Ok(Some(s)) => s,
        Ok(None) => return error(env, Diag::error("the state disappeared while drift was being detected")),
        Err(c) => return c,
    };
    let (updated, removed) = match tether_engine::drift::accept(&mut state, &found) {
        Ok(n) => n,
        Err(d) => return error(env, d),
    };
    state.serial += 1;
    if let Err(e) = backend.write(&state) {
        return error(env, state_diag(e));
    }
    if let Err(e) = guard.release() {
        eprintln!("warning: {e}");
    }
    print!("{}", render::drift::drift_accepted(updated, removed));
    0
}
