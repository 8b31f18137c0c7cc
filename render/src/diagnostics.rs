//! Diagnostics for people (miette: severity, code, a snippet with labels at file:line:column,
//! help), for machines (JSON with file, line and column per label), and as one line each.

use std::fmt::Write as _;

use serde_json::json;
use tether_engine::diag::{Diag, SourceMap};

use crate::style::Style;

/// Renders diagnostics with miette: severity, code, summary, a snippet with labels at
/// file:line:column, and help.
pub fn diagnostics_human(diags: &[Diag], sources: &SourceMap, style: Style) -> String {
    let theme = if style.color { miette::GraphicalTheme::unicode() } else { miette::GraphicalTheme::unicode_nocolor() };
    let handler = miette::GraphicalReportHandler::new_themed(theme).with_context_lines(1).with_width(110);
    let mut out = String::new();
    for d in diags {
        let report = MietteDiag::new(d, sources);
        if handler.render_report(&mut out, &report).is_err() {
            let _ = writeln!(out, "{}: {}", severity_word(d), d.summary);
        }
        out.push('\n');
    }
    out
}

fn severity_word(d: &Diag) -> &'static str {
    if d.is_error() {
        "error"
    } else {
        "warning"
    }
}

/// Diagnostics as JSON objects with file/line/column for each label.
pub fn diagnostics_json(diags: &[Diag], sources: &SourceMap) -> serde_json::Value {
    serde_json::Value::Array(
        diags
            .iter()
            .map(|d| {
                let labels: Vec<serde_json::Value> = d
                    .labels
                    .iter()
                    .map(|l| {
                        let start = sources.line_col(l.span.file, l.span.range.start);
                        let end = sources.line_col(l.span.file, l.span.range.end);
                        json!({
                            "file": sources.path(l.span.file).display().to_string(),
                            "start": { "line": start.line, "column": start.column, "byte": l.span.range.start },
                            "end": { "line": end.line, "column": end.column, "byte": l.span.range.end },
                            "message": l.message,
                        })
                    })
                    .collect();
                json!({
                    "severity": severity_word(d),
                    "code": d.code,
                    "summary": d.summary,
                    "detail": d.detail,
                    "help": d.help,
                    "address": d.address,
                    "labels": labels,
                })
            })
            .collect(),
    )
}

/// One line per diagnostic: `path:line:col: error[code]: summary`. Used in progress output and
/// in tests that look for a location.
pub fn diagnostic_line(d: &Diag, sources: &SourceMap) -> String {
    let loc = d.primary_span().map(|s| format!("{}: ", sources.location(s))).unwrap_or_default();
    let code = d.code.as_ref().map(|c| format!("[{c}]")).unwrap_or_default();
    format!("{loc}{}{code}: {}", severity_word(d), d.summary)
}

/// Adapter from `Diag` to miette's `Diagnostic`, with the primary label's file as source.
#[derive(Debug)]
struct MietteDiag {
    message: String,
    code: Option<String>,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<miette::NamedSource<String>>,
    labels: Vec<miette::LabeledSpan>,
}

impl MietteDiag {
    fn new(d: &Diag, sources: &SourceMap) -> MietteDiag {
        let mut help = d.help.clone();
        let mut message = d.summary.clone();
        if let Some(detail) = &d.detail {
            message = format!("{message}\n{detail}");
        }
        let (source, labels) = match d.primary_span() {
            Some(primary) => {
                let file = primary.file;
                let text = sources.file(file).text.to_string();
                let mut labels = Vec::new();
                for (i, l) in d.labels.iter().enumerate() {
                    if l.span.file == file {
                        let len = l.span.range.end.saturating_sub(l.span.range.start);
                        let span = miette::SourceSpan::new(l.span.range.start.min(text.len()).into(), len);
                        labels.push(if i == 0 {
                            miette::LabeledSpan::new_primary_with_span(Some(l.message.clone()), span)
                        } else {
                            miette::LabeledSpan::new_with_span(Some(l.message.clone()), span)
                        });
                    } else {
                        // Labels in other files are listed by location.
                        let extra = format!("{}: {}", sources.location(&l.span), l.message);
                        help = Some(match help {
                            Some(h) => format!("{h}\nsee also {extra}"),
                            None => format!("see also {extra}"),
                        });
                    }
                }
                let name = sources.path(file).display().to_string();
                (Some(miette::NamedSource::new(name, text)), labels)
            }
            None => (None, Vec::new()),
        };
        MietteDiag {
            message,
            code: d.code.clone(),
            severity: if d.is_error() { miette::Severity::Error } else { miette::Severity::Warning },
            help,
            source,
            labels,
        }
    }
}

impl std::fmt::Display for MietteDiag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for MietteDiag {}

impl miette::Diagnostic for MietteDiag {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.code.as_ref().map(|c| Box::new(c) as Box<dyn std::fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata;

    #[test]
    fn human() {
        let (diags, sources) = testdata::diagnostics();
        insta::assert_snapshot!(diagnostics_human(&diags, &sources, Style::PLAIN));
    }

    #[test]
    fn json() {
        let (diags, sources) = testdata::diagnostics();
        insta::assert_snapshot!(crate::json_text(&diagnostics_json(&diags, &sources)));
    }

    #[test]
    fn one_line_each() {
        let (diags, sources) = testdata::diagnostics();
        let lines: Vec<String> = diags.iter().map(|d| diagnostic_line(d, &sources)).collect();
        insta::assert_snapshot!(lines.join("\n"));
    }
}
