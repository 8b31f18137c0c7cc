//! The `tether` binary: parses the command line, builds the provider registry, runs one
//! command and exits with its code (0 success, 1 error, 2 changes present).

mod cli;
mod commands;
mod session;

use std::io::IsTerminal;
use std::sync::Arc;

use tether_engine::registry::Registry;
use tether_render::Style;
use tether_sdk::Provider;

/// The providers compiled into this binary. The mock provider, whose "cloud" is a JSON file,
/// is enabled by `TETHER_MOCK_CLOUD=<path>` for tests and demos.
fn registry() -> Registry {
    let mut providers: Vec<Arc<dyn Provider>> =
        vec![Arc::new(tether_aws::AwsProvider::new()), Arc::new(tether_onprem::OnpremProvider::new())];
    if let Some(path) = std::env::var_os("TETHER_MOCK_CLOUD") {
        providers.push(Arc::new(tether_sdk::mock::MockProvider::file_backed(path.into())));
    }
    Registry::new(providers)
}

fn main() {
    let cli = match cli::parse(cli::normalize_args(std::env::args())) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            // Help and version are successes; usage errors are errors (exit 1, not clap's 2,
            // which means "changes present" here).
            std::process::exit(if e.use_stderr() { 1 } else { 0 });
        }
    };
    let no_color = cli.no_color || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let style = Style { color: !no_color && std::io::stdout().is_terminal() };
    let env = session::Env { stack_dir: cli.stack.clone(), style, registry: registry() };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    let code = runtime.block_on(async {
        use cli::Command::*;
        match &cli.command {
            Validate(a) => commands::validate::run(&env, a).await,
            Plan(a) => commands::plan::run(&env, a).await,
            Apply(a) => commands::apply::run(&env, a).await,
            Cost(a) => commands::cost::run(&env, a).await,
            Destroy(a) => commands::apply::destroy(&env, a).await,
            Drift(a) => commands::drift::run(&env, a).await,
            Show(a) => commands::show::run(&env, a).await,
            Graph(a) => commands::graph::run(&env, a).await,
            State(c) => commands::state::run(&env, c).await,
            Import(a) => commands::import::run(&env, a).await,
            Output(a) => commands::output::run(&env, a).await,
            Fmt(a) => commands::fmt::run(&env, a).await,
            ForceUnlock(a) => commands::force_unlock::run(&env, a).await,
        }
    });
    // Do not wait for the Ctrl-C listener.
    runtime.shutdown_background();
    std::process::exit(code);
}
