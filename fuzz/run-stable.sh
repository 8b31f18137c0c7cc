#!/usr/bin/env bash
# Coverage-guided fuzzing of parse_eval on the stable toolchain, without cargo-fuzz: builds the
# target with libFuzzer's coverage instrumentation (no AddressSanitizer, which needs nightly) and
# runs it on a scratch copy of the seed corpus. Usage: fuzz/run-stable.sh [SECONDS] [libFuzzer args]
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-300}
shift || true
target=$(rustc -vV | sed -n 's/^host: //p')
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
  -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
  -Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks --cfg fuzzing"
# An explicit --target keeps the instrumentation out of build scripts and proc macros.
cargo build --release --target "$target" --bin parse_eval
work=target/stable-corpus
mkdir -p "$work" artifacts
cp -n corpus/parse_eval/* "$work/"
for f in ../tests/malformed/*/*.hcl; do
  cp -n "$f" "$work/$(basename "$(dirname "$f")")-$(basename "$f")"
done
exec "target/$target/release/parse_eval" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=16384 -dict=hcl.dict -artifact_prefix=artifacts/ "$@" "$work"
