//! Diagnostics with source locations.
//!
//! Diagnostics are values: every stage collects them (errors and warnings alike), and the CLI
//! sorts and renders them at the end. A diagnostic that came from a file carries the byte range
//! it refers to, which `SourceMap` turns into file:line:column and a labelled snippet.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
pub use tether_sdk::Severity;

/// Index of a file in a `SourceMap`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    pub file: FileId,
    pub range: Range<usize>,
}

impl Span {
    pub fn new(file: FileId, range: Range<usize>) -> Span {
        Span { file, range }
    }
}

#[derive(Debug)]
pub struct SourceFile {
    /// The path as given to the loader (relative to the working directory when it was).
    pub path: PathBuf,
    pub text: Arc<str>,
    /// Byte offset of each line start, for line/column lookup.
    line_starts: Vec<usize>,
}

/// All source files of a stack, addressable by `FileId`.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

/// A 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    pub fn add(&mut self, path: impl Into<PathBuf>, text: impl Into<Arc<str>>) -> FileId {
        let text: Arc<str> = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        self.files.push(SourceFile { path: path.into(), text, line_starts });
        FileId(self.files.len() as u32 - 1)
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (FileId(i as u32), f))
    }

    pub fn path(&self, id: FileId) -> &Path {
        &self.file(id).path
    }

    /// The 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, id: FileId, offset: usize) -> LineCol {
        let f = self.file(id);
        let offset = offset.min(f.text.len());
        let line = match f.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = f.line_starts[line];
        let column = f.text.get(start..offset).map(|s| s.chars().count()).unwrap_or(offset - start) + 1;
        LineCol { line: line + 1, column }
    }

    /// `path:line:column` for the start of a span.
    pub fn location(&self, span: &Span) -> String {
        let lc = self.line_col(span.file, span.range.start);
        format!("{}:{}:{}", self.path(span.file).display(), lc.line, lc.column)
    }

    /// The source text a span covers.
    pub fn snippet(&self, span: &Span) -> &str {
        self.file(span.file).text.get(span.range.clone()).unwrap_or("")
    }
}

/// A label pointing at part of the source.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One finding about the stack, the state or an operation.
#[derive(Clone, Debug, PartialEq)]
pub struct Diag {
    pub severity: Severity,
    /// Stable code such as `config::unknown-attribute`; documented in docs/diagnostics.md.
    pub code: Option<String>,
    /// One line, lower-case, saying what is wrong.
    pub summary: String,
    pub detail: Option<String>,
    /// How to fix it.
    pub help: Option<String>,
    /// The resource address this is about, if any.
    pub address: Option<String>,
    /// The primary label first; further labels for related places (both sides of a conflict).
    pub labels: Vec<Label>,
}

impl Diag {
    pub fn error(summary: impl Into<String>) -> Diag {
        Diag {
            severity: Severity::Error,
            code: None,
            summary: summary.into(),
            detail: None,
            help: None,
            address: None,
            labels: Vec::new(),
        }
    }

    pub fn warning(summary: impl Into<String>) -> Diag {
        Diag { severity: Severity::Warning, ..Diag::error(summary) }
    }

    pub fn code(mut self, code: impl Into<String>) -> Diag {
        self.code = Some(code.into());
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Diag {
        self.detail = Some(detail.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Diag {
        self.help = Some(help.into());
        self
    }

    pub fn address(mut self, address: impl std::fmt::Display) -> Diag {
        self.address = Some(address.to_string());
        self
    }

    /// Adds a label; the first one added is the primary location.
    pub fn label(mut self, span: Span, message: impl Into<String>) -> Diag {
        self.labels.push(Label { span, message: message.into() });
        self
    }

    /// Adds a label only when a span is known.
    pub fn label_opt(self, span: Option<Span>, message: impl Into<String>) -> Diag {
        match span {
            Some(s) => self.label(s, message),
            None => self,
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    pub fn primary_span(&self) -> Option<&Span> {
        self.labels.first().map(|l| &l.span)
    }

    /// Lifts a provider diagnostic, attaching the span of the attribute it names when known.
    pub fn from_provider(d: tether_sdk::Diagnostic, span: Option<Span>) -> Diag {
        let label = match &d.attribute {
            Some(path) if !path.is_root() => format!("{path}"),
            _ => "here".to_string(),
        };
        Diag {
            severity: d.severity,
            code: d.code,
            summary: d.summary,
            detail: d.detail,
            help: d.help,
            address: d.address,
            labels: Vec::new(),
        }
        .label_opt(span, label)
    }
}

/// Diagnostics collected by a stage.
pub type Diags = Vec<Diag>;

pub fn has_errors(diags: &[Diag]) -> bool {
    diags.iter().any(Diag::is_error)
}

/// Sorts diagnostics for display: errors first, then by file and position.
pub fn sort(diags: &mut [Diag]) {
    diags.sort_by(|a, b| {
        let key = |d: &Diag| (d.severity, d.primary_span().map(|s| (s.file, s.range.start)));
        key(a).cmp(&key(b))
    });
}

/// The closest candidate to `name`, when one is close enough to be a likely typo.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        // A typo (one edit per three characters, at least one, at most three) or a name cut
        // short (`network` for `network_id`).
        .filter(|(d, c)| {
            let typo = *d <= (name.chars().count() / 3).clamp(1, 3) && *d < c.len().max(name.len());
            let cut_short = name.len() >= 3 && c.starts_with(name);
            typo || cut_short
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        let mut sm = SourceMap::new();
        let f = sm.add("a.hcl", "ab\ncd\n");
        assert_eq!(sm.line_col(f, 0), LineCol { line: 1, column: 1 });
        assert_eq!(sm.line_col(f, 4), LineCol { line: 2, column: 2 });
        assert_eq!(sm.location(&Span::new(f, 3..4)), "a.hcl:2:1");
    }

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(did_you_mean("cidr_blok", ["cidr_block", "name"]), Some("cidr_block"));
        assert_eq!(did_you_mean("zzzzzz", ["cidr_block", "name"]), None);
        assert_eq!(did_you_mean("nope", ["ips", "id"]), None, "short names need a close match");
        assert_eq!(did_you_mean("mian", ["main"]), Some("main"), "a transposition is one edit");
    }
}
