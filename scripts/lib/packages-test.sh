#!/usr/bin/env bash
# Proves that the published packages install outside this monorepo (issue #16). Every workspace
# package that is not private (plugins/*, packages/kube-access, packages/periscope-react,
# packages/cli) is:
#   1. built: `yarn tsc:full` (the builds roll up dist-types into dist/*.d.ts; a full compile, as
#      `yarn build:api-reports` makes, because an incremental one can order the members of an
#      inferred union differently and the API reports would differ), then
#      `backstage-cli package build` in each package folder;
#   2. packed with `yarn pack` (prepack/postpack as on publish) and unpacked: main, module, types,
#      every exports target, typesVersions, bin and configSchema must name files in the tarball,
#      every role but the cli ships .d.ts declarations whose relative imports resolve, no
#      workspace:/link:/portal: range is left, no published package depends on a private one, and
#      the checkout's package.json is left exactly as it was (one check per package);
#   3. installed the way a platform team would: in an empty folder outside the checkout,
#      `npm init -y` and `npm install` of the CLI tarball plus the tarballs of the @periscope
#      packages it needs (third-party packages from the npm registry), then `npx periscope --help`,
#      `periscope diagnose --objects` on k8sgpt's own cases (a Service without endpoints, a Pod in
#      CrashLoopBackOff with --fail-on), `periscope security analyze` on a real Tetragon export,
#      and require() of every installed library entry point;
#   4. API reports: `yarn build:api-reports:only --ci` fails when a package's public API
#      (report.api.md) or the CLI's commands (cli-report.md) differ from the committed reports.
# Prints one line per check, the timings, and `N passed, N failed` last; exits non-zero on any
# failure. Writes into the checkout only git-ignored build output (dist/, dist-types/,
# node_modules/.cache); `yarn pack` rewrites a package.json for the length of the pack and puts it
# back (and so does this script's exit trap, should it be stopped in between). The dist/ folders
# this run built are removed at the end unless PERISCOPE_KEEP_DIST=1. Temporary folders are removed
# on exit, interruption included. The samples come from the reference corpora
# (PERISCOPE_CORPORA, default ../shared/corpora); without them the CLI checks fail.
# PERISCOPE_PACK_OUT=DIR keeps a copy of the tarballs in DIR (the stock-app step installs them);
# PERISCOPE_PACK_ONLY=1 stops after step 2.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PERISCOPE_ROOT" || exit 1

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
ko() { failed=$((failed + 1)); echo "FAIL $*"; }

T_START=$SECONDS
# the temporary folder must be outside the checkout: the install there must not find its node_modules
TMP_PARENT="${TMPDIR:-/tmp}"
case "$(cd "$TMP_PARENT" 2>/dev/null && pwd -P)/" in "$(cd "$PERISCOPE_ROOT" && pwd -P)/"*) TMP_PARENT=/tmp ;; esac
TMP="$(mktemp -d "$TMP_PARENT/periscope-packages.XXXXXX")" || { echo "cannot create a temporary folder"; echo "0 passed, 1 failed"; exit 1; }
mkdir -p "$TMP/tgz" "$TMP/unpacked" "$TMP/logs" "$TMP/consumer"

# ── the published packages: every workspace package that is not private
PKG_DIRS=()
PRIVATE_NAMES=()
for pj in plugins/*/package.json packages/*/package.json; do
  dir="${pj%/package.json}"
  if [ "$(node -p "require('./$pj').private === true" 2>/dev/null)" = true ]; then
    PRIVATE_NAMES+=("$(node -p "require('./$pj').name")")
  else
    PKG_DIRS+=("$dir")
  fi
done
declare -A HAD_DIST=()
for dir in "${PKG_DIRS[@]}"; do [ -d "$dir/dist" ] && HAD_DIST[$dir]=1; done

