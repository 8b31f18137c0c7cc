//! Canonical formatting of stack files: the operation behind `tether fmt`.
//!
//! The style is the one `terraform fmt` produces, so stacks look the same whichever tool last
//! touched them:
//!
//! - two spaces of indentation per open block, object, array, call or interpolation;
//! - the `=` of consecutive single-line attributes in one body lined up;
//! - single spaces in block headers (`name "label" {`) and around an attribute's `=`;
//! - no trailing whitespace, no run of blank lines, no blank line just inside a bracket, and
//!   exactly one newline at the end of the file.
//!
//! Expressions are otherwise kept exactly as written, and so are comments, string contents and
//! heredocs. That is why the formatter does not re-print the hcl-edit syntax tree (its encoder
//! would re-space expressions) but works on the source text itself: [`hcl_edit`] first checks the
//! file is valid, the engine's HCL lexer (`crate::lexer`, which knows where strings, heredocs and
//! comments start and end) splits it into tokens, and each physical line is re-emitted with a
//! computed indentation. Bytes that belong to a string literal, a heredoc or a multi-line comment
//! are copied unchanged.

use std::fmt::{self, Write as _};
use std::ops::Range;

use crate::lexer;

/// Why a file could not be formatted: a syntax error at a byte offset with a message.
#[derive(Debug, Clone, PartialEq)]
pub struct FmtError {
    /// Zero-based byte offset of the error in the source.
    pub offset: usize,
    /// One-based line of the error.
    pub line: usize,
    /// One-based column of the error.
    pub column: usize,
    /// What the parser expected or found, in its own words.
    pub message: String,
}

impl fmt::Display for FmtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for FmtError {}

impl From<hcl_edit::parser::Error> for FmtError {
    fn from(err: hcl_edit::parser::Error) -> Self {
        let location = err.location();
        FmtError {
            offset: location.offset(),
            line: location.line(),
            column: location.column(),
            message: err.message().to_owned(),
        }
    }
}

/// Returns the canonical formatting of an HCL source file. Idempotent: format(format(x)) == format(x).
///
/// # Errors
///
/// Returns [`FmtError`] when `src` is not valid HCL; nothing is formatted then, because
/// re-indenting a file whose brackets do not match could change its meaning.
pub fn format_source(src: &str) -> Result<String, FmtError> {
    hcl_edit::parser::parse_body(src)?;
    let formatted = render(src);
    // The formatter only moves whitespace, so its output always parses. Checking anyway costs one
    // parse and turns a formatter bug into an error instead of a rewritten, broken stack file.
    if let Err(err) = hcl_edit::parser::parse_body(&formatted) {
        return Err(FmtError {
            offset: 0,
            line: 1,
            column: 1,
            message: format!(
                "the formatted file would not parse ({}); the file was left unchanged, please report \
                 this as a tether fmt bug",
                err.message()
            ),
        });
    }
    Ok(formatted)
}

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

/// The kinds of bracket whose nesting drives indentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bracket {
    /// The `{` of a block body.
    Block,
    /// The `{` of an object or `for` expression.
    Object,
    Square,
    Paren,
    /// `${` or `%{` inside a string or heredoc, closed by `}`.
    Template,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Ident,
    /// A lone `=` (not `==`, `=>`, `<=`, `>=` or `!=`).
    Equals,
    Open(Bracket),
    Close(Bracket),
    LineComment,
    BlockComment,
    /// The opening `"` of a quoted string; its partner is the closing `"`.
    StrOpen,
    StrClose,
    /// `<<EOT` or `<<-EOT`.
    HeredocOpen,
    /// The (possibly indented) closing marker of a heredoc.
    HeredocClose,
    /// Anything else: numbers, operators, punctuation.
    Other,
}

#[derive(Clone, Copy, Debug)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
    /// Inside a heredoc's interpolation: such brackets never affect indentation, because heredoc
    /// lines are copied verbatim.
    in_heredoc: bool,
    /// For openers and closers, the index of the matching token.
    partner: Option<usize>,
}

/// What the formatter needs to know about a newline character to treat the line after it.
#[derive(Clone, Copy, Debug)]
struct Break {
    /// Byte offset of the `\n`.
    at: usize,
    /// The newline is part of a string or heredoc, so whitespace before it is content.
    keep_trailing: bool,
    /// The next line starts inside a string, heredoc or comment: its leading whitespace is
    /// content and must not be re-indented.
    verbatim_next: bool,
    /// The next line starts in a body (the file's or a block's), where attributes and blocks live.
    body_next: bool,
}

