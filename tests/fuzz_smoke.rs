//! A stable-toolchain stand-in for the `parse_eval` cargo-fuzz target (`fuzz/`): the same body,
//! fed thousands of deterministic pseudo-random mutations of the malformed corpus and the
//! quickstart stack (bit flips, byte swaps, truncations, deletions, duplications, and splices of
//! HCL fragments and of other files). No input may panic.
//!
//! `TETHER_FUZZ_ITERS=N` runs more (or fewer) mutations, `TETHER_FUZZ_SEED=N` other ones. A
//! panicking input is shrunk, reported as a byte string, and saved under the target's temp dir.

#[path = "../fuzz/parse_eval_body.rs"]
mod parse_eval_body;

use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use parse_eval_body::{parse_eval, FILE_SEPARATOR, MAX_INPUT};

const DEFAULT_ITERS: u64 = 3000;
const DEFAULT_SEED: u64 = 0x7e7e_5eed;
/// One input taking longer than this is reported (a hang in the making).
const SLOW: Duration = Duration::from_secs(5);

/// Pieces of the stack language that make mutations reach deeper than random bytes do.
const FRAGMENTS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "\"",
    "${",
    "%{",
    "%{ if true }x%{ endif }",
    "<<EOT\n",
    "<<-EOT\nx\n  EOT\n",
    "\nEOT\n",
    "=",
    " = ",
    "\n",
    ",",
    ".",
    "[*]",
    ".*",
    "#",
    "//",
    "/*",
    "*/",
    "\\",
    "null",
    "true",
    "-1",
    "0",
    "1e308",
    "99999999999999999999",
    "1/0",
    "1 % 0",
    "-9223372036854775808",
    "count = 2\n",
    "count = -1\n",
    "for_each = {a = 1}\n",
    "for_each = toset([\"a\", \"a\"])\n",
    "depends_on = [mock_network.main]\n",
    "count.index",
    "each.key",
    "each.value",
    "self",
    "var.x",
    "local.x",
    "path.module",
    "data.mock_zones.all.names",
    "mock_network.main.id",
    "mock_network.main[0]",
    "mock_subnet.zone[\"a\"].id",
    "mock_server.node[*].private_ip",
    "[for k, v in {a = 1} : k => v]",
    "{for s in [\"a\"] : s => s...}",
    "[for x in [1, 2] : x if x > 1]",
    "x ? y : z",
    "!true",
    "-\"a\"",
    "cidrsubnet(\"10.0.0.0/8\", 8, 300)",
    "cidrsubnet(\"10.0.0.0/8\", 40, 1)",
    "cidrhost(\"10.0.0.0/33\", 5)",
    "cidrnetmask(\"x\")",
    "format(\"%d %s %q %v\", 1)",
    "format(\"%\")",
    "join(\",\", [1, [2]])",
    "split(\"\", \"abc\")",
    "concat([1], 2)",
    "merge({a = 1}, [1])",
    "lookup({}, \"a\")",
    "length(null)",
    "element([], 0)",
    "range(1, 1000000000)",
    "substr(\"héllo\", 1, 2)",
    "jsonencode({a = [1, null]})",
    "jsondecode(\"{\")",
    "base64decode(\"%%%\")",
    "tonumber(\"x\")",
    "tolist(1)",
    "toset([{}])",
    "try(1/0, 2)",
    "can(nope())",
    "file(\"/etc/passwd\")",
    "sensitive(\"s\")",
    "nonsensitive(1)",
    "resource \"mock_network\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n",
    "resource \"mock_server\" \"s\" {\n  name = \"a\"\n  port {\n    from = 1\n    to = 2\n  }\n}\n",
    "data \"mock_zones\" \"all\" {}\n",
    "variable \"x\" {\n  type = list(object({a = number}))\n  default = [{a = \"b\"}]\n}\n",
    "variable \"x\" {\n  validation {\n    condition = var.x\n    error_message = 1\n  }\n}\n",
    "locals {\n  x = local.x\n}\n",
    "output \"o\" {\n  value = var.x\n  sensitive = true\n}\n",
    "lifecycle {\n  ignore_changes = [tags[\"a\"], port[0].from]\n}\n",
    "provider \"mock\" {\n  region = var.x\n}\n",
    "tether {\n  backend \"local\" {\n    path = \"x\"\n  }\n}\n",
    "é",
    "\u{feff}",
    "\u{0}",
    "\r\n",
    "\t",
];