# ── exit: stop what this script started (by process id), put back any package.json a stopped
# `yarn pack` left rewritten, remove the dist/ folders this run built and the temporary folder
SUMMARY_PRINTED=0
descendants() {
  local c
  for c in $(pgrep -P "$1" 2>/dev/null); do descendants "$c"; echo "$c"; done
}
cleanup() {
  local rc=$? pids dir
  trap '' INT TERM HUP
  # a signal can arrive while a command's output goes to its log: write to where the run writes
  exec 1>&7 2>&8
  pids="$(descendants $$ | grep -vx "$BASHPID" | tr '\n' ' ')"
  if [ -n "${pids// /}" ]; then
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null; sleep 1
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null
  fi
  for dir in "${PKG_DIRS[@]}"; do
    if [ -f "$dir/package.json-prepack" ]; then
      mv -f "$dir/package.json-prepack" "$dir/package.json"
      # backstage-cli prepack writes config.schema.json next to a config.d.ts schema
      [ -f "$dir/config.d.ts" ] && rm -f "$dir/config.schema.json"
      echo "restored $dir/package.json after an interrupted yarn pack" >&2
    fi
    if [ "${PERISCOPE_KEEP_DIST:-}" != 1 ] && [ -z "${HAD_DIST[$dir]:-}" ]; then rm -rf "$dir/dist"; fi
  done
  rm -rf "$TMP"
  if [ "$SUMMARY_PRINTED" != 1 ]; then
    echo "stopped early"
    echo "$passed passed, $((failed + 1)) failed"
    [ "$rc" -eq 0 ] && rc=1
  fi
  exit "$rc"
}
# the run's own stdout and stderr, for the cleanup
exec 7>&1 8>&2
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# in_background CMD...: runs CMD as a child and waits, so that a signal is handled at once (bash
# runs traps only between commands, and `wait` is one); in_dir DIR CMD...: the same, in DIR
in_background() { "$@" & wait $!; }
in_dir() { local d="$1"; shift; (cd "$d" && exec "$@") & wait $!; }
# slug NAME: @periscope/cli -> periscope-cli
slug() { local s="${1#@}"; echo "${s//\//-}"; }

set -e
ensure_node
ensure_deps
set +e

echo "published packages (${#PKG_DIRS[@]}): ${PKG_DIRS[*]}"
echo "private, not published: ${PRIVATE_NAMES[*]:-none}"

# ── 1. build: the type declarations, then every published package
t0=$SECONDS
if in_background yarn tsc:full >"$TMP/logs/tsc.log" 2>&1; then ok "yarn tsc:full ($((SECONDS - t0)) s)"
else ko "yarn tsc:full: $(tail -n 20 "$TMP/logs/tsc.log")"; fi
T_TSC=$((SECONDS - t0))

t0=$SECONDS
build_failed=()
for dir in "${PKG_DIRS[@]}"; do
  log_file="$TMP/logs/build-$(basename "$dir").log"
  if ! in_dir "$dir" yarn backstage-cli package build >"$log_file" 2>&1; then
    build_failed+=("$dir")
    echo "---- backstage-cli package build in $dir:"; tail -n 30 "$log_file"
  fi