#[derive(Clone, Copy, Debug)]
enum Ctx {
    /// The file's body or a block's. `in_expr` is set after the `=` of an attribute, so that a
    /// `{` on the rest of that line opens an object rather than a nested block.
    Body {
        in_expr: bool,
    },
    Code(Bracket),
    Quoted,
    Heredoc,
}

struct Frame {
    ctx: Ctx,
    opener: Option<usize>,
}

/// Reads the shared lexer's tokens the way formatting needs them: which `{` opens a block body
/// and which an object, which tokens sit inside a heredoc, and what each line break means for
/// the line after it. String and heredoc text needs no token here: whatever lies between tokens
/// is copied as it is.
struct Tokens {
    stack: Vec<Frame>,
    heredocs: usize,
    /// The opener of a heredoc whose first line has not started yet.
    heredoc_opener: Option<usize>,
    tokens: Vec<Token>,
    breaks: Vec<Break>,
}

impl Tokens {
    fn read(src: &str) -> (Vec<Token>, Vec<Break>) {
        let mut out = Tokens {
            stack: vec![Frame { ctx: Ctx::Body { in_expr: false }, opener: None }],
            heredocs: 0,
            heredoc_opener: None,
            tokens: Vec::new(),
            breaks: Vec::new(),
        };
        for token in lexer::lex(src, lexer::HeredocEnd::Parsed) {
            out.token(src, &token);
        }
        (out.tokens, out.breaks)
    }

    fn top(&self) -> Ctx {
        self.stack.last().map_or(Ctx::Body { in_expr: false }, |frame| frame.ctx)
    }

    fn push(&mut self, kind: Kind, token: &lexer::Token) -> usize {
        let (start, end) = (token.start, token.end);
        self.tokens.push(Token { kind, start, end, in_heredoc: self.heredocs > 0, partner: None });
        self.tokens.len() - 1
    }

    fn open(&mut self, kind: Kind, token: &lexer::Token, ctx: Ctx) {
        let index = self.push(kind, token);
        self.stack.push(Frame { ctx, opener: Some(index) });
    }

    /// Pops the innermost context, which the lexer has paired `token` with, and emits the
    /// closer that fits it.
    fn close(&mut self, token: &lexer::Token) {
        let Some(frame) = self.stack.pop() else { return };
        let kind = match frame.ctx {
            Ctx::Body { .. } => Kind::Close(Bracket::Block),
            Ctx::Code(bracket) => Kind::Close(bracket),
            Ctx::Quoted => Kind::StrClose,
            Ctx::Heredoc => Kind::HeredocClose,
        };
        let index = self.push(kind, token);
        if let Some(opener) = frame.opener {
            self.tokens[opener].partner = Some(index);
            self.tokens[index].partner = Some(opener);
        }
        if matches!(frame.ctx, Ctx::Heredoc) {
            self.heredocs = self.heredocs.saturating_sub(1);
        }
    }

    /// Records a newline at `at`. Inside a heredoc (even in its interpolations) every byte is
    /// kept, whatever the caller says.
    fn line_break(&mut self, at: usize, keep_trailing: bool, verbatim_next: bool) {
        let in_heredoc = self.heredocs > 0;
        let verbatim_next = verbatim_next || in_heredoc;
        self.breaks.push(Break {
            at,
            keep_trailing: keep_trailing || in_heredoc,
            verbatim_next,
            body_next: !verbatim_next && matches!(self.top(), Ctx::Body { .. }),
        });
    }

