//! What every command shares: the environment, exit codes, diagnostics on stderr, loading the
//! stack and its variables, the state backend and its lock, saved plan files, and asking for
//! approval. Commands call these; nothing here decides what a command does.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tether_engine::addrs::{AddrError, InstanceAddr, Target};
use tether_engine::config::{self, Config};
use tether_engine::diag::{self, Diag, Diags, SourceMap};
use tether_engine::plan::{self, Plan};
use tether_engine::registry::Registry;
use tether_engine::stack::{self, InputFlag, Inputs, Loaded, Stack};
use tether_render::{self as render, Style};
use tether_sdk::Value;
use tether_state::{Backend, LocalBackend, LockGuard, LockInfo, ResourceState, StateError, StateFile};

use crate::cli::{self, VarArgs};

/// Everything a command needs from the environment.
pub struct Env {
    pub stack_dir: PathBuf,
    pub style: Style,
    pub registry: Registry,
}

/// An exit code: 0 success, 1 error, 2 changes present.
pub type Code = i32;

/// Prints diagnostics on stderr, sorted.
pub fn print_diags(env: &Env, diags: &mut Diags, sources: &SourceMap) {
    if diags.is_empty() {
        return;
    }
    diag::sort(diags);
    eprint!("{}", render::diagnostics_human(diags, sources, env.style));
}

/// Prints diagnostics and returns 1 if any is an error.
pub fn report(env: &Env, mut diags: Diags, sources: &SourceMap) -> Code {
    let failed = diag::has_errors(&diags);
    print_diags(env, &mut diags, sources);
    i32::from(failed)
}

/// Prints one diagnostic that has no source location and returns 1.
pub fn error(env: &Env, d: Diag) -> Code {
    report(env, vec![d], &SourceMap::new())
}

/// Reads and checks the stack's files: once per command. The backend, the sources for
/// diagnostics and the checked stack all come from this one load.
pub fn load(env: &Env) -> (Loaded, Diags) {
    stack::load(&env.stack_dir, &env.registry)
}

/// The checked stack and its warnings; when it has errors, prints them with the sources that
/// were read and returns exit code 1.
pub fn checked(env: &Env, loaded: Loaded, diags: Diags) -> Result<(Stack, Diags), Code> {
    match loaded {
        Loaded::Checked(stack) => Ok((stack, diags)),
        Loaded::Unchecked(config) => Err(report(env, diags, &config.sources)),
    }
}