done
T_BUILD=$((SECONDS - t0))
if [ ${#build_failed[@]} -eq 0 ]; then ok "backstage-cli package build of ${#PKG_DIRS[@]} packages ($T_BUILD s)"
else ko "backstage-cli package build failed in: ${build_failed[*]}"; fi

# ── 2. pack, unpack and check each package's manifest against its files
cat >"$TMP/check-package.js" <<'EOF'
// node check-package.js UNPACKED_DIR PRIVATE_NAMES_JSON: prints one problem a line, exits 1 on any
const fs = require('node:fs');
const path = require('node:path');
const root = path.resolve(process.argv[2], 'package');
const privateNames = new Set(JSON.parse(process.argv[3]));
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const role = pkg.backstage && pkg.backstage.role;
const problems = [];
const files = [];
(function list(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) list(full);
    else files.push(path.relative(root, full).split(path.sep).join('/'));
  }
})(root);
const fileSet = new Set(files);
const norm = rel => path.posix.normalize(rel.replace(/^\.\//, ''));
function has(rel) {
  if (!rel.includes('*')) return fileSet.has(norm(rel));
  const re = new RegExp(`^${norm(rel).split('*').map(s => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.+')}$`);
  return files.some(f => re.test(f));
}
function need(field, rel) {
  if (typeof rel !== 'string') problems.push(`${field} is ${JSON.stringify(rel)}, not a path`);
  else if (!has(rel)) problems.push(`${field} -> ${rel}: missing from the tarball`);
}
if (pkg.private) problems.push('the packed package.json says private: true');
for (const field of ['main', 'module', 'browser', 'types', 'typings']) {
  if (pkg[field] !== undefined) need(field, pkg[field]);
}
function walkExports(node, where) {
  if (typeof node === 'string') need(where, node);
  else if (Array.isArray(node)) node.forEach((n, i) => walkExports(n, `${where}[${i}]`));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      // the backstage condition names a feature type, not a file
      if (k !== 'backstage') walkExports(v, `${where}[${JSON.stringify(k)}]`);
    }
  }
}
if (pkg.exports !== undefined) walkExports(pkg.exports, 'exports');
for (const [range, map] of Object.entries(pkg.typesVersions || {})) {
  for (const [sub, targets] of Object.entries(map)) {
    (Array.isArray(targets) ? targets : [targets]).forEach(t => need(`typesVersions[${range}][${sub}]`, t));
  }
}
if (typeof pkg.bin === 'string') need('bin', pkg.bin);
else for (const [name, target] of Object.entries(pkg.bin || {})) need(`bin[${name}]`, target);
if (typeof pkg.configSchema === 'string') {
  need('configSchema', pkg.configSchema);
  if (has(pkg.configSchema) && pkg.configSchema.endsWith('.json')) {
    try { JSON.parse(fs.readFileSync(path.join(root, pkg.configSchema), 'utf8')); }
    catch (e) { problems.push(`configSchema ${pkg.configSchema} is not JSON: ${e.message}`); }
  }
}
// type declarations: every role but the cli
if (role !== 'cli') {
  if (typeof pkg.types !== 'string' || !pkg.types.endsWith('.d.ts')) {
    problems.push(`types is ${JSON.stringify(pkg.types)}, not a .d.ts (role ${role})`);
  }
  if (pkg.exports && typeof pkg.exports === 'object') {
    for (const [sub, target] of Object.entries(pkg.exports)) {
      if (sub === './package.json' || typeof target !== 'object') continue;
      if (typeof target.types !== 'string' || !target.types.endsWith('.d.ts')) {
        problems.push(`exports[${JSON.stringify(sub)}] has no types condition with a .d.ts`);
      }
    }
  }
  // the rolled-up declarations must not import files that were not packed (dist-types, src)
  for (const f of files.filter(n => n.endsWith('.d.ts'))) {
    const text = fs.readFileSync(path.join(root, f), 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const base = path.posix.join(path.posix.dirname(f), m[1]).replace(/\.(js|cjs|mjs)$/, '');
      const candidates = [base, `${base}.d.ts`, `${base}/index.d.ts`];
      if (!candidates.some(c => fileSet.has(path.posix.normalize(c)))) {
        problems.push(`${f} imports ${m[1]}: missing from the tarball`);
      }
    }
  }
}
for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies']) {
  for (const [name, range] of Object.entries(pkg[field] || {})) {
    if (/^(workspace|link|portal|file):/.test(String(range))) problems.push(`${field}.${name} is "${range}"`);
    if (field !== 'devDependencies' && privateNames.has(name)) {
      problems.push(`${field}.${name}: ${name} is private and never published`);
    }
  }
}
if (problems.length) {
  console.log(problems.join('\n'));
  process.exit(1);
}
const exportsCount = pkg.exports ? Object.keys(pkg.exports).length : 0;
console.log(`role ${role}, ${files.length} files${exportsCount ? `, ${exportsCount} exports` : ''}${pkg.configSchema ? `, configSchema ${pkg.configSchema}` : ''}`);
EOF

private_json="$(node -e 'console.log(JSON.stringify(process.argv.slice(1)))' -- "${PRIVATE_NAMES[@]}")"
t0=$SECONDS
for dir in "${PKG_DIRS[@]}"; do
  name="$(node -p "require('./$dir/package.json').name")"
  s="$(slug "$name")"
  tgz="$TMP/tgz/$s.tgz"
  before="$(sha256sum "$dir/package.json" | cut -c1-64)"
  if ! in_dir "$dir" yarn pack --out "$tgz" >"$TMP/logs/pack-$s.log" 2>&1; then
    ko "$name ($dir): yarn pack failed: $(tail -n 15 "$TMP/logs/pack-$s.log")"
    continue
  fi
  left=""
  [ "$(sha256sum "$dir/package.json" | cut -c1-64)" = "$before" ] || left="$left $dir/package.json was not restored after yarn pack;"
  [ -e "$dir/package.json-prepack" ] && left="$left $dir/package.json-prepack left behind;"
  [ -f "$dir/config.d.ts" ] && [ -e "$dir/config.schema.json" ] && left="$left $dir/config.schema.json left behind;"
  mkdir -p "$TMP/unpacked/$s"
  if ! tar -xzf "$tgz" -C "$TMP/unpacked/$s"; then ko "$name: $tgz does not unpack"; continue; fi
  if out="$(node "$TMP/check-package.js" "$TMP/unpacked/$s" "$private_json" 2>&1)" && [ -z "$left" ]; then
    ok "$name packed ($out)"
  else
    ko "$name ($dir):${left}$(echo "$out" | sed 's/^/ /' | tr '\n' ';')"
  fi
done
T_PACK=$((SECONDS - t0))

