//! Command-line definition (stage one: raw flags). `commands` turns these into engine calls.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "tether",
    version,
    about = "Declarative plan/apply for hybrid Kubernetes networking on AWS",
    long_about = "tether reads a stack (a directory of *.hcl files), plans the changes needed to make the \
                  real infrastructure match it, and applies them in dependency order.\n\n\
                  Exit codes: 0 success (no changes), 1 error, 2 changes present (plan --detailed-exitcode)."
)]
pub struct Cli {
    /// The stack directory.
    #[arg(long, global = true, default_value = ".", value_name = "DIR")]
    pub stack: PathBuf,

    /// Never use colour (also: the NO_COLOR environment variable).
    #[arg(long, global = true)]
    pub no_color: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check the stack files: syntax, types, attributes, references, cycles. No API calls.
    Validate(ValidateArgs),
    /// Show what apply would change.
    Plan(PlanArgs),
    /// Apply a saved plan, or plan and apply.
    Apply(ApplyArgs),
    /// Show the stack's monthly cost as planned: line items, the change against state, and
    /// where every price comes from.
    Cost(CostArgs),
    /// Destroy everything the stack manages.
    Destroy(DestroyArgs),
    /// Compare state with what exists, read-only: changed, deleted and unmanaged objects.
    /// Exit 0: no drift, 2: drift, 1: error.
    Drift(DriftArgs),
    /// Show a saved plan, or the current state.
    Show(ShowArgs),
    /// Print the dependency graph (Graphviz DOT, or Mermaid).
    Graph(GraphArgs),
    /// Inspect and edit state.
    #[command(subcommand)]
    State(StateCommand),
    /// Bring an existing object under management: tether import ADDR ID.
    Import(ImportArgs),
    /// Show output values from state.
    Output(OutputArgs),
    /// Rewrite stack files in the canonical format.
    Fmt(FmtArgs),
    /// Remove a stuck state lock (only when its holder is gone).
    ForceUnlock(ForceUnlockArgs),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Human,
    Json,
    /// For pull-request comments and alerts.
    Markdown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Dot,
    Mermaid,
}

#[derive(Args, Debug, Clone, Default)]
pub struct VarArgs {
    /// Set a variable: --var NAME=VALUE (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Read variables from a file of NAME = VALUE lines (repeatable).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    /// Both kinds, in command-line order (later ones take precedence); filled in by
    /// [`parse`], since clap keeps each kind apart.
    #[arg(skip)]
    pub in_order: Vec<tether_engine::stack::InputFlag>,
}

impl VarArgs {
    /// Records the order of `--var` and `--var-file` as given in `matches` (the subcommand's).
    fn order_from(&mut self, matches: &clap::ArgMatches) {
        let mut flags: Vec<(usize, tether_engine::stack::InputFlag)> = Vec::new();
        if matches.try_contains_id("vars").is_ok() {
            if let (Some(ix), Some(vals)) = (matches.indices_of("vars"), matches.get_many::<String>("vars")) {
                flags.extend(ix.zip(vals).map(|(i, v)| (i, tether_engine::stack::InputFlag::Var(v.clone()))));
            }
        }
        if matches.try_contains_id("var_files").is_ok() {
            if let (Some(ix), Some(vals)) = (matches.indices_of("var_files"), matches.get_many::<PathBuf>("var_files"))
            {
                flags.extend(ix.zip(vals).map(|(i, v)| (i, tether_engine::stack::InputFlag::VarFile(v.clone()))));
            }
        }
        flags.sort_by_key(|(i, _)| *i);
        self.in_order = flags.into_iter().map(|(_, f)| f).collect();
    }
}

/// Parses the command line (after [`normalize_args`]), keeping the order of `--var` and
/// `--var-file` flags, which Terraform users rely on: the later of the two wins.
pub fn parse(args: Vec<String>) -> Result<Cli, clap::Error> {
    use clap::{CommandFactory, FromArgMatches};
    let matches = Cli::command().try_get_matches_from(args)?;
    let mut cli = Cli::from_arg_matches(&matches)?;
    if let Some((_, sub)) = matches.subcommand() {
        match &mut cli.command {
            Command::Plan(a) => a.vars.order_from(sub),
            Command::Apply(a) => a.vars.order_from(sub),
            Command::Cost(a) => a.vars.order_from(sub),
            Command::Destroy(a) => a.vars.order_from(sub),
            Command::Import(a) => a.vars.order_from(sub),
            _ => {}
        }
    }
    Ok(cli)
}

#[derive(Args, Debug, Clone, Default)]
pub struct TargetArgs {
    /// Plan only this resource and what it depends on (repeatable).
    #[arg(long = "target", value_name = "ADDR")]
    pub targets: Vec<String>,
    /// Leave this resource and everything that depends on it unchanged (repeatable).
    #[arg(long = "exclude", value_name = "ADDR")]
    pub excludes: Vec<String>,
}

#[derive(Args, Debug, Clone)]
pub struct LockArgs {
    /// How long to wait for the state lock (e.g. 30s, 5m); fail at once by default.
    #[arg(long = "lock-timeout", value_name = "DURATION", default_value = "0s")]
    pub lock_timeout: String,
}

#[derive(Args, Debug)]
pub struct ValidateArgs {
    #[arg(long, value_enum, default_value = "human")]
    pub format: ReportFormat,
}

#[derive(Args, Debug)]
pub struct PlanArgs {
    #[command(flatten)]
    pub vars: VarArgs,
    #[command(flatten)]
    pub targeting: TargetArgs,
    /// Save the plan to FILE for `tether apply FILE`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit 2 when the plan has changes (0 when none, 1 on error).
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Plan to destroy everything the stack manages.
    #[arg(long)]
    pub destroy: bool,
    /// Skip reading the real objects; plan against recorded state.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub refresh: bool,
    #[arg(long, value_enum, default_value = "human")]
    pub format: ReportFormat,
}

