#!/usr/bin/env bash
# Benchmark: the host checker on a busy host. Started here: PROCS extra processes (`sleep`)
# and one process holding LISTENERS listening sockets on 127.0.0.1, so /proc holds
# thousands of pids and descriptors to walk. The manifest asks for 50 of the listeners
# (port and owner), 10 ports that must be closed and five absent processes.
#
# Measured in the same run, on the same host:
#   - reconcile --dry-run --only host (release build): start-up, git read, the /proc walk
#     (every pid's comm, exe and descriptors), judgement, JSON report;
#   - the baseline: `ss -lntp` and `ps -eo pid,comm` (iproute2 and procps answering the
#     same two questions, each one process) run back to back.
# Prints mean and best wall times and the ratio reconcile / baseline.
#
# Usage: scripts/bench/host.sh [runs] [processes] [listeners]   (default 10 2000 500;
# release build in .build-bench). Needs ss (iproute2), ps (procps), git, python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/common.sh
RUNS=${1:-10}
PROCS=${2:-2000}
LISTENERS=${3:-500}
require_tools ss ps git python3
scripts/setup >/dev/null   # the venv, whose python3 the listener runs as (the name /proc shows)
RECONCILE=$(release_reconcile .build-bench)

WORK=$(mktemp -d -t reconcile-host-bench-XXXXXX)
PIDS=()
cleanup() {
  ((${#PIDS[@]})) && kill "${PIDS[@]}" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

for _ in $(seq "$PROCS"); do
  sleep 600 &
  PIDS+=($!)
done
"$PWD/.venv/bin/python3" - "$LISTENERS" >"$WORK/ports" <<'PY' &
import socket, sys, time
held = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4); held.append(s)
print("\n".join(str(s.getsockname()[1]) for s in held), flush=True)
time.sleep(600)
PY
PIDS+=($!)
for _ in $(seq 100); do [[ $(wc -l <"$WORK/ports") -ge $LISTENERS ]] && break; sleep 0.1; done

mkdir -p "$WORK/config/manifests"
{
  printf 'apiVersion: reconcile/v1\nkind: Environment\nname: bench\nhost:\n  listen:\n'
  head -50 "$WORK/ports" | while read -r port; do printf '    - { address: 127.0.0.1:%s, process: python3 }\n' "$port"; done
  printf '  not_listening: ['
  for _ in $(seq 10); do printf '%s, ' "$(free_port)"; done | sed 's/, $//'
  printf ']\n  processes: { absent: [nginx, apache2, lighttpd, haproxy, traefik] }\n'
} >"$WORK/config/manifests/host.yaml"
git -C "$WORK/config" init -q -b main && git -C "$WORK/config" add -A
git -C "$WORK/config" -c user.name=bench -c user.email=bench@example.invalid commit -q -m bench

# The manifest must hold: every listener found with its owner (a broken walk would be fast).
"$RECONCILE" --dry-run --repo "$WORK/config" --only host --format json >"$WORK/check.json" 2>&1 || {
  echo "reconcile did not find the host in sync:"
  python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(r["summary"]); [print(f["resource"], f["status"], f["message"]) for f in r["findings"] if f["status"] != "ok"]' "$WORK/check.json" ||
    head -c 2000 "$WORK/check.json"
  exit 1
}

now() { date +%s%N; }
measure() { # command...: prints "mean best" in milliseconds
  local total=0 best=0
  "$@" >/dev/null 2>&1 || true
  for _ in $(seq "$RUNS"); do
    local start end ms
    start=$(now); "$@" >/dev/null 2>&1 || true; end=$(now)
    ms=$(((end - start) / 1000000)); total=$((total + ms)); ((best == 0 || ms < best)) && best=$ms
  done
  echo "$((total / RUNS)) $best"
}
baseline() { ss -lntp >/dev/null && ps -eo pid,comm >/dev/null; }

read -r r_mean r_best < <(measure "$RECONCILE" --dry-run --repo "$WORK/config" --only host --format json)
read -r b_mean b_best < <(measure baseline)
echo "host with $(ls /proc | grep -c '^[0-9]') processes, $(($(wc -l </proc/net/tcp) - 1)) IPv4 sockets; $RUNS runs"
printf 'reconcile --only host   mean %5d ms  best %5d ms\n' "$r_mean" "$r_best"
printf 'ss -lntp + ps -eo comm  mean %5d ms  best %5d ms\n' "$b_mean" "$b_best"
python3 -c "print(f'ratio reconcile / baseline: mean {$r_mean / max($b_mean, 1):.2f}, best {$r_best / max($b_best, 1):.2f}')"
