#!/bin/sh
# Runs Podman's Docker-compatible API service on a private store, for demos, fixture
# captures and benchmarks (the Swift tests start their own the same way).
#
#   scripts/podman-service.sh start DIR   # store under DIR, socket DIR/docker.sock
#   scripts/podman-service.sh podman DIR ARGS…   # podman CLI on that store
#   scripts/podman-service.sh stop DIR    # stop the service (by pid), remove every
#                                         # container, volume and image of DIR, and DIR
#
# Containers on these machines need the runc runtime and explicit ulimits (see
# ENVIRONMENT.md); `run` below adds both. The vfs storage driver keeps the store a plain
# directory tree (no overlay mounts left behind if something dies).
# Needs: podman, runc (apt-get install podman runc).
set -eu
command=${1:?usage: $0 start|stop|podman|run DIR [ARGS…]}
dir=${2:?usage: $0 $command DIR}
shift 2
podman_on() {
    podman --root "$dir/root" --runroot "$dir/runroot" --tmpdir "$dir/tmp" \
        --storage-driver vfs --runtime runc --events-backend file "$@"
}
case $command in
start)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ -f "$dir/service.pid" ] && kill -0 "$(cat "$dir/service.pid")" 2>/dev/null; then
        echo "unix://$dir/docker.sock"
        exit 0
    fi
    # exec, so the recorded pid is podman's own and `stop` ends exactly that process.
    (exec podman --root "$dir/root" --runroot "$dir/runroot" --tmpdir "$dir/tmp" --storage-driver vfs \
        --runtime runc --events-backend file system service --time=0 "unix://$dir/docker.sock") \
        >"$dir/service.log" 2>&1 &
    echo $! > "$dir/service.pid"
    i=0
    until curl -sf --unix-socket "$dir/docker.sock" http://d/_ping >/dev/null 2>&1; do
        i=$((i + 1))
        if [ $i -gt 200 ] || ! kill -0 "$(cat "$dir/service.pid")" 2>/dev/null; then
            echo "error: podman service did not start; log:" >&2
            cat "$dir/service.log" >&2
            exit 1
        fi
        sleep 0.05
    done
    echo "unix://$dir/docker.sock"
    ;;
podman)
    podman_on "$@"
    ;;
run)
    podman_on run --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 "$@"
    ;;
stop)
    [ -d "$dir" ] || exit 0
    dir=$(cd "$dir" && pwd)
    podman_on rm -af -t 0 >/dev/null 2>&1 || true
    podman_on volume rm -af >/dev/null 2>&1 || true
    podman_on rmi -af >/dev/null 2>&1 || true
    if [ -f "$dir/service.pid" ]; then
        pid=$(cat "$dir/service.pid")
        kill "$pid" 2>/dev/null || true
        i=0
        while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start|stop|podman|run DIR [ARGS…]" >&2
    exit 2
    ;;
esac