/// splitmix64: small, fast, and the same sequence everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when n is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn mutate(rng: &mut Rng, input: &mut Vec<u8>, seeds: &[Vec<u8>]) {
    const INTERESTING: &[u8] = b"{}[]()\"$%\\\n=#<>.,*-+/:?!&|~019 \t\r\xff\xc3\x80\x00";
    let len = input.len();
    match rng.below(9) {
        0 if len > 0 => {
            let i = rng.below(len);
            input[i] ^= 1 << rng.below(8);
        }
        1 if len > 0 => {
            let i = rng.below(len);
            input[i] = *rng.pick(INTERESTING);
        }
        2 if len > 0 => {
            let start = rng.below(len);
            let end = (start + 1 + rng.below(16)).min(len);
            input.drain(start..end);
        }
        3 => input.truncate(rng.below(len + 1)),
        4 | 5 => {
            let at = rng.below(len + 1);
            let fragment = rng.pick(FRAGMENTS).as_bytes();
            input.splice(at..at, fragment.iter().copied());
        }
        6 if len > 0 => {
            let start = rng.below(len);
            let end = (start + 1 + rng.below(64)).min(len);
            let copy = input[start..end].to_vec();
            let at = rng.below(len + 1);
            input.splice(at..at, copy);
        }
        7 => {
            let other = rng.pick(seeds);
            if !other.is_empty() {
                let start = rng.below(other.len());
                let end = (start + 1 + rng.below(128)).min(other.len());
                let at = rng.below(len + 1);
                let cut = (at + rng.below(32)).min(len);
                input.splice(at..cut, other[start..end].iter().copied());
            }
        }
        _ if len > 1 => {
            let (a, b) = (rng.below(len), rng.below(len));
            input.swap(a, b);
        }
        _ => input.push(*rng.pick(INTERESTING)),
    }
}

fn hcl_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "hcl"))
        .collect();
    files.sort();
    files
}

/// Seeds that load, check and plan cleanly (the quickstart stack as one input of two files, and
/// the cargo-fuzz corpus), and the malformed corpus, each file a seed.
fn seeds() -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut valid = Vec::new();
    let quickstart: Vec<Vec<u8>> =
        hcl_files(&root.join("stacks").join("quickstart")).iter().filter_map(|f| std::fs::read(f).ok()).collect();
    valid.push(quickstart.join(&FILE_SEPARATOR));
    let mut corpus: Vec<PathBuf> = std::fs::read_dir(root.join("fuzz").join("corpus").join("parse_eval"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    corpus.sort();
    valid.extend(corpus.iter().filter_map(|f| std::fs::read(f).ok()));

    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("tests").join("malformed"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let malformed = dirs.iter().flat_map(|d| hcl_files(d)).filter_map(|f| std::fs::read(f).ok()).collect();
    (valid, malformed)
}

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
    /// Set while `panics` runs an input on this thread: only those panics are expected.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Records the panics of fuzzed inputs quietly (the tests report them themselves). The hook is
/// process-wide and installed once, and other tests may share the process (`cargo test` runs a
/// binary's tests as threads of one process), so every other panic goes to the hook that was
/// there before and keeps its message.
fn install_quiet_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.get() {
                return previous(info);
            }
            let location = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(non-string panic)".into());
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{location}: {message}")));
        }))
    });
}

/// `Some(panic)` when the input panics.
fn panics(input: &[u8]) -> Option<String> {
    LAST_PANIC.with(|p| p.borrow_mut().take());
    QUIET.set(true);
    let result = catch_unwind(AssertUnwindSafe(|| parse_eval(input)));
    QUIET.set(false);
    match result {
        Ok(()) => None,
        Err(_) => Some(LAST_PANIC.with(|p| p.borrow_mut().take()).unwrap_or_else(|| "(unknown panic)".into())),
    }
}

/// The panic's location (`file:line`), to tell one bug from another.
fn site(panic: &str) -> &str {
    panic.split(": ").next().unwrap_or(panic)
}

