//! The bad-input promise, case by case, over two corpora of broken stacks:
//!
//! - `tests/malformed/`: stacks the language rejects (syntax, schema, references, types,
//!   variables, evaluation);
//! - `tests/invalid_network/`: stacks that break one AWS rule of the hybrid network (DOMAIN.md),
//!   found by the whole-network checks.
//!
//! Every case is a directory holding a stack and an `expect.txt` saying which diagnostic it must
//! produce and where. For each case the real binary must report that code at that file and line,
//! with the expected text and a way to fix the problem (its help), exit 1 for an error and 0 when
//! the case expects only a warning, not panic, make no provider call and write nothing: no state,
//! no new file in the stack directory.
//!
//! No provider call is asserted from the outside, for both providers a stack may use: the mock
//! provider keeps its cloud and a log of the calls it received in a JSON file, which must stay
//! empty, and the AWS provider is pointed (`AWS_ENDPOINT_URL`) at a 127.0.0.1 listener that
//! counts the connections it accepts, which must stay 0.
//!
//! `expect.txt` holds `key = value` lines (`#` starts a comment):
//!
//! - `command = validate | plan` (default `validate`): `validate` is run with `--format json`,
//!   where the code, severity, labels and text are checked, and for people, who must see the code
//!   and a `[file:line:col]` snippet header; `plan` is for what only evaluation finds and is
//!   checked on its human rendering
//! - `code = config::unknown-attribute`: the diagnostic code (required)
//! - `severity = error | warning` (default `error`)
//! - `file = main.hcl`: the file of its primary label (default `main.hcl`; `none` for no label)
//! - `line = 3`: the line of its primary label (required; `none` for no label)
//! - `column = 5`: optional, the column of its primary label
//! - `also_line = 7`: another label of the same diagnostic is on this line, such as the other
//!   side of a conflict (repeatable; validate)
//! - `contains = did you mean cidr_block`: text the diagnostic must contain (repeatable)
//! - `errors = 1`: optional, the exact number of errors reported
//!
//! All failures are collected and reported together, so one run shows every broken case.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// One directory of cases. Both corpora are held to the same checks: the promise is the same.
struct Corpus {
    /// The directory under `tests/`.
    dir: &'static str,
    /// Fewer cases than this means cases went missing, not that the corpus got smaller on purpose.
    min_cases: usize,
}

const MALFORMED: Corpus = Corpus { dir: "malformed", min_cases: 40 };
const INVALID_NETWORK: Corpus = Corpus { dir: "invalid_network", min_cases: 40 };

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Severity {
    #[default]
    Error,
    Warning,
}

