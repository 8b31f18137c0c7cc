//! `tether show [PLANFILE]`: a saved plan as it was reviewed (with its warnings), or what state
//! records, secrets hidden.

use tether_render as render;

use crate::cli::{self, ReportFormat};
use crate::commands::plan::print_plan;
use crate::session::{self, load_plan, read_state, recorded, Code, Env};

/// `tether show [PLANFILE]`.
pub async fn run(env: &Env, args: &cli::ShowArgs) -> Code {
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
    let backend = session::state_backend(env);
    let state = match read_state(env, backend.as_ref()) {
        Ok(Some(s)) => s,
        Ok(None) => {
            print!("{}", render::state::state_none());
            return 0;
        }
        Err(c) => return c,
    };
    let resources = recorded(&env.registry, &state);
    match args.format {
        ReportFormat::Json => print!("{}", render::json_text(&render::state::state_json(&resources, &state))),
        ReportFormat::Human | ReportFormat::Markdown => print!("{}", render::state::state_human(&resources, &state)),
    }
    0
}
