//! Syntax errors: the prose for hcl-edit's parse errors.
//!
//! hcl-edit says where it stopped and what it expected there, in parser terms. The diagnostics
//! here say what the user got wrong and how to fix it, and where the mistake is not where the
//! parser stopped (an unclosed string, bracket or heredoc) they point at the opening instead.

use std::ops::Range;

use crate::diag::{Diag, FileId, Span};
use crate::lexer::{self, heredoc_delimiter, is_id_continue, Bracket, HeredocEnd, TokenKind};

/// Diagnostics for a file hcl-edit could not parse. hcl-edit reports where parsing stopped and
/// what it expected there; where that is not where the mistake is (a string or heredoc left open
/// reads on to some later place, a missing `}` is found only at the end of the file), a scan of
/// the text finds the opening that was never closed and the diagnostic points there instead.
pub(crate) fn syntax_diags(file: FileId, text: &str, e: &hcl_edit::parser::Error) -> Vec<Diag> {
    let offset = e.location().offset().min(text.len());
    // Widen to one whole character so the label is never empty or split.
    let mut start = offset;
    while start > 0 && !text.is_char_boundary(start) {
        start -= 1;
    }
    let end = text[start..].chars().next().map_or(start, |c| start + c.len_utf8());
    // The character the parser stopped at, as it can be shown in a message.
    let found = text[start..].chars().next().filter(|c| !c.is_whitespace()).map(|c| {
        if c.is_control() {
            c.escape_debug().to_string()
        } else {
            c.to_string()
        }
    });
    let message = e.message();
    let whole = scan(text, text.len());
    let line_of = |at: usize| text[..at.min(text.len())].matches('\n').count();

    // Something opened and never closed: that is the place to fix.
    let mut opened: Vec<(usize, Diag)> = Vec::new();
    if let Some(at) = whole.unclosed_interpolation {
        opened.push((
            at,
            Diag::error("syntax error: interpolation `${` is never closed")
                .code("parse::syntax")
                .label(Span::new(file, at..at + 2), "opened here")
                .help("close the interpolation with `}` before the closing quote: \"net-${var.env}\""),
        ));
    }
    if let Some(at) = whole.multiline_string {
        opened.push((at, multiline_string_diag(file, at)));
    }
    if let Some((at, delimiter)) = whole.unterminated_heredoc.as_ref() {
        let len = text[*at..].find(['\n', '\r']).unwrap_or(text.len() - at);
        opened.push((
            *at,
            Diag::error(format!("syntax error: the heredoc is never closed: no line {delimiter} follows"))
                .code("parse::syntax")
                .label(Span::new(file, *at..at + len), format!("ends at a line holding only {delimiter}"))
                .help(format!("end the heredoc with a line holding only {delimiter} (with <<- it may be indented)")),
        ));
    }
    if let Some((at, d)) = opened.into_iter().min_by_key(|(at, _)| *at) {
        // These are mistakes wherever the parser stopped (it may read on past them, or back
        // up to the start of the attribute). When it stopped far away, that may be a second one.
        if line_of(start).abs_diff(line_of(at)) > 1 && !text[start..].trim().is_empty() {
            return vec![d, plain_syntax_diag(file, text, message, start..end, found.as_deref())];
        }
        return vec![d];
    }

    let upto = scan(text, start);
    // At the end of the file, what is still open there is what lacks its closer. hcl-edit also
    // sometimes gives up at the start of a construct it cannot finish (an unclosed object value
    // is reported at the start of the file): then the last opener never closed is the place.
    let unclosed = if text[start..].trim().is_empty() {
        upto.innermost_bracket()
    } else {
        whole.innermost_bracket().filter(|(at, _)| start <= *at)
    };
    if let Some((at, opener)) = unclosed {
        let eof = text.trim_end().len();
        let (what, help) = match opener {
            "{" => ("`{`", "add the missing closing brace `}` where this block or object ends"),
            "[" => ("`[`", "add the missing closing bracket `]` where this list ends"),
            "(" => ("`(`", "add the missing `)` where this call or expression ends"),
            _ => ("interpolation `${`", "close the interpolation with `}`"),
        };
        return vec![Diag::error(format!("syntax error: {what} is never closed"))
            .code("parse::syntax")
            .label(Span::new(file, at..at + opener.len()), "opened here")
            .label(Span::new(file, eof..eof), "the file ends here")
            .help(help)];
    }
    let mut d = plain_syntax_diag(file, text, message, start..end, found.as_deref());
    for (closer, openers) in [("`]`", ["[", "["]), ("`}`", ["{", "${"]), ("`)`", ["(", "("])] {
        if message.contains(&format!("expected {closer}")) && d.summary.starts_with("syntax error: expected") {
            if let Some((at, o)) = upto.open.iter().rev().find(|(_, o)| openers.contains(o)) {
                d = d.label(Span::new(file, *at..at + o.len()), "opened here");
            }
        }
    }
    vec![d]
}