/// Where variable values come from: the environment, then `--var` and `--var-file`.
pub fn inputs(args: &VarArgs) -> Inputs {
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

/// The state backend the stack's `tether { backend "KIND" { ... } }` block selects; without one,
/// the local file `<stack>/.tether/state.json`. Every command finds its backend here. Only the
/// local backend exists so far, so every kind selects it; its `path` is relative to the stack.
pub fn backend(env: &Env, config: &Config) -> Arc<dyn Backend> {
    let settings = config.settings.backend.as_ref().map(|b| &b.settings);
    let path = settings
        .and_then(|s| s.get("path"))
        .map(|p| env.stack_dir.join(p))
        .unwrap_or_else(|| env.stack_dir.join(".tether").join("state.json"));
    Arc::new(LocalBackend::new(path))
}

/// The backend of a command that needs nothing else from the stack (`show`, `state`, `output`,
/// `force-unlock`): the files are parsed, not checked, so these work even when the rest of the
/// stack has errors.
pub fn state_backend(env: &Env) -> Arc<dyn Backend> {
    let (config, _) = config::load_dir(&env.stack_dir);
    backend(env, &config)
}

/// A state error as a diagnostic with a stable code.
pub fn state_diag(e: StateError) -> Diag {
    let code = match e {
        StateError::Locked(_) => "state::locked",
        StateError::Corrupt { .. } | StateError::Invalid { .. } | StateError::UnsupportedVersion { .. } => {
            "state::corrupt"
        }
        _ => "state::error",
    };
    Diag::error(e.to_string()).code(code)
}

/// The stored state; `None` before the first apply.
pub fn read_state(env: &Env, backend: &dyn Backend) -> Result<Option<StateFile>, Code> {
    backend.read().map_err(|e| error(env, state_diag(e)))
}

/// Takes the stack's lock for `operation`, waiting as long as `--lock-timeout` says.
pub fn lock(env: &Env, backend: &dyn Backend, operation: &str, lock: &cli::LockArgs) -> Result<LockGuard, Code> {
    let timeout = cli::parse_duration(&lock.lock_timeout)
        .map_err(|m| error(env, Diag::error(m).code("cli::invalid-duration")))?;
    let guard = backend.lock(LockInfo::new(operation), timeout).map_err(|e| error(env, state_diag(e)))?;
    if let Some(old) = guard.taken_over() {
        let d = Diag::warning(format!(
            "took over lock {} of an earlier {} by {}, whose process (pid {}) is no longer running",
            old.id, old.operation, old.who, old.pid
        ))
        .code("state::lock-taken-over")
        .help("a run on this machine was killed while it held the lock; this run resumes from its journal");
        print_diags(env, &mut vec![d], &SourceMap::new());
    }
    Ok(guard)
}

/// Parses addresses given on the command line (`--target`, `--exclude`, `--allow-replace`, ...).
pub fn parse_targets(env: &Env, list: &[String]) -> Result<Vec<Target>, Code> {
    list.iter().map(|s| Target::parse(s).map_err(|m| invalid_address(env, m))).collect()
}

/// Reports an address that does not parse.
pub fn invalid_address(env: &Env, e: AddrError) -> Code {
    error(env, Diag::error(e.to_string()).code("cli::invalid-address"))
}

/// Parses one resource instance address given on the command line.
pub fn parse_instance(env: &Env, s: &str) -> Result<InstanceAddr, Code> {
    InstanceAddr::parse(s).map_err(|m| invalid_address(env, m))
}

/// Resolves the stack's input variables (no provider is touched), printing warnings, or errors
/// and exit code 1.
pub fn with_variables(
    env: &Env,
    mut stack: Stack,
    mut diags: Diags,
    vars: &VarArgs,
) -> Result<(Stack, BTreeMap<String, Value>), Code> {
    let (variables, var_diags) = stack::resolve_variables(&mut stack, &inputs(vars));
    diags.extend(var_diags);
    if diag::has_errors(&diags) {
        return Err(report(env, diags, &stack.config.sources));
    }
    print_diags(env, &mut diags, &stack.config.sources);
    Ok((stack, variables))
}

/// Saves a plan for `tether apply FILE`. A plan holds the values of sensitive variables and
/// attributes, so the file is readable by its owner only.
pub fn save_plan(path: &Path, p: &Plan) -> std::io::Result<()> {
    let text = serde_json::to_vec(p).map_err(std::io::Error::other)?;
    tether_fs::write_atomic(path, &text, tether_fs::PRIVATE)
}

/// Reads a plan saved by `tether plan --out FILE`.
pub fn load_plan(env: &Env, path: &Path) -> Result<Plan, Code> {
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

/// Asks `what` on the terminal; true only for "yes". Without a terminal there is no one to ask.
pub fn confirm(env: &Env, what: &str) -> bool {
    if !std::io::stdin().is_terminal() {
        return false;
    }
    print!("{}", render::apply::approval_prompt(what, env.style));
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    line.trim() == "yes"
}

/// A recorded resource's attributes with secrets marked (schema and recorded sensitive paths).
pub fn recorded_value(registry: &Registry, r: &ResourceState) -> Value {
    plan::prior_with_marks(Value::from_json(&r.attributes), Some(r), registry, &r.type_name)
}

/// Every resource of `state` with its secrets marked, ready to show.
pub fn recorded<'a>(registry: &Registry, state: &'a StateFile) -> Vec<render::state::RecordedResource<'a>> {
    state
        .resources
        .iter()
        .map(|r| render::state::RecordedResource { state: r, value: recorded_value(registry, r) })
        .collect()
}