    fn token(&mut self, src: &str, token: &lexer::Token) {
        use lexer::TokenKind as T;
        match token.kind {
            T::Ident => {
                self.push(Kind::Ident, token);
            }
            T::Number | T::Punct => {
                self.push(Kind::Other, token);
            }
            T::Assign => {
                self.push(Kind::Equals, token);
                if let Some(Frame { ctx: Ctx::Body { in_expr }, .. }) = self.stack.last_mut() {
                    *in_expr = true;
                }
            }
            T::Open(lexer::Bracket::Brace) => {
                if matches!(self.top(), Ctx::Body { in_expr: false }) {
                    self.open(Kind::Open(Bracket::Block), token, Ctx::Body { in_expr: false });
                } else {
                    self.open(Kind::Open(Bracket::Object), token, Ctx::Code(Bracket::Object));
                }
            }
            T::Open(lexer::Bracket::Square) => {
                self.open(Kind::Open(Bracket::Square), token, Ctx::Code(Bracket::Square))
            }
            T::Open(lexer::Bracket::Paren) => self.open(Kind::Open(Bracket::Paren), token, Ctx::Code(Bracket::Paren)),
            T::TemplateOpen => self.open(Kind::Open(Bracket::Template), token, Ctx::Code(Bracket::Template)),
            T::QuoteOpen => self.open(Kind::StrOpen, token, Ctx::Quoted),
            T::Close(_) | T::TemplateClose | T::QuoteClose | T::HeredocClose if token.partner.is_some() => {
                self.close(token)
            }
            // A closer the lexer could not pair; only a file hcl-edit rejects has one.
            T::Close(_) | T::TemplateClose | T::QuoteClose | T::HeredocClose => {
                self.push(Kind::Other, token);
            }
            T::HeredocOpen => self.heredoc_opener = Some(self.push(Kind::HeredocOpen, token)),
            T::Newline => {
                if let Some(opener) = self.heredoc_opener.take() {
                    // The opener's line ending is syntax, not content: record it before entering
                    // the heredoc so that a CRLF there becomes LF like any other line's.
                    self.line_break(token.start, false, true);
                    self.stack.push(Frame { ctx: Ctx::Heredoc, opener: Some(opener) });
                    self.heredocs += 1;
                    return;
                }
                match self.top() {
                    Ctx::Quoted | Ctx::Heredoc => self.line_break(token.start, true, true),
                    Ctx::Body { .. } | Ctx::Code(_) => {
                        // An attribute ends at the end of its line unless a bracket is still open.
                        if let Some(Frame { ctx: Ctx::Body { in_expr }, .. }) = self.stack.last_mut() {
                            *in_expr = false;
                        }
                        self.line_break(token.start, false, false);
                    }
                }
            }
            T::LineComment => {
                self.push(Kind::LineComment, token);
            }
            T::BlockComment => {
                self.push(Kind::BlockComment, token);
                let text = &src[token.start..token.end];
                for (i, _) in text.match_indices('\n') {
                    self.line_break(token.start + i, false, true);
                }
            }
            T::Literal => {}
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------------------------

/// Whitespace that may be dropped from the end of a line: a `\r` goes too, so CRLF files come
/// out with LF endings (except inside heredocs and strings, whose bytes are kept).
const TRAILING_WS: [char; 3] = [' ', '\t', '\r'];

/// One physical line of the source.
struct Line {
    start: usize,
    end: usize,
    verbatim: bool,
    body: bool,
    keep_trailing: bool,
    tokens: Range<usize>,
}

/// Splits the source at its newlines, giving each line the tokens that start on it and what
/// the lexer knew about the newline before it.
fn split_lines(src: &str, tokens: &[Token], breaks: &[Break]) -> Vec<Line> {
    let mut lines = Vec::with_capacity(breaks.len() + 1);
    let (mut start, mut verbatim, mut body) = (0, false, true);
    let mut next_token = 0;
    let mut push = |start: usize, end: usize, verbatim: bool, body: bool, keep_trailing: bool| {
        let first = next_token;
        while next_token < tokens.len() && tokens[next_token].start <= end {
            next_token += 1;
        }
        lines.push(Line { start, end, verbatim, body, keep_trailing, tokens: first..next_token });
    };
    for brk in breaks {
        push(start, brk.at, verbatim, body, brk.keep_trailing);
        start = brk.at + 1;
        verbatim = brk.verbatim_next;
        body = brk.body_next;
    }
    push(start, src.len(), verbatim, body, false);
    lines
}

/// What the indentation bookkeeping learned about one line.
struct LineLevels {
    indent: usize,
    /// The line leaves brackets open: blank lines after it are dropped.
    opens: bool,
    /// The line's brackets balance, so an attribute on it is a candidate for `=` alignment.
    balanced: bool,
    /// The line starts with a closing bracket: blank lines before it are dropped.
    closes_first: bool,
}

fn is_bracket(token: &Token) -> bool {
    matches!(token.kind, Kind::Open(_) | Kind::Close(_)) && !token.in_heredoc
}

/// How the lines of a multi-line expression or block are indented, as in `terraform fmt`: a line
/// that leaves brackets open adds one level however many it opened (`merge(x, {` indents its
/// contents once, not twice), and a line that starts by closing brackets is outdented by the
/// levels it closes.
#[derive(Default)]
struct Levels {
    /// The number of brackets still open in each level.
    open: Vec<usize>,
}

impl Levels {
    /// Closes one bracket of the innermost level; true when that emptied the level.
    fn close_one(&mut self) -> bool {
        match self.open.last_mut() {
            Some(count) if *count > 1 => {
                *count -= 1;
                false
            }
            Some(_) => {
                self.open.pop();
                true
            }
            None => false,
        }
    }

    /// Accounts for one line's brackets and returns its indentation level.
    fn line(&mut self, tokens: &[Token], verbatim: bool) -> LineLevels {
        // Closers before anything else on the line decide its own indentation; `}, {` closes
        // a level only partly and reopens it, so the contents after it stay at the same depth.
        let leading = if verbatim {
            0
        } else {
            tokens.iter().take_while(|t| matches!(t.kind, Kind::Close(_)) && !t.in_heredoc).count()
        };
        let mut partial = false;
        for _ in 0..leading {
            partial = !self.close_one() && !self.open.is_empty();
        }
        let indent = self.open.len() - usize::from(partial);
        let mut reopen = partial;
        let mut pending = 0usize;
        let mut closed = leading > 0;
        for token in tokens[leading..].iter().filter(|t| is_bracket(t)) {
            if matches!(token.kind, Kind::Open(_)) {
                pending += 1;
            } else if pending > 0 {
                pending -= 1;
            } else {
                closed = true;
                if self.close_one() {
                    reopen = false;
                }
            }
        }
        if pending > 0 {
            match self.open.last_mut() {
                Some(count) if reopen => *count += pending,
                _ => self.open.push(pending),
            }
        }
        LineLevels { indent, opens: pending > 0, balanced: pending == 0 && !closed, closes_first: leading > 0 }
    }
}

/// The shape of one output line.
enum Shape {
    Blank,
    /// An attribute in a body: its `=` may be aligned with its neighbours'.
    Attr {
        key: String,
        value: String,
        alignable: bool,
    },
    /// Any other line, already normalised, without indentation.
    Text(String),
    /// A line that starts inside a string, heredoc or comment, copied as is.
    Verbatim(String),
}

struct OutLine {
    indent: usize,
    shape: Shape,
    opens: bool,
    closes_first: bool,
}

/// Slices without panicking on a malformed range; the formatter must never panic on any input.
fn slice(src: &str, start: usize, end: usize) -> &str {
    src.get(start..end).unwrap_or("")
}

/// `ident [/* comments */] = value` at the start of `tokens`: returns the key text and the
/// index of the first value token.
fn attribute_parts(src: &str, tokens: &[Token]) -> Option<(String, usize)> {
    if tokens.first()?.kind != Kind::Ident {
        return None;
    }
    let eq = tokens.iter().position(|t| !matches!(t.kind, Kind::Ident | Kind::BlockComment))?;
    if tokens[eq].kind != Kind::Equals || eq + 1 >= tokens.len() {
        return None;
    }
    // Only the first token may be an identifier: `a b = 1` is not an attribute.
    if tokens[1..eq].iter().any(|t| t.kind == Kind::Ident) {
        return None;
    }
    let key = tokens[..eq].iter().map(|t| slice(src, t.start, t.end)).collect::<Vec<_>>().join(" ");
    Some((key, eq + 1))
}

/// Normalises a block header line: `type "label" other {`, with the rest after the `{` (a
/// comment, or a one-line body such as `{ enabled = true }`) kept.
fn block_header(src: &str, tokens: &[Token], base: usize, content_end: usize) -> Option<String> {
    if tokens.first()?.kind != Kind::Ident {
        return None;
    }
    let mut parts = vec![slice(src, tokens[0].start, tokens[0].end)];
    let mut i = 1;
    let brace = loop {
        let token = tokens.get(i)?;
        match token.kind {
            Kind::StrOpen => {
                let close = token.partner?.checked_sub(base).filter(|&c| c < tokens.len())?;
                parts.push(slice(src, token.start, tokens[close].end));
                i = close + 1;
            }
            Kind::Ident | Kind::BlockComment => {
                parts.push(slice(src, token.start, token.end));
                i += 1;
            }
            Kind::Open(Bracket::Block) => break i,
            _ => return None,
        }
    };
    let mut out = parts.join(" ");
    let open = &tokens[brace];
    let close = open.partner.and_then(|p| p.checked_sub(base)).filter(|&c| c < tokens.len());
    let Some(close) = close else {
        // A multi-line body: keep a trailing comment (or a one-line body continuing on the next
        // lines) after a single space.
        out.push_str(" {");
        let rest = slice(src, open.end, content_end).trim_start();
        if !rest.is_empty() {
            out.push(' ');
            out.push_str(rest);
        }
        return Some(out);
    };
    let inner = &tokens[brace + 1..close];
    let body_end = tokens[close].start;
    if inner.is_empty() {
        out.push_str(" {}");
    } else if let Some((key, value)) = attribute_parts(src, inner) {
        let value = slice(src, inner[value].start, body_end).trim_end();
        let _ = write!(out, " {{ {key} = {value} }}");
    } else {
        let _ = write!(out, " {{ {} }}", slice(src, inner[0].start, body_end).trim_end());
    }
    let tail = slice(src, tokens[close].end, content_end).trim_start();
    if !tail.is_empty() {
        out.push(' ');
        out.push_str(tail);
    }
    Some(out)
}

/// Re-emits one source line: verbatim when it starts inside a string, heredoc or comment,
/// otherwise trimmed, with body-level attributes and block headers normalised.
fn format_line(src: &str, line: &Line, tokens: &[Token], levels: &mut Levels) -> OutLine {
    let line_tokens = &tokens[line.tokens.clone()];
    let info = levels.line(line_tokens, line.verbatim);
    let raw = slice(src, line.start, line.end);
    if line.verbatim {
        let text = if line.keep_trailing { raw } else { raw.trim_end_matches(TRAILING_WS) };
        return OutLine { indent: 0, shape: Shape::Verbatim(text.to_owned()), opens: info.opens, closes_first: false };
    }
    let out = |shape| OutLine { indent: info.indent, shape, opens: info.opens, closes_first: info.closes_first };
    let content_start = line.start + (raw.len() - raw.trim_start_matches([' ', '\t']).len());
    let content_end = if line.keep_trailing { line.end } else { line.start + raw.trim_end_matches(TRAILING_WS).len() };
    if line_tokens.is_empty() && content_start >= content_end {
        return out(Shape::Blank);
    }
    let content = slice(src, content_start, content_end);
    if line.body {
        if let Some((key, value)) = attribute_parts(src, line_tokens) {
            let value = slice(src, line_tokens[value].start, content_end).to_owned();
            return out(Shape::Attr { key, value, alignable: info.balanced });
        }
        if let Some(header) = block_header(src, line_tokens, line.tokens.start, content_end) {
            return out(Shape::Text(header));
        }
    }
    out(Shape::Text(content.to_owned()))
}

/// Drops blank lines at the start and end of the file, after a line that opens a bracket,
/// before a line that starts with a closing one, and all but one of each run.
fn drop_blank_lines(lines: Vec<OutLine>) -> Vec<OutLine> {
    let mut kept: Vec<OutLine> = Vec::with_capacity(lines.len());
    let mut pending_blank: Option<OutLine> = None;
    for line in lines {
        if matches!(line.shape, Shape::Blank) {
            let after_opener = kept.last().is_none_or(|prev| prev.opens);
            if !after_opener && pending_blank.is_none() {
                pending_blank = Some(line);
            }
            continue;
        }
        if let Some(blank) = pending_blank.take() {
            if !line.closes_first {
                kept.push(blank);
            }
        }
        kept.push(line);
    }
    kept
}

/// Formats a source that hcl-edit has accepted.
fn render(src: &str) -> String {
    let (tokens, breaks) = Tokens::read(src);
    let mut levels = Levels::default();
    let lines: Vec<OutLine> =
        split_lines(src, &tokens, &breaks).iter().map(|line| format_line(src, line, &tokens, &mut levels)).collect();
    let lines = drop_blank_lines(lines);

    // The width of the key column of each alignable attribute: the longest key of its run of
    // consecutive alignable attributes.
    let key_width = |line: &OutLine| match &line.shape {
        Shape::Attr { key, alignable: true, .. } => Some(key.chars().count()),
        _ => None,
    };
    let mut widths = vec![0usize; lines.len()];
    let mut i = 0;
    while i < lines.len() {
        let start = i;
        let mut width = 0;
        while let Some(w) = lines.get(i).and_then(key_width) {
            width = width.max(w);
            i += 1;
        }
        widths[start..i].fill(width);
        i = i.max(start + 1);
    }

    let mut out = String::with_capacity(src.len() + src.len() / 8);
    for (line, width) in lines.iter().zip(widths) {
        let indent = "  ".repeat(line.indent);
        match &line.shape {
            Shape::Blank => {}
            Shape::Attr { key, value, alignable } => {
                let pad = if *alignable { width.saturating_sub(key.chars().count()) } else { 0 };
                let _ = write!(out, "{indent}{key}{} = {value}", " ".repeat(pad));
            }
            Shape::Text(text) => {
                out.push_str(&indent);
                out.push_str(text);
            }
            Shape::Verbatim(text) => out.push_str(text),
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use hcl_edit::expr::{Array, Expression, FuncArgs, Object, ObjectKeyMut, TraversalOperator};
    use hcl_edit::structure::{BlockLabel, Body, Structure};
    use hcl_edit::visit_mut::{self, VisitMut};
    use hcl_edit::{Decorate, Decorated, Ident};

    /// Test inputs write trailing spaces as `·` so that they survive editors and review tools.
    fn spaces(text: &str) -> String {
        text.replace('·', " ")
    }

    /// Formats `input`, compares with `expected` and checks the properties every result must
    /// have: idempotence, the same attributes and blocks, and the same comments.
    fn check(input: &str, expected: &str) {
        let formatted = format_source(input).unwrap_or_else(|err| panic!("format failed: {err}"));
        assert_eq!(formatted, expected, "\n--- got ---\n{formatted}\n--- expected ---\n{expected}");
        assert_stable(input, &formatted);
    }

    fn assert_stable(input: &str, formatted: &str) {
        let again = format_source(formatted).unwrap_or_else(|err| panic!("formatted output does not format: {err}"));
        assert_eq!(again, formatted, "not idempotent for input:\n{input}");
        assert_eq!(structure(input), structure(formatted), "structure changed for input:\n{input}");
        assert_eq!(comments(input), comments(formatted), "comments changed for input:\n{input}");
    }

    /// Clears every piece of whitespace and comment decor hcl-edit keeps, so that two parses
    /// print the same when they differ only in layout.
    struct StripDecor;

    impl VisitMut for StripDecor {
        fn visit_expr_mut(&mut self, node: &mut Expression) {
            node.decor_mut().clear();
            visit_mut::visit_expr_mut(self, node);
        }
        fn visit_array_mut(&mut self, node: &mut Array) {
            node.set_trailing("");
            visit_mut::visit_array_mut(self, node);
        }
        fn visit_object_mut(&mut self, node: &mut Object) {
            node.set_trailing("");
            visit_mut::visit_object_mut(self, node);
        }
        fn visit_object_key_mut(&mut self, mut node: ObjectKeyMut) {
            node.decor_mut().clear();
        }
        fn visit_func_args_mut(&mut self, node: &mut FuncArgs) {
            node.set_trailing("");
            node.decor_mut().clear();
            visit_mut::visit_func_args_mut(self, node);
        }
        fn visit_traversal_operator_mut(&mut self, node: &mut TraversalOperator) {
            node.decor_mut().clear();
            visit_mut::visit_traversal_operator_mut(self, node);
        }
        fn visit_ident_mut(&mut self, node: &mut Decorated<Ident>) {
            node.decor_mut().clear();
        }
    }

    /// One line per attribute and block, with its nesting path and layout-free value.
    fn structure(src: &str) -> Vec<String> {
        fn walk(body: &Body, path: &str, out: &mut Vec<String>) {
            for item in body {
                match item {
                    Structure::Attribute(attr) => out.push(format!("{path}{} = {}", attr.key.as_str(), attr.value)),
                    Structure::Block(block) => {
                        let mut name = block.ident.as_str().to_owned();
                        for label in &block.labels {
                            match label {
                                BlockLabel::String(s) => name.push_str(&format!(" {:?}", s.as_str())),
                                BlockLabel::Ident(i) => name.push_str(&format!(" {}", i.as_str())),
                            }
                        }
                        out.push(format!("{path}{name} {{"));
                        walk(&block.body, &format!("{path}{name}."), out);
                    }
                }
            }
        }
        let mut body = hcl_edit::parser::parse_body(src).unwrap_or_else(|err| panic!("does not parse: {err}\n{src}"));
        StripDecor.visit_body_mut(&mut body);
        let mut out = Vec::new();
        walk(&body, "", &mut out);
        out
    }

    /// The text of every comment, in order, with trailing whitespace (which fmt drops) removed.
    fn comments(src: &str) -> Vec<String> {
        let (tokens, _) = Tokens::read(src);
        tokens
            .iter()
            .filter(|t| matches!(t.kind, Kind::LineComment | Kind::BlockComment))
            .map(|t| {
                src[t.start..t.end].lines().map(|l| l.trim_end_matches(TRAILING_WS)).collect::<Vec<_>>().join("\n")
            })
            .collect()
    }

    const MESSY: &str = r#"

# Networking for the hybrid cluster.
// Managed by tether.
variable "region" {
    type = string
  default="eu-west-1"···
  description    =   "where everything lives"
}



resource   "aws_vpc"    "main"{

      cidr_block = "10.0.0.0/16"
      enable_dns_hostnames = true # needed for EKS
  /* a block
     comment */
  tags = {
          Name = "main"
      Env  = var.env
    }


}

resource "aws_subnet" "zone" {
for_each = toset(var.zones)
  vpc_id = aws_vpc.main.id
  cidr_block = cidrsubnet(aws_vpc.main.cidr_block, 8,
                          index(var.zones, each.key))

  // route the node ports
  ingress {
      from_port = 30000
      to_port = 32767
      cidr_blocks = [
          "10.0.0.0/8",
              "192.168.0.0/16", # office
      ]
  }
  lifecycle { create_before_destroy=true }
  timeouts {  }
}

resource "mock_server" "node" {
    user_data = <<-EOT
        #!/bin/sh
          echo "keep   my    spacing"···
    EOT
    name = "node"
    script = <<EOF
  not indented
EOF
}

locals {
  rules = [{
      port = 80
    }, {
      port = 443
    }]
  merged = merge(local.a, {
        extra = "yes"
      })
}


"#;

    const MESSY_FORMATTED: &str = r#"# Networking for the hybrid cluster.
// Managed by tether.
variable "region" {
  type        = string
  default     = "eu-west-1"
  description = "where everything lives"
}

resource "aws_vpc" "main" {
  cidr_block           = "10.0.0.0/16"
  enable_dns_hostnames = true # needed for EKS
  /* a block
     comment */
  tags = {
    Name = "main"
    Env  = var.env
  }
}

resource "aws_subnet" "zone" {
  for_each = toset(var.zones)
  vpc_id   = aws_vpc.main.id
  cidr_block = cidrsubnet(aws_vpc.main.cidr_block, 8,
    index(var.zones, each.key))

  // route the node ports
  ingress {
    from_port = 30000
    to_port   = 32767
    cidr_blocks = [
      "10.0.0.0/8",
      "192.168.0.0/16", # office
    ]
  }
  lifecycle { create_before_destroy = true }
  timeouts {}
}

resource "mock_server" "node" {
  user_data = <<-EOT
        #!/bin/sh
          echo "keep   my    spacing"···
    EOT
  name   = "node"
  script = <<EOF
  not indented
EOF
}

locals {
  rules = [{
    port = 80
  }, {
    port = 443
  }]
  merged = merge(local.a, {
    extra = "yes"
  })
}
"#;

    /// Expressions, templates and comment placements that the other inputs do not cover.
    const EDGES: &str = r#"locals {
	tabbed = 1
  long_name /* why */ = 2
  greeting = "hello ${
      upper(var.name)
    } there"
  ids = [for s in var.subnets :
      s.id
        if s.public]
  script = [<<EOT
  line one
EOT
  , "x"]
  tmpl = <<EOT
%{ for x in var.xs ~}
  ${x}
%{ endfor ~}
EOT
  cond = (
      var.a
      ? 1
      : 2
  )
  ünïcode = "ok"
  esc = "a \" b $${c} %%{d} // not a comment"
  url = "http://example.com/#not-a-comment"
}
block "a" { # trailing comment
  inner { /* nothing */ }
  other label {
  }
} # closing comment
x = {}
y = []
"#;

    const EDGES_FORMATTED: &str = r#"locals {
  tabbed              = 1
  long_name /* why */ = 2
  greeting = "hello ${
    upper(var.name)
  } there"
  ids = [for s in var.subnets :
    s.id
    if s.public]
  script = [<<EOT
  line one
EOT
    , "x"]
  tmpl = <<EOT
%{ for x in var.xs ~}
  ${x}
%{ endfor ~}
EOT
  cond = (
    var.a
    ? 1
    : 2
  )
  ünïcode = "ok"
  esc     = "a \" b $${c} %%{d} // not a comment"
  url     = "http://example.com/#not-a-comment"
}
block "a" { # trailing comment
  inner { /* nothing */ }
  other label {
  }
} # closing comment
x = {}
y = []
"#;

    #[test]
    fn messy_stack_formats_to_canonical_layout() {
        check(&spaces(MESSY), &spaces(MESSY_FORMATTED));
    }

    #[test]
    fn expressions_templates_and_comments_keep_their_text() {
        check(EDGES, EDGES_FORMATTED);
    }

    #[test]
    fn the_quickstart_style_is_already_canonical() {
        // A stack in the house style must come out unchanged: heredoc attributes line up with
        // their neighbours, multi-line ones do not.
        let canonical = r#"resource "mock_server" "node" {
  count     = var.server_count
  password  = var.admin_password
  user_data = <<-EOT
    #!/bin/sh
    hostname node-${count.index + 1}
  EOT

  subnets = { for i, z in var.zones : z => cidrsubnet(var.vpc_cidr, 8, i + 1) }
  tags = {
    stack = "quickstart"
  }

  lifecycle {
    create_before_destroy = true
  }
}
"#;
        check(canonical, canonical);
    }