/// Greedily removes chunks of a panicking input while it still panics at the same place.
fn shrink(input: &[u8], panic: &str) -> Vec<u8> {
    let mut best = input.to_vec();
    let mut chunk = best.len().div_ceil(2).max(1);
    let mut budget = 3000;
    while chunk >= 1 && budget > 0 {
        let mut i = 0;
        let mut removed_any = false;
        while i < best.len() && budget > 0 {
            budget -= 1;
            let mut candidate = best.clone();
            candidate.drain(i..(i + chunk).min(best.len()));
            if panics(&candidate).is_some_and(|p| site(&p) == site(panic)) {
                best = candidate;
                removed_any = true;
            } else {
                i += chunk;
            }
        }
        if chunk == 1 && !removed_any {
            break;
        }
        chunk = if chunk == 1 { 1 } else { chunk / 2 };
    }
    best
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

struct Failure {
    panic: String,
    input: Vec<u8>,
    shrunk: Vec<u8>,
}

fn report(failures: &[Failure], slow: &[(Duration, Vec<u8>)], runs: u64) -> String {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz_smoke");
    let _ = std::fs::create_dir_all(&dir);
    let mut out = format!("{} distinct panic(s), {} slow input(s) in {runs} inputs\n", failures.len(), slow.len());
    for (i, f) in failures.iter().enumerate() {
        let path = dir.join(format!("panic-{i}.bin"));
        let _ = std::fs::write(&path, &f.input);
        out.push_str(&format!(
            "\n== panic {i}: {}\n   shrunk input: b\"{}\"\n   full input saved to {}\n",
            f.panic,
            f.shrunk.escape_ascii(),
            path.display()
        ));
    }
    for (i, (took, input)) in slow.iter().enumerate() {
        let path = dir.join(format!("slow-{i}.bin"));
        let _ = std::fs::write(&path, input);
        out.push_str(&format!("\n== slow input {i}: took {took:?}; saved to {}\n", path.display()));
    }
    out
}

#[test]
fn mutated_stacks_never_panic_the_engine() {
    install_quiet_hook();
    let (valid, malformed) = seeds();
    assert!(valid.len() >= 2, "expected stacks/quickstart and fuzz/corpus/parse_eval as seeds");
    assert!(malformed.len() >= 40, "expected the malformed corpus as seeds, found {} files", malformed.len());
    let seeds: Vec<Vec<u8>> = valid.iter().chain(&malformed).cloned().collect();
    let iters = env_u64("TETHER_FUZZ_ITERS", DEFAULT_ITERS);
    let mut rng = Rng(env_u64("TETHER_FUZZ_SEED", DEFAULT_SEED));

    let mut failures: Vec<Failure> = Vec::new();
    let mut slow: Vec<(Duration, Vec<u8>)> = Vec::new();
    let mut check = |input: Vec<u8>, failures: &mut Vec<Failure>| {
        if input.len() > MAX_INPUT {
            return;
        }
        let start = Instant::now();
        let result = panics(&input);
        let took = start.elapsed();
        if took > SLOW {
            slow.push((took, input.clone()));
        }
        if let Some(panic) = result {
            if !failures.iter().any(|f| site(&f.panic) == site(&panic)) {
                let shrunk = shrink(&input, &panic);
                failures.push(Failure { panic, input, shrunk });
            }
        }
    };

    // Each seed as it is, then mutants of one to three seeds as separate files.
    for s in &seeds {
        check(s.clone(), &mut failures);
    }
    for _ in 0..iters {
        let files = if rng.below(3) == 0 { 2 + rng.below(2) } else { 1 };
        let mut input = Vec::new();
        for i in 0..files {
            if i > 0 {
                input.push(FILE_SEPARATOR);
            }
            // Half the time a stack that plans cleanly, so mutants reach evaluation and the plan.
            let seed: &Vec<u8> = if rng.below(2) == 0 { rng.pick(&valid) } else { rng.pick(&malformed) };
            input.extend_from_slice(seed);
        }
        for _ in 0..1 + rng.below(4) {
            mutate(&mut rng, &mut input, &seeds);
        }
        check(input, &mut failures);
    }
    let runs = seeds.len() as u64 + iters;
    assert!(failures.is_empty() && slow.is_empty(), "{}", report(&failures, &slow, runs));
}

/// Inputs that once panicked or were mishandled, kept so they stay fixed.
#[test]
fn known_tricky_inputs_do_not_panic() {
    install_quiet_hook();
    let inputs: &[&[u8]] = &[
        b"",
        b"\xff\xff",
        b"a = \"\n",
        b"a {\n",
        b"locals {\n  a = \"${\n",
        b"locals {\n  a = <<EOT\n",
        b"locals {\n  a = <<-\n}\n",
        b"resource \"mock_network\" \"a\" {\n  count = 1\n  cidr_block = count.index\n}\n",
        b"locals {\n  a = [for x in [1] : x]\n}\n",
    ];
    let failures: Vec<String> =
        inputs.iter().filter_map(|i| panics(i).map(|p| format!("b\"{}\": {p}", i.escape_ascii()))).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
