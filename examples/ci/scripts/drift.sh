#!/usr/bin/env bash
# Scheduled step: look for drift, read-only, and write the alert body.
# Usage: drift.sh OUT_DIR    (env: TETHER, TETHER_STACK)
# Writes OUT_DIR/drift.md and OUT_DIR/drift.json. Exit code is tether's: 0 no drift, 2 drift
# (raise the alert), 1 error.
set -uo pipefail
tether=${TETHER:-tether}
stack=${TETHER_STACK:-.}
out=${1:?usage: drift.sh OUT_DIR}
mkdir -p "$out"
"$tether" --stack "$stack" drift --format json >"$out/drift.json"
code=$?
if [ "$code" -ne 1 ]; then
  "$tether" --stack "$stack" drift --format markdown >"$out/drift.md"
fi
exit "$code"
