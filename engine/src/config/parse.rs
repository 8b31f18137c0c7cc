//! Parsing one file with hcl-edit, so that an attribute set twice in a block is reported as a
//! duplicate (both places labelled) instead of as the plain syntax error hcl-edit makes of it.

use hcl_edit::structure::{Attribute, Body};
use hcl_edit::Span as _;

use super::decode::Loader;
use super::syntax::syntax_diags;
use crate::diag::{Diag, FileId, Span};
use crate::lexer::is_id_continue;

impl Loader {
    /// Parses a file. hcl-edit rejects a body that sets the same attribute twice with a plain
    /// syntax error; to report that as a duplicate with both places labelled (and to keep going),
    /// the second key is renamed to a same-length placeholder and the file parsed again.
    pub(super) fn parse_recovering(&mut self, file: FileId, text: &str) -> Option<Body> {
        let mut work = text.to_string();
        for _ in 0..1000 {
            match hcl_edit::parser::parse_body(&work) {
                Ok(body) => return Some(body),
                Err(e) => {
                    let offset = e.location().offset();
                    if e.message().contains("redefined attribute") {
                        if let Some((name, placeholder)) = rename_key(text, &work, offset) {
                            work.replace_range(offset..offset + name.len(), &placeholder);
                            // A placeholder renamed again keeps the name as written.
                            self.renamed.entry((file, offset)).or_insert(name);
                            continue;
                        }
                    }
                    self.diags.extend(syntax_diags(file, text, &e));
                    return None;
                }
            }
        }
        self.diags.push(
            Diag::error("too many duplicate attributes to report")
                .code("config::duplicate")
                .label(Span::new(file, 0..0), "in this file")
                .help("remove the repeated attributes"),
        );
        None
    }

    /// The name of an attribute as written (undoing a rename from `parse_recovering`).
    pub(super) fn attr_name(&self, file: FileId, attr: &Attribute) -> String {
        attr.key
            .span()
            .and_then(|r| self.renamed.get(&(file, r.start)))
            .cloned()
            .unwrap_or_else(|| attr.key.as_str().to_string())
    }
}

/// Picks a placeholder for a repeated attribute key at `offset` of `work`: same byte length (so
/// every other offset stays valid) and not used as a name anywhere in the file.
fn rename_key(original: &str, work: &str, offset: usize) -> Option<(String, String)> {
    let name: String = work.get(offset..)?.chars().take_while(|c| is_id_continue(*c)).collect();
    if name.is_empty() || !name.is_ascii() {
        return None;
    }
    const LETTERS: &[u8] = b"ZQXJKVWYzqxjkvwyABCDEFGHILMNOPRSTUabcdefghilmnoprstu";
    let n = name.len();
    let tries = LETTERS.len().saturating_pow(n.min(3) as u32);
    for i in 0..tries {
        let mut k = i;
        let mut candidate = String::with_capacity(n);
        for _ in 0..n {
            candidate.push(LETTERS[k % LETTERS.len()] as char);
            k /= LETTERS.len();
        }
        if candidate != name && !contains_word(original, &candidate) && !contains_word(work, &candidate) {
            return Some((name, candidate));
        }
    }
    None
}

/// True when `word` occurs in `text` as a whole identifier.
fn contains_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back().is_some_and(is_id_continue);
        let after = text[i + word.len()..].chars().next().is_some_and(is_id_continue);
        !before && !after
    })
}
