//! The bad-input promise, case by case: every directory under `tests/malformed/` is a broken stack
//! with an `expect.txt` saying which diagnostic it must produce and where. For each case the real
//! binary must exit 1 with that code at that file and line (plus the expected help text), must not
//! panic, must make no provider call and must not write state.
//!
//! `expect.txt` holds `key = value` lines (`#` starts a comment):
//!
//! - `command = validate | plan` (default `validate`; `plan` for what only evaluation finds)
//! - `code = config::unknown-attribute`: the diagnostic code (required)
//! - `file = main.hcl`: the file of its primary label (default `main.hcl`; `none` for no label)
//! - `line = 3`: the line of its primary label (`none` for no label)
//! - `column = 5`: optional, the column of its primary label
//! - `also_line = 7`: another label of the same diagnostic is on this line (repeatable; validate)
//! - `contains = did you mean cidr_block`: text the diagnostic must contain (repeatable)
//! - `errors = 1`: optional, the exact number of errors reported (validate)
//!
//! All failures are collected and reported together, so one run shows every broken case.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const MIN_CASES: usize = 40;

#[derive(Debug, Default)]
struct Expect {
    command: String,
    code: String,
    /// `None`: the diagnostic has no location.
    file: Option<String>,
    line: Option<usize>,
    column: Option<usize>,
    also_lines: Vec<usize>,
    contains: Vec<String>,
    errors: Option<usize>,
}

fn parse_expect(text: &str) -> Result<Expect, String> {
    let mut e = Expect { command: "validate".into(), file: Some("main.hcl".into()), ..Expect::default() };
    let mut saw_line = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(format!("expect.txt line {}: expected `key = value`, got {raw:?}", i + 1));
        };
        let (key, value) = (key.trim(), value.trim());
        let number =
            |v: &str| v.parse::<usize>().map_err(|_| format!("expect.txt line {}: {v:?} is not a number", i + 1));
        match key {
            "command" => e.command = value.to_string(),
            "code" => e.code = value.to_string(),
            "file" => e.file = (value != "none").then(|| value.to_string()),
            "line" => {
                saw_line = true;
                e.line = if value == "none" { None } else { Some(number(value)?) };
            }
            "column" => e.column = Some(number(value)?),
            "also_line" => e.also_lines.push(number(value)?),
            "contains" => e.contains.push(value.to_string()),
            "errors" => e.errors = Some(number(value)?),
            other => return Err(format!("expect.txt line {}: unknown key {other:?}", i + 1)),
        }
    }
    if e.code.is_empty() {
        return Err("expect.txt has no `code = ...` line".into());
    }
    if !saw_line {
        return Err(
            "expect.txt has no `line = ...` line (write `line = none` for a diagnostic without location)".into()
        );
    }
    if !["validate", "plan"].contains(&e.command.as_str()) {
        return Err(format!("expect.txt: command must be validate or plan, not {:?}", e.command));
    }
    Ok(e)
}

/// One diagnostic as found in the output.
#[derive(Debug)]
struct Found {
    code: String,
    /// Base name of the primary label's file.
    file: Option<String>,
    line: Option<usize>,
    column: Option<usize>,
    /// Lines of every label (validate only).
    label_lines: Vec<usize>,
    /// Every `[file:line:col]` snippet header (plan only). miette shows snippets in source order,
    /// so with several labels the primary one is not always the first header.
    headers: Vec<(String, usize, usize)>,
    /// Summary, help, detail and label messages, whitespace-normalized.
    text: String,
}

impl Found {
    fn location(&self) -> String {
        match (&self.file, self.line, self.column) {
            (Some(f), Some(l), Some(c)) => format!("{f}:{l}:{c}"),
            _ => "(no location)".into(),
        }
    }
}

fn base_name(path: &str) -> String {
    Path::new(path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.to_string())
}

/// Collapses whitespace and drops miette's box-drawing characters, so text wrapped over several
/// rendered lines still matches.
fn normalize(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| if ('\u{2500}'..='\u{257f}').contains(&c) || c == '·' || c == '×' { ' ' } else { c })
        .collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Diagnostics from `validate --format json`.
fn parse_json_diags(stdout: &str) -> Result<Vec<Found>, String> {
    let v: serde_json::Value =
        serde_json::from_str(stdout).map_err(|e| format!("validate --format json printed invalid JSON ({e})"))?;
    let diags = v["diagnostics"].as_array().ok_or("validate --format json has no diagnostics array")?;
    Ok(diags
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| {
            let labels = d["labels"].as_array().cloned().unwrap_or_default();
            let primary = labels.first();
            let str_of = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
            let mut text = vec![str_of(&d["summary"]), str_of(&d["help"]), str_of(&d["detail"])];
            text.extend(labels.iter().map(|l| str_of(&l["message"])));
            Found {
                code: str_of(&d["code"]),
                file: primary.map(|l| base_name(l["file"].as_str().unwrap_or(""))),
                line: primary.and_then(|l| l["start"]["line"].as_u64()).map(|n| n as usize),
                column: primary.and_then(|l| l["start"]["column"].as_u64()).map(|n| n as usize),
                label_lines: labels.iter().filter_map(|l| l["start"]["line"].as_u64()).map(|n| n as usize).collect(),
                headers: Vec::new(),
                text: normalize(&text.join(" ")),
            }
        })
        .collect())
}

