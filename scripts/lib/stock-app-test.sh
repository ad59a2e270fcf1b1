#!/usr/bin/env bash
# Proves that Periscope installs into a stock Backstage app as its READMEs say (issue #16), for the
# new frontend system and for a legacy app:
#   1. the tarballs: every published package built and packed by scripts/lib/packages-test.sh
#      (PERISCOPE_PACK_ONLY=1), or the ones in PERISCOPE_STOCK_APP_TARBALLS (./scripts/test passes
#      those of its packages step);
#   2. per variant, in a temporary folder outside the checkout:
#      a. `npx @backstage/create-app@latest --skip-install --path …` (`--legacy` for the legacy app);
#      b. the tarballs added as `file:` dependencies (the frontend plugins to packages/app, the
#         backend plugins and modules to packages/backend) and every @periscope/* package mapped to
#         its tarball in the root `resolutions`, so the tarballs' dependencies on each other
#         resolve to the tarballs too;
#      c. wired as the READMEs say: packages/backend/src/index.ts adds the three backends and the
#         scaffolder module, and the permission module in place of the allow-all policy module;
#         new frontend system: k8s-diagnostics and runtime-security in `createApp({ features })`,
#         module-deploy by feature discovery (`app.packages: all`) alone; legacy: the entity tabs
#         (`EntityLayout.Route … if={is…Available}`) and the Health and Security cards
#         (`EntitySwitch.Case`) in EntityPage.tsx, the three pages in App.tsx and their sidebar
#         items in Root.tsx;
#      d. app-config.local.yaml: ports of its own (never the portal's 3000/7007), the local control
#         plane as one `type: config` cluster (scripts/lib/cluster-app-config.js --config-cluster:
#         server, CA and the admin token, authProvider serviceAccount), examples/entities.yaml and
#         the example modules copied into the app's examples/periscope/;
#      e. `yarn install` (Yarn's cache in $PERISCOPE_CACHE/stock-app/yarn, kept between runs),
#         `yarn tsc`, `yarn start`;
#      f. Playwright in Chromium (e2e-tests/stock-app): Health, Deploy and Security with data from
#         the cluster on `checkout` and its Health and Security cards, no Periscope tab on
#         `legacy-portal` (no annotations), the three overview pages from the sidebar.
# Needs the seeded local control plane: PERISCOPE_KUBECONFIG (its admin kubeconfig, after
# `scripts/cluster up` and `scripts/cluster seed --profile scenarios`), and /usr/bin/chromium.
#
#   PERISCOPE_STOCK_APP_TARBALLS  folder of the packed .tgz files (default: pack them here)
#   PERISCOPE_STOCK_APP_VARIANTS  comma list: new, legacy (default both)
#   PERISCOPE_STOCK_APP_CREATE_APP  the @backstage/create-app version (default latest)
#   PERISCOPE_STOCK_APP_LOGS      folder for the logs and reports, kept (default: in the temporary folder)
#   PERISCOPE_STOCK_APP_KEEP=1    keep the temporary folder with the apps (the next run removes it)
# Prints one line per check, the timings, and `N passed, N failed` last; exits non-zero on any
# failure. Everything it starts (create-app, yarn, the apps, Playwright and Chromium) is stopped on
# exit and on SIGINT, SIGTERM and SIGHUP; the temporary folder is removed.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
source "$PERISCOPE_ROOT/scripts/lib/ports.sh"
cd "$PERISCOPE_ROOT" || exit 1

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
ko() { failed=$((failed + 1)); echo "FAIL $*"; }

T_START=$SECONDS
# outside the checkout: the stock app must not find the repository's node_modules or yarn.lock
TMP_PARENT="${TMPDIR:-/tmp}"
case "$(cd "$TMP_PARENT" 2>/dev/null && pwd -P)/" in "$(cd "$PERISCOPE_ROOT" && pwd -P)/"*) TMP_PARENT=/tmp ;; esac
# the apps of an earlier run that was killed before it could remove them (about 2 GB each): their
# folder records the run's process id, gone now
for old in "$TMP_PARENT"/periscope-stock-app.*; do
  [ -f "$old/run.pid" ] && ! kill -0 "$(cat "$old/run.pid")" 2>/dev/null && rm -rf "$old"
