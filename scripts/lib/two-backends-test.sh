#!/usr/bin/env bash
# Two backend processes on one PostgreSQL (issue #18, "writes safe under two replicas"): starts
# packages/backend twice (allow-all policy of app-config.yaml, a static external-access token for
# the test client), on ports of its own, against one PostgreSQL database set (a prefix per run) and
# the local control plane, then (scripts/lib/two-backends-driver.js)
#   - scans one entity through both at once: every answer 2xx, one finding row per finding, the
#     same open findings through both, every scan recorded;
#   - deploys one instance through both at once: every deploy succeeds with its own revision,
#     1..N with no gap and no duplicate, in the cluster's history and the database;
#   - kills one process (SIGKILL, its whole process group) while it ingests runtime-security events,
#     and sends the same events to the other (as an agent retries): the finding counts equal those of
#     a reference ingest, and sending them again adds nothing;
#   - no answer is a 500.
#
# Needs: PERISCOPE_PG_URL (scripts/lib/postgres.sh pg_up), PERISCOPE_KUBECONFIG (scripts/cluster up),
# cue (PERISCOPE_CUE_BIN or the cache; the deploys render the example module), the Tetragon corpus
# (PERISCOPE_CORPORA, default ../shared/corpora). Ports: PERISCOPE_2B_PORTS (default "7117 7118").
#
# Every process it starts runs in a session of its own and is stopped by its group id on success,
# failure and interruption (SIGINT, SIGTERM, SIGHUP); the namespace and the databases it made are
# deleted. Prints `N passed, N failed` last; exits non-zero on any failure.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
source "$PERISCOPE_ROOT/scripts/lib/ports.sh"
cd "$PERISCOPE_ROOT"

[ -n "${PERISCOPE_PG_URL:-}" ] || die "PERISCOPE_PG_URL is unset: start PostgreSQL first (source scripts/lib/postgres.sh; pg_up)"
[ -n "${PERISCOPE_KUBECONFIG:-}" ] && [ -f "$PERISCOPE_KUBECONFIG" ] \
  || die "PERISCOPE_KUBECONFIG is unset or missing: start the local control plane first (./scripts/cluster up)"
read -r PORT_A PORT_B <<<"${PERISCOPE_2B_PORTS:-7117 7118}"
require_port_free "$PORT_A" "backend A of the two-backends test"
require_port_free "$PORT_B" "backend B of the two-backends test"

RUN_ID="$(date +%s | tail -c 6)$RANDOM"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/periscope-2b.XXXXXX")"
NS="periscope-2b-$RUN_ID"
PREFIX="periscope_2b_${RUN_ID}_"
GROUPS_STARTED=()
STOPPING=0