    #[test]
    fn alignment_runs_are_broken_by_blank_lines_comments_blocks_and_multi_line_values() {
        let input = r#"a = 1
bbb = 2

cc = 3
dddd = 4
# a comment breaks the run
e = 5
ffffff = 6
nested {
  g = 7
}
hh = 8
list = [
  1,
]
iii = 9
j = 10 # a trailing comment does not
"#;
        let expected = r#"a   = 1
bbb = 2

cc   = 3
dddd = 4
# a comment breaks the run
e      = 5
ffffff = 6
nested {
  g = 7
}
hh = 8
list = [
  1,
]
iii = 9
j   = 10 # a trailing comment does not
"#;
        check(input, expected);
    }

    #[test]
    fn blank_lines_are_collapsed_and_trimmed_inside_brackets() {
        let input = "\n\n\nblock {\n\n\n  a = 1\n\n\n\n  b = [\n\n    1,\n\n  ]\n\n}\n\n\n\nc = 2\n\n\n";
        let expected = "block {\n  a = 1\n\n  b = [\n    1,\n  ]\n}\n\nc = 2\n";
        check(input, expected);
    }

    #[test]
    fn whitespace_only_files_format_to_nothing_and_a_final_newline_is_added() {
        check("", "");
        check("\n \n\t\n", "");
        check("a=1", "a = 1\n");
        check("# only a comment   \n\n\n", "# only a comment\n");
    }

