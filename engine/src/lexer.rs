//! The engine's one HCL tokenizer. `tether fmt` lays files out from its tokens, and the stack
//! loader's syntax diagnostics use it to find the string, bracket or heredoc a parse error left
//! open.
//!
//! hcl-edit is the parser, but it keeps no tokens and stops at the first error, while both users
//! need to know where each string, template sequence, heredoc, comment and bracket starts and
//! ends, in broken files as well as valid ones. So this lexer knows exactly that much of HCL and
//! follows hcl-edit's rules for where each of those ends; names, numbers and operators are told
//! apart but not checked. It is total: any text yields tokens in linear time without panicking.
//! Where a broken file leaves a heredoc's end in doubt, [`HeredocEnd`] says which end to take.
//! A string, template sequence, bracket or heredoc that is never closed shows as an opening token
//! without a partner, and a block comment that is never closed runs to the end of the text.

/// The three kinds of bracket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Bracket {
    /// `{ }`: a block body, an object or a `for` expression producing one.
    Brace,
    /// `[ ]`: a list, an index or a `for` expression producing a list.
    Square,
    /// `( )`: a function call's arguments or a parenthesised expression.
    Paren,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// A name: `resource`, `aws_vpc`, `for_each`, `true`. HCL names may contain `-`.
    Ident,
    /// A number: `42`, `3.5`, `1e3`.
    Number,
    /// A lone `=`, as between an attribute's name and its value (`==`, `!=`, `<=`, `>=` and `=>`
    /// are operators).
    Assign,
    /// Any other operator or punctuation (`==`, `=>`, `&&`, `...`, `.`, `,`, `?`), or a character
    /// HCL gives no meaning to.
    Punct,
    Open(Bracket),
    /// A closing bracket; one that closes no open bracket of its kind has no partner.
    Close(Bracket),
    /// The `"` that starts a quoted string.
    QuoteOpen,
    QuoteClose,
    /// `${` (an interpolation) or `%{` (a directive) inside a string or heredoc.
    TemplateOpen,
    /// The `}` that ends a template sequence.
    TemplateClose,
    /// `<<EOT` or `<<-EOT`. The line break after it follows as a [`TokenKind::Newline`].
    HeredocOpen,
    /// The line that ends a heredoc, from the start of the line (indentation included) to the end
    /// of the delimiter.
    HeredocClose,
    /// Text of a quoted string or heredoc between its other tokens, escapes (`\"`, `$${`, `%%{`)
    /// included. A line break in the text is a [`TokenKind::Newline`] of its own.
    Literal,
    /// A line break. In code it can end an attribute; in a string or heredoc it is text.
    Newline,
    /// `# ...` or `// ...`, up to the line break.
    LineComment,
    /// `/* ... */`, which may span lines; one never closed runs to the end of the text.
    BlockComment,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    /// Byte offsets of the token in the source; always on character boundaries.
    pub start: usize,
    pub end: usize,
    /// For a token that opens something (a bracket, a quote, a template sequence, a heredoc), the
    /// index of the token that closes it, and for that token the opener's. An opener without one
    /// is never closed; a closer without one closes nothing.
    pub partner: Option<usize>,
}

/// Where a heredoc ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HeredocEnd {
    /// Where hcl-edit ends it: at the first line of its text that starts with the delimiter
    /// (after any indentation) not followed by a name character. Inside a template sequence of
    /// the heredoc no line ends it, since that is code.
    Parsed,
    /// At the first line after the opener that holds only the delimiter, whatever is still open
    /// inside the heredoc (that stays unclosed); a line such as `EOT)` does not end it. This is
    /// where a reader sees the heredoc end, and so where the syntax diagnostics of a file that
    /// does not parse take it to end. It applies to the outermost heredoc; one inside it ends
    /// as parsed.
    DelimiterLine,
}

/// Splits HCL source into tokens.
pub(crate) fn lex(src: &str, heredoc_end: HeredocEnd) -> Vec<Token> {
    let mut lexer = Lexer {
        src,
        bytes: src.as_bytes(),
        pos: 0,
        stack: Vec::new(),
        tokens: Vec::new(),
        heredoc_end,
        outer_heredoc: None,
    };
    while lexer.pos < lexer.bytes.len() {
        match lexer.stack.last().map(|frame| frame.ctx) {
            Some(Ctx::Quoted) => lexer.quoted(),
            Some(Ctx::Heredoc { .. }) => lexer.heredoc(),
            _ => lexer.code(),
        }
    }
    lexer.tokens
}

