//! `tether force-unlock ID`: remove a stuck state lock, given the ID its holder printed.

use tether_render as render;

use crate::cli;
use crate::session::{self, error, state_diag, Code, Env};

/// `tether force-unlock ID`.
pub async fn run(env: &Env, args: &cli::ForceUnlockArgs) -> Code {
    let backend = session::state_backend(env);
    match backend.force_unlock(&args.id) {
        Ok(info) => {
            print!("{}", render::state::lock_released(&info));
            0
        }
        Err(e) => error(env, state_diag(e)),
    }
}
