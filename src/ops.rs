//! The commands. Each parses its settings, calls the engine, renders, and returns an exit code;
//! the engine does the work.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use tether_engine::addrs::{InstanceAddr, Target};
use tether_engine::apply::{self, ApplyEvent, ApplyOptions};
use tether_engine::diag::{self, Diag, Diags, SourceMap};
use tether_engine::plan::{self, Plan, PlanOptions};
use tether_engine::registry::Registry;
use tether_engine::stack::{self, InputFlag, Inputs, Stack};
use tether_render::{self as render, Style};
use tether_sdk::Value;
use tether_state::{Backend, EditError, LocalBackend, LockGuard, LockInfo, StateError, StateFile};

use crate::cli::{self, ReportFormat, VarArgs};

/// Everything a command needs from the environment.
pub struct Env {
    pub stack_dir: PathBuf,
    pub style: Style,
    pub registry: Registry,
}

/// An exit code: 0 success, 1 error, 2 changes present.
pub type Code = i32;

fn print_diags(env: &Env, diags: &mut Diags, sources: &SourceMap) {
    if diags.is_empty() {
        return;
    }
    diag::sort(diags);
    eprint!("{}", render::diagnostics_human(diags, sources, env.style));
}

/// Prints diagnostics and returns 1 if any is an error.
fn report(env: &Env, mut diags: Diags, sources: &SourceMap) -> Code {
    let failed = diag::has_errors(&diags);
    print_diags(env, &mut diags, sources);
    i32::from(failed)
}

fn error(env: &Env, d: Diag) -> Code {
    report(env, vec![d], &SourceMap::new())
}

fn load_stack(env: &Env) -> Result<(Stack, Diags), Code> {
    let (stack, diags) = stack::load(&env.stack_dir, &env.registry);
    match stack {
        Some(s) => Ok((s, diags)),
        None => {
            // The stack failed to load; render with whatever sources were read.
            let (config, _) = tether_engine::config::load_dir(&env.stack_dir);
            Err(report(env, diags, &config.sources))
        }
    }
}

fn inputs(args: &VarArgs) -> Inputs {
    let mut inputs = Inputs::from_env();
    // -var and -var-file apply in command-line order: later ones take precedence, as in
    // Terraform. `in_order` holds that order when the arguments came from the command line.
    if args.in_order.len() == args.vars.len() + args.var_files.len() {
        inputs.flags.extend(args.in_order.iter().cloned());
    } else {
        inputs.flags.extend(args.var_files.iter().cloned().map(InputFlag::VarFile));
        inputs.flags.extend(args.vars.iter().cloned().map(InputFlag::Var));
    }
    inputs
}

/// The stack's state backend: `tether { backend "local" { path = "..." } }` or
/// `<stack>/.tether/state.json`. Read from the files directly, so it works even when the rest of
/// the stack does not load.
fn backend(stack_dir: &Path, _stack: Option<&Stack>) -> Arc<dyn Backend> {
    let (config, _) = tether_engine::config::load_dir(stack_dir);
    let path = config
        .settings
        .backend
        .as_ref()
        .and_then(|b| b.settings.get("path"))
        .map(|p| stack_dir.join(p))
        .unwrap_or_else(|| stack_dir.join(".tether").join("state.json"));
    Arc::new(LocalBackend::new(path))
}

fn state_diag(e: StateError) -> Diag {
    let code = match e {
        StateError::Locked(_) => "state::locked",
        StateError::Corrupt { .. } | StateError::Invalid { .. } | StateError::UnsupportedVersion { .. } => {
            "state::corrupt"
        }
        _ => "state::error",
    };
    Diag::error(e.to_string()).code(code)
}

fn read_state(env: &Env, backend: &dyn Backend) -> Result<Option<StateFile>, Code> {
    backend.read().map_err(|e| error(env, state_diag(e)))
}

fn lock(env: &Env, backend: &dyn Backend, operation: &str, lock: &cli::LockArgs) -> Result<LockGuard, Code> {
    let timeout = cli::parse_duration(&lock.lock_timeout)
        .map_err(|m| error(env, Diag::error(m).code("cli::invalid-duration")))?;
    backend.lock(LockInfo::new(operation), timeout).map_err(|e| error(env, state_diag(e)))
}

fn parse_addrs(env: &Env, list: &[String]) -> Result<Vec<Target>, Code> {
    list.iter().map(|s| Target::parse(s).map_err(|m| invalid_address(env, m))).collect()
}

