#!/usr/bin/env bash
# The container's command: gunicorn's sync workers on loopback, nginx in front on :8000
# (deploy/nginx.conf). Both stop when either one stops, so the container's supervisor sees it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
prefix="${NGINX_PREFIX:-/tmp/nginx}"
mkdir -p "$prefix"  # nginx.pid and the temporary files
index="${ARABIC_SEARCH_INDEX_DIR:-index}"
if [ ! -f "$index/CURRENT" ]; then  # a fresh volume: the bundled seeds, so it serves at once
  arabic-search index seeds --index "$index" --quiet
fi
python -m gunicorn --config python:search.web.serving --bind 127.0.0.1:8001 \
  --workers "${WORKERS:-2}" 'search.web:create_app()' &
gunicorn_pid=$!
nginx -p "$prefix" -c "$here/nginx.conf" -e stderr &
nginx_pid=$!
stop() {
  kill -TERM "$gunicorn_pid" "$nginx_pid" 2>/dev/null || true
  for _ in $(seq 100); do  # gunicorn's graceful stop, then 10 s at most
    kill -0 "$gunicorn_pid" 2>/dev/null || kill -0 "$nginx_pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$gunicorn_pid" "$nginx_pid" 2>/dev/null || true
}
trap stop TERM INT
wait -n "$gunicorn_pid" "$nginx_pid" || true
stop
