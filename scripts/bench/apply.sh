#!/usr/bin/env bash
# Benchmark: from one drifted Caddy route to "verified in sync", on a live Caddy serving
# 1,000 routes (500 `handle /api/vN/*` proxies, 499 `handle_path /media/setN/*` file
# servers, one catch-all) with a manifest naming all 1,000 and `apply: { caddy: true }`.
#
# Before every timed run the route /media/set7/* is drifted (Caddy reloaded with a
# Caddyfile whose root for it is wrong; not timed). Then, in the same invocation:
#   - reconcile: `reconcile --yes` (observe, compare, plan, PATCH the one root through
#     the admin API with If-Match, observe all 1,000 routes again: exit 0 = verified in
#     sync), wall time of the process;
#   - baseline: `caddy reload` of the whole, correct Caddyfile plus one `curl` through
#     Caddy to the repaired route (what an operator does by hand), wall time of both;
#   - the re-observation after the apply relative to the first observation, from
#     reconcile's own timing (`--verbose`).
#
# Usage: scripts/bench/apply.sh [runs]   (default 10; release build in .build-caddy)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-10}
API=500
MEDIA=499

source scripts/bench/common.sh
require_tools caddy curl git python3
RECONCILE=$(release_reconcile .build-caddy)

caddy_bench_workspace reconcile-apply-bench
mkdir -p "$WORK/media/set7"
echo "the right file" >"$WORK/media/set7/probe.txt"

bench_caddyfile "$WORK/media/set7" >"$WORK/Caddyfile"
bench_caddyfile /srv/bench/drifted >"$WORK/Caddyfile.drifted"
start_caddy "$WORK/Caddyfile"

REPO=$WORK/config
mkdir -p "$REPO/manifests"
{
  printf 'apiVersion: reconcile/v1\nkind: Environment\nname: bench\ncaddy:\n'
  bench_manifest_routes "$WORK/media/set7"
  printf 'apply: { caddy: true, verify: [] }\n'
} >"$REPO/manifests/routes.yaml"
git -C "$REPO" init -q -b main && git -C "$REPO" add -A
git -C "$REPO" -c user.name=bench -c user.email=bench@example.invalid commit -q -m bench

now() { date +%s%N; }
reload() { caddy reload --config "$1" --adapter caddyfile --address "127.0.0.1:$ADMIN" >/dev/null 2>&1; }
probe() { curl -s -H 'Host: bench.example.com' "http://127.0.0.1:$PORT/media/set7/probe.txt"; }

reconcile_runs() {
  for _ in $(seq "$RUNS"); do
    reload "$WORK/Caddyfile.drifted"
    [[ $(probe) != "the right file" ]] || { echo "the drift was not injected" >&2; exit 1; }
    local start end status
    start=$(now)
    set +e
    "$RECONCILE" --repo "$REPO" --yes --journal "$WORK/journal.jsonl" --format json --verbose \
      >"$WORK/report.json" 2>"$WORK/stderr"
    status=$?
    set -e
    end=$(now)
    [[ $status == 0 ]] || { echo "reconcile exited $status" >&2; cat "$WORK/stderr" >&2; exit 1; }
    [[ $(probe) == "the right file" ]] || { echo "not repaired" >&2; exit 1; }
    local first after
    first=$(grep -o 'first observation [0-9.]*m\?s' "$WORK/stderr" | grep -o '[0-9.]*m\?s$')
    after=$(grep -o 'after the actions [0-9.]*m\?s' "$WORK/stderr" | grep -o '[0-9.]*m\?s$')
    python3 -c "
def ms(t): return float(t[:-2]) if t.endswith('ms') else float(t[:-1]) * 1000
print(f'{($end - $start) / 1e6:.2f} {ms(\"$first\"):.2f} {ms(\"$after\"):.2f}')"
  done
}

reload_runs() {
  for _ in $(seq "$RUNS"); do
    reload "$WORK/Caddyfile.drifted"
    local start end
    start=$(now)
    reload "$WORK/Caddyfile"
    [[ $(probe) == "the right file" ]] || { echo "not repaired by caddy reload" >&2; exit 1; }
    end=$(now)
    python3 -c "print(f'{($end - $start) / 1e6:.2f}')"
  done
}

stats() { # column file → "mean best"
  python3 -c "
values = [float(line.split()[$1]) for line in open('$2') if line.strip()]
print(f'{sum(values) / len(values):.1f} {min(values):.1f}')"
}

reconcile_runs >/dev/null   # warm-up (also proves the loop works)
reconcile_runs >"$WORK/reconcile.txt"
reload_runs >"$WORK/reload.txt"
applied=$(grep -c '"applied"' "$WORK/journal.jsonl")

read -r wall_mean wall_best < <(stats 0 "$WORK/reconcile.txt")
read -r first_mean first_best < <(stats 1 "$WORK/reconcile.txt")
read -r after_mean after_best < <(stats 2 "$WORK/reconcile.txt")
read -r reload_mean reload_best < <(stats 0 "$WORK/reload.txt")

echo
echo "apply benchmark: $((API + MEDIA + 1)) routes, one drifted root, $RUNS runs each (mean / best, ms; $applied actions journaled)"
printf '  %-62s %8s %8s\n' "reconcile --yes: drift → PATCH → re-observed in sync (wall)" "$wall_mean" "$wall_best"
printf '  %-62s %8s %8s\n' "caddy reload of the whole Caddyfile + one curl (wall)" "$reload_mean" "$reload_best"
printf '  %-62s %8s %8s\n' "  reconcile's first observation (in-process)" "$first_mean" "$first_best"
printf '  %-62s %8s %8s\n' "  reconcile's re-observation after the apply (in-process)" "$after_mean" "$after_best"
python3 -c "
print(f'  ratio reconcile / (caddy reload + curl): {$wall_mean / $reload_mean:.2f}x (mean), {$wall_best / $reload_best:.2f}x (best)')
print(f'  ratio re-observation / first observation: {$after_mean / $first_mean:.2f}x (mean)')"