done
TMP="$(mktemp -d "$TMP_PARENT/periscope-stock-app.XXXXXX")" || { echo "cannot create a temporary folder"; echo "0 passed, 1 failed"; exit 1; }
echo $$ >"$TMP/run.pid"
LOGS="${PERISCOPE_STOCK_APP_LOGS:-$TMP/logs}"
mkdir -p "$LOGS" "$TMP/groups"
YARN_CACHE_ROOT="$PERISCOPE_CACHE/stock-app/yarn"

# ── exit: stop what this script started, by process id and by the group ids of the apps
SUMMARY_PRINTED=0
descendants() {
  local c
  for c in $(pgrep -P "$1" 2>/dev/null); do descendants "$c"; echo "$c"; done
}
stop_group() { # TERM to the process group, KILL after 10 s
  local g="$1" i
  kill -0 -- "-$g" 2>/dev/null || return 0
  kill -TERM -- "-$g" 2>/dev/null
  for ((i = 0; i < 100; i++)); do kill -0 -- "-$g" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL -- "-$g" 2>/dev/null
}
cleanup() {
  local rc=$? pids g
  trap '' INT TERM HUP
  # a signal can arrive while a command's output goes to its log: write to where the run writes
  exec 1>&7 2>&8
  for g in "$TMP"/groups/*; do [ -f "$g" ] && stop_group "$(cat "$g")" && rm -f "$g"; done
  pids="$(descendants $$ | grep -vx "$BASHPID" | tr '\n' ' ')"
  if [ -n "${pids// /}" ]; then
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null; sleep 1
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null
  fi
  if [ "${PERISCOPE_STOCK_APP_KEEP:-}" = 1 ]; then echo "kept $TMP (PERISCOPE_STOCK_APP_KEEP=1)"
  else rm -rf "$TMP"; fi
  if [ "$SUMMARY_PRINTED" != 1 ]; then
    echo "stopped early"
    echo "$passed passed, $((failed + 1)) failed"
    [ "$rc" -eq 0 ] && rc=1
  fi
  exit "$rc"
}
exec 7>&1 8>&2
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# in_background CMD...: runs CMD as a child and waits, so that a signal is handled at once;
# in_dir DIR CMD...: the same, in DIR
in_background() { "$@" & wait $!; }
in_dir() { local d="$1"; shift; (cd "$d" && exec "$@") & wait $!; }
# spawn NAME DIR CMD...: a long-lived process in a session of its own, its group id recorded
spawn() {
  local name="$1" dir="$2"; shift 2
  (cd "$dir" && exec setsid "$@" </dev/null) &
  echo $! >"$TMP/groups/$name"
}
unspawn() { [ -f "$TMP/groups/$1" ] || return 0; stop_group "$(cat "$TMP/groups/$1")"; rm -f "$TMP/groups/$1"; }
# free_port FROM: the first port from FROM on that nothing listens on
free_port() { local p="$1"; while ! port_free "$p"; do p=$((p + 1)); done; echo "$p"; }

set -e
ensure_node
ensure_deps
set +e

# the stock app runs outside any Yarn project of this checkout, with Node 22's headers for native
# addons (npm_config_nodedir, from ensure_node) and Yarn's cache kept in the Periscope cache. A new
# app has no lockfile yet: under CI=true Yarn would refuse to write one (immutable installs).
app_env=(env -u NODE_OPTIONS -u NODE_PATH -u PROJECT_CWD -u INIT_CWD -u BERRY_BIN_FOLDER
  YARN_ENABLE_IMMUTABLE_INSTALLS=false
  YARN_GLOBAL_FOLDER="$YARN_CACHE_ROOT" YARN_ENABLE_TELEMETRY=0 YARN_ENABLE_PROGRESS_BARS=0
  npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false)

# ── 0. what the run needs from outside
KUBECONFIG_FILE="${PERISCOPE_KUBECONFIG:-}"
if [ -z "$KUBECONFIG_FILE" ] || [ ! -f "$KUBECONFIG_FILE" ]; then
  ko "no local control plane: PERISCOPE_KUBECONFIG is '${KUBECONFIG_FILE}'; run scripts/cluster up and scripts/cluster seed --profile scenarios and pass the kubeconfig it prints (./scripts/test: PERISCOPE_TEST_STEPS=cluster,stock-app)"
fi
CHROMIUM="${PERISCOPE_CHROMIUM:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] || ko "no Chromium at $CHROMIUM (apt-get install chromium, or set PERISCOPE_CHROMIUM)"
if [ "$failed" -gt 0 ]; then echo "$passed passed, $failed failed"; SUMMARY_PRINTED=1; exit 1; fi

# ── 1. the tarballs
t0=$SECONDS
TGZ_DIR="$TMP/tgz"
mkdir -p "$TGZ_DIR"
if [ -n "${PERISCOPE_STOCK_APP_TARBALLS:-}" ] && ls "$PERISCOPE_STOCK_APP_TARBALLS"/*.tgz >/dev/null 2>&1; then
  cp "$PERISCOPE_STOCK_APP_TARBALLS"/*.tgz "$TGZ_DIR"/
  ok "tarballs from $PERISCOPE_STOCK_APP_TARBALLS: $(ls "$TGZ_DIR" | wc -l)"
elif PERISCOPE_PACK_OUT="$TGZ_DIR" PERISCOPE_PACK_ONLY=1 in_background scripts/lib/packages-test.sh >"$LOGS/pack.log" 2>&1; then
  ok "built and packed by scripts/lib/packages-test.sh: $(ls "$TGZ_DIR" | wc -l) tarballs ($((SECONDS - t0)) s)"
else
  ko "building and packing the packages failed (scripts/lib/packages-test.sh with PERISCOPE_PACK_ONLY=1): $(grep -E '^FAIL' "$LOGS/pack.log" | head -c 3000)"
fi
T_PACK=$((SECONDS - t0))
if ! ls "$TGZ_DIR"/*.tgz >/dev/null 2>&1; then
  ko "no tarballs to install"; echo "$passed passed, $failed failed"; SUMMARY_PRINTED=1; exit 1
fi

# ── the edits a platform team makes, as the READMEs say (node wire.js VARIANT APP_DIR TGZ_DIR ROOT)
cat >"$TMP/wire.js" <<'EOF'
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const [variant, app, tgzDir, root, clusterConfigFile, fePort, bePort] = process.argv.slice(2);
const yaml = require(require.resolve('yaml', { paths: [root] }));
const read = f => fs.readFileSync(path.join(app, f), 'utf8');
const write = (f, s) => fs.writeFileSync(path.join(app, f), s);
const json = f => JSON.parse(read(f));
const writeJson = (f, o) => write(f, `${JSON.stringify(o, null, 2)}\n`);
// replace exactly once, or say which part of the template changed
function edit(file, find, replace, what) {
  const s = read(file);
  const n = typeof find === 'string' ? s.split(find).length - 1 : (s.match(new RegExp(find.source, 'g')) || []).length;
  if (n !== 1) throw new Error(`${file}: expected one ${what} (${find}), found ${n}: the create-app template changed`);
  write(file, s.replace(find, replace));
}

// the tarballs by package name, copied into the app (file: paths relative to each package.json)
fs.mkdirSync(path.join(app, 'periscope-tarballs'), { recursive: true });
const tgz = {};
for (const f of fs.readdirSync(tgzDir).filter(n => n.endsWith('.tgz'))) {
  const pkg = JSON.parse(execFileSync('tar', ['-xzOf', path.join(tgzDir, f), 'package/package.json'], { encoding: 'utf8' }));
  fs.copyFileSync(path.join(tgzDir, f), path.join(app, 'periscope-tarballs', f));
  tgz[pkg.name] = { file: f, role: pkg.backstage && pkg.backstage.role };
}
const need = name => {
  if (!tgz[name]) throw new Error(`no tarball of ${name} in ${tgzDir}`);
  return name;
};
const frontend = ['k8s-diagnostics', 'module-deploy', 'runtime-security'].map(p => need(`@periscope/backstage-plugin-${p}`));
const backend = [
  'k8s-diagnostics-backend',
  'module-deploy-backend',
  'runtime-security-backend',
  'scaffolder-backend-module-periscope',
  'permission-backend-module-periscope',
].map(p => need(`@periscope/backstage-plugin-${p}`));

const rootPkg = json('package.json');
rootPkg.resolutions = { ...rootPkg.resolutions };
for (const [name, t] of Object.entries(tgz)) rootPkg.resolutions[name] = `file:./periscope-tarballs/${t.file}`;
writeJson('package.json', rootPkg);
for (const [dir, names] of [['packages/app', frontend], ['packages/backend', backend]]) {
  const pkg = json(`${dir}/package.json`);
  for (const name of names) pkg.dependencies[name] = `file:../../periscope-tarballs/${tgz[name].file}`;
  writeJson(`${dir}/package.json`, pkg);
}

// backend: the three plugins and the scaffolder module; the permission module in place of the
// allow-all policy module (a permission backend takes exactly one policy)
edit('packages/backend/src/index.ts',
  /backend\.add\(\s*import\('@backstage\/plugin-permission-backend-module-allow-all-policy'\),?\s*\);/,
  "backend.add(import('@periscope/backstage-plugin-permission-backend-module-periscope'));",
  'allow-all policy module');
edit('packages/backend/src/index.ts', 'backend.start();', `// Periscope
backend.add(import('@periscope/backstage-plugin-k8s-diagnostics-backend'));
backend.add(import('@periscope/backstage-plugin-module-deploy-backend'));
backend.add(import('@periscope/backstage-plugin-runtime-security-backend'));
backend.add(import('@periscope/backstage-plugin-scaffolder-backend-module-periscope'));

backend.start();`, 'backend.start()');

if (variant === 'new') {
  // k8s-diagnostics and runtime-security as their READMEs say (the default export in `features`);
  // module-deploy by discovery alone (`app.packages: all`, which the stock app-config.yaml has)
  if (!/^\s+packages: all\b/m.test(read('app-config.yaml'))) throw new Error('app-config.yaml: no app.packages: all');
  edit('packages/app/src/App.tsx', "import { createApp } from '@backstage/frontend-defaults';\n",
    `import { createApp } from '@backstage/frontend-defaults';
import k8sDiagnosticsPlugin from '@periscope/backstage-plugin-k8s-diagnostics';
import runtimeSecurityPlugin from '@periscope/backstage-plugin-runtime-security';
`, 'createApp import');
  edit('packages/app/src/App.tsx', /features: \[/, 'features: [k8sDiagnosticsPlugin, runtimeSecurityPlugin, ', 'features list');
} else {
  // legacy: the entity tabs on the service and website pages, each behind its README's predicate
  const entityPage = 'packages/app/src/components/catalog/EntityPage.tsx';
  edit(entityPage, "import { EmptyState } from '@backstage/core-components';\n",
    `import { EmptyState } from '@backstage/core-components';
import {
  EntityHealthCard,
  EntityHealthContent,
  isHealthAvailable,
} from '@periscope/backstage-plugin-k8s-diagnostics';
import {
  EntityDeployContent,
  isDeployAvailable,
} from '@periscope/backstage-plugin-module-deploy';
import {
  EntitySecurityCard,
  EntitySecurityContent,
  EntityTimelineContent,
  isSecurityAvailable,
  isTimelineAvailable,
} from '@periscope/backstage-plugin-runtime-security';
`, 'core-components import');
  // the overview cards, each behind its predicate
  edit(entityPage, 'const overviewContent = (\n  <Grid container spacing={3} alignItems="stretch">\n    {entityWarningContent}\n',
    `const overviewContent = (
  <Grid container spacing={3} alignItems="stretch">
    {entityWarningContent}
    <EntitySwitch>
      <EntitySwitch.Case if={isHealthAvailable}>
        <Grid item md={6}>
          <EntityHealthCard />
        </Grid>
      </EntitySwitch.Case>
    </EntitySwitch>
    <EntitySwitch>
      <EntitySwitch.Case if={isSecurityAvailable}>
        <Grid item md={6}>
          <EntitySecurityCard />
        </Grid>
      </EntitySwitch.Case>
    </EntitySwitch>
`, 'start of overviewContent');
  const anchor = '      <EntityKubernetesContent />\n    </EntityLayout.Route>\n';
  const s = read(entityPage);
  const n = s.split(anchor).length - 1;
  if (n !== 2) throw new Error(`${entityPage}: expected the Kubernetes route on the service and website pages, found ${n}`);
  write(entityPage, s.split(anchor).join(`${anchor}
    <EntityLayout.Route path="/health" title="Health" if={isHealthAvailable}>
      <EntityHealthContent />
    </EntityLayout.Route>

    <EntityLayout.Route path="/deploy" title="Deploy" if={isDeployAvailable}>
      <EntityDeployContent />
    </EntityLayout.Route>

    <EntityLayout.Route path="/security" title="Security" if={isSecurityAvailable}>
      <EntitySecurityContent />
    </EntityLayout.Route>

    <EntityLayout.Route path="/timeline" title="Timeline" if={isTimelineAvailable}>
      <EntityTimelineContent />
    </EntityLayout.Route>
`));
  edit('packages/app/src/App.tsx', "import { Root } from './components/Root';\n",
    `import { Root } from './components/Root';
import { HealthOverviewPage } from '@periscope/backstage-plugin-k8s-diagnostics';
import { ModulesPage } from '@periscope/backstage-plugin-module-deploy';
import { SecurityOverviewPage } from '@periscope/backstage-plugin-runtime-security';
`, 'Root import');
  // the pages' sidebar items
  const root = 'packages/app/src/components/Root/Root.tsx';
  edit(root, "import CreateComponentIcon from '@material-ui/icons/AddCircleOutline';\n",
    `import CreateComponentIcon from '@material-ui/icons/AddCircleOutline';
import { HealthIcon } from '@periscope/backstage-plugin-k8s-diagnostics';
import { DeployIcon } from '@periscope/backstage-plugin-module-deploy';
import { SecurityIcon } from '@periscope/backstage-plugin-runtime-security';
`, 'CreateComponentIcon import');
  edit(root, '<SidebarItem icon={CreateComponentIcon} to="create" text="Create..." />\n',
    `<SidebarItem icon={CreateComponentIcon} to="create" text="Create..." />
        <SidebarItem icon={HealthIcon} to="health-overview" text="Health overview" />
        <SidebarItem icon={DeployIcon} to="modules" text="Modules" />
        <SidebarItem icon={SecurityIcon} to="security-overview" text="Security overview" />
`, 'Create... sidebar item');
  edit('packages/app/src/App.tsx', '  </FlatRoutes>', `    <Route path="/health-overview" element={<HealthOverviewPage />} />
    <Route path="/modules" element={<ModulesPage />} />
    <Route path="/security-overview" element={<SecurityOverviewPage />} />
  </FlatRoutes>`, 'end of FlatRoutes');
}

// the example entities and modules, beside the app's own examples
fs.mkdirSync(path.join(app, 'examples/periscope'), { recursive: true });
fs.copyFileSync(path.join(root, 'examples/entities.yaml'), path.join(app, 'examples/periscope/entities.yaml'));
fs.cpSync(path.join(root, 'examples/modules'), path.join(app, 'examples/periscope/modules'), { recursive: true });

// app-config.local.yaml, which `yarn start` reads after app-config.yaml: arrays replace, so the
// catalog locations repeat the stock ones and add Periscope's
const stock = yaml.parse(read('app-config.yaml'));
const local = {
  app: { baseUrl: `http://localhost:${fePort}` },
  backend: {
    baseUrl: `http://localhost:${bePort}`,
    listen: { port: Number(bePort) },
    cors: { ...stock.backend.cors, origin: `http://localhost:${fePort}` },
    // not Periscope's: create-app's ranges resolve a @backstage/plugin-signals-backend that needs a
    // newer @backstage/backend-defaults than the template's ("httpRouter.addWebSocketHandler is not
    // a function"), and a plugin that fails start-up stops the whole backend; every other plugin
    // still aborts the start when it fails
    startup: { plugins: { signals: { onPluginBootFailure: 'continue' } } },
  },
  catalog: {
    rules: [{ allow: ['Component', 'System', 'API', 'Resource', 'Location'] }],
    locations: [
      ...(stock.catalog.locations || []),
      { type: 'file', target: '../../examples/periscope/entities.yaml' },
    ],
  },
  moduleDeploy: { modules: [{ name: 'minimal', path: '../../examples/periscope/modules/minimal' }] },
  periscope: {
    // the example `recommender` selects its workloads by label only
    namespacesWithoutAnnotation: ['shop'],
    // the Periscope policy module, everyone allowed (its default, owners, needs the users' groups)
    permissionPolicy: { mode: 'allow-all' },
  },
};
// the cluster section as scripts/lib/cluster-app-config.js makes it; objects merge, arrays add up
const merge = (a, b) => {
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const o = { ...a };
    for (const [k, v] of Object.entries(b)) o[k] = k in o ? merge(o[k], v) : v;
    return o;
  }
  return b;
};
const cluster = yaml.parse(fs.readFileSync(clusterConfigFile, 'utf8'));
write('app-config.local.yaml', `# written by Periscope's scripts/lib/stock-app-test.sh\n${yaml.stringify(merge(local, cluster))}`);
console.log(`wired (${variant}): ${frontend.length} frontend and ${backend.length} backend packages, ${Object.keys(tgz).length} resolutions`);
EOF

# ── 2. per variant
CREATE_APP="@backstage/create-app@${PERISCOPE_STOCK_APP_CREATE_APP:-latest}"
IFS=, read -r -a VARIANTS <<<"${PERISCOPE_STOCK_APP_VARIANTS:-new,legacy}"
TIMINGS=()
run_variant() {
  local v="$1" label app fe be t0 t_create t_install t_tsc t_start t_e2e erc line counts
  case "$v" in
    new) label="new frontend system" ;;
    legacy) label="legacy" ;;
    *) ko "unknown variant '$v' in PERISCOPE_STOCK_APP_VARIANTS (new, legacy)"; return ;;
  esac
  app="$TMP/app-$v"
  echo "── $label: $app"

  # a. create-app; it reads the app name from BACKSTAGE_APP_NAME and needs yarn on PATH
  t0=$SECONDS
  local flags=(--skip-install --path "$app")
  [ "$v" = legacy ] && flags+=(--legacy)
  if in_dir "$TMP" "${app_env[@]}" BACKSTAGE_APP_NAME="periscope-stock-$v" npx -y "$CREATE_APP" "${flags[@]}" \
       </dev/null >"$LOGS/$v-create-app.log" 2>&1 && [ -f "$app/package.json" ]; then
    ok "$label: $CREATE_APP made Backstage $(node -p "require('$app/backstage.json').version" 2>/dev/null) ($((SECONDS - t0)) s)"
  else
    ko "$label: $CREATE_APP failed: $(tail -n 20 "$LOGS/$v-create-app.log")"; return
  fi
  t_create=$((SECONDS - t0))

  # b-d. tarballs, wiring, config
  fe="$(free_port $((3100 + RANDOM % 400)))"
  be="$(free_port $((7100 + RANDOM % 400)))"
  [ "$fe" = "$be" ] && be="$(free_port $((be + 1)))"
  # one `type: config` cluster with the kubeconfig's server, CA and token (authProvider
  # serviceAccount), as a platform team configures one: --config-cluster where the script has it
  local cc=(node "$PERISCOPE_ROOT/scripts/lib/cluster-app-config.js")
  grep -q -- '--config-cluster' "$PERISCOPE_ROOT/scripts/lib/cluster-app-config.js" && cc+=(--config-cluster)
  if ! "${cc[@]}" "$KUBECONFIG_FILE" local >"$TMP/cluster-$v.yaml" 2>"$LOGS/$v-cluster-config.log"; then
    ko "$label: scripts/lib/cluster-app-config.js $KUBECONFIG_FILE failed: $(cat "$LOGS/$v-cluster-config.log")"; return
  fi
  if out="$(node "$TMP/wire.js" "$v" "$app" "$TGZ_DIR" "$PERISCOPE_ROOT" "$TMP/cluster-$v.yaml" "$fe" "$be" 2>&1)"; then
    ok "$label: $out; ports $fe (frontend) and $be (backend)"
  else
    ko "$label: wiring Periscope in failed: $out"; return
  fi
  cp "$app/app-config.local.yaml" "$LOGS/$v-app-config.local.yaml"
  (cd "$app" && git diff --no-color -- packages >"$LOGS/$v-wiring.diff" 2>/dev/null)

  # e. install, type check, start
  t0=$SECONDS
  if in_dir "$app" "${app_env[@]}" yarn install >"$LOGS/$v-install.log" 2>&1; then
    ok "$label: yarn install ($((SECONDS - t0)) s)"
  else
    ko "$label: yarn install failed: $(grep -E 'YN0001|YN0028|YN0082|YN0009|Error' "$LOGS/$v-install.log" | head -n 20)"; return
  fi
  t_install=$((SECONDS - t0))
  # Yarn copied the tarballs, not links into this checkout
  if out="$(cd "$app" && node -e '
      const fs = require("fs"); const bad = [];
      for (const d of fs.readdirSync("node_modules/@periscope")) {
        const p = `node_modules/@periscope/${d}`;
        if (fs.lstatSync(p).isSymbolicLink() || !fs.existsSync(`${p}/dist`) && !fs.existsSync(`${p}/bin`)) bad.push(p);
      }
      // and the lockfile resolves every @periscope package to a tarball, none from a registry
      for (const m of fs.readFileSync("yarn.lock", "utf8").matchAll(/resolution: "(@periscope\/[^"]+)"/g)) {
        if (!/@file:\.\/periscope-tarballs\//.test(m[1])) bad.push(`yarn.lock: ${m[1]}`);
      }
      if (bad.length) { console.log(`not from the tarballs: ${bad.join(", ")}`); process.exit(1); }
      console.log(fs.readdirSync("node_modules/@periscope").join(" "));' 2>&1)"; then
    ok "$label: @periscope packages installed from the tarballs: $out"
  else
    ko "$label: $out"
  fi

  t0=$SECONDS
  if in_dir "$app" "${app_env[@]}" yarn tsc >"$LOGS/$v-tsc.log" 2>&1; then ok "$label: yarn tsc ($((SECONDS - t0)) s)"
  else ko "$label: yarn tsc: $(grep -E 'error TS' "$LOGS/$v-tsc.log" | head -n 20)"; fi
  t_tsc=$((SECONDS - t0))

  t0=$SECONDS
  spawn "app-$v" "$app" "${app_env[@]}" yarn start >"$LOGS/$v-start.log" 2>&1
  local up=1
  if wait_http "http://127.0.0.1:$be/api/k8s-diagnostics/health" 300 \
     && wait_http "http://127.0.0.1:$be/api/module-deploy/health" 30 \
     && wait_http "http://127.0.0.1:$be/api/runtime-security/health" 30 \
     && wait_http "http://127.0.0.1:$fe" 300; then
    ok "$label: yarn start: backend on $be with the three Periscope plugins, frontend on $fe ($((SECONDS - t0)) s)"
  else
    up=0
    ko "$label: yarn start: not up after $((SECONDS - t0)) s: $(grep -iE 'error|failed' "$LOGS/$v-start.log" | head -n 20)"
  fi
  # the catalog has read the example entities (as the development guest, whose token the backend
  # gives out without a sign-in; header as the frontend sends it)
  if [ "$up" = 1 ]; then
    local token="" i have
    for ((i = 0; i < 120; i++)); do
      token="$(curl -fsS -H 'X-Requested-With: XMLHttpRequest' "http://127.0.0.1:$be/api/auth/guest/refresh?env=development" 2>/dev/null \
        | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).backstageIdentity.token)}catch{}})')"
      have=0
      for e in checkout legacy-portal; do
        curl -fsS -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$be/api/catalog/entities/by-name/component/default/$e" 2>/dev/null && have=$((have + 1))
      done
      [ "$have" = 2 ] && break
      sleep 1
    done
    if [ "$have" = 2 ]; then ok "$label: the catalog has checkout and legacy-portal ($((SECONDS - t0)) s after the start)"
    else up=0; ko "$label: the catalog has not read checkout and legacy-portal from examples/periscope/entities.yaml after $((SECONDS - t0)) s: $(grep -iE 'catalog.*(error|warn)' "$LOGS/$v-start.log" | head -n 10)"; fi
  fi
  t_start=$((SECONDS - t0))

  # f. the browser
  t0=$SECONDS
  if [ "$up" = 1 ]; then
    PLAYWRIGHT_URL="http://localhost:$fe" PERISCOPE_STOCK_APP_VARIANT="$label" PERISCOPE_CHROMIUM="$CHROMIUM" \
      PERISCOPE_E2E_JSON="$LOGS/$v-e2e.json" PERISCOPE_STOCK_APP_E2E_OUT="$LOGS/$v-e2e-results" \
      in_background node_modules/.bin/playwright test --config e2e-tests/stock-app/playwright.config.ts >"$LOGS/$v-e2e.log" 2>&1
    erc=$?
    # one check per Playwright test (scripts/lib/test-report.js: first line PASSED FAILED SKIPPED)
    counts="$(node scripts/lib/test-report.js playwright "$LOGS/$v-e2e.json" "$erc")"
    read -r p f s <<<"$(head -n 1 <<<"$counts")"
    passed=$((passed + ${p:-0})); failed=$((failed + ${f:-1} + ${s:-0}))
    echo "$label: Playwright: ${p:-0} passed, ${f:-1} failed, ${s:-0} skipped ($((SECONDS - t0)) s)"
    tail -n +2 <<<"$counts" | sed "s/^/     /"
    [ "${f:-1}" -gt 0 ] && grep -E '✘|Error:|expect\(|Locator:|Expected|Received' "$LOGS/$v-e2e.log" | head -n 40 | sed 's/^/     | /'
    # no plugin or module start-up failure in the backend log, but the stock signals one (see
    # app-config.local.yaml); Periscope's: plugins k8s-diagnostics, module-deploy,
    # runtime-security, modules of permission and scaffolder
    line="$(sed 's/\x1b\[[0-9;]*m//g' "$LOGS/$v-start.log" | grep -E 'threw an error during startup|startup failed' \
      | grep -vE "^[^ ]+ backstage error Plugin 'signals' threw|Plugin 'signals' startup failed" | cut -c1-400 | head -n 3)"
    if [ -z "$line" ]; then ok "$label: no plugin start-up failure in the backend log (but the stock app's signals)"
    else ko "$label: backend start-up failure: $line"; fi
  else
    ko "$label: Playwright not run, the app did not start"
  fi
  t_e2e=$((SECONDS - t0))
  unspawn "app-$v"
  TIMINGS+=("$label: create-app ${t_create}s, yarn install ${t_install}s, tsc ${t_tsc}s, start ${t_start}s, browser ${t_e2e}s")
}

for v in "${VARIANTS[@]}"; do run_variant "$v"; done

line="timings: pack ${T_PACK}s; "
for t in "${TIMINGS[@]}"; do line+="$t; "; done
echo "${line}total $((SECONDS - T_START))s"
echo "$passed passed, $failed failed"
SUMMARY_PRINTED=1
[ "$failed" -eq 0 ]