    #[test]
    fn crlf_becomes_lf_except_inside_heredocs() {
        let input = "a = 1\r\nbb = 2\r\nblock {\r\n    c = <<EOT\r\n  keep\r\nEOT\r\n}\r\n";
        let expected = "a  = 1\nbb = 2\nblock {\n  c = <<EOT\n  keep\r\nEOT\n}\n";
        check(input, expected);
    }

    #[test]
    fn syntax_error_reports_its_line() {
        let input = "a = 1\nblock {\n  b = = 2\n}\n";
        let err = format_source(input).unwrap_err();
        assert_eq!(err.line, 3, "{err:?}");
        assert!(err.column > 1, "{err:?}");
        assert!(err.offset >= input.find("b = =").unwrap(), "{err:?}");
        assert!(!err.message.is_empty());
        assert!(err.to_string().starts_with("3:"), "{err}");

        let unclosed = "block {\n  a = 1\n";
        assert!(format_source(unclosed).is_err());
    }

    #[test]
    fn the_structure_check_sees_value_changes_but_not_layout() {
        assert_eq!(structure("a = [1,\n      2]\n"), structure("a = [1,\n  2]\n"));
        assert_ne!(structure("a = [1, 2]\n"), structure("a = [1, 3]\n"));
        assert_ne!(structure("a = <<EOT\n  x\nEOT\n"), structure("a = <<EOT\n    x\nEOT\n"));
        assert_ne!(structure("a = \"x  y\"\n"), structure("a = \"x y\"\n"));
        assert_ne!(structure("b { a = 1 }\n"), structure("b \"l\" { a = 1 }\n"));
    }

