#!/usr/bin/env bash
# Benchmark: one Django introspection by the Django checker (local runner) against a
# bare `python -c 'import django; django.setup()'` of the same project, in the same run.
#
# The project is a real `django-admin startproject` from the test virtualenv (.venv,
# made by scripts/setup) with production settings, and the manifest names four
# settings, media_served_by_django, console_logging and deploy_check, like DESIGN's.
#
# Measured, interleaved run by run:
#   - bare:        python -c 'import django; django.setup()' (process wall time);
#   - checker:     the reconciler's own timing of the django check inside
#                  `reconcile --dry-run --only django --verbose` (spawn Python, send the
#                  script, django.setup(), settings, URL resolve, logging, Django's
#                  deployment checks, parse, compare), and the whole reconcile process;
#   - no checks:   the same without deploy_check (run_checks is skipped), to show what
#                  Django's own deployment checks cost;
#   - script:      the introspection script alone, piped to the same interpreter the
#                  way the local runner sends it (`python - CONFIG`), taken from
#                  Plugins/Django/IntrospectionScript.swift: check minus script is
#                  reconcile's own part (spawn, pipes, JSON, compare).
# Target (issue 5): the checker's overhead over Python's own start-up should be small.
#
# Usage: scripts/bench/django-introspect.sh [runs]   (default 20; release build in .build-django)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-20}
ROOT=$PWD
PYTHON=$ROOT/.venv/bin/python3

[[ -x "$PYTHON" ]] || { echo "no $PYTHON: run scripts/setup first"; exit 1; }
for tool in git python3; do
  command -v "$tool" >/dev/null || { echo "$tool is needed (Debian: apt-get install $tool)"; exit 1; }
done
swift build -c release --scratch-path .build-django --product reconcile 2>&1 | tail -1
RECONCILE=$(swift build -c release --scratch-path .build-django --show-bin-path)/reconcile

WORK=$(mktemp -d -t reconcile-django-bench-XXXXXX)
trap 'rm -rf "$WORK"' EXIT

PROJECT=$WORK/project
mkdir -p "$PROJECT"
PYTHONDONTWRITEBYTECODE=1 "$ROOT/.venv/bin/django-admin" startproject rims_backend "$PROJECT"
cat >>"$PROJECT/rims_backend/settings.py" <<'PY'

# Production settings (benchmark).
DEBUG = False
SECRET_KEY = "bench-k3J9pQ2xVbN7mR4tW8yZ1aC6dF0gH5jL-sE_uI3oP7qT2wX9vB4nM8kR"
ALLOWED_HOSTS = ["rims.example.com"]
MEDIA_URL = "/media/"
MEDIA_ROOT = "/app/media"
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_SSL_REDIRECT = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
}
PY

REPO=$WORK/config
mkdir -p "$REPO/manifests" "$REPO/light"
manifest() { # deploy_check line
  cat <<YAML
apiVersion: reconcile/v1
kind: Environment
name: bench
django:
  runner:
    local: { python: "$PYTHON", workdir: "$PROJECT" }
  settings_module: rims_backend.settings
  settings:
    DEBUG: false
    MEDIA_ROOT: /app/media
    MEDIA_URL: /media/
    ALLOWED_HOSTS: [rims.example.com]
  media_served_by_django: false
  console_logging: true
$1
YAML
}
manifest "  deploy_check: { fail_level: WARNING, ignore: [] }" >"$REPO/manifests/django.yaml"
manifest "" >"$REPO/light/django.yaml"
git -C "$REPO" init -q -b main && git -C "$REPO" add -A
git -C "$REPO" -c user.name=bench -c user.email=bench@example.invalid commit -q -m bench

now() { date +%s%N; }

# The script exactly as embedded in the plugin, and the configuration the checker sends.
sed -n '/static let source = #"""/,/^"""#/p' Plugins/Django/IntrospectionScript.swift | sed '1d;$d' >"$WORK/introspect.py"
CONFIG='{"checks": true, "expected": {"ALLOWED_HOSTS": ["rims.example.com"], "DEBUG": false, "MEDIA_ROOT": "/app/media", "MEDIA_URL": "/media/"}, "settings": ["DEBUG", "MEDIA_ROOT", "MEDIA_URL", "ALLOWED_HOSTS", "STATIC_ROOT", "STATIC_URL"], "timeout": 30}'

