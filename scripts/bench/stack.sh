#!/usr/bin/env bash
# Benchmark: the whole example stack (scripts/demo up, in a temporary directory: Podman's
# Docker API, the backend container running Gunicorn + Django, Caddy on the host, the
# committed config repository), reconciled in one run against its parts run one after
# another.
#
#   full   reconcile --dry-run: all five checkers (health, caddy, docker, django with its
#          introspection script exec'd in the container, media), concurrently
#   parts  reconcile --dry-run --only health, then --only caddy, --only docker,
#          --only django, --only media (the media chain also observes its inputs: Caddy,
#          Docker and Django; that is what --only media costs)
#
# Each round runs the full reconcile and the five parts, interleaved, so the machine's
# state drifts equally over both; one warm-up round first. Every run is the whole
# process (start-up, git read, decode, observe, compare, JSON report), and must exit 0
# (in sync). Prints the mean wall time of each, the sum of the parts, and the ratios
# full / sum and full / slowest part.
#
# Usage: scripts/bench/stack.sh [rounds]   (default 10; release build in .build-stack,
# or RECONCILE_BIN=path). Needs what scripts/demo needs (scripts/setup installs it).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-10}
PARTS=(health caddy docker django media)

scripts/setup >/dev/null
if [[ -n ${RECONCILE_BIN:-} ]]; then
  RECONCILE=$RECONCILE_BIN
else
  swift build -c release --scratch-path .build-stack --product reconcile 2>&1 | tail -1
  RECONCILE=$(swift build -c release --scratch-path .build-stack --show-bin-path)/reconcile
fi

STATE=$(mktemp -d -t reconcile-bench-stack-XXXXXX)
WORK=$(mktemp -d -t reconcile-bench-stack-work-XXXXXX)
trap 'RECONCILE_DEMO_DIR=$STATE scripts/demo down >/dev/null 2>&1 || true; rm -rf "$STATE" "$WORK"' EXIT
RECONCILE_DEMO_DIR=$STATE scripts/demo up 2>&1 | tail -1
# shellcheck disable=SC1091
source "$STATE/stack.env"

reconcile_stack() { # extra arguments
  # shellcheck disable=SC2086
  RECONCILE_HEALTH_TOKEN=$RECONCILE_HEALTH_TOKEN "$RECONCILE" --dry-run --repo "$CONFIG_REPO" $RECONCILE_VARS \
    --format json "$@" >"$WORK/report.json" 2>"$WORK/stderr"
}

now() { date +%s%N; }
timed() { # name, extra arguments: appends the run's milliseconds to $WORK/NAME; fails unless in sync
  local name=$1 start end status=0
  shift
  start=$(now)
  reconcile_stack "$@" || status=$?
  end=$(now)
  if ((status != 0)); then
    echo "reconcile $* exited $status (expected 0, in sync):" >&2
    cat "$WORK/report.json" "$WORK/stderr" >&2
    exit 1
  fi
  echo $(((end - start) / 1000000)) >>"$WORK/$name"
}

round() {
  timed full
  for part in "${PARTS[@]}"; do timed "$part" --only "$part"; done
}

round # warm-up: Python's imports in the container, Caddy's and Podman's first answers
rm -f "$WORK"/full "$WORK"/health "$WORK"/caddy "$WORK"/docker "$WORK"/django "$WORK"/media
reconcile_stack
checks=$("$PWD/.venv/bin/python3" -c \
  "import json,sys; s=json.load(open(sys.argv[1]))['summary']; print(s['ok'], 'ok,', s['drift'], 'drift,', s['unknown'], 'unknown')" \
  "$WORK/report.json")
for _ in $(seq "$ROUNDS"); do round; done

mean() { awk '{ s += $1 } END { printf "%.0f", s / NR }' "$WORK/$1"; }
best() { sort -n "$WORK/$1" | head -1; }

echo
echo "stack benchmark: reconcile --dry-run on the running example stack, $ROUNDS rounds (mean / best, ms)"
printf '  %-34s %6s %6s   (%s)\n' "full (all 5 checkers)" "$(mean full)" "$(best full)" "$checks"
sum=0 slowest=0 slowest_name=
for part in "${PARTS[@]}"; do
  m=$(mean "$part")
  printf '  %-34s %6s %6s\n' "--only $part" "$m" "$(best "$part")"
  sum=$((sum + m))
  if ((m > slowest)); then slowest=$m slowest_name=$part; fi
done
full=$(mean full)
independent=$((sum - $(mean media)))
printf '  %-34s %6s\n' "sum of the 5 parts, one after another" "$sum"
printf '  %-34s %6s   (--only media observes caddy, docker, django again)\n' "sum without media" "$independent"
awk -v f="$full" -v s="$sum" -v i="$independent" -v w="$slowest" -v n="$slowest_name" 'BEGIN {
  printf "  ratio full / sum of parts:    %.2f\n", f / s
  printf "  ratio full / sum w/o media:   %.2f\n", f / i
  printf "  ratio full / slowest part:    %.2f  (slowest: --only %s)\n", f / w, n
}'
