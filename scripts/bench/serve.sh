#!/usr/bin/env bash
# Benchmark: `reconcile serve` left running.
#  1. Memory: resident set size after 100 runs and after 1,000 runs (interval 10 ms, one
#     health check against a local endpoint); the ratio shows growth (1.00 = flat).
#  2. Latency: `wrk` on /metrics and on /healthz for 10 s each, first while the agent is
#     idle (interval one hour: the baseline), then while it runs back to back (interval
#     10 ms); the ratios are loaded p99 / idle p99, measured in the same invocation.
#     A second baseline: Caddy's file server answering the same /metrics bytes from a
#     file (what a static exporter costs), under the same load.
# Usage: scripts/bench/serve.sh [runs]   (default 1000; release build in .build-serve)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-1000}

source scripts/bench/common.sh
require_tools wrk curl git python3 caddy
RECONCILE=$(release_reconcile .build-serve)

WORK=$(mktemp -d -t reconcile-bench-XXXXXX)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
wait_port() { for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$1/${2:-}" && return 0; sleep 0.05; done; return 1; }

PORT=$(free_port)
python3 Tests/Fixtures/servers/http_fixture_server.py --port "$PORT" >/dev/null 2>&1 &
PIDS+=($!)
wait_port "$PORT" api/health/

REPO=$WORK/config
mkdir -p "$REPO/manifests"
printf 'apiVersion: reconcile/v1\nkind: Environment\nname: bench\nhealth:\n  - name: api\n    url: http://127.0.0.1:%d/api/health/\n    expect: { status: 200 }\n' "$PORT" >"$REPO/manifests/bench.yaml"
git -C "$REPO" init -q -b main && git -C "$REPO" add -A
git -C "$REPO" -c user.name=bench -c user.email=bench@example.invalid commit -q -m bench

serve() { # interval, state dir -> "pid port" (run as `serve … >FILE`, so PIDS keeps the pid)
  local port; port=$(free_port)
  "$RECONCILE" serve --listen "127.0.0.1:$port" --interval "$1" --jitter 0 --dry-run --repo "$REPO" --state-dir "$2" >/dev/null 2>&1 &
  local pid=$!; PIDS+=("$pid")
  wait_port "$port" healthz
  echo "$pid $port"
}
runs_done() { curl -s "http://127.0.0.1:$1/metrics" | awk '/^reconcile_serve_runs_total/ {n += $2} END {print n + 0}'; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# 1. Memory over RUNS runs.
serve 0.01 "$WORK/state-memory" >"$WORK/agent" && read -r pid port <"$WORK/agent"
until (($(runs_done "$port") >= 100)); do sleep 0.2; done
rss100=$(rss_kib "$pid")
until (($(runs_done "$port") >= RUNS)); do sleep 0.5; done
rss_end=$(rss_kib "$pid")
total=$(runs_done "$port")
kill "$pid"
echo "memory: RSS after 100 runs ${rss100} KiB, after ${total} runs ${rss_end} KiB, ratio $(awk -v a="$rss_end" -v b="$rss100" 'BEGIN {printf "%.2f", a / b}')"

# 2. Latency, idle baseline then during back-to-back runs.
p99() { wrk -t2 -c16 -d10s --latency "$1" | awk '/^ +99%/ {print $2}'; }
ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) {sub(/us/, "", v); print v / 1000} else if (v ~ /ms$/) {sub(/ms/, "", v); print v} else {sub(/s/, "", v); print v * 1000} }'; }
serve 3600 "$WORK/state-idle" >"$WORK/agent" && read -r idle_pid idle_port <"$WORK/agent"
idle_metrics=$(p99 "http://127.0.0.1:$idle_port/metrics"); idle_healthz=$(p99 "http://127.0.0.1:$idle_port/healthz")
mkdir -p "$WORK/static" && curl -s "http://127.0.0.1:$idle_port/metrics" >"$WORK/static/metrics"
kill "$idle_pid"
CADDY_PORT=$(free_port)
caddy file-server --listen "127.0.0.1:$CADDY_PORT" --root "$WORK/static" >/dev/null 2>&1 &
caddy_pid=$!; PIDS+=("$caddy_pid")
wait_port "$CADDY_PORT" metrics
caddy_metrics=$(p99 "http://127.0.0.1:$CADDY_PORT/metrics")
kill "$caddy_pid"
serve 0.01 "$WORK/state-busy" >"$WORK/agent" && read -r busy_pid busy_port <"$WORK/agent"
before=$(runs_done "$busy_port")
busy_metrics=$(p99 "http://127.0.0.1:$busy_port/metrics"); busy_healthz=$(p99 "http://127.0.0.1:$busy_port/healthz")
during=$(($(runs_done "$busy_port") - before))
kill "$busy_pid"
for name in metrics healthz; do
  idle=idle_$name busy=busy_$name
  a=$(ms "${!idle}") b=$(ms "${!busy}")
  echo "/$name p99 under wrk (2 threads, 16 connections): idle ${a} ms, during runs ${b} ms, ratio $(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f", b / a}')"
done
c=$(ms "$caddy_metrics") a=$(ms "$idle_metrics")
echo "/metrics p99, idle agent vs Caddy file_server of the same $(wc -c <"$WORK/static/metrics") bytes: ${a} ms vs ${c} ms, ratio $(awk -v a="$a" -v c="$c" 'BEGIN {printf "%.2f", a / c}')"
echo "runs completed during the 20 s of load: $during"
