#!/usr/bin/env bash
# Portal benchmark: how fast an entity page shows Periscope's data in a browser. Builds the app
# for production (`backstage-cli package build` in packages/app: minified bundles in
# packages/app/dist, timed and printed), starts the portal backend on a port of its own (from
# 7600, never 7007 or 3000) serving that build through the app backend, against the local
# control plane with the scenarios (and, for a loaded cluster, the scale profile too), then
# Chromium through Playwright (/usr/bin/chromium, headless): guest sign-in once, a warm-up pass,
# then ROUNDS runs per tab of one example entity, each in a new page, timed from the start of
# the navigation to the first data row being visible: a finding on Health, the instance line on
# Deploy, a finding on Security, and Backstage's own Overview tab (its About card) as the
# reference. Prints median, min and max per tab, the ratio to Overview, and whether the goal is
# met: every Periscope tab within 1.5 s and no slower than 1.5 x Overview.
#
# The backend runs from its sources as `backstage-cli package start` runs it (development mode,
# in-memory SQLite, guest sign-in of app-config.yaml) but without the watcher: the backend's own
# production build is a Docker bundle (dist/bundle.tar.gz) that needs a production
# `yarn install` of its own to run; what the browser loads is the production build.
#
#   ./scripts/cluster up && ./scripts/cluster seed --profile scale && ./scripts/cluster seed
#   bench/portal/run.sh [rounds] [entity]          (default 7 runs per tab, component checkout)
# Env: PERISCOPE_KUBECONFIG  kubeconfig of the cluster (default: that of ./scripts/cluster)
#      BENCH_PORT            the backend's port (default: the first free one from 7600)
#      BENCH_SKIP_BUILD=1    use the packages/app/dist already there (else it is built, and
#                            removed at the end unless it was there before or BENCH_KEEP=1)
#      BENCH_KEEP=1          keep the backend log and configs
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
# shellcheck source=../../scripts/lib/env.sh
source "$ROOT/scripts/lib/env.sh"
# shellcheck source=../../scripts/lib/ports.sh
source "$ROOT/scripts/lib/ports.sh"
ensure_node

ROUNDS="${1:-7}"
ENTITY="${2:-checkout}"
[[ "$ROUNDS" =~ ^[0-9]+$ && "$ROUNDS" -gt 0 ]] || die "rounds must be a whole number of at least 1, not '$ROUNDS'"
[ -x "${PERISCOPE_CHROMIUM:-/usr/bin/chromium}" ] || die "no Chromium at ${PERISCOPE_CHROMIUM:-/usr/bin/chromium}: apt-get install chromium (./scripts/test installs it), or set PERISCOPE_CHROMIUM"

if [ -z "${PERISCOPE_KUBECONFIG:-}" ]; then
  "$ROOT/scripts/cluster" status >/dev/null 2>&1 \
    || die "the local cluster is not running: start it with ./scripts/cluster up && ./scripts/cluster seed, or set PERISCOPE_KUBECONFIG"
  PERISCOPE_KUBECONFIG="$("$ROOT/scripts/cluster" kubeconfig)"
fi
[ -r "$PERISCOPE_KUBECONFIG" ] || die "PERISCOPE_KUBECONFIG=$PERISCOPE_KUBECONFIG is not a readable file"

PORT="${BENCH_PORT:-}"
if [ -z "$PORT" ]; then
  for ((p = 7600; p < 7700; p++)); do port_free "$p" && PORT=$p && break; done
  [ -n "$PORT" ] || die "no free port in 7600-7699; set BENCH_PORT"