/// The first quoted string with a line break in it (HCL does not allow one; hcl-edit reads on to
/// the next quote and accepts it): the offset of its opening quote.
pub(super) fn multiline_string(text: &str) -> Option<usize> {
    scan(text, text.len()).multiline_string
}

/// A quoted string with a line break in it (HCL does not allow one; hcl-edit reads on to the
/// next quote).
pub(super) fn multiline_string_diag(file: FileId, at: usize) -> Diag {
    Diag::error("syntax error: a quoted string is not closed on its line")
        .code("parse::syntax")
        .label(Span::new(file, at..at + 1), "this string runs past the end of the line")
        .help("close the quote on the same line; for text over several lines use a heredoc: <<-EOT ... EOT")
}

/// The diagnostic for hcl-edit's own message at the place it stopped.
fn plain_syntax_diag(file: FileId, text: &str, message: &str, at: Range<usize>, found: Option<&str>) -> Diag {
    // A word starting with a digit where the parser gave up is a malformed number: `0x1F`, `1e`.
    let bytes = text.as_bytes();
    let word_char = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'.';
    let mut word_start = at.start.min(bytes.len());
    while word_start > 0
        && (word_char(bytes[word_start - 1])
            || (word_start > 1
                && matches!(bytes[word_start - 1], b'+' | b'-')
                && matches!(bytes[word_start - 2], b'e' | b'E')))
    {
        word_start -= 1;
    }
    let mut word_end = word_start;
    while word_end < bytes.len()
        && (word_char(bytes[word_end])
            || (word_end > word_start
                && matches!(bytes[word_end], b'+' | b'-')
                && matches!(bytes[word_end - 1], b'e' | b'E')))
    {
        word_end += 1;
    }
    let word = &text[word_start..word_end];
    if word.starts_with(|c: char| c.is_ascii_digit()) && word.parse::<f64>().is_ok_and(f64::is_infinite) {
        return Diag::error(format!("syntax error: number {word} is too large"))
            .code("parse::syntax")
            .label(Span::new(file, word_start..word_end), "out of range")
            .help("numbers must fit in a 64-bit float (at most about 1.8e308)");
    }
    if word.starts_with(|c: char| c.is_ascii_digit())
        && (message.contains("newline or eof") || message.contains("digit"))
    {
        return Diag::error(format!("syntax error: invalid number {word}"))
            .code("parse::syntax")
            .label(Span::new(file, word_start..word_end), "not a number")
            .help("write numbers in decimal, such as 42, 3.5 or 1e3; anything else goes in quotes");
    }
    if message.contains("redefined object key") {
        let key: String = text[at.start.min(text.len())..]
            .chars()
            .skip_while(|c| *c == '"')
            .take_while(|c| is_id_continue(*c) || *c == '.')
            .collect();
        return Diag::error(format!("syntax error: object key {key} is set twice"))
            .code("parse::syntax")
            .label(Span::new(file, at), "set again here")
            .help("each key of an object may appear only once; remove one of them");
    }
    let help = if message.contains("block body") {
        "check for a missing closing brace `}`, or two attributes on one line"
    } else if message.contains("expected `]`") {
        "check for a missing closing bracket `]` or a missing comma between list elements"
    } else if message.contains("expected `}`") {
        "check for a missing closing brace `}` of an object or interpolation"
    } else if message.contains("expected `{`") {
        "an attribute is written NAME = VALUE (with `=`); a block is written TYPE \"LABEL\" { ... }"
    } else if message.contains("nesting depth") || message.contains("chained binary operators") {
        "split the expression up, for example into several locals"
    } else if message.contains("heredoc") {
        "end the heredoc with its delimiter alone on a line"
    } else if message.contains("invalid expression") {
        "an attribute needs a value after `=`; check for a stray operator or a missing quote"
    } else if message.contains("newline or eof") {
        "put each attribute and block on its own line"
    } else {
        "check for a missing closing brace or quote near here"
    };
    let summary = if message == "unexpected token" {
        match found {
            Some(c) => format!("syntax error: unexpected `{c}`"),
            None => "syntax error: unexpected character".to_string(),
        }
    } else if message.starts_with("invalid expression") {
        "syntax error: expected a value (a string, number, list, object or reference)".to_string()
    } else if message.contains("newline or eof") {
        match found {
            Some(c) => format!("syntax error: expected a line break, found `{c}`"),
            None => "syntax error: expected a line break".to_string(),
        }
    } else {
        format!("syntax error: {}", lower_first(message))
    };
    Diag::error(summary).code("parse::syntax").label(Span::new(file, at), "here").help(help)
}

