#!/usr/bin/env bash
# A replica's command (compose.replicas.yaml): the follower keeping ARABIC_SEARCH_INDEX_DIR a
# copy of PRIMARY (rsync://HOST/index), and gunicorn serving that copy on BIND (0.0.0.0:8000).
# Both stop when either one stops, so the container's supervisor sees it.
set -euo pipefail
: "${PRIMARY:?set PRIMARY=rsync://HOST/index, the rsync module of the primary}"
follow=(arabic-search follow "$PRIMARY" --index "$ARABIC_SEARCH_INDEX_DIR" --interval "${INTERVAL:-1}")
if [ -n "${WRITES_TO:-}" ]; then follow+=(--writes-to "$WRITES_TO"); fi
"${follow[@]}" &
follow_pid=$!
python -m gunicorn --config python:search.web.serving --bind "${BIND:-0.0.0.0:8000}" \
  --workers "${WORKERS:-2}" 'search.web:create_app()' &
gunicorn_pid=$!
source "$(dirname "$0")/together.sh"
run_together "$gunicorn_pid" "$follow_pid"
