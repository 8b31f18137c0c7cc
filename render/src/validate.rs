//! `tether validate`'s report. For people the diagnostics go to stderr (as every command's do)
//! and a valid stack gets one line on stdout; JSON and Markdown put everything in one document.

use std::fmt::Write as _;

use serde_json::json;
use tether_engine::diag::{Diag, SourceMap};

use crate::diagnostics::{diagnostic_line, diagnostics_json};
use crate::style::Style;

/// The line a valid stack gets (on stdout, after any warnings on stderr).
pub fn validate_success(style: Style) -> String {
    format!("{}\n", style.bold("Success! The stack is valid."))
}

/// `validate --format json`: validity, counts, and every diagnostic with its locations.
pub fn validate_json(diags: &[Diag], sources: &SourceMap) -> serde_json::Value {
    json!({
        "valid": !tether_engine::diag::has_errors(diags),
        "error_count": diags.iter().filter(|d| d.is_error()).count(),
        "warning_count": diags.iter().filter(|d| !d.is_error()).count(),
        "diagnostics": diagnostics_json(diags, sources),
    })
}

/// `validate --format markdown`: one bullet per diagnostic, for a pull-request comment.
pub fn validate_markdown(diags: &[Diag], sources: &SourceMap) -> String {
    let mut out = String::from("## tether validate\n\n");
    if diags.is_empty() {
        out.push_str("The stack is valid.\n");
    }
    for d in diags {
        let _ = writeln!(out, "- {}", diagnostic_line(d, sources).replace('\n', " "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata;

    #[test]
    fn valid() {
        let sources = SourceMap::new();
        insta::assert_snapshot!(format!(
            "{}---\n{}---\n{}",
            validate_success(Style::PLAIN),
            crate::json_text(&validate_json(&[], &sources)),
            validate_markdown(&[], &sources)
        ));
    }

    #[test]
    fn with_diagnostics() {
        let (diags, sources) = testdata::diagnostics();
        insta::assert_snapshot!(format!(
            "{}---\n{}",
            crate::json_text(&validate_json(&diags, &sources)),
            validate_markdown(&diags, &sources)
        ));
    }
}
