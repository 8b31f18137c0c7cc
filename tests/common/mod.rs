//! Shared helpers for the end-to-end tests: a stack in a temporary directory, a mock cloud in a
//! JSON file next to it, and a way to run the real `tether` binary against both.
//!
//! Every test builds its own `Fixture`, so tests run in parallel without sharing anything.

#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tether_sdk::mock::{MockCall, MockObject, MockProvider};
use tether_state::{Backend, LocalBackend, StateFile};

/// No single command of the suite should take anywhere near this long; a hang fails the test
/// instead of hanging the suite.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// What one run of the binary printed, and how it exited.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Stdout and stderr together, for assertions that do not care which stream a line is on.
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// Panics with everything printed unless the exit code is `code`.
    #[track_caller]
    pub fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "expected exit code {code}\n--- stdout:\n{}\n--- stderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn ok(self) -> Run {
        self.expect(0)
    }

    /// Lines of stdout, in the order they were printed.
    pub fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }

    /// The index of the first stdout line containing `needle`; panics when there is none.
    #[track_caller]
    pub fn line_of(&self, needle: &str) -> usize {
        self.stdout
            .lines()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line containing {needle:?} in stdout:\n{}", self.stdout))
    }
}

/// A stack directory and a mock cloud file, in one temporary directory.
pub struct Fixture {
    _tmp: tempfile::TempDir,
    /// The stack directory; commands run with it as the working directory.
    pub dir: PathBuf,
    /// The mock cloud (`TETHER_MOCK_CLOUD`), outside the stack directory.
    pub cloud_path: PathBuf,
}

impl Fixture {
    /// A stack whose only file is `main.hcl` with `text`.
    pub fn new(main_hcl: &str) -> Fixture {
        Fixture::with_files(&[("main.hcl", main_hcl)])
    }

    pub fn with_files(files: &[(&str, &str)]) -> Fixture {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let dir = tmp.path().join("stack");
        std::fs::create_dir_all(&dir).expect("stack directory");
        let f = Fixture { cloud_path: tmp.path().join("cloud.json"), dir, _tmp: tmp };
        for (name, text) in files {
            f.write(name, text);
        }
        f
    }

    /// Writes (or overwrites) a file in the stack directory.
    pub fn write(&self, name: &str, text: &str) {
        std::fs::write(self.dir.join(name), text).expect("write stack file");
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// A command running the real binary in the stack directory, without colour and with the
    /// mock cloud; nothing inherited from the test's environment changes variables.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tether"));
        cmd.args(args)
            .current_dir(&self.dir)
            .env("TETHER_MOCK_CLOUD", &self.cloud_path)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("TETHER_VAR_") {
                cmd.env_remove(k);
            }
        }
        cmd
    }

    /// Runs `tether ARGS` to completion.
    pub fn run(&self, args: &[&str]) -> Run {
        run_command(self.command(args))
    }

    /// Runs `tether ARGS` with extra environment variables.
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = self.command(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        run_command(cmd)
    }

    /// `apply --auto-approve`, expected to succeed.
    #[track_caller]
    pub fn apply(&self) -> Run {
        self.run(&["apply", "--auto-approve"]).ok()
    }

    /// Starts `tether ARGS` in the background.
    pub fn spawn(&self, args: &[&str]) -> Child {
        self.command(args).spawn().expect("start tether")
    }

    /// The mock cloud, read through the provider's own API.
    pub fn cloud(&self) -> MockProvider {
        MockProvider::file_backed(self.cloud_path.clone())
    }

    /// The objects in the cloud (none before the binary first ran: the cloud file is made by
    /// the binary, and never by a test while the binary may be making it).
    pub fn objects(&self) -> Vec<MockObject> {
        if !self.cloud_path.exists() {
            return Vec::new();
        }
        self.cloud().objects()
    }

    /// Objects of one type, in creation order.
    pub fn objects_of(&self, type_name: &str) -> Vec<MockObject> {
        self.objects().into_iter().filter(|o| o.type_name == type_name).collect()
    }

    /// The cloud object created for a resource address (by its ownership tag).
    pub fn object_at(&self, address: &str) -> Option<MockObject> {
        let mut found: Vec<MockObject> =
            self.objects().into_iter().filter(|o| tag_address(o) == Some(address)).collect();
        assert!(found.len() <= 1, "more than one cloud object for {address}: {found:#?}");
        found.pop()
    }

    /// Every provider call logged so far (empty when the cloud file does not exist).
    pub fn calls(&self) -> Vec<MockCall> {
        if !self.cloud_path.exists() {
            return Vec::new();
        }
        self.cloud().calls()
    }

    /// Forgets the call log so a test can look at the calls of one step.
    pub fn clear_calls(&self) {
        if self.cloud_path.exists() {
            self.cloud().clear_calls();
        }
    }

    /// Calls as `op address` strings (`read` calls show the type instead), oldest first.
    pub fn call_log(&self) -> Vec<String> {
        self.calls()
            .into_iter()
            .map(|c| format!("{} {}", c.op, c.address.unwrap_or_else(|| c.type_name.clone())))
            .collect()
    }

    pub fn backend(&self) -> LocalBackend {
        LocalBackend::new(self.state_path())
    }

    pub fn state_path(&self) -> PathBuf {
        self.dir.join(".tether").join("state.json")
    }

    pub fn lock_path(&self) -> PathBuf {
        self.backend().lock_path()
    }

    /// The stored state, parsed by the state crate.
    pub fn state(&self) -> Option<StateFile> {
        self.backend().read().expect("state parses")
    }

    #[track_caller]
    pub fn state_or_panic(&self) -> StateFile {
        self.state().expect("state exists")
    }

    /// Addresses in state, sorted.
    pub fn state_addresses(&self) -> Vec<String> {
        self.state().map(|s| s.resources.iter().map(|r| r.address.to_string()).collect()).unwrap_or_default()
    }

    /// The raw bytes of the state file.
    pub fn state_text(&self) -> String {
        std::fs::read_to_string(self.state_path()).expect("state file")
    }
}

