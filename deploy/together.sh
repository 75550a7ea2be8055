# Sourced by deploy/start.sh and deploy/replica.sh: two background processes that live and
# die together, so the container's supervisor sees either one's end.

# TERM to each, up to 10 s for gunicorn's graceful stop, then KILL to any still running.
stop_all() {
  kill -TERM "$@" 2>/dev/null || true
  local pid alive
  for _ in $(seq 100); do
    alive=0
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 1 ] || return 0
    sleep 0.1
  done
  kill -KILL "$@" 2>/dev/null || true
}

# Wait until either process ends, or TERM or INT arrives; then stop both.
run_together() {
  trap "stop_all $1 $2" TERM INT
  wait -n "$1" "$2" || true
  stop_all "$1" "$2"
}
