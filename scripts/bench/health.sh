#!/usr/bin/env bash
# Benchmark: 200 health checks against a local endpoint that answers after 200 ms.
# The whole `reconcile --dry-run` (start-up, git read, decode, 200 requests, report)
# against `xargs -P 50 curl` over the same URLs, measured in the same run.
# The floor is ~0.2 s (every request waits 200 ms); concurrency decides the rest: with
# the default --max-connections-per-host 64, 200 requests to one host take 4 rounds,
# so the run is also timed with the cap raised to 256 (all at once).
# Then peak memory (scripts/bench/peak-memory.py: resident, and anonymous = what the
# process allocated): 1,000 checks against 1 check (the process before any real work).
# Usage: scripts/bench/health.sh [runs]   (default 5; RECONCILE_BENCH_BINARY=dist/reconcile
# measures the packaged binary instead of a `swift build -c release` one;
# RECONCILE_BENCH_BASELINE=BINARY also measures that binary's peak memory, in the same
# run, with the ratio: an earlier package, or one linked without scripts/package.order)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-5}
CHECKS=200
DELAY_MS=200

scripts/setup >/dev/null
source scripts/bench/common.sh
require_tools curl
RECONCILE=$(release_reconcile .build)
PYTHON=$PWD/.venv/bin/python3

WORK=$(mktemp -d -t reconcile-bench-XXXXXX)
SERVER_PID=
trap '[[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$WORK"' EXIT

start_health_server --delay-ms "$DELAY_MS"

REPO=$WORK/config
health_config_repo "$REPO" "$CHECKS" "$PORT"
health_config_repo "$WORK/one" 1 "$PORT"
health_config_repo "$WORK/thousand" 1000 "$PORT"
for i in $(seq "$CHECKS"); do echo "http://127.0.0.1:$PORT/api/health/?n=$i"; done >"$WORK/urls"

now() { date +%s%N; }
measure() { # name, command...
  local total=0 best=0 name=$1; shift
  "$@" >/dev/null 2>&1 || true   # warm-up
  for _ in $(seq "$RUNS"); do
    local start end
    start=$(now); "$@" >"$WORK/out" 2>&1 || true; end=$(now)
    local ms=$(((end - start) / 1000000))
    total=$((total + ms)); ((best == 0 || ms < best)) && best=$ms
  done
  echo "$((total / RUNS)) $best"
}

read -r reconcile_mean reconcile_best < <(measure reconcile "$RECONCILE" --dry-run --repo "$REPO" --format json --state-dir "$WORK/state")
read -r uncapped_mean uncapped_best < <(measure reconcile "$RECONCILE" --dry-run --repo "$REPO" --format json \
  --state-dir "$WORK/state" --max-connections-per-host 256)
peak_kb() { # repository [binary]: the median of three runs' peak resident and peak anonymous memory, in KB
  # Each run starts from an empty state directory: one that the timed runs filled would
  # make a 1-check run load and rewrite a history of 200-check reports.
  for _ in 1 2 3; do
    rm -rf "$WORK/peak-state"
    "$PYTHON" scripts/bench/peak-memory.py "${2:-$RECONCILE}" --dry-run --repo "$1" --format json --timeout 120 --state-dir "$WORK/peak-state"
  done | sort -n | sed -n 2p
}
read -r one_kb one_anon_kb < <(peak_kb "$WORK/one")
read -r thousand_kb thousand_anon_kb < <(peak_kb "$WORK/thousand")
BASELINE=${RECONCILE_BENCH_BASELINE:-}
if [[ -n $BASELINE ]]; then
  read -r baseline_one_kb _ < <(peak_kb "$WORK/one" "$BASELINE")
  read -r baseline_thousand_kb _ < <(peak_kb "$WORK/thousand" "$BASELINE")
fi
"$RECONCILE" --dry-run --repo "$REPO" --format json --state-dir "$WORK/state" >"$WORK/report.json" || true
ok=$("$PYTHON" -c "import json,sys; print(json.load(open(sys.argv[1]))['summary']['ok'])" "$WORK/report.json")
read -r curl_mean curl_best < <(measure curl bash -c "xargs -P 50 -n 1 curl -s -o /dev/null < '$WORK/urls'")

echo
echo "health benchmark: $CHECKS checks, endpoint delay ${DELAY_MS} ms, $RUNS runs each (mean / best)"
printf '  %-32s %6s ms  %6s ms   (%s of %s ok)\n' "reconcile --dry-run" "$reconcile_mean" "$reconcile_best" "$ok" "$CHECKS"
printf '  %-32s %6s ms  %6s ms\n' "  --max-connections-per-host 256" "$uncapped_mean" "$uncapped_best"
printf '  %-32s %6s ms  %6s ms\n' "xargs -P 50 curl (baseline)" "$curl_mean" "$curl_best"
"$PYTHON" -c "print(f'  ratio reconcile / curl: {$reconcile_mean / $curl_mean:.2f} (mean), uncapped {$uncapped_mean / $curl_mean:.2f}')"
echo
echo "peak resident memory (median of 3 runs, endpoint delay ${DELAY_MS} ms; $RECONCILE)"
"$PYTHON" - "$one_kb" "$thousand_kb" "$one_anon_kb" "$thousand_anon_kb" <<'PY'
import sys
one, thousand, one_anon, thousand_anon = (int(kb) / 1024 for kb in sys.argv[1:])
print(f"  {'1 check (the process itself)':32s} {one:6.1f} MB")
print(f"  {'1,000 checks':32s} {thousand:6.1f} MB   (target 40 MB: {'met' if thousand <= 40 else 'NOT met'})")
print(f"  ratio 1,000 checks / 1 check: {thousand / one:.2f}; 1,000 checks cost {thousand - one:.1f} MB")
print("peak anonymous memory (what the process allocated; the rest of the resident pages are")
print("clean pages of the binary and its libraries, shared with the page cache)")
print(f"  {'1 check':32s} {one_anon:6.1f} MB")
print(f"  {'1,000 checks':32s} {thousand_anon:6.1f} MB")
print(f"  ratio 1,000 checks / 1 check: {thousand_anon / one_anon:.2f}")
PY
if [[ -n $BASELINE ]]; then
  echo "peak resident memory of the baseline ($BASELINE), same runs"
  "$PYTHON" - "$one_kb" "$thousand_kb" "$baseline_one_kb" "$baseline_thousand_kb" <<'PY'
import sys
one, thousand, base_one, base_thousand = (int(kb) / 1024 for kb in sys.argv[1:])
print(f"  {'1 check':32s} {base_one:6.1f} MB   (ratio measured / baseline {one / base_one:.2f})")
print(f"  {'1,000 checks':32s} {base_thousand:6.1f} MB   (ratio measured / baseline {thousand / base_thousand:.2f})")
PY
fi
