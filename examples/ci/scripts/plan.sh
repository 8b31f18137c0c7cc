#!/usr/bin/env bash
# Pull request step: validate, plan, save the plan for the apply job and write the comment body.
# Usage: plan.sh OUT_DIR     (env: TETHER=tether binary, TETHER_STACK=stack directory)
# Writes OUT_DIR/plan.tfplan, OUT_DIR/plan.md (Markdown, under GitHub's comment limit) and
# OUT_DIR/has-changes (true/false). Exits 1 on an invalid stack or a failed plan.
set -uo pipefail
tether=${TETHER:-tether}
stack=${TETHER_STACK:-.}
out=${1:?usage: plan.sh OUT_DIR}
mkdir -p "$out"

"$tether" --stack "$stack" validate || exit 1
"$tether" --stack "$stack" plan --detailed-exitcode --format markdown --out "$out/plan.tfplan" >"$out/plan.md"
case $? in
  0) echo false >"$out/has-changes" ;;
  2) echo true >"$out/has-changes" ;;
  *) exit 1 ;;
esac
