#!/usr/bin/env bash
# Benchmark: 200 health checks against a local endpoint that answers after 200 ms.
# The whole `reconcile --dry-run` (start-up, git read, decode, 200 requests, report)
# against `xargs -P 50 curl` over the same URLs, measured in the same run.
# The floor is ~0.2 s (every request waits 200 ms); concurrency decides the rest.
# Usage: scripts/bench/health.sh [runs]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-5}
CHECKS=200
DELAY_MS=200

scripts/setup >/dev/null
swift build -c release --product reconcile 2>&1 | tail -1
RECONCILE=$(swift build -c release --show-bin-path)/reconcile
PYTHON=$PWD/.venv/bin/python3
command -v curl >/dev/null || { echo "curl is needed for the baseline (apt-get install curl)"; exit 1; }

WORK=$(mktemp -d -t reconcile-bench-XXXXXX)
SERVER_PID=
trap '[[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$WORK"' EXIT

PORT=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$PYTHON" Tests/Fixtures/servers/http_fixture_server.py --port "$PORT" --delay-ms "$DELAY_MS" >/dev/null 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do
  "$PYTHON" -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 0.2)" 2>/dev/null && break
  sleep 0.1
done

REPO=$WORK/config
mkdir -p "$REPO/manifests"
{
  printf 'apiVersion: reconcile/v1\nkind: Environment\nname: bench\nhealth:\n'
  for i in $(seq "$CHECKS"); do
    printf '  - name: check-%d\n    url: http://127.0.0.1:%d/api/health/?n=%d\n    expect: { status: 200 }\n' "$i" "$PORT" "$i"
  done
} >"$REPO/manifests/bench.yaml"
git -C "$REPO" init -q -b main && git -C "$REPO" add -A
git -C "$REPO" -c user.name=bench -c user.email=bench@example.invalid commit -q -m bench
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

read -r reconcile_mean reconcile_best < <(measure reconcile "$RECONCILE" --dry-run --repo "$REPO" --format json)
"$RECONCILE" --dry-run --repo "$REPO" --format json >"$WORK/report.json" || true
ok=$("$PYTHON" -c "import json,sys; print(json.load(open(sys.argv[1]))['summary']['ok'])" "$WORK/report.json")
read -r curl_mean curl_best < <(measure curl bash -c "xargs -P 50 -n 1 curl -s -o /dev/null < '$WORK/urls'")

echo
echo "health benchmark: $CHECKS checks, endpoint delay ${DELAY_MS} ms, $RUNS runs each (mean / best)"
printf '  %-32s %6s ms  %6s ms   (%s of %s ok)\n' "reconcile --dry-run" "$reconcile_mean" "$reconcile_best" "$ok" "$CHECKS"
printf '  %-32s %6s ms  %6s ms\n' "xargs -P 50 curl (baseline)" "$curl_mean" "$curl_best"
"$PYTHON" -c "print(f'  ratio reconcile / curl: {$reconcile_mean / $curl_mean:.2f} (mean)')"
