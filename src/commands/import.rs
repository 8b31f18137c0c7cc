//! `tether import ADDRESS ID`: bring an existing object under management. The engine reads it
//! (`tether_engine::import`); this records it in state under the lock.

use tether_engine::addrs::InstanceAddr;
use tether_engine::diag;
use tether_engine::stack;
use tether_render as render;

use crate::cli;
use crate::session::{
    self, error, inputs, invalid_address, lock, print_diags, read_state, report, state_diag, Code, Env,
};

/// `tether import ADDRESS ID`.
pub async fn run(env: &Env, args: &cli::ImportArgs) -> Code {
    let addr = match InstanceAddr::parse(&args.address) {
        Ok(a) => a,
        Err(m) => return invalid_address(env, m),
    };
    let (loaded, diags) = session::load(env);
    let (mut stack, mut diags) = match session::checked(env, loaded, diags) {
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
    let backend = session::backend(env, &stack.config);
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
    print_diags(env, &mut diags, &stack.config.sources);
    print!("{}", render::state::imported(&args.id, &addr));
    0
}