#[derive(Args, Debug)]
pub struct CostArgs {
    #[command(flatten)]
    pub vars: VarArgs,
    /// Skip reading the real objects; price against recorded state.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub refresh: bool,
    #[arg(long, value_enum, default_value = "human")]
    pub format: ReportFormat,
}

#[derive(Args, Debug)]
pub struct ApplyArgs {
    /// A plan saved with `tether plan --out FILE`.
    pub plan_file: Option<PathBuf>,
    #[command(flatten)]
    pub vars: VarArgs,
    #[command(flatten)]
    pub targeting: TargetArgs,
    /// Apply without asking for confirmation.
    #[arg(long)]
    pub auto_approve: bool,
    /// The most operations to run at once.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub parallelism: usize,
    /// Allow the plan to replace or destroy this high-impact object (an EKS cluster, VPN
    /// connection, customer gateway or transit gateway). Repeatable; TYPE.NAME covers every
    /// instance.
    #[arg(long = "allow-replace", value_name = "ADDRESS")]
    pub allow_replace: Vec<String>,
    /// Change nothing in the cloud: record in state what changed outside tether (the same as
    /// `tether drift --accept`).
    #[arg(long, conflicts_with_all = ["plan_file", "allow_replace"])]
    pub refresh_only: bool,
    #[command(flatten)]
    pub lock: LockArgs,
}

#[derive(Args, Debug)]
pub struct DriftArgs {
    #[command(flatten)]
    pub vars: VarArgs,
    #[arg(long, value_enum, default_value = "human")]
    pub format: ReportFormat,
    /// Record what was found into state (changed objects as they are now, deleted ones
    /// removed), under the lock, after showing it.
    #[arg(long)]
    pub accept: bool,
    /// With --accept: do not ask for confirmation.
    #[arg(long)]
    pub auto_approve: bool,
    #[command(flatten)]
    pub lock: LockArgs,
}

#[derive(Args, Debug)]
pub struct DestroyArgs {
    #[command(flatten)]
    pub vars: VarArgs,
    #[command(flatten)]
    pub targeting: TargetArgs,
    #[arg(long)]
    pub auto_approve: bool,
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub parallelism: usize,
    #[command(flatten)]
    pub lock: LockArgs,
}

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// A saved plan; without it, the current state is shown.
    pub plan_file: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "human")]
    pub format: ReportFormat,
}

#[derive(Args, Debug)]
pub struct GraphArgs {
    #[arg(long, value_enum, default_value = "dot")]
    pub format: GraphFormat,
}

#[derive(Subcommand, Debug)]
pub enum StateCommand {
    /// List resource addresses in state.
    List {
        /// Only addresses matching these (config or instance addresses).
        addresses: Vec<String>,
    },
    /// Show one resource's recorded attributes (secrets redacted).
    Show { address: String },
    /// Forget resources without destroying them.
    Rm {
        #[arg(required = true)]
        addresses: Vec<String>,
        #[command(flatten)]
        lock: LockArgs,
    },
    /// Rename a resource in state (after renaming it in the stack).
    Mv {
        source: String,
        destination: String,
        #[command(flatten)]
        lock: LockArgs,
    },
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    pub address: String,
    pub id: String,
    #[command(flatten)]
    pub vars: VarArgs,
    #[command(flatten)]
    pub lock: LockArgs,
}

#[derive(Args, Debug)]
pub struct OutputArgs {
    pub name: Option<String>,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
    /// Print a string output's raw value (for scripts).
    #[arg(long)]
    pub raw: bool,
}

#[derive(Args, Debug)]
pub struct FmtArgs {
    /// Only check: list files that need formatting and exit 1 if any do.
    #[arg(long)]
    pub check: bool,
    /// Show the changes as a diff.
    #[arg(long)]
    pub diff: bool,
    /// Files to format (default: every *.hcl in the stack).
    pub files: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ForceUnlockArgs {
    /// The lock ID printed by the command that found the stack locked.
    pub id: String,
}

/// Accepts Terraform's single-dash spelling of long flags (`-var`, `-var-file`, `-out`,
/// `-auto-approve`, ...) so commands carry over from Terraform habits.
pub fn normalize_args(args: impl IntoIterator<Item = String>) -> Vec<String> {
    const LONG: &[&str] = &[
        "var",
        "var-file",
        "out",
        "target",
        "exclude",
        "auto-approve",
        "parallelism",
        "lock-timeout",
        "detailed-exitcode",
        "destroy",
        "refresh",
        "format",
        "stack",
        "no-color",
        "json",
        "raw",
        "check",
        "diff",
    ];
    args.into_iter()
        .map(|a| {
            if let Some(rest) = a.strip_prefix('-') {
                if !rest.starts_with('-') {
                    let name = rest.split('=').next().unwrap_or(rest);
                    if LONG.contains(&name) {
                        return format!("-{a}");
                    }
                }
            }
            a
        })
        .collect()
}

/// Parses durations like `0`, `500ms`, `30s`, `5m`, `1h`.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = num.parse().map_err(|_| format!("invalid duration {s:?}: use e.g. 30s, 5m or 1h"))?;
    let secs = match unit {
        "" | "s" => n,
        "ms" => return Ok(std::time::Duration::from_millis(n)),
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("invalid duration {s:?}: use e.g. 30s, 5m or 1h")),
    };
    Ok(std::time::Duration::from_secs(secs))
}