fi
[ "$PORT" != 7007 ] && [ "$PORT" != 3000 ] || die "BENCH_PORT must not be 7007 or 3000 (the portal's)"
require_port_free "$PORT" "the benchmark's backend"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/periscope-bench-portal.XXXXXX")"
KEEP="${BENCH_KEEP:-0}"
DIST="$ROOT/packages/app/dist"
REMOVE_DIST=0
BACKEND_PGID=""
STOPPING=0
stop_group() {
  local g="$1" i
  kill -0 -- "-$g" 2>/dev/null || return 0
  kill -TERM -- "-$g" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do kill -0 -- "-$g" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL -- "-$g" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  [ "$STOPPING" = 1 ] && return
  STOPPING=1
  trap '' INT TERM HUP
  [ -n "$BACKEND_PGID" ] && stop_group "$BACKEND_PGID"
  [ "$REMOVE_DIST" = 1 ] && [ "$KEEP" != 1 ] && rm -rf "$DIST"
  if [ "$KEEP" = 1 ]; then log "kept $WORK (backend.log, configs)"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

BUILD_S="(not built: BENCH_SKIP_BUILD=1)"
if [ "${BENCH_SKIP_BUILD:-0}" = 1 ]; then
  [ -f "$DIST/index.html" ] || die "BENCH_SKIP_BUILD=1 but $DIST/index.html is missing: build the app first (cd packages/app && yarn build)"
else
  [ -e "$DIST" ] || REMOVE_DIST=1
  log "building the app for production (packages/app: backstage-cli package build)"
  t0=$SECONDS
  (cd packages/app && yarn backstage-cli package build) >"$WORK/build.log" 2>&1 \
    || { tail -n 30 "$WORK/build.log" >&2; die "the production build of packages/app failed (log above)"; }
  BUILD_S="$((SECONDS - t0)) s"
  log "app built in $BUILD_S"
fi

node scripts/lib/cluster-app-config.js --config-cluster "$PERISCOPE_KUBECONFIG" local >"$WORK/app-config.cluster.yaml" \
  || die "could not write the cluster config from $PERISCOPE_KUBECONFIG"
cat >"$WORK/app-config.bench.yaml" <<YAML
app:
  baseUrl: http://127.0.0.1:$PORT
backend:
  baseUrl: http://127.0.0.1:$PORT
  listen:
    port: $PORT
    host: 127.0.0.1
  cors:
    origin: http://127.0.0.1:$PORT
YAML

TRANSFORM="$(cd packages/backend && node -p 'require.resolve("@backstage/cli-node/config/nodeTransform.cjs")')" \
  || die "cannot find @backstage/cli-node/config/nodeTransform.cjs (yarn install)"
log "starting the backend on 127.0.0.1:$PORT, serving packages/app/dist (log: $WORK/backend.log)"
t0=$SECONDS
(cd packages/backend && NODE_ENV=development exec setsid node --enable-source-maps --require "$TRANSFORM" src/index.ts \
   --config ../../app-config.yaml --config "$WORK/app-config.bench.yaml" --config "$WORK/app-config.cluster.yaml" \
   </dev/null >"$WORK/backend.log" 2>&1) &
BACKEND_PGID=$!
disown "$BACKEND_PGID"
for plugin in k8s-diagnostics module-deploy runtime-security; do
  for ((i = 0; ; i++)); do
    curl -fsS -o /dev/null "http://127.0.0.1:$PORT/api/$plugin/health" 2>/dev/null && break
    kill -0 -- "-$BACKEND_PGID" 2>/dev/null || { tail -n 40 "$WORK/backend.log" >&2; die "the backend exited while starting (log above)"; }
    [ "$i" -lt 240 ] || { tail -n 40 "$WORK/backend.log" >&2; die "the backend did not answer /api/$plugin/health within 240 s"; }
    sleep 1
  done
done
curl -fsS "http://127.0.0.1:$PORT/" | grep -q '<div id="root">' \
  || die "the backend does not serve the built app at http://127.0.0.1:$PORT/ (is @backstage/plugin-app-backend in packages/backend?)"
log "backend up in $((SECONDS - t0)) s"

"$ROOT/node_modules/.bin/esbuild" "$ROOT/bench/portal/driver.ts" --bundle --platform=node --target=node22 \
  --external:@playwright/test --external:playwright-core --outfile="$WORK/driver.js" --log-level=error \
  || die "esbuild could not bundle bench/portal/driver.ts"
echo "production build of packages/app: $BUILD_S"
NODE_PATH="$ROOT/node_modules" node "$WORK/driver.js" "http://127.0.0.1:$PORT" "$ENTITY" "$ROUNDS"