# stop_group PGID: TERM to the process group, KILL after 10 s
stop_group() {
  local g="$1" i
  kill -0 -- "-$g" 2>/dev/null || return 0
  kill -TERM -- "-$g" 2>/dev/null
  for ((i = 0; i < 100; i++)); do kill -0 -- "-$g" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL -- "-$g" 2>/dev/null
}
cleanup() {
  local rc=$? g
  [ "$STOPPING" = 1 ] && return
  STOPPING=1
  trap '' INT TERM HUP
  # the driver (a child of this shell), then the backends by their groups
  [ -n "${DRIVER_PID:-}" ] && kill -TERM "$DRIVER_PID" 2>/dev/null
  for g in "${GROUPS_STARTED[@]}"; do stop_group "$g"; done
  kubectl --kubeconfig "$PERISCOPE_KUBECONFIG" delete namespace "$NS" --wait=false >/dev/null 2>&1
  # the databases of this run (prefix per run), once no backend holds a connection
  local db
  for db in $(psql "$PERISCOPE_PG_URL/postgres" -Atc "select datname from pg_database where datname like '${PREFIX}%'" 2>/dev/null); do
    psql "$PERISCOPE_PG_URL/postgres" -qc "drop database if exists \"$db\" with (force)" >/dev/null 2>&1
  done
  [ "${PERISCOPE_2B_KEEP_LOGS:-}" = 1 ] || rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

TOKEN="2b-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
INGEST_TOKEN="2b-ingest-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
ENTITY="twob-$RUN_ID"
PG_HOST="$(node -e 'const u=new URL(process.argv[1]);console.log(u.hostname, u.port||5432, decodeURIComponent(u.username), decodeURIComponent(u.password))' "$PERISCOPE_PG_URL")"
read -r PG_H PG_P PG_U PG_W <<<"$PG_HOST"

cat >"$WORK/entities.yaml" <<YAML
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: $ENTITY
  annotations:
    backstage.io/kubernetes-id: $ENTITY
    backstage.io/kubernetes-namespace: $NS
    periscope.dev/module: minimal
    periscope.dev/instance: web
spec:
  type: service
  lifecycle: experimental
  owner: team-shop
YAML

node scripts/lib/cluster-app-config.js --config-cluster "$PERISCOPE_KUBECONFIG" local >"$WORK/app-config.cluster.yaml" \
  || die "could not write the cluster config"
cat >"$WORK/app-config.2b.yaml" <<YAML
backend:
  database:
    client: pg
    prefix: $PREFIX
    connection:
      host: $PG_H
      port: $PG_P
      user: $PG_U
      password: $PG_W
  auth:
    externalAccess:
      - type: static
        options:
          token: $TOKEN
          subject: two-backends-test
catalog:
  # the test entity only, processed soon after start
  processingInterval: { seconds: 3 }
  locations:
    - type: file
      target: $WORK/entities.yaml
  rules:
    - allow: [Component, System, API, Resource, Location, Group, User]
k8sDiagnostics:
  rescansPerMinute: 0
  operatorResults:
    enabled: false
runtimeSecurity:
  ingest:
    token: $INGEST_TOKEN
  sources:
    kubernetes:
      enabled: false
moduleDeploy:
  readinessTimeoutMs: 180000
YAML
for p in "$PORT_A" "$PORT_B"; do
  cat >"$WORK/app-config.$p.yaml" <<YAML
backend:
  baseUrl: http://127.0.0.1:$p
  listen:
    port: $p
    host: 127.0.0.1
YAML
done

# start_backend PORT: packages/backend in a session of its own, as `backstage-cli package start`
# runs it (NODE_ENV development, its TypeScript transform) but without the file watcher: a file
# edited while the test runs must not restart a replica. Its group id is recorded.
TRANSFORM="$(cd packages/backend && node -p 'require.resolve("@backstage/cli-node/config/nodeTransform.cjs")')" \
  || die "cannot find @backstage/cli-node/config/nodeTransform.cjs (yarn install)"
start_backend() {
  local p="$1"
  (cd packages/backend && NODE_ENV=development exec setsid node --enable-source-maps --require "$TRANSFORM" src/index.ts \
     --config ../../app-config.yaml --config "$WORK/app-config.2b.yaml" --config "$WORK/app-config.cluster.yaml" \
     --config "$WORK/app-config.$p.yaml" </dev/null >"$WORK/backend-$p.log" 2>&1) &
  LAST_GROUP=$!
  GROUPS_STARTED+=("$LAST_GROUP")
  # stopped by its group id, never waited for: no job notice when the driver kills it
  disown "$LAST_GROUP"
}
# wait_backend PORT: the three Periscope backends answer
wait_backend() {
  local plugin
  for plugin in k8s-diagnostics module-deploy runtime-security; do
    wait_http "http://127.0.0.1:$1/api/$plugin/health" 240 || return 1
  done
}

t0=$SECONDS
log "two backends on ports $PORT_A and $PORT_B, databases ${PREFIX}*, namespace $NS (logs in $WORK)"
kubectl --kubeconfig "$PERISCOPE_KUBECONFIG" create namespace "$NS" >/dev/null || die "could not create namespace $NS"
# the objects the scans find: Services whose selector matches no pod
for i in 1 2 3 4; do
  kubectl --kubeconfig "$PERISCOPE_KUBECONFIG" -n "$NS" create -f - >/dev/null <<YAML || die "could not create the Services to scan"
apiVersion: v1
kind: Service
metadata:
  name: orphan-$i
  labels: { backstage.io/kubernetes-id: $ENTITY }
spec:
  selector: { app: nobody-$i }
  ports: [{ port: 80 }]
YAML
done

# one after the other: Backstage's own catalog migration fails with MigrationLocked when two
# processes run it at the same moment (the Periscope plugins' table creation does not)
ok=1
start_backend "$PORT_A"; PGID_A=$LAST_GROUP
wait_backend "$PORT_A" || ok=0
if [ "$ok" = 1 ]; then start_backend "$PORT_B"; wait_backend "$PORT_B" || ok=0; fi
if [ "$ok" != 1 ]; then
  log "a backend did not start in 240 s; last lines of its logs:"
  tail -n 30 "$WORK"/backend-*.log >&2
  echo "0 passed, 1 failed"
  exit 1
fi
log "both backends up ($((SECONDS - t0)) s)"

PERISCOPE_2B_A="http://127.0.0.1:$PORT_A" PERISCOPE_2B_B="http://127.0.0.1:$PORT_B" PERISCOPE_2B_PGID_A="$PGID_A" \
  PERISCOPE_2B_TOKEN="$TOKEN" PERISCOPE_2B_INGEST_TOKEN="$INGEST_TOKEN" PERISCOPE_2B_ENTITY="component:default/$ENTITY" \
  PERISCOPE_2B_NS="$NS" PERISCOPE_2B_PREFIX="$PREFIX" PERISCOPE_2B_LOGS="$WORK" \
  node scripts/lib/two-backends-driver.js &
DRIVER_PID=$!
wait "$DRIVER_PID"
rc=$?
DRIVER_PID=""
# a 500 in either log fails the run too (the driver checks its answers; this catches the rest, e.g.
# a request of the catalog's processing between the replicas)
if grep -l 'Request failed with status 500' "$WORK"/backend-*.log >/dev/null 2>&1; then
  log "a backend logged a 500 answer:"; grep -h 'Request failed with status 500' "$WORK"/backend-*.log | head -n 10 >&2
  [ "$rc" = 0 ] && { echo "0 passed, 1 failed"; rc=1; }
fi
log "two-backends test: $((SECONDS - t0)) s"
exit "$rc"
