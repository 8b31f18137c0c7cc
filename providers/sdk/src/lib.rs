//! The provider seam of tether.
//!
//! The engine talks to every cloud through the [`Provider`] trait defined here, exchanging
//! [`Value`]s shaped by each type's [`ResourceSchema`]. Providers never see HCL; the engine never
//! names a cloud.

pub mod cost;
pub mod diag;
pub mod mock;
pub mod plan;
pub mod provider;
pub mod reach;
pub mod schema;
pub mod value;

pub use cost::{CostEstimate, CostItem, CostRequest, HourlyPrice, PriceSource, Usd};
pub use diag::{has_errors, Diagnostic, Related, Severity};
pub use provider::*;
pub use reach::{FlowReport, FlowStatus, Hop};
pub use schema::{AttrType, Attribute, Block, BlockType, Nesting, ProviderSchema, ResourceSchema};
pub use value::{AttrPath, PathStep, Value};
