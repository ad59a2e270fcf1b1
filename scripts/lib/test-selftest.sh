#!/usr/bin/env bash
# Self test of ./scripts/test: runs it nested, on a few parts at a time (PERISCOPE_TEST_STEPS), with
# its own output folder, ports and state folders, so it never touches a run around it.
#  1. cue made unavailable (an empty tool cache, no PERISCOPE_CUE_BIN, no cue on PATH): the Jest
#     tests that need cue skip, and the closing line counts them as failed; the run exits non-zero.
#  2. e2e: a spec with a syntax error fails the run; a spec with test.only fails the run (forbidOnly
#     is always on); a spec that passes counts as passed; a skip "needs …" counts as failed and any
#     other skip as skipped.
#  3. SIGTERM to ./scripts/test in the middle of its Jest step: it stops, prints a closing line, and
#     leaves no process it started (PostgreSQL, registries, control plane, Jest) and no listening port.
# Prints "N passed, N failed" last; exits non-zero when anything failed.
set -uo pipefail
# Node 22 and the committed Yarn on PATH, as ./scripts/test has them
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
ensure_node
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT" || exit 1
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
notok() { failed=$((failed + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/     | /' <<<"$2" | tail -n 30; }

# inside the checkout (git-ignored), so that the nested specs resolve @playwright/test, and outside
# node_modules, where Playwright does not load TypeScript; removed at the end
work="$ROOT/.periscope-test-selftest"
rm -rf "$work" && mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
# the nested runs use none of the outer run's services, and ports of their own
unset PERISCOPE_KEEP_CLUSTER PERISCOPE_CUE_BIN PERISCOPE_TIMONI_BIN K8SGPT_BIN PERISCOPE_KUBECONFIG PERISCOPE_PG_URL \
  PERISCOPE_REGISTRY_URL PERISCOPE_REGISTRY_STORAGE PERISCOPE_REGISTRY_AUTH_URL PERISCOPE_REGISTRY_AUTH_CREDENTIALS \
  BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING BACKSTAGE_TEST_DATABASE_POSTGRES16_CONNECTION_STRING

closing_line() { grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$1" | tail -n 1; }
count_of() { # count_of LINE WORD
  sed -E "s/.*\b([0-9]+) $2.*/\1/" <<<"$1"
}

# ── 1. cue unavailable
out="$work/no-cue.out"
env PERISCOPE_TEST_STEPS=jest PERISCOPE_TEST_OUT="$work/no-cue" PERISCOPE_CACHE="$work/empty-cache" \
  PERISCOPE_TEST_JEST_ARGS=plugins/module-deploy-node/src/bundle/runtimeClusters.test.ts \
  PATH="$(tr ':' '\n' <<<"$PATH" | while read -r d; do [ -x "$d/cue" ] || echo "$d"; done | paste -sd:)" \
  ./scripts/test >"$out" 2>&1
rc=$?
line="$(closing_line "$out")"
if [ "$rc" -ne 0 ] && [ -n "$line" ] && [ "$(count_of "$line" failed)" -gt 0 ] \
   && grep -q 'needs the cue binary' "$out"; then
  ok "without cue, the cue tests count as failed ($line, exit $rc)"
else
  notok "without cue, the run must end with failed > 0 and name the missing cue (exit $rc, closing line '${line:-none}')" "$(cat "$out")"
fi

# ── 2. e2e: broken and focused specs fail the run; passes and skips are counted
e2e_case() { # e2e_case NAME WANT-EXIT(0|1) WANT-PASSED WANT-FAILED WANT-SKIPPED SPEC-BODY...
  local name="$1" want_rc="$2" wp="$3" wf="$4" ws="$5" dir="$work/specs-$1" out="$work/e2e-$1.out" rc line
  shift 5
  mkdir -p "$dir"
  printf '%s\n' "$@" >"$dir/case.spec.ts"
  env PERISCOPE_TEST_STEPS=e2e PERISCOPE_TEST_OUT="$work/e2e-$name" PERISCOPE_E2E_DIR="$dir" \
    ./scripts/test >"$out" 2>&1
  rc=$?
  line="$(closing_line "$out")"
  # at least WANT-FAILED failures: a spec that does not load also gives "No tests found"
  if [ -n "$line" ] && [ "$(count_of "$line" passed)" = "$wp" ] && [ "$(count_of "$line" failed)" -ge "$wf" ] \
     && [ "$(count_of "$line" skipped)" = "$ws" ] \
     && { [ "$want_rc" = 0 ] && [ "$rc" -eq 0 ] || [ "$want_rc" = 1 ] && [ "$rc" -ne 0 ]; }; then
    ok "e2e $name: $line (exit $rc)"
  else
    notok "e2e $name: want '$wp passed, $wf (or more) failed, $ws skipped' and exit $([ "$want_rc" = 0 ] && echo 0 || echo 'non-zero'), got '${line:-no closing line}' exit $rc" "$(cat "$out")"
  fi
}
e2e_case syntax-error 1 0 1 0 \
  "import { expect, test } from '@playwright/test';" \
  "test('never loads', async () => { expect(1).toBe(1) ;; }} );"
e2e_case only 1 0 1 0 \
  "import { expect, test } from '@playwright/test';" \
  "test.only('focused', async () => { expect(1).toBe(1); });" \
  "test('other', async () => { expect(1).toBe(1); });"
e2e_case passes-and-skips 1 1 1 1 \
  "import { expect, test } from '@playwright/test';" \
  "test('passes', async () => { expect(1).toBe(1); });" \
  "test('needs a cluster', async () => { test.skip(true, 'needs the local control plane'); });" \
  "test('another set-up', async () => { test.skip(true, 'only meaningful without a configured cluster'); });"

# ── 3. SIGTERM in the middle of the Jest step: nothing left running
base=27000
pgdir="/var/tmp/periscope-postgres-selftest-$$"
regdir="$work/registry"
clusterdir="$work/cluster"
ports=(27379 27380 27443 27257 27259 27247 27001 27432 27500 27501)
out="$work/sigterm.out"
# Jest runs of this checkout that were already running (another terminal's) are not this run's
jest_of_checkout() { # the pids of `backstage-cli repo test` whose working folder is this checkout
  local pid
  for pid in $(pgrep -f -- "backstage-cli repo test" || true); do
    [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$ROOT" ] && echo "$pid"
  done
  return 0
}
jest_before="$(jest_of_checkout)"
env PERISCOPE_TEST_STEPS=postgres,registry,cluster,jest PERISCOPE_TEST_OUT="$work/sigterm" PERISCOPE_TEST_REAL_NODE=0 \
  PERISCOPE_TEST_JEST_ARGS=plugins/k8s-diagnostics-node \
  PERISCOPE_PG_PORT=$((base + 432)) PERISCOPE_PG_DIR="$pgdir" \
  PERISCOPE_REGISTRY_PORT=$((base + 500)) PERISCOPE_REGISTRY_DIR="$regdir" \
  PERISCOPE_CLUSTER_DIR="$clusterdir" PERISCOPE_ETCD_CLIENT_PORT=$((base + 379)) PERISCOPE_ETCD_PEER_PORT=$((base + 380)) \
  PERISCOPE_APISERVER_PORT=$((base + 443)) PERISCOPE_KCM_PORT=$((base + 257)) \
  PERISCOPE_SCHEDULER_PORT=$((base + 259)) PERISCOPE_KWOK_PORT=$((base + 247)) PERISCOPE_KUBECTL_PROXY_PORT=$((base + 1)) \
  ./scripts/test >"$out" 2>&1 &
runner=$!
# wait until Jest runs, then a moment more (the package's tests take far longer than that)
started=0
for ((i = 0; i < 1200; i++)); do
  if pgrep -f -- "--outputFile=$work/sigterm/jest.json" >/dev/null; then started=1; break; fi
  kill -0 "$runner" 2>/dev/null || break
  sleep 0.5
done
sleep 3
# everything the run started while it runs: its descendants, and the services by their state folders
before="$(ps -eo pid=,args= | grep -E "$pgdir|$regdir|$clusterdir" | grep -v grep)"
kill -TERM "$runner" 2>/dev/null
for ((i = 0; i < 90; i++)); do kill -0 "$runner" 2>/dev/null || break; sleep 1; done
wait "$runner" 2>/dev/null
rc=$?
line="$(closing_line "$out")"
left="$(ps -eo pid=,args= | grep -E "$pgdir|$regdir|$clusterdir|$work/sigterm" | grep -v grep)"
for pid in $(jest_of_checkout); do
  grep -qx "$pid" <<<"$jest_before" || left+=$'\n'"$(ps -o pid=,args= -p "$pid" 2>/dev/null)"
done
left="$(sed '/^\s*$/d' <<<"$left")"
listening=""
for p in "${ports[@]}"; do [ -n "$(ss -Hltn "sport = :$p")" ] && listening+=" $p"; done
if [ "$started" = 1 ] && [ -n "$before" ] && [ "$rc" -ne 0 ] && [ -n "$line" ] && [ -z "$left" ] && [ -z "$listening" ] \
   && grep -q 'the test run stopped early (SIGTERM)' "$out" && ! grep -q '   jest: ' "$out"; then
  ok "SIGTERM during Jest: stopped with '$line' (exit $rc), nothing left running or listening"
else
  notok "SIGTERM during Jest (jest started: $started; exit $rc; closing line '${line:-none}'; left running: ${left:-nothing}; listening:${listening:- nothing})" "$(cat "$out")"
  # do not leave it to the next run
  [ -n "$left" ] && awk '{print $1}' <<<"$left" | xargs -r kill -KILL 2>/dev/null
fi
rm -rf "$pgdir"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
