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
source "$(dirname "$0")/together.sh"
run_together "$gunicorn_pid" "$nginx_pid"