fn is_code_line(line: &str) -> bool {
    let Some((a, b)) = line.split_once("::") else { return false };
    !a.is_empty()
        && !b.is_empty()
        && a.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        && b.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Diagnostics from miette's human rendering (NO_COLOR): each starts with its code on a line of
/// its own, and the snippet header `╭─[path:line:col]` gives the primary location.
fn parse_human_diags(stderr: &str) -> Vec<Found> {
    let mut blocks: Vec<(String, Vec<&str>)> = Vec::new();
    for line in stderr.lines() {
        if is_code_line(line.trim_end()) && !line.starts_with(' ') {
            blocks.push((line.trim().to_string(), Vec::new()));
        } else if let Some((_, lines)) = blocks.last_mut() {
            lines.push(line);
        }
    }
    blocks
        .into_iter()
        .filter(|(_, lines)| lines.iter().any(|l| l.trim_start().starts_with('×')))
        .map(|(code, lines)| {
            let headers: Vec<(String, usize, usize)> = lines
                .iter()
                .filter_map(|l| {
                    let start = l.find("─[")? + "─[".len();
                    let end = l[start..].rfind(']')? + start;
                    let mut parts = l[start..end].rsplitn(3, ':');
                    let column = parts.next()?.parse::<usize>().ok()?;
                    let line = parts.next()?.parse::<usize>().ok()?;
                    Some((base_name(parts.next()?), line, column))
                })
                .collect();
            let header = headers.first().cloned();
            Found {
                code,
                file: header.as_ref().map(|h| h.0.clone()),
                line: header.as_ref().map(|h| h.1),
                column: header.as_ref().map(|h| h.2),
                label_lines: Vec::new(),
                headers,
                text: normalize(&lines.join("\n")),
            }
        })
        .collect()
}

fn run(args: &[&str], dir: &Path, cloud: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tether"))
        .args(args)
        .arg("--stack")
        .arg(dir)
        .env("NO_COLOR", "1")
        .env("TETHER_MOCK_CLOUD", cloud)
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .env_remove("TETHER_VAR_region")
        .output()
        .expect("cannot run the tether binary")
}

fn listing(dir: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                todo.push(p.clone());
            }
            out.insert(p);
        }
    }
    out
}

/// Checks the output and side effects common to every case.
fn check_common(problems: &mut Vec<String>, what: &str, out: &Output, cloud: &Path) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() != Some(1) {
        problems.push(format!("{what}: exit code {:?}, expected 1", out.status.code()));
    }
    for bad in ["panicked", "RUST_BACKTRACE"] {
        if stdout.contains(bad) || stderr.contains(bad) {
            problems.push(format!("{what}: output contains {bad:?}:\n{stderr}"));
        }
    }
    if let Ok(text) = std::fs::read_to_string(cloud) {
        match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(v) => {
                let calls = v["calls"].as_array().map_or(0, Vec::len);
                let objects = v["objects"].as_array().map_or(0, Vec::len);
                if calls > 0 || objects > 0 {
                    problems.push(format!("{what}: the mock cloud saw {calls} call(s) and holds {objects} object(s)"));
                }
            }
            Err(e) => problems.push(format!("{what}: the mock cloud file is not JSON ({e})")),
        }
    }
}

