//! tether's presentation: every report a command prints, for people (human, coloured only on a
//! terminal), for machines (JSON, with documented, stable schemas) and for pull requests and
//! alerts (Markdown).
//!
//! Presentation is separate from computing: every function here takes finished values (a
//! `Plan`, a `CostReport`, a `DriftReport`, diagnostics with their `SourceMap`, state, a
//! `Graph`, an apply event) and returns text or a JSON value. Nothing here calls a provider,
//! reads a file or decides an exit code. Sensitive values never reach the output: they print as
//! `(sensitive value)` for people and as `null` (with a `*_sensitive` mask where the format has
//! one) for machines.
//!
//! One module per report (and one file per format where a report has several):
//!
//! | module | reports |
//! | --- | --- |
//! | `plan::{human, json, markdown}` | `plan`, `show PLANFILE`, and the plan `apply` shows before asking |
//! | `cost` | `tether cost` (human, JSON, Markdown) and the cost sections of a plan |
//! | `drift` | `tether drift` (human, JSON, Markdown) and `drift --accept` |
//! | `diagnostics` | errors and warnings of every command (human via miette, JSON, one line each) |
//! | `validate` | `tether validate` (human, JSON, Markdown) |
//! | `state` | `show` of state (human, JSON), `state list`/`show`/`rm`/`mv`, `import`, `force-unlock` |
//! | `output` | `tether output` (plain, JSON, raw) and the outputs after an apply |
//! | `apply` | the approval prompt, progress lines and the summary of `apply` and `destroy` |
//! | `graph` | `tether graph` (DOT, Mermaid) |
//! | `style`, `value` | colours and glyphs; one value as people and machines see it |

pub mod apply;
pub mod cost;
pub mod diagnostics;
pub mod drift;
pub mod fmt;
pub mod graph;
pub mod output;
pub mod plan;
pub mod state;
mod style;
pub mod validate;
mod value;

pub use cost::{cost_human, cost_json, cost_markdown};
pub use diagnostics::{diagnostic_line, diagnostics_human, diagnostics_json};
pub use drift::{drift_human, drift_json, drift_markdown};
pub use graph::{graph_dot, graph_mermaid};
pub use plan::human::plan_human;
pub use plan::json::plan_json;
pub use plan::markdown::{plan_markdown, COMMENT_LIMIT};
pub use style::Style;
pub use validate::{validate_json, validate_markdown, validate_success};
pub use value::{json_text, redacted, scalar};

#[cfg(test)]
mod testdata;