fn invalid_address(env: &Env, e: tether_engine::addrs::AddrError) -> Code {
    error(env, Diag::error(e.to_string()).code("cli::invalid-address"))
}

fn parse_instance(env: &Env, s: &str) -> Result<InstanceAddr, Code> {
    InstanceAddr::parse(s).map_err(|m| invalid_address(env, m))
}

pub async fn validate(env: &Env, args: &cli::ValidateArgs) -> Code {
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

/// Loads the stack and resolves its variables (no provider is touched).
fn load_with_vars(env: &Env, vars: &VarArgs) -> Result<(Stack, std::collections::BTreeMap<String, Value>), Code> {
    let (mut stack, mut diags) = load_stack(env)?;
    let (variables, var_diags) = stack::resolve_variables(&mut stack, &inputs(vars));
    diags.extend(var_diags);
    if diag::has_errors(&diags) {
        return Err(report(env, diags, &stack.config.sources));
    }
    print_diags(env, &mut diags, &stack.config.sources);
    Ok((stack, variables))
}

pub async fn drift(env: &Env, args: &cli::DriftArgs) -> Code {
    run_drift(env, &args.vars, args.format, args.accept, args.auto_approve, &args.lock).await
}

/// `drift`, and `apply --refresh-only` (= `drift --accept`). Detection is read-only and takes
/// no lock; accepting re-reads state under the lock and refuses if it moved on meanwhile.
async fn run_drift(
    env: &Env,
    vars: &VarArgs,
    format: ReportFormat,
    accept: bool,
    auto_approve: bool,
    lock_args: &cli::LockArgs,
) -> Code {
    let backend = backend(&env.stack_dir, None);
    let state = match read_state(env, backend.as_ref()) {
        Ok(Some(s)) => s,
        Ok(None) => {
            print!("{}", render::drift::drift_no_state());
            return 0;
        }
        Err(c) => return c,
    };
    let (stack, variables) = match load_with_vars(env, vars) {
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

/// Loads, resolves inputs and plans. Returns the stack too (apply needs it).
async fn make_plan(
    env: &Env,
    vars: &VarArgs,
    targeting: &cli::TargetArgs,
    destroy: bool,
    refresh: bool,
    state: Option<&StateFile>,
) -> Result<(Stack, Plan), Code> {
    let (mut stack, mut diags) = load_stack(env)?;
    let targets = parse_addrs(env, &targeting.targets)?;
    let excludes = parse_addrs(env, &targeting.excludes)?;
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

pub async fn plan(env: &Env, args: &cli::PlanArgs) -> Code {
    let backend = backend(&env.stack_dir, None);
    let state = match read_state(env, backend.as_ref()) {
        Ok(s) => s,
        Err(c) => return c,
    };
    let (_stack, p) =
        match make_plan(env, &args.vars, &args.targeting, args.destroy, args.refresh, state.as_ref()).await {
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
fn print_plan(p: &Plan, format: ReportFormat, style: Style) {
    match format {
        ReportFormat::Human => print!("{}", render::plan_human(p, style)),
        ReportFormat::Json => print!("{}", render::json_text(&render::plan_json(p))),
        ReportFormat::Markdown => print!("{}", render::plan_markdown(p)),
    }
}

/// `cost`: plans exactly as `plan` does (a stack never applied needs no provider call) and
/// shows the cost part of the plan in detail.
pub async fn cost(env: &Env, args: &cli::CostArgs) -> Code {
    let backend = backend(&env.stack_dir, None);
    let state = match read_state(env, backend.as_ref()) {
        Ok(s) => s,
        Err(c) => return c,
    };
    let targeting = cli::TargetArgs::default();
    let (_stack, p) = match make_plan(env, &args.vars, &targeting, false, args.refresh, state.as_ref()).await {
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

/// Saves a plan for `tether apply FILE`. A plan holds the values of sensitive variables and
/// attributes, so the file is readable by its owner only.
fn save_plan(path: &Path, p: &Plan) -> std::io::Result<()> {
    let text = serde_json::to_vec(p).map_err(std::io::Error::other)?;
    tether_fs::write_atomic(path, &text, tether_fs::PRIVATE)
}

fn load_plan(env: &Env, path: &Path) -> Result<Plan, Code> {
    let bytes = std::fs::read(path).map_err(|e| {
        error(env, Diag::error(format!("cannot read plan file {}: {e}", path.display())).code("plan::read"))
    })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        error(
            env,
            Diag::error(format!("{} is not a tether plan file: {e}", path.display()))
                .code("plan::read")
                .help("save plans with `tether plan --out FILE`"),
        )
    })
}

fn confirm(env: &Env, what: &str) -> bool {
    if !std::io::stdin().is_terminal() {
        return false;
    }
    print!("{}", render::apply::approval_prompt(what, env.style));
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    line.trim() == "yes"
}

/// Prints each apply event as one progress line.
fn printer(style: Style) -> apply::EventSink {
    Arc::new(move |e: ApplyEvent| println!("{}", render::apply::event_line(&e, style)))
}

/// `apply [PLANFILE]` and `destroy`.
pub async fn apply(env: &Env, args: &cli::ApplyArgs) -> Code {
    if args.refresh_only {
        return run_drift(env, &args.vars, ReportFormat::Human, true, args.auto_approve, &args.lock).await;
    }
    let allowed = match parse_addrs(env, &args.allow_replace) {
        Ok(a) => a,
        Err(c) => return c,
    };
    let how = ApplyHow { destroy: false, auto_approve: args.auto_approve, parallelism: args.parallelism, allowed };
    run_apply(env, args.plan_file.as_deref(), &args.vars, &args.targeting, &how, &args.lock).await
}

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
    let backend = backend(&env.stack_dir, None);
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
            let (stack, diags) = match load_stack(env) {
                Ok(x) => x,
                Err(c) => return c,
            };
            print_diags(env, &mut diags.clone(), &stack.config.sources);
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
            let (stack, p) = match make_plan(env, vars, targeting, destroy, true, state.as_ref()).await {
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

pub async fn show(env: &Env, args: &cli::ShowArgs) -> Code {
    if let Some(path) = &args.plan_file {
        let p = match load_plan(env, path) {
            Ok(p) => p,
            Err(c) => return c,
        };
        if args.format == ReportFormat::Human {
            for w in &p.warnings {
                println!("{w}");
            }
        }
        print_plan(&p, args.format, env.style);
        return 0;
    }
    let (stack, _) = stack::load(&env.stack_dir, &env.registry);
    let backend = backend(&env.stack_dir, stack.as_ref());
    let state = match read_state(env, backend.as_ref()) {
        Ok(Some(s)) => s,
        Ok(None) => {
            print!("{}", render::state::state_none());
            return 0;
        }
        Err(c) => return c,
    };
    let values: Vec<Value> = state.resources.iter().map(|r| recorded_value(&env.registry, r)).collect();
    let resources: Vec<render::state::RecordedResource> = state
        .resources
        .iter()
        .zip(values)
        .map(|(state, value)| render::state::RecordedResource { state, value })
        .collect();
    match args.format {
        ReportFormat::Json => print!("{}", render::json_text(&render::state::state_json(&resources, &state))),
        ReportFormat::Human | ReportFormat::Markdown => print!("{}", render::state::state_human(&resources, &state)),
    }
    0
}

/// A recorded resource's attributes with secrets marked (schema and recorded sensitive paths).
fn recorded_value(registry: &Registry, r: &tether_state::ResourceState) -> Value {
    plan::prior_with_marks(Value::from_json(&r.attributes), Some(r), registry, &r.type_name)
}

fn print_resource(registry: &Registry, r: &tether_state::ResourceState) {
    let recorded = render::state::RecordedResource { state: r, value: recorded_value(registry, r) };
    print!("{}", render::state::resource_human(&recorded));
}

pub async fn graph(env: &Env, args: &cli::GraphArgs) -> Code {
    let (stack, _) = match load_stack(env) {
        Ok(x) => x,
        Err(c) => return c,
    };
    match args.format {
        cli::GraphFormat::Dot => print!("{}", render::graph_dot(&stack.graph)),
        cli::GraphFormat::Mermaid => print!("{}", render::graph_mermaid(&stack.graph)),
    }
    0
}

pub async fn state(env: &Env, cmd: &cli::StateCommand) -> Code {
    let (stack, _) = stack::load(&env.stack_dir, &env.registry);
    let backend = backend(&env.stack_dir, stack.as_ref());
    match cmd {
        cli::StateCommand::List { addresses } => {
            let filters = match parse_addrs(env, addresses) {
                Ok(f) => f,
                Err(c) => return c,
            };
            let state = match read_state(env, backend.as_ref()) {
                Ok(s) => s.unwrap_or_default(),
                Err(c) => return c,
            };
            let listed =
                state.resources.iter().filter(|r| filters.is_empty() || filters.iter().any(|f| f.matches(&r.address)));
            print!("{}", render::state::state_list(listed));
            0
        }
        cli::StateCommand::Show { address } => {
            let state = match read_state(env, backend.as_ref()) {
                Ok(s) => s.unwrap_or_default(),
                Err(c) => return c,
            };
            let addr = match parse_instance(env, address) {
                Ok(a) => a,
                Err(c) => return c,
            };
            match state.resource(&addr) {
                Some(r) => {
                    print_resource(&env.registry, r);
                    0
                }
                None => error(env, missing_in_state(address, &state)),
            }
        }
        cli::StateCommand::Rm { addresses, lock: l } => {
            let filters = match parse_addrs(env, addresses) {
                Ok(f) => f,
                Err(c) => return c,
            };
            let guard = match lock(env, backend.as_ref(), "state rm", l) {
                Ok(g) => g,
                Err(c) => return c,
            };
            let mut state = match read_state(env, backend.as_ref()) {
                Ok(s) => s.unwrap_or_default(),
                Err(c) => return c,
            };
            let removed = match state.remove_matching(&filters) {
                Ok(r) => r,
                Err(e) => return error(env, edit_diag(e, &state)),
            };
            state.serial += 1;
            if let Err(e) = backend.write(&state) {
                return error(env, state_diag(e));
            }
            drop(guard);
            print!("{}", render::state::removed(&removed));
            0
        }
        cli::StateCommand::Mv { source, destination, lock: l } => {
            let (src, dst) = match (InstanceAddr::parse(source), InstanceAddr::parse(destination)) {
                (Ok(s), Ok(d)) => (s, d),
                (Err(m), _) | (_, Err(m)) => return invalid_address(env, m),
            };
            // A move to another type is refused before the lock is taken.
            if let Err(e) = tether_state::edit::check_move(&src, &dst) {
                return error(env, edit_diag(e, &StateFile::default()));
            }
            let guard = match lock(env, backend.as_ref(), "state mv", l) {
                Ok(g) => g,
                Err(c) => return c,
            };
            let mut state = match read_state(env, backend.as_ref()) {
                Ok(s) => s.unwrap_or_default(),
                Err(c) => return c,
            };
            if let Err(e) = state.move_resource(&src, &dst) {
                return error(env, edit_diag(e, &state));
            }
            state.serial += 1;
            if let Err(e) = backend.write(&state) {
                return error(env, state_diag(e));
            }
            drop(guard);
            print!("{}", render::state::moved(&src, &dst));
            0
        }
    }
}

/// A refused state edit as a diagnostic: what was wrong, and what to do instead.
fn edit_diag(e: EditError, state: &StateFile) -> Diag {
    match e {
        EditError::NotFound { address } => missing_in_state(&address, state),
        EditError::TypeMismatch { .. } => Diag::error(e.to_string())
            .code("state::mv-type")
            .help("state mv renames a resource; it cannot change its type"),
        EditError::DestinationExists { .. } => {
            Diag::error(e.to_string()).code("state::mv-exists").help("remove or move that resource first")
        }
    }
}

fn missing_in_state(address: &str, state: &StateFile) -> Diag {
    let all: Vec<String> = state.resources.iter().map(|r| r.address.to_string()).collect();
    let d = Diag::error(format!("no resource {address} in state")).code("state::not-found");
    match diag::did_you_mean(address, all.iter().map(String::as_str)) {
        Some(s) => d.help(format!("did you mean {s}?")),
        None => d.help("list what state holds with `tether state list`"),
    }
}

pub async fn import(env: &Env, args: &cli::ImportArgs) -> Code {
    let addr = match InstanceAddr::parse(&args.address) {
        Ok(a) => a,
        Err(m) => return invalid_address(env, m),
    };
    let (mut stack, diags) = match load_stack(env) {
        Ok(x) => x,
        Err(c) => return c,
    };
    if let Err(d) = tether_engine::import::declared(&stack, &addr) {
        return report(env, vec![d], &stack.config.sources);
    }
    let (variables, var_diags) = stack::resolve_variables(&mut stack, &inputs(&args.vars));
    if diag::has_errors(&var_diags) {
        return report(env, var_diags, &stack.config.sources);
    }
    let backend = backend(&env.stack_dir, Some(&stack));
    let guard = match lock(env, backend.as_ref(), "import", &args.lock) {
        Ok(g) => g,
        Err(c) => return c,
    };
    let mut state = match read_state(env, backend.as_ref()) {
        Ok(s) => s.unwrap_or_default(),
        Err(c) => return c,
    };
    let imported = match tether_engine::import::import(&stack, &env.registry, &variables, &state, &addr, &args.id).await
    {
        Ok(r) => r,
        Err(ds) => return report(env, ds, &stack.config.sources),
    };
    state.upsert_resource(imported);
    state.serial += 1;
    if let Err(e) = backend.write(&state) {
        return error(env, state_diag(e));
    }
    drop(guard);
    print_diags(env, &mut diags.clone(), &stack.config.sources);
    print!("{}", render::state::imported(&args.id, &addr));
    0
}

pub async fn output(env: &Env, args: &cli::OutputArgs) -> Code {
    let (stack, _) = stack::load(&env.stack_dir, &env.registry);
    let backend = backend(&env.stack_dir, stack.as_ref());
    let state = match read_state(env, backend.as_ref()) {
        Ok(s) => s.unwrap_or_default(),
        Err(c) => return c,
    };
    match &args.name {
        Some(name) => {
            let Some(o) = state.outputs.get(name) else {
                let d = Diag::error(format!("no output named {name:?}")).code("output::not-found");
                let d = match diag::did_you_mean(name, state.outputs.keys().map(String::as_str)) {
                    Some(s) => d.help(format!("did you mean {s}?")),
                    None => d.help("outputs are recorded by apply; list them with `tether output`"),
                };
                return error(env, d);
            };
            // Naming a sensitive output explicitly, in a raw or JSON form for scripts, shows it.
            if args.raw {
                match render::output::output_raw(o) {
                    Some(text) => println!("{text}"),
                    None => {
                        return error(
                            env,
                            Diag::error(format!("output {name:?} is not a string, number or bool")).help("use --json"),
                        )
                    }
                }
            } else if args.json {
                print!("{}", render::json_text(&render::output::output_json(o)));
            } else {
                println!("{}", render::output::output_human(o));
            }
            0
        }
        None => {
            if args.json {
                print!("{}", render::json_text(&render::output::outputs_json(&state.outputs)));
            } else {
                print!("{}", render::output::outputs_human(&state.outputs));
            }
            0
        }
    }
}

pub async fn fmt(env: &Env, args: &cli::FmtArgs) -> Code {
    let files: Vec<PathBuf> = if args.files.is_empty() {
        let mut v: Vec<PathBuf> = match std::fs::read_dir(&env.stack_dir) {
            Ok(rd) => rd.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "hcl")).collect(),
            Err(e) => {
                return error(
                    env,
                    Diag::error(format!("cannot read {}: {e}", env.stack_dir.display())).code("fmt::read"),
                )
            }
        };
        v.sort();
        v
    } else {
        args.files.clone()
    };
    let mut code = 0;
    let mut sources = SourceMap::new();
    let mut diags = Vec::new();
    for path in files {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                diags.push(Diag::error(format!("cannot read {}: {e}", path.display())).code("fmt::read"));
                continue;
            }
        };
        let formatted = match tether_engine::fmt::format_source(&text) {
            Ok(f) => f,
            Err(e) => {
                let file = sources.add(&path, text.as_str());
                diags.push(
                    Diag::error(format!("cannot format: {}", e.message))
                        .code("parse::syntax")
                        .label(tether_engine::diag::Span::new(file, e.offset..e.offset), "here")
                        .help("fix the syntax error, then run tether fmt again"),
                );
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        println!("{}", path.display());
        if args.diff {
            print!("{}", tether_engine::fmt::unified_diff(&path.display().to_string(), &text, &formatted));
        }
        if args.check {
            code = 1;
        } else if let Err(e) = rewrite(&path, &formatted) {
            diags.push(Diag::error(format!("cannot write {}: {e}", path.display())).code("fmt::write"));
        }
    }
    if !diags.is_empty() {
        return report(env, diags, &sources).max(code);
    }
    code
}

/// Rewrites a stack file in place, keeping its permissions.
fn rewrite(path: &Path, text: &str) -> std::io::Result<()> {
    let mode = file_mode(path).unwrap_or(tether_fs::PUBLIC);
    tether_fs::write_atomic(path, text.as_bytes(), mode)
}

#[cfg(unix)]
fn file_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).ok().map(|m| m.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn file_mode(_path: &Path) -> Option<u32> {
    None
}

pub async fn force_unlock(env: &Env, args: &cli::ForceUnlockArgs) -> Code {
    let (stack, _) = stack::load(&env.stack_dir, &env.registry);
    let backend = backend(&env.stack_dir, stack.as_ref());
    match backend.force_unlock(&args.id) {
        Ok(info) => {
            print!("{}", render::state::lock_released(&info));
            0
        }
        Err(e) => error(env, state_diag(e)),
    }
}
