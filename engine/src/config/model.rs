//! The static model of a stack: blocks as written, expressions unevaluated, every part with the
//! span it came from. Evaluation happens later, during the graph walk.

use std::collections::BTreeMap;

use hcl_edit::expr::Expression;

pub use tether_addrs::{Mode, ResourceAddr};

use crate::diag::{SourceMap, Span};

/// A whole stack: every `*.hcl` file of a directory, merged.
#[derive(Debug, Default)]
pub struct Config {
    pub sources: SourceMap,
    /// Managed resources and data sources, in file order.
    pub resources: Vec<ResourceBlock>,
    pub variables: Vec<VariableBlock>,
    pub locals: Vec<LocalDef>,
    pub outputs: Vec<OutputBlock>,
    pub providers: Vec<ProviderBlock>,
    pub settings: Settings,
    /// `include "NAME" { source = "DIR" }` blocks, in the order they were loaded (those of
    /// included directories too).
    pub includes: Vec<IncludeBlock>,
}

/// `include "network" { source = "../hybrid-network" }`: the `*.hcl` files of another directory
/// are part of this stack. Not a module: their blocks join this stack's one namespace, so
/// addresses, variables and outputs are the same as if the files were in the stack directory.
#[derive(Debug, Clone)]
pub struct IncludeBlock {
    pub name: String,
    /// The directory as written, relative to the directory of the file that includes it.
    pub source: String,
    pub span: Span,
    pub source_span: Span,
}

impl Config {
    pub fn resource(&self, key: &ResourceAddr) -> Option<&ResourceBlock> {
        self.resources.iter().find(|r| &r.addr() == key)
    }
}

/// One attribute as written: `name = expr`.
#[derive(Debug, Clone)]
pub struct AttrExpr {
    pub name: String,
    pub name_span: Span,
    pub expr: Expression,
    /// Span of the expression (the value side).
    pub span: Span,
}

/// A nested block inside a resource/provider body, such as `ip_address { ... }`.
#[derive(Debug, Clone)]
pub struct NestedBlock {
    pub type_name: String,
    pub labels: Vec<String>,
    /// Span of the block's identifier.
    pub span: Span,
    pub body: BodyExpr,
    /// Set for `dynamic "TYPE" { for_each = ...; content { ... } }`: `type_name` is the label,
    /// `body` the `content` block, and the block stands for one `TYPE` block per element.
    pub dynamic: Option<Dynamic>,
}

/// The generator of a `dynamic` block.
#[derive(Debug, Clone)]
pub struct Dynamic {
    pub for_each: AttrExpr,
    /// The name `content` uses for the element (`iterator = ...`, default the block type):
    /// `<iterator>.key` and `<iterator>.value`.
    pub iterator: String,
}

/// A body with its attributes and nested blocks, in source order.
#[derive(Debug, Clone, Default)]
pub struct BodyExpr {
    pub attributes: Vec<AttrExpr>,
    pub blocks: Vec<NestedBlock>,
}

impl BodyExpr {
    pub fn attribute(&self, name: &str) -> Option<&AttrExpr> {
        self.attributes.iter().find(|a| a.name == name)
    }
}

/// A reference written in `depends_on` or `ignore_changes`, with where it was written.
#[derive(Debug, Clone)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

#[derive(Debug, Clone, Default)]
pub struct Lifecycle {
    pub prevent_destroy: bool,
    pub create_before_destroy: bool,
    /// Attribute paths (`tags`, `scaling_config.desired_size`) whose changes are ignored.
    pub ignore_changes: Vec<Spanned<tether_sdk::AttrPath>>,
    /// `ignore_changes = all`.
    pub ignore_all: bool,
}

/// `resource "TYPE" "NAME" { ... }` or `data "TYPE" "NAME" { ... }`.
#[derive(Debug, Clone)]
pub struct ResourceBlock {
    pub mode: Mode,
    pub type_name: String,
    pub name: String,
    /// Span of the whole block header (`resource "t" "n"`).
    pub span: Span,
    pub type_span: Span,
    /// The body without meta-arguments (`count`, `for_each`, `depends_on`, `lifecycle`, `provider`).
    pub body: BodyExpr,
    pub count: Option<AttrExpr>,
    pub for_each: Option<AttrExpr>,
    /// Each entry is a config address such as `aws_vpc.main`, as written.
    pub depends_on: Vec<Spanned<String>>,
    pub lifecycle: Lifecycle,
    /// `provider = aws.west` style alias selection, if given.
    pub provider: Option<Spanned<String>>,
}

impl ResourceBlock {
    pub fn addr(&self) -> ResourceAddr {
        ResourceAddr { mode: self.mode, type_name: self.type_name.clone(), name: self.name.clone() }
    }
}

/// `variable "NAME" { type, default, description, sensitive, nullable, validation {...} }`.
#[derive(Debug, Clone)]
pub struct VariableBlock {
    pub name: String,
    pub span: Span,
    /// The `type = ...` expression, unevaluated (a type constraint, not a value).
    pub type_expr: Option<AttrExpr>,
    pub default: Option<AttrExpr>,
    pub description: Option<String>,
    pub sensitive: bool,
    pub nullable: bool,
    pub validations: Vec<Validation>,
}

#[derive(Debug, Clone)]
pub struct Validation {
    pub condition: AttrExpr,
    pub error_message: AttrExpr,
    pub span: Span,
}

/// One entry of a `locals { }` block.
#[derive(Debug, Clone)]
pub struct LocalDef {
    pub name: String,
    pub attr: AttrExpr,
}

/// `output "NAME" { value, description, sensitive }`.
#[derive(Debug, Clone)]
pub struct OutputBlock {
    pub name: String,
    pub span: Span,
    pub value: AttrExpr,
    pub description: Option<String>,
    pub sensitive: bool,
    pub depends_on: Vec<Spanned<String>>,
}

/// `provider "NAME" { ... }`.
#[derive(Debug, Clone)]
pub struct ProviderBlock {
    pub name: String,
    pub alias: Option<String>,
    pub span: Span,
    pub body: BodyExpr,
}

/// The `tether { }` block.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `backend "local" { path = "..." }`; `None` means the default local backend.
    pub backend: Option<BackendConfig>,
    /// `required_providers { aws = "..." }`: provider name -> version constraint as written.
    pub required_providers: BTreeMap<String, String>,
    pub span: Option<Span>,
}

#[derive(Debug, Clone)]
pub struct BackendConfig {
    pub kind: String,
    /// Literal settings (backends are configured before any evaluation, so no expressions).
    pub settings: BTreeMap<String, String>,
    pub span: Span,
}
