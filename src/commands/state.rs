//! `tether state list|show|rm|mv`: inspect state, and edit it by hand (forget an object,
//! follow a rename) without touching the real objects. Edits take the lock.

use tether_engine::addrs::InstanceAddr;
use tether_engine::diag::{self, Diag};
use tether_engine::registry::Registry;
use tether_engine::stack;
use tether_render as render;
use tether_state::{EditError, StateFile};

use crate::cli;
use crate::session::{
    backend, error, invalid_address, lock, parse_instance, parse_targets, read_state, recorded_value, state_diag, Code,
    Env,
};

/// `tether state list|show|rm|mv`.
pub async fn run(env: &Env, cmd: &cli::StateCommand) -> Code {
    let (stack, _) = stack::load(&env.stack_dir, &env.registry);
    let backend = backend(&env.stack_dir, stack.as_ref());
    match cmd {
        cli::StateCommand::List { addresses } => {
            let filters = match parse_targets(env, addresses) {
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
            let filters = match parse_targets(env, addresses) {
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

fn print_resource(registry: &Registry, r: &tether_state::ResourceState) {
    let recorded = render::state::RecordedResource { state: r, value: recorded_value(registry, r) };
    print!("{}", render::state::resource_human(&recorded));
}
