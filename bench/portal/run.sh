#!/usr/bin/env bash
# Portal benchmark: how fast an entity page shows Periscope's data in a browser. Builds the
# backend for production (`backstage-cli package build` in packages/backend, which builds
# packages/app and the backend's workspace packages with it: dist/bundle.tar.gz and
# dist/skeleton.tar.gz, timed), installs the backend's production dependencies the way
# Backstage's Dockerfile does (the skeleton with the repository's yarn.lock, then
# `yarn workspaces focus --all --production` with the committed Yarn, offline from the Yarn
# cache; timed, and cached under ~/.cache/periscope/bench-portal keyed by yarn.lock, the package
# manifests and the Node version, so a rerun skips it), unpacks the bundle there and starts
# `node packages/backend` with NODE_ENV=production on a port of its own (from 7600, never 7007
# or 3000), serving the built app through the app backend, against the local control plane
# with the scenarios (and, for a loaded cluster, the scale profile too). Then Chromium through
# Playwright (/usr/bin/chromium, headless): guest sign-in once, a warm-up pass, then ROUNDS runs
# per tab of one example entity, each in a new page, timed from the start of the navigation to
# the first data row being visible: a finding on Health, the instance line on Deploy, a finding
# on Security, and Backstage's own Overview tab (its About card) as the reference. Prints median,
# min and max per tab, the ratio to Overview, and whether the goal is met: every Periscope tab
# within 1.5 s and no slower than 1.5 x Overview.
#
# The backend's config is app-config.yaml (in-memory SQLite, guest sign-in, allowed outside
# development for the benchmark) with the port and the cluster added. When the production install
# fails, the backend runs from its sources in development mode instead, and the output says so.
#
#   ./scripts/cluster up && ./scripts/cluster seed --profile scale && ./scripts/cluster seed
#   bench/portal/run.sh [rounds] [entity]          (default 7 runs per tab, component checkout)
# Env: PERISCOPE_KUBECONFIG  kubeconfig of the cluster (default: that of ./scripts/cluster)
#      BENCH_PORT            the backend's port (default: the first free one from 7600)
#      BENCH_BACKEND         production (default) or development: the backend from its sources
#                            (`backstage-cli package start` without the watcher), only the app built
#      BENCH_SKIP_BUILD=1    use the packages/backend/dist (development: packages/app/dist) already
#                            there; else they are built, and the dist folders the build made are
#                            removed at the end unless BENCH_KEEP=1
#      BENCH_KEEP=1          keep the backend log, configs and the build outputs
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
# shellcheck source=../../scripts/lib/env.sh
source "$ROOT/scripts/lib/env.sh"
# shellcheck source=../../scripts/lib/ports.sh
source "$ROOT/scripts/lib/ports.sh"
# shellcheck source=../lib/backend.sh
source "$ROOT/bench/lib/backend.sh"
ensure_node

ROUNDS="${1:-7}"
ENTITY="${2:-checkout}"
[[ "$ROUNDS" =~ ^[0-9]+$ && "$ROUNDS" -gt 0 ]] || die "rounds must be a whole number of at least 1, not '$ROUNDS'"
[ -x "${PERISCOPE_CHROMIUM:-/usr/bin/chromium}" ] || die "no Chromium at ${PERISCOPE_CHROMIUM:-/usr/bin/chromium}: apt-get install chromium (./scripts/test installs it), or set PERISCOPE_CHROMIUM"

bench_kubeconfig

bench_port