# the tarballs for the stock-app step (scripts/lib/stock-app-test.sh): PERISCOPE_PACK_OUT=DIR copies
# them there; PERISCOPE_PACK_ONLY=1 stops after building, packing and checking them
if [ -n "${PERISCOPE_PACK_OUT:-}" ]; then
  if mkdir -p "$PERISCOPE_PACK_OUT" && cp "$TMP"/tgz/*.tgz "$PERISCOPE_PACK_OUT"/; then
    echo "tarballs copied to $PERISCOPE_PACK_OUT"
  else
    ko "copying the tarballs to PERISCOPE_PACK_OUT=$PERISCOPE_PACK_OUT failed"
  fi
fi
if [ "${PERISCOPE_PACK_ONLY:-}" = 1 ]; then
  echo "timings: tsc ${T_TSC}s, build ${T_BUILD}s, pack+check ${T_PACK}s, total $((SECONDS - T_START))s (PERISCOPE_PACK_ONLY=1: no CLI install, no API reports)"
  echo "$passed passed, $failed failed"
  SUMMARY_PRINTED=1
  [ "$failed" -eq 0 ]
  exit
fi

# ── 3. the CLI installed from its tarballs in an empty folder outside the checkout
t0=$SECONDS
consumer="$TMP/consumer"
CORPORA="${PERISCOPE_CORPORA:-$(cd "$PERISCOPE_ROOT/.." && pwd)/shared/corpora}"
# the CLI tarball and those of the @periscope packages it needs, from the packed manifests
mapfile -t cli_tgzs < <(node - "$TMP/unpacked" "$TMP/tgz" <<'EOF'
const fs = require('node:fs');
const path = require('node:path');
const [unpacked, tgzDir] = process.argv.slice(2);
const byName = new Map();
for (const d of fs.readdirSync(unpacked)) {
  const pkg = JSON.parse(fs.readFileSync(path.join(unpacked, d, 'package', 'package.json'), 'utf8'));
  byName.set(pkg.name, { pkg, tgz: path.join(tgzDir, `${d}.tgz`) });
}
const want = new Set();
(function add(name) {
  const e = byName.get(name);
  if (!e) throw new Error(`no tarball of ${name}`);
  if (want.has(name)) return;
  want.add(name);
  for (const dep of Object.keys({ ...e.pkg.dependencies, ...e.pkg.peerDependencies })) {
    if (dep.startsWith('@periscope/')) add(dep);
  }
})('@periscope/cli');
for (const name of want) console.log(byName.get(name).tgz);
EOF
)
npm_env=(env -u NODE_PATH -u NODE_OPTIONS npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false)
installed=0
if [ ${#cli_tgzs[@]} -eq 0 ]; then
  ko "npm install of the CLI: the @periscope/cli tarball or one of its @periscope dependencies was not packed"
elif in_dir "$consumer" "${npm_env[@]}" npm init -y >"$TMP/logs/npm-install.log" 2>&1 \
     && in_dir "$consumer" "${npm_env[@]}" npm install "${cli_tgzs[@]}" >>"$TMP/logs/npm-install.log" 2>&1; then
  installed=1
  ok "npm install in an empty folder outside the checkout: $(for t in "${cli_tgzs[@]}"; do basename "$t" .tgz; done | tr '\n' ' ')($((SECONDS - t0)) s)"
else
  ko "npm install of ${cli_tgzs[*]} in $consumer failed: $(tail -n 30 "$TMP/logs/npm-install.log")"
fi
T_INSTALL=$((SECONDS - t0))

# cli_check LABEL EXPECTED_EXIT REGEX... -- ARGS...: runs the installed periscope by npx (never downloading
# it), checks the exit code and that the output matches every REGEX
cli_check() {
  local label="$1" want="$2"; shift 2
  local patterns=() out rc p missing=""
  while [ "$1" != -- ]; do patterns+=("$1"); shift; done
  shift
  out="$(cd "$consumer" && "${npm_env[@]}" npx --no -- periscope "$@" 2>&1)"; rc=$?
  for p in "${patterns[@]}"; do grep -Eq -- "$p" <<<"$out" || missing="$missing '$p'"; done
  if [ "$rc" -eq "$want" ] && [ -z "$missing" ]; then ok "npx periscope $label"
  else ko "npx periscope $label: exit $rc (expected $want)${missing:+, output lacks$missing}: $(head -c 1500 <<<"$out")"; fi
}
if [ "$installed" = 1 ]; then
  t0=$SECONDS
  cli_check "--help lists diagnose, module and security" 0 '^  diagnose ' '^  module ' '^  security ' -- --help
  # k8sgpt's own cases: doc 1 holds the expectations, docs 2..n the objects
  case_objects() { awk 'f; /^---$/ && !f {f=1}' "$CORPORA/k8sgpt/cases/$1.yaml" >"$consumer/$1.yaml"; }
  if [ -f "$CORPORA/k8sgpt/cases/service-1.yaml" ] && [ -f "$CORPORA/k8sgpt/cases/pod-8.yaml" ] \
     && [ -f "$CORPORA/tetragon/events/process_kprobe.jsonl" ]; then
    case_objects service-1
    case_objects pod-8
    cli_check "diagnose --objects (a Service without endpoints)" 0 \
      '\[high\] Service default/test-service' 'Service has no endpoints, expected label app=test' '1 objects with 1 problems' \
      -- diagnose --objects service-1.yaml
    cli_check "diagnose --objects --fail-on high (a Pod in CrashLoopBackOff) exits 3" 3 \
      '\[critical\] Pod default/Pod1' 'Container4 encountered CrashLoopBackOff' \
      -- diagnose --objects pod-8.yaml --fail-on high
    cli_check "security analyze --fail-on critical (a Tetragon export) exits 3" 3 \
      '\[CRITICAL\] kernel-module-load' \
      -- security analyze --events "$CORPORA/tetragon/events/process_kprobe.jsonl" --fail-on critical
  else
    ko "npx periscope diagnose / security: no reference corpora at $CORPORA (k8sgpt/cases/service-1.yaml, pod-8.yaml, tetragon/events/process_kprobe.jsonl); set PERISCOPE_CORPORA to the shared/corpora folder"
  fi
  # every installed package's entry points load in plain Node, outside the checkout
  if out="$(cd "$consumer" && "${npm_env[@]}" node - <<'EOF' 2>&1
const fs = require('node:fs');
const path = require('node:path');
const loaded = [];
for (const scope of ['@periscope']) {
  for (const d of fs.readdirSync(path.join('node_modules', scope))) {
    const name = `${scope}/${d}`;
    const pkg = require(`${name}/package.json`);
    const subs = pkg.exports ? Object.keys(pkg.exports).filter(s => s !== './package.json') : ['.'];
    for (const sub of subs) {
      const id = sub === '.' ? name : `${name}/${sub.slice(2)}`;
      const mod = require(id);
      if (!Object.keys(mod).length) throw new Error(`${id} exports nothing`);
      loaded.push(`${id} (${Object.keys(mod).length})`);
    }
  }
}
console.log(loaded.join(', '));
EOF
  )"; then ok "require() of the installed packages: $out"
  else ko "require() of the installed packages: $out"; fi
  T_CLI=$((SECONDS - t0))
else
  ko "npx periscope: not run, the install failed"
  T_CLI=0
fi

# ── 4. the public API reports (api-extractor) and the CLI report match the committed ones
t0=$SECONDS
if in_background yarn build:api-reports:only --ci >"$TMP/logs/api-reports.log" 2>&1; then
  ok "API reports unchanged: yarn build:api-reports:only --ci ($((SECONDS - t0)) s)"
else
  # what differs: a diff per changed report (api-extractor names the file it would write)
  api_diff="$(
    pkg_dir=""
    while IFS= read -r line; do
      case "$line" in
        "## Processing "*) pkg_dir="${line#\#\# Processing }" ;;
        *"Please copy the file \""*) made="${line#*Please copy the file \"}"; made="${made%%\"*}"
          report="${line#*\" to \"}"; report="${report%%\"*}"
          diff -u "$pkg_dir/$report" "$made" | head -n 40 ;;
      esac
    done <"$TMP/logs/api-reports.log"
  )"
  ko "API reports differ or could not be made; if the change is intended, run yarn build:api-reports and commit the report files:
$(grep -E 'changed the API signature|report file was missing|no longer relevant|CLI report changed|^Error' "$TMP/logs/api-reports.log" | sed 's/\x1b\[[0-9;]*m//g')
${api_diff:-$(tail -n 30 "$TMP/logs/api-reports.log")}"
fi
T_API=$((SECONDS - t0))

echo "timings: tsc ${T_TSC}s, build ${T_BUILD}s, pack+check ${T_PACK}s, npm install ${T_INSTALL}s, CLI runs ${T_CLI}s, API reports ${T_API}s, total $((SECONDS - T_START))s"
[ "${PERISCOPE_KEEP_DIST:-}" = 1 ] && echo "dist/ folders kept (PERISCOPE_KEEP_DIST=1)"
echo "$passed passed, $failed failed"
SUMMARY_PRINTED=1
[ "$failed" -eq 0 ]
