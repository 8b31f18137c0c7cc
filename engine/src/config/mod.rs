//! The stack language's static side: loading `*.hcl` files into a spanned model, and checking
//! that model against provider schemas.
//!
//! Loading is split by concern, one file per block kind as in OpenTofu's `internal/configs`:
//! `files` decides which files make up a stack, `load` parses each one (`parse`) and hands every
//! block to the decoder of its kind (`resource`, `variable`, `locals`, `output`, `provider`,
//! `settings`, `include`, all built on `decode`), `syntax` turns parse errors into diagnostics,
//! and `expr` reads expressions without evaluating them. `model` is what comes out; `validate`
//! checks it against provider schemas.

mod decode;
mod expr;
mod files;
mod include;
pub mod load;
mod locals;
pub mod model;
mod output;
mod parse;
mod provider;
mod resource;
mod settings;
mod syntax;
pub mod validate;
mod variable;

pub use load::{load_dir, load_sources};
pub use model::*;
pub use validate::{attr_span, provider_prefix, validate_schema, SchemaRef};

#[cfg(test)]
mod tests;
