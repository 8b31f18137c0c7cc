//! The whole-network checks, case by case: every directory under `tests/invalid_network/` is a
//! stack that breaks one AWS rule of the hybrid network (DOMAIN.md), with an `expect.txt`
//! saying which diagnostic it must produce and where. For each case the real binary must
//! report it with its code and line (`validate` and `validate --format json`), exit 1 for an
//! error and 0 when the case expects only a warning, make no AWS API call and write no state.
//!
//! No API call is asserted from the outside: the AWS provider is pointed (`AWS_ENDPOINT_URL`)
//! at a 127.0.0.1 listener that counts the connections it accepts, and every count must stay 0.
//!
//! `expect.txt` holds `key = value` lines (`#` starts a comment):
//!
//! - `command = validate | plan` (default `validate`)
//! - `code = cidr::overlap`: the diagnostic code (required)
//! - `severity = error | warning` (default `error`)
//! - `file = main.hcl`: the file of its primary label (default `main.hcl`)
//! - `line = 3`: the line of its primary label (required)
//! - `also_line = 7`: another label of the same diagnostic is on this line (the other side)
//! - `contains = text`: text the diagnostic must contain (repeatable)

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const MIN_CASES: usize = 40;

#[derive(Debug, Default)]
struct Expect {
    command: String,
    code: String,
    warning: bool,
    file: String,
    line: usize,
    also_lines: Vec<usize>,
    contains: Vec<String>,
}

fn parse_expect(text: &str) -> Result<Expect, String> {
    let mut e = Expect { command: "validate".into(), file: "main.hcl".into(), ..Expect::default() };
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line.split_once('=').ok_or(format!("expect.txt line {}: expected `key = value`", i + 1))?;
        let (key, value) = (key.trim(), value.trim());
        let number =
            |v: &str| v.parse::<usize>().map_err(|_| format!("expect.txt line {}: {v:?} is not a number", i + 1));
        match key {
            "command" => e.command = value.to_string(),
            "code" => e.code = value.to_string(),
            "severity" => match value {
                "error" => e.warning = false,
                "warning" => e.warning = true,
                other => return Err(format!("severity must be error or warning, not {other:?}")),
            },
            "file" => e.file = value.to_string(),
            "line" => e.line = number(value)?,
            "also_line" => e.also_lines.push(number(value)?),
            "contains" => e.contains.push(value.to_string()),
            other => return Err(format!("expect.txt line {}: unknown key {other:?}", i + 1)),
        }
    }
    if e.code.is_empty() || e.line == 0 {
        return Err("expect.txt needs `code = ...` and `line = ...`".into());
    }
    if !["validate", "plan"].contains(&e.command.as_str()) {
        return Err(format!("command must be validate or plan, not {:?}", e.command));
    }
    Ok(e)
}

/// A stand-in AWS endpoint on 127.0.0.1 that counts connections and answers each with an
/// HTTP 400, so an SDK that did call would fail fast rather than retry.
struct Endpoint {
    url: String,
    connections: Arc<AtomicUsize>,
}

