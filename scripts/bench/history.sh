#!/usr/bin/env bash
# Benchmark: what the run history costs a run. Every run reads the state directory's
# history (the last 100 runs, each with its full report), appends itself and writes it
# back. A 1,000-check dry run is measured with a full history of 100 such runs behind it
# against the same run with an empty state directory (the baseline, in the same
# invocation): wall time, CPU time and peak resident memory, each run from a fresh copy
# of its state directory.
# Usage: scripts/bench/history.sh [runs]   (default 5; RECONCILE_BENCH_BINARY=dist/reconcile
# measures the packaged binary instead of a `swift build -c release` one)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-5}
CHECKS=1000

scripts/setup >/dev/null
source scripts/bench/common.sh
RECONCILE=$(release_reconcile .build)
PYTHON=$PWD/.venv/bin/python3

WORK=$(mktemp -d -t reconcile-history-bench-XXXXXX)
SERVER_PID=
trap '[[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$WORK"' EXIT
start_health_server

REPO=$WORK/config
health_config_repo "$REPO" "$CHECKS" "$PORT"

# The full history: one real run's record, as the 100 lines a state directory keeps.
"$RECONCILE" --dry-run --repo "$REPO" --quiet --state-dir "$WORK/seed" >/dev/null || true
mkdir -p "$WORK/full"
for _ in $(seq 100); do cat "$WORK/seed/history.jsonl"; done >"$WORK/full/history.jsonl"
chmod 700 "$WORK/full" && chmod 600 "$WORK/full/history.jsonl"
history_mb=$("$PYTHON" -c "import os,sys; print(f'{os.path.getsize(sys.argv[1]) / 1e6:.1f}')" "$WORK/full/history.jsonl")

measure() { # state template ("" = empty): prints "wall_ms cpu_ms peak_kb" per run
  for _ in $(seq "$RUNS"); do
    rm -rf "$WORK/state"
    if [[ -n $1 ]]; then cp -a "$1" "$WORK/state"; fi
    "$PYTHON" -c '
import resource, subprocess, sys, time
start = time.monotonic()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = (time.monotonic() - start) * 1000
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{wall:.0f} {(usage.ru_utime + usage.ru_stime) * 1000:.0f} {usage.ru_maxrss}")' \
      "$RECONCILE" --dry-run --repo "$REPO" --quiet --state-dir "$WORK/state"
  done
}
measure "" >"$WORK/empty"
measure "$WORK/full" >"$WORK/history"

echo
echo "history benchmark: $CHECKS health checks, $RUNS runs each (mean; $RECONCILE)"
"$PYTHON" - "$WORK/empty" "$WORK/history" "$history_mb" <<'PY'
import statistics, sys
def load(path):
    rows = [list(map(float, line.split())) for line in open(path) if line.strip()]
    return [statistics.mean(column) for column in zip(*rows)]
empty, full = load(sys.argv[1]), load(sys.argv[2])
print(f"  {'':36s} {'wall':>9s} {'CPU':>9s} {'peak RSS':>10s}")
print(f"  {'empty state directory (baseline)':36s} {empty[0]:6.0f} ms {empty[1]:6.0f} ms {empty[2] / 1024:7.1f} MB")
print(f"  {'history of 100 runs (' + sys.argv[3] + ' MB)':36s} {full[0]:6.0f} ms {full[1]:6.0f} ms {full[2] / 1024:7.1f} MB")
print(f"  ratio history / empty: wall {full[0] / empty[0]:.2f}, CPU {full[1] / empty[1]:.2f}, peak RSS {full[2] / empty[2]:.2f}")
PY
