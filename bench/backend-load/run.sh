#!/usr/bin/env bash
# Backend-load benchmark: the portal backend (packages/backend) against the local control plane
# (scenarios seed), 50 catalog Components mapped to the seeded workloads (copies of the annotations
# of examples/entities.yaml; those with a namespace also with the example module `minimal`), and autocannon on
# loopback sending RATE requests/s for DURATION s, with a static external-access service token, to
#   GET /api/k8s-diagnostics/entity, /api/module-deploy/entity and /api/runtime-security/entity
# (one third each, round robin over the 50 entities), after a warm-up pass over every URL. The
# backend's RSS (its whole process group, /proc/<pid>/status) is sampled every 250 ms. Prints per
# endpoint and overall: requests, rate, p50/p99/max latency, errors, non-2xx, peak RSS and whether
# the goal is met (p99 < 250 ms, no errors, no non-2xx), in one table.
#
# The backend runs as `backstage-cli package start` runs it (NODE_ENV development, its TypeScript
# transform) but without the file watcher, on a port of its own (never 7007), with the in-memory
# SQLite database of app-config.yaml, the clusters of the kubeconfig (scripts/lib/cluster-app-config.js
# --config-cluster) and only the bench entities in its catalog. The load generator runs on the same
# machine: on a small one both compete for the CPUs (the table prints the CPU count and load average).
#
#   ./scripts/cluster up && ./scripts/cluster seed     (once; the scenarios profile)
#   bench/backend-load/run.sh [duration-s] [rate]      (default 60 s at 200 requests/s)
# Env: PERISCOPE_KUBECONFIG   kubeconfig of the cluster (default: that of ./scripts/cluster)
#      BENCH_PORT             the backend's port (default: the first free one from 7600)
#      BENCH_ENTITIES         number of entities (default 50)
#      BENCH_DIR              scratch folder (default: a new one under $TMPDIR, deleted at the end)
#      BENCH_KEEP=1           keep the scratch folder (backend log, configs)
#      BENCH_NODE_ARGS        extra Node options for the backend, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
#                             (the profile is written when the backend stops at the end)
# Everything it starts (the backend's process group, the driver) is stopped on exit, failure or
# interruption.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../../scripts/lib/env.sh
source "$ROOT/scripts/lib/env.sh"
# shellcheck source=../../scripts/lib/ports.sh
source "$ROOT/scripts/lib/ports.sh"
# shellcheck source=../lib/backend.sh
source "$ROOT/bench/lib/backend.sh"
ensure_node
cd "$ROOT"

DURATION="${1:-60}"
RATE="${2:-200}"
COUNT="${BENCH_ENTITIES:-50}"
[[ "$DURATION" =~ ^[0-9]+$ && "$DURATION" -gt 0 ]] || die "duration must be a whole number of seconds, not '$DURATION'"
[[ "$RATE" =~ ^[0-9]+$ && "$RATE" -gt 0 ]] || die "rate must be a whole number of requests per second, not '$RATE'"

bench_kubeconfig scenarios

bench_port

if [ -n "${BENCH_DIR:-}" ]; then WORK="$BENCH_DIR"; mkdir -p "$WORK"; KEEP=1
else WORK="$(mktemp -d "${TMPDIR:-/tmp}/periscope-bench-load.XXXXXX")"; KEEP="${BENCH_KEEP:-0}"; fi

BACKEND_PGID=""
DRIVER_PID=""
STOPPING=0
cleanup() {
  local rc=$?
  [ "$STOPPING" = 1 ] && return
  STOPPING=1
  trap '' INT TERM HUP
  [ -n "$DRIVER_PID" ] && kill -TERM "$DRIVER_PID" 2>/dev/null
  [ -n "$BACKEND_PGID" ] && stop_group "$BACKEND_PGID"
  if [ "$KEEP" = 1 ]; then log "kept $WORK (backend.log, configs)"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

"$ROOT/node_modules/.bin/esbuild" "$ROOT/bench/backend-load/driver.ts" --bundle --platform=node --target=node22 \
  --outfile="$WORK/driver.js" --log-level=warning \
  || die "esbuild could not bundle bench/backend-load/driver.ts (are dependencies installed? autocannon is a root devDependency)"

node "$WORK/driver.js" entities --from "$ROOT/examples/entities.yaml" --count "$COUNT" --out "$WORK/entities.yaml" >&2
node scripts/lib/cluster-app-config.js --config-cluster "$PERISCOPE_KUBECONFIG" local >"$WORK/app-config.cluster.yaml" \
  || die "could not write the cluster config from $PERISCOPE_KUBECONFIG"
TOKEN="bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
cat >"$WORK/app-config.bench.yaml" <<YAML
backend:
  baseUrl: http://127.0.0.1:$PORT
  listen:
    port: $PORT
    host: 127.0.0.1
  auth:
    externalAccess:
      - type: static
        options:
          token: $TOKEN
          subject: backend-load-bench
catalog:
  locations:
    - type: file
      target: $WORK/entities.yaml
  rules:
    - allow: [Component, System, API, Resource, Location, Group, User]
YAML

TRANSFORM="$(cd packages/backend && node -p 'require.resolve("@backstage/cli-node/config/nodeTransform.cjs")')" \
  || die "cannot find @backstage/cli-node/config/nodeTransform.cjs (yarn install)"
log "starting the backend on 127.0.0.1:$PORT (log: $WORK/backend.log)"
t0=$SECONDS
# a session of its own: its process group is sampled and stopped as a whole
# shellcheck disable=SC2086 # BENCH_NODE_ARGS is a list of options
(cd packages/backend && NODE_ENV=development exec setsid node ${BENCH_NODE_ARGS:-} --enable-source-maps --require "$TRANSFORM" src/index.ts \
   --config ../../app-config.yaml --config "$WORK/app-config.bench.yaml" --config "$WORK/app-config.cluster.yaml" \
   </dev/null >"$WORK/backend.log" 2>&1) &
BACKEND_PGID=$!
disown "$BACKEND_PGID"
wait_backend "$BACKEND_PGID" "$PORT" "$WORK/backend.log"
log "backend up in $((SECONDS - t0)) s; waiting for the $COUNT entities in the catalog"

node "$WORK/driver.js" run --base "http://127.0.0.1:$PORT" --token "$TOKEN" --count "$COUNT" --pgid "$BACKEND_PGID" \
  --duration "$DURATION" --rate "$RATE" &
DRIVER_PID=$!
rc=0
wait "$DRIVER_PID" || rc=$?
DRIVER_PID=""
# what the backend logged at levels warn and error (development log format: time plugin level message)
sed 's/\x1b\[[0-9;]*m//g' "$WORK/backend.log" >"$WORK/backend.plain.log" 2>/dev/null || true
fails="$(grep -c 'Request failed with status 5' "$WORK/backend.plain.log" || true)"
errors="$(awk '$3 == "error"' "$WORK/backend.plain.log" | wc -l)"
warns="$(awk '$3 == "warn"' "$WORK/backend.plain.log" | wc -l)"
echo "backend log (start-up and warm-up included): ${fails:-0} 5xx answers, $errors error and $warns warn lines"
awk '$3 == "error" || $3 == "warn" {$1 = ""; print}' "$WORK/backend.plain.log" | cut -c1-160 | sort | uniq -c | sort -rn | head -n 5 >&2
exit "$rc"
