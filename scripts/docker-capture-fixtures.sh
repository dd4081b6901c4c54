#!/bin/sh
# Records the Docker Engine API answers the Docker checker's unit tests replay, from a
# real Podman service (its Docker-compatible API) on a private store:
#   GET /version, /v1.41/containers/json?all=1, /v1.41/containers/NAME/json, /v1.41/volumes
# into Tests/Fixtures/docker/podman-4.3.1/. The scene is the production story in
# miniature: a running `backend` (named volume media_data at /app/media, a read-only
# bind, a loopback port, compose labels, a passing health check), an exited `db`, a
# never-started `worker`, an unhealthy `cache`, and a `web` published on every interface.
# Everything is removed afterwards.
# Usage: scripts/docker-capture-fixtures.sh [OUT_DIR]
set -eu
cd "$(dirname "$0")/.."
out=${1:-Tests/Fixtures/docker/podman-$(podman version --format '{{.Version}}')}
work=$(mktemp -d "${TMPDIR:-/tmp}/reconcile-capture-XXXXXX")
svc="$work/svc"
cleanup() { scripts/podman-service.sh stop "$svc"; rm -rf "$work"; }
trap cleanup EXIT
socket=$(scripts/podman-service.sh start "$svc")
socket=${socket#unix://}
pod() { scripts/podman-service.sh podman "$svc" "$@"; }
run() { scripts/podman-service.sh run "$svc" "$@"; }
get() { curl -sf --unix-socket "$socket" "http://docker$1" | python3 -m json.tool --indent 2; }

scripts/podman-busybox-image.sh "$work/busybox.tar"
pod import --change 'CMD ["/bin/sh"]' "$work/busybox.tar" localhost/reconcile-busybox:test >/dev/null
image=localhost/reconcile-busybox:test
mkdir -p "$work/static"
pod volume create media_data >/dev/null

run -d --name backend --restart unless-stopped -p 127.0.0.1:18000:8000 \
    -v media_data:/app/media -v "$work/static:/app/static:ro" \
    -e DJANGO_SETTINGS_MODULE=rims_backend.settings -e SECRET_KEY=fixture-value-never-read \
    --label com.docker.compose.project=rims --label com.docker.compose.service=backend \
    --health-cmd 'true' --health-interval 1h \
    "$image" httpd -f -p 8000 -h /www >/dev/null
run -d --name db --label com.docker.compose.project=rims --label com.docker.compose.service=db \
    "$image" sh -c 'echo database stopped; exit 1' >/dev/null
pod create --name worker --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --restart on-failure:3 \
    "$image" sleep 1000 >/dev/null
run -d --name cache --health-cmd 'echo "cache not ready: connection refused"; exit 1' \
    --health-interval 1h --health-retries 1 "$image" sleep 1000 >/dev/null
run -d --name web --restart always -p 18080:80 "$image" httpd -f -p 80 -h /www >/dev/null
pod healthcheck run backend >/dev/null
pod healthcheck run cache >/dev/null || true
pod wait db >/dev/null

mkdir -p "$out"
get /version > "$out/version.json"
get '/v1.41/containers/json?all=1' > "$out/containers.json"
for name in backend db worker cache web; do
    get "/v1.41/containers/$name/json" > "$out/inspect-$name.json"
done
get /v1.41/volumes > "$out/volumes.json"
curl -s --unix-socket "$socket" http://docker/v1.41/containers/nope/json | python3 -m json.tool --indent 2 > "$out/inspect-missing-404.json"
echo "recorded into $out:"
ls "$out"