    /// Dropping any one line or character of the test inputs makes many odd but valid files;
    /// each that parses must format to a stable result with the same structure and comments.
    #[test]
    fn mutated_inputs_format_stably() {
        let inputs = [spaces(MESSY), EDGES.to_owned()];
        let mut formatted_count = 0;
        for input in &inputs {
            let lines: Vec<&str> = input.split_inclusive('\n').collect();
            for skip in 0..lines.len() {
                let mutated: String = lines.iter().enumerate().filter(|(i, _)| *i != skip).map(|(_, l)| *l).collect();
                if let Ok(formatted) = format_source(&mutated) {
                    assert_stable(&mutated, &formatted);
                    formatted_count += 1;
                }
            }
            // Deleting letters mostly breaks names; the syntax characters are the interesting ones.
            for (at, c) in input.char_indices().filter(|(_, c)| !c.is_alphanumeric()) {
                let mutated = format!("{}{}", &input[..at], &input[at + c.len_utf8()..]);
                if let Ok(formatted) = format_source(&mutated) {
                    assert_stable(&mutated, &formatted);
                    formatted_count += 1;
                }
            }
        }
        // Most single deletions still parse; if almost none did the test would prove nothing.
        assert!(formatted_count > 500, "only {formatted_count} mutated inputs parsed");
    }

    /// Every prefix of every test input either fails to parse or formats to a stable result
    /// with the same structure: truncated files exercise unterminated strings, heredocs and
    /// comments, and the formatter must never panic on them.
    #[test]
    fn truncated_inputs_never_panic_and_stay_stable() {
        let inputs =
            [spaces(MESSY), EDGES.to_owned(), "a = 1\r\nblock {\r\n  c = <<EOT\r\n  x\r\nEOT\r\n}\r\n".to_owned()];
        for input in &inputs {
            for (end, _) in input.char_indices().chain([(input.len(), ' ')]) {
                let prefix = &input[..end];
                if let Ok(formatted) = format_source(prefix) {
                    assert_stable(prefix, &formatted);
                }
            }
        }
    }
}
