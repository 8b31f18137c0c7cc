//! Diagnostics returned across the provider seam.
//!
//! Providers know nothing of source files; they point at an attribute path and the engine maps
//! it back to the file, line and column the value came from.

use serde::{Deserialize, Serialize};

use crate::value::AttrPath;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One finding: an error that stops the operation or a warning that does not.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable machine-readable code such as `cidr::overlap` or `aws::InvalidParameterValue`.
    pub code: Option<String>,
    /// One line, lower-case, saying what is wrong.
    pub summary: String,
    pub detail: Option<String>,
    /// What to do about it.
    pub help: Option<String>,
    /// The resource address the finding is about, if any.
    pub address: Option<String>,
    /// The attribute inside that resource, if any.
    pub attribute: Option<AttrPath>,
    /// Other places the finding involves (the other side of an overlap), shown as secondary
    /// labels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Related>,
}

/// A secondary place a diagnostic points at: an attribute of another (or the same) resource.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Related {
    pub address: String,
    pub attribute: Option<AttrPath>,
    /// A few words for the label, such as "overlaps 10.0.0.0/16 here".
    pub message: String,
}

impl Diagnostic {
    pub fn error(summary: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code: None,
            summary: summary.into(),
            detail: None,
            help: None,
            address: None,
            attribute: None,
            related: Vec::new(),
        }
    }

    pub fn warning(summary: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(summary) }
    }

    pub fn code(mut self, code: impl Into<String>) -> Diagnostic {
        self.code = Some(code.into());
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Diagnostic {
        self.detail = Some(detail.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn address(mut self, address: impl Into<String>) -> Diagnostic {
        self.address = Some(address.into());
        self
    }

    pub fn attribute(mut self, path: AttrPath) -> Diagnostic {
        self.attribute = Some(path);
        self
    }

    /// Adds a secondary place: `attribute` of the resource at `address`.
    pub fn related(
        mut self,
        address: impl Into<String>,
        attribute: Option<AttrPath>,
        message: impl Into<String>,
    ) -> Diagnostic {
        self.related.push(Related { address: address.into(), attribute, message: message.into() });
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// True when any diagnostic in the slice is an error.
pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(Diagnostic::is_error)
}
