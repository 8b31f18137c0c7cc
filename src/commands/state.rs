//! `tether state list|show|rm|mv`: inspect state, and edit it by hand (forget an object,
//! follow a rename) without touching the real objects. Edits take the lock; the edits
//! themselves are `StateFile` operations of the state crate.

use std::sync::Arc;

use tether_engine::addrs::InstanceAddr;
use tether_engine::diag::{self, Diag};
use tether_render as render;
use tether_state::{Backend, EditError, StateFile};

use crate::cli::{self, StateCommand};
use crate::session::{
    self, error, invalid_address, lock, parse_instance, parse_targets, read_state, recorded_value, state_diag, Code,
    Env,
};

/// `tether state list|show|rm|mv`.
pub async fn run(env: &Env, cmd: &StateCommand) -> Code {
    let backend = session::state_backend(env);
    let done = match cmd {
        StateCommand::List { addresses } => list(env, &backend, addresses),
        StateCommand::Show { address } => show(env, &backend, address),
        StateCommand::Rm { addresses, lock } => rm(env, &backend, addresses, lock),
        StateCommand::Mv { source, destination, lock } => mv(env, &backend, source, destination, lock),
    };
    match done {
        Ok(()) => 0,
        Err(code) => code,
    }
}

/// `state list [ADDRESS...]`: every address in state, or those the filters match.
fn list(env: &Env, backend: &Arc<dyn Backend>, addresses: &[String]) -> Result<(), Code> {
    let filters = parse_targets(env, addresses)?;
    let state = read_state(env, backend.as_ref())?.unwrap_or_default();
    let listed = state.resources.iter().filter(|r| filters.is_empty() || filters.iter().any(|f| f.matches(&r.address)));
    print!("{}", render::state::state_list(listed));
    Ok(())
}

/// `state show ADDRESS`: one resource's recorded attributes, secrets hidden.
fn show(env: &Env, backend: &Arc<dyn Backend>, address: &str) -> Result<(), Code> {
    let state = read_state(env, backend.as_ref())?.unwrap_or_default();
    let addr = parse_instance(env, address)?;
    let Some(r) = state.resource(&addr) else {
        return Err(error(env, missing_in_state(address, &state)));
    };
    let recorded = render::state::RecordedResource { state: r, value: recorded_value(&env.registry, r) };
    print!("{}", render::state::resource_human(&recorded));
    Ok(())
}

/// `state rm ADDRESS...`: forget objects; the real ones are left alone.
fn rm(env: &Env, backend: &Arc<dyn Backend>, addresses: &[String], lock_args: &cli::LockArgs) -> Result<(), Code> {
    let filters = parse_targets(env, addresses)?;
    let guard = lock(env, backend.as_ref(), "state rm", lock_args)?;
    let mut state = read_state(env, backend.as_ref())?.unwrap_or_default();
    let removed = state.remove_matching(&filters).map_err(|e| error(env, edit_diag(e, &state)))?;
    state.serial += 1;
    backend.write(&state).map_err(|e| error(env, state_diag(e)))?;
    drop(guard);
    print!("{}", render::state::removed(&removed));
    Ok(())
}

/// `state mv SOURCE DESTINATION`: follow a rename in the stack.
fn mv(
    env: &Env,
    backend: &Arc<dyn Backend>,
    source: &str,
    destination: &str,
    lock_args: &cli::LockArgs,
) -> Result<(), Code> {
    let (src, dst) = match (InstanceAddr::parse(source), InstanceAddr::parse(destination)) {
        (Ok(s), Ok(d)) => (s, d),
        (Err(m), _) | (_, Err(m)) => return Err(invalid_address(env, m)),
    };
    // A move to another type is refused before the lock is taken.
    tether_state::edit::check_move(&src, &dst).map_err(|e| error(env, edit_diag(e, &StateFile::default())))?;
    let guard = lock(env, backend.as_ref(), "state mv", lock_args)?;
    let mut state = read_state(env, backend.as_ref())?.unwrap_or_default();
    state.move_resource(&src, &dst).map_err(|e| error(env, edit_diag(e, &state)))?;
    state.serial += 1;
    backend.write(&state).map_err(|e| error(env, state_diag(e)))?;
    drop(guard);
    print!("{}", render::state::moved(&src, &dst));
    Ok(())
}

/// A refused edit as a diagnostic: what was wrong, and what to do instead. `state` is what was
/// searched, for suggestions.
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
