#!/usr/bin/env bash
# Benchmark: the Docker checker against a real engine (Podman's Docker-compatible API
# service on a private store) holding 200 running containers, with a manifest naming
# all 200 (state, image, restart policy, a named-volume mount each).
#
# Measured in the same run, against the same engine:
#   - `podman ps -a` (the CLI reads the store directly; wall time of the process);
#   - the API listing a `docker ps -a` makes: curl GET /v1.41/containers/json?all=1
#     (curl's time_total, and the curl process's wall time);
#   - the requests reconcile makes, by curl in one process with one connection:
#     /_ping, 200 inspects by name, /volumes (a `docker inspect NAME...` shell script's
#     work); and the same with the list before the inspects (`docker ps` + `docker
#     inspect`), which reconcile asks for only when a name does not answer or another
#     checker of the run reads every container (the host checker their ports);
#   - GET /_ping against GET /version: reconcile negotiates from the ping's Api-Version
#     header as the Docker CLI does (before, it asked /version, which Podman answers slowly);
#   - observe + compare: the reconciler's own timing of the docker check inside
#     `reconcile --dry-run --only docker --verbose` (ping, 200 inspects by name 16 at a
#     time beside the volume list, decode, pair, judge), and the whole process's wall
#     time (start-up, git read, decoding the 200-container manifest, report);
#   - the same manifest with a `host:` section whose port check reads the Docker
#     observation: the run asks for the container list too (both checks, in-process).
#
# Usage: scripts/bench/docker-containers.sh [runs]   (default 10; release build in
# .build-docker). Needs podman, runc, busybox-static, curl, git, python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-10}
COUNT=200

source scripts/bench/common.sh
require_tools podman runc curl git python3
RECONCILE=$(release_reconcile .build-docker)

