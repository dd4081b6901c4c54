#!/usr/bin/env bash
# Reading a manifest at a ref: `reconcile validate` (libgit2 through GitStore) against
# `git show REF:PATH`, on a repository with a long history (10,000 commits by default).
#
# Usage: scripts/bench/git-read.sh
#   RECONCILE  the binary to time           (default: .build/release/reconcile;
#                                            build it with `swift build -c release`)
#   RUNS       timed runs of each command   (default: 50)
#   COMMITS    commits in the repository    (default: 10000)
# Prints the mean wall time per run of each command and the ratio reconcile/git.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RECONCILE="${RECONCILE:-$root/.build/release/reconcile}"
RUNS="${RUNS:-50}"
COMMITS="${COMMITS:-10000}"
REF=main
MANIFEST=manifests/production.yaml

work="$(mktemp -d "${TMPDIR:-/tmp}/reconcile-bench-XXXXXX")"
trap 'rm -rf "$work"' EXIT
repo="$work/repo"

export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1

# One fast-import stream: the manifest in the first commit, then every commit rewrites
# one of 100 data files, so the history is long and the tree stays small.
make_history() {
    awk -v commits="$COMMITS" -v manifest="$MANIFEST" 'BEGIN {
        for (i = 1; i <= commits; i++) {
            print "commit refs/heads/main"
            print "committer Bench <bench@example.invalid> " (1700000000 + i) " +0000"
            print "data <<EOM"; print "commit " i; print "EOM"
            if (i == 1) {
                print "M 100644 inline " manifest
                print "data <<EOM"
                print "apiVersion: reconcile/v1"
                print "kind: Environment"
                print "name: bench"
                print "health:"
                print "  - name: api"
                print "    url: http://127.0.0.1:8000/api/health/"
                print "    expect: { status: 200 }"
                print "EOM"
            }
            print "M 100644 inline data/file-" (i % 100) ".txt"
            print "data <<EOM"; print "revision " i; print "EOM"
            print ""
        }
    }'
}

# Mean wall time of RUNS runs of "$@" in milliseconds (output discarded).
mean_ms() {
    local start end
    start=$(date +%s%N)
    for ((run = 0; run < RUNS; run++)); do
        "$@" >/dev/null
    done
    end=$(date +%s%N)
    awk -v ns="$((end - start))" -v runs="$RUNS" 'BEGIN { printf "%.2f", ns / runs / 1e6 }'
}

git -c init.defaultBranch=main init --quiet "$repo"
make_history | git -C "$repo" fast-import --quiet
git -C "$repo" checkout --quiet main
echo "repository: $(git -C "$repo" rev-list --count "$REF") commits at $REF, manifest $MANIFEST"

git -C "$repo" show "$REF:$MANIFEST" | grep -q '^name: bench$'
git_ms=$(mean_ms git -C "$repo" show "$REF:$MANIFEST")
printf '%-44s %8s ms/run (%d runs)\n' "git show $REF:$MANIFEST" "$git_ms" "$RUNS"

if [[ ! -x "$RECONCILE" ]]; then
    echo "no reconcile binary at $RECONCILE: build it with 'swift build -c release' or set RECONCILE" >&2
    exit 1
fi
# Time the real path only: a manifest that fails to validate would time an error.
"$RECONCILE" validate --repo "$repo" --ref "$REF" "$MANIFEST" >/dev/null
reconcile_ms=$(mean_ms "$RECONCILE" validate --repo "$repo" --ref "$REF" "$MANIFEST")
printf '%-44s %8s ms/run (%d runs)\n' "reconcile validate --ref $REF $MANIFEST" "$reconcile_ms" "$RUNS"
awk -v r="$reconcile_ms" -v g="$git_ms" 'BEGIN { printf "ratio reconcile/git: %.2f\n", r / g }'
