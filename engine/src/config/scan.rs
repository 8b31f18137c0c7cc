//! A light scan of HCL text for what hcl-edit's syntax errors do not say well: which bracket was
//! never closed, which quoted string runs over a line end, which heredoc has no closing line.
//!
//! It knows only enough of the syntax to stay in step with the parser: comments, quoted strings
//! with escapes and `${ }`/`%{ }` sequences, heredocs, and the three kinds of brackets. It works
//! on bytes (every character it looks for is ASCII), takes linear time and never fails: on input
//! it does not understand it just reports less.

/// What the scan found, up to the offset it was asked to stop at.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Scan {
    /// Brackets, quotes and interpolations still open at the stop offset, outermost first:
    /// (byte offset of the opener, the opener as written: `{`, `[`, `(`, `${` or `"`).
    pub open: Vec<(usize, &'static str)>,
    /// The opening quote of the first quoted string whose literal text contains a line break.
    pub multiline_string: Option<usize>,
    /// The first `${` whose inner expression holds a quoted string that runs over a line end:
    /// almost always an interpolation missing its `}` (`"${var.env"` reads on to the next quote).
    pub unclosed_interpolation: Option<usize>,
    /// The start of the first heredoc (`<<EOT`) that has no closing line, and its delimiter.
    pub unterminated_heredoc: Option<(usize, String)>,
}

impl Scan {
    /// The innermost open bracket or interpolation (not a quote).
    pub fn innermost_bracket(&self) -> Option<(usize, &'static str)> {
        self.open.iter().rev().find(|(_, o)| *o != "\"").copied()
    }
}

/// Scans `text` from the start up to byte offset `stop` (or its end).
pub(crate) fn scan(text: &str, stop: usize) -> Scan {
    let b = text.as_bytes();
    let stop = stop.min(b.len());
    let mut out = Scan::default();
    let mut i = 0;
    while i < stop {
        let in_string = out.open.last().is_some_and(|(_, o)| *o == "\"");
        let c = b[i];
        if in_string {
            match c {
                b'"' => {
                    out.open.pop();
                }
                b'\\' => i += 1,
                b'$' | b'%' if b.get(i + 1) == Some(&c) && b.get(i + 2) == Some(&b'{') => i += 2,
                b'$' | b'%' if b.get(i + 1) == Some(&b'{') => {
                    out.open.push((i, "${"));
                    i += 1;
                }
                b'\n' => {
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
                _ => {}
            }
            i += 1;
            continue;
        }
        match c {
            b'#' => i = line_end(b, i),
            b'/' if b.get(i + 1) == Some(&b'/') => i = line_end(b, i),
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = find(b, i + 2, b"*/").map_or(b.len(), |e| e + 2);
                continue;
            }
            b'"' => out.open.push((i, "\"")),
            b'{' => out.open.push((i, "{")),
            b'[' => out.open.push((i, "[")),
            b'(' => out.open.push((i, "(")),
            b'}' | b']' | b')' => {
                let opener = match c {
                    b'}' => ["{", "${"],
                    b']' => ["[", "["],
                    _ => ["(", "("],
                };
                if out.open.last().is_some_and(|(_, o)| opener.contains(o)) {
                    out.open.pop();
                }
            }
            b'<' if b.get(i + 1) == Some(&b'<') => {
                if let Some((delimiter, body_start)) = heredoc_opener(b, i + 2) {
                    match heredoc_end(b, body_start, &delimiter) {
                        Some(end) => {
                            i = end;
                            continue;
                        }
                        None => {
                            out.unterminated_heredoc = Some((i, delimiter));
                            break;
                        }
                    }
                }
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The offset of the line break ending the line at `i` (or the end of the text).
fn line_end(b: &[u8], i: usize) -> usize {
    find(b, i, b"\n").unwrap_or(b.len())
}

fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

/// After `<<`: an optional `-`, an identifier and the end of the line. Returns the delimiter and
/// where the body starts.
fn heredoc_opener(b: &[u8], mut i: usize) -> Option<(String, usize)> {
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    let start = i;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'-') {
        i += 1;
    }
    if i == start || !b[start].is_ascii_alphabetic() && b[start] != b'_' {
        return None;
    }
    let delimiter = String::from_utf8_lossy(&b[start..i]).into_owned();
    while i < b.len() && (b[i] == b' ' || b[i] == b'\t' || b[i] == b'\r') {
        i += 1;
    }
    (b.get(i) == Some(&b'\n')).then_some((delimiter, i + 1))
}

/// The offset just after the heredoc's closing line (the delimiter alone on a line, indentation
/// allowed), or `None` when the text ends first.
fn heredoc_end(b: &[u8], mut line_start: usize, delimiter: &str) -> Option<usize> {
    while line_start < b.len() {
        let end = line_end(b, line_start);
        let line = String::from_utf8_lossy(&b[line_start..end]);
        if line.trim() == delimiter {
            return Some(end);
        }
        line_start = end + 1;
    }
    None
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
    fn stops_at_the_offset_and_survives_any_bytes() {
        let text = "a { b = [";
        assert_eq!(scan(text, 4).open, vec![(2, "{")]);
        for s in ["\"", "<<", "<<-", "<<E", "${", "/*", "\"\\", "\"$", "\"%%", "}}]])"] {
            let _ = scan(s, s.len() + 10);
        }
    }
}
