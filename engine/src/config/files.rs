//! Which files make up a stack: the `*.hcl` files of the stack directory, then those of each
//! directory an `include` block names, each directory once, all into one namespace.

use std::path::{Path, PathBuf};

use super::decode::Loader;
use super::model::Config;
use super::syntax::lower_first;
use crate::diag::{Diag, Span};

/// Loads every `*.hcl` file of `dir` (not recursively, in file-name order), then the files of
/// each directory an `include` block names, each directory once.
pub fn load_dir(dir: &Path) -> (Config, Vec<Diag>) {
    let names = match stack_files(dir) {
        Ok(names) => names,
        Err((summary, code)) => {
            let d = Diag::error(summary).code(code).help("run tether in a stack directory or pass --stack DIR");
            return (Config::default(), vec![d]);
        }
    };
    let mut loader = Loader::default();
    loader.load_files(dir, names);

    let mut loaded: Vec<PathBuf> = vec![dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf())];
    let mut next = 0;
    while let Some(inc) = loader.config.includes.get(next).cloned() {
        next += 1;
        let from = loader.config.sources.path(inc.span.file).parent().unwrap_or(Path::new("")).to_path_buf();
        let target = normalize(&from.join(&inc.source));
        let names = match stack_files(&target) {
            Ok(names) => names,
            Err((summary, _)) => {
                loader.diags.push(
                    Diag::error(format!("include {}: {summary}", inc.name))
                        .code("config::include")
                        .label(inc.source_span.clone(), "this directory")
                        .help("source is a stack directory, relative to the directory of this file"),
                );
                continue;
            }
        };
        let canonical = target.canonicalize().unwrap_or_else(|_| target.clone());
        if loaded.contains(&canonical) {
            loader.diags.push(
                Diag::error(format!("include {}: {} is already part of this stack", inc.name, target.display()))
                    .code("config::include-twice")
                    .label(inc.source_span.clone(), "loaded already")
                    .help("remove this include: a directory is loaded once, however many stacks include it"),
            );
            continue;
        }
        loaded.push(canonical);
        loader.load_files(&target, names);
    }
    loader.finish()
}

/// The `*.hcl` file names of a directory, sorted; an error line and code when there are none.
fn stack_files(dir: &Path) -> Result<Vec<std::ffi::OsString>, (String, &'static str)> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        (format!("cannot read stack directory {}: {}", dir.display(), lower_first(&e.to_string())), "config::read")
    })?;
    let mut names: Vec<std::ffi::OsString> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().map(|t| t.is_file() || t.is_symlink()).unwrap_or(false))
        .map(|e| e.file_name())
        .filter(|n| Path::new(n).extension().is_some_and(|ext| ext == "hcl"))
        .collect();
    names.sort();
    if names.is_empty() {
        return Err((format!("no *.hcl files in {}", dir.display()), "config::no-files"));
    }
    Ok(names)
}

/// `a/b/../c` -> `a/c`, without touching the file system, so diagnostics name included files
/// by a short path.
fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.components().next_back(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

impl Loader {
    /// Reads and loads the named files of `dir`; one that cannot be read, or is not UTF-8 text,
    /// is reported and left out.
    pub(super) fn load_files(&mut self, dir: &Path, names: Vec<std::ffi::OsString>) {
        for name in names {
            let path = dir.join(&name);
            match std::fs::read(&path) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => self.load_file(path, text),
                    Err(e) => {
                        // Keep the file (with replacement characters) so the diagnostic can show
                        // where the first bad byte is; up to that byte the offsets are the same.
                        let at = e.utf8_error().valid_up_to();
                        let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
                        let len = text[at..].chars().next().map_or(0, char::len_utf8);
                        let file = self.config.sources.add(path.clone(), text);
                        self.diags.push(
                            Diag::error(format!("{} is not valid UTF-8 text", path.display()))
                                .code("config::not-utf8")
                                .label(Span::new(file, at..at + len), "first invalid byte")
                                .help("save the file as UTF-8"),
                        );
                    }
                },
                Err(e) => self.diags.push(
                    Diag::error(format!("cannot read {}: {}", path.display(), lower_first(&e.to_string())))
                        .code("config::read")
                        .help("check that the file exists and is readable"),
                ),
            }
        }
    }
}
