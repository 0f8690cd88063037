#!/usr/bin/env bash
# Keep a command running: start it again when it stops, waiting longer after each quick failure (at most a minute).
# Stops, and stops the command, on SIGTERM or SIGINT. For `make serve`; under systemd use its Restart= instead
# (deploy/systemd/).
set -u
child=0
stopping=0
stop() {
  stopping=1
  if [ "$child" -ne 0 ]; then kill -TERM "$child" 2>/dev/null; wait "$child"; fi
  exit 0
}
trap stop TERM INT
delay=1
while [ "$stopping" -eq 0 ]; do
  started=$(date +%s)
  "$@" &
  child=$!
  wait "$child"
  status=$?
  child=0
  [ "$stopping" -eq 1 ] && break
  if [ $(( $(date +%s) - started )) -ge 60 ]; then delay=1; else delay=$(( delay * 2 > 60 ? 60 : delay * 2 )); fi
  echo "supervise: '$*' stopped with status $status; starting it again in ${delay} s" >&2
  sleep "$delay" &
  wait $!
done