fn check_case(dir: &Path, tmp: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let expect =
        match std::fs::read_to_string(dir.join("expect.txt")).map_err(|e| e.to_string()).and_then(|t| parse_expect(&t))
        {
            Ok(e) => e,
            Err(e) => return vec![format!("bad expect.txt: {e}")],
        };
    let before = listing(dir);
    let cloud = tmp.join(format!("cloud-{name}.json"));

    let (out, found) = if expect.command == "validate" {
        let out = run(&["validate", "--format", "json"], dir, &cloud);
        check_common(&mut problems, "validate --format json", &out, &cloud);
        let found = match parse_json_diags(&String::from_utf8_lossy(&out.stdout)) {
            Ok(f) => f,
            Err(e) => {
                problems.push(e);
                Vec::new()
            }
        };
        // The human rendering must show the same place as `[file:line:col]`.
        let human = run(&["validate"], dir, &cloud);
        check_common(&mut problems, "validate", &human, &cloud);
        if let (Some(file), Some(line)) = (&expect.file, expect.line) {
            let stderr = String::from_utf8_lossy(&human.stderr);
            let wanted = format!("{file}:{line}:");
            let shown = stderr.lines().any(|l| l.contains("─[") && l.contains(&format!("/{wanted}")))
                || stderr.lines().any(|l| l.contains(&format!("─[{wanted}")));
            if !shown {
                problems.push(format!("validate (human) shows no snippet header [..{wanted}..]:\n{stderr}"));
            }
        }
        (out, found)
    } else {
        let out = run(&["plan"], dir, &cloud);
        check_common(&mut problems, "plan", &out, &cloud);
        let found = parse_human_diags(&String::from_utf8_lossy(&out.stderr));
        (out, found)
    };

    let matching: Vec<&Found> = found.iter().filter(|f| f.code == expect.code).collect();
    let place_matches = |file: Option<&str>, line: Option<usize>, column: Option<usize>| {
        file.map(base_name) == expect.file.as_deref().map(base_name)
            && line == expect.line
            && expect.column.is_none_or(|c| column == Some(c))
    };
    let at_place = |f: &&Found| {
        place_matches(f.file.as_deref(), f.line, f.column)
            || f.headers.iter().any(|(file, line, col)| place_matches(Some(file), Some(*line), Some(*col)))
    };
    match matching.into_iter().find(at_place) {
        None => {
            let seen: Vec<String> = found.iter().map(|f| format!("{} at {}", f.code, f.location())).collect();
            let want = match (&expect.file, expect.line) {
                (Some(f), Some(l)) => format!("{f}:{l}{}", expect.column.map(|c| format!(":{c}")).unwrap_or_default()),
                _ => "(no location)".into(),
            };
            problems.push(format!(
                "expected {} at {want}; found: [{}]\n--- stdout ---\n{}\n--- stderr ---\n{}",
                expect.code,
                seen.join(", "),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Some(f) => {
            for c in &expect.contains {
                if !f.text.contains(&normalize(c)) {
                    problems.push(format!("the {} diagnostic does not contain {c:?}; it says: {}", f.code, f.text));
                }
            }
            for l in &expect.also_lines {
                if !f.label_lines.contains(l) {
                    problems.push(format!(
                        "the {} diagnostic has no label on line {l}; labels are on lines {:?}",
                        f.code, f.label_lines
                    ));
                }
            }
        }
    }
    if let Some(n) = expect.errors {
        if found.len() != n {
            let seen: Vec<String> = found.iter().map(|f| format!("{} at {}", f.code, f.location())).collect();
            problems.push(format!("expected {n} error(s), found {}: [{}]", found.len(), seen.join(", ")));
        }
    }

    let after = listing(dir);
    let new: Vec<String> = after.difference(&before).map(|p| p.display().to_string()).collect();
    if !new.is_empty() {
        problems.push(format!("files appeared in the stack directory: {new:?}"));
    }
    if dir.join(".tether").exists() {
        problems.push("a .tether directory exists in the stack directory".into());
    }
    problems
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("malformed")
}

fn cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("tests/malformed is missing")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

#[test]
fn every_malformed_stack_gets_a_located_diagnostic_and_changes_nothing() {
    let cases = cases();
    assert!(cases.len() >= MIN_CASES, "the corpus has {} cases; keep at least {MIN_CASES}", cases.len());
    let tmp = tempfile::tempdir().expect("tempdir");

    // The cases are independent processes; run a few at a time.
    let threads = std::thread::available_parallelism().map_or(4, |n| n.get()).min(8);
    let chunks: Vec<&[PathBuf]> = cases.chunks(cases.len().div_ceil(threads)).collect();
    let mut failures: Vec<(String, Vec<String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                let tmp = tmp.path();
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|dir| (dir.file_name().unwrap().to_string_lossy().into_owned(), check_case(dir, tmp)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("a case thread panicked")).collect()
    });
    failures.retain(|(_, problems)| !problems.is_empty());
    failures.sort();

    let report: Vec<String> = failures
        .iter()
        .map(|(name, problems)| format!("== {name}\n  - {}", problems.join("\n  - ").replace('\n', "\n    ")))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} malformed cases failed:\n{}\n\nfailing: {}",
        failures.len(),
        cases.len(),
        report.join("\n\n"),
        failures.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")
    );
}

#[test]
fn expect_files_parse() {
    let e = parse_expect("# comment\ncommand = plan\ncode = a::b\nline = 3\ncontains = x = y\ncontains = z\n").unwrap();
    assert_eq!(e.command, "plan");
    assert_eq!(e.line, Some(3));
    assert_eq!(e.contains, vec!["x = y".to_string(), "z".to_string()]);
    assert!(parse_expect("code = a::b\n").is_err(), "line is required");
    assert!(parse_expect("line = 1\n").is_err(), "code is required");
    assert!(parse_expect("code = a::b\nline = 1\nbogus = 1\n").is_err());
    let none = parse_expect("code = a::b\nfile = none\nline = none\n").unwrap();
    assert_eq!((none.file, none.line), (None, None));
}

#[test]
fn human_diagnostics_parse() {
    let stderr = "config::missing-attribute\n\n  × missing required attribute cidr_block\n   ╭─[/tmp/a:b/main.hcl:5:1]\n 5 │ x\n   ╰────\n  help: add cidr_block =\n        <string>\n\neval::x\n\n  × no place\n";
    let found = parse_human_diags(stderr);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].code, "config::missing-attribute");
    assert_eq!((found[0].file.as_deref(), found[0].line, found[0].column), (Some("main.hcl"), Some(5), Some(1)));
    assert!(found[0].text.contains("add cidr_block = <string>"), "{}", found[0].text);
    assert_eq!(found[1].line, None);
}