WORK=$(mktemp -d -t reconcile-docker-bench-XXXXXX)
SERVICE=$WORK/engine
trap 'scripts/podman-service.sh stop "$SERVICE"; rm -rf "$WORK"' EXIT
SOCKET=$(scripts/podman-service.sh start "$SERVICE")
SOCKET=${SOCKET#unix://}
IMAGE=localhost/reconcile-busybox:bench
scripts/podman-busybox-image.sh "$WORK/busybox.tar"
scripts/podman-service.sh podman "$SERVICE" import -q "$WORK/busybox.tar" "$IMAGE" >/dev/null
scripts/podman-service.sh podman "$SERVICE" volume create bench_data >/dev/null

echo "starting $COUNT containers"
seq -w 1 "$COUNT" | xargs -P 4 -I{} scripts/podman-service.sh run "$SERVICE" -d --name bench-{} \
  --restart unless-stopped -v bench_data:/data --label com.docker.compose.project=bench \
  --label com.docker.compose.service=svc-{} "$IMAGE" sleep 1000000 >/dev/null
running=$(scripts/podman-service.sh podman "$SERVICE" ps -q | wc -l)
[[ $running -eq $COUNT ]] || { echo "only $running of $COUNT containers run"; exit 1; }

REPO=$WORK/config
mkdir -p "$REPO/manifests"
{
  printf 'apiVersion: reconcile/v1\nkind: Environment\nname: bench\ndocker:\n  endpoint: unix://%s\n  containers:\n' "$SOCKET"
  for i in $(seq -w 1 "$COUNT"); do
    printf '    - { name: bench-%s, state: running, image: "%s", restart_policy: unless-stopped, mounts: [{ volume: bench_data, target: /data }] }\n' "$i" "$IMAGE"
  done
  printf '  volumes: [bench_data]\n'
} >"$REPO/manifests/containers.yaml"
# The same, with a host check of a closed port: the host checker reads the Docker
# observation (which container publishes a port), so the run lists every container.
{ cat "$REPO/manifests/containers.yaml"; printf 'host:\n  not_listening: [%s]\n' "$(free_port)"; } \
  >"$REPO/manifests/with-host.yaml"
git -C "$REPO" init -q -b main && git -C "$REPO" add -A
git -C "$REPO" -c user.name=bench -c user.email=bench@example.invalid commit -q -m bench

now() { date +%s%N; }
ms() { python3 -c "print(f'{($2 - $1) / 1e6:.2f}')"; }

# Each function below measures once; the loop at the end runs them in turn, RUNS times,
# so a change in the machine's load reaches every line alike.
podman_once() { # "wall_ms"
  local start end
  start=$(now)
  scripts/podman-service.sh podman "$SERVICE" ps -a >/dev/null
  end=$(now)
  ms "$start" "$end"
}

curl_list_once() { # "transfer_ms wall_ms"
  local start end transfer
  start=$(now)
  transfer=$(curl -s -o /dev/null -w '%{time_total}' --unix-socket "$SOCKET" "http://d/v1.41/containers/json?all=1")
  end=$(now)
  python3 -c "print(f'{$transfer * 1000:.2f} {($end - $start) / 1e6:.2f}')"
}

NAMES=$(seq -w 1 "$COUNT" | sed 's/^/bench-/' | paste -sd, -)
curl_all_once() { # "wall_ms wall_with_list_ms": the GETs reconcile makes, one curl, one connection
  local start middle end
  start=$(now)
  curl -s -o /dev/null --unix-socket "$SOCKET" "http://d/_ping" \
    -o /dev/null "http://d/v1.41/containers/{$NAMES}/json" -o /dev/null "http://d/v1.41/volumes" >/dev/null
  middle=$(now)
  curl -s -o /dev/null --unix-socket "$SOCKET" "http://d/_ping" \
    -o /dev/null "http://d/v1.41/containers/json?all=1" \
    -o /dev/null "http://d/v1.41/containers/{$NAMES}/json" -o /dev/null "http://d/v1.41/volumes" >/dev/null
  end=$(now)
  python3 -c "print(f'{($middle - $start) / 1e6:.2f} {($end - $middle) / 1e6:.2f}')"
}

negotiation_once() { # "ping_ms version_ms" (curl time_total)
  local ping version
  ping=$(curl -s -o /dev/null -w '%{time_total}' --unix-socket "$SOCKET" "http://d/_ping")
  version=$(curl -s -o /dev/null -w '%{time_total}' --unix-socket "$SOCKET" "http://d/version")
  python3 -c "print(f'{$ping * 1000:.2f} {$version * 1000:.2f}')"
}

# check_ms: the reconciler's own "N finding(s) in T" of the last run's stderr, in ms.
check_ms() {
  local check
  check=$(grep -o 'finding(s) in [0-9.]*m\?s' "$WORK/run.stderr" | tail -1 | grep -o '[0-9.]*m\?s$')
  python3 -c "t = '$check'; print(f'{float(t[:-2]) if t.endswith(\"ms\") else float(t[:-1]) * 1000:.2f}')"
}

reconcile_once() { # "check_ms wall_ms cpu_ms host_check_ms"
  local start end cpu docker
  start=$(now)
  # reconcile's own CPU time (user + sys), to tell its work from the engine's.
  cpu=$(python3 -c '
import resource, subprocess, sys
subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=open(sys.argv[1], "w"))
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{(r.ru_utime + r.ru_stime) * 1000:.2f}")' \
    "$WORK/run.stderr" \
    "$RECONCILE" --dry-run --repo "$REPO" --manifest manifests/containers.yaml --only docker --format json --verbose \
    --state-dir "$WORK/state")
  end=$(now)
  docker=$(check_ms)
  "$RECONCILE" --dry-run --repo "$REPO" --manifest manifests/with-host.yaml --format json --verbose \
    --state-dir "$WORK/state" >/dev/null 2>"$WORK/run.stderr" || true
  python3 -c "print(f'$docker {($end - $start) / 1e6:.2f} $cpu $(check_ms)')"
}

# The reports, checked once: everything in sync, and the host section's port closed.
for manifest in containers with-host; do
  "$RECONCILE" --dry-run --repo "$REPO" --manifest "manifests/$manifest.yaml" --format json \
    --state-dir "$WORK/state" >"$WORK/report.json" || true
  python3 - "$WORK/report.json" "$COUNT" "$manifest" <<'PY' >&2
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
extra = 1 if sys.argv[3] == "with-host" else 0
assert s["drift"] == 0 and s["unknown"] == 0 and s["ok"] == int(sys.argv[2]) + 1 + extra, s
print(f"  (report of {sys.argv[3]}.yaml: {s['ok']} ok = {sys.argv[2]} containers + 1 volume"
      + (" + 1 closed port" if extra else "") + ", 0 drift, 0 unknown)")
PY
done

stats() { # column file → "mean best"
  python3 -c "
values = [float(line.split()[$1]) for line in open('$2') if line.strip()]
print(f'{sum(values) / len(values):.1f} {min(values):.1f}')"
}

curl_list_once >/dev/null   # warm-up
for _ in $(seq "$RUNS"); do
  podman_once >>"$WORK/podman.txt"
  reconcile_once >>"$WORK/reconcile.txt"
  curl_list_once >>"$WORK/list.txt"
  curl_all_once >>"$WORK/all.txt"
  negotiation_once >>"$WORK/negotiation.txt"
done

read -r podman_mean podman_best < <(stats 0 "$WORK/podman.txt")
read -r list_mean list_best < <(stats 0 "$WORK/list.txt")
read -r list_wall_mean list_wall_best < <(stats 1 "$WORK/list.txt")
read -r all_mean all_best < <(stats 0 "$WORK/all.txt")
read -r all_list_mean all_list_best < <(stats 1 "$WORK/all.txt")
read -r host_mean host_best < <(stats 3 "$WORK/reconcile.txt")
read -r ping_mean ping_best < <(stats 0 "$WORK/negotiation.txt")
read -r version_mean version_best < <(stats 1 "$WORK/negotiation.txt")
read -r check_mean check_best < <(stats 0 "$WORK/reconcile.txt")
read -r wall_mean wall_best < <(stats 1 "$WORK/reconcile.txt")
read -r cpu_mean cpu_best < <(stats 2 "$WORK/reconcile.txt")
engine=$(curl -s --unix-socket "$SOCKET" http://d/version | python3 -c 'import json,sys; v=json.load(sys.stdin); print(v["Components"][0]["Name"], v["Version"], "API", v["ApiVersion"])')

echo
echo "docker benchmark: $COUNT running containers on $engine, $RUNS runs each (mean / best, ms)"
printf '  %-58s %8s %8s\n' "podman ps -a (CLI, wall)" "$podman_mean" "$podman_best"
printf '  %-58s %8s %8s\n' "GET containers/json?all=1 (curl time_total)" "$list_mean" "$list_best"
printf '  %-58s %8s %8s\n' "GET containers/json?all=1 (curl process, wall)" "$list_wall_mean" "$list_wall_best"
printf '  %-58s %8s %8s\n' "GET /_ping (curl time_total; what reconcile negotiates from)" "$ping_mean" "$ping_best"
printf '  %-58s %8s %8s\n' "GET /version (curl time_total; what it asked before)" "$version_mean" "$version_best"
printf '  %-58s %8s %8s\n' "ping + $COUNT inspects + volumes (one curl, wall)" "$all_mean" "$all_best"
printf '  %-58s %8s %8s\n' "ping + list + $COUNT inspects + volumes (one curl, wall)" "$all_list_mean" "$all_list_best"
printf '  %-58s %8s %8s\n' "observe + compare, $COUNT containers (in-process)" "$check_mean" "$check_best"
printf '  %-58s %8s %8s\n' "reconcile --dry-run --only docker (wall)" "$wall_mean" "$wall_best"
printf '  %-58s %8s %8s\n' "  of which reconcile's own CPU (user + sys)" "$cpu_mean" "$cpu_best"
printf '  %-58s %8s %8s\n' "docker + host checks (the host reads all: list asked)" "$host_mean" "$host_best"
python3 -c "
print(f'  ratio observe + compare / podman ps -a: {$check_mean / $podman_mean:.2f}x (mean; target 2x)')
print(f'  ratio observe + compare / API listing (curl time_total): {$check_mean / $list_mean:.2f}x (mean)')
print(f'  ratio observe + compare / the same GETs by one curl: {$check_mean / $all_mean:.2f}x (mean)')
print(f'  ratio docker + host (list asked) / podman ps -a: {$host_mean / $podman_mean:.2f}x (mean)')"
echo "  (load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