impl Endpoint {
    fn start() -> Endpoint {
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

    fn count(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

fn run(args: &[&str], dir: &Path, endpoint: &Endpoint) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tether"))
        .args(args)
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
        .output()
        .expect("cannot run the tether binary")
}

/// Collapses whitespace and drops miette's drawing characters, so wrapped text still matches.
fn normalize(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| if ('\u{2500}'..='\u{257f}').contains(&c) || c == '·' || c == '×' || c == '⚠' { ' ' } else { c })
        .collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn base_name(path: &str) -> String {
    Path::new(path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

fn check_case(dir: &Path, endpoint: &Endpoint) -> Vec<String> {
    let mut problems = Vec::new();
    let expect =
        match std::fs::read_to_string(dir.join("expect.txt")).map_err(|e| e.to_string()).and_then(|t| parse_expect(&t))
        {
            Ok(e) => e,
            Err(e) => return vec![format!("bad expect.txt: {e}")],
        };
    let want_exit = if expect.warning { 0 } else { 1 };
    let before = endpoint.count();

    // Machine-readable: the diagnostic with its code, severity, primary line and other labels.
    let json_out = run(&[expect.command.as_str(), "--format", "json"], dir, endpoint);
    let stdout = String::from_utf8_lossy(&json_out.stdout);
    let stderr = String::from_utf8_lossy(&json_out.stderr);
    if expect.command == "validate" {
        if json_out.status.code() != Some(want_exit) {
            problems.push(format!(
                "validate --format json: exit {:?}, expected {want_exit}\n{stdout}{stderr}",
                json_out.status.code()
            ));
        }
        match serde_json::from_str::<serde_json::Value>(&stdout) {
            Err(e) => problems.push(format!("validate --format json printed invalid JSON ({e}):\n{stdout}")),
            Ok(v) => {
                let diags = v["diagnostics"].as_array().cloned().unwrap_or_default();
                let found = diags.iter().find(|d| {
                    let labels = d["labels"].as_array().cloned().unwrap_or_default();
                    let primary = labels.first();
                    d["code"] == expect.code.as_str()
                        && primary.is_some_and(|l| {
                            base_name(l["file"].as_str().unwrap_or("")) == expect.file
                                && l["start"]["line"].as_u64() == Some(expect.line as u64)
                        })
                });
                match found {
                    None => {
                        let seen: Vec<String> = diags
                            .iter()
                            .map(|d| format!("{} at line {}", d["code"], d["labels"][0]["start"]["line"]))
                            .collect();
                        problems.push(format!(
                            "expected {} at {}:{}; found [{}]",
                            expect.code,
                            expect.file,
                            expect.line,
                            seen.join(", ")
                        ));
                    }
                    Some(d) => {
                        let severity = if expect.warning { "warning" } else { "error" };
                        if d["severity"] != severity {
                            problems.push(format!("{} is a {}, expected a {severity}", expect.code, d["severity"]));
                        }
                        let labels = d["labels"].as_array().cloned().unwrap_or_default();
                        let lines: Vec<u64> = labels.iter().filter_map(|l| l["start"]["line"].as_u64()).collect();
                        for l in &expect.also_lines {
                            if !lines.contains(&(*l as u64)) {
                                problems.push(format!("{} has no label on line {l}; labels on {lines:?}", expect.code));
                            }
                        }
                        let str_of = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
                        let mut text = vec![str_of(&d["summary"]), str_of(&d["help"]), str_of(&d["detail"])];
                        text.extend(labels.iter().map(|l| str_of(&l["message"])));
                        let text = normalize(&text.join(" "));
                        for c in &expect.contains {
                            if !text.contains(&normalize(c)) {
                                problems.push(format!("{} does not contain {c:?}; it says: {text}", expect.code));
                            }
                        }
                        if d["help"].as_str().is_none_or(str::is_empty) {
                            problems.push(format!("{} has no fix (help)", expect.code));
                        }
                    }
                }
            }
        }
    }

    // For people: the code, and a snippet header at the file and line.
    let human = run(&[expect.command.as_str()], dir, endpoint);
    let stderr = String::from_utf8_lossy(&human.stderr);
    if human.status.code() != Some(want_exit) && !(expect.command == "plan" && human.status.code() == Some(0)) {
        problems.push(format!("{}: exit {:?}, expected {want_exit}\n{stderr}", expect.command, human.status.code()));
    }
    if !stderr.lines().any(|l| l.trim() == expect.code) {
        problems.push(format!("{} (human) does not show the code {}:\n{stderr}", expect.command, expect.code));
    }
    let header = format!("{}:{}:", expect.file, expect.line);
    if !stderr.lines().any(|l| l.contains("─[") && l.contains(&format!("/{header}"))) {
        problems.push(format!("{} (human) shows no snippet header [..{header}..]:\n{stderr}", expect.command));
    }
    for out in [&json_out, &human] {
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        if all.contains("panicked") {
            problems.push(format!("the binary panicked:\n{all}"));
        }
    }
    let calls = endpoint.count() - before;
    if calls > 0 {
        problems.push(format!("the AWS endpoint saw {calls} connection(s)"));
    }
    if dir.join(".tether").exists() {
        problems.push("a .tether directory (state) appeared in the case directory".into());
    }
    problems
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("invalid_network")
}

fn cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("tests/invalid_network is missing")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

#[test]
fn every_invalid_network_is_reported_with_its_code_and_line_and_calls_nothing() {
    let cases = cases();
    assert!(cases.len() >= MIN_CASES, "the corpus has {} cases; keep at least {MIN_CASES}", cases.len());
    let endpoint = Endpoint::start();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).min(4);
    let chunks: Vec<&[PathBuf]> = cases.chunks(cases.len().div_ceil(threads)).collect();
    let mut failures: Vec<(String, Vec<String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                let endpoint = &endpoint;
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|dir| (dir.file_name().unwrap().to_string_lossy().into_owned(), check_case(dir, endpoint)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("a case thread panicked")).collect()
    });
    failures.retain(|(_, p)| !p.is_empty());
    failures.sort();
    let report: Vec<String> = failures
        .iter()
        .map(|(name, problems)| format!("== {name}\n  - {}", problems.join("\n  - ").replace('\n', "\n    ")))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}\n\nfailing: {}",
        failures.len(),
        cases.len(),
        report.join("\n\n"),
        failures.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")
    );
    assert_eq!(endpoint.count(), 0, "no case may reach the AWS endpoint");
}

