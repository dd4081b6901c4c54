#!/usr/bin/env bash
# Makes docs/status-page.png, the README's picture of `reconcile serve`'s status page:
#   1. the demo stack (scripts/demo up) in a neutral directory, /srv/rims-demo by default,
#      so the page shows paths a reader recognises as a host's rather than a temporary
#      directory of the machine that made the picture;
#   2. drift injected: Caddy serves /media/* from another directory (scripts/demo break
#      caddy-root);
#   3. `reconcile serve` on it (host name web-1 in its own UTS namespace when unshare can
#      make one), one run;
#   4. a headless Chromium screenshot of its page, 1280 px wide.
# Everything it started is stopped and the directory removed on exit.
# Usage: scripts/docs/status-page.sh [directory]   (it must not exist; root for /srv)
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR=${1:-/srv/rims-demo}
OUT=docs/status-page.png

source scripts/bench/common.sh
require_tools chromium curl git python3
if [[ -e $DIR ]]; then echo "$DIR exists; give a directory that does not" >&2; exit 1; fi
mkdir -p "$DIR"
SERVE_PID=
cleanup() {
  [[ -n $SERVE_PID ]] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null
  RECONCILE_DEMO_DIR=$DIR scripts/demo down >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT

swift build --product reconcile 2>&1 | tail -1 >&2
RECONCILE=$(swift build --show-bin-path)/reconcile
RECONCILE_DEMO_DIR=$DIR scripts/demo up
RECONCILE_DEMO_DIR=$DIR scripts/demo break caddy-root
source "$DIR/stack.env"

PORT=$(free_port)
# shellcheck disable=SC2086 # RECONCILE_VARS is a list of --var arguments
serve=("$RECONCILE" serve --listen "127.0.0.1:$PORT" --interval 3600 --dry-run --repo "$CONFIG_REPO" $RECONCILE_VARS
  --state-dir "$DIR/state")
if unshare --uts true 2>/dev/null; then
  RECONCILE_HEALTH_TOKEN=$RECONCILE_HEALTH_TOKEN XDG_CACHE_HOME=$DIR/cache \
    unshare --uts sh -c 'hostname web-1 && exec "$@"' sh "${serve[@]}" 2>"$DIR/serve.log" &
else
  RECONCILE_HEALTH_TOKEN=$RECONCILE_HEALTH_TOKEN XDG_CACHE_HOME=$DIR/cache "${serve[@]}" 2>"$DIR/serve.log" &
fi
SERVE_PID=$!
for _ in $(seq 600); do
  curl -s "http://127.0.0.1:$PORT/healthz" | grep -q '"drift"' && break
  sleep 0.1
done
curl -s "http://127.0.0.1:$PORT/healthz" | grep -q '"drift"' || { cat "$DIR/serve.log" >&2; echo "no drift reported" >&2; exit 1; }

mkdir -p docs
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$DIR/chromium" \
  --screenshot="$PWD/$OUT" --window-size=1280,1200 "http://127.0.0.1:$PORT/" 2>/dev/null
echo "wrote $OUT"