/// Starts a message from elsewhere (an I/O error, the parser) with a lower-case letter, as every
/// diagnostic does.
pub(super) fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// What a scan of the text up to some offset finds: the openings a parse error may be about.
#[derive(Debug, Default, PartialEq, Eq)]
struct Scan {
    /// Brackets, quotes and interpolations still open at the stop offset, outermost first:
    /// (byte offset of the opener, the opener as written: `{`, `[`, `(`, `${` or `"`; a `%{`
    /// directive counts as `${`).
    open: Vec<(usize, &'static str)>,
    /// The opening quote of the first quoted string whose literal text contains a line break.
    multiline_string: Option<usize>,
    /// The first `${` whose inner expression holds a quoted string that runs over a line end:
    /// almost always an interpolation missing its `}` (`"${var.env"` reads on to the next quote).
    unclosed_interpolation: Option<usize>,
    /// The start of the first heredoc (`<<EOT`) that has no closing line, and its delimiter.
    unterminated_heredoc: Option<(usize, String)>,
}

impl Scan {
    /// The innermost open bracket or interpolation (not a quote).
    fn innermost_bracket(&self) -> Option<(usize, &'static str)> {
        self.open.iter().rev().find(|(_, o)| *o != "\"").copied()
    }
}

/// Scans the tokens of `text` that start before byte offset `stop`. A heredoc is passed over
/// whole: nothing in it can close what was opened before it. It ends at the first line holding
/// only its delimiter, which is where its author meant it to end, even where hcl-edit reads on
/// (a template sequence in it left open) or stops short (`EOT)`).
fn scan(text: &str, stop: usize) -> Scan {
    let tokens = lexer::lex(text, HeredocEnd::DelimiterLine);
    let mut out = Scan::default();
    let mut i = 0;
    while let Some(token) = tokens.get(i).filter(|t| t.start < stop) {
        let at = token.start;
        match token.kind {
            TokenKind::Open(Bracket::Brace) => out.open.push((at, "{")),
            TokenKind::Open(Bracket::Square) => out.open.push((at, "[")),
            TokenKind::Open(Bracket::Paren) => out.open.push((at, "(")),
            TokenKind::QuoteOpen => out.open.push((at, "\"")),
            TokenKind::TemplateOpen => out.open.push((at, "${")),
            TokenKind::Close(_) | TokenKind::TemplateClose | TokenKind::QuoteClose => {
                let closes = match token.kind {
                    TokenKind::Close(Bracket::Square) => ["[", "["],
                    TokenKind::Close(Bracket::Paren) => ["(", "("],
                    TokenKind::QuoteClose => ["\"", "\""],
                    _ => ["{", "${"],
                };
                if out.open.last().is_some_and(|(_, o)| closes.contains(o)) {
                    out.open.pop();
                }
            }
            TokenKind::Newline if out.open.last().is_some_and(|(_, o)| *o == "\"") => {
                let interpolation = out.open.iter().rev().find(|(_, o)| *o == "${").map(|(at, _)| *at);
                match interpolation {
                    Some(at) => {
                        out.unclosed_interpolation.get_or_insert(at);
                    }
                    None => {
                        let quote = out.open.last().map(|(at, _)| *at);
                        if out.multiline_string.is_none() {
                            out.multiline_string = quote;
                        }
                    }
                }
            }
            TokenKind::HeredocOpen => match token.partner {
                Some(close) => i = close,
                None => {
                    let delimiter = heredoc_delimiter(&text[at..token.end]);
                    out.unterminated_heredoc = Some((at, delimiter.to_string()));
                    // Everything after it is the heredoc's.
                    break;
                }
            },
            _ => {}
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_unclosed_brackets() {
        let text = "a {\n  b = [1, (2)\n}\n";
        let s = scan(text, text.len());
        assert_eq!(s.open, vec![(2, "{"), (10, "[")]);
        assert_eq!(s.innermost_bracket(), Some((10, "[")));
        let closed = "a {\n  b = \"}\" # }\n  c = \"${x}\" // {\n /* { */ }\n";
        assert_eq!(scan(closed, closed.len()), Scan::default());
    }

    #[test]
    fn finds_strings_over_line_ends() {
        let text = "a = \"x\ny\"\n";
        assert_eq!(scan(text, text.len()).multiline_string, Some(4));
        let interpolated = "a = \"${\n  x\n}\"\n";
        assert_eq!(scan(interpolated, interpolated.len()).multiline_string, None);
        let escaped = "a = \"$${\" \n b = \"\\\"\"\n";
        assert_eq!(scan(escaped, escaped.len()), Scan::default());
        let unclosed = "a = \"x-${var.env\"\nb = 1\n";
        let s = scan(unclosed, unclosed.len());
        assert_eq!((s.multiline_string, s.unclosed_interpolation), (None, Some(7)));
    }

    #[test]
    fn skips_heredocs_and_finds_unterminated_ones() {
        let text = "a = <<-EOT\n  \"{[\n  EOT\nb = {\n";
        let s = scan(text, text.len());
        assert_eq!(s.open, vec![(27, "{")]);
        assert_eq!(s.multiline_string, None);
        let open = "a = 1\nb = <<EOT\nx\nEOF\n";
        assert_eq!(scan(open, open.len()).unterminated_heredoc, Some((10, "EOT".to_string())));
    }

    #[test]
    fn a_heredoc_ends_at_its_delimiter_line_even_with_a_template_left_open() {
        // The user sees a heredoc that ends; what is wrong is inside it, and the object after
        // it is closed.
        let text = "x = {\n  a = <<EOT\n${ oops\nEOT\n  b = \"c\"\n}\n";
        assert_eq!(scan(text, text.len()), Scan::default());
    }

    #[test]
    fn stops_at_the_offset_and_survives_any_bytes() {
        let text = "a { b = [";
        assert_eq!(scan(text, 4).open, vec![(2, "{")]);
        for s in ["\"", "<<", "<<-", "<<E", "${", "/*", "\"\\", "\"$", "\"%%", "}}]])"] {
            let _ = scan(s, s.len() + 10);
        }
    }
}