impl Severity {
    fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }

    /// An error fails the command; a warning alone does not.
    fn exit_code(self) -> i32 {
        match self {
            Severity::Error => 1,
            Severity::Warning => 0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Cmd {
    #[default]
    Validate,
    Plan,
}

#[derive(Debug, Default)]
struct Expect {
    command: Cmd,
    code: String,
    severity: Severity,
    /// `None`: the diagnostic has no location.
    file: Option<String>,
    line: Option<usize>,
    column: Option<usize>,
    also_lines: Vec<usize>,
    contains: Vec<String>,
    errors: Option<usize>,
}

fn parse_expect(text: &str) -> Result<Expect, String> {
    let mut e = Expect { file: Some("main.hcl".into()), ..Expect::default() };
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
            "command" => {
                e.command = match value {
                    "validate" => Cmd::Validate,
                    "plan" => Cmd::Plan,
                    other => return Err(format!("expect.txt: command must be validate or plan, not {other:?}")),
                }
            }
            "code" => e.code = value.to_string(),
            "severity" => {
                e.severity = match value {
                    "error" => Severity::Error,
                    "warning" => Severity::Warning,
                    other => return Err(format!("expect.txt: severity must be error or warning, not {other:?}")),
                }
            }
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
    if e.line == Some(0) {
        return Err("expect.txt: lines are counted from 1".into());
    }
    Ok(e)
}

/// One diagnostic as found in the output.
#[derive(Debug)]
struct Found {
    code: String,
    severity: Severity,
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
    /// Whether it says how to fix the problem.
    has_help: bool,
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

/// Collapses whitespace and drops miette's drawing characters, so text wrapped over several
/// rendered lines still matches.
fn normalize(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| if ('\u{2500}'..='\u{257f}').contains(&c) || c == '·' || c == '×' || c == '⚠' { ' ' } else { c })
        .collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Diagnostics from `validate --format json`.
fn parse_json_diags(stdout: &str) -> Result<Vec<Found>, String> {
    let v: serde_json::Value = serde_json::from_str(stdout)
        .map_err(|e| format!("validate --format json printed invalid JSON ({e}):\n{stdout}"))?;
    let diags = v["diagnostics"].as_array().ok_or("validate --format json has no diagnostics array")?;
    Ok(diags
        .iter()
        .filter_map(|d| {
            let severity = match d["severity"].as_str() {
                Some("error") => Severity::Error,
                Some("warning") => Severity::Warning,
                _ => return None,
            };
            let labels = d["labels"].as_array().cloned().unwrap_or_default();
            let primary = labels.first();
            let str_of = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
            let mut text = vec![str_of(&d["summary"]), str_of(&d["help"]), str_of(&d["detail"])];
            text.extend(labels.iter().map(|l| str_of(&l["message"])));
            Some(Found {
                code: str_of(&d["code"]),
                severity,
                file: primary.map(|l| base_name(l["file"].as_str().unwrap_or(""))),
                line: primary.and_then(|l| l["start"]["line"].as_u64()).map(|n| n as usize),
                column: primary.and_then(|l| l["start"]["column"].as_u64()).map(|n| n as usize),
                label_lines: labels.iter().filter_map(|l| l["start"]["line"].as_u64()).map(|n| n as usize).collect(),
                headers: Vec::new(),
                text: normalize(&text.join(" ")),
                has_help: !d["help"].as_str().unwrap_or("").is_empty(),
            })
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
/// its own, then its summary after `×` (error) or `⚠` (warning), and the snippet header
/// `╭─[path:line:col]` gives the primary location.
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
        .filter_map(|(code, lines)| {
            let marked = |mark: char| lines.iter().any(|l| l.trim_start().starts_with(mark));
            let severity = if marked('×') {
                Severity::Error
            } else if marked('⚠') {
                Severity::Warning
            } else {
                return None;
            };
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
            Some(Found {
                code,
                severity,
                file: header.as_ref().map(|h| h.0.clone()),
                line: header.as_ref().map(|h| h.1),
                column: header.as_ref().map(|h| h.2),
                label_lines: Vec::new(),
                headers,
                has_help: lines.iter().any(|l| l.trim_start().starts_with("help:")),
                text: normalize(&lines.join("\n")),
            })
        })
        .collect()
}

/// A stand-in AWS endpoint on 127.0.0.1 that counts connections and answers each with an
/// HTTP 400, so an SDK that did call would fail fast rather than retry.
pub struct Endpoint {
    url: String,
    connections: Arc<AtomicUsize>,
}

impl Endpoint {
    pub fn start() -> Endpoint {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let url = format!("http://{}", listener.local_addr().expect("local addr"));
        let connections = Arc::new(AtomicUsize::new(0));
        let seen = connections.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                seen.fetch_add(1, Ordering::SeqCst);
                let mut stream = stream;
                let _ = stream.set_read_timeout(Some(std::time::Duration::from_millis(200)));
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
                let _ = stream.write_all(
                    b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/xml\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
            }
        });
        Endpoint { url, connections }
    }

    pub fn count(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// A command running the binary on a stack: no colour, no backtrace, no `region` variable from
/// the environment of the test run (cases that leave it unset mean it), and AWS pointed at
/// `endpoint` with test credentials, no profile and no instance metadata.
pub fn tether(args: &[&str], dir: &Path, endpoint: &Endpoint) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tether"));
    cmd.args(args)
        .arg("--stack")
        .arg(dir)
        .env("NO_COLOR", "1")
        .env("AWS_ENDPOINT_URL", &endpoint.url)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "ap-northeast-2")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .env_remove("TETHER_VAR_region");
    cmd
}

/// Runs one case's command, with the mock provider's cloud in `cloud`.
fn run(args: &[&str], dir: &Path, endpoint: &Endpoint, cloud: &Path) -> Output {
    tether(args, dir, endpoint).env("TETHER_MOCK_CLOUD", cloud).output().expect("cannot run the tether binary")
}

/// Every path under `dir`, to find what a run left behind.
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

/// Checks the exit code, and the output and side effects common to every run of every case.
fn check_run(problems: &mut Vec<String>, what: &str, out: &Output, want_exit: i32, cloud: &Path) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() != Some(want_exit) {
        problems.push(format!("{what}: exit code {:?}, expected {want_exit}\n{stdout}{stderr}", out.status.code()));
    }
    for bad in ["panicked", "RUST_BACKTRACE"] {
        if stdout.contains(bad) || stderr.contains(bad) {
            problems.push(format!("{what}: output contains {bad:?}:\n{stdout}{stderr}"));
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

/// Checks that the human rendering of `validate` shows the code, and the place as a snippet
/// header `[..file:line:col]`.
fn check_human(problems: &mut Vec<String>, expect: &Expect, stderr: &str) {
    if !stderr.lines().any(|l| l.trim() == expect.code) {
        problems.push(format!("validate (human) does not show the code {}:\n{stderr}", expect.code));
    }
    if let (Some(file), Some(line)) = (&expect.file, expect.line) {
        let wanted = format!("{file}:{line}:");
        if !stderr.lines().any(|l| l.contains("─[") && l.contains(&format!("/{wanted}"))) {
            problems.push(format!("validate (human) shows no snippet header [..{wanted}..]:\n{stderr}"));
        }
    }
}

fn check_case(dir: &Path, endpoint: &Endpoint, tmp: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let expect =
        match std::fs::read_to_string(dir.join("expect.txt")).map_err(|e| e.to_string()).and_then(|t| parse_expect(&t))
        {
            Ok(e) => e,
            Err(e) => return vec![format!("bad expect.txt: {e}")],
        };
    let want_exit = expect.severity.exit_code();
    let before = listing(dir);
    let connections_before = endpoint.count();
    let cloud = tmp.join(format!("cloud-{name}.json"));

    let (out, found) = match expect.command {
        Cmd::Validate => {
            let out = run(&["validate", "--format", "json"], dir, endpoint, &cloud);
            check_run(&mut problems, "validate --format json", &out, want_exit, &cloud);
            let found = parse_json_diags(&String::from_utf8_lossy(&out.stdout)).unwrap_or_else(|e| {
                problems.push(e);
                Vec::new()
            });
            let human = run(&["validate"], dir, endpoint, &cloud);
            check_run(&mut problems, "validate", &human, want_exit, &cloud);
            check_human(&mut problems, &expect, &String::from_utf8_lossy(&human.stderr));
            (out, found)
        }
        Cmd::Plan => {
            let out = run(&["plan"], dir, endpoint, &cloud);
            check_run(&mut problems, "plan", &out, want_exit, &cloud);
            let found = parse_human_diags(&String::from_utf8_lossy(&out.stderr));
            (out, found)
        }
    };

    let place_matches = |file: Option<&str>, line: Option<usize>, column: Option<usize>| {
        file.map(base_name) == expect.file.as_deref().map(base_name)
            && line == expect.line
            && expect.column.is_none_or(|c| column == Some(c))
    };
    let at_place = |f: &&Found| {
        f.code == expect.code
            && (place_matches(f.file.as_deref(), f.line, f.column)
                || f.headers.iter().any(|(file, line, col)| place_matches(Some(file), Some(*line), Some(*col))))
    };
    // The diagnostic of the expected severity if there is one, else any with the code and place,
    // so that a wrong severity is reported as such.
    let matching: Vec<&Found> = found.iter().filter(at_place).collect();
    let chosen = matching.iter().find(|f| f.severity == expect.severity).or(matching.first()).copied();
    match chosen {
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
            if f.severity != expect.severity {
                problems.push(format!(
                    "the {} diagnostic has severity {}, expected {}",
                    f.code,
                    f.severity.name(),
                    expect.severity.name()
                ));
            }
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
            if !f.has_help {
                problems.push(format!("the {} diagnostic says nothing about how to fix it (no help)", f.code));
            }
        }
    }
    if let Some(n) = expect.errors {
        let errors: Vec<String> = found
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| format!("{} at {}", f.code, f.location()))
            .collect();
        if errors.len() != n {
            problems.push(format!("expected {n} error(s), found {}: [{}]", errors.len(), errors.join(", ")));
        }
    }

    let connections = endpoint.count() - connections_before;
    if connections > 0 {
        problems.push(format!("the AWS endpoint saw {connections} connection(s)"));
    }
    let after = listing(dir);
    let new: Vec<String> = after.difference(&before).map(|p| p.display().to_string()).collect();
    if !new.is_empty() {
        problems.push(format!("files appeared in the stack directory: {new:?}"));
    }
    if dir.join(".tether").exists() {
        problems.push("a .tether directory (state) exists in the stack directory".into());
    }
    problems
}

pub fn corpus_dir(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join(dir)
}

fn cases(corpus: &Corpus) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(corpus_dir(corpus.dir))
        .unwrap_or_else(|e| panic!("tests/{} is missing: {e}", corpus.dir))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

/// Runs every case of `corpus` and fails with a report of every case that broke its promise.
fn check_corpus(corpus: &Corpus) {
    let cases = cases(corpus);
    assert!(
        cases.len() >= corpus.min_cases,
        "tests/{} has {} cases; keep at least {}",
        corpus.dir,
        cases.len(),
        corpus.min_cases
    );
    let endpoint = Endpoint::start();
    let tmp = tempfile::tempdir().expect("tempdir");

    // The cases are independent processes; run a few at a time.
    let threads = std::thread::available_parallelism().map_or(4, |n| n.get()).min(8);
    let chunks: Vec<&[PathBuf]> = cases.chunks(cases.len().div_ceil(threads)).collect();
    let mut failures: Vec<(String, Vec<String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                let (endpoint, tmp) = (&endpoint, tmp.path());
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|dir| {
                            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
                            (name, check_case(dir, endpoint, tmp))
                        })
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
        "{} of {} cases in tests/{} failed:\n{}\n\nfailing: {}",
        failures.len(),
        cases.len(),
        corpus.dir,
        report.join("\n\n"),
        failures.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")
    );
    assert_eq!(endpoint.count(), 0, "no case may reach the AWS endpoint");
}

#[test]
fn every_malformed_stack_gets_a_located_diagnostic_and_changes_nothing() {
    check_corpus(&MALFORMED);
}

#[test]
fn every_invalid_network_is_reported_with_its_code_and_line_and_calls_nothing() {
    check_corpus(&INVALID_NETWORK);
}

#[test]
fn expect_files_parse() {
    let e = parse_expect("# comment\ncommand = plan\ncode = a::b\nline = 3\ncontains = x = y\ncontains = z\n").unwrap();
    assert_eq!(e.command, Cmd::Plan);
    assert_eq!(e.line, Some(3));
    assert_eq!(e.contains, vec!["x = y".to_string(), "z".to_string()]);
    assert!(parse_expect("code = a::b\n").is_err(), "line is required");
    assert!(parse_expect("line = 1\n").is_err(), "code is required");
    assert!(parse_expect("code = a::b\nline = 1\nbogus = 1\n").is_err());
    let none = parse_expect("code = a::b\nfile = none\nline = none\n").unwrap();
    assert_eq!((none.file, none.line), (None, None));
}

#[test]
fn expect_files_parse_severity() {
    let e =
        parse_expect("code = cidr::overlap\nseverity = warning\nline = 3\nalso_line = 9\ncontains = a = b\n").unwrap();
    assert_eq!(e.severity, Severity::Warning);
    assert_eq!((e.line, e.also_lines.clone(), e.contains.clone()), (Some(3), vec![9], vec!["a = b".to_string()]));
    assert!(parse_expect("line = 1\n").is_err());
    assert!(parse_expect("code = a::b\nline = 1\nseverity = fatal\n").is_err());
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