script_run() { # prints wall ms
  local start end
  start=$(now)
  (cd "$PROJECT" && DJANGO_SETTINGS_MODULE=rims_backend.settings PYTHONDONTWRITEBYTECODE=1 \
    "$PYTHON" - "$CONFIG" <"$WORK/introspect.py" >/dev/null)
  end=$(now)
  python3 -c "print(f'{($end - $start) / 1e6:.2f}')"
}

bare_run() { # prints wall ms
  local start end
  start=$(now)
  (cd "$PROJECT" && DJANGO_SETTINGS_MODULE=rims_backend.settings PYTHONDONTWRITEBYTECODE=1 \
    "$PYTHON" -c 'import django; django.setup()')
  end=$(now)
  python3 -c "print(f'{($end - $start) / 1e6:.2f}')"
}

checker_run() { # manifest → prints "check_ms wall_ms"
  local start end check
  start=$(now)
  "$RECONCILE" --dry-run --repo "$REPO" --manifest "$1" --only django --format json --verbose \
    >"$WORK/report.json" 2>"$WORK/stderr" || true
  end=$(now)
  check=$(grep -o 'finding(s) in [0-9.]*m\?s' "$WORK/stderr" | tail -1 | grep -o '[0-9.]*m\?s$')
  python3 -c "
t = '$check'
ms = float(t[:-2]) if t.endswith('ms') else float(t[:-1]) * 1000
print(f'{ms:.2f} {($end - $start) / 1e6:.2f}')"
}

# One checked run: everything in sync, so the numbers are of a real, complete check.
"$RECONCILE" --dry-run --repo "$REPO" --manifest manifests/django.yaml --only django --format json \
  >"$WORK/report.json" || true
python3 - "$WORK/report.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
s = report["summary"]
assert s["drift"] == 0 and s["unknown"] == 0, report["findings"]
print(f"report: {s['ok']} django findings ok, 0 drift, 0 unknown")
PY

bare_run >/dev/null; checker_run manifests/django.yaml >/dev/null   # warm-up (page cache)
: >"$WORK/bare.txt"; : >"$WORK/script.txt"; : >"$WORK/full.txt"; : >"$WORK/light.txt"
for _ in $(seq "$RUNS"); do
  bare_run >>"$WORK/bare.txt"
  script_run >>"$WORK/script.txt"
  checker_run manifests/django.yaml >>"$WORK/full.txt"
  checker_run light/django.yaml >>"$WORK/light.txt"
done

stats() { # column file → "mean median best"
  python3 -c "
import statistics
values = [float(line.split()[$1]) for line in open('$2') if line.strip()]
print(f'{statistics.mean(values):.1f} {statistics.median(values):.1f} {min(values):.1f}')"
}
read -r bare_mean bare_median bare_best < <(stats 0 "$WORK/bare.txt")
read -r script_mean script_median script_best < <(stats 0 "$WORK/script.txt")
read -r check_mean check_median check_best < <(stats 0 "$WORK/full.txt")
read -r wall_mean wall_median wall_best < <(stats 1 "$WORK/full.txt")
read -r light_mean light_median light_best < <(stats 0 "$WORK/light.txt")

echo
echo "django benchmark: $("$PYTHON" -c 'import django, platform; print("Django", django.get_version(), "on Python", platform.python_version())'), $RUNS runs each, interleaved (ms: mean / median / best)"
printf '  %-58s %7s %7s %7s\n' "bare: python -c 'import django; django.setup()' (wall)" "$bare_mean" "$bare_median" "$bare_best"
printf '  %-58s %7s %7s %7s\n' "introspection script alone: python - CONFIG < script" "$script_mean" "$script_median" "$script_best"
printf '  %-58s %7s %7s %7s\n' "django check, full manifest (in-process, incl. Python)" "$check_mean" "$check_median" "$check_best"
printf '  %-58s %7s %7s %7s\n' "django check without deploy_check (in-process)" "$light_mean" "$light_median" "$light_best"
printf '  %-58s %7s %7s %7s\n' "reconcile --dry-run --only django, full (wall)" "$wall_mean" "$wall_median" "$wall_best"
python3 -c "
print(f'  ratio check / bare: {$check_median / $bare_median:.2f}x (median), overhead {$check_median - $bare_median:.1f} ms;'
      f' without deploy_check {$light_median / $bare_median:.2f}x, overhead {$light_median - $bare_median:.1f} ms')
print(f'  of the overhead: the script in Python {$script_median - $bare_median:.1f} ms (URLconf import, checks),'
      f' reconcile around it {$check_median - $script_median:.1f} ms (spawn, pipes, parse, compare)')"