/// Copies a case into a temporary directory (so state can be added without touching the corpus).
fn copy_case(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    for entry in std::fs::read_dir(corpus_dir().join(name)).expect("case").flatten() {
        std::fs::copy(entry.path(), tmp.path().join(entry.file_name())).expect("copy");
    }
    tmp
}

/// State recording one VPC, as an earlier apply would have left it.
fn write_state(dir: &Path) -> PathBuf {
    let state = serde_json::json!({
        "version": 1,
        "lineage": "4f1d2c3b-0000-4000-8000-000000000001",
        "serial": 3,
        "tether_version": "0.1.0",
        "resources": [{
            "address": "aws_vpc.main",
            "mode": "managed",
            "type_name": "aws_vpc",
            "provider": "aws",
            "id": "vpc-0123456789abcdef0",
            "attributes": { "id": "vpc-0123456789abcdef0", "cidr_block": "10.0.0.0/16" }
        }]
    });
    std::fs::create_dir_all(dir.join(".tether")).expect("mkdir");
    let path = dir.join(".tether").join("state.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&state).unwrap()).expect("write state");
    path
}

#[test]
fn plan_of_a_bad_stack_with_state_stops_before_refresh() {
    let endpoint = Endpoint::start();
    let case = copy_case("cidr-remote-pod-overlaps-vpc");
    let state = write_state(case.path());
    let before = std::fs::read(&state).unwrap();
    let out = run(&["plan"], case.path(), &endpoint);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cidr::overlap"), "{stderr}");
    assert_eq!(endpoint.count(), 0, "plan refreshed (called AWS) before reporting the bad network:\n{stderr}");
    assert_eq!(std::fs::read(&state).unwrap(), before, "state changed");
    assert!(!case.path().join(".tether").join("state.json.backup").exists(), "state was rewritten");
    assert!(!case.path().join(".tether").join("state.json.lock").exists(), "the lock was left behind");

    // The same stack, fixed, does refresh: the listener above is a real witness.
    let main = case.path().join("main.hcl");
    let text = std::fs::read_to_string(&main).unwrap().replace("10.0.128.0/20", "10.244.0.0/16");
    std::fs::write(&main, text).unwrap();
    let out = run(&["plan"], case.path(), &endpoint);
    assert!(endpoint.count() > 0, "a valid stack with state refreshes through the endpoint: {out:?}");
}

#[test]
fn json_diagnostics_carry_both_sides_of_an_overlap() {
    let endpoint = Endpoint::start();
    let out = run(&["validate", "--format", "json"], &corpus_dir().join("cidr-service-overlaps-pod"), &endpoint);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(v["valid"], false);
    let d = v["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "cidr::overlap").expect("an overlap");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["address"], "aws_eks_cluster.hybrid");
    let labels = d["labels"].as_array().unwrap();
    assert_eq!(labels.len(), 2, "{d}");
    assert!(labels[1]["message"].as_str().unwrap().contains("service CIDR"), "{d}");
    assert_ne!(labels[0]["start"]["line"], labels[1]["start"]["line"]);
    assert!(d["help"].as_str().unwrap().contains("must not overlap"), "{d}");
    assert_eq!(endpoint.count(), 0);
}

#[test]
fn the_reference_stacks_are_clean() {
    let endpoint = Endpoint::start();
    // hybrid-eks includes hybrid-network: the whole reference architecture, checked as one.
    for name in ["hybrid-network", "hybrid-eks"] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("stacks").join(name);
        let out = run(&["validate", "--format", "json"], &dir, &endpoint);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
        assert_eq!(out.status.code(), Some(0), "{name}: {v}");
        assert_eq!(v["error_count"], 0, "{name}: {v}");
        assert_eq!(v["warning_count"], 0, "{name}: {v}");
        assert!(!dir.join(".tether").exists());
    }
    assert_eq!(endpoint.count(), 0);
}

#[test]
fn expect_files_parse() {
    let e =
        parse_expect("code = cidr::overlap\nseverity = warning\nline = 3\nalso_line = 9\ncontains = a = b\n").unwrap();
    assert!(e.warning);
    assert_eq!((e.line, e.also_lines.clone(), e.contains.clone()), (3, vec![9], vec!["a = b".to_string()]));
    assert!(parse_expect("line = 1\n").is_err());
    assert!(parse_expect("code = a::b\nline = 1\nseverity = fatal\n").is_err());
}
