//! `tether fmt`: rewrite stack files in the canonical format, or with `--check` list those that
//! are not. Each file is replaced atomically and keeps its permissions.

use std::path::{Path, PathBuf};

use tether_engine::diag::{Diag, SourceMap};

use crate::cli;
use crate::session::{error, report, Code, Env};

/// `tether fmt`.
pub async fn run(env: &Env, args: &cli::FmtArgs) -> Code {
    let files: Vec<PathBuf> = if args.files.is_empty() {
        let mut v: Vec<PathBuf> = match std::fs::read_dir(&env.stack_dir) {
            Ok(rd) => rd.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "hcl")).collect(),
            Err(e) => {
                return error(
                    env,
                    Diag::error(format!("cannot read {}: {e}", env.stack_dir.display())).code("fmt::read"),
                )
            }
        };
        v.sort();
        v
    } else {
        args.files.clone()
    };
    let mut code = 0;
    let mut sources = SourceMap::new();
    let mut diags = Vec::new();
    for path in files {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                diags.push(Diag::error(format!("cannot read {}: {e}", path.display())).code("fmt::read"));
                continue;
            }
        };
        let formatted = match tether_engine::fmt::format_source(&text) {
            Ok(f) => f,
            Err(e) => {
                let file = sources.add(&path, text.as_str());
                diags.push(
                    Diag::error(format!("cannot format: {}", e.message))
                        .code("parse::syntax")
                        .label(tether_engine::diag::Span::new(file, e.offset..e.offset), "here")
                        .help("fix the syntax error, then run tether fmt again"),
                );
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        println!("{}", path.display());
        if args.diff {
            print!("{}", tether_render::fmt::unified_diff(&path.display().to_string(), &text, &formatted));
        }
        if args.check {
            code = 1;
        } else if let Err(e) = rewrite(&path, &formatted) {
            diags.push(Diag::error(format!("cannot write {}: {e}", path.display())).code("fmt::write"));
        }
    }
    if !diags.is_empty() {
        return report(env, diags, &sources).max(code);
    }
    code
}

/// Rewrites a stack file in place, keeping its permissions.
fn rewrite(path: &Path, text: &str) -> std::io::Result<()> {
    let mode = file_mode(path).unwrap_or(tether_fs::PUBLIC);
    tether_fs::write_atomic(path, text.as_bytes(), mode)
}

#[cfg(unix)]
fn file_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).ok().map(|m| m.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn file_mode(_path: &Path) -> Option<u32> {
    None
}
