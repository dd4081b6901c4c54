#!/usr/bin/env bash
# Benchmark: `reconcile serve` left running.
#  1. Memory: resident set size after 100 runs and after 1,000 runs (interval 10 ms, one
#     health check against a local endpoint); the ratio shows growth (1.00 = flat).
#  2. Latency: `wrk` on /metrics and on /healthz for 10 s each, first while the agent is
#     idle (interval one hour: the baseline), then while it runs back to back (interval
#     10 ms); the ratios are loaded p99 / idle p99, measured in the same invocation.
# Usage: scripts/bench/serve.sh [runs]   (default 1000)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-1000}

scripts/setup >/dev/null
swift build -c release --product reconcile 2>&1 | tail -1
RECONCILE=$(swift build -c release --show-bin-path)/reconcile
PYTHON=$PWD/.venv/bin/python3

WORK=$(mktemp -d -t reconcile-bench-XXXXXX)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$1/${2:-}" && return 0; sleep 0.05; done; return 1; }

PORT=$(free_port)
"$PYTHON" Tests/Fixtures/servers/http_fixture_server.py --port "$PORT" >/dev/null 2>&1 &
PIDS+=($!)
wait_port "$PORT" api/health/

REPO=$WORK/config
mkdir -p "$REPO/manifests"
printf 'apiVersion: reconcile/v1\nkind: Environment\nname: bench\nhealth:\n  - name: api\n    url: http://127.0.0.1:%d/api/health/\n    expect: { status: 200 }\n' "$PORT" >"$REPO/manifests/bench.yaml"
git -C "$REPO" init -q -b main && git -C "$REPO" add -A
git -C "$REPO" -c user.name=bench -c user.email=bench@example.invalid commit -q -m bench

serve() { # interval, state dir -> pid, port
  local port; port=$(free_port)
  "$RECONCILE" serve --listen "127.0.0.1:$port" --interval "$1" --jitter 0 --dry-run --repo "$REPO" --state-dir "$2" >/dev/null 2>&1 &
  local pid=$!; PIDS+=("$pid")
  wait_port "$port" healthz
  echo "$pid $port"
}
runs_done() { curl -s "http://127.0.0.1:$1/metrics" | awk '/^reconcile_serve_runs_total/ {n += $2} END {print n + 0}'; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# 1. Memory over RUNS runs.
read -r pid port < <(serve 0.01 "$WORK/state-memory")
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
read -r idle_pid idle_port < <(serve 3600 "$WORK/state-idle")
idle_metrics=$(p99 "http://127.0.0.1:$idle_port/metrics"); idle_healthz=$(p99 "http://127.0.0.1:$idle_port/healthz")
kill "$idle_pid"
read -r busy_pid busy_port < <(serve 0.01 "$WORK/state-busy")
before=$(runs_done "$busy_port")
busy_metrics=$(p99 "http://127.0.0.1:$busy_port/metrics"); busy_healthz=$(p99 "http://127.0.0.1:$busy_port/healthz")
during=$(($(runs_done "$busy_port") - before))
kill "$busy_pid"
for name in metrics healthz; do
  idle=idle_$name busy=busy_$name
  a=$(ms "${!idle}") b=$(ms "${!busy}")
  echo "/$name p99 under wrk (2 threads, 16 connections): idle ${a} ms, during runs ${b} ms, ratio $(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f", b / a}')"
done
echo "runs completed during the 20 s of load: $during"