WORK="$(mktemp -d "${TMPDIR:-/tmp}/periscope-bench-portal.XXXXXX")"
KEEP="${BENCH_KEEP:-0}"
MODE="${BENCH_BACKEND:-production}"
[ "$MODE" = production ] || [ "$MODE" = development ] || die "BENCH_BACKEND must be production or development, not '$MODE'"
APP_DIST="$ROOT/packages/app/dist"
BACKEND_DIST="$ROOT/packages/backend/dist"
PROD_CACHE="$PERISCOPE_CACHE/bench-portal"
YARN_RELEASE="$(cd "$ROOT/.yarn/releases" && ls yarn-*.cjs | head -1)"
NEW_DISTS=()
BACKEND_PGID=""
STOPPING=0
cleanup() {
  local rc=$? d
  [ "$STOPPING" = 1 ] && return
  STOPPING=1
  trap '' INT TERM HUP
  [ -n "$BACKEND_PGID" ] && stop_group "$BACKEND_PGID"
  if [ "$KEEP" != 1 ]; then for d in "${NEW_DISTS[@]}"; do rm -rf "$d"; done; fi
  if [ "$KEEP" = 1 ]; then log "kept $WORK (backend.log, configs) and the build outputs"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# the dist folders of the workspace packages that are not there yet: what a build adds
dists_before() { local d; for d in "$ROOT"/packages/* "$ROOT"/plugins/*; do [ -d "$d" ] && [ ! -e "$d/dist" ] && echo "$d/dist"; done; }

BUILD_S="(not built: BENCH_SKIP_BUILD=1)"
INSTALL_S="(none: development mode)"
NOTE=""
if [ "$MODE" = production ]; then
  if [ "${BENCH_SKIP_BUILD:-0}" = 1 ]; then
    [ -f "$BACKEND_DIST/bundle.tar.gz" ] && [ -f "$BACKEND_DIST/skeleton.tar.gz" ] \
      || die "BENCH_SKIP_BUILD=1 but $BACKEND_DIST has no bundle.tar.gz and skeleton.tar.gz: build the backend first (cd packages/backend && yarn build)"
  else
    mapfile -t NEW_DISTS < <(dists_before)
    log "building the backend for production (packages/backend: backstage-cli package build, with packages/app and the backend's workspace packages)"
    t0=$SECONDS
    (cd packages/backend && yarn backstage-cli package build) >"$WORK/build.log" 2>&1 \
      || { tail -n 30 "$WORK/build.log" >&2; die "the production build of packages/backend failed (log above)"; }
    BUILD_S="$((SECONDS - t0)) s"
    log "backend and app built in $BUILD_S"
  fi
  cp "$BACKEND_DIST/bundle.tar.gz" "$BACKEND_DIST/skeleton.tar.gz" "$WORK/"

  # The production install, keyed by what decides it: yarn.lock, the root and the skeleton's
  # package manifests, .yarnrc.yml, the Yarn release and the Node version (native addons).
  mkdir -p "$WORK/skeleton" "$PROD_CACHE"
  tar xzf "$WORK/skeleton.tar.gz" -C "$WORK/skeleton"
  KEY="$({ node --version; echo "$YARN_RELEASE"; cat yarn.lock package.json .yarnrc.yml
          (cd "$WORK/skeleton" && find . -name package.json | LC_ALL=C sort | xargs cat); } | sha256sum | cut -c1-16)"
  PROD_DIR="$PROD_CACHE/backend-$KEY"
  exec 9>"$PROD_CACHE/lock"
  flock 9 # one benchmark at a time uses (and unpacks into) the cached tree
  if [ -f "$PROD_DIR/.installed" ]; then
    INSTALL_S="cached ($PROD_DIR)"
    log "production dependencies: cached in $PROD_DIR"
  else
    log "installing the backend's production dependencies into $PROD_DIR (yarn workspaces focus --all --production)"
    rm -rf "$PROD_DIR.partial"
    mkdir -p "$PROD_DIR.partial/.yarn/releases"
    cp ".yarn/releases/$YARN_RELEASE" "$PROD_DIR.partial/.yarn/releases/"
    cp yarn.lock package.json .yarnrc.yml backstage.json "$PROD_DIR.partial/"
    tar xzf "$WORK/skeleton.tar.gz" -C "$PROD_DIR.partial"
    focus() { (cd "$PROD_DIR.partial" && NODE_ENV=production node ".yarn/releases/$YARN_RELEASE" workspaces focus --all --production); }
    t0=$SECONDS
    how="offline, from the Yarn cache"
    if ! YARN_ENABLE_NETWORK=0 focus >"$WORK/install.log" 2>&1; then
      log "the offline install failed ($(grep -m1 -E 'YN00(01|35|80|82)|[Ee]rror' "$WORK/install.log" | cut -c1-160)); trying again with the network"
      how="with the network"
      focus >>"$WORK/install.log" 2>&1 || how=""
    fi
    if [ -n "$how" ]; then
      INSTALL_S="$((SECONDS - t0)) s ($how; $(du -sh "$PROD_DIR.partial/node_modules" | cut -f1) of node_modules, cached for reruns)"
      touch "$PROD_DIR.partial/.installed"
      find "$PROD_CACHE" -mindepth 1 -maxdepth 1 -name 'backend-*' ! -name "backend-$KEY.partial" -exec rm -rf {} + # older keys
      mv "$PROD_DIR.partial" "$PROD_DIR"
      log "production dependencies installed in $INSTALL_S"
    else
      tail -n 20 "$WORK/install.log" >&2
      cp "$WORK/install.log" "$PROD_CACHE/install-failed.log"
      rm -rf "$PROD_DIR.partial"
      NOTE="note: the production install of the backend's dependencies failed (log: $PROD_CACHE/install-failed.log, tail above), so the backend runs from its sources in development mode; the app is the production build"
      log "$NOTE"
      MODE=development
      INSTALL_S="failed (see the note)"
    fi
  fi
  if [ "$MODE" = production ]; then
    # the bundle over the installed tree: each workspace package's dist/ replaced
    while read -r pj; do rm -rf "$PROD_DIR/$(dirname "$pj")/dist"; done < <(cd "$WORK/skeleton" && find . -name package.json)
    tar xzf "$WORK/bundle.tar.gz" -C "$PROD_DIR"
  fi
fi
if [ "$MODE" = development ] && [ ! -f "$APP_DIST/index.html" ]; then
  [ "${BENCH_SKIP_BUILD:-0}" != 1 ] || die "BENCH_SKIP_BUILD=1 but $APP_DIST/index.html is missing: build the app first (cd packages/app && yarn build)"
  [ -e "$APP_DIST" ] || NEW_DISTS+=("$APP_DIST")
  log "building the app for production (packages/app: backstage-cli package build)"
  t0=$SECONDS
  (cd packages/app && yarn backstage-cli package build) >"$WORK/build.log" 2>&1 \
    || { tail -n 30 "$WORK/build.log" >&2; die "the production build of packages/app failed (log above)"; }
  BUILD_S="$((SECONDS - t0)) s (packages/app only)"
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
auth:
  providers:
    guest:
      dangerouslyAllowOutsideDevelopment: true
YAML

CONFIGS=(--config ../../app-config.yaml --config "$WORK/app-config.bench.yaml" --config "$WORK/app-config.cluster.yaml")
t0=$SECONDS
if [ "$MODE" = production ]; then
  log "starting the production backend ($PROD_DIR/packages/backend, NODE_ENV=production) on 127.0.0.1:$PORT (log: $WORK/backend.log)"
  # from packages/backend, as in development, so that app-config.yaml's relative paths hold
  (cd packages/backend && NODE_ENV=production exec setsid node "$PROD_DIR/packages/backend" "${CONFIGS[@]}" \
     </dev/null >"$WORK/backend.log" 2>&1) &
else
  TRANSFORM="$(cd packages/backend && node -p 'require.resolve("@backstage/cli-node/config/nodeTransform.cjs")')" \
    || die "cannot find @backstage/cli-node/config/nodeTransform.cjs (yarn install)"
  log "starting the backend from its sources (development mode) on 127.0.0.1:$PORT, serving packages/app/dist (log: $WORK/backend.log)"
  (cd packages/backend && NODE_ENV=development exec setsid node --enable-source-maps --require "$TRANSFORM" src/index.ts \
     "${CONFIGS[@]}" </dev/null >"$WORK/backend.log" 2>&1) &
fi
BACKEND_PGID=$!
disown "$BACKEND_PGID"
wait_backend "$BACKEND_PGID" "$PORT" "$WORK/backend.log"
curl -fsS "http://127.0.0.1:$PORT/" | grep -q '<div id="root">' \
  || die "the backend does not serve the built app at http://127.0.0.1:$PORT/ (is @backstage/plugin-app-backend in packages/backend?)"
START_S="$((SECONDS - t0)) s"
log "backend up in $START_S"

"$ROOT/node_modules/.bin/esbuild" "$ROOT/bench/portal/driver.ts" --bundle --platform=node --target=node22 \
  --external:@playwright/test --external:playwright-core --outfile="$WORK/driver.js" --log-level=error \
  || die "esbuild could not bundle bench/portal/driver.ts"
if [ "$MODE" = production ]; then
  echo "backend: the production build (packages/backend/dist: bundle + skeleton) with production dependencies, NODE_ENV=production"
  echo "production build of packages/backend (packages/app and the backend's workspace packages with it): $BUILD_S"
else
  echo "backend: from its sources in development mode; the app: the production build"
  echo "production build: $BUILD_S"
fi
echo "production install of the backend's dependencies: $INSTALL_S"
echo "backend start (to every plugin's /health): $START_S"
[ -z "$NOTE" ] || echo "$NOTE"
NODE_PATH="$ROOT/node_modules" node "$WORK/driver.js" "http://127.0.0.1:$PORT" "$ENTITY" "$ROUNDS"