/// The delimiter of a heredoc, given its opener's text (`<<-EOT` -> `EOT`).
pub(crate) fn heredoc_delimiter(opener: &str) -> &str {
    opener.trim_start_matches('<').trim_start_matches('-')
}

/// Whether `c` may start an HCL name.
fn is_id_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

/// Whether `c` may continue an HCL name.
pub(crate) fn is_id_continue(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

/// Where the lexer is: which construct the next byte belongs to.
#[derive(Clone, Copy, Debug)]
enum Ctx {
    /// Inside a bracket.
    Bracket(Bracket),
    /// Inside `${ }` or `%{ }`: code, ended by `}`.
    Template,
    /// Inside a quoted string's text.
    Quoted,
    /// Inside a heredoc's text; `delim` is the byte range of its delimiter in the source, and
    /// `line_start` is set at the start of each line, where the closing delimiter may stand.
    Heredoc { delim: (usize, usize), line_start: bool },
}

struct Frame {
    ctx: Ctx,
    /// The index of the token that opened this context.
    opener: usize,
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// Open contexts, outermost first; code at the top level of the file is the empty stack.
    stack: Vec<Frame>,
    tokens: Vec<Token>,
    heredoc_end: HeredocEnd,
    /// With [`HeredocEnd::DelimiterLine`], the outermost open heredoc: its frame's index in the
    /// stack and its delimiter.
    outer_heredoc: Option<(usize, &'a str)>,
}

/// Operators of more than one character; any other punctuation is one character long.
const OPERATORS: &[&str] = &["...", "==", "!=", "<=", ">=", "&&", "||", "=>"];

impl Lexer<'_> {
    fn byte(&self, at: usize) -> Option<u8> {
        self.bytes.get(at).copied()
    }

    fn char_at(&self, at: usize) -> Option<char> {
        self.src.get(at..).and_then(|rest| rest.chars().next())
    }

    /// Adds a token from `self.pos` to `end` and moves past it.
    fn push(&mut self, kind: TokenKind, end: usize) -> usize {
        self.tokens.push(Token { kind, start: self.pos, end, partner: None });
        self.pos = end;
        self.tokens.len() - 1
    }

    fn open(&mut self, kind: TokenKind, len: usize, ctx: Ctx) {
        let opener = self.push(kind, self.pos + len);
        self.stack.push(Frame { ctx, opener });
    }

    /// Adds the token that closes the innermost context, pairs it with its opener and leaves
    /// the context.
    fn close(&mut self, kind: TokenKind, end: usize) {
        let index = self.push(kind, end);
        if let Some(frame) = self.stack.pop() {
            self.tokens[frame.opener].partner = Some(index);
            self.tokens[index].partner = Some(frame.opener);
        }
    }

    fn code(&mut self) {
        let start = self.pos;
        let next = self.byte(start + 1);
        let top = self.stack.last().map(|frame| frame.ctx);
        match self.bytes[start] {
            b' ' | b'\t' | b'\r' => self.pos += 1,
            b'\n' => self.newline(),
            b'#' => self.line_comment(),
            b'/' if next == Some(b'/') => self.line_comment(),
            b'/' if next == Some(b'*') => self.block_comment(),
            b'"' => self.open(TokenKind::QuoteOpen, 1, Ctx::Quoted),
            b'<' if next == Some(b'<') => {
                if !self.heredoc_opener() {
                    self.punct();
                }
            }
            b'{' => self.open(TokenKind::Open(Bracket::Brace), 1, Ctx::Bracket(Bracket::Brace)),
            b'[' => self.open(TokenKind::Open(Bracket::Square), 1, Ctx::Bracket(Bracket::Square)),
            b'(' => self.open(TokenKind::Open(Bracket::Paren), 1, Ctx::Bracket(Bracket::Paren)),
            b'}' if matches!(top, Some(Ctx::Template)) => self.close(TokenKind::TemplateClose, start + 1),
            closer @ (b'}' | b']' | b')') => {
                let bracket = match closer {
                    b'}' => Bracket::Brace,
                    b']' => Bracket::Square,
                    _ => Bracket::Paren,
                };
                if matches!(top, Some(Ctx::Bracket(open)) if open == bracket) {
                    self.close(TokenKind::Close(bracket), start + 1);
                } else {
                    // A closer that matches nothing stays unpaired and closes nothing, so one
                    // stray bracket does not shift every pair after it.
                    self.push(TokenKind::Close(bracket), start + 1);
                }
            }
            b'0'..=b'9' => self.number(),
            _ => match self.char_at(start) {
                Some(c) if is_id_start(c) => {
                    let mut end = start + c.len_utf8();
                    while let Some(c) = self.char_at(end).filter(|&c| is_id_continue(c)) {
                        end += c.len_utf8();
                    }
                    self.push(TokenKind::Ident, end);
                }
                Some(_) => self.punct(),
                // Not on a character boundary: cannot happen for a `&str`, but never loop forever.
                None => self.pos += 1,
            },
        }
    }

    /// Digits, an optional fraction and an optional exponent.
    fn number(&mut self) {
        let digits = |lexer: &Self, mut at: usize| {
            while lexer.byte(at).is_some_and(|b| b.is_ascii_digit()) {
                at += 1;
            }
            at
        };
        let mut end = digits(self, self.pos);
        if self.byte(end) == Some(b'.') && self.byte(end + 1).is_some_and(|b| b.is_ascii_digit()) {
            end = digits(self, end + 1);
        }
        if matches!(self.byte(end), Some(b'e' | b'E')) {
            let sign = usize::from(matches!(self.byte(end + 1), Some(b'+' | b'-')));
            if self.byte(end + 1 + sign).is_some_and(|b| b.is_ascii_digit()) {
                end = digits(self, end + 1 + sign);
            }
        }
        self.push(TokenKind::Number, end);
    }

    fn punct(&mut self) {
        let rest = &self.src[self.pos..];
        if let Some(op) = OPERATORS.iter().find(|op| rest.starts_with(**op)) {
            self.push(TokenKind::Punct, self.pos + op.len());
        } else if rest.starts_with('=') {
            self.push(TokenKind::Assign, self.pos + 1);
        } else {
            let len = rest.chars().next().map_or(1, char::len_utf8);
            self.push(TokenKind::Punct, self.pos + len);
        }
    }

    fn line_comment(&mut self) {
        let end = self.src[self.pos..].find('\n').map_or(self.bytes.len(), |i| self.pos + i);
        self.push(TokenKind::LineComment, end);
    }

    fn block_comment(&mut self) {
        let body = self.pos + 2;
        let mut end = self.src[body..].find("*/").map_or(self.bytes.len(), |i| body + i + 2);
        if self.outer_heredoc.is_some() {
            // A line holding only the heredoc's delimiter ends the heredoc, and so the comment.
            end = self.src[body..end]
                .match_indices('\n')
                .map(|(i, _)| body + i)
                .find(|&at| self.ends_outer_heredoc(at + 1).is_some())
                .unwrap_or(end);
        }
        self.push(TokenKind::BlockComment, end);
    }

    /// A line break, and with [`HeredocEnd::DelimiterLine`] the end of the outermost heredoc if
    /// the next line holds only its delimiter.
    fn newline(&mut self) {
        self.push(TokenKind::Newline, self.pos + 1);
        let Some(marker_end) = self.ends_outer_heredoc(self.pos) else { return };
        if let Some((frame, _)) = self.outer_heredoc.take() {
            // What is open inside the heredoc is cut off there and stays unclosed.
            self.stack.truncate(frame + 1);
            self.close(TokenKind::HeredocClose, marker_end);
        }
    }

    /// Whether the line starting at `line_start` holds only the delimiter of the outermost open
    /// heredoc (with [`HeredocEnd::DelimiterLine`]); if so, where the delimiter ends.
    fn ends_outer_heredoc(&self, line_start: usize) -> Option<usize> {
        let (_, delimiter) = self.outer_heredoc?;
        let rest = &self.src[line_start..];
        let line = &rest[..rest.find('\n').unwrap_or(rest.len())];
        let indent = line.len() - line.trim_start().len();
        (line.trim() == delimiter).then_some(line_start + indent + delimiter.len())
    }

    /// At `<<`: a heredoc opener is `<<` or `<<-`, a name, and the end of the line. hcl-edit wants
    /// the line break right after the name; blanks before it are accepted here, so that a stray
    /// space does not turn the heredoc's text into code for the syntax diagnostics.
    fn heredoc_opener(&mut self) -> bool {
        let mut p = self.pos + 2;
        if self.byte(p) == Some(b'-') {
            p += 1;
        }
        let delim_start = p;
        match self.char_at(p) {
            Some(c) if is_id_start(c) => p += c.len_utf8(),
            _ => return false,
        }
        while let Some(c) = self.char_at(p).filter(|&c| is_id_continue(c)) {
            p += c.len_utf8();
        }
        let mut line_end = p;
        while matches!(self.byte(line_end), Some(b' ' | b'\t' | b'\r')) {
            line_end += 1;
        }
        if self.byte(line_end) != Some(b'\n') {
            return false;
        }
        self.open(TokenKind::HeredocOpen, p - self.pos, Ctx::Heredoc { delim: (delim_start, p), line_start: false });
        if self.heredoc_end == HeredocEnd::DelimiterLine && self.outer_heredoc.is_none() {
            self.outer_heredoc = Some((self.stack.len() - 1, &self.src[delim_start..p]));
        }
        // The blanks are not text of the heredoc; its first line starts after the line break.
        self.pos = line_end;
        true
    }

    /// Literal text up to the next line break, template sequence or (in a quoted string) closing
    /// quote. Returns where it stopped.
    fn text(&mut self, quoted: bool) -> usize {
        let start = self.pos;
        let mut p = start;
        while let Some(b) = self.byte(p) {
            match b {
                b'\n' => break,
                b'"' if quoted => break,
                // Backslash escapes exist in quoted strings only; the escaped character, even a
                // line break or a quote, is text. But a line break in a heredoc that ends at its
                // delimiter line has to be seen, to see that line.
                b'\\' if quoted && self.outer_heredoc.is_some() && self.byte(p + 1) == Some(b'\n') => p += 1,
                b'\\' if quoted => p += 1 + self.char_at(p + 1).map_or(0, char::len_utf8),
                // `$${` and `%%{` are escapes for a literal `${` and `%{`.
                b'$' | b'%' if self.byte(p + 1) == Some(b) && self.byte(p + 2) == Some(b'{') => p += 3,
                b'$' | b'%' if self.byte(p + 1) == Some(b'{') => break,
                _ => p += 1,
            }
        }
        if p > start {
            self.push(TokenKind::Literal, p);
        }
        p
    }

    fn quoted(&mut self) {
        let at = self.text(true);
        match self.byte(at) {
            Some(b'"') => self.close(TokenKind::QuoteClose, at + 1),
            // hcl-edit accepts a line break in a quoted string (HCL does not); either way the
            // string goes on.
            Some(b'\n') => self.newline(),
            Some(_) => self.open(TokenKind::TemplateOpen, 2, Ctx::Template),
            None => {}
        }
    }

    fn heredoc(&mut self) {
        let outermost = self.outer_heredoc.is_some_and(|(frame, _)| frame + 1 == self.stack.len());
        let Some(Frame { ctx: Ctx::Heredoc { delim, line_start }, .. }) = self.stack.last_mut() else { return };
        let delim = *delim;
        // The outermost heredoc, when it ends at its delimiter line, is ended by `newline`.
        if std::mem::take(line_start) && !outermost {
            // The closing delimiter: at the start of a line after any indentation, and not the
            // start of a longer name. What follows it on its line is code again, as in `EOT)`.
            let mut p = self.pos;
            while matches!(self.byte(p), Some(b' ' | b'\t')) {
                p += 1;
            }
            let marker = &self.src[delim.0..delim.1];
            let end = p + marker.len();
            if self.src[p..].starts_with(marker) && !self.char_at(end).is_some_and(is_id_continue) {
                self.close(TokenKind::HeredocClose, end);
                return;
            }
        }
        let at = self.text(false);
        match self.byte(at) {
            Some(b'\n') => {
                self.newline();
                if let Some(Frame { ctx: Ctx::Heredoc { line_start, .. }, .. }) = self.stack.last_mut() {
                    *line_start = true;
                }
            }
            Some(_) => self.open(TokenKind::TemplateOpen, 2, Ctx::Template),
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Bracket::*;
    use super::TokenKind::*;
    use super::*;

    /// Each token as its kind and text.
    fn tokens(src: &str) -> Vec<(TokenKind, &str)> {
        lex(src, HeredocEnd::Parsed).iter().map(|t| (t.kind, &src[t.start..t.end])).collect()
    }

    /// What is never closed in `src`, as a caller finds it: openers without a partner, and a
    /// block comment without its `*/`. Each as its opening token's kind and offset.
    fn unclosed(src: &str) -> Vec<(TokenKind, usize)> {
        let opens = |t: &Token| {
            matches!(t.kind, Open(_) | QuoteOpen | TemplateOpen | HeredocOpen)
                || (t.kind == BlockComment && (t.end - t.start < 4 || !src[..t.end].ends_with("*/")))
        };
        lex(src, HeredocEnd::Parsed)
            .iter()
            .filter(|t| opens(t) && t.partner.is_none())
            .map(|t| (t.kind, t.start))
            .collect()
    }

    /// The text from each opener to its partner, for every paired opener.
    fn pairs(src: &str) -> Vec<&str> {
        let tokens = lex(src, HeredocEnd::Parsed);
        tokens
            .iter()
            .enumerate()
            .filter_map(|(i, t)| t.partner.filter(|&p| p > i).map(|p| &src[t.start..tokens[p].end]))
            .collect()
    }

    #[test]
    fn code_tokens() {
        let src = "block \"x\" {\n  n-1 = 1.5e-3 + 42 # note\n  ok = a == b && !c // done\n  s = [x...]\n}\n";
        assert_eq!(
            tokens(src),
            [
                (Ident, "block"),
                (QuoteOpen, "\""),
                (Literal, "x"),
                (QuoteClose, "\""),
                (Open(Brace), "{"),
                (Newline, "\n"),
                (Ident, "n-1"),
                (Assign, "="),
                (Number, "1.5e-3"),
                (Punct, "+"),
                (Number, "42"),
                (LineComment, "# note"),
                (Newline, "\n"),
                (Ident, "ok"),
                (Assign, "="),
                (Ident, "a"),
                (Punct, "=="),
                (Ident, "b"),
                (Punct, "&&"),
                (Punct, "!"),
                (Ident, "c"),
                (LineComment, "// done"),
                (Newline, "\n"),
                (Ident, "s"),
                (Assign, "="),
                (Open(Square), "["),
                (Ident, "x"),
                (Punct, "..."),
                (Close(Square), "]"),
                (Newline, "\n"),
                (Close(Brace), "}"),
                (Newline, "\n"),
            ]
        );
        assert_eq!(
            tokens("f(a, b) /* one\ntwo */ x => y <= z"),
            [
                (Ident, "f"),
                (Open(Paren), "("),
                (Ident, "a"),
                (Punct, ","),
                (Ident, "b"),
                (Close(Paren), ")"),
                (BlockComment, "/* one\ntwo */"),
                (Ident, "x"),
                (Punct, "=>"),
                (Ident, "y"),
                (Punct, "<="),
                (Ident, "z"),
            ]
        );
        assert_eq!(tokens("ünï = 0"), [(Ident, "ünï"), (Assign, "="), (Number, "0")]);
    }

    #[test]
    fn strings_keep_escapes_as_text_and_comment_markers_inside_them() {
        let src = r#"a = "say \"hi\" $${x} %%{y} # // /* \\""#;
        assert_eq!(
            tokens(src),
            [
                (Ident, "a"),
                (Assign, "="),
                (QuoteOpen, "\""),
                (Literal, r#"say \"hi\" $${x} %%{y} # // /* \\"#),
                (QuoteClose, "\""),
            ]
        );
        // A raw line break in a quoted string is text of the string, as hcl-edit reads it.
        assert_eq!(
            tokens("\"a\nb\""),
            [(QuoteOpen, "\""), (Literal, "a"), (Newline, "\n"), (Literal, "b"), (QuoteClose, "\"")]
        );
    }

    #[test]
    fn templates_nest() {
        let src = r#""a ${ "b ${c}" } ${ {k = "}"} } %{ if x }y%{ endif }""#;
        assert_eq!(
            tokens(src),
            [
                (QuoteOpen, "\""),
                (Literal, "a "),
                (TemplateOpen, "${"),
                (QuoteOpen, "\""),
                (Literal, "b "),
                (TemplateOpen, "${"),
                (Ident, "c"),
                (TemplateClose, "}"),
                (QuoteClose, "\""),
                (TemplateClose, "}"),
                (Literal, " "),
                (TemplateOpen, "${"),
                (Open(Brace), "{"),
                (Ident, "k"),
                (Assign, "="),
                (QuoteOpen, "\""),
                (Literal, "}"),
                (QuoteClose, "\""),
                (Close(Brace), "}"),
                (TemplateClose, "}"),
                (Literal, " "),
                (TemplateOpen, "%{"),
                (Ident, "if"),
                (Ident, "x"),
                (TemplateClose, "}"),
                (Literal, "y"),
                (TemplateOpen, "%{"),
                (Ident, "endif"),
                (TemplateClose, "}"),
                (QuoteClose, "\""),
            ]
        );
        assert_eq!(pairs(src)[..3], [src, r#"${ "b ${c}" }"#, r#""b ${c}""#]);
        assert!(unclosed(src).is_empty());
    }

    #[test]
    fn heredocs_end_at_their_delimiter_line() {
        let src = "a = <<EOT\n  x ${y}\nEOTX\n  \"{ EOT\nEOT\nb = 1\n";
        assert_eq!(
            tokens(src),
            [
                (Ident, "a"),
                (Assign, "="),
                (HeredocOpen, "<<EOT"),
                (Newline, "\n"),
                (Literal, "  x "),
                (TemplateOpen, "${"),
                (Ident, "y"),
                (TemplateClose, "}"),
                (Newline, "\n"),
                (Literal, "EOTX"),
                (Newline, "\n"),
                (Literal, "  \"{ EOT"),
                (Newline, "\n"),
                (HeredocClose, "EOT"),
                (Newline, "\n"),
                (Ident, "b"),
                (Assign, "="),
                (Number, "1"),
                (Newline, "\n"),
            ]
        );

        // With <<- the closing line may be indented (so may it with <<, as hcl-edit allows), and
        // what follows the delimiter on its line is code again.
        let indented = "f(<<-EOT\n    x\n  EOT)\n";
        let kinds: Vec<_> = tokens(indented).into_iter().filter(|(k, _)| *k != Literal && *k != Newline).collect();
        assert_eq!(
            kinds,
            [(Ident, "f"), (Open(Paren), "("), (HeredocOpen, "<<-EOT"), (HeredocClose, "  EOT"), (Close(Paren), ")")]
        );
        assert_eq!(heredoc_delimiter("<<-EOT"), "EOT");
        assert_eq!(heredoc_delimiter("<<EOT"), "EOT");

        // CRLF line ends: the \r of the opener's line is not text, those of the body are.
        assert_eq!(
            tokens("<<EOT\r\nx\r\nEOT\r\n"),
            [
                (HeredocOpen, "<<EOT"),
                (Newline, "\n"),
                (Literal, "x\r"),
                (Newline, "\n"),
                (HeredocClose, "EOT"),
                (Newline, "\n")
            ]
        );
        // An empty heredoc; and `<<` not followed by a name and a line end is two operators.
        assert_eq!(tokens("<<EOT\nEOT")[2], (HeredocClose, "EOT"));
        assert_eq!(tokens("a << b"), [(Ident, "a"), (Punct, "<"), (Punct, "<"), (Ident, "b")]);
        assert_eq!(tokens("<<EOT x\n")[..2], [(Punct, "<"), (Punct, "<")]);
    }

    #[test]
    fn a_template_in_a_heredoc_can_span_lines() {
        // The delimiter inside a template sequence is code, not the end of the heredoc.
        let src = "<<EOT\n${f(\nEOT\n)}\nEOT\n";
        assert_eq!(pairs(src)[0], &src[..src.len() - 1]);
    }

    /// The first heredoc as lexed with `end`: from its opener to the end of its closer, or to
    /// the end of the text when it has none.
    fn first_heredoc(src: &str, end: HeredocEnd) -> &str {
        let tokens = lex(src, end);
        let Some(open) = tokens.iter().find(|t| t.kind == HeredocOpen) else { return "" };
        &src[open.start..open.partner.map_or(src.len(), |p| tokens[p].end)]
    }

    #[test]
    fn a_heredoc_can_be_taken_to_end_at_its_delimiter_line() {
        use HeredocEnd::{DelimiterLine, Parsed};
        // A template sequence left open: hcl-edit reads on; a reader sees the heredoc end.
        let src = "<<EOT\n${f(\nEOT\n)}\nEOT\n";
        assert_eq!(first_heredoc(src, Parsed), "<<EOT\n${f(\nEOT\n)}\nEOT");
        assert_eq!(first_heredoc(src, DelimiterLine), "<<EOT\n${f(\nEOT");
        let unpaired: Vec<_> = lex(src, DelimiterLine)
            .iter()
            .filter(|t| matches!(t.kind, Open(_) | Close(_) | TemplateOpen | TemplateClose) && t.partner.is_none())
            .map(|t| (t.kind, t.start))
            .collect();
        // `${` and `(` are never closed; the `)` and `}` after the heredoc close nothing.
        assert_eq!(unpaired, [(TemplateOpen, 6), (Open(Paren), 9), (Close(Paren), 15), (Close(Brace), 16)]);

        // A delimiter with more on its line ends a heredoc as parsed, not at a delimiter line.
        let src = "f(<<EOT\nx\nEOT)\nEOT\n";
        assert_eq!(first_heredoc(src, Parsed), "<<EOT\nx\nEOT");
        assert_eq!(first_heredoc(src, DelimiterLine), "<<EOT\nx\nEOT)\nEOT");

        // Nothing hides the delimiter line: not a block comment, nor a line break escaped in a
        // string, nor indentation.
        assert_eq!(first_heredoc("<<EOT\n${ /*\n  EOT\n*/ }\n", DelimiterLine), "<<EOT\n${ /*\n  EOT");
        assert_eq!(first_heredoc("<<EOT\n${ \"a\\\nEOT\n\" }\n", DelimiterLine), "<<EOT\n${ \"a\\\nEOT");
        assert_eq!(first_heredoc("<<EOT\nx\n", DelimiterLine), "<<EOT\nx\n");
    }

    #[test]
    fn unclosed_constructs_are_reported_where_they_start() {
        assert_eq!(unclosed("a = \"x\nb = 1\n"), [(QuoteOpen, 4)]);
        assert_eq!(unclosed("a {\n  b = [1, (2)\n"), [(Open(Brace), 2), (Open(Square), 10)]);
        assert_eq!(unclosed("a = \"x-${var.env\"\n"), [(QuoteOpen, 4), (TemplateOpen, 7), (QuoteOpen, 16)]);
        assert_eq!(unclosed("a = 1\nb = <<EOT\nx\nEOF\n"), [(HeredocOpen, 10)]);
        assert_eq!(unclosed("a = <<-EOT\n  ${x\n  EOT\n"), [(HeredocOpen, 4), (TemplateOpen, 13)]);
        assert_eq!(unclosed("a { /* b }\n"), [(Open(Brace), 2), (BlockComment, 4)]);
        assert_eq!(unclosed("/*/"), [(BlockComment, 0)]);
        // A stray closer is unpaired, closes nothing and leaves nothing open.
        assert_eq!(
            lex("a = 1 ]\n", HeredocEnd::Parsed)[3],
            Token { kind: Close(Square), start: 6, end: 7, partner: None }
        );
        assert!(unclosed("a = 1 ]\n").is_empty());
        assert_eq!(unclosed("{ ( } )"), [(Open(Brace), 0)]);
    }

    #[test]
    fn any_text_lexes_into_ordered_tokens_on_character_boundaries() {
        let samples = [
            "a = \"x ${ [1, {b = <<-E\n  y\n  E\n}] } é\"\n/* c */ # d\n",
            "\"",
            "\"\\",
            "\"$",
            "\"%%",
            "${",
            "<<",
            "<<-",
            "<<E",
            "<<E\n",
            "/*",
            "/*/",
            "}}]])",
            "1e",
            "1.",
            "é\u{0}\u{a0}",
        ];
        for sample in samples {
            for end in (0..=sample.len()).filter(|&end| sample.is_char_boundary(end)) {
                let src = &sample[..end];
                for end in [HeredocEnd::Parsed, HeredocEnd::DelimiterLine] {
                    let mut at = 0;
                    for t in &lex(src, end) {
                        assert!(at <= t.start && t.start < t.end && t.end <= src.len(), "{src:?}: {t:?}");
                        assert!(src.is_char_boundary(t.start) && src.is_char_boundary(t.end), "{src:?}: {t:?}");
                        at = t.end;
                    }
                }
            }
        }
    }
}
