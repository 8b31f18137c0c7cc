#!/usr/bin/env bash
# Main-branch step: apply exactly the plan reviewed on the pull request.
# Usage: apply.sh PLAN_FILE  (env: TETHER, TETHER_STACK; TETHER_ALLOW_REPLACE="ADDR ..." for
# high-impact replacements the reviewers approved)
# tether refuses a stale plan (the stack or state changed since review) and a plan with
# high-impact changes not named in TETHER_ALLOW_REPLACE, before changing anything.
set -euo pipefail
tether=${TETHER:-tether}
stack=${TETHER_STACK:-.}
plan=${1:?usage: apply.sh PLAN_FILE}
allow=()
for addr in ${TETHER_ALLOW_REPLACE:-}; do
  allow+=(--allow-replace "$addr")
done
exec "$tether" --stack "$stack" apply "${allow[@]}" "$plan"
