# Shared by the benchmark scripts (sourced, not run): the tools a benchmark needs, its
# release build of reconcile, and free loopback ports.

# require_tools TOOL...: stop with the Debian hint when a tool is missing.
require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "$tool is needed (Debian: apt-get install $tool)"; exit 1; }
  done
}

# release_reconcile SCRATCH: builds reconcile in release mode there (or in
# $RECONCILE_BENCH_SCRATCH, to share one release build between benchmarks) and prints
# the binary's path; with $RECONCILE_BENCH_BINARY (e.g. the packaged dist/reconcile),
# prints that instead of building.
release_reconcile() {
  if [[ -n ${RECONCILE_BENCH_BINARY:-} ]]; then
    [[ -x $RECONCILE_BENCH_BINARY ]] || { echo "RECONCILE_BENCH_BINARY=$RECONCILE_BENCH_BINARY is not an executable" >&2; return 1; }
    realpath "$RECONCILE_BENCH_BINARY"
    return
  fi
  local scratch=${RECONCILE_BENCH_SCRATCH:-$1}
  swift build -c release --scratch-path "$scratch" --product reconcile 2>&1 | tail -1 >&2 || return 1
  echo "$(swift build -c release --scratch-path "$scratch" --show-bin-path)/reconcile"
}

# A benchmark's runs remember nothing of the machine's other runs: each passes
# --state-dir "$WORK/state" (the default state directory's run history is read and
# rewritten by every run, and grows with them).

# start_health_server [ARGS...]: the fixture HTTP server (Tests/Fixtures/servers) on a free
# port, with ARGS (e.g. --delay-ms 200); sets $PORT and $SERVER_PID (the caller's EXIT trap
# stops it) and returns once it accepts connections.
start_health_server() {
  local python=${PYTHON:-python3}
  PORT=$(free_port)
  "$python" Tests/Fixtures/servers/http_fixture_server.py --port "$PORT" "$@" >/dev/null 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do
    "$python" -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 0.2)" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "the fixture server did not start on port $PORT" >&2
  return 1
}

# health_config_repo DIRECTORY CHECKS PORT: a config repository (one commit) whose
# manifest has CHECKS health checks of http://127.0.0.1:PORT/api/health/?n=I, expecting 200.
health_config_repo() {
  mkdir -p "$1/manifests"
  {
    printf 'apiVersion: reconcile/v1\nkind: Environment\nname: bench\nhealth:\n'
    for i in $(seq "$2"); do
      printf '  - name: check-%d\n    url: http://127.0.0.1:%d/api/health/?n=%d\n    expect: { status: 200 }\n' "$i" "$3" "$i"
    done
  } >"$1/manifests/bench.yaml"
  git -C "$1" init -q -b main && git -C "$1" add -A
  git -C "$1" -c user.name=bench -c user.email=bench@example.invalid commit -q -m bench
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on now and connections reach
# (scripts/free-port).
RECONCILE_FREE_PORT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/free-port
free_port() { python3 "$RECONCILE_FREE_PORT"; }

# caddy_bench_workspace PREFIX: sets $WORK (a scratch directory, removed at exit, after
# the Caddy that start_caddy started is stopped by its pid), $ADMIN and $PORT (free
# loopback ports for Caddy's admin API and its site).
caddy_bench_workspace() {
  WORK=$(mktemp -d -t "$1-XXXXXX")
  CADDY_PID=
  trap '[[ -n "$CADDY_PID" ]] && kill "$CADDY_PID" 2>/dev/null && wait "$CADDY_PID" 2>/dev/null; rm -rf "$WORK"' EXIT
  ADMIN=$(free_port)
  PORT=$(free_port)
  mkdir -p "$WORK/home"
}

# bench_caddyfile [SET7_ROOT]: the Caddy benchmarks' Caddyfile (admin $ADMIN, site on
# $PORT): $API `handle /api/vN/*` proxies, $MEDIA `handle_path /media/setN/*` file
# servers (the root of set 7 is SET7_ROOT when given) and a catch-all.
bench_caddyfile() {
  local i root
  printf '{\n\tadmin 127.0.0.1:%d\n\tauto_https off\n}\n\nhttp://bench.example.com:%d {\n' "$ADMIN" "$PORT"
  for i in $(seq 0 $((API - 1))); do
    printf '\thandle /api/v%d/* {\n\t\treverse_proxy 127.0.0.1:%d\n\t}\n' "$i" $((8000 + i % 8))
  done
  for i in $(seq 0 $((MEDIA - 1))); do
    root=/srv/bench/media/set$i
    [[ $i == 7 && -n ${1:-} ]] && root=$1
    printf '\thandle_path /media/set%d/* {\n\t\troot * %s\n\t\tfile_server\n\t}\n' "$i" "$root"
  done
  printf '\thandle {\n\t\troot * /srv/bench/frontend\n\t\tfile_server\n\t}\n}\n'
}

# bench_manifest_routes [SET7_ROOT]: the same routes as a manifest's caddy.sites entries.
bench_manifest_routes() {
  local i root
  printf '  admin: http://127.0.0.1:%d\n  sites:\n    - hosts: [bench.example.com]\n      routes:\n' "$ADMIN"
  for i in $(seq 0 $((API - 1))); do
    printf '        - { path: /api/v%d/*, reverse_proxy: ["127.0.0.1:%d"] }\n' "$i" $((8000 + i % 8))
  done
  for i in $(seq 0 $((MEDIA - 1))); do
    root=/srv/bench/media/set$i
    [[ $i == 7 && -n ${1:-} ]] && root=$1
    printf '        - { path: /media/set%d/*, strip_prefix: true, file_server: { root: %s } }\n' "$i" "$root"
  done
  printf '        - { path: /*, file_server: { root: /srv/bench/frontend } }\n'
}

# start_caddy CADDYFILE: runs Caddy on it (its HOME and XDG state under $WORK/home) and
# returns once its admin API answers on $ADMIN.
start_caddy() {
  HOME=$WORK/home XDG_DATA_HOME=$WORK/home XDG_CONFIG_HOME=$WORK/home \
    caddy run --config "$1" --adapter caddyfile >"$WORK/caddy.log" 2>&1 &
  CADDY_PID=$!
  local _
  for _ in $(seq 100); do
    curl -fs -o /dev/null "http://127.0.0.1:$ADMIN/config/" && return 0
    sleep 0.1
  done
  echo "caddy did not start: $(cat "$WORK/caddy.log")" >&2
  exit 1
}
