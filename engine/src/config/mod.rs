//! The stack language's static side: loading `*.hcl` files into a spanned model, and checking
//! that model against provider schemas.

pub mod model;

pub use model::*;
