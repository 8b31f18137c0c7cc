#!/usr/bin/env bash
# Lays the published files of every conformance case into place, from local git snapshots of their
# repositories, and checks each one byte for byte against the git blob id recorded in manifest.tsv.
#
# Usage: tools/materialize.sh [MIRROR_ROOT] [CASE...]
#   MIRROR_ROOT holds one bare git directory per repository, named OWNER+NAME/repo
#   (default: $TETHER_CONFORMANCE_MIRRORS, else /work/.mirror).
#
# manifest.tsv columns: case, repository, commit, path in the repository, path in the case, blob id.
# A file whose repository has no local snapshot is reported and left as it is; a file already in
# place with the right blob id is left alone. Exit 1 if any file is missing or differs.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
mirrors=${1:-${TETHER_CONFORMANCE_MIRRORS:-/work/.mirror}}
shift || true
only=" $* "
bad=0
while IFS=$'\t' read -r case_ repo commit src dest blob; do
  [[ $case_ == case ]] && continue
  if [[ -n "${only// /}" && $only != *" $case_ "* ]]; then continue; fi
  out=$here/$case_/$dest
  if [[ -f $out && $(git hash-object "$out") == "$blob" ]]; then continue; fi
  gd=$mirrors/${repo/\//+}/repo
  if [[ -d $gd ]] && git --git-dir="$gd" cat-file -e "$blob" 2>/dev/null; then
    mkdir -p "$(dirname "$out")"
    git --git-dir="$gd" cat-file blob "$blob" > "$out"
  else
    echo "missing: $case_/$dest (no snapshot of $repo holding blob $blob; see $case_/SOURCE.md)" >&2
    bad=1
    continue
  fi
  if [[ $(git hash-object "$out") != "$blob" ]]; then
    echo "differs: $case_/$dest" >&2
    bad=1
  fi
done < "$here/manifest.tsv"
exit $bad
