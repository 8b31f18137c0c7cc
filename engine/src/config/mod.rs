//! The stack language's static side: loading `*.hcl` files into a spanned model, and checking
//! that model against provider schemas.

mod decode;
mod expr;
mod files;
pub mod load;
mod locals;
pub mod model;
mod output;
mod parse;
mod provider;
mod resource;
mod scan;
mod syntax;
pub mod validate;
mod variable;

pub use load::{load_dir, load_sources};
pub use model::*;
pub use validate::{attr_span, provider_prefix, validate_schema, SchemaRef};

#[cfg(test)]
mod tests;
