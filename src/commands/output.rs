//! `tether output [NAME]`: output values from state, plain, `--json` or `--raw`.

use tether_engine::diag::{self, Diag};
use tether_render as render;

use crate::cli;
use crate::session::{self, error, read_state, Code, Env};

/// `tether output [NAME]`.
pub async fn run(env: &Env, args: &cli::OutputArgs) -> Code {
    let backend = session::state_backend(env);
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
