#!/usr/bin/env bash
# `make check-kubernetes`: scripts/check_kubernetes.py on deploy/kubernetes with the
# reelpack binary given: schemas, references, command lines against the CLI, and the
# shards and merge Jobs run here; with the queue's test server script present, the
# queue's Jobs too, against a throwaway PostgreSQL in a temporary folder of its own
# (stopped and removed at the end, so no run of another test is in its queue).
#
#   scripts/check-kubernetes.sh REELPACK_BINARY
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 1 ] || { echo "usage: scripts/check-kubernetes.sh REELPACK_BINARY" >&2; exit 2; }
args=(deploy/kubernetes --reelpack "$1" --run)
if [ -f scripts/pg-test-server.sh ]; then
  REELPACK_PG_DIR=$(mktemp -d -t reelpack-k8s-pg.XXXXXX)
  export REELPACK_PG_DIR
  trap 'bash scripts/pg-test-server.sh stop > /dev/null 2>&1 || true; rm -rf "$REELPACK_PG_DIR"' EXIT
  url=$(bash scripts/pg-test-server.sh start | tail -n 1)
  args+=(--db "$url")
else
  echo "check-kubernetes: scripts/pg-test-server.sh is missing: the queue's Jobs are not run here"
fi
python3 scripts/check_kubernetes.py "${args[@]}"