pub fn tag_address(o: &MockObject) -> Option<&str> {
    o.tags.get("tether:address").map(String::as_str)
}

/// Runs a command to completion with a timeout, collecting its output.
pub fn run_command(mut cmd: Command) -> Run {
    let child = cmd.spawn().expect("start tether");
    wait_with_timeout(child, COMMAND_TIMEOUT)
}

/// Waits for a spawned child, collecting its output; kills it and panics after `timeout`.
pub fn wait_with_timeout(mut child: Child, timeout: Duration) -> Run {
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let out_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for tether") {
            break status;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            panic!("tether did not finish within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let stdout = out_t.join().unwrap_or_default();
    let stderr = err_t.join().unwrap_or_default();
    Run { code: status.code().unwrap_or(-1), stdout, stderr }
}

/// Polls `cond` every 10ms until it holds; panics after `timeout`.
#[track_caller]
pub fn wait_until(timeout: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < timeout, "timed out after {timeout:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// True when `s` holds an ANSI escape sequence.
pub fn has_ansi(s: &str) -> bool {
    s.contains('\x1b')
}

/// Asserts `haystack` contains `needle`, showing the haystack when it does not.
#[track_caller]
pub fn assert_contains(haystack: &str, needle: &str) {
    assert!(haystack.contains(needle), "expected to find {needle:?} in:\n{haystack}");
}

#[track_caller]
pub fn assert_not_contains(haystack: &str, needle: &str) {
    assert!(!haystack.contains(needle), "did not expect {needle:?} in:\n{haystack}");
}

/// `s` with every run of spaces collapsed to one, so assertions do not depend on how the plan
/// aligns its `=` signs.
pub fn squash(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if !(c == ' ' && out.ends_with(' ')) {
            out.push(c);
        }
    }
    out
}

/// Diagnostics text with miette's line wrapping undone: every line's leading blanks and `│`
/// gutter removed and lines joined with a space, so a sentence can be matched whole.
pub fn flat(s: &str) -> String {
    let joined: Vec<&str> = s.lines().map(|l| l.trim_start_matches([' ', '│'])).filter(|l| !l.is_empty()).collect();
    squash(&joined.join(" "))
}

/// A typed resource address, for looking things up in state.
#[track_caller]
pub fn addr(s: &str) -> tether_addrs::InstanceAddr {
    tether_addrs::InstanceAddr::parse(s).expect("a valid address")
}

/// Copies `stacks/` into a temporary directory, so stacks that include each other keep their
/// relative layout, and returns the directory holding the copies.
pub fn copy_stacks() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("stacks");
    for stack in std::fs::read_dir(&root).expect("stacks/").flatten() {
        let to = tmp.path().join(stack.file_name());
        std::fs::create_dir_all(&to).expect("stack copy");
        for f in std::fs::read_dir(stack.path()).expect("stack dir").flatten() {
            if f.path().is_file() {
                std::fs::copy(f.path(), to.join(f.file_name())).expect("copy stack file");
            }
        }
    }
    let dir = tmp.path().to_path_buf();
    (tmp, dir)
}

/// Runs the binary in `dir` with no AWS endpoint, credentials or colour: a stack that was never
/// applied makes no provider call, so nothing here can reach anything.
pub fn run_in(dir: &Path, args: &[&str]) -> Run {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_tether"));
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("TETHER_VAR_") {
            cmd.env_remove(k);
        }
    }
    run_command(cmd)
}
